//! The technical test book (`tests/books/technical`), built once and read back with real
//! tools: SVG drawn as vectors in print and embedded clean in the EPUB, pictures grey or in
//! colour as the book asks, links and cross-references in both editions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The book's outputs: (folder, EPUB, PDF, stderr of the build).
struct Built {
    epub: PathBuf,
    pdf: PathBuf,
    stderr: String,
}

fn build(book: &Path, out: &Path) -> Built {
    let (output, stderr) = common::run_in(
        &common::repo(),
        &[
            "build",
            book.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "build failed:\n{stderr}");
    let find = |ext: &str| {
        std::fs::read_dir(out)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.ends_with(ext) && !name.ends_with(".cover.pdf")
            })
            .unwrap_or_else(|| panic!("no {ext} written"))
    };
    Built {
        epub: find(".epub"),
        pdf: find(".pdf"),
        stderr,
    }
}

/// The technical book, built once for all tests.
fn technical() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("technical-book");
        let _ = std::fs::remove_dir_all(&out);
        build(&common::repo().join("tests/books/technical"), &out)
    })
}

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("-v").output().is_ok();
    if !found {
        common::missing_validator(name);
    }
    found
}

/// The PDF with its streams uncompressed (qpdf --qdf), as text.
fn qdf(pdf: &Path) -> String {
    let out = Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("qpdf runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `pdfimages -list`: (page, width, height, colour) of each raster image drawn.
fn raster_images(pdf: &Path) -> Vec<(usize, u32, u32, String)> {
    let out = Command::new("pdfimages")
        .arg("-list")
        .arg(pdf)
        .output()
        .expect("pdfimages runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                f.first()?.parse().ok()?,
                f.get(3)?.parse().ok()?,
                f.get(4)?.parse().ok()?,
                f.get(5)?.to_string(),
            ))
        })
        .collect()
}

/// The text of one page (1-based) by pdftotext.
fn page_text(pdf: &Path, page: usize) -> String {
    let out = Command::new("pdftotext")
        .args(["-f", &page.to_string(), "-l", &page.to_string(), "-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn page_count(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("page count")
}

/// The first page (1-based) whose text contains `needle`.
fn page_of(pdf: &Path, needle: &str) -> Option<usize> {
    (1..=page_count(pdf)).find(|&p| page_text(pdf, p).contains(needle))
}

/// A file of the EPUB.
fn epub_file(epub: &Path, name: &str) -> Option<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
    let mut file = zip.by_name(name).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    Some(bytes)
}

#[test]
fn svg_is_drawn_as_vectors_and_pictures_are_grey() {
    if !(tool("qpdf") && tool("pdfimages") && tool("pdftotext")) {
        return;
    }
    let built = technical();
    // The only raster image is the PNG chart, in grey; the SVG is no image at all.
    let rasters = raster_images(&built.pdf);
    assert_eq!(rasters.len(), 1, "{rasters:?}");
    assert_eq!((rasters[0].1, rasters[0].2), (900, 360));
    assert_eq!(rasters[0].3, "gray", "{rasters:?}");
    // The drawing is a form in its own units (480 x 220 CSS px) with paths: its labels are
    // outlines, and the page that holds its caption draws it.
    let text = qdf(&built.pdf);
    assert!(
        text.contains("/BBox [\n    0\n    0\n    480\n    220\n  ]")
            || text.contains("/BBox [ 0 0 480 220 ]"),
        "no form of the drawing's size"
    );
    let page = page_of(&built.pdf, "one string, one owner").expect("caption printed");
    assert!(page > 1);
    // The drawing's own words are not text (they are outlines): "Heap" is not on the page.
    assert!(!page_text(&built.pdf, page).contains("Heap"));
}

#[test]
fn svg_in_the_epub_is_clean_and_scalable() {
    let built = technical();
    let svg = epub_file(&built.epub, "OEBPS/images/ownership-move.svg").expect("SVG in EPUB");
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.starts_with("<svg viewBox=\"0 0 480 220\""),
        "{}",
        &svg[..80]
    );
    assert!(!svg.contains("<text"), "text is outlined");
    assert!(!svg.contains("<script") && !svg.contains("<style"));
    let opf = String::from_utf8(epub_file(&built.epub, "OEBPS/content.opf").unwrap()).unwrap();
    assert!(
        opf.contains(r#"href="images/ownership-move.svg" media-type="image/svg+xml""#),
        "{opf}"
    );
}

#[test]
fn colour_is_kept_when_the_book_asks() {
    if !tool("pdfimages") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    common::copy_dir(&common::repo().join("tests/books/technical"), &book);
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        format!("{toml}\n[print]\ncolor = true\n"),
    )
    .unwrap();
    let built = build(&book, &dir.path().join("out"));
    let rasters = raster_images(&built.pdf);
    assert_eq!(rasters[0].3, "rgb", "{rasters:?}");
    // The drawing keeps its colours: the heap's gradient runs in RGB.
    let text = qdf(&built.pdf);
    assert!(text.contains("/ColorSpace /DeviceRGB"));
    assert!(!built.stderr.contains("error"));
}

