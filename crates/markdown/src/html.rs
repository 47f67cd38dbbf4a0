//! The little HTML a manuscript may use: one tag at a time, read without interpreting it.
//!
//! pulldown-cmark hands inline HTML over tag by tag (`<kbd>`, the text, `</kbd>`); this
//! reads one such tag's name and attributes. Anything it cannot read is not a tag, and the
//! caller prints it as text.

/// One HTML tag: `<a id="x">`, `</kbd>`, `<br/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    /// Lowercase name.
    pub(crate) name: String,
    /// `</name>`.
    pub(crate) closing: bool,
    /// `<name ... />`.
    pub(crate) self_closing: bool,
    /// Attributes in order: lowercase name, value with `&amp;`-style entities of the five
    /// XML kinds decoded.
    pub(crate) attrs: Vec<(String, String)>,
}

impl Tag {
    /// Reads `text` as exactly one tag (surrounding whitespace allowed).
    pub(crate) fn parse(text: &str) -> Option<Tag> {
        let inner = text.trim().strip_prefix('<')?.strip_suffix('>')?;
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, inner),
        };
        let (self_closing, inner) = match inner.trim_end().strip_suffix('/') {
            Some(rest) => (true, rest),
            None => (false, inner),
        };
        let name_end = inner
            .find(|c: char| c.is_whitespace())
            .unwrap_or(inner.len());
        let name = &inner[..name_end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let mut attrs = Vec::new();
        let mut rest = inner[name_end..].trim_start();
        while !rest.is_empty() {
            let key_end = rest
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(rest.len());
            let key = rest[..key_end].to_ascii_lowercase();
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
            {
                return None;
            }
            rest = rest[key_end..].trim_start();
            let value = if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                let (value, remainder) = match after.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let body = &after[1..];
                        let close = body.find(q)?;
                        (&body[..close], &body[close + 1..])
                    }
                    _ => {
                        let end = after
                            .find(|c: char| c.is_whitespace())
                            .unwrap_or(after.len());
                        (&after[..end], &after[end..])
                    }
                };
                rest = remainder.trim_start();
                decode(value)
            } else {
                String::new()
            };
            attrs.push((key, value));
        }
        Some(Tag {
            name: name.to_ascii_lowercase(),
            closing,
            self_closing,
            attrs,
        })
    }

    /// The value of an attribute.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A piece of an HTML fragment: a tag, or the text between two tags (entities not decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// A tag this module reads.
    Tag(Tag),
    /// Text up to the next tag.
    Text(&'a str),
}

/// `html` cut into tags and the text between them, comments left out. A `<` that does not
/// open a tag [`Tag::parse`] reads is text.
pub(crate) fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if rest.starts_with('<')
            && let Some(end) = rest.find('>')
            && let Some(tag) = Tag::parse(&rest[..=end])
        {
            out.push(Token::Tag(tag));
            rest = &rest[end + 1..];
            continue;
        }
        // Text, up to the next `<` (past this one, if it opens no tag).
        let from = usize::from(rest.starts_with('<'));
        let end = rest[from..].find('<').map_or(rest.len(), |e| e + from);
        out.push(Token::Text(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

/// Decodes the five XML entities, decimal or hexadecimal character references, and
/// HTML's named entities (`&mdash;`, `&nbsp;`, with pulldown-cmark's table of them).
pub(crate) fn decode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(end) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = &after[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        let named = || {
            (decoded.is_none() && !entity.is_empty() && entity.len() < 32)
                .then(|| named_entity(entity))
                .flatten()
        };
        match (decoded, named()) {
            (Some(c), _) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            (None, Some(text)) => {
                out.push_str(&text);
                rest = &after[end + 1..];
            }
            (None, None) => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What the named entity `&name;` stands for, if HTML names it: read as Markdown, whose
/// parser knows HTML's whole table of entities.
fn named_entity(name: &str) -> Option<String> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let written = format!("&{name};");
    let mut text = String::new();
    for event in pulldown_cmark::Parser::new(&written) {
        if let pulldown_cmark::Event::Text(t) = event {
            text.push_str(&t);
        }
    }
    (text != written && !text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_attributes() {
        let t = Tag::parse(r#"<a id="sizes" class='x' data-n=3>"#).expect("tag");
        assert_eq!(t.name, "a");
        assert!(!t.closing && !t.self_closing);
        assert_eq!(t.attr("id"), Some("sizes"));
        assert_eq!(t.attr("class"), Some("x"));
        assert_eq!(t.attr("data-n"), Some("3"));
        let t = Tag::parse("</KBD>").expect("tag");
        assert_eq!((t.name.as_str(), t.closing), ("kbd", true));
        let t = Tag::parse(r#"<img src="a.svg" alt="x &amp; y &#x41;" />"#).expect("tag");
        assert!(t.self_closing);
        assert_eq!(t.attr("alt"), Some("x & y A"));
        assert_eq!(Tag::parse("<br>").map(|t| t.name), Some("br".into()));
        for bad in ["<>", "< a>", "text", "<a id=\"x>", "<a =x>", "<!-- c -->"] {
            assert!(Tag::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn fragments_are_tags_and_text_and_entities_decode() {
        let pieces = tokens("<td>a <b>&lt; b</b><!-- gone --> 1 < 2</td>");
        let shown: Vec<String> = pieces
            .iter()
            .map(|t| match t {
                Token::Tag(tag) => format!("{}{}", if tag.closing { "/" } else { "" }, tag.name),
                Token::Text(text) => format!("'{text}'"),
            })
            .collect();
        assert_eq!(
            shown,
            ["td", "'a '", "b", "'&lt; b'", "/b", "' 1 '", "'< 2'", "/td"]
        );
        assert_eq!(
            decode("a&nbsp;b &mdash; &eacute; &amp; &bogus; &"),
            "a\u{a0}b \u{2014} \u{e9} & &bogus; &"
        );
    }
}
