//! One chapter file: Markdown events (pulldown-cmark) into model blocks, inlines and footnotes.

use std::collections::BTreeMap;
use std::ops::Range;

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use quire_model::{
    Alignment, Block, BlockKind, Diagnostic, Figure, FileId, Footnote, FootnoteId, ImageId, Inline,
    InlineKind, List, ListItem, RefKind, Span, Table, TableCell, TextStyle, VerseLine,
};

use crate::html;

use crate::lines::LineIndex;

/// Resolves an image path written in a chapter to an image of the book, reporting problems.
pub(crate) type ImageResolver<'a> =
    dyn FnMut(&str, Span, &mut Vec<Diagnostic>) -> Option<ImageId> + 'a;

/// What one chapter file holds.
#[derive(Debug, Default)]
pub(crate) struct ParsedChapter {
    /// The first `#` heading and where it is.
    pub(crate) title: Option<(Vec<Inline>, Span)>,
    /// The id the title heading names for itself (`# Title {#intro}`), which links may use.
    pub(crate) title_alias: Option<String>,
    /// The file's further `#` headings outside quotes, lists and notes, each of which
    /// starts another chapter.
    pub(crate) later_titles: Vec<LaterTitle>,
    /// The ids section headings name for themselves (`## Setup {#setup}`), each with the
    /// heading's own id: links may use either.
    pub(crate) aliases: Vec<(String, String, Span)>,
    /// Everything else, in order.
    pub(crate) blocks: Vec<Block>,
    /// Footnotes in order of first reference.
    pub(crate) footnotes: Vec<Footnote>,
    /// The index markers, in order (each is also an anchor in `blocks`).
    pub(crate) index_marks: Vec<IndexMark>,
}

/// A `#` heading that starts another chapter of its file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LaterTitle {
    /// The index in the file's blocks where the chapter's blocks start.
    pub(crate) at: usize,
    /// The heading's text.
    pub(crate) title: Vec<Inline>,
    /// Where the heading is.
    pub(crate) span: Span,
    /// The id it names for itself (`{#id}`), if any.
    pub(crate) alias: Option<String>,
}

/// An index marker (`<!-- index: term; term!sub; term|( -->`): the terms it names, the
/// anchor it left in the chapter, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IndexMark {
    /// The terms: each a path of levels (`term!sub` is two), with its range mark.
    pub(crate) terms: Vec<(Vec<String>, RangeMark)>,
    /// The anchor's id.
    pub(crate) anchor: String,
    /// Where the marker is.
    pub(crate) span: Span,
}

/// Whether a marked term opens (`term|(`) or closes (`term|)`) a range of pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeMark {
    /// A single place.
    Single,
    /// The start of a range.
    Open,
    /// The end of a range.
    Close,
}

/// The Markdown dialect of the manuscript format.
pub(crate) fn markdown_options() -> Options {
    Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TABLES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_GFM
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_TASKLISTS
        // TeX math (`$x^2$`, `$$...$$`) is read as math so that Markdown's escapes and
        // emphasis leave it alone (`\\`, `\{`, `a_1 b_2`); it is printed as written.
        | Options::ENABLE_MATH
}

/// Parses one chapter file. `chapter_id` prefixes anchors so they are unique in the book.
pub(crate) fn parse_chapter(
    text: &str,
    file: FileId,
    chapter_id: &str,
    language: &str,
    images: &mut ImageResolver<'_>,
    includes: Option<&mut Includes<'_, '_>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> ParsedChapter {
    let lines = LineIndex::new(text);
    // Front matter is left out of the text parsed (blanked, so that every place in the
    // file keeps its offset); its title may name the chapter.
    let matter = FrontMatter::of(text);
    let blanked = matter.as_ref().map(|m| m.blank(text));
    let mut cleaned = Cleaned::of(
        blanked.as_deref().unwrap_or(text),
        file,
        &lines,
        includes,
        diagnostics,
    );
    let (line_blocks, admonitions, aligned_divs) = pandoc_blocks(&mut cleaned.text);
    blank_style_sheets(&mut cleaned.text);
    let mut aligned = html_block_tags(&mut cleaned.text);
    aligned.extend(aligned_divs);
    notes_in_link_text(&mut cleaned.text);
    notes_after_link_text(&mut cleaned.text);
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(&cleaned.text, markdown_options())
        .into_offset_iter()
        .collect();
    let mut parser = ChapterParser {
        text: &cleaned.text,
        source: text,
        pieces: &cleaned.pieces,
        file,
        lines,
        html_quote_openers: matched_html_quotes(&events),
        events,
        pos: 0,
        chapter_id,
        images,
        diagnostics,
        title: None,
        note_order: BTreeMap::new(),
        note_refs: Vec::new(),
        note_defs: BTreeMap::new(),
        inline_notes: 0,
        tex_math_seen: false,
        wrappers: Vec::new(),
        quotes: QuoteMarks::of(language),
        open_quotes: [false; 2],
        double_inside_typed: false,
        in_paragraph: false,
        aligned,
        heading_ids: Vec::new(),
        pending_figures: Vec::new(),
        open_anchors: 0,
        printed_open_tags: Vec::new(),
        open_ruby: 0,
        in_cell: false,
        cell_images: Vec::new(),
        text_ranges: Vec::new(),
        index_marks: Vec::new(),
        depth: 0,
        in_note: false,
        later_titles: Vec::new(),
        separate_definitions: Vec::new(),
        title_alias: None,
        aliases: Vec::new(),
        line_blocks,
        in_line_block: false,
        flattened: 0,
        html_quotes: 0,
        html_quote_closed: false,
        listing_caption: None,
    };
    let mut blocks = parser.blocks_until(None);
    let admonitions: Vec<Admonition> = admonitions
        .into_iter()
        .map(|a| Admonition {
            range: Piece::source_of(&cleaned.pieces, a.range.start)
                ..Piece::source_of(&cleaned.pieces, a.range.end),
            ..a
        })
        .collect();
    wrap_admonitions(&mut blocks, &admonitions, &mut parser.later_titles);
    table_captions(
        &mut blocks,
        &mut parser.later_titles,
        &parser.separate_definitions,
    );
    let boundaries: Vec<usize> = parser.later_titles.iter().map(|t| t.at).collect();
    let moved = stanzas_as_verse(&mut blocks, &boundaries);
    for later in &mut parser.later_titles {
        later.at = moved.get(later.at).copied().unwrap_or(blocks.len());
    }
    let footnotes = parser.finish_footnotes();
    if parser.title.is_none()
        && let Some((title, range)) = matter.and_then(|m| m.title)
    {
        let span = parser.span(range);
        parser.title = Some((inline_markdown(&title, span), span));
    }
    ParsedChapter {
        title: parser.title.take(),
        later_titles: std::mem::take(&mut parser.later_titles),
        title_alias: parser.title_alias.take(),
        aliases: std::mem::take(&mut parser.aliases),
        blocks,
        footnotes,
        index_marks: std::mem::take(&mut parser.index_marks),
    }
}

/// A chapter's text as it is parsed: with mdBook's directives carried out (see
/// [`crate::include`]), the control characters that have no printed form left out (each
/// reported where it stands) and the whitespace ones (vertical tab, form feed, next line)
/// read as spaces, so that the ebook and the print edition hold the same text.
struct Cleaned<'a> {
    text: std::borrow::Cow<'a, str>,
    /// Where the pieces of `text` come from, in order (see [`Piece`]); empty when `text` is
    /// the file's text as it is.
    pieces: Vec<Piece>,
}

/// Where a piece of a cleaned text comes from.
#[derive(Debug, Clone, Copy)]
struct Piece {
    /// Where it starts in the cleaned text.
    at: usize,
    /// Where it starts in the file.
    source: usize,
    /// Copied from the file byte for byte (else made by the directive at `source`).
    verbatim: bool,
}

impl Piece {
    /// Where byte `at` of the cleaned text comes from in the file.
    fn source_of(pieces: &[Piece], at: usize) -> usize {
        let index = pieces.partition_point(|p| p.at <= at);
        match index.checked_sub(1).and_then(|i| pieces.get(i)) {
            Some(piece) if piece.verbatim => piece.source + (at - piece.at),
            Some(piece) => piece.source,
            None => at,
        }
    }
}

/// A chapter file's front matter, as Pandoc, Jekyll, Hugo and Obsidian write it: a block at
/// the very start between `---` lines (YAML; the closing line may be `...`) or `+++` lines
/// (TOML), whose first line is a `key: value` (or `key = value`). Nothing else is taken for
/// it: a scene break (`---`) later in the file stays a scene break.
struct FrontMatter {
    /// The bytes of the block, fences included.
    range: Range<usize>,
    /// Its `title`, unquoted, and where the value is.
    title: Option<(String, Range<usize>)>,
}

impl FrontMatter {
    /// The front matter `text` opens with, if any.
    fn of(text: &str) -> Option<FrontMatter> {
        let (fence, closers): (&str, &[&str]) = if text.starts_with("---") {
            ("---", &["---", "..."])
        } else if text.starts_with("+++") {
            ("+++", &["+++"])
        } else {
            return None;
        };
        let toml = fence == "+++";
        let mut lines = text.split_inclusive('\n');
        let first = lines.next()?;
        if first.trim_end() != fence {
            return None;
        }
        // Pandoc's rule: a YAML block's opening line is not followed by a blank line (a
        // scene break, a blank line and `Morning: the light came in` is prose).
        if !toml && lines.clone().next().is_some_and(|l| l.trim().is_empty()) {
            return None;
        }
        let mut at = first.len();
        let mut title = None;
        let mut first_key = true;
        // A front matter is short: a closing fence within a hundred lines, or none at all.
        for line in lines.take(100) {
            let start = at;
            at += line.len();
            let trimmed = line.trim_end();
            if closers.contains(&trimmed) {
                return (!first_key).then_some(FrontMatter {
                    range: 0..at,
                    title,
                });
            }
            if first_key {
                if trimmed.trim().is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                if !looks_like_key(trimmed, toml) {
                    return None;
                }
                first_key = false;
            } else if !trimmed.trim().is_empty()
                && !line.starts_with([' ', '\t', '-', '#', '[', '}', ']'])
                && !looks_like_key(trimmed, toml)
            {
                // Prose between two rules (`Warning: ...` over a paragraph) is no front
                // matter: every line at the left edge of one is a key (or a comment, a list
                // item, a table, a value's indented lines).
                return None;
            }
            let separator = if toml { '=' } else { ':' };
            if let Some((key, value)) = trimmed.split_once(separator)
                && key.trim() == "title"
                && !line.starts_with([' ', '\t'])
            {
                let value_start = start + key.len() + 1;
                let raw = value.trim();
                let unquoted = raw
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .or_else(|| raw.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                    .unwrap_or(raw);
                if !unquoted.is_empty() && !matches!(unquoted, "|" | ">" | "|-" | ">-") {
                    let lead = value.len() - value.trim_start().len();
                    let range = value_start + lead..value_start + lead + raw.len();
                    title = Some((unquoted.replace("\\\"", "\"").replace("''", "'"), range));
                }
            }
        }
        None
    }

    /// `text` with the front matter turned into spaces (line ends kept).
    fn blank(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text[self.range.clone()].chars() {
            if c == '\n' || c == '\r' {
                out.push(c);
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
        }
        out.push_str(&text[self.range.end..]);
        out
    }
}

/// The `{...}` a heading's line ends with (before any closing `#`s), as written.
fn trailing_braces(heading: &str) -> Option<&str> {
    let line = heading.lines().next()?.trim_end();
    let line = line.trim_end_matches('#').trim_end();
    if !line.ends_with('}') {
        return None;
    }
    let open = line.rfind('{')?;
    Some(&line[open..])
}

/// Whether a line-by-line pre-pass is inside a fenced code block: fed each line's text
/// after its indentation, it opens on three or more backticks or tildes and closes on a
/// run of the same character at least as long with nothing after it.
#[derive(Debug, Default)]
struct Fences(Option<(char, usize)>);

impl Fences {
    /// Reads a line (`rest`, after `indent` spaces); true while inside a fence after it.
    fn line(&mut self, rest: &str, indent: usize) -> bool {
        if indent <= 3 {
            for c in ['`', '~'] {
                let n = rest.chars().take_while(|x| *x == c).count();
                if n >= 3 {
                    self.0 = match self.0 {
                        None => Some((c, n)),
                        Some((f, m)) if f == c && n >= m && rest[n..].trim().is_empty() => None,
                        open => open,
                    };
                }
            }
        }
        self.0.is_some()
    }
}

/// Pandoc's fenced divs and line blocks, which CommonMark does not know, in `text` (a
/// chapter's, outside fenced code): a div's fence lines (`::: epigraph`, `::: {.note}`,
/// `:::`) are blanked, so that what they hold reads as the blocks it is; a line block's
/// bars (`| a line`) become `>`, so that it reads as a quote, and its place is returned
/// (the parser sets it as verse). Every byte keeps its place.
fn pandoc_blocks(text: &mut std::borrow::Cow<'_, str>) -> PandocBlocks {
    if !text.contains(":::") && !text.contains('|') {
        return (Vec::new(), Vec::new(), Vec::new());
    }
    // The divs open, each with its label when it is an admonition or its alignment when
    // it asks for one, and where it starts; the admonitions and aligned divs read.
    let mut divs: Vec<(Option<String>, Option<Alignment>, usize)> = Vec::new();
    let mut admonitions: Vec<Admonition> = Vec::new();
    let mut aligned: Vec<(Range<usize>, Alignment)> = Vec::new();
    let mut blanks: Vec<Range<usize>> = Vec::new();
    let mut bars: Vec<usize> = Vec::new();
    let mut blocks: Vec<LineBlock> = Vec::new();
    let mut fences = Fences::default();
    let mut at = 0;
    // The line block being read: its bars, its lines' indents, whether it is a table.
    let mut block: Option<(Vec<usize>, Vec<u16>, bool)> = None;
    let mut in_table = false;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        let rest = &body[indent..];
        // Fenced code: nothing in it is a div or a line block.
        let in_code =
            fences.line(rest, indent) || rest.starts_with("```") || rest.starts_with("~~~");
        let run = |c: char| rest.chars().take_while(|x| *x == c).count();
        // A table's delimiter row (bars, dashes, colons): the table's rows, to the next
        // blank line, are no line block.
        let delimiter = rest.contains('-')
            && rest.contains('|')
            && rest
                .chars()
                .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'));
        if delimiter && !in_code {
            in_table = true;
            block = None;
        } else if rest.trim().is_empty() {
            in_table = false;
        }
        let is_bar =
            !in_code && !in_table && indent == 0 && (rest == "|" || rest.starts_with("| "));
        if is_bar {
            let after = rest[1..].strip_prefix(' ').unwrap_or(&rest[1..]);
            let spaces = after.len() - after.trim_start_matches(' ').len();
            let indent = u16::try_from(spaces).unwrap_or(u16::MAX);
            let (lines, indents, table) = block.get_or_insert_with(Default::default);
            lines.push(start);
            if !after.trim().is_empty() {
                indents.push(indent);
            }
            *table |= delimiter;
        } else if let Some((lines, indents, table)) = block.take()
            && !table
            && !delimiter
        {
            blocks.push(LineBlock {
                at: lines[0],
                indents,
            });
            bars.extend(lines);
        }
        if !in_code && indent <= 3 && run(':') >= 3 {
            let after = rest.trim_start_matches(':').trim();
            let after = after.trim_end_matches(':').trim();
            let attributes = after.is_empty()
                || (after.starts_with('{') && after.ends_with('}'))
                || !after.contains(char::is_whitespace);
            let label = admonition_label(rest.trim_start_matches(':'));
            if attributes || label.is_some() {
                blanks.push(start..start + body.len());
            }
            if after.is_empty() {
                match divs.pop() {
                    Some((Some(label), _, from)) => admonitions.push(Admonition {
                        range: from..at,
                        label,
                    }),
                    Some((None, Some(align), from)) => aligned.push((from..at, align)),
                    _ => {}
                }
            } else if attributes || label.is_some() {
                divs.push((label, div_alignment(after), start));
            }
        }
    }
    if let Some((lines, indents, false)) = block.take() {
        blocks.push(LineBlock {
            at: lines[0],
            indents,
        });
        bars.extend(lines);
    }
    if blanks.is_empty() && bars.is_empty() {
        return (blocks, admonitions, aligned);
    }
    let owned = text.to_mut();
    // Whole lines blanked and ASCII bars replaced: the text stays UTF-8, byte for byte.
    let mut bytes = std::mem::take(owned).into_bytes();
    for range in blanks {
        for b in bytes.get_mut(range).unwrap_or_default() {
            if *b != b'\r' {
                *b = b' ';
            }
        }
    }
    for at in bars {
        if bytes.get(at) == Some(&b'|') {
            bytes[at] = b'>';
        }
    }
    *owned = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (blocks, admonitions, aligned)
}

/// What [`pandoc_blocks`] finds: the line blocks, the admonitions, and the divs that align
/// their paragraphs (from opening to closing fence, in the cleaned text).
type PandocBlocks = (
    Vec<LineBlock>,
    Vec<Admonition>,
    Vec<(Range<usize>, Alignment)>,
);

/// The alignment a Pandoc div's attributes ask for (`::: {.center}`, `::: right`,
/// `::: {.flushright}`, `::: {style="text-align: right"}`): its paragraphs are set so, as
/// HTML's `<div align="right">` sets them.
fn div_alignment(after: &str) -> Option<Alignment> {
    let inner = after
        .strip_prefix('{')
        .and_then(|a| a.strip_suffix('}'))
        .unwrap_or(after)
        .to_ascii_lowercase();
    let style = inner.replace(' ', "");
    if style.contains("text-align:right") {
        return Some(Alignment::Right);
    }
    if style.contains("text-align:center") {
        return Some(Alignment::Center);
    }
    inner
        .split_whitespace()
        .find_map(|word| match word.strip_prefix('.').unwrap_or(word) {
            "center" | "centered" | "centre" | "text-center" | "align-center" => {
                Some(Alignment::Center)
            }
            "right" | "flushright" | "flush-right" | "text-right" | "align-right" => {
                Some(Alignment::Right)
            }
            _ => None,
        })
}

/// A Docusaurus, Quarto or Pandoc admonition (`:::note`, `:::tip A title`,
/// `:::warning[A title]`, `::: {.callout-important}`): a div the reader's eye should find.
#[derive(Debug, Clone)]
struct Admonition {
    /// From its opening fence line to the end of its closing one (in the cleaned text, then
    /// in the file).
    range: Range<usize>,
    /// What it is called in print: its title, else its kind (`Note`, `Warning`).
    label: String,
}

/// The label of an admonition whose opening fence has `after` after its colons: the title
/// given, else the kind capitalized. Docusaurus writes the kind straight after the colons
/// (`:::note`); Pandoc's divs (`::: note`, `::: {.note}`) print no label, but Quarto's
/// callouts (`::: {.callout-note}`) do. `None` for any other div (`::: epigraph`).
fn admonition_label(after: &str) -> Option<String> {
    let spaced = after.starts_with(char::is_whitespace);
    let after = after.trim_end().trim_end_matches(':').trim_end();
    if spaced && !after.trim_start().starts_with("{.callout-") {
        return None;
    }
    const KINDS: [&str; 9] = [
        "note",
        "tip",
        "info",
        "warning",
        "danger",
        "caution",
        "important",
        "hint",
        "attention",
    ];
    let after = after.trim();
    let (kind, title) =
        if let Some(inner) = after.strip_prefix('{').and_then(|a| a.strip_suffix('}')) {
            // `{.callout-note}`, `{.warning #id}`: the first class names it.
            let class = inner.split_whitespace().find_map(|w| w.strip_prefix('.'))?;
            (class.strip_prefix("callout-")?, "")
        } else {
            let end = after
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(after.len());
            let rest = after[end..].trim();
            let title = match rest.strip_prefix('[') {
                Some(bracketed) => bracketed.strip_suffix(']')?,
                None if rest.starts_with('{') => "",
                None => rest,
            };
            (&after[..end], title.trim())
        };
    let kind = kind.to_ascii_lowercase();
    if !KINDS.contains(&kind.as_str()) {
        return None;
    }
    if !title.is_empty() {
        return Some(title.to_string());
    }
    let mut label = kind;
    label[..1].make_ascii_uppercase();
    Some(label)
}

/// A paragraph, a blank line, then `: Caption`, then a table: the definition-list syntax
/// reads the paragraph as a term defined by the caption. With a table right after it, such
/// a definition (written after a blank line: `separate_definitions` has where) is taken
/// apart again into the paragraph and the caption line (`: ` and its text) before the
/// table, where [`table_captions`] finds it; a definition right under its term stays one.
/// Returns how many blocks were added before the table at `table`.
fn caption_from_definition(
    blocks: &mut Vec<Block>,
    table: usize,
    later_titles: &mut [LaterTitle],
    separate_definitions: &[u32],
) -> usize {
    let Some(before) = table.checked_sub(1) else {
        return 0;
    };
    // A chapter starts at the table: the list is the end of the one before.
    if later_titles.iter().any(|t| t.at == table) {
        return 0;
    }
    let caption_free = matches!(&blocks[table].kind, BlockKind::Table(t) if t.caption.is_none());
    let Block {
        kind: BlockKind::List(list),
        span: list_span,
    } = &mut blocks[before]
    else {
        return 0;
    };
    let list_span = *list_span;
    let paragraph = |b: &Block| matches!(&b.kind, BlockKind::Paragraph(c) if !c.is_empty());
    let empty = |b: &Block| matches!(&b.kind, BlockKind::Paragraph(c) if c.is_empty());
    let items = list.items.len();
    // The caption: the last item's one definition, a paragraph; its term a paragraph, or
    // none when it is a further definition of the term before (`Pear` / `: A fruit.` /
    // blank / `: Prices`).
    let fits = caption_free
        && list.terms
        && list.items.last().is_some_and(|item| {
            item.blocks.len() == 2
                && (paragraph(&item.blocks[0]) || (empty(&item.blocks[0]) && items > 1))
                && paragraph(&item.blocks[1])
                && separate_definitions.contains(&item.blocks[1].span.start)
        });
    if !fits {
        return 0;
    }
    let Some(item) = list.items.pop() else {
        return 0;
    };
    let emptied = list.items.is_empty();
    let mut parts = item.blocks.into_iter();
    let (Some(term), Some(caption)) = (parts.next(), parts.next()) else {
        return 0;
    };
    let term = (!empty(&term)).then_some(term);
    // The term was made bold as a term: the paragraph as written.
    let term = term.map(|term| match term.kind {
        BlockKind::Paragraph(mut content) => {
            if let [
                Inline {
                    kind: InlineKind::Strong(inner),
                    ..
                },
            ] = content.as_mut_slice()
            {
                content = std::mem::take(inner);
            }
            Block {
                kind: BlockKind::Paragraph(content),
                span: term.span,
            }
        }
        kind => Block { kind, ..term },
    });
    let caption = match caption.kind {
        BlockKind::Paragraph(content) => {
            let mut line = vec![Inline {
                kind: InlineKind::Text(": ".into()),
                span: caption.span,
            }];
            line.extend(content);
            Block {
                kind: BlockKind::Paragraph(line),
                span: caption.span,
            }
        }
        kind => Block { kind, ..caption },
    };
    let end = term.as_ref().map_or(caption.span.start, |t| t.span.start);
    let new: Vec<Block> = term.into_iter().chain([caption]).collect();
    let count = new.len();
    let (at, added) = if emptied {
        blocks.splice(before..=before, new);
        (before, count - 1)
    } else {
        blocks[before].span = Span {
            end: end.max(list_span.start),
            ..list_span
        };
        blocks.splice(table..table, new);
        (table, count)
    };
    for title in later_titles.iter_mut() {
        if title.at > at {
            title.at += added;
        }
    }
    added
}

/// Pandoc's table captions: a paragraph right after a table (or right before it) that
/// starts `Table:` or `:` is the table's caption, not text; its attributes (`{#tbl:id}`)
/// are not printed, and its id names the table (an anchor before it). `later_titles`
/// keep pointing at their blocks.
fn table_captions(
    blocks: &mut Vec<Block>,
    later_titles: &mut [LaterTitle],
    separate_definitions: &[u32],
) {
    let caption_of = |block: &Block| -> Option<Vec<Inline>> {
        let BlockKind::Paragraph(content) = &block.kind else {
            return None;
        };
        let Some(InlineKind::Text(first)) = content.first().map(|i| &i.kind) else {
            return None;
        };
        let rest = first
            .strip_prefix("Table:")
            .or_else(|| first.strip_prefix(": "))?;
        let mut caption = content.clone();
        if let Some(Inline {
            kind: InlineKind::Text(t),
            ..
        }) = caption.first_mut()
        {
            *t = rest.trim_start().to_string();
        }
        trim_inlines(&mut caption);
        (!caption.is_empty()).then_some(caption)
    };
    let mut i = 0;
    while i < blocks.len() {
        if !matches!(blocks[i].kind, BlockKind::Table(_)) {
            i += 1;
            continue;
        }
        i += caption_from_definition(blocks, i, later_titles, separate_definitions);
        // As Pandoc reads them: a caption before the table first (a caption after the
        // table before it has been taken by then), else one after it.
        let before = i
            .checked_sub(1)
            .and_then(|b| blocks.get(b).and_then(caption_of).map(|c| (b, c)));
        let found = before.or_else(|| blocks.get(i + 1).and_then(caption_of).map(|c| (i + 1, c)));
        let Some((at, mut caption)) = found else {
            i += 1;
            continue;
        };
        if later_titles.iter().any(|t| t.at == at.max(i)) {
            i += 1;
            continue;
        }
        // `{#tbl:id}` at its end.
        let mut id = None;
        if let Some(Inline {
            kind: InlineKind::Text(t),
            ..
        }) = caption.last_mut()
            && let Some(open) = t.rfind('{')
            && t.ends_with('}')
        {
            let inner = &t[open + 1..t.len() - 1];
            if inner
                .split_whitespace()
                .all(|w| w.starts_with(['#', '.']) || w.contains('='))
            {
                id = inner
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix('#'))
                    .map(str::to_string);
                t.truncate(open);
            }
        }
        trim_inlines(&mut caption);
        let span = blocks[at].span;
        blocks.remove(at);
        let table_at = if at < i { i - 1 } else { i };
        if let BlockKind::Table(table) = &mut blocks[table_at].kind {
            table.caption = Some(caption);
        }
        let mut next = table_at + 1;
        match id {
            Some(id) => {
                // The anchor takes the caption's place in the count of blocks (so no
                // later title moves).
                blocks.insert(
                    table_at,
                    Block {
                        kind: BlockKind::Anchor(id),
                        span,
                    },
                );
                next += 1;
            }
            None => {
                for title in later_titles.iter_mut() {
                    if title.at > at {
                        title.at -= 1;
                    }
                }
            }
        }
        i = next;
    }
}

/// Wraps the chapter's top-level blocks inside each admonition into a quote that opens
/// with its label in bold, as GitHub's alerts are (an admonition inside a list or a quote
/// stays its blocks). `later_titles` keep pointing at their blocks.
fn wrap_admonitions(
    blocks: &mut Vec<Block>,
    admonitions: &[Admonition],
    later_titles: &mut [LaterTitle],
) {
    // Last first, so that the places of those before stay; an admonition inside another
    // is left to the outer one.
    for (k, admonition) in admonitions.iter().enumerate().rev() {
        let inside_another = admonitions.iter().enumerate().any(|(j, other)| {
            j != k
                && other.range.start <= admonition.range.start
                && admonition.range.end <= other.range.end
                && other.range != admonition.range
        });
        if inside_another {
            continue;
        }
        let within = |b: &Block| admonition.range.contains(&(b.span.start as usize));
        let Some(first) = blocks.iter().position(within) else {
            continue;
        };
        let last = first + blocks[first..].iter().take_while(|b| within(b)).count();
        if later_titles.iter().any(|t| t.at > first && t.at < last) {
            continue;
        }
        let span = blocks[first].span;
        let label = Block {
            kind: BlockKind::Paragraph(vec![Inline {
                kind: InlineKind::Strong(vec![Inline {
                    kind: InlineKind::Text(admonition.label.clone()),
                    span,
                }]),
                span,
            }]),
            span,
        };
        let mut inner = vec![label];
        inner.extend(blocks.drain(first..last));
        blocks.insert(
            first,
            Block {
                kind: BlockKind::BlockQuote(inner),
                span,
            },
        );
        for title in later_titles.iter_mut() {
            if title.at >= last {
                title.at -= last - first - 1;
            }
        }
    }
}

