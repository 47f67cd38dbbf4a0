//! Property test of the typesetter's ledger on generated books: chapters of random
//! paragraphs, headings with footnotes (chapter titles too), verse with pictures between its
//! stanzas, notes longer than a page and notes referenced twice, pictures taller than the
//! text block, tables longer than a page, lists, quotes, code, scene and page breaks, on
//! small and large pages. Every book must typeset with no ledger error (nothing lost,
//! repeated or out of order, nothing outside the trim) and an even page count.
//!
//! 64 books a run; more with `PROPTEST_CASES=1000 cargo test --release --test ledger_fuzz`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fmt::Write as _;
use std::path::Path;

use proptest::prelude::*;

const WORDS: &[&str] = &[
    "the",
    "a",
    "book",
    "of",
    "letters",
    "Elizabeth",
    "walked",
    "towards",
    "Pemberley,",
    "considerable",
    "and",
    "with",
    "unaccountable",
    "pleasure;",
    "she",
    "said",
    "nothing.",
    "“Indeed!”",
    "extraordinarily",
    "well-informed",
    "—",
    "neighbourhood",
    "in",
    "which",
    "characteristically",
    "was",
    "not",
    "to",
    "be",
    "found",
    "孫子",
    "計",
    "naïve",
    "café",
];

/// One block of a generated chapter.
#[derive(Debug, Clone)]
enum Piece {
    Paragraph(usize),
    Heading {
        note: bool,
    },
    Verse {
        stanzas: usize,
        picture: Option<usize>,
    },
    Picture(usize),
    Table(usize),
    Note {
        words: usize,
        twice: bool,
    },
    List(usize),
    Quote(usize),
    Code(usize),
    SceneBreak,
    PageBreak,
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        6 => (1usize..180).prop_map(Piece::Paragraph),
        1 => any::<bool>().prop_map(|note| Piece::Heading { note }),
        1 => (1usize..6, prop::option::of(0usize..3)).prop_map(|(stanzas, picture)| Piece::Verse { stanzas, picture }),
        1 => (0usize..3).prop_map(Piece::Picture),
        1 => (1usize..70).prop_map(Piece::Table),
        2 => (1usize..900, any::<bool>()).prop_map(|(words, twice)| Piece::Note { words, twice }),
        1 => (1usize..12).prop_map(Piece::List),
        1 => (1usize..120).prop_map(Piece::Quote),
        1 => (1usize..60).prop_map(Piece::Code),
        1 => Just(Piece::SceneBreak),
        1 => Just(Piece::PageBreak),
    ]
}

