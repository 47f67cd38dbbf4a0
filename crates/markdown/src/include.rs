//! mdBook's link directives: `{{#include file.rs}}` and its kin put (part of) another file
//! of the book into a chapter's text before it is read as Markdown, as mdBook does, so that
//! a book written for mdBook prints its listings rather than the directives.
//!
//! - `{{#include path}}`, `{{#include path:3}}` (line 3), `{{#include path:3:}}`,
//!   `{{#include path::9}}`, `{{#include path:3:9}}` (lines, from 1), and
//!   `{{#include path:name}}` (the lines between `ANCHOR: name` and `ANCHOR_END: name`;
//!   anchor lines are left out);
//! - `{{#rustdoc_include path:...}}`: the whole file, the lines outside the range or anchor
//!   as rustdoc's hidden lines (`# `), which Rust code blocks do not print;
//! - `{{#playground path}}`: the file in a `rust` code block;
//! - `{{#title ...}}` (the web page's title) is left out.
//!
//! Paths are relative to the file that names them and must stay inside the book folder;
//! included files may include others, ten deep at most. `\{{#include ...}}` is the
//! directive written out, as in mdBook.

/// Reads a file a directive names: `(written path, folder of the file naming it, relative to
/// the book)` to `(its text, its path relative to the book)`, or why it cannot be read.
pub(crate) type IncludeReader<'a> = dyn FnMut(&str, &str) -> Result<(String, String), String> + 'a;

/// How deep included files may include others.
const MAX_DEPTH: usize = 10;

/// A directive found in a text.
#[derive(Debug, PartialEq)]
pub(crate) struct Directive<'t> {
    /// Its length in bytes, braces included.
    pub(crate) len: usize,
    /// `include`, `rustdoc_include`, `playground`, `title`, or another name.
    pub(crate) name: &'t str,
    /// What follows the name, trimmed.
    pub(crate) argument: &'t str,
}

/// The directive starting at byte `at` of `text` (at `{{#`, or `{{ #` with spaces between,
/// as mdBook allows), if one does: its name and argument on one line, closed by `}}`.
pub(crate) fn directive_at(text: &str, at: usize) -> Option<Directive<'_>> {
    let braces = text.get(at..)?.strip_prefix("{{")?;
    let rest = braces.trim_start_matches([' ', '\t']).strip_prefix('#')?;
    let opening = text.len() - at - rest.len();
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let close = line.find("}}")?;
    let inner = &line[..close];
    let name_end = inner
        .find(|c: char| c.is_whitespace())
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    // Every directive names something: `{{#title}}` alone is a template's (Handlebars,
    // Mustache) section in a code example, and stays as written.
    if inner[name_end..].trim().is_empty() {
        return None;
    }
    Some(Directive {
        len: opening + close + 2,
        name,
        argument: inner[name_end..].trim(),
    })
}

/// Whether `text` may hold a directive (a `{{` opening one).
pub(crate) fn has_directive(text: &str) -> bool {
    // A brace is rare in prose: look for it byte by byte (memchr), not for the pair.
    let mut from = 0;
    while let Some(found) = text[from..].find('{') {
        let at = from + found;
        if directive_at(text, at).is_some() {
            return true;
        }
        from = at + 1;
    }
    false
}

/// Whether a directive of this name is one Quire carries out.
pub(crate) fn is_known(name: &str) -> bool {
    matches!(name, "include" | "rustdoc_include" | "playground" | "title")
}

