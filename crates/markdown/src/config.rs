//! `book.toml`: parsed with spans, checked for unknown keys, then read into typed tables.

use quire_model::{Diagnostic, FileId, Span};
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::lines::LineIndex;

/// The known keys of each table, for the unknown-key check and its suggestions.
const SCHEMA: &[(&str, &[&str])] = &[
    ("", &["book", "contents", "print", "epub", "cover"]),
    (
        "book",
        &[
            "title",
            "subtitle",
            "authors",
            "language",
            "identifier",
            "publisher",
            "date",
            "first-published",
            "edition",
            "rights",
            "description",
            "subjects",
            "cover",
            "isbn",
            "translators",
            "illustrators",
            "editors",
            "series",
            "stores",
        ],
    ),
    (
        "book.stores",
        &["amazon", "apple", "kobo", "google", "bn", "default"],
    ),
    ("book.series", &["name", "number"]),
    ("book.isbn", &["ebook", "print"]),
    ("book.authors", &["name", "file-as", "role"]),
    ("contents", &["front", "chapters", "back"]),
    (
        "print",
        &[
            "trim",
            "font",
            "font-size",
            "leading",
            "text-width",
            "text-height",
            "bleed",
            "chapters-open",
            "hyphenation-exceptions",
            "ragged-right",
            "paper",
            "color",
        ],
    ),
    ("epub", &["embed-fonts"]),
    (
        "cover",
        &["style", "background", "back-text", "author-bio", "imprint"],
    ),
];

/// The whole file.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct BookToml {
    pub(crate) book: Option<Spanned<BookTable>>,
    pub(crate) contents: Option<Spanned<ContentsTable>>,
    pub(crate) print: PrintTable,
    pub(crate) epub: EpubTable,
    pub(crate) cover: CoverTable,
}

/// `[cover]` (also the whole of a cover folder's `cover.toml`).
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct CoverTable {
    pub(crate) style: Option<Spanned<String>>,
    pub(crate) background: Option<Spanned<String>>,
    pub(crate) back_text: Option<String>,
    pub(crate) author_bio: Option<String>,
    pub(crate) imprint: Option<String>,
}

/// `[book]`.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct BookTable {
    pub(crate) title: Option<Spanned<String>>,
    pub(crate) subtitle: Option<String>,
    pub(crate) authors: Vec<Spanned<AuthorEntry>>,
    pub(crate) language: Option<Spanned<String>>,
    pub(crate) identifier: Option<Spanned<String>>,
    pub(crate) publisher: Option<String>,
    pub(crate) date: Option<Spanned<DateValue>>,
    pub(crate) first_published: Option<Spanned<DateValue>>,
    pub(crate) edition: Option<String>,
    pub(crate) rights: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) subjects: Vec<String>,
    pub(crate) cover: Option<Spanned<String>>,
    pub(crate) isbn: IsbnTable,
    pub(crate) translators: Vec<Spanned<AuthorEntry>>,
    pub(crate) illustrators: Vec<Spanned<AuthorEntry>>,
    pub(crate) editors: Vec<Spanned<AuthorEntry>>,
    pub(crate) series: Option<SeriesTable>,
    pub(crate) stores: StoresTable,
}

/// `[book.stores]`: the book's page at each store, for `store:` links.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct StoresTable {
    pub(crate) amazon: Option<Spanned<String>>,
    pub(crate) apple: Option<Spanned<String>>,
    pub(crate) kobo: Option<Spanned<String>>,
    pub(crate) google: Option<Spanned<String>>,
    pub(crate) bn: Option<Spanned<String>>,
    pub(crate) default: Option<Spanned<String>>,
}

/// `series = { name = "...", number = 2 }`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct SeriesTable {
    pub(crate) name: String,
    pub(crate) number: Option<toml::Value>,
}

/// An author: a plain name, or a table with name, sort name and role.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum AuthorEntry {
    Name(String),
    Full(AuthorTable),
}

/// `{ name = "...", file-as = "...", role = "trl" }`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct AuthorTable {
    pub(crate) name: String,
    pub(crate) file_as: Option<String>,
    pub(crate) role: Option<String>,
}

/// A date written as a string (`"1813"`), a bare TOML date (`1813-01-28`) or a year number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum DateValue {
    Text(String),
    Year(i64),
    Date(toml::value::Datetime),
}

/// `[book.isbn]`.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct IsbnTable {
    pub(crate) ebook: Option<Spanned<String>>,
    pub(crate) print: Option<Spanned<String>>,
}

/// `[contents]`.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct ContentsTable {
    pub(crate) front: Vec<Spanned<String>>,
    pub(crate) chapters: Option<Spanned<Vec<Spanned<String>>>>,
    pub(crate) back: Vec<Spanned<String>>,
}

