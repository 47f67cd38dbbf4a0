//! Images: raster pictures decoded, flattened onto white, converted to grayscale for a
//! black-and-white interior, and written as Flate-compressed image XObjects; SVG drawings
//! written as vector Form XObjects (`svg.rs`). Both are drawn in the unit square.

use std::io::Cursor;

use pdf_writer::{Filter, Finish, Pdf, Ref};
use quire_typeset::frame::Document;

use crate::{PdfError, Refs};

/// The resource name of image `index`.
pub(crate) fn name(index: usize) -> String {
    format!("Im{index}")
}

/// Writes every image of the document; returns their object references by index.
pub(crate) fn embed(
    pdf: &mut Pdf,
    refs: &mut Refs,
    doc: &Document,
    cmyk: bool,
) -> Result<Vec<Ref>, PdfError> {
    let mut out = Vec::with_capacity(doc.images.len());
    for (index, image) in doc.images.iter().enumerate() {
        let err = |reason: String| PdfError::Image { index, reason };
        if image.vector {
            let svg = quire_svg::Svg::parse(&image.data, &quire_svg::SvgFonts::none())
                .map_err(|e| err(e.to_string()))?;
            let mut next = || refs.next();
            // PDF/X-1a: drawings in grey (no RGB, no shadings in RGB) and opaque.
            out.push(crate::svg::form(
                svg.tree(),
                pdf,
                &mut next,
                !doc.color_images || cmyk,
                cmyk,
            ));
            continue;
        }
        let mut reader = image::ImageReader::new(Cursor::new(&image.data))
            .with_guessed_format()
            .map_err(|e| err(e.to_string()))?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(20_000);
        limits.max_image_height = Some(20_000);
        limits.max_alloc = Some(512 * 1024 * 1024);
        reader.limits(limits);
        let decoded = reader.decode().map_err(|e| err(e.to_string()))?;
        let rgba = decoded.to_rgba8();
        let (width, height) = rgba.dimensions();
        let channels = match (doc.color_images, cmyk) {
            (false, _) => 1,
            (true, false) => 3,
            (true, true) => 4,
        };
        let mut samples = Vec::with_capacity((width * height) as usize * channels);
        for pixel in rgba.pixels() {
            let [r, g, b, a] = pixel.0;
            let alpha = f32::from(a) / 255.0;
            // Flattened onto white paper.
            let flat = |v: f32| {
                ((v / 255.0 * alpha + (1.0 - alpha)) * 255.0)
                    .round()
                    .clamp(0.0, 255.0) as u8
            };
            if doc.color_images && cmyk {
                let unit = |v: u8| f32::from(flat(f32::from(v))) / 255.0;
                let inks = crate::cmyk(unit(r), unit(g), unit(b));
                samples.extend(inks.map(|v| (v * 255.0).round() as u8));
            } else if doc.color_images {
                samples.extend([flat(f32::from(r)), flat(f32::from(g)), flat(f32::from(b))]);
            } else {
                let luma = 0.2126 * f32::from(r) + 0.7152 * f32::from(g) + 0.0722 * f32::from(b);
                samples.push(flat(luma));
            }
        }
        let compressed = crate::deflate(&samples, 3);
        let id = refs.next();
        let mut xobject = pdf.image_xobject(id, &compressed);
        xobject.filter(Filter::FlateDecode);
        xobject.width(width as i32);
        xobject.height(height as i32);
        if doc.color_images && cmyk {
            xobject.color_space().device_cmyk();
        } else if doc.color_images {
            xobject.color_space().device_rgb();
        } else {
            xobject.color_space().device_gray();
        }
        xobject.bits_per_component(8);
        xobject.interpolate(true);
        xobject.finish();
        out.push(id);
    }
    Ok(out)
}
