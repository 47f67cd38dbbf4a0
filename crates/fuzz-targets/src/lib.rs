//! The bodies of Quire's fuzz targets. `fuzz/fuzz_targets/*.rs` (cargo-fuzz, nightly) call
//! these with libFuzzer's bytes; `tests/regressions.rs` calls them with every input kept in
//! `fuzz/regressions/<target>/`, so what a fuzzer once found stays fixed, on any toolchain.
//!
//! Each target fails (panics) only where Quire is wrong: a panic inside Quire, or a broken
//! promise of the typesetter (text lost or repeated, which it reports as an error).

use std::path::Path;

/// The front end: the bytes up to the first NUL are `book.toml`, the rest one chapter
/// (`one.md`), read from a temporary book folder. Every diagnostic must point into a file
/// of the book, at a line and column inside it.
pub fn front_end(data: &[u8]) {
    let (toml, chapter) = split(data);
    let Ok(dir) = tempfile::tempdir() else { return };
    if write(dir.path(), toml, chapter).is_err() {
        return;
    }
    let loaded = quire_markdown::load_book(dir.path());
    for d in &loaded.diagnostics {
        if let Some(span) = d.span {
            let file = loaded
                .sources
                .get(span.file)
                .unwrap_or_else(|| panic!("a diagnostic names no file: {d:?}"));
            assert!(
                span.start as usize <= file.text.len() && span.end >= span.start,
                "a span outside its file: {d:?}"
            );
            assert!(span.line >= 1 && span.column >= 1, "no place: {d:?}");
        }
    }
}

/// The whole pipeline on a small book: the bytes (as UTF-8, lossily) are one chapter,
/// typeset to pages and written as PDF and EPUB. The typesetter's ledger must find every
/// block set once and in order.
pub fn pipeline(data: &[u8]) {
    if data.len() > 20_000 {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let (chapters, _) = quire_markdown::parse_chapter_text(&text);
    let mut book = quire_model::Book::new(quire_model::Metadata {
        title: "Fuzz".into(),
        authors: vec![quire_model::Author {
            name: "A. Writer".into(),
            file_as: "Writer, A.".into(),
            role: "aut".into(),
        }],
        language: "en".into(),
        ..quire_model::Metadata::default()
    });
    book.body.extend(chapters);
    let typeset = quire_typeset::typeset_book(&book, &family());
    let broken: Vec<_> = typeset
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(
        broken.is_empty(),
        "the typesetter broke a promise: {broken:?}"
    );
    let _ = quire_pdf::write_pdf(&typeset.document, &quire_pdf::PdfOptions::default());
    let _ = quire_epub::write_epub(&book, &quire_epub::EpubOptions::default());
}

/// Parsers of untrusted bytes: the first byte chooses SVG (then written clean), a font
/// (then used to set a line), or a picture read by the front end as a book's image.
pub fn parsers(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    match choice % 3 {
        0 => {
            if let Ok(svg) = quire_svg::Svg::parse(rest, &quire_svg::SvgFonts::none()) {
                let _ = svg.to_clean_svg();
            }
        }
        1 => {
            let Ok(face) = quire_typeset::FontFace::from_bytes(
                rest.to_vec(),
                quire_typeset::FontVariant::Regular,
            ) else {
                return;
            };
            let family = quire_typeset::FontFamily::new(face);
            let mut book = quire_model::Book::default();
            let (chapters, _) =
                quire_markdown::parse_chapter_text("# T\n\nSome text, *set* in it: fi ffl 123.\n");
            book.body.extend(chapters);
            let _ = quire_typeset::typeset_book(&book, &family);
        }
        _ => {
            let toml = b"[book]\ntitle = \"T\"\nlanguage = \"en\"\nauthors = [\"A\"]\n[contents]\nchapters = [\"one.md\"]\n";
            let chapter = b"# One\n\n![a picture](picture.png)\n";
            let Ok(dir) = tempfile::tempdir() else { return };
            if write(dir.path(), toml, chapter).is_ok()
                && std::fs::write(dir.path().join("picture.png"), rest).is_ok()
            {
                let _ = quire_markdown::load_book(dir.path());
            }
        }
    }
}

/// The built-in book face.
fn family() -> quire_typeset::FontFamily {
    static REGULAR: &[u8] = include_bytes!("../../../fonts/EBGaramond12-Regular.otf");
    static ITALIC: &[u8] = include_bytes!("../../../fonts/EBGaramond12-Italic.otf");
    quire_typeset::FontFamily::from_bytes(REGULAR.to_vec(), Some(ITALIC.to_vec()), None, None)
        .unwrap_or_else(|e| panic!("the built-in fonts: {e}"))
}

fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, b"# One\n\nText.\n"),
    }
}

fn write(dir: &Path, toml: &[u8], chapter: &[u8]) -> std::io::Result<()> {
    std::fs::write(dir.join("book.toml"), toml)?;
    std::fs::write(dir.join("one.md"), chapter)
}
