//! Tests of the query parser (step 2) and of query compile errors with their columns.

use rstest::rstest;

use super::super::query::{parse, FieldSet, Node};
use super::super::Field;
use super::{compile_errors, query_spec};

fn term(text: &str, col: usize) -> Node {
    Node::Term {
        text: text.into(),
        col,
        mods: Default::default(),
    }
}

fn not(node: Node) -> Node {
    Node::Not(Box::new(node))
}

#[test]
fn or_binds_loosest_and_juxtaposition_is_and() {
    let expected = Node::Or(vec![
        term("a", 1),
        Node::And(vec![term("b", 6), term("c", 8)]),
    ]);
    assert_eq!(parse("a OR b c"), Ok(expected));
}

#[test]
fn explicit_and_equals_implicit_and() {
    let explicit = parse("a AND b").unwrap();
    assert_eq!(explicit, Node::And(vec![term("a", 1), term("b", 7)]));
    assert_eq!(
        parse("a b"),
        Ok(Node::And(vec![term("a", 1), term("b", 3)]))
    );
}

#[test]
fn not_binds_tighter_than_and() {
    assert_eq!(
        parse("NOT a b"),
        Ok(Node::And(vec![not(term("a", 5)), term("b", 7)]))
    );
    assert_eq!(
        parse("-a b"),
        Ok(Node::And(vec![not(term("a", 2)), term("b", 4)]))
    );
}

#[test]
fn near_binds_tighter_than_and() {
    let near = Node::Near {
        left: Box::new(term("a", 1)),
        right: Box::new(term("b", 10)),
        dist: 3,
    };
    assert_eq!(
        parse("a NEAR/3 b c"),
        Ok(Node::And(vec![near, term("c", 12)]))
    );
}

#[test]
fn lowercase_operators_are_words() {
    let expected = Node::And(vec![term("a", 1), term("and", 3), term("b", 7)]);
    assert_eq!(parse("a and b"), Ok(expected));
    let expected = Node::And(vec![term("not", 1), term("or", 5)]);
    assert_eq!(parse("not or"), Ok(expected));
}

#[test]
fn field_scope_applies_to_the_next_primary() {
    let scoped = Node::Scope {
        fields: FieldSet::only(Field::Title),
        node: Box::new(Node::Or(vec![term("a", 8), term("b", 13)])),
        col: 1,
    };
    assert_eq!(
        parse("title:(a OR b) c"),
        Ok(Node::And(vec![scoped, term("c", 16)]))
    );
}

#[test]
fn phrases_persons_and_prefixes_parse() {
    let expected = Node::And(vec![
        term("Shangri-La", 1),
        Node::Person {
            name: "Lloyd Austin".into(),
            col: 14,
        },
        Node::Person {
            name: "Li".into(),
            col: 30,
        },
        term("declin*", 34),
        term("Shangri-La", 42),
    ]);
    assert_eq!(
        parse("\"Shangri-La\" @\"Lloyd Austin\" @Li declin* Shangri-La"),
        Ok(expected)
    );
}

#[test]
fn a_minus_inside_a_word_is_not_negation() {
    assert_eq!(parse("a-b"), Ok(term("a-b", 1)));
    assert_eq!(
        parse("a - b"),
        Ok(Node::And(vec![term("a", 1), term("-", 3), term("b", 5)]))
    );
}

