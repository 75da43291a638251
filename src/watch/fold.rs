//! Watch stage, step 1a: the character tables of folding — letters that carry no
//! combining accent but still have an ASCII reading, characters that are dropped without
//! a trace, and the combining marks that count as accents.

/// The ASCII (or canonical) reading of a lowercase letter that NFKD leaves alone.
///
/// `đ` reads `d` (Vietnamese and the ISO transliteration); a term spelled with `dj` also
/// matches the `d` spelling and the reverse (see `atoms::variants`). Arabic and Persian
/// letter variants fold to one form: farsi yeh and alef maksura to yeh, keheh to kaf.
pub(super) fn letter_reading(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'ħ' => "h",
        'ı' => "i",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ŀ' => "l",
        'ŧ' => "t",
        'ƀ' => "b",
        'ɨ' => "i",
        'ĸ' => "k",
        'ß' => "ss",
        'ς' => "σ",
        '\u{06CC}' | '\u{0649}' => "\u{064A}",
        '\u{06A9}' => "\u{0643}",
        _ => return None,
    })
}

/// Characters the folder drops without a trace, so they neither split nor glue words:
/// soft hyphen, the middle dot of Catalan `l·l`, combining grapheme joiner, zero-width space/joiners, bidi marks and
/// embeddings, word joiner and invisible operators, variation selectors, the BOM, Arabic
/// tatweel and letter mark, Mongolian selectors, Khmer inherent vowels, tag characters.
pub(super) fn is_ignorable(c: char) -> bool {
    matches!(c,
        '\u{AD}'
        | '\u{B7}'
        | '\u{034F}'
        | '\u{061C}'
        | '\u{0640}'
        | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{E0000}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// Combining marks that are accents rather than letters (Latin, Greek, Cyrillic, Hebrew
/// points, Arabic harakat and Quranic marks); Japanese voicing marks and Thai vowels are
/// kept.
pub(super) fn is_diacritic(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{0591}'..='\u{05BD}'
        | '\u{05BF}' | '\u{05C1}' | '\u{05C2}' | '\u{05C4}' | '\u{05C5}' | '\u{05C7}'
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E4}'
        | '\u{06E7}' | '\u{06E8}'
        | '\u{06EA}'..='\u{06ED}'
        | '\u{08D3}'..='\u{08E1}'
        | '\u{08E3}'..='\u{08FF}')
}
