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
MAX_WORDS = 1500
NEG_SHINGLE_MAX = 0.3  # negatives above this 5-shingle Jaccard are excluded
SHINGLE = 5

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
                if len(w) >= 2 and w[0].isupper() and w.isalpha() and w not in ENTITY_STOP and not w.isupper() or (
                    len(w) >= 2 and w.isupper() and w.isalpha() and len(w) <= 6
                ):
                    ents.add(w)
    return ents


def load_items(corpus, log):
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
            paras = cap_words(paras, MAX_WORDS)
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

SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "announced": "unveiled",
    "announce": "unveil", "announces": "unveils", "began": "started", "begin": "start",
    "begins": "starts", "started": "began", "start": "begin", "big": "large", "large": "big",
    "huge": "massive", "small": "little", "buy": "purchase", "bought": "purchased",
    "help": "assist", "helped": "assisted", "helps": "assists", "show": "demonstrate",
    "shows": "demonstrates", "showed": "demonstrated", "use": "utilise", "used": "utilised",
    "uses": "utilises", "using": "utilising", "important": "significant", "major": "key",
    "key": "crucial", "quick": "fast", "fast": "rapid", "rapidly": "quickly", "quickly": "swiftly",
    "people": "individuals", "company": "firm", "companies": "firms", "firm": "company",
    "government": "administration", "officials": "authorities", "official": "spokesperson",
    "country": "nation", "countries": "nations", "city": "town", "car": "vehicle", "cars": "vehicles",
    "job": "position", "jobs": "positions", "work": "labour", "worked": "laboured", "try": "attempt",
    "tried": "attempted", "tries": "attempts", "need": "require", "needs": "requires",
    "needed": "required", "get": "obtain", "gets": "obtains", "got": "obtained", "give": "provide",
    "gives": "provides", "gave": "provided", "make": "create", "makes": "creates", "made": "created",
    "think": "believe", "thinks": "believes", "thought": "believed", "want": "wish", "wants": "wishes",
    "wanted": "wished", "find": "discover", "found": "discovered", "finds": "discovers",
    "end": "conclusion", "ended": "concluded", "ends": "concludes", "about": "regarding",
    "around": "roughly", "before": "prior to", "after": "following", "because": "since",
    "but": "however,", "also": "additionally", "many": "numerous", "most": "the majority of",
    "more": "additional", "often": "frequently", "sometimes": "occasionally", "now": "currently",
    "new": "fresh", "old": "former", "good": "positive", "bad": "negative", "hard": "difficult",
    "easy": "simple", "problem": "issue", "problems": "issues", "issue": "matter",
    "plan": "proposal", "plans": "proposals", "change": "shift", "changes": "shifts",
    "changed": "altered", "increase": "rise", "increased": "rose", "decrease": "decline",
    "reduce": "cut", "reduced": "cut", "report": "study", "reported": "stated", "reports": "studies",
    "expect": "anticipate", "expected": "anticipated", "expects": "anticipates", "allow": "permit",
    "allowed": "permitted", "allows": "permits", "ask": "request", "asked": "requested",
    "build": "construct", "built": "constructed", "building": "constructing", "keep": "retain",
    "kept": "retained", "leave": "depart", "left": "departed", "meet": "encounter",
    "include": "comprise", "includes": "comprises", "including": "such as", "large-scale": "broad",
    "main": "primary", "maybe": "perhaps", "enough": "sufficient", "whole": "entire",
    "happy": "pleased", "chance": "opportunity", "chances": "opportunities", "area": "region",
    "areas": "regions", "answer": "response", "result": "outcome", "results": "outcomes",
    "idea": "concept", "ideas": "concepts", "week": "seven days", "tell": "inform", "tells": "informs",
    "seek": "pursue", "seeking": "pursuing", "sought": "pursued", "warn": "caution",
    "warned": "cautioned", "warns": "cautions", "claim": "assert", "claimed": "asserted",
    "claims": "asserts", "hit": "struck", "rise": "climb", "rose": "climbed", "fell": "dropped",
    "fall": "drop", "amid": "during", "despite": "notwithstanding", "while": "whereas",
    "however": "nevertheless", "therefore": "thus", "likely": "probably", "probably": "likely",
}
DROPPABLE_ADVERBS = set(
    """very really just actually basically simply certainly clearly finally nearly quite already
    especially particularly previously originally eventually officially roughly approximately
    widely highly completely entirely extremely fully mostly primarily relatively slightly strongly
    typically usually generally recently currently significantly largely reportedly essentially
    definitely obviously apparently fairly truly totally absolutely literally ultimately""".split()
)
TITLE_PREFIXES = ["WATCH:", "BREAKING:", "UPDATE:", "EXCLUSIVE:", "ANALYSIS:", "LIVE:", "VIDEO:", "JUST IN:"]
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


