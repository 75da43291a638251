//! Watch stage, step 4a: the shared automaton and the scan that feeds it. Each field is
//! searched as the spaceless stream of its folded words, without a folded copy: where the
//! automaton's DFA fits a table, through [`super::table`] (ASCII one table step per raw
//! byte, the Unicode folder only where the text is not ASCII); otherwise the folder writes
//! the folded words straight into the automaton. Where the words start and end is kept
//! beside it, so a pattern found in that stream is then checked against the word
//! boundaries it must have (see [`super::atoms::KeyEntry`]).

use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa, nfa, Anchored, MatchKind, PatternID};

use super::table::Table;
use super::text::{fold_into, Sink, Token};
use super::words::Words;

/// One automaton over the patterns of every watchlist, written without spaces.
#[derive(Debug, Clone)]
pub(crate) enum Engine {
    /// The DFA as one table over the raw text (the usual case, see [`super::table`]).
    Table {
        /// The table searched.
        table: Box<Table>,
        /// The DFA it was built from: the tests' reference search.
        #[cfg(test)]
        dfa: dfa::DFA,
    },
    /// A DFA searched through its own interface, for keys the table cannot hold.
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
    /// The words, in order (none kept where no key was found: nobody reads them).
    pub words: Words,
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
            Ok(dfa) => Ok(match Table::build(&dfa, keys) {
                Some(table) => Engine::Table {
                    table: Box::new(table),
                    #[cfg(test)]
                    dfa,
                },
                None => Engine::Dfa(dfa),
            }),
            Err(_) => nfa::contiguous::Builder::new()
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(keys)
                .map(Engine::Nfa),
        }
    }

    /// Searches `text` and returns the keys found and, when there are any, its words
    /// (positions in the spaceless stream; otherwise nobody reads them).
    pub fn scan(&self, text: &str) -> FieldScan {
        match self {
            Engine::Table { table, .. } => table.scan(text),
            Engine::Dfa(a) => stream(a, text),
            Engine::Nfa(a) => stream(a, text),
        }
    }

    /// The DFA of the table engine, searched through its own interface with the folder
    /// writing into it (what the tests hold the table search to, and so keep this path
    /// tested where no test's keys overflow the table).
    #[cfg(test)]
    pub fn without_table(&self) -> Option<Engine> {
        match self {
            Engine::Table { dfa, .. } => Some(Engine::Dfa(dfa.clone())),
            _ => None,
        }
    }

    /// Searches an already folded, spaceless stream with the automaton's own search
    /// (what the differential tests compare [`Engine::scan`] with).
    #[cfg(test)]
    pub fn find_all(&self, folded: &str) -> Vec<Found> {
        match self {
            Engine::Table { dfa, .. } | Engine::Dfa(dfa) => find_all(dfa, folded),
            Engine::Nfa(a) => find_all(a, folded),
        }
    }

    /// The number of keys.
    #[cfg(test)]
    pub fn patterns_len(&self) -> usize {
        match self {
            Engine::Table { dfa, .. } | Engine::Dfa(dfa) => dfa.patterns_len(),
            Engine::Nfa(a) => a.patterns_len(),
        }
    }

    /// Heap bytes held by the automaton.
    pub fn memory_usage(&self) -> usize {
        match self {
            Engine::Table { table, .. } => table.memory_usage(),
            Engine::Dfa(a) => a.memory_usage(),
            Engine::Nfa(a) => a.memory_usage(),
        }
    }
}

/// The words of `text`, their positions counted in its spaceless folded stream.
pub(crate) fn words(text: &str) -> Vec<Token> {
    fold_into::<_, true>(text, Count(0), true).0
}

/// A [`Sink`] that only counts the bytes of the stream.
struct Count(usize);

impl Sink for Count {
    fn push_byte(&mut self, _: u8) {
        self.0 += 1;
    }

    fn push_ascii_word(&mut self, bytes: &[u8], _: bool) -> usize {
        let run = super::text::ascii_word_len(bytes);
        self.0 += run;
        run
    }

    fn push_char(&mut self, c: char) {
        self.0 += c.len_utf8();
    }

    fn gap(&mut self) {}

    fn len(&self) -> usize {
        self.0
    }
}

fn stream<A: Automaton>(automaton: &A, text: &str) -> FieldScan {
    let feed = Feed::new(automaton);
    let (tokens, feed) = fold_into::<_, true>(text, feed, true);
    FieldScan {
        words: Words::Tokens(tokens),
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
