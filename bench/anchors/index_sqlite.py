#!/usr/bin/env python3
"""Anchor for `acorn index --rebuild`: Python + orjson loading the same record files into SQLite —
the same tables and indexes (DDL copied from an index Acorn built), one row per record, one row per
document line, the record's JSON kept, money as text, minor units and millionths (exact integers).

usage: index_sqlite.py WORKSPACE OUT.sqlite DDL.sql
"""
import os, sqlite3, sys

import orjson

ws, out, ddl = sys.argv[1], sys.argv[2], sys.argv[3]
if os.path.exists(out):
    os.remove(out)
db = sqlite3.connect(out)
db.execute("PRAGMA journal_mode=OFF")
db.execute("PRAGMA synchronous=OFF")
db.executescript(open(ddl).read())


def money(m, minor_digits=2):
    """(text, minor, micro) of {"amount", "currency"}, exactly (integers, never floats)."""
    if not isinstance(m, dict) or "amount" not in m:
        return (None, None, None)
    text = str(m["amount"])
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    micro = int(whole) * 1_000_000 + int((frac + "000000")[:6])
    minor = micro // 10 ** (6 - minor_digits) if micro % 10 ** (6 - minor_digits) == 0 else None
    if neg:
        micro, minor = -micro, (-minor if minor is not None else None)
    return (text, minor, micro)


def cur(*ms):
    for m in ms:
        if isinstance(m, dict) and m.get("currency"):
            return m["currency"]
    return None


def qty(q):
    return q.get("amount") if isinstance(q, dict) else q


def header(kind, path, r, s, w):
    rid, mkt = r["id"], r.get("marketplace")
    if kind == "purchase-order":
        return "purchase_orders", (path, rid, mkt, s.get("purchaseOrderNumber"), s.get("purchaseOrderState"),
                                   s.get("purchaseOrderStatus"), s.get("purchaseOrderType"), s.get("purchaseOrderDate"),
                                   (s.get("sellingParty") or {}).get("partyId"), (s.get("shipToParty") or {}).get("partyId"),
                                   w.get("assignee"))
    if kind == "shipment":
        return "shipments", (path, rid, mkt, s.get("shipmentIdentifier"), s.get("shipmentConfirmationType"),
                             s.get("shipmentDate"), s.get("amazonReferenceNumber"), (s.get("shipToParty") or {}).get("partyId"))
    if kind == "invoice":
        t, tax = s.get("totalAmount"), s.get("taxTotal")
        return "invoices", (path, rid, mkt, s.get("invoiceNumber"), s.get("invoiceDate"), s.get("invoiceStatus"),
                            s.get("dueDate"), (s.get("paymentTerms") or {}).get("netDays"), cur(t), w.get("assignee"),
                            *money(t), *money(tax))
    if kind == "remittance":
        a = s.get("paymentAmount")
        return "remittances", (path, rid, mkt, s.get("uniquePaymentId"), s.get("paymentNumber"), s.get("paymentDate"),
                               s.get("remittanceStatus"), s.get("exchangeRate"), cur(a), *money(a))
    if kind == "return":
        rq, ap = s.get("totalRequestedRefund"), s.get("totalApprovedRefund")
        return "returns", (path, rid, mkt, s.get("returnId"), s.get("returnAuthorizationId"), s.get("noticeDate"),
                           s.get("status"), w.get("state"), w.get("assignee"), cur(rq, ap), *money(rq), *money(ap))
    if kind == "credit-note":
        t = s.get("totalAmount")
        return "credit_notes", (path, rid, mkt, s.get("creditNoteNumber"), s.get("noteType"), s.get("reason"),
                                s.get("issueDate"), s.get("referenceInvoiceNumber"), s.get("returnsReferenceNumber"),
                                s.get("debitNoteNumber"), w.get("state"), cur(t), *money(t))
    if kind == "deduction":
        a = s.get("amount")
        return "deductions", (path, rid, mkt, s.get("deductionNumber"), s.get("deductionType"), s.get("deductionDate"),
                              s.get("baseInvoiceNumber"), s.get("agreementId"), s.get("uniquePaymentId"), w.get("state"),
                              len(w.get("disputes") or []), w.get("assignee"), cur(a), *money(a))
    return None, None