/// Style sheets of HTML blocks (`<style scoped>` over a Jupyter data frame) print nothing:
/// from a `<style>` tag opening a line outside fenced code to its closing tag, every
/// character but the line ends becomes a space, so that the blank lines inside do not end
/// the HTML block around it and every byte keeps its place. (A `<script>` still prints as
/// text, with the warning every unknown element gets: it may be what the author shows.)
fn blank_style_sheets(text: &mut std::borrow::Cow<'_, str>) {
    let bytes = text.as_bytes();
    let has_style = text.match_indices('<').any(|(i, _)| {
        bytes
            .get(i + 1..i + 6)
            .is_some_and(|name| name.eq_ignore_ascii_case(b"style"))
    });
    if !has_style {
        return;
    }
    let lower = text.to_ascii_lowercase();
    let mut blanks: Vec<Range<usize>> = Vec::new();
    let mut fences = Fences::default();
    let mut at = 0;
    let mut until: Option<usize> = None;
    for line in lower.split_inclusive('\n') {
        let start = at;
        at += line.len();
        if until.is_some_and(|end| start < end) {
            continue;
        }
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        let rest = &body[indent..];
        if fences.line(rest, indent) || indent > 3 {
            continue;
        }
        let opens = rest
            .strip_prefix("<style")
            .is_some_and(|r| r.starts_with(['>', ' ', '\t']) || r.is_empty());
        if let (true, Some(end)) = (opens, lower[start..].find("</style>")) {
            let end = start + end + "</style>".len();
            blanks.push(start + indent..end);
            until = Some(end);
        }
    }
    if blanks.is_empty() {
        return;
    }
    let mut out = String::with_capacity(text.len());
    let mut blank = blanks.iter().peekable();
    for (i, c) in text.char_indices() {
        while blank.next_if(|r| r.end <= i).is_some() {}
        if blank.peek().is_some_and(|r| r.contains(&i)) && c != '\n' && c != '\r' {
            // A character of several bytes becomes as many spaces: every byte keeps its place.
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    *text = std::borrow::Cow::Owned(out);
}

/// HTML that writes Markdown's own blocks, on lines outside fenced code, read as that
/// Markdown: a line `<p ...>text</p>` (or a `<p>` line, a `</p>` line) is a paragraph,
/// `<h2>Title</h2>` a heading of its level, `<li>item</li>` lines between `<ul>`/`<ol>`
/// lines a list. The tags are replaced in place (`<h2>` by `##` and spaces, `<li>` by `-`
/// or `1.`), so every byte keeps its place; what is inside is read as Markdown, its
/// inline HTML as usual. Anything else is left as it is.
fn html_block_tags(text: &mut std::borrow::Cow<'_, str>) -> Vec<(Range<usize>, Alignment)> {
    let mut aligned: Vec<(Range<usize>, Alignment)> = Vec::new();
    if !["<p", "<h", "<li", "<div", "<center"]
        .iter()
        .any(|tag| text.contains(tag))
    {
        return aligned;
    }
    let mut edits: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut fences = Fences::default();
    // A `<p>` is open whose `</p>` is on a later line.
    let mut open_paragraph = false;
    // HTML elements open that hold `<p>` lines (`<blockquote>`, `<table>`...).
    let mut elements = 0usize;
    // The edit for a `</p>` at `at`: spaces; or, when a line of text follows it (another
    // `<p>` line: HTML needs no blank line between paragraphs, Markdown does), a line end
    // and spaces, so that the paragraph ends there (and its trailing spaces make no line
    // break). In a quote the new line carries the quote's markers (`>`), so the quote goes
    // on; after a list item's marker, nothing is needed (the next item starts its own).
    // (Not inside an HTML element read whole, `<blockquote>` over `<p>` lines: a blank line
    // would end its HTML block.)
    let paragraph_end = |at: usize, markers: &str, next: Option<&&str>, in_element: bool| {
        let depth = markers.bytes().filter(|b| *b == b'>').count();
        let in_quote = markers.bytes().all(|b| b == b'>' || b == b' ');
        if next.is_some_and(|l| !l.trim().is_empty()) && in_quote && depth <= 3 && !in_element {
            let mut end = vec![b'\n'];
            end.extend(std::iter::repeat_n(b'>', depth));
            end.resize(4, b' ');
            (at, end)
        } else {
            (at, b"    ".to_vec())
        }
    };
    // Inside `<ul>`/`<ol>`: numbered or not, and the number of an `<ol start>`'s first item
    // until it is written.
    let mut list: Option<(bool, Option<u32>)> = None;
    let mut at = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (index, line) in lines.iter().enumerate() {
        let start = at;
        at += line.len();
        // The next line starts with text (not a tag, not blank).
        let text_follows = lines.get(index + 1).is_some_and(|next| {
            let next = next.trim();
            !next.is_empty() && !next.starts_with('<')
        });
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        // Quote and list markers before the tag (`> <p>...</p>`, `- <p>...</p>`): only a
        // paragraph is read there.
        let lead = indent + container_markers(&body[indent..]);
        let prefixed = lead > indent;
        let rest = &body[lead..];
        let fenced = fences.line(rest, indent);
        // The end of the text of a `<p>` opened on a line above (`<p>Some text` over
        // `more text.</p>`): its closing tag goes.
        if !fenced
            && open_paragraph
            && !rest.starts_with('<')
            && rest.trim_end().to_ascii_lowercase().ends_with("</p>")
        {
            let close = rest.trim_end().len() - 4;
            edits.push(paragraph_end(
                start + lead + close,
                &body[indent..lead],
                lines.get(index + 1),
                elements > 0,
            ));
            open_paragraph = false;
            continue;
        }
        if body.trim().is_empty() {
            open_paragraph = false;
        }
        if fenced || indent > 3 || !rest.starts_with('<') {
            continue;
        }
        let lower = rest.to_ascii_lowercase();
        for name in ["blockquote", "table", "figure", "details", "dl", "pre"] {
            let opens = lower
                .strip_prefix('<')
                .and_then(|l| l.strip_prefix(name))
                .is_some_and(|l| l.starts_with(['>', ' ']));
            if opens && !lower.contains(&format!("</{name}>")) {
                elements += 1;
            } else if lower.starts_with(&format!("</{name}>")) {
                elements = elements.saturating_sub(1);
            }
        }
        let tag_end = |from: usize| lower[from..].find('>').map(|e| from + e + 1);
        let blank = |from: usize, to: usize| (start + lead + from, vec![b' '; to - from]);
        // Lists: the `<ul>`/`<ol>` lines go, each `<li>` line is an item.
        if !prefixed
            && let Some(t) = ["<ul", "<ol"]
                .iter()
                .find(|t| lower.starts_with(**t) && lower[3..].starts_with(['>', ' ']))
            && let Some(end) = tag_end(0)
            && lower[end..].trim().is_empty()
        {
            let start = html::Tag::parse(&rest[..end])
                .and_then(|tag| tag.attr("start").and_then(|n| n.trim().parse::<u32>().ok()));
            list = Some((*t == "<ol", start));
            edits.push(blank(0, end));
            continue;
        }
        if !prefixed
            && (lower.starts_with("</ul>") || lower.starts_with("</ol>"))
            && lower[5..].trim().is_empty()
        {
            list = None;
            edits.push(blank(0, 5));
            continue;
        }
        if let Some((numbered, first)) = list
            && !prefixed
            && lower.starts_with("<li")
            && lower[3..].starts_with(['>', ' '])
            && let Some(end) = tag_end(0)
            && end >= 4
        {
            // The first item of an `<ol start="7">` is numbered 7 (Markdown numbers the
            // rest from it), when the number fits in place of the tag.
            let marker: Vec<u8> = match first {
                Some(n) if numbered && format!("{n}.").len() < end => format!("{n}.").into_bytes(),
                _ if numbered => b"1.".to_vec(),
                _ => b"-".to_vec(),
            };
            list = Some((numbered, None));
            if let Some(replacement) = tag_replacement(&marker, end, indent) {
                edits.push((start + indent, replacement));
                if lower.trim_end().ends_with("</li>") {
                    let close = lower.trim_end().len() - 5;
                    edits.push(blank(close, close + 5));
                }
            }
            continue;
        }
        // Headings: a whole `<hN>...</hN>` line.
        if !prefixed
            && lower.len() > 3
            && lower.starts_with("<h")
            && let Some(level) = lower
                .as_bytes()
                .get(2)
                .filter(|b| (b'1'..=b'6').contains(*b))
                .map(|b| usize::from(b - b'0'))
            && lower[3..].starts_with(['>', ' '])
            && let Some(end) = tag_end(0)
            && lower.trim_end().ends_with(&format!("</h{level}>"))
            && end > level
        {
            if let Some(replacement) = tag_replacement(&vec![b'#'; level], end, indent) {
                edits.push((start + indent, replacement));
                let close = lower.trim_end().len() - 5;
                edits.push(blank(close, close + 5));
            }
            continue;
        }
        // Paragraphs: `<p ...>` at the start, `</p>` at the end, with text between (a tag
        // on a line of its own wraps Markdown: see `container_tags`). A `<div>` or
        // `<center>` with text, opened and closed on one line, is a paragraph too.
        let one_line_box = ["div", "center"].into_iter().find(|name| {
            lower.starts_with(&format!("<{name}"))
                && lower[name.len() + 1..].starts_with(['>', ' '])
                && lower.trim_end().ends_with(&format!("</{name}>"))
                && tag_end(0).is_some_and(|end| end + name.len() + 3 < lower.trim_end().len())
        });
        if let Some(name) = one_line_box
            && let Some(end) = tag_end(0)
        {
            if let Some(align) = html_alignment(name, &rest[..end]) {
                aligned.push((start..at, align));
            }
            let replacement = if prefixed {
                tag_replacement(b"", end, 0).map(|r| (start + lead, r))
            } else {
                tag_replacement(b"", indent + end, 0).map(|r| (start, r))
            };
            if let Some(edit) = replacement {
                edits.push(edit);
                let close = lower.trim_end().len() - name.len() - 3;
                edits.push(blank(close, close + name.len() + 3));
            }
            continue;
        }
        // A `<div>` (or a like box) opening on a line of its own, text right after it, in
        // one HTML block with its closing tag (mdBook's warning boxes): the tags go and the
        // text is read as Markdown, as it is when blank lines part them.
        let is_text = |line: Option<&&str>| {
            line.is_some_and(|l| !l.trim().is_empty() && !l.trim_start().starts_with('<'))
        };
        let wrapper = ["div", "center", "section", "aside", "article"]
            .into_iter()
            .find(|name| {
                lower.starts_with(&format!("<{name}"))
                    && lower[name.len() + 1..].starts_with(['>', ' '])
            });
        // (Or a `<p>` line right after it: `<div class="note">` over `<p>...</p>` lines.)
        let paragraph_follows = lines.get(index + 1).is_some_and(|next| {
            let next = next.trim().to_ascii_lowercase();
            next.starts_with("<p") && next[2..].starts_with(['>', ' ']) && next.ends_with("</p>")
        });
        if let Some(name) = wrapper
            && !prefixed
            && (text_follows || paragraph_follows)
            && tag_end(0) == Some(lower.trim_end().len())
        {
            edits.push(blank(0, lower.trim_end().len()));
            if let Some(align) = html_alignment(name, rest) {
                // To its closing tag, over blank lines (a letter's closing of several
                // paragraphs); without one, to the first blank line.
                let close = format!("</{name}>");
                let closes = |l: &&str| l.trim().eq_ignore_ascii_case(&close);
                let closed = lines[index + 1..].iter().any(closes);
                let end = lines
                    .iter()
                    .skip(index + 1)
                    .take_while(|l| !closes(l) && (closed || !l.trim().is_empty()))
                    .fold(at, |end, l| end + l.len());
                aligned.push((start..end, align));
            }
            continue;
        }
        if !prefixed
            && ["div", "center", "section", "aside", "article"]
                .iter()
                .any(|name| lower.trim_end() == format!("</{name}>"))
            && (is_text(index.checked_sub(1).and_then(|i| lines.get(i)))
                || index
                    .checked_sub(1)
                    .and_then(|i| lines.get(i))
                    .is_some_and(|l| l.trim_end().to_ascii_lowercase().ends_with("</p>")))
        {
            edits.push(blank(0, lower.trim_end().len()));
            continue;
        }
        let opens = lower.starts_with("<p") && lower[2..].starts_with(['>', ' ']);
        let inner = tag_end(0).map_or("", |end| {
            let line = lower.trim_end();
            let line = line.strip_suffix("</p>").unwrap_or(line);
            line.get(end.min(line.len())..).unwrap_or("")
        });
        if opens && prefixed && inner.trim().is_empty() {
            continue;
        }
        if opens && inner.trim().is_empty() {
            // On a line of its own: a wrapper of Markdown (see `container_tags`), unless
            // text follows it in the same HTML block, which would print it as written.
            if text_follows && lower.trim_end().ends_with('>') {
                edits.push(blank(0, lower.trim_end().len()));
                if let Some(end) = tag_end(0)
                    && let Some(align) = html_alignment("p", &rest[..end])
                {
                    let next = lines.get(index + 1).map_or(0, |l| l.len());
                    aligned.push((start..at + next, align));
                }
            }
            continue;
        }
        if opens
            && let Some(end) = tag_end(0)
            && let Some(align) = html_alignment("p", &rest[..end])
        {
            aligned.push((start..at, align));
        }
        if opens {
            // The indentation goes with the tag (after the markers, the markers stay).
            let replacement = if prefixed {
                tag_end(0)
                    .and_then(|end| tag_replacement(b"", end, 0))
                    .map(|r| (start + lead, r))
            } else {
                tag_end(0)
                    .and_then(|end| tag_replacement(b"", indent + end, 0))
                    .map(|r| (start, r))
            };
            match replacement {
                Some(edit) => edits.push(edit),
                None => continue,
            }
        }
        if lower.trim_end().ends_with("</p>") {
            let close = lower.trim_end().len() - 4;
            edits.push(paragraph_end(
                start + lead + close,
                &body[indent..lead],
                lines.get(index + 1),
                elements > 0,
            ));
        } else if opens {
            open_paragraph = true;
        }
    }
    if edits.is_empty() {
        return aligned;
    }
    let owned = text.to_mut();
    let mut bytes = std::mem::take(owned).into_bytes();
    for (at, replacement) in edits {
        if let Some(target) = bytes.get_mut(at..at + replacement.len())
            && target.is_ascii()
        {
            target.copy_from_slice(&replacement);
        }
    }
    *owned = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    aligned
}

/// The alignment an HTML paragraph's opening tag asks for (`<center>`, `align="right"`,
/// `style="text-align: center"`): centred or flush right, else `None`.
fn html_alignment(name: &str, tag: &str) -> Option<Alignment> {
    if name == "center" {
        return Some(Alignment::Center);
    }
    let tag = html::Tag::parse(tag)?;
    let style = tag.attr("style").unwrap_or_default().to_ascii_lowercase();
    let from_style = style.split(';').find_map(|rule| {
        let (key, value) = rule.split_once(':')?;
        (key.trim() == "text-align").then(|| value.trim().to_string())
    });
    let value = tag
        .attr("align")
        .map(|a| a.trim().to_ascii_lowercase())
        .or(from_style)?;
    match value.as_str() {
        "center" | "centre" => Some(Alignment::Center),
        "right" | "end" => Some(Alignment::Right),
        _ => None,
    }
}

/// Stands for the `[` of a note reference inside a link's text or a picture's description,
/// which the GFM reading would take for a link of its own and so leave the whole link or
/// picture as written (see [`notes_in_link_text`]).
const NOTE_OPEN: char = '\u{0E}';
/// Stands for the `]` of such a note reference.
const NOTE_CLOSE: char = '\u{0F}';

/// Note references inside the text of a link or the description of a picture
/// (`![A map.[^1] Drawn in 1850.](map.png)`, `[the site [^2] says](https://...)`): the GFM
/// reading takes a reference for a link, and a link may hold no link, so the picture or
/// the link was printed as written, brackets and path, and a picture lost. The brackets of
/// such a reference are replaced by [`NOTE_OPEN`] and [`NOTE_CLOSE`] (control characters,
/// left out of every text before this runs), one byte for one, so every position stays;
/// the reading then sees the link or picture, and [`ChapterParser::marked_notes`] turns
/// the marked text back into references. Code (fenced, or between backticks) is left alone.
fn notes_in_link_text(text: &mut std::borrow::Cow<'_, str>) {
    if !text.contains("[^") || !text.contains("](") {
        return;
    }
    let mut marks: Vec<usize> = Vec::new();
    let mut fences = Fences::default();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let trimmed = line.trim_start();
        if fences.line(trimmed, line.len() - trimmed.len())
            || !line.contains("[^")
            || !line.contains("](")
        {
            continue;
        }
        let bytes = line.as_bytes();
        // The open brackets, each with the note references found inside it.
        let mut open: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut in_code = false;
        let mut k = 0;
        while k < bytes.len() {
            match bytes[k] {
                b'\\' => k += 1,
                b'`' => in_code = !in_code,
                _ if in_code => {}
                b'[' if bytes.get(k + 1) == Some(&b'^') && !open.is_empty() => {
                    let label_end = line[k + 2..]
                        .find(|c: char| c == ']' || c == '[' || c.is_whitespace())
                        .map(|e| k + 2 + e);
                    if let Some(close) = label_end
                        && bytes[close] == b']'
                        && close > k + 2
                        && !is_character_class(&line[k + 2..close])
                        && let Some(notes) = open.last_mut()
                    {
                        notes.push((k, close));
                        k = close;
                    }
                }
                b'[' => open.push(Vec::new()),
                b']' => {
                    if let Some(notes) = open.pop() {
                        if bytes.get(k + 1) == Some(&b'(') {
                            for (a, b) in notes {
                                marks.push(start + a);
                                marks.push(start + b);
                            }
                        } else if let Some(outer) = open.last_mut() {
                            // `[[^1] text]` as a bracket in a link's text: the outer one
                            // may still be a link.
                            outer.extend(notes);
                        }
                    }
                }
                _ => {}
            }
            k += 1;
        }
    }
    if marks.is_empty() {
        return;
    }
    let owned = text.to_mut();
    let mut bytes = std::mem::take(owned).into_bytes();
    for (n, at) in marks.into_iter().enumerate() {
        if let Some(b) = bytes.get_mut(at) {
            *b = if n % 2 == 0 {
                NOTE_OPEN as u8
            } else {
                NOTE_CLOSE as u8
            };
        }
    }
    *owned = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// A note reference at the end of a link's text (`[the site[^1]](https://...)`), which the
/// GFM reading takes for a reference and so leaves the link as written, brackets and
/// address printed: the reference is moved after the link (`[the site](https://...)[^1]`),
/// where a typesetter puts a note marker. Bytes are swapped, not added, so that every
/// position after stays where it was. Code (fenced, or between backticks) is left alone.
fn notes_after_link_text(text: &mut std::borrow::Cow<'_, str>) {
    if !text.contains("]](") {
        return;
    }
    let mut swaps: Vec<(usize, usize, usize)> = Vec::new();
    let mut fences = Fences::default();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let trimmed = line.trim_start();
        if fences.line(trimmed, line.len() - trimmed.len()) || !line.contains("]](") {
            continue;
        }
        let bytes = line.as_bytes();
        let mut search = 0;
        while let Some(found) = line[search..].find("]](") {
            let close = search + found; // the `]` ending the reference
            search = close + 3;
            // Inside inline code when an odd number of backticks come before.
            if bytes[..close].iter().filter(|b| **b == b'`').count() % 2 == 1 {
                continue;
            }
            let Some(open) = line[..close].rfind("[^") else {
                continue;
            };
            let label = &line[open + 2..close];
            if label.is_empty()
                || label.contains(|c: char| c.is_whitespace() || c == '[' || c == ']')
            {
                continue;
            }
            // The link's destination, to its `)` (parentheses inside it balanced).
            let mut depth = 0usize;
            let mut end = None;
            for (k, b) in bytes.iter().enumerate().skip(close + 3) {
                match b {
                    b'(' => depth += 1,
                    b')' if depth == 0 => {
                        end = Some(k);
                        break;
                    }
                    b')' => depth -= 1,
                    _ => {}
                }
            }
            let Some(end) = end else { continue };
            // `[^label]` is open..=close; `](dest)` is close+1..=end.
            swaps.push((start + open, start + close + 1, start + end + 1));
            search = end + 1;
        }
    }
    if swaps.is_empty() {
        return;
    }
    let owned = text.to_mut();
    let mut bytes = std::mem::take(owned).into_bytes();
    for (a, b, c) in swaps {
        if let Some(region) = bytes.get_mut(a..c) {
            region.rotate_left(b - a);
        }
    }
    *owned = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// A paragraph that is only a scene-break sign: an asterism (`⁂`), a floral heart or
/// fleuron (`❧`, `☙`, `❦`), or a row of asterisks, stars or dots written as text.
fn is_scene_ornament(content: &[Inline]) -> bool {
    let mut signs = String::new();
    for inline in content {
        match &inline.kind {
            InlineKind::Text(t) => signs.extend(t.chars().filter(|c| !c.is_whitespace())),
            _ => return false,
        }
    }
    match signs.as_str() {
        "\u{2042}" | "\u{2767}" | "\u{2619}" | "\u{2766}" | "\u{2042}\u{2042}\u{2042}" => true,
        s => {
            let count = s.chars().count();
            (3..=7).contains(&count)
                && s.chars().all(|c| c == s.chars().next().unwrap_or('x'))
                && s.chars().all(|c| {
                    matches!(
                        c,
                        '*' | '\u{204E}'
                            | '\u{2022}'
                            | '\u{00B7}'
                            | '\u{2731}'
                            | '\u{2605}'
                            | '\u{2736}'
                    )
                })
        }
    }
}

/// The length of the block quote markers (`> `, nested) and the one list marker (`- `,
/// `1. `) at the start of `line`, before what the quote or list item holds.
fn container_markers(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut at = 0;
    while bytes.get(at) == Some(&b'>') {
        at += 1;
        if bytes.get(at) == Some(&b' ') {
            at += 1;
        }
    }
    let digits = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if matches!(bytes.get(at), Some(b'-' | b'*' | b'+')) && bytes.get(at + 1) == Some(&b' ') {
        at += 2;
    } else if (1..=9).contains(&digits)
        && matches!(bytes.get(at + digits), Some(b'.' | b')'))
        && bytes.get(at + digits + 1) == Some(&b' ')
    {
        at += digits + 2;
    }
    at
}

/// What replaces an opening tag of `len` bytes: `marker` (`##`, `-`, nothing), then
/// spaces, with an empty `<wbr>` (which prints nothing) taking up the rest when plain
/// spaces would make the text after it indented code.
/// `None` when neither fits (the line is left as written). `indent`: the spaces before the
/// tag.
fn tag_replacement(marker: &[u8], len: usize, indent: usize) -> Option<Vec<u8>> {
    let mut out = marker.to_vec();
    let room = len.checked_sub(marker.len())?;
    let indents = if marker.is_empty() {
        indent + room > 3
    } else {
        room > 4
    };
    if !indents {
        out.resize(len, b' ');
        return Some(out);
    }
    if room < 5 + usize::from(!marker.is_empty()) {
        return None;
    }
    if !marker.is_empty() {
        out.push(b' ');
    }
    out.extend_from_slice(b"<wbr");
    out.resize(len - 1, b' ');
    out.push(b'>');
    Some(out)
}

/// A line block of Pandoc's (`| a line`): where it starts, and the indentation of each of
/// its lines that holds text (the spaces after `| `).
#[derive(Debug, Clone)]
struct LineBlock {
    at: usize,
    indents: Vec<u16>,
}

/// Whether a line is a `key: value` of YAML (or `key = value` of TOML) front matter.
fn looks_like_key(line: &str, toml: bool) -> bool {
    let separator = if toml { '=' } else { ':' };
    let Some((key, _)) = line.split_once(separator) else {
        return false;
    };
    let key = key.trim_end();
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '"'))
}

/// How many left-out control characters of one file are reported one by one.
const CONTROLS_REPORTED: usize = 10;

/// What a chapter's mdBook directives need: the reader of the files they name, and the
/// chapter's folder (relative to the book).
pub(crate) struct Includes<'r, 'a> {
    pub(crate) reader: &'r mut crate::include::IncludeReader<'a>,
    pub(crate) folder: &'r str,
}

