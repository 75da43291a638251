//! Tests of query semantics: every construct, scopes, NEAR distances, and which hits a
//! query reports.

use rstest::rstest;

use super::super::{Document, Field, TermKind, WatchlistSpec};
use super::{content, hit_keys, hits, match_one, person, query_spec};

fn doc3<'a>(title: &'a str, summary: &'a str, content: &'a str) -> Document<'a> {
    Document {
        title,
        summary,
        content,
        ..Document::default()
    }
}

#[rstest]
#[case::implicit_and_both("austin declined", "Austin has declined", true)]
#[case::implicit_and_one("austin declined", "Austin has accepted", false)]
#[case::explicit_and_both("austin AND declined", "Austin has declined", true)]
#[case::explicit_and_one("austin AND declined", "Beijing declined", false)]
#[case::or_left("austin OR beijing", "Austin spoke", true)]
#[case::or_right("austin OR beijing", "Beijing spoke", true)]
#[case::or_none("austin OR beijing", "Tokyo spoke", false)]
#[case::not_absent("austin NOT texas", "Austin spoke", true)]
#[case::not_present("austin NOT texas", "Austin, Texas", false)]
#[case::and_not_present("austin AND NOT texas", "Austin, Texas", false)]
#[case::minus_absent("austin -texas", "Austin spoke", true)]
#[case::minus_present("austin -texas", "Austin, Texas", false)]
#[case::parens_grouping("(austin OR li) AND pentagon", "Li told the Pentagon", true)]
#[case::parens_grouping_missing("(austin OR li) AND pentagon", "Li told the press", false)]
#[case::without_parens_differs("austin OR li AND pentagon", "Austin told the press", true)]
#[case::phrase("\"shangri la\"", "at the Shangri-La Dialogue", true)]
#[case::phrase_needs_order("\"la shangri\"", "at the Shangri-La Dialogue", false)]
#[case::prefix("declin*", "Beijing is declining", true)]
#[case::prefix_start_boundary("declin*", "undeclined invitations", false)]
#[case::lowercase_and_is_a_word("austin and texas", "Austin and Texas", true)]
#[case::lowercase_and_is_required("austin and texas", "Austin, Texas", false)]
#[case::person_by_name("@\"Lloyd Austin\"", "Lloyd Austin spoke", true)]
#[case::person_via_alias("@\"Lloyd Austin\"", "Secretary Austin spoke", true)]
#[case::person_name_folded("@\"lloyd AUSTIN\"", "Secretary Austin spoke", true)]
#[case::person_not_surname("@\"Lloyd Austin\"", "flights to Austin, Texas", false)]
#[case::person_cjk_alias("@\"Li Shangfu\"", "国防部长李尚福表示", true)]
#[case::query_words_fold("MÜLLER", "Herr Muller", true)]
#[case::double_negation("NOT NOT austin", "Austin spoke", true)]
#[case::double_negation_absent("NOT -austin", "Li spoke", false)]
fn query_semantics(#[case] query: &str, #[case] text: &str, #[case] expected: bool) {
    assert_eq!(
        match_one(query_spec(query), content(text)).is_some(),
        expected,
        "{query}"
    );
}

#[test]
fn unquoted_at_word_names_a_single_word_person() {
    let spec = WatchlistSpec {
        people: vec![person("Prabowo", &["Prabowo Subianto"])],
        query: Some("@Prabowo".into()),
        ..WatchlistSpec::default()
    };
    assert!(match_one(spec.clone(), content("President Prabowo said")).is_some());
    assert!(match_one(spec, content("President Widodo said")).is_none());
}

#[rstest]
#[case::adjacent("austin NEAR/0 declined", "Austin declined", true)]
#[case::zero_needs_adjacent("austin NEAR/0 declined", "Austin has declined", false)]
#[case::inside_distance("austin NEAR/2 declined", "Austin has not declined", true)]
#[case::outside_distance("austin NEAR/2 declined", "Austin has really not declined", false)]
#[case::either_order("austin NEAR/2 declined", "declined, said Austin", true)]
#[case::some_pair_suffices(
    "austin NEAR/1 declined",
    "Austin spoke at length today. Then Austin declined",
    true
)]
#[case::phrase_operand("\"lloyd austin\" NEAR/3 declin*", "Lloyd Austin then declined", true)]
#[case::person_operand("@\"Lloyd Austin\" NEAR/1 declined", "Secretary Austin declined", true)]
#[case::or_group_operand("(austin OR li) NEAR/1 (declin* OR refus*)", "Li refused", true)]
#[case::or_group_too_far(
    "(austin OR li) NEAR/1 (declin* OR refus*)",
    "Li has not refused",
    false
)]
#[case::near_and_more("austin NEAR/1 declined pentagon", "Austin declined. Pentagon", true)]
#[case::cjk_counts_characters("李尚福 NEAR/2 表示", "李尚福部长表示", true)]
fn near_distances(#[case] query: &str, #[case] text: &str, #[case] expected: bool) {
    assert_eq!(
        match_one(query_spec(query), content(text)).is_some(),
        expected,
        "{query}"
    );
}

#[test]
fn near_needs_both_in_the_same_field() {
    let doc = titled_doc("Austin speaks", "He declined");
    assert!(match_one(query_spec("austin NEAR/5 declined"), doc).is_none());
    let doc = titled_doc("Austin declined", "");
    assert!(match_one(query_spec("austin NEAR/5 declined"), doc).is_some());
}

fn titled_doc<'a>(title: &'a str, text: &'a str) -> Document<'a> {
    Document {
        title,
        summary: "",
        content: text,
        ..Document::default()
    }
}

