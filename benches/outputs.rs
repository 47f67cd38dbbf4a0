//! Output speed on Pride and Prejudice (about 120,000 words), with the anchor builds' print
//! settings (5.5 x 8.5 in, 4 x 6.9 in text block, EB Garamond 11.5/14.5 pt):
//! - `epub`: book folder to EPUB bytes (target: under 150 ms);
//! - `print`: model to typeset pages to PDF bytes (target: under 300 ms);
//! - `print-x4`: the same for a book four times as long (cost must grow linearly);
//! - `both`: book folder to EPUB and PDF, as `quire build` does (target: under 400 ms);
//! - stage by stage: `typeset` (model to pages, on every core), `typeset-one-core`, and
//!   `pdf` (pages to PDF bytes);
//! - `edit-relayout`: a layout session that keeps its chapters lays the book out again
//!   after a one-word edit in the middle chapter (what `quire watch` and `quire preview` do
//!   after a save; target: under 50 ms).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use quire_model::{Book, Length};

fn book_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/jane-austen_pride-and-prejudice");
    dir.join("book.toml").is_file().then_some(dir)
}

fn anchor_settings(book: &mut Book) {
    let print = &mut book.settings.print;
    print.trim.width = Length::inches(5.5);
    print.trim.height = Length::inches(8.5);
    print.font_size = Length(11.5);
    print.leading = Length(14.5);
    print.text_width = Some(Length::inches(4.0));
    print.text_height = Some(Length::inches(6.9));
}

fn family() -> quire_typeset::FontFamily {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fonts");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    quire_typeset::FontFamily::from_bytes(
        read("EBGaramond12-Regular.otf"),
        Some(read("EBGaramond12-Italic.otf")),
        Some(read("EBGaramond-Bold.ttf")),
        None,
    )
    .unwrap()
}

fn times_four(book: &Book) -> Book {
    let mut long = book.clone();
    long.body.clear();
    for round in 0..4 {
        for chapter in &book.body {
            let mut c = chapter.clone();
            c.id = format!("{}-{round}", c.id);
            long.body.push(c);
        }
    }
    long
}

/// The book with a word added to the first paragraph of its middle chapter.
fn with_a_word_added(book: &Book) -> Book {
    let mut edited = book.clone();
    let middle = edited.body.len() / 2;
    let paragraph = edited.body[middle]
        .blocks
        .iter_mut()
        .find_map(|b| match &mut b.kind {
            quire_model::BlockKind::Paragraph(inlines) => Some(inlines),
            _ => None,
        })
        .unwrap();
    paragraph.push(quire_model::Inline {
        kind: quire_model::InlineKind::Text(" Indeed.".into()),
        span: paragraph.last().map(|i| i.span).unwrap_or_default(),
    });
    edited
}

fn print(book: &Book, family: &quire_typeset::FontFamily) -> Vec<u8> {
    let typeset = quire_typeset::typeset_book(book, family);
    quire_pdf::write_pdf(&typeset.document, &quire_pdf::PdfOptions::default()).unwrap()
}

fn outputs(c: &mut Criterion) {
    let Some(dir) = book_dir() else {
        println!("NOTICE: ../shared/corpus is absent: no output benchmarks run");
        return;
    };
    let family = family();
    let mut book = quire_markdown::load_book(&dir).book.unwrap();
    anchor_settings(&mut book);
    let long = times_four(&book);
    let mut group = c.benchmark_group("pride-and-prejudice");
    group.sample_size(10);
    group.bench_function("epub", |b| {
        b.iter(|| {
            let book = quire_markdown::load_book(&dir).book.unwrap();
            quire_epub::write_epub(&book, &quire_epub::EpubOptions::default())
                .unwrap()
                .bytes
        })
    });
    group.bench_function("print", |b| b.iter(|| print(&book, &family)));
    group.bench_function("typeset", |b| {
        b.iter(|| quire_typeset::typeset_book(&book, &family))
    });
    group.bench_function("typeset-one-core", |b| {
        b.iter(|| quire_typeset::LayoutSession::with_threads(1).typeset(&book, &family, None))
    });
    let pages = quire_typeset::typeset_book(&book, &family);
    group.bench_function("pdf", |b| {
        b.iter(|| quire_pdf::write_pdf(&pages.document, &quire_pdf::PdfOptions::default()).unwrap())
    });
    // Two versions of the book a word apart, laid out in turn: each layout follows an edit.
    let edited = with_a_word_added(&book);
    let mut session = quire_typeset::LayoutSession::default().keeping();
    session.typeset(&book, &family, None);
    let mut turn = false;
    group.bench_function("edit-relayout", |b| {
        b.iter(|| {
            turn = !turn;
            session.typeset(if turn { &edited } else { &book }, &family, None)
        })
    });
    group.bench_function("print-x4", |b| b.iter(|| print(&long, &family)));
    group.bench_function("both", |b| {
        b.iter(|| {
            let mut book = quire_markdown::load_book(&dir).book.unwrap();
            anchor_settings(&mut book);
            let epub = quire_epub::write_epub(&book, &quire_epub::EpubOptions::default())
                .unwrap()
                .bytes;
            (epub, print(&book, &family))
        })
    });
    group.finish();
}

criterion_group!(benches, outputs);
criterion_main!(benches);
