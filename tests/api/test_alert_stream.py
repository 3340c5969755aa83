# SPDX-License-Identifier: Apache-2.0
"""test_alert_stream.py: GET /api/v1/stream, the organisation's events as server-sent events.

The matcher that writes events is another part's; here events are appended to the SQLite
event log directly (as the matcher would: one row per event, seq 1, 2, 3... per organisation)
and the stream must notice them (it looks every RENKEI_ALERT_INTERVAL_MS without a wake-up):
- without Last-Event-ID it sends only events appended after it opened;
- Last-Event-ID (or ?last_event_id=N, ?from=0) resumes with exactly what followed, in order;
- an event whose objects the organisation may not read now is withheld: skipped, never sent;
- each event is `id: SEQ / event: KIND / data: one line of JSON` (the delivered body:
  event_id, kind, time, subscription null, objects as the organisation reads them now);
- a keep-alive comment when quiet; 401 anonymous, 403 metrics token, 400 bad Last-Event-ID;
  403 for another organisation's stream (?org=), the coordinator's request too.
"""
import http.client
import json
import os
import time
import unittest

from harness import JSON, HubTestCase, indicator, sqlite_db, ts_us

ENV = {"RENKEI_ALERT_INTERVAL_MS": "100", "RENKEI_STREAM_KEEPALIVE_MS": "500"}


class Stream:
    """One open GET /api/v1/stream: its events, read line by line with a deadline."""

    def __init__(self, hub, token, last_id=None, query="", timeout=20.0):
        self.conn = http.client.HTTPConnection(hub.host, hub.port, timeout=timeout)
        headers = {"Accept": "text/event-stream"}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        if last_id is not None:
            headers["Last-Event-ID"] = str(last_id)
        self.conn.request("GET", "/api/v1/stream" + query, headers=headers)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.comments = []

    def events(self, count, timeout=10.0):
        """The next count events [(id, kind, data)], or fewer when timeout passes (checked
        at every line: the keep-alive comments of this test come twice a second)."""
        out, cur = [], {}
        deadline = time.time() + timeout
        while len(out) < count and time.time() < deadline:
            line = self.resp.readline()
            if not line:
                break
            line = line.decode().rstrip("\r\n")
            if line == "":
                if "data" in cur:
                    out.append((int(cur["id"]), cur.get("event"), json.loads(cur["data"])))
                cur = {}
            elif line.startswith(":"):
                self.comments.append(line)
            else:
                k, _, v = line.partition(":")
                cur[k] = v[1:] if v.startswith(" ") else v
        return out

    def close(self):
        self.conn.close()


