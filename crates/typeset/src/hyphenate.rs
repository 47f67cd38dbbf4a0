//! Hyphenation: where a word may take a hyphen at a line end.
//!
//! Liang's patterns from TeX (the `hyphenation` crate, all languages embedded), chosen by the
//! book's BCP 47 language tag, with book rules on top: at least 2 letters before and 3
//! after a break, the author's exceptions first, no breaks in words that already contain a
//! hyphen (the line breaker may break at that hyphen), none in words with digits, in URLs
//! or e-mail addresses, and capitalised words only if the book allows it.

use hyphenation::{Hyphenator as _, Language, Load, Standard};

use crate::shape::FxHashMap;

/// Rules for hyphenating words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HyphenationOptions {
    /// Fewest characters before a break (TeX's `\lefthyphenmin`).
    pub left_min: usize,
    /// Fewest characters after a break (TeX's `\righthyphenmin`).
    pub right_min: usize,
    /// Whether words starting with a capital may be hyphenated (TeX's `\uchyph`).
    pub hyphenate_capitalized: bool,
    /// The author's hyphenations, `ta-ble` style; a word given without hyphens is never
    /// hyphenated. Matched case-insensitively against whole words.
    pub exceptions: Vec<String>,
}

impl Default for HyphenationOptions {
    fn default() -> Self {
        HyphenationOptions {
            left_min: 2,
            right_min: 3,
            hyphenate_capitalized: true,
            exceptions: Vec::new(),
        }
    }
}

/// The hyphenation patterns for a BCP 47 language tag, if any are embedded.
///
/// `en` and `en-US` give American patterns; `en-GB` and the other Commonwealth regions
/// British ones; `de` the 1996 orthography (`de-1901` the traditional one); `el` monotonic
/// Greek (`el-polyton` polytonic); other languages by their primary subtag.
pub fn language_for_tag(tag: &str) -> Option<Language> {
    let lower = tag.trim().to_ascii_lowercase();
    let subtags: Vec<&str> = lower.split(['-', '_']).filter(|s| !s.is_empty()).collect();
    let primary = *subtags.first()?;
    let has = |s: &str| subtags.iter().skip(1).any(|t| *t == s);
    let language = match primary {
        "en" => {
            const BRITISH: [&str; 10] =
                ["gb", "uk", "au", "nz", "ie", "za", "in", "sg", "hk", "mt"];
            if BRITISH.iter().any(|r| has(r)) {
                Language::EnglishGB
            } else {
                Language::EnglishUS
            }
        }
        "de" | "gsw" => match (has("1901"), has("ch") || primary == "gsw") {
            (true, true) => Language::GermanSwiss,
            (true, false) => Language::German1901,
            _ => Language::German1996,
        },
        "el" if has("polyton") => Language::GreekPoly,
        "el" => Language::GreekMono,
        "grc" => Language::GreekAncient,
        "la" if has("x") && has("classic") => Language::LatinClassic,
        "la" if has("x") && has("liturgic") => Language::LatinLiturgical,
        "sr" if has("latn") => Language::SerbocroatianLatin,
        "sr" => Language::SerbianCyrillic,
        "sh" | "hbs" if has("cyrl") => Language::SerbocroatianCyrillic,
        "sh" | "hbs" => Language::SerbocroatianLatin,
        "no" | "nb" => Language::NorwegianBokmal,
        "mn" => Language::Mongolian,
        "zh" if has("pinyin") => Language::Chinese,
        "fi" if has("school") => Language::FinnishScholastic,
        other => Language::try_from_code(other)?,
    };
    Some(language)
}

/// Finds hyphenation points in words, remembering each word's answer.
#[derive(Debug)]
pub struct Hyphenator {
    dictionary: Option<Standard>,
    options: HyphenationOptions,
    exceptions: FxHashMap<String, Vec<usize>>,
    /// Answers per word as given (with its punctuation).
    cache: FxHashMap<Box<str>, Vec<usize>>,
    /// Pattern breaks per run of letters (`Bingley` serves `Bingley,` and `“Bingley`).
    runs: FxHashMap<Box<str>, Vec<usize>>,
}

impl Hyphenator {
    /// A hyphenator for a BCP 47 language tag. A language without patterns hyphenates
    /// nothing but the author's exceptions (see [`Hyphenator::has_patterns`]).
    pub fn new(language_tag: &str, options: HyphenationOptions) -> Hyphenator {
        Self::build(language_tag, options)
    }

    /// A hyphenator with the same patterns and exceptions and no answers cached yet (for
    /// another core).
    pub fn fresh(&self) -> Hyphenator {
        Hyphenator {
            dictionary: self.dictionary.clone(),
            options: self.options.clone(),
            exceptions: self.exceptions.clone(),
            cache: FxHashMap::default(),
            runs: FxHashMap::default(),
        }
    }

