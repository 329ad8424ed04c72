#!/usr/bin/env bash
# Publishing benchmark: `acorn publish --postgres` of a generated workspace of N invoice records
# (full), then of a commit changing K of them (incremental), beside the anchor — PostgreSQL's own
# COPY of exactly the rows Acorn published, from CSV files, into tables of the same definition.
# A PostgreSQL server is started in a temporary folder on a free port (Debian's postgresql).
# usage: bench/publish.sh [N=100000] [K=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
K=${2:-1000}
# bench/run passes the binary it measures (BENCH_ACORN); alone, the script builds release.
if [ -n "${BENCH_ACORN:-}" ]; then ACORN=$BENCH_ACORN; else swift build -c release -q; ACORN=$PWD/.build/release/acorn; fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
TMP=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AS=""
if [ "$(id -u)" = 0 ]; then chown postgres "$TMP"; AS="runuser -u postgres --"; fi
$AS "$PGBIN/initdb" -D "$TMP/data" -U postgres --auth=trust -E UTF8 >/dev/null
$AS "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/log" -w -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1" start >/dev/null
trap '$AS "$PGBIN/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1; rm -rf "$TMP"' EXIT
URL="postgresql://postgres@127.0.0.1:$PORT/postgres"
WS=$TMP/ws
mkdir -p "$WS" && chmod 777 "$TMP"
export ACORN_AUTHOR_NAME=bench ACORN_AUTHOR_EMAIL=bench@example.com
$ACORN init "$WS" >/dev/null
python3 bench/gen_records.py "$WS" "$N"
# Packed once, as a clone or a long-lived repository is, and never in the background: each commit
# would otherwise start `git gc --auto`, detached, whose repack of the million loose objects ran
# on the same two cores through every measurement (2026-12-03: the first incremental publish
# 4.3 s, the others 0.7-0.8 s, beside 0.4-0.6 s measured without it).
git -C "$WS" config gc.auto 0
git -C "$WS" add -A && git -C "$WS" commit -q --no-verify -m "bench: $N records"
git -C "$WS" gc -q
$ACORN index -C "$WS" --rebuild >/dev/null

# The clock read by `date` (a millisecond; Python's start-up, 20 ms, had counted in each time).
now() { date +%s.%N; }
t0=$(now); $ACORN publish -C "$WS" --postgres "$URL" >/dev/null; t1=$(now)
full=$(python3 -c "print($t1 - $t0)")
rows=$(psql "$URL" -At -c "SELECT sum(n) FROM (SELECT count(*) n FROM acorn.records UNION ALL SELECT count(*) FROM acorn.links UNION ALL SELECT count(*) FROM acorn.invoices UNION ALL SELECT count(*) FROM acorn.invoice_lines UNION ALL SELECT count(*) FROM acorn.invoice_ledger) x")

# The anchor: the same rows, as CSV, copied by PostgreSQL into tables of the same definition —
# their indexes and primary keys included (`INCLUDING ALL`), as Acorn's tables have them. Then
# the same COPY into tables without them, for reference (what the rows alone cost).
tables=$(psql "$URL" -At -c "SELECT table_name FROM information_schema.tables WHERE table_schema = 'acorn' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'acorn_%'")
psql "$URL" -q -c "CREATE SCHEMA anchor" -c "CREATE SCHEMA bare" >/dev/null
script=""
bare=""
for t in $tables; do
  psql "$URL" -q -c "\\copy acorn.$t TO '$TMP/$t.csv' CSV" >/dev/null
  psql "$URL" -q -c "CREATE TABLE anchor.$t (LIKE acorn.$t INCLUDING ALL)" -c "CREATE TABLE bare.$t (LIKE acorn.$t)" >/dev/null
  script+="\\copy anchor.$t FROM '$TMP/$t.csv' CSV"$'\n'
  bare+="\\copy bare.$t FROM '$TMP/$t.csv' CSV"$'\n'
done
t0=$(now); printf '%s' "BEGIN;"$'\n'"$script""COMMIT;"$'\n' | psql "$URL" -q >/dev/null; t1=$(now)
copy=$(python3 -c "print($t1 - $t0)")
t0=$(now); printf '%s' "BEGIN;"$'\n'"$bare""COMMIT;"$'\n' | psql "$URL" -q >/dev/null; t1=$(now)
barecopy=$(python3 -c "print($t1 - $t0)")

# The incremental publishes are measured on a quiet server: the anchors' tables dropped, and the
# published ones vacuumed and analyzed as autovacuum would soon after a full publish. (Left to
# autovacuum, its work on the ten million rows just copied ran during the measured publishes,
# on the same two cores.)
# The checkpoint after them written out too (the server spreads it over minutes; its writes and
# the WAL flush each commit waits for had shared the disk: the first publish 4 s, 2026-12-03).
psql "$URL" -q -c "SET client_min_messages TO warning" -c "DROP SCHEMA anchor CASCADE" -c "DROP SCHEMA bare CASCADE" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
sync

# Three commits each changing the same K records (to another value, back, and again), each
# published incrementally: the median is printed, then the first — which also reads the server's
# index pages and git's pack from disk after the anchors' copies pushed them out of memory (2.2 s
# beside 0.6 s at a million, 2026-12-03).
three() {
  local times=""
  for field in "$@"; do
    python3 bench/gen_records.py "$WS" "$N" --touch "$K" --field "$field"
    git -C "$WS" commit -q --no-verify -am "bench: touch $K ($field)"
    t0=$(now); $ACORN publish -C "$WS" --postgres "$URL" >/dev/null; t1=$(now)
    times+="$(python3 -c "print($t1 - $t0)") "
  done
  python3 -c "import sys; v=list(map(float, sys.argv[1:])); print(sorted(v)[1], v[0])" $times
}
# The assignee: nothing the reconciliation or the alerts read.
read -r inc first < <(three assignee none assignee)
# The unit cost a cent higher: the reconciliation of those invoices changes, so the derived rows of
# the records linked to them are recomputed (docs/postgres.md, "linked").
read -r amounts firstamount < <(three amount none amount)

python3 - "$N" "$K" "$full" "$copy" "$inc" "$rows" "$amounts" "$barecopy" "$first" "$firstamount" <<'PY'
import sys
n, k = int(sys.argv[1]), int(sys.argv[2])
full, copy, inc = map(float, sys.argv[3:6])
rows = int(sys.argv[6] or 0)
amounts = float(sys.argv[7])
bare = float(sys.argv[8])
first = float(sys.argv[9])
firstamount = float(sys.argv[10])
print(f"| publish, {n:,} invoice records ({rows:,} rows in the main tables) | s | vs anchor |")
print("|---|---:|---:|")
print(f"| COPY of the same rows from CSV, one transaction (anchor) | {copy:.2f} | 1.00× |")
print(f"| the same COPY into tables without their indexes and keys (reference) | {bare:.2f} | {bare / copy:.2f}× |")
print(f"| acorn publish (full) | {full:.2f} | {full / copy:.2f}× |")
print(f"| acorn publish after a commit changing {k:,} records' assignee (incremental; median of three such commits, the first {first:.2f} s: {first / full * 100:.1f} %) | {inc:.2f} | {inc / full * 100:.1f} % of full |")
print(f"| acorn publish after a commit changing {k:,} records' amounts (incremental, the linked derived rows recomputed; median of three such commits, the first {firstamount:.2f} s: {firstamount / full * 100:.1f} %) | {amounts:.2f} | {amounts / full * 100:.1f} % of full |")
PY
