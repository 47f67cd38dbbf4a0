//! ISBNs: check digits, the 13-digit form, and hyphenation by the registration ranges.

use crate::isbn_ranges::RANGES;

/// The digits of an ISBN written with hyphens or spaces (`X` kept as the ISBN-10 check).
fn compact(isbn: &str) -> String {
    isbn.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Is this a valid ISBN-13 (`978` or `979`, hyphens and spaces allowed), check digit included?
pub fn isbn13_valid(isbn: &str) -> bool {
    let chars = compact(isbn);
    let Some(digits) = chars
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()
    else {
        return false;
    };
    if digits.len() != 13 || !(chars.starts_with("978") || chars.starts_with("979")) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    sum.is_multiple_of(10)
}

/// Is this a valid ISBN-10 (hyphens and spaces allowed, `X` as the check), check digit included?
pub fn isbn10_valid(isbn: &str) -> bool {
    let chars: Vec<char> = compact(isbn).chars().collect();
    if chars.len() != 10 {
        return false;
    }
    let mut sum = 0;
    for (i, c) in chars.iter().enumerate() {
        let v = match (i, c) {
            (9, 'X') => 10,
            _ => match c.to_digit(10) {
                Some(d) => d,
                None => return false,
            },
        };
        sum += v * (10 - i as u32);
    }
    sum.is_multiple_of(11)
}

/// Is this a valid ISBN-10 or ISBN-13?
pub fn isbn_valid(isbn: &str) -> bool {
    isbn13_valid(isbn) || isbn10_valid(isbn)
}

/// The ISBN as 13 digits without hyphens (`9780306406157`), for `urn:isbn:` identifiers and
/// barcodes; an ISBN-10 is converted. `None` when the ISBN is not valid.
pub fn isbn13_digits(isbn: &str) -> Option<String> {
    let chars = compact(isbn);
    if isbn13_valid(&chars) {
        return Some(chars);
    }
    if !isbn10_valid(&chars) {
        return None;
    }
    let body = format!("978{}", &chars[..9]);
    let sum: u32 = body
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d } else { d * 3 })
        .sum();
    Some(format!("{body}{}", (10 - sum % 10) % 10))
}

/// The ISBN-13 hyphenated by the International ISBN Agency's ranges: prefix, registration
/// group, registrant, publication and check digit (`978-0-306-40615-7`), as a copyright page
/// prints it. `None` when the ISBN is invalid or falls in a range not yet assigned (print it
/// as written then).
pub fn hyphenate_isbn(isbn: &str) -> Option<String> {
    let digits = isbn13_digits(isbn)?;
    let (prefix, rest) = digits.split_at(3);
    for group_len in 1..=5 {
        let group = &rest[..group_len];
        let key = format!("{prefix}-{group}");
        let Ok(found) = RANGES.binary_search_by(|(k, _)| k.cmp(&key.as_str())) else {
            continue;
        };
        let after = &rest[group_len..];
        let seven: u32 = format!("{:0<7}", &after[..after.len().min(7)])
            .parse()
            .ok()?;
        let length = RANGES[found]
            .1
            .iter()
            .find(|(from, to, _)| (*from..=*to).contains(&seven))
            .map(|(_, _, length)| usize::from(*length))?;
        // The publication element takes what is left before the check digit.
        if length == 0 || length >= after.len() - 1 {
            return None;
        }
        let (registrant, tail) = after.split_at(length);
        let (publication, check) = tail.split_at(tail.len() - 1);
        return Some(format!(
            "{prefix}-{group}-{registrant}-{publication}-{check}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert!(isbn13_valid("978-0-306-40615-7"));
        assert!(isbn13_valid("9780306406157"));
        assert!(!isbn13_valid("978-0-306-40615-8"));
        assert!(!isbn13_valid("977-0-306-40615-7"), "not a Bookland prefix");
        assert!(isbn10_valid("0-306-40615-2"));
        assert!(isbn10_valid("0-8044-2957-X"));
        assert!(!isbn10_valid("0-306-40615-3"));
        assert!(!isbn_valid("12345"));
        assert!(
            RANGES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for the search"
        );
    }

    #[test]
    fn ten_to_thirteen() {
        assert_eq!(
            isbn13_digits("0-306-40615-2").as_deref(),
            Some("9780306406157")
        );
        assert_eq!(
            isbn13_digits("978 0 306 40615 7").as_deref(),
            Some("9780306406157")
        );
        assert_eq!(isbn13_digits("978-0-306-40615-8"), None);
    }

    #[test]
    fn hyphenated_by_the_agency_ranges() {
        // Printed on the books' own copyright pages.
        for (plain, printed) in [
            ("9780306406157", "978-0-306-40615-7"),
            ("9780141439518", "978-0-14-143951-8"), // Penguin Classics, P&P
            ("9781503290563", "978-1-5032-9056-3"), // CreateSpace
            ("9782070360024", "978-2-07-036002-4"), // Gallimard
            ("9783161484100", "978-3-16-148410-0"), // Mohr Siebeck
            ("9784101010014", "978-4-10-101001-4"), // Shinchosha
            ("9780804429573", "978-0-8044-2957-3"),
            ("0-8044-2957-X", "978-0-8044-2957-3"),
        ] {
            assert_eq!(hyphenate_isbn(plain).as_deref(), Some(printed), "{plain}");
        }
        assert_eq!(hyphenate_isbn("978-0-306-40615-8"), None, "bad check digit");
    }
}
