//! Blocks to vertical material: every paragraph shaped and broken once (and again with
//! looseness +1/-1 when pagination asks), headings, quotes, verse, lists, tables, figures,
//! scene breaks, and the footnotes of a chapter (set by the same builder at the note size).
//!
//! Every vertical space in the body is a whole number of lines, so that every line sits on
//! the page's baseline grid and facing pages end on the same baseline. Each element keeps
//! the span of the model block it came from, and the builder records every model block it
//! set, for the ledger ([`super::ledger`]).

use quire_model::{
    Alignment, Block, BlockKind, Chapter, Figure, Inline, InlineKind, List, Span, Table, TableCell,
    TextStyle, VerseLine,
};

use super::{Align, Ctx, LineBox, NoteKey, StyledText};
use crate::font::FontVariant;
use crate::frame::{Item, Point, Rect, Rule};
use crate::paragraph::{ParagraphOptions, PreparedParagraph, RunStyle};
use crate::units::Pt;

/// A paragraph that pagination may re-break one line longer or shorter.
#[derive(Clone)]
pub(crate) struct Para {
    pub(crate) prepared: PreparedParagraph,
    pub(crate) x: Pt,
    /// Height of each line.
    pub(crate) leading: Pt,
    pub(crate) markers: Vec<(std::ops::Range<usize>, NoteKey)>,
    /// Superscripts and subscripts (see [`StyledText::rises`]).
    pub(crate) rises: Vec<(std::ops::Range<usize>, f64)>,
    /// Where its text came from (see [`StyledText::origins`]).
    pub(crate) origins: Vec<(usize, Span)>,
    /// Anchors and links in its text (see [`StyledText::anchors`], [`StyledText::links`]).
    pub(crate) anchors: Vec<(usize, String)>,
    pub(crate) links: Vec<(std::ops::Range<usize>, String)>,
    /// Byte ranges struck through (see [`StyledText::strikes`]).
    pub(crate) strikes: Vec<std::ops::Range<usize>>,
    /// Laid out with looseness -1, 0, +1 (index 0, 1, 2), computed when first asked for.
    pub(crate) layouts: [Option<Laid>; 3],
    /// Broken with looseness -1, 0, +1 but not yet laid out (see [`rate`]): pagination
    /// weighs many more loosenesses than it uses.
    pub(crate) broken: [Option<crate::linebreak::Breaking>; 3],
    /// The looseness in use.
    pub(crate) current: i32,
    /// Items drawn on the first line before the text (a list marker).
    pub(crate) first_line_extra: Vec<Item>,
    /// A layout whose line at a page end does not end in a hyphen; used instead of the
    /// looseness layouts when set.
    pub(crate) no_hyphen: Option<Laid>,
    /// Outline entry of a heading run into the paragraph (`####` and deeper): title, level.
    pub(crate) outline: Option<(String, u8)>,
    /// Characters set before the paragraph's own text (a run-in heading, a note's number),
    /// which its place in the manuscript does not count.
    pub(crate) lead_chars: usize,
    /// A code block follows it: when it introduces the code (one line, as a file's name
    /// over a listing, or ending with a colon), its last line stays on the page with the
    /// code's first lines (see `paginate::keep_after`).
    pub(crate) before_code: bool,
    pub(crate) span: Span,
}

/// One layout of a paragraph.
#[derive(Clone)]
pub(crate) struct Laid {
    pub(crate) lines: Vec<LineBox>,
    pub(crate) demerits: f64,
    /// False when the asked-for looseness could not be reached.
    pub(crate) achieved: bool,
}

/// Lines that stay as they are (headings, verse, code, table rows, scene breaks).
#[derive(Clone)]
pub(crate) struct Fixed {
    pub(crate) lines: Vec<LineBox>,
    /// For each line, what a page break just before it costs (the first entry is ignored:
    /// the break before the element is governed by the keeps around it).
    pub(crate) breaks: Vec<Cost>,
    /// How many lines after this element must stay on its page (2 after a heading).
    pub(crate) keep_with_next: usize,
    /// No page break between the previous element and this one (a scene break).
    pub(crate) keep_with_previous: bool,
    /// Outline entry for a section heading: title and level.
    pub(crate) anchor: Option<(String, u8)>,
    /// A table whose first line is its head row: repeated at the top of each page the
    /// table continues on.
    pub(crate) repeat_head: bool,
    /// The model block.
    pub(crate) span: Span,
}

impl Fixed {
    /// Lines that no page break may split.
    fn whole(lines: Vec<LineBox>, span: Span) -> Fixed {
        let breaks = vec![Cost::Strong; lines.len()];
        Fixed {
            lines,
            breaks,
            keep_with_next: 0,
            keep_with_previous: false,
            anchor: None,
            repeat_head: false,
            span,
        }
    }

    /// Lines a page may break between anywhere.
    fn breakable(lines: Vec<LineBox>, span: Span) -> Fixed {
        let breaks = vec![Cost::Allowed; lines.len()];
        Fixed::with_breaks(lines, breaks, span)
    }

    /// Lines a page may break before at the costs `breaks` gives.
    pub(crate) fn with_breaks(lines: Vec<LineBox>, breaks: Vec<Cost>, span: Span) -> Fixed {
        Fixed {
            breaks,
            ..Fixed::whole(lines, span)
        }
    }
}

/// What a page break before a line costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Cost {
    /// A good place.
    Allowed,
    /// Leaves a widow or an orphan, splits a stanza's first or last two lines, strands a
    /// scene break, or leaves one line on a chapter's last page: avoided, but taken before
    /// a page is left more than a couple of lines short.
    Weak,
    /// Splits a heading from its text, a wrapped verse line, a table's head from its first
    /// row: taken only when nothing else keeps the page from a hole.
    Strong,
}

/// A figure (picture and caption): goes to the top of a later page when it does not fit.
#[derive(Clone)]
pub(crate) struct Float {
    pub(crate) band: LineBox,
    pub(crate) span: Span,
}

/// Vertical material of a chapter.
#[derive(Clone)]
pub(crate) enum Element {
    Para(Box<Para>),
    Fixed(Fixed),
    /// Space that vanishes at the top of a page (a whole number of lines in the body).
    Space(Pt),
    Float(Float),
    /// A forced page break.
    PageBreak,
}

impl Element {
    /// The model block the element came from (none for spaces and page breaks).
    pub(crate) fn span(&self) -> Option<Span> {
        match self {
            Element::Para(p) => Some(p.span),
            Element::Fixed(f) => Some(f.span),
            Element::Float(f) => Some(f.span),
            Element::Space(_) | Element::PageBreak => None,
        }
    }

    /// The lines of the element as currently laid out.
    pub(crate) fn lines(&self) -> &[LineBox] {
        match self {
            Element::Para(p) => p.lines(),
            Element::Fixed(f) => &f.lines,
            Element::Float(f) => std::slice::from_ref(&f.band),
            Element::Space(_) | Element::PageBreak => &[],
        }
    }
}

impl Para {
    /// Lets go of all but the lines in use (see [`Para::lines`]): for a paragraph that
    /// pagination has passed for good, in a long chapter.
    pub(crate) fn release(&mut self) {
        let keep = (self.current + 1) as usize;
        if self.no_hyphen.is_some() {
            self.layouts = [None, None, None];
        } else {
            for (i, layout) in self.layouts.iter_mut().enumerate() {
                if i != keep {
                    *layout = None;
                }
            }
        }
        self.broken = [None, None, None];
        self.prepared.release_breaking_data();
    }

    /// The items of line `line` in use (see [`Para::lines`]), taken out and left empty:
    /// for drawing a line onto its page, once pagination is over.
    pub(crate) fn take_line_items(&mut self, line: usize) -> Vec<crate::frame::Item> {
        let index = (self.current + 1) as usize;
        let lines = match &mut self.no_hyphen {
            Some(laid) => Some(&mut laid.lines),
            None => self
                .layouts
                .get_mut(index)
                .and_then(|l| l.as_mut())
                .map(|l| &mut l.lines),
        };
        lines
            .and_then(|lines| lines.get_mut(line))
            .map(|l| std::mem::take(&mut l.items))
            .unwrap_or_default()
    }

    pub(crate) fn lines(&self) -> &[LineBox] {
        if let Some(laid) = &self.no_hyphen {
            return &laid.lines;
        }
        let index = (self.current + 1) as usize;
        self.layouts
            .get(index)
            .and_then(|l| l.as_ref())
            .map_or(&[], |l| l.lines.as_slice())
    }

    pub(crate) fn demerits(&self, looseness: i32) -> Option<f64> {
        self.layouts
            .get((looseness + 1) as usize)
            .and_then(|l| l.as_ref())
            .filter(|l| l.achieved)
            .map(|l| l.demerits)
    }
}

/// A footnote set at the note size: its lines, and the notes its own text refers to.
#[derive(Clone)]
pub(crate) struct NoteBlock {
    pub(crate) lines: Vec<LineBox>,
    /// Notes referenced inside this note (placed right after it).
    pub(crate) refs: Vec<usize>,
    pub(crate) span: Span,
}

/// A chapter's body as vertical material, and its notes.
#[derive(Clone)]
pub(crate) struct ChapterFlow {
    pub(crate) elements: Vec<Element>,
    pub(crate) notes: Vec<NoteBlock>,
    /// Notes referenced in the chapter title: they go on the chapter's first page.
    pub(crate) title_notes: Vec<NoteKey>,
    /// Every model block (body and notes) the builder set, for the ledger.
    pub(crate) set_blocks: Vec<Span>,
}

/// A task's text without the box it opens with (and the space after it).
fn strip_task_box(content: &[Inline]) -> Vec<Inline> {
    let mut out = content.to_vec();
    if let Some(Inline {
        kind: InlineKind::Text(text),
        ..
    }) = out.first_mut()
    {
        *text = text
            .trim_start_matches(List::TASK_BOXES)
            .trim_start_matches(' ')
            .to_string();
    }
    out
}

/// Whether a block is a label: a paragraph of bold text alone ("**Note**").
fn is_label(block: &Block) -> bool {
    matches!(&block.kind, BlockKind::Paragraph(content)
        if matches!(content.as_slice(), [Inline { kind: InlineKind::Strong(_), .. }]))
}

/// How far the rest of a verse line too long for the measure is indented, in ems.
const VERSE_HANG: f64 = 2.0;

/// Code blocks of at most this many lines (blank ones counted) are kept on one page.
const SHORT_CODE_LINES: usize = 4;

/// The shallowest heading level run into its paragraph (`####`).
const RUN_IN_LEVEL: u8 = 4;

/// Code's size relative to the text around it: the monospace face's x-height matches
/// EB Garamond's (Quire Mono 0.486 em, EB Garamond 0.405 em: 11.5 pt text, 9.6 pt code).
pub(crate) const CODE_SIZE: f64 = 0.833;

/// Sizes derived from the body size.
pub(crate) fn note_size(ctx: &Ctx<'_>) -> (Pt, Pt) {
    let size = ctx.geometry.size * 0.8;
    let leading = ctx.geometry.leading * 0.78;
    (size, leading)
}

/// What styling inlines needs besides the inlines: the chapter (for note keys), the
/// cross-references' texts and the book's language.
#[derive(Clone, Copy)]
pub(crate) struct Styling<'r> {
    pub(crate) chapter: usize,
    pub(crate) refs: &'r super::Refs,
    /// The book's BCP 47 language tag.
    pub(crate) language: &'r str,
}

