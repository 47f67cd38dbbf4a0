//! The book model: the one vocabulary every stage of Quire speaks.
//!
//! ```text
//! Markdown + book.toml --> [markdown] --> Book (this crate) --> [epub]    --> .epub
//!                                                  |
//!                                                  +--> [typeset] --> pages --> [pdf]
//! ```
//!
//! Everything here is plain owned data with no I/O: the front end (`quire-markdown`) builds a
//! [`Book`] once, fully resolved (smart punctuation applied, footnotes linked, images loaded),
//! and the backends only read it. Every block and inline carries a [`Span`] that names the file,
//! line and column it came from, so later stages can report problems where the author can fix
//! them.
//!
//! ```
//! use quire_model::{Book, Metadata};
//! let book = Book::new(Metadata::new("A Title", "en"));
//! assert_eq!(book.metadata.title, "A Title");
//! assert!(book.chapters().next().is_none());
//! ```

mod content;
mod date;
mod diagnostic;
mod isbn;
mod isbn_ranges;
mod labels;
mod metadata;
mod refs;
mod settings;
mod span;
mod stores;

pub use content::{
    Alignment, Block, BlockKind, Chapter, ChapterKind, Division, Figure, Footnote, FootnoteId,
    ImageAsset, ImageFormat, ImageId, IndexEntry, IndexGroup, IndexLocator, Inline, InlineKind,
    List, ListItem, RefKind, Table, TableCell, TextStyle, VerseLine, collapse_spaces,
};
pub use date::civil_from_unix;
pub use diagnostic::{Diagnostic, Severity};
pub use isbn::{hyphenate_isbn, isbn_valid, isbn10_valid, isbn13_digits, isbn13_valid};
pub use labels::{Labels, is_right_to_left, opens_in_small_caps};
pub use metadata::{Author, Isbn, Metadata, Series};
pub use refs::AnchorIndex;
pub use settings::{
    ChapterOpening, CoverSettings, CoverStyle, EpubSettings, Length, PrintSettings, Rgb, Settings,
    TrimSize,
};
pub use span::{FileId, SourceFile, Sources, Span};
pub use stores::{STORE_LINK, is_store_link};

/// A whole book: metadata, the chapters of its three divisions, and the images they use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Book {
    /// Title, authors, identifiers and the rest of the bibliographic data.
    pub metadata: Metadata,
    /// Front matter (dedication, preface ...), in reading order.
    pub front: Vec<Chapter>,
    /// The body: the chapters proper, in reading order.
    pub body: Vec<Chapter>,
    /// Back matter (afterword, bibliography ...), in reading order.
    pub back: Vec<Chapter>,
    /// Every image the book uses (cover included), loaded and checked; referenced by [`ImageId`].
    pub images: Vec<ImageAsset>,
    /// The pipeline's own settings from `book.toml` (`[print]`, `[epub]`).
    pub settings: Settings,
}

impl Book {
    /// An empty book with the given metadata.
    pub fn new(metadata: Metadata) -> Self {
        Book {
            metadata,
            ..Book::default()
        }
    }

    /// All chapters in reading order: front matter, body, back matter.
    pub fn chapters(&self) -> impl Iterator<Item = &Chapter> {
        self.front.iter().chain(&self.body).chain(&self.back)
    }

    /// The image with this id.
    pub fn image(&self, id: ImageId) -> Option<&ImageAsset> {
        self.images.get(id.0)
    }

    /// The cover image, when the book has one.
    pub fn cover(&self) -> Option<&ImageAsset> {
        self.metadata.cover.and_then(|id| self.image(id))
    }

    /// A file-name-safe slug of the title, used to name outputs (`the-creative-cortex`):
    /// at most [`MAX_SLUG_BYTES`] bytes, cut after a whole word, so that a long title
    /// (Robinson Crusoe's 1719 one has 374 characters) still names a file the system takes.
    pub fn slug(&self) -> String {
        let slug = slugify(&self.metadata.title);
        if slug.len() <= MAX_SLUG_BYTES {
            return slug;
        }
        let mut end = MAX_SLUG_BYTES;
        while !slug.is_char_boundary(end) {
            end -= 1;
        }
        let cut = &slug[..end];
        // After the last whole word, unless that leaves less than half.
        match cut.rfind('-') {
            Some(dash) if dash >= MAX_SLUG_BYTES / 2 => cut[..dash].to_string(),
            _ => cut.to_string(),
        }
    }
}

/// The longest output name [`Book::slug`] gives, in bytes (file systems take 255, and the
/// outputs add `.cover.pdf` and a temporary suffix).
pub const MAX_SLUG_BYTES: usize = 96;

/// How many columns a tab in code stands for: the print edition sets code's tabs to this
/// many columns, and the ebook's style sheet asks readers for the same.
pub const CODE_TAB_COLUMNS: usize = 4;

/// Lowercase ASCII words joined by hyphens: `"Alice’s Adventures"` -> `"alices-adventures"`.
///
/// Letters outside ASCII are kept when alphanumeric (so a French or Chinese title still gives a
/// name); apostrophes vanish; everything else separates words. Never empty: `"book"` is the
/// fallback.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if matches!(c, '\'' | '’' | '‘' | 'ʼ') {
            continue;
        }
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            // (`İ` lowers to `i` and a combining dot: the dot is no letter of a name.)
            slug.extend(c.to_lowercase().filter(|l| l.is_alphanumeric()));
        } else {
            pending_dash = true;
        }
    }
    if slug.is_empty() {
        slug.push_str("book");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slugify("The Creative Cortex"), "the-creative-cortex");
        assert_eq!(
            slugify("Alice’s Adventures in Wonderland"),
            "alices-adventures-in-wonderland"
        );
        assert_eq!(slugify("  --  "), "book");
        assert_eq!(slugify("İstanbul’da Bir Kış"), "istanbulda-bir-kış");
        assert_eq!(slugify("L'Étranger: roman"), "létranger-roman");
    }

    #[test]
    fn a_long_title_gives_a_short_enough_file_name() {
        let crusoe = "The Life and Strange Surprizing Adventures of Robinson Crusoe, of York, \
                      Mariner: Who lived Eight and Twenty Years, all alone in an un-inhabited \
                      Island on the Coast of America, near the Mouth of the Great River of \
                      Oroonoque; Having been cast on Shore by Shipwreck, wherein all the Men \
                      perished but himself. With An Account how he was at last as strangely \
                      deliver'd by Pyrates";
        for title in [crusoe.to_string(), "Война ".repeat(60), "x".repeat(300)] {
            let book = Book::new(Metadata::new(title.as_str(), "en"));
            let slug = book.slug();
            assert!(slug.len() <= MAX_SLUG_BYTES && !slug.is_empty(), "{slug}");
            assert!(slugify(&title).starts_with(&slug) && !slug.ends_with('-'));
        }
        // Cut after a whole word.
        let slug = Book::new(Metadata::new(crusoe, "en")).slug();
        assert_eq!(
            slugify(crusoe).as_bytes().get(slug.len()),
            Some(&b'-'),
            "{slug}"
        );
    }
}
