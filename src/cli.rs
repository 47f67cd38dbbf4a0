//! The command line: the only file that knows clap.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Quire: one manuscript in, a store-ready EPUB and a print-ready PDF out.
#[derive(Debug, Parser)]
#[command(name = "quire", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Build the book's outputs (EPUB, PDF, cover) into an output folder.
    Build {
        /// The book folder (holding book.toml).
        #[arg(default_value = "manuscript")]
        book: PathBuf,
        /// Where to write the outputs.
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
        /// Which outputs, comma-separated.
        #[arg(long, short, value_delimiter = ',', default_value = "epub,pdf,cover")]
        format: Vec<Format>,
        /// Also print the typesetting report (loose paragraphs, forced breaks, missing glyphs).
        #[arg(long)]
        report: bool,
        /// A cover folder beside the book (a project's `cover/`): its `cover.toml` sets the
        /// `[cover]` keys. Building the default `manuscript`, `cover/` is used when present.
        #[arg(long)]
        cover: Option<PathBuf>,
        /// Also write `<slug>-proof.pdf`: every page on a larger sheet with crop marks, the
        /// bleed outlined and a slug line.
        #[arg(long)]
        proof: bool,
    },
    /// Pictures to check the book by: a PNG of each spread and one contact sheet of every
    /// page, in `<out>/<slug>-proof/`.
    Proof {
        /// The book folder (holding book.toml).
        #[arg(default_value = "manuscript")]
        book: PathBuf,
        /// Where to write the pictures' folder.
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
    },
    /// Read and lint the book: print every problem, exit non-zero on errors.
    Check {
        /// The book folder (holding book.toml).
        #[arg(default_value = "manuscript")]
        book: PathBuf,
    },
    /// Create a new book folder that builds as it is.
    Init {
        /// The folder to create.
        dir: PathBuf,
    },
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Reflowable EPUB 3 for e-reader stores.
    Epub,
    /// Print-ready interior PDF.
    Pdf,
    /// Print cover wrap PDF (back, spine, front).
    Cover,
}

/// Parses the process arguments (exits with a usage message on error).
pub(crate) fn parse() -> Cli {
    Cli::parse()
}
