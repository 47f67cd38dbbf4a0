//! `quire build`: read the book, typeset it once when an output needs pages, then write each
//! requested output atomically.

use std::path::Path;
use std::process::ExitCode;

use quire_model::{Book, Sources};
use quire_typeset::TypesetBook;

use crate::cli::Format;
use crate::report;

/// An EPUB's bytes and its warnings.
type Epub = (Vec<u8>, Vec<quire_model::Diagnostic>);

/// What every output of one build shares.
struct Build<'a> {
    book: &'a Book,
    dir: &'a Path,
    sources: &'a Sources,
    report: bool,
    /// The store the files are for.
    target: Option<quire_preflight::Target>,
    /// The book's type family, loaded on first use.
    family: std::cell::OnceCell<quire_typeset::FontFamily>,
    /// Where renderings are kept between builds (none when nothing is written).
    cache: Option<std::path::PathBuf>,
    /// The layout session kept between builds, if any.
    layout: Option<&'a std::sync::Mutex<quire_typeset::LayoutSession>>,
}

/// The output folder's hidden folder of renderings kept between builds (the EPUB's cover
/// picture), each stored with the exact input it was made from.
pub(crate) const CACHE_FOLDER: &str = ".quire-cache";

/// What a build does besides its formats.
pub(crate) struct Options<'a> {
    /// Print the typesetting report.
    pub(crate) report: bool,
    /// A cover folder beside the book (`cover.toml`).
    pub(crate) cover_dir: Option<&'a Path>,
    /// Also write the print proof.
    pub(crate) proof: bool,
    /// The store the files are for: prepared for it and checked against its rules.
    pub(crate) target: Option<quire_preflight::Target>,
    /// Write the outputs (off for `check --target`, which only checks them).
    pub(crate) write: bool,
    /// A layout session kept between builds of the book (`quire watch`, `quire preview`):
    /// after an edit only what it changed is laid out again.
    pub(crate) layout: Option<&'a std::sync::Mutex<quire_typeset::LayoutSession>>,
}

