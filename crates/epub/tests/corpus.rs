//! Real books through the whole pipeline (`quire_markdown::load_book` then the EPUB
//! writer): the project manuscript and every corpus book must give EPUBCheck nothing to
//! report, build reproducibly, and Pride and Prejudice must be fast.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use quire_epub::{EpubOptions, write_epub};
use support::{assert_epubcheck_clean, corpus_dir};

/// Loads and writes the book in `dir`; checks reproducibility and EPUBCheck. Returns the time
/// from reading the folder to having the EPUB's bytes.
fn check(dir: &Path, name: &str) -> Duration {
    let start = Instant::now();
    let loaded = quire_markdown::load_book(dir);
    let book = loaded
        .book
        .unwrap_or_else(|| panic!("{name} has errors: {:#?}", loaded.diagnostics));
    let options = EpubOptions {
        modified: quire_epub::modified_timestamp(None, book.metadata.date.as_deref()),
        ..EpubOptions::default()
    };
    let out = write_epub(&book, &options).unwrap();
    let elapsed = start.elapsed();
    eprintln!(
        "{name}: {} chapters, {} images, {} bytes in {elapsed:?} (load + write)",
        book.chapters().count(),
        book.images.len(),
        out.bytes.len(),
    );
    for d in &out.diagnostics {
        eprintln!("  warning: {}", d.message);
    }
    let again = write_epub(&book, &options).unwrap();
    assert_eq!(out.bytes, again.bytes, "{name}: two builds differ");
    assert_epubcheck_clean(&out.bytes, name);
    elapsed
}

fn corpus_book(slug: &str) -> Option<Duration> {
    let Some(dir) = corpus_dir() else {
        quire_testkit::skip(
            "../shared/corpus (or QUIRE_CORPUS)",
            &format!("{slug} not checked"),
        );
        return None;
    };
    Some(check(&dir.join(slug), slug))
}

#[test]
fn pride_and_prejudice() {
    // Speed is measured by the criterion benchmark (`cargo bench`), not here.
    let _ = corpus_book("jane-austen_pride-and-prejudice");
}

#[test]
fn the_art_of_war() {
    let _ = corpus_book("sun-tzu_the-art-of-war_lionel-giles");
}

#[test]
fn alice() {
    let _ = corpus_book("lewis-carroll_alices-adventures-in-wonderland");
}

#[test]
fn project_manuscript() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../manuscript");
    assert!(
        dir.join("book.toml").is_file(),
        "the repository's manuscript/ is missing"
    );
    check(&dir, "manuscript");
}
