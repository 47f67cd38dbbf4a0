//! Store preflight: the file rules each store publishes (Amazon KDP, IngramSpark, Apple
//! Books, Kobo, Google Play Books, Barnes & Noble Press), checked against facts the build
//! read from its own outputs (page count, measured margins, image resolution, cover pixels,
//! file sizes). Every rule is one row of [`RULES`] with the page it comes from; a failure
//! is said in plain words with how to fix it.
//!
//! This crate knows nothing of PDF, EPUB or Markdown: the caller gathers [`Facts`], and
//! [`check`] returns [`Finding`]s.

mod rules;

pub use rules::{RULES, Rule, RuleId};

/// A store a book is prepared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// Amazon Kindle Direct Publishing: paperback and Kindle ebook.
    Kdp,
    /// IngramSpark: print (PDF/X-1a) and ebook.
    IngramSpark,
    /// Apple Books (ebook).
    Apple,
    /// Kobo Writing Life (ebook).
    Kobo,
    /// Google Play Books (ebook).
    Google,
    /// Barnes & Noble Press (ebook).
    BarnesNoble,
}

impl Target {
    /// Every target, in the order the command line lists them.
    pub const ALL: [Target; 6] = [
        Target::Kdp,
        Target::IngramSpark,
        Target::Apple,
        Target::Kobo,
        Target::Google,
        Target::BarnesNoble,
    ];

    /// The command-line name (`kdp`, `ingramspark`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Target::Kdp => "kdp",
            Target::IngramSpark => "ingramspark",
            Target::Apple => "apple",
            Target::Kobo => "kobo",
            Target::Google => "google",
            Target::BarnesNoble => "bn",
        }
    }

    /// The store's name as people say it.
    pub fn store(self) -> &'static str {
        match self {
            Target::Kdp => "Amazon KDP",
            Target::IngramSpark => "IngramSpark",
            Target::Apple => "Apple Books",
            Target::Kobo => "Kobo Writing Life",
            Target::Google => "Google Play Books",
            Target::BarnesNoble => "Barnes & Noble Press",
        }
    }

    /// The target named `name` (`kdp`, `ingramspark`, `apple`, `kobo`, `google`, `bn`).
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// True for stores that print the book (the interior and cover PDFs are checked).
    pub fn prints(self) -> bool {
        matches!(self, Target::Kdp | Target::IngramSpark)
    }
}

/// The paper a print book is made on, as the stores price and limit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// Black ink on white paper.
    White,
    /// Black ink on cream paper.
    Cream,
    /// A colour interior.
    Color,
}

/// The smallest distance from the trimmed edge to anything printed, over all pages, in
/// inches. `inside` is the binding side.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Margins {
    /// Binding side.
    pub inside: f64,
    /// Outside edge.
    pub outside: f64,
    /// Head.
    pub top: f64,
    /// Foot.
    pub bottom: f64,
}

/// What the build found in the print interior and cover.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrintFacts {
    /// Trim width and height, inches.
    pub trim: (f64, f64),
    /// Pages in the interior.
    pub pages: usize,
    /// The paper.
    pub paper: Option<Paper>,
    /// Bleed beyond the trim on the interior pages, inches (0 without bleed).
    pub interior_bleed: f64,
    /// Bleed of the cover wrap, inches.
    pub cover_bleed: f64,
    /// Measured margins of the interior (text, rules and pictures that stop at the trim;
    /// pictures meant to bleed are left out).
    pub margins: Margins,
    /// Page (1-based) where each smallest margin was measured: inside, outside, top, bottom.
    pub margin_pages: [usize; 4],
    /// True when every font of the interior and cover is embedded.
    pub fonts_embedded: bool,
    /// The lowest resolution of a picture at its printed size, with the picture's name.
    pub lowest_image_ppi: Option<(f64, String)>,
    /// Link or other annotations in the interior PDF.
    pub annotations: usize,
    /// True when the spine of the cover carries text.
    pub spine_text: bool,
    /// True when the interior or cover uses RGB colour (pictures, colours).
    pub uses_rgb: bool,
    /// The PDF/X version both PDFs claim and were built to (`PDF/X-1a:2001`), if any.
    pub pdfx: Option<String>,
    /// Size of the interior PDF, bytes.
    pub interior_bytes: u64,
    /// Size of the cover PDF, bytes.
    pub cover_bytes: u64,
}

/// What the build found in the EPUB.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EbookFacts {
    /// Pixel width and height of the cover image, if the EPUB has one.
    pub cover_px: Option<(u32, u32)>,
    /// Size of the EPUB, bytes.
    pub bytes: u64,
    /// The largest picture inside the EPUB, in pixels (width x height), with its name.
    pub largest_image_px: Option<(u64, String)>,
    /// EPUBCheck's verdict: `Some(messages)` when it ran (empty: clean), `None` when it is
    /// not installed.
    pub epubcheck: Option<Vec<String>>,
}

/// Everything [`check`] looks at.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    /// The print edition, when it was built.
    pub print: Option<PrintFacts>,
    /// The ebook, when it was built.
    pub ebook: Option<EbookFacts>,
    /// ISBNs of the book as written in book.toml: (which, value).
    pub isbns: Vec<(String, String)>,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The store rejects the file: the check fails.
    Error,
    /// The store advises against it, or the rule could not be checked.
    Warning,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule.
    pub rule: &'static Rule,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in plain words with the numbers.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

/// Checks the facts against every rule of `target`; an empty result means the files pass.
pub fn check(target: Target, facts: &Facts) -> Vec<Finding> {
    RULES
        .iter()
        .filter(|rule| rule.targets.contains(&target))
        .filter_map(|rule| rules::apply(rule, target, facts))
        .collect()
}

/// Is this a valid ISBN-13 (`978` or `979`), check digit included?
pub use quire_model::isbn13_valid;

#[cfg(test)]
mod tests;
