//! One module a subcommand; `run` dispatches and turns results into exit codes.

mod build;
mod catalogue;
mod check;
mod init;
mod preview;
mod proof;
mod watch;

use std::process::ExitCode;

use crate::cli::{Cli, Command, Format};

pub(crate) use catalogue::parse_shard;

/// Exit code: the book has errors.
pub(crate) const EXIT_BOOK_ERRORS: u8 = 1;
/// Exit code: usage or I/O problem.
pub(crate) const EXIT_IO: u8 = 2;

/// Runs a parsed command line.
pub(crate) fn run(cli: Cli) -> ExitCode {
    let book = match &cli.command {
        Command::Build { books, .. } if books.len() == 1 && !catalogue::is_catalogue(books) => {
            books.first()
        }
        Command::Proof { book, .. }
        | Command::Check { book, .. }
        | Command::Preview { book, .. }
        | Command::Watch { book, .. } => Some(book),
        _ => None,
    };
    if let Some(book) = book
        && let Some(code) = no_book_at(book)
    {
        return code;
    }
    match cli.command {
        Command::Build {
            books,
            out,
            format,
            report,
            cover,
            proof,
            target,
            shard,
            changed_only,
            jobs,
        } => {
            if catalogue::is_catalogue(&books) || shard.is_some() || changed_only {
                if cover.is_some() || proof || report {
                    eprintln!(
                        "error: --cover, --proof and --report are for one book, not a catalogue: build that book alone"
                    );
                    return ExitCode::from(EXIT_IO);
                }
                let options = catalogue::CatalogueOptions {
                    formats: format,
                    target: target.map(|t| t.target()),
                    shard,
                    changed_only,
                    jobs: jobs.unwrap_or_else(|| {
                        std::thread::available_parallelism().map_or(1, usize::from)
                    }),
                };
                return catalogue::run(&books, &out, &options);
            }
            let book = books
                .into_iter()
                .next()
                .unwrap_or_else(|| std::path::PathBuf::from("manuscript"));
            let cover = cover.or_else(|| default_cover(&book));
            let options = build::Options {
                report,
                cover_dir: cover.as_deref(),
                proof,
                target: target.map(|t| t.target()),
                write: true,
                layout: None,
            };
            // One book, then the program ends: its memory goes back with the process.
            quire_typeset::leave_to_exit();
            build::run(&book, &out, &format, &options)
        }
        Command::Proof { book, out } => {
            quire_typeset::leave_to_exit();
            proof::run(&book, &out)
        }
        Command::Check { book, target } => {
            let code = check::run(&book);
            match target {
                Some(target) if code == ExitCode::SUCCESS => {
                    // Every output, built in memory and checked; nothing written.
                    let options = build::Options {
                        report: false,
                        cover_dir: None,
                        proof: false,
                        target: Some(target.target()),
                        write: false,
                        layout: None,
                    };
                    let formats = [Format::Epub, Format::Pdf, Format::Cover];
                    build::run(&book, std::path::Path::new("out"), &formats, &options)
                }
                _ => code,
            }
        }
        Command::Init { dir } => init::run(&dir),
        Command::Preview { book, port } => preview::run(&book, port),
        Command::Watch { book, out, format } => watch::run(&book, &out, &format),
    }
}

/// When `book` holds no `book.toml`: the error, with what to do instead, and exit code 2
/// (a usage problem, not a problem of a book).
fn no_book_at(book: &std::path::Path) -> Option<ExitCode> {
    if book.join("book.toml").is_file() {
        return None;
    }
    let shown = book.display();
    let message = if book.exists() {
        format!("`{shown}` has no book.toml")
    } else {
        format!("book folder `{shown}` not found")
    };
    let here = std::path::Path::new("book.toml").is_file();
    let hint = if here {
        "this folder holds a book: give `.` (e.g. `quire build .`)".to_string()
    } else if book == std::path::Path::new("manuscript") {
        "give the folder that holds book.toml (`quire build mybook`), or start a book with `quire init mybook`".to_string()
    } else {
        "give the folder that holds book.toml; `quire init DIR` starts a new book".to_string()
    };
    let diagnostic = quire_model::Diagnostic::error(None, message).with_hint(hint);
    crate::report::print_all(&[diagnostic], &quire_model::Sources::new());
    Some(ExitCode::from(EXIT_IO))
}

/// The project's own layout: `manuscript/` is built with `cover/` beside it.
pub(crate) fn default_cover(book: &std::path::Path) -> Option<std::path::PathBuf> {
    let default = std::path::Path::new("cover");
    (book == std::path::Path::new("manuscript") && default.join("cover.toml").is_file())
        .then(|| default.to_path_buf())
}
