//! The book's structure: half title, title and copyright pages, contents, the chapters with
//! their openers, running heads and folios, blank pages, page numbers and the outline.

use std::collections::BTreeMap;

use quire_model::{ChapterKind, ChapterOpening, Division, Labels};

use super::flow::{self, style_of};
use super::ledger;
use super::paginate::{self, PageBody};
use super::{Align, Ctx, LayoutReport, LineBox, StyledText};
use crate::font::FontVariant;
use crate::frame::{
    Item, LinkArea, LinkTarget, NumberStyle, OutlineEntry, Page, PageNumber, Point, Rect,
};
use crate::units::Pt;

pub(crate) struct Built {
    pub(crate) pages: Vec<Page>,
    pub(crate) outline: Vec<OutlineEntry>,
    pub(crate) anchors: Vec<Option<super::PageAnchor>>,
    /// Each anchor of the book and its page's number as printed.
    pub(crate) anchor_pages: BTreeMap<String, String>,
}

/// What kind of page, for running heads and folios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageKind {
    /// No running head, no folio (half title, title, copyright, blank, chapter opener).
    Plain,
    /// Running heads and folio.
    Text,
}

#[derive(Clone)]
struct PageDraft {
    body: PageBody,
    kind: PageKind,
    /// Chapter title for the recto running head.
    head: Option<String>,
    /// The verso's running head when it is not the book's title (a continued contents
    /// page says "Contents" on both sides).
    verso_head: Option<String>,
    /// Left edge x of the items is the text block's left edge (true) or the page edge.
    block_relative: bool,
}

#[derive(Clone)]
struct ChapterPages {
    pages: Vec<PageDraft>,
    title: String,
    sections: Vec<(String, u8, usize, Pt)>,
}

/// Whether a chapter's body opens as a chapter does (an initial, no indent) and whether it
/// is set as a dedication, centred.
fn flow_kind(chapter: &quire_model::Chapter) -> (bool, bool) {
    let untitled = chapter.title.is_none();
    let opening = !untitled && chapter.division != Division::Front
        || chapter.kind == ChapterKind::Preface
        || chapter.kind == ChapterKind::Foreword
        || chapter.kind == ChapterKind::Introduction;
    (opening, chapter.kind == ChapterKind::Dedication)
}

/// A chapter's flow made ahead of pagination, with what making it reported.
#[derive(Clone)]
pub(crate) struct MadeFlow {
    flow: flow::ChapterFlow,
    /// Its diagnostics, in the order given.
    diagnostics: Vec<quire_model::Diagnostic>,
    /// Its paragraph counts (paragraphs, second pass, emergency stretch).
    report: super::LayoutReport,
}

/// Chapters' flows (shaping and line breaking, which do not depend on pages), made ahead
/// of pagination by workers on the other cores while this one paginates. Each worker has
/// its own typesetter; shaping and breaking are pure, so the flows are the same on any
/// number of cores. At most [`FLOWS_AHEAD`] finished flows per worker wait at a time, so
/// memory does not grow with the book.
struct Pipeline {
    state: std::sync::Mutex<PipelineState>,
    changed: std::sync::Condvar,
    /// Chapter indices in the order they are paginated.
    order: Vec<usize>,
    ahead: usize,
}

/// How many finished flows per worker may wait for pagination.
const FLOWS_AHEAD: usize = 4;

#[derive(Default)]
struct PipelineState {
    /// A worker (or the paginating core) has started the chapter.
    claimed: Vec<bool>,
    ready: Vec<Option<MadeFlow>>,
    /// Finished flows not yet taken.
    waiting: usize,
    /// Position in `order` before which every chapter is claimed.
    next: usize,
    /// Pagination is over: workers stop.
    done: bool,
}

impl Pipeline {
    /// A pipeline making the flows of the chapters in `order` that `have` has not.
    fn new(order: Vec<usize>, have: &[bool], workers: usize) -> Self {
        let order = order
            .into_iter()
            .filter(|i| !have.get(*i).copied().unwrap_or(false))
            .collect();
        Pipeline {
            state: std::sync::Mutex::new(PipelineState {
                claimed: have.to_vec(),
                ready: have.iter().map(|_| None).collect(),
                ..PipelineState::default()
            }),
            changed: std::sync::Condvar::new(),
            order,
            ahead: FLOWS_AHEAD * workers.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PipelineState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A worker's loop: claim the next chapter in pagination order, make its flow, repeat.
    fn work(&self, worker: &mut Ctx<'_>) {
        loop {
            let index = {
                let mut state = self.lock();
                loop {
                    if state.done {
                        return;
                    }
                    if state.waiting < self.ahead {
                        break;
                    }
                    state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
                }
                while state.next < self.order.len()
                    && self.order.get(state.next).is_none_or(|i| state.claimed[*i])
                {
                    state.next += 1;
                }
                let Some(&index) = self.order.get(state.next) else {
                    return;
                };
                state.claimed[index] = true;
                index
            };
            let made = make_flow(worker, index);
            let mut state = self.lock();
            state.ready[index] = made;
            state.waiting += 1;
            self.changed.notify_all();
        }
    }

    /// The flow of chapter `index` for pagination: made here with `own` if no worker has
    /// started it; else, while a worker makes it, the next chapters no worker has started
    /// are made here, so that this core does not idle.
    fn take(&self, own: &mut Ctx<'_>, index: usize) -> Option<MadeFlow> {
        let mut state = self.lock();
        if index >= state.claimed.len() {
            return None;
        }
        if !state.claimed[index] {
            state.claimed[index] = true;
            drop(state);
            return make_flow(own, index);
        }
        loop {
            if let Some(made) = state.ready[index].take() {
                state.waiting -= 1;
                self.changed.notify_all();
                return Some(made);
            }
            let unclaimed = self
                .order
                .iter()
                .skip(state.next)
                .copied()
                .find(|i| !state.claimed[*i]);
            match unclaimed {
                Some(ahead) => {
                    state.claimed[ahead] = true;
                    drop(state);
                    let made = make_flow(own, ahead);
                    state = self.lock();
                    state.ready[ahead] = made;
                    state.waiting += 1;
                    self.changed.notify_all();
                }
                None => state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner()),
            }
        }
    }

    /// Pagination is over: the workers stop.
    fn finish(&self) {
        self.lock().done = true;
        self.changed.notify_all();
    }
}

/// The flows the pagination takes, chapter by chapter.
pub(crate) struct FlowSupply<'p, 'a> {
    pipeline: &'p Pipeline,
    own: Ctx<'a>,
}

impl FlowSupply<'_, '_> {
    fn take(&mut self, index: usize) -> Option<MadeFlow> {
        self.pipeline.take(&mut self.own, index)
    }
}

/// The flow of chapter `index`, made with `worker`, and what making it reported.
fn make_flow(worker: &mut Ctx<'_>, index: usize) -> Option<MadeFlow> {
    let chapter = worker.book.chapters().nth(index)?;
    let (opening, dedication) = flow_kind(chapter);
    let flow = flow::chapter_flow(worker, chapter, index, opening, dedication);
    let made = MadeFlow {
        flow,
        diagnostics: std::mem::take(&mut worker.diagnostics),
        report: std::mem::take(&mut worker.report),
    };
    worker.reported.clear();
    Some(made)
}

/// Whether the words before a chapter title's colon name a numbered division ("Chapter
/// XLIV", "Book 2", "Act V, Scene ii", "Letter the Third" is not): at most three words, the
/// last a number, a roman numeral or a number word. Only then is it set apart as a label:
/// in "Hamlet: A Tragedy" or "Note: On the Translation" the colon is part of the title.
fn is_numbered_label(label: &str) -> bool {
    const NUMBER_WORDS: [&str; 24] = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
    ];
    let words: Vec<&str> = label.split_whitespace().collect();
    if words.is_empty() || words.len() > 4 {
        return false;
    }
    let last = words[words.len() - 1]
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    let roman = is_roman_numeral(&last);
    // "Appendix A", "Part B": a capital letter after the division's name.
    let lettered = words.len() >= 2
        && words[words.len() - 1].len() == 1
        && words[words.len() - 1]
            .chars()
            .all(|c| c.is_ascii_uppercase());
    // A year alone ("1984: A Review") is part of the title.
    if words.len() == 1 && last.len() == 4 && last.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let number = !last.is_empty() && last.chars().all(|c| c.is_numeric());
    let word = last
        .split('-')
        .all(|part| NUMBER_WORDS.contains(&part) || part.ends_with("teen"));
    roman || number || lettered || (!last.is_empty() && word)
}

