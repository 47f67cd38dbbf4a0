//! The EPUB side: `zip` opens the package, `quick-xml` reads the OPF spine and every content
//! document. Body text excludes footnotes (`aside epub:type="footnote"`, `section.footnotes`)
//! and note references; the navigation document and the generated title, copyright and
//! contents pages (known by their `epub:type`) are left out.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::output::{OutImage, OutWord, Output};
use super::push_words;

/// `epub:type` values of documents or sections that Quire generates (no manuscript text).
const GENERATED: &[&str] = &[
    "titlepage",
    "halftitlepage",
    "copyright-page",
    "copyright",
    "toc",
    "landmarks",
    "cover",
    "imprint",
];

/// Elements whose start and end separate words.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "td",
    "th",
    "tr",
    "table",
    "thead",
    "tbody",
    "pre",
    "figure",
    "figcaption",
    "section",
    "aside",
    "br",
    "hr",
    "dt",
    "dd",
    "dl",
    "caption",
    "header",
    "footer",
    "nav",
    "body",
    "img",
    "article",
];

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.into_inner() == name)
        .map(|a| {
            quick_xml::escape::unescape(&a.value)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.to_string())
        })
}

fn has_token(value: &Option<String>, token: &str) -> bool {
    value
        .as_deref()
        .is_some_and(|v| v.split_whitespace().any(|t| t == token))
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Resolves `href` relative to the folder of `base` (both zip paths).
fn join(base: &str, href: &str) -> String {
    let href = href.split('#').next().unwrap_or("");
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for seg in href.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    percent_decode(&joined)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// FNV-1a of some bytes.
pub(crate) fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A fingerprint of a picture's pixels: decoded to 8-bit grey, FNV of the samples. Two files
/// of the same picture compare equal even when one was re-encoded losslessly.
pub(crate) fn pixel_fingerprint(bytes: &[u8]) -> Option<(u32, u32, u64)> {
    let img = image::load_from_memory(bytes).ok()?;
    let grey = img.to_luma8();
    Some((grey.width(), grey.height(), fnv(grey.as_raw())))
}

/// The size of an SVG drawing in CSS pixels (rounded up), read from its root element's
/// `width` and `height` (or its `viewBox`); how a picture that has no pixels is told apart.
pub(crate) fn svg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut reader = Reader::from_str(text);
    let root = loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => break e.into_owned(),
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    };
    if local(root.name().into_inner()) != "svg" {
        return None;
    }
    let view: Vec<f64> = attr(&root, "viewBox")
        .map(|v| {
            v.split(|c: char| c == ',' || c.is_whitespace())
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let length = |name: &str, from_view: Option<f64>| -> Option<f64> {
        let Some(v) = attr(&root, name) else {
            return from_view;
        };
        let v = v.trim();
        let split = v
            .find(|c: char| c.is_ascii_alphabetic() || c == '%')
            .unwrap_or(v.len());
        let number: f64 = v[..split].trim().parse().ok()?;
        Some(match &v[split..] {
            "" | "px" => number,
            "pt" => number * 96.0 / 72.0,
            "pc" => number * 16.0,
            "in" => number * 96.0,
            "cm" => number * 96.0 / 2.54,
            "mm" => number * 96.0 / 25.4,
            _ => return from_view,
        })
    };
    let w = length("width", view.get(2).copied())?;
    let h = length("height", view.get(3).copied())?;
    Some((w.ceil() as u32, h.ceil() as u32))
}

struct Doc<'a> {
    out: &'a mut Output,
    page: usize,
    body_carry: String,
    body_words: Vec<String>,
    note_carry: String,
    /// The words of the note being read.
    note: Option<Vec<String>>,
    /// The words of the figure caption being read.
    caption: Option<Vec<String>>,
}

impl Doc<'_> {
    fn flush_body(&mut self) {
        if let Some(caption) = &mut self.caption {
            if !self.body_carry.is_empty() {
                caption.push(std::mem::take(&mut self.body_carry));
            }
            return;
        }
        if !self.body_carry.is_empty() {
            self.body_words.push(std::mem::take(&mut self.body_carry));
        }
        for w in self.body_words.drain(..) {
            self.out.body.push(OutWord {
                w,
                page: self.page,
                y: 0.0,
            });
        }
    }
}

