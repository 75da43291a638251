//! `newshound import-opml`: the feeds of an OPML file as `[[feed]]` tables on stdout, and
//! a note on stderr for each outline that was skipped.

use std::io::{Read, Write};
use std::path::Path;

use super::{io, CommandError};
use crate::opml::{self, OPML_MAX_BYTES};

/// `import-opml`: writes the TOML on `out`, the skipped outlines on `err`. Returns the
/// number of feeds written.
pub fn import_opml(
    path: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<usize, CommandError> {
    let bytes = read_bounded(path)?;
    let import = opml::parse(&bytes).map_err(|source| CommandError::NotOpml {
        path: path.display().to_string(),
        source,
    })?;
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.write_all(opml::to_toml(&import, &label).as_bytes())
        .map_err(io("writing the feeds"))?;
    if import.repaired > 0 {
        writeln!(
            err,
            "newshound: note: {} attribute value{} held unescaped quotes; read as the exporter meant them",
            import.repaired,
            if import.repaired == 1 { "" } else { "s" }
        )
        .map_err(io("writing the notes"))?;
    }
    for s in &import.skipped {
        writeln!(
            err,
            "newshound: skipped outline '{}' ({}): {}",
            s.title, s.url, s.reason
        )
        .map_err(io("writing the notes"))?;
    }
    Ok(import.feeds.len())
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, CommandError> {
    let what = format!("reading '{}'", path.display());
    let fail = |source| CommandError::Io {
        what: what.clone(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(fail)?
        .take(OPML_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > OPML_MAX_BYTES {
        return Err(fail(std::io::Error::other(format!(
            "larger than {OPML_MAX_BYTES} bytes"
        ))));
    }
    Ok(bytes)
}
