//! `quire build` over a catalogue: several book folders, or a folder of books.
//!
//! Each book is built by `quire build`'s own code into `<out>/<book folder name>/`, several
//! at a time (one per core), one failing book never stopping the others; what each build
//! prints is kept in `<out>/<name>/quire-build.log`. A progress bar on a terminal (plain
//! lines otherwise), then a summary table on stdout: book, pages, outputs, warnings,
//! errors, time.
//!
//! - `--shard i/n` builds the i-th of n shares, chosen by a hash of each book's folder name:
//!   deterministic on every machine, every book in exactly one share, and adding a book
//!   moves no other book to another share. So a catalogue fans out on any runner (a CI
//!   matrix, indexed Jobs, GNU parallel) with no coordinator (`docs/catalogue.md`).
//! - `--changed-only` skips a book whose inputs (every file of its folder, Quire's version,
//!   the formats and the store target) hash to what its last good build recorded in
//!   `<out>/<name>/.quire-inputs`, when its outputs are still there.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::build;
use crate::cli::Format;
use crate::report;

/// Where a catalogue build records the hash of a book's inputs.
const INPUTS_FILE: &str = ".quire-inputs";
/// Where a catalogue build keeps what a book's build printed.
const LOG_FILE: &str = "quire-build.log";

/// How a catalogue is built.
pub(crate) struct CatalogueOptions {
    pub(crate) formats: Vec<Format>,
    pub(crate) target: Option<quire_preflight::Target>,
    /// The i-th (1-based) of n shares.
    pub(crate) shard: Option<(usize, usize)>,
    pub(crate) changed_only: bool,
    /// Books built at once.
    pub(crate) jobs: usize,
}

/// `i/n` with 1 <= i <= n.
pub(crate) fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((i, n)) if n >= 1 && (1..=n).contains(&i) => Ok((i, n)),
        _ => Err(format!(
            "`{text}` is not a shard: write i/n with 1 <= i <= n, e.g. 2/8"
        )),
    }
}

/// True when `paths` ask for a catalogue build rather than one book: several paths, or a
/// folder without a `book.toml` of its own.
pub(crate) fn is_catalogue(paths: &[PathBuf]) -> bool {
    paths.len() > 1
        || paths
            .iter()
            .any(|p| p.is_dir() && !p.join("book.toml").is_file())
}

/// The books `paths` name: each path holding a `book.toml`, or the folders right inside it
/// that hold one; sorted by folder name.
pub(crate) fn books_of(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut books = Vec::new();
    for path in paths {
        if path.join("book.toml").is_file() {
            books.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path)
            .map_err(|e| format!("`{}` is not a book folder: {e}", path.display()))?;
        let mut inside: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("book.toml").is_file())
            .collect();
        if inside.is_empty() {
            return Err(format!(
                "`{}` has no book.toml, and no folder in it has one",
                path.display()
            ));
        }
        inside.sort();
        books.extend(inside);
    }
    books.sort_by_key(|b| name_of(b));
    for pair in books.windows(2) {
        if let [a, b] = pair
            && name_of(a) == name_of(b)
        {
            return Err(format!(
                "two books are named `{}` ({} and {}): each gets `<out>/<folder name>/`, so rename one folder",
                name_of(a),
                a.display(),
                b.display()
            ));
        }
    }
    Ok(books)
}

/// A book's name in the catalogue: its folder's name.
fn name_of(book: &Path) -> String {
    std::fs::canonicalize(book)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| book.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "book".to_string())
}

/// The share (1 to n) a book falls in: FNV-1a of its folder name, modulo n.
pub(crate) fn shard_of(book: &Path, shares: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name_of(book).bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % shares.max(1) as u64) as usize + 1
}

