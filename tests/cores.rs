//! The print interior is the same to the byte on one core and on several: chapters' flows
//! are made ahead on other cores while one core paginates (`QUIRE_LAYOUT_THREADS` sets how
//! many cores the layout uses).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

/// The interior PDF of `book` laid out on `threads` cores.
fn pdf_on(book: &Path, threads: usize) -> Vec<u8> {
    pdf_with(book, &[("QUIRE_LAYOUT_THREADS", threads.to_string())])
}

/// The interior PDF of `book` built with the environment `env`.
fn pdf_with(book: &Path, env: &[(&str, String)]) -> Vec<u8> {
    let out = tempfile::tempdir().unwrap();
    let output = common::quire()
        .args(["build", "--format", "pdf", "--out"])
        .arg(out.path())
        .arg(book)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
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

/// A long chapter is paginated through a window that follows the spread being set (else
/// each paragraph re-broken for a page end flattens the whole chapter again: a book in one
/// file took 15 s for 2,600 pages). The pages are the same to the byte as when the whole
/// chapter is flattened each time: on every corpus book with every chapter windowed
/// (figures waiting, notes carried over), and on a novel in one file of 1,100 pages.
#[test]
fn a_windowed_pagination_gives_the_same_pdf() {
    let whole = ("QUIRE_PAGINATION_WINDOW_LINES", usize::MAX.to_string());
    let windowed = ("QUIRE_PAGINATION_WINDOW_LINES", "0".to_string());
    let mut books = vec![common::repo().join("manuscript")];
    match common::corpus_books() {
        Some(corpus) => books.extend(corpus),
        None => common::missing_corpus(),
    }
    for book in &books {
        assert!(
            pdf_with(book, std::slice::from_ref(&whole))
                == pdf_with(book, std::slice::from_ref(&windowed)),
            "{}: windowed pagination changed the PDF",
            book.display()
        );
    }
    // Pride and Prejudice three times over, in one file: one chapter of 1,100 pages.
    let Some(pride) = books
        .iter()
        .find(|b| b.ends_with("jane-austen_pride-and-prejudice"))
    else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let mut text = String::from("# The Whole Novel\n\n");
    let mut files: Vec<_> = std::fs::read_dir(pride)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    for _ in 0..3 {
        for file in &files {
            let chapter = std::fs::read_to_string(file).unwrap();
            // Each chapter a section of the one chapter.
            text.push_str(&chapter.replace("\n# ", "\n## ").replacen("# ", "## ", 1));
            text.push_str("\n\n");
        }
    }
    std::fs::write(work.path().join("all.md"), text).unwrap();
    std::fs::write(
        work.path().join("book.toml"),
        "[book]\ntitle = \"One\"\nlanguage = \"en\"\nauthors = [\"J. A.\"]\n[contents]\nchapters = [\"all.md\"]\n",
    )
    .unwrap();
    assert!(
        pdf_with(work.path(), &[]) == pdf_with(work.path(), std::slice::from_ref(&whole)),
        "the one-file novel paginated through a window differs"
    );
}
