//! config → feeds (fetch → encoding → repair → parse): Atom text constructs typed with a
//! MIME type other than text or XML (`type="application/octet-stream"`) carry base64
//! (RFC 4287 §4.1.3.3), which feed-rs rejects along with the whole feed. This decodes them
//! into escaped `html` constructs, at the byte level, before feed-rs sees the document.

use base64::Engine as _;

/// The elements whose `type` makes them text constructs (Atom 1.0 and 0.3 names).
const CONSTRUCTS: [&[u8]; 8] = [
    b"title",
    b"subtitle",
    b"summary",
    b"content",
    b"rights",
    b"tagline",
    b"info",
    b"copyright",
];

/// `bytes` with every base64 text construct decoded, or `None` when there is none.
pub(crate) fn decode_constructs(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut copied = 0;
    for at in memchr::memmem::find_iter(bytes, b" type=\"") {
        let Some(edit) = construct_at(bytes, at + 1).filter(|e| e.value_start >= copied) else {
            continue;
        };
        out.extend_from_slice(&bytes[copied..edit.type_start]);
        out.extend_from_slice(b"type=\"html\"");
        out.extend_from_slice(&bytes[edit.type_end..edit.value_start]);
        out.extend_from_slice(&edit.replacement);
        copied = edit.value_end;
    }
    if copied == 0 {
        return None;
    }
    out.extend_from_slice(&bytes[copied..]);
    Some(out)
}

/// One construct to rewrite: the `type="…"` attribute's span, the text's span and what
/// replaces it.
struct Edit {
    type_start: usize,
    type_end: usize,
    value_start: usize,
    value_end: usize,
    replacement: Vec<u8>,
}

/// The edit for a `type="…"` attribute starting at `at`, when it types a text construct
/// as base64 and its text decodes.
fn construct_at(bytes: &[u8], at: usize) -> Option<Edit> {
    let mime_start = at + b"type=\"".len();
    let mime_end = mime_start + memchr::memchr(b'"', &bytes[mime_start..])?;
    if !is_base64_type(&bytes[mime_start..mime_end]) || !in_construct_tag(bytes, at) {
        return None;
    }
    let tag_end = mime_end + memchr::memchr(b'>', &bytes[mime_end..])?;
    let tag = &bytes[at..tag_end];
    if tag.ends_with(b"/") || memchr::memmem::find(tag, b"src=").is_some() {
        return None; // empty, or out-of-line content
    }
    let value_start = tag_end + 1;
    let value_end = value_start + memchr::memchr(b'<', &bytes[value_start..])?;
    let text: Vec<u8> = bytes[value_start..value_end]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    let escaped = html_escape::encode_text(&String::from_utf8_lossy(&decoded)).into_owned();
    Some(Edit {
        type_start: at,
        type_end: mime_end + 1,
        value_start,
        value_end,
        replacement: escaped.into_bytes(),
    })
}

/// A MIME type that is neither text nor XML: its content is base64.
fn is_base64_type(mime: &[u8]) -> bool {
    let m = mime.to_ascii_lowercase();
    m.contains(&b'/') && !m.starts_with(b"text/") && !m.ends_with(b"+xml") && !m.ends_with(b"/xml")
}

/// Whether the tag holding position `at` is a text construct (`<title …`, `<atom:summary …`).
fn in_construct_tag(bytes: &[u8], at: usize) -> bool {
    let Some(open) = memchr::memrchr(b'<', &bytes[..at]) else {
        return false;
    };
    let name_end = bytes[open + 1..at]
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .map_or(at, |p| open + 1 + p);
    let name = &bytes[open + 1..name_end];
    let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
    CONSTRUCTS.contains(&local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> Option<String> {
        decode_constructs(s.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn base64_constructs_become_escaped_html() {
        let doc = "<feed><entry><title type=\"application/octet-stream\">\n  RXhhbXBsZSA8Yj5BdG9tPC9iPg==\n</title>\
                   <link type=\"image/png\" href=\"x.png\"/><content type=\"image/png\" src=\"y.png\"/>\
                   <atom:summary type=\"application/octet-stream\">YSAmIGI=</atom:summary></entry></feed>";
        assert_eq!(
            decode(doc).as_deref(),
            Some(
                "<feed><entry><title type=\"html\">Example &lt;b&gt;Atom&lt;/b&gt;</title>\
                 <link type=\"image/png\" href=\"x.png\"/><content type=\"image/png\" src=\"y.png\"/>\
                 <atom:summary type=\"html\">a &amp; b</atom:summary></entry></feed>"
            )
        );
    }

    #[test]
    fn text_xml_and_undecodable_constructs_are_left() {
        for doc in [
            "<feed><title type=\"text/plain\">x</title></feed>",
            "<feed><content type=\"application/xhtml+xml\">x</content></feed>",
            "<feed><content type=\"application/octet-stream\">not base64!</content></feed>",
            "<feed><link type=\"application/octet-stream\" href=\"a\">YQ==</link></feed>",
        ] {
            assert_eq!(decode(doc), None, "{doc}");
        }
    }
}