fn words(n: usize, seed: usize) -> String {
    (0..n)
        .map(|i| WORDS[(i * 7 + seed * 13) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Markdown of a chapter and its footnote definitions.
fn chapter(index: usize, title_note: bool, pieces: &[Piece]) -> String {
    let mut body = String::new();
    let mut notes = String::new();
    let mut n = 0;
    let mut note = |words_in: usize, body: &mut String, notes: &mut String| {
        n += 1;
        let label = format!("c{index}n{n}");
        write!(body, "[^{label}]").unwrap();
        writeln!(notes, "\n[^{label}]: {}\n", words(words_in, n)).unwrap();
        label
    };
    write!(body, "# Chapter {index}").unwrap();
    if title_note {
        note(12, &mut body, &mut notes);
    }
    body.push_str("\n\n");
    for (k, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Paragraph(len) => writeln!(body, "{}\n", words(*len, k)).unwrap(),
            Piece::Heading { note: with_note } => {
                write!(body, "## Section {k}").unwrap();
                if *with_note {
                    note(20, &mut body, &mut notes);
                }
                body.push_str("\n\n");
            }
            Piece::Verse { stanzas, picture } => {
                for s in 0..*stanzas {
                    for l in 0..4 {
                        let line = words(5 + (l * 3 + s) % 11, k + l);
                        let end = if l < 3 { "\\" } else { "" };
                        writeln!(body, "> {line}{end}").unwrap();
                    }
                    body.push('\n');
                    if s == 0
                        && let Some(p) = picture
                    {
                        writeln!(body, "![A picture](p{p}.png \"Caption {k}\")\n").unwrap();
                    }
                }
            }
            Piece::Picture(p) => writeln!(
                body,
                "![A picture {k}](p{p}.png \"Caption of picture {k}\")\n"
            )
            .unwrap(),
            Piece::Table(rows) => {
                body.push_str("| Name | Value | Note |\n|---|---:|---|\n");
                for r in 0..*rows {
                    writeln!(
                        body,
                        "| {} | {r} | {} |",
                        words(1 + r % 3, r),
                        words(r % 9, r)
                    )
                    .unwrap();
                }
                body.push('\n');
            }
            Piece::Note { words: len, twice } => {
                body.push_str(&words(20, k));
                let label = note(*len, &mut body, &mut notes);
                if *twice {
                    write!(body, " and again[^{label}]").unwrap();
                }
                body.push_str(".\n\n");
            }
            Piece::List(items) => {
                for i in 0..*items {
                    writeln!(body, "- {}", words(3 + i * 5 % 40, i)).unwrap();
                }
                body.push('\n');
            }
            Piece::Quote(len) => writeln!(body, "> {}\n", words(*len, k)).unwrap(),
            Piece::Code(lines) => {
                body.push_str("```\n");
                for l in 0..*lines {
                    writeln!(body, "let x{l} = {l};").unwrap();
                }
                body.push_str("```\n\n");
            }
            Piece::SceneBreak => body.push_str("***\n\n"),
            Piece::PageBreak => body.push_str("<!-- pagebreak -->\n\n"),
        }
    }
    body + &notes
}

/// Pictures: square, very tall (taller than any text block), very wide.
fn write_pictures(dir: &Path) {
    for (name, w, h) in [("p0", 60, 60), ("p1", 40, 400), ("p2", 400, 50)] {
        let img =
            image::GrayImage::from_fn(w, h, |x, y| image::Luma([((x * 5 + y * 3) % 200) as u8]));
        img.save(dir.join(format!("{name}.png"))).unwrap();
    }
}

fn family() -> quire_typeset::FontFamily {
    let dir = common::repo().join("fonts");
    let face = |f: &str| {
        quire_typeset::FontFace::from_bytes(
            std::fs::read(dir.join(f)).unwrap(),
            quire_typeset::FontVariant::Regular,
        )
        .unwrap()
    };
    common::garamond()
        .with_fallback(face("NotoSerifCJKtc-Regular-subset.otf"))
        .with_fallback(face("DroidSansFallbackFull.ttf"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_ledger_holds_on_generated_books(
        chapters in prop::collection::vec(
            (any::<bool>(), prop::collection::vec(piece(), 1..14)),
            1..4,
        ),
        trim in prop::sample::select(vec!["3x5in", "5.5x8.5in", "6x9in"]),
        right in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        write_pictures(dir.path());
        let mut files = Vec::new();
        for (i, (title_note, pieces)) in chapters.iter().enumerate() {
            let name = format!("c{i}.md");
            std::fs::write(dir.path().join(&name), chapter(i, *title_note, pieces)).unwrap();
            files.push(format!("\"{name}\""));
        }
        let opening = if right { "right" } else { "any" };
        std::fs::write(
            dir.path().join("book.toml"),
            format!(
                "[book]\ntitle = \"T\"\nlanguage = \"en\"\nauthors = [\"A\"]\n[contents]\nchapters = [{}]\n[print]\ntrim = \"{trim}\"\nchapters-open = \"{opening}\"\n",
                files.join(", ")
            ),
        ).unwrap();
        let loaded = quire_markdown::load_book(dir.path());
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        prop_assert!(errors.is_empty(), "{errors:?}");
        let book = loaded.book.expect("the book loads");
        let typeset = quire_typeset::typeset_book(&book, &family());
        let broken: Vec<String> = typeset
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.span.map_or(0, |s| s.line), d.message))
            .collect();
        prop_assert!(broken.is_empty(), "the ledger found: {broken:#?}");
        prop_assert_eq!(typeset.document.pages.len() % 2, 0);
    }
}

/// `~~struck~~` text is printed with a rule through it, from its first letter to its last
/// on each line it takes, and the text around it is not.
#[test]
fn struck_text_has_a_rule_through_it_on_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let filler = "Plain words fill the measure here, ".repeat(6);
    std::fs::write(
        dir.path().join("c.md"),
        format!(
            "# T\n\n{filler}then ~~struck words run on across the line end and go on~~ after.\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("book.toml"),
        "[book]\ntitle = \"T\"\nlanguage = \"en\"\nauthors = [\"A\"]\n[contents]\nchapters = [\"c.md\"]\n",
    )
    .unwrap();
    let loaded = quire_markdown::load_book(dir.path());
    let book = loaded.book.expect("the book loads");
    let typeset = quire_typeset::typeset_book(&book, &family());
    // Every letter set, with its left and right edges and its baseline.
    let mut letters: Vec<(String, f64, f64, f64)> = Vec::new();
    let mut rules: Vec<(f64, f64, f64)> = Vec::new();
    for page in &typeset.document.pages {
        for item in &page.items {
            match item {
                quire_typeset::frame::Item::Text(run) => {
                    for glyph in &run.glyphs {
                        letters.push((
                            run.glyph_text(glyph).to_string(),
                            (run.origin.x + glyph.left()).0,
                            (run.origin.x + glyph.right()).0,
                            run.origin.y.0,
                        ));
                    }
                }
                quire_typeset::frame::Item::Rule(rule) => rules.push((
                    rule.rect.origin.x.0,
                    (rule.rect.origin.x + rule.rect.width).0,
                    rule.rect.origin.y.0,
                )),
                _ => {}
            }
        }
    }
    let struck = |(_, left, right, baseline): &(String, f64, f64, f64)| {
        let middle = (left + right) / 2.0;
        rules
            .iter()
            .any(|(a, b, y)| *a <= middle && middle <= *b && *y < *baseline && *baseline - *y < 6.0)
    };
    // The letters of the struck words (and of no other) are struck.
    let text: String = letters.iter().map(|l| l.0.as_str()).collect();
    let start = text.find("struck").expect("the struck words are set");
    let end = text.find(" after").expect("the words after them are set");
    let mut offset = 0;
    let mut lines_struck = std::collections::BTreeSet::new();
    for letter in &letters {
        let at = offset;
        offset += letter.0.len();
        if letter.0.trim().is_empty() {
            continue;
        }
        let inside = (start..end).contains(&at);
        assert_eq!(struck(letter), inside, "{:?} at {at}", letter.0);
        if inside {
            lines_struck.insert(letter.3.to_bits());
        }
    }
    assert!(lines_struck.len() >= 2, "the struck words take two lines");
    assert_eq!(rules.len(), lines_struck.len(), "one rule per line");
}