pub(crate) fn run(
    book_dir: &Path,
    out_dir: &Path,
    formats: &[Format],
    options: &Options<'_>,
) -> ExitCode {
    let (report, cover_dir) = (options.report, options.cover_dir);
    let started = std::time::Instant::now();
    let timed = |phase: &str| phase_done(started, phase);
    let loaded = quire_markdown::load_book(book_dir);
    timed("parse");
    let (errors, _) = report::print_all(&loaded.diagnostics, &loaded.sources);
    let Some(mut book) = loaded.book.filter(|_| errors == 0) else {
        crate::report::say!("build: {errors} error(s): nothing written");
        return ExitCode::from(super::EXIT_BOOK_ERRORS);
    };
    if let Some(dir) = cover_dir {
        let file = dir.join("cover.toml");
        let settings = std::fs::read_to_string(&file)
            .map_err(|e| e.to_string())
            .and_then(|text| quire_markdown::read_cover_settings(&text, &book.settings.cover));
        match settings {
            Ok(settings) => {
                book.settings.cover = settings;
                crate::report::say!("build: cover design from {}", file.display());
            }
            Err(message) => {
                crate::report::say!("error: {}: {message}", file.display());
                return ExitCode::from(super::EXIT_BOOK_ERRORS);
            }
        }
    }
    // `store:` links lead to the book's page at the store of this edition.
    let store = store_key(options.target);
    let page = book.metadata.store_page(store).map(str::to_string);
    let unlinked = book.resolve_store_links(page.as_deref());
    if unlinked > 0 && !book.metadata.stores.is_empty() {
        crate::report::say!(
            "warning: {unlinked} `store:` link(s) kept as text: [book.stores] has no `{store}` page and no `default`"
        );
    }
    if options.target == Some(quire_preflight::Target::IngramSpark)
        && book.settings.print.text_height.is_none()
    {
        // IngramSpark: 0.5 in from every edge to anything printed, running heads included.
        // The text block is centred with 0.87 in above and below, which puts the running
        // head (two lines above the text) at 0.5 in or more.
        let height = book.settings.print.trim.height.pt();
        book.settings.print.text_height = Some(quire_model::Length(height - 2.0 * 0.87 * 72.0));
    }
    let family = std::cell::OnceCell::new();
    match crate::fonts::family_checked(book_dir, &book, &loaded.sources) {
        Ok(f) => {
            let _ = family.set(f);
        }
        Err(error) => {
            report::print_all(&[error], &loaded.sources);
            crate::report::say!("build: 1 error(s): nothing written");
            return ExitCode::from(super::EXIT_BOOK_ERRORS);
        }
    }
    if crate::svg::has_svg(&book)
        && let Some(f) = family.get()
    {
        // Text in SVG drawings is set in the book's fonts, as outlines, for both editions.
        crate::svg::outline_text(&mut book, f);
    }
    let book = &book;
    if options.write
        && let Err(err) = std::fs::create_dir_all(out_dir)
    {
        crate::report::say!(
            "error: cannot create output folder `{}`: {err}",
            out_dir.display()
        );
        return ExitCode::from(super::EXIT_IO);
    }
    let build = Build {
        book,
        dir: book_dir,
        sources: &loaded.sources,
        report,
        target: options.target,
        family,
        cache: options.write.then(|| out_dir.join(CACHE_FOLDER)),
        layout: options.layout,
    };
    timed("fonts");
    let formats = dedup(formats);
    // Pages are needed by the PDF, by the cover (its spine) and by the EPUB of a book with a
    // print edition (its page-break markers); they are typeset once.
    let needs_pages = options.proof
        || formats.contains(&Format::Pdf)
        || formats.contains(&Format::Cover)
        || (formats.contains(&Format::Epub) && book.metadata.isbn.print.is_some());
    // An EPUB that needs no pages is made on a second core while the interior is typeset
    // (its own copy of the fonts); its warnings are printed in their usual place below.
    let epub_alone = formats.contains(&Format::Epub) && book.metadata.isbn.print.is_none();
    let (typeset, mut epub_made) = std::thread::scope(|scope| {
        let side = epub_alone.then(|| {
            let side = Build {
                book,
                dir: book_dir,
                sources: &loaded.sources,
                report,
                target: options.target,
                family: std::cell::OnceCell::new(),
                cache: build.cache.clone(),
                layout: None,
            };
            if let Some(family) = build.family.get() {
                let _ = side.family.set(family.clone());
            }
            scope.spawn(move || side.epub(None))
        });
        let typeset = needs_pages.then(|| build.typeset());
        timed("typeset");
        let epub = side.map(|thread| {
            thread
                .join()
                .unwrap_or_else(|_| Err("the EPUB could not be made".to_string()))
        });
        (typeset, epub)
    });
    timed("typeset and the EPUB beside it");
    let mut typeset = match typeset.transpose() {
        Ok(t) => t,
        Err(message) => {
            crate::report::say!("error: {message}");
            return ExitCode::from(super::EXIT_BOOK_ERRORS);
        }
    };
    if options.target == Some(quire_preflight::Target::Kdp)
        && let Some(typeset) = typeset.as_mut()
    {
        // KDP refuses annotations in a print interior: no link areas.
        for page in &mut typeset.document.pages {
            page.items
                .retain(|item| !matches!(item, quire_typeset::frame::Item::Link(_)));
        }
    }
    let typeset = typeset;
    let slug = book.slug();
    let mut failed = false;
    // What was built, kept for the store checks.
    let (mut interior_pdf, mut cover_out, mut epub_out) = (None, None, None);
    // With the interior's PDF to write as well, the cover is made on a second core.
    let mut cover_made = match (&typeset, build.family.get()) {
        (Some(pages), Some(family))
            if formats.contains(&Format::Cover) && formats.contains(&Format::Pdf) =>
        {
            let (book, family) = (book.clone(), family.clone());
            let (count, target) = (pages.document.pages.len(), options.target);
            Some(std::thread::spawn(move || {
                make_cover(&book, &family, count, target)
            }))
        }
        _ => None,
    };
    for format in formats {
        let produced: Result<(String, Vec<u8>), String> = match (format, &typeset) {
            (Format::Epub, _) => epub_made
                .take()
                .unwrap_or_else(|| build.epub(typeset.as_ref()))
                .map(|(bytes, diagnostics)| {
                    report::print_all(&diagnostics, &loaded.sources);
                    ("epub".to_string(), bytes)
                }),
            (Format::Pdf, Some(pages)) => build.pdf(pages).map(|bytes| ("pdf".to_string(), bytes)),
            (Format::Cover, Some(pages)) => cover_made
                .take()
                .and_then(|thread| thread.join().ok())
                .unwrap_or_else(|| build.cover(pages.document.pages.len()))
                .map(|(document, bytes, lines)| {
                    for line in lines {
                        crate::report::say!("{line}");
                    }
                    cover_out = Some((document, bytes.clone()));
                    ("cover.pdf".to_string(), bytes)
                }),
            (Format::Pdf | Format::Cover, None) => Err("the book was not typeset".to_string()),
        };
        match produced {
            Ok((_, bytes)) if !options.write => match format {
                Format::Epub => epub_out = Some(bytes),
                Format::Pdf => interior_pdf = Some(bytes),
                Format::Cover => {}
            },
            Ok((extension, bytes)) => {
                let path = out_dir.join(format!("{slug}.{extension}"));
                let written = crate::output::write_atomically(&path, &bytes);
                timed(&extension);
                match written {
                    Ok(()) => crate::report::say!(
                        "build: wrote {} ({} bytes)",
                        path.display(),
                        bytes.len()
                    ),
                    Err(err) => {
                        crate::report::say!("error: cannot write `{}`: {err}", path.display());
                        return ExitCode::from(super::EXIT_IO);
                    }
                }
                match format {
                    Format::Epub => epub_out = Some(bytes),
                    Format::Pdf => interior_pdf = Some(bytes),
                    Format::Cover => {}
                }
            }
            Err(message) => {
                crate::report::say!("error: {message}");
                failed = true;
            }
        }
    }
    if options.proof
        && let Some(pages) = &typeset
    {
        let built = proof_date(book_dir);
        let written = build.family().and_then(|family| {
            let proof = quire_typeset::proof_document(&pages.document, book, family, &built);
            quire_pdf::write_pdf(&proof, &pdf_options(None)).map_err(|e| e.to_string())
        });
        match written {
            Ok(bytes) => {
                let path = out_dir.join(format!("{slug}-proof.pdf"));
                if let Err(err) = crate::output::write_atomically(&path, &bytes) {
                    crate::report::say!("error: cannot write `{}`: {err}", path.display());
                    return ExitCode::from(super::EXIT_IO);
                }
                crate::report::say!("build: wrote {} ({} bytes)", path.display(), bytes.len());
            }
            Err(message) => {
                crate::report::say!("error: {message}");
                failed = true;
            }
        }
    }
    if let Some(target) = options.target {
        let produced = crate::preflight::Produced {
            interior: interior_pdf
                .as_ref()
                .and(typeset.as_ref())
                .map(|t| &t.document),
            interior_pdf: interior_pdf.as_deref(),
            cover: cover_out.as_ref().map(|(d, b)| (d, b.as_slice())),
            epub: epub_out.as_deref(),
            pdfx: pdf_options(options.target).pdfx.map(|x| x.name()),
        };
        let facts = crate::preflight::facts(book, &produced);
        if crate::preflight::report(target, &facts) > 0 {
            failed = true;
        }
    }
    timed("build");
    // Millions of glyphs: freed while the program ends (or, in `quire watch`, waits).
    quire_typeset::free_at_exit(typeset);
    if failed {
        return ExitCode::from(super::EXIT_BOOK_ERRORS);
    }
    ExitCode::SUCCESS
}

