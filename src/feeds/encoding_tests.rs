use super::*;
use rstest::rstest;

fn text(bytes: &[u8], http: Option<&str>) -> String {
    String::from_utf8(to_utf8(bytes, http).into_owned()).expect("UTF-8 out")
}

fn encode(enc: &'static Encoding, s: &str) -> Vec<u8> {
    enc.encode(s).0.into_owned()
}

#[rstest]
#[case("text/xml; charset=utf-8", Some("utf-8"))]
#[case("application/atom+xml;charset='us-ascii'", Some("us-ascii"))]
#[case("application/rss+xml;charset= \"us-ascii\"", Some("us-ascii"))]
#[case("application/xml;charset = us-ascii", Some("us-ascii"))]
#[case("text/xml; qs=0.9", None)]
#[case("text/xml; charset:iso-8859-1", None)]
#[case("text/xml;", None)]
#[case("text/xml; charset=", None)]
#[case("text/xml", None)]
fn charset_parameters(#[case] content_type: &str, #[case] want: Option<&str>) {
    assert_eq!(charset_param(content_type), want);
}

#[test]
fn utf8_declared_as_utf8_is_borrowed() {
    let doc = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>café</rss>".as_bytes();
    assert!(matches!(to_utf8(doc, None), Cow::Borrowed(_)));
    assert!(matches!(
        to_utf8(b"<rss>plain</rss>", Some("us-ascii")),
        Cow::Borrowed(_)
    ));
}

#[test]
fn byte_order_marks_and_wide_encodings() {
    let body = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss>café “x”</rss>";
    let want = body.replace("utf-16", "utf-8");
    let be: Vec<u8> = body.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let le: Vec<u8> = body.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let with_bom = |bom: &[u8], b: &[u8]| [bom, b].concat();
    let utf32be: Vec<u8> = body
        .chars()
        .flat_map(|c| u32::from(c).to_be_bytes())
        .collect();
    for bytes in [
        be.clone(),
        le.clone(),
        with_bom(&[0xFE, 0xFF], &be),
        with_bom(&[0xFF, 0xFE], &le),
        utf32be.clone(),
        with_bom(&[0, 0, 0xFE, 0xFF], &utf32be),
    ] {
        assert_eq!(text(&bytes, None), want);
    }
    let bom8 = with_bom(b"\xEF\xBB\xBF", body.as_bytes());
    assert_eq!(
        text(&bom8, Some("iso-8859-1")),
        want,
        "the BOM wins over HTTP"
    );
}

#[test]
fn declared_legacy_encodings_are_decoded() {
    let koi8 = encode(
        encoding_rs::KOI8_R,
        "<?xml version='1.0' encoding='KOI8-R'?><t>Первая новость</t>",
    );
    assert_eq!(
        text(&koi8, None),
        "<?xml version='1.0' encoding='utf-8'?><t>Первая новость</t>"
    );
    let latin1 = b"<?xml version=\"1.0\" encoding=\"iso8859-1\"?><t>Ana\xEFs J\xFCrgen \x80</t>";
    assert_eq!(
        text(latin1, None),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Anaïs Jürgen €</t>"
    );
    let cp1251 = encode(
        encoding_rs::WINDOWS_1251,
        "<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>Цитата</t>",
    );
    assert!(text(&cp1251, None).ends_with("<t>Цитата</t>"));
    let euc_kr = encode(
        encoding_rs::EUC_KR,
        "<?xml version=\"1.0\" encoding=\"euc-kr\"?><t>년</t>",
    );
    assert!(text(&euc_kr, None).ends_with("<t>년</t>"));
}

#[test]
fn the_http_charset_wins_over_the_declaration() {
    let doc = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><t>\xF0\xC5\xD2</t>";
    assert_eq!(
        text(doc, Some("koi8-r")),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Пер</t>"
    );
    assert_eq!(text(b"<t>\xE9</t>", Some("latin1")), "<t>é</t>");
}

