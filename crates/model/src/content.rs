//! Chapters, blocks, inlines, footnotes and images.

use crate::span::{FileId, Span};

/// Which part of the book a chapter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Division {
    /// Front matter: roman folios in print, `frontmatter` in the EPUB.
    Front,
    /// The body.
    #[default]
    Body,
    /// Back matter.
    Back,
}

/// What a chapter file is, as far as the book's structure goes (EPUB `epub:type`, print
/// conventions such as a dedication set without a heading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ChapterKind {
    /// An ordinary chapter.
    #[default]
    Chapter,
    /// A dedication.
    Dedication,
    /// An epigraph.
    Epigraph,
    /// A foreword (by someone other than the author).
    Foreword,
    /// A preface.
    Preface,
    /// An introduction.
    Introduction,
    /// A prologue.
    Prologue,
    /// An epilogue.
    Epilogue,
    /// An afterword.
    Afterword,
    /// Acknowledgments.
    Acknowledgments,
    /// An appendix.
    Appendix,
    /// A bibliography.
    Bibliography,
    /// A glossary.
    Glossary,
    /// A page holding only a picture (frontispiece).
    Frontispiece,
    /// A part title (`# Part One`): a page of its own in print, a level in the navigation;
    /// the chapters after it, up to the next part, belong to it.
    Part,
    /// The index, made by Quire from the manuscript's index markers.
    Index,
    /// Any other front or back matter.
    Other,
}

impl ChapterKind {
    /// An English label for a chapter of this kind that has no title ("Dedication"), for
    /// tables of contents, running heads and navigation.
    pub fn label(self) -> &'static str {
        match self {
            ChapterKind::Chapter | ChapterKind::Other => "Chapter",
            ChapterKind::Dedication => "Dedication",
            ChapterKind::Epigraph => "Epigraph",
            ChapterKind::Foreword => "Foreword",
            ChapterKind::Preface => "Preface",
            ChapterKind::Introduction => "Introduction",
            ChapterKind::Prologue => "Prologue",
            ChapterKind::Epilogue => "Epilogue",
            ChapterKind::Afterword => "Afterword",
            ChapterKind::Acknowledgments => "Acknowledgments",
            ChapterKind::Appendix => "Appendix",
            ChapterKind::Bibliography => "Bibliography",
            ChapterKind::Glossary => "Glossary",
            ChapterKind::Frontispiece => "Frontispiece",
            ChapterKind::Part => "Part",
            ChapterKind::Index => "Index",
        }
    }

    /// The EPUB structural semantics term (`epub:type`) for this kind.
    pub fn epub_type(self) -> &'static str {
        match self {
            ChapterKind::Chapter => "chapter",
            ChapterKind::Dedication => "dedication",
            ChapterKind::Epigraph => "epigraph",
            ChapterKind::Foreword => "foreword",
            ChapterKind::Preface => "preface",
            ChapterKind::Introduction => "introduction",
            ChapterKind::Prologue => "prologue",
            ChapterKind::Epilogue => "epilogue",
            ChapterKind::Afterword => "afterword",
            ChapterKind::Acknowledgments => "acknowledgments",
            ChapterKind::Appendix => "appendix",
            ChapterKind::Bibliography => "bibliography",
            ChapterKind::Glossary => "glossary",
            ChapterKind::Frontispiece => "frontispiece",
            ChapterKind::Part => "part",
            ChapterKind::Index => "index",
            ChapterKind::Other => "chapter",
        }
    }
}

/// One chapter file: a title (optional for a dedication), blocks and footnotes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chapter {
    /// Front, body or back matter.
    pub division: Division,
    /// What kind of chapter this is.
    pub kind: ChapterKind,
    /// A stable id, unique in the book, usable as a file name or anchor (`chapter-3`).
    pub id: String,
    /// The title from the file's first `#` heading, if any.
    pub title: Option<Vec<Inline>>,
    /// The title as plain text (no footnote markers), for tables of contents and running heads.
    pub title_text: Option<String>,
    /// Where the title heading is (or the start of the file).
    pub span: Span,
    /// The file the chapter came from.
    pub file: FileId,
    /// The content after the title.
    pub blocks: Vec<Block>,
    /// The footnotes referenced in this chapter, in order of first reference.
    pub footnotes: Vec<Footnote>,
}

