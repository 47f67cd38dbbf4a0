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

/// mimalloc rather than the system's allocator: typesetting makes and frees millions of
/// small vectors, and mimalloc does so for 6-10% less time at 5% more memory (measured in
/// docs/decisions.md, "Speed").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::parse();
    cmd::run(cli)
}
