//! Escaping and sanitising: everything that goes from the model into XML passes through here.
//!
//! Text and attribute values are escaped with `quick_xml::escape::escape` (all five special
//! characters) after removing code points that XML or the HTML checker reject. Ids, file names
//! and link targets are reduced to safe forms.

use std::collections::HashSet;

/// True for characters that must not appear in an XHTML content document: C0 controls other
/// than tab, line feed and carriage return, C1 controls and Unicode noncharacters.
fn is_forbidden(c: char) -> bool {
    let u = u32::from(c);
    (u < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        || (0x7f..=0x9f).contains(&u)
        || (0xfdd0..=0xfdef).contains(&u)
        || (u & 0xfffe) == 0xfffe
}

/// Appends `text` to `out`, escaped for XML text or a double-quoted attribute value.
pub(crate) fn push_escaped(out: &mut String, text: &str) {
    if text.chars().any(is_forbidden) {
        let clean: String = text.chars().filter(|c| !is_forbidden(*c)).collect();
        out.push_str(&quick_xml::escape::escape(clean.as_str()));
    } else {
        out.push_str(&quick_xml::escape::escape(text));
    }
}

/// `text` escaped for XML, as a new string.
#[cfg(test)]
pub(crate) fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Appends ` name="value"` with the value escaped.
pub(crate) fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    push_escaped(out, value);
    out.push('"');
}

/// Lowercase ASCII letters, digits and hyphens: a name safe in a ZIP path, an XML id and a URL
/// on every reader. Never empty (`fallback` is used instead).
pub(crate) fn safe_name(text: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if out.len() >= 64 {
            break;
        }
    }
    if out.is_empty() {
        out.push_str(fallback);
    }
    out
}

/// True when `id` is usable as-is as an XML id (an NCName of ASCII letters, digits, `-`, `_`,
/// `.`, starting with a letter or `_`).
fn is_plain_ncname(id: &str) -> bool {
    let mut chars = id.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Hands out ids that are valid XML ids and unique within their scope (the whole book, so an
/// anchor is unique wherever it lands).
#[derive(Debug, Default)]
pub(crate) struct Ids {
    used: HashSet<String>,
}

impl Ids {
    /// Marks `id` as taken (generated ids such as `toc`).
    pub(crate) fn reserve(&mut self, id: &str) {
        self.used.insert(id.to_string());
    }

    /// A fresh id as close to `wanted` as possible.
    pub(crate) fn alloc(&mut self, wanted: &str) -> String {
        let base = if is_plain_ncname(wanted) && wanted.len() <= 80 {
            wanted.to_string()
        } else {
            let name = safe_name(wanted, "id");
            if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                name
            } else {
                format!("x-{name}")
            }
        };
        if self.used.insert(base.clone()) {
            return base;
        }
        let mut n = 2usize;
        loop {
            let candidate = format!("{base}-{n}");
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// A link target that may appear in the book: an external `http(s):` or `mailto:` address,
/// percent-encoded where needed.
///
/// Returns `None` for every other scheme (`javascript:`, `data:`, `file:` ...), for relative
/// paths, and for addresses without a host. Anchors (`#id`) are resolved by the caller.
pub(crate) fn external_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("https://") || lower.starts_with("http://") {
        let after = &url[url.find("//")? + 2..];
        let host_end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let host = &after[..host_end];
        let host = host.rsplit('@').next().unwrap_or("");
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        {
            return None;
        }
        url
    } else if lower.starts_with("mailto:") && url.len() > "mailto:".len() {
        url
    } else {
        return None;
    };
    let mut out = String::with_capacity(rest.len());
    for c in rest.chars() {
        if c.is_ascii_graphic()
            && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
        {
            out.push(c);
        } else if is_forbidden(c) {
            // dropped
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Some(out)
}

/// A language tag shaped like BCP 47 (letters, digits and hyphens in subtags of 1 to 8); the
/// front end validates properly, this only keeps broken values out of `xml:lang`.
pub(crate) fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_controls() {
        assert_eq!(
            escaped("<script>alert(\"x\" & 'y')</script>\u{1}\u{85}\u{fffe}ok"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &apos;y&apos;)&lt;/script&gt;ok"
        );
        let mut s = String::new();
        push_attr(&mut s, "alt", "a\"b");
        assert_eq!(s, " alt=\"a&quot;b\"");
    }

    #[test]
    fn urls_are_filtered() {
        assert_eq!(external_url("javascript:alert(1)"), None);
        assert_eq!(external_url(" JavaScript:alert(1)"), None);
        assert_eq!(external_url("data:text/html,x"), None);
        assert_eq!(external_url("https://"), None);
        assert_eq!(external_url("https://a b/"), None);
        assert_eq!(external_url("chapter.xhtml"), None);
        assert_eq!(
            external_url("https://example.com/a b?q=\"é\""),
            Some("https://example.com/a%20b?q=%22%C3%A9%22".to_string())
        );
        assert_eq!(
            external_url("mailto:me@example.com"),
            Some("mailto:me@example.com".to_string())
        );
    }

    #[test]
    fn ids_are_valid_and_unique() {
        let mut ids = Ids::default();
        ids.reserve("toc");
        assert_eq!(ids.alloc("toc"), "toc-2");
        assert_eq!(ids.alloc("fn-chapter-1-1"), "fn-chapter-1-1");
        assert_eq!(ids.alloc("fn-chapter-1-1"), "fn-chapter-1-1-2");
        assert_eq!(ids.alloc("3 Things"), "x-3-things");
        assert_eq!(ids.alloc("Über uns"), "ber-uns");
        assert_eq!(ids.alloc(""), "id");
    }

    #[test]
    fn names_and_languages() {
        assert_eq!(
            safe_name("Chapter 1: The Start", "x"),
            "chapter-1-the-start"
        );
        assert_eq!(safe_name("***", "x"), "x");
        assert!(is_language_tag("en"));
        assert!(is_language_tag("zh-Hant-TW"));
        assert!(!is_language_tag(""));
        assert!(!is_language_tag("en US"));
        assert!(!is_language_tag("e\"n"));
    }
}
