//! Planning: file names, manifest ids and anchor ids for everything in the book, decided once
//! before any document is written, so a link can point forward into a later chapter.

use std::collections::{BTreeMap, HashMap, HashSet};

use quire_model::{
    AnchorIndex, Block, BlockKind, Book, Chapter, Division, ImageId, Inline, InlineKind,
};

use crate::escape::{Ids, safe_name};

/// Where an anchor of the model lives in the book.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The content document, relative to the `text/` folder (`chapter-1.xhtml`).
    pub(crate) file: String,
    /// The fragment, when the target is not the document itself.
    pub(crate) fragment: Option<String>,
}

/// One chapter's names.
#[derive(Debug)]
pub(crate) struct ChapterPlan<'a> {
    /// The chapter.
    pub(crate) chapter: &'a Chapter,
    /// The file name in `text/`.
    pub(crate) file: String,
    /// The manifest id.
    pub(crate) item_id: String,
    /// The id of the chapter's `section`.
    pub(crate) section_id: String,
    /// The id of the chapter's `h1`, when it has a title.
    pub(crate) title_id: String,
    /// Ids of the headings, in the order the renderer meets them (blocks, then footnotes).
    pub(crate) heading_ids: Vec<String>,
    /// The chapter's own top-level headings for the table of contents: level, id, label.
    pub(crate) sections: Vec<(u8, String, String)>,
    /// Ids of the footnotes' `aside`s, by footnote index.
    pub(crate) footnote_ids: Vec<String>,
    /// The label in tables of contents.
    pub(crate) label: String,
}

/// The names of the whole book.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    /// Chapters in reading order.
    pub(crate) chapters: Vec<ChapterPlan<'a>>,
    /// Model ids (chapters, headings, footnotes) to where they ended up.
    pub(crate) anchors: HashMap<String, Target>,
    /// Every image a figure uses, by id, with the file name it gets in `images/`.
    pub(crate) figure_images: BTreeMap<ImageId, String>,
    /// Chapter and figure numbers and labels for cross-references.
    pub(crate) index: AnchorIndex,
}

/// File names the generated documents use (in `text/`).
pub(crate) const COVER_FILE: &str = "cover.xhtml";
/// The title page.
pub(crate) const TITLE_FILE: &str = "titlepage.xhtml";
/// The copyright page.
pub(crate) const COPYRIGHT_FILE: &str = "copyright.xhtml";
/// The cover image's name in `images/`.
pub(crate) const COVER_IMAGE_STEM: &str = "cover";

/// Ids the generated documents and the package use.
const RESERVED_IDS: &[&str] = &[
    "pub-id",
    "title",
    "subtitle",
    "toc",
    "landmarks",
    "nav",
    "ncx",
    "css",
    "cover",
    "cover-image",
    "cover-page",
    "titlepage",
    "copyright",
];

/// Calls `f` on every block in rendering order: the chapter's blocks depth first, then the
/// footnotes' blocks; the flag is true for the chapter's own top-level blocks.
pub(crate) fn walk_chapter(chapter: &Chapter, f: &mut impl FnMut(&Block, bool)) {
    walk_blocks(&chapter.blocks, true, f);
    for note in &chapter.footnotes {
        walk_blocks(&note.blocks, false, f);
    }
}

fn walk_blocks(blocks: &[Block], top: bool, f: &mut impl FnMut(&Block, bool)) {
    for block in blocks {
        f(block, top);
        match &block.kind {
            BlockKind::BlockQuote(children) => walk_blocks(children, false, f),
            BlockKind::List(list) => {
                for item in &list.items {
                    walk_blocks(&item.blocks, false, f);
                }
            }
            _ => {}
        }
    }
}

/// Whitespace-normalised plain text of inlines.
pub(crate) fn plain_label(inlines: &[Inline]) -> String {
    quire_model::collapse_spaces(&Inline::plain_text(inlines))
}

