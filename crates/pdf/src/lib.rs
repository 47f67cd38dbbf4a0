//! The PDF backend: draws the pages `quire-typeset` decided, as a print-ready PDF.
//!
//! ```text
//! Book --> [typeset] --> Document (pages) --> [pdf: this crate] --> bytes
//! ```
//!
//! Fonts are embedded as subset CID fonts (Identity-H) with a ToUnicode map, so text copies
//! and searches correctly, ligatures included; every page has a MediaBox, BleedBox and TrimBox;
//! text and rules are pure black in DeviceGray and images are converted to grayscale; the
//! outline, page labels, links, document information and XMP metadata are written. Nothing is
//! random and nothing reads the clock: the same document gives the same bytes.

mod fonts;
mod images;
mod metadata;
mod page_stream;
mod svg;

use std::collections::BTreeMap;

use pdf_writer::types::{ActionType, AnnotationType};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use page_stream::PageStream;
use quire_typeset::frame::{self, Document, Item, LinkTarget, NumberStyle, OutlineEntry, TextRun};

pub use metadata::Timestamp;

/// What the caller decides about the file (no clock in the library).
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// Creation and modification date written in the metadata; `None` writes no date
    /// (a PDF/X file always has one: the Unix epoch when none is given).
    pub timestamp: Option<Timestamp>,
    /// Write the file to a PDF/X standard, by construction.
    pub pdfx: Option<PdfX>,
}

/// A PDF/X standard for print exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfX {
    /// PDF/X-1a:2001 (ISO 15930-1): PDF 1.3, CMYK and grey only, no transparency, no
    /// annotations, every font embedded, trim and bleed boxes, an output intent (FOGRA39,
    /// with its ICC profile), `GTS_PDFXVersion` and `Trapped` in the document information.
    X1a2001,
}

impl PdfX {
    /// The conformance name (`PDF/X-1a:2001`).
    pub fn name(self) -> &'static str {
        match self {
            PdfX::X1a2001 => "PDF/X-1a:2001",
        }
    }
}

/// The CMYK output profile of the PDF/X output intent (see `icc/README.md`: CC0).
const OUTPUT_PROFILE: &[u8] = include_bytes!("../icc/FOGRA39L_coated.icc");

/// An sRGB colour (0-1) as CMYK (0-1) for PDF/X: greys (and black) on the black ink only,
/// other colours by grey-component replacement (K = 1 - max), without a colour-managed
/// conversion.
pub(crate) fn cmyk(r: f32, g: f32, b: f32) -> [f32; 4] {
    let k = 1.0 - r.max(g).max(b);
    if (r - g).abs() < 1e-3 && (g - b).abs() < 1e-3 || k >= 1.0 {
        return [0.0, 0.0, 0.0, k];
    }
    let c = |v: f32| ((1.0 - v - k) / (1.0 - k)).clamp(0.0, 1.0);
    [c(r), c(g), c(b), k]
}

/// Why a PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A font could not be read or subset.
    #[error("font `{name}` cannot be embedded: {reason}")]
    Font {
        /// The font's PostScript name.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// An image could not be decoded.
    #[error("image {index} cannot be decoded: {reason}")]
    Image {
        /// Index in the document's images.
        index: usize,
        /// What went wrong.
        reason: String,
    },
}

/// A page's compressed content stream, its link areas, and a hash of the stream for the
/// file identifier (hashed where it is made, on every core).
type DrawnPage = (Vec<u8>, Vec<(Rect, LinkTarget)>, u64);

/// Allocates object numbers in order.
pub(crate) struct Refs(i32);

