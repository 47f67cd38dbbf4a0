//! The PDF side: `read_pdf.py` (PyMuPDF) lists characters, pictures and thin rules per page;
//! this module decides, by position alone, what is body text, what is a footnote (below the
//! short note separator rule), what is furniture (running heads and folios above the text
//! block), which characters are raised note markers, and which pages are a table of contents.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::output::{OutImage, OutWord, Output, PageInfo};
use super::push_words;

#[derive(Debug, Clone)]
struct Ch {
    c: char,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    /// Baseline.
    oy: f64,
    size: f64,
    /// Left edge of its span and its place in the reader's output: characters of a line are
    /// ordered by span, then as written (a glyph's box may start a hair left of the space
    /// before it).
    span_x0: f64,
    seq: usize,
}

#[derive(Debug, Clone)]
struct Line {
    y: f64,
    chars: Vec<Ch>,
}

impl Line {
    fn size(&self) -> f64 {
        self.chars.iter().map(|c| c.size).fold(0.0, f64::max)
    }
    fn x0(&self) -> f64 {
        self.visible().map(|c| c.x0).fold(f64::INFINITY, f64::min)
    }
    fn x1(&self) -> f64 {
        self.visible()
            .map(|c| c.x1)
            .fold(f64::NEG_INFINITY, f64::max)
    }
    fn visible(&self) -> impl Iterator<Item = &Ch> {
        self.chars.iter().filter(|c| !c.c.is_whitespace())
    }
    /// The text, with a space wherever two characters are apart by more than a fifth of the
    /// size (in case a space was not written as a character).
    fn text(&self) -> String {
        let mut s = String::new();
        let mut prev: Option<&Ch> = None;
        for ch in &self.chars {
            if let Some(p) = prev
                && ch.x0 - p.x1 > 0.2 * ch.size.max(p.size)
                && !ch.c.is_whitespace()
                && !p.c.is_whitespace()
            {
                s.push(' ');
            }
            s.push(ch.c);
            prev = Some(ch);
        }
        // The mark that opens the rest of a wrapped code line is not text: the word the
        // line before ended with (after a hyphen) goes on.
        match s.trim_start().strip_prefix('\u{21aa}') {
            Some(rest) => rest.trim_start().to_string(),
            None => s,
        }
    }
    /// True when the line ends in a hyphen: its last word goes on in the next line.
    fn hyphenated(&self) -> bool {
        self.visible()
            .last()
            .is_some_and(|c| matches!(c.c, '-' | '\u{2010}' | '\u{ad}'))
    }
}

/// A line cut where two characters stand apart by more than 0.7 of their size with no
/// space character between them: the cells of a table row. One piece for running text (its
/// spaces are characters, however wide justification makes them).
fn cell_pieces(line: &Line) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut current: Vec<Ch> = Vec::new();
    let mut prev: Option<&Ch> = None;
    for ch in &line.chars {
        if let Some(p) = prev
            && !p.c.is_whitespace()
            && !ch.c.is_whitespace()
            && ch.x0 - p.x1 > 0.7 * ch.size.max(p.size)
            && !current.is_empty()
        {
            out.push(Line {
                y: line.y,
                chars: std::mem::take(&mut current),
            });
        }
        current.push(ch.clone());
        prev = Some(ch);
    }
    if !current.is_empty() {
        out.push(Line {
            y: line.y,
            chars: current,
        });
    }
    out
}

/// Runs the reader on `pdf` and returns its JSON.
pub(crate) fn read_json(pdf: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/read_pdf.py");
    let out = Command::new(python())
        .arg(&script)
        .arg(pdf)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "read_pdf.py failed on {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reader prints JSON")
}

