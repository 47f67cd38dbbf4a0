//! `quire proof`: the book as pictures, to check it at a glance without a PDF viewer: a PNG
//! of each spread (the first page alone, as a recto) and one contact sheet of every page in
//! reading order.

use std::path::Path;
use std::process::ExitCode;

use image::{Rgba, RgbaImage};

use crate::report;

/// Pixels per point of the spreads (100 dpi).
const SPREAD_SCALE: f32 = 100.0 / 72.0;
/// Thumbnails of the contact sheet, in pixels wide.
const THUMB_WIDTH: u32 = 120;
/// Spreads across the contact sheet.
const SHEET_COLUMNS: u32 = 6;

/// Typesets the book in `book_dir` and writes its pictures to `<out>/<slug>-proof/`.
pub(crate) fn run(book_dir: &Path, out_dir: &Path) -> ExitCode {
    let loaded = quire_markdown::load_book(book_dir);
    let (errors, _) = report::print_all(&loaded.diagnostics, &loaded.sources);
    let Some(book) = loaded.book.filter(|_| errors == 0) else {
        eprintln!("proof: {errors} error(s): nothing written");
        return ExitCode::from(super::EXIT_BOOK_ERRORS);
    };
    match pictures(&book, book_dir, out_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(super::EXIT_BOOK_ERRORS)
        }
    }
}

fn pictures(book: &quire_model::Book, book_dir: &Path, out_dir: &Path) -> Result<(), String> {
    let family = crate::fonts::family(book_dir, &book.settings.print.font)?;
    let typeset = quire_typeset::typeset_book(book, &family);
    let pdf = quire_pdf::write_pdf(&typeset.document, &quire_pdf::PdfOptions::default())
        .map_err(|e| e.to_string())?;
    let count = typeset.document.pages.len();
    let all: Vec<usize> = (0..count).collect();
    let pages = quire_raster::render_pages(&pdf, &all, SPREAD_SCALE).map_err(|e| e.to_string())?;
    let folder = out_dir.join(format!("{}-proof", book.slug()));
    std::fs::create_dir_all(&folder)
        .map_err(|e| format!("cannot create `{}`: {e}", folder.display()))?;
    // Spreads: page 1 alone on the right, then 2-3, 4-5 ...
    let mut spreads: Vec<(Option<usize>, Option<usize>)> = vec![(None, Some(0))];
    let mut i = 1;
    while i < count {
        spreads.push((Some(i), (i + 1 < count).then_some(i + 1)));
        i += 2;
    }
    let (pw, ph) = pages.first().map_or((1, 1), |p| (p.width(), p.height()));
    let gutter = 2;
    let mut thumbs: Vec<RgbaImage> = Vec::new();
    for (n, (left, right)) in spreads.iter().enumerate() {
        let mut spread = RgbaImage::from_pixel(pw * 2 + gutter, ph, Rgba([128, 128, 128, 255]));
        for (side, page) in [(0, left), (1, right)] {
            if let Some(p) = page.and_then(|p| pages.get(p)) {
                image::imageops::overlay(&mut spread, p, i64::from(side * (pw + gutter)), 0);
            }
        }
        let path = folder.join(format!("spread-{:03}.png", n + 1));
        spread
            .save(&path)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        let th = THUMB_WIDTH * spread.height() / spread.width().max(1);
        thumbs.push(image::imageops::resize(
            &spread,
            THUMB_WIDTH,
            th.max(1),
            image::imageops::FilterType::Triangle,
        ));
    }
    // The contact sheet: every spread, in reading order, rows of six.
    let th = thumbs.first().map_or(1, RgbaImage::height);
    let pad = 10;
    let rows = (thumbs.len() as u32).div_ceil(SHEET_COLUMNS);
    let mut sheet = RgbaImage::from_pixel(
        SHEET_COLUMNS * (THUMB_WIDTH + pad) + pad,
        rows * (th + pad) + pad,
        Rgba([64, 64, 64, 255]),
    );
    for (k, thumb) in thumbs.iter().enumerate() {
        let (col, row) = (k as u32 % SHEET_COLUMNS, k as u32 / SHEET_COLUMNS);
        let x = pad + col * (THUMB_WIDTH + pad);
        let y = pad + row * (th + pad);
        image::imageops::overlay(&mut sheet, thumb, i64::from(x), i64::from(y));
    }
    let path = folder.join("contact-sheet.png");
    sheet
        .save(&path)
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    eprintln!(
        "proof: wrote {} spreads and a contact sheet of {count} pages to {}",
        spreads.len(),
        folder.display()
    );
    Ok(())
}
