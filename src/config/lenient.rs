//! Reading the merged tree into [`RawConfig`] without stopping at the first problem: each
//! unknown key or wrongly typed value is reported with its exact path (and the valid names
//! or values), taken out of the tree, and the rest is read again, until it reads.

use serde::Deserialize as _;
use serde_path_to_error::Segment as SerdeSegment;
use toml::Value;

use super::path::{KeyPath, Segment};
use super::raw::{RawConfig, RawSink};
use super::source::{self, Source};
use super::ConfigIssue;

/// A config has fewer keys than this; past it the reader stops rather than loop.
const MAX_PROBLEMS: usize = 500;

/// One problem: where, why, and what to take out so the rest can be read.
struct Problem {
    key: KeyPath,
    message: String,
    /// Replace the value at `key` by this (a sink whose kind is unknown becomes a stub
    /// holding only its name, so references to it still resolve) instead of removing it.
    stub: Option<Value>,
    /// Where to take out or put the stub, when not at `key`.
    at: Option<KeyPath>,
}

/// Reads `source` into a [`RawConfig`], with every problem met on the way. `None` when the
/// tree could not be read at all.
pub fn read(source: &mut Source) -> (Option<RawConfig>, Vec<ConfigIssue>) {
    // First the whole tree, moved rather than copied: a config that reads at once never
    // has two trees alive, and none is left alive while it is validated. Only one with
    // problems builds the tree again and reads copies of it, one per problem.
    if let Ok(raw) = serde_path_to_error::deserialize::<_, RawConfig>(source.take_value()) {
        return (Some(raw), Vec::new());
    }
    source.rebuild();
    let mut issues = Vec::new();
    for _ in 0..MAX_PROBLEMS {
        let err = match serde_path_to_error::deserialize::<_, RawConfig>(source.value.clone()) {
            Ok(raw) => return (Some(raw), issues),
            Err(e) => e,
        };
        let problem = refine(&source.value, &err);
        // A variable's value was guessed to be a number or a boolean: retry it as text.
        if let Some(text) = source.env_text(&problem.key).map(str::to_string) {
            let at = source::get_mut(&mut source.value, problem.key.segments());
            if let Some(v) = at.filter(|v| !v.is_str()) {
                *v = Value::String(text);
                continue;
            }
        }
        issues.push(ConfigIssue::new(problem.key.to_string(), problem.message));
        let at = problem.at.as_ref().unwrap_or(&problem.key);
        if !take_out(&mut source.value, at, problem.stub) {
            return (None, issues);
        }
    }
    (None, issues)
}

/// Reads `text` straight into a [`RawConfig`], without building the [`Value`] tree, when it
/// reads at once (valid TOML, every key known and every value of its type); `None` for
/// anything else, which [`read`] then reports in full from the tree. Serde copies each
/// string out of the text into its field, so nothing the size of the tree is allocated
/// beside the running config when it is reloaded: at 20,000 feeds the tree is some 20 MB
/// of small allocations, and their holes, interleaved with the new config's own, stayed
/// resident after the first reload.
pub fn read_direct(text: &str) -> Option<RawConfig> {
    let de = toml::Deserializer::parse(text).ok()?;
    RawConfig::deserialize(de).ok()
}

/// The problem `err` describes, with its path made exact and its message made useful.
fn refine(root: &Value, err: &serde_path_to_error::Error<toml::de::Error>) -> Problem {
    let mut key = key_path(err.path());
    let message = err.inner().message().to_string();
    if let Some(field) = unknown_field(&message) {
        if key.segments().last() != Some(&Segment::Key(field.to_string())) {
            key.push(Segment::Key(field.to_string()));
        }
        let message = match key.segments() {
            [Segment::Key(top), Segment::Index(i), Segment::Key(_)] if top == "sink" => {
                let kind = root
                    .get("sink")
                    .and_then(|s| s.get(*i))
                    .and_then(|e| e.get("type"))
                    .and_then(Value::as_str);
                match kind {
                    Some(kind) => sink_unknown_key(kind, field, &message),
                    None => unknown_key_message(field, &message),
                }
            }
            _ => unknown_key_message(field, &message),
        };
        return Problem {
            key,
            message,
            stub: None,
            at: None,
        };
    }
    // serde places a sink's problem at the sink, or at its `type`.
    if let [Segment::Key(top), Segment::Index(i), rest @ ..] = key.segments() {
        let at_type = matches!(rest, [Segment::Key(k)] if k == "type");
        if top == "sink" && (rest.is_empty() || at_type) {
            let element = root.get("sink").and_then(|s| s.get(*i));
            let sink = KeyPath::from(key.segments()[..2].to_vec());
            return sink_problem(sink, element, message);
        }
    }
    Problem {
        key,
        message: friendly(&message),
        stub: None,
        at: None,
    }
}

