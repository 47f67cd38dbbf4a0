//! Unit tests of the whole writer on hand-built books.

use super::*;
