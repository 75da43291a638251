//! config → feeds (fetch → parse → Article): repairs at the byte level before feed-rs
//! sees a document — UTF-16/32 to UTF-8, a lying encoding declaration, Windows-1252 bytes
//! in a "UTF-8" feed, `<rss>` without a usable version or channel, Atom 0.3 — so that what
//! browser-grade readers read, we read too.

/// Transcodes UTF-16 and UTF-32 input (found by BOM, or by the XML spec's sniffing of
/// `<`) to UTF-8 and makes the XML declaration say so: quick-xml panics on UTF-16BE with
/// a BOM and reads no UTF-32. Also corrects an ASCII-based document that claims to be
/// UTF-16 or UTF-32. None when the bytes are fine as they are.
pub(crate) fn to_utf8(bytes: &[u8]) -> Option<Vec<u8>> {
    let Some((unit, big, skip)) = wide_layout(bytes) else {
        let declared_wide = declared_encoding(bytes).is_some_and(is_wide);
        return declared_wide.then(|| declare_utf8(bytes.to_vec()));
    };
    Some(declare_utf8(
        decode_wide(&bytes[skip..], unit, big).into_bytes(),
    ))
}

/// Code unit size, big-endianness and BOM length of UTF-16 or UTF-32 input.
fn wide_layout(bytes: &[u8]) -> Option<(usize, bool, usize)> {
    Some(match bytes {
        [0, 0, 0xFE, 0xFF, ..] => (4, true, 4),
        [0xFF, 0xFE, 0, 0, ..] => (4, false, 4),
        [0xFE, 0xFF, ..] => (2, true, 2),
        [0xFF, 0xFE, ..] => (2, false, 2),
        [0, 0, 0, b'<', ..] => (4, true, 0),
        [b'<', 0, 0, 0, ..] => (4, false, 0),
        [0, b'<', 0, c, ..] if *c != 0 => (2, true, 0),
        [b'<', 0, c, 0, ..] if *c != 0 => (2, false, 0),
        _ => return None,
    })
}

/// Decodes UTF-16 (`unit` 2) or UTF-32 (`unit` 4); bad code units become U+FFFD.
fn decode_wide(body: &[u8], unit: usize, big: bool) -> String {
    let word = |c: &[u8]| {
        let fold = |acc: u32, b: &u8| (acc << 8) | u32::from(*b);
        if big {
            c.iter().fold(0, fold)
        } else {
            c.iter().rev().fold(0, fold)
        }
    };
    if unit == 2 {
        let units = body.chunks_exact(2).map(|c| word(c) as u16);
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    } else {
        let chars = body.chunks_exact(4).map(|c| char::from_u32(word(c)));
        chars
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }
}

/// Whether an encoding name is UTF-16 or UTF-32 (or their UCS forerunners).
fn is_wide(name: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "utf-16",
        "utf16",
        "utf-32",
        "utf32",
        "ucs-2",
        "ucs-4",
        "iso-10646-ucs",
    ]
    .iter()
    .any(|w| name.starts_with(w.as_bytes()))
}

/// The byte range of the encoding named by the XML declaration at the start, if any.
fn encoding_range(bytes: &[u8]) -> Option<(usize, usize)> {
    if !bytes.starts_with(b"<?xml") {
        return None;
    }
    let decl_end = bytes.windows(2).position(|w| w == b"?>")?;
    let decl = &bytes[..decl_end];
    let at = decl.windows(9).position(|w| w == b"encoding=")? + 9;
    let quote = *decl.get(at)?;
    let len = decl.get(at + 1..)?.iter().position(|&b| b == quote)?;
    Some((at + 1, at + 1 + len))
}

/// The encoding named by the XML declaration at the start, if any.
fn declared_encoding(bytes: &[u8]) -> Option<&[u8]> {
    encoding_range(bytes).map(|(start, stop)| &bytes[start..stop])
}

/// Makes the XML declaration, if any, name UTF-8.
fn declare_utf8(mut bytes: Vec<u8>) -> Vec<u8> {
    if let Some((start, stop)) = encoding_range(&bytes) {
        bytes.splice(start..stop, *b"utf-8");
    }
    bytes
}

/// A second chance for a document feed-rs rejected: invalid UTF-8 re-decoded (see
/// [`recode`]), then an `<rss>` or `<feed>` root repaired (see [`repair_rss`],
/// [`repair_atom`]).
pub(crate) fn repair(bytes: &[u8]) -> Option<Vec<u8>> {
    let recoded = recode(bytes);
    let current = recoded.as_deref().unwrap_or(bytes);
    repair_rss(current)
        .or_else(|| repair_atom(current))
        .or(recoded)
}

/// Re-decodes bytes that are not valid UTF-8 though declared UTF-8 or not declared at
/// all: lossily as UTF-8 when they carry valid multi-byte sequences, else as
/// Windows-1252 (what such feeds nearly always are). None for valid UTF-8 or when the
/// declaration names another encoding.
fn recode(bytes: &[u8]) -> Option<Vec<u8>> {
    if std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    let declared = declared_encoding(bytes);
    if declared
        .is_some_and(|e| !e.eq_ignore_ascii_case(b"utf-8") && !e.eq_ignore_ascii_case(b"utf8"))
    {
        return None;
    }
    let lossy = String::from_utf8_lossy(bytes);
    if declared.is_some()
        || lossy
            .chars()
            .any(|c| !c.is_ascii() && c != char::REPLACEMENT_CHARACTER)
    {
        return Some(lossy.into_owned().into_bytes());
    }
    Some(
        bytes
            .iter()
            .map(|&b| windows_1252(b))
            .collect::<String>()
            .into_bytes(),
    )
}

/// Decodes one Windows-1252 byte.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
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

/// `bytes` with each `(start, end, text)` edit applied; edits are in order and disjoint.
fn apply_edits(bytes: &[u8], edits: &[(usize, usize, &[u8])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 32);
    let mut at = 0;
    for &(start, end, text) in edits {
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
    hay.windows(needle.len()).any(|w| w == needle)
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
