//! Problems found in a book, at the place the author can fix them.

use crate::span::Span;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A remark on the typesetting (a loose paragraph) that the author may act on; shown
    /// on request (`quire build --report`).
    Note,
    /// The book is usable but something should be fixed (no author, no alt text ...).
    Warning,
    /// The book cannot be built as written.
    Error,
}

/// One problem: what is wrong, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Lowercase, says what is wrong.
    pub message: String,
    /// Where, when the problem has a place in a source file.
    pub span: Option<Span>,
    /// Suggestions, each shown as `hint: ...`.
    pub hints: Vec<String>,
}

impl Diagnostic {
    /// An error at a place.
    pub fn error(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span: span.into(),
            hints: Vec::new(),
        }
    }

    /// A warning at a place.
    pub fn warning(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            message: message.into(),
            span: span.into(),
            hints: Vec::new(),
        }
    }

    /// A typesetting remark at a place (see [`Severity::Note`]).
    pub fn note(span: impl Into<Option<Span>>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Note,
            message: message.into(),
            span: span.into(),
            hints: Vec::new(),
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
