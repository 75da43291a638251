//! No backlog floods (`[daemon] max_age`): on a feed's first poll, and when an article
//! already stored is matched again (a changed watchlist or an edited item), items published
//! longer ago than `max_age` are recorded as seen without alerting. An item that appears
//! after the first poll alerts whatever its date: a wrong or old date never hides a story.

use chrono::{DateTime, Utc};

use crate::feeds::Article;
use crate::store::{Store, StoreError};

/// Per article (all of one feed), whether it is backlog: recorded, never alerted.
/// `first_poll` means nothing of the feed is stored yet; a zero `max_age` turns the rule
/// off.
pub(super) async fn backlog(
    store: &Store,
    articles: &[Article],
    first_poll: bool,
    max_age: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<Vec<bool>, StoreError> {
    let old: Vec<bool> = articles.iter().map(|a| is_old(a, max_age, now)).collect();
    if first_poll || !old.contains(&true) {
        return Ok(old);
    }
    let feed = articles[0].feed.clone();
    let ids: Vec<String> = articles
        .iter()
        .zip(&old)
        .filter(|(_, &o)| o)
        .map(|(a, _)| a.id.as_str().to_string())
        .collect();
    let mut known = store.known_articles(&feed, ids).await?.into_iter();
    Ok(old
        .into_iter()
        .map(|o| o && known.next().unwrap_or(false))
        .collect())
}

/// Whether `article` was published (else updated) longer than `max_age` before `now`;
/// never for an undated article or a zero `max_age`.
pub(super) fn is_old(article: &Article, max_age: std::time::Duration, now: DateTime<Utc>) -> bool {
    let Ok(age) = chrono::Duration::from_std(max_age) else {
        return false;
    };
    let date = article.published.or(article.updated);
    !max_age.is_zero() && date.is_some_and(|d| d < now - age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use std::time::Duration;

    fn article(published: Option<i64>, updated: Option<i64>, now: DateTime<Utc>) -> Article {
        let at = |h: i64| now - chrono::Duration::hours(h);
        Article::new(
            "f",
            Some("g".into()),
            None,
            "t".into(),
            String::new(),
            String::new(),
            published.map(at),
            updated.map(at),
        )
    }

    #[rstest]
    #[case::older_than_max_age(Some(100), None, 72, true)]
    #[case::younger(Some(10), None, 72, false)]
    #[case::updated_stands_in(None, Some(100), 72, true)]
    #[case::published_wins(Some(10), Some(100), 72, false)]
    #[case::undated_is_new(None, None, 72, false)]
    #[case::future_date(Some(-50), None, 72, false)]
    #[case::zero_turns_it_off(Some(100_000), None, 0, false)]
    fn class11_backlog_age(
        #[case] published: Option<i64>,
        #[case] updated: Option<i64>,
        #[case] max_age_hours: u64,
        #[case] old: bool,
    ) {
        let now = Utc::now();
        let a = article(published, updated, now);
        let max_age = Duration::from_secs(max_age_hours * 3600);
        assert_eq!(is_old(&a, max_age, now), old);
    }
}
