//! Pages from a chapter's vertical material, on a baseline grid.
//!
//! Every page is filled to the full number of lines. Where the break would leave a widow or
//! an orphan, split a heading from what follows, break inside a stanza, strand a scene
//! break, or (softer) end a page on a hyphen, a paragraph that starts on the page is
//! re-broken one line shorter or longer (Knuth-Plass looseness -1/+1), choosing the one
//! whose demerits grow least, as a typesetter does by hand; only when no such change works
//! is the page left short, by a few lines at most, and its facing page with it so that the
//! spread ends on one baseline. Footnotes go at the foot of the page that references them
//! and continue on the next page when they must. A figure that does not fit goes to the top
//! of the next page while the text flows on.
//!
//! Pages record what they hold by element and line (not by position in a flattened list),
//! and the ledger ([`super::ledger`]) checks the result: everything placed once, in order.

use std::collections::BTreeSet;

use super::flow::{ChapterFlow, Cost, Element, lay_out, rate};
use super::{Ctx, LineBox};
use crate::frame::{Item, Point, Rect, Rule};
use crate::units::Pt;

/// One line of the flattened material.
#[derive(Debug, Clone)]
struct VLine {
    element: usize,
    line: usize,
    height: Pt,
    space_before: Pt,
    /// What a page break just before this line costs.
    cost: Cost,
    /// The previous line ends in a hyphen (a break here ends a page on one).
    after_hyphen: bool,
    float: bool,
    page_break_before: bool,
    /// Notes referenced on this line (indices in the chapter's notes).
    notes: Vec<usize>,
    /// A table row after the head: when it is the first line of text on a page, the
    /// table's head row is drawn again above it, this high.
    repeat_head: Pt,
}

/// A line of a footnote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NoteLine {
    pub(crate) note: usize,
    pub(crate) line: usize,
}

/// A line placed on a page: the element and its line, and the space above it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Placed {
    pub(crate) element: usize,
    pub(crate) line: usize,
    pub(crate) space: Pt,
}

/// A page's body: items with y measured from the top of the page and x from the text
/// block's left edge.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageBody {
    pub(crate) items: Vec<Item>,
    /// Section headings on the page: title, level, y.
    pub(crate) anchors: Vec<(String, u8, Pt)>,
    /// The first paragraph line on the page: the paragraph's span and the characters of its
    /// plain text before the line.
    pub(crate) start: Option<(quire_model::Span, usize)>,
    /// Where each piece of the manuscript starts in `items`: item index and the span of
    /// the block it came from (for the ledger's checks of the finished page).
    pub(crate) sources: Vec<(usize, quire_model::Span)>,
    /// Anchors on the page and the y of the top of their line.
    pub(crate) anchor_marks: Vec<(String, Pt)>,
    /// Link areas on the page and their targets (`https:...` or `#id`).
    pub(crate) links: Vec<(Rect, String)>,
}

/// What one page of a chapter holds, for drawing and for the ledger.
#[derive(Debug, Clone, Default)]
pub(crate) struct PagePlan {
    /// Body lines and figures, top to bottom.
    pub(crate) placed: Vec<Placed>,
    /// Footnote lines at the foot, in order.
    pub(crate) notes: Vec<NoteLine>,
    /// How far the text is lowered (the chapter opener's sink).
    pub(crate) sink: Pt,
    /// How much higher than the text block's foot the page ends (a spread left short).
    pub(crate) cut: Pt,
    /// How far everything is lowered: a page of figures alone stands on the foot.
    pub(crate) drop: Pt,
}

/// Where a flattening of a chapter's flow starts: an element, the first of its lines taken
/// (the earlier ones are on pages already set), and what the elements before it leave
/// for its first line.
#[derive(Debug, Clone, Copy)]
struct FlatStart {
    element: usize,
    line: usize,
    /// Space from `Element::Space`s since the last line.
    space: Pt,
    /// A forced page break since the last line.
    page_break: bool,
    /// How many following lines must stay with what came before, and how firmly.
    keep_next: usize,
    keep_cost: Cost,
    /// What the keep comes from (see [`Keep`]).
    keep_from: Keep,
}

/// Where a keep comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Nothing, or a label, a list's marker, a caption.
    Other,
    /// A heading (or a like title: it keeps two lines with it).
    Heading,
    /// A one-line paragraph under a heading (a subtitle, a dateline): it keeps two lines
    /// of the paragraph after it, so that the heading and it do not end a page alone; a
    /// heading after it is not kept (a chain of short sections would be one block).
    Subtitle,
}

/// The keep `element` leaves for what follows it, entered with `keep_next` lines to keep
/// at `keep_cost`, from `keep_from`: what [`FlatStart::after`] and [`flatten`] both do.
fn keep_after(
    element: &Element,
    keep_next: usize,
    keep_cost: Cost,
    keep_from: Keep,
) -> (usize, Cost, Keep) {
    let n = element.lines().len();
    let (mut keep_next, mut keep_cost, mut keep_from) = (keep_next, keep_cost, keep_from);
    if !matches!(element, Element::Float(_)) && n > 0 {
        // What is kept with a heading is the next element's first lines, or all of it
        // when it is shorter: not the heading after a one-line paragraph, but for a
        // subtitle's paragraph.
        let subtitle = keep_from == Keep::Heading
            && keep_next > 0
            && n == 1
            && matches!(element, Element::Para(_));
        (keep_next, keep_from) = if subtitle {
            (2, Keep::Subtitle)
        } else {
            (0, Keep::Other)
        };
    }
    // A paragraph that introduces the code after it (one line, a file's name over a
    // listing, or a sentence ending with a colon) keeps two of its lines with it.
    if let Element::Para(p) = element
        && p.before_code
        && (n == 1 || p.prepared.text().trim_end().ends_with(':'))
    {
        keep_next = 2;
        keep_cost = Cost::Weak;
        keep_from = Keep::Other;
    }
    if let Element::Fixed(f) = element
        && f.keep_with_next > 0
    {
        keep_next = f.keep_with_next;
        keep_cost = if f.keep_with_previous {
            Cost::Weak
        } else {
            Cost::Strong
        };
        keep_from = if f.keep_with_next >= 2 && !f.keep_with_previous {
            Keep::Heading
        } else {
            Keep::Other
        };
    }
    (keep_next, keep_cost, keep_from)
}