/// `[print]`.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct PrintTable {
    pub(crate) trim: Option<Spanned<String>>,
    pub(crate) font: Option<String>,
    pub(crate) font_size: Option<Spanned<String>>,
    pub(crate) leading: Option<Spanned<String>>,
    pub(crate) text_width: Option<Spanned<String>>,
    pub(crate) text_height: Option<Spanned<String>>,
    pub(crate) bleed: bool,
    pub(crate) chapters_open: Option<Spanned<String>>,
    pub(crate) hyphenation_exceptions: Vec<String>,
    pub(crate) ragged_right: bool,
    pub(crate) paper: Option<Spanned<String>>,
    pub(crate) color: bool,
}

/// `[epub]`.
#[derive(Debug, Deserialize, Default)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct EpubTable {
    pub(crate) embed_fonts: bool,
}

/// Parses `book.toml`, reporting syntax errors and every unknown key (not just the first).
pub(crate) fn parse_book_toml(
    file: FileId,
    text: &str,
    lines: &LineIndex,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<BookToml> {
    let span_of = |range: std::ops::Range<usize>| lines.span_in(text, file, range);
    let table = match DeTable::parse(text) {
        Ok(table) => table,
        Err(err) => {
            let span = err.span().map(span_of).unwrap_or(lines.span(file, 0..0));
            diagnostics.push(
                Diagnostic::error(span, format!("invalid TOML: {}", first_line(err.message())))
                    .with_hint("book.toml must be valid TOML: https://toml.io"),
            );
            return None;
        }
    };
    let before = diagnostics.len();
    check_keys("", table.get_ref(), &span_of, diagnostics);
    if diagnostics.len() > before {
        return None;
    }
    // A value of the wrong type is reported, taken out, and the rest read again, so that
    // every such mistake is reported at once, and the checks after this one still run.
    let mut table = table;
    let mut wrong = 0;
    loop {
        let deserializer = toml::de::Deserializer::from(table.clone());
        match BookToml::deserialize(deserializer) {
            // With wrong values taken out (and reported as errors): the rest is checked.
            Ok(config) => return Some(config),
            Err(err) => {
                let span = err.span().map(span_of).unwrap_or(lines.span(file, 0..0));
                let removed = err
                    .span()
                    .and_then(|at| remove_value_at(table.get_mut(), &at, ""));
                let message = first_line(err.message());
                let mut diagnostic = Diagnostic::error(
                    span,
                    match &removed {
                        Some(key) => format!("`{key}` has the wrong type: {message}"),
                        None => format!("invalid value in book.toml: {message}"),
                    },
                );
                if let Some(hint) = removed.as_deref().and_then(type_hint) {
                    diagnostic = diagnostic.with_hint(hint);
                }
                diagnostics.push(diagnostic);
                wrong += 1;
                if removed.is_none() || wrong > 100 {
                    return None;
                }
            }
        }
    }
}

/// Takes out of `table` the innermost key whose value spans `at`; returns its dotted name.
fn remove_value_at(
    table: &mut DeTable<'_>,
    at: &std::ops::Range<usize>,
    path: &str,
) -> Option<String> {
    let mut hit = None;
    for (key, value) in table.iter_mut() {
        let name = if path.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{path}.{}", key.get_ref())
        };
        // A `[table]`'s span is its header: look inside every table.
        if let DeValue::Table(inner) = value.get_mut()
            && let Some(found) = remove_value_at(inner, at, &name)
        {
            return Some(found);
        }
        let span = value.span();
        if span.start <= at.start && at.end <= span.end {
            hit = Some((key.clone(), name));
            break;
        }
    }
    let (key, name) = hit?;
    table.remove(&key);
    Some(name)
}

/// How to write a key's value, for a value of the wrong type.
fn type_hint(key: &str) -> Option<String> {
    let name = key.rsplit('.').next().unwrap_or(key);
    let example = match name {
        "font-size" => "font-size = \"11.5pt\" (a length with its unit: pt, mm, in)",
        "leading" => "leading = \"14.5pt\" (a length with its unit)",
        "text-width" | "text-height" | "bleed-width" => {
            "a length in quotes with its unit, e.g. \"4.2in\" or \"105mm\""
        }
        "trim" => "trim = \"5.5x8.5in\" (or a preset: \"A5\", \"Royal\")",
        "authors" => "authors = [\"First Author\", \"Second Author\"]",
        "chapters" | "front" | "back" => {
            "a list of file names: chapters = [\"one.md\", \"two.md\"]"
        }
        "title" | "subtitle" | "language" | "description" | "publisher" | "identifier" | "font" => {
            "text in quotes, e.g. key = \"value\""
        }
        "ragged-right" | "color" | "embed-fonts" | "bleed" => "true or false, without quotes",
        _ => return Some("see the manuscript format for what this key takes".to_string()),
    };
    Some(format!("write {example}"))
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_string()
}

