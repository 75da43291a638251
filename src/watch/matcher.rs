//! Watch stage, step 4: match one document against every compiled watchlist. Each field is
//! folded and searched in one pass with the shared automaton (see [`super::engine`]); each
//! enabled watchlist that owns a found pattern is then evaluated on that set of occurrences.

use super::atoms::{KeyEntry, RegexAtom};
use super::compile::{CompiledWatchlist, Rule, TermDef};
use super::engine::{words, Engine, FieldScan};
use super::expr::{Facts, Lit};
use super::hits::build_hits;
use super::occur::{resolve, scan_regexes, Searched};
use super::query::FieldSet;
use super::types::{CompileWarning, Document, Field, Require, TermKind, WatchlistMatch};
use super::words::Words;

/// How a field is folded and searched: [`Engine::scan`], or in tests the full-fold path.
pub(crate) type FieldScanner = fn(&Engine, &str) -> FieldScan;

/// Compiled watchlists, ready to match documents. Immutable, `Send + Sync`, cheap to share
/// behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// One automaton over the unique keys of all watchlists (`None` if there are none).
    pub(crate) automaton: Option<Engine>,
    /// Per automaton pattern id, its key and the patterns and atoms it stands for.
    pub(crate) keys: Vec<KeyEntry>,
    /// Regex terms, run over the original text of each field.
    pub(crate) regexes: Vec<RegexAtom>,
    /// Per atom, the watchlists that use it (ascending).
    pub(crate) owners: Vec<Vec<usize>>,
    /// The watchlists, in spec order.
    pub(crate) watchlists: Vec<CompiledWatchlist>,
    /// Whether some term is scoped to `author:`, `category:` or `url:` (else those fields
    /// are not even folded).
    pub(crate) beyond_text: bool,
    /// What [`compile`](super::compile) found suspicious but accepted.
    pub(crate) warnings: Vec<CompileWarning>,
}

impl Matcher {
    /// Assembles a matcher from the compiled parts.
    pub(crate) fn new(
        automaton: Option<Engine>,
        keys: Vec<KeyEntry>,
        regexes: Vec<RegexAtom>,
        owners: Vec<Vec<usize>>,
        watchlists: Vec<CompiledWatchlist>,
    ) -> Self {
        let beyond_text = watchlists.iter().any(|w| w.beyond_text);
        Matcher {
            automaton,
            keys,
            regexes,
            owners,
            watchlists,
            beyond_text,
            warnings: Vec::new(),
        }
    }

    /// The warnings found while compiling (queries that compile but probably do not mean
    /// what they say), in watchlist order.
    pub fn warnings(&self) -> &[CompileWarning] {
        &self.warnings
    }

    /// Returns the enabled watchlists that `doc` matches, sorted by watchlist index.
    pub fn match_document(
        &self,
        doc: &Document<'_>,
        enabled: &dyn Fn(usize) -> bool,
    ) -> Vec<WatchlistMatch> {
        self.match_with(doc, enabled, Engine::scan)
    }

    /// [`Matcher::match_document`] with the fold-and-search step of each field given.
    pub(crate) fn match_with(
        &self,
        doc: &Document<'_>,
        enabled: &dyn Fn(usize) -> bool,
        scanner: FieldScanner,
    ) -> Vec<WatchlistMatch> {
        if self.automaton.is_none() && self.regexes.is_empty() {
            return Vec::new();
        }
        let scan = Scan::new(self, doc, scanner);
        if scan.occ.is_empty() {
            return Vec::new();
        }
        scan.candidates(&self.owners)
            .into_iter()
            .filter(|&w| enabled(w))
            .filter_map(|w| self.evaluate(w, &scan))
            .collect()
    }

    /// Approximate heap bytes held: the automaton plus the tables mapping its patterns to
    /// watchlists and terms.
    pub fn memory_usage(&self) -> usize {
        use std::mem::size_of;
        let automaton = self.automaton.as_ref().map_or(0, |a| a.memory_usage());
        let patterns: usize = self
            .keys
            .iter()
            .map(|k| {
                size_of::<KeyEntry>()
                    + k.key.capacity()
                    + k.shapes.capacity() * size_of::<super::atoms::Shape>()
            })
            .sum();
        let owners: usize = self
            .owners
            .iter()
            .map(|o| size_of::<Vec<usize>>() + o.capacity() * size_of::<usize>())
            .sum();
        let terms: usize = self
            .watchlists
            .iter()
            .flat_map(|w| &w.terms)
            .map(|t| {
                size_of::<super::compile::TermDef>()
                    + t.display.capacity()
                    + t.atoms.capacity() * size_of::<usize>()
            })
            .sum();
        automaton + patterns + owners + terms
    }

