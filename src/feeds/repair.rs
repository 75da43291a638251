//! config → feeds (fetch → encoding → **repair** → parse → Article): repairs at the byte
//! level, on UTF-8 (see [`super::encoding`]), before feed-rs sees a document — junk or
//! whitespace before the prolog, repeated XML declarations, `<rss>` without a usable
//! version or channel, Atom 0.3, Atom text constructs typed with a MIME type (base64) —
//! so that what browser-grade readers read, we read too.

use std::borrow::Cow;

/// Cuts whatever comes before the prolog — whitespace, a byte of junk, a PHP warning —
/// (only the first KiB is searched; JSON is left alone) and drops every XML declaration
/// after the first outside CDATA: quick-xml panics on one naming another encoding.
pub(crate) fn clean_prolog(bytes: &[u8]) -> Cow<'_, [u8]> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let head = &bytes[start..bytes.len().min(start + 1024)];
    if head.starts_with(b"{") || head.starts_with(b"[") {
        return Cow::Borrowed(bytes);
    }
    let cut = start
        + memchr::memmem::find(head, b"<?xml")
            .or_else(|| memchr::memchr(b'<', head))
            .unwrap_or(0);
    let body = &bytes[cut..];
    let later = later_declarations(body);
    if later.is_empty() {
        return Cow::Borrowed(body);
    }
    let edits: Vec<(usize, usize, &[u8])> =
        later.into_iter().map(|(s, e)| (s, e, &b""[..])).collect();
    Cow::Owned(apply_edits(body, &edits))
}

/// The spans of XML declarations after the first one (or after the first byte), outside
/// comments and CDATA.
fn later_declarations(body: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if !memchr::memmem::find_iter(body, b"<?xml").any(|p| p > 0) {
        return out; // the common case: no scan
    }
    let skip_past = |from: usize, end: &[u8]| {
        memchr::memmem::find(&body[from..], end).map_or(body.len(), |e| from + e + end.len())
    };
    let mut at = if body.starts_with(b"<?xml") {
        skip_past(0, b"?>")
    } else {
        1.min(body.len())
    };
    while let Some(p) = memchr::memchr(b'<', &body[at..]).map(|p| at + p) {
        let rest = &body[p..];
        at = if rest.starts_with(b"<!--") {
            skip_past(p, b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            skip_past(p, b"]]>")
        } else if rest.starts_with(b"<?xml")
            && matches!(rest.get(5), Some(b' ' | b'\t' | b'\r' | b'\n' | b'?'))
        {
            let end = skip_past(p, b"?>");
            out.push((p, end));
            end
        } else {
            p + 1
        };
    }
    out
}

/// feed-rs drops RSS 1.0 (and 0.90) items without a `<link>`. An item's `rdf:about` is
/// its URI, which the spec says is its link, so this gives such items that link. None
/// when the document is not RDF or every item has a link.
pub(crate) fn rdf_item_links(bytes: &[u8]) -> Option<Vec<u8>> {
    if !contains(bytes, b"<rdf:RDF") {
        return None;
    }
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for at in memchr::memmem::find_iter(bytes, b"<item") {
        let tag_end = at + memchr::memchr(b'>', &bytes[at..])?;
        let tag = &bytes[at..tag_end];
        if !matches!(tag.get(5), Some(b' ' | b'\t' | b'\r' | b'\n')) || tag.ends_with(b"/") {
            continue;
        }
        let body_end = memchr::memmem::find(&bytes[tag_end..], b"</item>")
            .map_or(bytes.len(), |e| tag_end + e);
        if contains(&bytes[tag_end..body_end], b"<link") {
            continue;
        }
        let Some(about) = attribute(tag, b"rdf:about=") else {
            continue;
        };
        let link = [b"<link>".as_slice(), about, b"</link>"].concat();
        edits.push((tag_end + 1, tag_end + 1, link));
    }
    let edits: Vec<(usize, usize, &[u8])> = edits
        .iter()
        .map(|(s, e, t)| (*s, *e, t.as_slice()))
        .collect();
    (!edits.is_empty()).then(|| apply_edits(bytes, &edits))
}

/// The value of attribute `name` (given with its `=`) in a tag's text.
fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let at = memchr::memmem::find(tag, name)? + name.len();
    let quote = *tag.get(at).filter(|q| **q == b'"' || **q == b'\'')?;
    let len = memchr::memchr(quote, &tag[at + 1..])?;
    Some(&tag[at + 1..at + 1 + len])
}

/// RSS person elements (and Dublin Core's and iTunes'), which feed-rs 3.0 slices at byte offsets that can fall inside a
/// multi-byte character (`<author>me@example.com”(Editor)</author>` panics it). newshound
/// does not read them, so a document feed-rs panicked on is tried again without them.
pub(crate) fn strip_people(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut edits: Vec<(usize, usize, &[u8])> = Vec::new();
    let names = [
        "author",
        "managingEditor",
        "webMaster",
        "dc:creator",
        "dc:author",
        "itunes:author",
        "itunes:name",
    ];
    for name in names {
        let (open, close) = (format!("<{name}>"), format!("</{name}>"));
        for at in memchr::memmem::find_iter(bytes, open.as_bytes()) {
            if let Some(len) = memchr::memmem::find(&bytes[at..], close.as_bytes()) {
                edits.push((at, at + len + close.len(), b""));
            }
        }
    }
    edits.sort_unstable();
    edits.dedup_by(|b, a| b.0 < a.1); // nested or overlapping: keep the outer
    (!edits.is_empty()).then(|| apply_edits(bytes, &edits))
}