def lines(kind, path, s):
    out = []
    for i, l in enumerate(s.get("lines") or []):
        if kind == "purchase-order":
            q = l.get("quantities") or {}
            n, a = l.get("netCost"), l.get("acknowledgedNetCost")
            out.append(("po_lines", (path, s.get("purchaseOrderNumber"), l.get("itemSequenceNumber"),
                                     l.get("amazonProductIdentifier"), l.get("vendorProductIdentifier"),
                                     qty(l.get("orderedQuantity")), q.get("cancelled"), q.get("accepted"),
                                     q.get("backordered"), q.get("rejected"), q.get("shipped"), q.get("received"),
                                     q.get("invoiced"), cur(n, a), *money(n), *money(a))))
        elif kind == "shipment":
            out.append(("shipment_lines", (path, s.get("shipmentIdentifier"), l.get("itemSequenceNumber"),
                                           l.get("purchaseOrderNumber"), l.get("amazonProductIdentifier"),
                                           l.get("shippedEaches"))))
        elif kind == "invoice":
            n = l.get("netCost")
            out.append(("invoice_lines", (path, s.get("invoiceNumber"), l.get("itemSequenceNumber"),
                                          l.get("purchaseOrderNumber"), l.get("amazonProductIdentifier"),
                                          l.get("invoicedEaches"), cur(n), *money(n))))
        elif kind == "remittance":
            a, d, p = l.get("invoiceAmount"), l.get("discountTaken"), l.get("amountPaid")
            out.append(("remittance_lines", (path, s.get("uniquePaymentId"), l.get("lineNumber", i + 1),
                                             l.get("invoiceNumber"), l.get("baseInvoiceNumber"), l.get("classification"),
                                             l.get("invoiceDate"), cur(a, p), *money(a), *money(d), *money(p))))
        elif kind == "return":
            rq, ap = l.get("requestedRefund"), l.get("approvedRefund")
            out.append(("return_lines", (path, s.get("returnId"), l.get("lineNumber", i + 1),
                                         l.get("amazonProductIdentifier"), l.get("purchaseOrderNumber"),
                                         l.get("requestedQuantity"), l.get("approvedQuantity"), cur(rq, ap),
                                         *money(rq), *money(ap))))
    return out


def links(kind, path, s, w):
    out = [(path, kind, "purchaseOrderNumber", n) for n in s.get("purchaseOrderNumbers") or []]
    for field in ("returnIds", "invoiceIds", "paymentIds"):
        out += [(path, kind, field, v) for v in w.get(field) or []]
    return out


statements = {}
def insert(table, row):
    sql = statements.get(table)
    if sql is None:
        sql = statements[table] = f"INSERT INTO {table} VALUES ({','.join('?' * len(row))})"
    db.execute(sql, row)


with db:
    for dirpath, _, files in os.walk(os.path.join(ws, "records")):
        for name in files:
            if not name.endswith(".json"):
                continue
            full = os.path.join(dirpath, name)
            path = os.path.relpath(full, ws)
            raw = open(full, "rb").read()
            r = orjson.loads(raw)
            kind, s, w = r.get("kind"), r.get("source") or {}, r.get("workflow") or {}
            parts = path.split("/")
            insert("records", (path, r["id"], kind, r.get("marketplace"), parts[3] if len(parts) > 4 else None,
                               name[:-5], w.get("state"), 0, raw.decode(), None, None))
            table, row = header(kind, path, r, s, w)
            if table:
                insert(table, row)
            for table, row in lines(kind, path, s):
                insert(table, row)
            for row in links(kind, path, s, w):
                insert("links", row)
db.close()