/// A block with its source position.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// What the block is.
    pub kind: BlockKind,
    /// Where it came from.
    pub span: Span,
}

/// The kinds of block.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    /// A paragraph of running text.
    Paragraph(Vec<Inline>),
    /// A paragraph set centred or flush right, as HTML's `align` or `text-align` asks
    /// (`<p align="right">` under a letter, `<center>`); never indented.
    Aligned {
        /// [`Alignment::Center`] or [`Alignment::Right`].
        align: Alignment,
        /// The paragraph's text.
        content: Vec<Inline>,
    },
    /// A section heading inside a chapter (level 2 to 6; the chapter title is not a block).
    Heading {
        /// 2 for `##`, 3 for `###` ...
        level: u8,
        /// Anchor id, unique in the book.
        id: String,
        /// The heading text.
        content: Vec<Inline>,
    },
    /// A block quote (letters, extracts).
    BlockQuote(Vec<Block>),
    /// Verse: lines kept as written, grouped into stanzas.
    Verse(Vec<Vec<VerseLine>>),
    /// A bullet or numbered list.
    List(List),
    /// A scene break (thematic break).
    SceneBreak,
    /// An image with alt text and caption.
    Figure(Figure),
    /// A table.
    Table(Table),
    /// Preformatted code or text.
    CodeBlock {
        /// The language named by the info string (its first word, up to a comma), if any.
        language: Option<String>,
        /// The text, lines separated by `\n`.
        text: String,
        /// The listing's caption (`caption="..."` in the info string's attributes): a
        /// captioned code block, or one a link names, is a numbered listing ("Listing 3-2").
        caption: Option<Vec<Inline>>,
        /// The number of the first line when lines are numbered (`linenos`), else `None`.
        line_numbers: Option<u32>,
    },
    /// A forced page break in print (ignored in reflowable formats).
    PageBreak,
    /// A place a link can point to (`<a id="...">` on a line of its own): its id, unique in
    /// the book. Prints nothing.
    Anchor(String),
    /// The book's index, made from the manuscript's index markers: entries by first letter.
    Index(Vec<IndexGroup>),
}

impl BlockKind {
    /// Whether the chapter's opening words in small capitals still go to the first
    /// paragraph after this block, when it comes before any paragraph at the top of a
    /// chapter: after an epigraph (a quotation, verse), a picture, an anchor or a page break
    /// they do; after a heading, a list, a table, code or a centred line the chapter's text
    /// has begun, and no later paragraph opens it. Print and ebook follow the same rule.
    pub fn keeps_the_opening(&self) -> bool {
        matches!(
            self,
            BlockKind::BlockQuote(_)
                | BlockKind::Verse(_)
                | BlockKind::Figure(_)
                | BlockKind::Anchor(_)
                | BlockKind::PageBreak
        )
    }
}

/// Index entries whose terms begin with one letter ("A"), or with no letter ("Symbols").
#[derive(Debug, Clone, PartialEq)]
pub struct IndexGroup {
    /// The letter, as printed above the group.
    pub letter: String,
    /// The entries, in alphabetical order.
    pub entries: Vec<IndexEntry>,
}

/// One term of the index: where the book speaks of it, and its sub-entries.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    /// The term as the markers write it (Markdown inline: `code` stays code).
    pub term: Vec<Inline>,
    /// The places, in reading order.
    pub locators: Vec<IndexLocator>,
    /// Sub-entries (`term!sub` in a marker), in alphabetical order.
    pub subentries: Vec<IndexEntry>,
}

/// A place an index entry points to: the anchor of its marker, or of the markers opening
/// and closing a range (`term|(` ... `term|)`).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexLocator {
    /// The anchor of the marker (or of the range's start).
    pub anchor: String,
    /// The anchor closing a range, if the locator is one.
    pub end: Option<String>,
}