/// Whether a keep from `keep_from` holds `element`'s lines to what came before.
fn keep_holds(element: &Element, keep_from: Keep) -> bool {
    !(keep_from == Keep::Subtitle && matches!(element, Element::Fixed(f) if f.keep_with_next > 0))
}

impl FlatStart {
    /// The start of a chapter.
    const CHAPTER: FlatStart = FlatStart {
        element: 0,
        line: 0,
        space: Pt::ZERO,
        page_break: false,
        keep_next: 0,
        keep_cost: Cost::Allowed,
        keep_from: Keep::Other,
    };

    /// What `element` leaves for the element after it, entered with `self` (as
    /// [`flatten`] goes through it).
    fn after(mut self, element: &Element) -> FlatStart {
        match element {
            Element::Space(s) => self.space += *s,
            Element::PageBreak => self.page_break = true,
            _ => {
                if !element.lines().is_empty() {
                    self.space = Pt::ZERO;
                    self.page_break = false;
                }
                (self.keep_next, self.keep_cost, self.keep_from) =
                    keep_after(element, self.keep_next, self.keep_cost, self.keep_from);
            }
        }
        self.element += 1;
        self.line = 0;
        self
    }
}

/// The part of a long chapter that pagination looks at: from where the current spread
/// starts (or a figure waiting from before it) to some pages past it. Flattening the
/// whole chapter again after each paragraph re-broken for a page end costs time in
/// proportion to the chapter: a book in one file of 2,600 pages took 15 s, nearly all of
/// it here.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: FlatStart,
    /// Lines are taken up to the first element boundary past this many lines of text
    /// (lines of at least half a leading, figures not counted); `None`: to the end.
    horizon: Option<usize>,
    leading: Pt,
}

/// How many pages of text past its start a window reaches: pagination sets a spread (two
/// pages) at a time and looks a line or two past it.
const WINDOW_PAGES: f64 = 12.0;

/// Chapters with more lines than this are paginated through a window (see [`Window`]);
/// shorter ones are flattened whole. `QUIRE_PAGINATION_WINDOW_LINES` changes it (tests
/// set it to 0 to window every chapter, and compare).
fn window_min_lines() -> usize {
    static MIN: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *MIN.get_or_init(|| {
        std::env::var("QUIRE_PAGINATION_WINDOW_LINES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3_000)
    })
}

impl Window {
    /// The window for a chapter: the whole of it, or (a long one) its first pages.
    fn of(flow: &ChapterFlow, m: &Measures) -> Window {
        let lines: usize = flow.elements.iter().map(|e| e.lines().len()).sum();
        let per_page = (m.full.0 / m.leading.0).max(1.0);
        Window {
            start: FlatStart::CHAPTER,
            horizon: (lines > window_min_lines())
                .then_some((per_page * WINDOW_PAGES).ceil() as usize),
            leading: m.leading,
        }
    }

    /// Moves the window's start to line `at` of `flat` (this window's lines), if that
    /// is past the chapter's first line of text; returns by how many lines it moved.
    fn advance(&mut self, flow: &ChapterFlow, flat: &[VLine], at: usize) -> usize {
        if self.horizon.is_none() || at == 0 {
            return 0;
        }
        let Some(target) = flat.get(at) else {
            return 0;
        };
        // The chapter title's notes go with its first line of text: that line stays in.
        if !flat[..at].iter().any(|v| !v.float) && self.start.element == 0 && self.start.line == 0 {
            return 0;
        }
        let mut start = self.start;
        start.line = 0;
        for element in flow
            .elements
            .iter()
            .take(target.element)
            .skip(start.element)
        {
            start = start.after(element);
        }
        start.line = target.line;
        self.start = start;
        at
    }
}

fn flatten(flow: &ChapterFlow, window: &Window) -> Vec<VLine> {
    let mut out: Vec<VLine> = Vec::new();
    let start = window.start;
    let FlatStart {
        mut space,
        mut page_break,
        mut keep_next,
        mut keep_cost,
        mut keep_from,
        ..
    } = start;
    let mut counted = 0usize;
    let mut complete = true;
    for (e, element) in flow.elements.iter().enumerate().skip(start.element) {
        if let Some(horizon) = window.horizon
            && counted >= horizon
        {
            complete = false;
            break;
        }
        match element {
            Element::Space(s) => {
                space += *s;
                continue;
            }
            Element::PageBreak => {
                page_break = true;
                continue;
            }
            _ => {}
        }
        let lines = element.lines();
        let n = lines.len();
        let float = matches!(element, Element::Float(_));
        let first = if e == start.element { start.line } else { 0 };
        let (keep_entering, holds) = (keep_next, keep_holds(element, keep_from));
        for (i, line) in lines.iter().enumerate() {
            let mut cost = Cost::Allowed;
            match element {
                Element::Para(_) if n >= 2 && (i == 1 || i + 1 == n) => cost = Cost::Weak,
                Element::Fixed(f) => {
                    if i > 0 {
                        cost = f.breaks.get(i).copied().unwrap_or(Cost::Strong);
                    }
                    if i == 0 && f.keep_with_previous {
                        cost = Cost::Weak;
                    }
                }
                _ => {}
            }
            if keep_next > 0 && !float {
                if holds {
                    cost = cost.max(keep_cost);
                }
                keep_next -= 1;
            }
            if i < first {
                continue;
            }
            if !float && line.height >= window.leading * 0.5 {
                counted += 1;
            }
            out.push(VLine {
                element: e,
                line: i,
                height: line.height,
                space_before: if i == 0 { space } else { Pt::ZERO },
                cost: if i == 0 && page_break {
                    Cost::Allowed
                } else {
                    cost
                },
                after_hyphen: i > 0 && lines.get(i - 1).is_some_and(|l| l.hyphenated),
                float,
                page_break_before: i == 0 && page_break,
                notes: line.notes.iter().map(|k| k.note).collect(),
                repeat_head: match element {
                    Element::Fixed(f) if f.repeat_head && i > 0 => {
                        lines.first().map_or(Pt::ZERO, |l| l.height)
                    }
                    _ => Pt::ZERO,
                },
            });
        }
        if n > 0 {
            space = Pt::ZERO;
            page_break = false;
        }
        // As in `FlatStart::after`: a keep ends with the element it reaches.
        (keep_next, keep_cost, keep_from) =
            keep_after(element, keep_entering, keep_cost, keep_from);
    }
    // Notes referenced in the chapter title go with the first line of text.
    if start.element == 0
        && start.line == 0
        && let Some(first) = out.iter_mut().find(|v| !v.float)
    {
        let mut notes: Vec<usize> = flow.title_notes.iter().map(|k| k.note).collect();
        notes.append(&mut first.notes);
        first.notes = notes;
    }
    // A chapter's last page holds at least two lines.
    if complete
        && let Some(last) = out.last_mut()
        && !last.float
        && last.line > 0
    {
        last.cost = last.cost.max(Cost::Weak);
    }
    out
}

/// Where pagination stands at the top of a page.
#[derive(Debug, Clone, Default)]
struct State {
    /// The next line of the flow to place.
    pos: usize,
    /// Figures met but not yet placed, in order.
    pending: Vec<usize>,
    /// Note lines continued from the previous page.
    carried: Vec<NoteLine>,
    /// Notes already placed (or carried), which later references do not place again.
    placed_notes: BTreeSet<usize>,
}

/// One page filled from a state.
#[derive(Debug, Clone)]
struct Fill {
    /// Lines on the page, in order (figures deferred from earlier pages first), each with
    /// the space above it.
    lines: Vec<usize>,
    spaces: Vec<Pt>,
    /// Where the next page starts.
    end: usize,
    /// Figures for a later page.
    deferred: Vec<usize>,
    /// Note lines placed here, and those carried to the next page.
    notes: Vec<NoteLine>,
    carried: Vec<NoteLine>,
    placed_notes: BTreeSet<usize>,
    /// Height of the body material.
    used: Pt,
}

struct Paginator<'f> {
    flow: &'f ChapterFlow,
    leading: Pt,
    separator: Pt,
    full: Pt,
}

