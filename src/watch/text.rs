//! Watch stage, step 1: fold text to its canonical form and split it into words, keeping a
//! map from every word back to the original bytes.
//!
//! The canonical form is NFKC, lowercased (with `ß`→`ss`, `ς`→`σ`), stripped of diacritics,
//! with letters that have no combining accent read as ASCII (`ø`→`o`, `ł`→`l`, `æ`→`ae`;
//! see [`super::fold`]), invisible characters dropped, and every run of punctuation,
//! dashes, quotes, symbols (emoji) or spaces turned into one space. A dotted abbreviation
//! of capitals (`U.K.`, `E.U.`, `С.Ш.А.`) is one word (`uk`). Each CJK or Thai character
//! is a word of its own, so patterns in those scripts match as substrings.

use unicode_normalization::char::{canonical_combining_class, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

use super::fold::{is_diacritic, is_ignorable, letter_reading};

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

/// Where the folder writes the folded words: a folded copy (see [`analyse`]) or straight
/// into the matcher's automaton, so that both always see the same fold.
pub(crate) trait Sink {
    /// Appends one folded ASCII byte of a word.
    fn push_byte(&mut self, b: u8);
    /// Appends the ASCII letters and digits `bytes` starts with (lowercased when `lower`),
    /// less the last one when a non-ASCII byte follows it (it may take a combining mark);
    /// returns how many bytes it took. The folder calls it only where that is at least
    /// one byte.
    fn push_ascii_word(&mut self, bytes: &[u8], lower: bool) -> usize {
        let run = ascii_word_len(bytes);
        for &b in &bytes[..run] {
            self.push_byte(if lower { b.to_ascii_lowercase() } else { b });
        }
        run
    }
    /// Appends one folded character of a word: its UTF-8 bytes, one by one, unless the
    /// sink takes characters whole.
    fn push_char(&mut self, c: char) {
        let mut buf = [0; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            self.push_byte(b);
        }
    }
    /// A word starts (a folded copy puts one space before it, unless it is the first).
    fn gap(&mut self);
    /// Bytes written so far: the positions [`Token::norm_start`] and `norm_end` count.
    fn len(&self) -> usize;
}

impl Sink for String {
    fn push_byte(&mut self, b: u8) {
        self.push(b as char);
    }

    fn push_char(&mut self, c: char) {
        self.push(c);
    }

    fn gap(&mut self) {
        if !self.is_empty() {
            self.push(' ');
        }
    }

    fn len(&self) -> usize {
        String::len(self)
    }
}

/// Returns the canonical folded form of `text`, the form patterns and articles are matched in.
pub fn normalise(text: &str) -> String {
    fold_only(text, true)
}

/// The folded text alone (no word list kept: what folding a term needs).
fn fold_only(text: &str, lower: bool) -> String {
    fold_words_into(text, String::with_capacity(text.len()), lower)
}

/// Folds `text` (lowercased when `lower`) into `sink`, word by word, without keeping a word
/// list: a folded copy, or what reads the folded words as they come (the near-duplicate
/// sketch).
pub(crate) fn fold_words_into<S: Sink>(text: &str, sink: S, lower: bool) -> S {
    fold_with::<S, true>(text, sink, lower, false).1
}

/// Folds `text` and splits it into words, recording where each came from.
pub(crate) fn analyse(text: &str) -> Analysed {
    analyse_with::<true>(text, true)
}

/// The folded form of `text` with letter case kept (what a case-sensitive term compares).
pub(crate) fn fold_cased(text: &str) -> String {
    fold_only(text, false)
}

/// [`analyse`] with the ASCII fast path on (`FAST`) or every character folded through the
/// full Unicode path (what the differential tests compare the fast path with).
pub(crate) fn analyse_with<const FAST: bool>(text: &str, lower: bool) -> Analysed {
    let (tokens, norm) = fold_into::<String, FAST>(text, String::with_capacity(text.len()), lower);
    Analysed { norm, tokens }
}

/// Folds `text` (lowercased) into `sink` word by word; returns the words, their positions
/// counted in what the sink was given, and the sink.
pub(crate) fn fold_into<S: Sink, const FAST: bool>(
    text: &str,
    sink: S,
    lower: bool,
) -> (Vec<Token>, S) {
    fold_with::<S, FAST>(text, sink, lower, true)
}

/// [`fold_into`], keeping the words only when `record` (else the list comes back empty).
fn fold_with<S: Sink, const FAST: bool>(
    text: &str,
    sink: S,
    lower: bool,
    record: bool,
) -> (Vec<Token>, S) {
    let mut b = Builder::new(sink, lower, record);
    if record {
        // About one word per six bytes of news text: no growing copies for most fields
        // (up to 4,096 words reserved; a longer text grows the list as it goes).
        b.tokens.reserve((text.len() / 6 + 1).min(4096));
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Fast path: ASCII letters and digits not followed by a combining mark (a
        // combining mark is never ASCII) fold to themselves, lowercased, and never end a
        // word: a whole run of them goes to the sink at once.
        let c = bytes[i];
        if FAST && c.is_ascii_alphanumeric() && bytes.get(i + 1).is_none_or(u8::is_ascii) {
            i += b.push_ascii_word(&bytes[i..], i);
            continue;
        }
        if c == b'.' && b.dot_joins(text, i) {
            b.seg_orig = i + 1;
            i += 1;
            continue;
        }
        if FAST && c.is_ascii() && bytes.get(i + 1).is_none_or(u8::is_ascii) {
            b.push_ascii(c, i);
            i += 1;
            continue;
        }
        if FAST && !c.is_ascii() {
            if let Some(len) = plain_separator_at(bytes, i) {
                b.close();
                i += len;
                continue;
            }
        }
        i = push_cluster_at(&mut b, text, i);
    }
    b.close();
    (b.tokens, b.sink)
}

/// How many ASCII letters and digits `bytes` starts with, less the last one when a
/// non-ASCII byte follows it (which may be a combining mark joining it).
#[inline(always)]
pub(crate) fn ascii_word_len(bytes: &[u8]) -> usize {
    let mut end = 0;
    while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
        end += 1;
    }
    match bytes.get(end) {
        Some(&next) if !next.is_ascii() && end > 0 => end - 1,
        _ => end,
    }
}

/// The length of the punctuation mark at `bytes[at..]` when it is one of the common ones
/// of news text that fold to separators only (no-break space, curly quotes, dashes,
/// ellipsis, guillemets, bullet) and an ASCII character (never a combining mark) or the
/// end follows it: what the full fold would make of it, without the Unicode folder.
#[inline]
fn plain_separator_at(bytes: &[u8], at: usize) -> Option<usize> {
    let len = match bytes[at..] {
        [0xC2, 0xA0 | 0xAB | 0xBB, ..] => 2,
        [0xE2, 0x80, 0x93 | 0x94 | 0x98 | 0x99 | 0x9C | 0x9D | 0xA2 | 0xA6, ..] => 3,
        _ => return None,
    };
    bytes.get(at + len).is_none_or(u8::is_ascii).then_some(len)
}

/// Whether the letter at `text[from..]` is a capital (or caseless) letter standing alone:
/// followed by a dot, a non-letter or the end — the next part of a dotted abbreviation.
fn abbreviation_letter_at(text: &str, from: usize) -> bool {
    let mut chars = text[from..].chars();
    let Some(c) = chars.next() else {
        return false;
    };
    let alone = match chars.next() {
        None => true,
        Some(n) => n == '.' || !(n.is_alphanumeric() || is_combining_mark(n)),
    };
    alone && is_abbreviation_letter(c)
}

/// Whether the dot at `text[at]`, after an open word whose current part starts at
/// `part_start` (the word's start, or the byte after its last joining dot), joins a dotted
/// abbreviation: that part is one capital letter and another one follows the dot.
pub(crate) fn dot_joins(text: &str, part_start: usize, at: usize) -> bool {
    let mut part = text[part_start..at].chars();
    let single = match (part.next(), part.next()) {
        (Some(c), None) => is_abbreviation_letter(c),
        _ => false,
    };
    single && abbreviation_letter_at(text, at + 1)
}

/// A letter that can be part of a dotted abbreviation: not lowercase (so `e.g.` and `p.m.`
/// stay apart), not of a script written without spaces.
fn is_abbreviation_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_lowercase() && !is_spaceless_script(c)
}

