#!/usr/bin/env python3
"""Generates an alert history for the desk's benchmark and CI's API fuzzing.

    bench/gen_history.py OUT_DIR FEEDS ITEMS_PER_FEED

writes OUT_DIR/feeds/fNNN.xml (RSS 2.0, ITEMS_PER_FEED items each, every item mentioning
one watched person with a keyword, so every item makes one alert) and OUT_DIR/config.toml
(file:// feeds, three watchlists, a log sink, state in OUT_DIR/state). Deterministic (fixed
seed); stdlib only. Titles and texts mix English, German with diacritics, Chinese and
Hebrew so the search index sees every script the matcher folds.
"""
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

WORDS = (
    "ministry talks summit delegation border trade tariff navy exercise strait council "
    "budget election minister envoy pact sanctions drone satellite harbour pipeline grain "
    "treaty visit spokesman briefing parliament coalition protest court ruling inquiry "
    "report agency market currency bond inflation harvest flood storm quake rescue "
    "hospital vaccine school railway airport port energy reactor solar wind oil gas "
    "Zürich Genève Köln Malmö São Paulo Kraków"
).split()
CJK = "国防部 外交部 会晤 邀请 演习 海峡 贸易 峰会 代表团 部长 发言人 声明".split()
HEBREW = "משרד הביטחון שיחות פסגה שר".split()
PEOPLE = [
    ("us-china-defence", "Lloyd Austin", "declined"),
    ("us-china-defence", "Li Shangfu", "invitation"),
    ("chinese-press", "李尚福", "会晤"),
    ("security-council", "Volker Türk", "inquiry"),
]


def sentence(rng, n):
    parts = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.2:
        parts.append(rng.choice(CJK))
    if rng.random() < 0.1:
        parts.append(rng.choice(HEBREW))
    return " ".join(parts)


def item(rng, f, i, when):
    _, person, keyword = PEOPLE[(f * 7 + i) % len(PEOPLE)]
    title = f"{person} {keyword} {sentence(rng, 6)} #{f}-{i}"
    text = f"{sentence(rng, 12)}. {person} {keyword} {sentence(rng, 10)}. {sentence(rng, 14)}."
    return (
        "<item>"
        f"<title>{escape(title)}</title>"
        f"<link>https://news{f}.example/{i}</link>"
        f"<guid>https://news{f}.example/{i}</guid>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>{escape(text)}</description>"
        "</item>"
    )


def feed(rng, f, items, now):
    body = "".join(item(rng, f, i, now - timedelta(minutes=f * items + i)) for i in range(items))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Generated {f}</title><link>https://news{f}.example/</link>"
        f"<description>generated</description>{body}</channel></rss>\n"
    )


CONFIG = """[daemon]
state_dir = "{state}"
poll_interval = "1h"
max_age = "0s"

[http]
max_items = 1000

[[watchlist]]
name = "us-china-defence"
severity = "high"
require = "person-and-keyword"
keywords = ["declin*", "invitation"]

[[watchlist.person]]
name = "Lloyd Austin"

[[watchlist.person]]
name = "Li Shangfu"

[[watchlist]]
name = "chinese-press"
require = "person"

[[watchlist.person]]
name = "李尚福"

[[watchlist]]
name = "security-council"
severity = "medium"
require = "person"

[[watchlist.person]]
name = "Volker Türk"

[[sink]]
name = "log"
type = "log"
"""


def main():
    out, feeds, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    out = os.path.abspath(out)
    os.makedirs(os.path.join(out, "feeds"), exist_ok=True)
    rng = random.Random(14)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    cfg = [CONFIG.format(state=os.path.join(out, "state"))]
    for f in range(feeds):
        path = os.path.join(out, "feeds", f"f{f:04}.xml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(feed(rng, f, items, now))
        cfg.append(f'[[feed]]\nname = "gen-{f:04}"\nurl = "file://{path}"\n')
    with open(os.path.join(out, "config.toml"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(cfg))


if __name__ == "__main__":
    main()
