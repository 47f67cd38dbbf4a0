//! The bad-input catalogue: broken and hostile books, one flaw each. For every case,
//! `quire build` must finish within 10 s and 500 MB, exit with the expected code, name the
//! place (`file:line:col`) where there is one, never panic, and leave the earlier outputs
//! in the output folder as they were when it fails. (The declarative cases of
//! `tests/bad/` are run by `tests/bad_books.rs`; the cases here need files a folder cannot
//! hold in git: FIFOs, symlinks, huge or generated text.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(10);
const MEMORY_LIMIT_KB: i64 = 500 * 1024;
const EARLIER: &[u8] = b"an earlier build's bytes, which a failed build must not touch";

/// What a case expects of `quire build`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    /// Builds (exit 0).
    Builds,
    /// Refused: exit 1, the book has errors.
    BookError,
    /// Exit 2: a usage or I/O problem.
    Usage,
}

/// Something done with a folder: setting a book up, checking outputs.
type FolderStep = Box<dyn Fn(&Path)>;

struct Case {
    name: &'static str,
    expect: Expect,
    /// Texts the output must hold (in the one-line form `file:line:col: message` where the
    /// diagnostic has a place).
    messages: Vec<String>,
    /// Sets the book folder up (the book is `<dir>/book`).
    setup: FolderStep,
    /// Extra checks of the outputs (the output folder) for a book that builds.
    outputs: Option<FolderStep>,
}

/// A plain book with `chapters` (name, text), and `extra` lines in `[book]`.
fn write_book(book: &Path, toml_extra: &str, chapters: &[(&str, String)]) {
    std::fs::create_dir_all(book).unwrap();
    let listed: Vec<String> = chapters.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    std::fs::write(
        book.join("book.toml"),
        format!(
            "[book]\ntitle = \"Hostile\"\nlanguage = \"en\"\nauthors = [\"A. Writer\"]\nidentifier = \"urn:uuid:00000000-0000-4000-8000-000000000000\"\n{toml_extra}\n[contents]\nchapters = [{}]\n",
            listed.join(", ")
        ),
    )
    .unwrap();
    for (name, text) in chapters {
        let path = book.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
}

fn chapter(text: &str) -> Vec<(&'static str, String)> {
    vec![("one.md", format!("# One\n\n{text}\n"))]
}

/// The largest resident size of any child this process waited for, in KB.
fn children_peak_kb() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss
}

/// Runs `quire build book --out out` in `dir`, killed after [`LIMIT`].
fn build(dir: &Path) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let mut child = common::quire()
        .args(["build", "book", "--out", "out"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(stderr), &mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let text = reader.join().unwrap_or_default();
    (
        status.map(|s| s.code().unwrap_or(-1)),
        common::reported(&text),
        elapsed,
    )
}

fn run(case: &Case) -> Result<String, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let book = tmp.path().join("book");
    (case.setup)(&book);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let earlier = out.join("t.epub");
    std::fs::write(&earlier, EARLIER).map_err(|e| e.to_string())?;
    let (code, stderr, elapsed) = build(tmp.path());
    let Some(code) = code else {
        return Err(format!("did not finish within {LIMIT:?}"));
    };
    if stderr.contains("panicked") || code == 101 {
        return Err(format!("panicked:\n{stderr}"));
    }
    let want = match case.expect {
        Expect::Builds => 0,
        Expect::BookError => 1,
        Expect::Usage => 2,
    };
    if code != want {
        return Err(format!("exit {code}, expected {want}:\n{stderr}"));
    }
    for message in &case.messages {
        if !stderr.contains(message.as_str()) {
            return Err(format!("the output lacks `{message}`:\n{stderr}"));
        }
    }
    if std::fs::read(&earlier).map_err(|e| e.to_string())? != EARLIER {
        return Err("the earlier output was changed".into());
    }
    if case.expect != Expect::Builds {
        let left: Vec<_> = std::fs::read_dir(&out)
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| n != "t.epub" && !n.to_string_lossy().starts_with('.'))
            .collect();
        if !left.is_empty() {
            return Err(format!("a failed build left {left:?}"));
        }
    } else if let Some(check) = &case.outputs {
        check(&out);
    }
    let peak = children_peak_kb();
    if peak > MEMORY_LIMIT_KB {
        return Err(format!("peak memory {} MB", peak / 1024));
    }
    let first = stderr
        .lines()
        .find(|l| l.starts_with("error") || l.starts_with("warning"))
        .unwrap_or("(no message)")
        .to_string();
    Ok(format!(
        "exit {code} in {:.2} s: {first}",
        elapsed.as_secs_f64()
    ))
}

