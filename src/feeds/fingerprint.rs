//! feeds → store: a compact fingerprint of an article's text (a bottom-k MinHash sketch of
//! its word shingles), so the same wire story republished by several outlets — re-titled,
//! trimmed, with boilerplate added — is recognised as one story.
//!
//! Similarity of two sketches is the larger of the estimated Jaccard index and the
//! estimated containment of the smaller text in the larger: a trimmed copy is contained
//! in its original even though their Jaccard index falls with the cut.

use std::collections::BTreeSet;

use crate::feeds::Article;
use crate::watch::{fold_words_into, Sink};

/// Words per shingle.
pub const SHINGLE_WORDS: usize = 4;
/// Hashes kept in a sketch.
pub const SKETCH_SIZE: usize = 96;
/// Below this many shingles a text is too short for containment to mean anything, and only
/// the Jaccard estimate counts.
const MIN_SHINGLES_FOR_CONTAINMENT: u32 = 40;

/// The sketch of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The smallest shingle hashes, ascending, at most [`SKETCH_SIZE`].
    pub hashes: Vec<u64>,
    /// How many distinct shingles the text had.
    pub shingles: u32,
}

impl Fingerprint {
    /// The fingerprint of an article: its title and its body (content, else summary).
    pub fn of_article(a: &Article) -> Fingerprint {
        let body = if a.content.trim().is_empty() {
            &a.summary
        } else {
            &a.content
        };
        Fingerprint::of_text(&format!("{}\n{}", a.title, body))
    }

    /// The fingerprint of any text (normalised as the matcher does).
    pub fn of_text(text: &str) -> Fingerprint {
        // The folded words go straight into the shingle hashes: no folded copy, no word
        // list. A sorted vector, not a set: one allocation and one sort instead of a tree
        // node per shingle (the set's inserts were 7% of `bench/rg.sh`'s dry run).
        let mut all = fold_words_into(text, Shingler::new(text.len()), true).finish();
        all.sort_unstable();
        all.dedup();
        let shingles = all.len() as u32;
        all.truncate(SKETCH_SIZE);
        all.shrink_to_fit();
        Fingerprint {
            hashes: all,
            shingles,
        }
    }

    /// Estimated similarity in `[0, 1]`: max(Jaccard, containment of the smaller text).
    pub fn similarity(&self, other: &Fingerprint) -> f64 {
        let j = self.jaccard(other);
        let (small, large) = (
            self.shingles.min(other.shingles),
            self.shingles.max(other.shingles),
        );
        if small < MIN_SHINGLES_FOR_CONTAINMENT || j <= 0.0 {
            return j;
        }
        let shared = j * f64::from(small + large) / (1.0 + j);
        (shared / f64::from(small)).clamp(0.0, 1.0).max(j)
    }

    /// Estimated Jaccard index from the bottom-k sketches of both texts.
    pub fn jaccard(&self, other: &Fingerprint) -> f64 {
        let union: BTreeSet<u64> = self.hashes.iter().chain(&other.hashes).copied().collect();
        let k = SKETCH_SIZE.min(union.len());
        if k == 0 {
            return 0.0;
        }
        let a: BTreeSet<u64> = self.hashes.iter().copied().collect();
        let b: BTreeSet<u64> = other.hashes.iter().copied().collect();
        let both = union
            .iter()
            .take(k)
            .filter(|h| a.contains(h) && b.contains(h))
            .count();
        both as f64 / k as f64
    }

    /// Bytes for the state: the shingle count then the hashes, little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 8 * self.hashes.len());
        out.extend_from_slice(&self.shingles.to_le_bytes());
        for h in &self.hashes {
            out.extend_from_slice(&h.to_le_bytes());
        }
        out
    }

    /// Reads [`Fingerprint::to_bytes`]; `None` for anything malformed.
    pub fn from_bytes(bytes: &[u8]) -> Option<Fingerprint> {
        let (count, rest) = bytes.split_first_chunk::<4>()?;
        if rest.len() % 8 != 0 || rest.len() / 8 > SKETCH_SIZE {
            return None;
        }
        let hashes = rest
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        Some(Fingerprint {
            hashes,
            shingles: u32::from_le_bytes(*count),
        })
    }
}

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// One FNV-1a step.
#[inline(always)]
pub(crate) fn fnv(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
}