const EPSILON: Pt = Pt(0.01);

impl Paginator<'_> {
    fn note_line_height(&self, line: NoteLine) -> Pt {
        self.flow
            .notes
            .get(line.note)
            .and_then(|n| n.lines.get(line.line))
            .map_or(Pt::ZERO, |l| l.height)
    }

    /// The notes a line brings (with the notes they refer to), in order, that are not
    /// placed yet, and their lines.
    fn new_notes(&self, refs: &[usize], placed: &BTreeSet<usize>) -> (Vec<usize>, Vec<NoteLine>) {
        let mut notes: Vec<usize> = Vec::new();
        let mut stack: Vec<usize> = refs.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            if placed.contains(&n) || notes.contains(&n) || n >= self.flow.notes.len() {
                continue;
            }
            notes.push(n);
            if let Some(block) = self.flow.notes.get(n) {
                stack.extend(block.refs.iter().rev());
            }
        }
        let lines = notes
            .iter()
            .flat_map(|&note| {
                let count = self.flow.notes.get(note).map_or(0, |b| b.lines.len());
                (0..count).map(move |line| NoteLine { note, line })
            })
            .collect();
        (notes, lines)
    }

    /// The notes a figure's caption brings that are not placed yet, their lines, and the
    /// height they add to a page whose notes are `notes_h` high (the separator included
    /// when they are the page's first).
    fn float_notes(
        &self,
        v: &VLine,
        placed: &BTreeSet<usize>,
        notes_h: Pt,
    ) -> (Vec<usize>, Vec<NoteLine>, Pt) {
        if v.notes.is_empty() {
            return (Vec::new(), Vec::new(), Pt::ZERO);
        }
        let (new, lines) = self.new_notes(&v.notes, placed);
        let mut height = lines
            .iter()
            .map(|&l| self.note_line_height(l))
            .fold(Pt::ZERO, |a, b| a + b);
        if notes_h == Pt::ZERO && !lines.is_empty() {
            height += self.separator;
        }
        (new, lines, height)
    }

    /// Fills a page of `capacity` from `state`, stopping before line `stop_at` if given.
    fn fill(&self, flat: &[VLine], state: &State, capacity: Pt, stop_at: Option<usize>) -> Fill {
        let mut used = Pt::ZERO;
        let mut lines: Vec<usize> = Vec::new();
        let mut spaces: Vec<Pt> = Vec::new();
        let mut deferred: Vec<usize> = Vec::new();
        let mut notes: Vec<NoteLine> = Vec::new();
        let mut carried: Vec<NoteLine> = Vec::new();
        let mut placed_notes = state.placed_notes.clone();
        let more_text = state.pos < flat.len() || !state.pending.is_empty();
        // Notes continued from the previous page come first, leaving room for two lines
        // of text when there is text to come; never a single line carried on.
        let room = if more_text {
            capacity - self.leading * 2.0
        } else {
            capacity
        };
        let mut notes_h = Pt::ZERO;
        if !state.carried.is_empty() {
            let mut acc = self.separator;
            let mut take = 0;
            for &line in &state.carried {
                let h = self.note_line_height(line);
                if take > 0 && acc + h > room + EPSILON {
                    break;
                }
                acc += h;
                take += 1;
            }
            if state.carried.len() - take == 1 && take >= 3 {
                take -= 1;
            }
            notes.extend_from_slice(&state.carried[..take]);
            carried.extend_from_slice(&state.carried[take..]);
            notes_h = self.separator
                + notes
                    .iter()
                    .map(|&l| self.note_line_height(l))
                    .fold(Pt::ZERO, |a, b| a + b);
        }
        // Figures waiting from earlier pages, in order; once one waits, the later ones do.
        let mut waiting = false;
        // Text after a figure on the same page keeps a line clear of its caption.
        let mut after_float = false;
        for &f in &state.pending {
            let Some(v) = flat.get(f) else { continue };
            let empty = lines.is_empty() && notes.is_empty();
            // A caption's notes go on the figure's page.
            let (new, new_lines, notes_added) = self.float_notes(v, &placed_notes, notes_h);
            let fits = used + v.height + notes_h + notes_added <= capacity + EPSILON
                && (new_lines.is_empty() || carried.is_empty());
            if !waiting && (fits || (empty && capacity + EPSILON >= self.full)) {
                used += v.height;
                lines.push(f);
                spaces.push(Pt::ZERO);
                after_float = true;
                placed_notes.extend(new);
                if fits {
                    notes_h += notes_added;
                    notes.extend(new_lines);
                } else {
                    carried.extend(new_lines);
                }
            } else {
                waiting = true;
                deferred.push(f);
            }
        }
        // A page that opens with figures and has little room left under them is a page of
        // figures: a line or two of text under a large picture reads as a leftover.
        let figure_page = |lines: &[usize], used: Pt, notes_h: Pt| {
            !lines.is_empty()
                && lines.iter().all(|&l| flat.get(l).is_some_and(|v| v.float))
                && capacity - used - notes_h < self.leading * MIN_TEXT_UNDER_FIGURES
        };
        let mut i = state.pos;
        while i < flat.len() {
            if stop_at == Some(i) || figure_page(&lines, used, notes_h) {
                break;
            }
            let v = &flat[i];
            // A forced page break comes after the figures waiting from before it: they
            // take this page, and what follows the break starts the next.
            if v.page_break_before && (i > state.pos || !lines.is_empty()) {
                break;
            }
            let space = if lines.is_empty() {
                Pt::ZERO
            } else if after_float && !v.float {
                v.space_before.max(self.leading)
            } else {
                v.space_before
            };
            if v.float {
                let (new, new_lines, notes_added) = self.float_notes(v, &placed_notes, notes_h);
                if !waiting
                    && used + space + v.height + notes_h + notes_added <= capacity + EPSILON
                    && (new_lines.is_empty() || carried.is_empty())
                {
                    used += space + v.height;
                    lines.push(i);
                    spaces.push(space);
                    after_float = true;
                    notes_h += notes_added;
                    notes.extend(new_lines);
                    placed_notes.extend(new);
                } else {
                    waiting = true;
                    deferred.push(i);
                }
                i += 1;
                continue;
            }
            let (new, new_lines) = self.new_notes(&v.notes, &placed_notes);
            let new_h = new_lines
                .iter()
                .map(|&l| self.note_line_height(l))
                .fold(Pt::ZERO, |a, b| a + b);
            let sep = if notes_h == Pt::ZERO && !new_lines.is_empty() {
                self.separator
            } else {
                Pt::ZERO
            };
            // A table continued from the page before repeats its head row first.
            let head = if lines.iter().all(|&l| flat.get(l).is_some_and(|w| w.float)) {
                v.repeat_head
            } else {
                Pt::ZERO
            };
            let body = used + space + head + v.height;
            // Notes continued from the last page still wait: new ones queue behind them.
            if !carried.is_empty() && !new_lines.is_empty() {
                if body + notes_h <= capacity + EPSILON {
                    used = body;
                    lines.push(i);
                    spaces.push(space);
                    after_float = false;
                    carried.extend(new_lines);
                    placed_notes.extend(new);
                    i += 1;
                    continue;
                }
                break;
            }
            if body + notes_h + sep + new_h <= capacity + EPSILON {
                used = body;
                notes_h += sep + new_h;
                notes.extend(new_lines);
                placed_notes.extend(new);
                lines.push(i);
                spaces.push(space);
                after_float = false;
                i += 1;
                continue;
            }
            let empty = lines.is_empty() && notes.is_empty();
            // The notes do not fit whole: split them, at least two lines on each side.
            if !new_lines.is_empty() {
                let room = capacity - (body + notes_h + sep);
                let mut fit = 0;
                let mut acc = Pt::ZERO;
                for &l in &new_lines {
                    let h = self.note_line_height(l);
                    if acc + h > room + EPSILON {
                        break;
                    }
                    acc += h;
                    fit += 1;
                }
                if new_lines.len() - fit == 1 {
                    fit = fit.saturating_sub(1);
                }
                if (fit >= 2 || empty) && body <= capacity + EPSILON {
                    let mut new_lines = new_lines;
                    let rest = new_lines.split_off(fit.min(new_lines.len()));
                    used = body;
                    notes.extend(new_lines);
                    carried = rest;
                    placed_notes.extend(new);
                    lines.push(i);
                    spaces.push(space);
                    i += 1;
                    break;
                }
            }
            // An empty page takes the line whatever happens, so that pagination goes on.
            if empty {
                used = body;
                carried = new_lines;
                placed_notes.extend(new);
                lines.push(i);
                spaces.push(space);
                i += 1;
            }
            break;
        }
        Fill {
            lines,
            spaces,
            end: i,
            deferred,
            notes,
            carried,
            placed_notes,
            used,
        }
    }
}