/// Every text file of the EPUB in `out`.
fn epub_text(out: &Path) -> String {
    let path = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "epub") && !p.ends_with("t.epub"))
        .expect("an EPUB");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        if file
            .name()
            .is_ok_and(|n| n.ends_with(".xhtml") || n.ends_with(".svg") || n.ends_with(".opf"))
        {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut file, &mut text);
            all.push_str(&text);
        }
    }
    all
}

fn symlink(target: &Path, link: &Path) {
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// The catalogue as it is written down.
#[derive(Default)]
struct Cases(Vec<Case>);

impl Cases {
    /// A case with no check of the outputs beyond the common ones.
    fn add(&mut self, name: &'static str, expect: Expect, messages: &[&str], setup: FolderStep) {
        self.push(Case {
            name,
            expect,
            messages: messages.iter().map(|m| m.to_string()).collect(),
            setup,
            outputs: None,
        });
    }

    fn push(&mut self, case: Case) {
        self.0.push(case);
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Cases::default();

    // --- book.toml ---
    cases.add(
        "wrong type",
        Expect::BookError,
        &[
            "book/book.toml:",
            "`print.font-size` has the wrong type",
            "write font-size = \"11.5pt\"",
        ],
        Box::new(|b| write_book(b, "[print]\nfont-size = 11.5", &chapter("Text."))),
    );
    cases.add(
        "two wrong types reported together",
        Expect::BookError,
        &[
            "`print.font-size` has the wrong type",
            "`print.leading` has the wrong type",
        ],
        Box::new(|b| {
            write_book(
                b,
                "[print]\nfont-size = 11.5\nleading = 14",
                &chapter("Text."),
            )
        }),
    );
    cases.add(
        "trim too small",
        Expect::BookError,
        &[
            "book/book.toml:",
            "a trim of 1 x 1 in is smaller than any book printer prints",
        ],
        Box::new(|b| write_book(b, "[print]\ntrim = \"1x1in\"", &chapter("Text."))),
    );
    cases.add(
        "trim too large",
        Expect::BookError,
        &["a trim of 60 x 90 in is larger than any book press prints"],
        Box::new(|b| write_book(b, "[print]\ntrim = \"60x90in\"", &chapter("Text."))),
    );
    cases.add(
        "absurd trim",
        Expect::BookError,
        &["book/book.toml:", "is not a trim size"],
        Box::new(|b| write_book(b, "[print]\ntrim = \"1e308x1e308in\"", &chapter("Text."))),
    );
    cases.add(
        "unknown font",
        Expect::BookError,
        &["book/book.toml:", "font family `Minion Pro` not found"],
        Box::new(|b| write_book(b, "[print]\nfont = \"Minion Pro\"", &chapter("Text."))),
    );
    cases.add(
        "a 10 MB book.toml",
        Expect::BookError,
        &["book/book.toml:"],
        Box::new(|b| {
            let padding = format!("# {}\n", "x".repeat(200)).repeat(50_000);
            write_book(
                b,
                &format!(
                    "{padding}description = \"{}\"\nunknown-key = 1",
                    "y".repeat(100)
                ),
                &chapter("Text."),
            );
        }),
    );
    cases.add(
        "the same chapter twice",
        Expect::BookError,
        &["book/book.toml:", "one.md"],
        Box::new(|b| {
            write_book(b, "", &chapter("Text."));
            let toml = std::fs::read_to_string(b.join("book.toml")).unwrap();
            std::fs::write(
                b.join("book.toml"),
                toml.replace(
                    "chapters = [\"one.md\"]",
                    "chapters = [\"one.md\", \"one.md\"]",
                ),
            )
            .unwrap();
        }),
    );
    cases.add(
        "a missing chapter with a near name",
        Expect::BookError,
        &["book/book.toml:", "did you mean `chapter-01.md`?"],
        Box::new(|b| {
            write_book(b, "", &[("chapter-01.md", "# One\n\nText.\n".into())]);
            let toml = std::fs::read_to_string(b.join("book.toml")).unwrap();
            std::fs::write(
                b.join("book.toml"),
                toml.replace("chapter-01.md", "chapter-1.md"),
            )
            .unwrap();
            std::fs::write(b.join("chapter-01.md"), "# One\n\nText.\n").unwrap();
        }),
    );

    // --- every other value `check` refuses ---
    for (name, extra, message) in [
        (
            "a chapter opening that is not one",
            "[print]\nchapters-open = \"left\"",
            "`left` is not a chapter opening",
        ),
        (
            "a paper that is not one",
            "[print]\npaper = \"gold\"",
            "`gold` is not a paper",
        ),
        (
            "a length that is not one",
            "[print]\ntext-width = \"wide\"",
            "`wide` is not a length for `text-width`",
        ),
        (
            "a date that is not one",
            "date = \"1813-13-45\"",
            "`1813-13-45` is not an ISO 8601 date",
        ),
        (
            "an ISBN that is not one",
            "[book.isbn]\nprint = \"978-0-00-000000-0\"",
            "is not a valid ISBN",
        ),
        (
            "a cover style that is not one",
            "[cover]\nstyle = \"baroque\"",
            "`baroque` is not a cover style",
        ),
        (
            "a colour that is not one",
            "[cover]\nbackground = \"sunset\"",
            "`sunset` is not a colour",
        ),
    ] {
        let extra = extra.to_string();
        let (setup, messages): (FolderStep, Vec<String>) = (
            Box::new(move |b: &Path| write_book(b, &extra, &chapter("Text."))),
            vec!["book/book.toml:".to_string(), message.to_string()],
        );
        cases.push(Case {
            name,
            expect: Expect::BookError,
            messages,
            setup,
            outputs: None,
        });
    }
    cases.add(
        "a footnote defined twice",
        Expect::BookError,
        &["book/one.md:", "footnote `[^a]` is defined twice"],
        Box::new(|b| write_book(b, "", &chapter("Claim.[^a]\n\n[^a]: One.\n\n[^a]: Two."))),
    );
    cases.add(
        "an SVG cover",
        Expect::BookError,
        &["book/book.toml:", "the cover `cover.svg` is an SVG image"],
        Box::new(|b| {
            write_book(b, "cover = \"cover.svg\"", &chapter("Text."));
            std::fs::write(
                b.join("cover.svg"),
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"16\"/>",
            )
            .unwrap();
        }),
    );
    cases.add(
        "an HTML tag left open",
        Expect::Builds,
        &[
            "book/one.md:",
            "`<sup>` is not closed before the paragraph ends",
        ],
        Box::new(|b| write_book(b, "", &chapter("Water is H<sub>2</sub>O and E = mc<sup>2."))),
    );

    // --- paths out of the book ---
    cases.add(
        "an absolute chapter path",
        Expect::BookError,
        &["book/book.toml:", "leaves the book folder"],
        Box::new(|b| {
            write_book(b, "", &chapter("Text."));
            let toml = std::fs::read_to_string(b.join("book.toml")).unwrap();
            std::fs::write(
                b.join("book.toml"),
                toml.replace("\"one.md\"", "\"/etc/hostname\""),
            )
            .unwrap();
        }),
    );
    cases.add(
        "an absolute image path",
        Expect::BookError,
        &["book/one.md:", "leaves the book folder"],
        Box::new(|b| write_book(b, "", &chapter("![a map](/etc/hostname)"))),
    );
    cases.add(
        "mdBook includes out of the book",
        Expect::BookError,
        &[
            "book/one.md:3:5",
            "`{{#include /etc/hostname}}` cannot be carried out: `/etc/hostname` leaves the book folder",
            "book/one.md:3:33",
            "`../../outside.rs` leaves the book folder",
            "book/one.md:3:75",
            "`device.rs` leaves the book folder",
        ],
        Box::new(|b| {
            write_book(
                b,
                "",
                &chapter("See {{#include /etc/hostname}}, {{#rustdoc_include ../../outside.rs}} and {{#include device.rs}}."),
            );
            symlink(Path::new("/dev/zero"), &b.join("device.rs"));
        }),
    );
    cases.add(
        "an image symlink out of the book",
        Expect::BookError,
        &["book/one.md:", "leaves the book folder"],
        Box::new(|b| {
            write_book(b, "", &chapter("![a map](map.png)"));
            symlink(Path::new("/etc/hostname"), &b.join("map.png"));
        }),
    );
    cases.add(
        "a cover path out of the book",
        Expect::BookError,
        &["book/book.toml:", "leaves the book folder"],
        Box::new(|b| write_book(b, "cover = \"../../cover.jpg\"", &chapter("Text."))),
    );
    cases.add(
        "a font symlink out of the book",
        Expect::BookError,
        &["font"],
        Box::new(|b| {
            write_book(b, "[print]\nfont = \"Outside\"", &chapter("Text."));
            std::fs::create_dir_all(b.join("fonts")).unwrap();
            symlink(
                Path::new("/etc/hostname"),
                &b.join("fonts/Outside-Regular.otf"),
            );
        }),
    );
    cases.add(
        "a chapter symlink to a device",
        Expect::BookError,
        &["book/book.toml:", "leaves the book folder"],
        Box::new(|b| {
            write_book(b, "", &chapter("Text."));
            std::fs::remove_file(b.join("one.md")).unwrap();
            symlink(Path::new("/dev/zero"), &b.join("one.md"));
        }),
    );
    cases.add(
        "a chapter that is a folder",
        Expect::BookError,
        &["book/book.toml:", "one.md"],
        Box::new(|b| {
            write_book(b, "", &chapter("Text."));
            std::fs::remove_file(b.join("one.md")).unwrap();
            std::fs::create_dir(b.join("one.md")).unwrap();
        }),
    );
    cases.add(
        "a chapter that is a FIFO",
        Expect::BookError,
        &["book/book.toml:", "not a regular file"],
        Box::new(|b| {
            write_book(b, "", &chapter("Text."));
            std::fs::remove_file(b.join("one.md")).unwrap();
            let path =
                std::ffi::CString::new(b.join("one.md").to_string_lossy().as_bytes()).unwrap();
            // SAFETY: a valid C string naming a path in our temporary folder.
            assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
        }),
    );

    // --- pictures and fonts that are not what they claim ---
    cases.add(
        "a text file named .png",
        Expect::BookError,
        &["book/one.md:", "map.png"],
        Box::new(|b| {
            write_book(b, "", &chapter("![a map](map.png)"));
            std::fs::write(b.join("map.png"), "this is not a picture").unwrap();
        }),
    );
    cases.add(
        "a truncated JPEG",
        Expect::BookError,
        &["book/one.md:", "photo.jpg"],
        Box::new(|b| {
            write_book(b, "", &chapter("![a photo](photo.jpg)"));
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
                .encode_image(&image::RgbImage::from_pixel(
                    64,
                    64,
                    image::Rgb([200, 10, 10]),
                ))
                .unwrap();
            jpeg.truncate(jpeg.len() / 2);
            std::fs::write(b.join("photo.jpg"), jpeg).unwrap();
        }),
    );
    cases.add(
        "a PNG claiming 100000 x 100000 pixels",
        Expect::BookError,
        &["book/one.md:", "huge.png"],
        Box::new(|b| {
            write_book(b, "", &chapter("![huge](huge.png)"));
            std::fs::write(b.join("huge.png"), png_header(100_000, 100_000)).unwrap();
        }),
    );
    cases.add(
        "an SVG nested 10000 deep",
        Expect::BookError,
        &["book/one.md:", "deep.svg"],
        Box::new(|b| {
            write_book(b, "", &chapter("![deep](deep.svg)"));
            let svg = format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">{}<rect width=\"1\" height=\"1\"/>{}</svg>",
                "<g>".repeat(10_000),
                "</g>".repeat(10_000)
            );
            std::fs::write(b.join("deep.svg"), svg).unwrap();
        }),
    );
    cases.add(
        "an SVG with a huge viewBox",
        Expect::Builds,
        &[],
        Box::new(|b| {
            write_book(b, "", &chapter("![huge](huge.svg)"));
            std::fs::write(b.join("huge.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\" viewBox=\"0 0 1e30 1e30\"><rect width=\"1e29\" height=\"1e29\"/></svg>").unwrap();
        }),
    );
    cases.push(Case {
        name: "an SVG with external references (never fetched, left out)",
        expect: Expect::Builds,
        messages: Vec::new(),
        setup: Box::new(|b| {
            write_book(b, "", &chapter("![ext](ext.svg)"));
            std::fs::write(b.join("ext.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"10\" height=\"10\"><image xlink:href=\"file:///etc/passwd\" width=\"10\" height=\"10\"/><use xlink:href=\"http://example.com/a.svg#x\"/><rect width=\"5\" height=\"5\"/></svg>").unwrap();
        }),
        outputs: Some(Box::new(|out| {
            let text = epub_text(out);
            assert!(!text.contains("/etc/passwd") && !text.contains("example.com"));
            assert!(!text.contains("root:x:0"), "a file outside the book was read");
        })),
    });
    cases.add(
        "a font file that is not a font",
        Expect::BookError,
        &["font"],
        Box::new(|b| {
            write_book(b, "[print]\nfont = \"Fake\"", &chapter("Text."));
            std::fs::create_dir_all(b.join("fonts")).unwrap();
            std::fs::write(b.join("fonts/Fake-Regular.otf"), "not a font at all").unwrap();
        }),
    );

    // --- text ---
    cases.add(
        "an empty chapter",
        Expect::Builds,
        &["book/one.md:", "is empty"],
        Box::new(|b| {
            write_book(
                b,
                "",
                &[
                    ("one.md", String::new()),
                    ("two.md", "# Two\n\nText.\n".into()),
                ],
            )
        }),
    );
    cases.add(
        "3000 levels of nested quotes",
        Expect::Builds,
        &[],
        Box::new(|b| write_book(b, "", &chapter(&format!("{} deep", "> ".repeat(3000))))),
    );
    cases.add(
        "3000 levels of nested lists",
        Expect::Builds,
        &[],
        Box::new(|b| {
            let list: String = (0..3000)
                .map(|i| format!("{}- level {i}\n", "  ".repeat(i)))
                .collect();
            write_book(b, "", &chapter(&list));
        }),
    );
    cases.add(
        "10000 footnotes in one chapter",
        Expect::Builds,
        &[],
        Box::new(|b| {
            let refs: String = (1..=10_000)
                .map(|i| format!("Claim {i}.[^n{i}] "))
                .collect();
            let notes: String = (1..=10_000)
                .map(|i| format!("[^n{i}]: Note {i}.\n"))
                .collect();
            write_book(b, "", &chapter(&format!("{refs}\n\n{notes}")));
        }),
    );
    cases.add(
        "a 6000-letter word",
        Expect::Builds,
        &["book/one.md:"],
        Box::new(|b| write_book(b, "", &chapter(&format!("A {} word.", "x".repeat(6000))))),
    );
    cases.add(
        "a 60000-word paragraph",
        Expect::Builds,
        &[],
        Box::new(|b| write_book(b, "", &chapter(&"word ".repeat(60_000)))),
    );
    cases.add(
        "20000 CJK characters without a space",
        Expect::Builds,
        &[],
        Box::new(|b| write_book(b, "", &chapter(&"漢字".repeat(10_000)))),
    );
    cases.add(
        "CJK in a code block",
        Expect::Builds,
        &["book/one.md:", "was wrapped"],
        Box::new(|b| {
            let code = format!("```\nlet s = \"{}\";\n```", "漢字".repeat(30));
            write_book(b, "", &chapter(&code))
        }),
    );
    cases.add(
        "right-to-left text",
        Expect::Builds,
        &[],
        Box::new(|b| {
            write_book(
                b,
                "",
                &chapter("Hebrew: שלום עולם, Arabic: مرحبا بالعالم, mixed ones."),
            )
        }),
    );
    cases.add(
        "emoji and combining marks",
        Expect::Builds,
        &[],
        Box::new(|b| {
            write_book(
                b,
                "",
                &chapter(
                    "Emoji 👩‍👩‍👧 🏳️‍🌈 and marks: Q\u{308}, a\u{301}\u{323}, e\u{301}\u{301}\u{301}\u{301}.",
                ),
            )
        }),
    );
    cases.push(Case {
        name: "NUL and control characters",
        expect: Expect::Builds,
        // Each is reported where it is written (line 3 of one.md), and left out.
        messages: vec![
            "a control character (U+0000) in the text is left out".into(),
            "one.md:3:7".into(),
            "one.md:3:13".into(),
            // In the metadata too, at the key that writes it.
            "`subtitle` holds a control character, which is left out".into(),
            "book.toml:6:1".into(),
        ],
        setup: Box::new(|b| {
            write_book(
                b,
                "subtitle = \"Sub\\u0007title\"",
                &chapter("Before\u{0}after\u{1}\u{7}\u{1b}[31m the\u{c}end."),
            )
        }),
        outputs: Some(Box::new(|out| {
            // The ebook holds what the print edition holds: the form feed is a space.
            let text = epub_text(out);
            assert!(text.contains("Beforeafter[31m the end."), "{text}");
            assert!(text.contains(">Subtitle</dc:title>"), "{text}");
        })),
    });
    {
        let case = Case {
            name: "raw HTML with scripts, handlers and javascript: links",
            expect: Expect::Builds,
            messages: Vec::new(),
            setup: Box::new(|b| {
                write_book(
                    b,
                    "",
                    &chapter(
                        "<script>alert(1)</script>\n\n<span onmouseover=alert(2)>hover</span>\n\n<a href=\"javascript:alert(3)\">click</a> and [link](javascript:alert(4)) and <b onclick=\"alert(5)\">bold</b>.\n\n<iframe src=\"https://example.com\"></iframe>",
                    ),
                )
            }),
            outputs: Some(Box::new(|out| {
                // Every real tag of the EPUB (escaped `&lt;` text is text).
                let text = epub_text(out).to_lowercase();
                for tag in text.split('<').skip(1).filter_map(|t| t.split('>').next()) {
                    let name = tag.split_whitespace().next().unwrap_or_default();
                    assert!(
                        !["script", "iframe", "object", "embed"].contains(&name),
                        "the EPUB holds a <{name}> element"
                    );
                    assert!(
                        !tag.contains("javascript:"),
                        "a javascript: address: <{tag}>"
                    );
                    let handler = tag
                        .split_whitespace()
                        .skip(1)
                        .any(|attribute| attribute.starts_with("on") && attribute.contains('='));
                    assert!(!handler, "an event handler: <{tag}>");
                }
                assert!(
                    text.contains("&lt;script&gt;"),
                    "the raw HTML is shown as text"
                );
            })),
        };
        cases.push(case);
    }

    // --- where the outputs go ---
    cases.push(Case {
        name: "an output folder that is a file",
        expect: Expect::Usage,
        messages: vec!["out/file".into()],
        setup: Box::new(|b| write_book(b, "", &chapter("Text."))),
        outputs: None,
    });
    cases.0
}

/// A PNG signature and an IHDR chunk claiming `width` x `height`, and nothing more.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&ihdr);
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    // An IDAT chunk with a little deflate data, as a real file would start.
    let idat = b"IDAT\x78\x9c\x63\x00\x00\x00\x01\x00\x01";
    png.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    png.extend_from_slice(idat);
    png.extend_from_slice(&crc32(idat).to_be_bytes());
    png
}

/// PNG's CRC-32 (ISO 3309), bit by bit.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(unix)]
#[test]
fn every_hostile_book_is_refused_or_built_safely_within_limits() {
    let mut failures = Vec::new();
    let mut report = Vec::new();
    let all = cases();
    for case in &all {
        if case.name == "an output folder that is a file" {
            continue;
        }
        match run(case) {
            Ok(line) => report.push(format!("ok    {}: {line}", case.name)),
            Err(e) => failures.push(format!("FAIL  {}: {e}", case.name)),
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(all.len() >= 35, "{} cases", all.len());
}

#[cfg(unix)]
#[test]
fn an_output_folder_that_cannot_be_written_keeps_what_is_there() {
    let tmp = tempfile::tempdir().unwrap();
    write_book(&tmp.path().join("book"), "", &chapter("Text."));
    // A file where the output folder should be.
    std::fs::write(tmp.path().join("out"), EARLIER).unwrap();
    let (code, stderr, _) = build(tmp.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot create output folder `out`"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(tmp.path().join("out")).unwrap(), EARLIER);
    // A read-only output folder (root ignores permissions: then it is written).
    let out = tmp.path().join("ro");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("t.epub"), EARLIER).unwrap();
    let mut permissions = std::fs::metadata(&out).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o555);
    std::fs::set_permissions(&out, permissions).unwrap();
    let output = common::quire()
        .args(["build", "book", "--out", "ro"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("cannot write"), "{stderr}");
    }
    assert_eq!(std::fs::read(out.join("t.epub")).unwrap(), EARLIER);
    let _: PathBuf = out;
}
