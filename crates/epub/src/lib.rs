//! The EPUB 3 backend: writes a [`Book`] as a valid, accessible, reproducible EPUB 3.3.
//!
//! ```text
//! Markdown + book.toml --> [markdown] --> Book (model) --> [epub] (this crate) --> .epub
//! ```
//!
//! The crate only reads the model and returns bytes: no file system, no clock. The caller
//! computes the `dcterms:modified` timestamp (see [`modified_timestamp`]) and reads the fonts
//! to embed. Building the same book twice gives the same bytes.
//!
//! Stages, one module each: `plan` (file names and ids), `images` (copy or re-encode),
//! `xhtml` (chapters, cover, title and copyright pages), `nav` (navigation document and NCX),
//! `css` (the style sheet), `package` (the OPF), `container` (the ZIP).
//!
//! ```
//! use quire_epub::{EpubOptions, write_epub};
//! use quire_model::{Book, Metadata};
//!
//! let book = Book::new(Metadata::new("A Title", "en"));
//! let options = EpubOptions {
//!     modified: quire_epub::modified_timestamp(Some(1_767_225_600), None),
//!     ..EpubOptions::default()
//! };
//! let output = write_epub(&book, &options).unwrap();
//! assert!(output.bytes.starts_with(b"PK\x03\x04"));
//! // no cover: a warning, not an error
//! assert!(output.diagnostics.iter().any(|d| d.message.contains("no cover")));
//! ```

mod container;
mod css;
mod date;
mod escape;
mod images;
mod kobo;
mod language_check;
mod nav;
mod package;
mod plan;
mod script;
mod subset;
mod xhtml;

use std::collections::{BTreeMap, HashSet};

use quire_model::{BlockKind, Book, Diagnostic, ImageFormat, ImageId};

pub use date::modified_timestamp;

use container::Entry;
use escape::{Ids, is_language_tag, safe_name};
use package::{Accessibility, Item, PackageInput};
use plan::{COPYRIGHT_FILE, COVER_FILE, COVER_IMAGE_STEM, TITLE_FILE};
use xhtml::{ChapterWriter, DocContext, ImageHrefs};

/// Options the caller decides (no I/O, no clock in the library).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpubOptions {
    /// `dcterms:modified`, as `YYYY-MM-DDThh:mm:ssZ`: from `SOURCE_DATE_EPOCH` or the book's
    /// date, computed by the caller with [`modified_timestamp`]. Also the date of every ZIP
    /// entry (from 1980 on).
    pub modified: String,
    /// Fonts to embed; only used when `book.settings.epub.embed_fonts` is on.
    pub fonts: Vec<EmbeddedFont>,
    /// The print edition's page numbers, for page-break markers and a page list.
    pub page_list: Option<PageList>,
    /// Kobo's markup (`--target kobo`): every sentence in a `koboSpan`, which Kobo's
    /// readers use for reading position, highlights and reading statistics.
    pub kobo_spans: bool,
}

impl Default for EpubOptions {
    /// No fonts, no page list, modified `2000-01-01T00:00:00Z`.
    fn default() -> Self {
        EpubOptions {
            modified: modified_timestamp(None, None),
            fonts: Vec::new(),
            page_list: None,
            kobo_spans: false,
        }
    }
}

/// Where the pages of a print edition begin, so readers can follow a print citation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageList {
    /// The print edition (`urn:isbn:...`), written as `dc:source`.
    pub source: String,
    /// Pages in order.
    pub pages: Vec<PageMark>,
}

/// Where one printed page begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMark {
    /// The page number as printed ("vii", "12").
    pub label: String,
    /// Index of the chapter in reading order (`Book::chapters()`).
    pub chapter: usize,
    /// The paragraph (by the byte its span starts at) the page begins in; `None` for the
    /// chapter's start.
    pub block_start: Option<u32>,
    /// Characters of the paragraph's plain text before the page begins.
    pub char_offset: usize,
}