/// True when two BCP 47 tags name the same language (primary subtags equal).
fn same_language(a: &str, b: &str) -> bool {
    let primary = |t: &str| {
        t.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    primary(a) == primary(b)
}

/// Styled text of inlines.
pub(crate) fn styled(
    inlines: &[Inline],
    size: Pt,
    base: FontVariant,
    at: Styling<'_>,
    out: &mut StyledText,
) {
    for inline in inlines {
        match &inline.kind {
            InlineKind::Text(t) => {
                out.origins.push((out.len, inline.span));
                out.push(t, style(base, size));
            }
            InlineKind::Code(t) => {
                // Code in the monospace face, at the size that matches the text's x-height.
                out.origins.push((out.len, inline.span));
                let size = if base.is_mono() {
                    size
                } else {
                    size * CODE_SIZE
                };
                out.push(t, style(base.mono(), size));
            }
            InlineKind::Emphasis(inner) => {
                let v = match base {
                    FontVariant::Italic => FontVariant::Regular,
                    FontVariant::Bold => FontVariant::BoldItalic,
                    FontVariant::BoldItalic => FontVariant::Bold,
                    FontVariant::Regular => FontVariant::Italic,
                    FontVariant::Mono => FontVariant::MonoItalic,
                    FontVariant::MonoItalic => FontVariant::Mono,
                    FontVariant::MonoBold => FontVariant::MonoBoldItalic,
                    FontVariant::MonoBoldItalic => FontVariant::MonoBold,
                };
                styled(inner, size, v, at, out);
            }
            InlineKind::Strong(inner) => {
                let v = match base {
                    FontVariant::Italic | FontVariant::BoldItalic => FontVariant::BoldItalic,
                    FontVariant::Mono | FontVariant::MonoBold => FontVariant::MonoBold,
                    FontVariant::MonoItalic | FontVariant::MonoBoldItalic => {
                        FontVariant::MonoBoldItalic
                    }
                    _ => FontVariant::Bold,
                };
                styled(inner, size, v, at, out);
            }
            InlineKind::Link { content, url } => {
                let start = out.len;
                styled(content, size, base, at, out);
                // In print an address must be readable: after link text that is not the
                // address itself, the address in parentheses (it breaks only at its
                // slashes and dots, see `paragraph::url_breaks`).
                if let Some(shown) = printed_address(url, content) {
                    out.push(" (", style(base, size));
                    out.push(&shown, style(base, size));
                    out.push(")", style(base, size));
                }
                if out.len > start {
                    out.links.push((start..out.len, url.clone()));
                }
            }
            InlineKind::Anchor(id) => out.anchors.push((out.len, id.clone())),
            // Pictures in table cells are placed by the table (see `FlowBuilder::table`).
            InlineKind::Image { .. } => {}
            InlineKind::CrossRef { target, kind } => {
                let start = out.len;
                // "chapter 3" is one unit: tied by a no-break space and never hyphenated.
                let mut unit = style(base, size);
                unit.hyphenate = false;
                out.push(&at.refs.text(target, *kind), unit);
                out.links.push((start..out.len, format!("#{target}")));
            }
            InlineKind::LineBreak => out.push("\n", style(base, size)),
            InlineKind::Styled {
                style: TextStyle::Superscript | TextStyle::Subscript,
                content,
            } => {
                // 70 % of the size, raised or lowered (by a fraction of the small size).
                // A subscript is a hair smaller, so that one next to a superscript (SO₄²⁻,
                // xᵢ²) is never set in one run with it, at one height.
                let up = matches!(
                    &inline.kind,
                    InlineKind::Styled {
                        style: TextStyle::Superscript,
                        ..
                    }
                );
                let start = out.len;
                styled(content, size * if up { 0.7 } else { 0.69 }, base, at, out);
                if out.len > start {
                    out.rises
                        .push((start..out.len, if up { 0.5 } else { -0.3 }));
                }
            }
            InlineKind::Styled {
                style: TextStyle::Strikethrough,
                content,
            } => {
                let start = out.len;
                styled(content, size, base, at, out);
                if out.len > start {
                    out.strikes.push(start..out.len);
                }
            }
            InlineKind::Styled {
                style: TextStyle::Keyboard,
                content,
            } => {
                // Keys in the monospace face, as code is.
                let size = if base.is_mono() {
                    size
                } else {
                    size * CODE_SIZE
                };
                styled(content, size, base.mono(), at, out);
            }
            InlineKind::Styled {
                style: TextStyle::SmallCaps,
                content,
            } => {
                let start = out.len;
                styled(content, size, base, at, out);
                out.restyle_from(start, |s| s.small_caps = true);
            }
            InlineKind::Styled {
                style: TextStyle::Ruby(reading),
                content,
            } => {
                // No ruby above the line in print: the reading follows the text in
                // parentheses, full-width ones after ideographs and kana (吾輩（わがはい）),
                // as text without ruby writes it.
                styled(content, size, base, at, out);
                let wide = Inline::plain_text(content)
                    .chars()
                    .next_back()
                    .is_some_and(is_wide_char);
                let (open, close) = if wide {
                    ("\u{FF08}", "\u{FF09}")
                } else {
                    (" (", ")")
                };
                let mut unit = style(base, size);
                unit.hyphenate = false;
                out.push(open, unit);
                out.push(reading, unit);
                out.push(close, unit);
            }
            InlineKind::Styled {
                style: TextStyle::Language(lang),
                content,
            } => {
                // Another language: not hyphenated with the book's patterns.
                let start = out.len;
                styled(content, size, base, at, out);
                if !same_language(lang, at.language) {
                    out.restyle_from(start, |s| s.hyphenate = false);
                }
            }
            InlineKind::FootnoteRef(id) => {
                let number = (id.0 + 1).to_string();
                let start = out.len;
                out.push(&number, style(FontVariant::Regular, size * 0.62));
                out.markers.push((
                    start..out.len,
                    NoteKey {
                        chapter: at.chapter,
                        note: id.0,
                    },
                ));
            }
        }
    }
}

/// Whether `c` is a full-width character (an ideograph, kana, hangul, full-width forms).
fn is_wide_char(c: char) -> bool {
    unicode_width::UnicodeWidthChar::width(c) == Some(2)
}

/// The address a print reader needs for an external link, when its text does not already
/// show it: the full URL (an e-mail address without `mailto:`).
fn printed_address(url: &str, content: &[Inline]) -> Option<String> {
    let shown = match url.strip_prefix("mailto:") {
        Some(address) => address,
        None if url.starts_with("http://") || url.starts_with("https://") => url,
        None => return None,
    };
    let bare = |s: &str| {
        s.trim()
            .trim_start_matches("mailto:")
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_start_matches("www.")
            .trim_end_matches('/')
            .to_ascii_lowercase()
    };
    let text = Inline::plain_text(content);
    // A link on a picture (a badge) prints its address: the picture follows the paragraph.
    let pictured = content
        .iter()
        .any(|i| matches!(i.kind, InlineKind::Image { .. }));
    (bare(&text) != bare(url) && (!text.trim().is_empty() || pictured)).then(|| shown.to_string())
}

fn style(variant: FontVariant, size: Pt) -> RunStyle {
    style_of(variant, size, false)
}

/// A run style.
pub(crate) fn style_of(variant: FontVariant, size: Pt, small_caps: bool) -> RunStyle {
    RunStyle {
        variant,
        small_caps,
        all_small_caps: false,
        size,
        hyphenate: true,
    }
}

/// Text all in small capitals, capitals too (a running head, a label, the names on the
/// title page), its letters kept as written for copying and searching.
pub(crate) fn all_small_caps(variant: FontVariant, size: Pt) -> RunStyle {
    RunStyle {
        all_small_caps: true,
        ..style_of(variant, size, true)
    }
}

/// Sets the opening words (up to the first punctuation, at most four words) in small caps.
fn small_caps_opening(text: &mut StyledText) {
    let Some((first, first_style)) = text.runs.first().cloned() else {
        return;
    };
    if first_style.variant != FontVariant::Regular {
        return;
    }
    let mut words = 0;
    let mut end = first.len();
    let mut in_word = false;
    // A dash or a quotation mark that opens the chapter (`— Dove vai?`, `«Non toccare`)
    // is taken with the words after it, as the EPUB's lead takes them.
    let mut seen_letter = false;
    for (i, c) in first.char_indices() {
        if c.is_whitespace() {
            if in_word {
                words += 1;
                if words == 4 {
                    end = i;
                    break;
                }
            }
            in_word = false;
        } else if seen_letter && matches!(c, ',' | ';' | ':' | '.' | '!' | '?' | '—' | '–') {
            end = i;
            break;
        } else {
            in_word = true;
            seen_letter |= c.is_alphanumeric();
        }
    }
    if end == 0 {
        return;
    }
    let (head, tail) = first.split_at(end);
    let mut runs = vec![(
        head.to_string(),
        RunStyle {
            small_caps: true,
            ..first_style
        },
    )];
    if !tail.is_empty() {
        runs.push((tail.to_string(), first_style));
    }
    runs.extend(text.runs.drain(1..));
    text.runs = runs;
}

/// What a builder sets: the body of a chapter, a footnote, or a dedication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowKind {
    /// Body text: justified paragraphs, spaces of whole lines between blocks.
    Body,
    /// A footnote: smaller type, no spaces between blocks.
    Note,
    /// A dedication: paragraphs centred in italic.
    Dedication,
}

pub(crate) struct FlowBuilder<'c, 'a> {
    pub(crate) ctx: &'c mut Ctx<'a>,
    pub(crate) chapter_index: usize,
    elements: Vec<Element>,
    kind: FlowKind,
    /// Type size and line height of this flow.
    size: Pt,
    leading: Pt,
    /// The next paragraph is not indented (after a heading, a break, at the start).
    no_indent: bool,
    /// The next paragraph opens the chapter (small caps).
    opening: bool,
    /// Text set before the first paragraph's own (a note's number, a run-in heading).
    prefix: Option<StyledText>,
    /// The heading run into the next paragraph: its outline entry.
    run_in: Option<(String, u8)>,
    /// The block after the one being set is a paragraph (a heading may run into it).
    paragraph_next: bool,
    /// How deep in quotes and lists: spaces only around the outermost.
    depth: usize,
    /// Every model block set, by span.
    set_blocks: Vec<Span>,
    /// `<a id>` anchors on lines of their own, for the next element's first line.
    pending_anchors: Vec<String>,
}

impl<'c, 'a> FlowBuilder<'c, 'a> {
    pub(crate) fn new(ctx: &'c mut Ctx<'a>, chapter_index: usize, opening: bool) -> Self {
        let (size, leading) = (ctx.geometry.size, ctx.geometry.leading);
        FlowBuilder {
            ctx,
            chapter_index,
            elements: Vec::new(),
            kind: FlowKind::Body,
            size,
            leading,
            no_indent: true,
            opening,
            prefix: None,
            run_in: None,
            paragraph_next: false,
            depth: 0,
            set_blocks: Vec::new(),
            pending_anchors: Vec::new(),
        }
    }

    /// A builder for a footnote: note size, the number before the first paragraph.
    fn for_note(ctx: &'c mut Ctx<'a>, chapter_index: usize, number: usize, id: &str) -> Self {
        let (size, leading) = note_size(ctx);
        let mut prefix = StyledText::default();
        let label = format!("{number}.");
        // The number leads back to the note's marker in the text.
        prefix.links.push((
            0..label.len(),
            format!("#{}", super::note_marker_anchor(id)),
        ));
        prefix.push(&format!("{label}\u{a0}"), style(FontVariant::Regular, size));
        FlowBuilder {
            kind: FlowKind::Note,
            size,
            leading,
            prefix: Some(prefix),
            ..FlowBuilder::new(ctx, chapter_index, false)
        }
    }

    /// A builder for a dedication.
    pub(crate) fn for_dedication(ctx: &'c mut Ctx<'a>, chapter_index: usize) -> Self {
        FlowBuilder {
            kind: FlowKind::Dedication,
            ..FlowBuilder::new(ctx, chapter_index, false)
        }
    }

