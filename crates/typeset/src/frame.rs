//! The typesetter's output: pages of positioned glyph runs, rules, images and link areas.
//!
//! Plain data with no PDF in it: the PDF backend only draws what is here. Coordinates are in
//! points from the top-left corner of the trimmed page, y growing downwards; a text run's
//! origin is the left end of its baseline.

use std::sync::Arc;

use crate::units::Pt;

/// Bytes that several owners read and nobody changes: a font file, whether read from the
/// book folder or built into the program, shared by the typesetter's faces and the
/// document (cloning shares them; nothing is copied).
#[derive(Clone)]
pub struct SharedBytes(Arc<dyn AsRef<[u8]> + Send + Sync>);

impl SharedBytes {
    /// Bytes built into the program.
    pub fn from_static(bytes: &'static [u8]) -> SharedBytes {
        SharedBytes(Arc::new(bytes))
    }

    /// The shared handle, for a reader that takes one (skrifa).
    pub fn handle(&self) -> Arc<dyn AsRef<[u8]> + Send + Sync> {
        self.0.clone()
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(bytes: Vec<u8>) -> SharedBytes {
        SharedBytes(Arc::new(bytes))
    }
}

impl std::ops::Deref for SharedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        (*self.0).as_ref()
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.len())
    }
}

impl PartialEq for SharedBytes {
    fn eq(&self, other: &SharedBytes) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || **self == **other
    }
}

/// A point on a page: from the trimmed page's top-left corner, y downwards.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Distance from the left edge of the trimmed page.
    pub x: Pt,
    /// Distance from the top edge of the trimmed page.
    pub y: Pt,
}

/// A rectangle on a page (top-left corner and size).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// Top-left corner.
    pub origin: Point,
    /// Width.
    pub width: Pt,
    /// Height.
    pub height: Pt,
}

/// Index of a font in [`Document::fonts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FontId(pub usize);

/// Index of an image in [`Document::images`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageRef(pub usize);

/// A font the document uses: its OpenType bytes, to embed (subset) in the output.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentFont {
    /// The OpenType file (shared with the typesetter's face, not copied).
    pub data: SharedBytes,
    /// Index in a collection (0 for a plain font file).
    pub index: u32,
    /// PostScript name, for the PDF font name.
    pub postscript_name: String,
    /// Units per em of the font's glyph space.
    pub units_per_em: u16,
    /// Ascender, descender and cap height in font units (for the font descriptor).
    pub ascender: i16,
    /// Descender in font units (negative below the baseline).
    pub descender: i16,
    /// Cap height in font units.
    pub cap_height: i16,
    /// True for an italic face.
    pub italic: bool,
}

/// An image the document places: the encoded file as the book has it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentImage {
    /// The encoded bytes (PNG, JPEG ..., or a clean SVG file when `vector`).
    pub data: Vec<u8>,
    /// Width in pixels (CSS pixels for SVG).
    pub width: u32,
    /// Height in pixels (CSS pixels for SVG).
    pub height: u32,
    /// An SVG drawing, to be drawn as vectors rather than decoded as a raster.
    pub vector: bool,
}

/// One glyph of a run. A book holds millions, so a glyph takes 16 bytes: lengths in points
/// as `f32` (a millionth of a point on a page; the PDF writes positions as `f32` anyway), its
/// text as a start and a length, and its vertical offset, which almost no glyph has, kept by
/// the run ([`TextRun::rises`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    /// Glyph id in the font.
    pub id: u16,
    /// Length in bytes of the text the glyph stands for (see [`Glyph::text`]).
    text_len: u16,
    /// Where in the run's `text` the glyph's text starts.
    text_start: u32,
    /// Horizontal position of the glyph's origin relative to the run's origin (justification
    /// and kerning included), in points.
    pub x: f32,
    /// The glyph's advance as the font gives it at this size and scale, in points.
    pub advance: f32,
}

impl Glyph {
    /// The longest text one glyph can stand for, in bytes; a cluster with more text (tens of
    /// thousands of combining marks on one letter) hands the rest to the glyphs after it.
    pub const MAX_TEXT: usize = u16::MAX as usize;

