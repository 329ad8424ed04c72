#!/usr/bin/env bash
# Index benchmark: a full rebuild and an incremental update after a commit that changes K records,
# on one generated workspace of N records, reported side by side (the rebuild is the anchor).
# usage: bench/index.sh [N=100000] [K=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
K=${2:-1000}
swift build -c release -q
ACORN=$PWD/.build/release/acorn
WS=$(mktemp -d)/bench-ws
export ACORN_AUTHOR_NAME=bench ACORN_AUTHOR_EMAIL=bench@example.com
$ACORN init "$WS" >/dev/null
python3 bench/gen_records.py "$WS" "$N"
git -C "$WS" add -A && git -C "$WS" commit -qm "bench: $N records"

ms() { python3 -c 'import json,sys; print(json.load(sys.stdin)["milliseconds"])'; }
rebuild=$($ACORN index -C "$WS" --rebuild --json | ms)
python3 bench/gen_records.py "$WS" "$N" --touch "$K"
git -C "$WS" commit -qam "bench: touch $K"
incremental=$($ACORN index -C "$WS" --json | ms)
noop=$($ACORN index -C "$WS" --json | ms)

python3 - "$N" "$K" "$rebuild" "$incremental" "$noop" <<'PY'
import sys
n, k, rebuild, inc, noop = map(int, sys.argv[1:])
print(f"records: {n}, changed by the commit: {k}")
print(f"{'operation':<34}{'ms':>10}{'records/s':>14}")
print(f"{'index --rebuild (anchor)':<34}{rebuild:>10}{n * 1000 // max(rebuild, 1):>14}")
print(f"{'index after commit (incremental)':<34}{inc:>10}{k * 1000 // max(inc, 1):>14}")
print(f"{'index, nothing changed':<34}{noop:>10}")
print(f"incremental / rebuild = {inc / max(rebuild, 1):.3f} (changed fraction {k / n:.3f})")
PY
rm -rf "$(dirname "$WS")"
