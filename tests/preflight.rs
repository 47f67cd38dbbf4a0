//! Store preflight end to end: `check --target` fails a book a store refuses (with a plain
//! fix) and passes one it takes; `build --target ingramspark` writes an interior and cover
//! whose PDF/X-1a:2001 structure is read back and asserted rule by rule; `--target kdp`
//! leaves annotations out of the interior.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

/// The PDF/X-1a:2001 rules read back from a PDF with PyMuPDF; prints one line per
/// broken rule, then `checked N`.
const PDFX_RULES: &str = r#"
import sys, re, pymupdf
path = sys.argv[1]
raw = open(path, "rb").read()
d = pymupdf.open(path)
bad = []
def rule(ok, text):
    if not ok: bad.append(text)
rule(raw.startswith(b"%PDF-1.3"), "header is not %PDF-1.3")
rule(not d.is_encrypted, "encrypted")
trailer = d.pdf_trailer()
rule("/ID" in trailer, "no /ID in the trailer")
info = d.xref_object(int(d.xref_get_key(-1, "Info")[1].split()[0]))
rule("/GTS_PDFXVersion (PDF/X-1:2001)" in info, "GTS_PDFXVersion missing")
rule("/GTS_PDFXConformance (PDF/X-1a:2001)" in info, "GTS_PDFXConformance missing")
rule("/Trapped /False" in info, "Trapped is not False")
rule("/Title (" in info and "/CreationDate" in info and "/ModDate" in info, "Title or dates missing")
intents = d.xref_get_key(d.pdf_catalog(), "OutputIntents")[1]
rule("/S/GTS_PDFX" in intents.replace(" ", ""), "no GTS_PDFX output intent")
rule("/OutputConditionIdentifier(FOGRA39)" in intents.replace(" ", ""), "no output condition identifier")
m = re.search(r"/DestOutputProfile (\d+) 0 R", intents)
rule(m is not None, "no DestOutputProfile")
if m:
    profile = d.xref_stream(int(m.group(1)))
    rule(d.xref_get_key(int(m.group(1)), "N")[1] == "4", "profile is not 4-channel")
    rule(profile[12:16] == b"prtr" and profile[16:20] == b"CMYK", "profile is not a CMYK output profile")
for i, page in enumerate(d):
    x = page.xref
    media = page.mediabox
    trim = d.xref_get_key(x, "TrimBox")
    bleed = d.xref_get_key(x, "BleedBox")
    rule(trim[0] == "array" and bleed[0] == "array", f"page {i+1}: no TrimBox or BleedBox")
    rule(d.xref_get_key(x, "ArtBox")[0] == "null", f"page {i+1}: ArtBox beside TrimBox")
    rule(d.xref_get_key(x, "Annots")[0] == "null", f"page {i+1}: annotations")
    if trim[0] == "array" and bleed[0] == "array":
        t = [float(v) for v in trim[1].strip("[]").split()]
        b = [float(v) for v in bleed[1].strip("[]").split()]
        rule(b[0] <= t[0] and b[1] <= t[1] and b[2] >= t[2] and b[3] >= t[3], f"page {i+1}: trim outside bleed")
        rule(b[0] >= media.x0 - 0.01 and b[2] <= media.x1 + 0.01, f"page {i+1}: bleed outside media")
for x in range(1, d.xref_length()):
    obj = d.xref_object(x, compressed=True)
    for key in ["/DeviceRGB", "/CalRGB", "/Lab", "/ICCBased", "/SMask", "/CA ", "/ca ", "/BM", "/JavaScript", "/LZWDecode", "/Group"]:
        rule(key not in obj + " ", f"object {x}: {key.strip()}")
    if d.xref_is_stream(x) and "/Type/XObject" not in obj.replace(" ", "") and "/DestOutputProfile" not in obj:
        try:
            data = d.xref_stream(x)
        except Exception:
            continue
        if data and re.search(rb"(^|\s)[\d.]+ [\d.]+ [\d.]+ (rg|RG)(\s|$)", data):
            bad.append(f"object {x}: RGB colour operator")
for b in bad:
    print(b)
print("checked", len(d))
"#;

/// `quire check --target T BOOK`: exit code and stderr.
fn check(book: &Path, target: &str) -> (i32, String) {
    let (output, stderr) = common::run_in(
        &common::repo(),
        &["check", &book.to_string_lossy(), "--target", target],
    );
    (
        output.status.code().unwrap_or(-1),
        common::reported(&stderr),
    )
}

