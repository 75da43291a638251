//! Watch stage, step 1: fold text to its canonical form and split it into words, keeping a
//! map from every word back to the original bytes.
//!
//! The canonical form is NFKC, lowercased (with `ß`→`ss`, `ς`→`σ`), stripped of diacritics,
//! with every run of punctuation, dashes, quotes or spaces turned into one space. Each CJK
//! or Thai character is a word of its own, so patterns in those scripts match as substrings.

use unicode_normalization::char::{canonical_combining_class, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

/// One word of folded text, with its byte span in the folded and the original string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    /// Start of the word in the folded text.
    pub norm_start: usize,
    /// End (exclusive) of the word in the folded text.
    pub norm_end: usize,
    /// Start of the word's first source character in the original text.
    pub orig_start: usize,
    /// End (exclusive) of the word's last source character in the original text.
    pub orig_end: usize,
}

/// Text in canonical folded form plus its words, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Analysed {
    /// The folded text: words separated by single spaces.
    pub norm: String,
    /// The words of `norm`, in order.
    pub tokens: Vec<Token>,
}

/// Returns the canonical folded form of `text`, the form patterns and articles are matched in.
pub fn normalise(text: &str) -> String {
    analyse(text).norm
}

/// Folds `text` and splits it into words, recording where each came from.
pub(crate) fn analyse(text: &str) -> Analysed {
    let mut b = Builder::new(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Fast path: an ASCII character not followed by a combining mark (a combining
        // mark is never ASCII) folds to itself, lowercased.
        let c = bytes[i];
        if c.is_ascii() && bytes.get(i + 1).is_none_or(u8::is_ascii) {
            b.push_ascii(c, i);
            i += 1;
            continue;
        }
        i = push_cluster_at(&mut b, text, i);
    }
    b.out
}

/// Folds the character at byte `start` with the combining marks that follow it; returns
/// the byte after them.
fn push_cluster_at(b: &mut Builder, text: &str, start: usize) -> usize {
    let mut chars = text[start..].char_indices();
    let Some((_, c)) = chars.next() else {
        return text.len();
    };
    let mut end = start + c.len_utf8();
    for (i, m) in chars {
        if !joins_previous(m) {
            break;
        }
        end = start + i + m.len_utf8();
    }
    if end == start + 1 {
        b.push(c.to_ascii_lowercase(), start, end);
    } else {
        b.push_cluster(&text[start..end], start, end);
    }
    end
}

/// Whether `c` folds into the character before it: a combining mark, a half-width voicing
/// mark (which NFKC turns into one), or a Hangul vowel or final jamo (which NFC composes).
fn joins_previous(c: char) -> bool {
    canonical_combining_class(c) != 0
        || matches!(c, '\u{FF9E}' | '\u{FF9F}' | '\u{1160}'..='\u{11FF}' | '\u{D7B0}'..='\u{D7FF}')
}

/// How a folded character takes part in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Dropped without a trace (soft hyphen, zero-width characters).
    Ignore,
    /// Ends the current word.
    Separator,
    /// Continues (or starts) the current word.
    Word,
    /// A word on its own (scripts written without spaces).
    Cjk,
}

/// Accumulates folded characters into an [`Analysed`].
struct Builder {
    out: Analysed,
    open: bool,
    fold: String,
    compose: String,
}

impl Builder {
    fn new(capacity: usize) -> Self {
        let out = Analysed {
            norm: String::with_capacity(capacity),
            tokens: Vec::new(),
        };
        Builder {
            out,
            open: false,
            fold: String::new(),
            compose: String::new(),
        }
    }

    /// Folds a cluster (a starter plus its combining marks) and pushes the result.
    fn push_cluster(&mut self, cluster: &str, start: usize, end: usize) {
        let mut fold = std::mem::take(&mut self.fold);
        let mut compose = std::mem::take(&mut self.compose);
        fold_cluster(cluster, &mut fold, &mut compose);
        for c in compose.chars() {
            self.push(c, start, end);
        }
        self.fold = fold;
        self.compose = compose;
    }

    /// Pushes an ASCII byte found at `at` in the original (the common case, kept short).
    fn push_ascii(&mut self, c: u8, at: usize) {
        if c.is_ascii_alphanumeric() {
            if !self.open {
                self.open_token(at);
            }
            self.append(c.to_ascii_lowercase() as char, at + 1);
        } else {
            self.open = false;
        }
    }

    /// Pushes one folded character that came from `original[start..end]`.
    fn push(&mut self, c: char, start: usize, end: usize) {
        match classify(c) {
            Class::Ignore => {}
            Class::Separator => self.open = false,
            Class::Word => {
                if !self.open {
                    self.open_token(start);
                }
                self.append(c, end);
            }
            Class::Cjk => {
                self.open_token(start);
                self.append(c, end);
                self.open = false;
            }
        }
    }

    fn open_token(&mut self, orig_start: usize) {
        if !self.out.norm.is_empty() {
            self.out.norm.push(' ');
        }
        let at = self.out.norm.len();
        let token = Token {
            norm_start: at,
            norm_end: at,
            orig_start,
            orig_end: orig_start,
        };
        self.out.tokens.push(token);
        self.open = true;
    }

    fn append(&mut self, c: char, orig_end: usize) {
        self.out.norm.push(c);
        if let Some(t) = self.out.tokens.last_mut() {
            t.norm_end = self.out.norm.len();
            t.orig_end = orig_end;
        }
    }
}

/// NFKD, drop diacritics, lowercase, then recompose (NFC) into `compose`.
fn fold_cluster(cluster: &str, fold: &mut String, compose: &mut String) {
    fold.clear();
    for c in cluster.nfkd() {
        if is_diacritic(c) {
            continue;
        }
        for l in c.to_lowercase() {
            match l {
                'ß' => fold.push_str("ss"),
                'ς' => fold.push('σ'),
                _ => fold.push(l),
            }
        }
    }
    compose.clear();
    if fold.is_ascii() {
        compose.push_str(fold);
    } else {
        compose.extend(fold.nfc());
    }
}

fn classify(c: char) -> Class {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            Class::Word
        } else {
            Class::Separator
        };
    }
    if matches!(
        c,
        '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    ) {
        return Class::Ignore;
    }
    if is_quote_like(c) || !(c.is_alphanumeric() || is_combining_mark(c)) {
        return Class::Separator;
    }
    if is_spaceless_script(c) {
        Class::Cjk
    } else {
        Class::Word
    }
}

/// Combining marks that are accents rather than letters (Latin, Greek, Cyrillic, Hebrew
/// points, Arabic harakat); Japanese voicing marks and Thai vowels are kept.
fn is_diacritic(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{0591}'..='\u{05BD}'
        | '\u{05BF}' | '\u{05C1}' | '\u{05C2}' | '\u{05C4}' | '\u{05C5}' | '\u{05C7}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}')
}

/// Letter-like apostrophes (modifier letters) that must still separate words like `'`.
fn is_quote_like(c: char) -> bool {
    matches!(c, '\u{02B9}'..='\u{02BD}' | '\u{02C8}' | '\u{02EE}')
}

/// Han, Hiragana, Katakana, Bopomofo, Hangul and Thai: written without spaces between words.
pub(crate) fn is_spaceless_script(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0E7F}'
        | '\u{1100}'..='\u{11FF}'
        | '\u{2E80}'..='\u{2FDF}'
        | '\u{3005}'..='\u{3007}'
        | '\u{3021}'..='\u{3029}'
        | '\u{3031}'..='\u{303C}'
        | '\u{3040}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{AC00}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF66}'..='\u{FFDC}'
        | '\u{20000}'..='\u{323AF}')
}
