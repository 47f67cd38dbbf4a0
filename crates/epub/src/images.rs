//! Images: the cover and the figures' images, copied in or re-encoded.
//!
//! PNG and JPEG within the size limit are copied byte for byte. The limit is what readers
//! use: at most 4 million pixels (about a 2048 x 2048 screen) and no side over 4096 px.
//! Larger images are scaled down to a longest side of 2048 px (Lanczos3) and re-encoded in
//! their own format; GIF and WebP become PNG (line art, alpha) or JPEG (photographs). The
//! cover becomes a JPEG no larger than 1600 x 2560 px, the size the stores recommend. Every
//! decode runs under [`image::Limits`], so a hostile file cannot exhaust memory.

use std::collections::HashSet;
use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageReader, Limits, RgbImage};
use quire_model::{ImageAsset, ImageFormat};

use crate::EpubError;

/// Longest side of a scaled-down image.
pub(crate) const MAX_SIDE: u32 = 2048;
/// Most pixels an image may have and still be copied as is.
const MAX_PIXELS: u64 = 4_000_000;
/// Longest side an image may have and still be copied as is (a tall, narrow picture).
const MAX_COPY_SIDE: u32 = 4096;
/// The stores' recommended cover size.
pub(crate) const COVER_WIDTH: u32 = 1600;
/// The stores' recommended cover size.
pub(crate) const COVER_HEIGHT: u32 = 2560;
/// Largest width or height we agree to decode.
const DECODE_MAX_SIDE: u32 = 20_000;
/// Most memory a decoder may allocate.
const DECODE_MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// JPEG quality for re-encoded images.
const JPEG_QUALITY: u8 = 88;

/// An image as it goes into the book.
#[derive(Debug, Clone)]
pub(crate) struct OutImage {
    /// The encoded bytes.
    pub(crate) data: Vec<u8>,
    /// PNG or JPEG (or GIF/WebP never: those are converted).
    pub(crate) format: ImageFormat,
    /// Pixel width.
    pub(crate) width: u32,
    /// Pixel height.
    pub(crate) height: u32,
}

fn image_format(format: ImageFormat) -> image::ImageFormat {
    match format {
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        ImageFormat::Gif => image::ImageFormat::Gif,
        ImageFormat::WebP => image::ImageFormat::WebP,
        // Never decoded as a raster (see `figure_image`).
        ImageFormat::Svg => image::ImageFormat::Png,
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(DECODE_MAX_SIDE);
    limits.max_image_height = Some(DECODE_MAX_SIDE);
    limits.max_alloc = Some(DECODE_MAX_ALLOC);
    limits
}

fn reader(asset: &ImageAsset) -> ImageReader<Cursor<&[u8]>> {
    let mut reader =
        ImageReader::with_format(Cursor::new(&asset.data[..]), image_format(asset.format));
    reader.limits(limits());
    reader
}

fn error(asset: &ImageAsset, err: impl std::fmt::Display) -> EpubError {
    EpubError::Image {
        path: asset.path.clone(),
        message: err.to_string(),
    }
}

fn decode(asset: &ImageAsset) -> Result<DynamicImage, EpubError> {
    reader(asset).decode().map_err(|e| error(asset, e))
}

/// The image's real size, read from its header (the model's numbers are not trusted).
fn dimensions(asset: &ImageAsset) -> Result<(u32, u32), EpubError> {
    reader(asset).into_dimensions().map_err(|e| error(asset, e))
}

/// Scales `img` down to fit in `max_w` x `max_h`, keeping its proportions.
fn fit(img: DynamicImage, max_w: u32, max_h: u32) -> DynamicImage {
    if img.width() <= max_w && img.height() <= max_h {
        img
    } else {
        img.resize(max_w, max_h, FilterType::Lanczos3)
    }
}

/// The image on a white background, as RGB.
fn flatten(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(src[3]);
        for c in 0..3 {
            let v = (u16::from(src[c]) * a + 255 * (255 - a) + 127) / 255;
            dst[c] = u8::try_from(v).unwrap_or(255);
        }
    }
    out
}

