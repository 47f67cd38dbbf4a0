//! The print PDF of the manuscript and of every corpus book, checked with the real tools:
//! qpdf (structure), pdffonts (every font embedded, subset, with a ToUnicode map), the page
//! boxes, and pdftotext (the text, with line-end hyphens rejoined, holds the manuscript's
//! words in order).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use quire_model::{Block, BlockKind, Inline};

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("-v").output().is_ok()
        || Command::new(name).arg("--version").output().is_ok();
    if !found {
        common::missing_validator(name);
    }
    found
}

/// The PDF's text as `pdftotext` reads it.
fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds `book` as PDF into a fresh folder; returns the PDF's path (and keeps the folder).
fn build_pdf(book: &Path, out: &Path) -> PathBuf {
    build_pdf_report(book, out).0
}

/// Builds with `--report`; returns the PDF and the characters the fonts have no glyph for
/// (each reported by the build at its place in the manuscript).
fn build_pdf_report(book: &Path, out: &Path) -> (PathBuf, Vec<char>) {
    let (files, stderr) = common::build_outputs(book, out, "pdf", &["--report"]);
    let mut missing: Vec<char> = Vec::new();
    for line in stderr.lines() {
        if let Some(rest) = line.split("has no glyph for '").nth(1)
            && let Some(c) = rest.chars().next()
            && !missing.contains(&c)
        {
            missing.push(c);
        }
    }
    (common::output_file(&files, "pdf"), missing)
}

use common::one_chapter_book;

/// The PDF's text as PyMuPDF reads it, page after page; `None` without PyMuPDF.
fn pymupdf_text(pdf: &Path) -> Option<String> {
    common::pymupdf(
        "import sys, pymupdf\nfor page in pymupdf.open(sys.argv[1]): print(page.get_text())",
        pdf,
    )
}

/// A one-chapter book (`book_toml`'s `[book]` lines, `chapter`'s Markdown) built as PDF in a
/// fresh folder (kept while the first value lives); `None` without the validators.
fn chapter_pdf(book_toml: &str, chapter: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if !validators() {
        return None;
    }
    let work = tempfile::tempdir().unwrap();
    let book = one_chapter_book(work.path(), book_toml, chapter);
    let pdf = build_pdf(&book, &work.path().join("out"));
    Some((work, pdf))
}