/// One line of verse.
#[derive(Debug, Clone, PartialEq)]
pub struct VerseLine {
    /// Indentation as written, in spaces (no-break spaces count one each).
    pub indent: u16,
    /// The line's text.
    pub content: Vec<Inline>,
}

/// A bullet or numbered list, or a definition list.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    /// The first number of a numbered list; `None` for bullets (and definitions).
    pub start: Option<u64>,
    /// Items in order.
    pub items: Vec<ListItem>,
    /// A definition list (`Term` / `: definition`): each item's first block is its term,
    /// a paragraph; the blocks after it are one definition. A term's second definition is
    /// an item of its own whose term is empty (as is the term of a definition that has
    /// none). Read as bullets, nothing is lost.
    pub terms: bool,
    /// A numbered list whose numbers close with a parenthesis (`1)`, `2)`) rather than a
    /// period (`1.`), as written.
    pub parenthesized: bool,
}

impl List {
    /// The boxes a task list's items open with (`- [ ]`, `- [x]`), which the parser writes
    /// as the item's first characters.
    pub const TASK_BOXES: [char; 2] = ['\u{2610}', '\u{2611}'];

    /// Whether this is a task list: bullets whose items each open with a box. Such a list
    /// is set without bullets, the box standing in their place.
    pub fn is_task_list(&self) -> bool {
        !self.terms
            && self.start.is_none()
            && !self.items.is_empty()
            && self.items.iter().all(|item| item.task_box().is_some())
    }
}

