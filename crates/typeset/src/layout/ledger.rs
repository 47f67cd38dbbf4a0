//! The ledger: what the typesetter promises about content, checked where it is decided.
//!
//! Every block, footnote, figure and caption of the manuscript is set and placed exactly
//! once; body text comes in source order; a figure only moves forward (to a later place or
//! page, never before the text it follows); a note never starts before the page of its
//! reference and notes keep their order; nothing is drawn outside the trimmed page. A
//! broken promise is an error at the block's place in the manuscript, so a build never
//! writes a book that silently lost or repeated text.

use std::collections::{BTreeMap, BTreeSet};

use quire_model::{Block, BlockKind, Chapter, Diagnostic, Span};

use super::flow::{ChapterFlow, Element};
use super::paginate::PagePlan;
use crate::frame::Page;
use crate::units::Pt;

fn key(span: Span) -> (u32, u32, u32) {
    (span.file.0, span.start, span.end)
}

fn error(span: Span, message: String) -> Diagnostic {
    Diagnostic::error(span, message).with_hint(
        "this is a bug in Quire's typesetter, not in the book: please report it with this file",
    )
}

/// What a block is, in words, for messages.
fn kind_name(kind: &BlockKind) -> &'static str {
    match kind {
        BlockKind::Paragraph(_) | BlockKind::Aligned { .. } => "paragraph",
        BlockKind::Heading { .. } => "heading",
        BlockKind::BlockQuote(_) => "block quote",
        BlockKind::Verse(_) => "verse",
        BlockKind::List(_) => "list",
        BlockKind::SceneBreak => "scene break",
        BlockKind::Figure(_) => "figure",
        BlockKind::Table(_) => "table",
        BlockKind::CodeBlock { .. } => "code block",
        BlockKind::PageBreak => "page break",
        BlockKind::Anchor(_) => "anchor",
        BlockKind::Index(_) => "index",
    }
}

/// Every block (and table cell) of the model, depth first.
fn walk<'b>(blocks: &'b [Block], out: &mut Vec<(Span, &'static str, &'b Block)>) {
    for block in blocks {
        out.push((block.span, kind_name(&block.kind), block));
        match &block.kind {
            BlockKind::BlockQuote(inner) => walk(inner, out),
            BlockKind::List(list) => {
                for item in &list.items {
                    walk(&item.blocks, out);
                }
            }
            _ => {}
        }
    }
}

