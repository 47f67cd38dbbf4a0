//! Fonts loaded from bytes: metrics, character map, advances, and the raw bytes for the PDF
//! backend to subset.
//!
//! The library never reads files: the binary reads `fonts/*.otf` and hands the bytes over.
//! One parsed [`skrifa::Font`] per face serves both the metrics queries here and the shaper
//! (harfrust 0.15 and skrifa 0.49 share read-fonts 0.46, so `harfrust::Font` *is*
//! `skrifa::Font`).

use std::sync::Arc;

use skrifa::raw::{FontRef, TableProvider};
use skrifa::{GlyphId, Tag};

/// Which face of a family a piece of text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum FontVariant {
    /// Upright, normal weight.
    #[default]
    Regular,
    /// Italic, normal weight.
    Italic,
    /// Upright, bold.
    Bold,
    /// Italic, bold.
    BoldItalic,
}

/// Why font bytes could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FontError {
    /// The bytes are not an OpenType/TrueType font this library can read.
    #[error("the {variant:?} face is not a readable OpenType font")]
    Unreadable {
        /// Which face of the family.
        variant: FontVariant,
    },
    /// The font has no Unicode character map, so text cannot be mapped to glyphs.
    #[error("the {variant:?} face has no Unicode character map")]
    NoUnicodeCmap {
        /// Which face of the family.
        variant: FontVariant,
    },
}

/// Metrics of a face as a whole, in font units (divide by [`FaceMetrics::units_per_em`] and
/// multiply by the size for points; see [`FontFace::scale`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceMetrics {
    /// Font units per em.
    pub units_per_em: u16,
    /// Typographic ascender (positive, above the baseline).
    pub ascender: f64,
    /// Typographic descender (negative, below the baseline).
    pub descender: f64,
    /// Height of lowercase x; estimated as half an em when the font does not say.
    pub x_height: f64,
    /// Height of capitals; estimated as 0.7 em when the font does not say.
    pub cap_height: f64,
}

/// The OpenType layout features of a face that the shaper may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaceFeatures {
    /// Old-style (hanging) figures, `onum`.
    pub onum: bool,
    /// Small capitals from lowercase, `smcp`.
    pub smcp: bool,
    /// Standard ligatures, `liga`.
    pub liga: bool,
    /// Pair kerning, `kern` (GPOS or legacy `kern`).
    pub kern: bool,
}

/// One face: its raw bytes, the parsed font, and the metrics the typesetter needs.
///
/// Cloning is cheap (the bytes and the parsed font are shared).
#[derive(Clone)]
pub struct FontFace {
    data: Arc<Vec<u8>>,
    font: skrifa::Font,
    metrics: FaceMetrics,
    features: FaceFeatures,
    postscript_name: String,
}

impl std::fmt::Debug for FontFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontFace")
            .field("postscript_name", &self.postscript_name)
            .field("bytes", &self.data.len())
            .field("metrics", &self.metrics)
            .field("features", &self.features)
            .finish()
    }
}

fn has_feature(font: &FontRef<'_>, tag: Tag) -> bool {
    let in_gsub = font
        .gsub()
        .ok()
        .and_then(|t| t.feature_list().ok())
        .is_some_and(|l| l.feature_records().iter().any(|r| r.feature_tag() == tag));
    let in_gpos = font
        .gpos()
        .ok()
        .and_then(|t| t.feature_list().ok())
        .is_some_and(|l| l.feature_records().iter().any(|r| r.feature_tag() == tag));
    in_gsub || in_gpos
}

