//! Watch stage, step 3a: fold watchlist terms into patterns and intern each unique pattern
//! once for the shared automaton. A pattern stands for up to two plain atoms (whole words,
//! or last word a prefix) and any number of case-sensitive ones; regex terms are atoms of
//! their own. Every atom remembers the watchlists that own it.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder};

use super::compile::CompiledWatchlist;
use super::matcher::Matcher;
use super::text::{fold_cased, normalise};
use super::types::CompileError;
use super::variants::{variants, Compounds};

/// Largest compiled program of one regex term, in bytes (the `regex` crate's `size_limit`).
pub(crate) const REGEX_SIZE_LIMIT: usize = 256 * 1024;

/// Largest lazy DFA cache of one regex term, in bytes (`dfa_size_limit`).
pub(crate) const REGEX_DFA_LIMIT: usize = 1024 * 1024;

/// Longest regex term source, in bytes.
pub(crate) const REGEX_MAX_LEN: usize = 1000;

/// A case-sensitive atom of a pattern: it occurs only where the original text, folded
/// with its case kept, reads `form`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CasedAtom {
    /// Global atom id.
    pub atom: usize,
    /// Whether the last word is a prefix.
    pub prefix: bool,
    /// The term folded with its case kept.
    pub form: String,
}

/// The atoms a folded pattern can stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PatternAtoms {
    /// The pattern as whole words.
    pub exact: Option<usize>,
    /// The pattern with its last word as a prefix.
    pub prefix: Option<usize>,
    /// Case-sensitive terms with this folded pattern.
    pub cased: Vec<CasedAtom>,
}

/// A regex term's atom.
#[derive(Debug, Clone)]
pub(crate) struct RegexAtom {
    /// Global atom id.
    pub atom: usize,
    /// The compiled, size-bounded regex.
    pub regex: Regex,
}

/// Why a term cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// A `/regex/` the regex crate refuses (or one too large).
    #[error("invalid regex: {0}")]
    Regex(String),
}

/// A keyword or query term as written: folded text with its modifiers, or a regex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TermSpec {
    /// Words matched on word boundaries.
    Text {
        /// The folded patterns: the term first, then its other spellings.
        patterns: Vec<String>,
        /// Whether the last word is a prefix (`declin*`).
        prefix: bool,
        /// For `case:` terms, the term folded with its case kept.
        cased: Option<String>,
    },
    /// `/pattern/`: the source between the slashes.
    Regex(String),
}

/// Modifiers written before a term: `case:` (case-sensitive, implies exact) and `exact:`
/// (only the spelling written: no compound or abbreviation variants).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Modifiers {
    /// `case:`.
    pub case: bool,
    /// `exact:` (or `case:`).
    pub exact: bool,
}

impl Modifiers {
    /// `case:`.
    pub const CASE: Modifiers = Modifiers {
        case: true,
        exact: true,
    };

    /// `exact:`.
    pub const EXACT: Modifiers = Modifiers {
        case: false,
        exact: true,
    };

    /// Both sets of modifiers.
    pub fn with(self, other: Modifiers) -> Modifiers {
        Modifiers {
            case: self.case || other.case,
            exact: self.exact || other.exact,
        }
    }
}

/// Parses a keyword-list entry: `case:`/`exact:` prefixes, `/regex/`, or a term.
pub(crate) fn parse_keyword(raw: &str) -> Result<TermSpec, TermError> {
    let mut body = raw.trim();
    let mut mods = Modifiers::default();
    loop {
        if let Some(rest) = strip_prefix_ci(body, "case:") {
            (mods, body) = (mods.with(Modifiers::CASE), rest);
        } else if let Some(rest) = strip_prefix_ci(body, "exact:") {
            (mods, body) = (mods.with(Modifiers::EXACT), rest);
        } else {
            break;
        }
    }
    if mods == Modifiers::default() {
        if let Some(source) = regex_source(body) {
            return Ok(TermSpec::Regex(source.to_string()));
        }
    }
    let unquoted = body
        .strip_prefix('"')
        .and_then(|b| b.strip_suffix('"'))
        .unwrap_or(body);
    parse_term(unquoted, mods)
}

/// `body` without `prefix` (ASCII case-insensitive), if it starts with it.
fn strip_prefix_ci<'a>(body: &'a str, prefix: &str) -> Option<&'a str> {
    let head = body.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| body[prefix.len()..].trim_start())
}