/// Reserves the generated ids and names everything in the book.
pub(crate) fn plan<'a>(book: &'a Book, ids: &mut Ids) -> Plan<'a> {
    for id in RESERVED_IDS {
        ids.reserve(id);
    }
    let mut files: HashSet<String> = [COVER_FILE, TITLE_FILE, COPYRIGHT_FILE, "nav.xhtml"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    let mut anchors: HashMap<String, Target> = HashMap::new();
    let mut figure_images = BTreeMap::new();
    let mut image_names: HashSet<String> = HashSet::new();
    image_names.insert(COVER_IMAGE_STEM.to_string());
    let mut chapters = Vec::new();

    for (index, chapter) in book.chapters().enumerate() {
        let stem = safe_name(&chapter.id, &format!("chapter-{}", index + 1));
        let mut file = format!("{stem}.xhtml");
        let mut n = 2;
        while !files.insert(file.clone()) {
            file = format!("{stem}-{n}.xhtml");
            n += 1;
        }
        let item_id = ids.alloc(&format!("c-{}", file.trim_end_matches(".xhtml")));
        let section_id = ids.alloc(&chapter.id);
        let title_id = ids.alloc(&format!("{section_id}-title"));
        if !chapter.id.is_empty() {
            anchors.entry(chapter.id.clone()).or_insert(Target {
                file: file.clone(),
                fragment: None,
            });
        }

        let mut heading_ids = Vec::new();
        let mut sections = Vec::new();
        // `<a id>` anchors: the author's id, made unique among the EPUB's ids.
        let mut author_anchors: Vec<String> = Vec::new();
        walk_chapter(chapter, &mut |block, _| {
            if let BlockKind::Anchor(id) = &block.kind {
                author_anchors.push(id.clone());
            }
            each_inline_list(block, &mut |inlines| {
                anchors_in(inlines, &mut author_anchors)
            });
        });
        if let Some(title) = &chapter.title {
            anchors_in(title, &mut author_anchors);
        }
        for id in author_anchors {
            if let std::collections::hash_map::Entry::Vacant(slot) = anchors.entry(id) {
                let new = ids.alloc(slot.key());
                slot.insert(Target {
                    file: file.clone(),
                    fragment: Some(new),
                });
            }
        }
        walk_chapter(chapter, &mut |block, top| match &block.kind {
            BlockKind::Heading { id, level, content } => {
                let new = ids.alloc(if id.is_empty() { "section" } else { id });
                let label = plain_label(content);
                if top && !label.is_empty() {
                    sections.push((*level, new.clone(), label));
                }
                if !id.is_empty() {
                    anchors.entry(id.clone()).or_insert(Target {
                        file: file.clone(),
                        fragment: Some(new.clone()),
                    });
                }
                heading_ids.push(new);
            }
            BlockKind::Figure(figure) => {
                name_image(book, figure.image, &mut figure_images, &mut image_names);
            }
            // Pictures in table cells and inside lines of text (an icon, a badge).
            _ => each_inline_list(block, &mut |inlines| {
                inline_images(inlines, &mut |image| {
                    name_image(book, image, &mut figure_images, &mut image_names)
                })
            }),
        });

        let footnote_ids = chapter
            .footnotes
            .iter()
            .enumerate()
            .map(|(i, note)| {
                let wanted = if note.id.is_empty() {
                    format!("fn-{section_id}-{}", i + 1)
                } else {
                    note.id.clone()
                };
                let new = ids.alloc(&wanted);
                if !note.id.is_empty() {
                    anchors.entry(note.id.clone()).or_insert(Target {
                        file: file.clone(),
                        fragment: Some(new.clone()),
                    });
                }
                new
            })
            .collect();

        let title_text = chapter
            .title_text
            .clone()
            .or_else(|| chapter.title.as_ref().map(|t| Inline::plain_text(t)))
            .map(|t| quire_model::collapse_spaces(&t))
            .filter(|t| !t.is_empty());
        let label = title_text.unwrap_or_else(|| {
            quire_model::Labels::of(&book.metadata.language)
                .kind(chapter.kind)
                .to_string()
        });

        chapters.push(ChapterPlan {
            chapter,
            file,
            item_id,
            section_id,
            title_id,
            heading_ids,
            sections,
            footnote_ids,
            label,
        });
    }

    Plan {
        chapters,
        anchors,
        figure_images,
        index: book.anchor_index(),
    }
}

/// Gives an image used by the book its file name in `images/` (once).
fn name_image(
    book: &Book,
    image: ImageId,
    names: &mut BTreeMap<ImageId, String>,
    taken: &mut HashSet<String>,
) {
    let Some(asset) = book.image(image) else {
        return;
    };
    names.entry(image).or_insert_with(|| {
        let base = asset.path.rsplit('/').next().unwrap_or("");
        let base = base.rsplit_once('.').map_or(base, |(s, _)| s);
        let stem = safe_name(base, "image");
        let mut name = stem.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{stem}-{n}");
            n += 1;
        }
        name
    });
}

/// The `<a id>` anchors among inlines.
fn anchors_in(inlines: &[Inline], out: &mut Vec<String>) {
    for inline in inlines {
        match &inline.kind {
            InlineKind::Anchor(id) => out.push(id.clone()),
            other => {
                if let Some(c) = other.children() {
                    anchors_in(c, out);
                }
            }
        }
    }
}

/// Calls `f` on each list of inlines a block holds directly (not those of nested blocks).
/// Calls `f` with every picture inside `inlines`, links and emphasis included.
fn inline_images(inlines: &[Inline], f: &mut dyn FnMut(quire_model::ImageId)) {
    for inline in inlines {
        if let InlineKind::Image { image, .. } = &inline.kind {
            f(*image);
        }
        if let Some(children) = inline.kind.children() {
            inline_images(children, f);
        }
    }
}

pub(crate) fn each_inline_list(block: &Block, f: &mut dyn FnMut(&[Inline])) {
    match &block.kind {
        BlockKind::Paragraph(c)
        | BlockKind::Aligned { content: c, .. }
        | BlockKind::Heading { content: c, .. } => f(c),
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

impl Plan<'_> {
    /// The first chapter of the body (the `bodymatter` landmark), else the first chapter.
    pub(crate) fn body_start(&self) -> Option<&ChapterPlan<'_>> {
        self.chapters
            .iter()
            .find(|c| c.chapter.division == Division::Body)
            .or_else(|| self.chapters.first())
    }
}
