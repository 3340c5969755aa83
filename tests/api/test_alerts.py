# SPDX-License-Identifier: Apache-2.0
"""Alerts end to end (issue 17, docs/alerts.md), through the routes scripts use and a real
webhook receiver and SMTP server on loopback (tests/api/receivers.py):
- a watchlist hit (a subdomain of a registered domain, posted by another organisation) is
  delivered to the subscription's webhook, signed with its secret, naming the event;
- a RED object reaches a subscriber only if it is a named recipient: never another one,
  even one whose filter matches everything and whose watchlist names the value;
- the hub killed with SIGKILL right after acknowledging a POST, restarted: the event is
  delivered; the receiver down, then up: every event delivered, in event order;
- the stream (GET /api/v1/stream) resumes after Last-Event-ID with exactly what followed;
- a hotline alert not acknowledged in time escalates to the backup contacts (e-mail) and is
  shown as such to the coordinator, beside who acknowledged.
Every wait polls with a deadline; "never delivered" is proven by a control object posted
after it being delivered first (events are delivered in order)."""
import http.client
import json
import os
import time
import uuid

from harness import JSON, HubTestCase, stix_id
from receivers import SmtpSink, WebhookReceiver, signature

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
ENV = {"RENKEI_ALERT_INTERVAL_MS": "100", "RENKEI_ALERT_RETRY_BASE_MS": "100",
       "RENKEI_ALERT_ESCALATION_TICK_MS": "200", "RENKEI_STREAM_KEEPALIVE_MS": "500"}


def domain_indicator(domain, marking=GREEN, **extra):
    o = {
        "type": "indicator", "spec_version": "2.1", "id": stix_id("indicator"),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "c2 " + domain, "pattern_type": "stix",
        "pattern": "[domain-name:value = '%s']" % domain,
        "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": [marking],
    }
    o.update(extra)
    return o


def fresh(tag):
    return "%s-%s.example.jp" % (tag, uuid.uuid4().hex[:10])


def object_ids(body):
    return [o["id"] for o in (body or {}).get("objects", [])]


