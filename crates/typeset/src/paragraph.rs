//! A paragraph of styled runs to lines of positioned glyph runs.
//!
//! Stages, as in Typst and parley: *prepare* (split into words at UAX #14 break
//! opportunities, shape each word once through the cache, find hyphenation points, build
//! boxes, glue and penalties) then *layout* (Knuth-Plass, then glyph runs with x positions).
//! A [`PreparedParagraph`] can be laid out again with other parameters (looseness for
//! pagination) without shaping again.
//!
//! Prose repeats its words, so the [`Typesetter`] keeps each word set in one style as the
//! parts of its items in font units (pieces between breaks, the width corrections of each
//! hyphenation point): a word seen before costs one hash look-up and a few pushes, and
//! gives exactly the items it gave the first time. Asking again with looseness +1 after -1
//! reuses the breaker's passes (see [`crate::linebreak`]).
//!
//! Font fallback is per character: a word whose style's face lacks some of its characters
//! (curly quotes in an incomplete bold, Chinese in a Latin face) is split into segments of
//! one face each ([`FontFamily::face_runs`]); [`GlyphRun::face`] names the face. Text in a
//! fallback face is not hyphenated. Where UAX #14 allows a break next to an ideograph the
//! word gets zero-width glue with a little stretch, so CJK breaks and justifies between
//! characters without word spaces.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quire_model::{Diagnostic, Span};
use unicode_linebreak::{BreakOpportunity, linebreaks};

use crate::font::{FontFamily, FontVariant};
use crate::hyphenate::{HyphenationOptions, Hyphenator};
use crate::linebreak::{
    BreakParams, Breaking, Hang, INFINITE_PENALTY, Item, LineWidths, LoosenessMemo, Pass,
    break_lines_memo,
};
use crate::shape::{FxHashMap, ShapeFeatures, ShapeStyle, ShapedText, Shaper};
use crate::units::Pt;

/// How the paragraph engine's diagnostic of a character no face has begins.
pub const MISSING_GLYPH: &str = "the font has no glyph for";

/// How a run of text is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunStyle {
    /// Face wanted.
    pub variant: FontVariant,
    /// Lowercase as small capitals.
    pub small_caps: bool,
    /// With `small_caps`, capitals as small capitals too (see
    /// [`ShapeStyle::all_small_caps`]).
    pub all_small_caps: bool,
    /// Font size.
    pub size: Pt,
    /// Whether its words may take automatic hyphens: false for text in another language
    /// than the paragraph's (the patterns would be wrong) and for code.
    pub hyphenate: bool,
}

impl RunStyle {
    /// Regular text at `size`.
    pub fn regular(size: Pt) -> RunStyle {
        RunStyle {
            variant: FontVariant::Regular,
            small_caps: false,
            all_small_caps: false,
            size,
            hyphenate: true,
        }
    }

    fn shape_style(self) -> ShapeStyle {
        ShapeStyle {
            variant: self.variant,
            small_caps: self.small_caps,
            all_small_caps: self.all_small_caps,
        }
    }
}

/// A piece of a paragraph's text in one style. Whitespace separates words; `\n` and
/// U+2028 force a line break; U+00A0 is a space that does not break.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextRun<'a> {
    /// The text.
    pub text: &'a str,
    /// Its style.
    pub style: RunStyle,
}

/// How to set a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct ParagraphOptions {
    /// Width of the lines (the text block's width).
    pub measure: Pt,
    /// Indent of the first line.
    pub indent: Pt,
    /// Set ragged right instead of justified.
    pub ragged_right: bool,
    /// Hyphenate words automatically.
    pub hyphenate: bool,
    /// Width of a space after a sentence, as a multiple of the normal space (1.0 is French
    /// spacing, as book typography has it; TeX's default is about 1.3 plus more stretch).
    pub sentence_space: f64,
    /// Cost of a break at an automatic hyphen (`\hyphenpenalty`).
    pub hyphen_penalty: f64,
    /// Cost of a break at an automatic hyphen in the paragraph's last word: high, so that
    /// the last word is hyphenated only when the paragraph cannot be set otherwise without
    /// very loose lines.
    pub last_word_hyphen_penalty: f64,
    /// Cost of a break after a hyphen in the text (`\exhyphenpenalty`).
    pub ex_hyphen_penalty: f64,
    /// Cost of a break after a dash (em or en dash) in the text.
    pub dash_penalty: f64,
    /// Cost of a forced break inside a word too wide for any line.
    pub forced_break_penalty: f64,
    /// Margin kerning: punctuation and hyphens at a line's ends hang partly into the
    /// margins (pdfTeX's character protrusion), so the edges look straight; justified
    /// text only.
    pub protrusion: bool,
    /// Code: every space (at the start of the text too) keeps its width and none is a
    /// break opportunity.
    pub preserve_spaces: bool,
    /// Parameters of the Knuth-Plass breaker.
    pub breaking: BreakParams,
}

impl ParagraphOptions {
    /// Book defaults for a measure and a body size: a first pass without hyphenation only
    /// for paragraphs that set well without it (pretolerance 50, half TeX's), tolerance
    /// 300, at most 2 consecutive hyphens, emergency stretch of 1.5 em, runt demerits for a
    /// last line of one word narrower than 4 em, margin kerning.
    pub fn book(measure: Pt, size: Pt) -> ParagraphOptions {
        ParagraphOptions {
            measure,
            indent: size,
            ragged_right: false,
            hyphenate: true,
            sentence_space: 1.0,
            hyphen_penalty: 50.0,
            last_word_hyphen_penalty: 1_000.0,
            ex_hyphen_penalty: 50.0,
            dash_penalty: 50.0,
            forced_break_penalty: 5_000.0,
            protrusion: true,
            preserve_spaces: false,
            breaking: BreakParams {
                pretolerance: 50.0,
                tolerance: 300.0,
                emergency_stretch: size * 1.5,
                runt_demerits: 5_000.0,
                runt_width: size * 4.0,
                ..BreakParams::default()
            },
        }
    }
}

/// One glyph placed on a line.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionedGlyph {
    /// Glyph id in the run's face.
    pub id: u16,
    /// Horizontal position of the glyph origin from the run's start (offsets included).
    pub x: Pt,
    /// Vertical offset from the baseline, positive up.
    pub y: Pt,
    /// Advance, after expansion.
    pub advance: Pt,
    /// Byte range in the run's text the glyph stands for (empty for a further glyph of
    /// the same cluster).
    pub text: Range<usize>,
}

/// Glyphs of one face and size, set from `x` on the line.
#[derive(Debug, Clone, PartialEq)]
pub struct GlyphRun {
    /// The variant of the style asked for, after the family's fallback (see
    /// [`FontFamily::resolve`]); the same for characters set in another face.
    pub variant: FontVariant,
    /// The index of the face the glyph ids belong to (see [`FontFamily::face_by_index`]):
    /// 0 to 3 the family's faces, 4 and on its fallback faces. Usually the face of
    /// `variant`; the regular or a fallback face for characters that face lacks.
    pub face: usize,
    /// Whether small caps were asked for.
    pub small_caps: bool,
    /// Font size.
    pub size: Pt,
    /// Start of the run from the line's left edge.
    pub x: Pt,
    /// Horizontal glyph scaling (1.0 = none; the PDF `Tz` operator is 100 times this).
    pub horizontal_scale: f64,
    /// The text the glyphs stand for, including an added hyphen.
    pub text: String,
    /// The run ends with a hyphen added by line breaking (not in the source text).
    pub added_hyphen: bool,
    /// Byte range of the run's text in the paragraph's text (without an added hyphen).
    pub source: Range<usize>,
    /// The glyphs.
    pub glyphs: Vec<PositionedGlyph>,
    /// Total advance.
    pub width: Pt,
}

/// One line of a laid-out paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct LaidLine {
    /// The glyph runs, left to right.
    pub runs: Vec<GlyphRun>,
    /// Width the line was set to.
    pub target: Pt,
    /// Width the content actually takes.
    pub width: Pt,
    /// Where the content starts from the line's left edge: zero, or for a line of a
    /// right-to-left paragraph (set from the right edge) the target less the width.
    pub left: Pt,
    /// Glue adjustment ratio (see [`crate::linebreak::Line::ratio`]).
    pub ratio: f64,
    /// Glyph scaling used, as a fraction (0.01 = 101 %).
    pub expansion: f64,
    /// Badness, 0 to 10,000.
    pub badness: f64,
    /// The line ends with a hyphen (added, or a hyphen of the text).
    pub hyphenated: bool,
    /// The line is wider than the measure (only when a single glyph is).
    pub overfull: bool,
}

/// Statistics of one layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutStats {
    /// The breaker pass that found the lines.
    pub pass: Pass,
    /// Lines more or fewer than the best breaking (non-zero only with looseness).
    pub looseness: i32,
    /// Total demerits.
    pub demerits: f64,
}

/// A paragraph set in lines.
#[derive(Debug, Clone, PartialEq)]
pub struct ParagraphLayout {
    /// The lines.
    pub lines: Vec<LaidLine>,
    /// Problems found (missing glyphs, forced breaks), at the paragraph's span.
    pub diagnostics: Vec<Diagnostic>,
    /// Characters no face of the family has, in order of first use.
    pub missing: Vec<char>,
    /// How the breaking went.
    pub stats: LayoutStats,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BreakKind {
    /// Automatic hyphenation: adds a hyphen.
    Hyphen,
    /// After a hyphen or dash of the text.
    Explicit,
    /// Forced inside a word too wide for a line.
    Forced,
    /// Inside a word of code, where a programmer would break it (see `code_breaks`):
    /// nothing is added, and like a hyphenation it is not tried in the first pass, so a
    /// name in code is broken only when the paragraph cannot be set well without.
    Code,
    /// Between ideographs (or next to one), where UAX #14 allows it: zero-width glue with a
    /// little stretch, so that CJK text justifies and breaks anywhere.
    Ideographic,
}

#[derive(Debug, Clone)]
struct Segment {
    style: RunStyle,
    /// Byte range in the paragraph text.
    range: Range<usize>,
    /// Index of the face `shaped` was shaped with (see [`FontFamily::face_by_index`]).
    face: usize,
    shaped: Arc<ShapedText>,
    scale: f64,
}

#[derive(Debug, Clone, Copy)]
enum Content {
    /// Indent, glue, and end-of-paragraph items.
    None,
    /// Part of a segment: segment index, byte range within it.
    Piece {
        segment: usize,
        start: usize,
        end: usize,
    },
    /// A break inside a word (or between two of its segments).
    Break { kind: BreakKind },
}

/// A paragraph shaped and turned into items, ready to be broken into lines any number of
/// times.
#[derive(Debug, Clone)]
pub struct PreparedParagraph {
    /// Unique in the process (shared by clones, which hold the same items): names the
    /// items for the typesetter's looseness memo.
    id: u64,
    text: String,
    segments: Vec<Segment>,
    items: Vec<Item>,
    contents: Vec<Content>,
    options: ParagraphOptions,
    span: Span,
    diagnostics: Vec<Diagnostic>,
    /// Characters no face of the family has, in order of first use.
    missing: Vec<char>,
    /// Per item, how far it may hang into the margins (empty unless margin kerning is on).
    hangs: Vec<Hang>,
    min_size: Pt,
    /// How many characters of `text` are not white space: what the lines must hold.
    letters: usize,
    /// Some character of `text` is a right-to-left letter (Hebrew, Arabic).
    has_right_to_left: bool,
}

impl PreparedParagraph {
    /// Lets go of what breaking the paragraph needs (its items, shaped pieces and hangs),
    /// keeping its text and options: for a paragraph whose lines are final. Breaking it
    /// again afterwards gives no lines.
    pub fn release_breaking_data(&mut self) {
        self.segments = Vec::new();
        self.items = Vec::new();
        self.contents = Vec::new();
        self.hangs = Vec::new();
    }

    /// The boxes, glue and penalties.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The paragraph's text (the runs joined).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The options it was prepared with.
    pub fn options(&self) -> &ParagraphOptions {
        &self.options
    }

    /// Characters no face of the family has, in order of first use (each is also reported
    /// as a diagnostic at the paragraph's span, whose message starts with
    /// [`MISSING_GLYPH`]).
    pub fn missing(&self) -> &[char] {
        &self.missing
    }
}

/// Shapes, hyphenates and breaks paragraphs; keeps the word caches across paragraphs.
#[derive(Debug)]
pub struct Typesetter {
    shaper: Shaper,
    hyphenator: Hyphenator,
    words: WordCache,
    /// The words every typesetter made from this one with [`Typesetter::fresh`] prepared.
    shared_words: Arc<SharedWords>,
    /// Glyph runs of lines already used, kept for their text and glyph buffers (see
    /// [`Typesetter::recycle`]).
    spare_runs: Vec<GlyphRun>,
    /// The shaped space of each style used so far.
    spaces: Vec<(ShapeStyle, Arc<ShapedText>)>,
    /// The last paragraph's passes with a looseness, for its next looseness.
    memo: LoosenessMemo,
    /// Off only in tests, to compare with the words set without the cache.
    use_word_cache: bool,
    /// The book is written in Chinese, Japanese or Korean: CJK text breaks and justifies
    /// between any two characters. In any other language a run of CJK characters is a word
    /// of the text (a name, a term): set solid, broken only inside a run too long for a
    /// line.
    cjk_language: bool,
    /// The book's language is written right to left (Hebrew, Arabic...): paragraphs start
    /// at the right edge, but for code.
    right_to_left: bool,
    /// The book's language never ends a line on a one-letter word (see
    /// [`ties_one_letter_words`]).
    ties_one_letter_words: bool,
}

static NEXT_PREPARED_ID: AtomicU64 = AtomicU64::new(0);

/// How a break inside a word is priced (see [`ParagraphOptions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BreakClass {
    /// Automatic hyphen: `hyphen_penalty`, flagged.
    Hyphen,
    /// After a dash of the text: `dash_penalty`.
    Dash,
    /// After a hyphen of the text: `ex_hyphen_penalty`, flagged.
    TextHyphen,
    /// After anything else the line-breaking rules allow: `ex_hyphen_penalty`.
    Other,
    /// Forced inside a word too wide for a line: `forced_break_penalty`.
    Forced,
    /// Inside a word of code: `hyphen_penalty`, not flagged, not in the first pass.
    Code,
}

impl BreakClass {
    fn of(kind: BreakKind, before: char) -> BreakClass {
        match kind {
            BreakKind::Hyphen => BreakClass::Hyphen,
            BreakKind::Explicit if is_dash(before) => BreakClass::Dash,
            BreakKind::Explicit if matches!(before, '-' | '\u{2010}') => BreakClass::TextHyphen,
            BreakKind::Explicit | BreakKind::Ideographic => BreakClass::Other,
            BreakKind::Forced => BreakClass::Forced,
            BreakKind::Code => BreakClass::Code,
        }
    }

    /// The penalty, and whether the break is flagged and an automatic hyphenation.
    fn penalty(self, options: &ParagraphOptions) -> (f64, bool, bool) {
        match self {
            BreakClass::Hyphen => (options.hyphen_penalty, true, true),
            BreakClass::Dash => (options.dash_penalty, false, false),
            BreakClass::TextHyphen => (options.ex_hyphen_penalty, true, false),
            BreakClass::Other => (options.ex_hyphen_penalty, false, false),
            BreakClass::Forced => (options.forced_break_penalty, false, false),
            BreakClass::Code => (code_break_penalty(options), false, true),
        }
    }
}

