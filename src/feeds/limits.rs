//! config → feeds (fetch → encoding → repair → **limits** → parse): a feed's items are
//! capped at `http.max_items` *before* feed-rs builds its model, since a few bytes per
//! item (`<item/>` is seven) would otherwise become a large allocation each. Feeds list
//! their newest items first, so the first `max_items` are kept: an XML document is cut
//! after its last kept item and closed with its own tail (`</channel></rss>`), a JSON
//! Feed's `items` array is truncated.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize as _;
use serde_json::{Map, Value};

/// `bytes` with at most `max` items (or entries); borrowed when there were no more.
pub fn cap_items(bytes: &[u8], max: usize) -> Cow<'_, [u8]> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let capped = match first {
        Some(b'{') => cap_json(bytes, max),
        _ => cap_xml(bytes, max),
    };
    capped.map_or(Cow::Borrowed(bytes), Cow::Owned)
}

/// The start tag of the repeated element: whichever of `<item` and `<entry` comes first.
fn item_tag(bytes: &[u8]) -> Option<(&'static [u8], &'static [u8])> {
    let item = memchr::memmem::find(bytes, b"<item");
    let entry = memchr::memmem::find(bytes, b"<entry");
    match (item, entry) {
        (Some(i), Some(e)) if e < i => Some((b"<entry", b"</entry>")),
        (Some(_), _) => Some((b"<item", b"</item>")),
        (None, Some(_)) => Some((b"<entry", b"</entry>")),
        (None, None) => None,
    }
}

fn cap_xml(bytes: &[u8], max: usize) -> Option<Vec<u8>> {
    let (open, close) = item_tag(bytes)?;
    let is_start = |at: &usize| {
        matches!(
            bytes.get(at + open.len()),
            Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')
        )
    };
    let cut = memchr::memmem::find_iter(bytes, open)
        .filter(is_start)
        .nth(max)?;
    // The document's tail starts after its last item: a closing tag, or an empty element.
    let closed = memchr::memmem::rfind(bytes, close).map(|c| c + close.len());
    let empty = memchr::memmem::rfind(bytes, open).and_then(|o| {
        let end = o + memchr::memchr(b'>', &bytes[o..])?;
        (bytes[end - 1] == b'/').then_some(end + 1)
    });
    let tail = closed.max(empty).unwrap_or(bytes.len()).max(cut);
    Some([&bytes[..cut], &bytes[tail..]].concat())
}

fn cap_json(bytes: &[u8], max: usize) -> Option<Vec<u8>> {
    // Every item is an object inside the top-level one: with no more braces than the cap
    // allows, there is nothing to cut.
    if memchr::memchr_iter(b'{', bytes).count() <= max.saturating_add(1) {
        return None;
    }
    let cut = Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let map = TopLevel { max, cut: &cut }.deserialize(&mut de).ok()?;
    cut.get().then(|| serde_json::to_vec(&map).ok()).flatten()
}

/// The top-level object, with its `items` cut to `max` (`cut` says whether they were).
struct TopLevel<'c> {
    max: usize,
    cut: &'c Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = Map<String, Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON Feed object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = if key == "items" {
                map.next_value_seed(Items {
                    max: self.max,
                    cut: self.cut,
                })?
            } else {
                map.next_value::<Value>()?
            };
            out.insert(key, value);
        }
        Ok(out)
    }
}

/// An `items` array: the first `max` kept, the rest skipped without being built.
struct Items<'c> {
    max: usize,
    cut: &'c Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an items array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut kept = Vec::new();
        while kept.len() < self.max {
            match seq.next_element::<Value>()? {
                Some(v) => kept.push(v),
                None => return Ok(Value::Array(kept)),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            self.cut.set(true);
        }
        Ok(Value::Array(kept))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(s: &str, max: usize) -> String {
        String::from_utf8(cap_items(s.as_bytes(), max).into_owned()).unwrap()
    }

    #[test]
    fn rss_and_atom_keep_the_first_items_and_their_closing_tail() {
        let rss =
            "<rss><channel><items/><item>1</item><item >2</item>\n<item>3</item></channel></rss>";
        assert_eq!(
            cap(rss, 2),
            "<rss><channel><items/><item>1</item><item >2</item>\n</channel></rss>"
        );
        assert_eq!(cap(rss, 3), rss);
        let atom = "<feed><entry><id>a</id></entry><entry><id>b</id></entry></feed>";
        assert_eq!(cap(atom, 1), "<feed><entry><id>a</id></entry></feed>");
        assert!(matches!(cap_items(atom.as_bytes(), 5), Cow::Borrowed(_)));
        let million = format!(
            "<rss><channel>{}</channel></rss>",
            "<item/>".repeat(1_000_000)
        );
        assert_eq!(
            cap(&million, 3),
            "<rss><channel><item/><item/><item/></channel></rss>"
        );
    }

    #[test]
    fn json_feeds_keep_the_first_items() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1"},{"id":"2"},{"id":"3"}]}"#;
        let got: Value = serde_json::from_str(&cap(json, 2)).unwrap();
        assert_eq!(got["items"], serde_json::json!([{"id": "1"}, {"id": "2"}]));
        assert_eq!(got["title"], "t");
        assert!(matches!(cap_items(json.as_bytes(), 3), Cow::Borrowed(_)));
        let odd = "{\"items\": 5, \"a\": {}, \"b\": {}}";
        assert_eq!(
            cap(odd, 1),
            odd,
            "not a feed: left for the parser to reject"
        );
    }
}
