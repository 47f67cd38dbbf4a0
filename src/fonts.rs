//! The book fonts: EB Garamond ships inside the binary; a book may bring its own family in
//! its `fonts/` folder.

use std::path::Path;

use quire_typeset::FontFamily;

const EB_GARAMOND_REGULAR: &[u8] = include_bytes!("../fonts/EBGaramond12-Regular.otf");
const EB_GARAMOND_ITALIC: &[u8] = include_bytes!("../fonts/EBGaramond12-Italic.otf");
const EB_GARAMOND_BOLD: &[u8] = include_bytes!("../fonts/EBGaramond12-Bold.otf");
/// Droid Sans Fallback Full (Apache 2.0): the fallback for characters the book's family
/// lacks, CJK above all.
const FALLBACK: &[u8] = include_bytes!("../fonts/DroidSansFallbackFull.ttf");

/// Adds the built-in fallback face to a family.
fn with_fallback(family: FontFamily) -> Result<FontFamily, String> {
    let face =
        quire_typeset::FontFace::from_bytes(FALLBACK.to_vec(), quire_typeset::FontVariant::Regular)
            .map_err(|e| e.to_string())?;
    Ok(family.with_fallback(face))
}

/// The family named in `[print] font`: EB Garamond (built in), or font files in the book's
/// `fonts/` folder whose names contain the family name without spaces
/// (`Libertinus Serif` -> `LibertinusSerif-Regular.otf`, `...-Italic.otf`, `...-Bold.otf`).
pub(crate) fn family(book_dir: &Path, name: &str) -> Result<FontFamily, String> {
    let key = name.replace(' ', "").to_lowercase();
    let folder = book_dir.join("fonts");
    let mut files: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().to_lowercase();
            let is_font = file.ends_with(".otf") || file.ends_with(".ttf");
            (is_font && file.replace([' ', '_', '-'], "").contains(&key)).then(|| (file, e.path()))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        if key == "ebgaramond" || key == "ebgaramond12" {
            let family = FontFamily::from_bytes(
                EB_GARAMOND_REGULAR.to_vec(),
                Some(EB_GARAMOND_ITALIC.to_vec()),
                Some(EB_GARAMOND_BOLD.to_vec()),
                None,
            )
            .map_err(|e| e.to_string())?;
            return with_fallback(family);
        }
        return Err(format!(
            "font family `{name}` not found: put its files in `{}` (names containing `{}`), or use \"EB Garamond\"",
            folder.display(),
            name.replace(' ', "")
        ));
    }
    let pick = |want: &[&str], avoid: &[&str]| -> Option<Vec<u8>> {
        files
            .iter()
            .find(|(f, _)| {
                want.iter().all(|w| f.contains(w)) && !avoid.iter().any(|a| f.contains(a))
            })
            .and_then(|(_, p)| std::fs::read(p).ok())
    };
    let regular = pick(&["regular"], &["italic", "bold"])
        .or_else(|| pick(&[], &["italic", "bold"]))
        .ok_or_else(|| {
            format!(
                "font family `{name}`: no regular face in `{}`",
                folder.display()
            )
        })?;
    let family = FontFamily::from_bytes(
        regular,
        pick(&["italic"], &["bold"]),
        pick(&["bold"], &["italic"]),
        pick(&["bold", "italic"], &[]),
    )
    .map_err(|e| e.to_string())?;
    with_fallback(family)
}

/// The family's font files for embedding in the EPUB (`[epub] embed-fonts = true`).
pub(crate) fn epub_fonts(
    book_dir: &Path,
    name: &str,
) -> Result<Vec<quire_epub::EmbeddedFont>, String> {
    let key = name.replace(' ', "").to_lowercase();
    if key == "ebgaramond" || key == "ebgaramond12" {
        let face = |file: &str, data: &[u8], italic: bool, bold: bool| quire_epub::EmbeddedFont {
            file_name: file.to_string(),
            data: data.to_vec(),
            family: "EB Garamond".to_string(),
            italic,
            bold,
        };
        return Ok(vec![
            face(
                "EBGaramond12-Regular.otf",
                EB_GARAMOND_REGULAR,
                false,
                false,
            ),
            face("EBGaramond12-Italic.otf", EB_GARAMOND_ITALIC, true, false),
            face("EBGaramond12-Bold.otf", EB_GARAMOND_BOLD, false, true),
        ]);
    }
    let folder = book_dir.join("fonts");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&folder)
        .map_err(|e| format!("cannot read `{}`: {e}", folder.display()))?
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let file = entry.file_name().to_string_lossy().into_owned();
        let lower = file.to_lowercase();
        if !(lower.ends_with(".otf") || lower.ends_with(".ttf"))
            || !lower.replace([' ', '_', '-'], "").contains(&key)
        {
            continue;
        }
        let data = std::fs::read(entry.path()).map_err(|e| format!("cannot read `{file}`: {e}"))?;
        out.push(quire_epub::EmbeddedFont {
            family: name.to_string(),
            italic: lower.contains("italic"),
            bold: lower.contains("bold"),
            file_name: file,
            data,
        });
    }
    Ok(out)
}
