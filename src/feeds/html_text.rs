//! config → feeds (parse → **html**): the plain text [`super::html_to_text`] writes, with
//! its whitespace collapsed as it is written — one space, at most one blank line, both
//! ends trimmed — in one pass and no intermediate buffer.

use super::entities::decode_entities_to;

/// A break that markup asks for between two runs of text.
#[derive(Debug, Clone, Copy)]
pub(super) enum Break {
    /// A line break (`<br>`, or a newline in plain text); two in a row make a blank line.
    Line,
    /// A block boundary (`<div>`, `<li>`, …): at least a line break.
    Block,
    /// A paragraph boundary (`<p>`, `<h1>`, …): a blank line.
    Para,
}

/// The output text and what separates the next run from the last one.
pub(super) struct TextOut {
    out: String,
    /// Whitespace was seen since the last visible character.
    space: bool,
    /// Line breaks asked for since the last visible character (0, 1, or 2 = blank line).
    breaks: u8,
    /// Whether a `\n` in the text counts as a line break (plain text) or as a space.
    newlines: bool,
    /// Scratch for entity decoding, kept between runs.
    scratch: String,
}

impl TextOut {
    /// An empty output for an input of about `capacity` bytes.
    pub fn new(capacity: usize, newlines: bool) -> Self {
        TextOut {
            out: String::with_capacity(capacity),
            space: false,
            breaks: 0,
            newlines,
            scratch: String::new(),
        }
    }

    /// The text written so far.
    pub fn finish(self) -> String {
        self.out
    }

    /// Asks for a break before the next visible character.
    pub fn mark(&mut self, kind: Break) {
        self.breaks = match kind {
            Break::Line => (self.breaks + 1).min(2),
            Break::Block => self.breaks.max(1),
            Break::Para => 2,
        };
    }

    /// Writes text with its character references decoded.
    pub fn text(&mut self, text: &str) {
        if memchr::memchr(b'&', text.as_bytes()).is_none() {
            return self.literal(text);
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        decode_entities_to(text, &mut scratch);
        self.literal(&scratch);
        self.scratch = scratch;
    }

    /// Writes text as it is (CDATA, decoded text), collapsing its whitespace.
    pub fn literal(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let end = visible_run(text, i);
            if end > i {
                self.visible(&text[i..end]);
                i = end;
            }
            let Some(&b) = bytes.get(i) else { break };
            if b < 0x80 {
                self.whitespace(b == b'\n');
                i += 1;
            } else {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                self.whitespace(false);
                i += len;
            }
        }
    }

    /// One whitespace character: a space, or a line break for a plain-text newline.
    fn whitespace(&mut self, newline: bool) {
        if newline && self.newlines {
            self.mark(Break::Line);
        } else {
            self.space = true;
        }
    }

    /// A run of visible characters, after the separator the pending breaks ask for.
    fn visible(&mut self, run: &str) {
        if !self.out.is_empty() {
            match self.breaks {
                0 if self.space => self.out.push(' '),
                0 => {}
                1 => self.out.push('\n'),
                _ => self.out.push_str("\n\n"),
            }
        }
        self.space = false;
        self.breaks = 0;
        self.out.push_str(run);
    }
}

/// How [`visible_run`] sees a byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Not whitespace, and not the start of a character that may be.
    Visible,
    /// An ASCII space.
    Space,
    /// Other ASCII whitespace (tab, line breaks, vertical tab, form feed).
    OtherSpace,
    /// The lead byte of a character that may be Unicode whitespace (U+0085, U+00A0,
    /// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
    MaybeSpace,
}

/// [`Class`] by byte value.
static CLASS: [Class; 256] = {
    let mut table = [Class::Visible; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b' ' => Class::Space,
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' => Class::OtherSpace,
            0xC2 | 0xE1 | 0xE2 | 0xE3 => Class::MaybeSpace,
            _ => Class::Visible,
        };
        b += 1;
    }
    table
};