/// Whether `word` (lower case) is a roman numeral as written, from i to mmmcmxcix: "vivid"
/// and "mild" are not.
fn is_roman_numeral(word: &str) -> bool {
    const DIGITS: [(&str, u32); 13] = [
        ("m", 1000),
        ("cm", 900),
        ("d", 500),
        ("cd", 400),
        ("c", 100),
        ("xc", 90),
        ("l", 50),
        ("xl", 40),
        ("x", 10),
        ("ix", 9),
        ("v", 5),
        ("iv", 4),
        ("i", 1),
    ];
    let mut value = 0;
    let mut rest = word;
    while let Some(&(digits, n)) = DIGITS.iter().find(|(d, _)| rest.starts_with(d)) {
        value += n;
        rest = &rest[digits.len()..];
    }
    if !rest.is_empty() || value == 0 || value >= 4000 {
        return false;
    }
    // Written the one way a roman numeral is written.
    let mut canonical = String::new();
    let mut left = value;
    for (digits, n) in DIGITS {
        while left >= n {
            canonical.push_str(digits);
            left -= n;
        }
    }
    canonical == word
}

/// A generated page without running head or folio (half title, title, copyright).
fn plain_page(items: Vec<Item>) -> PageDraft {
    PageDraft {
        body: PageBody {
            items,
            ..PageBody::default()
        },
        kind: PageKind::Plain,
        head: None,
        verso_head: None,
        block_relative: true,
    }
}

fn blank() -> PageDraft {
    PageDraft {
        body: PageBody::default(),
        kind: PageKind::Plain,
        head: None,
        verso_head: None,
        block_relative: true,
    }
}

/// Lays out one chapter: opener with sink and title, then its pages.
fn chapter_pages(
    ctx: &mut Ctx<'_>,
    flows: &mut FlowSupply<'_, '_>,
    kept: &mut Kept,
    index: usize,
    start_recto: bool,
) -> ChapterPages {
    let side = usize::from(start_recto);
    if let Some(pages) = kept.pages(index, side) {
        let pages = pages.clone();
        replay(ctx, pages.diagnostics, &pages.report);
        return pages.pages;
    }
    let made = match kept.flow(index) {
        Some(made) => Some(made.clone()),
        None => flows.take(index),
    };
    let pristine = kept.keep.then(|| made.clone()).flatten();
    // What laying the chapter out reports is gathered apart, to be kept with its pages.
    let diagnostics = std::mem::take(&mut ctx.diagnostics);
    let reported = std::mem::take(&mut ctx.reported);
    let report = std::mem::take(&mut ctx.report);
    let pages = lay_chapter(ctx, made, index, start_recto);
    let laid = KeptPages {
        pages,
        diagnostics: std::mem::replace(&mut ctx.diagnostics, diagnostics),
        report: std::mem::replace(&mut ctx.report, report),
    };
    ctx.reported = reported;
    replay(ctx, laid.diagnostics.clone(), &laid.report);
    if kept.keep {
        let pages = laid.pages.clone();
        kept.store(index, pristine, side, laid);
        pages
    } else {
        laid.pages
    }
}

/// Gives the main context what a chapter's layout reported: its diagnostics (once each)
/// and its counts.
fn replay(ctx: &mut Ctx<'_>, diagnostics: Vec<quire_model::Diagnostic>, report: &LayoutReport) {
    for d in diagnostics {
        ctx.push_once(d);
    }
    add_counts(&mut ctx.report, report);
}

/// Adds the paragraph and page counts of `more` to `report`.
fn add_counts(report: &mut LayoutReport, more: &LayoutReport) {
    report.paragraphs += more.paragraphs;
    report.second_pass += more.second_pass;
    report.emergency += more.emergency;
    report.mended += more.mended;
    report.short_pages += more.short_pages;
}

/// What a layout session keeps of each chapter between layouts of the same book (`quire
/// preview` lays the book out again after every save): the chapter's flow (shaped and
/// broken paragraphs) and its pages for either side it may open on, each valid while the
/// chapter, its source file, the page geometry and the page numbers its cross-references
/// print are unchanged (and, checked by the session, the settings, fonts, images and
/// anchors of the book).
#[derive(Default)]
pub(crate) struct Kept {
    /// Keep what this layout makes (a session); off for a one-off layout.
    pub(crate) keep: bool,
    chapters: Vec<Option<KeptChapter>>,
    /// Per chapter: its kept layout holds for this layout.
    valid: Vec<bool>,
}

struct KeptChapter {
    key: ChapterKey,
    flow: Option<MadeFlow>,
    /// Pages when it opens on a verso (0) or a recto (1).
    pages: [Option<KeptPages>; 2],
}

/// What a chapter's layout depends on besides the book-wide settings.
#[derive(PartialEq)]
struct ChapterKey {
    chapter: quire_model::Chapter,
    /// Its file's text (diagnostics point into it).
    text: Option<String>,
    geometry: super::Geometry,
    /// The page numbers its "page N" references print.
    ref_pages: Vec<Option<String>>,
}

/// A chapter's pages with what laying them out reported.
#[derive(Clone)]
struct KeptPages {
    pages: ChapterPages,
    diagnostics: Vec<quire_model::Diagnostic>,
    report: LayoutReport,
}

impl Kept {
    /// Forgets every chapter (the book's settings, fonts or images changed).
    pub(crate) fn clear(&mut self) {
        self.chapters.clear();
        self.valid.clear();
    }

    /// Marks which kept chapters hold for the layout `ctx` is about to make, and starts new
    /// records for the others.
    fn prepare(&mut self, ctx: &Ctx<'_>) {
        let count = ctx.book.chapters().count();
        self.valid = vec![false; count];
        if !self.keep {
            return;
        }
        self.chapters.resize_with(count, || None);
        for (index, chapter) in ctx.book.chapters().enumerate() {
            let text = ctx
                .sources
                .and_then(|s| s.get(chapter.file))
                .map(|f| f.text.as_str());
            let ref_pages: Vec<Option<String>> = super::chapter_page_references(chapter)
                .iter()
                .map(|id| ctx.refs.pages.get(id).cloned())
                .collect();
            let holds = self.chapters[index].as_ref().is_some_and(|kept| {
                kept.key.chapter == *chapter
                    && kept.key.text.as_deref() == text
                    && kept.key.geometry == ctx.geometry
                    && kept.key.ref_pages == ref_pages
            });
            self.valid[index] = holds;
            if !holds {
                self.chapters[index] = Some(KeptChapter {
                    key: ChapterKey {
                        chapter: chapter.clone(),
                        text: text.map(str::to_string),
                        geometry: ctx.geometry.clone(),
                        ref_pages,
                    },
                    flow: None,
                    pages: [None, None],
                });
            }
        }
    }

    fn chapter(&self, index: usize) -> Option<&KeptChapter> {
        if !self.valid.get(index).copied().unwrap_or(false) {
            return None;
        }
        self.chapters.get(index)?.as_ref()
    }

    /// The kept flow of a chapter, when it holds.
    fn flow(&self, index: usize) -> Option<&MadeFlow> {
        self.chapter(index)?.flow.as_ref()
    }

    /// The kept pages of a chapter opening on `side`, when they hold.
    fn pages(&self, index: usize, side: usize) -> Option<&KeptPages> {
        self.chapter(index)?.pages.get(side)?.as_ref()
    }

    fn store(&mut self, index: usize, flow: Option<MadeFlow>, side: usize, pages: KeptPages) {
        if let Some(Some(kept)) = self.chapters.get_mut(index) {
            if flow.is_some() {
                kept.flow = flow;
            }
            if let Some(slot) = kept.pages.get_mut(side) {
                *slot = Some(pages);
            }
        }
        if let Some(valid) = self.valid.get_mut(index) {
            *valid = true;
        }
    }
}