/// Folds the character at byte `start` with the combining marks that follow it; returns
/// the byte after them.
fn push_cluster_at<S: Sink>(b: &mut Builder<S>, text: &str, start: usize) -> usize {
    let end = cluster_end(text, start);
    let mut folding = std::mem::take(&mut b.folding);
    fold_cluster_chars(text, start..end, b.lower, &mut folding, |c| {
        b.push(c, start, end)
    });
    b.folding = folding;
    end
}

/// Folds the cluster `text[cluster]` (lowercased when `lower`) and hands `each` its
/// folded characters: an ASCII character alone as it is, anything else through
/// [`fold_cluster`].
fn fold_cluster_chars(
    text: &str,
    cluster: std::ops::Range<usize>,
    lower: bool,
    folding: &mut Folding,
    mut each: impl FnMut(char),
) {
    if cluster.len() == 1 {
        let c = char::from(text.as_bytes()[cluster.start]);
        each(if lower { c.to_ascii_lowercase() } else { c });
    } else {
        fold_cluster(
            &text[cluster],
            lower,
            &mut folding.fold,
            &mut folding.compose,
        );
        folding.compose.chars().for_each(each);
    }
}

/// Where the cluster at byte `start` ends: after its character and the combining marks
/// that follow it.
fn cluster_end(text: &str, start: usize) -> usize {
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
    end
}

