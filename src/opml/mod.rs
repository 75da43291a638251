//! OPML import: every `<outline>` with an `xmlUrl` becomes a `[[feed]]` table, named from
//! its title (made unique) and tagged with the folders around it.

mod import;
mod repair;

pub use import::{
    parse, slug, to_toml, toml_string, Import, OpmlError, OpmlFeed, Skipped, NAME_MAX_CHARS,
    OPML_MAX_BYTES,
};
pub use repair::escape_stray_quotes;

#[cfg(test)]
mod tests;
