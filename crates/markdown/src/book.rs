//! The book folder: `book.toml`, the chapter files it lists, their images and the cover.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use quire_model::{
    Author, Block, BlockKind, Book, Chapter, ChapterKind, ChapterOpening, CoverStyle, Diagnostic,
    Division, FileId, Footnote, ImageAsset, ImageFormat, ImageId, Inline, InlineKind, Length,
    Metadata, Rgb, Settings, Sources, Span, TrimSize,
};
use toml::Spanned;

use crate::config::{self, AuthorEntry, BookToml, DateValue};
use crate::index;
use crate::lines::LineIndex;
use crate::links;
use crate::metadata;
use crate::parse::{self, ParsedChapter};
use crate::paths::{self, PathProblem};

/// Largest image the front end decodes, in pixels per side: a bigger one is refused rather
/// than risk exhausting memory.
const MAX_IMAGE_SIDE: u32 = 20_000;
/// Memory the decoder may allocate for one image.
const MAX_IMAGE_ALLOC: u64 = 512 * 1024 * 1024;

/// The result of reading a book folder.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The book, when it has no errors.
    pub book: Option<Book>,
    /// Every problem found, errors and warnings, in the order of the files.
    pub diagnostics: Vec<Diagnostic>,
    /// The files read, for showing the diagnostics with their source lines.
    pub sources: Sources,
}

impl Loaded {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads the book in `dir`: `dir/book.toml` and everything it lists.
///
/// Never panics and never reads outside `dir`. The returned [`Loaded`] has a book only when
/// no error was found.
pub fn load_book(dir: &Path) -> Loaded {
    let mut loader = Loader {
        display_root: dir.to_path_buf(),
        root: PathBuf::new(),
        sources: Sources::new(),
        diagnostics: Vec::new(),
        images: Vec::new(),
        image_ids: BTreeMap::new(),
        index_marks: Vec::new(),
        aliases: Vec::new(),
        book_title: String::new(),
        language: String::new(),
    };
    let book = loader.load(dir);
    let has_errors = loader.diagnostics.iter().any(Diagnostic::is_error);
    Loaded {
        book: if has_errors { None } else { book },
        diagnostics: loader.diagnostics,
        sources: loader.sources,
    }
}

/// Parses one chapter file's Markdown text on its own (no images, no files): for tests and
/// fuzzing. Returns its chapters (more than one when it has several `#` headings) and the
/// diagnostics.
pub fn parse_chapter_text(text: &str) -> (Vec<Chapter>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut no_images = |_: &str, _: Span, _: &mut Vec<Diagnostic>| None;
    let parsed = parse::parse_chapter(
        text,
        FileId(0),
        "chapter-1",
        "en",
        &mut no_images,
        None,
        &mut diagnostics,
    );
    let chapters = split_chapters(parsed, "chapter-1")
        .into_iter()
        .enumerate()
        .map(|(k, part)| {
            let file = if k == 0 { "chapter.md" } else { "" };
            make_chapter(
                part,
                Division::Body,
                part_id("chapter-1", k),
                FileId(0),
                file,
            )
        })
        .collect();
    (chapters, diagnostics)
}

struct Loader {
    /// The folder as the user named it, for messages.
    display_root: PathBuf,
    /// The folder, canonical.
    root: PathBuf,
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
    images: Vec<ImageAsset>,
    /// Relative path -> id, so an image used twice is stored once.
    image_ids: BTreeMap<String, ImageId>,
    /// The index markers of all chapters, in reading order.
    index_marks: Vec<parse::IndexMark>,
    /// The ids headings name for themselves (`{#id}`), each with the id it stands for
    /// and where it is written, in reading order.
    aliases: Vec<(String, String, Span)>,
    /// The book's title, once read (see [`promote_sections`]).
    book_title: String,
    /// The book's language, once read: quotation marks and French spacing follow it.
    language: String,
}

/// Why a file could not be read as text.
enum ReadProblem {
    Io(std::io::Error),
    /// Invalid UTF-8 at this byte offset; the text up to it is kept for the message.
    Utf8(usize, String),
}

impl Loader {
    fn display(&self, relative: &str) -> String {
        let joined = self.display_root.join(relative);
        joined.to_string_lossy().into_owned()
    }

    fn error(&mut self, span: impl Into<Option<Span>>, message: String, hint: &str) {
        let mut d = Diagnostic::error(span, message);
        if !hint.is_empty() {
            d = d.with_hint(hint);
        }
        self.diagnostics.push(d);
    }

    fn load(&mut self, dir: &Path) -> Option<Book> {
        let toml_display = self.display("book.toml");
        let toml_file = self.sources.add(toml_display.clone(), "");
        self.root = match dir.canonicalize() {
            Ok(root) if root.is_dir() => root,
            _ => {
                let shown = dir.display();
                self.error(
                    None,
                    format!("book folder `{shown}` not found"),
                    "give the folder that holds book.toml, e.g. `quire build manuscript`",
                );
                return None;
            }
        };
        let text = match read_text(&self.root.join("book.toml")) {
            Ok(text) => text,
            Err(problem) => {
                self.read_problem(toml_file, &toml_display, problem, None);
                return None;
            }
        };
        self.sources.set_text(toml_file, text.clone());
        let lines = LineIndex::new(&text);
        let config = config::parse_book_toml(toml_file, &text, &lines, &mut self.diagnostics)?;
        let whole_file = lines.span(toml_file, 0..0);
        let mut book = Book::new(self.metadata(&config, toml_file, &text, &lines));
        self.book_title = book.metadata.title.clone();
        self.language = book.metadata.language.clone();
        book.settings = self.settings(&config, toml_file, &text, &lines);

        let contents = config.contents.as_ref();
        let contents_span =
            contents.map_or(whole_file, |c| lines.span_in(&text, toml_file, c.span()));
        let chapters = contents.and_then(|c| c.get_ref().chapters.as_ref());
        match chapters {
            None => self.error(
                contents_span,
                "no `chapters` in [contents]: the book has no body".into(),
                "add `[contents]` with `chapters = [\"chapter-01.md\", ...]`",
            ),
            Some(list) if list.get_ref().is_empty() => self.error(
                lines.span_in(&text, toml_file, list.span()),
                "`chapters` is empty: the book has no body".into(),
                "list the chapter files in reading order",
            ),
            _ => {}
        }
        let empty = Vec::new();
        let lists: [(Division, &Vec<Spanned<String>>); 3] = [
            (
                Division::Front,
                contents.map_or(&empty, |c| &c.get_ref().front),
            ),
            (Division::Body, chapters.map_or(&empty, |c| c.get_ref())),
            (
                Division::Back,
                contents.map_or(&empty, |c| &c.get_ref().back),
            ),
        ];
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        let mut files: Vec<links::BookFile> = Vec::new();
        for (division, list) in lists {
            for (index, written) in list.iter().enumerate() {
                let span = lines.span_in(&text, toml_file, written.span());
                let id = match division {
                    Division::Front => format!("front-{}", index + 1),
                    Division::Body => format!("chapter-{}", index + 1),
                    Division::Back => format!("back-{}", index + 1),
                };
                let Some((chapters, path)) =
                    self.chapter(written.get_ref(), span, division, id, &mut seen)
                else {
                    continue;
                };
                let mut chapters = chapters.into_iter();
                let Some(chapter) = chapters.next() else {
                    continue;
                };
                let more = chapters.len();
                // Chapters of the divisions before this one, in reading order.
                let before = match division {
                    Division::Front => 0,
                    Division::Body => book.front.len(),
                    Division::Back => book.front.len() + book.body.len(),
                };
                let target = match division {
                    Division::Front => &mut book.front,
                    Division::Body => &mut book.body,
                    Division::Back => &mut book.back,
                };
                let file = chapter.file;
                // A file that opens with a section heading and has no title of its own
                // continues the chapter before it (mdBook books split chapters so).
                if continues(&chapter)
                    && let Some(previous) = target.last_mut()
                {
                    let anchor = first_heading_id(&chapter).unwrap_or_else(|| previous.id.clone());
                    merge_into(previous, chapter);
                    files.push(links::BookFile {
                        path,
                        file,
                        chapter: before + target.len() - 1,
                        chapters: more + 1,
                        anchor,
                    });
                    target.extend(chapters);
                    continue;
                }
                files.push(links::BookFile {
                    path,
                    file,
                    chapter: before + target.len(),
                    chapters: more + 1,
                    anchor: chapter.id.clone(),
                });
                target.push(chapter);
                target.extend(chapters);
            }
        }
        links::resolve(&mut book, &files, &self.aliases, &mut self.diagnostics);
        // The index, last of the back matter, when the manuscript marks terms.
        if let Some(index) = index::build(&self.index_marks, &mut self.diagnostics) {
            book.back.push(index);
        }
        book.metadata.cover = self.cover(&config, toml_file, &text, &lines);
        book.images = std::mem::take(&mut self.images);
        Some(book)
    }

