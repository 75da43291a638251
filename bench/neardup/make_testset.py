#!/usr/bin/env python3
"""Build a near-duplicate story test set from real feed text.

Reads every RSS / Atom / RDF (and JSON Feed) file in a corpus directory, extracts
items as plain text, and writes labelled pairs to a JSONL file:

  * "duplicate" pairs: a real item and a synthetically edited republication of it
    (re-titled, trimmed, boilerplate added, lightly reworded, sentences reordered),
    plus a few copies that change only the title and link;
  * "different" pairs: two distinct real items chosen to be hard to tell apart
    (same feed, similar vocabulary, shared named entities), with any pair whose
    5-word-shingle Jaccard exceeds a threshold excluded as a probable syndicated
    duplicate.

Standard library only; the output is a pure function of the corpus and --seed.

    python3 bench/neardup/make_testset.py \\
        --corpus /work/shared/corpus/real/kagi-benchmark-feeds \\
        --out tests/fixtures/neardup/pairs.jsonl --seed 20240601
"""

import argparse
import collections
import html
import html.parser
import json
import math
import os
import random
import re
import sys
import xml.etree.ElementTree as ET

DEFAULT_CORPUS = "/work/shared/corpus/real/kagi-benchmark-feeds"
DEFAULT_OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "neardup", "pairs.jsonl"
)

MIN_WORDS = 120
MAX_WORDS = 600  # per-item cap (whole paragraphs/sentences); keeps the JSONL under ~3 MB
NEG_SHINGLE_MAX = 0.3  # negatives above this 5-shingle Jaccard are excluded
SHINGLE = 5
MAX_PER_FEED_PAIR = 4  # diversity: at most this many cross-feed negatives per pair of feeds

# --------------------------------------------------------------------------------------
# HTML -> plain text
# --------------------------------------------------------------------------------------

BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "section", "article", "header", "footer", "table", "tr", "td", "th", "hr", "figure",
    "figcaption", "dd", "dt", "dl", "aside", "main", "nav", "details", "summary", "pre",
}
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "math", "head", "title"}
CODE_TAGS = {"pre", "code", "kbd", "samp", "tt"}


class _TextExtractor(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paras = [[]]
        self.skip = 0
        self.code = 0
        self.link = 0
        self.code_chars = 0
        self.link_chars = 0

    def _local(self, tag):
        return tag.rsplit(":", 1)[-1].lower()

    def handle_starttag(self, tag, attrs):
        t = self._local(tag)
        if t in SKIP_TAGS:
            self.skip += 1
        elif t in CODE_TAGS:
            self.code += 1
        elif t == "a":
            self.link += 1
        if t in BLOCK_TAGS:
            self.paras.append([])

    def handle_startendtag(self, tag, attrs):
        if self._local(tag) in BLOCK_TAGS:
            self.paras.append([])

    def handle_endtag(self, tag):
        t = self._local(tag)
        if t in SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif t in CODE_TAGS:
            self.code = max(0, self.code - 1)
        elif t == "a":
            self.link = max(0, self.link - 1)
        if t in BLOCK_TAGS:
            self.paras.append([])

    def handle_data(self, data):
        if self.skip:
            return
        n = len(data.strip())
        if self.code:
            self.code_chars += n
        if self.link:
            self.link_chars += n
        self.paras[-1].append(data)


TAGLIKE = re.compile(r"</?(?:p|a|div|br|span|img|strong|em|b|i|ul|li|h[1-6]|blockquote|figure)\b[^>]*>", re.I)
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def html_to_text(markup):
    """Return (paragraphs, code_chars, link_chars) for an HTML fragment."""
    ex = _TextExtractor()
    try:
        ex.feed(markup)
        ex.close()
    except Exception:
        return [], 0, 0
    paras = []
    for chunks in ex.paras:
        s = ZERO_WIDTH.sub("", "".join(chunks))
        s = re.sub(r"\s+", " ", s).strip()
        if s:
            paras.append(s)
    code_chars, link_chars = ex.code_chars, ex.link_chars
    joined = "\n".join(paras)
    # Doubly escaped HTML ("&amp;lt;p&amp;gt;") leaves literal tags behind: strip once more.
    if len(TAGLIKE.findall(joined)) >= 2:
        p2, c2, l2 = html_to_text(joined.replace("\n", "<br>"))
        return p2, code_chars + c2, link_chars + l2
    return paras, code_chars, link_chars


def inline_text(markup):
    paras, _, _ = html_to_text(markup or "")
    return " ".join(paras)


# --------------------------------------------------------------------------------------
# Feed parsing
# --------------------------------------------------------------------------------------

CONTENT_FIELDS = ("description", "encoded", "content", "summary")


def _local(tag):
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _element_markup(el):
    """Markup of an element's content: text for escaped/CDATA HTML, serialised children for xhtml."""
    if len(el):
        parts = [el.text or ""]
        for child in el:
            parts.append(ET.tostring(child, encoding="unicode", method="xml"))
        return "".join(parts)
    return el.text or ""


def _link_of(item):
    for ch in item:
        if _local(ch.tag) == "link":
            href = ch.get("href")
            if href and ch.get("rel", "alternate") == "alternate":
                return href.strip()
            if (ch.text or "").strip():
                return ch.text.strip()
    for ch in item:
        if _local(ch.tag) in ("guid", "id") and (ch.text or "").strip().startswith("http"):
            return ch.text.strip()
    return ""


def parse_etree(root):
    out = []
    for el in root.iter():
        if _local(el.tag) not in ("item", "entry"):
            continue
        title, link, fields = "", _link_of(el), {}
        for ch in el:
            name = _local(ch.tag)
            if name == "title" and not title:
                title = _element_markup(ch)
            elif name in CONTENT_FIELDS:
                fields.setdefault(name, []).append(_element_markup(ch))
        out.append((title, link, [m for k in CONTENT_FIELDS for m in fields.get(k, [])]))
    return out


ITEM_RE = re.compile(r"<((?:\w+:)?(?:item|entry))\b[^>]*>(.*?)</\1\s*>", re.S | re.I)
FIELD_RE = re.compile(
    r"<((?:\w+:)?(title|description|encoded|content|summary|link))\b([^>]*)>(.*?)</\1\s*>", re.S | re.I
)
CDATA_RE = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def _regex_field(raw):
    if "<![CDATA[" in raw:
        return "".join(CDATA_RE.findall(raw))
    return html.unescape(raw)  # the XML escaping layer; HTML is stripped later


def parse_regex(text):
    out = []
    for m in ITEM_RE.finditer(text):
        title, link, bodies = "", "", []
        for f in FIELD_RE.finditer(m.group(2)):
            name, attrs, raw = f.group(2).lower(), f.group(3), f.group(4)
            if name == "title" and not title:
                title = _regex_field(raw)
            elif name == "link" and not link:
                link = _regex_field(raw).strip()
            elif name in CONTENT_FIELDS:
                bodies.append(_regex_field(raw))
        if not link:
            lm = re.search(r"<(?:\w+:)?link\b[^>]*href=[\"']([^\"']+)", m.group(2), re.I)
            link = lm.group(1) if lm else ""
        out.append((title, link, bodies))
    return out


def parse_jsonfeed(data):
    out = []
    for it in data.get("items", []):
        bodies = [it.get(k) or "" for k in ("content_html", "content_text", "summary")]
        out.append((it.get("title") or "", it.get("url") or "", bodies))
    return out


def decode_bytes(raw):
    for enc in ("utf-8", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def parse_feed(path):
    """Return (method, [(title_markup, link, [body_markup...])...]) or raise."""
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw.lstrip()[:1] == b"{":
        return "json", parse_jsonfeed(json.loads(decode_bytes(raw)))
    try:
        return "xml", parse_etree(ET.fromstring(raw))
    except ET.ParseError:
        pass
    text = decode_bytes(raw)
    try:  # wrong encoding declarations: parse the decoded text without the declaration
        return "xml", parse_etree(ET.fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text)))
    except ET.ParseError:
        pass
    items = parse_regex(text)
    if not items:
        raise ValueError("no items found")
    return "regex", items