    /// The number of distinct patterns in the shared automaton (folded, without spaces).
    pub fn pattern_count(&self) -> usize {
        self.keys.len()
    }

    /// The shared automaton's patterns (folded, without spaces), by pattern id: what a
    /// bare automaton over the same patterns is built from (the benchmarks' ceiling).
    pub fn patterns(&self) -> impl Iterator<Item = &str> + '_ {
        self.keys.iter().map(|k| k.key.as_str())
    }

    /// The number of watchlists compiled.
    pub fn len(&self) -> usize {
        self.watchlists.len()
    }

    /// Whether no watchlist was compiled.
    pub fn is_empty(&self) -> bool {
        self.watchlists.is_empty()
    }

    fn evaluate(&self, index: usize, scan: &Scan<'_>) -> Option<WatchlistMatch> {
        let watchlist = &self.watchlists[index];
        if watchlist.excludes.iter().any(|&atom| scan.anywhere(atom)) {
            return None;
        }
        let facts = WatchFacts {
            terms: &watchlist.terms,
            scan,
        };
        let holds = match &watchlist.rule {
            Rule::Require(require) => facts.require(*require),
            Rule::Query(expr) => expr.eval(&facts),
        };
        if !holds {
            return None;
        }
        let hits = build_hits(watchlist, scan);
        (!hits.is_empty()).then_some(WatchlistMatch {
            watchlist: index,
            hits,
        })
    }
}

#[cfg(test)]
impl Matcher {
    /// Every atom occurrence in `doc`, found with `scanner` (for the differential tests).
    pub(crate) fn occurrences_with(&self, doc: &Document<'_>, scanner: FieldScanner) -> Vec<Occ> {
        match self.automaton.is_none() && self.regexes.is_empty() {
            true => Vec::new(),
            false => Scan::new(self, doc, scanner).occ,
        }
    }

    /// Whether `atom` is a regex term's.
    pub(crate) fn is_regex_atom(&self, atom: usize) -> bool {
        self.regexes.iter().any(|r| r.atom == atom)
    }
}

/// One occurrence of an atom: a run of words `[start, end)` in one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Occ {
    /// Global atom id.
    pub atom: usize,
    /// Field index (see [`Field::index`]).
    pub field: usize,
    /// First word.
    pub start: usize,
    /// One past the last word.
    pub end: usize,
}

/// A document folded and searched once: the per-field texts and every atom occurrence.
pub(crate) struct Scan<'d> {
    /// The original field texts, by [`Field::index`].
    pub texts: [&'d str; Field::COUNT],
    /// The words of each field (none for fields where nothing was found).
    pub fields: [Words; Field::COUNT],
    /// Occurrences sorted by (atom, field, start).
    pub occ: Vec<Occ>,
}

