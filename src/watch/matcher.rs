//! Watch stage, step 4: match one document against every compiled watchlist. Each field is
//! folded once and searched once with the shared automaton; each enabled watchlist that owns
//! a found pattern is then evaluated on that set of occurrences.

use aho_corasick::AhoCorasick;

use super::atoms::PatternAtoms;
use super::compile::{CompiledWatchlist, Rule, TermDef};
use super::expr::{Facts, Lit};
use super::hits::build_hits;
use super::query::FieldSet;
use super::text::{analyse, Analysed};
use super::types::{Document, Field, Require, TermKind, WatchlistMatch};

/// Compiled watchlists, ready to match documents. Immutable, `Send + Sync`, cheap to share
/// behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// One automaton over the unique folded patterns of all watchlists (`None` if there are none).
    pub(crate) automaton: Option<AhoCorasick>,
    /// Per automaton pattern id, the atoms it stands for.
    pub(crate) patterns: Vec<PatternAtoms>,
    /// Per atom, the watchlists that use it (ascending).
    pub(crate) owners: Vec<Vec<usize>>,
    /// The watchlists, in spec order.
    pub(crate) watchlists: Vec<CompiledWatchlist>,
}

impl Matcher {
    /// Returns the enabled watchlists that `doc` matches, sorted by watchlist index.
    pub fn match_document(
        &self,
        doc: &Document<'_>,
        enabled: &dyn Fn(usize) -> bool,
    ) -> Vec<WatchlistMatch> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let scan = Scan::new(automaton, &self.patterns, doc);
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
        let patterns = self.patterns.capacity() * size_of::<PatternAtoms>();
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

    /// The number of distinct folded patterns in the shared automaton.
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
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
    /// The original field texts.
    pub texts: [&'d str; 3],
    /// The folded field texts with their words.
    pub fields: [Analysed; 3],
    /// Occurrences sorted by (atom, field, start).
    pub occ: Vec<Occ>,
}

impl<'d> Scan<'d> {
    fn new(automaton: &AhoCorasick, patterns: &[PatternAtoms], doc: &Document<'d>) -> Self {
        let texts = [doc.title, doc.summary, doc.content];
        let fields = texts.map(analyse);
        let mut occ = Vec::new();
        for (field, analysed) in fields.iter().enumerate() {
            scan_field(automaton, patterns, field, analysed, &mut occ);
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

    /// Whether `atom` occurs in any field.
    fn anywhere(&self, atom: usize) -> bool {
        let lo = self.occ.partition_point(|o| o.atom < atom);
        self.occ.get(lo).is_some_and(|o| o.atom == atom)
    }
}

/// Searches one folded field, keeping matches that start (and, unless a prefix, end) on a
/// word boundary.
fn scan_field(
    automaton: &AhoCorasick,
    patterns: &[PatternAtoms],
    field: usize,
    analysed: &Analysed,
    out: &mut Vec<Occ>,
) {
    let bytes = analysed.norm.as_bytes();
    let tokens = &analysed.tokens;
    for m in automaton.find_overlapping_iter(&analysed.norm) {
        let (s, e) = (m.start(), m.end());
        if s > 0 && bytes[s - 1] != b' ' {
            continue;
        }
        let atoms = patterns[m.pattern().as_usize()];
        let start = tokens.partition_point(|t| t.norm_start < s);
        let end = tokens.partition_point(|t| t.norm_end < e) + 1;
        let whole = e == bytes.len() || bytes[e] == b' ';
        let exact = atoms.exact.filter(|_| whole);
        for atom in exact.into_iter().chain(atoms.prefix) {
            out.push(Occ {
                atom,
                field,
                start,
                end,
            });
        }
    }
}

/// The facts one watchlist's terms have in a scanned document.
struct WatchFacts<'a> {
    terms: &'a [TermDef],
    scan: &'a Scan<'a>,
}

impl WatchFacts<'_> {
    fn require(&self, require: Require) -> bool {
        let any = |kind: TermKind| {
            let mut terms = self.terms.iter().enumerate();
            terms.any(|(term, t)| {
                t.kind == kind
                    && self.present(Lit {
                        term,
                        scope: FieldSet::ALL,
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
        Field::ALL
            .into_iter()
            .filter(|&f| lit.scope.contains(f))
            .any(|f| {
                atoms
                    .iter()
                    .any(|&atom| !self.scan.occurrences(atom, f).is_empty())
            })
    }

    fn near(&self, a: Lit, b: Lit, dist: u32) -> bool {
        let scope = a.scope.intersect(b.scope);
        let (xs, ys) = (&self.terms[a.term].atoms, &self.terms[b.term].atoms);
        Field::ALL
            .into_iter()
            .filter(|&f| scope.contains(f))
            .any(|f| {
                xs.iter().any(|&x| {
                    let left = self.scan.occurrences(x, f);
                    ys.iter()
                        .any(|&y| within(left, self.scan.occurrences(y, f), dist as usize))
                })
            })
    }
}

/// Whether some `x` and `y` have at most `dist` words between them (overlap counts as 0).
/// Every occurrence of one atom spans the same number of words, so `ys` is sorted by end
/// as well as by start.
fn within(xs: &[Occ], ys: &[Occ], dist: usize) -> bool {
    xs.iter().any(|x| {
        let first = ys.partition_point(|y| y.end + dist < x.start);
        ys.get(first).is_some_and(|y| y.start <= x.end + dist)
    })
}