/// A `[[sink]]` problem serde could only place at the sink: its kind, or a key inside it
/// found by reading the table as its kind.
fn sink_problem(key: KeyPath, element: Option<&Value>, message: String) -> Problem {
    let kinds = RawSink::KINDS.join(", ");
    let name = element
        .and_then(|e| e.get("name"))
        .filter(|n| n.is_str())
        .cloned();
    let stub = |name: Option<Value>| {
        let mut t = toml::Table::new();
        t.insert("type".into(), Value::String("log".into()));
        t.extend(name.map(|n| ("name".to_string(), n)));
        Some(Value::Table(t))
    };
    let mut type_key = key.clone();
    type_key.push(Segment::Key("type".into()));
    let Some(table) = element.and_then(Value::as_table) else {
        let message = format!("must be a table ([[sink]]): {}", friendly(&message));
        return Problem {
            key,
            message,
            stub: stub(None),
            at: None,
        };
    };
    let kind = match table.get("type") {
        None => {
            let message = format!("missing: every [[sink]] needs a type (one of: {kinds})");
            return Problem {
                key: type_key,
                message,
                stub: stub(name),
                at: Some(key),
            };
        }
        Some(Value::String(kind)) => kind.clone(),
        Some(other) => {
            let message = format!("{} is not a sink type (one of: {kinds})", other.type_str());
            return Problem {
                key: type_key,
                message,
                stub: stub(name),
                at: Some(key),
            };
        }
    };
    let mut rest = table.clone();
    rest.remove("type");
    match RawSink::check_kind(&kind, Value::Table(rest.clone())) {
        // A kind serde knows but `check_kind` does not list: report at the sink.
        None if is_kind(&kind) => Problem {
            key,
            message: friendly(&message),
            stub: stub(name),
            at: None,
        },
        None => Problem {
            key: type_key,
            message: match did_you_mean(&kind, RawSink::KINDS) {
                Some(near) => format!("unknown sink type '{kind}'; did you mean '{near}'?"),
                None => format!("unknown sink type '{kind}' (one of: {kinds})"),
            },
            stub: stub(name),
            at: Some(key),
        },
        Some(Err(inner)) => {
            let (inner_key, inner_msg) = culprit(&kind, &rest, &inner);
            let mut full = key.clone();
            inner_key
                .segments()
                .iter()
                .for_each(|s| full.push(s.clone()));
            let message = match unknown_field(&inner_msg) {
                Some(field) => sink_unknown_key(&kind, field, &inner_msg),
                None => friendly(&inner_msg),
            };
            Problem {
                key: full,
                message,
                stub: None,
                at: None,
            }
        }
        // Read alone it is fine: report what serde said, and keep only its name.
        Some(Ok(())) => Problem {
            key,
            message: friendly(&message),
            stub: stub(name),
            at: None,
        },
    }
}

/// The key inside a sink table that `err` is about, and serde's message. The shared keys
/// are flattened into each kind's struct, where serde loses the path: then each key is read
/// alone to find the one that fails.
fn culprit(
    kind: &str,
    table: &toml::Table,
    err: &serde_path_to_error::Error<toml::de::Error>,
) -> (KeyPath, String) {
    let mut key = key_path(err.path());
    let message = err.inner().message().to_string();
    if let Some(field) = unknown_field(&message) {
        if key.segments().last() != Some(&Segment::Key(field.to_string())) {
            key.push(Segment::Key(field.to_string()));
        }
        return (key, message);
    }
    if !key.is_empty() {
        return (key, message);
    }
    for (k, v) in table {
        let alone = toml::Table::from_iter([(k.clone(), v.clone())]);
        if let Some(Err(e)) = RawSink::check_kind(kind, Value::Table(alone)) {
            let mut at = KeyPath::default();
            at.push(Segment::Key(k.clone()));
            key_path(e.path())
                .segments()
                .iter()
                .for_each(|s| at.push(s.clone()));
            return (at, e.inner().message().to_string());
        }
    }
    (key, message)
}