/// A font file to embed, as read from the book's `fonts/` folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedFont {
    /// The file name (`EBGaramond12-Regular.otf`); its extension gives the media type.
    pub file_name: String,
    /// The font file's bytes.
    pub data: Vec<u8>,
    /// The family name used in CSS (`EB Garamond`).
    pub family: String,
    /// True for an italic face.
    pub italic: bool,
    /// True for a bold face.
    pub bold: bool,
}

/// The finished EPUB and what was noticed on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpubOutput {
    /// The `.epub` file's bytes.
    pub bytes: Vec<u8>,
    /// Warnings such as "no cover"; never errors (those are [`EpubError`]s).
    pub diagnostics: Vec<Diagnostic>,
}

/// Why no EPUB could be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpubError {
    /// An image could not be decoded or re-encoded (broken, or beyond the decode limits).
    #[error("cannot put image `{path}` into the EPUB: {message}")]
    Image {
        /// The image's path in the book folder.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The ZIP container could not be written.
    #[error("cannot write the EPUB container: {0}")]
    Archive(String),
}

/// Where the figures' images went, relative to `text/`.
struct FigureSrcs(BTreeMap<ImageId, String>);

impl ImageHrefs for FigureSrcs {
    fn figure_src(&self, id: ImageId) -> Option<String> {
        self.0.get(&id).cloned()
    }
}

/// The unique identifier: the ebook ISBN as `urn:isbn:`, else the book's identifier, else a
/// UUID derived from the metadata.
fn identifier(book: &Book, diagnostics: &mut Vec<Diagnostic>) -> String {
    let m = &book.metadata;
    if let Some(isbn) = m.isbn.ebook.as_deref().filter(|s| !s.trim().is_empty()) {
        if let Some(digits) = quire_model::isbn13_digits(isbn) {
            return format!("urn:isbn:{digits}");
        }
        diagnostics.push(
            Diagnostic::warning(
                None,
                format!(
                    "ebook ISBN `{isbn}` is not a valid ISBN; the EPUB uses the book's identifier"
                ),
            )
            .with_hint("check the digits of `ebook` in [book.isbn]"),
        );
    }
    let given = m.identifier.trim();
    if !given.is_empty() {
        return given.to_string();
    }
    let mut key = String::from("quire-book\u{1f}");
    key.push_str(&m.title);
    for a in &m.authors {
        key.push('\u{1f}');
        key.push_str(&a.name);
    }
    key.push('\u{1f}');
    key.push_str(&m.language);
    let uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key.as_bytes());
    format!("urn:uuid:{uuid}")
}

/// The media type of a font file, by its extension.
fn font_media_type(file_name: &str) -> Option<(&'static str, &'static str)> {
    let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "otf" => ("otf", "font/otf"),
        "ttf" => ("ttf", "font/ttf"),
        "woff" => ("woff", "font/woff"),
        "woff2" => ("woff2", "font/woff2"),
        _ => return None,
    })
}

fn image_ext(format: ImageFormat) -> &'static str {
    format.extension()
}

/// Counts what the accessibility metadata reports.
fn accessibility(book: &Book, has_cover: bool, lang_ok: bool, title_ok: bool) -> Accessibility {
    let mut a = Accessibility {
        images: usize::from(has_cover),
        metadata_complete: lang_ok && title_ok,
        ..Accessibility::default()
    };
    for chapter in book.chapters() {
        a.footnotes += chapter.footnotes.len();
        plan::walk_chapter(chapter, &mut |block, _| match &block.kind {
            BlockKind::Figure(f) if book.image(f.image).is_some() => {
                a.images += 1;
                if f.alt.trim().is_empty() {
                    a.images_without_alt += 1;
                }
            }
            BlockKind::Table(t) => {
                a.tables += 1;
                if t.head.is_empty() {
                    a.tables_without_head += 1;
                }
            }
            _ => {}
        });
    }
    a
}

