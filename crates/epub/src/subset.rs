//! Cuts an embedded font down to the characters the book uses, so an EPUB with
//! `embed-fonts` carries a few hundred glyphs instead of the whole font (smaller files, lower
//! delivery fees at Kindle).
//!
//! The cutting is done by `skera`, the Rust port of HarfBuzz's subsetter, which keeps `cmap`,
//! `GSUB`, `GPOS` and `GDEF` for the kept glyphs (with the glyphs the layout features reach
//! from them: small capitals, old-style figures, ligatures, kerning). It cuts TrueType
//! (`glyf`) outlines only; a CFF-flavoured font is embedded whole.

use std::collections::BTreeSet;

use read_fonts::collections::IntSet;
use read_fonts::types::{NameId, Tag};
use read_fonts::{FontRef, TableProvider};

/// Why a font was embedded whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeptWhole {
    /// The file is not a font the reader understands.
    #[error("it is not a readable OpenType font")]
    Unreadable,
    /// CFF outlines: the subsetter cuts TrueType outlines only.
    #[error(
        "its outlines are CFF (an .otf), which Quire cannot cut yet; a TrueType (.ttf) version of the font can be"
    )]
    Cff,
    /// The subsetter failed on this font.
    #[error("the subsetter failed on it ({0})")]
    Failed(String),
}

/// Layout features whose glyphs are kept: HarfBuzz's defaults plus those the style sheet and
/// the typographic defaults ask for (small capitals, figures, case forms, kerning).
const EXTRA_FEATURES: [&[u8; 4]; 14] = [
    b"smcp", b"c2sc", b"onum", b"lnum", b"pnum", b"tnum", b"case", b"kern", b"liga", b"clig",
    b"calt", b"sups", b"subs", b"ordn",
];

/// The font cut to `chars` (and their upper- and lower-case forms, for `text-transform` and
/// small capitals). The copyright and licence names (IDs 0-14) are kept, as the SIL OFL
/// requires.
pub(crate) fn subset_font(data: &[u8], chars: &BTreeSet<char>) -> Result<Vec<u8>, KeptWhole> {
    let font = FontRef::new(data).map_err(|_| KeptWhole::Unreadable)?;
    if font.glyf().is_err() {
        return Err(if font.cff().is_ok() || font.cff2().is_ok() {
            KeptWhole::Cff
        } else {
            KeptWhole::Unreadable
        });
    }
    let mut unicodes = IntSet::<u32>::empty();
    for c in chars {
        unicodes.insert(u32::from(*c));
        unicodes.extend(c.to_uppercase().map(u32::from));
        unicodes.extend(c.to_lowercase().map(u32::from));
    }
    let mut features = IntSet::<Tag>::empty();
    features.extend(skera::DEFAULT_LAYOUT_FEATURES.iter().copied());
    features.extend(EXTRA_FEATURES.iter().map(|t| Tag::new(t)));
    let mut scripts = IntSet::<Tag>::empty();
    scripts.invert();
    let mut name_ids = IntSet::<NameId>::empty();
    name_ids.insert_range(NameId::new(0)..=NameId::new(14));
    let mut name_languages = IntSet::<u16>::empty();
    name_languages.insert(0x0409);
    let drop_tables: IntSet<Tag> = [
        b"DSIG", b"kerx", b"morx", b"mort", b"JSTF", b"LTSH", b"PCLT",
    ]
    .iter()
    .map(|t| Tag::new(t))
    .collect();
    let plan = skera::Plan::new(
        &IntSet::empty(),
        &unicodes,
        &font,
        skera::SubsetFlags::default(),
        &drop_tables,
        &scripts,
        &features,
        &name_ids,
        &name_languages,
    );
    skera::subset_font(&font, &plan).map_err(|e| KeptWhole::Failed(e.to_string()))
}

/// Every character of the given texts (documents and style sheet), the set the fonts are cut
/// to. Markup characters are ASCII, which the book's text needs anyway.
pub(crate) fn characters<'a>(texts: impl IntoIterator<Item = &'a [u8]>) -> BTreeSet<char> {
    // One bit per code point: a book's million characters are a few hundred distinct ones.
    let mut seen = vec![0u64; (char::MAX as usize + 1).div_ceil(64)];
    for text in texts {
        for c in String::from_utf8_lossy(text).chars() {
            seen[c as usize / 64] |= 1 << (c as usize % 64);
        }
    }
    let mut out: BTreeSet<char> = seen
        .iter()
        .enumerate()
        .filter(|(_, bits)| **bits != 0)
        .flat_map(|(word, bits)| {
            (0..64)
                .filter(move |bit| bits & (1 << bit) != 0)
                .filter_map(move |bit| char::from_u32((word * 64 + bit) as u32))
        })
        .collect();
    // Numeric character references (`&#x2003;`) and CSS escapes (`\2003`) hide characters
    // from the scan above; the few the backend writes are listed here.
    out.extend(['\u{2003}', '\u{a0}', '\u{2009}', '\u{202f}', '*']);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maps(data: &[u8], c: char) -> bool {
        FontRef::new(data)
            .ok()
            .and_then(|f| f.cmap().ok())
            .and_then(|cmap| cmap.map_codepoint(c))
            .is_some_and(|g| g.to_u32() != 0)
    }

    const REGULAR: &[u8] = include_bytes!("../../../fonts/EBGaramond-Regular.ttf");
    const CFF: &[u8] = include_bytes!("../../../fonts/EBGaramond12-Regular.otf");

    #[test]
    fn a_truetype_font_is_cut_to_the_characters_used() {
        let chars: BTreeSet<char> = "Où sont les neiges d’antan? “Fin”—fiﬁ".chars().collect();
        let cut = subset_font(REGULAR, &chars).expect("subset");
        assert!(
            cut.len() * 10 < REGULAR.len(),
            "{} of {} bytes",
            cut.len(),
            REGULAR.len()
        );
        for c in chars.iter().filter(|c| maps(REGULAR, **c)) {
            assert!(maps(&cut, *c), "{c:?} lost");
        }
        assert!(maps(&cut, 'O') && maps(&cut, 'T'), "upper-case forms kept");
        assert!(
            !maps(&cut, 'Z') && !maps(&cut, 'q'),
            "unused letters dropped"
        );
        let font = FontRef::new(&cut).unwrap();
        assert!(font.gsub().is_ok() && font.gpos().is_ok(), "layout kept");
        let name = font.name().unwrap();
        let has = |id: u16| {
            name.name_record()
                .iter()
                .any(|r| r.name_id() == NameId::new(id))
        };
        assert!(has(0) && has(13), "copyright and licence kept");
    }

    #[test]
    fn a_cff_font_is_kept_whole_with_the_reason() {
        let chars: BTreeSet<char> = "abc".chars().collect();
        assert_eq!(subset_font(CFF, &chars), Err(KeptWhole::Cff));
        assert_eq!(
            subset_font(b"not a font", &chars),
            Err(KeptWhole::Unreadable)
        );
    }
}
