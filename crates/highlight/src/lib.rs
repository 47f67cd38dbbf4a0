//! Syntax highlighting for code blocks: the code and its language in, each line as spans of
//! a few semantic classes out, for both editions to style (the EPUB with CSS classes, print
//! with weights and slopes that survive black-and-white printing).
//!
//! ```text
//! Book (model) --CodeBlock--> [highlight] --lines of (Class, text)--> [epub], [typeset]
//! ```
//!
//! The grammars are the Sublime Text syntaxes that bat uses (syntect 5.3 with its pure-Rust
//! regex engine, and `two-face`'s extra set for TOML, TypeScript and more), loaded once,
//! only when a book has code. Classes come from scope selectors, as a theme's rules do.
//!
//! ```
//! use quire_highlight::{Class, highlight};
//! let lines = highlight("rust", "fn main() {}\n").expect("Rust is known");
//! assert_eq!(lines[0][0], (Class::Keyword, "fn".to_string()));
//! assert!(highlight("no-such-language", "x").is_none());
//! ```

use std::str::FromStr;
use std::sync::OnceLock;

use syntect::easy::ScopeRangeIterator;
use syntect::highlighting::ScopeSelectors;
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

/// What a piece of code is, as far as its look goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Names, operators, whitespace: no particular look.
    Plain,
    /// Keywords (`fn`, `let`, `if`, `struct`).
    Keyword,
    /// String and character literals.
    String,
    /// Comments.
    Comment,
    /// Numbers.
    Number,
    /// Type names.
    Type,
    /// Function names.
    Function,
    /// Punctuation and operators.
    Punctuation,
}

impl Class {
    /// The CSS class name the EPUB gives spans of this class (`None` for plain text).
    pub fn css(self) -> Option<&'static str> {
        Some(match self {
            Class::Plain => return None,
            Class::Keyword => "hl-kw",
            Class::String => "hl-str",
            Class::Comment => "hl-com",
            Class::Number => "hl-num",
            Class::Type => "hl-ty",
            Class::Function => "hl-fn",
            Class::Punctuation => "hl-pun",
        })
    }
}

/// Scope selectors per class, in the selector syntax of TextMate themes; the best-scoring
/// selector wins, as in a theme. Rust marks `let`, `fn`, `struct` and `u64` alike as
/// `storage.type`, so all `storage` counts as a keyword; type names are `entity.name.*` and
/// `support.type`.
fn rules() -> &'static [(ScopeSelectors, Class)] {
    static RULES: OnceLock<Vec<(ScopeSelectors, Class)>> = OnceLock::new();
    RULES.get_or_init(|| {
        [
            ("comment, punctuation.definition.comment", Class::Comment),
            (
                "string, constant.character, punctuation.definition.string",
                Class::String,
            ),
            ("constant.numeric", Class::Number),
            (
                "keyword, storage, constant.language, variable.language, keyword.operator.word",
                Class::Keyword,
            ),
            (
                "entity.name.type, support.type, entity.name.struct, entity.name.enum, entity.name.trait, entity.name.class",
                Class::Type,
            ),
            (
                "entity.name.function, support.function, variable.function",
                Class::Function,
            ),
            (
                "punctuation, keyword.operator - keyword.operator.word",
                Class::Punctuation,
            ),
        ]
        .into_iter()
        .filter_map(|(selector, class)| {
            ScopeSelectors::from_str(selector)
                .ok()
                .map(|s| (s, class))
        })
        .collect()
    })
}

fn classify(stack: &ScopeStack) -> Class {
    let mut best: (Option<syntect::parsing::MatchPower>, Class) = (None, Class::Plain);
    for (selector, class) in rules() {
        if let Some(score) = selector.does_match(stack.as_slice())
            && best.0.is_none_or(|b| score > b)
        {
            best = (Some(score), *class);
        }
    }
    best.1
}

/// The grammars, loaded the first time a book has code.
fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// The grammar's token for the language names authors write after a fence.
fn token(language: &str) -> Option<&str> {
    let lower = language.trim();
    Some(match lower.to_ascii_lowercase().as_str() {
        "" | "text" | "txt" | "plain" | "plaintext" | "none" | "output" => return None,
        "shell" | "console" | "sh" | "zsh" | "shell-session" | "terminal" => "bash",
        "rs" => "rust",
        "py" | "python3" => "python",
        "js" | "javascript" | "node" => "js",
        "ts" => "ts",
        "c++" | "cxx" | "hpp" => "cpp",
        "yml" => "yaml",
        "md" => "markdown",
        "patch" => "diff",
        "jsx" => "tsx",
        "csharp" | "c#" => "cs",
        "fsharp" | "f#" => "fs",
        "objc" | "objective-c" | "objectivec" => "m",
        "objective-c++" | "objcpp" => "mm",
        "kotlin" => "kt",
        "golang" => "go",
        "dockerfile" | "docker" => "Dockerfile",
        "makefile" | "make" => "Makefile",
        "r" => "R",
        "ipython" | "ipython3" | "pycon" => "python",
        _ => lower,
    })
}