/// The date a proof names: `SOURCE_DATE_EPOCH` when set, else the time the book's newest
/// file was changed (never the clock, so the same sources give the same proof).
/// With `QUIRE_TIMING` set, prints when a phase of the build ended, counted from `start`
/// (the build's): where a build's time goes, without a profiler.
fn phase_done(start: std::time::Instant, phase: &str) {
    if std::env::var_os("QUIRE_TIMING").is_some() {
        crate::report::say!(
            "timing: {phase} done at {:.1} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
}

pub(crate) fn proof_date(book_dir: &Path) -> String {
    let seconds = source_date_epoch()
        .or_else(|| newest_input(book_dir))
        .unwrap_or(0);
    let (y, mo, d, h, mi, _) = quire_model::civil_from_unix(seconds);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
}

/// `SOURCE_DATE_EPOCH` when set and valid: the reproducible-builds convention.
pub(crate) fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH").ok()?.trim().parse().ok()
}

/// How the PDFs are written: PDF/X-1a:2001 for IngramSpark.
/// The `[book.stores]` key of the store an edition is built for; `default` without a target
/// and for IngramSpark, which sells through other stores.
fn store_key(target: Option<quire_preflight::Target>) -> &'static str {
    use quire_preflight::Target;
    match target {
        Some(Target::Kdp) => "amazon",
        Some(Target::Apple) => "apple",
        Some(Target::Kobo) => "kobo",
        Some(Target::Google) => "google",
        Some(Target::BarnesNoble) => "bn",
        Some(Target::IngramSpark) | None => "default",
    }
}

