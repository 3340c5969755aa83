#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""callgrind_reads.py: the server's instructions per read request, exactly (the figure to
trust on a noisy machine, where wrk's requests/s swing by half): `renkei serve` under
`valgrind --tool=callgrind`, every envelope of common.py's real data posted, then for each
request of serve.sh (a page of 100 objects, the manifest page of 100, one object by id):
5 warm-up GETs, counters zeroed, N GETs on one keep-alive connection, a dump; prints the
instructions per request.

Usage: bench/callgrind_reads.py [RENKEI_BIN] [--requests 20] [--out DIR]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import common


def dump_ir(out, pid, tag):
    """callgrind_control -d, then the total of the dump it wrote."""
    subprocess.run(["callgrind_control", "-d", tag, str(pid)], check=True,
                   capture_output=True)
    best = None
    for name in glob.glob(os.path.join(out, "cg.%d.*" % pid)):
        with open(name) as f:
            head = f.read(4096)
        if ("\ndesc: Trigger: dump %s\n" % tag) not in head:
            continue
        with open(name) as f:
            for line in f:
                # summary: the event count since the zeroing; totals: the sum of the cost
                # lines, which also charges calls in progress at the zeroing (the event
                # loop's): larger, and not what the requests cost.
                if line.startswith("summary:"):
                    best = int(line.split()[1])
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", nargs="?",
                    default=os.path.join(common.ROOT, "build", "src", "cli", "renkei"))
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--out", help="folder for the wrapper and the callgrind dumps")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    out = os.path.abspath(args.out or tempfile.mkdtemp(prefix="renkei-cgr-"))
    common.callgrind_serve(binary, out)

    objs = common.real_objects()
    oid = next(o["id"] for o in objs if o.get("type") == "indicator")
    bodies = common.envelopes(objs, 1000)
    hub, info = common.new_hub("bench-callgrind-reads")
    base = "/hub/collections/%s" % info["collection"]
    paths = [("page of 100 objects", base + "/objects/?limit=100"),
             ("manifest page of 100", base + "/manifest/?limit=100"),
             ("one object by id", base + "/objects/%s/" % oid)]
    try:
        hub.start(timeout=300)
        pid = hub.proc.pid
        common.post_all(hub, info, bodies, 1)
        for i, (name, path) in enumerate(paths):
            common.timed_get(hub, path, info["reader"], 4)
            subprocess.run(["callgrind_control", "-z", str(pid)], check=True,
                           capture_output=True)
            _, (status, count) = common.timed_get(hub, path, info["reader"],
                                                  args.requests - 1)
            ir = dump_ir(out, pid, "r%d" % i)
            if ir is None or status != 200:
                print("# %s: no dump or status %s" % (name, status), file=sys.stderr)
                return 1
            print(json.dumps({"request": name, "objects": count,
                              "instructions_per_request": round(ir / args.requests)}),
                  flush=True)
        hub.stop()
    finally:
        hub.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