    /// The chapter and cross-references, for [`styled`].
    fn styling(&self) -> Styling<'_> {
        Styling {
            chapter: self.chapter_index,
            refs: &self.ctx.refs,
            language: &self.ctx.book.metadata.language,
        }
    }

    /// The elements and the model blocks set.
    pub(crate) fn finish(self) -> (Vec<Element>, Vec<Span>) {
        (self.elements, self.set_blocks)
    }

    /// Vertical space of `lines` lines (none inside a note, none nested).
    fn space(&mut self, lines: f64) {
        if self.kind != FlowKind::Note && self.depth == 0 {
            self.elements.push(Element::Space(self.leading * lines));
        }
    }

    /// Adds the blocks at a left offset and measure.
    pub(crate) fn blocks(&mut self, blocks: &[Block], x: Pt, measure: Pt) {
        for (i, block) in blocks.iter().enumerate() {
            self.paragraph_next = matches!(
                blocks.get(i + 1).map(|b| &b.kind),
                Some(BlockKind::Paragraph(_))
            );
            self.block(block, x, measure);
        }
    }

    fn block(&mut self, block: &Block, x: Pt, measure: Pt) {
        self.set_blocks.push(block.span);
        let leading = self.leading;
        let before = self.elements.len();
        self.block_kind(block, x, measure, leading);
        if self.depth == 0 && !block.kind.keeps_the_opening() {
            // The chapter's text has begun (see `BlockKind::keeps_the_opening`).
            self.opening = false;
        }
        // Anchors waiting for this block go on its first line (a paragraph took them).
        if !self.pending_anchors.is_empty() && !matches!(block.kind, BlockKind::Anchor(_)) {
            let first = self.elements[before..].iter_mut().find_map(|e| match e {
                Element::Fixed(f) => f.lines.first_mut(),
                Element::Float(f) => Some(&mut f.band),
                _ => None,
            });
            if let Some(line) = first {
                line.anchors.append(&mut self.pending_anchors);
            }
        }
    }

    fn block_kind(&mut self, block: &Block, x: Pt, measure: Pt, leading: Pt) {
        match &block.kind {
            BlockKind::Anchor(id) => self.pending_anchors.push(id.clone()),
            BlockKind::Paragraph(content) => {
                let indent = !self.no_indent || self.kind == FlowKind::Note;
                self.paragraph(content, block.span, x, measure, indent);
                self.pictures_in_line(content, x, measure);
            }
            BlockKind::Aligned { align, content } => {
                self.aligned(content, *align, block.span, x, measure, leading);
                self.pictures_in_line(content, x, measure);
            }
            // (At the chapter's top level only: a list item's blocks are set one by one,
            // without knowing what follows them.)
            BlockKind::Heading { level, content, id }
                if *level >= RUN_IN_LEVEL
                    && self.paragraph_next
                    && self.depth == 0
                    && self.kind == FlowKind::Body =>
            {
                self.run_in_heading(*level, content, id);
            }
            BlockKind::Heading { level, content, .. } => {
                let mut text = StyledText::default();
                // `##` in italic, `###` in capitals and small capitals, deeper levels in
                // italic again: each level apart from the text and from the one above it.
                let variant = if *level == 3 {
                    FontVariant::Regular
                } else {
                    FontVariant::Italic
                };
                styled(content, self.size, variant, self.styling(), &mut text);
                if *level == 3 {
                    for (_, style) in &mut text.runs {
                        if style.variant == FontVariant::Regular {
                            style.small_caps = true;
                        }
                    }
                }
                let title = text.title();
                let lines = self
                    .ctx
                    .set_ragged(&text, measure, Align::Left, leading, false);
                let mut lines = shift(lines, x);
                if let (Some(first), BlockKind::Heading { id, .. }) =
                    (lines.first_mut(), &block.kind)
                {
                    first.anchors.insert(0, id.clone());
                }
                self.space(1.0);
                let mut fixed = Fixed::whole(lines, block.span);
                fixed.keep_with_next = 2;
                fixed.anchor = (self.kind == FlowKind::Body).then_some((title, *level));
                self.elements.push(Element::Fixed(fixed));
                self.no_indent = true;
            }
            BlockKind::BlockQuote(inner) => {
                // Indented on both sides while at least half the text block's measure is
                // left; a quote nested deeper is set at the depth where the room ran out.
                let indent = if measure - self.size * 3.0 >= self.min_measure() {
                    self.size * 1.5
                } else {
                    Pt::ZERO
                };
                self.space(1.0);
                self.no_indent = true;
                self.depth += 1;
                match inner.split_first() {
                    // A quote that opens with a label alone in bold (GitHub's `> [!NOTE]`,
                    // a boxed "Warning"): the label stays with the text it labels.
                    Some((label, rest)) if is_label(label) && !rest.is_empty() => {
                        self.paragraph_next = false;
                        self.term(label, x + indent, measure - indent * 2.0);
                        self.no_indent = true;
                        self.blocks(rest, x + indent, measure - indent * 2.0);
                    }
                    _ => self.blocks(inner, x + indent, measure - indent * 2.0),
                }
                self.depth -= 1;
                self.space(1.0);
                self.no_indent = true;
            }
            BlockKind::Verse(stanzas) => self.verse(stanzas, block.span, x, measure),
            BlockKind::List(list) => self.list(list, x, measure),
            BlockKind::SceneBreak => {
                let mut text = StyledText::default();
                text.push(
                    "*\u{a0}\u{a0}\u{a0}*\u{a0}\u{a0}\u{a0}*",
                    style(FontVariant::Regular, self.size),
                );
                let lines = shift(
                    self.ctx
                        .set_ragged(&text, measure, Align::Center, leading, false),
                    x,
                );
                let mut fixed = Fixed::whole(lines, block.span);
                fixed.keep_with_next = 1;
                fixed.keep_with_previous = true;
                self.elements.push(Element::Fixed(fixed));
                self.no_indent = true;
            }
            BlockKind::Figure(figure) => self.figure(figure, block.span, x, measure),
            BlockKind::Table(table) => self.table(table, block.span, x, measure),
            BlockKind::CodeBlock {
                text,
                language,
                caption,
                line_numbers,
            } => {
                let number = self
                    .ctx
                    .refs
                    .index
                    .listing_number(block.span)
                    .map(str::to_string);
                let listing = Listing {
                    number: number.as_deref(),
                    caption: caption.as_deref(),
                    line_numbers: *line_numbers,
                };
                // The paragraph just before may introduce the code.
                if let Some(Element::Para(p)) = self
                    .elements
                    .iter_mut()
                    .rev()
                    .find(|e| !matches!(e, Element::Space(_)))
                {
                    p.before_code = true;
                }
                self.code(text, language.as_deref(), &listing, block.span, x, measure)
            }
            BlockKind::Index(groups) => self.index(groups, block.span, x, measure),
            BlockKind::PageBreak => {
                if self.kind == FlowKind::Body {
                    self.elements.push(Element::PageBreak);
                }
                self.no_indent = true;
            }
        }
    }

    /// A code block: the monospace face, every space kept, tabs to the next multiple of
    /// four columns; a line longer than the measure wraps after a space or an operator
    /// near its end, the rest on a continuation line marked `↪` at the line's indentation
    /// (with a warning naming the line).
    ///
    /// A listing's caption ("Listing 3-2. Sharing a counter") stands above it, kept with
    /// its first lines; numbered lines carry their number in a column of their own at the
    /// left, in a smaller size (continuation lines none).
    fn code(
        &mut self,
        text: &str,
        language: Option<&str>,
        listing: &Listing<'_>,
        span: Span,
        x: Pt,
        measure: Pt,
    ) {
        let leading = self.leading;
        let size = self.size * CODE_SIZE;
        let inset = if self.kind == FlowKind::Note {
            Pt::ZERO
        } else {
            self.size
        };
        let face = self.ctx.family.face(FontVariant::Mono);
        // A column: the monospace face's advance; in a family without one (code falls back
        // to a proportional face) the widest ASCII character's, so that no line overflows.
        let advance_of = |c: char| {
            face.glyph_id(c)
                .map(|g| Pt(face.advance(g) * face.scale(size.0)))
        };
        let space = advance_of(' ').unwrap_or(size * 0.6);
        let advance = if advance_of('M').is_some_and(|m| (m - space).0.abs() > space.0 * 0.01) {
            (' '..='~').filter_map(advance_of).fold(space, Pt::max)
        } else {
            space
        };
        // Line numbers: as many digits as the last number has, at 80 %, then two spaces.
        let number_size = size * 0.8;
        let digits = listing.line_numbers.map(|first| {
            let last = u64::from(first) + text.lines().count().max(1) as u64 - 1;
            last.to_string().len()
        });
        let number_width = digits.map_or(Pt::ZERO, |d| advance * 0.8 * d as f64 + advance * 2.0);
        let width = measure - inset - number_width;
        let columns = ((width.0 / advance.0.max(0.1)).floor() as usize).max(12);
        let mut lines = Vec::new();
        let mut breaks = Vec::new();
        if listing.number.is_some() || listing.caption.is_some() {
            let mut caption = StyledText::default();
            caption.origins.push((0, span));
            if let Some(number) = listing.number {
                let word = quire_model::Labels::of(&self.ctx.book.metadata.language).listing;
                let label = if listing.caption.is_some() {
                    format!("{word}\u{a0}{number}.\u{a0}")
                } else {
                    format!("{word}\u{a0}{number}")
                };
                caption.push(&label, style(FontVariant::Regular, self.size * 0.9));
            }
            if let Some(content) = listing.caption {
                styled(
                    content,
                    self.size * 0.9,
                    FontVariant::Italic,
                    self.styling(),
                    &mut caption,
                );
            }
            let set = self
                .ctx
                .set_ragged(&caption, measure - inset, Align::Left, leading, true);
            for line in shift(set, x + inset) {
                // The caption stays with the listing's first two lines.
                breaks.push(Cost::Strong);
                lines.push(line);
            }
        }
        let caption_lines = lines.len();
        // A short block (a few lines, blank ones too) is never split: one line of it alone
        // at a page's foot or head reads as no code at all. Its blank lines are lines of it.
        let short = text.lines().count() <= SHORT_CODE_LINES;
        let spaces_allowed = self.kind != FlowKind::Note && self.depth == 0 && !short;
        // Line indices a blank line of the source stands before.
        let mut blank_before: Vec<usize> = Vec::new();
        let expanded: Vec<String> = text
            .lines()
            .map(|l| expand_tabs(l, quire_model::CODE_TAB_COLUMNS))
            .collect();
        // Keywords in bold, comments in italic: a look that survives black-and-white
        // printing.
        let classes = language.and_then(|l| quire_highlight::highlight(l, &expanded.join("\n")));
        for (number, raw) in text.lines().enumerate() {
            let line = expanded.get(number).cloned().unwrap_or_default();
            let pieces = wrap_code_line(&line, columns);
            if pieces.len() > 1 {
                let at = code_line_span(self.ctx.source_text(span), span, number, raw);
                self.ctx.push_once(
                    quire_model::Diagnostic::warning(
                        at,
                        format!(
                            "a code line of {} characters was wrapped: {columns} fit the measure",
                            line.chars().count()
                        ),
                    )
                    .with_hint("break the line in the source, or widen the text block"),
                );
            }
            let spans: Vec<(quire_highlight::Class, String)> = classes
                .as_ref()
                .and_then(|c| c.get(number).cloned())
                .unwrap_or_else(|| vec![(quire_highlight::Class::Plain, line.clone())]);
            for (k, (prefix, range)) in pieces.iter().enumerate() {
                // A wrapped line may go on at the next page: its mark says it continues.
                breaks.push(if k > 0 { Cost::Weak } else { Cost::Allowed });
                let mut t = StyledText::default();
                t.origins.push((0, span));
                if let (Some(first), Some(digits)) = (listing.line_numbers, digits) {
                    // The number right-aligned in its column (the face is monospaced).
                    let shown = if k == 0 {
                        format!("{:>digits$}", u64::from(first) + number as u64)
                    } else {
                        " ".repeat(digits)
                    };
                    t.push(&shown, style(FontVariant::Mono, number_size));
                    t.push("  ", style(FontVariant::Mono, size));
                }
                t.push(prefix, style(FontVariant::Mono, size));
                let mut at = 0;
                for (class, piece) in &spans {
                    let n = piece.chars().count();
                    let (from, to) = (range.start.max(at), range.end.min(at + n));
                    if from < to {
                        let part: String = piece.chars().skip(from - at).take(to - from).collect();
                        let variant = match class {
                            quire_highlight::Class::Keyword => FontVariant::MonoBold,
                            quire_highlight::Class::Comment => FontVariant::MonoItalic,
                            _ => FontVariant::Mono,
                        };
                        t.push(&part, style(variant, size));
                    }
                    at += n;
                }
                if t.is_blank() || (listing.line_numbers.is_some() && line.trim().is_empty()) {
                    if listing.line_numbers.is_some() && k == 0 {
                        // An empty numbered line keeps its number.
                        let set = self.ctx.set_code_line(&t, leading);
                        lines.extend(shift(set, x + inset));
                        continue;
                    }
                    if spaces_allowed {
                        // A blank line is a space a page may break at (and then drops), so
                        // that no page ends or starts with an empty line of code.
                        breaks.pop();
                        blank_before.push(lines.len());
                        continue;
                    }
                    lines.push(LineBox {
                        height: leading,
                        ..LineBox::default()
                    });
                    continue;
                }
                let set = self.ctx.set_code_line(&t, leading);
                lines.extend(shift(set, x + inset));
                // A piece set as more than one line (it cannot be): keep them together.
                while breaks.len() < lines.len() {
                    breaks.push(Cost::Strong);
                }
            }
        }
        // The block in runs of lines between its blank lines, a line of space between them.
        // Like a paragraph: no single line of a run alone at a page's foot or head (and a
        // caption keeps two lines of its listing with it).
        self.space(1.0);
        // A short block wrapped into more lines than a short block has may break as a long
        // one does (whole, it could leave most of a page empty before it).
        let short = short && lines.len() - caption_lines <= SHORT_CODE_LINES;
        // Runs of lines: (lines, their break costs, caption lines, blank lines before).
        let mut runs: Vec<(Vec<LineBox>, Vec<Cost>, usize, usize)> = Vec::new();
        let mut pending = 0;
        let mut start = 0;
        let mut lines = lines.into_iter();
        let mut breaks = breaks.into_iter();
        let ends = blank_before.iter().copied().chain([usize::MAX]);
        for (k, end) in ends.enumerate() {
            let count = end.saturating_sub(start);
            start = end;
            let run_lines: Vec<LineBox> = lines.by_ref().take(count).collect();
            let run_breaks: Vec<Cost> = breaks.by_ref().take(count).collect();
            if !run_lines.is_empty() {
                let captioned = if runs.is_empty() { caption_lines } else { 0 };
                runs.push((run_lines, run_breaks, captioned, pending));
                pending = 0;
            }
            if k < blank_before.len() {
                pending += 1;
            }
        }
        // A block's first or last run of one line (`package main`, a closing line) goes
        // with the run beside it, its blank lines kept as lines: it never stands alone at a
        // page's foot or head.
        let blank = || LineBox {
            height: leading,
            ..LineBox::default()
        };
        if runs.len() >= 2
            && runs.last().is_some_and(|r| r.0.len() == 1)
            && let (Some((line, _, _, blanks)), Some(before)) = (runs.pop(), runs.last_mut())
        {
            for _ in 0..blanks {
                before.0.push(blank());
                before.1.push(Cost::Strong);
            }
            before.0.extend(line);
            before.1.push(Cost::Strong);
        }
        if runs.len() >= 2 && runs.first().is_some_and(|r| r.0.len() - r.2 == 1) {
            let (mut lines, mut costs, captioned, blanks) = runs.remove(0);
            let (next_lines, next_costs, _, next_blanks) = runs.remove(0);
            for _ in 0..next_blanks {
                lines.push(blank());
                costs.push(Cost::Strong);
            }
            let joined = costs.len();
            lines.extend(next_lines);
            costs.extend(next_costs);
            if let Some(cost) = costs.get_mut(joined) {
                *cost = Cost::Strong;
            }
            // And the run it joins keeps its first two lines together, as every run does.
            if let Some(cost) = costs.get_mut(joined + 1)
                && *cost == Cost::Allowed
            {
                *cost = Cost::Weak;
            }
            runs.insert(0, (lines, costs, captioned, blanks));
        }
        for (r, (run_lines, mut run_breaks, captioned, blanks)) in runs.into_iter().enumerate() {
            let n = run_breaks.len();
            for (i, cost) in run_breaks.iter_mut().enumerate() {
                if short || captioned > 0 && (1..=captioned + 1).contains(&i) {
                    *cost = Cost::Strong;
                } else if (i == captioned + 1 || i + 1 == n) && *cost == Cost::Allowed {
                    *cost = Cost::Weak;
                }
            }
            if r > 0 {
                // As many lines of space as the source has blank lines there.
                self.space(blanks as f64);
            }
            self.elements.push(Element::Fixed(Fixed::with_breaks(
                run_lines, run_breaks, span,
            )));
        }
        self.space(1.0);
        self.no_indent = true;
    }

    /// The book's index: a letter over each group, then its entries, ragged right, each
    /// term followed by its pages (merged into ranges, each linked to its place), turnover
    /// lines hanging under the term, sub-entries indented under their entry.
    fn index(&mut self, groups: &[quire_model::IndexGroup], span: Span, x: Pt, measure: Pt) {
        let size = self.size;
        let hang = size * 1.5;
        for (g, group) in groups.iter().enumerate() {
            if g > 0 {
                self.space(1.0);
            }
            let mut letter = StyledText::default();
            letter.push(&group.letter, style(FontVariant::Bold, size));
            let lines = self
                .ctx
                .set_ragged(&letter, measure, Align::Left, self.leading, false);
            let mut fixed = Fixed::whole(shift(lines, x), span);
            fixed.keep_with_next = 2;
            self.elements.push(Element::Fixed(fixed));
            for entry in &group.entries {
                let subs = entry.subentries.len();
                self.index_entry(entry, span, x, measure, hang, subs > 0);
                for sub in &entry.subentries {
                    self.index_entry(sub, span, x + size, measure - size, hang, false);
                }
            }
        }
        self.no_indent = true;
    }

    /// One index entry at `x`: the term, then a comma before each of its pages; kept with
    /// the next line when its sub-entries follow.
    fn index_entry(
        &mut self,
        entry: &quire_model::IndexEntry,
        span: Span,
        x: Pt,
        measure: Pt,
        hang: Pt,
        keep_with_next: bool,
    ) {
        let size = self.size;
        let mut text = StyledText::default();
        styled(
            &entry.term,
            size,
            FontVariant::Regular,
            self.styling(),
            &mut text,
        );
        for (shown, anchor) in self.index_pages(&entry.locators) {
            text.push(", ", style(FontVariant::Regular, size));
            let start = text.len;
            let mut number = style(FontVariant::Regular, size);
            number.hyphenate = false;
            text.push(&shown, number);
            text.links.push((start..text.len, format!("#{anchor}")));
        }
        let lines = self
            .ctx
            .set_ragged(&text, measure - hang, Align::Left, self.leading, false);
        let lines: Vec<LineBox> = lines
            .into_iter()
            .enumerate()
            .flat_map(|(i, line)| shift(vec![line], if i == 0 { x } else { x + hang }))
            .collect();
        let mut fixed = Fixed::whole(lines, span);
        if keep_with_next {
            fixed.keep_with_next = 1;
        }
        self.elements.push(Element::Fixed(fixed));
    }

    /// The pages of an entry's places as printed (see [`merge_pages`]), each with the
    /// anchor its link goes to.
    fn index_pages(&self, locators: &[quire_model::IndexLocator]) -> Vec<(String, String)> {
        let page = |id: &str| {
            self.ctx
                .refs
                .pages
                .get(id)
                .cloned()
                .unwrap_or_else(|| "000".into())
        };
        let places = locators
            .iter()
            .map(|l| {
                let first = page(&l.anchor);
                let last = l.end.as_deref().map_or_else(|| first.clone(), page);
                (first, last, l.anchor.clone())
            })
            .collect();
        merge_pages(places)
    }

    /// The pictures inside a paragraph's lines (an icon in a sentence, a badge in a link),
    /// which the EPUB shows in the line: in print each follows the paragraph as a picture
    /// of its own, uncaptioned.
    fn pictures_in_line(&mut self, content: &[Inline], x: Pt, measure: Pt) {
        fn find(inlines: &[Inline], out: &mut Vec<(quire_model::ImageId, String, Span)>) {
            for inline in inlines {
                if let InlineKind::Image { image, alt } = &inline.kind {
                    out.push((*image, alt.clone(), inline.span));
                }
                if let Some(children) = inline.kind.children() {
                    find(children, out);
                }
            }
        }
        let mut pictures = Vec::new();
        find(content, &mut pictures);
        for (image, alt, span) in pictures {
            let figure = quire_model::Figure {
                image,
                alt,
                caption: None,
            };
            self.figure(&figure, span, x, measure);
        }
    }

    /// A `####` (or deeper) heading followed by a paragraph: run into it in italic, with a
    /// full stop unless it ends in punctuation, as book designers set their lowest heads
    /// (LaTeX's `\paragraph`); `####` flush left, deeper ones at the paragraph indent. A
    /// standalone head at these levels would look like a `##` one.
    fn run_in_heading(&mut self, level: u8, content: &[Inline], id: &str) {
        let mut text = StyledText::default();
        styled(
            content,
            self.size,
            FontVariant::Italic,
            self.styling(),
            &mut text,
        );
        let title = text.title();
        let last = title.trim_end().chars().last();
        if !last.is_some_and(|c| matches!(c, '.' | '?' | '!' | ':' | ';' | ',' | '\u{2026}')) {
            text.push(".", style(FontVariant::Italic, self.size));
        }
        text.push(" ", style(FontVariant::Regular, self.size));
        self.space(1.0);
        self.pending_anchors.push(id.to_string());
        self.prefix = Some(text);
        self.run_in = Some((title, level));
        self.no_indent = level == RUN_IN_LEVEL;
    }

    /// A paragraph: justified in the body and in notes, centred in a dedication.
    pub(crate) fn paragraph(
        &mut self,
        content: &[Inline],
        span: Span,
        x: Pt,
        measure: Pt,
        indent: bool,
    ) {
        let size = self.size;
        let base = if self.kind == FlowKind::Dedication {
            FontVariant::Italic
        } else {
            FontVariant::Regular
        };
        // A dedication in italics all through (`*For Rosie.*`) is the dedication's own
        // italic, not emphasis turned upright within it.
        let content = match content {
            [
                Inline {
                    kind: InlineKind::Emphasis(inner),
                    ..
                },
            ] if self.kind == FlowKind::Dedication => inner.as_slice(),
            _ => content,
        };
        let mut text = self.prefix.take().unwrap_or_default();
        let lead_chars = text.plain().chars().count();
        styled(content, size, base, self.styling(), &mut text);
        if text.is_blank() {
            // Nothing to print, but its anchors mark the place of what follows.
            self.pending_anchors
                .extend(text.anchors.into_iter().map(|(_, id)| id));
            return;
        }
        if self.kind == FlowKind::Dedication {
            if self.elements.iter().any(|e| e.span().is_some()) {
                self.elements.push(Element::Space(self.leading));
            }
            let lines =
                self.ctx
                    .set_ragged(&text, measure * 0.8, Align::Center, self.leading, false);
            let lines = shift(lines, x + measure * 0.1);
            self.elements
                .push(Element::Fixed(Fixed::breakable(lines, span)));
            return;
        }
        // The chapter's first paragraph of text (not a quote or a list before it: an
        // epigraph) opens in small caps, as in the EPUB.
        if self.opening && self.depth == 0 {
            if quire_model::opens_in_small_caps(&self.ctx.book.metadata.language) {
                small_caps_opening(&mut text);
            }
            self.opening = false;
        }
        let mut options = self.options(measure);
        if !indent {
            options.indent = Pt::ZERO;
        }
        self.push_para(&text, options, span, x, Vec::new());
        if let Some(Element::Para(para)) = self.elements.last_mut() {
            para.outline = self.run_in.take();
            para.lead_chars = lead_chars;
        }
        self.no_indent = false;
    }

    /// A paragraph centred or set flush right, line by line, with no indent: a page may
    /// break between its lines.
    fn aligned(
        &mut self,
        content: &[Inline],
        align: quire_model::Alignment,
        span: Span,
        x: Pt,
        measure: Pt,
        leading: Pt,
    ) {
        let prefix = self.prefix.take().unwrap_or_default();
        let Some(text) = self.printed(content, prefix) else {
            return;
        };
        let align = match align {
            quire_model::Alignment::Right => Align::Right,
            quire_model::Alignment::Left => Align::Left,
            _ => Align::Center,
        };
        let lines = self.ctx.set_ragged(&text, measure, align, leading, false);
        let lines = shift(lines, x);
        self.elements
            .push(Element::Fixed(Fixed::breakable(lines, span)));
        if self.depth == 0 {
            self.opening = false;
        }
    }

    /// Paragraph options of this flow at a measure.
    fn options(&self, measure: Pt) -> ParagraphOptions {
        if self.kind == FlowKind::Note {
            let mut options = ParagraphOptions::book(measure, self.size);
            options.ragged_right = self.ctx.book.settings.print.ragged_right;
            options.indent = self.size;
            options
        } else {
            self.ctx.body_options(measure)
        }
    }

    pub(crate) fn push_para(
        &mut self,
        text: &StyledText,
        options: ParagraphOptions,
        span: Span,
        x: Pt,
        first_line_extra: Vec<Item>,
    ) {
        let runs: Vec<crate::paragraph::TextRun<'_>> = text
            .runs
            .iter()
            .map(|(t, s)| crate::paragraph::TextRun { text: t, style: *s })
            .collect();
        let prepared = self.ctx.ts.prepare(&runs, &options, span);
        let mut para = Para {
            prepared,
            x,
            leading: self.leading,
            markers: text.markers.clone(),
            rises: text.rises.clone(),
            origins: text.origins.clone(),
            anchors: std::mem::take(&mut self.pending_anchors)
                .into_iter()
                .map(|id| (0, id))
                .chain(text.anchors.iter().cloned())
                .collect(),
            links: text.links.clone(),
            strikes: text.strikes.clone(),
            layouts: [None, None, None],
            broken: [None, None, None],
            current: 0,
            first_line_extra,
            no_hyphen: None,
            outline: None,
            lead_chars: 0,
            before_code: false,
            span,
        };
        lay_out(self.ctx, &mut para, 0);
        self.elements.push(Element::Para(Box::new(para)));
    }

    fn verse(&mut self, stanzas: &[Vec<VerseLine>], span: Span, x: Pt, measure: Pt) {
        let right_to_left = quire_model::is_right_to_left(&self.ctx.book.metadata.language);
        let leading = self.leading;
        let em = self.size;
        let left = x + em * 2.0;
        let width = measure - em * 2.0;
        self.space(1.0);
        for (s, stanza) in stanzas.iter().enumerate() {
            if s > 0 {
                self.elements.push(Element::Space(leading));
            }
            let mut lines: Vec<LineBox> = Vec::new();
            // Whether a page may break before each line: not inside a wrapped verse line.
            let mut starts: Vec<bool> = Vec::new();
            for line in stanza {
                let mut text = StyledText::default();
                styled(
                    &line.content,
                    self.size,
                    FontVariant::Regular,
                    self.styling(),
                    &mut text,
                );
                if text.is_blank() {
                    continue;
                }
                let indent = em * 0.5 * f64::from(line.indent.min(40));
                let measure = (width - indent).max(em * 4.0);
                let mut set = self
                    .ctx
                    .set_ragged(&text, measure, Align::Left, leading, false);
                // A line too long for the measure goes on under itself, indented (a hanging
                // indent), so that its end is not read as a line of the poem.
                let hang = if set.len() > 1 && !right_to_left {
                    set = self.ctx.set_ragged(
                        &text,
                        (measure - em * VERSE_HANG).max(em * 4.0),
                        Align::Left,
                        leading,
                        false,
                    );
                    em * VERSE_HANG
                } else {
                    Pt::ZERO
                };
                for (k, l) in set.into_iter().enumerate() {
                    let dx = if k == 0 { Pt::ZERO } else { hang };
                    starts.push(k == 0);
                    lines.extend(shift(vec![l], left + indent + dx));
                }
            }
            // Keep the first two and the last two lines of a stanza together if it can be
            // done (as a paragraph's widow and orphan), a wrapped verse line always. (Kept
            // whole, quatrains left pages of Alice seven lines short.)
            let n = lines.len();
            let breaks = (0..n)
                .map(|k| {
                    if !starts.get(k).copied().unwrap_or(false) {
                        Cost::Strong
                    } else if k >= 2 && k + 2 <= n {
                        Cost::Allowed
                    } else {
                        Cost::Weak
                    }
                })
                .collect();
            self.elements
                .push(Element::Fixed(Fixed::with_breaks(lines, breaks, span)));
        }
        self.space(1.0);
        self.no_indent = true;
    }

    /// The narrowest measure nesting may leave: half the text block's.
    fn min_measure(&self) -> Pt {
        self.ctx.geometry.text_width * 0.5
    }

    /// A definition list: each term flush left as written (in bold: the parser makes it
    /// strong), kept with the first lines of its definitions; the definitions indented
    /// 1.5 em under it, their first paragraph not indented.
    fn definitions(&mut self, list: &List, x: Pt, measure: Pt) {
        let indent = if measure - self.size * 1.5 >= self.min_measure() {
            self.size * 1.5
        } else {
            Pt::ZERO
        };
        // Right to left, the definitions are indented from the right.
        let right_to_left = quire_model::is_right_to_left(&self.ctx.book.metadata.language);
        let inner_x = if right_to_left { x } else { x + indent };
        self.space(1.0);
        self.depth += 1;
        for item in &list.items {
            let mut blocks = item.blocks.iter();
            if let Some(term) = blocks.next() {
                self.term(term, x, measure);
            }
            self.no_indent = true;
            for block in blocks {
                self.block(block, inner_x, measure - indent);
            }
        }
        self.depth -= 1;
        self.space(1.0);
        self.no_indent = true;
    }

    /// `content` in roman at the flow's size after `text`; `None` when nothing of it
    /// prints (its anchors then mark the place of what follows).
    fn printed(&mut self, content: &[Inline], mut text: StyledText) -> Option<StyledText> {
        styled(
            content,
            self.size,
            FontVariant::Regular,
            self.styling(),
            &mut text,
        );
        if text.is_blank() {
            self.pending_anchors
                .extend(text.anchors.into_iter().map(|(_, id)| id));
            return None;
        }
        Some(text)
    }

    /// A definition list's term: ragged, never split, kept with the next two lines.
    fn term(&mut self, block: &Block, x: Pt, measure: Pt) {
        let BlockKind::Paragraph(content) = &block.kind else {
            self.block(block, x, measure);
            return;
        };
        self.set_blocks.push(block.span);
        let Some(text) = self.printed(content, StyledText::default()) else {
            return;
        };
        let lines = self
            .ctx
            .set_ragged(&text, measure, Align::Left, self.leading, false);
        let mut lines = shift(lines, x);
        if let Some(first) = lines.first_mut() {
            first
                .anchors
                .splice(0..0, std::mem::take(&mut self.pending_anchors));
        }
        let mut fixed = Fixed::whole(lines, block.span);
        fixed.keep_with_next = 2;
        self.elements.push(Element::Fixed(fixed));
    }

    fn list(&mut self, list: &List, x: Pt, measure: Pt) {
        if list.terms {
            self.definitions(list, x, measure);
            return;
        }
        let size = self.size;
        let right_to_left = quire_model::is_right_to_left(&self.ctx.book.metadata.language);
        // A task list's items open with their box: it stands in the marker column, where
        // a bullet would.
        let tasks = list.is_task_list();
        let marker_text = |i: usize| match list.start {
            Some(start) => format!(
                "{}{}",
                start.saturating_add(i as u64),
                if list.parenthesized { ')' } else { '.' }
            ),
            None if tasks => list
                .items
                .get(i)
                .and_then(quire_model::ListItem::task_box)
                .map_or_else(String::new, String::from),
            None => "•".to_string(),
        };
        // The marker column: 1.8 em, or wider for numbers of three digits and more (the
        // widest of the list's numbers, a space clear of the text).
        let longest = (0..list.items.len())
            .map(|i| marker_text(i).len())
            .max()
            .unwrap_or(0);
        let widest = match list.start {
            // The longest numbers (a few of them: digits differ a little in width).
            Some(_) => (0..list.items.len())
                .filter(|&i| marker_text(i).len() == longest)
                .take(10)
                .map(|i| {
                    let mut m = StyledText::default();
                    m.push(&marker_text(i), style(FontVariant::Regular, size));
                    self.ctx.content_widths(&m).line
                })
                .fold(Pt::ZERO, Pt::max),
            None => Pt::ZERO,
        };
        let indent = (size * 1.8).max(widest + size * 0.4);
        // Nested so deep that less than half the measure would be left: the items take the
        // place of the list around them (markers in its marker column).
        let (x, measure) = if measure - indent < self.min_measure() && x >= indent {
            (if right_to_left { x } else { x - indent }, measure + indent)
        } else {
            (x, measure)
        };
        // Right to left, the markers stand at the right of the items, flush with them.
        let text_x = if right_to_left { x } else { x + indent };
        let (marker_x, marker_align) = if right_to_left {
            (x + measure - indent + size * 0.4, Align::LeftEdge)
        } else {
            (x, Align::Right)
        };
        let leading = self.leading;
        self.space(1.0);
        self.depth += 1;
        for (i, item) in list.items.iter().enumerate() {
            let marker = marker_text(i);
            let mut m = StyledText::default();
            m.push(&marker, style(FontVariant::Regular, size));
            let marker_lines =
                self.ctx
                    .set_ragged(&m, indent - size * 0.4, marker_align, leading, false);
            let mut extra: Vec<Item> = marker_lines.into_iter().flat_map(|l| l.items).collect();
            for item in &mut extra {
                item.translate(marker_x, Pt::ZERO);
            }
            let before = self.elements.len();
            for block in &item.blocks {
                match &block.kind {
                    BlockKind::Paragraph(content) if !extra.is_empty() => {
                        self.set_blocks.push(block.span);
                        let mut text = self.prefix.take().unwrap_or_default();
                        // (A task's box is its marker: not printed again.)
                        let without_box;
                        let content = if tasks {
                            without_box = strip_task_box(content);
                            &without_box
                        } else {
                            content
                        };
                        styled(
                            content,
                            size,
                            FontVariant::Regular,
                            self.styling(),
                            &mut text,
                        );
                        if text.is_blank() {
                            continue;
                        }
                        let mut options = self.options(measure - indent);
                        options.indent = Pt::ZERO;
                        // The marker stands in the item's indent, right-aligned, where
                        // the block's own left edge is `x`.
                        let marker = std::mem::take(&mut extra);
                        self.push_para(&text, options, block.span, text_x, marker);
                        self.no_indent = true;
                        self.pictures_in_line(content, text_x, measure - indent);
                    }
                    _ => self.block(block, text_x, measure - indent),
                }
            }
            // An item whose first block is not a paragraph gets its marker on a line of
            // its own.
            if !extra.is_empty() {
                let marker_line = LineBox {
                    items: std::mem::take(&mut extra),
                    height: leading,
                    ..LineBox::default()
                };
                let mut fixed = Fixed::whole(vec![marker_line], item.span);
                fixed.keep_with_next = 1;
                self.elements.insert(before, Element::Fixed(fixed));
            }
        }
        self.depth -= 1;
        self.space(1.0);
        self.no_indent = true;
    }

    fn figure(&mut self, figure: &Figure, span: Span, x: Pt, measure: Pt) {
        let leading = self.leading;
        let Some((image, px_w, px_h, vector)) = self.ctx.image_ref(figure.image) else {
            self.ctx.diagnostics.push(quire_model::Diagnostic::error(
                span,
                "the typesetter lost this picture: the book has no such image",
            ));
            return;
        };
        let size = self.size;
        // A figure a cross-reference names carries its number, as in the EPUB.
        let number = self.ctx.refs.index.figure_number(span).map(str::to_string);
        let caption_lines = if figure.caption.is_some() || number.is_some() {
            let mut text = StyledText::default();
            if let Some(number) = &number {
                let word = quire_model::Labels::of(&self.ctx.book.metadata.language).figure;
                let label = if figure.caption.is_some() {
                    format!("{word}\u{a0}{number}.\u{a0}")
                } else {
                    format!("{word}\u{a0}{number}")
                };
                text.push(&label, style(FontVariant::Regular, size * 0.9));
            }
            if let Some(caption) = &figure.caption {
                styled(
                    caption,
                    size * 0.9,
                    FontVariant::Italic,
                    self.styling(),
                    &mut text,
                );
            }
            self.ctx
                .set_ragged(&text, measure, Align::Center, leading, true)
        } else {
            Vec::new()
        };
        // The band is a whole number of lines: the caption's lines on the baseline grid at
        // its foot, the picture above them, half a line clear of the text above at least.
        // (The paginator puts a line of space between the band and text that follows it.)
        let captions = caption_lines.len();
        let caption_height = leading * captions as f64;
        let (above, below) = if captions > 0 {
            (leading * 0.5, leading * 0.35)
        } else {
            (leading * 0.5, leading * 0.2)
        };
        // The band never exceeds a page's text block.
        let max_h =
            (self.ctx.geometry.body_capacity() - caption_height - above - below).max(leading);
        // Images come at 150-300 dpi; never enlarge past 150 dpi. A drawing (SVG) has its
        // size in CSS pixels of 1/96 in.
        let ppi = if vector { 96.0 } else { 150.0 };
        let natural_w = Pt(f64::from(px_w) * 72.0 / ppi);
        let mut w = natural_w.min(measure);
        let mut h = Pt(w.0 * f64::from(px_h) / f64::from(px_w.max(1)));
        if h > max_h {
            h = max_h;
            w = Pt(h.0 * f64::from(px_w) / f64::from(px_h.max(1)));
        }
        // A printer checks every picture's resolution at its printed size.
        if !vector {
            let ppi = f64::from(px_w) / (w.0 / 72.0).max(1e-6);
            if ppi < 299.5 {
                let path = self
                    .ctx
                    .book
                    .images
                    .get(figure.image.0)
                    .map_or("?", |a| a.path.as_str());
                self.ctx.push_once(
                    quire_model::Diagnostic::warning(
                        span,
                        format!(
                            "picture `{path}` prints at {ppi:.0} ppi ({px_w} pixels across {:.2} in); printers want 300",
                            w.0 / 72.0
                        ),
                    )
                    .with_hint("supply the picture with more pixels, or accept a softer print"),
                );
            }
        }
        let picture_lines = ((h + above + below).0 / leading.0 - 1e-9).ceil().max(1.0);
        let band = leading * (picture_lines + captions as f64);
        let bottom = leading * picture_lines - below;
        let mut items = vec![Item::Image(crate::frame::PlacedImage {
            image,
            rect: Rect {
                origin: Point {
                    x: x + (measure - w) * 0.5,
                    y: bottom - h,
                },
                width: w,
                height: h,
            },
        })];
        let mut y = leading * picture_lines;
        let mut anchors = Vec::new();
        let mut links = Vec::new();
        let mut notes = Vec::new();
        for line in caption_lines {
            for item in line.items {
                items.push(item.translated(x, y));
            }
            notes.extend(line.notes.iter().copied());
            anchors.extend(line.anchors);
            for (mut rect, target) in line.links {
                rect.origin.x += x;
                rect.origin.y += y;
                links.push((rect, target));
            }
            y += leading;
        }
        self.elements.push(Element::Float(Float {
            band: LineBox {
                items,
                height: band,
                anchors,
                links,
                notes,
                ..LineBox::default()
            },
            span,
        }));
    }

    fn table(&mut self, table: &Table, span: Span, x: Pt, measure: Pt) {
        // Rows on the grid: every line of a cell is a whole line.
        let leading = self.leading;
        // The caption stands above the table, set as a figure's is, kept with its head.
        if let Some(caption) = &table.caption {
            self.space(1.0);
            let mut text = StyledText::default();
            styled(
                caption,
                self.size * 0.9,
                FontVariant::Italic,
                self.styling(),
                &mut text,
            );
            let lines = self
                .ctx
                .set_ragged(&text, measure, Align::Center, leading, true);
            // Raised a third of a line, clear of the rule over the table (the line of
            // space above it keeps it clear of the text before).
            let mut lines = shift(lines, x);
            for line in &mut lines {
                for item in &mut line.items {
                    item.translate(Pt::ZERO, leading * -0.3);
                }
                for (rect, _) in &mut line.links {
                    rect.origin.y -= leading * 0.3;
                }
            }
            let mut fixed = Fixed::whole(lines, span);
            fixed.keep_with_next = 2;
            self.elements.push(Element::Fixed(fixed));
        }
        let columns = table
            .head
            .len()
            .max(table.rows.iter().map(Vec::len).max().unwrap_or(0))
            .max(1);
        let has_head = !table.head.is_empty();
        let rows: Vec<(bool, &Vec<TableCell>)> = has_head
            .then_some((true, &table.head))
            .into_iter()
            .chain(table.rows.iter().map(|r| (false, r)))
            .filter(|(_, r)| !r.is_empty())
            .collect();
        // The type size: 85 % of the text, smaller (to 70 %) when the columns' widest words
        // do not fit side by side; then words are hyphenated, and broken only as a last
        // resort. Each step down is a warning: the author may prefer to split the table.
        const SIZES: [f64; 4] = [0.85, 0.8, 0.75, 0.7];
        let mut layout = None;
        for (step, relative) in SIZES.iter().enumerate() {
            let size = self.size * *relative;
            let gap = size * 0.8;
            let usable = measure - gap * (columns - 1) as f64;
            let columns_w = self.column_widths(&rows, columns, size);
            let words: Pt = columns_w
                .iter()
                .map(|c| c.word)
                .fold(Pt::ZERO, |a, b| a + b);
            let pieces: Pt = columns_w
                .iter()
                .map(|c| c.piece)
                .fold(Pt::ZERO, |a, b| a + b);
            let last = step + 1 == SIZES.len();
            if words <= usable {
                layout = Some((size, gap, share(&columns_w, usable, |c| c.word)));
            } else if last && pieces <= usable {
                layout = Some((size, gap, share(&columns_w, usable, |c| c.piece)));
            } else if last {
                // Not even hyphenated: the columns with the widest pieces (long code,
                // an identifier) are cut down to one width, and only their words are broken
                // where they must be; a narrower column keeps its widest piece whole (it
                // was shrunk in proportion with the rest, `Since` set as `Sinc`/`e`).
                let widths = capped_widths(&columns_w, usable);
                layout = Some((size, gap, widths));
                self.ctx.diagnostics.push(
                    quire_model::Diagnostic::warning(
                        span,
                        format!(
                            "this table is too wide for the page even at {:.1} pt: words in its cells are broken without hyphens",
                            size.0
                        ),
                    )
                    .with_hint("split the table, shorten its cells, or use a larger trim size"),
                );
            }
            if let Some((size, ..)) = layout {
                let broken = last && pieces > usable; // warned above
                if step > 0 && !broken {
                    self.ctx.diagnostics.push(
                        quire_model::Diagnostic::warning(
                            span,
                            format!(
                                "this table is set at {:.1} pt (the text is {:.1} pt) so that its columns fit the page{}",
                                size.0,
                                self.size.0,
                                if words > usable { ", with hyphenated words" } else { "" }
                            ),
                        )
                        .with_hint("split the table or shorten its widest cells to keep the usual size"),
                    );
                }
                break;
            }
        }
        let Some((size, gap, widths)) = layout else {
            return;
        };
        let rule = |y: Pt, weight: f64| {
            Item::Rule(Rule {
                rect: Rect {
                    origin: Point { x, y },
                    width: measure,
                    height: Pt(weight),
                },
            })
        };
        let mut lines: Vec<LineBox> = Vec::new();
        let mut breaks = Vec::new();
        let count = rows.len();
        // Right to left, the first column is at the right: columns are mirrored across the
        // table's width.
        let right_to_left = quire_model::is_right_to_left(&self.ctx.book.metadata.language);
        let total = widths.iter().fold(Pt::ZERO, |sum, w| sum + *w)
            + gap * widths.len().saturating_sub(1) as f64;
        for (r, (is_head, row)) in rows.iter().enumerate() {
            let variant = if *is_head {
                FontVariant::Italic
            } else {
                FontVariant::Regular
            };
            let mut cells = Vec::new();
            let mut max_lines = 1;
            let mut cx = x;
            for (c, cell) in row.iter().enumerate() {
                self.set_blocks.push(cell.span);
                let w = widths.get(c).copied().unwrap_or(size * 3.0);
                let align = match table.alignments.get(c) {
                    Some(Alignment::Right) => Align::Right,
                    Some(Alignment::Center) => Align::Center,
                    _ => Align::Left,
                };
                let cell_lines = self.cell_lines(&cell.content, size, variant, w, align);
                max_lines = max_lines.max(cell_lines.len());
                let place = if right_to_left {
                    x + total - (cx - x) - w
                } else {
                    cx
                };
                cells.push((place, cell_lines));
                cx = cx + w + gap;
            }
            let mut items = Vec::new();
            let mut notes = Vec::new();
            let mut anchors = Vec::new();
            let mut links = Vec::new();
            for (cx, cell_lines) in cells {
                for (i, line) in cell_lines.into_iter().enumerate() {
                    notes.extend(line.notes.iter().copied());
                    for item in line.items {
                        items.push(item.translated(cx, leading * i as f64));
                    }
                    anchors.extend(line.anchors);
                    for (mut rect, target) in line.links {
                        rect.origin.x += cx;
                        rect.origin.y += leading * i as f64;
                        links.push((rect, target));
                    }
                }
            }
            let height = leading * max_lines as f64;
            // Booktabs: a rule over the table (and over its head where it is repeated on a
            // following page), one under the head, one under the last row; none between rows.
            let under = height + size * 0.35;
            if r == 0 {
                items.push(rule(leading - size * 1.05, 0.6));
            }
            if *is_head {
                items.push(rule(under, 0.4));
            }
            if r + 1 == count {
                items.push(rule(under, 0.6));
            }
            // No break between the head and the first row, nor before the last row of a
            // long table (a row alone at the top of a page).
            breaks.push(if r == 0 || (has_head && r == 1) {
                Cost::Strong
            } else if r + 1 == count && count > 3 {
                Cost::Weak
            } else {
                Cost::Allowed
            });
            lines.push(LineBox {
                items,
                height,
                notes,
                anchors,
                links,
                ..LineBox::default()
            });
        }
        if table.caption.is_none() {
            self.space(1.0);
        }
        let mut fixed = Fixed::with_breaks(lines, breaks, span);
        fixed.repeat_head = has_head;
        self.elements.push(Element::Fixed(fixed));
        self.space(1.0);
        self.no_indent = true;
    }

    /// How wide each column's content is at `size`: the widest of its cells' widths
    /// (pictures count at their natural width, or an inch if they must shrink).
    fn column_widths(
        &mut self,
        rows: &[(bool, &Vec<TableCell>)],
        columns: usize,
        size: Pt,
    ) -> Vec<super::ContentWidths> {
        let mut out = vec![super::ContentWidths::default(); columns];
        for (is_head, row) in rows {
            let variant = if *is_head {
                FontVariant::Italic
            } else {
                FontVariant::Regular
            };
            for (c, cell) in row.iter().enumerate() {
                let Some(col) = out.get_mut(c) else { continue };
                for part in cell_parts(&cell.content) {
                    let w = match part {
                        CellPart::Text(inlines) => {
                            let mut text = StyledText::default();
                            styled(inlines, size, variant, self.styling(), &mut text);
                            self.ctx.content_widths(&text)
                        }
                        CellPart::Image(image) => {
                            let natural = self.picture_width(image);
                            let least = natural.min(Pt::inches(1.0));
                            super::ContentWidths {
                                line: natural,
                                word: least,
                                piece: least,
                            }
                        }
                    };
                    col.line = col.line.max(w.line);
                    col.word = col.word.max(w.word);
                    col.piece = col.piece.max(w.piece);
                }
            }
        }
        out
    }

    /// A picture's natural width in print: 150 dpi for pixels, CSS pixels for drawings.
    fn picture_width(&mut self, image: quire_model::ImageId) -> Pt {
        match self.ctx.image_ref(image) {
            Some((_, w, _, vector)) => {
                let ppi = if vector { 96.0 } else { 150.0 };
                Pt(f64::from(w) * 72.0 / ppi)
            }
            None => Pt::ZERO,
        }
    }

    /// A cell's lines: its text set ragged in the column, pictures on lines of their own
    /// (scaled to the column, a whole number of lines tall).
    fn cell_lines(
        &mut self,
        content: &[Inline],
        size: Pt,
        variant: FontVariant,
        width: Pt,
        align: Align,
    ) -> Vec<LineBox> {
        let leading = self.leading;
        let mut out = Vec::new();
        for part in cell_parts(content) {
            match part {
                CellPart::Text(inlines) => {
                    let mut text = StyledText::default();
                    styled(inlines, size, variant, self.styling(), &mut text);
                    if !text.is_blank() {
                        out.extend(self.ctx.set_ragged(&text, width, align, leading, true));
                    }
                }
                CellPart::Image(image) => {
                    let natural = self.picture_width(image);
                    let Some((r, px_w, px_h, _)) = self.ctx.image_ref(image) else {
                        continue;
                    };
                    let w = natural.min(width);
                    let h = Pt(w.0 * f64::from(px_h) / f64::from(px_w.max(1)));
                    let lines = (h.0 / leading.0 - 1e-9).ceil().max(1.0);
                    let (w, h) = if h > leading * 12.0 {
                        // At most twelve lines tall.
                        let h = leading * 12.0;
                        (Pt(h.0 * f64::from(px_w) / f64::from(px_h.max(1))), h)
                    } else {
                        (w, h)
                    };
                    let lines = lines.min(12.0);
                    let left = match align {
                        Align::Left | Align::LeftEdge => Pt::ZERO,
                        Align::Center => (width - w) * 0.5,
                        Align::Right => width - w,
                    };
                    // The picture's foot on the baseline of the last line it takes; the
                    // lines under its top are empty.
                    let top = leading * lines - h;
                    out.push(LineBox {
                        items: vec![Item::Image(crate::frame::PlacedImage {
                            image: r,
                            rect: Rect {
                                origin: Point {
                                    x: left,
                                    y: top.max(Pt::ZERO),
                                },
                                width: w,
                                height: h,
                            },
                        })],
                        height: leading,
                        ..LineBox::default()
                    });
                    for _ in 1..lines as usize {
                        out.push(LineBox {
                            height: leading,
                            ..LineBox::default()
                        });
                    }
                }
            }
        }
        out
    }
}

