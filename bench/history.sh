#!/usr/bin/env bash
# History-policy benchmark: `acorn validate --history` over C generated commits (each a team
# member changing one record's workflow, on a workspace of N invoice records), first in full, then
# incrementally (`--history new`) after 10 more commits; each beside `git log --stat` over the same
# range (the anchor: reading the same commits and their changed files).
# usage: bench/history.sh [C=10000] [N=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
C=${1:-10000}
N=${2:-1000}
swift build -c release -q
ACORN=$PWD/.build/release/acorn
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
WS=$TMP/ws
export ACORN_AUTHOR_NAME=bench ACORN_AUTHOR_EMAIL=bench@example.com
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
$ACORN init "$WS" >/dev/null
python3 bench/gen_records.py "$WS" "$N"
git -C "$WS" add -A && git -C "$WS" commit -q --no-verify -m "bench: $N records"
BASE=$(git -C "$WS" rev-parse HEAD)
python3 bench/gen_history.py "$WS" "$C" | git -C "$WS" fast-import --quiet
git -C "$WS" reset -q --hard main

now() { date +%s%N; }
ms() { local t0; t0=$(now); "$@" >/dev/null 2>&1 || true; echo $(( ($(now) - t0) / 1000000 )); }
full=$(ms "$ACORN" validate -C "$WS" --history "$BASE..HEAD")
full_git=$(ms git -C "$WS" log --stat "$BASE..HEAD")
MID=$(git -C "$WS" rev-parse HEAD)
python3 bench/gen_history.py "$WS" 10 --start "$C" | git -C "$WS" fast-import --quiet
git -C "$WS" reset -q --hard main
# What `--history new` checks after a clean run ended at MID (the bench's base commit adds its
# records by hand, which the policy flags, so the mark is given as a range here).
new=$(ms "$ACORN" validate -C "$WS" --history "$MID..HEAD")
new_git=$(ms git -C "$WS" log --stat "$MID..HEAD")
findings=$("$ACORN" validate -C "$WS" --history "$BASE..HEAD" 2>&1 | tail -1)
echo "| run | commits | acorn validate --history ms | git log --stat ms | ratio |"
echo "|---|---:|---:|---:|---:|"
echo "| full | $C | $full | $full_git | $(python3 -c "print(round($full / max($full_git, 1), 1))") |"
echo "| new (incremental) | 10 | $new | $new_git | $(python3 -c "print(round($new / max($new_git, 1), 1))") |"
echo "result of the full check: $findings"
