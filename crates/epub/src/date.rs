//! The `dcterms:modified` timestamp, computed from numbers (no clock, no date library).

/// `YYYY-MM-DDThh:mm:ssZ` for seconds since the Unix epoch, when the year has four digits.
fn from_epoch(seconds: i64) -> Option<String> {
    let (y, m, d, hh, mm, ss) = quire_model::civil_from_unix(seconds);
    if !(1..=9999).contains(&y) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z"))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a `T...` time part is ignored) into numbers.
pub(crate) fn parse_date(date: &str) -> Option<(u32, u32, u32)> {
    let date = date.trim();
    let date = date.split('T').next().unwrap_or(date);
    let parts: Vec<&str> = date.split('-').collect();
    let num = |s: &str, len: usize| -> Option<u32> {
        if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (y, m, d) = match parts.as_slice() {
        [y] => (num(y, 4)?, 1, 1),
        [y, m] => (num(y, 4)?, num(m, 2)?, 1),
        [y, m, d] => (num(y, 4)?, num(m, 2)?, num(d, 2)?),
        _ => return None,
    };
    if y == 0 || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d))
}

/// True for `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with a real month and day.
pub(crate) fn is_w3c_date(date: &str) -> bool {
    !date.contains('T') && parse_date(date).is_some()
}

/// True for a well-formed `YYYY-MM-DDThh:mm:ssZ`.
pub(crate) fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    b.len() == 20
        && text.is_ascii()
        && parse_date(&text[..10]).is_some()
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'Z'
        && text[11..13] < *"24"
        && text[14..16] < *"60"
        && text[17..19] < *"60"
}

/// The `dcterms:modified` value: `SOURCE_DATE_EPOCH` seconds as `YYYY-MM-DDThh:mm:ssZ`; else
/// the book's date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) at midnight; else
/// `2000-01-01T00:00:00Z`. Pure: the caller reads the environment.
///
/// ```
/// use quire_epub::modified_timestamp;
/// assert_eq!(modified_timestamp(Some(1_700_000_000), None), "2023-11-14T22:13:20Z");
/// assert_eq!(modified_timestamp(None, Some("1813-01")), "1813-01-01T00:00:00Z");
/// assert_eq!(modified_timestamp(None, None), "2000-01-01T00:00:00Z");
/// ```
pub fn modified_timestamp(source_date_epoch: Option<i64>, book_date: Option<&str>) -> String {
    if let Some(s) = source_date_epoch.and_then(from_epoch) {
        return s;
    }
    if let Some((y, m, d)) = book_date.and_then(parse_date) {
        return format!("{y:04}-{m:02}-{d:02}T00:00:00Z");
    }
    "2000-01-01T00:00:00Z".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_conversion() {
        assert_eq!(modified_timestamp(Some(0), None), "1970-01-01T00:00:00Z");
        assert_eq!(
            modified_timestamp(Some(951_782_400), None),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            modified_timestamp(Some(1_767_225_599), None),
            "2025-12-31T23:59:59Z"
        );
        assert_eq!(modified_timestamp(Some(-1), None), "1969-12-31T23:59:59Z");
        // out of range: fall back
        assert_eq!(
            modified_timestamp(Some(i64::MAX), Some("1813-01-28")),
            "1813-01-28T00:00:00Z"
        );
        assert_eq!(
            modified_timestamp(Some(i64::MIN), None),
            "2000-01-01T00:00:00Z"
        );
    }

    #[test]
    fn book_dates() {
        assert_eq!(
            modified_timestamp(None, Some("1813")),
            "1813-01-01T00:00:00Z"
        );
        assert_eq!(
            modified_timestamp(None, Some("2001-02-29")),
            "2000-01-01T00:00:00Z"
        );
        assert_eq!(
            modified_timestamp(None, Some("2004-02-29")),
            "2004-02-29T00:00:00Z"
        );
        assert_eq!(
            modified_timestamp(None, Some("soon")),
            "2000-01-01T00:00:00Z"
        );
        assert!(is_w3c_date("1910"));
        assert!(!is_w3c_date("1910-13"));
        assert!(is_timestamp("2026-01-01T00:00:00Z"));
        assert!(!is_timestamp("2026-01-01T24:00:00Z"));
        assert!(!is_timestamp("2026-01-01 00:00:00Z"));
    }
}
