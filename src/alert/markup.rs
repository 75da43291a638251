//! Text helpers shared by the message formats: cutting on character boundaries within a
//! limit counted after escaping, and finding the hit that snippets mark with `[ ]`.

/// `text` cut to at most `max` characters (an ellipsis included when cut), on a character
/// boundary.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// `escape(text)` within `max` characters: the raw text is cut before escaping, so no
/// escape sequence (`&amp;`, `\*`) is ever cut in half.
pub fn fit(text: &str, max: usize, escape: impl Fn(&str) -> String) -> String {
    let mut budget = max.min(text.chars().count());
    loop {
        let escaped = escape(&truncate_chars(text, budget));
        let len = escaped.chars().count();
        if len <= max || budget == 0 {
            return escaped;
        }
        budget = budget.saturating_sub((len - max).max(1));
    }
}

/// Splits a snippet into (before, hit, after) around the `[hit]` the matcher inserted,
/// preferring the bracket pair around `matched` when the text has other brackets.
pub fn split_hit<'a>(snippet: &'a str, matched: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let marked = format!("[{matched}]");
    let start = match snippet.find(&marked) {
        Some(i) => i,
        None => snippet.find('[')?,
    };
    let end = start + snippet[start..].find(']')?;
    Some((
        &snippet[..start],
        &snippet[start + 1..end],
        &snippet[end + 1..],
    ))
}

/// The snippet with its hit wrapped in `open`/`close`, every other part passed through
/// `escape` (a snippet without a marked hit is escaped whole).
pub fn mark_hit(
    snippet: &str,
    matched: &str,
    escape: impl Fn(&str) -> String,
    open: &str,
    close: &str,
) -> String {
    match split_hit(snippet, matched) {
        Some((before, hit, after)) if !hit.trim().is_empty() => format!(
            "{}{open}{}{close}{}",
            escape(before),
            escape(hit),
            escape(after)
        ),
        _ => escape(snippet),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_is_on_char_boundaries() {
        assert_eq!(truncate_chars("李尚福李尚福", 4), "李尚福…");
        assert_eq!(truncate_chars("abc", 3), "abc");
        assert_eq!(truncate_chars("abcd", 0), "");
    }

    #[test]
    fn fit_never_cuts_an_escape() {
        let esc = |s: &str| s.replace('&', "&amp;");
        let out = fit("a&b&c&d&e", 8, esc);
        assert!(out.chars().count() <= 8, "{out}");
        assert!(!out.contains("&am…") && !out.ends_with("&a"), "{out}");
        assert_eq!(fit("plain", 10, esc), "plain");
    }

    #[test]
    fn hits_are_found_even_beside_other_brackets() {
        let s = "[Reuters] minister [Li Shangfu] declined";
        assert_eq!(
            split_hit(s, "Li Shangfu"),
            Some(("[Reuters] minister ", "Li Shangfu", " declined"))
        );
        let up = |s: &str| s.to_uppercase();
        assert_eq!(mark_hit("a [b] c", "b", up, "*", "*"), "A *B* C");
        assert_eq!(mark_hit("no hit", "x", up, "*", "*"), "NO HIT");
    }
}
