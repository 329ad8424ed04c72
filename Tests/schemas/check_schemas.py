#!/usr/bin/env python3
"""Checks Acorn's JSON Schemas with an independent validator (PyPI `jsonschema`).

1. Every schema in workspace-template/schemas is a valid draft 2020-12 schema
   (Draft202012Validator.check_schema).
2. Every record under Tests/Fixtures/records (and under any folder given as an argument, e.g. a
   workspace's records/) validates against the schema of its kind, with cross-file $refs resolved.
3. The template's YAML settings and rules validate against their schemas.
4. Mutated records are rejected, so this check cannot pass vacuously.
Prints 'N passed, N failed' and exits 1 on any failure.
"""
import copy, json, os, sys

try:
    import yaml
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
except ImportError as e:
    sys.exit("missing Python package (%s): python3 -m pip install jsonschema pyyaml" % e)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMAS = os.path.join(ROOT, "workspace-template", "schemas")
passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


schemas = {}
for name in sorted(os.listdir(SCHEMAS)):
    if name.endswith(".schema.json"):
        with open(os.path.join(SCHEMAS, name), encoding="utf-8") as f:
            schemas[name] = json.load(f)
check(len(schemas) == 16, "16 schemas (8 record kinds, common, 7 settings files), found %d" % len(schemas))

for name, schema in schemas.items():
    try:
        Draft202012Validator.check_schema(schema)
        check(schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema", name + " declares draft 2020-12")
        check(True, name)
    except Exception as e:  # noqa: BLE001
        check(False, "%s is not a valid 2020-12 schema: %s" % (name, e))

registry = Registry().with_resources(
    [(s["$id"], Resource.from_contents(s)) for s in schemas.values()]
)


def validator(name):
    return Draft202012Validator(schemas[name], registry=registry)


def errors(name, instance):
    return sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))


def record_files(folder):
    for d, _, names in os.walk(folder):
        for n in sorted(names):
            if n.endswith(".json"):
                yield os.path.join(d, n)


folders = [os.path.join(ROOT, "Tests", "Fixtures", "records")] + sys.argv[1:]
kinds_seen = set()
for folder in folders:
    for path in record_files(folder):
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
        kind = record.get("kind")
        kinds_seen.add(kind)
        errs = errors("%s.schema.json" % kind, record)
        check(not errs, "%s: %s" % (os.path.relpath(path, ROOT), "; ".join(e.message for e in errs[:3])))
check(kinds_seen >= {"purchase-order", "shipment", "invoice", "remittance", "return", "credit-note", "deduction"},
      "records of every kind were checked, saw %s" % sorted(k for k in kinds_seen if k))

# Mutations the schemas must reject.
fixture = os.path.join(ROOT, "Tests", "Fixtures", "records", "US", "invoice", "2019-08", "INV-US-INV-2019-0815.json")
with open(fixture, encoding="utf-8") as f:
    invoice = json.load(f)
for mutate, what in [
    (lambda r: r["source"]["totalAmount"].update(amount=5579.88), "amount as a JSON number"),
    (lambda r: r["source"]["totalAmount"].update(amount="5,579.88"), "amount with a comma"),
    (lambda r: r["source"].pop("invoiceNumber"), "missing invoiceNumber"),
    (lambda r: r.update(marketplace="XX"), "unknown marketplace"),
    (lambda r: r["source"]["lines"][0].update(invoicedEaches=-1), "negative quantity"),
    (lambda r: r.update(extra=True), "unknown top-level field"),
    (lambda r: r.update(kind="shipment"), "wrong kind const"),
    (lambda r: r["source"].update(invoiceDate="2019-13-01"), "a month that does not exist"),
]:
    bad = copy.deepcopy(invoice)
    mutate(bad)
    check(bool(errors("invoice.schema.json", bad)), "schema accepts a record with " + what)

# Settings and rules.
for rel, schema in [("acorn.yaml", "acorn.schema.json"), ("team.yaml", "team.schema.json"),
                    ("rules/lifecycles.yaml", "lifecycles.schema.json"), ("rules/deadlines.yaml", "deadlines.schema.json"),
                    ("rules/accounts.yaml", "accounts.schema.json"), ("rules/reconcile.yaml", "reconcile.schema.json"),
                    ("rules/alerts.yaml", "alerts.schema.json")]:
    with open(os.path.join(ROOT, "workspace-template", rel), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    # PyYAML reads unquoted dates as datetime.date; Acorn reads YAML scalars as text.
    doc = json.loads(json.dumps(doc, default=str))
    errs = errors(schema, doc)
    check(not errs, "%s: %s" % (rel, "; ".join(e.message for e in errs[:3])))

print("schemas: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
