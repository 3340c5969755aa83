#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/alert_match_e2e.py: the alert matcher in the server, whole: scan, filters, watchlist
index, the access check of every concerned organisation (policy_version_readers) and the
transactions that append the events and move the cursor. 1,000 subscriptions and 10,000
watchlist entries across 100 organisations (written as records into the store, as the
configuration routes would), over the abuse.ch feeds of ../shared/data/feeds2stix.

1. the feeds are posted with alerting off (RENKEI_NO_ALERTS=1: nothing is matched, the cursor
   stays), into a collection every member reads;
2. the server is restarted with alerting on: the matcher works the backlog off; the figure is
   versions matched per second from the start until the cursor reaches the last version, and
   the server's resident set before and after.

    python3 bench/alert_match_e2e.py       (RENKEI_BIN as the tests; run from the repo root)
Figures, not pass/fail.
"""
import json
import os
import sqlite3
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))
sys.path.insert(0, HERE)

import common  # noqa: E402
from harness import Hub  # noqa: E402

FEEDS = os.path.join(HERE, "..", "..", "shared", "data", "feeds2stix",
                     "at-df8998db9cdacf813a5334fbbcf5818d084508a3", "bundles", "abuse_ch")
SECTORS = ["electric-power", "gas", "railways", "finance", "medical", "water",
           "information-communication", "aviation", "logistics", "government"]


def feed_objects():
    objs = []
    for sub in ("sslblacklist", "sslipblacklist_aggressive"):
        d = os.path.join(FEEDS, sub)
        for f in sorted(os.listdir(d)):
            with open(os.path.join(d, f)) as fh:
                objs += json.load(fh).get("objects", [])
    return objs


def configure(hub, org_ids, objs):
    """10 subscriptions and 100 watchlist entries per organisation, as records."""
    ips = [o["value"] for o in objs if o["type"] == "ipv4-addr"]
    hashes = [o["hashes"]["SHA-1"] for o in objs if o["type"] == "file" and "SHA-1" in
              o.get("hashes", {})]
    db = sqlite3.connect(os.path.join(hub.data, "renkei.db"), timeout=30)
    now = int(time.time() * 1e6)
    rows = []
    for n, oid in enumerate(org_ids):
        entries = []
        for k in range(100):
            if k < 30:
                entries.append(ips[(n * 100 + k) * 7919 % len(ips)])
            elif k < 40:
                a = ips[(n * 100 + k) * 104729 % len(ips)].split(".")
                entries.append("%s.%s.%s.0/24" % (a[0], a[1], a[2]))
            elif k < 50:
                entries.append(hashes[(n * 100 + k) * 31 % len(hashes)])
            elif k < 80:
                entries.append("site%d.org%d.example.jp" % (k, n))
            elif k < 90:
                entries.append("AS%d" % (64500 + n * 10 + k))
            else:
                entries.append("product:Product %d-%d" % (n, k))
        for e in entries:
            rid = str(uuid.uuid4())
            rows.append(("alert-watch", rid, oid, json.dumps({"id": rid, "entry": e}), now, now))
        filters = [{"watchlist": True},
                   {"types": ["indicator"], "tlp": ["green", "amber"], "watchlist": True},
                   {"labels": ["scada"]}, {"techniques": ["T1566", "T0817"]},
                   {"types": ["incident"], "sectors": [SECTORS[n % 10]], "severity_min": 3},
                   {"pattern": "[ipv4-addr:value ISSUBSET '%d.%d.0.0/16']" % (10 + n, n)},
                   {"pattern": "[file:hashes.'SHA-1' = '%s']" % hashes[n * 13 % len(hashes)]},
                   {"collections": ["isac-%d" % n]}, {"correlations": True},
                   {} if n % 10 == 0 else {"labels": ["x-none"]}]
        for f in filters:
            rid = str(uuid.uuid4())
            rows.append(("alert-subscription", rid, oid, json.dumps({"id": rid, "filter": f}),
                         now, now))
    db.executemany("INSERT INTO records(kind, id, org_id, json, created, updated) "
                   "VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def cursor_and_last(hub):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(hub.data, "renkei.db"), uri=True,
                         timeout=30)
    try:
        cur = db.execute("SELECT value FROM settings WHERE key = 'alert.match_cursor'").fetchone()
        last = db.execute("SELECT max(date_added) FROM objects").fetchone()[0]
        n = db.execute("SELECT count(*) FROM events").fetchone()[0]
        return (int(cur[0]) if cur else -1), last, n
    finally:
        db.close()


def main():
    hub, info = common.new_hub("alert-match-bench")
    try:
        org_ids = [hub.org_add("org-%03d" % i, SECTORS[i % 10])["id"] for i in range(100)]
        objs = feed_objects()
        configure(hub, org_ids, objs)
        os.environ["RENKEI_NO_ALERTS"] = "1"
        hub.start()
        os.environ.pop("RENKEI_NO_ALERTS")
        tot = common.post_all(hub, info, common.envelopes(objs), 2)
        print("posted %d objects (%d stored) in %.1f s, alerting off"
              % (tot["objects"], tot["successes"], tot["seconds"]))
        hub.stop()
        os.environ["RENKEI_ALERT_INTERVAL_MS"] = "100"
        t0 = time.monotonic()
        hub.start()
        os.environ.pop("RENKEI_ALERT_INTERVAL_MS")
        rss0, _ = common.proc_mem(hub.proc.pid)
        cpu0 = common.proc_cpu(hub.proc.pid)
        while True:
            cur, last, n_events = cursor_and_last(hub)
            if cur >= last:
                break
            time.sleep(0.05)
        secs = time.monotonic() - t0
        cpu = common.proc_cpu(hub.proc.pid) - cpu0
        rss1, hwm = common.proc_mem(hub.proc.pid)
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(hub.data, "renkei.db"), uri=True)
        versions = db.execute("SELECT count(*) FROM objects").fetchone()[0]
        db.close()
        print("matched %d versions in %.2f s (server CPU %.2f s): %.0f versions/s; %d events "
              "(%.2f per version); server RSS %.1f MiB after start, %.1f MiB after (peak %.1f)"
              % (versions, secs, cpu, versions / secs, n_events, n_events / versions, rss0,
                 rss1, hwm))
        hub.stop()
    finally:
        hub.cleanup()


if __name__ == "__main__":
    main()