/// Checks one chapter's flow and pages: every model block set, every line placed once and
/// in order, figures only moved forward, notes placed once, in order, not before their
/// reference.
pub(crate) fn check_chapter(
    chapter: &Chapter,
    flow: &ChapterFlow,
    plans: &[PagePlan],
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();

    // Every block of the model (body and notes) was set.
    let set: BTreeSet<(u32, u32, u32)> = flow.set_blocks.iter().copied().map(key).collect();
    let mut blocks = Vec::new();
    walk(&chapter.blocks, &mut blocks);
    for note in &chapter.footnotes {
        walk(&note.blocks, &mut blocks);
    }
    for (span, name, block) in &blocks {
        if !set.contains(&key(*span)) {
            errors.push(error(
                *span,
                format!("the typesetter did not set this {name}"),
            ));
        }
        if let BlockKind::Table(table) = &block.kind {
            for cell in table.head.iter().chain(table.rows.iter().flatten()) {
                if !set.contains(&key(cell.span)) {
                    errors.push(error(
                        cell.span,
                        "the typesetter did not set this table cell".into(),
                    ));
                }
            }
        }
    }

    // Where each line went: (page, order on the page).
    let mut at: BTreeMap<(usize, usize), Vec<(usize, usize)>> = BTreeMap::new();
    let mut sequence: Vec<(usize, usize, usize)> = Vec::new();
    for (page, plan) in plans.iter().enumerate() {
        for (order, placed) in plan.placed.iter().enumerate() {
            at.entry((placed.element, placed.line))
                .or_default()
                .push((page, order));
            sequence.push((page, placed.element, placed.line));
        }
    }
    for (e, element) in flow.elements.iter().enumerate() {
        let Some(span) = element.span() else { continue };
        let count = element.lines().len();
        for line in 0..count {
            match at.get(&(e, line)).map_or(0, Vec::len) {
                1 => {}
                0 => {
                    errors.push(error(
                        span,
                        format!(
                            "line {} of {count} of this block was lost in pagination",
                            line + 1
                        ),
                    ));
                    break;
                }
                n => {
                    errors.push(error(
                        span,
                        format!("line {} of this block was printed {n} times", line + 1),
                    ));
                    break;
                }
            }
        }
        let extra = at.range((e, count)..(e + 1, 0)).count();
        if extra > 0 {
            errors.push(error(
                span,
                format!("pagination placed {extra} line(s) this block does not have"),
            ));
        }
    }

    // Text in source order; figures in order among themselves and never before the text
    // that precedes them.
    let is_float = |e: usize| matches!(flow.elements.get(e), Some(Element::Float(_)));
    let mut last_text: Option<(usize, usize)> = None;
    let mut last_float: Option<usize> = None;
    for &(_, e, l) in &sequence {
        if is_float(e) {
            if last_float.is_some_and(|f| f >= e)
                && let Some(span) = flow.elements.get(e).and_then(Element::span)
            {
                errors.push(error(span, "a figure was placed out of order".into()));
            }
            last_float = Some(e);
            continue;
        }
        if last_text.is_some_and(|t| t >= (e, l))
            && let Some(span) = flow.elements.get(e).and_then(Element::span)
        {
            errors.push(error(
                span,
                "this block was placed out of source order".into(),
            ));
        }
        last_text = Some((e, l));
    }
    let page_of = |e: usize, l: usize| at.get(&(e, l)).and_then(|v| v.first()).map(|p| p.0);
    for (e, element) in flow.elements.iter().enumerate() {
        let Element::Float(float) = element else {
            continue;
        };
        let Some(float_page) = page_of(e, 0) else {
            continue;
        };
        // The last line of text before the figure in the manuscript.
        let before = flow.elements[..e]
            .iter()
            .enumerate()
            .rev()
            .filter(|(i, _)| !is_float(*i))
            .find_map(|(i, el)| el.lines().len().checked_sub(1).map(|l| (i, l)));
        if let Some((i, l)) = before
            && let Some(text_page) = page_of(i, l)
            && float_page < text_page
        {
            errors.push(error(
                float.span,
                format!(
                    "a figure was moved back, to a page before the text it follows ({} < {})",
                    float_page + 1,
                    text_page + 1
                ),
            ));
        }
    }

    // Notes: every line once, notes in order, never before their first reference.
    let mut note_at: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    let mut note_sequence: Vec<(usize, usize)> = Vec::new();
    for (page, plan) in plans.iter().enumerate() {
        for n in &plan.notes {
            note_at.entry((n.note, n.line)).or_default().push(page);
            note_sequence.push((n.note, n.line));
        }
    }
    let mut first_ref: BTreeMap<usize, usize> = BTreeMap::new();
    for key in &flow.title_notes {
        first_ref.entry(key.note).or_insert(0);
    }
    for (page, plan) in plans.iter().enumerate() {
        for placed in &plan.placed {
            if let Some(line) = flow
                .elements
                .get(placed.element)
                .and_then(|e| e.lines().get(placed.line))
            {
                for key in &line.notes {
                    first_ref.entry(key.note).or_insert(page);
                }
            }
        }
    }
    // A note referred to from another note comes with it: its first reference is the
    // earlier of its own in the text and that note's.
    let mut changed = true;
    while changed {
        changed = false;
        for (n, block) in flow.notes.iter().enumerate() {
            if let Some(&page) = first_ref.get(&n) {
                for &r in &block.refs {
                    match first_ref.get(&r) {
                        Some(&own) if own <= page => {}
                        _ => {
                            first_ref.insert(r, page);
                            changed = true;
                        }
                    }
                }
            }
        }
    }
    for (n, block) in flow.notes.iter().enumerate() {
        let label = chapter
            .footnotes
            .get(n)
            .map_or_else(|| (n + 1).to_string(), |f| f.label.clone());
        if block.lines.is_empty() {
            errors.push(error(
                block.span,
                format!("footnote [^{label}] was set with no lines"),
            ));
            continue;
        }
        for line in 0..block.lines.len() {
            match note_at.get(&(n, line)).map_or(0, Vec::len) {
                1 => {}
                0 => {
                    errors.push(error(
                        block.span,
                        format!(
                            "footnote [^{label}] was not printed (line {} of {})",
                            line + 1,
                            block.lines.len()
                        ),
                    ));
                    break;
                }
                k => {
                    errors.push(error(
                        block.span,
                        format!("footnote [^{label}] was printed {k} times"),
                    ));
                    break;
                }
            }
        }
        if let (Some(&reference), Some(first)) = (
            first_ref.get(&n),
            note_at.get(&(n, 0)).and_then(|v| v.first()),
        ) && *first < reference
        {
            errors.push(error(
                block.span,
                format!(
                    "footnote [^{label}] starts on a page before its reference ({} < {})",
                    first + 1,
                    reference + 1
                ),
            ));
        }
    }
    // A caption's notes go with its figure, which may float past text with later notes:
    // they are left out of the order (their place is checked above).
    let caption_notes: BTreeSet<usize> = flow
        .elements
        .iter()
        .filter(|e| matches!(e, Element::Float(_)))
        .flat_map(|e| {
            e.lines()
                .iter()
                .flat_map(|l| l.notes.iter().map(|k| k.note))
        })
        .collect();
    note_sequence.retain(|(n, _)| !caption_notes.contains(n));
    if note_sequence.windows(2).any(|w| w[0] >= w[1])
        && let Some(first) = flow.notes.first()
    {
        errors.push(error(
            first.span,
            "footnotes were printed out of order".into(),
        ));
    }
    errors
}