fn is_ideograph(c: char) -> bool {
    matches!(u32::from(c), 0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Lowercase words; hyphens and apostrophes join (so "gentleman-like" is one word however a
/// line broke it), every other non-letter separates.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_ideograph(c) {
            // Chinese has no spaces between words: compare it character by character.
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(c.to_string());
        } else if c.is_alphabetic() {
            word.extend(c.to_lowercase());
        } else if matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\'' | '’' | '\u{ad}') {
            continue;
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn push_blocks(blocks: &[Block], out: &mut String) {
    for block in blocks {
        match &block.kind {
            BlockKind::Paragraph(c) | BlockKind::Aligned { content: c, .. } => {
                out.push_str(&Inline::plain_text(c));
                out.push('\n');
            }
            BlockKind::Heading { content, .. } => {
                out.push_str(&Inline::plain_text(content));
                out.push('\n');
            }
            BlockKind::BlockQuote(inner) => push_blocks(inner, out),
            BlockKind::Verse(stanzas) => {
                for line in stanzas.iter().flatten() {
                    out.push_str(&Inline::plain_text(&line.content));
                    out.push('\n');
                }
            }
            BlockKind::List(list) => {
                for item in &list.items {
                    push_blocks(&item.blocks, out);
                }
            }
            _ => {}
        }
    }
}

/// The running text of the book as the manuscript has it (titles and body, not notes).
fn manuscript_words(book: &Path) -> Vec<String> {
    let loaded = quire_markdown::load_book(book);
    let book = loaded.book.expect("book loads");
    let mut text = String::new();
    for chapter in book.chapters() {
        text.push_str(chapter.title_text.as_deref().unwrap_or(""));
        text.push('\n');
        push_blocks(&chapter.blocks, &mut text);
    }
    words(&text)
}

/// The running text of the PDF: words from `pdftotext -bbox-layout` in reading order,
/// without running heads and folios (above the text block) and without smaller type
/// (footnotes, their markers, captions, tables), with words hyphenated at a line end (or a
/// page end) rejoined.
fn pdf_words(pdf: &Path) -> Vec<String> {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-bbox-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success());
    let xml = String::from_utf8_lossy(&out.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> f64 {
        tag.split(&format!("{name}=\"")[..])
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    // Lines of (word, height).
    let mut lines: Vec<Vec<(String, f64)>> = Vec::new();
    for line in xml.split("<line").skip(1) {
        let mut words = Vec::new();
        for word in line.split("<word").skip(1) {
            let Some((tag, rest)) = word.split_once('>') else {
                continue;
            };
            let text = rest.split("</word>").next().unwrap_or("");
            let text = text
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'");
            if attr(tag, "yMin") < 50.0 {
                continue; // running head and folio
            }
            words.push((text, attr(tag, "yMax") - attr(tag, "yMin")));
        }
        if !words.is_empty() {
            lines.push(words);
        }
    }
    let mut heights: Vec<f64> = lines.iter().flatten().map(|(_, h)| *h).collect();
    heights.sort_by(f64::total_cmp);
    // Body type is the bulk of the words, though footnotes may outnumber it (The Art of
    // War): the 80th percentile of word heights is body type in every book here.
    let body = heights.get(heights.len() * 4 / 5).copied().unwrap_or(0.0);
    let mut text = String::new();
    for line in &lines {
        // A line in smaller type (a footnote, a caption, a table) is left out whole; its
        // size is judged on its Latin words, since fallback glyphs (CJK) have other boxes.
        let mut latin: Vec<f64> = line
            .iter()
            .filter(|(w, _)| w.chars().any(|c| c.is_ascii_alphabetic()))
            .map(|(_, h)| *h)
            .collect();
        if latin.is_empty() {
            latin = line.iter().map(|(_, h)| *h).collect();
        }
        latin.sort_by(f64::total_cmp);
        if latin.get(latin.len() / 2).is_none_or(|h| *h < body * 0.92) {
            continue;
        }
        // Footnote markers inside a body line are smaller too.
        let kept: Vec<&str> = line
            .iter()
            .filter(|(_, h)| *h >= body * 0.8)
            .map(|(w, _)| w.as_str())
            .collect();
        let joined = kept.join(" ");
        // An address broken before a hyphen or a dot (after a line ending in a slash
        // or a name of it): the line goes on without a space.
        let last_token = text.split_whitespace().last().unwrap_or_default();
        if joined.starts_with(['-', '.', '_']) && last_token.contains('/') && text.ends_with('\n') {
            text.pop();
        }
        match joined.strip_suffix('-') {
            // A hyphen at the end of a line: the word goes on at the next line.
            Some(stem) if stem.ends_with(char::is_alphabetic) => text.push_str(stem),
            _ => {
                text.push_str(&joined);
                text.push('\n');
            }
        }
    }
    words(&text)
}

/// The print checks: qpdf, fonts, page boxes, an even page count, and (with `words`) every
/// manuscript word in order in the text layer.
fn check_pdf(book: &Path, words_in_order: bool) {
    let work = tempfile::tempdir().unwrap();
    let (pdf, no_glyph) = build_pdf_report(book, work.path());
    let name = book
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();

    // qpdf: no errors, no warnings.
    let qpdf = Command::new("qpdf")
        .arg("--check")
        .arg(&pdf)
        .output()
        .expect("qpdf runs");
    let report =
        String::from_utf8_lossy(&qpdf.stdout).into_owned() + &String::from_utf8_lossy(&qpdf.stderr);
    assert_eq!(
        qpdf.status.code(),
        Some(0),
        "{name}: qpdf --check:\n{report}"
    );
    assert!(
        !report.contains("WARNING"),
        "{name}: qpdf warnings:\n{report}"
    );

    // pdffonts: every font embedded, subset and with a ToUnicode map; no Type 3.
    let fonts = Command::new("pdffonts")
        .arg(&pdf)
        .output()
        .expect("pdffonts runs");
    let table = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{name}: no fonts:\n{table}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 6, "{name}: {row}");
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "{name}: font not embedded+subset+unicode: {row}"
        );
        assert!(!row.contains("Type 3"), "{name}: {row}");
    }

    // Page boxes on every page.
    let bytes = std::fs::read(&pdf).unwrap();
    let count = |needle: &str| {
        bytes
            .windows(needle.len())
            .filter(|w| *w == needle.as_bytes())
            .count()
    };
    let info = Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo runs");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("page count");
    assert!(pages > 4, "{name}: {pages} pages");
    assert_eq!(count("/TrimBox"), pages, "{name}: TrimBox on every page");
    assert_eq!(count("/BleedBox"), pages, "{name}: BleedBox on every page");
    assert_eq!(
        pages % 2,
        0,
        "{name}: a printed book has an even number of pages"
    );

    if !words_in_order {
        return;
    }
    // The text: every word of the manuscript, in order.
    // Characters no font has are reported by the build (checked below) and cannot be in
    // the text layer: words holding them are left out of the comparison.
    assert!(
        no_glyph.len() <= 6,
        "{name}: the fonts lack {} characters: {no_glyph:?}",
        no_glyph.len()
    );
    let want: Vec<String> = manuscript_words(book)
        .into_iter()
        .filter(|w| !w.chars().any(|c| no_glyph.contains(&c)))
        .collect();
    let got = pdf_words(&pdf);
    let mut at = 0;
    let mut missing = Vec::new();
    let mut first_miss = String::new();
    for (k, word) in want.iter().enumerate() {
        // Titles, page furniture and footnotes (some run over pages, and word by word in
        // Chinese) come between the words: look a little ahead for the word, then further
        // for the word and the next one together (so a common word cannot jump ahead).
        let near = &got[at..got.len().min(at + 60)];
        let far = &got[at..got.len().min(at + 8000)];
        let next = want.get(k + 1);
        let found = near.iter().position(|g| g == word).or_else(|| {
            far.windows(2)
                .position(|pair| &pair[0] == word && next.is_none_or(|n| &pair[1] == n))
        });
        match found {
            Some(offset) => at += offset + 1,
            None => {
                if missing.is_empty() {
                    first_miss = format!(
                        "manuscript: {:?}\npdf: {:?}",
                        &want[k.saturating_sub(8)..(k + 8).min(want.len())],
                        &got[at.saturating_sub(8)..(at + 8).min(got.len())]
                    );
                }
                missing.push(word.clone());
            }
        }
    }
    eprintln!(
        "{name}: {pages} pages; {} of {} manuscript words found in order in the PDF text; missing: {missing:?}",
        want.len() - missing.len(),
        want.len()
    );
    assert!(
        missing.len() <= 3,
        "{name}: {} of {} manuscript words not found in order in the PDF text, e.g. {:?}\nfirst: {first_miss}",
        missing.len(),
        want.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(want.len() > 500, "{name}: the manuscript has words");
}

fn validators() -> bool {
    tool("qpdf") && tool("pdffonts") && tool("pdftotext") && tool("pdfinfo")
}

#[test]
fn the_manuscript_pdf_passes_the_print_checks() {
    if !validators() {
        return;
    }
    check_pdf(&common::repo().join("manuscript"), true);
}

#[test]
fn the_technical_book_pdf_passes_the_print_checks() {
    if !validators() {
        return;
    }
    // Its words are compared by the oracle (tests/oracle.rs), which reads superscripts,
    // table columns and broken addresses as they are printed; this rough reader does not.
    check_pdf(&common::repo().join("tests/books/technical"), false);
}

#[test]
fn every_corpus_pdf_passes_the_print_checks() {
    if !validators() {
        return;
    }
    let Some(books) = common::corpus_books() else {
        common::missing_corpus();
        return;
    };
    for book in books {
        check_pdf(&book, true);
    }
}

#[test]
fn the_pdf_is_byte_identical_across_builds() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let book = common::repo().join("manuscript");
    let first = std::fs::read(build_pdf(&book, a.path())).unwrap();
    let second = std::fs::read(build_pdf(&book, b.path())).unwrap();
    assert!(first == second, "two builds of the same book differ");
}

#[test]
fn bleed_adds_an_eighth_of_an_inch_outside() {
    let work = tempfile::tempdir().unwrap();
    let book = work.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        toml.replace("[print]\n", "[print]\nbleed = true\n"),
    )
    .unwrap();
    let pdf = build_pdf(&book, &work.path().join("out"));
    let bytes = String::from_utf8_lossy(&std::fs::read(pdf).unwrap()).into_owned();
    // 5.5 x 8.5 in trim: the media box grows by 9 pt outside and 9 pt top and bottom.
    assert!(
        bytes.contains("/MediaBox [0 0 405 630]"),
        "media box with bleed"
    );
    assert!(bytes.contains("/TrimBox [0 9 396 621]"), "recto trim box");
    assert!(bytes.contains("/TrimBox [9 9 405 621]"), "verso trim box");
}

