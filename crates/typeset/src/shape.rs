//! Shaping: text of one style to positioned glyphs with harfrust (kerning, standard
//! ligatures, old-style figures, small capitals), cached per (style, text).
//!
//! Prose repeats its words, so the [`Shaper`] keeps every shaped word: a novel of 120,000
//! words has about 7,000 distinct ones, and each is shaped once per style. Results are in
//! font units so one cache serves every size; multiply by [`FontFace::scale`] for points.
//! The caches hash with `FxHasher` (rustc's): fast, and the same in every run.
//!
//! One shaping call uses one face. Text the style's face lacks characters for is split
//! first ([`FontFamily::face_runs`]) and each run shaped with its face ([`Shaper::shape_in`]);
//! [`ShapedText::face`] says which face the glyph ids belong to.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::Arc;

use harfrust::{Buffer, Direction, Feature, ShapeOptions, ShapePlan, ShaperFont, Tag};

use crate::font::{FontFace, FontFamily, FontVariant};

/// A fast, deterministic hasher for the typesetter's caches (the multiply-rotate hash of
/// rustc's `FxHasher`): the keys are words from the book, not attacker-chosen, so the
/// default SipHash's flood resistance buys nothing, and a fixed hash keeps every run alike.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0xf135_7aea_2e62_a9c5;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weak; the table picks buckets with them.
        self.hash.rotate_left(26)
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// What the shaper needs to know about a piece of text besides its characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct ShapeStyle {
    /// The face asked for (the family may fall back, see [`FontFamily::resolve`]).
    pub variant: FontVariant,
    /// Lowercase letters as small capitals (`smcp`), where the face has them.
    pub small_caps: bool,
    /// With `small_caps`, capitals as small capitals too (all small caps: a running head,
    /// the names on a title page). The text keeps its case, so that it copies as written.
    pub all_small_caps: bool,
}

/// Features applied to all text; the defaults suit book prose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeFeatures {
    /// Pair kerning (`kern`).
    pub kerning: bool,
    /// Standard ligatures (`liga`: fi, fl, ff, ffi, ffl).
    pub ligatures: bool,
    /// Old-style figures (`onum`) where the face has them.
    pub old_style_figures: bool,
    /// BCP 47 language tag passed to the shaper for language-specific forms (`locl`).
    pub language: Option<String>,
}

impl Default for ShapeFeatures {
    fn default() -> Self {
        ShapeFeatures {
            kerning: true,
            ligatures: true,
            old_style_figures: true,
            language: None,
        }
    }
}

/// One glyph of shaped text, in font units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapedGlyph {
    /// Glyph id in the face (0 is `.notdef`: the font lacks the character).
    pub id: u16,
    /// Horizontal advance.
    pub advance: i32,
    /// Horizontal offset from the pen position.
    pub x_offset: i32,
    /// Vertical offset from the baseline (positive up).
    pub y_offset: i32,
    /// Byte offset in the shaped text of the first character this glyph's cluster stands for.
    pub cluster: u32,
    /// True when the text may be cut just before this glyph without reshaping either side.
    pub safe_to_break: bool,
}

/// Shaped text: glyphs in visual (left-to-right) order and their total advance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShapedText {
    /// The text that was shaped.
    pub text: String,
    /// The face variant of the style, after the family's fallback (see
    /// [`FontFamily::resolve`]); the same for text set in a fallback face.
    pub variant: FontVariant,
    /// The index of the face the glyphs belong to (see [`FontFamily::face_by_index`]):
    /// the variant's face, or the regular or a fallback face for characters it lacks.
    pub face: usize,
    /// The glyphs.
    pub glyphs: Vec<ShapedGlyph>,
    /// Sum of the advances, in font units.
    pub width: i32,
    /// Characters the face does not have (shaped to glyph 0), in text order, no repeats.
    pub missing: Vec<char>,
}

impl ShapedText {
    /// The byte range of the text that glyph `index` stands for: its whole cluster for the
    /// first glyph of a cluster (a ligature "ffi" stands for "ffi"), empty for further glyphs
    /// of the same cluster (a decomposed character's second glyph).
    pub fn glyph_text(&self, index: usize) -> Range<usize> {
        let Some(glyph) = self.glyphs.get(index) else {
            return 0..0;
        };
        let start = glyph.cluster as usize;
        if index > 0 && self.glyphs[index - 1].cluster == glyph.cluster {
            return start..start;
        }
        let end = self.glyphs[index + 1..]
            .iter()
            .map(|g| g.cluster as usize)
            .find(|c| *c > start)
            .unwrap_or(self.text.len());
        start..end.max(start)
    }

