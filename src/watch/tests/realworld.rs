//! Table tests of the classes of real-world text the matcher must not miss (issue 10),
//! one table per class, named after it: unaccented letters, invisible characters,
//! compounds, dotted abbreviations, fields, short forms, query warnings, regex terms and
//! field scopes. Persons and keywords are checked both ways (ASCII term on native text
//! and the reverse) where the class allows.

use rstest::rstest;

use super::super::{compile, normalise, Document, Field, PersonSpec};
use super::{compile_errors, content, hits, match_one, person, query_spec, spec, titled};

/// Whether a keyword watchlist with `term` fires on `text`, and a person watchlist too.
fn fires_both_ways(term: &str, text: &str) -> (bool, bool) {
    let keyword = match_one(spec(vec![], &[term]), content(text)).is_some();
    let named = match_one(spec(vec![person(term, &[])], &[]), content(text)).is_some();
    (keyword, named)
}

#[rstest]
#[case::o_slash("Store", "Jonas Gahr Støre said on Monday")]
#[case::o_slash_reverse("Støre", "Jonas Gahr Store said on Monday")]
#[case::o_slash_capital("Oslo", "ØSLO wire")]
#[case::l_stroke("Walesa", "Lech Wałęsa, the former president")]
#[case::l_stroke_reverse("Wałęsa", "Lech Walesa, the former president")]
#[case::l_stroke_capital("Lodz", "in Łódź on Friday")]
#[case::l_stroke_sikorski("Radoslaw Sikorski", "Radosław Sikorski met")]
#[case::d_stroke_d("Da Nang", "tại Đà Nẵng hôm nay")]
#[case::d_stroke_dj("Djokovic", "Novak Đoković won")]
#[case::d_stroke_d_ascii("Dokovic", "Novak Đoković won")]
#[case::d_stroke_native_term_on_dj("Đoković", "Novak Djokovic won")]
#[case::d_stroke_inside("Medjugorje", "pilgrims in Međugorje")]
#[case::h_stroke("Hamrun", "a match in Ħamrun")]
#[case::dotless_i("Diyarbakir", "Diyarbakır'da toplantı")]
#[case::dotted_capital_i("Istanbul", "İSTANBUL'da")]
#[case::dotless_i_reverse("Diyarbakır", "in Diyarbakir today")]
#[case::ae("Aegir", "Ægir sailed")]
#[case::ae_lower("Caesar", "Cæsar")]
#[case::oe("oeuvre", "son œuvre")]
#[case::thorn("Thorsson", "Þórsson skoraði")]
#[case::eth("Gudmundsson", "Guðmundsson sagði")]
#[case::l_middle_dot("collegi", "al col·legi de Girona")]
#[case::l_middle_dot_letter("collegi", "al coŀlegi de Girona")]
#[case::sharp_s("Strasse", "an der Straße")]
#[case::arabic_farsi_yeh("علي", "گفت علی امروز")]
#[case::arabic_keheh("كتاب", "یک کتاب")]
fn class1_unaccented_letters_fold(#[case] term: &str, #[case] text: &str) {
    assert_eq!(
        fires_both_ways(term, text),
        (true, true),
        "{term} in {text}"
    );
}

#[rstest]
#[case::o_slash("ø", "o")]
#[case::l_stroke("Ł", "l")]
#[case::d_stroke("Đđ", "dd")]
#[case::h_stroke("Ħ", "h")]
#[case::dotless_i("ı", "i")]
#[case::ae("Æ", "ae")]
#[case::oe("Œ", "oe")]
#[case::thorn("Þ", "th")]
#[case::eth("Ð", "d")]
#[case::l_dot("ŀ", "l")]
fn class1_each_letter_has_its_reading(#[case] letter: &str, #[case] reading: &str) {
    assert_eq!(normalise(letter), reading);
}

#[rstest]
#[case::variation_selector_after("Austin\u{FE0F} said", true)]
#[case::text_selector_after("Austin\u{FE0E} said", true)]
#[case::emoji_before("🇺🇸Austin said", true)]
#[case::emoji_after("Austin🎉 said", true)]
#[case::emoji_with_selector_before("❤\u{FE0F}Austin", true)]
#[case::keycap_after("Austin 1\u{FE0F}\u{20E3}", true)]
#[case::zwj_inside("Aus\u{200D}tin said", true)]
#[case::zwnj_inside("Aus\u{200C}tin said", true)]
#[case::word_joiner("Aus\u{2060}tin said", true)]
#[case::soft_hyphen("Aus\u{AD}tin said", true)]
#[case::lrm_rlm("\u{200F}Austin\u{200E} said", true)]
#[case::bidi_embedding("\u{202B}Austin\u{202C} said", true)]
#[case::bidi_isolate("\u{2067}Austin\u{2069} said", true)]
#[case::bom("\u{FEFF}Austin said", true)]
#[case::tag_characters("🏴\u{E0067}\u{E0062}Austin", true)]
#[case::still_a_word_boundary("Austinite", false)]
fn class2_invisible_characters_neither_split_nor_glue(#[case] text: &str, #[case] hit: bool) {
    assert_eq!(fires_both_ways("Austin", text), (hit, hit), "{text:?}");
}