/// Whether a language is one the highlighter knows.
pub fn knows(language: &str) -> bool {
    token(language).is_some_and(|t| syntaxes().find_syntax_by_token(t).is_some())
}

/// The lines of `code` (as `str::lines` splits them) as spans of classes, whose texts joined
/// give the line back; `None` when the language is unknown or plain text. Never fails on
/// any input: a line the grammar cannot parse is plain.
pub fn highlight(language: &str, code: &str) -> Option<Vec<Vec<(Class, String)>>> {
    let token = token(language)?;
    let set = syntaxes();
    let syntax = set.find_syntax_by_token(token)?;
    if is_session(language) {
        return Some(session(syntax, set, code));
    }
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    Some(
        code.lines()
            .map(|line| highlight_line(&mut state, &mut stack, set, line))
            .collect(),
    )
}

/// Whether a fence's language names a terminal session (commands after a prompt, and what
/// they print) rather than a script.
fn is_session(language: &str) -> bool {
    matches!(
        language.trim().to_ascii_lowercase().as_str(),
        "console" | "shell-session" | "terminal"
    )
}

/// The prompt a session line opens with, with the space after it: `$ `, `# `, `% `, `❯ `,
/// after a user and path (`user@host:~/src$ `, `[me@box src]# `), a virtual environment
/// (`(venv) $ `) or PowerShell's `PS C:\> `; after a command continued with `\`, the line's
/// indent and a `> ` if it has one. `None` for a line of output.
fn prompt(line: &str, continued: bool) -> Option<&str> {
    if continued {
        let indent = line.len() - line.trim_start().len();
        let marker = if line[indent..].starts_with("> ") {
            2
        } else {
            0
        };
        return Some(&line[..indent + marker]);
    }
    let mut rest = line;
    // A virtual environment's name in parentheses, then a space.
    if rest.starts_with('(')
        && let Some(close) = rest.find(") ")
    {
        rest = &rest[close + 2..];
    }
    let end = if let Some(path) = rest.strip_prefix("PS ") {
        // PowerShell: `PS C:\src> `.
        3 + path.find('>').filter(|at| !path[..*at].contains(' '))?
    } else {
        let end = rest.find(['$', '#', '%', '\u{276f}'])?;
        let before = &rest[..end];
        let bracketed = before.starts_with('[') && before.ends_with(']');
        let user_path = !before.contains(' ')
            && before
                .chars()
                .all(|c| c.is_alphanumeric() || "_.-@:~/".contains(c));
        if !(bracketed || user_path) {
            return None;
        }
        end
    };
    let sign = rest[end..].chars().next()?;
    let after = end + sign.len_utf8();
    let after_sign = &rest[after..];
    if !(after_sign.is_empty() || after_sign.starts_with(' ')) {
        return None;
    }
    let length = line.len() - rest.len() + after + usize::from(!after_sign.is_empty());
    Some(&line[..length])
}

/// A terminal session: each command after its prompt highlighted as the shell's, the prompt
/// a mark of its own, and what the commands print plain.
fn session(
    syntax: &syntect::parsing::SyntaxReference,
    set: &SyntaxSet,
    code: &str,
) -> Vec<Vec<(Class, String)>> {
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut continued = false;
    code.lines()
        .map(|line| match prompt(line, continued) {
            Some(sign) => {
                if !continued {
                    state = ParseState::new(syntax);
                    stack = ScopeStack::new();
                }
                let command = &line[sign.len()..];
                continued = command.trim_end().ends_with('\\');
                let mut spans = Vec::new();
                if !sign.is_empty() {
                    spans.push((Class::Punctuation, sign.to_string()));
                }
                spans.extend(highlight_line(&mut state, &mut stack, set, command));
                spans
            }
            None => vec![(Class::Plain, line.to_string())],
        })
        .collect()
}