/// Part of a word in one style, in font units (so one entry serves every size).
#[derive(Debug, Clone, Copy)]
enum WordPart {
    /// Text between two breaks: byte range in the word, width.
    Piece {
        start: usize,
        end: usize,
        width: i32,
    },
    /// A break, with the width it adds before (a hyphen, and the prefix shaped on its own)
    /// and after (the suffix shaped on its own).
    Break {
        kind: BreakKind,
        class: BreakClass,
        pre: i32,
        post: i32,
    },
    /// A break between ideographs: zero-width glue (its stretch depends on the size).
    Glue,
    /// The parts that follow belong to the word's next segment (another face).
    Segment,
}

/// A word (all in one style) turned into the parts of its items: what [`Typesetter::prepare`]
/// needs to set it again, so that a repeated word costs one look-up.
#[derive(Debug, Clone)]
struct CachedWord {
    /// Where its parts are in [`WordCache::parts`].
    parts: Range<usize>,
    /// The first segment of the word (the whole word when one face has all of it).
    shaped: Arc<ShapedText>,
    /// `shaped.face`, here to spare a look at `shaped` (another cache line).
    face: usize,
    /// The further segments, in order, each in the face of its `face` (a word with
    /// characters its style's face lacks); empty for almost every word.
    more: Box<[Arc<ShapedText>]>,
    /// Some segment's `missing` is not empty.
    missing: bool,
    /// The widest stretch between two breaks, in the font units of the first segment's
    /// face: a word wider than a line takes the uncached way (forced breaks).
    widest: f64,
    sentence_end: bool,
}

/// Every word prepared so far, per (style, hyphenated or not).
#[derive(Debug, Default)]
struct WordCache {
    maps: Vec<(ShapeStyle, bool, FxHashMap<Box<str>, CachedWord>)>,
    /// The parts of every word, one after the other (one allocation for all).
    parts: Vec<WordPart>,
    /// How many words were shaped and hyphenated here (not found in another core's words).
    made: usize,
}

impl WordCache {
    /// The index in `maps` of the words in `style`, hyphenated or not.
    fn index(&mut self, style: ShapeStyle, hyphenate: bool) -> usize {
        match self
            .maps
            .iter()
            .position(|(s, h, _)| *s == style && *h == hyphenate)
        {
            Some(index) => index,
            None => {
                self.maps.push((style, hyphenate, FxHashMap::default()));
                self.maps.len() - 1
            }
        }
    }
}

/// The words prepared by every typesetter made from one another ([`Typesetter::fresh`]): a
/// typesetter on another core takes a word from here rather than shaping and hyphenating it
/// again. What a word becomes depends only on the word, its style and the typesetter's
/// fonts, language and hyphenation rules, which all of them share, so the book comes out
/// the same whichever core prepared a word first.
#[derive(Debug, Default)]
struct SharedWords {
    maps: std::sync::Mutex<Vec<SharedMap>>,
}

/// The shared words of one style, hyphenated or not.
type SharedMap = (ShapeStyle, bool, FxHashMap<Box<str>, Arc<SharedWord>>);

/// A word of [`SharedWords`]: its entry, with `parts` counted from 0 in its own parts.
#[derive(Debug)]
struct SharedWord {
    entry: CachedWord,
    parts: Box<[WordPart]>,
}

impl SharedWords {
    /// The word in `style` (hyphenated or not), if some typesetter prepared it.
    fn get(&self, style: ShapeStyle, hyphenate: bool, word: &str) -> Option<Arc<SharedWord>> {
        let maps = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        maps.iter()
            .find(|(s, h, _)| *s == style && *h == hyphenate)
            .and_then(|(_, _, map)| map.get(word).cloned())
    }

    /// Keeps a word a typesetter prepared (`parts`: its parts, in order).
    fn insert(
        &self,
        style: ShapeStyle,
        hyphenate: bool,
        word: &str,
        entry: &CachedWord,
        parts: &[WordPart],
    ) {
        let shared = Arc::new(SharedWord {
            entry: CachedWord {
                parts: 0..parts.len(),
                ..entry.clone()
            },
            parts: parts.into(),
        });
        let mut maps = self.maps.lock().unwrap_or_else(|e| e.into_inner());
        let index = match maps
            .iter()
            .position(|(s, h, _)| *s == style && *h == hyphenate)
        {
            Some(index) => index,
            None => {
                maps.push((style, hyphenate, FxHashMap::default()));
                maps.len() - 1
            }
        };
        maps[index].2.entry(Box::from(word)).or_insert(shared);
    }
}

/// How much wider (in font units) the two sides of `text` cut at byte `off` are when
/// shaped on their own than as part of `shaped` (`text` shaped whole): the first side with
/// a hyphen added if `hyphen`. Where the shaper marks the cut safe to break, both sides are
/// exactly the whole's glyphs (HarfBuzz's guarantee), so only a side with a hyphen added
/// needs shaping; elsewhere (inside a ligature, at a kerned pair) both sides are shaped.
fn split_corrections(
    shaper: &mut Shaper,
    text: &str,
    shaped: &ShapedText,
    off: usize,
    hyphen: bool,
    style: ShapeStyle,
    face: usize,
) -> (i32, i32) {
    let before = shaped.width_before(off);
    let safe = shaped.safe_split(off).is_some();
    let pre = if hyphen {
        let mut pre_text = String::with_capacity(off + 1);
        pre_text.push_str(&text[..off]);
        pre_text.push('-');
        shaper.shape_in(&pre_text, style, face).width - before
    } else if safe {
        0
    } else {
        shaper.shape_in(&text[..off], style, face).width - before
    };
    let post = if safe {
        0
    } else {
        shaper.shape_in(&text[off..], style, face).width - (shaped.width - before)
    };
    (pre, post)
}

/// Pushes the items of a cached word set in `style` at `range` of the paragraph's text;
/// see [`Typesetter::push_cached_word`].
#[allow(clippy::too_many_arguments)]
fn push_word_items(
    entry: &CachedWord,
    parts: &[WordPart],
    family: &FontFamily,
    style: RunStyle,
    range: Range<usize>,
    available: Pt,
    options: &ParagraphOptions,
    prepared: &mut PreparedParagraph,
    missing: &mut Vec<char>,
) -> Option<bool> {
    let mut scale = face_scale(family, entry.face, style.size);
    if Pt(entry.widest * scale) > available {
        return None;
    }
    if entry.missing {
        for shaped in std::iter::once(&entry.shaped).chain(entry.more.iter()) {
            for c in &shaped.missing {
                if !missing.contains(c) {
                    missing.push(*c);
                }
            }
        }
    }
    let mut segment = prepared.segments.len();
    let mut more = entry.more.iter();
    let mut at = range.start;
    let end = (at + entry.shaped.text.len()).min(range.end);
    prepared.segments.push(Segment {
        style,
        range: at..end,
        face: entry.face,
        scale,
        shaped: entry.shaped.clone(),
    });
    at = end;
    for part in parts {
        match *part {
            WordPart::Piece { start, end, width } => {
                prepared.items.push(Item::Box {
                    width: Pt(f64::from(width) * scale),
                });
                prepared.contents.push(Content::Piece {
                    segment,
                    start,
                    end,
                });
            }
            WordPart::Break {
                kind,
                class,
                pre,
                post,
            } => {
                let (penalty, flagged, hyphenation) = class.penalty(options);
                prepared.items.push(Item::Penalty {
                    width: Pt(f64::from(pre) * scale),
                    post_width: Pt(f64::from(post) * scale),
                    penalty,
                    flagged,
                    hyphenation,
                });
                prepared.contents.push(Content::Break { kind });
            }
            WordPart::Glue => {
                prepared.items.push(ideographic_glue(style.size, options));
                prepared.contents.push(Content::None);
            }
            WordPart::Segment => {
                let Some(shaped) = more.next() else {
                    continue;
                };
                let end = (at + shaped.text.len()).min(range.end);
                scale = face_scale(family, shaped.face, style.size);
                segment = prepared.segments.len();
                prepared.segments.push(Segment {
                    style,
                    range: at..end,
                    face: shaped.face,
                    scale,
                    shaped: shaped.clone(),
                });
                at = end;
            }
        }
    }
    Some(entry.sentence_end)
}

/// Points per font unit of face `face` at `size`.
fn face_scale(family: &FontFamily, face: usize, size: Pt) -> f64 {
    family
        .face_by_index(face)
        .unwrap_or_else(|| family.face(FontVariant::Regular))
        .scale(size.0)
}

/// Stretch of the glue between two ideographs, in ems: CJK has no word spaces, so a
/// justified line of it spreads its characters apart a little (as xeCJK's `CJKglue`).
const IDEOGRAPHIC_STRETCH: f64 = 0.1;

/// The glue of a break between ideographs: no natural width, a little stretch (none when
/// set ragged right, as word spaces), no shrink.
fn ideographic_glue(size: Pt, options: &ParagraphOptions) -> Item {
    let stretch = if options.ragged_right {
        Pt::ZERO
    } else {
        size * IDEOGRAPHIC_STRETCH
    };
    Item::Glue {
        width: Pt::ZERO,
        stretch,
        shrink: Pt::ZERO,
        fill: false,
    }
}

/// Whether `c` is of a CJK line-breaking class (ideographs, kana, hangul): a break next to
/// one is a break between characters, not after a hyphen or dash.
fn is_ideographic(c: char) -> bool {
    use unicode_linebreak::{BreakClass as Lb, break_property};
    !c.is_ascii()
        && matches!(
            break_property(u32::from(c)),
            Lb::Ideographic
                | Lb::ConditionalJapaneseStarter
                | Lb::HangulLvSyllable
                | Lb::HangulLvtSyllable
                | Lb::HangulLJamo
                | Lb::HangulVJamo
                | Lb::HangulTJamo
        )
}

/// Byte offsets of the paragraph's break opportunities that UAX #14 allows (not mandatory
/// ones), computed once a paragraph needs them.
fn allowed_breaks<'a>(allowed: &'a mut Option<Vec<usize>>, text: &str) -> &'a [usize] {
    allowed.get_or_insert_with(|| {
        let mut breaks: Vec<usize> = linebreaks(text)
            .filter(|(_, o)| *o == BreakOpportunity::Allowed)
            .map(|(i, _)| i)
            .collect();
        push_dictionary_breaks(text, &mut breaks);
        breaks
    })
}

/// Whether `c` belongs to a script written without spaces between words whose line breaks
/// UAX #14 leaves to a dictionary (its class SA: Thai, Lao, Khmer, Myanmar, Tai Tham ...).
fn is_complex_context(c: char) -> bool {
    u32::from(c) >= 0x0E00
        && unicode_linebreak::break_property(u32::from(c))
            == unicode_linebreak::BreakClass::ComplexContext
}

/// Adds the breaks between the words of each run of Thai, Lao, Khmer or Myanmar letters in
/// `text` (ICU4X's dictionaries), keeping `breaks` sorted. Each run is segmented on its own,
/// so a word's breaks are the same in every paragraph (the word cache relies on it).
fn push_dictionary_breaks(text: &str, breaks: &mut Vec<usize>) {
    // Every such letter is encoded in three bytes led by 0xE0 (Thai, Lao), 0xE1 (Myanmar,
    // Khmer, Tai Tham) or 0xEA (their extensions); curly quotes and dashes (0xE2) are not.
    if !text.bytes().any(|b| matches!(b, 0xE0 | 0xE1 | 0xEA))
        || !text.chars().any(is_complex_context)
    {
        return;
    }
    let segmenter = icu_segmenter::LineSegmenter::new_dictionary(Default::default());
    let mut run_start: Option<usize> = None;
    let ends = text
        .char_indices()
        .map(|(i, c)| (i, Some(c)))
        .chain(std::iter::once((text.len(), None)));
    for (i, c) in ends {
        let inside = c.is_some_and(is_complex_context);
        match (inside, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                run_start = None;
                let run = &text[start..i];
                breaks.extend(
                    segmenter
                        .segment_str(run)
                        .filter(|&b| b > 0 && b < run.len() && run.is_char_boundary(b))
                        .map(|b| start + b),
                );
            }
            _ => {}
        }
    }
    breaks.sort_unstable();
    breaks.dedup();
}

/// The most a line's first glyph hangs into the left margin: enough to align an opening
/// quote optically, not so much that the line seems to start outside the text block.
const MAX_LEFT_HANG: Pt = Pt(0.9);

/// How much of a character may hang into the left and right margins, as fractions of its
/// advance: microtype's default protrusion for text faces, for punctuation, quotes, hyphens
/// and dashes (its few hundredths for letters with open sides are left out: too small to
/// see, and they would push letters past the measure).
fn protrusion(c: char) -> (f64, f64) {
    match c {
        '.' | '\u{2026}' => (0.0, 0.7),
        ',' => (0.0, 0.5),
        ':' | ';' => (0.0, 0.4),
        '!' | '?' => (0.0, 0.1),
        '-' | '\u{2010}' | '\u{2011}' | '\u{AD}' => (0.4, 0.5),
        '\u{2013}' => (0.2, 0.2),
        '\u{2014}' => (0.15, 0.15),
        '\u{2018}' | '\u{2019}' | '\'' => (0.3, 0.4),
        '\u{201C}' | '\u{201D}' | '"' => (0.3, 0.3),
        '\u{AB}' | '\u{BB}' | '\u{2039}' | '\u{203A}' => (0.2, 0.2),
        _ => (0.0, 0.0),
    }
}

/// Whether `word` reads as a verse number: digits, perhaps a chapter and verse (`3:16`) or
/// a range (`4-5`), at most eight characters.
fn is_verse_number(word: &str) -> bool {
    word.len() <= 8
        && word.starts_with(|c: char| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '-' | '\u{2013}'))
}

/// Whether `word` is a unit of measure a number stands before (`g`, `km`, `°C`, `%`,
/// `min`): the space between them does not break.
fn is_unit(word: &str) -> bool {
    matches!(
        word,
        "mg" | "g"
            | "kg"
            | "ml"
            | "cl"
            | "dl"
            | "L"
            | "mm"
            | "cm"
            | "m"
            | "km"
            | "ft"
            | "yd"
            | "mi"
            | "oz"
            | "lb"
            | "lbs"
            | "qt"
            | "gal"
            | "h"
            | "hr"
            | "hrs"
            | "min"
            | "mins"
            | "sec"
            | "ms"
            | "°"
            | "°C"
            | "°F"
            | "%"
            | "‰"
            | "kB"
            | "MB"
            | "GB"
            | "TB"
            | "Hz"
            | "kHz"
            | "MHz"
            | "GHz"
            | "kW"
            | "mA"
            | "kJ"
            | "kcal"
            | "tsp"
            | "tbsp"
    )
}

/// Whether `tag` (BCP 47) is a language whose typesetters never end a line on a
/// one-letter word (Polish `w`, `z`, `i`; Czech and Slovak `k`, `s`, `v`, `a`).
fn ties_one_letter_words(tag: &str) -> bool {
    let primary = tag.split(['-', '_']).next().unwrap_or_default();
    ["pl", "cs", "sk"]
        .iter()
        .any(|t| primary.eq_ignore_ascii_case(t))
}

/// Whether a BCP 47 tag names a language written in CJK characters.
fn is_cjk_language(tag: &str) -> bool {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        primary.as_str(),
        "zh" | "ja" | "ko" | "yue" | "cmn" | "wuu" | "hak" | "nan" | "lzh"
    )
}

/// In text of another language, the shortest run of CJK characters that may break (and
/// stretch) inside: shorter runs are names and terms, kept whole and solid on a line.
const SHORTEST_BROKEN_CJK_RUN: usize = 7;

