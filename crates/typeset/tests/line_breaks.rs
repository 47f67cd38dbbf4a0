//! Snapshot of the line breaks of the first 200 paragraphs of Pride and Prejudice (EB
//! Garamond 11.5 pt on a 4 in measure, en-GB hyphenation, 2 % font expansion), at looseness
//! 0, -1 and +1, so that a change to shaping, hyphenation or breaking that moves a single
//! break shows up as a readable diff.
//!
//! The input is `fixtures/pride-and-prejudice-200.txt` (blank-line separated paragraphs,
//! `*` toggles italics); the expected breaks are in `fixtures/pride-and-prejudice-200.breaks`.
//! After an intended change, regenerate them with
//! `QUIRE_BLESS=1 cargo test -p quire-typeset --test line_breaks` and review the diff.

#![allow(clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;

use quire_model::Span;
use quire_typeset::{
    BreakParams, FontFamily, FontVariant, HyphenationOptions, ParagraphLayout, ParagraphOptions,
    PreparedParagraph, Pt, RunStyle, TextRun, Typesetter,
};

const SIZE: Pt = Pt(11.5);

fn family() -> FontFamily {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fonts/");
    let read = |name: &str| std::fs::read(format!("{dir}{name}")).expect("font file");
    FontFamily::from_bytes(
        read("EBGaramond12-Regular.otf"),
        Some(read("EBGaramond12-Italic.otf")),
        Some(read("EBGaramond-Bold.ttf")),
        None,
    )
    .expect("EB Garamond loads")
}

/// The paragraphs as (text, italic) pieces.
fn paragraphs(input: &str) -> Vec<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for block in input.split("\n\n") {
        let block = block.trim();
        if block.is_empty() {
            continue;
        }
        let mut pieces = Vec::new();
        let mut italic = false;
        let mut current = String::new();
        for c in block.chars() {
            if c == '*' {
                if !current.is_empty() {
                    pieces.push((std::mem::take(&mut current), italic));
                }
                italic = !italic;
            } else {
                current.push(c);
            }
        }
        if !current.is_empty() {
            pieces.push((current, italic));
        }
        out.push(pieces);
    }
    out
}

fn runs(pieces: &[(String, bool)]) -> Vec<TextRun<'_>> {
    pieces
        .iter()
        .map(|(text, italic)| TextRun {
            text,
            style: RunStyle {
                variant: if *italic {
                    FontVariant::Italic
                } else {
                    FontVariant::Regular
                },
                ..RunStyle::regular(SIZE)
            },
        })
        .collect()
}

/// Where each line ends in the paragraph's text (a `-` after an added hyphen).
fn line_ends(layout: &ParagraphLayout) -> String {
    let mut out = String::new();
    for line in &layout.lines {
        if let Some(run) = line.runs.last() {
            let hyphen = if run.added_hyphen { "-" } else { "" };
            let _ = write!(out, " {}{hyphen}", run.source.end);
        }
    }
    out
}

fn describe(ts: &mut Typesetter, prepared: &PreparedParagraph, index: usize, out: &mut String) {
    let params = prepared.options().breaking.clone();
    let base = ts.layout(prepared, &params);
    let _ = writeln!(
        out,
        "## {index}: {:?}, {} lines, demerits {:.1}",
        base.stats.pass,
        base.lines.len(),
        base.stats.demerits
    );
    let text = prepared.text();
    for line in &base.lines {
        let (Some(first), Some(last)) = (line.runs.first(), line.runs.last()) else {
            let _ = writeln!(out, "(empty line)");
            continue;
        };
        let hyphen = if last.added_hyphen { "-" } else { "" };
        let _ = writeln!(
            out,
            "{:>8.4} {:>7.4} | {}{hyphen}",
            line.ratio,
            line.expansion * 100.0,
            &text[first.source.start..last.source.end]
        );
    }
    for looseness in [-1, 1] {
        let layout = ts.layout(
            prepared,
            &BreakParams {
                looseness,
                ..params.clone()
            },
        );
        let _ = writeln!(
            out,
            "looseness {looseness:+}: {:?}, {:+} -> {} lines, demerits {:.1}, ends{}",
            layout.stats.pass,
            layout.stats.looseness,
            layout.lines.len(),
            layout.stats.demerits,
            line_ends(&layout)
        );
    }
    out.push('\n');
}

#[test]
fn first_200_paragraphs_of_pride_and_prejudice() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let input = std::fs::read_to_string(fixtures.join("pride-and-prejudice-200.txt"))
        .expect("input fixture");
    let mut options = ParagraphOptions::book(Pt::inches(4.0), SIZE);
    options.breaking.max_expansion = 0.02;
    let mut ts = Typesetter::new(family(), "en-GB", HyphenationOptions::default());
    let mut got = String::new();
    for (i, pieces) in paragraphs(&input).iter().enumerate() {
        let prepared = ts.prepare(&runs(pieces), &options, Span::default());
        describe(&mut ts, &prepared, i, &mut got);
    }
    let expected_path = fixtures.join("pride-and-prejudice-200.breaks");
    if std::env::var_os("QUIRE_BLESS").is_some() {
        std::fs::write(&expected_path, &got).expect("write the snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&expected_path).expect("snapshot fixture");
    if got != expected {
        let first = got
            .lines()
            .zip(expected.lines())
            .position(|(g, e)| g != e)
            .unwrap_or(got.lines().count().min(expected.lines().count()));
        let context = |s: &str| -> String {
            s.lines()
                .skip(first.saturating_sub(3))
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "line breaks differ from the snapshot at line {}:\n--- expected\n{}\n--- got\n{}\n(QUIRE_BLESS=1 regenerates the snapshot)",
            first + 1,
            context(&expected),
            context(&got)
        );
    }
}

/// A paragraph a little longer than a line never sets its first word alone on the first
/// line (seen once at a 3.75 in measure without indent: one sentence after a heading).
#[test]
fn a_short_paragraph_never_starts_with_a_lone_word() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let input =
        std::fs::read_to_string(fixtures.join("pride-and-prejudice-200.txt")).expect("fixture");
    let mut ts = Typesetter::new(family(), "en-GB", HyphenationOptions::default());
    let mut checked = 0;
    for measure in [3.5, 3.75, 4.0] {
        let mut options = ParagraphOptions::book(Pt::inches(measure), Pt(11.5));
        options.indent = Pt::ZERO;
        options.breaking.max_expansion = 0.02;
        for paragraph in input.split("\n\n") {
            let words: Vec<&str> = paragraph.split_whitespace().collect();
            for n in 8..words.len().min(24) {
                let text = words[..n].join(" ");
                let runs = [TextRun {
                    text: &text,
                    style: RunStyle::regular(Pt(11.5)),
                }];
                let prepared = ts.prepare(&runs, &options, quire_model::Span::default());
                for looseness in [0, 1] {
                    let mut params = options.breaking.clone();
                    params.looseness = looseness;
                    let layout = ts.layout(&prepared, &params);
                    if looseness == 1 && layout.stats.looseness != 1 {
                        continue;
                    }
                    if layout.lines.len() >= 2 {
                        checked += 1;
                        let first = &layout.lines[0];
                        let words_on_first = first
                            .runs
                            .windows(2)
                            .filter(|w| w[1].source.start > w[0].source.end)
                            .count()
                            + 1;
                        assert!(
                            words_on_first >= 2,
                            "{measure} in, looseness {looseness}: {text:?} -> {}",
                            line_ends(&layout)
                        );
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}
