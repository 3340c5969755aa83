# SPDX-License-Identifier: Apache-2.0
"""Alert delivery (issue 17; src/alert/deliver.c, webhook.c, smtp.c, dead.c), black box with a
real webhook receiver and SMTP server on loopback (tests/api/receivers.py).

Subscriptions and events are written straight into the SQLite store (tables records and
events, as the subscription routes and the matcher write them), so that delivery is tested on
its own: the subscriptions' filters match nothing, so a matcher adds no event of its own. Each
event names a real object version (its collection and date_added from the manifest).
- a delivery is signed (X-Renkei-Signature), names its event and subscription;
- a RED object's event for an organisation that is not a recipient is withheld, never sent;
- receiver down, then up: every event delivered, in event order;
- a receiver answering 500 is retried until it answers 200;
- a receiver stalling 10 s does not delay another subscription's delivery;
- the hub SIGKILLed while an event waits (receiver down), restarted: the event is delivered;
- after RENKEI_ALERT_DEAD_AFTER_S the event is a dead letter (GET /api/v1/dead-letters) and
  the next one goes; POST .../retry delivers it and removes it;
- the e-mail channel sends one message per event through SMTP.
"""
import json
import os
import time
import uuid

from harness import API_ROOT, JSON, HubTestCase, sqlite_db, stix_id, ts_us
from receivers import SmtpSink, WebhookReceiver, signature

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
NEVER = {"types": ["x-renkei-test-never"]}  # a filter no object matches: no matcher event
ENV = {"RENKEI_ALERT_INTERVAL_MS": "100", "RENKEI_ALERT_RETRY_BASE_MS": "100"}


def indicator(name, marking=GREEN, **extra):
    o = {
        "type": "indicator", "spec_version": "2.1", "id": stix_id("indicator"),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": name, "pattern_type": "stix",
        "pattern": "[domain-name:value = '%s.example.jp']" % uuid.uuid4().hex[:12],
        "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": [marking],
    }
    o.update(extra)
    return o


