//! The content oracle: reads Quire's outputs back with tools that share none of Quire's code
//! (PyMuPDF for the PDF, `zip` + `quick-xml` for the EPUB) and compares them with the
//! manuscript read with `toml` + `pulldown-cmark` directly, to check the invariant "every
//! word, note and picture of the manuscript exactly once, in order, on the page".
//!
//! Every check returns human-readable violations (manuscript `file:line`, PDF page numbers
//! counted from 1 as a PDF viewer shows them) instead of stopping at the first.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub(crate) mod checks;
pub(crate) mod epub;
pub(crate) mod manuscript;
pub(crate) mod output;
pub(crate) mod pdf;

pub(crate) use checks::{Report, check_epub, check_pdf};
pub(crate) use manuscript::Manuscript;

/// True for the characters compared one by one (Chinese has no spaces between words).
pub(crate) fn is_ideograph(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x2FDF | 0x3005..=0x3007 | 0x3021..=0x3029 | 0x3038..=0x303B
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// True for the letters and signs of the scripts written without spaces between words whose
/// words only a dictionary finds (Thai, Lao, Myanmar, Khmer, Tai Tham): compared one by one
/// too, since a line may end between two words with no space.
pub(crate) fn is_spaceless_script(c: char) -> bool {
    matches!(u32::from(c),
        0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF | 0x19E0..=0x19FF
        | 0x1A20..=0x1AAF | 0xA9E0..=0xA9FF | 0xAA60..=0xAA7F)
}

/// Characters removed inside words: hyphens, apostrophes, soft hyphens (so a word broken at
/// a line end, or written with a hyphen, compares equal however the line broke).
pub(crate) fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\''
            | '\u{2019}'
            | '\u{2018}'
            | '\u{02bc}'
            | '\u{ad}'
            | '\u{200b}'
            | '\u{2060}'
            | '\u{feff}'
            // The mark of a wrapped code line: the word before it may go on after it.
            | '\u{21aa}'
    )
}

/// Appends the normalised words of `text` to `out`: lowercase, letters and digits only,
/// joiners removed, each ideograph its own word. `carry` holds a word still open at the end
/// of `text` (so a caller can join a word across a line end); pass an empty string to start.
pub(crate) fn push_words(text: &str, carry: &mut String, out: &mut Vec<String>) {
    for c in text.chars() {
        let expanded: &str = match c {
            '\u{fb00}' => "ff",
            '\u{fb01}' => "fi",
            '\u{fb02}' => "fl",
            '\u{fb03}' => "ffi",
            '\u{fb04}' => "ffl",
            '\u{fb05}' | '\u{fb06}' => "st",
            _ => "",
        };
        if !expanded.is_empty() {
            carry.push_str(expanded);
        } else if is_ideograph(c) || is_spaceless_script(c) {
            if !carry.is_empty() {
                out.push(std::mem::take(carry));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            carry.extend(c.to_lowercase());
        } else if is_mark(c) {
            if !carry.is_empty() {
                carry.push(c);
            }
        } else if is_joiner(c) {
            continue;
        } else if !carry.is_empty() {
            out.push(std::mem::take(carry));
        }
    }
}

/// Combining marks belong to their letter (a decomposed "ǔ" stays one word).
fn is_mark(c: char) -> bool {
    matches!(u32::from(c), 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// The normalised words of a complete text.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut carry = String::new();
    push_words(text, &mut carry, &mut out);
    if !carry.is_empty() {
        out.push(carry);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn normalisation() {
        assert_eq!(
            words("Gentle-man’s “Rabbit-Hole”—fine"),
            ["gentlemans", "rabbithole", "fine"]
        );
        assert_eq!(
            words("孫子兵法 Sun Tzǔ"),
            ["孫", "子", "兵", "法", "sun", "tzǔ"]
        );
        assert_eq!(
            words("ﬁne e\u{301}te\u{301}"),
            ["fine", "e\u{301}te\u{301}"]
        );
    }
}
