//! Tests of snippets: length, markers, word-boundary cuts, whitespace, multi-byte safety.

use rstest::rstest;

use super::super::snippet::{assemble, collapse_whitespace, snippet, SNIPPET_CHARS};
use super::{content, hits, person, spec};

/// The snippet for the first occurrence of `needle` in `text`.
fn around(text: &str, needle: &str) -> String {
    let start = text.find(needle).expect("needle in text");
    snippet(text, start, start + needle.len())
}

fn long_text() -> String {
    let filler = "The quick brown fox jumps over the lazy dog near the river bank. ";
    format!(
        "{}Defence Secretary Lloyd Austin spoke today. {}",
        filler.repeat(4),
        filler.repeat(4)
    )
}

#[rstest]
#[case::whole_text_fits("Lloyd Austin said hi", "Lloyd Austin", "[Lloyd Austin] said hi")]
#[case::hit_at_end("He met Lloyd Austin", "Lloyd Austin", "He met [Lloyd Austin]")]
#[case::whitespace_collapsed(
    "  He met\n\n Lloyd \t Austin   today  ",
    "Lloyd \t Austin",
    "He met [Lloyd Austin] today"
)]
#[case::multibyte_short(
    "Ministre Hélène Dupont a dit",
    "Hélène",
    "Ministre [Hélène] Dupont a dit"
)]
fn short_snippets(#[case] text: &str, #[case] needle: &str, #[case] expected: &str) {
    assert_eq!(around(text, needle), expected);
}

#[test]
fn long_text_is_cut_on_word_boundaries_with_ellipses() {
    let text = long_text();
    let got = around(&text, "Lloyd Austin");
    assert!(got.starts_with("...") && got.ends_with("..."), "{got}");
    assert!(
        got.contains("Defence Secretary [Lloyd Austin] spoke today."),
        "{got}"
    );
    let body = got.trim_start_matches("...").trim_end_matches("...");
    let chars = body.chars().count();
    assert!(
        (SNIPPET_CHARS - 30..=SNIPPET_CHARS + 2).contains(&chars),
        "{chars}: {got}"
    );
    let source_words: Vec<&str> = text.split_whitespace().collect();
    let first = body.split_whitespace().next().unwrap();
    let last = body.split_whitespace().last().unwrap();
    assert!(source_words.contains(&first), "cut inside a word: {first}");
    assert!(source_words.contains(&last), "cut inside a word: {last}");
}

#[test]
fn hit_near_the_start_gives_the_rest_of_the_budget_to_the_right() {
    let text = format!("Austin spoke. {}", "More words follow here. ".repeat(20));
    let got = around(&text, "Austin");
    assert!(
        got.starts_with("[Austin] spoke.") && got.ends_with("..."),
        "{got}"
    );
    assert!(got.chars().count() > SNIPPET_CHARS - 30, "{got}");
}

#[test]
fn hit_longer_than_the_budget_is_shown_whole() {
    let hit = "word ".repeat(50);
    let text = format!("before {hit}after");
    let got = around(&text, hit.trim_end());
    assert_eq!(got, format!("...[{}]...", hit.trim_end()));
}

#[test]
fn text_without_spaces_is_cut_between_characters() {
    let text = format!(
        "{}李尚福{}",
        "国防部长表示".repeat(40),
        "国防部长表示".repeat(40)
    );
    let got = around(&text, "李尚福");
    assert!(
        got.starts_with("...") && got.ends_with("...") && got.contains("[李尚福]"),
        "{got}"
    );
    assert!(got.chars().count() <= SNIPPET_CHARS + 8, "{got}");
}

#[test]
fn multibyte_text_near_every_cut_point_never_panics() {
    let unit = "héllo wörld 李尚福 Ｌｉ naïve — “quoted” ";
    for repeat in [1, 3, 7, 12] {
        let text = unit.repeat(repeat);
        let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for (n, &start) in starts.iter().enumerate() {
            for &end in starts.iter().skip(n + 1).take(3) {
                let got = snippet(&text, start, end);
                assert!(got.contains('[') && got.contains(']'));
            }
        }
    }
}

#[test]
fn match_snippets_show_original_text() {
    let text = "Officials said Defence Secretary Lloyd Austin’s trip to Singapore was off.";
    let found = hits(
        spec(vec![person("Lloyd Austin", &[])], &["singapore"]),
        content(text),
    );
    assert_eq!(
        found[0].snippet,
        "Officials said Defence Secretary [Lloyd Austin]’s trip to Singapore was off."
    );
    assert_eq!(
        found[1].snippet,
        "Officials said Defence Secretary Lloyd Austin’s trip to [Singapore] was off."
    );
}

/// The snippet as it was assembled before it was written into one string: each part
/// collapsed into a string of its own, the whole trimmed (the reference for
/// [`assemble`]).
fn assembled_in_parts(text: &str, [from, start, end, to]: [usize; 4]) -> String {
    let mut body = collapse_whitespace(&text[from..start]);
    if text[from..start].ends_with(char::is_whitespace) {
        body.push(' ');
    }
    body.push('[');
    body.push_str(&collapse_whitespace(&text[start..end]));
    body.push(']');
    if text[end..to].starts_with(char::is_whitespace) {
        body.push(' ');
    }
    body.push_str(&collapse_whitespace(&text[end..to]));
    let mut out = String::new();
    if !text[..from].trim().is_empty() {
        out.push_str("...");
    }
    out.push_str(body.trim());
    if !text[to..].trim().is_empty() {
        out.push_str("...");
    }
    out
}

proptest::proptest! {
    #[test]
    fn assembling_in_one_string_agrees_with_assembling_in_parts(
        text in "[ a\t\n\u{A0}\u{3000}é李-]{0,40}",
        cuts in proptest::collection::vec(0usize..64, 4),
    ) {
        let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        let mut cut: Vec<usize> = cuts.iter().map(|c| bounds[c % bounds.len()]).collect();
        cut.sort_unstable();
        let cut = [cut[0], cut[1], cut[2], cut[3]];
        proptest::prop_assert_eq!(assemble(&text, cut), assembled_in_parts(&text, cut));
    }
}
