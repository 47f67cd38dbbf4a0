//! One module a subcommand; `run` dispatches and turns results into exit codes.

mod build;
mod check;
mod init;
mod proof;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Exit code: the book has errors.
pub(crate) const EXIT_BOOK_ERRORS: u8 = 1;
/// Exit code: usage or I/O problem.
pub(crate) const EXIT_IO: u8 = 2;

/// Runs a parsed command line.
pub(crate) fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Build {
            book,
            out,
            format,
            report,
            cover,
            proof,
        } => {
            // The project's own layout: `manuscript/` built with `cover/` beside it.
            let cover = cover.or_else(|| {
                let default = std::path::Path::new("cover");
                (book == std::path::Path::new("manuscript") && default.join("cover.toml").is_file())
                    .then(|| default.to_path_buf())
            });
            let options = build::Options {
                report,
                cover_dir: cover.as_deref(),
                proof,
            };
            build::run(&book, &out, &format, &options)
        }
        Command::Proof { book, out } => proof::run(&book, &out),
        Command::Check { book } => check::run(&book),
        Command::Init { dir } => init::run(&dir),
    }
}
