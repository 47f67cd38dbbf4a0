//! The checks: the manuscript against an output read back. Each returns human-readable
//! violations; nothing here panics on a defect.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use super::manuscript::Manuscript;
use super::output::Output;

/// Shingle length: runs of this many words are compared.
pub(crate) const N: usize = 6;

/// Check names, in report order.
pub(crate) const CHECKS: &[&str] = &[
    "a. body text missing",
    "b. body text doubled",
    "c. body order",
    "d. footnotes",
    "e. pictures",
    "f. trim box",
    "g. page depth",
    "h. text not in the manuscript",
    "i. overprinted text",
];

/// The findings of one output of one book.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) book: String,
    pub(crate) kind: &'static str,
    pub(crate) violations: BTreeMap<&'static str, Vec<String>>,
    /// Reported but not failing (h. the baseline grid; statistics).
    pub(crate) info: BTreeMap<&'static str, Vec<String>>,
}

impl Report {
    fn add(&mut self, check: &'static str, msg: String) {
        self.violations.entry(check).or_default().push(msg);
    }
    fn note(&mut self, what: &'static str, msg: String) {
        self.info.entry(what).or_default().push(msg);
    }
    /// Number of violations.
    pub(crate) fn count(&self) -> usize {
        self.violations.values().map(Vec::len).sum()
    }
    /// Every violation and piece of information, grouped by check.
    pub(crate) fn render(&self, limit: usize) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "== {} ({}): {} violation(s)",
            self.book,
            self.kind,
            self.count()
        );
        for check in CHECKS {
            let v = self.violations.get(check).map_or(&[][..], Vec::as_slice);
            let _ = writeln!(s, "  {check}: {}", v.len());
            for m in v.iter().take(limit) {
                let _ = writeln!(s, "    - {m}");
            }
            if v.len() > limit {
                let _ = writeln!(s, "    … and {} more", v.len() - limit);
            }
        }
        for (what, v) in &self.info {
            let _ = writeln!(s, "  (info) {what}: {}", v.len());
            for m in v.iter().take(limit) {
                let _ = writeln!(s, "    · {m}");
            }
            if v.len() > limit {
                let _ = writeln!(s, "    … and {} more", v.len() - limit);
            }
        }
        s
    }
}

/// A unit of text that is compared as a whole: a body block or a caption.
struct Unit<'a> {
    words: &'a [String],
    loc: String,
    chapter: usize,
    /// Index into `Manuscript::blocks` (None for captions).
    block: Option<usize>,
}

type Gram = Vec<String>;

/// The grams of a unit: its windows of N words, or the whole unit when shorter.
fn grams(words: &[String]) -> Vec<&[String]> {
    if words.len() >= N {
        words.windows(N).collect()
    } else {
        vec![words]
    }
}

/// Occurrences of every window of length `k` in `words`, with their positions.
fn positions(words: &[String], k: usize) -> HashMap<&[String], Vec<usize>> {
    let mut map: HashMap<&[String], Vec<usize>> = HashMap::new();
    if words.len() >= k {
        for (i, w) in words.windows(k).enumerate() {
            map.entry(w).or_default().push(i);
        }
    }
    map
}

/// Longest increasing subsequence of `values` (by index into `values`): the indices kept.
fn lis(values: &[usize]) -> Vec<bool> {
    let mut tails: Vec<usize> = Vec::new(); // index into values
    let mut prev: Vec<Option<usize>> = vec![None; values.len()];
    for i in 0..values.len() {
        let pos = tails.partition_point(|&t| values[t] < values[i]);
        if pos > 0 {
            prev[i] = Some(tails[pos - 1]);
        }
        if pos == tails.len() {
            tails.push(i);
        } else {
            tails[pos] = i;
        }
    }
    let mut keep = vec![false; values.len()];
    let mut cur = tails.last().copied();
    while let Some(i) = cur {
        keep[i] = true;
        cur = prev[i];
    }
    keep
}

fn preview(words: &[String], n: usize) -> String {
    let mut s = words.iter().take(n).cloned().collect::<Vec<_>>().join(" ");
    if words.len() > n {
        s.push_str(" …");
    }
    format!("“{s}”")
}

