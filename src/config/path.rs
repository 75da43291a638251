//! Key paths into the config tree (`watchlist[0].person[1].name`): built while reading,
//! parsed back from the keys validation reports, printed in every issue.

use std::fmt;

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array element.
    Index(usize),
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Key(k) => f.write_str(k),
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// A path from the top of the config to one value.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPath(Vec<Segment>);

impl KeyPath {
    /// Parses `a.b[0].c` (the form issues are reported in). Keys are split at dots, so a
    /// header name holding one (`headers.X.Y`) reads as deeper keys; it then simply finds
    /// no line.
    pub fn parse(text: &str) -> KeyPath {
        let mut out = Vec::new();
        for part in text.split('.') {
            let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
            if !name.is_empty() {
                out.push(Segment::Key(name.to_string()));
            }
            while let Some((index, after)) = rest.split_once(']') {
                match index.parse() {
                    Ok(i) => out.push(Segment::Index(i)),
                    Err(_) => out.push(Segment::Key(index.to_string())),
                }
                rest = after.strip_prefix('[').unwrap_or(after);
            }
        }
        KeyPath(out)
    }

    /// The steps.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Adds a step at the end.
    pub fn push(&mut self, segment: Segment) {
        self.0.push(segment);
    }

    /// Whether there are no steps.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `prefix` is this path or a path above it.
    pub fn starts_with(&self, prefix: &KeyPath) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// This path without its last step.
    pub fn parent(&self) -> Option<KeyPath> {
        let (_, rest) = self.0.split_last()?;
        Some(KeyPath(rest.to_vec()))
    }
}

impl From<Vec<Segment>> for KeyPath {
    fn from(segments: Vec<Segment>) -> Self {
        KeyPath(segments)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            if n > 0 && matches!(seg, Segment::Key(_)) {
                f.write_str(".")?;
            }
            write!(f, "{seg}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_as_they_parse() {
        for text in [
            "daemon.poll_interval",
            "watchlist[0].person[1].name",
            "sink[2]",
        ] {
            assert_eq!(KeyPath::parse(text).to_string(), text);
        }
    }
}
