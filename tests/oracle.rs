//! The content oracle on real and generated books: every word, note and picture of the
//! manuscript exactly once, in order, on the page. See `tests/oracle/mod.rs`.
//!
//! The PDF is read with PyMuPDF (`pip install pymupdf==2.0`); without it the PDF checks SKIP
//! loudly, or fail under `QUIRE_REQUIRE_VALIDATORS=1`. Every violation is printed and also
//! written to `target/tmp/oracle-<book>.txt`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "oracle/mod.rs"]
mod oracle;

use std::path::{Path, PathBuf};

use oracle::{Manuscript, Report};

/// Builds `book` (EPUB and PDF) into `out`; returns (pdf, epub).
fn build(book: &Path, out: &Path) -> (PathBuf, PathBuf) {
    let (output, stderr) = common::run_in(
        &common::repo(),
        &[
            "build",
            &book.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--format",
            "epub,pdf",
        ],
    );
    assert!(output.status.success(), "{}: {stderr}", book.display());
    let mut pdf = None;
    let mut epub = None;
    for p in std::fs::read_dir(out).unwrap().flatten().map(|e| e.path()) {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".epub") {
            epub = Some(p);
        } else if name.ends_with(".pdf") && !name.ends_with(".cover.pdf") {
            pdf = Some(p);
        }
    }
    (pdf.expect("a PDF was written"), epub.expect("an EPUB was written"))
}

/// Builds `book`, runs every check on both outputs, prints every violation, and fails when
/// there is any.
fn oracle(name: &str, book: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let (pdf, epub) = build(book, tmp.path());
    let manuscript = Manuscript::read(book);
    let mut reports: Vec<Report> = Vec::new();
    if oracle::pdf::reader_available() {
        let out = oracle::pdf::read(&pdf);
        dump(name, &out);
        reports.push(oracle::check_pdf(name, &manuscript, &out));
    } else {
        common::missing_validator("PyMuPDF (python3 -m pip install pymupdf==2.0)");
    }
    let out = oracle::epub::read(&epub);
    dump(name, &out);
    reports.push(oracle::check_epub(name, &manuscript, &out));
    let mut text = String::new();
    for r in &reports {
        text.push_str(&r.render(usize::MAX));
    }
    eprintln!("{text}");
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("oracle-{name}.txt"));
    let _ = std::fs::write(&file, &text);
    let total: usize = reports.iter().map(Report::count).sum();
    let summary: Vec<String> = reports
        .iter()
        .map(|r| {
            let per: Vec<String> = r
                .violations
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.len()))
                .collect();
            format!("{} {}: {}", r.book, r.kind, per.join(", "))
        })
        .collect();
    assert_eq!(
        total,
        0,
        "the oracle found {total} violation(s) (all printed above, and in {}):\n{}",
        file.display(),
        summary.join("\n")
    );
}

/// With `QUIRE_ORACLE_DUMP=1`, writes what was read back (body words and notes by page) to
/// `target/tmp/oracle-<book>.<kind>.txt`, for looking into a violation.
fn dump(name: &str, out: &oracle::output::Output) {
    if std::env::var_os("QUIRE_ORACLE_DUMP").is_none() {
        return;
    }
    use std::fmt::Write as _;
    let mut s = String::new();
    let mut page = usize::MAX;
    for w in &out.body {
        if w.page != page {
            page = w.page;
            let _ = write!(s, "\n\n## {}\n", out.where_(page));
        }
        s.push_str(&w.w);
        s.push(' ');
    }
    s.push_str("\n\n# NOTES\n");
    for n in &out.notes {
        let at = n.first().map_or(String::new(), |w| out.where_(w.page));
        let words: Vec<&str> = n.iter().map(|w| w.w.as_str()).collect();
        let _ = writeln!(s, "[{at}] {}", words.join(" "));
    }
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("oracle-{name}.{}.txt", out.kind));
    let _ = std::fs::write(file, s);
}

/// A corpus book by folder name; missing corpus is a SKIP, or a failure under
/// `QUIRE_REQUIRE_VALIDATORS=1`.
fn corpus(slug: &str) -> Option<PathBuf> {
    let dir = common::repo().join("../shared/corpus").join(slug);
    if dir.join("book.toml").is_file() {
        Some(dir)
    } else {
        assert!(
            !common::validators_required(),
            "corpus book {slug} is required (QUIRE_REQUIRE_VALIDATORS=1) but missing at {}",
            dir.display()
        );
        eprintln!("\n*** SKIP: corpus book {slug} not found at {}; the oracle did not run on it ***\n", dir.display());
        None
    }
}

#[test]
fn oracle_manuscript() {
    oracle("manuscript", &common::repo().join("manuscript"));
}

#[test]
fn oracle_pride_and_prejudice() {
    if let Some(dir) = corpus("jane-austen_pride-and-prejudice") {
        oracle("pride-and-prejudice", &dir);
    }
}

#[test]
fn oracle_art_of_war() {
    if let Some(dir) = corpus("sun-tzu_the-art-of-war_lionel-giles") {
        oracle("art-of-war", &dir);
    }
}

#[test]
fn oracle_alice() {
    if let Some(dir) = corpus("lewis-carroll_alices-adventures-in-wonderland") {
        oracle("alice", &dir);
    }
}