/// A piece of a table cell: text, or a picture.
enum CellPart<'i> {
    Text(&'i [Inline]),
    Image(quire_model::ImageId),
}

/// A cell's inlines split at its pictures.
fn cell_parts(content: &[Inline]) -> Vec<CellPart<'_>> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, inline) in content.iter().enumerate() {
        if let InlineKind::Image { image, .. } = inline.kind {
            if i > start {
                parts.push(CellPart::Text(&content[start..i]));
            }
            parts.push(CellPart::Image(image));
            start = i + 1;
        }
    }
    if start < content.len() {
        parts.push(CellPart::Text(&content[start..]));
    }
    parts
}

/// Column widths that fill `usable`: each column gets its least width (`least`), and the
/// room left is shared in proportion to how much wider each column would like to be (its
/// one-line width), as browsers lay out tables; a table that fits on one line anyway
/// shares its surplus in proportion to the widths.
fn share(
    columns: &[super::ContentWidths],
    usable: Pt,
    least: impl Fn(&super::ContentWidths) -> Pt,
) -> Vec<Pt> {
    let mins: Vec<Pt> = columns.iter().map(&least).collect();
    let maxs: Vec<Pt> = columns
        .iter()
        .zip(&mins)
        .map(|(c, m)| c.line.max(*m))
        .collect();
    let sum_min: f64 = mins.iter().map(|w| w.0).sum();
    let sum_max: f64 = maxs.iter().map(|w| w.0).sum();
    if sum_max <= usable.0 {
        let scale = usable.0 / sum_max.max(1e-6);
        return maxs.iter().map(|w| *w * scale).collect();
    }
    let want: f64 = sum_max - sum_min;
    let room = (usable.0 - sum_min).max(0.0);
    mins.iter()
        .zip(&maxs)
        .map(|(min, max)| *min + (*max - *min) * (room / want.max(1e-6)))
        .collect()
}

