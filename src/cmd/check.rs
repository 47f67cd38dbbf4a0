//! `quire check`: read and lint the book, print every problem.

use std::path::Path;
use std::process::ExitCode;

use crate::report;

/// Reads the book and prints its problems; exit 1 when any is an error.
pub(crate) fn run(book_dir: &Path) -> ExitCode {
    let loaded = quire_markdown::load_book(book_dir);
    let mut diagnostics = loaded.diagnostics.clone();
    if let Some(warning) = loaded.book.as_ref().and_then(identifier_warning) {
        diagnostics.push(warning);
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
                quire_model::BlockKind::Paragraph(inl) => quire_model::Inline::plain_text(inl)
                    .split_whitespace()
                    .count(),
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