/// A French book's contents are its "Table des matières", in the book and in its running
/// heads, and its copyright page says who wrote it and how it was set in French.
#[test]
fn a_french_book_prints_its_own_words() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let book = one_chapter_book(
        work.path(),
        "title = \"Le Rouge\"\nauthors = [\"Stendhal\"]\nlanguage = \"fr\"",
        &format!("# Un\n\n{}\n", "La petite ville de Verrières. ".repeat(40)),
    );
    let pdf = build_pdf(&book, &work.path().join("out"));
    let text = pdf_text(&pdf);
    for words in ["Table des matières", "par Stendhal", "Composé en"] {
        assert!(text.contains(words), "`{words}` is not printed:\n{text}");
    }
    for english in ["Contents", "by Stendhal", "Typeset in"] {
        assert!(!text.contains(english), "`{english}` is printed:\n{text}");
    }
}

/// Builds a one-chapter book with `book` in its [book] table and `chapter` as its text,
/// asserts no character lacks a glyph and the face whose PostScript name holds `face` is
/// embedded and subset; returns the PDF and the folder it is in.
fn prints_in_face(book: &str, chapter: &str, face: &str) -> (PathBuf, tempfile::TempDir) {
    let work = tempfile::tempdir().unwrap();
    let dir = one_chapter_book(work.path(), book, chapter);
    let (pdf, missing) = build_pdf_report(&dir, &work.path().join("out"));
    assert!(missing.is_empty(), "no glyph for {missing:?}");
    let fonts = Command::new("pdffonts").arg(&pdf).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(
        fonts
            .lines()
            .any(|l| l.contains(face) && l.contains(" yes yes yes ")),
        "{fonts}"
    );
    (pdf, work)
}

/// Hebrew words in an English book (a Bible study's בְּרֵאשִׁית) print in Noto Serif Hebrew,
/// embedded and subset: no character is missing.
#[test]
fn hebrew_words_print_in_the_hebrew_fallback() {
    if !validators() {
        return;
    }
    prints_in_face(
        "title = \"Genesis\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        "# One\n\nIn the beginning (בְּרֵאשִׁית) God (אֱלֹהִים) created the heaven.\n",
        "NotoSerifHebrew",
    );
}

/// A Hebrew book prints right to left: pdftotext reads each line back in the order it was
/// written (numbers and a Latin word inside it in theirs), the first word of a paragraph
/// stands at the right of its line, a paragraph's short last line is flush right, and
/// parentheses face their words.
#[test]
fn a_hebrew_book_prints_right_to_left() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let sentence = "שלום עולם בשנת 1948 נכתב ספר בשם Genesis והוא טוב";
    let book = one_chapter_book(
        work.path(),
        "title = \"ספר\"\nauthors = [\"מחבר\"]\nlanguage = \"he\"",
        &format!(
            "# פרק ראשון\n\n{sentence}.\n\nראשית (בסוגריים) אחרית.\n\nOpening words of an English paragraph.\n"
        ),
    );
    let pdf = build_pdf(&book, &work.path().join("out"));
    let text = pdf_text(&pdf);
    // pdftotext marks right-to-left lines with embedding controls, and where the direction
    // changes it moves or drops the word space (as it does for any PDF): the letters and
    // their order are what count.
    let letters = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '\u{202A}'..='\u{202E}'))
            .collect()
    };
    let plain = letters(&text);
    for written in [sentence, "פרק ראשון", "ראשית (בסוגריים) אחרית."] {
        assert!(plain.contains(&letters(written)), "{written}: {text}");
    }
    // Where the words stand: the first word right of the last on its line, and flush with
    // the right edge of the text block as the heading's centre shows it.
    let script = r#"
import sys, pymupdf
doc = pymupdf.open(sys.argv[1])
for page in doc:
    for w in page.get_text("words"):
        word = w[4].strip(".")
        if word in ("שלום", "טוב", "Genesis", "ראשית", "אחרית", "Opening", "paragraph"):
            print(word, round(w[0], 1), round(w[2], 1), w[5], w[6])
"#;
    let Some(found) = common::pymupdf(script, &pdf) else {
        return;
    };
    let at = |word: &str| -> (f64, f64) {
        let line = found
            .lines()
            .find(|l| l.starts_with(&format!("{word} ")))
            .unwrap_or_else(|| panic!("{word} not found: {found}"));
        let v: Vec<f64> = line
            .split(' ')
            .skip(1)
            .take(2)
            .map(|n| n.parse().unwrap())
            .collect();
        (v[0], v[1])
    };
    let (first_left, first_right) = at("שלום");
    let (last_left, _) = at("טוב");
    let (genesis_left, _) = at("Genesis");
    assert!(
        first_left > genesis_left && genesis_left > last_left,
        "{found}"
    );
    // The second paragraph's one line is indented from the right (an em at 11.5 pt), and
    // its last word is left of its first.
    let (_, second_right) = at("ראשית");
    let indent = first_right - second_right;
    assert!((8.0..15.0).contains(&indent), "{found}");
    let (end_left, _) = at("אחרית");
    assert!(end_left < second_right - 40.0, "{found}");
    // A paragraph of English in the Hebrew book reads left to right.
    let (opening_left, _) = at("Opening");
    let (paragraph_left, _) = at("paragraph");
    assert!(opening_left < paragraph_left, "{found}");
}

/// A list numbered past 99 widens its number column: each number prints whole, on its
/// item's line (they were broken in two and printed over each other).
#[test]
fn long_list_numbers_print_whole() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let book = one_chapter_book(
        work.path(),
        "title = \"Years\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        "# Years\n\n98. ninety-eight\n99. ninety-nine\n100. one hundred\n\nText.\n\n1998. year item\n1999. next year\n2000. millennium\n",
    );
    let pdf = build_pdf(&book, &work.path().join("out"));
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for item in [
        "98. ninety-eight",
        "100. one hundred",
        "1998. year item",
        "2000. millennium",
    ] {
        assert!(lines.iter().any(|l| l == item), "{item}:\n{text}");
    }
}

/// Short sections (a heading and a one-line paragraph each) do not chain into one block:
/// the chapter's opening page holds as many as fit, not only the text before the first
/// heading (a heading kept its next two lines: the paragraph's one line and the next
/// heading, and so on to the chapter's end).
#[test]
fn short_sections_fill_the_opening_page() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut chapter = String::from("# Title\n\nIntro.\n\n");
    for n in 0..12 {
        chapter.push_str(&format!("## Section {n}\n\nText {n}.\n\n"));
    }
    let book = one_chapter_book(
        work.path(),
        "title = \"Sections\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        &chapter,
    );
    let pdf = build_pdf(&book, &work.path().join("out"));
    let text = pdf_text(&pdf);
    let page = text
        .split('\u{c}')
        .find(|page| page.contains("Intro."))
        .unwrap_or_default();
    assert!(page.contains("Text 3."), "{page}");
}

