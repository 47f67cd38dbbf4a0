//! The cover wrap: back cover, spine and front cover on one sheet, with bleed on all sides.
//!
//! The spine's width follows the interior's page count and paper (KDP: 0.002252 in a page on
//! white paper, 0.0025 in on cream); spine text only from 80 pages on, as KDP requires. The
//! front shows the book's cover image when it has one, otherwise a typographic cover; the
//! back carries the description, with the lower right corner left free for the barcode.

use quire_model::{Book, CoverSettings, CoverStyle, Rgb};

use super::{Align, Ctx, Geometry, LineBox, StyledText};
use crate::font::{FontFamily, FontVariant};
use crate::frame::{Document, Item, Page, PageNumber, PlacedImage, Point, Rect, Rule};
use crate::hyphenate::HyphenationOptions;
use crate::paragraph::{RunStyle, Typesetter};
use crate::units::Pt;

/// The measurements of a cover wrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverSize {
    /// Trim width of one cover panel (the book's trim width).
    pub panel_width: Pt,
    /// Trim height.
    pub height: Pt,
    /// Spine width.
    pub spine: Pt,
    /// Whole wrap width without bleed: back + spine + front.
    pub width: Pt,
    /// Bleed on every side.
    pub bleed: Pt,
}

/// Spine width for a page count on white or cream paper (KDP's figures).
pub fn spine_width(pages: usize, paper: &str) -> Pt {
    let per_page = if paper == "cream" { 0.0025 } else { 0.002252 };
    Pt::inches(pages as f64 * per_page)
}

/// The wrap's size for the book and its interior page count.
pub fn cover_size(book: &Book, pages: usize) -> CoverSize {
    let print = &book.settings.print;
    let panel = Pt(print.trim.width.pt());
    let spine = spine_width(pages, &print.paper);
    CoverSize {
        panel_width: panel,
        height: Pt(print.trim.height.pt()),
        spine,
        width: panel * 2.0 + spine,
        bleed: Pt::inches(0.125),
    }
}

/// Text in `variant` at `size`; with `small_caps`, all in small capitals (names and
/// imprints on the cover).
fn style(variant: FontVariant, size: Pt, small_caps: bool) -> RunStyle {
    RunStyle {
        variant,
        small_caps,
        all_small_caps: small_caps,
        size,
        hyphenate: true,
    }
}

fn place(lines: Vec<LineBox>, x: Pt, mut y: Pt, out: &mut Vec<Item>) -> Pt {
    for line in lines {
        for mut item in line.items {
            if let Item::Text(run) = &mut item {
                run.origin.x += x;
                run.origin.y += y;
            }
            out.push(item);
        }
        y += line.height;
    }
    y
}

/// The colours of a cover: its ground, its type, an accent, and a band (the `band` style).
#[derive(Debug, Clone, Copy)]
struct Palette {
    ground: Rgb,
    ink: Rgb,
    accent: Rgb,
}

const PAPER: Rgb = Rgb(0xF3, 0xED, 0xE2);
const NAVY: Rgb = Rgb(0x1F, 0x2A, 0x36);
const INK: Rgb = Rgb(0x1D, 0x1B, 0x19);
const WHITE: Rgb = Rgb(0xFF, 0xFF, 0xFF);

fn palette(settings: &CoverSettings) -> Palette {
    let (ground, accent) = match settings.style {
        CoverStyle::Classic => (PAPER, Rgb(0x8A, 0x1C, 0x1C)),
        CoverStyle::Modern => (NAVY, Rgb(0xE0, 0xA5, 0x26)),
        CoverStyle::Band => (Rgb(0xF7, 0xF5, 0xF0), Rgb(0x7A, 0x1F, 0x2B)),
    };
    let ground = settings.background.unwrap_or(ground);
    // Type dark on a light ground, light on a dark one.
    let ink = if ground.luminance() > 0.35 {
        INK
    } else {
        Rgb(0xF5, 0xF1, 0xE8)
    };
    Palette {
        ground,
        ink,
        accent,
    }
}