/// The Python interpreter (`QUIRE_PYTHON` or `python3`).
pub(crate) fn python() -> String {
    std::env::var("QUIRE_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// True when PyMuPDF can be imported.
pub(crate) fn reader_available() -> bool {
    Command::new(python())
        .args(["-c", "import pymupdf"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn rect(v: &Value) -> [f64; 4] {
    let a = v.as_array().cloned().unwrap_or_default();
    [
        a.first().map_or(0.0, f),
        a.get(1).map_or(0.0, f),
        a.get(2).map_or(0.0, f),
        a.get(3).map_or(0.0, f),
    ]
}

/// The most frequent value after rounding to `step`.
fn mode(values: impl Iterator<Item = f64>, step: f64) -> Option<f64> {
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for v in values {
        *counts.entry((v / step).round() as i64).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(k, n)| (n, -k))
        .map(|(k, _)| k as f64 * step)
}

/// Groups characters into lines by baseline.
fn lines_of(mut chars: Vec<Ch>) -> Vec<Line> {
    chars.sort_by(|a, b| a.oy.total_cmp(&b.oy));
    let mut lines: Vec<Line> = Vec::new();
    for ch in chars {
        match lines.last_mut() {
            Some(l) if (ch.oy - l.y).abs() <= 0.6 => l.chars.push(ch),
            _ => lines.push(Line {
                y: ch.oy,
                chars: vec![ch],
            }),
        }
    }
    for l in &mut lines {
        l.chars
            .sort_by(|a, b| a.span_x0.total_cmp(&b.span_x0).then(a.seq.cmp(&b.seq)));
    }
    lines
}

/// Drops raised note markers: characters much smaller than a line just below them, sitting
/// within that line's x-height band and horizontally inside it. When some raised digits
/// on the page are links within the document (`links`: their areas), the markers are
/// those: the others are text (a Bible's verse numbers beside its notes' markers).
fn drop_markers(lines: Vec<Line>, has_notes: bool, links: &[[f64; 4]]) -> Vec<Line> {
    if !has_notes {
        return lines;
    }
    let linked = |ch: &Ch| {
        let (x, y) = ((ch.x0 + ch.x1) / 2.0, ch.oy - 0.3 * ch.size);
        links
            .iter()
            .any(|r| r[0] <= x && x <= r[2] && r[1] <= y && y <= r[3])
    };
    let sizes: Vec<f64> = lines.iter().map(Line::size).collect();
    let extents: Vec<(f64, f64)> = lines.iter().map(|l| (l.x0(), l.x1())).collect();
    let ys: Vec<f64> = lines.iter().map(|l| l.y).collect();
    let is_raised_digit = |i: usize, ch: &Ch| {
        ch.c.is_ascii_digit()
            && (0..ys.len()).any(|j| {
                j != i
                    && ch.size < 0.8 * sizes[j]
                    && ys[j] - ch.oy > 0.3
                    && ys[j] - ch.oy <= 0.75 * sizes[j]
                    && ch.x0 >= extents[j].0 - sizes[j]
                    && ch.x1 <= extents[j].1 + sizes[j]
            })
    };
    let any_linked = lines.iter().enumerate().any(|(i, line)| {
        line.chars
            .iter()
            .any(|ch| is_raised_digit(i, ch) && linked(ch))
    });
    let mut out = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        let kept: Vec<Ch> = line
            .chars
            .into_iter()
            .filter(|ch| !(is_raised_digit(i, ch) && (!any_linked || linked(ch))))
            .collect();
        if !kept.is_empty() {
            out.push(Line {
                y: line.y,
                chars: kept,
            });
        }
    }
    out
}

/// Puts raised and lowered small characters (superscripts, subscripts, markers kept) back
/// into the line they belong to: a line of characters smaller than a neighbouring line's,
/// less than half its size above or below it and within its width.
fn merge_shifted(lines: Vec<Line>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut pending: Vec<Line> = Vec::new();
    for line in lines {
        pending.push(line);
    }
    let sizes: Vec<f64> = pending.iter().map(Line::size).collect();
    let mut target: Vec<Option<usize>> = vec![None; pending.len()];
    for i in 0..pending.len() {
        let small = sizes[i];
        let (x0, x1) = (pending[i].x0(), pending[i].x1());
        target[i] = (0..pending.len()).find(|&j| {
            j != i
                && small < 0.8 * sizes[j]
                && (pending[i].y - pending[j].y).abs() <= 0.45 * sizes[j]
                && x0 >= pending[j].x0() - sizes[j]
                && x1 <= pending[j].x1() + sizes[j]
        });
    }
    let mut merged: Vec<Vec<Ch>> = pending.iter().map(|_| Vec::new()).collect();
    for (i, t) in target.iter().enumerate() {
        if let Some(j) = t {
            merged[*j].extend(pending[i].chars.iter().cloned());
        }
    }
    for (i, mut line) in pending.into_iter().enumerate() {
        if target[i].is_some() {
            continue;
        }
        if !merged[i].is_empty() {
            line.chars.append(&mut merged[i]);
            line.chars.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        }
        out.push(line);
    }
    out
}

fn is_page_number(token: &str) -> bool {
    !token.is_empty()
        && (token.chars().all(|c| c.is_ascii_digit())
            || token.chars().all(|c| "ivxlcdmIVXLCDM".contains(c)))
}

/// A contents entry: text, then a wide gap or leader dots, then a page number at the end
/// of the line.
fn is_contents_entry(line: &Line) -> bool {
    let vis: Vec<&Ch> = line.visible().collect();
    let gap = (1..vis.len())
        .rev()
        .find(|&k| vis[k].x0 - vis[k - 1].x1 > 1.5 * vis[k].size);
    // Leaders: the page number follows a run of at least three dots.
    let leader = (1..vis.len())
        .rev()
        .find(|&k| k >= 3 && vis[k - 3..k].iter().all(|c| c.c == '.') && vis[k].c != '.');
    let Some(start) = gap.or(leader) else {
        return false;
    };
    let token: String = vis[start..].iter().map(|c| c.c).collect();
    start > 0 && is_page_number(&token)
}

struct RawPage {
    trim: [f64; 4],
    lines: Vec<Line>,
    images: Vec<OutImage>,
    rules: Vec<[f64; 4]>,
    outside_trim: Vec<String>,
    overprints: Vec<String>,
}

/// A combining mark, drawn over or under the letter before it on purpose.
fn is_mark(c: char) -> bool {
    matches!(u32::from(c),
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x0610..=0x061A
        | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x0900..=0x0903 | 0x093A..=0x094F
        | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
        | 0x20D0..=0x20FF | 0x302A..=0x302F | 0x3099 | 0x309A | 0xFE20..=0xFE2F)
}

/// Characters of one line printed over characters of another (a title run into the text
/// under it), or over a picture: each character reduced to the middle half of its width,
/// and from its cap height to a sixth of its size below the baseline (where a descender
/// meets the capitals of a line set too close under it), so that letters of neighbouring
/// lines, whose full boxes may overlap by design, never meet.
fn overprints(page: usize, chars: &[Ch], images: &[OutImage]) -> Vec<String> {
    let core = |c: &Ch| {
        let quarter = (c.x1 - c.x0) / 4.0;
        [
            c.x0 + quarter,
            c.oy - 0.7 * c.size,
            c.x1 - quarter,
            c.oy + 0.15 * c.size,
        ]
    };
    let meet = |a: [f64; 4], b: [f64; 4]| a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    let mut visible: Vec<&Ch> = chars
        .iter()
        .filter(|c| !c.c.is_whitespace() && !is_mark(c.c) && c.x1 > c.x0)
        .collect();
    visible.sort_by(|a, b| core(a)[1].total_cmp(&core(b)[1]));
    let mut found = Vec::new();
    for (i, a) in visible.iter().enumerate() {
        let ca = core(a);
        for b in &visible[i + 1..] {
            let cb = core(b);
            if cb[1] >= ca[3] {
                break;
            }
            // Characters of one line (or a raised mark beside its word) are not compared.
            if (a.oy - b.oy).abs() <= 0.25 * a.size.max(b.size) || !meet(ca, cb) {
                continue;
            }
            found.push(format!(
                "p. {}: '{}' (baseline {:.1}, size {:.1}) and '{}' (baseline {:.1}, size {:.1}) are printed over each other at x {:.1}",
                page + 1, a.c, a.oy, a.size, b.c, b.oy, b.size, a.x0
            ));
            if found.len() >= 3 {
                return found;
            }
        }
        for image in images {
            if meet(ca, image.bbox) {
                found.push(format!(
                    "p. {}: '{}' (baseline {:.1}) is printed over the picture ({}) at {:?}",
                    page + 1,
                    a.c,
                    a.oy,
                    image.name,
                    image.bbox
                ));
                if found.len() >= 3 {
                    return found;
                }
                break;
            }
        }
    }
    found
}

/// Reads the PDF at `path` into an [`Output`].
pub(crate) fn read(path: &Path) -> Output {
    let json = read_json(path);
    let pages_json = json["pages"].as_array().cloned().unwrap_or_default();
    let mut raw: Vec<RawPage> = Vec::new();
    for (index, p) in pages_json.iter().enumerate() {
        let trim = rect(&p["trim"]);
        let mut chars = Vec::new();
        let mut outside = Vec::new();
        for span in p["spans"].as_array().into_iter().flatten() {
            let size = f(&span["size"]);
            let span_x0 = rect(&span["bbox"])[0];
            for c in span["chars"].as_array().into_iter().flatten() {
                let a = c.as_array().cloned().unwrap_or_default();
                let s = a.first().and_then(|v| v.as_str()).unwrap_or("");
                let Some(ch) = s.chars().next() else { continue };
                let ch = Ch {
                    c: ch,
                    x0: a.get(1).map_or(0.0, f),
                    y0: a.get(2).map_or(0.0, f),
                    x1: a.get(3).map_or(0.0, f),
                    y1: a.get(4).map_or(0.0, f),
                    oy: a.get(5).map_or(0.0, f),
                    size,
                    span_x0,
                    seq: chars.len(),
                };
                if !ch.c.is_whitespace()
                    && (ch.x0 < trim[0] - 0.01
                        || ch.x1 > trim[2] + 0.01
                        || ch.oy - 0.1 * size < trim[1]
                        || ch.oy > trim[3] + 0.01)
                {
                    outside.push(format!(
                        "p. {}: character '{}' at x {:.1}–{:.1}, baseline {:.1} is outside the trim box {:?}",
                        index + 1,
                        ch.c,
                        ch.x0,
                        ch.x1,
                        ch.oy,
                        trim
                    ));
                }
                chars.push(ch);
            }
        }
        let mut images = Vec::new();
        for im in p["images"].as_array().into_iter().flatten() {
            let bbox = rect(&im["bbox"]);
            if bbox[0] < trim[0] - 0.5
                || bbox[1] < trim[1] - 0.5
                || bbox[2] > trim[2] + 0.5
                || bbox[3] > trim[3] + 0.5
            {
                outside.push(format!(
                    "p. {}: picture (xref {}) at {:?} is outside the trim box {:?}",
                    index + 1,
                    im["xref"],
                    bbox,
                    trim
                ));
            }
            images.push(OutImage {
                page: index,
                bbox,
                w: im["w"].as_u64().unwrap_or(0) as u32,
                h: im["h"].as_u64().unwrap_or(0) as u32,
                name: format!("xref {}", im["xref"]),
                fingerprint: None,
            });
        }
        images.sort_by(|a, b| {
            a.bbox[1]
                .total_cmp(&b.bbox[1])
                .then(a.bbox[0].total_cmp(&b.bbox[0]))
        });
        let rules: Vec<[f64; 4]> = p["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| rect(&r["rect"]))
            .collect();
        let links: Vec<[f64; 4]> = p["links"]
            .as_array()
            .into_iter()
            .flatten()
            .map(rect)
            .collect();
        // Note markers are raised digits; so are superscripts in the text (E = mc²). On a
        // page with notes (a short rule) raised digits are taken for markers.
        let page_width = trim[2] - trim[0];
        let has_notes = rules.iter().any(|r: &[f64; 4]| {
            r[3] - r[1] <= 1.0
                && r[2] - r[0] >= 0.05 * page_width
                && r[2] - r[0] <= 0.5 * page_width
        });
        let overprints = overprints(index, &chars, &images);
        raw.push(RawPage {
            trim,
            overprints,
            lines: merge_shifted(drop_markers(lines_of(chars), has_notes, &links)),
            images,
            rules,
            outside_trim: outside,
        });
    }

    // The body size: the median size of the characters above the note separator (notes can
    // outnumber the text: a short thin rule at most half the page wide, lowest on the page).
    let short_rule = |p: &RawPage| -> Option<f64> {
        let page_width = p.trim[2] - p.trim[0];
        p.rules
            .iter()
            .filter(|r| {
                r[3] - r[1] <= 1.0
                    && r[2] - r[0] >= 0.05 * page_width
                    && r[2] - r[0] <= 0.5 * page_width
            })
            .map(|r| r[1])
            .reduce(f64::max)
    };
    let mut sizes: Vec<f64> = raw
        .iter()
        .flat_map(|p| {
            let limit = short_rule(p).unwrap_or(f64::INFINITY);
            p.lines
                .iter()
                .filter(move |l| l.y < limit)
                .flat_map(|l| l.chars.iter().map(|c| c.size))
        })
        .collect();
    sizes.sort_by(f64::total_cmp);
    let size = sizes.get(sizes.len() / 2).copied().unwrap_or(10.0);
    let body_size = |s: f64| (s - size).abs() <= 0.06 * size;
    let body_line = |l: &Line| body_size(l.size()) && l.visible().count() > 0;
    // The leading: the most common distance between consecutive body-size lines.
    let leading = mode(
        raw.iter().flat_map(|p| {
            let ys: Vec<f64> = p
                .lines
                .iter()
                .filter(|l| body_line(l))
                .map(|l| l.y)
                .collect();
            ys.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>()
        }),
        0.05,
    )
    .unwrap_or(size * 1.2);
    // The first baseline of the text block: the highest first body line that begins at
    // least two pages (chapter openings sink lower; a page that opens with code or a
    // picture has its first body-size line lower), else the most common one.
    let firsts: Vec<f64> = raw
        .iter()
        .filter_map(|p| {
            let body: Vec<&Line> = p.lines.iter().filter(|l| body_line(l)).collect();
            (body.len() >= 3).then(|| body[0].y)
        })
        .collect();
    let first_baseline = firsts
        .iter()
        .copied()
        .filter(|&y| firsts.iter().filter(|&&o| (o - y).abs() <= 0.05).count() >= 2)
        .reduce(f64::min)
        .or_else(|| mode(firsts.iter().copied(), 0.05))
        .unwrap_or(0.0);
    // Running heads: the top line of a page, smaller than the text, at one height on at
    // least two pages. Above them and the text block's first baseline is furniture (in a
    // book of short chapters the first baseline found may be an opening's, sunk lower).
    let heads: Vec<f64> = raw
        .iter()
        .filter_map(|p| p.lines.first())
        .filter(|l| l.size() < size && !body_size(l.size()))
        .map(|l| l.y)
        .collect();
    let head = heads
        .iter()
        .copied()
        .filter(|&y| heads.iter().filter(|&&o| (o - y).abs() <= 0.05).count() >= 2)
        .reduce(f64::min);
    // Without running heads (a book whose chapters are each a page: an opening has none,
    // and the first baseline found is an opening's, under its title) nothing above the
    // text is furniture.
    let furniture_limit = match head {
        Some(head) => (head + 0.5 * leading).min(first_baseline - 0.5 * leading),
        None => f64::NEG_INFINITY,
    };
    // The text width: the most common width of a body line.
    let text_width = mode(
        raw.iter().flat_map(|p| {
            p.lines
                .iter()
                .filter(|l| body_line(l))
                .map(|l| l.x1() - l.x0())
        }),
        1.0,
    )
    .unwrap_or(0.0);
    // The last baseline: the most common lowest line of a page.
    let last_baseline = mode(
        raw.iter().filter_map(|p| {
            let lines: Vec<&Line> = p.lines.iter().filter(|l| l.y > furniture_limit).collect();
            (lines.len() >= 5)
                .then(|| lines.last().map(|l| l.y))
                .flatten()
        }),
        0.05,
    )
    .unwrap_or(0.0);

    let mut out = Output {
        kind: "PDF",
        leading,
        first_baseline,
        last_baseline,
        ..Output::default()
    };
    let mut body_carry = String::new();
    // The last line ended inside a web or mail address.
    let mut address_goes_on = false;
    let mut note_carry = String::new();
    let mut body_words: Vec<String> = Vec::new();
    for (index, page) in raw.into_iter().enumerate() {
        out.page_names.push(format!("p. {}", index + 1));
        let mut info = PageInfo {
            trim: page.trim,
            outside_trim: page.outside_trim,
            overprints: page.overprints,
            ..PageInfo::default()
        };
        let (furniture, text): (Vec<Line>, Vec<Line>) = page.lines.into_iter().partition(|l| {
            l.y < furniture_limit
                || (l.y > last_baseline + 0.5 * leading
                    && l.text().split_whitespace().all(is_page_number))
        });
        info.furniture = furniture
            .iter()
            .map(Line::text)
            .collect::<Vec<_>>()
            .join(" / ");
        // A page of contents entries is generated: none of its text is compared.
        // An entry too long for one line wraps: the lines just above its page number (one
        // leading apart, at its size) are part of it.
        let mut entry_lines = 0;
        let mut entries = 0;
        let mut below: Option<&Line> = None;
        for line in text.iter().rev() {
            let entry = is_contents_entry(line);
            let wrapped = below.is_some_and(|b| {
                (b.y - line.y - leading).abs() <= 0.1 * leading
                    && (b.size() - line.size()).abs() <= 0.05 * b.size()
            });
            entries += usize::from(entry);
            if entry || wrapped {
                entry_lines += 1;
                below = Some(line);
            } else {
                below = None;
            }
        }
        if entries >= 2 && entry_lines * 2 >= text.len() {
            out.generated.push(index);
            out.pages.push(info);
            continue;
        }
        // The note separator: the lowest short thin rule inside the text block.
        let separator = page
            .rules
            .iter()
            .filter(|r| {
                let (w, h) = (r[2] - r[0], r[3] - r[1]);
                h <= 1.0 && w >= 0.1 * text_width && w <= 0.6 * text_width && r[1] > furniture_limit
            })
            .map(|r| (r[1], r[0]))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let (notes, body): (Vec<Line>, Vec<Line>) = text
            .into_iter()
            .partition(|l| separator.is_some_and(|(y, _)| l.y > y));
        info.has_notes = !notes.is_empty();
        if std::env::var("QUIRE_ORACLE_PAGE").ok() == Some(format!("{}", index + 1)) {
            for l in &furniture {
                eprintln!("FURNITURE {:.2} {}", l.y, l.text());
            }
            for l in &body {
                eprintln!("BODY {:.2} {:.2} {}", l.y, l.size(), l.text());
            }
            for l in &notes {
                eprintln!("NOTE {:.2} {:.2} {}", l.y, l.size(), l.text());
            }
        }
        info.baselines = body.iter().chain(notes.iter()).map(|l| l.y).collect();
        info.baselines.sort_by(f64::total_cmp);
        info.body_baselines = body.iter().filter(|l| body_line(l)).map(|l| l.y).collect();
        info.image_bottom = page.images.iter().map(|i| i.bbox[3]).reduce(f64::max);
        // Captions: the lines right under a picture, set in a size other than the body's,
        // one leading or less apart. They are read as captions, not as body text (a picture
        // floats: its caption would cut a paragraph in two).
        let mut caption_of: Vec<Option<usize>> = vec![None; body.len()];
        for (k, im) in page.images.iter().enumerate() {
            let Some(first) = body.iter().position(|l| {
                l.y > im.bbox[3] && l.y <= im.bbox[3] + 2.0 * leading && !body_size(l.size())
            }) else {
                continue;
            };
            let cap_size = body[first].size();
            let mut prev = body[first].y;
            for (i, l) in body.iter().enumerate().skip(first) {
                if i > first && (l.y - prev > 1.1 * leading || (l.size() - cap_size).abs() > 0.3) {
                    break;
                }
                caption_of[i] = Some(k);
                prev = l.y;
            }
        }
        let mut captions: Vec<(usize, Vec<String>)> = Vec::new();
        for (i, line) in body.iter().enumerate() {
            if let Some(k) = caption_of[i] {
                if captions.last().is_none_or(|c| c.0 != k) {
                    captions.push((k, Vec::new()));
                }
                let mut carry = String::new();
                let words = &mut captions.last_mut().expect("caption").1;
                push_words(&line.text(), &mut carry, words);
                if !carry.is_empty() {
                    words.push(carry);
                }
            }
        }
        for (_, words) in captions {
            out.captions.push(
                words
                    .into_iter()
                    .map(|w| OutWord {
                        w,
                        page: index,
                        y: 0.0,
                    })
                    .collect(),
            );
        }
        // Tables: lines made of pieces set apart with no space character between them (the
        // cells of a row) are read column by column, so that a cell's words hyphenated
        // across its lines join up.
        let pieces: Vec<Vec<Line>> = body.iter().map(cell_pieces).collect();
        let mut region_end = vec![None; body.len()];
        let mut i = 0;
        while i < body.len() {
            if pieces[i].len() < 2 || caption_of[i].is_some() {
                i += 1;
                continue;
            }
            let mut end = i + 1;
            let mut last_table = i;
            while end < body.len() && caption_of[end].is_none() && end <= last_table + 2 {
                if pieces[end].len() >= 2 {
                    last_table = end;
                }
                end += 1;
            }
            if (i..=last_table).filter(|&k| pieces[k].len() >= 2).count() >= 2 {
                region_end[i] = Some(last_table + 1);
                i = last_table + 1;
            } else {
                i += 1;
            }
        }
        let mut i = 0;
        while i < body.len() {
            if let Some(end) = region_end[i] {
                // A column's pieces share their left edge, their right edge (a column set
                // to the right) or their middle (centred).
                let mut columns: Vec<(f64, Vec<&Line>)> = Vec::new();
                for piece in pieces[i..end].iter().flatten() {
                    let (x0, x1) = (piece.x0(), piece.x1());
                    let same = |p: &Line| {
                        (p.x0() - x0).abs() <= 1.5
                            || (p.x1() - x1).abs() <= 1.5
                            || ((p.x0() + p.x1()) - (x0 + x1)).abs() <= 3.0
                    };
                    match columns
                        .iter_mut()
                        .find(|(_, col)| col.iter().any(|p| same(p)))
                    {
                        Some((left, col)) => {
                            *left = left.min(x0);
                            col.push(piece);
                        }
                        None => columns.push((x0, vec![piece])),
                    }
                }
                columns.sort_by(|a, b| a.0.total_cmp(&b.0));
                for (_, col) in columns {
                    for piece in col {
                        push_words(&piece.text(), &mut body_carry, &mut body_words);
                        if !piece.hyphenated() && !body_carry.is_empty() {
                            body_words.push(std::mem::take(&mut body_carry));
                        }
                        for w in body_words.drain(..) {
                            out.body.push(OutWord {
                                w,
                                page: index,
                                y: piece.y,
                            });
                        }
                    }
                }
                i = end;
                continue;
            }
            let line = &body[i];
            i += 1;
            if caption_of[i - 1].is_some() {
                continue;
            }
            let t = line.text();
            push_words(&t, &mut body_carry, &mut body_words);
            // An address broken before a hyphen goes on at the start of the next line
            // ("...systems" / "-book/..."): its word is not finished. A line that is only
            // the middle of a long address ("/" on the line before) is in it too.
            let words_on_line = t.split_whitespace().count();
            let in_address = t
                .split_whitespace()
                .last()
                .is_some_and(|w| w.contains(['/', '@']))
                || (address_goes_on && words_on_line == 1);
            let continued = in_address
                && body.get(i).is_some_and(|next| {
                    // The next line of the same paragraph: one leading down, same size.
                    next.y - line.y < 1.2 * leading
                        && (next.size() - line.size()).abs() < 0.3
                        && next
                            .visible()
                            .next()
                            .is_some_and(|c| matches!(c.c, '-' | '_'))
                });
            // A code line wrapped after a hyphen inside a word ("[my-awesome-" / "↪ shell]").
            let wrapped = t.trim_end().ends_with('-')
                && body
                    .get(i)
                    .and_then(|next| next.visible().next())
                    .is_some_and(|c| c.c == '\u{21aa}');
            address_goes_on = in_address;
            if !line.hyphenated() && !continued && !wrapped && !body_carry.is_empty() {
                body_words.push(std::mem::take(&mut body_carry));
            }
            let y = line.y;
            for w in body_words.drain(..) {
                out.body.push(OutWord { w, page: index, y });
            }
        }
        // Notes: a note starts on a line indented from the note area's left edge that begins
        // with its number and a full stop; the number is Quire's, not the manuscript's.
        let note_left = separator.map_or(0.0, |(_, x)| x);
        for line in &notes {
            let t = line.text();
            let trimmed = t.trim_start();
            let number_end = trimmed
                .find(|c: char| !c.is_ascii_digit())
                .filter(|&k| k > 0 && trimmed[k..].starts_with('.'));
            let starts = number_end.is_some() && line.x0() > note_left + 1.0;
            let rest = if let (true, Some(k)) = (starts, number_end) {
                if !note_carry.is_empty() {
                    let w = std::mem::take(&mut note_carry);
                    if let Some(n) = out.notes.last_mut() {
                        n.push(OutWord {
                            w,
                            page: index,
                            y: line.y,
                        });
                    }
                }
                out.notes.push(Vec::new());
                &trimmed[k + 1..]
            } else {
                trimmed
            };
            if out.notes.is_empty() {
                out.notes.push(Vec::new());
            }
            let mut words = Vec::new();
            push_words(rest, &mut note_carry, &mut words);
            if !line.hyphenated() && !note_carry.is_empty() {
                words.push(std::mem::take(&mut note_carry));
            }
            let y = line.y;
            if let Some(n) = out.notes.last_mut() {
                n.extend(words.into_iter().map(|w| OutWord { w, page: index, y }));
            }
        }
        out.images.extend(page.images);
        out.pages.push(info);
    }
    if !body_carry.is_empty() {
        let page = out.pages.len().saturating_sub(1);
        out.body.push(OutWord {
            w: body_carry,
            page,
            y: 0.0,
        });
    }
    if !note_carry.is_empty()
        && let Some(n) = out.notes.last_mut()
    {
        n.push(OutWord {
            w: note_carry,
            page: 0,
            y: 0.0,
        });
    }
    out
}