/// Characters with no printed form: C0 controls but tab and line ends, DEL, C1 controls.
fn is_stray_control(c: char) -> bool {
    let u = u32::from(c);
    (u < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || (0x7f..=0x9f).contains(&u)
}

/// Whitespace among the controls (Unicode's White_Space): read as spaces.
fn is_control_space(c: char) -> bool {
    matches!(c, '\u{b}' | '\u{c}' | '\u{85}')
}

impl<'a> Cleaned<'a> {
    fn of(
        text: &'a str,
        file: FileId,
        lines: &LineIndex,
        mut includes: Option<&mut Includes<'_, '_>>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let has_directives = includes.is_some() && crate::include::has_directive(text);
        if !has_directives && !text.chars().any(is_stray_control) {
            return Cleaned {
                text: std::borrow::Cow::Borrowed(text),
                pieces: Vec::new(),
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut pieces = vec![Piece {
            at: 0,
            source: 0,
            verbatim: true,
        }];
        let mut reported = 0;
        let mut skip_to = 0;
        for (at, c) in text.char_indices() {
            if at < skip_to {
                continue;
            }
            if c == '{'
                && has_directives
                && let Some(includes) = includes.as_deref_mut()
                && let Some(directive) = crate::include::directive_at(text, at)
            {
                let span = lines.span_in(text, file, at..at + directive.len);
                if !crate::include::is_known(directive.name) {
                    diagnostics.push(
                        Diagnostic::warning(
                            span,
                            format!(
                                "mdBook's `{{{{#{}}}}}` is not carried out: it is printed as written",
                                directive.name
                            ),
                        )
                        .with_hint("Quire carries out {{#include}}, {{#rustdoc_include}}, {{#playground}} and {{#title}}"),
                    );
                } else if text[..at].ends_with('\\') {
                    // `\{{#include x}}`: the directive written out, without the backslash.
                    out.pop();
                    pieces.push(Piece {
                        at: out.len(),
                        source: at,
                        verbatim: true,
                    });
                } else {
                    match crate::include::expand(&directive, includes.folder, includes.reader, 0)
                    {
                        Ok(included) => {
                            pieces.push(Piece {
                                at: out.len(),
                                source: at,
                                verbatim: false,
                            });
                            // Control characters of an included file go without a word.
                            out.extend(
                                included
                                    .chars()
                                    .map(|c| if is_control_space(c) { ' ' } else { c })
                                    .filter(|c| !is_stray_control(*c)),
                            );
                        }
                        Err(problem) => diagnostics.push(
                            Diagnostic::error(
                                span,
                                format!(
                                    "`{{{{#{} {}}}}}` cannot be carried out: {problem}",
                                    directive.name, directive.argument
                                ),
                            )
                            .with_hint("the path is relative to the file that names it, and stays inside the book folder"),
                        ),
                    }
                    skip_to = at + directive.len;
                    pieces.push(Piece {
                        at: out.len(),
                        source: skip_to,
                        verbatim: true,
                    });
                    continue;
                }
            }
            if !is_stray_control(c) {
                out.push(c);
                continue;
            }
            if is_control_space(c) {
                // As many spaces as it had bytes.
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
                continue;
            }
            if reported < CONTROLS_REPORTED {
                diagnostics.push(
                    Diagnostic::warning(
                        lines.span_in(text, file, at..at + c.len_utf8()),
                        format!(
                            "a control character (U+{:04X}) in the text is left out: it has no printed form",
                            u32::from(c)
                        ),
                    )
                    .with_hint("delete it from the file (a copy from a terminal or an old word processor can leave one)"),
                );
            }
            reported += 1;
            pieces.push(Piece {
                at: out.len(),
                source: at + c.len_utf8(),
                verbatim: true,
            });
        }
        if reported > CONTROLS_REPORTED {
            diagnostics.push(Diagnostic::warning(
                lines.span(file, 0..0),
                format!(
                    "{} more control characters in this file are left out",
                    reported - CONTROLS_REPORTED
                ),
            ));
        }
        Cleaned {
            text: std::borrow::Cow::Owned(out),
            pieces,
        }
    }
}

struct ChapterParser<'t, 'r> {
    /// The text parsed (see [`Cleaned`]).
    text: &'t str,
    /// The file's text as written, which spans point into.
    source: &'t str,
    /// Where the pieces of `text` come from in `source` (see [`Cleaned::pieces`]).
    pieces: &'t [Piece],
    file: FileId,
    lines: LineIndex,
    events: Vec<(Event<'t>, Range<usize>)>,
    pos: usize,
    chapter_id: &'r str,
    images: &'r mut ImageResolver<'r>,
    diagnostics: &'r mut Vec<Diagnostic>,
    title: Option<(Vec<Inline>, Span)>,
    /// Footnote label -> index, in order of first reference.
    note_order: BTreeMap<String, usize>,
    /// Labels by index, and the span of their first reference.
    note_refs: Vec<(String, Span)>,
    /// Label -> (content, span of the definition).
    note_defs: BTreeMap<String, (Vec<Block>, Span)>,
    /// Pandoc inline notes (`^[...]`) made so far, for their labels.
    inline_notes: usize,
    /// TeX math was found (and warned about once).
    tex_math_seen: bool,
    /// The HTML wrappers (`<div>`, `<center>` ...) open around the text being read, each
    /// with the alignment it asks for, innermost last.
    wrappers: Vec<Option<Alignment>>,
    /// The book language's quotation marks, for straight double quotes.
    quotes: QuoteMarks,
    /// Whether a double and a single quote are open in the paragraph (see
    /// [`QuoteMarks::by_turns`]).
    open_quotes: [bool; 2],
    /// A straight double quote opened inside the language's quotation marks typed as
    /// such (`«Он ответил "нет"`): it took the inner marks, and so does its close.
    double_inside_typed: bool,
    /// Reading a paragraph's inlines: a picture there is also kept in its line (see
    /// [`place_inline_images`]).
    in_paragraph: bool,
    /// Where HTML paragraphs centred or set flush right start (from [`html_block_tags`]).
    aligned: Vec<(Range<usize>, Alignment)>,
    heading_ids: Vec<String>,
    pending_figures: Vec<Block>,
    /// `<a id="x">` tags whose `</a>` is still to come.
    open_anchors: usize,
    /// The names of opening tags printed as text because they could not be read
    /// (`<span style={{color: 'red'}}>` in MDX): their closing tags print too.
    printed_open_tags: Vec<String>,
    /// `<ruby>` elements open around the text being read (their `<rt>` readings belong to
    /// them).
    open_ruby: usize,
    /// Reading a table cell: punctuation stays as written, pictures stay inline.
    in_cell: bool,
    /// A picture just read in a table cell, to go into the cell's inlines.
    cell_images: Vec<Inline>,
    /// Source ranges of the text events read since the last footnote check: an undefined
    /// `[^label]` is literal text, and only text (not code, not escaped brackets) can hold one.
    text_ranges: Vec<Range<usize>>,
    /// Index markers read so far.
    index_marks: Vec<IndexMark>,
    /// Block quotes and lists open around the current event.
    depth: usize,
    /// Reading a footnote's definition.
    in_note: bool,
    /// See [`ParsedChapter::later_titles`].
    later_titles: Vec<LaterTitle>,
    /// Where the definitions written after a blank line start (`Text` / blank /
    /// `: Caption`): such a line right before a table is its caption.
    separate_definitions: Vec<u32>,
    /// See [`ParsedChapter::title_alias`].
    title_alias: Option<String>,
    /// See [`ParsedChapter::aliases`].
    aliases: Vec<(String, String, Span)>,
    /// Pandoc's line blocks (`| a line`), now read as quotes (see [`pandoc_blocks`]): each
    /// is set as verse, a line for each line.
    line_blocks: Vec<LineBlock>,
    /// Reading a line block: a line end is a line break.
    in_line_block: bool,
    /// Containers opened deeper than [`MAX_NESTING`], read as if they were not there: their
    /// ends are skipped.
    flattened: usize,
    /// `<blockquote>` tags on lines of their own whose `</blockquote>` is still to come.
    html_quotes: usize,
    /// Where the `<blockquote>` HTML blocks at the chapter's top level that a
    /// `</blockquote>` block closes end (the index of the event after each).
    html_quote_openers: std::collections::BTreeSet<usize>,
    /// The `</blockquote>` of the innermost of them was just read.
    html_quote_closed: bool,
    /// The caption of an open `<Listing caption="...">` (The Rust Programming Language's
    /// listings), for the code block inside it.
    listing_caption: Option<String>,
}

/// How deep block quotes and lists may nest; deeper ones are read as part of the deepest
/// (no book nests 32 deep; a hostile one nesting 50,000 deep would exhaust the stack).
const MAX_NESTING: usize = 32;

impl<'t> ChapterParser<'t, '_> {
    /// A definition list, up to its end. pulldown-cmark takes any line that starts with a
    /// colon under a paragraph for a definition (`::std::vector`, `:wq`, Sphinx's
    /// `:param x:`); as Pandoc and PHP Markdown Extra have it, only a colon followed by a
    /// space or a tab starts one. Any other is the text as written: the line, colon and
    /// all, goes back into the paragraph above it (or, after a blank line, is a paragraph
    /// of its own), and a term left without a definition is a paragraph again.
    fn definition_list(&mut self, span: Span, out: &mut Vec<Block>) {
        /// A term, what follows it, and whether a real definition does.
        struct Entry {
            term: Vec<Inline>,
            span: Span,
            blocks: Vec<Block>,
            /// Where in `blocks` each real definition starts (a term may have several).
            starts: Vec<usize>,
            defined: bool,
        }
        let mut entries: Vec<Entry> = Vec::new();
        while let Some((event, range)) = self.next() {
            match event {
                Event::End(TagEnd::DefinitionList) => break,
                Event::Start(Tag::DefinitionListTitle) => {
                    let span = self.span(range.clone());
                    let term = self.inlines_until(Some(TagEnd::DefinitionListTitle));
                    entries.push(Entry {
                        term,
                        span,
                        blocks: Vec::new(),
                        starts: Vec::new(),
                        defined: false,
                    });
                }
                Event::Start(Tag::DefinitionListDefinition) => {
                    let span = self.span(range.clone());
                    let text = self.text;
                    let marker = text
                        .get(range.start..range.end)
                        .and_then(|t| t.find(':'))
                        .map(|i| range.start + i);
                    let loose = marker.is_some_and(|m| {
                        text.get(m + 1..)
                            .and_then(|rest| rest.chars().next())
                            .is_some_and(|c| !c.is_whitespace())
                    });
                    // A blank line between the text above and this line.
                    let blank_before = text.get(..range.start).is_some_and(|before| {
                        let above = before.trim_end_matches([' ', '\t', '\r', '\n']);
                        before[above.len()..].matches('\n').count() >= 2
                    });
                    let mut blocks = self.blocks_until(Some(TagEnd::DefinitionListDefinition));
                    if entries.is_empty() {
                        entries.push(Entry {
                            term: Vec::new(),
                            span: Span {
                                end: span.start,
                                ..span
                            },
                            blocks: Vec::new(),
                            starts: Vec::new(),
                            defined: false,
                        });
                    }
                    let Some(entry) = entries.last_mut() else {
                        continue;
                    };
                    let written = match (loose, marker, blocks.as_mut_slice()) {
                        (
                            true,
                            Some(m),
                            [
                                Block {
                                    kind: BlockKind::Paragraph(content),
                                    span: line_span,
                                },
                            ],
                        ) => Some((m, std::mem::take(content), *line_span)),
                        _ => None,
                    };
                    let Some((m, content, line_span)) = written else {
                        if blank_before && let Some(first) = blocks.first() {
                            self.separate_definitions.push(first.span.start);
                        }
                        entry.starts.push(entry.blocks.len());
                        entry.blocks.append(&mut blocks);
                        entry.defined = true;
                        continue;
                    };
                    let colon_span = self.span(m..m + 1);
                    let mut line = vec![Inline {
                        kind: InlineKind::Text(":".into()),
                        span: colon_span,
                    }];
                    line.extend(content);
                    let line_span = Span {
                        start: colon_span.start.min(line_span.start),
                        ..line_span
                    };
                    // The paragraph the line continues: the term's, or the definition's.
                    let above = match entry.blocks.last_mut() {
                        Some(Block {
                            kind: BlockKind::Paragraph(content),
                            span,
                        }) => Some((content, span)),
                        Some(_) => None,
                        None => Some((&mut entry.term, &mut entry.span)),
                    };
                    match above {
                        Some((content, above_span)) if !blank_before => {
                            // The line break between them, a space as any soft break.
                            push_text(content, " ", colon_span);
                            content.extend(line);
                            above_span.end = above_span.end.max(line_span.end);
                        }
                        _ => entry.blocks.push(Block {
                            kind: BlockKind::Paragraph(line),
                            span: line_span,
                        }),
                    }
                }
                _ => {}
            }
        }
        let mut items: Vec<ListItem> = Vec::new();
        let flush = |items: &mut Vec<ListItem>, out: &mut Vec<Block>| {
            if let Some(first) = items.first() {
                let span = Span {
                    start: first.span.start.min(span.start),
                    ..span
                };
                out.push(Block {
                    kind: BlockKind::List(List {
                        start: None,
                        items: std::mem::take(items),
                        terms: true,
                        parenthesized: false,
                    }),
                    span,
                });
            }
        };
        for mut entry in entries {
            if entry.defined {
                // One item per definition: the term with the first, an empty term with
                // each further one (what came before the first goes with it).
                let mut ends: Vec<usize> = entry.starts.iter().skip(1).copied().collect();
                ends.push(entry.blocks.len());
                let mut rest = std::mem::take(&mut entry.blocks);
                let mut taken = 0;
                for (k, end) in ends.into_iter().enumerate() {
                    let tail = rest.split_off(end - taken);
                    let definition = std::mem::replace(&mut rest, tail);
                    taken = end;
                    let (term, span) = if k == 0 && !entry.term.is_empty() {
                        let term = std::mem::take(&mut entry.term);
                        // A term is bold, once: `**term**` is not made bolder.
                        let bold = matches!(
                            term.as_slice(),
                            [Inline {
                                kind: InlineKind::Strong(_),
                                ..
                            }]
                        );
                        (
                            if bold {
                                term
                            } else {
                                vec![Inline {
                                    kind: InlineKind::Strong(term),
                                    span: entry.span,
                                }]
                            },
                            entry.span,
                        )
                    } else {
                        let at = definition.first().map_or(entry.span, |b| b.span);
                        (
                            Vec::new(),
                            Span {
                                end: at.start,
                                ..at
                            },
                        )
                    };
                    let mut blocks = vec![Block {
                        kind: BlockKind::Paragraph(term),
                        span,
                    }];
                    blocks.extend(definition);
                    items.push(ListItem { blocks, span });
                }
            } else {
                flush(&mut items, out);
                if !entry.term.is_empty() {
                    out.push(Block {
                        kind: BlockKind::Paragraph(entry.term),
                        span: entry.span,
                    });
                }
                out.extend(entry.blocks);
            }
        }
        flush(&mut items, out);
    }

    fn span(&self, range: Range<usize>) -> Span {
        let range = if self.pieces.is_empty() {
            range
        } else {
            let start = Piece::source_of(self.pieces, range.start);
            start..Piece::source_of(self.pieces, range.end).max(start)
        };
        self.lines.span_in(self.source, self.file, range)
    }

    fn next(&mut self) -> Option<(Event<'t>, Range<usize>)> {
        let item = self.events.get(self.pos).cloned();
        if item.is_some() {
            self.pos += 1;
        }
        item
    }

    fn blocks_until(&mut self, end: Option<TagEnd>) -> Vec<Block> {
        let mut out = Vec::new();
        while let Some((event, range)) = self.next() {
            match event {
                Event::End(TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item)
                    if self.flattened > 0 =>
                {
                    self.flattened -= 1;
                }
                Event::End(e) if Some(e) == end => break,
                Event::End(_) => {}
                // A tight list item's text may open with emphasis, a link ...: loose inlines.
                Event::Start(
                    Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::Superscript
                    | Tag::Subscript
                    | Tag::Link { .. }
                    | Tag::Image { .. },
                ) => {
                    self.pos -= 1;
                    self.loose_inlines(range.start, &mut out);
                }
                Event::Start(tag) => {
                    self.block(tag, range, &mut out);
                    if self.html_quote_closed {
                        // The `</blockquote>` of the HTML quote these blocks are in.
                        self.html_quote_closed = false;
                        break;
                    }
                }
                Event::Rule => out.push(Block {
                    kind: BlockKind::SceneBreak,
                    span: self.span(range),
                }),
                Event::Html(html) => self.html_block(&html, range, &mut out),
                Event::Text(_)
                | Event::Code(_)
                | Event::SoftBreak
                | Event::HardBreak
                | Event::InlineHtml(_)
                | Event::FootnoteReference(_)
                | Event::InlineMath(_)
                | Event::DisplayMath(_)
                | Event::TaskListMarker(_) => {
                    // Loose inlines: the text of a tight list item.
                    self.pos -= 1;
                    self.loose_inlines(range.start, &mut out);
                }
            }
        }
        out
    }

    /// The inlines of a tight list item (no paragraph around them), from the current
    /// event to the next block, as one paragraph.
    fn loose_inlines(&mut self, start: usize, out: &mut Vec<Block>) {
        let outer = std::mem::replace(&mut self.in_paragraph, true);
        self.open_quotes = [false; 2];
        self.double_inside_typed = false;
        let content = self.inlines_until(None);
        self.in_paragraph = outer;
        let end_offset = self
            .events
            .get(self.pos.saturating_sub(1))
            .map_or(start, |(_, r)| r.end);
        self.push_paragraph(content, start..end_offset, out);
    }

    fn block(&mut self, tag: Tag<'t>, range: Range<usize>, out: &mut Vec<Block>) {
        let span = self.span(range.clone());
        let end = tag.to_end();
        if matches!(tag, Tag::BlockQuote(_) | Tag::List(_) | Tag::Item) {
            if self.depth >= MAX_NESTING {
                if self.flattened == 0 {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            span,
                            format!(
                                "quotes and lists nest more than {MAX_NESTING} deep here: the deeper levels are set at depth {MAX_NESTING}"
                            ),
                        )
                        .with_hint("no reader can follow such nesting: flatten the text"),
                    );
                }
                self.flattened += 1;
                return;
            }
            self.depth += 1;
            self.container(tag, span, end, range, out);
            self.depth -= 1;
            return;
        }
        self.tagged_block(tag, span, end, range, out);
    }

    /// A block quote or a list (an item outside a list: its blocks).
    fn container(
        &mut self,
        tag: Tag<'t>,
        span: Span,
        end: TagEnd,
        range: Range<usize>,
        out: &mut Vec<Block>,
    ) {
        match tag {
            Tag::Item => {
                let blocks = self.blocks_until(Some(end));
                out.extend(blocks);
            }
            other => self.tagged_block(other, span, end, range, out),
        }
    }

    /// A block of any other kind (and the lists and quotes [`Self::container`] passes on).
    fn tagged_block(
        &mut self,
        tag: Tag<'t>,
        span: Span,
        end: TagEnd,
        range: Range<usize>,
        out: &mut Vec<Block>,
    ) {
        match tag {
            Tag::Paragraph => {
                self.text_ranges.clear();
                let outer = std::mem::replace(&mut self.in_paragraph, true);
                self.open_quotes = [false; 2];
                self.double_inside_typed = false;
                let content = self.inlines_until(Some(end));
                self.in_paragraph = outer;
                self.push_paragraph(content, range, out);
            }
            Tag::Heading {
                level,
                id: alias,
                attrs,
                ..
            } => {
                self.text_ranges.clear();
                let mut content = self.inlines_until(Some(end));
                self.check_undefined_notes();
                // `{#id .class key=value}` after a heading (Pandoc, mdBook) is not printed,
                // and its id is another name links may use. Braces holding anything else
                // ("Sets {1, 2}") are the heading's text.
                let attributes = attrs.iter().all(|(_, value)| value.is_some());
                let alias = alias
                    .map(|a| a.trim().to_string())
                    .filter(|a| attributes && !a.is_empty() && !a.contains(char::is_whitespace));
                if !attributes && let Some(braces) = trailing_braces(&self.text[range.clone()]) {
                    content.push(Inline {
                        kind: InlineKind::Text(format!(" {braces}")),
                        span,
                    });
                }
                let empty = alias.is_none()
                    && Inline::plain_text(&content).trim().is_empty()
                    && content
                        .iter()
                        .all(|i| matches!(i.kind, InlineKind::Text(_)));
                if empty {
                    // A line of only `#` (or `##`...): the manuscript's mark of a scene
                    // break (William Shunn's format), no untitled chapter or section.
                    if !out.is_empty() || self.title.is_some() {
                        out.push(Block {
                            kind: BlockKind::SceneBreak,
                            span,
                        });
                    }
                } else if level == HeadingLevel::H1 && self.title.is_none() {
                    self.title = Some((content, span));
                    self.title_alias = alias;
                } else if level == HeadingLevel::H1 && self.depth == 0 && !self.in_note {
                    // Figures waiting for their place go before the chapter ends.
                    out.append(&mut self.pending_figures);
                    self.later_titles.push(LaterTitle {
                        at: out.len(),
                        title: content,
                        span,
                        alias,
                    });
                } else {
                    let level = (level as u8).max(2);
                    let id = self.heading_id(&Inline::plain_text(&content));
                    if let Some(alias) = alias {
                        self.aliases.push((alias, id.clone(), span));
                    }
                    out.push(Block {
                        kind: BlockKind::Heading { level, id, content },
                        span,
                    });
                }
            }
            Tag::BlockQuote(_) if self.line_blocks.iter().any(|b| b.at == range.start) => {
                let indents = self
                    .line_blocks
                    .iter()
                    .find(|b| b.at == range.start)
                    .map(|b| b.indents.clone())
                    .unwrap_or_default();
                let outer = std::mem::replace(&mut self.in_line_block, true);
                let inner = self.blocks_until(Some(end));
                self.in_line_block = outer;
                let mut stanzas: Vec<Vec<VerseLine>> = Vec::new();
                for block in inner {
                    match block.kind {
                        BlockKind::Paragraph(content) => stanzas.push(verse_lines(content)),
                        // Whatever else a line block holds stays what it is, after it.
                        _ => out.push(block),
                    }
                }
                // The indentation as written (CommonMark drops it from continued lines).
                for (line, indent) in stanzas.iter_mut().flatten().zip(indents) {
                    line.indent = indent;
                }
                out.push(Block {
                    kind: BlockKind::Verse(stanzas),
                    span,
                });
            }
            Tag::BlockQuote(kind) => {
                let mut inner = self.blocks_until(Some(end));
                // GitHub's alerts (`> [!NOTE]`): the quote opens with its label, in bold.
                if let Some(kind) = kind {
                    let label = match kind {
                        BlockQuoteKind::Note => "Note",
                        BlockQuoteKind::Tip => "Tip",
                        BlockQuoteKind::Important => "Important",
                        BlockQuoteKind::Warning => "Warning",
                        BlockQuoteKind::Caution => "Caution",
                    };
                    let text = Inline {
                        kind: InlineKind::Text(label.to_string()),
                        span,
                    };
                    inner.insert(
                        0,
                        Block {
                            kind: BlockKind::Paragraph(vec![Inline {
                                kind: InlineKind::Strong(vec![text]),
                                span,
                            }]),
                            span,
                        },
                    );
                }
                out.push(Block {
                    kind: verse_or_quote(inner),
                    span,
                });
            }
            Tag::CodeBlock(kind) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => self.code_info(&info, span),
                    CodeBlockKind::Indented => CodeInfo::default(),
                };
                let CodeInfo {
                    language,
                    id,
                    caption,
                    line_numbers,
                } = info;
                let caption = caption.or_else(|| self.listing_caption.take());
                if let Some(id) = id {
                    // Named like a figure: an anchor just before it.
                    out.push(Block {
                        kind: BlockKind::Anchor(id),
                        span,
                    });
                }
                let mut text = String::new();
                while let Some((event, _)) = self.next() {
                    match event {
                        Event::End(TagEnd::CodeBlock) => break,
                        Event::Text(t) => text.push_str(&t),
                        _ => {}
                    }
                }
                if text.ends_with('\n') {
                    text.pop();
                }
                if language
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case("rust"))
                {
                    text = visible_rust(&text);
                }
                out.push(Block {
                    kind: BlockKind::CodeBlock {
                        language,
                        text,
                        caption: caption.map(|c| inline_markdown(&c, span)),
                        line_numbers,
                    },
                    span,
                });
            }
            Tag::HtmlBlock => {
                let mut html = String::new();
                while let Some((event, _)) = self.next() {
                    match event {
                        Event::End(TagEnd::HtmlBlock) => break,
                        Event::Html(t) | Event::Text(t) => html.push_str(&t),
                        _ => {}
                    }
                }
                self.html_block(&html, range, out);
            }
            Tag::List(start) => {
                let mut items = Vec::new();
                let mut parenthesized = false;
                while let Some((event, item_range)) = self.next() {
                    match event {
                        Event::Start(Tag::Item) => {
                            // `1)` or `1.`: the reading does not say; the first item's
                            // marker, as written, does.
                            if start.is_some() && items.is_empty() {
                                let marker = self.text.get(item_range.clone()).unwrap_or_default();
                                let marker = marker.trim_start();
                                let digits = marker.len()
                                    - marker
                                        .trim_start_matches(|c: char| c.is_ascii_digit())
                                        .len();
                                parenthesized = marker[digits..].starts_with(')');
                            }
                            let blocks = self.blocks_until(Some(TagEnd::Item));
                            items.push(ListItem {
                                blocks,
                                span: self.span(item_range),
                            });
                        }
                        Event::End(TagEnd::List(_)) => break,
                        _ => {}
                    }
                }
                out.push(Block {
                    kind: BlockKind::List(List {
                        start,
                        items,
                        terms: false,
                        parenthesized,
                    }),
                    span,
                });
            }
            // A definition list (`Term` / `: its definition`): an item per term, the term
            // (in bold) its first block, its definitions after it.
            Tag::DefinitionList => self.definition_list(span, out),
            Tag::FootnoteDefinition(label) => {
                let in_note = std::mem::replace(&mut self.in_note, true);
                let blocks = self.blocks_until(Some(end));
                self.in_note = in_note;
                let label = label.to_string();
                match self.note_defs.entry(label) {
                    std::collections::btree_map::Entry::Occupied(entry) => {
                        let label = entry.key();
                        self.diagnostics.push(
                            Diagnostic::error(
                                span,
                                format!("footnote `[^{label}]` is defined twice"),
                            )
                            .with_hint("give each note its own label"),
                        );
                    }
                    std::collections::btree_map::Entry::Vacant(entry) => {
                        entry.insert((blocks, span));
                    }
                }
            }
            Tag::Table(alignments) => {
                let alignments = alignments
                    .iter()
                    .map(|a| match a {
                        pulldown_cmark::Alignment::None => Alignment::None,
                        pulldown_cmark::Alignment::Left => Alignment::Left,
                        pulldown_cmark::Alignment::Center => Alignment::Center,
                        pulldown_cmark::Alignment::Right => Alignment::Right,
                    })
                    .collect();
                let mut head = Vec::new();
                let mut rows = Vec::new();
                while let Some((event, _)) = self.next() {
                    match event {
                        Event::Start(Tag::TableHead) => head = self.table_cells(TagEnd::TableHead),
                        Event::Start(Tag::TableRow) => {
                            rows.push(self.table_cells(TagEnd::TableRow))
                        }
                        Event::End(TagEnd::Table) => break,
                        _ => {}
                    }
                }
                out.push(Block {
                    kind: BlockKind::Table(Table {
                        alignments,
                        head,
                        rows,
                        caption: None,
                    }),
                    span,
                });
            }
            // Inline tags at block level do not occur; anything else is skipped with its content.
            other => {
                let end = other.to_end();
                let inner = self.blocks_until(Some(end));
                out.extend(inner);
            }
        }
    }

    fn table_cells(&mut self, end: TagEnd) -> Vec<TableCell> {
        let mut cells = Vec::new();
        while let Some((event, range)) = self.next() {
            match event {
                Event::Start(Tag::TableCell) => {
                    self.text_ranges.clear();
                    self.in_cell = true;
                    let content = self.inlines_until(Some(TagEnd::TableCell));
                    self.in_cell = false;
                    self.check_undefined_notes();
                    cells.push(TableCell {
                        content,
                        span: self.span(range),
                    });
                }
                Event::End(e) if e == end => break,
                _ => {}
            }
        }
        cells
    }

    fn push_paragraph(
        &mut self,
        mut content: Vec<Inline>,
        range: Range<usize>,
        out: &mut Vec<Block>,
    ) {
        if self.quotes.french {
            french_spacing(&mut content);
        } else if opens_guillemets_the_french_way(&content) {
            guillemet_spacing(&mut content);
        }
        let span = self.span(range.clone());
        self.check_undefined_notes();
        // Spaces opening a paragraph (an ideographic space as its indent, as Japanese text
        // is written, or a web edition's `&nbsp;`s): the paragraph's own indent stands for
        // them, in the EPUB as in print.
        // In hand-broken lines (a stanza) the first line's em and no-break spaces are its
        // indent, as the later lines' are (see `finish_verse_line`).
        let broken = content
            .iter()
            .any(|i| matches!(i.kind, InlineKind::LineBreak));
        if let Some(Inline {
            kind: InlineKind::Text(first),
            ..
        }) = content.first_mut()
        {
            let trimmed = if broken {
                first.trim_start_matches(|c: char| {
                    c.is_whitespace()
                        && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{2003}' | '\u{2002}')
                })
            } else {
                first.trim_start()
            };
            if trimmed.len() < first.len() {
                *first = trimmed.to_string();
                if first.is_empty() {
                    content.remove(0);
                }
            }
        }
        let mut figures = std::mem::take(&mut self.pending_figures);
        place_inline_images(&mut content, &mut figures);
        let is_blank = content.iter().all(|i| match &i.kind {
            InlineKind::Text(t) => t.trim().is_empty(),
            InlineKind::LineBreak => true,
            _ => false,
        });
        if !is_blank && self.depth == 0 && !self.in_note && is_scene_ornament(&content) {
            // `⁂`, `❧` or `\* \* \*` alone (centred, in a web edition): a scene break, which
            // print and ebook mark in their own way (no font of the book has the asterism).
            out.push(Block {
                kind: BlockKind::SceneBreak,
                span,
            });
        } else if !is_blank {
            let align = self
                .aligned
                .iter()
                .find(|(lines, _)| lines.contains(&range.start))
                .map(|(_, align)| *align)
                .or_else(|| self.wrappers.iter().rev().find_map(|a| *a));
            let kind = match align {
                Some(align) => BlockKind::Aligned { align, content },
                None => BlockKind::Paragraph(content),
            };
            out.push(Block { kind, span });
        }
        out.extend(figures);
    }

    /// Inlines up to the given end tag, or (for `None`) up to the first block-level event.
    fn inlines_until(&mut self, end: Option<TagEnd>) -> Vec<Inline> {
        self.inlines_until_html(end, None)
    }

    /// Inlines up to the end tag `end`, or (with `html_end`) up to the closing HTML tag of
    /// that name; an element the paragraph ends inside is closed there, with a warning.
    fn inlines_until_html(&mut self, end: Option<TagEnd>, html_end: Option<&str>) -> Vec<Inline> {
        let mut out = self.inlines_as_read(end, html_end);
        self.pandoc_inline_notes(&mut out);
        pandoc_scripts(&mut out);
        out
    }

    /// Pandoc's inline notes (`text.^[The note, *formatted*.]`): each becomes a footnote of
    /// the chapter, numbered with the others where it stands. The brackets are matched in
    /// the text at this level (a `]` in code does not count); a note left unclosed stays as
    /// written.
    fn pandoc_inline_notes(&mut self, inlines: &mut Vec<Inline>) {
        let opens = |i: &Inline| matches!(&i.kind, InlineKind::Text(t) if t.contains("^["));
        if !inlines.iter().any(opens) {
            return;
        }
        let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
        let mut rest: std::collections::VecDeque<Inline> = std::mem::take(inlines).into();
        while let Some(inline) = rest.pop_front() {
            let InlineKind::Text(text) = &inline.kind else {
                out.push(inline);
                continue;
            };
            let Some(at) = text.find("^[") else {
                out.push(inline);
                continue;
            };
            // Find the `]` closing it: in this text, or in a later text at this level.
            let span = inline.span;
            let before = text[..at].to_string();
            let mut note: Vec<Inline> = Vec::new();
            let mut depth = 0usize;
            let mut pending = text[at + 2..].to_string();
            let mut taken: Vec<Inline> = Vec::new();
            let closed = loop {
                let close = pending.char_indices().find_map(|(k, c)| match c {
                    '[' => {
                        depth += 1;
                        None
                    }
                    ']' if depth == 0 => Some(k),
                    ']' => {
                        depth -= 1;
                        None
                    }
                    _ => None,
                });
                if let Some(k) = close {
                    push_text(&mut note, &pending[..k], span);
                    break Some(pending[k + 1..].to_string());
                }
                push_text(&mut note, &pending, span);
                // The next inline: formatted text is part of the note, text is read on.
                match rest.pop_front() {
                    Some(next) => {
                        taken.push(next.clone());
                        match next.kind {
                            InlineKind::Text(t) => pending = t,
                            _ => {
                                note.push(next);
                                pending = String::new();
                            }
                        }
                    }
                    None => break None,
                }
            };
            let Some(after) = closed else {
                // Unclosed: as written.
                out.push(inline);
                out.extend(taken);
                break;
            };
            // `^[0-9]+$` in a sentence about patterns is no note: a note of one word must
            // follow a word or a mark, and a character range is never one.
            let plain = Inline::plain_text(&note);
            let attached = match before.chars().last() {
                Some(c) => !c.is_whitespace(),
                None => out.last().is_some_and(|i| {
                    !Inline::plain_text(std::slice::from_ref(i)).ends_with(char::is_whitespace)
                }),
            };
            if !plain.contains(char::is_whitespace)
                && (!attached || plain.is_empty() || has_character_range(&plain))
            {
                push_text(&mut out, &format!("{before}^["), span);
                for inline in taken.into_iter().rev() {
                    rest.push_front(inline);
                }
                rest.push_front(Inline {
                    kind: InlineKind::Text(text[at + 2..].to_string()),
                    span,
                });
                continue;
            }
            push_text(&mut out, &before, span);
            let label = format!("\u{0}inline-note-{}", self.inline_notes);
            self.inline_notes += 1;
            pandoc_scripts(&mut note);
            let id = self.note_ref(&label, span);
            self.note_defs.insert(
                label,
                (
                    vec![Block {
                        kind: BlockKind::Paragraph(note),
                        span,
                    }],
                    span,
                ),
            );
            out.push(Inline {
                kind: InlineKind::FootnoteRef(id),
                span,
            });
            if !after.is_empty() {
                // The rest is looked at again: it may open another note.
                rest.push_front(Inline {
                    kind: InlineKind::Text(after),
                    span,
                });
            }
        }
        out.extend(rest);
        *inlines = out;
    }

    /// [`Self::inlines_until_html`], before Pandoc's superscripts and subscripts are found.
    fn inlines_as_read(&mut self, end: Option<TagEnd>, html_end: Option<&str>) -> Vec<Inline> {
        let mut out: Vec<Inline> = Vec::new();
        while let Some((event, range)) = self.next() {
            let span = self.span(range.clone());
            match event {
                Event::End(e) if Some(e) == end => break,
                Event::InlineHtml(ref html)
                    if html_end.is_some_and(|name| {
                        html::Tag::parse(html).is_some_and(|t| t.closing && t.name == name)
                    }) =>
                {
                    return out;
                }
                Event::Text(t) => {
                    self.text_ranges.push(range.clone());
                    // In a table cell the text stays as typed: smart punctuation's curly
                    // quotes and dashes go back to the characters written (`"=="`,
                    // `a--b`, `'x'` are a technical table's operators and literals), but
                    // for an apostrophe between letters (`Baker's`), which is never one.
                    let written = self.text.get(range.clone()).unwrap_or_default();
                    let before = self.text[..range.start].chars().next_back();
                    let after = self.text[range.end..].chars().next();
                    let letter = |c: Option<char>| c.is_some_and(char::is_alphabetic);
                    let prose = written == "'" && letter(before) && letter(after);
                    let literal = self.in_cell
                        && !prose
                        && matches!(
                            &*t,
                            "\u{201C}"
                                | "\u{201D}"
                                | "\u{2018}"
                                | "\u{2019}"
                                | "\u{2013}"
                                | "\u{2014}"
                                | "\u{2026}"
                        )
                        && matches!(written, "\"" | "'" | "--" | "---" | "...");
                    // A straight double quote becomes the language's quotation mark.
                    let quote = if literal {
                        None
                    } else if self.quotes.by_turns && matches!(written, "\"" | "'") {
                        // Chinese, Japanese and Korean put no space around quotes, and
                        // GFM's rule (a quote before a letter opens) turns closing
                        // ones: quotes open and close by turns in a paragraph.
                        let double = written == "\"";
                        let open = &mut self.open_quotes[usize::from(!double)];
                        *open = !*open;
                        let (opening, closing) = if double {
                            (
                                self.quotes.open.unwrap_or("“"),
                                self.quotes.close.unwrap_or("”"),
                            )
                        } else {
                            self.quotes.single.unwrap_or(("‘", "’"))
                        };
                        Some(if *open { opening } else { closing })
                    } else if &*t == "\u{2018}"
                        && written == "'"
                        && apostrophe_follows(self.text.get(range.end..).unwrap_or_default())
                    {
                        // `rock 'n' roll`: both marks are apostrophes (GFM pairs them as
                        // quotes around the `n`); `the '90s` (paired with a later `boys'`)
                        // as well.
                        Some("\u{2019}")
                    } else if &*t == "\u{201C}"
                        && written == "\""
                        && self.text[..range.start]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_ascii_digit())
                        && !self.text[range.end..]
                            .chars()
                            .next()
                            .is_some_and(char::is_alphanumeric)
                    {
                        // Inches (`6' 2"`, `a 12" record`): a mark after a number closes,
                        // as its feet's apostrophe does; GFM opened it.
                        Some("\u{201D}")
                    } else if &*t == "\u{201C}"
                        && written == "\""
                        && self.text[..range.start]
                            .chars()
                            .next_back()
                            .is_some_and(|c| {
                                !c.is_whitespace() && !"([{\u{2014}\u{2013}-".contains(c)
                            })
                        && !self.text[range.end..]
                            .chars()
                            .next()
                            .is_some_and(char::is_alphanumeric)
                    {
                        // A closing quote typed straight after an opening one typed curly
                        // (`“Yes," she said`): GFM, finding no straight one to pair it
                        // with, opened it; after a word and before a space it closes.
                        Some(self.quotes.close.unwrap_or("\u{201D}"))
                    } else {
                        let next_is_letter = self.text[range.end..]
                            .chars()
                            .next()
                            .is_some_and(char::is_alphanumeric);
                        match (&*t, self.quotes.single) {
                            ("\u{201C}", Some((open, _)))
                                if written == "\"" && self.inside_typed_quotation(range.start) =>
                            {
                                self.double_inside_typed = true;
                                Some(open)
                            }
                            ("\u{201D}", Some((_, close)))
                                if written == "\"" && self.double_inside_typed =>
                            {
                                self.double_inside_typed = false;
                                Some(close)
                            }
                            ("\u{201C}", _) if written == "\"" => self.quotes.open,
                            ("\u{201D}", _) if written == "\"" => self.quotes.close,
                            // A quotation inside a quotation, in the language's inner marks
                            // (German ‚ ‘, Russian „ “, Polish « »): an opening single quote,
                            // and the next closing one that is not an apostrophe inside a
                            // word (`geht's` keeps its apostrophe).
                            ("\u{2018}", Some((open, _))) if written == "'" => {
                                self.open_quotes[1] = true;
                                Some(open)
                            }
                            ("\u{2019}", Some((_, close)))
                                if written == "'" && self.open_quotes[1] && !next_is_letter =>
                            {
                                self.open_quotes[1] = false;
                                Some(close)
                            }
                            _ => None,
                        }
                    };
                    push_text(
                        &mut out,
                        quote.unwrap_or(if literal { written } else { &t }),
                        span,
                    )
                }
                Event::Code(t) => out.push(Inline {
                    kind: InlineKind::Code(t.to_string()),
                    span,
                }),
                Event::SoftBreak if self.in_line_block => out.push(Inline {
                    kind: InlineKind::LineBreak,
                    span,
                }),
                Event::SoftBreak => {
                    // A line break between two Chinese or Japanese characters is no space
                    // (as CSS's segment break rules have it): those scripts put none
                    // between words, and the author only wrapped the line.
                    // The characters on either side, markup (emphasis, a link, code) aside.
                    let before = out.last().and_then(|i| {
                        Inline::plain_text(std::slice::from_ref(i))
                            .chars()
                            .next_back()
                    });
                    let after = self
                        .text
                        .get(range.end..)
                        .unwrap_or_default()
                        .chars()
                        .find(|c| !matches!(c, ' ' | '\t' | '>' | '*' | '_' | '[' | '`' | '~'));
                    let joined = before.is_some_and(is_wide_east_asian)
                        && after.is_some_and(is_wide_east_asian);
                    if !joined {
                        push_text(&mut out, " ", span);
                    }
                }
                Event::HardBreak => out.push(Inline {
                    kind: InlineKind::LineBreak,
                    span,
                }),
                Event::InlineMath(t) | Event::DisplayMath(t) => {
                    // As written, its dollars included: Quire does not typeset math.
                    let written = self.text.get(range.clone()).unwrap_or(&t);
                    push_text(&mut out, written, span);
                    self.warn_tex_math(std::slice::from_ref(&range));
                }
                Event::TaskListMarker(done) => {
                    // A task list's boxes, as a browser shows its checkboxes.
                    push_text(&mut out, if done { "\u{2611} " } else { "\u{2610} " }, span)
                }
                Event::FootnoteReference(label) => {
                    let id = self.note_ref(&label, span);
                    out.push(Inline {
                        kind: InlineKind::FootnoteRef(id),
                        span,
                    });
                }
                Event::InlineHtml(html) | Event::Html(html) => {
                    self.inline_html(&html, range, &mut out)
                }
                Event::Start(tag) => {
                    let end = tag.to_end();
                    match tag {
                        Tag::Emphasis => {
                            let c = self.inlines_until(Some(end));
                            out.push(Inline {
                                kind: InlineKind::Emphasis(c),
                                span,
                            });
                        }
                        Tag::Strong => {
                            let c = self.inlines_until(Some(end));
                            out.push(Inline {
                                kind: InlineKind::Strong(c),
                                span,
                            });
                        }
                        Tag::Link {
                            link_type,
                            dest_url,
                            title,
                            ..
                        } => {
                            let mut content = self.inlines_until(Some(end));
                            // A note in the link's text is set after the link: a link
                            // holds no link.
                            let notes = take_note_refs(&mut content);
                            if !notes.is_empty() {
                                // `[the site [^1] says]`: one space where the note stood.
                                let parts = std::mem::take(&mut content);
                                for inline in parts {
                                    match inline.kind {
                                        InlineKind::Text(t) => {
                                            push_text(&mut content, &t, inline.span)
                                        }
                                        _ => content.push(inline),
                                    }
                                }
                                for inline in &mut content {
                                    if let InlineKind::Text(t) = &mut inline.kind
                                        && t.contains("  ")
                                    {
                                        *t = t.replace("  ", " ");
                                    }
                                }
                                trim_inlines(&mut content);
                            }
                            // `<someone@example.com>`: an e-mail address, written bare.
                            let dest_url = if link_type == pulldown_cmark::LinkType::Email
                                && !dest_url.starts_with("mailto:")
                            {
                                format!("mailto:{dest_url}").into()
                            } else {
                                dest_url
                            };
                            // `[](#target "page")`: no text, a cross-reference.
                            let empty = Inline::plain_text(&content).trim().is_empty();
                            match self.checked_url(&dest_url, span) {
                                Some(url) if empty && !is_external(&url) => {
                                    let kind = match title.trim().to_ascii_lowercase().as_str() {
                                        "chapter" => RefKind::Chapter,
                                        "figure" => RefKind::Figure,
                                        "listing" => RefKind::Listing,
                                        "" | "page" => RefKind::Page,
                                        other => {
                                            self.diagnostics.push(
                                                Diagnostic::warning(
                                                    span,
                                                    format!("cross-reference kind `{other}` is not known: it prints the page"),
                                                )
                                                .with_hint("write `[](#target \"page\")`, `\"chapter\"`, `\"figure\"` or `\"listing\"`"),
                                            );
                                            RefKind::Page
                                        }
                                    };
                                    out.push(Inline {
                                        kind: InlineKind::CrossRef { target: url, kind },
                                        span,
                                    });
                                }
                                Some(url) => out.push(Inline {
                                    kind: InlineKind::Link { url, content },
                                    span,
                                }),
                                None => out.extend(content),
                            }
                            out.extend(notes);
                        }
                        Tag::Image {
                            dest_url, title, ..
                        } => {
                            let alt_inlines = self.inlines_until(Some(end));
                            let alt = Inline::plain_text(&alt_inlines).trim().to_string();
                            let figures = self.pending_figures.len();
                            if !self.figure(&dest_url, &title, alt, span) {
                                // A picture on the web: its description stands in its place.
                                out.extend(alt_inlines.iter().cloned());
                            }
                            // A note in the description (`![A map.[^1]](map.png)`): the
                            // description is the caption, as Pandoc prints it, when the
                            // picture has no title; else the note follows the title.
                            if alt_inlines
                                .iter()
                                .any(|i| matches!(i.kind, InlineKind::FootnoteRef(_)))
                                && self.pending_figures.len() > figures
                                && let Some(Block {
                                    kind: BlockKind::Figure(figure),
                                    ..
                                }) = self.pending_figures.last_mut()
                            {
                                match &mut figure.caption {
                                    Some(caption) => {
                                        caption.extend(alt_inlines.into_iter().filter(|i| {
                                            matches!(i.kind, InlineKind::FootnoteRef(_))
                                        }))
                                    }
                                    None => {
                                        let mut caption = alt_inlines;
                                        trim_inlines(&mut caption);
                                        figure.caption = Some(caption);
                                    }
                                }
                            }
                            out.append(&mut self.cell_images);
                            // Pandoc's attributes after a picture (`{#fig:map width=50%}`)
                            // are not printed; its id names the figure.
                            if let Some(id) = self.image_attributes(range.end, span, &mut out)
                                && self.pending_figures.len() > figures
                            {
                                let at = self.pending_figures.len() - 1;
                                self.pending_figures.insert(
                                    at,
                                    Block {
                                        kind: BlockKind::Anchor(id),
                                        span,
                                    },
                                );
                            }
                        }
                        Tag::Strikethrough => {
                            let content = self.inlines_until(Some(end));
                            out.push(Inline {
                                kind: InlineKind::Styled {
                                    style: TextStyle::Strikethrough,
                                    content,
                                },
                                span,
                            });
                        }
                        Tag::Superscript | Tag::Subscript => {
                            let c = self.inlines_until(Some(end));
                            out.extend(c);
                        }
                        // A block starts: the loose inlines of a tight list item end here.
                        _ => {
                            self.pos -= 1;
                            break;
                        }
                    }
                }
                Event::End(_) | Event::Rule => {
                    // The end of an enclosing block (for loose inlines) or a stray end.
                    if end.is_none() {
                        self.pos -= 1;
                    }
                    break;
                }
            }
        }
        self.marked_notes(&mut out);
        if let Some(name) = html_end {
            self.diagnostics.push(
                Diagnostic::warning(
                    self.span(
                        self.events
                            .get(self.pos.saturating_sub(1))
                            .map_or(0..0, |e| e.1.clone()),
                    ),
                    format!("`<{name}>` is not closed before the paragraph ends"),
                )
                .with_hint(format!("close it with `</{name}>`")),
            );
        }
        out
    }

    /// Reads a fence's info string: the language (its first word, up to a comma, as mdBook
    /// writes `rust,ignore`), then attributes in braces as pandoc and kramdown write them:
    /// `{#id caption="..." linenos}`. `title=` is taken for `caption=`, `.numberLines` and
    /// `line-numbers` for `linenos`, `start=N` (or `startFrom=N`) numbers from N. Anything
    /// else in the braces is warned and left out.
    fn code_info(&mut self, info: &str, span: Span) -> CodeInfo {
        let (head, attributes) = match info.find('{') {
            Some(open) => {
                let close = info.rfind('}').filter(|&c| c > open).unwrap_or(info.len());
                (&info[..open], &info[open + 1..close])
            }
            None => (info, ""),
        };
        let mut out = CodeInfo {
            language: head
                .split(|c: char| c.is_whitespace() || c == ',')
                .find(|w| !w.is_empty())
                .map(str::to_string),
            ..CodeInfo::default()
        };
        let mut numbered = false;
        let mut start = None;
        let mut pairs = attribute_pairs(attributes);
        // A Quarto or R Markdown chunk (`{python}`, `{r setup, echo=FALSE}`): the language
        // first, then a label and options for running the code, which print has no use for.
        let chunk = out.language.is_none()
            && pairs.first().is_some_and(|(key, value)| {
                value.is_none()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        if chunk {
            out.language = Some(pairs.remove(0).0);
            pairs.retain(|(key, value)| {
                value.is_none() && (key.starts_with('#') || key.starts_with('.'))
                    || matches!(key.as_str(), "caption" | "title")
            });
        }
        for (key, value) in pairs {
            match (key.as_str(), value) {
                (k, None) if k.starts_with('#') && k.len() > 1 => {
                    out.id = Some(k[1..].to_string());
                }
                (
                    ".numberLines" | ".number-lines" | ".linenos" | "linenos" | "line-numbers",
                    None,
                ) => {
                    numbered = true;
                }
                ("caption" | "title", Some(v)) => out.caption = Some(v),
                ("start" | "startFrom" | "linenostart", Some(v)) => match v.parse::<u32>() {
                    Ok(n) => {
                        numbered = true;
                        start = Some(n);
                    }
                    Err(_) => self.diagnostics.push(Diagnostic::warning(
                        span,
                        format!("`{key}={v}`: the first line number must be a whole number"),
                    )),
                },
                (k, None) if k.starts_with('.') && out.language.is_none() => {
                    out.language = Some(k[1..].to_string());
                }
                _ => self.diagnostics.push(
                    Diagnostic::warning(
                        span,
                        format!("code block attribute `{key}` is not understood: it is left out"),
                    )
                    .with_hint("write {#id caption=\"...\" linenos start=10} after the language"),
                ),
            }
        }
        if numbered {
            out.line_numbers = Some(start.unwrap_or(1));
        }
        out
    }

    /// Skips an attribute list (`{#id .class width=50%}`) written right after a picture
    /// ending at byte `after`, putting back any text its last event holds beyond it; the
    /// list's id, if any.
    fn image_attributes(
        &mut self,
        after: usize,
        span: Span,
        out: &mut Vec<Inline>,
    ) -> Option<String> {
        let rest = self.text.get(after..)?;
        let body = rest.strip_prefix('{')?;
        let close = body.find('}')?;
        let inner = &body[..close];
        let tokens: Vec<&str> = inner.split_whitespace().collect();
        if tokens.is_empty()
            || inner.contains('\n')
            || !tokens
                .iter()
                .all(|t| t.starts_with('.') || t.starts_with('#') || t.contains('='))
        {
            return None;
        }
        let stop = after + close + 2;
        while let Some((Event::Text(_), r)) = self.events.get(self.pos).cloned() {
            if r.start < after || r.start >= stop {
                break;
            }
            self.pos += 1;
            if r.end > stop
                && let Some(more) = self.text.get(stop..r.end)
            {
                push_text(out, more, span);
            }
        }
        tokens
            .iter()
            .find_map(|t| t.strip_prefix('#'))
            .filter(|id| !id.is_empty())
            .map(str::to_string)
    }

    /// Places a picture; false when it could not be had (a picture on the web), when only
    /// its description can stand for it.
    fn figure(&mut self, path: &str, title: &str, alt: String, span: Span) -> bool {
        if alt.is_empty() {
            self.diagnostics.push(
                Diagnostic::warning(span, format!("image `{path}` has no alt text")).with_hint(
                    "describe the picture for readers who cannot see it: ![a description](path)",
                ),
            );
        }
        let Some(image) = (self.images)(path, span, self.diagnostics) else {
            return false;
        };
        if self.in_cell {
            // A picture in a table cell stays in its cell (no caption there).
            self.cell_images.push(Inline {
                kind: InlineKind::Image { image, alt },
                span,
            });
            return true;
        }
        if self.in_paragraph {
            // In a paragraph, the picture is also kept where it stands: whether it is a
            // figure or a picture in the line is decided with the whole paragraph read.
            self.cell_images.push(Inline {
                kind: InlineKind::Image {
                    image,
                    alt: alt.clone(),
                },
                span,
            });
        }
        let caption = if title.trim().is_empty() {
            None
        } else {
            // Captions come from the link title, which is plain text: apply the same smart
            // punctuation as the body by parsing it as a one-line paragraph. Its note
            // references (`"A map.[^1]"`) are the chapter's notes.
            let mut caption = inline_markdown(title, span);
            for inline in &mut caption {
                if let InlineKind::Text(text) = &mut inline.kind
                    && text.contains("[^")
                {
                    *text = marked_note_refs(text);
                }
            }
            self.marked_notes(&mut caption);
            Some(caption)
        };
        self.pending_figures.push(Block {
            kind: BlockKind::Figure(Figure {
                image,
                alt,
                caption,
            }),
            span,
        });
        true
    }

    /// The link's target as written when it may be kept: an `http:`, `https:` or `mailto:`
    /// address, or a place in the book (`#id`, `other.md`, `other.md#heading`), which the
    /// book's link pass resolves. Other schemes (`javascript:`, `file:` ...) are dropped.
    fn checked_url(&mut self, url: &str, span: Span) -> Option<String> {
        let url = url.trim();
        if is_external(url) || !has_scheme(url) {
            Some(url.to_string())
        } else {
            self.diagnostics.push(
                Diagnostic::warning(span, format!("link to `{url}` is not kept")).with_hint(
                    "links may point to http:, https: or mailto: addresses, to `store:` (the book's store page), or to a file or heading of the book; the link text stays",
                ),
            );
            None
        }
    }

    /// Reads an HTML comment as an index marker, `<!-- index: term; term!sub; term|( -->`:
    /// terms separated by `;`, levels by `!`, a range opened by `|(` and closed by `|)`.
    /// Returns the id of the anchor the marker leaves; `None` for any other comment.
    fn index_marker(&mut self, comment: &str, span: Span) -> Option<String> {
        let inner = comment
            .strip_prefix("<!--")?
            .strip_suffix("-->")
            .unwrap_or_default()
            .trim();
        let (head, rest) = inner.split_once(':')?;
        if !head.trim().eq_ignore_ascii_case("index") {
            return None;
        }
        let mut terms = Vec::new();
        for written in rest.split(';') {
            let written = written.trim();
            if written.is_empty() {
                continue;
            }
            let (written, range) = if let Some(t) = written.strip_suffix("|(") {
                (t, RangeMark::Open)
            } else if let Some(t) = written.strip_suffix("|)") {
                (t, RangeMark::Close)
            } else {
                (written, RangeMark::Single)
            };
            let mut path: Vec<String> = written
                .split('!')
                .map(|level| collapse(level.trim()))
                .collect();
            if path.iter().any(String::is_empty) {
                self.diagnostics.push(
                    Diagnostic::warning(span, format!("index term `{written}` has an empty level"))
                        .with_hint("write `term` or `term!sub-entry`"),
                );
                continue;
            }
            if path.len() > 2 {
                self.diagnostics.push(
                    Diagnostic::warning(
                        span,
                        format!(
                            "index term `{written}` has {} levels: the index has two",
                            path.len()
                        ),
                    )
                    .with_hint("the levels after the second are joined to it with a comma"),
                );
                let rest = path.split_off(1).join(", ");
                path.push(rest);
            }
            terms.push((path, range));
        }
        if terms.is_empty() {
            self.diagnostics.push(
                Diagnostic::warning(span, "an index marker without a term")
                    .with_hint("write <!-- index: term; term!sub-entry -->"),
            );
            return None;
        }
        let anchor = format!("{}-ix-{}", self.chapter_id, self.index_marks.len() + 1);
        self.index_marks.push(IndexMark {
            terms,
            anchor: anchor.clone(),
            span,
        });
        Some(anchor)
    }

    fn heading_id(&mut self, text: &str) -> String {
        let base = format!("{}-{}", self.chapter_id, quire_model::slugify(text));
        let mut id = base.clone();
        let mut n = 2;
        while self.heading_ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.heading_ids.push(id.clone());
        id
    }

    /// Turns the note references marked by [`notes_in_link_text`] (in the texts of `inlines`,
    /// not inside them) back into references.
    fn marked_notes(&mut self, inlines: &mut Vec<Inline>) {
        if !inlines
            .iter()
            .any(|i| matches!(&i.kind, InlineKind::Text(t) if t.contains(NOTE_OPEN)))
        {
            return;
        }
        rewrite_texts(inlines, |text, span, out| {
            let mut rest = text;
            while let Some(open) = rest.find(NOTE_OPEN) {
                let Some(close) = rest[open..].find(NOTE_CLOSE).map(|c| open + c) else {
                    break;
                };
                push_text(out, &rest[..open], span);
                let label = rest[open + 1..close].trim_start_matches('^');
                let id = self.note_ref(label, span);
                out.push(Inline {
                    kind: InlineKind::FootnoteRef(id),
                    span,
                });
                rest = &rest[close + NOTE_CLOSE.len_utf8()..];
            }
            let rest: String = rest
                .chars()
                .filter(|c| *c != NOTE_OPEN && *c != NOTE_CLOSE)
                .collect();
            if !rest.is_empty() {
                push_text(out, &rest, span);
            }
        });
    }

    fn note_ref(&mut self, label: &str, span: Span) -> FootnoteId {
        if let Some(&index) = self.note_order.get(label) {
            return FootnoteId(index);
        }
        let index = self.note_refs.len();
        self.note_order.insert(label.to_string(), index);
        self.note_refs.push((label.to_string(), span));
        FootnoteId(index)
    }

    /// Opens and closes the HTML wrappers (`<div>`, `<center>`, `<section>`, `<aside>`,
    /// `<article>`) whose tags `html` holds, keeping the alignment each asks for.
    fn follow_wrappers(&mut self, html: &str) {
        const WRAPPERS: [&str; 5] = ["div", "center", "section", "aside", "article"];
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>') else {
                break;
            };
            let text = &rest[open..open + close + 1];
            rest = &rest[open + close + 1..];
            let Some(tag) = html::Tag::parse(text) else {
                continue;
            };
            if !WRAPPERS.contains(&tag.name.as_str()) || tag.self_closing {
                continue;
            }
            if tag.closing {
                self.wrappers.pop();
            } else {
                self.wrappers.push(html_alignment(&tag.name, text));
            }
        }
    }

    /// TeX math in the text (`$\frac{1}{n}$`, `$$x^2$$`) is printed as written: the first
    /// in a file is warned, with where it is.
    fn warn_tex_math(&mut self, ranges: &[Range<usize>]) {
        if self.tex_math_seen {
            return;
        }
        let text = self.text;
        let found = ranges.iter().find_map(|range| {
            let slice = text.get(range.clone())?;
            tex_math_in(slice).map(|r| range.start + r.start..range.start + r.end)
        });
        if let Some(at) = found {
            self.tex_math_seen = true;
            let span = self.span(at);
            self.diagnostics.push(
                Diagnostic::warning(
                    span,
                    "TeX math is printed as written: Quire does not typeset math",
                )
                .with_hint("write the formula in Unicode (x², ∑, ≤), or as a picture"),
            );
        }
    }

    /// GFM leaves `[^label]` without a definition as literal text: find and report each one
    /// at the column of its `[^`. Only text the parser read as text counts: inline code, and
    /// brackets escaped with a backslash (`\[\^a-z\]`, as a book about regular expressions
    /// writes), are not references.
    fn check_undefined_notes(&mut self) {
        let ranges = std::mem::take(&mut self.text_ranges);
        self.warn_tex_math(&ranges);
        let bytes = self.text.as_bytes();
        for range in &ranges {
            for p in range.clone() {
                if bytes.get(p) != Some(&b'[') || bytes.get(p + 1) != Some(&b'^') {
                    continue;
                }
                // An odd number of backslashes before the bracket escapes it.
                let backslashes = bytes[..p].iter().rev().take_while(|&&b| b == b'\\').count();
                if backslashes % 2 == 1 {
                    continue;
                }
                let after = &self.text[p + 2..];
                let Some(close) = after.find(']') else {
                    continue;
                };
                let label = &after[..close];
                if label.is_empty()
                    || label.contains(char::is_whitespace)
                    || label.contains(['[', '\\'])
                    || is_character_class(label)
                {
                    continue;
                }
                let needle = format!("[^{label}]");
                let span = self.span(p..p + needle.len());
                self.diagnostics.push(
                    Diagnostic::error(
                        span,
                        format!("footnote reference `{needle}` has no definition"),
                    )
                    .with_hint(format!(
                        "add a line `{needle}: the note's text` to this file, or write `\\[^` for a literal bracket"
                    )),
                );
            }
        }
    }

    /// Whether the HTML block just read is a `<blockquote>` tag alone, at the chapter's top
    /// level, whose `</blockquote>` follows (alone) at that level: the two wrap Markdown to
    /// be quoted (see [`matched_html_quotes`]).
    fn opens_html_quote(&self) -> bool {
        self.html_quotes < MAX_NESTING && self.html_quote_openers.contains(&self.pos)
    }

    fn html_block(&mut self, html: &str, range: Range<usize>, out: &mut Vec<Block>) {
        let trimmed = html.trim();
        let span = self.span(range);
        if is_pagebreak(trimmed) {
            out.push(Block {
                kind: BlockKind::PageBreak,
                span,
            });
            return;
        }
        if trimmed.starts_with("<!--") && trimmed.ends_with("-->") {
            // An index marker leaves an anchor; any other comment is for the author's eyes.
            if let Some(id) = self.index_marker(trimmed, span) {
                out.push(Block {
                    kind: BlockKind::Anchor(id),
                    span,
                });
            }
            return;
        }
        if let Some(id) = anchor_only(trimmed) {
            out.push(Block {
                kind: BlockKind::Anchor(id),
                span,
            });
            return;
        }
        if let Some(figures) = html_figures(trimmed) {
            for figure in figures {
                let alt = figure.alt.clone();
                if !self.figure(&figure.src, &figure.caption, figure.alt, span) && !alt.is_empty() {
                    // A picture on the web: its description stands in its place.
                    out.push(Block {
                        kind: BlockKind::Paragraph(vec![Inline {
                            kind: InlineKind::Text(alt),
                            span,
                        }]),
                        span,
                    });
                }
                out.append(&mut self.pending_figures);
            }
            return;
        }
        if matches!(
            trimmed.to_ascii_lowercase().as_str(),
            "<br>" | "<br/>" | "<br />"
        ) {
            return;
        }
        // A rule between two scenes, as HTML writes it.
        if html::Tag::parse(trimmed).is_some_and(|t| t.name == "hr" && !t.closing) {
            out.push(Block {
                kind: BlockKind::SceneBreak,
                span,
            });
            return;
        }
        if self.html_quotes > 0 && self.depth == 0 && closes_html_quote(trimmed) {
            self.html_quote_closed = true;
            return;
        }
        if let Some(kinds) = html_element(trimmed, span) {
            // `<pre>`, `<table>` or `<blockquote>`, whole: the block it writes in HTML.
            out.extend(kinds.into_iter().map(|kind| Block { kind, span }));
            return;
        }
        if let Some((summary, element)) = wrapped_element(trimmed)
            && let Some(kinds) = html_element(element, span)
        {
            // The same inside `<div>` (a Jupyter notebook's data frame) or `<details>`.
            if let Some(summary) = summary {
                out.push(summary_paragraph(&summary, span));
            }
            out.extend(kinds.into_iter().map(|kind| Block { kind, span }));
            return;
        }
        if let Some(tag) = html::Tag::parse(trimmed).filter(|t| t.name == "listing") {
            // The Rust Programming Language's `<Listing number="1-1" file-name="src/main.rs"
            // caption="...">` around a code block: the file's name before the code, the
            // caption under it (numbered as every listing is), the tags left out.
            if !tag.closing {
                if let Some(file) = tag.attr("file-name").filter(|f| !f.trim().is_empty()) {
                    out.push(Block {
                        kind: BlockKind::Paragraph(vec![Inline {
                            kind: InlineKind::Code(html::decode(file)),
                            span,
                        }]),
                        span,
                    });
                }
                self.listing_caption = tag
                    .attr("caption")
                    .map(html::decode)
                    .filter(|c| !c.trim().is_empty());
            } else {
                self.listing_caption = None;
            }
            return;
        }
        if self.opens_html_quote() {
            // `<blockquote>` on a line of its own, Markdown, `</blockquote>`: a quote of
            // that Markdown.
            self.html_quotes += 1;
            let blocks = self.blocks_until(None);
            self.html_quotes -= 1;
            out.push(Block {
                kind: verse_or_quote(blocks),
                span,
            });
            return;
        }
        if let Some(summary) = container_tags(trimmed) {
            // `<div class="warning">`, `<details>`, `</div>` ... on lines of their own wrap
            // Markdown that is read as usual: the tags are left out, a `<summary>` is
            // printed in bold. A wrapper's alignment (`<div align="right">`) holds for the
            // paragraphs up to its closing tag.
            self.follow_wrappers(trimmed);
            self.diagnostics.push(Diagnostic::note(
                span,
                "HTML container tags are left out; the Markdown inside them is printed",
            ));
            if let Some(summary) = summary {
                out.push(summary_paragraph(&summary, span));
            }
            return;
        }
        self.warn_html(trimmed, span);
        let mut content = Vec::new();
        push_text(&mut content, trimmed, span);
        out.push(Block {
            kind: BlockKind::Paragraph(content),
            span,
        });
    }

    /// Inline HTML of the manuscript's subset (`<br>`, `<a id>`, `<a href>`, `<img>`, `<em>`,
    /// `<i>`, `<strong>`, `<b>`, `<code>`, `<kbd>`, `<sup>`, `<sub>`, `<span lang>`), read
    /// into the model with the text up to its closing tag; anything else is printed as text
    /// and warned, every time.
    /// Whether byte `at` of the chapter stands inside a quotation whose marks were typed as
    /// the language's own (an open `«` before it in the paragraph, not yet closed).
    fn inside_typed_quotation(&self, at: usize) -> bool {
        let (Some(open), Some(close)) = (self.quotes.open, self.quotes.close) else {
            return false;
        };
        let (open, close) = (open.trim_matches('\u{A0}'), close.trim_matches('\u{A0}'));
        if open == close {
            return false;
        }
        let before = self.text.get(..at).unwrap_or("");
        let paragraph = &before[before.rfind("\n\n").map_or(0, |p| p + 2)..];
        paragraph.matches(open).count() > paragraph.matches(close).count()
    }

    fn inline_html(&mut self, html: &str, range: Range<usize>, out: &mut Vec<Inline>) {
        let span = self.span(range.clone());
        let trimmed = html.trim();
        if trimmed.starts_with("<!--") {
            if let Some(id) = self.index_marker(trimmed, span) {
                out.push(Inline {
                    kind: InlineKind::Anchor(id),
                    span,
                });
            }
            return;
        }
        let Some(tag) = html::Tag::parse(html) else {
            self.warn_html(trimmed, span);
            push_text(out, html, span);
            let name: String = trimmed
                .strip_prefix('<')
                .unwrap_or("")
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            if !name.is_empty() && !trimmed.ends_with("/>") {
                self.printed_open_tags.push(name);
            }
            return;
        };
        let styled = |style: TextStyle, content: Vec<Inline>| InlineKind::Styled { style, content };
        let name = tag.name.as_str();
        if tag.closing
            && let Some(k) = self.printed_open_tags.iter().rposition(|n| n == name)
        {
            // The end of an element whose start was printed as written: printed too.
            self.printed_open_tags.remove(k);
            push_text(out, html, span);
            return;
        }
        if tag.closing {
            if name == "a" && self.open_anchors > 0 {
                self.open_anchors -= 1; // the end of `<a id="x">text</a>`
                return;
            }
            // The end of an element whose start was printed as written (`<span
            // style={{color: 'red'}}>` is no HTML to Markdown, only text): printed too.
            let printed = Inline::plain_text(out);
            let opening = format!("<{name}");
            let closing = format!("</{name}>");
            if TRANSPARENT_TAGS.contains(&name)
                && let Some(at) = printed.rfind(&opening)
                && printed[at + opening.len()..].starts_with([' ', '>', '\n'])
                && !printed[at..].contains(&closing)
            {
                push_text(out, html, span);
                return;
            }
            if TRANSPARENT_TAGS.contains(&name) {
                // The end of a span whose start was in another paragraph: nothing to print.
                return;
            }
            self.warn_html(trimmed, span);
            push_text(out, html, span);
            return;
        }
        let kind = match name {
            "br" => Some(InlineKind::LineBreak),
            // A line break opportunity: nothing to print.
            "wbr" => None,
            "a" if tag.attr("href").is_none() => {
                let Some(id) = tag.attr("id").or_else(|| tag.attr("name")) else {
                    self.warn_html(trimmed, span);
                    push_text(out, html, span);
                    return;
                };
                if !tag.self_closing {
                    self.open_anchors += 1;
                }
                Some(InlineKind::Anchor(id.to_string()))
            }
            "img" => {
                let src = tag.attr("src").unwrap_or_default().to_string();
                let alt = tag.attr("alt").unwrap_or_default().trim().to_string();
                let title = tag.attr("title").unwrap_or_default().to_string();
                if !self.figure(&src, &title, alt.clone(), span) {
                    // A picture on the web: its description stands in its place.
                    push_text(out, &alt, span);
                }
                out.append(&mut self.cell_images);
                None
            }
            _ if tag.self_closing => {
                self.warn_html(trimmed, span);
                push_text(out, html, span);
                return;
            }
            "a" => {
                let url = tag.attr("href").unwrap_or_default().to_string();
                let content = self.inlines_until_html(None, Some("a"));
                match self.checked_url(&url, span) {
                    Some(url) => Some(InlineKind::Link { url, content }),
                    None => {
                        out.extend(content);
                        None
                    }
                }
            }
            "em" | "i" => {
                let content = self.inlines_until_html(None, Some(name));
                // `<i lang="fr">`: a foreign word in italic, marked as its language.
                let content = match tag.attr("lang") {
                    Some(lang) if oxilangtag::LanguageTag::parse(lang).is_ok() => {
                        vec![Inline {
                            kind: styled(TextStyle::Language(lang.to_string()), content),
                            span,
                        }]
                    }
                    _ => content,
                };
                Some(InlineKind::Emphasis(content))
            }
            "strong" | "b" => Some(InlineKind::Strong(
                self.inlines_until_html(None, Some(name)),
            )),
            "kbd" => Some(styled(
                TextStyle::Keyboard,
                self.inlines_until_html(None, Some(name)),
            )),
            "del" | "s" | "strike" => Some(styled(
                TextStyle::Strikethrough,
                self.inlines_until_html(None, Some(name)),
            )),
            "sup" => Some(styled(
                TextStyle::Superscript,
                self.inlines_until_html(None, Some(name)),
            )),
            // Text with its reading (furigana, pinyin): `<ruby>吾輩<rt>わがはい</rt></ruby>`,
            // several pairs in one element, `<rb>` and the fallback `<rp>` allowed.
            "ruby" => {
                self.open_ruby += 1;
                let content = self.inlines_until_html(None, Some(name));
                self.open_ruby -= 1;
                out.extend(ruby_pairs(content, span));
                None
            }
            // A reading: for now a mark with no text, which `ruby_pairs` gives the text
            // before it.
            "rt" if self.open_ruby > 0 => {
                let reading = self.inlines_until_html(None, Some(name));
                Some(styled(
                    TextStyle::Ruby(Inline::plain_text(&reading).trim().to_string()),
                    Vec::new(),
                ))
            }
            // The parentheses for readers without ruby: the EPUB writes its own.
            "rp" if self.open_ruby > 0 => {
                self.inlines_until_html(None, Some(name));
                None
            }
            "rb" if self.open_ruby > 0 => {
                let content = self.inlines_until_html(None, Some(name));
                out.extend(content);
                None
            }
            "sub" => Some(styled(
                TextStyle::Subscript,
                self.inlines_until_html(None, Some(name)),
            )),
            // Titles, terms and variables in italic, as browsers show them.
            "cite" | "dfn" | "var" => Some(InlineKind::Emphasis(
                self.inlines_until_html(None, Some(name)),
            )),
            // A quotation: between the quotation marks it stands for.
            "q" => {
                let content = self.inlines_until_html(None, Some(name));
                push_text(out, "\u{201c}", span);
                out.extend(content);
                push_text(out, "\u{201d}", span);
                None
            }
            "code" | "samp" | "tt" => {
                // The source between the tags as written (no smart quotes, no emphasis).
                let start = range.end;
                let content = self.inlines_until_html(None, Some(name));
                let end = self
                    .events
                    .get(self.pos.saturating_sub(1))
                    .map_or(start, |(_, r)| r.start)
                    .max(start);
                let written = self.text.get(start..end).unwrap_or_default();
                let text = if written.contains('<') {
                    Inline::plain_text(&content)
                } else {
                    html::decode(&written.replace('\n', " "))
                };
                Some(InlineKind::Code(text))
            }
            "span"
                if tag.attr("lang").is_none()
                    && (tag.attr("class").is_some_and(|c| {
                        c.split_whitespace()
                            .any(|c| matches!(c, "smallcaps" | "small-caps"))
                    }) || tag.attr("style").is_some_and(|s| {
                        s.replace(' ', "").contains("font-variant:small-caps")
                    })) =>
            {
                Some(styled(
                    TextStyle::SmallCaps,
                    self.inlines_until_html(None, Some(name)),
                ))
            }
            "span" if tag.attr("lang").is_some() => {
                let lang = tag.attr("lang").unwrap_or_default().to_string();
                let content = self.inlines_until_html(None, Some(name));
                if oxilangtag::LanguageTag::parse(lang.as_str()).is_ok() {
                    Some(styled(TextStyle::Language(lang), content))
                } else {
                    self.diagnostics.push(
                        Diagnostic::warning(span, format!("`{lang}` is not a language tag"))
                            .with_hint("use a BCP 47 tag such as `de`, `fr-CA` or `la`"),
                    );
                    out.extend(content);
                    None
                }
            }
            // Markup that changes nothing a book prints (an abbreviation's expansion, a
            // date's machine form, a class): its text.
            _ if TRANSPARENT_TAGS.contains(&name) => {
                let content = self.inlines_until_html(None, Some(name));
                out.extend(content);
                None
            }
            _ => {
                self.warn_html(trimmed, span);
                push_text(out, html, span);
                return;
            }
        };
        if let Some(kind) = kind {
            out.push(Inline { kind, span });
        }
    }

    /// Warns about HTML that is printed as text: each occurrence, with its place.
    fn warn_html(&mut self, html: &str, span: Span) {
        let shown: String = html.chars().take(40).collect();
        let shown = if shown.len() < html.len() {
            format!("{shown}…")
        } else {
            shown
        };
        self.diagnostics.push(
            Diagnostic::warning(span, format!("raw HTML `{shown}` is not understood: it is printed as text"))
                .with_hint("use Markdown, or the HTML Quire reads: <br>, <a id>, <a href>, <img>, <figure>, <figcaption>, <em>, <strong>, <code>, <kbd>, <sup>, <sub>, <ruby>, <span lang>, <cite>, <q>, <abbr>, <small>, <u>, <mark>, <time>, and whole <pre>, <table> and <blockquote> elements"),
        );
    }

    fn finish_footnotes(&mut self) -> Vec<Footnote> {
        let mut notes = Vec::with_capacity(self.note_refs.len());
        let refs = std::mem::take(&mut self.note_refs);
        for (index, (label, ref_span)) in refs.into_iter().enumerate() {
            let (blocks, span) = match self.note_defs.remove(&label) {
                Some(def) => def,
                None => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            ref_span,
                            format!("footnote reference `[^{label}]` has no definition"),
                        )
                        .with_hint(format!(
                            "add a line `[^{label}]: the note's text` to this file"
                        )),
                    );
                    (Vec::new(), ref_span)
                }
            };
            notes.push(Footnote {
                id: format!("{}-note-{}", self.chapter_id, index + 1),
                number: index + 1,
                label,
                blocks,
                span,
            });
        }
        for (label, (_, span)) in std::mem::take(&mut self.note_defs) {
            self.diagnostics.push(
                // Left out with a warning, as GFM, Pandoc and mdBook leave it out: a note kept
                // for later does not stop the book.
                Diagnostic::warning(
                    span,
                    format!("footnote `[^{label}]` is never referenced: it is left out"),
                )
                .with_hint(format!(
                    "refer to it with `[^{label}]` in the text, or delete it"
                )),
            );
        }
        notes
    }
}

