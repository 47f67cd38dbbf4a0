//! Source positions and the source files they point into.

/// Index of a source file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// Where something came from: a file, a byte range in it, and the 1-based line and column
/// (in characters) of the range's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Byte offset of the start.
    pub start: u32,
    /// Byte offset just past the end.
    pub end: u32,
    /// 1-based line of the start.
    pub line: u32,
    /// 1-based column of the start, counted in characters.
    pub column: u32,
}

impl Span {
    /// A span covering from the start of `self` to the end of `other` (same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            end: other.end.max(self.end),
            ..self
        }
    }
}

/// One source file as read: the path shown to the author and its text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceFile {
    /// Path as shown in messages (relative to the working directory when possible).
    pub path: String,
    /// The file's text (empty when it could not be read).
    pub text: String,
}

/// All files a book was read from, indexed by [`FileId`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// No files yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            path: path.into(),
            text: text.into(),
        });
        id
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Replaces the text of a file (after it was registered before reading).
    pub fn set_text(&mut self, id: FileId, text: String) {
        if let Some(file) = self.files.get_mut(id.0 as usize) {
            file.text = text;
        }
    }

    /// The display path of a file, or `"?"`.
    pub fn path(&self, id: FileId) -> &str {
        self.get(id).map_or("?", |f| f.path.as_str())
    }

    /// `path:line:column` for a span, as editors and terminals understand it.
    pub fn location(&self, span: Span) -> String {
        format!("{}:{}:{}", self.path(span.file), span.line, span.column)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
