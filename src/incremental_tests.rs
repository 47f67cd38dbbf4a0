//! A layout session that keeps what each layout made (`LayoutSession::keeping`, used by
//! `quire preview`) gives, after any edit, the pages a fresh layout gives: the same PDF to
//! the byte, the same diagnostics, the same counts.

use std::path::{Path, PathBuf};

use quire_typeset::{LayoutSession, TypesetBook};

/// The book in `dir` as the build reads it, laid out by `session`.
fn lay_out(dir: &Path, session: &mut LayoutSession) -> (TypesetBook, std::time::Duration) {
    let loaded = quire_markdown::load_book(dir);
    let book = loaded.book.expect("the book loads");
    let family = crate::fonts::family(dir, &book.settings.print.font).expect("fonts");
    let started = std::time::Instant::now();
    let typeset = session.typeset(&book, &family, Some(&loaded.sources));
    (typeset, started.elapsed())
}

fn pdf(typeset: &TypesetBook) -> Vec<u8> {
    quire_pdf::write_pdf(&typeset.document, &quire_pdf::PdfOptions::default()).expect("pdf")
}

/// Lays the book out with the session and afresh, and checks they agree.
fn agree(dir: &Path, session: &mut LayoutSession, step: &str) {
    let (kept, kept_time) = lay_out(dir, session);
    let (fresh, fresh_time) = lay_out(dir, &mut LayoutSession::with_threads(2));
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    eprintln!(
        "{name}, {step}: {} pages, session {kept_time:.1?}, fresh {fresh_time:.1?}",
        fresh.document.pages.len()
    );
    assert!(
        pdf(&kept) == pdf(&fresh),
        "{name}, {step}: the session's PDF differs from a fresh layout's"
    );
    assert_eq!(
        format!("{:?}", kept.diagnostics),
        format!("{:?}", fresh.diagnostics),
        "{name}, {step}: diagnostics differ"
    );
    assert_eq!(kept.anchor_pages, fresh.anchor_pages, "{name}, {step}");
    let counts = |t: &TypesetBook| {
        let r = &t.report;
        (
            r.pages,
            r.paragraphs,
            r.second_pass,
            r.emergency,
            r.mended,
            r.short_pages,
        )
    };
    assert_eq!(
        counts(&kept),
        counts(&fresh),
        "{name}, {step}: counts differ"
    );
}

/// The file of the book's middle chapter.
fn middle_chapter_file(dir: &Path) -> PathBuf {
    let loaded = quire_markdown::load_book(dir);
    let book = loaded.book.expect("the book loads");
    let chapters: Vec<_> = book.chapters().collect();
    let chapter = chapters[chapters.len() / 2];
    PathBuf::from(&loaded.sources.path(chapter.file))
}

fn edit(file: &Path, change: impl FnOnce(&str) -> String) {
    let text = std::fs::read_to_string(file).expect("read");
    std::fs::write(file, change(&text)).expect("write");
}

fn edits_agree(source: &Path) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join(source.file_name().expect("name"));
    copy(source, &dir);
    let mut session = LayoutSession::with_threads(2).keeping();
    agree(&dir, &mut session, "first layout");
    agree(&dir, &mut session, "no change");
    let file = middle_chapter_file(&dir);
    let original = std::fs::read_to_string(&file).expect("read");
    // A word changed inside a paragraph.
    edit(&file, |t| t.replacen(" the ", " the very ", 1));
    agree(&dir, &mut session, "a word added");
    // A paragraph added: the chapter grows, later chapters may open on the other side.
    edit(&file, |t| {
        format!(
            "{t}\n\nA paragraph added at the end of the chapter, long enough to take a few lines \
             of its own on the page, so that the chapter may need another page and every \
             chapter after it may open on the other side of the spread.\n"
        )
    });
    agree(&dir, &mut session, "a paragraph added");
    for n in 0..12 {
        edit(&file, |t| {
            format!("{t}\n\nAnother paragraph, number {n}, added to push the pages on.\n")
        });
    }
    agree(&dir, &mut session, "twelve paragraphs added");
    // A setting that every chapter reads.
    let toml = dir.join("book.toml");
    let settings = std::fs::read_to_string(&toml).expect("read");
    if settings.contains("[print]") {
        edit(&toml, |t| {
            t.replacen("[print]", "[print]\nragged-right = true", 1)
        });
        agree(&dir, &mut session, "ragged right");
        std::fs::write(&toml, &settings).expect("write");
    }
    std::fs::write(&file, original).expect("write");
    agree(&dir, &mut session, "back to the original");
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn a_session_lays_out_the_technical_book_as_afresh_after_each_edit() {
    edits_agree(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/books/technical"));
}

#[test]
fn a_session_lays_out_the_manuscript_as_afresh_after_each_edit() {
    edits_agree(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("manuscript"));
}

#[test]
fn a_session_lays_out_a_novel_as_afresh_after_each_edit() {
    let book = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/jane-austen_pride-and-prejudice");
    if !book.join("book.toml").is_file() {
        quire_testkit::skip("../shared/corpus", "the novel was not checked");
        return;
    }
    edits_agree(&book);
}
