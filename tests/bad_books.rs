//! Every broken book in `tests/bad/<case>/`: the binary must name the file, line and column,
//! exit with the expected code, and leave an earlier output in the output folder unchanged.
//!
//! `expected.txt`: the first line is the exit code; every further line must appear in the
//! output of `quire build`, with `BOOK` standing for the book folder's path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

const EARLIER: &[u8] = b"an earlier build's bytes, which a failed build must not touch";

fn run_case(case: &Path) -> Result<(), String> {
    let expected = std::fs::read_to_string(case.join("expected.txt")).map_err(|e| e.to_string())?;
    let mut lines = expected.lines();
    let code: i32 = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or("no exit code")?;
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    common::copy_dir(&case.join("book"), &work.path().join("book"));
    let out = work.path().join("out");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let earlier = out.join("t.epub");
    std::fs::write(&earlier, EARLIER).map_err(|e| e.to_string())?;

    for command in ["check", "build"] {
        let args: Vec<&str> = if command == "build" {
            vec!["build", "book", "--out", "out"]
        } else {
            vec!["check", "book"]
        };
        let (output, stderr) = common::run_in(work.path(), &args);
        let stderr = common::reported(&stderr);
        let got = output.status.code().unwrap_or(-1);
        if got != code {
            return Err(format!(
                "`quire {command}` exited {got}, expected {code}\n{stderr}"
            ));
        }
        for want in lines.clone() {
            let want = want.replace("BOOK", "book");
            if !stderr.contains(&want) {
                return Err(format!(
                    "`quire {command}` output lacks `{want}`:\n{stderr}"
                ));
            }
        }
    }
    if code != 0 {
        let now = std::fs::read(&earlier).map_err(|e| e.to_string())?;
        if now != EARLIER {
            return Err("the earlier output was changed by a failed build".into());
        }
        let leftovers: Vec<_> = std::fs::read_dir(&out)
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| n != "t.epub")
            .collect();
        if !leftovers.is_empty() {
            return Err(format!("a failed build left files behind: {leftovers:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_bad_book_is_reported_where_it_is_wrong() {
    let root = common::repo().join("tests/bad");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/bad")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected.txt").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 15,
        "expected the bad-book cases, found {}",
        cases.len()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_case(case).err().map(|e| {
                format!(
                    "{}: {e}",
                    case.file_name().unwrap_or_default().to_string_lossy()
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_book_is_refused() {
    let work = tempfile::tempdir().expect("tempdir");
    let book = work.path().join("book");
    std::fs::create_dir_all(&book).expect("mkdir");
    std::fs::write(
        work.path().join("secret.md"),
        "# Secret\n\nDo not publish.\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(work.path().join("secret.md"), book.join("one.md"))
        .expect("symlink");
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"T\"\nlanguage = \"en\"\nauthors = [\"A\"]\n[contents]\nchapters = [\"one.md\"]\n",
    )
    .expect("write");
    let (output, stderr) = common::run_in(work.path(), &["check", "book"]);
    let stderr = common::reported(&stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("book/book.toml:6:13: chapter path `one.md` leaves the book folder"),
        "{stderr}"
    );
    assert!(!stderr.contains("Do not publish"), "{stderr}");
}

#[test]
fn a_missing_book_folder_is_a_clear_error() {
    let work = tempfile::tempdir().expect("tempdir");
    for command in ["check", "build", "proof"] {
        let (output, stderr) = common::run_in(work.path(), &[command, "nowhere"]);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("book folder `nowhere` not found"),
            "{stderr}"
        );
    }
    // Outside any book, the default is not suggested back.
    let (output, stderr) = common::run_in(work.path(), &["build"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("quire init mybook"), "{stderr}");
    // A folder without book.toml says so.
    std::fs::create_dir(work.path().join("empty")).expect("mkdir");
    let (output, stderr) = common::run_in(work.path(), &["check", "empty"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`empty` has no book.toml"), "{stderr}");
}

#[test]
fn init_creates_a_book_that_checks_clean() {
    let work = tempfile::tempdir().expect("tempdir");
    let (output, stderr) = common::run_in(work.path(), &["init", "novel"]);
    assert!(output.status.success(), "{stderr}");
    let (output, stderr) = common::run_in(work.path(), &["check", "novel"]);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("0 error(s), 0 warning(s)"), "{stderr}");
    // A second init into the same folder refuses and changes nothing.
    let before = std::fs::read(work.path().join("novel/book.toml")).expect("read");
    let (output, _) = common::run_in(work.path(), &["init", "novel"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        std::fs::read(work.path().join("novel/book.toml")).expect("read"),
        before
    );
}
