#!/usr/bin/env python3
"""Soak-test server on 127.0.0.1 (bench/soak.sh): FEEDS changing RSS feeds at
/feeds/N.rss (a new item per feed every EPOCH seconds, the last 5 kept), and a webhook
receiver at /hook that fails FAIL_RATE of the requests at random with 500. It logs every
item served (served.log: guid) and every acknowledged delivery (acked.log: webhook-id).
Touching OUT/freeze stops the feeds changing (for the final drain)."""
import os, random, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, FEEDS, EPOCH, FAIL_RATE, OUT = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
lock = threading.Lock()
served = open(os.path.join(OUT, "served.log"), "a")
acked = open(os.path.join(OUT, "acked.log"), "a")
start = time.time()
frozen_at = [None]

def epoch():
    if frozen_at[0] is None and os.path.exists(os.path.join(OUT, "freeze")):
        frozen_at[0] = int((time.time() - start) / EPOCH)
    return frozen_at[0] if frozen_at[0] is not None else int((time.time() - start) / EPOCH)

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        if not self.path.startswith("/feeds/"):
            return self.send_error(404)
        n = self.path[len("/feeds/"):].removesuffix(".rss")
        e = epoch()
        guids = [f"f{n}-e{k}" for k in range(max(0, e - 4), e + 1)]
        items = "".join(
            f"<item><guid>{g}</guid><title>Harbour bulletin {g}</title>"
            f"<link>https://soak.example/{g}</link><description>harbour news {g} {random.random()}</description></item>"
            for g in guids)
        body = (f"<?xml version='1.0'?><rss version='2.0'><channel><title>{n}</title>"
                f"<link>https://soak.example/</link><description>d</description>{items}</channel></rss>").encode()
        with lock:
            for g in guids:
                served.write(g + "\n")
            served.flush()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        if random.random() < FAIL_RATE:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with lock:
            acked.write(self.headers.get("webhook-id", "?") + "\n")
            acked.flush()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
