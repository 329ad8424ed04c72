#!/usr/bin/env bash
# Reconciliation benchmark: the invoice ledger of a generated workspace of LINES invoice lines (and
# their remittances and deductions), computed by `acorn reconcile --ledger` from the up-to-date index,
# side by side with pandas computing the same ledger from the same data exported as CSV (pyarrow's
# reader, exact integers), alternating, RUNS times each; medians of wall time and peak memory
# (/usr/bin/time -v); both outputs compared invoice by invoice.
# usage: bench/reconcile.sh [LINES=1000000] [PER=10] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
PER=${2:-10}
RUNS=${3:-3}
AS_OF=2026-11-30
# bench/run passes the binary it measures (BENCH_ACORN); alone, the script builds release.
if [ -n "${BENCH_ACORN:-}" ]; then ACORN=$BENCH_ACORN; else swift build -c release -q; ACORN=$PWD/.build/release/acorn; fi
VENV=$PWD/.build/bench-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import pandas, pyarrow' 2>/dev/null || "$VENV/bin/pip" install -q pandas pyarrow
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
WS=$TMP/ws
export ACORN_AUTHOR_NAME=bench ACORN_AUTHOR_EMAIL=bench@example.com
$ACORN init "$WS" --marketplace US --marketplace DE >/dev/null
python3 bench/gen_ledger.py "$WS" "$LINES" "$PER"
git -C "$WS" add -A && git -C "$WS" commit -q --no-verify -m "bench: $LINES invoice lines"
$ACORN index -C "$WS" --rebuild >/dev/null
# The same data, exported as CSV for the anchor (not timed).
$ACORN query -C "$WS" "SELECT id, marketplace, invoice_number, invoice_date, due_date, net_days, currency, total_micro FROM invoices" --csv > "$TMP/invoices.csv"
$ACORN query -C "$WS" "SELECT r.marketplace, l.classification, l.invoice_number, l.base_invoice_number, l.paid_micro, l.discount_micro FROM remittance_lines l JOIN remittances r ON r.path = l.path" --csv > "$TMP/lines.csv"

measure() { # label, command…: appends "label seconds maxrss_kib"
  local label=$1; shift
  /usr/bin/time -v "$@" 2> "$TMP/time.txt" >/dev/null
  python3 - "$label" "$TMP/time.txt" >> "$TMP/runs.txt" <<'PY'
import re, sys
t = open(sys.argv[2]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
secs = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
print(sys.argv[1], secs, rss)
PY
}
# The generated files and objects are flushed to disk first, and each side runs once untimed: the
# kernel's writeback of a freshly generated workspace (hundreds of megabytes, due some 30 s after
# they were written) otherwise lands in the timed runs and takes a core from whichever side is
# running, and both sides start with warm caches.
sync
"$ACORN" reconcile -C "$WS" --ledger --json --as-of $AS_OF >/dev/null
"$VENV/bin/python" bench/ledger_pandas.py "$TMP/invoices.csv" "$TMP/lines.csv" $AS_OF "$TMP/pandas.json"
: > "$TMP/runs.txt"
for _ in $(seq "$RUNS"); do
  measure acorn sh -c "'$ACORN' reconcile -C '$WS' --ledger --json --as-of $AS_OF > '$TMP/acorn.json'"
  measure pandas "$VENV/bin/python" bench/ledger_pandas.py "$TMP/invoices.csv" "$TMP/lines.csv" $AS_OF "$TMP/pandas.json"
done
python3 - "$TMP" "$LINES" "$PER" <<'PY'
import json, statistics, sys
tmp, lines, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = {}
for row in open(tmp + "/runs.txt"):
    label, secs, rss = row.split()
    runs.setdefault(label, []).append((float(secs), int(rss)))
def micro(s):
    neg = s.startswith("-"); w, _, f = s.lstrip("-").partition(".")
    v = int(w) * 1_000_000 + int((f + "000000")[:6]); return -v if neg else v
acorn = {i["id"]: i for i in json.load(open(tmp + "/acorn.json"))["invoices"]}
pandas = json.load(open(tmp + "/pandas.json"))
bad = sum(1 for r in pandas if (lambda x: x is None or x["status"] != r["status"] or micro(x["open"]) != r["open"]
          or micro(x["paid"]) != r["paid_all"] or micro(x["discount"]) != r["discount"]
          or x.get("daysPastDue") != r["daysPastDue"])(acorn.get(r["id"])))
print(f"invoice lines: {lines:,} ({len(acorn):,} invoices of {per} lines); same ledger: "
      f"{len(pandas):,} invoices compared, {bad} differ")
a_t = statistics.median(s for s, _ in runs["acorn"]); p_t = statistics.median(s for s, _ in runs["pandas"])
a_m = max(m for _, m in runs["acorn"]) / 1024; p_m = max(m for _, m in runs["pandas"]) / 1024
print(f"| ledger, {lines:,} invoice lines | wall s (median of {len(runs['acorn'])}) | vs pandas | peak MiB |")
print("|---|---:|---:|---:|")
print(f"| pandas + pyarrow, exact integers (anchor) | {p_t:.2f} | 1.00× | {p_m:.0f} |")
print(f"| acorn reconcile --ledger (index) | {a_t:.2f} | {a_t / p_t:.2f}× | {a_m:.0f} |")
sys.exit(1 if bad else 0)
PY
