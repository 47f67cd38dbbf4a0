//! Paths written in a manuscript, resolved so that nothing outside the book folder is read.

use std::path::{Component, Path, PathBuf};

/// Why a path cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathProblem {
    /// Absolute, or `..` past the book folder, or a symlink pointing out of it.
    OutsideBook,
    /// A URL: only files of the book are read.
    Remote,
    /// Nothing there.
    Missing,
    /// Empty path.
    Empty,
}

/// A file of the book: its canonical path and its path relative to the book folder.
#[derive(Debug, Clone)]
pub(crate) struct BookPath {
    pub(crate) canonical: PathBuf,
    pub(crate) relative: String,
}

/// Resolves `written` (relative to `base`, a folder inside the book given relative to the
/// book's root) to a file inside `root` (canonical).
pub(crate) fn resolve(root: &Path, base: &Path, written: &str) -> Result<BookPath, PathProblem> {
    let written = written.trim();
    if written.is_empty() {
        return Err(PathProblem::Empty);
    }
    if written.contains("://") || written.starts_with("data:") {
        return Err(PathProblem::Remote);
    }
    let path = Path::new(written);
    if path.has_root()
        || written.starts_with('\\')
        || path.components().any(|c| matches!(c, Component::Prefix(_)))
    {
        return Err(PathProblem::OutsideBook);
    }
    // Lexically first: `..` may not climb above the book folder.
    let mut relative: Vec<String> = Vec::new();
    for component in base.components().chain(path.components()) {
        match component {
            Component::Normal(part) => relative.push(part.to_string_lossy().into_owned()),
            Component::ParentDir => {
                if relative.pop().is_none() {
                    return Err(PathProblem::OutsideBook);
                }
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return Err(PathProblem::OutsideBook),
        }
    }
    let joined = relative
        .iter()
        .fold(root.to_path_buf(), |p, part| p.join(part));
    // Then for real: symlinks are followed and must stay inside too.
    let canonical = joined.canonicalize().map_err(|_| {
        if joined.symlink_metadata().is_ok() {
            // A dangling symlink, or one we may not follow.
            PathProblem::OutsideBook
        } else {
            PathProblem::Missing
        }
    })?;
    if !canonical.starts_with(root) {
        return Err(PathProblem::OutsideBook);
    }
    let relative = canonical
        .strip_prefix(root)
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default();
    Ok(BookPath {
        canonical,
        relative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_book() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().canonicalize()?;
        std::fs::create_dir(root.join("images"))?;
        std::fs::write(root.join("images/a.png"), b"x")?;
        std::fs::write(dir.path().join("../quire-outside-secret.txt"), b"s").ok();
        let ok =
            resolve(&root, Path::new("images"), "a.png").map_err(|_| std::io::ErrorKind::Other)?;
        assert_eq!(ok.relative, "images/a.png");
        let ok = resolve(&root, Path::new(""), "images/../images/a.png")
            .map_err(|_| std::io::ErrorKind::Other)?;
        assert_eq!(ok.relative, "images/a.png");
        assert_eq!(
            resolve(&root, Path::new(""), "../x.md").err(),
            Some(PathProblem::OutsideBook)
        );
        assert_eq!(
            resolve(&root, Path::new("images"), "../../x").err(),
            Some(PathProblem::OutsideBook)
        );
        assert_eq!(
            resolve(&root, Path::new(""), "/etc/passwd").err(),
            Some(PathProblem::OutsideBook)
        );
        assert_eq!(
            resolve(&root, Path::new(""), "https://x/y.png").err(),
            Some(PathProblem::Remote)
        );
        assert_eq!(
            resolve(&root, Path::new(""), "nope.md").err(),
            Some(PathProblem::Missing)
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/hostname", root.join("link.md"))?;
            assert_eq!(
                resolve(&root, Path::new(""), "link.md").err(),
                Some(PathProblem::OutsideBook)
            );
        }
        Ok(())
    }
}
