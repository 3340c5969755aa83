#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/similar_e2e.py: POST /api/v1/similar end to end, at N stored incidents.

Starts a hub (tests/api/harness.py), posts the ATT&CK for ICS techniques and malware
(../shared/data/attack-ics) once, GREEN, then N incidents through TAXII, each using 6 to 12
of them (seeded) plus one observable of its own, waits until the worker indexed the last one,
and times Q POSTs of perturbed copies (a quarter of the relationships dropped, one unrelated
technique added) on one keep-alive connection: p50 / p99 latency, and how often the original
came first. Figures, not pass/fail.

    python3 bench/similar_e2e.py [N [Q]]     (defaults 10000 and 200; RENKEI_BIN as the tests)
"""
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))

from harness import JSON, Hub, standard_fixture  # noqa: E402
import test_similar as ts  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    nq = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(16)
    _, library = ts.attack_library()
    lib = sorted(library)
    hub = Hub()
    try:
        fx = standard_fixture(hub)
        hub.start()
        hub.post_complete(fx.c_all, list(library.values()), fx.gas_contrib)
        posters = [fx.power_contrib, fx.gas_contrib, fx.rail_contrib]
        incidents, batch, t0 = [], [], time.monotonic()
        for i in range(n):
            uses = rng.sample(lib, rng.randint(6, 12))
            dom = {"type": "domain-name", "spec_version": "2.1", "id": ts.new_id("domain-name"),
                   "value": "inc-%d.bench.example" % i}
            objs = ts.incident("bench %d" % i, uses + [dom["id"]], extra=[dom])
            incidents.append((objs[0]["id"], uses))
            batch += objs
            if len(batch) >= 500 or i == n - 1:
                hub.post_complete(fx.c_all, batch, posters[i % 3])
                batch = []
        post_s = time.monotonic() - t0
        nobj = sum(len(u) + 3 for _, u in incidents)
        t1 = time.monotonic()
        while hub.req("GET", "/api/v1/similar/" + incidents[-1][0], token=fx.rail_reader,
                      accept=JSON)[0] != 200:
            time.sleep(0.05)
        lag_s = time.monotonic() - t1
        lat, first = [], 0
        for _ in range(nq):
            oid, uses = rng.choice(incidents)
            kept = [u for j, u in enumerate(uses) if j % 4 != 1]
            phish = ts.enterprise_phishing()
            objs = ts.incident("probe", kept + [phish["id"]]) + \
                [library[u] for u in kept] + [phish]
            t = time.monotonic()
            st, _, body = hub.req("POST", "/api/v1/similar", token=fx.rail_reader,
                                  body={"objects": objs}, accept=JSON, content_type=JSON)
            lat.append(time.monotonic() - t)
            if st == 200 and body["matches"] and body["matches"][0]["id"] == oid:
                first += 1
        lat.sort()
        print("incidents stored      %d (%d objects, posted in %.1f s)" % (n, nobj, post_s))
        print("indexed after post    %.2f s (last incident findable)" % lag_s)
        print("POST /similar         %d requests, p50 %.2f ms, p99 %.2f ms"
              % (nq, lat[nq // 2] * 1e3, lat[nq * 99 // 100] * 1e3))
        print("original first        %d of %d (the rest: a copy shares as much with another)"
              % (first, nq))
        with open("/proc/%d/status" % hub.proc.pid) as f:
            rss = [line.split()[1] for line in f if line.startswith("VmRSS")]
        print("server VmRSS          %d MiB" % (int(rss[0]) // 1024))
    finally:
        hub.stop()
        hub.cleanup()


if __name__ == "__main__":
    main()
