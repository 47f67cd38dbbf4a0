//! Knuth-Plass total-fit line breaking over boxes, glue and penalties.
//!
//! Knows nothing of fonts: [`crate::paragraph`] turns shaped words into [`Item`]s and the
//! returned [`Line`]s back into glyph runs. One call tries up to four passes on the same
//! items (shape once, break many times):
//!
//! 1. without hyphenation at `pretolerance` (skipped when negative or when `looseness` is
//!    not 0, as in TeX);
//! 2. with hyphenation at `tolerance`;
//! 3. with `emergency_stretch` added to every line when rating it;
//! 4. any badness accepted; only a piece wider than the line, which no breaking can
//!    help, gives an overfull line (reported in [`Line::overfull`]). The paragraph layer
//!    splits such pieces beforehand, so it never sees one.
//!
//! Beyond TeX: a hard limit on consecutive hyphenated lines, a demerit for a runt (a last
//! line of one short word), right-hand stretch for ragged setting, and font expansion
//! (glyph scaling by up to `max_expansion` per line, the PDF `Tz` operator) counted as
//! stretch and shrink of the boxes, as pdfTeX does.
//!
//! Cost: a pass rates each break against the active nodes by rate and badness only (one
//! division, shared by the nodes made at the same break); the glue ratio and expansion are
//! worked out for the chosen lines alone. With a looseness every line count is kept apart,
//! so one run of a pass serves every looseness: the typesetter keeps the last paragraph's
//! runs for the next looseness it asks for.

use std::ops::Range;

use crate::units::Pt;

/// Penalties at or above this never break; at or below its negative always break.
pub const INFINITE_PENALTY: f64 = 10_000.0;

/// Badness of a line that cannot be set within its glue (TeX's `inf_bad`).
pub const INFINITE_BADNESS: f64 = 10_000.0;

/// One element of a paragraph for the line breaker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item {
    /// Material of fixed width (a word or part of one).
    Box {
        /// Width.
        width: Pt,
    },
    /// Space that may stretch or shrink; a possible break when it follows a box.
    Glue {
        /// Natural width.
        width: Pt,
        /// How much it may grow at adjustment ratio 1.
        stretch: Pt,
        /// How much it may shrink at adjustment ratio -1 (never more).
        shrink: Pt,
        /// Infinitely stretchable (TeX's `fil`, as in `\parfillskip`): lines containing it
        /// have badness 0 when short.
        fill: bool,
    },
    /// A possible break with a cost.
    Penalty {
        /// Width added at the end of the line when breaking here (a hyphen).
        width: Pt,
        /// Width added at the start of the next line when breaking here (corrects the
        /// width of a word whose pieces shape differently once split).
        post_width: Pt,
        /// Cost of breaking here; `>= INFINITE_PENALTY` forbids, `<= -INFINITE_PENALTY`
        /// forces a break.
        penalty: f64,
        /// A hyphen-like break, for the double/final hyphen demerits and the ladder limit.
        flagged: bool,
        /// Inserted by automatic hyphenation: not a break in the first pass.
        hyphenation: bool,
    },
}

impl Item {
    /// Interword glue of natural width `width` with TeX's usual stretch (1/2) and shrink
    /// (1/3).
    pub fn space(width: Pt) -> Item {
        Item::Glue {
            width,
            stretch: width / 2.0,
            shrink: width / 3.0,
            fill: false,
        }
    }

    /// A plain penalty of zero width.
    pub fn penalty(penalty: f64) -> Item {
        Item::Penalty {
            width: Pt::ZERO,
            post_width: Pt::ZERO,
            penalty,
            flagged: false,
            hyphenation: false,
        }
    }

    /// The end of a paragraph: `\parfillskip` (infinitely stretchable glue) then a forced
    /// break, preceded by an infinite penalty so the fill glue is no break itself.
    pub fn paragraph_end() -> [Item; 3] {
        [
            Item::penalty(INFINITE_PENALTY),
            Item::Glue {
                width: Pt::ZERO,
                stretch: Pt::ZERO,
                shrink: Pt::ZERO,
                fill: true,
            },
            Item::penalty(-INFINITE_PENALTY),
        ]
    }
}

/// Parameters of the breaker; the defaults are plain TeX's plus book practice.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakParams {
    /// Highest badness accepted in the first pass, without hyphenation; negative skips it.
    pub pretolerance: f64,
    /// Highest badness accepted in the second and third passes.
    pub tolerance: f64,
    /// Added to every line's badness before squaring (`\linepenalty`).
    pub line_penalty: f64,
    /// Added when two consecutive lines end in flagged breaks (`\doublehyphendemerits`).
    pub double_hyphen_demerits: f64,
    /// Added when the next-to-last line ends in a flagged break (`\finalhyphendemerits`).
    pub final_hyphen_demerits: f64,
    /// Added when adjacent lines' fitness classes differ by more than one (`\adjdemerits`).
    pub adj_demerits: f64,
    /// Stretch added to each line when rating it in the third pass (`\emergencystretch`);
    /// zero skips that pass.
    pub emergency_stretch: Pt,
    /// Most consecutive lines that may end in a flagged break (a hard limit); 0 = no limit.
    pub max_consecutive_hyphens: usize,
    /// Ask for a breaking with this many more (or fewer) lines than the best, if feasible
    /// (`\looseness`); the nearest feasible count is taken otherwise.
    pub looseness: i32,
    /// Demerits for a runt: a last line (of two or more) with a single word narrower than
    /// `runt_width`.
    pub runt_demerits: f64,
    /// See `runt_demerits`.
    pub runt_width: Pt,
    /// Stretch at every line end (`\rightskip`): non-zero for ragged-right setting, where
    /// the interword glue has no stretch and the ratio sets the right margin.
    pub line_end_stretch: Pt,
    /// Largest glyph scaling a line may use, as a fraction (0.02 = 98-102 %); 0 = off.
    pub max_expansion: f64,
    /// A line (1-based) that may not end in a hyphen: the last line of a page, when the
    /// paragraph goes on over the page. Sought within tolerance only, like looseness.
    pub no_hyphen_at_line: Option<usize>,
}

impl Default for BreakParams {
    fn default() -> Self {
        BreakParams {
            pretolerance: 100.0,
            tolerance: 200.0,
            line_penalty: 10.0,
            double_hyphen_demerits: 10_000.0,
            final_hyphen_demerits: 5_000.0,
            adj_demerits: 10_000.0,
            emergency_stretch: Pt::ZERO,
            max_consecutive_hyphens: 2,
            looseness: 0,
            runt_demerits: 0.0,
            runt_width: Pt::ZERO,
            line_end_stretch: Pt::ZERO,
            max_expansion: 0.0,
            no_hyphen_at_line: None,
        }
    }
}