/// A Korean book prints its Hangul in the Noto Serif CJK KR subset, embedded and subset:
/// no character is missing (Droid Sans Fallback has only some syllables, and they printed
/// as empty boxes).
#[test]
fn korean_prints_in_the_hangul_face() {
    if !validators() {
        return;
    }
    let (pdf, _work) = prints_in_face(
        "title = \"하나\"\nauthors = [\"나\"]\nlanguage = \"ko\"",
        "# 하나\n\n나는 고양이로소이다. 이름은 아직 없다. 한국어 문장입니다.\n",
        "NotoSerifCJKkr",
    );
    let letters: String = pdf_text(&pdf).split_whitespace().collect();
    assert!(letters.contains("나는고양이로소이다."), "{letters}");
}

/// `####` to `######` heads followed by a paragraph run into it (italic, a full stop
/// added unless the head ends in punctuation), so that they no longer look like `##`
/// heads; the PDF outline keeps them, without their note numbers. A deep head followed by
/// a list stands alone.
#[test]
fn deep_heads_run_into_their_paragraphs() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let chapter = "# Title\n\nIntro.\n\n## Section\n\nText.\n\n#### Fourth\n\nFourth's text.\n\n\
                   ##### Fifth?\n\nFifth's text.\n\n###### Sixth\n\n- a list item\n\n\
                   ## Setup on Windows[^win]\n\nText.\n\n#### Paths[^p]\n\nText.\n\n\
                   [^win]: Windows 10 or later.\n\n[^p]: Forward slashes work too.\n";
    let book = one_chapter_book(
        work.path(),
        "title = \"Heads\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        chapter,
    );
    let pdf = build_pdf(&book, &work.path().join("out"));
    let text = pdf_text(&pdf);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    for want in ["Fourth. Fourth’s text.", "Fifth? Fifth’s text.", "Sixth"] {
        assert!(lines.contains(&want), "no line {want:?} in {lines:?}");
    }
    assert!(
        lines.contains(&"Section") && lines.contains(&"Text."),
        "{lines:?}"
    );
    let outline = common::pymupdf(
        "import sys, pymupdf\nfor level, title, page in pymupdf.open(sys.argv[1]).get_toc():\n    print(title)",
        &pdf,
    );
    if let Some(outline) = outline {
        for head in [
            "Section",
            "Fourth",
            "Fifth?",
            "Sixth",
            "Setup on Windows",
            "Paths",
        ] {
            assert!(
                outline.lines().any(|l| l == head),
                "{head} not in {outline}"
            );
        }
    }
}

/// A definition list's term stays on the page of its definition (a glossary of many short
/// entries, so that page ends fall everywhere), flush left, with no paragraph indent.
#[test]
fn a_term_stays_with_its_definition() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut chapter = String::from("# Glossary\n\nThe terms of the trade.\n\n");
    for n in 0..150 {
        // One to four lines of definition, in an order that does not repeat every page.
        let more = "and it goes on with a few more words of its own ".repeat((n * 7 + n / 5) % 7);
        chapter.push_str(&format!(
            "Term{n}\n: Meaning{n} is this: {more}to the end.\n\n"
        ));
    }
    let book = one_chapter_book(
        work.path(),
        "title = \"Terms\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        &chapter,
    );
    let pdf = build_pdf(&book, &work.path().join("out"));
    let text = pdf_text(&pdf);
    for n in 0..150 {
        let term = format!("Term{n}");
        let page = text
            .split('\u{c}')
            .find(|page| page.lines().any(|l| l.trim() == term))
            .unwrap_or_else(|| panic!("no line {term}"));
        assert!(
            page.contains(&format!("Meaning{n} ")),
            "{term} is apart from its definition:\n{page}"
        );
    }
}

/// A line that introduces code (a file's name over a listing, a sentence ending with a
/// colon) stays on the page of the code's first lines: in a programming book of many
/// listings, so that page ends fall everywhere, no page ends with one.
#[test]
fn a_line_introducing_code_stays_with_it() {
    let mut chapter = String::from("# Listings\n\nThe listings of the trade.\n\n");
    for n in 0..60 {
        let more = "and it goes on with a few more words of its own ".repeat((n * 7 + n / 5) % 9);
        let lead = if n % 2 == 0 {
            format!("Filename: src/file{n}.rs")
        } else {
            format!("Lead{n} shows the code:")
        };
        chapter.push_str(&format!(
            "Some prose {more}to the end.\n\n{lead}\n\n```rust\nfn code{n}() {{\n    let x = {n};\n}}\n```\n\n"
        ));
    }
    let Some((_work, pdf)) = chapter_pdf(
        "title = \"Listings\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        &chapter,
    ) else {
        return;
    };
    let text = pdf_text(&pdf);
    for n in 0..60 {
        let code = format!("fn code{n}()");
        let page = text
            .split('\u{c}')
            .find(|page| page.contains(&code))
            .unwrap_or_else(|| panic!("no {code}"));
        let lead = if n % 2 == 0 {
            format!("Filename: src/file{n}.rs")
        } else {
            format!("Lead{n} shows")
        };
        assert!(
            page.contains(&lead),
            "`{lead}` is apart from its code:\n{page}"
        );
    }
}

/// A title word wider than the page (a German compound) sets the title smaller on the half
/// title and the title page; it was broken between letters without a hyphen.
#[test]
fn a_title_word_wider_than_the_page_is_set_smaller_not_broken() {
    let word = "Donaudampfschifffahrtsgesellschaftskapitänsmütze";
    let Some((_work, pdf)) = chapter_pdf(
        &format!("title = \"{word}\"\nauthors = [\"A\"]\nlanguage = \"de\""),
        "# Eins\n\nText.\n",
    ) else {
        return;
    };
    let text = pdf_text(&pdf);
    let front: Vec<&str> = text.split('\u{c}').take(3).collect();
    assert!(front[0].contains(word), "half title: {:?}", front[0]);
    assert!(front[2].contains(word), "title page: {:?}", front[2]);
}

