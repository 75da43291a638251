//! Watch stage, step 3a: fold watchlist terms into patterns and intern each unique pattern
//! once for the shared automaton, as up to two atoms (whole words, or last word a prefix),
//! each atom remembering the watchlists that own it.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};

use super::compile::CompiledWatchlist;
use super::matcher::Matcher;
use super::text::normalise;
use super::types::CompileError;

/// The two atoms a folded pattern can stand for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PatternAtoms {
    /// The pattern as whole words.
    pub exact: Option<usize>,
    /// The pattern with its last word as a prefix.
    pub prefix: Option<usize>,
}

/// Why a term cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TermError {
    /// Nothing is left once folded (only punctuation or spaces).
    #[error("empty after normalisation")]
    Empty,
    /// A `*` that is not trailing.
    #[error("'*' is only allowed at the end of a term")]
    Wildcard,
    /// Any `*` in a person's name or alias.
    #[error("'*' is not allowed in a person's name or alias")]
    NameWildcard,
}

/// Folds a term; a trailing `*` (if allowed) makes it a prefix.
pub(crate) fn parse_term(raw: &str, allow_prefix: bool) -> Result<(String, bool), TermError> {
    let trimmed = raw.trim();
    let (body, prefix) = match trimmed.strip_suffix('*') {
        Some(body) => (body.trim_end_matches('*'), true),
        None => (trimmed, false),
    };
    if !allow_prefix && (prefix || body.contains('*')) {
        return Err(TermError::NameWildcard);
    }
    if body.contains('*') {
        return Err(TermError::Wildcard);
    }
    let norm = normalise(body);
    if norm.is_empty() {
        return Err(TermError::Empty);
    }
    Ok((norm, prefix))
}

/// Unique patterns and atoms across all watchlists.
#[derive(Debug, Default)]
pub(crate) struct AtomTable {
    /// Unique folded patterns, by pattern id (the automaton's pattern ids).
    patterns: Vec<String>,
    /// Pattern id by folded pattern.
    pattern_ids: HashMap<String, usize>,
    /// The atoms of each pattern.
    pattern_atoms: Vec<PatternAtoms>,
    /// The watchlists owning each atom, ascending.
    owners: Vec<Vec<usize>>,
}

impl AtomTable {
    /// Returns the atom for a folded pattern, recording `owner` as one of its watchlists.
    pub fn intern(&mut self, pattern: String, prefix: bool, owner: usize) -> usize {
        let pid = match self.pattern_ids.get(&pattern) {
            Some(&pid) => pid,
            None => {
                let pid = self.patterns.len();
                self.pattern_ids.insert(pattern.clone(), pid);
                self.patterns.push(pattern);
                self.pattern_atoms.push(PatternAtoms::default());
                pid
            }
        };
        let slot = match prefix {
            true => &mut self.pattern_atoms[pid].prefix,
            false => &mut self.pattern_atoms[pid].exact,
        };
        let atom = *slot.get_or_insert(self.owners.len());
        if atom == self.owners.len() {
            self.owners.push(Vec::new());
        }
        if self.owners[atom].last() != Some(&owner) {
            self.owners[atom].push(owner);
        }
        atom
    }

    /// Builds the one automaton and the matcher.
    pub fn finish(self, watchlists: Vec<CompiledWatchlist>) -> Result<Matcher, CompileError> {
        let automaton = match self.patterns.is_empty() {
            true => None,
            false => Some(build_automaton(&self.patterns).map_err(|e| CompileError {
                watchlist: 0,
                key: "keywords".into(),
                message: format!("cannot build the pattern automaton: {e}"),
            })?),
        };
        Ok(Matcher {
            automaton,
            patterns: self.pattern_atoms,
            owners: self.owners,
            watchlists,
        })
    }
}

/// A DFA where it fits (folded text has a small alphabet, so byte classes keep its tables
/// small, and it scans several times faster than an NFA); past the DFA's size limit — very
/// large watchlists — the automaton aho-corasick picks itself.
fn build_automaton(patterns: &[String]) -> Result<AhoCorasick, aho_corasick::BuildError> {
    let builder = |kind| {
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(patterns)
    };
    builder(Some(aho_corasick::AhoCorasickKind::DFA)).or_else(|_| builder(None))
}
