//! The book typesetter: the model and the `[print]` settings in, a [`Document`] of pages out.
//!
//! Stages, one module each: [`geometry`] (page and text block, gutter by page count),
//! `flow` (blocks to vertical material: paragraphs shaped and broken once, headings, quotes,
//! verse, lists, tables, figures, footnotes), `paginate` (pages on a baseline grid, widows and
//! orphans mended by re-breaking a paragraph one line longer or shorter, footnotes at the foot
//! of the page), and `structure` (half title, title and copyright pages, contents, running
//! heads, folios, outline).

pub mod cover;
mod flow;
pub mod geometry;
pub(crate) mod ledger;
mod paginate;
pub mod proof;
mod structure;

use std::collections::BTreeMap;

use quire_model::{Book, Diagnostic, ImageId, Sources, Span};

use crate::font::{FontFamily, FontVariant};
use crate::frame::{
    Document, DocumentFont, DocumentImage, DocumentInfo, FontId, Glyph, ImageRef, Item, Point,
    Rect, TextRun as FrameRun,
};
use crate::hyphenate::HyphenationOptions;
use crate::paragraph::{LaidLine, ParagraphOptions, RunStyle, TextRun, Typesetter};
use crate::units::Pt;

pub use geometry::Geometry;

/// What the typesetter did, for the `--report` and the closing notes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutReport {
    /// Paragraphs set.
    pub paragraphs: usize,
    /// Paragraphs that needed the hyphenation pass.
    pub second_pass: usize,
    /// Paragraphs that needed emergency stretch.
    pub emergency: usize,
    /// Widows or orphans mended by re-breaking a paragraph.
    pub mended: usize,
    /// Pages left a line (or more) short because nothing else worked.
    pub short_pages: usize,
    /// Pages in the interior.
    pub pages: usize,
    /// The gutter used, in inches.
    pub gutter_in: f64,
    /// How many layouts of the whole book were needed until page count and gutter agreed.
    pub iterations: usize,
    /// The page geometry used.
    pub geometry: Option<Geometry>,
}

/// Same text block (measure, depth, lines, type), wherever it sits across the page.
fn same_block(a: &Option<Geometry>, b: &Geometry) -> bool {
    a.as_ref().is_some_and(|a| {
        Geometry {
            gutter_in: b.gutter_in,
            inner: b.inner,
            outer: b.outer,
            ..a.clone()
        } == *b
    })
}

/// Moves every page's content from the old block position to the new one.
fn shift_pages(document: &mut Document, old: &Geometry, new: &Geometry) {
    for page in &mut document.pages {
        let dx = new.block_left(page.recto) - old.block_left(page.recto);
        for item in &mut page.items {
            item.translate(dx, Pt::ZERO);
        }
    }
}

fn same_page(a: &Option<Geometry>, b: &Geometry) -> bool {
    a.as_ref().is_some_and(|a| {
        Geometry {
            gutter_in: b.gutter_in,
            ..a.clone()
        } == *b
    })
}

/// Where a printed page starts in the manuscript, for page-break markers in the EPUB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageAnchor {
    /// Index of the chapter in reading order (`Book::chapters()`).
    pub chapter: usize,
    /// The page starts inside (or at) the paragraph whose span starts at this byte of the
    /// chapter's file; `None` when the page opens the chapter.
    pub block_start: Option<u32>,
    /// Characters of the paragraph's plain text (`Inline::plain_text`, footnote references
    /// left out, a line break counting one) before the page's first character.
    pub char_offset: usize,
}

/// The typeset book: pages, problems and statistics.
#[derive(Debug, Clone)]
pub struct TypesetBook {
    /// The pages, ready for the PDF backend.
    pub document: Document,
    /// For each page, where it starts in the manuscript (`None` for generated pages: title,
    /// contents, blank pages).
    pub page_anchors: Vec<Option<PageAnchor>>,
    /// Problems at their place in the manuscript: forced breaks, missing glyphs, paragraphs
    /// that needed emergency stretch.
    pub diagnostics: Vec<Diagnostic>,
    /// Every anchor of the book (chapter, heading, note, `<a id>`) and the number of the page
    /// it is on, as printed.
    pub anchor_pages: BTreeMap<String, String>,
    /// Statistics.
    pub report: LayoutReport,
}

/// Typesets the book's print interior with the given font family.
///
/// Repeats the layout until the page count and the gutter it implies agree (the gutter
/// changes the measure, which changes the page count).
pub fn typeset_book(book: &Book, family: &FontFamily) -> TypesetBook {
    typeset_book_with_sources(book, family, None)
}

/// [`typeset_book`] with the manuscript's text at hand, so that a diagnostic about a
/// character (a missing glyph) points at its exact line and column.
pub fn typeset_book_with_sources(
    book: &Book,
    family: &FontFamily,
    sources: Option<&Sources>,
) -> TypesetBook {
    LayoutSession::default().typeset(book, family, sources)
}

/// Lays books out: on how many cores chapters are set, and (between layouts of the same book,
/// as `quire preview` does after each save) what can be kept.
pub struct LayoutSession {
    threads: usize,
    /// Keep what each layout makes for the next (see [`LayoutSession::keeping`]).
    kept: structure::Kept,
    /// The book-wide inputs the kept chapters were laid out with.
    context: Option<BookContext>,
    /// How long the last layout took.
    last: Option<std::time::Duration>,
}

impl std::fmt::Debug for LayoutSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayoutSession")
            .field("threads", &self.threads)
            .field("keeping", &self.kept.keep)
            .finish_non_exhaustive()
    }
}

/// What every chapter's layout reads besides the chapter: when any of it changes, nothing
/// kept holds.
struct BookContext {
    settings: quire_model::Settings,
    language: String,
    images: Vec<quire_model::ImageAsset>,
    anchors: quire_model::AnchorIndex,
    family: FontFamily,
}

impl BookContext {
    fn of(book: &Book, family: &FontFamily) -> Self {
        BookContext {
            settings: book.settings.clone(),
            language: book.metadata.language.clone(),
            images: book.images.clone(),
            anchors: book.anchor_index(),
            family: family.clone(),
        }
    }

    fn holds_for(&self, book: &Book, family: &FontFamily) -> bool {
        self.settings == book.settings
            && self.language == book.metadata.language
            && self.images == book.images
            && self.family.same_faces(family)
            && self.anchors == book.anchor_index()
    }
}

