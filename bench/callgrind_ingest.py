#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""callgrind_ingest.py: ingest's instructions per object, exactly (the figure to trust on a
noisy machine): `renkei serve` under `valgrind --tool=callgrind`, counters zeroed once it
answered /healthz, every envelope of common.py's real data (67 envelopes, 66,188 objects)
over one connection, each waited for until its status is complete, then a dump; prints the
server's total instructions over the objects posted.

With --no-index the server runs without the observable index (RENKEI_NO_OBSERVABLE_INDEX=1,
for benchmarks only): the difference of the two figures is what the index costs per object.

Usage: bench/callgrind_ingest.py [RENKEI_BIN] [--out DIR] [--no-index]
The dump stays in DIR (default: a temporary folder) for callgrind_annotate.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import common


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", nargs="?",
                    default=os.path.join(common.ROOT, "build", "src", "cli", "renkei"))
    ap.add_argument("--out", help="folder for the wrapper and the callgrind dumps")
    ap.add_argument("--no-index", action="store_true",
                    help="run the server without the observable index")
    args = ap.parse_args()
    if args.no_index:
        os.environ["RENKEI_NO_OBSERVABLE_INDEX"] = "1"
    binary = os.path.abspath(args.binary)
    out = os.path.abspath(args.out or tempfile.mkdtemp(prefix="renkei-cg-"))
    common.callgrind_serve(binary, out)

    bodies = common.envelopes(common.real_objects(), 1000)
    hub, info = common.new_hub("bench-callgrind")
    try:
        hub.start(timeout=300)
        pid = hub.proc.pid
        subprocess.run(["callgrind_control", "-z", str(pid)], check=True, capture_output=True)
        tot = common.post_all(hub, info, bodies, 1)
        subprocess.run(["callgrind_control", "-d", "ingest", str(pid)], check=True,
                       capture_output=True)
        hub.stop()
    finally:
        hub.cleanup()
    ir = None
    for name in glob.glob(os.path.join(out, "cg.%d.*" % pid)):
        with open(name) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    ir = int(line.split()[1])
    if ir is None or tot["errors"]:
        print("# no dump, or envelopes refused: %r" % (tot["errors"][:3],), file=sys.stderr)
        return 1
    print("ingest under callgrind: %d objects (%d ok, %d failed), %d instructions, "
          "%.0f per object; dump in %s" % (tot["objects"], tot["successes"], tot["failures"],
                                           ir, ir / tot["objects"], out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
