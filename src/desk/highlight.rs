//! Marks where a query's terms occur in the original (unfolded) text, through the
//! matcher's word map, so a hit on `zurich` marks `Zürich` as written.

use super::query::{SearchQuery, Term};
use crate::watch::{analyse, Token};

/// Text cut into pieces; `true` pieces are hits.
pub type Marked = Vec<(String, bool)>;

/// Characters of context kept on each side of the first hit when cutting a snippet.
const CONTEXT_CHARS: usize = 90;

/// `text` with every occurrence of `query`'s terms marked. With `snippet`, only a window
/// around the first hit is kept (`…` where cut); without a hit, the start of the text.
pub fn highlight(text: &str, query: &SearchQuery, snippet: bool) -> Marked {
    let spans = hit_spans(text, query);
    let (from, to) = if snippet {
        window(text, spans.first().copied())
    } else {
        (0, text.len())
    };
    let mut out = Vec::new();
    if from > 0 {
        out.push(("…".to_string(), false));
    }
    let mut at = from;
    for (s, e) in spans.into_iter().filter(|&(s, e)| s >= from && e <= to) {
        if s < at {
            continue;
        }
        if s > at {
            out.push((text[at..s].to_string(), false));
        }
        out.push((text[s..e].to_string(), true));
        at = e;
    }
    if at < to {
        out.push((text[at..to].to_string(), false));
    }
    if to < text.len() {
        out.push(("…".to_string(), false));
    }
    out
}

/// Byte spans of the original text where a term occurs, in order, not overlapping.
fn hit_spans(text: &str, query: &SearchQuery) -> Vec<(usize, usize)> {
    let a = analyse(text);
    let words: Vec<&str> = a
        .tokens
        .iter()
        .map(|t| &a.norm[t.norm_start..t.norm_end])
        .collect();
    let mut spans = Vec::new();
    for i in 0..words.len() {
        if let Some(n) = query.terms.iter().find_map(|t| term_at(t, &words[i..])) {
            spans.push(span(&a.tokens[i..i + n]));
        }
    }
    spans.sort_unstable();
    spans
}

/// How many words `term` covers when it starts at `words[0]`.
fn term_at(term: &Term, words: &[&str]) -> Option<usize> {
    let n = term.words.len();
    if words.len() < n {
        return None;
    }
    let last = n - 1;
    let fits = term.words.iter().enumerate().all(|(i, w)| {
        if i == last && term.prefix {
            words[i].starts_with(w.as_str())
        } else {
            words[i] == w
        }
    });
    fits.then_some(n)
}

fn span(tokens: &[Token]) -> (usize, usize) {
    (tokens[0].orig_start, tokens[tokens.len() - 1].orig_end)
}

/// The byte range of a snippet around `hit` (or the start), on character boundaries.
fn window(text: &str, hit: Option<(usize, usize)>) -> (usize, usize) {
    let (s, e) = hit.unwrap_or((0, 0));
    let from = text[..s]
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS)
        .map_or(0, |(i, _)| i);
    let to = text[e..]
        .char_indices()
        .nth(CONTEXT_CHARS * if hit.is_some() { 1 } else { 2 })
        .map_or(text.len(), |(i, _)| e + i);
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, q: &str) -> Vec<String> {
        let q = SearchQuery::parse(q).unwrap();
        highlight(text, &q, false)
            .into_iter()
            .filter(|(_, hit)| *hit)
            .map(|(s, _)| s)
            .collect()
    }

    #[test]
    fn marks_the_original_text_of_folded_hits() {
        assert_eq!(marked("Talks in Zürich today", "zurich"), ["Zürich"]);
        assert_eq!(
            marked("General Li Shangfu, minister", "\"li shangfu\""),
            ["Li Shangfu"]
        );
        assert_eq!(
            marked("Defence and defenders", "defen*"),
            ["Defence", "defenders"]
        );
        assert_eq!(marked("国防部长李尚福被免职", "李尚福"), ["李尚福"]);
        assert_eq!(marked("שר הביטחון יואב גלנט", "גלנט"), ["גלנט"]);
    }

    #[test]
    fn snippet_cuts_around_the_first_hit() {
        let text = format!("{} needle {}", "a ".repeat(200), "b ".repeat(200));
        let q = SearchQuery::parse("needle").unwrap();
        let m = highlight(&text, &q, true);
        assert_eq!(m.first().unwrap().0, "…");
        assert_eq!(m.last().unwrap().0, "…");
        assert!(m.iter().any(|(s, hit)| *hit && s == "needle"));
        let total: usize = m.iter().map(|(s, _)| s.chars().count()).sum();
        assert!(total < 200, "{total}");
    }
}