/// One line of code as spans of classes, `state` and `stack` carried from the line before.
fn highlight_line(
    state: &mut ParseState,
    stack: &mut ScopeStack,
    set: &SyntaxSet,
    line: &str,
) -> Vec<(Class, String)> {
    let with_newline = format!("{line}\n");
    let mut spans: Vec<(Class, String)> = Vec::new();
    match state.parse_line(&with_newline, set) {
        Ok(ops) => {
            for (range, op) in ScopeRangeIterator::new(&ops, &with_newline) {
                let _ = stack.apply(op);
                let Some(text) = with_newline.get(range) else {
                    continue;
                };
                let text = text.strip_suffix('\n').unwrap_or(text);
                if text.is_empty() {
                    continue;
                }
                let class = classify(stack);
                match spans.last_mut() {
                    Some((last, joined)) if *last == class => joined.push_str(text),
                    _ => spans.push((class, text.to_string())),
                }
            }
        }
        Err(_) => spans.push((Class::Plain, line.to_string())),
    }
    // Whatever the grammar left out (it should leave nothing) stays, plain.
    let joined: String = spans.iter().map(|(_, t)| t.as_str()).collect();
    if joined != line {
        spans = vec![(Class::Plain, line.to_string())];
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(language: &str, code: &str) -> Vec<(Class, String)> {
        highlight(language, code)
            .expect("known")
            .into_iter()
            .flatten()
            .filter(|(c, t)| *c != Class::Plain && !t.trim().is_empty())
            .map(|(c, t)| (c, t.trim().to_string()))
            .collect()
    }

    #[test]
    fn rust_keywords_strings_comments_numbers_types() {
        let found = classes(
            "rust",
            "/// Adds one.\npub fn add(x: u64) -> u64 {\n    let s = \"two\"; // c\n    x + 0x2A\n}\nstruct Point;\n",
        );
        let has = |c: Class, t: &str| found.iter().any(|(k, x)| *k == c && x.contains(t));
        assert!(has(Class::Comment, "Adds one"), "{found:?}");
        assert!(has(Class::Keyword, "fn"), "{found:?}");
        assert!(has(Class::Keyword, "let"), "{found:?}");
        assert!(has(Class::String, "two"), "{found:?}");
        assert!(has(Class::Comment, "// c"), "{found:?}");
        assert!(has(Class::Number, "0x2A"), "{found:?}");
        assert!(has(Class::Function, "add"), "{found:?}");
        assert!(has(Class::Type, "Point"), "{found:?}");
    }

    #[test]
    fn the_common_languages_and_their_aliases_are_known() {
        for language in [
            "rust",
            "rs",
            "c",
            "cpp",
            "c++",
            "python",
            "py",
            "js",
            "javascript",
            "ts",
            "typescript",
            "go",
            "java",
            "sh",
            "bash",
            "shell",
            "console",
            "toml",
            "json",
            "yaml",
            "html",
            "css",
            "sql",
            "markdown",
            "diff",
            "jsx",
            "csharp",
            "fsharp",
            "objc",
            "kotlin",
            "dockerfile",
            "makefile",
            "r",
        ] {
            assert!(knows(language), "{language}");
        }
        for plain in ["text", "", "no-such-language"] {
            assert!(highlight(plain, "x").is_none(), "{plain}");
        }
    }

    /// A terminal session: commands after their prompts are the shell's, what they print is
    /// plain (a `#` in output is no comment, a `$5` no prompt).
    #[test]
    fn a_session_highlights_its_commands_and_leaves_output_plain() {
        let code = "$ cargo new hello --bin\n     Created binary (application) `hello` package\n\
                    user@box:~/hello$ echo \"done\" # say so\ndone # not a comment\n\
                    $ ./configure \\\n>   --prefix=/usr\nTotal: $5 (50% off)\n\
                    (venv) $ pip install x\nPS C:\\src> dir\n";
        let lines = highlight("console", code).expect("a session");
        assert_eq!(lines.len(), code.lines().count());
        for (line, spans) in code.lines().zip(&lines) {
            let joined: String = spans.iter().map(|(_, t)| t.as_str()).collect();
            assert_eq!(joined, line);
        }
        let prompt = |n: usize| {
            lines[n]
                .first()
                .cloned()
                .unwrap_or((Class::Plain, String::new()))
        };
        assert_eq!(prompt(0), (Class::Punctuation, "$ ".into()));
        assert_eq!(prompt(2), (Class::Punctuation, "user@box:~/hello$ ".into()));
        assert_eq!(prompt(4), (Class::Punctuation, "$ ".into()));
        assert_eq!(prompt(5), (Class::Punctuation, "> ".into()));
        assert_eq!(prompt(7), (Class::Punctuation, "(venv) $ ".into()));
        assert_eq!(prompt(8), (Class::Punctuation, "PS C:\\src> ".into()));
        // Output is plain, one span for the line.
        for output in [1, 3, 6] {
            assert_eq!(lines[output].len(), 1, "{:?}", lines[output]);
            assert_eq!(lines[output][0].0, Class::Plain);
        }
        // The command's own comment and string are the shell's.
        assert!(
            lines[2]
                .iter()
                .any(|(c, t)| *c == Class::Comment && t.contains("say so"))
        );
        assert!(
            lines[2]
                .iter()
                .any(|(c, t)| *c == Class::String && t.contains("done"))
        );
        // A shell script is a script: every line is code.
        let script = highlight("sh", "echo hi # c\n").expect("known");
        assert!(script[0].iter().any(|(c, _)| *c == Class::Comment));
    }

    #[test]
    fn every_line_is_given_back_whole() {
        let code = "fn main() {\n\tlet x = \"unterminated;\n}\n\n// end";
        let lines = highlight("rust", code).expect("known");
        assert_eq!(lines.len(), code.lines().count());
        for (line, spans) in code.lines().zip(&lines) {
            let joined: String = spans.iter().map(|(_, t)| t.as_str()).collect();
            assert_eq!(joined, line);
        }
    }
}