    /// A glyph standing for the bytes `text` of its run's text (one or more characters,
    /// "ffi" for a ligature, or none for a glyph that continues the previous one's text);
    /// more than [`Glyph::MAX_TEXT`] bytes are cut to that many.
    pub fn new(id: u16, x: f32, advance: f32, text: std::ops::Range<u32>) -> Glyph {
        let len = text.end.saturating_sub(text.start).min(u32::from(u16::MAX));
        Glyph {
            id,
            text_len: len as u16,
            text_start: text.start,
            x,
            advance,
        }
    }

    /// Byte range in the run's `text` this glyph stands for: one or more characters ("ffi"
    /// for a ligature), or empty for a glyph that continues the previous one's text.
    pub fn text(&self) -> std::ops::Range<usize> {
        let start = self.text_start as usize;
        start..start + usize::from(self.text_len)
    }

    /// Where the glyph starts, from the run's origin.
    pub fn left(&self) -> Pt {
        Pt(f64::from(self.x))
    }

    /// Where the glyph's advance ends, from the run's origin.
    pub fn right(&self) -> Pt {
        Pt(f64::from(self.x) + f64::from(self.advance))
    }
}

/// A run of glyphs in one font and size on one baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// Left end of the baseline.
    pub origin: Point,
    /// The font.
    pub font: FontId,
    /// Size in points.
    pub size: Pt,
    /// Horizontal glyph scaling in percent (100 = none); font expansion uses 98 to 102.
    pub horizontal_scale: f64,
    /// Turned 90 degrees clockwise about the origin, reading top to bottom (a spine).
    pub rotated: bool,
    /// The text the glyphs stand for (each glyph names its part of it).
    pub text: String,
    /// The glyphs.
    pub glyphs: Vec<Glyph>,
    /// The glyphs the font moves up or down (a mark over a capital): the index in `glyphs`
    /// and the offset from the baseline in points, upwards positive; in order of index, and
    /// empty for almost every run.
    pub rises: Vec<(u32, f32)>,
}

impl TextRun {
    /// The text a glyph of this run stands for.
    pub fn glyph_text(&self, glyph: &Glyph) -> &str {
        self.text.get(glyph.text()).unwrap_or("")
    }

    /// The vertical offset of glyph `index` from the baseline, upwards positive (see
    /// [`TextRun::rises`]).
    pub fn rise(&self, index: usize) -> f32 {
        if self.rises.is_empty() {
            return 0.0;
        }
        self.rises
            .binary_search_by_key(&index, |(i, _)| *i as usize)
            .map_or(0.0, |found| self.rises[found].1)
    }
}

/// A filled rectangle (a rule), in black or the colour an [`Item::Color`] before it set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Where.
    pub rect: Rect,
}

/// An image scaled into a rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacedImage {
    /// Which image.
    pub image: ImageRef,
    /// Where and how big.
    pub rect: Rect,
}

/// Where a link goes.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkTarget {
    /// A place in the document: page index and the y of the target's top.
    Page {
        /// Zero-based page index.
        page: usize,
        /// Distance from the top of the page.
        y: Pt,
    },
    /// An external address.
    Uri(String),
}

/// A clickable area.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkArea {
    /// The area.
    pub rect: Rect,
    /// The target.
    pub target: LinkTarget,
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text.
    Text(TextRun),
    /// A rule.
    Rule(Rule),
    /// An image.
    Image(PlacedImage),
    /// A link area (drawn as nothing, clickable).
    Link(LinkArea),
    /// The colour of the text and rules that follow on the page, until the next colour
    /// (black before the first). Only covers use it.
    Color(quire_model::Rgb),
}

