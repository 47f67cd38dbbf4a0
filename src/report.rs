//! Prints diagnostics like rustc: message, `file:line:col`, the source line, hints.

use std::fmt;
use std::io::IsTerminal;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use quire_model::{Diagnostic, Severity, Sources};

std::thread_local! {
    /// The text a build prints, gathered instead of printed (see [`captured`]).
    static CAPTURE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (a build inside `quire watch` or `quire preview`) with what it would print to
/// stderr on this thread gathered instead, and returns its result and that text.
pub(crate) fn captured<T>(f: impl FnOnce() -> T) -> (T, String) {
    let before = CAPTURE.with(|c| c.borrow_mut().replace(String::new()));
    let result = f();
    let text = CAPTURE.with(|c| std::mem::replace(&mut *c.borrow_mut(), before));
    (result, text.unwrap_or_default())
}

/// Prints `text` to stderr, or gathers it while [`captured`] runs.
pub(crate) fn say_text(text: &str) {
    let gathered = CAPTURE.with(|c| {
        c.borrow_mut()
            .as_mut()
            .map(|out| out.push_str(text))
            .is_some()
    });
    if !gathered {
        eprint!("{text}");
    }
}

/// `eprintln!` for what a build prints: to stderr, or gathered while [`captured`] runs.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::report::say_text(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use say;

/// Prints every diagnostic to stderr, then a one-line summary; returns (errors, warnings).
pub(crate) fn print_all(diagnostics: &[Diagnostic], sources: &Sources) -> (usize, usize) {
    let capturing = CAPTURE.with(|c| c.borrow().is_some());
    let handler = if !capturing
        && std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none()
    {
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode())
    } else {
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
    }
    .with_context_lines(1);
    let mut errors = 0;
    let mut warnings = 0;
    for diagnostic in diagnostics {
        match diagnostic.severity {
            Severity::Error => errors += 1,
            Severity::Warning | Severity::Note => warnings += 1,
        }
        say_text(&render(&handler, diagnostic, sources));
    }
    (errors, warnings)
}

/// One diagnostic as text: a plain `severity: file:line:col: message` line that tools can
/// parse, then miette's picture of the source line.
pub(crate) fn render(
    handler: &GraphicalReportHandler,
    diagnostic: &Diagnostic,
    sources: &Sources,
) -> String {
    let word = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let mut out = match diagnostic.span {
        Some(span) => format!(
            "{word}: {}: {}\n",
            sources.location(span),
            diagnostic.message
        ),
        None => format!("{word}: {}\n", diagnostic.message),
    };
    let picture = Picture::new(diagnostic, sources);
    let mut rendered = String::new();
    if handler.render_report(&mut rendered, &picture).is_ok() {
        out.push_str(&rendered);
    }
    out
}

/// Adapter from our diagnostic to miette's.
struct Picture {
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    label: Option<SourceSpan>,
}

impl Picture {
    fn new(diagnostic: &Diagnostic, sources: &Sources) -> Self {
        let (source, label) = match diagnostic
            .span
            .and_then(|s| sources.get(s.file).map(|f| (s, f)))
        {
            Some((span, file)) if !file.text.is_empty() => {
                let start = (span.start as usize).min(file.text.len());
                let len = (span.end as usize)
                    .min(file.text.len())
                    .saturating_sub(start);
                (
                    Some(NamedSource::new(file.path.clone(), file.text.clone())),
                    Some(SourceSpan::new(start.into(), len)),
                )
            }
            _ => (None, None),
        };
        Picture {
            message: diagnostic.message.clone(),
            severity: match diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Note => miette::Severity::Advice,
            },
            help: (!diagnostic.hints.is_empty()).then(|| diagnostic.hints.join("\n")),
            source,
            label,
        }
    }
}

impl fmt::Debug for Picture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Picture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Picture {}

impl miette::Diagnostic for Picture {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.label?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some("here".into()),
            span,
        ))))
    }
}
