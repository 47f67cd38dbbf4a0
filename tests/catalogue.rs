//! `quire build` over a catalogue: a folder of books built side by side, one failing book
//! not stopping the others, a summary table, `--shard i/n` splits that are disjoint and
//! complete, and `--changed-only` skipping what did not change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

/// A small book in `dir`.
fn write_book(dir: &Path, title: &str, chapters: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    let listed: Vec<String> = chapters.iter().map(|c| format!("\"{c}\"")).collect();
    std::fs::write(
        dir.join("book.toml"),
        format!(
            "[book]\ntitle = \"{title}\"\nlanguage = \"en\"\nauthors = [\"A. Writer\"]\n\n[contents]\nchapters = [{}]\n",
            listed.join(", ")
        ),
    )
    .unwrap();
    for (i, chapter) in chapters.iter().enumerate() {
        if *chapter == "missing.md" {
            continue;
        }
        std::fs::write(
            dir.join(chapter),
            format!(
                "# Chapter {}\n\nThe {title} begins here, with a sentence or two of plain prose.\n",
                i + 1
            ),
        )
        .unwrap();
    }
}

/// The book names of the table's rows, with their status.
fn rows(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .skip(1)
        .filter(|l| !l.contains("book(s):"))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?.to_string(), words.next()?.to_string()))
        })
        .collect()
}

fn build(cwd: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["build", "books", "--out", "out", "--format", "epub"];
    args.extend_from_slice(extra);
    let output = common::quire()
        .args(&args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_catalogue_builds_side_by_side_shards_and_skips_what_did_not_change() {
    let tmp = tempfile::tempdir().unwrap();
    let names: Vec<String> = (1..=9).map(|i| format!("book-{i:02}")).collect();
    for name in &names {
        write_book(
            &tmp.path().join("books").join(name),
            name,
            &["one.md", "two.md"],
        );
    }
    write_book(
        &tmp.path().join("books/broken"),
        "broken",
        &["one.md", "missing.md"],
    );

    // Everything: the broken book fails, the others are built, the table lists all.
    let (code, stdout, stderr) = build(tmp.path(), &[]);
    assert_eq!(code, 1, "one book failed: exit 1\n{stdout}\n{stderr}");
    let all = rows(&stdout);
    assert_eq!(all.len(), 10, "{stdout}");
    for (name, status) in &all {
        let want = if name == "broken" { "FAILED" } else { "built" };
        assert_eq!(status, want, "{stdout}");
        let epubs = std::fs::read_dir(tmp.path().join("out").join(name))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".epub"))
            .count();
        assert_eq!(epubs, usize::from(name != "broken"), "{name}");
    }
    assert!(stdout.starts_with("book "), "{stdout}");
    assert!(
        stdout.contains("10 book(s): 9 built, 0 unchanged, 1 failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains("broken: failed") && stderr.contains("missing.md"),
        "the failure is named with its error\n{stderr}"
    );

    // Shards: disjoint, and together the whole catalogue.
    for shares in [2, 3, 4] {
        let mut seen: Vec<String> = Vec::new();
        for i in 1..=shares {
            let (_, stdout, _) = build(tmp.path(), &["--shard", &format!("{i}/{shares}")]);
            seen.extend(rows(&stdout).into_iter().map(|(n, _)| n));
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "a book in two shares of {shares}: {seen:?}"
        );
        let everything: BTreeSet<&String> = all.iter().map(|(n, _)| n).collect();
        assert_eq!(unique, everything, "{shares} shares");
    }
    let (code, _, stderr) = build(tmp.path(), &["--shard", "4/3"]);
    assert_eq!(code, 2, "{stderr}");

    // Changed only: nothing changed but the broken book, which is tried again.
    let (_, stdout, _) = build(tmp.path(), &["--changed-only"]);
    for (name, status) in rows(&stdout) {
        let want = if name == "broken" {
            "FAILED"
        } else {
            "unchanged"
        };
        assert_eq!(status, want, "{name}\n{stdout}");
    }
    // An edited chapter: only its book is built again.
    let chapter = tmp.path().join("books/book-04/two.md");
    let text = std::fs::read_to_string(&chapter).unwrap();
    std::fs::write(&chapter, text + "\nAnd a sentence more.\n").unwrap();
    let (_, stdout, _) = build(tmp.path(), &["--changed-only"]);
    for (name, status) in rows(&stdout) {
        let want = match name.as_str() {
            "broken" => "FAILED",
            "book-04" => "built",
            _ => "unchanged",
        };
        assert_eq!(status, want, "{name}\n{stdout}");
    }
}

#[test]
fn two_books_of_one_name_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(&tmp.path().join("a/same"), "one", &["one.md"]);
    write_book(&tmp.path().join("b/same"), "two", &["one.md"]);
    let (output, stderr) = common::run_in(tmp.path(), &["build", "a/same", "b/same"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("two books are named `same`"), "{stderr}");
}
