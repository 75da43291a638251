//! config → feeds (fetch → **encoding** → parse): every document becomes UTF-8 before the
//! parser sees it, with an XML declaration that says so.
//!
//! The encoding is decided as browsers and feed readers do: a byte-order mark first
//! (UTF-8, UTF-16, UTF-32), then UTF-16/32 recognised by the pattern of `<` (XML spec,
//! appendix F), then the HTTP `Content-Type` charset, then the XML declaration — except
//! that bytes which are valid UTF-8 and use it (multi-byte sequences) are read as UTF-8
//! whatever the label says, since a mislabelled UTF-8 feed is common and valid UTF-8 by
//! accident in a legacy encoding is not. Undeclared or unknown, invalid UTF-8 is read as
//! UTF-8 with replacement characters when it is mostly UTF-8, else in the encoding
//! `chardetng` (Firefox's detector) guesses from the bytes — GBK, Big5, Shift_JIS,
//! EUC-KR, KOI8-R, Windows-1251, Windows-1252 and the other legacy encodings of the web.
//! Legacy encodings decode through `encoding_rs` (WHATWG labels: `latin1` and `us-ascii`
//! mean Windows-1252, `gb2312` means GBK, …), lossily.

use std::borrow::Cow;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8};

/// How many bytes the charset detector reads: enough to tell the scripts apart.
const DETECT_BYTES: usize = 256 * 1024;

/// Fewest non-ASCII bytes the detector decides on.
const DETECT_MIN_BYTES: usize = 4;

/// The `charset` parameter of a `Content-Type` value, unquoted (`text/xml; charset="koi8-r"`).
pub fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).trim())
            .filter(|v| !v.is_empty())
    })
}

/// The charset an HTML page declares in a `<meta charset>` or `<meta http-equiv
/// content="…; charset=…">` within its first 4 KiB.
pub fn html_charset(bytes: &[u8]) -> Option<String> {
    let head = bytes[..bytes.len().min(4096)].to_ascii_lowercase();
    memchr::memmem::find_iter(&head, b"<meta").find_map(|at| {
        let tag = &head[at..];
        let tag = &tag[..memchr::memchr(b'>', tag)?];
        let value = &tag[memchr::memmem::find(tag, b"charset=")? + 8..];
        let value = value
            .strip_prefix(b"\"")
            .or(value.strip_prefix(b"'"))
            .unwrap_or(value);
        let end = value
            .iter()
            .position(|b| matches!(b, b'"' | b'\'' | b';' | b'/') || b.is_ascii_whitespace())
            .unwrap_or(value.len());
        let name = std::str::from_utf8(&value[..end]).ok()?;
        (!name.is_empty()).then(|| name.to_string())
    })
}

/// `bytes` as UTF-8, decoded as the module doc says; `http_charset` is the response's
/// charset parameter. Borrowed when the bytes already are UTF-8 declared as such.
pub fn to_utf8<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> Cow<'a, [u8]> {
    if let Some((unit, big, skip)) = wide_layout(bytes) {
        return Cow::Owned(declare_utf8(
            decode_wide(&bytes[skip..], unit, big).into_bytes(),
        ));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    let label = http_charset
        .and_then(known)
        .or_else(|| declared_encoding(bytes).and_then(known));
    match label {
        Some(enc) if needs_decoding(enc, bytes) => {
            let (text, _) = enc.decode_without_bom_handling(bytes);
            Cow::Owned(declare_utf8(text.into_owned().into_bytes()))
        }
        _ => utf8(bytes),
    }
}

/// An `encoding_rs` encoding for a label, ASCII bytes or text.
fn known(label: impl AsRef<[u8]>) -> Option<&'static Encoding> {
    Encoding::for_label(label.as_ref())
}

