//! The manuscript side, read without Quire's parser: `book.toml` with the `toml` crate (only
//! `[contents]` and the title, subtitle and authors) and every chapter file with
//! `pulldown-cmark` (footnotes, tables, smart punctuation).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::words;

/// What a body block is (for messages; every kind is compared the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Heading,
    Text,
    Code,
    Cell,
    Html,
}

/// One block of body text: a heading, paragraph, list item, table cell, code block.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub(crate) words: Vec<String>,
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) chapter: usize,
    pub(crate) kind: BlockKind,
}

/// One footnote definition.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub(crate) label: String,
    pub(crate) words: Vec<String>,
    pub(crate) file: String,
    /// The line of the definition.
    pub(crate) line: usize,
    /// The line of its first reference (0 when never referenced).
    pub(crate) ref_line: usize,
    pub(crate) chapter: usize,
    /// How often the text references it.
    pub(crate) refs: usize,
    /// True when its (first) reference is in a heading.
    pub(crate) in_heading: bool,
}

/// One use of a picture.
#[derive(Debug, Clone)]
pub(crate) struct Image {
    pub(crate) path: PathBuf,
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) chapter: usize,
    /// Number of body blocks (book-wide) before it: the text that precedes it is block
    /// `before - 1`.
    pub(crate) before: usize,
    /// Its caption (the image title), an index into `captions`.
    pub(crate) caption: Option<usize>,
}

/// An image title, printed as the picture's caption.
#[derive(Debug, Clone)]
pub(crate) struct Caption {
    pub(crate) words: Vec<String>,
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) chapter: usize,
}

/// One file of `[contents]`.
#[derive(Debug, Clone)]
pub(crate) struct Chapter {
    pub(crate) file: String,
    /// "front", "chapters" or "back".
    pub(crate) division: &'static str,
    pub(crate) blocks: std::ops::Range<usize>,
    pub(crate) notes: std::ops::Range<usize>,
    pub(crate) images: std::ops::Range<usize>,
    /// The words of its first `#` heading, if any.
    pub(crate) title: Option<Vec<String>>,
}

/// A whole book as the manuscript has it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Manuscript {
    pub(crate) dir: PathBuf,
    pub(crate) title: String,
    pub(crate) subtitle: Option<String>,
    pub(crate) authors: Vec<String>,
    pub(crate) chapters: Vec<Chapter>,
    pub(crate) blocks: Vec<Block>,
    pub(crate) notes: Vec<Note>,
    pub(crate) captions: Vec<Caption>,
    pub(crate) images: Vec<Image>,
    /// Words the book may print that are not the manuscript's text: those of link
    /// addresses (print shows them) and of index terms.
    pub(crate) printed_extra: std::collections::BTreeSet<String>,
}

