#!/usr/bin/env python3
"""Writes a reconciliation workload into a workspace (bench data; not a sandbox vendor): invoices of
PER lines each, LINES invoice lines in all, paid by remittances of ten invoices each (terms discounts,
shortage claims and their reversals, co-op lines), with a deduction record per deduction line.
Deterministic; canonical JSON.

usage: gen_ledger.py WORKSPACE LINES [PER=10]
"""
import json, os, sys

ws, total_lines = sys.argv[1], int(sys.argv[2])
per = int(sys.argv[3]) if len(sys.argv) > 3 else 10
n_inv = total_lines // per
markets = [("US", "USD"), ("DE", "EUR")]


def money(cents, currency):
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return {"amount": "%s%d.%02d" % (sign, c // 100, c % 100), "currency": currency}


def day(i):
    # 2025-01-01 … spread over 22 months, 28 days each (always a valid date)
    m = i % 22
    return "%04d-%02d-%02d" % (2025 + m // 12, m % 12 + 1, 1 + (i // 22) % 28)


def write(r, month):
    d = os.path.join(ws, "records", r["marketplace"], r["kind"], month)
    os.makedirs(d, exist_ok=True)
    name = r["id"].replace("%", "%25").replace("/", "%2F")
    with open(os.path.join(d, name + ".json"), "w") as f:
        f.write(json.dumps(r, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


invoices = []
for i in range(n_inv):
    mkt, cur = markets[i % 2]
    number = "L%08d" % i
    date = day(i)
    lines, total = [], 0
    for k in range(per):
        qty, cost = 1 + (i + k) % 24, 500 + (i * 7 + k * 13) % 9000
        total += qty * cost
        lines.append({"itemSequenceNumber": str(k + 1), "purchaseOrderNumber": "Q%07d" % (i // 2),
                      "amazonProductIdentifier": "B0%08d" % ((i + k) % 20000),
                      "invoicedQuantity": {"amount": qty, "unitOfMeasure": "Eaches", "unitSize": 1},
                      "invoicedEaches": qty, "netCost": money(cost, cur)})
    r = {"id": "INV-%s-%s" % (mkt, number), "kind": "invoice", "marketplace": mkt, "schemaVersion": 1,
         "provenance": {"origin": "sandbox", "reference": "bench ledger"},
         "source": {"invoiceNumber": number, "invoiceDate": date, "invoiceStatus": "SUBMITTED",
                    "paymentTerms": {"type": "Basic", "netDueDays": 60, "discountPercent": "2", "discountDueDays": 30},
                    "purchaseOrderNumbers": ["Q%07d" % (i // 2)], "totalAmount": money(total, cur),
                    "lines": lines},
         "workflow": {}}
    write(r, date[:7])
    invoices.append((mkt, cur, number, date, total))

# Remittances: each pays ten invoices of one marketplace; 1 in 13 invoices stays unpaid, 1 in 17 is
# paid short; 2 % terms discount on even invoices; a shortage claim on 1 in 9, reversed on 1 in 4 of
# those; a co-op line on every third payment.
by_market = {}
for inv in invoices:
    by_market.setdefault(inv[0], []).append(inv)
p = 0
for mkt, invs in sorted(by_market.items()):
    cur = invs[0][1]
    for start in range(0, len(invs), 10):
        p += 1
        pid = "%s%08d" % (mkt, p)
        group = invs[start:start + 10]
        date = max(g[3] for g in group)
        y, m = int(date[:4]), int(date[5:7]) + 2
        if m > 12:
            y, m = y + 1, m - 12
        pdate = "%04d-%02d-%s" % (y, m, date[8:])
        lines, n = [], 0
        for (_, _, number, idate, total) in group:
            idx = int(number[1:])
            if idx % 13 == 0:
                continue
            disc = total * 2 // 100 if idx % 2 == 0 else 0
            paid = total - disc - (total // 10 if idx % 17 == 0 else 0)
            n += 1
            line = {"lineNumber": n, "invoiceNumber": number, "invoiceDate": idate, "classification": "invoice",
                    "invoiceAmount": money(total, cur), "amountPaid": money(paid, cur)}
            if disc:
                line["discountTaken"] = money(disc, cur)
            lines.append(line)
            if idx % 9 == 0:
                claim = 100 + idx % 5000
                for suffix, cls, amount in [("SC", "shortage-claim", -claim)] + (
                        [("SCR", "shortage-claim-reversal", claim // 2)] if idx % 4 == 0 else []):
                    n += 1
                    lines.append({"lineNumber": n, "invoiceNumber": number + suffix, "classification": cls,
                                  "baseInvoiceNumber": number, "invoiceDate": pdate,
                                  "invoiceAmount": money(amount, cur), "amountPaid": money(amount, cur)})
                    ded = {"id": "DED-%s-%s" % (mkt, number + suffix), "kind": "deduction", "marketplace": mkt,
                           "schemaVersion": 1, "provenance": {"origin": "sandbox", "reference": "bench ledger"},
                           "source": {"deductionNumber": number + suffix, "deductionType": cls,
                                      "deductionDate": pdate, "baseInvoiceNumber": number,
                                      "amount": money(amount, cur), "uniquePaymentId": pid,
                                      "paymentNumber": "N" + pid},
                           "workflow": {}}
                    write(ded, pdate[:7])
        if p % 3 == 0:
            n += 1
            agreement = "%04d-%08d" % (p % 10000, p)
            lines.append({"lineNumber": n, "invoiceNumber": agreement, "classification": "coop",
                          "invoiceDate": pdate, "invoiceAmount": money(-2500, cur), "amountPaid": money(-2500, cur)})
        if not lines:
            continue
        amount = sum(int(l["amountPaid"]["amount"].replace(".", "")) for l in lines)
        r = {"id": "PAY-%s-%s" % (mkt, pid), "kind": "remittance", "marketplace": mkt, "schemaVersion": 1,
             "provenance": {"origin": "sandbox", "reference": "bench ledger"},
             "source": {"uniquePaymentId": pid, "paymentNumber": "N" + pid, "paymentDate": pdate,
                        "paymentAmount": money(amount, cur), "remittanceStatus": "SUCCESSFUL",
                        "paymentMethod": "EFT", "lines": lines},
             "workflow": {}}
        write(r, pdate[:7])
print(n_inv, "invoices,", n_inv * per, "invoice lines,", p, "remittances")
