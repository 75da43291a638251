//! The network guard shared by feeds and sinks: which addresses newshound may contact.
//! Literal hosts are checked on every URL (first hop and each redirect); names are checked
//! on the addresses DNS actually returns, through [`GuardedResolver`] — the addresses it
//! keeps are the only ones the connection is made to, so there is no second lookup to
//! rebind between the check and the connect.

mod addr;
pub mod cut;
mod guard;
mod resolver;

pub use addr::{embedded_ipv4, non_public_reason};
pub use guard::{AllowEntryError, AllowList, Guard, HINT};
pub use resolver::{http_client, GuardedResolver};

use url::Url;

/// The verdict on a URL's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCheck {
    /// A public address, or a name to be checked when resolved.
    Public,
    /// A loopback, private or otherwise internal host, with the reason.
    Private(String),
}

/// Checks a URL's literal host (IP literal or `localhost`) without resolving names and
/// without exceptions (see [`Guard::check_url`] for the configured guard).
pub fn check_host(url: &Url) -> HostCheck {
    match Guard::default().check_url(url) {
        Ok(()) => HostCheck::Public,
        Err(why) => HostCheck::Private(why),
    }
}

/// Renders an error and its causes on one line: `outer: cause: root cause`.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    // Client errors quote the URL they failed on, which may carry a credential.
    crate::redact::text(&out)
}
