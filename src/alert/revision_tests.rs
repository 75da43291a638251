use super::*;
use crate::watch::TermKind;

fn article(summary: &str) -> Article {
    Article::new(
        "f",
        Some("g".into()),
        Some("https://x.org/a".into()),
        "Port talks".into(),
        summary.into(),
        String::new(),
        None,
        None,
    )
}

fn hit(term: &str, matched: &str) -> Hit {
    Hit {
        term: term.into(),
        kind: TermKind::Person,
        matched: matched.into(),
        field: Field::Summary,
        count: 1,
        snippet: String::new(),
    }
}

fn revise(old: &str, old_hits: &[Hit], new: &str, new_hits: &[Hit]) -> Option<Revision> {
    let (a, b) = (article(old), article(new));
    compare(
        &Version {
            article: &a,
            hits: old_hits,
        },
        &Version {
            article: &b,
            hits: new_hits,
        },
    )
}

#[test]
fn a_rewritten_matched_sentence_is_a_revision_with_before_and_after() {
    let h = [hit("Jane Doe", "Jane Doe")];
    let r = revise(
        "Talks resumed. Jane Doe said the port would reopen. More later.",
        &h,
        "Talks resumed. Jane Doe said the port would stay closed. More later.",
        &h,
    )
    .expect("a revision");
    assert_eq!(r.field, "summary");
    assert_eq!(
        r.before.as_deref(),
        Some("Jane Doe said the port would reopen.")
    );
    assert_eq!(
        r.after.as_deref(),
        Some("Jane Doe said the port would stay closed.")
    );
    assert!(r.new_terms.is_empty());
}

#[test]
fn a_change_elsewhere_is_no_revision() {
    let h = [hit("Jane Doe", "Jane Doe")];
    let r = revise(
        "Talks resumed. Jane Doe said the port would reopen. More later.",
        &h,
        "Talks resumed on Monday. Jane Doe said the port would reopen. Updated at noon.",
        &h,
    );
    assert_eq!(r, None);
}

#[test]
fn a_new_term_is_a_revision_naming_it() {
    let old = [hit("Jane Doe", "Jane Doe")];
    let new = [hit("Jane Doe", "Jane Doe"), hit("Li Shangfu", "Li Shangfu")];
    let r = revise(
        "Jane Doe said the port would reopen.",
        &old,
        "Jane Doe said the port would reopen. Li Shangfu declined to comment.",
        &new,
    )
    .expect("a revision");
    assert_eq!(r.new_terms, vec!["Li Shangfu".to_string()]);
    assert_eq!(r.before, None);
    assert_eq!(r.after.as_deref(), Some("Li Shangfu declined to comment."));
}

#[test]
fn a_removed_matched_sentence_is_a_revision_without_after() {
    let h = [hit("Jane Doe", "Jane Doe")];
    let r = revise(
        "Talks resumed. Jane Doe said the port would reopen.",
        &h,
        "Talks resumed.",
        &[],
    )
    .expect("a revision");
    assert_eq!(
        r.before.as_deref(),
        Some("Jane Doe said the port would reopen.")
    );
    assert_eq!(r.after, None);
}

#[test]
fn the_key_is_per_change_and_stable() {
    let h = [hit("Jane Doe", "Jane Doe")];
    let one = revise("Jane Doe spoke.", &h, "Jane Doe spoke again.", &h).unwrap();
    let two = revise("Jane Doe spoke.", &h, "Jane Doe spoke twice.", &h).unwrap();
    assert_eq!(one.story_key("a1"), one.clone().story_key("a1"));
    assert_ne!(one.story_key("a1"), two.story_key("a1"));
    assert_ne!(one.story_key("a1"), one.story_key("a2"));
    assert!(one.story_key("a1").starts_with("revision:a1:"));
}

#[test]
fn sentences_split_on_ends_and_lines_not_inside_numbers() {
    assert_eq!(
        sentences("It rose 2.5 percent. Why?\nNobody knows!  Done"),
        vec!["It rose 2.5 percent.", "Why?", "Nobody knows!", "Done"]
    );
    assert_eq!(sentences("李尚福说。他走了"), vec!["李尚福说。", "他走了"]);
}
