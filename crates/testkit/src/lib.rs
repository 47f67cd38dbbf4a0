//! How Quire's tests skip a check they cannot run (a validator, the corpus, a font not
//! installed): never quietly.
//!
//! - Under `QUIRE_REQUIRE_VALIDATORS=1` (set by `.ci/run`) a skip is a failure: the test
//!   panics naming what is missing.
//! - Otherwise the skip is printed as `*** SKIP ... ***` and appended to the skip log,
//!   `target/quire-skips.log` (or `QUIRE_SKIP_LOG`), which `scripts/test` lists and counts
//!   at the end of the run, so a local run shows what it did not check.

use std::io::Write;
use std::path::PathBuf;

/// True when checks may not be skipped (CI): `QUIRE_REQUIRE_VALIDATORS=1`.
pub fn required() -> bool {
    std::env::var("QUIRE_REQUIRE_VALIDATORS").is_ok_and(|v| v == "1")
}

/// Skips a check because `missing` is absent (`"qpdf"`, `"../shared/corpus"`), saying what
/// was not checked. Panics under [`required`].
pub fn skip(missing: &str, unchecked: &str) {
    if required() {
        panic!("{missing} is required (QUIRE_REQUIRE_VALIDATORS=1) but absent: {unchecked}");
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|s| s.split('-').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    let line = format!("{binary}::{test}: {missing} absent: {unchecked}");
    eprintln!("\n*** SKIP {line} ***\n");
    if let Some(log) = skip_log()
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
    {
        let _ = writeln!(file, "{line}");
    }
}

/// The skip log: `QUIRE_SKIP_LOG`, else `quire-skips.log` in the target folder the test
/// binary runs from (`target/debug/deps/x` -> `target/`).
pub fn skip_log() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("QUIRE_SKIP_LOG") {
        return Some(PathBuf::from(path));
    }
    let exe = std::env::current_exe().ok()?;
    let target = exe.ancestors().find(|p| {
        p.file_name()
            .is_some_and(|n| n == "target" || p.join("CACHEDIR.TAG").is_file())
    })?;
    Some(target.join("quire-skips.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Not run by itself: the subject of the two tests below, run in a child process.
    #[test]
    #[ignore = "run by skip_* tests in a child process"]
    fn probe_a_missing_validator() {
        skip("the-validator", "the probe's check");
    }

    fn run_probe(required: bool, log: &std::path::Path) -> std::process::Output {
        let mut command = std::process::Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--ignored",
                "--exact",
                "--nocapture",
                "tests::probe_a_missing_validator",
            ])
            .env("QUIRE_SKIP_LOG", log)
            .env_remove("QUIRE_REQUIRE_VALIDATORS");
        if required {
            command.env("QUIRE_REQUIRE_VALIDATORS", "1");
        }
        command.output().unwrap()
    }

    #[test]
    fn skip_fails_when_validators_are_required() {
        let dir = std::env::temp_dir().join(format!("quire-skip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("required.log");
        let output = run_probe(true, &log);
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{text}");
        assert!(
            text.contains("the-validator is required (QUIRE_REQUIRE_VALIDATORS=1)"),
            "{text}"
        );
        assert!(!log.exists(), "a failure is not logged as a skip");
    }

    #[test]
    fn skip_is_loud_and_logged_otherwise() {
        let dir = std::env::temp_dir().join(format!("quire-skip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("local.log");
        let _ = std::fs::remove_file(&log);
        let output = run_probe(false, &log);
        let text = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{text}");
        assert!(text.contains("*** SKIP"), "{text}");
        let logged = std::fs::read_to_string(&log).unwrap();
        assert!(
            logged.contains("tests::probe_a_missing_validator: the-validator absent"),
            "{logged}"
        );
    }
}
