//! The print interior is the same to the byte on one core and on several: chapters' flows
//! are made ahead on other cores while one core paginates (`QUIRE_LAYOUT_THREADS` sets how
//! many cores the layout uses).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

/// The interior PDF of `book` laid out on `threads` cores.
fn pdf_on(book: &Path, threads: usize) -> Vec<u8> {
    let out = tempfile::tempdir().unwrap();
    let output = common::quire()
        .args(["build", "--format", "pdf", "--out"])
        .arg(out.path())
        .arg(book)
        .env("QUIRE_LAYOUT_THREADS", threads.to_string())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: {}",
        book.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let pdf = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .find(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .unwrap();
    std::fs::read(pdf.path()).unwrap()
}

#[test]
fn one_core_and_several_give_the_same_pdf() {
    let mut books = vec![common::repo().join("manuscript")];
    match common::corpus_books() {
        Some(corpus) => books.extend(corpus),
        None => common::missing_corpus(),
    }
    for book in &books {
        let one = pdf_on(book, 1);
        for threads in [2, 3] {
            assert!(
                pdf_on(book, threads) == one,
                "{}: the PDF laid out on {threads} cores differs from one core's",
                book.display()
            );
        }
    }
}