/// Lays out one chapter: opener with sink and title, then its pages (its flow from `made`,
/// else made here).
fn lay_chapter(
    ctx: &mut Ctx<'_>,
    made: Option<MadeFlow>,
    index: usize,
    start_recto: bool,
) -> ChapterPages {
    let book = ctx.book;
    let Some(chapter) = book.chapters().nth(index) else {
        return ChapterPages {
            pages: Vec::new(),
            title: String::new(),
            sections: Vec::new(),
        };
    };
    let g = ctx.geometry.clone();
    let leading = g.leading;
    let lines = g.lines_per_page;
    let untitled = chapter.title.is_none();
    let picture_only = !chapter.blocks.is_empty()
        && chapter
            .blocks
            .iter()
            .all(|b| matches!(b.kind, quire_model::BlockKind::Figure(_)));
    // The sink: a third of the page for chapters, a quarter for untitled front matter, none
    // for a page that is only a picture (a frontispiece).
    let mut sink_lines = if picture_only {
        0
    } else if chapter.kind == ChapterKind::Part {
        // A part title stands two fifths down its page.
        lines * 2 / 5
    } else if untitled {
        lines / 4
    } else {
        (lines / 3).max(4)
    };
    let mut title_items: Vec<Item> = Vec::new();
    // The title's links (a note's marker) and anchors, with the tops of their lines.
    let mut title_marks: Vec<(crate::layout::LineBox, Pt)> = Vec::new();
    let mut title_notes = Vec::new();
    // Where the title's last line ends, for a title too long for the sink.
    let mut title_bottom: Option<Pt> = None;
    if let Some(title) = &chapter.title {
        let size = g.size;
        let big = size * 1.6;
        // "Chapter I: Laying Plans" -> a label line in small caps and the title below.
        let mut text = StyledText::default();
        flow::styled(
            title,
            big,
            FontVariant::Regular,
            flow::Styling {
                chapter: index,
                refs: &ctx.refs,
                language: &ctx.book.metadata.language,
            },
            &mut text,
        );
        let plain = text.plain();
        let (label, rest) = match plain.split_once(": ") {
            Some((label, rest)) if is_numbered_label(label) => {
                (Some(label.to_string()), Some(rest.len()))
            }
            _ => (None, None),
        };
        // A chapter's title three lines down; a part's, a third of the page down.
        let title_line = if chapter.kind == ChapterKind::Part {
            (lines / 3) as f64
        } else {
            3.0
        };
        let mut y = g.first_baseline() - leading + leading * title_line;
        if let (Some(label), Some(_)) = (&label, rest) {
            let mut t = StyledText::default();
            t.push(label, flow::all_small_caps(FontVariant::Regular, size));
            for line in ctx.set_ragged(&t, g.text_width, Align::Center, leading, false) {
                for item in &line.items {
                    title_items.push(item.translated(Pt::ZERO, y));
                }
                y += leading;
            }
            y += leading * 0.5;
            // The title proper: drop the label from the styled text.
            let cut = label.len() + 2;
            let mut rest_text = StyledText::default();
            let mut consumed = 0;
            for (run, st) in &text.runs {
                let run_start = consumed;
                consumed += run.len();
                if consumed <= cut {
                    continue;
                }
                let from = cut.saturating_sub(run_start);
                rest_text.push(&run[from..], *st);
            }
            rest_text.origins = text
                .origins
                .iter()
                .map(|(o, span)| (o.saturating_sub(cut), *span))
                .collect();
            rest_text.markers = text
                .markers
                .iter()
                .map(|(r, k)| (r.start.saturating_sub(cut)..r.end.saturating_sub(cut), *k))
                .collect();
            rest_text.rises = text
                .rises
                .iter()
                .map(|(r, k)| (r.start.saturating_sub(cut)..r.end.saturating_sub(cut), *k))
                .collect();
            text = rest_text;
        }
        let title_leading = big * 1.25;
        for line in ctx.set_ragged(&text, g.text_width, Align::Center, title_leading, false) {
            for item in &line.items {
                title_items.push(item.translated(Pt::ZERO, y + title_leading - leading));
            }
            title_notes.extend(line.notes.iter().copied());
            if !line.links.is_empty() || !line.anchors.is_empty() {
                let top = y + title_leading - leading;
                title_marks.push((
                    crate::layout::LineBox {
                        items: Vec::new(),
                        ..line
                    },
                    top,
                ));
            }
            y += title_leading;
        }
        title_bottom = Some(y + title_leading - leading);
    }
    // A title of many lines lowers the text below it, a blank line under its last line,
    // rather than being printed over it.
    if let Some(bottom) = title_bottom {
        let body_top = g.first_baseline() - leading;
        let needed = ((bottom + leading - body_top).0 / leading.0).ceil();
        if needed.is_finite() && needed > sink_lines as f64 {
            // The text keeps at least its last line on the page.
            sink_lines = (needed as usize).min(lines.saturating_sub(1));
            if needed as usize >= lines {
                ctx.diagnostics.push(
                    quire_model::Diagnostic::warning(
                        chapter.span,
                        "the chapter title is longer than its opening page can hold",
                    )
                    .with_hint(
                        "shorten the title, and put the rest of it in the chapter's first paragraph",
                    ),
                );
            }
        }
    }
    let mut chapter_flow = match made {
        Some(made) => {
            replay(ctx, made.diagnostics, &made.report);
            made.flow
        }
        None => {
            let (opening, dedication) = flow_kind(chapter);
            flow::chapter_flow(ctx, chapter, index, opening, dedication)
        }
    };
    // Notes referenced in the title go on the chapter's first page.
    chapter_flow.title_notes = title_notes;
    let first_capacity = leading * lines.saturating_sub(sink_lines).max(1) as f64;
    let plans = paginate::paginate(ctx, &mut chapter_flow, first_capacity, start_recto);
    let errors = ledger::check_chapter(chapter, &chapter_flow, &plans);
    ctx.diagnostics.extend(errors);
    let bodies = paginate::draw(ctx, &mut chapter_flow, &plans);
    super::free_later(chapter_flow);
    let title_text = chapter.title_text.clone().unwrap_or_else(|| {
        Labels::of(&ctx.book.metadata.language)
            .kind(chapter.kind)
            .to_string()
    });
    // An untitled chapter of the body or back matter (a Psalter's file that opens with
    // `## Psalm 1`) is text like any other: its pages carry heads and folios, the book's
    // title on both sides. Untitled front matter (a dedication, an epigraph) does not.
    let plain_piece = untitled
        && (chapter.division == Division::Front
            || matches!(
                chapter.kind,
                ChapterKind::Dedication | ChapterKind::Epigraph | ChapterKind::Frontispiece
            ));
    let head = (!untitled).then(|| head_text(chapter, &title_text));
    let mut pages = Vec::new();
    let mut sections = Vec::new();
    for (i, mut body) in bodies.into_iter().enumerate() {
        if i == 0 {
            let shift = title_items.len();
            let mut items = title_items.clone();
            items.append(&mut body.items);
            body.items = items;
            for (start, _) in &mut body.sources {
                *start += shift;
            }
            for (line, top) in &title_marks {
                paginate::mark_links(&mut body, line, *top);
            }
        }
        for (title, level, y) in &body.anchors {
            sections.push((title.clone(), *level, i, *y));
        }
        pages.push(PageDraft {
            body,
            // Untitled pieces (dedication, epigraph, frontispiece) carry no running heads.
            kind: if i == 0 || plain_piece {
                PageKind::Plain
            } else {
                PageKind::Text
            },
            head: head.clone(),
            verso_head: None,
            block_relative: true,
        });
    }
    if pages.is_empty() {
        let mut page = blank();
        page.body.items = title_items;
        for (line, top) in &title_marks {
            paginate::mark_links(&mut page.body, line, *top);
        }
        pages.push(page);
    }
    ChapterPages {
        pages,
        title: title_text,
        sections,
    }
}