    fn read_problem(&mut self, file: FileId, shown: &str, problem: ReadProblem, at: Option<Span>) {
        match problem {
            ReadProblem::Io(err) if err.kind() == std::io::ErrorKind::NotFound => self.error(
                at,
                format!("`{shown}` not found"),
                "check the file name and that it is inside the book folder",
            ),
            ReadProblem::Io(err) => self.error(at, format!("cannot read `{shown}`: {err}"), ""),
            ReadProblem::Utf8(offset, prefix) => {
                let lines = LineIndex::new(&prefix);
                let span = lines.span_in(&prefix, file, offset..offset);
                self.sources.set_text(file, prefix);
                self.error(
                    span,
                    format!("`{shown}` is not valid UTF-8"),
                    "save the file as UTF-8 in your editor",
                );
            }
        }
    }

    fn metadata(
        &mut self,
        config: &BookToml,
        file: FileId,
        text: &str,
        lines: &LineIndex,
    ) -> Metadata {
        let span_of = |s: std::ops::Range<usize>| lines.span_in(text, file, s);
        let whole = lines.span(file, 0..0);
        let Some(table) = config.book.as_ref() else {
            self.error(
                whole,
                "book.toml has no [book] table".into(),
                "add [book] with at least `title` and `language`",
            );
            return Metadata::default();
        };
        let book_span = span_of(table.span());
        let book = table.get_ref();
        let mut meta = Metadata::default();
        match &book.title {
            Some(t) if !t.get_ref().trim().is_empty() => {
                meta.title = t.get_ref().trim().to_string()
            }
            Some(t) => self.error(
                span_of(t.span()),
                "the title is empty".into(),
                "give the book a title",
            ),
            None => self.error(
                book_span,
                "[book] has no `title`".into(),
                "add `title = \"...\"` to [book]",
            ),
        }
        meta.subtitle = book.subtitle.clone().filter(|s| !s.trim().is_empty());
        match &book.language {
            Some(l) if metadata::valid_language(l.get_ref()) => meta.language = l.get_ref().clone(),
            Some(l) => self.error(
                span_of(l.span()),
                format!("`{}` is not a valid BCP 47 language tag", l.get_ref()),
                "use a tag such as \"en\", \"en-US\", \"en-GB\", \"fr\" or \"de\"",
            ),
            None => self.error(
                book_span,
                "[book] has no `language`".into(),
                "add `language = \"en\"` (a BCP 47 tag) to [book]",
            ),
        }
        // Authors, then the contributors the keys name (MARC relator codes).
        let people = book
            .authors
            .iter()
            .map(|e| (e, "aut"))
            .chain(book.translators.iter().map(|e| (e, "trl")))
            .chain(book.illustrators.iter().map(|e| (e, "ill")))
            .chain(book.editors.iter().map(|e| (e, "edt")));
        for (entry, default_role) in people {
            let author = match entry.get_ref() {
                AuthorEntry::Name(name) => Author {
                    name: name.trim().to_string(),
                    file_as: metadata::file_as(name),
                    role: default_role.into(),
                },
                AuthorEntry::Full(full) => Author {
                    name: full.name.trim().to_string(),
                    file_as: full
                        .file_as
                        .clone()
                        .unwrap_or_else(|| metadata::file_as(&full.name)),
                    role: full.role.clone().unwrap_or_else(|| default_role.into()),
                },
            };
            if author.name.is_empty() {
                self.error(
                    span_of(entry.span()),
                    "an author's name is empty".into(),
                    "",
                );
            } else {
                meta.authors.push(author);
            }
        }
        let stores = &book.stores;
        for (key, page) in [
            ("amazon", &stores.amazon),
            ("apple", &stores.apple),
            ("kobo", &stores.kobo),
            ("google", &stores.google),
            ("bn", &stores.bn),
            ("default", &stores.default),
        ] {
            let Some(page) = page else { continue };
            let url = page.get_ref().trim();
            if url.starts_with("https://") || url.starts_with("http://") {
                meta.stores.push((key.to_string(), url.to_string()));
            } else {
                self.error(
                    span_of(page.span()),
                    format!("`{url}` is not a web address"),
                    "write the store page's address, starting with https://",
                );
            }
        }
        if let Some(series) = &book.series {
            let number = series.number.as_ref().map(|n| match n {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            if !series.name.trim().is_empty() {
                meta.series = Some(quire_model::Series {
                    name: series.name.trim().to_string(),
                    number,
                });
            }
        }
        if !meta.authors.iter().any(|a| a.role == "aut") {
            self.diagnostics.push(
                Diagnostic::warning(book_span, "the book has no author")
                    .with_hint("stores require an author: add `authors = [\"Name\"]` to [book]"),
            );
        }
        for (date, slot) in [
            (&book.date, &mut meta.date),
            (&book.first_published, &mut meta.first_published),
        ] {
            let Some(date) = date else { continue };
            let value = match date.get_ref() {
                DateValue::Text(s) => s.trim().to_string(),
                DateValue::Year(y) => format!("{y:04}"),
                DateValue::Date(d) => d.to_string(),
            };
            if metadata::valid_date(&value) {
                *slot = Some(value);
            } else {
                self.error(
                    span_of(date.span()),
                    format!("`{value}` is not an ISO 8601 date"),
                    "write the year, year-month or full date: \"1813\", \"1813-01\", \"1813-01-28\"",
                );
            }
        }
        meta.edition = book
            .edition
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        for (isbn, slot) in [(&book.isbn.ebook, 0), (&book.isbn.print, 1)] {
            let Some(isbn) = isbn else { continue };
            if quire_model::isbn_valid(isbn.get_ref()) {
                let value = Some(isbn.get_ref().trim().to_string());
                if slot == 0 {
                    meta.isbn.ebook = value;
                } else {
                    meta.isbn.print = value;
                }
            } else {
                self.error(
                    span_of(isbn.span()),
                    format!("`{}` is not a valid ISBN", isbn.get_ref()),
                    "check the digits: the last one is a checksum",
                );
            }
        }
        let author_names: Vec<String> = meta.authors.iter().map(|a| a.name.clone()).collect();
        // An identifier that stays when the title is corrected: the ebook edition's ISBN (the
        // print ISBN names another edition), else as given, else derived from the metadata.
        let ebook_isbn = meta
            .isbn
            .ebook
            .as_deref()
            .and_then(quire_model::isbn13_digits);
        (meta.identifier, meta.identifier_derived) = match (ebook_isbn, &book.identifier) {
            (Some(isbn), _) => (format!("urn:isbn:{isbn}"), false),
            (None, Some(id)) if !id.get_ref().trim().is_empty() => {
                (id.get_ref().trim().to_string(), false)
            }
            _ => (
                metadata::derived_identifier(&meta.title, &author_names, &meta.language),
                true,
            ),
        };
        // As printed (after the identifier is derived from them as written): an apostrophe
        // typed straight between letters (`O'Neill`, `Alice's`) is the typographer's.
        meta.title = typographic_apostrophes(&meta.title);
        meta.subtitle = meta.subtitle.as_deref().map(typographic_apostrophes);
        for author in &mut meta.authors {
            author.name = typographic_apostrophes(&author.name);
            author.file_as = typographic_apostrophes(&author.file_as);
        }
        if let Some(series) = &mut meta.series {
            series.name = typographic_apostrophes(&series.name);
        }
        meta.publisher = book
            .publisher
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(typographic_apostrophes);
        meta.rights = book.rights.clone().filter(|s| !s.trim().is_empty());
        meta.description = book
            .description
            .as_ref()
            .map(|d| plain_description(d.trim()))
            .filter(|s| !s.is_empty());
        meta.subjects = book
            .subjects
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        // Where a key of [book] is written (the first line that sets it), else the table.
        let key_span = |key: &str| {
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                let rest = line.trim_start();
                if let Some(after) = rest.strip_prefix(key)
                    && after.trim_start().starts_with('=')
                {
                    let at = offset + (line.len() - rest.len());
                    return span_of(at..at + key.len());
                }
                offset += line.len();
            }
            book_span
        };
        self.leave_out_controls(&mut meta, key_span);
        meta
    }

    /// Control characters in the metadata (a TOML escape such as `\u0007` can write one):
    /// left out with a warning, as in a chapter's text, so that the ebook's metadata and
    /// the printed title page agree.
    fn leave_out_controls(&mut self, meta: &mut Metadata, at: impl Fn(&str) -> Span) {
        let stray = |c: char| {
            let u = u32::from(c);
            u < 0x20 || (0x7f..=0x9f).contains(&u)
        };
        let mut fields: Vec<(&str, &mut String)> = vec![("title", &mut meta.title)];
        fields.extend(meta.subtitle.as_mut().map(|s| ("subtitle", s)));
        fields.extend(meta.authors.iter_mut().map(|a| ("authors", &mut a.name)));
        fields.extend(meta.publisher.as_mut().map(|s| ("publisher", s)));
        fields.extend(meta.rights.as_mut().map(|s| ("rights", s)));
        fields.extend(meta.subjects.iter_mut().map(|s| ("subjects", s)));
        for (name, value) in fields {
            if value.chars().any(stray) {
                self.diagnostics.push(
                    Diagnostic::warning(
                        at(name),
                        format!("`{name}` holds a control character, which is left out"),
                    )
                    .with_hint("it has no printed form: delete the escape that writes it"),
                );
                value.retain(|c| !stray(c));
            }
        }
        // The description may run over lines: its line ends stay.
        if let Some(description) = meta.description.as_mut()
            && description
                .chars()
                .any(|c| stray(c) && !matches!(c, '\n' | '\t'))
        {
            self.diagnostics.push(
                Diagnostic::warning(
                    at("description"),
                    "`description` holds a control character, which is left out".to_string(),
                )
                .with_hint("it has no printed form: delete the escape that writes it"),
            );
            description.retain(|c| !stray(c) || matches!(c, '\n' | '\t'));
        }
    }

    fn settings(
        &mut self,
        config: &BookToml,
        file: FileId,
        text: &str,
        lines: &LineIndex,
    ) -> Settings {
        let mut settings = Settings::default();
        let p = &config.print;
        let print = &mut settings.print;
        let mut problems = Vec::new();
        let mut length = |value: &Option<Spanned<String>>, what: &str| -> Option<Length> {
            let v = value.as_ref()?;
            match parse_length(v.get_ref()) {
                Some(l) if l.0 > 0.0 => Some(l),
                _ => {
                    problems.push(
                        Diagnostic::error(
                            lines.span_in(text, file, v.span()),
                            format!("`{}` is not a length for `{what}`", v.get_ref()),
                        )
                        .with_hint("write a number and a unit: \"11.5pt\", \"4in\", \"102mm\""),
                    );
                    None
                }
            }
        };
        if let Some(size) = length(&p.font_size, "font-size") {
            print.font_size = size;
        }
        if let Some(leading) = length(&p.leading, "leading") {
            print.leading = leading;
        }
        print.text_width = length(&p.text_width, "text-width");
        print.text_height = length(&p.text_height, "text-height");
        if let Some(trim) = &p.trim {
            match parse_trim(trim.get_ref()).map(|t| (t, trim_out_of_range(t))) {
                Some((_, Some((message, hint)))) => problems.push(
                    Diagnostic::error(lines.span_in(text, file, trim.span()), message)
                        .with_hint(hint),
                ),
                Some((t, None)) => print.trim = t,
                None => problems.push(
                    Diagnostic::error(
                        lines.span_in(text, file, trim.span()),
                        format!("`{}` is not a trim size", trim.get_ref()),
                    )
                    .with_hint("use a preset (\"5x8in\", \"5.25x8in\", \"5.5x8.5in\", \"6x9in\", \"A5\", \"Royal\") or \"WIDTHxHEIGHTunit\""),
                ),
            }
        }
        if let Some(font) = &p.font {
            print.font = font.clone();
        }
        print.bleed = p.bleed;
        print.ragged_right = p.ragged_right;
        print.color = p.color;
        print.hyphenation_exceptions = p.hyphenation_exceptions.clone();
        if let Some(open) = &p.chapters_open {
            match open.get_ref().as_str() {
                "right" | "recto" => print.chapters_open = ChapterOpening::Right,
                "any" => print.chapters_open = ChapterOpening::Any,
                other => problems.push(
                    Diagnostic::error(
                        lines.span_in(text, file, open.span()),
                        format!("`{other}` is not a chapter opening"),
                    )
                    .with_hint("use \"any\" or \"right\""),
                ),
            }
        }
        if let Some(paper) = &p.paper {
            match paper.get_ref().as_str() {
                "white" | "cream" => print.paper = paper.get_ref().clone(),
                other => problems.push(
                    Diagnostic::error(
                        lines.span_in(text, file, paper.span()),
                        format!("`{other}` is not a paper"),
                    )
                    .with_hint("use \"white\" or \"cream\""),
                ),
            }
        }
        settings.epub.embed_fonts = config.epub.embed_fonts;
        let c = &config.cover;
        let cover = &mut settings.cover;
        if let Some(style) = &c.style {
            match CoverStyle::ALL
                .iter()
                .find(|(name, _)| *name == style.get_ref().as_str())
            {
                Some((_, s)) => cover.style = *s,
                None => problems.push(
                    Diagnostic::error(
                        lines.span_in(text, file, style.span()),
                        format!("`{}` is not a cover style", style.get_ref()),
                    )
                    .with_hint("use \"classic\", \"modern\" or \"band\""),
                ),
            }
        }
        if let Some(background) = &c.background {
            match Rgb::parse(background.get_ref()) {
                Some(rgb) => cover.background = Some(rgb),
                None => problems.push(
                    Diagnostic::error(
                        lines.span_in(text, file, background.span()),
                        format!("`{}` is not a colour", background.get_ref()),
                    )
                    .with_hint("write it as \"#RRGGBB\", e.g. \"#1f2a36\""),
                ),
            }
        }
        cover.back_text = c.back_text.clone().filter(|t| !t.trim().is_empty());
        cover.author_bio = c.author_bio.clone().filter(|t| !t.trim().is_empty());
        cover.imprint = c.imprint.clone().filter(|t| !t.trim().is_empty());
        self.diagnostics.extend(problems);
        settings
    }

    fn chapter(
        &mut self,
        written: &str,
        at: Span,
        division: Division,
        id: String,
        seen: &mut BTreeMap<String, Span>,
    ) -> Option<(Vec<Chapter>, String)> {
        let resolved = match paths::resolve(&self.root, Path::new(""), written) {
            Ok(p) => p,
            Err(problem) => {
                self.path_problem(problem, written, at, "chapter", Path::new(""));
                return None;
            }
        };
        if seen.insert(resolved.relative.clone(), at).is_some() {
            self.error(
                at,
                format!("`{written}` is listed twice in [contents]"),
                "list each file once",
            );
            return None;
        }
        let shown = self.display(&resolved.relative);
        let file = self.sources.add(shown.clone(), "");
        let text = match read_text(&resolved.canonical) {
            Ok(t) => t,
            Err(problem) => {
                self.read_problem(file, &shown, problem, Some(at));
                return None;
            }
        };
        let base_dir = Path::new(&resolved.relative)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut diags = Vec::new();
        let mut parsed = {
            let root = self.root.clone();
            let language = self.language.clone();
            let mut reader = |written: &str, folder: &str| read_included(&root, folder, written);
            let folder = base_dir.to_string_lossy().replace('\\', "/");
            let mut includes = parse::Includes {
                reader: &mut reader,
                folder: &folder,
            };
            let mut resolver = |path: &str, span: Span, d: &mut Vec<Diagnostic>| {
                self.text_image(&base_dir, path, span, d)
            };
            parse::parse_chapter(
                &text,
                file,
                &id,
                &language,
                &mut resolver,
                Some(&mut includes),
                &mut diags,
            )
        };
        self.index_marks
            .append(&mut std::mem::take(&mut parsed.index_marks));
        promote_sections(&mut parsed, &self.book_title);
        self.aliases
            .append(&mut std::mem::take(&mut parsed.aliases));
        self.diagnostics.extend(diags);
        self.sources.set_text(file, text);
        let mut chapters = Vec::new();
        for (k, part) in split_chapters(parsed, &id).into_iter().enumerate() {
            // The file's name tells what its first chapter is, not the ones after.
            let (part_id, relative) = if k == 0 {
                (id.clone(), resolved.relative.as_str())
            } else {
                (part_id(&id, k), "")
            };
            if let Some((alias, (_, span))) = part.title_alias.clone().zip(part.title.as_ref()) {
                self.aliases.push((alias, part_id.clone(), *span));
            }
            let chapter = make_chapter(part, division, part_id, file, relative);
            if chapter.blocks.is_empty() && chapter.kind != ChapterKind::Part {
                let span = chapter.span;
                let message = match (&chapter.title_text, k) {
                    (_, 0) => format!("`{shown}` is empty"),
                    (Some(title), _) => format!("the chapter `{title}` is empty"),
                    (None, _) => "this chapter is empty".to_string(),
                };
                self.diagnostics.push(
                    Diagnostic::warning(span, message)
                        .with_hint("write the chapter, or take it out of [contents]"),
                );
            }
            chapters.push(chapter);
        }
        Some((chapters, resolved.relative))
    }

    fn path_problem(
        &mut self,
        problem: PathProblem,
        written: &str,
        at: Span,
        what: &str,
        base: &Path,
    ) {
        if problem == PathProblem::Missing
            && let Some(near) = self.near_file(base, written)
        {
            self.error(
                at,
                format!("{what} `{written}` not found"),
                &format!("did you mean `{near}`?"),
            );
            return;
        }
        let (message, hint) = match problem {
            PathProblem::OutsideBook => (
                format!("{what} path `{written}` leaves the book folder"),
                "a book may only use files inside its own folder",
            ),
            PathProblem::Remote => (
                format!("{what} `{written}` is not a file of the book"),
                "download it into the book folder and give its relative path",
            ),
            PathProblem::Missing => (
                format!("{what} `{written}` not found"),
                "check the path: it is relative to the file that names it",
            ),
            PathProblem::Empty => (format!("empty {what} path"), "give a file name"),
        };
        self.error(at, message, hint);
    }

    /// A file beside where `written` points (same folder, same extension) whose name is
    /// close to it: `chapter-1.md` for `chapter-01.md`.
    fn near_file(&self, base: &Path, written: &str) -> Option<String> {
        let wanted = Path::new(written);
        let folder_written = wanted.parent().unwrap_or(Path::new(""));
        let folder = self.root.join(base).join(folder_written);
        let name = wanted.file_name()?.to_string_lossy().to_lowercase();
        let extension = wanted
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase());
        let mut best: Option<(f64, String)> = None;
        for entry in std::fs::read_dir(&folder).ok()?.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let same_kind = Path::new(&file)
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                == extension;
            if !same_kind || !entry.path().is_file() {
                continue;
            }
            let score = strsim::jaro_winkler(&name, &file.to_lowercase());
            if score >= 0.85 && best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((score, file));
            }
        }
        let (_, file) = best?;
        Some(
            folder_written
                .join(file)
                .to_string_lossy()
                .replace('\\', "/"),
        )
    }

    /// A picture named in a chapter: a file of the book, or one written into the text as a
    /// `data:` address (notebook exports). One on the web is not fetched: its description
    /// is printed in its place, with a warning.
    fn text_image(
        &mut self,
        base: &Path,
        written: &str,
        at: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<ImageId> {
        if let Some(data) = written.trim_start().strip_prefix("data:") {
            return self.data_image(data, written, at, diags);
        }
        if written.trim().contains("://") {
            diags.push(
                Diagnostic::warning(
                    at,
                    format!(
                        "image `{}` is on the web: its description is printed instead",
                        shorten(written)
                    ),
                )
                .with_hint("download it into the book folder and give its relative path"),
            );
            return None;
        }
        self.image(base, written, at, diags)
    }

    /// A picture written into the text (`data:image/png;base64,...`), stored once under a
    /// name made from its bytes.
    fn data_image(
        &mut self,
        data: &str,
        written: &str,
        at: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<ImageId> {
        use base64::Engine as _;
        let refuse = |diags: &mut Vec<Diagnostic>, reason: &str| {
            diags.push(
                Diagnostic::error(
                    at,
                    format!("image `{}` cannot be used: {reason}", shorten(written)),
                )
                .with_hint(
                    "write it as `data:image/png;base64,...`, or save it as a file of the book",
                ),
            );
            None
        };
        let Some((header, payload)) = data.split_once(',') else {
            return refuse(diags, "a `data:` address needs a comma before its data");
        };
        if !header.trim_end().ends_with(";base64") {
            return refuse(diags, "only base64 `data:` pictures are read");
        }
        let compact: Vec<u8> = payload
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let bytes = match base64::engine::general_purpose::STANDARD.decode(&compact) {
            Ok(bytes) => bytes,
            Err(e) => return refuse(diags, &format!("its base64 data is not valid ({e})")),
        };
        // FNV-1a: the same picture gets the same name in every build.
        let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        let key = format!("data:{hash:016x}");
        if let Some(id) = self.image_ids.get(&key) {
            return Some(*id);
        }
        let extension = match header.split(';').next().unwrap_or("").trim() {
            "image/jpeg" | "image/jpg" => "jpg",
            "image/gif" => "gif",
            "image/webp" => "webp",
            "image/svg+xml" => "svg",
            _ => "png",
        };
        let relative = format!("inline-{hash:016x}.{extension}");
        match load_image_bytes(bytes, &relative) {
            Ok((asset, _)) => {
                let id = ImageId(self.images.len());
                self.images.push(asset);
                self.image_ids.insert(key, id);
                Some(id)
            }
            Err(reason) => refuse(diags, &reason),
        }
    }

    fn image(
        &mut self,
        base: &Path,
        written: &str,
        at: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<ImageId> {
        // A path written as a web address (`my%20pictures/a.png`, as GitHub, mdBook and
        // browsers read it) names the file with its escapes decoded.
        let found = paths::resolve(&self.root, base, written).or_else(|problem| {
            let decoded = crate::links::percent_decode(written);
            if problem == PathProblem::Missing && decoded != written {
                paths::resolve(&self.root, base, &decoded).map_err(|_| problem)
            } else {
                Err(problem)
            }
        });
        let resolved = match found {
            Ok(p) => p,
            Err(problem) => {
                let before = self.diagnostics.len();
                self.path_problem(problem, written, at, "image", base);
                diags.extend(self.diagnostics.drain(before..));
                return None;
            }
        };
        if let Some(id) = self.image_ids.get(&resolved.relative) {
            return Some(*id);
        }
        match load_image(&resolved.canonical, &resolved.relative) {
            Ok((asset, unsupported)) => {
                if !unsupported.is_empty() {
                    diags.push(
                        Diagnostic::warning(
                            at,
                            format!(
                                "SVG image `{written}` uses {}, which print leaves out",
                                unsupported.join(", ")
                            ),
                        )
                        .with_hint("draw it without them, or export that part as a PNG"),
                    );
                }
                let id = ImageId(self.images.len());
                self.images.push(asset);
                self.image_ids.insert(resolved.relative, id);
                Some(id)
            }
            Err(reason) => {
                diags.push(
                    Diagnostic::error(at, format!("image `{written}` cannot be used: {reason}"))
                        .with_hint("use an SVG, PNG, JPEG, GIF or WebP file"),
                );
                None
            }
        }
    }

    fn cover(
        &mut self,
        config: &BookToml,
        file: FileId,
        text: &str,
        lines: &LineIndex,
    ) -> Option<ImageId> {
        let written = config
            .book
            .as_ref()
            .and_then(|b| b.get_ref().cover.as_ref());
        if let Some(cover) = written {
            let span = lines.span_in(text, file, cover.span());
            let mut diags = Vec::new();
            let id = self.image(Path::new(""), cover.get_ref(), span, &mut diags);
            self.diagnostics.extend(diags);
            if let Some(found) = id
                && self.images[found.0].format == ImageFormat::Svg
            {
                self.error(
                    span,
                    format!("the cover `{}` is an SVG image", cover.get_ref()),
                    "export it as a JPEG or PNG: stores and printers want a raster cover",
                );
                return None;
            }
            return id;
        }
        // No `cover` key: a `cover/` folder in the book with one front image.
        let folder = self.root.join("cover");
        let mut candidates: Vec<String> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|name| {
                let lower = name.to_ascii_lowercase();
                [".jpg", ".jpeg", ".png"]
                    .iter()
                    .any(|ext| lower.ends_with(ext))
            })
            .collect();
        candidates.sort();
        let chosen = candidates
            .iter()
            .find(|n| n.to_ascii_lowercase().starts_with("front"))
            .or_else(|| candidates.first())?
            .clone();
        let span = lines.span(file, 0..0);
        let mut diags = Vec::new();
        let id = self.image(Path::new("cover"), &chosen, span, &mut diags);
        self.diagnostics.extend(diags);
        id
    }
}

/// Builds the model chapter from a parsed file: title, kind, ids.
/// A file with no title that opens with a section heading: a section of the chapter before.
fn continues(chapter: &Chapter) -> bool {
    chapter.title.is_none()
        && matches!(
            chapter.blocks.first(),
            Some(Block {
                kind: BlockKind::Heading { .. },
                ..
            })
        )
}

/// The id of a chapter's first heading.
fn first_heading_id(chapter: &Chapter) -> Option<String> {
    chapter.blocks.iter().find_map(|b| match &b.kind {
        BlockKind::Heading { id, .. } => Some(id.clone()),
        _ => None,
    })
}

/// Appends a continuing file's blocks and footnotes to its chapter, renumbering its notes
/// after the chapter's own.
fn merge_into(chapter: &mut Chapter, mut part: Chapter) {
    let offset = chapter.footnotes.len();
    if offset > 0 {
        for block in &mut part.blocks {
            shift_notes_block(block, offset);
        }
        for note in &mut part.footnotes {
            for block in &mut note.blocks {
                shift_notes_block(block, offset);
            }
        }
    }
    for (k, mut note) in part.footnotes.into_iter().enumerate() {
        note.number = offset + k + 1;
        note.id = format!("{}-note-{}", chapter.id, note.number);
        chapter.footnotes.push(note);
    }
    chapter.blocks.append(&mut part.blocks);
}

fn shift_notes_block(block: &mut Block, offset: usize) {
    block.inline_runs_mut(&mut |inlines| shift_notes(inlines, offset));
}

fn shift_notes(inlines: &mut [Inline], offset: usize) {
    for inline in inlines {
        match &mut inline.kind {
            InlineKind::FootnoteRef(id) => id.0 += offset,
            other => {
                if let Some(c) = other.children_mut() {
                    shift_notes(c, offset);
                }
            }
        }
    }
}

/// The id of the `k`-th chapter (from 0) of the file whose first chapter is `id`: `_` is
/// in no slug, so no heading's id can be the same.
fn part_id(id: &str, k: usize) -> String {
    if k == 0 {
        id.to_string()
    } else {
        format!("{id}_{}", k + 1)
    }
}

/// A chapter's title and where its heading is.
type Title = (Vec<Inline>, Span);

/// A file whose only `#` heading is the book's own title holds the whole book (a novel
/// converted from a web page, `# Pride and Prejudice` then `## Chapter 1` ...): the title
/// is left out (the title page has it), each `##` heading outside quotes and lists starts a
/// chapter, and deeper headings go up a level. Other files are left as they are.
fn promote_sections(parsed: &mut ParsedChapter, book_title: &str) {
    let plain = |text: &str| -> String {
        text.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let is_book_title = parsed.title.as_ref().is_some_and(|(title, _)| {
        let title = plain(&Inline::plain_text(title));
        !title.is_empty() && title == plain(book_title)
    });
    let sections = parsed
        .blocks
        .iter()
        .filter(|b| matches!(b.kind, BlockKind::Heading { level: 2, .. }))
        .count();
    if !is_book_title || !parsed.later_titles.is_empty() || sections < 2 {
        return;
    }
    parsed.title = None;
    parsed.title_alias = None;
    let blocks = std::mem::take(&mut parsed.blocks);
    for block in blocks {
        match block.kind {
            BlockKind::Heading {
                level: 2,
                id,
                content,
            } => {
                // A `{#id}` the heading named for itself now names its chapter.
                let alias = parsed
                    .aliases
                    .iter()
                    .position(|(_, target, _)| *target == id)
                    .map(|i| parsed.aliases.remove(i).0);
                parsed.later_titles.push(parse::LaterTitle {
                    at: parsed.blocks.len(),
                    title: content,
                    span: block.span,
                    alias,
                });
            }
            BlockKind::Heading { level, id, content } => parsed.blocks.push(Block {
                kind: BlockKind::Heading {
                    level: level.saturating_sub(1).max(2),
                    id,
                    content,
                },
                span: block.span,
            }),
            kind => parsed.blocks.push(Block {
                kind,
                span: block.span,
            }),
        }
    }
}

/// A file's chapters: the blocks before its second `#` heading make the first (titled by
/// the first `#` heading), and each further `#` heading outside quotes, lists and notes
/// starts another, as Pandoc and mdBook-to-EPUB tools split one file into chapters. Each
/// chapter keeps the notes it refers to, numbered from 1 in the order a reader meets them
/// (see [`renumber_notes`]), with ids of its own (a note referred to from two chapters is
/// in both).
fn split_chapters(mut parsed: ParsedChapter, id: &str) -> Vec<ParsedChapter> {
    if parsed.later_titles.is_empty() && parsed.footnotes.is_empty() {
        return vec![parsed];
    }
    let later = std::mem::take(&mut parsed.later_titles);
    let notes = std::mem::take(&mut parsed.footnotes);
    let mut blocks = std::mem::take(&mut parsed.blocks);
    let mut parts: Vec<ParsedChapter> = Vec::with_capacity(later.len() + 1);
    // From the last chapter back, so that each split leaves the blocks before it.
    let mut tails: Vec<(Option<Title>, Option<String>, Vec<Block>)> = Vec::new();
    for title in later.into_iter().rev() {
        let start = title.at.min(blocks.len());
        tails.push((
            Some((title.title, title.span)),
            title.alias,
            blocks.split_off(start),
        ));
    }
    // Nothing before the first of several chapters (a book's title that was left out):
    // no chapter of its own.
    if !(parsed.title.is_none() && blocks.is_empty() && !tails.is_empty()) {
        tails.push((parsed.title.take(), parsed.title_alias.take(), blocks));
    }
    for (k, (title, title_alias, mut blocks)) in tails.into_iter().rev().enumerate() {
        let mut title = title;
        let own_id = part_id(id, k);
        let footnotes = renumber_notes(&mut title, &mut blocks, &notes, &own_id);
        parts.push(ParsedChapter {
            title,
            title_alias,
            later_titles: Vec::new(),
            aliases: Vec::new(),
            blocks,
            footnotes,
            index_marks: Vec::new(),
        });
    }
    if let Some(first) = parts.first_mut() {
        first.index_marks = std::mem::take(&mut parsed.index_marks);
        first.aliases = std::mem::take(&mut parsed.aliases);
    }
    parts
}

/// The notes of `notes` (the whole file's) that a chapter's title and blocks refer to,
/// and the notes those refer to in turn, numbered from 1 with ids of `chapter_id`, in the
/// order a reader meets them: a note's own references right after it, since its notes are
/// printed with it. The references are rewritten to the new numbering.
fn renumber_notes(
    title: &mut Option<Title>,
    blocks: &mut [Block],
    notes: &[Footnote],
    chapter_id: &str,
) -> Vec<Footnote> {
    let mut text_refs: Vec<usize> = Vec::new();
    if let Some((inlines, _)) = title {
        renumber_refs(inlines, &mut |old| {
            text_refs.push(old);
            old
        });
    }
    for block in blocks.iter_mut() {
        block.inline_runs_mut(&mut |inlines| {
            renumber_refs(inlines, &mut |old| {
                text_refs.push(old);
                old
            })
        });
    }
    let inner_refs: Vec<Vec<usize>> = notes
        .iter()
        .map(|note| {
            let mut refs = Vec::new();
            let mut blocks = note.blocks.clone();
            for block in &mut blocks {
                block.inline_runs_mut(&mut |inlines| {
                    renumber_refs(inlines, &mut |old| {
                        refs.push(old);
                        old
                    })
                });
            }
            refs
        })
        .collect();
    // Depth first: each note, then the notes it refers to, then the next reference.
    let mut order: Vec<usize> = Vec::new();
    let mut new_of: BTreeMap<usize, usize> = BTreeMap::new();
    let mut stack: Vec<usize> = text_refs.into_iter().rev().collect();
    while let Some(old) = stack.pop() {
        if new_of.contains_key(&old) {
            continue;
        }
        new_of.insert(old, order.len());
        order.push(old);
        if let Some(inner) = inner_refs.get(old) {
            stack.extend(inner.iter().rev());
        }
    }
    let mut renumber = |inlines: &mut Vec<Inline>| {
        renumber_refs(inlines, &mut |old| new_of.get(&old).copied().unwrap_or(old))
    };
    if let Some((inlines, _)) = title {
        renumber(inlines);
    }
    for block in blocks.iter_mut() {
        block.inline_runs_mut(&mut renumber);
    }
    order
        .iter()
        .filter_map(|&old| notes.get(old))
        .enumerate()
        .map(|(k, note)| {
            let mut note = note.clone();
            for block in &mut note.blocks {
                block.inline_runs_mut(&mut renumber);
            }
            note.number = k + 1;
            note.id = format!("{chapter_id}-note-{}", k + 1);
            note
        })
        .collect()
}

/// Rewrites every footnote reference in `inlines` (and inside them) with `new_index`.
fn renumber_refs(inlines: &mut [Inline], new_index: &mut dyn FnMut(usize) -> usize) {
    for inline in inlines {
        match &mut inline.kind {
            InlineKind::FootnoteRef(id) => id.0 = new_index(id.0),
            other => {
                if let Some(c) = other.children_mut() {
                    renumber_refs(c, new_index);
                }
            }
        }
    }
}

fn make_chapter(
    parsed: ParsedChapter,
    division: Division,
    id: String,
    file: FileId,
    relative: &str,
) -> Chapter {
    let (title, span) = match parsed.title {
        Some((title, span)) => (Some(title), span),
        None => (
            None,
            parsed.blocks.first().map_or(
                Span {
                    file,
                    line: 1,
                    column: 1,
                    ..Span::default()
                },
                |b| b.span,
            ),
        ),
    };
    let title_text = title
        .as_ref()
        .map(|t| quire_model::collapse_spaces(&Inline::plain_text(t)))
        .filter(|t| !t.is_empty());
    let kind = chapter_kind(division, title_text.as_deref(), relative, &parsed.blocks);
    Chapter {
        division,
        kind,
        id,
        title,
        title_text,
        span,
        file,
        blocks: parsed.blocks,
        footnotes: parsed.footnotes,
    }
}

/// `text` with each straight apostrophe between a letter or digit and a letter
/// (`O'Neill`, `Alice's`, `don't`) made a typographer's apostrophe (’).
fn typographic_apostrophes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let between = i > 0
                && chars[i - 1].is_alphanumeric()
                && chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
            if c == '\'' && between { '\u{2019}' } else { c }
        })
        .collect()
}

