//! `import-opml`'s policy over the outlines of a document (http(s) only, one feed per URL,
//! unique names from titles) and the TOML it writes.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use super::outline::{clean, outlines, OpmlError, Outline};

/// Largest OPML file read.
pub const OPML_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Longest feed name made from a title, in characters.
pub const NAME_MAX_CHARS: usize = 80;

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
    let (found, repaired) = outlines(bytes)?;
    let mut policy = Policy::default();
    for outline in found {
        policy.take(outline);
    }
    policy.import.repaired = repaired;
    Ok(policy.import)
}

/// What `import-opml` makes of the outlines: http(s) only, one feed per URL (a repeat adds
/// its folders to the first), names unique.
#[derive(Default)]
struct Policy {
    import: Import,
    names: HashSet<String>,
    urls: HashMap<String, usize>,
}

impl Policy {
    fn take(&mut self, o: Outline) {
        let Outline {
            title, url, tags, ..
        } = o;
        if let Err(reason) = check_url(&url) {
            self.import.skipped.push(Skipped { title, url, reason });
            return;
        }
        if let Some(&first) = self.urls.get(&url) {
            let feed = &mut self.import.feeds[first];
            let reason = format!(
                "same URL as feed '{}' (its folders are added to that feed's tags)",
                feed.name
            );
            merge_tags(&mut feed.tags, tags);
            self.import.skipped.push(Skipped { title, url, reason });
            return;
        }
        let name = self.unique_name(&title, &url);
        self.urls.insert(url.clone(), self.import.feeds.len());
        self.import.feeds.push(OpmlFeed { name, url, tags });
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
        unique(&mut self.names, base)
    }
}

/// `base`, or `base (2)`, `base (3)`, … whichever is not in `names` yet (then it is).
pub fn unique(names: &mut HashSet<String>, base: String) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while !names.insert(name.clone()) {
        name = format!("{base} ({n})");
        n += 1;
    }
    name
}

/// Adds the tags of `more` that `tags` lacks.
pub fn merge_tags(tags: &mut Vec<String>, more: Vec<String>) {
    for t in more {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
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

/// `s` cut to `max` characters, an ellipsis marking the cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
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
