//! The book's index, made from the index markers of the manuscript.
//!
//! An author marks a place with an HTML comment, which plain CommonMark renderers (GitHub,
//! mdBook) leave invisible: `<!-- index: ownership; ownership!moves; borrowing|( -->`. Terms
//! are separated by `;`, a sub-entry follows its entry after `!` (makeindex's notation), and
//! `|(` ... `|)` mark the first and last place of a range. Each marker is an anchor in the
//! chapter; this module gathers the terms into one back-matter chapter of kind
//! [`ChapterKind::Index`] whose [`BlockKind::Index`] block lists entries by first letter,
//! in alphabetical order, each with its places in reading order. The backends turn places
//! into page numbers (print, ranges merged) or links (EPUB).

use std::collections::BTreeMap;

use quire_model::{
    Block, BlockKind, Chapter, ChapterKind, Diagnostic, Division, IndexEntry, IndexGroup,
    IndexLocator, Inline, InlineKind, Span,
};

use crate::parse::{IndexMark, RangeMark, inline_markdown};

/// Entries by their written term.
#[derive(Default)]
struct Node {
    locators: Vec<IndexLocator>,
    /// Ranges opened and not yet closed: index into `locators`, and the opening marker.
    open: Vec<(usize, Span)>,
    children: BTreeMap<String, Node>,
}

/// The index chapter for the book's markers, or `None` when the book has none. Ranges
/// opened and never closed, or closed and never opened, are warned at their marker.
pub(crate) fn build(marks: &[IndexMark], diagnostics: &mut Vec<Diagnostic>) -> Option<Chapter> {
    let first = marks.first()?;
    let mut root = Node::default();
    for mark in marks {
        for (path, range) in &mark.terms {
            let mut node = &mut root;
            for level in path {
                node = node.children.entry(level.clone()).or_default();
            }
            match range {
                RangeMark::Single => node.locators.push(IndexLocator {
                    anchor: mark.anchor.clone(),
                    end: None,
                }),
                RangeMark::Open => {
                    node.open.push((node.locators.len(), mark.span));
                    node.locators.push(IndexLocator {
                        anchor: mark.anchor.clone(),
                        end: None,
                    });
                }
                RangeMark::Close => match node.open.pop() {
                    Some((at, _)) => node.locators[at].end = Some(mark.anchor.clone()),
                    None => {
                        diagnostics.push(
                            Diagnostic::warning(
                                mark.span,
                                format!(
                                    "the index range of `{}` is closed but never opened",
                                    path.join("!")
                                ),
                            )
                            .with_hint(
                                "open it earlier with `term|(`; here it counts as one place",
                            ),
                        );
                        node.locators.push(IndexLocator {
                            anchor: mark.anchor.clone(),
                            end: None,
                        });
                    }
                },
            }
        }
    }
    warn_open(&root, &mut Vec::new(), diagnostics);
    let span = Span {
        line: 1,
        column: 1,
        ..first.span
    };
    // Entries sorted without regard to case or to the code marks of `Arc<T>`.
    let mut entries: Vec<(String, IndexEntry)> = root
        .children
        .iter()
        .map(|(term, node)| (sort_key(term), entry(term, node, first.span)))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut groups: Vec<IndexGroup> = Vec::new();
    for (key, entry) in entries {
        let letter = group_letter(&key);
        match groups.last_mut() {
            Some(group) if group.letter == letter => group.entries.push(entry),
            _ => groups.push(IndexGroup {
                letter,
                entries: vec![entry],
            }),
        }
    }
    Some(Chapter {
        division: Division::Back,
        kind: ChapterKind::Index,
        id: "index".into(),
        title: Some(vec![Inline {
            kind: InlineKind::Text("Index".into()),
            span,
        }]),
        title_text: Some("Index".into()),
        span,
        file: span.file,
        blocks: vec![Block {
            kind: BlockKind::Index(groups),
            span,
        }],
        footnotes: Vec::new(),
    })
}

