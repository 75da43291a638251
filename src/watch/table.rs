//! Watch stage, step 4a (the hot loop): the shared automaton as one transition table over
//! the raw bytes of a field. Its classes fold ASCII as the folder does: a capital letter
//! steps like its small letter, and every other ASCII byte that is not a letter or digit
//! (a separator, which the folder never writes into the spaceless stream) leaves the state
//! as it is. ASCII text is then searched one table step per byte, with no folded copy,
//! exactly as the folded spaceless stream would be; only the characters that are not ASCII
//! go through the Unicode folder (see [`super::text::cluster_pieces_at`]). Beside each
//! step the loop writes down, without a branch, where a run of letters starts or ends:
//! the words are read from those edges (see [`super::words`]) only in a field where a key
//! was found.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{dfa, Anchored};
use rustc_hash::FxHashMap;

use super::engine::{words, FieldScan, Found};
use super::text::{cluster_pieces_at, fold_into, Folding, Piece, Sink};
use super::words::{edge, len_of, Edge, Words};

/// The class of ASCII separators: a step that stays in its state.
const SKIP: u16 = 0;

/// The class of bytes no key contains: what the automaton does on any of them.
const OTHER: u16 = 1;

/// ASCII bytes stepped over between two writes of the words' edges found among them (a
/// power of two: the loop masks its index into the buffer with it).
const CHUNK: usize = 1024;
const _: () = assert!(CHUNK.is_power_of_two());

/// Longest text whose edges the search writes: both halves of an edge must stay below 2³²,
/// and folding can make the stream longer than the text (NFKC spells U+FDFA in 18 letters
/// of two bytes each: 36 bytes for 3), so a longer text takes the folder's own path.
const MAX_EDGE_TEXT: usize = (u32::MAX / 16) as usize;

thread_local! {
    /// The edges of the words in the bytes being stepped, before they are kept: one buffer
    /// per thread, taken by a search and given back (a search nested in another one,
    /// which never happens, would make its own).
    static EDGE_BUF: std::cell::Cell<Option<Box<[Edge; CHUNK]>>> =
        const { std::cell::Cell::new(None) };
}

/// Largest table, in entries (4 bytes each, 64 MiB in all): beyond it the automaton is
/// searched through its own interface instead.
const MAX_ENTRIES: usize = 16 << 20;

/// The automaton's transitions, renumbered so that match states come first.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// `trans[state + class]`: the next state, premultiplied by `stride` like `state`.
    trans: Vec<u32>,
    /// The class of every byte.
    classes: [u16; 256],
    /// Classes per state.
    stride: usize,
    /// The unanchored start state (premultiplied).
    start: u32,
    /// States (premultiplied) below this one are match states.
    match_limit: u32,
    /// The keys of match state `i` are `match_keys[match_ends[i]..match_ends[i + 1]]`.
    match_ends: Vec<u32>,
    /// See `match_ends`.
    match_keys: Vec<u32>,
}

impl Table {
    /// Builds the table from an unanchored standard-semantics DFA over `keys`. `None` when
    /// a key holds a byte the classes fold away (a capital or an ASCII separator, which
    /// folded keys never hold) or when the table would be too large.
    pub fn build(dfa: &dfa::DFA, keys: &[&str]) -> Option<Table> {
        let mut present = [false; 256];
        for &b in keys.iter().flat_map(|k| k.as_bytes()) {
            if b.is_ascii() && !(b.is_ascii_lowercase() || b.is_ascii_digit()) {
                return None;
            }
            present[usize::from(b)] = true;
        }
        // The byte each class stands for when the DFA is asked: NUL (in no key) for OTHER.
        let mut reps: Vec<u8> = vec![0, 0];
        let mut classes = [OTHER; 256];
        for b in 0..=255u8 {
            if present[usize::from(b)] {
                classes[usize::from(b)] = reps.len() as u16;
                reps.push(b);
            }
        }
        for b in 0..128u8 {
            if b.is_ascii_uppercase() {
                classes[usize::from(b)] = classes[usize::from(b.to_ascii_lowercase())];
            } else if !b.is_ascii_alphanumeric() {
                classes[usize::from(b)] = SKIP;
            }
        }
        let stride = reps.len();

        // Every state reachable from the start, in the order found, with its transitions
        // by that order.
        let start = dfa.start_state(Anchored::No).ok()?;
        let mut seen: FxHashMap<StateID, u32> = FxHashMap::default();
        seen.insert(start, 0);
        let mut states = vec![start];
        let mut found_trans: Vec<u32> = Vec::new();
        let mut next = 0;
        while let Some(&sid) = states.get(next) {
            next += 1;
            for &b in &reps[1..] {
                let to = dfa.next_state(Anchored::No, sid, b);
                if dfa.is_dead(to) {
                    return None;
                }
                let n = states.len() as u32;
                let index = *seen.entry(to).or_insert(n);
                if index == n {
                    states.push(to);
                }
                found_trans.push(index);
            }
            if states.len().saturating_mul(2 * stride) > MAX_ENTRIES {
                return None;
            }
        }

        // Match states first, each keeping its place in the order found; after the
        // others, a quiet twin of each match state: the same transitions, no match, where
        // a separator leads from the match state (and back to itself).
        let (matching, rest): (Vec<usize>, Vec<usize>) =
            (0..states.len()).partition(|&i| dfa.is_match(states[i]));
        let order: Vec<usize> = matching.iter().chain(&rest).copied().collect();
        let mut number = vec![0u32; states.len()];
        for (new, &old) in order.iter().enumerate() {
            number[old] = (new * stride) as u32;
        }
        let rows = order.len() + matching.len();
        let mut trans = vec![0u32; rows * stride];
        for (i, &old) in order.iter().chain(&matching).enumerate() {
            let row = &mut trans[i * stride..(i + 1) * stride];
            let from = &found_trans[old * (stride - 1)..(old + 1) * (stride - 1)];
            for (class, &to) in from.iter().enumerate() {
                row[class + 1] = number[to as usize];
            }
            let quiet = match i < matching.len() {
                true => order.len() + i,
                false => i,
            };
            row[usize::from(SKIP)] = (quiet * stride) as u32;
        }
        let mut match_ends = vec![0u32];
        let mut match_keys = Vec::new();
        for &sid in matching.iter().map(|&i| &states[i]) {
            for i in 0..dfa.match_len(sid) {
                match_keys.push(dfa.match_pattern(sid, i).as_u32());
            }
            match_ends.push(match_keys.len() as u32);
        }
        Some(Table {
            trans,
            classes,
            stride,
            start: number[0],
            match_limit: (matching.len() * stride) as u32,
            match_ends,
            match_keys,
        })
    }

