//! Blocks to vertical material: every paragraph shaped and broken once (and again with
//! looseness +1/-1 when pagination asks), headings, quotes, verse, lists, tables, figures,
//! scene breaks, and the footnotes of a chapter.

use quire_model::{
    Alignment, Block, BlockKind, Chapter, Figure, Inline, InlineKind, List, Span, Table, VerseLine,
};

use super::{Align, Ctx, LineBox, NoteKey, StyledText};
use crate::font::FontVariant;
use crate::frame::{Item, Point, Rect, Rule};
use crate::paragraph::{ParagraphOptions, PreparedParagraph, RunStyle};
use crate::units::Pt;

/// A paragraph that pagination may re-break one line longer or shorter.
pub(crate) struct Para {
    pub(crate) prepared: PreparedParagraph,
    pub(crate) x: Pt,
    pub(crate) markers: Vec<(std::ops::Range<usize>, NoteKey)>,
    /// Laid out with looseness -1, 0, +1 (index 0, 1, 2), computed when first asked for.
    pub(crate) layouts: [Option<Laid>; 3],
    /// The looseness in use.
    pub(crate) current: i32,
    /// Items drawn on the first line before the text (a list marker).
    pub(crate) first_line_extra: Vec<Item>,
    /// A layout whose line at a page end does not end in a hyphen; used instead of the
    /// looseness layouts when set.
    pub(crate) no_hyphen: Option<Laid>,
    pub(crate) span: Span,
}

/// One layout of a paragraph.
pub(crate) struct Laid {
    pub(crate) lines: Vec<LineBox>,
    pub(crate) demerits: f64,
    /// False when the asked-for looseness could not be reached.
    pub(crate) achieved: bool,
}

/// Lines that stay as they are.
pub(crate) struct Fixed {
    pub(crate) lines: Vec<LineBox>,
    /// No page break between this and the next element's first two lines (a heading).
    pub(crate) keep_with_next: bool,
    /// No page break between the previous element and this one (scene break).
    pub(crate) keep_with_previous: bool,
    /// No page break inside.
    pub(crate) unbreakable: bool,
    /// Outline entry for a section heading: title and level.
    pub(crate) anchor: Option<(String, u8)>,
}

/// Vertical material of a chapter.
pub(crate) enum Element {
    Para(Box<Para>),
    Fixed(Fixed),
    /// Space that vanishes at the top of a page.
    Space(Pt),
    /// A figure: goes to the top of the next page when it does not fit.
    Float(LineBox),
    /// A forced page break.
    PageBreak,
}