/// Whether `bytes` labelled `enc` must be decoded: not for UTF-8 or a UTF-16 label on
/// bytes that are not UTF-16 (both read as UTF-8), nor for ASCII in an ASCII-compatible
/// encoding, nor for bytes that are UTF-8 whatever the label says.
fn needs_decoding(enc: &'static Encoding, bytes: &[u8]) -> bool {
    let wide = enc == encoding_rs::UTF_16BE || enc == encoding_rs::UTF_16LE;
    let plain_ascii = enc.is_ascii_compatible() && bytes.is_ascii();
    enc != UTF_8 && !wide && !plain_ascii && !uses_utf8(bytes)
}

/// Whether `bytes` are valid UTF-8 with at least one multi-byte sequence.
fn uses_utf8(bytes: &[u8]) -> bool {
    !bytes.is_ascii() && simdutf8::basic::from_utf8(bytes).is_ok()
}

/// Bytes meant as UTF-8 (no BOM): as they are when valid, else re-decoded.
fn utf8(bytes: &[u8]) -> Cow<'_, [u8]> {
    let declared = declared_encoding(bytes);
    let declared_utf8 = declared.and_then(known) == Some(UTF_8);
    if simdutf8::basic::from_utf8(bytes).is_ok() {
        return match declared {
            Some(_) if !declared_utf8 => Cow::Owned(declare_utf8(bytes.to_vec())),
            _ => Cow::Borrowed(bytes),
        };
    }
    let text = if mostly_utf8(bytes) {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        detect(bytes)
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()
    };
    Cow::Owned(declare_utf8(text.into_bytes()))
}

/// The legacy encoding undeclared, invalid UTF-8 most likely is (never UTF-8 itself):
/// Windows-1252 when fewer than [`DETECT_MIN_BYTES`] bytes are not ASCII (too little to
/// tell scripts apart), else `chardetng`'s guess.
pub(crate) fn detect(bytes: &[u8]) -> &'static Encoding {
    let head = &bytes[..bytes.len().min(DETECT_BYTES)];
    if head.iter().filter(|b| !b.is_ascii()).count() < DETECT_MIN_BYTES {
        return encoding_rs::WINDOWS_1252;
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(head, head.len() == bytes.len());
    detector.guess(None, Utf8Detection::Deny)
}

/// Whether invalid UTF-8 is mostly UTF-8 (at least as many valid multi-byte characters as
/// invalid sequences: a few broken bytes in a UTF-8 feed) rather than a legacy encoding
/// with the odd valid-looking pair.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    valid >= invalid
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

/// The byte range of the encoding named by the XML declaration (within the first 1 KiB,
/// junk or whitespace before it allowed), if any.
fn encoding_range(bytes: &[u8]) -> Option<(usize, usize)> {
    let head = &bytes[..bytes.len().min(1024)];
    let start = memchr::memmem::find(head, b"<?xml")?;
    let decl_len = memchr::memmem::find(&head[start..], b"?>")?;
    let decl = &head[start..start + decl_len];
    let mut at = memchr::memmem::find(decl, b"encoding")? + 8;
    while decl
        .get(at)
        .is_some_and(|b| b.is_ascii_whitespace() || *b == b'=')
    {
        at += 1;
    }
    let quote = *decl.get(at).filter(|q| **q == b'"' || **q == b'\'')?;
    let len = memchr::memchr(quote, decl.get(at + 1..)?)?;
    Some((start + at + 1, start + at + 1 + len))
}

/// The encoding named by the XML declaration, if any.
pub(crate) fn declared_encoding(bytes: &[u8]) -> Option<&[u8]> {
    encoding_range(bytes).map(|(start, stop)| &bytes[start..stop])
}

/// Makes the XML declaration, if any, name UTF-8.
fn declare_utf8(mut bytes: Vec<u8>) -> Vec<u8> {
    if let Some((start, stop)) = encoding_range(&bytes) {
        bytes.splice(start..stop, *b"utf-8");
    }
    bytes
}

#[cfg(test)]
#[path = "encoding_tests.rs"]
mod tests;
