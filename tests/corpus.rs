//! Every book of `../shared/corpus/` reads without errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[test]
fn every_corpus_book_checks_without_errors() {
    let Some(books) = common::corpus_books() else {
        common::missing_corpus();
        return;
    };
    assert!(!books.is_empty(), "the corpus folder holds no books");
    for book in books {
        let path = book.to_string_lossy().into_owned();
        let (output, stderr) = common::run_in(&common::repo(), &["check", &path]);
        assert!(output.status.success(), "{path}: {stderr}");
        assert!(stderr.contains("0 error(s)"), "{path}: {stderr}");
    }
}