/// The words that name a kind of front or back matter (and the introduction, prologue and
/// epilogue a body may hold), in the languages books come in: matched against the words
/// of a chapter's title and file name. A word ending in `*` matches any word it starts
/// (`acknowledg*`: acknowledgments, acknowledgements).
const KIND_WORDS: &[(ChapterKind, &[&str])] = &[
    (
        ChapterKind::Dedication,
        &[
            "dedication",
            "dedica",
            "dédicace",
            "dedicace",
            "widmung",
            "dedicatoria",
            "dedicatória",
            "dedykacja",
            "посвящение",
            "opdracht",
            "dedikation",
            "dedicatie",
        ],
    ),
    (
        ChapterKind::Epigraph,
        &[
            "epigraph",
            "epigrafe",
            "épigraphe",
            "epigraphe",
            "epígrafe",
            "эпиграф",
        ],
    ),
    (
        ChapterKind::Frontispiece,
        &["frontispiece", "frontespizio", "frontispice"],
    ),
    (ChapterKind::Foreword, &["foreword", "geleitwort"]),
    (
        ChapterKind::Preface,
        &[
            "preface",
            "prefazione",
            "préface",
            "vorwort",
            "prefacio",
            "prefácio",
            "przedmowa",
            "предисловие",
            "voorwoord",
            "förord",
            "forord",
        ],
    ),
    (
        ChapterKind::Introduction,
        &[
            "introduction",
            "intro",
            "introduzione",
            "einleitung",
            "einführung",
            "introducción",
            "introdução",
            "wstęp",
            "wprowadzenie",
            "введение",
            "inleiding",
        ],
    ),
    (
        ChapterKind::Prologue,
        &["prologue", "prologo", "prólogo", "prolog", "пролог"],
    ),
    (
        ChapterKind::Epilogue,
        &[
            "epilogue",
            "epilogo",
            "épilogue",
            "epílogo",
            "epilog",
            "эпилог",
        ],
    ),
    (
        ChapterKind::Afterword,
        &[
            "afterword",
            "postfazione",
            "postface",
            "nachwort",
            "posfácio",
            "posfacio",
            "posłowie",
            "послесловие",
            "nawoord",
            "efterord",
        ],
    ),
    (
        ChapterKind::Acknowledgments,
        &[
            "acknowledg*",
            "ringraziamenti",
            "remerciements",
            "danksagung",
            "agradecimientos",
            "agradecimentos",
            "podziękowania",
            "благодарности",
            "dankwoord",
        ],
    ),
    (
        ChapterKind::Appendix,
        &[
            "appendix",
            "appendices",
            "appendice",
            "annexe",
            "anhang",
            "apéndice",
            "apêndice",
            "aneks",
            "załącznik",
            "приложение",
            "bijlage",
        ],
    ),
    (
        ChapterKind::Bibliography,
        &[
            "bibliography",
            "bibliografia",
            "bibliographie",
            "bibliografía",
            "bibliografie",
            "библиография",
        ],
    ),
    (
        ChapterKind::Glossary,
        &[
            "glossary",
            "glossario",
            "glossaire",
            "glossar",
            "glosario",
            "glossário",
            "słowniczek",
            "глоссарий",
            "woordenlijst",
        ],
    ),
];