/// Reads the EPUB at `path`.
pub(crate) fn read(path: &Path) -> Output {
    let file = std::fs::File::open(path).expect("open epub");
    let mut zip = zip::ZipArchive::new(file).expect("epub is a zip");
    let mut read = |name: &str| -> Option<Vec<u8>> {
        let mut entry = zip.by_name(name).ok()?;
        let mut buf = Vec::new();
        entry.read_to_end(&mut buf).ok()?;
        Some(buf)
    };
    let container =
        String::from_utf8(read("META-INF/container.xml").expect("container.xml")).expect("utf-8");
    let mut opf_path = String::new();
    let mut reader = Reader::from_str(&container);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if local(e.name().into_inner()) == "rootfile" => {
                opf_path = attr(&e, "full-path").unwrap_or_default();
                break;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    let opf = String::from_utf8(read(&opf_path).expect("OPF")).expect("utf-8");
    let mut manifest: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut spine: Vec<String> = Vec::new();
    let mut reader = Reader::from_str(&opf);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => match local(e.name().into_inner()) {
                "item" => {
                    let id = attr(&e, "id").unwrap_or_default();
                    let href = attr(&e, "href").unwrap_or_default();
                    let props = attr(&e, "properties").unwrap_or_default();
                    manifest.insert(id, (join(&opf_path, &href), props));
                }
                "itemref" => spine.push(attr(&e, "idref").unwrap_or_default()),
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    let mut out = Output {
        kind: "EPUB",
        ..Output::default()
    };
    let mut image_cache: BTreeMap<String, Option<(u32, u32, u64)>> = BTreeMap::new();
    for (index, idref) in spine.iter().enumerate() {
        let Some((doc_path, props)) = manifest.get(idref).cloned() else {
            continue;
        };
        out.page_names.push(doc_path.clone());
        if props.split_whitespace().any(|p| p == "nav") {
            out.generated.push(index);
            continue;
        }
        let Some(bytes) = read(&doc_path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut doc = Doc {
            out: &mut out,
            page: index,
            body_carry: String::new(),
            body_words: Vec::new(),
            note_carry: String::new(),
            note: None,
            caption: None,
        };
        // Element stack: (local name, opens a note, skipped, generated section).
        let mut stack: Vec<(String, bool, bool, bool)> = Vec::new();
        let mut skip_depth = 0usize;
        let mut gen_depth = 0usize;
        let mut reader = Reader::from_str(&text);
        let mut images: Vec<String> = Vec::new();
        loop {
            let event = match reader.read_event() {
                Ok(e) => e,
                Err(e) => panic!("{doc_path}: XML error {e}"),
            };
            let (start, empty) = match &event {
                Event::Start(e) => (Some(e.clone()), false),
                Event::Empty(e) => (Some(e.clone()), true),
                _ => (None, false),
            };
            if let Some(e) = start {
                let name = local(e.name().into_inner()).to_string();
                let etype = attr(&e, "epub:type");
                let role = attr(&e, "role");
                let class = attr(&e, "class");
                let is_generated =
                    GENERATED.iter().any(|g| has_token(&etype, g)) || has_token(&role, "doc-toc");
                let in_notes_section = stack.iter().any(|s| s.0 == "section" && s.1);
                let note_container = (name == "section" || name == "div" || name == "ol")
                    && (has_token(&class, "footnotes")
                        || has_token(&etype, "footnotes")
                        || has_token(&etype, "endnotes")
                        || has_token(&etype, "rearnotes")
                        || has_token(&role, "doc-endnotes"));
                let note = name == "aside"
                    && (has_token(&etype, "footnote")
                        || has_token(&etype, "endnote")
                        || has_token(&etype, "rearnote")
                        || has_token(&role, "doc-footnote")
                        || has_token(&role, "doc-endnote"))
                    || (name == "li" && in_notes_section && doc.note.is_none())
                    || (name == "aside" && in_notes_section && doc.note.is_none());
                let skip = matches!(name.as_str(), "head" | "title" | "style" | "script")
                    || (name == "a"
                        && (has_token(&etype, "noteref")
                            || has_token(&role, "doc-noteref")
                            || has_token(&etype, "backlink")
                            || has_token(&role, "doc-backlink")))
                    || has_token(&etype, "pagebreak")
                    || has_token(&role, "doc-pagebreak");
                if BLOCKS.contains(&name.as_str()) {
                    if let Some(note) = &mut doc.note {
                        if !doc.note_carry.is_empty() {
                            note.push(std::mem::take(&mut doc.note_carry));
                        }
                    } else {
                        doc.flush_body();
                    }
                }
                if name == "img"
                    && skip_depth == 0
                    && gen_depth == 0
                    && !is_generated
                    && let Some(src) = attr(&e, "src")
                {
                    images.push(join(&doc_path, &src));
                }
                if note && doc.note.is_none() {
                    doc.flush_body();
                    doc.note = Some(Vec::new());
                }
                if name == "figcaption" && doc.note.is_none() && !empty {
                    doc.flush_body();
                    doc.caption = Some(Vec::new());
                }
                if !empty {
                    if skip {
                        skip_depth += 1;
                    }
                    if is_generated {
                        gen_depth += 1;
                    }
                    stack.push((name, note || note_container, skip, is_generated));
                }
                continue;
            }
            match event {
                Event::End(_) => {
                    let Some((name, note, skip, generated)) = stack.pop() else {
                        continue;
                    };
                    if skip {
                        skip_depth -= 1;
                    }
                    if generated {
                        gen_depth -= 1;
                    }
                    if BLOCKS.contains(&name.as_str()) {
                        if let Some(note) = &mut doc.note {
                            if !doc.note_carry.is_empty() {
                                note.push(std::mem::take(&mut doc.note_carry));
                            }
                        } else {
                            doc.flush_body();
                        }
                    }
                    if name == "figcaption"
                        && doc.note.is_none()
                        && let Some(mut words) = doc.caption.take()
                    {
                        if !doc.body_carry.is_empty() {
                            words.push(std::mem::take(&mut doc.body_carry));
                        }
                        let page = doc.page;
                        doc.out.captions.push(
                            words
                                .into_iter()
                                .map(|w| OutWord { w, page, y: 0.0 })
                                .collect(),
                        );
                    }
                    if note
                        && name != "section"
                        && name != "div"
                        && name != "ol"
                        && let Some(words) = doc.note.take()
                    {
                        let mut words = words;
                        if !doc.note_carry.is_empty() {
                            words.push(std::mem::take(&mut doc.note_carry));
                        }
                        let page = doc.page;
                        doc.out.notes.push(
                            words
                                .into_iter()
                                .map(|w| OutWord { w, page, y: 0.0 })
                                .collect(),
                        );
                    }
                }
                Event::Text(t) => {
                    if skip_depth > 0 || gen_depth > 0 {
                        continue;
                    }
                    let s: &str = &t;
                    doc.add(s);
                }
                Event::CData(t) => {
                    if skip_depth > 0 || gen_depth > 0 {
                        continue;
                    }
                    let s: &str = &t;
                    doc.add(s);
                }
                Event::GeneralRef(r) => {
                    if skip_depth > 0 || gen_depth > 0 {
                        continue;
                    }
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => match &*r {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            "nbsp" => " ".into(),
                            other => format!("&{other};"),
                        },
                    };
                    doc.add(&c);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        doc.flush_body();
        let page = doc.page;
        // A document that holds nothing but generated sections counts as generated.
        if stack.is_empty() && text.contains("epub:type=") {
            let body_type = body_type(&text);
            if GENERATED.iter().any(|g| has_token(&body_type, g)) {
                out.generated.push(index);
            }
        }
        for src in images {
            let info = image_cache
                .entry(src.clone())
                .or_insert_with(|| {
                    read(&src).and_then(|b| {
                        pixel_fingerprint(&b).or_else(|| svg_size(&b).map(|(w, h)| (w, h, 0)))
                    })
                })
                .to_owned();
            // An SVG drawing (fingerprint 0) is told apart by its size alone.
            let (w, h, fp) = info.map_or((0, 0, None), |(w, h, f)| {
                (w, h, Some(f).filter(|&f| f != 0))
            });
            out.images.push(OutImage {
                page,
                bbox: [0.0; 4],
                w,
                h,
                name: src,
                fingerprint: fp,
            });
        }
    }
    out
}

/// The `epub:type` of the `body` element (or of its first `section`).
fn body_type(text: &str) -> Option<String> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let name = local(e.name().into_inner()).to_string();
                if name == "body" || name == "section" {
                    if let Some(t) = attr(&e, "epub:type") {
                        return Some(t);
                    }
                    if name == "section" {
                        return None;
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

impl Doc<'_> {
    fn add(&mut self, s: &str) {
        if let Some(note) = &mut self.note {
            push_words(s, &mut self.note_carry, note);
        } else if let Some(caption) = &mut self.caption {
            push_words(s, &mut self.body_carry, caption);
        } else {
            push_words(s, &mut self.body_carry, &mut self.body_words);
        }
    }
}