/// The text a known directive stands for, named in a file in folder `base` (relative to the
/// book), `depth` includes deep; `Err` says why it cannot be had.
pub(crate) fn expand(
    directive: &Directive<'_>,
    base: &str,
    reader: &mut IncludeReader<'_>,
    depth: usize,
) -> Result<String, String> {
    if directive.name == "title" {
        return Ok(String::new());
    }
    if depth >= MAX_DEPTH {
        return Err(format!(
            "included files include others more than {MAX_DEPTH} deep"
        ));
    }
    let (path, spec) = match directive.argument.split_once(':') {
        Some((path, spec)) => (path.trim(), Some(spec.trim())),
        None => (directive.argument, None),
    };
    // `{{#playground file.rs editable}}`: attributes after the path.
    let (path, attributes) = match path.split_once(char::is_whitespace) {
        Some((path, attributes)) if directive.name == "playground" => (path, attributes.trim()),
        _ => (path, ""),
    };
    let (text, relative) = reader(path, base)?;
    let folder = relative
        .rsplit_once('/')
        .map_or(String::new(), |(folder, _)| folder.to_string());
    let text = expand_all(&text, &folder, reader, depth + 1)?;
    let selected = select_lines(
        &text,
        spec,
        directive.name == "rustdoc_include",
        directive.name == "playground",
    )
    .map_err(|problem| format!("`{path}`: {problem}"))?;
    Ok(if directive.name == "playground" {
        let attributes = attributes
            .split_whitespace()
            .map(|a| format!(",{a}"))
            .collect::<String>();
        format!("```rust{attributes}\n{selected}\n```\n")
    } else {
        selected
    })
}