impl ListItem {
    /// The box a task list's item opens with (one of [`List::TASK_BOXES`]), if it does.
    pub fn task_box(&self) -> Option<char> {
        match self.blocks.first().map(|b| &b.kind) {
            Some(BlockKind::Paragraph(content)) => match content.first().map(|i| &i.kind) {
                Some(InlineKind::Text(text)) => {
                    text.chars().next().filter(|c| List::TASK_BOXES.contains(c))
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// One list item: blocks (usually a single paragraph).
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    /// The item's content.
    pub blocks: Vec<Block>,
    /// Where the item starts.
    pub span: Span,
}

/// An image set as a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The image.
    pub image: ImageId,
    /// Alternative text for readers who cannot see it (may be empty: a warning).
    pub alt: String,
    /// The caption, from the image's title, if any.
    pub caption: Option<Vec<Inline>>,
}

/// Column alignment of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alignment {
    /// Not given.
    #[default]
    None,
    /// Left.
    Left,
    /// Centred.
    Center,
    /// Right.
    Right,
}

/// A table: a header row and body rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// One per column.
    pub alignments: Vec<Alignment>,
    /// The header cells.
    pub head: Vec<TableCell>,
    /// Body rows.
    pub rows: Vec<Vec<TableCell>>,
    /// Its caption (Pandoc's `Table: ...` line, HTML's `<caption>`), set above it.
    pub caption: Option<Vec<Inline>>,
}

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub struct TableCell {
    /// The cell's text.
    pub content: Vec<Inline>,
    /// Where it came from.
    pub span: Span,
}

/// An inline with its source position.
#[derive(Debug, Clone, PartialEq)]
pub struct Inline {
    /// What the inline is.
    pub kind: InlineKind,
    /// Where it came from.
    pub span: Span,
}

/// The kinds of inline.
#[derive(Debug, Clone, PartialEq)]
pub enum InlineKind {
    /// Text, with smart punctuation already applied.
    Text(String),
    /// Emphasis (italic).
    Emphasis(Vec<Inline>),
    /// Strong emphasis (bold).
    Strong(Vec<Inline>),
    /// Inline code.
    Code(String),
    /// A link to an external address or to a place in the book.
    Link {
        /// An `https:`, `http:` or `mailto:` address, or `#id` where `id` is an anchor of the
        /// book (a chapter, heading, footnote or `<a id>` anchor, unique in the book): the
        /// front end resolves links between files and to headings (`other.md#a-heading`)
        /// into this form, and drops (with a warning) what it cannot resolve.
        url: String,
        /// The link text.
        content: Vec<Inline>,
    },
    /// A place a link can point to (`<a id="...">` in the manuscript): its id, unique in the
    /// book. Prints nothing.
    Anchor(String),
    /// A cross-reference (`[](#target "page")`): in print the page, chapter or figure
    /// number of the target ("page 57"), in the EPUB a link named after the target.
    CrossRef {
        /// The anchor id of the target, unique in the book.
        target: String,
        /// What it prints.
        kind: RefKind,
    },
    /// A reference to a footnote of the same chapter.
    FootnoteRef(FootnoteId),
    /// A forced line break.
    LineBreak,
    /// A picture inside a line of text: only in a table cell, where it stays (elsewhere a
    /// picture is a [`BlockKind::Figure`]).
    Image {
        /// The image.
        image: ImageId,
        /// Alternative text.
        alt: String,
    },
    /// Text with a look or a language of its own (from the manuscript's HTML subset:
    /// `<sup>`, `<sub>`, `<kbd>`, `<span lang>`).
    Styled {
        /// What is special about it.
        style: TextStyle,
        /// The text.
        content: Vec<Inline>,
    },
}

/// What a [`InlineKind::Styled`] run is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TextStyle {
    /// Raised and smaller (`<sup>`: 2<sup>n</sup>, 1<sup>st</sup>).
    Superscript,
    /// Lowered and smaller (`<sub>`: H<sub>2</sub>O, log<sub>2</sub>).
    Subscript,
    /// A key or a key combination to press (`<kbd>`).
    Keyboard,
    /// Struck through, shown as deleted (`~~text~~`, `<del>`, `<s>`).
    Strikethrough,
    /// Lowercase letters as small capitals (`[Lord]{.smallcaps}`, `<span class="smallcaps">`):
    /// the LORD of a Bible, an acronym set small.
    SmallCaps,
    /// Text in another language (`<span lang="de">`): a BCP 47 tag, checked by the front end.
    Language(String),
    /// Text with its reading, the reading given here (`<ruby>吾輩<rt>わがはい</rt></ruby>`,
    /// `[吾輩]{ruby="わがはい"}`): Japanese furigana, Chinese pinyin or zhuyin. The EPUB sets
    /// the reading small above the text; print sets it after the text in parentheses.
    Ruby(String),
}

impl InlineKind {
    /// The inlines inside this one (emphasis, a link's text, a styled run), if any.
    pub fn children(&self) -> Option<&[Inline]> {
        match self {
            InlineKind::Emphasis(c)
            | InlineKind::Strong(c)
            | InlineKind::Link { content: c, .. }
            | InlineKind::Styled { content: c, .. } => Some(c),
            _ => None,
        }
    }

    /// The inlines inside this one, to change them.
    pub fn children_mut(&mut self) -> Option<&mut Vec<Inline>> {
        match self {
            InlineKind::Emphasis(c)
            | InlineKind::Strong(c)
            | InlineKind::Link { content: c, .. }
            | InlineKind::Styled { content: c, .. } => Some(c),
            _ => None,
        }
    }
}

impl Inline {
    /// Plain text of a run of inlines (footnote references left out, line breaks as spaces).
    pub fn plain_text(inlines: &[Inline]) -> String {
        let mut out = String::new();
        push_plain(inlines, &mut out);
        out
    }
}

fn push_plain(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match &inline.kind {
            InlineKind::Text(t) | InlineKind::Code(t) => out.push_str(t),
            InlineKind::Emphasis(c)
            | InlineKind::Strong(c)
            | InlineKind::Link { content: c, .. }
            | InlineKind::Styled { content: c, .. } => push_plain(c, out),
            InlineKind::LineBreak => out.push(' '),
            InlineKind::FootnoteRef(_)
            | InlineKind::Anchor(_)
            | InlineKind::CrossRef { .. }
            | InlineKind::Image { .. } => {}
        }
    }
}

