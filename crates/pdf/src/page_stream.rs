//! A page's content stream, with its text written by hand.
//!
//! pdf-writer's [`Content`] writes a string of two-byte glyph ids as a literal string with
//! octal escapes (`\000\023`: eight bytes a glyph) or as hex (four bytes a glyph); text is
//! almost all of a book's page streams, and compressing them was half the PDF's time. Here
//! glyph ids go out as raw bytes in a literal string (two bytes a glyph, escaping only
//! `(`, `)`, `\` and a carriage return), and numbers as pdf-writer writes them. Whatever is
//! not text (colours, rules, pictures, marked content) is still written by a [`Content`].

use pdf_writer::Content;

/// The bytes of one page's content stream, operation after operation, each ending in a
/// newline.
#[derive(Debug, Default)]
pub(crate) struct PageStream {
    bytes: Vec<u8>,
}

impl PageStream {
    /// An empty stream with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> PageStream {
        PageStream {
            bytes: Vec::with_capacity(capacity),
        }
    }

    /// Appends what `write` writes with pdf-writer (the operations that are not text).
    pub(crate) fn content(&mut self, write: impl FnOnce(&mut Content)) {
        let mut content = Content::with_capacity(128);
        write(&mut content);
        let buf = content.finish();
        if !buf.as_slice().is_empty() {
            self.bytes.extend_from_slice(buf.as_slice());
            self.bytes.push(b'\n');
        }
    }

    /// Appends `operator` and a newline: the end of an operation.
    pub(crate) fn op(&mut self, operator: &str) {
        self.bytes.extend_from_slice(operator.as_bytes());
        self.bytes.push(b'\n');
    }

    /// Appends a number and a space, as pdf-writer writes it: an integer without a point,
    /// else the shortest decimal that reads back as the same `f32`.
    pub(crate) fn number(&mut self, value: f32) {
        if value as i32 as f32 == value {
            self.bytes
                .extend_from_slice(itoa::Buffer::new().format(value as i32).as_bytes());
        } else if let Some(tenths) = whole_tenths(value) {
            // A TJ adjustment, rounded to a tenth: its shortest decimal has one digit after
            // the point (fewer would be an integer, and below 100,000 no other tenth reads
            // back as the same `f32`).
            if tenths < 0 {
                self.bytes.push(b'-');
            }
            let magnitude = tenths.unsigned_abs();
            self.bytes
                .extend_from_slice(itoa::Buffer::new().format(magnitude / 10).as_bytes());
            self.bytes.push(b'.');
            self.bytes.push(b'0' + (magnitude % 10) as u8);
        } else if value == 0.0 || (value.abs() > 1e-6 && value.abs() < 1e12) {
            self.bytes
                .extend_from_slice(ryu::Buffer::new().format(value).as_bytes());
        } else {
            use std::io::Write;
            let _ = write!(self.bytes, "{value}");
        }
        self.bytes.push(b' ');
    }

    /// Appends a name (`/F0`) and a space.
    pub(crate) fn name(&mut self, name: &str) {
        self.bytes.push(b'/');
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(b' ');
    }

    /// Starts the array of a `TJ`.
    pub(crate) fn open_array(&mut self) {
        self.bytes.push(b'[');
    }

    /// Ends the array of a `TJ` and writes the operator.
    pub(crate) fn close_array(&mut self, operator: &str) {
        if self.bytes.last() == Some(&b' ') {
            self.bytes.pop();
        }
        self.bytes.extend_from_slice(b"] ");
        self.op(operator);
    }

    /// Appends `bytes` as a literal string and a space: raw, but for the three delimiters
    /// escaped and a carriage return written `\r` (a reader would turn a raw one into a
    /// line feed).
    pub(crate) fn string(&mut self, bytes: &[u8]) {
        self.bytes.reserve(bytes.len() + 3);
        self.bytes.push(b'(');
        for &byte in bytes {
            match byte {
                b'(' | b')' | b'\\' => self.bytes.extend_from_slice(&[b'\\', byte]),
                b'\r' => self.bytes.extend_from_slice(b"\\r"),
                _ => self.bytes.push(byte),
            }
        }
        self.bytes.extend_from_slice(b") ");
    }

    /// The stream's bytes (without the last newline, as pdf-writer ends a stream).
    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.bytes.last() == Some(&b'\n') {
            self.bytes.pop();
        }
        self.bytes
    }
}

/// `value` as a whole number of tenths, when it is exactly the `f32` nearest to that many
/// tenths and under 100,000.
fn whole_tenths(value: f32) -> Option<i32> {
    let tenths = (value * 10.0).round();
    (tenths.abs() < 1e6 && tenths / 10.0 == value).then_some(tenths as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdf_writer::{Name, Str};

    /// The same operations written by pdf-writer and by hand give the same bytes, but for
    /// the strings.
    #[test]
    fn numbers_names_and_operators_are_written_as_pdf_writer_writes_them() {
        let mut ours = PageStream::default();
        let mut theirs = Content::new();
        theirs.begin_text();
        ours.op("BT");
        for size in [9.775f32, 11.0, 0.5, 1e-7, -3.25, 1e13, 0.0] {
            theirs.set_font(Name(b"F0"), size);
            ours.name("F0");
            ours.number(size);
            ours.op("Tf");
        }
        theirs.set_text_matrix([1.0, 0.0, 0.0, 1.0, 145.38884, 571.9]);
        for v in [1.0, 0.0, 0.0, 1.0, 145.38884, 571.9] {
            ours.number(v);
        }
        ours.op("Tm");
        theirs
            .show_positioned()
            .items()
            .show(Str(b"AB"))
            .adjust(12.8);
        ours.open_array();
        ours.string(b"AB");
        ours.number(12.8);
        ours.close_array("TJ");
        theirs.end_text();
        ours.op("ET");
        assert_eq!(
            String::from_utf8_lossy(&ours.finish()),
            String::from_utf8_lossy(theirs.finish().as_slice())
        );
    }

    /// The short way for tenths writes what ryu writes, for every tenth it takes.
    #[test]
    fn tenths_are_written_as_ryu_writes_them() {
        for k in -1_000_000i32..1_000_000 {
            let value = k as f32 / 10.0;
            let mut ours = PageStream::default();
            ours.number(value);
            let expected = if value as i32 as f32 == value {
                format!("{} ", value as i32)
            } else {
                format!("{} ", ryu::Buffer::new().format(value))
            };
            assert_eq!(String::from_utf8_lossy(&ours.finish()), expected, "{k}");
        }
    }

    #[test]
    fn strings_are_raw_bytes_with_delimiters_escaped() {
        let mut s = PageStream::default();
        s.string(&[0, 40, 0, 41, 0, 92, 0, 13, 0, 10, 0xFF]);
        assert_eq!(s.finish(), b"(\0\\(\0\\)\0\\\\\0\\r\0\n\xFF) ".to_vec());
    }
}
