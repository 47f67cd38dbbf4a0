//! Fonts: which glyphs are used, subsetting, and the Type 0 / CID font objects with ToUnicode.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use quire_typeset::frame::{Document, TextRun};
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::{FontRef, GlyphId, MetadataProvider, Tag};
use subsetter::GlyphRemapper;

use crate::{PdfError, Refs};

/// The resource name of font `index` in page resources.
pub(crate) fn name(index: usize) -> String {
    format!("F{index}")
}

/// Glyphs used per font, in order of first use, with the text each stands for.
pub(crate) struct FontUsage {
    fonts: Vec<Option<FontGlyphs>>,
}

struct FontGlyphs {
    remapper: GlyphRemapper,
    /// Per original glyph id, its CID (its id in the subset): what `remapper` gives, read
    /// by index for every glyph drawn.
    cids: Vec<u16>,
    /// Per original glyph id, where its text is in `texts` plus one; 0 for a glyph not yet
    /// met with text (a glyph is recorded once however often it is used). Drawing asks for
    /// every glyph's text: an index, not a search.
    text_slot: Vec<u32>,
    /// Original glyph id and the text it stands for (first seen wins), in order of meeting.
    texts: Vec<(u16, String)>,
}

impl FontUsage {
    pub(crate) fn new(count: usize) -> Self {
        FontUsage {
            fonts: (0..count).map(|_| None).collect(),
        }
    }

    /// Notes the glyphs of a run.
    pub(crate) fn record(&mut self, run: &TextRun) {
        let Some(slot) = self.fonts.get_mut(run.font.0) else {
            return;
        };
        let glyphs = slot.get_or_insert_with(|| {
            let mut remapper = GlyphRemapper::new();
            remapper.remap(0); // .notdef stays glyph 0
            FontGlyphs {
                remapper,
                cids: vec![0; usize::from(u16::MAX) + 1],
                text_slot: vec![0; usize::from(u16::MAX) + 1],
                texts: Vec::new(),
            }
        });
        for glyph in &run.glyphs {
            // A slot means: remapped and its text known; a glyph first met without text (a
            // further glyph of a cluster) is looked at again until one occurrence has text.
            if glyphs.text_slot[usize::from(glyph.id)] != 0 {
                continue;
            }
            let cid = glyphs.remapper.remap(glyph.id);
            if let Some(slot) = glyphs.cids.get_mut(usize::from(glyph.id)) {
                *slot = cid;
            }
            let text = run.glyph_text(glyph);
            if !text.is_empty() {
                glyphs.texts.push((glyph.id, text.to_string()));
                glyphs.text_slot[usize::from(glyph.id)] =
                    u32::try_from(glyphs.texts.len()).unwrap_or(u32::MAX);
            }
        }
    }

    /// The text the font's ToUnicode map gives a glyph (the first text it was seen with).
    pub(crate) fn text_of(&self, font: usize, glyph: u16) -> Option<&str> {
        self.fonts
            .get(font)
            .and_then(|f| f.as_ref())
            .and_then(|f| {
                let slot = *f.text_slot.get(usize::from(glyph))?;
                f.texts.get(usize::try_from(slot).ok()?.checked_sub(1)?)
            })
            .map(|(_, text)| text.as_str())
    }

    /// The CID (the glyph's id in the subset) of a glyph.
    pub(crate) fn cid(&self, font: usize, glyph: u16) -> u16 {
        self.fonts
            .get(font)
            .and_then(|f| f.as_ref())
            .and_then(|f| f.cids.get(usize::from(glyph)).copied())
            .unwrap_or(0)
    }
}

/// A font written to the PDF.
pub(crate) struct EmbeddedFont {
    pub(crate) type0: Ref,
    /// Per original glyph id, its advance in 1/1000 em as written in the W array (0 for
    /// glyphs not used).
    widths: Vec<f32>,
}

impl EmbeddedFont {
    /// The advance the PDF viewer will use for a glyph, in 1/1000 em.
    pub(crate) fn width_of(&self, glyph: u16) -> f32 {
        self.widths.get(usize::from(glyph)).copied().unwrap_or(0.0)
    }
}

