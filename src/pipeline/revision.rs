//! The revision stage of a poll (`[[watchlist]] revisions = true`): a changed item of a
//! story its watchlist already alerted is compared with the version stored before it
//! ([`crate::alert::revision::compare`]); a changed matched sentence or a new watched
//! term queues a revision alert, keyed on the change so it goes out once.

use chrono::{DateTime, Utc};

use super::Pipeline;
use crate::alert::revision::{compare, Version};
use crate::alert::Alert;
use crate::config::FeedConfig;
use crate::feeds::Article;
use crate::store::{ArticleWrite, NewAlert, StoreError};
use crate::watch::Hit;

/// One changed article to compare: where its write is, the version stored before, and
/// each revision watchlist (index) that alerted the story with that alert's id.
struct Due {
    write: usize,
    before: Article,
    originals: Vec<(usize, String)>,
}

impl Pipeline {
    /// Adds to `writes` (the changed articles of `feed`) the revision alerts they raise.
    /// Costs nothing unless a watchlist with `revisions = true` looks at the feed; then
    /// two reads per changed article, and matching on a CPU thread for those alerted.
    pub(super) async fn add_revisions(
        &self,
        feed: &FeedConfig,
        writes: &mut [ArticleWrite],
    ) -> Result<(), StoreError> {
        let watching: Vec<usize> = (self.config.watchlists.iter().enumerate())
            .filter(|(_, w)| w.revisions && w.applies_to(&feed.name))
            .map(|(i, _)| i)
            .collect();
        if watching.is_empty() || writes.is_empty() {
            return Ok(());
        }
        let due = self.revisions_due(writes, &watching).await?;
        if due.is_empty() {
            return Ok(());
        }
        let (this, span) = (self.clone(), tracing::Span::current());
        let now = Utc::now();
        let afters: Vec<Article> = due
            .iter()
            .map(|d| writes[d.write].article.clone())
            .collect();
        let work = move || span.in_scope(|| this.revision_alerts(due, afters, now));
        let found = match crate::feeds::parse::on_cpu(work).await {
            Ok(found) => found,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => return Err(StoreError::Worker(e.to_string())),
        };
        for (i, alert) in found {
            writes[i].alerts.push(alert);
        }
        Ok(())
    }

    /// The changed articles stored before whose story a watchlist of `watching` alerted.
    async fn revisions_due(
        &self,
        writes: &[ArticleWrite],
        watching: &[usize],
    ) -> Result<Vec<Due>, StoreError> {
        let mut due = Vec::new();
        for (i, w) in writes.iter().enumerate() {
            let a = &w.article;
            let Some(before) = self.store.stored_article(&a.feed, a.id.as_str()).await? else {
                continue;
            };
            let mut originals = Vec::new();
            for &wl in watching {
                let name = &self.config.watchlists[wl].name;
                if let Some(id) = self.store.story_alert(name, a.story_keys()).await? {
                    originals.push((wl, id));
                }
            }
            if !originals.is_empty() {
                due.push(Due {
                    write: i,
                    before,
                    originals,
                });
            }
        }
        Ok(due)
    }

    /// The revision alerts of `due` (the new versions in `afters`), each with the index
    /// of its write (on the CPU thread).
    fn revision_alerts(
        &self,
        due: Vec<Due>,
        afters: Vec<Article>,
        now: DateTime<Utc>,
    ) -> Vec<(usize, NewAlert)> {
        let mut out = Vec::new();
        for (d, after) in due.into_iter().zip(afters) {
            let (old, new) = comparable(d.before, after);
            for (wl, original) in d.originals {
                if let Some(alert) = self.revision_alert(&old, &new, wl, original, now) {
                    out.push((d.write, alert));
                }
            }
        }
        out
    }

    /// The revision alert of watchlist `wl` between `old` and `new`, if one is due.
    fn revision_alert(
        &self,
        old: &Article,
        new: &Article,
        wl: usize,
        original: String,
        now: DateTime<Utc>,
    ) -> Option<NewAlert> {
        let (old_hits, new_hits) = (self.hits_of(old, wl), self.hits_of(new, wl));
        let revision = compare(
            &Version {
                article: old,
                hits: &old_hits,
            },
            &Version {
                article: new,
                hits: &new_hits,
            },
        )?;
        let w = self.config.watchlists.get(wl)?;
        let key = revision.story_key(&original);
        let mut alert = Alert::new(&w.name, w.severity.as_deref(), new, &new_hits, now);
        alert.id = revision.alert_id(&w.name, &original);
        tracing::info!(watchlist = %w.name, alert_id = %alert.id, revision_of = %original, field = %revision.field, "story revised: revision alert");
        alert.revision_of = Some(original);
        alert.revision = Some(revision);
        Some(NewAlert {
            alert,
            sinks: self.sink_names(wl),
            story_keys: vec![key],
        })
    }

    /// The hits of watchlist `wl` in `article` (none when it does not match).
    fn hits_of(&self, article: &Article, wl: usize) -> Vec<Hit> {
        let doc = article.document();
        self.config
            .matcher
            .match_document(&doc, &|i| i == wl)
            .into_iter()
            .find(|m| m.watchlist == wl)
            .map(|m| m.hits)
            .unwrap_or_default()
    }
}

/// The stored and the new version made comparable: the stored row keeps no authors or
/// categories, and a changed item's page is not fetched again, so both take the new
/// item's authors and categories and the stored page text.
fn comparable(mut before: Article, mut after: Article) -> (Article, Article) {
    before.author = after.author.clone();
    before.category = after.category.clone();
    if after.article.is_empty() {
        after.article = before.article.clone();
    }
    (before, after)
}