#[rstest]
#[case::tatweel("محمد", "قال محمـــد اليوم")]
#[case::arabic_harakat("محمد", "قال مُحَمَّد اليوم")]
#[case::arabic_term_with_harakat("مُحَمَّد", "قال محمد اليوم")]
#[case::hebrew_points("שלום", "אמר שָׁלוֹם")]
#[case::hebrew_term_with_points("שָׁלוֹם", "אמר שלום")]
#[case::persian_zwnj("میخواهم", "او می\u{200C}خواهم گفت")]
#[case::devanagari_zwj("क्षत्रिय", "क्\u{200D}षत्रिय")]
fn class2_points_and_tatweel_are_ignored(#[case] term: &str, #[case] text: &str) {
    assert_eq!(
        fires_both_ways(term, text),
        (true, true),
        "{term} in {text}"
    );
}

#[rstest]
#[case::closed_on_closed("counterterrorism", "new counterterrorism laws", true)]
#[case::closed_on_hyphen("counterterrorism", "new counter-terrorism laws", true)]
#[case::closed_on_open("counterterrorism", "new counter terrorism laws", true)]
#[case::hyphen_on_closed("counter-terrorism", "new counterterrorism laws", true)]
#[case::hyphen_on_open("counter-terrorism", "new counter terrorism laws", true)]
#[case::open_on_closed("counter terrorism", "new counterterrorism laws", true)]
#[case::open_on_hyphen("counter terrorism", "new counter-terrorism laws", true)]
#[case::en_dash("counterterrorism", "new counter–terrorism laws", true)]
#[case::ceasefire("ceasefire", "a cease-fire in Gaza", true)]
#[case::cease_fire("cease-fire", "a ceasefire in Gaza", true)]
#[case::co_prefix("cooperation", "closer co-operation", true)]
#[case::re_prefix("re-election", "his reelection bid", true)]
#[case::letters_and_digits("F35", "the F-35 programme", true)]
#[case::letters_and_digits_reverse("COVID-19", "COVID19 cases", true)]
#[case::three_words("anti-money-laundering", "antimoneylaundering rules", true)]
#[case::cyrillic("контрразведка", "контр-разведка", true)]
#[case::german("Bundeswehr", "die Bundes-Wehr", true)]
#[case::exact_turns_it_off("exact:counterterrorism", "counter terrorism", false)]
#[case::exact_keeps_the_spelling("exact:counterterrorism", "counterterrorism", true)]
#[case::prefix_is_not_split("counterterror*", "counter terrorists", false)]
#[case::prefix_open_closed("counter terror*", "counterterrorists", true)]
#[case::no_partial_word("counterterrorism", "encounter terrorism", false)]
#[case::cjk_untouched("国防部", "国防部长", true)]
fn class3_compounds_match_closed_hyphenated_and_open(
    #[case] keyword: &str,
    #[case] text: &str,
    #[case] hit: bool,
) {
    let found = match_one(spec(vec![], &[keyword]), content(text)).is_some();
    assert_eq!(found, hit, "{keyword} in {text}");
}

#[rstest]
#[case::dotted("U.K.", "the U.K. said", true)]
#[case::plain_word("U.K.", "the UK said", true)]
#[case::led("U.K.", "a U.K.-led force", true)]
#[case::possessive("U.K.", "the U.K.'s army", true)]
#[case::end_of_sentence("U.K.", "flew to the U.K.", true)]
#[case::no_final_dot("U.K.", "flew to the U.K", true)]
#[case::not_a_longer_abbreviation("U.K.", "the U.K.L.F. said", false)]
#[case::not_a_longer_abbreviation_eu("E.U.", "the E.U.R.O. fund", false)]
#[case::eu("E.U.", "EU ministers", true)]
#[case::plain_term_on_dotted("EU", "E.U. ministers", true)]
#[case::three_letters("U.S.A.", "the USA said", true)]
#[case::cyrillic("С.Ш.А.", "США заявили", true)]
#[case::cyrillic_plain("США", "С.Ш.А. заявили", true)]
#[case::lower_case_stays_apart("exact:e.g.", "eg", false)]
#[case::pm_not_glued("PM", "at 5 p.m. today", false)]
#[case::pronoun_problem_documented("U.S.", "told us", true)]
#[case::case_sensitive_us("case:US", "the US said", true)]
#[case::case_sensitive_dotted("case:US", "the U.S. said", true)]
#[case::case_sensitive_pronoun("case:US", "told us", false)]
#[case::case_sensitive_quoted("case:\"US\"", "told us, the US said", true)]
#[case::case_sensitive_title_case("case:US", "Us and them", false)]
fn class4_dotted_abbreviations(#[case] keyword: &str, #[case] text: &str, #[case] hit: bool) {
    let found = match_one(spec(vec![], &[keyword]), content(text)).is_some();
    assert_eq!(found, hit, "{keyword} in {text}");
}