impl Default for LayoutSession {
    /// A session using every core of the machine, or as many as `QUIRE_LAYOUT_THREADS` says.
    fn default() -> Self {
        let threads = std::env::var("QUIRE_LAYOUT_THREADS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        LayoutSession::with_threads(threads)
    }
}

impl LayoutSession {
    /// A session setting chapters on `threads` cores (at least one). The pages are the same
    /// on any number of cores.
    pub fn with_threads(threads: usize) -> Self {
        LayoutSession {
            threads: threads.max(1),
            kept: structure::Kept::default(),
            context: None,
            last: None,
        }
    }

    /// The session keeps what each layout makes, chapter by chapter, and the next layout
    /// of the same book (after an edit) makes again only what the edit changed: the edited
    /// chapters' flows, and the pages of chapters whose flow or opening side changed. The
    /// pages are the same as a fresh layout's.
    pub fn keeping(mut self) -> Self {
        self.kept.keep = true;
        self
    }

    /// Typesets the book (see [`typeset_book_with_sources`]).
    pub fn typeset(
        &mut self,
        book: &Book,
        family: &FontFamily,
        sources: Option<&Sources>,
    ) -> TypesetBook {
        if self.kept.keep
            && !self
                .context
                .as_ref()
                .is_some_and(|c| c.holds_for(book, family))
        {
            self.kept.clear();
            self.context = Some(BookContext::of(book, family));
        }
        let started = std::time::Instant::now();
        let typeset = typeset_loop(book, family, sources, self);
        self.last = Some(started.elapsed());
        typeset
    }

