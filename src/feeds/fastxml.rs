//! config → feeds (fetch → **parse**: fast path → Article): the strict XML cursor under
//! [`super::fastpath`]. It reads events the way feed-rs's own reader does (same quick-xml
//! settings, same namespace mapping, same text coalescing and `xml:base` stack) and gives
//! up (`None`) on anything it does not reproduce exactly.

use quick_xml::escape::{resolve_predefined_entity, unescape};
use std::cell::Cell;
use std::rc::Rc;

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use url::Url;

thread_local! {
    /// Why the fast path last gave up on this thread (the innermost reason noted wins),
    /// read back by [`take_reason`] for the bench's and the tests' report of fallbacks.
    static REASON: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Notes on a `None` why the fast path gives up; a reason noted deeper in the same
/// attempt is kept, being the more precise one. Costs a branch on success.
pub(crate) trait Why {
    fn why(self, reason: &'static str) -> Self;
}

impl<T> Why for Option<T> {
    #[inline]
    fn why(self, reason: &'static str) -> Self {
        if self.is_none() {
            REASON.with(|r| {
                if r.get().is_none() {
                    r.set(Some(reason));
                }
            });
        }
        self
    }
}

/// Takes the reason noted since the last call, if any.
pub(crate) fn take_reason() -> Option<&'static str> {
    REASON.with(Cell::take)
}

/// The namespaces feed-rs tells apart, reduced to what the fast path cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    /// RSS (also the default inside `<rss>`).
    Rss,
    /// Atom 1.0 (also the default inside `<feed>`).
    Atom,
    /// `content:` (RSS content module).
    Content,
    /// Dublin Core.
    Dc,
    /// MediaRSS.
    Media,
    /// iTunes and Podcast, which feed-rs also reads into media objects.
    Pod,
    /// Anything else feed-rs ignores.
    Other,
}

/// One start tag: namespace, local name, unescaped attributes and the `xml:base` in force.
pub(crate) struct Elem {
    pub ns: Ns,
    pub local: String,
    pub attrs: Vec<(String, String)>,
    pub base: Option<Rc<Url>>,
}

impl Elem {
    /// The value of the first attribute named `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What [`Cursor::next`] yields. Text is only said to be there (and whether it is
/// blank): [`Cursor::text`] is the one reader that keeps it, without copying event by event.
pub(crate) enum Ev {
    Start(Elem),
    End,
    Text { blank: bool },
    Eof,
}

/// A strict reader over UTF-8 XML; every method returns `None` to mean "give up".
pub(crate) struct Cursor<'a> {
    /// The whole document, which the reader reads as a shrinking slice of it.
    input: &'a str,
    reader: NsReader<&'a [u8]>,
    default: Ns,
    /// The `xml:base` of each open element (inherited when it has none); index 0 is the
    /// caller's base. Shared, so that an element inheriting it costs no copy.
    bases: Vec<Option<Rc<Url>>>,
}

impl<'a> Cursor<'a> {
    /// A cursor over `text`, resolving against `base` like feed-rs's builder base.
    pub fn new(text: &'a str, base: Option<&Url>) -> Self {
        let mut reader = NsReader::from_str(text);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.trim_markup_names_in_closing_tags = true;
        config.trim_text(false);
        Cursor {
            input: text,
            reader,
            default: Ns::Other,
            bases: vec![base.cloned().map(Rc::new)],
        }
    }

    /// Sets the namespace of unprefixed, undeclared elements (feed-rs's "default default").
    pub fn set_default(&mut self, ns: Ns) {
        self.default = ns;
    }

