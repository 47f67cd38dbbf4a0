//! The content oracle on real and generated books: every word, note and picture of the
//! manuscript exactly once, in order, on the page. See `tests/oracle/mod.rs`.
//!
//! The PDF is read with PyMuPDF (`pip install pymupdf==2.0`); without it the PDF checks SKIP
//! loudly, or fail under `QUIRE_REQUIRE_VALIDATORS=1`. Every violation is printed and also
//! written to `target/tmp/oracle-<book>.txt`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "oracle/mod.rs"]
mod oracle;

use std::path::{Path, PathBuf};

use oracle::{Manuscript, Report};

/// Builds `book` (EPUB and PDF) into `out`; returns (pdf, epub).
fn build(book: &Path, out: &Path) -> (PathBuf, PathBuf) {
    let (files, _) = common::build_outputs(book, out, "epub,pdf", &[]);
    (
        common::output_file(&files, "pdf"),
        common::output_file(&files, "epub"),
    )
}

/// Builds `book`, runs every check on both outputs, prints every violation, and fails when
/// there is any.
fn oracle(name: &str, book: &Path) {
    oracle_with(name, book, true);
}

/// [`oracle`]; with `page_depth` false, pages left short and facing pages of unequal depth
/// are reported but do not fail (a book the paginator does not yet set level).
fn oracle_with(name: &str, book: &Path, page_depth: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let (pdf, epub) = build(book, tmp.path());
    let manuscript = Manuscript::read(book);
    let mut reports: Vec<Report> = Vec::new();
    if oracle::pdf::reader_available() {
        let out = oracle::pdf::read(&pdf);
        dump(name, &out);
        reports.push(oracle::check_pdf(name, &manuscript, &out));
    } else {
        common::missing_validator("PyMuPDF (python3 -m pip install pymupdf==2.0)");
    }
    let out = oracle::epub::read(&epub);
    dump(name, &out);
    reports.push(oracle::check_epub(name, &manuscript, &out));
    if !page_depth {
        for r in &mut reports {
            if let Some(depth) = r.violations.remove("g. page depth") {
                r.info
                    .insert("g. page depth (not failing for this book)", depth);
            }
        }
    }
    let mut text = String::new();
    for r in &reports {
        text.push_str(&r.render(usize::MAX));
    }
    eprintln!("{text}");
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("oracle-{name}.txt"));
    let _ = std::fs::write(&file, &text);
    let total: usize = reports.iter().map(Report::count).sum();
    let summary: Vec<String> = reports
        .iter()
        .map(|r| {
            let per: Vec<String> = r
                .violations
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.len()))
                .collect();
            format!("{} {}: {}", r.book, r.kind, per.join(", "))
        })
        .collect();
    assert_eq!(
        total,
        0,
        "the oracle found {total} violation(s) (all printed above, and in {}):\n{}",
        file.display(),
        summary.join("\n")
    );
}

/// With `QUIRE_ORACLE_DUMP=1`, writes what was read back (body words and notes by page) to
/// `target/tmp/oracle-<book>.<kind>.txt`, for looking into a violation.
fn dump(name: &str, out: &oracle::output::Output) {
    if std::env::var_os("QUIRE_ORACLE_DUMP").is_none() {
        return;
    }
    use std::fmt::Write as _;
    let mut s = String::new();
    let mut page = usize::MAX;
    for w in &out.body {
        if w.page != page {
            page = w.page;
            let _ = write!(s, "\n\n## {}\n", out.where_(page));
        }
        s.push_str(&w.w);
        s.push(' ');
    }
    s.push_str("\n\n# NOTES\n");
    for n in &out.notes {
        let at = n.first().map_or(String::new(), |w| out.where_(w.page));
        let words: Vec<&str> = n.iter().map(|w| w.w.as_str()).collect();
        let _ = writeln!(s, "[{at}] {}", words.join(" "));
    }
    let file =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("oracle-{name}.{}.txt", out.kind));
    let _ = std::fs::write(file, s);
}

/// A corpus book by folder name; missing corpus is a SKIP, or a failure under
/// `QUIRE_REQUIRE_VALIDATORS=1`.
fn corpus(slug: &str) -> Option<PathBuf> {
    let dir = common::repo().join("../shared/corpus").join(slug);
    if dir.join("book.toml").is_file() {
        Some(dir)
    } else {
        quire_testkit::skip(
            &format!("corpus book {slug} ({})", dir.display()),
            "the oracle did not run on it",
        );
        None
    }
}