    /// How long the session's last layout took (model to pages), if it made one.
    pub fn last_layout_time(&self) -> Option<std::time::Duration> {
        self.last
    }
}

fn typeset_loop(
    book: &Book,
    family: &FontFamily,
    sources: Option<&Sources>,
    session: &mut LayoutSession,
) -> TypesetBook {
    let settings = &book.settings.print;
    // The anchors "page N" cross-references name: while their pages change, the book is
    // laid out again with the numbers of the last layout (TeX's second run).
    let referenced = page_references(book);
    let mut ref_pages: BTreeMap<String, String> = BTreeMap::new();
    // The gutter depends on the page count, which the layout gives: start from an estimate
    // so that the first layout is usually the last.
    let mut pages_guess = estimate_pages(book, settings);
    let mut result: Option<TypesetBook> = None;
    let mut iterations = 0;
    let mut seen = Vec::new();
    for _ in 0..6 {
        iterations += 1;
        let geometry = Geometry::new(settings, pages_guess);
        let gutter = geometry.gutter_in;
        let refs_settled = result
            .as_ref()
            .is_none_or(|r| pages_of(&r.anchor_pages, &referenced) == ref_pages);
        if refs_settled {
            // A gutter that changes nothing on the page (a fixed text block centred wider
            // than the gutter) needs no second layout.
            if let Some(previous) = result
                .as_mut()
                .filter(|r: &&mut TypesetBook| same_page(&r.report.geometry, &geometry))
            {
                previous.report.gutter_in = gutter;
                break;
            }
            // A gutter that only moves the text block sideways (same measure and depth)
            // needs no new layout either: the pages are shifted.
            if let Some(previous) = result
                .as_mut()
                .filter(|r: &&mut TypesetBook| same_block(&r.report.geometry, &geometry))
            {
                if let Some(old) = previous.report.geometry.clone() {
                    shift_pages(&mut previous.document, &old, &geometry);
                }
                previous.report.gutter_in = gutter;
                previous.report.geometry = Some(geometry);
                break;
            }
        }
        if let Some(previous) = &result {
            ref_pages = pages_of(&previous.anchor_pages, &referenced);
        }
        let mut laid = typeset_once(book, sources, family, geometry, &ref_pages, session);
        let pages = laid.document.pages.len();
        laid.report.iterations = iterations;
        let agreed = geometry::gutter_for_pages(pages) == gutter;
        let settled = pages_of(&laid.anchor_pages, &referenced) == ref_pages;
        result = Some(laid);
        if (agreed || seen.contains(&gutter)) && settled {
            break;
        }
        seen.push(gutter);
        pages_guess = pages;
    }
    // The loop always runs at least once.
    result.unwrap_or_else(|| {
        typeset_once(
            book,
            sources,
            family,
            Geometry::new(settings, 0),
            &BTreeMap::new(),
            session,
        )
    })
}

/// A first guess of the page count, for the first layout's gutter: the book's characters
/// over a page's worth at the text block's measure and depth (an average character of a
/// book face at 0.46 em, spaces included), plus about a page per chapter for openings and
/// ends, plus the front pages. A wrong guess costs one more layout, never a different book.
fn estimate_pages(book: &Book, settings: &quire_model::PrintSettings) -> usize {
    let geometry = Geometry::new(settings, 0);
    let mut characters = 0usize;
    for chapter in book.chapters() {
        plan_blocks(&chapter.blocks, &mut characters);
        for note in &chapter.footnotes {
            plan_blocks(&note.blocks, &mut characters);
        }
    }
    let per_line = (geometry.text_width.0 / (geometry.size.0 * 0.46)).max(1.0);
    let per_page = per_line * geometry.lines_per_page.max(1) as f64;
    let chapters = book.chapters().count();
    (characters as f64 / per_page).ceil() as usize + chapters + 6
}

/// Adds the characters of the blocks' text to `count`.
fn plan_blocks(blocks: &[quire_model::Block], count: &mut usize) {
    use quire_model::BlockKind;
    for block in blocks {
        match &block.kind {
            BlockKind::Paragraph(c)
            | BlockKind::Aligned { content: c, .. }
            | BlockKind::Heading { content: c, .. } => {
                *count += quire_model::Inline::plain_text(c).chars().count();
            }
            BlockKind::BlockQuote(inner) => plan_blocks(inner, count),
            BlockKind::List(list) => {
                for item in &list.items {
                    plan_blocks(&item.blocks, count);
                }
            }
            BlockKind::Verse(stanzas) => {
                // A verse line fills a line, however short.
                *count += stanzas.iter().map(|s| s.len() + 1).sum::<usize>() * 60;
            }
            BlockKind::CodeBlock { text, .. } => *count += (text.lines().count() + 1) * 60,
            BlockKind::Table(t) => *count += (t.rows.len() + 2) * 60,
            BlockKind::Figure(_) => *count += 1200,
            _ => {}
        }
    }
}

/// The anchors page cross-references name.
fn page_references(book: &Book) -> Vec<String> {
    let mut out: Vec<String> = book.chapters().flat_map(chapter_page_references).collect();
    out.sort();
    out.dedup();
    out
}

/// The anchors the page cross-references of one chapter name (its title, text and notes),
/// in order, repeats included.
pub(crate) fn chapter_page_references(chapter: &quire_model::Chapter) -> Vec<String> {
    fn inlines(list: &[quire_model::Inline], out: &mut Vec<String>) {
        for inline in list {
            match &inline.kind {
                quire_model::InlineKind::CrossRef {
                    target,
                    kind: quire_model::RefKind::Page,
                } => out.push(target.clone()),
                other => {
                    if let Some(c) = other.children() {
                        inlines(c, out);
                    }
                }
            }
        }
    }
    fn blocks(list: &[quire_model::Block], out: &mut Vec<String>) {
        use quire_model::BlockKind;
        for block in list {
            match &block.kind {
                BlockKind::Paragraph(c)
                | BlockKind::Aligned { content: c, .. }
                | BlockKind::Heading { content: c, .. } => inlines(c, out),
                BlockKind::BlockQuote(inner) => blocks(inner, out),
                BlockKind::List(list) => {
                    for item in &list.items {
                        blocks(&item.blocks, out);
                    }
                }
                BlockKind::Verse(stanzas) => {
                    for line in stanzas.iter().flatten() {
                        inlines(&line.content, out);
                    }
                }
                BlockKind::Figure(f) => {
                    if let Some(c) = &f.caption {
                        inlines(c, out);
                    }
                }
                // The index prints the pages of its markers.
                BlockKind::Index(groups) => {
                    fn entries(list: &[quire_model::IndexEntry], out: &mut Vec<String>) {
                        for entry in list {
                            for locator in &entry.locators {
                                out.push(locator.anchor.clone());
                                out.extend(locator.end.clone());
                            }
                            entries(&entry.subentries, out);
                        }
                    }
                    for group in groups {
                        entries(&group.entries, out);
                    }
                }
                BlockKind::Table(t) => {
                    for cell in t.head.iter().chain(t.rows.iter().flatten()) {
                        inlines(&cell.content, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Some(title) = &chapter.title {
        inlines(title, &mut out);
    }
    blocks(&chapter.blocks, &mut out);
    for note in &chapter.footnotes {
        blocks(&note.blocks, &mut out);
    }
    out
}

/// The pages of the referenced anchors.
fn pages_of(all: &BTreeMap<String, String>, referenced: &[String]) -> BTreeMap<String, String> {
    referenced
        .iter()
        .filter_map(|id| all.get(id).map(|p| (id.clone(), p.clone())))
        .collect()
}

fn typeset_once(
    book: &Book,
    sources: Option<&Sources>,
    family: &FontFamily,
    geometry: Geometry,
    ref_pages: &BTreeMap<String, String>,
    session: &mut LayoutSession,
) -> TypesetBook {
    let settings = &book.settings.print;
    let hyphenation = HyphenationOptions {
        exceptions: settings.hyphenation_exceptions.clone(),
        ..HyphenationOptions::default()
    };
    let typesetter = Typesetter::new(family.clone(), &book.metadata.language, hyphenation);
    let mut ctx = Ctx::new(book, sources, family, typesetter, geometry);
    ctx.refs.pages = ref_pages.clone();
    ctx.threads = session.threads;
    let mut pages = structure::build(&mut ctx, &mut session.kept);
    let report = LayoutReport {
        pages: pages.pages.len(),
        gutter_in: ctx.geometry.gutter_in,
        geometry: Some(ctx.geometry.clone()),
        ..ctx.report.clone()
    };
    let document = Document {
        width: ctx.geometry.width,
        height: ctx.geometry.height,
        bleed: ctx.geometry.bleed,
        full_bleed: false,
        color_images: book.settings.print.color,
        images: take_images(book, &mut pages.pages),
        pages: pages.pages,
        fonts: ctx.document_fonts(),
        outline: pages.outline,
        info: document_info(book),
    };
    let typeset = TypesetBook {
        document,
        anchor_pages: pages.anchor_pages,
        page_anchors: pages.anchors,
        diagnostics: merge_missing_glyphs(std::mem::take(&mut ctx.diagnostics)),
        report,
    };
    free_at_exit(ctx.ts);
    typeset
}

/// The warnings that a character has no glyph, one per character for the whole book (at its
/// first place, with how many more there are), not one per paragraph: a book in a script
/// the fonts lack would otherwise bury every other message under hundreds.
fn merge_missing_glyphs(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let is_missing = |d: &Diagnostic| d.message.starts_with(MISSING_GLYPH_WARNING);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for d in diagnostics.iter().filter(|d| is_missing(d)) {
        *counts.entry(d.message.clone()).or_default() += 1;
    }
    let mut out = Vec::with_capacity(diagnostics.len());
    for mut d in diagnostics {
        if is_missing(&d) {
            let Some(count) = counts.remove(&d.message) else {
                continue; // a later place of a character already reported
            };
            match count {
                0 | 1 => {}
                2 => d.message.push_str(" (and in 1 more place)"),
                _ => d.message = format!("{} (and in {} more places)", d.message, count - 1),
            }
        }
        out.push(d);
    }
    out
}

/// How the warning that no font has a character's glyph begins.
const MISSING_GLYPH_WARNING: &str = "no font has a glyph for";

/// Frees `value` on a thread of its own, for what takes long to free and need not be
/// waited for: a chapter's flow once its pages are drawn (3% of a build's time, on the
/// core that paginates).
pub fn free_later<T: Send + 'static>(value: T) {
    use std::sync::OnceLock;
    use std::sync::mpsc::Sender;
    static FREER: OnceLock<Option<Sender<Box<dyn Send>>>> = OnceLock::new();
    let freer = FREER.get_or_init(|| {
        let (send, receive) = std::sync::mpsc::channel::<Box<dyn Send>>();
        let started = std::thread::Builder::new()
            .name("quire-free".into())
            .spawn(move || receive.into_iter().for_each(drop));
        started.ok().map(|_| send)
    });
    // Without the thread (it could not be started), `value` is dropped here.
    if let Some(sender) = freer {
        let _ = sender.send(Box::new(value));
    }
}

/// [`free_later`] for what lives until the book is built: the caches of its typesetting
/// (every word shaped, hyphenated and broken: 15 ms of a 2,700-page book's build, with the
/// other core idle) and its pages (20 ms more). After [`leave_to_exit`] they are not freed
/// at all: the program is about to end, and the operating system takes its memory back at
/// once.
pub fn free_at_exit<T: Send + 'static>(value: T) {
    if LEAVE_TO_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        free_later(value);
    }
}

static LEAVE_TO_EXIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Tells [`free_at_exit`] that the program ends as soon as its one book is built: what it
/// is given is left for the end of the program rather than freed piece by piece. Only for a
/// program that builds once and exits (not `quire watch`, nor a catalogue).
pub fn leave_to_exit() {
    LEAVE_TO_EXIT.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// The document images the pages show, in order of first appearance, with every page's
/// image references (book image numbers until now) renumbered to match.
pub(crate) fn take_images(book: &Book, pages: &mut [crate::frame::Page]) -> Vec<DocumentImage> {
    let mut images = Vec::new();
    let mut numbers: BTreeMap<usize, ImageRef> = BTreeMap::new();
    for page in pages {
        for item in &mut page.items {
            let Item::Image(placed) = item else {
                continue;
            };
            let book_image = placed.image.0;
            if let Some(number) = numbers.get(&book_image) {
                placed.image = *number;
                continue;
            }
            let Some(asset) = book.image(ImageId(book_image)) else {
                continue;
            };
            let number = ImageRef(images.len());
            images.push(DocumentImage {
                data: asset.data.clone(),
                width: asset.width,
                height: asset.height,
                vector: asset.format.is_vector(),
            });
            numbers.insert(book_image, number);
            placed.image = number;
        }
    }
    images
}

fn document_info(book: &Book) -> DocumentInfo {
    let m = &book.metadata;
    DocumentInfo {
        title: m.full_title(),
        author: m.author_line(),
        language: m.language.clone(),
        subject: m.description.clone(),
        keywords: m.subjects.clone(),
        identifier: m.isbn.print.clone().map_or_else(
            || m.identifier.clone(),
            |i| format!("urn:isbn:{}", i.replace('-', "")),
        ),
    }
}

/// Horizontal placement of lines set ragged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// The start of the line: the left, or the right in right-to-left text.
    Left,
    /// The left edge in either direction (a verso's folio).
    LeftEdge,
    Center,
    Right,
}

/// A line (or unbreakable band) ready to place: items relative to the text block's left
/// edge and the band's top; the band is `height` tall.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineBox {
    pub(crate) items: Vec<Item>,
    pub(crate) height: Pt,
    pub(crate) notes: Vec<NoteKey>,
    pub(crate) hyphenated: bool,
    /// Byte offset in the paragraph's text where the line starts.
    pub(crate) source_start: usize,
    /// Anchors (ids) that stand on this line.
    pub(crate) anchors: Vec<String>,
    /// Link areas on the line (relative to its top-left corner) and their targets.
    pub(crate) links: Vec<(Rect, String)>,
}

/// A footnote: chapter index and note index in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct NoteKey {
    pub(crate) chapter: usize,
    pub(crate) note: usize,
}

/// Styled text for the paragraph engine, with the places of footnote markers.
#[derive(Debug, Clone, Default)]
pub(crate) struct StyledText {
    pub(crate) runs: Vec<(String, RunStyle)>,
    pub(crate) len: usize,
    /// Byte ranges of footnote markers (raised) and their notes.
    pub(crate) markers: Vec<(std::ops::Range<usize>, NoteKey)>,
    /// Byte ranges set above or below the baseline (superscripts, subscripts), by a
    /// fraction of their own size: positive up.
    pub(crate) rises: Vec<(std::ops::Range<usize>, f64)>,
    /// Where the text came from: the byte offset where each manuscript inline starts, and
    /// its span (empty for text Quire makes up, such as running heads).
    pub(crate) origins: Vec<(usize, Span)>,
    /// `<a id>` anchors: the byte offset where each stands, and its id.
    pub(crate) anchors: Vec<(usize, String)>,
    /// Links: byte range of the link text and the target (`https:...` or `#id`).
    pub(crate) links: Vec<(std::ops::Range<usize>, String)>,
    /// Byte ranges struck through.
    pub(crate) strikes: Vec<std::ops::Range<usize>>,
}

/// The widths of a piece of text (see [`Ctx::content_widths`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct ContentWidths {
    /// All of it on one line.
    pub(crate) line: Pt,
    /// Its widest word (a break only at spaces and the text's own hyphens and dashes).
    pub(crate) word: Pt,
    /// Its widest piece when words may also be hyphenated (the hyphen counted).
    pub(crate) piece: Pt,
}

/// What cross-references print: chapter and figure numbers from the model, page numbers
/// from the previous layout of the book (the typesetter lays the book out again while they
/// change).
#[derive(Debug, Clone, Default)]
pub(crate) struct Refs {
    pub(crate) index: quire_model::AnchorIndex,
    /// Anchor id -> its page's number as printed ("57", "xii"), from the last layout.
    pub(crate) pages: BTreeMap<String, String>,
}

impl Refs {
    /// The text a cross-reference prints: "page 57", "chapter 3", "figure 2.1".
    pub(crate) fn text(&self, target: &str, kind: quire_model::RefKind) -> String {
        match kind {
            quire_model::RefKind::Page => {
                // Before the first layout: as wide as a three-digit number.
                let page = self.pages.get(target).map_or("000", String::as_str);
                format!("page\u{a0}{page}")
            }
            _ => self
                .index
                .reference_text(target, kind)
                .map(|t| t.replacen(' ', "\u{a0}", 1))
                .unwrap_or_else(|| kind.word().to_string()),
        }
    }
}

impl StyledText {
    pub(crate) fn push(&mut self, text: &str, style: RunStyle) {
        if text.is_empty() {
            return;
        }
        self.len += text.len();
        if let Some((last, last_style)) = self.runs.last_mut()
            && *last_style == style
        {
            last.push_str(text);
            return;
        }
        self.runs.push((text.to_string(), style));
    }

