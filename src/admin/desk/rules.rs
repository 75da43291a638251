//! The rule tester at `/rules` and `GET /api/v1/rules/test`: a query or keyword list
//! run over the newest stored articles ([`crate::desk::rules`]), the hits marked, the
//! count, and the `[[watchlist]]` table to paste. A rule that does not compile is an
//! answer naming the column or line, never a server error.

use std::fmt::Write as _;
use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::layout::{attr, esc, link, marked, page, Tab};
use super::{pieces, Piece};
use crate::admin::api::{error, ApiError};
use crate::admin::DeskState;
use crate::desk::filter::time;
use crate::desk::rules::{
    Rule, RuleError, RuleInput, RuleMatch, RuleRun, RULE_MAX_CHARS, SCAN_MAX, TIME_MAX,
};
use crate::store::{ago, rfc3339};

/// Most results the page shows, and the API's default.
const SHOWN: usize = 50;

/// The rule tester's parameters, all optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuleParams {
    /// A query in the watchlist query language; wins over `keywords`.
    #[param(max_length = 2000)]
    pub q: Option<String>,
    /// Keywords, one per line (words, phrases, a trailing `*` for a prefix).
    #[param(max_length = 2000)]
    pub keywords: Option<String>,
    /// A configured watchlist whose people, excludes, requirement and feeds the rule takes.
    #[param(max_length = 1000)]
    pub watchlist: Option<String>,
    /// Articles first seen at or after: RFC 3339, or a duration back from now (`7d`);
    /// default: the retention window.
    #[param(
        pattern = r"^(|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z|0|[1-9][0-9]{0,4}(s|m|h|d))$"
    )]
    pub since: Option<String>,
    /// Most matching articles listed (1–200, default 50); all are counted.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

/// A hit of the tested rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleHit {
    /// The term as written (a person's name for an alias hit).
    pub term: String,
    /// `person` or `keyword`.
    pub kind: String,
    /// The field: `title`, `summary`, `content`, `article` or `url`.
    pub field: String,
    /// Occurrences in that field.
    pub count: usize,
    /// The first occurrence as written in the article.
    pub matched: String,
}

/// A stored article the rule fires on (one per story).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleArticle {
    /// Feed.
    pub feed: String,
    /// Article id.
    pub id: String,
    /// Link.
    pub url: Option<String>,
    /// Published (RFC 3339), when the feed says.
    pub published: Option<String>,
    /// The title, hits marked.
    pub title: Vec<Piece>,
    /// Text around the first hit, hits marked.
    pub snippet: Vec<Piece>,
    /// Why it fires.
    pub hits: Vec<RuleHit>,
}

/// What the rule would match.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleTestResult {
    /// The window's start: articles first seen since (RFC 3339).
    pub since: String,
    /// Articles the rule was run over (the newest first).
    pub scanned: usize,
    /// Whether the window holds more articles than one test scans (only the newest were).
    pub capped: bool,
    /// Whether the time limit stopped the scan early.
    pub timed_out: bool,
    /// Stories the rule fires on among those scanned.
    pub matched: usize,
    /// The first of them, newest first.
    pub results: Vec<RuleArticle>,
    /// The rule as a `[[watchlist]]` table to paste into the config (empty with errors).
    pub config: String,
    /// Why the rule could not be tested (it does not compile: the column or keyword line
    /// named; no query or keyword; no such watchlist); empty when it was.
    pub errors: Vec<String>,
}

/// Why a test gave no result: the input (400) or the state (500).
enum Failure {
    Input(String),
    State(Response),
}

/// Longest `watchlist` parameter, in characters.
const NAME_MAX_CHARS: usize = 1000;

/// The parameters' bounds as the document states them, checked as sent.
fn check_params(p: &RuleParams) -> Result<usize, Failure> {
    let limit = p.limit.unwrap_or(SHOWN);
    if limit == 0 || limit > 200 {
        return Err(Failure::Input("parameter 'limit': must be 1 to 200".into()));
    }
    let chars = |v: &Option<String>| v.as_deref().map_or(0, |v| v.chars().count());
    for (name, v, max) in [
        ("q", &p.q, RULE_MAX_CHARS),
        ("keywords", &p.keywords, RULE_MAX_CHARS),
        ("watchlist", &p.watchlist, NAME_MAX_CHARS),
    ] {
        if chars(v) > max {
            let m = format!("parameter '{name}': longer than {max} characters");
            return Err(Failure::Input(m));
        }
    }
    Ok(limit)
}

