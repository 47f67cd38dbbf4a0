//! The Markdown front end: reads a book folder (`book.toml` + Markdown chapters, the manuscript
//! format) into the [`quire_model::Book`] every backend reads.
//!
//! ```text
//! book.toml + *.md --> [markdown: this crate] --> Book --> [epub] / [typeset] --> outputs
//! ```
//!
//! Reading never stops at the first problem: [`load_book`] returns every diagnostic it found
//! (with file, line and column), and a book only when there were no errors. Files outside the
//! book folder are never read, whatever the manuscript says.
//!
//! ```no_run
//! let loaded = quire_markdown::load_book(std::path::Path::new("manuscript"));
//! for d in &loaded.diagnostics {
//!     eprintln!("{}", d.message);
//! }
//! if let Some(book) = loaded.book {
//!     println!("{} chapters", book.chapters().count());
//! }
//! ```

mod book;
mod config;
mod html;
mod include;
mod index;
mod lines;
mod links;
mod metadata;
mod parse;
mod paths;

pub use book::{Loaded, MAX_FILE_BYTES, load_book, parse_chapter_text, read_book_file};
pub use config::read_cover_settings;
