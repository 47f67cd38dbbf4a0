//! Property tests: the front end never panics, whatever the manuscript holds.
//!
//! These are the fuzz targets kept from the foundation work; run them longer with
//! `PROPTEST_CASES=100000 cargo test -p quire-markdown --test fuzz --release`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

/// Markdown-ish text: random mixes of the constructs the parser handles.
fn markdownish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "# ",
        "## ",
        "> ",
        "- ",
        "1. ",
        "***",
        "\n",
        "\n\n",
        "[^1]",
        "[^1]: ",
        "[^x]",
        "*",
        "**",
        "`",
        "```\n",
        "|",
        "| a | b |\n|---|---|\n",
        "![",
        "](",
        ")",
        "\"",
        "--",
        "---",
        "...",
        "<!-- pagebreak -->",
        "<script>",
        "<br>",
        "\\\n",
        "\u{a0}\u{a0}",
        "é",
        "—",
        "[",
        "]",
        "word ",
        "text",
        "    ",
        "\t",
        "<",
        "&amp;",
        "{{#include inc.md}}",
        "{{#include inc.md:2}}",
        "{{#include inc.md:a}}",
        "{{#rustdoc_include inc.md::3}}",
        "{{#playground inc.md editable}}",
        "{{#title T}}",
        "{{#unknown}}",
        "\\{{#include inc.md}}",
        "{{#include ../x}}",
        "<p class=\"c\">",
        "</p>",
        "<h2>",
        "</h2>",
        "<ul>\n",
        "<li>",
        "</li>\n",
        "<hr/>\n",
        "| ",
        ":::",
        "::: note\n",
        "^",
        "~",
        "]{.smallcaps}",
        "{#id .c}",
        "{width=50%}",
        "---\ntitle: T\n---\n",
        "\n: ",
        "<cite>",
        "</span>",
        "{{#",
        "}}",
        "ANCHOR: a\n",
        "ANCHOR_END: a\n",
        "\u{7}",
        "\u{c}",
        "\u{85}",
        "\u{0}",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn chapters_never_panic(text in markdownish()) {
        let (chapters, diagnostics) = quire_markdown::parse_chapter_text(&text);
        for d in &diagnostics {
            if let Some(span) = d.span {
                prop_assert!(span.start as usize <= text.len());
                prop_assert!(span.line >= 1 && span.column >= 1);
            }
        }
        prop_assert!(!chapters.is_empty());
    }

    /// A chapter that includes a file (which may include itself), with control characters
    /// about: no panic, and every place a message names is inside the chapter as written.
    #[test]
    fn includes_and_control_characters_never_panic(
        text in markdownish(),
        included in markdownish(),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\ntitle = \"T\"\nlanguage = \"en\"\n[contents]\nchapters = [\"a.md\"]\n",
        )
        .expect("write");
        let chapter = format!("# A\n\n{text}");
        std::fs::write(dir.path().join("a.md"), &chapter).expect("write");
        std::fs::write(dir.path().join("inc.md"), &included).expect("write");
        let loaded = quire_markdown::load_book(dir.path());
        for d in &loaded.diagnostics {
            if let Some(span) = d.span.filter(|s| s.file.0 > 0) {
                prop_assert!(span.start <= span.end, "{d:?}");
                prop_assert!(span.end as usize <= chapter.len(), "{d:?}");
                prop_assert!(chapter.is_char_boundary(span.start as usize), "{d:?}");
                prop_assert!(span.line >= 1 && span.column >= 1, "{d:?}");
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = quire_markdown::parse_chapter_text(&text);
    }

    #[test]
    fn arbitrary_book_toml_never_panics(toml in "[\\[\\]a-z=\" \\n.0-9-]{0,120}") {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("book.toml"), &toml).expect("write");
        std::fs::write(dir.path().join("a.md"), "# A\n\nText.\n").expect("write");
        let loaded = quire_markdown::load_book(dir.path());
        prop_assert!(loaded.book.is_none() || !loaded.has_errors());
    }
}