/// The number of CJK characters in the run around byte `at` of `text` (0 when `at` is not
/// between two of them).
fn cjk_run_around(text: &str, at: usize) -> usize {
    let before = text[..at]
        .chars()
        .rev()
        .take_while(|&c| is_ideographic(c))
        .count();
    let after = text[at..]
        .chars()
        .take_while(|&c| is_ideographic(c))
        .count();
    if before == 0 || after == 0 {
        0
    } else {
        before + after
    }
}

/// Breaks inside the word at `range` of `text`: offsets in the paragraph, sorted, no
/// repeats. Hyphenation points are kept only strictly inside the `hyphenatable` ranges of
/// the paragraph (the parts in their style's own face: text in a fallback face is not
/// hyphenated).
#[allow(clippy::too_many_arguments)]
fn word_breaks(
    hyphenator: &mut Hyphenator,
    text: &str,
    range: &Range<usize>,
    allowed: &[usize],
    hyphenate: bool,
    hyphenatable: &[Range<usize>],
    cjk_language: bool,
    code: &[Range<usize>],
) -> Vec<(usize, BreakKind)> {
    let mut breaks: Vec<(usize, BreakKind)> = Vec::new();
    let word = &text[range.clone()];
    // Whether the character ending at `i` is code's.
    let in_code = |i: usize| code.iter().any(|r| r.start < i && i <= r.end);
    if is_url(word) {
        // A web or e-mail address breaks only where a reader sees it cannot be a hyphen,
        // and nothing is added (no hyphen): see `url_breaks`.
        breaks.extend(
            url_breaks(word)
                .into_iter()
                .map(|i| (range.start + i, BreakKind::Explicit)),
        );
        return breaks;
    }
    for code in code {
        // A name in code breaks where a programmer would break it, and nothing is added.
        breaks.extend(
            code_breaks(&text[code.clone()])
                .into_iter()
                .map(|i| (code.start + i, BreakKind::Code)),
        );
    }
    let first = allowed.partition_point(|&i| i <= range.start);
    for &i in allowed[first..].iter().take_while(|&&i| i < range.end) {
        let after = text[i..].chars().next().unwrap_or(' ');
        if is_dash(after) {
            continue;
        }
        let before = text[..i].chars().next_back().unwrap_or(' ');
        // A range of numbers (`10–12`, `1813–1817`) is one: no break after its dash.
        if before == '\u{2013}'
            && after.is_ascii_digit()
            && text[..i - before.len_utf8()]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_digit())
        {
            continue;
        }
        if before == '-' && in_code(i) {
            // In code a hyphen is part of a name or an option (`-r`, `rustup-init`):
            // a line ending on one would read as a hyphenated word.
            continue;
        }
        let kind = if before == '\u{AD}' {
            // The author's soft hyphen: a break that prints a hyphen, hyphenation on or off.
            BreakKind::Hyphen
        } else if is_complex_context(before) && is_complex_context(after) {
            // Between two words of Thai, Lao, Khmer or Myanmar (no space between them): a
            // break that adds nothing, where the line may also stretch a little, as between
            // ideographs.
            BreakKind::Ideographic
        } else if is_ideographic(before) || is_ideographic(after) {
            // Inside other text, a CJK term (a name) stays whole and solid; a run too long
            // to be one breaks and justifies between characters, as CJK text does.
            if !cjk_language && cjk_run_around(text, i) < SHORTEST_BROKEN_CJK_RUN {
                continue;
            }
            BreakKind::Ideographic
        } else {
            BreakKind::Explicit
        };
        breaks.push((i, kind));
    }
    if hyphenate && !hyphenatable.is_empty() {
        for p in hyphenator.points_uncached(&text[range.clone()]) {
            let at = range.start + p;
            // Thai and its kin print no hyphen: their words break where the dictionary
            // found them (above).
            let spaceless = text[at..].chars().next().is_some_and(is_complex_context);
            if !spaceless && hyphenatable.iter().any(|r| r.start < at && at < r.end) {
                breaks.push((at, BreakKind::Hyphen));
            }
        }
    }
    breaks.sort_by_key(|b| b.0);
    breaks.dedup_by_key(|b| b.0);
    breaks
}

/// The parts of the word at `range` set as code (monospaced), from the style of each run:
/// `(` and `)` around `` `--force` `` are not code, the option is.
fn code_runs(
    range: &Range<usize>,
    style_at: &dyn Fn(usize) -> (RunStyle, usize),
) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut at = range.start;
    while at < range.end {
        let (style, run_end) = style_at(at);
        let end = run_end.clamp(at + 1, range.end);
        if style.variant.is_mono() {
            match runs.last_mut() {
                Some(last) if last.end == at => last.end = end,
                _ => runs.push(at..end),
            }
        }
        at = end;
    }
    runs
}

/// True for a web address (`https://...`, `www....`) or an e-mail address, perhaps in
/// brackets or followed by punctuation.
/// The layout of a paragraph with nothing in it.
fn empty_layout(prepared: &PreparedParagraph) -> ParagraphLayout {
    ParagraphLayout {
        lines: Vec::new(),
        diagnostics: prepared.diagnostics.clone(),
        missing: prepared.missing.clone(),
        stats: LayoutStats {
            pass: Pass::First,
            looseness: 0,
            demerits: 0.0,
        },
    }
}

fn is_url(word: &str) -> bool {
    let core = word.trim_start_matches(['(', '[', '<', '\u{2018}', '\u{201C}', '"', '\'']);
    core.contains("://")
        || core
            .get(..4)
            .is_some_and(|w| w.eq_ignore_ascii_case("www."))
        || core.starts_with("mailto:")
        || (core.contains('@') && core.rsplit('@').next().is_some_and(|d| d.contains('.')))
}

/// Where a web or e-mail address may break, as byte offsets in `word` (the Chicago Manual's
/// rules): after `//`, before a single `/`, `.`, `,`, `-`, `_`, `~`, `?`, `#`, `%` or `@`,
/// before or after `=` and `&`; never inside `://`, never leaving fewer than five
/// characters before the break or three after it, and never before the closing
/// punctuation that follows the address.
/// Where a word of code (`std::sync::atomic::AtomicUsize::compare_exchange_weak`,
/// `config.server.port`, `src/bin/main.rs`) may break across lines, by the custom of
/// printed programming books: after a path separator (`::`, `/`, `->`), an opening bracket
/// or a comma; before a `.` joining two names (not before a file's extension); and, in a
/// long name only, before an `_` with six characters or more on either side. Never within
/// three characters of either end, never after a hyphen (see [`word_breaks`]).
fn code_breaks(word: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let count = chars.len();
    let name_run = |from: usize| {
        chars[from..]
            .iter()
            .take_while(|(_, c)| c.is_alphanumeric())
            .count()
    };
    let mut out = Vec::new();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if k < 3 || count - k < 3 || c.is_whitespace() {
            continue;
        }
        let prev = chars[k - 1].1;
        let prev2 = chars[k - 2].1;
        let after_separator = (prev == ':' && prev2 == ':' && c != ':')
            || (prev == '>' && prev2 == '-')
            || (matches!(prev, '/' | '(' | '[' | '{' | ',') && !matches!(c, '/' | ')' | ']' | '}'));
        let joins_names = prev.is_alphanumeric() && chars[k + 1].1.is_alphanumeric();
        let before_member = c == '.' && joins_names && name_run(k + 1) >= 4;
        let before_underscore = c == '_' && joins_names && count >= 16 && k >= 6 && count - k >= 6;
        if after_separator || before_member || before_underscore {
            out.push(i);
        }
    }
    out
}

/// The cost of breaking a name in code: three automatic hyphens' (a reader must put the
/// name together again, with no hyphen to say so).
fn code_break_penalty(options: &ParagraphOptions) -> f64 {
    (options.hyphen_penalty * 3.0).min(INFINITE_PENALTY - 1.0)
}

fn url_breaks(word: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let core_end = word
        .trim_end_matches([
            '.', ',', ';', ':', ')', ']', '>', '\u{2019}', '\u{201D}', '"', '\'',
        ])
        .len();
    let mut out = Vec::new();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if k < 5 || i >= core_end {
            continue;
        }
        let prev = chars[k - 1].1;
        let prev2 = if k >= 2 { chars[k - 2].1 } else { ' ' };
        let after_double_slash = prev == '/' && prev2 == '/';
        let before_mark = matches!(c, '.' | ',' | '-' | '_' | '~' | '?' | '#' | '%' | '@')
            || (c == '/' && prev != '/' && chars.get(k + 1).is_none_or(|n| n.1 != '/'));
        let around_operator = matches!(c, '=' | '&') || matches!(prev, '=' | '&');
        let in_scheme = c == '/' && prev == ':';
        let rest = word[i..core_end].chars().count();
        if (after_double_slash || before_mark || around_operator) && !in_scheme && rest >= 3 {
            out.push(i);
        }
    }
    out
}

const ABBREVIATIONS: [&str; 8] = ["Mr", "Mrs", "Messrs", "Dr", "St", "Mme", "Mlle", "Esq"];

/// A space that does not break and keeps its width: the no-break spaces, the fixed-width
/// spaces of U+2000 to U+200A, and the ideographic space.
fn is_fixed_space(c: char) -> bool {
    matches!(
        c,
        '\u{A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{3000}'
    )
}

fn is_sentence_end(word: &str) -> bool {
    let trimmed = word.trim_end_matches(['’', '”', '\'', '"', ')', ']', '»']);
    let Some(stripped) = trimmed.strip_suffix(['.', '!', '?']) else {
        return false;
    };
    let core = stripped.trim_start_matches(['‘', '“', '\'', '"', '(', '[', '«']);
    let single_initial = core.chars().count() == 1 && core.chars().all(char::is_uppercase);
    !(single_initial || ABBREVIATIONS.contains(&core))
}

fn is_dash(c: char) -> bool {
    matches!(c, '\u{2012}'..='\u{2015}' | '\u{2E3A}' | '\u{2E3B}')
}

impl Typesetter {
    /// A typesetter for a family, a BCP 47 language tag (for hyphenation and shaping) and
    /// the hyphenation rules.
    pub fn new(family: FontFamily, language: &str, hyphenation: HyphenationOptions) -> Self {
        let features = ShapeFeatures {
            language: Some(language.to_owned()),
            ..ShapeFeatures::default()
        };
        Typesetter {
            shaper: Shaper::new(family, features),
            hyphenator: Hyphenator::new(language, hyphenation),
            words: WordCache::default(),
            shared_words: Arc::default(),
            spare_runs: Vec::new(),
            spaces: Vec::new(),
            memo: LoosenessMemo::default(),
            use_word_cache: true,
            cjk_language: is_cjk_language(language),
            right_to_left: quire_model::is_right_to_left(language),
            ties_one_letter_words: ties_one_letter_words(language),
        }
    }

    /// A typesetter with the same fonts, language and hyphenation, for setting other
    /// paragraphs on another core: its caches start empty, but the words either prepares
    /// are shared (what it sets does not depend on what is cached).
    pub fn fresh(&self) -> Typesetter {
        Typesetter {
            shaper: self.shaper.fresh(),
            hyphenator: self.hyphenator.fresh(),
            words: WordCache::default(),
            shared_words: self.shared_words.clone(),
            spare_runs: Vec::new(),
            spaces: Vec::new(),
            memo: LoosenessMemo::default(),
            use_word_cache: self.use_word_cache,
            cjk_language: self.cjk_language,
            right_to_left: self.right_to_left,
            ties_one_letter_words: self.ties_one_letter_words,
        }
    }

    /// Whether the space `c` at byte `at` of `text`, after the word `ended` (if it ends
    /// one), must not break: a thin space between digits (`3 000`, as French and SI
    /// write thousands), a space between the dots of a spaced ellipsis (`. . .`), after a
    /// dash opening a speech, and in Polish, Czech and Slovak after a one-letter word.
    fn tied_space(&self, text: &str, at: usize, c: char, ended: Option<&str>) -> bool {
        let before = text[..at].chars().next_back();
        let after = text[at + c.len_utf8()..].chars().next();
        let (Some(before), Some(after)) = (before, after) else {
            return false;
        };
        (matches!(c, '\u{2009}' | '\u{2006}' | '\u{2008}')
            && before.is_ascii_digit()
            && after.is_ascii_digit())
            || (before == '.' && after == '.')
            || (self.ties_one_letter_words
                && ended.is_some_and(|w| {
                    let mut chars = w.chars();
                    chars.next().is_some_and(char::is_alphabetic) && chars.next().is_none()
                }))
            || ended.is_some_and(|w| {
                // A number and its unit (`250 g`, `2½ h`, `180 °C`, `10 %`).
                w.ends_with(|c: char| {
                    c.is_ascii_digit()
                        || ('\u{BC}'..='\u{BE}').contains(&c)
                        || ('\u{2150}'..='\u{215E}').contains(&c)
                }) && is_unit(
                    text[at + c.len_utf8()..]
                        .split(char::is_whitespace)
                        .next()
                        .unwrap_or_default()
                        .trim_end_matches(['.', ',', ';', ':', ')', '!', '?']),
                )
            })
            || ended.is_some_and(|w| {
                // A dash that opens a speech (at the paragraph's start or after a full
                // stop, as Portuguese, Spanish, Polish and Russian dialogue writes it)
                // stays with the speech. (After `?` or `!` it may as well bring in the
                // narrator: `— Vai? — perguntou.`)
                matches!(w, "\u{2014}" | "\u{2013}" | "\u{2015}")
                    && text[..at - w.len()]
                        .trim_end()
                        .chars()
                        .next_back()
                        .is_none_or(|p| p == '.')
            })
    }

    /// The shaper (and its cache statistics).
    pub fn shaper(&self) -> &Shaper {
        &self.shaper
    }

    /// The hyphenator.
    pub fn hyphenator(&self) -> &Hyphenator {
        &self.hyphenator
    }

