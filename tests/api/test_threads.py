# SPDX-License-Identifier: Apache-2.0
"""test_threads.py: many requests at once, each on its own connection: writers posting
envelopes to one collection (so that group commit's leader commits and answers for other
requests, whose parsed envelopes live in their own requests' arenas: docs/internals/memory.md),
readers paging the collection and scrapes of /metrics, the coordinator minting tokens that
are used at once (the token cache changes under the readers) and the access log moved
away and reopened (SIGHUP), all together. Every envelope must be stored whole and readable
after, every minted token work, every request be logged in one of the access logs. Under `make tsan` the server is the ThreadSanitizer build: a
data race between these requests stops it and fails the test.
"""
import http.client
import json
import os
import re
import signal
import threading
import time
import unittest

import harness

TAXII = harness.TAXII
WRITERS = 6
ENVELOPES = 4
PER_ENVELOPE = 40


class ManyRequestsAtOnce(harness.HubTestCase):

    @classmethod
    def extra_setup(cls):
        cls.log_path = os.path.join(cls.hub.tmp, "access.log")
        cls.server_args = ("--access-log", cls.log_path)

    def connection(self):
        return http.client.HTTPConnection(self.hub.host, self.hub.port, timeout=300)

    def test_writers_readers_and_scrapes_together(self):
        fx = self.fx
        tokens = [fx.power_contrib, fx.gas_contrib, fx.rail_contrib, fx.bank_contrib]
        path = "%scollections/%s/objects/" % (harness.API_ROOT, fx.c_all)
        errors, posted = [], []
        lock = threading.Lock()
        writing = threading.Event()
        writing.set()

        def call(conn, method, url, token, body=None):
            hdrs = {"Accept": TAXII, "Authorization": "Bearer " + token}
            if body is not None:
                hdrs["Content-Type"] = TAXII
            conn.request(method, url, body=body, headers=hdrs)
            r = conn.getresponse()
            return r.status, r.read()

        def writer(n):
            conn, token = self.connection(), tokens[n % len(tokens)]
            try:
                for e in range(ENVELOPES):
                    objs = [harness.indicator(n * 1000 + e * 100 + i) for i in range(PER_ENVELOPE)]
                    st, body = call(conn, "POST", path, token, json.dumps({"objects": objs}))
                    if st != 202:
                        raise AssertionError("POST: %d %r" % (st, body[:200]))
                    status = json.loads(body)
                    deadline = time.monotonic() + 240
                    while status.get("status") != "complete" and time.monotonic() < deadline:
                        time.sleep(0.05)
                        st, body = call(conn, "GET", "%sstatus/%s/" % (harness.API_ROOT,
                                                                      status["id"]), token)
                        status = json.loads(body)
                    if status.get("success_count") != PER_ENVELOPE:
                        raise AssertionError("envelope not stored whole: %r" % (status,))
                    with lock:
                        posted.extend(o["id"] for o in objs)
            except Exception as ex:  # noqa: BLE001 - collected and reported below
                with lock:
                    errors.append(("writer %d" % n, repr(ex)))
            finally:
                conn.close()

        def reader(n):
            conn = self.connection()
            try:
                while writing.is_set():
                    st, body = call(conn, "GET", path + "?limit=50", fx.power_reader)
                    if st != 200:
                        raise AssertionError("GET objects: %d %r" % (st, body[:200]))
                    st, body = call(conn, "GET", "/metrics", fx.coord)
                    if st != 200 or b"renkei_objects_ingested_total" not in body:
                        raise AssertionError("GET /metrics: %d %r" % (st, body[:200]))
            except Exception as ex:  # noqa: BLE001 - collected and reported below
                with lock:
                    errors.append(("reader %d" % n, repr(ex)))
            finally:
                conn.close()

        minted = []

        def admin():
            conn, rotation = self.connection(), 0
            try:
                while writing.is_set():
                    hdrs = {"Accept": "application/json", "Content-Type": "application/json",
                            "Authorization": "Bearer " + fx.coord}
                    conn.request("POST", "/api/v1/tokens", headers=hdrs,
                                 body=json.dumps({"org": fx.gas, "role": "reader"}))
                    r = conn.getresponse()
                    body = r.read()
                    if r.status != 201:
                        raise AssertionError("POST /api/v1/tokens: %d %r" % (r.status, body))
                    token = json.loads(body)["token"]
                    st, body = call(conn, "GET", path + "?limit=5", token)
                    if st != 200:
                        raise AssertionError("a fresh token: GET objects %d %r" % (st, body))
                    minted.append(token)
                    # logrotate's move, then SIGHUP: the server reopens the log's name
                    if os.path.exists(self.log_path):
                        rotation += 1
                        os.rename(self.log_path, "%s.%d" % (self.log_path, rotation))
                        self.hub.proc.send_signal(signal.SIGHUP)
                    time.sleep(0.2)
            except Exception as ex:  # noqa: BLE001 - collected and reported below
                with lock:
                    errors.append(("admin", repr(ex)))
            finally:
                conn.close()

        writers = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        readers = [threading.Thread(target=reader, args=(n,)) for n in range(2)]
        readers.append(threading.Thread(target=admin))
        for t in writers + readers:
            t.start()
        for t in writers:
            t.join(600)
        writing.clear()
        for t in readers:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(len(posted), WRITERS * ENVELOPES * PER_ENVELOPE)

        # Every object posted is there, whole.
        seen = set()
        query = "limit=500"
        while True:
            st, _, body = self.hub.get_objects(fx.c_all, fx.power_reader, query=query)
            self.assertEqual(st, 200, body)
            seen.update(o["id"] for o in body.get("objects", []))
            if not body.get("more"):
                break
            query = "limit=500&next=" + body["next"]
        self.assertEqual(set(posted) - seen, set())
        st, _, body = self.hub.req("GET", "/metrics", token=fx.coord, accept=None)
        self.assertEqual(st, 200)
        text = body.decode() if isinstance(body, bytes) else str(body)
        m = re.search(r"^renkei_objects_ingested_total (\d+)$", text, re.M)
        self.assertIsNotNone(m, text[:500])
        self.assertGreaterEqual(int(m.group(1)), len(posted))
        self.assertGreater(len(minted), 0)

        # Every POST is in one of the access logs (written once its answer is sent), each
        # line whole JSON.
        deadline = time.monotonic() + 10
        while True:
            posts = 0
            for name in os.listdir(self.hub.tmp):
                if name.startswith("access.log"):
                    with open(os.path.join(self.hub.tmp, name)) as f:
                        for line in f:
                            entry = json.loads(line)
                            posts += entry["method"] == "POST" and entry["path"] == path
            if posts >= WRITERS * ENVELOPES or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(posts, WRITERS * ENVELOPES)


if __name__ == "__main__":
    unittest.main()
