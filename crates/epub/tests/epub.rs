//! End-to-end tests of the EPUB writer on hand-built books: EPUBCheck, reproducibility,
//! safety, structure.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Cursor;

use image::{DynamicImage, ImageBuffer, Rgb, Rgba};
use quire_epub::{EmbeddedFont, EpubOptions, write_epub};
use quire_model::{
    Alignment, Author, BlockKind, Book, Chapter, ChapterKind, Division, Figure, Footnote,
    FootnoteId, ImageAsset, ImageFormat, ImageId, InlineKind, Isbn, List, ListItem, Metadata,
    Table, TableCell, VerseLine,
};
use support::*;

fn encode(img: &DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut data = Vec::new();
    img.write_to(&mut Cursor::new(&mut data), format).unwrap();
    data
}

fn png_line_art() -> ImageAsset {
    let img = ImageBuffer::from_fn(120, 80, |x, y| {
        if (x / 10 + y / 10) % 2 == 0 {
            Rgba([0u8, 0, 0, 255])
        } else {
            Rgba([255, 255, 255, 0])
        }
    });
    let img = DynamicImage::ImageRgba8(img);
    ImageAsset {
        path: "images/line art.png".into(),
        data: encode(&img, image::ImageFormat::Png),
        format: ImageFormat::Png,
        width: 120,
        height: 80,
    }
}