/// The end of the run of text from `from` that is written as it is: visible characters
/// and the single ASCII spaces between them (what collapsing leaves unchanged). Stops at
/// a character boundary before any other whitespace. Plain ASCII goes eight bytes at a
/// step (see [`plain_ascii`]); a byte it is not sure of takes one step of the table.
fn visible_run(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    loop {
        while let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) {
            let take = plain_ascii(u64::from_le_bytes(*chunk), i == from);
            i += take;
            if take == 0 {
                break;
            }
        }
        let Some(&b) = bytes.get(i) else {
            return i;
        };
        match CLASS[usize::from(b)] {
            Class::Visible => i += 1,
            Class::Space => {
                let next = bytes.get(i + 1).map(|&n| CLASS[usize::from(n)]);
                if i == from || next != Some(Class::Visible) {
                    return i;
                }
                i += 2;
            }
            Class::OtherSpace => return i,
            Class::MaybeSpace => match text[i..].chars().next() {
                Some(c) if !c.is_whitespace() => i += c.len_utf8(),
                _ => return i,
            },
        }
    }
}

/// How many of the eight bytes of `word` (little-endian) [`visible_run`] takes as they
/// are, when all eight are printable ASCII or single spaces: eight, or seven when the last
/// is a space (whether it stays depends on the byte after it). Zero when any byte is a
/// control, whitespace other than a space, non-ASCII, or one of two spaces in a row, or
/// when the run starts (`at_start`) on a space.
#[inline(always)]
fn plain_ascii(word: u64, at_start: bool) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    // High bit of each byte: set where its low seven bits are at least 0x20 (no carry
    // crosses a byte: 0x7F + 0x60 < 0x100).
    let printable = ((word & LOW7) + 0x6060_6060_6060_6060) & HIGH;
    // High bit of each byte: set where it is exactly a space.
    let x = word ^ SPACES;
    let space = !(((x & LOW7) + LOW7) | x) & HIGH;
    let plain = word & HIGH == 0 && printable == HIGH && space & (space >> 8) == 0;
    match plain && !(at_start && space & 0x80 != 0) {
        false => 0,
        true if space >> 63 != 0 => 7,
        true => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What `literal` must write: each character on its own, the way the writer saw text
    /// before runs were copied whole.
    fn literal_per_char(out: &mut TextOut, text: &str) {
        for (i, c) in text.char_indices() {
            match c.is_whitespace() {
                true => out.whitespace(c == '\n'),
                false => out.visible(&text[i..i + c.len_utf8()]),
            }
        }
    }

    /// Text mixing every byte class: ASCII and Unicode whitespace, characters that share
    /// a lead byte with Unicode whitespace without being any, controls.
    fn mixed_text() -> impl Strategy<Value = String> {
        let chars = vec![
            'a', 'Z', '.', ' ', ' ', '\t', '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{7f}', 'é',
            '©', '\u{85}', '\u{a0}', 'ᄀ', '\u{1680}', '\u{2009}', '\u{200b}', '—', '€',
            '\u{2028}', '\u{202f}', '\u{205f}', '\u{3000}', 'あ', '李', '😀',
        ];
        proptest::collection::vec(proptest::sample::select(chars), 0..40)
            .prop_map(|cs| cs.into_iter().collect())
    }

    /// Mostly plain ASCII with some spaces, in runs long enough for the eight-byte steps,
    /// and now and then a byte those steps must leave to the table.
    fn ascii_text() -> impl Strategy<Value = String> {
        let chars = vec![
            'a', 'b', 'Q', '7', '.', '~', '\u{7f}', ' ', ' ', ' ', 'a', 'e', 'o', 'r', '\t', '\n',
            '\u{1}', '\u{a0}', 'é', '\u{2009}',
        ];
        let weights = proptest::sample::select(chars);
        proptest::collection::vec(weights, 0..120).prop_map(|cs| cs.into_iter().collect())
    }

    fn breaks() -> impl Strategy<Value = Option<Break>> {
        proptest::option::of(proptest::sample::select(vec![
            Break::Line,
            Break::Block,
            Break::Para,
        ]))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn runs_copied_whole_equal_the_per_character_writer(
            pieces in proptest::collection::vec(
                (prop_oneof![mixed_text(), ascii_text()], breaks()),
                0..5,
            ),
            newlines in any::<bool>(),
        ) {
            let (mut fast, mut slow) = (TextOut::new(0, newlines), TextOut::new(0, newlines));
            for (text, mark) in &pieces {
                fast.literal(text);
                literal_per_char(&mut slow, text);
                if let Some(kind) = mark {
                    fast.mark(*kind);
                    slow.mark(*kind);
                }
            }
            prop_assert_eq!(fast.finish(), slow.finish());
        }
    }
}