/// Scratch space of the Unicode folder, kept between clusters.
#[derive(Debug, Default)]
pub(crate) struct Folding {
    fold: String,
    compose: String,
}

/// What one folded character of a cluster does to the words (see [`cluster_pieces_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Continues (or starts) the current word.
    Word(char),
    /// A word on its own (scripts written without spaces).
    Alone(char),
    /// Ends the current word.
    Break,
}

/// Folds (lowercased) the cluster at byte `start` of `text` as [`fold_into`] would, and
/// hands `each` what every folded character does to the words, with the byte after the
/// cluster (nothing for an ignored character); returns that byte. What the table search
/// (see [`super::table`]) does where the text is not plain ASCII: the differential tests
/// hold it to the folder's own words and stream.
pub(crate) fn cluster_pieces_at(
    text: &str,
    start: usize,
    folding: &mut Folding,
    mut each: impl FnMut(Piece, usize),
) -> usize {
    let bytes = text.as_bytes();
    if !bytes[start].is_ascii() {
        if let Some(len) = plain_separator_at(bytes, start) {
            each(Piece::Break, start + len);
            return start + len;
        }
    }
    let end = cluster_end(text, start);
    fold_cluster_chars(text, start..end, true, folding, |c| match classify(c) {
        Class::Ignore => {}
        Class::Separator => each(Piece::Break, end),
        Class::Word => each(Piece::Word(c), end),
        Class::Cjk => each(Piece::Alone(c), end),
    });
    end
}

/// Whether `c` folds into the character before it: a combining mark, a half-width voicing
/// mark (which NFKC turns into one), a Hangul vowel or final jamo (which NFC composes), or
/// one of the Tibetan vowel signs that are starters themselves but decompose into combining
/// marks (U+0F73, U+0F75, U+0F81), which canonical ordering then sorts among the marks
/// before them.
fn joins_previous(c: char) -> bool {
    canonical_combining_class(c) != 0
        || matches!(
            c,
            '\u{FF9E}'
                | '\u{FF9F}'
                | '\u{1160}'..='\u{11FF}'
                | '\u{D7B0}'..='\u{D7FF}'
                | '\u{0F73}'
                | '\u{0F75}'
                | '\u{0F81}'
        )
}

/// How a folded character takes part in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Dropped without a trace (see [`is_ignorable`]).
    Ignore,
    /// Ends the current word.
    Separator,
    /// Continues (or starts) the current word.
    Word,
    /// A word on its own (scripts written without spaces).
    Cjk,
}

/// Accumulates folded characters into a [`Sink`] and the words they form.
struct Builder<S> {
    sink: S,
    tokens: Vec<Token>,
    open: bool,
    /// Where the open word's last source character ends in the original.
    orig_end: usize,
    /// Whether letters are lowercased (false only for case-sensitive comparisons).
    lower: bool,
    /// Where the current part of the open word starts in the original: the word's start,
    /// or the byte after the last dot of a dotted abbreviation.
    seg_orig: usize,
    folding: Folding,
    /// Whether the words are kept in `tokens`.
    record: bool,
}