/// Centred lines of text at a baseline `y` (page coordinates, block-relative x).
fn centered(
    ctx: &mut Ctx<'_>,
    text: &str,
    size: Pt,
    variant: FontVariant,
    small_caps: bool,
    y: Pt,
) -> (Vec<Item>, Pt) {
    let styled = |size: Pt| {
        let mut t = StyledText::default();
        let style = if small_caps {
            flow::all_small_caps(variant, size)
        } else {
            style_of(variant, size, false)
        };
        t.push(text, style);
        t
    };
    let mut t = styled(size);
    // A word wider than the page (`Donaudampfschifffahrtsgesellschaftskapitänsmütze`) sets
    // the whole text smaller, down to half its size, rather than breaking between letters.
    let widest = ctx.content_widths(&t).word;
    let width = ctx.geometry.text_width;
    let size = if widest > width && widest.0 > 0.0 {
        let smaller = (size * (width.0 / widest.0 * 0.98)).max(size * 0.5);
        t = styled(smaller);
        smaller
    } else {
        size
    };
    let leading = size * 1.3;
    let mut items = Vec::new();
    let mut y = y;
    for line in ctx.set_ragged(&t, ctx.geometry.text_width, Align::Center, leading, false) {
        for item in &line.items {
            items.push(item.translated(Pt::ZERO, y - leading));
        }
        y += leading;
    }
    (items, y)
}

fn half_title(ctx: &mut Ctx<'_>) -> PageDraft {
    let g = ctx.geometry.clone();
    let title = ctx.book.metadata.title.clone();
    let (items, _) = centered(
        ctx,
        &title,
        g.size * 1.4,
        FontVariant::Regular,
        false,
        g.top + g.text_height * 0.3,
    );
    plain_page(items)
}

/// The title page: title, subtitle, authors and credits from a fifth of the way down, the
/// publisher at the foot. A title too long for the page at its size (a 1719 title of 374
/// characters) is set smaller, and higher, until it fits.
fn title_page(ctx: &mut Ctx<'_>) -> PageDraft {
    let g = ctx.geometry.clone();
    let meta = ctx.book.metadata.clone();
    let foot = if meta.publisher.is_some() {
        g.last_baseline() - g.leading * 2.0
    } else {
        g.last_baseline()
    };
    let mut scale = 1.0;
    let mut items = loop {
        let (items, y) = title_block(ctx, &meta, scale);
        // (`y` is a line below the last baseline.)
        if y <= foot + g.leading || scale <= MIN_TITLE_SCALE {
            break items;
        }
        scale = (scale * 0.8).max(MIN_TITLE_SCALE);
    };
    if let Some(publisher) = &meta.publisher {
        let (mut it, _) = centered(
            ctx,
            publisher,
            g.size * 0.9,
            FontVariant::Regular,
            true,
            g.last_baseline(),
        );
        items.append(&mut it);
    }
    plain_page(items)
}

/// How small the title page's type may become for a long title: the title then stands at
/// about the text's size.
const MIN_TITLE_SCALE: f64 = 0.45;

/// The title page's text above the publisher at `scale` (1 for the full sizes), and the
/// place a line below its last baseline.
fn title_block(ctx: &mut Ctx<'_>, meta: &quire_model::Metadata, scale: f64) -> (Vec<Item>, Pt) {
    let g = ctx.geometry.clone();
    let mut items = Vec::new();
    let (mut it, mut y) = centered(
        ctx,
        &meta.title,
        g.size * (2.4 * scale).max(1.0),
        FontVariant::Regular,
        false,
        g.top + g.text_height * 0.22 * scale,
    );
    items.append(&mut it);
    if let Some(sub) = &meta.subtitle {
        let (mut it, y2) = centered(
            ctx,
            sub,
            g.size * (1.25 * scale).max(0.95),
            FontVariant::Italic,
            false,
            y + g.leading * 0.8 * scale,
        );
        items.append(&mut it);
        y = y2;
    }
    let authors = meta.author_line();
    if !authors.is_empty() {
        let (mut it, y2) = centered(
            ctx,
            &authors,
            g.size * 1.2,
            FontVariant::Regular,
            true,
            y + g.leading * 3.0 * scale,
        );
        items.append(&mut it);
        y = y2;
    }
    // Translators, illustrators, editors: credited under the author.
    let mut first = true;
    for credit in meta.credits() {
        let (mut it, y2) = centered(
            ctx,
            &credit,
            g.size * 0.95,
            FontVariant::Italic,
            false,
            y + g.leading * if first { 2.0 * scale } else { 1.0 },
        );
        items.append(&mut it);
        y = y2;
        first = false;
    }
    (items, y)
}

fn copyright_page(ctx: &mut Ctx<'_>) -> PageDraft {
    let g = ctx.geometry.clone();
    let meta = ctx.book.metadata.clone();
    let size = g.size * 0.8;
    let leading = g.leading * 0.8;
    let mut paragraphs: Vec<String> = Vec::new();
    let labels = Labels::of(&meta.language);
    let mut first = meta.full_title();
    let authors = meta.author_line();
    if !authors.is_empty() {
        first.push('\n');
        first.push_str(&Labels::fill(labels.by, &authors));
    }
    for credit in meta.credits() {
        first.push('\n');
        first.push_str(&credit);
    }
    paragraphs.push(first);
    // Only what the book says of its rights: no claim is made up (a Bible or a novel in the
    // public domain has none), as in the EPUB.
    if let Some(rights) = meta.rights.as_ref().filter(|r| !r.trim().is_empty()) {
        paragraphs.push(rights.clone());
    }
    let mut ids = Vec::new();
    for (isbn, edition) in [
        (&meta.isbn.print, labels.print),
        (&meta.isbn.ebook, labels.ebook),
    ] {
        if let Some(isbn) = isbn {
            let printed = quire_model::hyphenate_isbn(isbn).unwrap_or_else(|| isbn.clone());
            ids.push(format!("ISBN {printed} ({edition})"));
        }
    }
    if !ids.is_empty() {
        paragraphs.push(ids.join("\n"));
    }
    // The first publication, then this edition: a reprint of 1813 published in 2025 says both.
    let first = meta
        .first_published
        .as_ref()
        .filter(|f| Some(*f) != meta.date.as_ref());
    let mut history = Vec::new();
    if let Some(first) = first {
        history.push(Labels::fill(labels.first_published, year_of(first)));
    }
    if let Some(edition) = &meta.edition {
        history.push(edition.clone());
    }
    let by = if first.is_some() {
        labels.this_edition_published_by
    } else {
        labels.published_by
    };
    match (&meta.publisher, meta.date.as_deref().map(year_of)) {
        (Some(publisher), Some(year)) => {
            history.push(format!("{}, {year}", Labels::fill(by, publisher)));
        }
        (Some(publisher), None) => history.push(Labels::fill(by, publisher)),
        (None, Some(year)) if first.is_some() => {
            history.push(Labels::fill(labels.this_edition, year));
        }
        _ => {}
    }
    if !history.is_empty() {
        paragraphs.push(history.join("\n"));
    }
    let regular = ctx.family.face(FontVariant::Regular);
    let mut faces = family_name(&regular.postscript_name().replace('-', " "));
    // A book in a script the text face lacks (Chinese, Korean, Hebrew) is set in the
    // fallback face that has the letters of its titles: it is named too.
    let titles = std::iter::once(ctx.book.metadata.title.as_str())
        .chain(ctx.book.chapters().filter_map(|c| c.title_text.as_deref()));
    let sample = titles
        .flat_map(str::chars)
        .find(|c| c.is_alphabetic() && regular.glyph_id(*c).is_none());
    if let Some(c) = sample
        && let Some(face) = (crate::FontFamily::FIRST_FALLBACK..)
            .map_while(|i| ctx.family.face_by_index(i))
            .find(|f| f.glyph_id(c).is_some())
    {
        faces.push_str(", ");
        faces.push_str(&family_name(&face.postscript_name().replace('-', " ")));
    }
    paragraphs.push(Labels::fill(labels.typeset_in, &faces));
    let mut lines: Vec<LineBox> = Vec::new();
    for (i, p) in paragraphs.iter().enumerate() {
        if i > 0 {
            lines.push(LineBox {
                height: leading,
                ..LineBox::default()
            });
        }
        let mut t = StyledText::default();
        t.push(p, style_of(FontVariant::Regular, size, false));
        lines.extend(ctx.set_ragged(&t, g.text_width, Align::Left, leading, false));
    }
    let total: Pt = lines.iter().map(|l| l.height).fold(Pt::ZERO, |a, b| a + b);
    let mut y = g.last_baseline() - total;
    let mut items = Vec::new();
    for line in &lines {
        for item in &line.items {
            items.push(item.translated(Pt::ZERO, y));
        }
        y += line.height;
    }
    plain_page(items)
}

