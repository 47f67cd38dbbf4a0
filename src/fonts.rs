//! The book fonts: EB Garamond ships inside the binary; a book may bring its own family in
//! its `fonts/` folder.

use std::path::Path;

use quire_typeset::FontFamily;

const EB_GARAMOND_REGULAR: &[u8] = include_bytes!("../fonts/EBGaramond12-Regular.otf");
const EB_GARAMOND_ITALIC: &[u8] = include_bytes!("../fonts/EBGaramond12-Italic.otf");
/// Bold and bold italic from Octavio Pardo's continuation of EB Garamond (1.003, SIL OFL
/// 1.1): Duffner's own Bold is an early cut of 128 glyphs, without quotes, dashes or accents.
const EB_GARAMOND_BOLD: &[u8] = include_bytes!("../fonts/EBGaramond-Bold.ttf");
const EB_GARAMOND_BOLD_ITALIC: &[u8] = include_bytes!("../fonts/EBGaramond-BoldItalic.ttf");
/// Pardo's regular and italic, TrueType: the EPUB's embedded faces, which can be subset (the
/// CFF outlines of Duffner's cut cannot be yet).
const EB_GARAMOND_TTF_REGULAR: &[u8] = include_bytes!("../fonts/EBGaramond-Regular.ttf");
const EB_GARAMOND_TTF_ITALIC: &[u8] = include_bytes!("../fonts/EBGaramond-Italic.ttf");
/// Quire Mono (Source Code Pro 2.042 renamed, SIL OFL 1.1): the monospace faces for code.
const MONO_REGULAR: &[u8] = include_bytes!("../fonts/QuireMono-Regular.otf");
const MONO_ITALIC: &[u8] = include_bytes!("../fonts/QuireMono-Italic.otf");
const MONO_BOLD: &[u8] = include_bytes!("../fonts/QuireMono-Bold.otf");
const MONO_BOLD_ITALIC: &[u8] = include_bytes!("../fonts/QuireMono-BoldItalic.otf");
/// Symbols Quire Mono lacks (arrows, math, box drawing edges), from DejaVu Sans Mono, on its
/// grid (Bitstream Vera and Arev licences).
const MONO_SUPPLEMENT: &[u8] = include_bytes!("../fonts/QuireMonoSupplement-Regular.ttf");
/// Noto Serif CJK TC (SIL OFL 1.1), cut to the common Han characters of Chinese and
/// Japanese, CJK punctuation and kana: the Ming/Song serif that sits beside a Latin serif.
const CJK_SERIF: &[u8] = include_bytes!("../fonts/NotoSerifCJKtc-Regular-subset.otf");
/// Five Extension-B characters Noto lacks, from HanaMin B, renamed (Hanazono licence).
const CJK_EXT_B: &[u8] = include_bytes!("../fonts/HanaMinB-ExtB-subset.ttf");
/// Noto Serif CJK KR (SIL OFL 1.1), cut to Hangul (every syllable and the jamo): Korean,
/// which the faces above lack and Droid Sans Fallback has only in part.
const HANGUL_SERIF: &[u8] = include_bytes!("../fonts/NotoSerifCJKkr-Hangul-subset.otf");
/// Noto Serif Hebrew (SIL OFL 1.1): Hebrew letters and points, which no face above has.
const HEBREW_SERIF: &[u8] = include_bytes!("../fonts/NotoSerifHebrew-Regular.ttf");
/// Noto faces (SIL OFL 1.1) for scripts of books from elsewhere that no face above has:
/// Arabic (Naskh, for Arabic, Persian and Urdu), Devanagari, Bengali, Tamil, Thai,
/// Armenian, Georgian and Ethiopic, serif where Noto has one.
const SCRIPT_FACES: [&[u8]; 8] = [
    include_bytes!("../fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("../fonts/NotoSerifDevanagari-Regular.ttf"),
    include_bytes!("../fonts/NotoSerifBengali-Regular.ttf"),
    include_bytes!("../fonts/NotoSerifTamil-Regular.ttf"),
    include_bytes!("../fonts/NotoSerifThai-Regular.ttf"),
    include_bytes!("../fonts/NotoSerifArmenian-Regular.ttf"),
    include_bytes!("../fonts/NotoSerifGeorgian-Regular.ttf"),
    include_bytes!("../fonts/NotoSerifEthiopic-Regular.ttf"),
];
/// Droid Sans Fallback Full (Apache 2.0): the fallback for what the faces above lack.
const FALLBACK: &[u8] = include_bytes!("../fonts/DroidSansFallbackFull.ttf");
/// Symbola 2.60 (free for any use), cut to symbols, dingbats and the emoji of Unicode 9 in
/// outline (✅ ❌ ⚠ ★ 🚀 👍, which printed as empty boxes): the last fallback.
const SYMBOLS: &[u8] = include_bytes!("../fonts/Symbola-subset.ttf");

/// Adds the built-in monospace faces (for code) and the fallback faces to a family, in the
/// order a character is looked up: font files of the book's `fonts/` folder that are not
/// part of the family (a book's own CJK or symbol font), then the monospace supplement's
/// symbols, the built-in serif CJK faces, the Hangul serif, the Hebrew serif, the Noto faces
/// of other scripts (Arabic, Indic, Thai ...), Droid Sans Fallback, and Symbola's symbols
/// and emoji.
fn with_fallback(
    family: FontFamily,
    book_dir: &Path,
    family_files: &[std::path::PathBuf],
) -> Result<FontFamily, String> {
    let mut family = family;
    let mut own: Vec<(bool, Vec<u8>, std::path::PathBuf)> = Vec::new();
    for path in font_files(book_dir) {
        if family_files.contains(&path) {
            continue;
        }
        let data = quire_markdown::read_book_file(&path)
            .map_err(|e| format!("cannot read font `{}`: {e}", path.display()))?;
        // A fallback face serves every style: the book's upright regular faces are looked
        // in first (`DejaVuSans-Bold.ttf` sorts before `DejaVuSans.ttf`, and would set
        // regular text in bold).
        let styled = quire_typeset::font::face_style(&data).map_or_else(
            || {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                ["bold", "italic", "oblique", "black", "heavy", "semibold"]
                    .iter()
                    .any(|w| name.contains(w))
            },
            |s| s.italic || s.weight >= 600.0,
        );
        own.push((styled, data, path));
    }
    own.sort_by_key(|(styled, _, _)| *styled);
    for (_, data, path) in own {
        let face = quire_typeset::FontFace::from_bytes(data, quire_typeset::FontVariant::Regular)
            .map_err(|e| format!("font `{}`: {e}", path.display()))?;
        family = family.with_fallback(face);
    }
    let face = |data: &'static [u8], variant| {
        quire_typeset::FontFace::from_static(data, variant).map_err(|e| e.to_string())
    };
    use quire_typeset::FontVariant as V;
    family = family.with_mono(
        face(MONO_REGULAR, V::Mono)?,
        Some(face(MONO_ITALIC, V::MonoItalic)?),
        Some(face(MONO_BOLD, V::MonoBold)?),
        Some(face(MONO_BOLD_ITALIC, V::MonoBoldItalic)?),
    );
    let builtin = [
        MONO_SUPPLEMENT,
        CJK_SERIF,
        CJK_EXT_B,
        HANGUL_SERIF,
        HEBREW_SERIF,
    ]
    .into_iter()
    .chain(SCRIPT_FACES)
    .chain([FALLBACK, SYMBOLS]);
    for data in builtin {
        let face = quire_typeset::FontFace::from_static(data, quire_typeset::FontVariant::Regular)
            .map_err(|e| e.to_string())?;
        family = family.with_fallback(face);
    }
    Ok(family)
}

