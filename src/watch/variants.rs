//! Watch stage, step 3a′: the other spellings a term also matches, as extra folded
//! patterns of the same term.
//!
//! - `đ`: folded text reads `đ` as `d`; a term spelled with `đ` also matches `dj`
//!   (`Đoković` finds `Djokovic`) and a term spelled with `dj` also matches `d`.
//! - Dotted abbreviations: `J.K. Rowling` also matches `J. K. Rowling` and the reverse
//!   (initials in a row beside another word are glued: `J K Rowling` finds `JK Rowling`).
//! - Compounds (keywords only, not `exact:`): a term of 2–4 words also matches them
//!   written closed (`counter terrorism` finds `counterterrorism`); a closed word of
//!   [`MIN_SPLIT_WORD`]–[`MAX_SPLIT_WORD`] letters also matches it split in two, each part
//!   at least [`MIN_PART`] letters (`counterterrorism` finds `counter-terrorism` and
//!   `counter terrorism`), and a word mixing letters and digits also matches it split
//!   where they meet (`F35` finds `F-35`). The split spellings are not patterns of their
//!   own: the automaton sees words without the spaces between them, so the closed word's
//!   one pattern is found in `counter terrorism` too, and [`split_at`] says whether the
//!   word boundary found inside it is one of these.

use super::text::{is_spaceless_script, normalise};

/// Shortest part of a closed word split in two.
pub(crate) const MIN_PART: usize = 2;

/// Shortest closed word that is also matched split in two.
pub(crate) const MIN_SPLIT_WORD: usize = 6;

/// Longest closed word that is also matched split in two.
pub(crate) const MAX_SPLIT_WORD: usize = 24;

/// Most words of a term that is also matched closed.
const MAX_CLOSED_WORDS: usize = 4;

/// Which compound spellings a term also matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compounds {
    /// None (names, `exact:` terms).
    None,
    /// Written closed only (prefix terms).
    Closed,
    /// Closed and split.
    All,
}

/// The other folded spellings of a term written `raw` and folded to `norm` (without
/// `norm` itself, no duplicates); `compounds` adds the compound spellings (a prefix term
/// is only also matched closed, never split: `counterterror*` split would find too much).
pub(crate) fn variants(raw: &str, norm: &str, compounds: Compounds) -> Vec<String> {
    let mut out = Vec::new();
    // One word without `đ` or `dj` (most terms) has no other spelling: gluing letters and
    // writing it closed need two words, the dotted forms a space.
    if !norm.contains(' ') && !norm.contains("dj") && !raw.contains(['đ', 'Đ']) {
        return out;
    }
    if raw.contains(['đ', 'Đ']) {
        out.push(normalise(&raw.replace('đ', "dj").replace('Đ', "Dj")));
    }
    if norm.contains("dj") {
        out.push(norm.replace("dj", "d"));
    }
    if norm.contains(' ') && raw.contains('.') {
        out.push(normalise(&raw.replace('.', ". ")));
    }
    out.extend(glue_letters(norm));
    if compounds != Compounds::None {
        out.extend(closed(norm));
    }
    out.retain(|v| !v.is_empty() && v != norm);
    out.sort();
    out.dedup();
    out
}

/// Whether `c` is a letter of a script written with spaces.
fn spaced_letter(c: char) -> bool {
    c.is_alphabetic() && !is_spaceless_script(c)
}

/// `norm` with every run of two or more single-letter words glued (`j k rowling` →
/// `jk rowling`), if it has one and another word (initials of a name; `e.g.` alone stays).
fn glue_letters(norm: &str) -> Option<String> {
    let words: Vec<&str> = norm.split(' ').collect();
    let single = |w: &str| {
        let mut c = w.chars();
        matches!((c.next(), c.next()), (Some(l), None) if spaced_letter(l))
    };
    if words.iter().all(|w| single(w)) {
        return None;
    }
    let mut out = String::with_capacity(norm.len());
    let mut glued = false;
    for (i, w) in words.iter().enumerate() {
        let joins = i > 0 && single(w) && single(words[i - 1]);
        glued |= joins;
        if i > 0 && !joins {
            out.push(' ');
        }
        out.push_str(w);
    }
    glued.then_some(out)
}

/// A term of 2–4 words of letters or digits written closed.
fn closed(norm: &str) -> Option<String> {
    let words: Vec<&str> = norm.split(' ').collect();
    let plain = |w: &&str| {
        w.chars()
            .all(|c| c.is_alphanumeric() && !is_spaceless_script(c))
    };
    let fits = (2..=MAX_CLOSED_WORDS).contains(&words.len()) && words.iter().all(plain);
    fits.then(|| words.concat())
}

/// Whether the one-word folded term `norm` also matches written as two words somewhere
/// (see [`split_at`]).
pub(crate) fn splittable(norm: &str) -> bool {
    if !norm
        .chars()
        .all(|c| c.is_alphanumeric() && !is_spaceless_script(c))
    {
        return false;
    }
    let n = norm.chars().count();
    let letters = norm.chars().all(spaced_letter);
    let long = (MIN_SPLIT_WORD..=MAX_SPLIT_WORD).contains(&n) && n >= 2 * MIN_PART;
    let mut chars = norm.chars().map(char::is_numeric);
    let first = chars.next();
    (letters && long) || chars.any(|digit| Some(digit) != first)
}

/// Whether the one-word folded term `word`, written as two words with the second starting
/// at byte `at`, still counts as `word`: letters only, [`MIN_SPLIT_WORD`]–[`MAX_SPLIT_WORD`]
/// of them and both parts at least [`MIN_PART`] long; or at a meeting of letters and digits.
pub(crate) fn split_at(word: &str, at: usize) -> bool {
    let plain = |c: char| c.is_alphanumeric() && !is_spaceless_script(c);
    if at == 0 || at >= word.len() || !word.is_char_boundary(at) || !word.chars().all(plain) {
        return false;
    }
    let (head, tail) = word.split_at(at);
    let (before, after) = match (head.chars().next_back(), tail.chars().next()) {
        (Some(b), Some(a)) => (b, a),
        _ => return false,
    };
    if before.is_numeric() != after.is_numeric() {
        return true;
    }
    let n = word.chars().count();
    let k = head.chars().count();
    word.chars().all(spaced_letter)
        && (MIN_SPLIT_WORD..=MAX_SPLIT_WORD).contains(&n)
        && k >= MIN_PART
        && n - k >= MIN_PART
}
