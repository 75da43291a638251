//! TLS to PostgreSQL, chosen by the URL's `sslmode`: `disable` (also when the URL names
//! none: plain TCP, as before TLS was supported), `prefer` (TLS when the server offers it)
//! or `require` (TLS or no connection). TLS is rustls with the system's root certificates,
//! and the server's certificate is always verified against them and the host name — a
//! server whose certificate does not verify is refused in both TLS modes, never used
//! unverified.

use std::sync::{Arc, OnceLock};

use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The connector every connection to the shared state uses.
pub fn connector() -> MakeRustlsConnect {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| Arc::new(client_config()));
    MakeRustlsConnect::new((**config).clone())
}

fn client_config() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::warn!(error = %e, "reading a system root certificate failed");
    }
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    tracing::debug!(
        added,
        ignored,
        "system root certificates for PostgreSQL TLS"
    );
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// `url` parsed, with `sslmode` defaulting to `disable` when the URL does not name one.
pub fn parse(url: &str) -> Result<tokio_postgres::Config, tokio_postgres::Error> {
    let mut config: tokio_postgres::Config = url.parse()?;
    if !names_sslmode(url) {
        config.ssl_mode(SslMode::Disable);
    }
    Ok(config)
}

/// Whether the URL (or `key=value` string) sets `sslmode` itself.
fn names_sslmode(url: &str) -> bool {
    let query = match url.split_once('?') {
        Some((_, q)) => q,
        None if url.contains("://") => "",
        None => url,
    };
    query
        .split(['&', ' '])
        .any(|pair| pair.trim_start().starts_with("sslmode="))
}

/// The mode as written in the docs.
pub fn mode_name(mode: SslMode) -> &'static str {
    match mode {
        SslMode::Disable => "disable",
        SslMode::Prefer => "prefer",
        SslMode::Require => "require",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case::none("postgres://u@h/db", "disable")]
    #[case::disable("postgres://u@h/db?sslmode=disable", "disable")]
    #[case::prefer("postgres://u@h/db?sslmode=prefer", "prefer")]
    #[case::require(
        "postgres://u:pw@h:5433/db?application_name=x&sslmode=require",
        "require"
    )]
    #[case::key_value("host=h user=u sslmode=require", "require")]
    #[case::key_value_none("host=h user=u", "disable")]
    fn sslmode_comes_from_the_url_and_defaults_to_disable(#[case] url: &str, #[case] want: &str) {
        assert_eq!(mode_name(parse(url).unwrap().get_ssl_mode()), want);
    }

    #[test]
    fn an_unknown_sslmode_is_an_error() {
        assert!(parse("postgres://u@h/db?sslmode=sometimes").is_err());
        assert!(parse("postgres://u@h/db?sslmode=verify-full").is_err());
        assert!(parse("postgres://u@h/db?sslrootcert=/etc/ca.pem").is_err());
    }

    #[test]
    fn the_connector_builds_with_the_system_roots() {
        let _ = connector();
    }
}