/// The `.otf` and `.ttf` files of the book's `fonts/` folder, sorted by name; files that
/// lead outside the book folder (symbolic links) are left out.
fn font_files(book_dir: &Path) -> Vec<std::path::PathBuf> {
    let folder = book_dir.join("fonts");
    let root = std::fs::canonicalize(book_dir).ok();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let inside = match (&root, std::fs::canonicalize(p)) {
                (Some(root), Ok(real)) => real.starts_with(root) && real.is_file(),
                _ => false,
            };
            (name.ends_with(".otf") || name.ends_with(".ttf")) && inside
        })
        .collect();
    files.sort();
    files
}

/// The family `[print] font` names, or an error placed at that key in `book.toml` (the
/// check `quire check` and `quire build` share).
pub(crate) fn family_checked(
    book_dir: &Path,
    book: &quire_model::Book,
    sources: &quire_model::Sources,
) -> Result<FontFamily, quire_model::Diagnostic> {
    family(book_dir, &book.settings.print.font).map_err(|message| {
        quire_model::Diagnostic::error(font_key_span(sources), message).with_hint(
            "fonts are looked for in the book's `fonts/` folder; EB Garamond is built in",
        )
    })
}

/// Where `font = ...` stands in `book.toml`, if it does.
fn font_key_span(sources: &quire_model::Sources) -> Option<quire_model::Span> {
    let file = (0..sources.len())
        .map(|i| quire_model::FileId(i as u32))
        .find(|id| sources.path(*id).ends_with("book.toml"))?;
    let text = &sources.get(file)?.text;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("font")
            && rest.trim_start().starts_with('=')
        {
            let value = line.find('=').map_or(0, |eq| {
                eq + 1 + line[eq + 1..].len() - line[eq + 1..].trim_start().len()
            });
            let end = line.trim_end().len();
            return Some(quire_model::Span {
                file,
                start: (offset + value) as u32,
                end: (offset + end.max(value)) as u32,
                line: index as u32 + 1,
                column: line[..value].chars().count() as u32 + 1,
            });
        }
        offset += line.len();
    }
    None
}

