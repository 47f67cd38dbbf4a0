//! `quire check`: read and lint the book, print every problem.

use std::path::Path;
use std::process::ExitCode;

use crate::report;

/// Reads the book and prints its problems; exit 1 when any is an error.
pub(crate) fn run(book_dir: &Path) -> ExitCode {
    let loaded = quire_markdown::load_book(book_dir);
    let (errors, warnings) = report::print_all(&loaded.diagnostics, &loaded.sources);
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
