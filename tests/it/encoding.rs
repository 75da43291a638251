//! config → feeds (fetch → **encoding** → parse): documents in legacy encodings read with
//! the right text — feedparser's encoding suite and Miniflux's test data — whether the
//! encoding comes from a BOM, the HTTP charset, the XML declaration, or a guess; and over
//! HTTP, the Content-Type charset reaches the parser.

use newshound::feeds::encoding::to_utf8;
use newshound::feeds::parse::{parse_any, parse_document, Input, ParseOptions};
use newshound::feeds::Article;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{fixture, fixture_bytes, newshound, text, write_config};

/// The HTTP charset a feedparser file's `Header: Content-type:` line names, if any.
fn header_charset(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(600)]).into_owned();
    let line = head
        .lines()
        .find(|l| l.contains("Header:") && l.contains("Content-type:"))?;
    let value = line.split_once("Content-type:")?.1;
    newshound::feeds::encoding::charset_param(value).map(str::to_string)
}

fn articles(rel: &str) -> Vec<Article> {
    let bytes = fixture_bytes(rel);
    let opts = ParseOptions {
        charset: header_charset(&bytes),
        ..ParseOptions::default()
    };
    match parse_document(&bytes, "f", &opts) {
        Ok(parsed) => parsed.articles,
        Err(e) => panic!("{rel} does not parse: {e}"),
    }
}

/// The document as the parser sees it, after normalisation to UTF-8.
fn normalised(rel: &str) -> String {
    String::from_utf8(to_utf8(&fixture_bytes(rel), None).into_owned()).expect("UTF-8 out")
}

#[test]
fn feedparser_legacy_and_wide_encodings_read_the_right_text() {
    for (file, summary) in [
        ("demoronize-1.xml", "don’t"), // undeclared Windows-1252
        ("demoronize-2.xml", "don’t"), // &#146; read as Windows-1252
        ("http_text_xml_charset_2.xml", "This is a £“test.”"), // HTTP charset
        (
            "http_text_xml_charset_overrides_encoding_2.xml",
            "This is a £“test.”",
        ),
        ("euc-kr-item.xml", "년"),
    ] {
        let got = articles(&format!("feedparser/encoding/{file}"));
        let got = got.first().map(|a| a.summary.as_str());
        assert_eq!(got, Some(summary), "{file}");
    }
}

#[test]
fn every_feedparser_encoding_file_in_a_wide_or_latin_encoding_parses() {
    let dir = fixture("feedparser/encoding");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let wide = bytes.starts_with(&[0xFE, 0xFF])
            || bytes.starts_with(&[0xFF, 0xFE])
            || bytes.get(..4).is_some_and(|h| h.contains(&0));
        let declared = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
        let legacy = ["iso-8859-1", "windows-1252", "koi8-r", "us-ascii"]
            .iter()
            .any(|e| declared.contains(e))
            || header_charset(&bytes).is_some();
        if (wide || legacy) && !name.starts_with("bozo") {
            let _ = articles(&format!("feedparser/encoding/{name}"));
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} files checked");
}

#[test]
fn miniflux_feeds_in_legacy_encodings_read_the_right_text() {
    let m = "miniflux/internal/reader";
    for (file, title) in [
        ("parser/testdata/encoding_ISO-8859-1.xml", "Machine Learning: Von KI erstelltes Porträt für 432.500 US.Dollar versteigert"),
        ("parser/testdata/no_encoding_ISO-8859-1.xml", "La criminalité liée surtout à... l'ennui ?"),
        ("parser/testdata/encoding_WINDOWS-1251.xml", "Цитата #17703"),
        ("encoding/testdata/koi8r.xml", "Первая новость"),
        ("xml/testdata/koi8r.xml", "Первая новость"),
        ("encoding/testdata/utf8-incorrect-prolog.xml", "Café"),
        ("encoding/testdata/invalid-prolog.xml", "Café"),
        ("parser/testdata/urdu_UTF8.xml", "امریکی عسکری امداد کی بندش کی وجوہات: انڈیا سے جنگ، جوہری پروگرام اور اب دہشت گردوں کی پشت پناہی"),
    ] {
        let got = articles(&format!("{m}/{file}"));
        assert!(got.iter().any(|a| a.title == title), "{file}: {:?}", got.first().map(|a| &a.title));
    }
}

#[test]
fn miniflux_documents_without_items_normalise_to_the_right_text() {
    let m = "miniflux/internal/reader";
    for (file, texts) in [
        (
            "encoding/testdata/iso-8859-1.xml",
            &["<title>Café</title>", "Présentation"][..],
        ),
        ("encoding/testdata/windows-1252.xml", &["Euro €"]),
        (
            "encoding/testdata/windows-1252-incorrect-prolog.xml",
            &["Euro €"],
        ),
        ("xml/testdata/iso88591.xml", &["Anaïs", "Jürgen"]),
        (
            "xml/testdata/iso88591_utf8_mismatch.xml",
            &["Anaïs", "Jürgen"],
        ),
        (
            "encoding/testdata/utf8-incorrect-prolog.xml",
            &["테스트 피드"],
        ),
    ] {
        let doc = normalised(&format!("{m}/{file}"));
        for t in texts {
            assert!(doc.contains(t), "{file}: no {t:?} in {doc}");
        }
        assert!(
            doc.contains("encoding=\"utf-8\"") || !doc.contains("encoding="),
            "{file}: {doc}"
        );
    }
}

#[test]
fn miniflux_html_pages_read_with_their_charset() {
    let m = "miniflux/internal/reader/encoding/testdata";
    for (file, title) in [
        ("iso-8859-1.html", "Frédéric"),
        ("iso-8859-1-meta-after-1024.html", "Frédéric"),
        ("utf8.html", "Café"),
        ("utf8-meta-after-1024.html", "Frédéric"),
    ] {
        match parse_any(&fixture_bytes(&format!("{m}/{file}")), file) {
            Input::Page(a) => assert_eq!(a.title, title, "{file}"),
            other => panic!("{file}: not a page: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_http_charset_reaches_the_parser() {
    let server = MockServer::start().await;
    let koi8 = b"<rss version=\"2.0\"><channel><item><guid>k</guid><title>\xf0\xc5\xd2\xd7\xc1\xd1 \xce\xcf\xd7\xcf\xd3\xd4\xd8: Lloyd Austin</title></item></channel></rss>";
    Mock::given(path("/koi8.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(koi8.to_vec(), "application/rss+xml; charset=KOI8-R"),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let feed = format!("{}/koi8.rss", server.uri());
    let config = write_config(
        dir.path(),
        "it/single-feed.toml.tmpl",
        &[
            ("URL", &feed),
            ("STATE", dir.path().join("state").to_str().unwrap()),
        ],
    );
    let out = newshound(&["once", "-c", config.to_str().unwrap(), "--dry-run"]).await;
    let (stdout, stderr) = text(&out);
    assert!(
        stdout.contains("Первая новость: Lloyd Austin"),
        "stdout: {stdout}\nstderr: {stderr}"
    );
}
