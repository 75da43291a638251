//! `group = "story"`: due deliveries of one sink that carry the same story from the same
//! poll (one per watchlist it fired) become one unit, sent as one message. Pure.

use super::{Alert, Digest};
use crate::feeds::article::hex_digest;
use crate::store::Delivery;

/// Deliveries to send together: one alone, or a story's alerts from several watchlists.
pub enum Grouped {
    /// A delivery with no partner.
    Alone(Box<Delivery>),
    /// Two or more alerts about one story, with the rows they settle.
    Story(Digest, Vec<Delivery>),
}

/// What makes two alerts the same story from the same poll.
fn story_key(a: &Alert) -> (String, Option<String>, Option<String>, String, i64) {
    let art = &a.article;
    (
        art.feed.clone(),
        art.guid.clone(),
        art.url.clone(),
        art.title.clone(),
        a.detected_at.timestamp_millis(),
    )
}

/// Groups `due` (in outbox order) by story; a group keeps the position of its first
/// member. The group id hashes the sink and the member alert ids, so a retry of the same
/// group carries the same id.
pub fn by_story(sink: &str, due: Vec<Delivery>) -> Vec<Grouped> {
    let mut groups: Vec<Vec<Delivery>> = Vec::new();
    for d in due {
        let key = story_key(&d.alert);
        match groups.iter_mut().find(|g| story_key(&g[0].alert) == key) {
            Some(g) => g.push(d),
            None => groups.push(vec![d]),
        }
    }
    groups.into_iter().map(|g| grouped(sink, g)).collect()
}

fn grouped(sink: &str, mut members: Vec<Delivery>) -> Grouped {
    if members.len() == 1 {
        return Grouped::Alone(Box::new(members.remove(0)));
    }
    let mut seed = format!("story\n{sink}");
    for m in &members {
        seed.push('\n');
        seed.push_str(&m.alert.id);
    }
    let digest = Digest {
        id: hex_digest(seed.as_bytes(), 16),
        alerts: members.iter().map(|m| m.alert.clone()).collect(),
    };
    Grouped::Story(digest, members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::AlertArticle;

    fn delivery(watchlist: &str, guid: &str, at: i64) -> Delivery {
        Delivery {
            alert: Alert {
                id: format!("{watchlist}-{guid}"),
                watchlist: watchlist.into(),
                severity: None,
                detected_at: chrono::DateTime::from_timestamp_millis(at).unwrap(),
                article: AlertArticle {
                    title: "t".into(),
                    url: None,
                    feed: "f".into(),
                    guid: Some(guid.into()),
                    published: None,
                    summary: String::new(),
                },
                matches: Vec::new(),
                also_seen_in: Vec::new(),
                revision_of: None,
                revision: None,
            },
            sink: "s".into(),
            attempts: 0,
            first_attempt_at: None,
        }
    }

    #[test]
    fn one_story_in_several_watchlists_of_one_poll_is_one_group() {
        let due = vec![
            delivery("a", "g1", 1000),
            delivery("b", "g2", 1000),
            delivery("c", "g1", 1000),
            delivery("d", "g1", 2000), // a later poll: apart
        ];
        let groups = by_story("s", due);
        assert_eq!(groups.len(), 3);
        let Grouped::Story(d, rows) = &groups[0] else {
            panic!("first is a story group")
        };
        let lists: Vec<&str> = d.alerts.iter().map(|a| a.watchlist.as_str()).collect();
        assert_eq!((lists, rows.len()), (vec!["a", "c"], 2));
        let again = by_story(
            "s",
            vec![delivery("a", "g1", 1000), delivery("c", "g1", 1000)],
        );
        let Grouped::Story(d2, _) = &again[0] else {
            panic!()
        };
        assert_eq!(d.id, d2.id, "the same members give the same id");
        assert!(matches!(groups[1], Grouped::Alone(_)));
    }
}