impl Para {
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

/// Footnotes of a chapter, set at the note size.
pub(crate) struct NoteBlock {
    pub(crate) lines: Vec<LineBox>,
}

pub(crate) struct ChapterFlow {
    pub(crate) elements: Vec<Element>,
    pub(crate) notes: Vec<NoteBlock>,
}

/// Sizes derived from the body size.
pub(crate) fn note_size(ctx: &Ctx<'_>) -> (Pt, Pt) {
    let size = ctx.geometry.size * 0.8;
    let leading = ctx.geometry.leading * 0.78;
    (size, leading)
}

/// Styled text of inlines; `small_caps_words` sets the first words in small capitals.
pub(crate) fn styled(
    inlines: &[Inline],
    size: Pt,
    base: FontVariant,
    chapter: usize,
    out: &mut StyledText,
) {
    for inline in inlines {
        match &inline.kind {
            InlineKind::Text(t) => out.push(t, style(base, size)),
            InlineKind::Code(t) => out.push(t, style(base, size)),
            InlineKind::Emphasis(inner) => {
                let v = match base {
                    FontVariant::Italic => FontVariant::Regular,
                    FontVariant::Bold => FontVariant::BoldItalic,
                    FontVariant::BoldItalic => FontVariant::Bold,
                    FontVariant::Regular => FontVariant::Italic,
                };
                styled(inner, size, v, chapter, out);
            }
            InlineKind::Strong(inner) => {
                let v = match base {
                    FontVariant::Italic | FontVariant::BoldItalic => FontVariant::BoldItalic,
                    _ => FontVariant::Bold,
                };
                styled(inner, size, v, chapter, out);
            }
            InlineKind::Link { content, .. } => styled(content, size, base, chapter, out),
            InlineKind::LineBreak => out.push("\n", style(base, size)),
            InlineKind::FootnoteRef(id) => {
                let number = (id.0 + 1).to_string();
                let start = out.len;
                out.push(&number, style(FontVariant::Regular, size * 0.62));
                out.markers.push((
                    start..out.len,
                    NoteKey {
                        chapter,
                        note: id.0,
                    },
                ));
            }
        }
    }
}

fn style(variant: FontVariant, size: Pt) -> RunStyle {
    style_of(variant, size, false)
}

/// A run style.
pub(crate) fn style_of(variant: FontVariant, size: Pt, small_caps: bool) -> RunStyle {
    RunStyle {
        variant,
        small_caps,
        size,
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
        } else if matches!(c, ',' | ';' | ':' | '.' | '!' | '?' | '—' | '–') {
            end = i;
            break;
        } else {
            in_word = true;
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

pub(crate) struct FlowBuilder<'c, 'a> {
    pub(crate) ctx: &'c mut Ctx<'a>,
    pub(crate) chapter_index: usize,
    elements: Vec<Element>,
    /// The next paragraph is not indented (after a heading, a break, at the start).
    no_indent: bool,
    /// The next paragraph opens the chapter (small caps).
    opening: bool,
}

impl<'c, 'a> FlowBuilder<'c, 'a> {
    pub(crate) fn new(ctx: &'c mut Ctx<'a>, chapter_index: usize, opening: bool) -> Self {
        FlowBuilder {
            ctx,
            chapter_index,
            elements: Vec::new(),
            no_indent: true,
            opening,
        }
    }

    pub(crate) fn finish(self) -> Vec<Element> {
        self.elements
    }

    fn leading(&self) -> Pt {
        self.ctx.geometry.leading
    }

    /// Adds the blocks at a left offset and measure.
    pub(crate) fn blocks(&mut self, blocks: &[Block], x: Pt, measure: Pt) {
        for block in blocks {
            self.block(block, x, measure);
        }
    }

    fn block(&mut self, block: &Block, x: Pt, measure: Pt) {
        let leading = self.leading();
        match &block.kind {
            BlockKind::Paragraph(content) => {
                let indent = !self.no_indent;
                self.paragraph(content, block.span, x, measure, indent);
            }
            BlockKind::Heading { level, content, .. } => {
                let size = self.ctx.geometry.size;
                let mut text = StyledText::default();
                let variant = if *level <= 2 {
                    FontVariant::Italic
                } else {
                    FontVariant::Regular
                };
                styled(content, size, variant, self.chapter_index, &mut text);
                let title = text.plain();
                let lines = self
                    .ctx
                    .set_ragged(&text, measure, Align::Left, leading, false);
                let lines = shift(lines, x);
                self.elements.push(Element::Space(leading));
                self.elements.push(Element::Fixed(Fixed {
                    lines,
                    keep_with_next: true,
                    keep_with_previous: false,
                    unbreakable: true,
                    anchor: Some((title, *level)),
                }));
                self.no_indent = true;
            }
            BlockKind::BlockQuote(inner) => {
                let indent = self.ctx.geometry.size * 1.5;
                self.elements.push(Element::Space(leading * 0.5));
                self.no_indent = true;
                self.blocks(inner, x + indent, measure - indent * 2.0);
                self.elements.push(Element::Space(leading * 0.5));
                self.no_indent = true;
            }
            BlockKind::Verse(stanzas) => self.verse(stanzas, x, measure),
            BlockKind::List(list) => self.list(list, x, measure),
            BlockKind::SceneBreak => {
                let size = self.ctx.geometry.size;
                let mut text = StyledText::default();
                text.push(
                    "*\u{a0}\u{a0}\u{a0}*\u{a0}\u{a0}\u{a0}*",
                    style(FontVariant::Regular, size),
                );
                let lines = shift(
                    self.ctx
                        .set_ragged(&text, measure, Align::Center, leading, false),
                    x,
                );
                self.elements.push(Element::Fixed(Fixed {
                    lines,
                    keep_with_next: true,
                    keep_with_previous: true,
                    unbreakable: true,
                    anchor: None,
                }));
                self.no_indent = true;
            }
            BlockKind::Figure(figure) => self.figure(figure, x, measure),
            BlockKind::Table(table) => self.table(table, x, measure),
            BlockKind::CodeBlock { text, .. } => {
                let size = self.ctx.geometry.size * 0.85;
                let mut lines = Vec::new();
                for line in text.lines() {
                    let mut t = StyledText::default();
                    t.push(
                        &line.replace(' ', "\u{a0}"),
                        style(FontVariant::Regular, size),
                    );
                    if t.is_blank() {
                        lines.push(LineBox {
                            height: leading,
                            ..LineBox::default()
                        });
                        continue;
                    }
                    lines.extend(shift(
                        self.ctx
                            .set_ragged(&t, measure - size * 2.0, Align::Left, leading, false),
                        x + size * 2.0,
                    ));
                }
                self.elements.push(Element::Space(leading * 0.5));
                self.elements.push(Element::Fixed(Fixed {
                    lines,
                    keep_with_next: false,
                    keep_with_previous: false,
                    unbreakable: false,
                    anchor: None,
                }));
                self.elements.push(Element::Space(leading * 0.5));
                self.no_indent = true;
            }
            BlockKind::PageBreak => {
                self.elements.push(Element::PageBreak);
                self.no_indent = true;
            }
        }
    }

    /// A justified paragraph.
    pub(crate) fn paragraph(
        &mut self,
        content: &[Inline],
        span: Span,
        x: Pt,
        measure: Pt,
        indent: bool,
    ) {
        let size = self.ctx.geometry.size;
        let mut text = StyledText::default();
        styled(
            content,
            size,
            FontVariant::Regular,
            self.chapter_index,
            &mut text,
        );
        if text.is_blank() {
            return;
        }
        if self.opening {
            small_caps_opening(&mut text);
            self.opening = false;
        }
        let mut options = self.ctx.body_options(measure);
        if !indent {
            options.indent = Pt::ZERO;
        }
        self.push_para(&text, options, span, x, Vec::new());
        self.no_indent = false;
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
            markers: text.markers.clone(),
            layouts: [None, None, None],
            current: 0,
            first_line_extra,
            no_hyphen: None,
            span,
        };
        lay_out(self.ctx, &mut para, 0);
        self.elements.push(Element::Para(Box::new(para)));
    }

    fn verse(&mut self, stanzas: &[Vec<VerseLine>], x: Pt, measure: Pt) {
        let leading = self.leading();
        let size = self.ctx.geometry.size;
        let em = size;
        let left = x + em * 2.0;
        let width = measure - em * 2.0;
        self.elements.push(Element::Space(leading * 0.5));
        for (s, stanza) in stanzas.iter().enumerate() {
            if s > 0 {
                self.elements.push(Element::Space(leading));
            }
            let count = stanza.len();
            for (i, line) in stanza.iter().enumerate() {
                let mut text = StyledText::default();
                styled(
                    &line.content,
                    size,
                    FontVariant::Regular,
                    self.chapter_index,
                    &mut text,
                );
                let indent = em * 0.5 * f64::from(line.indent.min(40));
                let lines = self.ctx.set_ragged(
                    &text,
                    (width - indent).max(em * 4.0),
                    Align::Left,
                    leading,
                    false,
                );
                // Keep the first two and last two lines of a stanza together.
                self.elements.push(Element::Fixed(Fixed {
                    lines: shift(lines, left + indent),
                    keep_with_next: i == 0 || i + 2 == count,
                    keep_with_previous: false,
                    unbreakable: true,
                    anchor: None,
                }));
            }
        }
        self.elements.push(Element::Space(leading * 0.5));
        self.no_indent = true;
    }

    fn list(&mut self, list: &List, x: Pt, measure: Pt) {
        let size = self.ctx.geometry.size;
        let indent = size * 1.8;
        let leading = self.leading();
        self.elements.push(Element::Space(leading * 0.5));
        for (i, item) in list.items.iter().enumerate() {
            let marker = match list.start {
                Some(start) => format!("{}.", start + i as u64),
                None => "•".to_string(),
            };
            let mut m = StyledText::default();
            m.push(&marker, style(FontVariant::Regular, size));
            let marker_lines =
                self.ctx
                    .set_ragged(&m, indent - size * 0.4, Align::Right, leading, false);
            let mut extra: Vec<Item> = marker_lines.into_iter().flat_map(|l| l.items).collect();
            for item in &mut extra {
                if let Item::Text(run) = item {
                    run.origin.x += x;
                }
            }
            let mut first = true;
            for block in &item.blocks {
                match &block.kind {
                    BlockKind::Paragraph(content) => {
                        let mut text = StyledText::default();
                        styled(
                            content,
                            size,
                            FontVariant::Regular,
                            self.chapter_index,
                            &mut text,
                        );
                        if text.is_blank() {
                            continue;
                        }
                        let mut options = self.ctx.body_options(measure - indent);
                        options.indent = Pt::ZERO;
                        let extra_items = if first {
                            std::mem::take(&mut extra)
                        } else {
                            Vec::new()
                        };
                        // The marker is placed relative to the block, not the item's text.
                        let extra_items = extra_items
                            .into_iter()
                            .map(|mut it| {
                                if let Item::Text(run) = &mut it {
                                    run.origin.x -= x + indent;
                                }
                                it
                            })
                            .collect();
                        self.push_para(&text, options, block.span, x + indent, extra_items);
                        first = false;
                    }
                    _ => self.block(block, x + indent, measure - indent),
                }
            }
        }
        self.elements.push(Element::Space(leading * 0.5));
        self.no_indent = true;
    }

    fn figure(&mut self, figure: &Figure, x: Pt, measure: Pt) {
        let leading = self.leading();
        let Some((image, px_w, px_h)) = self.ctx.image_ref(figure.image) else {
            return;
        };
        let size = self.ctx.geometry.size;
        let caption_lines = match &figure.caption {
            Some(caption) => {
                let mut text = StyledText::default();
                styled(
                    caption,
                    size * 0.9,
                    FontVariant::Italic,
                    self.chapter_index,
                    &mut text,
                );
                self.ctx
                    .set_ragged(&text, measure, Align::Center, leading, true)
            }
            None => Vec::new(),
        };
        let caption_height = leading * caption_lines.len() as f64;
        let max_h = self.ctx.geometry.body_capacity() - caption_height - leading * 2.0;
        // Images come at 150-300 dpi; never enlarge past 150 dpi.
        let natural_w = Pt(f64::from(px_w) * 72.0 / 150.0);
        let mut w = natural_w.min(measure);
        let mut h = Pt(w.0 * f64::from(px_h) / f64::from(px_w.max(1)));
        if h > max_h {
            h = max_h.max(leading);
            w = Pt(h.0 * f64::from(px_w) / f64::from(px_h.max(1)));
        }
        // Snap the whole band to the baseline grid.
        let content = h + caption_height + leading * 0.5;
        let lines = (content.0 / leading.0).ceil();
        let band = leading * (lines + 1.0);
        let top = (band - content) * 0.5;
        let mut items = vec![Item::Image(crate::frame::PlacedImage {
            image,
            rect: Rect {
                origin: Point {
                    x: x + (measure - w) * 0.5,
                    y: top,
                },
                width: w,
                height: h,
            },
        })];
        let mut y = top + h + leading * 0.5;
        for line in caption_lines {
            for mut item in line.items {
                if let Item::Text(run) = &mut item {
                    run.origin.x += x;
                    run.origin.y += y;
                }
                items.push(item);
            }
            y += leading;
        }
        self.elements.push(Element::Float(LineBox {
            items,
            height: band,
            notes: Vec::new(),
            hyphenated: false,
            source_start: 0,
        }));
    }

    fn table(&mut self, table: &Table, x: Pt, measure: Pt) {
        let leading = self.leading();
        let size = self.ctx.geometry.size * 0.85;
        let row_leading = leading * 0.85;
        let columns = table
            .head
            .len()
            .max(table.rows.iter().map(Vec::len).max().unwrap_or(0))
            .max(1);
        // Column widths in proportion to each column's longest text, with a floor.
        let mut natural = vec![1usize; columns];
        for row in std::iter::once(&table.head).chain(&table.rows) {
            for (c, cell) in row.iter().enumerate() {
                let len = Inline::plain_text(&cell.content).chars().count().min(60);
                if let Some(n) = natural.get_mut(c) {
                    *n = (*n).max(len);
                }
            }
        }
        let gap = size;
        let total: usize = natural.iter().sum();
        let usable = measure - gap * (columns.saturating_sub(1)) as f64;
        let widths: Vec<Pt> = natural
            .iter()
            .map(|n| (usable * (*n as f64 / total.max(1) as f64)).max(size * 3.0))
            .collect();
        let scale = usable.0 / widths.iter().map(|w| w.0).sum::<f64>().max(1.0);
        let widths: Vec<Pt> = widths.iter().map(|w| *w * scale.min(1.0)).collect();
        let mut rows: Vec<LineBox> = Vec::new();
        let rule_h = Pt(0.4);
        for (r, row) in std::iter::once(&table.head).chain(&table.rows).enumerate() {
            if row.is_empty() {
                continue;
            }
            let variant = if r == 0 {
                FontVariant::Italic
            } else {
                FontVariant::Regular
            };
            let mut cells = Vec::new();
            let mut max_lines = 1;
            let mut cx = x;
            for (c, cell) in row.iter().enumerate() {
                let w = widths.get(c).copied().unwrap_or(size * 3.0);
                let mut text = StyledText::default();
                styled(&cell.content, size, variant, self.chapter_index, &mut text);
                let align = match table.alignments.get(c) {
                    Some(Alignment::Right) => Align::Right,
                    Some(Alignment::Center) => Align::Center,
                    _ => Align::Left,
                };
                let lines = if text.is_blank() {
                    Vec::new()
                } else {
                    self.ctx.set_ragged(&text, w, align, row_leading, true)
                };
                max_lines = max_lines.max(lines.len());
                cells.push((cx, lines));
                cx = cx + w + gap;
            }
            let mut items = Vec::new();
            for (cx, lines) in cells {
                for (i, line) in lines.into_iter().enumerate() {
                    for mut item in line.items {
                        if let Item::Text(run) = &mut item {
                            run.origin.x += cx;
                            run.origin.y += row_leading * i as f64;
                        }
                        items.push(item);
                    }
                }
            }
            let height = row_leading * max_lines as f64 + Pt(3.0);
            if r == 0 {
                items.push(Item::Rule(Rule {
                    rect: Rect {
                        origin: Point {
                            x,
                            y: height - Pt(1.5),
                        },
                        width: measure,
                        height: rule_h,
                    },
                }));
            }
            rows.push(LineBox {
                items,
                height,
                notes: Vec::new(),
                hyphenated: false,
                source_start: 0,
            });
        }
        self.elements.push(Element::Space(leading * 0.5));
        self.elements.push(Element::Fixed(Fixed {
            lines: rows,
            keep_with_next: false,
            keep_with_previous: false,
            unbreakable: false,
            anchor: None,
        }));
        self.elements.push(Element::Space(leading * 0.5));
        self.no_indent = true;
    }
}

/// Moves every item of the lines right by `dx`.
pub(crate) fn shift(mut lines: Vec<LineBox>, dx: Pt) -> Vec<LineBox> {
    for line in &mut lines {
        for item in &mut line.items {
            item.translate(dx, Pt::ZERO);
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
        let mut params = para.prepared.options().breaking.clone();
        params.looseness = looseness;
        let layout = ctx.ts.layout(&para.prepared, &params);
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
                    ctx.diagnostics.push(
                        quire_model::Diagnostic::warning(para.span, format!("paragraph {how}"))
                            .with_hint("rewording a line, or an allowed hyphenation in `[print] hyphenation-exceptions`, tightens it"),
                    );
                }
                crate::linebreak::Pass::First => {}
            }
            ctx.diagnostics.extend(layout.diagnostics.iter().cloned());
        }
        let lines = line_boxes(ctx, para, &layout);
        let achieved = looseness == 0 || layout.stats.looseness == looseness;
        para.layouts[index] = Some(Laid {
            lines,
            demerits: layout.stats.demerits,
            achieved,
        });
    }
    para.layouts[index].as_ref().is_some_and(|l| l.achieved)
}

