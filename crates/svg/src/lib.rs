//! SVG images of a book: read safely, measured, and written back clean.
//!
//! ```text
//! file.svg --[markdown: parse, size]--> ImageAsset --[quire: outline text]--> clean SVG
//!                                                        |--> [epub] embeds it as an SVG file
//!                                                        '--> [pdf] draws it as vectors
//! ```
//!
//! A manuscript is untrusted, and so are its pictures. [`Svg::parse`] reads with
//! [usvg](https://docs.rs/usvg), which resolves CSS, `<use>`, units and transforms into a plain
//! tree of paths, and is set up so that an SVG can reach nothing outside itself: no file is
//! read (`xlink:href` to a file resolves to nothing), no system font is scanned, nested SVG
//! documents in `data:` URLs are refused, and files over [`MAX_SVG_BYTES`] are refused.
//! Scripts, event handlers and foreign objects do not survive the tree, so
//! [`Svg::to_clean_svg`] writes an SVG with none of them. Text is laid out with the fonts
//! handed to [`SvgFonts::new`] (the book's) and written as outlines, so both editions show the
//! same letters whatever fonts the reading system has.

use std::sync::Arc;

pub use usvg;

/// The largest SVG file accepted (5 MB): a book diagram is a few hundred kilobytes.
pub const MAX_SVG_BYTES: usize = 5 * 1024 * 1024;

/// Why an SVG file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SvgError {
    /// Over [`MAX_SVG_BYTES`].
    #[error("the SVG file is {0} bytes; at most {MAX_SVG_BYTES} are accepted")]
    TooLarge(usize),
    /// Not well-formed XML or not an SVG document.
    #[error("not a valid SVG image: {0}")]
    Invalid(String),
    /// The image has no area (width or height zero).
    #[error("the SVG image has no size")]
    Empty,
}

/// The fonts SVG text is set in: the book's faces, looked up by the family names the SVG
/// asks for; `serif`, `sans-serif` and unknown families get the book's text family and
/// `monospace` its monospace family.
#[derive(Clone)]
pub struct SvgFonts {
    db: Arc<usvg::fontdb::Database>,
    default_family: String,
}

impl std::fmt::Debug for SvgFonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SvgFonts")
            .field("faces", &self.db.len())
            .field("default_family", &self.default_family)
            .finish()
    }
}

impl SvgFonts {
    /// No fonts: text in an SVG is left out (enough to check the file and read its size).
    pub fn none() -> SvgFonts {
        SvgFonts {
            db: Arc::new(usvg::fontdb::Database::new()),
            default_family: String::new(),
        }
    }

    /// The given font files (OpenType or TrueType bytes); the first is the text family and
    /// the first monospaced face gives the monospace family.
    pub fn new(fonts: impl IntoIterator<Item = Vec<u8>>) -> SvgFonts {
        let mut db = usvg::fontdb::Database::new();
        for data in fonts {
            db.load_font_data(data);
        }
        let family_of = |face: &usvg::fontdb::FaceInfo| {
            face.families
                .first()
                .map(|(name, _)| name.clone())
                .unwrap_or_default()
        };
        let text = db.faces().next().map(family_of).unwrap_or_default();
        let mono = db
            .faces()
            .find(|f| f.monospaced)
            .map(family_of)
            .unwrap_or_else(|| text.clone());
        db.set_serif_family(text.clone());
        db.set_sans_serif_family(text.clone());
        db.set_cursive_family(text.clone());
        db.set_fantasy_family(text.clone());
        db.set_monospace_family(mono);
        SvgFonts {
            db: Arc::new(db),
            default_family: text,
        }
    }

    fn options(&self) -> usvg::Options<'static> {
        let mut options = usvg::Options {
            resources_dir: None,
            fontdb: Arc::clone(&self.db),
            ..usvg::Options::default()
        };
        if !self.default_family.is_empty() {
            options.font_family = self.default_family.clone();
        }
        options.image_href_resolver = usvg::ImageHrefResolver {
            // Raster pictures inside the SVG as data: URLs only; nested SVG is refused.
            resolve_data: Box::new(|mime, data, o| match mime {
                "image/svg+xml" => None,
                _ => (usvg::ImageHrefResolver::default_data_resolver())(mime, data, o),
            }),
            // Never a file or a URL.
            resolve_string: Box::new(|_, _| None),
        };
        options
    }
}

/// A parsed SVG image.
#[derive(Debug)]
pub struct Svg {
    tree: usvg::Tree,
}

