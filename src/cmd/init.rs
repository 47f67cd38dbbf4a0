//! `quire init DIR`: a new book folder that builds as it is.

use std::path::Path;
use std::process::ExitCode;

/// The book.toml of a new book; `{identifier}` is replaced by a fresh UUID URN.
const BOOK_TOML: &str = r#"[book]
title = "Untitled"
authors = ["Your Name"]
language = "en"
# The book's permanent identifier: keep it when the title changes, so readers' libraries
# know a corrected file for the same book. An ebook ISBN, once you have one, takes its place.
identifier = "{identifier}"
description = "What the book is about, for the store page and the back cover."

[contents]
front = ["dedication.md"]
chapters = ["chapter-01.md"]

[print]
trim = "5.5x8.5in"
font-size = "11.5pt"
leading = "14.5pt"
"#;

const DEDICATION: &str = "*For the first reader.*\n";

const CHAPTER: &str = r#"# Chapter One

The first paragraph of the book. Write in Markdown: *emphasis*, **strong**, "quotes" that come
out curly, dashes -- and --- and ellipses... all typeset for you.

A footnote goes like this.[^1]

***

A scene break is three asterisks on a line of their own.

[^1]: And the note itself, anywhere in the same file.
"#;

/// Creates `dir` with a book.toml, a dedication and a first chapter.
pub(crate) fn run(dir: &Path) -> ExitCode {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!(
            "error: `{}` already exists and is not empty: nothing written",
            dir.display()
        );
        return ExitCode::from(super::EXIT_IO);
    }
    let book_toml = BOOK_TOML.replace("{identifier}", &fresh_identifier(dir));
    let files = [
        ("book.toml", book_toml.as_str()),
        ("dedication.md", DEDICATION),
        ("chapter-01.md", CHAPTER),
    ];
    let result = std::fs::create_dir_all(dir).and_then(|()| {
        files
            .iter()
            .try_for_each(|(name, text)| std::fs::write(dir.join(name), text))
    });
    match result {
        Ok(()) => {
            eprintln!(
                "init: created `{}`; build it with `quire build {}`",
                dir.display(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: cannot create `{}`: {err}", dir.display());
            ExitCode::from(super::EXIT_IO)
        }
    }
}

/// A new `urn:uuid:` for a new book: a UUID v5 of the folder's path, the time and the process,
/// unique per `init` (the one place Quire wants a value that is not reproducible).
fn fresh_identifier(dir: &Path) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let path = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let name = format!(
        "quire-init\u{1f}{}\u{1f}{now}\u{1f}{}",
        path.display(),
        std::process::id()
    );
    let uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes());
    format!("urn:uuid:{uuid}")
}