/// The year of an ISO 8601 date, as copyright pages print it.
fn year_of(date: &str) -> &str {
    date.split('-').next().unwrap_or(date)
}

fn family_name(postscript: &str) -> String {
    // "EBGaramond12 Regular" -> "EB Garamond", "NotoSerifCJKkr Regular" -> "Noto Serif CJK"
    let base = postscript.split_whitespace().next().unwrap_or(postscript);
    let base = base.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = ["CJKtc", "CJKkr", "CJKjp", "CJKsc", "CJKhk"]
        .iter()
        .find_map(|region| base.strip_suffix(region).map(|b| format!("{b}CJK")))
        .unwrap_or_else(|| base.to_string());
    let mut out = String::new();
    let chars: Vec<char> = base.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let starts_word = c.is_uppercase()
            && (chars.get(i + 1).is_some_and(|n| n.is_lowercase())
                || i.checked_sub(1)
                    .and_then(|p| chars.get(p))
                    .is_some_and(|p| p.is_lowercase()));
        if i > 0 && starts_word {
            out.push(' ');
        }
        out.push(*c);
    }
    out
}

/// Contents entries: title, chapter index (into `ChapterPages`), and whether numbered roman.
struct TocEntry {
    title: String,
    chapter: usize,
}

/// The horizontal extent of the text runs among `items`.
fn text_extent(items: &[Item]) -> Option<(Pt, Pt)> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Text(run) => {
                let start = run.glyphs.first().map(|g| run.origin.x + g.left())?;
                let end = run
                    .glyphs
                    .iter()
                    .map(|g| run.origin.x + g.right())
                    .fold(start, Pt::max);
                Some((start, end))
            }
            _ => None,
        })
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
}

/// Leader dots from a contents entry's title to its page number (`left` and `right`: the
/// one on the left and the one on the right), a word space clear of each and as far apart
/// as word spaces, so the eye runs along the line.
fn leader_dots(ctx: &Ctx<'_>, left: &[Item], right: &[Item], baseline: Pt) -> Option<Item> {
    let (_, title_end) = text_extent(left)?;
    let (number_start, _) = text_extent(right)?;
    let face = ctx.family.face(FontVariant::Regular);
    let size = ctx.geometry.size;
    let scale = face.scale(size.0);
    let dot = face.glyph_id('.')?;
    let dot_w = Pt(face.advance(dot) * scale);
    let space_w = face
        .glyph_id(' ')
        .map_or(size * 0.25, |space| Pt(face.advance(space) * scale));
    let avail = number_start - title_end - space_w * 2.0;
    let count = ((avail + space_w).0 / (dot_w + space_w).0).floor();
    if count < 2.0 || !count.is_finite() {
        return None;
    }
    let count = count as usize;
    let gap = (avail - dot_w * count as f64) / (count - 1) as f64;
    let glyphs = (0..count)
        .map(|i| {
            crate::frame::Glyph::new(
                dot,
                ((dot_w + gap) * i as f64).0 as f32,
                dot_w.0 as f32,
                i as u32..i as u32 + 1,
            )
        })
        .collect();
    Some(Item::Text(crate::frame::TextRun {
        origin: Point {
            x: title_end + space_w,
            y: baseline,
        },
        font: crate::frame::FontId(ctx.family.face_index(FontVariant::Regular)),
        size,
        horizontal_scale: 100.0,
        rotated: false,
        text: ".".repeat(count),
        glyphs,
        rises: Vec::new(),
    }))
}

/// Lays out the contents pages; `numbers` gives each entry's folio text and target.
fn toc_pages(
    ctx: &mut Ctx<'_>,
    entries: &[TocEntry],
    numbers: &[(String, usize)],
) -> Vec<(PageDraft, Vec<(usize, Rect)>)> {
    let g = ctx.geometry.clone();
    let leading = g.leading;
    let size = g.size;
    let contents = Labels::of(&ctx.book.metadata.language).contents;
    let right_to_left = quire_model::is_right_to_left(&ctx.book.metadata.language);
    let mut rows: Vec<(Vec<LineBox>, usize)> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let number = numbers.get(i).map_or("000".to_string(), |n| n.0.clone());
        let mut t = StyledText::default();
        t.push(&entry.title, style_of(FontVariant::Regular, size, false));
        let num_w = size * 2.5;
        let mut lines =
            ctx.set_ragged(&t, g.text_width - num_w - size, Align::Left, leading, false);
        for (k, line) in lines.iter_mut().enumerate() {
            // Right to left, the title starts at the right edge and the number is at the
            // left; turned lines are indented from the start.
            let dx = match (right_to_left, k) {
                (false, 0) => continue,
                (false, _) => size,
                (true, 0) => num_w + size,
                (true, _) => num_w,
            };
            *line = flow::shift(vec![std::mem::take(line)], dx)
                .into_iter()
                .next()
                .unwrap_or_default();
        }
        let mut n = StyledText::default();
        n.push(&number, style_of(FontVariant::Regular, size, false));
        let number_align = if right_to_left {
            Align::LeftEdge
        } else {
            Align::Right
        };
        let num_lines = ctx.set_ragged(&n, g.text_width, number_align, leading, false);
        if let (Some(last), Some(num)) = (lines.last_mut(), num_lines.into_iter().next()) {
            let leader = if right_to_left {
                leader_dots(ctx, &num.items, &last.items, leading)
            } else {
                leader_dots(ctx, &last.items, &num.items, leading)
            };
            if let Some(leader) = leader {
                last.items.push(leader);
            }
            last.items.extend(num.items);
        }
        rows.push((lines, entry.chapter));
    }
    // Title "Contents" with a small sink, then the rows.
    let capacity_lines = g.lines_per_page;
    let first_skip = 5usize;
    let mut pages: Vec<(PageDraft, Vec<(usize, Rect)>)> = Vec::new();
    let mut current = PageDraft {
        body: PageBody::default(),
        kind: PageKind::Plain,
        head: Some(contents.into()),
        verso_head: Some(contents.into()),
        block_relative: true,
    };
    let (title_items, _) = centered(
        ctx,
        contents,
        size * 1.6,
        FontVariant::Regular,
        false,
        g.first_baseline() + leading * 2.0,
    );
    current.body.items.extend(title_items);
    let mut line_no = first_skip;
    let mut links = Vec::new();
    for (lines, chapter) in rows {
        if line_no + lines.len() > capacity_lines {
            pages.push((current, std::mem::take(&mut links)));
            current = PageDraft {
                body: PageBody::default(),
                kind: PageKind::Text,
                head: Some(contents.into()),
                verso_head: Some(contents.into()),
                block_relative: true,
            };
            line_no = 0;
        }
        let top = g.first_baseline() - leading + leading * line_no as f64;
        links.push((
            chapter,
            Rect {
                origin: Point {
                    x: Pt::ZERO,
                    y: top + leading * 0.2,
                },
                width: g.text_width,
                height: leading * lines.len() as f64,
            },
        ));
        for (k, line) in lines.iter().enumerate() {
            for item in &line.items {
                current
                    .body
                    .items
                    .push(item.translated(Pt::ZERO, top + leading * k as f64));
            }
        }
        line_no += lines.len();
    }
    pages.push((current, links));
    pages
}

/// Where code starts and ends in a running head's text (private-use characters: see
/// [`head_text`]).
const HEAD_CODE_START: char = '\u{E000}';
const HEAD_CODE_END: char = '\u{E001}';

