//! DAISY Ace (the accessibility checker the book trade uses) on the EPUB of the manuscript
//! and of every corpus book: no violation of any impact. Each corpus book is built from a
//! copy with a print ISBN, so the print page list is checked too; the *Art of War* copy also
//! names its translator, whose credit and the book's tagged Chinese are checked here.
//!
//! Ace runs through `ace-puppeteer` (npm `@daisy/ace`) with Debian's `chromium`
//! (`PUPPETEER_EXECUTABLE_PATH`, default `/usr/bin/chromium`); `.ci/run` installs both.
//! `QUIRE_ACE` names another `ace-puppeteer`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Ace command, or `None` (SKIP, or a failure under `QUIRE_REQUIRE_VALIDATORS=1`).
fn ace() -> Option<(PathBuf, PathBuf)> {
    let ace = std::env::var_os("QUIRE_ACE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("ace-puppeteer"));
    let chromium = std::env::var_os("PUPPETEER_EXECUTABLE_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let runs = Command::new(&ace)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !runs {
        common::missing_validator("DAISY Ace (ace-puppeteer)");
        return None;
    }
    if !chromium.is_file() {
        common::missing_validator("chromium (for DAISY Ace)");
        return None;
    }
    Some((ace, chromium))
}

/// Ace's violations in `epub`: one line per failed assertion (impact, rule, document).
fn ace_violations(ace: &(PathBuf, PathBuf), epub: &Path, report_dir: &Path) -> Vec<String> {
    let out = Command::new(&ace.0)
        .env("PUPPETEER_EXECUTABLE_PATH", &ace.1)
        .args(["--force", "--silent", "--outdir"])
        .arg(report_dir)
        .arg(epub)
        .output()
        .expect("ace runs");
    let report = report_dir.join("report.json");
    assert!(
        report.is_file(),
        "Ace wrote no report for {}: {}{}",
        epub.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let script = r#"
import json, sys
r = json.load(open(sys.argv[1]))
for a in r.get("assertions", []):
    for x in a.get("assertions", []):
        if x["earl:result"]["earl:outcome"] != "pass":
            print(x["earl:test"]["earl:impact"], x["earl:test"]["dct:title"],
                  a["earl:testSubject"]["url"], x["earl:result"].get("html", "")[:120])
print("OUTCOME", r["earl:result"]["earl:outcome"])
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&report)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let outcome = lines.pop().unwrap_or_default();
    if lines.is_empty() {
        assert_eq!(outcome, "OUTCOME pass", "{}", epub.display());
    }
    lines
}

/// Builds the EPUB of `book` into `out`; the file written.
fn build_epub(book: &Path, out: &Path) -> PathBuf {
    let (files, _) = common::build_outputs(book, out, "epub", &[]);
    common::output_file(&files, "epub")
}

/// A file of an EPUB, as text.
fn entry(epub: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Every XHTML content document of an EPUB, concatenated.
fn all_text(epub: &Path) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        if file.name().unwrap().ends_with(".xhtml") {
            file.read_to_string(&mut all).unwrap();
        }
    }
    all
}

/// A copy of a corpus book with a print ISBN (so the EPUB carries the print page list)
/// and, for the *Art of War*, its translator.
fn corpus_copy(book: &Path, tmp: &Path) -> PathBuf {
    let copy = tmp.join(book.file_name().unwrap());
    common::copy_dir(book, &copy);
    let toml_path = copy.join("book.toml");
    let mut toml = std::fs::read_to_string(&toml_path).unwrap();
    if toml.contains("Lionel Giles") && !toml.contains("translators =") {
        toml = toml.replacen(
            "authors = [\"Sun Tzu\"]",
            "authors = [\"Sun Tzu\"]\ntranslators = [\"Lionel Giles\"]",
            1,
        );
    }
    if !toml.contains("[book.isbn]") {
        toml.push_str("\n[book.isbn]\nprint = \"978-0-306-40615-7\"\n");
    }
    std::fs::write(&toml_path, toml).unwrap();
    // What an editor does for the claim: mark the Greek quotations (Giles quotes Thucydides)
    // as Ancient Greek. Unmarked, Quire writes no conformance claim (tests/epub.rs).
    for entry in std::fs::read_dir(&copy).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&path).unwrap();
            let marked = mark_greek(&text);
            if marked != text {
                std::fs::write(&path, marked).unwrap();
            }
        }
    }
    copy
}

/// Runs of Greek (letters, with the spaces and punctuation between them) wrapped in
/// `<span lang="grc">`.
fn mark_greek(text: &str) -> String {
    let greek = |c: char| matches!(c as u32, 0x0370..=0x03FF | 0x1F00..=0x1FFF);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !greek(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run ends at the last Greek letter before something that is neither Greek nor
        // a space or punctuation mark leading to more Greek.
        let mut end = i;
        let mut j = i;
        while j < chars.len()
            && (greek(chars[j])
                || matches!(
                    chars[j],
                    ' ' | ',' | '.' | ';' | '’' | '\u{300}'..='\u{36F}'
                ))
        {
            if greek(chars[j]) || ('\u{300}'..='\u{36F}').contains(&chars[j]) {
                end = j + 1;
            }
            j += 1;
        }
        out.push_str("<span lang=\"grc\">");
        out.extend(&chars[i..end]);
        out.push_str("</span>");
        i = end;
    }
    out
}

#[test]
fn ace_finds_no_violation_in_any_book() {
    let Some(ace) = ace() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut books = vec![common::repo().join("manuscript")];
    match common::corpus_books() {
        Some(corpus) => books.extend(corpus.iter().map(|b| corpus_copy(b, tmp.path()))),
        None => common::missing_corpus(),
    }
    let mut failures = Vec::new();
    for (n, book) in books.iter().enumerate() {
        let out = tmp.path().join(format!("out-{n}"));
        let epub = build_epub(book, &out);
        let violations = ace_violations(&ace, &epub, &tmp.path().join(format!("ace-{n}")));
        eprintln!(
            "ace: {}: {} violation(s)",
            book.file_name().unwrap().to_string_lossy(),
            violations.len()
        );
        for v in violations {
            failures.push(format!("{}: {v}", book.display()));
        }
        let opf = entry(&epub, "OEBPS/content.opf");
        // The claim stands on the checks: a book that passes them claims conformance.
        assert!(
            opf.contains("dcterms:conformsTo"),
            "{}: no conformance claim",
            book.display()
        );
        if book.to_string_lossy().contains("art-of-war") {
            let text = all_text(&epub);
            assert!(
                text.contains("<span lang=\"zh\" xml:lang=\"zh\">郢</span>"),
                "the Chinese of the Art of War is not tagged"
            );
            // No Han character outside a Chinese span.
            let untagged = text
                .split("<span lang=\"zh\" xml:lang=\"zh\">")
                .enumerate()
                .map(|(i, part)| {
                    if i == 0 {
                        part
                    } else {
                        part.split_once("</span>").map_or(part, |p| p.1)
                    }
                })
                .flat_map(str::chars)
                .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
                .count();
            assert_eq!(untagged, 0, "Han characters outside a lang=zh span");
            assert!(opf.contains(">Lionel Giles</dc:contributor>"), "{opf}");
            assert!(opf.contains(">trl</meta>"), "{opf}");
            assert!(opf.contains("property=\"source-of\""), "{opf}");
            let ncx = entry(&epub, "OEBPS/toc.ncx");
            assert!(ncx.contains("<pageList>"), "no NCX page list");
        }
    }
    assert!(
        failures.is_empty(),
        "Ace violations:\n{}",
        failures.join("\n")
    );
}
