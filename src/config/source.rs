//! Phase one of config loading: the TOML file and the `NEWSHOUND__SECTION__KEY`
//! environment overrides merged into one tree, remembering which keys the environment set
//! and where in the file every key is, so each problem can be pointed at.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Value;

use super::path::{KeyPath, Segment};
use super::{ConfigError, ConfigIssue};

/// Largest config file read.
pub const CONFIG_MAX: u64 = 4 * 1024 * 1024;
/// The prefix of override variables; levels are separated by a double underscore.
pub const ENV_PREFIX: &str = "NEWSHOUND__";

/// The merged input: the value tree and what is needed to say where each key came from.
#[derive(Debug)]
pub struct Source {
    /// File and environment merged.
    pub value: Value,
    /// The file's text, for line numbers.
    text: String,
    /// Key paths set by the environment: the variable that set each, and its text.
    env: BTreeMap<KeyPath, (String, String)>,
    /// Every variable's key and text in the order they were set, those that did not fit
    /// included (setting one may have made tables on the way): [`Source::rebuild`] sets
    /// them again.
    applied: Vec<(KeyPath, String)>,
}

impl Source {
    /// Parses `text`, the file at `path`, and applies the `NEWSHOUND__…` variables of
    /// `vars`; an override that names no place in the tree is an issue, not a failure.
    pub fn parse(
        path: &Path,
        text: String,
        vars: impl Iterator<Item = (String, String)>,
    ) -> Result<(Source, Vec<ConfigIssue>), ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path.to_path_buf(),
                    message: e.to_string().trim_end().to_string(),
                })?;
        let mut source = Source {
            value: Value::Table(table),
            ..Source::plain(text)
        };
        let mut issues = Vec::new();
        for (var, raw) in vars {
            if let Some(rest) = var.strip_prefix(ENV_PREFIX) {
                if let Err(why) = source.apply(&var, rest, &raw) {
                    let mut issue = ConfigIssue::new(env_key(rest), why);
                    issue.origin = Some(super::Origin::Env(var.clone()));
                    issues.push(issue);
                }
            }
        }
        Ok((source, issues))
    }

    /// The source of a file read without its tree (no variable applies to it, and it read
    /// at once: [`super::lenient::read_direct`]), kept to point problems at its lines.
    pub fn plain(text: String) -> Source {
        Source {
            value: Value::Table(toml::Table::new()),
            text,
            env: BTreeMap::new(),
            applied: Vec::new(),
        }
    }

    /// Takes the tree out, leaving an empty table: the reader moves it into the config
    /// instead of copying it (at 20,000 feeds the tree is some 20 MB).
    pub fn take_value(&mut self) -> Value {
        std::mem::replace(&mut self.value, Value::Table(toml::Table::new()))
    }

    /// Builds the tree again, as [`Source::parse`] did, after [`Source::take_value`]: the
    /// file's text parsed once more (it parsed before) and every variable set again in
    /// the same order.
    pub fn rebuild(&mut self) {
        let table = self.text.parse::<toml::Table>().unwrap_or_default();
        self.value = Value::Table(table);
        for (key, raw) in &self.applied {
            // Fits or not as it did the first time: its issue is already reported.
            let _ = set(&mut self.value, key.segments(), guess(raw));
        }
    }

    /// Where `key` came from: the variable that set it (or a table above it), else the
    /// line of the deepest part of it the file has.
    pub fn origin(&self, key: &KeyPath) -> Option<super::Origin> {
        let from_env = self
            .env
            .iter()
            .find(|(set, _)| key.starts_with(set))
            .map(|(_, (var, _))| super::Origin::Env(var.clone()));
        from_env.or_else(|| super::lines::line_of(&self.text, key).map(super::Origin::Line))
    }

    /// The variable `var` (`rest` after the prefix) sets its key to `raw`.
    fn apply(&mut self, var: &str, rest: &str, raw: &str) -> Result<(), String> {
        let key = env_path(rest)?;
        self.applied.push((key.clone(), raw.to_string()));
        set(&mut self.value, key.segments(), guess(raw))?;
        self.env.insert(key, (var.to_string(), raw.to_string()));
        Ok(())
    }

    /// The text the environment set `key` to (so a wrongly typed guess can be retried as
    /// text).
    pub fn env_text(&self, key: &KeyPath) -> Option<&str> {
        self.env.get(key).map(|(_, text)| text.as_str())
    }
}

/// Reads the config text: a clear error for a missing file, a folder, or one too large.
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::NotFound {
            path: path.to_path_buf(),
        },
        _ => ConfigError::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if meta.is_dir() {
        return Err(ConfigError::IsADirectory {
            path: path.to_path_buf(),
        });
    }
    super::validate::read_small(path, CONFIG_MAX).map_err(|source| ConfigError::Unreadable {
        path: PathBuf::from(path),
        source,
    })
}