fn jpeg_photo(w: u32, h: u32, path: &str) -> ImageAsset {
    let img = ImageBuffer::from_fn(w, h, |x, y| {
        Rgb([
            (x * 7 % 256) as u8,
            (y * 3 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let img = DynamicImage::ImageRgb8(img);
    ImageAsset {
        path: path.into(),
        data: encode(&img, image::ImageFormat::Jpeg),
        format: ImageFormat::Jpeg,
        width: w,
        height: h,
    }
}

fn cover_png() -> ImageAsset {
    // Wider than the store size: must come out as a 1600 px wide JPEG.
    let img = ImageBuffer::from_fn(1700, 60, |x, _| Rgb([(x % 256) as u8, 40, 90]));
    let img = DynamicImage::ImageRgb8(img);
    ImageAsset {
        path: "cover/front.png".into(),
        data: encode(&img, image::ImageFormat::Png),
        format: ImageFormat::Png,
        width: 1700,
        height: 60,
    }
}

fn chapter(id: &str, division: Division, kind: ChapterKind, title: Option<&str>) -> Chapter {
    Chapter {
        division,
        kind,
        id: id.into(),
        title: title.map(|t| vec![text(t)]),
        title_text: title.map(str::to_string),
        ..Chapter::default()
    }
}

/// A book with everything the writer handles.
fn sample_book() -> Book {
    let mut meta = Metadata::new("The <Test> & “Book”", "en-GB");
    meta.subtitle = Some("A Novel of <Escapes>".into());
    meta.authors = vec![
        Author {
            name: "Jane Q. Author".into(),
            file_as: "Author, Jane Q.".into(),
            role: "aut".into(),
        },
        Author {
            name: "Tom Translator".into(),
            file_as: "Translator, Tom".into(),
            role: "trl".into(),
        },
    ];
    meta.identifier = "urn:uuid:0f1e2d3c-4b5a-5968-8776-a5b4c3d2e1f0".into();
    meta.isbn = Isbn {
        ebook: Some("978-0-306-40615-7".into()),
        print: Some("978-1-4028-9462-6".into()),
    };
    meta.publisher = Some("Small & Sons".into());
    meta.date = Some("2024-05-01".into());
    meta.rights = Some("© 2024 Jane Q. Author. All rights reserved.".into());
    meta.description = Some("A test book.\n\nWith <b>markup</b> that must stay text.".into());
    meta.subjects = vec!["Fiction".into(), "Testing & Quality".into()];
    meta.cover = Some(ImageId(0));
    let mut book = Book::new(meta);
    book.images = vec![
        cover_png(),
        png_line_art(),
        jpeg_photo(64, 48, "images/photo.jpg"),
        jpeg_photo(4200, 40, "images/wide photo.jpg"),
    ];

    let mut dedication = chapter("dedication", Division::Front, ChapterKind::Dedication, None);
    dedication.blocks = vec![para(vec![text("For the testers.")])];

    let mut ch1 = chapter(
        "chapter-1",
        Division::Body,
        ChapterKind::Chapter,
        Some("Chapter I: <Beginnings>"),
    );
    ch1.blocks = vec![
        para(vec![
            text("It is a truth universally acknowledged"),
            inline(InlineKind::FootnoteRef(FootnoteId(0))),
            text(", that "),
            inline(InlineKind::Emphasis(vec![text("tests")])),
            text(" & <script>alert(1)</script> are text."),
        ]),
        para(vec![
            text("A second reference"),
            inline(InlineKind::FootnoteRef(FootnoteId(0))),
            text(" to the same note, and another"),
            inline(InlineKind::FootnoteRef(FootnoteId(1))),
            text(". A "),
            inline(InlineKind::Link {
                url: "javascript:alert(1)".into(),
                content: vec![text("bad link")],
            }),
            text(", a "),
            inline(InlineKind::Link {
                url: "https://example.com/a b?x=1&y=\"2\"".into(),
                content: vec![
                    text("good link"),
                    inline(InlineKind::FootnoteRef(FootnoteId(1))),
                ],
            }),
            text(", a "),
            inline(InlineKind::Link {
                url: "#chapter-2".into(),
                content: vec![text("chapter link")],
            }),
            text(", a "),
            inline(InlineKind::Link {
                url: "#a-section".into(),
                content: vec![text("section link")],
            }),
            text(" and a "),
            inline(InlineKind::Link {
                url: "#nowhere".into(),
                content: vec![text("dangling link")],
            }),
            text("."),
            inline(InlineKind::LineBreak),
            inline(InlineKind::Strong(vec![text("Strong")])),
            text(" and "),
            inline(InlineKind::Code("<code>".into())),
            text(" <img src=x onerror=alert(1)>"),
        ]),
        block(BlockKind::Heading {
            level: 2,
            id: "a-section".into(),
            content: vec![text("A Section")],
        }),
        para(vec![text("After a heading.")]),
        block(BlockKind::Heading {
            level: 4,
            id: "deep".into(),
            content: vec![text("Skipped a level")],
        }),
        block(BlockKind::SceneBreak),
        para(vec![text("After a scene break.")]),
        block(BlockKind::BlockQuote(vec![
            para(vec![text("Dear Sir,")]),
            para(vec![text("A letter in a block quote.")]),
        ])),
        block(BlockKind::Verse(vec![
            vec![
                VerseLine {
                    indent: 0,
                    content: vec![text("How doth the little crocodile")],
                },
                VerseLine {
                    indent: 4,
                    content: vec![text("Improve his shining tail,")],
                },
            ],
            vec![VerseLine {
                indent: 2,
                content: vec![text("A second stanza")],
            }],
        ])),
        block(BlockKind::List(List {
            start: None,
            terms: false,
            parenthesized: false,
            items: vec![
                ListItem {
                    blocks: vec![para(vec![text("bullet one")])],
                    span: span(),
                },
                ListItem {
                    blocks: vec![
                        para(vec![text("bullet two")]),
                        para(vec![text("two paragraphs")]),
                    ],
                    span: span(),
                },
            ],
        })),
        block(BlockKind::List(List {
            start: Some(3),
            terms: false,
            parenthesized: false,
            items: vec![ListItem {
                blocks: vec![para(vec![text("third")])],
                span: span(),
            }],
        })),
        block(BlockKind::Table(Table {
            caption: Some(vec![text("A caption")]),
            alignments: vec![Alignment::Left, Alignment::Right],
            head: vec![
                TableCell {
                    content: vec![text("Name")],
                    span: span(),
                },
                TableCell {
                    content: vec![text("Value")],
                    span: span(),
                },
            ],
            rows: vec![vec![
                TableCell {
                    content: vec![text("a < b")],
                    span: span(),
                },
                TableCell {
                    content: vec![text("1")],
                    span: span(),
                },
            ]],
        })),
        block(BlockKind::Figure(Figure {
            image: ImageId(1),
            alt: "A chequered pattern".into(),
            caption: Some(vec![text("Line art, kept as PNG")]),
        })),
        block(BlockKind::Figure(Figure {
            image: ImageId(2),
            alt: "A colour gradient \"photo\"".into(),
            caption: None,
        })),
        block(BlockKind::Figure(Figure {
            image: ImageId(3),
            alt: "A very wide photo".into(),
            caption: None,
        })),
        block(BlockKind::CodeBlock {
            language: Some("rust".into()),
            text: "fn main() { println!(\"<&>\"); }".into(),
            caption: None,
            line_numbers: None,
        }),
        block(BlockKind::PageBreak),
    ];
    ch1.footnotes = vec![
        Footnote {
            label: "1".into(),
            number: 1,
            id: "fn-chapter-1-1".into(),
            blocks: vec![para(vec![text("The first note, referenced twice.")])],
            span: span(),
        },
        Footnote {
            label: "n2".into(),
            number: 2,
            id: "fn-chapter-1-2".into(),
            blocks: vec![
                para(vec![text("A note of two paragraphs.")]),
                para(vec![text("The second one.")]),
            ],
            span: span(),
        },
    ];

    let mut ch2 = chapter(
        "chapter-2",
        Division::Body,
        ChapterKind::Chapter,
        Some("Chapter II"),
    );
    ch2.blocks = vec![para(vec![text("“Short,” she said.")])];

    let mut after = chapter(
        "afterword",
        Division::Back,
        ChapterKind::Afterword,
        Some("Afterword"),
    );
    after.blocks = vec![para(vec![text("The end.")])];

    book.front = vec![dedication];
    book.body = vec![ch1, ch2];
    book.back = vec![after];
    book
}

fn options() -> EpubOptions {
    EpubOptions {
        modified: quire_epub::modified_timestamp(Some(1_767_225_600), None),
        ..EpubOptions::default()
    }
}

fn file<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a str {
    let data = &files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} in the EPUB"))
        .1;
    std::str::from_utf8(data).unwrap()
}

/// No script element, no event handler attribute, no `javascript:` link.
fn assert_safe_element(file: &str, e: &quick_xml::events::BytesStart<'_>) {
    let tag = e.local_name().as_ref().to_lowercase();
    assert_ne!(tag, "script", "{file}: script element");
    for attr in e.attributes() {
        let attr = attr.unwrap();
        let key = attr.key.local_name().as_ref().to_lowercase();
        let value = attr.value.to_lowercase();
        assert!(!key.starts_with("on"), "{file}: event handler {key}");
        assert!(
            !value.trim().starts_with("javascript:"),
            "{file}: {key}={value}"
        );
    }
}

/// Every XML file parses with quick-xml (well-formed, all entities known).
fn assert_well_formed(files: &[(String, Vec<u8>)]) {
    for (name, data) in files {
        if !(name.ends_with(".xhtml")
            || name.ends_with(".opf")
            || name.ends_with(".ncx")
            || name.ends_with(".xml"))
        {
            continue;
        }
        let text = std::str::from_utf8(data).unwrap();
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        let mut depth = 0i32;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e)) => {
                    depth += 1;
                    assert_safe_element(name, &e);
                }
                Ok(quick_xml::events::Event::Empty(e)) => assert_safe_element(name, &e),
                Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                Ok(quick_xml::events::Event::GeneralRef(r)) => {
                    let name: &str = &r;
                    assert!(
                        matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                            || name.starts_with('#'),
                        "{name}: unknown entity &{name};"
                    );
                }
                Ok(_) => {}
                Err(e) => panic!("{name} is not well-formed: {e}"),
            }
        }
        assert_eq!(depth, 0, "{name}: unbalanced elements");
    }
}

