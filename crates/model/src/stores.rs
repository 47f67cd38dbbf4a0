//! Links to the book's store pages: `store:` in the manuscript, resolved per edition.

use crate::{Block, BlockKind, Book, Inline, InlineKind};

impl Book {
    /// Calls `f` with every run of inlines of the book, to change them: chapter titles,
    /// paragraphs, headings, verse lines, list items, quotations, captions, table cells and
    /// footnotes, with the chapter's index in reading order.
    pub fn inline_runs_mut(&mut self, f: &mut dyn FnMut(usize, &mut Vec<Inline>)) {
        let chapters = self
            .front
            .iter_mut()
            .chain(self.body.iter_mut())
            .chain(self.back.iter_mut());
        for (index, chapter) in chapters.enumerate() {
            let mut run = |inlines: &mut Vec<Inline>| f(index, inlines);
            if let Some(title) = &mut chapter.title {
                run(title);
            }
            for block in &mut chapter.blocks {
                block_runs_mut(block, &mut run);
            }
            for note in &mut chapter.footnotes {
                for block in &mut note.blocks {
                    block_runs_mut(block, &mut run);
                }
            }
        }
    }

    /// Points every `store:` link at `url`, the book's page at the store of the edition
    /// being built; without one, the links become their text. Returns how many links
    /// became text.
    pub fn resolve_store_links(&mut self, url: Option<&str>) -> usize {
        let mut unlinked = 0;
        self.inline_runs_mut(&mut |_, inlines| {
            unlinked += store_links_in(inlines, url);
        });
        unlinked
    }
}

impl Block {
    /// Calls `f` with every run of inlines inside this block, recursively (paragraphs,
    /// headings, quotations, list items, verse lines, captions, table cells), to change them.
    pub fn inline_runs_mut(&mut self, f: &mut dyn FnMut(&mut Vec<Inline>)) {
        block_runs_mut(self, f);
    }
}

fn block_runs_mut(block: &mut Block, f: &mut dyn FnMut(&mut Vec<Inline>)) {
    match &mut block.kind {
        BlockKind::Paragraph(c)
        | BlockKind::Aligned { content: c, .. }
        | BlockKind::Heading { content: c, .. } => f(c),
        BlockKind::BlockQuote(inner) => {
            for b in inner {
                block_runs_mut(b, f);
            }
        }
        BlockKind::List(list) => {
            for b in list.items.iter_mut().flat_map(|item| &mut item.blocks) {
                block_runs_mut(b, f);
            }
        }
        BlockKind::Verse(stanzas) => {
            for line in stanzas.iter_mut().flatten() {
                f(&mut line.content);
            }
        }
        BlockKind::Figure(figure) => {
            if let Some(caption) = &mut figure.caption {
                f(caption);
            }
        }
        BlockKind::Table(table) => {
            for cell in table.head.iter_mut().chain(table.rows.iter_mut().flatten()) {
                f(&mut cell.content);
            }
        }
        _ => {}
    }
}

fn store_links_in(inlines: &mut Vec<Inline>, url: Option<&str>) -> usize {
    let mut unlinked = 0;
    let mut i = 0;
    while i < inlines.len() {
        if let Some(children) = inlines[i].kind.children_mut() {
            unlinked += store_links_in(children, url);
        }
        if let InlineKind::Link {
            url: target,
            content,
        } = &mut inlines[i].kind
            && is_store_link(target)
        {
            match url {
                Some(url) => *target = url.to_string(),
                None => {
                    let content = std::mem::take(content);
                    let n = content.len();
                    inlines.splice(i..=i, content);
                    unlinked += 1;
                    i += n;
                    continue;
                }
            }
        }
        i += 1;
    }
    unlinked
}

/// Is this link address `store:`, the book's page at the store of the edition being built
/// (resolved by [`Book::resolve_store_links`])?
pub fn is_store_link(url: &str) -> bool {
    url.trim().eq_ignore_ascii_case(STORE_LINK)
}

/// The link address that stands for the book's page at the store of the edition being
/// built (`[Review this book](store:)`).
pub const STORE_LINK: &str = "store:";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chapter, Footnote, Metadata, Span};

    fn text(s: &str) -> Inline {
        Inline {
            kind: InlineKind::Text(s.into()),
            span: Span::default(),
        }
    }

    fn link(url: &str, content: Vec<Inline>) -> Inline {
        Inline {
            kind: InlineKind::Link {
                url: url.into(),
                content,
            },
            span: Span::default(),
        }
    }

    fn paragraph(inlines: Vec<Inline>) -> Block {
        Block {
            kind: BlockKind::Paragraph(inlines),
            span: Span::default(),
        }
    }

    /// A book with a store link in a paragraph (inside emphasis), in a list item, in a
    /// footnote, and one ordinary link.
    fn book() -> Book {
        let mut book = Book::new(Metadata::new("T", "en"));
        let emphasis = Inline {
            kind: InlineKind::Emphasis(vec![link("store:", vec![text("Review it")])]),
            span: Span::default(),
        };
        let list = Block {
            kind: BlockKind::List(crate::List {
                start: None,
                items: vec![crate::ListItem {
                    blocks: vec![paragraph(vec![link("STORE:", vec![text("buy")])])],
                    span: Span::default(),
                }],
                terms: false,
                parenthesized: false,
            }),
            span: Span::default(),
        };
        book.body.push(Chapter {
            blocks: vec![
                paragraph(vec![text("Please "), emphasis, text(".")]),
                list,
                paragraph(vec![link("https://example.org", vec![text("site")])]),
            ],
            footnotes: vec![Footnote {
                label: "1".into(),
                number: 1,
                id: "n1".into(),
                blocks: vec![paragraph(vec![link("store:", vec![text("here")])])],
                span: Span::default(),
            }],
            ..Chapter::default()
        });
        book
    }

    fn urls(book: &mut Book) -> Vec<String> {
        let mut out = Vec::new();
        book.inline_runs_mut(&mut |_, inlines| collect(inlines, &mut out));
        out
    }

    fn collect(inlines: &mut Vec<Inline>, out: &mut Vec<String>) {
        for inline in inlines {
            if let InlineKind::Link { url, .. } = &inline.kind {
                out.push(url.clone());
            }
            if let Some(children) = inline.kind.children_mut() {
                collect(children, out);
            }
        }
    }

    #[test]
    fn store_links_point_at_the_edition_store() {
        let mut b = book();
        assert_eq!(b.resolve_store_links(Some("https://kobo.com/x")), 0);
        assert_eq!(
            urls(&mut b),
            [
                "https://kobo.com/x",
                "https://kobo.com/x",
                "https://example.org",
                "https://kobo.com/x"
            ]
        );
    }

    #[test]
    fn without_a_store_page_the_text_stays() {
        let mut b = book();
        assert_eq!(b.resolve_store_links(None), 3);
        assert_eq!(urls(&mut b), ["https://example.org"]);
        let Some(BlockKind::Paragraph(first)) = b.body[0].blocks.first().map(|b| &b.kind) else {
            panic!("a paragraph");
        };
        assert_eq!(Inline::plain_text(first), "Please Review it.");
    }

    #[test]
    fn store_pages_fall_back_to_the_default() {
        let mut m = Metadata::new("T", "en");
        m.stores = vec![
            ("kobo".into(), "https://k".into()),
            ("default".into(), "https://d".into()),
        ];
        assert_eq!(m.store_page("kobo"), Some("https://k"));
        assert_eq!(m.store_page("apple"), Some("https://d"));
        m.stores.pop();
        assert_eq!(m.store_page("apple"), None);
    }
}