/// An `http:`, `https:` or `mailto:` address, or `store:` (the book's page at the store of
/// the edition being built, which the build resolves).
pub(crate) fn is_external(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
        || quire_model::is_store_link(url)
}

/// Whether a URL starts with a scheme (`javascript:`, `file:` ...).
fn has_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
}

/// The id of an HTML block that is only an anchor: `<a id="x"></a>` (or `name=`).
fn anchor_only(html: &str) -> Option<String> {
    let rest = html.trim();
    let end = rest.find('>')? + 1;
    let tag = html::Tag::parse(&rest[..end])?;
    let after = rest[end..].trim();
    let closed = after.is_empty() || after.eq_ignore_ascii_case("</a>");
    (tag.name == "a" && !tag.closing && closed)
        .then(|| {
            tag.attr("id")
                .or_else(|| tag.attr("name"))
                .map(str::to_string)
        })
        .flatten()
}

/// A picture written in HTML: `<img src alt title>`, alone or in a `<figure>` with a
/// `<figcaption>`.
struct HtmlFigure {
    src: String,
    alt: String,
    /// The caption (from `<figcaption>`, else the `title` attribute), as Markdown.
    caption: String,
}

/// Reads an HTML block that is only pictures (and their captions); `None` for anything
/// else. The pictures may be wrapped as READMEs and web-first books wrap them: a centring
/// `<p align="center">`, `<div>` or `<center>`, a link around a picture (a badge), a
/// `<picture>` with its `<source>`s (the `<img>` is the picture printed); a `<figcaption>`
/// captions the picture of its `<figure>`.
fn html_figures(html: &str) -> Option<Vec<HtmlFigure>> {
    const WRAPPERS: [&str; 7] = ["p", "div", "center", "a", "picture", "source", "br"];
    let mut figures: Vec<HtmlFigure> = Vec::new();
    // The caption being read, and the figure (by index) whose `<figure>` it is in.
    let mut caption: Option<String> = None;
    let mut in_caption = false;
    let mut figure_start: Option<usize> = None;
    let mut rest = html;
    while !rest.trim().is_empty() {
        let text_end = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..text_end];
        if in_caption {
            caption.get_or_insert_with(String::new).push_str(text);
        } else if !text.trim().is_empty() {
            return None;
        }
        rest = &rest[text_end..];
        if rest.is_empty() {
            break;
        }
        let tag_end = rest.find('>')? + 1;
        let tag = html::Tag::parse(&rest[..tag_end])?;
        let raw_tag = &rest[..tag_end];
        rest = &rest[tag_end..];
        match (tag.name.as_str(), tag.closing) {
            // Inline markup in a caption (`<em>`, `<a href>`) is read with the caption.
            (name, _) if in_caption && !matches!(name, "figcaption" | "figure" | "img") => {
                caption.get_or_insert_with(String::new).push_str(raw_tag);
            }
            ("figure", false) => figure_start = Some(figures.len()),
            ("figure", true) => {
                let caption = caption.take();
                if let (Some(caption), Some(start)) = (caption, figure_start.take())
                    && let Some(figure) = figures.get_mut(start..).and_then(|f| f.last_mut())
                {
                    figure.caption = caption.split_whitespace().collect::<Vec<_>>().join(" ");
                }
            }
            ("figcaption", false) => in_caption = true,
            ("figcaption", true) => in_caption = false,
            ("img", false) => figures.push(HtmlFigure {
                src: tag.attr("src")?.to_string(),
                alt: tag.attr("alt").unwrap_or_default().trim().to_string(),
                caption: tag.attr("title").unwrap_or_default().to_string(),
            }),
            (name, _) if WRAPPERS.contains(&name) && !in_caption => {}
            _ => return None,
        }
    }
    // A `<figure>` left open still captions its picture.
    if let (Some(caption), Some(start)) = (caption, figure_start)
        && let Some(figure) = figures.get_mut(start..).and_then(|f| f.last_mut())
    {
        figure.caption = caption.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    (!figures.is_empty()).then_some(figures)
}