    /// Searches `text` as its folded spaceless stream: every key that ends somewhere in
    /// it, with its end in the stream, in order (overlapping: every key, every position),
    /// and, when there is one, the words of `text` (what [`super::engine::words`] gives).
    pub fn scan(&self, text: &str) -> FieldScan {
        let bytes = text.as_bytes();
        if bytes.len() > MAX_EDGE_TEXT {
            // Positions might not fit an edge.
            return self.scan_by_folder(text);
        }
        let mut run = Run::new(
            self.start,
            Vec::with_capacity((bytes.len() / 3 + 2).min(1 << 16)),
        );
        let mut folding = Folding::default();
        let mut buf = EDGE_BUF.take().unwrap_or_else(|| Box::new([0; CHUNK]));
        let mut i = 0;
        while i < bytes.len() {
            let end = ascii_stretch_end(bytes, i);
            self.step_ascii(bytes, i..end, &mut buf, &mut run);
            if end == bytes.len() {
                break;
            }
            i = cluster_pieces_at(text, end, &mut folding, |piece, cluster_end| match piece {
                Piece::Break => run.close(),
                Piece::Word(c) => {
                    if !run.open {
                        run.open_at(end);
                    }
                    self.step_char(&mut run, c);
                    run.orig_end = cluster_end;
                }
                Piece::Alone(c) => {
                    run.close();
                    run.open_at(end);
                    self.step_char(&mut run, c);
                    run.orig_end = cluster_end;
                    run.close();
                }
            });
        }
        run.close();
        EDGE_BUF.set(Some(buf));
        if run.found.is_empty() {
            return FieldScan::default();
        }
        let words =
            Words::from_edges(text, run.edges).unwrap_or_else(|| Words::Tokens(words(text)));
        FieldScan {
            words,
            found: run.found,
        }
    }

    /// [`Table::scan`] with the folder writing its folded words into the table, byte by
    /// byte: the path of a text too long for the edges.
    pub fn scan_by_folder(&self, text: &str) -> FieldScan {
        let (tokens, feed) = fold_into::<_, true>(text, Stepper::new(self), true);
        FieldScan {
            words: Words::Tokens(tokens),
            found: feed.run.found,
        }
    }

