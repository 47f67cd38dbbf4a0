//! The pipeline's own settings from `book.toml`: `[print]` and `[epub]`.

/// A length in PostScript points (1/72 in).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Length(pub f64);

impl Length {
    /// From inches.
    pub fn inches(v: f64) -> Self {
        Length(v * 72.0)
    }

    /// From millimetres.
    pub fn mm(v: f64) -> Self {
        Length(v * 72.0 / 25.4)
    }

    /// The value in points.
    pub fn pt(self) -> f64 {
        self.0
    }
}

/// The trimmed page size of the printed book.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrimSize {
    /// Width.
    pub width: Length,
    /// Height.
    pub height: Length,
}

/// Where chapters open in print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChapterOpening {
    /// On the next page, left or right.
    #[default]
    Any,
    /// Always on a right-hand (odd) page.
    Right,
}

/// `[print]`: the print interior's page and type.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintSettings {
    /// Trim size (default 5.5 x 8.5 in).
    pub trim: TrimSize,
    /// The type family (default "EB Garamond").
    pub font: String,
    /// Body type size (default 11.5 pt).
    pub font_size: Length,
    /// Baseline to baseline (default 14.5 pt).
    pub leading: Length,
    /// Fixed text block width, instead of deriving it from the margins.
    pub text_width: Option<Length>,
    /// Fixed text block height, instead of deriving it from the margins.
    pub text_height: Option<Length>,
    /// Add 0.125 in bleed around the page.
    pub bleed: bool,
    /// Where chapters open.
    pub chapters_open: ChapterOpening,
    /// Extra hyphenation exceptions, written with hyphens at the allowed breaks (`ta-ble`).
    pub hyphenation_exceptions: Vec<String>,
    /// Ragged-right setting instead of justified text.
    pub ragged_right: bool,
    /// Paper colour for spine width: `white` or `cream`.
    pub paper: String,
    /// Print pictures in colour (`[print] color = true`, a colour interior); otherwise
    /// they are converted to grey, as a black-and-white printer would.
    pub color: bool,
}

impl Default for PrintSettings {
    fn default() -> Self {
        PrintSettings {
            trim: TrimSize {
                width: Length::inches(5.5),
                height: Length::inches(8.5),
            },
            font: "EB Garamond".to_string(),
            font_size: Length(11.5),
            leading: Length(14.5),
            text_width: None,
            text_height: None,
            bleed: false,
            chapters_open: ChapterOpening::Any,
            hyphenation_exceptions: Vec::new(),
            ragged_right: false,
            color: false,
            paper: "white".to_string(),
        }
    }
}

/// `[epub]`: the ebook's options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EpubSettings {
    /// Embed the book's fonts from `fonts/` (off by default: readers choose their own).
    pub embed_fonts: bool,
}

/// A designed cover's look, by name (`[cover] style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CoverStyle {
    /// Dark type on a warm paper colour, centred, inside a thin double frame.
    #[default]
    Classic,
    /// Large light type on a deep colour, set flush left, with an accent bar.
    Modern,
    /// A band of colour across the front holding the title, on a light ground.
    Band,
}

impl CoverStyle {
    /// Every style with its name, as `book.toml` writes it.
    pub const ALL: [(&'static str, CoverStyle); 3] = [
        ("classic", CoverStyle::Classic),
        ("modern", CoverStyle::Modern),
        ("band", CoverStyle::Band),
    ];
}

/// A colour, 0 to 255 a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Reads `#rrggbb` (or `rrggbb`).
    pub fn parse(text: &str) -> Option<Rgb> {
        let hex = text.trim().trim_start_matches('#');
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb(channel(0)?, channel(2)?, channel(4)?))
    }

    /// Relative luminance (Rec. 709), 0 for black to 1 for white.
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }
}

/// `[cover]`: the designed cover a book gets when it has no front art of its own, and the
/// back cover's text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CoverSettings {
    /// The style.
    pub style: CoverStyle,
    /// The ground colour, instead of the style's own.
    pub background: Option<Rgb>,
    /// The back cover's text (the book's description when not given).
    pub back_text: Option<String>,
    /// A few lines about the author, under the back text.
    pub author_bio: Option<String>,
    /// The imprint on the spine and the back (the publisher when not given).
    pub imprint: Option<String>,
}

/// The pipeline's settings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    /// `[print]`.
    pub print: PrintSettings,
    /// `[epub]`.
    pub epub: EpubSettings,
    /// `[cover]`.
    pub cover: CoverSettings,
}
