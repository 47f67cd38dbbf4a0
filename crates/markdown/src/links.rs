//! Links between files and to headings, resolved once the whole book is read.
//!
//! Authors write links the way mdBook, GitHub and pandoc taught them: `other.md`,
//! `other.md#a-heading`, `#a-heading`, `../part/file.md#x`, even `other.html`. A heading
//! answers to its id and to the slug of its text (lowercase, spaces to `-`, punctuation
//! dropped, as mdBook and GitHub make it; a second heading of the same text gets `-1`),
//! in its own file first, then, as Pandoc reading the files as one, in the others; a
//! file answers to its chapter (or, for a file that continues a chapter, its first heading).
//! Every link becomes `#id` of an anchor unique in the book, or is dropped with a warning
//! at its place (`quire check` reports it); backends never see a path.

use std::collections::{BTreeMap, BTreeSet};

use quire_model::{Block, BlockKind, Book, Chapter, Diagnostic, FileId, Inline, InlineKind, Span};

/// A file of the book's `[contents]`, as links name it.
#[derive(Debug, Clone)]
pub(crate) struct BookFile {
    /// Path relative to the book folder, `/`-separated.
    pub(crate) path: String,
    /// The source file.
    pub(crate) file: FileId,
    /// Index of its chapter in reading order (`Book::chapters()`).
    pub(crate) chapter: usize,
    /// How many chapters it makes, from `chapter` on (more than one when it has several
    /// `#` headings).
    pub(crate) chapters: usize,
    /// The anchor a link to the file itself goes to.
    pub(crate) anchor: String,
}

/// The slug mdBook and GitHub give a heading: lowercase letters, digits, `-` and `_`,
/// whitespace as `-`, everything else dropped.
pub(crate) fn heading_slug(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_lowercase().collect::<String>())
            } else if c.is_whitespace() {
                Some("-".to_string())
            } else {
                None
            }
        })
        .collect()
}

/// What a fragment means in one chapter: slug or id -> anchor id.
type Fragments = BTreeMap<String, String>;

fn walk_blocks<'b>(blocks: &'b [Block], f: &mut dyn FnMut(&'b Block)) {
    for block in blocks {
        f(block);
        match &block.kind {
            BlockKind::BlockQuote(inner) => walk_blocks(inner, f),
            BlockKind::List(list) => {
                for item in &list.items {
                    walk_blocks(&item.blocks, f);
                }
            }
            _ => {}
        }
    }
}

fn walk_inlines<'i>(inlines: &'i [Inline], f: &mut dyn FnMut(&'i Inline)) {
    for inline in inlines {
        f(inline);
        if let Some(c) = inline.kind.children() {
            walk_inlines(c, f);
        }
    }
}

/// Every inline list of a block (paragraph, heading, verse line, caption, cell).
fn block_inlines<'b>(block: &'b Block, f: &mut dyn FnMut(&'b [Inline])) {
    match &block.kind {
        BlockKind::Paragraph(c)
        | BlockKind::Aligned { content: c, .. }
        | BlockKind::Heading { content: c, .. } => f(c),
        BlockKind::Verse(stanzas) => {
            for line in stanzas.iter().flatten() {
                f(&line.content);
            }
        }
        BlockKind::Figure(figure) => {
            if let Some(caption) = &figure.caption {
                f(caption);
            }
        }
        BlockKind::Table(table) => {
            for cell in table.head.iter().chain(table.rows.iter().flatten()) {
                f(&cell.content);
            }
        }
        _ => {}
    }
}