    /// The glyph index at which the text can be cut at byte `offset` without reshaping, if
    /// the glyph run can be cut there exactly.
    pub fn safe_split(&self, offset: usize) -> Option<usize> {
        if offset == 0 {
            return Some(0);
        }
        if offset >= self.text.len() {
            return Some(self.glyphs.len());
        }
        self.glyphs
            .iter()
            .position(|g| g.cluster as usize == offset && g.safe_to_break)
    }

    /// Sum of the advances of the glyphs whose clusters start before byte `offset`.
    pub fn width_before(&self, offset: usize) -> i32 {
        self.glyphs
            .iter()
            .filter(|g| (g.cluster as usize) < offset)
            .map(|g| g.advance)
            .sum()
    }
}

/// Shaped texts of one style and face by their text.
type ShapedTexts = FxHashMap<Box<str>, Arc<ShapedText>>;

/// The texts shaped by shapers on other cores (see [`Shaper::fresh`]).
type SharedShapes = std::sync::Mutex<Vec<(ShapeStyle, usize, ShapedTexts)>>;

/// `text` in `style` and `face`, if a shaper sharing `shared` has shaped it.
fn shared_get(
    shared: &SharedShapes,
    style: ShapeStyle,
    face: usize,
    text: &str,
) -> Option<Arc<ShapedText>> {
    let maps = shared.lock().unwrap_or_else(|e| e.into_inner());
    maps.iter()
        .find(|(s, f, _)| *s == style && *f == face)
        .and_then(|(_, _, texts)| texts.get(text).cloned())
}

/// Keeps `shaped` (`text` in `style` and `face`) for the shapers sharing `shared`.
fn shared_insert(
    shared: &SharedShapes,
    style: ShapeStyle,
    face: usize,
    text: &str,
    shaped: &Arc<ShapedText>,
) {
    let mut maps = shared.lock().unwrap_or_else(|e| e.into_inner());
    let index = match maps.iter().position(|(s, f, _)| *s == style && *f == face) {
        Some(index) => index,
        None => {
            maps.push((style, face, FxHashMap::default()));
            maps.len() - 1
        }
    };
    maps[index]
        .2
        .entry(Box::from(text))
        .or_insert_with(|| shaped.clone());
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PlanKey {
    face: usize,
    small_caps: bool,
    script: Option<harfrust::Script>,
}

/// Shapes text with the faces of one family and remembers every result.
pub struct Shaper {
    family: FontFamily,
    features: ShapeFeatures,
    language: Option<harfrust::Language>,
    plans: FxHashMap<PlanKey, ShapePlan>,
    /// One map per style and face index (a book uses a handful), searched in order.
    cache: Vec<(ShapeStyle, usize, ShapedTexts)>,
    /// What every shaper made from this one ([`Shaper::fresh`]) has shaped: a shaper on
    /// another core looks here before shaping a text again (a word's piece with a hyphen,
    /// shaped where the word was first met, is asked for again where its line is set).
    shared: Arc<SharedShapes>,
    /// Per face and lower-case letter: whether the face has a small capital for it.
    small_capitals: FxHashMap<(usize, char), bool>,
    /// The language writes dotted and dotless i apart (Turkish, Azeri): I is the capital
    /// of ı, İ of i.
    turkic: bool,
    buffer: Option<Buffer>,
    shaped: usize,
    lookups: usize,
}

impl std::fmt::Debug for Shaper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shaper")
            .field("features", &self.features)
            .field("cached", &self.cache_len())
            .finish_non_exhaustive()
    }
}

impl Shaper {
    /// A shaper with the same fonts and features and nothing shaped yet (for another core).
    pub fn fresh(&self) -> Shaper {
        Shaper {
            shared: self.shared.clone(),
            ..Shaper::new(self.family.clone(), self.features.clone())
        }
    }

    /// A shaper of the family's faces with the given OpenType features.
    pub fn new(family: FontFamily, features: ShapeFeatures) -> Shaper {
        let language = features
            .language
            .as_deref()
            .and_then(|l| l.parse::<harfrust::Language>().ok());
        let turkic = features.language.as_deref().is_some_and(is_turkic_language);
        Shaper {
            family,
            features,
            language,
            plans: FxHashMap::default(),
            cache: Vec::new(),
            shared: Arc::default(),
            small_capitals: FxHashMap::default(),
            turkic,
            buffer: None,
            shaped: 0,
            lookups: 0,
        }
    }

    /// The family the shaper uses.
    pub fn family(&self) -> &FontFamily {
        &self.family
    }

    /// The face that text of `style` is set in.
    pub fn face(&self, style: ShapeStyle) -> &FontFace {
        self.family.face(style.variant)
    }