/// Which pass found the breaking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pass {
    /// Without hyphenation, at `pretolerance`.
    First,
    /// With hyphenation, at `tolerance`.
    Second,
    /// With emergency stretch.
    Emergency,
    /// Any badness accepted.
    Final,
}

/// How one line is set.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The items on the line: from the first one kept after the previous break (glue and
    /// penalties after a break are discarded) up to, not including, the break.
    pub items: Range<usize>,
    /// The item broken at (a glue, which is dropped, or a penalty, whose width ends the
    /// line).
    pub break_at: usize,
    /// Target width of the line.
    pub target: Pt,
    /// Natural width: boxes, glue, the break's penalty width and the previous break's
    /// post-break width.
    pub natural: Pt,
    /// Adjustment ratio for the glue: each glue gets `width + ratio * stretch` (ratio >= 0)
    /// or `width + ratio * shrink` (ratio < 0); also applies to `line_end_stretch`.
    pub ratio: f64,
    /// Glyph scaling for the boxes of this line, as a fraction (0.01 = 101 %); zero unless
    /// `max_expansion` is set.
    pub expansion: f64,
    /// Badness, 0 to 10,000.
    pub badness: f64,
    /// The line ends in a flagged break (a hyphen).
    pub hyphenated: bool,
    /// The line is wider than its target even fully shrunk (only for a piece wider than
    /// any line).
    pub overfull: bool,
    /// How far the line's first glyph hangs into the left margin (margin kerning): the
    /// line starts this far left of the measure.
    pub hang_left: Pt,
    /// How far its last glyph (punctuation, a hyphen) hangs into the right margin.
    pub hang_right: Pt,
}

/// How far a box may hang into the margins when it starts or ends a line (character
/// protrusion, as pdfTeX's margin kerning): the left amount applies when the box starts a
/// line, the right amount when it ends one (for a penalty: the hyphen it adds).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Hang {
    /// Into the left margin.
    pub left: Pt,
    /// Into the right margin.
    pub right: Pt,
}

/// The result of breaking a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Breaking {
    /// The lines, in order.
    pub lines: Vec<Line>,
    /// The pass that found them.
    pub pass: Pass,
    /// Total demerits of the breaking.
    pub demerits: f64,
    /// Lines more (or fewer, if negative) than the best breaking of that pass.
    pub looseness: i32,
}

/// Target widths: line `i` gets `widths[i]`, lines past the end the last entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LineWidths(pub Vec<Pt>);

impl LineWidths {
    /// Every line the same width.
    pub fn uniform(width: Pt) -> LineWidths {
        LineWidths(vec![width])
    }

    /// The width of line `index` (0-based).
    pub fn get(&self, index: usize) -> Pt {
        self.0
            .get(index)
            .or(self.0.last())
            .copied()
            .unwrap_or(Pt::ZERO)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    width: f64,
    stretch: f64,
    shrink: f64,
    fill: u32,
    boxes: f64,
    glues: u32,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    /// Break item (`usize::MAX` for the paragraph start).
    at: usize,
    /// First item of the next line.
    start: usize,
    lines: usize,
    fitness: u8,
    hyphens: usize,
    flagged: bool,
    /// The line ending here was set overfull by the final pass's rescue.
    rescued: bool,
    post_width: f64,
    /// How far the first glyph of the line after this break hangs into the left margin.
    hang_left: f64,
    demerits: f64,
    prev: Option<usize>,
}

impl Node {
    const START: Node = Node {
        at: usize::MAX,
        start: 0,
        lines: 0,
        fitness: 2,
        hyphens: 0,
        flagged: false,
        rescued: false,
        post_width: 0.0,
        hang_left: 0.0,
        demerits: 0.0,
        prev: None,
    };
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    from: usize,
    demerits: f64,
    fitness: u8,
    rescued: bool,
}

/// How a line from a node to a break rates: what the breaker decides by. The glue ratio
/// and expansion are only worked out (by [`Breaker::measure`]) for the lines chosen.
#[derive(Debug, Clone, Copy)]
struct Rating {
    /// Badness without TeX's cap of 10,000: in the final pass, where any badness goes, a
    /// line twice as loose must still cost more (else a lone word on a line, stretched
    /// without limit, ties with a merely loose line).
    excess: f64,
    /// First item of the line.
    start: usize,
    natural: f64,
    badness: f64,
    /// The adjustment ratio used for rating (with emergency stretch).
    rate: f64,
}

/// The nodes of one pass, kept so that the breaking for another looseness can be read off
/// them without running the pass again.
#[derive(Debug, Clone)]
struct PassResult {
    pass: Pass,
    background: f64,
    nodes: Vec<Node>,
    /// Active nodes at the paragraph's end, in creation order.
    finals: Vec<usize>,
}

/// The passes run for one paragraph with a non-zero looseness, kept for the next call with
/// another non-zero looseness (pagination asks for -1 and then +1): with a looseness every
/// line count is kept apart, so one run serves every looseness.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoosenessMemo {
    /// The caller's name for the items, the parameters without the looseness, the widths.
    key: Option<(u64, BreakParams, LineWidths)>,
    /// Each pass run so far and its result (`None`: no feasible breaking).
    passes: Vec<(Pass, Option<PassResult>)>,
}

/// Breaks `items` into lines of `widths` with `params`. Never panics; returns no lines for
/// no items. Items should end with [`Item::paragraph_end`]; a final forced break is assumed
/// otherwise.
pub fn break_lines(items: &[Item], widths: &LineWidths, params: &BreakParams) -> Breaking {
    break_lines_memo(items, widths, params, None, &[])
}

/// [`break_lines`], reusing the passes of an earlier call with the same `id` (standing for
/// the same items), widths and parameters but another non-zero looseness.
pub(crate) fn break_lines_memo(
    items: &[Item],
    widths: &LineWidths,
    params: &BreakParams,
    memo: Option<(u64, &mut LoosenessMemo)>,
    hangs: &[Hang],
) -> Breaking {
    break_lines_with(items, widths, params, memo, hangs, true)
}