/// The anchors of a chapter: its own id and title slug, its headings (id and slug), its
/// footnotes and its `<a id>` anchors.
fn fragments(
    chapter: &Chapter,
    ids: &mut BTreeMap<String, Span>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Fragments {
    let mut map = Fragments::new();
    let mut slugs: BTreeMap<String, usize> = BTreeMap::new();
    let mut add_slug = |map: &mut Fragments, text: &str, id: &str| {
        let base = heading_slug(text);
        if base.is_empty() {
            return;
        }
        let n = slugs.entry(base.clone()).or_insert(0);
        let slug = if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        *n += 1;
        map.entry(slug).or_insert_with(|| id.to_string());
    };
    let mut own = |map: &mut Fragments, id: &str, span: Span| {
        if let Some(first) = ids.get(id) {
            if *first != span {
                diagnostics.push(
                    Diagnostic::warning(
                        span,
                        format!("the anchor `{id}` is used twice in the book"),
                    )
                    .with_hint("give each `<a id>` its own name: links go to the first"),
                );
            }
        } else {
            ids.insert(id.to_string(), span);
        }
        map.entry(id.to_string()).or_insert_with(|| id.to_string());
    };
    own(&mut map, &chapter.id, chapter.span);
    if let Some(title) = &chapter.title_text {
        add_slug(&mut map, title, &chapter.id);
    }
    let mut anchors: Vec<(String, Span)> = Vec::new();
    let mut headings: Vec<(String, String)> = Vec::new();
    let mut collect = |blocks: &[Block]| {
        walk_blocks(blocks, &mut |block| {
            match &block.kind {
                BlockKind::Heading { id, content, .. } => {
                    headings.push((id.clone(), Inline::plain_text(content)));
                }
                BlockKind::Anchor(id) => anchors.push((id.clone(), block.span)),
                _ => {}
            }
            block_inlines(block, &mut |inlines| {
                walk_inlines(inlines, &mut |inline| {
                    if let InlineKind::Anchor(id) = &inline.kind {
                        anchors.push((id.clone(), inline.span));
                    }
                });
            });
        });
    };
    collect(&chapter.blocks);
    for note in &chapter.footnotes {
        collect(&note.blocks);
    }
    for (id, text) in headings {
        own(&mut map, &id, chapter.span);
        add_slug(&mut map, &text, &id);
    }
    for note in &chapter.footnotes {
        own(&mut map, &note.id, note.span);
    }
    for (id, span) in anchors {
        own(&mut map, &id, span);
    }
    map
}

/// Decodes `%xx` escapes (links to headings with accents or spaces, picture paths written
/// as web addresses).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// `base_dir/relative`, with `.` and `..` folded; `None` above the book folder.
fn join(base_dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = base_dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

struct Resolver<'a> {
    files: &'a [BookFile],
    fragments: Vec<Fragments>,
    ids: BTreeSet<String>,
    /// The ids headings name for themselves (`{#id}`) -> the id each stands for.
    aliases: BTreeMap<String, String>,
}

impl Resolver<'_> {
    /// The anchor id a link written in `from` (a file of chapter `chapter`) points to, or
    /// why it points nowhere.
    fn resolve(&self, url: &str, from: FileId, chapter: usize) -> Result<String, String> {
        let (path, fragment) = match url.split_once('#') {
            Some((p, f)) => (p, Some(percent_decode(f))),
            None => (url, None),
        };
        let path = path.split('?').next().unwrap_or(path);
        // The chapters to look in, in order: the one linked to first, then the other
        // chapters of its file.
        let mut targets: Vec<usize>;
        let mut default_anchor = None;
        if path.is_empty() {
            targets = vec![chapter];
            if let Some(file) = self
                .files
                .iter()
                .find(|f| f.file == from && (f.chapter..f.chapter + f.chapters).contains(&chapter))
            {
                targets
                    .extend((file.chapter..file.chapter + file.chapters).filter(|c| *c != chapter));
            }
        } else {
            let base = self
                .files
                .iter()
                .find(|f| f.file == from)
                .map(|f| f.path.rsplit_once('/').map_or("", |(dir, _)| dir))
                .unwrap_or("");
            let joined = join(base, &percent_decode(path))
                .ok_or_else(|| format!("`{path}` is outside the book"))?;
            let as_md = joined
                .strip_suffix(".html")
                .or_else(|| joined.strip_suffix(".htm"))
                .map(|stem| format!("{stem}.md"));
            let file = self
                .files
                .iter()
                .find(|f| f.path == joined || Some(&f.path) == as_md.as_ref())
                .ok_or_else(|| format!("`{path}` is not a file of the book's [contents]"))?;
            targets = (file.chapter..file.chapter + file.chapters.max(1)).collect();
            default_anchor = Some(file.anchor.clone());
        }
        match fragment {
            Some(fragment) if !fragment.is_empty() => {
                if let Some(id) = targets
                    .iter()
                    .find_map(|c| self.fragments.get(*c).and_then(|m| m.get(&fragment)))
                {
                    return Ok(id.clone());
                }
                // A heading's own `{#id}`: in the file linked to, or (with no file) anywhere.
                if let Some(id) = self.aliases.get(&fragment).filter(|id| {
                    path.is_empty()
                        || targets
                            .iter()
                            .any(|c| self.fragments.get(*c).is_some_and(|m| m.contains_key(*id)))
                }) {
                    return Ok(id.clone());
                }
                if path.is_empty() && self.ids.contains(&fragment) {
                    return Ok(fragment);
                }
                // A heading's slug in another file (`#beta-section` for `## Beta section`
                // there), as Pandoc, which reads the files as one, finds it: the first in
                // reading order.
                if path.is_empty()
                    && let Some(id) = self.fragments.iter().find_map(|m| m.get(&fragment))
                {
                    return Ok(id.clone());
                }
                let near = targets
                    .iter()
                    .filter_map(|c| self.fragments.get(*c))
                    .flat_map(|m| m.keys())
                    .map(|k| (strsim::jaro_winkler(k, &fragment), k))
                    .filter(|(score, _)| *score >= 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, k)| format!("; did you mean `#{k}`?"))
                    .unwrap_or_default();
                Err(format!("no heading or anchor `{fragment}` there{near}"))
            }
            _ => default_anchor.ok_or_else(|| "the link names no place".to_string()),
        }
    }
}