/// Whether what follows `Part` in a title numbers a part: `One`, `II: Ownership`, `3.`,
/// `the First` (not `Part of the Problem`, `Parting Words` or `Part 2 of the Story`).
fn names_a_part(rest: &str) -> bool {
    const NUMBER_WORDS: &[&str] = &[
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
        "ninth", "tenth", "last", "final",
    ];
    if !rest.starts_with([' ', '\u{a0}']) {
        return false;
    }
    let mut words = rest
        .split(|c: char| c.is_whitespace() || matches!(c, ':' | '.' | ',' | ';' | '—' | '–' | '-'))
        .filter(|w| !w.is_empty());
    let mut number = words.next().unwrap_or("");
    if number == "the" {
        number = words.next().unwrap_or("");
    }
    let is_roman = !number.is_empty() && number.chars().all(|c| "ivxlcdm".contains(c));
    let is_number = is_roman
        || (!number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
        || (number.len() == 1 && number.chars().all(|c| c.is_ascii_alphabetic()))
        || NUMBER_WORDS.contains(&number);
    is_number && words.next() != Some("of")
}

/// Guesses what a chapter is from its title and file name: a word of either names it
/// (see [`KIND_WORDS`]); `Introducing Traits` is no introduction.
fn chapter_kind(
    division: Division,
    title: Option<&str>,
    file: &str,
    blocks: &[Block],
) -> ChapterKind {
    let title = title.unwrap_or("").to_lowercase();
    let file = file.rsplit('/').next().unwrap_or(file).to_lowercase();
    let file = file
        .rsplit_once('.')
        .map_or(file.as_str(), |(stem, _)| stem);
    let words: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
        .chain(file.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    let has = |word: &str| match word.strip_suffix('*') {
        Some(stem) => words.iter().any(|w| w.starts_with(stem)),
        None => words.contains(&word),
    };
    if title.starts_with("chapter") {
        return ChapterKind::Chapter;
    }
    // "Part One", "Part II: Ownership": a part of the body.
    if division == Division::Body && title.strip_prefix("part").is_some_and(names_a_part) {
        return ChapterKind::Part;
    }
    for (kind, names) in KIND_WORDS {
        if names.iter().any(|word| has(word)) {
            // In the body only the kinds that belong there.
            let fits_body = matches!(
                kind,
                ChapterKind::Introduction | ChapterKind::Prologue | ChapterKind::Epilogue
            );
            if division != Division::Body || fits_body {
                return *kind;
            }
        }
    }
    if division == Division::Body {
        return ChapterKind::Chapter;
    }
    let only_figures = !blocks.is_empty()
        && blocks
            .iter()
            .all(|b| matches!(b.kind, BlockKind::Figure(_)));
    if only_figures {
        ChapterKind::Frontispiece
    } else {
        ChapterKind::Other
    }
}

/// The largest file a book may hold (a chapter, a picture, a font): 256 MB.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a file of the book. Only a regular file of at most [`MAX_FILE_BYTES`] is read: a
/// folder, a FIFO or a device named as a chapter, picture or font is refused at once (a
/// FIFO would wait forever, `/dev/zero` never end). On Unix the file is opened without
/// blocking and checked on the open handle, so it cannot be swapped in between.
pub fn read_book_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
        options.custom_flags(0o4000);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            if meta.is_dir() {
                "it is a folder, not a file"
            } else {
                "it is not a regular file (a FIFO, a socket or a device)"
            },
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut data)?;
    if data.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(data.len() as u64));
    }
    Ok(data)
}