/// The splitmix64 finaliser (over an FNV-1a state, or any 64-bit value to mix).
pub(crate) fn finalise(mut h: u64) -> u64 {
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A stable 64-bit hash of a run of words joined by single spaces (FNV-1a, then a
/// splitmix64 finaliser): the same on every machine and release, since sketches are
/// stored. [`Shingler`] computes the same hash as the folded words stream past.
#[cfg(test)]
fn hash_words(words: &[&str]) -> u64 {
    let mut h = FNV_OFFSET;
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            h = fnv(h, b' ');
        }
        for b in w.bytes() {
            h = fnv(h, b);
        }
    }
    finalise(h)
}

/// A [`Sink`] that hashes every run of [`SHINGLE_WORDS`] folded words as its bytes arrive
/// (what [`hash_words`] gives for each window of the folded text), one FNV state per
/// shingle still open: during word `m` those started at words `m-3..=m`, in slot
/// `word % 4`; a text of fewer words is one shingle of all of them.
struct Shingler {
    states: [u64; SHINGLE_WORDS],
    /// Words started so far.
    words: usize,
    len: usize,
    out: Vec<u64>,
}

impl Shingler {
    fn new(text_len: usize) -> Self {
        Shingler {
            states: [FNV_OFFSET; SHINGLE_WORDS],
            words: 0,
            len: 0,
            // About one word per six bytes of news text.
            out: Vec::with_capacity(text_len / 6 + 1),
        }
    }

    /// The hashes of every shingle, in text order (with repeats).
    fn finish(mut self) -> Vec<u64> {
        match self.words {
            0 => {}
            n if n < SHINGLE_WORDS => self.out.push(finalise(self.states[0])),
            n => self.out.push(finalise(self.states[n % SHINGLE_WORDS])),
        }
        self.out
    }
}

impl Sink for Shingler {
    #[inline(always)]
    fn push_byte(&mut self, b: u8) {
        // Every slot, open or not: a slot not yet opened is reset when its word starts.
        for h in &mut self.states {
            *h = fnv(*h, b);
        }
        self.len += 1;
    }

    fn gap(&mut self) {
        let k = self.words;
        let slot = k % SHINGLE_WORDS;
        if k >= SHINGLE_WORDS {
            // The shingle started at word k-4 ended with word k-1.
            self.out.push(finalise(self.states[slot]));
        }
        if k > 0 {
            for h in &mut self.states {
                *h = fnv(*h, b' ');
            }
        }
        self.states[slot] = FNV_OFFSET;
        self.words = k + 1;
    }

    fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "Beijing has declined a US invitation for a meeting in Singapore between Defence \
        Secretary Lloyd Austin and his Chinese counterpart Li Shangfu, the Pentagon said. Overnight, the PRC \
        informed the US that they have declined our early May invitation for Secretary Austin to meet with PRC \
        Minister of National Defence Li Shangfu in Singapore this week, Pentagon spokesman Brigadier General Pat \
        Ryder said Monday in a statement. When asked about the meeting, the Chinese foreign ministry would not \
        confirm that Beijing had declined the invitation. Austin is due to travel to Singapore later this week \
        to attend the Shangri-La Dialogue, a defence summit where he met Li's predecessor Wei Fenghe last June.";

    #[test]
    fn copies_are_similar_and_other_stories_are_not() {
        let original = Fingerprint::of_text(STORY);
        let trimmed = Fingerprint::of_text(&STORY[..STORY.len() * 6 / 10]);
        let boiler = Fingerprint::of_text(&format!(
            "ALSO READ: Markets rally on rate hopes. {STORY} Download our app."
        ));
        let other = Fingerprint::of_text(
            "The Austin city council voted on Monday to approve a new transit budget after a long debate \
             about bus routes, fares and the cost of a light rail line that would link the airport with \
             downtown, with members saying the plan would be reviewed again next year by a committee.",
        );
        assert!(original.similarity(&original) > 0.99);
        assert!(
            original.similarity(&trimmed) > 0.8,
            "{}",
            original.similarity(&trimmed)
        );
        assert!(
            original.similarity(&boiler) > 0.7,
            "{}",
            original.similarity(&boiler)
        );
        assert!(
            original.similarity(&other) < 0.1,
            "{}",
            original.similarity(&other)
        );
    }

