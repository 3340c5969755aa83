#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/alert_latency.py: alerts end to end, from the POST of an object to the webhook
received on loopback, with 1,000 subscriptions and 10,000 watchlist entries across 100
organisations (issue 17), and what alerting costs ingest.

Setup: a hub with 100 organisations (sectors in turn), each with 100 watchlist entries
(domains of its own, some CIDRs and AS numbers) and 10 subscriptions with webhooks to one
receiver (tests/api/receivers.py), of varied filters: watchlist hits, AMBER indicators of a
label, incidents of severity 3+, correlations, ATT&CK techniques, a pattern, a collection...
Then:
1. latency: Q posts, one at a time, of a GREEN indicator naming a subdomain of one
   organisation's watchlisted domain (one event, one delivery each): p50 / p99 from the
   start of the POST to the receiver's accept;
2. throughput: B such indicators posted in one envelope: events delivered per second;
3. ingest: the real feeds (../shared/data/feeds2stix) posted over 2 connections, alerts on
   versus off (RENKEI_NO_ALERTS=1), in the same sitting: objects/s and their ratio, with the
   configuration above and with a firehose subscription (an empty filter: every object is an
   event).
Figures, not pass/fail.

    python3 bench/alert_latency.py [Q [B]]     (defaults 200 and 2000; RENKEI_BIN as the tests)
"""
import json
import os
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))
sys.path.insert(0, HERE)

import common  # noqa: E402
from harness import JSON, Hub  # noqa: E402
from receivers import WebhookReceiver  # noqa: E402

SECTORS = ["electric-power", "gas", "railways", "finance", "medical", "water",
           "information-communication", "aviation", "logistics", "government"]
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def indicator(domain):
    return {"type": "indicator", "spec_version": "2.1", "id": "indicator--%s" % uuid.uuid4(),
            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
            "name": "c2", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
            "pattern": "[domain-name:value = '%s']" % domain, "object_marking_refs": [GREEN]}


def filters(i):
    """The 10 subscriptions of organisation i."""
    return [
        {"watchlist": True},
        {"types": ["indicator"], "tlp": ["amber"], "labels": ["apt-%d" % i]},
        {"types": ["incident"], "severity_min": 3},
        {"correlations": True},
        {"techniques": ["T1566"], "types": ["attack-pattern", "incident"]},
        {"pattern": "[domain-name:value = 'only-%d.example']" % i},
        {"types": ["malware"], "labels": ["ransomware-%d" % i]},
        {"tlp": ["red"]},
        {"types": ["sighting"], "watchlist": True},
        {"labels": ["never-%d" % i]},
    ]


def setup(hub, rx, n_orgs=100, quiet=False):
    tokens = []
    for i in range(n_orgs):
        name = "org-%03d" % i
        hub.org_add(name, SECTORS[i % len(SECTORS)])
        tokens.append(hub.token_create(name, "contributor"))
    coll = hub.collection_add("All", "all", "all")
    hub.start()
    t0 = time.monotonic()
    for i, tok in enumerate(tokens):
        entries = ["asset-%d-%d.example" % (i, k) for k in range(90)]
        entries += ["10.%d.%d.0/24" % (i, k) for k in range(8)] + ["AS%d" % (64500 + i), "@org%d.example" % i]
        st, _, body = hub.req("POST", "/api/v1/watchlist", token=tok, body={"entries": entries},
                              accept=JSON, content_type=JSON)
        assert st == 201, (st, body)
        for f in filters(i):
            st, _, body = hub.req("POST", "/api/v1/subscriptions", token=tok, accept=JSON,
                                  content_type=JSON,
                                  body={"filter": f, "webhook": {"url": rx.url, "secret": "s" * 32}})
            assert st == 201, (st, body)
    if not quiet:
        print("setup                 100 organisations, 10,000 watchlist entries, 1,000 "
              "subscriptions in %.1f s" % (time.monotonic() - t0))
    return tokens, coll


def latency(hub, rx, tokens, coll, q):
    lat = []
    for k in range(q):
        i = k % len(tokens)
        ind = indicator("h%d.asset-%d-%d.example" % (k, i, k % 90))
        before = len(rx.received)
        t = time.time()
        st = hub.post_objects(coll, [ind], tokens[(i + 1) % len(tokens)])[0]
        assert st == 202, st
        got = rx.wait(before + 1, timeout=60)
        lat.append(got[before]["time"] - t)
    lat.sort()
    print("POST -> webhook       %d alerts, p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (q, lat[q // 2] * 1e3, lat[q * 99 // 100] * 1e3, lat[-1] * 1e3))


def throughput(hub, rx, tokens, coll, b):
    objs = [indicator("b%d.asset-%d-%d.example" % (k, k % 100, k % 90)) for k in range(b)]
    before = len(rx.received)
    t = time.time()
    for s in range(0, b, 500):
        hub.post_complete(coll, objs[s:s + 500], tokens[0])
    posted = time.time() - t
    rx.wait(before + b, timeout=600)
    took = rx.received[-1]["time"] - t
    print("burst                 %d events: posted in %.2f s, all delivered after %.2f s: "
          "%.0f events/s" % (b, posted, took, b / took))


def ingest(no_alerts, firehose=False):
    """Objects/s of the real feeds posted over 2 connections, durable, with alerting on or
    off. The issue's configuration (setup(): 100 organisations, 1,000 subscriptions with
    webhooks, 10,000 watchlist entries), or with firehose one organisation whose empty filter
    matches every object (an event per object)."""
    if no_alerts:
        os.environ["RENKEI_NO_ALERTS"] = "1"
    rx = WebhookReceiver(secret="s" * 32)
    try:
        if firehose:
            hub, info = common.new_hub("alerts-ingest")
            hub.start()
            hub.req("POST", "/api/v1/subscriptions", token=info["contrib"], accept=JSON,
                    content_type=JSON, body={"filter": {}})
        else:
            hub = Hub("alerts-ingest")
            hub.run_cli("policy", "set", "--public-identities", ",".join(common.FEED_AUTHORS))
            tokens, coll = setup(hub, rx, quiet=True)
            info = {"contrib": tokens[0], "collection": coll}
        bodies = common.envelopes(common.real_objects(), 500)
        tot = common.post_all(hub, info, bodies, 2)
        if tot["errors"]:
            print("# ingest errors: %r" % tot["errors"][:3], file=sys.stderr)
        return tot["objects"] / tot["seconds"]
    finally:
        os.environ.pop("RENKEI_NO_ALERTS", None)
        hub.stop()
        hub.cleanup()
        rx.stop()


def main():
    q = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    b = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rx = WebhookReceiver(secret="s" * 32)
    hub = Hub("alerts-bench")
    try:
        tokens, coll = setup(hub, rx)
        latency(hub, rx, tokens, coll, q)
        throughput(hub, rx, tokens, coll, b)
        with open("/proc/%d/status" % hub.proc.pid) as f:
            rss = [line.split()[1] for line in f if line.startswith("VmRSS")]
        print("server VmRSS          %d MiB" % (int(rss[0]) // 1024))
    finally:
        hub.stop()
        hub.cleanup()
        rx.stop()
    for firehose in (False, True):
        runs = [(ingest(False, firehose), ingest(True, firehose)) for _ in range(2)]
        print("ingest, %-14s alerts on / off: %s" % (
            "firehose" if firehose else "issue's config",
            "; ".join("%.0f / %.0f obj/s (%.2f)" % (a, b, a / b) for a, b in runs)))


if __name__ == "__main__":
    main()
