//! The cover wrap and the EPUB's cover, read back with poppler: the wrap's size is the
//! printer's formula for the interior's page count, and the EPUB's cover image is the wrap's
//! front.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tools() -> bool {
    let ok = ["pdfinfo", "pdftoppm"]
        .iter()
        .all(|t| Command::new(t).arg("-v").output().is_ok());
    if !ok {
        common::missing_validator("poppler-utils (pdfinfo, pdftoppm)");
    }
    ok
}

/// Builds `book` into `out`: (interior PDF, cover PDF, EPUB).
fn build(book: &Path, out: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (output, stderr) = common::run_in(
        &common::repo(),
        &[
            "build",
            book.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{stderr}");
    let find = |suffix: &str, not: Option<&str>| {
        std::fs::read_dir(out)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                let n = p.file_name().unwrap().to_string_lossy().into_owned();
                n.ends_with(suffix) && not.is_none_or(|x| !n.ends_with(x))
            })
            .unwrap()
    };
    (
        find(".pdf", Some(".cover.pdf")),
        find(".cover.pdf", None),
        find(".epub", None),
    )
}

/// `pdfinfo`'s "Pages" and "Page size" (points).
fn info(pdf: &Path) -> (usize, f64, f64) {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let pages = text
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap();
    let size: Vec<f64> = text
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap()
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (pages, size[0], size[1])
}

/// The trim size the book asks for, in inches (its `[print] trim`, or the default).
fn trim(book: &Path) -> (f64, f64) {
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    let preset = toml
        .lines()
        .find_map(|l| l.trim().strip_prefix("trim"))
        .and_then(|v| v.split('"').nth(1).map(str::to_string))
        .unwrap_or_else(|| "5.5x8.5in".into());
    match preset.as_str() {
        "5x8in" => (5.0, 8.0),
        "5.25x8in" => (5.25, 8.0),
        "6x9in" => (6.0, 9.0),
        _ => (5.5, 8.5),
    }
}

/// The books the issue names: the manuscript, and Pride and Prejudice from the corpus.
fn manuscript_and_pride_and_prejudice() -> Vec<PathBuf> {
    let mut books = vec![common::repo().join("manuscript")];
    books.extend(
        common::corpus_books()
            .unwrap_or_default()
            .into_iter()
            .filter(|b| b.to_string_lossy().contains("pride-and-prejudice")),
    );
    books
}

#[test]
fn the_wrap_is_the_printers_formula_for_the_page_count() {
    if !tools() {
        return;
    }
    let books = manuscript_and_pride_and_prejudice();
    assert!(
        books.len() == 2 || !common::validators_required(),
        "P&P is required"
    );
    for book in books {
        let out = tempfile::tempdir().unwrap();
        let (interior, cover, _) = build(&book, out.path());
        let (pages, _, _) = info(&interior);
        let (_, w, h) = info(&cover);
        let (tw, th) = trim(&book);
        // KDP, white paper: 0.002252 in a page; 0.125 in bleed on every side.
        let spine = pages as f64 * 0.002252;
        let want_w = (2.0 * tw + spine + 0.25) * 72.0;
        let want_h = (th + 0.25) * 72.0;
        assert!(
            (w - want_w).abs() < 0.05,
            "{}: {w} pt wide, want {want_w} ({pages} pages)",
            book.display()
        );
        assert!(
            (h - want_h).abs() < 0.05,
            "{}: {h} pt high, want {want_h}",
            book.display()
        );
    }
}

