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
            let start = i;
            let mut ws = None;
            while i < bytes.len() {
                let b = bytes[i];
                if b < 0x80 {
                    if is_ascii_space(b) {
                        ws = Some((b == b'\n', 1));
                        break;
                    }
                    i += 1;
                    continue;
                }
                let c = text[i..].chars().next().unwrap_or_default();
                if c.is_whitespace() {
                    ws = Some((false, c.len_utf8()));
                    break;
                }
                i += c.len_utf8();
            }
            if i > start {
                self.visible(&text[start..i]);
            }
            if let Some((newline, len)) = ws {
                self.whitespace(newline);
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

/// The ASCII characters `char::is_whitespace` accepts (vertical tab and form feed too).
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}