#[rstest]
#[case::dotted_name_on_spaced("J.K. Rowling", "J. K. Rowling wrote")]
#[case::spaced_name_on_dotted("J. K. Rowling", "J.K. Rowling wrote")]
#[case::plain_letters_on_dotted("JK Rowling", "J.K. Rowling wrote")]
fn class4_initials_in_names(#[case] name: &str, #[case] text: &str) {
    assert!(match_one(spec(vec![person(name, &[])], &[]), content(text)).is_some());
}

#[test]
fn class4_case_sensitive_term_in_a_query() {
    let spec = query_spec(r#"case:"US" AND @"Lloyd Austin""#);
    assert!(match_one(spec.clone(), content("Lloyd Austin and the US")).is_some());
    assert!(match_one(spec, content("Lloyd Austin told us")).is_none());
}

#[rstest]
#[case::content_scope_sees_repeated_summary("content:pentagon", true)]
#[case::summary_scope("summary:pentagon", true)]
#[case::title_scope("title:pentagon", false)]
fn class5_fields_as_the_feed_gave_them(#[case] query: &str, #[case] hit: bool) {
    let doc = Document {
        summary: "At the Pentagon today",
        content: "At the Pentagon today",
        ..Document::default()
    };
    let found = match_one(query_spec(query), doc);
    assert_eq!(found.is_some(), hit);
    if let Some(m) = found {
        let fields: Vec<Field> = m.hits.iter().map(|h| h.field).collect();
        let scoped = query.split(':').next().unwrap();
        assert_eq!(
            fields,
            [if scoped == "content" {
                Field::Content
            } else {
                Field::Summary
            }]
        );
    }
}

#[test]
fn class5_unscoped_hits_report_every_field_that_has_the_term() {
    let doc = Document {
        summary: "At the Pentagon today",
        content: "At the Pentagon today",
        ..Document::default()
    };
    let found = hits(spec(vec![], &["pentagon"]), doc);
    let fields: Vec<Field> = found.iter().map(|h| h.field).collect();
    assert_eq!(fields, [Field::Summary, Field::Content]);
}

fn austin() -> PersonSpec {
    PersonSpec {
        short_forms: vec!["Austin".into()],
        ..person("Lloyd Austin", &["Secretary Austin"])
    }
}

#[rstest]
#[case::after_the_full_name("Lloyd Austin arrived. Austin is due to travel.", Some(2))]
#[case::after_an_alias("Secretary Austin arrived. Later Austin left.", Some(2))]
#[case::alone_stays_silent("Austin, Texas had a storm; Austin schools closed.", None)]
#[case::before_the_name_does_not_count("Austin said so. Then Lloyd Austin spoke.", Some(1))]
#[case::inside_the_name_counts_once("Lloyd Austin.", Some(1))]
fn class8_short_forms_count_after_the_full_name(#[case] text: &str, #[case] count: Option<usize>) {
    let found = hits(spec(vec![austin()], &[]), content(text));
    assert_eq!(found.first().map(|h| h.count), count, "{text}");
}

#[test]
fn class8_short_forms_reach_later_fields_and_snippets() {
    let doc = titled(
        "Lloyd Austin heads to Asia",
        "Austin is due to travel on Friday.",
    );
    let found = hits(spec(vec![austin()], &[]), doc);
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].field, Field::Content);
    assert_eq!(found[1].matched, "Austin");
    assert!(
        found[1].snippet.starts_with("[Austin] is due"),
        "{}",
        found[1].snippet
    );
}