/// A code block's one-line first run (`package main` before a blank line) is not left alone
/// at a page's foot, nor its one-line last run (a closing brace) alone at a page's head.
#[test]
fn a_lone_line_of_code_does_not_end_or_start_a_page() {
    let mut chapter = String::from("# Programs\n\nThe programs of the trade.\n\n");
    for n in 0..40 {
        let more = "and it goes on with a few more words of its own ".repeat((n * 7 + n / 5) % 9);
        chapter.push_str(&format!(
            "Some prose {more}to the end.\n\n```go\npackage main{n}\n\nimport (\n    \"fmt\"\n    \"os\"\n)\n\nfunc main() {{\n    fmt.Println({n})\n    os.Exit(0)\n}}\n\nvar closing{n} = 1\n```\n\n"
        ));
    }
    let Some((_work, pdf)) = chapter_pdf(
        "title = \"Programs\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        &chapter,
    ) else {
        return;
    };
    let text = pdf_text(&pdf);
    let mut checked = 0;
    for page in text.split('\u{c}') {
        // The body's lines, without the folio and running head.
        let lines: Vec<&str> = page
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.chars().all(|c| c.is_ascii_digit()))
            .collect();
        if let Some(last) = lines.last() {
            checked += 1;
            assert!(
                !last.starts_with("package main"),
                "`{last}` alone at a page's foot:\n{page}"
            );
        }
        if let Some(first) = lines.iter().find(|l| !l.contains("Programs")) {
            assert!(
                !first.starts_with("var closing"),
                "`{first}` alone at a page's head:\n{page}"
            );
        }
    }
    assert!(checked > 10, "{text}");
}

/// Without `rights` in book.toml the copyright page claims nothing (a Bible or a novel in
/// the public domain has no holder; it printed "Copyright © 1611 The Holy Bible. All rights
/// reserved."), as the EPUB's does; with it, the words given are printed.
#[test]
fn no_copyright_is_claimed_that_the_book_does_not_state() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let book = one_chapter_book(
        work.path(),
        "title = \"The Holy Bible\"\nlanguage = \"en\"\ndate = \"1611\"",
        "# Genesis\n\nIn the beginning God created the heaven and the earth.\n",
    );
    let text = pdf_text(&build_pdf(&book, &work.path().join("out")));
    assert!(
        !text.contains('©') && !text.contains("rights reserved"),
        "{text}"
    );
    let stated = tempfile::tempdir().unwrap();
    let book = one_chapter_book(
        stated.path(),
        "title = \"Mine\"\nlanguage = \"en\"\nrights = \"Copyright © 2026 A. Writer\"",
        "# One\n\nText.\n",
    );
    let text = pdf_text(&build_pdf(&book, &stated.path().join("out")));
    assert!(text.contains("Copyright © 2026 A. Writer"), "{text}");
}

/// A body chapter with no `#` title (a Psalter's file that opens with `## Psalm 1`) is
/// text like any other: its pages after the first carry running heads and folios (all 44
/// of them printed bare). Heads, and the author's name on the title page, are set in small
/// capitals and copy as written ("The Psalter", not "the psalter").
#[test]
fn an_untitled_chapter_keeps_its_heads_and_folios() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut chapter = String::new();
    for n in 1..=12 {
        chapter.push_str(&format!("## Psalm {n}\n\n"));
        for v in 1..=8 {
            chapter.push_str(&format!(
                "{v} Blessed is the man that walketh not in the counsel of the ungodly, \
                 nor standeth in the way of sinners.\n\n"
            ));
        }
    }
    let book = one_chapter_book(
        work.path(),
        "title = \"The Psalter\"\nauthors = [\"Miles Coverdale\"]\nlanguage = \"en\"",
        &chapter,
    );
    let text = pdf_text(&build_pdf(&book, &work.path().join("out")));
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| p.contains("Blessed"))
        .collect();
    assert!(pages.len() >= 4, "{} pages", pages.len());
    for page in &pages[1..] {
        assert!(page.contains("The Psalter"), "no running head:\n{page}");
    }
    let title_page = text
        .split('\u{c}')
        .find(|p| p.contains("Psalter"))
        .unwrap_or("");
    assert!(
        text.split('\u{c}')
            .take(4)
            .any(|p| p.contains("Miles Coverdale")),
        "the author's name does not copy as written:\n{title_page}"
    );
}

/// A short code block is never split across pages, nor a quote's label (GitHub's
/// `> [!WARNING]`) left at a page's foot apart from its text: among paragraphs of every
/// length, so that page ends fall everywhere.
#[test]
fn short_code_and_labels_stay_with_their_lines() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut chapter = String::from("# Snippets\n\nSome code follows.\n\n");
    for n in 0..60 {
        let words = "word ".repeat(9 + (n * 37) % 70);
        chapter.push_str(&format!("Text {n} {words}end.\n\n"));
        if n % 4 == 0 {
            chapter.push_str(&format!("```\nalpha{n}()\n\tomega{n}()\n```\n\n"));
        } else if n % 4 == 2 {
            chapter.push_str(&format!("```\nalpha{n}()\n\nomega{n}()\n```\n\n"));
        } else {
            chapter.push_str(&format!(
                "> [!WARNING]\n> Careful{n} with this step of it.\n\n"
            ));
        }
    }
    let book = one_chapter_book(
        work.path(),
        "title = \"Snippets\"\nlanguage = \"en\"",
        &chapter,
    );
    let text = pdf_text(&build_pdf(&book, &work.path().join("out")));
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let page_of = |needle: &str| {
        pages
            .iter()
            .position(|p| p.contains(needle))
            .unwrap_or_else(|| panic!("no {needle}"))
    };
    for n in 0..60 {
        if n % 2 == 0 {
            let (a, b) = (format!("alpha{n}()"), format!("omega{n}()"));
            assert_eq!(page_of(&a), page_of(&b), "code block {n} split");
        } else {
            let words = format!("Careful{n} ");
            let page = pages[page_of(&words)];
            let lines: Vec<&str> = page
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let at = lines.iter().position(|l| l.contains(&words)).unwrap();
            assert!(
                at > 0 && lines[at - 1] == "Warning",
                "label {n} apart:\n{page}"
            );
        }
    }
}

/// Verse whose lines run long (Whitman's) is still verse, and a line too long for the
/// measure goes on under itself indented, so that its end is not read as a line of the
/// poem (it went on at the left edge).
#[test]
fn a_wrapped_verse_line_hangs() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let book = one_chapter_book(
        work.path(),
        "title = \"Leaves\"\nlanguage = \"en\"",
        "# Song\n\nI celebrate myself,\\\nand sing myself,\\\nAnd what I assume.\n\n\
         I loafe and invite my soul,\\\nMy tongue, every atom of my blood, form'd from this \
         soil, this air, zebra quagga okapi,\\\nHoping to cease not till death.\n",
    );
    let pdf = build_pdf(&book, &work.path().join("out"));
    // Each word's left edge, and the left edge of the line it is on.
    let script = "import sys, pymupdf\nfor page in pymupdf.open(sys.argv[1]):\n    words = page.get_text('words')\n    for w in words:\n        if w[4] in ('My', 'okapi,', 'Hoping'):\n            left = min(v[0] for v in words if abs(v[3] - w[3]) < 1)\n            print(w[4], round(w[0], 1), round(left, 1))";
    let Some(out) = common::pymupdf(script, &pdf) else {
        return;
    };
    let at = |word: &str| -> (f64, f64) {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{word} ")))
            .and_then(|v| v.split_once(' '))
            .and_then(|(x, left)| Some((x.parse().ok()?, left.parse().ok()?)))
            .unwrap_or_else(|| panic!("no {word} in {out}"))
    };
    assert_eq!(at("My").0, at("Hoping").0, "{out}");
    // The line `okapi,` ends starts further right than the verse's lines.
    assert!(at("okapi,").1 > at("My").0 + 10.0, "{out}");
}

