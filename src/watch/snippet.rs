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
    let mut body = collapse_whitespace(&text[from..start]);
    if text[from..start].ends_with(char::is_whitespace) {
        body.push(' ');
    }
    body.push('[');
    body.push_str(&collapse_whitespace(&text[start..end]));
    body.push(']');
    if text[end..to].starts_with(char::is_whitespace) {
        body.push(' ');
    }
    body.push_str(&collapse_whitespace(&text[end..to]));
    let mut out = String::with_capacity(body.len() + 6);
    if !text[..from].trim().is_empty() {
        out.push_str("...");
    }
    out.push_str(body.trim());
    if !text[to..].trim().is_empty() {
        out.push_str("...");
    }
    out
}

/// `text` with surrounding whitespace trimmed and every inner run replaced by one space.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
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