fn pdf_options(target: Option<quire_preflight::Target>) -> quire_pdf::PdfOptions {
    quire_pdf::PdfOptions {
        timestamp: source_date_epoch().map(quire_pdf::Timestamp::from_unix),
        pdfx: (target == Some(quire_preflight::Target::IngramSpark))
            .then_some(quire_pdf::PdfX::X1a2001),
    }
}

impl Build<'_> {
    fn family(&self) -> Result<&quire_typeset::FontFamily, String> {
        if let Some(family) = self.family.get() {
            return Ok(family);
        }
        let family = crate::fonts::family(self.dir, &self.book.settings.print.font)?;
        Ok(self.family.get_or_init(|| family))
    }

    /// Typesets the print interior and reports how it went: its warnings (forced breaks,
    /// missing glyphs, wrapped code, tables set smaller), and with `--report` every
    /// paragraph set loose.
    fn typeset(&self) -> Result<TypesetBook, String> {
        let started = std::time::Instant::now();
        let typeset = match self.layout {
            Some(session) => session.lock().unwrap_or_else(|e| e.into_inner()).typeset(
                self.book,
                self.family()?,
                Some(self.sources),
            ),
            None => quire_typeset::typeset_book_with_sources(
                self.book,
                self.family()?,
                Some(self.sources),
            ),
        };
        let r = &typeset.report;
        crate::report::say!(
            "build: typeset {} pages ({} paragraphs; {} needed hyphenation, {} emergency stretch; {} widows/orphans mended, {} pages left short; gutter {} in)",
            r.pages,
            r.paragraphs,
            r.second_pass,
            r.emergency,
            r.mended,
            r.short_pages,
            r.gutter_in
        );
        let errors: Vec<quire_model::Diagnostic> = typeset
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        if !errors.is_empty() {
            // A broken promise of the typesetter (text lost or repeated): nothing is written.
            crate::report::print_all(&errors, self.sources);
            return Err(format!(
                "the typesetter could not set {} place(s) of the book faithfully: nothing written",
                errors.len()
            ));
        }
        // Warnings (a wrapped code line, a table set smaller, a missing glyph) always; notes
        // on the typesetting (loose paragraphs) with `--report`.
        let (notes, warnings): (Vec<_>, Vec<_>) = typeset
            .diagnostics
            .iter()
            .cloned()
            .partition(|d| d.severity == quire_model::Severity::Note);
        crate::report::print_all(&warnings, self.sources);
        if self.report {
            crate::report::print_all(&notes, self.sources);
        } else if !notes.is_empty() {
            crate::report::say!(
                "build: {} typesetting note(s) (loose paragraphs): see `quire build --report`",
                notes.len()
            );
        }
        if std::env::var_os("QUIRE_TIMING").is_some() {
            crate::report::say!(
                "timing: typeset {:?} ({} layout passes)",
                started.elapsed(),
                typeset.report.iterations
            );
        }
        Ok(typeset)
    }

    /// The EPUB; with pages of a print edition (a print ISBN), page-break markers and a page
    /// list. Its warnings (no cover ...) come back with it, for the caller to print.
    fn epub(&self, typeset: Option<&TypesetBook>) -> Result<Epub, String> {
        let book = self.book;
        let fonts = if book.settings.epub.embed_fonts {
            crate::fonts::epub_fonts(self.dir, &book.settings.print.font)?
        } else {
            Vec::new()
        };
        let page_list = match (&book.metadata.isbn.print, typeset) {
            (Some(isbn), Some(typeset)) => Some(page_list(isbn, typeset)),
            _ => None,
        };
        let options = quire_epub::EpubOptions {
            // When this file was last changed: SOURCE_DATE_EPOCH, else the newest input
            // (a corrected book is newer; unchanged inputs give the same bytes). Never the
            // book's publication date, which may be 1813.
            modified: quire_epub::modified_timestamp(
                source_date_epoch().or_else(|| newest_input(self.dir)),
                book.metadata.date.as_deref(),
            ),
            fonts,
            page_list,
            kobo_spans: self.target == Some(quire_preflight::Target::Kobo),
        };
        // No cover image of its own: the print cover's designed front, rendered.
        // IngramSpark takes no picture of more than 3.2 million pixels inside an EPUB, Apple
        // none of more than 4 million; both at KDP's 1:1.6.
        let pixels = match self.target {
            Some(quire_preflight::Target::IngramSpark) => (1400, 2240),
            Some(quire_preflight::Target::Apple) => (1560, 2496),
            _ => crate::cover::COVER_PIXELS,
        };
        let designed =
            crate::cover::with_front_cover(book, self.family()?, pixels, self.cache.as_deref())?;
        let book = designed.as_ref().unwrap_or(book);
        let output = quire_epub::write_epub(book, &options).map_err(|e| e.to_string())?;
        Ok((output.bytes, output.diagnostics))
    }

    /// The interior as PDF bytes.
    fn pdf(&self, typeset: &TypesetBook) -> Result<Vec<u8>, String> {
        let started = std::time::Instant::now();
        let bytes = quire_pdf::write_pdf(&typeset.document, &pdf_options(self.target))
            .map_err(|e| e.to_string());
        if std::env::var_os("QUIRE_TIMING").is_some() {
            crate::report::say!("timing: pdf {:?}", started.elapsed());
        }
        bytes
    }

    /// The cover wrap and its PDF; the spine follows the interior's page count.
    fn cover(&self, pages: usize) -> Result<CoverMade, String> {
        make_cover(self.book, self.family()?, pages, self.target)
    }
}

