//! Byte offsets to 1-based lines and columns.

use quire_model::{FileId, Span};

/// Start offsets of the lines of one text.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    text_len: usize,
    /// Byte offset -> column needs the text; kept as owned copy of line starts only, so the
    /// column is computed from the text passed to [`LineIndex::span_in`].
    ascii: bool,
}

impl LineIndex {
    /// Indexes `text`.
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            text_len: text.len(),
            ascii: text.is_ascii(),
        }
    }

    /// 1-based line and the byte offset at which that line starts.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text_len);
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        (line + 1, self.starts.get(line).copied().unwrap_or(0))
    }

    /// A span for a byte range; the column is counted in bytes for ASCII text and must be
    /// refined with [`LineIndex::span_in`] otherwise.
    pub(crate) fn span(&self, file: FileId, range: std::ops::Range<usize>) -> Span {
        let (line, start) = self.line_of(range.start);
        Span {
            file,
            start: clamp(range.start),
            end: clamp(range.end.max(range.start)),
            line: clamp(line),
            column: clamp(range.start.min(self.text_len) - start + 1),
        }
    }

    /// A span for a byte range with the column counted in characters. A range that starts or
    /// ends inside a character (a place mapped back from rewritten text can) is widened to
    /// the whole characters, so the span always cuts `text` at character boundaries.
    pub(crate) fn span_in(&self, text: &str, file: FileId, range: std::ops::Range<usize>) -> Span {
        let range = text.floor_char_boundary(range.start)..text.ceil_char_boundary(range.end);
        let mut span = self.span(file, range.clone());
        if !self.ascii {
            let (_, start) = self.line_of(range.start);
            let end = range.start.min(text.len());
            let column = text
                .get(start..end)
                .map_or(end - start, |s| s.chars().count());
            span.column = clamp(column + 1);
        }
        span
    }
}

fn clamp(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = "ab\ncdé\nxyz";
        let idx = LineIndex::new(text);
        let s = idx.span_in(text, FileId(0), 0..1);
        assert_eq!((s.line, s.column), (1, 1));
        let s = idx.span_in(text, FileId(0), 4..5);
        assert_eq!((s.line, s.column), (2, 2));
        // after the two-byte é
        let s = idx.span_in(text, FileId(0), 8..9);
        assert_eq!((s.line, s.column), (3, 1));
        let s = idx.span_in(text, FileId(0), 7..8);
        assert_eq!((s.line, s.column), (2, 4));
    }
}
