#!/usr/bin/env python3
"""Writes N canonical invoice records into a workspace (bench data; not a sandbox vendor).

usage: gen_records.py WORKSPACE N [--touch K [--field assignee|followUpDate|amount|none]]
  --touch K: rewrite the first K records with a changed workflow field (default assignee), or
             with their unit cost a cent higher (amount: what the reconciliation reads), or as
             first generated (none: undoes an earlier touch)
"""
import json, os, sys

ws, n = sys.argv[1], int(sys.argv[2])
touch = int(sys.argv[sys.argv.index("--touch") + 1]) if "--touch" in sys.argv else 0
field = sys.argv[sys.argv.index("--field") + 1] if "--field" in sys.argv else "assignee"


def record(i, assignee, extra_cents=0):
    month = "2026-%02d" % (i % 12 + 1)
    cents = (5 + i % 90) * 100 + i % 100 + extra_cents
    qty, cost = 1 + i % 40, "%d.%02d" % (cents // 100, cents % 100)
    cents = qty * (int(cost.replace(".", "")))
    total = "%d.%02d" % (cents // 100, cents % 100)
    number = "B%07d" % i
    return month, {
        "id": "INV-US-" + number, "kind": "invoice", "marketplace": "US", "schemaVersion": 1,
        "provenance": {"origin": "sandbox", "reference": "bench"},
        "source": {"invoiceNumber": number, "invoiceDate": month + "-15", "invoiceStatus": "SUBMITTED",
                   "purchaseOrderNumbers": ["P%07d" % (i // 3)], "totalAmount": {"amount": total, "currency": "USD"},
                   "lines": [{"itemSequenceNumber": "1", "purchaseOrderNumber": "P%07d" % (i // 3),
                              "amazonProductIdentifier": "B0%08d" % (i % 5000),
                              "invoicedQuantity": {"amount": qty, "unitOfMeasure": "Eaches", "unitSize": 1},
                              "invoicedEaches": qty, "netCost": {"amount": cost, "currency": "USD"}}]},
        "workflow": {"assignee": assignee},
    }


for i in range(n):
    if touch and i >= touch:
        break
    month, r = record(i, "bench-%d@example.com" % (1 if touch and field == "assignee" else 0),
                      1 if touch and field == "amount" else 0)
    if touch and field == "followUpDate":
        r["workflow"]["followUpDate"] = "2026-12-%02d" % (1 + i % 28)
    d = os.path.join(ws, "records", "US", "invoice", month)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, r["id"] + ".json"), "w") as f:
        f.write(json.dumps(r, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
