//! `--target STORE`: the facts the store rules need, read from what the build produced
//! (the typeset pages, the PDF and EPUB bytes), and the findings printed.

use std::io::Read;

use quire_model::Book;
use quire_preflight::{EbookFacts, Facts, Margins, Paper, PrintFacts, Severity, Target};
use quire_typeset::frame::{Document, Item};

/// What one build produced, for the store checks.
#[derive(Default)]
pub(crate) struct Produced<'a> {
    /// The typeset interior.
    pub(crate) interior: Option<&'a Document>,
    /// The interior PDF.
    pub(crate) interior_pdf: Option<&'a [u8]>,
    /// The cover wrap and its PDF.
    pub(crate) cover: Option<(&'a Document, &'a [u8])>,
    /// The EPUB.
    pub(crate) epub: Option<&'a [u8]>,
    /// The PDF/X version the PDFs were written to.
    pub(crate) pdfx: Option<&'static str>,
}

const POINTS_PER_INCH: f64 = 72.0;

/// The facts of a build for the store rules.
pub(crate) fn facts(book: &Book, produced: &Produced<'_>) -> Facts {
    let mut isbns = Vec::new();
    if let Some(isbn) = &book.metadata.isbn.print {
        isbns.push(("print".to_string(), isbn.clone()));
    }
    if let Some(isbn) = &book.metadata.isbn.ebook {
        isbns.push(("ebook".to_string(), isbn.clone()));
    }
    Facts {
        print: produced
            .interior
            .map(|doc| print_facts(book, doc, produced)),
        ebook: produced.epub.map(ebook_facts),
        isbns,
    }
}

fn print_facts(book: &Book, doc: &Document, produced: &Produced<'_>) -> PrintFacts {
    let inches = |pt: f64| pt / POINTS_PER_INCH;
    let (width, height) = (doc.width.0, doc.height.0);
    // The smallest distance from each trimmed edge to anything printed; pictures that
    // reach past the trim are meant to bleed and are left out.
    let mut margins = [f64::INFINITY; 4];
    let mut margin_pages = [0usize; 4];
    let mut lowest_ppi: Option<(f64, String)> = None;
    let mut annotations = 0;
    for (index, page) in doc.pages.iter().enumerate() {
        for item in &page.items {
            if let Item::Link(_) = item {
                annotations += 1;
            }
            if let Item::Image(image) = item
                && let Some(data) = doc.images.get(image.image.0)
                && !data.vector
                && image.rect.width.0 > 0.0
            {
                let ppi = f64::from(data.width) / inches(image.rect.width.0);
                if lowest_ppi.as_ref().is_none_or(|(low, _)| ppi < *low) {
                    lowest_ppi = Some((ppi, format!("the picture on page {}", index + 1)));
                }
            }
            let Some((left, right, top, bottom)) = item.extent() else {
                continue;
            };
            let (left, right, top, bottom) = (left.0, right.0, top.0, bottom.0);
            if left < 0.0 || top < 0.0 || right > width || bottom > height {
                continue;
            }
            let (inside, outside) = if page.recto {
                (left, width - right)
            } else {
                (width - right, left)
            };
            for (k, value) in [inside, outside, top, height - bottom]
                .into_iter()
                .enumerate()
            {
                if value < margins[k] {
                    margins[k] = value;
                    margin_pages[k] = index + 1;
                }
            }
        }
    }
    let margin = |k: usize| {
        if margins[k].is_finite() {
            inches(margins[k])
        } else {
            0.0
        }
    };
    let cover_doc = produced.cover.map(|(d, _)| d);
    let spine_text = cover_doc.is_some_and(|d| {
        d.pages
            .iter()
            .flat_map(|p| &p.items)
            .any(|i| matches!(i, Item::Text(run) if run.rotated))
    });
    let cover_colour = cover_doc.is_some_and(|d| {
        d.pages.iter().flat_map(|p| &p.items).any(|i| {
            matches!(i, Item::Color(c) if !(c.0 == c.1 && c.1 == c.2))
                || matches!(i, Item::Image(_))
        })
    });
    let paper = match book.settings.print.paper.as_str() {
        "cream" => Paper::Cream,
        _ if book.settings.print.color => Paper::Color,
        _ => Paper::White,
    };
    PrintFacts {
        trim: (inches(width), inches(height)),
        pages: doc.pages.len(),
        paper: Some(paper),
        interior_bleed: inches(doc.bleed.0),
        cover_bleed: cover_doc.map_or(0.0, |d| inches(d.bleed.0)),
        margins: Margins {
            inside: margin(0),
            outside: margin(1),
            top: margin(2),
            bottom: margin(3),
        },
        margin_pages,
        // Quire's PDF writer embeds (and subsets) every font it draws with.
        fonts_embedded: true,
        lowest_image_ppi: lowest_ppi,
        annotations,
        spine_text,
        uses_rgb: produced.pdfx.is_none() && (doc.color_images || cover_colour),
        pdfx: produced.pdfx.map(str::to_string),
        interior_bytes: produced.interior_pdf.map_or(0, |b| b.len() as u64),
        cover_bytes: produced.cover.map_or(0, |(_, b)| b.len() as u64),
    }
}

