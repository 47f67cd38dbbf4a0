//! Kobo's span markup (`--target kobo`): every sentence of a content document wrapped in
//! `<span class="koboSpan" id="kobo.N.M">` (block N of the document, sentence M of the block),
//! and the body wrapped in `<div id="book-columns"><div id="book-inner">`.
//!
//! This is what Kobo's own KEPUB conversion does to a file; Kobo's readers use the spans
//! for reading position, bookmarks, highlights and reading statistics (sources: MobileRead
//! posts on the kepub format, see `docs/decisions.md`; Kobo's epub-spec does not document
//! it). The transformation works on the XHTML Quire wrote, which is well-formed: tags are
//! copied as they are, and only text between tags inside `<body>` is wrapped.

use crate::language_check::tag_end;

/// Elements that begin a new block (N) of Kobo's numbering.
const BLOCKS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "dt",
    "dd",
    "th",
    "td",
    "figcaption",
    "caption",
    "pre",
    "div",
    "blockquote",
    "aside",
    "section",
    "nav",
    "header",
    "footer",
    "figure",
    "table",
    "ol",
    "ul",
    "dl",
    "hr",
];

/// Elements whose text must stay as it is: spans are not allowed inside them, or the text
/// is not reading text.
const KEEP: &[&str] = &["svg", "math", "ruby", "script", "style", "title", "head"];

/// The document with Kobo's spans and wrappers added; a document without a `<body>` is
/// returned unchanged.
pub(crate) fn add_kobo_spans(xhtml: &str) -> String {
    let mut out = String::with_capacity(xhtml.len() + xhtml.len() / 2);
    let mut rest = xhtml;
    let mut in_body = false;
    let mut keep_depth = 0usize;
    let mut block = 0u32;
    let mut sentence = 0u32;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let end = tag_end(after).map_or(rest.len(), |e| e + 2);
            let tag = &rest[..end];
            rest = &rest[end..];
            let (name, closing, empty) = tag_name(tag);
            if name == "body" && !closing {
                in_body = true;
                out.push_str(tag);
                out.push_str("<div id=\"book-columns\"><div id=\"book-inner\">");
                continue;
            }
            if name == "body" && closing {
                in_body = false;
                out.push_str("</div></div>");
                out.push_str(tag);
                continue;
            }
            if KEEP.contains(&name.as_str()) && !empty {
                if closing {
                    keep_depth = keep_depth.saturating_sub(1);
                } else {
                    keep_depth += 1;
                }
            }
            if in_body && !closing && BLOCKS.contains(&name.as_str()) {
                block += 1;
                sentence = 0;
            }
            out.push_str(tag);
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..end];
        rest = &rest[end..];
        if !in_body || keep_depth > 0 || text.trim().is_empty() {
            out.push_str(text);
            continue;
        }
        if block == 0 {
            block = 1;
        }
        for piece in sentences(text) {
            if piece.trim().is_empty() {
                out.push_str(piece);
                continue;
            }
            sentence += 1;
            out.push_str(&format!(
                "<span class=\"koboSpan\" id=\"kobo.{block}.{sentence}\">{piece}</span>"
            ));
        }
    }
    out
}

/// The lowercase element name of a tag, and whether it is a closing or an empty tag.
/// Declarations, comments and processing instructions have an empty name.
fn tag_name(tag: &str) -> (String, bool, bool) {
    let inner = tag.trim_start_matches('<').trim_end_matches('>');
    let closing = inner.starts_with('/');
    let empty = inner.ends_with('/');
    let name: String = inner
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, ':' | '-' | '_'))
        .collect::<String>()
        .to_ascii_lowercase();
    (name, closing, empty)
}