/// What a cross-reference names in print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RefKind {
    /// "page 57": the page the target is on.
    #[default]
    Page,
    /// "chapter 3": the number of the body chapter the target is in.
    Chapter,
    /// "figure 2-1": the number of the figure (chapter and figure in it).
    Figure,
    /// "listing 3-2": the number of the listing (chapter and listing in it).
    Listing,
}

impl RefKind {
    /// The word printed before the number.
    pub fn word(self) -> &'static str {
        match self {
            RefKind::Page => "page",
            RefKind::Chapter => "chapter",
            RefKind::Figure => "figure",
            RefKind::Listing => "listing",
        }
    }
}

/// Index of a footnote in its chapter's `footnotes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FootnoteId(pub usize);

/// A footnote: its label in the source, its number in the chapter and its content.
#[derive(Debug, Clone, PartialEq)]
pub struct Footnote {
    /// The label as written (`[^12]` has label `12`).
    pub label: String,
    /// 1-based number in the chapter, in order of first reference.
    pub number: usize,
    /// Anchor id, unique in the book (`fn-chapter-3-2`).
    pub id: String,
    /// The note's content.
    pub blocks: Vec<Block>,
    /// Where the definition is.
    pub span: Span,
}

/// Index of an image in [`crate::Book::images`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageId(pub usize);

/// The encoding of an image file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// GIF.
    Gif,
    /// WebP.
    WebP,
    /// SVG (vector): cleaned by the front end, drawn as vectors in print.
    Svg,
}

impl ImageFormat {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Gif => "image/gif",
            ImageFormat::WebP => "image/webp",
            ImageFormat::Svg => "image/svg+xml",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Gif => "gif",
            ImageFormat::WebP => "webp",
            ImageFormat::Svg => "svg",
        }
    }
}

/// An image file of the book, read and checked by the front end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageAsset {
    /// Path relative to the book folder, with `/` separators (`images/map.png`).
    pub path: String,
    /// The file's bytes as read.
    pub data: Vec<u8>,
    /// The encoding.
    pub format: ImageFormat,
    /// Width in pixels (for SVG: CSS pixels of 1/96 in, rounded up).
    pub width: u32,
    /// Height in pixels (for SVG: CSS pixels of 1/96 in, rounded up).
    pub height: u32,
}

impl ImageFormat {
    /// True for a vector format (drawn at any size, never resampled).
    pub fn is_vector(self) -> bool {
        self == ImageFormat::Svg
    }
}

/// `text` on one line: each run of white space one space, none at the ends (for a title in
/// a table of contents, a bookmark, a reference's words). A run holding a space of another
/// width or kind (U+3000 in `第一章　始まり`, a no-break space) keeps that space rather
/// than a plain one.
pub fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run: Option<char> = None;
    for c in text.chars() {
        if c.is_whitespace() {
            let kept = run.get_or_insert(' ');
            // A space separator of its own kind (not a line or paragraph separator).
            let special = matches!(
                c,
                '\u{A0}' | '\u{1680}' | '\u{2000}'
                    ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
            );
            if *kept == ' ' && special {
                *kept = c;
            }
            continue;
        }
        if let Some(space) = run.take()
            && !out.is_empty()
        {
            out.push(space);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod collapse_tests {
    use super::collapse_spaces;

    #[test]
    fn runs_of_spaces_are_one_and_special_spaces_stay() {
        assert_eq!(collapse_spaces("  A\n  title\t here "), "A title here");
        assert_eq!(
            collapse_spaces("第一章\u{3000}始まり"),
            "第一章\u{3000}始まり"
        );
        assert_eq!(
            collapse_spaces("Chapter\u{A0}1\n\u{3000}"),
            "Chapter\u{A0}1"
        );
        assert_eq!(collapse_spaces("a \u{2029}\u{2028} b"), "a b");
        assert_eq!(collapse_spaces(""), "");
    }
}