    /// Changes the style of the text from byte `from` to the end (splitting the run it
    /// starts in): what was pushed since `from` was the text's length, even when `push`
    /// merged it into the run before.
    pub(crate) fn restyle_from(&mut self, from: usize, change: impl Fn(&mut RunStyle)) {
        let mut at = 0;
        let mut index = self.runs.len();
        for (i, (text, _)) in self.runs.iter().enumerate() {
            if at + text.len() > from {
                index = i;
                break;
            }
            at += text.len();
        }
        if index == self.runs.len() {
            return;
        }
        let offset = from - at;
        if offset > 0 {
            let (text, style) = &mut self.runs[index];
            let tail = text.split_off(offset);
            let style = *style;
            self.runs.insert(index + 1, (tail, style));
            index += 1;
        }
        for (_, style) in &mut self.runs[index..] {
            change(style);
        }
    }

    pub(crate) fn is_blank(&self) -> bool {
        self.runs.iter().all(|(t, _)| t.trim().is_empty())
    }

    pub(crate) fn plain(&self) -> String {
        self.runs.iter().map(|(t, _)| t.as_str()).collect()
    }

    /// The text without its footnote markers: a heading's title as the PDF's bookmarks
    /// show it ("Setup on Windows", not "Setup on Windows1").
    pub(crate) fn title(&self) -> String {
        let plain = self.plain();
        let mut out = String::with_capacity(plain.len());
        let mut at = 0;
        let mut markers: Vec<&std::ops::Range<usize>> =
            self.markers.iter().map(|(r, _)| r).collect();
        markers.sort_by_key(|r| r.start);
        for range in markers {
            if range.start >= at {
                out.push_str(plain.get(at..range.start).unwrap_or(""));
                at = range.end;
            }
        }
        out.push_str(plain.get(at..).unwrap_or(""));
        out
    }
}

pub(crate) struct Ctx<'a> {
    pub(crate) book: &'a Book,
    /// What cross-references print.
    pub(crate) refs: Refs,
    /// The manuscript's text, to point a diagnostic at the exact character.
    sources: Option<&'a Sources>,
    /// Diagnostics already given (a running head repeats its title's problems).
    reported: std::collections::BTreeSet<(u32, u32, String)>,
    pub(crate) family: &'a FontFamily,
    pub(crate) ts: Typesetter,
    pub(crate) geometry: Geometry,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) report: LayoutReport,
    /// How many cores chapters' flows are made on.
    pub(crate) threads: usize,
}

