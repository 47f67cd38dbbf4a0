//! Pages from a chapter's vertical material, on a baseline grid.
//!
//! Every page is filled to the full number of lines. Where the break would leave a widow or
//! an orphan, split a heading from what follows, strand a scene break, or (softer) end a page
//! on a hyphen, a paragraph that starts on the page is re-broken one line shorter or longer
//! (Knuth-Plass looseness -1/+1), choosing the one whose demerits grow least, as a typesetter
//! does by hand; only when no such change works is the page left short. Footnotes go at the
//! foot of the page that references them and continue on the next page when they must.

use super::flow::{ChapterFlow, Element, lay_out};
use super::{Ctx, LineBox, NoteKey};
use crate::frame::{Item, Point, Rect, Rule};
use crate::units::Pt;

/// One line of the flattened material.
#[derive(Debug, Clone)]
struct VLine {
    element: usize,
    line: usize,
    height: Pt,
    space_before: Pt,
    /// A page break here would leave a widow, orphan, lone heading or stranded break.
    forbid_before: bool,
    /// A page break here would end the page on a hyphen.
    soft_before: bool,
    float: bool,
    page_break_before: bool,
    notes: Vec<NoteKey>,
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
}

fn flatten(flow: &ChapterFlow) -> Vec<VLine> {
    let mut out: Vec<VLine> = Vec::new();
    let mut space = Pt::ZERO;
    let mut page_break = false;
    // How many following lines must stay with what came before (heading, scene break).
    let mut keep_next = 0usize;
    for (e, element) in flow.elements.iter().enumerate() {
        let (lines, unbreakable, keep_with_next, keep_with_previous, is_para, float): (
            &[LineBox],
            bool,
            bool,
            bool,
            bool,
            bool,
        ) = match element {
            Element::Space(s) => {
                space += *s;
                continue;
            }
            Element::PageBreak => {
                page_break = true;
                continue;
            }
            Element::Para(p) => (p.lines(), false, false, false, true, false),
            Element::Fixed(f) => (
                &f.lines,
                f.unbreakable,
                f.keep_with_next,
                f.keep_with_previous,
                false,
                false,
            ),
            Element::Float(band) => (std::slice::from_ref(band), true, false, false, false, true),
        };
        let n = lines.len();
        for (i, line) in lines.iter().enumerate() {
            let mut forbid = false;
            if i == 0 && keep_with_previous {
                forbid = true;
            }
            if i > 0 && unbreakable {
                forbid = true;
            }
            if is_para && n >= 2 && (i == 1 || i + 1 == n) {
                forbid = true;
            }
            if keep_next > 0 && !float {
                forbid = true;
                keep_next -= 1;
            }
            let soft = i > 0 && lines.get(i - 1).is_some_and(|l| l.hyphenated);
            out.push(VLine {
                element: e,
                line: i,
                height: line.height,
                space_before: if i == 0 { space } else { Pt::ZERO },
                forbid_before: forbid && !(i == 0 && page_break),
                soft_before: soft,
                float,
                page_break_before: i == 0 && page_break,
                notes: line.notes.clone(),
            });
        }
        if n > 0 {
            space = Pt::ZERO;
            page_break = false;
        }
        if keep_with_next {
            keep_next = 2;
        }
    }
    // A chapter's last page holds at least two lines.
    if let Some(last) = out.last_mut()
        && !last.float
    {
        last.forbid_before = true;
    }
    out
}

struct Fill {
    /// Indices of the lines on the page, in order (floats deferred from before first).
    lines: Vec<usize>,
    /// Where the next page starts.
    end: usize,
    /// Floats that did not fit, for the next page.
    deferred: Vec<usize>,
    /// Note lines placed here, and those carried over.
    note_lines: Vec<LineBox>,
    carried: Vec<LineBox>,
}

struct Paginator<'f> {
    flow: &'f mut ChapterFlow,
    note_leading: Pt,
    separator: Pt,
}