def reword(paras, rate, rng):
    """Replace ~rate of the words with synonyms or drop adverbs. Returns (paras, achieved_rate)."""
    total = sum(len(p.split()) for p in paras)
    target = max(1, round(total * rate))
    # candidate positions: (para, token index)
    cands = []
    for pi, p in enumerate(paras):
        for ti, tok in enumerate(p.split()):
            core = tok.strip("\"“”‘’()[],.;:!?")
            if core.lower() in SYNONYMS or core.lower() in DROPPABLE_ADVERBS:
                cands.append((pi, ti))
    rng.shuffle(cands)
    chosen = set(cands[:target])
    out, changed = [], 0
    for pi, p in enumerate(paras):
        toks = p.split()
        new = []
        for ti, tok in enumerate(toks):
            if (pi, ti) not in chosen:
                new.append(tok)
                continue
            m = re.match(r"^([\"“‘(\[]*)(.*?)([\"”’)\]\],.;:!?]*)$", tok)
            pre, core, post = m.group(1), m.group(2), m.group(3)
            low = core.lower()
            if low in DROPPABLE_ADVERBS and (low not in SYNONYMS or rng.random() < 0.5):
                if post or pre or ti == 0:
                    # keep punctuation / sentence start intact: substitute instead if we can
                    if low in SYNONYMS:
                        new.append(pre + _match_case(core, SYNONYMS[low]) + post)
                        changed += 1
                    else:
                        new.append(tok)
                    continue
                changed += 1
                continue  # dropped
            new.append(pre + _match_case(core, SYNONYMS[low]) + post)
            changed += 1
        out.append(" ".join(new))
    return out, changed / max(1, total)


def retitle(title, other_titles, rng):
    style = rng.choice(["prefix", "suffix", "reorder", "synonyms", "rewrite"])
    t = title.strip() or "Untitled"
    if style == "prefix":
        return f"{rng.choice(TITLE_PREFIXES)} {t}", "retitle:prefix"
    if style == "suffix":
        return t + rng.choice(TITLE_SUFFIXES), "retitle:suffix"
    if style == "reorder":
        for sep in (": ", " – ", " — ", " - ", ", "):
            if sep in t:
                a, b = t.split(sep, 1)
                return f"{b[:1].upper()}{b[1:]}{sep}{a}", "retitle:reorder"
        words = t.split()
        if len(words) >= 4:
            k = rng.randint(1, len(words) - 2)
            moved = words[k:] + words[:k]
            return " ".join(moved[:1]).capitalize() + " " + " ".join(moved[1:]), "retitle:reorder"
        return f"{rng.choice(TITLE_PREFIXES)} {t}", "retitle:prefix"
    if style == "synonyms":
        toks = t.split()
        hits = [i for i, w in enumerate(toks) if w.lower().strip(",:;'\"") in SYNONYMS]
        if hits:
            for i in rng.sample(hits, min(len(hits), rng.randint(1, 2))):
                core = toks[i].strip(",:;'\"")
                toks[i] = toks[i].replace(core, _match_case(core, SYNONYMS[core.lower()]))
            return " ".join(toks), "retitle:synonyms"
        return t + rng.choice(TITLE_SUFFIXES), "retitle:suffix"
    # rewrite: new headline words around the story's main capitalised terms
    caps = [w.strip(",:;'\"") for w in t.split()[1:] if w[:1].isupper()]
    lead = " ".join(caps[:3]) if caps else " ".join(t.split()[:4])
    frame = rng.choice(["What we know about {}", "{}: what happens next", "Everything to know about {}",
                        "Explained: {}", "{} — the latest"])
    return frame.format(lead), "retitle:rewrite"


