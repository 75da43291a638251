//! Criterion benchmark of the page stage's extraction on the bundled article pages (the
//! real Miniflux test pages and our synthetic article): readability (`dom_smoothie`) plus
//! our plain-text conversion, per page, against the baseline of converting the whole page
//! to plain text without readability, measured in the same run. Throughput is in pages.
//! Run with `cargo bench --bench extract`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use newshound::feeds::html::html_to_text;
use newshound::feeds::page::extract_page;

const PAGES: [&str; 4] = [
    "miniflux/internal/reader/sanitizer/testdata/miniflux_wikipedia.html",
    "miniflux/internal/reader/sanitizer/testdata/miniflux_github.html",
    "miniflux/internal/reader/scraper/testdata/p.html",
    "fulltext/article.html",
];

fn pages() -> Vec<(&'static str, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    PAGES
        .iter()
        .map(|p| (*p, std::fs::read(dir.join(p)).expect("bundled page")))
        .collect()
}

fn extraction(c: &mut Criterion) {
    let pages = pages();
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Elements(pages.len() as u64));
    g.bench_function("readability_all_pages", |b| {
        b.iter(|| {
            for (name, bytes) in &pages {
                let got = extract_page(bytes, Some("text/html"), Some("https://example.org/a"));
                assert!(got.is_ok(), "{name}");
            }
        })
    });
    g.bench_function("baseline_whole_page_text", |b| {
        b.iter(|| {
            for (_, bytes) in &pages {
                std::hint::black_box(html_to_text(&String::from_utf8_lossy(bytes)));
            }
        })
    });
    g.finish();
    for (name, bytes) in &pages {
        let mut g = c.benchmark_group("extract_page");
        g.throughput(Throughput::Elements(1));
        let short = name.rsplit('/').next().unwrap_or(name);
        g.bench_function(short, |b| {
            b.iter(|| extract_page(bytes, Some("text/html"), Some("https://example.org/a")))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = extraction
}
criterion_main!(benches);