#[rstest]
#[case::near_through_a_short_form(
    "Lloyd Austin spoke about many other things first. Austin will travel.",
    true
)]
#[case::short_form_alone_is_no_anchor("Austin will travel.", false)]
fn class8_short_forms_in_near(#[case] text: &str, #[case] hit: bool) {
    let mut spec = query_spec(r#"@"Lloyd Austin" NEAR/2 travel"#);
    spec.people[0].short_forms = vec!["Austin".into()];
    assert_eq!(match_one(spec, content(text)).is_some(), hit, "{text}");
}

#[rstest]
#[case::lower_and("rock and roll", Some((6, "AND")))]
#[case::lower_or("austin or pentagon", Some((8, "OR")))]
#[case::lower_not("austin not pentagon", Some((8, "NOT")))]
#[case::leading_not("not pentagon", Some((1, "NOT")))]
#[case::lower_near("austin near/5 pentagon", Some((8, "NEAR/5")))]
#[case::mixed_case("austin And pentagon", Some((8, "AND")))]
#[case::upper_is_fine("austin AND pentagon", None)]
#[case::quoted_is_fine("\"rock and roll\"", None)]
#[case::alone_is_a_word("and", None)]
#[case::trailing_is_a_word("rock and", None)]
fn class9_lower_case_operators_warn(#[case] query: &str, #[case] warned: Option<(usize, &str)>) {
    let matcher = compile(&[query_spec(query)]).expect("still compiles");
    let warnings = matcher.warnings();
    match warned {
        None => assert!(warnings.is_empty(), "{warnings:?}"),
        Some((col, upper)) => {
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert_eq!(warnings[0].key, "query");
            let message = &warnings[0].message;
            assert!(message.contains(&format!("column {col}")), "{message}");
            assert!(message.contains(&format!("write {upper}")), "{message}");
        }
    }
}

#[rstest]
#[case::plain("/F-?35[AB]?/", "delivery of F35A jets", true)]
#[case::dashed("/F-?35[AB]?/", "delivery of F-35B jets", true)]
#[case::case_sensitive_by_default("/NATO/", "nato", false)]
#[case::inline_flag("/(?i)nato/", "Nato allies", true)]
#[case::unicode_classes("/\\p{Han}{3}/", "国防部", true)]
#[case::slash_escaped("/24\\/7/", "open 24/7", true)]
#[case::no_word_no_hit("/,/", "a, b", false)]
#[case::in_near("/F-?35/ NEAR/3 delivery", "the F-35 delivery slipped", true)]
fn class10_regex_terms(#[case] query: &str, #[case] text: &str, #[case] hit: bool) {
    assert_eq!(
        match_one(query_spec(query), content(text)).is_some(),
        hit,
        "{query}"
    );
}

#[rstest]
#[case::unbalanced("austin AND /(/", "column 12")]
#[case::unterminated("/abc", "unterminated regex starting at column 1")]
#[case::too_big("/\\w{1000}{1000}/", "column 1")]
fn class10_bad_regexes_are_refused_with_the_column(#[case] query: &str, #[case] want: &str) {
    let errors = compile_errors(query_spec(query));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("query: "), "{}", errors[0]);
    assert!(errors[0].contains(want), "{}", errors[0]);
}

#[test]
fn class10_regex_in_a_keyword_list() {
    assert!(match_one(spec(vec![], &["/F-?35/"]), content("F-35")).is_some());
    let errors = compile_errors(spec(vec![], &["/(/"]));
    assert!(
        errors[0].starts_with("keywords[0]: invalid regex"),
        "{errors:?}"
    );
}

#[rstest]
#[case::author("author:Smith", true)]
#[case::author_other("author:Jones", false)]
#[case::category("category:defence", true)]
#[case::category_phrase("category:\"foreign policy\"", true)]
#[case::url("url:pentagon", true)]
#[case::url_path("url:\"example.org/world\"", true)]
#[case::unscoped_term_ignores_author("smith", false)]
#[case::unscoped_term_ignores_url("example", false)]
fn class10_field_scopes(#[case] query: &str, #[case] hit: bool) {
    let doc = Document {
        title: "Talks in Singapore",
        content: "Ministers met on Saturday.",
        author: "Jane Smith",
        category: "Defence; Foreign policy",
        url: "https://example.org/world/pentagon-talks",
        ..Document::default()
    };
    let found = match_one(query_spec(query), doc);
    assert_eq!(found.is_some(), hit, "{query}");
    if let Some(m) = found {
        assert!(m.hits[0].snippet.contains('['), "{:?}", m.hits);
    }
}

#[test]
fn class10_excludes_look_at_text_fields_only() {
    let mut scoped = query_spec("author:smith");
    scoped.name = "by author".into();
    let mut plain = spec(vec![], &["singapore"]);
    plain.exclude = vec!["smith".into()];
    let matcher = compile(&[scoped, plain]).unwrap();
    let doc = Document {
        title: "Talks in Singapore",
        author: "Jane Smith",
        ..Document::default()
    };
    let found: Vec<usize> = matcher
        .match_document(&doc, &|_| true)
        .iter()
        .map(|m| m.watchlist)
        .collect();
    assert_eq!(found, [0, 1]);
}