/// An unknown key in a sink of `kind`. serde cannot list a kind's keys (they are flattened),
/// so the near misses one edit away are tried against the kind itself.
fn sink_unknown_key(kind: &str, field: &str, message: &str) -> String {
    if !expected_names(message).is_empty() {
        return unknown_key_message(field, message);
    }
    let known = |name: &str| {
        let probe = toml::Table::from_iter([(name.to_string(), Value::Boolean(true))]);
        match RawSink::check_kind(kind, Value::Table(probe)) {
            Some(Err(e)) => unknown_field(e.inner().message()).is_none(),
            _ => true,
        }
    };
    match one_edit_away(field).into_iter().find(|c| known(c)) {
        Some(near) => format!("unknown key '{field}'; did you mean '{near}'?"),
        None => format!("unknown key '{field}' for a {kind} sink"),
    }
}

/// Every name one insertion, deletion, substitution or swap (of `a`–`z`, `_`) from `typed`.
fn one_edit_away(typed: &str) -> Vec<String> {
    let typed = typed.to_ascii_lowercase();
    let chars: Vec<char> = typed.chars().collect();
    let alphabet: Vec<char> = ('a'..='z').chain(['_']).collect();
    let mut out = Vec::new();
    for i in 0..chars.len() {
        let mut del = chars.clone();
        del.remove(i);
        out.push(del.iter().collect());
        if i + 1 < chars.len() {
            let mut swap = chars.clone();
            swap.swap(i, i + 1);
            out.push(swap.iter().collect());
        }
    }
    for i in 0..=chars.len() {
        for &c in &alphabet {
            let mut ins = chars.clone();
            ins.insert(i, c);
            out.push(ins.iter().collect());
            if i < chars.len() && chars[i] != c {
                let mut sub = chars.clone();
                sub[i] = c;
                out.push(sub.iter().collect());
            }
        }
    }
    out.retain(|c: &String| !c.is_empty() && *c != typed);
    out
}

/// Whether `kind` is a sink type serde accepts.
fn is_kind(kind: &str) -> bool {
    let table = toml::Table::from_iter([("type".to_string(), Value::String(kind.to_string()))]);
    match RawSink::deserialize(Value::Table(table)) {
        Ok(_) => true,
        Err(e) => !e.message().starts_with("unknown variant"),
    }
}

/// serde_path_to_error's path as ours (enum variants and unknown steps left out).
fn key_path(path: &serde_path_to_error::Path) -> KeyPath {
    let mut key = KeyPath::default();
    for seg in path.iter() {
        match seg {
            SerdeSegment::Map { key: k } => key.push(Segment::Key(k.clone())),
            SerdeSegment::Seq { index } => key.push(Segment::Index(*index)),
            SerdeSegment::Enum { .. } | SerdeSegment::Unknown => {}
        }
    }
    key
}

/// Removes the value at `key` (or puts `stub` there); false when there was nothing to
/// take out, so reading again could not get further.
fn take_out(root: &mut Value, key: &KeyPath, stub: Option<Value>) -> bool {
    let segments = key.segments();
    if let Some(stub) = stub {
        if source::get_mut(root, segments).is_some() {
            source::replace(root, segments, stub);
            return true;
        }
    }
    let Some((last, parent)) = segments.split_last() else {
        return false;
    };
    let Some(node) = source::get_mut(root, parent) else {
        return false;
    };
    match (last, node) {
        (Segment::Key(k), Value::Table(t)) => t.remove(k).is_some(),
        // An array-of-tables element becomes an empty table: indices stay as in the file.
        (Segment::Index(i), Value::Array(a)) if a.get(*i).is_some_and(Value::is_table) => {
            a[*i] = Value::Table(Default::default());
            true
        }
        // An element of a plain array: the whole array goes.
        (Segment::Index(_), _) => take_out(root, &KeyPath::from(parent.to_vec()), None),
        _ => false,
    }
}

/// The field named by serde's "unknown field `x`, expected …".
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split_once('`').map(|(f, _)| f)
}

/// The names serde lists after "expected" (`a`, `b` or `c`).
fn expected_names(message: &str) -> Vec<&str> {
    let Some((_, list)) = message.split_once("expected") else {
        return Vec::new();
    };
    list.split('`').skip(1).step_by(2).collect()
}

