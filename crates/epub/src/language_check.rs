//! The check behind the accessibility claim's "language of parts" (WCAG 3.1.2): a word in a
//! script the language around it does not write (Greek in an English book, Cyrillic,
//! Hebrew, Arabic, Devanagari, Thai, Han, kana, Hangul) must sit in an element with a `lang`
//! of its own, or a screen reader reads it with the wrong voice, or spells it out.
//!
//! It reads the finished XHTML, as a reading system would, so it checks what the author
//! marked (`<span lang="el">`) and what Quire tagged (CJK runs) alike. Latin letters are
//! accepted in every language (names, loan words); scripts not listed here are not checked.

/// A script the check knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    Latin,
    Greek,
    Cyrillic,
    Hebrew,
    Arabic,
    Devanagari,
    Thai,
    /// Han, kana and Hangul.
    Cjk,
}

impl Script {
    /// The script's name, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Script::Latin => "Latin",
            Script::Greek => "Greek",
            Script::Cyrillic => "Cyrillic",
            Script::Hebrew => "Hebrew",
            Script::Arabic => "Arabic",
            Script::Devanagari => "Devanagari",
            Script::Thai => "Thai",
            Script::Cjk => "Chinese, Japanese or Korean",
        }
    }

    /// A language tag to suggest for a word in this script.
    pub(crate) fn example_tag(self) -> &'static str {
        match self {
            Script::Latin => "la",
            Script::Greek => "el",
            Script::Cyrillic => "ru",
            Script::Hebrew => "he",
            Script::Arabic => "ar",
            Script::Devanagari => "hi",
            Script::Thai => "th",
            Script::Cjk => "zh",
        }
    }
}

/// The script of a letter or combining mark; `None` for digits, punctuation, spaces and
/// scripts the check does not know.
fn script(c: char) -> Option<Script> {
    if !c.is_alphabetic() && !is_mark(c) {
        return None;
    }
    Some(match c as u32 {
        0x0041..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF => Script::Latin,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x0590..=0x05FF | 0xFB1D..=0xFB4F => Script::Hebrew,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
            Script::Arabic
        }
        0x0900..=0x097F | 0xA8E0..=0xA8FF => Script::Devanagari,
        0x0E00..=0x0E7F => Script::Thai,
        0x1100..=0x11FF
        | 0x3040..=0x30FF
        | 0x3130..=0x318F
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7FF
        | 0xF900..=0xFAFF
        | 0xFF66..=0xFF9F
        | 0x20000..=0x323AF => Script::Cjk,
        _ => return None,
    })
}

/// Combining marks that belong to the letter before them (accents, vowel signs).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x064B..=0x065F
        | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E)
}

/// The scripts a language writes, by its primary subtag; Latin is accepted everywhere.
fn writes(lang: &str, script: Script) -> bool {
    let primary = lang
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let native = match primary.as_str() {
        "el" | "grc" | "gmy" => Script::Greek,
        "ru" | "uk" | "be" | "bg" | "sr" | "mk" | "kk" | "ky" | "mn" | "tg" | "tt" | "ba"
        | "cv" | "ce" | "os" | "cu" | "orv" | "rue" | "sah" | "ab" => Script::Cyrillic,
        "he" | "yi" | "lad" | "hbo" | "arc" | "jrb" => Script::Hebrew,
        "ar" | "fa" | "ur" | "ps" | "ug" | "sd" | "ckb" | "prs" | "ota" => Script::Arabic,
        "hi" | "mr" | "ne" | "sa" | "kok" | "mai" | "bho" | "new" | "doi" => Script::Devanagari,
        "th" => Script::Thai,
        "zh" | "ja" | "ko" | "lzh" | "yue" | "cmn" | "wuu" | "hak" | "nan" => Script::Cjk,
        _ => Script::Latin,
    };
    script == Script::Latin || script == native
}

/// One word in a script its surroundings do not write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UntaggedWord {
    /// Its script.
    pub(crate) script: Script,
    /// The word.
    pub(crate) word: String,
}

