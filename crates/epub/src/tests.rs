//! Unit tests of the whole writer on hand-built books.

use super::*;

#[test]
fn isbn_check_digits() {
    assert!(is_isbn("9780306406157"));
    assert!(!is_isbn("9780306406158"));
    assert!(is_isbn("080442957X"));
    assert!(!is_isbn("0804429579"));
    assert!(!is_isbn("97803064061"));
}
