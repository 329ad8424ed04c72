#!/usr/bin/env bash
# Sync benchmark: `acorn sync --source sp-api` against a throttling `acorn sandbox serve`
# (RATE requests/s and BURST per operation, 429 with x-amzn-RateLimit-Limit beyond that).
# Reports the sustained request rate against the limit (the anchor) and the share of 429s.
# usage: bench/sync.sh [DAYS=30] [RATE=10] [BURST=10]
set -euo pipefail
cd "$(dirname "$0")/.."
DAYS=${1:-30}
RATE=${2:-10}
BURST=${3:-10}
swift build -c release -q
ACORN=$PWD/.build/release/acorn
TMP=$(mktemp -d)
UNTIL=2026-06-30
SINCE=$(python3 -c "import datetime;print((datetime.date(2026,6,30)-datetime.timedelta(days=$DAYS)).isoformat())")
$ACORN sandbox serve --seed 3 --marketplace US --since "$SINCE" --until "$UNTIL" --rate "$RATE" --burst "$BURST" --seconds 900 > "$TMP/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do grep -q listening "$TMP/serve.log" && break; sleep 0.1; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/serve.log")
$ACORN init "$TMP/ws" --marketplace US >/dev/null
export ACORN_LWA_CLIENT_ID=bench ACORN_LWA_CLIENT_SECRET=bench ACORN_LWA_REFRESH_TOKEN=bench
T0=$(date +%s%N)
$ACORN sync -C "$TMP/ws" --source sp-api --endpoint "$URL" --token-endpoint "$URL/auth/o2/token" --since "$SINCE" --until "$UNTIL" --json > "$TMP/sync.json"
T1=$(date +%s%N)
python3 - "$TMP/sync.json" "$T0" "$T1" "$RATE" "$BURST" "$URL" <<'PY'
import json, sys, urllib.request
report = json.load(open(sys.argv[1]))
seconds = (int(sys.argv[3]) - int(sys.argv[2])) / 1e9
rate, burst = float(sys.argv[4]), float(sys.argv[5])
server = json.load(urllib.request.urlopen(sys.argv[6] + "/sandbox/stats"))["operations"]
client = report.get("requests", {})
records = sum(m["new"] + m["changed"] for m in report["marketplaces"])
total = sum(o["requests"] for o in server.values())
throttled = sum(o["throttled"] for o in server.values())
print(f"records synced: {records}; wall time {seconds:.1f} s; client requests {client.get('requests')}, retried {client.get('retries')}")
print(f"{'operation':<26}{'requests':>9}{'429':>6}{'sustained/s':>13}{'vs limit':>10}")
for name, o in sorted(server.items(), key=lambda kv: -kv[1]["requests"]):
    sustained = float(o["sustainedPerSecond"]) if o.get("sustainedPerSecond") else float("nan")
    print(f"{name:<26}{o['requests']:>9}{o['throttled']:>6}{sustained:>13.2f}{sustained / rate:>10.3f}")
print(f"429 answers: {throttled} of {total} requests ({100 * throttled / max(total, 1):.2f} %); limit {rate:g}/s, burst {burst:g} per operation")
PY
kill $SERVER 2>/dev/null || true
