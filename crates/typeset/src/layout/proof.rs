//! Proofs: the interior's pages as a printer's proof shows them, each on a larger sheet with
//! crop marks at the trim, the bleed outlined, and a slug line outside the trim naming the
//! book, the build and the page.

use quire_model::{Book, Rgb};

use super::{Align, Ctx, Geometry, StyledText};
use crate::font::{FontFamily, FontVariant};
use crate::frame::{Document, Item, Point, Rect, Rule};
use crate::hyphenate::HyphenationOptions;
use crate::paragraph::{RunStyle, Typesetter};
use crate::units::Pt;

/// The margin of the proof sheet around the trimmed page.
pub const PROOF_MARGIN_IN: f64 = 0.75;
/// The bleed outlined around the trim.
const BLEED_IN: f64 = 0.125;

fn rule(x: Pt, y: Pt, width: Pt, height: Pt) -> Item {
    Item::Rule(Rule {
        rect: Rect {
            origin: Point { x, y },
            width,
            height,
        },
    })
}

/// The interior `document` as a proof: every page on a sheet `PROOF_MARGIN_IN` larger on
/// every side (its trim box stays the page's trim), with crop marks, the bleed outlined in
/// grey and a slug line: the title, `built` (a date), "page n of N" and the folio.
pub fn proof_document(
    document: &Document,
    book: &Book,
    family: &FontFamily,
    built: &str,
) -> Document {
    let typesetter = Typesetter::new(
        family.clone(),
        &book.metadata.language,
        HyphenationOptions::default(),
    );
    let geometry = Geometry::new(&book.settings.print, document.pages.len());
    let mut ctx = Ctx::new(book, None, family, typesetter, geometry);
    let (w, h) = (document.width, document.height);
    let bleed = Pt::inches(BLEED_IN);
    let hair = Pt(0.25);
    let total = document.pages.len();
    let mut proof = document.clone();
    proof.bleed = Pt::inches(PROOF_MARGIN_IN);
    proof.full_bleed = true;
    for (index, page) in proof.pages.iter_mut().enumerate() {
        let mut marks = vec![Item::Color(Rgb(0, 0, 0))];
        // Crop marks: the trim lines carried outside the bleed, a gap from it.
        let gap = bleed + Pt::inches(0.0625);
        let length = Pt::inches(0.3);
        for x in [Pt::ZERO, w] {
            marks.push(rule(x - hair * 0.5, -gap - length, hair, length));
            marks.push(rule(x - hair * 0.5, h + gap, hair, length));
        }
        for y in [Pt::ZERO, h] {
            marks.push(rule(-gap - length, y - hair * 0.5, length, hair));
            marks.push(rule(w + gap, y - hair * 0.5, length, hair));
        }
        // The bleed, outlined in grey.
        marks.push(Item::Color(Rgb(150, 150, 150)));
        let (bx, by, bw, bh) = (-bleed, -bleed, w + bleed * 2.0, h + bleed * 2.0);
        marks.push(rule(bx, by, bw, hair));
        marks.push(rule(bx, by + bh - hair, bw, hair));
        marks.push(rule(bx, by, hair, bh));
        marks.push(rule(bx + bw - hair, by, hair, bh));
        // The slug line, under the bottom marks.
        marks.push(Item::Color(Rgb(0, 0, 0)));
        let slug = format!(
            "{}  \u{b7}  proof of {built}  \u{b7}  page {} of {total}  \u{b7}  folio {}",
            book.metadata.title,
            index + 1,
            page.number.text()
        );
        let mut text = StyledText::default();
        text.push(
            &slug,
            RunStyle {
                variant: FontVariant::Regular,
                small_caps: false,
                all_small_caps: false,
                size: Pt(7.0),
                hyphenate: false,
            },
        );
        let lines = ctx.set_ragged(&text, w + Pt::inches(1.0), Align::Left, Pt(9.0), false);
        if let Some(line) = lines.into_iter().next() {
            for item in line.items {
                marks.push(item.translated(-Pt::inches(0.5), h + gap + length + Pt(2.0)));
            }
        }
        // The marks under the page's own items (its pictures may bleed over the outline).
        marks.append(&mut page.items);
        page.items = marks;
    }
    proof
}