#[test]
fn full_book_is_valid_reproducible_and_safe() {
    let book = sample_book();
    let first = write_epub(&book, &options()).unwrap();
    let second = write_epub(&book, &options()).unwrap();
    assert_eq!(first.bytes, second.bytes, "two builds differ");
    assert_eq!(first.diagnostics, second.diagnostics);

    let files = entries(&first.bytes);
    assert_eq!(files[0].0, "mimetype");
    assert_eq!(files[0].1, b"application/epub+zip");
    assert_well_formed(&files);
    for (name, data) in &files {
        let lower = String::from_utf8_lossy(data).to_lowercase();
        assert!(!lower.contains("<script"), "{name} has a script element");
    }

    let opf = file(&files, "OEBPS/content.opf");
    assert!(opf.contains("<dc:identifier id=\"pub-id\">urn:isbn:9780306406157</dc:identifier>"));
    assert!(opf.contains("<dc:title id=\"title\">The &lt;Test&gt; &amp; “Book”</dc:title>"));
    assert!(opf.contains("<meta refines=\"#subtitle\" property=\"title-type\">subtitle</meta>"));
    assert!(opf.contains(
        "<meta refines=\"#creator-2\" property=\"role\" scheme=\"marc:relators\">trl</meta>"
    ));
    assert!(
        opf.contains("<meta refines=\"#creator-1\" property=\"file-as\">Author, Jane Q.</meta>")
    );
    assert!(opf.contains("<meta property=\"dcterms:modified\">2026-01-01T00:00:00Z</meta>"));
    assert!(opf.contains("<meta property=\"schema:accessMode\">visual</meta>"));
    assert!(opf.contains("<meta property=\"schema:accessibilityFeature\">alternativeText</meta>"));
    assert!(opf.contains(
        "<meta property=\"dcterms:conformsTo\">EPUB Accessibility 1.1 - WCAG 2.2 Level AA</meta>"
    ));
    assert!(opf.contains("properties=\"cover-image\""));
    assert!(!opf.contains("pageBreakMarkers"));

    let ch1 = file(&files, "OEBPS/text/chapter-1.xhtml");
    assert!(ch1.contains("xml:lang=\"en-GB\" lang=\"en-GB\""));
    assert!(ch1.contains("<body epub:type=\"bodymatter\">"));
    assert!(ch1.contains("epub:type=\"chapter\" role=\"doc-chapter\""));
    assert!(ch1.contains("<span class=\"lead\">It is a</span> truth"));
    assert!(ch1.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // both references to note 1 link to it; the back link goes to the first
    assert_eq!(ch1.matches("href=\"#fn-chapter-1-1\"").count(), 2);
    assert!(ch1.contains(
        "<a href=\"#fn-chapter-1-1-ref\" class=\"backlink\" role=\"doc-backlink\">1.</a>"
    ));
    assert!(
        ch1.contains("<aside id=\"fn-chapter-1-1\" epub:type=\"footnote\" role=\"doc-footnote\">")
    );
    // the note reference inside a link is moved after it
    assert!(ch1.contains("good link</a><a href=\"#fn-chapter-1-2\""));
    assert!(ch1.contains("href=\"https://example.com/a%20b?x=1&amp;y=%222%22\""));
    assert!(ch1.contains("<a href=\"chapter-2.xhtml\">chapter link</a>"));
    assert!(ch1.contains("<a href=\"#a-section\">section link</a>"));
    assert!(ch1.contains(" bad link, "));
    assert!(ch1.contains(" dangling link."));
    assert!(
        ch1.contains("<h3 id=\"deep\">"),
        "an h4 after an h2 becomes h3"
    );
    assert!(ch1.contains("<hr class=\"scene\"/>\n<p class=\"first\">After a scene break.</p>"));
    assert!(ch1.contains("<ol start=\"3\">"));
    assert!(ch1.contains("<th scope=\"col\" class=\"right\">Value</th>"));
    assert!(ch1.contains("<figcaption>Line art, kept as PNG</figcaption>"));
    assert!(ch1.contains("src=\"../images/line-art.png\""));
    assert!(ch1.contains("<span class=\"line\" style=\"padding-left: 4em\">Improve"));

    let nav = file(&files, "OEBPS/nav.xhtml");
    assert!(nav.contains("epub:type=\"cover\" href=\"text/cover.xhtml\""));
    assert!(nav.contains("epub:type=\"bodymatter\" href=\"text/chapter-1.xhtml\""));
    assert!(nav.contains("<a href=\"text/chapter-1.xhtml#a-section\">A Section</a>"));
    assert!(nav.contains("<a href=\"text/dedication.xhtml\">Dedication</a>"));

    // images: cover re-encoded to a 1600 px JPEG, the wide photo scaled to 2048 px
    let cover = &files
        .iter()
        .find(|(n, _)| n == "OEBPS/images/cover.jpg")
        .unwrap()
        .1;
    let img = image::load_from_memory(cover).unwrap();
    assert_eq!(img.width(), 1600);
    let wide = &files
        .iter()
        .find(|(n, _)| n == "OEBPS/images/wide-photo.jpg")
        .unwrap()
        .1;
    assert_eq!(image::load_from_memory(wide).unwrap().width(), 2048);
    let photo = &files
        .iter()
        .find(|(n, _)| n == "OEBPS/images/photo.jpg")
        .unwrap()
        .1;
    assert_eq!(photo, &book.images[2].data, "a small JPEG is copied as is");

    // warnings: the two dropped links and the small cover
    let messages: Vec<&str> = first
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("not an http(s) or mailto")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("`#nowhere`")),
        "{messages:?}"
    );
    assert!(first.diagnostics.iter().all(|d| !d.is_error()));

    assert_epubcheck_clean(&first.bytes, "full-book");
}

