//! config → feeds (parse → **Article**): control characters never leave the parser. A
//! feed's text reaches terminals (logs), chat messages and emails; C0 controls other than
//! tab and line feed (a carriage return or an ANSI escape can rewrite a log line), DEL and
//! the C1 controls are dropped from every article field and every per-feed error.

use std::borrow::Cow;

/// Whether `c` is a control character that is dropped.
pub fn is_stripped(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` without the stripped control characters; borrowed when it had none.
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_stripped) {
        Cow::Owned(text.chars().filter(|c| !is_stripped(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
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

    #[test]
    fn controls_go_text_stays() {
        assert_eq!(
            strip_controls("a\u{1b}[31mred\u{7}\r\nline\u{0}\u{85}\u{9f}\u{7f}"),
            "a[31mred\nline"
        );
        assert_eq!(
            strip_controls("tab\tnew\nline — 李尚福 ☃"),
            "tab\tnew\nline — 李尚福 ☃"
        );
        assert!(matches!(strip_controls("clean"), Cow::Borrowed(_)));
        assert_eq!(strip_owned("x\u{8}y".to_string()), "xy");
    }
}
