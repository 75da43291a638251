//! Watch stage, step 6: cut a short excerpt of original text around a hit for alerts.

use super::text::is_spaceless_script;

/// About how many characters of text a snippet shows (markers and ellipses not counted).
pub(crate) const SNIPPET_CHARS: usize = 160;

/// How far (in characters) a cut may move to land on a word boundary.
const BOUNDARY_SEARCH: usize = 24;

/// An excerpt of `text` around the byte range `start..end` (on char boundaries): the hit
/// wrapped in `[ ]`, cut on word boundaries, whitespace collapsed, `...` where text was cut.
pub(crate) fn snippet(text: &str, start: usize, end: usize) -> String {
    let budget = SNIPPET_CHARS.saturating_sub(text[start..end].chars().count());
    let have_before = text[..start].chars().rev().take(budget).count();
    let have_after = text[end..].chars().take(budget).count();
    let before = have_before.min((budget / 2).max(budget - have_after));
    let after = have_after.min(budget - before);
    let from = word_start(text, chars_back(text, start, before), start);
    let to = word_end(text, end, chars_forward(text, end, after));
    assemble(text, [from, start, end, to])
}

/// The snippet of `text[from..to]` with `text[start..end]` marked (`cut` holds the four
/// offsets, in order, on char boundaries): whitespace collapsed, `...` where text was cut.
pub(crate) fn assemble(text: &str, cut: [usize; 4]) -> String {
    let [from, start, end, to] = cut;
    let (head, hit, tail) = (&text[from..start], &text[start..end], &text[end..to]);
    let mut out = String::with_capacity(to - from + 8);
    if !text[..from].trim().is_empty() {
        out.push_str("...");
    }
    if push_collapsed(&mut out, head) && head.ends_with(char::is_whitespace) {
        out.push(' ');
    }
    out.push('[');
    push_collapsed(&mut out, hit);
    out.push(']');
    let closed = out.len();
    if tail.starts_with(char::is_whitespace) {
        out.push(' ');
    }
    if !push_collapsed(&mut out, tail) {
        out.truncate(closed);
    }
    if !text[to..].trim().is_empty() {
        out.push_str("...");
    }
    out
}

/// Appends `text` with surrounding whitespace trimmed and every inner run replaced by one
/// space; returns whether it had anything but whitespace.
fn push_collapsed(out: &mut String, text: &str) -> bool {
    let mut words = text.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    out.push_str(first);
    for word in words {
        out.push(' ');
        out.push_str(word);
    }
    true
}

/// `text` with surrounding whitespace trimmed and every inner run replaced by one space.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_collapsed(&mut out, text);
    out
}

/// The byte index `n` characters before `pos` (or 0).
fn chars_back(text: &str, pos: usize, n: usize) -> usize {
    if n == 0 {
        return pos;
    }
    text[..pos]
        .char_indices()
        .rev()
        .take(n)
        .last()
        .map_or(pos, |(i, _)| i)
}

/// The byte index `n` characters after `pos` (or the end).
fn chars_forward(text: &str, pos: usize, n: usize) -> usize {
    text[pos..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| pos + i)
}

/// Moves a cut at `from` forward (not past `limit`) onto a word boundary, if one is near.
fn word_start(text: &str, from: usize, limit: usize) -> usize {
    let mut pos = from;
    for c in text[from..limit].chars().take(BOUNDARY_SEARCH + 1) {
        if is_boundary(text, pos) {
            return pos;
        }
        pos += c.len_utf8();
    }
    if is_boundary(text, pos) {
        pos
    } else {
        from
    }
}

/// Moves a cut at `to` back (not before `limit`) onto a word boundary, if one is near.
fn word_end(text: &str, limit: usize, to: usize) -> usize {
    let mut pos = to;
    for c in text[limit..to].chars().rev().take(BOUNDARY_SEARCH + 1) {
        if is_boundary(text, pos) {
            return pos;
        }
        pos -= c.len_utf8();
    }
    if is_boundary(text, pos) {
        pos
    } else {
        to
    }
}

/// Whether cutting at byte `pos` splits no word: an end of the text, or a non-letter (or a
/// character of a script written without spaces) on either side.
fn is_boundary(text: &str, pos: usize) -> bool {
    let (Some(prev), Some(next)) = (text[..pos].chars().next_back(), text[pos..].chars().next())
    else {
        return true;
    };
    let splits = |c: char| !c.is_alphanumeric() || is_spaceless_script(c);
    splits(prev) || splits(next)
}
