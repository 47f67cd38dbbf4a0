//! Fonts loaded from bytes: metrics, character map, advances, and the raw bytes for the PDF
//! backend to subset.
//!
//! The library never reads files: the binary reads `fonts/*.otf` and hands the bytes over.
//! One parsed [`skrifa::Font`] per face serves both the metrics queries here and the shaper
//! (harfrust 0.15 and skrifa 0.49 share read-fonts 0.46, so `harfrust::Font` *is*
//! `skrifa::Font`).

use std::ops::Range;

use skrifa::raw::{FontRef, TableProvider};

use crate::frame::SharedBytes;
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
    /// The family's monospace face for code, upright (the text face when it has none).
    Mono,
    /// Monospace italic.
    MonoItalic,
    /// Monospace bold.
    MonoBold,
    /// Monospace bold italic.
    MonoBoldItalic,
}

impl FontVariant {
    /// Whether this is one of the monospace (code) variants.
    pub fn is_mono(self) -> bool {
        matches!(
            self,
            FontVariant::Mono
                | FontVariant::MonoItalic
                | FontVariant::MonoBold
                | FontVariant::MonoBoldItalic
        )
    }

    /// The monospace variant of the same weight and slope.
    pub fn mono(self) -> FontVariant {
        match self {
            FontVariant::Regular | FontVariant::Mono => FontVariant::Mono,
            FontVariant::Italic | FontVariant::MonoItalic => FontVariant::MonoItalic,
            FontVariant::Bold | FontVariant::MonoBold => FontVariant::MonoBold,
            FontVariant::BoldItalic | FontVariant::MonoBoldItalic => FontVariant::MonoBoldItalic,
        }
    }

    /// The text variant of the same weight and slope.
    pub fn text(self) -> FontVariant {
        match self {
            FontVariant::Regular | FontVariant::Mono => FontVariant::Regular,
            FontVariant::Italic | FontVariant::MonoItalic => FontVariant::Italic,
            FontVariant::Bold | FontVariant::MonoBold => FontVariant::Bold,
            FontVariant::BoldItalic | FontVariant::MonoBoldItalic => FontVariant::BoldItalic,
        }
    }

    /// Whether the variant slopes.
    pub fn is_italic(self) -> bool {
        matches!(
            self,
            FontVariant::Italic
                | FontVariant::BoldItalic
                | FontVariant::MonoItalic
                | FontVariant::MonoBoldItalic
        )
    }
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
    /// Proportional figures, `pnum` (asked for with `onum`: text figures in running text
    /// are proportional, where a face's default figures may be tabular).
    pub pnum: bool,
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
    data: SharedBytes,
    font: skrifa::Font,
    metrics: FaceMetrics,
    features: FaceFeatures,
    postscript_name: String,
    /// The nominal glyphs of the first [`QUICK_CHARS`] characters (Latin, with its
    /// accented letters), 0 for those the face lacks: looked up for every word checked and
    /// every space set, without going through the `cmap` table each time.
    quick: std::sync::Arc<[u16]>,
    /// The space's glyph and advance in font units, when the face has one.
    space: Option<(u16, f64)>,
}

/// How many characters, from U+0000, [`FontFace`] keeps the glyphs of at hand: Basic Latin,
/// Latin-1 and Latin Extended-A and B.
const QUICK_CHARS: u32 = 0x250;

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

/// What a font file says of itself: its family's name, and whether its default face is
/// italic (or oblique) and how heavy (400 regular, 700 bold), for picking a family's faces
/// from files whatever they are called (`DejaVuSans-Oblique.ttf` is DejaVu Sans's italic).
#[derive(Debug, Clone, PartialEq)]
pub struct FaceStyle {
    /// The typographic family name (`DejaVu Sans`), else the legacy one.
    pub family: String,
    /// Italic or oblique.
    pub italic: bool,
    /// The weight class (100 to 900).
    pub weight: f32,
    /// The width is narrower or wider than normal (a condensed cut).
    pub condensed_or_expanded: bool,
}