/// [`break_lines_memo`], with the shortcut for lines too loose to rate (`skip_loose`) on or
/// off: the same breaking either way (a test compares them).
fn break_lines_with(
    items: &[Item],
    widths: &LineWidths,
    params: &BreakParams,
    memo: Option<(u64, &mut LoosenessMemo)>,
    hangs: &[Hang],
    skip_loose: bool,
) -> Breaking {
    let mut owned;
    let items = if matches!(items.last(), Some(Item::Penalty { penalty, .. }) if *penalty <= -INFINITE_PENALTY)
    {
        items
    } else {
        owned = items.to_vec();
        owned.extend(Item::paragraph_end());
        &owned[..]
    };
    let mut sums = Vec::with_capacity(items.len() + 1);
    let mut acc = Sums::default();
    sums.push(acc);
    for item in items {
        match *item {
            Item::Box { width } => {
                acc.width += width.0;
                acc.boxes += width.0;
            }
            Item::Glue {
                width,
                stretch,
                shrink,
                fill,
            } => {
                acc.width += width.0;
                acc.stretch += stretch.0;
                acc.shrink += shrink.0;
                acc.fill += u32::from(fill);
                acc.glues += u32::from(!fill);
            }
            Item::Penalty { .. } => {}
        }
        sums.push(acc);
    }
    let breaker = Breaker {
        items,
        sums,
        widths,
        params,
        hangs,
        skip_loose,
    };
    let mut passes = Vec::new();
    if params.pretolerance >= 0.0 && params.looseness == 0 {
        passes.push(Pass::First);
    }
    passes.push(Pass::Second);
    if params.emergency_stretch.0 > 0.0 {
        passes.push(Pass::Emergency);
    }
    // Looseness asks for another breaking *within tolerance*; the final pass (any badness,
    // and with looseness no merging of nodes by line count: cubic time) is only for the
    // best breaking.
    if params.looseness == 0 && params.no_hyphen_at_line.is_none() {
        passes.push(Pass::Final);
    }
    // Only runs with a looseness are worth keeping: they serve every other looseness.
    let mut memo = memo.filter(|_| params.looseness != 0).map(|(id, memo)| {
        let key = (
            id,
            BreakParams {
                looseness: 0,
                ..params.clone()
            },
            widths.clone(),
        );
        if memo.key.as_ref() != Some(&key) {
            memo.key = Some(key);
            memo.passes.clear();
        }
        memo
    });
    let mut fallback = None;
    for pass in passes {
        let breaking = match memo.as_deref_mut() {
            Some(memo) => {
                let index = match memo.passes.iter().position(|(p, _)| *p == pass) {
                    Some(index) => index,
                    None => {
                        memo.passes.push((pass, breaker.run(pass)));
                        memo.passes.len() - 1
                    }
                };
                memo.passes[index]
                    .1
                    .as_ref()
                    .and_then(|result| breaker.select(result))
            }
            None => breaker.run(pass).and_then(|result| breaker.select(&result)),
        };
        if let Some(breaking) = breaking {
            if breaking.looseness == params.looseness || pass == Pass::Final {
                return breaking;
            }
            fallback.get_or_insert(breaking);
        }
    }
    // The final pass always finds a breaking; this is only reached for looseness.
    fallback.unwrap_or(Breaking {
        lines: Vec::new(),
        pass: Pass::Final,
        demerits: 0.0,
        looseness: 0,
    })
}

struct Breaker<'a> {
    items: &'a [Item],
    sums: Vec<Sums>,
    widths: &'a LineWidths,
    params: &'a BreakParams,
    /// Per item, how far it may hang into the margins (empty: no margin kerning).
    hangs: &'a [Hang],
    /// Keep a node whose line is certainly too loose without rating the line.
    skip_loose: bool,
}

fn fitness(ratio: f64) -> u8 {
    if ratio < -0.5 {
        3
    } else if ratio <= 0.5 {
        2
    } else if ratio <= 1.0 {
        1
    } else {
        0
    }
}

