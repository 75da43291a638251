#!/usr/bin/env python3
"""Soak-test server on 127.0.0.1 (bench/soak.sh): FEEDS changing RSS feeds at
/feeds/N.rss (a new item per feed every EPOCH seconds, the last 5 kept), and a webhook
receiver at /hook that fails FAIL_RATE of the requests at random with 500. It logs every
item served (served.log: guid) and every acknowledged delivery (acked.log: webhook-id).
Touching OUT/freeze stops the feeds changing (for the final drain). Each story has forty
words of its own, so near-duplicate detection keeps every one; a random number in its
description changes on every fetch, so every poll re-reads every item."""
import os, random, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, FEEDS, EPOCH, FAIL_RATE, OUT = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
lock = threading.Lock()
served = open(os.path.join(OUT, "served.log"), "a")
acked = open(os.path.join(OUT, "acked.log"), "a")
start = time.time()
frozen_at = [None]

WORDS = ("port ship crane dock pier cargo tide berth ferry tanker quay pilot tug storm fog gale "
         "customs union strike wage council mayor budget levy toll fee audit grant loan bond "
         "fish catch quota net trawler salmon cod herring oyster mussel seal gull tern buoy "
         "light keeper signal radio chart map depth dredge silt sand rock reef wreck salvage "
         "diver rescue coast guard patrol navy yacht regatta race sail mast hull keel rudder "
         "engine fuel diesel battery solar wind turbine cable grid power plant factory mill "
         "school pupil teacher exam library museum theatre concert festival market fair stall "
         "bakery cafe pub hotel guest tourist cruise liner visit queue ticket price rent house").split()

def text(guid):
    """Forty words of its own per story (seeded by the GUID), so no two stories are near copies."""
    rng = random.Random(guid)
    return " ".join(rng.choice(WORDS) for _ in range(40))

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
            f"<link>https://soak.example/{g}</link><description>harbour news {text(g)} {random.random()}</description></item>"
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

class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A daemon killed with -9 mid-request closes its connections: expected here.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

Server(("127.0.0.1", PORT), Handler).serve_forever()