/// The hash of everything a book's build reads: every file of its folder (path and bytes,
/// hidden files and symlinks left out as the build leaves them out), Quire's version, the
/// formats and the target.
pub(crate) fn inputs_hash(
    book: &Path,
    formats: &[Format],
    target: Option<quire_preflight::Target>,
) -> String {
    let mut files = Vec::new();
    let mut folders = vec![book.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => folders.push(entry.path()),
                Ok(t) if t.is_file() => files.push(entry.path()),
                _ => {}
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(format!("{formats:?} {target:?}").as_bytes());
    for file in files {
        let relative = file.strip_prefix(book).unwrap_or(&file);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        let bytes = std::fs::read(&file).unwrap_or_default();
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One line of the summary table.
struct Row {
    name: String,
    status: Status,
    pages: Option<usize>,
    outputs: usize,
    warnings: usize,
    errors: usize,
    time: Duration,
    /// The first error lines, for the summary.
    first_errors: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Built,
    Unchanged,
    Failed,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Built => "built",
            Status::Unchanged => "unchanged",
            Status::Failed => "FAILED",
        }
    }
}

/// Builds the catalogue into `out`, one folder a book.
pub(crate) fn run(paths: &[PathBuf], out: &Path, options: &CatalogueOptions) -> ExitCode {
    let books = match books_of(paths) {
        Ok(books) => books,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(super::EXIT_IO);
        }
    };
    let total = books.len();
    let books: Vec<PathBuf> = match options.shard {
        Some((i, n)) => books.into_iter().filter(|b| shard_of(b, n) == i).collect(),
        None => books,
    };
    if let Some((i, n)) = options.shard {
        eprintln!(
            "catalogue: shard {i}/{n}: {} of {total} book(s)",
            books.len()
        );
    }
    if let Err(err) = std::fs::create_dir_all(out) {
        eprintln!(
            "error: cannot create output folder `{}`: {err}",
            out.display()
        );
        return ExitCode::from(super::EXIT_IO);
    }
    let started = Instant::now();
    let progress = Progress::new(books.len());
    let next = AtomicUsize::new(0);
    let rows: Mutex<Vec<Option<Row>>> = Mutex::new((0..books.len()).map(|_| None).collect());
    let jobs = options.jobs.clamp(1, books.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(book) = books.get(index) else { break };
                    let row = build_one(book, out, options);
                    progress.done(&row);
                    if let Some(slot) = rows
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_mut(index)
                    {
                        *slot = Some(row);
                    }
                }
            });
        }
    });
    progress.finish();
    let rows: Vec<Row> = rows
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect();
    print!("{}", table(&rows, started.elapsed()));
    let failed: Vec<&Row> = rows.iter().filter(|r| r.status == Status::Failed).collect();
    for row in &failed {
        eprintln!(
            "{}: failed (log in {})",
            row.name,
            out.join(&row.name).join(LOG_FILE).display()
        );
        for line in &row.first_errors {
            eprintln!("  {line}");
        }
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_BOOK_ERRORS)
    }
}

/// Builds one book of the catalogue into `<out>/<name>/`.
fn build_one(book: &Path, out: &Path, options: &CatalogueOptions) -> Row {
    let started = Instant::now();
    let name = name_of(book);
    let dir = out.join(&name);
    let hash = inputs_hash(book, &options.formats, options.target);
    let recorded = std::fs::read_to_string(dir.join(INPUTS_FILE)).ok();
    if options.changed_only
        && recorded.as_deref() == Some(hash.as_str())
        && outputs_in(&dir) >= options.formats.len()
    {
        // Its figures are those of the build that made the outputs.
        let log = std::fs::read_to_string(dir.join(LOG_FILE)).unwrap_or_default();
        return Row {
            status: Status::Unchanged,
            outputs: outputs_in(&dir),
            time: started.elapsed(),
            ..summarize(name, &log)
        };
    }
    // One core a book: the books themselves run side by side.
    let session = Mutex::new(quire_typeset::LayoutSession::with_threads(1));
    let cover = super::default_cover(book);
    let build_options = build::Options {
        report: false,
        cover_dir: cover.as_deref(),
        proof: false,
        target: options.target,
        write: true,
        layout: Some(&session),
    };
    let (outcome, text) = report::captured(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            build::run(book, &dir, &options.formats, &build_options)
        }))
    });
    let ok = matches!(outcome, Ok(code) if code == ExitCode::SUCCESS);
    let mut text = text.text;
    if outcome.is_err() {
        text.push_str("error: the build stopped on an internal error\n");
    }
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(LOG_FILE), &text);
    if ok {
        let _ = std::fs::write(dir.join(INPUTS_FILE), &hash);
    } else {
        let _ = std::fs::remove_file(dir.join(INPUTS_FILE));
    }
    Row {
        status: if ok { Status::Built } else { Status::Failed },
        time: started.elapsed(),
        ..summarize(name, &text)
    }
}