/// Runs the test `p` describes; a rule that cannot be tested is a result with `errors`.
async fn run_test(s: &DeskState, p: &RuleParams) -> Result<RuleTestResult, Failure> {
    let limit = check_params(p)?;
    let config = s.monitor.config();
    let now = Utc::now();
    let since = match time("since", &p.since, now).map_err(|e| Failure::Input(e.to_string()))? {
        Some(t) => DateTime::parse_from_rfc3339(&t).map_or(now, |t| t.with_timezone(&Utc)),
        None => ago(config.daemon.retention),
    };
    let input = RuleInput {
        query: p.q.clone().unwrap_or_default(),
        keywords: p.keywords.clone().unwrap_or_default(),
        watchlist: p.watchlist.clone(),
    };
    let rule = match Rule::new(&config, &input) {
        Ok(rule) => rule,
        Err(e) => return Ok(refused(e, rfc3339(since))),
    };
    let mut articles = s
        .store()
        .newest_articles(since, SCAN_MAX + 1)
        .await
        .map_err(|e| Failure::State(crate::admin::internal(&e)))?;
    let capped = articles.len() > SCAN_MAX;
    articles.truncate(SCAN_MAX);
    let deadline = Instant::now() + TIME_MAX;
    let (rule, run) = tokio::task::spawn_blocking(move || {
        let run = rule.run(&articles, deadline);
        (rule, run)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "rule tester: the test task failed");
        Failure::State(
            (StatusCode::INTERNAL_SERVER_ERROR, "the rule test failed\n").into_response(),
        )
    })?;
    Ok(result(&rule, run, rfc3339(since), capped, limit))
}

fn result(rule: &Rule, run: RuleRun, since: String, capped: bool, limit: usize) -> RuleTestResult {
    RuleTestResult {
        since,
        scanned: run.scanned,
        capped,
        timed_out: run.timed_out,
        matched: run.matched,
        results: run.results.into_iter().take(limit).map(article).collect(),
        config: rule.config_snippet(),
        errors: Vec::new(),
    }
}

/// The answer for a rule that could not be tested.
fn refused(e: RuleError, since: String) -> RuleTestResult {
    let errors = match e {
        RuleError::Compile(errors) => errors,
        other => vec![other.to_string()],
    };
    RuleTestResult {
        since,
        scanned: 0,
        capped: false,
        timed_out: false,
        matched: 0,
        results: Vec::new(),
        config: String::new(),
        errors,
    }
}

fn article(m: RuleMatch) -> RuleArticle {
    RuleArticle {
        hits: m
            .hits
            .iter()
            .map(|h| RuleHit {
                term: h.term.clone(),
                kind: format!("{:?}", h.kind).to_lowercase(),
                field: h.field.as_str().to_string(),
                count: h.count,
                matched: h.matched.clone(),
            })
            .collect(),
        feed: m.article.feed,
        id: m.article.id.0,
        url: m.article.url,
        published: m.article.published.or(m.article.updated).map(rfc3339),
        title: pieces(m.title),
        snippet: pieces(m.snippet),
    }
}

/// Which stored articles a rule would match, with the hits marked and the config to paste.
/// A rule that does not compile is answered 200 with `errors` naming the column.
#[utoipa::path(get, path = "/api/v1/rules/test", params(RuleParams),
    responses((status = 200, body = RuleTestResult), (status = 400, body = ApiError)))]
pub async fn api_test_rule(
    State(s): State<DeskState>,
    p: Result<Query<RuleParams>, QueryRejection>,
) -> Response {
    let Query(p) = match p {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.body_text()),
    };
    match run_test(&s, &p).await {
        Ok(r) => Json(r).into_response(),
        Err(Failure::Input(m)) => error(StatusCode::BAD_REQUEST, m),
        Err(Failure::State(r)) => r,
    }
}

