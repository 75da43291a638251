//! Reading an OPML document with quick-xml into feeds (name, URL, folder tags) and writing
//! them as TOML. Real exports are not always well-formed: a bare `&` in an attribute is
//! taken literally, and a document that fails the strict parse is read once more after
//! [`escape_stray_quotes`] — never silently: the count of repaired values is reported.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::repair::escape_stray_quotes;

/// Largest OPML file read.
pub const OPML_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Longest feed name made from a title, in characters.
pub const NAME_MAX_CHARS: usize = 80;

/// Why a file is not usable OPML.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// The XML does not parse.
    #[error("not XML: {0}")]
    Xml(String),
    /// The document's root element is not `<opml>`.
    #[error("the root element is <{0}>, not <opml>")]
    NotOpml(String),
    /// No element at all.
    #[error("the file holds no XML element")]
    Empty,
    /// An `<opml>` without a `<body>`.
    #[error("<opml> has no <body>")]
    NoBody,
}

/// One feed found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// Unique name, from the outline's title (else text, else the URL's host).
    pub name: String,
    /// The `xmlUrl`.
    pub url: String,
    /// Slugs of the enclosing folders, outermost first.
    pub tags: Vec<String>,
}

/// An outline with an `xmlUrl` that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its title or text.
    pub title: String,
    /// The `xmlUrl` as written.
    pub url: String,
    /// Why.
    pub reason: String,
}

/// What an OPML file holds.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// Feeds, in document order.
    pub feeds: Vec<OpmlFeed>,
    /// Outlines with an `xmlUrl` that is not an http(s) URL, or repeats an earlier one.
    pub skipped: Vec<Skipped>,
    /// Attribute values whose stray quotes had to be escaped for the file to parse.
    pub repaired: usize,
}

/// Reads the feeds of an OPML document.
pub fn parse(bytes: &[u8]) -> Result<Import, OpmlError> {
    let text = String::from_utf8_lossy(bytes);
    match parse_text(&text) {
        Err(OpmlError::Xml(reason)) => {
            let (fixed, repaired) = escape_stray_quotes(&text);
            if repaired == 0 {
                return Err(OpmlError::Xml(reason));
            }
            // Still broken after the repair: report the original error, it names the spot.
            let mut import = parse_text(&fixed).map_err(|_| OpmlError::Xml(reason))?;
            import.repaired = repaired;
            Ok(import)
        }
        other => other,
    }
}

fn parse_text(text: &str) -> Result<Import, OpmlError> {
    let mut reader = Reader::from_str(text);
    let mut walk = Walk::default();
    loop {
        match reader.read_event() {
            Err(e) => {
                return Err(OpmlError::Xml(format!(
                    "{e} at byte {}",
                    reader.error_position()
                )))
            }
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => walk.open(&e, true)?,
            Ok(Event::Empty(e)) => walk.open(&e, false)?,
            Ok(Event::End(e)) => walk.close(e.local_name().as_ref()),
            Ok(_) => {}
        }
    }
    match (walk.root, walk.saw_body) {
        (None, _) => Err(OpmlError::Empty),
        (Some(_), false) => Err(OpmlError::NoBody),
        (Some(_), true) => Ok(walk.import),
    }
}

/// Where the reader is: the root seen, inside `<body>`, the open outlines (a folder's
/// label, or `None` for an outline that is itself a feed).
#[derive(Default)]
struct Walk {
    root: Option<String>,
    in_body: bool,
    saw_body: bool,
    outlines: Vec<Option<String>>,
    import: Import,
    names: HashSet<String>,
    urls: HashMap<String, usize>,
}

