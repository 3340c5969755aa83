#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""serve_load.py: helper of serve.sh. Starts a fresh hub, loads the real data of ingest.py
(4 connections) and then 1000 synthetic indicators, prints one JSON line {"url", "reader", "collection", "oid", "marker",
"pid", "objects"} and keeps the hub serving until its standard input is closed.
"""
import json
import sys
import time

import common
import memory


def main():
    objs = common.real_objects()
    bodies = common.envelopes(objs, 1000)
    hub, info = common.new_hub("bench-serve")
    try:
        hub.start()
        # The real data ends with old ATT&CK releases whose versions are not the latest, so
        # the end of the collection gets 1000 fresh indicators after the marker: the deep
        # page then really carries 100 objects.
        tot = common.post_all(hub, info, bodies, 4)
        time.sleep(0.01)
        marker = common.rfc3339_now()
        common.post_all(hub, info, memory.synthetic(1000), 1)
        oid = objs[len(objs) // 2]["id"]
        print(json.dumps({"url": hub.url(""), "reader": info["reader"],
                          "collection": info["collection"], "oid": oid, "marker": marker,
                          "pid": hub.proc.pid, "objects": tot["successes"]}), flush=True)
        sys.stdin.read()  # serve until serve.sh closes our stdin
        hub.stop()
    finally:
        hub.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