fn line_boxes(
    ctx: &Ctx<'_>,
    para: &Para,
    layout: &crate::paragraph::ParagraphLayout,
) -> Vec<LineBox> {
    let leading = ctx.geometry.leading;
    let mut lines: Vec<LineBox> = layout
        .lines
        .iter()
        .map(|l| ctx.line_box(l, para.x, leading, &para.markers))
        .collect();
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
        && layout.stats.looseness == para.current
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
) -> ChapterFlow {
    let measure = ctx.geometry.text_width;
    let mut builder = FlowBuilder::new(ctx, index, opening);
    builder.blocks(&chapter.blocks, Pt::ZERO, measure);
    let elements = builder.finish();
    let notes = chapter
        .footnotes
        .iter()
        .map(|note| note_block(ctx, note, index, measure))
        .collect();
    ChapterFlow { elements, notes }
}

fn note_block(
    ctx: &mut Ctx<'_>,
    note: &quire_model::Footnote,
    chapter: usize,
    measure: Pt,
) -> NoteBlock {
    let (size, leading) = note_size(ctx);
    let mut lines = Vec::new();
    let mut first = true;
    let push_para = |ctx: &mut Ctx<'_>, content: &[Inline], span: Span, x: Pt, first: &mut bool| {
        let mut text = StyledText::default();
        if *first {
            text.push(
                &format!("{}.\u{a0}", note.number),
                style(FontVariant::Regular, size),
            );
        }
        styled(content, size, FontVariant::Regular, chapter, &mut text);
        text.markers.clear();
        let mut options = ParagraphOptions::book(measure - x, size);
        options.indent = if *first { size } else { Pt::ZERO };
        options.ragged_right = ctx.book.settings.print.ragged_right;
        let layout = ctx.set(&text, &options, span);
        ctx.diagnostics.extend(layout.diagnostics.iter().cloned());
        *first = false;
        layout
            .lines
            .iter()
            .map(|l| ctx.line_box(l, x, leading, &[]))
            .collect::<Vec<_>>()
    };
    for block in &note.blocks {
        match &block.kind {
            BlockKind::Paragraph(content) => {
                lines.extend(push_para(ctx, content, block.span, Pt::ZERO, &mut first))
            }
            BlockKind::BlockQuote(inner) => {
                for b in inner {
                    if let BlockKind::Paragraph(content) = &b.kind {
                        lines.extend(push_para(ctx, content, b.span, size * 1.5, &mut first));
                    }
                }
            }
            BlockKind::List(list) => {
                for item in &list.items {
                    for b in &item.blocks {
                        if let BlockKind::Paragraph(content) = &b.kind {
                            lines.extend(push_para(ctx, content, b.span, size * 1.5, &mut first));
                        }
                    }
                }
            }
            BlockKind::Verse(stanzas) => {
                for line in stanzas.iter().flatten() {
                    lines.extend(push_para(
                        ctx,
                        &line.content,
                        block.span,
                        size * 1.5,
                        &mut first,
                    ));
                }
            }
            _ => {}
        }
    }
    if lines.is_empty() {
        let mut text = StyledText::default();
        text.push(
            &format!("{}.", note.number),
            style(FontVariant::Regular, size),
        );
        lines = ctx.set_ragged(&text, measure, Align::Left, leading, false);
    }
    NoteBlock { lines }
}