impl Refs {
    pub(crate) fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// Writes the document as PDF bytes.
pub fn write_pdf(doc: &Document, options: &PdfOptions) -> Result<Vec<u8>, PdfError> {
    // Room for the whole file from the start, rather than copying it each time it grows:
    // pages take about 3 bytes a glyph compressed; fonts and pictures at most their size.
    let glyphs: usize = doc
        .pages
        .iter()
        .flat_map(|page| &page.items)
        .map(|item| match item {
            Item::Text(run) => run.glyphs.len(),
            _ => 0,
        })
        .sum();
    let embedded_bytes: usize = doc.fonts.iter().map(|f| f.data.len() / 4).sum::<usize>()
        + doc.images.iter().map(|i| i.data.len()).sum::<usize>();
    // At most 64 MB ahead: a book of large pictures grows its buffer as before rather than
    // asking for all of it at once.
    let estimate = glyphs * 3 + embedded_bytes + doc.pages.len() * 512 + 65_536;
    let mut pdf = Pdf::with_capacity(estimate.min(64 << 20));
    let pdfx = options.pdfx;
    if pdfx.is_some() {
        pdf.set_version(1, 3);
    } else {
        pdf.set_version(1, 6);
    }
    let mut refs = Refs(0);
    let catalog_ref = refs.next();
    let tree_ref = refs.next();
    let page_refs: Vec<Ref> = doc.pages.iter().map(|_| refs.next()).collect();

    // Fonts: which glyphs of each font are used, and the text each stands for.
    let mut usage = fonts::FontUsage::new(doc.fonts.len());
    for page in &doc.pages {
        for item in &page.items {
            if let Item::Text(run) = item {
                usage.record(run);
            }
        }
    }
    let embedded = fonts::embed(&mut pdf, &mut refs, doc, &usage)?;
    let image_refs = images::embed(&mut pdf, &mut refs, doc, pdfx.is_some())?;

    let bleed = doc.bleed.0 as f32;
    let (w, h) = (doc.width.0 as f32, doc.height.0 as f32);
    // An interior bleeds at the top, bottom and outside edge; a cover wrap on all sides.
    let media_w = if doc.full_bleed {
        w + 2.0 * bleed
    } else {
        w + bleed
    };
    let media = Rect::new(0.0, 0.0, media_w, h + 2.0 * bleed);
    let shift_of = |recto: bool| if doc.full_bleed || !recto { bleed } else { 0.0 };
    // Content streams, built and compressed on every core; order is kept, so the bytes do
    // not depend on the number of threads.
    let draw = |page: &quire_typeset::frame::Page| -> DrawnPage {
        // The bleed is on the outside edge: right on rectos, left on versos.
        let x_shift = shift_of(page.recto);
        let to_pdf = |x: f64, y: f64| (x as f32 + x_shift, h + bleed - y as f32);
        let mut links = Vec::new();
        let mut stream = PageStream::with_capacity(4096);
        stream.op("0 g");
        // Horizontal scaling is text state: it persists until changed, across text objects.
        let mut scaling = 100.0f32;
        for item in &page.items {
            match item {
                Item::Text(run) => {
                    draw_text(&mut stream, run, &embedded, &usage, &to_pdf, &mut scaling)
                }
                Item::Color(rgb) => {
                    let channel = |c: u8| f32::from(c) / 255.0;
                    let (r, g, b) = (channel(rgb.0), channel(rgb.1), channel(rgb.2));
                    stream.content(|content| {
                        if pdfx.is_some() {
                            let [c, m, y, k] = cmyk(r, g, b);
                            content.set_fill_cmyk(c, m, y, k);
                        } else if doc.color_images {
                            content.set_fill_rgb(r, g, b);
                        } else {
                            // Rec. 709 luminance, as pictures are turned grey.
                            content.set_fill_gray(0.2126 * r + 0.7152 * g + 0.0722 * b);
                        }
                    });
                }
                Item::Rule(rule) => {
                    let (x, y) = to_pdf(
                        rule.rect.origin.x.0,
                        rule.rect.origin.y.0 + rule.rect.height.0,
                    );
                    stream.content(|content| {
                        content.rect(x, y, rule.rect.width.0 as f32, rule.rect.height.0 as f32);
                        content.fill_nonzero();
                    });
                }
                Item::Image(placed) => {
                    let r = placed.rect;
                    let (x, y) = to_pdf(r.origin.x.0, r.origin.y.0 + r.height.0);
                    stream.content(|content| {
                        content.save_state();
                        content.transform([r.width.0 as f32, 0.0, 0.0, r.height.0 as f32, x, y]);
                        content.x_object(Name(images::name(placed.image.0).as_bytes()));
                        content.restore_state();
                    });
                }
                // PDF/X-1a: no annotation inside the bleed box, so no links.
                Item::Link(_) if pdfx.is_some() => {}
                Item::Link(link) => {
                    let r = link.rect;
                    let (x0, y0) = to_pdf(r.origin.x.0, r.origin.y.0 + r.height.0);
                    let rect = Rect::new(x0, y0, x0 + r.width.0 as f32, y0 + r.height.0 as f32);
                    links.push((rect, link.target.clone()));
                }
            }
        }
        let compressed = deflate_page(&stream.finish());
        let hash = metadata::content_hash(&compressed);
        (compressed, links, hash)
    };
    let drawn: Vec<DrawnPage> = parallel_map(&doc.pages, &draw);
    let mut annotations_all: Vec<(Ref, Rect, LinkTarget)> = Vec::new();
    let mut contents = Vec::with_capacity(drawn.len());
    let mut content_hashes = Vec::with_capacity(drawn.len());
    // Per page, the indices of its links in `annotations_all`.
    let mut page_links: Vec<std::ops::Range<usize>> = Vec::with_capacity(drawn.len());
    for (data, links, hash) in drawn {
        let first = annotations_all.len();
        for (rect, target) in links {
            annotations_all.push((refs.next(), rect, target));
        }
        page_links.push(first..annotations_all.len());
        contents.push(data);
        content_hashes.push(hash);
    }

    for (index, page) in doc.pages.iter().enumerate() {
        let content_ref = refs.next();
        let x_shift = shift_of(page.recto);
        let trim = Rect::new(x_shift, bleed, x_shift + w, bleed + h);
        let mut p = pdf.page(page_refs[index]);
        p.parent(tree_ref);
        p.media_box(media);
        p.bleed_box(media);
        p.trim_box(trim);
        p.contents(content_ref);
        let annots: Vec<Ref> = annotations_all
            .get(page_links[index].clone())
            .unwrap_or_default()
            .iter()
            .map(|a| a.0)
            .collect();
        if !annots.is_empty() {
            p.annotations(annots);
        }
        let mut resources = p.resources();
        {
            let mut font_dict = resources.fonts();
            for (font_index, font) in embedded.iter().enumerate() {
                if let Some(font) = font {
                    font_dict.pair(Name(fonts::name(font_index).as_bytes()), font.type0);
                }
            }
        }
        if !image_refs.is_empty() {
            let mut xobjects = resources.x_objects();
            for (i, r) in image_refs.iter().enumerate() {
                xobjects.pair(Name(images::name(i).as_bytes()), *r);
            }
        }
        resources.finish();
        p.finish();
        pdf.stream(content_ref, &contents[index])
            .filter(Filter::FlateDecode);
    }

    for (annot_ref, rect, target) in &annotations_all {
        let mut annot = pdf.annotation(*annot_ref);
        annot.subtype(AnnotationType::Link);
        annot.rect(*rect);
        annot.border(0.0, 0.0, 0.0, None);
        match target {
            LinkTarget::Page { page, y } => {
                let Some(page_ref) = page_refs.get(*page).or(page_refs.first()).copied() else {
                    continue;
                };
                let top = h + bleed - y.0 as f32;
                annot
                    .action()
                    .action_type(ActionType::GoTo)
                    .destination()
                    .page(page_ref)
                    .xyz(0.0, top, None);
            }
            LinkTarget::Uri(uri) => {
                annot
                    .action()
                    .action_type(ActionType::Uri)
                    .uri(Str(uri.as_bytes()));
            }
        }
    }

    pdf.pages(tree_ref)
        .kids(page_refs.iter().copied())
        .count(page_refs.len() as i32);

    let outline_ref = write_outline(&mut pdf, &mut refs, &doc.outline, &page_refs, h + bleed);
    let (info_ref, xmp_ref) = metadata::write(&mut pdf, &mut refs, doc, options);
    let profile_ref = refs.next();
    if pdfx.is_some() {
        let compressed = deflate(OUTPUT_PROFILE, 6);
        pdf.icc_profile(profile_ref, &compressed)
            .n(4)
            .filter(Filter::FlateDecode);
    }

    // Page labels: a new range wherever the numbering style or sequence changes.
    let mut label_refs: Vec<(i32, Ref)> = Vec::new();
    let mut previous: Option<(NumberStyle, u32)> = None;
    for (index, page) in doc.pages.iter().enumerate() {
        let n = page.number;
        let continues =
            previous.is_some_and(|(style, value)| style == n.style && value + 1 == n.value);
        if !continues {
            let label_ref = refs.next();
            // Written without the optional /Type /PageLabel: some readers (MuPDF among them)
            // take the "/P" of "/PageLabel" for a prefix and label page 3 "ageLabel3".
            let mut label = pdf.indirect(label_ref).dict();
            let style: &[u8] = match n.style {
                NumberStyle::Arabic => b"D",
                NumberStyle::LowerRoman => b"r",
            };
            label.pair(Name(b"S"), Name(style));
            label.pair(Name(b"St"), n.value.max(1) as i32);
            label.finish();
            label_refs.push((index as i32, label_ref));
        }
        previous = Some((n.style, n.value));
    }

    let mut catalog = pdf.catalog(catalog_ref);
    catalog.pages(tree_ref);
    if let Some(outline) = outline_ref {
        catalog.outlines(outline);
        catalog.page_mode(pdf_writer::types::PageMode::UseOutlines);
    }
    catalog.metadata(xmp_ref);
    if pdfx.is_some() {
        let mut intents = catalog.output_intents();
        let mut intent = intents.push();
        intent
            .subtype(pdf_writer::types::OutputIntentSubtype::PDFX)
            .output_condition_identifier(TextStr("FOGRA39"))
            .registry_name(TextStr("http://www.color.org"))
            .output_condition(TextStr(
                "Offset printing, according to ISO 12647-2:2004/Amd 1, paper type 1 or 2 (coated)",
            ))
            .info(TextStr("Coated FOGRA39 (ISO 12647-2:2004)"))
            .dest_output_profile(profile_ref);
        intent.finish();
        intents.finish();
    }
    if !doc.info.language.is_empty() {
        catalog.lang(TextStr(&doc.info.language));
    }
    if !label_refs.is_empty() {
        let mut labels = catalog.page_labels();
        let mut nums = labels.nums();
        for (index, label_ref) in label_refs {
            nums.insert(index, label_ref);
        }
    }
    catalog.finish();
    let _ = info_ref;

    pdf.set_file_id(metadata::file_id(doc, &content_hashes));
    Ok(pdf.finish())
}

/// `data` compressed as a zlib stream (`/FlateDecode`) at `level` (0 to 9); the same bytes
/// every time.
pub(crate) fn deflate(data: &[u8], level: u32) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 3 + 64),
        flate2::Compression::new(level.min(9)),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Maps `f` over `items` on up to four threads (the machine's cores), keeping the order.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: &(dyn Fn(&T) -> R + Sync)) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    if threads == 1 || items.len() < 8 {
        return items.iter().map(f).collect();
    }
    // Each thread takes the next item as it finishes one, so that a core slowed by other
    // work (the cover, freeing) does not leave the rest waiting for its share.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return done;
                        };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
        for handle in handles {
            let done = handle
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            for (i, result) in done {
                slots[i] = Some(result);
            }
        }
        slots
    });
    // Every index was taken by exactly one thread.
    slots.iter_mut().filter_map(Option::take).collect()
}

