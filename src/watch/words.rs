//! Watch stage, step 4a (its output): the words of one searched field. The table search
//! (see [`super::table`]) writes down only where each run of letters starts and ends;
//! those edges are read as words when a found key, a regex or a hit asks for one, so the
//! many fields where a key is found once or twice never pay for a full word list.

use super::text::{dot_joins, Token};

/// One edge of a run of letters: its byte in the original (high half) and in the
/// spaceless stream (low half), packed so that the search writes one number per byte.
pub(crate) type Edge = u64;

/// Packs an edge (both positions below 2³²: the table search is used only then).
pub(crate) fn edge(at: usize, len: usize) -> Edge {
    ((at as u64) << 32) | len as u64
}

fn at_of(e: Edge) -> usize {
    (e >> 32) as usize
}

pub(crate) fn len_of(e: Edge) -> usize {
    (e & 0xFFFF_FFFF) as usize
}

/// The words of one field, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Words {
    /// A word list (the folder's, or the full-fold path's in tests).
    Tokens(Vec<Token>),
    /// The edges of the runs of letters, a start and an end in turn; `joins` holds each
    /// run (by its index among the runs) whose end is the dot of a dotted abbreviation,
    /// so that it and the next run are one word (`U.S.`).
    Edges { edges: Vec<Edge>, joins: Vec<usize> },
}

impl Default for Words {
    fn default() -> Self {
        Words::Tokens(Vec::new())
    }
}

impl Words {
    /// Reads `edges` (a start and an end in turn, as the table search writes them) of
    /// `text`, finding the dots that join abbreviations as the folder would; `None` where
    /// a joining dot is not followed by the next run at once (a mark the folder drops
    /// after it: the caller folds the words again).
    pub fn from_edges(text: &str, edges: Vec<Edge>) -> Option<Words> {
        if !edges.len().is_multiple_of(2) {
            return None;
        }
        let bytes = text.as_bytes();
        let mut joins = Vec::new();
        for (run, pair) in edges.chunks_exact(2).enumerate() {
            let (start, end) = (at_of(pair[0]), at_of(pair[1]));
            // A dot joins only after one character: one ASCII byte, or up to four bytes
            // starting with one that is not ASCII. Worked out without a branch, which
            // would go either way on every short word; what passes is rare.
            let n = end - start;
            let one = (n == 1) | ((n <= 4) & (bytes[start] >= 0x80));
            if one && bytes.get(end) == Some(&b'.') && dot_joins(text, start, end) {
                match edges.get(2 * run + 2) {
                    Some(&next) if at_of(next) == end + 1 => joins.push(run),
                    _ => return None,
                }
            }
        }
        Some(Words::Edges { edges, joins })
    }

    /// The number of words.
    pub fn len(&self) -> usize {
        match self {
            Words::Tokens(t) => t.len(),
            Words::Edges { edges, joins } => edges.len() / 2 - joins.len(),
        }
    }

    /// Word `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<Token> {
        match self {
            Words::Tokens(t) => t.get(i).copied(),
            Words::Edges { edges, joins } => {
                if i >= self.len() {
                    return None;
                }
                // The first run of word `i`: each joined run before it moves it on by one.
                let mut first = i;
                let mut k = 0;
                while k < joins.len() && joins[k] < first {
                    first += 1;
                    k += 1;
                }
                let mut last = first;
                while k < joins.len() && joins[k] == last {
                    last += 1;
                    k += 1;
                }
                let (open, close) = (edges[2 * first], edges[2 * last + 1]);
                Some(Token {
                    norm_start: len_of(open),
                    norm_end: len_of(close),
                    orig_start: at_of(open),
                    orig_end: at_of(close),
                })
            }
        }
    }

    /// Word `i` (which must exist).
    pub fn at(&self, i: usize) -> Token {
        self.get(i).expect("a word the caller found")
    }

    /// The number of leading words for which `pred` holds (it must hold for a prefix).
    pub fn partition_point(&self, pred: impl Fn(&Token) -> bool) -> usize {
        match self {
            Words::Tokens(t) => t.partition_point(pred),
            Words::Edges { .. } => {
                let (mut lo, mut hi) = (0, self.len());
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    match pred(&self.at(mid)) {
                        true => lo = mid + 1,
                        false => hi = mid,
                    }
                }
                lo
            }
        }
    }
}