#[rstest]
#[case::title_in_title("title:austin", doc3("Austin", "", ""), true)]
#[case::title_in_content("title:austin", doc3("", "", "Austin"), false)]
#[case::summary_in_summary("summary:austin", doc3("", "Austin", ""), true)]
#[case::summary_in_title("summary:austin", doc3("Austin", "", ""), false)]
#[case::content_in_content("content:austin", doc3("", "", "Austin"), true)]
#[case::content_in_summary("content:austin", doc3("", "Austin", ""), false)]
#[case::unscoped_anywhere("austin", doc3("", "Austin", ""), true)]
#[case::scoped_group("title:(austin OR li)", doc3("Li visits", "", ""), true)]
#[case::scoped_group_elsewhere("title:(austin OR li)", doc3("", "", "Li visits"), false)]
#[case::scoped_phrase("title:\"shangri la\"", doc3("Shangri-La talks", "", ""), true)]
#[case::scoped_person("title:@\"Li Shangfu\"", doc3("General Li speaks", "", ""), true)]
#[case::scoped_person_elsewhere("title:@\"Li Shangfu\"", doc3("", "General Li", ""), false)]
#[case::scoped_near(
    "content:(austin NEAR/1 declined)",
    doc3("Austin declined", "", ""),
    false
)]
#[case::not_title_ok("austin NOT title:opinion", doc3("News", "", "Austin opinion"), true)]
#[case::not_title_vetoes("austin NOT title:opinion", doc3("Opinion: Austin", "", ""), false)]
#[case::field_name_any_case("TITLE:austin", doc3("Austin", "", ""), true)]
fn field_scopes(#[case] query: &str, #[case] doc: Document<'_>, #[case] expected: bool) {
    assert_eq!(
        match_one(query_spec(query), doc).is_some(),
        expected,
        "{query}"
    );
}

#[test]
fn query_hits_are_referenced_terms_that_occurred() {
    let doc = doc3(
        "Austin declines",
        "",
        "Lloyd Austin declined; Li Shangfu said so. Pentagon.",
    );
    let found = hits(
        query_spec("(@\"Lloyd Austin\" OR general) AND declin* NOT title:pentagon"),
        doc,
    );
    assert_eq!(
        hit_keys(&found),
        [
            ("declin*", Field::Title),
            ("Lloyd Austin", Field::Content),
            ("declin*", Field::Content)
        ]
    );
}

#[test]
fn terms_only_under_not_are_not_hits() {
    let doc = doc3("Austin", "", "Austin visited the Pentagon");
    let found = hits(query_spec("austin AND NOT title:pentagon"), doc);
    assert_eq!(
        hit_keys(&found),
        [("austin", Field::Title), ("austin", Field::Content)]
    );
}

#[test]
fn scoped_terms_report_only_their_fields() {
    let doc = doc3("Austin", "Austin", "Austin");
    let found = hits(query_spec("title:austin"), doc);
    assert_eq!(hit_keys(&found), [("austin", Field::Title)]);
}

#[test]
fn unreferenced_people_are_not_hits() {
    let found = hits(query_spec("declined"), content("Lloyd Austin declined"));
    assert_eq!(hit_keys(&found), [("declined", Field::Content)]);
    assert_eq!(found[0].kind, TermKind::Keyword);
}

#[test]
fn query_replaces_keywords_and_require() {
    let spec = WatchlistSpec {
        keywords: vec!["pentagon".into()],
        query: Some("austin".into()),
        ..query_spec("unused")
    };
    assert!(match_one(spec.clone(), content("The Pentagon said")).is_none());
    let found = hits(spec, content("Austin at the Pentagon"));
    assert_eq!(hit_keys(&found), [("austin", Field::Content)]);
}

#[test]
fn real_article_matches_the_defence_query() {
    let text = "Beijing has declined a US invitation for a meeting in Singapore between Defence \
                Secretary Lloyd Austin and his Chinese counterpart Li Shangfu, the Pentagon said.";
    let query = "(@\"Lloyd Austin\" OR @\"Li Shangfu\") AND (declin* OR \"Shangri-La\") \
                 AND NOT title:opinion";
    let doc = doc3("Beijing declines Austin meeting", text, "");
    let found = match_one(query_spec(query), doc).expect("the article matches");
    let keys: Vec<(&str, Field, &str, usize)> = found
        .hits
        .iter()
        .map(|h| (h.term.as_str(), h.field, h.matched.as_str(), h.count))
        .collect();
    assert_eq!(
        keys,
        [
            ("declin*", Field::Title, "declines", 1),
            ("declin*", Field::Summary, "declined", 1),
            ("Lloyd Austin", Field::Summary, "Lloyd Austin", 1),
            ("Li Shangfu", Field::Summary, "Li Shangfu", 1),
        ]
    );
    assert_eq!(found.hits[2].kind, TermKind::Person);
    assert!(found.hits[2]
        .snippet
        .contains("Defence Secretary [Lloyd Austin] and his"));
    let opinion = doc3("Opinion: Beijing declines Austin meeting", text, "");
    assert!(match_one(query_spec(query), opinion).is_none());
}

#[test]
fn article_scope_looks_only_at_the_fetched_page_and_unscoped_terms_see_it_too() {
    let page = Document {
        title: "Forum opens",
        article: "Later, Lloyd Austin met his counterpart.",
        ..Document::default()
    };
    let feed_only = Document {
        title: "Lloyd Austin at the forum",
        ..Document::default()
    };
    let scoped = || query_spec("article:\"Lloyd Austin\"");
    assert!(match_one(scoped(), page).is_some());
    assert!(match_one(scoped(), feed_only).is_none());
    let unscoped = query_spec("\"Lloyd Austin\"");
    let m = match_one(unscoped, page).expect("unscoped terms look in the page too");
    assert_eq!(m.hits[0].field, Field::Article);
    assert_eq!(Field::Article.as_str(), "article");
}