/// The `<blockquote>` HTML blocks at the top level of a chapter's events that a
/// `</blockquote>` block at that level closes (nested pairs matched as brackets are): the
/// index of the event after each. One pass, however many tags there are.
fn matched_html_quotes(events: &[(Event<'_>, Range<usize>)]) -> std::collections::BTreeSet<usize> {
    let mut matched = std::collections::BTreeSet::new();
    let mut open: Vec<usize> = Vec::new();
    let mut level = 0usize;
    let mut block_html: Option<String> = None;
    for (index, (event, _)) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::HtmlBlock) if level == 0 => block_html = Some(String::new()),
            Event::Html(t) | Event::Text(t) if block_html.is_some() => {
                if let Some(h) = &mut block_html {
                    h.push_str(t);
                }
            }
            Event::End(TagEnd::HtmlBlock) if level == 0 => {
                let h = block_html.take().unwrap_or_default();
                if closes_html_quote(&h) {
                    if let Some(opener) = open.pop() {
                        matched.insert(opener);
                    }
                } else if html::Tag::parse(&h)
                    .is_some_and(|t| t.name == "blockquote" && !t.closing && !t.self_closing)
                {
                    // Only an HTML block at the top level is counted: the quote it opens
                    // cannot be inside a list, a quote or a note.
                    open.push(index + 1);
                }
            }
            Event::Start(_) => level += 1,
            Event::End(_) => level = level.saturating_sub(1),
            _ => {}
        }
    }
    matched
}

/// Whether an HTML block is a `</blockquote>` tag alone.
fn closes_html_quote(html: &str) -> bool {
    html::Tag::parse(html).is_some_and(|t| t.name == "blockquote" && t.closing)
}

/// A whole HTML element that writes one of Markdown's blocks, read as that block: `<pre>`
/// is a code block (its language from a `language-` or `lang-` class), `<table>` a table
/// (with its `<caption>` as a paragraph above it), `<blockquote>` a quote of its `<p>`
/// paragraphs. `None` for any other HTML.
fn html_element(html: &str, span: Span) -> Option<Vec<BlockKind>> {
    use html::Token;
    let tokens = html::tokens(html);
    let inner_end = tokens.len().checked_sub(1)?;
    let (Token::Tag(open), Token::Tag(close)) = (tokens.first()?, tokens.last()?) else {
        return None;
    };
    if open.closing || open.self_closing || !close.closing || open.name != close.name {
        return None;
    }
    let inner = tokens.get(1..inner_end)?;
    // The element must close only at the end (`<pre>a</pre> <pre>b</pre>` is not one).
    let closes_early = inner
        .iter()
        .any(|t| matches!(t, Token::Tag(tag) if tag.closing && tag.name == open.name));
    if closes_early {
        return None;
    }
    match open.name.as_str() {
        "pre" => {
            let mut text = String::new();
            let mut language = class_language(open);
            for token in inner {
                match token {
                    Token::Text(t) => text.push_str(&html::decode(t)),
                    Token::Tag(tag) if tag.name == "br" => text.push('\n'),
                    Token::Tag(tag) if tag.name == "code" && !tag.closing => {
                        language = language.or_else(|| class_language(tag));
                    }
                    Token::Tag(_) => {}
                }
            }
            // HTML drops a line break right after `<pre>`.
            let text = text
                .strip_prefix("\r\n")
                .or_else(|| text.strip_prefix('\n'))
                .unwrap_or(&text);
            let text = text.trim_end().replace("\r\n", "\n");
            Some(vec![BlockKind::CodeBlock {
                language,
                text,
                caption: None,
                line_numbers: None,
            }])
        }
        "table" => html_table(inner, span),
        "blockquote" => {
            let mut paragraphs = Vec::new();
            let mut current: Vec<Token<'_>> = Vec::new();
            for token in inner {
                match token {
                    Token::Tag(tag) if tag.name == "p" => {
                        paragraphs.push(std::mem::take(&mut current));
                    }
                    other => current.push(other.clone()),
                }
            }
            paragraphs.push(current);
            let blocks: Vec<Block> = paragraphs
                .iter()
                .map(|tokens| html_inlines(tokens, span))
                .filter(|content| !content.is_empty())
                .map(|content| Block {
                    kind: BlockKind::Paragraph(content),
                    span,
                })
                .collect();
            (!blocks.is_empty()).then(|| vec![verse_or_quote(blocks)])
        }
        _ => None,
    }
}

/// The language a `class="language-rust"` (or `lang-rust`) names.
fn class_language(tag: &html::Tag) -> Option<String> {
    tag.attr("class")?
        .split_whitespace()
        .find_map(|c| {
            c.strip_prefix("language-")
                .or_else(|| c.strip_prefix("lang-"))
        })
        .filter(|l| !l.is_empty())
        .map(str::to_string)
}

/// The rows of an HTML table (`<tr>` of `<th>`/`<td>` cells, in a `<thead>` or not) as the
/// model's table: the head is the `<thead>` row, or a first row of `<th>` cells; a cell
/// spanning columns is followed by empty ones, so that columns stay in line; alignment
/// from the first row's `align` or `text-align`.
fn html_table(inner: &[html::Token<'_>], span: Span) -> Option<Vec<BlockKind>> {
    use html::Token;
    struct Row {
        cells: Vec<TableCell>,
        all_head: bool,
        in_head: bool,
        alignments: Vec<Alignment>,
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut row: Option<Row> = None;
    // The cell being read: its tokens, how many columns it spans, whether it is `<th>`.
    let mut cell: Option<(Vec<Token<'_>>, usize, bool, Alignment)> = None;
    let mut caption: Option<Vec<Token<'_>>> = None;
    let mut in_caption = false;
    let mut in_head = false;
    let finish_cell = |cell: &mut Option<(Vec<Token<'_>>, usize, bool, Alignment)>,
                       row: &mut Option<Row>,
                       in_head: bool| {
        if let Some((tokens, spans, head, align)) = cell.take() {
            let row = row.get_or_insert_with(|| Row {
                cells: Vec::new(),
                all_head: true,
                in_head,
                alignments: Vec::new(),
            });
            row.all_head &= head;
            row.cells.push(TableCell {
                content: html_inlines(&tokens, span),
                span,
            });
            row.alignments.push(align);
            for _ in 1..spans {
                row.cells.push(TableCell {
                    content: Vec::new(),
                    span,
                });
                row.alignments.push(align);
            }
        }
    };
    let finish_row = |row: &mut Option<Row>, rows: &mut Vec<Row>| {
        if let Some(r) = row.take().filter(|r| !r.cells.is_empty()) {
            rows.push(r);
        }
    };
    for token in inner {
        let tag = match token {
            Token::Tag(tag) => tag,
            Token::Text(_) => {
                if in_caption {
                    caption.get_or_insert_with(Vec::new).push(token.clone());
                } else if let Some((tokens, ..)) = &mut cell {
                    tokens.push(token.clone());
                }
                continue;
            }
        };
        match (tag.name.as_str(), tag.closing) {
            ("caption", closing) => in_caption = !closing,
            ("thead", closing) => {
                finish_cell(&mut cell, &mut row, in_head);
                finish_row(&mut row, &mut rows);
                in_head = !closing;
            }
            ("tbody" | "tfoot", _) => {
                finish_cell(&mut cell, &mut row, in_head);
                finish_row(&mut row, &mut rows);
                in_head = false;
            }
            ("tr", _) => {
                finish_cell(&mut cell, &mut row, in_head);
                finish_row(&mut row, &mut rows);
            }
            ("th" | "td", false) => {
                finish_cell(&mut cell, &mut row, in_head);
                let spans = tag
                    .attr("colspan")
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, 64);
                let style = tag.attr("style").unwrap_or_default().to_ascii_lowercase();
                let align = match tag.attr("align").map(str::to_ascii_lowercase).as_deref() {
                    Some("left") => Alignment::Left,
                    Some("center") => Alignment::Center,
                    Some("right") => Alignment::Right,
                    _ if style.contains("text-align: right")
                        || style.contains("text-align:right") =>
                    {
                        Alignment::Right
                    }
                    _ if style.contains("text-align: center")
                        || style.contains("text-align:center") =>
                    {
                        Alignment::Center
                    }
                    _ => Alignment::None,
                };
                cell = Some((Vec::new(), spans, tag.name == "th", align));
            }
            ("th" | "td", true) => finish_cell(&mut cell, &mut row, in_head),
            ("col" | "colgroup", _) => {}
            _ if in_caption => caption.get_or_insert_with(Vec::new).push(token.clone()),
            _ => {
                if let Some((tokens, ..)) = &mut cell {
                    tokens.push(token.clone());
                }
            }
        }
    }
    finish_cell(&mut cell, &mut row, in_head);
    finish_row(&mut row, &mut rows);
    let columns = rows.iter().map(|r| r.cells.len()).max()?;
    let head_row = rows
        .first()
        .is_some_and(|r| r.in_head || r.all_head)
        .then(|| rows.remove(0));
    let mut alignments = head_row
        .as_ref()
        .or(rows.first())
        .map(|r| r.alignments.clone())
        .unwrap_or_default();
    alignments.resize(columns, Alignment::None);
    let pad = |mut cells: Vec<TableCell>| {
        while cells.len() < columns {
            cells.push(TableCell {
                content: Vec::new(),
                span,
            });
        }
        cells
    };
    let caption = caption
        .map(|c| html_inlines(&c, span))
        .filter(|c| !c.is_empty());
    Some(vec![BlockKind::Table(Table {
        alignments,
        head: head_row.map(|r| pad(r.cells)).unwrap_or_default(),
        rows: rows.into_iter().map(|r| pad(r.cells)).collect(),
        caption,
    })])
}

/// Inline HTML (a table cell's, a quoted paragraph's) as the model's inlines: `<em>`,
/// `<i>`, `<cite>` emphasis, `<strong>`, `<b>` strong, `<code>` and its kin code, `<kbd>`,
/// `<sup>`, `<sub>`, `<del>` styled, `<br>` a line break; the text of any other tag kept.
/// White space collapses as HTML's does; entities are decoded.
fn html_inlines(tokens: &[html::Token<'_>], span: Span) -> Vec<Inline> {
    enum Open {
        Emphasis,
        Strong,
        Code,
        Styled(TextStyle),
        Plain,
    }
    let mut stack: Vec<(String, Open, Vec<Inline>)> = Vec::new();
    let mut out: Vec<Inline> = Vec::new();
    let close = |stack: &mut Vec<(String, Open, Vec<Inline>)>, out: &mut Vec<Inline>| {
        let Some((_, open, outer)) = stack.pop() else {
            return;
        };
        let inner = std::mem::replace(out, outer);
        let kind = match open {
            Open::Emphasis => InlineKind::Emphasis(inner),
            Open::Strong => InlineKind::Strong(inner),
            Open::Code => InlineKind::Code(Inline::plain_text(&inner)),
            Open::Styled(style) => InlineKind::Styled {
                style,
                content: inner,
            },
            Open::Plain => {
                for inline in inner {
                    match inline.kind {
                        InlineKind::Text(t) => push_text(out, &t, span),
                        _ => out.push(inline),
                    }
                }
                return;
            }
        };
        out.push(Inline { kind, span });
    };
    for token in tokens {
        match token {
            html::Token::Text(text) => {
                let text = html::decode(text);
                let mut collapsed = String::with_capacity(text.len());
                let mut space = false;
                for c in text.chars() {
                    if matches!(c, ' ' | '\t' | '\n' | '\r') {
                        space = true;
                        continue;
                    }
                    if space {
                        collapsed.push(' ');
                        space = false;
                    }
                    collapsed.push(c);
                }
                if space {
                    collapsed.push(' ');
                }
                push_text(&mut out, &collapsed, span);
            }
            html::Token::Tag(tag) if tag.closing => {
                if let Some(at) = stack.iter().rposition(|(name, ..)| *name == tag.name) {
                    while stack.len() > at {
                        close(&mut stack, &mut out);
                    }
                }
            }
            html::Token::Tag(tag) => {
                let open = match tag.name.as_str() {
                    "br" => {
                        out.push(Inline {
                            kind: InlineKind::LineBreak,
                            span,
                        });
                        continue;
                    }
                    "img" => {
                        // A picture in a cell prints its description.
                        let alt = tag.attr("alt").unwrap_or_default().trim().to_string();
                        if !alt.is_empty() {
                            push_text(&mut out, &alt, span);
                        }
                        continue;
                    }
                    "wbr" | "hr" | "input" | "col" | "meta" | "link" | "source" => continue,
                    _ if tag.self_closing => continue,
                    "em" | "i" | "cite" | "dfn" | "var" => Open::Emphasis,
                    "strong" | "b" => Open::Strong,
                    "code" | "samp" | "tt" => Open::Code,
                    "kbd" => Open::Styled(TextStyle::Keyboard),
                    "sup" => Open::Styled(TextStyle::Superscript),
                    "sub" => Open::Styled(TextStyle::Subscript),
                    "del" | "s" | "strike" => Open::Styled(TextStyle::Strikethrough),
                    _ => Open::Plain,
                };
                stack.push((tag.name.clone(), open, std::mem::take(&mut out)));
            }
        }
    }
    while !stack.is_empty() {
        close(&mut stack, &mut out);
    }
    trim_inlines(&mut out);
    out
}

/// The inside of a `<ruby>` element read (text, with a reading mark after each base, see
/// `"rt"` in `inline_html`) as its pairs: each base with its reading. Text after the last
/// reading stays as it is.
fn ruby_pairs(content: Vec<Inline>, span: Span) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut base: Vec<Inline> = Vec::new();
    for inline in content {
        match inline.kind {
            InlineKind::Styled {
                style: TextStyle::Ruby(reading),
                content,
            } if content.is_empty() => {
                trim_inlines(&mut base);
                out.push(Inline {
                    kind: InlineKind::Styled {
                        style: TextStyle::Ruby(reading),
                        content: std::mem::take(&mut base),
                    },
                    span,
                });
            }
            _ => base.push(inline),
        }
    }
    out.extend(base);
    out
}

/// Leading and trailing spaces of a run of inlines removed (an empty text left out).
fn trim_inlines(inlines: &mut Vec<Inline>) {
    if let Some(Inline {
        kind: InlineKind::Text(t),
        ..
    }) = inlines.first_mut()
    {
        *t = t.trim_start().to_string();
    }
    if let Some(Inline {
        kind: InlineKind::Text(t),
        ..
    }) = inlines.last_mut()
    {
        *t = t.trim_end().to_string();
    }
    inlines.retain(|i| !matches!(&i.kind, InlineKind::Text(t) if t.is_empty()));
}

fn is_pagebreak(html: &str) -> bool {
    html.strip_prefix("<!--")
        .and_then(|s| s.strip_suffix("-->"))
        .is_some_and(|inner| inner.trim().eq_ignore_ascii_case("pagebreak"))
}

/// An HTML block made only of container tags (`div`, `details`, `section`, `aside`,
/// `article`, `summary`, `p`, `center`, opening or closing), with text only inside a `<summary>`:
/// `Some(the summary text, if any)`. `None` for anything else.
/// A `<summary>`'s text as a paragraph: in bold, unless it is bold all through already.
fn summary_paragraph(summary: &str, span: Span) -> Block {
    let content = inline_markdown(summary, span);
    let content = match content.as_slice() {
        [
            Inline {
                kind: InlineKind::Strong(_),
                ..
            },
        ] => content,
        _ => vec![Inline {
            kind: InlineKind::Strong(content),
            span,
        }],
    };
    Block {
        kind: BlockKind::Paragraph(content),
        span,
    }
}

/// One `<table>`, `<pre>` or `<blockquote>` with only container tags around it (as
/// [`container_tags`] reads them: `<div>`, `<details>` and its `<summary>`): the summary, if
/// any, and the element's HTML. Jupyter writes every data frame as a `<table>` in a `<div>`.
fn wrapped_element(html: &str) -> Option<(Option<String>, &str)> {
    let lower = html.to_ascii_lowercase();
    ["table", "pre", "blockquote"].iter().find_map(|name| {
        let start = lower.find(&format!("<{name}"))?;
        let close = format!("</{name}>");
        let end = lower.rfind(&close)? + close.len();
        if end <= start || !html[start + name.len() + 1..].starts_with(['>', ' ', '\n', '\t']) {
            return None;
        }
        let summary = container_tags(&html[..start])?;
        container_tags(&html[end..])?;
        Some((summary, &html[start..end]))
    })
}

fn container_tags(html: &str) -> Option<Option<String>> {
    const CONTAINERS: [&str; 8] = [
        "div", "details", "section", "aside", "article", "summary", "p", "center",
    ];
    let mut rest = html.trim();
    let mut in_summary = false;
    let mut summary: Option<String> = None;
    while !rest.is_empty() {
        if rest.starts_with('<') {
            let end = rest.find('>')? + 1;
            let tag = html::Tag::parse(&rest[..end])?;
            if !CONTAINERS.contains(&tag.name.as_str()) {
                // Inline markup inside the summary (`<code>`, `<b>`) is the summary's own,
                // read with it; anywhere else the block is not made of containers.
                match (&mut summary, in_summary) {
                    (Some(s), true) => s.push_str(&rest[..end]),
                    _ => return None,
                }
                rest = &rest[end..];
                continue;
            }
            if tag.name == "summary" {
                in_summary = !tag.closing;
                if in_summary {
                    summary.get_or_insert_with(String::new);
                }
            }
            rest = rest[end..].trim_start();
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            match (&mut summary, in_summary) {
                // Raw: its entities are decoded where the summary is read as Markdown.
                (Some(s), true) => s.push_str(text),
                _ if text.trim().is_empty() => {}
                _ => return None,
            }
            rest = &rest[end..];
        }
    }
    Some(
        summary
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
    )
}

/// Rust code as rustdoc and mdBook show it: a line whose text starts with `# ` (or is `#`
/// alone) is scaffolding that makes the example compile and that the reader does not see,
/// and a line starting with `##` shows one `#` (rustdoc's rule).
fn visible_rust(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with("##") {
            out.push_str(&line.replacen("##", "#", 1));
        } else if trimmed.starts_with("# ") || trimmed == "#" {
            continue;
        } else {
            out.push_str(line);
        }
    }
    if out.ends_with('\n') && !text.ends_with('\n') {
        out.pop();
    }
    out
}

/// What a fence's info string says (see `ChapterParser::code_info`).
#[derive(Debug, Default, PartialEq)]
struct CodeInfo {
    language: Option<String>,
    id: Option<String>,
    caption: Option<String>,
    line_numbers: Option<u32>,
}

/// The attributes of `{#id .class key="a value" key=value flag}`: keys with their values
/// (quotes removed, `\"` inside double quotes kept as `"`).
fn attribute_pairs(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=' && *c != ',') {
            key.push(c);
        }
        if key.is_empty() {
            if chars.next().is_none() {
                break;
            }
            continue;
        }
        if chars.next_if_eq(&'=').is_none() {
            out.push((key, None));
            continue;
        }
        let mut value = String::new();
        match chars.next_if(|c| *c == '"' || *c == '\'') {
            Some(quote) => {
                while let Some(c) = chars.next() {
                    if c == quote {
                        break;
                    }
                    if c == '\\' && chars.peek() == Some(&quote) {
                        value.push(quote);
                        chars.next();
                    } else {
                        value.push(c);
                    }
                }
            }
            None => {
                while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != ',') {
                    value.push(c);
                }
            }
        }
        out.push((key, Some(value)));
    }
    out
}

/// Runs of whitespace as one space.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Appends text, merging with a preceding text inline.
/// Whether `c` is a Chinese or Japanese character (an ideograph, kana, or their punctuation
/// and full-width forms), written without spaces between words. Not Hangul: Korean
/// spaces its words.
fn is_wide_east_asian(c: char) -> bool {
    matches!(
        u32::from(c),
        0x2E80..=0x2FDF
            | 0x3000..=0x303F
            | 0x3040..=0x30FF
            | 0x3100..=0x312F
            | 0x31A0..=0x31FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0x20000..=0x3FFFF
    )
}

/// Pictures in a paragraph with text before and after them (an icon in a sentence, a
/// badge in a link) stay in their line, and their figures go; any other picture of the
/// paragraph (alone, or closing a lead-in) is a figure after it, and leaves the line. The
/// paragraph's figures and its pictures come in the same order.
fn place_inline_images(content: &mut Vec<Inline>, figures: &mut Vec<Block>) {
    // Text (`None`) or a picture (whether it is in a link), in reading order.
    fn tokens(inlines: &[Inline], linked: bool, out: &mut Vec<Option<bool>>) {
        for inline in inlines {
            match &inline.kind {
                InlineKind::Image { .. } => out.push(Some(linked)),
                InlineKind::Text(t) if !t.trim().is_empty() => out.push(None),
                InlineKind::Code(_) => out.push(None),
                InlineKind::Link { content, .. } => tokens(content, true, out),
                kind => {
                    if let Some(children) = kind.children() {
                        tokens(children, linked, out);
                    }
                }
            }
        }
    }
    let mut seen = Vec::new();
    tokens(content, false, &mut seen);
    if seen.iter().all(Option::is_none) {
        return;
    }
    // A picture in a link is what the link shows (a badge): it stays, or the link is empty.
    let mut in_line: Vec<bool> = (0..seen.len())
        .filter_map(|i| {
            let linked = seen[i]?;
            Some(
                linked
                    || (seen[..i].iter().any(Option::is_none)
                        && seen[i + 1..].iter().any(Option::is_none)),
            )
        })
        .collect();
    // A picture with a caption is a figure wherever it stands.
    let captioned = figures.iter().filter_map(|block| match &block.kind {
        BlockKind::Figure(figure) => Some(figure.caption.is_some()),
        _ => None,
    });
    for (place, captioned) in in_line.iter_mut().zip(captioned) {
        *place &= !captioned;
    }
    // The figures of pictures kept in the line go.
    let mut k = 0;
    figures.retain(|block| {
        if !matches!(block.kind, BlockKind::Figure(_)) {
            return true;
        }
        let keep = !in_line.get(k).copied().unwrap_or(false);
        k += 1;
        keep
    });
    // The pictures that are figures leave the line.
    fn strip(inlines: &mut Vec<Inline>, in_line: &[bool], k: &mut usize) {
        inlines.retain_mut(|inline| {
            if matches!(inline.kind, InlineKind::Image { .. }) {
                let keep = in_line.get(*k).copied().unwrap_or(false);
                *k += 1;
                return keep;
            }
            if let Some(children) = inline.kind.children_mut() {
                strip(children, in_line, k);
            }
            true
        });
    }
    let mut k = 0;
    strip(content, &in_line, &mut k);
}

/// The quotation marks straight double quotes become in a book's language (smart
/// punctuation gives English ones): `None` keeps “ and ”. French sets its guillemets
/// apart with no-break spaces.
#[derive(Debug, Clone, Copy, Default)]
struct QuoteMarks {
    open: Option<&'static str>,
    close: Option<&'static str>,
    /// Straight quotes open and close by turns (Chinese, Japanese, Korean).
    by_turns: bool,
    /// The marks of a quotation inside a quotation, which straight single quotes become
    /// (`None`: ‘ ’).
    single: Option<(&'static str, &'static str)>,
    /// French: a no-break space before ; : ! ? and », after « (see [`french_spacing`]).
    french: bool,
}

impl QuoteMarks {
    fn of(language: &str) -> QuoteMarks {
        let mut subtags = language.split(['-', '_']).map(str::to_ascii_lowercase);
        let primary = subtags.next().unwrap_or_default();
        let region: Vec<String> = subtags.collect();
        let marks = |open, close| QuoteMarks {
            open: Some(open),
            close: Some(close),
            ..QuoteMarks::default()
        };
        let traditional = region
            .iter()
            .any(|r| matches!(r.as_str(), "hant" | "tw" | "hk" | "mo"));
        let inner = |marks: QuoteMarks, open, close| QuoteMarks {
            single: Some((open, close)),
            ..marks
        };
        match primary.as_str() {
            "fr" => QuoteMarks {
                open: Some("«\u{A0}"),
                close: Some("\u{A0}»"),
                french: true,
                single: Some(("“", "”")),
                ..QuoteMarks::default()
            },
            "de" if region.iter().any(|r| r == "ch" || r == "li") => {
                inner(marks("«", "»"), "‹", "›")
            }
            "de" | "cs" | "sk" | "sl" | "hr" | "bg" | "lt" | "et" | "is" | "ka" => {
                inner(marks("„", "“"), "‚", "‘")
            }
            "pl" | "ro" => inner(marks("„", "”"), "«", "»"),
            "hu" => inner(marks("„", "”"), "»", "«"),
            "pt" if region.iter().any(|r| r == "br") => QuoteMarks::default(),
            "ru" | "uk" | "be" => inner(marks("«", "»"), "„", "“"),
            "es" | "it" | "el" | "ca" | "pt" | "eu" | "gl" => inner(marks("«", "»"), "“", "”"),
            "nb" | "nn" | "no" | "hy" | "fa" | "ar" => marks("«", "»"),
            "sv" | "fi" => inner(marks("”", "”"), "’", "’"),
            "da" => inner(marks("»", "«"), "›", "‹"),
            "ja" => QuoteMarks {
                by_turns: true,
                single: Some(("『", "』")),
                ..marks("「", "」")
            },
            "zh" if traditional => QuoteMarks {
                by_turns: true,
                single: Some(("『", "』")),
                ..marks("「", "」")
            },
            "zh" | "ko" => QuoteMarks {
                by_turns: true,
                ..QuoteMarks::default()
            },
            _ => QuoteMarks::default(),
        }
    }
}

