//! The cover wrap: back cover, spine and front cover on one sheet, with bleed on all sides.
//!
//! The spine's width follows the interior's page count and paper (KDP: 0.002252 in a page on
//! white paper, 0.0025 in on cream); spine text only from 80 pages on, as KDP requires. The
//! front shows the book's cover image when it has one, otherwise a typographic cover; the
//! back carries the description, with the lower right corner left free for the barcode.

use quire_model::{Book, Span};

use super::{Align, Ctx, Geometry, LineBox, StyledText};
use crate::font::{FontFamily, FontVariant};
use crate::frame::{Document, Item, Page, PageNumber, PlacedImage, Point, Rect, Rule};
use crate::hyphenate::HyphenationOptions;
use crate::paragraph::{ParagraphOptions, RunStyle, Typesetter};
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

fn style(variant: FontVariant, size: Pt, small_caps: bool) -> RunStyle {
    RunStyle {
        variant,
        small_caps,
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

/// Typesets the cover wrap for an interior of `pages` pages.
pub fn typeset_cover(book: &Book, family: &FontFamily, pages: usize) -> Document {
    let size = cover_size(book, pages);
    let geometry = Geometry::new(&book.settings.print, pages);
    let typesetter = Typesetter::new(
        family.clone(),
        &book.metadata.language,
        HyphenationOptions::default(),
    );
    let mut ctx = Ctx::new(book, None, family, typesetter, geometry);
    let meta = &book.metadata;
    let margin = Pt::inches(0.5);
    let panel = size.panel_width;
    let front_x = panel + size.spine;
    let measure = panel - margin * 2.0;
    let mut items = Vec::new();

    // Front.
    if let Some((image, w, h)) = meta.cover.and_then(|id| ctx.image_ref(id)) {
        // Cover the front panel and its bleed, cropping the longer side evenly.
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
        let body = ctx.geometry.size;
        let mut t = StyledText::default();
        t.push(&meta.title, style(FontVariant::Regular, body * 3.0, false));
        let title = ctx.set_ragged(&t, measure, Align::Center, body * 3.6, false);
        let mut y = place(title, front_x + margin, size.height * 0.22, &mut items);
        if let Some(sub) = &meta.subtitle {
            let mut t = StyledText::default();
            t.push(sub, style(FontVariant::Italic, body * 1.4, false));
            let lines = ctx.set_ragged(&t, measure, Align::Center, body * 1.8, false);
            y = place(lines, front_x + margin, y + body, &mut items);
        }
        items.push(Item::Rule(Rule {
            rect: Rect {
                origin: Point {
                    x: front_x + panel * 0.4,
                    y: y + body * 1.5,
                },
                width: panel * 0.2,
                height: Pt(0.6),
            },
        }));
        let author = meta.author_line();
        if !author.is_empty() {
            let mut t = StyledText::default();
            t.push(
                &author.to_lowercase(),
                style(FontVariant::Regular, body * 1.5, true),
            );
            let lines = ctx.set_ragged(&t, measure, Align::Center, body * 2.0, false);
            place(lines, front_x + margin, size.height * 0.78, &mut items);
        }
    }

    // Spine: title and author reading top to bottom, from 80 pages on.
    if pages >= 80 {
        let spine_size = (size.spine * 0.45).min(Pt(12.0)).max(Pt(6.0));
        let mut t = StyledText::default();
        let author = meta.author_line();
        let text = if author.is_empty() {
            meta.title.clone()
        } else {
            format!(
                "{}\u{a0}\u{a0}\u{a0}·\u{a0}\u{a0}\u{a0}{}",
                meta.title, author
            )
        };
        t.push(&text, style(FontVariant::Regular, spine_size, false));
        let length = size.height - Pt::inches(1.0);
        let lines = ctx.set_ragged(&t, length * 4.0, Align::Left, spine_size, false);
        if let Some(line) = lines.into_iter().next() {
            let width = line
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Text(r) => r.glyphs.last().map(|g| r.origin.x + g.x + g.advance),
                    _ => None,
                })
                .fold(Pt::ZERO, Pt::max);
            let start_y = (size.height - width.min(length)) * 0.5;
            // Turned clockwise: the baseline runs down the spine, the x-height to the left.
            let baseline_x = panel + size.spine * 0.5 - spine_size * 0.33;
            for item in line.items {
                if let Item::Text(mut run) = item {
                    let along = run.origin.x;
                    run.origin = Point {
                        x: baseline_x,
                        y: start_y + along,
                    };
                    run.rotated = true;
                    items.push(Item::Text(run));
                }
            }
        }
    }

    // Back: the description, clear of the barcode corner.
    if let Some(description) = &meta.description {
        let body = ctx.geometry.size;
        let leading = ctx.geometry.leading;
        let mut y = Pt::inches(1.0);
        for (k, paragraph) in description.split("\n\n").enumerate() {
            let mut t = StyledText::default();
            let text = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
            t.push(&text, style(FontVariant::Regular, body * 1.05, false));
            let mut options = ParagraphOptions::book(measure, body);
            options.indent = if k == 0 { Pt::ZERO } else { body };
            let layout = ctx.set(&t, &options, Span::default());
            let lines: Vec<LineBox> = layout
                .lines
                .iter()
                .map(|l| ctx.line_box(l, Pt::ZERO, leading * 1.05, &[], &[]))
                .collect();
            y = place(lines, margin, y, &mut items);
            if y > size.height - Pt::inches(2.0) {
                break;
            }
        }
    }

    let document_fonts = ctx.document_fonts();
    Document {
        width: size.width,
        height: size.height,
        bleed: size.bleed,
        full_bleed: true,
        color_images: true,
        pages: vec![Page {
            items,
            number: PageNumber::default(),
            recto: true,
        }],
        fonts: document_fonts,
        images: std::mem::take(&mut ctx.images),
        outline: Vec::new(),
        info: super::document_info(book),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spine_follows_pages_and_paper() {
        assert!((spine_width(388, "white").0 - 388.0 * 0.002252 * 72.0).abs() < 1e-9);
        assert!((spine_width(200, "cream").0 - 36.0).abs() < 1e-9);
    }
}