/// A chapter's running head: `title_text` (the title as plain text, as the contents give
/// it) with the code in the title marked, so that the head sets code as written in the
/// code face, and only the words around it in small capitals (`The HashMap API` is not
/// `the hashmap api`).
fn head_text(chapter: &quire_model::Chapter, title_text: &str) -> String {
    use quire_model::{Inline, InlineKind};
    fn mark(inlines: &[Inline], out: &mut String) {
        for inline in inlines {
            match &inline.kind {
                InlineKind::Text(t) => out.push_str(t),
                InlineKind::Code(t) => {
                    out.push(HEAD_CODE_START);
                    out.push_str(t);
                    out.push(HEAD_CODE_END);
                }
                InlineKind::Emphasis(c)
                | InlineKind::Strong(c)
                | InlineKind::Link { content: c, .. }
                | InlineKind::Styled { content: c, .. } => mark(c, out),
                InlineKind::LineBreak => out.push(' '),
                _ => {}
            }
        }
    }
    let Some(title) = &chapter.title else {
        return title_text.to_string();
    };
    let mut marked = String::new();
    mark(title, &mut marked);
    if !marked.contains(HEAD_CODE_START) {
        return title_text.to_string();
    }
    let is_mark = |c: &char| matches!(*c, HEAD_CODE_START | HEAD_CODE_END);
    let plain: String = marked.chars().filter(|c| !is_mark(c)).collect();
    // The title may have lost a label ("Chapter 3: ") on the way to `title_text`: the
    // marked text from where `title_text` starts, else no marks.
    let Some(skip) = plain
        .ends_with(title_text)
        .then(|| plain.chars().count() - title_text.chars().count())
    else {
        return title_text.to_string();
    };
    let mut seen = 0;
    let mut out = String::with_capacity(marked.len());
    let mut open = false;
    for c in marked.chars() {
        if is_mark(&c) {
            open = c == HEAD_CODE_START;
            if seen >= skip {
                out.push(c);
            }
            continue;
        }
        if seen == skip && open {
            // Code that began before the skipped label ends here: open it again.
            out.push(HEAD_CODE_START);
        }
        if seen >= skip {
            out.push(c);
        }
        seen += 1;
    }
    out
}

/// The running head and folio of a text page.
/// A running head one step shorter than `text`: up to its last clause mark (`:`, `;`, `,`,
/// `.`, a dash or a bracket), else without its last word and with an ellipsis; `None` when
/// nothing is left to take away.
fn shorter_head(text: &str) -> Option<String> {
    let text = text.trim_end_matches(['\u{2026}', ' ']);
    // Cuts fall outside code (`Option<T>`'s marks stay paired, a dot in `a.b` is no end).
    let mut in_code = false;
    let outside: Vec<(usize, char)> = text
        .char_indices()
        .filter(|(_, c)| {
            match *c {
                HEAD_CODE_START => in_code = true,
                HEAD_CODE_END => in_code = false,
                _ => {}
            }
            !in_code && !matches!(*c, HEAD_CODE_START | HEAD_CODE_END)
        })
        .collect();
    let clause = outside
        .iter()
        .filter(|(_, c)| matches!(c, ':' | ';' | ',' | '.' | '\u{2014}' | '\u{2013}' | '('))
        .map(|(i, _)| *i)
        .rfind(|&i| !text[..i].trim_end().is_empty());
    if let Some(i) = clause {
        return Some(text[..i].trim_end().to_string());
    }
    let word = outside
        .iter()
        .filter(|(i, c)| c.is_whitespace() && !text[..*i].trim_end().is_empty())
        .map(|(i, _)| *i)
        .next_back()?;
    Some(format!("{}\u{2026}", text[..word].trim_end()))
}

fn running_head(ctx: &mut Ctx<'_>, recto: bool, text: &str, folio: &str) -> Vec<Item> {
    let g = ctx.geometry.clone();
    let size = g.size * 0.85;
    let y = g.first_baseline() - g.leading * 2.0;
    let mut items = Vec::new();
    let mut t = StyledText::default();
    // Words in small capitals; code (see `head_text`) as written, in the code face.
    let mut code = false;
    for part in text.split_inclusive([HEAD_CODE_START, HEAD_CODE_END]) {
        let words = part.trim_end_matches([HEAD_CODE_START, HEAD_CODE_END]);
        if !words.is_empty() {
            if code {
                t.push(
                    words,
                    style_of(FontVariant::Mono, size * flow::CODE_SIZE, false),
                );
            } else {
                t.push(words, flow::all_small_caps(FontVariant::Regular, size));
            }
        }
        if part.ends_with(HEAD_CODE_START) {
            code = true;
        } else if part.ends_with(HEAD_CODE_END) {
            code = false;
        }
    }
    let lines = ctx.set_ragged(
        &t,
        g.text_width - size * 6.0,
        Align::Center,
        g.leading,
        false,
    );
    // A head too long for its line (a 1719 title) is cut at the last clause that fits,
    // else after the last word that does, with an ellipsis.
    if lines.len() > 1
        && let Some(shorter) = shorter_head(text)
    {
        return running_head(ctx, recto, &shorter, folio);
    }
    if let Some(line) = lines.into_iter().next() {
        for item in flow::shift(vec![line], size * 3.0)
            .into_iter()
            .flat_map(|l| l.items)
        {
            items.push(item.translated(Pt::ZERO, y - g.leading));
        }
    }
    let mut f = StyledText::default();
    f.push(folio, style_of(FontVariant::Regular, g.size * 0.9, false));
    let align = if recto { Align::Right } else { Align::LeftEdge };
    if let Some(line) = ctx
        .set_ragged(&f, g.text_width, align, g.leading, false)
        .into_iter()
        .next()
    {
        for item in &line.items {
            items.push(item.translated(Pt::ZERO, y - g.leading));
        }
    }
    items
}

pub(crate) fn build(ctx: &mut Ctx<'_>, kept: &mut Kept) -> Built {
    let book = ctx.book;
    let chapter_count = book.chapters().count();
    let frontispiece = book
        .chapters()
        .position(|c| c.division == Division::Front && c.kind == ChapterKind::Frontispiece);
    // The order chapters are paginated in: the frontispiece, what comes before the contents,
    // then the rest.
    let mut order: Vec<usize> = frontispiece.into_iter().collect();
    for pass in [true, false] {
        let more: Vec<usize> = (0..chapter_count)
            .filter(|ci| before_contents(book, *ci) == pass && Some(*ci) != frontispiece)
            .collect();
        order.extend(more);
    }
    // Flows are made ahead on the other cores while this one paginates.
    let workers = ctx.threads.saturating_sub(1).min(chapter_count);
    kept.prepare(ctx);
    // Chapters whose flow is kept from the last layout are not made again.
    let have: Vec<bool> = (0..chapter_count).map(|i| kept.flow(i).is_some()).collect();
    let pipeline = Pipeline::new(order, &have, workers);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let mut worker = ctx.worker();
            let pipeline = &pipeline;
            scope.spawn(move || {
                pipeline.work(&mut worker);
                super::free_at_exit(worker.ts);
            });
        }
        let mut flows = FlowSupply {
            pipeline: &pipeline,
            own: ctx.worker(),
        };
        let built = paginate_book(ctx, &mut flows, kept, frontispiece);
        pipeline.finish();
        super::free_at_exit(flows.own.ts);
        built
    })
}

/// Book order: a dedication, epigraph or frontispiece comes before the contents; the other
/// front matter (preface, introduction ...) after it.
/// Only the front matter's leading run of them moves: a dedication after an introduction (or
/// after front matter of no kind Quire knows) keeps its place in the manuscript's order, as
/// the EPUB keeps it.
fn before_contents(book: &quire_model::Book, ci: usize) -> bool {
    let opening = |c: &quire_model::Chapter| {
        c.division == Division::Front
            && matches!(
                c.kind,
                ChapterKind::Dedication | ChapterKind::Epigraph | ChapterKind::Frontispiece
            )
    };
    book.chapters().take(ci + 1).all(opening) && book.chapters().nth(ci).is_some()
}