fn too_large(bytes: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "it is {} MB, more than the {} MB a file of a book may be",
            bytes / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

/// A file an mdBook directive names (`written`, relative to `folder`, a folder of the book
/// given relative to `root`): its text and its path relative to the book, or why not.
fn read_included(root: &Path, folder: &str, written: &str) -> Result<(String, String), String> {
    let resolved =
        paths::resolve(root, Path::new(folder), written).map_err(|problem| match problem {
            PathProblem::OutsideBook => format!("`{written}` leaves the book folder"),
            PathProblem::Remote => format!("`{written}` is not a file of the book"),
            PathProblem::Missing => format!("`{written}` not found"),
            PathProblem::Empty => "no file named".to_string(),
        })?;
    match read_text(&resolved.canonical) {
        Ok(text) => Ok((text, resolved.relative)),
        Err(ReadProblem::Io(e)) => Err(format!("`{written}` cannot be read: {e}")),
        Err(ReadProblem::Utf8(at, _)) => Err(format!("`{written}` is not UTF-8 text (byte {at})")),
    }
}

fn read_text(path: &Path) -> Result<String, ReadProblem> {
    let bytes = read_book_file(path).map_err(ReadProblem::Io)?;
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            Ok(text)
        }
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            Err(ReadProblem::Utf8(valid, prefix))
        }
    }
}

