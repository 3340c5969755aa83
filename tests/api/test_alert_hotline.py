# SPDX-License-Identifier: Apache-2.0
"""test_alert_hotline.py: the hotline (docs/alerts.md, "The hotline"; issue 17).

- Only the coordinator raises an alert; a bad template, sector or member is refused, named.
- Each audience gets its template's fields: the affected sector the incident, indicators
  and mitigations it may read; another sector the summary only; a RED indicator reaches
  only its named recipients, even when the template gives everyone the indicators.
- Acknowledgement through the API (idempotent) and the signed link of the e-mail (a wrong
  signature is refused); the coordinator sees who acknowledged and how.
- Escalation: not acknowledged within ack_seconds, stage 1 (an escalation event to the
  organisation), then stage 2 (an escalation event to the coordinator's organisation),
  seen in the events table and in GET.
- Contacts: own organisation's, the coordinator's ?org=, addresses checked.
- A rule of the policy's hotline section raises an alert from a severity-4 incident report
  (needs the matcher to call alert_hotline_on_incident).
- The CLI: renkei alert raise / alerts / ack.
"""
import json
import os
import re
import time
import urllib.parse

from harness import JSON, HubTestCase, sqlite_db, stix_id

GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
SEV_EXT = "extension-definition--339bfdf3-09f0-4caa-8372-1c66d35747c1"
T0 = "2026-02-01T00:00:00.000Z"
ENV = {"RENKEI_ALERT_ESCALATION_TICK_MS": "200", "RENKEI_ALERT_INTERVAL_MS": "100"}


def obj(typ, **extra):
    o = {"type": typ, "spec_version": "2.1", "id": stix_id(typ), "created": T0,
         "modified": T0, "object_marking_refs": [GREEN]}
    o.update(extra)
    return o


def indicator(name, marking=GREEN, **extra):
    return obj("indicator", name=name, pattern_type="stix",
               pattern="[domain-name:value = '%s.example.jp']" % name,
               valid_from="2026-01-01T00:00:00Z", object_marking_refs=[marking], **extra)


def related(src, dst):
    return obj("relationship", relationship_type="related-to", source_ref=src["id"],
               target_ref=dst["id"])


def ids(objs):
    return sorted(o["id"] for o in objs or [])


