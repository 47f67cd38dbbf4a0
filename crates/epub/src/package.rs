//! The package document `content.opf`: metadata (Dublin Core, refinements, accessibility),
//! manifest and spine.

use quire_model::{Book, Diagnostic};

use crate::date::is_w3c_date;
use crate::escape::{push_attr, push_escaped};

/// One manifest item.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// Manifest id.
    pub(crate) id: String,
    /// Path relative to the package folder.
    pub(crate) href: String,
    /// Media type.
    pub(crate) media_type: String,
    /// `properties`, when any.
    pub(crate) properties: Option<&'static str>,
    /// True when the item is a content document in the spine.
    pub(crate) in_spine: bool,
}

/// What the book really has, for the accessibility metadata.
#[derive(Debug, Clone, Default)]
pub(crate) struct Accessibility {
    /// Images shown (figures and the cover).
    pub(crate) images: usize,
    /// Of those, images with no alternative text.
    pub(crate) images_without_alt: usize,
    /// Footnotes.
    pub(crate) footnotes: usize,
    /// Tables.
    pub(crate) tables: usize,
    /// Tables without a header row.
    pub(crate) tables_without_head: usize,
    /// True when language and title are real (not fallbacks).
    pub(crate) metadata_complete: bool,
    /// The print edition whose page numbers are marked, if any.
    pub(crate) page_source: Option<String>,
    /// Words in a script their language does not write, without a `lang` of their own.
    pub(crate) untagged_words: usize,
}

impl Accessibility {
    /// True when the checks that can be made by software pass: every image described, every
    /// table with headers, language and title given, every word in another script marked
    /// with its language. (Headings in order, language on every document, navigation and
    /// reading order hold by construction.)
    fn conforms(&self) -> bool {
        self.images_without_alt == 0
            && self.tables_without_head == 0
            && self.metadata_complete
            && self.untagged_words == 0
    }

