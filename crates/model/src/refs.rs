//! What cross-references and links need to know about the book's anchors, worked out once
//! from the model so that both editions number chapters and figures alike.

use std::collections::BTreeMap;

use crate::content::{Block, BlockKind, ChapterKind, Division, Inline, InlineKind, RefKind};
use crate::{Book, Span};

/// Where each anchor of the book is and what it names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnchorIndex {
    /// Anchor id -> index of its chapter in reading order (`Book::chapters()`).
    pub chapter: BTreeMap<String, usize>,
    /// Anchor id -> a label for it: the heading or chapter title it names or is under.
    pub label: BTreeMap<String, String>,
    /// Anchor id -> the number of the figure it names ("2.1"), for anchors just before a
    /// figure or in its caption.
    pub figure: BTreeMap<String, String>,
    /// Reading-order chapter index -> its number among the body's chapters ("chapter 3"),
    /// parts not counted.
    pub chapter_number: BTreeMap<usize, usize>,
    /// Figures some cross-reference names, by the span of their block -> their number: their
    /// captions are numbered ("Figure 2-1").
    pub numbered_figures: BTreeMap<(u32, u32), String>,
    /// Anchor id -> the number of the listing it names ("3-2"): anchors just before a code
    /// block (a fence's `{#id}` is one).
    pub listing: BTreeMap<String, String>,
    /// Listings (code blocks with a caption or an id), by the span of their block -> their
    /// number ("3-2"), counted per chapter.
    pub numbered_listings: BTreeMap<(u32, u32), String>,
}

fn key(span: Span) -> (u32, u32) {
    (span.file.0, span.start)
}

fn inline_anchors(inlines: &[Inline], out: &mut Vec<String>) {
    for inline in inlines {
        match &inline.kind {
            InlineKind::Anchor(id) => out.push(id.clone()),
            other => {
                if let Some(c) = other.children() {
                    inline_anchors(c, out);
                }
            }
        }
    }
}

/// The ids of a block that only marks a place: `<a id="x">` on a line of its own, as an
/// anchor block or as a paragraph holding nothing else (CommonMark reads `<a id="x"></a>`
/// as a paragraph). `None` for a block with content.
fn anchors_only(block: &Block) -> Option<Vec<String>> {
    match &block.kind {
        BlockKind::Anchor(id) => Some(vec![id.clone()]),
        BlockKind::Paragraph(content) | BlockKind::Aligned { content, .. } => {
            let mut ids = Vec::new();
            for inline in content {
                match &inline.kind {
                    InlineKind::Anchor(id) => ids.push(id.clone()),
                    InlineKind::Text(t) if t.trim().is_empty() => {}
                    InlineKind::LineBreak => {}
                    _ => return None,
                }
            }
            (!ids.is_empty()).then_some(ids)
        }
        _ => None,
    }
}

struct Walk<'i> {
    index: &'i mut AnchorIndex,
    chapter: usize,
    number: String,
    figures: usize,
    listings: usize,
    label: String,
    /// The ids cross-references name as figures: only those figures are numbered, so
    /// that the numbers run without gaps.
    named_figures: &'i [String],
}

