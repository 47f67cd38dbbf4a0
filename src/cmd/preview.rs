//! `quire preview`: a local web page (127.0.0.1 only) with the print edition as spreads and
//! the ebook at phone width side by side, rebuilt within a moment of every save.
//!
//! A builder thread watches the book folder and runs `quire build` (EPUB and PDF) into a
//! private folder, as `quire watch` does; the server answers from the last good build.
//! Pages are the PDF's pages rendered by hayro (`quire_raster`) on request, so the preview
//! shows exactly what the printer gets; the reading view is the EPUB's own documents and
//! style sheet. Everything is served from the binary: no internet.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::watch;
use crate::cli::Format;

/// The page, with its script.
const INDEX: &str = include_str!("preview.html");
/// Pixels per point of the page pictures (about 100 dpi).
const PAGE_SCALE: f32 = 1.4;

/// One diagnostic line of a build, with its place when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Diagnostic {
    severity: String,
    /// `file:line:col`, as printed.
    place: Option<(String, usize, usize)>,
    message: String,
}

/// The last build, as the server shows it.
#[derive(Default)]
struct Snapshot {
    /// Counts builds; 0 until the first.
    version: u64,
    ok: bool,
    build_ms: u128,
    pdf: Arc<Vec<u8>>,
    pages: usize,
    epub: Arc<Vec<u8>>,
    reader: String,
    diagnostics: Vec<Diagnostic>,
    /// Page pictures of this version, rendered on request.
    pngs: HashMap<usize, Arc<Vec<u8>>>,
}

/// Serves the preview of `book_dir` on 127.0.0.1:`port` (0: any free port) until stopped.
pub(crate) fn run(book_dir: &Path, port: u16) -> ExitCode {
    if !book_dir.join("book.toml").is_file() {
        eprintln!(
            "error: `{}` has no book.toml: nothing to preview",
            book_dir.display()
        );
        return ExitCode::from(super::EXIT_IO);
    }
    let server = match tiny_http::Server::http(("127.0.0.1", port)) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {err}");
            return ExitCode::from(super::EXIT_IO);
        }
    };
    let work = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(err) => {
            eprintln!("error: cannot make a working folder: {err}");
            return ExitCode::from(super::EXIT_IO);
        }
    };
    let root = std::fs::canonicalize(book_dir).unwrap_or_else(|_| book_dir.to_path_buf());
    let state = Arc::new(Mutex::new(Snapshot::default()));
    {
        let state = Arc::clone(&state);
        let book = book_dir.to_path_buf();
        let out = work.path().to_path_buf();
        std::thread::spawn(move || builder(&book, &out, &state));
    }
    match server.server_addr().to_ip() {
        Some(addr) => eprintln!("preview: http://{addr}/ (Ctrl-C to stop)"),
        None => eprintln!("preview: listening"),
    }
    for request in server.incoming_requests() {
        let response = respond(request.url(), &state, &root);
        let _ = request.respond(response);
    }
    drop(work);
    ExitCode::SUCCESS
}

/// Rebuilds into `out` whenever the book changes, and publishes each build.
fn builder(book: &Path, out: &Path, state: &Mutex<Snapshot>) {
    let mut last = None;
    let session = Mutex::new(watch::new_session());
    loop {
        let now = watch::fingerprint(book, None);
        if last.as_ref() != Some(&now) {
            last = Some(now);
            let result = watch::rebuild(book, out, &[Format::Epub, Format::Pdf], &session);
            let diagnostics: Vec<Diagnostic> =
                result.diagnostics.iter().map(|l| parse_line(l)).collect();
            let files = built_files(out);
            let mut snapshot = state.lock().unwrap_or_else(|e| e.into_inner());
            if result.ok
                && let Some((pdf, epub)) = files
            {
                snapshot.pages = quire_raster::page_count(&pdf).unwrap_or(0);
                snapshot.reader = reader_page(&epub);
                snapshot.pdf = Arc::new(pdf);
                snapshot.epub = Arc::new(epub);
                snapshot.pngs.clear();
            }
            snapshot.ok = result.ok;
            snapshot.build_ms = result.elapsed.as_millis();
            snapshot.diagnostics = diagnostics;
            snapshot.version += 1;
            eprintln!(
                "preview: version {} {} in {:.2} s",
                snapshot.version,
                if result.ok { "built" } else { "failed" },
                result.elapsed.as_secs_f64()
            );
        }
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// The interior PDF and the EPUB a build wrote into `out`.
fn built_files(out: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut pdf = None;
    let mut epub = None;
    for entry in std::fs::read_dir(out).ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".epub") {
            epub = std::fs::read(entry.path()).ok();
        } else if name.ends_with(".pdf") && !name.ends_with(".cover.pdf") {
            pdf = std::fs::read(entry.path()).ok();
        }
    }
    Some((pdf?, epub?))
}