#[test]
fn mislabelled_and_undeclared_bytes() {
    // Valid UTF-8 labelled Latin-1 (by the declaration or by HTTP) is UTF-8.
    let utf8_as_latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Café €</t>";
    assert_eq!(
        text(utf8_as_latin1.as_bytes(), None),
        utf8_as_latin1.replace("ISO-8859-1", "utf-8")
    );
    assert_eq!(
        text("<t>Café</t>".as_bytes(), Some("iso-8859-1")),
        "<t>Café</t>"
    );
    // An unknown label: valid UTF-8 stays UTF-8, the declaration is corrected.
    let bogus = "<?xml version=\"1.0\" encoding=\"invalid\"?><t>테스트</t>";
    assert_eq!(
        text(bogus.as_bytes(), None),
        bogus.replace("invalid", "utf-8")
    );
    // Undeclared or declared UTF-8 but invalid: Windows-1252, or lossy UTF-8 when mostly UTF-8.
    assert_eq!(text(b"<t>caf\xE9 \x93x\x94</t>", None), "<t>café “x”</t>");
    assert_eq!(
        text(
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Ana\xEFs</t>",
            None
        ),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Anaïs</t>"
    );
    let mostly_utf8 = ["<t>café ÿ".as_bytes(), b"\xFF</t>"].concat();
    assert_eq!(text(&mostly_utf8, None), "<t>café ÿ\u{FFFD}</t>");
    // A document claiming UTF-16 in ASCII bytes says UTF-8 afterwards.
    assert_eq!(
        text(b"<?xml version=\"1.0\" encoding=\"utf-16\"?><t/>", None),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><t/>"
    );
}

#[test]
fn html_meta_charsets() {
    let page =
        b"<html><head><meta name=x><META Charset=\"ISO-8859-1\"><title>Fr\xE9d\xE9ric</title>";
    assert_eq!(html_charset(page).as_deref(), Some("iso-8859-1"));
    let equiv = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">";
    assert_eq!(html_charset(equiv).as_deref(), Some("koi8-r"));
    assert_eq!(html_charset(b"<meta name=\"a\" content=\"b\">"), None);
}

/// A fixture of `tests/fixtures/charsets` (written by `examples/charset_fixtures.rs`).
fn charset_fixture(file: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/charsets");
    std::fs::read(dir.join(file)).expect("fixture")
}

#[rstest::rstest]
#[case::gbk("gbk.xml", "李尚福", "国防部长")]
#[case::big5("big5.xml", "李尚福", "國防部長")]
#[case::shift_jis("shift_jis.xml", "浜田靖一", "防衛大臣")]
#[case::euc_kr("euc-kr.xml", "이종섭", "국방부 장관")]
#[case::koi8_r("koi8-r.xml", "Шойгу", "Министр обороны")]
#[case::windows_1251("windows-1251.xml", "Резніков", "Міністр оборони")]
#[case::windows_1252("windows-1252.xml", "Müller", "Außenminister")]
fn class7_undeclared_charsets_are_detected(
    #[case] file: &str,
    #[case] name: &str,
    #[case] phrase: &str,
) {
    use crate::watch::{compile, PersonSpec, WatchlistSpec};
    let bytes = charset_fixture(file);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "{file} must not be UTF-8"
    );
    let articles = crate::feeds::parse::parse_feed(&bytes, "f", None).expect("parses");
    let summary = &articles[0].summary;
    assert!(summary.contains(phrase), "{file}: {summary}");
    let spec = WatchlistSpec {
        name: "w".into(),
        people: vec![PersonSpec {
            name: name.into(),
            ..PersonSpec::default()
        }],
        ..WatchlistSpec::default()
    };
    let matcher = compile(&[spec]).unwrap();
    let found = matcher.match_document(&articles[0].document(), &|_| true);
    assert_eq!(found.len(), 1, "{file}: {name} must fire");
}

#[test]
fn class7_declared_charsets_keep_winning() {
    let bytes = charset_fixture("koi8-r-declared-1251.xml");
    let articles = crate::feeds::parse::parse_feed(&bytes, "f", None).expect("parses");
    let (as_1251, _) = encoding_rs::WINDOWS_1251.decode_without_bom_handling(&bytes);
    let item = &as_1251[as_1251.find("<item>").unwrap()..];
    let expected = &item[item.find("<description>").unwrap() + 13..];
    let expected = &expected[..expected.find("</description>").unwrap()];
    assert_eq!(articles[0].summary, expected.trim());
    assert!(!articles[0].summary.contains("Шойгу"));
}
