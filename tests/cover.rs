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

#[test]
fn the_wrap_is_the_printers_formula_for_the_page_count() {
    if !tools() {
        return;
    }
    let mut books = vec![common::repo().join("manuscript")];
    books.extend(
        common::corpus_books()
            .unwrap_or_default()
            .into_iter()
            .filter(|b| b.to_string_lossy().contains("pride-and-prejudice")),
    );
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
