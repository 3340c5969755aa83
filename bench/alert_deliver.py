#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/alert_deliver.py: how fast the delivery worker (src/alert/deliver.c) empties a
backlog of alert events to webhooks on loopback (issue 17, "events delivered per second").

Delivery alone: the subscriptions and N events are written straight into the hub's SQLite
store (tables records and events, as the subscription routes and the matcher write them;
each event names one real GREEN object version), so no matcher time is counted. Then the time
from the hub being woken (its 100 ms poll) to the last POST accepted by the receivers.
1. one subscription, one receiver: N events in order (one in flight at a time: the
   per-subscription order rule makes this a round-trip-bound figure);
2. 100 subscriptions of 10 organisations, 100 receivers: N events, each for one subscription
   in turn (up to 64 transfers in flight).
The receivers are tests/api/receivers.py (Python threads in this process): their speed bounds
the figures. Figures, not pass/fail.

    python3 bench/alert_deliver.py [N]     (default 2000; RENKEI_BIN as the tests)
"""
import json
import os
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))

from harness import API_ROOT, Hub, sqlite_db, ts_us  # noqa: E402
from receivers import WebhookReceiver  # noqa: E402

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
SECTORS = ["electric-power", "gas", "railways", "finance", "medical", "water",
           "information-communication", "aviation", "logistics", "government"]


def setup(hub, n_orgs):
    orgs = [hub.org_add("bench-org-%d" % i, SECTORS[i % len(SECTORS)])["id"]
            for i in range(n_orgs)]
    cid = hub.collection_add("All", "all", "all")
    tok = hub.token_create("bench-org-0", "contributor")
    return orgs, cid, tok


def object_ref(hub, cid, tok):
    obj = {"type": "indicator", "spec_version": "2.1", "id": "indicator--%s" % uuid.uuid4(),
           "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
           "name": "bench", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
           "pattern": "[domain-name:value = 'bench.example.jp']",
           "object_marking_refs": [GREEN]}
    st, _, body = hub.post_objects(cid, [obj], tok)
    assert st == 202, body
    hub.wait_status(body, tok)
    st, _, man = hub.req("GET", "%scollections/%s/manifest/?match[id]=%s"
                         % (API_ROOT, cid, obj["id"]), token=tok)
    return {"id": obj["id"], "collection": cid,
            "date_added": ts_us(man["objects"][-1]["date_added"])}


def run(n_events, n_subs, n_orgs):
    hub = Hub("bench-deliver")
    os.environ["RENKEI_ALERT_INTERVAL_MS"] = "100"
    receivers = []
    try:
        orgs, cid, tok = setup(hub, n_orgs)
        hub.start()
        ref = object_ref(hub, cid, tok)
        receivers = [WebhookReceiver(secret="bench-secret-%d" % i) for i in range(n_subs)]
        subs = []
        now = int(time.time() * 1e6)
        db = sqlite_db(hub, "benchmark set-up", write=True)
        with db:
            for i, rx in enumerate(receivers):
                sid = str(uuid.uuid4())
                org = orgs[i % n_orgs]
                doc = {"id": sid, "filter": {"types": ["x-never"]},
                       "webhook": {"url": rx.url, "secret": rx.secret}}
                db.execute("INSERT INTO records VALUES ('alert-subscription', ?, ?, ?, ?, ?)",
                           (sid, org, json.dumps(doc), now, now))
                subs.append((sid, org))
        time.sleep(1.0)  # the worker sees the subscriptions (and finds no event)
        seqs = {o: 0 for o in orgs}
        rows = []
        for k in range(n_events):
            sid, org = subs[k % n_subs]
            seqs[org] += 1
            doc = {"kind": "object", "subscriptions": [sid], "watchlist": [], "objects": [ref]}
            rows.append((org, seqs[org], now, "object", json.dumps(doc)))
        with db:
            db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows)
        db.close()
        t0 = time.time()
        per = [n_events // n_subs + (1 if i < n_events % n_subs else 0) for i in range(n_subs)]
        for rx, want in zip(receivers, per):
            rx.wait(want, timeout=600)
        took = time.time() - t0
        last = max(r["time"] for rx in receivers for r in rx.received)
        took = last - t0
        hub.stop()
        return took
    finally:
        for rx in receivers:
            rx.stop()
        hub.cleanup()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    for subs, orgs in ((1, 1), (100, 10)):
        took = run(n, subs, orgs)
        print("%d events, %d subscription(s)/receiver(s) in %d organisation(s): %.2f s, "
              "%.0f events delivered/s" % (n, subs, orgs, took, n / took), flush=True)


if __name__ == "__main__":
    main()
