//! The packaging side of the CLI: `--help` with examples for every command, shell
//! completions and man pages generated from the same definitions.

use crate::common::{newshound, text};

const COMMANDS: &[&str] = &[
    "run",
    "once",
    "check",
    "match",
    "reload",
    "import-opml",
    "completions",
    "man",
];

#[tokio::test(flavor = "multi_thread")]
async fn every_command_has_help_with_an_example() {
    for cmd in COMMANDS {
        let out = newshound(&[cmd, "--help"]).await;
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{cmd}: {stderr}");
        assert!(
            stdout.contains("Example"),
            "{cmd} --help has examples:\n{stdout}"
        );
        assert!(
            stdout.contains(&format!("newshound {cmd}")),
            "{cmd}:\n{stdout}"
        );
    }
    let (top, _) = text(&newshound(&["--help"]).await);
    for cmd in COMMANDS {
        assert!(top.contains(cmd), "{cmd} listed in --help:\n{top}");
    }
    assert!(top.contains("journald"), "{top}");
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_cover_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let out = newshound(&["completions", shell]).await;
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{shell}: {stderr}");
        for cmd in ["import-opml", "reload", "log-format"] {
            assert!(stdout.contains(cmd), "{shell} completes {cmd}");
        }
    }
    let out = newshound(&["completions", "tcsh"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn man_pages_are_generated_from_the_cli() {
    let out = newshound(&["man"]).await;
    let (page, _) = text(&out);
    assert!(out.status.success());
    assert!(page.contains(".TH newshound 1"), "{page}");
    assert!(page.contains("import\\-opml"), "{page}");

    let dir = tempfile::tempdir().unwrap();
    let out = newshound(&["man", "--dir", dir.path().to_str().unwrap()]).await;
    assert!(out.status.success(), "{:?}", text(&out));
    for name in [
        "newshound",
        "newshound-run",
        "newshound-reload",
        "newshound-import-opml",
    ] {
        let page = std::fs::read_to_string(dir.path().join(format!("{name}.1"))).unwrap();
        assert!(page.contains(&format!(".TH {name} 1")), "{name}: {page}");
    }
}