/// French spacing, as French typography has it: a no-break space before `;` `:` `!` `?`
/// and `»` and after `«`, where the author put a plain space (a line never starts with the
/// sign). The space keeps its place; only its kind changes.
fn french_spacing(inlines: &mut [Inline]) {
    tie_spaces(inlines, &|previous, next| {
        matches!(next, Some(';' | ':' | '!' | '?' | '»')) || previous == Some('«')
    });
}

/// The spaces of the text in `inlines` that `tie` picks (by the characters before and
/// after the space) made no-break spaces.
fn tie_spaces(inlines: &mut [Inline], tie: &dyn Fn(Option<char>, Option<char>) -> bool) {
    for inline in inlines {
        match &mut inline.kind {
            InlineKind::Text(text) if text.contains(' ') => {
                let mut out = String::with_capacity(text.len());
                let mut chars = text.chars().peekable();
                let mut previous = None;
                while let Some(c) = chars.next() {
                    let next = chars.peek().copied();
                    out.push(if c == ' ' && tie(previous, next) {
                        '\u{A0}'
                    } else {
                        c
                    });
                    previous = Some(c);
                }
                *text = out;
            }
            kind => {
                if let Some(children) = kind.children_mut() {
                    tie_spaces(children, tie);
                }
            }
        }
    }
}

/// Whether a paragraph quotes with guillemets the French way, `« ... »` (a `«` before the
/// first `»`), as a French sentence in a book in another language does; German and Danish
/// quote `»...«`, and their `»` opens.
fn opens_guillemets_the_french_way(inlines: &[Inline]) -> bool {
    let text = Inline::plain_text(inlines);
    match (text.find('«'), text.find('»')) {
        (Some(open), Some(close)) => open < close,
        _ => false,
    }
}

/// The spaces inside French guillemets (`« Où ? »`, typed with ordinary spaces) made no-break
/// spaces, so that no line starts with `»` or ends with `«`, in a book in any language.
fn guillemet_spacing(inlines: &mut [Inline]) {
    tie_spaces(inlines, &|previous, next| {
        next == Some('»') || previous == Some('«')
    });
}

/// Where the first TeX formula of `text` is: `$...$` or `$$...$$` with no space inside its
/// dollars and a TeX command, script or brace in it (`$5 and $10` is money, not math).
fn tex_math_in(text: &str) -> Option<Range<usize>> {
    let mut from = 0;
    while let Some(open) = text.get(from..)?.find('$').map(|i| from + i) {
        let fence = if text[open..].starts_with("$$") { 2 } else { 1 };
        let inner_start = open + fence;
        let rest = &text[inner_start..];
        let close = rest.find(&"$$"[..fence])?;
        let inner = &rest[..close];
        let tight =
            !inner.starts_with(char::is_whitespace) && !inner.ends_with(char::is_whitespace);
        if !inner.is_empty() && tight && inner.contains(['\\', '^', '_', '{']) {
            return Some(open..inner_start + close + fence);
        }
        from = inner_start;
    }
    None
}

/// Whether the inside of `[^...]` reads as a regular expression's negated character class
/// (`[^0-9]`, `[^a-zA-Z_]`, `[^"]`, `[^.,;]`) rather than a footnote label: a range of two
/// single characters, or a character no note label has. Such text is printed as written.
fn is_character_class(label: &str) -> bool {
    has_character_range(label)
        || label.contains([
            '^', '$', '*', '+', '?', '.', '|', '(', ')', '{', '}', '"', '\'', '<', '>', '/', '=',
            ',', ';', '!', '&', '%', '#', '@',
        ])
}

/// Whether `text` holds a character range of a regular expression: `0-9`, `a-z`,
/// `a-zA-Z`.
fn has_character_range(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let class = |c: char| (c.is_ascii_digit(), c.is_lowercase(), c.is_uppercase());
    // `0-9`, `a-z`, `a-zA-Z`: two characters of one kind in order, the first starting the
    // label, following a non-letter or ending another range.
    chars.windows(3).enumerate().any(|(i, w)| {
        w[1] == '-'
            && w[0].is_alphanumeric()
            && class(w[0]) == class(w[2])
            && w[0] < w[2]
            && (i == 0 || !chars[i - 1].is_alphanumeric() || (i >= 2 && chars[i - 2] == '-'))
    })
}

/// Whether the text after a single quote makes it an apostrophe, however GFM paired it:
/// the `n'` of `rock 'n' roll` (or `'N'`: an `n`, an apostrophe, then no letter or digit),
/// or a digit (`the '90s`, `in '49`).
fn apostrophe_follows(after: &str) -> bool {
    let mut chars = after.chars();
    match chars.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('n' | 'N') => {
            matches!(chars.next(), Some('\'' | '\u{2019}'))
                && !chars.next().is_some_and(char::is_alphanumeric)
        }
        _ => false,
    }
}

fn push_text(out: &mut Vec<Inline>, text: &str, span: Span) {
    if let Some(Inline {
        kind: InlineKind::Text(prev),
        span: prev_span,
    }) = out.last_mut()
    {
        prev.push_str(text);
        prev_span.end = prev_span.end.max(span.end);
        return;
    }
    out.push(Inline {
        kind: InlineKind::Text(text.to_string()),
        span,
    });
}

/// Pandoc's superscripts and subscripts in text (`2^10^`, `^1^ In the beginning`,
/// `H~2~O`): a run of characters with no space between two carets (or two tildes the GFM
/// reading left as text), holding a letter or a digit, is raised (or lowered). Code is not
/// text, so `x^2^` in backticks stays as written. Bracketed spans first (see
/// [`pandoc_spans`]).
fn pandoc_scripts(inlines: &mut Vec<Inline>) {
    pandoc_spans(inlines);
    if !inlines
        .iter()
        .any(|i| matches!(&i.kind, InlineKind::Text(t) if t.contains(['^', '~'])))
    {
        return;
    }
    rewrite_texts(inlines, |text, span, out| {
        let mut rest = text;
        let mut plain = String::new();
        while let Some((at, mark)) = rest.char_indices().find(|(_, c)| matches!(c, '^' | '~')) {
            let after = &rest[at + 1..];
            let inner_len = after
                .find(|c: char| c == mark || c.is_whitespace())
                .filter(|&n| after[n..].starts_with(mark))
                // A letter or a digit, or a charge's sign alone (`Na^+^`, `Cl^−^`).
                .filter(|&n| {
                    n > 0
                        && (after[..n].chars().any(char::is_alphanumeric)
                            || matches!(&after[..n], "+" | "-" | "\u{2212}" | "\u{2013}" | "±"))
                })
                // `Press ^X^S to save`: a key's name, not a superscript. A script that stands
                // apart from the word before it (a verse number, `^1^ In the beginning`) is
                // followed by a space or a mark, never straight by a letter.
                .filter(|&n| {
                    let before = rest[..at].chars().last().or(plain.chars().last());
                    let next = after[n + mark.len_utf8()..].chars().next();
                    !(before.is_none_or(char::is_whitespace)
                        && next.is_some_and(char::is_alphanumeric))
                });
            let Some(n) = inner_len else {
                plain.push_str(&rest[..at + 1]);
                rest = after;
                continue;
            };
            plain.push_str(&rest[..at]);
            push_plain(out, &mut plain, span);
            let style = if mark == '^' {
                TextStyle::Superscript
            } else {
                TextStyle::Subscript
            };
            out.push(styled_text(style, after[..n].to_string(), span));
            rest = &after[n + 1..];
        }
        plain.push_str(rest);
        push_plain(out, &mut plain, span);
    });
}

/// Inline HTML elements that change nothing a book prints: their text is printed, the
/// tags are not.
const TRANSPARENT_TAGS: [&str; 14] = [
    "span", "abbr", "acronym", "time", "data", "bdi", "bdo", "u", "ins", "small", "mark", "font",
    "big", "nobr",
];

/// Pandoc's bracketed spans in text (`[Lord]{.smallcaps}`, `[Paris]{lang=fr}`): the text
/// in brackets, in small capitals for `.smallcaps`, marked as another language for a valid
/// `lang`, else as it is; the brackets and attributes are not printed. Braces that hold no
/// attributes (`[sic]{1}`) and brackets around formatted text stay as written.
fn pandoc_spans(inlines: &mut Vec<Inline>) {
    if !inlines
        .iter()
        .any(|i| matches!(&i.kind, InlineKind::Text(t) if t.contains("]{")))
    {
        return;
    }
    rewrite_texts(inlines, |text, span, out| {
        let mut rest = text;
        let mut plain = String::new();
        while let Some(close) = rest.find("]{") {
            let open = rest[..close].rfind('[');
            let end = rest[close + 2..].find('}').map(|e| close + 2 + e);
            let (Some(open), Some(end)) = (open, end) else {
                plain.push_str(&rest[..close + 2]);
                rest = &rest[close + 2..];
                continue;
            };
            let inner = &rest[open + 1..close];
            let tokens = attribute_tokens(&rest[close + 2..end]);
            let is_attributes = !tokens.is_empty()
                && !inner.is_empty()
                && !inner.contains(']')
                && tokens
                    .iter()
                    .all(|t| t.starts_with('.') || t.starts_with('#') || t.contains('='));
            if !is_attributes {
                plain.push_str(&rest[..close + 2]);
                rest = &rest[close + 2..];
                continue;
            }
            plain.push_str(&rest[..open]);
            push_plain(out, &mut plain, span);
            let mut inline = Inline {
                kind: InlineKind::Text(inner.to_string()),
                span,
            };
            let wrap = |style: TextStyle, inline: Inline| Inline {
                kind: InlineKind::Styled {
                    style,
                    content: vec![inline],
                },
                span,
            };
            let lang = tokens
                .iter()
                .find_map(|t| t.strip_prefix("lang="))
                .map(unquoted)
                .filter(|l| oxilangtag::LanguageTag::parse(*l).is_ok());
            if let Some(lang) = lang {
                inline = wrap(TextStyle::Language(lang.to_string()), inline);
            }
            if tokens
                .iter()
                .any(|t| matches!(*t, ".smallcaps" | ".small-caps"))
            {
                inline = wrap(TextStyle::SmallCaps, inline);
            }
            // The text's reading (`[吾輩]{ruby="わがはい"}`), as `<ruby>` gives it.
            let reading = tokens
                .iter()
                .find_map(|t| t.strip_prefix("ruby="))
                .map(|r| unquoted(r).trim())
                .filter(|r| !r.is_empty());
            if let Some(reading) = reading {
                inline = wrap(TextStyle::Ruby(reading.to_string()), inline);
            }
            out.push(inline);
            rest = &rest[end + 1..];
        }
        plain.push_str(rest);
        push_plain(out, &mut plain, span);
    });
}

/// The quotation marks an attribute value may stand between, opening and closing: as
/// typed, and as the text's smart punctuation has turned them (before attributes are read).
const ATTRIBUTE_QUOTES: [(char, char); 8] = [
    ('"', '"'),
    ('\'', '\''),
    ('\u{201C}', '\u{201D}'),
    ('\u{2018}', '\u{2019}'),
    ('\u{300C}', '\u{300D}'),
    ('\u{300E}', '\u{300F}'),
    ('\u{AB}', '\u{BB}'),
    ('\u{201E}', '\u{201C}'),
];

/// An attribute's value without the quotation marks around it.
fn unquoted(value: &str) -> &str {
    ATTRIBUTE_QUOTES
        .iter()
        .find_map(|(open, close)| value.strip_prefix(*open)?.strip_suffix(*close))
        .unwrap_or(value)
}

/// The attributes of a Pandoc attribute list (`.class #id key="a value"`), split at spaces
/// outside quotes.
fn attribute_tokens(list: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    for (i, c) in list.char_indices() {
        let opens = ATTRIBUTE_QUOTES.iter().find(|(open, _)| *open == c);
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, _) if opens.is_some() => {
                quote = opens.map(|(_, close)| *close);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    tokens.push(&list[s..i]);
                }
            }
            (None, _) => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        tokens.push(&list[s..]);
    }
    tokens
}

/// Replaces each text inline of `inlines` by what `rewrite` pushes for it.
fn rewrite_texts(inlines: &mut Vec<Inline>, mut rewrite: impl FnMut(&str, Span, &mut Vec<Inline>)) {
    let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
    for inline in inlines.drain(..) {
        match &inline.kind {
            InlineKind::Text(text) => rewrite(text, inline.span, &mut out),
            _ => out.push(inline),
        }
    }
    *inlines = out;
}

