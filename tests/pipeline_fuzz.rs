//! Property test of the whole pipeline: any manuscript text that reads without errors goes
//! through the EPUB writer, the typesetter and the PDF writer without a panic, and the PDF
//! has an even number of pages. Run longer with `PROPTEST_CASES=2000`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use proptest::prelude::*;

fn markdownish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "# Title\n\n",
        "## Section\n\n",
        "> quoted ",
        "- item\n",
        "1. first\n",
        "\n***\n\n",
        "\n\n",
        "word ",
        "longerwordwithoutanybreakopportunityatallwhatsoever ",
        "*em* ",
        "**strong** ",
        "`code` ",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n",
        "“quoted” ",
        "—",
        "孫子兵法",
        "é",
        "\\\n",
        "<!-- pagebreak -->\n\n",
        "<b>raw</b> ",
        "   indented\n",
        "```\ncode block\n```\n\n",
        "\u{a0}\u{a0}",
        "ﬁ ",
        "...",
        "--",
    ]);
    prop::collection::vec(pieces, 0..80).prop_map(|v| v.concat())
}

fn family() -> quire_typeset::FontFamily {
    let fallback = quire_typeset::FontFace::from_bytes(
        std::fs::read(common::repo().join("fonts/DroidSansFallbackFull.ttf")).unwrap(),
        quire_typeset::FontVariant::Regular,
    )
    .unwrap();
    common::garamond().with_fallback(fallback)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_readable_manuscript_builds(text in markdownish(), narrow in any::<bool>(), note in any::<bool>()) {
        let text = if note { format!("{text}\n\nA claim.[^n]\n\n[^n]: Its source.\n") } else { text };
        let dir = tempfile::tempdir().unwrap();
        let trim = if narrow { "3x5in" } else { "6x9in" };
        std::fs::write(
            dir.path().join("book.toml"),
            format!("[book]\ntitle = \"T\"\nlanguage = \"en\"\nauthors = [\"A\"]\n[contents]\nchapters = [\"a.md\"]\n[print]\ntrim = \"{trim}\"\n"),
        ).unwrap();
        std::fs::write(dir.path().join("a.md"), &text).unwrap();
        let loaded = quire_markdown::load_book(dir.path());
        // Every generated piece is valid Markdown for the manuscript format.
        prop_assert!(loaded.book.is_some(), "{:?}", loaded.diagnostics);
        if let Some(book) = loaded.book {
            let epub = quire_epub::write_epub(&book, &quire_epub::EpubOptions::default()).unwrap();
            prop_assert!(!epub.bytes.is_empty());
            let typeset = quire_typeset::typeset_book(&book, &family());
            prop_assert_eq!(typeset.document.pages.len() % 2, 0);
            let pdf = quire_pdf::write_pdf(&typeset.document, &quire_pdf::PdfOptions::default()).unwrap();
            prop_assert!(pdf.starts_with(b"%PDF-"));
            let cover = quire_typeset::typeset_cover(&book, &family(), typeset.document.pages.len());
            let cover_pdf = quire_pdf::write_pdf(&cover, &quire_pdf::PdfOptions::default()).unwrap();
            prop_assert!(cover_pdf.starts_with(b"%PDF-"));
        }
    }
}
