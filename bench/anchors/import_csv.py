#!/usr/bin/env python3
"""Anchor for `acorn import` of a Vendor Central remittance export: Python's `csv` reading the
rows, amounts parsed exactly (integers in minor units), one remittance record per payment with its
lines and one deduction record per negative line, written as JSON with orjson.

usage: import_csv.py FILE.csv OUT_FOLDER
"""
import csv, os, sys

import orjson

src, out = sys.argv[1], sys.argv[2]


def cents(text):
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("-").replace(",", "").partition(".")
    v = int(whole) * 100 + int((frac + "00")[:2])
    return -v if neg else v


def amount(c, currency):
    sign = "-" if c < 0 else ""
    return {"amount": "%s%d.%02d" % (sign, abs(c) // 100, abs(c) % 100), "currency": currency}


def iso(us):  # MM/DD/YYYY
    m, d, y = us.split("/")
    return f"{y}-{m}-{d}"


payments = {}
deductions = []
with open(src, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        p = payments.setdefault(row["Payment Number"], {"date": iso(row["Payment Date"]), "lines": [],
                                                         "currency": row["Currency"], "total": 0})
        paid = cents(row["Amount Paid"])
        line = {"lineNumber": len(p["lines"]) + 1, "invoiceNumber": row["Invoice Number"],
                "invoiceDate": iso(row["Invoice Date"]), "invoiceAmount": amount(cents(row["Invoice Amount"]), p["currency"]),
                "amountPaid": amount(paid, p["currency"]), "discountTaken": amount(cents(row["Discount"]), p["currency"])}
        p["lines"].append(line)
        p["total"] += paid
        if paid < 0:
            deductions.append({"id": "DED-US-" + row["Invoice Number"], "kind": "deduction", "marketplace": "US",
                               "schemaVersion": 1, "provenance": {"origin": "import", "reference": src},
                               "source": {"deductionNumber": row["Invoice Number"], "amount": amount(paid, p["currency"]),
                                          "paymentNumber": row["Payment Number"], "deductionDate": p["date"]}})
options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
written = 0
for number, p in payments.items():
    record = {"id": f"REM-US-{number}", "kind": "remittance", "marketplace": "US", "schemaVersion": 1,
              "provenance": {"origin": "import", "reference": src},
              "source": {"paymentNumber": number, "paymentDate": p["date"], "lines": p["lines"],
                         "paymentAmount": amount(p["total"], p["currency"])}}
    d = os.path.join(out, "records", "US", "remittance", p["date"][:7])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, record["id"] + ".json"), "wb") as f:
        f.write(orjson.dumps(record, option=options) + b"\n")
    written += 1
for record in deductions:
    d = os.path.join(out, "records", "US", "deduction", record["source"]["deductionDate"][:7])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, record["id"] + ".json"), "wb") as f:
        f.write(orjson.dumps(record, option=options) + b"\n")
    written += 1
print(f"{written} records written")