/// Column widths for columns whose widest pieces (between hyphenation points) do not fit
/// side by side in `usable`: each column its widest piece up to a cap, the cap chosen so
/// that the widths fill `usable` (water-filling): only the columns wider than the cap have
/// words broken.
fn capped_widths(columns: &[super::ContentWidths], usable: Pt) -> Vec<Pt> {
    let mut pieces: Vec<f64> = columns.iter().map(|c| c.piece.0.max(0.0)).collect();
    pieces.sort_by(f64::total_cmp);
    let mut below = 0.0;
    let mut cap = f64::INFINITY;
    for (k, piece) in pieces.iter().enumerate() {
        let share = (usable.0 - below) / (pieces.len() - k) as f64;
        if *piece >= share {
            cap = share.max(0.0);
            break;
        }
        below += piece;
    }
    columns
        .iter()
        .map(|c| Pt(c.piece.0.max(0.0).min(cap)))
        .collect()
}

/// A line of code with its tabs turned into spaces to the next multiple of `stop` columns.
fn expand_tabs(line: &str, stop: usize) -> String {
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let n = stop - column % stop;
            out.extend(std::iter::repeat_n(' ', n));
            column += n;
        } else {
            out.push(c);
            column += 1;
        }
    }
    out
}

/// A line of code cut into pieces of at most `columns` characters: each cut after the last
/// space in the second half of the room, else after an operator or punctuation, else at
/// the room's end; each continuation starts at the line's indentation with `↪ `. Returns
/// each piece's prefix (empty for the first) and its character range in the line.
pub(crate) fn wrap_code_line(line: &str, columns: usize) -> Vec<(String, std::ops::Range<usize>)> {
    let chars: Vec<char> = line.trim_end().chars().collect();
    // Columns each character takes: two for the wide characters of East Asian scripts
    // (set in a face about twice as wide as the monospace's), one for the others.
    let width = |c: &char| {
        unicode_width::UnicodeWidthChar::width(*c)
            .unwrap_or(1)
            .max(1)
    };
    let total: usize = chars.iter().map(width).sum();
    if total <= columns {
        return vec![(String::new(), 0..chars.len())];
    }
    // Where a cut may fall: between grapheme clusters (not between an `e` and the accent
    // written after it, nor inside an emoji joined with ZWJs).
    let trimmed = line.trim_end();
    let mut boundary = vec![false; chars.len() + 1];
    let mut byte_to_char = trimmed.char_indices().map(|(b, _)| b).enumerate();
    let mut next = byte_to_char.next();
    for b in icu_segmenter::GraphemeClusterSegmenter::new().segment_str(trimmed) {
        while let Some((k, at)) = next {
            if at < b {
                next = byte_to_char.next();
                continue;
            }
            if at == b {
                boundary[k] = true;
            }
            break;
        }
        if b == trimmed.len() {
            boundary[chars.len()] = true;
        }
    }
    let indent = chars.iter().take_while(|c| **c == ' ').count();
    let prefix: String = std::iter::repeat_n(' ', indent.min(columns / 2))
        .chain("↪ ".chars())
        .collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut room = columns;
    while start < chars.len() {
        let rest = &chars[start..];
        if rest.iter().map(width).sum::<usize>() <= room {
            pieces.push(start..chars.len());
            break;
        }
        // How many characters of the rest fit `room` columns (at least one).
        let mut used = 0;
        let fit = rest
            .iter()
            .take_while(|c| {
                used += width(c);
                used <= room
            })
            .count()
            .max(1);
        // After a space near the end, else after an operator near the end; else after a
        // space or an operator further back (past the indentation); else inside a name
        // after an underscore; a character boundary only when the line has none of these.
        let lowest = if start == 0 { indent + 1 } else { 1 };
        let after = |from: usize, pred: &dyn Fn(char) -> bool| {
            (from.max(1)..fit).rev().find(|&i| pred(rest[i - 1]))
        };
        let is_space = |c: char| c == ' ';
        let is_operator = |c: char| ",;([{=+-*/&|.:>".contains(c);
        let cut = after(fit / 2, &is_space)
            .or_else(|| after(fit / 2, &is_operator))
            .or_else(|| after(lowest, &is_space))
            .or_else(|| after(lowest, &is_operator))
            .or_else(|| after(fit / 2, &|c| c == '_'))
            .unwrap_or(fit);
        // Back to a cluster's start; forward when the first cluster alone is wider.
        let mut end = start + cut;
        while end > start + 1 && !boundary[end] {
            end -= 1;
        }
        while end < chars.len() && !boundary[end] {
            end += 1;
        }
        // The piece keeps no trailing spaces; the next starts at its first character.
        let mut piece_end = end;
        while piece_end > start && chars[piece_end - 1] == ' ' {
            piece_end -= 1;
        }
        pieces.push(start..piece_end.max(start + 1));
        while end < chars.len() && chars[end] == ' ' {
            end += 1;
        }
        start = end;
        room = columns.saturating_sub(prefix.chars().count()).max(8);
    }
    pieces
        .into_iter()
        .enumerate()
        .map(|(k, range)| {
            (
                if k == 0 {
                    String::new()
                } else {
                    prefix.clone()
                },
                range,
            )
        })
        .collect()
}