    /// The next event; `None` on an error or anything the fast path does not handle.
    pub fn next(&mut self) -> Option<Ev> {
        loop {
            let (res, event) = self
                .reader
                .read_resolved_event()
                .ok()
                .why("not well-formed")?;
            let ns = match res {
                ResolveResult::Bound(ns) => Some(ns_of(ns.0)),
                _ => None,
            };
            match event {
                Event::Start(e) => return self.start(ns.unwrap_or(self.default), &e),
                Event::End(_) => {
                    self.bases.pop();
                    return Some(Ev::End);
                }
                Event::Text(t) => {
                    return Some(Ev::Text {
                        blank: is_blank(&t),
                    })
                }
                Event::CData(t) => {
                    return Some(Ev::Text {
                        blank: is_blank(&t),
                    })
                }
                Event::GeneralRef(r) => {
                    let mut sink = String::new();
                    push_reference(&r, &mut sink)
                        .why("a character reference that is no character")?;
                    return Some(Ev::Text {
                        blank: is_blank(&sink),
                    });
                }
                Event::Decl(d) if self.bases.len() == 1 => {
                    let utf8 = match d.encoding() {
                        None => true,
                        Some(enc) => enc.ok()?.eq_ignore_ascii_case("utf-8"),
                    };
                    if !utf8 {
                        return None.why("declared encoding not UTF-8");
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                // feed-rs ignores a DOCTYPE, and so the entities it may declare: their
                // references stay as written (see `push_reference`).
                Event::DocType(_) if self.bases.len() == 1 => {}
                Event::Eof => return Some(Ev::Eof),
                Event::DocType(_) => return None.why("a DOCTYPE inside an element"),
                _ => return None.why("unexpected markup"),
            }
        }
    }

    /// Builds the element for a start tag and pushes its `xml:base`.
    fn start(&mut self, ns: Ns, e: &BytesStart) -> Option<Ev> {
        let name = e.name();
        let qname: &str = name.as_ref();
        let local = qname.rsplit(':').next().unwrap_or_default().to_string();
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.ok().why("a malformed attribute")?;
            let key: &str = a.key.as_ref();
            let value = unescape(&a.value)
                .ok()
                .why("an attribute's entity")?
                .into_owned();
            attrs.push((key.to_string(), value));
        }
        let current = self.bases.last().cloned().flatten();
        let base = match attrs.iter().find(|(k, _)| k == "xml:base") {
            None => current,
            Some((_, v)) => xml_base(v, current).why("an xml:base that is no URL")?,
        };
        self.bases.push(base.clone());
        Some(Ev::Start(Elem {
            ns,
            local,
            attrs,
            base,
        }))
    }

    /// The text of the element just started, up to its end tag, coalesced like feed-rs's
    /// `child_as_text` (`Some(None)` when there is none); gives up on child elements.
    pub fn text(&mut self) -> Option<Option<String>> {
        match self.plain_text() {
            Some(text) => self.end().map(|()| text),
            None => self.text_events(),
        }
    }

    /// [`Self::text`] read straight from the input, for the usual element holding only
    /// text, character and predefined entity references and CDATA sections: `None`,
    /// having read nothing, for anything else (a comment, a PI, a child, a reference that
    /// is not closed), which [`Self::text_events`] then reads. quick-xml reports every
    /// reference as an event of its own and checks each piece of text for UTF-8 again,
    /// which made escaped HTML the costliest part of a feed. On success the reader is
    /// moved to the `</` of the end tag, from where it reads on as if it had read the
    /// text itself (its position, used only in error messages, is not moved).
    fn plain_text(&mut self) -> Option<Option<String>> {
        let rest: &'a [u8] = self.reader.get_mut();
        let start = self.input.len() - rest.len();
        // After `<a/>` the reader owes an end event of its own.
        if self.input.as_bytes()[..start].ends_with(b"/>") {
            return None;
        }
        let mut buffer: Option<String> = None;
        let mut at = start;
        loop {
            let lt = at + memchr::memchr(b'<', &self.input.as_bytes()[at..])?;
            if lt > at {
                let out = buffer.get_or_insert_with(String::new);
                push_text(&self.input[at..lt], out)?;
            }
            let markup = &self.input.as_bytes()[lt..];
            if markup.starts_with(b"</") {
                *self.reader.get_mut() = &self.input.as_bytes()[lt..];
                return Some(buffer);
            }
            let cdata = markup.strip_prefix(b"<![CDATA[")?;
            let end = memchr::memmem::find(cdata, b"]]>")?;
            let content = &self.input[lt + 9..lt + 9 + end];
            if !content.is_empty() {
                buffer.get_or_insert_with(String::new).push_str(content);
            }
            at = lt + 9 + end + 3;
        }
    }

    /// Reads the end tag of the element whose text [`Self::plain_text`] read.
    fn end(&mut self) -> Option<()> {
        match self.reader.read_resolved_event().ok()?.1 {
            Event::End(_) => {
                self.bases.pop();
                Some(())
            }
            _ => None,
        }
    }

    /// [`Self::text`] event by event.
    fn text_events(&mut self) -> Option<Option<String>> {
        let mut buffer: Option<String> = None;
        loop {
            let (_, event) = self
                .reader
                .read_resolved_event()
                .ok()
                .why("not well-formed")?;
            match event {
                Event::Text(t) if t.is_empty() => {}
                Event::Text(t) => buffer.get_or_insert_with(String::new).push_str(&t),
                Event::CData(t) if t.is_empty() => {}
                Event::CData(t) => buffer.get_or_insert_with(String::new).push_str(&t),
                Event::GeneralRef(r) => push_reference(&r, buffer.get_or_insert_with(String::new))
                    .why("an entity other than XML's own")?,
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(_) => {
                    self.bases.pop();
                    return Some(buffer);
                }
                _ => return None.why("markup inside a text field"),
            }
        }
    }

    /// Skips the rest of the element just started, children and all, checking what
    /// [`Self::next`] would check (attributes, `xml:base`, references) without building it.
    pub fn skip(&mut self) -> Option<()> {
        let mut depth = 1usize;
        let mut sink = String::new();
        while depth > 0 {
            let (_, event) = self
                .reader
                .read_resolved_event()
                .ok()
                .why("not well-formed")?;
            match event {
                Event::Start(e) => {
                    check_attributes(&e)?;
                    depth += 1;
                }
                Event::End(_) => depth -= 1,
                Event::GeneralRef(r) => {
                    sink.clear();
                    push_reference(&r, &mut sink).why("an entity other than XML's own")?;
                }
                Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
                _ => return None.why("unexpected markup in a skipped element"),
            }
        }
        self.bases.pop();
        Some(())
    }

    /// Reads the prolog up to the root element: only whitespace, comments, PIs and a
    /// UTF-8 declaration may come first.
    pub fn root(&mut self) -> Option<Elem> {
        loop {
            match self.next()? {
                Ev::Start(e) => return Some(e),
                Ev::Text { blank: true } => {}
                _ => return None.why("text before the root"),
            }
        }
    }

    /// Checks that nothing but whitespace, comments and PIs follow the root element.
    pub fn finish(&mut self) -> Option<()> {
        loop {
            match self.next()? {
                Ev::Eof => return Some(()),
                Ev::Text { blank: true } => {}
                _ => return None.why("content after the root"),
            }
        }
    }
}

/// Appends what a character or predefined entity reference stands for, and any other
/// entity reference as written, as feed-rs keeps it (neither reads a DTD; the HTML ones
/// are then read by `html_to_text`); `None` for a character reference that is no
/// character, which feed-rs refuses.
fn push_reference(r: &BytesRef, out: &mut String) -> Option<()> {
    match r.resolve_char_ref().ok()? {
        Some(ch) => out.push(ch),
        None => match resolve_predefined_entity(r) {
            Some(text) => out.push_str(text),
            None => {
                out.push('&');
                out.push_str(r);
                out.push(';');
            }
        },
    }
    Some(())
}

/// Appends text (no markup in it) with its references resolved as quick-xml reports them
/// (`&` up to the next `;`) and [`push_reference`] reads them; `None` for a reference
/// that is not closed before the next `&` or the end, or that it would not read.
fn push_text(text: &str, out: &mut String) -> Option<()> {
    let mut rest = text;
    while let Some(amp) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = memchr::memchr2(b';', b'&', after.as_bytes())?;
        if after.as_bytes()[semi] != b';' {
            return None;
        }
        push_reference(&BytesRef::new(&after[..semi]), out)?;
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Some(())
}

/// The `xml:base` an element with attribute value `v` has, under `current`; `None` (give
/// up) when it is not a URL at all.
fn xml_base(v: &str, current: Option<Rc<Url>>) -> Option<Option<Rc<Url>>> {
    match Url::parse(v) {
        Ok(url) => Some(Some(Rc::new(url))),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let joined = current.as_ref().and_then(|b| b.join(v).ok());
            Some(joined.map(Rc::new).or(current))
        }
        Err(_) => None,
    }
}