class DeliveryCase(HubTestCase):
    env = ENV

    @classmethod
    def extra_setup(cls):
        cls.smtp = SmtpSink()
        cls.saved_env = {k: os.environ.get(k) for k in list(cls.env) + ["RENKEI_SMTP_URL"]}
        os.environ.update(cls.env)
        os.environ["RENKEI_SMTP_URL"] = cls.smtp.url

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.smtp.stop()
            for k, v in cls.saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    # ---- helpers -------------------------------------------------------------------------

    def db(self):
        return sqlite_db(self.hub, "subscriptions and events before their routes exist",
                         write=True)

    def org(self, name):
        return self.fx.org_ids[name]

    def subscribe(self, org, webhook=None, email=None, **extra):
        """Inserts an alert-subscription record of org; returns its id."""
        sid = str(uuid.uuid4())
        doc = {"id": sid, "filter": NEVER}
        if webhook is not None:
            doc["webhook"] = {"url": webhook.url, "secret": webhook.secret}
        if email is not None:
            doc["email"] = {"to": email}
        doc.update(extra)
        now = int(time.time() * 1e6)
        with self.db() as db:
            db.execute("INSERT INTO records(kind, id, org_id, json, created, updated) "
                       "VALUES ('alert-subscription', ?, ?, ?, ?, ?)",
                       (sid, self.org(org), json.dumps(doc), now, now))
        return sid

    def post(self, cid, obj, token):
        """Posts obj; returns its event reference {"id", "collection", "date_added"}."""
        status = self.post_ok(cid, [obj], token)
        self.assertEqual(status["success_count"], 1, status)
        st, _, body = self.hub.req("GET", "%scollections/%s/manifest/?match[id]=%s"
                                   % (API_ROOT, cid, obj["id"]), token=token)
        self.assertEqual(st, 200, body)
        added = body["objects"][-1]["date_added"]
        return {"id": obj["id"], "collection": cid, "date_added": ts_us(added)}

    def event(self, org, subs, refs, kind="object"):
        """Appends an event of org naming subs and the object versions refs; returns seq."""
        doc = {"kind": kind, "subscriptions": list(subs), "watchlist": [], "objects": refs}
        oid = self.org(org)
        db = self.db()
        try:
            with db:
                (last,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events WHERE org_id = ?",
                                     (oid,)).fetchone()
                db.execute("INSERT INTO events(org_id, seq, time, kind, json) "
                           "VALUES (?, ?, ?, ?, ?)",
                           (oid, last + 1, int(time.time() * 1e6), kind, json.dumps(doc)))
        finally:
            db.close()
        return last + 1

    def channel(self, sid):
        db = sqlite_db(self.hub, "the delivery state of a channel")
        try:
            row = db.execute("SELECT json FROM records WHERE kind = 'alert-channel' AND id = ?",
                             (sid,)).fetchone()
        finally:
            db.close()
        return json.loads(row[0]) if row else None

    def wait_for(self, what, cond, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = cond()
            if v:
                return v
            time.sleep(0.05)
        self.fail("%s: not within %.0f s" % (what, timeout))

    def green(self, name="delivery test"):
        return self.post(self.fx.c_all, indicator(name), self.fx.gas_contrib)

    def api(self, path, token):
        st, _, got = self.hub.req("GET", path, token=token, accept=JSON)
        return st, got


class TestAlertDelivery(DeliveryCase):
    def test_signed_delivery_names_event_and_subscription(self):
        rx = WebhookReceiver(secret="power-webhook-secret-1")
        try:
            sid = self.subscribe(self.fx.power, webhook=rx)
            ref = self.green("signed one")
            seq = self.event(self.fx.power, [sid], [ref])
            rec = rx.wait(1)[0]
            self.assertTrue(rec["signature_ok"], rec["headers"])
            self.assertEqual(rec["headers"]["X-Renkei-Signature"],
                             signature("power-webhook-secret-1", rec["body"]))
            self.assertEqual(rec["headers"]["X-Renkei-Event-Id"], str(seq))
            self.assertEqual(rec["headers"]["X-Renkei-Subscription"], sid)
            self.assertEqual(rec["headers"]["Content-Type"], "application/json")
            self.assertTrue(rec["headers"]["User-Agent"].startswith("renkei"))
            body = rec["json"]
            self.assertEqual(body["event_id"], str(seq))
            self.assertEqual(body["subscription"], sid)
            self.assertEqual(body["kind"], "object")
            self.assertEqual([o["id"] for o in body["objects"]], [ref["id"]])
            self.assertEqual(body["objects"][0]["name"], "signed one")
            st = self.wait_for("cursor stored",
                               lambda: (self.channel(sid) or {}).get("cursor") == seq and
                               self.channel(sid))
            self.assertEqual(st["delivered"], 1)
            self.assertEqual(st["last_status"], 200)
        finally:
            rx.stop()

    def test_event_for_another_subscription_is_not_delivered(self):
        rx = WebhookReceiver(secret="s" * 16)
        try:
            mine = self.subscribe(self.fx.rail, webhook=rx)
            other = self.subscribe(self.fx.rail)  # stream-only
            self.event(self.fx.rail, [other], [self.green("not mine")])
            control = self.green("mine")
            self.event(self.fx.rail, [mine], [control])
            got = rx.wait(1)
            time.sleep(0.5)
            self.assertEqual([r["json"]["objects"][0]["id"] for r in rx.received],
                             [control["id"]])
            self.assertEqual(got[0]["json"]["subscription"], mine)
        finally:
            rx.stop()

    def test_red_object_is_withheld_from_a_non_recipient(self):
        rx = WebhookReceiver(secret="r" * 16)
        try:
            sid = self.subscribe(self.fx.rail, webhook=rx)
            red = self.post(self.fx.c_all, indicator("red one", marking=RED,
                                                     x_renkei_recipients=[self.fx.gas]),
                            self.fx.power_contrib)
            withheld = self.event(self.fx.rail, [sid], [red])
            control = self.green("after red")
            seq = self.event(self.fx.rail, [sid], [control])
            got = rx.wait(1)
            time.sleep(0.5)
            self.assertEqual(len(rx.received), 1, [r["json"] for r in rx.received])
            self.assertEqual(got[0]["json"]["event_id"], str(seq))
            self.assertNotIn(red["id"].encode(), got[0]["body"])
            self.assertNotIn(b"red one", got[0]["body"])
            self.assertGreater(seq, withheld)
            self.wait_for("cursor past both", lambda: self.channel(sid)["cursor"] == seq)
        finally:
            rx.stop()

    def test_receiver_down_then_up_gets_everything_in_order(self):
        rx = WebhookReceiver(secret="d" * 16)
        try:
            rx.stop()
            sid = self.subscribe(self.fx.gas, webhook=rx)
            seqs = [self.event(self.fx.gas, [sid], [self.green("down %d" % i)])
                    for i in range(5)]
            self.wait_for("a failed attempt",
                          lambda: (self.channel(sid) or {}).get("attempts", 0) >= 2)
            st = self.channel(sid)
            self.assertTrue(st["last_error"], st)
            self.assertGreater(st["failing_since"], 0)
            rx.start()
            got = rx.wait(5)
            time.sleep(0.3)
            ids = [int(r["json"]["event_id"]) for r in rx.received]
            self.assertEqual(ids, seqs)
            self.assertEqual([r["json"]["objects"][0]["name"] for r in got],
                             ["down %d" % i for i in range(5)])
            st = self.wait_for("state reset", lambda: self.channel(sid)["attempts"] == 0 and
                               self.channel(sid))
            self.assertEqual(st["failing_since"], 0)
            self.assertEqual(st["delivered"], 5)
        finally:
            rx.stop()

    def test_500_is_retried_until_200(self):
        rx = WebhookReceiver(secret="f" * 16)
        try:
            rx.status = 500
            sid = self.subscribe(self.fx.bank, webhook=rx)
            seq = self.event(self.fx.bank, [sid], [self.green("retried")])
            st = self.wait_for("two failed attempts",
                               lambda: (self.channel(sid) or {}).get("attempts", 0) >= 2 and
                               self.channel(sid))
            self.assertEqual(st["last_status"], 500)
            self.assertIn("500", st["last_error"])
            rx.status = 200
            got = rx.wait(1)
            self.assertEqual(got[0]["json"]["event_id"], str(seq))
            self.wait_for("delivered", lambda: self.channel(sid)["delivered"] == 1)
        finally:
            rx.stop()

    def test_stalling_receiver_does_not_delay_another(self):
        slow, fast = WebhookReceiver(secret="a" * 16), WebhookReceiver(secret="b" * 16)
        try:
            slow.delay = 10.5
            s_slow = self.subscribe(self.fx.power, webhook=slow)
            s_fast = self.subscribe(self.fx.power, webhook=fast)
            self.event(self.fx.power, [s_slow], [self.green("to the slow one")])
            time.sleep(0.5)  # the slow delivery is under way
            t0 = time.time()
            self.event(self.fx.power, [s_fast], [self.green("to the fast one")])
            fast.wait(1, timeout=5)
            self.assertLess(time.time() - t0, 3.0)
            self.assertEqual(len(slow.received), 0)
            slow.delay = 0
            slow.wait(1, timeout=30)  # after its timeout, retried
        finally:
            slow.stop()
            fast.stop()

    def test_sigkill_before_delivery_then_delivered(self):
        rx = WebhookReceiver(secret="k" * 16)
        try:
            rx.stop()
            sid = self.subscribe(self.fx.gas, webhook=rx)
            seq = self.event(self.fx.gas, [sid], [self.green("survives a kill")])
            self.wait_for("a failed attempt",
                          lambda: (self.channel(sid) or {}).get("attempts", 0) >= 1)
            self.hub.kill9()
            self.hub.start()
            rx.start()
            got = rx.wait(1)
            self.assertEqual(got[0]["json"]["event_id"], str(seq))
            self.assertEqual(got[0]["json"]["objects"][0]["name"], "survives a kill")
        finally:
            rx.stop()

    def test_email_channel_sends_one_message_per_event(self):
        before = len(self.smtp.messages)
        sid = self.subscribe(self.fx.rail, email=["soc@rail.example", "oncall@rail.example"])
        ref = self.post(self.fx.c_all, indicator("日本語 phishing kit"), self.fx.gas_contrib)
        seq = self.event(self.fx.rail, [sid], [ref])
        msg = self.smtp.wait(before + 1)[before]
        self.assertEqual(msg["mail_from"], "<renkei@localhost>")
        self.assertEqual(sorted(msg["rcpt"]), ["<oncall@rail.example>", "<soc@rail.example>"])
        head, _, text = msg["data"].partition("\r\n\r\n")
        import email.header
        import email.parser
        m = email.parser.Parser().parsestr(msg["data"])
        subject = str(email.header.make_header(email.header.decode_header(m["Subject"])))
        self.assertEqual(subject, "[renkei] object: 日本語 phishing kit")
        for h in ("Date", "From", "To", "Message-ID"):
            self.assertTrue(m[h], h)
        self.assertIn("soc@rail.example", m["To"])
        self.assertEqual(m["Content-Type"], "text/plain; charset=utf-8")
        self.assertIn(ref["id"], text)
        self.assertIn("Event %d" % seq, text)
        self.wait_for("delivered", lambda: (self.channel(sid) or {}).get("delivered") == 1)

    def test_webhook_and_email_of_one_subscription_keep_their_own_state(self):
        rx = WebhookReceiver(secret="w" * 16)
        try:
            rx.stop()  # the webhook fails; the e-mail goes on regardless
            before = len(self.smtp.messages)
            sid = self.subscribe(self.fx.bank, webhook=rx, email=["soc@bank.example"])
            seq = self.event(self.fx.bank, [sid], [self.green("both channels")])
            self.smtp.wait(before + 1)
            st = self.wait_for("both states", lambda: (self.channel(sid) or {}).get(
                "email", {}).get("delivered") == 1 and self.channel(sid).get("attempts", 0) >= 1
                and self.channel(sid))
            self.assertEqual(st["channel"], "webhook")
            self.assertEqual(st["cursor"], seq - 1 if seq > 1 else 0)
            self.assertEqual(st["email"]["channel"], "email")
            self.assertEqual(st["email"]["cursor"], seq)
            rx.start()
            self.assertEqual(rx.wait(1)[0]["json"]["event_id"], str(seq))
        finally:
            rx.stop()

    def test_subscription_dead_letter_time_overrides_the_default(self):
        rx = WebhookReceiver(secret="o" * 16)
        try:
            rx.status = 503
            sid = self.subscribe(self.fx.rail, webhook=rx, dead_letter_after=1)
            seq = self.event(self.fx.rail, [sid], [self.green("dies in a second")])

            def dead():
                st, got = self.api("/api/v1/dead-letters?subscription=" + sid,
                                   self.fx.rail_reader)
                return got["dead_letters"]
            d = self.wait_for("a dead letter after 1 s", dead, timeout=15)[0]
            self.assertEqual(d["event_id"], str(seq))
            self.assertIn("503", d["last_error"])
        finally:
            rx.stop()

    def test_long_run_of_other_events_is_crossed_at_once(self):
        rx = WebhookReceiver(secret="l" * 16)
        try:
            sid = self.subscribe(self.fx.rail, webhook=rx)
            other = self.subscribe(self.fx.rail)
            ref = self.green("after many")
            oid = self.org(self.fx.rail)
            doc = json.dumps({"kind": "object", "subscriptions": [other], "watchlist": [],
                              "objects": [ref]})
            db = self.db()
            with db:
                (last,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events "
                                     "WHERE org_id = ?", (oid,)).fetchone()
                now = int(time.time() * 1e6)
                db.executemany("INSERT INTO events VALUES (?, ?, ?, 'object', ?)",
                               [(oid, last + k, now, doc) for k in range(1, 10001)])
            db.close()
            t0 = time.time()
            seq = self.event(self.fx.rail, [sid], [ref])
            self.assertEqual(rx.wait(1)[0]["json"]["event_id"], str(seq))
            self.assertLess(time.time() - t0, 10.0)
            self.wait_for("the skipped cursor stored",
                          lambda: (self.channel(other) or {}).get("cursor") is None and
                          self.channel(sid)["cursor"] == seq)
        finally:
            rx.stop()

    def test_plain_http_webhook_off_loopback_is_never_used(self):
        # records written around the routes' check: delivery checks again, the same way
        for url in ("http://192.0.2.7:9/hook", "http://127.attacker.example:9/hook"):
            class Far:
                secret = "z" * 16
            Far.url = url
            sid = self.subscribe(self.fx.gas, webhook=Far())
            self.event(self.fx.gas, [sid], [self.green("never sent")])
            self.wait_for("the refusal logged", lambda: sid in self.hub.server_stderr())
            time.sleep(1.0)
            log = self.hub.server_stderr()
            self.assertEqual(log.count("subscription %s: not delivered" % sid), 1, log[-2000:])
            self.assertIsNone(self.channel(sid))


class TestDeadLetters(DeliveryCase):
    env = dict(ENV, RENKEI_ALERT_DEAD_AFTER_S="2")

    def test_dead_letter_after_the_time_then_the_next_goes(self):
        rx = WebhookReceiver(secret="x" * 16)
        try:
            rx.status = 500
            sid = self.subscribe(self.fx.power, webhook=rx)
            ref = self.green("dies")
            first = self.event(self.fx.power, [sid], [ref])
            t0 = time.time()

            def listed():
                st, got = self.api("/api/v1/dead-letters", self.fx.power_reader)
                self.assertEqual(st, 200, got)
                return got["dead_letters"]
            dead = self.wait_for("a dead letter", listed, timeout=20)
            rx.status = 200
            self.assertGreaterEqual(time.time() - t0, 2.0)
            second = self.event(self.fx.power, [sid], [self.green("lives")])
            got = rx.wait(1)
            self.assertEqual(got[0]["json"]["event_id"], str(second))
            self.assertEqual(len(dead), 1, dead)
            d = dead[0]
            self.assertEqual(d["subscription"], sid)
            self.assertEqual(d["event_id"], str(first))
            self.assertGreaterEqual(d["attempts"], 2)
            self.assertIn("500", d["last_error"])
            self.assertTrue(d["time"])
            self.assertEqual(d["event"]["objects"][0]["id"], ref["id"])
            st = self.channel(sid)
            self.assertEqual(st["dead"], 1)
            # filtered by subscription; other organisations see none; the coordinator may ask
            st_, got = self.api("/api/v1/dead-letters?subscription=" + sid,
                                self.fx.power_reader)
            self.assertEqual(len(got["dead_letters"]), 1)
            st_, got = self.api("/api/v1/dead-letters?subscription=other",
                                self.fx.power_reader)
            self.assertEqual(got["dead_letters"], [])
            st_, got = self.api("/api/v1/dead-letters", self.fx.gas_reader)
            self.assertEqual((st_, got["dead_letters"]), (200, []))
            st_, got = self.api("/api/v1/dead-letters?org=" + self.fx.power, self.fx.gas_reader)
            self.assertEqual(st_, 403, got)
            st_, got = self.api("/api/v1/dead-letters?org=" + self.fx.power, self.fx.coord)
            self.assertEqual(st_, 200, got)
            self.assertEqual([x["event_id"] for x in got["dead_letters"]], [str(first)])
            st_, got = self.api("/api/v1/dead-letters?org=no-such-org", self.fx.coord)
            self.assertEqual(st_, 404, got)
            st_, got = self.api("/api/v1/dead-letters", None)
            self.assertEqual(st_, 401, got)
            # a retry: another organisation's is 404 as if absent; the owner's is delivered
            # (ahead of anything newer) and the dead letter goes
            path = "/api/v1/dead-letters/%s/%d/retry" % (sid, first)
            st_, _, got = self.hub.req("POST", path, token=self.fx.gas_reader, accept=JSON)
            self.assertEqual(st_, 404, got)
            st_, _, got = self.hub.req("POST", path + "x", token=self.fx.power_reader,
                                       accept=JSON)
            self.assertEqual(st_, 404, got)
            st_, _, got = self.hub.req("POST", path, token=self.fx.power_reader, accept=JSON)
            self.assertEqual(st_, 202, got)
            self.assertEqual((got["subscription"], got["event_id"], got["channel"]),
                             (sid, str(first), "webhook"))
            got = rx.wait(2)
            self.assertEqual(got[1]["json"]["event_id"], str(first))
            self.assertTrue(got[1]["signature_ok"])
            self.wait_for("the dead letter gone", lambda: listed() == [])
            self.wait_for("dead count", lambda: self.channel(sid)["dead"] == 0)
        finally:
            rx.stop()
