//! What the oracle reads back from an output, the same shape for the PDF and the EPUB.

/// A word of the output and where it is.
#[derive(Debug, Clone)]
pub(crate) struct OutWord {
    pub(crate) w: String,
    /// PDF: page index from 0; EPUB: spine index.
    pub(crate) page: usize,
    /// PDF: baseline y (points from the top); EPUB: 0.
    pub(crate) y: f64,
}

/// A picture placed in the output.
#[derive(Debug, Clone)]
pub(crate) struct OutImage {
    pub(crate) page: usize,
    /// PDF: x0, y0, x1, y1 in points from the top left.
    pub(crate) bbox: [f64; 4],
    /// Pixel size.
    pub(crate) w: u32,
    pub(crate) h: u32,
    /// A name for messages: PDF xref or EPUB path.
    pub(crate) name: String,
    /// EPUB: the image file's bytes' length and a hash, to tell same-size pictures apart.
    pub(crate) fingerprint: Option<u64>,
}

/// Per PDF page: what the page-depth checks need.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageInfo {
    /// Baselines of the lines of the text block (body and notes, furniture left out).
    pub(crate) baselines: Vec<f64>,
    /// Baselines of the body lines set at the body size (for the grid report).
    pub(crate) body_baselines: Vec<f64>,
    /// The lowest picture's bottom edge, if any.
    pub(crate) image_bottom: Option<f64>,
    /// True when the page has a note area (a separator rule with text below it).
    pub(crate) has_notes: bool,
    /// Furniture: the text above the text block (running head, folio).
    pub(crate) furniture: String,
    /// Violations of the trim box.
    pub(crate) outside_trim: Vec<String>,
    /// Text printed over other text or over a picture.
    pub(crate) overprints: Vec<String>,
    /// The page's trim box.
    pub(crate) trim: [f64; 4],
}

/// An output read back.
#[derive(Debug, Clone, Default)]
pub(crate) struct Output {
    /// "PDF" or "EPUB".
    pub(crate) kind: &'static str,
    /// The body text in reading order (no furniture, no notes, no note markers).
    pub(crate) body: Vec<OutWord>,
    /// The notes in reading order, each note its own list when the output tells where
    /// notes start; continuation of a note on a later page is joined to it.
    pub(crate) notes: Vec<Vec<OutWord>>,
    pub(crate) images: Vec<OutImage>,
    /// Picture captions, each on its own (they are compared with the manuscript's image
    /// titles, apart from the body so that a floating picture cuts no paragraph).
    pub(crate) captions: Vec<Vec<OutWord>>,
    /// PDF only.
    pub(crate) pages: Vec<PageInfo>,
    /// Names of the pages / documents, for messages.
    pub(crate) page_names: Vec<String>,
    /// PDF: the body leading and the grid (first baseline, last baseline) found.
    pub(crate) leading: f64,
    pub(crate) first_baseline: f64,
    pub(crate) last_baseline: f64,
    /// Pages (or documents) left out as generated (half title, title, copyright, contents).
    pub(crate) generated: Vec<usize>,
}

impl Output {
    /// The body words, then each caption after a separator that matches no word.
    pub(crate) fn text_stream(&self) -> Vec<OutWord> {
        let mut all = self.body.clone();
        for c in &self.captions {
            let page = c.first().map_or(0, |w| w.page);
            all.push(OutWord {
                w: "\u{0}".into(),
                page,
                y: 0.0,
            });
            all.extend(c.iter().cloned());
        }
        all
    }

    /// "p. 12" for the PDF (counted from 1), the document name for the EPUB.
    pub(crate) fn where_(&self, page: usize) -> String {
        self.page_names
            .get(page)
            .cloned()
            .unwrap_or_else(|| format!("#{page}"))
    }
}