/// A second chance for a document feed-rs rejected: an `<rss>` or `<feed>` root
/// repaired (see [`repair_rss`], [`repair_atom`]).
pub(crate) fn repair(bytes: &[u8]) -> Option<Vec<u8>> {
    repair_rss(bytes).or_else(|| repair_atom(bytes))
}

/// feed-rs reads an `<rss>` root only with version 2.0, 0.91, 0.92 or an empty one, and
/// only with a `<channel>`. For a root with no version or another one (0.93, 0.94, 2.01,
/// …) this sets the version to 2.0, and wraps a channel-less body in `<channel>`. None
/// when nothing needs repair, the root is not `<rss>`, or the encoding is not ASCII-based.
fn repair_rss(bytes: &[u8]) -> Option<Vec<u8>> {
    let root = root_start(bytes)?;
    let after = root + 4;
    let next = bytes.get(after)?;
    if !bytes[root..].starts_with(b"<rss") || !(next.is_ascii_whitespace() || *next == b'>') {
        return None;
    }
    let open_end = after + bytes[after..].iter().position(|&b| b == b'>')?;
    let mut edits: Vec<(usize, usize, &[u8])> =
        version_edit(bytes, after, open_end).into_iter().collect();
    let close = bytes
        .windows(5)
        .rposition(|w| w == b"</rss")
        .filter(|&c| c > open_end);
    let self_closing = bytes[open_end - 1] == b'/';
    if let Some(close) = close.filter(|_| !self_closing && !contains(bytes, b"<channel")) {
        edits.push((open_end + 1, open_end + 1, b"<channel>"));
        edits.push((close, close, b"</channel>"));
    }
    (!edits.is_empty()).then(|| apply_edits(bytes, &edits))
}

/// The edit that gives an `<rss>` start tag (attributes in `after..open_end`) a version
/// feed-rs reads, when it lacks one.
fn version_edit(
    bytes: &[u8],
    after: usize,
    open_end: usize,
) -> Option<(usize, usize, &'static [u8])> {
    let tag = &bytes[after..open_end];
    match version_value(tag) {
        Some((start, stop)) if matches!(&tag[start..stop], b"2.0" | b"0.91" | b"0.92" | b"") => {
            None
        }
        Some((start, stop)) => Some((after + start, after + stop, b"2.0")),
        None if contains(tag, b"version=") => None,
        None => Some((after, after, b" version=\"2.0\"")),
    }
}

/// `bytes` with each `(start, end, text)` edit applied; edits are in order, and one that
/// overlaps the edit before it is skipped.
fn apply_edits(bytes: &[u8], edits: &[(usize, usize, &[u8])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 32);
    let mut at = 0;
    for &(start, end, text) in edits {
        if start < at {
            continue; // overlaps the edit before: that one stands
        }
        out.extend_from_slice(&bytes[at..start]);
        out.extend_from_slice(text);
        at = end;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

/// The Atom 0.3 namespace, which feed-rs does not know.
pub(crate) const ATOM03: &[u8] = b"http://purl.org/atom/ns#";

/// feed-rs reads only Atom 1.0, and rejects a whole feed for one text construct typed
/// other than `text`, `html` or `xhtml`. For a `<feed>` root this moves Atom 0.3 into the
/// 1.0 namespace (`issued` → `published`, `modified` → `updated`) and retypes
/// `text/plain`, `application/xhtml+xml` and empty types. None when nothing changed.
pub(crate) fn repair_atom(bytes: &[u8]) -> Option<Vec<u8>> {
    let root = root_start(bytes)?;
    if !bytes[root..].starts_with(b"<feed") {
        return None;
    }
    let swaps: [(&[u8], &[u8]); 8] = [
        (ATOM03, b"http://www.w3.org/2005/Atom"),
        (b"<issued>", b"<published>"),
        (b"</issued>", b"</published>"),
        (b"<modified>", b"<updated>"),
        (b"</modified>", b"</updated>"),
        (b"type=\"text/plain\"", b"type=\"text\""),
        (b"type=\"application/xhtml+xml\"", b"type=\"xhtml\""),
        (b"type=\"\"", b"type=\"text\""),
    ];
    let out = swaps.iter().fold(bytes.to_vec(), |acc, (from, to)| {
        replace_all(&acc, from, to)
    });
    let out = super::atom_base64::decode_constructs(&out).unwrap_or(out);
    (out != bytes).then_some(out)
}

/// `hay` with every `from` replaced by `to`.
fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// Whether `needle` occurs in `hay`.
pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// The byte range of the `version` attribute's value inside a tag's attribute text.
fn version_value(tag: &[u8]) -> Option<(usize, usize)> {
    let at = tag.windows(8).position(|w| w == b"version=")?;
    if at > 0 && !tag[at - 1].is_ascii_whitespace() {
        return None;
    }
    let quote = *tag.get(at + 8)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let start = at + 9;
    let len = tag[start..].iter().position(|&b| b == quote)?;
    Some((start, start + len))
}

/// Where the root element's `<` is: after the XML declaration, comments, processing
/// instructions and the doctype.
fn root_start(bytes: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        pos += bytes
            .get(pos..)?
            .iter()
            .position(|b| !b.is_ascii_whitespace())?;
        let rest = &bytes[pos..];
        let skip_to = if rest.starts_with(b"<!--") {
            rest.windows(3).position(|w| w == b"-->")? + 3
        } else if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
            rest.iter().position(|&b| b == b'>')? + 1
        } else {
            return rest.starts_with(b"<").then_some(pos);
        };
        pos += skip_to;
    }
}
