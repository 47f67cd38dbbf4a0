//! `quire`: builds a book folder into an EPUB and a print PDF. See `quire --help`.

mod cli;
mod cmd;
mod cover;
mod fonts;
mod output;
mod preflight;
mod report;
mod svg;

#[cfg(test)]
mod incremental_tests;

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::parse();
    cmd::run(cli)
}