impl<S: Sink> Builder<S> {
    fn new(sink: S, lower: bool, record: bool) -> Self {
        Builder {
            sink,
            record,
            tokens: Vec::new(),
            open: false,
            orig_end: 0,
            lower,
            seg_orig: 0,
            folding: Folding::default(),
        }
    }

    /// Whether the dot at `text[at]` joins a dotted abbreviation: the open word's current
    /// part is one capital letter and another one follows the dot.
    fn dot_joins(&self, text: &str, at: usize) -> bool {
        self.open && dot_joins(text, self.seg_orig, at)
    }

    /// Pushes an ASCII byte found at `at` in the original (the common case, kept short).
    #[inline(always)]
    fn push_ascii(&mut self, c: u8, at: usize) {
        if c.is_ascii_alphanumeric() {
            if !self.open {
                self.open_token(at);
            }
            let c = if self.lower {
                c.to_ascii_lowercase()
            } else {
                c
            };
            self.sink.push_byte(c);
            self.orig_end = at + 1;
        } else {
            self.close();
        }
    }

    /// Pushes the run of ASCII letters and digits that `rest`, found at `at` in the
    /// original, starts with (at least one, not followed by a combining mark): part of one
    /// word, which it opens when none is. Returns the run's length.
    #[inline(always)]
    fn push_ascii_word(&mut self, rest: &[u8], at: usize) -> usize {
        if !self.open {
            self.open_token(at);
        }
        let run = self.sink.push_ascii_word(rest, self.lower);
        self.orig_end = at + run;
        run
    }

    /// Pushes one folded character that came from `original[start..end]`.
    fn push(&mut self, c: char, start: usize, end: usize) {
        match classify(c) {
            Class::Ignore => {}
            Class::Separator => self.close(),
            Class::Word => {
                if !self.open {
                    self.open_token(start);
                }
                self.append(c, end);
            }
            Class::Cjk => {
                self.close();
                self.open_token(start);
                self.append(c, end);
                self.close();
            }
        }
    }

    fn open_token(&mut self, orig_start: usize) {
        self.sink.gap();
        let at = self.sink.len();
        let token = Token {
            norm_start: at,
            norm_end: at,
            orig_start,
            orig_end: orig_start,
        };
        if self.record {
            self.tokens.push(token);
        }
        self.open = true;
        self.seg_orig = orig_start;
    }

    /// Ends the open word, if any, recording where it ends.
    fn close(&mut self) {
        if !self.open {
            return;
        }
        self.open = false;
        let norm_end = self.sink.len();
        if let Some(t) = self.tokens.last_mut() {
            t.norm_end = norm_end;
            t.orig_end = self.orig_end;
        }
    }

    fn append(&mut self, c: char, orig_end: usize) {
        self.sink.push_char(c);
        self.orig_end = orig_end;
    }
}

/// Reads letters without a combining accent as ASCII, NFKD, drops diacritics, lowercases
/// (when `lower`), then recomposes (NFC) into `compose`.
fn fold_cluster(cluster: &str, lower: bool, fold: &mut String, compose: &mut String) {
    fold.clear();
    let mut chars = cluster.chars();
    compose.clear();
    let Some(first) = chars.next() else {
        return;
    };
    if is_diacritic(first) || is_ignorable(first) {
        // Marks after a dropped starter have nothing to attach to: dropped with it (kept,
        // they would land on the previous word out of canonical order).
        return;
    }
    let reading = first.to_lowercase().next().and_then(letter_reading);
    let decomposed = match reading {
        Some(_) => chars.as_str().nfkd(),
        None => cluster.nfkd(),
    };
    if let Some(r) = reading {
        push_reading(fold, r, lower || !first.is_uppercase());
    }
    for c in decomposed {
        if is_diacritic(c) {
            continue;
        }
        if !lower {
            fold.push(c);
            continue;
        }
        for l in c.to_lowercase() {
            match letter_reading(l) {
                Some(r) => fold.push_str(r),
                None => fold.push(l),
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

/// Appends a letter's reading, its first letter capitalised unless `lower`.
fn push_reading(fold: &mut String, reading: &str, lower: bool) {
    let mut chars = reading.chars();
    match (lower, chars.next()) {
        (false, Some(c)) => {
            fold.extend(c.to_uppercase());
            fold.push_str(chars.as_str());
        }
        _ => fold.push_str(reading),
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
    if is_ignorable(c) {
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
