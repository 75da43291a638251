#!/usr/bin/env bash
# The parse-and-match benchmark in one command, newshound and the Python alternatives
# measured in the same run on the same corpus and the same 10,000 terms:
#
#   bench/run.sh [CORPUS_DIR] [TERMS]
#
# CORPUS_DIR defaults to the 200 real feeds (44 MB) of bench/corpus/kagi-feeds.tar.xz
# (fastfeedparser's benchmark set, MIT: see bench/corpus/), extracted into
# target/bench/kagi-benchmark-feeds on first use; TERMS defaults to 10000. The Python
# parsers are installed into target/bench-venv with pip. Set RUNS=1 for a quicker (noisier)
# run.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench
default=target/bench/kagi-benchmark-feeds
if [[ -z ${1:-} && ! -d $default ]]; then
    tar -C target/bench -xJf bench/corpus/kagi-feeds.tar.xz
fi
corpus=${1:-$default}
terms=${2:-10000}
[[ -d $corpus ]] || { echo "bench/run.sh: no corpus folder '$corpus'" >&2; exit 2; }

echo "== newshound (cargo run --release --example bench_pipeline)"
cargo build --release --quiet --example bench_pipeline
./target/release/examples/bench_pipeline "$corpus" "$terms" target/bench/terms.txt | tee target/bench/newshound.txt

echo
echo "== Python alternatives (feedparser, fastfeedparser + one compiled regex alternation)"
if [[ ! -x target/bench-venv/bin/python ]]; then
    python3 -m venv target/bench-venv
    target/bench-venv/bin/pip install --quiet feedparser fastfeedparser
fi
target/bench-venv/bin/python bench/python_baseline.py "$corpus" target/bench/terms.txt | tee target/bench/python.txt

echo
echo "== ratios (same run, same corpus, same terms)"
python3 - <<'PY'
import re
ours = open("target/bench/newshound.txt").read()
py = {line.split(":")[0]: line for line in open("target/bench/python.txt") if ": parse " in line}
def num(pat, text):
    return float(re.search(pat, text).group(1))
parse = num(r"parse: ([\d.]+) MB/s", ours)
whole = num(r"whole path \(parse \+ normalise \+ match\): ([\d.]+) MB/s", ours)
match = num(r"normalise \+ match: ([\d.]+) MB/s", ours)
bare = num(r"bare aho-corasick DFA: ([\d.]+) MB/s", ours)
ffp_parse, fp_parse = (num(r": parse ([\d.]+) MB/s", py[k]) for k in ("fastfeedparser", "feedparser"))
ffp_whole, fp_whole = (num(r"regex match ([\d.]+) MB/s", py[k]) for k in ("fastfeedparser", "feedparser"))
print(f"parse: newshound {parse:.1f} MB/s = {parse/ffp_parse:.2f}x fastfeedparser, {parse/fp_parse:.0f}x feedparser")
print(f"matching: {match:.1f} MB/s = {100*match/bare:.0f}% of the bare Aho-Corasick DFA ({bare:.1f} MB/s)")
print(f"whole path: newshound {whole:.1f} MB/s = {whole/ffp_whole:.0f}x fastfeedparser+regex, {whole/fp_whole:.0f}x feedparser+regex")
PY
