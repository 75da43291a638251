//! The parse and match benchmark on a real-feed corpus (see bench/README.md):
//!
//! ```text
//! cargo run --release --example bench_pipeline -- CORPUS_DIR [TERMS] [TERMS_OUT]
//! ```
//!
//! Reports parse throughput, parse + normalise + match throughput, a bare Aho-Corasick DFA
//! over the same patterns on the same text (the ceiling for matching), per-article latency
//! for ~5 KB articles, and the compile time and memory of the watchlists. TERMS (default
//! 10000) terms are generated deterministically; TERMS_OUT receives them one per line for
//! the Python baselines. Every time is the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`),
//! not wall time: on a shared machine, time spent waiting for a core is not counted.

use std::time::Duration;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use newshound::feeds::parse::parse_feed;
use newshound::feeds::Article;
use newshound::watch::{compile, normalise, Document};

#[path = "../benches/support/terms.rs"]
mod terms;
use terms::watchlists;
#[path = "../benches/support/runs.rs"]
mod runs;
use runs::{best_of, load, mb, secs, thread_cpu};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let corpus = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("tests/fixtures/feedparser/wellformed/rss");
    let n_terms: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let files = load(corpus);
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    println!(
        "corpus: {corpus}: {} files, {:.1} MB",
        files.len(),
        mb(bytes)
    );

    let (parse_time, articles) = best_of(3, || parse_all(&files));
    println!(
        "parse: {:.1} MB/s, {:.0} items/s ({} items)",
        mb(bytes) / secs(parse_time),
        articles.len() as f64 / secs(parse_time),
        articles.len()
    );

    let (specs, terms) = watchlists(n_terms, &articles);
    if let Some(out) = args.get(3) {
        std::fs::write(out, terms.join("\n") + "\n").expect("write terms");
    }
    let (compile_time, matcher) = best_of(3, || compile(&specs).expect("watchlists compile"));
    println!(
        "compile: {} terms in {} watchlists: {:.1} ms; {:.0} KB held, {:.0} bytes/term",
        terms.len(),
        specs.len(),
        secs(compile_time) * 1e3,
        matcher.memory_usage() as f64 / 1e3,
        matcher.memory_usage() as f64 / terms.len() as f64
    );

    let text_bytes: usize = articles
        .iter()
        .map(|a| a.title.len() + a.summary.len() + a.content.len())
        .sum();
    let (match_time, alerts) = best_of(3, || {
        articles
            .iter()
            .map(|a| matcher.match_document(&doc(a), &|_| true).len())
            .sum::<usize>()
    });
    println!(
        "normalise + match: {:.1} MB/s of article text ({} watchlist matches)",
        mb(text_bytes) / secs(match_time),
        alerts
    );

    let (norm_time, _) = best_of(3, || {
        articles
            .iter()
            .map(|a| {
                normalise(&a.title).len()
                    + normalise(&a.summary).len()
                    + normalise(&a.content).len()
            })
            .sum::<usize>()
    });
    println!(
        "normalise alone: {:.1} MB/s of article text",
        mb(text_bytes) / secs(norm_time)
    );

    let texts: Vec<String> = articles
        .iter()
        .map(|a| format!("{}\n{}\n{}", a.title, a.summary, a.content))
        .collect();
    let patterns: Vec<&str> = matcher.patterns().collect();
    let ac = bare_automaton(&patterns);
    let (bare_time, bare_hits) = best_of(3, || {
        texts
            .iter()
            .map(|t| ac.find_overlapping_iter(t.as_str()).count())
            .sum::<usize>()
    });
    let (m, b) = (
        mb(text_bytes) / secs(match_time),
        mb(text_bytes) / secs(bare_time),
    );
    println!("bare aho-corasick DFA: {b:.1} MB/s ({bare_hits} raw hits); matching = {:.0}% of the bare automaton", 100.0 * m / b);

    latency(&articles, &matcher);
    let (whole, _) = best_of(3, || {
        files
            .iter()
            .map(|(name, b)| {
                parse_feed(b, name, None)
                    .map(|arts| {
                        arts.iter()
                            .map(|a| matcher.match_document(&doc(a), &|_| true).len())
                            .sum::<usize>()
                    })
                    .unwrap_or(0)
            })
            .sum::<usize>()
    });
    println!(
        "whole path (parse + normalise + match): {:.1} MB/s of feed bytes",
        mb(bytes) / secs(whole)
    );
}

fn doc(a: &Article) -> Document<'_> {
    Document {
        title: &a.title,
        summary: &a.summary,
        content: &a.content,
        ..Document::default()
    }
}

fn parse_all(files: &[(String, Vec<u8>)]) -> Vec<Article> {
    files
        .iter()
        .flat_map(|(name, b)| parse_feed(b, name, None).unwrap_or_default())
        .collect()
}

fn latency(articles: &[Article], matcher: &newshound::watch::Matcher) {
    let mut times: Vec<Duration> = articles
        .iter()
        .filter(|a| (4_000..6_000).contains(&(a.title.len() + a.summary.len() + a.content.len())))
        .map(|a| {
            let start = thread_cpu();
            std::hint::black_box(matcher.match_document(&doc(a), &|_| true));
            thread_cpu() - start
        })
        .collect();
    times.sort();
    if times.is_empty() {
        return println!("latency: no 4–6 KB articles in the corpus");
    }
    let p = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    println!(
        "per 5 KB article: p50 {:.1} µs, p99 {:.1} µs ({} articles)",
        p(0.5),
        p(0.99),
        times.len()
    );
}

/// A bare DFA over the matcher's own patterns (folded, without spaces), ASCII
/// case-insensitive so that it reads the raw text: the same patterns on the same text.
fn bare_automaton(patterns: &[&str]) -> AhoCorasick {
    AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .match_kind(MatchKind::Standard)
        .ascii_case_insensitive(true)
        .build(patterns)
        .expect("bare automaton builds")
}
