//! `newshound match --as html` on a saved article page: the page is read with the page
//! stage's extraction (readability), so a name in the article body hits as `article`
//! and words only in the navigation do not; a page the extraction refuses says why.

use crate::common::{fixture, newshound, text};

fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let toml = format!(
        "[daemon]\nstate_dir = \"{}\"\n\n[[feed]]\nname = \"f\"\nurl = \"https://news.example/feed\"\n\n\
         [[watchlist]]\nname = \"austin\"\nrequire = \"person\"\n\n\
         [[watchlist.person]]\nname = \"Lloyd Austin\"\n\n\
         [[watchlist]]\nname = \"nav-words\"\nquery = 'newsletter OR \"World desk\"'\n",
        dir.join("state").display()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

async fn run(cfg: &std::path::Path, page: &str) -> (String, String) {
    let page = fixture(page);
    let out = newshound(&[
        "match",
        "-c",
        cfg.to_str().unwrap(),
        "--as",
        "html",
        page.to_str().unwrap(),
    ])
    .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn match_as_html_uses_the_page_extraction() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let (stdout, stderr) = run(&cfg, "fulltext/article.html").await;
    assert!(stdout.contains("watchlist austin"), "{stdout}");
    assert!(
        stdout.contains("person \"Lloyd Austin\" in article"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[Lloyd Austin] met his counterpart"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("nav-words"),
        "navigation is not the article: {stdout}"
    );
    assert!(!stderr.contains("warning"), "{stderr}");

    let (stdout, stderr) = run(&cfg, "fulltext/consent.html").await;
    assert!(
        stderr.contains("the page stage would not use this page: consent or paywall page"),
        "{stderr}"
    );
    assert!(stdout.contains("1 articles"), "{stdout}");
}
