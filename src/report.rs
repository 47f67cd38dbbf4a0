//! Prints diagnostics once, in rustc's style: the message, then `--> file:line:col`, the
//! source line with the place underlined, and the hints.
//!
//! ```text
//! error: chapter `two.md` not found
//!  --> book/book.toml:7:23
//!   |
//! 7 | chapters = ["one.md", "two.md"]
//!   |                       ^^^^^^^^
//!   = help: check the path: it is relative to the file that names it
//! ```

use std::io::IsTerminal;

use quire_model::{Diagnostic, Severity, Sources};
use unicode_width::UnicodeWidthStr;

/// What a build printed while [`captured`] ran.
#[derive(Debug, Default)]
pub(crate) struct Captured {
    /// Everything, as it would have been printed.
    pub(crate) text: String,
    /// One line a problem: each diagnostic as `severity: file:line:col: message`, and every
    /// other line printed that starts with `error` or `warning`.
    pub(crate) problems: Vec<String>,
}

std::thread_local! {
    /// What a build prints, gathered instead of printed (see [`captured`]).
    static CAPTURE: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (a build inside `quire watch`, `quire preview` or a catalogue) with what it would
/// print to stderr on this thread gathered instead; returns its result and what it printed.
pub(crate) fn captured<T>(f: impl FnOnce() -> T) -> (T, Captured) {
    let before = CAPTURE.with(|c| c.borrow_mut().replace(Captured::default()));
    let result = f();
    let gathered = CAPTURE.with(|c| std::mem::replace(&mut *c.borrow_mut(), before));
    (result, gathered.unwrap_or_default())
}

fn capturing() -> bool {
    CAPTURE.with(|c| c.borrow().is_some())
}

/// Prints `text` to stderr, or gathers it while [`captured`] runs (its lines starting with
/// `error` or `warning` are problems).
pub(crate) fn say_text(text: &str) {
    let gathered = CAPTURE.with(|c| {
        c.borrow_mut()
            .as_mut()
            .map(|out| {
                out.text.push_str(text);
                out.problems.extend(
                    text.lines()
                        .filter(|l| l.starts_with("error") || l.starts_with("warning"))
                        .map(str::to_string),
                );
            })
            .is_some()
    });
    if !gathered {
        eprint!("{text}");
    }
}

/// Prints a rendered diagnostic, or gathers it with its one-line form.
fn say_diagnostic(rendered: &str, line: String) {
    let gathered = CAPTURE.with(|c| {
        c.borrow_mut()
            .as_mut()
            .map(|out| {
                out.text.push_str(rendered);
                out.problems.push(line.clone());
            })
            .is_some()
    });
    if !gathered {
        eprint!("{rendered}");
    }
}

/// `eprintln!` for what a build prints: to stderr, or gathered while [`captured`] runs.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::report::say_text(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use say;

/// Prints every diagnostic to stderr; returns (errors, warnings).
pub(crate) fn print_all(diagnostics: &[Diagnostic], sources: &Sources) -> (usize, usize) {
    let color =
        !capturing() && std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut errors = 0;
    let mut warnings = 0;
    for diagnostic in diagnostics {
        match diagnostic.severity {
            Severity::Error => errors += 1,
            Severity::Warning | Severity::Note => warnings += 1,
        }
        say_diagnostic(
            &render(diagnostic, sources, color),
            one_line(diagnostic, sources),
        );
    }
    (errors, warnings)
}

/// The line of `text` that holds byte `offset` (without its line end), found from the
/// offset rather than by counting lines: a book with 20,000 warnings printed them in 10 s.
fn line_at(text: &str, offset: usize) -> Option<&str> {
    if offset > text.len() || !text.is_char_boundary(offset) {
        return None;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    Some(line.strip_suffix('\r').unwrap_or(line))
}

/// `severity: file:line:col: message`, for tools (`quire watch` lists new problems so).
pub(crate) fn one_line(diagnostic: &Diagnostic, sources: &Sources) -> String {
    match diagnostic.span {
        Some(span) => format!(
            "{}: {}: {}",
            word(diagnostic.severity),
            sources.location(span),
            diagnostic.message
        ),
        None => format!("{}: {}", word(diagnostic.severity), diagnostic.message),
    }
}

fn word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// One diagnostic as rustc prints one: the message; where it is, with the source line and
/// the place underlined; the hints. With `color`, ANSI colours as rustc's.
pub(crate) fn render(diagnostic: &Diagnostic, sources: &Sources, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let severity = word(diagnostic.severity);
    let severity_color = match diagnostic.severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Note => "1;36",
    };
    let mut out = format!(
        "{}{} {}\n",
        paint(severity_color, severity),
        paint("1", ":"),
        paint("1", &diagnostic.message)
    );
    let place = diagnostic.span.map(|span| (span, sources.get(span.file)));
    let source_line = place.and_then(|(span, file)| {
        let text = &file?.text;
        span.line.checked_sub(1)?;
        Some((span, line_at(text, span.start as usize)?))
    });
    let digits = source_line.map_or(1, |(span, _)| span.line.to_string().len());
    let gutter = " ".repeat(digits);
    if let Some((span, _)) = place {
        out.push_str(&format!(
            "{gutter}{} {}\n",
            paint("1;34", "-->"),
            sources.location(span)
        ));
    }
    if let Some((span, line)) = source_line {
        let column = span.column.saturating_sub(1) as usize;
        let before: String = line.chars().take(column).collect();
        let rest = line.get(before.len()..).unwrap_or_default();
        // The underline: the span's part of this line, at least one column.
        let mut end = (span.end.saturating_sub(span.start) as usize).min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let marked = rest.get(..end).unwrap_or_default();
        // A long line is shown around the place: at most 40 characters before it and 80
        // from it, cut ends marked `...`.
        let from = column.saturating_sub(40);
        let before: String = before.chars().skip(from).collect();
        let marked: String = marked.chars().take(80).collect();
        let after: String = rest
            .get(end..)
            .unwrap_or_default()
            .chars()
            .take(80usize.saturating_sub(marked.chars().count()))
            .collect();
        let cut_left = if from > 0 { "..." } else { "" };
        let cut_right = if before.len() + marked.len() + after.len() + cut_left.len()
            < line
                .len()
                .saturating_sub(line.chars().take(from).map(char::len_utf8).sum::<usize>())
        {
            "..."
        } else {
            ""
        };
        let shown = format!("{cut_left}{before}{marked}{after}{cut_right}").replace('\t', "    ");
        let before = format!("{cut_left}{before}").replace('\t', "    ");
        let marked = marked.as_str();
        let carets = "^".repeat(marked.replace('\t', "    ").width().max(1));
        let bar = paint("1;34", "|");
        out.push_str(&format!("{gutter} {bar}\n"));
        out.push_str(&format!(
            "{} {bar} {shown}\n",
            paint("1;34", &span.line.to_string())
        ));
        out.push_str(&format!(
            "{gutter} {bar} {}{}\n",
            " ".repeat(before.width()),
            paint(severity_color, &carets)
        ));
    }
    for hint in &diagnostic.hints {
        let mut lines = hint.lines();
        if let Some(first) = lines.next() {
            out.push_str(&format!("{gutter} {} {first}\n", paint("1", "= help:")));
        }
        for more in lines {
            out.push_str(&format!("{gutter}         {more}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quire_model::{FileId, Span};

    fn sources(text: &str) -> Sources {
        let mut sources = Sources::new();
        let id = sources.add("book/a.md", text);
        assert_eq!(id, FileId(0));
        sources
    }

    #[test]
    fn the_line_of_an_offset() {
        let text = "one\r\ntwo\nthree";
        assert_eq!(line_at(text, 0), Some("one"));
        assert_eq!(line_at(text, 2), Some("one"));
        assert_eq!(line_at(text, 5), Some("two"));
        assert_eq!(line_at(text, 9), Some("three"));
        assert_eq!(line_at(text, text.len()), Some("three"));
        assert_eq!(line_at(text, text.len() + 1), None);
        assert_eq!(line_at("é", 1), None);
    }

    #[test]
    fn a_diagnostic_is_printed_once_as_rustc_prints_it() {
        let sources = sources("# Title\n\nSee [the map](map.png) here.\n");
        let d = Diagnostic::error(
            Span {
                file: FileId(0),
                start: 14,
                end: 33,
                line: 3,
                column: 5,
            },
            "image `map.png` not found",
        )
        .with_hint("check the path");
        let text = render(&d, &sources, false);
        assert_eq!(
            text,
            "error: image `map.png` not found\n \
             --> book/a.md:3:5\n  \
             |\n\
             3 | See [the map](map.png) here.\n  \
             |     ^^^^^^^^^^^^^^^^^^^\n  \
             = help: check the path\n"
        );
        assert_eq!(text.matches("not found").count(), 1, "the message once");
        assert_eq!(
            one_line(&d, &sources),
            "error: book/a.md:3:5: image `map.png` not found"
        );
    }

    #[test]
    fn the_underline_stands_under_wide_characters_and_tabs() {
        let line = "\t孫子 says: 𥘲 here";
        let sources = sources(&format!("{line}\n"));
        let start = line.find('𥘲').unwrap();
        let d = Diagnostic::warning(
            Span {
                file: FileId(0),
                start: start as u32,
                end: (start + '𥘲'.len_utf8()) as u32,
                line: 1,
                column: line[..start].chars().count() as u32 + 1,
            },
            "no glyph",
        );
        let text = render(&d, &sources, false);
        let lines: Vec<&str> = text.lines().collect();
        // Tab as four columns, each CJK character two.
        assert_eq!(lines[3], "1 |     孫子 says: 𥘲 here");
        assert_eq!(lines[4], "  |                ^^");
    }

    #[test]
    fn a_span_over_several_lines_is_underlined_to_its_first_line_s_end() {
        let sources = sources("one two\nthree\n");
        let d = Diagnostic::note(
            Span {
                file: FileId(0),
                start: 4,
                end: 13,
                line: 1,
                column: 5,
            },
            "loose",
        );
        let text = render(&d, &sources, false);
        assert!(text.contains("1 | one two\n  |     ^^^\n"), "{text}");
    }

    #[test]
    fn a_long_line_is_shown_around_the_place() {
        let line = format!("{}target{}", "a ".repeat(5000), " b".repeat(5000));
        let sources = sources(&format!("{line}\n"));
        let start = line.find("target").unwrap();
        let d = Diagnostic::warning(
            Span {
                file: FileId(0),
                start: start as u32,
                end: start as u32 + 6,
                line: 1,
                column: start as u32 + 1,
            },
            "here",
        );
        let text = render(&d, &sources, false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[3].len() < 200, "{}", lines[3]);
        assert!(lines[3].starts_with("1 | ...") && lines[3].ends_with("..."));
        let at = lines[3].find("target").unwrap();
        assert_eq!(lines[4].find('^'), Some(at), "{text}");
        assert_eq!(lines[4].matches('^').count(), 6);
    }

    #[test]
    fn without_a_place_only_the_message_and_hints() {
        let d = Diagnostic::warning(None, "no cover").with_hint("add one");
        assert_eq!(
            render(&d, &Sources::new(), false),
            "warning: no cover\n  = help: add one\n"
        );
    }
}