/// Checks a skipped start tag as [`Cursor::next`] would read it: well-formed attributes
/// with valid escapes, and an `xml:base` that is a URL.
fn check_attributes(e: &BytesStart) -> Option<()> {
    for a in e.attributes() {
        let a = a.ok().why("a malformed attribute")?;
        let value = unescape(&a.value).ok().why("an attribute's entity")?;
        let key: &str = a.key.as_ref();
        if key == "xml:base" {
            xml_base(&value, None).why("an xml:base that is no URL")?;
        }
    }
    Some(())
}

/// Whether `t` is XML whitespace only.
fn is_blank(t: &str) -> bool {
    t.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Maps a namespace URI the way feed-rs does.
fn ns_of(uri: &str) -> Ns {
    match uri {
        "http://purl.org/rss/1.0/" => Ns::Rss,
        "http://www.w3.org/2005/Atom" => Ns::Atom,
        "http://purl.org/rss/1.0/modules/content/" => Ns::Content,
        "http://purl.org/dc/elements/1.1/" => Ns::Dc,
        "http://search.yahoo.com/mrss/" => Ns::Media,
        "http://www.itunes.com/dtds/podcast-1.0.dtd" | "https://podcastindex.org/namespace/1.0" => {
            Ns::Pod
        }
        _ => Ns::Other,
    }
}