    fn summary(&self) -> String {
        let mut s = String::from(
            "This publication has a table of contents, and headings mark every chapter and section, in reading order. \
             The text can be resized and restyled by the reader.",
        );
        match (self.images, self.images_without_alt) {
            (0, _) => s.push_str(" It has no images."),
            (1, 0) => s.push_str(" Its one image has alternative text."),
            (n, 0) => s.push_str(&format!(" All {n} images have alternative text.")),
            (n, m) => s.push_str(&format!(
                " It has {}, {m} of them without alternative text.",
                plural(n, "image", "images")
            )),
        }
        if self.footnotes > 0 {
            s.push_str(" Footnotes are linked from the text and back.");
        }
        if self.tables > 0 {
            s.push_str(&format!(
                " It has {}.",
                plural(self.tables, "data table", "data tables")
            ));
        }
        if self.page_source.is_some() {
            s.push_str(" Page numbers of the print edition are marked in the text and listed for navigation.");
        } else {
            s.push_str(" It has no page numbers from a print edition.");
        }
        if self.untagged_words > 0 {
            s.push_str(&format!(
                " {} in another script {} no language of {}.",
                plural(self.untagged_words, "word", "words"),
                if self.untagged_words == 1 {
                    "carries"
                } else {
                    "carry"
                },
                if self.untagged_words == 1 {
                    "its own"
                } else {
                    "their own"
                },
            ));
        }
        s.push_str(
            " Checked by Quire when the file was made: alternative text of every image, a header row in every table, the title and language of the publication, the language of every word in another script, headings in order, and a reading order that follows the print.",
        );
        if self.conforms() {
            s.push_str(" It meets EPUB Accessibility 1.1 at WCAG 2.2 Level AA as far as these automated checks can tell.");
        } else {
            s.push_str(" Some of these checks fail, so it makes no claim of WCAG conformance.");
        }
        s
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Everything the package document needs besides the book.
pub(crate) struct PackageInput<'a> {
    /// The unique identifier (`urn:isbn:...` or `urn:uuid:...`).
    pub(crate) identifier: &'a str,
    /// The language tag.
    pub(crate) lang: &'a str,
    /// The title (never empty).
    pub(crate) title: &'a str,
    /// `dcterms:modified`.
    pub(crate) modified: &'a str,
    /// Manifest items in order (spine order for content documents).
    pub(crate) items: &'a [Item],
    /// The cover image's manifest id.
    pub(crate) cover_image_id: Option<&'a str>,
    /// True when fonts are embedded (Apple Books then uses them by default).
    pub(crate) fonts_embedded: bool,
    /// Facts for the accessibility metadata.
    pub(crate) a11y: &'a Accessibility,
}

fn element(out: &mut String, name: &str, id: Option<&str>, text: &str) {
    out.push('<');
    out.push_str(name);
    if let Some(id) = id {
        push_attr(out, "id", id);
    }
    out.push('>');
    push_escaped(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

fn meta(out: &mut String, property: &str, refines: Option<&str>, scheme: Option<&str>, text: &str) {
    out.push_str("<meta");
    if let Some(r) = refines {
        push_attr(out, "refines", &format!("#{r}"));
    }
    push_attr(out, "property", property);
    if let Some(s) = scheme {
        push_attr(out, "scheme", s);
    }
    out.push('>');
    push_escaped(out, text);
    out.push_str("</meta>\n");
}

/// The package document.
pub(crate) fn package_document(
    book: &Book,
    input: &PackageInput<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    let m = &book.metadata;
    let mut out = String::with_capacity(8192);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"pub-id\"");
    push_attr(&mut out, "xml:lang", input.lang);
    if input.fonts_embedded {
        push_attr(
            &mut out,
            "prefix",
            "ibooks: http://vocabulary.itunes.apple.com/rdf/ibooks/vocabulary-extensions-1.0/",
        );
    }
    out.push_str(">\n<metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n");

    element(&mut out, "dc:identifier", Some("pub-id"), input.identifier);
    // The title first (reading systems that show one title show the first), refined as the
    // main title; the subtitle is a title refined as the subtitle, shown second.
    element(&mut out, "dc:title", Some("title"), input.title);
    meta(&mut out, "title-type", Some("title"), None, "main");
    if let Some(sub) = m
        .subtitle
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        meta(&mut out, "display-seq", Some("title"), None, "1");
        element(&mut out, "dc:title", Some("subtitle"), sub);
        meta(&mut out, "title-type", Some("subtitle"), None, "subtitle");
        meta(&mut out, "display-seq", Some("subtitle"), None, "2");
    }
    let mut seq = 0;
    for author in m.authors.iter().filter(|a| !a.name.trim().is_empty()) {
        seq += 1;
        let id = format!("creator-{seq}");
        let role = author.role.trim();
        let role = if role.is_empty() { "aut" } else { role };
        // Authors are creators; translators, illustrators and editors contributors.
        let tag = if role == "aut" {
            "dc:creator"
        } else {
            "dc:contributor"
        };
        element(&mut out, tag, Some(&id), author.name.trim());
        if role.len() == 3 && role.chars().all(|c| c.is_ascii_lowercase()) {
            meta(&mut out, "role", Some(&id), Some("marc:relators"), role);
        }
        if !author.file_as.trim().is_empty() {
            meta(&mut out, "file-as", Some(&id), None, author.file_as.trim());
        }
        meta(&mut out, "display-seq", Some(&id), None, &seq.to_string());
    }
    if let Some(series) = &m.series {
        // EPUB 3's collection: the series and the book's place in it.
        out.push_str("<meta id=\"series\" property=\"belongs-to-collection\">");
        push_escaped(&mut out, &series.name);
        out.push_str("</meta>\n");
        meta(&mut out, "collection-type", Some("series"), None, "series");
        if let Some(number) = &series.number {
            meta(&mut out, "group-position", Some("series"), None, number);
        }
    }
    element(&mut out, "dc:language", None, input.lang);
    if let Some(p) = m
        .publisher
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        element(&mut out, "dc:publisher", None, p);
    }
    if let Some(date) = m.date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if is_w3c_date(date) {
            element(&mut out, "dc:date", None, date);
        } else {
            diagnostics.push(
                Diagnostic::warning(
                    None,
                    format!("publication date `{date}` left out of the EPUB: not a valid date"),
                )
                .with_hint("write the date as YYYY, YYYY-MM or YYYY-MM-DD"),
            );
        }
    }
    if let Some(r) = m.rights.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        element(&mut out, "dc:rights", None, r);
    }
    if let Some(source) = &input.a11y.page_source {
        // The print edition the page-break markers come from: `dc:source` refined as the
        // source of pagination (EPUB 3.3; what DAISY Ace reads). EPUB Accessibility 1.1's
        // `a11y:pageBreakSource` is not yet known to EPUBCheck 5.3 (OPF-027), so not written.
        element(&mut out, "dc:source", Some("print-source"), source);
        meta(
            &mut out,
            "source-of",
            Some("print-source"),
            None,
            "pagination",
        );
    }
    if let Some(d) = m
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        element(&mut out, "dc:description", None, d);
    }
    for subject in m
        .subjects
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        element(&mut out, "dc:subject", None, subject);
    }
    meta(&mut out, "dcterms:modified", None, None, input.modified);

    // Accessibility (EPUB Accessibility 1.1, schema.org terms).
    let a = input.a11y;
    meta(&mut out, "schema:accessMode", None, None, "textual");
    if a.images > 0 {
        meta(&mut out, "schema:accessMode", None, None, "visual");
        meta(
            &mut out,
            "schema:accessModeSufficient",
            None,
            None,
            "textual,visual",
        );
    }
    if a.images_without_alt == 0 {
        meta(
            &mut out,
            "schema:accessModeSufficient",
            None,
            None,
            "textual",
        );
    }
    for feature in [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "displayTransformability",
    ] {
        meta(&mut out, "schema:accessibilityFeature", None, None, feature);
    }
    if a.images > 0 && a.images_without_alt == 0 {
        meta(
            &mut out,
            "schema:accessibilityFeature",
            None,
            None,
            "alternativeText",
        );
    }
    if a.page_source.is_some() {
        for feature in ["pageBreakMarkers", "pageNavigation"] {
            meta(&mut out, "schema:accessibilityFeature", None, None, feature);
        }
    }
    meta(&mut out, "schema:accessibilityHazard", None, None, "none");
    out.push_str("<meta property=\"schema:accessibilitySummary\"");
    if !input.lang.to_ascii_lowercase().starts_with("en") {
        out.push_str(" xml:lang=\"en\"");
    }
    out.push('>');
    push_escaped(&mut out, &a.summary());
    out.push_str("</meta>\n");
    if a.conforms() {
        meta(
            &mut out,
            "dcterms:conformsTo",
            None,
            None,
            "EPUB Accessibility 1.1 - WCAG 2.2 Level AA",
        );
    }
    if input.fonts_embedded {
        meta(&mut out, "ibooks:specified-fonts", None, None, "true");
    }
    if let Some(cover) = input.cover_image_id {
        out.push_str("<meta name=\"cover\"");
        push_attr(&mut out, "content", cover);
        out.push_str("/>\n");
    }
    out.push_str("</metadata>\n<manifest>\n");
    for item in input.items {
        out.push_str("<item");
        push_attr(&mut out, "id", &item.id);
        push_attr(&mut out, "href", &item.href);
        push_attr(&mut out, "media-type", &item.media_type);
        if let Some(p) = item.properties {
            push_attr(&mut out, "properties", p);
        }
        out.push_str("/>\n");
    }
    out.push_str("</manifest>\n<spine toc=\"ncx\"");
    if quire_model::is_right_to_left(input.lang) {
        // A Hebrew or Arabic book turns its pages from right to left.
        push_attr(&mut out, "page-progression-direction", "rtl");
    }
    out.push_str(">\n");
    for item in input.items.iter().filter(|i| i.in_spine) {
        out.push_str("<itemref");
        push_attr(&mut out, "idref", &item.id);
        out.push_str("/>\n");
    }
    out.push_str("</spine>\n</package>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_tells_what_is_there() {
        let a = Accessibility {
            images: 3,
            images_without_alt: 0,
            footnotes: 2,
            tables: 1,
            metadata_complete: true,
            ..Accessibility::default()
        };
        let s = a.summary();
        assert!(s.contains(" All 3 images have alternative text."), "{s}");
        assert!(s.contains(" It has 1 data table."), "{s}");
        assert!(s.contains("Footnotes"));
        assert!(s.contains("WCAG 2.2 Level AA"));
        let b = Accessibility {
            images: 1,
            images_without_alt: 1,
            ..a
        };
        let s = b.summary();
        assert!(
            s.contains("It has 1 image, 1 of them without alternative text."),
            "{s}"
        );
        assert!(!s.contains("Level AA"), "{s}");
        assert!(s.contains("no claim of WCAG conformance"), "{s}");
        assert!(!b.conforms());
        // Words in another script without a language: no claim either, and said why.
        let c = Accessibility {
            untagged_words: 3,
            ..Accessibility {
                images_without_alt: 0,
                ..b
            }
        };
        let s = c.summary();
        assert!(!c.conforms() && !s.contains("Level AA"), "{s}");
        assert!(
            s.contains("3 words in another script carry no language"),
            "{s}"
        );
        assert!(s.contains("Checked by Quire"), "{s}");
    }
}
