//! A search query as a person types it — words, `"a phrase"`, `prefix*` — folded with
//! the matcher's folding ([`crate::watch::normalise`]: case, diacritics, width, each CJK
//! or Thai character a word of its own) and turned into an FTS5 expression over text
//! indexed in the same folded form. Every term is quoted, so no input is FTS5 syntax.

/// Longest query accepted, in characters.
pub const QUERY_MAX_CHARS: usize = 500;

/// Most terms in one query.
const MAX_TERMS: usize = 16;

/// One term: folded words that must occur in this order; `prefix` when the last word
/// may be the start of a longer one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The folded words.
    pub words: Vec<String>,
    /// Whether the last word is a prefix.
    pub prefix: bool,
}

/// A parsed query: every term must occur.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The terms.
    pub terms: Vec<Term>,
}

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Nothing to search for after folding.
    #[error("the query has no words to search for")]
    Empty,
    /// Over [`QUERY_MAX_CHARS`].
    #[error("the query is longer than {QUERY_MAX_CHARS} characters")]
    TooLong,
}

impl SearchQuery {
    /// Parses `input`: `"…"` groups a phrase, a trailing `*` marks a prefix, anything
    /// else is a word. Punctuation inside words folds to spaces (so `U.S.` is a phrase).
    pub fn parse(input: &str) -> Result<SearchQuery, QueryError> {
        if input.chars().count() > QUERY_MAX_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut terms = Vec::new();
        for (raw, quoted) in split(input) {
            let prefix = !quoted && raw.ends_with('*');
            let words: Vec<String> = crate::watch::normalise(raw.trim_end_matches('*'))
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            if !words.is_empty() && terms.len() < MAX_TERMS {
                terms.push(Term { words, prefix });
            }
        }
        if terms.is_empty() {
            return Err(QueryError::Empty);
        }
        Ok(SearchQuery { terms })
    }

    /// The FTS5 expression: each term a quoted phrase (`"a b"`), a prefix as `"a b"*`,
    /// joined by `AND`.
    pub fn fts(&self) -> String {
        self.terms
            .iter()
            .map(|t| {
                let phrase = t.words.join(" ").replace('"', "\"\"");
                if t.prefix {
                    format!("\"{phrase}\"*")
                } else {
                    format!("\"{phrase}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// One `LIKE` pattern per term (with `\\` as the escape character) over text stored
    /// by [`crate::store::desk_rules::folded_for_like`]: `% a b %` for a phrase, `% a b%`
    /// when the last word is a prefix. Every term must match, as with [`SearchQuery::fts`].
    pub fn like_patterns(&self) -> Vec<String> {
        self.terms
            .iter()
            .map(|t| {
                let phrase = t.words.join(" ");
                let escaped = phrase
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let end = if t.prefix { "%" } else { " %" };
                format!("% {escaped}{end}")
            })
            .collect()
    }
}

/// Splits `input` into `(text, quoted)` pieces: quoted phrases and whitespace-separated
/// words. An unclosed quote runs to the end.
fn split(input: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut rest = input;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return out;
        }
        if let Some(body) = rest.strip_prefix('"') {
            let end = body.find('"').unwrap_or(body.len());
            out.push((&body[..end], true));
            rest = body.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push((&rest[..end], false));
            rest = &rest[end..];
        }
    }
}

/// The form text is indexed in: the matcher's folding.
pub fn fold_for_index(text: &str) -> String {
    crate::watch::normalise(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_prefixes_fold_and_quote() {
        let q = SearchQuery::parse(r#"Zürich "Li Shangfu" defen*"#).unwrap();
        assert_eq!(q.fts(), r#""zurich" AND "li shangfu" AND "defen"*"#);
    }

    #[test]
    fn cjk_becomes_a_phrase_of_characters() {
        let q = SearchQuery::parse("李尚福").unwrap();
        assert_eq!(q.fts(), "\"李 尚 福\"");
    }

    #[test]
    fn fts_syntax_in_input_is_only_text() {
        let q = SearchQuery::parse(r#"a" OR NEAR(b) ^c"#).unwrap();
        assert_eq!(q.fts(), r#""a" AND "or" AND "near b" AND "c""#);
        assert_eq!(
            SearchQuery::parse("  ** \"\" ").unwrap_err(),
            QueryError::Empty
        );
        assert_eq!(
            SearchQuery::parse(&"x".repeat(501)).unwrap_err(),
            QueryError::TooLong
        );
    }
}