/// `text` with every known directive in it carried out (see [`expand`]); unknown ones stay.
fn expand_all(
    text: &str,
    base: &str,
    reader: &mut IncludeReader<'_>,
    depth: usize,
) -> Result<String, String> {
    if !has_directive(text) {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find("{{") {
        let at = from + found;
        from = at + 2;
        let Some(directive) = directive_at(text, at).filter(|d| is_known(d.name)) else {
            continue;
        };
        if text[..at].ends_with('\\') {
            // Written out: the backslash goes, the directive stays as text.
            out.push_str(&text[done..at - 1]);
            done = at;
            continue;
        }
        out.push_str(&text[done..at]);
        out.push_str(&expand(&directive, base, reader, depth)?);
        done = at + directive.len;
        from = done;
    }
    out.push_str(&text[done..]);
    Ok(out)
}

/// The lines of `text` a directive's range or anchor (`spec`) names, joined by line ends
/// (no line end after the last); with `hide_rest`, every line, those outside as hidden
/// Rust lines (`# `). Anchor lines are left out when an anchor is named, with `hide_rest`,
/// and with `no_anchors`.
fn select_lines(
    text: &str,
    spec: Option<&str>,
    hide_rest: bool,
    no_anchors: bool,
) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let is_anchor_line = |line: &str| line.contains("ANCHOR:") || line.contains("ANCHOR_END:");
    // Which lines are shown: by line number, or by anchor.
    let shown: Vec<bool> = match spec.filter(|s| !s.is_empty()) {
        None => vec![true; lines.len()],
        Some(spec) if spec.chars().all(|c| c.is_ascii_digit() || c == ':') => {
            let number = |s: &str| -> Result<Option<usize>, String> {
                if s.is_empty() {
                    Ok(None)
                } else {
                    s.parse::<usize>()
                        .map(Some)
                        .map_err(|_| format!("`{spec}` is not a range of lines"))
                }
            };
            let (first, last) = match spec.split_once(':') {
                Some((a, b)) => (number(a)?.unwrap_or(1), number(b)?.unwrap_or(usize::MAX)),
                None => {
                    let n = number(spec)?.unwrap_or(1);
                    (n, n)
                }
            };
            (1..=lines.len()).map(|n| first <= n && n <= last).collect()
        }
        Some(anchor) => {
            let marks = |line: &str, marker: &str| {
                line.split(marker).skip(1).any(|after| {
                    let after = after.trim_start();
                    after.starts_with(anchor)
                        && !after[anchor.len()..]
                            .starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-')
                })
            };
            let mut inside = false;
            let mut found = false;
            let mut shown = Vec::with_capacity(lines.len());
            for line in &lines {
                if marks(line, "ANCHOR_END:") {
                    inside = false;
                } else if marks(line, "ANCHOR:") {
                    inside = true;
                    found = true;
                }
                shown.push(inside);
            }
            if !found {
                return Err(format!("it has no `ANCHOR: {anchor}`"));
            }
            shown
        }
    };
    let anchored =
        spec.is_some_and(|s| !s.is_empty() && !s.chars().all(|c| c.is_ascii_digit() || c == ':'));
    let mut out: Vec<String> = Vec::new();
    for (line, show) in lines.iter().zip(shown) {
        if (anchored || hide_rest || no_anchors) && is_anchor_line(line) {
            continue;
        }
        if show {
            out.push((*line).to_string());
        } else if hide_rest {
            out.push(format!("# {line}"));
        }
    }
    Ok(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "use std::mem;\n// ANCHOR: main\nfn main() {\n    // ANCHOR: inner\n    let x = 1;\n    // ANCHOR_END: inner\n}\n// ANCHOR_END: main\n";

    fn run(argument: &str, name: &str) -> Result<String, String> {
        let directive = Directive {
            len: 0,
            name,
            argument,
        };
        let mut reader = |path: &str, base: &str| -> Result<(String, String), String> {
            match (base, path) {
                ("src", "code.rs") => Ok((FILE.to_string(), "src/code.rs".into())),
                ("src", "nested.md") => Ok((
                    "Before {{#include code.rs:1}} after".into(),
                    "src/nested.md".into(),
                )),
                ("src", "loop.md") => Ok(("{{#include loop.md}}".into(), "src/loop.md".into())),
                _ => Err(format!("`{path}` not found")),
            }
        };
        expand(&directive, "src", &mut reader, 0)
    }

    #[test]
    fn ranges_anchors_and_hidden_lines_as_mdbook_has_them() {
        let cases: [(&str, &str, &str); 11] = [
            ("include", "code.rs", FILE.trim_end()),
            ("include", "code.rs:1", "use std::mem;"),
            ("include", "code.rs:3:3", "fn main() {"),
            ("include", "code.rs::1", "use std::mem;"),
            ("include", "code.rs:7:", "}\n// ANCHOR_END: main"),
            ("include", "code.rs:main", "fn main() {\n    let x = 1;\n}"),
            ("include", "code.rs:inner", "    let x = 1;"),
            (
                "rustdoc_include",
                "code.rs:inner",
                "# use std::mem;\n# fn main() {\n    let x = 1;\n# }",
            ),
            (
                "playground",
                "code.rs:inner",
                "```rust\n    let x = 1;\n```\n",
            ),
            (
                "playground",
                "code.rs editable",
                "```rust,editable\nuse std::mem;\nfn main() {\n    let x = 1;\n}\n```\n",
            ),
            ("include", "nested.md", "Before use std::mem; after"),
        ];
        for (name, argument, expected) in cases {
            assert_eq!(
                run(argument, name).as_deref(),
                Ok(expected),
                "{name} {argument}"
            );
        }
        for (argument, problem) in [
            ("code.rs:nowhere", "ANCHOR: nowhere"),
            ("missing.rs", "not found"),
            ("loop.md", "deep"),
        ] {
            let error = run(argument, "include").unwrap_err();
            assert!(error.contains(problem), "{argument}: {error}");
        }
    }

    #[test]
    fn a_directive_without_an_argument_is_a_templates_text() {
        assert_eq!(directive_at("{{#title}}", 0), None);
        assert_eq!(directive_at("{{#playground }}", 0), None);
        assert!(directive_at("{{#title The Book}}", 0).is_some());
    }

    #[test]
    fn directives_are_read_on_one_line() {
        let text = "a {{#include  x.rs:2 }} b {{#bad name}} {{#title T}}\n{{#include\ny}}";
        let found: Vec<(usize, &str, &str)> = text
            .match_indices("{{#")
            .filter_map(|(at, _)| directive_at(text, at).map(|d| (d.len, d.name, d.argument)))
            .collect();
        assert_eq!(
            found,
            [
                (21, "include", "x.rs:2"),
                (13, "bad", "name"),
                (12, "title", "T")
            ]
        );
        assert_eq!(&text[2..23], "{{#include  x.rs:2 }}");
    }

    #[test]
    fn spaces_may_stand_between_the_braces_and_the_hash() {
        let text = "{{ #include src/lines.rs:1 }} and {{\t#title T}} not {{ include x}}";
        let found: Vec<(usize, &str, &str)> = text
            .match_indices("{{")
            .filter_map(|(at, _)| directive_at(text, at).map(|d| (d.len, d.name, d.argument)))
            .collect();
        assert_eq!(
            found,
            [(29, "include", "src/lines.rs:1"), (13, "title", "T")]
        );
        assert!(has_directive(text));
        assert!(!has_directive("{{ include x}} {{}}"));
    }
}