impl Svg {
    /// Reads SVG bytes (plain or gzip-compressed SVGZ is not accepted: plain XML only).
    pub fn parse(data: &[u8], fonts: &SvgFonts) -> Result<Svg, SvgError> {
        if data.len() > MAX_SVG_BYTES {
            return Err(SvgError::TooLarge(data.len()));
        }
        let text = std::str::from_utf8(data)
            .map_err(|e| SvgError::Invalid(format!("not UTF-8 text ({e})")))?;
        let tree = usvg::Tree::from_str(text, &fonts.options())
            .map_err(|e| SvgError::Invalid(e.to_string()))?;
        let size = tree.size();
        if size.width() <= 0.0 || size.height() <= 0.0 {
            return Err(SvgError::Empty);
        }
        Ok(Svg { tree })
    }

    /// The intrinsic width in CSS pixels (1/96 in).
    pub fn width(&self) -> f32 {
        self.tree.size().width()
    }

    /// The intrinsic height in CSS pixels (1/96 in).
    pub fn height(&self) -> f32 {
        self.tree.size().height()
    }

    /// The resolved tree, for a backend that draws it.
    pub fn tree(&self) -> &usvg::Tree {
        &self.tree
    }

    /// The image as a self-contained SVG file: paths only (text as outlines), no scripts,
    /// event handlers, external references or foreign objects.
    pub fn to_clean_svg(&self) -> String {
        let options = usvg::WriteOptions {
            preserve_text: false,
            coordinates_precision: 3,
            transforms_precision: 5,
            indent: usvg::Indent::None,
            attributes_indent: usvg::Indent::None,
            ..usvg::WriteOptions::default()
        };
        let text = self.tree.to_string(&options);
        // usvg writes the size without a viewBox; a reading system that scales the picture
        // to its column (CSS `max-width: 100%`) needs one, or it crops instead of scaling.
        let size = self.tree.size();
        match text.strip_prefix("<svg ") {
            Some(rest) if !rest.split('>').next().unwrap_or("").contains("viewBox") => format!(
                "<svg viewBox=\"0 0 {} {}\" {rest}",
                size.width(),
                size.height()
            ),
            _ => text,
        }
    }

    /// SVG features in the image that print cannot show as drawn (filters, masks, patterns),
    /// each named once, for a warning.
    pub fn unsupported_in_print(&self) -> Vec<&'static str> {
        let mut found = Vec::new();
        unsupported(self.tree.root(), &mut found);
        found
    }
}

fn unsupported(group: &usvg::Group, found: &mut Vec<&'static str>) {
    fn add(found: &mut Vec<&'static str>, what: &'static str) {
        if !found.contains(&what) {
            found.push(what);
        }
    }
    if !group.filters().is_empty() {
        add(found, "filter effects");
    }
    if group.mask().is_some() {
        add(found, "masks");
    }
    for node in group.children() {
        match node {
            usvg::Node::Group(g) => unsupported(g, found),
            usvg::Node::Path(p) => {
                let pattern = |paint: &usvg::Paint| matches!(paint, usvg::Paint::Pattern(_));
                if p.fill().is_some_and(|f| pattern(f.paint()))
                    || p.stroke().is_some_and(|s| pattern(s.paint()))
                {
                    add(found, "pattern fills");
                }
            }
            usvg::Node::Image(_) => add(found, "embedded raster images"),
            usvg::Node::Text(t) => unsupported(t.flattened(), found),
        }
    }
}

