//! Precision and recall of the near-duplicate detector on tests/fixtures/neardup/pairs.jsonl
//! (republished copies with realistic edits vs different stories on the same topic), as the
//! store decides (only pairs sharing a band key are compared), and what the banding costs:
//!
//! ```text
//! cargo run --release --example neardup_eval [PAIRS_JSONL]
//! ```

#[path = "../tests/support/neardup.rs"]
mod neardup;

use newshound::config::validate::DEFAULT_NEAR_DUP_SIMILARITY as DEFAULT;
use newshound::feeds::lsh;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| neardup::default_path().display().to_string());
    let pairs = neardup::load(std::path::Path::new(&path));
    println!("{} pairs from {path}", pairs.len());
    println!(
        "threshold  precision  recall  (false positives, false negatives)  [{} bands x {} rows]",
        lsh::BANDS,
        lsh::ROWS
    );
    for t in [0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7] {
        let s = neardup::score(&pairs, t);
        let mark = if (t - DEFAULT).abs() < 1e-9 {
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
    println!("\nper kind at the default threshold {DEFAULT}:");
    for (kind, s) in neardup::score_by_kind(&pairs, DEFAULT) {
        println!("  {kind:<20} {} of {} right", s.right(), s.total());
    }
    band_shapes(&pairs);
    let k = newshound::feeds::fingerprint::SKETCH_SIZE;
    println!(
        "\nsketch: at most {k} hashes of 4-word shingles: {} bytes stored per alerted article, \
         plus {} band keys",
        4 + 8 * k,
        lsh::BANDS
    );
}

/// What banding loses, per band shape, at the default threshold: recall against comparing
/// every pair, and how often different stories are compared at all.
fn band_shapes(pairs: &[neardup::Pair]) {
    let all = neardup::score_unbanded(pairs, DEFAULT);
    println!(
        "\nbanding at the default threshold (every pair compared: precision {:.3}, recall {:.3}):",
        all.precision(),
        all.recall()
    );
    println!("  bands x rows  precision  recall  different stories compared");
    for (bands, rows) in [
        (16, 1),
        (32, 1),
        (16, 2),
        (24, 2),
        (32, 2),
        (20, 3),
        (32, 3),
    ] {
        let s = neardup::score_banded(pairs, DEFAULT, bands, rows);
        let negatives: Vec<_> = pairs.iter().filter(|p| !p.duplicate).collect();
        let compared = negatives
            .iter()
            .filter(|p| p.candidate_with(bands, rows))
            .count();
        let mark = if (bands, rows) == (lsh::BANDS, lsh::ROWS) {
            "  <- used"
        } else {
            ""
        };
        println!(
            "  {bands:>5} x {rows:<4} {:>9.3}  {:>6.3}  {compared} of {}{mark}",
            s.precision(),
            s.recall(),
            negatives.len()
        );
    }
}