fn known_keys(path: &str) -> Option<&'static [&'static str]> {
    SCHEMA
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, keys)| *keys)
}

fn check_keys(
    path: &str,
    table: &DeTable<'_>,
    span_of: &dyn Fn(std::ops::Range<usize>) -> Span,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(known) = known_keys(path) else {
        return;
    };
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        let child = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        if !known.contains(&name) {
            let place = if path.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in [{path}]")
            };
            let mut diag =
                Diagnostic::error(span_of(key.span()), format!("unknown key `{name}` {place}"));
            diag = match nearest(name, known) {
                Some(best) => diag.with_hint(format!("did you mean `{best}`?")),
                None => diag.with_hint(format!("known keys: {}", known.join(", "))),
            };
            diagnostics.push(diag);
            continue;
        }
        match value.get_ref() {
            DeValue::Table(inner) => check_keys(&child, inner, span_of, diagnostics),
            DeValue::Array(items) => {
                for item in items.iter() {
                    if let DeValue::Table(inner) = item.get_ref() {
                        check_keys(&child, inner, span_of, diagnostics);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The known key closest to `name`, if any is close enough to be a likely typo.
pub(crate) fn nearest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase().replace('_', "-");
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(&lower, k), *k))
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// Reads a cover folder's `cover.toml` (the keys of `[cover]`: `style`, `background`,
/// `back-text`, `author-bio`, `imprint`) over `base`: what the file sets replaces it.
/// The error names the key at fault.
pub fn read_cover_settings(
    text: &str,
    base: &quire_model::CoverSettings,
) -> Result<quire_model::CoverSettings, String> {
    let table: CoverTable = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = base.clone();
    if let Some(style) = &table.style {
        out.style = quire_model::CoverStyle::ALL
            .iter()
            .find(|(name, _)| *name == style.get_ref().as_str())
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                format!(
                    "style: `{}` is not a cover style (use \"classic\", \"modern\" or \"band\")",
                    style.get_ref()
                )
            })?;
    }
    if let Some(background) = &table.background {
        out.background = Some(
            quire_model::Rgb::parse(background.get_ref()).ok_or_else(|| {
                format!(
                    "background: `{}` is not a colour (write \"#RRGGBB\")",
                    background.get_ref()
                )
            })?,
        );
    }
    let keep = |v: &Option<String>| v.clone().filter(|t| !t.trim().is_empty());
    if let Some(t) = keep(&table.back_text) {
        out.back_text = Some(t);
    }
    if let Some(t) = keep(&table.author_bio) {
        out.author_bio = Some(t);
    }
    if let Some(t) = keep(&table.imprint) {
        out.imprint = Some(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<BookToml>, Vec<Diagnostic>) {
        let lines = LineIndex::new(text);
        let mut diags = Vec::new();
        let cfg = parse_book_toml(FileId(0), text, &lines, &mut diags);
        (cfg, diags)
    }

    #[test]
    fn reads_a_full_file() {
        let (cfg, diags) = parse(
            "[book]\ntitle = \"T\"\nlanguage = \"en\"\nauthors = [\"A\", { name = \"B\", role = \"trl\" }]\ndate = 1813-01-28\n[book.isbn]\nebook = \"978-0-00-000000-2\"\n[contents]\nchapters = [\"a.md\"]\n[print]\nfont-size = \"11pt\"\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        let cfg = cfg.expect("parsed");
        let book = cfg.book.expect("book").into_inner();
        assert_eq!(book.authors.len(), 2);
        assert!(matches!(
            book.date.expect("date").into_inner(),
            DateValue::Date(_)
        ));
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_suggestion() {
        let (cfg, diags) = parse(
            "[book]\ntitel = \"T\"\nlanguage = \"en\"\nauthor = \"x\"\n[contents]\nchapter = []\n",
        );
        assert!(cfg.is_none());
        assert_eq!(diags.len(), 3, "{diags:?}");
        assert!(diags[0].message.contains("`titel`"));
        assert_eq!(diags[0].hints, vec!["did you mean `title`?"]);
        assert_eq!(diags[0].span.expect("span").line, 2);
        assert_eq!(diags[1].hints, vec!["did you mean `authors`?"]);
        assert_eq!(diags[2].hints, vec!["did you mean `chapters`?"]);
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let (cfg, diags) = parse("[book]\ntitle = \"T\n");
        assert!(cfg.is_none());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].span.expect("span").line, 2);
    }
}