/// True when the bytes look like an SVG document (an `<svg` root after an optional XML
/// declaration, comments and doctype), whatever the file is called.
pub fn looks_like_svg(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    let Ok(text) =
        std::str::from_utf8(head).or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]))
    else {
        return false;
    };
    let text = text.trim_start_matches('\u{feff}');
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            match after.find("?>") {
                Some(end) => rest = after[end + 2..].trim_start(),
                None => return false,
            }
        } else if let Some(after) = rest.strip_prefix("<!--") {
            match after.find("-->") {
                Some(end) => rest = after[end + 3..].trim_start(),
                None => return false,
            }
        } else if let Some(after) = rest.strip_prefix("<!") {
            // A doctype (possibly with an internal subset in brackets).
            let end = match (after.find('['), after.find('>')) {
                (Some(open), Some(close)) if open < close => {
                    after.find("]>").map(|e| e + 2).unwrap_or(after.len())
                }
                (_, Some(close)) => close + 1,
                _ => return false,
            };
            rest = after[end..].trim_start();
        } else {
            return rest.starts_with("<svg") || rest.starts_with("<svg:svg");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIAGRAM: &str = r##"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="200" height="100" viewBox="0 0 200 100">
  <script>alert(1)</script>
  <rect x="10" y="10" width="80" height="40" fill="#36c" onclick="alert(2)"/>
  <image xlink:href="/etc/passwd" x="0" y="0" width="10" height="10"/>
  <image xlink:href="file:///etc/hostname" x="0" y="0" width="10" height="10"/>
  <foreignObject width="50" height="50"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
  <text x="100" y="80" font-family="Helvetica">Stack</text>
</svg>"##;

    #[test]
    fn size_in_css_pixels() {
        let svg = Svg::parse(DIAGRAM.as_bytes(), &SvgFonts::none()).unwrap();
        assert_eq!((svg.width(), svg.height()), (200.0, 100.0));
        let cm = r#"<svg xmlns="http://www.w3.org/2000/svg" width="2.54cm" height="1in"/>"#;
        let svg = Svg::parse(cm.as_bytes(), &SvgFonts::none()).unwrap();
        assert_eq!((svg.width().round(), svg.height().round()), (96.0, 96.0));
    }

    #[test]
    fn clean_svg_keeps_drawing_and_drops_scripts_files_and_handlers() {
        let svg = Svg::parse(DIAGRAM.as_bytes(), &SvgFonts::none()).unwrap();
        let clean = svg.to_clean_svg();
        assert!(clean.contains("<path"), "{clean}");
        for bad in [
            "script",
            "alert",
            "onclick",
            "passwd",
            "hostname",
            "foreignObject",
            "<image",
        ] {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(
            clean.starts_with("<svg viewBox=\"0 0 200 100\" "),
            "{clean}"
        );
        // The clean file reads back to the same size.
        let again = Svg::parse(clean.as_bytes(), &SvgFonts::none()).unwrap();
        assert_eq!((again.width(), again.height()), (200.0, 100.0));
    }

    #[test]
    fn refuses_what_is_not_an_svg() {
        assert!(matches!(
            Svg::parse(b"<html/>", &SvgFonts::none()),
            Err(SvgError::Invalid(_))
        ));
        assert!(matches!(
            Svg::parse(b"\x89PNG\r\n", &SvgFonts::none()),
            Err(SvgError::Invalid(_))
        ));
        let big = vec![b' '; MAX_SVG_BYTES + 1];
        assert_eq!(
            Svg::parse(&big, &SvgFonts::none()).unwrap_err(),
            SvgError::TooLarge(MAX_SVG_BYTES + 1)
        );
    }

    #[test]
    fn entity_expansion_is_bounded() {
        // "Billion laughs": roxmltree refuses entity loops and deep nesting.
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE svg [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&f;</text></svg>"#;
        // Either refused or parsed; never a hang or a huge allocation.
        let _ = Svg::parse(bomb.as_bytes(), &SvgFonts::none());
    }

    #[test]
    fn recognises_svg_bytes() {
        assert!(looks_like_svg(DIAGRAM.as_bytes()));
        assert!(looks_like_svg(
            b"<!-- made by hand -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<svg/>"
        ));
        assert!(!looks_like_svg(b"\x89PNG\r\n\x1a\n"));
        assert!(!looks_like_svg(b"<html><svg/></html>"));
    }

    #[test]
    fn text_is_set_in_the_book_fonts_as_outlines() {
        let fonts = SvgFonts::new([
            include_bytes!("../../../fonts/EBGaramond12-Regular.otf").to_vec(),
            include_bytes!("../../../fonts/QuireMono-Regular.otf").to_vec(),
        ]);
        let without = Svg::parse(DIAGRAM.as_bytes(), &SvgFonts::none()).unwrap();
        let with = Svg::parse(DIAGRAM.as_bytes(), &fonts).unwrap();
        let paths = |svg: &Svg| svg.to_clean_svg().matches("<path").count();
        // "Stack" in Helvetica (not in the book) falls back to the text face: 5 letters.
        assert!(paths(&with) > paths(&without), "{}", with.to_clean_svg());
        assert!(!with.to_clean_svg().contains("<text"));
        // Monospace text takes the monospace face: every letter as wide as the next.
        let mono = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">
  <text x="0" y="30" font-family="monospace" font-size="20">iiii</text>
  <text x="0" y="30" font-family="monospace" font-size="20">MMMM</text></svg>"#;
        let svg = Svg::parse(mono.as_bytes(), &fonts).unwrap();
        let widths: Vec<f32> = svg
            .tree()
            .root()
            .children()
            .iter()
            .filter_map(|n| match n {
                usvg::Node::Text(t) => Some(t.bounding_box().width()),
                _ => None,
            })
            .collect();
        assert_eq!(widths.len(), 2);
        assert!((widths[0] - widths[1]).abs() < 1.0, "{widths:?}");
    }

    #[test]
    fn unsupported_features_are_named() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
  <filter id="b"><feGaussianBlur stdDeviation="2"/></filter>
  <rect width="5" height="5" filter="url(#b)"/></svg>"#;
        let svg = Svg::parse(svg.as_bytes(), &SvgFonts::none()).unwrap();
        assert_eq!(svg.unsupported_in_print(), vec!["filter effects"]);
    }
}
