//! Watch stage, public data: the watchlist specs that go in and the matches that come out.

use serde::{Deserialize, Serialize};

/// One watchlist as configured: who and what to look for, and when an article counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchlistSpec {
    /// The watchlist's name, as shown in alerts.
    pub name: String,
    /// People to watch; each matches on its name or any alias.
    pub people: Vec<PersonSpec>,
    /// Words or phrases to watch; a trailing `*` makes the last word a prefix.
    pub keywords: Vec<String>,
    /// Terms that veto a match when they occur in any field.
    pub exclude: Vec<String>,
    /// Which kinds of term must occur (ignored when `query` is set).
    pub require: Require,
    /// A boolean query that replaces `require` and `keywords` when set.
    pub query: Option<String>,
}

/// A watched person: a canonical name plus the other ways articles refer to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonSpec {
    /// The canonical name, reported as the hit's term.
    pub name: String,
    /// Other names that count as this person (titles, transliterations, nicknames).
    pub aliases: Vec<String>,
    /// Shorter names (a surname) that count only after the name or an alias occurred
    /// earlier in the same article; they never make the person occur by themselves.
    pub short_forms: Vec<String>,
}

/// Which kinds of term must occur for a watchlist without a query to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Require {
    /// Any person or keyword.
    #[default]
    Any,
    /// Any person.
    Person,
    /// Any keyword.
    Keyword,
    /// At least one person and at least one keyword.
    PersonAndKeyword,
}

/// The plain-text parts of an article (HTML already removed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Document<'a> {
    /// The headline.
    pub title: &'a str,
    /// The feed's summary or description.
    pub summary: &'a str,
    /// The full body, when known.
    pub content: &'a str,
    /// The readable text fetched from the article's page (`full_text`), empty when not
    /// fetched.
    pub article: &'a str,
    /// The authors' names, when the feed gives them (only `author:` terms look here).
    pub author: &'a str,
    /// The categories (tags), when the feed gives them (only `category:` terms).
    pub category: &'a str,
    /// The article's link (only `url:` terms).
    pub url: &'a str,
}

/// The part of a document a hit was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The headline.
    Title,
    /// The summary.
    Summary,
    /// The body.
    Content,
    /// The readable text of the article's page, fetched for feeds with `full_text`.
    Article,
    /// The authors.
    Author,
    /// The categories.
    Category,
    /// The link.
    Url,
}

impl Field {
    /// The field's name as users write it: `title`, `summary`, `content`, `article`,
    /// `author`, `category` or `url`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Summary => "summary",
            Field::Content => "content",
            Field::Article => "article",
            Field::Author => "author",
            Field::Category => "category",
            Field::Url => "url",
        }
    }

    /// All fields, in reporting order.
    pub(crate) const ALL: [Field; 7] = [
        Field::Title,
        Field::Summary,
        Field::Content,
        Field::Article,
        Field::Author,
        Field::Category,
        Field::Url,
    ];

    /// How many fields a document has.
    pub(crate) const COUNT: usize = Field::ALL.len();

    /// The fields unscoped terms are looked for in (title, summary, content, article), as
    /// a count of [`Field::ALL`]'s first entries.
    pub(crate) const TEXT_COUNT: usize = 4;

    /// The field's position in [`Field::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// Whether a hit is a watched person or a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TermKind {
    /// A person, matched by name or alias.
    Person,
    /// A keyword, phrase or prefix.
    Keyword,
}

/// One watched term found in one field of an article, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The term as written in the watchlist (a person's canonical name, even for an alias hit).
    pub term: String,
    /// Person or keyword.
    pub kind: TermKind,
    /// The first occurrence as it appears in the article (original characters).
    pub matched: String,
    /// The field it was found in.
    pub field: Field,
    /// How many times the term occurs in this field.
    pub count: usize,
    /// About 160 characters of original text around the first occurrence, hit in `[ ]`.
    pub snippet: String,
}

/// A watchlist that matched a document, with one hit per (term, field).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchlistMatch {
    /// Index of the watchlist in the specs given to [`compile`](super::compile).
    pub watchlist: usize,
    /// Hits ordered by field (title, summary, content), then first position.
    pub hits: Vec<Hit>,
}

/// A problem in one watchlist spec, located by a key relative to the watchlist.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct CompileError {
    /// Index of the offending watchlist in the specs given to [`compile`](super::compile).
    pub watchlist: usize,
    /// Relative key, e.g. `query`, `keywords[2]`, `person[1].aliases[0]`.
    pub key: String,
    /// What is wrong, lowercase.
    pub message: String,
}

/// Something in a watchlist spec that compiles but probably does not do what it says
/// (a lower-case `and` in a query), located like a [`CompileError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileWarning {
    /// Index of the watchlist in the specs given to [`compile`](super::compile).
    pub watchlist: usize,
    /// Relative key, e.g. `query`.
    pub key: String,
    /// What looks wrong and how to say it instead.
    pub message: String,
}
