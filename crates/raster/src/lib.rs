//! Pictures of Quire's PDFs: a page rendered to pixels, for the EPUB's cover (drawn from
//! the print cover's front), proofs and contact sheets.
//!
//! The PDF is rendered by hayro, a pure-Rust rasterizer, so a picture shows exactly what
//! a printer receives. Quire's PDFs embed every font they use; a font the PDF does not
//! embed is not looked for on the system.

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings, render};
use image::RgbaImage;

/// Why a PDF could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    /// hayro could not read the PDF.
    #[error("the PDF could not be read for rendering")]
    Unreadable,
    /// The PDF has no such page.
    #[error("the PDF has no page {0}")]
    NoPage(usize),
}

/// Renders pages of `pdf` (0-based indices) at `scale` pixels per point, on white.
pub fn render_pages(
    pdf: &[u8],
    pages: &[usize],
    scale: f32,
) -> Result<Vec<RgbaImage>, RasterError> {
    let pdf = Pdf::new(pdf.to_vec()).map_err(|_| RasterError::Unreadable)?;
    let all = pdf.pages();
    let cache = RenderCache::new();
    let interpreter = InterpreterSettings::default();
    let settings = RenderSettings::default();
    let pixmap_settings = PixmapSettings {
        x_scale: scale,
        y_scale: scale,
        bg_color: WHITE,
    };
    let mut out = Vec::with_capacity(pages.len());
    for &index in pages {
        let page = all.get(index).ok_or(RasterError::NoPage(index))?;
        let pixmap = render(page, &cache, &interpreter, &settings, &pixmap_settings);
        let (w, h) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
        // On a white ground every pixel is opaque: premultiplied is plain RGBA.
        let bytes = pixmap.data_as_u8_slice().to_vec();
        out.push(RgbaImage::from_raw(w, h, bytes).ok_or(RasterError::Unreadable)?);
    }
    Ok(out)
}

/// The number of pages of `pdf`.
pub fn page_count(pdf: &[u8]) -> Result<usize, RasterError> {
    let pdf = Pdf::new(pdf.to_vec()).map_err(|_| RasterError::Unreadable)?;
    Ok(pdf.pages().len())
}