/// The text cut into sentences, each with the spaces after it: a sentence ends after `.`,
/// `!`, `?` or `…` (and any closing quotes or brackets) followed by white space. The pieces
/// joined give the text back.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        if matches!(c, '.' | '!' | '?' | '…') {
            let mut j = i + 1;
            while j < chars.len()
                && matches!(
                    chars[j].1,
                    '.' | '!' | '?' | '…' | '”' | '’' | '"' | '\'' | ')' | ']' | '»'
                )
            {
                j += 1;
            }
            if j < chars.len()
                && chars[j].1.is_whitespace()
                && !abbreviation(&text[start..chars[i].0])
            {
                while j < chars.len() && chars[j].1.is_whitespace() {
                    j += 1;
                }
                let end = chars.get(j).map_or(text.len(), |(b, _)| *b);
                if j < chars.len() {
                    out.push(&text[start..end]);
                    start = end;
                }
                i = j;
                continue;
            }
        }
        i += 1;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Does the text before a full stop end in a title or an initial ("Mr", "Mrs", "Dr", "St",
/// "J"), after which the sentence goes on?
fn abbreviation(before: &str) -> bool {
    let word: &str = before
        .rsplit(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or_default();
    let mut chars = word.chars();
    let first_upper = chars.next().is_some_and(char::is_uppercase);
    let count = word.chars().count();
    first_upper
        && (count == 1
            || [
                "Mr", "Mrs", "Ms", "Dr", "St", "Mt", "Jr", "Sr", "Prof", "Rev", "Capt", "Col",
                "Gen", "Lt", "Sgt", "Hon", "Messrs", "Mme", "Mlle",
            ]
            .contains(&word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_keep_every_character() {
        let text =
            "It is a truth. “Is it?” she asked! Yes… and so. Mr. Darcy and J. R. Hartley came. End";
        let pieces = sentences(text);
        assert_eq!(pieces.concat(), text);
        assert_eq!(
            pieces,
            [
                "It is a truth. ",
                "“Is it?” ",
                "she asked! ",
                "Yes… ",
                "and so. ",
                "Mr. Darcy and J. R. Hartley came. ",
                "End"
            ]
        );
        assert_eq!(sentences("One."), ["One."]);
        assert_eq!(sentences("One. "), ["One. "]);
    }

    #[test]
    fn spans_number_blocks_and_sentences_and_leave_markup_alone() {
        let doc = "<?xml version=\"1.0\"?>\n<html><head><title>A. B.</title></head>\n<body>\n<h1 id=\"c\">Chapter 1</h1>\n<p class=\"first\">One. Two <em>three. Four</em> five.</p>\n<p><a href=\"#n1\" title=\"a > b\">1</a></p>\n<svg><text>Not. Me.</text></svg>\n</body>\n</html>\n";
        let out = add_kobo_spans(doc);
        assert!(out.contains("<title>A. B.</title>"), "{out}");
        assert!(out.contains("<body><div id=\"book-columns\"><div id=\"book-inner\">"));
        assert!(out.contains("</div></div></body>"));
        assert!(
            out.contains(
                "<h1 id=\"c\"><span class=\"koboSpan\" id=\"kobo.1.1\">Chapter 1</span></h1>"
            ),
            "{out}"
        );
        assert!(out.contains("<p class=\"first\"><span class=\"koboSpan\" id=\"kobo.2.1\">One. </span><span class=\"koboSpan\" id=\"kobo.2.2\">Two </span><em><span class=\"koboSpan\" id=\"kobo.2.3\">three. </span><span class=\"koboSpan\" id=\"kobo.2.4\">Four</span></em><span class=\"koboSpan\" id=\"kobo.2.5\"> five.</span></p>"), "{out}");
        assert!(out.contains("<a href=\"#n1\" title=\"a > b\"><span class=\"koboSpan\" id=\"kobo.3.1\">1</span></a>"), "{out}");
        assert!(out.contains("<svg><text>Not. Me.</text></svg>"), "{out}");
        // The text read back is the text written.
        let plain = "<html><head><title>T</title></head><body><p>One. Two <em>three.</em></p><pre>a &lt; b. c</pre></body></html>";
        assert_eq!(text_of(&add_kobo_spans(plain)), text_of(plain));
    }

    /// The text of a document outside tags (no `>` in attribute values here).
    fn text_of(doc: &str) -> String {
        let mut text = String::new();
        let mut in_tag = false;
        for c in doc.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text
    }
}
