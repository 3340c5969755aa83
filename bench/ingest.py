#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ingest.py: how fast a fresh, durable hub (the default store: SQLite WAL, synced before
each answer) takes real data. Posts every object of ../shared/data/feeds2stix/**/*.json and
of all ATT&CK ICS releases in envelopes of 1000 pre-serialised objects over 1, 2 and 4
concurrent keep-alive connections (a fresh hub for each), waiting for each envelope's status
to be complete; prints objects/s, MB/s, the server's CPU time (user + system, from /proc)
and its memory at the end.

Each connection count runs --repeat times (3), each on a fresh hub, and the row is the
median run, followed by every run's figure: this virtual machine's speed varies by a fifth
from one minute to the next. "wrote" is the server's written bytes (wchar, /proc/PID/io).

With --index both, each connection count runs --repeat times with the observable index and
as many without it (RENKEI_NO_OBSERVABLE_INDEX=1 in the server's environment: benchmarks only),
alternating, and prints both rows and the ratio of their medians; --index off runs without it.

Usage: bench/ingest.py [--conns 1,2,4] [--envelope 1000] [--repeat 3] [--perf FILE]
                       [--index on|off|both]
With --perf, `perf record --call-graph=dwarf` samples the server during the first run of each
connection count (FILE.<conns>); read it with `perf report -i FILE.<conns> --no-children`.
"""
import argparse
import os
import signal
import subprocess
import sys

import common


def run_once(bodies, conns, perf_file):
    """One fresh hub, every envelope over conns connections; returns the figures."""
    hub, info = common.new_hub("bench-ingest")
    try:
        hub.start()
        perf = None
        if perf_file:
            perf = subprocess.Popen(["perf", "record", "--call-graph=dwarf", "-F", "499", "-q",
                                     "-o", perf_file, "-p", str(hub.proc.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu0 = common.proc_cpu(hub.proc.pid)
        w0 = common.proc_wchar(hub.proc.pid)
        tot = common.post_all(hub, info, bodies, conns)
        tot["cpu"] = common.proc_cpu(hub.proc.pid) - cpu0
        tot["wchar"] = common.proc_wchar(hub.proc.pid) - w0
        if perf is not None:
            perf.send_signal(signal.SIGINT)
            perf.wait()
        tot["rss"], tot["hwm"] = common.proc_mem(hub.proc.pid)
        if tot["errors"]:
            print("# %d envelopes answered with errors, first: %r"
                  % (len(tot["errors"]), tot["errors"][0]), file=sys.stderr)
        if tot["fail_sample"]:
            print("# sample object failures: %r" % tot["fail_sample"][:3], file=sys.stderr)
        hub.stop()
        return tot
    finally:
        hub.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--conns", default="1,2,4", help="comma-separated connection counts")
    ap.add_argument("--envelope", type=int, default=1000, help="objects per envelope")
    ap.add_argument("--repeat", type=int, default=3,
                    help="fresh hubs per connection count; the row is the median run")
    ap.add_argument("--perf", metavar="FILE", help="record a perf profile of the server")
    ap.add_argument("--index", choices=("on", "off", "both"), default="on",
                    help="with the observable index, without it, or both alternately")
    args = ap.parse_args()

    objs = common.real_objects()
    bodies = common.envelopes(objs, args.envelope)
    mb = sum(len(b) for b, _ in bodies) / 1e6
    print("# ingest: %d objects in %d envelopes, %.1f MB of JSON; the median of %d runs"
          % (len(objs), len(bodies), mb, args.repeat), flush=True)
    modes = {"on": [True], "off": [False], "both": [True, False]}[args.index]
    for conns in [int(c) for c in args.conns.split(",")]:
        runs = {m: [] for m in modes}
        for i in range(max(1, args.repeat)):
            for m in modes:
                first = i == 0 and m == modes[0]
                perf_file = "%s.%d" % (args.perf, conns) if args.perf and first else None
                set_index(m)
                runs[m].append(run_once(bodies, conns, perf_file))
        set_index(True)
        medians = {m: report(conns, runs[m], m, len(modes) > 1) for m in modes}
        if len(modes) > 1:
            common.row("observable index, %d conn" % conns,
                       "with / without: %.3f" % (medians[True] / medians[False]))
    return 0


def set_index(on):
    """The observable index on or off in the environment the next server inherits."""
    if on:
        os.environ.pop("RENKEI_NO_OBSERVABLE_INDEX", None)
    else:
        os.environ["RENKEI_NO_OBSERVABLE_INDEX"] = "1"


def report(conns, runs, index_on, name_index):
    """Prints the row of the median run; returns its objects/s."""
    rates = [t["objects"] / t["seconds"] for t in runs]
    order = sorted(range(len(runs)), key=lambda k: rates[k])
    tot = runs[order[len(order) // 2]]
    secs = tot["seconds"]
    label = "ingest real data, %d conn" % conns
    if name_index:
        label += ", index %s" % ("on" if index_on else "off")
    common.row(label,
               "%.0f objects/s" % (tot["objects"] / secs),
               "%.1f MB/s" % (tot["bytes"] / 1e6 / secs),
               "%.1f s, %d ok, %d failed" % (secs, tot["successes"], tot["failures"]),
               "server CPU %.2f s (%.1f us/object)" % (tot["cpu"],
                                                     tot["cpu"] / tot["objects"] * 1e6),
               "wrote %.0f MB" % (tot["wchar"] / 1e6),
               "RSS %.0f MiB (peak %.0f)" % (tot["rss"], tot["hwm"]),
               "runs: %s objects/s" % " / ".join("%.0f" % r for r in rates))
    return tot["objects"] / secs


if __name__ == "__main__":
    sys.exit(main())
