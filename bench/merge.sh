#!/usr/bin/env bash
# Merge benchmark: two branches that each change the same K records (different fields: one the
# assignee, the other the follow-up date) on a workspace of N records, merged three ways on copies
# of the same repository: `acorn merge` (in process, libgit2 + the engine), plain `git merge` with
# `acorn merge-driver` run by git for each record, and a plain textual `git merge` (the anchor).
# usage: bench/merge.sh [N=100000] [K=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
K=${2:-10000}
swift build -c release -q
ACORN=$PWD/.build/release/acorn
TMP=$(mktemp -d)
WS=$TMP/base
export ACORN_AUTHOR_NAME=bench ACORN_AUTHOR_EMAIL=bench@example.com
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
$ACORN init "$WS" >/dev/null
python3 bench/gen_records.py "$WS" "$N"
git -C "$WS" add -A && git -C "$WS" commit -qm "bench: $N records"
git -C "$WS" checkout -q -b theirs
python3 bench/gen_records.py "$WS" "$N" --touch "$K" --field assignee
git -C "$WS" commit -qam "theirs: $K assignees"
git -C "$WS" checkout -q main
python3 bench/gen_records.py "$WS" "$N" --touch "$K" --field followUpDate
git -C "$WS" commit -qam "ours: $K follow-up dates"

now() { date +%s%N; }
run() {  # name, then the command run inside a fresh copy
  local name=$1; shift
  rm -rf "$TMP/run" && cp -a "$WS" "$TMP/run"
  local t0; t0=$(now)
  (cd "$TMP/run" && "$@" >/dev/null 2>&1) || true
  local t1; t1=$(now)
  local conflicted; conflicted=$(cd "$TMP/run" && git diff --name-only --diff-filter=U | wc -l)
  local merged; merged=$(cd "$TMP/run" && git log -1 --format=%P | wc -w)
  echo "$name $(( (t1 - t0) / 1000000 )) $conflicted $merged"
}
{
  run textual sh -c "git config --remove-section merge.acorn; git merge --no-edit theirs"
  run driver sh -c "git config merge.acorn.driver '$ACORN merge-driver %O %A %B %P' && git merge --no-edit theirs"
  run acorn "$ACORN" merge theirs
} > "$TMP/results"
python3 - "$N" "$K" "$TMP/results" <<'PY'
import sys
n, k, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rows = [line.split() for line in open(path)]
anchor = int(next(r for r in rows if r[0] == "textual")[1])
names = {"textual": "git merge, textual (anchor)", "driver": "git merge + acorn merge-driver", "acorn": "acorn merge (in process)"}
print(f"records: {n}; changed on both branches: {k}")
print(f"{'merge':<34}{'ms':>10}{'vs anchor':>11}{'conflicted files':>18}{'committed':>11}")
for name, ms, conflicted, parents in rows:
    print(f"{names[name]:<34}{int(ms):>10}{int(ms) / max(anchor, 1):>10.2f}x{int(conflicted):>18}{'yes' if parents == '2' else 'no':>11}")
PY
rm -rf "$TMP"