/// The XHTML of the chapter whose text contains `needle`.
fn epub_chapter_with(epub: &Path, needle: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        if !file.name().is_ok_and(|n| n.ends_with(".xhtml")) {
            continue;
        }
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        if text.contains(needle) {
            return text;
        }
    }
    panic!("no chapter contains {needle:?}");
}

#[test]
fn the_html_subset_reaches_both_editions_as_markup() {
    if !tool("pdftotext") {
        return;
    }
    let built = technical();
    let xhtml = epub_chapter_with(&built.epub, "Hexerei");
    for want in [
        "mc<sup>2</sup>",
        "log<sub>2</sub>",
        "<kbd>Ctrl</kbd>+<kbd>C</kbd>",
        r#"<span lang="de" xml:lang="de">Schnelligkeit ist keine Hexerei</span>"#,
        "<code>perf stat -r 10 ./target/release/app</code>",
        "<br/>",
    ] {
        assert!(xhtml.contains(want), "EPUB lacks {want}");
    }
    let getting_started = epub_chapter_with(&built.epub, "From source file to program");
    assert!(
        getting_started.contains("<figcaption"),
        "the HTML figure has a caption"
    );
    // In print: no tag is printed; the text is.
    let page = page_of(&built.pdf, "Schnelligkeit").expect("printed");
    let text = page_text(&built.pdf, page);
    for tag in ["<sup>", "<sub>", "<kbd>", "<span", "<code>", "<br>"] {
        assert!(!text.contains(tag), "{tag} printed:\n{text}");
    }
    assert!(text.contains("Ctrl+C"), "{text}");
    // No HTML warning for the subset; every other tag would be one.
    assert!(!built.stderr.contains("not understood"), "{}", built.stderr);
}

#[test]
fn a_list_item_keeps_the_style_it_opens_with() {
    let built = technical();
    let xhtml = epub_chapter_with(&built.epub, "Create the project.");
    assert!(
        xhtml.contains("<strong>Create the project.</strong> The build tool makes"),
        "{}",
        &xhtml[xhtml.find("Create the project").unwrap() - 200..][..400]
    );
    assert!(xhtml.contains("<em>Debug builds</em> are fast"));
    assert!(xhtml.contains("><strong>Run it</strong></a>. <code>cargo run</code>"));
}

#[test]
fn a_table_across_pages_repeats_its_head_row() {
    if !tool("pdftotext") {
        return;
    }
    let built = technical();
    let first = page_of(&built.pdf, "Mutex<T>").expect("table printed");
    let next = page_of(&built.pdf, "thread::scope").expect("last row printed");
    assert!(
        next > first,
        "the table was expected to cross a page ({first}, {next})"
    );
    for page in [first, next] {
        let text = page_text(&built.pdf, page);
        assert!(
            text.contains("Primitive") && text.contains("Typical use"),
            "p. {page} lacks the head row:\n{text}"
        );
    }
    // Cells keep straight quotes and double hyphens (no smart punctuation).
    let cells = page_text(
        &built.pdf,
        page_of(&built.pdf, "stays straight").expect("cell"),
    );
    assert!(cells.contains("\"single-threaded\" -- use Arc"), "{cells}");
    assert!(cells.contains("a lone \" stays straight"), "{cells}");
    // Pictures in cells stay in the table in the EPUB too.
    let xhtml = epub_chapter_with(&built.epub, "stays straight");
    assert!(xhtml.contains(r#"<img class="in-cell" src="../images/ok.svg" alt="yes"/>"#));
}

#[test]
fn a_table_too_wide_is_set_smaller_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"T\"\nauthors = [\"A\"]\nlanguage = \"en\"\n[contents]\nchapters = [\"a.md\"]\n[print]\ntrim = \"5x8in\"\n",
    )
    .unwrap();
    let row = |w: &str| format!("| {} |\n", [w; 6].join(" | "));
    let text = format!(
        "# A\n\nA wide table:\n\n{}|{}\n{}{}",
        row("Characteristically"),
        "---|".repeat(6),
        row("Incomprehensibilities"),
        row("internationalisation"),
    );
    std::fs::write(book.join("a.md"), text).unwrap();
    let built = build(&book, &dir.path().join("out"));
    assert!(
        built.stderr.contains("this table is set at") || built.stderr.contains("too wide"),
        "{}",
        built.stderr
    );
    assert!(
        built.stderr.contains("a.md:5:1"),
        "the warning names the table: {}",
        built.stderr
    );
    // Every word is there (hyphenated at worst), and nothing runs past the trim.
    if tool("pdftotext") {
        let text = page_text(&built.pdf, page_of(&built.pdf, "wide table").unwrap());
        // Side by side, each column's hyphenated halves are on consecutive lines.
        assert_eq!(text.matches("Incompre-").count(), 6, "{text}");
        assert_eq!(text.matches("hensibilities").count(), 6, "{text}");
        assert_eq!(text.matches("internation-").count(), 6, "{text}");
    }
}

