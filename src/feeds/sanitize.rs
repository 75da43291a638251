//! config → feeds (parse → **Article**): control characters never leave the parser. A
//! feed's text reaches terminals (logs), chat messages and emails; C0 controls other than
//! tab and line feed (a carriage return or an ANSI escape can rewrite a log line) and DEL
//! are dropped from every article field and every per-feed error. C1 controls (U+0080 to
//! U+009F) are what Windows-1252 punctuation becomes when read as Latin-1 or written as
//! `&#146;`: they are read as Windows-1252, as browsers do, and dropped where it has none.

use std::borrow::Cow;

/// Windows-1252's characters for 0x80–0x9F; `None` where it has none.
const CP1252_C1: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// What `c` becomes: itself, a Windows-1252 character for a C1 control, or nothing.
fn clean(c: char) -> Option<char> {
    match c {
        '\n' | '\t' => Some(c),
        '\u{80}'..='\u{9f}' => CP1252_C1[c as usize - 0x80],
        c if c.is_control() => None,
        c => Some(c),
    }
}

/// Whether `c` is a control character that is dropped or replaced.
pub fn is_stripped(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` without control characters (see the module doc); borrowed when it had none.
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    if has_stripped(text.as_bytes()) {
        Cow::Owned(text.chars().filter_map(clean).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether any character of the UTF-8 `bytes` [`is_stripped`], read byte by byte: a C0
/// control other than tab and line feed, DEL, or a C1 control (`C2 80`–`C2 9F`).
fn has_stripped(bytes: &[u8]) -> bool {
    // Branch-free over blocks (the compiler vectorises it), so clean text, the usual
    // case, is checked at memory speed; C1 controls are found through their lead byte.
    let c0 = |b: u8| (b < 0x20 && b != b'\n' && b != b'\t') | (b == 0x7f);
    let has_c0 = bytes
        .chunks(64)
        .any(|block| block.iter().fold(false, |seen, &b| seen | c0(b)));
    has_c0
        || memchr::memchr_iter(0xc2, bytes)
            .any(|i| bytes.get(i + 1).is_some_and(|n| (0x80..0xa0).contains(n)))
}

/// The same for an owned string, reusing it when it is clean.
pub fn strip_owned(text: String) -> String {
    match strip_controls(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn the_block_check_finds_what_a_character_walk_finds(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', ' ', '\t', '\n', '\r', '\u{0}', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}',
                '\u{9f}', '\u{a0}', '©', 'é', '李',
            ]), 0..200),
        ) {
            let text: String = chars.into_iter().collect();
            proptest::prop_assert_eq!(
                has_stripped(text.as_bytes()),
                text.chars().any(is_stripped)
            );
        }
    }

    #[test]
    fn controls_go_text_stays() {
        assert_eq!(
            strip_controls("a\u{1b}[31mred\u{7}\r\nline\u{0}\u{7f}\u{81}"),
            "a[31mred\nline"
        );
        assert_eq!(
            strip_controls("don\u{92}t \u{93}x\u{94} \u{80}5"),
            "don’t “x” €5"
        );
        assert_eq!(
            strip_controls("tab\tnew\nline — 李尚福 ☃"),
            "tab\tnew\nline — 李尚福 ☃"
        );
        assert!(matches!(strip_controls("clean"), Cow::Borrowed(_)));
        assert!(matches!(strip_controls("é ¡ \u{a0} ÿ"), Cow::Borrowed(_)));
        assert_eq!(strip_owned("x\u{8}y".to_string()), "xy");
    }
}