    /// Steps over the ASCII bytes `bytes[range]`: the loop every byte of most news text
    /// takes. A separator keeps the state, or leaves a match state for its quiet twin (so
    /// no key is recorded twice), and the edges of words are written whether or not the
    /// byte is one (the count moves on where it is): nothing in the loop branches on the
    /// text but the rare match.
    #[inline(always)]
    fn step_ascii(
        &self,
        bytes: &[u8],
        range: std::ops::Range<usize>,
        buf: &mut Box<[Edge; CHUNK]>,
        run: &mut Run,
    ) {
        let (trans, classes, limit) = (&self.trans[..], &self.classes, self.match_limit);
        if range.is_empty() {
            return;
        }
        if run.open && classes[usize::from(bytes[range.start])] == SKIP {
            // A word a cluster left open ends where its last character did.
            run.close();
        }
        // Where the loop is, packed as an edge: the byte in the high half, the stream's
        // length in the low half, both moved on by one addition per byte.
        let mut pos = edge(range.start, run.len);
        let (mut state, mut apart) = (run.state, !run.open);
        let mut from = range.start;
        while from < range.end {
            let to = range.end.min(from + CHUNK);
            let mut n = 0;
            let mut rest = &bytes[from..to];
            while let Some((&b, tail)) = rest.split_first() {
                rest = tail;
                // The inner loop calls nothing, so that what it needs stays in registers;
                // a match leaves it to be recorded. `n` never passes the bytes stepped,
                // fewer than CHUNK: the mask only shows the compiler so.
                let class = classes[usize::from(b)];
                let sep = class == SKIP;
                buf[n & (CHUNK - 1)] = pos;
                n += usize::from(sep != apart);
                apart = sep;
                state = trans[state as usize + usize::from(class)];
                pos += (1 << 32) | u64::from(!sep);
                if state < limit {
                    self.record(state, len_of(pos), &mut run.found);
                }
            }
            run.edges.extend_from_slice(&buf[..n]);
            from = to;
        }
        let len = len_of(pos);
        run.state = state;
        run.len = len;
        run.open = !apart;
        if run.open {
            run.orig_end = range.end;
        }
    }

    /// Steps over the bytes of one character the folder wrote into a word.
    fn step_char(&self, run: &mut Run, c: char) {
        let mut buf = [0; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            self.step_byte(run, b);
        }
    }

    /// Steps over one byte the folder wrote into a word (never an ASCII separator).
    fn step_byte(&self, run: &mut Run, b: u8) {
        let class = self.classes[usize::from(b)];
        run.state = self.trans[run.state as usize + usize::from(class)];
        run.len += 1;
        if run.state < self.match_limit {
            self.record(run.state, run.len, &mut run.found);
        }
    }

    /// Records the keys of match state `state`, reached at stream position `end`.
    #[cold]
    #[inline(never)]
    fn record(&self, state: u32, end: usize, found: &mut Vec<Found>) {
        let i = state as usize / self.stride;
        let keys = &self.match_keys[self.match_ends[i] as usize..self.match_ends[i + 1] as usize];
        found.extend(keys.iter().map(|&key| Found {
            key: key as usize,
            end,
        }));
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        (self.trans.capacity() + self.match_ends.capacity() + self.match_keys.capacity()) * 4
    }
}

/// Where the search is in the stream, and the words so far.
struct Run {
    /// The automaton's state (premultiplied).
    state: u32,
    /// Bytes of the stream so far.
    len: usize,
    found: Vec<Found>,
    /// Where each word starts and ends, in turn (see [`Words::from_edges`]).
    edges: Vec<Edge>,
    /// Whether a word is open.
    open: bool,
    /// Where the open word's last character ends in the original.
    orig_end: usize,
}

impl Run {
    /// A search at the start of a field, from `state`, writing edges into `edges`.
    fn new(state: u32, edges: Vec<Edge>) -> Self {
        Run {
            state,
            len: 0,
            found: Vec::new(),
            edges,
            open: false,
            orig_end: 0,
        }
    }

    fn open_at(&mut self, at: usize) {
        self.edges.push(edge(at, self.len));
        self.open = true;
    }

    fn close(&mut self) {
        if self.open {
            self.edges.push(edge(self.orig_end, self.len));
            self.open = false;
        }
    }
}

/// Where the ASCII stretch starting at `from` ends: at the first byte that is not ASCII,
/// less the ASCII byte before it (a combining mark may join it, so the Unicode folder
/// takes it), or at the end.
fn ascii_stretch_end(bytes: &[u8], from: usize) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    let first = loop {
        match bytes.get(i..i + 8) {
            Some(word) => {
                let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
                if w & HIGH != 0 {
                    break i + (w & HIGH).trailing_zeros() as usize / 8;
                }
                i += 8;
            }
            None => match bytes[i..].iter().position(|b| !b.is_ascii()) {
                Some(at) => break i + at,
                None => return bytes.len(),
            },
        }
    };
    match first > from {
        true => first - 1,
        false => first,
    }
}

/// A [`Sink`] that steps the table over every byte the folder writes: the search of a
/// text too long for the edges' positions.
struct Stepper<'t> {
    table: &'t Table,
    run: Run,
}

impl<'t> Stepper<'t> {
    fn new(table: &'t Table) -> Self {
        Stepper {
            table,
            run: Run::new(table.start, Vec::new()),
        }
    }
}

impl Sink for Stepper<'_> {
    fn push_byte(&mut self, b: u8) {
        self.table.step_byte(&mut self.run, b);
    }

    fn gap(&mut self) {}

    fn len(&self) -> usize {
        self.run.len
    }
}