impl Breaker<'_> {
    /// How far a line from item `start` to a break at `b` hangs into the margins.
    #[inline]
    fn hang(&self, start: usize, b: usize) -> (f64, f64) {
        (self.hang_left(start), self.hang_right(b))
    }

    /// How far a line starting at item `start` hangs into the left margin.
    #[inline]
    fn hang_left(&self, start: usize) -> f64 {
        if self.hangs.is_empty() {
            return 0.0;
        }
        match self.items.get(start) {
            Some(Item::Box { .. }) => self.hangs.get(start).map_or(0.0, |h| h.left.0),
            _ => 0.0,
        }
    }

    /// How far a line ending in a break at `b` hangs into the right margin.
    #[inline]
    fn hang_right(&self, b: usize) -> f64 {
        if self.hangs.is_empty() {
            return 0.0;
        }
        let before = |b: usize| match b.checked_sub(1).map(|i| (i, self.items.get(i))) {
            Some((i, Some(Item::Box { .. }))) => self.hangs.get(i).map_or(0.0, |h| h.right.0),
            _ => 0.0,
        };
        match self.items.get(b) {
            Some(Item::Penalty { width, .. }) if width.0 > 0.0 => {
                self.hangs.get(b).map_or(0.0, |h| h.right.0)
            }
            _ => before(b),
        }
    }

    /// Whether item `i` is a legal break in `pass`, and its penalty.
    fn breakpoint(&self, i: usize, pass: Pass) -> Option<f64> {
        match self.items.get(i)? {
            Item::Glue { .. } => {
                matches!(self.items.get(i.checked_sub(1)?), Some(Item::Box { .. })).then_some(0.0)
            }
            Item::Penalty {
                penalty,
                hyphenation,
                ..
            } => {
                if *penalty >= INFINITE_PENALTY || (*hyphenation && pass == Pass::First) {
                    None
                } else {
                    Some(*penalty)
                }
            }
            Item::Box { .. } => None,
        }
    }

    /// First item of the line after a break at `at`: glue and penalties are discarded up
    /// to the next box (or a forced break).
    fn line_start(&self, at: usize) -> usize {
        let mut i = at + 1;
        while let Some(item) = self.items.get(i) {
            match item {
                Item::Box { .. } => break,
                Item::Penalty { penalty, .. } if *penalty <= -INFINITE_PENALTY => break,
                _ => i += 1,
            }
        }
        i
    }

    /// The width a break at `b` adds at the line end, and whether it is flagged.
    fn break_width(&self, b: usize) -> (f64, bool) {
        match self.items.get(b) {
            Some(Item::Penalty { width, flagged, .. }) => (width.0, *flagged),
            _ => (0.0, false),
        }
    }

    /// Runs one pass: every feasible break as nodes, and the active nodes at the end.
    /// `None` when no breaking is feasible in this pass.
    fn run(&self, pass: Pass) -> Option<PassResult> {
        let params = self.params;
        let tolerance = match pass {
            Pass::First => params.pretolerance,
            Pass::Second | Pass::Emergency => params.tolerance,
            Pass::Final => f64::INFINITY,
        };
        let background = if pass == Pass::Emergency {
            params.emergency_stretch.0
        } else {
            0.0
        };
        let distinct_lines =
            params.looseness != 0 || params.no_hyphen_at_line.is_some() || self.widths.0.len() > 1;
        let mut nodes = vec![Node {
            hang_left: self.hang_left(0),
            ..Node::START
        }];
        let mut active: Vec<usize> = vec![0];
        // One target for every line, looked up once.
        let uniform_target = (self.widths.0.len() <= 1).then(|| self.widths.get(0).0);
        // A line whose glue, after the most expansion, must stretch further than this ratio
        // has a badness above the tolerance: such a node is kept without rating the line
        // (a margin keeps rounding from ever skipping a line the rating would accept).
        let loose_limit = (self.skip_loose && tolerance < INFINITE_BADNESS)
            .then(|| (tolerance.max(0.0) / 100.0).cbrt() * (1.0 + 1e-6));
        let max_expansion = params.max_expansion.max(0.0);
        let last = self.items.len().saturating_sub(1);
        // Buffers reused from break to break.
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut keep: Vec<usize> = Vec::new();
        let mut best: Vec<(usize, u8, usize, Candidate)> = Vec::new();
        for b in 0..self.items.len() {
            let Some(penalty) = self.breakpoint(b, pass) else {
                continue;
            };
            let forced = penalty <= -INFINITE_PENALTY;
            let (pen_width, flagged) = self.break_width(b);
            let to = self.sums[b];
            let hang_right = self.hang_right(b);
            candidates.clear();
            keep.clear();
            let mut rescue: Option<usize> = None;
            // Nodes made at the same break (adjacent in `active`) start their lines alike
            // and differ only in fitness, hyphens and demerits: they rate alike.
            let mut last_rating: Option<(usize, u64, u64, Rating)> = None;
            for &a in &active {
                let node = &nodes[a];
                if node.start > b {
                    keep.push(a);
                    continue;
                }
                let target = match uniform_target {
                    Some(target) => target,
                    None => self.widths.get(node.lines).0,
                };
                if let Some(limit) = loose_limit
                    && !forced
                {
                    // The same arithmetic as `rate_line`, up to the glue's least ratio.
                    let from = &self.sums[node.start];
                    if to.fill <= from.fill {
                        let natural = to.width - from.width + pen_width + node.post_width
                            - node.hang_left
                            - hang_right;
                        let shortfall = target - natural;
                        if shortfall > 0.0 {
                            let boxes = to.boxes - from.boxes + pen_width + node.post_width;
                            let stretch = to.stretch - from.stretch + params.line_end_stretch.0;
                            let least_rest = shortfall - max_expansion * boxes.max(0.0);
                            if least_rest > limit * (stretch + background) {
                                keep.push(a);
                                continue;
                            }
                        }
                    }
                }
                let fit = match last_rating {
                    Some((start, post, t, rating))
                        if start == node.start
                            && post == node.post_width.to_bits()
                            && t == target.to_bits() =>
                    {
                        rating
                    }
                    _ => {
                        let rating =
                            self.rate_line(node, &to, pen_width, hang_right, target, background);
                        last_rating = Some((
                            node.start,
                            node.post_width.to_bits(),
                            target.to_bits(),
                            rating,
                        ));
                        rating
                    }
                };
                let r_rate = fit.rate;
                let deactivate = r_rate < -1.0 || forced;
                if !deactivate {
                    keep.push(a);
                }
                if r_rate < -1.0 {
                    // As TeX's final pass: if nothing else remains, the latest node breaks
                    // here overfull, so only the piece that cannot fit sticks out.
                    if pass == Pass::Final
                        && rescue.is_none_or(|r| {
                            let r = &nodes[r];
                            (r.at.wrapping_add(1), -r.demerits)
                                < (node.at.wrapping_add(1), -node.demerits)
                        })
                    {
                        rescue = Some(a);
                    }
                    continue;
                }
                if fit.badness > tolerance {
                    continue;
                }
                if flagged
                    && params.max_consecutive_hyphens > 0
                    && node.hyphens >= params.max_consecutive_hyphens
                {
                    continue;
                }
                if flagged && params.no_hyphen_at_line == Some(node.lines + 1) {
                    continue;
                }
                let fitness_class = fitness(r_rate);
                let line_badness = if pass == Pass::Final {
                    fit.excess
                } else {
                    fit.badness
                };
                let mut d = (params.line_penalty + line_badness).powi(2);
                if penalty >= 0.0 {
                    d += penalty * penalty;
                } else if !forced {
                    d -= penalty * penalty;
                }
                if flagged && node.flagged {
                    d += params.double_hyphen_demerits;
                }
                if b == last && node.flagged {
                    d += params.final_hyphen_demerits;
                }
                if node.lines > 0 && fitness_class.abs_diff(node.fitness) > 1 {
                    d += params.adj_demerits;
                }
                if b == last && node.lines > 0 && params.runt_demerits > 0.0 {
                    let glues = self.sums[b].glues - self.sums[fit.start.min(b)].glues;
                    if glues == 0 && fit.natural < params.runt_width.0 {
                        d += params.runt_demerits;
                    }
                }
                candidates.push(Candidate {
                    from: a,
                    demerits: node.demerits + d,
                    fitness: fitness_class,
                    rescued: false,
                });
            }
            std::mem::swap(&mut active, &mut keep);
            if candidates.is_empty()
                && active.is_empty()
                && let Some(a) = rescue
            {
                candidates.push(Candidate {
                    from: a,
                    demerits: nodes[a].demerits + INFINITE_BADNESS * INFINITE_BADNESS,
                    fitness: 3,
                    rescued: true,
                });
            }
            // Best candidate per (line class, fitness, hyphen run); ties go to the earlier
            // candidate, so results do not depend on anything but the input.
            best.clear();
            for &c in &candidates {
                let from = &nodes[c.from];
                let lines = from.lines + 1;
                let class = if distinct_lines { lines } else { 0 };
                let hyphens = if flagged { from.hyphens + 1 } else { 0 };
                match best
                    .iter_mut()
                    .find(|(l, f, h, _)| *l == class && *f == c.fitness && *h == hyphens)
                {
                    Some(slot) if slot.3.demerits > c.demerits => slot.3 = c,
                    Some(_) => {}
                    None => best.push((class, c.fitness, hyphens, c)),
                }
            }
            if !best.is_empty() {
                let post_width = match self.items[b] {
                    Item::Penalty { post_width, .. } => post_width.0,
                    _ => 0.0,
                };
                let start = self.line_start(b);
                let hang_left = self.hang_left(start);
                for &(_, fit, hyphens, c) in &best {
                    let lines = nodes[c.from].lines + 1;
                    nodes.push(Node {
                        at: b,
                        start,
                        lines,
                        fitness: fit,
                        hyphens,
                        flagged,
                        rescued: c.rescued,
                        post_width,
                        hang_left,
                        demerits: c.demerits,
                        prev: Some(c.from),
                    });
                    active.push(nodes.len() - 1);
                }
            }
            if active.is_empty() {
                return None;
            }
        }
        let finals: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&n| nodes[n].at == last)
            .collect();
        if finals.is_empty() {
            return None;
        }
        Some(PassResult {
            pass,
            background,
            nodes,
            finals,
        })
    }

    /// The breaking of a pass's result closest to the asked-for looseness.
    fn select(&self, result: &PassResult) -> Option<Breaking> {
        let params = self.params;
        let nodes = &result.nodes;
        let finals = &result.finals;
        let best = finals
            .iter()
            .copied()
            .min_by(|&x, &y| nodes[x].demerits.total_cmp(&nodes[y].demerits))?;
        let best_lines = nodes[best].lines as i64;
        let wanted = best_lines + i64::from(params.looseness);
        let chosen = if params.looseness == 0 {
            best
        } else {
            finals
                .iter()
                .copied()
                .min_by(|&x, &y| {
                    let dx = (nodes[x].lines as i64 - wanted).abs();
                    let dy = (nodes[y].lines as i64 - wanted).abs();
                    dx.cmp(&dy)
                        .then(nodes[x].demerits.total_cmp(&nodes[y].demerits))
                })
                .unwrap_or(best)
        };
        let mut lines = Vec::with_capacity(nodes[chosen].lines);
        let mut cursor = chosen;
        while let Some(prev) = nodes[cursor].prev {
            let node = &nodes[cursor];
            let (pen_width, flagged) = self.break_width(node.at);
            let (mut line, _) =
                self.measure(&nodes[prev], node.at, pen_width, flagged, result.background);
            if node.rescued {
                line.overfull = true;
                line.badness = INFINITE_BADNESS;
            }
            lines.push(line);
            cursor = prev;
        }
        lines.reverse();
        Some(Breaking {
            lines,
            pass: result.pass,
            demerits: nodes[chosen].demerits,
            looseness: i32::try_from(nodes[chosen].lines as i64 - best_lines).unwrap_or(0),
        })
    }

    /// The line from node `a` to break `b`, and the adjustment ratio used for rating it.
    fn measure(
        &self,
        a: &Node,
        b: usize,
        pen_width: f64,
        flagged: bool,
        background: f64,
    ) -> (Line, f64) {
        let params = self.params;
        let s = a.start.min(b);
        let (from, to) = (&self.sums[s], &self.sums[b]);
        let (hang_left, hang_right) = self.hang(s, b);
        let natural = to.width - from.width + pen_width + a.post_width - hang_left - hang_right;
        let boxes = to.boxes - from.boxes + pen_width + a.post_width;
        let stretch = to.stretch - from.stretch + params.line_end_stretch.0;
        let shrink = to.shrink - from.shrink;
        let fill = to.fill > from.fill;
        let target = self.widths.get(a.lines).0;
        let fit = adjustment(
            target - natural,
            stretch,
            shrink,
            boxes,
            fill,
            params.max_expansion,
            background,
        );
        let line = Line {
            items: s..b,
            break_at: b,
            target: Pt(target),
            natural: Pt(natural),
            ratio: fit.ratio,
            expansion: fit.expansion,
            badness: fit.badness,
            hyphenated: flagged,
            overfull: fit.rate < -1.0,
            hang_left: Pt(hang_left),
            hang_right: Pt(hang_right),
        };
        (line, fit.rate)
    }

    /// How the line from node `a` to a break whose running sums are `to` rates: the same
    /// rate and badness as [`Breaker::measure`] (the same arithmetic), without building the
    /// line. `a` starts its line at or before the break; `hang_right` and `target` are the
    /// break's right hang and the line's target width.
    #[inline]
    fn rate_line(
        &self,
        a: &Node,
        to: &Sums,
        pen_width: f64,
        hang_right: f64,
        target: f64,
        background: f64,
    ) -> Rating {
        let params = self.params;
        let s = a.start;
        let from = &self.sums[s];
        let natural = to.width - from.width + pen_width + a.post_width - a.hang_left - hang_right;
        let boxes = to.boxes - from.boxes + pen_width + a.post_width;
        let stretch = to.stretch - from.stretch + params.line_end_stretch.0;
        let fit = adjustment(
            target - natural,
            stretch,
            to.shrink - from.shrink,
            boxes,
            to.fill > from.fill,
            params.max_expansion,
            background,
        );
        Rating {
            start: s,
            natural,
            badness: fit.badness,
            excess: fit.excess,
            rate: fit.rate,
        }
    }
}

