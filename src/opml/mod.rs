//! OPML: the outline walker ([`outlines`]) that `import-opml` and `feed_lists` share, and
//! the import, where every `<outline>` with an `xmlUrl` becomes a `[[feed]]` table, named
//! from its title (made unique) and tagged with the folders around it.

mod import;
mod outline;
mod repair;

pub use import::{
    merge_tags, parse, to_toml, toml_string, truncate_chars, unique, Import, OpmlFeed, Skipped,
    NAME_MAX_CHARS, OPML_MAX_BYTES,
};
pub use outline::{clean, outlines, slug, OpmlError, Outline, MAX_DEPTH};
pub use repair::escape_stray_quotes;

#[cfg(test)]
mod tests;