/// The book's pages, with the chapters' flows from `flows`.
fn paginate_book(
    ctx: &mut Ctx<'_>,
    flows: &mut FlowSupply<'_, '_>,
    kept: &mut Kept,
    frontispiece: Option<usize>,
) -> Built {
    let book = ctx.book;
    let opening_right = book.settings.print.chapters_open == ChapterOpening::Right;
    let chapter_count = book.chapters().count();

    // Contents entries: every titled chapter, in order.
    let entries: Vec<TocEntry> = book
        .chapters()
        .enumerate()
        .filter(|(_, ch)| ch.title.is_some())
        .map(|(i, ch)| TocEntry {
            title: ch.title_text.clone().unwrap_or_default(),
            chapter: i,
        })
        .filter(|e| !e.title.is_empty())
        .collect();

    // Front: half title, blank, title, copyright; contents; front chapters.
    let mut sequence: Vec<(PageDraft, Option<usize>)> = vec![
        (half_title(ctx), None),
        (blank(), None),
        (title_page(ctx), None),
        (copyright_page(ctx), None),
    ];
    let placeholder = toc_pages(ctx, &entries, &[]);
    let toc_len = placeholder.len();
    let before_contents = |ci: usize| before_contents(book, ci);
    // A frontispiece faces the title page: it takes the verso after the half title.
    let mut slots: Vec<Option<ChapterPages>> = (0..chapter_count).map(|_| None).collect();
    let mut chapter_start: Vec<usize> = vec![0; chapter_count];
    let mut facing_title = None;
    if let Some(ci) = frontispiece {
        let mut chapter = chapter_pages(ctx, flows, kept, ci, false);
        if chapter.pages.len() == 1
            && let Some(page) = chapter.pages.pop()
            && let Some(slot) = sequence.get_mut(1)
        {
            *slot = (page, Some(ci));
            chapter_start[ci] = 1;
            slots[ci] = Some(chapter);
            facing_title = Some(ci);
        }
    }
    let is_part = |ci: usize| {
        book.chapters()
            .nth(ci)
            .is_some_and(|c| c.kind == ChapterKind::Part)
    };
    // A preface, foreword or introduction opens on a recto, as the contents do.
    let opens_recto = |ci: usize| {
        book.chapters().nth(ci).is_some_and(|c| {
            c.division == Division::Front
                && matches!(
                    c.kind,
                    ChapterKind::Preface | ChapterKind::Foreword | ChapterKind::Introduction
                )
        })
    };
    let steps: Vec<Option<usize>> = (0..chapter_count)
        .filter(|ci| Some(*ci) != facing_title)
        .filter(|ci| before_contents(*ci))
        .map(Some)
        .chain(std::iter::once(None))
        .chain(
            (0..chapter_count)
                .filter(|ci| !before_contents(*ci))
                .map(Some),
        )
        .collect();
    // Chapters in that order, each knowing on which side it opens (facing pages are kept
    // the same depth).
    let mut body_start = 0;
    let mut toc_start = sequence.len();
    for step in steps {
        let Some(ci) = step else {
            // The contents open on a recto.
            if sequence.len() % 2 == 1 {
                sequence.push((blank(), None));
            }
            toc_start = sequence.len();
            for _ in 0..toc_len {
                sequence.push((blank(), None));
            }
            continue;
        };
        let division = book
            .chapters()
            .nth(ci)
            .map_or(Division::Body, |c| c.division);
        if division != Division::Front && body_start == 0 {
            // The body opens on a recto.
            if sequence.len() % 2 == 1 {
                sequence.push((blank(), None));
            }
            body_start = sequence.len();
        } else if (opening_right || before_contents(ci) || opens_recto(ci) || is_part(ci))
            && sequence.len() % 2 == 1
        {
            sequence.push((blank(), None));
        }
        let start_recto = sequence.len().is_multiple_of(2);
        let mut chapter = chapter_pages(ctx, flows, kept, ci, start_recto);
        if let Some(start) = chapter_start.get_mut(ci) {
            *start = sequence.len();
        }
        for page in chapter.pages.drain(..) {
            sequence.push((page, Some(ci)));
        }
        // A part's page is a recto with a blank verso behind it: its first chapter opens on
        // a recto.
        if is_part(ci) && sequence.len() % 2 == 1 {
            sequence.push((blank(), None));
        }
        if let Some(slot) = slots.get_mut(ci) {
            *slot = Some(chapter);
        }
    }
    let chapters: Vec<ChapterPages> = slots.into_iter().flatten().collect();
    if body_start == 0 {
        body_start = sequence.len();
    }
    // Page numbers.
    let number_of = |index: usize| -> PageNumber {
        if index < body_start {
            PageNumber {
                style: NumberStyle::LowerRoman,
                value: index as u32 + 1,
            }
        } else {
            PageNumber {
                style: NumberStyle::Arabic,
                value: (index - body_start) as u32 + 1,
            }
        }
    };
    // The real contents, now that page numbers are known.
    let numbers: Vec<(String, usize)> = entries
        .iter()
        .map(|e| {
            let page = chapter_start.get(e.chapter).copied().unwrap_or(0);
            (number_of(page).text(), page)
        })
        .collect();
    let toc = toc_pages(ctx, &entries, &numbers);
    for (k, (mut draft, links)) in toc.into_iter().enumerate() {
        for (chapter, rect) in links {
            let page = chapter_start.get(chapter).copied().unwrap_or(0);
            draft.body.items.push(Item::Link(LinkArea {
                rect,
                target: LinkTarget::Page { page, y: Pt::ZERO },
            }));
        }
        if let Some(slot) = sequence.get_mut(toc_start + k) {
            slot.0 = draft;
        }
    }
    if sequence.len() % 2 == 1 {
        sequence.push((blank(), None));
    }

    let book_title = book.metadata.title.clone();
    let g = ctx.geometry.clone();
    let mut pages = Vec::with_capacity(sequence.len());
    let mut anchors = Vec::with_capacity(sequence.len());
    // Where each anchor of the book is (page index, y), and the link areas to resolve.
    let mut places: BTreeMap<String, (usize, Pt)> = BTreeMap::new();
    for (ci, chapter) in book.chapters().enumerate() {
        if let Some(&start) = chapter_start.get(ci) {
            places.insert(chapter.id.clone(), (start, Pt::ZERO));
        }
    }
    let mut link_areas: Vec<(usize, Rect, String)> = Vec::new();
    for (index, (draft, chapter)) in sequence.into_iter().enumerate() {
        anchors.push(chapter.and_then(|ci| {
            if chapter_start.get(ci) == Some(&index) {
                Some(super::PageAnchor {
                    chapter: ci,
                    block_start: None,
                    char_offset: 0,
                })
            } else {
                draft.body.start.map(|(span, offset)| super::PageAnchor {
                    chapter: ci,
                    block_start: Some(span.start),
                    char_offset: offset,
                })
            }
        }));
        let recto = index % 2 == 0;
        let number = number_of(index);
        let left = g.block_left(recto);
        let mut items: Vec<Item> = Vec::with_capacity(draft.body.items.len() + 8);
        if draft.kind == PageKind::Text && !draft.body.items.is_empty() {
            let head = if recto {
                draft.head.clone().unwrap_or_else(|| book_title.clone())
            } else {
                draft
                    .verso_head
                    .clone()
                    .unwrap_or_else(|| book_title.clone())
            };
            items.extend(running_head(ctx, recto, &head, &number.text()));
        }
        let shift = items.len();
        items.extend(draft.body.items);
        let dx = if draft.block_relative { left } else { Pt::ZERO };
        if draft.block_relative {
            for item in &mut items {
                item.translate(left, Pt::ZERO);
            }
        }
        for (id, y) in &draft.body.anchor_marks {
            places.entry(id.clone()).or_insert((index, *y));
        }
        for (mut rect, target) in draft.body.links {
            rect.origin.x += dx;
            link_areas.push((index, rect, target));
        }
        let page = Page {
            items,
            number,
            recto,
        };
        let sources: Vec<(usize, quire_model::Span)> = draft
            .body
            .sources
            .iter()
            .map(|(start, span)| (start + shift, *span))
            .collect();
        let fallback = chapter
            .and_then(|ci| book.chapters().nth(ci))
            .map(|c| c.span);
        if let Some(error) =
            ledger::check_page_bounds(&page, index, g.width, g.height, &sources, fallback)
        {
            ctx.diagnostics.push(error);
        }
        pages.push(page);
    }

    // Links: to a place in the book (its page and height), or to an address.
    for (index, rect, target) in link_areas {
        let target = match target.strip_prefix('#') {
            Some(id) => match places.get(id) {
                Some(&(page, y)) => LinkTarget::Page { page, y },
                None => continue,
            },
            None => LinkTarget::Uri(target),
        };
        if let Some(page) = pages.get_mut(index) {
            page.items.push(Item::Link(LinkArea { rect, target }));
        }
    }
    // What cross-references print for each anchor's page.
    let anchor_pages = places
        .iter()
        .map(|(id, (page, _))| (id.clone(), number_of(*page).text()))
        .collect();

    // Outline: the contents and every chapter with its sections.
    let mut outline = vec![OutlineEntry {
        title: Labels::of(&book.metadata.language).contents.into(),
        page: toc_start,
        y: Pt::ZERO,
        children: Vec::new(),
    }];
    for (ci, chapter) in chapters.iter().enumerate() {
        let start = chapter_start.get(ci).copied().unwrap_or(0);
        let children = nested_sections(
            chapter
                .sections
                .iter()
                .map(|(title, level, page, y)| (title.clone(), *level, start + page, *y)),
        );
        outline.push(OutlineEntry {
            title: chapter.title.clone(),
            page: start,
            y: Pt::ZERO,
            children,
        });
    }
    // In page order (a dedication comes before the contents).
    outline.sort_by_key(|entry| entry.page);
    Built {
        pages,
        outline,
        anchors,
        anchor_pages,
    }
}