/// The span of line `number` (0-based) of a code block in the manuscript: the line of the
/// source that holds its text after the block's start (a fenced block's first line is its
/// fence).
fn code_line_span(source: Option<&str>, block: Span, number: usize, line: &str) -> Span {
    let guess = Span {
        line: block.line + 1 + number as u32,
        column: 1,
        ..block
    };
    let Some(text) = source.and_then(|t| t.get(block.start as usize..block.end as usize)) else {
        return guess;
    };
    let wanted = line.trim();
    if wanted.is_empty() {
        return guess;
    }
    // The block's text starts at or after its first source line: line `number` of the
    // code is source line `number` or later (after the fence).
    let mut start = block.start as usize;
    for (i, source_line) in text.split('\n').enumerate() {
        if i >= number
            && let Some(byte) = source_line.find(wanted)
        {
            return Span {
                start: (start + byte) as u32,
                end: (start + source_line.len()) as u32,
                line: block.line + i as u32,
                column: source_line[..byte].chars().count() as u32 + 1,
                ..block
            };
        }
        start += source_line.len() + 1;
    }
    guess
}

/// Moves every item of the lines right by `dx`.
/// Pages of an index entry, as (first page, last page, anchor) in reading order: one
/// number a page, runs of consecutive pages and ranges that touch or overlap merged
/// ("12–14"), in page order; pages not in arabic numerals (front matter) first, each once.
/// Each printed item keeps the anchor of its first place.
pub(crate) fn merge_pages(places: Vec<(String, String, String)>) -> Vec<(String, String)> {
    struct Run {
        pages: Option<(u32, u32)>,
        shown: String,
        anchor: String,
    }
    let show = |a: &str, b: &str| {
        if a == b {
            a.to_string()
        } else {
            format!("{a}\u{2013}{b}")
        }
    };
    let mut out: Vec<Run> = Vec::new();
    let mut arabic: Vec<Run> = Vec::new();
    for (first, last, anchor) in places {
        match (first.parse::<u32>(), last.parse::<u32>()) {
            (Ok(a), Ok(b)) => arabic.push(Run {
                pages: Some((a, b.max(a))),
                shown: String::new(),
                anchor,
            }),
            _ => {
                let shown = show(&first, &last);
                if !out.iter().any(|r| r.shown == shown) {
                    out.push(Run {
                        pages: None,
                        shown,
                        anchor,
                    });
                }
            }
        }
    }
    arabic.sort_by_key(|r| r.pages);
    let mut merged: Vec<Run> = Vec::new();
    for run in arabic {
        let Some((a, b)) = run.pages else { continue };
        if let Some(last) = merged.last_mut()
            && let Some((la, lb)) = last.pages
            && a <= lb + 1
        {
            last.pages = Some((la, lb.max(b)));
            continue;
        }
        merged.push(run);
    }
    for run in &mut merged {
        if let Some((a, b)) = run.pages {
            run.shown = show(&a.to_string(), &b.to_string());
        }
    }
    out.extend(merged);
    out.into_iter().map(|r| (r.shown, r.anchor)).collect()
}

