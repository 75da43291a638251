//! Watch stage, step 4b: from what the automaton and the regexes found in one field to
//! occurrences of atoms, in words.

use super::atoms::{KeyEntry, PatternAtoms, RegexAtom};
use super::engine::Found;
use super::matcher::Occ;
use super::text::fold_cased;
use super::variants::split_at;
use super::words::Words;

/// One field as searched: its index, original text and words.
pub(crate) struct Searched<'a> {
    /// Field index (see `Field::index`).
    pub field: usize,
    /// The original text.
    pub text: &'a str,
    /// Its words.
    pub words: &'a Words,
}

/// Where a found key lies in words: `[start, end)`, and whether it ends where a word does.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    whole: bool,
}

/// Turns the keys found in one field into occurrences: a key counts where it starts on a
/// word and its pattern's word boundaries are exactly the ones the text has inside it
/// (an exact atom also needs it to end on a word; a split atom one boundary where
/// [`split_at`] allows it).
pub(crate) fn resolve(keys: &[KeyEntry], at: &Searched<'_>, found: &[Found], out: &mut Vec<Occ>) {
    let words = at.words;
    let mut bounds = Vec::new();
    for f in found {
        let entry = &keys[f.key];
        let s = f.end - entry.key.len();
        let start = words.partition_point(|t| t.norm_start < s);
        let Some(first) = words.get(start).filter(|t| t.norm_start == s) else {
            continue;
        };
        bounds.clear();
        let (mut end, mut last) = (start + 1, first);
        while let Some(t) = words.get(end).filter(|t| t.norm_start < f.end) {
            bounds.push(t.norm_start - s);
            (end, last) = (end + 1, t);
        }
        let whole = last.norm_end == f.end;
        let span = Span { start, end, whole };
        for shape in entry
            .shapes
            .iter()
            .filter(|shape| *shape.bounds == bounds[..])
        {
            push_atoms(&shape.atoms, span, at, out);
        }
        if let (Some(atom), true, [bound]) = (entry.split, whole, &bounds[..]) {
            if split_at(&entry.key, *bound) {
                out.push(at.occ(atom, span));
            }
        }
    }
}

/// The occurrences of one pattern's atoms at `span`; a case-sensitive atom also needs the
/// original to read its form.
fn push_atoms(atoms: &PatternAtoms, span: Span, at: &Searched<'_>, out: &mut Vec<Occ>) {
    let exact = atoms.exact.filter(|_| span.whole);
    for atom in exact.into_iter().chain(atoms.prefix) {
        out.push(at.occ(atom, span));
    }
    for cased in &atoms.cased {
        let from = at.words.at(span.start).orig_start;
        let folded = fold_cased(&at.text[from..at.words.at(span.end - 1).orig_end]);
        let reads = match cased.prefix {
            true => folded.starts_with(&cased.form),
            false => span.whole && folded == cased.form,
        };
        if reads {
            out.push(at.occ(cased.atom, span));
        }
    }
}

impl Searched<'_> {
    fn occ(&self, atom: usize, span: Span) -> Occ {
        Occ {
            atom,
            field: self.field,
            start: span.start,
            end: span.end,
        }
    }
}

/// Runs every regex term over the field's original text; a match counts as the words it
/// touches (a match touching no word is ignored).
pub(crate) fn scan_regexes(regexes: &[RegexAtom], at: &Searched<'_>, out: &mut Vec<Occ>) {
    let words = at.words;
    for r in regexes {
        for m in r.regex.find_iter(at.text) {
            let start = words.partition_point(|t| t.orig_end <= m.start());
            let end = words.partition_point(|t| t.orig_start < m.end());
            if start < end {
                out.push(Occ {
                    atom: r.atom,
                    field: at.field,
                    start,
                    end,
                });
            }
        }
    }
}