/// Reads the EPUB back: its cover's pixels, its largest picture, and EPUBCheck's verdict.
fn ebook_facts(epub: &[u8]) -> EbookFacts {
    let mut facts = EbookFacts {
        bytes: epub.len() as u64,
        epubcheck: run_epubcheck(epub),
        ..EbookFacts::default()
    };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(epub)) else {
        return facts;
    };
    let mut opf = String::new();
    if let Ok(mut file) = zip.by_name("OEBPS/content.opf") {
        let _ = file.read_to_string(&mut opf);
    }
    // The manifest item with `properties="cover-image"`.
    let cover_href = opf
        .split("<item ")
        .find(|item| item.contains("properties=\"cover-image\""))
        .and_then(|item| item.split("href=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .map(|href| format!("OEBPS/{href}"));
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    for name in names {
        let lower = name.to_ascii_lowercase();
        if ![".jpg", ".jpeg", ".png", ".gif", ".webp"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            continue;
        }
        let mut bytes = Vec::new();
        if let Ok(mut file) = zip.by_name(&name) {
            let _ = file.read_to_end(&mut bytes);
        }
        let Ok(size) = image::ImageReader::new(std::io::Cursor::new(&bytes))
            .with_guessed_format()
            .map_err(|_| ())
            .and_then(|r| r.into_dimensions().map_err(|_| ()))
        else {
            continue;
        };
        if cover_href.as_deref() == Some(name.as_str()) {
            facts.cover_px = Some(size);
        }
        let pixels = u64::from(size.0) * u64::from(size.1);
        if facts
            .largest_image_px
            .as_ref()
            .is_none_or(|(p, _)| pixels > *p)
        {
            facts.largest_image_px = Some((pixels, name.clone()));
        }
    }
    facts
}

/// EPUBCheck's messages on `epub` (empty: clean), or `None` when it is not installed.
/// `QUIRE_EPUBCHECK` names the command (default `epubcheck`).
fn run_epubcheck(epub: &[u8]) -> Option<Vec<String>> {
    let command = std::env::var("QUIRE_EPUBCHECK").unwrap_or_else(|_| "epubcheck".into());
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("book.epub");
    std::fs::write(&path, epub).ok()?;
    let out = std::process::Command::new(&command)
        .arg(&path)
        .output()
        .ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut messages: Vec<String> = text
        .lines()
        .filter(|l| {
            ["ERROR", "WARNING", "FATAL"]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .map(str::to_string)
        .collect();
    if !out.status.success() && messages.is_empty() {
        messages.push(format!("EPUBCheck exited with {}", out.status));
    }
    Some(messages)
}

/// Prints the findings for `target`; the number of errors.
pub(crate) fn report(target: Target, facts: &Facts) -> usize {
    let findings = quire_preflight::check(target, facts);
    let checked = quire_preflight::RULES
        .iter()
        .filter(|r| r.targets.contains(&target))
        .count();
    let mut errors = 0;
    for f in &findings {
        let label = match f.severity {
            Severity::Error => {
                errors += 1;
                "error"
            }
            Severity::Warning => "warning",
        };
        crate::report::say!("{label}[{}]: {}", target.name(), f.message);
        crate::report::say!("  = fix: {}", f.fix);
        crate::report::say!("  = rule: {} ({})", f.rule.title, f.rule.source);
    }
    crate::report::say!(
        "preflight {}: {checked} rules of {}, {errors} error(s), {} warning(s)",
        target.name(),
        target.store(),
        findings.len() - errors
    );
    errors
}