/// Symbols and emoji of a README or a programming book (✅ ❌ ⚠️ ★ 🚀 👍), in text and in
/// code, print in the built-in Symbola subset, embedded and subset (they printed as empty
/// boxes); copied text keeps them.
#[test]
fn emoji_and_symbols_print_in_the_symbols_fallback() {
    if !validators() {
        return;
    }
    let (pdf, _work) = prints_in_face(
        "title = \"Status\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        "# Status\n\nDone ✅, failed ❌, careful ⚠️, starred ★, shipped 🚀, liked 👍.\n\n\
         ```\necho \"✅ ok\"\n```\n",
        "Symbola",
    );
    let text = pdf_text(&pdf);
    assert!(text.contains("shipped 🚀, liked 👍."), "{text}");
}

/// A task list (`- [x]`, `- [ ]`) is set with each item's box where its bullet would be
/// (the bullet and the box both printed, the box close against the text); other bullet
/// lists keep their bullets.
#[test]
fn a_task_list_sets_its_boxes_as_markers() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let book = one_chapter_book(
        work.path(),
        "title = \"Tasks\"\nlanguage = \"en\"",
        "# One\n\n- [x] Done item\n- [ ] Open item\n\nPlain:\n\n- one\n- two\n",
    );
    let text = pdf_text(&build_pdf(&book, &work.path().join("out")));
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert!(lines.contains(&"☑ Done item"), "{lines:?}");
    assert!(lines.contains(&"☐ Open item"), "{lines:?}");
    assert_eq!(text.matches('•').count(), 2, "{text}");
}

/// A note in a picture's caption (its description or its title) or in a link's text prints
/// at the foot of a page, as every other note does; the picture is drawn, not its markup.
/// The figure floats to the next page, past text with a later note.
#[test]
fn notes_in_captions_and_link_texts_are_printed() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let filler = "A line of text that fills the page before the picture comes. ".repeat(30);
    let dir = one_chapter_book(
        work.path(),
        "title = \"Notes\"\nauthors = [\"A. Tester\"]\nlanguage = \"en\"",
        &format!(
            "# One\n\n{filler}\n\n![A chart of things.[^c] Drawn late.](chart.png)\n\n\
             After the chart, a note.[^d] See [the site [^e] says](https://example.com).\n\n\
             ![Alt](chart.png \"A titled chart.[^f]\")\n\n\
             [^c]: The description's note.\n[^d]: The paragraph's note.\n\
             [^e]: The link's note.\n[^f]: The title's note.\n"
        ),
    );
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/books/technical/images/throughput.png"),
        dir.join("chart.png"),
    )
    .unwrap();
    let pdf = build_pdf(&dir, &work.path().join("out"));
    let text = pdf_text(&pdf).replace('\u{2019}', "'");
    for words in [
        "A chart of things.",
        "The description's note.",
        "The paragraph's note.",
        "The link's note.",
        "A titled chart.",
        "The title's note.",
    ] {
        assert!(text.contains(words), "`{words}` is not printed:\n{text}");
    }
    for markup in ["![", "chart.png", "[^"] {
        assert!(!text.contains(markup), "`{markup}` is printed:\n{text}");
    }
}

/// A list numbered `1)` prints its numbers so; a list numbered `1.` keeps its periods.
#[test]
fn numbers_closing_with_a_parenthesis_print_so() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let dir = one_chapter_book(
        work.path(),
        "title = \"Lists\"\nauthors = [\"A. Tester\"]\nlanguage = \"en\"",
        "# One\n\n1) First step\n2) Second step\n\nThen:\n\n3. Third step\n",
    );
    let pdf = build_pdf(&dir, &work.path().join("out"));
    let text = pdf_text(&pdf);
    for words in ["1) First step", "2) Second step", "3. Third step"] {
        assert!(text.contains(words), "`{words}` is not printed:\n{text}");
    }
}

/// A heading and the one-line subtitle under it (a dateline, an epigraph's source) never
/// end a page together, away from the text they open: across 60 sections of many
/// lengths, no page's last line of text is a heading or a subtitle.
#[test]
fn a_heading_and_its_subtitle_stay_with_their_text() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut chapter = String::from("# Letters\n\n");
    let sentence =
        "The weather held and the roads were dry, so the carriage went on at a fair pace. ";
    for n in 1..=60 {
        // (Before subtitles were kept with their text, five of these ended a page.)
        let sentences = 2 + (n * 11) % 23;
        chapter.push_str(&format!(
            "## Heading {n}\n\n*Subtitle {n} of the letter*\n\n{}\n\n",
            sentence.repeat(sentences),
        ));
    }
    let dir = one_chapter_book(
        work.path(),
        "title = \"Keeps\"\nauthors = [\"A. Tester\"]\nlanguage = \"en\"",
        &chapter,
    );
    let pdf = build_pdf(&dir, &work.path().join("out"));
    let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let pages: usize = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("page count");
    let mut stranded = Vec::new();
    for page in 1..=pages {
        let out = Command::new("pdftotext")
            .args(["-f", &page.to_string(), "-l", &page.to_string(), "-layout"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let last = text
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or_default();
        if last.starts_with("Heading ") || last.starts_with("Subtitle ") {
            stranded.push(format!("p. {page}: {last}"));
        }
    }
    assert!(stranded.is_empty(), "{stranded:?}");
}

/// Pandoc's table caption (`Table: ...` or `: ...` after a table) prints as the table's
/// caption, without its attributes; the HTML table's `<caption>` too.
#[test]
fn table_captions_print_without_their_markup() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let dir = one_chapter_book(
        work.path(),
        "title = \"Tables\"\nauthors = [\"A. Tester\"]\nlanguage = \"en\"",
        "# One\n\nText.\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\nTable: The first caption.\n\n\
         | C | D |\n|---|---|\n| 3 | 4 |\n\n: The second caption. {#tbl:two}\n\n\
         <table><caption>The third caption</caption><tr><td>5</td></tr></table>\n\nAfter.\n",
    );
    let pdf = build_pdf(&dir, &work.path().join("out"));
    let text = pdf_text(&pdf);
    for words in [
        "The first caption.",
        "The second caption.",
        "The third caption",
    ] {
        assert!(text.contains(words), "`{words}` is not printed:\n{text}");
    }
    for markup in ["Table:", "{#", ": The"] {
        assert!(!text.contains(markup), "`{markup}` is printed:\n{text}");
    }
}