/// Draws one run: glyphs as 2-byte CIDs, positioned exactly with TJ adjustments.
fn draw_text(
    stream: &mut PageStream,
    run: &TextRun,
    embedded: &[Option<fonts::EmbeddedFont>],
    usage: &fonts::FontUsage,
    to_pdf: &dyn Fn(f64, f64) -> (f32, f32),
    scaling: &mut f32,
) {
    let Some(Some(font)) = embedded.get(run.font.0) else {
        return;
    };
    let size = run.size.0 as f32;
    if run.glyphs.is_empty() || size <= 0.0 {
        return;
    }
    let scale = (run.horizontal_scale as f32).max(1.0);
    let (x, y) = to_pdf(run.origin.x.0, run.origin.y.0);
    stream.op("BT");
    stream.name(&fonts::name(run.font.0));
    stream.number(size);
    stream.op("Tf");
    if (scale - *scaling).abs() > f32::EPSILON {
        stream.number(scale);
        stream.op("Tz");
        *scaling = scale;
    }
    let matrix = if run.rotated {
        [0.0, -1.0, 1.0, 0.0, x, y]
    } else {
        [1.0, 0.0, 0.0, 1.0, x, y]
    };
    for value in matrix {
        stream.number(value);
    }
    stream.op("Tm");
    let factor = size * scale / 100.0 / 1000.0;
    let mut pen = 0.0f32;
    // Glyphs go out in strings of one TJ each; a glyph whose text is not what the font's
    // ToUnicode map says (the .notdef box of a character no font has, or a glyph shared by
    // two characters) goes out alone inside a marked-content span with its `ActualText`, so
    // that copying and searching give the real character. So does a glyph whose cluster goes
    // on in further glyphs: the ToUnicode map would give those the text they were met with
    // elsewhere, or none (Devanagari's हि is the vowel sign, then ह: the ह glyph would copy
    // a second ह).
    // A glyph the font moves up or down (a mark over a capital, under a descender) is
    // drawn with that text rise (`Ts`), back to 0 after the run.
    let mut rise = 0.0f32;
    let mut start = 0;
    while start < run.glyphs.len() {
        let continued = |k: usize| {
            run.glyphs
                .get(k + 1)
                .is_some_and(|g| run.glyph_text(g).is_empty())
        };
        let special = |k: usize| {
            let g = &run.glyphs[k];
            let text = run.glyph_text(g);
            !text.is_empty() && (usage.text_of(run.font.0, g.id) != Some(text) || continued(k))
        };
        let first = &run.glyphs[start];
        let level = run.rise(start);
        let alone = special(start);
        let at_level = |k: usize| run.rise(start + 1 + k) == level;
        let end = if alone {
            // The glyph and the glyphs continuing its cluster at its level.
            start
                + 1
                + run.glyphs[start + 1..]
                    .iter()
                    .enumerate()
                    .take_while(|(k, g)| run.glyph_text(g).is_empty() && at_level(*k))
                    .count()
        } else {
            start
                + 1
                + run.glyphs[start + 1..]
                    .iter()
                    .enumerate()
                    .take_while(|(k, _)| !special(start + 1 + k) && at_level(*k))
                    .count()
        };
        if level != rise {
            stream.number(level);
            stream.op("Ts");
            rise = level;
        }
        if alone {
            let text = run.glyph_text(first);
            stream.content(|content| {
                content
                    .begin_marked_content_with_properties(Name(b"Span"))
                    .properties()
                    .actual_text(TextStr(text));
            });
        }
        show_glyphs(
            stream,
            &run.glyphs[start..end],
            run.font.0,
            font,
            usage,
            factor,
            &mut pen,
        );
        if alone {
            stream.op("EMC");
        }
        start = end;
    }
    if rise != 0.0 {
        stream.number(0.0);
        stream.op("Ts");
    }
    stream.op("ET");
}

