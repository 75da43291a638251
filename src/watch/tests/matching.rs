//! Tests of the matching rules without queries: word boundaries, false friends, folding,
//! CJK substrings, require modes, exclude, and the hits reported.

use rstest::rstest;

use super::super::{Field, Require, TermKind, WatchlistSpec};
use super::{content, hit_keys, hits, match_one, person, require_spec, spec, strings, titled};

fn austin() -> WatchlistSpec {
    spec(vec![person("Lloyd Austin", &["Secretary Austin"])], &[])
}

#[rstest]
#[case::full_name("Defence Secretary Lloyd Austin met", Some("Lloyd Austin"))]
#[case::alias("Secretary Austin said", Some("Secretary Austin"))]
#[case::case_folded("LLOYD AUSTIN SAID", Some("LLOYD AUSTIN"))]
#[case::place_false_friend("flights to Austin, Texas", None)]
#[case::surname_alone("Austin said", None)]
#[case::possessive("Lloyd Austin's visit", Some("Lloyd Austin"))]
#[case::curly_possessive("Lloyd Austin’s visit", Some("Lloyd Austin"))]
#[case::modifier_possessive("Lloyd Austinʼs visit", Some("Lloyd Austin"))]
#[case::longer_word("Lloyd Austinite", None)]
#[case::split_by_newline("Lloyd\n   Austin", Some("Lloyd Austin"))]
#[case::split_by_dash("Lloyd-Austin", Some("Lloyd-Austin"))]
#[case::full_width("ＬＬＯＹＤ　ＡＵＳＴＩＮ", Some("ＬＬＯＹＤ ＡＵＳＴＩＮ"))]
fn person_matching(#[case] text: &str, #[case] matched: Option<&str>) {
    let found = hits(austin(), content(text));
    assert_eq!(found.first().map(|h| h.matched.as_str()), matched, "{text}");
    assert!(found
        .iter()
        .all(|h| h.term == "Lloyd Austin" && h.kind == TermKind::Person));
}

#[rstest]
#[case::name_alone("Austin", &[], "Austin said", Some("Austin"))]
#[case::longer_word("Austin", &[], "an Austinite said", None)]
#[case::short_name("Li Shangfu", &["Li"], "Li said", Some("Li"))]
#[case::short_name_in_longer("Li Shangfu", &["Li"], "Lin Biao said", None)]
#[case::short_name_full_width("Li Shangfu", &["Li"], "ＬＩ said", Some("ＬＩ"))]
#[case::diacritics_in_text("Helene Dupont", &[], "Hélène Dupont said", Some("Hélène Dupont"))]
#[case::diacritics_in_name("Hélène Dupont", &[], "HELENE DUPONT said", Some("HELENE DUPONT"))]
#[case::umlaut("Thomas Müller", &[], "Thomas Muller scored", Some("Thomas Muller"))]
#[case::cjk_inside_sentence("Li Shangfu", &["李尚福"], "国防部长李尚福表示", Some("李尚福"))]
#[case::cjk_name_edge("李尚福", &[], "李尚福表示", Some("李尚福"))]
#[case::cjk_wrong_name("李尚福", &[], "李尚表示", None)]
#[case::japanese("岸田文雄", &["岸田"], "岸田首相は述べた", Some("岸田"))]
#[case::korean("윤석열", &[], "윤석열대통령은", Some("윤석열"))]
#[case::latin_next_to_han("Li Shangfu", &["Li"], "部长Li表示", Some("Li"))]
fn name_matching(
    #[case] name: &str,
    #[case] aliases: &[&str],
    #[case] text: &str,
    #[case] matched: Option<&str>,
) {
    let found = hits(spec(vec![person(name, aliases)], &[]), content(text));
    assert_eq!(found.first().map(|h| h.matched.as_str()), matched, "{text}");
}

#[rstest]
#[case::word("ban", "a ban on exports", Some("ban"))]
#[case::inside_word("ban", "urban areas", None)]
#[case::exact_word_not_longer("declined", "undeclined income", None)]
#[case::exact_word_not_prefix("decline", "Beijing declined", None)]
#[case::prefix_past("declin*", "Beijing declined", Some("declined"))]
#[case::prefix_gerund("declin*", "Beijing is declining", Some("declining"))]
#[case::prefix_itself("declin*", "a decline", Some("decline"))]
#[case::prefix_start_boundary("declin*", "undeclined income", None)]
#[case::prefix_phrase("human right*", "human rights groups", Some("human rights"))]
#[case::prefix_cjk("国防*", "国防部长", Some("国防"))]
#[case::hyphen("Shangri-La", "the Shangri-La Dialogue", Some("Shangri-La"))]
#[case::nb_hyphen(
    "Shangri-La",
    "the Shangri\u{2011}La Dialogue",
    Some("Shangri\u{2011}La")
)]
#[case::en_dash("Shangri-La", "the Shangri–La Dialogue", Some("Shangri–La"))]
#[case::space("Shangri-La", "the Shangri La Dialogue", Some("Shangri La"))]
#[case::nb_hyphen_keyword("Shangri\u{2011}La", "the Shangri-La Dialogue", Some("Shangri-La"))]
#[case::dash_term_matches_closed_compound(
    "Shangri-La",
    "the ShangriLa Dialogue",
    Some("ShangriLa")
)]
#[case::apostrophe("O'Brien", "Mr O’Brien said", Some("O’Brien"))]
#[case::apostrophe_backtick("O’Brien", "Mr O`Brien said", Some("O`Brien"))]
#[case::keyword_possessive("Pentagon", "the Pentagon’s budget", Some("Pentagon"))]
#[case::thai_substring("กรุงเทพ", "ไปกรุงเทพวันนี้", Some("กรุงเทพ"))]
#[case::numbers_closed_is_a_compound("F-35", "new F35 jets", Some("F35"))]
#[case::numbers_dashed("F-35", "new F–35 jets", Some("F–35"))]
fn keyword_matching(#[case] keyword: &str, #[case] text: &str, #[case] matched: Option<&str>) {
    let found = hits(spec(vec![], &[keyword]), content(text));
    assert_eq!(
        found.first().map(|h| h.matched.as_str()),
        matched,
        "{keyword} in {text}"
    );
    assert!(found
        .iter()
        .all(|h| h.term == keyword && h.kind == TermKind::Keyword));
}