/// Fewest lines of text worth setting under figures that open a page.
const MIN_TEXT_UNDER_FIGURES: f64 = 4.0;

/// What a page break at `end` costs, and whether the page would end on a hyphen.
fn cost_at(flat: &[VLine], end: usize) -> (Cost, bool) {
    match flat.get(end) {
        Some(l) if !l.page_break_before => (l.cost, l.after_hyphen),
        _ => (Cost::Allowed, false),
    }
}

/// Where the flow's paragraphs stand (looseness, and whether re-broken for a page end),
/// to go back to when a spread is set again.
struct Saved {
    state: State,
    /// The first element whose paragraph is kept (those before the window do not change).
    from: usize,
    currents: Vec<(i32, bool)>,
}

impl Saved {
    fn take(flow: &ChapterFlow, state: &State, window: &Window) -> Saved {
        let from = window.start.element;
        Saved {
            state: state.clone(),
            from,
            currents: flow
                .elements
                .iter()
                .skip(from)
                .map(|e| match e {
                    Element::Para(p) => (p.current, p.no_hyphen.is_some()),
                    _ => (0, false),
                })
                .collect(),
        }
    }

    /// Puts the flow back; returns the state.
    fn restore(&self, flow: &mut ChapterFlow) -> State {
        for (element, (current, had)) in
            flow.elements.iter_mut().skip(self.from).zip(&self.currents)
        {
            if let Element::Para(p) = element {
                p.current = *current;
                if !had {
                    p.no_hyphen = None;
                }
            }
        }
        self.state.clone()
    }
}

