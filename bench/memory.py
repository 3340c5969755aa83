#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""memory.py: a million small objects. Generates N (default 1,000,000) synthetic, valid STIX
2.1 indicators with STIX patterns, posts them in envelopes of 1000 over 4 connections, then
reports the server's memory (VmRSS and VmHWM from /proc/PID/status), the database size, and
the latency of a page of 100 at the end of the collection (added_after near the end) next to
the first page, to show that paging stays fast at a million.

Usage: bench/memory.py [--count 1000000] [--conns 4]
"""
import argparse
import sys
import time
import uuid

import common

TEMPLATE = ('{"type":"indicator","spec_version":"2.1","id":"indicator--%s",'
            '"created":"2024-03-01T00:00:00.000Z","modified":"2024-03-01T00:00:00.000Z",'
            '"name":"synthetic %d","pattern_type":"stix",'
            '"pattern":"[ipv4-addr:value = \'%d.%d.%d.%d\']",'
            '"valid_from":"2024-03-01T00:00:00Z","labels":["malicious-activity"]}')


def synthetic(count, size=1000):
    """[(envelope bytes, n)] of count indicators, built from a string template (fast)."""
    out = []
    for start in range(0, count, size):
        n = min(size, count - start)
        parts = []
        for i in range(start, start + n):
            parts.append(TEMPLATE % (uuid.uuid4(), i, 10 + (i >> 24) % 200, (i >> 16) & 255,
                                     (i >> 8) & 255, i & 255))
        out.append((('{"objects":[' + ",".join(parts) + "]}").encode(), n))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--conns", type=int, default=4)
    args = ap.parse_args()

    t0 = time.monotonic()
    bodies = synthetic(args.count)
    print("# memory: generated %d indicators (%.0f MB) in %.1f s"
          % (args.count, sum(len(b) for b, _ in bodies) / 1e6, time.monotonic() - t0), flush=True)
    hub, info = common.new_hub("bench-memory")
    try:
        hub.start()
        base_rss, _ = common.proc_mem(hub.proc.pid)
        tot, marker = common.load_with_marker(hub, info, bodies, args.conns)
        rss, hwm = common.proc_mem(hub.proc.pid)
        secs = tot["seconds"]
        common.row("memory: post %d synthetic indicators" % args.count,
                   "%.0f objects/s" % (tot["objects"] / secs),
                   "%.1f s, %d ok, %d failed, %d errors"
                   % (secs, tot["successes"], tot["failures"], len(tot["errors"])))
        common.row("memory: server after loading",
                   "VmRSS %.0f MiB" % rss, "VmHWM %.0f MiB" % hwm,
                   "idle RSS before %.0f MiB" % base_rss,
                   "database %.0f MB" % (common.db_size(hub) / 1e6))
        objs = "/hub/collections/%s/objects/" % info["collection"]
        for label, q in (("first page of 100", "?limit=100"),
                         ("page of 100 at the end (added_after)",
                          "?limit=100&added_after=" + marker)):
            lat, (status, count) = common.timed_get(hub, objs + q, info["reader"])
            common.row("memory: %s" % label, "HTTP %s, %d objects" % (status, count),
                       "p50 %.2f ms" % lat[len(lat) // 2], "max %.2f ms" % lat[-1])
        if tot["errors"]:
            print("# first error: %r" % (tot["errors"][0],), file=sys.stderr)
        hub.stop()
    finally:
        hub.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