#[test]
fn oracle_manuscript() {
    oracle("manuscript", &common::repo().join("manuscript"));
}

/// The technical test book: code, SVG and PNG figures, tables, links, cross-references,
/// parts, HTML.
#[test]
fn oracle_technical() {
    oracle("technical", &common::repo().join("tests/books/technical"));
}

#[test]
fn oracle_pride_and_prejudice() {
    if let Some(dir) = corpus("jane-austen_pride-and-prejudice") {
        oracle("pride-and-prejudice", &dir);
    }
}

#[test]
fn oracle_art_of_war() {
    if let Some(dir) = corpus("sun-tzu_the-art-of-war_lionel-giles") {
        oracle("art-of-war", &dir);
    }
}

#[test]
fn oracle_alice() {
    if let Some(dir) = corpus("lewis-carroll_alices-adventures-in-wonderland") {
        oracle("alice", &dir);
    }
}

// ---- generated books --------------------------------------------------------------------------

/// Deterministic filler prose: `n` words from a small vocabulary, in sentences, so that every
/// run of six words is (almost surely) unique.
fn filler(seed: u64, n: usize) -> String {
    const VOCAB: &[&str] = &[
        "river",
        "lantern",
        "quietly",
        "harbour",
        "marble",
        "window",
        "orchard",
        "several",
        "thunder",
        "beneath",
        "garden",
        "copper",
        "whistle",
        "morning",
        "distant",
        "paper",
        "silver",
        "crowded",
        "kettle",
        "meadow",
        "honest",
        "journey",
        "velvet",
        "shadow",
        "patient",
        "ribbon",
        "timber",
        "gentle",
        "ancient",
        "pocket",
        "curious",
        "window-sill",
        "harvest",
        "island",
        "narrow",
        "weather",
        "saddle",
        "bright",
        "hollow",
        "basket",
        "letter",
        "winter",
        "evening",
        "captain",
        "orange",
        "pebble",
        "station",
        "candle",
        "forest",
        "ladder",
        "mirror",
        "needle",
        "clever",
        "feather",
        "autumn",
        "carpet",
        "bridge",
        "anchor",
        "blanket",
        "cottage",
        "engine",
        "fiddle",
        "goblet",
        "helmet",
    ];
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let mut out = String::new();
    for i in 0..n {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let w = VOCAB[(state >> 33) as usize % VOCAB.len()];
        if i % 11 == 0 {
            if i > 0 {
                out.push_str(". ");
            }
            let mut c = w.chars();
            if let Some(f) = c.next() {
                out.extend(f.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(w);
        }
    }
    out.push('.');
    out
}

/// Paragraphs of filler, `count` of them, `words` words each.
fn paragraphs(seed: u64, count: usize, words: usize) -> String {
    (0..count)
        .map(|i| filler(seed * 1000 + i as u64, words))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Writes a grey PNG of `w`×`h` pixels with a pattern that tells it apart from others.
fn png(path: &Path, w: u32, h: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let img = image::GrayImage::from_fn(w, h, |x, y| image::Luma([((x * 7 + y * 3) % 251) as u8]));
    img.save(path).unwrap();
}

/// Writes a two-chapter book (`chapter-1.md` is `first`, the second chapter is filler) into
/// `dir` and runs the oracle on it.
fn generated(name: &str, first: &str, pictures: &[(&str, u32, u32)]) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("book.toml"),
        "[book]\ntitle = \"Oracle Sample\"\nauthors = [\"Quire Tests\"]\nlanguage = \"en\"\n\n\
         [contents]\nchapters = [\"chapter-1.md\", \"chapter-2.md\"]\n",
    )
    .unwrap();
    std::fs::write(dir.join("chapter-1.md"), first).unwrap();
    std::fs::write(
        dir.join("chapter-2.md"),
        format!("# The Second Chapter\n\n{}\n", paragraphs(900, 6, 90)),
    )
    .unwrap();
    for (path, w, h) in pictures {
        png(&dir.join(path), *w, *h);
    }
    oracle(name, &dir);
}

#[test]
fn oracle_generated_heading_notes() {
    let text = format!(
        "# A Chapter Title[^title]\n\n{}\n\n## A Section Heading[^section]\n\n{}\n\n\
         [^title]: {}\n\n[^section]: {}\n",
        paragraphs(1, 4, 80),
        paragraphs(2, 6, 80),
        filler(3, 40),
        filler(4, 30)
    );
    generated("heading-notes", &text, &[]);
}

/// `####` to `######` heads run into their paragraphs in print: every word, note and the
/// heads' own text still come out once, in order, across page ends.
#[test]
fn oracle_generated_run_in_heads() {
    let mut text = String::from("# Run-in Heads\n\n");
    for k in 0..12u64 {
        let hashes = "#".repeat(4 + (k % 3) as usize);
        text.push_str(&format!(
            "{hashes} Head number {k}[^h{k}]\n\n{}\n\n",
            paragraphs(20 + k, 2, 70)
        ));
        if k % 4 == 3 {
            // A deep head followed by something else than a paragraph stands alone.
            text.push_str(&format!(
                "#### Standing head {k}\n\n- {}\n\n",
                filler(60 + k, 12)
            ));
        }
    }
    for k in 0..12u64 {
        text.push_str(&format!("[^h{k}]: {}\n\n", filler(40 + k, 15)));
    }
    generated("run-in-heads", &text, &[]);
}

#[test]
fn oracle_generated_figure_between_stanzas() {
    let text = format!(
        "# Verse and a Figure\n\n{}\n\n\
         > The lantern swings above the quay,\\\n>   the harbour sleeps in grey;\\\n\
         > a kettle sings for you and me\\\n>   at closing of the day.\n>\n\
         > ![A small grey pattern.](images/small.png \"A figure set between two stanzas\")\n>\n\
         > The copper moon goes up the hill,\\\n>   the meadow holds its breath;\\\n\
         > the silver river, cold and still,\\\n>   runs on as quiet as death.\n\n{}\n",
        paragraphs(10, 3, 90),
        paragraphs(11, 6, 90)
    );
    generated(
        "figure-between-stanzas",
        &text,
        &[("images/small.png", 300, 200)],
    );
}

/// A chapter title of five lines: the text starts below it, not under it (it was printed
/// over the first lines, which only the overprint check saw).
#[test]
fn oracle_generated_long_chapter_title() {
    let title = ["The Extraordinary"; 12].join(" ");
    let text = format!(
        "# {title} Adventure

{}
",
        paragraphs(30, 5, 80)
    );
    generated("long-chapter-title", &text, &[]);
}

#[test]
fn oracle_generated_long_note() {
    let text = format!(
        "# A Very Long Note\n\n{}[^long]\n\n{}\n\n[^long]: {}\n\n    {}\n",
        paragraphs(20, 1, 60),
        paragraphs(21, 8, 90),
        filler(22, 700),
        filler(23, 700)
    );
    generated("long-note", &text, &[]);
}

#[test]
fn oracle_generated_tall_picture() {
    let text = format!(
        "# A Tall Picture\n\n{}\n\n![A tall grey pattern.](images/tall.png \"A picture taller than the text block\")\n\n{}\n",
        paragraphs(30, 3, 90),
        paragraphs(31, 6, 90)
    );
    generated("tall-picture", &text, &[("images/tall.png", 200, 2400)]);
}

/// Pictures with Pandoc's attributes (`{#fig:id width=50%}`): the attributes are not
/// printed, and a cross-reference to the id names the figure.
/// Pictures inside sentences (an icon, a badge on a link) stay in their line in the EPUB
/// and follow their paragraph in print; the link's address is printed; a picture alone in
/// its paragraph is a figure as before.
#[test]
fn oracle_generated_pictures_in_lines() {
    let text = format!(
        "# Pictures In Lines\n\n{}\n\nClick the ![gear icon](images/icon.png) button to open the settings.\n\n\
         Build status: [![build badge](images/badge.png)](https://ci.example.com) for the main branch.\n\n\
         ![A grey pattern.](images/a.png)\n\n{}\n",
        paragraphs(150, 2, 80),
        paragraphs(151, 3, 90)
    );
    generated(
        "pictures-in-lines",
        &text,
        &[
            ("images/icon.png", 64, 64),
            ("images/badge.png", 200, 40),
            ("images/a.png", 300, 200),
        ],
    );
}

#[test]
fn oracle_generated_picture_attributes() {
    let text = format!(
        "# Pictures With Attributes\n\n{}\n\n![A grey pattern.](images/a.png \"The first picture\"){{width=50%}}\n\n\
         {} As [](#fig:second \"figure\") shows.\n\n![Another.](images/b.png \"The second picture\"){{#fig:second .center}}\n\n{}\n",
        paragraphs(140, 2, 80),
        paragraphs(141, 2, 80),
        paragraphs(142, 4, 90)
    );
    generated(
        "picture-attributes",
        &text,
        &[("images/a.png", 300, 200), ("images/b.png", 320, 180)],
    );
}

#[test]
fn oracle_generated_long_table() {
    let mut table = String::from("| Row | Place | Thing |\n| --- | --- | --- |\n");
    for i in 0..90 {
        table.push_str(&format!(
            "| row {i} | {} | {} |\n",
            filler(100 + i, 2),
            filler(300 + i, 3)
        ));
    }
    let text = format!(
        "# A Long Table\n\n{}\n\n{table}\n{}\n",
        paragraphs(40, 2, 90),
        paragraphs(41, 4, 90)
    );
    generated("long-table", &text, &[]);
}

#[test]
fn oracle_generated_note_referenced_twice() {
    let text = format!(
        "# A Note Twice\n\n{} First reference.[^twice]\n\n{} Second reference.[^twice]\n\n{}\n\n[^twice]: {}\n",
        paragraphs(50, 1, 80),
        paragraphs(51, 1, 80),
        paragraphs(52, 6, 90),
        filler(53, 25)
    );
    generated("note-twice", &text, &[]);
}

#[test]
fn oracle_generated_escaped_brackets() {
    let text = format!(
        "# Escapes\n\n{} The pattern \\[\\^a-z\\] matches, and so does `[^a-z]` in code.\n\n{}\n",
        paragraphs(60, 1, 80),
        paragraphs(61, 6, 90)
    );
    generated("escaped-brackets", &text, &[]);
}

/// One file holding three chapters (a novel exported as one Markdown file): each `#`
/// heading starts a chapter on a page of its own, with its notes numbered from 1 (a note
/// referred to from two chapters is printed in both), and a `#` heading inside a quote
/// stays a heading of its chapter.
#[test]
fn oracle_generated_chapters_in_one_file() {
    let text = format!(
        "# The First of Three\n\n{} A note.[^shared]\n\n{}\n\n\
         # The Second of Three\n\n{} Its own note.[^own] The shared one again.[^shared]\n\n\
         > # A Heading in a Quote\n>\n> {}\n\n{}\n\n\
         The Third of Three\n==================\n\n{}\n\n\
         [^shared]: {}\n\n[^own]: {}\n",
        paragraphs(70, 1, 80),
        paragraphs(71, 5, 90),
        paragraphs(72, 1, 80),
        filler(73, 30),
        paragraphs(74, 5, 90),
        paragraphs(75, 4, 90),
        filler(76, 20),
        filler(77, 25)
    );
    generated("chapters-in-one-file", &text, &[]);
}

/// A note that refers to a note the text refers to later: the book builds (it was refused
/// as "footnotes printed out of order"), and every note is printed once, whole.
#[test]
fn oracle_generated_note_in_a_note() {
    let text = format!(
        "# Notes Within Notes\n\n{} First.[^outer] Second.[^plain]\n\n{} Third.[^inner]\n\n{}\n\n\
         [^outer]: {} See also[^inner].\n\n[^plain]: {}\n\n[^inner]: {}\n",
        paragraphs(80, 1, 80),
        paragraphs(81, 1, 80),
        paragraphs(82, 5, 90),
        filler(83, 20),
        filler(84, 15),
        filler(85, 18)
    );
    generated("note-in-a-note", &text, &[]);
}

/// A chapter exported from Pandoc, Jekyll or Obsidian: YAML front matter (its title names
/// the chapter, the rest is not printed), headings with `{#id .class}` attributes (not
/// printed; links may use the id), and a `---` scene break later that is not front matter.
#[test]
fn oracle_generated_front_matter_and_heading_ids() {
    let text = format!(
        "---\ntitle: \"Exported: A Chapter\"\nauthor: Someone Else\ntags: [a, b]\n---\n\n{}\n\n\
         ## A Section {{#sec .unnumbered}}\n\n{} See [the section](#sec).\n\n---\n{}\n\n\
         ## Sets {{1, 2}} and {{3}}\n\n{}\n",
        paragraphs(90, 2, 80),
        paragraphs(91, 2, 80),
        paragraphs(92, 1, 60),
        paragraphs(93, 4, 90)
    );
    generated("front-matter", &text, &[]);
}

/// Pandoc's fenced divs and line blocks: the fences are not printed, what they hold is;
/// a line block is verse, a line for each line; a table and code keep their bars.
#[test]
fn oracle_generated_pandoc_divs_and_line_blocks() {
    let text = format!(
        "# Divs and Line Blocks\n\n::: epigraph\n{}\n:::\n\n{}\n\n::: {{.note custom-style=\"Aside\"}}\n\n{}\n\n:::\n\n\
         | The lantern swings above the quay,\n|    the harbour sleeps in grey;\n|\n\
         | a kettle sings for you and me.[^n]\n\n{}\n\n| Col | Other |\n|---|---|\n| river | lantern |\n\n\
         ```\n::: kept in code\n| kept too\n```\n\n{}\n\n[^n]: {}\n",
        filler(110, 25),
        paragraphs(111, 2, 80),
        paragraphs(112, 1, 60),
        paragraphs(113, 2, 80),
        paragraphs(114, 3, 90),
        filler(115, 12)
    );
    generated("pandoc-divs", &text, &[]);
}

/// A file whose `#` heading is the book's title ("Oracle Sample") holds the book: each `##`
/// heading is a chapter, the title is not printed again, `###` headings are sections.
#[test]
fn oracle_generated_book_in_one_file_with_sections_for_chapters() {
    let text = format!(
        "# Oracle Sample\n\n## The First Part\n\n{} A note.[^a]\n\n### A Section of It\n\n{}\n\n\
         > ## A Quoted Heading\n>\n> {}\n\n## The Second Part\n\n{}\n\n[^a]: {}\n",
        paragraphs(120, 2, 80),
        paragraphs(121, 3, 90),
        filler(122, 30),
        paragraphs(123, 4, 90),
        filler(124, 20)
    );
    generated("book-in-one-file", &text, &[]);
}

/// A Bible's chapter as Pandoc writes it: verse numbers as `^1^` superscripts, a line block
/// for poetry; every verse is printed, the numbers raised.
#[test]
fn oracle_generated_verse_numbers() {
    let verses: Vec<String> = (1..=40)
        .map(|n| format!("^{n}^ {}", filler(130 + n, 18 + (n as usize * 7) % 20)))
        .collect();
    let text = format!(
        "# The First Chapter\n\n{}\n\n| ^41^ {}\n| {}\n\n{} The [Lord]{{.smallcaps}} said so.\n",
        verses[..20].join(" "),
        filler(171, 8),
        filler(172, 8),
        verses[20..].join("\n\n")
    );
    generated("verse-numbers", &text, &[]);
}

/// A Bible's chapter with notes: verse numbers as `<sup>` beside the notes' markers, both
/// raised digits on the same pages. Every verse number is printed as text and every marker
/// leads to its note (the reader tells them apart by the markers' links).
#[test]
fn oracle_generated_verse_numbers_beside_notes() {
    let mut text = String::from("# The First Chapter\n\n");
    let mut notes = String::new();
    for n in 1..=36u64 {
        let verse = filler(300 + n, 14 + (n as usize * 5) % 18);
        if n % 4 == 1 {
            text.push_str(&format!("<sup>{n}</sup> {verse}[^v{n}] "));
            notes.push_str(&format!("[^v{n}]: {}\n", filler(400 + n, 6)));
        } else {
            text.push_str(&format!("<sup>{n}</sup> {verse} "));
        }
        if n % 6 == 0 {
            text.push_str("\n\n");
        }
    }
    text.push_str("\n\n");
    text.push_str(&notes);
    generated("verse-numbers-notes", &text, &[]);
}

/// A book whose chapters are each one page (psalms, short poems, a Bible's short books)
/// has no running heads: the oracle takes no title for page furniture.
#[test]
fn oracle_generated_one_page_chapters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("one-page-chapters");
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<String> = (1..=6).map(|n| format!("psalm-{n}.md")).collect();
    std::fs::write(
        dir.join("book.toml"),
        format!(
            "[book]\ntitle = \"Short Chapters\"\nauthors = [\"Quire Tests\"]\nlanguage = \"en\"\n\n\
             [contents]\nchapters = [{}]\n",
            files
                .iter()
                .map(|f| format!("\"{f}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .unwrap();
    for (n, file) in files.iter().enumerate() {
        let n = n as u64;
        std::fs::write(
            dir.join(file),
            format!(
                "# Psalm {} Of {}\n\n{}\n",
                n + 1,
                filler(700 + n, 2),
                paragraphs(710 + n, 2, 40)
            ),
        )
        .unwrap();
    }
    oracle("one-page-chapters", &dir);
}

/// Thai writes no space between words: its lines break between the words a dictionary
/// finds, never inside a letter with its vowel and tone marks, and the text copies back
/// letter for letter.
#[test]
fn oracle_generated_thai_without_spaces() {
    const SENTENCES: [&str; 6] = [
        "กาลครั้งหนึ่งนานมาแล้วมีชายชราคนหนึ่งอาศัยอยู่ในหมู่บ้านเล็กๆริมแม่น้ำ",
        "เขามีลูกชายสามคนซึ่งทุกคนต่างทำงานหนักในไร่นาของครอบครัวตั้งแต่เช้าจนค่ำ",
        "วันหนึ่งชายชราเรียกลูกทั้งสามมาพบและบอกว่าพ่อแก่ชราลงมากแล้ว",
        "ลูกชายคนโตตอบว่าตนเองไม่ต้องการที่ดินแต่อยากเดินทางไปแสวงหาความรู้ในเมืองหลวง",
        "ส่วนลูกชายคนเล็กนั้นนั่งเงียบอยู่นานก่อนจะบอกว่าตนอยากเป็นพระภิกษุ",
        "ชายชราฟังแล้วก็ยิ้มด้วยความภาคภูมิใจในลูกทั้งสามคนของตน",
    ];
    let mut text = String::from("# นิทาน\n\n");
    for p in 0..14usize {
        // A number in Thai digits opens each paragraph, so that each starts differently.
        let digit = |d: usize| char::from_u32(0x0E50 + d as u32).unwrap_or('0');
        text.push_str(&format!("{}{} ", digit(p / 10), digit(p % 10)));
        for s in 0..4 {
            text.push_str(SENTENCES[(p * 5 + s * 7) % SENTENCES.len()]);
            text.push(' ');
        }
        text.push_str("\n\n");
    }
    generated("thai", &text, &[]);
}

/// A novel converted from a web edition keeps inline HTML (Standard Ebooks' `<abbr>`,
/// `<i lang>`, `<cite>`, `<span epub:type>`): the text prints, the tags do not.
#[test]
fn oracle_generated_inline_html_of_web_editions() {
    let text = format!(
        "# Inline Markup\n\n{} The <abbr title=\"Mister\">Mr.</abbr> read <cite>Ivanhoe</cite> \
         and said <q>good morning</q> in <i lang=\"fr\">bonjour</i> at <time datetime=\"1813\">noon</time>, \
         <small>quietly</small>, on page <span epub:type=\"z3998:roman\">XII</span>.\n\n{}\n",
        paragraphs(150, 1, 80),
        paragraphs(151, 5, 90)
    );
    generated("inline-html", &text, &[]);
}

/// HTML that writes Markdown's blocks (`<p class>`, `<h2>`, `<ul><li>`, `<hr>`) prints
/// as those blocks, not as markup.
#[test]
fn oracle_generated_html_blocks() {
    let text = format!(
        "# Html Blocks\n\n{}\n\n<p class=\"center\">{} <em>and more</em>.</p>\n\n<h2>An Html Heading</h2>\n\n\
         <ul>\n<li>{}</li>\n<li>{}</li>\n</ul>\n\n<hr/>\n\n<p>\n{}\n</p>\n\n{}\n",
        paragraphs(160, 1, 80),
        filler(161, 30),
        filler(162, 8),
        filler(163, 8),
        filler(164, 40),
        paragraphs(165, 4, 90)
    );
    generated("html-blocks", &text, &[]);
}

/// Whole HTML elements that write Markdown's blocks (`<pre>`, `<table>`, `<blockquote>`,
/// and `<blockquote>` tags around Markdown) print as code, a table and quotes: every word
/// once, no tag.
#[test]
fn oracle_generated_html_elements() {
    let text = format!(
        "# Html Elements\n\n{}\n\n<pre><code class=\"language-rust\">fn lantern() {{\n    let river = 1 &lt; 2;\n}}\n</code></pre>\n\n\
         <table>\n<thead><tr><th>Orchard</th><th align=\"right\">Copper</th></tr></thead>\n\
         <tr><td><em>{}</em></td><td>{}</td></tr>\n<tr><td colspan=\"2\">{}</td></tr>\n</table>\n\n\
         <blockquote>\n<p>{}</p>\n<p>{}</p>\n</blockquote>\n\n<blockquote>\n\n{}\n\n</blockquote>\n\n{}\n",
        paragraphs(170, 1, 80),
        filler(171, 6),
        filler(172, 5),
        filler(173, 9),
        filler(174, 40),
        filler(175, 30),
        paragraphs(176, 2, 60),
        paragraphs(177, 4, 90)
    );
    generated("html-elements", &text, &[]);
}

/// The checks are not vacuous: the manuscript's EPUB read back, then damaged by hand (a
/// paragraph dropped, one doubled, one moved), is reported on all three counts.
#[test]
fn oracle_detects_damage() {
    let book = common::repo().join("manuscript");
    let tmp = tempfile::tempdir().unwrap();
    let (_, epub) = build(&book, tmp.path());
    let m = Manuscript::read(&book);
    let clean = oracle::epub::read(&epub);
    assert_eq!(oracle::check_epub("manuscript", &m, &clean).count(), 0);
    let long: Vec<&Vec<String>> = m
        .blocks
        .iter()
        .map(|b| &b.words)
        .filter(|w| w.len() > 20)
        .collect();
    assert!(long.len() >= 4, "the manuscript has long paragraphs");
    let find = |out: &oracle::output::Output, words: &[String]| -> usize {
        let body: Vec<&str> = out.body.iter().map(|w| w.w.as_str()).collect();
        body.windows(words.len())
            .position(|win| win.iter().zip(words).all(|(a, b)| *a == b.as_str()))
            .expect("paragraph found")
    };
    let mut damaged = clean.clone();
    // Drop the second long paragraph.
    let at = find(&damaged, long[1]);
    damaged.body.drain(at..at + long[1].len());
    // Double the third.
    let at = find(&damaged, long[2]);
    let copy: Vec<_> = damaged.body[at..at + long[2].len()].to_vec();
    damaged.body.splice(at..at, copy);
    // Move the first to the end.
    let at = find(&damaged, long[0]);
    let moved: Vec<_> = damaged.body.drain(at..at + long[0].len()).collect();
    damaged.body.extend(moved);
    // Print words the manuscript does not hold (front matter leaking in, say).
    let mut leaked = damaged.body[at].clone();
    for word in ["title", "exported", "author", "someone"] {
        leaked.w = word.to_string();
        damaged.body.insert(at, leaked.clone());
    }
    let report = oracle::check_epub("manuscript (damaged)", &m, &damaged);
    eprintln!("{}", report.render(5));
    for check in [
        "a. body text missing",
        "b. body text doubled",
        "c. body order",
        "h. text not in the manuscript",
    ] {
        assert!(
            report.violations.get(check).is_some_and(|v| !v.is_empty()),
            "{check} found nothing"
        );
    }
}

/// A real programming book written for mdBook (`../shared/corpus-next`): 110 files of
/// fenced code, nested lists, tables, HTML and links. Every word, note and picture is
/// checked; the depth of its pages is reported only (code blocks that cannot break leave
/// some spreads three lines short).
#[test]
fn oracle_nomicon() {
    let dir = common::repo().join("../shared/corpus-next/rust-lang_nomicon");
    if dir.join("book.toml").is_file() {
        oracle_with("nomicon", &dir, false);
    } else {
        quire_testkit::skip(
            &format!("the nomicon ({})", dir.display()),
            "the oracle did not run on it",
        );
    }
}

/// The oracle on any book: `QUIRE_ORACLE_BOOK=path/to/book cargo test --test oracle --
/// --ignored oracle_any_book` checks every word, note and picture of that book as the
/// tests above check theirs (page depth reported, not failing), for trying a book nobody
/// here wrote.
#[test]
#[ignore = "needs QUIRE_ORACLE_BOOK"]
fn oracle_any_book() {
    let Some(dir) = std::env::var_os("QUIRE_ORACLE_BOOK").map(PathBuf::from) else {
        panic!("set QUIRE_ORACLE_BOOK to the folder of the book to check");
    };
    let name = dir
        .file_name()
        .map_or_else(|| "book".to_string(), |n| n.to_string_lossy().into_owned());
    oracle_with(&name, &dir, false);
}