impl Walk<'_> {
    fn name(&mut self, id: &str) {
        self.index
            .chapter
            .entry(id.to_string())
            .or_insert(self.chapter);
        self.index
            .label
            .entry(id.to_string())
            .or_insert_with(|| self.label.clone());
    }

    fn blocks(&mut self, blocks: &[Block]) {
        let mut before_figure: Vec<String> = Vec::new();
        for block in blocks {
            if let Some(ids) = anchors_only(block) {
                for id in ids {
                    self.name(&id);
                    before_figure.push(id);
                }
                continue;
            }
            match &block.kind {
                BlockKind::Heading { id, content, .. } => {
                    self.label = crate::collapse_spaces(&Inline::plain_text(content));
                    self.name(id);
                }
                BlockKind::CodeBlock { caption, .. }
                    if caption.is_some() || !before_figure.is_empty() =>
                {
                    self.listings += 1;
                    let number = format!("{}-{}", self.number, self.listings);
                    for id in std::mem::take(&mut before_figure) {
                        self.name(&id);
                        self.index.listing.insert(id, number.clone());
                    }
                    self.index.numbered_listings.insert(key(block.span), number);
                }
                BlockKind::Figure(figure) => {
                    let mut ids = std::mem::take(&mut before_figure);
                    if let Some(caption) = &figure.caption {
                        inline_anchors(caption, &mut ids);
                    }
                    let numbered = ids.iter().any(|id| self.named_figures.contains(id));
                    if numbered {
                        self.figures += 1;
                    }
                    let number = format!("{}-{}", self.number, self.figures);
                    for id in ids {
                        self.name(&id);
                        if numbered {
                            self.index.figure.insert(id, number.clone());
                        }
                    }
                }
                BlockKind::BlockQuote(inner) => self.blocks(inner),
                BlockKind::List(list) => {
                    for item in &list.items {
                        self.blocks(&item.blocks);
                    }
                }
                _ => {}
            }
            before_figure.clear();
            let mut ids = Vec::new();
            match &block.kind {
                BlockKind::Paragraph(c)
                | BlockKind::Aligned { content: c, .. }
                | BlockKind::Heading { content: c, .. } => inline_anchors(c, &mut ids),
                BlockKind::Verse(stanzas) => {
                    for line in stanzas.iter().flatten() {
                        inline_anchors(&line.content, &mut ids);
                    }
                }
                BlockKind::Table(table) => {
                    for cell in table.head.iter().chain(table.rows.iter().flatten()) {
                        inline_anchors(&cell.content, &mut ids);
                    }
                }
                _ => {}
            }
            for id in ids {
                self.name(&id);
            }
        }
    }
}

impl Book {
    /// Every anchor of the book: its chapter, a label, the figure it names; the body
    /// chapters' numbers; and which figures cross-references name (their captions get a
    /// number).
    pub fn anchor_index(&self) -> AnchorIndex {
        let mut index = AnchorIndex::default();
        // The figures cross-references name.
        let mut named: Vec<String> = Vec::new();
        for chapter in self.chapters() {
            let mut visit = |inlines: &[Inline]| collect_figure_refs(inlines, &mut named);
            for block in &chapter.blocks {
                each_inlines(block, &mut visit);
            }
            for note in &chapter.footnotes {
                for block in &note.blocks {
                    each_inlines(block, &mut visit);
                }
            }
        }
        let mut body_number = 0;
        for (ci, chapter) in self.chapters().enumerate() {
            let number = if chapter.division == Division::Body && chapter.kind != ChapterKind::Part
            {
                body_number += 1;
                index.chapter_number.insert(ci, body_number);
                body_number.to_string()
            } else {
                // Front and back matter figures: numbered within the chapter's id.
                chapter.id.clone()
            };
            let title = chapter.title_text.clone().unwrap_or_else(|| {
                crate::Labels::of(&self.metadata.language)
                    .kind(chapter.kind)
                    .to_string()
            });
            let mut walk = Walk {
                index: &mut index,
                chapter: ci,
                number,
                figures: 0,
                listings: 0,
                label: title.clone(),
                named_figures: &named,
            };
            walk.name(&chapter.id);
            if let Some(t) = &chapter.title {
                let mut ids = Vec::new();
                inline_anchors(t, &mut ids);
                for id in ids {
                    walk.name(&id);
                }
            }
            walk.blocks(&chapter.blocks);
            for note in &chapter.footnotes {
                walk.label = format!("note {}", note.number);
                walk.name(&note.id);
                walk.blocks(&note.blocks);
            }
        }
        if !named.is_empty() {
            // The spans of the figures named: walk again, matching anchors to figures.
            let mut numbered = BTreeMap::new();
            for chapter in self.chapters() {
                mark_figures(
                    &chapter.blocks,
                    &index,
                    &named,
                    &mut numbered,
                    &mut Vec::new(),
                );
            }
            index.numbered_figures = numbered;
        }
        index
    }
}