/// A dedication written in italics all through (`*For Rosie.*`) prints in italics, as
/// every dedication does: the emphasis is not turned upright inside the dedication's
/// italic.
#[test]
fn a_dedication_in_italics_stays_italic() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("book");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("book.toml"),
        "[book]\ntitle = \"T\"\nauthors = [\"A\"]\nlanguage = \"en\"\n\
         [contents]\nfront = [\"dedication.md\"]\nchapters = [\"one.md\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("dedication.md"),
        "*For Rosie, who is never afraid.*\n",
    )
    .unwrap();
    std::fs::write(dir.join("one.md"), "# One\n\nText.\n").unwrap();
    let book = quire_markdown::load_book(&dir)
        .book
        .expect("the book loads");
    let typeset = quire_typeset::typeset_book(&book, &common::garamond());
    let fonts = &typeset.document.fonts;
    let runs: Vec<(String, bool)> = typeset
        .document
        .pages
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|item| match item {
            quire_typeset::frame::Item::Text(run) if run.text.contains("Rosie") => {
                Some((run.text.clone(), fonts[run.font.0].italic))
            }
            _ => None,
        })
        .collect();
    assert!(!runs.is_empty(), "the dedication is not printed");
    assert!(runs.iter().all(|(_, italic)| *italic), "{runs:?}");
}

/// Code copied from the PDF keeps its indentation and the spaces that align it: every
/// space of a code line is a space glyph (PyMuPDF reads the text as a viewer copies it).
#[test]
fn code_copies_with_its_indentation() {
    if !validators() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let code = "def f(x):\n    if x:\n        return 1\nselect count(*)    as n,\n       name        as who\n";
    let book = one_chapter_book(
        work.path(),
        "title = \"Copy\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        &format!("# Copy\n\nThe code:\n\n```python\n{code}```\n"),
    );
    let pdf = build_pdf(&book, &work.path().join("out"));
    let text = common::pymupdf(
        "import sys, pymupdf\nfor page in pymupdf.open(sys.argv[1]):\n    print(page.get_text())",
        &pdf,
    );
    let Some(text) = text else {
        return;
    };
    for line in code.lines() {
        assert!(
            text.lines().any(|l| l == line),
            "{line:?} not copied as written:\n{text}"
        );
    }
}

/// Arabic prints joined and in order: its words are shaped right to left (a letter takes
/// its initial, medial or final form), then set right to left on the line. "قال" is qaf
/// joined to alef, then a lone lam: three glyphs, none of them the lam-alef ligature that
/// shaping the word left to right made of its last two letters, which reversed them.
#[test]
fn arabic_prints_joined_and_in_order() {
    if !validators() {
        return;
    }
    let dejavu = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if !dejavu.exists() {
        quire_testkit::skip("fonts-dejavu-core", "Arabic joining in print");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let book = one_chapter_book(
        work.path(),
        "title = \"Kalila\"\nauthors = [\"Ibn al-Muqaffa\"]\nlanguage = \"ar\"\n\n[print]\nfont = \"DejaVu Sans\"",
        "# باب\n\nقال الملك للفيلسوف: اضرب لي مثلاً.\n",
    );
    std::fs::create_dir(book.join("fonts")).unwrap();
    std::fs::copy(dejavu, book.join("fonts/DejaVuSans.ttf")).unwrap();
    let pdf = build_pdf(&book, &work.path().join("out"));
    // The text of each line as PyMuPDF reads it from the glyphs drawn.
    let script = "import sys, pymupdf\n\
        for page in pymupdf.open(sys.argv[1]):\n\
        \x20   for b in page.get_text('rawdict')['blocks']:\n\
        \x20       for l in b.get('lines', []):\n\
        \x20           for s in l['spans']:\n\
        \x20               print(''.join(c['c'] for c in s['chars']))";
    let Some(spans) = common::pymupdf(script, &pdf) else {
        return;
    };
    let line = spans
        .lines()
        .find(|l| l.contains('ق') && l.contains('ك'))
        .unwrap_or_else(|| panic!("no Arabic line in:\n{spans}"));
    // PyMuPDF puts a right-to-left line back in reading order: the words as written.
    assert!(
        line.contains("قال الملك للفيلسوف"),
        "the words are not drawn in order: {line:?}"
    );
}

/// Print has no ruby above the line: a reading follows its text in full-width parentheses
/// (吾輩（わがはい）), as Japanese text without ruby writes it; no tag is printed.
#[test]
fn ruby_readings_print_in_parentheses() {
    let Some((_work, pdf)) = chapter_pdf(
        "title = \"猫\"\nauthors = [\"漱石\"]\nlanguage = \"ja\"",
        "# 一\n\n<ruby>吾輩<rt>わがはい</rt></ruby>は猫である。\
         [海水浴]{ruby=\"かいすいよく\"}に行く。\n",
    ) else {
        return;
    };
    let text: String = pdf_text(&pdf).split_whitespace().collect();
    assert!(
        text.contains("吾輩（わがはい）は猫である。海水浴（かいすいよく）に行く。"),
        "{text}"
    );
}

/// An ideographic space inside text (`第一章　始まり`, a heading's number and name) is the
/// full-width character it is, and copies as U+3000; it was a word space, copied as a plain
/// one. One opening a paragraph (Japanese text's own indent) is left to the paragraph
/// indent.
#[test]
fn an_ideographic_space_is_set_and_copied_as_itself() {
    let Some((_work, pdf)) = chapter_pdf(
        "title = \"猫\"\nauthors = [\"漱石\"]\nlanguage = \"ja\"",
        "# 第一章\u{3000}始まり\n\n\u{3000}吾輩は猫である。\n\n\u{3000}名前はまだ無い。\u{3000}どこで生れたか。\n",
    ) else {
        return;
    };
    let Some(text) = pymupdf_text(&pdf) else {
        return;
    };
    assert!(text.contains("第一章\u{3000}始まり\n"), "{text:?}");
    assert!(text.contains("\n吾輩は猫である。"), "{text:?}");
    assert!(
        text.contains("\n名前はまだ無い。\u{3000}どこで生れたか。"),
        "{text:?}"
    );
}

/// Pointed Hebrew copies as typed: the shaper puts a letter's marks in canonical order,
/// which merged their clusters, and the second mark's glyph had no text (PyMuPDF read a
/// control character in its place: `ש\x07 ָׁלוֹם`). Each mark's glyph now stands for its
/// own character.
#[test]
fn pointed_hebrew_copies_as_typed() {
    let word = "\u{5e9}\u{5b8}\u{5c1}\u{5dc}\u{5d5}\u{5b9}\u{5dd}"; // שָׁלוֹם
    let Some((_work, pdf)) = chapter_pdf(
        "title = \"Peace\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        &format!("# One\n\nPeace, Heb. <span lang=\"he\">{word}</span> shalom.\n"),
    ) else {
        return;
    };
    let Some(text) = pymupdf_text(&pdf) else {
        return;
    };
    assert!(text.contains(&format!("Heb. {word} shalom.")), "{text:?}");
}

/// A note's marker is a link to its note at the foot of the page, and the note's number a
/// link back to the marker, as in the EPUB: read back with PyMuPDF, each link's text, the
/// page it goes to and the text at the height it lands on.
#[test]
fn note_markers_and_numbers_link_to_each_other() {
    let filler = "A sentence of plain words to fill the page. ".repeat(40);
    let Some((_work, pdf)) = chapter_pdf(
        "title = \"Notes\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        &format!(
            "# One[^t]\n\nThe first claim.[^a] {filler}\n\nThe second claim.[^b]\n\n\
             [^a]: Alpha source.\n[^b]: Beta source.\n[^t]: Title source.\n"
        ),
    ) else {
        return;
    };
    let script = r#"
import sys, pymupdf
doc = pymupdf.open(sys.argv[1])
for page in doc:
    for link in page.get_links():
        if link["kind"] != pymupdf.LINK_GOTO:
            continue
        r = link["from"]
        # The words whose middle is inside the link's area.
        inside = [w[4] for w in page.get_text("words")
                  if r.x0 <= (w[0] + w[2]) / 2 <= r.x1 and r.y0 <= (w[1] + w[3]) / 2 <= r.y1]
        target = doc[link["page"]]
        y = link["to"].y
        below = [w for w in target.get_text("words") if y - 1 <= w[1] and w[3] <= y + 30]
        # The first line below that height.
        landed = [w[4] for w in below if below and abs(w[3] - below[0][3]) < 2]
        print(page.number, " ".join(inside), link["page"], " ".join(landed[:8]), sep="\t")
"#;
    let Some(links) = common::pymupdf(script, &pdf) else {
        return;
    };
    let rows: Vec<Vec<&str>> = links.lines().map(|l| l.split('\t').collect()).collect();
    let to_note = |source: &str| {
        rows.iter()
            .find(|r| r[3].contains(source) && !r[1].ends_with('.'))
            .unwrap_or_else(|| panic!("no marker links to {source:?}:\n{links}"))
    };
    let back = |number: &str| {
        rows.iter()
            .find(|r| r[1] == number)
            .unwrap_or_else(|| panic!("note {number} does not link back:\n{links}"))
    };
    // The two notes fall on different pages; each marker lands on its note's line.
    let (a, b) = (to_note("Alpha"), to_note("Beta"));
    // The chapter title's marker too (the title is set apart from the text).
    assert_eq!(to_note("Title")[2], a[0], "{links}");
    assert_ne!(a[2], b[2], "{links}");
    assert_eq!(a[0], a[2], "the note is on its marker's page: {links}");
    // The numbers lead back to the lines of their markers (the title's note is the first).
    assert!(back("1.")[3].starts_with("One"), "{links}");
    assert!(back("2.")[3].contains("first"), "{links}");
    assert_eq!(back("2.")[2], a[0], "{links}");
    assert!(back("3.")[3].contains("second"), "{links}");
}