/// What makes a code block a listing: its number ("3-2"), caption and numbered lines.
struct Listing<'a> {
    number: Option<&'a str>,
    caption: Option<&'a [Inline]>,
    line_numbers: Option<u32>,
}

pub(crate) fn shift(mut lines: Vec<LineBox>, dx: Pt) -> Vec<LineBox> {
    for line in &mut lines {
        for item in &mut line.items {
            item.translate(dx, Pt::ZERO);
        }
        for (rect, _) in &mut line.links {
            rect.origin.x += dx;
        }
    }
    lines
}

/// Lays a paragraph out with a looseness (cached).
pub(crate) fn lay_out(ctx: &mut Ctx<'_>, para: &mut Para, looseness: i32) -> bool {
    let index = (looseness + 1) as usize;
    if index > 2 {
        return false;
    }
    if para.layouts[index].is_none() {
        let layout = match para.broken[index].take() {
            Some(breaking) => ctx.ts.set_lines(&para.prepared, &breaking),
            None => {
                let mut params = para.prepared.options().breaking.clone();
                params.looseness = looseness;
                ctx.ts.layout(&para.prepared, &params)
            }
        };
        if looseness == 0 {
            ctx.report.paragraphs += 1;
            match layout.stats.pass {
                crate::linebreak::Pass::Second => ctx.report.second_pass += 1,
                crate::linebreak::Pass::Emergency | crate::linebreak::Pass::Final => {
                    ctx.report.emergency += 1;
                    let how = if layout.stats.pass == crate::linebreak::Pass::Final {
                        "could only be set with very loose lines"
                    } else {
                        "needed emergency stretch: some lines are loose"
                    };
                    ctx.push_once(
                        quire_model::Diagnostic::note(para.span, format!("paragraph {how}"))
                            .with_hint("rewording a line, or an allowed hyphenation in `[print] hyphenation-exceptions`, tightens it"),
                    );
                }
                crate::linebreak::Pass::First => {}
            }
            let plain = para.prepared.text().to_string();
            let origins = std::mem::take(&mut para.origins);
            ctx.report(&layout, &plain, &origins);
            para.origins = origins;
        }
        let lines = line_boxes(ctx, para, &layout);
        let achieved = looseness == 0 || layout.stats.looseness == looseness;
        let demerits = layout.stats.demerits;
        ctx.ts.recycle(layout);
        para.layouts[index] = Some(Laid {
            lines,
            demerits,
            achieved,
        });
    }
    para.layouts[index].as_ref().is_some_and(|l| l.achieved)
}

