//! `format = "template"`: the webhook body rendered by a user's minijinja template, with
//! limits so a template cannot stall or flood the daemon: fuel (instructions per render), a
//! recursion limit, a source size cap and an output size cap.
//!
//! The template sees `id` (the alert's or digest's), `digest` (bool), `count`, `alerts`
//! (every alert in the v1 wire shape) and `alert` (the first of them). It is compiled and
//! test-rendered against a sample alert and digest at config load, so syntax errors and
//! unknown variables are config errors; a render that still fails at delivery (fuel spent,
//! output too large) is a permanent failure of that delivery.

use std::io::Write;

use chrono::{TimeZone, Utc};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};

use super::wire::WireAlertV1;
use super::{Alert, AlertArticle, AlertMatch, Batch, Digest};

/// Largest template source, in bytes.
pub const SOURCE_MAX: usize = 64 * 1024;
/// Largest rendered body, in bytes.
pub const OUTPUT_MAX: usize = 256 * 1024;
/// Fuel per render (roughly instructions; see minijinja's `set_fuel`).
pub const FUEL: u64 = 200_000;
/// Deepest nesting of loops, ifs, macros and includes.
pub const RECURSION_LIMIT: usize = 50;

const NAME: &str = "sink";

/// A compiled, resource-limited template.
pub struct Template {
    env: Environment<'static>,
}

impl Template {
    /// Compiles `source` and test-renders it; the error says what and where.
    pub fn compile(source: &str) -> Result<Template, String> {
        if source.len() > SOURCE_MAX {
            return Err(format!("template is larger than {SOURCE_MAX} bytes"));
        }
        let mut env = Environment::new();
        env.set_fuel(Some(FUEL));
        env.set_recursion_limit(RECURSION_LIMIT);
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.add_template_owned(NAME, source.to_string())
            .map_err(|e| format!("template does not compile: {e}"))?;
        let t = Template { env };
        let sample = sample_alert();
        let digest = Digest {
            id: "sample-digest".into(),
            alerts: vec![sample.clone(), sample.clone()],
        };
        let story = [Batch::Story(&digest)];
        for batch in [Batch::Single(&sample), Batch::Digest(&digest)]
            .into_iter()
            .chain(story)
        {
            t.render(batch)
                .map_err(|e| format!("template fails on a sample alert: {e}"))?;
        }
        Ok(t)
    }

    /// Renders the body for `batch`.
    pub fn render(&self, batch: Batch<'_>) -> Result<String, String> {
        let alerts: Vec<WireAlertV1<'_>> = batch.alerts().iter().map(WireAlertV1::new).collect();
        let ctx = minijinja::context! {
            id => batch.id(),
            digest => batch.is_digest(),
            story => batch.is_story(),
            count => alerts.len(),
            alert => alerts.first().map(|a| Value::from(Serde(a))),
            alerts => Value::from(Serde(&alerts)),
        };
        let tmpl = self.env.get_template(NAME).map_err(|e| e.to_string())?;
        let mut out = Capped::default();
        tmpl.render_captured_to(ctx, &mut out)
            .map_err(|e| match out.overflowed {
                true => format!("rendered body is larger than {OUTPUT_MAX} bytes"),
                false => e.to_string(),
            })?;
        String::from_utf8(out.buf).map_err(|_| "rendered body is not UTF-8".to_string())
    }
}

/// A writer that refuses to grow past [`OUTPUT_MAX`].
#[derive(Default)]
struct Capped {
    buf: Vec<u8>,
    overflowed: bool,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > OUTPUT_MAX {
            self.overflowed = true;
            return Err(std::io::Error::other("output limit reached"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The alert a template is test-rendered against at config load.
fn sample_alert() -> Alert {
    Alert {
        id: "sample-alert".into(),
        watchlist: "sample".into(),
        severity: Some("high".into()),
        detected_at: Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
        article: AlertArticle {
            title: "Sample title".into(),
            url: Some("https://example.org/story".into()),
            feed: "sample-feed".into(),
            guid: None,
            published: None,
            summary: "Sample summary.".into(),
        },
        matches: vec![AlertMatch {
            term: "sample".into(),
            kind: "keyword".into(),
            matched: "Sample".into(),
            field: "title".into(),
            count: 1,
            snippet: "[Sample] title".into(),
        }],
        also_seen_in: Vec::new(),
        revision_of: None,
        revision: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_single_and_digest() {
        let t = Template::compile(
            r#"{"id": {{ id | tojson }}, "n": {{ count }}, "first": {{ alert.article.title | tojson }}}"#,
        )
        .unwrap();
        let a = sample_alert();
        let body = t.render(Batch::Single(&a)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["first"], "Sample title");
        assert_eq!(v["n"], 1);
    }

    #[test]
    fn errors_and_limits() {
        let e = Template::compile("{% if %}").err().unwrap();
        assert!(e.contains("does not compile"), "{e}");
        let e = Template::compile("{{ alert.nope.deeper }}").err().unwrap();
        assert!(e.contains("sample alert"), "{e}");
        let e = Template::compile(
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        )
        .err()
        .unwrap();
        assert!(e.contains("fuel"), "{e}");
        let e = Template::compile("{{ 'x' * 300000 }}").err().unwrap();
        assert!(e.contains("larger than"), "{e}");
        let e = Template::compile("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
            .err()
            .unwrap();
        assert!(e.contains("recursion"), "{e}");
    }
}
