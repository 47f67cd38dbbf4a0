//! `quire watch`: rebuild the outputs whenever a file of the book changes, one line per
//! rebuild with its time, and the diagnostics that are new since the last one.
//!
//! Each rebuild runs `quire build`'s own code in this process, so a watched build is byte
//! for byte the build the command line makes, and its outputs are written atomically as
//! always: a failed rebuild leaves the last good book in place. A layout session is kept
//! from one rebuild to the next, so after an edit only the chapters it changed are shaped
//! and broken again (see `quire_typeset::LayoutSession::keeping`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use quire_typeset::LayoutSession;

use super::build;
use crate::cli::Format;
use crate::report;

/// How often the book folder is looked at.
const POLL: Duration = Duration::from_millis(200);

/// What a file looks like from outside: its path, modification time and size.
type Stamp = (PathBuf, Option<SystemTime>, u64);

/// Every file of the book folder (recursively, hidden folders and `skip` left out), sorted.
pub(crate) fn fingerprint(book_dir: &Path, skip: Option<&Path>) -> Vec<Stamp> {
    let skip = skip.and_then(|s| std::fs::canonicalize(s).ok());
    let mut out = Vec::new();
    let mut folders = vec![book_dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                let inside_skip = skip.as_ref().is_some_and(|s| {
                    std::fs::canonicalize(&path).is_ok_and(|real| real.starts_with(s))
                });
                if !inside_skip {
                    folders.push(path);
                }
            } else {
                out.push((path, meta.modified().ok(), meta.len()));
            }
        }
    }
    out.sort();
    out
}

/// The outcome of one build.
pub(crate) struct Rebuild {
    /// True when the build succeeded.
    pub(crate) ok: bool,
    /// How long it took.
    pub(crate) elapsed: Duration,
    /// How long laying the pages out took, when they were laid out.
    pub(crate) layout: Option<Duration>,
    /// The first line of each diagnostic it printed (`warning: file:line:col: message`).
    pub(crate) diagnostics: Vec<String>,
}

/// Builds the book into `out_dir` (the formats given), with the layout session kept between
/// rebuilds; what the build prints is gathered, not printed.
pub(crate) fn rebuild(
    book_dir: &Path,
    out_dir: &Path,
    formats: &[Format],
    session: &Mutex<LayoutSession>,
) -> Rebuild {
    let started = Instant::now();
    let layouts_before = lock(session).last_layout_time();
    let cover = super::default_cover(book_dir);
    let options = build::Options {
        report: false,
        cover_dir: cover.as_deref(),
        proof: false,
        target: None,
        write: true,
        layout: Some(session),
    };
    let (outcome, text) = report::captured(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            build::run(book_dir, out_dir, formats, &options)
        }))
    });
    let elapsed = started.elapsed();
    let mut diagnostics = text.problems;
    let layout = lock(session)
        .last_layout_time()
        .filter(|t| Some(*t) != layouts_before);
    let ok = match outcome {
        Ok(code) => code == ExitCode::SUCCESS,
        Err(_) => {
            // A bug, not the book: start the next rebuild from nothing.
            *lock(session) = new_session();
            diagnostics.push("error: the build stopped on an internal error".to_string());
            false
        }
    };
    Rebuild {
        ok,
        elapsed,
        layout,
        diagnostics,
    }
}

fn lock(session: &Mutex<LayoutSession>) -> std::sync::MutexGuard<'_, LayoutSession> {
    session.lock().unwrap_or_else(|e| e.into_inner())
}

/// A layout session for rebuilds: it keeps each layout for the next.
pub(crate) fn new_session() -> LayoutSession {
    LayoutSession::default().keeping()
}

/// Watches `book_dir` and rebuilds into `out_dir` on every change, until interrupted.
pub(crate) fn run(book_dir: &Path, out_dir: &Path, formats: &[Format]) -> ExitCode {
    if !book_dir.join("book.toml").is_file() {
        eprintln!(
            "error: `{}` has no book.toml: nothing to watch",
            book_dir.display()
        );
        return ExitCode::from(super::EXIT_IO);
    }
    let session = Mutex::new(new_session());
    eprintln!(
        "watch: {} -> {} (Ctrl-C to stop)",
        book_dir.display(),
        out_dir.display()
    );
    let mut last = None;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    loop {
        let now = fingerprint(book_dir, Some(out_dir));
        if last.as_ref() != Some(&now) {
            last = Some(now);
            let result = rebuild(book_dir, out_dir, formats, &session);
            let current: BTreeSet<String> = result.diagnostics.iter().cloned().collect();
            let new: Vec<&String> = result
                .diagnostics
                .iter()
                .filter(|d| !seen.contains(*d))
                .collect();
            let errors = current.iter().filter(|d| d.starts_with("error")).count();
            let pages = result
                .layout
                .map(|t| format!(" (pages laid out in {} ms)", t.as_millis()))
                .unwrap_or_default();
            eprintln!(
                "watch: {} in {:.2} s{pages}: {} error(s), {} warning(s), {} new",
                if result.ok {
                    "rebuilt"
                } else {
                    "build failed, last good outputs kept"
                },
                result.elapsed.as_secs_f64(),
                errors,
                current.len() - errors,
                new.len()
            );
            for line in new {
                eprintln!("  {line}");
            }
            seen = current;
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_sees_an_edit_and_skips_the_outputs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("book.toml"), "x").unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git/HEAD"), "x").unwrap();
        let out = dir.path().join("out");
        let before = fingerprint(dir.path(), Some(&out));
        assert_eq!(before.len(), 1);
        std::fs::write(out.join("book.pdf"), "pdf").unwrap();
        assert_eq!(
            fingerprint(dir.path(), Some(&out)),
            before,
            "outputs are not inputs"
        );
        std::fs::write(dir.path().join("book.toml"), "xy").unwrap();
        assert_ne!(
            fingerprint(dir.path(), Some(&out)),
            before,
            "an edit is seen"
        );
    }
}
