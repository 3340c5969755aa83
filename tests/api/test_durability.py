# SPDX-License-Identifier: Apache-2.0
"""test_durability.py: nothing acknowledged is lost. A client thread posts envelopes while
the server is SIGKILLed at random moments; after each restart on the same data folder every
object of an acknowledged envelope (202 and a status that says complete) must be readable by
id and through paging, date_added must be unique and strictly increasing, and an envelope
that was not acknowledged must be either entirely present or entirely absent.
"""
import http.client
import json
import random
import sys
import threading
import time
import unittest
import uuid

import harness

TAXII = harness.TAXII
BATCH = 25                          # objects per envelope
ROUNDS = (0.4, 0.9, 1.6, 0.25)      # base delay (s) before each SIGKILL, jittered below
BY_ID_SAMPLE = 60                   # acknowledged objects re-read one by one per round


def envelope(round_no, batch_no):
    t = "2024-01-01T00:00:00.000Z"
    objs = []
    for i in range(BATCH):
        objs.append({
            "type": "indicator", "spec_version": "2.1", "id": "indicator--%s" % uuid.uuid4(),
            "created": t, "modified": t, "name": "durability r%d b%d #%d" % (round_no, batch_no, i),
            "pattern": "[ipv4-addr:value = '203.0.113.%d']" % (i % 256), "pattern_type": "stix",
            "valid_from": t})
    return objs


class Poster(threading.Thread):
    """Posts envelopes over one keep-alive connection until the server goes away."""

    def __init__(self, host, port, cid, token, round_no):
        super().__init__(daemon=True)
        self.addr = (host, port)
        self.cid, self.token, self.round_no = cid, token, round_no
        self.acked = []     # [ids] of envelopes whose status said complete
        self.unacked = []   # [ids] of envelopes sent but never confirmed complete
        self.errors = []    # unexpected HTTP answers (not connection errors)

    def run(self):
        conn = http.client.HTTPConnection(*self.addr, timeout=10)
        try:
            self.post_until_killed(conn)
        finally:
            conn.close()

    def post_until_killed(self, conn):
        hdrs = {"Accept": TAXII, "Content-Type": TAXII, "Authorization": "Bearer " + self.token}
        n = 0
        while True:
            objs = envelope(self.round_no, n)
            ids = [o["id"] for o in objs]
            n += 1
            self.unacked.append(ids)
            try:
                conn.request("POST", "/hub/collections/%s/objects/" % self.cid,
                             body=json.dumps({"objects": objs}).encode(), headers=hdrs)
                r = conn.getresponse()
                body = r.read()
                if r.status != 202:
                    self.errors.append((r.status, body[:300]))
                    return
                st = json.loads(body)
                while st.get("status") != "complete":
                    time.sleep(0.02)
                    conn.request("GET", "/hub/status/%s/" % st["id"], headers=hdrs)
                    r = conn.getresponse()
                    body = r.read()
                    if r.status != 200:
                        self.errors.append((r.status, body[:300]))
                        return
                    st = json.loads(body)
                if st.get("success_count") != BATCH:
                    self.errors.append(("status", st))
                    return
            except (OSError, http.client.HTTPException, ValueError):
                return  # the server was killed: this envelope stays unacknowledged
            self.unacked.pop()
            self.acked.append(ids)


class DurabilityTest(unittest.TestCase):

    def setUp(self):
        self.hub = harness.Hub()
        self.addCleanup(self.hub.cleanup)
        self.hub.org_add("durable-org", "electric-power")
        self.token = self.hub.token_create("durable-org", "contributor")
        self.cid = self.hub.collection_add("Durability", "all", "all")

    def read_all(self):
        """Every (id, date_added) of the collection through manifest paging, and the ids
        seen through objects paging."""
        manifest, ids, nxt = [], set(), None
        while True:
            q = "?limit=1000" + ("&next=" + nxt if nxt else "")
            st, _, body = self.hub.taxii("GET", "collections/%s/manifest/%s" % (self.cid, q),
                                         token=self.token)
            self.assertEqual(st, 200, body)
            manifest += [(o["id"], o["date_added"]) for o in body.get("objects", [])]
            if not body.get("more"):
                break
            nxt = body["next"]
        nxt = None
        while True:
            q = "?limit=1000" + ("&next=" + nxt if nxt else "")
            st, _, body = self.hub.get_objects(self.cid, self.token, query=q.lstrip("?"))
            self.assertEqual(st, 200, body)
            ids.update(o["id"] for o in body.get("objects", []))
            if not body.get("more"):
                break
            nxt = body["next"]
        return manifest, ids

    def test_sigkill_loses_nothing_acknowledged(self):
        rng = random.Random()
        acked, unacked = [], []
        total_kills = 0
        for round_no, base in enumerate(ROUNDS):
            self.hub.start()
            poster = Poster(self.hub.host, self.hub.port, self.cid, self.token, round_no)
            poster.start()
            time.sleep(base * rng.uniform(0.7, 1.3))
            self.hub.kill9()
            total_kills += 1
            poster.join(15)
            self.assertFalse(poster.is_alive(), "client thread hung after SIGKILL")
            self.assertEqual(poster.errors, [], "unexpected answers while posting")
            acked += poster.acked
            unacked += poster.unacked
            print("durability round %d: %d envelopes acknowledged, %d in flight at SIGKILL"
                  % (round_no, len(poster.acked), len(poster.unacked)), file=sys.stderr)

            self.hub.start()
            manifest, paged_ids = self.read_all()
            present = [m[0] for m in manifest]
            self.assertEqual(len(present), len(set(present)), "an id listed twice")
            dates = [m[1] for m in manifest]
            self.assertEqual(dates, sorted(dates), "date_added not increasing across pages")
            self.assertEqual(len(dates), len(set(dates)), "date_added not unique")
            want = {i for ids in acked for i in ids}
            lost = want - set(present)
            self.assertEqual(lost, set(), "round %d: %d acknowledged objects lost"
                             % (round_no, len(lost)))
            self.assertEqual(want - paged_ids, set(), "acknowledged objects missing in paging")
            for ids in unacked:
                n = len(set(ids) & set(present))
                self.assertIn(n, (0, len(ids)), "round %d: a half-stored envelope (%d of %d)"
                              % (round_no, n, len(ids)))
            sample = rng.sample(sorted(want), min(BY_ID_SAMPLE, len(want)))
            for oid in sample:
                st, _, body = self.hub.taxii("GET", "collections/%s/objects/%s/"
                                             % (self.cid, oid), token=self.token)
                self.assertEqual(st, 200, body)
                self.assertEqual([o["id"] for o in body["objects"]], [oid])
            self.hub.stop()
        self.assertGreater(len(acked), 0, "no envelope was ever acknowledged")
        self.assertEqual(total_kills, len(ROUNDS))


if __name__ == "__main__":
    unittest.main()