/// `GET /rules`: the rule tester's form and, once a rule is given, what it matches.
pub async fn rules_page(
    State(s): State<DeskState>,
    headers: HeaderMap,
    p: Result<Query<RuleParams>, QueryRejection>,
) -> Response {
    let signed_in = s.access.session_ok(&headers);
    let (p, bad) = match p {
        Ok(Query(p)) => (p, None),
        Err(e) => (RuleParams::default(), Some(e.body_text())),
    };
    let names: Vec<String> = s
        .monitor
        .config()
        .watchlists
        .iter()
        .map(|w| w.name.clone())
        .collect();
    let mut body = form(&p, &names);
    let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    if let Some(e) = bad {
        notice_error(&e, &mut body);
    } else if given(&p.q) || given(&p.keywords) {
        match run_test(&s, &RuleParams { limit: None, ..p }).await {
            Ok(r) if !r.errors.is_empty() => notice_error(&r.errors.join("; "), &mut body),
            Ok(r) => results(&r, &mut body),
            Err(Failure::Input(e)) => notice_error(&e, &mut body),
            Err(Failure::State(r)) => return r,
        }
    }
    page("Rule tester", Tab::Rules, signed_in, &body)
}

fn notice_error(e: &str, out: &mut String) {
    let _ = write!(out, "<p class=\"notice error\">{}</p>", esc(e));
}

fn form(p: &RuleParams, names: &[String]) -> String {
    let v = |o: &Option<String>| attr(o.as_deref().unwrap_or("")).into_owned();
    let mut out = format!(
        "<form class=\"rules\" method=\"get\" action=\"/rules\">\
         <label><span>Query in the watchlist query language, e.g. <code>@\"Li Shangfu\" AND declin*</code></span>\
         <input name=\"q\" value=\"{}\" maxlength=\"2000\" dir=\"auto\" autofocus></label>\
         <label>or keywords, one per line<textarea name=\"keywords\" rows=\"4\" maxlength=\"2000\" dir=\"auto\">{}</textarea></label>\
         <div class=\"filters\"><label>With the people, excludes and feeds of<select name=\"watchlist\"><option value=\"\">no watchlist</option>",
        v(&p.q),
        esc(p.keywords.as_deref().unwrap_or(""))
    );
    for n in names {
        let sel = if p.watchlist.as_deref() == Some(n) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<option value=\"{0}\"{sel}>{1}</option>",
            attr(n),
            esc(n)
        );
    }
    let _ = writeln!(
        out,
        "</select></label><label>Articles first seen since (7d, RFC 3339; default: retention)\
         <input name=\"since\" value=\"{}\" size=\"14\"></label><button>Test</button></div></form>",
        v(&p.since)
    );
    out
}

fn results(r: &RuleTestResult, out: &mut String) {
    let _ = write!(
        out,
        "<p class=\"notice\" id=\"rule-count\"><b>{}</b> stor{} match, of {} stored articles first seen since {}.",
        r.matched,
        if r.matched == 1 { "y would" } else { "ies would" },
        r.scanned,
        esc(&r.since)
    );
    if r.capped {
        let _ = write!(out, " Only the newest {SCAN_MAX} articles were tested: narrow the window with <i>since</i> to see older ones.");
    }
    if r.timed_out {
        let _ = write!(
            out,
            " The test stopped at its time limit ({} s) before the older articles.",
            TIME_MAX.as_secs()
        );
    }
    if r.matched > r.results.len() {
        let _ = write!(out, " Showing the newest {}.", r.results.len());
    }
    out.push_str("</p>\n");
    for a in &r.results {
        card(a, out);
    }
    let _ = write!(
        out,
        "<h2>Config to paste</h2><pre class=\"card\" id=\"rule-config\">{}</pre>",
        esc(&r.config)
    );
}

fn card(a: &RuleArticle, out: &mut String) {
    let m = |ps: &[Piece]| -> crate::desk::Marked {
        ps.iter().map(|p| (p.text.clone(), p.hit)).collect()
    };
    let hits: Vec<String> = a
        .hits
        .iter()
        .map(|h| format!("{} in {} ×{}", esc(&h.term), h.field, h.count))
        .collect();
    let _ = writeln!(
        out,
        "<article class=\"card rule-hit\"><h3>{}</h3><div class=\"meta\">{} · {} · {}</div><div dir=\"auto\">{}</div></article>",
        link(a.url.as_deref(), &marked(&m(&a.title))),
        esc(&a.feed),
        esc(a.published.as_deref().unwrap_or("undated")),
        hits.join(", "),
        marked(&m(&a.snippet))
    );
}