class TestAlertHotline(HubTestCase):
    @classmethod
    def extra_setup(cls):
        os.environ.update(ENV)

    @classmethod
    def after_start(cls):
        for k in ENV:
            os.environ.pop(k, None)
        fx = cls.fx
        cls.incident = obj("incident", name="ransomware at a substation")
        cls.green = indicator("c2-green")
        cls.red = indicator("c2-red", marking=RED, x_renkei_recipients=[fx.rail])
        cls.coa = obj("course-of-action", name="isolate the engineering workstations")
        objs = [cls.incident, cls.green, cls.red, cls.coa, related(cls.green, cls.incident),
                related(cls.red, cls.incident), related(cls.coa, cls.incident)]
        st = cls.hub.post_complete(fx.c_all, objs, fx.power_contrib)
        assert st["success_count"] == len(objs), st

    # ---- helpers -------------------------------------------------------------------------

    def api(self, method, path, token, body=None, expect=(200, 201, 204)):
        st, _, got = self.hub.req(method, path, token=token, body=body, accept=JSON,
                                  content_type=JSON if body is not None else None)
        self.assertIn(st, expect, "%s %s: %s %s" % (method, path, st, got))
        return got

    def raise_alert(self, **body):
        body.setdefault("template", "generic")
        body.setdefault("summary", "Ransomware in the power sector")
        got = self.api("POST", "/api/v1/alerts", self.fx.coord, body, expect=(201,))
        self.assertRegex(got["id"], r"^[0-9a-f-]{36}$")
        return got["id"]

    def org_id(self, name):
        return self.fx.org_ids[name]

    def events(self, org_name, alert_id, kind):
        db = sqlite_db(self.hub, "the per-organisation event log")
        try:
            cols = [r[1] for r in db.execute("PRAGMA table_info(events)")]
            rows = db.execute("SELECT * FROM events").fetchall()
        finally:
            db.close()
        out = []
        for r in rows:
            row = dict(zip(cols, r))
            doc = json.loads(row.get("json") or "{}")
            if (row.get("org_id") == self.org_id(org_name) if org_name else True) and \
                    doc.get("alert") == alert_id and doc.get("kind") == kind:
                out.append((row, doc))
        return out

    # ---- raising -------------------------------------------------------------------------

    def test_only_the_coordinator_raises_and_bad_requests_are_named(self):
        st, _, got = self.hub.req("POST", "/api/v1/alerts", token=self.fx.power_analyst,
                                  body={"template": "generic", "summary": "x"}, accept=JSON,
                                  content_type=JSON)
        self.assertEqual(st, 403, got)
        for body, word in (({"template": "nope", "summary": "x"}, "nope"),
                           ({"template": "generic", "summary": ""}, "summary"),
                           ({"template": "generic", "summary": "x", "sectors": ["powr"]},
                            "sectors[0]"),
                           ({"template": "generic", "summary": "x", "colour": 1}, "colour"),
                           ({"template": "generic", "summary": "x", "ack_seconds": 0},
                            "ack_seconds"),
                           ({"template": "generic", "summary": "x",
                             "incident": "incident--00000000-0000-4000-8000-000000000000"},
                            "incident")):
            got = self.api("POST", "/api/v1/alerts", self.fx.coord, body, expect=(400,))
            self.assertIn(word, got["error"])

    def test_audiences_get_their_fields(self):
        aid = self.raise_alert(incident=self.incident["id"], sectors=["electric-power"])
        power = self.api("GET", "/api/v1/alerts/" + aid, self.fx.power_reader)
        self.assertEqual(power["audience"], "affected-sectors")
        self.assertEqual(power["summary"], "Ransomware in the power sector")
        self.assertEqual(power["incident"]["id"], self.incident["id"])
        self.assertEqual(ids(power["indicators"]), sorted([self.green["id"], self.red["id"]]))
        self.assertEqual(ids(power["mitigations"]), [self.coa["id"]])
        self.assertIn("/api/v1/alerts/%s/ack?org=" % aid, power["ack_url"])
        gas = self.api("GET", "/api/v1/alerts/" + aid, self.fx.gas_reader)
        self.assertEqual(gas["audience"], "everyone")
        self.assertEqual(gas["summary"], "Ransomware in the power sector")
        for member in ("indicators", "mitigations", "incident", "severity"):
            self.assertNotIn(member, gas)
        self.assertNotIn(self.incident["id"], json.dumps(gas))
        # one hotline event per recipient, naming the alert; none for the coordinator's org
        for name in (self.fx.power, self.fx.gas, self.fx.rail, self.fx.bank):
            self.assertEqual(len(self.events(name, aid, "hotline")), 1, name)
        self.assertEqual(len(self.events(None, aid, "hotline")), 4)
        # the lists: a member sees its own alerts, the coordinator every alert
        mine = self.api("GET", "/api/v1/alerts", self.fx.gas_reader)["alerts"]
        self.assertIn(aid, [a["id"] for a in mine])
        every = self.api("GET", "/api/v1/alerts", self.fx.coord)["alerts"]
        self.assertIn(aid, [a["id"] for a in every])

    def test_hotline_goes_to_subscriptions_unless_they_opt_out(self):
        tok = self.fx.bank_contrib
        want = self.api("POST", "/api/v1/subscriptions", tok, {"filter": {}}, expect=(201,))["id"]
        opted_out = self.api("POST", "/api/v1/subscriptions", tok,
                             {"filter": {"hotline": False}}, expect=(201,))["id"]
        try:
            aid = self.raise_alert()
            (_, doc), = self.events(self.fx.bank, aid, "hotline")
            self.assertIn(want, doc["subscriptions"])
            self.assertNotIn(opted_out, doc["subscriptions"])
        finally:
            for sid in (want, opted_out):
                self.api("DELETE", "/api/v1/subscriptions/" + sid, tok, expect=(204,))

    def test_red_indicator_reaches_only_its_recipients(self):
        # ddos gives everyone the indicators: each reads those it may read, no more
        aid = self.raise_alert(template="ddos", incident=self.incident["id"],
                               sectors=["finance"])
        seen = {}
        for name, tok in ((self.fx.gas, self.fx.gas_reader), (self.fx.rail, self.fx.rail_reader),
                          (self.fx.bank, self.fx.bank_contrib)):
            view = self.api("GET", "/api/v1/alerts/" + aid, tok)
            seen[name] = ids(view["indicators"])
            if name != self.fx.rail:
                self.assertNotIn(self.red["id"], self.hub.last_raw.decode())
                self.assertNotIn("c2-red", self.hub.last_raw.decode())
        self.assertEqual(seen[self.fx.gas], [self.green["id"]])
        self.assertEqual(seen[self.fx.bank], [self.green["id"]])
        self.assertEqual(seen[self.fx.rail], sorted([self.green["id"], self.red["id"]]))
        # a member that is no recipient of the alert does not learn it exists: the
        # coordinator's status is the only whole view
        st, _, _ = self.hub.req("GET", "/api/v1/alerts/00000000-0000-4000-8000-000000000000",
                                token=self.fx.gas_reader, accept=JSON)
        self.assertEqual(st, 404)

    # ---- acknowledgement -----------------------------------------------------------------

    def test_ack_through_the_api_and_the_signed_link(self):
        aid = self.raise_alert()
        first = self.api("POST", "/api/v1/alerts/%s/ack" % aid, self.fx.power_reader, {})
        again = self.api("POST", "/api/v1/alerts/%s/ack" % aid, self.fx.power_contrib, {})
        self.assertEqual(first["acknowledged_at"], again["acknowledged_at"])
        # the e-mail's link, as the gas organisation's view gives it
        url = self.api("GET", "/api/v1/alerts/" + aid, self.fx.gas_reader)["ack_url"]
        path = url[url.index("/api/v1/"):]
        q = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
        self.assertEqual(q["org"], [self.org_id(self.fx.gas)])
        bad = path[:-4] + ("0000" if not path.endswith("0000") else "1111")
        for p in (bad, path.replace(q["org"][0], self.org_id(self.fx.rail))):
            for method in ("GET", "POST"):
                pp = p if method == "GET" else p.replace("/ack?", "/ack-link?")
                st, _, body = self.hub.req(method, pp, accept="text/html")
                self.assertEqual(st, 403, body)
        # opening the link (a mail scanner prefetching it too) only shows a page whose button
        # POSTs the acknowledgement
        st, hdrs, body = self.hub.req("GET", path, accept="text/html")
        self.assertEqual(st, 200, body)
        self.assertIn("text/html", hdrs.get("Content-Type"))
        self.assertIn(b'method="post"', body)
        gas = self.api("GET", "/api/v1/alerts/" + aid, self.fx.coord)
        self.assertIsNone([r for r in gas["recipients"] if r["org"] ==
                           self.org_id(self.fx.gas)][0]["acknowledged_at"])
        action = re.search(rb'action="([^"]+)"', body).group(1).decode().replace("&amp;", "&")
        st, hdrs, body = self.hub.req("POST", action, accept="text/html", body=b"",
                                      content_type="application/x-www-form-urlencoded")
        self.assertEqual(st, 200, body)
        self.assertIn(b"acknowledged at", body)
        # who is not a recipient cannot acknowledge; an unknown alert is 404
        self.api("POST", "/api/v1/alerts/%s/ack" % aid, self.fx.coord, {}, expect=(404,))
        self.api("POST", "/api/v1/alerts/%s/ack" % "00000000-0000-4000-8000-000000000000",
                 self.fx.rail_reader, {}, expect=(404,))
        # the coordinator's status view: who acknowledged, how, and who not
        state = self.api("GET", "/api/v1/alerts/" + aid, self.fx.coord)
        recips = {r["org"]: r for r in state["recipients"]}
        self.assertEqual(set(recips), {self.org_id(n) for n in (self.fx.power, self.fx.gas,
                                                                   self.fx.rail, self.fx.bank)})
        self.assertEqual(recips[self.org_id(self.fx.power)]["acknowledged_at"],
                         first["acknowledged_at"])
        self.assertRegex(recips[self.org_id(self.fx.power)]["acknowledged_by"], r"^member token")
        self.assertEqual(recips[self.org_id(self.fx.gas)]["acknowledged_by"], "link")
        self.assertIsNone(recips[self.org_id(self.fx.bank)]["acknowledged_at"])
        self.assertEqual(state["acknowledged"], 2)
        self.assertEqual(state["not_acknowledged"], 2)
        # the coordinator may acknowledge for a member (a call on the phone)
        self.api("POST", "/api/v1/alerts/%s/ack?org=%s" % (aid, self.fx.bank), self.fx.coord, {})
        state = self.api("GET", "/api/v1/alerts/" + aid, self.fx.coord)
        bank = [r for r in state["recipients"] if r["org"] == self.org_id(self.fx.bank)][0]
        self.assertRegex(bank["acknowledged_by"], r"^coordinator token")

    # ---- escalation ----------------------------------------------------------------------

    def test_escalation_after_ack_seconds(self):
        aid = self.raise_alert(ack_seconds=2)
        self.api("POST", "/api/v1/alerts/%s/ack" % aid, self.fx.power_reader, {})
        deadline, bank = time.time() + 30, None
        while time.time() < deadline:
            state = self.api("GET", "/api/v1/alerts/" + aid, self.fx.coord)
            bank = [r for r in state["recipients"] if r["org"] == self.org_id(self.fx.bank)][0]
            if bank["escalation"] >= 2:
                break
            time.sleep(0.2)
        self.assertEqual(bank["escalation"], 2, state)
        self.assertEqual(len(bank["escalated_at"]), 2)
        power = [r for r in state["recipients"] if r["org"] == self.org_id(self.fx.power)][0]
        self.assertEqual(power["escalation"], 0)
        # stage 1: an escalation event to the organisation itself; stage 2: to the coordinator
        ev1 = self.events(self.fx.bank, aid, "escalation")
        self.assertEqual([d["stage"] for _, d in ev1], [1])
        self.assertEqual(self.events(self.fx.power, aid, "escalation"), [])
        db = sqlite_db(self.hub, "the coordinator organisation's id")
        try:
            coord_id = db.execute("SELECT value FROM settings WHERE key = 'coordinator_org'"
                                  ).fetchone()[0]
        finally:
            db.close()
        stage2 = [(r, d) for r, d in self.events(None, aid, "escalation") if d["stage"] == 2]
        self.assertEqual(sorted(d["org"] for _, d in stage2),
                         sorted(self.org_id(n) for n in (self.fx.gas, self.fx.rail,
                                                         self.fx.bank)))
        self.assertEqual({r["org_id"] for r, _ in stage2}, {coord_id})
        # the member's own view says its stage
        view = self.api("GET", "/api/v1/alerts/" + aid, self.fx.bank_contrib)
        self.assertEqual(view["escalation"], 2)

    # ---- contacts ------------------------------------------------------------------------

    def test_contacts(self):
        c = {"primary": ["soc@gas.example"], "backup": ["ciso@gas.example", "duty@gas.example"]}
        got = self.api("PUT", "/api/v1/contacts", self.fx.gas_reader, c)
        self.assertEqual(got["primary"], c["primary"])
        got = self.api("GET", "/api/v1/contacts", self.fx.gas_reader)
        self.assertEqual((got["primary"], got["backup"]), (c["primary"], c["backup"]))
        got = self.api("GET", "/api/v1/contacts?org=" + self.fx.gas, self.fx.coord)
        self.assertEqual(got["backup"], c["backup"])
        got = self.api("PUT", "/api/v1/contacts", self.fx.gas_reader,
                       {"primary": ["soc@gas.example", "not an address"]}, expect=(400,))
        self.assertIn("primary[1]", got["error"])
        self.api("GET", "/api/v1/contacts?org=" + self.fx.power, self.fx.gas_reader,
                 expect=(403,))
        self.api("GET", "/api/v1/contacts", self.hub.token_create(self.fx.gas, "metrics"),
                 expect=(403,))

    # ---- rules ---------------------------------------------------------------------------

    def test_rule_raises_an_alert_from_a_severity_4_incident(self):
        policy = self.api("GET", "/api/v1/policy", self.fx.coord)
        doc = policy.get("policy", policy)
        doc["hotline"]["rules"] = [{"min_severity": 4, "sectors": ["electric-power"],
                                    "template": "ransomware"}]
        self.api("PUT", "/api/v1/policy", self.fx.coord, doc)
        ext = {"extension_type": "property-extension", "event_type": "availability-loss",
               "status": "recovered", "service": "stopped", "duration_hours": 30, "regions": 2,
               "safety": "death", "sector": "electric-power"}
        inc = obj("incident", name="substation fire", extensions={SEV_EXT: ext})
        low = obj("incident", name="small outage",
                  extensions={SEV_EXT: dict(ext, safety="none", duration_hours=1, regions=0,
                                            service="degraded", status="detected")})
        self.hub.post_complete(self.fx.c_all, [inc, low], self.fx.power_contrib)
        deadline, mine = time.time() + 15, []
        while time.time() < deadline and not mine:
            alerts = self.api("GET", "/api/v1/alerts", self.fx.coord)["alerts"]
            mine = [a for a in alerts if a.get("incident") in (inc["id"], low["id"])]
            time.sleep(0.2)
        self.assertTrue(mine, "no alert raised by the rule within 15 s")
        self.assertEqual([(a["incident"], a["severity"], a["raised_by"], a["template"])
                          for a in mine], [(inc["id"], 4, "rule", "ransomware")])
        power = self.api("GET", "/api/v1/alerts/" + mine[0]["id"], self.fx.power_reader)
        self.assertEqual(power["incident"]["id"], inc["id"])
        # once per incident id: a new version raises no second alert
        self.hub.post_complete(self.fx.c_all, [dict(inc, modified="2026-02-02T00:00:00.000Z")],
                               self.fx.power_contrib)
        time.sleep(1.5)
        alerts = self.api("GET", "/api/v1/alerts", self.fx.coord)["alerts"]
        self.assertEqual(len([a for a in alerts if a.get("incident") == inc["id"]]), 1)

    def test_policy_section_is_validated(self):
        policy = self.api("GET", "/api/v1/policy", self.fx.coord)
        doc = policy.get("policy", policy)
        bad = json.loads(json.dumps(doc))
        bad["hotline"]["templates"][0]["audiences"][0]["fields"].append("passwords")
        got = self.api("PUT", "/api/v1/policy", self.fx.coord, bad, expect=(400,))
        self.assertIn("templates[0] (ransomware): audiences[0].fields", got["error"])
        bad = json.loads(json.dumps(doc))
        bad["hotline"]["rules"] = [{"min_severity": 3, "template": "nope"}]
        got = self.api("PUT", "/api/v1/policy", self.fx.coord, bad, expect=(400,))
        self.assertIn("rules[0]: template", got["error"])

    # ---- the command line ----------------------------------------------------------------

    def test_cli_raise_alerts_ack(self):
        url = self.hub.url()
        out = self.hub.cli("alert", "raise", "--token", self.fx.coord, url, "--template",
                           "generic", "--summary", "from the CLI", "--sector", "railways",
                           data=False)
        aid = out["id"]
        out = self.hub.cli("alert", "ack", "--token", self.fx.rail_reader, url, aid, data=False)
        self.assertTrue(out["acknowledged_at"])
        out = self.hub.cli("alert", "alerts", "--token", self.fx.coord, url, aid, data=False)
        rail = [r for r in out["recipients"] if r["org"] == self.org_id(self.fx.rail)][0]
        self.assertTrue(rail["acknowledged_at"])
        out = self.hub.cli("alert", "alerts", "--token", self.fx.rail_reader, url, data=False)
        self.assertIn(aid, [a["id"] for a in out["alerts"]])
        p = self.hub.run_cli("alert", "raise", "--token", self.fx.rail_reader, url, "--template",
                             "generic", "--summary", "x", "--json", data=False)
        self.assertEqual(p.returncode, 1, p.stdout)
