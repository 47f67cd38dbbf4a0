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
    /// Build the book's outputs (EPUB, PDF, cover) into an output folder; given several
    /// books, or a folder of books, build each into `<out>/<folder name>/`, side by side, with
    /// a summary table.
    Build {
        /// The book folder (holding book.toml); or several; or a folder of book folders.
        #[arg(default_value = "manuscript")]
        books: Vec<PathBuf>,
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
        /// Prepare the files for a store and check them against its published rules
        /// (exit 1 when one fails): `kdp` leaves links out of the print interior,
        /// `ingramspark` writes PDF/X-1a:2001 in CMYK with 0.5 in margins.
        #[arg(long, value_enum)]
        target: Option<StoreTarget>,
        /// Of a catalogue, build only the i-th of n shares (`--shard 2/8`): each book falls in
        /// one share by a hash of its folder name, the same on every machine.
        #[arg(long, value_parser = crate::cmd::parse_shard)]
        shard: Option<(usize, usize)>,
        /// Of a catalogue, skip the books whose inputs are unchanged since their last good
        /// build into the same output folder.
        #[arg(long)]
        changed_only: bool,
        /// Of a catalogue, how many books to build at once (default: the machine's cores).
        #[arg(long)]
        jobs: Option<usize>,
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
        /// Also build every output in memory and check it against a store's published
        /// rules (page count, margins, pictures, cover, sizes, ISBN, EPUBCheck).
        #[arg(long, value_enum)]
        target: Option<StoreTarget>,
    },
    /// Rebuild the outputs whenever a file of the book changes: one line per rebuild with
    /// its time, and the diagnostics that are new.
    Watch {
        /// The book folder (holding book.toml).
        #[arg(default_value = "manuscript")]
        book: PathBuf,
        /// Where to write the outputs.
        #[arg(long, short, default_value = "out")]
        out: PathBuf,
        /// Which outputs, comma-separated.
        #[arg(long, short, value_delimiter = ',', default_value = "epub,pdf,cover")]
        format: Vec<Format>,
    },
    /// Serve a live preview on 127.0.0.1: the print edition as spreads and the ebook at
    /// phone width, refreshed within a moment of every save, with the diagnostics.
    Preview {
        /// The book folder (holding book.toml).
        #[arg(default_value = "manuscript")]
        book: PathBuf,
        /// The port (0: any free port; the address is printed).
        #[arg(long, default_value_t = 8420)]
        port: u16,
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

/// A store to prepare the book for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StoreTarget {
    /// Amazon KDP (paperback and Kindle).
    Kdp,
    /// IngramSpark (PDF/X-1a print, ebook).
    Ingramspark,
    /// Apple Books.
    Apple,
    /// Kobo Writing Life.
    Kobo,
    /// Google Play Books.
    Google,
    /// Barnes & Noble Press.
    Bn,
}

impl StoreTarget {
    /// The preflight target.
    pub(crate) fn target(self) -> quire_preflight::Target {
        use quire_preflight::Target;
        match self {
            StoreTarget::Kdp => Target::Kdp,
            StoreTarget::Ingramspark => Target::IngramSpark,
            StoreTarget::Apple => Target::Apple,
            StoreTarget::Kobo => Target::Kobo,
            StoreTarget::Google => Target::Google,
            StoreTarget::Bn => Target::BarnesNoble,
        }
    }
}

/// Parses the process arguments (exits with a usage message on error).
pub(crate) fn parse() -> Cli {
    Cli::parse()
}