/// The demerits of the paragraph broken with `looseness`, or `None` when that looseness
/// cannot be reached: what [`lay_out`] and [`Para::demerits`] would give, without setting
/// the lines (they are set when [`lay_out`] asks for them).
pub(crate) fn rate(ctx: &mut Ctx<'_>, para: &mut Para, looseness: i32) -> Option<f64> {
    let index = (looseness + 1) as usize;
    if index > 2 {
        return None;
    }
    if let Some(laid) = &para.layouts[index] {
        return laid.achieved.then_some(laid.demerits);
    }
    if para.broken[index].is_none() {
        let mut params = para.prepared.options().breaking.clone();
        params.looseness = looseness;
        match ctx.ts.break_prepared(&para.prepared, &params) {
            Some(breaking) => para.broken[index] = Some(breaking),
            // Nothing to break: as `lay_out` finds it, reached only without a looseness.
            None => return (looseness == 0).then_some(0.0),
        }
    }
    let breaking = para.broken[index].as_ref()?;
    (looseness == 0 || breaking.looseness == looseness).then_some(breaking.demerits)
}

fn line_boxes(
    ctx: &Ctx<'_>,
    para: &Para,
    layout: &crate::paragraph::ParagraphLayout,
) -> Vec<LineBox> {
    let mut lines: Vec<LineBox> = layout
        .lines
        .iter()
        .map(|l| {
            let mut boxed = ctx.line_box_linked(
                l,
                para.x,
                para.leading,
                &para.markers,
                &para.rises,
                &para.links,
            );
            if !para.strikes.is_empty() {
                boxed
                    .items
                    .extend(super::strike_rules(l, para.x, para.leading, &para.strikes));
            }
            boxed
        })
        .collect();
    super::place_anchors(&mut lines, &para.anchors);
    if let Some(first) = lines.first_mut() {
        first
            .items
            .splice(0..0, para.first_line_extra.iter().cloned());
    }
    lines
}

/// The paragraph broken (at its current looseness) so that line `line` (0-based) does not
/// end in a hyphen, if that is possible within tolerance.
pub(crate) fn without_hyphen_at(ctx: &mut Ctx<'_>, para: &Para, line: usize) -> Option<Laid> {
    let mut params = para.prepared.options().breaking.clone();
    params.looseness = para.current;
    params.no_hyphen_at_line = Some(line + 1);
    let layout = ctx.ts.layout(&para.prepared, &params);
    let ok = !layout.lines.is_empty()
        && layout.lines.len() == para.lines().len()
        && !layout.lines.get(line).is_some_and(|l| l.hyphenated);
    ok.then(|| Laid {
        lines: line_boxes(ctx, para, &layout),
        demerits: layout.stats.demerits,
        achieved: true,
    })
}

/// Builds the flow of a chapter's body (not its title) and its footnotes.
pub(crate) fn chapter_flow(
    ctx: &mut Ctx<'_>,
    chapter: &Chapter,
    index: usize,
    opening: bool,
    dedication: bool,
) -> ChapterFlow {
    let measure = ctx.geometry.text_width;
    let mut builder = if dedication {
        FlowBuilder::for_dedication(ctx, index)
    } else {
        FlowBuilder::new(ctx, index, opening)
    };
    builder.blocks(&chapter.blocks, Pt::ZERO, measure);
    let (elements, mut set_blocks) = builder.finish();
    let mut notes = Vec::with_capacity(chapter.footnotes.len());
    for note in &chapter.footnotes {
        let mut builder = FlowBuilder::for_note(ctx, index, note.number, &note.id);
        builder.blocks(&note.blocks, Pt::ZERO, measure);
        let empty = builder.prefix.take();
        let (elements, blocks) = builder.finish();
        set_blocks.extend(blocks);
        let mut lines: Vec<LineBox> = Vec::new();
        let mut refs: Vec<usize> = Vec::new();
        for element in &elements {
            for line in element.lines() {
                for key in &line.notes {
                    if !refs.contains(&key.note) {
                        refs.push(key.note);
                    }
                }
                lines.push(line.clone());
            }
        }
        // A note with no text of its own still prints its number.
        if let Some(number) = empty {
            let (_, leading) = note_size(ctx);
            lines.splice(
                0..0,
                ctx.set_ragged(&number, measure, Align::Left, leading, false),
            );
        }
        // The lines do not carry their own references: the note places them.
        for line in &mut lines {
            line.notes.clear();
        }
        if let Some(first) = lines.first_mut() {
            first.anchors.insert(0, note.id.clone());
        }
        notes.push(NoteBlock {
            lines,
            refs,
            span: note.span,
        });
    }
    ChapterFlow {
        elements,
        notes,
        title_notes: Vec::new(),
        set_blocks,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn index_pages_merge_into_ranges() {
        let place = |a: &str, b: &str, id: &str| (a.to_string(), b.to_string(), id.to_string());
        let merged = merge_pages(vec![
            place("14", "14", "a"),
            place("xii", "xii", "b"),
            place("12", "12", "c"),
            place("13", "15", "d"),
            place("15", "15", "e"),
            place("20", "20", "f"),
            place("xii", "xii", "g"),
            place("22", "22", "h"),
        ]);
        let shown: Vec<(&str, &str)> = merged
            .iter()
            .map(|(s, a)| (s.as_str(), a.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("xii", "b"),
                ("12\u{2013}15", "c"),
                ("20", "f"),
                ("22", "h")
            ]
        );
    }
    use super::*;
    use crate::layout::ContentWidths;

    /// Too wide even hyphenated: the narrow columns keep their widest pieces, the widest
    /// ones share what is left, and the widths fill the measure.
    #[test]
    fn capped_widths_break_only_the_widest_columns() {
        let column = |piece: f64| ContentWidths {
            line: Pt(piece * 2.0),
            word: Pt(piece),
            piece: Pt(piece),
        };
        let columns = [column(20.0), column(30.0), column(150.0), column(200.0)];
        let widths = capped_widths(&columns, Pt(250.0));
        assert_eq!(widths, [Pt(20.0), Pt(30.0), Pt(100.0), Pt(100.0)]);
        let widths = capped_widths(&columns, Pt(80.0));
        assert_eq!(widths, [Pt(20.0), Pt(20.0), Pt(20.0), Pt(20.0)]);
    }

    fn col(word: f64, line: f64) -> ContentWidths {
        ContentWidths {
            line: Pt(line),
            word: Pt(word),
            piece: Pt(word * 0.6),
        }
    }

    #[test]
    fn columns_share_the_measure_by_what_they_want() {
        // Fits on one line: the surplus goes in proportion.
        let w = share(&[col(10.0, 20.0), col(10.0, 60.0)], Pt(160.0), |c| c.word);
        assert!(
            (w[0].0 - 40.0).abs() < 1e-9 && (w[1].0 - 120.0).abs() < 1e-9,
            "{w:?}"
        );
        // Does not: every column gets its widest word, the rest by how much more it wants.
        let w = share(&[col(30.0, 40.0), col(20.0, 220.0)], Pt(150.0), |c| c.word);
        assert!((w.iter().map(|p| p.0).sum::<f64>() - 150.0).abs() < 1e-9);
        assert!(w[0].0 >= 30.0 && w[1].0 >= 20.0, "{w:?}");
        // The narrow column's share of the room: (150-50) * 10/210.
        assert!(
            (w[0].0 - (30.0 + 100.0 * 10.0 / 210.0)).abs() < 1e-9,
            "{w:?}"
        );
    }

    #[test]
    fn code_lines_wrap_between_whole_characters() {
        // `é` written as `e` and a combining acute, and a family emoji joined by ZWJs.
        for unit in ["e\u{301}", "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"] {
            let line = format!("s = '{}'", unit.repeat(40));
            let chars: Vec<char> = line.chars().collect();
            let pieces = wrap_code_line(&line, 30);
            assert!(pieces.len() > 1);
            for (_, range) in pieces.iter().skip(1) {
                let (before, after) = (chars[range.start - 1], chars[range.start]);
                assert!(
                    !matches!(after, '\u{301}' | '\u{200D}') && before != '\u{200D}',
                    "cut between {before:?} and {after:?}"
                );
            }
            let printing =
                |r: &std::ops::Range<usize>| chars[r.clone()].iter().filter(|c| **c != ' ').count();
            let all: usize = pieces.iter().map(|(_, r)| printing(r)).sum();
            assert_eq!(all, printing(&(0..chars.len())), "every character once");
        }
    }

    #[test]
    fn code_lines_wrap_after_a_space_with_a_continuation_mark() {
        let pieces = wrap_code_line("    let value = compute(first, second, third);", 24);
        assert!(pieces.len() >= 2, "{pieces:?}");
        assert!(pieces.iter().skip(1).all(|(prefix, _)| prefix == "    ↪ "));
    }

    #[test]
    fn a_long_name_is_not_cut_when_a_space_comes_before_it() {
        let line = "    let x = unsafe { snappy_max_compressed_length(100) };";
        let pieces = wrap_code_line(line, 48);
        let chars: Vec<char> = line.chars().collect();
        let texts: Vec<String> = pieces
            .iter()
            .map(|(_, r)| chars[r.clone()].iter().collect())
            .collect();
        assert_eq!(
            texts,
            [
                "    let x = unsafe {",
                "snappy_max_compressed_length(100) };"
            ]
        );
        // No space, no operator: after an underscore rather than anywhere.
        let pieces = wrap_code_line("a_very_long_identifier_without_any_spaces_at_all", 30);
        let first: String = chars_of(
            "a_very_long_identifier_without_any_spaces_at_all",
            &pieces[0].1,
        );
        assert!(first.ends_with('_'), "{first}");
    }

    #[test]
    fn the_opening_words_take_a_dash_or_quote_before_them() {
        let opening = |text: &str| {
            let mut styled = StyledText::default();
            styled.push(text, style(FontVariant::Regular, Pt(10.0)));
            small_caps_opening(&mut styled);
            styled
                .runs
                .iter()
                .filter(|(_, s)| s.small_caps)
                .map(|(t, _)| t.clone())
                .collect::<String>()
        };
        assert_eq!(opening("It was a dark night, and cold."), "It was a dark");
        assert_eq!(
            opening("\u{2014} Dove vai? \u{2014} chiese."),
            "\u{2014} Dove vai"
        );
        assert_eq!(
            opening("\u{ab}Non toccare niente\u{bb} disse."),
            "\u{ab}Non toccare niente\u{bb} disse"
        );
        assert_eq!(opening("Yes, he said."), "Yes");
    }

    fn chars_of(text: &str, range: &std::ops::Range<usize>) -> String {
        text.chars().skip(range.start).take(range.len()).collect()
    }
}