/// How far type stays inside the trim (KDP asks for 0.25 in; a designer keeps more).
const TYPE_MARGIN_IN: f64 = 0.6;

/// A filled rectangle in a colour.
fn fill(out: &mut Vec<Item>, color: Rgb, x: Pt, y: Pt, width: Pt, height: Pt) {
    out.push(Item::Color(color));
    out.push(Item::Rule(Rule {
        rect: Rect {
            origin: Point { x, y },
            width,
            height,
        },
    }));
}

/// The width a line's text takes.
fn line_width(line: &LineBox) -> Pt {
    line.items
        .iter()
        .filter_map(|i| match i {
            Item::Text(r) => r.glyphs.last().map(|g| r.origin.x + g.right()),
            _ => None,
        })
        .fold(Pt::ZERO, Pt::max)
}

/// The text a line shows.
fn line_text(line: &LineBox) -> String {
    line.items
        .iter()
        .filter_map(|i| match i {
            Item::Text(r) => Some(r.text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("")
}

/// Sets `text` ragged in as few lines as `measure` allows, each as long as the others: the
/// narrowest measure that gives the same number of lines, so that no line is left with a
/// lone word. Lines are centred on `measure` (or flush left).
pub(crate) fn balanced(
    ctx: &mut Ctx<'_>,
    text: &StyledText,
    measure: Pt,
    leading: Pt,
    centred: bool,
) -> Vec<LineBox> {
    let align = if centred { Align::Center } else { Align::Left };
    let full = ctx.set_ragged(text, measure, align, leading, false);
    let n = full.len();
    if n <= 1 {
        return full;
    }
    // Never narrower than the widest word: a balanced line breaks between words only.
    let widest_word = ctx.content_widths(text).word;
    let (mut lo, mut hi) = ((measure * 0.25).max(widest_word.min(measure)), measure);
    for _ in 0..16 {
        let mid = (lo + hi) * 0.5;
        if ctx.set_ragged(text, mid, align, leading, false).len() > n {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut lines = ctx.set_ragged(text, hi, align, leading, false);
    if centred {
        for line in &mut lines {
            for item in &mut line.items {
                item.translate((measure - hi) * 0.5, Pt::ZERO);
            }
        }
    }
    lines
}

/// Sets the title as large as fits: at most three lines on the front's measure.
fn title_lines(
    ctx: &mut Ctx<'_>,
    title: &str,
    measure: Pt,
    start: Pt,
    centred: bool,
) -> (Vec<LineBox>, Pt) {
    let mut size = start;
    loop {
        let mut t = StyledText::default();
        t.push(title, style(FontVariant::Regular, size, false));
        let lines = balanced(ctx, &t, measure, size * 1.12, centred);
        let widest_word = ctx.content_widths(&t).word;
        let widest = lines.iter().map(line_width).fold(widest_word, Pt::max);
        let words = title.split_whitespace().count();
        let lone = lines.len() > 1
            && words > lines.len()
            && lines
                .iter()
                .any(|l| line_text(l).split_whitespace().count() < 2);
        // At 18 pt the title stops shrinking, unless a word of it still does not fit (a
        // German compound): then down to 9 pt before it breaks between letters.
        let floor = if widest_word > measure {
            Pt(9.0)
        } else {
            Pt(18.0)
        };
        if (lines.len() <= 3 && widest <= measure && !lone) || size <= floor {
            return (lines, size);
        }
        size = size * 0.9;
    }
}

/// The front of a designed cover, in the panel from `x` of `width` by `height`.
fn front(ctx: &mut Ctx<'_>, book: &Book, x: Pt, width: Pt, height: Pt, items: &mut Vec<Item>) {
    let meta = &book.metadata;
    let settings = &book.settings.cover;
    let colours = palette(settings);
    let margin = Pt::inches(TYPE_MARGIN_IN);
    let measure = width - margin * 2.0;
    let title_size = width * 0.085;
    let author = meta.author_line();
    match settings.style {
        CoverStyle::Classic => {
            // A double frame in the accent colour.
            for (inset, weight) in [(Pt::inches(0.3), Pt(1.2)), (Pt::inches(0.36), Pt(0.5))] {
                let (l, t) = (x + inset, inset);
                let (w, h) = (width - inset * 2.0, height - inset * 2.0);
                fill(items, colours.accent, l, t, w, weight);
                fill(items, colours.accent, l, t + h - weight, w, weight);
                fill(items, colours.accent, l, t, weight, h);
                fill(items, colours.accent, l + w - weight, t, weight, h);
            }
            items.push(Item::Color(colours.ink));
            let (lines, size) = title_lines(ctx, &meta.title, measure, width * 0.11, true);
            let mut y = place(lines, x + margin, height * 0.22, items);
            if let Some(sub) = &meta.subtitle {
                let mut t = StyledText::default();
                t.push(sub, style(FontVariant::Italic, size * 0.45, false));
                let lines = balanced(ctx, &t, measure, size * 0.6, true);
                y = place(lines, x + margin, y + size * 0.35, items);
            }
            // The ornament: a rule broken by three small squares.
            let rule_w = Pt::inches(0.55);
            let dot = Pt(3.2);
            let mid = x + width * 0.5;
            let oy = y + size * 0.7;
            fill(
                items,
                colours.accent,
                mid - dot * 4.0 - rule_w,
                oy,
                rule_w,
                Pt(0.8),
            );
            fill(items, colours.accent, mid + dot * 4.0, oy, rule_w, Pt(0.8));
            for k in [-2.0, 0.0, 2.0] {
                fill(
                    items,
                    colours.accent,
                    mid + dot * (k - 0.5),
                    oy - dot * 0.5 + Pt(0.4),
                    dot,
                    dot,
                );
            }
            if !author.is_empty() {
                items.push(Item::Color(colours.ink));
                let mut t = StyledText::default();
                t.push(&author, style(FontVariant::Regular, size * 0.55, true));
                let lines = balanced(ctx, &t, measure, size * 0.75, true);
                place(lines, x + margin, height * 0.78, items);
            }
        }
        CoverStyle::Modern => {
            let left = x + margin + Pt::inches(0.3);
            let measure = measure - Pt::inches(0.3);
            items.push(Item::Color(colours.ink));
            let (lines, size) = title_lines(ctx, &meta.title, measure, width * 0.13, false);
            let top = height * 0.16;
            let mut y = place(lines, left, top, items);
            if let Some(sub) = &meta.subtitle {
                items.push(Item::Color(colours.accent));
                let mut t = StyledText::default();
                t.push(sub, style(FontVariant::Italic, size * 0.42, false));
                let lines = balanced(ctx, &t, measure, size * 0.56, false);
                y = place(lines, left, y + size * 0.3, items);
            }
            // The accent bar beside the title.
            fill(
                items,
                colours.accent,
                x + margin,
                top,
                Pt::inches(0.1),
                y - top,
            );
            // A motif drawn from rules: strata of the accent colour, shortening towards
            // the foot, set against the outer edge.
            let strata_top = y + (height - y) * 0.22;
            let strata_foot = height - margin - size * 1.6;
            let count = 9;
            let step = (strata_foot - strata_top) / count as f64;
            for k in 0..count {
                let share = 0.92 - 0.085 * k as f64;
                // Into the bleed, so that the cut never leaves a sliver of ground.
                let len = (width - margin) * share + Pt::inches(0.125);
                let weight = step * (0.18 + 0.04 * (k % 3) as f64);
                fill(
                    items,
                    colours.accent,
                    x + width + Pt::inches(0.125) - len,
                    strata_top + step * k as f64,
                    len,
                    weight,
                );
            }
            let foot = if author.is_empty() {
                settings.imprint.clone().or_else(|| meta.publisher.clone())
            } else {
                Some(author.clone())
            };
            if let Some(foot) = foot {
                items.push(Item::Color(colours.ink));
                let mut t = StyledText::default();
                t.push(&foot, style(FontVariant::Regular, size * 0.4, true));
                let lines = balanced(ctx, &t, measure, size * 0.56, false);
                let depth = size * 0.56 * lines.len() as f64;
                place(lines, left, height - margin - depth, items);
            }
        }
        CoverStyle::Band => {
            let (lines, size) = title_lines(ctx, &meta.title, measure, title_size, true);
            let sub_lines = meta.subtitle.as_ref().map(|sub| {
                let mut t = StyledText::default();
                t.push(sub, style(FontVariant::Italic, size * 0.45, false));
                balanced(ctx, &t, measure, size * 0.6, true)
            });
            let title_h: Pt = lines.iter().map(|l| l.height).fold(Pt::ZERO, |a, b| a + b);
            let sub_h: Pt = sub_lines
                .iter()
                .flatten()
                .map(|l| l.height)
                .fold(Pt::ZERO, |a, b| a + b);
            let pad = size * 0.8;
            let band_top = height * 0.28;
            let band_h = pad * 2.0
                + title_h
                + if sub_h > Pt::ZERO {
                    sub_h + size * 0.35
                } else {
                    Pt::ZERO
                };
            // The band runs into the bleed on the outer edge.
            fill(
                items,
                colours.accent,
                x,
                band_top,
                width + Pt::inches(0.125),
                band_h,
            );
            items.push(Item::Color(colours.ground));
            let y = place(lines, x + margin, band_top + pad, items);
            if let Some(sub) = sub_lines {
                place(sub, x + margin, y + size * 0.35, items);
            }
            if !author.is_empty() {
                items.push(Item::Color(colours.accent));
                let mut t = StyledText::default();
                t.push(&author, style(FontVariant::Regular, size * 0.55, true));
                let lines = balanced(ctx, &t, measure, size * 0.75, true);
                place(lines, x + margin, height * 0.76, items);
            }
        }
    }
}

/// The barcode box: 2 x 1.2 in, 0.25 in from the bottom and the spine edge of the back.
pub fn barcode_box(size: &CoverSize) -> Rect {
    let (w, h) = (Pt::inches(2.0), Pt::inches(1.2));
    Rect {
        origin: Point {
            x: size.panel_width - Pt::inches(0.25) - w,
            y: size.height - Pt::inches(0.25) - h,
        },
        width: w,
        height: h,
    }
}

/// The back: the back-cover text (or the description) ragged right and unhyphenated at a
/// reading size, the author's note under it, the imprint at the foot, the barcode box clear.
fn back(ctx: &mut Ctx<'_>, book: &Book, size: &CoverSize, items: &mut Vec<Item>) -> Vec<String> {
    let mut warnings = Vec::new();
    let meta = &book.metadata;
    let settings = &book.settings.cover;
    let colours = palette(settings);
    let margin = Pt::inches(TYPE_MARGIN_IN);
    let measure = size.panel_width - margin * 2.0;
    let barcode = barcode_box(size);
    let limit = barcode.origin.y - Pt::inches(0.25);
    let text = settings
        .back_text
        .clone()
        .or_else(|| meta.description.clone());
    if let Some(text) = text {
        // The largest reading size, from 12 pt down to 9 pt, at which it clears the box.
        let mut body_size = Pt(12.0);
        loop {
            let mut set: Vec<Item> = Vec::new();
            let leading = body_size * 1.35;
            let mut y = Pt::inches(0.75);
            for (k, paragraph) in text.split("\n\n").enumerate() {
                let words = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
                if words.is_empty() {
                    continue;
                }
                let mut t = StyledText::default();
                t.push(&words, style(FontVariant::Regular, body_size, false));
                let lines = ctx.set_ragged(&t, measure, Align::Left, leading, false);
                if k > 0 {
                    y += leading * 0.5;
                }
                y = place(lines, margin, y, &mut set);
            }
            if let Some(bio) = &settings.author_bio {
                let words = bio.split_whitespace().collect::<Vec<_>>().join(" ");
                let mut t = StyledText::default();
                t.push(&words, style(FontVariant::Italic, body_size * 0.9, false));
                let lines = ctx.set_ragged(&t, measure, Align::Left, leading * 0.9, false);
                y = place(lines, margin, y + leading, &mut set);
            }
            if y <= limit || body_size <= Pt(9.0) {
                if y > limit {
                    warnings.push(format!(
                        "the back-cover text runs into the barcode box even at 9 pt: only the lines above it are printed; shorten it ({} words)",
                        text.split_whitespace().count()
                    ));
                    // Only what stands above the box (and its margin) is printed.
                    set.retain(|item| match item {
                        Item::Text(run) => run.origin.y + run.size * 0.3 <= limit,
                        _ => true,
                    });
                }
                items.push(Item::Color(colours.ink));
                items.extend(set);
                break;
            }
            body_size -= Pt(0.5);
        }
    }
    let imprint = settings.imprint.clone().or_else(|| meta.publisher.clone());
    if let Some(imprint) = imprint {
        items.push(Item::Color(colours.ink));
        let mut t = StyledText::default();
        t.push(&imprint, style(FontVariant::Regular, Pt(10.0), true));
        let lines = ctx.set_ragged(&t, measure * 0.4, Align::Left, Pt(12.0), false);
        place(lines, margin, size.height - margin - Pt(12.0), items);
    }
    // Kept clear, and white, for the printer's barcode.
    fill(
        items,
        WHITE,
        barcode.origin.x,
        barcode.origin.y,
        barcode.width,
        barcode.height,
    );
    warnings
}

/// Typesets the cover wrap for an interior of `pages` pages.
pub fn typeset_cover(book: &Book, family: &FontFamily, pages: usize) -> Document {
    typeset_cover_with_warnings(book, family, pages).0
}

/// [`typeset_cover`], and what a printer would warn about (a book too short or too long to
/// bind, back text that does not fit).
pub fn typeset_cover_with_warnings(
    book: &Book,
    family: &FontFamily,
    pages: usize,
) -> (Document, Vec<String>) {
    let size = cover_size(book, pages);
    let mut ctx = cover_ctx(book, family, pages);
    let meta = &book.metadata;
    let colours = palette(&book.settings.cover);
    let panel = size.panel_width;
    let front_x = panel + size.spine;
    let mut items = Vec::new();
    let mut warnings = page_count_warnings(pages, &book.settings.print.paper);

    // The ground over the whole sheet, bleed included.
    fill(
        &mut items,
        colours.ground,
        -size.bleed,
        -size.bleed,
        size.width + size.bleed * 2.0,
        size.height + size.bleed * 2.0,
    );

    // Front: the book's art over the panel and its bleed, or a designed cover.
    if let Some((image, w, h, _)) = meta.cover.and_then(|id| ctx.image_ref(id)) {
        let target_w = panel + size.bleed;
        let target_h = size.height + size.bleed * 2.0;
        let scale = (target_w.0 / f64::from(w.max(1))).max(target_h.0 / f64::from(h.max(1)));
        let (iw, ih) = (Pt(f64::from(w) * scale), Pt(f64::from(h) * scale));
        items.push(Item::Image(PlacedImage {
            image,
            rect: Rect {
                origin: Point {
                    x: front_x + (target_w - iw) * 0.5,
                    y: -size.bleed + (target_h - ih) * 0.5,
                },
                width: iw,
                height: ih,
            },
        }));
    } else {
        front(&mut ctx, book, front_x, panel, size.height, &mut items);
    }

    // Spine: title and author reading top to bottom, the imprint at the foot, from 80
    // pages on (KDP), as large as the spine allows with 0.0625 in either side.
    if pages >= 80 {
        let room = size.spine - Pt::inches(0.125);
        let spine_size = (room / 0.75).min(Pt(16.0));
        if spine_size >= Pt(5.0) {
            items.push(Item::Color(colours.ink));
            let author = meta.author_line();
            let mut t = StyledText::default();
            t.push(&meta.title, style(FontVariant::Regular, spine_size, false));
            if !author.is_empty() {
                t.push(
                    "\u{a0}\u{a0}\u{a0}\u{a0}",
                    style(FontVariant::Regular, spine_size, false),
                );
                t.push(
                    &author,
                    style(FontVariant::Regular, spine_size * 0.85, true),
                );
            }
            let imprint = book
                .settings
                .cover
                .imprint
                .clone()
                .or_else(|| meta.publisher.clone());
            let length = size.height - Pt::inches(if imprint.is_some() { 2.0 } else { 1.0 });
            let baseline_x = panel + size.spine * 0.5 - spine_size * 0.33;
            spine_line(
                &mut ctx,
                &t,
                length,
                Pt::inches(0.5),
                baseline_x,
                &mut items,
            );
            if let Some(imprint) = imprint {
                let mut t = StyledText::default();
                let small = spine_size * 0.7;
                t.push(&imprint, style(FontVariant::Regular, small, true));
                let lines = ctx.set_ragged(&t, Pt::inches(1.2), Align::Left, small, false);
                if let Some(line) = lines.into_iter().next() {
                    let w = line_width(&line);
                    let x = panel + size.spine * 0.5 - small * 0.33;
                    rotate_onto_spine(line, x, size.height - Pt::inches(0.5) - w, &mut items);
                }
            }
        }
    }

    // Back.
    warnings.extend(back(&mut ctx, book, &size, &mut items));

    let document = one_page(&mut ctx, book, (size.width, size.height, size.bleed), items);
    (document, warnings)
}

/// A document of one page in colour: `(width, height, bleed)` and what it shows.
fn one_page(
    ctx: &mut Ctx<'_>,
    book: &Book,
    (width, height, bleed): (Pt, Pt, Pt),
    items: Vec<Item>,
) -> Document {
    let mut pages = vec![Page {
        items,
        number: PageNumber::default(),
        recto: true,
    }];
    Document {
        width,
        height,
        bleed,
        full_bleed: true,
        color_images: true,
        images: super::take_images(book, &mut pages),
        pages,
        fonts: ctx.document_fonts(),
        outline: Vec::new(),
        info: super::document_info(book),
    }
}

/// The front cover alone, at the trim size with no bleed: the picture the EPUB's cover
/// image is rendered from, drawn by the same code as the wrap's front.
pub fn typeset_front(book: &Book, family: &FontFamily) -> Document {
    let size = cover_size(book, 0);
    let mut ctx = cover_ctx(book, family, 0);
    let colours = palette(&book.settings.cover);
    let mut items = Vec::new();
    fill(
        &mut items,
        colours.ground,
        Pt::ZERO,
        Pt::ZERO,
        size.panel_width,
        size.height,
    );
    front(
        &mut ctx,
        book,
        Pt::ZERO,
        size.panel_width,
        size.height,
        &mut items,
    );
    // The band style runs into the bleed: on the front alone, keep it on the page.
    for item in &mut items {
        if let Item::Rule(rule) = item {
            let right = (rule.rect.origin.x + rule.rect.width).min(size.panel_width);
            rule.rect.width = right - rule.rect.origin.x;
        }
    }
    one_page(
        &mut ctx,
        book,
        (size.panel_width, size.height, Pt::ZERO),
        items,
    )
}

fn cover_ctx<'b>(book: &'b Book, family: &'b FontFamily, pages: usize) -> Ctx<'b> {
    let geometry = Geometry::new(&book.settings.print, pages);
    let typesetter = Typesetter::new(
        family.clone(),
        &book.metadata.language,
        HyphenationOptions::default(),
    );
    Ctx::new(book, None, family, typesetter, geometry)
}

/// What a printer says about a page count: KDP binds 24 to 828 pages on white paper, 24 to
/// 776 on cream.
pub fn page_count_warnings(pages: usize, paper: &str) -> Vec<String> {
    let most = if paper == "cream" { 776 } else { 828 };
    let mut out = Vec::new();
    if pages < 24 {
        out.push(format!(
            "the interior has {pages} pages: printers bind a paperback from 24 pages (KDP); the cover has no spine text"
        ));
    } else if pages > most {
        out.push(format!(
            "the interior has {pages} pages: a paperback on {paper} paper binds at most {most} pages (KDP)"
        ));
    } else if pages < 80 {
        out.push(format!(
            "the interior has {pages} pages: the spine is too narrow for text below 80 pages, so it has none"
        ));
    }
    out
}

/// One line of text turned onto the spine, centred along `length` from `top`.
fn spine_line(
    ctx: &mut Ctx<'_>,
    text: &StyledText,
    length: Pt,
    top: Pt,
    baseline_x: Pt,
    items: &mut Vec<Item>,
) {
    let lines = ctx.set_ragged(text, length * 4.0, Align::Left, Pt(12.0), false);
    if let Some(line) = lines.into_iter().next() {
        let width = line_width(&line);
        let start = top + (length - width.min(length)) * 0.5;
        rotate_onto_spine(line, baseline_x, start, items);
    }
}

/// Turns a line clockwise onto the spine: its baseline runs down at `x` from `start`.
fn rotate_onto_spine(line: LineBox, x: Pt, start: Pt, items: &mut Vec<Item>) {
    for item in line.items {
        if let Item::Text(mut run) = item {
            let along = run.origin.x;
            run.origin = Point {
                x,
                y: start + along,
            };
            run.rotated = true;
            items.push(Item::Text(run));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::font::test_family;

    fn book(title: &str, description: &str) -> Book {
        let mut book = Book::default();
        book.metadata.title = title.into();
        book.metadata.language = "en".into();
        book.metadata.description = Some(description.into());
        book.metadata.publisher = Some("Quire Press".into());
        book
    }

    fn text_boxes(items: &[Item]) -> Vec<(Pt, Pt, Pt, Pt, String)> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Text(r) if !r.rotated => {
                    let right = r
                        .glyphs
                        .last()
                        .map_or(r.origin.x, |g| r.origin.x + g.right());
                    Some((
                        r.origin.x,
                        right,
                        r.origin.y - r.size,
                        r.origin.y + r.size * 0.3,
                        r.text.clone(),
                    ))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_barcode_box_is_white_and_clear_of_type() {
        let family = test_family();
        let long = "A sentence of the back cover that goes on for a while. ".repeat(90);
        for style in [CoverStyle::Classic, CoverStyle::Modern, CoverStyle::Band] {
            let mut b = book("A Title", &long);
            b.settings.cover.style = style;
            let (doc, warnings) = typeset_cover_with_warnings(&b, &family, 300);
            let size = cover_size(&b, 300);
            let bx = barcode_box(&size);
            assert!((bx.width.0 - 144.0).abs() < 1e-9 && (bx.height.0 - 86.4).abs() < 1e-9);
            // 0.25 in from the bottom and from the spine edge of the back.
            assert!(
                (size.height - (bx.origin.y + bx.height) - Pt::inches(0.25))
                    .0
                    .abs()
                    < 1e-6
            );
            assert!(
                (size.panel_width - (bx.origin.x + bx.width) - Pt::inches(0.25))
                    .0
                    .abs()
                    < 1e-6
            );
            let items = &doc.pages[0].items;
            let white_box = items.windows(2).any(|w| {
                matches!(w[0], Item::Color(c) if c == WHITE)
                    && matches!(&w[1], Item::Rule(r) if r.rect == bx)
            });
            assert!(white_box, "{style:?}: the box is drawn white");
            for (l, r, t, b2, text) in text_boxes(items) {
                let clear = r <= bx.origin.x
                    || l >= bx.origin.x + bx.width
                    || b2 <= bx.origin.y
                    || t >= bx.origin.y + bx.height;
                assert!(clear, "{style:?}: `{text}` runs into the barcode box");
            }
            // 90 sentences do not fit even at 9 pt: said so.
            assert!(
                warnings.iter().any(|w| w.contains("barcode")),
                "{warnings:?}"
            );
            // Type stays 0.25 in inside the trim.
            for (l, r, t, b2, text) in text_boxes(items) {
                let inside = |v: Pt, lo: Pt, hi: Pt| {
                    v >= lo + Pt::inches(0.25) - Pt(0.5) && v <= hi - Pt::inches(0.25) + Pt(0.5)
                };
                let panel_of = if l >= size.panel_width + size.spine {
                    size.panel_width + size.spine
                } else {
                    Pt::ZERO
                };
                assert!(
                    inside(l, panel_of, panel_of + size.panel_width)
                        && inside(r, panel_of, panel_of + size.panel_width),
                    "{style:?}: `{text}` at {l:?}..{r:?}"
                );
                assert!(
                    inside(t, Pt::ZERO, size.height) && inside(b2, Pt::ZERO, size.height),
                    "{style:?}: `{text}`"
                );
            }
        }
    }

    #[test]
    fn titles_break_in_balanced_lines_without_a_lone_word() {
        let family = test_family();
        for title in [
            "Alice's Adventures in Wonderland",
            "The Creative Cortex: A Journey into Generative AI and Neuroscience",
            "Practical Systems Programming in Rust",
            "War and Peace",
        ] {
            let b = book(title, "x");
            let mut ctx = cover_ctx(&b, &family, 100);
            let (lines, size) = title_lines(&mut ctx, title, Pt::inches(4.3), Pt(43.0), true);
            assert!(size >= Pt(18.0));
            let words: Vec<usize> = lines
                .iter()
                .map(|l| line_text(l).split_whitespace().count())
                .collect();
            if lines.len() > 1 {
                assert!(words.iter().all(|&n| n >= 2), "{title}: {words:?}");
                let widths: Vec<f64> = lines.iter().map(|l| line_width(l).0).collect();
                let (lo, hi) = widths
                    .iter()
                    .fold((f64::MAX, 0.0f64), |(a, b), &w| (a.min(w), b.max(w)));
                assert!(lo / hi > 0.5, "{title}: {widths:?}");
            }
        }
    }

    /// A title of long German compounds is set smaller rather than broken between letters.
    #[test]
    fn a_long_word_of_a_title_is_never_broken() {
        let family = test_family();
        for title in [
            "Donaudampfschifffahrtsgesellschaftskapitänsmütze",
            "Die Donaudampfschifffahrtsgesellschaft und ihre Zeit",
        ] {
            let b = book(title, "x");
            let mut ctx = cover_ctx(&b, &family, 100);
            let (lines, _) = title_lines(&mut ctx, title, Pt::inches(4.3), Pt(43.0), true);
            let words: Vec<String> = lines
                .iter()
                .flat_map(|l| {
                    line_text(l)
                        .split_whitespace()
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect();
            let expected: Vec<&str> = title.split_whitespace().collect();
            assert_eq!(words, expected, "{title}");
        }
    }

    #[test]
    fn printers_page_limits_are_warned() {
        assert!(page_count_warnings(10, "white")[0].contains("from 24 pages"));
        assert!(page_count_warnings(60, "white")[0].contains("below 80 pages"));
        assert!(page_count_warnings(300, "white").is_empty());
        assert!(page_count_warnings(800, "white").is_empty());
        assert!(page_count_warnings(800, "cream")[0].contains("at most 776"));
        assert!(page_count_warnings(829, "white")[0].contains("at most 828"));
    }

    #[test]
    fn spine_follows_pages_and_paper() {
        assert!((spine_width(388, "white").0 - 388.0 * 0.002252 * 72.0).abs() < 1e-9);
        assert!((spine_width(200, "cream").0 - 36.0).abs() < 1e-9);
    }
}