fn collect_figure_refs(inlines: &[Inline], out: &mut Vec<String>) {
    for inline in inlines {
        match &inline.kind {
            InlineKind::CrossRef {
                target,
                kind: RefKind::Figure,
            } => out.push(target.clone()),
            other => {
                if let Some(c) = other.children() {
                    collect_figure_refs(c, out);
                }
            }
        }
    }
}

fn each_inlines(block: &Block, f: &mut dyn FnMut(&[Inline])) {
    match &block.kind {
        BlockKind::Paragraph(c)
        | BlockKind::Aligned { content: c, .. }
        | BlockKind::Heading { content: c, .. } => f(c),
        BlockKind::BlockQuote(inner) => {
            for b in inner {
                each_inlines(b, f);
            }
        }
        BlockKind::List(list) => {
            for item in &list.items {
                for b in &item.blocks {
                    each_inlines(b, f);
                }
            }
        }
        BlockKind::Verse(stanzas) => {
            for line in stanzas.iter().flatten() {
                f(&line.content);
            }
        }
        BlockKind::Figure(figure) => {
            if let Some(c) = &figure.caption {
                f(c);
            }
        }
        BlockKind::Table(table) => {
            for cell in table.head.iter().chain(table.rows.iter().flatten()) {
                f(&cell.content);
            }
        }
        _ => {}
    }
}

/// Marks the figures whose anchors are in `named`, with their numbers.
fn mark_figures(
    blocks: &[Block],
    index: &AnchorIndex,
    named: &[String],
    out: &mut BTreeMap<(u32, u32), String>,
    pending: &mut Vec<String>,
) {
    for block in blocks {
        if let Some(ids) = anchors_only(block) {
            pending.extend(ids);
            continue;
        }
        match &block.kind {
            BlockKind::Figure(figure) => {
                let mut ids = std::mem::take(pending);
                if let Some(caption) = &figure.caption {
                    inline_anchors(caption, &mut ids);
                }
                if let Some(id) = ids.iter().find(|id| named.contains(id))
                    && let Some(number) = index.figure.get(id)
                {
                    out.insert(key(block.span), number.clone());
                }
            }
            BlockKind::BlockQuote(inner) => mark_figures(inner, index, named, out, &mut Vec::new()),
            BlockKind::List(list) => {
                for item in &list.items {
                    mark_figures(&item.blocks, index, named, out, &mut Vec::new());
                }
            }
            _ => {}
        }
        pending.clear();
    }
}

impl AnchorIndex {
    /// The number a figure's caption carries ("2.1"), when a cross-reference names it.
    pub fn figure_number(&self, figure_span: Span) -> Option<&str> {
        self.numbered_figures
            .get(&key(figure_span))
            .map(String::as_str)
    }

    /// The number a listing's caption carries ("3-2"), when the code block is a listing
    /// (it has a caption or an id).
    pub fn listing_number(&self, code_span: Span) -> Option<&str> {
        self.numbered_listings
            .get(&key(code_span))
            .map(String::as_str)
    }

    /// What a cross-reference prints for everything but a page number: "chapter 3",
    /// "figure 2-1", "listing 3-2"; `None` for a page reference (the typesetter knows the page) or an
    /// anchor with no such number.
    pub fn reference_text(&self, target: &str, kind: RefKind) -> Option<String> {
        match kind {
            RefKind::Page => None,
            RefKind::Chapter => self
                .chapter
                .get(target)
                .and_then(|c| self.chapter_number.get(c))
                .map(|n| format!("chapter {n}")),
            RefKind::Figure => self.figure.get(target).map(|n| format!("figure {n}")),
            RefKind::Listing => self.listing.get(target).map(|n| format!("listing {n}")),
        }
    }
}