/// Reads and checks an image file; for SVG also the features print cannot draw.
/// A long address (a `data:` picture) cut for a message.
fn shorten(written: &str) -> String {
    match written.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &written[..at]),
        None => written.to_string(),
    }
}

fn load_image(path: &Path, relative: &str) -> Result<(ImageAsset, Vec<&'static str>), String> {
    let data = read_book_file(path).map_err(|e| e.to_string())?;
    load_image_bytes(data, relative)
}

/// Checks and measures a picture's bytes (SVG, PNG, JPEG, GIF or WebP).
fn load_image_bytes(
    data: Vec<u8>,
    relative: &str,
) -> Result<(ImageAsset, Vec<&'static str>), String> {
    if quire_svg::looks_like_svg(&data) {
        // Text needs fonts, which the front end does not have: the build outlines it later
        // (`quire_svg::Svg::to_clean_svg`); here the file is checked and measured.
        let svg = quire_svg::Svg::parse(&data, &quire_svg::SvgFonts::none())
            .map_err(|e| e.to_string())?;
        let px = |v: f32| (v.ceil() as u32).clamp(1, MAX_IMAGE_SIDE);
        let asset = ImageAsset {
            path: relative.to_string(),
            format: ImageFormat::Svg,
            width: px(svg.width()),
            height: px(svg.height()),
            data,
        };
        return Ok((asset, svg.unsupported_in_print()));
    }
    let mut reader = image::ImageReader::new(Cursor::new(&data))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let format = match reader.format() {
        Some(image::ImageFormat::Png) => ImageFormat::Png,
        Some(image::ImageFormat::Jpeg) => ImageFormat::Jpeg,
        Some(image::ImageFormat::Gif) => ImageFormat::Gif,
        Some(image::ImageFormat::WebP) => ImageFormat::WebP,
        Some(other) => return Err(format!("{other:?} images are not supported")),
        None => return Err("not an image file".into()),
    };
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_ALLOC);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| e.to_string())?;
    let asset = ImageAsset {
        path: relative.to_string(),
        data,
        format,
        width: decoded.width(),
        height: decoded.height(),
    };
    Ok((asset, Vec::new()))
}