    /// Number of distinct (style, text) pairs shaped so far.
    pub fn cache_len(&self) -> usize {
        self.cache.iter().map(|(_, _, words)| words.len()).sum()
    }

    /// How many calls to [`Shaper::shape`] were made and how many actually shaped.
    pub fn stats(&self) -> (usize, usize) {
        (self.lookups, self.shaped)
    }

    /// Shapes `text` in `style` with the style's face alone (no per-character fallback:
    /// see [`FontFamily::face_runs`] and [`Shaper::shape_in`]), or returns the earlier
    /// result for the same pair.
    pub fn shape(&mut self, text: &str, style: ShapeStyle) -> Arc<ShapedText> {
        let face = self.family.face_index(style.variant);
        self.shape_in(text, style, face)
    }

    /// Shapes `text` in `style` with the face of index `face` (see
    /// [`FontFamily::face_by_index`]; an index the family does not have means the style's
    /// face), or returns the earlier result for the same text, style and face.
    pub fn shape_in(&mut self, text: &str, style: ShapeStyle, face: usize) -> Arc<ShapedText> {
        self.lookups += 1;
        let face = self.checked_face(style, face);
        let index = match self
            .cache
            .iter()
            .position(|(s, f, _)| *s == style && *f == face)
        {
            Some(index) => index,
            None => {
                self.cache.push((style, face, FxHashMap::default()));
                self.cache.len() - 1
            }
        };
        if let Some(hit) = self.cache[index].2.get(text) {
            return hit.clone();
        }
        let shaped = match shared_get(&self.shared, style, face, text) {
            Some(shaped) => shaped,
            None => {
                let shaped = Arc::new(self.shape_uncached_in(text, style, face));
                shared_insert(&self.shared, style, face, text, &shaped);
                shaped
            }
        };
        self.cache[index].2.insert(Box::from(text), shaped.clone());
        shaped
    }

    /// `face` if the family has it, else the style's face.
    fn checked_face(&self, style: ShapeStyle, face: usize) -> usize {
        if face < self.family.face_count() {
            face
        } else {
            self.family.face_index(style.variant)
        }
    }

    fn user_features(wanted: &ShapeFeatures, face: &FontFace, style: ShapeStyle) -> Vec<Feature> {
        let has = face.features();
        let mut features = Vec::new();
        if !wanted.kerning {
            features.push(Feature::new(Tag::new(b"kern"), 0, ..));
        }
        if !wanted.ligatures {
            features.push(Feature::new(Tag::new(b"liga"), 0, ..));
        }
        if wanted.old_style_figures && has.onum {
            features.push(Feature::new(Tag::new(b"onum"), 1, ..));
            if has.pnum {
                features.push(Feature::new(Tag::new(b"pnum"), 1, ..));
            }
        }
        if style.small_caps && has.smcp {
            features.push(Feature::new(Tag::new(b"smcp"), 1, ..));
        }
        features
    }

    /// Shapes with the style's face without looking in or filling the cache.
    pub fn shape_uncached(&mut self, text: &str, style: ShapeStyle) -> ShapedText {
        let face = self.family.face_index(style.variant);
        self.shape_uncached_in(text, style, face)
    }

    /// Shapes with the face of index `face` (as [`Shaper::shape_in`]) without looking in or
    /// filling the cache.
    pub fn shape_uncached_in(&mut self, text: &str, style: ShapeStyle, face: usize) -> ShapedText {
        self.shaped += 1;
        // Small capitals shape other letters than the text's (a capital's lower case, or a
        // capital for a letter the face has no small capital for); the glyphs still name
        // the text's own characters, so that it copies and searches as written.
        if style.small_caps
            && let Some((letters, origins)) = self.small_caps_letters(text, style, face)
        {
            let mut out = self.shape_raw(&letters, style, face);
            for glyph in &mut out.glyphs {
                let at = origins.partition_point(|(shaped, _)| *shaped <= glyph.cluster);
                glyph.cluster = at.checked_sub(1).map_or(0, |i| origins[i].1);
            }
            out.text = text.to_owned();
            return out;
        }
        self.shape_raw(text, style, face)
    }