#[rstest]
#[case::any_person(Require::Any, "Lloyd Austin spoke", true)]
#[case::any_keyword(Require::Any, "Beijing declined", true)]
#[case::any_both(Require::Any, "Lloyd Austin declined", true)]
#[case::any_neither(Require::Any, "Nothing here", false)]
#[case::person_person(Require::Person, "Lloyd Austin spoke", true)]
#[case::person_keyword(Require::Person, "Beijing declined", false)]
#[case::person_both(Require::Person, "Lloyd Austin declined", true)]
#[case::person_neither(Require::Person, "Nothing here", false)]
#[case::keyword_person(Require::Keyword, "Lloyd Austin spoke", false)]
#[case::keyword_keyword(Require::Keyword, "Beijing declined", true)]
#[case::keyword_both(Require::Keyword, "Lloyd Austin declined", true)]
#[case::keyword_neither(Require::Keyword, "Nothing here", false)]
#[case::both_person(Require::PersonAndKeyword, "Lloyd Austin spoke", false)]
#[case::both_keyword(Require::PersonAndKeyword, "Beijing declined", false)]
#[case::both_both(Require::PersonAndKeyword, "Lloyd Austin declined", true)]
#[case::both_neither(Require::PersonAndKeyword, "Nothing here", false)]
fn require_modes(#[case] require: Require, #[case] text: &str, #[case] expected: bool) {
    assert_eq!(
        match_one(require_spec(require), content(text)).is_some(),
        expected
    );
}

#[test]
fn require_person_and_keyword_across_fields() {
    let doc = titled("Lloyd Austin in Asia", "Beijing declined");
    assert!(match_one(require_spec(Require::PersonAndKeyword), doc).is_some());
}

#[rstest]
#[case::no_exclude_term("Austin landed", true)]
#[case::excluded_word("Austin, Texas weather", false)]
#[case::excluded_prefix("Austin has opinions", false)]
#[case::exclude_needs_word_boundary("Austin in Texarkana", true)]
#[case::excluded_folded("AUSTIN, TÉXAS", false)]
fn exclude_vetoes(#[case] text: &str, #[case] expected: bool) {
    let spec = WatchlistSpec {
        exclude: strings(&["texas", "opinion*"]),
        ..spec(vec![], &["austin"])
    };
    assert_eq!(match_one(spec, content(text)).is_some(), expected, "{text}");
}

#[test]
fn exclude_applies_to_any_field() {
    let spec = WatchlistSpec {
        exclude: strings(&["opinion"]),
        ..spec(vec![], &["austin"])
    };
    assert!(match_one(spec.clone(), titled("Opinion", "Austin spoke")).is_none());
    assert!(match_one(spec, titled("News", "Austin spoke")).is_some());
}

#[test]
fn hits_are_per_term_and_field_ordered_by_field_then_position() {
    let spec = spec(
        vec![person("Lloyd Austin", &["Secretary Austin"])],
        &["pentagon", "declin*"],
    );
    let doc = titled(
        "Pentagon: Austin declines",
        "Beijing declined. Secretary Austin and the Pentagon.",
    );
    let found = hits(spec, doc);
    assert_eq!(
        hit_keys(&found),
        [
            ("pentagon", Field::Title),
            ("declin*", Field::Title),
            ("declin*", Field::Content),
            ("Lloyd Austin", Field::Content),
            ("pentagon", Field::Content),
        ]
    );
}

#[test]
fn count_is_per_field_and_overlapping_aliases_count_once() {
    let spec = spec(vec![person("Lloyd Austin", &["Austin"])], &["declin*"]);
    let doc = titled(
        "Austin declines",
        "Lloyd Austin declined. Austin was declining. Later, Austin's aide declined too.",
    );
    let found = hits(spec, doc);
    let counts: Vec<(&str, Field, usize, &str)> = found
        .iter()
        .map(|h| (h.term.as_str(), h.field, h.count, h.matched.as_str()))
        .collect();
    assert_eq!(
        counts,
        [
            ("Lloyd Austin", Field::Title, 1, "Austin"),
            ("declin*", Field::Title, 1, "declines"),
            ("Lloyd Austin", Field::Content, 3, "Lloyd Austin"),
            ("declin*", Field::Content, 3, "declined"),
        ]
    );
}

#[test]
fn duplicate_keywords_give_one_hit() {
    let found = hits(
        spec(vec![], &["Ukraine", "ukraine"]),
        content("Ukraine and Ukraine"),
    );
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].term.as_str(), found[0].count), ("Ukraine", 2));
}