/// Resolves every link and cross-reference of the book to `#id`, dropping (with a warning
/// at its place) those that point nowhere.
pub(crate) fn resolve(
    book: &mut Book,
    files: &[BookFile],
    aliases: &[(String, String, Span)],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut ids_seen: BTreeMap<String, Span> = BTreeMap::new();
    let fragments: Vec<Fragments> = book
        .chapters()
        .map(|c| fragments(c, &mut ids_seen, diagnostics))
        .collect();
    let mut alias_map: BTreeMap<String, String> = BTreeMap::new();
    for (alias, id, span) in aliases {
        if alias_map.contains_key(alias) {
            diagnostics.push(
                Diagnostic::warning(*span, format!("the id `{alias}` is used twice in the book"))
                    .with_hint("give each heading its own `{#id}`: links go to the first"),
            );
        } else {
            alias_map.insert(alias.clone(), id.clone());
        }
    }
    let resolver = Resolver {
        files,
        fragments,
        ids: ids_seen.into_keys().collect(),
        aliases: alias_map,
    };
    let has_stores = !book.metadata.stores.is_empty();
    book.inline_runs_mut(&mut |index, inlines| {
        resolve_inlines(inlines, &resolver, index, has_stores, diagnostics);
    });
}

fn resolve_inlines(
    inlines: &mut Vec<Inline>,
    resolver: &Resolver<'_>,
    chapter: usize,
    has_stores: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut i = 0;
    while i < inlines.len() {
        let span = inlines[i].span;
        match &mut inlines[i].kind {
            InlineKind::Emphasis(c)
            | InlineKind::Strong(c)
            | InlineKind::Styled { content: c, .. } => {
                resolve_inlines(c, resolver, chapter, has_stores, diagnostics);
            }
            InlineKind::Link { url, content } => {
                resolve_inlines(content, resolver, chapter, has_stores, diagnostics);
                if quire_model::is_store_link(url) && !has_stores {
                    diagnostics.push(
                        Diagnostic::warning(
                            span,
                            "a `store:` link, but [book.stores] names no store page: its text is kept without a link",
                        )
                        .with_hint("add the book's pages to book.toml: `[book.stores]` with `amazon = \"https://...\"`, `kobo`, `apple`, `google`, `bn` or `default`"),
                    );
                } else if !crate::parse::is_external(url) {
                    match resolver.resolve(url, span.file, chapter) {
                        Ok(id) => *url = format!("#{id}"),
                        Err(why) => {
                            diagnostics.push(
                                Diagnostic::warning(
                                    span,
                                    format!("link to `{url}` goes nowhere: {why}; its text is kept"),
                                )
                                .with_hint("link to a file of [contents], a heading (`file.md#heading-text`) or an `<a id=\"...\">` anchor"),
                            );
                            let content = std::mem::take(content);
                            let n = content.len();
                            inlines.splice(i..=i, content);
                            i += n;
                            continue;
                        }
                    }
                }
            }
            InlineKind::CrossRef { target, .. } => {
                match resolver.resolve(target, span.file, chapter) {
                    Ok(id) => *target = id,
                    Err(why) => {
                        diagnostics.push(
                        Diagnostic::warning(
                            span,
                            format!("cross-reference to `{target}` goes nowhere: {why}; it is left out"),
                        )
                        .with_hint("point it at a heading, a chapter file or an `<a id=\"...\">` anchor"),
                    );
                        inlines.remove(i);
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_as_mdbook_makes_them() {
        assert_eq!(heading_slug("Meet Safe and Unsafe"), "meet-safe-and-unsafe");
        assert_eq!(
            heading_slug("The `Send` and `Sync` traits!"),
            "the-send-and-sync-traits"
        );
        assert_eq!(heading_slug("Réservé à l’été"), "réservé-à-lété");
        assert_eq!(heading_slug("a_b-c d"), "a_b-c-d");
    }

    #[test]
    fn paths_fold_and_decode() {
        assert_eq!(join("part", "../intro.md"), Some("intro.md".into()));
        assert_eq!(join("", "./a/b.md"), Some("a/b.md".into()));
        assert_eq!(join("", "../x.md"), None);
        assert_eq!(percent_decode("caf%C3%A9%20x"), "café x");
    }
}