    /// The letters to shape for `text` in small capitals, when they are not its own: with
    /// [`ShapeStyle::all_small_caps`] each capital as its lower case (Greek without its
    /// tonos, Turkish I as ı), and each lower-case letter that `face` has no small capital
    /// for as its capital (never a lower-case letter among small capitals). With them,
    /// where each of their characters starts and where the character of `text` it stands
    /// for starts, in byte offsets, in order. `None` when the letters are the text's own.
    fn small_caps_letters(
        &mut self,
        text: &str,
        style: ShapeStyle,
        face: usize,
    ) -> Option<(String, Vec<(u32, u32)>)> {
        let mut letters = String::with_capacity(text.len());
        let mut origins: Vec<(u32, u32)> = Vec::new();
        let mut changed = false;
        for (i, c) in text.char_indices() {
            let start = letters.len();
            if style.all_small_caps {
                let c = without_greek_tonos(c);
                let lower_start = letters.len();
                match (self.turkic, c) {
                    (true, 'I') => letters.push('ı'),
                    (true, 'İ') => letters.push('i'),
                    _ => letters.extend(c.to_lowercase()),
                }
                let small = letters[lower_start..]
                    .chars()
                    .all(|l| !l.is_lowercase() || self.has_small_capital(l, style, face));
                if !small {
                    letters.truncate(lower_start);
                    match (self.turkic, c) {
                        (true, 'i') => letters.push('İ'),
                        (true, 'ı') => letters.push('I'),
                        _ => letters.extend(c.to_uppercase()),
                    }
                }
            } else if c.is_lowercase() && !self.has_small_capital(c, style, face) {
                let mut upper = c.to_uppercase();
                match (upper.next(), upper.next()) {
                    (Some(u), None) => letters.push(u),
                    _ => letters.push(c),
                }
            } else {
                letters.push(c);
            }
            changed = changed || letters[start..] != text[i..i + c.len_utf8()];
            origins.push((start as u32, i as u32));
        }
        changed.then_some((letters, origins))
    }

    /// Whether `face` (see [`Shaper::shape_in`]) turns the lower-case letter `c` into a
    /// small capital (its glyph changes with `smcp`); remembered per face and letter.
    pub fn has_small_capital(&mut self, c: char, style: ShapeStyle, face: usize) -> bool {
        let face = self.checked_face(style, face);
        if let Some(&known) = self.small_capitals.get(&(face, c)) {
            return known;
        }
        let mut buffer = [0u8; 4];
        let letter = c.encode_utf8(&mut buffer);
        let small = self.shape_raw(letter, style, face);
        let plain = self.shape_raw(
            letter,
            ShapeStyle {
                small_caps: false,
                ..style
            },
            face,
        );
        let known = small.missing.is_empty()
            && small
                .glyphs
                .iter()
                .map(|g| g.id)
                .ne(plain.glyphs.iter().map(|g| g.id));
        self.small_capitals.insert((face, c), known);
        known
    }

    /// Shapes `text` with harfrust, as it is.
    fn shape_raw(&mut self, text: &str, style: ShapeStyle, face: usize) -> ShapedText {
        let variant = self.family.resolve(style.variant);
        let face_index = self.checked_face(style, face);
        // Fields apart, so that the face is borrowed while the plans are filled.
        let face = self
            .family
            .face_by_index(face_index)
            .unwrap_or_else(|| self.family.face(variant));
        let mut buffer = self.buffer.take().unwrap_or_default();
        buffer.clear();
        // Marks keep clusters of their own (a pointed letter's vowel and dot are glyphs
        // that stand for their own characters), so that each copies as itself; a ligature
        // still stands for all its characters.
        // Not in the scripts whose vowel signs the shaper reorders or splits around their
        // consonant (Devanagari's ि before ह, Tamil's ொ on both sides of ம): there a
        // character's cluster would be cut in two, and the syllable stands as one.
        buffer.set_cluster_level(if reorders_within_syllables(text) {
            harfrust::ClusterLevel::MonotoneGraphemes
        } else {
            harfrust::ClusterLevel::MonotoneCharacters
        });
        buffer.push_str(text);
        buffer.guess_segment_properties();
        // A word of a right-to-left script (Arabic, Hebrew, Syriac...) is shaped right to
        // left, as its joining and marks need; the glyphs are then put back in the text's
        // order, as every other word's are (the line's bidi pass sets them right to left).
        let right_to_left = buffer.direction() == Direction::RightToLeft;
        if !right_to_left {
            buffer.set_direction(Direction::LeftToRight);
        }
        let direction = buffer.direction();
        buffer.set_language(self.language.clone());
        let key = PlanKey {
            face: face_index,
            small_caps: style.small_caps,
            script: buffer.script(),
        };
        let features = Shaper::user_features(&self.features, face, style);
        let plan = self.plans.entry(key).or_insert_with(|| {
            ShapePlan::new(
                face.font(),
                direction,
                key.script,
                self.language.as_ref(),
                &features,
            )
        });
        let shaper_font = ShaperFont::new(face.font());
        let options = ShapeOptions::new().plan(Some(plan)).features(&features);
        let mut out = ShapedText {
            text: text.to_owned(),
            variant,
            face: face_index,
            ..ShapedText::default()
        };
        if harfrust::shape(&shaper_font, &mut buffer, options).is_ok() {
            let infos = buffer.glyph_infos();
            let positions = buffer.glyph_positions();
            out.glyphs.reserve(infos.len());
            for (info, pos) in infos.iter().zip(positions) {
                let id = u16::try_from(info.glyph_id).unwrap_or(0);
                out.glyphs.push(ShapedGlyph {
                    id,
                    advance: pos.x_advance,
                    x_offset: pos.x_offset,
                    y_offset: pos.y_offset,
                    cluster: info.cluster,
                    safe_to_break: !info.unsafe_to_break(),
                });
            }
            if right_to_left {
                in_text_order(&mut out.glyphs);
            }
            split_merged_clusters(&mut out.glyphs, text, face);
        }
        for (i, g) in out.glyphs.iter().enumerate() {
            if g.id == 0 {
                let range = out.glyph_text(i);
                // A joiner or a variation selector in the cluster prints nothing of its
                // own: only the characters that would print are missing.
                for c in text.get(range).unwrap_or("").chars() {
                    if !crate::font::never_falls_back(c) && !out.missing.contains(&c) {
                        out.missing.push(c);
                    }
                }
            }
        }
        out.width = out.glyphs.iter().map(|g| g.advance).sum();
        self.buffer = Some(buffer);
        out
    }
}