/// A book's row from what its build printed: pages typeset, files written, warnings and
/// errors (each diagnostic's first line starts with its severity).
fn summarize(name: String, text: &str) -> Row {
    let errors: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("error"))
        .map(str::to_string)
        .collect();
    Row {
        name,
        status: Status::Built,
        pages: text.lines().find_map(|l| {
            l.strip_prefix("build: typeset ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        }),
        outputs: text
            .lines()
            .filter(|l| l.starts_with("build: wrote "))
            .count(),
        warnings: text.lines().filter(|l| l.starts_with("warning")).count(),
        errors: errors.len(),
        time: Duration::ZERO,
        first_errors: errors.into_iter().take(3).collect(),
    }
}

/// The EPUB and PDF files in a book's output folder.
fn outputs_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.ends_with(".epub") || name.ends_with(".pdf")
                })
                .count()
        })
        .unwrap_or(0)
}

/// The summary table.
fn table(rows: &[Row], elapsed: Duration) -> String {
    let width = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "{:<width$}  {:<9}  {:>5}  {:>7}  {:>8}  {:>6}  {:>7}\n",
        "book", "status", "pages", "outputs", "warnings", "errors", "time"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<width$}  {:<9}  {:>5}  {:>7}  {:>8}  {:>6}  {:>6.2}s\n",
            r.name,
            r.status.word(),
            r.pages.map_or("-".to_string(), |p| p.to_string()),
            r.outputs,
            r.warnings,
            r.errors,
            r.time.as_secs_f64()
        ));
    }
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    out.push_str(&format!(
        "{} book(s): {} built, {} unchanged, {} failed, in {:.2} s\n",
        rows.len(),
        count(Status::Built),
        count(Status::Unchanged),
        count(Status::Failed),
        elapsed.as_secs_f64()
    ));
    out
}

/// A progress bar on a terminal, a line a book otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    done: AtomicUsize,
    total: usize,
}

impl Progress {
    fn new(total: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} books, {elapsed} {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            done: AtomicUsize::new(0),
            total,
        }
    }

    fn done(&self, row: &Row) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(format!("{}: {}", row.name, row.status.word()));
                bar.inc(1);
            }
            None => eprintln!(
                "[{n}/{}] {}: {} in {:.2} s",
                self.total,
                row.name,
                row.status.word(),
                row.time.as_secs_f64()
            ),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_parsed_strictly() {
        assert_eq!(parse_shard("2/8"), Ok((2, 8)));
        assert_eq!(parse_shard("1/1"), Ok((1, 1)));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_book_falls_in_exactly_one_share() {
        let books: Vec<PathBuf> = (0..200)
            .map(|i| PathBuf::from(format!("book-{i}")))
            .collect();
        for n in [1, 2, 3, 7, 16] {
            let mut seen = vec![0usize; books.len()];
            let mut sizes = vec![0usize; n];
            for (k, book) in books.iter().enumerate() {
                let share = shard_of(book, n);
                assert!((1..=n).contains(&share));
                seen[k] += 1;
                sizes[share - 1] += 1;
            }
            assert!(seen.iter().all(|s| *s == 1));
            // Roughly even: no share holds twice its fair part.
            assert!(
                sizes.iter().all(|s| *s <= 2 * books.len() / n + 2),
                "{sizes:?}"
            );
        }
    }
}