/// `DAEMON__STATE_DIR` → `daemon.state_dir`; `FEED__0__URL` → `feed[0].url`.
fn env_path(rest: &str) -> Result<KeyPath, String> {
    let mut key = KeyPath::default();
    for part in rest.split("__") {
        if part.is_empty() {
            return Err("empty level (use one double underscore between levels)".into());
        }
        match part.parse::<usize>() {
            Ok(i) if !key.is_empty() => key.push(Segment::Index(i)),
            _ => key.push(Segment::Key(part.to_ascii_lowercase())),
        }
    }
    Ok(key)
}

/// The key path a variable meant, for reporting even when it cannot be applied.
fn env_key(rest: &str) -> String {
    env_path(rest)
        .map(|k| k.to_string())
        .unwrap_or_else(|_| rest.to_ascii_lowercase())
}

/// A variable's value as TOML: a boolean, an integer or a float when it reads as one,
/// else text (a retry as text follows when the key wants text).
fn guess(raw: &str) -> Value {
    if let Ok(b) = raw.parse::<bool>() {
        return Value::Boolean(b);
    }
    if let Ok(i) = raw.parse::<i64>() {
        return Value::Integer(i);
    }
    match raw.parse::<f64>() {
        Ok(f) if f.is_finite() && raw.contains('.') => Value::Float(f),
        _ => Value::String(raw.to_string()),
    }
}

/// Sets the value at `path`, creating tables on the way; an index must name an existing
/// array element (`[[feed]]` tables come from the file).
fn set(root: &mut Value, path: &[Segment], value: Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("names no key".into());
    };
    let mut node = root;
    for seg in parents {
        node = match (seg, node) {
            (Segment::Key(k), Value::Table(t)) => t
                .entry(k.clone())
                .or_insert_with(|| Value::Table(Default::default())),
            (Segment::Index(i), Value::Array(a)) => {
                let len = a.len();
                a.get_mut(*i)
                    .ok_or_else(|| format!("index {i} is beyond the {len} tables in the file"))?
            }
            (seg, _) => return Err(format!("'{seg}' does not fit the config's layout")),
        };
    }
    match (last, node) {
        (Segment::Key(k), Value::Table(t)) => {
            t.insert(k.clone(), value);
        }
        (Segment::Index(i), Value::Array(a)) if *i < a.len() => a[*i] = value,
        (seg, _) => return Err(format!("'{seg}' does not fit the config's layout")),
    }
    Ok(())
}

/// Replaces the value at `path` by `value` when there is one.
pub fn replace(root: &mut Value, path: &[Segment], value: Value) {
    if let Some(node) = get_mut(root, path) {
        *node = value;
    }
}

/// The value at `path`.
pub fn get_mut<'a>(root: &'a mut Value, path: &[Segment]) -> Option<&'a mut Value> {
    let mut node = root;
    for seg in path {
        node = match (seg, node) {
            (Segment::Key(k), Value::Table(t)) => t.get_mut(k)?,
            (Segment::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_name_sections_keys_and_array_elements() {
        assert_eq!(
            env_path("DAEMON__STATE_DIR").unwrap().to_string(),
            "daemon.state_dir"
        );
        assert_eq!(env_path("FEED__0__URL").unwrap().to_string(), "feed[0].url");
        assert!(env_path("DAEMON____X").is_err());
    }

    #[test]
    fn a_rebuilt_tree_has_the_file_and_every_variable_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newshound.toml");
        std::fs::write(&path, "[daemon]\nstate_dir = \"s\"\nconcurrency = 4\n").unwrap();
        let vars = [
            ("NEWSHOUND__DAEMON__CONCURRENCY", "7"),
            ("NEWSHOUND__DAEMON__STATE_DIR", "123"),
            ("NEWSHOUND__DAEMON__CONCURRENCY", "9"),
            ("NEWSHOUND__NOPE__0", "x"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let (mut source, issues) =
            Source::parse(&path, read_text(&path).unwrap(), vars.into_iter()).unwrap();
        assert_eq!(issues.len(), 1, "{issues:?}");
        let read = source.value.clone();
        // The variable that did not fit made its table on the way.
        assert_eq!(read["nope"], Value::Table(toml::Table::new()));
        assert_eq!(read["daemon"]["concurrency"], Value::Integer(9));
        assert_eq!(read["daemon"]["state_dir"], Value::Integer(123));
        assert_eq!(source.take_value(), read);
        assert_eq!(source.value, Value::Table(toml::Table::new()));
        source.rebuild();
        assert_eq!(source.value, read);
    }

    #[test]
    fn values_are_guessed_then_text() {
        assert_eq!(guess("true"), Value::Boolean(true));
        assert_eq!(guess("12"), Value::Integer(12));
        assert_eq!(guess("0.5"), Value::Float(0.5));
        assert_eq!(guess("5m"), Value::String("5m".into()));
        assert_eq!(guess("inf"), Value::String("inf".into()));
    }
}