/// "11.5pt", "4in", "102mm", "1.2cm", "8pc" -> points.
pub(crate) fn parse_length(text: &str) -> Option<Length> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.trim().parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    let points = match unit.trim() {
        "pt" => value,
        "in" => value * 72.0,
        "mm" => value * 72.0 / 25.4,
        "cm" => value * 72.0 / 2.54,
        "pc" => value * 12.0,
        _ => return None,
    };
    Some(Length(points))
}

/// A trim preset or `WIDTHxHEIGHTunit`.
/// The smallest and largest trims accepted, in inches (width, height): book presses and
/// print-on-demand printers take roughly 4 x 6 in to 8.5 x 11.7 in (KDP), down to 3.5 x 5
/// in for some offset work and up to 12 x 12 in for art books.
const SMALLEST_TRIM: (f64, f64) = (3.0, 4.0);
const LARGEST_TRIM: (f64, f64) = (12.0, 14.0);

/// Why a trim no book printer prints is refused, with the accepted range.
fn trim_out_of_range(trim: TrimSize) -> Option<(String, String)> {
    let (w, h) = (trim.width.0 / 72.0, trim.height.0 / 72.0);
    let shown = format!("{} x {} in", inches(w), inches(h));
    let range = format!(
        "Quire takes trims from {} x {} in to {} x {} in (KDP prints 4 x 6 in to 8.5 x 11.69 in)",
        inches(SMALLEST_TRIM.0),
        inches(SMALLEST_TRIM.1),
        inches(LARGEST_TRIM.0),
        inches(LARGEST_TRIM.1)
    );
    if w < SMALLEST_TRIM.0 || h < SMALLEST_TRIM.1 {
        Some((
            format!("a trim of {shown} is smaller than any book printer prints"),
            range,
        ))
    } else if w > LARGEST_TRIM.0 || h > LARGEST_TRIM.1 {
        Some((
            format!("a trim of {shown} is larger than any book press prints"),
            range,
        ))
    } else {
        None
    }
}

