//! Page stage, pure part: an article page's bytes → its readable text. Readability
//! (`dom_smoothie`) picks the article's element; our [`html_to_text`] turns that element's
//! HTML into the same plain text feeds get. No network, no JavaScript, no state.

use crate::feeds::encoding::{charset_param, to_utf8};
use crate::feeds::html::{html_to_text, looks_like_html};

/// Pages with more elements than this are refused rather than scored (bounded CPU).
pub const MAX_ELEMENTS: usize = 60_000;

/// Readable text shorter than this (in characters) is not an article.
pub const MIN_TEXT: usize = 80;

/// Text shorter than this that speaks of cookies, consent or subscriptions is taken for a
/// consent wall or paywall rather than the article.
const WALL_TEXT: usize = 1_200;

/// Words that, in a short page, mark a consent wall or paywall (matched lower-case).
const WALL_MARKERS: &[&str] = &[
    "accept cookies",
    "accept all cookies",
    "cookie consent",
    "consent to the use",
    "manage your privacy",
    "we value your privacy",
    "subscribe to continue",
    "subscribe to read",
    "subscribers only",
    "for subscribers",
    "already a subscriber",
    "to continue reading",
    "sign in to continue",
    "log in to continue",
    "create a free account to",
];

/// Why a page gave no readable text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The response is not an HTML page (by Content-Type, or by a sniff without one).
    #[error("not an HTML page (Content-Type '{0}')")]
    NotHtml(String),
    /// The page has more elements than [`MAX_ELEMENTS`].
    #[error("page too complex: more than {MAX_ELEMENTS} elements")]
    TooComplex,
    /// Readability found no article element.
    #[error("no readable article text found")]
    NoArticle,
    /// The readable text is a cookie/consent wall or a paywall.
    #[error("consent or paywall page ('{0}')")]
    Wall(&'static str),
    /// Too little text to be the article.
    #[error("too little readable text ({0} characters; at least {MIN_TEXT} expected)")]
    TooShort(usize),
}

/// What a page yielded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// The page's title as readability saw it.
    pub title: String,
    /// The article's readable text, plain (as [`html_to_text`] gives it).
    pub text: String,
}

/// Extracts the readable text of a page. `content_type` is the response's header, `url`
/// the page's address after redirects (for readability's link handling).
pub fn extract_page(
    bytes: &[u8],
    content_type: Option<&str>,
    url: Option<&str>,
) -> Result<Extracted, ExtractError> {
    let html = decode_html(bytes, content_type)?;
    extract_html(&html, url)
}

/// The page as UTF-8 text, when it is HTML: `text/html` or `application/xhtml+xml`, or
/// no Content-Type and a body that sniffs as HTML.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> Result<String, ExtractError> {
    let mime = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let charset = content_type.and_then(charset_param);
    let text = String::from_utf8_lossy(&to_utf8(bytes, charset)).into_owned();
    let is_html = match mime.as_str() {
        "text/html" | "application/xhtml+xml" => true,
        "" => looks_like_html(&text),
        _ => false,
    };
    match is_html {
        true => Ok(text),
        false => Err(ExtractError::NotHtml(
            content_type.unwrap_or("none").chars().take(80).collect(),
        )),
    }
}

/// Extracts the readable text from an HTML page already decoded.
pub fn extract_html(html: &str, url: Option<&str>) -> Result<Extracted, ExtractError> {
    // The crate's own candidate selection: on the bundled pages it finds GitHub's README
    // where Readability.js's picks the site header, and agrees on the others.
    let cfg = dom_smoothie::Config {
        max_elements_to_parse: MAX_ELEMENTS,
        candidate_select_mode: dom_smoothie::CandidateSelectMode::DomSmoothie,
        ..dom_smoothie::Config::default()
    };
    // A URL readability cannot use (relative, odd) only costs link resolution.
    let url = url.filter(|u| url::Url::parse(u).is_ok());
    let mut reader = dom_smoothie::Readability::new(html, url, Some(cfg.clone()))
        .or_else(|_| dom_smoothie::Readability::new(html, None, Some(cfg)))
        .map_err(|_| ExtractError::NoArticle)?;
    let article = reader.parse().map_err(|e| match e {
        dom_smoothie::ReadabilityError::TooManyElements(..) => ExtractError::TooComplex,
        _ => ExtractError::NoArticle,
    })?;
    let text = html_to_text(&article.content);
    judge(&text)?;
    Ok(Extracted {
        title: article.title,
        text,
    })
}

/// Refuses text that is too short to be an article, or a consent wall or paywall.
fn judge(text: &str) -> Result<(), ExtractError> {
    let chars = text.chars().count();
    if chars < WALL_TEXT {
        let lower = text.to_lowercase();
        if let Some(m) = WALL_MARKERS.iter().find(|m| lower.contains(*m)) {
            return Err(ExtractError::Wall(m));
        }
    }
    match chars < MIN_TEXT {
        true => Err(ExtractError::TooShort(chars)),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_html_is_refused_by_type_or_sniff() {
        let pdf = extract_page(b"%PDF-1.7 ...", Some("application/pdf"), None);
        assert_eq!(pdf, Err(ExtractError::NotHtml("application/pdf".into())));
        let json = extract_page(b"{\"a\": 1}", None, None);
        assert_eq!(json, Err(ExtractError::NotHtml("none".into())));
    }

    #[test]
    fn a_consent_wall_is_named() {
        let page = "<html><body><div id=main><h1>Before you continue</h1><p>We use \
                    cookies. Please accept cookies to keep reading this site and its \
                    news. Manage your choices below.</p></div></body></html>";
        let got = extract_html(page, Some("https://news.example/a"));
        assert_eq!(got, Err(ExtractError::Wall("accept cookies")));
    }

    #[test]
    fn an_empty_page_is_too_short_or_has_no_article() {
        let got = extract_html("<html><body><p>Hi.</p></body></html>", None);
        assert!(
            matches!(
                got,
                Err(ExtractError::TooShort(_) | ExtractError::NoArticle)
            ),
            "{got:?}"
        );
    }
}