fn encode_jpeg(asset: &ImageAsset, img: &DynamicImage) -> Result<OutImage, EpubError> {
    let rgb = flatten(img);
    let mut data = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut data, JPEG_QUALITY);
    rgb.write_with_encoder(encoder)
        .map_err(|e| error(asset, e))?;
    Ok(OutImage {
        data,
        format: ImageFormat::Jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// Grey images (such as palette PNGs of grey line art, decoded to RGB) back to grey, which
/// keeps the re-encoded file small.
fn simplify(img: &DynamicImage) -> Option<DynamicImage> {
    match img {
        DynamicImage::ImageRgb8(rgb) if rgb.pixels().all(|p| p[0] == p[1] && p[1] == p[2]) => {
            Some(DynamicImage::ImageLuma8(img.to_luma8()))
        }
        DynamicImage::ImageRgba8(rgba) if rgba.pixels().all(|p| p[0] == p[1] && p[1] == p[2]) => {
            Some(DynamicImage::ImageLumaA8(img.to_luma_alpha8()))
        }
        _ => None,
    }
}

fn encode_png(asset: &ImageAsset, img: &DynamicImage) -> Result<OutImage, EpubError> {
    if let Some(grey) = simplify(img) {
        return encode_png(asset, &grey);
    }
    let mut data = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut data,
        image::codecs::png::CompressionType::Default,
        image::codecs::png::FilterType::Adaptive,
    );
    img.write_with_encoder(encoder)
        .map_err(|e| error(asset, e))?;
    Ok(OutImage {
        data,
        format: ImageFormat::Png,
        width: img.width(),
        height: img.height(),
    })
}

/// Few colours or transparency: line art, kept lossless.
fn looks_like_line_art(img: &DynamicImage) -> bool {
    if img.color().has_alpha() {
        return true;
    }
    let rgb = img.to_rgb8();
    let mut colours = HashSet::new();
    for p in rgb.pixels() {
        colours.insert(p.0);
        if colours.len() > 256 {
            return false;
        }
    }
    true
}

/// An image for a figure: copied when it is a PNG or JPEG readers can use as it is, else
/// scaled and re-encoded.
pub(crate) fn figure_image(asset: &ImageAsset) -> Result<OutImage, EpubError> {
    if asset.format == ImageFormat::Svg {
        return svg_image(asset);
    }
    let (width, height) = dimensions(asset)?;
    let small = u64::from(width) * u64::from(height) <= MAX_PIXELS
        && width <= MAX_COPY_SIDE
        && height <= MAX_COPY_SIDE;
    match asset.format {
        ImageFormat::Png | ImageFormat::Jpeg if small => Ok(OutImage {
            data: asset.data.clone(),
            format: asset.format,
            width,
            height,
        }),
        ImageFormat::Png => encode_png(asset, &fit(decode(asset)?, MAX_SIDE, MAX_SIDE)),
        ImageFormat::Jpeg => encode_jpeg(asset, &fit(decode(asset)?, MAX_SIDE, MAX_SIDE)),
        ImageFormat::Svg => svg_image(asset),
        ImageFormat::Gif | ImageFormat::WebP => {
            let img = fit(decode(asset)?, MAX_SIDE, MAX_SIDE);
            if looks_like_line_art(&img) {
                encode_png(asset, &img)
            } else {
                encode_jpeg(asset, &img)
            }
        }
    }
}

/// An SVG figure, written again from its parsed tree: nothing the manuscript's file held
/// beyond paths, paints and raster data survives (no script, handler, link or foreign
/// object). Text should already be outlines in the book's fonts (the build does this with
/// `quire_svg` before any backend runs); text still present here is dropped.
fn svg_image(asset: &ImageAsset) -> Result<OutImage, EpubError> {
    let svg = quire_svg::Svg::parse(&asset.data, &quire_svg::SvgFonts::none())
        .map_err(|e| error(asset, e))?;
    Ok(OutImage {
        data: svg.to_clean_svg().into_bytes(),
        format: ImageFormat::Svg,
        width: asset.width,
        height: asset.height,
    })
}

/// The cover: a JPEG no larger than 1600 x 2560 px, copied when it already is one.
pub(crate) fn cover_image(asset: &ImageAsset) -> Result<OutImage, EpubError> {
    if asset.format == ImageFormat::Svg {
        // The front end refuses an SVG cover (stores want a raster one); a library caller
        // that passes one gets it as SVG, which EPUB allows.
        return svg_image(asset);
    }
    let (width, height) = dimensions(asset)?;
    if asset.format == ImageFormat::Jpeg && width <= COVER_WIDTH && height <= COVER_HEIGHT {
        return Ok(OutImage {
            data: asset.data.clone(),
            format: ImageFormat::Jpeg,
            width,
            height,
        });
    }
    encode_jpeg(asset, &fit(decode(asset)?, COVER_WIDTH, COVER_HEIGHT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(img: &DynamicImage, format: ImageFormat) -> ImageAsset {
        let mut data = Vec::new();
        img.write_to(&mut Cursor::new(&mut data), image_format(format))
            .unwrap();
        ImageAsset {
            path: "images/x".into(),
            data,
            format,
            width: img.width(),
            height: img.height(),
        }
    }

    #[test]
    fn small_png_is_copied() {
        let img = DynamicImage::ImageRgb8(RgbImage::new(10, 20));
        let a = asset(&img, ImageFormat::Png);
        let out = figure_image(&a).unwrap();
        assert_eq!(out.data, a.data);
        assert_eq!((out.width, out.height), (10, 20));
    }

    #[test]
    fn large_png_is_scaled_and_stays_png() {
        let img = DynamicImage::ImageLuma8(image::GrayImage::new(4100, 30));
        let out = figure_image(&asset(&img, ImageFormat::Png)).unwrap();
        assert_eq!(out.format, ImageFormat::Png);
        assert_eq!(out.width, 2048);
        assert!(out.data.starts_with(b"\x89PNG"));
    }

    #[test]
    fn grey_rgb_is_written_as_grey() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(4100, 4, image::Rgb([7, 7, 7])));
        let out = figure_image(&asset(&img, ImageFormat::Png)).unwrap();
        let back = image::load_from_memory(&out.data).unwrap();
        assert_eq!(back.color(), image::ColorType::L8);
    }

    #[test]
    fn cover_becomes_jpeg_of_store_size() {
        let img = DynamicImage::ImageRgba8(image::RgbaImage::new(1700, 40));
        let out = cover_image(&asset(&img, ImageFormat::Png)).unwrap();
        assert_eq!(out.format, ImageFormat::Jpeg);
        assert_eq!(out.width, 1600);
        assert!(out.data.starts_with(&[0xff, 0xd8]));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let a = ImageAsset {
            path: "images/bad.png".into(),
            data: b"\x89PNG\r\n\x1a\nnot really".to_vec(),
            format: ImageFormat::Png,
            width: 1,
            height: 1,
        };
        assert!(figure_image(&a).is_err());
        assert!(cover_image(&a).is_err());
    }

    #[test]
    fn decompression_bomb_is_refused() {
        // A PNG header claiming 100000 x 100000 pixels.
        let img = DynamicImage::ImageLuma8(image::GrayImage::new(1, 1));
        let mut a = asset(&img, ImageFormat::Png);
        // patch IHDR width and height (bytes 16..24), then fix the CRC
        a.data[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        a.data[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&a.data[12..29]);
        a.data[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(figure_image(&a).is_err());
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
