//! feeds → store: locality-sensitive band keys of a [`Fingerprint`], so the near copies of a
//! new story are looked up by key instead of by comparing it with every alert of its
//! watchlist (the cost per new alert no longer grows with the alerts in the window).
//!
//! The bottom-k sketch is read as a one-permutation MinHash: the hash space is cut into
//! [`BANDS`] × [`ROWS`] bins by `hash % bins`, and a bin's value is the smallest sketch
//! hash falling in it. The bottom-k sketch holds every shingle hash below its largest one,
//! so a bin that has any sketch hash has its exact minimum over the whole text: two texts
//! agree on a bin with probability close to their Jaccard index. A bin with no sketch hash
//! borrows the value of the next non-empty bin, marked with the distance (rotation
//! densification), so short texts get every band too. Each band's [`ROWS`] values, the
//! band's number and the watchlist make one 64-bit key; two texts become candidates when
//! they share a key, and every candidate is then compared exactly
//! ([`Fingerprint::similarity`]), so banding can only lose recall, never precision.
//!
//! With 24 bands of 2 rows a pair of Jaccard index `s` becomes a candidate with probability
//! `1 - (1 - s²)²⁴`: 0.90 at 0.3, 0.985 at 0.4, 0.999 at 0.5, and 0.06 at 0.05 (unrelated
//! stories are nearly never compared). The evaluation on the labelled pairs
//! (`examples/neardup_eval.rs`) measures the recall this loses at the default threshold.

use super::fingerprint::{finalise as mix, fnv, Fingerprint, FNV_OFFSET};

/// Bands per sketch: one key stored per alerted story and band.
pub const BANDS: usize = 24;
/// Bins per band: all must agree for two texts to share the band's key.
pub const ROWS: usize = 2;

/// The band keys of `print` for `watchlist` (empty for an empty text).
pub fn band_keys(print: &Fingerprint, watchlist: &str) -> Vec<i64> {
    band_keys_with(print, watchlist, BANDS, ROWS)
}

/// [`band_keys`] with other band and row counts (for the evaluation).
pub fn band_keys_with(print: &Fingerprint, watchlist: &str, bands: usize, rows: usize) -> Vec<i64> {
    let Some(bins) = bins(&print.hashes, bands * rows) else {
        return Vec::new();
    };
    let seed = str_hash(watchlist);
    bins.chunks_exact(rows)
        .enumerate()
        .map(|(band, values)| {
            let mut h = mix(seed ^ (band as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            for v in values {
                h = mix(h ^ *v);
            }
            h as i64
        })
        .collect()
}

/// The `n` bin values of a sketch, densified; `None` when the sketch is empty.
fn bins(hashes: &[u64], n: usize) -> Option<Vec<u64>> {
    if hashes.is_empty() || n == 0 {
        return None;
    }
    let mut min: Vec<Option<u64>> = vec![None; n];
    for &h in hashes {
        let slot = &mut min[(h % n as u64) as usize];
        *slot = Some(slot.map_or(h, |m| m.min(h)));
    }
    let out = (0..n)
        .map(|i| {
            (0..n)
                .find_map(|d| min[(i + d) % n].map(|v| if d == 0 { v } else { mix(v ^ d as u64) }))
                .unwrap_or(0)
        })
        .collect();
    Some(out)
}

/// A stable hash of a string (FNV-1a, finalised): keys are stored, so it never changes.
fn str_hash(s: &str) -> u64 {
    mix(s.bytes().fold(FNV_OFFSET, fnv))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(n: usize, salt: &str) -> String {
        (0..n)
            .map(|i| format!("word{i}{salt}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn shared(a: &[i64], b: &[i64]) -> usize {
        a.iter().filter(|k| b.contains(k)).count()
    }

    #[test]
    fn copies_share_keys_and_other_stories_do_not() {
        let text = story(400, "");
        let a = band_keys(&Fingerprint::of_text(&text), "w");
        assert_eq!(a.len(), BANDS);
        let trimmed = band_keys(&Fingerprint::of_text(&text[..text.len() * 7 / 10]), "w");
        assert!(shared(&a, &trimmed) > 0, "a trimmed copy is a candidate");
        let other = band_keys(&Fingerprint::of_text(&story(400, "x")), "w");
        assert_eq!(shared(&a, &other), 0);
    }

    #[test]
    fn keys_depend_on_the_watchlist_and_short_texts_have_keys() {
        let print = Fingerprint::of_text("Port strike ends");
        let a = band_keys(&print, "ports");
        assert_eq!(a.len(), BANDS, "a one-shingle text still has every band");
        assert_eq!(a, band_keys(&print, "ports"), "stable");
        assert_eq!(shared(&a, &band_keys(&print, "other")), 0);
        assert!(band_keys(&Fingerprint::of_text(""), "w").is_empty());
    }
}
