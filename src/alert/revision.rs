//! Revision alerts (`[[watchlist]] revisions = true`): when a story already alerted comes
//! back from its feed with changed text, the sentences its watchlist matched in the
//! version stored before are compared with those it matches now. A matched sentence
//! that was rewritten, added or removed, or a watched term that was not there before,
//! is a revision; the alert says which sentence changed (before and after).

use serde::{Deserialize, Serialize};

use super::alert::{alert_id, truncate_words, MATCHES_MAX};
use crate::feeds::article::hex_digest;
use crate::feeds::Article;
use crate::watch::{Field, Hit};

/// Longest `before` / `after` sentence a revision carries, in characters.
pub const SENTENCE_MAX_CHARS: usize = 500;

/// Two sentences at least this alike (Jaccard index of their lower-cased words) are one
/// sentence rewritten rather than one removed and another added.
const REWRITE_SIMILARITY: f64 = 0.3;

/// What changed in a revised story: one changed sentence, and the terms new to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Revision {
    /// The field the sentence is in: `title`, `summary`, `content` or `article`.
    pub field: String,
    /// The sentence as it read in the version alerted before; `None` for a new sentence.
    pub before: Option<String>,
    /// The sentence as it reads now; `None` when it was removed.
    pub after: Option<String>,
    /// Watched terms that match now and did not before (as written in the watchlist).
    pub new_terms: Vec<String>,
}

impl Revision {
    /// The once-per-change key of this revision of the story alerted as `original`: a
    /// second poll (or a restart) that finds the same change queues nothing new.
    pub fn story_key(&self, original: &str) -> String {
        let text = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.field,
            self.before.as_deref().unwrap_or(""),
            self.after.as_deref().unwrap_or(""),
            self.new_terms.join("\u{1e}")
        );
        format!("revision:{original}:{}", hex_digest(text.as_bytes(), 16))
    }

    /// The id of the revision alert of `watchlist` for this change of `original`.
    pub fn alert_id(&self, watchlist: &str, original: &str) -> String {
        alert_id(watchlist, &self.story_key(original))
    }
}

/// A version of a story and the hits one watchlist has in it.
pub struct Version<'a> {
    /// The article text.
    pub article: &'a Article,
    /// The watchlist's hits in it (empty when it does not match).
    pub hits: &'a [Hit],
}

/// The revision between `old` and `new` for one watchlist, or `None` when no matched
/// sentence changed and no term is new. A matched sentence is a sentence (split at `.`,
/// `!`, `?`, `。` and line breaks) holding the matched text of one of the hits in its field.
pub fn compare(old: &Version<'_>, new: &Version<'_>) -> Option<Revision> {
    let new_terms: Vec<String> = terms(new.hits)
        .into_iter()
        .filter(|t| !terms(old.hits).contains(t))
        .take(MATCHES_MAX)
        .collect();
    let change = FIELDS.iter().find_map(|&f| field_change(old, new, f));
    let (field, before, after) = match change {
        Some(c) => c,
        None => {
            let first = new_terms.first()?;
            let hit = new.hits.iter().find(|h| &h.term == first)?;
            let now = matched_sentences(text_of(new.article, hit.field), new.hits, hit.field);
            (hit.field, None, now.into_iter().next())
        }
    };
    let cut = |s: Option<String>| s.map(|s| truncate_words(&s, SENTENCE_MAX_CHARS));
    Some(Revision {
        field: field.as_str().to_string(),
        before: cut(before),
        after: cut(after),
        new_terms,
    })
}

/// The fields whose sentences are compared, in the order a change is reported.
const FIELDS: [Field; 4] = [Field::Title, Field::Summary, Field::Content, Field::Article];

type Change = (Field, Option<String>, Option<String>);

/// The first changed matched sentence of `field`: a sentence matched now that the old
/// text did not have (paired with the old sentence it rewrote, if any), else a sentence
/// matched before that the new text no longer has (paired with its rewrite, if any).
fn field_change(old: &Version<'_>, new: &Version<'_>, field: Field) -> Option<Change> {
    let old_all = sentences(text_of(old.article, field));
    let new_all = sentences(text_of(new.article, field));
    let old_matched = matched_sentences(text_of(old.article, field), old.hits, field);
    let new_matched = matched_sentences(text_of(new.article, field), new.hits, field);
    let removed: Vec<&String> = old_matched
        .iter()
        .filter(|s| !new_all.contains(s))
        .collect();
    let gone: Vec<&String> = old_all.iter().filter(|s| !new_all.contains(s)).collect();
    if let Some(added) = new_matched.iter().find(|s| !old_all.contains(s)) {
        let before = most_similar(added, removed.iter().copied().chain(gone.iter().copied()));
        return Some((field, before, Some(added.clone())));
    }
    let removed = removed.first()?;
    let fresh: Vec<&String> = new_all.iter().filter(|s| !old_all.contains(s)).collect();
    let after = most_similar(removed, fresh.into_iter());
    Some((field, Some((*removed).clone()), after))
}

/// The terms of `hits`, each once, in order.
fn terms(hits: &[Hit]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for h in hits {
        if !out.contains(&h.term) {
            out.push(h.term.clone());
        }
    }
    out
}

fn text_of(article: &Article, field: Field) -> &str {
    match field {
        Field::Title => &article.title,
        Field::Summary => &article.summary,
        Field::Content => &article.content,
        Field::Article => &article.article,
        Field::Author => &article.author,
        Field::Category => &article.category,
        Field::Url => article.url.as_deref().unwrap_or(""),
    }
}

/// The sentences of `text` holding the matched text of a hit of `field` (compared
/// without case).
fn matched_sentences(text: &str, hits: &[Hit], field: Field) -> Vec<String> {
    let needles: Vec<String> = hits
        .iter()
        .filter(|h| h.field == field && !h.matched.trim().is_empty())
        .map(|h| h.matched.to_lowercase())
        .collect();
    if needles.is_empty() {
        return Vec::new();
    }
    sentences(text)
        .into_iter()
        .filter(|s| {
            let lower = s.to_lowercase();
            needles.iter().any(|n| lower.contains(n.as_str()))
        })
        .collect()
}

/// `text` split into sentences, whitespace collapsed, empty ones dropped.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let ends = match c {
            '\n' | '。' | '！' | '？' => true,
            '.' | '!' | '?' => chars.peek().is_none_or(|n| n.is_whitespace()),
            _ => false,
        };
        if c != '\n' {
            current.push(c);
        }
        if ends {
            push_sentence(&mut out, &current);
            current.clear();
        }
    }
    push_sentence(&mut out, &current);
    out
}

fn push_sentence(out: &mut Vec<String>, raw: &str) {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if !s.is_empty() {
        out.push(s);
    }
}

/// The candidate most like `sentence`, when it is alike enough to be its rewrite.
fn most_similar<'a>(
    sentence: &str,
    candidates: impl Iterator<Item = &'a String>,
) -> Option<String> {
    let words = word_set(sentence);
    candidates
        .map(|c| (similarity(&words, &word_set(c)), c))
        .filter(|(sim, _)| *sim >= REWRITE_SIMILARITY)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.clone())
}

fn word_set(s: &str) -> std::collections::HashSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn similarity(a: &std::collections::HashSet<String>, b: &std::collections::HashSet<String>) -> f64 {
    let union = a.union(b).count();
    match union {
        0 => 0.0,
        n => a.intersection(b).count() as f64 / n as f64,
    }
}

#[cfg(test)]
#[path = "revision_tests.rs"]
mod tests;
