//! Every input the fuzzers kept (`fuzz/regressions/<target>/*`: crashes they found, fixed
//! since) and every seed (`fuzz/seeds/<target>/*`) runs through its target again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let mut count = 0;
    for kind in ["regressions", "seeds"] {
        for file in inputs(kind, target) {
            let data = std::fs::read(&file).unwrap();
            eprintln!("{target}: {}", file.display());
            run(&data);
            count += 1;
        }
    }
    assert!(
        count > 0,
        "no inputs for {target} in fuzz/seeds or fuzz/regressions"
    );
}

#[test]
fn front_end_inputs() {
    replay("front_end", quire_fuzz_targets::front_end);
}

#[test]
fn pipeline_inputs() {
    replay("pipeline", quire_fuzz_targets::pipeline);
}

#[test]
fn parser_inputs() {
    replay("parsers", quire_fuzz_targets::parsers);
}
