//! Precision and recall of the near-duplicate detector on tests/fixtures/neardup/pairs.jsonl
//! (republished copies with realistic edits vs different stories on the same topic):
//!
//! ```text
//! cargo run --release --example neardup_eval [PAIRS_JSONL]
//! ```

#[path = "../tests/support/neardup.rs"]
mod neardup;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| neardup::default_path().display().to_string());
    let pairs = neardup::load(std::path::Path::new(&path));
    println!("{} pairs from {path}", pairs.len());
    println!("threshold  precision  recall  (false positives, false negatives)");
    for t in [0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7] {
        let s = neardup::score(&pairs, t);
        let mark = if (t - newshound::config::validate::DEFAULT_NEAR_DUP_SIMILARITY).abs() < 1e-9 {
            "  <- default"
        } else {
            ""
        };
        println!(
            "{t:>9.2}  {:>9.3}  {:>6.3}  ({}, {}){mark}",
            s.precision(),
            s.recall(),
            s.false_pos,
            s.false_neg
        );
    }
    let default = newshound::config::validate::DEFAULT_NEAR_DUP_SIMILARITY;
    println!("\nper kind at the default threshold {default}:");
    for (kind, s) in neardup::score_by_kind(&pairs, default) {
        println!("  {kind:<20} {} of {} right", s.right(), s.total());
    }
    let k = newshound::feeds::fingerprint::SKETCH_SIZE;
    println!(
        "\nsketch: at most {k} hashes of 4-word shingles: {} bytes stored per alerted article",
        4 + 8 * k
    );
}
