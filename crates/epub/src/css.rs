//! The style sheet: one small CSS for every reader, plus `@font-face` rules when fonts are
//! embedded.

use crate::EmbeddedFont;

/// The static part of the style sheet.
const STYLE: &str = include_str!("style.css");

/// Quotes a CSS string: backslash-escapes `"` and `\`, drops line breaks and other controls.
fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            // `<` could close a `style` element if the sheet were ever inlined.
            '<' => out.push_str("\\3C "),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The style sheet; `fonts` pairs each embedded font with its path relative to the sheet.
pub(crate) fn style_sheet(fonts: &[(&EmbeddedFont, String)]) -> String {
    let mut out = String::new();
    let mut family = None;
    for (font, href) in fonts {
        out.push_str(&format!(
            "@font-face {{\n  font-family: {};\n  font-style: {};\n  font-weight: {};\n  src: url({});\n}}\n",
            css_string(&font.family),
            if font.italic { "italic" } else { "normal" },
            if font.bold { "bold" } else { "normal" },
            css_string(href),
        ));
        if family.is_none() || (!font.italic && !font.bold) {
            family = Some(font.family.as_str());
        }
    }
    out.push_str(STYLE);
    if let Some(family) = family {
        out.push_str(&format!(
            "\n/* The book's own type, embedded. */\nbody {{\n  font-family: {}, serif;\n}}\n",
            css_string(family)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Code's tabs are as wide in the ebook as in print.
    #[test]
    fn tabs_in_code_are_as_wide_as_in_print() {
        let rule = format!("tab-size: {};", quire_model::CODE_TAB_COLUMNS);
        let pre = STYLE
            .split("\npre {")
            .nth(1)
            .and_then(|rest| rest.split('}').next())
            .unwrap_or_default();
        assert!(pre.contains(&rule), "{pre}");
    }

    #[test]
    fn font_names_are_quoted() {
        assert_eq!(
            css_string("EB \"Gara\\mond\"\n</style>"),
            "\"EB \\\"Gara\\\\mond\\\"\\3C /style>\""
        );
        let font = EmbeddedFont {
            file_name: "a.otf".into(),
            data: Vec::new(),
            family: "EB Garamond".into(),
            italic: true,
            bold: false,
        };
        let css = style_sheet(&[(&font, "../fonts/a.otf".into())]);
        assert!(
            css.starts_with("@font-face {\n  font-family: \"EB Garamond\";\n  font-style: italic;")
        );
        assert!(css.contains("font-family: \"EB Garamond\", serif;"));
    }
}
