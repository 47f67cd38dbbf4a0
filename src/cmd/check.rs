//! `quire check`: read and lint the book, print every problem.

use std::path::Path;
use std::process::ExitCode;

use crate::report;

/// Reads the book and prints its problems; exit 1 when any is an error.
pub(crate) fn run(book_dir: &Path) -> ExitCode {
    let loaded = quire_markdown::load_book(book_dir);
    let mut diagnostics = loaded.diagnostics.clone();
    if let Some(book) = &loaded.book {
        diagnostics.extend(identifier_warning(book));
        // What the build checks before typesetting: the fonts, and the EPUB's own checks
        // (pictures' text, links, the language of parts ...).
        if let Err(error) = crate::fonts::family_checked(book_dir, book, &loaded.sources) {
            diagnostics.push(error);
        }
        if loaded.diagnostics.iter().all(|d| !d.is_error()) {
            diagnostics.extend(epub_warnings(book));
        }
    }
    let (errors, warnings) = report::print_all(&diagnostics, &loaded.sources);
    let summary = format!("{errors} error(s), {warnings} warning(s)");
    if errors > 0 {
        eprintln!("check: {}: {summary}", book_dir.display());
        return ExitCode::from(super::EXIT_BOOK_ERRORS);
    }
    if let Some(book) = &loaded.book {
        let words: usize = book
            .chapters()
            .flat_map(|c| &c.blocks)
            .map(|b| match &b.kind {
                quire_model::BlockKind::Paragraph(inl)
                | quire_model::BlockKind::Aligned { content: inl, .. } => {
                    quire_model::Inline::plain_text(inl)
                        .split_whitespace()
                        .count()
                }
                _ => 0,
            })
            .sum();
        eprintln!(
            "check: {}: \"{}\", {} chapter files, {} images, about {words} words: {summary}",
            book_dir.display(),
            book.metadata.title,
            book.chapters().count(),
            book.images.len(),
        );
    }
    ExitCode::SUCCESS
}

/// The EPUB's warnings, made in memory. A book with no cover image of its own gets the
/// designed front in the build, so that warning is left out.
fn epub_warnings(book: &quire_model::Book) -> Vec<quire_model::Diagnostic> {
    let mut with_cover = book.clone();
    if with_cover.metadata.cover.is_none() {
        with_cover.images.push(quire_model::ImageAsset {
            path: "cover.jpg".into(),
            data: Vec::new(),
            format: quire_model::ImageFormat::Jpeg,
            width: 1600,
            height: 2560,
        });
        with_cover.metadata.cover = Some(quire_model::ImageId(with_cover.images.len() - 1));
    }
    quire_epub::write_epub(&with_cover, &quire_epub::EpubOptions::default())
        .map(|output| output.diagnostics)
        .unwrap_or_default()
}

/// A warning for a book without a fixed identifier (no `identifier`, no ebook ISBN): the
/// derived one changes with the title, and a corrected edition becomes a new book in readers'
/// libraries, without their notes and highlights. The hint gives today's value to pin.
fn identifier_warning(book: &quire_model::Book) -> Option<quire_model::Diagnostic> {
    let m = &book.metadata;
    m.identifier_derived.then(|| {
        quire_model::Diagnostic::warning(
            None,
            "book.toml has no `identifier` and no ebook ISBN: the EPUB's identifier is derived from the title, authors and language, so correcting the title makes readers take the file for a new book",
        )
        .with_hint(format!(
            "pin today's value: add `identifier = \"{}\"` to [book]",
            m.identifier
        ))
    })
}
