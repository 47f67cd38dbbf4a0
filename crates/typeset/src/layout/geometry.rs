//! Page geometry: trim, text block, mirrored margins with a gutter that grows with the page
//! count (print-on-demand rules), and the baseline grid.

use quire_model::PrintSettings;

use crate::units::Pt;

/// KDP's minimum inside margin (gutter) for a page count, in inches.
pub fn gutter_for_pages(pages: usize) -> f64 {
    match pages {
        0..=150 => 0.375,
        151..=300 => 0.5,
        301..=500 => 0.625,
        501..=700 => 0.75,
        _ => 0.875,
    }
}

/// Where things go on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// Trimmed page width.
    pub width: Pt,
    /// Trimmed page height.
    pub height: Pt,
    /// Text block width (the measure).
    pub text_width: Pt,
    /// Text block height.
    pub text_height: Pt,
    /// Margin on the binding side.
    pub inner: Pt,
    /// Margin on the outside edge.
    pub outer: Pt,
    /// Top margin.
    pub top: Pt,
    /// Body type size.
    pub size: Pt,
    /// Baseline to baseline.
    pub leading: Pt,
    /// Full lines of body text on a page.
    pub lines_per_page: usize,
    /// Bleed (0 for none).
    pub bleed: Pt,
    /// The gutter used, in inches (from the page count).
    pub gutter_in: f64,
}

impl Geometry {
    /// The geometry for the settings, with the gutter for `pages` pages.
    pub fn new(settings: &PrintSettings, pages: usize) -> Geometry {
        let width = Pt(settings.trim.width.pt());
        let height = Pt(settings.trim.height.pt());
        let size = Pt(settings.font_size.pt());
        let leading = Pt(settings.leading.pt().max(settings.font_size.pt()));
        let gutter_in = gutter_for_pages(pages);
        let gutter = Pt::inches(gutter_in);
        let min_outer = Pt::inches(if settings.bleed { 0.375 } else { 0.25 });
        let (text_width, inner, outer) = match settings.text_width {
            Some(w) => {
                let w = Pt(w.pt()).min(width - gutter - min_outer);
                let spare = width - w;
                // Centred when the gutter allows it, otherwise the gutter wins.
                let inner = (spare * 0.5).max(gutter);
                (w, inner, spare - inner)
            }
            None => {
                let outer = Pt::inches(0.625).max(min_outer);
                let inner = gutter + Pt::inches(0.25);
                (width - inner - outer, inner, outer)
            }
        };
        let (text_height, top) = match settings.text_height {
            Some(h) => {
                let h = Pt(h.pt()).min(height - Pt::inches(1.0));
                (h, (height - h) * 0.5)
            }
            None => {
                let top = Pt::inches(0.8);
                (height - top - Pt::inches(0.85), top)
            }
        };
        let lines = ((text_height - size).0 / leading.0).floor().max(0.0) as usize + 1;
        Geometry {
            width,
            height,
            text_width,
            text_height,
            inner,
            outer,
            top,
            size,
            leading,
            lines_per_page: lines.max(4),
            bleed: if settings.bleed {
                Pt::inches(0.125)
            } else {
                Pt::ZERO
            },
            gutter_in,
        }
    }

    /// The left edge of the text block on a page.
    pub fn block_left(&self, recto: bool) -> Pt {
        if recto { self.inner } else { self.outer }
    }

    /// The baseline of the first line of text.
    pub fn first_baseline(&self) -> Pt {
        self.top + self.size
    }

    /// The height available to body lines: from the first to the last baseline, plus one
    /// leading (so that `lines_per_page` lines of `leading` fill it exactly).
    pub fn body_capacity(&self) -> Pt {
        self.leading * self.lines_per_page as f64
    }

    /// The baseline of the last full line.
    pub fn last_baseline(&self) -> Pt {
        self.first_baseline() + self.leading * (self.lines_per_page.saturating_sub(1)) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quire_model::{Length, PrintSettings};

    #[test]
    fn the_anchor_settings_give_34_lines_centred() {
        let settings = PrintSettings {
            text_width: Some(Length::inches(4.0)),
            text_height: Some(Length::inches(6.9)),
            ..PrintSettings::default()
        };
        let g = Geometry::new(&settings, 390);
        assert_eq!(g.lines_per_page, 34);
        assert!((g.inner.0 - 54.0).abs() < 1e-9, "{}", g.inner);
        assert!((g.outer.0 - 54.0).abs() < 1e-9);
        // A long book needs a wider gutter than the centred margin gives.
        let g = Geometry::new(&settings, 800);
        assert!((g.inner.0 - 63.0).abs() < 1e-9);
        assert!((g.text_width.0 - 288.0).abs() < 1e-9);
    }

    #[test]
    fn gutter_grows_with_pages() {
        assert_eq!(gutter_for_pages(100), 0.375);
        assert_eq!(gutter_for_pages(151), 0.5);
        assert_eq!(gutter_for_pages(450), 0.625);
        assert_eq!(gutter_for_pages(650), 0.75);
        assert_eq!(gutter_for_pages(900), 0.875);
    }
}
