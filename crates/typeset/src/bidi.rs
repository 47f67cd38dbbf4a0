//! Right-to-left and mixed text on a line: the levels of the Unicode Bidirectional
//! Algorithm (UAX #9, from `unicode-bidi`) and its rule L2, which reverses every stretch of
//! a line at an odd level and above, from the highest level down.
//!
//! Lines are broken in logical order (the order of the text), as widths do not depend on
//! direction; each line's glyphs are then moved to their visual places here. Every word's
//! glyphs come in the text's order (a right-to-left word is shaped right to left, for
//! Arabic's joining, and its clusters put back in the text's order), so a cluster (a
//! letter with its points, a ligature) is moved as a whole and keeps its inside. In a
//! right-to-left paragraph the line is mirrored across the measure, so its start is at the
//! right edge and a short last line (or a ragged one) is flush right; numbers and Latin
//! words inside keep their left-to-right order (they sit at an even level).

use std::ops::Range;

use unicode_bidi::{BidiClass, BidiInfo, Level, bidi_class};

use crate::paragraph::{GlyphRun, LaidLine};
use crate::units::Pt;

/// Whether `c` is a letter of a right-to-left script (Hebrew, Arabic, Syriac, Thaana...).
pub(crate) fn is_right_to_left_char(c: char) -> bool {
    c >= '\u{0590}' && matches!(bidi_class(c), BidiClass::R | BidiClass::AL)
}

/// The mirror image of a character that has one (UAX #9 rule L4: an opening parenthesis
/// in right-to-left text opens to the left), for the pairs books use.
fn mirrored(c: char) -> Option<char> {
    const PAIRS: [(char, char); 11] = [
        ('(', ')'),
        ('[', ']'),
        ('{', '}'),
        ('<', '>'),
        ('«', '»'),
        ('‹', '›'),
        ('⟨', '⟩'),
        ('≤', '≥'),
        ('⁅', '⁆'),
        ('⁽', '⁾'),
        ('₍', '₎'),
    ];
    PAIRS.iter().find_map(|&(a, b)| {
        if c == a {
            Some(b)
        } else if c == b {
            Some(a)
        } else {
            None
        }
    })
}

/// Whether `c` is a letter of a left-to-right script (Latin, Greek, Cyrillic, CJK...).
pub(crate) fn is_left_to_right_char(c: char) -> bool {
    bidi_class(c) == BidiClass::L
}

/// One cluster of a line: glyphs that stand for one piece of text and move together.
struct Cluster {
    run: usize,
    glyphs: Range<usize>,
    /// Left edge from the line's start, before and after reordering.
    from: f64,
    to: f64,
    width: f64,
    level: u8,
}

/// Puts the glyphs of `lines` (set in logical order from `text`, the paragraph's text) in
/// visual order. `right_to_left`: the paragraph's direction is right to left (its level
/// is 1), else left to right; a line without right-to-left text in a left-to-right
/// paragraph is left as it is. `glyph_of` gives a face's glyph for a character, for the
/// mirrored brackets of right-to-left text.
pub(crate) fn reorder_lines(
    lines: &mut [LaidLine],
    text: &str,
    right_to_left: bool,
    glyph_of: &dyn Fn(usize, char) -> Option<u16>,
) {
    let base = if right_to_left {
        Level::rtl()
    } else {
        Level::ltr()
    };
    let info = BidiInfo::new(text, Some(base));
    for line in lines {
        reorder_line(line, &info.levels, right_to_left, glyph_of);
    }
}

