//! `quire build`: read the book, then write each requested output atomically.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::Format;
use crate::report;

/// Builds the requested formats of the book in `book_dir` into `out_dir`.
pub(crate) fn run(book_dir: &Path, out_dir: &Path, formats: &[Format], report: bool) -> ExitCode {
    let loaded = quire_markdown::load_book(book_dir);
    let (errors, _) = report::print_all(&loaded.diagnostics, &loaded.sources);
    let Some(book) = loaded.book.as_ref().filter(|_| errors == 0) else {
        eprintln!("build: {errors} error(s): nothing written");
        return ExitCode::from(super::EXIT_BOOK_ERRORS);
    };
    if let Err(err) = std::fs::create_dir_all(out_dir) {
        eprintln!(
            "error: cannot create output folder `{}`: {err}",
            out_dir.display()
        );
        return ExitCode::from(super::EXIT_IO);
    }
    let slug = book.slug();
    let mut failed = false;
    // The cover's spine needs the interior's page count: the cover comes last.
    let mut interior_pages: Option<usize> = None;
    let formats = dedup(formats);
    let mut ordered: Vec<Format> = formats
        .iter()
        .copied()
        .filter(|f| *f != Format::Cover)
        .collect();
    if formats.contains(&Format::Cover) {
        ordered.push(Format::Cover);
    }
    for format in ordered {
        let produced: Result<Option<(String, Vec<u8>)>, String> = match format {
            Format::Pdf => pdf(book, book_dir, &loaded.sources, report).map(|(bytes, pages)| {
                interior_pages = Some(pages);
                Some(("pdf".to_string(), bytes))
            }),
            Format::Epub => {
                epub(book, book_dir, &loaded.sources).map(|bytes| Some(("epub".to_string(), bytes)))
            }
            Format::Cover => cover(book, book_dir, &loaded.sources, interior_pages, report)
                .map(|bytes| Some(("cover.pdf".to_string(), bytes))),
        };
        match produced {
            Ok(Some((extension, bytes))) => {
                let path = out_dir.join(format!("{slug}.{extension}"));
                match crate::output::write_atomically(&path, &bytes) {
                    Ok(()) => eprintln!("build: wrote {} ({} bytes)", path.display(), bytes.len()),
                    Err(err) => {
                        eprintln!("error: cannot write `{}`: {err}", path.display());
                        return ExitCode::from(super::EXIT_IO);
                    }
                }
            }
            Ok(None) => eprintln!("build: {format:?} output is not implemented yet: skipped"),
            Err(message) => {
                eprintln!("error: {message}");
                failed = true;
            }
        }
    }
    if failed {
        return ExitCode::from(super::EXIT_BOOK_ERRORS);
    }
    ExitCode::SUCCESS
}

/// `SOURCE_DATE_EPOCH` when set and valid: the reproducible-builds convention.
pub(crate) fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH").ok()?.trim().parse().ok()
}

/// Writes the EPUB; its warnings (no cover ...) are printed.
fn epub(
    book: &quire_model::Book,
    book_dir: &Path,
    sources: &quire_model::Sources,
) -> Result<Vec<u8>, String> {
    let fonts = if book.settings.epub.embed_fonts {
        crate::fonts::epub_fonts(book_dir, &book.settings.print.font)?
    } else {
        Vec::new()
    };
    let options = quire_epub::EpubOptions {
        modified: quire_epub::modified_timestamp(
            source_date_epoch(),
            book.metadata.date.as_deref(),
        ),
        fonts,
    };
    let output = quire_epub::write_epub(book, &options).map_err(|e| e.to_string())?;
    crate::report::print_all(&output.diagnostics, sources);
    Ok(output.bytes)
}

/// Typesets the cover wrap; the spine follows the interior's page count (typeset now when
/// the interior was not built in this run).
fn cover(
    book: &quire_model::Book,
    book_dir: &Path,
    sources: &quire_model::Sources,
    pages: Option<usize>,
    report: bool,
) -> Result<Vec<u8>, String> {
    let family = crate::fonts::family(book_dir, &book.settings.print.font)?;
    let pages = match pages {
        Some(p) => p,
        None => pdf(book, book_dir, sources, report)?.1,
    };
    let size = quire_typeset::cover_size(book, pages);
    eprintln!(
        "build: cover wrap {:.3} x {:.3} in with a {:.3} in spine for {pages} pages ({} paper), plus 0.125 in bleed",
        size.width.0 / 72.0,
        size.height.0 / 72.0,
        size.spine.0 / 72.0,
        book.settings.print.paper
    );
    let document = quire_typeset::typeset_cover(book, &family, pages);
    let options = quire_pdf::PdfOptions {
        timestamp: source_date_epoch().map(quire_pdf::Timestamp::from_unix),
    };
    quire_pdf::write_pdf(&document, &options).map_err(|e| e.to_string())
}

/// Typesets the print interior and writes it as PDF bytes; also returns the page count.
fn pdf(
    book: &quire_model::Book,
    book_dir: &Path,
    sources: &quire_model::Sources,
    report: bool,
) -> Result<(Vec<u8>, usize), String> {
    let started = std::time::Instant::now();
    let family = crate::fonts::family(book_dir, &book.settings.print.font)?;
    let typeset = quire_typeset::typeset_book(book, &family);
    let typeset_time = started.elapsed();
    let r = &typeset.report;
    eprintln!(
        "build: typeset {} pages ({} paragraphs; {} needed hyphenation, {} emergency stretch; {} widows/orphans mended, {} pages left short; gutter {} in)",
        r.pages, r.paragraphs, r.second_pass, r.emergency, r.mended, r.short_pages, r.gutter_in
    );
    if report && !typeset.diagnostics.is_empty() {
        crate::report::print_all(&typeset.diagnostics, sources);
    }
    let options = quire_pdf::PdfOptions {
        timestamp: source_date_epoch().map(quire_pdf::Timestamp::from_unix),
    };
    let pages = typeset.document.pages.len();
    let bytes = quire_pdf::write_pdf(&typeset.document, &options)
        .map(|b| (b, pages))
        .map_err(|e| e.to_string());
    if std::env::var_os("QUIRE_TIMING").is_some() {
        eprintln!(
            "timing: typeset {:?}, pdf {:?}",
            typeset_time,
            started.elapsed() - typeset_time
        );
    }
    bytes
}

fn dedup(formats: &[Format]) -> Vec<Format> {
    let mut out: Vec<Format> = Vec::new();
    for f in formats {
        if !out.contains(f) {
            out.push(*f);
        }
    }
    out
}
