//! Bibliographic data of a book.

use crate::content::ImageId;

/// One creator of the book.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Author {
    /// The name as printed: "Jane Austen".
    pub name: String,
    /// The name as sorted: "Austen, Jane".
    pub file_as: String,
    /// MARC relator code: `aut` (author), `trl` (translator), `edt` (editor), `ill` ...
    pub role: String,
}

/// ISBNs of the editions, as written (digits and hyphens).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Isbn {
    /// The ebook edition's ISBN.
    pub ebook: Option<String>,
    /// The print edition's ISBN.
    pub print: Option<String>,
}

/// Everything a store, a library catalogue or a title page needs to know about the book.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// The title.
    pub title: String,
    /// The subtitle, if any.
    pub subtitle: Option<String>,
    /// Creators in order; may be empty (a warning, since stores require one).
    pub authors: Vec<Author>,
    /// BCP 47 language tag, validated (`en-US`).
    pub language: String,
    /// A unique identifier: as given in book.toml, else `urn:isbn:` of the ebook ISBN, else a
    /// UUID URN derived from the metadata.
    pub identifier: String,
    /// True when `identifier` is the derived UUID: it changes when the title, authors or
    /// language change, and readers then take a corrected file for a new book.
    pub identifier_derived: bool,
    /// ISBNs of the editions.
    pub isbn: Isbn,
    /// The publisher.
    pub publisher: Option<String>,
    /// Publication date of this edition, ISO 8601: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub date: Option<String>,
    /// When the work was first published, if before this edition (ISO 8601, like `date`).
    pub first_published: Option<String>,
    /// This edition's statement ("Second edition", "Revised edition"), if any.
    pub edition: Option<String>,
    /// Rights statement.
    pub rights: Option<String>,
    /// Store description and back-cover text, as paragraphs of plain text.
    pub description: Option<String>,
    /// Subjects or genres.
    pub subjects: Vec<String>,
    /// The cover image.
    pub cover: Option<ImageId>,
    /// The series the book belongs to, and its number in it.
    pub series: Option<Series>,
    /// The book's pages at the stores (`[book.stores]`): store key (`amazon`, `apple`,
    /// `kobo`, `google`, `bn`, `default`) and address, in the order written.
    pub stores: Vec<(String, String)>,
}

/// A series of books (`series = { name = "...", number = 2 }`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Series {
    /// The series' name.
    pub name: String,
    /// The book's number in it, as written ("2", "2.5").
    pub number: Option<String>,
}

impl Metadata {
    /// Metadata with a title and language and nothing else.
    pub fn new(title: impl Into<String>, language: impl Into<String>) -> Self {
        Metadata {
            title: title.into(),
            language: language.into(),
            ..Metadata::default()
        }
    }

    /// The credits of the contributors who are not authors, one line per role, in the
    /// book's language: "Translated by Lionel Giles", "Illustrated by John Tenniel", "Edited
    /// by ...".
    pub fn credits(&self) -> Vec<String> {
        let labels = crate::Labels::of(&self.language);
        let mut out = Vec::new();
        for (role, phrase) in [
            ("trl", labels.translated_by),
            ("ill", labels.illustrated_by),
            ("edt", labels.edited_by),
        ] {
            let names: Vec<&str> = self
                .authors
                .iter()
                .filter(|a| a.role == role)
                .map(|a| a.name.as_str())
                .collect();
            if !names.is_empty() {
                out.push(format!("{phrase} {}", join_names(&names, labels)));
            }
        }
        out
    }

    /// The address of the book's page at `store` (`amazon`, `kobo` ...), else its `default`
    /// page, else `None`.
    pub fn store_page(&self, store: &str) -> Option<&str> {
        let find = |key: &str| {
            self.stores
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, url)| url.as_str())
        };
        find(store).or_else(|| find("default"))
    }

    /// Title and subtitle joined as "Title: Subtitle".
    pub fn full_title(&self) -> String {
        match &self.subtitle {
            Some(sub) => format!("{}: {}", self.title, sub),
            None => self.title.clone(),
        }
    }

    /// Author names joined for display: "A", "A and B", "A, B and C".
    pub fn author_line(&self) -> String {
        let names: Vec<&str> = self
            .authors
            .iter()
            .filter(|a| a.role == "aut")
            .map(|a| a.name.as_str())
            .collect();
        join_names(&names, crate::Labels::of(&self.language))
    }
}

/// Names joined for display in the book's language: "A", "A and B", "A, B and C" ("A,
/// B et C" in French).
fn join_names(names: &[&str], labels: &crate::Labels) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{}{}{}", init.join(labels.comma), labels.and, last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, role: &str) -> Author {
        Author {
            name: name.into(),
            file_as: name.into(),
            role: role.into(),
        }
    }

    #[test]
    fn names_are_joined_in_the_books_language() {
        let mut meta = Metadata::new("Les Trois Mousquetaires", "fr");
        meta.authors = vec![
            person("Alexandre Dumas", "aut"),
            person("Auguste Maquet", "aut"),
            person("Louise Maude", "trl"),
            person("Aylmer Maude", "trl"),
        ];
        assert_eq!(meta.author_line(), "Alexandre Dumas et Auguste Maquet");
        assert_eq!(meta.credits(), ["Traduit par Louise Maude et Aylmer Maude"]);
        meta.language = "en-GB".into();
        meta.authors.push(person("Third Writer", "aut"));
        assert_eq!(
            meta.author_line(),
            "Alexandre Dumas, Auguste Maquet and Third Writer"
        );
    }
}
