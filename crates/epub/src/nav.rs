//! Navigation: the EPUB 3 navigation document (table of contents and landmarks) and, for
//! older readers, the NCX.

use crate::escape::{push_attr, push_escaped};
use crate::plan::{COVER_FILE, ChapterPlan, Plan, TITLE_FILE};
use crate::xhtml::DocContext;

/// One entry of the table of contents.
struct Entry {
    label: String,
    /// Relative to the package folder (`text/chapter-1.xhtml#id`).
    href: String,
    children: Vec<Entry>,
}

/// The entries: each chapter, with its top-level sections of the highest level below it.
fn entries(plan: &Plan<'_>, title: &str) -> Vec<Entry> {
    // A part holds the body chapters after it, up to the next part.
    let mut entries: Vec<Entry> = Vec::new();
    let mut in_part = false;
    for cp in &plan.chapters {
        let entry = chapter_entry(cp);
        let is_part = cp.chapter.kind == quire_model::ChapterKind::Part;
        if is_part {
            in_part = true;
            entries.push(entry);
            continue;
        }
        if in_part
            && cp.chapter.division == quire_model::Division::Body
            && let Some(part) = entries.last_mut()
        {
            part.children.push(entry);
            continue;
        }
        in_part = false;
        entries.push(entry);
    }
    if entries.is_empty() {
        entries.push(Entry {
            label: title.to_string(),
            href: format!("text/{TITLE_FILE}"),
            children: Vec::new(),
        });
    }
    entries
}

fn chapter_entry(cp: &ChapterPlan<'_>) -> Entry {
    let top = cp.sections.iter().map(|s| s.0).min();
    let children = cp
        .sections
        .iter()
        .filter(|s| Some(s.0) == top)
        .map(|(_, id, label)| Entry {
            label: label.clone(),
            href: format!("text/{}#{id}", cp.file),
            children: Vec::new(),
        })
        .collect();
    Entry {
        label: cp.label.clone(),
        href: format!("text/{}", cp.file),
        children,
    }
}

