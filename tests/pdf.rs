//! The print PDF of the manuscript and of every corpus book, checked with the real tools:
//! qpdf (structure), pdffonts (every font embedded, subset, with a ToUnicode map), the page
//! boxes, and pdftotext (the text, with line-end hyphens rejoined, holds the manuscript's
//! words in order).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use quire_model::{Block, BlockKind, Inline};

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("-v").output().is_ok()
        || Command::new(name).arg("--version").output().is_ok();
    if !found {
        common::missing_validator(name);
    }
    found
}

/// Builds `book` as PDF into a fresh folder; returns the PDF's path (and keeps the folder).
fn build_pdf(book: &Path, out: &Path) -> PathBuf {
    build_pdf_report(book, out).0
}

/// Builds with `--report`; returns the PDF and the characters the fonts have no glyph for
/// (each reported by the build at its place in the manuscript).
fn build_pdf_report(book: &Path, out: &Path) -> (PathBuf, Vec<char>) {
    let (output, stderr) = common::run_in(
        &common::repo(),
        &[
            "build",
            &book.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--format",
            "pdf",
            "--report",
        ],
    );
    assert!(output.status.success(), "{}: {stderr}", book.display());
    let mut missing: Vec<char> = Vec::new();
    for line in stderr.lines() {
        if let Some(rest) = line.split("has no glyph for '").nth(1)
            && let Some(c) = rest.chars().next()
            && !missing.contains(&c)
        {
            missing.push(c);
        }
    }
    let pdf = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .expect("a pdf was written");
    (pdf, missing)
}

/// Lowercase words; hyphens and apostrophes join (so "gentleman-like" is one word however a
/// line broke it), every other non-letter separates.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphabetic() {
            word.extend(c.to_lowercase());
        } else if matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\'' | '’' | '\u{ad}') {
            continue;
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn push_blocks(blocks: &[Block], out: &mut String) {
    for block in blocks {
        match &block.kind {
            BlockKind::Paragraph(c) => {
                out.push_str(&Inline::plain_text(c));
                out.push('\n');
            }
            BlockKind::Heading { content, .. } => {
                out.push_str(&Inline::plain_text(content));
                out.push('\n');
            }
            BlockKind::BlockQuote(inner) => push_blocks(inner, out),
            BlockKind::Verse(stanzas) => {
                for line in stanzas.iter().flatten() {
                    out.push_str(&Inline::plain_text(&line.content));
                    out.push('\n');
                }
            }
            BlockKind::List(list) => {
                for item in &list.items {
                    push_blocks(&item.blocks, out);
                }
            }
            _ => {}
        }
    }
}

/// The running text of the book as the manuscript has it (titles and body, not notes).
fn manuscript_words(book: &Path) -> Vec<String> {
    let loaded = quire_markdown::load_book(book);
    let book = loaded.book.expect("book loads");
    let mut text = String::new();
    for chapter in book.chapters() {
        text.push_str(chapter.title_text.as_deref().unwrap_or(""));
        text.push('\n');
        push_blocks(&chapter.blocks, &mut text);
    }
    words(&text)
}

/// The PDF's text below the running heads, with hyphens at line ends rejoined.
fn pdf_words(pdf: &Path) -> Vec<String> {
    let out = Command::new("pdftotext")
        .args([
            "-enc", "UTF-8", "-y", "50", "-H", "2000", "-x", "0", "-W", "2000",
        ])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // Rejoin a word hyphenated at a line end, across a page end too (blank lines, form feed).
    let mut joined = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '-' && chars.peek() == Some(&'\n') {
            while chars.peek().is_some_and(|n| n.is_whitespace()) {
                chars.next();
            }
            continue;
        }
        joined.push(c);
    }
    words(&joined)
}