def relink(link, rng):
    slug = re.sub(r"[^a-z0-9]+", "-", (link.rsplit("/", 1)[-1] or "story").lower()).strip("-")[:60] or "story"
    host = rng.choice(HOSTS)
    if rng.random() < 0.5 and link:
        return f"{link}{'&' if '?' in link else '?'}utm_source=partner&utm_medium=syndication"
    return f"https://{host}/{rng.randint(2023, 2025)}/{rng.randint(1, 12):02d}/{slug}"


def sentences_layout(paras):
    return [split_sentences(p) for p in paras]


def join_layout(layout):
    return ["  ".join(s).replace("  ", " ") for s in layout if s]


def trim(paras, frac):
    """Drop the last `frac` of the paragraphs (or of the sentences, for few paragraphs)."""
    if len(paras) >= 4:
        keep = max(1, round(len(paras) * (1 - frac)))
        return paras[:keep], f"trim:paragraphs:{1 - keep / len(paras):.2f}"
    layout = sentences_layout(paras)
    flat = [(pi, s) for pi, ss in enumerate(layout) for s in ss]
    keep = max(1, round(len(flat) * (1 - frac)))
    out = collections.OrderedDict()
    for pi, s in flat[:keep]:
        out.setdefault(pi, []).append(s)
    return [" ".join(ss) for ss in out.values()], f"trim:sentences:{1 - keep / len(flat):.2f}"


def reorder(paras, rng, count):
    """Move `count` sentences: swap adjacent sentences inside a paragraph, or swap two paragraphs."""
    layout = sentences_layout(paras)
    done = 0
    for _ in range(count * 6):
        if done >= count:
            break
        multi = [i for i, ss in enumerate(layout) if len(ss) >= 2]
        if multi and (rng.random() < 0.7 or len(layout) < 3):
            pi = rng.choice(multi)
            j = rng.randrange(len(layout[pi]) - 1)
            layout[pi][j], layout[pi][j + 1] = layout[pi][j + 1], layout[pi][j]
            done += 1
        elif len(layout) >= 3:
            j = rng.randrange(1, len(layout) - 1)  # keep the lede in place
            layout[j], layout[j + 1] = layout[j + 1], layout[j]
            done += 1
    return [" ".join(ss) for ss in layout if ss], done


def insert_also_read(paras, titles, rng, count):
    """Insert 'ALSO READ: <title>' lines at sentence boundaries."""
    layout = sentences_layout(paras)
    flat = []  # list of paragraphs as lists of sentences, with breakpoints allowed between sentences
    for ss in layout:
        flat.append(ss)
    bounds = [(pi, si) for pi, ss in enumerate(flat) for si in range(1, len(ss) + 1)
              if not (pi == len(flat) - 1 and si == len(ss))]
    if not bounds:
        return paras, 0
    picks = sorted(rng.sample(bounds, min(count, len(bounds))), reverse=True)
    out_layout = [list(ss) for ss in flat]
    inserts = collections.defaultdict(list)
    for pi, si in picks:
        inserts[pi].append(si)
    out = []
    for pi, ss in enumerate(out_layout):
        cuts = sorted(inserts.get(pi, []))
        prev = 0
        for si in cuts:
            chunk = ss[prev:si]
            if chunk:
                out.append(" ".join(chunk))
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
    pool = ["trim", "also_read", "footer", "dateline", "reword", "reorder"]
    n_body = {"light": rng.randint(1, 2), "medium": rng.randint(2, 3), "heavy": rng.randint(4, 5)}[intensity]
    chosen = set(rng.sample(pool, n_body))
    if rng.random() < 0.9:
        title, e = retitle(title, also_titles, rng)
        edits.append(e)
    scale = {"light": 0.0, "medium": 0.5, "heavy": 1.0}[intensity]
    if "reword" in chosen:
        rate = 0.03 + 0.05 * min(1.0, scale * rng.uniform(0.6, 1.0) + rng.uniform(0, 0.3))
        paras, got = reword(paras, rate, rng)
        edits.append(f"reword:{got:.3f}")
    if "reorder" in chosen:
        paras, n = reorder(paras, rng, rng.randint(1, 2 + int(scale)))
        if n:
            edits.append(f"reorder:{n}")
    if "trim" in chosen:
        frac = 0.20 + 0.25 * min(1.0, scale * rng.uniform(0.5, 1.0) + rng.uniform(0, 0.35))
        paras, e = trim(paras, frac)
        edits.append(e)
    if "also_read" in chosen:
        paras, n = insert_also_read(paras, also_titles, rng, rng.randint(1, 1 + int(2 * scale) or 1))
        if n:
            edits.append(f"also-read:{n}")
    if "dateline" in chosen:
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