impl<'a> Ctx<'a> {
    /// A context for making chapter flows on another core: the same book, fonts, geometry
    /// and cross-reference texts, with a typesetter and diagnostics of its own.
    fn worker(&self) -> Ctx<'a> {
        let mut worker = Ctx::new(
            self.book,
            self.sources,
            self.family,
            self.ts.fresh(),
            self.geometry.clone(),
        );
        worker.refs = self.refs.clone();
        worker
    }

    fn new(
        book: &'a Book,
        sources: Option<&'a Sources>,
        family: &'a FontFamily,
        ts: Typesetter,
        geometry: Geometry,
    ) -> Self {
        Ctx {
            book,
            refs: Refs {
                index: book.anchor_index(),
                pages: BTreeMap::new(),
            },
            sources,
            reported: std::collections::BTreeSet::new(),
            family,
            ts,
            geometry,
            diagnostics: Vec::new(),
            report: LayoutReport::default(),
            threads: 1,
        }
    }

    /// The document fonts: one per face of the family, in the family's face numbering
    /// (regular, italic, bold, bold italic, then fallback faces), so a glyph run's `face` is
    /// its font id.
    fn document_fonts(&self) -> Vec<DocumentFont> {
        (0..self.family.face_count())
            .filter_map(|index| {
                let face = self.family.face_by_index(index)?;
                let m = face.metrics();
                // Faces 0 to 7 are the variants (see `FontFamily::face_by_index`).
                let italic = [1usize, 3, 5, 7].contains(&index)
                    && self
                        .family
                        .resolve(
                            [
                                FontVariant::Regular,
                                FontVariant::Italic,
                                FontVariant::Bold,
                                FontVariant::BoldItalic,
                                FontVariant::Mono,
                                FontVariant::MonoItalic,
                                FontVariant::MonoBold,
                                FontVariant::MonoBoldItalic,
                            ][index],
                        )
                        .is_italic();
                Some(DocumentFont {
                    data: face.shared_bytes(),
                    index: 0,
                    postscript_name: face.postscript_name().to_string(),
                    units_per_em: m.units_per_em,
                    ascender: m.ascender as i16,
                    descender: m.descender as i16,
                    cap_height: m.cap_height as i16,
                    italic,
                })
            })
            .collect()
    }

    /// The image reference for a book image, its pixel size and whether it is a drawing
    /// (SVG). The reference is the book image's number until [`take_images`] numbers the
    /// images the pages use in order of first appearance, so that laying chapters out in any
    /// order (or on several cores) gives the same document.
    pub(crate) fn image_ref(&self, id: ImageId) -> Option<(ImageRef, u32, u32, bool)> {
        let asset = self.book.image(id)?;
        Some((
            ImageRef(id.0),
            asset.width,
            asset.height,
            asset.format.is_vector(),
        ))
    }

    /// Body paragraph options at a measure.
    pub(crate) fn body_options(&self, measure: Pt) -> ParagraphOptions {
        let mut o = ParagraphOptions::book(measure, self.geometry.size);
        o.ragged_right = self.book.settings.print.ragged_right;
        // Font expansion (pdfTeX/InDesign glyph scaling, +-2 %): spacing closer to natural
        // with fewer hyphens; the PDF applies it with the `Tz` operator.
        if !o.ragged_right {
            o.breaking.max_expansion = 0.02;
        }
        o
    }

    /// Shapes and breaks styled text; returns the laid lines and the layout statistics.
    pub(crate) fn set(
        &mut self,
        text: &StyledText,
        options: &ParagraphOptions,
        span: Span,
    ) -> crate::paragraph::ParagraphLayout {
        let runs: Vec<TextRun<'_>> = text
            .runs
            .iter()
            .map(|(t, s)| TextRun { text: t, style: *s })
            .collect();
        self.ts.typeset(&runs, options, span)
    }

    /// How wide styled text is on one line, and its widest piece that no line break can
    /// split: without hyphenation (a word) and with it (a hyphenated part, hyphen included).
    /// What a table's column widths are made of.
    pub(crate) fn content_widths(&mut self, text: &StyledText) -> ContentWidths {
        let mut options = ParagraphOptions::book(Pt(1.0e6), self.geometry.size);
        options.indent = Pt::ZERO;
        options.ragged_right = true;
        options.hyphenate = true;
        let runs: Vec<TextRun<'_>> = text
            .runs
            .iter()
            .map(|(t, s)| TextRun { text: t, style: *s })
            .collect();
        let prepared = self.ts.prepare(&runs, &options, Span::default());
        let mut widths = ContentWidths::default();
        let (mut line, mut word, mut piece) = (Pt::ZERO, Pt::ZERO, Pt::ZERO);
        for item in prepared.items() {
            match item {
                crate::linebreak::Item::Box { width } => {
                    line += *width;
                    word += *width;
                    piece += *width;
                }
                crate::linebreak::Item::Glue { width, fill, .. } => {
                    if !fill {
                        line += *width;
                    }
                    widths.word = widths.word.max(word);
                    widths.piece = widths.piece.max(piece);
                    word = Pt::ZERO;
                    piece = Pt::ZERO;
                }
                crate::linebreak::Item::Penalty {
                    width,
                    penalty,
                    hyphenation,
                    ..
                } if *penalty < crate::linebreak::INFINITE_PENALTY => {
                    widths.piece = widths.piece.max(piece + *width);
                    piece = Pt::ZERO;
                    if !hyphenation {
                        widths.word = widths.word.max(word + *width);
                        word = Pt::ZERO;
                    }
                }
                crate::linebreak::Item::Penalty { .. } => {}
            }
        }
        widths.word = widths.word.max(word);
        widths.piece = widths.piece.max(piece);
        widths.line = widths.line.max(line);
        widths
    }

    /// Sets short ragged text (headings, titles, running heads) in lines aligned as asked,
    /// each `leading` tall.
    pub(crate) fn set_ragged(
        &mut self,
        text: &StyledText,
        measure: Pt,
        align: Align,
        leading: Pt,
        hyphenate: bool,
    ) -> Vec<LineBox> {
        let mut options = ParagraphOptions::book(measure, self.geometry.size);
        options.indent = Pt::ZERO;
        options.ragged_right = true;
        options.hyphenate = hyphenate;
        let span = text.origins.first().map_or(Span::default(), |o| o.1);
        let layout = self.set(text, &options, span);
        if !text.origins.is_empty() {
            self.report(&layout, &text.plain(), &text.origins);
        }
        let mut lines: Vec<LineBox> = layout
            .lines
            .iter()
            .map(|line| {
                let shift = match align {
                    Align::Left => Pt::ZERO,
                    Align::LeftEdge => -line.left,
                    // A right-to-left line starts at the right: `Left` leaves it there.
                    Align::Center => (measure - line.width) * 0.5 - line.left,
                    Align::Right => measure - line.width - line.left,
                };
                let mut boxed = self.line_box_linked(
                    line,
                    shift,
                    leading,
                    &text.markers,
                    &text.rises,
                    &text.links,
                );
                boxed
                    .items
                    .extend(strike_rules(line, shift, leading, &text.strikes));
                boxed
            })
            .collect();
        place_anchors(&mut lines, &text.anchors);
        lines
    }

    /// Sets one line of code as it is written: every space kept, no break.
    pub(crate) fn set_code_line(&mut self, text: &StyledText, leading: Pt) -> Vec<LineBox> {
        let mut options = ParagraphOptions::book(Pt(1.0e6), self.geometry.size);
        options.indent = Pt::ZERO;
        options.ragged_right = true;
        options.hyphenate = false;
        options.preserve_spaces = true;
        let span = text.origins.first().map_or(Span::default(), |o| o.1);
        let layout = self.set(text, &options, span);
        if !text.origins.is_empty() {
            self.report(&layout, &text.plain(), &text.origins);
        }
        layout
            .lines
            .iter()
            .map(|line| {
                let plain = text.plain();
                self.line_box_of(line, Pt::ZERO, leading, &[], &[], Some(&plain))
            })
            .collect()
    }

    /// Takes a paragraph's diagnostics once each, with every missing glyph pointed at its
    /// character in the manuscript and named.
    pub(crate) fn report(
        &mut self,
        layout: &crate::paragraph::ParagraphLayout,
        plain: &str,
        origins: &[(usize, Span)],
    ) {
        for d in &layout.diagnostics {
            if !d.message.starts_with(crate::paragraph::MISSING_GLYPH) {
                self.push_once(d.clone());
            }
        }
        for &c in &layout.missing {
            let offset = plain.find(c).unwrap_or(0);
            let span = origins
                .iter()
                .rev()
                .find(|(start, _)| *start <= offset)
                .or(origins.first())
                .map_or(Span::default(), |o| o.1);
            let span = locate(self.sources, span, c);
            let name = unicode_names2::name(c)
                .map(|n| n.to_string())
                .unwrap_or_else(|| "an unnamed character".to_string());
            self.push_once(
                Diagnostic::warning(
                    span,
                    format!("{MISSING_GLYPH_WARNING} {c:?} (U+{:04X} {name}): it prints as an empty box", u32::from(c)),
                )
                .with_hint("put a font that has it in the book's `fonts/` folder, or replace the character in the text"),
            );
        }
    }

    /// The manuscript text of the file a span is in, when at hand.
    pub(crate) fn source_text(&self, span: Span) -> Option<&'a str> {
        self.sources
            .and_then(|s| s.get(span.file))
            .map(|f| f.text.as_str())
    }

    /// Adds a diagnostic unless the same one was given already.
    pub(crate) fn push_once(&mut self, d: Diagnostic) {
        let key = d.span.map_or((u32::MAX, 0), |s| (s.file.0, s.start));
        if self.reported.insert((key.0, key.1, d.message.clone())) {
            self.diagnostics.push(d);
        }
    }

    /// Appends the face's space glyph at the end of a run (where a word gap starts).
    fn push_space(&self, frame: &mut FrameRun, face: usize, scale: f64) {
        let Some(face) = self.family.face_by_index(face) else {
            return;
        };
        if let Some((space, advance)) = face.space() {
            let start = u32::try_from(frame.text.len()).unwrap_or(u32::MAX);
            frame.text.push(' ');
            let pen = frame.glyphs.last().map_or(Pt::ZERO, Glyph::right);
            frame.glyphs.push(Glyph::new(
                space,
                pen.0 as f32,
                (advance * face.scale(frame.size.0) * scale) as f32,
                start..start.saturating_add(1),
            ));
        }
    }

    /// A laid line as a band `height` tall with its baseline at the bottom.
    ///
    /// The paragraph engine gives one glyph run per word; here words of one style are joined
    /// into one run with a real space glyph between them, so text extraction, search and
    /// screen readers see the spaces, and the PDF needs one text object per style change.
    pub(crate) fn line_box(
        &self,
        line: &LaidLine,
        x: Pt,
        height: Pt,
        markers: &[(std::ops::Range<usize>, NoteKey)],
        rises: &[(std::ops::Range<usize>, f64)],
    ) -> LineBox {
        self.line_box_of(line, x, height, markers, rises, None)
    }

    /// [`Ctx::line_box`]; for a line of code, `code` is its text, and every space of it is
    /// a space glyph (an indent, the spaces that align a column), so that code copied from
    /// the PDF keeps its indentation.
    fn line_box_of(
        &self,
        line: &LaidLine,
        x: Pt,
        height: Pt,
        markers: &[(std::ops::Range<usize>, NoteKey)],
        rises: &[(std::ops::Range<usize>, f64)],
        code: Option<&str>,
    ) -> LineBox {
        // The spaces of code between two of its words (one for prose).
        let spaces_between = |from: usize, to: usize| -> usize {
            code.and_then(|c| c.get(from..to))
                .map_or(1, |gap| gap.chars().filter(|c| *c == ' ').count().max(1))
        };
        let mut items: Vec<Item> = Vec::with_capacity(line.runs.len().min(8));
        let mut notes = Vec::new();
        // The run being built, with the source and rise of its last word.
        let mut current: Option<(FrameRun, std::ops::Range<usize>, Pt, usize)> = None;
        for run in &line.runs {
            let is_marker = markers.iter().any(|(r, _)| {
                r.start <= run.source.start
                    && run.source.end <= r.end
                    && run.source.start < run.source.end
            });
            for (range, key) in markers {
                if range.start >= run.source.start
                    && range.start < run.source.end.max(run.source.start + 1)
                    && !notes.iter().any(|(_, k)| k == key)
                {
                    notes.push((range.start, *key));
                }
            }
            let inside = |r: &std::ops::Range<usize>| {
                r.start <= run.source.start
                    && run.source.end <= r.end
                    && run.source.start < run.source.end
            };
            let rise = if is_marker {
                run.size * 0.55
            } else {
                rises
                    .iter()
                    .find(|(r, _)| inside(r))
                    .map_or(Pt::ZERO, |(_, by)| run.size * *by)
            };
            let font = FontId(run.face);
            let scale = run.horizontal_scale * 100.0;
            let joinable = current.as_ref().is_some_and(|(c, _, c_rise, _)| {
                c.font == font
                    && c.size == run.size
                    && c.horizontal_scale == scale
                    && *c_rise == rise
            });
            if !joinable {
                // A word space before a change of style opens the new run, from where the
                // previous word ended (text extraction then sees it inside one text object).
                let mut space_at = None;
                let mut spaces = 1;
                if let Some((done, last, ..)) = current.take() {
                    if words_apart(&last, &run.source) {
                        space_at = done.glyphs.last().map(|g| done.origin.x + g.right());
                        spaces = spaces_between(last.end, run.source.start);
                    }
                    items.push(Item::Text(done));
                } else if let Some(code) = code {
                    // A line of code's indent: the spaces from its start to its first word.
                    let before = code.get(..run.source.start).unwrap_or("");
                    let indent = before.len() - before.trim_start_matches(' ').len();
                    if indent > 0 && indent == before.len() {
                        let advance = self
                            .family
                            .face_by_index(run.face)
                            .and_then(|f| f.space().map(|(_, a)| a * f.scale(run.size.0)))
                            .unwrap_or(0.0);
                        space_at =
                            Some(x + run.x - Pt(advance * run.horizontal_scale) * indent as f64);
                        spaces = indent;
                    }
                }
                let origin_x = space_at.unwrap_or(x + run.x);
                let mut frame = FrameRun {
                    origin: Point {
                        x: origin_x,
                        y: height - rise,
                    },
                    font,
                    size: run.size,
                    horizontal_scale: scale,
                    rotated: false,
                    text: String::with_capacity(64),
                    glyphs: Vec::with_capacity(64),
                    rises: Vec::new(),
                };
                if space_at.is_some() {
                    for _ in 0..spaces {
                        self.push_space(&mut frame, run.face, run.horizontal_scale);
                    }
                }
                current = Some((frame, run.source.start..run.source.start, rise, run.face));
            }
            let Some((frame, last, _, face)) = current.as_mut() else {
                continue;
            };
            let base_x = x + run.x - frame.origin.x;
            if !frame.glyphs.is_empty() && words_apart(last, &run.source) {
                // A word space: a real space glyph where the gap starts.
                for _ in 0..spaces_between(last.end, run.source.start) {
                    self.push_space(frame, *face, run.horizontal_scale);
                }
            }
            let offset = frame.text.len();
            frame.text.push_str(&run.text);
            // Text a glyph cannot hold (a cluster of more than `Glyph::MAX_TEXT` bytes)
            // goes to the glyphs after it that have none of their own.
            let mut rest: Option<std::ops::Range<usize>> = None;
            for g in &run.glyphs {
                let mut text = offset + g.text.start..offset + g.text.end;
                if text.is_empty()
                    && let Some(more) = rest.take()
                {
                    text = more;
                }
                if text.len() > Glyph::MAX_TEXT {
                    let mut cut = text.start + Glyph::MAX_TEXT;
                    while !frame.text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    rest = Some(cut..text.end);
                    text.end = cut;
                }
                if g.y.0 != 0.0 {
                    frame.rises.push((frame.glyphs.len() as u32, g.y.0 as f32));
                }
                frame.glyphs.push(Glyph::new(
                    g.id,
                    (base_x + g.x).0 as f32,
                    g.advance.0 as f32,
                    u32::try_from(text.start).unwrap_or(u32::MAX)
                        ..u32::try_from(text.end).unwrap_or(u32::MAX),
                ));
            }
            *last = run.source.clone();
        }
        if let Some((done, ..)) = current.take() {
            items.push(Item::Text(done));
        }
        // Notes in the order of their references in the text (a right-to-left line lists
        // its runs from the end).
        notes.sort_by_key(|(at, _)| *at);
        LineBox {
            items,
            height,
            notes: notes.into_iter().map(|(_, key)| key).collect(),
            hyphenated: line.hyphenated,
            source_start: line.runs.iter().map(|r| r.source.start).min().unwrap_or(0),
            anchors: Vec::new(),
            links: Vec::new(),
        }
    }

    /// A laid line as [`Ctx::line_box`] makes it, with the areas of the links on it.
    pub(crate) fn line_box_linked(
        &self,
        line: &LaidLine,
        x: Pt,
        height: Pt,
        markers: &[(std::ops::Range<usize>, NoteKey)],
        rises: &[(std::ops::Range<usize>, f64)],
        links: &[(std::ops::Range<usize>, String)],
    ) -> LineBox {
        let mut boxed = self.line_box(line, x, height, markers, rises);
        // A note's marker leads to its note, and the note's number back to the marker (as
        // the EPUB's note references do): the ids are the model's notes', the marker's
        // with a space no anchor of the manuscript can hold.
        let notes = markers.iter().filter_map(|(range, key)| {
            let id = &self
                .book
                .chapters()
                .nth(key.chapter)?
                .footnotes
                .get(key.note)?
                .id;
            range_extent(line, x, range)?;
            boxed.anchors.push(note_marker_anchor(id));
            Some((range.clone(), format!("#{id}")))
        });
        let notes: Vec<(std::ops::Range<usize>, String)> = notes.collect();
        for (range, target) in links.iter().chain(&notes) {
            if let Some((left, right, _)) = range_extent(line, x, range) {
                // The link's rectangle tiles the leading around its baseline: from under
                // the descenders down to where the next line's ascenders begin, so that it
                // covers its own words and no part of the lines above or below. The line's
                // own leading: a title's is larger (and its note's marker stands higher), a
                // note's smaller.
                let leading = height;
                let above = leading * 0.74;
                boxed.links.push((
                    Rect {
                        origin: Point {
                            x: left,
                            y: height - above,
                        },
                        width: right - left,
                        height: above + leading * 0.24,
                    },
                    target.clone(),
                ));
            }
        }
        boxed
    }
}

