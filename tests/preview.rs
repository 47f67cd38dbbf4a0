//! `quire preview` in a real browser: headless Chromium (Debian's, driven by the puppeteer
//! that DAISY Ace installs) opens the page, sees the spreads and the reading view drawn,
//! then a chapter file is edited and the change appears on the page by itself.
//!
//! Also `quire watch`: an edit rebuilds the outputs, one line per rebuild.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the child process when dropped (a failed assertion must not leave a server).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The last chapter file of a copy of the manuscript.
fn manuscript_copy(dir: &Path) -> (PathBuf, PathBuf) {
    let book = dir.join("book");
    common::copy_dir(&common::repo().join("manuscript"), &book);
    let chapter = common::last_chapter_file(&book);
    (book, chapter)
}

/// Reads the child's stderr on a thread, sending each line.
fn lines(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line containing `needle`; returns it.
fn wait_for(
    rx: &std::sync::mpsc::Receiver<String>,
    needle: &str,
    seen: &mut Vec<String>,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }
    panic!("no line with `{needle}` in:\n{}", seen.join("\n"));
}

#[test]
fn watch_rebuilds_on_an_edit() {
    let tmp = tempfile::tempdir().unwrap();
    let (book, chapter) = manuscript_copy(tmp.path());
    // The outputs inside the book folder, as with `quire watch .`: they are not inputs.
    let out = book.join("out");
    let mut child = common::quire()
        .args([
            "watch",
            &book.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines(&mut child);
    let _running = Running(child);
    let mut seen = Vec::new();
    wait_for(&rx, "watch: rebuilt in", &mut seen);
    // Writing the outputs starts no other rebuild.
    std::thread::sleep(Duration::from_millis(1500));
    seen.extend(rx.try_iter());
    let rebuilds = seen
        .iter()
        .filter(|l| l.starts_with("watch: rebuilt"))
        .count();
    assert_eq!(rebuilds, 1, "{seen:?}");
    let pdf = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("cortex.pdf"))
        .expect("the PDF is built");
    let before = std::fs::read(&pdf).unwrap();
    let mut text = std::fs::read_to_string(&chapter).unwrap();
    text.push_str("\n\nA new paragraph, with a link to [nowhere](#no-such-place).\n");
    std::fs::write(&chapter, text).unwrap();
    let line = wait_for(&rx, "1 new", &mut seen);
    assert!(line.starts_with("watch: rebuilt in"), "{line}");
    let new = wait_for(&rx, "no-such-place", &mut seen);
    assert!(
        new.contains(&*chapter.file_name().unwrap().to_string_lossy()),
        "{new}"
    );
    assert_ne!(std::fs::read(&pdf).unwrap(), before, "the PDF was rebuilt");
}

/// The puppeteer module DAISY Ace brings (`npm root -g`), if any.
fn puppeteer() -> Option<PathBuf> {
    let root = Command::new("npm").args(["root", "-g"]).output().ok()?;
    let root = PathBuf::from(String::from_utf8_lossy(&root.stdout).trim());
    [
        "@daisy/ace/node_modules/puppeteer",
        "puppeteer",
        "@daisy/ace/node_modules/puppeteer-core",
        "puppeteer-core",
    ]
    .iter()
    .map(|p| root.join(p))
    .find(|p| p.join("package.json").is_file())
}

const SCRIPT: &str = r##"
const fs = require("fs");
const puppeteer = require(process.env.QUIRE_PUPPETEER);
(async () => {
  const [url, chapter, shot] = process.argv.slice(2);
  const browser = await puppeteer.launch({
    executablePath: process.env.QUIRE_CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(url);
  await page.waitForFunction(() => Number(document.body.dataset.version) >= 1, { timeout: 30000 });
  // The spreads: the first page's picture is drawn.
  await page.waitForFunction(() => {
    const img = document.querySelector("img.page");
    return img && img.complete && img.naturalWidth > 100;
  }, { timeout: 30000 });
  const pages = await page.$$eval("img.page", (els) => els.length);
  const reader = async () => (await page.$("#reader")).contentFrame();
  await (await reader()).waitForFunction(
    () => document.body && document.body.innerText.includes("Creative Cortex"), { timeout: 30000 });
  // The author scrolls the reading view, then saves an edit.
  await (await reader()).evaluate(() => window.scrollTo(0, 600));
  const version = await page.evaluate(() => Number(document.body.dataset.version));
  const t0 = Date.now();
  fs.appendFileSync(chapter, "\n\nA sentence the browser test added: quokka marmalade.\n");
  await page.waitForFunction((v) => Number(document.body.dataset.version) > v, { timeout: 30000 }, version);
  await (await reader()).waitForFunction(
    () => document.body && document.body.innerText.includes("quokka marmalade"), { timeout: 30000 });
  const seenAfter = Date.now() - t0;
  const scrolled = await (await reader()).evaluate(() => window.scrollY);
  const newVersion = await page.evaluate(() => Number(document.body.dataset.version));
  const srcs = await page.$$eval("img.page", (els) => els.map((e) => e.src));
  await page.screenshot({ path: shot });
  console.log(JSON.stringify({ pages, seenAfter, scrolled, newVersion, srcs }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
"##;

#[test]
fn the_preview_shows_both_editions_and_follows_an_edit_in_a_browser() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let (Some(chromium), Some(puppeteer)) = (chromium, puppeteer()) else {
        common::missing_validator("Chromium and puppeteer (apt chromium; npm @daisy/ace)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (book, chapter) = manuscript_copy(tmp.path());
    let mut child = common::quire()
        .args(["preview", &book.to_string_lossy(), "--port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines(&mut child);
    let _running = Running(child);
    let mut seen = Vec::new();
    let line = wait_for(&rx, "preview: http://127.0.0.1:", &mut seen);
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    let script = tmp.path().join("preview-test.js");
    std::fs::write(&script, SCRIPT).unwrap();
    let shot = std::env::var_os("QUIRE_PREVIEW_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("preview.png"));
    let output = Command::new("node")
        .arg(&script)
        .arg(&url)
        .arg(&chapter)
        .arg(&shot)
        .env("QUIRE_PUPPETEER", &puppeteer)
        .env("QUIRE_CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}\nserver:\n{}",
        String::from_utf8_lossy(&output.stderr),
        seen.join("\n")
    );
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).expect("the script's JSON");
    // The manuscript typesets to ten pages: all of them on the page as pictures.
    assert!(result["pages"].as_u64().unwrap() >= 8, "{result}");
    let version = result["newVersion"].as_u64().unwrap();
    assert!(version >= 2, "{result}");
    // The spreads were reloaded for the new version.
    assert!(
        result["srcs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.as_str().unwrap().ends_with(&format!("v={version}"))),
        "{result}"
    );
    // The reading view kept its place.
    assert!(result["scrolled"].as_f64().unwrap() > 100.0, "{result}");
    eprintln!(
        "preview: the edit was on the page {} ms after the save; screenshot {}",
        result["seenAfter"],
        shot.display()
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}
