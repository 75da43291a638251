//! Tests of folding and tokenising (step 1), including a seeded property test.

use rstest::rstest;

use super::super::normalise;
use super::super::text::analyse;

#[rstest]
#[case::diacritics("Müller", "muller")]
#[case::diacritics_upper("HÉLÈNE", "helene")]
#[case::decomposed_accent("e\u{301}cole", "ecole")]
#[case::full_width("ＬＩ", "li")]
#[case::full_width_word("Ａｕｓｔｉｎ", "austin")]
#[case::ligature("ﬁnance", "finance")]
#[case::sharp_s("Straße", "strasse")]
#[case::final_sigma("ΟΔΟΣ οδος", "οδοσ οδοσ")]
#[case::dotted_capital_i("İstanbul", "istanbul")]
#[case::hyphen("Shangri-La", "shangri la")]
#[case::non_breaking_hyphen("Shangri\u{2011}La", "shangri la")]
#[case::en_dash("Shangri–La", "shangri la")]
#[case::em_dash("Shangri—La", "shangri la")]
#[case::minus_sign("Shangri\u{2212}La", "shangri la")]
#[case::space("Shangri La", "shangri la")]
#[case::ascii_apostrophe("Austin's", "austin s")]
#[case::curly_apostrophe("Austin’s", "austin s")]
#[case::left_quote("Austin‘s", "austin s")]
#[case::acute_accent("Austin´s", "austin s")]
#[case::backtick("Austin`s", "austin s")]
#[case::modifier_apostrophe("Austinʼs", "austin s")]
#[case::punctuation_runs("  Hello,  World!! ", "hello world")]
#[case::newlines("a\n\tb", "a b")]
#[case::soft_hyphen("Aus\u{AD}tin", "austin")]
#[case::zero_width_space("Aus\u{200B}tin", "austin")]
#[case::han_one_word_per_char("国防部长李尚福表示", "国 防 部 长 李 尚 福 表 示")]
#[case::hangul("한국 국방부", "한 국 국 방 부")]
#[case::kana_voicing_kept("ガが", "ガ が")]
#[case::thai("ไทย", "ไ ท ย")]
#[case::latin_next_to_han("李Li", "李 li")]
#[case::han_compat_fullwidth_punct("李尚福，表示。", "李 尚 福 表 示")]
#[case::digits("F-35 3.5%", "f 35 3 5")]
#[case::empty("", "")]
#[case::only_punctuation("!!! — …", "")]
fn normalise_folds(#[case] input: &str, #[case] expected: &str) {
    assert_eq!(normalise(input), expected);
}

#[test]
fn katakana_and_decomposed_kana_agree() {
    // NFKC: half-width katakana become full-width; a decomposed voiced kana composes.
    assert_eq!(normalise("ｶﾞ"), normalise("ガ"));
    assert_eq!(normalise("か\u{3099}"), normalise("が"));
}

#[test]
fn conjoining_hangul_jamo_compose_into_syllables() {
    assert_eq!(
        normalise("\u{1112}\u{1161}\u{11AB}\u{1100}\u{116E}\u{11A8}"),
        "한 국"
    );
}

#[test]
fn tokens_map_back_to_original_bytes() {
    let text = "Hélène’s  ＬＩ café";
    let analysed = analyse(text);
    let words: Vec<&str> = analysed
        .tokens
        .iter()
        .map(|t| &analysed.norm[t.norm_start..t.norm_end])
        .collect();
    assert_eq!(words, ["helene", "s", "li", "cafe"]);
    let originals: Vec<&str> = analysed
        .tokens
        .iter()
        .map(|t| &text[t.orig_start..t.orig_end])
        .collect();
    assert_eq!(originals, ["Hélène", "s", "ＬＩ", "café"]);
}

#[test]
fn decomposed_accents_stay_inside_the_original_span() {
    let text = "Cafe\u{301} noir";
    let analysed = analyse(text);
    let first = analysed.tokens[0];
    assert_eq!(&text[first.orig_start..first.orig_end], "Cafe\u{301}");
}

/// A tiny deterministic generator, so the property test needs no extra crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

const POOL: &[char] = &[
    'a', 'Z', '9', ' ', ' ', '-', '\'', '’', 'é', 'e', '\u{301}', '\u{308}', 'ß', 'İ', 'Ｌ', '李',
    '尚', 'が', 'か', '\u{3099}', '한', 'ไ', '\u{E34}', '½', 'ﬁ', '\u{AD}', '\n', '.', 'Σ', 'ς',
    'ʼ', '—', '\u{2011}', '😀', 'ǅ', '㍻', '\u{0627}', '\u{064E}',
];

#[test]
fn property_normalise_is_idempotent_and_offsets_are_sound() {
    let mut rng = Lcg(0x5eed);
    for _ in 0..3000 {
        let len = rng.next() % 24;
        let text: String = (0..len).map(|_| POOL[rng.next() % POOL.len()]).collect();
        let analysed = analyse(&text);
        let norm = &analysed.norm;
        assert_eq!(normalise(norm), *norm, "not idempotent for {text:?}");
        assert!(!norm.starts_with(' ') && !norm.ends_with(' ') && !norm.contains("  "));
        let mut last_start = 0;
        for t in &analysed.tokens {
            assert!(text.is_char_boundary(t.orig_start) && text.is_char_boundary(t.orig_end));
            assert!(t.orig_start < t.orig_end && t.orig_start >= last_start);
            assert!(!norm[t.norm_start..t.norm_end].contains(' '));
            last_start = t.orig_start;
        }
        let rebuilt: Vec<&str> = analysed
            .tokens
            .iter()
            .map(|t| &norm[t.norm_start..t.norm_end])
            .collect();
        assert_eq!(rebuilt.join(" "), *norm);
    }
}