/// The anchor of a note's marker in the text (see [`Ctx::line_box_linked`]), for the note's
/// number to lead back to: the note's id and a space, which no id of the manuscript holds.
pub(crate) fn note_marker_anchor(note_id: &str) -> String {
    format!("{note_id} ref")
}

/// Whether a word space comes between two runs of a line, the one with the text `next`
/// set right after the one with `last`: there is text between them, in the order of the
/// text or (on a line reordered for right-to-left text) against it.
fn words_apart(last: &std::ops::Range<usize>, next: &std::ops::Range<usize>) -> bool {
    next.start > last.end || (next.start < last.start && next.end < last.start)
}

/// Where the glyphs of the text `range` (bytes of the paragraph's text) stand on `line`,
/// set from `x`: their left and right edges and the largest size among them. Only the
/// range's own glyphs: not the full stop after a link.
fn range_extent(line: &LaidLine, x: Pt, range: &std::ops::Range<usize>) -> Option<(Pt, Pt, Pt)> {
    let mut extent: Option<(Pt, Pt, Pt)> = None;
    for run in &line.runs {
        if run.source.end <= range.start || range.end <= run.source.start {
            continue;
        }
        let mut inside = false;
        for glyph in &run.glyphs {
            if !glyph.text.is_empty() {
                inside = range.contains(&(run.source.start + glyph.text.start));
            }
            if inside {
                let a = x + run.x + glyph.x;
                let b = a + glyph.advance;
                extent = Some(extent.map_or((a, b, run.size), |(l, r, size)| {
                    (l.min(a), r.max(b), size.max(run.size))
                }));
            }
        }
    }
    extent
}

