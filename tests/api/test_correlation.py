# SPDX-License-Identifier: Apache-2.0
"""Cross-sector correlation (docs/analysis.md): the same domain posted at GREEN by
organisations of several sectors makes the hub write a grouping into the correlations
collection, readable over TAXII and in GET /api/v1/correlations, its organisation count
under the k rule, naming no reporter; a later report makes a new version of the same
grouping; the reporters earn correlation credit once. Attacks: a RED, AMBER or
sector-restricted input never counts, so a grouping never reveals an input a member could not
read. The worker runs every 200 ms here (RENKEI_CORRELATE_INTERVAL_MS); every wait polls
with a deadline, and "did not correlate" is proven by a control domain posted after the
inputs correlating first (the worker follows the index in order)."""
import os
import time
import uuid

from harness import JSON, HubTestCase, sqlite_db, stix_id

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
INTERVAL_ENV = "RENKEI_CORRELATE_INTERVAL_MS"


def domain_indicator(domain, marking=GREEN, **extra):
    o = {
        "type": "indicator", "spec_version": "2.1", "id": stix_id("indicator"),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "seen here", "pattern_type": "stix",
        "pattern": "[domain-name:value = '%s']" % domain,
        "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": [marking],
    }
    o.update(extra)
    return o


def fresh_domain(tag):
    return "%s-%s.example.jp" % (tag, uuid.uuid4().hex[:10])


