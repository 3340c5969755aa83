# SPDX-License-Identifier: Apache-2.0
"""The alert matcher (issue 17, src/alert/match.c), seen in the event log it writes (the
`events` table, read through harness.sqlite_db: delivery and the stream are other parts).
Subscriptions and watchlist entries are written as records straight into the store before the
server starts or while it runs (the matcher notices changed records within a second):
- a watchlist hit (a subdomain of a registered domain, posted by another organisation) is an
  event of kind "watchlist" for the organisation that registered it, naming the entry; a
  look-alike domain (badexample) and an organisation without alerts get nothing;
- a subscription with a pattern filter gets "object" events for what matches only; one with
  "correlations" gets a "correlation" event for the hub's cross-sector grouping;
- a RED object is an event only for its named recipient, never for another subscriber;
- an AMBER object of a sector collection is not an event for an organisation outside it;
- the hub killed with SIGKILL right after acknowledging posts, restarted: every event is
  there once (none lost, none repeated), numbered 1, 2, 3... per organisation.
"Never" is proven by a control object posted after it being matched (versions are matched
in date_added order and the cursor moves with the events)."""
import json
import os
import time
import uuid

from harness import HubTestCase, sqlite_db, stix_id

GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
ENV = {"RENKEI_ALERT_INTERVAL_MS": "100", "RENKEI_CORRELATE_INTERVAL_MS": "200"}
BASE = "assets-%s.example.jp" % uuid.uuid4().hex[:8]


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


def put_record(hub, kind, org_id, doc):
    db = sqlite_db(hub, "alert records before their routes exist", write=True)
    try:
        now = int(time.time() * 1e6)
        db.execute("INSERT INTO records(kind, id, org_id, json, created, updated) "
                   "VALUES (?, ?, ?, ?, ?, ?)", (kind, doc["id"], org_id, json.dumps(doc), now, now))
        db.commit()
    finally:
        db.close()


def events(hub):
    """Every event: [(org_id, seq, kind, json)] in (org, seq) order."""
    db = sqlite_db(hub, "the event log, before the stream route exists")
    try:
        rows = db.execute("SELECT org_id, seq, kind, json FROM events ORDER BY org_id, seq")
        return [(o, s, k, json.loads(j)) for o, s, k, j in rows.fetchall()]
    finally:
        db.close()


def ids_of(ev):
    return [o["id"] for o in ev.get("objects", [])]