class TestAlerts(HubTestCase):
    @classmethod
    def extra_setup(cls):
        cls.smtp = SmtpSink()
        os.environ.update(ENV)
        os.environ["RENKEI_SMTP_URL"] = cls.smtp.url

    @classmethod
    def tearDownClass(cls):
        # the settings stay for the whole class: a test restarts the server (SIGKILL)
        for k in list(ENV) + ["RENKEI_SMTP_URL"]:
            os.environ.pop(k, None)
        super().tearDownClass()
        cls.smtp.stop()

    # ---- helpers -------------------------------------------------------------------------

    def api(self, method, path, token, body=None, expect=(200, 201, 204)):
        st, _, got = self.hub.req(method, path, token=token, body=body, accept=JSON,
                                  content_type=JSON if body is not None else None)
        self.assertIn(st, expect, "%s %s: %s %s" % (method, path, st, got))
        return got

    def subscribe(self, token, receiver, filt, secret="s3cret-for-tests"):
        got = self.api("POST", "/api/v1/subscriptions", token,
                       {"filter": filt, "webhook": {"url": receiver.url, "secret": secret}})
        self.assertRegex(got["id"], r"^[0-9a-f-]{36}$")
        return got["id"]

    def watch(self, token, *entries):
        return self.api("POST", "/api/v1/watchlist", token, {"entries": list(entries)})

    def post(self, cid, objs, token):
        status = self.post_ok(cid, objs, token)
        self.assertEqual(status["success_count"], len(objs), status)

    def delivered_until(self, receiver, oid, timeout=30.0):
        """Waits until a delivery carries oid; returns every body received up to it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            bodies = receiver.events()
            for i, b in enumerate(bodies):
                if oid in object_ids(b):
                    return bodies[:i + 1]
            time.sleep(0.05)
        self.fail("%s was not delivered in %.0f s (got %d deliveries)"
                  % (oid, timeout, len(receiver.events())))

    # ---- the proofs --------------------------------------------------------------

    def test_watchlist_hit_is_delivered_signed(self):
        rx = WebhookReceiver(secret="power-webhook-secret")
        try:
            base = fresh("power-assets")
            self.watch(self.fx.power_reader, base)
            sub = self.subscribe(self.fx.power_reader, rx, {"watchlist": True},
                                 secret="power-webhook-secret")
            ind = domain_indicator("c2." + base)
            self.post(self.fx.c_all, [ind], self.fx.gas_contrib)
            got = self.delivered_until(rx, ind["id"])[-1]
            rec = [r for r in rx.received if r["json"] is got][0]
            self.assertTrue(rec["signature_ok"], rec["headers"])
            self.assertEqual(rec["headers"]["X-Renkei-Signature"],
                             signature("power-webhook-secret", rec["body"]))
            self.assertEqual(rec["headers"]["X-Renkei-Event-Id"], got["event_id"])
            self.assertEqual(got["kind"], "watchlist")
            self.assertEqual(got["subscription"], sub)
            self.assertIn(base, got["watchlist"])
            self.assertEqual(got["objects"][0]["pattern"], ind["pattern"])
        finally:
            rx.stop()

    def test_red_object_reaches_only_its_recipients(self):
        rail_rx, gas_rx = WebhookReceiver(secret="x" * 16), WebhookReceiver(secret="y" * 16)
        try:
            base = fresh("red")
            for tok, rx, sec in ((self.fx.rail_reader, rail_rx, "x" * 16),
                                 (self.fx.gas_reader, gas_rx, "y" * 16)):
                self.watch(tok, base)
                self.subscribe(tok, rx, {}, secret=sec)
            red = domain_indicator("c2." + base, marking=RED,
                                   x_renkei_recipients=[self.fx.gas])
            self.post(self.fx.c_all, [red], self.fx.power_contrib)
            control = domain_indicator("later." + base)
            self.post(self.fx.c_all, [control], self.fx.power_contrib)
            got = self.delivered_until(gas_rx, control["id"])
            self.assertIn(red["id"], [i for b in got for i in object_ids(b)])
            got = self.delivered_until(rail_rx, control["id"])
            for b in got:
                self.assertNotIn(red["id"], object_ids(b))
                self.assertNotIn(RED, json.dumps(b))
        finally:
            rail_rx.stop()
            gas_rx.stop()

    def test_sigkill_after_acknowledgement_loses_nothing(self):
        rx = WebhookReceiver(secret="k" * 16)
        try:
            base = fresh("kill")
            self.watch(self.fx.bank_contrib, base)
            self.subscribe(self.fx.bank_contrib, rx, {"watchlist": True}, secret="k" * 16)
            rx.stop()  # nothing can be delivered before the kill
            ind = domain_indicator("www." + base)
            self.post(self.fx.c_all, [ind], self.fx.power_contrib)
            self.hub.kill9()
            self.hub.start()
            rx.start()
            self.delivered_until(rx, ind["id"])
        finally:
            rx.stop()

    def test_receiver_down_then_up_gets_everything_in_order(self):
        rx = WebhookReceiver(secret="o" * 16)
        try:
            base = fresh("order")
            self.watch(self.fx.gas_contrib, base)
            self.subscribe(self.fx.gas_contrib, rx, {"watchlist": True}, secret="o" * 16)
            rx.stop()
            inds = [domain_indicator("h%d.%s" % (i, base)) for i in range(5)]
            for ind in inds:
                self.post(self.fx.c_all, [ind], self.fx.power_contrib)
            time.sleep(1.0)  # a few failed attempts while it is down
            rx.start()
            got = self.delivered_until(rx, inds[-1]["id"])
            ids = [i for b in got for i in object_ids(b)]
            self.assertEqual([i for i in ids if i in {x["id"] for x in inds}],
                             [x["id"] for x in inds])
            seqs = [int(b["event_id"]) for b in got]
            self.assertEqual(seqs, sorted(seqs))
            self.assertEqual(len(seqs), len(set(seqs)))
        finally:
            rx.stop()

    def read_events(self, token, last_id=None, count=1, timeout=20.0):
        """Opens GET /api/v1/stream, reads count events, closes. [(id, kind, data)]."""
        conn = http.client.HTTPConnection("127.0.0.1", self.hub.port, timeout=timeout)
        headers = {"Authorization": "Bearer " + token, "Accept": "text/event-stream"}
        if last_id is not None:
            headers["Last-Event-ID"] = str(last_id)
        conn.request("GET", "/api/v1/stream", headers=headers)
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/event-stream"))
        events, cur = [], {}
        deadline = time.time() + timeout
        try:
            while len(events) < count and time.time() < deadline:
                line = resp.fp.readline().decode()
                if line == "":
                    break
                line = line.rstrip("\r\n")
                if line == "":
                    if "data" in cur:
                        events.append((cur.get("id"), cur.get("event"), json.loads(cur["data"])))
                    cur = {}
                elif not line.startswith(":"):
                    k, _, v = line.partition(":")
                    cur[k] = v[1:] if v.startswith(" ") else v
        finally:
            conn.close()
        self.assertEqual(len(events), count, "stream: %d of %d events in %.0f s"
                         % (len(events), count, timeout))
        return events

    def test_stream_resumes_after_last_event_id(self):
        base = fresh("stream")
        self.watch(self.fx.rail_contrib, base)
        first = domain_indicator("a." + base)
        self.post(self.fx.c_all, [first], self.fx.power_contrib)
        # the org's log may hold earlier events of other tests: read until ours
        last = None
        deadline = time.time() + 20
        while time.time() < deadline:
            evs = self.read_events(self.fx.rail_reader, last_id=last or 0, count=1)
            last = int(evs[0][0])
            if first["id"] in object_ids(evs[0][2]):
                break
        self.assertIn(first["id"], object_ids(evs[0][2]))
        more = [domain_indicator("b%d.%s" % (i, base)) for i in range(2)]
        for m in more:
            self.post(self.fx.c_all, [m], self.fx.power_contrib)
        ev = self.read_events(self.fx.rail_reader, last_id=last, count=2)
        self.assertEqual([int(e[0]) for e in ev], [last + 1, last + 2])
        self.assertEqual([object_ids(e[2]) for e in ev], [[more[0]["id"]], [more[1]["id"]]])

    def test_unacknowledged_hotline_alert_escalates(self):
        coord = self.fx.coord
        org = "?org=" + self.fx.bank
        self.api("PUT", "/api/v1/contacts" + org, coord,
                 {"primary": ["soc@bank.example"], "backup": ["ciso@bank.example"]})
        self.api("PUT", "/api/v1/contacts?org=" + self.fx.power, coord,
                 {"primary": ["soc@power.example"], "backup": ["duty@power.example"]})
        got = self.api("POST", "/api/v1/alerts", coord,
                       {"template": "generic", "summary": "Ransomware at a bank",
                        "sectors": ["finance"], "ack_seconds": 1})
        aid = got["id"]
        self.api("POST", "/api/v1/alerts/%s/ack" % aid, self.fx.power_reader, {})
        deadline, state = time.time() + 30, None
        while time.time() < deadline:
            state = self.api("GET", "/api/v1/alerts/" + aid, coord)
            bank = [r for r in state["recipients"] if r["org"] in (self.fx.bank,
                    self.fx.org_ids[self.fx.bank])]
            if bank and bank[0].get("escalation", 0) >= 1:
                break
            time.sleep(0.2)
        recips = {r["org"]: r for r in state["recipients"]}
        power = recips.get(self.fx.power) or recips.get(self.fx.org_ids[self.fx.power])
        bank = recips.get(self.fx.bank) or recips.get(self.fx.org_ids[self.fx.bank])
        self.assertTrue(power["acknowledged_at"], state)
        self.assertFalse(bank.get("acknowledged_at"), state)
        self.assertGreaterEqual(bank["escalation"], 1, state)
        mails = self.smtp.wait(1)
        deadline = time.time() + 20
        while time.time() < deadline and not any(
                "<ciso@bank.example>" in m["rcpt"] for m in self.smtp.messages):
            time.sleep(0.1)
        self.assertTrue(any("<ciso@bank.example>" in m["rcpt"] for m in self.smtp.messages),
                        [m["rcpt"] for m in mails])
        self.assertFalse(any("<duty@power.example>" in m["rcpt"] for m in self.smtp.messages))