impl FontFace {
    /// Parses a face from the bytes of an OpenType (CFF or TrueType outlines) font file.
    ///
    /// `variant` only labels errors.
    pub fn from_bytes(data: Vec<u8>, variant: FontVariant) -> Result<FontFace, FontError> {
        let data = Arc::new(data);
        let (features, postscript_name) = {
            let font_ref =
                FontRef::new(data.as_slice()).map_err(|_| FontError::Unreadable { variant })?;
            let features = FaceFeatures {
                onum: has_feature(&font_ref, Tag::new(b"onum")),
                smcp: has_feature(&font_ref, Tag::new(b"smcp")),
                liga: has_feature(&font_ref, Tag::new(b"liga")),
                kern: has_feature(&font_ref, Tag::new(b"kern")) || font_ref.kern().is_ok(),
            };
            let name = font_ref
                .name()
                .ok()
                .and_then(|name| {
                    name.name_record()
                        .iter()
                        .filter(|r| r.name_id() == skrifa::raw::types::NameId::POSTSCRIPT_NAME)
                        .find_map(|r| r.string(name.string_data()).ok())
                        .map(|s| s.chars().collect::<String>())
                })
                .unwrap_or_default();
            (features, name)
        };
        let blob: Arc<dyn AsRef<[u8]> + Send + Sync> = data.clone();
        let font = skrifa::Font::new(blob, 0).ok_or(FontError::Unreadable { variant })?;
        if !font.charmap().has_unicode() {
            return Err(FontError::NoUnicodeCmap { variant });
        }
        let m = font.metrics();
        let upem = m.units_per_em.max(1);
        let line = if m.use_typo_metrics {
            m.typo_line.or(m.hhea_line)
        } else {
            m.hhea_line.or(m.typo_line)
        };
        let (ascender, descender) = line
            .map(|l| {
                (
                    f64::from(l.ascender.to_f32()),
                    f64::from(l.descender.to_f32()),
                )
            })
            .unwrap_or((f64::from(upem) * 0.8, -f64::from(upem) * 0.2));
        let metrics = FaceMetrics {
            units_per_em: upem,
            ascender,
            descender,
            x_height: m
                .x_height
                .map(|v| f64::from(v.to_f32()))
                .filter(|v| *v > 0.0)
                .unwrap_or(f64::from(upem) * 0.5),
            cap_height: m
                .cap_height
                .map(|v| f64::from(v.to_f32()))
                .filter(|v| *v > 0.0)
                .unwrap_or(f64::from(upem) * 0.7),
        };
        Ok(FontFace {
            data,
            font,
            metrics,
            features,
            postscript_name,
        })
    }

    /// The font file's bytes, unchanged, for the PDF backend to subset and embed.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The PostScript name from the `name` table (empty if the font has none).
    pub fn postscript_name(&self) -> &str {
        &self.postscript_name
    }

    /// Metrics of the face in font units.
    pub fn metrics(&self) -> &FaceMetrics {
        &self.metrics
    }

    /// Which optional layout features the face has.
    pub fn features(&self) -> FaceFeatures {
        self.features
    }

    /// Points per font unit at `size` points.
    pub fn scale(&self, size: f64) -> f64 {
        size / f64::from(self.metrics.units_per_em)
    }

    /// The nominal glyph for a character, or `None` when the font does not map it (PDF
    /// would show glyph 0, `.notdef`).
    pub fn glyph_id(&self, c: char) -> Option<u16> {
        self.font
            .charmap()
            .map_unicode(c)
            .and_then(|g| u16::try_from(g.to_u32()).ok())
            .filter(|g| *g != 0)
    }

    /// The horizontal advance of a glyph in font units (0 for a glyph the font lacks).
    pub fn advance(&self, glyph: u16) -> f64 {
        f64::from(
            self.font
                .glyph_metrics()
                .h_advance(GlyphId::new(u32::from(glyph))),
        )
    }

    /// The parsed font, for the shaper.
    pub(crate) fn font(&self) -> &skrifa::Font {
        &self.font
    }
}

/// The faces of one family. A face the family lacks falls back: bold italic to bold, then to
/// italic; italic and bold to regular. EB Garamond 12 has no bold italic, so bold italic
/// text is set in bold.
#[derive(Debug, Clone)]
pub struct FontFamily {
    regular: FontFace,
    italic: Option<FontFace>,
    bold: Option<FontFace>,
    bold_italic: Option<FontFace>,
}

impl FontFamily {
    /// A family of one face; add others with the `with_*` methods.
    pub fn new(regular: FontFace) -> FontFamily {
        FontFamily {
            regular,
            italic: None,
            bold: None,
            bold_italic: None,
        }
    }

    /// Loads a family from font file bytes; any face but the regular may be missing.
    pub fn from_bytes(
        regular: Vec<u8>,
        italic: Option<Vec<u8>>,
        bold: Option<Vec<u8>>,
        bold_italic: Option<Vec<u8>>,
    ) -> Result<FontFamily, FontError> {
        let load = |bytes: Option<Vec<u8>>, v: FontVariant| {
            bytes.map(|b| FontFace::from_bytes(b, v)).transpose()
        };
        Ok(FontFamily {
            regular: FontFace::from_bytes(regular, FontVariant::Regular)?,
            italic: load(italic, FontVariant::Italic)?,
            bold: load(bold, FontVariant::Bold)?,
            bold_italic: load(bold_italic, FontVariant::BoldItalic)?,
        })
    }

