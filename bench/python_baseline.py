#!/usr/bin/env python3
"""What a user would otherwise write: Python feedparser or fastfeedparser, plus one compiled
regex alternation of the watch terms over title, summary and content.

    python3 bench/python_baseline.py CORPUS_DIR TERMS_FILE

Prints parse throughput and whole-path (parse + regex match) throughput in MB/s of feed
bytes for each parser, best of RUNS runs (env, default 3; feedparser runs once: it is slow).
Python's re tries the alternatives one by one at each position, so a 10,000-term regex is
slow: the whole-path figures are measured on the first SAMPLE_MB (env, default 1) of feed
bytes, which gives the same MB/s as the full corpus would, in minutes instead of hours.
Times are the thread's CPU time (time.thread_time), not wall time: the machine may be shared.
"""
import os
import re
import sys
import time


def load(corpus):
    files = []
    for name in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, name)
        if os.path.isfile(path) and name != "LICENSE":
            with open(path, "rb") as f:
                files.append(f.read())
    return files


def texts_feedparser(parsed):
    for e in parsed.entries:
        content = " ".join(c.get("value", "") for c in e.get("content", []))
        yield "\n".join((e.get("title", ""), e.get("summary", ""), content))


def texts_fast(parsed):
    for e in parsed.get("entries", []):
        content = " ".join(c.get("value", "") for c in (e.get("content") or []))
        yield "\n".join((e.get("title") or "", e.get("description") or e.get("summary") or "", content))


def best(runs, fn):
    times = []
    result = None
    for _ in range(runs):
        start = time.thread_time()
        result = fn()
        times.append(time.thread_time() - start)
    return min(times), result


def sample(files, limit):
    out, size = [], 0
    for b in files:
        if size >= limit:
            break
        out.append(b)
        size += len(b)
    return out


def bench(label, parse, texts, files, pattern, runs):
    total = sum(len(b) for b in files)
    few = sample(files, float(os.environ.get("SAMPLE_MB", "1")) * 1e6)
    few_total = sum(len(b) for b in few)

    def parse_all():
        out = []
        for b in files:
            try:
                out.append(parse(b))
            except Exception:
                pass
        return out

    t_parse, parsed = best(runs, parse_all)

    def whole():
        hits = 0
        for b in few:
            try:
                p = parse(b)
            except Exception:
                continue
            for t in texts(p):
                hits += len(pattern.findall(t))
        return hits

    t_whole, hits = best(runs, whole)
    items = sum(len(list(texts(p))) for p in parsed)
    print(f"{label}: parse {total / 1e6 / t_parse:.2f} MB/s ({items} items); "
          f"parse + regex match {few_total / 1e6 / t_whole:.2f} MB/s ({hits} hits in the first {few_total / 1e6:.1f} MB)")


def main():
    corpus, terms_file = sys.argv[1], sys.argv[2]
    runs = int(os.environ.get("RUNS", "3"))
    files = load(corpus)
    with open(terms_file, encoding="utf-8") as f:
        terms = [t.strip() for t in f if t.strip()]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")\b",
                         re.IGNORECASE)
    print(f"corpus: {len(files)} files, {sum(map(len, files)) / 1e6:.1f} MB; {len(terms)} terms in one regex")
    import fastfeedparser
    bench("fastfeedparser", lambda b: fastfeedparser.parse(b), texts_fast, files, pattern, runs)
    import feedparser
    bench("feedparser", feedparser.parse, texts_feedparser, files, pattern, 1)


if __name__ == "__main__":
    main()
