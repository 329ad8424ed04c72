#!/usr/bin/env python3
"""Writes a git fast-import stream of C commits onto refs/heads/main of WORKSPACE: commit c changes
the workflow assignee of one of the bench invoice records (round robin), as a team member would.

usage: gen_history.py WORKSPACE C [--start S]   (commit numbers S … S+C-1; pipe into git fast-import)
"""
import os, re, subprocess, sys

ws, count = sys.argv[1], int(sys.argv[2])
start = int(sys.argv[sys.argv.index("--start") + 1]) if "--start" in sys.argv else 0
paths = subprocess.run(["git", "-C", ws, "ls-files", "records"], capture_output=True, text=True,
                       check=True).stdout.split()
base = {p: open(os.path.join(ws, p), "rb").read() for p in paths}
out = sys.stdout.buffer
out.write(b"reset refs/heads/main\nfrom refs/heads/main^0\n\n")
for c in range(start, start + count):
    path = paths[c % len(paths)]
    email = "ops-%d@example.com" % (c % 7)
    body = re.sub(rb'"assignee": "[^"]*"', b'"assignee": "bench-%d@example.com"' % c, base[path])
    base[path] = body
    message = b"assign %s\n" % path.encode()
    when = 1_790_000_000 + c * 60
    out.write(b"commit refs/heads/main\n")
    out.write(b"author Ops %d <%s> %d +0000\n" % (c % 7, email.encode(), when))
    out.write(b"committer Ops %d <%s> %d +0000\n" % (c % 7, email.encode(), when))
    out.write(b"data %d\n%s" % (len(message), message))
    out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(body), body))