/// The source of a `/pattern/` term.
fn regex_source(body: &str) -> Option<&str> {
    let inner = body.strip_prefix('/')?.strip_suffix('/')?;
    (!inner.is_empty()).then_some(inner)
}

/// Folds a term with its modifiers; a trailing `*` makes the last word a prefix.
pub(crate) fn parse_term(raw: &str, mods: Modifiers) -> Result<TermSpec, TermError> {
    let trimmed = raw.trim();
    let (body, prefix) = match trimmed.strip_suffix('*') {
        Some(body) => (body.trim_end_matches('*'), true),
        None => (trimmed, false),
    };
    if body.contains('*') {
        return Err(TermError::Wildcard);
    }
    let norm = normalise(body);
    if norm.is_empty() {
        return Err(TermError::Empty);
    }
    let mut patterns = vec![norm];
    if !mods.exact {
        let compounds = if prefix {
            Compounds::Closed
        } else {
            Compounds::All
        };
        let extra = variants(body, &patterns[0], compounds);
        patterns.extend(extra);
    }
    let cased = mods.case.then(|| fold_cased(body));
    Ok(TermSpec::Text {
        patterns,
        prefix,
        cased,
    })
}

/// Folds a person's name, alias or short form: its patterns (the name first, then its
/// other spellings; no compound variants).
pub(crate) fn parse_name(raw: &str) -> Result<Vec<String>, TermError> {
    let body = raw.trim();
    if body.contains('*') {
        return Err(TermError::NameWildcard);
    }
    let norm = normalise(body);
    if norm.is_empty() {
        return Err(TermError::Empty);
    }
    let extra = variants(body, &norm, Compounds::None);
    let mut patterns = vec![norm];
    patterns.extend(extra);
    Ok(patterns)
}

/// Compiles a regex term within the size limits.
pub(crate) fn build_regex(source: &str) -> Result<Regex, TermError> {
    if source.len() > REGEX_MAX_LEN {
        return Err(TermError::Regex(format!(
            "longer than {REGEX_MAX_LEN} bytes"
        )));
    }
    let source = source.replace("\\/", "/");
    RegexBuilder::new(&source)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_LIMIT)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            let last = text.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
            TermError::Regex(last.trim().trim_start_matches("error: ").to_string())
        })
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
    /// Regex atoms, with the atom of each source.
    regexes: Vec<RegexAtom>,
    regex_ids: HashMap<String, usize>,
    /// The watchlists owning each atom, ascending.
    owners: Vec<Vec<usize>>,
}

impl AtomTable {
    /// Returns the atom for a folded pattern (case-sensitive when `cased` is given),
    /// recording `owner` as one of its watchlists.
    pub fn intern(
        &mut self,
        pattern: String,
        prefix: bool,
        cased: Option<&str>,
        owner: usize,
    ) -> usize {
        let pid = self.pattern_id(pattern);
        let next = self.owners.len();
        let entry = &mut self.pattern_atoms[pid];
        let atom = match cased {
            None if prefix => *entry.prefix.get_or_insert(next),
            None => *entry.exact.get_or_insert(next),
            Some(form) => match entry
                .cased
                .iter()
                .find(|c| c.prefix == prefix && c.form == form)
            {
                Some(c) => c.atom,
                None => {
                    let form = form.to_string();
                    entry.cased.push(CasedAtom {
                        atom: next,
                        prefix,
                        form,
                    });
                    next
                }
            },
        };
        self.own(atom, owner)
    }

    /// Returns the atom of a regex term, recording `owner`.
    pub fn intern_regex(&mut self, source: &str, regex: Regex, owner: usize) -> usize {
        let atom = match self.regex_ids.get(source) {
            Some(&atom) => atom,
            None => {
                let atom = self.owners.len();
                self.regex_ids.insert(source.to_string(), atom);
                self.regexes.push(RegexAtom { atom, regex });
                atom
            }
        };
        self.own(atom, owner)
    }

    fn pattern_id(&mut self, pattern: String) -> usize {
        if let Some(&pid) = self.pattern_ids.get(&pattern) {
            return pid;
        }
        let pid = self.patterns.len();
        self.pattern_ids.insert(pattern.clone(), pid);
        self.patterns.push(pattern);
        self.pattern_atoms.push(PatternAtoms::default());
        pid
    }

    /// Registers `atom` (new when it equals the atom count) as owned by `owner`.
    fn own(&mut self, atom: usize, owner: usize) -> usize {
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
        Ok(Matcher::new(
            automaton,
            self.pattern_atoms,
            self.regexes,
            self.owners,
            watchlists,
        ))
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