/// Whether `text` has a letter of a script whose shaping moves or splits vowel signs
/// around their consonant: the Indic scripts (Devanagari to Sinhala), Tibetan, Myanmar,
/// Khmer, and the Brahmic scripts of Unicode's later blocks.
fn reorders_within_syllables(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            u32::from(c),
            0x0900..=0x0DFF
                | 0x0F00..=0x0FFF
                | 0x1000..=0x109F
                | 0x1780..=0x17FF
                | 0x1900..=0x1AAF
                | 0x1B00..=0x1BFF
                | 0xA800..=0xA8FF
                | 0xA980..=0xAAFF
                | 0x11000..=0x11FFF
        )
    })
}

/// Glyphs that share a cluster although each is the face's own glyph for one of its
/// characters (marks the shaper put in canonical order, which merges their clusters: the
/// qamats and shin dot of שָׁ) each take the cluster of its character, where that keeps
/// the clusters in order: each then copies as itself rather than the first standing for
/// all and the others for nothing. Glyphs in text order.
fn split_merged_clusters(glyphs: &mut [ShapedGlyph], text: &str, face: &FontFace) {
    let mut start = 0;
    while start < glyphs.len() {
        let cluster = glyphs[start].cluster;
        let end = start
            + glyphs[start..]
                .iter()
                .take_while(|g| g.cluster == cluster)
                .count();
        let text_end = glyphs
            .get(end)
            .map_or(text.len(), |g| g.cluster as usize)
            .min(text.len());
        let chars: Vec<(usize, char)> = text
            .get(cluster as usize..text_end)
            .map(|t| t.char_indices().collect())
            .unwrap_or_default();
        if end - start > 1 && chars.len() == end - start {
            let own: Option<Vec<u32>> = glyphs[start..end]
                .iter()
                .map(|g| {
                    chars
                        .iter()
                        .find(|(_, c)| face.glyph_id(*c) == Some(g.id))
                        .and_then(|(at, _)| u32::try_from(cluster as usize + at).ok())
                })
                .collect();
            if let Some(own) = own
                && own.first() == Some(&cluster)
                && own.windows(2).all(|w| w[0] < w[1])
            {
                for (glyph, at) in glyphs[start..end].iter_mut().zip(own) {
                    glyph.cluster = at;
                }
            }
        }
        start = end;
    }
}

/// Glyphs shaped right to left (the last cluster first) put in the text's order, cluster by
/// cluster, each cluster's glyphs kept in their order (a letter before its marks).
fn in_text_order(glyphs: &mut Vec<ShapedGlyph>) {
    let mut clusters: Vec<&[ShapedGlyph]> =
        glyphs.chunk_by(|a, b| a.cluster == b.cluster).collect();
    clusters.reverse();
    *glyphs = clusters.concat();
}

