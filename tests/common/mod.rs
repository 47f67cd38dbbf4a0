//! Shared helpers of the end-to-end tests: the binary, fixture copies, validators.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `quire` binary built for this test run.
pub(crate) fn quire() -> Command {
    Command::new(env!("CARGO_BIN_EXE_quire"))
}

/// Runs `quire` with `args` in `cwd`; returns the output with stderr as a string.
pub(crate) fn run_in(cwd: &Path, args: &[&str]) -> (Output, String) {
    let output = quire()
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("quire runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus` beside the repository, when present.
pub(crate) fn corpus_books() -> Option<Vec<PathBuf>> {
    let dir = repo().join("../shared/corpus");
    let mut books: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("book.toml").is_file())
        .collect();
    books.sort();
    Some(books)
}

/// Copies a folder tree (files and folders only).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// True when validators are required (CI): a missing one fails instead of skipping.
pub(crate) fn validators_required() -> bool {
    quire_testkit::required()
}

/// Reports a missing validator: SKIP loudly (listed by `scripts/test`), or panic under
/// `QUIRE_REQUIRE_VALIDATORS=1`.
pub(crate) fn missing_validator(name: &str) {
    quire_testkit::skip(name, "the checks needing it did not run");
}

/// Reports an absent `../shared/corpus`: SKIP loudly (listed by `scripts/test`), or panic
/// under `QUIRE_REQUIRE_VALIDATORS=1`.
pub(crate) fn missing_corpus() {
    quire_testkit::skip("../shared/corpus", "the corpus books were not checked");
}

/// Runs a Python snippet with PyMuPDF on `pdf` (as `sys.argv[1]`); `None` (SKIP, or a
/// failure under `QUIRE_REQUIRE_VALIDATORS=1`) when PyMuPDF is missing.
pub(crate) fn pymupdf(script: &str, pdf: &Path) -> Option<String> {
    let python = std::env::var("QUIRE_PYTHON").unwrap_or_else(|_| "python3".into());
    let available = Command::new(&python)
        .args(["-c", "import pymupdf"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        missing_validator("PyMuPDF");
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

/// Builds `book` into `out` with `quire build --format <formats>` plus `extra` arguments;
/// asserts success and returns the files written (sorted) and stderr.
pub(crate) fn build_outputs(
    book: &Path,
    out: &Path,
    formats: &str,
    extra: &[&str],
) -> (Vec<PathBuf>, String) {
    let book = book.to_string_lossy();
    let out_arg = out.to_string_lossy();
    let mut args = vec!["build", &book, "--out", &out_arg, "--format", formats];
    args.extend_from_slice(extra);
    let (output, stderr) = run_in(&repo(), &args);
    assert!(output.status.success(), "{book}: {stderr}");
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("the output folder exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    (files, stderr)
}

/// The file among `files` whose name ends with `.{ext}` (the interior, not the cover, for
/// `pdf`).
pub(crate) fn output_file(files: &[PathBuf], ext: &str) -> PathBuf {
    files
        .iter()
        .find(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.ends_with(&format!(".{ext}")) && !name.ends_with(".cover.pdf")
        })
        .cloned()
        .unwrap_or_else(|| panic!("no .{ext} among {files:?}"))
}

/// The last Markdown file of a book folder, by name: a chapter to edit in a test.
pub(crate) fn last_chapter_file(book: &Path) -> PathBuf {
    std::fs::read_dir(book)
        .expect("the book folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .max()
        .expect("a Markdown file")
}

/// `quire`'s output with each diagnostic (printed as rustc does: `error: message`, then
/// ` --> file:line:col`) also as one line, `error: file:line:col: message`, so that a test
/// can look for a message at its place with one `contains`.
pub(crate) fn reported(stderr: &str) -> String {
    let mut out = stderr.to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some((severity, message)) = ["error", "warning", "note"]
            .iter()
            .find_map(|w| line.strip_prefix(&format!("{w}: ")).map(|m| (*w, m)))
        else {
            continue;
        };
        if let Some(place) = lines
            .get(i + 1)
            .and_then(|l| l.trim_start().strip_prefix("--> "))
        {
            out.push_str(&format!("\n{severity}: {place}: {message}"));
        }
    }
    out
}

/// Writes `<work>/book`: a book.toml whose [book] table holds `book` and one chapter file,
/// `one.md` (the book's `chapter-1` in the EPUB).
pub(crate) fn one_chapter_book(work: &Path, book: &str, chapter: &str) -> PathBuf {
    let dir = work.join("book");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("book.toml"),
        format!("[book]\n{book}\n[contents]\nchapters = [\"one.md\"]\n"),
    )
    .unwrap();
    std::fs::write(dir.join("one.md"), chapter).unwrap();
    dir
}

/// The book face (EB Garamond regular, italic and bold from `fonts/`), for tests that
/// typeset through the library.
#[allow(dead_code)]
pub(crate) fn garamond() -> quire_typeset::FontFamily {
    let dir = repo().join("fonts");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    quire_typeset::FontFamily::from_bytes(
        read("EBGaramond12-Regular.otf"),
        Some(read("EBGaramond12-Italic.otf")),
        Some(read("EBGaramond-Bold.ttf")),
        None,
    )
    .unwrap()
}
