//! What one delivery attempt sends: a single alert, or a digest of a sink's alerts from one
//! window. Formats render either; the id is what receivers deduplicate on.

use super::Alert;

/// One attempt's content.
#[derive(Debug, Clone, Copy)]
pub enum Batch<'a> {
    /// One alert.
    Single(&'a Alert),
    /// Several alerts batched into one message.
    Digest(&'a Digest),
    /// One story that fired several watchlists in one poll (`group = "story"`): its
    /// alerts, one per watchlist, sent as one message.
    Story(&'a Digest),
}

/// A digest: the alerts one sink collected in one window, under a stable id.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    /// Stable id (same on every retry): a hash of the sink and the member alert ids.
    pub id: String,
    /// The member alerts, oldest first.
    pub alerts: Vec<Alert>,
}

impl<'a> Batch<'a> {
    /// The id receivers see (`webhook-id`, `Message-ID`): the alert's or the digest's.
    pub fn id(&self) -> &'a str {
        match self {
            Batch::Single(a) => &a.id,
            Batch::Digest(d) | Batch::Story(d) => &d.id,
        }
    }

    /// The alerts it carries.
    pub fn alerts(&self) -> &'a [Alert] {
        match self {
            Batch::Single(a) => std::slice::from_ref(*a),
            Batch::Digest(d) | Batch::Story(d) => &d.alerts,
        }
    }

    /// Whether this is a digest.
    pub fn is_digest(&self) -> bool {
        matches!(self, Batch::Digest(_))
    }

    /// Whether this is a story group.
    pub fn is_story(&self) -> bool {
        matches!(self, Batch::Story(_))
    }
}