impl Paginator<'_> {
    fn note_height(&self, lines: &[LineBox]) -> Pt {
        lines.iter().map(|l| l.height).fold(Pt::ZERO, |a, b| a + b)
    }

    fn fill(
        &self,
        flat: &[VLine],
        start: usize,
        pending: &[usize],
        carried: &[LineBox],
        capacity: Pt,
    ) -> Fill {
        let mut used = Pt::ZERO;
        let mut lines = Vec::new();
        let mut deferred = Vec::new();
        // Notes continued from the previous page come first, as many as leave room for a
        // few lines of text; a note longer than that continues again.
        let mut note_lines: Vec<LineBox> = Vec::new();
        let mut carried_out: Vec<LineBox> = Vec::new();
        let room_for_carried = capacity * 0.6;
        let mut acc = self.separator;
        for (k, line) in carried.iter().enumerate() {
            // (A last single line is taken along rather than carried alone.)
            if acc + line.height > room_for_carried && k > 0 && carried.len() - k >= 2 {
                carried_out.extend(carried[k..].iter().cloned());
                break;
            }
            acc += line.height;
            note_lines.push(line.clone());
        }
        let mut notes_h = if note_lines.is_empty() {
            Pt::ZERO
        } else {
            self.note_height(&note_lines) + self.separator
        };
        // Floats deferred from the previous page come first.
        for &f in pending {
            if let Some(line) = flat.get(f)
                && (lines.is_empty() || used + line.height + notes_h <= capacity)
            {
                used += line.height;
                lines.push(f);
            } else {
                deferred.push(f);
            }
        }
        let mut i = start;
        let mut placed_text = false;
        while i < flat.len() {
            let line = &flat[i];
            if line.page_break_before && (placed_text || i > start) {
                break;
            }
            let space = if lines.is_empty() {
                Pt::ZERO
            } else {
                line.space_before
            };
            if line.float {
                if used + space + line.height + notes_h <= capacity {
                    used = used + space + line.height;
                    lines.push(i);
                } else {
                    deferred.push(i);
                }
                i += 1;
                continue;
            }
            let mut new_notes: Vec<LineBox> = Vec::new();
            for key in &line.notes {
                if let Some(block) = self.flow.notes.get(key.note) {
                    new_notes.extend(block.lines.iter().cloned());
                }
            }
            let new_h = self.note_height(&new_notes);
            let sep = if notes_h == Pt::ZERO && !new_notes.is_empty() {
                self.separator
            } else {
                Pt::ZERO
            };
            let need = used + space + line.height + notes_h + new_h + sep;
            if need <= capacity + Pt(0.01) {
                used = used + space + line.height;
                notes_h = notes_h + new_h + sep;
                note_lines.extend(new_notes);
                lines.push(i);
                placed_text = true;
                i += 1;
                continue;
            }
            // The notes do not fit whole: place what fits (at least two lines) and carry on.
            if !new_notes.is_empty() && carried_out.is_empty() {
                let room = capacity - (used + space + line.height + notes_h + sep);
                let fit = (room.0 / self.note_leading.0).floor().max(0.0) as usize;
                // Neither part of a split note shorter than two lines.
                let fit = if new_notes.len() > fit && new_notes.len() - fit < 2 {
                    fit.saturating_sub(1)
                } else {
                    fit
                };
                if fit >= 2 || (fit >= 1 && new_notes.len() <= 1) {
                    let rest = new_notes.split_off(fit.min(new_notes.len()));
                    note_lines.extend(new_notes);
                    carried_out = rest;
                    lines.push(i);
                    i += 1;
                    break;
                }
            }
            // Nothing placed yet: place the line anyway rather than loop forever, with as
            // much of its notes as fits.
            if !placed_text && lines.is_empty() {
                let room = capacity - (used + space + line.height + notes_h + sep);
                let fit = (room.0 / self.note_leading.0).floor().max(0.0) as usize;
                let rest = new_notes.split_off(fit.min(new_notes.len()));
                note_lines.extend(new_notes);
                carried_out.extend(rest);
                lines.push(i);
                i += 1;
            }
            break;
        }
        Fill {
            lines,
            end: i,
            deferred,
            note_lines,
            carried: carried_out,
        }
    }
}

/// The pages of one chapter. `first_capacity` is the room below the chapter's sink on its
/// opening page.
/// What pagination needs to go back to the start of a page.
struct Snapshot {
    pos: usize,
    pending: Vec<usize>,
    carried: Vec<LineBox>,
    currents: Vec<i32>,
}

fn currents(flow: &ChapterFlow) -> Vec<i32> {
    flow.elements
        .iter()
        .map(|e| match e {
            Element::Para(p) => p.current,
            _ => 0,
        })
        .collect()
}

