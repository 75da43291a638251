//! config → feeds (parse → **html**): character references as a browser reads them in
//! text — the full HTML5 set, numeric references of any plane, the legacy names that
//! HTML5 accepts without the final `;`, and references a feed escaped twice.

use std::borrow::Cow;

use encoding_rs::WINDOWS_1252;

/// The entity names HTML5 also recognises without a terminating `;` (in text).
const LEGACY: &[&str] = &[
    "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil",
    "ETH", "Eacute", "Ecirc", "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT",
    "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash", "Otilde", "Ouml", "QUOT", "REG", "THORN",
    "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc", "acute", "aelig", "agrave",
    "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent", "copy", "curren", "deg",
    "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14", "frac34", "gt",
    "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr", "micro",
    "middot", "nbsp", "not", "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash",
    "otilde", "ouml", "para", "plusmn", "pound", "quot", "raquo", "reg", "sect", "shy", "sup1",
    "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc", "ugrave", "uml", "uuml",
    "yacute", "yen", "yuml",
];

/// Longest entity name looked at.
const MAX_NAME: usize = 32;

/// Appends `text` to `out` with its character references decoded; an `&` that starts
/// none stays as written.
pub(super) fn decode_entities_to(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match reference(after) {
            Some((decoded, used)) => {
                out.push_str(&decoded);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// The reference at the start of `after` (the text after an `&`): its text and how many
/// bytes it used. `&amp;` followed by a complete reference is a reference escaped twice
/// (`&amp;eacute;`), read as that reference.
fn reference(after: &str) -> Option<(Cow<'static, str>, usize)> {
    if let Some(inner) = after.strip_prefix("amp;") {
        if let Some((decoded, used)) = reference(inner).filter(|(_, n)| inner[..*n].ends_with(';'))
        {
            return Some((decoded, 4 + used));
        }
    }
    match after.strip_prefix('#') {
        Some(num) => numeric(num).map(|(c, used)| (Cow::Owned(c.to_string()), used + 1)),
        None => named(after),
    }
}

/// A numeric reference after `&#`: decimal or `x` hex, `;` optional, mapped as HTML5 does
/// (zero, surrogates and out-of-range values to U+FFFD, C1 controls as Windows-1252).
fn numeric(num: &str) -> Option<(char, usize)> {
    let (hex, digits_at) = match num.as_bytes().first() {
        Some(b'x' | b'X') => (true, 1),
        _ => (false, 0),
    };
    let radix = if hex { 16 } else { 10 };
    let digits = num[digits_at..]
        .bytes()
        .take_while(|b| (*b as char).is_digit(radix))
        .count();
    if digits == 0 {
        return None;
    }
    let text = &num[digits_at..digits_at + digits];
    let value = u32::from_str_radix(text, radix).unwrap_or(u32::MAX);
    let mut used = digits_at + digits;
    if num[used..].starts_with(';') {
        used += 1;
    }
    Some((code_point(value), used))
}

fn code_point(value: u32) -> char {
    if (0x80..=0x9F).contains(&value) {
        let byte = [value as u8];
        let (decoded, _) = WINDOWS_1252.decode_without_bom_handling(&byte);
        return decoded.chars().next().unwrap_or('\u{FFFD}');
    }
    match value {
        0 => '\u{FFFD}',
        v => char::from_u32(v).unwrap_or('\u{FFFD}'),
    }
}

/// A named reference: `&name;` from the full HTML5 set, else the longest legacy name
/// that starts the text (`&eacute` → `é`, `&copy2026` → `©2026`).
fn named(after: &str) -> Option<(Cow<'static, str>, usize)> {
    let len = after
        .bytes()
        .take(MAX_NAME)
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    if len == 0 {
        return None;
    }
    if after[len..].starts_with(';') {
        let full = &after[..=len];
        let reference = format!("&{full}");
        let decoded = html_escape::decode_html_entities(&reference);
        if decoded != reference {
            return Some((Cow::Owned(decoded.into_owned()), len + 1));
        }
    }
    let legacy = LEGACY
        .iter()
        .filter(|name| after[..len].starts_with(*name))
        .max_by_key(|name| name.len())?;
    let decoded = html_escape::decode_html_entities(&format!("&{legacy};")).into_owned();
    Some((Cow::Owned(decoded), legacy.len()))
}