#[rstest]
#[case::empty("", "empty query at column 1")]
#[case::blank("   ", "empty query at column 1")]
#[case::missing_close("(austin OR li", "expected ')' at column 14")]
#[case::missing_close_after_and("(austin li AND x", "expected ')' at column 17")]
#[case::end_after_and("austin AND", "unexpected end of query at column 11")]
#[case::end_after_not("austin NOT", "unexpected end of query at column 11")]
#[case::end_after_field("title:", "unexpected end of query at column 7")]
#[case::unterminated_phrase("austin \"shangri la", "unterminated phrase starting at column 8")]
#[case::unterminated_person("@\"Lloyd", "unterminated phrase starting at column 2")]
#[case::near_without_distance("a NEAR b", "NEAR needs a distance: NEAR/n at column 3")]
#[case::near_bad_distance("a NEAR/x b", "NEAR needs a distance: NEAR/n at column 3")]
#[case::near_empty_distance("a NEAR/ b", "NEAR needs a distance: NEAR/n at column 3")]
#[case::leading_or("OR a", "unexpected OR at column 1")]
#[case::double_and("a AND AND b", "unexpected AND at column 7")]
#[case::stray_close("a )", "unexpected ')' at column 3")]
#[case::empty_group("()", "unexpected ')' at column 2")]
#[case::leading_near("NEAR/2 a", "unexpected NEAR/2 at column 1")]
#[case::double_field("title:content:a", "unexpected 'content:' at column 7")]
#[case::bare_at("@ a", "expected a person name after '@' at column 1")]
fn parse_errors_name_the_column(#[case] query: &str, #[case] message: &str) {
    assert_eq!(parse(query).map_err(|e| e.0), Err(message.to_string()));
    assert_eq!(
        compile_errors(query_spec(query)),
        [format!("query: {message}")]
    );
}

#[rstest]
#[case::unknown_field(
    "foo:bar",
    "unknown field 'foo:' at column 1 (expected title:, summary:, content:, article:, author:, category: or url:)"
)]
#[case::unknown_field_later(
    "austin xyz:(a)",
    "unknown field 'xyz:' at column 8 (expected title:, summary:, content:, article:, author:, category: or url:)"
)]
#[case::near_on_and_group(
    "(a b) NEAR/3 c",
    "NEAR operands must be terms, phrases, prefixes, persons or parenthesised OR-groups of \
     those at column 1"
)]
#[case::near_on_not(
    "a NEAR/3 NOT b",
    "NEAR operands must be terms, phrases, prefixes, persons or parenthesised OR-groups of \
     those at column 10"
)]
#[case::near_chained(
    "a NEAR/2 b NEAR/2 c",
    "NEAR operands must be terms, phrases, prefixes, persons or parenthesised OR-groups of \
     those at column 1"
)]
#[case::near_on_scoped_and(
    "a NEAR/2 title:(b c)",
    "NEAR operands must be terms, phrases, prefixes, persons or parenthesised OR-groups of \
     those at column 10"
)]
fn structural_errors(#[case] query: &str, #[case] message: &str) {
    assert_eq!(
        compile_errors(query_spec(query)),
        [format!("query: {message}")]
    );
}

#[rstest]
#[case::only_not("NOT austin", "query matches nothing positive")]
#[case::only_minus("-austin -texas", "query matches nothing positive")]
#[case::or_not("austin OR NOT texas", "query matches nothing positive")]
#[case::not_of_and("NOT (austin pentagon)", "query matches nothing positive")]
#[case::unknown_person(
    "@\"Nobody Here\" austin",
    "unknown person \"Nobody Here\" at column 1"
)]
#[case::unknown_bare_person("austin @Nobody", "unknown person \"Nobody\" at column 8")]
#[case::empty_phrase("austin \"\"", "empty after normalisation in \"\" at column 8")]
#[case::punctuation_term("austin --", "empty after normalisation in \"-\" at column 9")]
#[case::inner_star(
    "de*cline",
    "'*' is only allowed at the end of a term in \"de*cline\" at column 1"
)]
#[case::conflicting_scopes(
    "title:(summary:austin)",
    "field scope at column 8 excludes every field of the enclosing scope"
)]
fn semantic_errors(#[case] query: &str, #[case] message: &str) {
    assert_eq!(
        compile_errors(query_spec(query)),
        [format!("query: {message}")]
    );
}

#[test]
fn every_unknown_person_is_reported() {
    let errors = compile_errors(query_spec("@Ann OR @Bob"));
    assert_eq!(
        errors,
        [
            "query: unknown person \"Ann\" at column 1",
            "query: unknown person \"Bob\" at column 9"
        ]
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    assert_eq!(
        parse("李尚福 AND").map_err(|e| e.0),
        Err("unexpected end of query at column 8".to_string())
    );
    assert_eq!(
        parse("é (a").map_err(|e| e.0),
        Err("expected ')' at column 5".to_string())
    );
}