/// Writes `book` as an EPUB 3.3.
///
/// Problems the author should fix but that do not stop the build (no cover, a dropped
/// link, an invalid date) come back as warnings in [`EpubOutput::diagnostics`]. Only images
/// that cannot be decoded and container failures are errors.
pub fn write_epub(book: &Book, options: &EpubOptions) -> Result<EpubOutput, EpubError> {
    let mut diagnostics = Vec::new();
    let m = &book.metadata;

    let lang_ok = is_language_tag(m.language.trim());
    let lang = if lang_ok {
        m.language.trim().to_string()
    } else {
        diagnostics.push(
            Diagnostic::warning(
                None,
                format!(
                    "language `{}` is not a language tag; the EPUB says `und`",
                    m.language
                ),
            )
            .with_hint("set `language` in book.toml to a BCP 47 tag such as `en` or `en-GB`"),
        );
        "und".to_string()
    };
    let title_ok = !m.title.trim().is_empty();
    let title = if title_ok {
        m.title.trim().to_string()
    } else {
        diagnostics.push(
            Diagnostic::warning(None, "the book has no title; the EPUB says `Untitled`")
                .with_hint("set `title` in book.toml"),
        );
        "Untitled".to_string()
    };
    let identifier = identifier(book, &mut diagnostics);
    let modified = if date::is_timestamp(&options.modified) {
        options.modified.clone()
    } else {
        let fallback = modified_timestamp(None, m.date.as_deref());
        diagnostics.push(Diagnostic::warning(
            None,
            format!(
                "modified time `{}` is not YYYY-MM-DDThh:mm:ssZ; using {fallback}",
                options.modified
            ),
        ));
        fallback
    };

    let mut ids = Ids::default();
    let plan = plan::plan(book, &mut ids);

    let mut items: Vec<Item> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut resources: Vec<(Item, Entry)> = Vec::new();

    // Images.
    let cover = match book.cover() {
        Some(asset) => {
            let cover = images::cover_image(asset)?;
            if cover.width < 1000 || cover.height < 1600 {
                diagnostics.push(
                    Diagnostic::warning(
                        None,
                        format!(
                            "the cover is only {} x {} pixels; stores may refuse it",
                            cover.width, cover.height
                        ),
                    )
                    .with_hint("use a cover image of 1600 x 2560 pixels"),
                );
            }
            Some(cover)
        }
        None => {
            diagnostics.push(
                Diagnostic::warning(None, "the book has no cover image")
                    .with_hint("add `cover = \"cover/front.jpg\"` to [book] in book.toml, or put the image in `cover/`")
                    .with_hint("stores want a JPEG of 1600 x 2560 pixels"),
            );
            None
        }
    };
    let cover_href = cover
        .as_ref()
        .map(|c| format!("images/{COVER_IMAGE_STEM}.{}", image_ext(c.format)));
    if let (Some(c), Some(href)) = (cover, &cover_href) {
        resources.push((
            Item {
                id: "cover-image".into(),
                href: href.clone(),
                media_type: c.format.media_type().into(),
                properties: Some("cover-image"),
                in_spine: false,
            },
            Entry {
                path: href.clone(),
                data: c.data,
                deflate: false,
            },
        ));
    }
    let mut srcs = BTreeMap::new();
    for (n, (id, stem)) in plan.figure_images.iter().enumerate() {
        let Some(asset) = book.image(*id) else {
            continue;
        };
        let out = images::figure_image(asset)?;
        let href = format!("images/{stem}.{}", image_ext(out.format));
        srcs.insert(*id, format!("../{href}"));
        resources.push((
            Item {
                id: format!("img-{}", n + 1),
                href: href.clone(),
                media_type: out.format.media_type().into(),
                properties: None,
                in_spine: false,
            },
            Entry {
                path: href,
                // SVG is text and compresses; raster formats are compressed already.
                deflate: out.format == ImageFormat::Svg,
                data: out.data,
            },
        ));
    }
    let srcs = FigureSrcs(srcs);

    // Fonts.
    let mut font_hrefs: Vec<(&EmbeddedFont, String)> = Vec::new();
    if book.settings.epub.embed_fonts {
        if options.fonts.is_empty() {
            diagnostics.push(
                Diagnostic::warning(None, "`embed-fonts` is on but there are no fonts to embed")
                    .with_hint("put .otf or .ttf files in the book's `fonts/` folder"),
            );
        }
        let mut names = HashSet::new();
        for (n, font) in options.fonts.iter().enumerate() {
            let Some((ext, media_type)) = font_media_type(&font.file_name) else {
                diagnostics.push(Diagnostic::warning(
                    None,
                    format!(
                        "font `{}` left out: not an .otf, .ttf, .woff or .woff2 file",
                        font.file_name
                    ),
                ));
                continue;
            };
            let stem = font.file_name.rsplit_once('.').map_or("", |(s, _)| s);
            let stem = safe_name(stem, "font");
            let mut name = format!("{stem}.{ext}");
            let mut k = 2;
            while !names.insert(name.clone()) {
                name = format!("{stem}-{k}.{ext}");
                k += 1;
            }
            let href = format!("fonts/{name}");
            font_hrefs.push((font, format!("../{href}")));
            resources.push((
                Item {
                    id: format!("font-{}", n + 1),
                    href: href.clone(),
                    media_type: media_type.into(),
                    properties: None,
                    in_spine: false,
                },
                Entry {
                    path: href,
                    data: font.data.clone(),
                    deflate: true,
                },
            ));
        }
    }

    // Content documents, in reading order.
    let english = lang.to_ascii_lowercase().starts_with("en");
    let text_ctx = DocContext {
        lang: &lang,
        english,
        css: "../styles/book.css",
        labels: quire_model::Labels::of(&lang),
    };
    let mut doc = |id: &str, path: String, properties: Option<&'static str>, xhtml: String| {
        // The navigation document stays as it is: Kobo's readers do not page through it.
        let xhtml = if options.kobo_spans && properties != Some("nav") {
            kobo::add_kobo_spans(&xhtml)
        } else {
            xhtml
        };
        items.push(Item {
            id: id.to_string(),
            href: path.clone(),
            media_type: "application/xhtml+xml".into(),
            properties,
            in_spine: true,
        });
        entries.push(Entry {
            path,
            data: xhtml.into_bytes(),
            deflate: true,
        });
    };
    if let Some(href) = &cover_href {
        let page = xhtml::cover_page(&text_ctx, book, &format!("../{href}"));
        doc("cover", format!("text/{COVER_FILE}"), None, page);
    }
    doc(
        "titlepage",
        format!("text/{TITLE_FILE}"),
        None,
        xhtml::title_page(&text_ctx, book, &title),
    );
    doc(
        "copyright",
        format!("text/{COPYRIGHT_FILE}"),
        None,
        xhtml::copyright_page(&text_ctx, book, &title),
    );
    let nav_ctx = DocContext {
        css: "styles/book.css",
        ..text_ctx
    };
    doc(
        "nav",
        "nav.xhtml".into(),
        Some("nav"),
        nav::nav_document(
            &nav_ctx,
            &plan,
            &title,
            cover_href.is_some(),
            options.page_list.as_ref(),
        ),
    );
    for (index, cp) in plan.chapters.iter().enumerate() {
        let marks: Vec<&PageMark> = options
            .page_list
            .iter()
            .flat_map(|l| &l.pages)
            .filter(|m| m.chapter == index)
            .collect();
        let xhtml = ChapterWriter::new(&plan, cp, &mut ids, &srcs, &mut diagnostics)
            .with_page_marks(&marks)
            .with_language(&lang)
            .write(&text_ctx);
        doc(&cp.item_id, format!("text/{}", cp.file), None, xhtml);
    }

    // The rest of the manifest.
    items.push(Item {
        id: "ncx".into(),
        href: "toc.ncx".into(),
        media_type: "application/x-dtbncx+xml".into(),
        properties: None,
        in_spine: false,
    });
    items.push(Item {
        id: "css".into(),
        href: "styles/book.css".into(),
        media_type: "text/css".into(),
        properties: None,
        in_spine: false,
    });
    let ncx = nav::ncx(
        &plan,
        &lang,
        &title,
        &identifier,
        options.page_list.as_ref(),
    );
    // Bold faces no text is set in (no strong, b or table header) are left out.
    let bold_used = entries
        .iter()
        .filter(|e| e.path.ends_with(".xhtml"))
        .any(|e| {
            let text = String::from_utf8_lossy(&e.data);
            ["<strong", "<b>", "<b ", "<thead"]
                .iter()
                .any(|tag| text.contains(tag))
        });
    if !bold_used {
        font_hrefs.retain(|(font, _)| !font.bold);
        resources.retain(|(item, _)| {
            let font = item
                .id
                .strip_prefix("font-")
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| options.fonts.get(n));
            !font.is_some_and(|f| f.bold)
        });
    }
    let css = css::style_sheet(&font_hrefs);
    let mut tail = vec![
        Entry {
            path: "toc.ncx".into(),
            data: ncx.into_bytes(),
            deflate: true,
        },
        Entry {
            path: "styles/book.css".into(),
            data: css.into_bytes(),
            deflate: true,
        },
    ];
    // Embedded fonts are cut to the characters of the finished documents and style sheet
    // (read only when there is a font to cut).
    let mut used = None;
    for (item, mut entry) in resources {
        if item.id.starts_with("font-") {
            let used = used.get_or_insert_with(|| {
                subset::characters(
                    entries
                        .iter()
                        .chain(&tail)
                        .filter(|e| e.path.ends_with(".xhtml") || e.path.ends_with(".css"))
                        .map(|e| e.data.as_slice()),
                )
            });
            match subset::subset_font(&entry.data, used) {
                Ok(cut) => entry.data = cut,
                Err(why) => diagnostics.push(
                    Diagnostic::warning(
                        None,
                        format!("font `{}` embedded whole: {why}", item.href),
                    )
                    .with_hint(
                        "the whole font makes the EPUB larger, which some stores charge for",
                    ),
                ),
            }
        }
        items.push(item);
        tail.push(entry);
    }

    let mut a11y = accessibility(book, cover_href.is_some(), lang_ok, title_ok);
    // Language of parts: read back from the finished documents.
    let mut untagged = Vec::new();
    for entry in entries.iter().filter(|e| e.path.ends_with(".xhtml")) {
        let words = language_check::untagged_words(&String::from_utf8_lossy(&entry.data), &lang);
        if let Some(first) = words.first() {
            untagged.push((entry.path.clone(), words.len(), first.clone()));
        }
    }
    a11y.untagged_words = untagged.iter().map(|(_, n, _)| n).sum();
    if let Some((path, _, first)) = untagged.first() {
        diagnostics.push(
            Diagnostic::warning(
                None,
                format!(
                    "{} word(s) in another script carry no language (first: `{}`, {} script, in {path}): screen readers read them in the book's voice, and the EPUB claims no WCAG conformance",
                    a11y.untagged_words,
                    first.word,
                    first.script.name()
                ),
            )
            .with_hint(format!(
                "mark them with their language: <span lang=\"{}\">{}</span>",
                first.script.example_tag(),
                first.word
            )),
        );
    }
    a11y.page_source = options
        .page_list
        .as_ref()
        .filter(|l| !l.pages.is_empty())
        .map(|l| l.source.clone());
    let opf = package::package_document(
        book,
        &PackageInput {
            identifier: &identifier,
            lang: &lang,
            title: &title,
            modified: &modified,
            items: &items,
            cover_image_id: cover_href.as_ref().map(|_| "cover-image"),
            fonts_embedded: !font_hrefs.is_empty(),
            a11y: &a11y,
        },
        &mut diagnostics,
    );

    let mut all = Vec::with_capacity(entries.len() + tail.len() + 1);
    all.push(Entry {
        path: "content.opf".into(),
        data: opf.into_bytes(),
        deflate: true,
    });
    all.append(&mut entries);
    all.append(&mut tail);
    let bytes = container::write_container(&all, &modified)?;
    Ok(EpubOutput { bytes, diagnostics })
}
