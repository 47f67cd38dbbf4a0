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

/// A reference table too wide even hyphenated (long code in two columns): only the code
/// columns are cut down and broken; the short words of the narrow columns stay whole (they
/// were shrunk with the rest: `Since` set as `Sinc`/`e`, `false` as `fals`/`e`).
#[test]
fn a_table_too_wide_breaks_its_widest_columns_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "# A\n\nSettings:\n\n| Key | Type | Default | Since | Cluster | Reload | Variable | Flag |\n\
         |---|---|---|---|:-:|:-:|---|---|\n",
    );
    for (key, kind, default) in [
        ("timeout_size", "integer", "0"),
        ("enable_size", "boolean", "false"),
        ("flush_count", "strings", "64MiB"),
    ] {
        let upper = key.to_uppercase();
        let flag = key.replace('_', "-");
        text.push_str(&format!(
            "| `replication.{key}` | {kind} | `{default}` | 3.3 | yes | no | `HQ_REPLICATION_{upper}` | \
             `--replication-{flag}` |\n"
        ));
    }
    let book = common::one_chapter_book(
        dir.path(),
        "title = \"T\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        &text,
    );
    let built = build(&book, &dir.path().join("out"));
    assert!(built.stderr.contains("too wide"), "{}", built.stderr);
    if tool("pdftotext") {
        let page = page_text(&built.pdf, page_of(&built.pdf, "Settings").unwrap());
        let words: Vec<&str> = page.split_whitespace().collect();
        for whole in ["Since", "false", "64MiB", "strings"] {
            assert!(words.contains(&whole), "`{whole}` is broken:\n{page}");
        }
    }
}

fn pymupdf(script: &str, pdf: &Path) -> Option<String> {
    common::pymupdf(script, pdf)
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
    let stderr = common::reported(&stderr);
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

/// Every line of mono text in the PDF: (page, x of its first printed character, the width
/// of a character, the text from there), line numbers (a smaller size) left out.
fn code_lines(pdf: &Path) -> Option<Vec<(usize, f64, f64, String)>> {
    let script = r#"
import sys, pymupdf
doc = pymupdf.open(sys.argv[1])
for pno, page in enumerate(doc):
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            spans = [s for s in line["spans"] if "Mono" in s["font"]]
            if not spans:
                continue
            size = max(s["size"] for s in spans)
            chars = [c for s in spans if abs(s["size"] - size) < 0.01 for c in s["chars"]]
            text = "".join(c["c"] for c in chars)
            first = next((c for c in chars if not c["c"].isspace()), None)
            if first is None:
                continue
            width = first["bbox"][2] - first["bbox"][0]
            print(f"{pno + 1}\t{first['bbox'][0]:.3f}\t{width:.4f}\t{text.strip()}")
"#;
    let out = pymupdf(script, pdf)?;
    Some(
        out.lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.splitn(4, '\t').collect();
                Some((
                    f.first()?.parse().ok()?,
                    f.get(1)?.parse().ok()?,
                    f.get(2)?.parse().ok()?,
                    f.get(3)?.to_string(),
                ))
            })
            .collect(),
    )
}