/// `warning: path:12:3: message` as its parts.
fn parse_line(line: &str) -> Diagnostic {
    let (severity, rest) = line.split_once(':').unwrap_or(("note", line));
    let severity = severity
        .split('[')
        .next()
        .unwrap_or(severity)
        .trim()
        .to_string();
    let rest = rest.trim();
    // The place ends at the first `:line:col: `.
    let bytes = rest.as_bytes();
    for (i, _) in rest.match_indices(':') {
        let tail = &rest[i + 1..];
        let mut parts = tail.splitn(3, ':');
        let (Some(l), Some(c), Some(message)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if let (Ok(line), Ok(col)) = (l.parse::<usize>(), c.parse::<usize>())
            && i > 0
            && bytes.get(i - 1).is_some_and(|b| *b != b' ')
        {
            return Diagnostic {
                severity,
                place: Some((rest[..i].to_string(), line, col)),
                message: message.trim().to_string(),
            };
        }
    }
    Diagnostic {
        severity,
        place: None,
        message: rest.to_string(),
    }
}

/// One page with the body of every document of the EPUB's spine, in order, under the
/// EPUB's own style sheet: the book as a reading system shows it, scrolled.
fn reader_page(epub: &[u8]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <base href=\"/epub/OEBPS/text/\">\
         <link rel=\"stylesheet\" href=\"/epub/OEBPS/styles/book.css\">\
         <style>body{margin:0 1em} .quire-doc{border-bottom:1px dashed #ccc;padding-bottom:1em}</style>\
         </head><body>\n",
    );
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(epub)) else {
        return out;
    };
    let mut read = |name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .ok()
            .and_then(|mut f| f.read_to_string(&mut text).ok())
            .map(|_| text)
    };
    let opf = read("OEBPS/content.opf").unwrap_or_default();
    let hrefs: HashMap<&str, &str> = opf
        .split("<item ")
        .skip(1)
        .filter_map(|item| Some((attribute(item, "id")?, attribute(item, "href")?)))
        .collect();
    for itemref in opf.split("<itemref ").skip(1) {
        let Some(href) = attribute(itemref, "idref").and_then(|id| hrefs.get(id)) else {
            continue;
        };
        let Some(doc) = read(&format!("OEBPS/{href}")) else {
            continue;
        };
        let body = doc
            .split_once("<body")
            .and_then(|(_, rest)| rest.split_once('>'))
            .map(|(_, rest)| rest.rsplit_once("</body>").map_or(rest, |(b, _)| b))
            .unwrap_or_default();
        out.push_str("<div class=\"quire-doc\">");
        out.push_str(body);
        out.push_str("</div>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// The value of `name="..."` in a tag's text.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let padded = tag
        .find(&key)
        .map(|at| at + key.len())
        .or_else(|| tag.starts_with(&key[1..]).then_some(key.len() - 1))?;
    tag[padded..].split('"').next()
}

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn reply(status: u16, content_type: &str, body: Vec<u8>) -> Response {
    let mut response = tiny_http::Response::from_data(body).with_status_code(status);
    for (key, value) in [
        ("Content-Type", content_type),
        ("Cache-Control", "no-store"),
    ] {
        if let Ok(header) = tiny_http::Header::from_bytes(key.as_bytes(), value.as_bytes()) {
            response = response.with_header(header);
        }
    }
    response
}

fn not_found() -> Response {
    reply(404, "text/plain; charset=utf-8", b"not found".to_vec())
}

/// The answer to one request.
fn respond(url: &str, state: &Mutex<Snapshot>, root: &Path) -> Response {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    match path {
        "/" | "/index.html" => reply(200, "text/html; charset=utf-8", INDEX.as_bytes().to_vec()),
        "/state" => {
            let s = state.lock().unwrap_or_else(|e| e.into_inner());
            reply(200, "application/json", state_json(&s).into_bytes())
        }
        "/reader.html" => {
            let s = state.lock().unwrap_or_else(|e| e.into_inner());
            reply(
                200,
                "text/html; charset=utf-8",
                s.reader.clone().into_bytes(),
            )
        }
        "/source" => source_page(query, root),
        _ => {
            if let Some(page) = path
                .strip_prefix("/page/")
                .and_then(|p| p.strip_suffix(".png"))
                .and_then(|n| n.parse::<usize>().ok())
            {
                return page_png(page, state);
            }
            if let Some(name) = path.strip_prefix("/epub/") {
                let epub = Arc::clone(&state.lock().unwrap_or_else(|e| e.into_inner()).epub);
                return epub_file(&epub, &percent_decode(name));
            }
            not_found()
        }
    }
}

/// Page `n`'s picture, rendered once per version.
fn page_png(n: usize, state: &Mutex<Snapshot>) -> Response {
    let (pdf, version) = {
        let s = state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(png) = s.pngs.get(&n) {
            return reply(200, "image/png", png.as_ref().clone());
        }
        (Arc::clone(&s.pdf), s.version)
    };
    let Ok(images) = quire_raster::render_pages(&pdf, &[n], PAGE_SCALE) else {
        return not_found();
    };
    let mut png = Vec::new();
    let Some(image) = images.first() else {
        return not_found();
    };
    if image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .is_err()
    {
        return not_found();
    }
    let png = Arc::new(png);
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if s.version == version {
        s.pngs.insert(n, Arc::clone(&png));
    }
    reply(200, "image/png", png.as_ref().clone())
}

/// A file of the EPUB, with its media type.
fn epub_file(epub: &[u8], name: &str) -> Response {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(epub)) else {
        return not_found();
    };
    let mut data = Vec::new();
    if zip
        .by_name(name)
        .ok()
        .and_then(|mut f| f.read_to_end(&mut data).ok())
        .is_none()
    {
        return not_found();
    }
    let ext = name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let media = match ext.as_str() {
        "xhtml" => "application/xhtml+xml",
        "css" => "text/css",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "otf" => "font/otf",
        "ttf" => "font/ttf",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
    reply(200, media, data)
}

/// A source file of the book with line numbers, the asked-for line marked. Only files
/// inside the book folder are shown.
fn source_page(query: &str, root: &Path) -> Response {
    let mut file = None;
    let mut line = 0usize;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("path", v)) => file = Some(percent_decode(v)),
            Some(("line", v)) => line = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    let Some(file) = file else {
        return not_found();
    };
    let candidates = [PathBuf::from(&file), root.join(&file)];
    let Some(real) = candidates
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .find(|p| p.starts_with(root) && p.is_file())
    else {
        return reply(
            403,
            "text/plain; charset=utf-8",
            b"outside the book".to_vec(),
        );
    };
    let text = std::fs::read_to_string(&real).unwrap_or_default();
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font:13px/1.5 ui-monospace,monospace;margin:0}}\
         .l{{white-space:pre-wrap;padding:0 1em}} .l:target,.here{{background:#ffe9a8}}\
         .n{{color:#999;display:inline-block;width:4em;text-align:right;margin-right:1em}}</style>\
         </head><body>",
        escape(&file)
    );
    for (i, l) in text.lines().enumerate() {
        let n = i + 1;
        html.push_str(&format!(
            "<div class=\"l{}\" id=\"L{n}\"><span class=\"n\">{n}</span>{}</div>",
            if n == line { " here" } else { "" },
            escape(l)
        ));
    }
    html.push_str("</body></html>");
    reply(200, "text/html; charset=utf-8", html.into_bytes())
}

/// The state the page polls for, as JSON.
fn state_json(s: &Snapshot) -> String {
    let diagnostics: Vec<String> = s
        .diagnostics
        .iter()
        .map(|d| {
            let (place, href) = match &d.place {
                Some((file, line, col)) => (
                    format!("{file}:{line}:{col}"),
                    format!("/source?path={}&line={line}#L{line}", percent_encode(file)),
                ),
                None => (String::new(), String::new()),
            };
            format!(
                "{{\"severity\":{},\"place\":{},\"href\":{},\"message\":{}}}",
                json(&d.severity),
                json(&place),
                if href.is_empty() {
                    "null".to_string()
                } else {
                    json(&href)
                },
                json(&d.message)
            )
        })
        .collect();
    format!(
        "{{\"version\":{},\"ok\":{},\"build_ms\":{},\"pages\":{},\"diagnostics\":[{}]}}",
        s.version,
        s.ok,
        s.build_ms,
        s.pages,
        diagnostics.join(",")
    )
}

fn json(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_lines_have_their_place() {
        let d = parse_line("warning: book/ch 1.md:12:3: a link goes nowhere: x");
        assert_eq!(d.severity, "warning");
        assert_eq!(d.place, Some(("book/ch 1.md".to_string(), 12, 3)));
        assert_eq!(d.message, "a link goes nowhere: x");
        let d = parse_line("error[kdp]: the interior has 10 pages");
        assert_eq!((d.severity.as_str(), d.place), ("error", None));
    }

    #[test]
    fn addresses_round_trip() {
        let path = "book/ch 1 “x”.md";
        assert_eq!(percent_decode(&percent_encode(path)), path);
        assert_eq!(
            attribute("<item id=\"a\" href=\"t/x.xhtml\"/>", "href"),
            Some("t/x.xhtml")
        );
        assert_eq!(attribute("idref=\"c1\"/>", "idref"), Some("c1"));
    }
}