fn reorder_line(
    line: &mut LaidLine,
    levels: &[Level],
    right_to_left: bool,
    glyph_of: &dyn Fn(usize, char) -> Option<u16>,
) {
    let level_at = |byte: usize| levels.get(byte).map_or(0, |l| l.number());
    let mut clusters: Vec<Cluster> = Vec::new();
    // Where the text of the last cluster ends, in the paragraph and on the line.
    let mut last_end: Option<(usize, f64)> = None;
    for (r, run) in line.runs.iter().enumerate() {
        let mut pen = run.x.0;
        // The level of the run's last character stands for an added hyphen.
        let last = run.source.end.max(run.source.start + 1) - 1;
        for (g, glyph) in run.glyphs.iter().enumerate() {
            let advance = glyph.advance.0;
            let byte = run.source.start + glyph.text.start;
            match clusters.last_mut() {
                Some(c) if c.run == r && glyph.text.is_empty() => {
                    c.glyphs.end = g + 1;
                    c.width += advance;
                }
                _ => {
                    // The text between two words (a space) has a level too: between a
                    // number and a Latin word in Hebrew it is 1, and keeps them apart.
                    if let Some((end, x)) = last_end
                        && byte > end
                        && byte < run.source.end
                    {
                        let level = (end..byte).map(level_at).min().unwrap_or(0);
                        clusters.push(Cluster {
                            run: usize::MAX,
                            glyphs: 0..0,
                            from: x,
                            to: x,
                            width: (pen - x).max(0.0),
                            level,
                        });
                    }
                    clusters.push(Cluster {
                        run: r,
                        glyphs: g..g + 1,
                        from: pen,
                        to: pen,
                        width: advance,
                        level: level_at(if byte < run.source.end { byte } else { last }),
                    });
                }
            }
            pen += advance;
            let end = (run.source.start + glyph.text.end).min(run.source.end);
            last_end = Some((last_end.map_or(end, |(e, _)| e.max(end)), pen));
        }
    }
    let highest = clusters.iter().map(|c| c.level).max().unwrap_or(0);
    if highest == 0 {
        return;
    }
    // In a right-to-left paragraph the line itself is at level 1, though it may hold only
    // numbers (level 2): it is always mirrored across the measure.
    let lowest_odd = if right_to_left {
        1
    } else {
        clusters.iter().map(|c| c.level | 1).min().unwrap_or(1)
    };
    // Clusters in their current left-to-right order (logical at first: words are shaped
    // left to right).
    let mut order: Vec<usize> = (0..clusters.len()).collect();
    for level in (lowest_odd..=highest).rev() {
        let mut i = 0;
        while i < order.len() {
            if clusters[order[i]].level < level {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < order.len() && clusters[order[j]].level >= level {
                j += 1;
            }
            let (left, right) = if level == 1 && right_to_left {
                // The whole line, mirrored across the measure: it starts at the right.
                (0.0, line.target.0)
            } else {
                let first = &clusters[order[i]];
                let last = &clusters[order[j - 1]];
                (first.to, last.to + last.width)
            };
            for &c in &order[i..j] {
                let cluster = &mut clusters[c];
                cluster.to = left + right - (cluster.to + cluster.width);
            }
            order[i..j].reverse();
            i = j;
        }
    }
    // Each run's glyphs in visual order, moved with their clusters; runs left to right.
    let mut runs: Vec<GlyphRun> = std::mem::take(&mut line.runs);
    let mut lefts: Vec<(f64, usize)> = Vec::with_capacity(runs.len());
    for (r, run) in runs.iter_mut().enumerate() {
        let mine: Vec<&Cluster> = order
            .iter()
            .map(|&c| &clusters[c])
            .filter(|c| c.run == r)
            .collect();
        let Some(left) = mine.iter().map(|c| c.to).reduce(f64::min) else {
            lefts.push((run.x.0, r));
            continue;
        };
        let mut glyphs = Vec::with_capacity(run.glyphs.len());
        for cluster in &mine {
            let shift = cluster.to - cluster.from;
            let flip = cluster.level % 2 == 1 && cluster.glyphs.len() == 1;
            for glyph in &run.glyphs[cluster.glyphs.clone()] {
                let mut glyph = glyph.clone();
                glyph.x = Pt(run.x.0 + glyph.x.0 + shift - left);
                let mut chars = run.text.get(glyph.text.clone()).unwrap_or("").chars();
                if flip
                    && let (Some(c), None) = (chars.next(), chars.next())
                    && let Some(id) = mirrored(c).and_then(|m| glyph_of(run.face, m))
                {
                    glyph.id = id;
                }
                glyphs.push(glyph);
            }
        }
        run.glyphs = glyphs;
        run.x = Pt(left);
        lefts.push((left, r));
    }
    lefts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut slots: Vec<Option<GlyphRun>> = runs.drain(..).map(Some).collect();
    line.runs = lefts
        .iter()
        .filter_map(|&(_, r)| slots.get_mut(r).and_then(Option::take))
        .collect();
    if right_to_left {
        line.left = line.target - line.width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paragraph::PositionedGlyph;

    fn run(text: &str, source: usize, x: f64) -> GlyphRun {
        let glyphs: Vec<PositionedGlyph> = text
            .char_indices()
            .enumerate()
            .map(|(n, (i, c))| PositionedGlyph {
                id: 1,
                x: Pt(n as f64 * 10.0),
                y: Pt::ZERO,
                advance: Pt(10.0),
                text: i..i + c.len_utf8(),
            })
            .collect();
        let width = Pt(glyphs.len() as f64 * 10.0);
        GlyphRun {
            variant: crate::font::FontVariant::Regular,
            face: 0,
            small_caps: false,
            size: Pt(10.0),
            x: Pt(x),
            horizontal_scale: 1.0,
            text: text.to_owned(),
            added_hyphen: false,
            source: source..source + text.len(),
            glyphs,
            width,
        }
    }

    fn line(runs: Vec<GlyphRun>, target: f64) -> LaidLine {
        let width = runs.last().map_or(Pt::ZERO, |r| r.x + r.width);
        LaidLine {
            runs,
            target: Pt(target),
            width,
            left: Pt::ZERO,
            ratio: 0.0,
            expansion: 0.0,
            badness: 0.0,
            hyphenated: false,
            overfull: false,
        }
    }

    /// The line's characters from left to right, as a reader sees them.
    fn visual(line: &LaidLine) -> String {
        let mut glyphs: Vec<(f64, char)> = Vec::new();
        for run in &line.runs {
            for g in &run.glyphs {
                if let Some(c) = run.text[g.text.clone()].chars().next() {
                    glyphs.push(((run.x + g.x).0, c));
                }
            }
        }
        glyphs.sort_by(|a, b| a.0.total_cmp(&b.0));
        glyphs.into_iter().map(|g| g.1).collect()
    }

    #[test]
    fn a_hebrew_line_reads_from_the_right_and_is_flush_right() {
        // "שלום עולם" set logically from the left: two words of four letters.
        let text = "שלום עולם";
        let mut lines = vec![line(
            vec![run("שלום", 0, 0.0), run("עולם", "שלום ".len(), 50.0)],
            200.0,
        )];
        reorder_lines(&mut lines, text, true, &|_, _| None);
        assert_eq!(visual(&lines[0]), "םלועםולש");
        // Flush right: the first word ends at the measure.
        let first = lines[0].runs.iter().find(|r| r.source.start == 0);
        let end = first.map(|r| (r.x + r.width).0);
        assert_eq!(end, Some(200.0));
        assert_eq!(lines[0].left, Pt(110.0));
    }

    #[test]
    fn numbers_and_latin_inside_hebrew_keep_their_order() {
        let text = "בשנת 1948 Genesis";
        let a = "בשנת ".len();
        let b = a + "1948 ".len();
        let mut lines = vec![line(
            vec![
                run("בשנת", 0, 0.0),
                run("1948", a, 50.0),
                run("Genesis", b, 100.0),
            ],
            170.0,
        )];
        reorder_lines(&mut lines, text, true, &|_, _| None);
        assert_eq!(visual(&lines[0]), "Genesis1948תנשב");
    }

    #[test]
    fn a_hebrew_word_in_english_is_reversed_in_place() {
        let text = "say שלום now";
        let mut lines = vec![line(
            vec![
                run("say", 0, 0.0),
                run("שלום", 4, 40.0),
                run("now", 4 + "שלום ".len(), 90.0),
            ],
            300.0,
        )];
        reorder_lines(&mut lines, text, false, &|_, _| None);
        assert_eq!(visual(&lines[0]), "sayםולשnow");
        // Nothing moved out of the word's place, and the line stays flush left.
        assert_eq!(lines[0].runs[1].x, Pt(40.0));
        assert_eq!(lines[0].left, Pt::ZERO);
    }

    #[test]
    fn brackets_in_hebrew_are_mirrored() {
        let text = "(שלום)";
        let mut lines = vec![line(vec![run(text, 0, 0.0)], 100.0)];
        let glyph_of = |_: usize, c: char| Some(if c == '(' { 40 } else { 41 });
        reorder_lines(&mut lines, text, true, &glyph_of);
        let run = &lines[0].runs[0];
        let mut ids: Vec<(f64, u16)> = run.glyphs.iter().map(|g| (g.x.0, g.id)).collect();
        ids.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The closing parenthesis, now at the left end, is drawn with the glyph of `(`, and
        // the opening one at the right end with that of `)`: both open toward the word.
        assert_eq!(ids.first().map(|g| g.1), Some(40));
        assert_eq!(ids.last().map(|g| g.1), Some(41));
    }

    #[test]
    fn left_to_right_lines_are_left_alone() {
        let text = "plain words";
        let original = vec![line(
            vec![run("plain", 0, 0.0), run("words", 6, 60.0)],
            200.0,
        )];
        let mut lines = original.clone();
        reorder_lines(&mut lines, text, false, &|_, _| None);
        assert_eq!(lines, original);
    }
}