    /// Sets the italic face.
    pub fn with_italic(mut self, face: FontFace) -> FontFamily {
        self.italic = Some(face);
        self
    }

    /// Sets the bold face.
    pub fn with_bold(mut self, face: FontFace) -> FontFamily {
        self.bold = Some(face);
        self
    }

    /// Sets the bold italic face.
    pub fn with_bold_italic(mut self, face: FontFace) -> FontFamily {
        self.bold_italic = Some(face);
        self
    }

    /// The variant whose face is actually used for `wanted`, after fallback.
    pub fn resolve(&self, wanted: FontVariant) -> FontVariant {
        match wanted {
            FontVariant::Regular => FontVariant::Regular,
            FontVariant::Italic if self.italic.is_some() => FontVariant::Italic,
            FontVariant::Bold if self.bold.is_some() => FontVariant::Bold,
            FontVariant::BoldItalic if self.bold_italic.is_some() => FontVariant::BoldItalic,
            FontVariant::BoldItalic if self.bold.is_some() => FontVariant::Bold,
            FontVariant::BoldItalic if self.italic.is_some() => FontVariant::Italic,
            _ => FontVariant::Regular,
        }
    }

    /// The face used for `wanted`, after fallback (see [`FontFamily::resolve`]).
    pub fn face(&self, wanted: FontVariant) -> &FontFace {
        let face = match self.resolve(wanted) {
            FontVariant::Regular => None,
            FontVariant::Italic => self.italic.as_ref(),
            FontVariant::Bold => self.bold.as_ref(),
            FontVariant::BoldItalic => self.bold_italic.as_ref(),
        };
        face.unwrap_or(&self.regular)
    }
}

/// The faces of the EB Garamond 12 family shipped in `fonts/`, for tests and benchmarks.
#[cfg(test)]
pub(crate) fn test_family() -> FontFamily {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fonts/");
    let read = |name: &str| std::fs::read(format!("{dir}{name}")).expect("font file");
    FontFamily::from_bytes(
        read("EBGaramond12-Regular.otf"),
        Some(read("EBGaramond12-Italic.otf")),
        Some(read("EBGaramond12-Bold.otf")),
        None,
    )
    .expect("EB Garamond loads")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_eb_garamond_with_metrics_and_features() {
        let family = test_family();
        let face = family.face(FontVariant::Regular);
        let m = face.metrics();
        assert_eq!(m.units_per_em, 1000);
        assert!(m.ascender > 500.0 && m.descender < 0.0, "{m:?}");
        assert!(m.x_height > 300.0 && m.x_height < 500.0, "{m:?}");
        assert!(m.cap_height > m.x_height, "{m:?}");
        let f = face.features();
        assert!(f.onum && f.smcp && f.liga && f.kern, "{f:?}");
        assert!(face.postscript_name().starts_with("EBGaramond"));
        assert!(face.bytes().starts_with(b"OTTO"));
        let a = face.glyph_id('a').expect("a is mapped");
        assert!(face.advance(a) > 300.0);
        assert_eq!(face.glyph_id('\u{E000}'), None);
    }

    #[test]
    fn bold_italic_falls_back_to_bold() {
        let family = test_family();
        assert_eq!(family.resolve(FontVariant::BoldItalic), FontVariant::Bold);
        assert_eq!(
            family.face(FontVariant::BoldItalic).postscript_name(),
            family.face(FontVariant::Bold).postscript_name()
        );
        let only_regular = FontFamily::new(family.face(FontVariant::Regular).clone());
        assert_eq!(
            only_regular.resolve(FontVariant::Italic),
            FontVariant::Regular
        );
        assert_eq!(
            only_regular.resolve(FontVariant::BoldItalic),
            FontVariant::Regular
        );
    }

    #[test]
    fn rejects_garbage() {
        assert!(FontFace::from_bytes(vec![1, 2, 3], FontVariant::Italic).is_err());
        assert!(FontFace::from_bytes(Vec::new(), FontVariant::Regular).is_err());
    }
}