#[test]
fn the_epub_cover_is_the_print_front() {
    if !tools() {
        return;
    }
    let book = common::repo().join("manuscript");
    let out = tempfile::tempdir().unwrap();
    let (interior, cover, epub) = build(&book, out.path());
    // The EPUB's cover image.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&epub).unwrap()).unwrap();
    let mut jpeg = Vec::new();
    zip.by_name("OEBPS/images/cover.jpg")
        .expect("a cover image in the EPUB")
        .read_to_end(&mut jpeg)
        .unwrap();
    let epub_cover = image::load_from_memory(&jpeg).unwrap().to_rgb8();
    assert_eq!(epub_cover.dimensions(), (1600, 2560), "the stores' size");
    // The wrap's front panel, rendered by poppler at the same scale.
    let (pages, _, _) = info(&interior);
    let (tw, th) = trim(&book);
    let spine = pages as f64 * 0.002252;
    let dpi = 1600.0 / tw;
    let x = ((0.125 + tw + spine) * dpi).round() as u32;
    let y = (0.125 * dpi).round() as u32;
    let (fw, fh) = (1600u32, (th * dpi).round() as u32);
    let prefix = out.path().join("front");
    let status = Command::new("pdftoppm")
        .args(["-r", &format!("{dpi:.4}"), "-png", "-singlefile"])
        .args(["-x", &x.to_string(), "-y", &y.to_string()])
        .args(["-W", &fw.to_string(), "-H", &fh.to_string()])
        .arg(&cover)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let front = image::open(prefix.with_extension("png")).unwrap().to_rgb8();
    // The EPUB image holds the front centred, the ground colour above and below.
    let top = (2560 - fh.min(2560)) / 2;
    let mut diff = 0u64;
    let mut count = 0u64;
    let mut dark = 0u64;
    for yy in (0..fh.min(front.height())).step_by(3) {
        for xx in (0..fw.min(front.width())).step_by(3) {
            let a = front.get_pixel(xx, yy);
            let b = epub_cover.get_pixel(xx, yy + top);
            diff += (0..3).map(|c| u64::from(a[c].abs_diff(b[c]))).sum::<u64>();
            count += 3;
            if a[0] < 100 {
                dark += 1;
            }
        }
    }
    let mean = diff as f64 / count as f64;
    eprintln!(
        "EPUB cover vs print front: mean difference {mean:.2} a channel, {dark} dark samples"
    );
    assert!(dark > 500, "the front has type on it");
    assert!(
        mean < 6.0,
        "the EPUB cover differs from the print front by {mean:.2} a channel"
    );
}

#[test]
fn a_cover_design_that_cannot_be_read_is_an_error_naming_its_key() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    // A cover folder beside the book.
    let cover = work.path().join("cover");
    std::fs::create_dir_all(&cover).unwrap();
    std::fs::write(cover.join("cover.toml"), "style = \"neon\"\n").unwrap();
    let out = work.path().join("out");
    let (output, stderr) = common::run_in(
        work.path(),
        &[
            "build", "book", "--out", "out", "--cover", "cover", "--format", "cover",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cover.toml: style: `neon` is not a cover style"),
        "{stderr}"
    );
    assert!(!out.join("the-creative-cortex.cover.pdf").exists());
    // The same key in book.toml: an error at its line and column.
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        format!("{toml}\n[cover]\nbackground = \"teal\"\n"),
    )
    .unwrap();
    let (output, stderr) = common::run_in(work.path(), &["check", "book"]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`teal` is not a colour"), "{stderr}");
    assert!(stderr.contains("book.toml:"), "{stderr}");
    // A good design is taken.
    std::fs::write(book.join("book.toml"), &toml).unwrap();
    std::fs::write(
        cover.join("cover.toml"),
        "style = \"band\"\nbackground = \"#102030\"\n",
    )
    .unwrap();
    let (output, stderr) = common::run_in(
        work.path(),
        &[
            "build", "book", "--out", "out", "--cover", "cover", "--format", "cover",
        ],
    );
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("cover design from cover/cover.toml"),
        "{stderr}"
    );
}

/// (x0, y0, x1, y1) of every filled rectangle PyMuPDF finds on each page, with the page's
/// trim box, as text lines "page\ttrim\trect".
fn drawings(pdf: &Path) -> Option<String> {
    let script = r#"
import sys, pymupdf
doc = pymupdf.open(sys.argv[1])
for page in doc:
    t = page.trimbox
    for d in page.get_drawings():
        r = d["rect"]
        print(f"{page.number}\t{t.x0:.2f} {t.y0:.2f} {t.x1:.2f} {t.y1:.2f}\t{r.x0:.2f} {r.y0:.2f} {r.x1:.2f} {r.y1:.2f}")
    text = page.get_text("words")
    slug = [w for w in text if w[1] > t.y1]
    print(f"{page.number}\tslug\t{' '.join(w[4] for w in slug)}")
"#;
    common::pymupdf(script, pdf)
}