#[test]
fn kdp_refuses_the_short_manuscript_with_a_plain_fix() {
    let (code, stderr) = check(&common::repo().join("manuscript"), "kdp");
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("error[kdp]: Amazon KDP binds books of at least 24 pages"),
        "{stderr}"
    );
    assert!(stderr.contains("= fix: "), "{stderr}");
    assert!(stderr.contains("= rule: "), "{stderr}");
    // Checking writes nothing.
    assert!(stderr.contains("preflight kdp: "), "{stderr}");
    assert!(!stderr.contains("build: wrote"), "{stderr}");
}

#[test]
fn kdp_takes_pride_and_prejudice() {
    let Some(books) = common::corpus_books() else {
        common::missing_corpus();
        return;
    };
    let pp = books
        .iter()
        .find(|b| b.to_string_lossy().contains("pride-and-prejudice"))
        .expect("P&P in the corpus");
    let (code, stderr) = check(pp, "kdp");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("preflight kdp: 16 rules of Amazon KDP, 0 error(s)"),
        "{stderr}"
    );
}

#[test]
fn a_bad_isbn_fails_the_check_at_its_place() {
    let tmp = tempfile::tempdir().unwrap();
    let book = tmp.path().join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    let toml = std::fs::read_to_string(book.join("book.toml")).unwrap();
    let toml = format!("{toml}\n[book.isbn]\nebook = \"978-0-306-40615-8\"\n");
    let line = toml.lines().position(|l| l.starts_with("ebook =")).unwrap() + 1;
    std::fs::write(book.join("book.toml"), &toml).unwrap();
    for target in ["apple", "google"] {
        let (code, stderr) = check(&book, target);
        assert_eq!(code, 1, "{stderr}");
        // The reader refuses it first, at its place in book.toml.
        assert!(
            stderr.contains(&format!(
                "book.toml:{line}:9: `978-0-306-40615-8` is not a valid ISBN"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn ingramspark_writes_pdfx_1a_interior_and_cover() {
    let tmp = tempfile::tempdir().unwrap();
    let book = common::repo().join("manuscript");
    let (output, stderr) = common::run_in(
        &common::repo(),
        &[
            "build",
            &book.to_string_lossy(),
            "--out",
            &tmp.path().to_string_lossy(),
            "--target",
            "ingramspark",
        ],
    );
    // The manuscript is too short for IngramSpark's 18 pages: the files are written and
    // the check fails on that alone.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error[ingramspark]"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("at least 18 pages"), "{stderr}");
    let files: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let interior = common::output_file(&files, "pdf");
    let cover = files
        .iter()
        .find(|p| p.to_string_lossy().ends_with(".cover.pdf"))
        .expect("a cover")
        .clone();
    for pdf in [&interior, &cover] {
        let Some(out) = common::pymupdf(PDFX_RULES, pdf) else {
            return;
        };
        assert!(out.starts_with("checked "), "{}:\n{out}", pdf.display());
        let qpdf = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(pdf)
            .output();
        match qpdf {
            Ok(o) => assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout)),
            Err(_) => common::missing_validator("qpdf"),
        }
        match std::process::Command::new("pdffonts").arg(pdf).output() {
            Ok(o) => {
                let text = String::from_utf8_lossy(&o.stdout);
                for line in text.lines().skip(2) {
                    let cols: Vec<&str> = line.split_whitespace().collect();
                    let n = cols.len();
                    assert!(n >= 5 && cols[n - 5] == "yes", "not embedded: {line}");
                }
            }
            Err(_) => common::missing_validator("pdffonts"),
        }
    }
}

#[test]
fn kdp_interior_has_no_annotations_and_the_plain_one_has_links() {
    let tmp = tempfile::tempdir().unwrap();
    let book = common::repo().join("manuscript");
    let count_annots = |pdf: &Path| {
        let bytes = std::fs::read(pdf).unwrap();
        bytes.windows(7).filter(|w| w == b"/Annots").count()
    };
    let plain = tmp.path().join("plain");
    let (files, _) = common::build_outputs(&book, &plain, "pdf", &[]);
    assert!(
        count_annots(&common::output_file(&files, "pdf")) > 0,
        "the plain PDF has links"
    );
    let kdp = tmp.path().join("kdp");
    let (output, stderr) = common::run_in(
        &common::repo(),
        &[
            "build",
            &book.to_string_lossy(),
            "--out",
            &kdp.to_string_lossy(),
            "--format",
            "pdf",
            "--target",
            "kdp",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "too short for KDP: {stderr}");
    let files: Vec<_> = std::fs::read_dir(&kdp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(count_annots(&common::output_file(&files, "pdf")), 0);
}