#[test]
fn minimal_book_builds_with_a_cover_warning() {
    let book = Book::new(Metadata::new("Bare", "fr"));
    let out = write_epub(&book, &EpubOptions::default()).unwrap();
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("no cover"))
    );
    let files = entries(&out.bytes);
    assert_well_formed(&files);
    let opf = file(&files, "OEBPS/content.opf");
    assert!(
        opf.contains("urn:uuid:"),
        "identifier derived when none is given"
    );
    assert!(opf.contains("<meta property=\"schema:accessibilitySummary\" xml:lang=\"en\">"));
    assert!(!opf.contains("visual"));
    assert_epubcheck_clean(&out.bytes, "minimal-book");
}

/// The words Quire writes itself are in the book's language when Quire has them, else in
/// English marked as English.
#[test]
fn generated_words_are_in_the_books_language() {
    let nav = |language: &str| {
        let mut metadata = Metadata::new("Livre", language);
        metadata.first_published = Some("1830".into());
        metadata.date = Some("2025".into());
        metadata.publisher = Some("Éditions Q".into());
        let book = Book::new(metadata);
        let out = write_epub(&book, &EpubOptions::default()).unwrap();
        let files = entries(&out.bytes);
        (
            file(&files, "OEBPS/nav.xhtml").to_string(),
            file(&files, "OEBPS/text/copyright.xhtml").to_string(),
        )
    };
    let (french, copyright) = nav("fr-CA");
    assert!(
        french.contains("<h1 id=\"toc-title\">Table des matières</h1>"),
        "{french}"
    );
    assert!(french.contains(">Repères</h2>"), "{french}");
    assert!(!french.contains("lang=\"en\""), "{french}");
    assert!(
        copyright.contains("Première publication en 1830"),
        "{copyright}"
    );
    assert!(
        copyright.contains("Cette édition publiée par Éditions Q, 2025"),
        "{copyright}"
    );
    let (japanese, _) = nav("ja");
    assert!(japanese.contains(">目次</h1>"), "{japanese}");
    let (finnish, _) = nav("fi");
    assert!(
        finnish.contains("<span lang=\"en\" xml:lang=\"en\">Contents</span>"),
        "{finnish}"
    );
}

