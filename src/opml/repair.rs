//! A repair for OPML that real exporters write but XML forbids: a quote inside an
//! attribute value quoted with the same character (`description="calls him "the
//! world's best""`). A strict parser loses the rest of the file there; this pass, used
//! only after the strict parse failed, takes as the closing quote the first one that is
//! followed by the end of the tag or by the next `name=`, and escapes the others.

/// The text with stray quotes (and `<`) inside attribute values escaped as entities, and
/// the number of values changed.
pub fn escape_stray_quotes(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() + 64);
    let mut repaired = 0;
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        let after = &rest[1..];
        let end = if after.starts_with("!--") {
            span_to(rest, "-->")
        } else if after.starts_with("![CDATA[") {
            span_to(rest, "]]>")
        } else if after.starts_with(['!', '?', '/']) {
            span_to(rest, ">")
        } else {
            let (tag, n, changed) = start_tag(rest);
            out.push_str(&tag);
            repaired += changed;
            rest = &rest[n..];
            continue;
        };
        out.push_str(&rest[..end]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    (out, repaired)
}

/// Length of `s` up to and including `end`, or all of it.
fn span_to(s: &str, end: &str) -> usize {
    s.find(end).map(|i| i + end.len()).unwrap_or(s.len())
}

/// Rewrites the start tag at the beginning of `s`; returns it, the bytes consumed and how
/// many attribute values were repaired. Anything it cannot read is copied unchanged.
fn start_tag(s: &str) -> (String, usize, usize) {
    let name_end = s[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map_or(s.len(), |i| i + 1);
    let mut out = s[..name_end].to_string();
    let (mut pos, mut repaired) = (name_end, 0);
    loop {
        let ws = s[pos..].len() - s[pos..].trim_start().len();
        out.push_str(&s[pos..pos + ws]);
        pos += ws;
        let here = &s[pos..];
        if here.is_empty() || here.starts_with('>') || here.starts_with("/>") {
            return (out, pos, repaired);
        }
        let Some(at) = value_start(here) else {
            // Not `name=`: nothing to repair; copy one character and go on.
            let step = here.chars().next().map_or(1, char::len_utf8);
            out.push_str(&here[..step]);
            pos += step;
            continue;
        };
        out.push_str(&here[..at]);
        pos += at;
        match quoted_value(&s[pos..]) {
            Value::Unquoted => {}
            Value::Unclosed => {
                out.push_str(&s[pos..]);
                return (out, s.len(), repaired);
            }
            Value::Quoted { text, len, changed } => {
                out.push_str(&text);
                pos += len;
                repaired += usize::from(changed);
            }
        }
    }
}

/// Where the value starts in `name = value…`, or `None` when `here` is not `name=`.
fn value_start(here: &str) -> Option<usize> {
    let name_len = here
        .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
        .unwrap_or(here.len());
    let eq = here[name_len..].trim_start();
    (name_len > 0 && eq.starts_with('=')).then(|| here.len() - eq[1..].trim_start().len())
}

/// An attribute value at the start of a slice.
enum Value {
    /// Not quoted: left as it is.
    Unquoted,
    /// No quote closes it: left as it is, with the rest of the text.
    Unclosed,
    /// The value with its quotes, repaired; `len` bytes of the input.
    Quoted {
        text: String,
        len: usize,
        changed: bool,
    },
}

fn quoted_value(s: &str) -> Value {
    let Some(quote) = s.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return Value::Unquoted;
    };
    let body = &s[1..];
    let Some(close) = closing_quote(body, quote) else {
        return Value::Unclosed;
    };
    let value = &body[..close];
    let entity = if quote == '"' { "&quot;" } else { "&apos;" };
    let fixed = value.replace(quote, entity).replace('<', "&lt;");
    Value::Quoted {
        changed: fixed != value,
        text: format!("{quote}{fixed}{quote}"),
        len: close + 2,
    }
}

/// The index in `body` of the quote that closes the value: the first `quote` followed by
/// the end of the tag or by another `name=`.
fn closing_quote(body: &str, quote: char) -> Option<usize> {
    body.match_indices(quote).map(|(i, _)| i).find(|&i| {
        let after = &body[i + 1..];
        let next = after.trim_start();
        if next.is_empty()
            || next.starts_with('>')
            || next.starts_with("/>")
            || next.starts_with("?>")
        {
            return true;
        }
        let spaced = next.len() < after.len();
        let name_len = next
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.')))
            .unwrap_or(next.len());
        spaced && name_len > 0 && next[name_len..].trim_start().starts_with('=')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_quotes_inside_a_value_are_escaped() {
        let broken = r#"<outline text="T" description="calls him "the world's best," and "a monk."  Fine." xmlUrl="https://x.example/rss" type="rss" />"#;
        let (fixed, n) = escape_stray_quotes(broken);
        assert_eq!(n, 1);
        assert_eq!(
            fixed,
            r#"<outline text="T" description="calls him &quot;the world's best,&quot; and &quot;a monk.&quot;  Fine." xmlUrl="https://x.example/rss" type="rss" />"#
        );
    }

    #[test]
    fn well_formed_markup_is_left_alone() {
        let fine = "<?xml version=\"1.0\"?>\n<!-- a \"comment\" -->\n<opml><body>\n<outline title='It&apos;s' xmlUrl=\"https://a.example/?a=1&amp;b=2\"/>\n</body></opml>\n";
        assert_eq!(escape_stray_quotes(fine), (fine.to_string(), 0));
    }

    #[test]
    fn markup_inside_a_value_is_escaped_too() {
        let (fixed, n) = escape_stray_quotes("<outline description=\"a <br> b\" xmlUrl=\"u\"/>");
        assert_eq!(
            (fixed.as_str(), n),
            ("<outline description=\"a &lt;br> b\" xmlUrl=\"u\"/>", 1)
        );
    }
}
