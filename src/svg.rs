//! SVG drawings get their text set in the book's fonts before any backend sees them: the
//! front end checked and measured each file without fonts; here each is parsed again with
//! the book's faces and replaced by its clean form (paths only, text as outlines), which
//! the EPUB embeds and the PDF draws.

use quire_model::{Book, ImageFormat};
use quire_typeset::FontFamily;

/// True when the book has an SVG image.
pub(crate) fn has_svg(book: &Book) -> bool {
    book.images.iter().any(|i| i.format == ImageFormat::Svg)
}

/// Replaces every SVG image by its clean form with text outlined in `family`'s faces (the
/// text faces first, so `serif`, `sans-serif` and unknown families get the book's type;
/// `monospace` gets the monospace face; fallbacks cover other scripts).
pub(crate) fn outline_text(book: &mut Book, family: &FontFamily) {
    let faces = (0..family.face_count())
        .filter_map(|i| family.face_by_index(i))
        .map(|face| face.bytes().to_vec());
    let fonts = quire_svg::SvgFonts::new(faces);
    for image in &mut book.images {
        if image.format != ImageFormat::Svg {
            continue;
        }
        // The front end parsed this file already; should it fail now, the backends
        // clean the original (its text left out) and report.
        if let Ok(svg) = quire_svg::Svg::parse(&image.data, &fonts) {
            image.data = svg.to_clean_svg().into_bytes();
        }
    }
}
