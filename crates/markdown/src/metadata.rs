//! Checks of the `[book]` values: language tags, dates, ISBNs, and the derived identifier.

/// Is this a well-formed BCP 47 language tag?
pub(crate) fn valid_language(tag: &str) -> bool {
    // Syntax by RFC 5646; the primary language must be an ISO 639 code (2 or 3 letters): the
    // 5-8 letter form is reserved for registrations that do not exist, and catches "English".
    oxilangtag::LanguageTag::parse(tag).is_ok_and(|t| (2..=3).contains(&t.primary_language().len()))
}

/// Is this `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with a real month and day?
pub(crate) fn valid_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    let num = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match parts.as_slice() {
        [y] => num(y, 4).is_some(),
        [y, m] => num(y, 4).is_some() && num(m, 2).is_some_and(|m| (1..=12).contains(&m)),
        [y, m, d] => {
            let (Some(y), Some(m), Some(d)) = (num(y, 4), num(m, 2), num(d, 2)) else {
                return false;
            };
            let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
            let days = match m {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if leap => 29,
                2 => 28,
                _ => return false,
            };
            (1..=days).contains(&d)
        }
        _ => false,
    }
}

/// A stable `urn:uuid:` for a book without an identifier: a UUID v5 of its title, authors and
/// language, so rebuilding gives the same identifier and different books different ones.
pub(crate) fn derived_identifier(title: &str, authors: &[String], language: &str) -> String {
    let name = format!(
        "quire-book\u{1f}{title}\u{1f}{}\u{1f}{language}",
        authors.join("\u{1e}")
    );
    let uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes());
    format!("urn:uuid:{uuid}")
}

/// "Jane Austen" -> "Austen, Jane"; a single word stays as is.
pub(crate) fn file_as(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [first @ .., last] => format!("{}, {}", last, first.join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for ok in [
            "en",
            "en-US",
            "en-GB",
            "fr",
            "de-1996",
            "zh-Hant-TW",
            "es-419",
        ] {
            assert!(valid_language(ok), "{ok}");
        }
        for bad in ["", "english", "English", "en_US", "e", "en--US", "123"] {
            assert!(!valid_language(bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        for ok in ["1813", "1813-01", "1813-01-28", "2024-02-29"] {
            assert!(valid_date(ok), "{ok}");
        }
        for bad in [
            "",
            "13",
            "1813-13",
            "1813-02-30",
            "2023-02-29",
            "January 1813",
            "1813-1-2",
        ] {
            assert!(!valid_date(bad), "{bad}");
        }
    }

    #[test]
    fn identifiers_are_stable_and_distinct() {
        let a = derived_identifier("T", &["A".into()], "en");
        assert_eq!(a, derived_identifier("T", &["A".into()], "en"));
        assert_ne!(a, derived_identifier("T2", &["A".into()], "en"));
        assert!(a.starts_with("urn:uuid:"));
    }

    #[test]
    fn sort_names() {
        assert_eq!(file_as("Jane Austen"), "Austen, Jane");
        assert_eq!(file_as("Sun Tzu"), "Tzu, Sun");
        assert_eq!(file_as("Plato"), "Plato");
    }
}