impl Block {
    pub(crate) fn loc(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

impl Note {
    pub(crate) fn loc(&self) -> String {
        format!("{}:{} [^{}]", self.file, self.line, self.label)
    }
}

impl Image {
    pub(crate) fn loc(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

impl Caption {
    pub(crate) fn loc(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Removes HTML comments and tags, keeping the text between them.
/// The text between two markers.
fn between<'h>(text: &'h str, open: &str, close: &str) -> Option<&'h str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// The value of attribute `name` in the first tag that has it (quoted or bare).
fn attribute(html: &str, name: &str) -> Option<String> {
    let pattern = format!("{name}=");
    let at = html.find(&format!(" {pattern}"))? + 1 + pattern.len();
    let rest = &html[at..];
    let value = match rest.chars().next()? {
        q @ ('"' | '\'') => rest[1..].split(q).next()?,
        _ => rest.split(|c: char| c.is_whitespace() || c == '>').next()?,
    };
    Some(value.to_string())
}

/// The cells of a line of an HTML table (`<td>`, `<th>`, `<caption>` up to the next of
/// them, tags included), in order; empty for a line without any.
fn html_cells(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let starts: Vec<usize> = lower
        .match_indices('<')
        .map(|(at, _)| at)
        .filter(|&at| {
            let rest = &lower[at + 1..];
            ["td", "th", "caption"].iter().any(|name| {
                rest.strip_prefix(name)
                    .is_some_and(|after| after.starts_with(['>', ' ', '\t', '/']))
            })
        })
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(k, &at)| &html[at..starts.get(k + 1).copied().unwrap_or(html.len())])
        .collect()
}

fn strip_html(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |i| &after[i + 3..]);
            out.push(' ');
        } else if rest.starts_with('<') {
            // Inline formatting (`<sup>`, `<kbd>`, `<em>` ...) joins its text to the words
            // around it ("mc<sup>2</sup>" is one word); other tags separate words.
            let name: String = rest[1..]
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            let inline = matches!(
                name.as_str(),
                "sup"
                    | "sub"
                    | "kbd"
                    | "em"
                    | "i"
                    | "b"
                    | "strong"
                    | "code"
                    | "span"
                    | "a"
                    | "abbr"
                    | "acronym"
                    | "cite"
                    | "dfn"
                    | "var"
                    | "q"
                    | "u"
                    | "ins"
                    | "small"
                    | "mark"
                    | "time"
                    | "data"
                    | "bdi"
                    | "bdo"
                    | "font"
                    | "big"
                    | "nobr"
                    | "samp"
                    | "tt"
            );
            rest = rest.find('>').map_or("", |i| &rest[i + 1..]);
            if !inline {
                out.push(' ');
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Per-file parse state.
struct FileState<'m> {
    m: &'m mut Manuscript,
    chapter: usize,
    file: String,
    dir: PathBuf,
    line_starts: Vec<usize>,
    /// Text of the open body block and its line.
    open: Option<(String, usize, BlockKind)>,
    /// The footnote definition being read.
    in_note: Option<String>,
    notes: BTreeMap<String, (String, usize)>,
    /// References in order: label, line, in a heading, chapter of the file (from 0).
    ref_order: Vec<(String, usize, bool, usize)>,
    /// The notes each note refers to, in order.
    refs_in_notes: BTreeMap<String, Vec<String>>,
    image_depth: usize,
    /// An external link being read: its address and where its text starts in the open
    /// block (print shows the address after text that is not the address itself).
    link: Option<(String, usize)>,
    heading_depth: usize,
    heading_text: Option<String>,
    /// In a code block with numbered lines: the next line's number, and whether the next
    /// character starts a line.
    code_line: Option<(u64, bool)>,
    /// In a Rust code block: its `# ` lines are hidden, as rustdoc and mdBook hide them.
    rust_code: bool,
    /// Block quotes and lists open.
    containers: usize,
    /// The file's chapters: each `#` heading after the first, outside quotes, lists and
    /// notes, starts another. Each: its first block, its first picture, its first caption.
    segments: Vec<(usize, usize)>,
    /// The title of each of the file's chapters.
    titles: Vec<Option<Vec<String>>>,
}

impl FileState<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset)
    }

    fn flush(&mut self) {
        if let Some((text, line, kind)) = self.open.take() {
            let w = words(&without_span_attributes(&text));
            if !w.is_empty() {
                self.m.blocks.push(Block {
                    words: w,
                    file: self.file.clone(),
                    line,
                    chapter: self.chapter,
                    kind,
                });
            }
        }
    }

    fn text(&mut self, text: &str, offset: usize, kind: BlockKind) {
        if self.image_depth > 0 {
            return;
        }
        if let Some(h) = &mut self.heading_text {
            h.push_str(text);
        }
        if let Some(label) = &self.in_note {
            let entry = self.notes.get_mut(label).expect("note open");
            entry.0.push_str(text);
            return;
        }
        if self.open.is_none() {
            let line = self.line_of(offset);
            self.open = Some((String::new(), line, kind));
        }
        if let Some((t, _, _)) = &mut self.open {
            t.push_str(text);
        }
    }

    fn start_block(&mut self, offset: usize, kind: BlockKind) {
        self.flush();
        if self.in_note.is_none() {
            let line = self.line_of(offset);
            self.open = Some((String::new(), line, kind));
        } else if let Some(label) = &self.in_note {
            // Blocks inside a note are separated words of the one note.
            self.notes.get_mut(label).expect("note open").0.push(' ');
        }
    }
}

/// Whether a chapter file's only `#` heading is the book's title, and it has at least two
/// `##` headings outside quotes and lists.
fn holds_the_book(source: &str, options: Options, book_title: &str) -> bool {
    let plain = |t: &str| -> String {
        t.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let mut h1: Vec<String> = Vec::new();
    let mut h2 = 0;
    let mut depth = 0usize;
    let mut note = false;
    let mut open: Option<(u8, String)> = None;
    for event in Parser::new_ext(source, options) {
        match event {
            Event::Start(Tag::BlockQuote(_) | Tag::List(_)) => depth += 1,
            Event::End(TagEnd::BlockQuote(_) | TagEnd::List(_)) => depth = depth.saturating_sub(1),
            Event::Start(Tag::FootnoteDefinition(_)) => note = true,
            Event::End(TagEnd::FootnoteDefinition) => note = false,
            Event::Start(Tag::Heading { level, .. }) if depth == 0 && !note => {
                open = Some((level as u8, String::new()));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = &mut open {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => match open.take() {
                Some((1, text)) => h1.push(text),
                Some((2, _)) => h2 += 1,
                _ => {}
            },
            _ => {}
        }
    }
    h1.len() == 1 && h2 >= 2 && !plain(book_title).is_empty() && plain(&h1[0]) == plain(book_title)
}

/// Pandoc's bracketed spans (`[Lord]{.smallcaps}`) as the text they print (`Lord`): the
/// brackets and an attribute list (classes, ids, `key=value`) are not printed.
fn without_span_attributes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(close) = rest.find("]{") {
        let open = rest[..close].rfind('[');
        let end = rest[close..].find('}').map(|e| close + e);
        match (open, end) {
            (Some(open), Some(end)) => {
                let attrs: Vec<&str> = rest[close + 2..end].split_whitespace().collect();
                let inner = &rest[open + 1..close];
                if !attrs.is_empty()
                    && !inner.is_empty()
                    && attrs
                        .iter()
                        .all(|a| a.starts_with('.') || a.starts_with('#') || a.contains('='))
                {
                    out.push_str(&rest[..open]);
                    out.push_str(inner);
                } else {
                    out.push_str(&rest[..=end]);
                }
                rest = &rest[end + 1..];
            }
            _ => {
                out.push_str(&rest[..close + 2]);
                rest = &rest[close + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text with the lines of Pandoc's div fences (outside code fences) blanked.
fn without_div_fences(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut code: Option<&str> = None;
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim();
        let lead = line.len() - line.trim_start().len();
        for fence in ["```", "~~~"] {
            if lead <= 3 && trimmed.starts_with(fence) {
                code = match code {
                    None => Some(fence),
                    Some(f) if f == fence => None,
                    other => other,
                };
            }
        }
        let rest = trimmed.trim_start_matches(':');
        let colons = trimmed.len() - rest.len();
        let rest = rest.trim().trim_end_matches(':').trim();
        let fence_line = code.is_none()
            && lead <= 3
            && colons >= 3
            && (rest.is_empty()
                || (rest.starts_with('{') && rest.ends_with('}'))
                || !rest.contains(' '));
        if fence_line {
            out.extend(line.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The text with its front matter blanked (same length), and the front matter's title.
fn front_matter(source: &str) -> (String, Option<String>) {
    let fence = if source.starts_with("---") {
        "---"
    } else if source.starts_with("+++") {
        "+++"
    } else {
        return (source.to_string(), None);
    };
    let separator = if fence == "+++" { '=' } else { ':' };
    let lines: Vec<&str> = source.split_inclusive('\n').take(101).collect();
    if lines.first().map(|l| l.trim_end()) != Some(fence) {
        return (source.to_string(), None);
    }
    let Some(close) = lines
        .iter()
        .skip(1)
        .position(|l| l.trim_end() == fence || (fence == "---" && l.trim_end() == "..."))
    else {
        return (source.to_string(), None);
    };
    let body = &lines[1..=close];
    let first_key = body
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let is_key = first_key.is_some_and(|l| {
        l.split_once(separator).is_some_and(|(k, _)| {
            !k.trim().is_empty()
                && k.trim()
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_-.\"".contains(c))
        })
    });
    if !is_key {
        return (source.to_string(), None);
    }
    let title = body.iter().find_map(|l| {
        let (k, v) = l.split_once(separator)?;
        (k.trim() == "title" && !l.starts_with(' ')).then(|| {
            let v = v.trim();
            v.trim_matches('"').trim_matches('\'').to_string()
        })
    });
    let end: usize = lines[..=close + 1].iter().map(|l| l.len()).sum();
    let blanked: String = source[..end]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect::<String>();
    // Multi-byte characters become one space each: pad to the same length.
    let pad = end - blanked.len();
    let text = blanked + &" ".repeat(pad) + &source[end..];
    (text, title.filter(|t| !t.is_empty()))
}

fn string_list(table: &toml::Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Manuscript {
    /// Reads the book folder `dir`.
    pub(crate) fn read(dir: &Path) -> Manuscript {
        let toml_text = std::fs::read_to_string(dir.join("book.toml")).expect("book.toml");
        let doc: toml::Table = toml_text.parse().expect("book.toml parses");
        let book = doc
            .get("book")
            .and_then(|b| b.as_table())
            .cloned()
            .unwrap_or_default();
        let contents = doc
            .get("contents")
            .and_then(|b| b.as_table())
            .cloned()
            .unwrap_or_default();
        let mut m = Manuscript {
            dir: dir.to_path_buf(),
            title: book
                .get("title")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            subtitle: book
                .get("subtitle")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            authors: string_list(&book, "authors"),
            ..Manuscript::default()
        };
        for division in ["front", "chapters", "back"] {
            for file in string_list(&contents, division) {
                m.read_file(dir, &file, division);
            }
        }
        m
    }

    fn read_file(&mut self, dir: &Path, file: &str, division: &'static str) {
        let path = dir.join(file);
        let source =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Front matter (`---` YAML or `+++` TOML at the very start) is not printed; its
        // `title` names a file that has no `#` heading.
        let (source, matter_title) = front_matter(&source);
        // Pandoc's div fences (`::: epigraph`, `:::`) are not printed.
        let source = without_div_fences(&source);
        let chapter = self.chapters.len();
        let first_block = self.blocks.len();
        let first_image = self.images.len();
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        let mut st = FileState {
            chapter,
            file: file.to_string(),
            dir: path.parent().unwrap_or(dir).to_path_buf(),
            line_starts,
            open: None,
            in_note: None,
            notes: BTreeMap::new(),
            ref_order: Vec::new(),
            refs_in_notes: BTreeMap::new(),
            image_depth: 0,
            link: None,
            heading_depth: 0,
            heading_text: None,
            code_line: None,
            rust_code: false,
            containers: 0,
            segments: vec![(first_block, first_image)],
            titles: vec![None],
            m: self,
        };
        let options = Options::ENABLE_FOOTNOTES
            | Options::ENABLE_TABLES
            | Options::ENABLE_SMART_PUNCTUATION
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_GFM
            | Options::ENABLE_HEADING_ATTRIBUTES
            | Options::ENABLE_DEFINITION_LIST
            // `- [x] done`: a box is printed, which is no word.
            | Options::ENABLE_TASKLISTS;
        let has_h1 = Parser::new_ext(&source, options).any(|e| {
            matches!(
                e,
                Event::Start(Tag::Heading {
                    level: pulldown_cmark::HeadingLevel::H1,
                    ..
                })
            )
        });
        if let Some(title) = matter_title.filter(|_| !has_h1) {
            st.start_block(0, BlockKind::Heading);
            st.text(&title, 0, BlockKind::Heading);
            st.flush();
            st.titles[0] = Some(words(&title));
        }
        let mut title_pending = true;
        let mut heading_braces: Option<String> = None;
        // A file whose only `#` heading is the book's title holds the book: its `##`
        // headings (outside quotes and lists) are its chapters.
        let whole_book = holds_the_book(&source, options, &st.m.title);
        let mut book_title_open = false;
        let mut image_ended = usize::MAX;
        for (event, range) in Parser::new_ext(&source, options).into_offset_iter() {
            let at = range.start;
            match &event {
                Event::Start(Tag::Link { dest_url, .. }) => {
                    st.m.printed_extra.extend(words(dest_url));
                }
                Event::Html(t) | Event::InlineHtml(t) => {
                    if let Some(terms) = between(t, "<!-- index:", "-->") {
                        st.m.printed_extra
                            .extend(words(&terms.replace(['!', '|', ';'], " ")));
                    }
                }
                _ => {}
            }
            match event {
                Event::Start(tag) => match tag {
                    // A GitHub alert (`> [!WARNING]`) prints its label as a paragraph.
                    Tag::BlockQuote(Some(kind)) => {
                        st.containers += 1;
                        st.flush();
                        st.start_block(at, BlockKind::Text);
                        st.text(&format!("{kind:?}"), at, BlockKind::Text);
                        st.flush();
                    }
                    Tag::BlockQuote(_) | Tag::List(_) => {
                        st.containers += 1;
                        st.flush();
                        if st.in_note.is_some() {
                            st.start_block(at, BlockKind::Text);
                        }
                    }
                    Tag::Paragraph | Tag::Item | Tag::Table(_) | Tag::TableHead | Tag::TableRow => {
                        st.flush();
                        if st.in_note.is_some() {
                            st.start_block(at, BlockKind::Text);
                        }
                    }
                    Tag::Heading { level, attrs, .. } => {
                        // Braces after a heading that hold no attributes (`{1, 2}`) are
                        // printed as its text.
                        heading_braces = attrs
                            .iter()
                            .any(|(_, v)| v.is_none())
                            .then(|| {
                                let line = source[range.clone()].lines().next().unwrap_or("");
                                let line = line.trim_end().trim_end_matches('#').trim_end();
                                line.rfind('{').map(|i| line[i..].to_string())
                            })
                            .flatten();
                        let top = st.in_note.is_none() && st.containers == 0;
                        if whole_book && level == pulldown_cmark::HeadingLevel::H1 && top {
                            // The book's own title: the title page prints it.
                            st.image_depth += 1;
                            book_title_open = true;
                            continue;
                        }
                        let h1 = (level == pulldown_cmark::HeadingLevel::H1
                            || whole_book && level == pulldown_cmark::HeadingLevel::H2 && top)
                            && st.in_note.is_none();
                        let empty = st.m.blocks.len() == first_block && st.titles[0].is_none();
                        if whole_book && h1 && st.segments.len() == 1 && empty {
                            // Nothing came before the first chapter: it is the first.
                        } else if h1 && !title_pending && st.containers == 0 {
                            // Another chapter of the file starts.
                            st.flush();
                            st.chapter += 1;
                            let at_block = (st.m.blocks.len(), st.m.images.len());
                            st.segments.push(at_block);
                            st.titles.push(None);
                            title_pending = true;
                        }
                        st.start_block(at, BlockKind::Heading);
                        st.heading_depth += 1;
                        if h1 && title_pending {
                            st.heading_text = Some(String::new());
                        }
                    }
                    Tag::CodeBlock(kind) => {
                        st.start_block(at, BlockKind::Code);
                        st.rust_code = match &kind {
                            pulldown_cmark::CodeBlockKind::Fenced(info) => info
                                .split([',', ' ', '{'])
                                .next()
                                .is_some_and(|l| l.eq_ignore_ascii_case("rust")),
                            pulldown_cmark::CodeBlockKind::Indented => false,
                        };
                        // A listing's attributes: `{#id caption="..." linenos start=N}`.
                        if let pulldown_cmark::CodeBlockKind::Fenced(info) = kind
                            && let Some(open) = info.find('{')
                        {
                            let attrs = &info[open..];
                            let numbered =
                                ["linenos", "numberLines", "number-lines", "line-numbers"]
                                    .iter()
                                    .any(|k| attrs.contains(k));
                            let start =
                                ["start=", "startFrom=", "linenostart="]
                                    .iter()
                                    .find_map(|k| {
                                        let at = attrs.find(k)? + k.len();
                                        let digits: String = attrs[at..]
                                            .chars()
                                            .take_while(char::is_ascii_digit)
                                            .collect();
                                        digits.parse::<u64>().ok()
                                    });
                            if numbered || start.is_some() {
                                st.code_line = Some((start.unwrap_or(1), true));
                            }
                            for key in ["caption=\"", "title=\""] {
                                if let Some(pos) = attrs.find(key) {
                                    let rest = &attrs[pos + key.len()..];
                                    let caption = &rest[..rest.find('"').unwrap_or(rest.len())];
                                    st.m.captions.push(Caption {
                                        words: words(caption),
                                        file: st.file.clone(),
                                        line: st.line_of(at),
                                        chapter: st.chapter,
                                    });
                                    break;
                                }
                            }
                        }
                    }
                    Tag::HtmlBlock => st.start_block(at, BlockKind::Html),
                    Tag::TableCell => st.start_block(at, BlockKind::Cell),
                    Tag::FootnoteDefinition(label) => {
                        st.flush();
                        let line = st.line_of(at);
                        st.notes
                            .entry(label.to_string())
                            .or_insert((String::new(), line));
                        st.in_note = Some(label.to_string());
                    }
                    // A cross-reference prints text the manuscript does not hold ("page 57",
                    // "chapter 3", a heading's title): the words around it are compared as
                    // two runs, so the generated words between them break neither.
                    Tag::Link { title, .. }
                        if st.in_note.is_none()
                            && matches!(
                                title.to_ascii_lowercase().as_str(),
                                "page" | "chapter" | "figure" | "listing"
                            ) =>
                    {
                        if let Some((_, line, kind)) = st.open.clone() {
                            st.flush();
                            st.open = Some((String::new(), line, kind));
                        }
                    }
                    Tag::Link { dest_url, .. }
                        if st.in_note.is_none()
                            && ["http://", "https://", "mailto:"]
                                .iter()
                                .any(|p| dest_url.starts_with(p)) =>
                    {
                        let at_text = st.open.as_ref().map_or(0, |o| o.0.len());
                        st.link = Some((dest_url.to_string(), at_text));
                    }
                    Tag::Image {
                        dest_url, title, ..
                    } => {
                        if st.in_note.is_none() {
                            // The text before a picture in the same paragraph precedes it.
                            let open_kind = st.open.as_ref().map(|o| (o.1, o.2));
                            st.flush();
                            let caption = if words(&title).is_empty() {
                                None
                            } else {
                                st.m.captions.push(Caption {
                                    words: words(&title),
                                    file: st.file.clone(),
                                    line: st.line_of(at),
                                    chapter: st.chapter,
                                });
                                Some(st.m.captions.len() - 1)
                            };
                            let img_path = st.dir.join(dest_url.as_ref());
                            st.m.images.push(Image {
                                path: img_path,
                                file: st.file.clone(),
                                line: st.line_of(at),
                                chapter: st.chapter,
                                before: st.m.blocks.len(),
                                caption,
                            });
                            if let Some((line, kind)) = open_kind {
                                st.open = Some((String::new(), line, kind));
                            }
                        }
                        st.image_depth += 1;
                    }
                    _ => {}
                },
                Event::End(tag) => match tag {
                    TagEnd::CodeBlock => {
                        st.code_line = None;
                        st.rust_code = false;
                        st.flush();
                        if st.in_note.is_some() {
                            st.start_block(at, BlockKind::Text);
                        }
                    }
                    TagEnd::BlockQuote(_) | TagEnd::List(_) => {
                        st.containers = st.containers.saturating_sub(1);
                        st.flush();
                        if st.in_note.is_some() {
                            st.start_block(at, BlockKind::Text);
                        }
                    }
                    TagEnd::Paragraph
                    | TagEnd::Item
                    | TagEnd::Table
                    | TagEnd::TableHead
                    | TagEnd::TableRow
                    | TagEnd::HtmlBlock
                    | TagEnd::TableCell => {
                        st.flush();
                        if st.in_note.is_some() {
                            st.start_block(at, BlockKind::Text);
                        }
                    }
                    TagEnd::Heading(_) if book_title_open => {
                        st.image_depth -= 1;
                        book_title_open = false;
                        title_pending = false;
                    }
                    TagEnd::Heading(_) => {
                        if let Some(braces) = heading_braces.take() {
                            st.text(&format!(" {braces}"), at, BlockKind::Heading);
                        }
                        st.flush();
                        st.heading_depth = st.heading_depth.saturating_sub(1);
                        if let Some(h) = st.heading_text.take() {
                            if let Some(title) = st.titles.last_mut() {
                                *title = Some(words(&without_span_attributes(&h)));
                            }
                            title_pending = false;
                        }
                    }
                    TagEnd::FootnoteDefinition => {
                        st.in_note = None;
                    }
                    TagEnd::Image => {
                        st.image_depth = st.image_depth.saturating_sub(1);
                        image_ended = range.end;
                    }
                    TagEnd::Link => {
                        // Text that is not the address: print adds the address after it,
                        // so the words around it are compared as two runs.
                        if let Some((url, from)) = st.link.take()
                            && let Some((text, line, kind)) = st.open.clone()
                        {
                            let shown = words(text.get(from..).unwrap_or_default());
                            let address = words(url.trim_start_matches("mailto:"));
                            let bare = |w: &[String]| {
                                w.iter()
                                    .filter(|x| !matches!(x.as_str(), "https" | "http" | "www"))
                                    .cloned()
                                    .collect::<Vec<_>>()
                            };
                            if !shown.is_empty() && bare(&shown) != bare(&address) {
                                st.flush();
                                st.open = Some((String::new(), line, kind));
                            }
                        }
                    }
                    _ => {}
                },
                Event::Text(t) if st.rust_code || st.code_line.is_some() => {
                    // In Rust, lines of scaffolding (`# use std::mem;`) are not printed and
                    // `##` is `#`.
                    let shown: String = if st.rust_code {
                        t.split_inclusive('\n')
                            .filter(|l| !(l.trim().starts_with("# ") || l.trim() == "#"))
                            .map(|l| {
                                if l.trim().starts_with("##") {
                                    l.replacen("##", "#", 1)
                                } else {
                                    l.to_string()
                                }
                            })
                            .collect()
                    } else {
                        t.to_string()
                    };
                    // Numbered code lines print their number first.
                    let mut numbered = String::new();
                    for c in shown.chars() {
                        if let Some((n, line_start)) = &mut st.code_line {
                            if *line_start {
                                numbered.push_str(&format!(" {n} "));
                                *n += 1;
                                *line_start = false;
                            }
                            if c == '\n' {
                                *line_start = true;
                            }
                        }
                        numbered.push(c);
                    }
                    st.text(&numbered, at, BlockKind::Text);
                }
                // Pandoc's attributes right after a picture (`{width=50%}`) are not printed.
                Event::Text(t) if at == image_ended && t.starts_with('{') => {
                    let rest = t
                        .find('}')
                        .filter(|&e| {
                            t[1..e].split_whitespace().all(|a| {
                                a.starts_with('.') || a.starts_with('#') || a.contains('=')
                            }) && !t[1..e].trim().is_empty()
                        })
                        .map_or(&t[..], |e| &t[e + 1..]);
                    st.text(rest, at, BlockKind::Text);
                }
                Event::Text(t) => st.text(&t, at, BlockKind::Text),
                Event::Code(t) => st.text(&t, at, BlockKind::Text),
                Event::InlineMath(t) | Event::DisplayMath(t) => st.text(&t, at, BlockKind::Text),
                Event::Html(t) | Event::InlineHtml(t)
                    if t.contains("<img") && st.in_note.is_none() =>
                {
                    // A picture written in HTML (`<img src>`, maybe in a `<figure>` with a
                    // `<figcaption>`, or a `title`).
                    let open_kind = st.open.as_ref().map(|o| (o.1, o.2));
                    st.flush();
                    let caption_text = between(&t, "<figcaption>", "</figcaption>")
                        .map(strip_html)
                        .or_else(|| attribute(&t, "title"))
                        .unwrap_or_default();
                    let caption = if words(&caption_text).is_empty() {
                        None
                    } else {
                        st.m.captions.push(Caption {
                            words: words(&caption_text),
                            file: st.file.clone(),
                            line: st.line_of(at),
                            chapter: st.chapter,
                        });
                        Some(st.m.captions.len() - 1)
                    };
                    // Every `<img>` of the line (a row of pictures in a `<p align>`).
                    for tag in t.split("<img").skip(1) {
                        let tag = tag.split('>').next().unwrap_or_default();
                        if let Some(src) = attribute(tag, "src") {
                            st.m.images.push(Image {
                                path: st.dir.join(src),
                                file: st.file.clone(),
                                line: st.line_of(at),
                                chapter: st.chapter,
                                before: st.m.blocks.len(),
                                caption,
                            });
                        }
                    }
                    if let Some((line, kind)) = open_kind {
                        st.open = Some((String::new(), line, kind));
                    }
                }
                Event::Html(t) if !html_cells(&t).is_empty() => {
                    // A line of an HTML table: each cell (and the caption) is a block of its
                    // own, as a Markdown table's cells are.
                    for cell in html_cells(&t) {
                        st.start_block(at, BlockKind::Cell);
                        st.text(&strip_html(cell), at, BlockKind::Cell);
                    }
                    st.start_block(at, BlockKind::Html);
                }
                Event::Html(t) | Event::InlineHtml(t) => {
                    // strip_html keeps a space only where a tag separates words.
                    let text = strip_html(&t);
                    if !text.is_empty() {
                        st.text(&text, at, BlockKind::Html);
                    }
                }
                Event::SoftBreak | Event::HardBreak => st.text(" ", at, BlockKind::Text),
                Event::FootnoteReference(label) => {
                    let line = st.line_of(at);
                    if let Some(note) = st.in_note.clone() {
                        st.refs_in_notes
                            .entry(note)
                            .or_default()
                            .push(label.to_string());
                    } else {
                        let segment = st.segments.len() - 1;
                        st.ref_order
                            .push((label.to_string(), line, st.heading_depth > 0, segment));
                    }
                    // A reference is no text, but it separates nothing either.
                }
                Event::Rule => st.flush(),
                Event::TaskListMarker(_) => {}
            }
        }
        st.flush();
        // Each chapter of the file: its notes in the order a reader meets them (a note's
        // own notes right after it; a note referred to from two chapters is in both);
        // never-referenced ones last.
        let notes = std::mem::take(&mut st.notes);
        let refs_in_notes = std::mem::take(&mut st.refs_in_notes);
        let ref_order = std::mem::take(&mut st.ref_order);
        let segments = std::mem::take(&mut st.segments);
        let titles = std::mem::take(&mut st.titles);
        drop(st);
        let mut referenced: BTreeSet<String> = BTreeSet::new();
        for (k, &(first_block, first_image)) in segments.iter().enumerate() {
            let (end_block, end_image) = segments
                .get(k + 1)
                .copied()
                .unwrap_or((self.blocks.len(), self.images.len()));
            let first_note = self.notes.len();
            let mut order: Vec<String> = Vec::new();
            let mut refs: BTreeMap<String, (usize, usize, bool)> = BTreeMap::new();
            for (label, line, heading, _) in ref_order.iter().filter(|r| r.3 == k) {
                let e = refs.entry(label.clone()).or_insert((0, *line, *heading));
                e.0 += 1;
                let mut stack = vec![label.clone()];
                while let Some(label) = stack.pop() {
                    if order.contains(&label) {
                        continue;
                    }
                    order.push(label.clone());
                    referenced.insert(label.clone());
                    if let Some(inner) = refs_in_notes.get(&label) {
                        stack.extend(inner.iter().rev().cloned());
                    }
                }
            }
            if k + 1 == segments.len() {
                for label in notes.keys() {
                    if !referenced.contains(label) && !order.contains(label) {
                        order.push(label.clone());
                    }
                }
            }
            for label in order {
                let Some((text, line)) = notes.get(&label) else {
                    continue;
                };
                let (count, ref_line, in_heading) =
                    refs.get(&label).copied().unwrap_or((0, 0, false));
                self.notes.push(Note {
                    label: label.clone(),
                    words: words(&without_span_attributes(text)),
                    file: file.to_string(),
                    line: *line,
                    ref_line,
                    chapter: chapter + k,
                    refs: count,
                    in_heading,
                });
            }
            self.chapters.push(Chapter {
                file: file.to_string(),
                division,
                blocks: first_block..end_block,
                notes: first_note..self.notes.len(),
                images: first_image..end_image,
                title: titles.get(k).cloned().flatten(),
            });
        }
    }

    /// Words of the whole body, for statistics.
    pub(crate) fn body_words(&self) -> usize {
        self.blocks.iter().map(|b| b.words.len()).sum()
    }
}