#[test]
fn the_proof_has_crop_marks_outside_the_trim_and_every_page_on_the_contact_sheet() {
    if !tools() {
        return;
    }
    let books = manuscript_and_pride_and_prejudice();
    for book in books {
        let out = tempfile::tempdir().unwrap();
        let (output, stderr) = common::run_in(
            &common::repo(),
            &[
                "build",
                book.to_str().unwrap(),
                "--out",
                out.path().to_str().unwrap(),
                "--format",
                "pdf",
                "--proof",
            ],
        );
        assert!(output.status.success(), "{stderr}");
        let interior = std::fs::read_dir(out.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.to_string_lossy().ends_with(".pdf")
                    && !p.to_string_lossy().ends_with("-proof.pdf")
            })
            .unwrap();
        let proof = interior.with_file_name(format!(
            "{}-proof.pdf",
            interior.file_stem().unwrap().to_string_lossy()
        ));
        let (pages, _, _) = info(&interior);
        let (proof_pages, pw, ph) = info(&proof);
        assert_eq!(pages, proof_pages);
        let (tw, th) = trim(&book);
        assert!((pw - (tw + 1.5) * 72.0).abs() < 0.05 && (ph - (th + 1.5) * 72.0).abs() < 0.05);
        let Some(found) = drawings(&proof) else {
            return;
        };
        // Crop marks: thin rules on the trim lines, wholly outside the trim box (and the
        // bleed), four pairs a page.
        let mut marks = vec![0usize; pages];
        let mut slugs = vec![String::new(); pages];
        for line in found.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let page: usize = f[0].parse().unwrap();
            if f[1] == "slug" {
                slugs[page] = f[2].to_string();
                continue;
            }
            let t: Vec<f64> = f[1].split(' ').map(|v| v.parse().unwrap()).collect();
            let r: Vec<f64> = f[2].split(' ').map(|v| v.parse().unwrap()).collect();
            let thin = (r[2] - r[0]) < 0.5 || (r[3] - r[1]) < 0.5;
            let beyond_bleed =
                r[2] < t[0] - 9.0 || r[0] > t[2] + 9.0 || r[3] < t[1] - 9.0 || r[1] > t[3] + 9.0;
            if thin && beyond_bleed {
                marks[page] += 1;
            }
        }
        for (page, n) in marks.iter().enumerate() {
            assert_eq!(
                *n,
                8,
                "{}: page {} has {n} crop marks",
                book.display(),
                page + 1
            );
            let want = format!("page {} of {pages}", page + 1);
            assert!(
                slugs[page].contains(&want),
                "page {}: slug {:?}",
                page + 1,
                slugs[page]
            );
        }
        // The pictures: a spread a file, and every page on the contact sheet.
        let (output, stderr) = common::run_in(
            &common::repo(),
            &[
                "proof",
                book.to_str().unwrap(),
                "--out",
                out.path().to_str().unwrap(),
            ],
        );
        assert!(output.status.success(), "{stderr}");
        let folder = std::fs::read_dir(out.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_dir())
            .unwrap();
        let spreads = 1 + (pages - 1).div_ceil(2);
        let files = std::fs::read_dir(&folder)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("spread-"))
            .count();
        assert_eq!(files, spreads);
        let sheet = image::open(folder.join("contact-sheet.png"))
            .unwrap()
            .to_rgb8();
        // Thumbnails 120 px wide, 10 px apart, six to a row: each page of each spread is
        // there (white paper in its half of the cell).
        let th = {
            let first = image::open(folder.join("spread-001.png")).unwrap();
            120 * first.height() / first.width()
        };
        for k in 0..spreads as u32 {
            let (col, row) = (k % 6, k / 6);
            let (x, y) = (10 + col * 130, 10 + row * (th + 10));
            let page_there = |half: u32| {
                // The page's top corner: its margin, paper white.
                let px = sheet.get_pixel(x + 2 + half * 61, y + 2);
                px[0] > 200 && px[1] > 200 && px[2] > 200
            };
            let left = k > 0;
            let right = k == 0 || (2 * k as usize) < pages;
            assert_eq!(
                page_there(0),
                left,
                "{}: spread {} left",
                book.display(),
                k + 1
            );
            assert_eq!(
                page_there(1),
                right,
                "{}: spread {} right",
                book.display(),
                k + 1
            );
        }
    }
}
