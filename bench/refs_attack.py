#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""refs_attack.py: what one object with a huge reference list costs every reader.

A fresh hub; one named member posts 40 identities, one indicator (all GREEN) and then a
GREEN sighting of the indicator whose where_sighted_refs cycle over the 40 identities,
--refs entries long (200,000 by default). A reader of the same collection then reads its
manifest (42 objects, or 41 when the hub refuses the sighting) --reads times in a row over
one keep-alive connection. Two more rounds do the same with the largest sightings the hub
accepts: --cap entries cycling over 40 identities, and --joins distinct joined ids (the
indicator and --joins - 1 stored identities, each of which the check must look up).

Printed: what the hub answered to each sighting (stored, or the failure message), and the
manifest latency (median, p90, max) with each in the collection. Figures, never pass/fail.

With --legacy-bin, a last round stores the attack with an older renkei (one without the
caps), then restarts the hub on this binary (which migrates the store) and reads it.

    bench/refs_attack.py                     # 200,000 refs
    bench/refs_attack.py --refs 1990000      # about 95 MB of body (the 2,000,000 values cap)
    bench/refs_attack.py --legacy-bin /tmp/old/build/src/cli/renkei
"""
import argparse
import json
import os
import statistics
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
TS = "2025-03-01T00:00:00.000Z"


def sdo(typ, **props):
    o = {"type": typ, "spec_version": "2.1", "id": "%s--%s" % (typ, uuid.uuid4()),
         "created": TS, "modified": TS, "object_marking_refs": [GREEN]}
    o.update(props)
    return o


def post(hub, cid, token, objs):
    """POSTs objs and waits; returns the final status and the seconds it took."""
    t0 = time.monotonic()
    body = json.dumps({"objects": objs}).encode()
    st, _, res = hub.req("POST", "/hub/collections/%s/objects/" % cid, token=token, body=body)
    if st != 202:
        return {"status": "HTTP %d" % st, "failures": [{"message": str(res)[:300]}]}, 0.0
    final = hub.wait_status(res, token, timeout=600)
    return final, time.monotonic() - t0


def manifest_latency(hub, cid, token, reads):
    times, count = [], None
    for _ in range(reads):
        t0 = time.monotonic()
        st, _, res = hub.req("GET", "/hub/collections/%s/manifest/" % cid, token=token)
        times.append(time.monotonic() - t0)
        if st == 200 and isinstance(res, dict):
            count = len(res.get("objects", []))
    times.sort()
    return count, statistics.median(times), times[int(len(times) * 0.9) - 1], times[-1]


def outcome(final):
    if final.get("failure_count"):
        return "refused: " + final["failures"][0].get("message", "?")[:160]
    if final.get("success_count"):
        return "stored"
    return str(final)[:200]


def round_(hub, info, label, n_idents, n_refs, reads):
    """Posts n_idents identities and an indicator, then a sighting of the indicator whose
    where_sighted_refs cycle over the identities, n_refs entries; times the manifest."""
    cid = hub.collection_add("Refs %s" % label, "all", "all")
    idents = [sdo("identity", name="victim %d" % i, identity_class="organization")
              for i in range(n_idents)]
    ind = sdo("indicator", name="watched", pattern_type="stix",
              pattern="[ipv4-addr:value = '198.51.100.9']", valid_from="2025-03-01T00:00:00Z")
    final, _ = post(hub, cid, info["contrib"], idents + [ind])
    assert final.get("success_count") == n_idents + 1, final
    _, base, _, _ = manifest_latency(hub, cid, info["reader"], reads)
    refs = [idents[i % n_idents]["id"] for i in range(n_refs)]
    sighting = sdo("sighting", sighting_of_ref=ind["id"], where_sighted_refs=refs)
    final, took = post(hub, cid, info["contrib"], [sighting])
    n, p50, p90, worst = manifest_latency(hub, cid, info["reader"], reads)
    print("%-34s %-9d %s (post %.1f s)" % (label, len(sighting["where_sighted_refs"]),
                                           outcome(final), took))
    print("%-34s manifest of %s objects: p50 %.2f ms, p90 %.2f ms, max %.2f ms "
          "(before the sighting: p50 %.2f ms)" % ("", n, p50 * 1e3, p90 * 1e3, worst * 1e3,
                                                   base * 1e3))


def upgraded(args):
    """The attack stored by an older renkei (--legacy-bin), then read with this one: the
    hub keeps the row, and its joins are what the read path must not walk per entry."""
    import harness  # noqa: E402 (on the path through common)
    current = harness.renkei_bin()
    os.environ["RENKEI_BIN"] = args.legacy_bin
    hub, info = common.new_hub("refs-bench-upgrade")
    os.environ["RENKEI_BIN"] = current
    hub.start()
    try:
        cid = hub.collection_add("Refs upgraded", "all", "all")
        idents = [sdo("identity", name="victim %d" % i, identity_class="organization")
                  for i in range(40)]
        ind = sdo("indicator", name="watched", pattern_type="stix",
                  pattern="[ipv4-addr:value = '198.51.100.9']",
                  valid_from="2025-03-01T00:00:00Z")
        refs = [idents[i % 40]["id"] for i in range(args.refs)]
        sighting = sdo("sighting", sighting_of_ref=ind["id"], where_sighted_refs=refs)
        final, _ = post(hub, cid, info["contrib"], idents + [ind, sighting])
        n, p50, _, _ = manifest_latency(hub, cid, info["reader"], 3)
        print("%-34s %-9d %s; read by it: manifest of %s objects p50 %.2f ms"
              % ("stored by the older binary", args.refs, outcome(final), n, p50 * 1e3))
        hub.stop()
        hub.bin = current
        t0 = time.monotonic()
        hub.start()
        took = time.monotonic() - t0
        n, p50, p90, worst = manifest_latency(hub, cid, info["reader"], args.reads)
        print("%-34s %-9s start %.1f s (migration); manifest of %s objects: p50 %.2f ms, "
              "p90 %.2f ms, max %.2f ms" % ("  then read by this binary", "", took, n,
                                            p50 * 1e3, p90 * 1e3, worst * 1e3))
    finally:
        hub.stop()
        hub.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--refs", type=int, default=200000)
    ap.add_argument("--cap", type=int, default=10000, help="the hub's *_refs cap")
    ap.add_argument("--joins", type=int, default=100, help="the hub's distinct joins cap")
    ap.add_argument("--reads", type=int, default=20)
    ap.add_argument("--legacy-bin", help="an older renkei binary: store the attack with it, "
                    "then read it with this one")
    args = ap.parse_args()
    hub, info = common.new_hub("refs-bench")
    hub.start()
    try:
        print("%-34s %-9s %s" % ("sighting", "refs", "what the hub did"))

        round_(hub, info, "attack: refs cycling over 40", 40, args.refs, args.reads)
        round_(hub, info, "at the refs cap, cycling over 40", 40, args.cap, args.reads)
        # Every joined id stored and visible: the check must look each one up.
        round_(hub, info, "at the joins cap, all distinct", args.joins - 1, args.joins - 1,
               args.reads)
    finally:
        hub.stop()
        hub.cleanup()
    if args.legacy_bin:
        upgraded(args)


if __name__ == "__main__":
    main()