/// A book from elsewhere prints in its own script with the faces built in: Arabic (and
/// Persian, Urdu) joined and right to left, the Indic scripts with their conjuncts, Thai,
/// Armenian, Georgian, Ethiopic. No character goes without a glyph, each script's Noto face
/// is embedded, and the text copies as written (a Tamil or Devanagari syllable too, whose
/// vowel sign is drawn before or around its consonant: no letter copied twice).
#[test]
fn scripts_of_books_from_elsewhere_print_in_built_in_faces() {
    if !validators() {
        return;
    }
    let samples = [
        ("ar", "NotoNaskhArabic", "قال الملك للفيلسوف"),
        ("fa", "NotoNaskhArabic", "شاهنامه فردوسی"),
        ("hi", "NotoSerifDevanagari", "हिन्दी भाषा"),
        ("bn", "NotoSerifBengali", "বাংলা ভাষা"),
        ("ta", "NotoSerifTamil", "தமிழ் மொழி"),
        ("th", "NotoSerifThai", "ภาษาไทย"),
        ("hy", "NotoSerifArmenian", "Հայերեն"),
        ("ka", "NotoSerifGeorgian", "ქართული"),
        ("am", "NotoSerifEthiopic", "አማርኛ"),
    ];
    let chapter: String = samples
        .iter()
        .map(|(lang, _, text)| format!("In {lang}: <span lang=\"{lang}\">{text}</span>.\n\n"))
        .collect();
    let work = tempfile::tempdir().unwrap();
    let book = one_chapter_book(
        work.path(),
        "title = \"Scripts\"\nauthors = [\"A\"]\nlanguage = \"en\"",
        &format!("# Scripts\n\n{chapter}"),
    );
    let (files, stderr) = common::build_outputs(&book, &work.path().join("out"), "pdf", &[]);
    assert!(!stderr.contains("no font has a glyph"), "{stderr}");
    let pdf = common::output_file(&files, "pdf");
    let fonts = String::from_utf8_lossy(
        &std::process::Command::new("pdffonts")
            .arg(&pdf)
            .output()
            .unwrap()
            .stdout,
    )
    .into_owned();
    let Some(text) = pymupdf_text(&pdf) else {
        return;
    };
    // Poppler reads each syllable whose glyphs are not in the text's order (Devanagari's
    // ि drawn before ह, Tamil's ொ on both sides of ம) from its `ActualText`; MuPDF too,
    // but it starts a new line after such a syllable, so only the other scripts are
    // compared with its reading.
    let poppler = pdf_text(&pdf);
    for (lang, face, sample) in samples {
        assert!(
            fonts.contains(&format!("+{face}-Regular")),
            "{lang}: {fonts}"
        );
        assert!(
            poppler.contains(sample),
            "{lang}: {sample} not in {poppler}"
        );
        if !matches!(lang, "hi" | "bn" | "ta") {
            assert!(text.contains(sample), "{lang}: {sample} not in {text}");
        }
    }
}
