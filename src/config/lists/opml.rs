//! An OPML feed list: every outline with an `xmlUrl` is a feed named by its title (else its
//! URL), tagged with the slugs of the folders around it. One URL in several folders is one
//! feed with all their tags; a title repeated in the file gets ` (2)`, ` (3)`, … in document
//! order. `htmlUrl` is read but not used.

use std::collections::{HashMap, HashSet};

use super::{ListFile, Listed};
use crate::config::raw::RawFeed;
use crate::config::validate::Issues;
use crate::opml::{self, Outline, NAME_MAX_CHARS};

/// Adds the feeds of the OPML document `bytes` to `out`.
pub(super) fn read(bytes: &[u8], file: &ListFile<'_>, out: &mut Vec<Listed>, issues: &mut Issues) {
    let found = match opml::outlines(bytes) {
        Ok((found, _repaired)) => found,
        Err(e) => return file.push(issues, "", 1, format!("not a usable OPML file: {e}")),
    };
    let mut names = HashSet::new();
    let mut by_url: HashMap<String, usize> = HashMap::new();
    for outline in found {
        let url = file.url(&outline.url);
        if let Some(&first) = by_url.get(&url) {
            opml::merge_tags(&mut out[first].feed.tags, outline.tags);
            continue;
        }
        by_url.insert(url.clone(), out.len());
        out.push(listed(outline, url, file, &mut names));
    }
}

fn listed(o: Outline, url: String, file: &ListFile<'_>, names: &mut HashSet<String>) -> Listed {
    let base = match o.title.is_empty() {
        true => url.clone(),
        false => opml::truncate_chars(&o.title, NAME_MAX_CHARS),
    };
    let name = opml::unique(names, base);
    Listed {
        list: file.list,
        origin: file.at(o.line, Some(&o.title)),
        feed: RawFeed {
            name: Some(name),
            url: Some(url),
            tags: o.tags,
            ..RawFeed::default()
        },
    }
}