fn check_pdf(book: &Path) {
    let work = tempfile::tempdir().unwrap();
    let (pdf, no_glyph) = build_pdf_report(book, work.path());
    let name = book
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();

    // qpdf: no errors, no warnings.
    let qpdf = Command::new("qpdf")
        .arg("--check")
        .arg(&pdf)
        .output()
        .expect("qpdf runs");
    let report =
        String::from_utf8_lossy(&qpdf.stdout).into_owned() + &String::from_utf8_lossy(&qpdf.stderr);
    assert_eq!(
        qpdf.status.code(),
        Some(0),
        "{name}: qpdf --check:\n{report}"
    );
    assert!(
        !report.contains("WARNING"),
        "{name}: qpdf warnings:\n{report}"
    );

    // pdffonts: every font embedded, subset and with a ToUnicode map; no Type 3.
    let fonts = Command::new("pdffonts")
        .arg(&pdf)
        .output()
        .expect("pdffonts runs");
    let table = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{name}: no fonts:\n{table}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 6, "{name}: {row}");
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "{name}: font not embedded+subset+unicode: {row}"
        );
        assert!(!row.contains("Type 3"), "{name}: {row}");
    }

    // Page boxes on every page.
    let bytes = std::fs::read(&pdf).unwrap();
    let count = |needle: &str| {
        bytes
            .windows(needle.len())
            .filter(|w| *w == needle.as_bytes())
            .count()
    };
    let info = Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo runs");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("page count");
    assert!(pages > 4, "{name}: {pages} pages");
    assert_eq!(count("/TrimBox"), pages, "{name}: TrimBox on every page");
    assert_eq!(count("/BleedBox"), pages, "{name}: BleedBox on every page");
    assert_eq!(
        pages % 2,
        0,
        "{name}: a printed book has an even number of pages"
    );

    // The text: every word of the manuscript, in order.
    // Characters no font has are reported by the build (checked below) and cannot be in
    // the text layer: words holding them are left out of the comparison.
    assert!(
        no_glyph.len() <= 6,
        "{name}: the fonts lack {} characters: {no_glyph:?}",
        no_glyph.len()
    );
    let want: Vec<String> = manuscript_words(book)
        .into_iter()
        .filter(|w| !w.chars().any(|c| no_glyph.contains(&c)))
        .collect();
    let got = pdf_words(&pdf);
    let mut at = 0;
    let mut missing = Vec::new();
    for word in &want {
        // Page furniture, titles and notes come between the words: look a little ahead.
        let window = &got[at..got.len().min(at + 400)];
        match window.iter().position(|g| g == word) {
            Some(offset) => at += offset + 1,
            None => missing.push(word.clone()),
        }
    }
    assert!(
        missing.len() <= 3,
        "{name}: {} of {} manuscript words not found in order in the PDF text, e.g. {:?}",
        missing.len(),
        want.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(want.len() > 500, "{name}: the manuscript has words");
}

fn validators() -> bool {
    tool("qpdf") && tool("pdffonts") && tool("pdftotext") && tool("pdfinfo")
}

#[test]
fn the_manuscript_pdf_passes_the_print_checks() {
    if !validators() {
        return;
    }
    check_pdf(&common::repo().join("manuscript"));
}

#[test]
fn every_corpus_pdf_passes_the_print_checks() {
    if !validators() {
        return;
    }
    let Some(books) = common::corpus_books() else {
        eprintln!("\n*** SKIP: ../shared/corpus is absent ***\n");
        return;
    };
    for book in books {
        check_pdf(&book);
    }
}

#[test]
fn the_pdf_is_byte_identical_across_builds() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let book = common::repo().join("manuscript");
    let first = std::fs::read(build_pdf(&book, a.path())).unwrap();
    let second = std::fs::read(build_pdf(&book, b.path())).unwrap();
    assert!(first == second, "two builds of the same book differ");
}

#[test]
fn bleed_adds_an_eighth_of_an_inch_outside() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        toml.replace("[print]\n", "[print]\nbleed = true\n"),
    )
    .unwrap();
    let pdf = build_pdf(&book, &work.path().join("out"));
    let bytes = String::from_utf8_lossy(&std::fs::read(pdf).unwrap()).into_owned();
    // 5.5 x 8.5 in trim: the media box grows by 9 pt outside and 9 pt top and bottom.
    assert!(
        bytes.contains("/MediaBox [0 0 405 630]"),
        "media box with bleed"
    );
    assert!(bytes.contains("/TrimBox [0 9 396 621]"), "recto trim box");
    assert!(bytes.contains("/TrimBox [9 9 405 621]"), "verso trim box");
}