/// The words of the document's body (two letters or more) in a script that the language
/// in force where they stand does not write; `book_lang` applies where no element says.
pub(crate) fn untagged_words(xhtml: &str, book_lang: &str) -> Vec<UntaggedWord> {
    let mut out = Vec::new();
    // Open elements: (name, its lang if it sets one).
    let mut stack: Vec<(String, Option<String>)> = Vec::new();
    let mut rest = xhtml;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let end = tag_end(after).map_or(rest.len(), |e| e + 2);
            let tag = &rest[..end];
            rest = &rest[end..];
            let inner = tag.trim_start_matches('<').trim_end_matches('>');
            if inner.starts_with(['!', '?']) {
                continue;
            }
            let name: String = inner
                .trim_start_matches('/')
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '/')
                .collect();
            if inner.starts_with('/') {
                if let Some(at) = stack.iter().rposition(|(n, _)| *n == name) {
                    stack.truncate(at);
                }
            } else if !inner.ends_with('/') {
                stack.push((name, lang_attribute(inner)));
            }
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..end];
        rest = &rest[end..];
        if !stack.iter().any(|(n, _)| n == "body") {
            continue;
        }
        let lang = stack
            .iter()
            .rev()
            .find_map(|(_, l)| l.as_deref())
            .unwrap_or(book_lang);
        words_not_written(text, lang, &mut out);
    }
    out
}

/// Words of `text` (two letters or more, one script) that `lang` does not write.
fn words_not_written(text: &str, lang: &str, out: &mut Vec<UntaggedWord>) {
    // Words are byte ranges of `text`, copied only when reported; every language writes
    // Latin, so a Latin word (nearly every word of most books) is passed over at once.
    let mut flush = |word: &str, s: Option<Script>| {
        if let Some(s) = s
            && s != Script::Latin
            && !writes(lang, s)
            && word.chars().filter(|c| c.is_alphabetic()).count() >= 2
        {
            out.push(UntaggedWord {
                script: s,
                word: word.to_string(),
            });
        }
    };
    let mut start = 0;
    let mut word_script = None;
    for (i, c) in text.char_indices() {
        match script(c) {
            Some(s) if Some(s) == word_script || (word_script.is_none() && !is_mark(c)) => {
                if word_script.is_none() {
                    start = i;
                }
                word_script = Some(s);
            }
            Some(_) if is_mark(c) && word_script.is_some() => {}
            Some(s) => {
                flush(&text[start..i], word_script);
                word_script = Some(s);
                start = i;
            }
            None => {
                flush(&text[start..i], word_script);
                word_script = None;
            }
        }
    }
    flush(&text[start..], word_script);
}

/// The `xml:lang` or `lang` value of a start tag's attributes.
fn lang_attribute(tag: &str) -> Option<String> {
    for key in ["xml:lang=\"", " lang=\""] {
        if let Some(at) = tag.find(key) {
            let value = &tag[at + key.len()..];
            return value.split('"').next().map(str::to_string);
        }
    }
    None
}

/// The index of the `>` closing a tag that starts just before `after`, skipping quoted
/// attribute values.
pub(crate) fn tag_end(after: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in after.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(doc: &str, lang: &str) -> Vec<(Script, String)> {
        untagged_words(doc, lang)
            .into_iter()
            .map(|w| (w.script, w.word))
            .collect()
    }

    #[test]
    fn foreign_words_without_a_language_are_found() {
        let doc = "<html lang=\"en\"><head><title>Λόγος</title></head><body>\
            <p>The <em>λόγος</em> and a <span lang=\"el\">λόγος</span>, \
            <span xml:lang=\"ru\" lang=\"ru\">мир</span> but мир; 孫子 and \
            <span lang=\"zh\">孫子</span>; Café, naïve, α.</p></body></html>";
        assert_eq!(
            words(doc, "en"),
            [
                (Script::Greek, "λόγος".to_string()),
                (Script::Cyrillic, "мир".to_string()),
                (Script::Cjk, "孫子".to_string()),
            ]
        );
        // In a Greek book the Greek is at home, and Latin is accepted everywhere.
        assert_eq!(
            words("<body><p>λόγος and logos</p></body>", "el-GR"),
            Vec::<(Script, String)>::new()
        );
        // Hebrew with its points stays one word.
        assert_eq!(words("<body><p>שָׁלוֹם</p></body>", "en").len(), 1);
    }

    #[test]
    fn languages_and_their_scripts() {
        assert!(writes("ru-RU", Script::Cyrillic));
        assert!(writes("ja", Script::Cjk));
        assert!(writes("fr", Script::Latin) && writes("ar", Script::Latin));
        assert!(!writes("en", Script::Greek) && !writes("de", Script::Arabic));
    }
}
