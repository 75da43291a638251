//! Watch stage, step 4a: the shared automaton and the scan that feeds it. The folder writes
//! each field's folded words straight into the automaton, without spaces and without a
//! folded copy (ASCII bytes one table step each, full Unicode folding only where the text
//! is not ASCII); where the words start and end is kept beside it, so a pattern found in
//! that stream is then checked against the word boundaries it must have (see
//! [`super::atoms::KeyEntry`]).

use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa, nfa, Anchored, MatchKind, PatternID};

use super::text::{fold_into, Sink, Token};

/// One automaton over the patterns of every watchlist, written without spaces.
#[derive(Debug, Clone)]
pub(crate) enum Engine {
    /// A DFA: one table step per byte (the usual case).
    Dfa(dfa::DFA),
    /// A contiguous NFA, for pattern sets whose DFA would not fit.
    Nfa(nfa::contiguous::NFA),
}

/// A pattern found in the folded stream: its key (automaton pattern id) and end position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Found {
    /// The key's index (automaton pattern id).
    pub key: usize,
    /// One past its last byte, in the folded stream.
    pub end: usize,
}

/// One field, folded and searched: its words (positions in the spaceless folded stream)
/// and every key found, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldScan {
    /// The words, in order.
    pub tokens: Vec<Token>,
    /// The keys found, by end position.
    pub found: Vec<Found>,
}

impl Engine {
    /// Builds the automaton over `keys`: a DFA where it fits, else a contiguous NFA.
    pub fn build(keys: &[&str]) -> Result<Engine, aho_corasick::BuildError> {
        let built = dfa::Builder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(keys);
        match built {
            Ok(dfa) => Ok(Engine::Dfa(dfa)),
            Err(_) => nfa::contiguous::Builder::new()
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(keys)
                .map(Engine::Nfa),
        }
    }

    /// Folds `text` into the automaton and returns its words and the keys found.
    pub fn scan(&self, text: &str) -> FieldScan {
        match self {
            Engine::Dfa(a) => stream(a, text),
            Engine::Nfa(a) => stream(a, text),
        }
    }

    /// Searches an already folded, spaceless stream with the automaton's own search
    /// (what the differential tests compare [`Engine::scan`] with).
    #[cfg(test)]
    pub fn find_all(&self, folded: &str) -> Vec<Found> {
        match self {
            Engine::Dfa(a) => find_all(a, folded),
            Engine::Nfa(a) => find_all(a, folded),
        }
    }

    /// The number of keys.
    #[cfg(test)]
    pub fn patterns_len(&self) -> usize {
        match self {
            Engine::Dfa(a) => a.patterns_len(),
            Engine::Nfa(a) => a.patterns_len(),
        }
    }

    /// Heap bytes held by the automaton.
    pub fn memory_usage(&self) -> usize {
        match self {
            Engine::Dfa(a) => a.memory_usage(),
            Engine::Nfa(a) => a.memory_usage(),
        }
    }
}

fn stream<A: Automaton>(automaton: &A, text: &str) -> FieldScan {
    let feed = Feed::new(automaton);
    let (tokens, feed) = fold_into::<_, true>(text, feed, true);
    FieldScan {
        tokens,
        found: feed.found,
    }
}

#[cfg(test)]
fn find_all<A: Automaton>(automaton: &A, folded: &str) -> Vec<Found> {
    let input = aho_corasick::Input::new(folded);
    let mut state = aho_corasick::automaton::OverlappingState::start();
    let mut out = Vec::new();
    loop {
        automaton
            .try_find_overlapping(&input, &mut state)
            .expect("an unanchored search cannot fail");
        let Some(m) = state.get_match() else {
            return out;
        };
        out.push(Found {
            key: m.pattern().as_usize(),
            end: m.end(),
        });
    }
}

/// A [`Sink`] that steps the automaton over every folded byte and records each key that
/// ends there and starts where a word does (overlapping: every key, every position). A key
/// starting inside the open word cannot count (see [`super::occur::resolve`]), so it is
/// dropped here, before it costs a record.
struct Feed<'a, A> {
    automaton: &'a A,
    state: aho_corasick::automaton::StateID,
    len: usize,
    /// Where the open word starts in the stream.
    word_start: usize,
    found: Vec<Found>,
}

impl<'a, A: Automaton> Feed<'a, A> {
    fn new(automaton: &'a A) -> Self {
        let state = automaton
            .start_state(Anchored::No)
            .expect("the automaton is built unanchored");
        Feed {
            automaton,
            state,
            len: 0,
            word_start: 0,
            found: Vec::new(),
        }
    }

    /// Records the keys of match state `state`, reached at stream position `end`, that
    /// start on a word (the open one or an earlier one).
    #[cold]
    #[inline(never)]
    fn record(&mut self, state: aho_corasick::automaton::StateID, end: usize) {
        let a = self.automaton;
        for i in 0..a.match_len(state) {
            let key: PatternID = a.match_pattern(state, i);
            if end - a.pattern_len(key) <= self.word_start {
                self.found.push(Found {
                    key: key.as_usize(),
                    end,
                });
            }
        }
    }
}

impl<A: Automaton> Sink for Feed<'_, A> {
    #[inline(always)]
    fn push_byte(&mut self, b: u8) {
        self.state = self.automaton.next_state(Anchored::No, self.state, b);
        self.len += 1;
        if self.automaton.is_match(self.state) {
            self.record(self.state, self.len);
        }
    }

    #[inline(always)]
    fn push_ascii_word(&mut self, bytes: &[u8], lower: bool) -> usize {
        // The run's end is found in the same loop that steps the automaton: those checks
        // do not depend on the state, so they run while its transition is being loaded.
        let (a, mut state) = (self.automaton, self.state);
        let mut run = 0;
        while let Some(&b) = bytes.get(run) {
            let marked = bytes.get(run + 1).is_some_and(|next| !next.is_ascii());
            if !b.is_ascii_alphanumeric() || marked {
                break;
            }
            let b = if lower { b.to_ascii_lowercase() } else { b };
            state = a.next_state(Anchored::No, state, b);
            run += 1;
            if a.is_match(state) {
                self.record(state, self.len + run);
            }
        }
        self.state = state;
        self.len += run;
        run
    }

    fn gap(&mut self) {
        self.word_start = self.len;
    }

    fn len(&self) -> usize {
        self.len
    }
}