#[test]
fn derived_identifier_is_stable() {
    let a = write_epub(
        &Book::new(Metadata::new("Same", "en")),
        &EpubOptions::default(),
    )
    .unwrap();
    let b = write_epub(
        &Book::new(Metadata::new("Same", "en")),
        &EpubOptions::default(),
    )
    .unwrap();
    let c = write_epub(
        &Book::new(Metadata::new("Other", "en")),
        &EpubOptions::default(),
    )
    .unwrap();
    assert_eq!(a.bytes, b.bytes);
    let id = |bytes: &[u8]| {
        let files = entries(bytes);
        let opf = file(&files, "OEBPS/content.opf");
        let start = opf.find("urn:uuid:").unwrap();
        opf[start..start + 45].to_string()
    };
    assert_eq!(id(&a.bytes), id(&b.bytes));
    assert_ne!(id(&a.bytes), id(&c.bytes));
}

#[test]
fn hostile_model_values_do_not_break_the_book() {
    let mut meta = Metadata::new("", "not a language");
    meta.date = Some("yesterday".into());
    meta.authors = vec![Author {
        name: "A\u{0}B".into(),
        file_as: String::new(),
        role: "x\"y".into(),
    }];
    meta.cover = Some(ImageId(99));
    meta.isbn.ebook = Some("123".into());
    let mut book = Book::new(meta);
    let mut ch = chapter("1 <bad> id", Division::Body, ChapterKind::Chapter, Some(""));
    ch.blocks = vec![
        para(vec![
            inline(InlineKind::FootnoteRef(FootnoteId(7))),
            text("\u{1}\u{fffe}x"),
        ]),
        block(BlockKind::Heading {
            level: 0,
            id: "1 2".into(),
            content: vec![],
        }),
        block(BlockKind::Heading {
            level: 200,
            id: "1 2".into(),
            content: vec![text("dup")],
        }),
        block(BlockKind::Figure(Figure {
            image: ImageId(5),
            alt: String::new(),
            caption: None,
        })),
        block(BlockKind::Table(Table {
            caption: None,
            alignments: vec![],
            head: vec![],
            rows: vec![vec![]],
        })),
        block(BlockKind::List(List {
            start: Some(0),
            terms: false,
            parenthesized: false,
            items: vec![],
        })),
        block(BlockKind::Verse(vec![vec![VerseLine {
            indent: u16::MAX,
            content: vec![],
        }]])),
    ];
    ch.footnotes = vec![Footnote {
        label: String::new(),
        number: 1,
        id: String::new(),
        blocks: vec![],
        span: span(),
    }];
    // duplicate chapter ids, one colliding with a generated page
    let mut dup = ch.clone();
    dup.id = "titlepage".into();
    book.body = vec![ch.clone(), ch, dup];
    let out = write_epub(
        &book,
        &EpubOptions {
            modified: "whenever".into(),
            ..EpubOptions::default()
        },
    )
    .unwrap();
    assert!(out.diagnostics.len() >= 5, "{:?}", out.diagnostics);
    let files = entries(&out.bytes);
    assert_well_formed(&files);
    assert_epubcheck_clean(&out.bytes, "hostile-book");
}