/// The flow flattened again (after a paragraph was re-broken) and the page filled anew.
fn refill(
    flow: &ChapterFlow,
    window: &Window,
    (leading, separator, full): (Pt, Pt, Pt),
    state: &State,
    capacity: Pt,
) -> (Vec<VLine>, Fill) {
    let flat = flatten(flow, window);
    let paginator = Paginator {
        flow,
        leading,
        separator,
        full,
    };
    let fill = paginator.fill(&flat, state, capacity, None);
    (flat, fill)
}

/// How many lines short a page may be left to keep a widow, an orphan, a stanza's first or
/// last lines (weak keeps) off it; beyond that the weak break is taken.
const MAX_SHORT_WEAK: f64 = 2.0;
/// How many lines short a page may be left to keep a heading with its text (strong keeps).
const MAX_SHORT_STRONG: f64 = 5.0;

/// Tries re-breaking paragraphs that start on the page (looseness -1 or +1, singly, then
/// in pairs) until the page ends at a good place. Returns the new flat list and fill.
#[allow(clippy::too_many_arguments)]
fn mend(
    ctx: &mut Ctx<'_>,
    flow: &mut ChapterFlow,
    window: &Window,
    paginator_parts: (Pt, Pt, Pt),
    state: &State,
    capacity: Pt,
    fill: &Fill,
    flat: &[VLine],
) -> Option<(Vec<VLine>, Fill)> {
    let (cost, soft) = cost_at(flat, fill.end);
    let mut candidates: Vec<(f64, usize, i32)> = Vec::new();
    let mut seen = Vec::new();
    for &l in fill.lines.iter().chain(std::iter::once(&fill.end)) {
        let Some(v) = flat.get(l) else { continue };
        if v.line != 0 || seen.contains(&v.element) {
            continue;
        }
        seen.push(v.element);
        if let Some(Element::Para(p)) = flow.elements.get_mut(v.element) {
            let base = p.demerits(0).unwrap_or(0.0);
            for looseness in [-1, 1] {
                if let Some(d) = rate(ctx, p, looseness) {
                    candidates.push((d - base, v.element, looseness));
                }
            }
        }
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Single changes first, cheapest first; then pairs of the cheapest changes in the same
    // direction (two paragraphs a line longer, or shorter).
    let mut trials: Vec<Vec<(usize, i32)>> = candidates
        .iter()
        .take(12)
        .map(|(_, e, l)| vec![(*e, *l)])
        .collect();
    let best: Vec<&(f64, usize, i32)> = candidates.iter().take(8).collect();
    let mut pairs: Vec<(f64, Vec<(usize, i32)>)> = Vec::new();
    for (a, first) in best.iter().enumerate() {
        for second in best.iter().skip(a + 1) {
            if first.1 != second.1 && first.2 == second.2 {
                pairs.push((
                    first.0 + second.0,
                    vec![(first.1, first.2), (second.1, second.2)],
                ));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    trials.extend(pairs.into_iter().take(12).map(|(_, t)| t));
    for trial_set in trials {
        let before: Vec<(usize, i32)> = trial_set
            .iter()
            .filter_map(|(e, _)| match flow.elements.get(*e) {
                Some(Element::Para(p)) => Some((*e, p.current)),
                _ => None,
            })
            .collect();
        for (element, looseness) in &trial_set {
            if let Some(Element::Para(p)) = flow.elements.get_mut(*element) {
                lay_out(ctx, p, *looseness);
                p.current = *looseness;
            }
        }
        let (trial_flat, trial) = refill(flow, window, paginator_parts, state, capacity);
        let (c2, s2) = cost_at(&trial_flat, trial.end);
        let ok = c2 == Cost::Allowed
            && (!s2 || !soft || cost > Cost::Allowed)
            && trial.end > state.pos
            && trial.used + EPSILON >= fill.used;
        if ok {
            return Some((trial_flat, trial));
        }
        for (element, current) in before {
            if let Some(Element::Para(p)) = flow.elements.get_mut(element) {
                p.current = current;
            }
        }
    }
    None
}

/// The sizes pagination works with.
#[derive(Debug, Clone, Copy)]
struct Measures {
    full: Pt,
    leading: Pt,
    separator: Pt,
}

/// One page set from `state` into `capacity`: the page's plan, how far it ends above the
/// foot it was given (whole lines), and whether it is the chapter's last page. `strict`:
/// a page may be left short for a weak keep (a widow, an orphan); otherwise (a spread set
/// again, already shortened) the weak keep gives way.
#[allow(clippy::too_many_arguments)]
fn set_page(
    ctx: &mut Ctx<'_>,
    flow: &mut ChapterFlow,
    window: &Window,
    flat: &mut Vec<VLine>,
    state: &mut State,
    m: Measures,
    capacity: Pt,
    sink: Pt,
    cut: Pt,
    strict: bool,
) -> (PagePlan, Pt, bool) {
    let parts = (m.leading, m.separator, m.full);
    let paginator = Paginator {
        flow,
        leading: m.leading,
        separator: m.separator,
        full: m.full,
    };
    let mut fill = paginator.fill(flat, state, capacity, None);
    let (cost, soft) = cost_at(flat, fill.end);
    if (cost > Cost::Allowed || soft) && fill.end < flat.len() {
        if let Some((new_flat, new_fill)) =
            mend(ctx, flow, window, parts, state, capacity, &fill, flat)
        {
            *flat = new_flat;
            fill = new_fill;
            if cost > Cost::Allowed {
                ctx.report.mended += 1;
            }
        } else if cost > Cost::Allowed {
            // Leave the page short: end at the last good place, unless that leaves too
            // much of the page empty; then at the last place no worse than a weak keep.
            let paginator = Paginator {
                flow,
                leading: m.leading,
                separator: m.separator,
                full: m.full,
            };
            let has_other = fill
                .lines
                .iter()
                .any(|&l| flat.get(l).is_some_and(|v| v.float))
                || !state.carried.is_empty();
            let lowest = if has_other { state.pos } else { state.pos + 1 };
            let find = |max: Cost| {
                (lowest..fill.end)
                    .rev()
                    .find(|&e| e == state.pos || flat.get(e).is_some_and(|l| l.cost <= max))
            };
            let shorter = |end: Option<usize>| {
                end.map(|e| paginator.fill(flat, state, capacity, Some(e)))
                    .filter(|f| f.end > state.pos || !f.lines.is_empty() || !f.notes.is_empty())
            };
            let within = |f: &Fill, lines: f64| fill.used - f.used <= m.leading * lines + EPSILON;
            let allowed = shorter(find(Cost::Allowed));
            let weak_short = if strict { MAX_SHORT_WEAK } else { 0.0 };
            let choice = match cost {
                Cost::Weak => allowed.filter(|a| within(a, weak_short)),
                // A strong keep: a good break a couple of lines up; else a weak one as
                // near; else a good break further up; else whatever keeps the page fullest.
                _ => {
                    let weak = shorter(find(Cost::Weak));
                    match (allowed, weak) {
                        (Some(a), _) if within(&a, weak_short) => Some(a),
                        (a, Some(w)) if within(&w, MAX_SHORT_WEAK) => Some(w).or(a),
                        (Some(a), _) if strict && within(&a, MAX_SHORT_STRONG) => Some(a),
                        (a, w) => w.or(a),
                    }
                }
            };
            if let Some(short) = choice {
                fill = short;
            }
        }
    }
    if cost_at(flat, fill.end).1 && fill.end < flat.len() {
        // A page ending in a hyphen: break the paragraph again so that its line at the
        // page end keeps its word whole (only a paragraph starting on the page, so earlier
        // pages stay as they are).
        let last = fill.end.checked_sub(1).and_then(|l| flat.get(l)).cloned();
        let starts_here = last.as_ref().is_some_and(|v| {
            flat.iter()
                .position(|w| w.element == v.element)
                .is_some_and(|first| first >= state.pos && flat[first].line == 0)
        });
        if let Some(v) = last.filter(|_| starts_here)
            && let Some(Element::Para(p)) = flow.elements.get(v.element)
            && p.no_hyphen.is_none()
            && let Some(laid) = super::flow::without_hyphen_at(ctx, p, v.line)
        {
            if let Some(Element::Para(p)) = flow.elements.get_mut(v.element) {
                p.no_hyphen = Some(laid);
            }
            let (trial_flat, trial) = refill(flow, window, parts, state, capacity);
            let (c2, s2) = cost_at(&trial_flat, trial.end);
            if c2 == Cost::Allowed && !s2 && trial.end > state.pos {
                *flat = trial_flat;
                fill = trial;
            } else if let Some(Element::Para(p)) = flow.elements.get_mut(v.element) {
                p.no_hyphen = None;
            }
        }
    }
    // The chapter's last page of text (figures may still follow, each on a page of its own),
    // or the last before a forced page break: it ends where the text does.
    let last_page = (fill.end >= flat.len()
        || flat.get(fill.end).is_some_and(|v| v.page_break_before))
        && fill.carried.is_empty();
    // Notes stand at the page's foot, so a page with notes ends there whatever its text;
    // so does a page of figures alone, lowered onto the foot.
    let figures_only = !fill.lines.is_empty()
        && fill
            .lines
            .iter()
            .all(|&l| flat.get(l).is_some_and(|v| v.float));
    let drop = if figures_only && fill.notes.is_empty() && !last_page {
        (capacity - fill.used).max(Pt::ZERO)
    } else {
        Pt::ZERO
    };
    let short = if fill.notes.is_empty() && drop == Pt::ZERO {
        let lines = ((capacity - fill.used).0 / m.leading.0 - 1e-6)
            .ceil()
            .max(0.0);
        m.leading * lines
    } else {
        Pt::ZERO
    };
    // Commit the page: what it holds, by element and line.
    let mut placed = Vec::with_capacity(fill.lines.len());
    for (&l, &space) in fill.lines.iter().zip(&fill.spaces) {
        if let Some(v) = flat.get(l) {
            placed.push(Placed {
                element: v.element,
                line: v.line,
                space,
            });
        }
    }
    let progress = fill.end > state.pos || !placed.is_empty() || !fill.notes.is_empty();
    *state = State {
        pos: if progress { fill.end } else { state.pos },
        pending: fill.deferred,
        carried: fill.carried,
        placed_notes: fill.placed_notes,
    };
    let plan = PagePlan {
        placed,
        notes: fill.notes,
        sink,
        cut,
        drop,
    };
    (plan, short, last_page)
}

/// The pages of one chapter. `first_capacity` is the room below the chapter's sink on its
/// opening page.
///
/// Pages are set a spread at a time: when a page of the spread must end short (a keep it
/// could not satisfy), the spread is set again with both pages that much shorter, so that
/// facing pages end on the same baseline.
pub(crate) fn paginate(
    ctx: &mut Ctx<'_>,
    flow: &mut ChapterFlow,
    first_capacity: Pt,
    start_recto: bool,
) -> Vec<PagePlan> {
    let m = Measures {
        full: ctx.geometry.body_capacity(),
        leading: ctx.geometry.leading,
        separator: ctx.geometry.leading * 0.75,
    };
    let mut plans: Vec<PagePlan> = Vec::new();
    let mut window = Window::of(flow, &m);
    let mut flat = flatten(flow, &window);
    let total_lines: usize = flow.elements.iter().map(|e| e.lines().len()).sum();
    let mut state = State::default();
    // Notes on the title of a chapter with no text of its own go on its first page.
    if !flat.iter().any(|v| !v.float) && !flow.title_notes.is_empty() {
        let paginator = Paginator {
            flow,
            leading: m.leading,
            separator: m.separator,
            full: m.full,
        };
        let refs: Vec<usize> = flow.title_notes.iter().map(|k| k.note).collect();
        let (notes, lines) = paginator.new_notes(&refs, &state.placed_notes);
        state.placed_notes.extend(notes);
        state.carried = lines;
    }
    let more = |state: &State, flat: &[VLine]| {
        state.pos < flat.len() || !state.pending.is_empty() || !state.carried.is_empty()
    };
    let mut guard = 0usize;
    let limit = 4 * (total_lines + flow.notes.iter().map(|n| n.lines.len()).sum::<usize>()) + 64;
    while more(&state, &flat) {
        guard += 1;
        if guard > limit {
            // The ledger reports whatever was not placed.
            break;
        }
        // A long chapter's window moves on to where this spread starts (or to a figure
        // waiting from before it).
        let base = state.pending.iter().copied().fold(state.pos, usize::min);
        let passed = window.start.element;
        let moved = window.advance(flow, &flat, base);
        if moved > 0 {
            // The paragraphs before the window are set for good: what re-breaking them
            // would need goes (a long chapter's flow holds it for every paragraph).
            for element in flow
                .elements
                .iter_mut()
                .take(window.start.element)
                .skip(passed)
            {
                if let Element::Para(p) = element {
                    p.release();
                }
            }
            flat = flatten(flow, &window);
            state.pos -= moved;
            for pending in &mut state.pending {
                *pending -= moved;
            }
        }
        let index = plans.len();
        let recto = start_recto == index.is_multiple_of(2);
        // A recto opens a spread of its own only at the chapter's start.
        let count = if recto { 1 } else { 2 };
        let saved = Saved::take(flow, &state, &window);
        let short_before = ctx.report.short_pages;
        let short_pages = |spread: &[PagePlan]| spread.iter().filter(|p| p.cut > Pt::ZERO).count();
        // Sets the spread with its pages `cut` shorter (the recto `recto_cut` more); returns
        // the pages, the most any page but a chapter's last ends short, and how short each
        // page but a chapter's last ends.
        let set_spread = |ctx: &mut Ctx<'_>,
                          flow: &mut ChapterFlow,
                          flat: &mut Vec<VLine>,
                          state: &mut State,
                          cut: Pt,
                          recto_cut: Pt,
                          strict: bool| {
            let mut spread = Vec::with_capacity(count);
            let mut worst = Pt::ZERO;
            let mut shorts = Vec::with_capacity(count);
            for k in 0..count {
                if !more(state, flat) {
                    break;
                }
                let i = index + k;
                let sink = if i == 0 {
                    m.full - first_capacity
                } else {
                    Pt::ZERO
                };
                let cut = if k == 1 { cut + recto_cut } else { cut };
                let capacity = (m.full - sink - cut).max(m.leading);
                let (plan, short, last) = set_page(
                    ctx, flow, &window, flat, state, m, capacity, sink, cut, strict,
                );
                if !last {
                    worst = worst.max(short);
                }
                shorts.push((!last).then_some(short));
                spread.push(plan);
            }
            (spread, worst, shorts)
        };
        let set = |ctx: &mut Ctx<'_>,
                   flow: &mut ChapterFlow,
                   flat: &mut Vec<VLine>,
                   state: &mut State,
                   cut: Pt,
                   strict: bool| {
            let (spread, worst, _) = set_spread(ctx, flow, flat, state, cut, Pt::ZERO, strict);
            (spread, worst)
        };
        let (mut spread, worst) = set(ctx, flow, &mut flat, &mut state, Pt::ZERO, true);
        // (A chapter's opening recto faces the end of the chapter before: no depth to keep.)
        if worst > EPSILON && count == 2 {
            // A page of the spread ends short. First try what a compositor tries: a
            // paragraph on the verso one line longer or shorter, so that the recto's break
            // falls elsewhere.
            let mut candidates: Vec<(f64, usize, i32)> = Vec::new();
            if spread.len() == 2 {
                for placed in spread[0].placed.iter().filter(|p| p.line == 0) {
                    let Some(Element::Para(p)) = flow.elements.get_mut(placed.element) else {
                        continue;
                    };
                    let base = p.demerits(p.current).unwrap_or(0.0);
                    for looseness in [-1, 1] {
                        if looseness != p.current
                            && let Some(d) = rate(ctx, p, looseness)
                        {
                            candidates.push((d - base, placed.element, looseness));
                        }
                    }
                }
            }
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut mended = false;
            for &(_, element, looseness) in candidates.iter().take(8) {
                state = saved.restore(flow);
                if let Some(Element::Para(p)) = flow.elements.get_mut(element) {
                    lay_out(ctx, p, looseness);
                    p.current = looseness;
                }
                flat = flatten(flow, &window);
                ctx.report.short_pages = short_before;
                let (trial, worst) = set(ctx, flow, &mut flat, &mut state, Pt::ZERO, true);
                if worst <= EPSILON {
                    spread = trial;
                    mended = true;
                    ctx.report.mended += 1;
                    break;
                }
            }
            if !mended && worst >= m.full * 0.5 {
                // Nothing to gain by shortening: the spread as first set.
                state = saved.restore(flow);
                flat = flatten(flow, &window);
                ctx.report.short_pages = short_before;
                spread = set(ctx, flow, &mut flat, &mut state, Pt::ZERO, true).0;
            } else if !mended {
                // Else both pages end as high: the spread is set again that much shorter
                // (and again, should a page now need to end higher still); at the last, a
                // weak keep gives way rather than shorten it further.
                let mut cut = worst;
                let mut strict = cut <= m.leading * MAX_SHORT_WEAK + EPSILON;
                while cut < m.full * 0.5 {
                    state = saved.restore(flow);
                    flat = flatten(flow, &window);
                    ctx.report.short_pages = short_before;
                    let (trial, more_short, shorts) =
                        set_spread(ctx, flow, &mut flat, &mut state, cut, Pt::ZERO, strict);
                    spread = trial;
                    if more_short > EPSILON
                        && !strict
                        && let [Some(verso), Some(recto)] = shorts[..]
                        && recto > verso + EPSILON
                    {
                        // The recto still ends higher: the spread that much shorter, if
                        // that levels it; else as it was.
                        state = saved.restore(flow);
                        flat = flatten(flow, &window);
                        ctx.report.short_pages = short_before;
                        let (deeper, still, _) = set_spread(
                            ctx,
                            flow,
                            &mut flat,
                            &mut state,
                            cut + (recto - verso),
                            Pt::ZERO,
                            strict,
                        );
                        if still <= EPSILON {
                            spread = deeper;
                        } else {
                            state = saved.restore(flow);
                            flat = flatten(flow, &window);
                            ctx.report.short_pages = short_before;
                            spread =
                                set_spread(ctx, flow, &mut flat, &mut state, cut, Pt::ZERO, strict)
                                    .0;
                        }
                    } else if more_short > EPSILON
                        && !strict
                        && let [Some(verso), Some(recto)] = shorts[..]
                        && verso > recto + EPSILON
                    {
                        // The verso still ends higher (a table row or a keep that would not
                        // break): the recto ends as high, so that the spread stays level.
                        state = saved.restore(flow);
                        flat = flatten(flow, &window);
                        ctx.report.short_pages = short_before;
                        spread = set_spread(
                            ctx,
                            flow,
                            &mut flat,
                            &mut state,
                            cut,
                            verso - recto,
                            strict,
                        )
                        .0;
                    }
                    if more_short <= EPSILON || !strict {
                        break;
                    }
                    // Shorter still, while the spread loses no more than a couple of lines;
                    // past that, the weak keep gives way.
                    if cut + more_short <= m.leading * MAX_SHORT_WEAK + EPSILON {
                        cut += more_short;
                    } else {
                        strict = false;
                    }
                }
                ctx.report.short_pages = short_before + short_pages(&spread);
            }
        }
        plans.append(&mut spread);
    }
    plans
}

/// Draws the pages of a chapter: its lines at their places, the notes at the foot.
pub(crate) fn draw(ctx: &Ctx<'_>, flow: &mut ChapterFlow, plans: &[PagePlan]) -> Vec<PageBody> {
    let geometry = &ctx.geometry;
    let leading = geometry.leading;
    let separator = leading * 0.75;
    let last_baseline = geometry.last_baseline();
    let mut out = Vec::with_capacity(plans.len());
    for plan in plans {
        let mut body = PageBody::default();
        let mut top = geometry.first_baseline() - leading + plan.sink + plan.drop;
        let mut text_started = false;
        let mut float_start = None;
        for placed in &plan.placed {
            top += placed.space;
            let Some(element) = flow.elements.get(placed.element) else {
                continue;
            };
            let Some(line) = element.lines().get(placed.line) else {
                continue;
            };
            if !matches!(element, Element::Float(_)) {
                // A table continued from the page before: its head row again (a copy,
                // not the manuscript's text a second time: the ledger counts placements).
                if !text_started
                    && let Element::Fixed(f) = element
                    && f.repeat_head
                    && placed.line > 0
                    && let Some(head) = f.lines.first()
                {
                    mark(&mut body, head, top);
                    top += head.height;
                }
                text_started = true;
            }
            match element {
                Element::Para(p) => {
                    if body.start.is_none() {
                        body.start = Some((p.span, plain_offset(p, line.source_start)));
                    }
                    if placed.line == 0
                        && let Some((title, level)) = &p.outline
                    {
                        body.anchors.push((title.clone(), *level, top));
                    }
                }
                Element::Fixed(f) => {
                    // A page that starts inside verse, code or a table starts at that
                    // block (the EPUB marks pages at paragraphs and block starts).
                    body.start.get_or_insert((f.span, 0));
                    if placed.line == 0
                        && let Some((title, level)) = &f.anchor
                    {
                        body.anchors.push((title.clone(), *level, top));
                    }
                }
                // A figure starts the page only when no text does (a page of figures).
                Element::Float(f) => float_start = float_start.or(Some(f.span)),
                _ => {}
            }
            if let Some(span) = element.span() {
                body.sources.push((body.items.len(), span));
            }
            let height = line.height;
            // A paragraph's line is drawn once: its items move onto the page rather than
            // being copied (a book's every glyph would be, a second time).
            if !matches!(element, Element::Para(_)) {
                mark(&mut body, line, top);
            } else if let Some(Element::Para(p)) = flow.elements.get_mut(placed.element) {
                let mut items = p.take_line_items(placed.line);
                for item in &mut items {
                    item.translate(Pt::ZERO, top);
                }
                body.items.append(&mut items);
                if let Some(line) = p.lines().get(placed.line) {
                    mark_links(&mut body, line, top);
                }
            }
            top += height;
        }
        if body.start.is_none() {
            body.start = float_start.map(|span| (span, 0));
        }
        // Footnotes: the last note line's baseline on the last baseline of the block.
        let lines: Vec<(&LineBox, quire_model::Span)> = plan
            .notes
            .iter()
            .filter_map(|n| {
                let block = flow.notes.get(n.note)?;
                Some((block.lines.get(n.line)?, block.span))
            })
            .collect();
        if !lines.is_empty() {
            let note_h = lines
                .iter()
                .map(|(l, _)| l.height)
                .fold(Pt::ZERO, |a, b| a + b);
            let mut y = last_baseline - plan.cut - note_h;
            body.items.push(Item::Rule(Rule {
                rect: Rect {
                    origin: Point {
                        x: Pt::ZERO,
                        y: y - separator * 0.45,
                    },
                    width: geometry.text_width * 0.3,
                    height: Pt(0.4),
                },
            }));
            for (line, span) in lines {
                body.sources.push((body.items.len(), span));
                mark(&mut body, line, y);
                y += line.height;
            }
        }
        out.push(body);
    }
    out
}

/// Draws a line's items with their top at `top`, and notes its anchors and links.
fn mark(body: &mut PageBody, line: &LineBox, top: Pt) {
    for item in &line.items {
        body.items.push(item.translated(Pt::ZERO, top));
    }
    mark_links(body, line, top);
}

/// Notes a line's anchors and links, its top at `top`.
pub(crate) fn mark_links(body: &mut PageBody, line: &LineBox, top: Pt) {
    for id in &line.anchors {
        body.anchor_marks.push((id.clone(), top));
    }
    for (rect, target) in &line.links {
        let mut rect = *rect;
        rect.origin.y += top;
        body.links.push((rect, target.clone()));
    }
}

/// Characters of a paragraph's plain text before byte `at` of its styled text: footnote
/// markers (which the model's plain text leaves out) are not counted.
fn plain_offset(para: &super::flow::Para, at: usize) -> usize {
    let text = para.prepared.text();
    // The markers in order, walked alongside the text (a paragraph may hold thousands).
    let mut markers: Vec<&std::ops::Range<usize>> = para.markers.iter().map(|(r, _)| r).collect();
    markers.sort_by_key(|r| r.start);
    let mut next = 0;
    let mut count: usize = 0;
    for (i, _) in text.char_indices() {
        if i >= at {
            break;
        }
        while markers.get(next).is_some_and(|r| r.end <= i) {
            next += 1;
        }
        if !markers.get(next).is_some_and(|r| r.contains(&i)) {
            count += 1;
        }
    }
    count.saturating_sub(para.lead_chars)
}