/// "unknown key; did you mean 'poll_interval'?", else the list of valid keys.
fn unknown_key_message(field: &str, message: &str) -> String {
    let valid = expected_names(message);
    match did_you_mean(field, &valid) {
        Some(near) => format!("unknown key '{field}'; did you mean '{near}'?"),
        None if valid.is_empty() => format!("unknown key '{field}' (this table takes no keys)"),
        None => format!("unknown key '{field}' (valid keys: {})", valid.join(", ")),
    }
}

/// The valid name closest to `typed`, when it is a near miss.
pub fn did_you_mean<'a>(typed: &str, valid: &[&'a str]) -> Option<&'a str> {
    let typed = typed.to_ascii_lowercase();
    valid
        .iter()
        .map(|v| (strsim::damerau_levenshtein(&typed, v), *v))
        .filter(|(d, v)| *d <= 2.max(v.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// serde's messages in the config's words: an unknown variant lists the valid values.
fn friendly(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let value = rest.split_once('`').map_or(rest, |(v, _)| v);
        let valid = expected_names(rest);
        let near = did_you_mean(value, &valid)
            .map(|n| format!("; did you mean '{n}'?"))
            .unwrap_or_default();
        return format!("'{value}' is not one of: {}{near}", valid.join(", "));
    }
    message.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested() {
        let valid = ["state_dir", "poll_interval", "concurrency"];
        assert_eq!(did_you_mean("poll_intervl", &valid), Some("poll_interval"));
        assert_eq!(did_you_mean("POLL_INTERVAL", &valid), Some("poll_interval"));
        assert_eq!(did_you_mean("colour", &valid), None);
    }

    #[test]
    fn unknown_variants_list_the_valid_values() {
        let m = friendly("unknown variant `persn`, expected one of `any`, `person`, `all`");
        assert_eq!(
            m,
            "'persn' is not one of: any, person, all; did you mean 'person'?"
        );
    }

    /// Every config the project has (its `config/`, the test fixtures, the README's TOML
    /// examples, which show every sink kind) and a few shapes of TOML they lack: the
    /// direct reader gives the tree reader's config wherever the tree reads at once, and
    /// `None` wherever it does not (a syntax error, an unknown key, a wrong type).
    #[test]
    fn the_direct_reader_reads_what_the_tree_reads() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        let mut dirs = vec![root.join("config"), root.join("tests/fixtures")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let name = path.to_string_lossy().into_owned();
                if path.is_dir() {
                    dirs.push(path);
                } else if name.ends_with(".toml") || name.ends_with(".toml.tmpl") {
                    texts.push((name, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        for (i, block) in readme.split("```toml\n").skip(1).enumerate() {
            let text = block.split("```").next().unwrap_or_default();
            texts.push((format!("README block {i}"), text.to_string()));
        }
        for (i, text) in [
            "[daemon]\nstate_dir = \"/s\"\nretention = \"30 days\"\n[[feed]]\nname = \"a\\u00e9\\tb\"\nurl = 'http://127.0.0.1/x'\ntags = [\"x\", \"y\",]\n",
            "feed = [{ name = \"a\", url = \"http://127.0.0.1/a\" }, { name = \"b\", url = \"http://127.0.0.1/b\", tags = [] }]\n",
            "[daemon]\nconcurrency = 4\nunknown_key = 1\n",
            "[daemon]\nconcurrency = \"four\"\n",
            "[daemon\nconcurrency = 4\n",
            "[[feed]]\nname = \"\"\"multi\nline\"\"\"\nurl = \"http://127.0.0.1/\"\n",
            "",
        ]
        .into_iter()
        .enumerate()
        {
            texts.push((format!("inline text {i}"), text.to_string()));
        }
        assert!(texts.len() > 20, "found only {} configs", texts.len());
        let (mut both, mut neither) = (0, 0);
        for (name, text) in texts {
            let direct = read_direct(&text).map(|raw| format!("{raw:?}"));
            let tree = match Source::parse(std::path::Path::new(&name), text, std::iter::empty()) {
                Ok((mut source, issues)) if issues.is_empty() => match read(&mut source) {
                    (Some(raw), issues) if issues.is_empty() => Some(format!("{raw:?}")),
                    _ => None,
                },
                _ => None,
            };
            assert_eq!(direct, tree, "{name}");
            if tree.is_some() {
                both += 1;
            } else {
                neither += 1;
            }
        }
        assert!(both > 10 && neither > 3, "read {both}, refused {neither}");
    }
}