class AlertStreamTest(HubTestCase):
    @classmethod
    def extra_setup(cls):
        os.environ.update(ENV)
        cls.hub_metrics = cls.hub.token_create(cls.fx.bank, "metrics")
        cls.leaver_id = cls.hub.org_add("leaver-test", "gas")["id"]
        cls.leaver = cls.hub.token_create("leaver-test", "reader")

    @classmethod
    def after_start(cls):
        for k in ENV:
            os.environ.pop(k, None)
        hub, fx = cls.hub, cls.fx
        cls.visible = indicator(1)   # in c_all: every member reads it
        cls.hidden = indicator(2)    # in c_power: only power reads it
        hub.post_complete(fx.c_all, [cls.visible], fx.power_contrib)
        hub.post_complete(fx.c_power, [cls.hidden], fx.power_contrib)
        cls.refs = {}
        for key, obj, cid in (("visible", cls.visible, fx.c_all),
                              ("hidden", cls.hidden, fx.c_power)):
            st, hdrs, _ = hub.get_objects(cid, fx.power_reader, "match[id]=" + obj["id"])
            assert st == 200, st
            added = ts_us(hdrs.get("X-TAXII-Date-Added-First"))
            cls.refs[key] = {"id": obj["id"], "collection": cid, "date_added": added}

    def append(self, org, what, kind="watchlist"):
        """Appends one event naming the object what ("visible", "hidden") for org; its seq."""
        org_id = self.fx.org_ids[org]
        ev = {"kind": kind, "subscriptions": [], "watchlist": ["example.jp"],
              "objects": [self.refs[what]]}
        db = sqlite_db(self.hub, "the matcher is another part: events appended directly",
                       write=True)
        try:
            with db:
                row = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE org_id = ?",
                                 (org_id,)).fetchone()
                seq = row[0] + 1
                db.execute("INSERT INTO events(org_id, seq, time, kind, json) "
                           "VALUES (?, ?, ?, ?, ?)",
                           (org_id, seq, int(time.time() * 1e6), kind, json.dumps(ev)))
        finally:
            db.close()
        return seq

    def open(self, token, **kw):
        s = Stream(self.hub, token, **kw)
        self.addCleanup(s.close)
        return s

    def test_only_new_events_without_last_event_id(self):
        old = self.append(self.fx.gas, "visible")
        s = self.open(self.fx.gas_reader)
        self.assertEqual(s.status, 200)
        self.assertTrue(s.resp.getheader("Content-Type").startswith("text/event-stream"))
        new = self.append(self.fx.gas, "visible", kind="object")
        got = s.events(1)
        self.assertEqual([e[0] for e in got], [new])
        self.assertGreater(new, old)
        seq, kind, body = got[0]
        self.assertEqual(kind, "object")
        self.assertEqual(body["event_id"], str(seq))
        self.assertEqual(body["kind"], "object")
        self.assertIsNone(body["subscription"])
        self.assertIn("time", body)
        self.assertEqual([o["id"] for o in body["objects"]], [self.visible["id"]])

    def test_resumes_after_last_event_id_and_skips_withheld(self):
        org, tok = self.fx.rail, self.fx.rail_reader
        first = self.append(org, "visible")
        hidden = self.append(org, "hidden")  # rail may not read it: withheld
        third = self.append(org, "visible")
        got = self.open(tok, last_id=first - 1).events(2)
        self.assertEqual([e[0] for e in got], [first, third])
        self.assertNotIn(self.hidden["id"], json.dumps([e[2] for e in got]))
        # after a disconnect: exactly what followed the last id received
        fourth = self.append(org, "visible")
        got = self.open(tok, last_id=third).events(1)
        self.assertEqual([e[0] for e in got], [fourth])
        # the query parameter, and from=0 for the whole log
        got = self.open(tok, query="?last_event_id=%d" % hidden).events(2)
        self.assertEqual([e[0] for e in got], [third, fourth])
        got = self.open(tok, query="?from=0").events(3)
        self.assertEqual([e[0] for e in got], [first, third, fourth])

    def test_many_withheld_events_do_not_stall(self):
        org, tok = self.fx.bank, self.fx.bank_contrib
        start = self.append(org, "visible")
        for _ in range(40):
            self.append(org, "hidden")
        last = self.append(org, "visible")
        got = self.open(tok, last_id=start).events(1)
        self.assertEqual([e[0] for e in got], [last])

    def test_keep_alive_when_quiet(self):
        s = self.open(self.fx.power_reader)
        self.assertEqual(s.events(1, timeout=2.0), [])
        self.assertIn(": keep-alive", s.comments)

    def test_cli_stream(self):
        org, tok = self.fx.gas, self.fx.gas_contrib
        a = self.append(org, "visible")
        self.append(org, "hidden")
        b = self.append(org, "visible")
        p = self.hub.run_cli("alert", "stream", self.hub.url(), "--token", tok,
                             "--last-event-id", str(a - 1), "--count", "2", "--json",
                             data=False, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
        self.assertEqual([x["event_id"] for x in lines], [str(a), str(b)])
        self.assertEqual([o["id"] for o in lines[0]["objects"]], [self.visible["id"]])
        p = self.hub.run_cli("alert", "stream", self.hub.url(), "--token", tok,
                             "--last-event-id", str(a), "--count", "1", data=False, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("%d watchlist " % b), p.stdout)
        self.assertIn(self.visible["id"], p.stdout)
        p = self.hub.run_cli("alert", "stream", self.hub.url(), "--token", "rk_" + "0" * 64,
                             "--json", data=False, timeout=30)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("401", json.loads(p.stdout)["error"])

    def test_stream_of_a_former_member_ends(self):
        s = self.open(self.leaver)
        self.assertEqual(s.status, 200)
        st, _, got = self.hub.req("POST", "/api/v1/orgs/%s/disable" % self.leaver_id,
                                  token=self.fx.coord, accept=JSON)
        self.assertEqual(st, 200, got)
        start = time.time()
        while s.resp.readline():  # keep-alive comments, then the end of the stream
            self.assertLess(time.time() - start, 10, "the stream did not end")

    def test_who_may_read(self):
        self.assertEqual(self.open(None).status, 401)
        self.assertEqual(self.open(self.hub_metrics).status, 403)
        self.assertEqual(self.open(self.fx.gas_reader, last_id="x").status, 400)
        self.assertEqual(self.open(self.fx.gas_reader, query="?last_event_id=-1").status, 400)
        self.assertEqual(self.open(self.fx.gas_reader, query="?org=" + self.fx.rail).status,
                         403)
        # not even the coordinator reads another organisation's stream: it would show what
        # that organisation reads, which the coordinator may not
        self.assertEqual(self.open(self.fx.coord, query="?org=" + self.fx.power).status, 403)
        # a member may name itself
        seq = self.append(self.fx.power, "hidden")
        got = self.open(self.fx.power_reader, last_id=seq - 1,
                        query="?org=" + self.fx.power).events(1)
        self.assertEqual([e[0] for e in got], [seq])
        self.assertEqual([o["id"] for o in got[0][2]["objects"]], [self.hidden["id"]])


if __name__ == "__main__":
    unittest.main()