    #[test]
    fn a_sketch_keeps_the_smallest_distinct_hashes_ascending_and_counts_distinct_shingles() {
        // Nine shingles, four of them distinct.
        let f = Fingerprint::of_text("a b c d a b c d a b c d");
        assert_eq!(f.shingles, 4);
        let mut expected: Vec<u64> = ["a b c d", "b c d a", "c d a b", "d a b c"]
            .iter()
            .map(|s| hash_words(&s.split(' ').collect::<Vec<_>>()))
            .collect();
        expected.sort_unstable();
        assert_eq!(f.hashes, expected);
        // A long text keeps the SKETCH_SIZE smallest.
        let long: Vec<String> = (0..500).map(|i| format!("w{i}")).collect();
        let f = Fingerprint::of_text(&long.join(" "));
        assert_eq!(f.shingles, 497);
        let mut all: Vec<u64> = long
            .windows(SHINGLE_WORDS)
            .map(|w| hash_words(&w.iter().map(String::as_str).collect::<Vec<_>>()))
            .collect();
        all.sort_unstable();
        assert_eq!(f.hashes, all[..SKETCH_SIZE]);
        assert_eq!(Fingerprint::of_text("two words").shingles, 1);
    }

    /// What the sketch was before [`Shingler`]: the folded copy split into words, each
    /// window hashed on its own.
    fn windows_of_the_folded_copy(text: &str) -> Vec<u64> {
        let norm = crate::watch::normalise(text);
        let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
        match words.len() {
            0 => Vec::new(),
            n if n < SHINGLE_WORDS => vec![hash_words(&words)],
            _ => words.windows(SHINGLE_WORDS).map(hash_words).collect(),
        }
    }

    #[test]
    fn the_streamed_shingles_are_the_windows_of_the_folded_text() {
        // The hash is stored: pinned, so a change to it cannot pass unnoticed.
        assert_eq!(hash_words(&["a", "b", "c", "d"]), 0x5d16_d191_ad64_1c61);
        let pieces = [
            "Beijing",
            "declined",
            "U.S.",
            "Li Shangfu",
            "Шангри-Ла",
            "李尚福",
            "Ðurđević",
            "straße",
            "café",
            "e\u{301}",
            "\u{301}",
            "—",
            "«non»",
            "x\u{200B}y",
            "2024",
            "ＡＢＣ",
            "ﬁ",
            "Ω",
            "\u{1F600}",
            "...",
            "a.b.c",
            "ΣΟΦΟΣ",
            "กรุงเทพ",
            "",
        ];
        let seps = [" ", "  ", "\n", ", ", "-", ""];
        for n in 0..40usize {
            let text: String = (0..n)
                .map(|i| {
                    let p = pieces[(i * 7 + n) % pieces.len()];
                    format!("{p}{}", seps[(i + n) % seps.len()])
                })
                .collect();
            let streamed = fold_words_into(&text, Shingler::new(text.len()), true).finish();
            assert_eq!(streamed, windows_of_the_folded_copy(&text), "{text:?}");
        }
        let story = fold_words_into(STORY, Shingler::new(STORY.len()), true).finish();
        assert_eq!(story, windows_of_the_folded_copy(STORY));
    }

    #[test]
    fn bytes_round_trip_and_garbage_is_rejected() {
        let f = Fingerprint::of_text(STORY);
        assert_eq!(Fingerprint::from_bytes(&f.to_bytes()), Some(f));
        assert_eq!(Fingerprint::from_bytes(&[1, 2, 3]), None);
        assert_eq!(Fingerprint::from_bytes(&[0, 0, 0, 0, 1]), None);
        assert_eq!(Fingerprint::of_text("").shingles, 0);
        assert_eq!(
            Fingerprint::of_text("").similarity(&Fingerprint::of_text("")),
            0.0
        );
    }
}