impl<'d> Scan<'d> {
    fn new(matcher: &Matcher, doc: &Document<'d>, scanner: FieldScanner) -> Self {
        let texts = [
            doc.title,
            doc.summary,
            doc.content,
            doc.article,
            doc.author,
            doc.category,
            doc.url,
        ];
        let used = match matcher.beyond_text {
            true => Field::COUNT,
            false => Field::TEXT_COUNT,
        };
        let mut fields: [Words; Field::COUNT] = Default::default();
        let mut occ = Vec::new();
        for (field, &text) in texts.iter().enumerate().take(used) {
            let mut scanned = match &matcher.automaton {
                Some(engine) => scanner(engine, text),
                None => FieldScan::default(),
            };
            if scanned.found.is_empty() && !matcher.regexes.is_empty() {
                // The scan keeps no words where it found no key; the regexes need them.
                scanned.words = Words::Tokens(words(text));
            }
            let at = Searched {
                field,
                text,
                words: &scanned.words,
            };
            resolve(&matcher.keys, &at, &scanned.found, &mut occ);
            scan_regexes(&matcher.regexes, &at, &mut occ);
            fields[field] = scanned.words;
        }
        occ.sort_unstable_by_key(|o| (o.atom, o.field, o.start, o.end));
        Scan { texts, fields, occ }
    }
    /// The watchlists owning at least one found atom, ascending.
    fn candidates(&self, owners: &[Vec<usize>]) -> Vec<usize> {
        let mut out = Vec::new();
        let mut last = usize::MAX;
        for o in &self.occ {
            if o.atom != last {
                out.extend_from_slice(&owners[o.atom]);
                last = o.atom;
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The occurrences of `atom` in `field`, in order.
    pub fn occurrences(&self, atom: usize, field: Field) -> &[Occ] {
        let key = (atom, field.index());
        let lo = self.occ.partition_point(|o| (o.atom, o.field) < key);
        let hi = self.occ.partition_point(|o| (o.atom, o.field) <= key);
        &self.occ[lo..hi]
    }

    /// The fields `atom` occurs in (one search, whatever the scope asked about).
    pub fn fields_of(&self, atom: usize) -> FieldSet {
        let lo = self.occ.partition_point(|o| o.atom < atom);
        let found = self.occ[lo..].iter().take_while(|o| o.atom == atom);
        found.fold(FieldSet::NONE, |set, o| {
            set.union(FieldSet::only(Field::ALL[o.field]))
        })
    }

    /// Whether `atom` occurs in title, summary, content or article (where excludes look).
    fn anywhere(&self, atom: usize) -> bool {
        let lo = self.occ.partition_point(|o| o.atom < atom);
        self.occ
            .get(lo)
            .is_some_and(|o| o.atom == atom && o.field < Field::TEXT_COUNT)
    }

    /// Where the first occurrence of any of `atoms` is, in reading order (field, word).
    pub fn first(&self, atoms: &[usize]) -> Option<(usize, usize)> {
        atoms
            .iter()
            .filter_map(|&atom| {
                let lo = self.occ.partition_point(|o| o.atom < atom);
                let o = self.occ.get(lo).filter(|o| o.atom == atom)?;
                Some((o.field, o.start))
            })
            .min()
    }

    /// The occurrences of `term` in `field`, one slice per atom: its name and aliases, and
    /// its short forms after `gate` (the term's first occurrence, see [`Scan::first`]).
    pub fn term_slices<'s>(
        &'s self,
        term: &'s TermDef,
        field: Field,
        gate: Option<(usize, usize)>,
    ) -> impl Iterator<Item = &'s [Occ]> + 's {
        let full = term.atoms.iter().map(move |&a| self.occurrences(a, field));
        let short = gate.into_iter().flat_map(move |(gate_field, gate_start)| {
            term.short.iter().map(move |&a| {
                let all = self.occurrences(a, field);
                match field.index().cmp(&gate_field) {
                    std::cmp::Ordering::Less => &all[..0],
                    std::cmp::Ordering::Equal => {
                        &all[all.partition_point(|o| o.start <= gate_start)..]
                    }
                    std::cmp::Ordering::Greater => all,
                }
            })
        });
        full.chain(short)
    }
}

/// The facts one watchlist's terms have in a scanned document.
struct WatchFacts<'a> {
    terms: &'a [TermDef],
    scan: &'a Scan<'a>,
}

impl WatchFacts<'_> {
    /// Where a person's short forms start to count (none for keywords).
    fn gate(&self, term: &TermDef) -> Option<(usize, usize)> {
        match term.short.is_empty() {
            true => None,
            false => self.scan.first(&term.atoms),
        }
    }

    fn require(&self, require: Require) -> bool {
        let any = |kind: TermKind| {
            let mut terms = self.terms.iter().enumerate();
            terms.any(|(term, t)| {
                t.kind == kind
                    && self.present(Lit {
                        term,
                        scope: FieldSet::TEXT,
                    })
            })
        };
        match require {
            Require::Any => any(TermKind::Person) || any(TermKind::Keyword),
            Require::Person => any(TermKind::Person),
            Require::Keyword => any(TermKind::Keyword),
            Require::PersonAndKeyword => any(TermKind::Person) && any(TermKind::Keyword),
        }
    }
}

impl Facts for WatchFacts<'_> {
    fn present(&self, lit: Lit) -> bool {
        let atoms = &self.terms[lit.term].atoms;
        let scoped = |&atom: &usize| !self.scan.fields_of(atom).intersect(lit.scope).is_empty();
        atoms.iter().any(scoped)
    }

    fn near(&self, a: Lit, b: Lit, dist: u32) -> bool {
        let scope = a.scope.intersect(b.scope);
        let (x, y) = (&self.terms[a.term], &self.terms[b.term]);
        let (x_gate, y_gate) = (self.gate(x), self.gate(y));
        Field::ALL
            .into_iter()
            .filter(|&f| scope.contains(f))
            .any(|f| {
                self.scan.term_slices(x, f, x_gate).any(|left| {
                    self.scan
                        .term_slices(y, f, y_gate)
                        .any(|right| within(left, right, dist as usize))
                })
            })
    }
}

/// Whether some `x` and `y` have at most `dist` words between them (overlap counts as 0).
/// Both are sorted by start; the occurrences of a text atom all span the same number of
/// words (so the latest-starting candidate decides at once), a regex's may not.
fn within(xs: &[Occ], ys: &[Occ], dist: usize) -> bool {
    xs.iter().any(|x| {
        let candidates = &ys[..ys.partition_point(|y| y.start <= x.end + dist)];
        candidates.iter().rev().any(|y| y.end + dist >= x.start)
    })
}
