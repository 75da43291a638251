//! The rule tester: a query or a keyword list typed into the desk, compiled by the
//! matcher as one watchlist (optionally with a configured watchlist's people, excludes,
//! requirement and feeds) and run over the newest stored articles the way `backtest`
//! runs the configured ones ([`crate::backtest::fires_in`]), one finding per story, the
//! hits marked with the desk's highlighting. Bounded: rule size, articles scanned, time.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use super::highlight::{highlight, Marked};
use super::query::{SearchQuery, Term};
use crate::backtest::{fires_in, first_of_story};
use crate::config::Config;
use crate::feeds::Article;
use crate::watch::{compile, normalise, Field, Hit, Matcher, WatchlistSpec};

/// Longest query, and longest keyword list (all lines), in characters.
pub const RULE_MAX_CHARS: usize = 2000;
/// Most keywords in a list.
pub const RULE_MAX_KEYWORDS: usize = 200;
/// Most stored articles one test scans (the newest).
pub const SCAN_MAX: usize = 10_000;
/// Most matching articles one test returns (all are counted).
pub const RESULTS_MAX: usize = 200;
/// Longest a test matches before it stops and says so.
pub const TIME_MAX: Duration = Duration::from_secs(3);

/// What the person typed.
#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    /// A query in the watchlist query language (wins over `keywords` when both are set).
    pub query: String,
    /// Keywords, one per line.
    pub keywords: String,
    /// A configured watchlist whose other settings the rule takes.
    pub watchlist: Option<String>,
}

/// Why a rule could not be tested; the message names the line or column at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Neither a query nor a keyword.
    #[error("type a query or at least one keyword")]
    Empty,
    /// Over [`RULE_MAX_CHARS`].
    #[error("the rule is longer than {RULE_MAX_CHARS} characters")]
    TooLong,
    /// Over [`RULE_MAX_KEYWORDS`].
    #[error("more than {RULE_MAX_KEYWORDS} keywords")]
    TooManyKeywords,
    /// The named watchlist is not configured.
    #[error("no watchlist named '{0}' in the config")]
    NoWatchlist(String),
    /// The matcher refused the rule.
    #[error("{}", .0.join("; "))]
    Compile(Vec<String>),
}

/// A rule ready to run: the spec and its compiled matcher.
pub struct Rule {
    /// The rule as one watchlist.
    pub spec: WatchlistSpec,
    /// The feeds it looks at (`None`: all), from the chosen watchlist.
    pub feeds: Option<BTreeSet<String>>,
    /// The chosen watchlist's severity.
    pub severity: Option<String>,
    matcher: Matcher,
}

/// One story the rule fires on.
#[derive(Debug, Clone)]
pub struct RuleMatch {
    /// Its newest stored copy.
    pub article: Article,
    /// Why it fires.
    pub hits: Vec<Hit>,
    /// The title, hits marked.
    pub title: Marked,
    /// Text around the first hit outside the title, hits marked.
    pub snippet: Marked,
}

/// What a test found.
#[derive(Debug, Clone, Default)]
pub struct RuleRun {
    /// Articles matched against the rule.
    pub scanned: usize,
    /// Stories the rule fires on (all of them, also past [`RESULTS_MAX`]).
    pub matched: usize,
    /// The first [`RESULTS_MAX`] of them, newest first.
    pub results: Vec<RuleMatch>,
    /// Whether the time limit stopped the scan before the last article.
    pub timed_out: bool,
}

impl Rule {
    /// The rule `input` describes, compiled; `config` names the watchlists to start from.
    pub fn new(config: &Config, input: &RuleInput) -> Result<Rule, RuleError> {
        let base = match input.watchlist.as_deref().filter(|w| !w.is_empty()) {
            None => None,
            Some(name) => Some(
                config
                    .watchlists
                    .iter()
                    .position(|w| w.name == name)
                    .ok_or_else(|| RuleError::NoWatchlist(name.to_string()))?,
            ),
        };
        let mut spec = base.map_or_else(Default::default, |i| config.specs[i].clone());
        if base.is_none() {
            spec.name = "new-watchlist".into();
        }
        fill(&mut spec, input)?;
        let matcher = compile(std::slice::from_ref(&spec)).map_err(|errors| {
            RuleError::Compile(errors.iter().map(|e| located(&e.key, &e.message)).collect())
        })?;
        let routing = base.map(|i| &config.watchlists[i]);
        Ok(Rule {
            spec,
            feeds: routing.and_then(|w| w.feeds.clone()),
            severity: routing.and_then(|w| w.severity.clone()),
            matcher,
        })
    }

