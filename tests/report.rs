//! `quire build --report`: typesetting problems at their place in the manuscript.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[test]
fn the_report_names_forced_breaks_and_missing_glyphs_where_they_are() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"T\"\nlanguage = \"en\"\nauthors = [\"A\"]\n[contents]\nchapters = [\"a.md\"]\n[print]\ntrim = \"3x5in\"\n",
    )
    .unwrap();
    std::fs::write(
        book.join("a.md"),
        "# One\n\nA short line.\n\nThe number 12345678901234567890123456789012345678901234567890 is long, and 孫𥘲 too, 🩰.\n\n```\nlet x = \"\u{1FA80}\";\n```\n",
    )
    .unwrap();
    let (output, stderr) = common::run_in(
        work.path(),
        &["build", "book", "--format", "pdf", "--report"],
    );
    let stderr = common::reported(&stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "warning: book/a.md:5:1: a word too wide for the line was broken without a hyphen"
        ),
        "{stderr}"
    );
    // 孫 and the Extension-B 𥘲 come from the built-in CJK faces; the ballet shoes are in
    // no font: reported at their own line and column, with their name.
    assert!(
        stderr.contains("book/a.md:5:84: no font has a glyph for '🩰' (U+1FA70 BALLET SHOES)"),
        "{stderr}"
    );
    assert!(!stderr.contains("'𥘲'"), "{stderr}");
    // In a code block too.
    assert!(
        stderr.contains("book/a.md:8:10: no font has a glyph for '🪀' (U+1FA80 YO-YO)"),
        "{stderr}"
    );
    assert!(!stderr.contains("'孫'"), "{stderr}");
    // Without --report, the warnings still (they need the author); notes on loose
    // paragraphs only with it.
    let (output, stderr) = common::run_in(work.path(), &["build", "book", "--format", "pdf"]);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("a word too wide"), "{stderr}");
    assert!(stderr.contains("U+1FA70 BALLET SHOES"), "{stderr}");
}

#[test]
fn loose_paragraphs_are_notes_shown_with_report() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"T\"\nlanguage = \"en\"\nauthors = [\"A\"]\n[contents]\nchapters = [\"a.md\"]\n[print]\ntrim = \"3x5in\"\n",
    )
    .unwrap();
    // Long unbreakable words in a narrow measure: lines can only be loose.
    std::fs::write(
        book.join("a.md"),
        "# One\n\nIncomprehensibilities notwithstanding, characteristically uncharacteristic internationalisations overwhelmed institutionalisation thoroughly.\n",
    )
    .unwrap();
    let (output, stderr) = common::run_in(work.path(), &["build", "book", "--format", "pdf"]);
    assert!(output.status.success(), "{stderr}");
    let (_, with_report) = common::run_in(
        work.path(),
        &["build", "book", "--format", "pdf", "--report"],
    );
    let with_report = common::reported(&with_report);
    assert!(stderr.contains("1 typesetting note(s)"), "{stderr}");
    assert!(!stderr.contains("note: book/a.md"), "{stderr}");
    assert!(
        with_report.contains("note: book/a.md:3:1: paragraph"),
        "{with_report}"
    );
}
