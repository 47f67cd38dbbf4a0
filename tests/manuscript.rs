//! The Creative Cortex: the editor's corrections of the OCR'd seed, and a clean check.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use quire_model::{BlockKind, Inline};

fn book_text() -> (quire_model::Book, String) {
    let loaded = quire_markdown::load_book(&common::repo().join("manuscript"));
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    let book = loaded.book.expect("the manuscript loads");
    let mut text = String::new();
    for chapter in book.chapters() {
        text.push_str(chapter.title_text.as_deref().unwrap_or(""));
        text.push('\n');
        for block in &chapter.blocks {
            if let BlockKind::Paragraph(content) | BlockKind::Aligned { content, .. } = &block.kind
            {
                text.push_str(&Inline::plain_text(content));
                text.push('\n');
            }
        }
    }
    (book, text)
}

#[test]
fn ocr_errors_are_corrected() {
    let (book, text) = book_text();
    let description = book.metadata.description.clone().unwrap_or_default();
    for (what, haystack) in [("text", &text), ("description", &description)] {
        assert!(
            !haystack.contains("Generative Al"),
            "`Generative Al` left in the {what}"
        );
        assert!(
            !haystack.contains("Al-generated"),
            "`Al-generated` left in the {what}"
        );
        assert!(!haystack.contains("  "), "double space in the {what}");
        assert!(!haystack.contains(" - d"), "stray ` - d` in the {what}");
    }
    assert!(text.contains("As I sit down"));
    assert!(!text.contains("As 1 sit"));
    assert!(text.contains("lifelong fascination with the mysteries"));
    assert!(text.contains("awe-inspiring capacity"));
    assert!(text.contains("AI-generated content"));
    assert!(text.contains("Generative Artificial Intelligence (AI)"));
    assert!(
        text.contains("Let us begin…"),
        "the closing line keeps its ellipsis"
    );
    assert!(
        text.contains("journey—a journey"),
        "the author's em dashes are kept"
    );
    assert!(description.starts_with("The Creative Cortex embarks on an illuminating expedition"));
    assert!(description.contains("Generative AI and Neuroscience."));
}

#[test]
fn structure_and_metadata_follow_the_seed() {
    let (book, _) = book_text();
    let meta = &book.metadata;
    assert_eq!(meta.title, "The Creative Cortex");
    assert_eq!(
        meta.subtitle.as_deref(),
        Some("A Journey into Generative AI and Neuroscience")
    );
    assert_eq!(meta.language, "en-US");
    assert!(
        meta.authors.is_empty(),
        "the seed names no author: none may be invented"
    );
    assert_eq!(book.front.len(), 1);
    assert_eq!(book.front[0].title_text.as_deref(), Some("Preface"));
    assert_eq!(book.front[0].kind, quire_model::ChapterKind::Preface);
    assert_eq!(book.body.len(), 1);
    assert_eq!(book.body[0].title_text.as_deref(), Some("Introduction"));
    assert_eq!(
        book.front[0].blocks.len(),
        7,
        "the Preface has seven paragraphs"
    );
    assert_eq!(
        book.body[0].blocks.len(),
        9,
        "the Introduction has nine paragraphs"
    );
}

#[test]
fn check_reports_no_errors_and_warns_about_the_author() {
    let (output, stderr) = common::run_in(&common::repo(), &["check", "manuscript"]);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("0 error(s), 1 warning(s)"), "{stderr}");
    assert!(stderr.contains("the book has no author"), "{stderr}");
}
