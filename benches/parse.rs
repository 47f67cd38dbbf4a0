//! Parsing speed: every book of `../shared/corpus/` read into the model.
//! Target: Pride and Prejudice (about 120,000 words) in under 50 ms on the 2-core machine.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut books: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("book.toml").is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    books.sort();
    books
}

fn parse_corpus(c: &mut Criterion) {
    let books = corpus();
    if books.is_empty() {
        println!("NOTICE: ../shared/corpus is absent: no parsing benchmark run");
        return;
    }
    let mut group = c.benchmark_group("parse");
    group.sample_size(20);
    for book in books {
        let name = book
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        group.bench_function(name, |b| {
            b.iter(|| {
                let loaded = quire_markdown::load_book(&book);
                assert!(loaded.book.is_some());
                loaded
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse_corpus);
criterion_main!(benches);