fn push_list(out: &mut String, entries: &[Entry]) {
    out.push_str("<ol>\n");
    for e in entries {
        out.push_str("<li><a");
        push_attr(out, "href", &e.href);
        out.push('>');
        push_escaped(out, &e.label);
        out.push_str("</a>");
        if !e.children.is_empty() {
            out.push('\n');
            push_list(out, &e.children);
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
}

/// The navigation document `nav.xhtml` (in the package folder).
pub(crate) fn nav_document(
    ctx: &DocContext<'_>,
    plan: &Plan<'_>,
    title: &str,
    has_cover: bool,
    page_list: Option<&crate::PageList>,
) -> String {
    let mut body = String::new();
    body.push_str(
        "<nav id=\"toc\" epub:type=\"toc\" role=\"doc-toc\" aria-labelledby=\"toc-title\">\n<h1 id=\"toc-title\">",
    );
    ctx.word(&mut body, ctx.labels.contents);
    body.push_str("</h1>\n");
    push_list(&mut body, &entries(plan, title));
    body.push_str("</nav>\n");

    body.push_str("<nav id=\"landmarks\" epub:type=\"landmarks\" hidden=\"hidden\">\n<h2>");
    ctx.word(&mut body, ctx.labels.landmarks);
    body.push_str("</h2>\n<ol>\n");
    let mut landmark = |kind: &str, href: &str, label: &str| {
        body.push_str("<li><a");
        push_attr(&mut body, "epub:type", kind);
        push_attr(&mut body, "href", href);
        body.push('>');
        ctx.word(&mut body, label);
        body.push_str("</a></li>\n");
    };
    if has_cover {
        landmark("cover", &format!("text/{COVER_FILE}"), ctx.labels.cover);
    }
    landmark("toc", "nav.xhtml#toc", ctx.labels.table_of_contents);
    if let Some(start) = plan.body_start() {
        landmark(
            "bodymatter",
            &format!("text/{}", start.file),
            ctx.labels.start_of_content,
        );
    }
    body.push_str("</ol>\n</nav>\n");
    if let Some(list) = page_list.filter(|l| !l.pages.is_empty()) {
        body.push_str("<nav id=\"page-list\" epub:type=\"page-list\" hidden=\"hidden\">\n<h2>");
        ctx.label(&mut body, "Pages");
        body.push_str("</h2>\n<ol>\n");
        for mark in &list.pages {
            let Some(cp) = plan.chapters.get(mark.chapter) else {
                continue;
            };
            body.push_str("<li><a");
            push_attr(
                &mut body,
                "href",
                &format!("text/{}#{}", cp.file, crate::xhtml::page_id(&mark.label)),
            );
            body.push('>');
            push_escaped(&mut body, &mark.label);
            body.push_str("</a></li>\n");
        }
        body.push_str("</ol>\n</nav>\n");
    }
    ctx.document(title, Some("frontmatter"), &body)
}

fn push_nav_points(out: &mut String, entries: &[Entry], order: &mut usize) {
    for e in entries {
        *order += 1;
        out.push_str(&format!(
            "<navPoint id=\"np-{order}\" playOrder=\"{order}\">\n<navLabel><text>"
        ));
        push_escaped(out, &e.label);
        out.push_str("</text></navLabel>\n<content");
        push_attr(out, "src", &e.href);
        out.push_str("/>\n");
        push_nav_points(out, &e.children, order);
        out.push_str("</navPoint>\n");
    }
}

/// The NCX `toc.ncx` for EPUB 2 readers, with the print edition's page list when there is
/// one; `uid` must equal the package's unique identifier.
pub(crate) fn ncx(
    plan: &Plan<'_>,
    lang: &str,
    title: &str,
    uid: &str,
    page_list: Option<&crate::PageList>,
) -> String {
    let entries = entries(plan, title);
    let depth = if entries.iter().any(|e| !e.children.is_empty()) {
        2
    } else {
        1
    };
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<ncx xmlns=\"http://www.daisy.org/z3986/2005/ncx/\" version=\"2005-1\"");
    push_attr(&mut out, "xml:lang", lang);
    out.push_str(">\n<head>\n<meta name=\"dtb:uid\"");
    push_attr(&mut out, "content", uid);
    // Page targets: (label, Arabic value if the label is a number, href).
    let targets: Vec<(&str, Option<u32>, String)> = page_list
        .map(|l| l.pages.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|mark| {
            let cp = plan.chapters.get(mark.chapter)?;
            let href = format!("text/{}#{}", cp.file, crate::xhtml::page_id(&mark.label));
            Some((mark.label.as_str(), mark.label.parse().ok(), href))
        })
        .collect();
    let max_page = targets.iter().filter_map(|t| t.1).max().unwrap_or(0);
    out.push_str(&format!(
        "/>\n<meta name=\"dtb:depth\" content=\"{depth}\"/>\n<meta name=\"dtb:totalPageCount\" content=\"{}\"/>\n<meta name=\"dtb:maxPageNumber\" content=\"{max_page}\"/>\n</head>\n<docTitle><text>",
        targets.len()
    ));
    push_escaped(&mut out, title);
    out.push_str("</text></docTitle>\n<navMap>\n");
    let mut order = 0;
    push_nav_points(&mut out, &entries, &mut order);
    out.push_str("</navMap>\n");
    if !targets.is_empty() {
        out.push_str("<pageList>\n<navLabel><text>Pages</text></navLabel>\n");
        for (n, (label, value, href)) in targets.iter().enumerate() {
            order += 1;
            // Roman-numbered pages are front matter; their value is their place.
            let (kind, value) = match value {
                Some(v) => ("normal", *v as usize),
                None => ("front", n + 1),
            };
            out.push_str(&format!(
                "<pageTarget id=\"pt-{}\" type=\"{kind}\" value=\"{value}\" playOrder=\"{order}\">\n<navLabel><text>",
                n + 1
            ));
            push_escaped(&mut out, label);
            out.push_str("</text></navLabel>\n<content");
            push_attr(&mut out, "src", href);
            out.push_str("/>\n</pageTarget>\n");
        }
        out.push_str("</pageList>\n");
    }
    out.push_str("</ncx>\n");
    out
}