/// Shows glyphs with one `TJ`, each at its place: `pen` is where the text position is, in
/// points from the run's origin, before and after.
fn show_glyphs(
    stream: &mut PageStream,
    glyphs: &[frame::Glyph],
    font_index: usize,
    font: &fonts::EmbeddedFont,
    usage: &fonts::FontUsage,
    factor: f32,
    pen: &mut f32,
) {
    stream.open_array();
    // Glyphs between two adjustments go out as one string.
    let mut pending: Vec<u8> = Vec::with_capacity(glyphs.len() * 2);
    for glyph in glyphs {
        let target = glyph.x;
        let delta = target - *pen;
        // Positions to a thousandth of an em at most (a hundredth of a point at 11 pt).
        let adjust = (-delta / factor * 10.0).round() / 10.0;
        if adjust != 0.0 {
            if !pending.is_empty() {
                stream.string(&pending);
                pending.clear();
            }
            stream.number(adjust);
            *pen -= adjust * factor;
        }
        let cid = usage.cid(font_index, glyph.id);
        pending.extend_from_slice(&cid.to_be_bytes());
        *pen += font.width_of(glyph.id) * factor;
    }
    if !pending.is_empty() {
        stream.string(&pending);
    }
    stream.close_array("TJ");
}

/// A page's content stream compressed as [`deflate`] at level 1 would, by a compressor
/// kept for the thread: making one costs as much as compressing a page (it clears and
/// allocates a third of a megabyte), so the pages a thread draws share it.
fn deflate_page(data: &[u8]) -> Vec<u8> {
    use std::cell::RefCell;
    thread_local! {
        static PAGE_COMPRESSOR: RefCell<Option<flate2::Compress>> = const { RefCell::new(None) };
    }
    PAGE_COMPRESSOR.with(|cell| {
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return deflate(data, 1);
        };
        let compress =
            slot.get_or_insert_with(|| flate2::Compress::new(flate2::Compression::new(1), true));
        compress.reset();
        let mut out = Vec::with_capacity(data.len() / 3 + 64);
        loop {
            let read = compress.total_in() as usize;
            let status = compress.compress_vec(
                data.get(read..).unwrap_or_default(),
                &mut out,
                flate2::FlushCompress::Finish,
            );
            match status {
                Ok(flate2::Status::StreamEnd) => return out,
                Ok(_) => out.reserve(out.capacity().max(64)),
                // Not reached with a whole input and room to grow; the one-off way then.
                Err(_) => return deflate(data, 1),
            }
        }
    })
}