/// The style of the font in `data` (the first face of a collection); `None` when it is no
/// font.
pub fn face_style(data: &[u8]) -> Option<FaceStyle> {
    use skrifa::MetadataProvider;
    use skrifa::attribute::{Stretch, Style};
    use skrifa::string::StringId;
    let font = FontRef::from_index(data, 0).ok()?;
    let attributes = font.attributes();
    let name = |id: StringId| {
        font.localized_strings(id)
            .english_or_first()
            .map(|s| s.chars().collect::<String>())
            .filter(|s| !s.trim().is_empty())
    };
    let family = name(StringId::TYPOGRAPHIC_FAMILY_NAME)
        .or_else(|| name(StringId::FAMILY_NAME))
        .unwrap_or_default();
    Some(FaceStyle {
        family,
        italic: !matches!(attributes.style, Style::Normal),
        weight: attributes.weight.value(),
        condensed_or_expanded: attributes.stretch != Stretch::NORMAL,
    })
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
        FontFace::from_shared(SharedBytes::from(data), variant)
    }

    /// [`FontFace::from_bytes`] for a font built into the program: its bytes are read where
    /// they are, never copied.
    pub fn from_static(data: &'static [u8], variant: FontVariant) -> Result<FontFace, FontError> {
        FontFace::from_shared(SharedBytes::from_static(data), variant)
    }

    /// [`FontFace::from_bytes`] for bytes already shared.
    pub fn from_shared(data: SharedBytes, variant: FontVariant) -> Result<FontFace, FontError> {
        let (features, postscript_name) = {
            let font_ref = FontRef::new(&data).map_err(|_| FontError::Unreadable { variant })?;
            let features = FaceFeatures {
                onum: has_feature(&font_ref, Tag::new(b"onum")),
                pnum: has_feature(&font_ref, Tag::new(b"pnum")),
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
        let font = skrifa::Font::new(data.handle(), 0).ok_or(FontError::Unreadable { variant })?;
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
        let charmap = font.charmap();
        let quick: std::sync::Arc<[u16]> = (0..QUICK_CHARS)
            .map(|c| {
                char::from_u32(c)
                    .and_then(|c| charmap.map_unicode(c))
                    .and_then(|g| u16::try_from(g.to_u32()).ok())
                    .unwrap_or(0)
            })
            .collect();
        let space = quick
            .get(usize::from(b' '))
            .copied()
            .filter(|g| *g != 0)
            .map(|g| {
                let advance = font.glyph_metrics().h_advance(GlyphId::new(u32::from(g)));
                (g, f64::from(advance))
            });
        Ok(FontFace {
            data,
            font,
            metrics,
            features,
            postscript_name,
            quick,
            space,
        })
    }

    /// The font file's bytes, unchanged, for the PDF backend to subset and embed.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The font file's bytes, shared (for a document that embeds the face).
    pub fn shared_bytes(&self) -> SharedBytes {
        self.data.clone()
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
        if let Some(&glyph) = self.quick.get(c as usize) {
            return (glyph != 0).then_some(glyph);
        }
        self.glyph_id_in_cmap(c)
    }

    /// [`FontFace::glyph_id`] read from the `cmap` table.
    fn glyph_id_in_cmap(&self, c: char) -> Option<u16> {
        self.font
            .charmap()
            .map_unicode(c)
            .and_then(|g| u16::try_from(g.to_u32()).ok())
            .filter(|g| *g != 0)
    }

    /// The space's glyph and its advance in font units, or `None` for a face without one.
    pub fn space(&self) -> Option<(u16, f64)> {
        self.space
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
///
/// A character the face of a variant lacks falls back per character (see
/// [`FontFamily::face_for_cluster`]): to the regular face (an incomplete bold or italic
/// cut), then to the fallback faces in order (a CJK font for the Chinese of a translation).
///
/// The faces are numbered, for glyph runs to say which face their glyph ids belong to:
/// 0 regular, 1 italic, 2 bold, 3 bold italic (each index is there even when the family
/// lacks the face: it stands for the face the variant resolves to), then the fallback faces
/// from [`FontFamily::FIRST_FALLBACK`] on, in the order they were added.
#[derive(Debug, Clone)]
pub struct FontFamily {
    regular: FontFace,
    italic: Option<FontFace>,
    bold: Option<FontFace>,
    bold_italic: Option<FontFace>,
    /// The monospace faces for code: regular, italic, bold, bold italic.
    mono: [Option<FontFace>; 4],
    fallbacks: Vec<FontFace>,
    /// For the regular and the italic face: the fallback face (its index) that sets a
    /// cluster of an accented letter and a further mark (Yoruba `ọ̀`), where the variant's
    /// own face places no mark on such a letter (see [`FontFamily::with_stacked_marks`]).
    stacked: [Option<usize>; 2],
}

/// Characters that never choose a face of their own: they take the face of the character
/// they follow. Combining marks (UAX #14 class CM, which also holds the variation selectors)
/// and the zero-width joiner.
fn follows_base(c: char) -> bool {
    use unicode_linebreak::{BreakClass, break_property};
    !c.is_ascii()
        && matches!(
            break_property(u32::from(c)),
            BreakClass::CombiningMark | BreakClass::ZeroWidthJoiner
        )
}

/// The combining diacritical marks of Latin, Greek and Cyrillic text (U+0300 to U+036F and
/// their supplements): the marks [`FontFamily::with_stacked_marks`] is about.
fn is_diacritic(c: char) -> bool {
    matches!(
        u32::from(c),
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
    )
}

/// Whitespace and the default-ignorable characters (soft hyphen, joiners, variation
/// selectors, bidi controls...): the shaper hides them or the paragraph sets them as
/// space, so a face lacking them is no reason to change faces.
pub(crate) fn never_falls_back(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{AD}'
                | '\u{34F}'
                | '\u{61C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

impl FontFamily {
    /// A family of one face; add others with the `with_*` methods.
    pub fn new(regular: FontFace) -> FontFamily {
        FontFamily {
            regular,
            italic: None,
            bold: None,
            bold_italic: None,
            mono: [None, None, None, None],
            fallbacks: Vec::new(),
            stacked: [None, None],
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
            mono: [None, None, None, None],
            fallbacks: Vec::new(),
            stacked: [None, None],
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

    /// Sets the monospace faces for code (any but the regular may be missing).
    pub fn with_mono(
        mut self,
        regular: FontFace,
        italic: Option<FontFace>,
        bold: Option<FontFace>,
        bold_italic: Option<FontFace>,
    ) -> FontFamily {
        self.mono = [Some(regular), italic, bold, bold_italic];
        self
    }

    /// Whether the family has monospace faces.
    pub fn has_mono(&self) -> bool {
        self.mono[0].is_some()
    }

    /// The variant whose face is actually used for `wanted`, after fallback: a missing
    /// slope or weight takes the nearest face of the same kind; code without monospace
    /// faces is set in the text faces.
    pub fn resolve(&self, wanted: FontVariant) -> FontVariant {
        if wanted.is_mono() {
            if !self.has_mono() {
                return self.resolve(wanted.text());
            }
            let [_, italic, bold, bold_italic] = &self.mono;
            return match wanted {
                FontVariant::MonoItalic if italic.is_some() => FontVariant::MonoItalic,
                FontVariant::MonoBold if bold.is_some() => FontVariant::MonoBold,
                FontVariant::MonoBoldItalic if bold_italic.is_some() => FontVariant::MonoBoldItalic,
                FontVariant::MonoBoldItalic if bold.is_some() => FontVariant::MonoBold,
                FontVariant::MonoBoldItalic if italic.is_some() => FontVariant::MonoItalic,
                _ => FontVariant::Mono,
            };
        }
        match wanted {
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
            FontVariant::Mono => self.mono[0].as_ref(),
            FontVariant::MonoItalic => self.mono[1].as_ref(),
            FontVariant::MonoBold => self.mono[2].as_ref(),
            FontVariant::MonoBoldItalic => self.mono[3].as_ref(),
        };
        face.unwrap_or(&self.regular)
    }

    /// The index of the first fallback face (see [`FontFamily::face_by_index`]).
    pub const FIRST_FALLBACK: usize = 8;

    /// Adds a fallback face, tried (after the faces of the family) for characters the
    /// family lacks; fallback faces are tried in the order they were added.
    pub fn with_fallback(mut self, face: FontFace) -> FontFamily {
        self.fallbacks.push(face);
        self
    }

    /// Adds `face` to set, in text of `variant` (regular or italic), the clusters of an
    /// accented letter and a further combining mark (Yoruba `ọ̀`, Navajo `ą́`, Lithuanian
    /// `ė̃`): EB Garamond 12 has no mark anchors on its accented letters, so the shaper,
    /// which composes `o` and a dot below into `ọ`, left the grave beside it; the newer EB
    /// Garamond has them. The face serves only those clusters, never as a fallback for
    /// other characters. Other variants are left as they are.
    pub fn with_stacked_marks(mut self, variant: FontVariant, face: FontFace) -> FontFamily {
        let slot = match variant {
            FontVariant::Regular => 0,
            FontVariant::Italic => 1,
            _ => return self,
        };
        self.fallbacks.push(face);
        self.stacked[slot] = Some(FontFamily::FIRST_FALLBACK + self.fallbacks.len() - 1);
        self
    }

    /// The face for a cluster of an accented letter and a further mark in text of
    /// `wanted`, if the family has one for that variant (see
    /// [`FontFamily::with_stacked_marks`]) and it has every character of the cluster.
    fn stacked_face(&self, cluster: &str, wanted: FontVariant) -> Option<usize> {
        let slot = match wanted {
            FontVariant::Regular => 0,
            FontVariant::Italic => 1,
            _ => return None,
        };
        let index = self.stacked[slot]?;
        let mut chars = cluster.chars();
        let base = chars.next()?;
        let marks = chars.filter(|&c| is_diacritic(c)).count();
        // An accented letter and a mark, or a letter and two marks (written decomposed:
        // the shaper composes the letter and the first).
        let marked = base.is_alphabetic() && (marks >= 2 || (marks == 1 && !base.is_ascii()));
        let face = self.face_by_index(index)?;
        (marked
            && cluster
                .chars()
                .all(|c| never_falls_back(c) || face.glyph_id(c).is_some()))
        .then_some(index)
    }

    /// Whether `text` of `wanted` has a cluster [`FontFamily::stacked_face`] sets.
    fn has_stacked(&self, text: &str, wanted: FontVariant) -> bool {
        let slot = match wanted {
            FontVariant::Regular => 0,
            FontVariant::Italic => 1,
            _ => return false,
        };
        let mut previous = [' ', ' '];
        self.stacked[slot].is_some()
            && !text.is_ascii()
            && text.chars().any(|c| {
                let [before, last] = previous;
                previous = [last, c];
                is_diacritic(c)
                    && ((!last.is_ascii() && last.is_alphabetic())
                        || (is_diacritic(last) && before.is_alphabetic()))
            })
    }

    /// The fallback faces, in order.
    pub fn fallbacks(&self) -> &[FontFace] {
        &self.fallbacks
    }

    /// How many face indices there are: 8 (the variants) plus the fallback faces.
    pub fn face_count(&self) -> usize {
        FontFamily::FIRST_FALLBACK + self.fallbacks.len()
    }

    /// The variant of each face index below [`FontFamily::FIRST_FALLBACK`].
    const VARIANTS: [FontVariant; 8] = [
        FontVariant::Regular,
        FontVariant::Italic,
        FontVariant::Bold,
        FontVariant::BoldItalic,
        FontVariant::Mono,
        FontVariant::MonoItalic,
        FontVariant::MonoBold,
        FontVariant::MonoBoldItalic,
    ];

    /// The face with index `index`: 0 regular, 1 italic, 2 bold, 3 bold italic, 4 to 7 the
    /// same in monospace (as the family resolves them, see [`FontFamily::face`]), 8 and on
    /// the fallback faces.
    pub fn face_by_index(&self, index: usize) -> Option<&FontFace> {
        match FontFamily::VARIANTS.get(index) {
            Some(variant) => Some(self.face(*variant)),
            None => self.fallbacks.get(index - FontFamily::FIRST_FALLBACK),
        }
    }

    /// True when both families are made of the same font files, face for face (compared
    /// byte for byte): a layout made with one is the layout the other makes.
    pub fn same_faces(&self, other: &FontFamily) -> bool {
        let faces = |f: &FontFamily| -> Vec<Option<SharedBytes>> {
            [&f.italic, &f.bold, &f.bold_italic]
                .into_iter()
                .chain(&f.mono)
                .map(|face| face.as_ref().map(|face| face.data.clone()))
                .chain(std::iter::once(Some(f.regular.data.clone())))
                .chain(f.fallbacks.iter().map(|face| Some(face.data.clone())))
                .collect()
        };
        faces(self) == faces(other)
    }

    /// The index (0 to 7) of the face `wanted` resolves to (see [`FontFamily::resolve`]).
    pub fn face_index(&self, wanted: FontVariant) -> usize {
        let resolved = self.resolve(wanted);
        FontFamily::VARIANTS
            .iter()
            .position(|v| *v == resolved)
            .unwrap_or(0)
    }

    /// Whether the face of `wanted` has every character of `text` that matters (see
    /// [`FontFamily::face_runs`]): then the text is set in that face alone.
    pub fn covers(&self, text: &str, wanted: FontVariant) -> bool {
        let face = self.face(wanted);
        text.chars()
            .all(|c| never_falls_back(c) || face.glyph_id(c).is_some())
    }

    /// The face index for a cluster (a character and the marks and joiners that follow it)
    /// in text of variant `wanted`: the variant's face if it has the cluster, else the
    /// regular face, else the first fallback face that has it, else (for text) the monospace
    /// face. A face that has the base
    /// character but not all its marks is taken when no face has them all; when no face
    /// has the base either, the variant's face (which sets `.notdef`: a missing glyph).
    pub fn face_for_cluster(&self, cluster: &str, wanted: FontVariant) -> usize {
        let primary = self.face_index(wanted);
        let has_all = |face: &FontFace| {
            cluster
                .chars()
                .all(|c| never_falls_back(c) || face.glyph_id(c).is_some())
        };
        // After the variant's own face, the regular face of its kind (text or code).
        let home = self.face_index(if wanted.is_mono() {
            FontVariant::Mono
        } else {
            FontVariant::Regular
        });
        // Last of all, for text, the monospace face: a symbol no other face has (a ballot
        // box ☐, a check mark) is better in the code's face than an empty box.
        let mono = self.face_index(FontVariant::Mono);
        let code_face = (!wanted.is_mono() && self.has_mono() && mono != home)
            .then(|| (mono, self.face(FontVariant::Mono)));
        let candidates = || {
            let regular = (primary != home).then(|| (home, self.face(FontFamily::VARIANTS[home])));
            std::iter::once((primary, self.face(wanted)))
                .chain(regular)
                .chain(
                    self.fallbacks
                        .iter()
                        .enumerate()
                        .map(|(i, f)| (FontFamily::FIRST_FALLBACK + i, f))
                        .filter(|(i, _)| !self.stacked.contains(&Some(*i))),
                )
                .chain(code_face)
        };
        if let Some((index, _)) = candidates().find(|(_, f)| has_all(f)) {
            return index;
        }
        let base = cluster.chars().next().unwrap_or(' ');
        candidates()
            .find(|(_, f)| never_falls_back(base) || f.glyph_id(base).is_some())
            .map_or(primary, |(index, _)| index)
    }

    /// Splits `text` of variant `wanted` into runs of one face: byte ranges and face
    /// indices, in order, covering the text. One run in the variant's face when it has
    /// every character (checked first, the common case). Whitespace and default-ignorable
    /// characters never change the face; combining marks and the zero-width joiner stay
    /// with the face of the character before them.
    pub fn face_runs(&self, text: &str, wanted: FontVariant) -> Vec<(Range<usize>, usize)> {
        let primary = self.face_index(wanted);
        if text.is_empty() || (self.covers(text, wanted) && !self.has_stacked(text, wanted)) {
            return vec![(0..text.len(), primary)];
        }
        let mut runs: Vec<(Range<usize>, usize)> = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            // The cluster: the character, its marks, and what a joiner joins to it.
            let mut end = start + c.len_utf8();
            let mut joined = c == '\u{200D}';
            while let Some(&(i, next)) = chars.peek() {
                if follows_base(next) || joined {
                    joined = next == '\u{200D}';
                    end = i + next.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let cluster = &text[start..end];
            let face = if cluster.chars().all(never_falls_back) {
                runs.last().map_or(primary, |r| r.1)
            } else if let Some(stacked) = self.stacked_face(cluster, wanted) {
                stacked
            } else {
                self.face_for_cluster(cluster, wanted)
            };
            match runs.last_mut() {
                Some(last) if last.1 == face => last.0.end = end,
                _ => runs.push((start..end, face)),
            }
        }
        runs
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
        Some(read("EBGaramond-Bold.ttf")),
        None,
    )
    .expect("EB Garamond loads")
}

/// [`test_family`] with Droid Sans Fallback (from `fonts/`) as its fallback face (index 4),
/// for the CJK of translations.
#[cfg(test)]
pub(crate) fn test_family_with_fallback() -> FontFamily {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fonts/DroidSansFallbackFull.ttf"
    );
    let droid = std::fs::read(path).expect("font file");
    test_family()
        .with_fallback(FontFace::from_bytes(droid, FontVariant::Regular).expect("Droid loads"))
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
    fn the_glyphs_kept_at_hand_are_the_cmap_s() {
        let family = test_family_with_fallback();
        let mut checked = 0;
        for face in FontFamily::VARIANTS.map(|v| family.face(v)) {
            for c in (0..QUICK_CHARS + 64).filter_map(char::from_u32) {
                assert_eq!(face.glyph_id(c), face.glyph_id_in_cmap(c), "{c:?}");
                checked += usize::from(face.glyph_id(c).is_some());
            }
            let (space, advance) = face.space().expect("a space");
            assert_eq!(Some(space), face.glyph_id_in_cmap(' '));
            assert_eq!(advance, face.advance(space));
        }
        assert!(checked > 1000, "{checked}");
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
    fn faces_are_numbered_variants_then_fallbacks() {
        let family = test_family_with_fallback();
        let first = FontFamily::FIRST_FALLBACK;
        assert_eq!(family.face_count(), first + 1);
        let name = |i: usize| {
            family
                .face_by_index(i)
                .map(|f| f.postscript_name().to_owned())
        };
        let bold = family.face(FontVariant::Bold).postscript_name().to_owned();
        assert_eq!(name(2), Some(bold.clone()));
        // No bold italic: index 3 stands for the face bold italic resolves to.
        assert_eq!(name(3), Some(bold.clone()));
        assert_eq!(family.face_index(FontVariant::BoldItalic), 2);
        assert_eq!(family.face_index(FontVariant::Italic), 1);
        // No monospace faces: code is set in the text faces.
        assert_eq!(family.face_index(FontVariant::MonoBold), 2);
        assert_eq!(name(6), Some(bold));
        assert!(
            name(first).is_some_and(|n| n.contains("Droid")),
            "{:?}",
            name(first)
        );
        assert_eq!(name(first + 1), None);
        // Droid Sans Fallback has 256 units per em (EB Garamond 1000): advances are scaled
        // per face.
        assert_eq!(
            family
                .face_by_index(first)
                .map(|f| f.metrics().units_per_em),
            Some(256)
        );
        assert_eq!(test_family().face_count(), first);
    }

    #[test]
    fn face_runs_split_only_where_a_face_lacks_a_character() {
        let family = test_family_with_fallback();
        let bold = FontVariant::Bold;
        // Covered text is one run, whatever its spaces and soft hyphens.
        assert_eq!(family.face_runs("in\u{AD}deed so", bold), [(0..11, 2)]);
        assert_eq!(family.face_runs("", bold), [(0..0, 2)]);
        // Characters the bold lacks (heavy ornament quotes) come from the regular face;
        // CJK from the fallback. Curly quotes and dashes are the bold's own.
        assert_eq!(family.face_runs("\u{201C}Ab\u{2014}", bold), [(0..8, 2)]);
        let text = "\u{275D}Ab\u{275E}孫子";
        assert_eq!(
            family.face_runs(text, bold),
            [
                (0..3, 0),
                (3..5, 2),
                (5..8, 0),
                (8..14, FontFamily::FIRST_FALLBACK)
            ]
        );
        assert_eq!(
            family.face_runs(text, FontVariant::Regular),
            [(0..8, 0), (8..14, FontFamily::FIRST_FALLBACK)]
        );
        // A combining mark stays with its base, a joiner with what it joins.
        assert_eq!(family.face_runs("e\u{301}x", bold), [(0..4, 2)]);
        assert_eq!(family.face_runs("e\u{20D3}x", bold), [(0..4, 0), (4..5, 2)]);
        assert_eq!(
            family.face_runs("孫\u{FE00}", bold),
            [(0..6, FontFamily::FIRST_FALLBACK)]
        );
        // A character no face has stays in the variant's face (a missing glyph).
        assert_eq!(family.face_runs("a\u{E000}", bold), [(0..4, 2)]);
        assert_eq!(
            test_family().face_runs("孫", FontVariant::Italic),
            [(0..3, 1)]
        );
    }

    #[test]
    fn a_symbol_only_the_code_face_has_is_taken_from_it() {
        let read = |name: &str| {
            let path = format!("{}/../../fonts/{name}", env!("CARGO_MANIFEST_DIR"));
            std::fs::read(path).expect("font file")
        };
        let mono = FontFace::from_bytes(read("QuireMono-Regular.otf"), FontVariant::Mono)
            .expect("Quire Mono loads");
        let family = test_family_with_fallback().with_mono(mono, None, None, None);
        let code = family.face_index(FontVariant::Mono);
        assert_eq!(code, 4);
        // A ballot box (a task list's) is in no text face nor the fallback: the code face
        // sets it, after every other face was tried (the space after it goes with it).
        assert_eq!(
            family.face_runs("a \u{2610} b", FontVariant::Regular),
            [(0..2, 0), (2..6, code), (6..7, 0)]
        );
        assert_eq!(
            family.face_runs("\u{2611}", FontVariant::Italic),
            [(0..3, code)]
        );
        // What a text face or the fallback has is still theirs.
        assert_eq!(
            family.face_runs("a 孫", FontVariant::Regular),
            [(0..2, 0), (2..5, FontFamily::FIRST_FALLBACK)]
        );
        // Without monospace faces it stays a missing glyph in the text face.
        assert_eq!(
            test_family_with_fallback().face_runs("\u{2610}", FontVariant::Regular),
            [(0..3, 0)]
        );
    }

    #[test]
    fn rejects_garbage() {
        assert!(FontFace::from_bytes(vec![1, 2, 3], FontVariant::Italic).is_err());
        assert!(FontFace::from_bytes(Vec::new(), FontVariant::Regular).is_err());
    }
}