    fn build(language_tag: &str, options: HyphenationOptions) -> Hyphenator {
        let dictionary = language_for_tag(language_tag)
            .and_then(|lang| Standard::from_embedded(lang).ok())
            .map(|mut dict| {
                dict.minima = (options.left_min.max(1), options.right_min.max(1));
                dict
            });
        let mut exceptions = FxHashMap::default();
        for entry in &options.exceptions {
            let word: String = entry.chars().filter(|c| *c != '-').collect();
            let mut points = Vec::new();
            let mut offset = 0;
            for c in entry.chars() {
                if c == '-' {
                    if offset > 0 && offset < word.len() {
                        points.push(offset);
                    }
                } else {
                    offset += c.len_utf8();
                }
            }
            if !word.is_empty() {
                exceptions.insert(word.to_lowercase(), points);
            }
        }
        Hyphenator {
            dictionary,
            options,
            exceptions,
            cache: FxHashMap::default(),
            runs: FxHashMap::default(),
        }
    }

    /// True when the language has embedded patterns.
    pub fn has_patterns(&self) -> bool {
        self.dictionary.is_some()
    }

    /// The BCP 47 code of the patterns in use (`en-gb`, `fr` ...), if any.
    pub fn patterns_code(&self) -> Option<&'static str> {
        self.dictionary.as_ref().map(|d| d.language().code())
    }

    /// Byte offsets in `word` where a hyphen may be inserted, ascending. `word` is what lies
    /// between two spaces and may include punctuation (`“Bingley.”`): only its runs of
    /// letters are hyphenated.
    pub fn points(&mut self, word: &str) -> Vec<usize> {
        if let Some(hit) = self.cache.get(word) {
            return hit.clone();
        }
        let points = self.compute(word);
        self.cache.insert(Box::from(word), points.clone());
        points
    }

    /// [`Hyphenator::points`] without keeping the word's answer (only its runs of letters
    /// are remembered): for a caller that keeps the answer itself.
    pub(crate) fn points_uncached(&mut self, word: &str) -> Vec<usize> {
        self.compute(word)
    }

    fn compute(&mut self, word: &str) -> Vec<usize> {
        if !self.exceptions.is_empty()
            && let Some(points) = self.exceptions.get(&word.to_lowercase())
        {
            return points.clone();
        }
        if word.contains(['-', '\u{2010}', '\u{2011}', '/', '@', '\\', '_', '=', '&'])
            || word.chars().any(|c| c.is_numeric())
            || word.contains("://")
            || word
                .get(..4)
                .is_some_and(|w| w.eq_ignore_ascii_case("www."))
        {
            return Vec::new();
        }
        if word.contains('\u{AD}') {
            // The author's soft hyphens are the only breaks.
            return word
                .char_indices()
                .filter(|(_, c)| *c == '\u{AD}')
                .map(|(i, c)| i + c.len_utf8())
                .filter(|i| *i < word.len())
                .collect();
        }
        let mut points = Vec::new();
        let mut start = None;
        for (i, c) in word
            .char_indices()
            .chain(std::iter::once((word.len(), ' ')))
        {
            if c.is_alphabetic() {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                self.letters(word, s, i, &mut points);
            }
        }
        points
    }

    fn letters(&mut self, word: &str, start: usize, end: usize, points: &mut Vec<usize>) {
        let Some(run) = word.get(start..end) else {
            return;
        };
        if let Some(known) = self.runs.get(run) {
            points.extend(known.iter().map(|p| p + start));
            return;
        }
        let mut found = Vec::new();
        self.run_points(run, &mut found);
        points.extend(found.iter().map(|p| p + start));
        self.runs.insert(Box::from(run), found);
    }

    /// Breaks in a run of letters, as byte offsets in it.
    fn run_points(&self, run: &str, points: &mut Vec<usize>) {
        if !self.exceptions.is_empty()
            && let Some(known) = self.exceptions.get(&run.to_lowercase())
        {
            points.extend(known.iter().copied());
            return;
        }
        let capitalised = run.chars().next().is_some_and(char::is_uppercase);
        if capitalised && !self.options.hyphenate_capitalized {
            return;
        }
        let Some(dict) = &self.dictionary else {
            return;
        };
        let n = run.chars().count();
        let (left, right) = (self.options.left_min.max(1), self.options.right_min.max(1));
        if n < left + right {
            return;
        }
        for b in dict.hyphenate(run).breaks {
            let chars_before = run.get(..b).map_or(0, |s| s.chars().count());
            if chars_before >= left && n - chars_before >= right && run.is_char_boundary(b) {
                points.push(b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(h: &mut Hyphenator, word: &str) -> String {
        let points = h.points(word);
        let mut out = String::new();
        for (i, c) in word.char_indices() {
            if points.contains(&i) {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    #[test]
    fn tags_choose_patterns() {
        assert_eq!(language_for_tag("en"), Some(Language::EnglishUS));
        assert_eq!(language_for_tag("en-US"), Some(Language::EnglishUS));
        assert_eq!(language_for_tag("en-GB"), Some(Language::EnglishGB));
        assert_eq!(language_for_tag("en_au"), Some(Language::EnglishGB));
        assert_eq!(language_for_tag("fr-CA"), Some(Language::French));
        assert_eq!(language_for_tag("de"), Some(Language::German1996));
        assert_eq!(language_for_tag("de-AT"), Some(Language::German1996));
        assert_eq!(language_for_tag("de-1901"), Some(Language::German1901));
        assert_eq!(language_for_tag("es-MX"), Some(Language::Spanish));
        assert_eq!(language_for_tag("nb-NO"), Some(Language::NorwegianBokmal));
        assert_eq!(language_for_tag("xx"), None);
        assert_eq!(language_for_tag(""), None);
    }

    #[test]
    fn us_and_gb_patterns_differ() {
        let mut us = Hyphenator::new("en-US", HyphenationOptions::default());
        let mut gb = Hyphenator::new("en-GB", HyphenationOptions::default());
        assert_eq!(us.patterns_code(), Some("en-us"));
        assert_eq!(gb.patterns_code(), Some("en-gb"));
        assert!(show(&mut us, "hyphenation").starts_with("hy-phen-a"));
        let words = [
            "acknowledged",
            "possession",
            "neighbourhood",
            "consideration",
        ];
        let us_forms: Vec<String> = words.iter().map(|w| show(&mut us, w)).collect();
        let gb_forms: Vec<String> = words.iter().map(|w| show(&mut gb, w)).collect();
        assert_ne!(us_forms, gb_forms, "{us_forms:?} {gb_forms:?}");
    }

    #[test]
    fn other_languages_load() {
        for (tag, word) in [
            ("fr", "constitution"),
            ("de", "Silbentrennung"),
            ("es", "extraordinario"),
        ] {
            let mut h = Hyphenator::new(tag, HyphenationOptions::default());
            assert!(h.has_patterns(), "{tag}");
            assert!(!h.points(word).is_empty(), "{tag} {word}");
        }
    }

    #[test]
    fn minima_are_respected() {
        let mut h = Hyphenator::new("en-US", HyphenationOptions::default());
        for word in [
            "universally",
            "acknowledged",
            "possession",
            "imagination",
            "table",
        ] {
            let points = h.points(word);
            for p in points {
                assert!(word[..p].chars().count() >= 2, "{word} {p}");
                assert!(word[p..].chars().count() >= 3, "{word} {p}");
            }
        }
        // Punctuation around the letters does not count towards the minima.
        let quoted = show(&mut h, "“possession,”");
        assert_eq!(quoted.replace('-', ""), "“possession,”");
        assert!(quoted.contains('-'));
    }

    #[test]
    fn exceptions_hyphens_digits_urls_and_capitals() {
        let options = HyphenationOptions {
            exceptions: vec!["ta-ble".into(), "Netherfield".into()],
            hyphenate_capitalized: false,
            ..HyphenationOptions::default()
        };
        let mut h = Hyphenator::new("en-GB", options);
        assert_eq!(show(&mut h, "table"), "ta-ble");
        assert_eq!(show(&mut h, "Table"), "Ta-ble");
        assert_eq!(show(&mut h, "table,"), "ta-ble,");
        assert_eq!(show(&mut h, "Netherfield"), "Netherfield");
        assert_eq!(show(&mut h, "Pemberley"), "Pemberley");
        assert_eq!(show(&mut h, "well-acknowledged"), "well-acknowledged");
        assert_eq!(show(&mut h, "1813th"), "1813th");
        assert_eq!(
            show(&mut h, "https://example.org/possession"),
            "https://example.org/possession"
        );
        assert_eq!(show(&mut h, "pos\u{AD}session"), "pos\u{AD}-session");
        let mut caps = Hyphenator::new("en-GB", HyphenationOptions::default());
        assert_ne!(show(&mut caps, "Pemberley"), "Pemberley");
    }

    #[test]
    fn unknown_language_hyphenates_nothing_but_exceptions() {
        let mut h = Hyphenator::new(
            "tlh",
            HyphenationOptions {
                exceptions: vec!["Qap-la".into()],
                ..HyphenationOptions::default()
            },
        );
        assert!(!h.has_patterns());
        assert!(h.points("possession").is_empty());
        assert_eq!(h.points("qapla"), vec![3]);
        assert!(h.points("").is_empty());
    }
}