    /// Shapes and breaks a paragraph: [`Typesetter::prepare`] then
    /// [`Typesetter::layout`]. `span` is where the paragraph came from; diagnostics carry it.
    pub fn typeset(
        &mut self,
        runs: &[TextRun<'_>],
        options: &ParagraphOptions,
        span: Span,
    ) -> ParagraphLayout {
        let prepared = self.prepare(runs, options, span);
        self.layout(&prepared, &options.breaking)
    }

    /// Takes back the glyph runs of a layout that has been used (turned into page lines),
    /// so that later lines fill their buffers rather than allocate new ones: a book's lines
    /// are set three times over (each looseness pagination tries), a word at a time.
    pub fn recycle(&mut self, layout: ParagraphLayout) {
        /// Enough for the longest paragraphs; a few hundred kilobytes at most.
        const KEEP: usize = 4096;
        for line in layout.lines {
            let room = KEEP.saturating_sub(self.spare_runs.len());
            self.spare_runs.extend(line.runs.into_iter().take(room));
        }
    }

    fn width(&self, shaped: &ShapedText, size: Pt) -> Pt {
        Pt(f64::from(shaped.width) * face_scale(self.shaper.family(), shaped.face, size))
    }

    /// Splits the runs into words, shapes them and builds the line breaker's items.
    pub fn prepare(
        &mut self,
        runs: &[TextRun<'_>],
        options: &ParagraphOptions,
        span: Span,
    ) -> PreparedParagraph {
        let mut text = String::with_capacity(runs.iter().map(|r| r.text.len()).sum());
        let mut run_bounds: Vec<(Range<usize>, RunStyle)> = Vec::with_capacity(runs.len());
        for run in runs {
            let start = text.len();
            text.push_str(run.text);
            let size = if run.style.size.0.is_finite() && run.style.size.0 > 0.0 {
                run.style.size
            } else {
                Pt(10.0)
            };
            run_bounds.push((start..text.len(), RunStyle { size, ..run.style }));
        }
        let style_at = |i: usize| -> (RunStyle, usize) {
            run_bounds
                .iter()
                .find(|(r, _)| r.contains(&i))
                .map(|(r, s)| (*s, r.end))
                .unwrap_or((RunStyle::regular(Pt(10.0)), text.len()))
        };
        let min_size = run_bounds
            .iter()
            .map(|(_, s)| s.size)
            .fold(None, |m: Option<Pt>, s| Some(m.map_or(s, |m| m.min(s))))
            .unwrap_or(Pt(10.0));

        // Break opportunities inside words (after hyphens and dashes), found when a word
        // is not in the cache.
        let mut allowed: Option<Vec<usize>> = None;

        // Words: maximal runs of non-space characters.
        #[derive(Debug)]
        enum Token {
            Word(Range<usize>),
            Space {
                at: usize,
                breakable: bool,
            },
            HardBreak,
            /// No-break or fixed-width spaces opening a line after a hard break
            /// (`&nbsp;&nbsp;` or `&emsp;` before a line of verse): kept as an indent, as
            /// a browser keeps them.
            Indent(Range<usize>),
        }
        let mut tokens = Vec::with_capacity(text.len() / 3 + 4);
        let mut word_start: Option<usize> = None;
        let mut letters = 0;
        let mut has_right_to_left = false;
        for (i, c) in text.char_indices() {
            // An ideographic space inside text (`第一章　始まり`) is set as the full-width
            // character it is, and copies as one; at the paragraph's or a line's start,
            // or after other spaces, it is a space (an indent, see `Token::Indent`).
            let space = c.is_whitespace() && (c != '\u{3000}' || word_start.is_none());
            // What the ledger counts: printing characters.
            letters += usize::from(!c.is_whitespace());
            has_right_to_left = has_right_to_left || crate::bidi::is_right_to_left_char(c);
            if space {
                // The word this space ends, if it ends one.
                let ended = word_start.map(|s| &text[s..i]);
                if let Some(s) = word_start.take() {
                    tokens.push(Token::Word(s..i));
                }
                // After a hard break only: at the paragraph's start the paragraph indent
                // stands for them (web editions fake it with `&nbsp;`s).
                let line_start = matches!(tokens.last(), Some(Token::HardBreak | Token::Indent(_)));
                if c == '\n' || c == '\u{2028}' {
                    tokens.push(Token::HardBreak);
                } else if line_start && !options.preserve_spaces && is_fixed_space(c) {
                    let end = i + c.len_utf8();
                    match tokens.last_mut() {
                        Some(Token::Indent(range)) => range.end = end,
                        _ => tokens.push(Token::Indent(i..end)),
                    }
                } else if options.preserve_spaces {
                    // Code: every space is a space of its own, and none is a break.
                    tokens.push(Token::Space {
                        at: i,
                        breakable: false,
                    });
                } else {
                    // A verse number (a raised or smaller number standing alone before
                    // its verse: `<sup>16</sup> For God so loved`) stays with its verse.
                    let verse_number = ended.is_some_and(|w| {
                        is_verse_number(w)
                            && style_at(i - w.len()).0.size.0
                                < style_at(i + c.len_utf8()).0.size.0 * 0.9
                    });
                    let breakable = !matches!(c, '\u{A0}' | '\u{202F}' | '\u{2007}')
                        && !verse_number
                        && !self.tied_space(&text, i, c, ended);
                    match tokens.last_mut() {
                        Some(Token::Space { breakable: b, .. }) => *b = *b && breakable,
                        _ => tokens.push(Token::Space { at: i, breakable }),
                    }
                }
            } else {
                word_start.get_or_insert(i);
            }
        }
        if let Some(s) = word_start.take() {
            tokens.push(Token::Word(s..text.len()));
        }
        // No space at the start or end, none around hard breaks.
        let mut cleaned: Vec<Token> = Vec::with_capacity(tokens.len());
        for t in tokens {
            match t {
                Token::Space { .. }
                    if !options.preserve_spaces
                        && !matches!(cleaned.last(), Some(Token::Word(_))) => {}
                Token::HardBreak => {
                    if matches!(cleaned.last(), Some(Token::Space { .. })) {
                        cleaned.pop();
                    }
                    cleaned.push(Token::HardBreak);
                }
                t => cleaned.push(t),
            }
        }
        while matches!(
            cleaned.last(),
            Some(Token::Space { .. } | Token::HardBreak | Token::Indent(_))
        ) {
            cleaned.pop();
        }
        let last_word = cleaned.iter().rposition(|t| matches!(t, Token::Word(_)));

        // Room from the start for a word's box, the space after it and a couple of
        // hyphenation points: growing these cost more than the rest of a cached word.
        let words = cleaned
            .iter()
            .filter(|t| matches!(t, Token::Word(_)))
            .count();
        let items = cleaned.len() + 3 * words + 4;
        let mut prepared = PreparedParagraph {
            letters,
            has_right_to_left,
            id: NEXT_PREPARED_ID.fetch_add(1, Ordering::Relaxed),
            text: String::new(),
            segments: Vec::with_capacity(words),
            items: Vec::with_capacity(items),
            contents: Vec::with_capacity(items),
            options: options.clone(),
            span,
            diagnostics: Vec::new(),
            missing: Vec::new(),
            hangs: Vec::new(),
            min_size,
        };
        let mut missing: Vec<char> = Vec::new();
        if options.indent.0 > 0.0 && options.indent.is_finite() && last_word.is_some() {
            prepared.items.push(Item::Box {
                width: options.indent,
            });
            prepared.contents.push(Content::None);
        }
        let measure = if options.measure.0.is_finite() {
            options.measure
        } else {
            Pt::ZERO
        };
        let mut previous_sentence_end = false;
        let mut first_word = true;
        let mut last_word_options: Option<ParagraphOptions> = None;
        for (t_index, token) in cleaned.iter().enumerate() {
            match token {
                Token::Space { at, breakable } => {
                    let (style, _) = style_at(*at);
                    let space = self.space(style.shape_style());
                    let mut width = self.width(&space, style.size);
                    if width.0 <= 0.0 {
                        width = style.size / 4.0;
                    }
                    let factor = if options.sentence_space.is_finite()
                        && options.sentence_space > 0.0
                        && previous_sentence_end
                    {
                        options.sentence_space
                    } else {
                        1.0
                    };
                    if !breakable {
                        prepared.items.push(Item::penalty(INFINITE_PENALTY));
                        prepared.contents.push(Content::None);
                    }
                    // A space inside code (`-Wall -Wextra`) keeps its width, as a
                    // typewriter face's space does in TeX: only the text's spaces justify.
                    let (stretch, shrink) = if options.ragged_right || style.variant.is_mono() {
                        (Pt::ZERO, Pt::ZERO)
                    } else {
                        (width / 2.0 * factor, width / 3.0)
                    };
                    prepared.items.push(Item::Glue {
                        width: width * factor,
                        stretch,
                        shrink,
                        fill: false,
                    });
                    prepared.contents.push(Content::None);
                }
                Token::Indent(range) => {
                    let (style, _) = style_at(range.start);
                    let shaped = self.shaper.shape(&text[range.clone()], style.shape_style());
                    let mut width = self.width(&shaped, style.size);
                    if width.0 <= 0.0 {
                        width = style.size / 4.0 * text[range.clone()].chars().count() as f64;
                    }
                    prepared.items.push(Item::Box { width });
                    prepared.contents.push(Content::None);
                }
                Token::HardBreak => {
                    prepared.items.extend(Item::paragraph_end());
                    prepared
                        .contents
                        .extend([Content::None, Content::None, Content::None]);
                }
                Token::Word(range) => {
                    // Code is never hyphenated, nor text in another language.
                    let first_style = style_at(range.start).0;
                    let hyphenate = options.hyphenate
                        && !first_style.variant.is_mono()
                        && first_style.hyphenate;
                    // The paragraph's last word is hyphenated only as a last resort.
                    let options = if Some(t_index) == last_word {
                        last_word_options.get_or_insert_with(|| ParagraphOptions {
                            hyphen_penalty: options.last_word_hyphen_penalty,
                            ..options.clone()
                        })
                    } else {
                        options
                    };
                    let available = if first_word {
                        measure - options.indent.max(Pt::ZERO)
                    } else {
                        measure
                    };
                    first_word = false;
                    let (style, run_end) = style_at(range.start);
                    // A word in one style goes through the word cache.
                    let cached = if run_end >= range.end && self.use_word_cache {
                        self.push_cached_word(
                            &text,
                            range.clone(),
                            style,
                            &mut allowed,
                            hyphenate,
                            available,
                            options,
                            &mut prepared,
                            &mut missing,
                        )
                    } else {
                        None
                    };
                    if let Some(sentence_end) = cached {
                        previous_sentence_end = sentence_end;
                    } else {
                        let allowed = allowed_breaks(&mut allowed, &text);
                        self.push_word(
                            &text,
                            range.clone(),
                            &style_at,
                            allowed,
                            hyphenate,
                            available,
                            options,
                            &mut prepared,
                            &mut missing,
                        );
                        previous_sentence_end = is_sentence_end(&text[range.clone()]);
                    }
                }
            }
        }
        if last_word.is_some() {
            prepared.items.extend(Item::paragraph_end());
            prepared
                .contents
                .extend([Content::None, Content::None, Content::None]);
            if options.ragged_right {
                prepared.options.breaking.line_end_stretch = min_size * 3.0;
            }
        }
        // What was reserved and not used is given back.
        prepared.items.shrink_to_fit();
        prepared.contents.shrink_to_fit();
        prepared.missing = missing.clone();
        for c in missing {
            prepared.diagnostics.push(
                Diagnostic::warning(
                    span,
                    format!("{MISSING_GLYPH} {c:?} (U+{:04X})", u32::from(c)),
                )
                .with_hint("use a font that has it, or replace the character in the text"),
            );
        }
        prepared.text = text;
        if options.protrusion && !options.ragged_right {
            prepared.hangs = self.hangs(&prepared);
        }
        prepared
    }

    /// The shaped space of a style.
    fn space(&mut self, style: ShapeStyle) -> Arc<ShapedText> {
        if let Some((_, space)) = self.spaces.iter().find(|(s, _)| *s == style) {
            return space.clone();
        }
        let space = self.shaper.shape(" ", style);
        self.spaces.push((style, space.clone()));
        space
    }

    /// Sets a word all in one style from the word cache (filling it on a miss), as
    /// [`Typesetter::push_word`] would. `None` when the word is wider than `available`
    /// between two breaks and needs forced breaks: then nothing was pushed. Otherwise
    /// whether the word ends a sentence.
    #[allow(clippy::too_many_arguments)]
    fn push_cached_word(
        &mut self,
        text: &str,
        range: Range<usize>,
        style: RunStyle,
        allowed: &mut Option<Vec<usize>>,
        hyphenate: bool,
        available: Pt,
        options: &ParagraphOptions,
        prepared: &mut PreparedParagraph,
        missing: &mut Vec<char>,
    ) -> Option<bool> {
        let word = &text[range.clone()];
        let shape_style = style.shape_style();
        let index = self.words.index(shape_style, hyphenate);
        if let Some(entry) = self.words.maps[index].2.get(word) {
            let parts = &self.words.parts[entry.parts.clone()];
            let family = self.shaper.family();
            return push_word_items(
                entry, parts, family, style, range, available, options, prepared, missing,
            );
        }
        let entry = match self.shared_words.get(shape_style, hyphenate, word) {
            Some(shared) => {
                let first = self.words.parts.len();
                self.words.parts.extend_from_slice(&shared.parts);
                CachedWord {
                    parts: first..self.words.parts.len(),
                    ..shared.entry.clone()
                }
            }
            None => {
                let allowed = allowed_breaks(allowed, text);
                let entry = self.cached_word(text, &range, shape_style, allowed, hyphenate);
                let parts = &self.words.parts[entry.parts.clone()];
                self.shared_words
                    .insert(shape_style, hyphenate, word, &entry, parts);
                entry
            }
        };
        let parts = &self.words.parts[entry.parts.clone()];
        let family = self.shaper.family();
        let pushed = push_word_items(
            &entry, parts, family, style, range, available, options, prepared, missing,
        );
        self.words.maps[index].2.insert(Box::from(word), entry);
        pushed
    }

    /// Shapes and hyphenates a word all in one style into its cache entry: the same
    /// widths, in font units, that [`Typesetter::push_word`] computes for its segments
    /// (one, unless the style's face lacks some of the word's characters).
    fn cached_word(
        &mut self,
        text: &str,
        range: &Range<usize>,
        style: ShapeStyle,
        allowed: &[usize],
        hyphenate: bool,
    ) -> CachedWord {
        let word = &text[range.clone()];
        let family = self.shaper.family();
        let primary = family.face_index(style.variant);
        let runs = family.face_runs(word, style.variant);
        let upem = |face: usize| {
            family
                .face_by_index(face)
                .map_or(1.0, |f| f64::from(f.metrics().units_per_em))
        };
        // Widths of later segments in the first segment's font units (exactly 1 for one
        // face).
        let first_upem = upem(runs.first().map_or(primary, |r| r.1));
        let ratios: Vec<f64> = runs.iter().map(|r| first_upem / upem(r.1)).collect();
        let hyphenatable: Vec<Range<usize>> = runs
            .iter()
            .filter(|(_, face)| *face == primary)
            .map(|(r, _)| range.start + r.start..range.start + r.end)
            .collect();
        let breaks = word_breaks(
            &mut self.hyphenator,
            text,
            range,
            allowed,
            hyphenate,
            &hyphenatable,
            self.cjk_language,
            if style.variant.is_mono() {
                std::slice::from_ref(range)
            } else {
                &[]
            },
        );
        self.words.made += 1;
        let first_part = self.words.parts.len();
        let mut segments: Vec<Arc<ShapedText>> = Vec::with_capacity(runs.len());
        // Every chunk is measured (the last one always), so the start value never stays.
        let mut widest = f64::MIN;
        // The width since the last break, across segments.
        let mut chunk = 0.0;
        for (s, ((run, face), ratio)) in runs.into_iter().zip(ratios).enumerate() {
            let seg_text = &word[run.clone()];
            // The word cache keeps the result: the shaper's cache need not keep it too.
            let shaped = Arc::new(self.shaper.shape_uncached_in(seg_text, style, face));
            if s > 0 {
                self.words.parts.push(WordPart::Segment);
            }
            let mut last = 0;
            let seg_start = range.start + run.start;
            let seg_end = range.start + run.end;
            for &(b, kind) in breaks
                .iter()
                .filter(|(b, _)| (seg_start..seg_end).contains(b))
            {
                let off = b - seg_start;
                let before = shaped.width_before(off);
                let width = before - shaped.width_before(last);
                chunk += f64::from(width) * ratio;
                widest = widest.max(chunk);
                chunk = 0.0;
                if off > last {
                    self.words.parts.push(WordPart::Piece {
                        start: last,
                        end: off,
                        width,
                    });
                }
                last = off;
                if kind == BreakKind::Ideographic && shaped.safe_split(off).is_some() {
                    self.words.parts.push(WordPart::Glue);
                    continue;
                }
                let kind = if kind == BreakKind::Ideographic {
                    BreakKind::Explicit
                } else {
                    kind
                };
                let (pre, post) = split_corrections(
                    &mut self.shaper,
                    seg_text,
                    &shaped,
                    off,
                    kind == BreakKind::Hyphen,
                    style,
                    face,
                );
                let before_char = text[..b].chars().next_back().unwrap_or(' ');
                self.words.parts.push(WordPart::Break {
                    kind,
                    class: BreakClass::of(kind, before_char),
                    pre,
                    post,
                });
            }
            let width = shaped.width - shaped.width_before(last);
            chunk += f64::from(width) * ratio;
            if seg_text.len() > last {
                self.words.parts.push(WordPart::Piece {
                    start: last,
                    end: seg_text.len(),
                    width,
                });
            }
            segments.push(shaped);
        }
        widest = widest.max(chunk);
        let missing = segments.iter().any(|s| !s.missing.is_empty());
        let mut segments = segments.into_iter();
        let shaped = segments
            .next()
            .unwrap_or_else(|| Arc::new(ShapedText::default()));
        CachedWord {
            parts: first_part..self.words.parts.len(),
            face: shaped.face,
            more: segments.collect(),
            missing,
            shaped,
            widest,
            sentence_end: is_sentence_end(word),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_word(
        &mut self,
        text: &str,
        range: Range<usize>,
        style_at: &dyn Fn(usize) -> (RunStyle, usize),
        allowed: &[usize],
        hyphenate: bool,
        available: Pt,
        options: &ParagraphOptions,
        prepared: &mut PreparedParagraph,
        missing: &mut Vec<char>,
    ) {
        // Segments: the word split at style changes, then where the style's face lacks
        // characters (fallback faces). Hyphenation stays within the text in its style's
        // own face.
        let first_segment = prepared.segments.len();
        let mut hyphenatable: Vec<Range<usize>> = Vec::new();
        let mut at = range.start;
        while at < range.end {
            let (style, run_end) = style_at(at);
            let end = run_end.min(range.end).max(at + 1);
            let end = (at + 1..=end)
                .rev()
                .find(|e| text.is_char_boundary(*e))
                .unwrap_or(range.end);
            let family = self.shaper.family();
            let primary = family.face_index(style.variant);
            for (run, face) in family.face_runs(&text[at..end], style.variant) {
                let seg_range = at + run.start..at + run.end;
                let shaped =
                    self.shaper
                        .shape_in(&text[seg_range.clone()], style.shape_style(), face);
                for c in &shaped.missing {
                    if !missing.contains(c) {
                        missing.push(*c);
                    }
                }
                if face == primary && style.hyphenate {
                    match hyphenatable.last_mut() {
                        Some(h) if h.end == seg_range.start => h.end = seg_range.end,
                        _ => hyphenatable.push(seg_range.clone()),
                    }
                }
                prepared.segments.push(Segment {
                    style,
                    range: seg_range,
                    face,
                    scale: face_scale(self.shaper.family(), face, style.size),
                    shaped,
                });
            }
            at = end;
        }
        let segments = first_segment..prepared.segments.len();

        // Breaks inside the word, as paragraph byte offsets.
        let mut breaks = word_breaks(
            &mut self.hyphenator,
            text,
            &range,
            allowed,
            hyphenate,
            &hyphenatable,
            self.cjk_language,
            &code_runs(&range, style_at),
        );

        // A piece no line can hold gets a forced break at every glyph cluster.
        let mut chunk = Pt::ZERO;
        let mut too_wide = false;
        for s in segments.clone() {
            let seg = &prepared.segments[s];
            let mut last = 0;
            for &(b, _) in breaks.iter().filter(|(b, _)| seg.range.contains(b)) {
                let off = b - seg.range.start;
                chunk += Pt(f64::from(
                    seg.shaped.width_before(off) - seg.shaped.width_before(last),
                ) * seg.scale);
                too_wide |= chunk > available;
                chunk = Pt::ZERO;
                last = off;
            }
            chunk += Pt(f64::from(seg.shaped.width - seg.shaped.width_before(last)) * seg.scale);
            too_wide |= chunk > available;
        }
        if too_wide {
            // Never inside a letter: a Thai vowel sign or an accent stays on its letter's line.
            let letters: Vec<usize> = icu_segmenter::GraphemeClusterSegmenter::new()
                .segment_str(&text[range.clone()])
                .map(|b| range.start + b)
                .collect();
            for s in segments.clone() {
                let seg = &prepared.segments[s];
                for g in &seg.shaped.glyphs {
                    let b = seg.range.start + g.cluster as usize;
                    if b > range.start
                        && letters.binary_search(&b).is_ok()
                        && !breaks.iter().any(|(x, _)| *x == b)
                    {
                        breaks.push((b, BreakKind::Forced));
                    }
                }
            }
            breaks.sort_by_key(|b| b.0);
            breaks.dedup_by_key(|b| b.0);
        }

        for s in segments {
            let seg = prepared.segments[s].clone();
            let seg_text = &text[seg.range.clone()];
            let mut last = 0;
            let seg_breaks: Vec<(usize, BreakKind)> = breaks
                .iter()
                .filter(|(b, _)| *b >= seg.range.start && *b < seg.range.end)
                .map(|(b, k)| (b - seg.range.start, *k))
                .collect();
            for (off, kind) in seg_breaks {
                let before = seg.shaped.width_before(off);
                if off > last {
                    let w = before - seg.shaped.width_before(last);
                    prepared.items.push(Item::Box {
                        width: Pt(f64::from(w) * seg.scale),
                    });
                    prepared.contents.push(Content::Piece {
                        segment: s,
                        start: last,
                        end: off,
                    });
                }
                // Between ideographs: glue, where the glyphs can be cut without shaping
                // again (else a penalty with width corrections, as after a hyphen).
                let kind = match kind {
                    BreakKind::Ideographic if seg.shaped.safe_split(off).is_some() => {
                        prepared
                            .items
                            .push(ideographic_glue(seg.style.size, options));
                        prepared.contents.push(Content::None);
                        last = off;
                        continue;
                    }
                    BreakKind::Ideographic => BreakKind::Explicit,
                    kind => kind,
                };
                let (width, post_width) = match kind {
                    BreakKind::Forced => (Pt::ZERO, Pt::ZERO),
                    BreakKind::Hyphen
                    | BreakKind::Explicit
                    | BreakKind::Ideographic
                    | BreakKind::Code => {
                        let (pre, post) = split_corrections(
                            &mut self.shaper,
                            seg_text,
                            &seg.shaped,
                            off,
                            kind == BreakKind::Hyphen,
                            seg.style.shape_style(),
                            seg.face,
                        );
                        (
                            Pt(f64::from(pre) * seg.scale),
                            Pt(f64::from(post) * seg.scale),
                        )
                    }
                };
                let (penalty, flagged, hyphenation) = match kind {
                    BreakKind::Hyphen => (options.hyphen_penalty, true, true),
                    BreakKind::Explicit | BreakKind::Ideographic => {
                        let prev = text[..seg.range.start + off]
                            .chars()
                            .next_back()
                            .unwrap_or(' ');
                        if is_dash(prev) {
                            (options.dash_penalty, false, false)
                        } else if matches!(prev, '-' | '\u{2010}') {
                            (options.ex_hyphen_penalty, true, false)
                        } else {
                            (options.ex_hyphen_penalty, false, false)
                        }
                    }
                    BreakKind::Forced => (options.forced_break_penalty, false, false),
                    BreakKind::Code => (code_break_penalty(options), false, true),
                };
                prepared.items.push(Item::Penalty {
                    width,
                    post_width,
                    penalty,
                    flagged,
                    hyphenation,
                });
                prepared.contents.push(Content::Break { kind });
                last = off;
            }
            let end = seg.range.len();
            if end > last {
                let w = seg.shaped.width - seg.shaped.width_before(last);
                prepared.items.push(Item::Box {
                    width: Pt(f64::from(w) * seg.scale),
                });
                prepared.contents.push(Content::Piece {
                    segment: s,
                    start: last,
                    end,
                });
            }
        }
    }

    /// Breaks a prepared paragraph into lines with `params` (use the prepared options'
    /// `breaking` for the defaults, or change `looseness` for pagination).
    pub fn layout(
        &mut self,
        prepared: &PreparedParagraph,
        params: &BreakParams,
    ) -> ParagraphLayout {
        match self.break_prepared(prepared, params) {
            Some(breaking) => self.set_lines(prepared, &breaking),
            None => empty_layout(prepared),
        }
    }

    /// Where [`Typesetter::layout`] breaks the paragraph, without setting its lines: enough
    /// to weigh one looseness against another by the demerits, and what
    /// [`Typesetter::set_lines`] then sets. `None` for a paragraph with nothing in it.
    pub fn break_prepared(
        &mut self,
        prepared: &PreparedParagraph,
        params: &BreakParams,
    ) -> Option<Breaking> {
        if prepared.items.is_empty() {
            return None;
        }
        let mut params = params.clone();
        if prepared.options.ragged_right && params.line_end_stretch.0 <= 0.0 {
            params.line_end_stretch = prepared.min_size * 3.0;
        }
        let measure = if prepared.options.measure.is_finite() {
            prepared.options.measure
        } else {
            Pt::ZERO
        };
        Some(break_lines_memo(
            &prepared.items,
            &LineWidths::uniform(measure),
            &params,
            Some((prepared.id, &mut self.memo)),
            &prepared.hangs,
        ))
    }

    /// The lines of a paragraph broken where `breaking` says (from
    /// [`Typesetter::break_prepared`] on the same paragraph), as [`Typesetter::layout`]
    /// sets them.
    pub fn set_lines(
        &mut self,
        prepared: &PreparedParagraph,
        breaking: &Breaking,
    ) -> ParagraphLayout {
        if prepared.items.is_empty() {
            return empty_layout(prepared);
        }
        let mut diagnostics = prepared.diagnostics.clone();
        let mut lines = Vec::with_capacity(breaking.lines.len());
        let mut forced_used = false;
        for line in &breaking.lines {
            let end_index = line.items.end.min(prepared.items.len());
            let pieces = prepared.contents[line.items.start.min(end_index)..end_index]
                .iter()
                .filter(|c| matches!(c, Content::Piece { .. }))
                .count();
            let mut runs: Vec<GlyphRun> = Vec::with_capacity(pieces + 1);
            // A line whose first glyph hangs into the margin starts left of it.
            let mut x = -line.hang_left;
            let scale = 1.0 + line.expansion;
            let mut pending: Option<(usize, usize, usize)> = None; // segment, start, end
            let flush = |this: &mut Self,
                         runs: &mut Vec<GlyphRun>,
                         x: &mut Pt,
                         piece: (usize, usize, usize),
                         hyphen: bool| {
                let (s, start, end) = piece;
                let seg = &prepared.segments[s];
                let run = this.piece_run(prepared, seg, start, end, hyphen, *x, scale);
                *x += run.width;
                runs.push(run);
            };
            let end_index = line.items.end.min(prepared.items.len());
            for i in line.items.start.min(end_index)..end_index {
                match (prepared.items[i], prepared.contents[i]) {
                    (Item::Box { width }, Content::None) => {
                        if let Some(p) = pending.take() {
                            flush(self, &mut runs, &mut x, p, false);
                        }
                        x += width;
                    }
                    (
                        _,
                        Content::Piece {
                            segment,
                            start,
                            end,
                        },
                    ) => {
                        pending = match pending {
                            Some((s, a, _)) if s == segment => Some((s, a, end)),
                            Some(p) => {
                                flush(self, &mut runs, &mut x, p, false);
                                Some((segment, start, end))
                            }
                            None => Some((segment, start, end)),
                        };
                    }
                    (
                        Item::Glue {
                            width,
                            stretch,
                            shrink,
                            fill,
                        },
                        _,
                    ) => {
                        if let Some(p) = pending.take() {
                            flush(self, &mut runs, &mut x, p, false);
                        }
                        if !fill {
                            let adjust = if line.ratio >= 0.0 {
                                stretch * line.ratio
                            } else {
                                shrink * line.ratio
                            };
                            x += width + adjust;
                        }
                    }
                    _ => {}
                }
            }
            // The break itself.
            if let Some(Content::Break { kind, .. }) = prepared.contents.get(line.break_at).copied()
            {
                forced_used |= kind == BreakKind::Forced;
                let hyphen = kind == BreakKind::Hyphen;
                if let Some(p) = pending.take() {
                    flush(self, &mut runs, &mut x, p, hyphen);
                } else if hyphen {
                    // A hyphen at a segment boundary: after the previous segment.
                    if let Some(prev) = runs.last_mut() {
                        prev.added_hyphen = true;
                    }
                }
            } else if let Some(p) = pending.take() {
                flush(self, &mut runs, &mut x, p, false);
            }
            // Ragged right: glue stays natural (ratio applies only to the line end).
            lines.push(LaidLine {
                runs,
                target: line.target,
                width: x,
                left: Pt::ZERO,
                ratio: line.ratio,
                expansion: line.expansion,
                badness: line.badness,
                hyphenated: line.hyphenated,
                overfull: line.overfull,
            });
        }
        // A paragraph of a right-to-left book is set right to left unless all its letters
        // are left-to-right ones: an English paragraph in a Hebrew book reads left to
        // right, a number alone (a table cell) stands at the right.
        let has_right_to_left = prepared.has_right_to_left;
        let right_to_left = self.right_to_left
            && !prepared.options.preserve_spaces
            && (has_right_to_left
                || !prepared
                    .text
                    .chars()
                    .any(crate::bidi::is_left_to_right_char));
        if has_right_to_left || right_to_left {
            let family = self.shaper.family();
            let glyph_of = |face: usize, c: char| family.face_by_index(face)?.glyph_id(c);
            crate::bidi::reorder_lines(&mut lines, &prepared.text, right_to_left, &glyph_of);
        }
        if forced_used {
            diagnostics.push(
                Diagnostic::warning(
                    prepared.span,
                    "a word too wide for the line was broken without a hyphen",
                )
                .with_hint("add a space or a soft hyphen (U+00AD) where it may break, or widen the text block"),
            );
        }
        // The ledger of the line breaker: the lines hold every character of the text.
        let wanted = prepared.letters;
        let set: usize = lines
            .iter()
            .flat_map(|l| &l.runs)
            .map(|r| {
                r.text.chars().filter(|c| !c.is_whitespace()).count() - usize::from(r.added_hyphen)
            })
            .sum();
        if set != wanted {
            diagnostics.push(
                Diagnostic::error(
                    prepared.span,
                    format!(
                        "line breaking lost text: {set} of the paragraph's {wanted} characters were set"
                    ),
                )
                .with_hint("this is a bug in Quire's typesetter, not in the book: please report it with this file"),
            );
        }
        if lines.iter().any(|l| l.overfull) {
            diagnostics.push(
                Diagnostic::warning(prepared.span, "a line is wider than the text block")
                    .with_hint("the text block is narrower than a single character; widen it"),
            );
        }
        ParagraphLayout {
            lines,
            diagnostics,
            missing: prepared.missing.clone(),
            stats: LayoutStats {
                pass: breaking.pass,
                looseness: breaking.looseness,
                demerits: breaking.demerits,
            },
        }
    }

    /// How far each item may hang into the margins: the first and last characters of
    /// each piece of text, and the hyphen a hyphenation point adds.
    fn hangs(&self, prepared: &PreparedParagraph) -> Vec<Hang> {
        let family = self.shaper.family();
        let amount = |segment: &Segment, c: char, fraction: f64| -> Pt {
            if fraction == 0.0 {
                return Pt::ZERO;
            }
            let face = family
                .face_by_index(segment.face)
                .unwrap_or_else(|| family.face(FontVariant::Regular));
            face.glyph_id(c)
                .map_or(Pt::ZERO, |g| Pt(face.advance(g) * segment.scale * fraction))
        };
        let mut hangs = vec![Hang::default(); prepared.items.len()];
        for (i, (item, content)) in prepared.items.iter().zip(&prepared.contents).enumerate() {
            match (item, content) {
                (
                    Item::Box { .. },
                    Content::Piece {
                        segment,
                        start,
                        end,
                    },
                ) => {
                    let Some(seg) = prepared.segments.get(*segment) else {
                        continue;
                    };
                    let text = prepared
                        .text
                        .get(seg.range.clone())
                        .and_then(|t| t.get(*start..*end))
                        .unwrap_or("");
                    if let (Some(first), Some(last)) = (text.chars().next(), text.chars().last()) {
                        hangs[i] = Hang {
                            left: amount(seg, first, protrusion(first).0).min(MAX_LEFT_HANG),
                            right: amount(seg, last, protrusion(last).1),
                        };
                    }
                }
                (
                    Item::Penalty { width, .. },
                    Content::Break {
                        kind: BreakKind::Hyphen,
                    },
                ) if width.0 > 0.0 => {
                    // The hyphen is set in the style of the text before it.
                    let seg = prepared.contents[..i].iter().rev().find_map(|c| match c {
                        Content::Piece { segment, .. } => prepared.segments.get(*segment),
                        _ => None,
                    });
                    if let Some(seg) = seg {
                        hangs[i].right = amount(seg, '-', protrusion('-').1);
                    }
                }
                _ => {}
            }
        }
        hangs
    }

    /// Glyphs for bytes `start..end` of a segment, with a hyphen added if asked.
    #[allow(clippy::too_many_arguments)]
    fn piece_run(
        &mut self,
        prepared: &PreparedParagraph,
        seg: &Segment,
        start: usize,
        end: usize,
        hyphen: bool,
        x: Pt,
        scale: f64,
    ) -> GlyphRun {
        let seg_text = &prepared.text[seg.range.clone()];
        let end = end.min(seg_text.len());
        let start = start.min(end);
        let whole = start == 0 && end == seg_text.len();
        // The piece shaped on its own, or `None` to take its glyphs from the segment's.
        let reshaped: Option<Arc<ShapedText>> = if hyphen {
            let mut t = String::with_capacity(end - start + 1);
            t.push_str(&seg_text[start..end]);
            t.push('-');
            Some(self.shaper.shape_in(&t, seg.style.shape_style(), seg.face))
        } else if whole || !seg_text.is_char_boundary(start) || {
            seg.shaped.safe_split(start).is_some() && seg.shaped.safe_split(end).is_some()
        } {
            None
        } else {
            Some(
                self.shaper
                    .shape_in(&seg_text[start..end], seg.style.shape_style(), seg.face),
            )
        };
        let slice_whole = reshaped.is_none();
        let (shaped, offset): (&ShapedText, usize) = match &reshaped {
            Some(shaped) => (shaped, 0),
            None => (&seg.shaped, start),
        };
        // A used run's buffers, when there is one (see `Typesetter::recycle`).
        let (mut glyphs, mut text) = match self.spare_runs.pop() {
            Some(run) => (run.glyphs, run.text),
            None => (
                Vec::with_capacity(shaped.glyphs.len()),
                String::with_capacity(end - start + usize::from(hyphen)),
            ),
        };
        glyphs.clear();
        text.clear();
        let mut pen = Pt::ZERO;
        let unit = seg.scale;
        for (i, g) in shaped.glyphs.iter().enumerate() {
            let cluster = g.cluster as usize;
            if slice_whole && (cluster < start || cluster >= end) {
                continue;
            }
            let range = shaped.glyph_text(i);
            let advance = Pt(f64::from(g.advance) * unit * scale);
            glyphs.push(PositionedGlyph {
                id: g.id,
                x: pen + Pt(f64::from(g.x_offset) * unit * scale),
                y: Pt(f64::from(g.y_offset) * unit),
                advance,
                text: range.start.saturating_sub(offset)..range.end.saturating_sub(offset),
            });
            pen += advance;
        }
        text.push_str(&seg_text[start..end]);
        if hyphen {
            text.push('-');
        }
        GlyphRun {
            variant: shaped.variant,
            face: seg.face,
            small_caps: seg.style.small_caps,
            size: seg.style.size,
            x,
            horizontal_scale: scale,
            text,
            added_hyphen: hyphen,
            source: seg.range.start + start..seg.range.start + end,
            glyphs,
            width: pen,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn addresses_break_where_no_hyphen_could_be_read() {
        let word = "https://example.com/systems-book/a-very-long-path/index.html.";
        let at: Vec<&str> = url_breaks(word).iter().map(|&i| &word[i..]).collect();
        // After the double slash; before slashes, dots and hyphens; not in the scheme, not
        // before the closing full stop.
        assert!(at.contains(&"example.com/systems-book/a-very-long-path/index.html."));
        assert!(at.contains(&"/systems-book/a-very-long-path/index.html."));
        assert!(at.contains(&"-book/a-very-long-path/index.html."));
        assert!(at.contains(&".com/systems-book/a-very-long-path/index.html."));
        assert!(
            !at.iter()
                .any(|rest| rest.starts_with("//") || rest.starts_with("/e"))
        );
        assert!(!at.contains(&"."), "{at:?}");
        // Never after a hyphen (which would read as a hyphenated word).
        for &i in &url_breaks(word) {
            assert_ne!(word[..i].chars().last(), Some('-'), "{}", &word[..i]);
        }
        assert!(is_url("(www.example.org)"));
        assert!(is_url("someone@example.org,"));
        assert!(!is_url("well-known"));
        let query = "https://example.com/search?q=typesetting&lang=en";
        let rest: Vec<&str> = url_breaks(query).iter().map(|&i| &query[i..]).collect();
        assert!(rest.contains(&"?q=typesetting&lang=en"));
        assert!(rest.contains(&"&lang=en") && rest.contains(&"lang=en"));
    }
    use super::*;
    use crate::font::{test_family, test_family_with_fallback};
    use proptest::prelude::*;

    fn typesetter(lang: &str) -> Typesetter {
        Typesetter::new(test_family(), lang, HyphenationOptions::default())
    }

    #[test]
    fn code_breaks_where_a_programmer_would() {
        let at = |word: &str| -> Vec<String> {
            let breaks = code_breaks(word);
            let mut pieces = Vec::new();
            let mut last = 0;
            for b in breaks.into_iter().chain(std::iter::once(word.len())) {
                pieces.push(word[last..b].to_string());
                last = b;
            }
            pieces
        };
        assert_eq!(
            at("std::sync::atomic::AtomicUsize::compare_exchange_weak"),
            [
                "std::",
                "sync::",
                "atomic::",
                "AtomicUsize::",
                "compare",
                "_exchange_weak"
            ]
        );
        assert_eq!(at("config.server.port"), ["config", ".server", ".port"]);
        assert_eq!(at("src/bin/main.rs"), ["src/", "bin/", "main.rs"]);
        assert_eq!(at("make_room"), ["make_room"]);
        assert_eq!(at("handle_alloc_error"), ["handle", "_alloc", "_error"]);
        assert_eq!(at("f(a,b)"), ["f(a,b)"]);
        assert_eq!(at("self->next->value"), ["self->", "next->", "value"]);
        assert_eq!(at("rustup-init"), ["rustup-init"]);
    }

    #[test]
    fn spaces_that_must_not_end_a_line_are_tied() {
        let tied = |ts: &Typesetter, text: &str| -> Vec<bool> {
            // Each space of `text`, with the word before it.
            text.char_indices()
                .filter(|(_, c)| c.is_whitespace())
                .map(|(i, c)| {
                    let start = text[..i]
                        .char_indices()
                        .filter(|(_, c)| c.is_whitespace())
                        .last()
                        .map_or(0, |(s, c)| s + c.len_utf8());
                    let ended = (start < i).then(|| &text[start..i]);
                    ts.tied_space(text, i, c, ended)
                })
                .collect()
        };
        let english = typesetter("en");
        assert_eq!(
            tied(
                &english,
                "3\u{2009}000 and a . . . b. \u{2014} Yes \u{2014} he"
            ),
            [
                true, false, false, false, true, true, false, false, true, false, false
            ]
        );
        assert_eq!(tied(&english, "\u{2014} Dove?"), [true]);
        assert_eq!(
            tied(&english, "250 g and 2\u{bd} h. 180 \u{b0}C 1813 in"),
            [true, false, false, true, false, true, false, false]
        );
        let polish = typesetter("pl");
        assert_eq!(
            tied(&polish, "Szedł w las i on"),
            [false, true, false, true]
        );
        assert_eq!(tied(&english, "Went a way"), [false, false]);
    }

    fn regular(text: &str) -> Vec<TextRun<'_>> {
        vec![TextRun {
            text,
            style: RunStyle::regular(Pt(11.5)),
        }]
    }

    fn line_texts(layout: &ParagraphLayout) -> Vec<String> {
        layout
            .lines
            .iter()
            .map(|l| {
                l.runs
                    .iter()
                    .map(|r| r.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    const OPENING: &str = "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. However little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered as the rightful property of some one or other of their daughters.";

    /// A verse number (set smaller, alone before its verse) never ends a line: at every
    /// measure the line that holds it holds its verse's first word too.
    #[test]
    fn a_verse_number_stays_with_its_verse() {
        let mut ts = typesetter("en");
        let small = RunStyle {
            size: Pt(11.5 * 0.7),
            ..RunStyle::regular(Pt(11.5))
        };
        let verses = [
            "In the beginning was the Word, and the Word was with God, and the Word was God. ",
            "The same was in the beginning with God. ",
            "All things were made by him; and without him was not any thing made that was made. ",
            "In him was life; and the life was the light of men.",
        ];
        let numbers = ["1", "2", "3", "4"];
        let mut runs = Vec::new();
        for (number, verse) in numbers.iter().zip(verses) {
            runs.push(TextRun {
                text: number,
                style: small,
            });
            runs.push(TextRun {
                text: " ",
                style: RunStyle::regular(Pt(11.5)),
            });
            runs.push(TextRun {
                text: verse,
                style: RunStyle::regular(Pt(11.5)),
            });
        }
        let mut ended_on_a_number = 0;
        for width in (150..330).step_by(3) {
            let options = ParagraphOptions::book(Pt(f64::from(width)), Pt(11.5));
            let layout = ts.typeset(&runs, &options, Span::default());
            for line in line_texts(&layout) {
                let last = line.split_whitespace().last().unwrap_or_default();
                if numbers.contains(&last) {
                    ended_on_a_number += 1;
                }
            }
        }
        assert_eq!(ended_on_a_number, 0);
    }

    /// An English typesetter, and the styles of its text and of inline code at 11.5 pt.
    fn text_and_code() -> (Typesetter, RunStyle, RunStyle) {
        let code = RunStyle {
            variant: FontVariant::Mono,
            hyphenate: false,
            ..RunStyle::regular(Pt(11.5))
        };
        (typesetter("en"), RunStyle::regular(Pt(11.5)), code)
    }

    /// Code in brackets or quotes (`` (`--force`) ``) breaks as code does, never after its
    /// own hyphens: no line ends on `(--` or `“pip-` at any measure.
    #[test]
    fn code_after_a_bracket_breaks_as_code() {
        let (mut ts, text, code) = text_and_code();
        let mut runs = Vec::new();
        for (before, option, after) in [
            ("Use (", "--force", ") only when the tree is clean, and "),
            (
                "pass (",
                "--no-cache-dir",
                ") to keep the image small; then \u{201c}",
            ),
            ("", "pip-compile", "\u{201d} writes the lock file for "),
            ("(", "x.y.z/a", ") and the other packages of the project."),
        ] {
            runs.push(TextRun {
                text: before,
                style: text,
            });
            runs.push(TextRun {
                text: option,
                style: code,
            });
            runs.push(TextRun {
                text: after,
                style: text,
            });
        }
        let mut broken_code = Vec::new();
        for width in (120..320).step_by(2) {
            let options = ParagraphOptions::book(Pt(f64::from(width)), Pt(11.5));
            let layout = ts.typeset(&runs, &options, Span::default());
            for line in line_texts(&layout) {
                // The line's last piece of code, cut after a hyphen of its own.
                let last = line.split_whitespace().last().unwrap_or_default();
                let options = ["--force", "--no-cache-dir", "pip-compile"];
                if last.ends_with('-') && options.iter().any(|o| o.starts_with(last)) {
                    broken_code.push(format!("{width}: {line}"));
                }
            }
        }
        assert!(broken_code.is_empty(), "{broken_code:#?}");
    }

    /// Spaces inside inline code keep their width in a justified line; the text's spaces
    /// take the stretch.
    #[test]
    fn spaces_in_code_do_not_stretch() {
        let (mut ts, text, code) = text_and_code();
        let runs = [
            TextRun {
                text: "Build it with ",
                style: text,
            },
            TextRun {
                text: "-Wall -Wextra -pedantic",
                style: code,
            },
            TextRun {
                text: " so that the compiler warns about everything it can, and read every \
                       warning it gives before the code is committed to the repository.",
                style: text,
            },
        ];
        let options = ParagraphOptions::book(Pt(200.0), Pt(11.5));
        let layout = ts.typeset(&runs, &options, Span::default());
        let first = &layout.lines[0];
        let texts: Vec<&str> = first.runs.iter().map(|r| r.text.as_str()).collect();
        let at = |word: &str| {
            let i = texts.iter().position(|t| *t == word).expect(word);
            (first.runs[i].x, first.runs[i].width, first.runs[i].face)
        };
        let (wall, wall_width, face) = at("-Wall");
        let (wextra, ..) = at("-Wextra");
        let face = ts
            .shaper()
            .family()
            .face_by_index(face)
            .expect("the code face");
        let mono_space = face
            .space()
            .map_or(0.0, |(_, advance)| advance * face.scale(11.5));
        let gap = (wextra - wall - wall_width).0;
        assert!(
            (gap - mono_space).abs() < 0.01,
            "the space in the code is {gap} pt, not the face's {mono_space} pt"
        );
    }

    #[test]
    fn justified_lines_fill_the_measure() {
        let mut ts = typesetter("en-GB");
        let mut options = ParagraphOptions::book(Pt::inches(4.0), Pt(11.5));
        // Exactly the measure: no punctuation hanging past it.
        options.protrusion = false;
        let layout = ts.typeset(&regular(OPENING), &options, Span::default());
        assert!(layout.lines.len() >= 5, "{:?}", line_texts(&layout));
        assert!(layout.diagnostics.is_empty(), "{:?}", layout.diagnostics);
        let last = layout.lines.len() - 1;
        for (i, line) in layout.lines.iter().enumerate() {
            assert!(!line.overfull);
            if i < last {
                assert!(
                    (line.width.0 - 288.0).abs() < 0.01,
                    "line {i}: {:?}",
                    line.width
                );
            } else {
                assert!(line.width.0 < 288.0);
            }
        }
        // The first line starts after the indent.
        assert!((layout.lines[0].runs[0].x.0 - 11.5).abs() < 1e-9);
        // All words are there, in order.
        let joined: String = line_texts(&layout).join(" ");
        let normalised = joined.replace("- ", "");
        assert_eq!(normalised, OPENING);
    }

    #[test]
    fn punctuation_hangs_into_the_margins() {
        let mut ts = typesetter("en-GB");
        let text = "\u{201C}Which do you mean?\u{201D} and turning round he looked for a moment at Elizabeth, till catching her eye, he withdrew his own and coldly said: \u{201C}She is tolerable, but not handsome enough to tempt me; I am in no humour at present to give consequence to young ladies who are slighted by other men. You had better return to your partner and enjoy her smiles, for you are wasting your time with me.\u{201D}";
        let mut options = ParagraphOptions::book(Pt(150.0), Pt(11.5));
        options.indent = Pt::ZERO;
        let layout = ts.typeset(&regular(text), &options, Span::default());
        let last = layout.lines.len() - 1;
        let mut hung = 0;
        for (i, line) in layout.lines.iter().enumerate().take(last) {
            let end = line.runs.last().expect("runs");
            let ends = end.text.chars().last().expect("text");
            let start = line.runs.first().expect("runs");
            let begins = start.text.chars().next().expect("text");
            // The line's text ends past the measure by what its last character may hang,
            // and starts before it by what its first may.
            let left = protrusion(begins).0;
            let overhang = line.width.0 - 150.0;
            if protrusion(ends).1 > 0.0 {
                assert!(overhang > 0.3 && overhang < 4.0, "line {i}: {overhang}");
                hung += 1;
            } else {
                assert!(overhang.abs() < 0.01, "line {i}: {overhang}");
            }
            if left > 0.0 {
                assert!(
                    start.x.0 < 0.0 && start.x.0 >= -MAX_LEFT_HANG.0,
                    "{:?}",
                    start.x
                );
            } else {
                assert!(start.x.0 >= 0.0);
            }
        }
        assert!(
            hung >= 2,
            "{hung} of {last} lines end in hanging punctuation"
        );
    }

    #[test]
    fn hyphenated_line_ends_with_a_hyphen_glyph() {
        let mut ts = typesetter("en-US");
        let mut options = ParagraphOptions::book(Pt(120.0), Pt(11.5));
        options.breaking.pretolerance = -1.0;
        options.protrusion = false;
        let layout = ts.typeset(&regular(OPENING), &options, Span::default());
        let hyphen_glyph = ts
            .shaper()
            .family()
            .face(FontVariant::Regular)
            .glyph_id('-')
            .expect("hyphen");
        let hyphenated: Vec<&LaidLine> = layout.lines.iter().filter(|l| l.hyphenated).collect();
        assert!(!hyphenated.is_empty(), "{:?}", line_texts(&layout));
        for line in hyphenated {
            let run = line.runs.last().expect("runs");
            assert!(run.added_hyphen && run.text.ends_with('-'));
            let last = run.glyphs.last().expect("glyphs");
            assert_eq!(last.id, hyphen_glyph);
            assert_eq!(&run.text[last.text.clone()], "-");
            assert!((line.width.0 - 120.0).abs() < 0.01, "{line:?}");
        }
    }

    /// A line broken at the author's soft hyphen ends in a printed hyphen, with automatic
    /// hyphenation on or off (the line-break rules allow a break there too, and that break,
    /// which adds nothing, was taken instead).
    #[test]
    fn a_break_at_a_soft_hyphen_prints_a_hyphen() {
        let text = "Words super\u{AD}cali\u{AD}fragi\u{AD}listic\u{AD}expi\u{AD}ali\u{AD}docious and more words after it to fill several lines";
        for hyphenate in [true, false] {
            let mut ts = typesetter("en-US");
            let mut options = ParagraphOptions::book(Pt(90.0), Pt(11.5));
            options.hyphenate = hyphenate;
            options.protrusion = false;
            let layout = ts.typeset(&regular(text), &options, Span::default());
            let broken: Vec<&LaidLine> = layout
                .lines
                .iter()
                .filter(|l| {
                    l.runs
                        .last()
                        .is_some_and(|r| r.text.ends_with('\u{AD}') || r.text.ends_with('-'))
                })
                .collect();
            assert!(!broken.is_empty(), "{:?}", line_texts(&layout));
            for line in broken {
                let run = line.runs.last().expect("runs");
                assert!(
                    run.added_hyphen && run.text.ends_with('-'),
                    "{:?}",
                    line_texts(&layout)
                );
            }
        }
    }

    #[test]
    fn styles_missing_glyphs_and_spans() {
        let mut ts = typesetter("en");
        let span = Span {
            start: 10,
            end: 20,
            line: 3,
            column: 1,
            ..Span::default()
        };
        let runs = vec![
            TextRun {
                text: "You ",
                style: RunStyle {
                    variant: FontVariant::Italic,
                    ..RunStyle::regular(Pt(11.5))
                },
            },
            TextRun {
                text: "want Darcy",
                style: RunStyle::regular(Pt(11.5)),
            },
            TextRun {
                // EB Garamond 12 Bold (Debian 0.016) has 128 glyphs: no curly quotes.
                text: "'s \u{E000} bold",
                style: RunStyle {
                    variant: FontVariant::BoldItalic,
                    small_caps: true,
                    ..RunStyle::regular(Pt(11.5))
                },
            },
        ];
        let layout = ts.typeset(&runs, &ParagraphOptions::book(Pt(300.0), Pt(11.5)), span);
        let runs = &layout.lines[0].runs;
        assert_eq!(runs[0].variant, FontVariant::Italic);
        assert_eq!(runs[0].text, "You");
        assert_eq!(runs[2].text, "Darcy");
        assert_eq!(runs[3].text, "'s");
        assert_eq!(runs[3].variant, FontVariant::Bold);
        assert!(runs[3].small_caps);
        // "Darcy" and "’s" touch.
        assert!((runs[2].x + runs[2].width - runs[3].x).0.abs() < 1e-9);
        assert_eq!(layout.diagnostics.len(), 1, "{:?}", layout.diagnostics);
        assert_eq!(layout.diagnostics[0].span, Some(span));
        assert!(layout.diagnostics[0].message.contains("U+E000"));
    }

    #[test]
    fn word_too_wide_is_broken_by_force_and_reported() {
        let mut ts = typesetter("en");
        let text = "see 1234567890123456789012345678901234567890123456789012345678901234567890 now";
        let options = ParagraphOptions::book(Pt(100.0), Pt(11.5));
        let layout = ts.typeset(&regular(text), &options, Span::default());
        for line in &layout.lines {
            assert!(!line.overfull);
            assert!(line.width.0 <= 100.0 + 1e-6, "{line:?}");
        }
        assert!(
            layout
                .diagnostics
                .iter()
                .any(|d| d.message.contains("broken")),
            "{:?}",
            layout.diagnostics
        );
        let joined: String = layout
            .lines
            .iter()
            .flat_map(|l| l.runs.iter().map(|r| r.text.as_str()))
            .collect();
        assert_eq!(joined, text.replace(' ', ""));
    }

    /// A long name in code across a line end breaks after a `::`, with nothing added and
    /// no warning; a short one is not broken when the paragraph sets without.
    #[test]
    fn a_long_name_in_code_breaks_where_a_programmer_would() {
        let mut ts = typesetter("en");
        let code = RunStyle {
            variant: FontVariant::Mono,
            ..RunStyle::regular(Pt(11.5 * 0.833))
        };
        let runs = [
            TextRun {
                text: "Note: the examples are tested with Rust 1.80; the identifier ",
                style: RunStyle::regular(Pt(11.5)),
            },
            TextRun {
                text: "std::sync::atomic::AtomicUsize::compare_exchange_weak",
                style: code,
            },
            TextRun {
                text: " is long, and make_room is short.",
                style: RunStyle::regular(Pt(11.5)),
            },
        ];
        let options = ParagraphOptions::book(Pt(200.0), Pt(11.5));
        let layout = ts.typeset(&runs, &options, Span::default());
        assert!(
            !layout
                .diagnostics
                .iter()
                .any(|d| d.message.contains("broken")),
            "{:?}",
            layout.diagnostics
        );
        let lines = line_texts(&layout);
        assert!(
            lines
                .iter()
                .any(|l| l.ends_with("::") || l.ends_with("compare")),
            "{lines:?}"
        );
        assert!(lines.iter().all(|l| !l.ends_with("::-")), "{lines:?}");
    }

    #[test]
    fn explicit_hyphens_dashes_hard_breaks_and_nbsp() {
        let mut ts = typesetter("en");
        let options = ParagraphOptions::book(Pt(60.0), Pt(11.5));
        let layout = ts.typeset(
            &regular("a well-known man—Mr.\u{A0}Bingley\nnext"),
            &options,
            Span::default(),
        );
        let texts = line_texts(&layout);
        assert!(texts.iter().any(|t| t.ends_with("Bingley")), "{texts:?}");
        assert_eq!(texts.last().map(String::as_str), Some("next"));
        // The no-break space keeps "Mr." with "Bingley".
        assert!(!texts.iter().any(|t| t.ends_with("Mr.")), "{texts:?}");
        // No line starts with a dash.
        assert!(!texts.iter().any(|t| t.starts_with('—')), "{texts:?}");
        // A range of numbers is not broken after its dash.
        let layout = ts.typeset(
            &regular("pages 1813\u{2013}1817 and 1813\u{2013}1817 or north\u{2013}south"),
            &ParagraphOptions::book(Pt(62.0), Pt(11.5)),
            Span::default(),
        );
        let texts = line_texts(&layout);
        assert!(
            !texts.iter().any(|t| t.ends_with("1813\u{2013}")),
            "{texts:?}"
        );
    }

    #[test]
    fn no_break_spaces_after_a_hard_break_indent_the_line() {
        let mut ts = typesetter("en");
        let mut options = ParagraphOptions::book(Pt(300.0), Pt(11.5));
        options.indent = Pt::ZERO;
        let first_x = |text: &str, ts: &mut Typesetter| -> Vec<f64> {
            let layout = ts.typeset(&regular(text), &options, Span::default());
            layout
                .lines
                .iter()
                .map(|l| l.runs.first().map_or(-1.0, |r| r.x.0))
                .collect()
        };
        let plain = first_x("Once upon\nOver many\nWhile I", &mut ts);
        assert_eq!(plain, [0.0, 0.0, 0.0]);
        // `&nbsp;` x4 and `&emsp;` x2 after a line break indent that line, as a browser shows
        // them; the same spaces opening the paragraph are left to the paragraph indent.
        let indented = first_x(
            "\u{A0}\u{A0}Once upon\n\u{A0}\u{A0}\u{A0}\u{A0}Over many\n\u{2003}\u{2003}While I",
            &mut ts,
        );
        assert_eq!(indented[0], 0.0);
        assert!(indented[1] > 8.0 && indented[1] < 20.0, "{indented:?}");
        assert!(
            (indented[2] - 23.0).abs() < 0.5,
            "two em spaces at 11.5 pt: {indented:?}"
        );
        // Ordinary spaces around a hard break are still dropped.
        assert_eq!(first_x("Once upon \n  Over many", &mut ts), [0.0, 0.0]);
    }

    #[test]
    fn looseness_and_ragged_right() {
        let mut ts = typesetter("en-GB");
        // As the book typesetter sets body text: with font expansion, which is what makes a
        // looser breaking feasible within tolerance for a short paragraph.
        let mut options = ParagraphOptions::book(Pt::inches(4.0), Pt(11.5));
        options.breaking.max_expansion = 0.02;
        let prepared = ts.prepare(&regular(OPENING), &options, Span::default());
        let base = ts.layout(&prepared, &options.breaking);
        let looser = ts.layout(
            &prepared,
            &BreakParams {
                looseness: 1,
                ..options.breaking.clone()
            },
        );
        assert_eq!(looser.lines.len(), base.lines.len() + 1);
        let mut ragged = options.clone();
        ragged.ragged_right = true;
        let layout = ts.typeset(&regular(OPENING), &ragged, Span::default());
        for l in &layout.lines {
            assert!(l.width.0 <= 288.0 + 1e-6);
        }
        assert!(layout.lines.iter().any(|l| l.width.0 < 287.0));
    }

    #[test]
    fn word_cache_gives_the_items_of_the_uncached_way() {
        let texts = [
            OPENING,
            "a well-known man—Mr.\u{A0}Bingley\nnext, and the well-known office of Netherfield.",
            "see 1234567890123456789012345678901234567890123456789012345678901234567890 now",
        ];
        let mut options = ParagraphOptions::book(Pt(100.0), Pt(11.5));
        options.breaking.max_expansion = 0.02;
        let mut cached = typesetter("en-GB");
        let mut plain = typesetter("en-GB");
        plain.use_word_cache = false;
        for text in texts {
            let runs = vec![
                TextRun {
                    text: "Her ",
                    style: RunStyle {
                        variant: FontVariant::Italic,
                        ..RunStyle::regular(Pt(11.5))
                    },
                },
                TextRun {
                    text,
                    style: RunStyle::regular(Pt(11.5)),
                },
            ];
            let expected = plain.prepare(&runs, &options, Span::default());
            // Twice: filling the cache, then from it.
            for _ in 0..2 {
                let got = cached.prepare(&runs, &options, Span::default());
                assert_eq!(got.items(), expected.items(), "{text}");
                assert_eq!(
                    cached.layout(&got, &options.breaking),
                    plain.layout(&expected, &options.breaking)
                );
            }
            // A typesetter for another core takes the words the first one prepared: the
            // same items, and not a word shaped and hyphenated again.
            let mut other = cached.fresh();
            let got = other.prepare(&runs, &options, Span::default());
            assert_eq!(other.words.made, 0, "{text}");
            assert_eq!(got.items(), expected.items(), "{text}");
            assert_eq!(
                other.layout(&got, &options.breaking),
                plain.layout(&expected, &options.breaking)
            );
        }
    }

    #[test]
    fn looseness_memo_gives_what_breaking_afresh_gives() {
        let mut ts = typesetter("en-GB");
        let mut options = ParagraphOptions::book(Pt::inches(4.0), Pt(11.5));
        options.breaking.max_expansion = 0.02;
        // `break_lines` knows nothing of margin kerning.
        options.protrusion = false;
        let text = [OPENING, OPENING].join(" ");
        let prepared = ts.prepare(&regular(&text), &options, Span::default());
        let other = ts.prepare(&regular(OPENING), &options, Span::default());
        let widths = LineWidths::uniform(options.measure);
        for (p, looseness) in [
            (&prepared, -1),
            (&prepared, 1),
            (&prepared, -1),
            (&other, 1),
            (&prepared, 2),
            (&prepared, 0),
        ] {
            let params = BreakParams {
                looseness,
                ..options.breaking.clone()
            };
            let laid = ts.layout(p, &params);
            let fresh = crate::linebreak::break_lines(p.items(), &widths, &params);
            assert_eq!(laid.lines.len(), fresh.lines.len());
            assert_eq!(laid.stats.pass, fresh.pass);
            assert_eq!(laid.stats.looseness, fresh.looseness);
            assert_eq!(laid.stats.demerits, fresh.demerits);
            for (l, f) in laid.lines.iter().zip(&fresh.lines) {
                assert_eq!((l.ratio, l.expansion), (f.ratio, f.expansion));
            }
        }
    }

    #[test]
    fn sentence_spacing_is_a_parameter() {
        let mut ts = typesetter("en");
        let mut options = ParagraphOptions::book(Pt(1000.0), Pt(10.0));
        options.indent = Pt::ZERO;
        let text = "One. Two Mr. Three";
        let french = ts.typeset(&regular(text), &options, Span::default());
        options.sentence_space = 1.5;
        let english = ts.typeset(&regular(text), &options, Span::default());
        let gap = |l: &ParagraphLayout, i: usize| {
            let runs = &l.lines[0].runs;
            runs[i + 1].x - (runs[i].x + runs[i].width)
        };
        assert!(gap(&english, 0).0 > gap(&french, 0).0 * 1.4);
        assert!((gap(&english, 2).0 - gap(&french, 2).0).abs() < 1e-9);
    }

    #[test]
    fn deterministic_and_empty() {
        let options = ParagraphOptions::book(Pt::inches(4.0), Pt(11.5));
        let a = typesetter("en").typeset(&regular(OPENING), &options, Span::default());
        let b = typesetter("en").typeset(&regular(OPENING), &options, Span::default());
        assert_eq!(a, b);
        let mut ts = typesetter("en");
        assert!(
            ts.typeset(&regular(""), &options, Span::default())
                .lines
                .is_empty()
        );
        assert!(
            ts.typeset(&regular("   \n "), &options, Span::default())
                .lines
                .is_empty()
        );
        assert!(ts.typeset(&[], &options, Span::default()).lines.is_empty());
    }

    fn no_glyph_diagnostics(layout: &ParagraphLayout) -> Vec<&Diagnostic> {
        layout
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("no glyph"))
            .collect()
    }

    #[test]
    fn bold_falls_back_to_regular_only_where_the_bold_lacks_a_character() {
        // The bold (Pardo's EB Garamond 1.003) lacks the heavy ornament quotes and `∀`, which
        // the regular has.
        let mut ts = typesetter("en");
        let bold = RunStyle {
            variant: FontVariant::Bold,
            ..RunStyle::regular(Pt(11.5))
        };
        let runs = [TextRun {
            text: "\u{275D}Bold\u{2200}quoted\u{275E}",
            style: bold,
        }];
        let layout = ts.typeset(
            &runs,
            &ParagraphOptions::book(Pt(300.0), Pt(11.5)),
            Span::default(),
        );
        assert!(layout.diagnostics.is_empty(), "{:?}", layout.diagnostics);
        let family = test_family();
        let regular = family.face(FontVariant::Regular);
        let bold_face = family.face(FontVariant::Bold);
        let runs = &layout.lines[0].runs;
        let texts: Vec<(&str, usize)> = runs.iter().map(|r| (r.text.as_str(), r.face)).collect();
        assert_eq!(
            texts,
            [
                ("\u{275D}", 0),
                ("Bold", 2),
                ("\u{2200}", 0),
                ("quoted", 2),
                ("\u{275E}", 0)
            ]
        );
        for run in runs {
            // The style asked for stays bold; only the glyphs come from another face.
            assert_eq!(run.variant, FontVariant::Bold);
            let face = if run.face == 0 { regular } else { bold_face };
            for (g, c) in run.glyphs.iter().zip(run.text.chars()) {
                assert_eq!(Some(g.id), face.glyph_id(c), "{c:?}");
            }
        }
        // The pieces touch: no word space where the text has none.
        for pair in runs.windows(2) {
            assert!((pair[0].x + pair[0].width - pair[1].x).0.abs() < 1e-9);
        }
    }

    #[test]
    fn cjk_is_set_in_the_fallback_face() {
        let mut ts = Typesetter::new(
            test_family_with_fallback(),
            "en",
            HyphenationOptions::default(),
        );
        let options = ParagraphOptions::book(Pt(300.0), Pt(11.5));
        let layout = ts.typeset(&regular("孫子兵法 and 計"), &options, Span::default());
        assert!(layout.diagnostics.is_empty(), "{:?}", layout.diagnostics);
        assert_eq!(layout.lines.len(), 1);
        let runs = &layout.lines[0].runs;
        let droid = ts
            .shaper()
            .family()
            .face_by_index(FontFamily::FIRST_FALLBACK)
            .expect("fallback");
        let mut cjk = 0;
        for run in runs {
            let is_cjk = run.text.chars().all(is_ideographic);
            assert_eq!(
                run.face,
                if is_cjk {
                    FontFamily::FIRST_FALLBACK
                } else {
                    0
                },
                "{run:?}"
            );
            assert_eq!(run.variant, FontVariant::Regular);
            if is_cjk {
                for (g, c) in run.glyphs.iter().zip(run.text.chars()) {
                    cjk += 1;
                    assert_eq!(Some(g.id), droid.glyph_id(c), "{c:?}");
                    // Droid's ideographs are one em wide (256 units per em, Garamond has 1000).
                    assert!((g.advance.0 - 11.5).abs() < 0.2, "{g:?}");
                }
            }
        }
        assert_eq!(cjk, 5);
        let joined: String = runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(joined, "孫子兵法and計");
        // The ideographs of one word touch (the line is not justified: it is the last).
        let first_word: Vec<&GlyphRun> = runs.iter().filter(|r| r.source.end <= 12).collect();
        for pair in first_word.windows(2) {
            assert!((pair[0].x + pair[0].width - pair[1].x).0.abs() < 1e-9);
        }
        // Without the fallback face: one diagnostic a character.
        let mut plain = typesetter("en");
        let layout = plain.typeset(&regular("孫子兵法 and 計"), &options, Span::default());
        assert_eq!(no_glyph_diagnostics(&layout).len(), 5);
    }

    const CJK_40: &str =
        "武用兵不能必克與書所言遠甚吳起與武一體之人皆著書言兵世稱之曰孫吳然而起之言兵也輕";

    #[test]
    fn a_run_of_ideographs_breaks_between_characters() {
        assert_eq!(CJK_40.chars().count(), 40);
        for ragged_right in [false, true] {
            let mut ts = Typesetter::new(
                test_family_with_fallback(),
                "en",
                HyphenationOptions::default(),
            );
            let mut options = ParagraphOptions::book(Pt(100.0), Pt(11.5));
            options.ragged_right = ragged_right;
            let prepared = ts.prepare(&regular(CJK_40), &options, Span::default());
            // A break of zero width between every two ideographs, no word space.
            let glue = prepared
                .items()
                .iter()
                .filter(|i| matches!(i, Item::Glue { width, fill: false, .. } if width.0 == 0.0))
                .count();
            assert_eq!(glue, 39);
            let layout = ts.layout(&prepared, &options.breaking);
            assert!(layout.diagnostics.is_empty(), "{:?}", layout.diagnostics);
            assert!(layout.lines.len() >= 4, "{}", layout.lines.len());
            let last = layout.lines.len() - 1;
            for (i, line) in layout.lines.iter().enumerate() {
                assert!(!line.overfull);
                assert!(line.width.0 <= 100.0 + 1e-6, "{line:?}");
                if i < last && !ragged_right {
                    assert!((line.width.0 - 100.0).abs() < 0.01, "{line:?}");
                }
                assert!(
                    line.runs
                        .iter()
                        .all(|r| r.face == FontFamily::FIRST_FALLBACK && !r.added_hyphen)
                );
            }
            let joined: String = layout
                .lines
                .iter()
                .flat_map(|l| l.runs.iter().map(|r| r.text.as_str()))
                .collect();
            assert_eq!(joined, CJK_40);
        }
    }

    /// Two paragraphs of Thai (no space between words, spaces between phrases).
    const THAI: &str = "กาลครั้งหนึ่งนานมาแล้ว มีชายชราคนหนึ่งอาศัยอยู่ในหมู่บ้านเล็กๆริมแม่น้ำ เขามีลูกชายสามคนซึ่งทุกคนต่างทำงานหนักในไร่นาของครอบครัวตั้งแต่เช้าจนค่ำ วันหนึ่งชายชราเรียกลูกทั้งสามมาพบและบอกว่าพ่อแก่ชราลงมากแล้ว";

    #[test]
    fn thai_breaks_between_words_and_never_inside_a_letter() {
        let thai_face = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fonts/NotoSerifThai-Regular.ttf"
        );
        let thai_face = crate::FontFace::from_bytes(
            std::fs::read(thai_face).expect("font"),
            FontVariant::Regular,
        )
        .expect("Noto Serif Thai loads");
        // Where a dictionary puts word boundaries, and where a letter (with its signs) ends.
        let words: Vec<usize> = icu_segmenter::LineSegmenter::new_dictionary(Default::default())
            .segment_str(THAI)
            .collect();
        let letters: Vec<usize> = icu_segmenter::GraphemeClusterSegmenter::new()
            .segment_str(THAI)
            .collect();
        // At 20 pt the longer words are broken by force, between letters.
        for width in [20.0, 90.0, 140.0, 200.0] {
            for with_face in [true, false] {
                let family = if with_face {
                    test_family().with_fallback(thai_face.clone())
                } else {
                    test_family()
                };
                let mut ts = Typesetter::new(family, "th", HyphenationOptions::default());
                let options = ParagraphOptions::book(Pt(width), Pt(11.5));
                let layout = ts.typeset(&regular(THAI), &options, Span::default());
                // From 90 pt no word of it is wider than a line: nothing is broken by force.
                let forced = width < 90.0 || !with_face;
                assert!(
                    forced || layout.diagnostics.is_empty(),
                    "{:?}",
                    layout.diagnostics
                );
                assert!(layout.lines.len() >= 3, "{}", layout.lines.len());
                let mut at = 0;
                for (i, line) in layout.lines.iter().enumerate() {
                    assert!(forced || line.width.0 <= width + 1e-6, "{line:?}");
                    let text: String = line.runs.iter().map(|r| r.text.as_str()).collect();
                    for run in &line.runs {
                        at += THAI[at..].find(run.text.as_str()).expect("text in order");
                        at += run.text.len();
                    }
                    if i + 1 < layout.lines.len() {
                        while THAI[at..].starts_with(' ') {
                            at += 1;
                        }
                        assert!(
                            letters.contains(&at),
                            "line {i} ends inside a letter: {text}"
                        );
                        // With the Thai face every line ends between words; without it
                        // (every letter a box as wide as a figure) at least between letters.
                        if !forced {
                            assert!(words.contains(&at), "line {i} ends inside a word: {text}");
                        }
                    }
                }
                let joined: String = layout
                    .lines
                    .iter()
                    .flat_map(|l| l.runs.iter().map(|r| r.text.as_str()))
                    .collect();
                assert_eq!(joined, THAI.replace(' ', ""));
            }
        }
    }

    #[test]
    fn a_cjk_term_in_latin_text_stays_whole_and_solid() {
        let text = "Hu Yen, called 咎犯 Chiu Fan, and 孫武 went on to the south with 子胥";
        for width in [60.0, 80.0, 100.0, 140.0] {
            let mut ts = Typesetter::new(
                test_family_with_fallback(),
                "en",
                HyphenationOptions::default(),
            );
            let options = ParagraphOptions::book(Pt(width), Pt(11.5));
            let layout = ts.typeset(&regular(text), &options, Span::default());
            for line in &layout.lines {
                // The glyphs of each term touch, and no line ends or starts inside one.
                let cjk: Vec<&GlyphRun> = line
                    .runs
                    .iter()
                    .filter(|r| r.text.chars().any(is_ideographic))
                    .collect();
                for pair in cjk.windows(2) {
                    if pair[0].source.end == pair[1].source.start {
                        assert!((pair[0].x + pair[0].width - pair[1].x).0.abs() < 1e-6);
                    }
                }
            }
            let ends: Vec<String> = layout
                .lines
                .iter()
                .map(|l| l.runs.iter().map(|r| r.text.as_str()).collect::<String>())
                .collect();
            for term in ["咎犯", "孫武", "子胥"] {
                assert!(ends.iter().any(|l| l.contains(term)), "{width}: {ends:?}");
            }
        }
    }

    #[test]
    fn cjk_punctuation_never_starts_or_ends_a_line_wrongly() {
        let text = "「孫子」曰：兵者，國之大事，死生之地，存亡之道，不可不察也。故經之以五事，校之以計，而索其情：一曰道，二曰天，三曰地，四曰將，五曰法。";
        for width in [50.0, 70.0, 90.0, 110.0] {
            let mut ts = Typesetter::new(
                test_family_with_fallback(),
                "zh-Hant",
                HyphenationOptions::default(),
            );
            let options = ParagraphOptions::book(Pt(width), Pt(11.5));
            let layout = ts.typeset(&regular(text), &options, Span::default());
            assert!(layout.lines.len() > 3);
            for line in &layout.lines {
                let t: String = line.runs.iter().map(|r| r.text.as_str()).collect();
                let first = t.chars().next().unwrap_or(' ');
                let last = t.chars().last().unwrap_or(' ');
                assert!(
                    !"、。，：；」』）".contains(first),
                    "{width}: line starts with {t}"
                );
                assert!(!"「『（".contains(last), "{width}: line ends with {t}");
            }
        }
    }

    #[test]
    fn fallback_is_deterministic_and_cached_as_uncached() {
        let texts = [
            "The 性理彙要, ch. 17, contains \u{201C}戰必克.\u{201D} and 孫子兵法 and 計",
            CJK_40,
            "Caf\u{E9} na\u{EF}ve \u{201C}Bold\u{2014}quoted\u{201D} e\u{301}t\u{E9} 韓信 Han Hsin",
        ];
        let mut options = ParagraphOptions::book(Pt(100.0), Pt(11.5));
        options.breaking.max_expansion = 0.02;
        let new = || {
            Typesetter::new(
                test_family_with_fallback(),
                "en-GB",
                HyphenationOptions::default(),
            )
        };
        let mut cached = new();
        let mut plain = new();
        plain.use_word_cache = false;
        for text in texts {
            for variant in [FontVariant::Regular, FontVariant::Bold, FontVariant::Italic] {
                let runs = [TextRun {
                    text,
                    style: RunStyle {
                        variant,
                        ..RunStyle::regular(Pt(11.5))
                    },
                }];
                let expected = plain.prepare(&runs, &options, Span::default());
                let expected = plain.layout(&expected, &options.breaking);
                assert!(
                    no_glyph_diagnostics(&expected).is_empty(),
                    "{text} {variant:?}: {:?}",
                    expected.diagnostics
                );
                // Twice: filling the cache, then from it; and a fresh typesetter.
                for _ in 0..2 {
                    let got = cached.prepare(&runs, &options, Span::default());
                    let again = plain.prepare(&runs, &options, Span::default());
                    assert_eq!(got.items(), again.items(), "{text}");
                    assert_eq!(cached.layout(&got, &options.breaking), expected);
                }
                assert_eq!(new().typeset(&runs, &options, Span::default()), expected);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn never_panics(
            texts in proptest::collection::vec(".{0,40}", 1..4),
            measure in -10.0f64..400.0,
            size in -1.0f64..30.0,
            indent in -5.0f64..50.0,
            looseness in -2i32..3,
            ragged in any::<bool>(),
        ) {
            let mut ts = typesetter("en-GB");
            let runs: Vec<TextRun<'_>> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| TextRun {
                    text: t,
                    style: RunStyle {
                        variant: [FontVariant::Regular, FontVariant::Italic, FontVariant::BoldItalic][i % 3],
                        small_caps: i % 2 == 1,
                        all_small_caps: i % 4 == 3,
                        size: Pt(size),
                        hyphenate: true,
                    },
                })
                .collect();
            let mut options = ParagraphOptions::book(Pt(measure), Pt(size.abs()));
            options.indent = Pt(indent);
            options.ragged_right = ragged;
            options.breaking.looseness = looseness;
            let layout = ts.typeset(&runs, &options, Span::default());
            for line in &layout.lines {
                prop_assert!(line.width.0.is_finite());
            }
        }
    }
}