/// A monotonic Greek letter with a tonos as the same letter without it (ά as α, ΐ as ϊ):
/// Greek set in capitals or small capitals carries no accents.
pub(crate) fn without_greek_tonos(c: char) -> char {
    match c {
        'ά' => 'α',
        'έ' => 'ε',
        'ή' => 'η',
        'ί' => 'ι',
        'ό' => 'ο',
        'ύ' => 'υ',
        'ώ' => 'ω',
        'ΐ' => 'ϊ',
        'ΰ' => 'ϋ',
        'Ά' => 'Α',
        'Έ' => 'Ε',
        'Ή' => 'Η',
        'Ί' => 'Ι',
        'Ό' => 'Ο',
        'Ύ' => 'Υ',
        'Ώ' => 'Ω',
        c => c,
    }
}

/// Whether `tag` (BCP 47) is a language that writes dotless and dotted i apart.
pub(crate) fn is_turkic_language(tag: &str) -> bool {
    let primary = tag.split(['-', '_']).next().unwrap_or_default();
    ["tr", "az", "crh"]
        .iter()
        .any(|t| primary.eq_ignore_ascii_case(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::font::test_family;

    fn shaper() -> Shaper {
        Shaper::new(test_family(), ShapeFeatures::default())
    }

    /// All small capitals: lower case where the face has small capitals, else capitals
    /// (never a lower-case letter among small capitals); Turkish keeps its i's; Greek
    /// drops its tonos. The glyphs still name the text as written.
    #[test]
    fn all_small_caps_shape_lower_case_and_copy_as_written() {
        let all = ShapeStyle {
            variant: FontVariant::Regular,
            small_caps: true,
            all_small_caps: true,
        };
        let letters = |shaper: &mut Shaper, text: &str| -> String {
            let face = shaper.family().face_index(FontVariant::Regular);
            shaper
                .small_caps_letters(text, all, face)
                .map_or_else(|| text.to_string(), |(letters, _)| letters)
        };
        let mut english = shaper();
        assert_eq!(
            letters(&mut english, "Pride & Prejudice, 1813"),
            "pride & prejudice, 1813"
        );
        // Cyrillic has no small capitals in the book face: capitals, not lower case.
        assert_eq!(letters(&mut english, "Лев Толстой"), "ЛЕВ ТОЛСТОЙ");
        // Vietnamese vowels with two marks have none either; the other letters do.
        assert_eq!(letters(&mut english, "Nguyễn Thị"), "nguyỄn thỊ");
        assert_eq!(letters(&mut english, "Işık İnce"), "işık i\u{307}nce");
        let mut turkish = Shaper::new(
            test_family(),
            ShapeFeatures {
                language: Some("tr".into()),
                ..ShapeFeatures::default()
            },
        );
        assert_eq!(letters(&mut turkish, "Işık İnce"), "ışık ince");
        // Greek in capitals loses its accents, not its diaeresis.
        let head = letters(&mut english, "Οδύσσεια Ομήρου, Ϊνδός");
        assert!(!head.contains(['ύ', 'ή', 'Ύ', 'Ή']), "{head}");
        assert!(head.contains(['ϊ', 'Ϊ']), "{head}");

        // The glyphs are the lower case's small capitals, and stand for the text as written.
        for (text, lower) in [
            ("Jane Austen", "jane austen"),
            ("Işık İnce", "işık i\u{307}nce"),
        ] {
            let written = english.shape(text, all);
            let small = english.shape(
                lower,
                ShapeStyle {
                    all_small_caps: false,
                    ..all
                },
            );
            let ids = |s: &ShapedText| s.glyphs.iter().map(|g| g.id).collect::<Vec<_>>();
            assert_eq!(ids(&written), ids(&small), "{text}");
            let copied: String = (0..written.glyphs.len())
                .map(|i| &written.text[written.glyph_text(i)])
                .collect();
            assert_eq!(copied, text);
        }
    }

    #[test]
    fn joiners_are_never_missing_glyphs() {
        let mut shaper = shaper();
        let style = ShapeStyle::default();
        assert!(
            shaper
                .shape("a\u{200D}b\u{200C}c", style)
                .missing
                .is_empty()
        );
        let family = shaper.shape("\u{1F468}\u{200D}\u{1F469}\u{FE0F}", style);
        assert!(!family.missing.is_empty());
        assert!(
            family
                .missing
                .iter()
                .all(|c| !matches!(c, '\u{200D}' | '\u{FE0F}')),
            "{:?}",
            family.missing
        );
    }

    #[test]
    fn ligatures_change_glyphs_and_text_stays_mapped() {
        let mut s = shaper();
        let t = s.shape("office", ShapeStyle::default());
        let plain = Shaper::new(
            test_family(),
            ShapeFeatures {
                ligatures: false,
                ..ShapeFeatures::default()
            },
        )
        .shape("office", ShapeStyle::default());
        // EB Garamond 12 forms f-ligatures contextually (f._f f._i i.dotless), one glyph a
        // character; other fonts use one glyph for "ffi". Either way the glyphs differ
        // from the unligated ones and their texts put the word back together.
        assert_ne!(t.glyphs, plain.glyphs);
        let joined: String = (0..t.glyphs.len())
            .map(|i| &t.text[t.glyph_text(i)])
            .collect();
        assert_eq!(joined, "office");
        assert!(t.missing.is_empty());
    }

    #[test]
    fn one_glyph_for_three_characters_stands_for_all_three() {
        let glyph = |cluster| ShapedGlyph {
            id: 1,
            advance: 100,
            x_offset: 0,
            y_offset: 0,
            cluster,
            safe_to_break: true,
        };
        let t = ShapedText {
            text: "office".into(),
            glyphs: vec![glyph(0), glyph(1), glyph(4), glyph(5)],
            ..ShapedText::default()
        };
        assert_eq!(&t.text[t.glyph_text(1)], "ffi");
        assert_eq!(&t.text[t.glyph_text(3)], "e");
        let decomposed = ShapedText {
            text: "é".into(),
            glyphs: vec![glyph(0), glyph(0)],
            ..ShapedText::default()
        };
        assert_eq!(decomposed.glyph_text(0), 0..2);
        assert_eq!(decomposed.glyph_text(1), 0..0);
    }

    #[test]
    fn kerning_changes_width() {
        let mut kerned = shaper();
        let mut plain = Shaper::new(
            test_family(),
            ShapeFeatures {
                kerning: false,
                ..ShapeFeatures::default()
            },
        );
        let a = kerned.shape("AV To", ShapeStyle::default()).width;
        let b = plain.shape("AV To", ShapeStyle::default()).width;
        assert!(a < b, "kerned {a} plain {b}");
    }

    #[test]
    fn old_style_figures_and_small_caps_use_other_glyphs() {
        let mut s = shaper();
        let face = s.family().face(FontVariant::Regular).clone();
        let one = face.glyph_id('1').expect("1 is mapped");
        let figures = s.shape("1813", ShapeStyle::default());
        // EB Garamond's default figures are already old-style; `onum` must not turn them
        // into lining ones.
        assert_eq!(figures.glyphs[0].id, one);
        let lower = s.shape("darcy", ShapeStyle::default());
        let sc = s.shape(
            "darcy",
            ShapeStyle {
                small_caps: true,
                ..ShapeStyle::default()
            },
        );
        assert_ne!(lower.glyphs[0].id, sc.glyphs[0].id);
    }

    /// A shaper for another core finds what the first one shaped (and the other way
    /// round), the same result, without shaping it again; a shaper made anew does not.
    #[test]
    fn fresh_shapers_share_what_they_shaped() {
        let mut first = shaper();
        let mut second = first.fresh();
        let here = first.shape("ques-", ShapeStyle::default());
        let there = second.shape("ques-", ShapeStyle::default());
        assert_eq!(*here, *there);
        assert_eq!(second.stats(), (1, 0));
        second.shape("tion", ShapeStyle::default());
        first.shape("tion", ShapeStyle::default());
        assert_eq!(first.stats(), (2, 1));
        let mut apart = shaper();
        apart.shape("ques-", ShapeStyle::default());
        assert_eq!(apart.stats(), (1, 1));
    }

    /// In small capitals a letter the face has none for is its capital, not a lower-case
    /// letter among small capitals; the shaped text is still the text as written.
    #[test]
    fn a_letter_without_a_small_capital_is_set_as_its_capital() {
        let mut s = shaper();
        let small = ShapeStyle {
            small_caps: true,
            ..ShapeStyle::default()
        };
        let thi = s.shape("thị", small);
        assert_eq!(thi.text, "thị");
        let capital = s.shape("Ị", ShapeStyle::default());
        assert_eq!(
            thi.glyphs.last().map(|g| g.id),
            capital.glyphs.first().map(|g| g.id)
        );
        let lower = s.shape("ị", ShapeStyle::default());
        assert_ne!(
            thi.glyphs.last().map(|g| g.id),
            lower.glyphs.first().map(|g| g.id)
        );
        // Letters with small capitals are untouched.
        let t_small = s.shape("t", small).glyphs[0].id;
        assert_eq!(thi.glyphs[0].id, t_small);
        assert!(!s.has_small_capital('ị', small, 0));
        assert!(s.has_small_capital('t', small, 0));
    }

    #[test]
    fn cache_shapes_each_word_once_per_style() {
        let mut s = shaper();
        for _ in 0..3 {
            s.shape("truth", ShapeStyle::default());
            s.shape(
                "truth",
                ShapeStyle {
                    variant: FontVariant::Italic,
                    ..ShapeStyle::default()
                },
            );
        }
        assert_eq!(s.stats(), (6, 2));
        assert_eq!(s.cache_len(), 2);
    }

    #[test]
    fn missing_glyphs_are_reported_and_deterministic() {
        let mut s = shaper();
        let t = s.shape("a\u{E000}b\u{E000}", ShapeStyle::default());
        assert_eq!(t.missing, vec!['\u{E000}']);
        let again = shaper().shape_uncached("a\u{E000}b\u{E000}", ShapeStyle::default());
        assert_eq!(*t, again);
        assert!(s.shape("", ShapeStyle::default()).glyphs.is_empty());
    }

    #[test]
    fn shapes_in_a_fallback_face() {
        let family = crate::font::test_family_with_fallback();
        let fallback = FontFamily::FIRST_FALLBACK;
        let droid_glyph = family
            .face_by_index(fallback)
            .and_then(|f| f.glyph_id('孫'));
        let mut s = Shaper::new(family, ShapeFeatures::default());
        let style = ShapeStyle::default();
        let t = s.shape_in("孫子", style, fallback);
        assert_eq!((t.face, t.variant), (fallback, FontVariant::Regular));
        assert!(t.missing.is_empty());
        assert_eq!(Some(t.glyphs[0].id), droid_glyph);
        // The plain call keeps to the style's face; an unknown index means that face too.
        let plain = s.shape("孫子", style);
        assert_eq!((plain.face, plain.missing.len()), (0, 2));
        assert_eq!(s.shape_in("孫子", style, 9), plain);
        assert_eq!(s.stats(), (3, 2));
    }

    /// Yoruba `ọ̀` (`ọ` and a grave): EB Garamond 12 leaves the grave beside the letter; the
    /// family sets such clusters in the newer EB Garamond, which puts it over the letter.
    #[test]
    fn a_second_accent_on_an_accented_letter_stands_over_it() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fonts/");
        let newer = |file: &str, variant| {
            let data = std::fs::read(format!("{dir}{file}")).expect("font file");
            crate::FontFace::from_bytes(data, variant).expect("face loads")
        };
        let family = crate::font::test_family()
            .with_stacked_marks(
                FontVariant::Regular,
                newer("EBGaramond-Regular.ttf", FontVariant::Regular),
            )
            .with_stacked_marks(
                FontVariant::Italic,
                newer("EBGaramond-Italic.ttf", FontVariant::Italic),
            );
        let stacked = FontFamily::FIRST_FALLBACK;
        for variant in [FontVariant::Regular, FontVariant::Italic] {
            // Word by word, as the typesetter asks.
            let in_stacked: Vec<&str> = "Ọ̀yọ́ ą́ ė̃ and ò m̀ o\u{323}\u{300}"
                .split(' ')
                .flat_map(|word| {
                    family
                        .face_runs(word, variant)
                        .into_iter()
                        .filter(|(_, face)| *face >= stacked)
                        .map(move |(range, _)| &word[range])
                })
                .collect();
            assert_eq!(
                in_stacked,
                ["Ọ̀", "ọ́", "ą́", "ė̃", "o\u{323}\u{300}"],
                "{variant:?}"
            );
            // Plain text and a mark on a plain letter stay in the variant's own face.
            assert_eq!(family.face_runs("yo and m̀", variant).len(), 1);
        }
        // Where the grave lands, from the letter's left edge, as a share of its advance.
        let mut s = Shaper::new(family, ShapeFeatures::default());
        let style = ShapeStyle::default();
        let grave_at = |t: &ShapedText| {
            let base = t.glyphs[0].advance as f64;
            (base + t.glyphs[1].x_offset as f64) / base
        };
        let old = s.shape_in("ọ̀", style, 0);
        let new = s.shape_in("ọ̀", style, stacked);
        assert_eq!((old.glyphs.len(), new.glyphs.len()), (2, 2));
        assert!(grave_at(&old) >= 0.99, "{old:?}");
        assert!(grave_at(&new) < 0.9 && grave_at(&new) > 0.1, "{new:?}");
    }

    #[test]
    fn split_points() {
        let mut s = shaper();
        let t = s.shape("table", ShapeStyle::default());
        assert_eq!(t.safe_split(0), Some(0));
        assert_eq!(t.safe_split(5), Some(t.glyphs.len()));
        let o = s.shape("office", ShapeStyle::default());
        // Inside the ffi ligature there is no glyph boundary.
        assert_eq!(o.safe_split(2), None);
        assert_eq!(o.width_before(1), o.glyphs[0].advance);
    }
}
