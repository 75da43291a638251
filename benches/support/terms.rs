//! Deterministic watchlists for the benchmarks (shared by `benches/pipeline.rs` and
//! `examples/bench_pipeline.rs`).

use newshound::feeds::Article;
use newshound::watch::{PersonSpec, WatchlistSpec};

/// The watchlists: 20 terms each — synthetic people with aliases (rarely in the text),
/// keywords (some prefixes), and 5% names found in the corpus so that some fire.
pub fn watchlists(n: usize, articles: &[Article]) -> (Vec<WatchlistSpec>, Vec<String>) {
    let real = corpus_names(articles);
    let mut rng = fastrand::Rng::with_seed(7);
    let syl = [
        "ka", "lo", "mar", "et", "ti", "su", "an", "vel", "dor", "mi", "zha", "ng", "ru", "bek",
        "ol", "fen", "gri", "sha", "no", "vik",
    ];
    let word = |rng: &mut fastrand::Rng, parts: usize| -> String {
        let w: String = (0..parts).map(|_| syl[rng.usize(..syl.len())]).collect();
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    let (mut specs, mut terms) = (Vec::new(), Vec::new());
    while terms.len() < n {
        let mut spec = WatchlistSpec {
            name: format!("w{}", specs.len()),
            ..WatchlistSpec::default()
        };
        for i in 0..20 {
            match (i % 4, rng.usize(..20)) {
                (_, 0) if !real.is_empty() => {
                    spec.keywords.push(real[rng.usize(..real.len())].clone())
                }
                (0, _) => {
                    let name = format!("{} {}", word(&mut rng, 2), word(&mut rng, 3));
                    let alias = format!("Minister {}", name.split(' ').nth(1).unwrap_or(""));
                    spec.people.push(PersonSpec {
                        name,
                        aliases: vec![alias],
                        ..PersonSpec::default()
                    });
                }
                (1, _) => spec
                    .keywords
                    .push(format!("{}*", word(&mut rng, 3).to_lowercase())),
                _ => spec.keywords.push(word(&mut rng, 3).to_lowercase()),
            }
        }
        terms.extend(
            spec.people
                .iter()
                .flat_map(|p| std::iter::once(p.name.clone()).chain(p.aliases.clone())),
        );
        terms.extend(
            spec.keywords
                .iter()
                .map(|k| k.trim_end_matches('*').to_string()),
        );
        specs.push(spec);
    }
    (specs, terms)
}

/// Capitalised word pairs that occur in the corpus (person-like names).
fn corpus_names(articles: &[Article]) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    for a in articles.iter().take(2_000) {
        let words: Vec<&str> = a.content.split_whitespace().collect();
        for w in words.windows(2) {
            let cap = |s: &str| {
                s.len() > 2
                    && s.chars().next().is_some_and(char::is_uppercase)
                    && s.chars().all(char::is_alphabetic)
            };
            if cap(w[0]) && cap(w[1]) {
                names.insert(format!("{} {}", w[0], w[1]));
            }
        }
    }
    names.into_iter().collect()
}