/// The rules that strike through the parts of `line` in `strikes` (byte ranges of the
/// paragraph's text), for a line set from `x` with its baseline `height` below its top: one
/// rule per struck range on the line, across its word spaces, at the height and in the
/// weight of a strikeout as fonts give it (a quarter of the size up, a twentieth thick).
pub(crate) fn strike_rules(
    line: &LaidLine,
    x: Pt,
    height: Pt,
    strikes: &[std::ops::Range<usize>],
) -> Vec<Item> {
    let mut rules = Vec::new();
    for range in strikes {
        if let Some((left, right, size)) = range_extent(line, x, range) {
            let thickness = (size * 0.05).max(Pt(0.4));
            rules.push(Item::Rule(crate::frame::Rule {
                rect: Rect {
                    origin: Point {
                        x: left,
                        y: height - size * 0.27 - thickness * 0.5,
                    },
                    width: right - left,
                    height: thickness,
                },
            }));
        }
    }
    rules
}

/// Puts each anchor on the line its offset falls in (the last line starting at or before
/// it; the first line when there is none).
pub(crate) fn place_anchors(lines: &mut [LineBox], anchors: &[(usize, String)]) {
    for (offset, id) in anchors {
        let index = lines
            .iter()
            .rposition(|l| l.source_start <= *offset)
            .unwrap_or(0);
        if let Some(line) = lines.get_mut(index) {
            line.anchors.push(id.clone());
        }
    }
}

