#!/usr/bin/env python3
"""Anchor for `acorn validate`: Python `jsonschema` (Draft 2020-12) validating every record file of a
workspace against the workspace's own schemas (schemas/<kind>.schema.json, their $refs resolved
through a `referencing` registry of every schema in the folder). Prints the count of files and
of invalid ones.

usage: validate_jsonschema.py WORKSPACE
"""
import json, os, sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ws = sys.argv[1]
schemas = {}
for name in os.listdir(os.path.join(ws, "schemas")):
    if name.endswith(".schema.json"):
        schemas[name] = json.load(open(os.path.join(ws, "schemas", name)))
registry = Registry().with_resources(
    [(s.get("$id", name), Resource.from_contents(s)) for name, s in schemas.items()]
    + [(name, Resource.from_contents(s)) for name, s in schemas.items()])
validators = {}
files = invalid = 0
for dirpath, _, names in os.walk(os.path.join(ws, "records")):
    for name in names:
        if not name.endswith(".json"):
            continue
        record = json.load(open(os.path.join(dirpath, name), encoding="utf-8"))
        kind = record.get("kind")
        v = validators.get(kind)
        if v is None:
            v = validators[kind] = Draft202012Validator(schemas[f"{kind}.schema.json"], registry=registry)
        files += 1
        if any(True for _ in v.iter_errors(record)):
            invalid += 1
print(f"{files} files, {invalid} invalid")
