#!/usr/bin/env python3
"""The anchor of bench/reconcile.sh: the same invoice ledger as `acorn reconcile --ledger`, computed
by pandas from the same data exported as CSV (pyarrow's CSV reader, money as exact integers in
millionths — never floats), written as JSON.

usage: ledger_pandas.py INVOICES.csv LINES.csv AS_OF OUT.json
  INVOICES.csv: id, marketplace, invoice_number, invoice_date, due_date, net_days, currency, total_micro
  LINES.csv:    marketplace, classification, invoice_number, base_invoice_number, paid_micro, discount_micro
"""
import sys
from datetime import date

import pandas as pd

inv_path, lines_path, as_of_text, out = sys.argv[1:5]
as_of = (date.fromisoformat(as_of_text) - date(1970, 1, 1)).days

inv = pd.read_csv(inv_path, engine="pyarrow", dtype={"invoice_number": str, "total_micro": "int64"})
lines = pd.read_csv(lines_path, engine="pyarrow",
                    dtype={"invoice_number": str, "base_invoice_number": str,
                           "paid_micro": "int64", "discount_micro": "Int64"})
lines["discount_micro"] = lines["discount_micro"].fillna(0).astype("int64")

# Payment lines attach by their own number; claims (suffix classifications) by their base.
suffix = {"shortage-claim", "shortage-claim-reversal", "shortage-claim-revised", "price-claim"}
pay = lines[lines["classification"] == "invoice"]
pays = pay.groupby(["marketplace", "invoice_number"], sort=False).agg(
    paid=("paid_micro", "sum"), discount=("discount_micro", "sum"), n=("paid_micro", "size"))
ded = lines[lines["classification"].isin(suffix) & lines["base_invoice_number"].notna()].copy()
ded["neg"] = ded["paid_micro"].where(ded["paid_micro"] < 0, 0)
ded["pos"] = ded["paid_micro"].where(ded["paid_micro"] > 0, 0)
deds = ded.groupby(["marketplace", "base_invoice_number"], sort=False).agg(
    dpaid=("paid_micro", "sum"), neg=("neg", "sum"), pos=("pos", "sum"), dn=("paid_micro", "size"))
deds.index.names = ["marketplace", "invoice_number"]

led = inv.join(pays, on=["marketplace", "invoice_number"]).join(deds, on=["marketplace", "invoice_number"])
for c in ["paid", "discount", "n", "dpaid", "neg", "pos", "dn"]:
    led[c] = led[c].fillna(0).astype("int64")
# invoiced − discount − Σ deductions + Σ reversals − Σ paid (paid: payments and claim lines)
led["paid_all"] = led["paid"] + led["dpaid"]
led["open"] = led["total_micro"] - led["discount"] - (-led["neg"]) + led["pos"] - led["paid_all"]
tolerance = led["currency"].map({"JPY": 1_000_000}).fillna(10_000).astype("int64")
rounding = (led["open"] != 0) & (led["open"].abs() <= tolerance)
led.loc[rounding, "open"] = 0
net_deducted = -led["neg"] - led["pos"]
status = pd.Series("partially-paid", index=led.index)
status[(led["n"] == 0) & (led["dn"] == 0)] = "unpaid"
status[led["open"] < 0] = "overpaid"
settled = led["open"] == 0
status[settled & (net_deducted > 0)] = "paid-with-deductions"
status[settled & (net_deducted <= 0)] = "paid"
led["status"] = status
inv_day = (pd.to_datetime(led["invoice_date"]) - pd.Timestamp("1970-01-01")).dt.days
due_day = (pd.to_datetime(led["due_date"], errors="coerce") - pd.Timestamp("1970-01-01")).dt.days
due = due_day.fillna(inv_day + led["net_days"])
late = led["status"].isin(["unpaid", "partially-paid"]) & (as_of > due)
led["daysPastDue"] = (as_of - due).where(late).astype("Int64")
led[["id", "invoice_number", "marketplace", "currency", "total_micro", "discount", "paid_all", "open",
     "status", "daysPastDue"]].to_json(out, orient="records")