/// The span of the first `c` inside `span` of the manuscript, with its line and column;
/// `span` itself when the text is not at hand or the character is not in it (smart
/// punctuation makes characters the source does not have).
fn locate(sources: Option<&Sources>, span: Span, c: char) -> Span {
    let Some(text) = sources
        .and_then(|s| s.get(span.file))
        .map(|f| f.text.as_str())
    else {
        return span;
    };
    let Some(slice) = text.get(span.start as usize..span.end as usize) else {
        return span;
    };
    let Some(offset) = slice.find(c) else {
        return span;
    };
    let (mut line, mut column) = (span.line, span.column);
    for ch in slice[..offset].chars() {
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    let start = span.start + offset as u32;
    Span {
        file: span.file,
        start,
        end: start + c.len_utf8() as u32,
        line,
        column,
    }
}

#[cfg(test)]
mod styled_text_tests {
    use super::*;

    /// A span restyled after it was pushed in the style of the text before it (and so
    /// merged into that run) is split off and restyled alone: `[Lord]{.smallcaps}`.
    /// A character no font has is reported once for the book, at its first place, with
    /// how many more there are; other warnings stay as they are, in order.
    #[test]
    fn missing_glyphs_are_reported_once_per_character() {
        let span = |start: u32| Span {
            start,
            ..Span::default()
        };
        let missing = |c: char, at: u32| {
            Diagnostic::warning(
                span(at),
                format!("{MISSING_GLYPH_WARNING} {c:?} (U+0628 X): it prints as an empty box"),
            )
        };
        let merged = merge_missing_glyphs(vec![
            missing('ب', 10),
            Diagnostic::warning(span(20), "a table is set smaller"),
            missing('ب', 30),
            missing('ت', 40),
            missing('ب', 50),
        ]);
        let shown: Vec<(u32, &str)> = merged
            .iter()
            .map(|d| (d.span.map_or(0, |s| s.start), d.message.as_str()))
            .collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert_eq!(shown[0].0, 10);
        assert!(shown[0].1.ends_with("(and in 2 more places)"), "{shown:?}");
        assert_eq!(shown[1], (20, "a table is set smaller"));
        assert_eq!(shown[2].0, 40);
        assert!(shown[2].1.ends_with("empty box"), "{shown:?}");
    }

    #[test]
    fn restyling_splits_the_run_the_text_was_merged_into() {
        let plain = flow::style_of(FontVariant::Regular, Pt(10.0), false);
        let mut text = StyledText::default();
        text.push("And the ", plain);
        let start = text.len;
        text.push("Lord", plain);
        text.restyle_from(start, |s| s.small_caps = true);
        text.push(" said.", plain);
        let runs: Vec<(&str, bool)> = text
            .runs
            .iter()
            .map(|(t, s)| (t.as_str(), s.small_caps))
            .collect();
        assert_eq!(
            runs,
            [("And the ", false), ("Lord", true), (" said.", false)]
        );
    }
}

#[cfg(test)]
mod free_tests {
    /// Tells a channel when it is dropped, and on which thread.
    struct Watched(std::sync::mpsc::Sender<std::thread::ThreadId>);

    impl Drop for Watched {
        fn drop(&mut self) {
            let _ = self.0.send(std::thread::current().id());
        }
    }

    #[test]
    fn what_is_freed_later_is_freed_on_another_thread() {
        let (send, receive) = std::sync::mpsc::channel();
        for _ in 0..3 {
            super::free_later(Watched(send.clone()));
        }
        for _ in 0..3 {
            let thread = receive
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("dropped within 10 s");
            assert_ne!(thread, std::thread::current().id());
        }
    }
}
