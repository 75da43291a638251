//! Walking an OPML document with quick-xml: every `<outline>` with an `xmlUrl`, with its
//! title, the folders around it and its line, bounded in depth. Real exports are not always
//! well-formed: a bare `&` in an attribute is taken literally, and a document that fails
//! the strict parse is read once more after [`escape_stray_quotes`] — never silently: the
//! count of repaired values is returned.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::repair::escape_stray_quotes;

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
    /// Outlines nested deeper than [`MAX_DEPTH`].
    #[error("outlines nested deeper than {MAX_DEPTH} levels at line {line}")]
    TooDeep {
        /// Where the limit was passed.
        line: usize,
    },
}

/// Deepest nesting of outlines read; a deeper document is refused (it is not an export).
pub const MAX_DEPTH: usize = 64;

/// One `<outline>` with an `xmlUrl`, as written: no policy applied yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// Its title, else its text, whitespace collapsed; empty when it has neither.
    pub title: String,
    /// The `xmlUrl`, trimmed.
    pub url: String,
    /// The `htmlUrl`, when given.
    pub html_url: Option<String>,
    /// Slugs of the enclosing folders, outermost first, each once.
    pub tags: Vec<String>,
    /// The line the outline starts on (1-based).
    pub line: usize,
}

/// Every feed outline of an OPML document, and how many attribute values had to be
/// repaired for it to parse.
pub fn outlines(bytes: &[u8]) -> Result<(Vec<Outline>, usize), OpmlError> {
    let text = String::from_utf8_lossy(bytes);
    match parse_text(&text) {
        Err(OpmlError::Xml(reason)) => {
            let (fixed, repaired) = escape_stray_quotes(&text);
            if repaired == 0 {
                return Err(OpmlError::Xml(reason));
            }
            // Still broken after the repair: report the original error, it names the spot.
            let found = parse_text(&fixed).map_err(|_| OpmlError::Xml(reason))?;
            Ok((found, repaired))
        }
        other => other.map(|found| (found, 0)),
    }
}

fn parse_text(text: &str) -> Result<Vec<Outline>, OpmlError> {
    let mut reader = Reader::from_str(text);
    let mut walk = Walk::default();
    let mut lines = LineCounter::new(text);
    loop {
        let line = lines.at(reader.buffer_position() as usize);
        match reader.read_event() {
            Err(e) => {
                let at = reader.error_position() as usize;
                return Err(OpmlError::Xml(format!(
                    "{e} at line {} (byte {at})",
                    lines.at(at)
                )));
            }
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => walk.open(&e, true, line)?,
            Ok(Event::Empty(e)) => walk.open(&e, false, line)?,
            Ok(Event::End(e)) => walk.close(e.local_name().as_ref()),
            Ok(_) => {}
        }
    }
    match (walk.root, walk.saw_body) {
        (None, _) => Err(OpmlError::Empty),
        (Some(_), false) => Err(OpmlError::NoBody),
        (Some(_), true) => Ok(walk.found),
    }
}

/// Line numbers of byte offsets that only grow, counted once.
struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    fn at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.pos {
            let before = &self.text[..offset];
            return 1 + before.iter().filter(|&&b| b == b'\n').count();
        }
        self.line += self.text[self.pos..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos = offset;
        self.line
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
    found: Vec<Outline>,
}

impl Walk {
    fn open(
        &mut self,
        e: &BytesStart<'_>,
        has_children: bool,
        line: usize,
    ) -> Result<(), OpmlError> {
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
                let folder = self.outline(&attributes(e), line);
                if has_children {
                    if self.outlines.len() >= MAX_DEPTH {
                        return Err(OpmlError::TooDeep { line });
                    }
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
    fn outline(&mut self, attrs: &HashMap<String, String>, line: usize) -> Option<String> {
        let label = ["title", "text"]
            .iter()
            .filter_map(|k| attrs.get(*k))
            .map(|v| clean(v))
            .find(|v| !v.is_empty());
        let Some(url) = attrs.get("xmlurl").map(|u| u.trim().to_string()) else {
            return Some(label.unwrap_or_default());
        };
        let html_url = attrs.get("htmlurl").map(|u| u.trim().to_string());
        self.found.push(Outline {
            title: label.unwrap_or_default(),
            url,
            html_url,
            tags: self.tags(),
            line,
        });
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

/// Whitespace collapsed, control characters dropped.
pub fn clean(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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