fn write_outline(
    pdf: &mut Pdf,
    refs: &mut Refs,
    entries: &[OutlineEntry],
    page_refs: &[Ref],
    top: f32,
) -> Option<Ref> {
    if entries.is_empty() || page_refs.is_empty() {
        return None;
    }
    let root = refs.next();
    let (first, last, count) = write_outline_level(pdf, refs, entries, root, page_refs, top);
    let mut outline = pdf.outline(root);
    outline.first(first);
    outline.last(last);
    outline.count(count);
    Some(root)
}

/// Writes one level; returns (first, last, number of visible descendants).
fn write_outline_level(
    pdf: &mut Pdf,
    refs: &mut Refs,
    entries: &[OutlineEntry],
    parent: Ref,
    page_refs: &[Ref],
    top: f32,
) -> (Ref, Ref, i32) {
    let ids: Vec<Ref> = entries.iter().map(|_| refs.next()).collect();
    let mut total = 0;
    let mut children: BTreeMap<usize, (Ref, Ref, i32)> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        if !entry.children.is_empty() {
            let sub = write_outline_level(pdf, refs, &entry.children, ids[i], page_refs, top);
            children.insert(i, sub);
        }
    }
    for (i, entry) in entries.iter().enumerate() {
        let mut item = pdf.outline_item(ids[i]);
        item.title(TextStr(&entry.title));
        item.parent(parent);
        if i > 0 {
            item.prev(ids[i - 1]);
        }
        if i + 1 < ids.len() {
            item.next(ids[i + 1]);
        }
        if let Some((first, last, _)) = children.get(&i) {
            item.first(*first);
            item.last(*last);
            item.count(-(entry.children.len() as i32));
        }
        let Some(page_ref) = page_refs.get(entry.page).or(page_refs.first()).copied() else {
            continue;
        };
        item.dest()
            .page(page_ref)
            .xyz(0.0, top - entry.y.0 as f32, None);
        total += 1;
    }
    (ids[0], ids[ids.len() - 1], total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quire_typeset::frame::{LinkArea, OutlineEntry, Page, Point, Rect as FrameRect};
    use quire_typeset::units::Pt;

    #[test]
    fn odd_documents_do_not_panic() {
        let empty = Document::default();
        let bytes = write_pdf(&empty, &PdfOptions::default()).unwrap();
        assert!(bytes.starts_with(b"%PDF-1.6"));
        // Links and bookmarks pointing past the last page fall back to the first.
        let doc = Document {
            width: Pt(300.0),
            height: Pt(400.0),
            pages: vec![Page {
                items: vec![Item::Link(LinkArea {
                    rect: FrameRect {
                        origin: Point::default(),
                        width: Pt(10.0),
                        height: Pt(10.0),
                    },
                    target: LinkTarget::Page {
                        page: 99,
                        y: Pt(0.0),
                    },
                })],
                ..Page::default()
            }],
            outline: vec![OutlineEntry {
                title: "Far".into(),
                page: 42,
                y: Pt(0.0),
                children: Vec::new(),
            }],
            ..Document::default()
        };
        let bytes = write_pdf(&doc, &PdfOptions::default()).unwrap();
        assert_eq!(bytes, write_pdf(&doc, &PdfOptions::default()).unwrap());
    }
}