/// The family named in `[print] font`: EB Garamond (built in), or font files in the book's
/// `fonts/` folder whose names contain the family name without spaces
/// (`Libertinus Serif` -> `LibertinusSerif-Regular.otf`, `...-Italic.otf`, `...-Bold.otf`).
pub(crate) fn family(book_dir: &Path, name: &str) -> Result<FontFamily, String> {
    let key = name.replace(' ', "").to_lowercase();
    let folder = book_dir.join("fonts");
    let files: Vec<(String, std::path::PathBuf)> = font_files(book_dir)
        .into_iter()
        .filter_map(|p| {
            let file = p.file_name()?.to_string_lossy().to_lowercase();
            file.replace([' ', '_', '-'], "")
                .contains(&key)
                .then_some((file, p))
        })
        .collect();
    let family_files: Vec<std::path::PathBuf> = files.iter().map(|(_, p)| p.clone()).collect();
    if files.is_empty() {
        if key == "ebgaramond" || key == "ebgaramond12" {
            use quire_typeset::{FontFace, FontVariant as V};
            let face = |data: &'static [u8], variant| {
                FontFace::from_static(data, variant).map_err(|e| e.to_string())
            };
            let family = FontFamily::new(face(EB_GARAMOND_REGULAR, V::Regular)?)
                .with_italic(face(EB_GARAMOND_ITALIC, V::Italic)?)
                .with_bold(face(EB_GARAMOND_BOLD, V::Bold)?)
                .with_bold_italic(face(EB_GARAMOND_BOLD_ITALIC, V::BoldItalic)?)
                // EB Garamond 12 places no second mark on an accented letter (Yoruba ọ̀);
                // the newer EB Garamond does.
                .with_stacked_marks(V::Regular, face(EB_GARAMOND_TTF_REGULAR, V::Regular)?)
                .with_stacked_marks(V::Italic, face(EB_GARAMOND_TTF_ITALIC, V::Italic)?);
            return with_fallback(family, book_dir, &family_files);
        }
        return Err(format!(
            "font family `{name}` not found: put its files in `{}` (names containing `{}`), or use \"EB Garamond\"",
            folder.display(),
            name.replace(' ', "")
        ));
    }
    // Each file with what it says of itself; where some say they are of the family named,
    // only those (`DejaVuSansMono.ttf` is another family than DejaVu Sans).
    let read: Vec<(String, Vec<u8>, Option<quire_typeset::font::FaceStyle>)> = files
        .iter()
        .filter_map(|(file, path)| {
            let data = quire_markdown::read_book_file(path).ok()?;
            let style = quire_typeset::font::face_style(&data);
            Some((file.clone(), data, style))
        })
        .collect();
    let named = |style: &Option<quire_typeset::font::FaceStyle>| {
        style
            .as_ref()
            .is_some_and(|s| s.family.replace(' ', "").to_lowercase() == key)
    };
    let any_named = read.iter().any(|(_, _, style)| named(style));
    let pool: Vec<&(String, Vec<u8>, Option<quire_typeset::font::FaceStyle>)> = read
        .iter()
        .filter(|(_, _, style)| !any_named || named(style))
        .collect();
    // The face of a style: by what the files say (italic or oblique; bold from 600, the
    // weight nearest 400 or 700, normal width first), else by their names.
    let pick = |italic: bool, bold: bool| -> Option<Vec<u8>> {
        let by_style = pool
            .iter()
            .filter_map(|(file, data, style)| Some((file, data, style.as_ref()?)))
            .filter(|(_, _, s)| s.italic == italic && (s.weight >= 600.0) == bold)
            .min_by_key(|(file, _, s)| {
                let target = if bold { 700.0 } else { 400.0 };
                (
                    s.condensed_or_expanded,
                    (s.weight - target).abs() as u32,
                    file.len(),
                )
            })
            .map(|(_, data, _)| (*data).clone());
        by_style.or_else(|| {
            let (want, avoid): (&[&str], &[&str]) = match (italic, bold) {
                (false, false) => (&[], &["italic", "oblique", "bold"]),
                (true, false) => (&["italic"], &["bold"]),
                (false, true) => (&["bold"], &["italic", "oblique"]),
                (true, true) => (&["bold", "italic"], &[]),
            };
            pool.iter()
                .filter(|(_, _, style)| style.is_none())
                .filter(|(f, _, _)| {
                    want.iter().all(|w| f.contains(w)) && !avoid.iter().any(|a| f.contains(a))
                })
                .min_by_key(|(f, _, _)| (!f.contains("regular"), f.len()))
                .map(|(_, data, _)| data.clone())
        })
    };
    let regular = pick(false, false).ok_or_else(|| {
        format!(
            "font family `{name}`: no regular face in `{}`",
            folder.display()
        )
    })?;
    let family = FontFamily::from_bytes(
        regular,
        pick(true, false),
        pick(false, true),
        pick(true, true),
    )
    .map_err(|e| e.to_string())?;
    with_fallback(family, book_dir, &family_files)
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
                "EBGaramond-Regular.ttf",
                EB_GARAMOND_TTF_REGULAR,
                false,
                false,
            ),
            face("EBGaramond-Italic.ttf", EB_GARAMOND_TTF_ITALIC, true, false),
            face("EBGaramond-Bold.ttf", EB_GARAMOND_BOLD, false, true),
            face(
                "EBGaramond-BoldItalic.ttf",
                EB_GARAMOND_BOLD_ITALIC,
                true,
                true,
            ),
        ]);
    }
    let mut out: Vec<(bool, quire_epub::EmbeddedFont)> = Vec::new();
    // The same files the print edition may use: inside the book, regular files.
    for path in font_files(book_dir) {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lower = file.to_lowercase();
        if !(lower.ends_with(".otf") || lower.ends_with(".ttf"))
            || !lower.replace([' ', '_', '-'], "").contains(&key)
        {
            continue;
        }
        let data = quire_markdown::read_book_file(&path)
            .map_err(|e| format!("cannot read `{file}`: {e}"))?;
        // What the file says of itself, else its name.
        let style = quire_typeset::font::face_style(&data);
        let (italic, bold) = match &style {
            Some(s) => (s.italic, s.weight >= 600.0),
            None => (
                lower.contains("italic") || lower.contains("oblique"),
                lower.contains("bold"),
            ),
        };
        let named = style
            .as_ref()
            .is_some_and(|s| s.family.replace(' ', "").to_lowercase() == key);
        out.push((
            named,
            quire_epub::EmbeddedFont {
                family: name.to_string(),
                italic,
                bold,
                file_name: file,
                data,
            },
        ));
    }
    // Where some files say they are of the family named, only those (DejaVu Sans Mono's
    // files are not DejaVu Sans's).
    let any_named = out.iter().any(|(named, _)| *named);
    Ok(out
        .into_iter()
        .filter(|(named, _)| !any_named || *named)
        .map(|(_, font)| font)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quire_typeset::FontVariant as V;

    /// A family's faces are found by what their files say, whatever the files are called:
    /// an italic called "Slanted", a bold called "Heavy", the regular with no style in its
    /// name at all, listed after them.
    #[test]
    fn faces_are_picked_by_what_the_files_say() {
        let book = tempfile::tempdir().unwrap();
        let fonts = book.path().join("fonts");
        std::fs::create_dir(&fonts).unwrap();
        let put = |name: &str, data: &[u8]| std::fs::write(fonts.join(name), data).unwrap();
        put("EBGaramond-A-Slanted.otf", EB_GARAMOND_ITALIC);
        put("EBGaramond-B-Heavy.ttf", EB_GARAMOND_BOLD);
        put("EBGaramond-C.otf", EB_GARAMOND_REGULAR);
        let family = family(book.path(), "EB Garamond").expect("a family");
        let name = |v: V| family.face(v).postscript_name().to_string();
        assert_eq!(name(V::Regular), "EBGaramond12-Regular");
        assert_eq!(name(V::Italic), "EBGaramond12-Italic");
        assert_eq!(name(V::Bold), "EBGaramond-Bold");
    }

    /// A book's own fallback faces: its regular one is looked in first, though the bold's
    /// file name sorts before it (`X-Bold.ttf` < `X.ttf`).
    #[test]
    fn a_books_regular_fallback_face_comes_before_its_bold() {
        let book = tempfile::tempdir().unwrap();
        let fonts = book.path().join("fonts");
        std::fs::create_dir(&fonts).unwrap();
        std::fs::write(fonts.join("Other-Bold.ttf"), EB_GARAMOND_BOLD).unwrap();
        std::fs::write(fonts.join("Other.ttf"), EB_GARAMOND_TTF_REGULAR).unwrap();
        let family = family(book.path(), "EB Garamond").expect("a family");
        let first = family.fallbacks().first().expect("the book's faces");
        assert_eq!(first.postscript_name(), "EBGaramond-Regular");
    }
}