class TestAlertMatch(HubTestCase):
    @classmethod
    def extra_setup(cls):
        os.environ.update(ENV)
        org = cls.fx.org_ids
        # power watches BASE; gas and rail subscribe to everything (stream only); bank to
        # patterns under BASE. The coordinator's organisation has nothing.
        put_record(cls.hub, "alert-watch", org[cls.fx.power],
                   {"id": str(uuid.uuid4()), "entry": BASE, "type": "domain",
                    "key": "domain:" + BASE})
        for name in (cls.fx.gas, cls.fx.rail):
            put_record(cls.hub, "alert-subscription", org[name],
                       {"id": "sub-" + name, "filter": {}})
        put_record(cls.hub, "alert-subscription", org[cls.fx.bank],
                   {"id": "sub-bank", "filter": {
                       "types": ["indicator"],
                       "pattern": "[domain-name:value LIKE '%%.%s']" % BASE}})
        put_record(cls.hub, "alert-subscription", org[cls.fx.bank],
                   {"id": "sub-bank-corr", "filter": {"correlations": True}})

    @classmethod
    def after_start(cls):
        for k in ENV:
            os.environ.pop(k, None)

    def org(self, name):
        return self.fx.org_ids[name]

    def post(self, cid, objs, token):
        status = self.post_ok(cid, objs, token)
        self.assertEqual(status["success_count"], len(objs), status)

    def wait_event(self, org_name, oid, timeout=30.0):
        """Waits until org has an event naming oid; returns all its events up to then."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            mine = [e for e in events(self.hub) if e[0] == self.org(org_name)]
            for i, e in enumerate(mine):
                if oid in ids_of(e[3]):
                    return mine[:i + 1]
            time.sleep(0.05)
        self.fail("no event for %s naming %s in %.0f s" % (org_name, oid, timeout))

    def assert_log_sound(self):
        """Per organisation: seq 1, 2, 3... and no object version twice."""
        by_org = {}
        for o, s, _, ev in events(self.hub):
            by_org.setdefault(o, []).append((s, ev))
        for o, evs in by_org.items():
            self.assertEqual([s for s, _ in evs], list(range(1, len(evs) + 1)), o)
            seen = [(x["id"], x["date_added"]) for _, ev in evs for x in ev["objects"]]
            self.assertEqual(len(seen), len(set(seen)), "an object version twice for %s" % o)

    # ---- tests ---------------------------------------------------------------------------

    def test_watchlist_hit(self):
        hit = domain_indicator("c2.sub." + BASE)
        lookalike = domain_indicator("bad" + BASE)
        self.post(self.fx.c_all, [hit], self.fx.bank_contrib)
        self.post(self.fx.c_all, [lookalike], self.fx.bank_contrib)
        control = domain_indicator("control." + BASE)
        self.post(self.fx.c_all, [control], self.fx.bank_contrib)
        mine = self.wait_event(self.fx.power, control["id"])
        got = {ids_of(e[3])[0]: e for e in mine}
        self.assertIn(hit["id"], got)
        org, seq, kind, ev = got[hit["id"]]
        self.assertEqual(kind, "watchlist")
        self.assertEqual(ev["kind"], "watchlist")
        self.assertEqual(ev["watchlist"], [BASE])
        self.assertEqual(ev["subscriptions"], [])
        self.assertEqual(ev["objects"][0]["collection"], self.fx.c_all)
        self.assertIsInstance(ev["objects"][0]["date_added"], int)
        self.assertNotIn(lookalike["id"], got)
        # bank's pattern filter: its two subdomains of BASE, not the look-alike.
        mine = self.wait_event(self.fx.bank, control["id"])
        seen = [i for e in mine for i in ids_of(e[3])]
        self.assertIn(hit["id"], seen)
        self.assertNotIn(lookalike["id"], seen)
        ev = [e for e in mine if hit["id"] in ids_of(e[3])][0]
        self.assertEqual((ev[2], ev[3]["subscriptions"]), ("object", ["sub-bank"]))
        self.assertNotIn("watchlist", ev[3])
        # Nobody without subscriptions or entries gets an event.
        orgs = {e[0] for e in events(self.hub)}
        self.assertLessEqual(orgs, {self.org(n) for n in (self.fx.power, self.fx.gas,
                                                          self.fx.rail, self.fx.bank)})
        self.assert_log_sound()

    def test_red_object_only_for_recipients(self):
        red = domain_indicator("red." + BASE, marking=RED, x_renkei_recipients=[self.fx.gas])
        self.post(self.fx.c_all, [red], self.fx.power_contrib)
        control = domain_indicator("after-red." + BASE)
        self.post(self.fx.c_all, [control], self.fx.power_contrib)
        gas = self.wait_event(self.fx.gas, control["id"])
        self.assertIn(red["id"], [i for e in gas for i in ids_of(e[3])])
        rail = self.wait_event(self.fx.rail, control["id"])
        self.assertNotIn(red["id"], [i for e in rail for i in ids_of(e[3])])
        bank = self.wait_event(self.fx.bank, control["id"])
        self.assertNotIn(red["id"], [i for e in bank for i in ids_of(e[3])])
        self.assert_log_sound()

    def test_amber_sector_collection(self):
        amber = domain_indicator("amber." + BASE, marking=AMBER)
        self.post(self.fx.c_energy, [amber], self.fx.power_contrib)
        control = domain_indicator("after-amber." + BASE)
        self.post(self.fx.c_all, [control], self.fx.power_contrib)
        gas = self.wait_event(self.fx.gas, control["id"])
        self.assertIn(amber["id"], [i for e in gas for i in ids_of(e[3])])
        rail = self.wait_event(self.fx.rail, control["id"])
        self.assertNotIn(amber["id"], [i for e in rail for i in ids_of(e[3])])
        self.assert_log_sound()

    def test_correlation_event(self):
        d = "corr-%s.example.net" % uuid.uuid4().hex[:8]
        for tok in (self.fx.power_contrib, self.fx.gas_contrib, self.fx.rail_contrib):
            self.post(self.fx.c_all, [domain_indicator(d)], tok)
        deadline = time.time() + 30
        while time.time() < deadline:
            mine = [e for e in events(self.hub) if e[0] == self.org(self.fx.bank)
                    and e[2] == "correlation"]
            if mine:
                break
            time.sleep(0.1)
        self.assertTrue(mine, "no correlation event for bank")
        ev = mine[0][3]
        self.assertEqual(ev["subscriptions"], ["sub-bank-corr"])
        self.assertTrue(ev["objects"][0]["id"].startswith("grouping--"), ev)
        # The correlation's SCO (same collection) is not a correlation: no event for it.
        self.assertTrue(all(e[3]["objects"][0]["id"].startswith("grouping--") for e in mine))
        self.assert_log_sound()

    def test_records_reloaded_while_running(self):
        later = "later-%s.example.org" % uuid.uuid4().hex[:8]
        put_record(self.hub, "alert-watch", self.org(self.fx.rail),
                   {"id": str(uuid.uuid4()), "entry": later, "type": "domain",
                    "key": "domain:" + later})
        time.sleep(1.5)  # the matcher compares the stored records at most once a second
        ind = domain_indicator("www." + later)
        self.post(self.fx.c_all, [ind], self.fx.bank_contrib)
        rail = self.wait_event(self.fx.rail, ind["id"])
        self.assertEqual(rail[-1][2], "watchlist")
        self.assertEqual(rail[-1][3]["watchlist"], [later])
        self.assertEqual(rail[-1][3]["subscriptions"], ["sub-" + self.fx.rail])

    def restart(self, **env):
        self.hub.kill9()
        os.environ.update(env)
        try:
            self.hub.start()
        finally:
            for k in env:
                os.environ.pop(k, None)

    def test_sigkill_loses_and_repeats_nothing(self):
        # Batch A is matched (or not yet) when the hub is killed; batch B is stored while the
        # matcher does not run (RENKEI_NO_ALERTS), then the hub is killed again: the next
        # start matches whatever the durable cursor has not passed, once.
        objs = [domain_indicator("k%d.%s" % (i, BASE)) for i in range(20)]
        for i in range(0, 10, 5):
            self.post(self.fx.c_all, objs[i:i + 5], self.fx.bank_contrib)
        self.restart(RENKEI_NO_ALERTS="1")
        for i in range(10, 20, 5):
            self.post(self.fx.c_all, objs[i:i + 5], self.fx.bank_contrib)
        # Short rounds: the backlog is matched 3 versions per transaction.
        self.restart(RENKEI_ALERT_ROUND_MAX="3", **ENV)
        last = objs[-1]["id"]
        for name in (self.fx.power, self.fx.gas, self.fx.rail, self.fx.bank):
            mine = self.wait_event(name, last)
            seen = [i for e in mine for i in ids_of(e[3])]
            for o in objs:
                self.assertEqual(seen.count(o["id"]), 1, "%s: %s" % (name, o["id"]))
        self.assert_log_sound()
