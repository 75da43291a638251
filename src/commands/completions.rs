//! `newshound completions SHELL` and `newshound man`: shell completion scripts and roff
//! man pages, generated from the clap definitions so they never drift from `--help`.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use super::{io, CommandError};
use crate::cli::Cli;

/// `completions`: the completion script for `shell` on `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<(), CommandError> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "newshound", out);
    out.flush().map_err(io("writing the completions"))
}

/// `man`: newshound(1) on `out`; with `dir`, newshound.1 and one newshound-COMMAND.1 per
/// command written there instead. Returns the files written.
pub fn man(dir: Option<&Path>, out: &mut dyn Write) -> Result<Vec<String>, CommandError> {
    let cmd = Cli::command();
    let Some(dir) = dir else {
        clap_mangen::Man::new(cmd)
            .render(out)
            .map_err(io("writing the man page"))?;
        return Ok(Vec::new());
    };
    std::fs::create_dir_all(dir).map_err(io("creating the man page folder"))?;
    let mut written = Vec::new();
    let pages = std::iter::once(cmd.clone()).chain(
        cmd.get_subcommands()
            .filter(|c| c.get_name() != "help")
            .map(|c| c.clone().name(format!("newshound-{}", c.get_name()))),
    );
    for page in pages {
        let file = dir.join(format!("{}.1", page.get_name()));
        let mut bytes = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut bytes)
            .map_err(io("rendering a man page"))?;
        std::fs::write(&file, bytes).map_err(io("writing a man page"))?;
        written.push(file.display().to_string());
    }
    Ok(written)
}