class TestCorrelation(HubTestCase):
    @classmethod
    def extra_setup(cls):
        os.environ[INTERVAL_ENV] = "200"
        # a fifth writer of c_all, so that an anonymous post there has k = 5 behind it
        cls.hub.org_add("clinic-test", "medical")
        cls.clinic_contrib = cls.hub.token_create("clinic-test", "contributor")

    @classmethod
    def after_start(cls):
        os.environ.pop(INTERVAL_ENV, None)  # only this server polls that fast

    # ---- helpers -------------------------------------------------------------------------

    def post_ok(self, cid, objects, token, headers=None):
        """Posts and asserts that every object was stored."""
        status = super().post_ok(cid, objects, token, headers=headers)
        self.assertEqual(status["success_count"], len(objects), status)
        return status

    def correlations(self, token):
        st, _, body = self.hub.req("GET", "/api/v1/correlations?limit=1000", token=token,
                                   accept=JSON)
        self.assertEqual(st, 200, body)
        return body

    def wait_for(self, domain, token=None, until=lambda c: True, timeout=30.0):
        """The listing entry of domain once until(entry) holds, polling with a deadline."""
        token = token or self.fx.power_reader
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for c in self.correlations(token)["correlations"]:
                if c["key"] == "domain:" + domain and until(c):
                    return c
            time.sleep(0.1)
        self.fail("no correlation of %s within %.0f s: %r"
                  % (domain, timeout, self.correlations(token)))

    def control(self):
        """Posts a fresh domain that correlates (power + bank, GREEN, all members) and waits
        for it: every index row stored before it has then been through the worker."""
        d = fresh_domain("control")
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.power_contrib)
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.bank_contrib)
        self.wait_for(d)

    def correlations_collection(self, token):
        st, _, body = self.hub.taxii("GET", "collections/", token=token)
        self.assertEqual(st, 200, body)
        for c in body.get("collections", []):
            if c["title"] == "Correlations":
                return c
        self.fail("no Correlations collection for this reader: %r" % (body,))

    def forbidden_strings(self):
        """Names and ids of every organisation and identity but the hub's, and sector keys."""
        out = ['"electric-power"', '"gas"', '"railways"', '"finance"']
        for name, oid in self.fx.org_ids.items():
            out += [name, oid]
        listed = self.hub.cli("org", "list")
        for row in listed.get("orgs", listed.get("organisations", [])):
            out.append(row["name"])
            if row.get("identity_id"):
                out.append(row["identity_id"])
        return out

    def credit(self, org):
        st, _, body = self.hub.req("GET", "/api/v1/credit?org=" + org, token=self.fx.coord,
                                   accept=JSON)
        self.assertEqual(st, 200, body)
        return body

    # ---- tests ---------------------------------------------------------------------------

    def test_three_sectors_correlate_without_naming_anyone(self):
        d = fresh_domain("three")
        # one of them posts anonymously: the grouping must not tell its sector either
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.power_contrib)
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.gas_contrib,
                     headers={"X-Renkei-Anonymity": "anonymous"})
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.rail_contrib)
        c = self.wait_for(d, until=lambda c: c["sectors"] == 3)
        self.assertEqual(c["observable"], {"type": "domain-name", "value": d})
        self.assertEqual(c["organisations"], "fewer than k")  # 3 < k = 5
        self.assertEqual(c["tlp"], "green")
        self.assertTrue(c["id"].startswith("grouping--"))
        self.assertIn("reported by fewer than k organisations in 3 sectors", c["description"])
        raw = self.hub.last_raw.decode()
        for s in self.forbidden_strings():
            self.assertNotIn(s, raw)

        # The same grouping over TAXII, in the correlations collection, for every member.
        for token in (self.fx.bank_contrib, self.fx.rail_reader):
            coll = self.correlations_collection(token)
            self.assertTrue(coll["can_read"])
            self.assertFalse(coll["can_write"])
            st, _, env = self.hub.taxii("GET", "collections/%s/objects/?match[id]=%s"
                                        % (coll["id"], c["id"]), token=token)
            self.assertEqual(st, 200, env)
            g = env["objects"][0]
            self.assertEqual(g["type"], "grouping")
            self.assertEqual(g["context"], "suspicious-activity")
            self.assertEqual(g["created_by_ref"], self.hub.init_result["identity_id"])
            self.assertEqual(g["object_marking_refs"], [GREEN])
            raw = self.hub.last_raw.decode()
            for s in self.forbidden_strings():
                self.assertNotIn(s, raw)
            st, _, env = self.hub.taxii("GET", "collections/%s/objects/?match[id]=%s"
                                        % (coll["id"], g["object_refs"][0]), token=token)
            self.assertEqual(st, 200, env)
            self.assertEqual(env["objects"][0]["value"], d)
            self.assertEqual(env["objects"][0]["type"], "domain-name")
        # Members cannot write into it.
        coll = self.correlations_collection(self.fx.power_contrib)
        st, _, _ = self.hub.post_objects(coll["id"], [domain_indicator(d)],
                                         self.fx.power_contrib)
        self.assertEqual(st, 403)

    def test_later_report_makes_a_new_version_and_credit_is_once(self):
        d = fresh_domain("later")
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.power_contrib)
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.gas_contrib)
        first = self.wait_for(d, until=lambda c: c["sectors"] == 2)
        before = self.credit(self.fx.power)["correlations_by_others"]
        self.assertGreaterEqual(before, 1)
        member = self.hub.req("GET", "/api/v1/credit", token=self.fx.gas_contrib,
                              accept=JSON)[2]
        self.assertGreaterEqual(member["correlations_by_others"], 1)
        rail_before = self.credit(self.fx.rail)["correlations_by_others"]

        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.rail_contrib)
        later = self.wait_for(d, until=lambda c: c["sectors"] == 3)
        self.assertEqual(later["id"], first["id"])
        self.assertGreater(later["modified"], first["modified"])
        coll = self.correlations_collection(self.fx.power_reader)
        st, _, vers = self.hub.taxii("GET", "collections/%s/objects/%s/versions/"
                                     % (coll["id"], first["id"]), token=self.fx.power_reader)
        self.assertEqual(st, 200, vers)
        self.assertGreaterEqual(len(vers["versions"]), 2)
        # One listing entry per grouping: its latest version.
        listed = [c for c in self.correlations(self.fx.power_reader)["correlations"]
                  if c["id"] == first["id"]]
        self.assertEqual(len(listed), 1)
        # The new reporter is credited; the earlier ones not again for the new version.
        self.assertEqual(self.credit(self.fx.rail)["correlations_by_others"], rail_before + 1)
        self.assertEqual(self.credit(self.fx.power)["correlations_by_others"], before)

    def seen_by(self, domain):
        """For each reader: the TLP of the correlation of domain it sees, or None."""
        out = {}
        for name, token in (("power", self.fx.power_reader), ("gas", self.fx.gas_reader),
                            ("rail", self.fx.rail_reader), ("bank", self.fx.bank_contrib),
                            ("coord", self.fx.coord)):
            body = self.correlations(token)
            tlps = [c["tlp"] for c in body["correlations"] if c["key"] == "domain:" + domain]
            self.assertLessEqual(len(tlps), 1)
            out[name] = tlps[0] if tlps else None
            if not tlps:
                self.assertNotIn(domain, self.hub.last_raw.decode())
        return out

    def test_red_amber_and_restricted_inputs_never_leak(self):
        """The GREEN tier counts only what every member reads; the rest makes a RED grouping
        whose recipients are exactly the organisations that could read every input."""
        green_red = fresh_domain("green-red")
        green_amber = fresh_domain("green-amber")
        restricted = fresh_domain("restricted")
        # One GREEN + one RED naming the power company: only bank (its source) and power
        # read both.
        self.post_ok(self.fx.c_all, [domain_indicator(green_red)], self.fx.power_contrib)
        self.post_ok(self.fx.c_all, [domain_indicator(
            green_red, RED, x_renkei_recipients=[self.fx.power])], self.fx.bank_contrib)
        # One GREEN + one AMBER to the collection's audience (all members): everyone reads
        # both, so everyone gets the grouping, still marked RED to them by name.
        self.post_ok(self.fx.c_all, [domain_indicator(green_amber)], self.fx.power_contrib)
        self.post_ok(self.fx.c_all, [domain_indicator(green_amber, AMBER)],
                     self.fx.bank_contrib)
        # GREEN in a collection only electric-power and gas read: only they read both.
        self.post_ok(self.fx.c_all, [domain_indicator(restricted)], self.fx.bank_contrib)
        self.post_ok(self.fx.c_energy, [domain_indicator(restricted)], self.fx.power_contrib)
        self.control()
        self.assertEqual(self.seen_by(green_red), {"power": "red", "gas": None, "rail": None,
                                                   "bank": "red", "coord": None})
        self.assertEqual(self.seen_by(green_amber), {"power": "red", "gas": "red",
                                                     "rail": "red", "bank": "red",
                                                     "coord": None})
        self.assertEqual(self.seen_by(restricted), {"power": "red", "gas": "red", "rail": None,
                                                    "bank": None, "coord": None})
        # Never a GREEN grouping of them, and never over TAXII for whoever may not read it.
        coll = self.correlations_collection(self.fx.rail_reader)
        st, _, env = self.hub.taxii("GET", "collections/%s/objects/?limit=1000" % coll["id"],
                                    token=self.fx.rail_reader)
        self.assertEqual(st, 200, env)
        for d in (green_red, restricted):
            self.assertNotIn(d, self.hub.last_raw.decode())
        # The RED grouping names its recipients nowhere in what they read.
        st, _, body = self.hub.req("GET", "/api/v1/correlations?limit=1000",
                                   token=self.fx.power_reader, accept=JSON)
        raw = self.hub.last_raw.decode()
        for s in self.forbidden_strings():
            self.assertNotIn(s, raw)

    def test_restart_keeps_the_cursor(self):
        d = fresh_domain("restart")
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.power_contrib)
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.bank_contrib)
        first = self.wait_for(d)
        coll = self.correlations_collection(self.fx.power_reader)
        path = "collections/%s/objects/%s/versions/" % (coll["id"], first["id"])
        before = self.hub.taxii("GET", path, token=self.fx.power_reader)[2]["versions"]
        self.hub.stop()
        db = sqlite_db(self.hub, "the worker's cursor")
        try:
            (cursor,) = db.execute("SELECT value FROM settings WHERE key = ?",
                                   ("analyze.correlation_cursor",)).fetchone()
        finally:
            db.close()
        self.assertGreater(int(cursor), 0)
        os.environ[INTERVAL_ENV] = "200"
        try:
            self.hub.start()
        finally:
            os.environ.pop(INTERVAL_ENV, None)
        # What was done before the restart is not done again (no new version), and a later
        # report is taken up.
        self.control()
        self.assertEqual(self.hub.taxii("GET", path, token=self.fx.power_reader)[2]["versions"],
                         before)
        self.post_ok(self.fx.c_all, [domain_indicator(d)], self.fx.rail_contrib)
        self.wait_for(d, until=lambda c: c["sectors"] == 3)
        after = self.hub.taxii("GET", path, token=self.fx.power_reader)[2]["versions"]
        self.assertEqual(len(after), len(before) + 1)

    def test_thresholds_come_from_the_policy(self):
        st, _, doc = self.hub.req("GET", "/api/v1/policy", token=self.fx.coord, accept=JSON)
        self.assertEqual(st, 200, doc)
        self.assertEqual((doc["correlation_min_organisations"], doc["correlation_min_sectors"],
                          doc["correlation_window_days"]), (2, 2, 30))
        stricter = dict(doc, correlation_min_sectors=3)
        st, _, body = self.hub.req("PUT", "/api/v1/policy", token=self.fx.coord, body=stricter,
                                   accept=JSON, content_type=JSON)
        self.assertEqual(st, 200, body)
        try:
            two = fresh_domain("two-of-three")
            three = fresh_domain("three-of-three")
            for token in (self.fx.power_contrib, self.fx.bank_contrib):
                self.post_ok(self.fx.c_all, [domain_indicator(two)], token)
            for token in (self.fx.power_contrib, self.fx.bank_contrib, self.fx.rail_contrib):
                self.post_ok(self.fx.c_all, [domain_indicator(three)], token)
            self.wait_for(three)  # posted after: the worker has been through two
            keys = {c["key"] for c in self.correlations(self.fx.power_reader)["correlations"]}
            self.assertNotIn("domain:" + two, keys)
        finally:
            st, _, body = self.hub.req("PUT", "/api/v1/policy", token=self.fx.coord, body=doc,
                                       accept=JSON, content_type=JSON)
            self.assertEqual(st, 200, body)

    def test_listing_needs_a_token_and_pages(self):
        st, _, body = self.hub.req("GET", "/api/v1/correlations", accept=JSON)
        self.assertEqual(st, 401, body)
        st, _, body = self.hub.req("GET", "/api/v1/correlations?limit=0",
                                   token=self.fx.power_reader, accept=JSON)
        self.assertEqual(st, 400, body)
        self.control()
        self.control()
        body = self.correlations(self.fx.power_reader)
        self.assertGreaterEqual(len(body["correlations"]), 2)
        st, _, page = self.hub.req("GET", "/api/v1/correlations?limit=1",
                                   token=self.fx.power_reader, accept=JSON)
        self.assertEqual(st, 200, page)
        self.assertEqual(len(page["correlations"]), 1)
        self.assertTrue(page["more"])
        st, _, page2 = self.hub.req("GET", "/api/v1/correlations?limit=1&next=" + page["next"],
                                    token=self.fx.power_reader, accept=JSON)
        self.assertEqual(st, 200, page2)
        self.assertEqual(page2["correlations"][0]["id"], body["correlations"][1]["id"])