fn entry(term: &str, node: &Node, span: Span) -> IndexEntry {
    let mut subentries: Vec<(String, IndexEntry)> = node
        .children
        .iter()
        .map(|(t, n)| (sort_key(t), entry(t, n, span)))
        .collect();
    subentries.sort_by(|a, b| a.0.cmp(&b.0));
    IndexEntry {
        term: inline_markdown(term, span),
        locators: node.locators.clone(),
        subentries: subentries.into_iter().map(|(_, e)| e).collect(),
    }
}

fn warn_open(node: &Node, path: &mut Vec<String>, diagnostics: &mut Vec<Diagnostic>) {
    for &(_, span) in &node.open {
        diagnostics.push(
            Diagnostic::warning(
                span,
                format!(
                    "the index range of `{}` is opened but never closed",
                    path.join("!")
                ),
            )
            .with_hint("close it with `term|)` at its last place; it counts as one place"),
        );
    }
    for (term, child) in &node.children {
        path.push(term.clone());
        warn_open(child, path, diagnostics);
        path.pop();
    }
}

/// What an entry sorts by: its letters and digits, lowercased, then the term as written
/// (so that `Mutex` and `mutex` stand together, in a fixed order).
fn sort_key(term: &str) -> String {
    let letters: String = term
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    format!("{}\u{0}{term}", letters.trim())
}

/// The group an entry goes in: its first letter, capitalised, or "Symbols" for one that
/// begins with a digit or has no letter.
fn group_letter(key: &str) -> String {
    match key.chars().next() {
        Some(c) if c.is_alphabetic() => c.to_uppercase().collect(),
        _ => "Symbols".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quire_model::FileId;

    fn mark(anchor: &str, terms: &[(&str, RangeMark)]) -> IndexMark {
        IndexMark {
            terms: terms
                .iter()
                .map(|(t, r)| (t.split('!').map(str::to_string).collect(), *r))
                .collect(),
            anchor: anchor.into(),
            span: Span {
                file: FileId(1),
                line: 3,
                column: 1,
                ..Span::default()
            },
        }
    }

    #[test]
    fn entries_are_grouped_sorted_and_keep_their_places_in_order() {
        use RangeMark::*;
        let marks = vec![
            mark("a1", &[("threads", Single), ("`Mutex`", Single)]),
            mark(
                "a2",
                &[("threads!sharing data", Open), ("borrowing", Single)],
            ),
            mark(
                "a3",
                &[("threads!sharing data", Close), ("threads", Single)],
            ),
            mark(
                "a4",
                &[("2038 problem", Single), ("mutex!poisoned", Single)],
            ),
        ];
        let mut diagnostics = Vec::new();
        let chapter = build(&marks, &mut diagnostics).expect("an index");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(chapter.kind, ChapterKind::Index);
        let BlockKind::Index(groups) = &chapter.blocks[0].kind else {
            panic!("an index block");
        };
        let letters: Vec<&str> = groups.iter().map(|g| g.letter.as_str()).collect();
        assert_eq!(letters, ["Symbols", "B", "M", "T"]);
        let m: Vec<String> = groups[2]
            .entries
            .iter()
            .map(|e| Inline::plain_text(&e.term))
            .collect();
        assert_eq!(m, ["Mutex", "mutex"]);
        assert!(matches!(
            groups[2].entries[0].term[0].kind,
            InlineKind::Code(_)
        ));
        let threads = &groups[3].entries[0];
        let places: Vec<&str> = threads.locators.iter().map(|l| l.anchor.as_str()).collect();
        assert_eq!(places, ["a1", "a3"]);
        let sharing = &threads.subentries[0];
        assert_eq!(
            sharing.locators,
            vec![IndexLocator {
                anchor: "a2".into(),
                end: Some("a3".into())
            }]
        );
    }

    #[test]
    fn a_range_left_open_is_warned() {
        let marks = vec![mark("a1", &[("threads", RangeMark::Open)])];
        let mut diagnostics = Vec::new();
        let chapter = build(&marks, &mut diagnostics);
        assert!(chapter.is_some());
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.contains("never closed"));
        assert!(build(&[], &mut diagnostics).is_none());
    }
}
