//! Watch stage, step 3a: fold watchlist terms into patterns and intern each unique pattern
//! once for the shared automaton. The automaton holds each pattern without its spaces (its
//! key: `counter terrorism` and `counterterrorism` share one); a key remembers which word
//! boundaries each of its patterns has. A pattern stands for up to two plain atoms (whole
//! words, or last word a prefix) and any number of case-sensitive ones; a one-word keyword
//! also has a split atom (the word written as two, see [`super::variants`]); regex terms
//! are atoms of their own. Every atom remembers the watchlists that own it.

use std::collections::HashMap;

use regex::{Regex, RegexBuilder};

use super::compile::CompiledWatchlist;
use super::engine::Engine;
use super::matcher::Matcher;
use super::text::{fold_cased, normalise};
use super::types::CompileError;
use super::variants::{splittable, variants, Compounds};

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

/// One folded pattern of a key: where its words start after the first (byte offsets into
/// the key) and its atoms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Offsets of the word boundaries inside the key (empty for one word).
    pub bounds: Box<[usize]>,
    /// The atoms of this pattern.
    pub atoms: PatternAtoms,
}

/// One automaton pattern (a key: a folded pattern without its spaces) and the patterns it
/// stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyEntry {
    /// The key.
    pub key: String,
    /// Its patterns, by word boundaries.
    pub shapes: Vec<Shape>,
    /// The atom of the one-word keyword `key` written as two words (see
    /// [`super::variants::split_at`]).
    pub split: Option<usize>,
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
        /// Whether the one-word term also matches written as two words.
        split: bool,
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
    let split = !mods.exact && !prefix && splittable(&norm);
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
        split,
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
    /// Unique keys (patterns without spaces), by automaton pattern id.
    keys: Vec<KeyEntry>,
    /// Key index by key.
    key_ids: HashMap<String, usize>,
    /// Regex atoms, with the atom of each source.
    regexes: Vec<RegexAtom>,
    regex_ids: HashMap<String, usize>,
    /// The watchlists owning each atom, ascending.
    owners: Vec<Vec<usize>>,
}

impl AtomTable {
    /// An empty table with room for about `patterns` folded patterns (so that compiling a
    /// large watchlist set does not rehash its maps as it grows).
    pub fn with_capacity(patterns: usize) -> Self {
        AtomTable {
            keys: Vec::with_capacity(patterns),
            key_ids: HashMap::with_capacity(patterns),
            owners: Vec::with_capacity(patterns),
            ..AtomTable::default()
        }
    }

    /// Returns the atom for a folded pattern (case-sensitive when `cased` is given),
    /// recording `owner` as one of its watchlists.
    pub fn intern(
        &mut self,
        pattern: String,
        prefix: bool,
        cased: Option<&str>,
        owner: usize,
    ) -> usize {
        self.intern_keyed(pattern, prefix, cased, owner).0
    }

    /// [`AtomTable::intern`], also returning the index of the pattern's key.
    pub fn intern_keyed(
        &mut self,
        pattern: String,
        prefix: bool,
        cased: Option<&str>,
        owner: usize,
    ) -> (usize, usize) {
        let next = self.owners.len();
        let (key, entry) = self.shape(pattern);
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
        (self.own(atom, owner), key)
    }

    /// Returns the split atom of key `key` (a one-word pattern's), recording `owner`.
    pub fn intern_split(&mut self, key: usize, owner: usize) -> usize {
        let next = self.owners.len();
        let atom = *self.keys[key].split.get_or_insert(next);
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

    /// The atoms of a folded pattern, found (or added) under its key, and the key's index.
    fn shape(&mut self, pattern: String) -> (usize, &mut PatternAtoms) {
        let (key, bounds) = match pattern.contains(' ') {
            false => (pattern, Box::default()),
            true => split_key(&pattern),
        };
        let id = match self.key_ids.get(key.as_str()) {
            Some(&id) => id,
            None => self.add_key(key),
        };
        let shapes = &mut self.keys[id].shapes;
        let at = match shapes.iter().position(|s| s.bounds == bounds) {
            Some(at) => at,
            None => {
                let atoms = PatternAtoms::default();
                shapes.push(Shape { bounds, atoms });
                shapes.len() - 1
            }
        };
        (id, &mut shapes[at].atoms)
    }

    fn add_key(&mut self, key: String) -> usize {
        let id = self.keys.len();
        self.key_ids.insert(key.clone(), id);
        self.keys.push(KeyEntry {
            key,
            ..KeyEntry::default()
        });
        id
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
        let automaton = match self.keys.is_empty() {
            true => None,
            false => {
                let keys: Vec<&str> = self.keys.iter().map(|k| k.key.as_str()).collect();
                Some(Engine::build(&keys).map_err(|e| CompileError {
                    watchlist: 0,
                    key: "keywords".into(),
                    message: format!("cannot build the pattern automaton: {e}"),
                })?)
            }
        };
        Ok(Matcher::new(
            automaton,
            self.keys,
            self.regexes,
            self.owners,
            watchlists,
        ))
    }
}

/// A folded pattern of several words as its key (the words glued) and the offsets in the
/// key where its second and later words start.
fn split_key(pattern: &str) -> (String, Box<[usize]>) {
    let mut key = String::with_capacity(pattern.len());
    let mut bounds = Vec::new();
    for (i, word) in pattern.split(' ').enumerate() {
        if i > 0 {
            bounds.push(key.len());
        }
        key.push_str(word);
    }
    (key, bounds.into_boxed_slice())
}