/// Where two word lists differ: the common start and end cut off.
fn diff(want: &[String], got: &[String]) -> String {
    let pre = want.iter().zip(got).take_while(|(a, b)| a == b).count();
    let suf = want[pre..]
        .iter()
        .rev()
        .zip(got[pre..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let w = &want[pre..want.len() - suf];
    let g = &got[pre..got.len() - suf];
    let ctx = &want[pre.saturating_sub(3)..pre];
    format!(
        "after {} the manuscript has {} where the PDF/EPUB has {}",
        preview(ctx, 3),
        preview(w, 10),
        preview(g, 10)
    )
}

/// Where each manuscript body block landed in the output.
#[derive(Debug, Clone, Default)]
struct Placed {
    /// Pages of the block's first and last reliably placed word.
    first: Option<usize>,
    last: Option<usize>,
}

/// Pictures: the manuscript's files, their pixel size and pixel fingerprint.
fn source_images(m: &Manuscript) -> BTreeMap<PathBuf, (u32, u32, Option<u64>)> {
    let mut map = BTreeMap::new();
    for img in &m.images {
        map.entry(img.path.clone()).or_insert_with(|| {
            let bytes = std::fs::read(&img.path).unwrap_or_default();
            match super::epub::pixel_fingerprint(&bytes) {
                Some((w, h, fp)) => (w, h, Some(fp)),
                None => super::epub::svg_size(&bytes).map_or((0, 0, None), |(w, h)| (w, h, None)),
            }
        });
    }
    map
}

/// Runs every content check on `out` (PDF or EPUB).
fn check_content(m: &Manuscript, out: &Output, report: &mut Report) -> Vec<Placed> {
    let stream = out.text_stream();
    let where_ = |pos: usize| -> String {
        stream
            .get(pos)
            .map_or_else(|| "?".into(), |w| out.where_(w.page))
    };
    // ---- units: body blocks, then captions -------------------------------------------------
    // A table cell's lines stand beside other cells' lines on the page, so its words do not
    // read in order across lines: each of its words is a unit of its own (found, as often
    // as the manuscript has it).
    let mut units: Vec<Unit<'_>> = Vec::new();
    for (i, b) in m.blocks.iter().enumerate() {
        if b.kind == super::manuscript::BlockKind::Cell && b.words.len() > 1 {
            for k in 0..b.words.len() {
                units.push(Unit {
                    words: &b.words[k..k + 1],
                    loc: b.loc(),
                    chapter: b.chapter,
                    block: None,
                });
            }
            continue;
        }
        units.push(Unit {
            words: &b.words,
            loc: b.loc(),
            chapter: b.chapter,
            block: Some(i),
        });
    }
    for c in &m.captions {
        units.push(Unit {
            words: &c.words,
            loc: format!("{} (caption)", c.loc()),
            chapter: c.chapter,
            block: None,
        });
    }
    let out_words: Vec<String> = stream.iter().map(|w| w.w.clone()).collect();
    // Expected counts of every gram length that occurs.
    let mut lengths: Vec<usize> = units.iter().map(|u| u.words.len().min(N)).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let mut expected: HashMap<usize, HashMap<Gram, usize>> = HashMap::new();
    let mut found: HashMap<usize, HashMap<&[String], Vec<usize>>> = HashMap::new();
    for &k in &lengths {
        let mut e: HashMap<Gram, usize> = HashMap::new();
        for u in &units {
            if u.words.len() >= k {
                for w in u.words.windows(k) {
                    *e.entry(w.to_vec()).or_default() += 1;
                }
            }
        }
        expected.insert(k, e);
        found.insert(k, positions(&out_words, k));
    }
    let exp = |g: &[String]| {
        expected
            .get(&g.len())
            .and_then(|e| e.get(g))
            .copied()
            .unwrap_or(0)
    };
    let got = |g: &[String]| {
        found
            .get(&g.len())
            .and_then(|e| e.get(g))
            .map_or(0, Vec::len)
    };
    let got_at = |g: &[String]| -> &[usize] {
        found
            .get(&g.len())
            .and_then(|e| e.get(g))
            .map_or(&[][..], Vec::as_slice)
    };

    // ---- a. missing ---------------------------------------------------------------------------
    for u in &units {
        let gs = grams(u.words);
        let missing: Vec<usize> = (0..gs.len()).filter(|&i| got(gs[i]) < exp(gs[i])).collect();
        if missing.is_empty() {
            continue;
        }
        // Group runs of missing windows into word ranges.
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for &i in &missing {
            let end = (i + gs[i].len()).min(u.words.len());
            match ranges.last_mut() {
                Some(r) if i <= r.1 => r.1 = r.1.max(end),
                _ => ranges.push((i, end)),
            }
        }
        // The page near the loss: the page of the unit's nearest found window.
        let near = (0..gs.len())
            .filter(|i| !missing.contains(i))
            .find_map(|i| got_at(gs[i]).first().copied())
            .map(&where_)
            .unwrap_or_else(|| "nowhere".into());
        for (a, b) in ranges {
            let lost = &u.words[a..b];
            let whole = a == 0 && b == u.words.len();
            report.add(
                "a. body text missing",
                format!(
                    "{}: {} {} of the {} words {} (unit found near {near})",
                    u.loc,
                    if whole { "all" } else { "around" },
                    lost.len(),
                    u.words.len(),
                    preview(lost, 14),
                ),
            );
        }
    }

    // ---- h. text the manuscript does not hold ----------------------------------------------
    // Output words no run of the manuscript covers, but for what the book generates: numbers
    // (note markers, page numbers, "figure 3-1"), single letters (the index's groups), the
    // words of cross-references, link addresses (print shows them) and index terms.
    {
        let mut covered = vec![false; out_words.len()];
        for u in &units {
            for g in grams(u.words) {
                for &p in got_at(g) {
                    for c in covered.iter_mut().skip(p).take(g.len()) {
                        *c = true;
                    }
                }
            }
        }
        let generated = |w: &str| {
            w.chars().all(|c| c.is_ascii_digit())
                || w.chars().count() == 1
                || w.chars().all(|c| "ivxlcdm".contains(c))
                || matches!(w, "page" | "chapter" | "figure" | "listing" | "part")
                || m.printed_extra.contains(w)
                // A piece of an address broken across a page (`…/1327` | running head |
                // `-dropck-param-eyepatch.md`): no line-end join makes it whole.
                || (w.chars().count() >= 3
                    && m
                        .printed_extra
                        .iter()
                        .any(|e| e.len() > w.len() && e.contains(w)))
        };
        let mut i = 0;
        while i < out_words.len() {
            if covered[i] || out_words[i] == "\u{0}" || generated(&out_words[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < out_words.len()
                && !covered[i]
                && out_words[i] != "\u{0}"
                && !generated(&out_words[i])
            {
                i += 1;
            }
            report.add(
                "h. text not in the manuscript",
                format!(
                    "{}: {} is printed, and no run of the manuscript holds it",
                    where_(start),
                    preview(&out_words[start..i], 12)
                ),
            );
        }
    }

    // ---- b. doubled ---------------------------------------------------------------------------
    // A run of words that spans two blocks in the output may equal a run inside a block
    // elsewhere: count the manuscript's runs across block boundaries too.
    let ms_stream: Vec<String> = m
        .blocks
        .iter()
        .flat_map(|b| b.words.iter().cloned())
        .collect();
    let mut across: HashMap<&[String], usize> = HashMap::new();
    for g in ms_stream.windows(N) {
        *across.entry(g).or_default() += 1;
    }
    for c in &m.captions {
        for g in c.words.windows(N) {
            *across.entry(g).or_default() += 1;
        }
    }
    let allowed = |g: &[String]| exp(g).max(across.get(g).copied().unwrap_or(0));
    let mut reported: std::collections::HashSet<&[String]> = std::collections::HashSet::new();
    for u in &units {
        if u.words.len() < N {
            continue;
        }
        let gs = grams(u.words);
        let extra: Vec<usize> = (0..gs.len())
            .filter(|&i| got(gs[i]) > allowed(gs[i]) && !reported.contains(gs[i]))
            .collect();
        if extra.is_empty() {
            continue;
        }
        for &i in &extra {
            reported.insert(gs[i]);
        }
        let g = gs[extra[0]];
        let pages: Vec<String> = got_at(g).iter().map(|&p| where_(p)).collect();
        report.add(
            "b. body text doubled",
            format!(
                "{}: {} of its {} word runs appear more often than in the manuscript, e.g. {} {}× (expected {}×) on {}",
                u.loc,
                extra.len(),
                gs.len(),
                preview(g, N),
                got(g),
                allowed(g),
                pages.join(", ")
            ),
        );
    }

    // ---- c. order, and where each block landed ------------------------------------------------
    // A block's anchor: the first window whose output count equals its manuscript count; its
    // j-th manuscript occurrence is the j-th output occurrence.
    let mut seen: HashMap<&[String], usize> = HashMap::new();
    let mut placed: Vec<Placed> = vec![Placed::default(); m.blocks.len()];
    let mut anchors: Vec<(usize, usize)> = Vec::new(); // (block, output position)
    for u in units.iter().filter(|u| u.block.is_some()) {
        let Some(b) = u.block else { continue };
        let gs = grams(u.words);
        let mut first_anchor = None;
        for (gi, g) in gs.iter().enumerate() {
            let j = {
                let e = seen.entry(g).or_default();
                *e += 1;
                *e - 1
            };
            // Only runs found once in the manuscript (captions included) and once in the
            // output anchor a block: a repeated run could match another copy.
            if g.len() < N || got(g) != 1 || exp(g) != 1 {
                continue;
            }
            if let Some(&p) = got_at(g).get(j) {
                if first_anchor.is_none() {
                    first_anchor = Some(p);
                    placed[b].first = Some(stream[p].page);
                }
                placed[b].last = Some(stream[p + g.len() - 1].page);
                let _ = gi;
            }
        }
        if let Some(p) = first_anchor {
            anchors.push((b, p));
        }
    }
    let keep = lis(&anchors.iter().map(|a| a.1).collect::<Vec<_>>());
    for (k, &(b, p)) in anchors.iter().enumerate() {
        if keep[k] {
            continue;
        }
        let before = anchors[..k]
            .iter()
            .rev()
            .zip(keep[..k].iter().rev())
            .find(|(_, kept)| **kept);
        let after = anchors[k + 1..]
            .iter()
            .zip(keep[k + 1..].iter())
            .find(|(_, kept)| **kept);
        let ctx = |x: Option<(&(usize, usize), &bool)>| {
            x.map_or_else(
                || "-".into(),
                |((blk, pos), _)| format!("{} on {}", m.blocks[*blk].loc(), where_(*pos)),
            )
        };
        report.add(
            "c. body order",
            format!(
                "{} {} is on {}, out of manuscript order (previous in order: {}; next: {})",
                m.blocks[b].loc(),
                preview(&m.blocks[b].words, 8),
                where_(p),
                ctx(before),
                ctx(after)
            ),
        );
    }
    placed
}

/// Footnotes: each exactly once, as a note (not in the body), in note order.
fn check_notes(m: &Manuscript, out: &Output, report: &mut Report) {
    let out_notes: Vec<Vec<String>> = out
        .notes
        .iter()
        .map(|n| n.iter().map(|w| w.w.clone()).collect())
        .collect();
    let mut by_text: HashMap<&[String], Vec<usize>> = HashMap::new();
    for (i, n) in out_notes.iter().enumerate() {
        by_text.entry(n.as_slice()).or_default().push(i);
    }
    let note_stream: Vec<String> = out_notes.iter().flatten().cloned().collect();
    let stream_pos = positions(&note_stream, N);
    let body_words: Vec<String> = out.body.iter().map(|w| w.w.clone()).collect();
    let body_pos = positions(&body_words, N);
    // Expected body counts, to tell a note's text in the body from body text quoted in a note.
    let mut body_exp: HashMap<&[String], usize> = HashMap::new();
    for b in &m.blocks {
        for g in b.words.windows(N) {
            *body_exp.entry(g).or_default() += 1;
        }
    }
    for c in &m.captions {
        for g in c.words.windows(N) {
            *body_exp.entry(g).or_default() += 1;
        }
    }
    let mut expected_same: HashMap<&[String], usize> = HashMap::new();
    for n in &m.notes {
        *expected_same.entry(n.words.as_slice()).or_default() += 1;
    }
    let mut used: HashMap<&[String], usize> = HashMap::new();
    let mut matched: Vec<(usize, usize)> = Vec::new(); // (manuscript note, output note)
    let where_note = |i: usize| -> String {
        out.notes
            .get(i)
            .and_then(|n| n.first())
            .map_or_else(|| "?".into(), |w| out.where_(w.page))
    };
    let mut matched_out = vec![false; out_notes.len()];
    // Printed notes already named as the nearest copy of a manuscript note.
    let mut explained = vec![false; out_notes.len()];
    for (ni, note) in m.notes.iter().enumerate() {
        if note.words.is_empty() {
            continue;
        }
        let key = note.words.as_slice();
        let hits = by_text.get(key).map_or(&[][..], Vec::as_slice);
        let want = expected_same.get(key).copied().unwrap_or(1);
        let j = {
            let e = used.entry(key).or_default();
            *e += 1;
            *e - 1
        };
        if hits.len() > want && j == 0 {
            let pages: Vec<String> = hits.iter().map(|&h| where_note(h)).collect();
            report.add(
                "d. footnotes",
                format!(
                    "{} {} is printed as a note {}× (expected {want}×): {}",
                    note.loc(),
                    preview(&note.words, 8),
                    hits.len(),
                    pages.join(", ")
                ),
            );
        }
        if let Some(&h) = hits.get(j) {
            matched.push((ni, h));
            matched_out[h] = true;
            continue;
        }
        // Not found as a note of its own: where is its text?
        let gs = grams(&note.words);
        let in_stream = gs
            .iter()
            .filter(|g| g.len() == N && stream_pos.contains_key(*g))
            .count();
        let in_body = gs
            .iter()
            .filter(|g| {
                g.len() == N
                    && body_pos.get(*g).map_or(0, Vec::len) > body_exp.get(*g).copied().unwrap_or(0)
            })
            .count();
        let full = gs.iter().filter(|g| g.len() == N).count();
        let what = if full > 0 && in_body * 2 >= full {
            let p = gs
                .iter()
                .find_map(|g| body_pos.get(*g).and_then(|v| v.first()))
                .map_or("?".into(), |&p| out.where_(out.body[p].page));
            format!("its text is in the body text (on {p}), not in a note")
        } else if full > 0 && in_stream * 2 >= full {
            let p = gs
                .iter()
                .find_map(|g| stream_pos.get(*g).and_then(|v| v.first()))
                .map_or("?".into(), |&p| {
                    let mut acc = 0;
                    for n in &out.notes {
                        if p < acc + n.len() {
                            return n.first().map_or("?".into(), |w| out.where_(w.page));
                        }
                        acc += n.len();
                    }
                    "?".into()
                });
            // The printed note most like it, and where the two differ.
            let best = out_notes
                .iter()
                .enumerate()
                .max_by_key(|(_, n)| {
                    let pos = positions(n, N.min(n.len()).max(1));
                    gs.iter().filter(|g| pos.contains_key(*g)).count()
                })
                .map(|(i, n)| (i, diff(&note.words, n)));
            if let Some((i, _)) = best {
                explained[i] = true;
            }
            let detail = best.map_or(String::new(), |(i, d)| {
                format!("; printed on {}: {d}", where_note(i))
            });
            format!(
                "its text is in the notes ({in_stream} of {full} runs, near {p}) but not as a note of its own{detail}"
            )
        } else if full > 0 && in_stream > 0 {
            format!("only {in_stream} of its {full} word runs are in the notes")
        } else {
            "it is missing".into()
        };
        report.add(
            "d. footnotes",
            format!(
                "{} (referenced at line {}{}) {}: {what}",
                note.loc(),
                note.ref_line,
                if note.in_heading {
                    ", in a heading"
                } else {
                    ""
                },
                preview(&note.words, 10)
            ),
        );
    }
    // Order: the output notes of the manuscript notes, in manuscript order.
    let keep = lis(&matched.iter().map(|x| x.1).collect::<Vec<_>>());
    for (k, &(ni, h)) in matched.iter().enumerate() {
        if !keep[k] {
            report.add(
                "d. footnotes",
                format!(
                    "{} {} is out of note order (printed on {})",
                    m.notes[ni].loc(),
                    preview(&m.notes[ni].words, 8),
                    where_note(h)
                ),
            );
        }
    }
    // Notes printed that are no manuscript note.
    for (i, n) in out_notes.iter().enumerate() {
        if !matched_out[i]
            && !explained[i]
            && !n.is_empty()
            && !by_text
                .get(n.as_slice())
                .is_some_and(|v| v.len() > 1 && m.notes.iter().any(|x| x.words == *n))
        {
            report.add(
                "d. footnotes",
                format!(
                    "{}: a printed note matches no manuscript note: {}",
                    where_note(i),
                    preview(n, 12)
                ),
            );
        }
    }
}

/// Pictures: each as often as the manuscript uses it, in order, never before its text.
fn check_images(m: &Manuscript, out: &Output, placed: &[Placed], report: &mut Report) {
    let sources = source_images(m);
    // Identify each placement: by pixel fingerprint when the output has one, else by size.
    let identify = |w: u32, h: u32, fp: Option<u64>| -> Vec<PathBuf> {
        if let Some(fp) = fp {
            let by_fp: Vec<PathBuf> = sources
                .iter()
                .filter(|(_, s)| s.2 == Some(fp))
                .map(|(p, _)| p.clone())
                .collect();
            if !by_fp.is_empty() {
                return by_fp;
            }
        }
        sources
            .iter()
            .filter(|(_, s)| s.0 == w && s.1 == h)
            .map(|(p, _)| p.clone())
            .collect()
    };
    let short = |p: &PathBuf| -> String {
        p.strip_prefix(&m.dir)
            .map_or_else(|_| p.display().to_string(), |r| r.display().to_string())
    };
    // Drawings (no pixels to fingerprint) of the same size cannot be told apart: they are
    // counted together, under the first one's name.
    let key_of = |p: &PathBuf| -> PathBuf {
        match sources.get(p) {
            Some(&(w, h, None)) => sources
                .iter()
                .find(|(_, s)| s.0 == w && s.1 == h && s.2.is_none())
                .map_or_else(|| p.clone(), |(q, _)| q.clone()),
            _ => p.clone(),
        }
    };
    // Expected uses per picture, in manuscript order.
    let mut uses: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (i, img) in m.images.iter().enumerate() {
        uses.entry(key_of(&img.path)).or_default().push(i);
    }
    let mut placements: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (k, im) in out.images.iter().enumerate() {
        let ids = identify(im.w, im.h, im.fingerprint);
        match ids.as_slice() {
            [] => report.add(
                "e. pictures",
                format!(
                    "{}: a picture ({}, {}×{} px) that is none of the manuscript's pictures",
                    out.where_(im.page),
                    im.name,
                    im.w,
                    im.h
                ),
            ),
            [one] => placements.entry(one.clone()).or_default().push(k),
            several if several.iter().all(|p| key_of(p) == key_of(&several[0])) => {
                placements.entry(key_of(&several[0])).or_default().push(k)
            }
            several => report.note(
                "pictures not told apart",
                format!(
                    "{}: {}×{} px matches {} manuscript pictures",
                    out.where_(im.page),
                    im.w,
                    im.h,
                    several.len()
                ),
            ),
        }
    }
    let mut order: Vec<(usize, usize)> = Vec::new(); // (manuscript use, output placement)
    for (path, want) in &uses {
        let have = placements.get(path).map_or(&[][..], Vec::as_slice);
        if have.len() != want.len() {
            let pages: Vec<String> = have
                .iter()
                .map(|&k| out.where_(out.images[k].page))
                .collect();
            report.add(
                "e. pictures",
                format!(
                    "{} ({}) is placed {}× (the manuscript uses it {}×){}{}",
                    short(path),
                    m.images[want[0]].loc(),
                    have.len(),
                    want.len(),
                    if pages.is_empty() { "" } else { ": " },
                    pages.join(", ")
                ),
            );
        }
        for (j, &u) in want.iter().enumerate() {
            if let Some(&k) = have.get(j) {
                order.push((u, k));
            }
        }
    }
    order.sort_unstable();
    let keep = lis(&order.iter().map(|x| x.1).collect::<Vec<_>>());
    for (k, &(u, p)) in order.iter().enumerate() {
        let img = &m.images[u];
        if !keep[k] {
            report.add(
                "e. pictures",
                format!(
                    "{} ({}) on {} is out of manuscript order",
                    short(&img.path),
                    img.loc(),
                    out.where_(out.images[p].page)
                ),
            );
        }
        // Floats only move forward: never before the page of the text that precedes it.
        // A front-matter file that holds nothing but pictures is a frontispiece, which a
        // book places facing its title page.
        let frontispiece = m
            .chapters
            .get(img.chapter)
            .is_some_and(|c| c.division == "front" && c.blocks.is_empty() && c.title.is_none());
        if out.kind == "PDF"
            && !frontispiece
            && let Some(prev) = (0..img.before).rev().find_map(|b| placed[b].last)
        {
            let text_page = prev;
            let page = out.images[p].page;
            if page < text_page {
                report.add(
                    "e. pictures",
                    format!(
                        "{} ({}) is on {}, before the text that precedes it ({} on {})",
                        short(&img.path),
                        img.loc(),
                        out.where_(page),
                        m.blocks[(0..img.before)
                            .rev()
                            .find(|&b| placed[b].last.is_some())
                            .unwrap_or(0)]
                        .loc(),
                        out.where_(text_page)
                    ),
                );
            }
        }
    }
}

/// The pages of each chapter: from the first to the last page its text or pictures are on.
fn chapter_pages(m: &Manuscript, placed: &[Placed]) -> Vec<Option<(usize, usize)>> {
    m.chapters
        .iter()
        .map(|ch| {
            let mut pages: Vec<usize> = Vec::new();
            for b in ch.blocks.clone() {
                if let Some(p) = placed[b].first {
                    pages.push(p);
                }
                if let Some(p) = placed[b].last {
                    pages.push(p);
                }
            }
            Some((*pages.iter().min()?, *pages.iter().max()?))
        })
        .collect()
}

/// Page depth and baseline grid (PDF).
fn check_depth(m: &Manuscript, out: &Output, placed: &[Placed], report: &mut Report) {
    let ranges = chapter_pages(m, placed);
    let leading = out.leading;
    let depth = out.last_baseline;
    report.note(
        "text block found",
        [format!(
            "first baseline {:.2} pt, last baseline {:.2} pt, leading {:.2} pt",
            out.first_baseline, depth, leading
        )]
        .join(""),
    );
    // Chapter of each page, and whether it is the chapter's last page.
    let mut chapter_of: Vec<Option<(usize, bool)>> = vec![None; out.pages.len()];
    for (c, r) in ranges.iter().enumerate() {
        if let Some((a, b)) = *r {
            for p in a..=b {
                if let Some(slot) = chapter_of.get_mut(p) {
                    *slot = Some((c, p == b));
                }
            }
        }
    }
    let lowest = |p: usize| -> Option<f64> {
        let info = out.pages.get(p)?;
        let line = info.baselines.last().copied();
        match (line, info.image_bottom) {
            (Some(l), Some(i)) => Some(l.max(i)),
            (l, i) => l.or(i),
        }
    };
    for p in 0..out.pages.len() {
        let Some((c, last)) = chapter_of[p] else {
            continue;
        };
        if last {
            continue;
        }
        let file = &m.chapters[c].file;
        // Holes.
        match lowest(p) {
            None => report.add(
                "g. page depth",
                format!("{}: empty page inside {file} (not its last page)", out.where_(p)),
            ),
            Some(low) if depth - low > 2.0 * leading + 0.01 => report.add(
                "g. page depth",
                format!(
                    "{}: hole: the page ends at {:.1} pt, {:.1} lines above the full depth {:.1} pt, inside {file}",
                    out.where_(p),
                    low,
                    (depth - low) / leading,
                    depth
                ),
            ),
            _ => {}
        }
        // Facing pages: a verso (odd index: even page number) and the recto after it.
        if p % 2 == 1
            && p + 1 < out.pages.len()
            && chapter_of[p + 1] == Some((c, false))
            && let (Some(a), Some(b)) = (lowest(p), lowest(p + 1))
            && (a - b).abs() > 0.5
        {
            report.add(
                    "g. page depth",
                    format!(
                        "{} and {} face each other inside {file} but end at {:.1} pt and {:.1} pt ({:.1} pt apart)",
                        out.where_(p),
                        out.where_(p + 1),
                        a,
                        b,
                        (a - b).abs()
                    ),
                );
        }
    }
    // h. The baseline grid (information only).
    if leading > 0.0 {
        for (p, info) in out.pages.iter().enumerate() {
            if chapter_of[p].is_none() {
                continue;
            }
            let off: Vec<String> = info
                .body_baselines
                .iter()
                .filter(|&&y| {
                    let k = (y - out.first_baseline) / leading;
                    (k - k.round()).abs() * leading > 0.1
                })
                .map(|y| format!("{y:.2}"))
                .collect();
            if !off.is_empty() {
                report.note(
                    "h. body lines off the baseline grid",
                    format!(
                        "{}: {} line(s) at {}",
                        out.where_(p),
                        off.len(),
                        off.join(", ")
                    ),
                );
            }
        }
    }
}

/// The first page that holds manuscript text: the lowest page of a paragraph whose first
/// run of words occurs once in the manuscript and once in the output, taken over the first
/// chapter that has such a paragraph. The pages before it are Quire's own (half title, title,
/// copyright): their text (the title, subtitle and authors, which a manuscript may quote) is
/// not compared.
fn first_text_page(m: &Manuscript, out: &Output) -> usize {
    let mut ms: HashMap<&[String], usize> = HashMap::new();
    for b in &m.blocks {
        for g in b.words.windows(N) {
            *ms.entry(g).or_default() += 1;
        }
    }
    let words: Vec<String> = out.body.iter().map(|w| w.w.clone()).collect();
    let pos = positions(&words, N);
    for ch in &m.chapters {
        let pages: Vec<usize> = ch
            .blocks
            .clone()
            .filter_map(|b| {
                let g = m.blocks[b].words.get(..N)?;
                let hits = pos.get(g)?;
                (ms.get(g) == Some(&1) && hits.len() == 1).then(|| out.body[hits[0]].page)
            })
            .collect();
        if let Some(p) = pages.iter().min() {
            return *p;
        }
    }
    0
}

/// Every check on a PDF read back.
pub(crate) fn check_pdf(book: &str, m: &Manuscript, out: &Output) -> Report {
    let mut report = Report {
        book: book.to_string(),
        kind: "PDF",
        ..Report::default()
    };
    let start = first_text_page(m, out);
    let mut trimmed = out.clone();
    trimmed.body.retain(|w| w.page >= start);
    trimmed.generated.extend(0..start);
    let out = &trimmed;
    let placed = check_content(m, out, &mut report);
    check_notes(m, out, &mut report);
    check_images(m, out, &placed, &mut report);
    for info in &out.pages {
        for v in &info.outside_trim {
            report.add("f. trim box", v.clone());
        }
        for v in &info.overprints {
            report.add("i. overprinted text", v.clone());
        }
    }
    check_depth(m, out, &placed, &mut report);
    report.note(
        "read back",
        format!(
            "{} pages ({} generated pages left out: title pages before the first text, contents), {} body words (manuscript {}), {} notes (manuscript {}), {} pictures (manuscript {})",
            out.pages.len(),
            out.generated.len(),
            out.body.len(),
            m.body_words(),
            out.notes.len(),
            m.notes.len(),
            out.images.len(),
            m.images.len()
        ),
    );
    report
}

/// Every check that applies to an EPUB read back.
pub(crate) fn check_epub(book: &str, m: &Manuscript, out: &Output) -> Report {
    let mut report = Report {
        book: book.to_string(),
        kind: "EPUB",
        ..Report::default()
    };
    let placed = check_content(m, out, &mut report);
    check_notes(m, out, &mut report);
    check_images(m, out, &placed, &mut report);
    report.note(
        "read back",
        format!(
            "{} documents ({} generated left out), {} body words (manuscript {}), {} notes (manuscript {}), {} pictures (manuscript {})",
            out.page_names.len(),
            out.generated.len(),
            out.body.len(),
            m.body_words(),
            out.notes.len(),
            m.notes.len(),
            out.images.len(),
            m.images.len()
        ),
    );
    report
}