pub(crate) fn paginate(
    ctx: &mut Ctx<'_>,
    flow: &mut ChapterFlow,
    first_capacity: Pt,
    start_recto: bool,
) -> Vec<(PageBody, Vec<LineBox>)> {
    let full = ctx.geometry.body_capacity();
    let (_, note_leading) = super::flow::note_size(ctx);
    let separator = ctx.geometry.leading * 0.75;
    // Each page with its capacity and how far its text is lowered (the opener's sink).
    let mut pages: Vec<(Fill, Pt, Pt)> = Vec::new();
    let mut snapshots: Vec<Snapshot> = Vec::new();
    // A page left short makes its facing page as short: capacity cuts by page index.
    let mut cuts: std::collections::BTreeMap<usize, Pt> = std::collections::BTreeMap::new();
    let mut redone: Vec<usize> = Vec::new();
    let mut flat = flatten(flow);
    let mut pos = 0;
    let mut pending: Vec<usize> = Vec::new();
    let mut carried: Vec<LineBox> = Vec::new();
    let mut guard = 0;
    while pos < flat.len() || !pending.is_empty() || !carried.is_empty() {
        guard += 1;
        if guard > 100_000 {
            break;
        }
        let index = pages.len();
        let recto = start_recto == index.is_multiple_of(2);
        snapshots.push(Snapshot {
            pos,
            pending: pending.clone(),
            carried: carried.clone(),
            currents: currents(flow),
        });
        let sink = if index == 0 {
            full - first_capacity
        } else {
            Pt::ZERO
        };
        let cut = cuts.get(&index).copied().unwrap_or(Pt::ZERO);
        let capacity = full - sink - cut;
        let mut shortfall = Pt::ZERO;
        let paginator = Paginator {
            flow,
            note_leading,
            separator,
        };
        let mut fill = paginator.fill(&flat, pos, &pending, &carried, capacity);
        let bad = |flat: &[VLine], end: usize| -> (bool, bool) {
            match flat.get(end) {
                Some(l) if !l.page_break_before => (l.forbid_before, l.soft_before),
                _ => (false, false),
            }
        };
        let (forbidden, soft) = bad(&flat, fill.end);
        if (forbidden || soft) && fill.end < flat.len() {
            // Try re-breaking one paragraph that starts on this page.
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
                        if lay_out(ctx, p, looseness)
                            && let Some(d) = p.demerits(looseness)
                        {
                            candidates.push((d - base, v.element, looseness));
                        }
                    }
                }
            }
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
            // Single changes first, cheapest first; then pairs of the cheapest changes in the
            // same direction (two paragraphs a line longer, or shorter).
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
            let mut mended = false;
            for trial_set in trials {
                for (element, looseness) in &trial_set {
                    if let Some(Element::Para(p)) = flow.elements.get_mut(*element) {
                        p.current = *looseness;
                    }
                }
                let trial_flat = flatten(flow);
                let paginator = Paginator {
                    flow,
                    note_leading,
                    separator,
                };
                let trial = paginator.fill(&trial_flat, pos, &pending, &carried, capacity);
                let (f2, s2) = bad(&trial_flat, trial.end);
                let ok = !f2 && (!s2 || !soft || forbidden) && trial.end > pos;
                if ok {
                    flat = trial_flat;
                    fill = trial;
                    mended = true;
                    if forbidden {
                        ctx.report.mended += 1;
                    }
                    break;
                }
                for (element, _) in &trial_set {
                    if let Some(Element::Para(p)) = flow.elements.get_mut(*element) {
                        p.current = 0;
                    }
                }
            }
            if !mended && forbidden {
                // Leave the page short: break at the last allowed place.
                // A page that already holds a figure or continued notes may end before its
                // first line of text.
                let has_other = fill
                    .lines
                    .iter()
                    .any(|&l| flat.get(l).is_some_and(|v| v.float))
                    || !carried.is_empty();
                let lowest = if has_other { pos } else { pos + 1 };
                let allowed_end = (lowest..fill.end)
                    .rev()
                    .find(|&e| e == pos || !flat.get(e).is_some_and(|l| l.forbid_before));
                if let Some(end) = allowed_end {
                    let paginator = Paginator {
                        flow,
                        note_leading,
                        separator,
                    };
                    let mut shorter = paginator.fill(&flat, pos, &pending, &carried, capacity);
                    // Cut the fill at `end`.
                    shorter.lines.retain(|&l| {
                        l < end || flat.get(l).is_some_and(|v| v.float && l < fill.end)
                    });
                    shorter.end = end;
                    // Notes of lines no longer on the page are recomputed below.
                    shorter.note_lines = carried.clone();
                    shorter.carried = Vec::new();
                    for &l in &shorter.lines {
                        if let Some(v) = flat.get(l) {
                            for key in &v.notes {
                                if let Some(block) = flow.notes.get(key.note) {
                                    shorter.note_lines.extend(block.lines.iter().cloned());
                                }
                            }
                        }
                    }
                    shortfall = fill
                        .lines
                        .iter()
                        .filter(|&&l| l >= end)
                        .filter_map(|&l| flat.get(l))
                        .filter(|v| !v.float)
                        .map(|v| v.height + v.space_before)
                        .fold(Pt::ZERO, |a, b| a + b);
                    fill = shorter;
                    ctx.report.short_pages += 1;
                }
            }
        }
        if bad(&flat, fill.end).1 && fill.end < flat.len() {
            // A page ending in a hyphen: break the paragraph again so that its line at
            // the page end keeps its word whole (only a paragraph starting on the page,
            // so earlier pages stay as they are).
            let last = fill.end.checked_sub(1).and_then(|l| flat.get(l)).cloned();
            let starts_here = last.as_ref().is_some_and(|v| {
                flat.iter()
                    .position(|w| w.element == v.element)
                    .is_some_and(|first| first >= pos)
            });
            if let Some(v) = last.filter(|_| starts_here)
                && let Some(Element::Para(p)) = flow.elements.get(v.element)
                && let Some(laid) = super::flow::without_hyphen_at(ctx, p, v.line)
            {
                if let Some(Element::Para(p)) = flow.elements.get_mut(v.element) {
                    p.no_hyphen = Some(laid);
                }
                let trial_flat = flatten(flow);
                let paginator = Paginator {
                    flow,
                    note_leading,
                    separator,
                };
                let trial = paginator.fill(&trial_flat, pos, &pending, &carried, capacity);
                let (f2, s2) = bad(&trial_flat, trial.end);
                if !f2 && !s2 && trial.end > pos {
                    flat = trial_flat;
                    fill = trial;
                } else if let Some(Element::Para(p)) = flow.elements.get_mut(v.element) {
                    p.no_hyphen = None;
                }
            }
        }
        let last_page =
            fill.end >= flat.len() && fill.deferred.is_empty() && fill.carried.is_empty();
        if shortfall > Pt::ZERO && !last_page {
            if !recto {
                // A short verso: its recto ends as high.
                cuts.insert(index + 1, shortfall);
            } else if index >= 1
                && !cuts.contains_key(&(index - 1))
                && !redone.contains(&(index - 1))
            {
                // A short recto after a full verso: set the verso again, as short.
                redone.push(index - 1);
                cuts.insert(index - 1, shortfall);
                if let Some(snapshot) = snapshots.get(index - 1) {
                    pos = snapshot.pos;
                    pending = snapshot.pending.clone();
                    carried = snapshot.carried.clone();
                    for (element, current) in flow.elements.iter_mut().zip(&snapshot.currents) {
                        if let Element::Para(p) = element {
                            p.current = *current;
                            p.no_hyphen = None;
                        }
                    }
                    flat = flatten(flow);
                    pages.truncate(index - 1);
                    snapshots.truncate(index - 1);
                    ctx.report.short_pages = ctx.report.short_pages.saturating_sub(1);
                    continue;
                }
            }
        }
        pos = fill.end.max(
            if fill.lines.is_empty() && fill.deferred.is_empty() && fill.note_lines.is_empty() {
                pos + 1
            } else {
                pos
            },
        );
        pending = fill.deferred.clone();
        carried = fill.carried.clone();
        pages.push((fill, capacity, sink));
    }

    // Draw.
    let geometry = &ctx.geometry;
    let leading = geometry.leading;
    let last_baseline = geometry.last_baseline();
    let mut out = Vec::with_capacity(pages.len());
    for (index, (fill, _capacity, sink)) in pages.into_iter().enumerate() {
        let mut body = PageBody::default();
        let mut top = geometry.first_baseline() - leading + sink;
        let mut first = true;
        for &l in &fill.lines {
            let Some(v) = flat.get(l) else { continue };
            if !first {
                top += v.space_before;
            }
            first = false;
            let line = match flow.elements.get(v.element) {
                Some(Element::Para(p)) => {
                    let line = p.lines().get(v.line);
                    if body.start.is_none()
                        && let Some(line) = line
                    {
                        body.start = Some((p.span, plain_offset(p, line.source_start)));
                    }
                    line
                }
                Some(Element::Fixed(f)) => {
                    if v.line == 0
                        && let Some((title, level)) = &f.anchor
                    {
                        body.anchors.push((title.clone(), *level, top));
                    }
                    f.lines.get(v.line)
                }
                Some(Element::Float(band)) => Some(band),
                _ => None,
            };
            if let Some(line) = line {
                for item in &line.items {
                    body.items.push(item.translated(Pt::ZERO, top));
                }
                top += line.height;
            }
        }
        let _ = index;
        // Footnotes: the last note line's baseline on the last baseline of the block.
        let note_h: Pt = fill
            .note_lines
            .iter()
            .map(|l| l.height)
            .fold(Pt::ZERO, |a, b| a + b);
        if !fill.note_lines.is_empty() {
            let mut y = last_baseline - note_h;
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
            for line in &fill.note_lines {
                for item in &line.items {
                    body.items.push(item.translated(Pt::ZERO, y));
                }
                y += line.height;
            }
        }
        out.push((body, fill.note_lines));
    }
    out
}

/// Characters of a paragraph's plain text before byte `at` of its styled text: footnote
/// markers (which the model's plain text leaves out) are not counted.
fn plain_offset(para: &super::flow::Para, at: usize) -> usize {
    let text = para.prepared.text();
    let mut count = 0;
    for (i, _) in text.char_indices() {
        if i >= at {
            break;
        }
        if !para.markers.iter().any(|(r, _)| r.contains(&i)) {
            count += 1;
        }
    }
    count
}
