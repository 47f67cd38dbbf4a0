//! The EPUB's cover image when the book has none: the print cover's front, rendered.
//!
//! The front is drawn once (`quire_typeset::typeset_front`, the code that draws the wrap's
//! front), written as a one-page PDF and rendered by hayro (`quire_raster`) to the stores'
//! size, 1600 x 2560 pixels; where the trim is less tall than 1:1.6 the ground colour fills
//! the rest. So the two editions show one cover.

use quire_model::{Book, ImageAsset, ImageFormat, ImageId};

/// The stores' recommended cover size, in pixels.
pub(crate) const COVER_PIXELS: (u32, u32) = (1600, 2560);

/// The front of the designed cover as pixels, `width` pixels wide.
pub(crate) fn render_front(
    book: &Book,
    family: &quire_typeset::FontFamily,
    width: u32,
) -> Result<image::RgbaImage, String> {
    let document = quire_typeset::typeset_front(book, family);
    let pdf = quire_pdf::write_pdf(&document, &quire_pdf::PdfOptions::default())
        .map_err(|e| e.to_string())?;
    let scale = width as f32 / document.width.0 as f32;
    quire_raster::render_pages(&pdf, &[0], scale)
        .map_err(|e| e.to_string())?
        .pop()
        .ok_or_else(|| "the cover front did not render".to_string())
}

/// The front as the EPUB's cover: a JPEG of `(w, h)` pixels (the stores' size is
/// [`COVER_PIXELS`]).
pub(crate) fn front_cover_image(
    book: &Book,
    family: &quire_typeset::FontFamily,
    (w, h): (u32, u32),
) -> Result<ImageAsset, String> {
    let front = render_front(book, family, w)?;
    let front = if front.height() > h {
        // Taller than 1:1.6: fit the height instead.
        let width = (f64::from(front.width()) * f64::from(h) / f64::from(front.height())) as u32;
        image::imageops::resize(
            &front,
            width.max(1),
            h,
            image::imageops::FilterType::Lanczos3,
        )
    } else {
        front
    };
    // The ground colour around it: the colour of the front's corner.
    let ground = *front.get_pixel(1, 1);
    let mut canvas = image::RgbaImage::from_pixel(w, h, ground);
    let x = i64::from((w - front.width().min(w)) / 2);
    let y = i64::from((h - front.height().min(h)) / 2);
    image::imageops::overlay(&mut canvas, &front, x, y);
    let rgb = image::DynamicImage::ImageRgba8(canvas).to_rgb8();
    let mut data = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut data, 92)
        .encode_image(&rgb)
        .map_err(|e| e.to_string())?;
    Ok(ImageAsset {
        path: "cover.jpg".into(),
        data,
        format: ImageFormat::Jpeg,
        width: w,
        height: h,
    })
}

/// The book with the designed front as its cover image, when it has no cover of its own.
pub(crate) fn with_front_cover(
    book: &Book,
    family: &quire_typeset::FontFamily,
    pixels: (u32, u32),
) -> Result<Option<Book>, String> {
    if book.metadata.cover.is_some() {
        return Ok(None);
    }
    let asset = front_cover_image(book, family, pixels)?;
    let mut book = book.clone();
    book.metadata.cover = Some(ImageId(book.images.len()));
    book.images.push(asset);
    Ok(Some(book))
}