#[cfg(test)]
mod mark_tests {
    use super::*;
    use quire_model::{Block, BlockKind, Book, Chapter, Inline, InlineKind, Span};

    fn family() -> quire_typeset::FontFamily {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fonts");
        let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
        quire_typeset::FontFamily::from_bytes(read("EBGaramond12-Regular.otf"), None, None, None)
            .unwrap()
    }

    /// A book of one chapter holding one paragraph of plain text.
    fn one_paragraph(text: &str) -> Book {
        let mut book = Book::default();
        book.body.push(Chapter {
            blocks: vec![Block {
                kind: BlockKind::Paragraph(vec![Inline {
                    kind: InlineKind::Text(text.into()),
                    span: Span::default(),
                }]),
                span: Span::default(),
            }],
            ..Chapter::default()
        });
        book
    }

    /// The page content streams of a PDF, inflated.
    fn contents(pdf: &[u8]) -> String {
        let mut out = String::new();
        let mut rest = pdf;
        while let Some(at) = rest.windows(7).position(|w| w == b"stream\n") {
            let body = &rest[at + 7..];
            let end = body
                .windows(9)
                .position(|w| w == b"endstream")
                .unwrap_or(body.len());
            if let Ok(raw) = miniz_oxide::inflate::decompress_to_vec_zlib(&body[..end]) {
                out.push_str(&String::from_utf8_lossy(&raw));
            }
            rest = body.get(end + 9..).unwrap_or_default();
        }
        out
    }