    /// Runs the rule over `articles` (newest first) until `deadline`.
    pub fn run(&self, articles: &[Article], deadline: Instant) -> RuleRun {
        let mut run = RuleRun::default();
        let mut seen = HashSet::new();
        let applies = |feed: &str| self.feeds.as_ref().is_none_or(|f| f.contains(feed));
        for article in articles {
            if Instant::now() >= deadline {
                run.timed_out = true;
                break;
            }
            run.scanned += 1;
            if !applies(&article.feed) {
                continue;
            }
            let Some((_, hits)) = fires_in(&self.matcher, article, &|_| true).pop() else {
                continue;
            };
            if !first_of_story(&mut seen, (), article) {
                continue;
            }
            run.matched += 1;
            if run.results.len() < RESULTS_MAX {
                run.results.push(marked_match(article, hits));
            }
        }
        run
    }
}

/// Sets the query or keywords of `spec` from `input`, checking their size.
fn fill(spec: &mut WatchlistSpec, input: &RuleInput) -> Result<(), RuleError> {
    let query = input.query.trim();
    if query.chars().count() > RULE_MAX_CHARS || input.keywords.chars().count() > RULE_MAX_CHARS {
        return Err(RuleError::TooLong);
    }
    if !query.is_empty() {
        spec.query = Some(query.to_string());
        return Ok(());
    }
    let keywords: Vec<String> = input
        .keywords
        .lines()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    if keywords.is_empty() {
        return Err(RuleError::Empty);
    }
    if keywords.len() > RULE_MAX_KEYWORDS {
        return Err(RuleError::TooManyKeywords);
    }
    spec.query = None;
    spec.keywords = keywords;
    Ok(())
}

/// A compile error located for the person who typed the rule: `query: … at column 7`,
/// `keyword line 3: …`, or the chosen watchlist's own key.
fn located(key: &str, message: &str) -> String {
    let line = key
        .strip_prefix("keywords[")
        .and_then(|k| k.strip_suffix(']'))
        .and_then(|i| i.parse::<usize>().ok());
    match line {
        Some(i) => format!("keyword line {}: {message}", i + 1),
        None => format!("{key}: {message}"),
    }
}

/// The match with its title and snippet marked where the hits are.
fn marked_match(article: &Article, hits: Vec<Hit>) -> RuleMatch {
    let query = hit_query(&hits);
    let field = hits.iter().map(|h| h.field).find(|&f| f != Field::Title);
    let text = match field {
        Some(Field::Content) => article.content.as_str(),
        Some(Field::Article) => article.article.as_str(),
        Some(Field::Url) => article.url.as_deref().unwrap_or(""),
        _ => article.summary.as_str(),
    };
    RuleMatch {
        title: highlight(&article.title, &query, false),
        snippet: highlight(text.trim(), &query, true),
        article: article.clone(),
        hits,
    }
}

/// The hits as a search query for the highlighter: each term as written (a trailing `*`
/// a prefix) and each first occurrence as found.
fn hit_query(hits: &[Hit]) -> SearchQuery {
    let mut terms = Vec::new();
    for h in hits {
        for (text, prefix) in [
            (h.term.as_str(), h.term.ends_with('*')),
            (&h.matched, false),
        ] {
            let words: Vec<String> = normalise(text.trim_end_matches('*'))
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            let term = Term { words, prefix };
            if !term.words.is_empty() && !terms.contains(&term) {
                terms.push(term);
            }
        }
    }
    // Longer terms first, so a phrase is marked whole rather than its first word alone.
    terms.sort_by_key(|t| std::cmp::Reverse(t.words.len()));
    SearchQuery { terms }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::TermKind;

    #[test]
    fn errors_name_the_keyword_line_or_the_key() {
        assert_eq!(located("keywords[2]", "empty"), "keyword line 3: empty");
        assert_eq!(
            located("query", "unexpected ')' at column 4"),
            "query: unexpected ')' at column 4"
        );
    }

    #[test]
    fn hits_mark_the_term_as_written_and_as_found() {
        let hit = |term: &str, matched: &str| Hit {
            term: term.into(),
            kind: TermKind::Keyword,
            matched: matched.into(),
            field: Field::Summary,
            count: 1,
            snippet: String::new(),
        };
        let q = hit_query(&[hit("declin*", "declined"), hit("Li Shangfu", "李尚福")]);
        let text = "Li Shangfu declined; 李尚福 was declining";
        let marks: Vec<String> = highlight(text, &q, false)
            .into_iter()
            .filter(|(_, h)| *h)
            .map(|(s, _)| s)
            .collect();
        assert_eq!(marks, ["Li Shangfu", "declined", "李尚福", "declining"]);
    }
}
