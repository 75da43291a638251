//! Watch stage, step 5: explain a match: one [`Hit`] per (term, field) that occurred, with
//! the original text of its first occurrence, a count and a snippet.

use super::compile::{CompiledWatchlist, TermDef};
use super::matcher::Scan;
use super::query::FieldSet;
use super::snippet::{collapse_whitespace, snippet};
use super::types::{Field, Hit};

/// The hits of a watchlist that matched, ordered by field, then first position.
pub(crate) fn build_hits(watchlist: &CompiledWatchlist, scan: &Scan<'_>) -> Vec<Hit> {
    let mut found: Vec<(usize, usize, Hit)> = Vec::new();
    for lit in &watchlist.hit_lits {
        let term = &watchlist.terms[lit.term];
        // The fields any of the term's atoms (short forms too) occur in: only there can it
        // have a hit (one search per atom instead of one per atom and field).
        let atoms = term.atoms.iter().chain(&term.short);
        let seen = atoms.fold(FieldSet::NONE, |set, &a| set.union(scan.fields_of(a)));
        let fields = Field::ALL.into_iter();
        for field in fields.filter(|&f| lit.scope.intersect(seen).contains(f)) {
            if let Some((start, hit)) = term_hit(term, scan, field) {
                found.push((field.index(), start, hit));
            }
        }
    }
    found.sort_by_key(|&(field, start, _)| (field, start));
    found.into_iter().map(|(_, _, hit)| hit).collect()
}

/// The hit for `term` in `field`, with the word its first occurrence starts at.
fn term_hit(term: &TermDef, scan: &Scan<'_>, field: Field) -> Option<(usize, Hit)> {
    let spans = spans(term, scan, field)?;
    let (first_start, first_end) = spans[0];
    let words = &scan.fields[field.index()];
    let text = scan.texts[field.index()];
    let from = words.at(first_start).orig_start;
    let to = words.at(first_end - 1).orig_end;
    let hit = Hit {
        term: term.display.clone(),
        kind: term.kind,
        matched: collapse_whitespace(&text[from..to]),
        field,
        count: count_disjoint(&spans),
        snippet: snippet(text, from, to),
    };
    Some((first_start, hit))
}

/// The word spans of every occurrence of `term` in `field`, earliest (then longest) first;
/// `None` (without allocating) when there is none.
fn spans(term: &TermDef, scan: &Scan<'_>, field: Field) -> Option<Vec<(usize, usize)>> {
    let gate = match term.short.is_empty() {
        true => None,
        false => scan.first(&term.atoms),
    };
    let total: usize = scan.term_slices(term, field, gate).map(<[_]>::len).sum();
    if total == 0 {
        return None;
    }
    let mut spans = Vec::with_capacity(total);
    for occurrences in scan.term_slices(term, field, gate) {
        spans.extend(occurrences.iter().map(|o| (o.start, o.end)));
    }
    spans.sort_unstable_by_key(|&(start, end)| (start, std::cmp::Reverse(end)));
    Some(spans)
}

/// How many occurrences remain after dropping those overlapping an earlier counted one
/// (so "Lloyd Austin" is one mention even when "Austin" is also an alias).
fn count_disjoint(spans: &[(usize, usize)]) -> usize {
    let mut count = 0;
    let mut covered_to = 0;
    for &(start, end) in spans {
        if count == 0 || start >= covered_to {
            count += 1;
            covered_to = end;
        }
    }
    count
}