    #[test]
    fn marks_placed_above_or_below_the_baseline_are_drawn_there() {
        let book = one_paragraph("Q\u{0308}X\u{0308}J\u{0301} aq\u{0323}x\u{0308} word");
        let typeset = quire_typeset::typeset_book(&book, &family());
        let offsets: Vec<f32> = typeset
            .document
            .pages
            .iter()
            .flat_map(|p| &p.items)
            .filter_map(|i| match i {
                Item::Text(run) => Some(run.rises.iter().map(|(_, y)| *y)),
                _ => None,
            })
            .flatten()
            .filter(|y| *y != 0.0)
            .collect();
        assert!(
            !offsets.is_empty(),
            "the font raises the diaeresis over capitals"
        );
        let pdf = write_pdf(&typeset.document, &PdfOptions::default()).unwrap();
        let streams = contents(&pdf);
        let rises: Vec<&str> = streams.lines().filter(|l| l.ends_with(" Ts")).collect();
        assert!(
            rises.iter().any(|l| *l != "0 Ts"),
            "no text rise in the content: {rises:?}"
        );
        assert_eq!(rises.last(), Some(&"0 Ts"), "the rise is reset");
    }

    #[test]
    fn parallel_map_keeps_the_order_whatever_each_item_costs() {
        let items: Vec<u64> = (0..200).collect();
        let slow = |n: &u64| {
            // Some items take far longer than others.
            let spins = if n.is_multiple_of(7) { 200_000 } else { 10 };
            let mut a = *n;
            for b in 0..spins {
                a = std::hint::black_box(a.wrapping_mul(31).wrapping_add(b));
            }
            std::hint::black_box(a);
            n * 2
        };
        assert_eq!(
            parallel_map(&items, &slow),
            items.iter().map(|n| n * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_cluster_longer_than_a_glyph_can_name_keeps_all_its_text() {
        // One letter under 40,000 acute accents: 80,001 bytes in one cluster, more than
        // one glyph's text can hold; the glyphs after it carry the rest.
        let word = format!("e{}", "\u{0301}".repeat(40_000));
        let book = one_paragraph(&format!("A {word} b"));
        let typeset = quire_typeset::typeset_book(&book, &family());
        let mut named = String::new();
        for page in &typeset.document.pages {
            for item in &page.items {
                if let Item::Text(run) = item {
                    for glyph in &run.glyphs {
                        named.push_str(run.glyph_text(glyph));
                    }
                }
            }
        }
        assert!(
            named.contains(&word),
            "the glyphs name {} of the cluster's {} bytes",
            named.len(),
            word.len()
        );
        write_pdf(&typeset.document, &PdfOptions::default()).unwrap();
    }
}