/// Checks that nothing on a finished page is drawn outside the trimmed page. `sources`
/// names the block each run of items came from (item index, span); `fallback` is where to
/// point for items of no block (running heads, titles).
pub(crate) fn check_page_bounds(
    page: &Page,
    index: usize,
    width: Pt,
    height: Pt,
    sources: &[(usize, Span)],
    fallback: Option<Span>,
) -> Option<Diagnostic> {
    let tolerance = Pt(0.5);
    for (i, item) in page.items.iter().enumerate() {
        let Some((left, right, top, bottom)) = item.extent() else {
            continue;
        };
        let inside = left >= -tolerance
            && right <= width + tolerance
            && top >= -tolerance
            && bottom <= height + tolerance;
        if inside {
            continue;
        }
        let span = sources
            .iter()
            .rev()
            .find(|(start, _)| *start <= i)
            .map(|(_, s)| *s)
            .or(fallback)
            .unwrap_or_default();
        return Some(error(
            span,
            format!(
                "page {} draws outside the trimmed page ({:.1} to {:.1} pt across a {:.1} pt page, {:.1} to {:.1} pt down a {:.1} pt page)",
                index + 1,
                left.0,
                right.0,
                width.0,
                top.0,
                bottom.0,
                height.0
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Item;
    use crate::layout::flow::{Cost, Fixed, Float, NoteBlock};
    use crate::layout::paginate::{NoteLine, Placed};
    use crate::layout::{LineBox, NoteKey};
    use quire_model::{Footnote, Inline, InlineKind};

    fn span(start: u32) -> Span {
        Span {
            start,
            end: start + 1,
            line: start,
            column: 1,
            ..Span::default()
        }
    }

    fn line(notes: &[usize]) -> LineBox {
        LineBox {
            height: Pt(12.0),
            notes: notes
                .iter()
                .map(|&note| NoteKey { chapter: 0, note })
                .collect(),
            ..LineBox::default()
        }
    }

    fn paragraph(at: u32) -> Block {
        Block {
            kind: BlockKind::Paragraph(vec![Inline {
                kind: InlineKind::Text("x".into()),
                span: span(at),
            }]),
            span: span(at),
        }
    }

    /// A chapter of two three-line blocks, a figure between them, and one two-line note
    /// referenced on the second block's first line.
    fn setup() -> (Chapter, ChapterFlow) {
        let chapter = Chapter {
            blocks: vec![paragraph(1), paragraph(2), paragraph(3)],
            footnotes: vec![Footnote {
                label: "a".into(),
                number: 1,
                id: "n1".into(),
                blocks: vec![paragraph(9)],
                span: span(9),
            }],
            ..Chapter::default()
        };
        let fixed = |lines: Vec<LineBox>, at: u32| {
            let breaks = vec![Cost::Allowed; lines.len()];
            Element::Fixed(Fixed::with_breaks(lines, breaks, span(at)))
        };
        let flow = ChapterFlow {
            elements: vec![
                fixed(vec![line(&[]), line(&[]), line(&[])], 1),
                Element::Float(Float {
                    band: line(&[]),
                    span: span(2),
                }),
                fixed(vec![line(&[0]), line(&[]), line(&[])], 3),
            ],
            notes: vec![NoteBlock {
                lines: vec![line(&[]), line(&[])],
                refs: Vec::new(),
                span: span(9),
            }],
            title_notes: Vec::new(),
            set_blocks: vec![span(1), span(2), span(3), span(9)],
        };
        (chapter, flow)
    }

    fn plan(placed: &[(usize, usize)], notes: &[(usize, usize)]) -> PagePlan {
        PagePlan {
            placed: placed
                .iter()
                .map(|&(element, line)| Placed {
                    element,
                    line,
                    space: Pt::ZERO,
                })
                .collect(),
            notes: notes
                .iter()
                .map(|&(note, line)| NoteLine { note, line })
                .collect(),
            ..PagePlan::default()
        }
    }

    fn messages(chapter: &Chapter, flow: &ChapterFlow, plans: &[PagePlan]) -> Vec<String> {
        check_chapter(chapter, flow, plans)
            .into_iter()
            .map(|d| format!("{}: {}", d.span.map_or(0, |s| s.line), d.message))
            .collect()
    }

    #[test]
    fn a_faithful_pagination_passes() {
        let (chapter, flow) = setup();
        // The figure waits for the second page while the text flows on.
        let plans = [
            plan(&[(0, 0), (0, 1), (0, 2), (2, 0)], &[(0, 0), (0, 1)]),
            plan(&[(1, 0), (2, 1), (2, 2)], &[]),
        ];
        assert!(messages(&chapter, &flow, &plans).is_empty());
    }

    #[test]
    fn lost_repeated_and_reordered_content_is_an_error_at_its_block() {
        let (chapter, flow) = setup();
        let lost = [plan(
            &[(0, 0), (0, 1), (1, 0), (2, 0), (2, 1), (2, 2)],
            &[(0, 0), (0, 1)],
        )];
        assert_eq!(
            messages(&chapter, &flow, &lost),
            ["1: line 3 of 3 of this block was lost in pagination"]
        );
        let twice = [
            plan(&[(0, 0), (0, 1), (0, 2), (1, 0)], &[]),
            plan(&[(1, 0), (2, 0), (2, 1), (2, 2)], &[(0, 0), (0, 1)]),
        ];
        let found = messages(&chapter, &flow, &twice);
        assert!(
            found.iter().any(|m| m.contains("printed 2 times")),
            "{found:?}"
        );
        let swapped = [plan(
            &[(0, 0), (0, 2), (0, 1), (1, 0), (2, 0), (2, 1), (2, 2)],
            &[(0, 0), (0, 1)],
        )];
        let found = messages(&chapter, &flow, &swapped);
        assert!(
            found.iter().any(|m| m.contains("out of source order")),
            "{found:?}"
        );
    }

    #[test]
    fn a_figure_moved_back_and_notes_out_of_place_are_errors() {
        let (chapter, flow) = setup();
        let back = [
            plan(&[(1, 0), (0, 0)], &[]),
            plan(&[(0, 1), (0, 2), (2, 0), (2, 1), (2, 2)], &[(0, 0), (0, 1)]),
        ];
        let found = messages(&chapter, &flow, &back);
        assert!(found.iter().any(|m| m.contains("moved back")), "{found:?}");
        let early = [
            plan(&[(0, 0), (0, 1), (0, 2), (1, 0)], &[(0, 0), (0, 1)]),
            plan(&[(2, 0), (2, 1), (2, 2)], &[]),
        ];
        let found = messages(&chapter, &flow, &early);
        assert_eq!(
            found,
            ["9: footnote [^a] starts on a page before its reference (1 < 2)"]
        );
        let missing = [plan(
            &[(0, 0), (0, 1), (0, 2), (1, 0), (2, 0), (2, 1), (2, 2)],
            &[(0, 0)],
        )];
        let found = messages(&chapter, &flow, &missing);
        assert_eq!(found, ["9: footnote [^a] was not printed (line 2 of 2)"]);
    }

    #[test]
    fn a_block_the_flow_never_set_is_an_error() {
        let (chapter, mut flow) = setup();
        flow.set_blocks.retain(|s| s.start != 9);
        let plans = [plan(
            &[(0, 0), (0, 1), (0, 2), (1, 0), (2, 0), (2, 1), (2, 2)],
            &[(0, 0), (0, 1)],
        )];
        assert_eq!(
            messages(&chapter, &flow, &plans),
            ["9: the typesetter did not set this paragraph"]
        );
    }

    #[test]
    fn drawing_outside_the_trim_is_an_error() {
        let page = Page {
            items: vec![Item::Rule(crate::frame::Rule {
                rect: crate::frame::Rect {
                    origin: crate::frame::Point {
                        x: Pt(380.0),
                        y: Pt(100.0),
                    },
                    width: Pt(30.0),
                    height: Pt(1.0),
                },
            })],
            ..Page::default()
        };
        let found = check_page_bounds(&page, 4, Pt(396.0), Pt(612.0), &[(0, span(7))], None);
        let found = found.expect("an error");
        assert_eq!(found.span.map(|s| s.line), Some(7));
        assert!(
            found.message.contains("page 5 draws outside"),
            "{}",
            found.message
        );
        assert!(check_page_bounds(&page, 4, Pt(420.0), Pt(612.0), &[], None).is_none());
    }
}