/// Inches with at most two decimals, no trailing zeros.
fn inches(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub(crate) fn parse_trim(text: &str) -> Option<TrimSize> {
    let lower = text.trim().to_ascii_lowercase().replace(' ', "");
    let preset = match lower.as_str() {
        "a5" => Some((Length::mm(148.0), Length::mm(210.0))),
        "royal" => Some((Length::mm(156.0), Length::mm(234.0))),
        "demy" => Some((Length::mm(138.0), Length::mm(216.0))),
        _ => None,
    };
    if let Some((width, height)) = preset {
        return Some(TrimSize { width, height });
    }
    let (w, h) = lower.split_once('x')?;
    let unit_start = h.find(|c: char| c.is_ascii_alphabetic())?;
    let unit = &h[unit_start..];
    let w_len = if w.contains(|c: char| c.is_ascii_alphabetic()) {
        parse_length(w)?
    } else {
        parse_length(&format!("{w}{unit}"))?
    };
    let h_len = parse_length(h)?;
    let finite = w_len.0.is_finite() && h_len.0.is_finite();
    (finite && w_len.0 > 0.0 && h_len.0 > 0.0).then_some(TrimSize {
        width: w_len,
        height: h_len,
    })
}

/// The description as the stores and the back cover take it: plain text, its paragraphs
/// (blank lines) kept. Authors write it in Markdown (`*emphasis*`, links): the marks are
/// read, not printed, and quotes and dashes are set as in the text.
fn plain_description(markdown: &str) -> String {
    markdown
        .split("\n\n")
        .map(|paragraph| {
            let inlines =
                crate::parse::inline_markdown(paragraph.trim(), quire_model::Span::default());
            Inline::plain_text(&inlines)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_prints_typographic_apostrophes_and_keeps_its_identifier() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\ntitle = \"Alice's Book\"\nauthors = [\"Eugene O'Neill\"]\nlanguage = \"en\"\n\
             [contents]\nchapters = [\"a.md\"]\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("a.md"), "# A\n\nText.\n").expect("write");
        let book = load_book(dir.path()).book.expect("loads");
        assert_eq!(book.metadata.title, "Alice\u{2019}s Book");
        assert_eq!(book.metadata.authors[0].name, "Eugene O\u{2019}Neill");
        assert_eq!(
            book.metadata.identifier,
            metadata::derived_identifier("Alice's Book", &["Eugene O'Neill".to_string()], "en")
        );
        assert_eq!(
            typographic_apostrophes("'Tis the dogs' don't"),
            "'Tis the dogs' don\u{2019}t"
        );
    }

    #[test]
    fn a_part_is_a_title_that_numbers_one() {
        let kind = |title: &str| chapter_kind(Division::Body, Some(title), "c.md", &[]);
        for part in [
            "Part One",
            "Part II: Ownership",
            "Part 3. Sea",
            "Part the First",
            "PART IV",
            "Part A",
        ] {
            assert_eq!(kind(part), ChapterKind::Part, "{part}");
        }
        for chapter in [
            "Part of the Problem",
            "Parting Is Such Sweet Sorrow",
            "Part 2 of the Story: Replication",
            "Partial Orders",
            "Part",
        ] {
            assert_eq!(kind(chapter), ChapterKind::Chapter, "{chapter}");
        }
        assert_eq!(
            chapter_kind(Division::Front, None, "epigraphe.md", &[]),
            ChapterKind::Epigraph
        );
    }

    #[test]
    fn front_and_back_matter_are_named_in_many_languages() {
        let kind =
            |division, title: Option<&str>, file: &str| chapter_kind(division, title, file, &[]);
        assert_eq!(
            kind(Division::Front, None, "dedica.md"),
            ChapterKind::Dedication
        );
        assert_eq!(
            kind(Division::Front, Some("Prefazione"), "p.md"),
            ChapterKind::Preface
        );
        assert_eq!(
            kind(Division::Back, Some("Postfazione"), "p.md"),
            ChapterKind::Afterword
        );
        assert_eq!(
            kind(Division::Back, Some("Nachwort"), "n.md"),
            ChapterKind::Afterword
        );
        assert_eq!(
            kind(Division::Front, None, "00-acknowledgements.md"),
            ChapterKind::Acknowledgments
        );
        assert_eq!(
            kind(Division::Back, Some("Appendix A: Tables"), "a.md"),
            ChapterKind::Appendix
        );
        assert_eq!(
            kind(Division::Body, Some("Introduction"), "01.md"),
            ChapterKind::Introduction
        );
        // A word that only starts like one is not it.
        assert_eq!(
            kind(
                Division::Body,
                Some("Introducing Traits"),
                "07-introducing-traits.md"
            ),
            ChapterKind::Chapter
        );
        assert_eq!(
            kind(Division::Front, Some("A Note on the Text"), "note.md"),
            ChapterKind::Other
        );
    }

    #[test]
    fn a_description_in_markdown_is_plain_text() {
        assert_eq!(
            plain_description(
                "An *unusual* book about **orchards** and a [link](https://example.org).\n\n\"Quoted\" -- and `code`."
            ),
            "An unusual book about orchards and a link.\n\n\u{201c}Quoted\u{201d} \u{2013} and code."
        );
    }

    /// Loads a one-chapter-file book whose file is `text`.
    fn load_one_file(text: &str) -> Loaded {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\ntitle = \"T\"\nauthors = [\"A\"]\nlanguage = \"en\"\n\
             [contents]\nfront = [\"front.md\"]\nchapters = [\"all.md\", \"last.md\"]\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("front.md"), "# Dedication\n\nFor you.\n").expect("write");
        std::fs::write(dir.path().join("all.md"), text).expect("write");
        std::fs::write(
            dir.path().join("last.md"),
            "# Last\n\nBack to [the second](all.md#second) and [its part](all.md#a-part).\n",
        )
        .expect("write");
        load_book(dir.path())
    }

    /// `my%20pics/a%20b.svg` names `my pics/a b.svg`, as a browser reads it; decoding never
    /// lets a path leave the book folder.
    #[test]
    fn a_picture_path_written_as_a_web_address_is_decoded() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\ntitle = \"T\"\nauthors = [\"A\"]\nlanguage = \"en\"\n[contents]\nchapters = [\"a.md\"]\n",
        )
        .expect("write");
        std::fs::create_dir_all(dir.path().join("my pics")).expect("mkdir");
        std::fs::write(
            dir.path().join("my pics/a b.svg"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("a.md"),
            "# A\n\n![Square](my%20pics/a%20b.svg)\n\n![Again](my%20pics/a%20b.svg)\n",
        )
        .expect("write");
        let loaded = load_book(dir.path());
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        assert_eq!(loaded.book.expect("book").images.len(), 1);
        std::fs::write(dir.path().join("a.md"), "# A\n\n![Out](%2e%2e/x.svg)\n").expect("write");
        assert!(load_book(dir.path()).has_errors());
    }

    /// A picture written into the text as a `data:` address is the book's own; one on the
    /// web is not fetched, and its description stands in its place (the book still builds).
    #[test]
    fn pictures_in_the_text_and_on_the_web() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\ntitle = \"T\"\nauthors = [\"A\"]\nlanguage = \"en\"\n[contents]\nchapters = [\"a.md\"]\n",
        )
        .expect("write");
        // A 1x1 PNG.
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
        std::fs::write(
            dir.path().join("a.md"),
            format!("# A\n\n[![Build passing](https://img.example.com/b.svg)](https://ci.example.com) now.\n\n![Dot](data:image/png;base64,{png})\n\n![Same](data:image/png;base64,{png})\n\nAn <img src=\"https://img.example.com/c.png\" alt=\"HTML badge\"> here.\n\n<p align=\"center\"><img src=\"https://img.example.com/d.png\" alt=\"Centred badge\"></p>\n"),
        )
        .expect("write");
        let loaded = load_book(dir.path());
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        assert!(
            loaded
                .diagnostics
                .iter()
                .any(|d| d.message.contains("is on the web")),
            "{:?}",
            loaded.diagnostics
        );
        let book = loaded.book.expect("book");
        assert_eq!(book.images.len(), 1);
        assert!(
            book.images[0].path.starts_with("inline-"),
            "{}",
            book.images[0].path
        );
        let text = format!("{:?}", book.chapters().next().expect("chapter").blocks);
        assert!(text.contains("Build passing"), "{text}");
        assert!(text.contains("HTML badge"), "{text}");
        assert!(text.contains("Centred badge"), "{text}");
        std::fs::write(
            dir.path().join("a.md"),
            "# A\n\n![Bad](data:image/png;base64,!!)\n",
        )
        .expect("write");
        assert!(load_book(dir.path()).has_errors());
    }

    /// A link to a heading's slug in another file (`#beta-section`), as Pandoc reading the
    /// files as one finds it, goes to that heading, as a `{#id}` always did; the first in
    /// reading order when two files have it.
    #[test]
    fn a_heading_slug_is_found_in_another_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\ntitle = \"T\"\nauthors = [\"A\"]\nlanguage = \"en\"\n[contents]\nchapters = [\"a.md\", \"b.md\", \"c.md\"]\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("a.md"),
            "# Alpha\n\nSee [the section](#beta-section), [Beta](#beta) and [custom](#cust).\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("b.md"),
            "# Beta\n\n## Beta section\n\nText.\n\n## Other {#cust}\n\nText.\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("c.md"),
            "# Gamma\n\n## Beta section\n\nText.\n",
        )
        .expect("write");
        let loaded = load_book(dir.path());
        let nowhere: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("goes nowhere"))
            .collect();
        assert!(nowhere.is_empty(), "{nowhere:?}");
        let book = loaded.book.expect("book");
        let mut urls = Vec::new();
        for block in &book.body[0].blocks {
            if let BlockKind::Paragraph(inlines) = &block.kind {
                for inline in inlines {
                    if let InlineKind::Link { url, .. } = &inline.kind {
                        urls.push(url.clone());
                    }
                }
            }
        }
        let second = &book.body[1];
        let heading_ids: Vec<String> = second
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::Heading { id, .. } => Some(format!("#{id}")),
                _ => None,
            })
            .collect();
        assert_eq!(
            urls,
            [
                heading_ids[0].clone(),
                format!("#{}", second.id),
                heading_ids[1].clone()
            ]
        );
    }

    #[test]
    fn each_hash_heading_of_a_file_starts_a_chapter() {
        let loaded = load_one_file(
            "An epigraph.\n\n# First\n\nOne.[^s] [Down](#a-part), [on](#second).\n\n\
             # Second\n\nTwo.[^t] Again.[^s]\n\n> # Quoted\n\n- # Listed\n\n## A part\n\n\
             Epilogue\n========\n\nThree.[^n]\n\n[^s]: Shared.\n[^t]: Own.\n[^n]: Then [^t].\n",
        );
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        let warnings: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("goes nowhere"))
            .collect();
        assert!(warnings.is_empty(), "{warnings:?}");
        let book = loaded.book.expect("book");
        let titles: Vec<_> = book.body.iter().map(|c| c.title_text.clone()).collect();
        assert_eq!(
            titles,
            [
                Some("First"),
                Some("Second"),
                Some("Epilogue"),
                Some("Last")
            ]
            .map(|t| t.map(String::from))
        );
        let ids: Vec<_> = book.body.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["chapter-1", "chapter-1_2", "chapter-1_3", "chapter-2"]
        );
        assert_eq!(book.body[2].kind, ChapterKind::Epilogue);
        // The epigraph stays with the first chapter; the quoted and listed `#` headings
        // are headings of the second.
        assert!(matches!(
            book.body[0].blocks[0].kind,
            BlockKind::Paragraph(_)
        ));
        let headings = |c: &Chapter| {
            c.blocks
                .iter()
                .filter(|b| matches!(b.kind, BlockKind::Heading { .. }))
                .count()
        };
        assert_eq!(headings(&book.body[1]), 1, "{:?}", book.body[1].blocks);
        assert_eq!(book.body[1].blocks.len(), 4);
        // Each chapter has the notes it refers to, numbered from 1, with its own ids.
        let notes = |c: &Chapter| {
            c.footnotes
                .iter()
                .map(|n| (n.label.clone(), n.number, n.id.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            notes(&book.body[0]),
            [("s".into(), 1, "chapter-1-note-1".into())]
        );
        assert_eq!(
            notes(&book.body[1]),
            [
                ("t".into(), 1, "chapter-1_2-note-1".into()),
                ("s".into(), 2, "chapter-1_2-note-2".into())
            ]
        );
        // A note's note comes along, after it.
        assert_eq!(
            notes(&book.body[2]),
            [
                ("n".into(), 1, "chapter-1_3-note-1".into()),
                ("t".into(), 2, "chapter-1_3-note-2".into())
            ]
        );
        let refs = |c: &Chapter| {
            let mut found = Vec::new();
            let mut chapter = c.clone();
            for block in chapter.blocks.iter_mut().chain(
                chapter
                    .footnotes
                    .iter_mut()
                    .flat_map(|n| n.blocks.iter_mut()),
            ) {
                block.inline_runs_mut(&mut |inlines| {
                    for inline in inlines.iter() {
                        if let InlineKind::FootnoteRef(id) = &inline.kind {
                            found.push(id.0);
                        }
                    }
                });
            }
            found
        };
        assert_eq!(refs(&book.body[1]), [0, 1]);
        assert_eq!(refs(&book.body[2]), [0, 1]);
        // Links find headings and chapters in the file's other chapters.
        let links = |c: &Chapter| {
            let mut found = Vec::new();
            let mut chapter = c.clone();
            for block in &mut chapter.blocks {
                block.inline_runs_mut(&mut |inlines| {
                    for inline in inlines.iter() {
                        if let InlineKind::Link { url, .. } = &inline.kind {
                            found.push(url.clone());
                        }
                    }
                });
            }
            found
        };
        assert_eq!(links(&book.body[0]), ["#chapter-1-a-part", "#chapter-1_2"]);
        assert_eq!(links(&book.body[3]), ["#chapter-1_2", "#chapter-1-a-part"]);
    }

    #[test]
    fn a_file_titled_with_the_books_title_holds_its_chapters() {
        let loaded = load_one_file(
            "# T\n\n## Alpha {#alpha}\n\nOne.\n\n### Inside\n\nTwo.\n\n> ## Quoted\n\n\
             ## Beta\n\nThree, [back](#alpha).\n",
        );
        let book = loaded.book.expect("book");
        let titles: Vec<_> = book.body.iter().map(|c| c.title_text.clone()).collect();
        assert_eq!(
            titles,
            [Some("Alpha"), Some("Beta"), Some("Last")].map(|t| t.map(String::from))
        );
        assert_eq!(book.body[0].id, "chapter-1");
        assert_eq!(book.body[1].id, "chapter-1_2");
        assert!(matches!(
            book.body[0].blocks[1].kind,
            BlockKind::Heading { level: 2, .. }
        ));
        // The heading's own id names its chapter now.
        let warnings: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("#alpha"))
            .collect();
        assert!(warnings.is_empty(), "{warnings:?}");
        // Another title, or one `##`: the file is one chapter as written.
        let one = load_one_file("# Other\n\n## A\n\nx\n\n## B\n\ny\n")
            .book
            .expect("book");
        assert_eq!(one.body.len(), 2);
        let one = load_one_file("# T\n\n## A\n\nx\n").book.expect("book");
        assert_eq!(one.body[0].title_text.as_deref(), Some("T"));
    }

    #[test]
    fn a_file_with_one_hash_heading_is_one_chapter() {
        let loaded = load_one_file("# Only\n\nText.\n\n## Part\n\nMore.\n");
        let book = loaded.book.expect("book");
        assert_eq!(book.body.len(), 2);
        assert_eq!(book.body[0].id, "chapter-1");
        assert_eq!(book.body[1].id, "chapter-2");
    }

    #[test]
    fn lengths_and_trims() {
        assert_eq!(parse_length("11.5pt"), Some(Length(11.5)));
        assert_eq!(parse_length("4in"), Some(Length(288.0)));
        assert!(parse_length("4").is_none());
        assert!(parse_length("4furlongs").is_none());
        let t = parse_trim("5.5x8.5in").expect("trim");
        assert_eq!((t.width.0, t.height.0), (396.0, 612.0));
        let a5 = parse_trim("A5").expect("a5");
        assert!((a5.width.0 - 419.53).abs() < 0.01);
        assert!(parse_trim("big").is_none());
    }
}
