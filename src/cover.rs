//! The EPUB's cover image when the book has none: the print cover's front, rendered.
//!
//! The front is drawn once (`quire_typeset::typeset_front`, the code that draws the wrap's
//! front), written as a one-page PDF and rendered by hayro (`quire_raster`) to the stores'
//! size, 1600 x 2560 pixels; where the trim is less tall than 1:1.6 the ground colour fills
//! the rest. So the two editions show one cover.

use std::path::Path;

use quire_model::{Book, ImageAsset, ImageFormat, ImageId};

/// The stores' recommended cover size, in pixels.
pub(crate) const COVER_PIXELS: (u32, u32) = (1600, 2560);

/// Bump when the rendering or the JPEG encoding changes: the name of the cached picture.
const RENDERING: u32 = 1;

/// The front of the designed cover as a one-page PDF, and its width in points.
fn front_pdf(book: &Book, family: &quire_typeset::FontFamily) -> Result<(Vec<u8>, f64), String> {
    let document = quire_typeset::typeset_front(book, family);
    let pdf = quire_pdf::write_pdf(&document, &quire_pdf::PdfOptions::default())
        .map_err(|e| e.to_string())?;
    Ok((pdf, document.width.0))
}

/// A one-page PDF rendered to pixels, `width` pixels wide.
fn render_pdf(pdf: &[u8], points: f64, width: u32) -> Result<image::RgbaImage, String> {
    let scale = width as f32 / points as f32;
    quire_raster::render_pages(pdf, &[0], scale)
        .map_err(|e| e.to_string())?
        .pop()
        .ok_or_else(|| "the cover front did not render".to_string())
}

/// The front as the EPUB's cover: a JPEG of `(w, h)` pixels (the stores' size is
/// [`COVER_PIXELS`]).
///
/// Rendering and encoding it takes a third of a small book's build, so with a `cache`
/// folder (the output folder's `.quire-cache`) the JPEG is kept beside the front's PDF it
/// was rendered from, and used again while that PDF is the same to the byte.
pub(crate) fn front_cover_image(
    book: &Book,
    family: &quire_typeset::FontFamily,
    (w, h): (u32, u32),
    cache: Option<&Path>,
) -> Result<ImageAsset, String> {
    let (pdf, points) = front_pdf(book, family)?;
    let asset = |data| ImageAsset {
        path: "cover.jpg".into(),
        data,
        format: ImageFormat::Jpeg,
        width: w,
        height: h,
    };
    let file = cache.map(|dir| dir.join(format!("cover-front-{RENDERING}-{w}x{h}")));
    if let Some(data) = file.as_deref().and_then(|f| cached_rendering(f, &pdf)) {
        return Ok(asset(data));
    }
    let data = encode_front(&pdf, points, (w, h))?;
    if let Some(file) = &file {
        keep_rendering(file, &pdf, &data);
    }
    Ok(asset(data))
}

/// The JPEG kept in `file` when it was rendered from `pdf`. The file holds the PDF's length
/// (8 bytes, little-endian), the PDF and the JPEG, written at once.
fn cached_rendering(file: &Path, pdf: &[u8]) -> Option<Vec<u8>> {
    let bytes = std::fs::read(file).ok()?;
    let (length, rest) = bytes.split_at_checked(8)?;
    let length = usize::try_from(u64::from_le_bytes(length.try_into().ok()?)).ok()?;
    let (kept, jpeg) = rest.split_at_checked(length)?;
    (kept == pdf && jpeg.starts_with(&[0xFF, 0xD8])).then(|| jpeg.to_vec())
}

/// Keeps a rendering for the next build (written to a temporary file and renamed; a cache
/// that cannot be written is no error).
fn keep_rendering(file: &Path, pdf: &[u8], jpeg: &[u8]) {
    let Some(dir) = file.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let mut bytes = Vec::with_capacity(8 + pdf.len() + jpeg.len());
    bytes.extend_from_slice(&(pdf.len() as u64).to_le_bytes());
    bytes.extend_from_slice(pdf);
    bytes.extend_from_slice(jpeg);
    if let Ok(mut temp) = tempfile::NamedTempFile::new_in(dir)
        && std::io::Write::write_all(&mut temp, &bytes).is_ok()
    {
        let _ = temp.persist(file);
    }
}

/// The front PDF rendered to a `(w, h)` JPEG on the front's ground colour.
fn encode_front(pdf: &[u8], points: f64, (w, h): (u32, u32)) -> Result<Vec<u8>, String> {
    let front = render_pdf(pdf, points, w)?;
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
    Ok(data)
}

/// The book with the designed front as its cover image, when it has no cover of its own.
pub(crate) fn with_front_cover(
    book: &Book,
    family: &quire_typeset::FontFamily,
    pixels: (u32, u32),
    cache: Option<&Path>,
) -> Result<Option<Book>, String> {
    if book.metadata.cover.is_some() {
        return Ok(None);
    }
    let asset = front_cover_image(book, family, pixels, cache)?;
    let mut book = book.clone();
    book.metadata.cover = Some(ImageId(book.images.len()));
    book.images.push(asset);
    Ok(Some(book))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_rendering_is_used_only_for_the_same_front() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache/cover-front");
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        keep_rendering(&file, b"%PDF front one", &jpeg);
        assert_eq!(
            cached_rendering(&file, b"%PDF front one"),
            Some(jpeg.to_vec())
        );
        // Another front (a changed title): rendered again.
        assert_eq!(cached_rendering(&file, b"%PDF front two"), None);
        assert_eq!(cached_rendering(&file, b"%PDF front on"), None);
        // A damaged file is no rendering.
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..5]).unwrap();
        assert_eq!(cached_rendering(&file, b"%PDF front one"), None);
        std::fs::write(&file, &bytes[..bytes.len() - jpeg.len()]).unwrap();
        assert_eq!(cached_rendering(&file, b"%PDF front one"), None);
    }

    #[test]
    fn the_cover_from_the_cache_is_the_cover_rendered() {
        let book = quire_markdown::load_book(
            &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("manuscript"),
        )
        .book
        .unwrap();
        let family = crate::fonts::family(
            &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("manuscript"),
            &book.settings.print.font,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let fresh = front_cover_image(&book, &family, (400, 640), None).unwrap();
        let first = front_cover_image(&book, &family, (400, 640), Some(dir.path())).unwrap();
        let kept = front_cover_image(&book, &family, (400, 640), Some(dir.path())).unwrap();
        assert_eq!(fresh.data, first.data);
        assert_eq!(fresh.data, kept.data);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Another title gives another front, rendered anew.
        let mut other = book.clone();
        other.metadata.title = "Another Title".into();
        let changed = front_cover_image(&other, &family, (400, 640), Some(dir.path())).unwrap();
        assert_ne!(changed.data, kept.data);
    }
}