impl Walk {
    fn open(&mut self, e: &BytesStart<'_>, has_children: bool) -> Result<(), OpmlError> {
        let name = e.local_name().as_ref().to_ascii_lowercase();
        if self.root.is_none() {
            if name != "opml" {
                return Err(OpmlError::NotOpml(name));
            }
            self.root = Some(name);
            return Ok(());
        }
        match name.as_str() {
            "body" => {
                self.in_body = has_children;
                self.saw_body = true;
            }
            "outline" if self.in_body => {
                let folder = self.outline(&attributes(e));
                if has_children {
                    self.outlines.push(folder);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self, name: &str) {
        match name.to_ascii_lowercase().as_str() {
            "body" => self.in_body = false,
            "outline" if self.in_body => {
                self.outlines.pop();
            }
            _ => {}
        }
    }

    /// Records a feed outline; returns the folder label of an outline without `xmlUrl`.
    fn outline(&mut self, attrs: &HashMap<String, String>) -> Option<String> {
        let label = ["title", "text"]
            .iter()
            .filter_map(|k| attrs.get(*k))
            .map(|v| clean(v))
            .find(|v| !v.is_empty());
        let Some(url) = attrs.get("xmlurl").map(|u| u.trim().to_string()) else {
            return Some(label.unwrap_or_default());
        };
        let title = label.unwrap_or_default();
        if let Err(reason) = check_url(&url) {
            self.import.skipped.push(Skipped { title, url, reason });
            return None;
        }
        let tags = self.tags();
        if let Some(&first) = self.urls.get(&url) {
            let feed = &mut self.import.feeds[first];
            let reason = format!(
                "same URL as feed '{}' (its folders are added to that feed's tags)",
                feed.name
            );
            for t in tags {
                if !feed.tags.contains(&t) {
                    feed.tags.push(t);
                }
            }
            self.import.skipped.push(Skipped { title, url, reason });
            return None;
        }
        let name = self.unique_name(&title, &url);
        self.urls.insert(url.clone(), self.import.feeds.len());
        self.import.feeds.push(OpmlFeed { name, url, tags });
        None
    }

    fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for slug in self.outlines.iter().flatten().map(|f| slug(f)) {
            if !slug.is_empty() && !tags.contains(&slug) {
                tags.push(slug);
            }
        }
        tags
    }

    fn unique_name(&mut self, title: &str, url: &str) -> String {
        let base = if title.is_empty() {
            url::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| "feed".into())
        } else {
            truncate_chars(title, NAME_MAX_CHARS)
        };
        let mut name = base.clone();
        let mut n = 2;
        while !self.names.insert(name.clone()) {
            name = format!("{base} ({n})");
            n += 1;
        }
        name
    }
}

/// The attributes of `e`, names lower-cased (exports disagree on `xmlUrl`/`xmlurl`),
/// values unescaped — leniently when the file is not well-formed there.
fn attributes(e: &BytesStart<'_>) -> HashMap<String, String> {
    e.html_attributes()
        .with_checks(false)
        .filter_map(Result::ok)
        .map(|a| {
            let key = a.key.local_name().as_ref().to_ascii_lowercase();
            let value = match a.normalized_value(XmlVersion::Implicit1_0) {
                Ok(v) => v.into_owned(),
                Err(_) => html_escape::decode_html_entities(&a.value).into_owned(),
            };
            (key, value)
        })
        .collect()
}

fn check_url(url: &str) -> Result<(), String> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        Ok(u) => Err(format!(
            "'{}' URLs are not imported (http or https only)",
            u.scheme()
        )),
        Err(e) => Err(format!("not a URL: {e}")),
    }
}

/// Whitespace collapsed, control characters dropped.
fn clean(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

/// A folder name as a tag: lower case, one word, letters and digits joined by `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The feeds as `[[feed]]` tables, after a comment naming `source`.
pub fn to_toml(import: &Import, source: &str) -> String {
    let mut out = String::new();
    let n = import.feeds.len();
    let _ = writeln!(
        out,
        "# {n} feed{} imported from {} by newshound import-opml",
        if n == 1 { "" } else { "s" },
        clean(source)
    );
    for f in &import.feeds {
        let _ = write!(
            out,
            "\n[[feed]]\nname = {}\nurl = {}\n",
            toml_string(&f.name),
            toml_string(&f.url)
        );
        if !f.tags.is_empty() {
            let tags: Vec<String> = f.tags.iter().map(|t| toml_string(t)).collect();
            let _ = writeln!(out, "tags = [{}]", tags.join(", "));
        }
    }
    out
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