/// A chapter's sections (title, heading level, page, height) as outline entries, each
/// deeper heading under the last shallower one before it (`###` under its `##`).
fn nested_sections(sections: impl Iterator<Item = (String, u8, usize, Pt)>) -> Vec<OutlineEntry> {
    // The entries open at each depth, with their levels: the last is the deepest.
    let mut open: Vec<(u8, OutlineEntry)> = Vec::new();
    let mut top: Vec<OutlineEntry> = Vec::new();
    let close = |open: &mut Vec<(u8, OutlineEntry)>, top: &mut Vec<OutlineEntry>| {
        if let Some((_, done)) = open.pop() {
            match open.last_mut() {
                Some((_, parent)) => parent.children.push(done),
                None => top.push(done),
            }
        }
    };
    for (title, level, page, y) in sections {
        while open.last().is_some_and(|(l, _)| *l >= level) {
            close(&mut open, &mut top);
        }
        open.push((
            level,
            OutlineEntry {
                title,
                page,
                y,
                children: Vec::new(),
            },
        ));
    }
    while !open.is_empty() {
        close(&mut open, &mut top);
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deeper_sections_nest_under_the_last_shallower_one() {
        let entry = |t: &str, l: u8| (t.to_string(), l, 1, Pt::ZERO);
        let nested = nested_sections(
            [
                entry("A", 2),
                entry("A.1", 3),
                entry("A.1.a", 4),
                entry("A.2", 3),
                entry("B", 2),
                entry("B.x", 5),
            ]
            .into_iter(),
        );
        let shape = |e: &OutlineEntry| -> String {
            fn walk(e: &OutlineEntry, out: &mut String) {
                out.push_str(&e.title);
                if !e.children.is_empty() {
                    out.push('(');
                    for c in &e.children {
                        walk(c, out);
                        out.push(' ');
                    }
                    out.push(')');
                }
            }
            let mut out = String::new();
            walk(e, &mut out);
            out
        };
        let shown: Vec<String> = nested.iter().map(shape).collect();
        assert_eq!(shown, ["A(A.1(A.1.a ) A.2 )", "B(B.x )"]);
    }

    /// The running head marks the title's code, from where the contents' title starts.
    #[test]
    fn a_long_head_is_cut_at_a_clause_then_a_word() {
        let crusoe =
            "The Life and Strange Surprizing Adventures of Robinson Crusoe, of York, Mariner";
        assert_eq!(
            shorter_head(crusoe).as_deref(),
            Some("The Life and Strange Surprizing Adventures of Robinson Crusoe, of York")
        );
        assert_eq!(
            shorter_head("The Life and Strange Surprizing Adventures of Robinson Crusoe, of York")
                .as_deref(),
            Some("The Life and Strange Surprizing Adventures of Robinson Crusoe")
        );
        assert_eq!(
            shorter_head("The Life and Strange Surprizing Adventures of Robinson Crusoe")
                .as_deref(),
            Some("The Life and Strange Surprizing Adventures of Robinson\u{2026}")
        );
        assert_eq!(
            shorter_head("The Life and Strange\u{2026}").as_deref(),
            Some("The Life and\u{2026}")
        );
        assert_eq!(shorter_head("Antidisestablishmentarianism"), None);
        // Code in a head: cut outside it, its marks kept in pairs.
        let (open, close) = (HEAD_CODE_START, HEAD_CODE_END);
        let head = format!("The {open}Option<T>{close} Type and {open}a.b(c, d){close} Handling");
        assert_eq!(
            shorter_head(&head),
            Some(format!(
                "The {open}Option<T>{close} Type and {open}a.b(c, d){close}\u{2026}"
            ))
        );
        assert_eq!(
            shorter_head(&format!("The {open}Option<T> Type{close} Handling")),
            Some(format!("The {open}Option<T> Type{close}\u{2026}"))
        );
    }

    #[test]
    fn a_running_head_marks_the_code_of_its_title() {
        use quire_model::{Chapter, Inline, InlineKind, Span};
        let text = |t: &str| Inline {
            kind: InlineKind::Text(t.into()),
            span: Span::default(),
        };
        let code = |t: &str| Inline {
            kind: InlineKind::Code(t.into()),
            span: Span::default(),
        };
        let chapter = |title: Vec<Inline>| Chapter {
            title: Some(title),
            ..Chapter::default()
        };
        let (s, e) = (HEAD_CODE_START, HEAD_CODE_END);
        let plain = chapter(vec![text("Ownership")]);
        assert_eq!(head_text(&plain, "Ownership"), "Ownership");
        let api = chapter(vec![text("The "), code("HashMap"), text(" API")]);
        assert_eq!(
            head_text(&api, "The HashMap API"),
            format!("The {s}HashMap{e} API")
        );
        let labelled = chapter(vec![text("Chapter 3: Using "), code("Box<T>")]);
        assert_eq!(
            head_text(&labelled, "Using Box<T>"),
            format!("Using {s}Box<T>{e}")
        );
        let inside = chapter(vec![code("std::io"), text(" in depth")]);
        assert_eq!(
            head_text(&inside, "io in depth"),
            format!("{s}io{e} in depth")
        );
        // A title the contents give otherwise: no marks.
        assert_eq!(head_text(&api, "Maps"), "Maps");
    }

    #[test]
    fn only_a_numbered_division_is_set_apart_as_a_label() {
        for label in [
            "Chapter XLIV",
            "Book 2",
            "Act V, Scene ii",
            "Part One",
            "Psalm 23",
            "Chapitre 12",
            "Twenty-one",
            "Appendix A",
            "12",
        ] {
            assert!(is_numbered_label(label), "{label}");
        }
        for title in [
            "Hamlet",
            "Note",
            "A Civil War",
            "Mild",
            "Vivid",
            "The Long Road Home Again",
            "1984",
            "A",
        ] {
            assert!(!is_numbered_label(title), "{title}");
        }
    }

    #[test]
    fn faces_are_named_as_their_families() {
        assert_eq!(family_name("EBGaramond12 Regular"), "EB Garamond");
        assert_eq!(family_name("NotoSerifCJKkr Regular"), "Noto Serif CJK");
        assert_eq!(family_name("NotoSerifHebrew Regular"), "Noto Serif Hebrew");
        assert_eq!(
            family_name("DroidSansFallbackFull"),
            "Droid Sans Fallback Full"
        );
    }
}