/// How a line is made to fit, and what that costs.
#[derive(Debug, Clone, Copy)]
struct Adjustment {
    /// The share of all the line's flexibility (glue and expansion) used, as TeX's
    /// adjustment ratio: below -1 the line cannot be set; it names the fitness class.
    rate: f64,
    /// The glue's adjustment ratio.
    ratio: f64,
    /// The glyph scaling, as a fraction.
    expansion: f64,
    badness: f64,
    /// Badness without the cap (see [`Rating::excess`]).
    excess: f64,
}

/// How much a line at full expansion (and natural spaces) counts against it, as a share of
/// the badness of spaces stretched by their whole stretch: glyph scaling within a few
/// percent is less visible than word spaces half as wide again, but not free (measured on
/// Pride and Prejudice: 0.25 leaves more loose lines, 1.0 more hyphens).
const EXPANSION_WEIGHT: f64 = 0.5;

/// Makes up `shortfall` (positive: the line is short) with glyph expansion first, up to
/// `max_expansion` of the boxes' width, then the glue, as a compositor keeps word spaces
/// near their natural width and lets the letters take the first few tenths of a point.
/// Badness is TeX's 100 r^3 of the glue's ratio (with `background` stretch for the
/// emergency pass), plus half as much for the expansion used.
#[inline]
fn adjustment(
    shortfall: f64,
    stretch: f64,
    shrink: f64,
    boxes: f64,
    fill: bool,
    max_expansion: f64,
    background: f64,
) -> Adjustment {
    let max_e = max_expansion.max(0.0);
    let expand = max_e * boxes.max(0.0);
    if shortfall == 0.0 || (shortfall > 0.0 && fill) {
        return Adjustment {
            rate: 0.0,
            ratio: 0.0,
            expansion: 0.0,
            badness: 0.0,
            excess: 0.0,
        };
    }
    let expansion_cost = |e: f64| {
        if max_e > 0.0 {
            100.0 * EXPANSION_WEIGHT * (e.abs() / max_e).powi(3)
        } else {
            0.0
        }
    };
    if shortfall > 0.0 {
        let total = stretch + expand;
        let rate = if total + background > 0.0 {
            shortfall / (total + background)
        } else {
            INFINITE_BADNESS
        };
        let expansion = if boxes > 0.0 {
            (shortfall / boxes).min(max_e)
        } else {
            0.0
        };
        let rest = (shortfall - expansion * boxes).max(0.0);
        let ratio = if stretch > 0.0 { rest / stretch } else { 0.0 };
        let glue_rate = if rest <= 0.0 {
            0.0
        } else if stretch + background > 0.0 {
            rest / (stretch + background)
        } else {
            INFINITE_BADNESS
        };
        let excess = 100.0 * glue_rate.min(1e3).powi(3) + expansion_cost(expansion);
        Adjustment {
            rate,
            ratio,
            expansion,
            badness: excess.min(INFINITE_BADNESS),
            excess,
        }
    } else {
        let total = shrink + expand;
        let rate = if total > 0.0 {
            shortfall / total
        } else {
            -INFINITE_BADNESS
        };
        if rate < -1.0 {
            return Adjustment {
                rate,
                ratio: if shrink > 0.0 { -1.0 } else { 0.0 },
                expansion: -max_e,
                badness: INFINITE_BADNESS + 1.0,
                excess: INFINITE_BADNESS + 1.0,
            };
        }
        let expansion = if boxes > 0.0 {
            (shortfall / boxes).max(-max_e)
        } else {
            0.0
        };
        let rest = (shortfall - expansion * boxes).min(0.0);
        let ratio = if shrink > 0.0 {
            (rest / shrink).max(-1.0)
        } else {
            0.0
        };
        let excess = badness(ratio) + expansion_cost(expansion);
        Adjustment {
            rate,
            ratio,
            expansion,
            badness: excess.min(INFINITE_BADNESS),
            excess,
        }
    }
}