/// The fenced code blocks of a Markdown file: their lines as written (tabs as four columns).
fn fenced_blocks(markdown: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, Vec<String>)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match &mut open {
            None if trimmed.starts_with("```") || trimmed.starts_with("~~~") => {
                open = Some((trimmed[..3].to_string(), Vec::new()));
            }
            Some((fence, lines)) => {
                if trimmed.starts_with(fence.as_str()) && trimmed.trim_end() == fence.as_str() {
                    blocks.push(std::mem::take(lines));
                    open = None;
                } else {
                    lines.push(line.replace('\t', "    "));
                }
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn code_indentation_in_print_is_the_source_indentation() {
    let built = technical();
    let Some(printed) = code_lines(&built.pdf) else {
        return;
    };
    let book = common::repo().join("tests/books/technical");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(&book).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let markdown = std::fs::read_to_string(&path).unwrap();
        for block in fenced_blocks(&markdown) {
            // Each source line found once in print: its page and where its text starts.
            let found: Vec<Option<(usize, f64, f64, usize)>> = block
                .iter()
                .map(|line| {
                    let text = line.trim_start();
                    let key: String = text.chars().take(18).collect();
                    if key.chars().count() < 6 {
                        return None;
                    }
                    let hits: Vec<_> = printed.iter().filter(|p| p.3.starts_with(&key)).collect();
                    let spaces = line.len() - text.len();
                    (hits.len() == 1).then(|| (hits[0].0, hits[0].1, hits[0].2, spaces))
                })
                .collect();
            // Neighbouring lines on one page: the difference of their indents, in columns.
            for pair in found.windows(2) {
                let (Some(a), Some(b)) = (pair[0], pair[1]) else {
                    continue;
                };
                if a.0 != b.0 {
                    continue;
                }
                let columns = (b.1 - a.1) / a.2;
                let expected = b.3 as f64 - a.3 as f64;
                checked += 1;
                if (columns - expected).abs() > 0.05 {
                    wrong.push(format!(
                        "{}: page {}: {columns:.2} columns apart, the source {expected}",
                        path.display(),
                        a.0
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(checked >= 20, "only {checked} pairs of code lines compared");
}

#[test]
fn listings_have_numbers_captions_and_numbered_lines_in_both_editions() {
    let built = technical();
    // Print: the caption above the code, the cross-reference, the numbers.
    let pages = page_count(&built.pdf);
    let page = (1..=pages)
        .find(|&p| page_text(&built.pdf, p).contains("Listing 3-1. A counter shared"))
        .expect("the listing's caption is printed");
    let text = page_text(&built.pdf, page);
    assert!(text.contains("as listing 3-1 shows"), "{text}");
    let caption_at = text.find("Listing 3-1.").unwrap();
    let code_at = text.find("use std::sync").unwrap();
    assert!(caption_at < code_at, "the caption stands above the code");
    let Some(printed) = code_lines(&built.pdf) else {
        return;
    };
    // Numbered lines: the numbers in their own column, left of the code, which stays
    // where an unnumbered block's code would be plus the column.
    let script = r#"
import sys, pymupdf
doc = pymupdf.open(sys.argv[1])
for pno, page in enumerate(doc):
    rows = {}
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            for s in line["spans"]:
                if "Mono" in s["font"]:
                    rows.setdefault(round(s["origin"][1], 1), []).append(s)
    for y, spans in sorted(rows.items()):
        size = max(s["size"] for s in spans)
        text = lambda s: "".join(c["c"] for c in s["chars"])
        small = [s for s in spans if s["size"] < size - 0.5 and text(s).strip()]
        code = "".join(text(s) for s in sorted(spans, key=lambda s: s["bbox"][0]) if s["size"] >= size - 0.5)
        if small:
            n = small[0]
            print(f"{pno + 1}\t{n['bbox'][2]:.2f}\t{text(n).strip()}\t{' '.join(code.split())}")
"#;
    let Some(numbers) = pymupdf(script, &built.pdf) else {
        return;
    };
    let rows: Vec<Vec<&str>> = numbers.lines().map(|l| l.split('\t').collect()).collect();
    let numbered: Vec<(&str, &str)> = rows.iter().map(|r| (r[2], r[3])).collect();
    assert!(
        numbered.contains(&("1", "use std::sync::{Arc, Mutex};")),
        "{numbers}"
    );
    assert!(
        numbered.contains(&("10", "*counter.lock().unwrap() += 1;")),
        "{numbers}"
    );
    assert!(
        numbered.contains(&("10", "fn length(s: &String) -> usize {")),
        "{numbers}"
    );
    // Right-aligned: the numbers of one listing end at one x.
    let ends: Vec<f64> = rows
        .iter()
        .filter(|r| r[0] == rows[0][0])
        .map(|r| r[1].parse::<f64>().unwrap())
        .collect();
    assert!(ends.iter().all(|e| (e - ends[0]).abs() < 0.05), "{numbers}");
    // The code lines themselves read as written (the oracle checks every word).
    assert!(printed.iter().any(|l| l.3 == "use std::thread;"));
    // EPUB: a figure with the caption first, the numbers hidden from screen readers.
    let chapter = epub_chapter_with(&built.epub, "A counter shared by eight threads");
    let figure = chapter
        .split("<figure class=\"listing\">")
        .nth(1)
        .expect("a listing figure");
    assert!(
        figure.trim_start().starts_with(
            "<figcaption><span class=\"figure-number\">Listing 3-1.</span> A counter shared"
        ),
        "{figure}"
    );
    assert!(figure.contains("<span class=\"line-number\" aria-hidden=\"true\"> 1  </span>"));
    assert!(figure.contains("<span class=\"line-number\" aria-hidden=\"true\">17  </span>"));
    assert!(
        chapter.contains(">listing 3-1</a>"),
        "the cross-reference links"
    );
    // Figures a cross-reference names are numbered in both editions.
    assert!(chapter.contains("Figure 3-1.</span> Throughput"));
    let figure_page = (1..=pages)
        .find(|&p| page_text(&built.pdf, p).contains("Figure 3-1. Throughput"))
        .expect("the figure's number is printed");
    assert!(page_text(&built.pdf, figure_page).contains("as figure 3-1 shows"));
}

#[test]
fn the_index_prints_the_pages_its_markers_are_on() {
    let built = technical();
    // Every page number in the index is a link to the page it names (a range: to its
    // first page).
    let script = r#"
import sys, pymupdf
doc = pymupdf.open(sys.argv[1])
start = min(i for i, p in enumerate(doc) if p.get_text().strip().startswith("Index"))
for page in doc.pages(start, len(doc)):
    for link in page.get_links():
        if link["kind"] == pymupdf.LINK_GOTO:
            shown = " ".join(page.get_textbox(link["from"]).split())
            line = [w for w in page.get_text("words") if abs(w[3] - link["from"].y1) < 4]
            entry = " ".join(w[4] for w in sorted(line, key=lambda w: w[0]))
            print(f"{shown}\t{doc[link['page']].get_label()}\t{entry}")
"#;
    let Some(links) = pymupdf(script, &built.pdf) else {
        return;
    };
    let rows: Vec<Vec<&str>> = links.lines().map(|l| l.split('\t').collect()).collect();
    assert!(rows.len() >= 15, "{links}");
    for row in &rows {
        let first = row[0].split('\u{2013}').next().unwrap_or_default();
        assert_eq!(first, row[1], "an index number links to its page: {row:?}");
    }
    let entry = |term: &str| {
        rows.iter()
            .find(|r| r[2].starts_with(term))
            .unwrap_or_else(|| panic!("no entry {term}:\n{links}"))
    };
    // A marked range prints first and last page, and the text it spans is on them.
    let primitives = entry("primitives,");
    let (from, to) = primitives[0].split_once('\u{2013}').expect("a range");
    let page_with_label = |label: &str| {
        let script = format!(
            "import sys, pymupdf\ndoc = pymupdf.open(sys.argv[1])\nprint([i + 1 for i, p in enumerate(doc) if p.get_label() == '{label}'][-1])"
        );
        pymupdf(&script, &built.pdf)
            .and_then(|s| s.trim().parse::<usize>().ok())
            .expect("a page with that label")
    };
    assert!(page_text(&built.pdf, page_with_label(from)).contains("several primitives"));
    assert!(page_text(&built.pdf, page_with_label(to)).contains("thread::scope"));
    // A term marked twice on different pages lists both.
    let sync = entry("Sync,");
    assert!(
        rows.iter().filter(|r| r[2] == sync[2]).count() == 2,
        "{links}"
    );
    // EPUB: the EPUB Indexes vocabulary, sub-entries nested, every locator a link (the
    // EPUB links test checks they land).
    let index = epub_chapter_with(&built.epub, "sharing data");
    let index = if index.contains("epub:type=\"index\"") {
        index
    } else {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&built.epub).unwrap()).unwrap();
        let mut text = String::new();
        zip.by_name("OEBPS/text/index.xhtml")
            .expect("an index document")
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    assert!(index.contains("<section id=\"index\" epub:type=\"index\" role=\"doc-index\""));
    assert!(index.contains(
        "<span epub:type=\"index-term\">threads</span>, <a epub:type=\"index-locator\" href=\"chapter-6.xhtml#"
    ));
    let threads = index.split("index-term\">threads</span>").nth(1).unwrap();
    let nested = threads.split("</li>\n</ul>").next().unwrap();
    assert!(
        nested.contains("<ul epub:type=\"index-entry-list\""),
        "{nested}"
    );
    assert!(
        nested.contains("index-term\">sharing data</span>"),
        "{nested}"
    );
}
