#!/usr/bin/env bash
# Import benchmark: a generated 820 with N RMR lines and an N-row Vendor Central remittance export,
# read by `acorn import --dry-run` (parse, map, check) and imported for real, beside a plain Python
# `csv` read of the same CSV (the anchor). usage: bench/import.sh [N=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
swift build -c release -q
ACORN=$PWD/.build/release/acorn
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 - "$N" "$TMP" <<'PY'
import sys
n, tmp = int(sys.argv[1]), sys.argv[2]
payments = max(1, n // 100)
with open(f"{tmp}/remittance.csv", "w") as f:
    f.write("Payment Number,Payment Date,Invoice Number,Invoice Date,Invoice Amount,Amount Paid,Discount,Currency\n")
    for i in range(n):
        p = 500000 + i % payments
        inv = f"US{i:08d}" + ("SC" if i % 17 == 0 else "")
        amt = -(i % 5000) / 100 if i % 17 == 0 else (i % 100000) / 100 + 1
        f.write(f"{p},01/14/2026,{inv},12/01/2025,{amt:.2f},{amt:.2f},0.00,USD\n")
segs = ["ST*820*0001", "BPR*I*0*C*ACH*CCP*01*1*DA*2*3**01*4*DA*5*20260114", "TRN*1*BENCH-820*1"]
total = 0
for i in range(n):
    cents = -(i % 5000) if i % 17 == 0 else (i % 100000) + 100
    total += cents
    inv = f"US{i:08d}" + ("SC" if i % 17 == 0 else "")
    segs.append(f"RMR*IV*{inv}**{cents / 100:.2f}")
segs[1] = f"BPR*I*{total / 100:.2f}*C*ACH*CCP*01*1*DA*2*3**01*4*DA*5*20260114"
segs.append(f"SE*{len(segs) + 1}*0001")
isa = "ISA*00*          *00*          *ZZ*AMAZON         *ZZ*VENDOR         *260114*1200*^*00501*000000001*0*P*:"
body = [isa, "GS*RA*A*V*20260114*1200*1*X*005010"] + segs + ["GE*1*1", "IEA*1*000000001"]
open(f"{tmp}/payment.edi", "w").write("~\n".join(body) + "~\n")
PY
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
python_csv=$(ms python3 -c "import csv,sys; sum(1 for _ in csv.reader(open('$TMP/remittance.csv')))")
$ACORN init "$TMP/ws" --marketplace US >/dev/null
csv_dry=$(ms $ACORN import -C "$TMP/ws" --dry-run "$TMP/remittance.csv")
edi_dry=$(ms $ACORN import -C "$TMP/ws" --dry-run "$TMP/payment.edi")
export ACORN_AUTHOR_NAME=bench ACORN_AUTHOR_EMAIL=bench@example.com
csv_full=$(ms $ACORN import -C "$TMP/ws" "$TMP/remittance.csv")
edi_full=$(ms $ACORN import -C "$TMP/ws" "$TMP/payment.edi")
records=$(find "$TMP/ws/records" -name '*.json' | wc -l)
python3 - "$N" "$python_csv" "$csv_dry" "$edi_dry" "$csv_full" "$edi_full" "$records" <<'PY'
import sys
n, anchor, csv_dry, edi_dry, csv_full, edi_full, records = map(int, sys.argv[1:])
rows = [("python csv.reader, read only (anchor)", anchor), ("acorn import --dry-run, remittance CSV", csv_dry),
        ("acorn import --dry-run, 820", edi_dry), ("acorn import, remittance CSV", csv_full), ("acorn import, 820", edi_full)]
print(f"{n} rows / RMR lines; {records} record files written")
print(f"{'':<42}{'ms':>9}{'lines/s':>12}{'vs anchor':>11}")
for name, ms in rows:
    print(f"{name:<42}{ms:>9}{n * 1000 // max(ms, 1):>12}{ms / max(anchor, 1):>10.1f}x")
PY
