#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""serve_load.py: helper of serve.sh. Starts a fresh hub, loads the real data of ingest.py
(4 connections), prints one JSON line {"url", "reader", "collection", "oid", "marker",
"pid", "objects"} and keeps the hub serving until its standard input is closed.
"""
import json
import sys

import common


def main():
    objs = common.real_objects()
    bodies = common.envelopes(objs, 1000)
    hub, info = common.new_hub("bench-serve")
    try:
        hub.start()
        tot, marker = common.load_with_marker(hub, info, bodies, 4)
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
