//! Where an email delivery connects: the SMTP host's addresses, judged by the same guard
//! as every feed and webhook (`http.allow_private_networks`, `http.allow_hosts`), and a
//! transport that connects to the address the guard allowed — no second lookup that DNS
//! could rebind — while TLS is still verified for the host's name.

use std::net::SocketAddr;

use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use url::{Host, Url};

use crate::config::HttpConfig;
use crate::net::{GuardedResolver, HINT};

/// Why no transport could be made for one delivery.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The guard refused every address of the host.
    #[error("{0}")]
    Refused(String),
    /// The URL or its TLS settings did not make a transport.
    #[error("smtp_url '{url}' is unusable")]
    Url {
        /// The URL.
        url: String,
        /// The cause.
        #[source]
        source: lettre::transport::smtp::Error,
    },
}

/// A transport for `smtp_url` bound to the first address the guard allows.
pub(super) async fn guarded_transport(
    smtp_url: &str,
    http: &HttpConfig,
    resolver: &GuardedResolver,
) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder, ConnectError> {
    let url_err = |source| ConnectError::Url {
        url: smtp_url.to_string(),
        source,
    };
    let mut url = Url::parse(smtp_url)
        .map_err(|e| ConnectError::Refused(format!("smtp_url '{smtp_url}' is not a URL: {e}")))?;
    let host = url.host_str().unwrap_or_default().to_string();
    let addr = allowed_address(&url, http, resolver).await?;
    // Connect to the address; lettre parses the port, TLS mode and defaults as before.
    url.set_ip_host(addr.ip())
        .map_err(|()| ConnectError::Refused(format!("cannot connect to {}", addr.ip())))?;
    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.as_str()).map_err(url_err)?;
    // …and verify TLS for the name, not the address.
    let params = || TlsParameters::new(host.clone()).map_err(url_err);
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    Ok(match (url.scheme(), tls.as_deref()) {
        ("smtps", _) => builder.tls(Tls::Wrapper(params()?)),
        ("smtp", Some("required")) => builder.tls(Tls::Required(params()?)),
        ("smtp", Some("opportunistic")) => builder.tls(Tls::Opportunistic(params()?)),
        _ => builder,
    })
}

/// The first address of the URL's host that the guard allows.
async fn allowed_address(
    url: &Url,
    http: &HttpConfig,
    resolver: &GuardedResolver,
) -> Result<SocketAddr, ConnectError> {
    let guard = http.guard();
    let refused = |why: String| ConnectError::Refused(format!("{why}; {HINT}"));
    match url.host() {
        Some(Host::Domain(name)) => resolver
            .resolve_allowed(name)
            .await
            .map_err(ConnectError::Refused)?
            .into_iter()
            .next()
            .ok_or_else(|| ConnectError::Refused(format!("'{name}' has no address"))),
        Some(Host::Ipv4(ip)) => guard
            .check_ip(None, ip.into())
            .map(|()| SocketAddr::new(ip.into(), 0))
            .map_err(refused),
        Some(Host::Ipv6(ip)) => guard
            .check_ip(None, ip.into())
            .map(|()| SocketAddr::new(ip.into(), 0))
            .map_err(refused),
        None => Err(ConnectError::Refused("smtp_url names no host".into())),
    }
}
