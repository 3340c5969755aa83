#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""correlate.py: how fast the correlation worker catches up with what was ingested.

Three organisations of three sectors each post the same N domains (GREEN indicators, in
envelopes of 500, one connection each) plus N unrelated domains each; then the clock measures
how long the worker (pass interval 200 ms) takes until its cursor reaches the last index row,
and how many groupings it wrote. Figures, never pass or fail.

  bench/correlate.py [--domains N]    (default 2000)
"""
import argparse
import json
import os
import sqlite3
import time
import uuid

import common

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def indicator(domain):
    return {"type": "indicator", "spec_version": "2.1", "id": "indicator--%s" % uuid.uuid4(),
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "pattern_type": "stix", "pattern": "[domain-name:value = '%s']" % domain,
            "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": [GREEN]}


def progress(hub):
    db = sqlite3.connect("file:%s/renkei.db?mode=ro" % hub.data, uri=True, timeout=10)
    try:
        (top,) = db.execute("SELECT coalesce(max(seq), 0) FROM observables").fetchone()
        row = db.execute("SELECT value FROM settings WHERE key = 'analyze.correlation_cursor'"
                         ).fetchone()
        (groupings,) = db.execute("SELECT count(*) FROM objects WHERE type = 'grouping'"
                                  ).fetchone()
        return top, int(row[0]) if row else 0, groupings
    finally:
        db.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--domains", type=int, default=2000)
    args = ap.parse_args()
    hub, info = common.new_hub("bench-correlate")
    shared = ["c%d-%s.example.jp" % (i, uuid.uuid4().hex[:8]) for i in range(args.domains)]
    tokens = []
    for name, sector in (("b-power", "electric-power"), ("b-bank", "finance"),
                         ("b-rail", "railways")):
        hub.org_add(name, sector)
        tokens.append(hub.token_create(name, "contributor"))
    os.environ["RENKEI_CORRELATE_INTERVAL_MS"] = "200"
    try:
        hub.start()
        os.environ.pop("RENKEI_CORRELATE_INTERVAL_MS", None)
        total, t_ingest = 0, 0.0
        for tok in tokens:
            objs = [indicator(d) for d in shared]
            objs += [indicator("u%d-%s.example.jp" % (i, uuid.uuid4().hex[:8]))
                     for i in range(args.domains)]
            res = common.post_all(hub, dict(info, contrib=tok), common.envelopes(objs, 500), 1)
            total += res["successes"]
            t_ingest += res["seconds"]
        t0 = time.monotonic()
        while True:
            top, cursor, groupings = progress(hub)
            if cursor >= top:
                break
            time.sleep(0.05)
        lag = time.monotonic() - t0
        print(json.dumps({"indicators": total, "ingest_s": round(t_ingest, 2),
                          "index_rows": top, "groupings": groupings,
                          "catch_up_after_ingest_s": round(lag, 2),
                          "worker_rows_per_s_upper_bound": round(top / max(lag, 1e-3))
                          if lag > 0.3 else None}))
    finally:
        hub.stop()
        hub.cleanup()


if __name__ == "__main__":
    main()
