//! Criterion benchmarks of the hot paths on the feeds in benches/data: parsing, matching
//! an article against 10,000 terms, the bare Aho-Corasick ceiling, and compiling.
//! Run with `cargo bench`; the whole-corpus figures come from `bench/run.sh`. Times are the
//! benchmark thread's CPU time (`support/cpu.rs`), not wall time: the machine may be shared.

use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use newshound::feeds::html::html_to_text;
use newshound::feeds::parse::{parse_feed, parse_feed_fast, parse_feed_slow};
use newshound::feeds::Article;
use newshound::watch::{compile, Document};

#[path = "support/cpu.rs"]
mod cpu;
#[path = "support/terms.rs"]
mod terms;

fn feeds() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("benches/data")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).expect("read")))
        .collect()
}

fn articles(files: &[(String, Vec<u8>)]) -> Vec<Article> {
    files
        .iter()
        .flat_map(|(n, b)| parse_feed(b, n, None).unwrap_or_default())
        .collect()
}

fn as_html(text: &str) -> String {
    text.split("\n\n")
        .map(|p| {
            let p = p.replace('&', "&amp;").replace('<', "&lt;");
            format!("<p class=\"body\">{p} <a href=\"https://x.example/\">more</a></p>\n")
        })
        .collect()
}

fn doc_of(a: &Article) -> Document<'_> {
    Document {
        title: &a.title,
        summary: &a.summary,
        content: &a.content,
        ..Document::default()
    }
}

fn text_len(a: &Article) -> usize {
    a.title.len() + a.summary.len() + a.content.len()
}

fn bench(c: &mut Criterion<cpu::ThreadCpu>) {
    let files = feeds();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let arts = articles(&files);
    let (specs, _) = terms::watchlists(10_000, &arts);
    let matcher = compile(&specs).expect("compiles");
    let text: usize = arts.iter().map(text_len).sum();

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("feed-rs via parse_feed", |b| b.iter(|| articles(&files)));
    g.bench_function("fast path alone", |b| {
        b.iter(|| {
            files
                .iter()
                .filter_map(|(n, b)| parse_feed_fast(b, n, None))
                .count()
        })
    });
    g.bench_function("feed-rs alone", |b| {
        b.iter(|| {
            files
                .iter()
                .filter_map(|(n, b)| parse_feed_slow(b, n, None).ok())
                .count()
        })
    });
    g.finish();

    // The articles' text back as HTML: paragraphs, escaped, with a link per paragraph.
    let html: Vec<String> = arts.iter().map(|a| as_html(&a.content)).collect();
    let mut g = c.benchmark_group("html_to_text");
    g.throughput(Throughput::Bytes(
        html.iter().map(String::len).sum::<usize>() as u64,
    ));
    g.bench_function("article bodies", |b| {
        b.iter(|| html.iter().map(|h| html_to_text(h).len()).sum::<usize>())
    });
    g.finish();

    let mut g = c.benchmark_group("match 10k terms");
    g.throughput(Throughput::Bytes(text as u64));
    // The ceiling: the same patterns in a bare DFA over the same text, in two forms. The
    // matcher's own automaton (case-sensitive, over the folded patterns) on the text
    // lowercased beforehand, and an ASCII case-insensitive DFA on the raw text.
    let patterns: Vec<&str> = matcher.patterns().collect();
    let bare = |case_insensitive: bool| {
        AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(case_insensitive)
            .build(&patterns)
            .expect("bare automaton")
    };
    let (same, folded_ci) = (bare(false), bare(true));
    let joined: Vec<String> = arts
        .iter()
        .map(|a| format!("{}\n{}\n{}", a.title, a.summary, a.content))
        .collect();
    let lowered: Vec<String> = joined.iter().map(|t| t.to_ascii_lowercase()).collect();
    let count = |ac: &AhoCorasick, texts: &[String]| {
        texts
            .iter()
            .map(|t| ac.find_overlapping_iter(t.as_str()).count())
            .sum::<usize>()
    };
    let run_match = || {
        arts.iter()
            .map(|a| matcher.match_document(&doc_of(a), &|_| true).len())
            .sum::<usize>()
    };
    g.bench_function("normalise + match", |b| b.iter(run_match));
    g.bench_function("bare aho-corasick DFA (ceiling)", |b| {
        b.iter(|| count(&same, &lowered))
    });
    g.bench_function("bare aho-corasick DFA, ascii_case_insensitive", |b| {
        b.iter(|| count(&folded_ci, &joined))
    });
    g.finish();
    let best = |f: &dyn Fn() -> usize| {
        (0..15)
            .map(|_| {
                let start = cpu::thread_cpu();
                std::hint::black_box(f());
                cpu::thread_cpu() - start
            })
            .min()
            .expect("runs")
    };
    let ours = best(&run_match);
    let ceiling = best(&|| count(&same, &lowered)).min(best(&|| count(&folded_ci, &joined)));
    println!(
        "match 10k terms: normalise + match = {:.0}% of the bare DFA ({:.2} vs {:.2} ms CPU, best of 15, {} patterns)",
        100.0 * ceiling.as_secs_f64() / ours.as_secs_f64(),
        ours.as_secs_f64() * 1e3,
        ceiling.as_secs_f64() * 1e3,
        patterns.len()
    );

    if let Some(a) = arts.iter().min_by_key(|a| text_len(a).abs_diff(5_000)) {
        let doc = doc_of(a);
        c.bench_function(&format!("one {} B article, 10k terms", text_len(a)), |b| {
            b.iter(|| matcher.match_document(&doc, &|_| true))
        });
    }
    c.bench_function("compile 10k terms", |b| {
        b.iter(|| compile(&specs).expect("compiles"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(cpu::ThreadCpu).sample_size(20);
    targets = bench
}
criterion_main!(benches);
