//! Loading and scoring the near-duplicate test set (shared by the integration test and
//! `examples/neardup_eval.rs`).
#![allow(dead_code)] // each of the two uses a part

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use newshound::feeds::fingerprint::Fingerprint;
use newshound::feeds::lsh;

/// One labelled pair, already fingerprinted.
pub struct Pair {
    /// `duplicate` or `different`.
    pub duplicate: bool,
    /// The pair's kind (edit intensity or negative kind).
    pub kind: String,
    /// Similarity of the two fingerprints.
    pub similarity: f64,
    /// Both fingerprints (for sweeps over band shapes).
    pub prints: (Fingerprint, Fingerprint),
    /// Whether the pair shares a band key at the default bands × rows, i.e. whether the
    /// store compares them at all.
    pub candidate: bool,
}

impl Pair {
    /// Whether the pair shares a band key with `bands` × `rows`.
    pub fn candidate_with(&self, bands: usize, rows: usize) -> bool {
        let a = lsh::band_keys_with(&self.prints.0, "w", bands, rows);
        let b = lsh::band_keys_with(&self.prints.1, "w", bands, rows);
        a.iter().any(|k| b.contains(k))
    }
}

/// Counts at one threshold.
#[derive(Default, Clone, Copy)]
pub struct Score {
    pub true_pos: usize,
    pub false_pos: usize,
    pub true_neg: usize,
    pub false_neg: usize,
}

impl Score {
    pub fn precision(&self) -> f64 {
        self.true_pos as f64 / (self.true_pos + self.false_pos).max(1) as f64
    }
    pub fn recall(&self) -> f64 {
        self.true_pos as f64 / (self.true_pos + self.false_neg).max(1) as f64
    }
    pub fn right(&self) -> usize {
        self.true_pos + self.true_neg
    }
    pub fn total(&self) -> usize {
        self.true_pos + self.true_neg + self.false_pos + self.false_neg
    }
    fn add(&mut self, p: &Pair, threshold: f64) {
        self.add_as(p.duplicate, p.candidate && p.similarity >= threshold);
    }
    fn add_as(&mut self, duplicate: bool, found: bool) {
        match (duplicate, found) {
            (true, true) => self.true_pos += 1,
            (true, false) => self.false_neg += 1,
            (false, true) => self.false_pos += 1,
            (false, false) => self.true_neg += 1,
        }
    }
}

/// tests/fixtures/neardup/pairs.jsonl
pub fn default_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/neardup/pairs.jsonl")
}

fn side(v: &serde_json::Value) -> Fingerprint {
    let title = v["title"].as_str().unwrap_or_default();
    let text = v["text"].as_str().unwrap_or_default();
    Fingerprint::of_text(&format!("{title}\n{text}"))
}

/// Reads and fingerprints every pair.
pub fn load(path: &Path) -> Vec<Pair> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value =
                serde_json::from_str(line).expect("pairs.jsonl line is JSON");
            let prints = (side(&v["a"]), side(&v["b"]));
            let (a, b) = (
                lsh::band_keys(&prints.0, "w"),
                lsh::band_keys(&prints.1, "w"),
            );
            Pair {
                duplicate: v["label"] == "duplicate",
                kind: v["kind"].as_str().unwrap_or_default().to_string(),
                similarity: prints.0.similarity(&prints.1),
                candidate: a.iter().any(|k| b.contains(k)),
                prints,
            }
        })
        .collect()
}

/// Counts over all pairs at `threshold` comparing every pair (no banding).
pub fn score_unbanded(pairs: &[Pair], threshold: f64) -> Score {
    let mut s = Score::default();
    pairs
        .iter()
        .for_each(|p| s.add_as(p.duplicate, p.similarity >= threshold));
    s
}

/// Counts at `threshold` when only pairs sharing a band key of `bands` × `rows` are compared.
pub fn score_banded(pairs: &[Pair], threshold: f64, bands: usize, rows: usize) -> Score {
    let mut s = Score::default();
    for p in pairs {
        let found = p.similarity >= threshold && p.candidate_with(bands, rows);
        s.add_as(p.duplicate, found);
    }
    s
}

/// Counts over all pairs at `threshold`, as the store decides: compared only when the pair
/// shares a band key, then by similarity.
pub fn score(pairs: &[Pair], threshold: f64) -> Score {
    let mut s = Score::default();
    pairs.iter().for_each(|p| s.add(p, threshold));
    s
}

/// Counts per kind at `threshold`.
pub fn score_by_kind(pairs: &[Pair], threshold: f64) -> BTreeMap<String, Score> {
    let mut by = BTreeMap::<String, Score>::new();
    for p in pairs {
        by.entry(p.kind.clone()).or_default().add(p, threshold);
    }
    by
}