#[test]
fn fonts_are_embedded_when_asked_cut_to_the_characters_used() {
    use read_fonts::{FontRef, TableProvider};
    let mut book = sample_book();
    book.settings.epub.embed_fonts = true;
    let font_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fonts");
    let mut fonts = Vec::new();
    let mut originals = Vec::new();
    for (file, italic, bold) in [
        ("EBGaramond-Regular.ttf", false, false),
        ("EBGaramond-Italic.ttf", true, false),
        ("EBGaramond-Bold.ttf", false, true),
        ("EBGaramond-BoldItalic.ttf", true, true),
        // CFF outlines cannot be cut: embedded whole, with a warning.
        ("EBGaramond12-Regular.otf", false, false),
    ] {
        let data = std::fs::read(format!("{font_dir}/{file}"))
            .unwrap_or_else(|e| panic!("the repository's font {file}: {e}"));
        originals.push((file.to_lowercase(), data.clone()));
        fonts.push(EmbeddedFont {
            file_name: file.into(),
            data,
            family: if file.ends_with(".otf") {
                "EB Garamond 12"
            } else {
                "EB Garamond"
            }
            .into(),
            italic,
            bold,
        });
    }
    let out = write_epub(
        &book,
        &EpubOptions {
            fonts: fonts.clone(),
            ..options()
        },
    )
    .unwrap();
    let files = entries(&out.bytes);
    let opf = file(&files, "OEBPS/content.opf");
    assert!(opf.contains("href=\"fonts/ebgaramond-regular.ttf\" media-type=\"font/ttf\""));
    assert!(opf.contains("href=\"fonts/ebgaramond12-regular.otf\" media-type=\"font/otf\""));
    let css = file(&files, "OEBPS/styles/book.css");
    assert!(css.contains("src: url(\"../fonts/ebgaramond-italic.ttf\")"));
    assert!(css.contains("src: url(\"../fonts/ebgaramond-bolditalic.ttf\")"));
    let warned: Vec<&String> = out
        .diagnostics
        .iter()
        .map(|d| &d.message)
        .filter(|m| m.contains("embedded whole"))
        .collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("ebgaramond12-regular.otf") && warned[0].contains("CFF"));

    // Oracle: every character of every content document that a face maps is still mapped
    // by the embedded, cut face; and the cut faces are a fraction of the originals.
    let all_text: String = files
        .iter()
        .filter(|(n, _)| n.ends_with(".xhtml"))
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect();
    let maps = |data: &[u8], c: char| {
        FontRef::new(data)
            .ok()
            .and_then(|f| f.cmap().ok())
            .and_then(|m| m.map_codepoint(c))
            .is_some_and(|g| g.to_u32() != 0)
    };
    for (name, original) in &originals {
        let embedded = files
            .iter()
            .find(|(n, _)| n == &format!("OEBPS/fonts/{name}"))
            .map(|(_, d)| d)
            .unwrap_or_else(|| panic!("{name} not in the EPUB"));
        if name.ends_with(".otf") {
            assert_eq!(embedded, original, "{name}: kept whole");
            continue;
        }
        assert!(
            embedded.len() * 5 < original.len(),
            "{name}: {} of {} bytes",
            embedded.len(),
            original.len()
        );
        let mut checked = 0;
        for c in all_text.chars().collect::<std::collections::BTreeSet<_>>() {
            if maps(original, c) {
                assert!(maps(embedded, c), "{name}: {c:?} lost by the subset");
                checked += 1;
            }
        }
        assert!(checked > 40, "{name}: only {checked} characters checked");
        let glyphs = |d: &[u8]| FontRef::new(d).unwrap().maxp().unwrap().num_glyphs();
        assert!(
            glyphs(embedded) * 3 < glyphs(original),
            "{name}: {} of {} glyphs kept",
            glyphs(embedded),
            glyphs(original)
        );
    }
    assert_epubcheck_clean(&out.bytes, "fonts-book");

    // A book with no bold text carries no bold face, and its style sheet names none.
    let mut plain = Book::new(Metadata::new("Plain", "en"));
    plain.settings.epub.embed_fonts = true;
    let mut ch = chapter("one", Division::Body, ChapterKind::Chapter, Some("One"));
    ch.blocks = vec![para(vec![
        text("Nothing is "),
        inline(InlineKind::Emphasis(vec![text("bold")])),
        text(" here."),
    ])];
    plain.body.push(ch);
    let out = write_epub(&plain, &EpubOptions { fonts, ..options() }).unwrap();
    let files = entries(&out.bytes);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"OEBPS/fonts/ebgaramond-italic.ttf"),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("bold")),
        "no bold face: {names:?}"
    );
    let css = file(&files, "OEBPS/styles/book.css");
    assert!(!css.contains("font-weight: bold;\n  src"), "{css}");
    assert!(!file(&files, "OEBPS/content.opf").contains("bold"));
    assert_epubcheck_clean(&out.bytes, "fonts-plain-book");

    // off by default: no fonts even when given
    book.settings.epub.embed_fonts = false;
    let fonts = vec![EmbeddedFont {
        file_name: "x.otf".into(),
        data: vec![1],
        family: "X".into(),
        italic: false,
        bold: false,
    }];
    let out = write_epub(&book, &EpubOptions { fonts, ..options() }).unwrap();
    assert!(
        !entries(&out.bytes)
            .iter()
            .any(|(n, _)| n.contains("fonts/"))
    );
}

/// The EPUBCheck helper must see problems, or every "0 errors" above means nothing.
#[test]
fn epubcheck_helper_reports_a_broken_book() {
    use std::io::Write;
    let out = write_epub(
        &Book::new(Metadata::new("Broken", "en")),
        &EpubOptions::default(),
    )
    .unwrap();
    // Rebuild the archive with `dc:language` removed from the package document.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries(&out.bytes) {
        let data = if name.ends_with(".opf") {
            String::from_utf8(data)
                .unwrap()
                .replace("<dc:language>en</dc:language>", "")
                .into_bytes()
        } else {
            data
        };
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        zip.start_file(
            name,
            zip::write::SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        zip.write_all(&data).unwrap();
    }
    let broken = zip.finish().unwrap().into_inner();
    match support::epubcheck_messages(&broken, "broken") {
        Some(messages) => assert!(
            messages
                .iter()
                .any(|m| m.starts_with("ERROR(RSC-005)") && m.contains("dc:language")),
            "{messages:?}"
        ),
        None => quire_testkit::skip("EPUBCheck", "the broken book was not checked"),
    }
}
