//! The print typesetter of Quire: the book model and a page style in, positioned lines and
//! (later) pages out, as plain data with no PDF in it.
//!
//! ```text
//! manuscript -> [markdown] -> Book (model) -> [epub] -> .epub
//!                                   |
//!                                   +-> [typeset] -> Document (pages) -> [pdf] -> .pdf
//! ```
//!
//! This part is the paragraph engine, one module per stage: [`font`] (faces from bytes),
//! [`shape`] (harfrust, cached per word), [`hyphenate`] (Liang patterns by language tag),
//! [`linebreak`] (Knuth-Plass with passes, looseness, expansion) and [`paragraph`] (the
//! glue between them). Pagination builds on [`paragraph::PreparedParagraph`], which can be
//! broken again with another looseness without shaping again.
//!
//! ```no_run
//! use quire_typeset::{FontFamily, HyphenationOptions, ParagraphOptions, Pt, RunStyle,
//!     TextRun, Typesetter};
//!
//! let read = |f: &str| std::fs::read(format!("fonts/{f}")).unwrap();
//! let family = FontFamily::from_bytes(
//!     read("EBGaramond12-Regular.otf"),
//!     Some(read("EBGaramond12-Italic.otf")),
//!     Some(read("EBGaramond-Bold.ttf")),
//!     None,
//! )
//! .unwrap();
//! let mut typesetter = Typesetter::new(family, "en-GB", HyphenationOptions::default());
//! let runs = [TextRun { text: "It is a truth universally acknowledged ...",
//!     style: RunStyle::regular(Pt(11.5)) }];
//! let options = ParagraphOptions::book(Pt::inches(4.0), Pt(11.5));
//! let layout = typesetter.typeset(&runs, &options, quire_model::Span::default());
//! for line in &layout.lines {
//!     println!("{} runs, ratio {:.2}", line.runs.len(), line.ratio);
//! }
//! ```

mod bidi;
pub mod font;
pub mod frame;
pub mod hyphenate;
pub mod layout;
pub mod linebreak;
pub mod paragraph;
pub mod shape;
pub mod units;

pub use font::{FaceMetrics, FontError, FontFace, FontFamily, FontVariant};
pub use hyphenate::{HyphenationOptions, Hyphenator};
pub use layout::cover::{
    CoverSize, barcode_box, cover_size, page_count_warnings, spine_width, typeset_cover,
    typeset_cover_with_warnings, typeset_front,
};
pub use layout::proof::{PROOF_MARGIN_IN, proof_document};
pub use layout::{
    LayoutReport, LayoutSession, PageAnchor, TypesetBook, free_at_exit, free_later, leave_to_exit,
    typeset_book, typeset_book_with_sources,
};
pub use linebreak::{BreakParams, Breaking, Item, Line, LineWidths, Pass, break_lines};
pub use paragraph::{
    GlyphRun, LaidLine, ParagraphLayout, ParagraphOptions, PositionedGlyph, PreparedParagraph,
    RunStyle, TextRun, Typesetter,
};
pub use shape::{ShapeFeatures, ShapeStyle, ShapedGlyph, ShapedText, Shaper};
pub use units::Pt;