/// Badness of a line set at adjustment ratio `rate`, as TeX: 100 r^3, at most
/// [`INFINITE_BADNESS`], more for an overfull line.
#[inline]
fn badness(rate: f64) -> f64 {
    if rate < -1.0 {
        INFINITE_BADNESS + 1.0
    } else {
        (100.0 * rate.abs().powi(3)).min(INFINITE_BADNESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words of the given widths (in units where a space is 1), spaced by TeX glue.
    fn words(widths: &[f64]) -> Vec<Item> {
        let mut items = Vec::new();
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                items.push(Item::Glue {
                    width: Pt(1.0),
                    stretch: Pt(0.5),
                    shrink: Pt(1.0 / 3.0),
                    fill: false,
                });
            }
            items.push(Item::Box { width: Pt(*w) });
        }
        items.extend(Item::paragraph_end());
        items
    }

    fn breaks(b: &Breaking) -> Vec<usize> {
        b.lines.iter().map(|l| l.break_at).collect()
    }

    /// Brute force over all breakings: the minimum total demerits with the same rules (no
    /// hyphens, uniform width), to check the dynamic programme.
    fn brute_force(items: &[Item], width: f64, params: &BreakParams) -> Option<f64> {
        let breaker = Breaker {
            items,
            sums: {
                let mut s = vec![Sums::default()];
                let mut acc = Sums::default();
                for item in items {
                    if let Item::Box { width } = item {
                        acc.width += width.0;
                        acc.boxes += width.0;
                    }
                    if let Item::Glue {
                        width,
                        stretch,
                        shrink,
                        fill,
                    } = item
                    {
                        acc.width += width.0;
                        acc.stretch += stretch.0;
                        acc.shrink += shrink.0;
                        acc.fill += u32::from(*fill);
                        acc.glues += u32::from(!fill);
                    }
                    s.push(acc);
                }
                s
            },
            widths: &LineWidths::uniform(Pt(width)),
            params,
            hangs: &[],
            skip_loose: false,
        };
        let points: Vec<usize> = (0..items.len())
            .filter(|&i| breaker.breakpoint(i, Pass::Second).is_some())
            .collect();
        let last = items.len() - 1;
        let mut best: Option<f64> = None;
        let inner: Vec<usize> = points.iter().copied().filter(|&p| p != last).collect();
        for mask in 0u32..(1 << inner.len()) {
            let mut chosen: Vec<usize> = inner
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, p)| *p)
                .collect();
            chosen.push(last);
            let mut node = Node::START;
            let mut total = 0.0;
            let mut ok = true;
            for &b in &chosen {
                let (line, r) = breaker.measure(&node, b, 0.0, false, 0.0);
                if r < -1.0 || line.badness > params.tolerance {
                    ok = false;
                    break;
                }
                let fit = fitness(r);
                let mut d = (params.line_penalty + line.badness).powi(2);
                if node.lines > 0 && fit.abs_diff(node.fitness) > 1 {
                    d += params.adj_demerits;
                }
                total += d;
                node = Node {
                    at: b,
                    start: breaker.line_start(b),
                    lines: node.lines + 1,
                    fitness: fit,
                    ..node
                };
            }
            if ok && best.is_none_or(|x| total < x) {
                best = Some(total);
            }
        }
        best
    }

    #[test]
    fn simple_known_case() {
        // "aaa bb cc ddddd" at width 6: a line of one word has no glue and is infinitely
        // bad, so the best breaking has as few as possible: "aaa bb" / "cc" / "ddddd",
        // rather than "aaa" / "bb cc" / "ddddd" (a second bad line, badness 800).
        let items = words(&[3.0, 2.0, 2.0, 5.0]);
        let params = BreakParams {
            tolerance: 10_000.0,
            pretolerance: -1.0,
            ..BreakParams::default()
        };
        let b = break_lines(&items, &LineWidths::uniform(Pt(6.0)), &params);
        assert_eq!(breaks(&b), vec![3, 5, 9]);
        assert_eq!(b.lines[1].items, 4..5);
        assert!((b.lines[0].natural.0 - 6.0).abs() < 1e-9);
        assert_eq!(b.lines[1].badness, INFINITE_BADNESS);
        // Widen to 8: now "aaa bb" (ratio 4) / "cc ddddd" fits in two lines.
        let brute = brute_force(&items, 6.0, &params).expect("feasible");
        assert!(
            (brute - b.demerits).abs() < 1e-6,
            "{brute} vs {}",
            b.demerits
        );
        let b = break_lines(&items, &LineWidths::uniform(Pt(8.0)), &params);
        assert_eq!(breaks(&b), vec![3, 9]);
        assert!((b.lines[0].ratio - 4.0).abs() < 1e-9);
    }

    #[test]
    fn matches_brute_force_on_many_paragraphs() {
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % 7 + 1
        };
        for _ in 0..60 {
            let widths: Vec<f64> = (0..9).map(|_| next() as f64).collect();
            let items = words(&widths);
            let params = BreakParams {
                pretolerance: -1.0,
                tolerance: 2_000.0,
                ..BreakParams::default()
            };
            let expected = brute_force(&items, 12.0, &params);
            let got = break_lines(&items, &LineWidths::uniform(Pt(12.0)), &params);
            if let Some(expected) = expected {
                assert_eq!(got.pass, Pass::Second);
                assert!((expected - got.demerits).abs() < 1e-6, "{widths:?}");
            } else {
                assert_eq!(got.pass, Pass::Final);
            }
        }
    }

    /// Keeping too-loose lines without rating them gives the breaking that rating every
    /// line gives: with expansion, margin hangs, hyphens, emergency stretch, loosenesses,
    /// ragged lines and lines of several widths.
    #[test]
    fn lines_kept_unrated_change_nothing() {
        let mut seed = 987654321u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..400 {
            let count = 5 + next(60) as usize;
            let mut items = Vec::new();
            let mut hangs = Vec::new();
            for i in 0..count {
                if i > 0 {
                    let width = 2.0 + next(3) as f64;
                    items.push(Item::space(Pt(width)));
                    hangs.push(Hang::default());
                }
                let syllables = 1 + next(3);
                for k in 0..syllables {
                    if k > 0 {
                        items.push(Item::Penalty {
                            width: Pt(3.0),
                            post_width: Pt(next(2) as f64 * 0.25),
                            penalty: 50.0,
                            flagged: true,
                            hyphenation: true,
                        });
                        hangs.push(Hang {
                            left: Pt::ZERO,
                            right: Pt(1.5),
                        });
                    }
                    items.push(Item::Box {
                        width: Pt(4.0 + next(20) as f64),
                    });
                    hangs.push(Hang {
                        left: Pt(next(2) as f64 * 0.7),
                        right: Pt(next(2) as f64 * 0.9),
                    });
                }
            }
            items.extend(Item::paragraph_end());
            hangs.extend([Hang::default(); 3]);
            let hangs = if round % 2 == 0 { &hangs[..] } else { &[][..] };
            let widths = if round % 5 == 0 {
                LineWidths(vec![Pt(90.0), Pt(120.0), Pt(110.0)])
            } else {
                LineWidths::uniform(Pt(100.0 + next(100) as f64))
            };
            let params = BreakParams {
                pretolerance: if round % 3 == 0 { -1.0 } else { 50.0 },
                tolerance: [100.0, 300.0, 2_000.0, 10_000.0][next(4) as usize],
                emergency_stretch: Pt(next(3) as f64 * 8.0),
                max_expansion: next(3) as f64 * 0.01,
                looseness: next(3) as i32 - 1,
                line_end_stretch: Pt(if round % 7 == 0 { 30.0 } else { 0.0 }),
                runt_demerits: 1_000.0,
                runt_width: Pt(20.0),
                ..BreakParams::default()
            };
            let rated = break_lines_with(&items, &widths, &params, None, hangs, false);
            let skipped = break_lines_with(&items, &widths, &params, None, hangs, true);
            assert_eq!(rated, skipped, "round {round}");
        }
    }

    #[test]
    fn box_wider_than_the_line_is_reported_overfull() {
        let items = words(&[2.0, 30.0, 2.0]);
        let b = break_lines(
            &items,
            &LineWidths::uniform(Pt(10.0)),
            &BreakParams::default(),
        );
        assert_eq!(b.pass, Pass::Final);
        let overfull: Vec<&Line> = b.lines.iter().filter(|l| l.overfull).collect();
        assert_eq!(overfull.len(), 1);
        assert_eq!(overfull[0].items, 2..3);
        // Every other line is within its width.
        for l in b.lines.iter().filter(|l| !l.overfull) {
            assert!(l.ratio >= -1.0);
        }
    }

    #[test]
    fn looseness_gives_one_line_more_or_fewer() {
        let mut items = Vec::new();
        let mut seed = 7u64;
        let widths: Vec<f64> = (0..60)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((seed >> 33) % 9 + 2) as f64
            })
            .collect();
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                items.push(Item::space(Pt(2.0)));
            }
            items.push(Item::Box { width: Pt(*w) });
        }
        items.extend(Item::paragraph_end());
        let lw = LineWidths::uniform(Pt(73.0));
        let params = BreakParams {
            tolerance: 1_000.0,
            ..BreakParams::default()
        };
        let base = break_lines(&items, &lw, &params);
        assert_eq!(base.pass, Pass::First);
        assert_eq!(base.lines.len(), 8);
        let looser = break_lines(
            &items,
            &lw,
            &BreakParams {
                looseness: 1,
                ..params.clone()
            },
        );
        let tighter = break_lines(
            &items,
            &lw,
            &BreakParams {
                looseness: -1,
                ..params.clone()
            },
        );
        assert_eq!(looser.lines.len(), base.lines.len() + 1, "{looser:?}");
        assert_eq!(looser.looseness, 1);
        assert_eq!(tighter.lines.len(), base.lines.len() - 1, "{tighter:?}");
        assert_eq!(tighter.looseness, -1);
        assert_eq!(looser.pass, Pass::Second);
        assert_eq!(tighter.pass, Pass::Second);
        for l in looser.lines.iter().chain(&tighter.lines) {
            assert!(!l.overfull);
        }
        // Infeasible looseness gives the nearest feasible count.
        let absurd = break_lines(
            &items,
            &lw,
            &BreakParams {
                looseness: -10,
                ..params
            },
        );
        assert!(absurd.lines.len() < base.lines.len());
        for l in absurd.lines {
            assert!(!l.overfull);
        }
    }

    #[test]
    fn hyphen_ladder_is_limited() {
        // Words each 9 wide with a hyphenation point in the middle; a 10-wide line fits
        // one and a half words, so every line wants to end in a hyphen.
        let mut items = Vec::new();
        for i in 0..12 {
            if i > 0 {
                items.push(Item::space(Pt(1.0)));
            }
            items.push(Item::Box { width: Pt(4.5) });
            items.push(Item::Penalty {
                width: Pt(0.5),
                post_width: Pt::ZERO,
                penalty: 50.0,
                flagged: true,
                hyphenation: true,
            });
            items.push(Item::Box { width: Pt(4.5) });
        }
        items.extend(Item::paragraph_end());
        for limit in [1, 2, 3] {
            let params = BreakParams {
                max_consecutive_hyphens: limit,
                tolerance: 10_000.0,
                double_hyphen_demerits: 0.0,
                pretolerance: -1.0,
                ..BreakParams::default()
            };
            let b = break_lines(&items, &LineWidths::uniform(Pt(15.0)), &params);
            let mut run = 0;
            let mut longest = 0;
            for l in &b.lines {
                run = if l.hyphenated { run + 1 } else { 0 };
                longest = longest.max(run);
            }
            assert!(longest <= limit, "limit {limit}: ladder {longest}");
            assert!(b.lines.iter().any(|l| l.hyphenated));
        }
    }

    #[test]
    fn first_pass_does_not_hyphenate() {
        let items = vec![
            Item::Box { width: Pt(5.0) },
            Item::space(Pt(1.0)),
            Item::Box { width: Pt(3.0) },
            Item::Penalty {
                width: Pt(0.3),
                post_width: Pt::ZERO,
                penalty: 50.0,
                flagged: true,
                hyphenation: true,
            },
            Item::Box { width: Pt(3.0) },
        ];
        let b = break_lines(
            &items,
            &LineWidths::uniform(Pt(9.0)),
            &BreakParams::default(),
        );
        // No good breaking without the hyphen: pass 2 uses it.
        assert_eq!(b.pass, Pass::Second);
        assert!(b.lines[0].hyphenated);
        assert!((b.lines[0].natural.0 - 9.3).abs() < 1e-9);
    }

    #[test]
    fn emergency_stretch_pass() {
        // Two words of 3 and a fill-less forced end: natural 7, stretch 0.5, at width 10
        // the badness is 100 * 6^3: hopeless in passes 1 and 2; 3 pt of emergency stretch
        // brings it to 100 * (3/3.5)^3 = 63.
        let items = vec![
            Item::Box { width: Pt(3.0) },
            Item::space(Pt(1.0)),
            Item::Box { width: Pt(3.0) },
            Item::penalty(-INFINITE_PENALTY),
        ];
        let lw = LineWidths::uniform(Pt(10.0));
        let params = BreakParams {
            emergency_stretch: Pt(3.0),
            ..BreakParams::default()
        };
        let b = break_lines(&items, &lw, &params);
        assert_eq!(b.pass, Pass::Emergency);
        assert!(b.lines[0].badness < 100.0);
        // The glue itself still sets at the real ratio.
        assert!((b.lines[0].ratio - 6.0).abs() < 1e-9);
        let b = break_lines(&items, &lw, &BreakParams::default());
        assert_eq!(b.pass, Pass::Final);
        assert!(!b.lines[0].overfull);
    }

    #[test]
    fn runt_is_avoided() {
        // 7 words of 3 at width 15: best is 4+3 or with the runt one alone?
        let items = words(&[3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]);
        let lw = LineWidths::uniform(Pt(15.0));
        let base = BreakParams {
            tolerance: 10_000.0,
            pretolerance: -1.0,
            ..BreakParams::default()
        };
        let plain = break_lines(&items, &lw, &base);
        let last = plain.lines.last().expect("lines");
        assert_eq!(last.natural, Pt(3.0), "{plain:?}");
        // The way out, 4/3/2 words, costs about 41 million demerits (a line at badness
        // 6400): the runt must cost more to be avoided.
        let runt = BreakParams {
            runt_demerits: 100_000_000.0,
            runt_width: Pt(5.0),
            ..base
        };
        let fixed = break_lines(&items, &lw, &runt);
        assert!(
            fixed.lines.last().expect("lines").natural > Pt(3.0),
            "{fixed:?}"
        );
    }

    #[test]
    fn varying_widths_and_expansion_and_ragged() {
        let items = words(&[4.0; 12]);
        let lw = LineWidths(vec![Pt(12.0), Pt(20.0)]);
        let b = break_lines(
            &items,
            &lw,
            &BreakParams {
                tolerance: 10_000.0,
                ..BreakParams::default()
            },
        );
        assert_eq!(b.lines[0].target, Pt(12.0));
        assert_eq!(b.lines[1].target, Pt(20.0));
        let expanded = break_lines(
            &items,
            &LineWidths::uniform(Pt(17.5)),
            &BreakParams {
                max_expansion: 0.02,
                ..BreakParams::default()
            },
        );
        let plain = break_lines(
            &items,
            &LineWidths::uniform(Pt(17.5)),
            &BreakParams::default(),
        );
        for (e, p) in expanded.lines.iter().zip(&plain.lines).take(2) {
            assert!(e.expansion.abs() <= 0.02 + 1e-12);
            assert!(
                e.ratio.abs() < p.ratio.abs() || p.ratio == 0.0,
                "{e:?} {p:?}"
            );
        }
        let mut ragged_items = Vec::new();
        for (i, w) in [4.0, 5.0, 3.0, 6.0, 2.0, 4.0].iter().enumerate() {
            if i > 0 {
                ragged_items.push(Item::Glue {
                    width: Pt(1.0),
                    stretch: Pt::ZERO,
                    shrink: Pt::ZERO,
                    fill: false,
                });
            }
            ragged_items.push(Item::Box { width: Pt(*w) });
        }
        let ragged = break_lines(
            &ragged_items,
            &LineWidths::uniform(Pt(12.0)),
            &BreakParams {
                line_end_stretch: Pt(6.0),
                ..BreakParams::default()
            },
        );
        for l in &ragged.lines {
            assert!(l.natural <= l.target);
        }
    }

    #[test]
    fn deterministic_and_total() {
        let items = words(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0]);
        let lw = LineWidths::uniform(Pt(11.0));
        let a = break_lines(&items, &lw, &BreakParams::default());
        let b = break_lines(&items, &lw, &BreakParams::default());
        assert_eq!(a, b);
        assert!(break_lines(&[], &lw, &BreakParams::default()).lines.len() <= 1);
        let zero = break_lines(&items, &LineWidths(Vec::new()), &BreakParams::default());
        assert!(!zero.lines.is_empty());
    }
}
