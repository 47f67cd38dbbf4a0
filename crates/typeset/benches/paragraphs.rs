//! Shapes and breaks every paragraph of Pride and Prejudice (EB Garamond 11.5 pt, 4.0 in
//! measure, en-GB hyphenation), as the print pipeline will. Skips with a notice when the
//! corpus is absent.
//!
//! `QUIRE_BENCH_REPORT_ONLY=1` prints the reports (quality figures, and the pipeline's
//! prepare / layout / looseness times) without the criterion runs;
//! `QUIRE_BENCH_STAGE=cold|prepare|layout|looseness` repeats one stage, for a profiler.

// A benchmark may stop at a missing font; criterion's macros generate undocumented items.
#![allow(missing_docs, clippy::expect_used)]

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use quire_model::Span;
use quire_typeset::{
    FontFamily, FontVariant, HyphenationOptions, ParagraphOptions, Pass, Pt, RunStyle, TextRun,
    Typesetter,
};

const CORPUS: &str = "../../../shared/corpus/jane-austen_pride-and-prejudice";
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

/// Paragraphs as (text, italic) pieces: blank-line separated, headings and scene breaks
/// skipped, block-quote markers dropped, `*`/`_` toggling italics.
fn paragraphs(dir: &Path) -> Vec<Vec<(String, bool)>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "md"));
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for block in text.split("\n\n") {
            let block = block.trim();
            if block.is_empty()
                || block.starts_with('#')
                || block.trim_matches(['*', ' ']).is_empty()
            {
                continue;
            }
            let joined: Vec<&str> = block
                .lines()
                .map(|l| l.trim_start_matches('>').trim())
                .collect();
            let joined = joined.join(" ");
            let mut pieces = Vec::new();
            let mut italic = false;
            let mut current = String::new();
            for c in joined.chars() {
                if c == '*' || c == '_' {
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

fn report(family: &FontFamily, paras: &[Vec<(String, bool)>], options: &ParagraphOptions) {
    let start = std::time::Instant::now();
    let mut ts = Typesetter::new(family.clone(), "en-GB", HyphenationOptions::default());
    let (mut lines, mut hyphens, mut passes) = (0usize, 0usize, [0usize; 4]);
    let (mut ratio_sum, mut justified, mut loose, mut diagnostics) = (0.0, 0usize, 0usize, 0);
    let mut runts = 0;
    for p in paras {
        let layout = ts.typeset(&runs(p), options, Span::default());
        diagnostics += layout.diagnostics.len();
        if std::env::var_os("QUIRE_BENCH_SHOW").is_some()
            && layout.stats.pass == Pass::Emergency
            && passes[2] < 3
        {
            for l in &layout.lines {
                let t: Vec<&str> = l.runs.iter().map(|r| r.text.as_str()).collect();
                println!("{:>7.2} {:>6.0} {}", l.ratio, l.badness, t.join(" "));
            }
            println!();
        }
        passes[match layout.stats.pass {
            Pass::First => 0,
            Pass::Second => 1,
            Pass::Emergency => 2,
            Pass::Final => 3,
        }] += 1;
        lines += layout.lines.len();
        let n = layout.lines.len();
        for (i, l) in layout.lines.iter().enumerate() {
            hyphens += usize::from(l.hyphenated);
            if i + 1 < n {
                justified += 1;
                // Space width relative to natural: 1 + ratio * (1/2 or 1/3).
                let factor = if l.ratio >= 0.0 {
                    l.ratio / 2.0
                } else {
                    l.ratio / 3.0
                };
                ratio_sum += factor.abs();
                loose += usize::from(factor > 0.5);
            }
        }
        if n > 1
            && let Some(last) = layout.lines.last()
            && last.runs.len() == 1
            && last.width < SIZE * 4.0
        {
            runts += 1;
        }
    }
    let total = paras.len().max(1) as f64;
    println!(
        "P&P, 4.0 in, EB Garamond 11.5 pt, expansion {:.0} %: {} paragraphs, {lines} lines in {:.0} ms (one cold run)",
        options.breaking.max_expansion * 100.0,
        paras.len(),
        start.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "  passes: first {:.1} %, second {:.1} %, emergency {:.1} %, final {:.1} %",
        passes[0] as f64 * 100.0 / total,
        passes[1] as f64 * 100.0 / total,
        passes[2] as f64 * 100.0 / total,
        passes[3] as f64 * 100.0 / total
    );
    println!(
        "  hyphens per 1000 lines {:.1}; word-space mean abs(ratio-1) {:.3}; loose lines (>1.5x) {:.1} %; runts {runts}; diagnostics {diagnostics}",
        hyphens as f64 * 1000.0 / lines.max(1) as f64,
        ratio_sum / justified.max(1) as f64,
        loose as f64 * 100.0 / justified.max(1) as f64,
    );
    let t = std::time::Instant::now();
    let prepared: Vec<_> = paras
        .iter()
        .map(|p| ts.prepare(&runs(p), options, Span::default()))
        .collect();
    let t_prepare = t.elapsed();
    let t = std::time::Instant::now();
    for p in &prepared {
        ts.layout(p, &options.breaking);
    }
    let t_layout = t.elapsed();
    let t = std::time::Instant::now();
    for p in &prepared {
        quire_typeset::break_lines(
            p.items(),
            &quire_typeset::LineWidths::uniform(options.measure),
            &options.breaking,
        );
    }
    println!(
        "  warm: prepare {:.0} ms, layout {:.0} ms (of which breaking {:.0} ms)",
        t_prepare.as_secs_f64() * 1000.0,
        t_layout.as_secs_f64() * 1000.0,
        t.elapsed().as_secs_f64() * 1000.0
    );
    let (lookups, shaped) = ts.shaper().stats();
    println!("  shaper: {lookups} look-ups, {shaped} shaped");
}

/// What the print pipeline does with a book's paragraphs: prepare each once with cold caches,
/// lay each out at looseness 0, then again at -1 and +1 (pagination asks for about half of
/// them; this asks for all). Median of five rounds, each with a new typesetter.
fn pipeline(family: &FontFamily, paras: &[Vec<(String, bool)>], options: &ParagraphOptions) {
    let mut rounds = Vec::new();
    for _ in 0..5 {
        let mut ts = Typesetter::new(family.clone(), "en-GB", HyphenationOptions::default());
        let t = std::time::Instant::now();
        let prepared: Vec<_> = paras
            .iter()
            .map(|p| ts.prepare(&runs(p), options, Span::default()))
            .collect();
        let t_prepare = t.elapsed();
        let t = std::time::Instant::now();
        let mut lines = 0;
        for p in &prepared {
            lines += ts.layout(p, &options.breaking).lines.len();
        }
        let t_layout = t.elapsed();
        let t = std::time::Instant::now();
        for p in &prepared {
            for looseness in [-1, 1] {
                let params = quire_typeset::BreakParams {
                    looseness,
                    ..options.breaking.clone()
                };
                lines += ts.layout(p, &params).lines.len();
            }
        }
        let t_loose = t.elapsed();
        rounds.push((
            (t_prepare + t_layout + t_loose).as_secs_f64() * 1000.0,
            t_prepare.as_secs_f64() * 1000.0,
            t_layout.as_secs_f64() * 1000.0,
            t_loose.as_secs_f64() * 1000.0,
            lines,
        ));
    }
    rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (total, prepare, layout, loose, lines) = rounds[rounds.len() / 2];
    println!(
        "pipeline (median of 5, cold caches): {total:.1} ms = prepare {prepare:.1} + layout {layout:.1} + looseness -1/+1 {loose:.1} ({lines} lines)"
    );
}

/// One stage, 20 times over (for `perf record`): `cold` (prepare with new caches),
/// `prepare` (warm caches), `layout` (looseness 0) or `looseness` (-1 and +1).
fn stage_loop(
    family: &FontFamily,
    paras: &[Vec<(String, bool)>],
    options: &ParagraphOptions,
    stage: &str,
) {
    let mut ts = Typesetter::new(family.clone(), "en-GB", HyphenationOptions::default());
    let prepared: Vec<_> = paras
        .iter()
        .map(|p| ts.prepare(&runs(p), options, Span::default()))
        .collect();
    let rounds = 20;
    let t = std::time::Instant::now();
    for _ in 0..rounds {
        match stage {
            "cold" => {
                let mut ts =
                    Typesetter::new(family.clone(), "en-GB", HyphenationOptions::default());
                for p in paras {
                    std::hint::black_box(ts.prepare(&runs(p), options, Span::default()));
                }
            }
            "prepare" => {
                for p in paras {
                    std::hint::black_box(ts.prepare(&runs(p), options, Span::default()));
                }
            }
            "layout" => {
                for p in &prepared {
                    std::hint::black_box(ts.layout(p, &options.breaking));
                }
            }
            "looseness" => {
                for p in &prepared {
                    for looseness in [-1, 1] {
                        let params = quire_typeset::BreakParams {
                            looseness,
                            ..options.breaking.clone()
                        };
                        std::hint::black_box(ts.layout(p, &params));
                    }
                }
            }
            other => {
                println!("unknown stage {other:?}: cold, prepare, layout or looseness");
                return;
            }
        }
    }
    println!(
        "{stage}: {:.1} ms a round",
        t.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds)
    );
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    if !dir.is_dir() {
        println!("skipping paragraphs benchmark: {} not found", dir.display());
        return;
    }
    let family = family();
    let paras = paragraphs(&dir);
    let options = ParagraphOptions::book(Pt::inches(4.0), SIZE);
    if let Some(stage) = std::env::var_os("QUIRE_BENCH_STAGE") {
        let mut expanded = options.clone();
        expanded.breaking.max_expansion = 0.02;
        stage_loop(&family, &paras, &expanded, &stage.to_string_lossy());
        return;
    }
    report(&family, &paras, &options);
    let mut expanded = options.clone();
    expanded.breaking.max_expansion = 0.02;
    report(&family, &paras, &expanded);
    pipeline(&family, &paras, &expanded);

    if std::env::var_os("QUIRE_BENCH_REPORT_ONLY").is_some() {
        return;
    }
    let mut group = c.benchmark_group("pride-and-prejudice");
    group.sample_size(10);
    group.bench_function("shape+break, cold caches", |b| {
        b.iter(|| {
            let mut ts = Typesetter::new(family.clone(), "en-GB", HyphenationOptions::default());
            let mut lines = 0;
            for p in &paras {
                lines += ts.typeset(&runs(p), &options, Span::default()).lines.len();
            }
            lines
        })
    });
    let mut warm = Typesetter::new(family.clone(), "en-GB", HyphenationOptions::default());
    for p in &paras {
        warm.typeset(&runs(p), &options, Span::default());
    }
    group.bench_function("shape+break, warm caches", |b| {
        b.iter(|| {
            let mut lines = 0;
            for p in &paras {
                lines += warm
                    .typeset(&runs(p), &options, Span::default())
                    .lines
                    .len();
            }
            lines
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
