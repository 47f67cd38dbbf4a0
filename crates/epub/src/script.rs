//! Language of CJK runs: Han, kana and Hangul text inside a book in another language gets a
//! `lang` of its own (WCAG 3.1.2, language of parts), so a screen reader switches voice
//! instead of spelling out code points.

/// The language a run of CJK letters is tagged with, if it needs one in a book whose
/// primary language subtag is `book`.
fn run_language(has_kana: bool, has_hangul: bool, book: &str) -> Option<&'static str> {
    let lang = if has_kana {
        "ja"
    } else if has_hangul {
        "ko"
    } else {
        // Han alone: Chinese, unless the book is Japanese or Korean, which write Han too.
        if book == "ja" || book == "ko" {
            return None;
        }
        "zh"
    };
    (lang != book).then_some(lang)
}

/// What a character is, for CJK runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Kana,
    Hangul,
    /// CJK punctuation, full-width forms and ideographic space: part of a run, never its
    /// start.
    Joiner,
    Other,
}

fn class(c: char) -> Class {
    match c as u32 {
        0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x323AF
        | 0x2E80..=0x2FDF
        | 0x3005..=0x3007
        | 0x3021..=0x3029 => Class::Han,
        0x3041..=0x309F | 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Class::Kana,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7FF => Class::Hangul,
        0x3000..=0x303F | 0xFF00..=0xFF65 | 0xFE30..=0xFE4F => Class::Joiner,
        _ => Class::Other,
    }
}

/// `text` cut into runs, each with the language it must be tagged with (`None`: the
/// book's own). `book` is the book's primary language subtag, lower case.
pub(crate) fn language_runs<'t>(text: &'t str, book: &str) -> Vec<(&'t str, Option<&'static str>)> {
    let mut runs = Vec::new();
    let mut plain_from = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        // Below Hangul Jamo nothing starts a run: most books never get past this test.
        if u32::from(c) < 0x1100 || !matches!(class(c), Class::Han | Class::Kana | Class::Hangul) {
            continue;
        }
        // A run: letters and joiners, through spaces only when more CJK follows.
        let (mut kana, mut hangul) = (class(c) == Class::Kana, class(c) == Class::Hangul);
        let mut end = start + c.len_utf8();
        let mut scan = chars.clone();
        while let Some(&(i, d)) = scan.peek() {
            match class(d) {
                Class::Han | Class::Kana | Class::Hangul | Class::Joiner => {
                    kana |= class(d) == Class::Kana;
                    hangul |= class(d) == Class::Hangul;
                    end = i + d.len_utf8();
                    scan.next();
                    chars = scan.clone();
                }
                Class::Other if d == ' ' => {
                    scan.next();
                }
                Class::Other => break,
            }
        }
        let Some(lang) = run_language(kana, hangul, book) else {
            continue;
        };
        if plain_from < start {
            runs.push((&text[plain_from..start], None));
        }
        runs.push((&text[start..end], Some(lang)));
        plain_from = end;
    }
    if plain_from < text.len() || runs.is_empty() {
        runs.push((&text[plain_from..], None));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::language_runs;

    #[test]
    fn han_in_an_english_book_is_chinese() {
        assert_eq!(
            language_runs("attacks 郢 Ying, the capital", "en"),
            vec![
                ("attacks ", None),
                ("郢", Some("zh")),
                (" Ying, the capital", None)
            ]
        );
    }

    #[test]
    fn a_run_spans_spaces_and_punctuation_between_letters() {
        assert_eq!(
            language_runs("see 孫子 兵法。 end", "en"),
            vec![("see ", None), ("孫子 兵法。", Some("zh")), (" end", None)]
        );
    }

    #[test]
    fn kana_makes_a_run_japanese_and_hangul_korean() {
        assert_eq!(
            language_runs("日本語のテキスト", "en"),
            vec![("日本語のテキスト", Some("ja"))]
        );
        assert_eq!(language_runs("한국어", "fr"), vec![("한국어", Some("ko"))]);
    }

    #[test]
    fn a_book_in_the_same_language_tags_nothing() {
        assert_eq!(language_runs("漢字", "zh"), vec![("漢字", None)]);
        assert_eq!(
            language_runs("漢字とかな", "ja"),
            vec![("漢字とかな", None)]
        );
        assert_eq!(language_runs("漢字", "ja"), vec![("漢字", None)]);
        assert_eq!(language_runs("plain", "en"), vec![("plain", None)]);
        assert_eq!(language_runs("", "en"), vec![("", None)]);
    }
}
