//! The line of the config file a key path points at, found by parsing the text once more
//! with spans.

use toml::de::{DeTable, DeValue};

use super::path::{KeyPath, Segment};

/// The 1-based line of the deepest part of `key` present in `text` (the key itself, else
/// the array element or table above it); `None` when not even its first step is there.
pub fn line_of(text: &str, key: &KeyPath) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    let mut value: Option<&DeValue<'_>> = None;
    let mut at = None;
    for seg in key.segments() {
        let step = match (seg, value) {
            (Segment::Key(k), None) => entry(table, k),
            (Segment::Key(k), Some(DeValue::Table(t))) => entry(t, k),
            (Segment::Index(i), Some(DeValue::Array(a))) => {
                a.get(*i).map(|v| (v.span().start, v.get_ref()))
            }
            _ => None,
        };
        let Some((offset, next)) = step else { break };
        at = Some(offset);
        if let DeValue::Table(t) = next {
            table = t;
        }
        value = Some(next);
    }
    at.map(|offset| line_at(text, offset))
}

/// The key's own position (the start of `name = …`) and its value.
fn entry<'a, 'i>(table: &'a DeTable<'i>, name: &str) -> Option<(usize, &'a DeValue<'i>)> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == name)
        .map(|(k, v)| (k.span().start, v.get_ref()))
}

fn line_at(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[daemon]\npoll_interval = \"5m\"\n\n[[feed]]\nname = \"a\"\n\n[[feed]]\nname = \"b\"\nurl = 3\n";

    #[test]
    fn keys_and_elements_have_lines() {
        let line = |k: &str| line_of(TEXT, &KeyPath::parse(k));
        assert_eq!(line("daemon.poll_interval"), Some(2));
        assert_eq!(line("feed[1].url"), Some(9));
        // A missing key points at the table it belongs in.
        assert_eq!(
            line("feed[0].url").map(|l| (4..=5).contains(&l)),
            Some(true)
        );
        assert_eq!(line("watchlist[0].name"), None);
    }
}