# --------------------------------------------------------------------------------------
# Text utilities
# --------------------------------------------------------------------------------------

WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.U)
URL_RE = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|org|net|io|dev|co|uk|html?)(?:/\S*)?$", re.I)
STOPWORDS = set(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just let me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours yourself yourselves one two new
    said says say like get got make made us may many much well even back way still says""".split()
)
# function words of a few Latin-script languages, for the "is this prose" test
PROSE_FUNCTION_WORDS = STOPWORDS | set(
    """der die das und ist nicht ein eine zu den mit von auf für sich des dem im auch es als an
    le la les et est un une des du en pour que qui dans sur pas au par ce il elle
    el los las y es un una por con para que del se lo al como más
    il lo gli e è di che per non con una sono da
    o os as e é um uma do da em que não para com
    de het een en van is dat op te zijn niet met voor""".split()
)


def words_of(text):
    return WORD_RE.findall(text)


def latin_share(text):
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    latin = sum(1 for c in letters if ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF)
    return latin / len(letters)


ABBREV = set(
    """mr mrs ms dr st jr sr inc corp co ltd no vs gov sen rep gen lt col sgt capt prof rev jan feb
    mar apr jun jul aug sep sept oct nov dec u.s u.k e.g i.e etc fig approx est dept univ mt ft""".split()
)
SENT_SPLIT = re.compile(r"(?<=[.!?])([\"”’)\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9À-Þ])")


def split_sentences(para):
    pieces, start = [], 0
    for m in SENT_SPLIT.finditer(para):
        end = m.end(1)
        cand = para[start:end]
        last = cand.rstrip("\"”’)]").rstrip(".!?").split()[-1:] if cand.strip() else []
        tok = last[0].lower().strip("(\"“") if last else ""
        if tok in ABBREV or (len(tok) == 1 and tok.isalpha()):
            continue  # "Mr. Smith", "U.S. officials", "J. Doe"
        pieces.append(cand.strip())
        start = m.end()
    tail = para[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def cap_words(paras, limit):
    """Keep whole paragraphs (then whole sentences) up to `limit` words."""
    out, n = [], 0
    for p in paras:
        w = len(p.split())
        if n + w <= limit:
            out.append(p)
            n += w
            continue
        keep = []
        for s in split_sentences(p):
            sw = len(s.split())
            if n + sw > limit:
                break
            keep.append(s)
            n += sw
        if keep:
            out.append(" ".join(keep))
        break
    return out


def shingles(text, k=SHINGLE):
    w = [x.lower() for x in words_of(text)]
    return {" ".join(w[i:i + k]) for i in range(max(0, len(w) - k + 1))}


def jaccard(a, b):
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# --------------------------------------------------------------------------------------
# Item extraction and filtering
# --------------------------------------------------------------------------------------


class Item:
    __slots__ = ("feed", "index", "title", "link", "paras", "text", "nwords", "vocab", "entities", "sh")

    @property
    def source(self):
        return f"{self.feed}#{self.index}"


def prose_reject_reason(paras, code_chars, link_chars):
    text = "\n".join(paras)
    toks = text.split()
    n = len(toks)
    if n < MIN_WORDS:
        return "short"
    if latin_share(text) < 0.95:
        return "non-latin"
    chars = sum(len(t) for t in toks)
    if code_chars > 0.15 * chars:
        return "code"
    symbols = sum(text.count(c) for c in "{}[]<>=;|\\$#*_^~`")
    if symbols > 0.015 * chars:
        return "code"
    if len(re.findall(r"(?:^|\s)#{1,6} |!\[|\]\(", text)) > 3:
        return "markdown"
    urls = sum(1 for t in toks if URL_RE.search(t))
    if urls > 0.03 * n:
        return "urls"
    if link_chars > 0.4 * chars:
        return "link-dump"
    wordlike = sum(1 for t in toks if re.fullmatch(r"[\"“‘(\[]*[^\W\d_]+(?:['’\-][^\W\d_]+)*[\"”’)\]]*[.,;:!?]*[\"”’)\]]*", t))
    if wordlike < 0.8 * n:
        return "not-prose"
    func = sum(1 for w in words_of(text) if w.lower() in PROSE_FUNCTION_WORDS)
    if func < 0.2 * n:
        return "not-prose"
    enders = len(re.findall(r"[.!?][\"”’)\]]*(?:\s|$)", text))
    if enders < 4 or n / enders > 45:
        return "not-prose"
    return None


ENTITY_STOP = set(
    """The A An I It In On At For This That These Those He She They We You His Her Their Our Its
    But And Or If When While After Before As By From With Without To Of Is Are Was Were Be
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Mr Mrs Ms Dr What Why How Who Where
    There Here Today Yesterday Tomorrow So Also However Yes No Not More Most One Two New""".split()
)


def entities_of(paras):
    ents = set()
    for p in paras:
        for s in split_sentences(p):
            toks = s.split()
            for i, t in enumerate(toks):
                if i == 0:
                    continue  # sentence-initial capitals say nothing
                w = t.strip("\"“”‘’()[],.;:!?'")
                w = re.sub(r"['’]s$", "", w)
                if len(w) < 2 or not w.isalpha() or not w[0].isupper() or w in ENTITY_STOP:
                    continue
                if w.isupper() and len(w) > 6:
                    continue  # shouting, not an acronym
                ents.add(w)
    return ents


def load_items(corpus, log, max_words=MAX_WORDS):
    files = sorted(f for f in os.listdir(corpus) if not f.startswith(".") and f.upper() != "LICENSE")
    items, stats = [], collections.Counter()
    seen = set()
    failed = []
    for fname in files:
        path = os.path.join(corpus, fname)
        if not os.path.isfile(path):
            continue
        try:
            method, raw_items = parse_feed(path)
        except Exception as e:  # unparseable: skip the file
            failed.append((fname, str(e)[:60]))
            continue
        stats["feeds_" + method] += 1
        for idx, (title_m, link, bodies) in enumerate(raw_items):
            stats["items_seen"] += 1
            title = inline_text(title_m)
            best = ([], 0, 0)
            for b in bodies:
                cand = html_to_text(b or "")
                if len(" ".join(cand[0]).split()) > len(" ".join(best[0]).split()):
                    best = cand
            paras, code_chars, link_chars = best
            reason = prose_reject_reason(paras, code_chars, link_chars)
            if reason:
                stats["reject_" + reason] += 1
                continue
            paras = cap_words(paras, max_words)
            text = "\n\n".join(paras)
            key = " ".join(w.lower() for w in words_of(text))
            if key in seen:
                stats["reject_identical"] += 1
                continue
            seen.add(key)
            it = Item()
            it.feed, it.index, it.title, it.link = fname, idx, title, link
            it.paras, it.text = paras, text
            it.nwords = len(text.split())
            it.vocab = frozenset(w.lower() for w in words_of(text) if w.lower() not in STOPWORDS and len(w) > 2)
            it.entities = frozenset(entities_of(paras))
            it.sh = frozenset(shingles(text))
            items.append(it)
            stats["items_kept"] += 1
    stats["feeds_failed"] = len(failed)
    log(f"feeds: {len(files)} files, parsed xml={stats['feeds_xml']} regex-fallback={stats['feeds_regex']} "
        f"json={stats['feeds_json']} failed={len(failed)}")
    for f, e in failed:
        log(f"  skipped {f}: {e}")
    rej = ", ".join(f"{k[7:]}={v}" for k, v in sorted(stats.items()) if k.startswith("reject_"))
    log(f"items: {stats['items_seen']} seen, {stats['items_kept']} kept (rejected: {rej})")
    return items, stats


# --------------------------------------------------------------------------------------
# Edits for synthetic republications
# --------------------------------------------------------------------------------------

# Synonyms chosen to be safe in most contexts (same part of speech, same a/an class);
# only lower-case tokens are replaced in the body, so names ("Rose", "Jobs") are left alone.
SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "tells": "informs", "tell": "inform",
    "announced": "unveiled", "announces": "unveils", "announce": "unveil", "began": "started",
    "begins": "starts", "big": "large", "large": "big", "huge": "massive", "small": "modest",
    "buy": "purchase", "bought": "purchased", "buying": "purchasing", "showed": "demonstrated", "important": "essential", "major": "significant",
    "quick": "fast", "rapidly": "quickly", "quickly": "swiftly", "people": "individuals",
    "company": "firm", "companies": "firms", "officials": "authorities", "country": "nation",
    "countries": "nations", "car": "vehicle", "cars": "vehicles", "job": "position",
    "jobs": "positions", "tried": "attempted", "needed": "required", "thinks": "believes",
    "think": "believe", "wanted": "wished", "wants": "wishes", "find": "discover",
    "found": "discovered", "finds": "discovers", "because": "since", "often": "frequently",
    "sometimes": "occasionally", "problem": "issue",
    "problems": "issues", "change": "shift", "changes": "shifts", "changed": "altered",
    "reduce": "cut", "reduced": "cut", "expected": "anticipated", "expects": "anticipates",
    "expect": "anticipate", "allowed": "permitted", "allows": "permits", "allow": "permit",
    "built": "constructed", "main": "primary", "maybe": "perhaps", "happy": "pleased",
    "warned": "cautioned", "warns": "cautions", "warn": "caution", "seeking": "pursuing",
    "sought": "pursued", "claimed": "asserted", "rose": "climbed", "fell": "dropped",
    "amid": "during", "however": "nevertheless", "therefore": "thus", "probably": "likely",
    "attack": "assault", "attacks": "assaults", "rules": "regulations", "laws": "legislation",
    "difficult": "tough", "children": "kids", "residents": "locals",
    "percent": "per cent", "program": "programme", "programs": "programmes", "center": "centre",
    "organization": "organisation", "organizations": "organisations", "color": "colour",
    "behavior": "behaviour", "analyze": "analyse", "favorite": "favourite", "whether": "if",
    "although": "though", "received": "got", "obtain": "get", "demonstrate": "show",
    "additional": "extra", "approximately": "about", "nearly": "almost", "around": "about",
    "currently": "now", "several": "a number of",
    "numerous": "many", "utilize": "use", "individuals": "people", "according": "according",
}
SYNONYMS.pop("according")
SYNONYMS.pop("around")  # "around the world"
# house style: wire copy spells contractions out
CONTRACTIONS = {
    "don't": "do not", "doesn't": "does not", "didn't": "did not", "can't": "cannot", "won't": "will not",
    "isn't": "is not", "aren't": "are not", "wasn't": "was not", "weren't": "were not", "couldn't": "could not",
    "wouldn't": "would not", "shouldn't": "should not", "haven't": "have not", "hasn't": "has not",
    "it's": "it is", "that's": "that is", "there's": "there is", "we're": "we are", "they're": "they are",
    "you're": "you are", "we've": "we have", "they've": "they have", "you've": "you have", "i'm": "I am",
    "i've": "I have", "let's": "let us",
}
SYNONYMS.update({
    "great": "excellent", "pretty": "fairly", "different": "distinct", "simple": "straightforward",
    "interesting": "intriguing", "possible": "feasible", "available": "accessible", "understand": "grasp",
    "similar": "comparable", "specific": "particular", "wrote": "penned", "within": "inside",
    "almost": "nearly", "current": "present", "example": "instance", "examples": "instances",
    "create": "generate", "real": "genuine", "though": "although",
})


# headline-only substitutions (on top of SYNONYMS / CONTRACTIONS)
TITLE_SYNONYMS = {
    "and": "&", "&": "and", "new": "latest", "guide": "primer", "best": "top", "says": "claims",
    "introducing": "meet", "launches": "debuts", "released": "out", "release": "launch", "vs": "versus",
    "vs.": "versus", "part": "pt.", "tips": "advice", "review": "verdict", "update": "refresh", "first": "debut",
}


def replacement(word):
    """Synonym or contraction expansion for a lower-cased word, or None."""
    w = word.replace("’", "'")
    return SYNONYMS.get(w) or CONTRACTIONS.get(w)


# a replacement is skipped when the next word is one of these ("because of", "find out")
BLOCK_BEFORE = {
    "because": {"of"}, "find": {"out"}, "finds": {"out"}, "found": {"out"}, "think": {"of", "about"},
    "thinks": {"of", "about"}, "whether": {"or"}, "change": {"of"}, "changes": {"of"},
    "it's": {"been", "got"}, "that's": {"been", "got"}, "there's": {"been", "got"}, "real": {"estate"},
    "pretty": {"much"}, "let's": {"encrypt"},
}
CONJUNCTIONS = {"and", "or", "but", "nor", "&"}
DROPPABLE_ADVERBS = set(
    """very really just actually basically simply certainly clearly finally quite already also
    especially particularly previously originally eventually officially widely highly completely
    entirely extremely fully mostly primarily relatively slightly strongly typically usually
    generally recently significantly largely reportedly essentially definitely obviously
    apparently fairly truly totally absolutely literally ultimately""".split()
)
TITLE_PREFIXES = ["WATCH:", "BREAKING:", "UPDATE:", "EXCLUSIVE:", "ANALYSIS:", "LIVE:", "VIDEO:", "JUST IN:",
                  "Explained:", "Opinion |", "What we know:"]
TITLE_SUFFIXES = [" | World News", " - Reuters", " | AP News", " - The Daily Brief", " | Tech Desk", " (Updated)"]
DATELINES = [
    "SINGAPORE (Reuters) -", "WASHINGTON (AP) —", "LONDON (Reuters) -", "NEW YORK (AFP) -",
    "SAN FRANCISCO (Reuters) -", "BERLIN (dpa) -", "PARIS (AFP) —", "TOKYO (Reuters) -",
    "SYDNEY (AAP) -", "TORONTO (CP) —",
]
BYLINES = [
    "By Jane Holloway, Staff Reporter", "By Marcus Webb | Updated", "By Priya Natarajan and Tom Keller",
    "By Staff Writer", "By Elena Ruiz, Associated Press",
]
CREDITS = [
    "Reporting by Jane Holloway; Editing by Mark Potter",
    "(Reporting by Tom Keller; additional reporting by Priya Natarajan; editing by Alex Richardson)",
    "Copyright 2024 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
]
FOOTERS = [
    "Download our app to get the latest news alerts on your phone.",
    "Subscribe to our newsletter for the day's top stories, delivered every morning.",
    "Follow us on Facebook, X and Instagram for more updates.",
    "Get the latest breaking news and analysis: download the app for iOS and Android.",
    "Sign up for our free daily newsletter to stay informed.",
    "Have a story tip? Email our newsroom; we read every message.",
    "Stay on top of the news: turn on notifications in our app.",
]
HOSTS = ["news.example.com", "dailywire.example.net", "world-desk.example.org", "m.example-times.com"]


def _match_case(src, repl):
    if src.isupper() and len(src) > 1:
        return repl.upper()
    if src[:1].isupper():
        return repl[:1].upper() + repl[1:]
    return repl


TOKEN_RE = re.compile(r"^([\"“‘(\[]*)([^\W\d_]+(?:['’-][^\W\d_]+)*)([\"”’)\],.;:!?]*)$")


def _quote_state(tok, inside):
    """Update 'inside a quotation' across one token (curly quotes, or toggling straight quotes)."""
    for c in tok:
        if c == "“":
            inside = True
        elif c == "”":
            inside = False
        elif c == '"':
            inside = not inside
    return inside


def quoted_flags(tokens):
    """For each token, whether it is (partly) inside a quotation: quotes are not reworded."""
    flags, inside = [], False
    for tok in tokens:
        after = _quote_state(tok, inside)
        flags.append(inside or after or "“" in tok or '"' in tok)
        inside = after
    return flags


def reword(paras, rate, rng):
    """Replace ~rate of the words with synonyms or drop adverbs. Returns (paras, achieved_rate)."""
    total = sum(len(p.split()) for p in paras)
    target = max(1, round(total * rate))
    cands = []  # (para, token) positions that can be changed
    for pi, p in enumerate(paras):
        toks = p.split()
        quoted = quoted_flags(toks)
        for ti, tok in enumerate(toks):
            m = TOKEN_RE.match(tok)
            if not m or quoted[ti]:
                continue
            core = m.group(2)
            if not core.islower() and core.replace("’", "'") not in ("I'm", "I've"):
                continue  # leave names and sentence starts alone
            low = core.lower().replace("’", "'")
            nxt = toks[ti + 1].lower() if ti + 1 < len(toks) else ""
            prv = toks[ti - 1].lower() if ti > 0 else ""
            rep = replacement(low)
            if rep and not m.group(3) and nxt in BLOCK_BEFORE.get(low, ()):
                rep = None
            droppable = (low in DROPPABLE_ADVERBS and ti > 0 and not m.group(1) and not m.group(3)
                         and prv not in CONJUNCTIONS and nxt not in CONJUNCTIONS and prv[-1:] not in ",;:")
            if rep or droppable:
                cands.append((pi, ti, droppable))
    rng.shuffle(cands)
    chosen = {(pi, ti): d for pi, ti, d in cands[:target]}
    out, changed = [], 0
    for pi, p in enumerate(paras):
        new = []
        for ti, tok in enumerate(p.split()):
            if (pi, ti) not in chosen:
                new.append(tok)
                continue
            pre, core, post = TOKEN_RE.match(tok).groups()
            changed += 1
            rep = replacement(core.lower())
            if rep and not (chosen[(pi, ti)] and rng.random() < 0.5):
                if new and new[-1].lower() in ("a", "an"):  # keep the article agreeing
                    art = "an" if rep[0] in "aeiou" else "a"
                    new[-1] = art if new[-1].islower() else art.capitalize()
                new.append(pre + rep + post)
            # else: adverb dropped
        out.append(" ".join(new))
    return out, changed / max(1, total)


def sentence_case(title, keep):
    """'Trump Says No Need To Think' -> 'Trump says no need to think', keeping names in `keep`."""
    out = []
    for i, w in enumerate(title.split()):
        core = w.strip("\"“”‘’'()[],.;:!?")
        if i == 0 or not core or core in keep or core.isupper() or any(c.isdigit() for c in core) \
                or any(c.isupper() for c in core[1:]) or out and out[-1].endswith((":", "]", ")")):
            out.append(w)
        else:
            out.append(w.lower())
    return " ".join(out)


def title_case(title):
    small = {"a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "by", "with", "as"}
    out = []
    for i, w in enumerate(title.split()):
        out.append(w if (w.lower() in small and i > 0) or not w[:1].islower() else w[:1].upper() + w[1:])
    return " ".join(out)


def retitle(base, rng):
    """A republisher's headline for `base`. Returns (title, edit-label)."""
    t = base.title.strip() or "Untitled"
    style = rng.choice(["prefix", "prefix", "suffix", "suffix", "reorder", "synonyms", "case", "lede"])
    if style == "reorder":  # swap the halves of a two-part headline ("A: B" -> "B: A")
        for sep in (": ", " – ", " — ", " - ", " | ", "? ", ". "):
            if sep in t:
                a, b = t.split(sep, 1)
                a, b = a.strip(), b.strip().rstrip(".")
                if a and b:
                    joiner = sep if sep.strip() in (":", "–", "—", "-", "|") else sep.strip() + " "
                    return f"{b[:1].upper()}{b[1:]}{joiner}{a}", "retitle:reorder"
        style = "prefix"
    if style == "synonyms":
        toks = t.split()
        hits = []
        for i, w in enumerate(toks):
            m = TOKEN_RE.match(w)
            low = m.group(2).lower() if m else w.lower()
            if (m and replacement(low)) or low in TITLE_SYNONYMS:
                hits.append(i)
        if hits:
            for i in sorted(rng.sample(hits, min(len(hits), rng.randint(1, 2)))):
                m = TOKEN_RE.match(toks[i])
                pre, core, post = m.groups() if m else ("", toks[i], "")
                rep = TITLE_SYNONYMS.get(core.lower()) or replacement(core.lower())
                if core[:1].isupper():
                    rep = rep[:1].upper() + rep[1:]
                toks[i] = pre + rep + post
            return " ".join(toks), "retitle:synonyms"
        style = "case"
    if style == "case":
        words = [w for w in t.split() if w[:1].isalpha()]
        upper = sum(1 for w in words if w[:1].isupper())
        if words and upper / len(words) > 0.6:
            # names: words the body writes capitalised more often than not (or uses as entities)
            forms = collections.Counter(words_of(base.text))
            keep = {w for w in forms if w[:1].isupper() and forms[w] > forms.get(w.lower(), 0)}
            new = sentence_case(t, keep | set(base.entities))
        else:
            new = title_case(t)
        if new != t:
            return new, "retitle:case"
        style = "suffix"
    if style == "lede":  # aggregators that headline the first words of the lede
        first = split_sentences(base.paras[0])[0] if base.paras else ""
        words = first.split()
        if 6 <= len(words):
            cut = words[: rng.randint(8, 12)]
            return " ".join(cut).rstrip(",;:") + ("…" if len(cut) < len(words) else ""), "retitle:lede"
        style = "prefix"
    if style == "prefix":
        return f"{rng.choice(TITLE_PREFIXES)} {t}", "retitle:prefix"
    return t + rng.choice(TITLE_SUFFIXES), "retitle:suffix"


def relink(link, rng):
    segs = [s for s in re.sub(r"^[a-z]+://[^/]*", "", link or "").split("?")[0].split("/") if s]
    slug = re.sub(r"[^a-z0-9]+", "-", (segs[-1] if segs else "story").lower()).strip("-")[:60] or "story"
    host = rng.choice(HOSTS)
    if rng.random() < 0.5 and link:
        return f"{link}{'&' if '?' in link else '?'}utm_source=partner&utm_medium=syndication"
    return f"https://{host}/{rng.randint(2023, 2025)}/{rng.randint(1, 12):02d}/{slug}"


def sentences_layout(paras):
    return [split_sentences(p) for p in paras]


def trim(paras, frac):
    """Drop about the last `frac` of the words: whole trailing paragraphs and then trailing sentences
    of the paragraph where the cut falls (at a sentence boundary, never more than frac + 0.05)."""
    total = sum(len(p.split()) for p in paras)
    target = total * (1 - frac)
    kept, n = [], 0
    for p in paras:
        sents = split_sentences(p)
        keep = []
        for s in sents:
            w = len(s.split())
            # keep the sentence if it fits, or if stopping before it would cut well past `frac`
            if n + w <= target or 1 - n / total > frac + 0.05:
                keep.append(s)
                n += w
            else:
                break
        if keep:
            kept.append(" ".join(keep))
        if len(keep) < len(sents):
            break
    kept = kept or paras[:1]
    left = sum(len(p.split()) for p in kept)
    if 1 - left / total < frac - 0.1:  # sentences too long to cut near the target: cut mid-sentence
        kept, n = [], 0
        for p in paras:
            w = p.split()
            if n + len(w) <= target:
                kept.append(p)
                n += len(w)
                continue
            kept.append(" ".join(w[: max(1, int(target - n))]) + "…")
            break
        left = sum(len(p.split()) for p in kept)
    return kept, f"trim:{1 - left / total:.2f}"


def reorder(paras, rng, count):
    """Swap `count` pairs of adjacent sentences inside paragraphs (the lede's first sentence stays,
    sentences with quotation marks are not moved).

    Returns (paras, label) or (paras, None) when there is nothing to swap.
    """
    layout = sentences_layout(paras)
    def plain(s):
        return not any(q in s for q in '"“”')  # keep quotations intact

    slots = [(pi, j) for pi, ss in enumerate(layout) for j in range(len(ss) - 1)
             if (pi, j) != (0, 0) and plain(ss[j]) and plain(ss[j + 1])]
    if not slots:
        return paras, None
    picks = rng.sample(slots, min(count, len(slots)))
    for pi, j in picks:
        layout[pi][j], layout[pi][j + 1] = layout[pi][j + 1], layout[pi][j]
    return [" ".join(ss) for ss in layout if ss], f"reorder:{len(picks)}"


def insert_also_read(paras, titles, rng, count):
    """Insert 'ALSO READ: <title>' lines at sentence boundaries (never after the last sentence)."""
    layout = sentences_layout(paras)
    bounds = []
    for pi, ss in enumerate(layout):
        inside = False
        for si, s in enumerate(ss, start=1):
            for tok in s.split():
                inside = _quote_state(tok, inside)
            if not inside and not (pi == len(layout) - 1 and si == len(ss)):
                bounds.append((pi, si))  # never inside a quotation, never after the very end
    if not bounds or not titles:
        return paras, 0
    inserts = collections.defaultdict(list)
    picks = rng.sample(bounds, min(count, len(bounds)))
    for pi, si in picks:
        inserts[pi].append(si)
    out = []
    for pi, ss in enumerate(layout):
        prev = 0
        for si in sorted(inserts.get(pi, [])):
            if ss[prev:si]:
                out.append(" ".join(ss[prev:si]))
            out.append("ALSO READ: " + rng.choice(titles))
            prev = si
        if ss[prev:]:
            out.append(" ".join(ss[prev:]))
    return out, len(picks)


def make_positive(base, rng, intensity, also_titles):
    """Return (title, paras, edits) for an edited republication of `base`."""
    paras = list(base.paras)
    title = base.title
    edits = []
    # which edits, by intensity; retitling is near-universal when outlets republish
    pool = ["trim", "also_read", "footer", "attribution", "reword", "reorder"]
    n_body = {"light": rng.randint(1, 2), "medium": rng.randint(2, 3), "heavy": rng.randint(4, 5)}[intensity]
    chosen = set(rng.sample(pool, n_body))
    if rng.random() < 0.9:
        title, e = retitle(base, rng)
        edits.append(e)
    scale = {"light": 0.0, "medium": 0.5, "heavy": 1.0}[intensity]
    # trim first, so that every recorded edit is visible in the copy
    if "trim" in chosen:
        frac = 0.20 + 0.25 * min(1.0, scale * rng.uniform(0.5, 1.0) + rng.uniform(0, 0.35))
        paras, e = trim(paras, frac)
        edits.append(e)
    if "reword" in chosen:
        rate = 0.03 + 0.05 * min(1.0, scale * rng.uniform(0.6, 1.0) + rng.uniform(0, 0.3))
        paras, got = reword(paras, rate, rng)
        edits.append(f"reword:{got:.3f}")
    if "reorder" in chosen:
        paras, e = reorder(paras, rng, rng.randint(1, 2 + int(scale)))
        if e:
            edits.append(e)
    if "also_read" in chosen:
        paras, n = insert_also_read(paras, also_titles, rng, rng.randint(1, 1 + int(2 * scale) or 1))
        if n:
            edits.append(f"also-read:{n}")
    if "attribution" in chosen:
        kind = rng.choice(["dateline", "dateline", "byline", "credit"])
        if kind == "dateline":
            paras[0] = f"{rng.choice(DATELINES)} {paras[0]}"
        elif kind == "byline":
            paras.insert(0, rng.choice(BYLINES))
        else:
            paras.append(rng.choice(CREDITS))
        edits.append(kind)
    if "footer" in chosen:
        n = 1 + (rng.random() < scale * 0.7)
        for f in rng.sample(FOOTERS, n):
            paras.append(f)
        edits.append(f"footer:{n}")
    return title, paras, edits


# --------------------------------------------------------------------------------------
# Pair selection
# --------------------------------------------------------------------------------------


def spread_pick(items, n, rng):
    """Pick n items spread across feeds: shuffled round-robin over feeds."""
    by_feed = collections.defaultdict(list)
    for it in items:
        by_feed[it.feed].append(it)
    feeds = sorted(by_feed)
    rng.shuffle(feeds)
    for f in feeds:
        rng.shuffle(by_feed[f])
    out = []
    while len(out) < n and any(by_feed[f] for f in feeds):
        for f in feeds:
            if by_feed[f] and len(out) < n:
                out.append(by_feed[f].pop())
    return out


def shared_weights(sets, weight=None, cross_feed_of=None):
    """Inverted index over `sets`: {(i, j): summed weight of shared terms} for i < j."""
    index = collections.defaultdict(list)
    for i, s in enumerate(sets):
        for t in s:
            index[t].append(i)
    shared = collections.defaultdict(float)
    for t in sorted(index):
        post = index[t]
        w = weight(len(post)) if weight else 1
        for x in range(len(post)):
            for y in range(x + 1, len(post)):
                i, j = post[x], post[y]
                if cross_feed_of is not None and cross_feed_of[i] == cross_feed_of[j]:
                    continue
                shared[(i, j)] += w
    return shared


def pool_near_duplicates(items):
    """All item pairs in the pool whose 5-shingle Jaccard exceeds NEG_SHINGLE_MAX (for the report)."""
    index = collections.defaultdict(list)
    for i, it in enumerate(items):
        for s in it.sh:
            index[s].append(i)
    common = collections.Counter()
    for s in sorted(index):
        post = index[s]
        if 2 <= len(post) <= 50:  # a shingle in more than 50 items is boilerplate
            for x in range(len(post)):
                for y in range(x + 1, len(post)):
                    common[(post[x], post[y])] += 1
    out = []
    for (i, j), c in sorted(common.items()):
        if c >= 5:
            sj = jaccard(items[i].sh, items[j].sh)
            if sj > NEG_SHINGLE_MAX:
                out.append((sj, i, j))
    return sorted(out, reverse=True)


def pick_negatives(items, rng, n_same, n_vocab, n_ent, log):
    n = len(items)
    excluded = collections.Counter()
    excluded_examples = []
    used_pairs = set()
    item_uses = collections.Counter()
    results = []

    def accept(i, j, kind, score, max_item_uses=2):
        a, b = items[i], items[j]
        if (i, j) in used_pairs or item_uses[i] >= max_item_uses or item_uses[j] >= max_item_uses:
            return False
        sj = jaccard(a.sh, b.sh)
        same_title = bool(a.title) and a.title.strip().lower() == b.title.strip().lower()
        if sj > NEG_SHINGLE_MAX or same_title:
            reason = "shingle-jaccard" if sj > NEG_SHINGLE_MAX else "same-title"
            excluded[reason] += 1
            excluded_examples.append((kind, reason, a.source, b.source, round(sj, 3), a.title, b.title))
            used_pairs.add((i, j))
            return False
        used_pairs.add((i, j))
        item_uses[i] += 1
        item_uses[j] += 1
        results.append((kind, i, j, score, sj))
        return True

    feeds_of = [it.feed for it in items]
    # Topic vocabulary: content words that occur in at least 2 and at most 10% of the items
    # (generic English would otherwise dominate a word-set Jaccard).
    wdf = collections.Counter(w for it in items for w in it.vocab)
    topic = [frozenset(w for w in it.vocab if 2 <= wdf[w] <= 0.10 * n) for it in items]

    # (b) similar vocabulary across feeds: highest word-set Jaccard of the topic vocabulary
    shared = shared_weights(topic, cross_feed_of=feeds_of)
    scored = sorted(((jaccard(topic[i], topic[j]), i, j) for (i, j) in shared), key=lambda x: (-x[0], x[1], x[2]))
    feedpair = collections.Counter()
    got = 0
    for s, i, j in scored:
        if got >= n_vocab:
            break
        fp = tuple(sorted((feeds_of[i], feeds_of[j])))
        if feedpair[fp] >= MAX_PER_FEED_PAIR:
            continue
        if accept(i, j, "similar-vocabulary", round(s, 3), max_item_uses=1):
            feedpair[fp] += 1
            got += 1

    # (c) shared named entities across feeds: idf-weighted sum of the shared capitalised words,
    # counting only names in at most 5% of the items, and at least 4 of them in common
    edf = collections.Counter(e for it in items for e in it.entities)
    ents = [frozenset(e for e in it.entities if 2 <= edf[e] <= 0.05 * n) for it in items]
    shared_e = shared_weights(ents, weight=lambda d: math.log(n / d), cross_feed_of=feeds_of)
    scored = sorted(((s, i, j) for (i, j), s in shared_e.items() if len(ents[i] & ents[j]) >= 4),
                    key=lambda x: (-x[0], x[1], x[2]))
    got = 0
    for s, i, j in scored:
        if got >= n_ent:
            break
        fp = tuple(sorted((feeds_of[i], feeds_of[j])))
        if feedpair[fp] >= MAX_PER_FEED_PAIR:
            continue
        if accept(i, j, "shared-entities", round(s, 2), max_item_uses=1):
            feedpair[fp] += 1
            got += 1

    # (a) same feed: per feed, the most similar pair (word-set Jaccard), round-robin over feeds
    by_feed = collections.defaultdict(list)
    for i, it in enumerate(items):
        by_feed[it.feed].append(i)
    per_feed = {}
    for f in sorted(by_feed):
        idx = by_feed[f]
        if len(idx) < 2:
            continue
        if len(idx) > 80:  # bound the quadratic scan for very large feeds
            idx = sorted(rng.sample(idx, 80))
        ps = [(jaccard(topic[x], topic[y]), x, y) for a, x in enumerate(idx) for y in idx[a + 1:]]
        ps.sort(key=lambda t: (-t[0], t[1], t[2]))
        per_feed[f] = ps
    feeds = sorted(per_feed)
    rng.shuffle(feeds)
    got, cursor = 0, {f: 0 for f in feeds}
    while got < n_same and any(cursor[f] < len(per_feed[f]) for f in feeds):
        for f in feeds:
            if got >= n_same:
                break
            ps = per_feed[f]
            while cursor[f] < len(ps):
                s, x, y = ps[cursor[f]]
                cursor[f] += 1
                if accept(x, y, "same-feed", s):
                    got += 1
                    break

    log(f"negative candidates excluded as probable duplicates: {sum(excluded.values())} "
        f"(5-shingle Jaccard > {NEG_SHINGLE_MAX}: {excluded['shingle-jaccard']}, identical title: {excluded['same-title']})")
    for kind, reason, a, b, sj, ta, tb in excluded_examples:
        log(f"  excluded [{kind}, {reason}] {a} ~ {b} shingle-J={sj}: {ta[:50]!r} / {tb[:50]!r}")
    return results, excluded


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def record(it=None, title=None, paras=None, link=None, source=None):
    return {
        "title": title if title is not None else it.title,
        "text": "\n\n".join(paras) if paras is not None else it.text,
        "source": source or it.source,
        "link": link if link is not None else it.link,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--out", default=os.path.normpath(DEFAULT_OUT))
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--positives", type=int, default=150)
    ap.add_argument("--trivial", type=int, default=12, help="of the positives, how many change only title+link")
    ap.add_argument("--same-feed", type=int, default=100)
    ap.add_argument("--similar-vocabulary", type=int, default=100)
    ap.add_argument("--shared-entities", type=int, default=100)
    ap.add_argument("--max-words", type=int, default=MAX_WORDS, help="cap each item's text at this many words")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    def log(msg):
        if not args.quiet:
            print(msg, file=sys.stderr)

    rng = random.Random(args.seed)
    items, _ = load_items(args.corpus, log, args.max_words)
    log(f"feeds contributing items: {len({it.feed for it in items})}")

    lines = []
    # ---- positives
    bases = spread_pick(items, args.positives, rng)
    by_feed_titles = collections.defaultdict(list)
    for it in items:
        if it.title:
            by_feed_titles[it.feed].append(it.title)
    all_titles = [it.title for it in items if it.title]
    intensities = ["light", "medium", "heavy"]
    pos_j = []
    for k, base in enumerate(bases):
        others = [t for t in by_feed_titles[base.feed] if t != base.title] or all_titles
        if k < args.trivial:
            title, e = retitle(base, rng)
            b = record(title=title, paras=base.paras, link=relink(base.link, rng), source=base.source)
            kind, edits = "title-link-only", [e, "relink"]
        else:
            intensity = intensities[(k - args.trivial) % 3]
            title, paras, edits = make_positive(base, rng, intensity, others)
            b = record(title=title, paras=paras, link=relink(base.link, rng), source=base.source)
            edits.append("relink")
            kind = f"edited-{intensity}"
        pos_j.append((kind, jaccard(base.sh, frozenset(shingles(b["text"])))))
        lines.append({"id": f"dup-{k + 1:04d}", "label": "duplicate", "kind": kind, "edits": edits,
                      "a": record(base), "b": b})

    near = pool_near_duplicates(items)
    log(f"pool pairs with 5-shingle Jaccard > {NEG_SHINGLE_MAX} (never used as negatives): {len(near)}, "
        f"{sum(1 for _, i, j in near if items[i].feed != items[j].feed)} of them across feeds")
    for sj, i, j in near:
        log(f"  {items[i].source} ~ {items[j].source} shingle-J={sj:.3f}")

    # ---- negatives
    negs, excluded = pick_negatives(items, rng, args.same_feed, args.similar_vocabulary,
                                    args.shared_entities, log)
    order = {"same-feed": 0, "similar-vocabulary": 1, "shared-entities": 2}
    negs.sort(key=lambda r: (order[r[0]], items[r[1]].source, items[r[2]].source))
    neg_j = []
    for k, (kind, i, j, score, sj) in enumerate(negs):
        a, b = items[i], items[j]
        if rng.random() < 0.5:
            a, b = b, a
        neg_j.append((kind, sj))
        lines.append({"id": f"diff-{k + 1:04d}", "label": "different", "kind": kind, "edits": [],
                      "a": record(a), "b": record(b)})

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        for rec in lines:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    # ---- summary
    counts = collections.Counter((r["label"], r["kind"]) for r in lines)
    print(f"wrote {len(lines)} pairs to {args.out} ({os.path.getsize(args.out):,} bytes)")
    for (label, kind), c in sorted(counts.items()):
        print(f"  {label:9s} {kind:20s} {c}")
    print(f"negative candidates excluded as probable duplicates: {sum(excluded.values())} "
          f"(5-shingle Jaccard > {NEG_SHINGLE_MAX}: {excluded['shingle-jaccard']}, "
          f"identical title: {excluded['same-title']})")

    def dist(vals):
        vals = sorted(vals)
        if not vals:
            return "-"
        q = lambda p: vals[min(len(vals) - 1, int(p * len(vals)))]
        return f"min {vals[0]:.2f}  p25 {q(.25):.2f}  median {q(.5):.2f}  p75 {q(.75):.2f}  max {vals[-1]:.2f}"

    print("5-word-shingle Jaccard of a vs b:")
    for kind in sorted({k for k, _ in pos_j}):
        print(f"  duplicate {kind:20s} {dist([v for k, v in pos_j if k == kind])}")
    for kind in sorted({k for k, _ in neg_j}):
        print(f"  different {kind:20s} {dist([v for k, v in neg_j if k == kind])}")
    def jc4(rec):  # exact max(Jaccard, containment) over 4-word shingles
        a, b = shingles(rec["a"]["text"], 4), shingles(rec["b"]["text"], 4)
        if not a or not b:
            return 0.0
        inter = len(a & b)
        return max(inter / len(a | b), inter / min(len(a), len(b)))

    scored = [(r["label"], r["kind"], jc4(r)) for r in lines]
    print("exact max(Jaccard, containment) over 4-word shingles of a vs b:")
    for label, kind in sorted({(l, k) for l, k, _ in scored}):
        print(f"  {label:9s} {kind:20s} {dist([s for l, k, s in scored if (l, k) == (label, kind)])}")
    ec = collections.Counter(e.split(":")[0] for r in lines for e in r["edits"])
    print("edits used:", ", ".join(f"{k}={v}" for k, v in sorted(ec.items())))


if __name__ == "__main__":
    main()