/// `text` with the brackets of its note references (`[^1]`, `[^map]`) replaced by
/// [`NOTE_OPEN`] and [`NOTE_CLOSE`], for [`ChapterParser::marked_notes`]. A regular
/// expression's class (`[^0-9]`) is no reference.
fn marked_note_refs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("[^") {
        let after = &rest[open + 2..];
        let close = after.find(|c: char| c == ']' || c == '[' || c.is_whitespace());
        match close {
            Some(close)
                if close > 0
                    && after[close..].starts_with(']')
                    && !is_character_class(&after[..close]) =>
            {
                out.push_str(&rest[..open]);
                out.push(NOTE_OPEN);
                out.push('^');
                out.push_str(&after[..close]);
                out.push(NOTE_CLOSE);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..open + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Takes the note references out of `inlines` (at any depth), in order.
fn take_note_refs(inlines: &mut Vec<Inline>) -> Vec<Inline> {
    let mut notes = Vec::new();
    inlines.retain_mut(|inline| match &mut inline.kind {
        InlineKind::FootnoteRef(_) => {
            notes.push(inline.clone());
            false
        }
        InlineKind::Emphasis(c)
        | InlineKind::Strong(c)
        | InlineKind::Link { content: c, .. }
        | InlineKind::Styled { content: c, .. } => {
            notes.extend(take_note_refs(c));
            true
        }
        _ => true,
    });
    notes
}

/// Pushes `plain` (and empties it) as a text inline, unless it is empty.
fn push_plain(out: &mut Vec<Inline>, plain: &mut String, span: Span) {
    if !plain.is_empty() {
        out.push(Inline {
            kind: InlineKind::Text(std::mem::take(plain)),
            span,
        });
    }
}

/// A styled run of plain text.
fn styled_text(style: TextStyle, text: String, span: Span) -> Inline {
    Inline {
        kind: InlineKind::Styled {
            style,
            content: vec![Inline {
                kind: InlineKind::Text(text),
                span,
            }],
        },
        span,
    }
}

/// Parses a short piece of Markdown (a caption) as inlines, all at one span.
pub(crate) fn inline_markdown(text: &str, span: Span) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut stack: Vec<Vec<Inline>> = Vec::new();
    // For each HTML emphasis open on `stack`: `<em>` or `<i>` (else `<strong>` or `<b>`).
    let mut emphasis: Vec<bool> = Vec::new();
    // The text of an HTML `<code>` element being read.
    let mut code: Option<String> = None;
    for event in Parser::new_ext(text, markdown_options()) {
        if let Some(inside) = code.as_mut() {
            match &event {
                Event::Text(t) | Event::Code(t) => {
                    inside.push_str(t);
                    continue;
                }
                Event::InlineHtml(raw)
                    if html::Tag::parse(raw).is_some_and(|t| t.closing && t.name == "code") =>
                {
                    out.push(Inline {
                        kind: InlineKind::Code(code.take().unwrap_or_default()),
                        span,
                    });
                    continue;
                }
                _ => {}
            }
        }
        match event {
            Event::Start(Tag::Emphasis | Tag::Strong) => stack.push(std::mem::take(&mut out)),
            Event::End(end @ (TagEnd::Emphasis | TagEnd::Strong)) => {
                let inner = std::mem::replace(&mut out, stack.pop().unwrap_or_default());
                let kind = if end == TagEnd::Emphasis {
                    InlineKind::Emphasis(inner)
                } else {
                    InlineKind::Strong(inner)
                };
                out.push(Inline { kind, span });
            }
            Event::Text(t) => push_text(&mut out, &t, span),
            Event::Code(t) => out.push(Inline {
                kind: InlineKind::Code(t.to_string()),
                span,
            }),
            Event::SoftBreak | Event::HardBreak => push_text(&mut out, " ", span),
            // Emphasis written in HTML (a caption from an HTML `<figcaption>`); other tags
            // are dropped and their text kept.
            Event::InlineHtml(raw) => match html::Tag::parse(&raw) {
                Some(tag) if !tag.closing && tag.name == "code" => code = Some(String::new()),
                Some(tag)
                    if !tag.closing && matches!(tag.name.as_str(), "em" | "i" | "strong" | "b") =>
                {
                    stack.push(std::mem::take(&mut out));
                    emphasis.push(matches!(tag.name.as_str(), "em" | "i"));
                }
                Some(tag)
                    if tag.closing
                        && matches!(tag.name.as_str(), "em" | "i" | "strong" | "b")
                        && !emphasis.is_empty() =>
                {
                    let inner = std::mem::replace(&mut out, stack.pop().unwrap_or_default());
                    let kind = if emphasis.pop() == Some(true) {
                        InlineKind::Emphasis(inner)
                    } else {
                        InlineKind::Strong(inner)
                    };
                    out.push(Inline { kind, span });
                }
                _ => {}
            },
            _ => {}
        }
    }
    if let Some(rest) = code {
        // An unclosed `<code>`: its text as code all the same.
        out.push(Inline {
            kind: InlineKind::Code(rest),
            span,
        });
    }
    while let Some(mut outer) = stack.pop() {
        outer.append(&mut out);
        out = outer;
    }
    out
}

/// A block quote whose every paragraph breaks its lines by hand is verse.
fn verse_or_quote(blocks: Vec<Block>) -> BlockKind {
    let is_verse = !blocks.is_empty()
        && blocks.iter().all(|b| match &b.kind {
            BlockKind::Paragraph(content) => content
                .iter()
                .any(|i| matches!(i.kind, InlineKind::LineBreak)),
            _ => false,
        });
    if !is_verse {
        return BlockKind::BlockQuote(blocks);
    }
    let stanzas = blocks
        .into_iter()
        .filter_map(|b| match b.kind {
            BlockKind::Paragraph(content) => Some(verse_lines(content)),
            _ => None,
        })
        .collect();
    BlockKind::Verse(stanzas)
}

/// Stanzas written as paragraphs of hand-broken lines (`\` or two spaces at each line's
/// end), two or more in a row (or one of six lines or more: a sonnet; or any one, in a file
/// that has such a poem), at a chapter's top level: verse, set line by line with a
/// space between stanzas, as a quote of such paragraphs already is. Each paragraph has
/// three lines or more, few longer than a line of verse and none three times as long (a
/// letter's address or a list of verses numbered in prose stays prose). Returns where each block now is (a later title's
/// place); runs never cross `boundaries` (where later chapters of the file start).
fn stanzas_as_verse(blocks: &mut Vec<Block>, boundaries: &[usize]) -> Vec<usize> {
    const LONGEST_VERSE_LINE: usize = 80;
    let is_stanza = |block: &Block| match &block.kind {
        BlockKind::Paragraph(content) => {
            let breaks = content
                .iter()
                .filter(|i| matches!(i.kind, InlineKind::LineBreak))
                .count();
            // Most lines short (Whitman's run long, a few of them).
            let lengths: Vec<usize> = content
                .split(|i| matches!(i.kind, InlineKind::LineBreak))
                .map(|line| Inline::plain_text(line).trim().chars().count())
                .collect();
            let long = lengths.iter().filter(|&&n| n > LONGEST_VERSE_LINE).count();
            breaks >= 2
                && long * 3 <= lengths.len()
                && lengths.iter().all(|&n| n <= LONGEST_VERSE_LINE * 3)
        }
        _ => false,
    };
    // A stanza of two lines (a sonnet's closing couplet) goes on a poem begun before it.
    let is_couplet = |block: &Block| match &block.kind {
        BlockKind::Paragraph(content) => {
            let lines: Vec<&[Inline]> = content
                .split(|i| matches!(i.kind, InlineKind::LineBreak))
                .collect();
            lines.len() == 2
                && lines.iter().all(|line| {
                    let n = Inline::plain_text(line).trim().chars().count();
                    n > 0 && n <= LONGEST_VERSE_LINE
                })
        }
        _ => false,
    };
    // Its lines as long as the poem's, give or take a half (prose with one break after a
    // poem of short lines stays prose).
    let line_lengths = |block: &Block| -> Vec<usize> {
        match &block.kind {
            BlockKind::Paragraph(content) => content
                .split(|i| matches!(i.kind, InlineKind::LineBreak))
                .map(|line| Inline::plain_text(line).trim().chars().count())
                .collect(),
            _ => Vec::new(),
        }
    };
    let continues = |block: &Block, poem: &[&Block]| {
        if is_stanza(block) {
            return true;
        }
        let lengths: Vec<usize> = poem.iter().flat_map(|b| line_lengths(b)).collect();
        if lengths.is_empty() || !is_couplet(block) {
            return false;
        }
        let mean = lengths.iter().sum::<usize>() as f64 / lengths.len() as f64;
        mean >= 20.0
            && line_lengths(block)
                .iter()
                .all(|&n| (0.5 * mean..=1.5 * mean).contains(&(n as f64)))
    };
    let old = std::mem::take(blocks);
    let mut moved = Vec::with_capacity(old.len() + 1);
    let mut run: Vec<Block> = Vec::new();
    // A poem of one stanza (a sonnet) is verse too when it is long enough that no address
    // or signature is taken for one.
    const LINES_OF_A_LONE_STANZA: usize = 6;
    let lines_of = |block: &Block| match &block.kind {
        BlockKind::Paragraph(content) => {
            1 + content
                .iter()
                .filter(|i| matches!(i.kind, InlineKind::LineBreak))
                .count()
        }
        _ => 0,
    };
    // Whether each chapter of the file (between `boundaries`) has a poem by the rules
    // above: then a lone stanza of three lines or more is one too (Psalm 117 beside Psalm
    // 23), set as its neighbours are.
    let mut has_poem: Vec<bool> = vec![false];
    let mut current: Vec<&Block> = Vec::new();
    for (index, block) in old.iter().enumerate() {
        if boundaries.contains(&index) {
            has_poem.push(false);
            current.clear();
        }
        let joins = continues(block, &current);
        if !joins {
            current.clear();
        }
        if joins {
            current.push(block);
            let run_length = current.len();
            if run_length >= 2 || lines_of(block) >= LINES_OF_A_LONE_STANZA {
                *has_poem.last_mut().unwrap_or(&mut false) = true;
            }
        }
    }
    let mut chapter = 0;
    let flush = |run: &mut Vec<Block>, out: &mut Vec<Block>, poems_beside: bool| {
        if run.len() >= 2
            || (poems_beside && !run.is_empty())
            || run
                .first()
                .is_some_and(|b| lines_of(b) >= LINES_OF_A_LONE_STANZA)
        {
            let Some(span) = run.first().map(|b| b.span) else {
                return;
            };
            let stanzas = run
                .drain(..)
                .filter_map(|b| match b.kind {
                    BlockKind::Paragraph(content) => Some(verse_lines(content)),
                    _ => None,
                })
                .collect();
            out.push(Block {
                kind: BlockKind::Verse(stanzas),
                span,
            });
        } else {
            out.append(run);
        }
    };
    for (index, block) in old.into_iter().enumerate() {
        let joins = if boundaries.contains(&index) {
            continues(&block, &[])
        } else {
            continues(&block, &run.iter().collect::<Vec<_>>())
        };
        if boundaries.contains(&index) || !joins {
            flush(&mut run, blocks, has_poem.get(chapter) == Some(&true));
        }
        if boundaries.contains(&index) {
            chapter += 1;
        }
        if joins {
            // Where the run will start, whether it is grouped or not: nothing is added to
            // `blocks` while a run lasts.
            moved.push(blocks.len());
            run.push(block);
        } else {
            moved.push(blocks.len());
            blocks.push(block);
        }
    }
    flush(&mut run, blocks, has_poem.get(chapter) == Some(&true));
    moved.push(blocks.len());
    moved
}

fn verse_lines(content: Vec<Inline>) -> Vec<VerseLine> {
    let mut lines = Vec::new();
    let mut current: Vec<Inline> = Vec::new();
    for inline in content {
        if matches!(inline.kind, InlineKind::LineBreak) {
            lines.push(finish_verse_line(std::mem::take(&mut current)));
        } else {
            current.push(inline);
        }
    }
    if !current.is_empty() {
        lines.push(finish_verse_line(current));
    }
    lines
}

fn finish_verse_line(mut content: Vec<Inline>) -> VerseLine {
    let mut indent = 0u16;
    if let Some(Inline {
        kind: InlineKind::Text(text),
        ..
    }) = content.first_mut()
    {
        let trimmed = text.trim_start_matches([' ', '\u{a0}', '\u{2007}', '\u{2003}', '\u{2002}']);
        indent =
            u16::try_from(text[..text.len() - trimmed.len()].chars().count()).unwrap_or(u16::MAX);
        *text = trimmed.to_string();
    }
    if let Some(Inline {
        kind: InlineKind::Text(text),
        ..
    }) = content.last_mut()
    {
        let trimmed = text.trim_end().len();
        text.truncate(trimmed);
    }
    content.retain(|i| !matches!(&i.kind, InlineKind::Text(t) if t.is_empty()));
    VerseLine { indent, content }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        let mut images = |_: &str, _: Span, _: &mut Vec<Diagnostic>| None;
        parse_chapter(
            text,
            FileId(0),
            "c",
            "en",
            &mut images,
            None,
            &mut diagnostics,
        );
        diagnostics
    }

    fn parsed(text: &str) -> ParsedChapter {
        parsed_in(text, "en")
    }

    fn parsed_in(text: &str, language: &str) -> ParsedChapter {
        let mut diagnostics = Vec::new();
        let mut images = |_: &str, _: Span, _: &mut Vec<Diagnostic>| None;
        parse_chapter(
            text,
            FileId(0),
            "c",
            language,
            &mut images,
            None,
            &mut diagnostics,
        )
    }

    fn paragraph_texts(chapter: &ParsedChapter) -> Vec<String> {
        chapter
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::Paragraph(content) => Some(Inline::plain_text(content)),
                _ => None,
            })
            .collect()
    }

    /// A French quotation in a book in another language, typed with plain spaces inside
    /// its guillemets, keeps them on its lines; German guillemets (`»...«`) are left alone.
    #[test]
    fn french_guillemets_keep_their_spaces_in_any_language() {
        let text =
            "# T\n\nHe wrote: « Où êtes-vous ? » and left.\n\nEr sagte: »Hallo « und » ging«.\n";
        assert_eq!(
            paragraph_texts(&parsed_in(text, "en-GB")),
            [
                "He wrote: «\u{A0}Où êtes-vous ?\u{A0}» and left.",
                "Er sagte: »Hallo « und » ging«.",
            ]
        );
    }

    #[test]
    fn straight_quotes_become_the_languages_quotation_marks() {
        let text = "# T\n\n\"Tu es venue,\" dit-elle. L'homme : \"Non !\" Pourquoi ?\n\nTyped “as is”.\n\n`\"code\" ?`\n";
        assert_eq!(
            paragraph_texts(&parsed_in(text, "fr")),
            [
                "«\u{A0}Tu es venue,\u{A0}» dit-elle. L’homme\u{A0}: «\u{A0}Non\u{A0}!\u{A0}» Pourquoi\u{A0}?",
                "Typed “as is”.",
                "\"code\" ?",
            ]
        );
        let german = "# T\n\n\"Gregor\", rief sie, \"geht's?\"\n";
        assert_eq!(
            paragraph_texts(&parsed_in(german, "de-DE")),
            ["„Gregor“, rief sie, „geht’s?“"]
        );
        assert_eq!(
            paragraph_texts(&parsed_in("# T\n\n\"Да\"\n", "ru")),
            ["«Да»"]
        );
        assert_eq!(
            paragraph_texts(&parsed_in("# T\n\n\"Yes\" it's\n", "en-GB")),
            ["“Yes” it’s"]
        );
        // A quotation inside a quotation takes the language's inner marks; an apostrophe
        // stays one.
        assert_eq!(
            paragraph_texts(&parsed_in(
                "# T\n\n\"Er sagte 'nein' und ging's an.\"\n",
                "de"
            )),
            ["„Er sagte ‚nein‘ und ging’s an.“"]
        );
        assert_eq!(
            paragraph_texts(&parsed_in("# T\n\n\"Он сказал 'нет'.\"\n", "ru")),
            ["«Он сказал „нет“.»"]
        );
        // Straight double quotes inside typed guillemets are the inner ones.
        assert_eq!(
            paragraph_texts(&parsed_in(
                "# T\n\nОна сказала: «Он ответил \"нет\" и ушёл». Потом \"да\".\n",
                "ru"
            )),
            ["Она сказала: «Он ответил „нет“ и ушёл». Потом «да»."]
        );
        assert_eq!(
            paragraph_texts(&parsed_in("# T\n\n\"He said 'no' to it's end.\"\n", "en")),
            ["“He said ‘no’ to it’s end.”"]
        );
        // A straight closing quote after a curly opening one closes.
        assert_eq!(
            paragraph_texts(&parsed_in(
                "# T\n\n“Yes,\" she said. \"No.\" (\"Why?\")\n",
                "en"
            )),
            ["“Yes,” she said. “No.” (“Why?”)"]
        );
        assert_eq!(
            paragraph_texts(&parsed_in(
                "# T\n\n„Nie wierzę w duchy\" — napisała.\n",
                "pl"
            )),
            ["„Nie wierzę w duchy” — napisała."]
        );
        // Inches after a number close; a quoted number is quoted.
        assert_eq!(
            paragraph_texts(&parsed_in(
                "# T\n\nHe is 6' 2\" tall; \"12\" is a 7\"-single.\n",
                "en"
            )),
            ["He is 6’ 2” tall; “12” is a 7”-single."]
        );
        // Quotes with no space around them open and close by turns.
        assert_eq!(
            paragraph_texts(&parsed_in(
                "# T\n\n彼は\"こんにちは\"と言った。\"彼が'いいえ'と\"答えた。\n",
                "ja"
            )),
            ["彼は「こんにちは」と言った。「彼が『いいえ』と」答えた。"]
        );
        assert_eq!(
            paragraph_texts(&parsed_in("# T\n\n他说\"你好\"。\n", "zh-Hans")),
            ["他说“你好”。"]
        );
    }

    fn title_of(chapter: &ParsedChapter) -> Option<String> {
        chapter.title.as_ref().map(|(t, _)| Inline::plain_text(t))
    }

    #[test]
    fn front_matter_is_left_out_and_its_title_names_the_chapter() {
        let text = "---\ntitle: \"Exported: A Chapter\"\nauthor: X\n---\n\nBody *text*.\n";
        let chapter = parsed(text);
        assert_eq!(title_of(&chapter).as_deref(), Some("Exported: A Chapter"));
        assert_eq!(chapter.blocks.len(), 1, "{:?}", chapter.blocks);
        // The title's place is its value in the file.
        let span = chapter.title.as_ref().map(|t| t.1).expect("span");
        assert_eq!((span.line, span.column), (2, 8));
        // A `#` heading names the chapter, the front matter's title does not.
        let chapter = parsed("+++\ntitle = 'Toml'\n+++\n# Heading\n\nText.\n");
        assert_eq!(title_of(&chapter).as_deref(), Some("Heading"));
        assert_eq!(chapter.blocks.len(), 1);
        // YAML may close with `...`, and open with a comment.
        let chapter = parsed("---\n# a comment\nlayout: post\n...\nText.\n");
        assert_eq!(chapter.title, None);
        assert_eq!(chapter.blocks.len(), 1);
    }

    #[test]
    fn scene_breaks_are_not_front_matter() {
        // Not at the start: a scene break, a paragraph, a setext heading.
        let chapter = parsed("# T\n\nText.\n\n---\ntitle: no\n---\n");
        assert_eq!(chapter.blocks.len(), 3, "{:?}", chapter.blocks);
        // At the start, but prose rather than `key: value`: kept.
        let chapter = parsed("---\n\nIt was a dark night.\n\n---\n\nMore.\n");
        let scenes = chapter
            .blocks
            .iter()
            .filter(|b| b.kind == BlockKind::SceneBreak)
            .count();
        assert_eq!(
            (scenes, chapter.blocks.len()),
            (2, 4),
            "{:?}",
            chapter.blocks
        );
        // A blank line after the opening rule: a scene break, whatever follows (the
        // paragraph was lost).
        let chapter = parsed("---\n\nMorning: the light came in.\n\n---\n\nShe woke.\n");
        assert_eq!(chapter.blocks.len(), 4, "{:?}", chapter.blocks);
        // Never closed: kept.
        let chapter = parsed("---\nkey: value\n\nText.\n");
        assert!(chapter.blocks.len() >= 2, "{:?}", chapter.blocks);
        // A first line like a key over prose: kept (both paragraphs were lost).
        let chapter = parsed(
            "---\nWarning: this chapter is optional.\n\nIt covers the allocator.\n---\n# C\n",
        );
        let text: String = chapter
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::Paragraph(c) | BlockKind::Heading { content: c, .. } => {
                    Some(Inline::plain_text(c))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" / ");
        assert!(
            text.contains("Warning: this chapter is optional.")
                && text.contains("It covers the allocator."),
            "{text}"
        );
        // YAML's lists and indented values are front matter.
        let chapter =
            parsed("---\ntags:\n  - a\n- b\nsummary: |\n  Two lines\n  of it.\n---\nText.\n");
        assert_eq!(chapter.blocks.len(), 1, "{:?}", chapter.blocks);
    }

    #[test]
    fn pandoc_line_blocks_are_verse_and_div_fences_are_left_out() {
        let chapter = parsed(
            "# T\n\n::: epigraph\nQuoted.\n:::\n\n| One *line*;\n|   two, indented.\n|\n| three\n\n\
             | a | b |\n|---|---|\n| 1 | 2 |\n\n```\n| code\n:::\n```\n",
        );
        let kinds: Vec<String> = chapter
            .blocks
            .iter()
            .map(|b| format!("{:?}", b.kind).chars().take(9).collect())
            .collect();
        assert_eq!(
            kinds,
            ["Paragraph", "Verse([[V", "Table(Tab", "CodeBlock"],
            "{kinds:?}"
        );
        let BlockKind::Paragraph(quoted) = &chapter.blocks[0].kind else {
            unreachable!()
        };
        assert_eq!(Inline::plain_text(quoted), "Quoted.");
        let BlockKind::Verse(stanzas) = &chapter.blocks[1].kind else {
            unreachable!()
        };
        let lines: Vec<Vec<(u16, String)>> = stanzas
            .iter()
            .map(|s| {
                s.iter()
                    .map(|l| (l.indent, Inline::plain_text(&l.content)))
                    .collect()
            })
            .collect();
        assert_eq!(
            lines,
            [
                vec![
                    (0, "One line;".to_string()),
                    (2, "two, indented.".to_string())
                ],
                vec![(0, "three".to_string())]
            ]
        );
        let BlockKind::CodeBlock { text, .. } = &chapter.blocks[3].kind else {
            unreachable!()
        };
        assert_eq!(text, "| code\n:::");
        // Each line of the verse is where it is written.
        let span = stanzas[0][1].content[0].span;
        assert_eq!(span.line, 8);
    }

    /// The one block of a chapter that is only a list.
    fn only_list(chapter: &ParsedChapter) -> &List {
        match chapter.blocks.as_slice() {
            [
                Block {
                    kind: BlockKind::List(list),
                    ..
                },
            ] => list,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn definition_lists_are_terms_in_bold_over_their_definitions() {
        let chapter = parsed("Apple\n: A fruit.\n: A company.\n\nPear\n\n: Another.\n");
        let list = only_list(&chapter);
        assert!(list.terms && list.start.is_none());
        let shown: Vec<String> = list
            .items
            .iter()
            .map(|item| match item.blocks.as_slice() {
                [
                    Block {
                        kind: BlockKind::Paragraph(term),
                        ..
                    },
                    definitions @ ..,
                ] if matches!(
                    term.as_slice(),
                    [Inline {
                        kind: InlineKind::Strong(_),
                        ..
                    }]
                ) =>
                {
                    format!("{}: {}", Inline::plain_text(term), definitions.len())
                }
                // A further definition of the term before.
                [
                    Block {
                        kind: BlockKind::Paragraph(term),
                        ..
                    },
                    definitions @ ..,
                ] if term.is_empty() => format!("(more): {}", definitions.len()),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(shown, ["Apple: 1", "(more): 1", "Pear: 1"]);
        // A term written in bold is bold once, not bold inside bold.
        let chapter = parsed("**Kleisli arrow**\n: A thing.\n");
        let list = only_list(&chapter);
        let BlockKind::Paragraph(term) = &list.items[0].blocks[0].kind else {
            panic!("{list:?}")
        };
        assert!(
            matches!(term.as_slice(), [Inline { kind: InlineKind::Strong(inner), .. }]
                if !matches!(inner.as_slice(), [Inline { kind: InlineKind::Strong(_), .. }])),
            "{term:?}"
        );
    }

    #[test]
    fn a_regular_expressions_class_is_no_footnote_reference() {
        for class in ["0-9", "a-zA-Z_", "a-z0-9", "\"", ".,;", "<>", "A-F0-9"] {
            assert!(is_character_class(class), "{class}");
        }
        for label in [
            "1",
            "note",
            "note-1",
            "ref-z",
            "my_note",
            "chapter-two",
            "fn3",
        ] {
            assert!(!is_character_class(label), "{label}");
        }
        let (parsed, diagnostics) = parse("# T\n\nThe class [^0-9] matches a non-digit.\n");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            Inline::plain_text(paragraph(&parsed, 0)),
            "The class [^0-9] matches a non-digit."
        );
        // Nor is `^[0-9]` a Pandoc inline note; `word^[Smith.]` and `^[A whole note.]` are.
        let (parsed, diagnostics) = parse(
            "# T\n\nLines matching ^[0-9]+$ are numbers, x^[a-z] too; Smith^[Ibid.] and \
             more ^[A whole note.] end.\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            Inline::plain_text(paragraph(&parsed, 0)),
            "Lines matching ^[0-9]+$ are numbers, x^[a-z] too; Smith and more  end."
        );
        assert_eq!(parsed.footnotes.len(), 2);
    }

    #[test]
    fn a_div_of_html_paragraphs_is_read_as_its_paragraphs() {
        let chapter = parsed(
            "<div class=\"note\">\n<p>Text in a <em>paragraph</em>.</p>\n<p>Second.</p>\n</div>\n",
        );
        let text: String = chapter
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::Paragraph(c) => Some(Inline::plain_text(c)),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" / ");
        assert!(!text.contains('<'), "{text}");
        assert!(
            text.contains("Text in a paragraph.") && text.contains("Second."),
            "{text}"
        );
    }

    #[test]
    fn html_paragraphs_on_following_lines_are_paragraphs() {
        let chapter = parsed(
            "# T\n\n<p>One.</p>\n<p class=\"x\">Two <em>it</em>.</p>\n<p>Three\ngoes on.</p>\nFour.\n\n\
             > <p>Quoted.</p>\n> <p>Still quoted.</p>\n",
        );
        assert_eq!(
            paragraph_texts(&chapter),
            ["One.", "Two it.", "Three goes on.", "Four."]
        );
        // In a quote the paragraphs stay in the quote.
        let quotes = chapter
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::BlockQuote(_)))
            .count();
        assert_eq!(quotes, 1, "{:?}", chapter.blocks);
        for block in &chapter.blocks {
            assert!(!format!("{block:?}").contains("</p>"), "{block:?}");
            assert!(!format!("{block:?}").contains("LineBreak"), "{block:?}");
        }
    }

    #[test]
    fn long_lined_verse_is_verse() {
        let long =
            "Born here of parents born here from parents the same, and their parents the same,";
        assert!(long.chars().count() > 80);
        let text = format!(
            "# Song\n\nI celebrate myself,\\\nand sing myself,\\\nAnd what I assume.\n\n\
             I loafe and invite my soul,\\\nI lean and loafe at my ease,\\\n{long}\\\n\
             Hoping to cease not till death.\n"
        );
        let (parsed, _) = parse(&text);
        assert!(
            matches!(&parsed.blocks[..], [Block { kind: BlockKind::Verse(s), .. }] if s.len() == 2),
            "{:?}",
            parsed.blocks
        );
    }

    #[test]
    fn tex_math_is_found_and_money_is_not() {
        assert_eq!(tex_math_in("so $\\frac{1}{n}$ is"), Some(3..16));
        assert_eq!(tex_math_in("$$x^2$$"), Some(0..7));
        assert_eq!(tex_math_in("It costs $5 and $10 a_b."), None);
        assert_eq!(tex_math_in("$ a^b $"), None);
        let (_, diagnostics) = parse("# T\n\nThe mean $\\bar{x}$ and $y_i$.\n");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(diagnostics[0].message.contains("TeX math"));
    }

    /// Math is printed as written: Markdown's escapes (`\\`, `\{`, `\,`) and emphasis
    /// (`a_1 b_1`, `*`) leave it alone, and dollars that are money stay text.
    #[test]
    fn tex_math_keeps_every_character_as_written() {
        let source = "$\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}$ and \
                      $\\{x \\mid x > 0\\}$ and $a_1 * b_1 * c$ and $\\int x \\, dx$";
        let (parsed, diagnostics) = parse(&format!("# T\n\n{source}.\n\nIt costs $5 and $10.\n"));
        let texts: Vec<String> = parsed
            .blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::Paragraph(c) => Inline::plain_text(c),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [format!("{source}."), "It costs $5 and $10.".to_string()]
        );
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    }

    #[test]
    fn a_colon_without_a_space_starts_no_definition() {
        // pulldown-cmark reads each of these lines as a definition of the line above.
        let chapter = parsed(
            "In C++ the name is\n::std::vector, in Vim\n:wq saves.\n\n\
             Parameters\n:param x: the value.\n\n\
             A paragraph.\n\n:b and c\n\n\
             Term\n: A real definition\n:and its next line.\n",
        );
        let shown = outline(&chapter.blocks);
        assert_eq!(
            shown,
            [
                "In C++ the name is ::std::vector, in Vim :wq saves.",
                "Parameters :param x: the value.",
                "A paragraph.",
                ":b and c",
                "Term / A real definition :and its next line.",
            ]
        );
    }

    #[test]
    fn inline_html_that_changes_nothing_printed_is_its_text() {
        let chapter = parsed(
            "<abbr title=\"Mister\">Mr.</abbr> read <cite>Ivanhoe</cite>, said <q>hi</q>, \
             <u>u</u><small>s</small><mark>m</mark> <i lang=\"fr\">oui</i> <samp>$ ls</samp> \
             <span class=\"x\">y</span></b>.\n",
        );
        let BlockKind::Paragraph(content) = &chapter.blocks[0].kind else {
            unreachable!()
        };
        assert_eq!(
            Inline::plain_text(content),
            "Mr. read Ivanhoe, said \u{201c}hi\u{201d}, usm oui $ ls y</b>."
        );
        assert!(matches!(content[1].kind, InlineKind::Emphasis(_)));
        let foreign = content.iter().find_map(|i| match &i.kind {
            InlineKind::Emphasis(inner) => inner.iter().find_map(|j| match &j.kind {
                InlineKind::Styled {
                    style: TextStyle::Language(lang),
                    ..
                } => Some(lang.clone()),
                _ => None,
            }),
            _ => None,
        });
        assert_eq!(foreign.as_deref(), Some("fr"));
        // An opening tag that cannot be read is printed as written, and so is its end.
        let chapter = parsed("Then <span style={{color: 'red'}}>{children}</span>; done.\n");
        let BlockKind::Paragraph(content) = &chapter.blocks[0].kind else {
            unreachable!()
        };
        assert!(
            Inline::plain_text(content).contains("{children}</span>;"),
            "{}",
            Inline::plain_text(content)
        );
        // Only the tag nothing explains is warned (and printed).
        let warned: Vec<_> = errors("<cite>x</cite> <blink>y</blink>\n")
            .into_iter()
            .map(|d| d.message)
            .collect();
        assert_eq!(warned.len(), 2, "{warned:?}");
        assert!(warned.iter().all(|w| w.contains("blink")), "{warned:?}");
    }

    #[test]
    fn html_paragraphs_headings_and_lists_are_read_as_markdown() {
        let chapter = parsed(
            "<p class=\"center\">Centered <em>text</em>.</p>\n\n<p>\nTwo\nlines.\n</p>\n\n  <p>Indented.</p>\n\n\
             <h2>A Heading</h2>\n\n<h3 class=\"sub\">Sub</h3>\n\n<ul>\n<li>one</li>\n<li class=\"x\">two</li>\n</ul>\n\n\
             ```\n<p>code</p>\n```\n",
        );
        let shown: Vec<String> = chapter
            .blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::Paragraph(c) => format!("p {}", Inline::plain_text(c)),
                BlockKind::Heading { level, content, .. } => {
                    format!("h{level} {}", Inline::plain_text(content))
                }
                BlockKind::List(list) => format!("list of {}", list.items.len()),
                BlockKind::CodeBlock { text, .. } => format!("code {text}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "p Centered text.",
                "p Two lines.",
                "p Indented.",
                "h2 A Heading",
                "h3 Sub",
                "list of 2",
                "code <p>code</p>"
            ]
        );
    }

    #[test]
    fn html_like_lines_with_other_letters_never_panic() {
        for text in [
            "<hé>x</hé>\n",
            "<h2é>x</h2>\n",
            "<pé>x</p>\n",
            "<ulé>\n<li>é</li>\n",
            "<ul>\n<li\n",
            "<h\n",
            "<p",
            "|é\n| é\n",
            ":::é\n",
        ] {
            let _ = parsed(text);
        }
    }

    #[test]
    fn an_html_rule_is_a_scene_break() {
        for rule in ["<hr>", "<hr/>", "<hr class=\"scene\" />", "<HR>"] {
            let chapter = parsed(&format!("One.\n\n{rule}\n\nTwo.\n"));
            assert_eq!(chapter.blocks.len(), 3, "{rule}");
            assert_eq!(chapter.blocks[1].kind, BlockKind::SceneBreak, "{rule}");
        }
    }

    /// The first paragraph's inlines: a styled run as `Style:text`, others as their text.
    fn styled_runs(chapter: &ParsedChapter) -> Vec<String> {
        let BlockKind::Paragraph(content) = &chapter.blocks[0].kind else {
            unreachable!()
        };
        content
            .iter()
            .map(|i| match &i.kind {
                InlineKind::Styled { style, content } => {
                    format!("{style:?}:{}", Inline::plain_text(content))
                }
                _ => Inline::plain_text(std::slice::from_ref(i)),
            })
            .collect()
    }

    #[test]
    fn pandoc_spans_and_small_caps() {
        let chapter = parsed(
            "The [Lord]{.smallcaps} said [bonjour]{lang=fr} and [sic]{1}; \
             <span class=\"smallcaps\">nasa</span>.\n",
        );
        let shown = styled_runs(&chapter);
        assert_eq!(
            shown,
            [
                "The ",
                "SmallCaps:Lord",
                " said ",
                "Language(\"fr\"):bonjour",
                " and [sic]{1}; ",
                "SmallCaps:nasa",
                "."
            ]
        );
    }

    #[test]
    fn ruby_gives_each_text_its_reading() {
        // The HTML form, with several pairs in one element and the fallback parentheses,
        // and Pandoc's attribute (its quotes turned curly by then, or Japanese corner
        // brackets), with a space inside the reading.
        let chapter = parsed(
            "<ruby>吾輩<rt>わがはい</rt></ruby>は<ruby>漢<rp>(</rp><rt>かん</rt><rp>)</rp>\
             字<rp>(</rp><rt>じ</rt><rp>)</rp></ruby>。[汉字]{ruby=\"hàn zì\"} and \
             [Paris]{lang=\"fr\"}.\n",
        );
        let shown = styled_runs(&chapter);
        assert_eq!(
            shown,
            [
                "Ruby(\"わがはい\"):吾輩",
                "は",
                "Ruby(\"かん\"):漢",
                "Ruby(\"じ\"):字",
                "。",
                "Ruby(\"hàn zì\"):汉字",
                " and ",
                "Language(\"fr\"):Paris",
                "."
            ]
        );
        let (chapters, diagnostics) =
            crate::book::parse_chapter_text("# 一\n\n[海水浴]{ruby=\"かいすいよく\"}に行く。\n");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let text = format!("{:?}", chapters[0].blocks);
        assert!(text.contains("Ruby(\"かいすいよく\")"), "{text}");
    }

    #[test]
    fn pandoc_superscripts_and_subscripts_are_raised_and_lowered() {
        let chapter = parsed(
            "^1^ In the beginning; H~2~O; 2^10^; x^2 + y^2; ^_^; `a^b^`. Press ^X^S to save. Na^+^.\n",
        );
        let shown = styled_runs(&chapter);
        assert_eq!(
            shown,
            [
                "Superscript:1",
                " In the beginning; H",
                "Subscript:2",
                "O; 2",
                "Superscript:10",
                "; x^2 + y^2; ^_^; ",
                "a^b^",
                ". Press ^X^S to save. Na",
                "Superscript:+",
                "."
            ]
        );
    }

    #[test]
    fn heading_attributes_name_the_heading_and_are_not_printed() {
        let chapter = parsed("# Title {#intro .unnumbered}\n\n## Setup {#setup}\n\nText.\n");
        // Braces that hold no attributes are text.
        let sets = parsed("# Sets {1, 2}\n\n## Generic<T> {T: Clone} ##\n");
        assert_eq!(title_of(&sets).as_deref(), Some("Sets {1, 2}"));
        match &sets.blocks[0].kind {
            BlockKind::Heading { content, .. } => {
                assert!(Inline::plain_text(content).ends_with(" {T: Clone}"))
            }
            other => panic!("{other:?}"),
        }
        assert!(sets.aliases.is_empty() && sets.title_alias.is_none());
        assert_eq!(title_of(&chapter).as_deref(), Some("Title"));
        assert_eq!(chapter.title_alias.as_deref(), Some("intro"));
        match &chapter.blocks[0].kind {
            BlockKind::Heading { id, content, .. } => {
                assert_eq!(Inline::plain_text(content), "Setup");
                assert_eq!(chapter.aliases[0].0, "setup");
                assert_eq!(&chapter.aliases[0].1, id);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn escaped_brackets_and_code_are_not_footnote_references() {
        let text = "# T\n\nA class \\[\\^a-z\\] and `[^a-z]` in code.\n\n## Also `[^x]` here\n\n| a |\n|---|\n| `[^y]` \\[^z] |\n";
        assert!(errors(text).is_empty(), "{:?}", errors(text));
    }

    #[test]
    fn an_undefined_reference_is_reported_at_its_bracket() {
        let text = "# T\n\nSome *words* and more [^missing] here.\n\n## Head [^gone]\n";
        let found = errors(text);
        assert_eq!(found.len(), 2, "{found:?}");
        let first = found[0].span.expect("span");
        assert_eq!((first.line, first.column), (3, 23));
        assert!(found[0].message.contains("[^missing]"));
        let second = found[1].span.expect("span");
        assert_eq!((second.line, second.column), (5, 9));
    }

    #[test]
    fn numbers_closing_with_a_parenthesis_are_kept_so() {
        let text = "# T\n\n1) One\n2) Two\n\nText.\n\n   7. Seven\n\nText.\n\n- Bullet\n";
        let (parsed, _) = parse(text);
        let lists: Vec<(Option<u64>, bool)> = parsed
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::List(l) => Some((l.start, l.parenthesized)),
                _ => None,
            })
            .collect();
        assert_eq!(
            lists,
            vec![(Some(1), true), (Some(7), false), (None, false)]
        );
    }

    #[test]
    fn a_tight_list_item_keeps_the_style_it_opens_with() {
        let text = "# T\n\n1. **Create it.** Then build:\n   - `cargo new`;\n2. *Build it* now.\n3. [**Run it**](#x). Done.\n";
        let parsed = parsed(text);
        let BlockKind::List(list) = &parsed.blocks[0].kind else {
            panic!("{:?}", parsed.blocks)
        };
        let firsts: Vec<&Vec<Inline>> = list
            .items
            .iter()
            .map(|item| match &item.blocks[0].kind {
                BlockKind::Paragraph(content) => content,
                other => panic!("{other:?}"),
            })
            .collect();
        // One paragraph per item's text, opening with the style as written.
        assert!(
            matches!(firsts[0][0].kind, InlineKind::Strong(_)),
            "{:?}",
            firsts[0]
        );
        assert_eq!(Inline::plain_text(firsts[0]), "Create it. Then build:");
        assert!(matches!(list.items[0].blocks[1].kind, BlockKind::List(_)));
        assert!(matches!(firsts[1][0].kind, InlineKind::Emphasis(_)));
        assert_eq!(Inline::plain_text(firsts[1]), "Build it now.");
        assert_eq!(Inline::plain_text(firsts[2]), "Run it. Done.");
        assert_eq!(list.items[2].blocks.len(), 1);
    }

    fn parse(text: &str) -> (ParsedChapter, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut images = |_: &str, _: Span, _: &mut Vec<Diagnostic>| Some(ImageId(0));
        let parsed = parse_chapter(
            text,
            FileId(0),
            "c",
            "en",
            &mut images,
            None,
            &mut diagnostics,
        );
        (parsed, diagnostics)
    }

    fn paragraph(parsed: &ParsedChapter, index: usize) -> &[Inline] {
        match &parsed.blocks[index].kind {
            BlockKind::Paragraph(content) => content,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn control_characters_are_left_out_where_they_stand_and_spans_stay_true() {
        let text = "# T\n\nA\u{7}b, c\u{c}d e\u{85}f \u{1b}[0m é\u{0}*g*.\n\n```\nx\u{1b}y\n```\n";
        let (parsed, diagnostics) = parse(text);
        let warned: Vec<(u32, u32, bool)> = diagnostics
            .iter()
            .map(|d| {
                let span = d.span.expect("a place");
                (
                    span.line,
                    span.column,
                    d.message.contains("control character"),
                )
            })
            .collect();
        // BEL, ESC and NUL in the paragraph, ESC in the code block: where they are written.
        assert_eq!(
            warned,
            [(3, 2, true), (3, 14, true), (3, 20, true), (6, 2, true)]
        );
        let content = paragraph(&parsed, 0);
        let plain: String = content
            .iter()
            .map(|i| match &i.kind {
                InlineKind::Text(t) => t.clone(),
                InlineKind::Emphasis(inner) => format!("<{inner:?}>"),
                _ => String::new(),
            })
            .collect();
        assert!(plain.starts_with("Ab, c d e  f [0m é"), "{plain:?}");
        // The emphasis after the left-out characters is found where it is written.
        let emphasis = content
            .iter()
            .find(|i| matches!(i.kind, InlineKind::Emphasis(_)))
            .expect("emphasis");
        let span = emphasis.span;
        assert_eq!(&text[span.start as usize..span.end as usize], "*g*");
        assert_eq!((span.line, span.column), (3, 21));
        let BlockKind::CodeBlock { text: code, .. } = &parsed.blocks[1].kind else {
            panic!("{:?}", parsed.blocks[1])
        };
        assert_eq!(code.trim_end(), "xy");
    }

    #[test]
    fn the_html_subset_becomes_the_model() {
        let text = "# T\n\nPress <kbd>Ctrl</kbd>+<kbd>C</kbd>; E = mc<sup>2</sup>, H<sub>2</sub>O, \
                    <code>\"a\" &lt; b</code>, <span lang=\"de\">Straße</span>, \
                    <em>em</em> <b>b</b> <a href=\"https://example.com\">site</a>.<br>Next \
                    <a id=\"here\">anchored</a> text.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let content = paragraph(&parsed, 0);
        let kinds: Vec<String> = content
            .iter()
            .filter(|i| !matches!(i.kind, InlineKind::Text(_)))
            .map(|i| match &i.kind {
                InlineKind::Styled { style, content } => {
                    format!("{style:?}:{}", Inline::plain_text(content))
                }
                InlineKind::Code(t) => format!("code:{t}"),
                InlineKind::Emphasis(c) => format!("em:{}", Inline::plain_text(c)),
                InlineKind::Strong(c) => format!("strong:{}", Inline::plain_text(c)),
                InlineKind::Link { url, .. } => format!("link:{url}"),
                InlineKind::Anchor(id) => format!("anchor:{id}"),
                InlineKind::LineBreak => "br".into(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "Keyboard:Ctrl",
                "Keyboard:C",
                "Superscript:2",
                "Subscript:2",
                "code:\"a\" < b",
                "Language(\"de\"):Straße",
                "em:em",
                "strong:b",
                "link:https://example.com",
                "br",
                "anchor:here",
            ]
        );
        // The anchor's text stays and its `</a>` prints nothing.
        assert!(Inline::plain_text(content).ends_with("Next anchored text."));
    }

    #[test]
    fn other_html_is_text_and_warned_every_time() {
        let text = "# T\n\nA <blink>one</blink> and <blink>two</blink>.\n\n<dl>block</dl>\n\nB <span lang=\"??\">x</span>.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(Inline::plain_text(paragraph(&parsed, 0)).contains("<blink>one</blink>"));
        let html: Vec<(u32, u32)> = diagnostics
            .iter()
            .filter(|d| d.message.contains("not understood"))
            .map(|d| {
                let span = d.span.expect("span");
                (span.line, span.column)
            })
            .collect();
        assert_eq!(html, [(3, 3), (3, 13), (3, 26), (3, 36), (5, 1)]);
        assert!(
            diagnostics
                .iter()
                .any(|d| d.message.contains("not a language tag"))
        );
    }

    /// The figures of a chapter: alt text and caption.
    fn figures(parsed: &ParsedChapter) -> Vec<(String, String)> {
        parsed
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::Figure(f) => Some((
                    f.alt.clone(),
                    Inline::plain_text(f.caption.as_deref().unwrap_or_default()),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_html_figure_is_a_figure() {
        let text = "# T\n\n<figure>\n  <img src=\"a.svg\" alt=\"A diagram\">\n  <figcaption>The *caption*</figcaption>\n</figure>\n\n<img src=\"b.png\" alt=\"B\" title=\"Bee\">\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let figures = figures(&parsed);
        assert_eq!(
            figures,
            [
                ("A diagram".to_string(), "The caption".to_string()),
                ("B".to_string(), "Bee".to_string())
            ]
        );
    }

    #[test]
    fn html_paragraphs_in_quotes_and_list_items_and_one_line_boxes_are_text() {
        let text = "# T\n\n> Dear Sir,\n>\n> <p align=\"right\">Your servant, J.</p>\n\n- <p>An item.</p>\n\n<center>Centred.</center>\n\n<div align=\"center\">Also centred.</div>\n\n<ol start=\"7\">\n<li>Seventh</li>\n<li>Eighth</li>\n</ol>\n";
        let (parsed, _) = parse(text);
        let printed = format!("{:?}", parsed.blocks);
        assert!(printed.contains("start: Some(7)"), "{printed}");
        for words in ["Your servant, J.", "An item.", "Centred.", "Also centred."] {
            assert!(
                printed.contains(&format!("Text(\"{words}\")")),
                "{words}: {printed}"
            );
        }
        assert!(!printed.contains('<'), "{printed}");
        // Alone in a chapter (nothing else for the pre-pass to look at).
        let (parsed, _) = parse("# T\n\n<center>Centred.</center>\n");
        assert!(format!("{:?}", parsed.blocks).contains("Text(\"Centred.\")"));
    }

    #[test]
    fn a_note_at_the_end_of_a_link_text_follows_the_link() {
        let text = "# T\n\nSee [the site[^1]](https://example.com/a_(b)) now, `[x[^1]](y)`.\n\n[^1]: Visited.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let printed = format!("{:?}", paragraph(&parsed, 0));
        assert!(printed.contains("https://example.com/a_(b)"), "{printed}");
        assert_eq!(
            Inline::plain_text(paragraph(&parsed, 0)),
            "See the site now, [x[^1]](y)."
        );
        assert_eq!(parsed.footnotes.len(), 1);
    }

    #[test]
    fn a_note_in_a_links_text_or_a_pictures_caption_is_a_note() {
        let text = "# T\n\n![A map.[^a] Drawn late.](map.png)\n\n\
                    ![Alt](map.png \"A plan.[^b] Not [^0-9].\")\n\n\
                    See [the site [^c] says](https://example.com) and `[x [^c]](y)`.\n\n\
                    [^a]: One.\n[^b]: Two.\n[^c]: Three.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            figures(&parsed),
            vec![
                (
                    "A map. Drawn late.".to_string(),
                    "A map. Drawn late.".to_string()
                ),
                ("Alt".to_string(), "A plan. Not [^0-9].".to_string()),
            ]
        );
        let refs = |inlines: &[Inline]| {
            inlines
                .iter()
                .filter_map(|i| match i.kind {
                    InlineKind::FootnoteRef(id) => Some(id.0),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        let captions: Vec<Vec<usize>> = parsed
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::Figure(f) => Some(refs(f.caption.as_deref().unwrap_or_default())),
                _ => None,
            })
            .collect();
        assert_eq!(captions, vec![vec![0], vec![1]]);
        let para = paragraph(&parsed, 2);
        assert_eq!(
            Inline::plain_text(para),
            "See the site says and [x [^c]](y)."
        );
        // The note follows the link, not inside it.
        assert!(matches!(para[1].kind, InlineKind::Link { .. }), "{para:?}");
        assert_eq!(refs(para), vec![2]);
        assert_eq!(parsed.footnotes.len(), 3);
    }

    #[test]
    fn a_paragraph_of_only_an_asterism_or_stars_is_a_scene_break() {
        let text = "# T\n\nOne.\n\n<p align=\"center\">\u{2042}</p>\n\nTwo.\n\n\\* \\* \\*\n\nThree.\n\nA \u{2042} in text.\n";
        let (parsed, _) = parse(text);
        let kinds: Vec<&str> = parsed
            .blocks
            .iter()
            .map(|b| match b.kind {
                BlockKind::SceneBreak => "break",
                BlockKind::Paragraph(_) => "para",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["para", "break", "para", "break", "para", "para"]);
    }

    #[test]
    fn pandoc_inline_notes_are_footnotes_in_order() {
        let text = "# T\n\nA[^a] one.^[First [nested] with `code]` and *em*.] Two^[Second.] three ^[open.\n\n[^a]: Defined.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let notes: Vec<String> = parsed
            .footnotes
            .iter()
            .map(|n| match &n.blocks[0].kind {
                BlockKind::Paragraph(c) => Inline::plain_text(c),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            notes,
            ["Defined.", "First [nested] with code] and em.", "Second."]
        );
        assert_eq!(
            Inline::plain_text(paragraph(&parsed, 0)),
            "A one. Two three ^[open."
        );
    }

    /// A right-aligned `<div>` of several paragraphs (blank lines inside it, or not) and
    /// Pandoc's aligned divs (`::: {.right}`, `::: center`, `{style="text-align: right"}`)
    /// align every paragraph in them, and none after.
    #[test]
    fn aligned_divs_align_all_their_paragraphs() {
        let text = "# T\n\nBody.\n\n<div align=\"right\">\nYours,\n\nR. W.\n</div>\n\n\
                    Body.\n\n<div align=\"right\">\n\nYours ever,\n\nVictor\n\n</div>\n\n\
                    ::: {.right}\nAt Archangel,\n\nMarch\n:::\n\n::: center\nA\n\nB\n:::\n\n\
                    ::: {style=\"text-align: right\"}\nStyled\n:::\n\nEnd.\n";
        let (parsed, _) = parse(text);
        let shown: Vec<String> = parsed
            .blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::Paragraph(c) => Inline::plain_text(c),
                BlockKind::Aligned { align, content } => {
                    format!("{align:?}: {}", Inline::plain_text(content))
                }
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "Body.",
                "Right: Yours,",
                "Right: R. W.",
                "Body.",
                "Right: Yours ever,",
                "Right: Victor",
                "Right: At Archangel,",
                "Right: March",
                "Center: A",
                "Center: B",
                "Right: Styled",
                "End.",
            ]
        );
    }

    #[test]
    fn html_alignment_makes_aligned_paragraphs() {
        let text = "# T\n\n> <p align=\"right\">Yours, J.</p>\n\n<center>The End</center>\n\n<p style=\"color: red; text-align: center\">Centred</p>\n\n<div align=\"right\">Right</div>\n\n<p align=\"left\">Plain</p>\n\n<p align=\"center\">\nOn the next line\n</p>\n\n<div class=\"warning\">\nA warning box.\n</div>\n\n<div align=\"center\">\nCentred **box**\nof two lines.\n</div>\n";
        let (parsed, diagnostics) = parse(text);
        assert!(
            diagnostics
                .iter()
                .all(|d| !d.message.contains("printed as text")),
            "{diagnostics:?}"
        );
        let mut found = Vec::new();
        fn walk(blocks: &[Block], found: &mut Vec<(String, Option<Alignment>)>) {
            for b in blocks {
                match &b.kind {
                    BlockKind::Aligned { align, content } => {
                        found.push((Inline::plain_text(content), Some(*align)))
                    }
                    BlockKind::Paragraph(c) => found.push((Inline::plain_text(c), None)),
                    BlockKind::BlockQuote(inner) => walk(inner, found),
                    _ => {}
                }
            }
        }
        walk(&parsed.blocks, &mut found);
        let right = Some(Alignment::Right);
        let center = Some(Alignment::Center);
        assert_eq!(
            found,
            [
                ("Yours, J.".to_string(), right),
                ("The End".to_string(), center),
                ("Centred".to_string(), center),
                ("Right".to_string(), right),
                ("Plain".to_string(), None),
                ("On the next line".to_string(), center),
                ("A warning box.".to_string(), None),
                ("Centred box of two lines.".to_string(), center),
            ]
        );
    }

    /// Each block as `para`, `other` or `verse [lines of each stanza]`.
    fn verse_kinds(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::Verse(stanzas) => format!(
                    "verse {:?}",
                    stanzas.iter().map(Vec::len).collect::<Vec<_>>()
                ),
                BlockKind::Paragraph(_) => "para".to_string(),
                _ => "other".to_string(),
            })
            .collect()
    }

    #[test]
    fn stanzas_of_hand_broken_lines_are_verse() {
        // In the second chapter, a lone stanza of three lines beside a sonnet is verse as
        // it is; in the third, with no poem, the same lines are an address.
        let text = "# Poems\n\nA prose paragraph.\n\nThe first line,\\\nthe second line,\\\n&emsp;the third.\n\nAnother stanza\\\nof two lines\\\nand three.\n\nProse again,\\\nwith one break.\n\n# Next\n\nOne\\\ntwo\\\nthree\n\nProse.\n\nA sonnet\\\nof one\\\nstanza\\\nsix\\\nlines\\\nlong.\n\n# Letter\n\nMr. Darcy\\\nPemberley\\\nDerbyshire\n\nProse.\n";
        let (parsed, _) = parse(text);
        let kinds = verse_kinds(&parsed.blocks);
        assert_eq!(
            kinds,
            [
                "para",
                "verse [3, 3]",
                "para",
                "verse [3]",
                "para",
                "verse [6]",
                "para",
                "para"
            ]
        );
        assert_eq!(parsed.later_titles.len(), 2);
        assert_eq!(parsed.later_titles[0].at, 3);
        let BlockKind::Verse(stanzas) = &parsed.blocks[1].kind else {
            unreachable!()
        };
        assert_eq!(stanzas[0][2].indent, 1);
    }

    #[test]
    fn quarto_and_r_markdown_chunks_name_their_language() {
        let text = "# T\n\n```{python}\nprint(1)\n```\n\n```{r setup, echo=FALSE, fig.width=6}\nx <- 1\n```\n\n```{.rust #lst-a}\nfn a() {}\n```\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let languages: Vec<Option<String>> = parsed
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::CodeBlock { language, .. } => Some(language.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            languages,
            [Some("python".into()), Some("r".into()), Some("rust".into())]
        );
    }

    #[test]
    fn a_stanzas_first_line_keeps_its_indent() {
        let text = "# T\n\n&emsp;&emsp;The first line indented,\\\na second line of verse,\\\n&emsp;a third indented.\n\nThe next stanza begins,\\\nand goes on here,\\\nand ends.\n";
        let (parsed, _) = parse(text);
        let BlockKind::Verse(stanzas) = &parsed.blocks[0].kind else {
            panic!("{:?}", parsed.blocks)
        };
        let indents: Vec<u16> = stanzas[0].iter().map(|l| l.indent).collect();
        assert_eq!(indents, [2, 0, 1]);
        assert_eq!(
            Inline::plain_text(&stanzas[0][0].content),
            "The first line indented,"
        );
    }

    #[test]
    fn a_sonnets_closing_couplet_is_part_of_the_poem() {
        let quatrain = "Shall I compare thee to a summer's day?\\\nThou art more lovely and more temperate:\\\nRough winds do shake the darling buds of May,\\\nAnd summer's lease hath all too short a date;\n\n";
        let couplet = "&emsp;So long as men can breathe or eyes can see,\\\n&emsp;So long lives this, and this gives life to thee.\n";
        let text = format!(
            "# Sonnet\n\n{quatrain}{quatrain}{quatrain}{couplet}\nProse after,\\\nwith a break.\n"
        );
        let (parsed, _) = parse(&text);
        let kinds = verse_kinds(&parsed.blocks);
        assert_eq!(kinds, ["verse [4, 4, 4, 2]", "para"]);
    }

    #[test]
    fn inline_html_in_a_figcaption_is_read_with_the_caption() {
        let text = "# T\n\n<figure>\n<img src=\"a.png\" alt=\"A blue square\">\n<figcaption>The chart, <em>again</em>, from <a href=\"https://example.com\">here</a>.</figcaption>\n</figure>\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(
            figures(&parsed),
            [(
                "A blue square".to_string(),
                "The chart, again, from here.".to_string()
            )]
        );
        let caption = format!("{:?}", parsed.blocks);
        assert!(caption.contains("Emphasis"), "{caption}");
    }

    #[test]
    fn pictures_wrapped_as_web_pages_wrap_them_are_pictures() {
        let text = concat!(
            "# T\n\n",
            "<p align=\"center\">\n  <img src=\"a.png\" alt=\"Logo\" width=\"200\">\n</p>\n\n",
            "<div align=\"center\"><a href=\"https://example.com\"><img src=\"b.png\" alt=\"Badge\"></a>\n",
            "<img src=\"c.png\" alt=\"Second\"></div>\n\n",
            "<picture>\n<source srcset=\"d-dark.png\" media=\"(prefers-color-scheme: dark)\">\n",
            "<img src=\"d.png\" alt=\"Chart\">\n</picture>\n\n",
            "<center>\n<figure><figcaption>Above</figcaption><img src=\"e.png\" alt=\"E\"></figure>\n</center>\n\n",
            "<p align=\"center\">\n\n![Inside](f.png)\n\n</p>\n\n",
            "<p align=\"center\">Words <b>too</b></p>\n",
        );
        let (parsed, diagnostics) = parse(text);
        let figures = figures(&parsed);
        let alts: Vec<&str> = figures.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(alts, ["Logo", "Badge", "Second", "Chart", "E", "Inside"]);
        assert_eq!(figures[4].1, "Above");
        // A paragraph of HTML text is not a picture: it is read as the (centred) paragraph
        // it writes.
        assert!(
            parsed.blocks.iter().any(|b| matches!(&b.kind,
                BlockKind::Aligned { align: Alignment::Center, content }
                    if Inline::plain_text(content) == "Words too")),
            "{:?}",
            parsed.blocks
        );
        assert!(
            !diagnostics.iter().any(|d| d.message.contains("Words")),
            "{diagnostics:?}"
        );
        assert!(
            !diagnostics.iter().any(|d| d.message.contains("<img")),
            "{diagnostics:?}"
        );
    }

    #[test]
    fn struck_text_is_struck_and_a_lone_tilde_is_a_tilde() {
        let text =
            "# T\n\nA ~~gone~~ word, <del>deleted</del>, <s>stale</s>; about ~10 ms or ~20.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let content = paragraph(&parsed, 0);
        let struck: Vec<String> = content
            .iter()
            .filter_map(|i| match &i.kind {
                InlineKind::Styled {
                    style: TextStyle::Strikethrough,
                    content,
                } => Some(Inline::plain_text(content)),
                _ => None,
            })
            .collect();
        assert_eq!(struck, ["gone", "deleted", "stale"]);
        assert!(Inline::plain_text(content).ends_with("about ~10 ms or ~20."));
    }

    #[test]
    fn a_line_wrapped_between_chinese_or_japanese_characters_is_not_a_space() {
        let text = "# T\n\n吾輩は猫である。\n名前はまだ無い。\nThe cat\nsleeps 猫\nhere.\n\n> 引用の\n> 続き\n\nこれは文です。\n*強調*です。\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let texts: Vec<String> = parsed
            .blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::Paragraph(content) => Inline::plain_text(content),
                BlockKind::BlockQuote(inner) => match &inner[0].kind {
                    BlockKind::Paragraph(content) => Inline::plain_text(content),
                    other => format!("{other:?}"),
                },
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "吾輩は猫である。名前はまだ無い。 The cat sleeps 猫 here.",
                "引用の続き",
                "これは文です。強調です。"
            ]
        );
    }

    #[test]
    fn a_line_of_only_a_hash_is_a_scene_break() {
        let chapter = parsed("# T\n\nOne.\n\n#\n\nTwo.\n\n##\n\nThree.\n");
        assert!(chapter.later_titles.is_empty());
        let kinds: Vec<&str> = chapter
            .blocks
            .iter()
            .map(|b| match b.kind {
                BlockKind::SceneBreak => "break",
                BlockKind::Paragraph(_) => "text",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["text", "break", "text", "break", "text"]);
    }

    #[test]
    fn admonitions_are_quotes_opening_with_their_labels() {
        let text = "# T\n\n:::note\nA note.\n:::\n\n:::tip Mind the gap\nA tip.\n\n- Item.\n:::\n\n\
                    :::warning[Hot]\nHot.\n:::\n\n::: {.callout-important}\nQuarto.\n:::\n\n\
                    ::: epigraph\nNo label.\n:::\n\n::: note\nPandoc's.\n:::\n\nAfter.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let blocks: Vec<String> = parsed
            .blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::BlockQuote(inner) => inner
                    .iter()
                    .map(|b| match &b.kind {
                        BlockKind::Paragraph(content) => Inline::plain_text(content),
                        BlockKind::List(_) => "list".to_string(),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join(" / "),
                BlockKind::Paragraph(content) => Inline::plain_text(content),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            blocks,
            [
                "Note / A note.",
                "Mind the gap / A tip. / list",
                "Hot / Hot.",
                "Important / Quarto.",
                "No label.",
                "Pandoc’s.",
                "After.",
            ]
        );
    }

    #[test]
    fn a_github_alert_is_a_quote_opening_with_its_label() {
        let text = "# T\n\n> [!WARNING]\n> Do not *run* this.\n\n> [!TIP]\n> A tip.\n\n> [!nonsense]\n> Kept.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let quotes: Vec<Vec<String>> = parsed
            .blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::BlockQuote(inner) => inner
                    .iter()
                    .map(|b| match &b.kind {
                        BlockKind::Paragraph(content) => Inline::plain_text(content),
                        other => format!("{other:?}"),
                    })
                    .collect(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            quotes,
            [
                vec!["Warning", "Do not run this."],
                vec!["Tip", "A tip."],
                vec!["[!nonsense] Kept."]
            ]
        );
    }

    #[test]
    fn rust_code_hides_its_scaffolding_as_rustdoc_does() {
        let text = concat!(
            "# T\n\n",
            "```rust,ignore\n# use std::mem;\n#[derive(Debug)]\nstruct A;\n    # fn hidden() {}\n#\n",
            "## not hidden\nfn main() { let s = \"# kept\"; }\n# fn main() {}\n```\n\n",
            "```python\n# a comment\nx = 1\n```\n",
        );
        let (parsed, _) = parse(text);
        let code: Vec<&str> = parsed
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::CodeBlock { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            code,
            [
                "#[derive(Debug)]\nstruct A;\n# not hidden\nfn main() { let s = \"# kept\"; }",
                "# a comment\nx = 1"
            ]
        );
    }

    /// Found by the fuzz test: every place a message names is a character of the file as
    /// written, for text an included file brought in front of a control character too.
    #[test]
    fn spans_of_included_text_stay_on_character_boundaries() {
        let text = "# A\n\n# {{#include inc.md}}\u{85}\t> [^1])";
        let mut reader = |_: &str, _: &str| -> Result<(String, String), String> {
            Ok(("[^1]](".into(), "inc.md".into()))
        };
        let mut includes = Includes {
            reader: &mut reader,
            folder: "",
        };
        let mut diagnostics = Vec::new();
        let mut images = |_: &str, _: Span, _: &mut Vec<Diagnostic>| None;
        parse_chapter(
            text,
            FileId(1),
            "c",
            "en",
            &mut images,
            Some(&mut includes),
            &mut diagnostics,
        );
        assert!(!diagnostics.is_empty());
        for d in &diagnostics {
            let span = d.span.expect("a place");
            assert!(span.start <= span.end, "{d:?}");
            assert!(text.is_char_boundary(span.start as usize), "{d:?}");
            assert!(text.is_char_boundary(span.end as usize), "{d:?}");
        }
    }

    #[test]
    fn included_text_is_read_and_what_follows_keeps_its_place() {
        // mdBook allows spaces inside the braces (`{{ #include x }}`).
        for listing in ["{{#include src/a.rs:1}}", "{{ #include src/a.rs:1 }}"] {
            included_text_is_read(&format!(
                "# T\n\n```rust\n{listing}\n```\n\nAfter {{{{#include b.md}}}} it, *here*.\n"
            ));
        }
    }

    fn included_text_is_read(text: &str) {
        let mut reader = |written: &str, folder: &str| -> Result<(String, String), String> {
            assert_eq!(folder, "book");
            match written {
                "src/a.rs" => Ok(("let a = 1;\nlet b = 2;\n".into(), "book/src/a.rs".into())),
                "b.md" => Ok(("*included* words".into(), "book/b.md".into())),
                _ => Err("not found".into()),
            }
        };
        let mut includes = Includes {
            reader: &mut reader,
            folder: "book",
        };
        let mut diagnostics = Vec::new();
        let mut images = |_: &str, _: Span, _: &mut Vec<Diagnostic>| None;
        let parsed = parse_chapter(
            text,
            FileId(0),
            "c",
            "en",
            &mut images,
            Some(&mut includes),
            &mut diagnostics,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let BlockKind::CodeBlock { text: code, .. } = &parsed.blocks[0].kind else {
            panic!("{:?}", parsed.blocks[0])
        };
        assert_eq!(code, "let a = 1;");
        let content = paragraph(&parsed, 1);
        assert_eq!(
            Inline::plain_text(content),
            "After included words it, here."
        );
        // Spans point into the file as written: the included emphasis at its directive, the
        // emphasis after it where it is.
        let emphases: Vec<(u32, u32)> = content
            .iter()
            .filter(|i| matches!(i.kind, InlineKind::Emphasis(_)))
            .map(|i| (i.span.line, i.span.column))
            .collect();
        assert_eq!(emphases, [(7, 7), (7, 29)]);
    }

    /// Jupyter writes a data frame as a `<table>` in a `<div>`, after a `<style scoped>` with
    /// blank lines in it; `<details>` may stand over a table too.
    #[test]
    fn html_tables_in_containers_and_after_style_sheets_are_tables() {
        let text = "# T\n\nOne:\n\n<div>\n<table>\n<tr><th>a</th></tr>\n<tr><td>p&amp;q</td></tr>\n</table>\n</div>\n\n\
                    Two:\n\n<div>\n<style scoped>\n    .dataframe th {\n        vertical-align: top;\n    }\n\n    \
                    .dataframe td {\n        color: red;\n    }\n</style>\n<table>\n<tr><th>b</th></tr>\n\
                    <tr><td>x&lt;y</td></tr>\n</table>\n</div>\n\n\
                    <details>\n<summary>Show it</summary>\n<table>\n<tr><th>c</th></tr>\n</table>\n</details>\n\nEnd.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(
            diagnostics
                .iter()
                .all(|d| !d.message.contains("not understood")),
            "{diagnostics:?}"
        );
        let tables = parsed
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Table(_)))
            .count();
        assert_eq!(tables, 3, "{:?}", parsed.blocks);
        let printed: Vec<String> = parsed
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::Paragraph(content) => Some(Inline::plain_text(content)),
                BlockKind::CodeBlock { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(printed, ["One:", "Two:", "Show it", "End."]);
    }

    /// The Rust Programming Language wraps its listings in `<Listing>` tags.
    #[test]
    fn listing_tags_give_their_code_a_caption_and_a_file_name() {
        let text = "# T\n\n<Listing number=\"1-1\" file-name=\"src/main.rs\" caption=\"Storing scores\">\n\n\
                    ```rust\nlet a = 1;\n```\n\n</Listing>\n\n```rust\nlet b = 2;\n```\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let kinds: Vec<String> = parsed
            .blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::Paragraph(content) => format!("p {}", Inline::plain_text(content)),
                BlockKind::CodeBlock { text, caption, .. } => format!(
                    "code {text} {:?}",
                    caption.as_deref().map(Inline::plain_text)
                ),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "p src/main.rs",
                "code let a = 1; Some(\"Storing scores\")",
                "code let b = 2; None"
            ]
        );
    }

    #[test]
    fn a_bare_e_mail_address_links_to_mail() {
        let text = "# T\n\nWrite to <someone@example.com> or <mailto:other@example.com>.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let urls: Vec<&str> = paragraph(&parsed, 0)
            .iter()
            .filter_map(|i| match &i.kind {
                InlineKind::Link { url, .. } => Some(url.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            urls,
            ["mailto:someone@example.com", "mailto:other@example.com"]
        );
    }

    #[test]
    fn elisions_take_apostrophes_however_gfm_pairs_them() {
        let text = "# T\n\nRock 'n' roll, Rock 'N' Roll, 'n'est-ce pas', 'no' and 'em.\n\n\
                    In the '90s, the kids' toys; back in '49 the boys' club.\n";
        let (parsed, _) = parse(text);
        assert_eq!(
            Inline::plain_text(paragraph(&parsed, 0)),
            "Rock \u{2019}n\u{2019} roll, Rock \u{2019}N\u{2019} Roll, \u{2018}n\u{2019}est-ce pas\u{2019}, \u{2018}no\u{2019} and \u{2019}em."
        );
        assert_eq!(
            Inline::plain_text(paragraph(&parsed, 1)),
            "In the \u{2019}90s, the kids\u{2019} toys; back in \u{2019}49 the boys\u{2019} club."
        );
    }

    /// Blocks as lines: a paragraph's text, a table's caption, an anchor's id, a definition
    /// list's items (term / definition, items apart by ` | `).
    fn outline(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .map(|b| match &b.kind {
                BlockKind::Table(t) => format!(
                    "table: {}",
                    Inline::plain_text(t.caption.as_deref().unwrap_or_default())
                ),
                BlockKind::Anchor(id) => format!("anchor: {id}"),
                BlockKind::Paragraph(c) => Inline::plain_text(c),
                BlockKind::List(list) if list.terms => list
                    .items
                    .iter()
                    .map(|item| {
                        item.blocks
                            .iter()
                            .map(|b| match &b.kind {
                                BlockKind::Paragraph(c) => Inline::plain_text(c),
                                other => format!("{other:?}"),
                            })
                            .collect::<Vec<_>>()
                            .join(" / ")
                    })
                    .collect::<Vec<_>>()
                    .join(" | "),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn pandoc_table_captions_are_captions() {
        let text = "# T\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\nTable: The *first* table.\n\n\
                    | C |\n|---|\n| 3 |\n\n: The second one. {#tbl:second}\n\nAfter.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let shown = outline(&parsed.blocks);
        assert_eq!(
            shown,
            [
                "table: The first table.",
                "anchor: tbl:second",
                "table: The second one.",
                "After."
            ]
        );
        // Each caption before its table: neither is taken by the table before it.
        let text = "# T\n\nSome prose first.\n\nTable: First.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n\
                    Table: Second.\n\n| c | d |\n|---|---|\n| 3 | 4 |\n";
        let (parsed, _) = parse(text);
        assert_eq!(
            outline(&parsed.blocks),
            ["Some prose first.", "table: First.", "table: Second."]
        );
    }

    /// `: Caption` after a paragraph and a blank line, right before a table, is the table's
    /// caption (the definition-list syntax read the paragraph as a term defined by it); so
    /// is a further definition of a term (`Pear` / `: A fruit.` / blank / `: Prices`). A
    /// definition right under its term stays a definition, table or not. Two definitions
    /// of one term are two items, the second with an empty term.
    #[test]
    fn a_caption_line_before_a_table_is_no_definition() {
        let table = "| A | B |\n|---|---|\n| 1 | 2 |\n";
        let text = format!(
            "# T\n\nThe sales were good.\n\n: Sales by region {{#tbl:sales}}\n\n{table}\n\
             Pear\n: A fruit.\n\n: Prices\n\n{table}\nTerm\n: Right under it.\n\n{table}\n\
             Apple\n: A fruit.\n: A company.\n"
        );
        let (parsed, diagnostics) = parse(&text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let shown = outline(&parsed.blocks);
        assert_eq!(
            shown,
            [
                "The sales were good.",
                "anchor: tbl:sales",
                "table: Sales by region",
                "Pear / A fruit.",
                "table: Prices",
                "Term / Right under it.",
                "table: ",
                "Apple / A fruit. |  / A company.",
            ]
        );
    }

    #[test]
    fn table_cells_keep_punctuation_as_written() {
        let text = "# T\n\nHe said \"hi\" -- and 'so'...\n\n| op | says |\n|---|---|\n| \"==\" or \"'\" | a--b ... 'x' --- y |\n\
                    | Baker's \"quoted\" cell | don't |\n";
        let (parsed, _) = parse(text);
        assert_eq!(
            Inline::plain_text(paragraph(&parsed, 0)),
            "He said \u{201C}hi\u{201D} \u{2013} and \u{2018}so\u{2019}\u{2026}"
        );
        let BlockKind::Table(table) = &parsed.blocks[1].kind else {
            panic!("{:?}", parsed.blocks[1])
        };
        let cells: Vec<String> = table.rows[0]
            .iter()
            .map(|c| Inline::plain_text(&c.content))
            .collect();
        assert_eq!(cells, ["\"==\" or \"'\"", "a--b ... 'x' --- y"]);
        // An apostrophe in a cell is one; quotes stay as typed.
        let cells: Vec<String> = table.rows[1]
            .iter()
            .map(|c| Inline::plain_text(&c.content))
            .collect();
        assert_eq!(cells, ["Baker’s \"quoted\" cell", "don’t"]);
    }

    #[test]
    fn a_fence_names_its_language_and_listing_attributes() {
        let text = concat!(
            "# T\n\n",
            "```rust,ignore\nlet a = 1;\n```\n\n",
            "~~~rust {#lst-a caption=\"The `main` function\" linenos start=10}\nfn main() {}\n~~~\n\n",
            "```{.python .numberLines title='Hello, you'}\nprint()\n```\n\n",
            "```c {wrap=yes}\nint x;\n```\n",
        );
        let (parsed, diagnostics) = parse(text);
        let code: Vec<_> = parsed
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::CodeBlock {
                    language,
                    caption,
                    line_numbers,
                    ..
                } => Some((
                    language.clone(),
                    caption.as_ref().map(|c| Inline::plain_text(c)),
                    *line_numbers,
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            code,
            vec![
                (Some("rust".into()), None, None),
                (
                    Some("rust".into()),
                    Some("The main function".into()),
                    Some(10)
                ),
                (Some("python".into()), Some("Hello, you".into()), Some(1)),
                (Some("c".into()), None, None),
            ]
        );
        // The id names the listing: an anchor just before it.
        assert!(
            parsed
                .blocks
                .iter()
                .any(|b| b.kind == BlockKind::Anchor("lst-a".into()))
        );
        // An attribute not understood is warned at its block.
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(diagnostics[0].message.contains("`wrap`"));
        assert_eq!(diagnostics[0].span.expect("span").line, 15);
    }

    /// A `<summary>` on the line after `<details>`, with inline markup in it (GitHub
    /// READMEs: `<summary><code>HashMap</code> internals</summary>`), is a bold summary
    /// with its code as code, not raw HTML printed as text.
    #[test]
    fn a_summary_keeps_its_inline_markup() {
        let text = "# T\n\n<details>\n<summary><code>HashMap</code> internals &amp; <b>more</b></summary>\n\nHidden.\n\n</details>\n\n<details>\n<summary><b>Bold</b></summary>\n\nTwo.\n\n</details>\n";
        let (parsed, _) = parse(text);
        assert_eq!(
            paragraph_texts(&parsed),
            ["HashMap internals & more", "Hidden.", "Bold", "Two."]
        );
        let BlockKind::Paragraph(summary) = &parsed.blocks[0].kind else {
            panic!("{:?}", parsed.blocks[0]);
        };
        let [
            Inline {
                kind: InlineKind::Strong(inner),
                ..
            },
        ] = summary.as_slice()
        else {
            panic!("{summary:?}");
        };
        assert!(
            matches!(&inner[0].kind, InlineKind::Code(c) if c == "HashMap"),
            "{inner:?}"
        );
        let BlockKind::Paragraph(bold) = &parsed.blocks[2].kind else {
            panic!("{:?}", parsed.blocks[2]);
        };
        assert!(
            matches!(bold.as_slice(), [Inline { kind: InlineKind::Strong(inner), .. }] if !matches!(inner[0].kind, InlineKind::Strong(_))),
            "{bold:?}"
        );
    }

    #[test]
    fn container_tags_wrap_markdown_and_are_left_out() {
        let text = "# T\n\n<div class=\"warning\">\n\nSome *words*.\n\n</div>\n\n<details><summary>Why &amp; how</summary>\n\nMore.\n\n</details>\n\n<table>\n\nx\n\n</table>\n";
        let (parsed, diagnostics) = parse(text);
        let plain: Vec<String> = parsed
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::Paragraph(c) => Some(Inline::plain_text(c)),
                _ => None,
            })
            .collect();
        assert_eq!(
            plain,
            [
                "Some words.",
                "Why & how",
                "More.",
                "<table>",
                "x",
                "</table>"
            ]
        );
        assert!(matches!(
            &parsed.blocks[1].kind,
            BlockKind::Paragraph(c) if matches!(c[0].kind, InlineKind::Strong(_))
        ));
        // Only the table tags are warned; the containers are notes.
        let warned: Vec<&str> = diagnostics
            .iter()
            .filter(|d| d.severity == quire_model::Severity::Warning)
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(warned.len(), 2, "{warned:?}");
    }

    #[test]
    fn task_list_markers_are_boxes() {
        let (parsed, _) = parse("# T\n\n- [x] done\n- [ ] open\n- [link](#t) plain\n");
        let BlockKind::List(list) = &parsed.blocks[0].kind else {
            panic!("{:?}", parsed.blocks[0]);
        };
        let items: Vec<String> = list
            .items
            .iter()
            .map(|item| match &item.blocks[0].kind {
                BlockKind::Paragraph(c) => Inline::plain_text(c),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(items, ["\u{2611} done", "\u{2610} open", "link plain"]);
    }

    #[test]
    fn html_pre_table_and_blockquote_are_those_blocks() {
        let text = "# T\n\n<pre><code class=\"language-rust\">\nfn main() {\n    1 &lt; 2;\n}\n</code></pre>\n\n\
            <table>\n<caption>Sizes</caption>\n<thead><tr><th>Name</th><th align=\"right\">Bytes</th></tr></thead>\n\
            <tr><td><code>u8</code></td><td>1&nbsp;byte</td></tr>\n<tr><td colspan=\"2\"><em>all</em> of it</td></tr>\n</table>\n\n\
            <blockquote><p>One &mdash; <b>two</b>.</p><p>Three.</p></blockquote>\n\n\
            <blockquote>\n\nQuoted *Markdown*.\n\n<blockquote>\n\nInner.\n\n</blockquote>\n\nAfter.\n\n</blockquote>\n\nOutside.\n";
        let (parsed, diagnostics) = parse(text);
        assert!(
            diagnostics
                .iter()
                .all(|d| d.severity != quire_model::Severity::Warning),
            "{diagnostics:?}"
        );
        let kinds = &parsed.blocks;
        let BlockKind::CodeBlock { language, text, .. } = &kinds[0].kind else {
            panic!("{:?}", kinds[0]);
        };
        assert_eq!(language.as_deref(), Some("rust"));
        assert_eq!(text, "fn main() {\n    1 < 2;\n}");
        // The caption is the table's.
        let BlockKind::Table(table) = &kinds[1].kind else {
            panic!("{:?}", kinds[1]);
        };
        assert_eq!(
            Inline::plain_text(table.caption.as_deref().unwrap_or_default()),
            "Sizes"
        );
        let cells = |row: &[TableCell]| -> Vec<String> {
            row.iter().map(|c| Inline::plain_text(&c.content)).collect()
        };
        assert_eq!(cells(&table.head), ["Name", "Bytes"]);
        assert_eq!(table.alignments, [Alignment::None, Alignment::Right]);
        assert_eq!(cells(&table.rows[0]), ["u8", "1\u{a0}byte"]);
        assert!(matches!(
            table.rows[0][0].content[0].kind,
            InlineKind::Code(_)
        ));
        assert_eq!(cells(&table.rows[1]), ["all of it", ""]);
        let BlockKind::BlockQuote(quote) = &kinds[2].kind else {
            panic!("{:?}", kinds[2]);
        };
        let paragraphs: Vec<String> = quote
            .iter()
            .map(|b| match &b.kind {
                BlockKind::Paragraph(c) => Inline::plain_text(c),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(paragraphs, ["One \u{2014} two.", "Three."]);
        // Tags on lines of their own quote the Markdown between them, nested too.
        let BlockKind::BlockQuote(quote) = &kinds[3].kind else {
            panic!("{:?}", kinds[3]);
        };
        assert_eq!(quote.len(), 3, "{quote:?}");
        assert!(matches!(&quote[1].kind, BlockKind::BlockQuote(inner) if inner.len() == 1));
        assert!(
            matches!(&kinds[4].kind, BlockKind::Paragraph(c) if Inline::plain_text(c) == "Outside.")
        );
        assert_eq!(kinds.len(), 5);
    }
}