impl Item {
    /// Where the item is drawn on its page: (left, right, top, bottom), measured from the
    /// trimmed page's top left corner (text by its glyph advances and an ascent and descent
    /// of the type size); `None` for what draws nothing (links, colours) and for rotated
    /// text.
    pub fn extent(&self) -> Option<(Pt, Pt, Pt, Pt)> {
        match self {
            Item::Text(run) => {
                let start = run.glyphs.first().map_or(Pt::ZERO, Glyph::left);
                let end = run.glyphs.iter().map(Glyph::right).fold(start, Pt::max);
                let (left, right) = (run.origin.x + start, run.origin.x + end);
                let top = run.origin.y - run.size * 0.8;
                let bottom = run.origin.y + run.size * 0.25;
                if run.rotated {
                    None
                } else {
                    Some((left, right, top, bottom))
                }
            }
            Item::Image(image) => Some((
                image.rect.origin.x,
                image.rect.origin.x + image.rect.width,
                image.rect.origin.y,
                image.rect.origin.y + image.rect.height,
            )),
            Item::Rule(rule) => Some((
                rule.rect.origin.x,
                rule.rect.origin.x + rule.rect.width,
                rule.rect.origin.y,
                rule.rect.origin.y + rule.rect.height,
            )),
            Item::Link(_) | Item::Color(_) => None,
        }
    }
}

/// How a page number is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberStyle {
    /// i, ii, iii (front matter).
    LowerRoman,
    /// 1, 2, 3 (from the first page of the body).
    #[default]
    Arabic,
}

/// A page's number, printed or not (blank pages and chapter openers are numbered too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageNumber {
    /// Roman or arabic.
    pub style: NumberStyle,
    /// The number.
    pub value: u32,
}

impl PageNumber {
    /// The number as printed: "iv", "12".
    pub fn text(self) -> String {
        match self.style {
            NumberStyle::Arabic => self.value.to_string(),
            NumberStyle::LowerRoman => roman(self.value),
        }
    }
}

/// Lowercase roman numerals (0 gives an empty string).
pub fn roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, letters) in TABLE {
        while n >= value {
            out.push_str(letters);
            n -= value;
        }
    }
    out
}

impl Item {
    /// Moves the item by `dx` right and `dy` down.
    pub fn translate(&mut self, dx: Pt, dy: Pt) {
        let origin = match self {
            Item::Text(run) => &mut run.origin,
            Item::Rule(rule) => &mut rule.rect.origin,
            Item::Image(image) => &mut image.rect.origin,
            Item::Link(link) => &mut link.rect.origin,
            Item::Color(_) => return,
        };
        origin.x += dx;
        origin.y += dy;
    }

    /// A copy moved by `dx` right and `dy` down.
    pub fn translated(&self, dx: Pt, dy: Pt) -> Item {
        let mut item = self.clone();
        item.translate(dx, dy);
        item
    }
}

/// One page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// What is drawn, in drawing order.
    pub items: Vec<Item>,
    /// The page's number (also its PDF page label).
    pub number: PageNumber,
    /// True for a right-hand page (odd page numbers in a book).
    pub recto: bool,
}

/// A bookmark in the document outline.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlineEntry {
    /// The title shown.
    pub title: String,
    /// Zero-based page index.
    pub page: usize,
    /// Distance of the target from the top of the page.
    pub y: Pt,
    /// Nested entries (sections).
    pub children: Vec<OutlineEntry>,
}

/// Bibliographic data for the document information and XMP metadata.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DocumentInfo {
    /// The title (with subtitle).
    pub title: String,
    /// The authors, joined for display.
    pub author: String,
    /// BCP 47 language tag.
    pub language: String,
    /// The description, as the subject.
    pub subject: Option<String>,
    /// Subjects as keywords.
    pub keywords: Vec<String>,
    /// The book's identifier.
    pub identifier: String,
}

/// A whole typeset document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// Trimmed page width.
    pub width: Pt,
    /// Trimmed page height.
    pub height: Pt,
    /// Bleed added at the top, bottom and outside edge of every page (zero for none).
    pub bleed: Pt,
    /// Bleed on all four sides (a cover wrap) instead of top, bottom and outside.
    pub full_bleed: bool,
    /// Images keep their colour (a cover) instead of being converted to grayscale for a
    /// black-and-white interior.
    pub color_images: bool,
    /// The pages in order.
    pub pages: Vec<Page>,
    /// Fonts referenced by [`FontId`].
    pub fonts: Vec<DocumentFont>,
    /// Images referenced by [`ImageRef`].
    pub images: Vec<DocumentImage>,
    /// Bookmarks.
    pub outline: Vec<OutlineEntry>,
    /// Metadata.
    pub info: DocumentInfo,
}