def candidate_pairs(items, key, min_df_items=2, max_df_frac=0.05, weight=None):
    """Score all pairs that share at least one term of `key` (via an inverted index).

    Terms present in more than max_df_frac of the items are ignored for candidate
    generation (but the score uses the full sets). Returns {(i, j): shared_count}.
    """
    n = len(items)
    index = collections.defaultdict(list)
    for i, it in enumerate(items):
        for t in getattr(it, key):
            index[t].append(i)
    shared = collections.Counter()
    cap = max(min_df_items, int(n * max_df_frac))
    for t in sorted(index):
        post = index[t]
        if len(post) < 2 or len(post) > cap:
            continue
        w = weight(len(post)) if weight else 1
        for x in range(len(post)):
            px = post[x]
            for y in range(x + 1, len(post)):
                shared[(px, post[y])] += w
    return shared


def pick_negatives(items, rng, n_same, n_vocab, n_ent, log):
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
        if sj > NEG_SHINGLE_MAX or (a.title and a.title.strip().lower() == b.title.strip().lower()):
            excluded[kind] += 1
            excluded_examples.append((kind, a.source, b.source, round(sj, 3)))
            used_pairs.add((i, j))
            return False
        used_pairs.add((i, j))
        item_uses[i] += 1
        item_uses[j] += 1
        results.append((kind, i, j, score, sj))
        return True

    # (b) similar vocabulary across feeds: highest word-set Jaccard
    shared = candidate_pairs(items, "vocab", max_df_frac=0.03)
    scored = []
    for (i, j), _ in shared.items():
        if items[i].feed == items[j].feed:
            continue
        scored.append((jaccard(items[i].vocab, items[j].vocab), i, j))
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    feedpair = collections.Counter()
    got = 0
    for s, i, j in scored:
        if got >= n_vocab:
            break
        fp = tuple(sorted((items[i].feed, items[j].feed)))
        if feedpair[fp] >= 2:
            continue
        if accept(i, j, "similar-vocabulary", s, max_item_uses=1):
            feedpair[fp] += 1
            got += 1

    # (c) shared named entities: idf-weighted count of shared capitalised words
    import math

    n = len(items)
    shared_e = candidate_pairs(items, "entities", max_df_frac=0.02, weight=lambda df: math.log(n / df))
    scored = sorted(((s, i, j) for (i, j), s in shared_e.items()), key=lambda x: (-x[0], x[1], x[2]))
    got = 0
    for s, i, j in scored:
        if got >= n_ent:
            break
        if len(items[i].entities & items[j].entities) < 3:
            continue
        fp = tuple(sorted((items[i].feed, items[j].feed)))
        if feedpair[fp] >= 2:
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
        ps = [(jaccard(items[x].vocab, items[y].vocab), x, y) for a, x in enumerate(idx) for y in idx[a + 1:]]
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

    log(f"negatives excluded as probable duplicates (5-shingle Jaccard > {NEG_SHINGLE_MAX} or same title): "
        f"{sum(excluded.values())} ({', '.join(f'{k}={v}' for k, v in sorted(excluded.items()))})")
    for kind, a, b, sj in excluded_examples:
        log(f"  excluded {kind}: {a} ~ {b} shingle-J={sj}")
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
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    def log(msg):
        if not args.quiet:
            print(msg, file=sys.stderr)

    rng = random.Random(args.seed)
    items, _ = load_items(args.corpus, log)
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
            title, e = retitle(base.title, others, rng)
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
    print(f"  negatives excluded as probable duplicates: {sum(excluded.values())} "
          f"({', '.join(f'{k}={v}' for k, v in sorted(excluded.items())) or 'none'})")

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
    ec = collections.Counter(e.split(":")[0] for r in lines for e in r["edits"])
    print("edits used:", ", ".join(f"{k}={v}" for k, v in sorted(ec.items())))


if __name__ == "__main__":
    main()