/// A cover wrap, its PDF, and the lines to print about it (size, warnings).
type CoverMade = (quire_typeset::frame::Document, Vec<u8>, Vec<String>);

/// The cover wrap for an interior of `pages` pages, and its PDF.
fn make_cover(
    book: &Book,
    family: &quire_typeset::FontFamily,
    pages: usize,
    target: Option<quire_preflight::Target>,
) -> Result<CoverMade, String> {
    let size = quire_typeset::cover_size(book, pages);
    let mut lines = vec![format!(
        "build: cover wrap {:.3} x {:.3} in with a {:.3} in spine for {pages} pages ({} paper), plus 0.125 in bleed",
        size.width.0 / 72.0,
        size.height.0 / 72.0,
        size.spine.0 / 72.0,
        book.settings.print.paper
    )];
    let (document, warnings) = quire_typeset::typeset_cover_with_warnings(book, family, pages);
    lines.extend(warnings.into_iter().map(|w| format!("warning: {w}")));
    let bytes = quire_pdf::write_pdf(&document, &pdf_options(target)).map_err(|e| e.to_string())?;
    Ok((document, bytes, lines))
}

/// The print edition's page starts, for the EPUB.
fn page_list(isbn: &str, typeset: &TypesetBook) -> quire_epub::PageList {
    let digits: String = isbn.chars().filter(char::is_ascii_alphanumeric).collect();
    let pages = typeset
        .document
        .pages
        .iter()
        .zip(&typeset.page_anchors)
        .filter_map(|(page, anchor)| {
            let anchor = anchor.as_ref()?;
            Some(quire_epub::PageMark {
                label: page.number.text(),
                chapter: anchor.chapter,
                block_start: anchor.block_start,
                char_offset: anchor.char_offset,
            })
        })
        .collect();
    quire_epub::PageList {
        source: format!("urn:isbn:{digits}"),
        pages,
    }
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

/// The modification time (Unix seconds) of the newest file in the book folder, if any.
pub(crate) fn newest_input(book_dir: &Path) -> Option<i64> {
    let mut newest: Option<i64> = None;
    let mut stack = vec![book_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => {
                    if let Some(t) = m
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    {
                        let t = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
                        newest = Some(newest.map_or(t, |n| n.max(t)));
                    }
                }
                Err(_) => {}
            }
        }
    }
    newest
}