/// Subsets and writes every used font; `None` for fonts no run uses.
pub(crate) fn embed(
    pdf: &mut Pdf,
    refs: &mut Refs,
    doc: &Document,
    usage: &FontUsage,
) -> Result<Vec<Option<EmbeddedFont>>, PdfError> {
    let mut out = Vec::with_capacity(doc.fonts.len());
    for (index, font) in doc.fonts.iter().enumerate() {
        let Some(Some(glyphs)) = usage.fonts.get(index) else {
            out.push(None);
            continue;
        };
        let err = |reason: String| PdfError::Font {
            name: font.postscript_name.clone(),
            reason,
        };
        let font_ref =
            FontRef::from_index(&font.data, font.index).map_err(|e| err(e.to_string()))?;
        let upem = f32::from(
            font_ref
                .head()
                .map_err(|e| err(e.to_string()))?
                .units_per_em()
                .max(1),
        );
        let metrics = font_ref.metrics(Size::unscaled(), LocationRef::default());
        let glyph_metrics = font_ref.glyph_metrics(Size::unscaled(), LocationRef::default());
        let to_1000 = |v: f32| v * 1000.0 / upem;

        let subset = subsetter::subset(&font.data, font.index, &glyphs.remapper)
            .map_err(|e| err(format!("{e:?}")))?;
        let subset_ref = FontRef::new(&subset).map_err(|e| err(e.to_string()))?;
        let cff = subset_ref
            .table_data(Tag::new(b"CFF "))
            .map(|d| d.as_bytes().to_vec());

        // Widths in subset (CID) order.
        let mut widths = vec![0.0; usize::from(u16::MAX) + 1];
        let mut by_cid: Vec<(u16, f32)> = Vec::new();
        for old in glyphs.remapper.remapped_gids() {
            let advance = glyph_metrics
                .advance_width(GlyphId::new(u32::from(old)))
                .unwrap_or(0.0);
            let w = to_1000(advance);
            widths[usize::from(old)] = w;
            if let Some(cid) = glyphs.remapper.get(old) {
                by_cid.push((cid, w));
            }
        }
        by_cid.sort_by_key(|(cid, _)| *cid);

        let type0 = refs.next();
        let cid_ref = refs.next();
        let descriptor_ref = refs.next();
        let cmap_ref = refs.next();
        let file_ref = refs.next();
        let base_name = format!(
            "{}+{}",
            subset_tag(&glyphs.remapper),
            sanitize(&font.postscript_name, index)
        );
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(type0)
            .base_font(Name(base_name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);

        let mut cid = pdf.cid_font(cid_ref);
        cid.subtype(if cff.is_some() {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        });
        cid.base_font(Name(base_name.as_bytes()));
        cid.system_info(system_info);
        cid.font_descriptor(descriptor_ref);
        cid.default_width(0.0);
        if cff.is_none() {
            cid.cid_to_gid_map_predefined(Name(b"Identity"));
        }
        {
            let mut w = cid.widths();
            for (cid_value, width) in &by_cid {
                w.consecutive(*cid_value, [*width]);
            }
        }
        cid.finish();

        let bbox = metrics
            .bounds
            .map_or(Rect::new(0.0, -250.0, 1000.0, 900.0), |b| {
                Rect::new(
                    to_1000(b.x_min),
                    to_1000(b.y_min),
                    to_1000(b.x_max),
                    to_1000(b.y_max),
                )
            });
        let mut flags = FontFlags::NON_SYMBOLIC;
        flags.insert(FontFlags::SERIF);
        if font.italic || metrics.italic_angle != 0.0 {
            flags.insert(FontFlags::ITALIC);
        }
        let mut descriptor = pdf.font_descriptor(descriptor_ref);
        descriptor
            .name(Name(base_name.as_bytes()))
            .flags(flags)
            .bbox(bbox)
            .italic_angle(metrics.italic_angle)
            .ascent(to_1000(metrics.ascent))
            .descent(to_1000(metrics.descent))
            .cap_height(to_1000(metrics.cap_height.unwrap_or(metrics.ascent * 0.7)))
            .stem_v(80.0);
        if cff.is_some() {
            descriptor.font_file3(file_ref);
        } else {
            descriptor.font_file2(file_ref);
        }
        descriptor.finish();

        let mut cmap = UnicodeCmap::new(
            Name(b"Quire-UCS"),
            SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"UCS"),
                supplement: 0,
            },
        );
        // In glyph order, as the map was always written.
        let mut texts: Vec<&(u16, String)> = glyphs.texts.iter().collect();
        texts.sort_by_key(|(old, _)| *old);
        for (old, text) in texts {
            if let Some(new) = glyphs.remapper.get(*old) {
                cmap.pair_with_multiple(new, text.chars());
            }
        }
        let cmap_data = cmap.finish();
        pdf.cmap(cmap_ref, cmap_data.as_slice());

        let data = cff.unwrap_or(subset);
        let compressed = crate::deflate(&data, 6);
        let mut stream = pdf.stream(file_ref, &compressed);
        stream.filter(Filter::FlateDecode);
        if descriptor_is_cff(&data) {
            stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
        }
        stream.finish();

        out.push(Some(EmbeddedFont { type0, widths }));
    }
    Ok(out)
}

/// A bare CFF table starts with major version 1; an OpenType file with `OTTO` or 0x00010000.
fn descriptor_is_cff(data: &[u8]) -> bool {
    data.first() == Some(&1)
}

/// Six capital letters derived from the glyph set, as PDF subset names require.
fn subset_tag(remapper: &GlyphRemapper) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for gid in remapper.remapped_gids() {
        for b in gid.to_be_bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| {
            let letter = ((hash >> (i * 8)) % 26) as u8;
            char::from(b'A' + letter)
        })
        .collect()
}

fn sanitize(name: &str, index: usize) -> String {
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if clean.is_empty() {
        format!("QuireFont{index}")
    } else {
        clean
    }
}