/// Runs a Python snippet with PyMuPDF on `pdf` (as `sys.argv[1]`); `None` (SKIP, or a
/// failure under `QUIRE_REQUIRE_VALIDATORS=1`) when PyMuPDF is missing.
fn pymupdf(script: &str, pdf: &Path) -> Option<String> {
    let python = std::env::var("QUIRE_PYTHON").unwrap_or_else(|_| "python3".into());
    let available = Command::new(&python)
        .args(["-c", "import pymupdf"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        common::missing_validator("PyMuPDF");
        return None;
    }
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(pdf)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn links_are_annotations_to_the_right_pages_and_addresses() {
    let built = technical();
    // Every link: the text under it, and where it goes (a page label or an address).
    let script = r#"
import sys, pymupdf
doc = pymupdf.open(sys.argv[1])
for page in doc:
    for link in page.get_links():
        text = " ".join(page.get_textbox(link["from"]).split())
        if link["kind"] == pymupdf.LINK_URI:
            print(f"{page.get_label()}\t{text}\tURI {link['uri']}")
        elif link["kind"] in (pymupdf.LINK_GOTO, pymupdf.LINK_NAMED):
            target = doc[link["page"]]
            # The text from the link's destination down, so that a link to the right page
            # but the wrong place fails too.
            clip = pymupdf.Rect(0, link["to"].y - 2, target.rect.width, target.rect.height)
            first = " ".join(target.get_text(clip=clip).split())[:200]
            print(f"{page.get_label()}\t{text}\tPAGE {target.get_label()}\t{first}")
"#;
    let Some(links) = pymupdf(script, &built.pdf) else {
        return;
    };
    let find = |text: &str| {
        links
            .lines()
            .find(|l| l.split('\t').nth(1).is_some_and(|t| t.contains(text)))
            .unwrap_or_else(|| panic!("no link on {text:?}:\n{links}"))
    };
    // External: clickable, and the address printed after the text.
    let site = find("project site");
    assert!(site.contains("URI https://example.com/install"), "{site}");
    assert!(
        site.contains("(https://example.com"),
        "the address is printed: {site}"
    );
    // To another file: the page where that chapter starts.
    let chapter = find("Getting Started");
    let target = chapter.split('\t').nth(3).unwrap_or_default();
    assert!(target.contains("Getting Started"), "{chapter}");
    // To a heading in another file, by its GitHub/mdBook slug.
    let rules = find("the rules");
    let target = rules.split('\t').nth(3).unwrap_or_default();
    assert!(target.starts_with("The Rules"), "{rules}");
    // A cross-reference prints the page it links to.
    let xref = links
        .lines()
        .find(|l| l.contains("\tpage ") && l.contains("PAGE"))
        .unwrap_or_else(|| panic!("no page reference:\n{links}"));
    let fields: Vec<&str> = xref.split('\t').collect();
    assert_eq!(
        fields[1].trim_start_matches("page "),
        fields[2].trim_start_matches("PAGE "),
        "{xref}"
    );
    assert!(fields[3].contains("Each value has an owner"), "{xref}");
}

#[test]
fn epub_links_all_land_on_an_id_that_exists() {
    let built = technical();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&built.epub).unwrap()).unwrap();
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap_or_default().to_string();
        if name.ends_with(".xhtml") {
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            files.push((name, text));
        }
    }
    let attr_values = |text: &str, attr: &str| -> Vec<String> {
        text.split(&format!(" {attr}=\""))
            .skip(1)
            .filter_map(|rest| rest.split('"').next().map(str::to_string))
            .collect()
    };
    let mut internal = 0;
    for (name, text) in &files {
        let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
        for href in attr_values(text, "href") {
            if href.starts_with("https:") || href.starts_with("mailto:") || href.ends_with(".css") {
                continue;
            }
            let (file, fragment) = href.split_once('#').unwrap_or((&href, ""));
            let target = if file.is_empty() {
                name.clone()
            } else {
                format!("{dir}/{file}")
            };
            let Some((_, body)) = files.iter().find(|(n, _)| *n == target) else {
                panic!("{name}: link to a missing file {href}");
            };
            if !fragment.is_empty() {
                assert!(
                    attr_values(body, "id").iter().any(|id| id == fragment),
                    "{name}: {href} names no id of {target}"
                );
            }
            internal += 1;
        }
    }
    assert!(internal >= 10, "only {internal} internal links");
    let preface = epub_chapter_with(&built.epub, "sharing data between threads");
    assert!(preface.contains(">Getting Started</a>"));
}

#[test]
fn check_reports_every_link_that_goes_nowhere() {
    let (output, stderr) = common::run_in(&common::repo(), &["check", "tests/books/technical"]);
    assert!(output.status.success(), "warnings only: {stderr}");
    assert!(
        stderr.contains("concurrency.md:11:47: link to `missing.md` goes nowhere"),
        "{stderr}"
    );
    assert!(
        stderr.contains("concurrency.md:12:1: link to `#no-such-heading` goes nowhere"),
        "{stderr}"
    );
}
