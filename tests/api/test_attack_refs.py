# SPDX-License-Identifier: Apache-2.0
"""One object must not slow every reader: attacks with huge reference lists, black box.

A sighting whose where_sighted_refs cycle 200,000 times over 40 identities is refused with a
message naming the property and the cap, while the indicator beside it is stored; a sighting
at the cap (10,000 entries) is stored with each joined id once, so that a read checks 41 ids,
not 10,000 (asserted on the stored row, not on the clock: the VM's speed varies by half); a
sighting joining more than 100 distinct ids is refused, one at 100 is stored. Readers still
see exactly what they saw before.

The joins the hub keeps for a sighting are the access check's own bookkeeping, which no
API shows: those checks read the SQLite file (harness.sqlite_db) and come last in each test.

Standard fixture: tepco (power, named) posts into the collection every member reads.
"""
import unittest
import uuid

from harness import API_ROOT, JSON, HubTestCase, sqlite_db
from sharing_world import TLP2

REFS_MAX = 10000  # STIX_REFS_MAX: entries in one list of identifiers
JOINS_MAX = 100  # POLICY_JOINS_MAX: distinct ids one sighting or relationship joins
TS = "2025-03-01T00:00:00.000Z"


def sdo(typ, **props):
    o = {"type": typ, "spec_version": "2.1", "id": "%s--%s" % (typ, uuid.uuid4()),
         "created": TS, "modified": TS, "object_marking_refs": [TLP2["green"]]}
    o.update(props)
    return o


def identities(n):
    return [sdo("identity", name="victim %d" % i, identity_class="organization")
            for i in range(n)]


def indicator():
    return sdo("indicator", name="watched", pattern_type="stix",
               pattern="[ipv4-addr:value = '198.51.100.9']", valid_from="2025-03-01T00:00:00Z")


def sighting(of, where):
    return sdo("sighting", sighting_of_ref=of["id"], where_sighted_refs=where)


class TestAttackRefs(HubTestCase):
    @classmethod
    def after_start(cls):
        cls.idents = identities(40)
        cls.ind = indicator()
        cls.hub.post_complete(cls.fx.c_all, cls.idents + [cls.ind], cls.fx.power_contrib)

    def post(self, objs):
        final = self.post_ok(self.fx.c_all, objs, self.fx.power_contrib)
        self.assertEqual(final.get("status"), "complete", final)
        ok = {s["id"]: s.get("message", "") for s in final.get("successes", []) or []}
        bad = {s["id"]: s.get("message", "") for s in final.get("failures", []) or []}
        return ok, bad

    def cycling(self, n):
        return [self.idents[i % len(self.idents)]["id"] for i in range(n)]

    def stored_joins(self, oid):
        """The joins column of oid's rows, read from the hub's database (read-only)."""
        db = sqlite_db(self.hub, "the joins kept for an object's access check")
        try:
            return [r[0] for r in db.execute("SELECT joins FROM objects WHERE id = ?", (oid,))]
        finally:
            db.close()

    def stored_versions(self, oid):
        """Every version of oid the hub ever stored, in any collection: its provenance, which
        only the coordinator may read."""
        st, _, body = self.hub.req("GET", "/api/v1/provenance/" + oid, token=self.fx.coord,
                                   accept=JSON)
        if st == 404:
            return []
        self.assertEqual(st, 200, body)
        return body["versions"]

    def visible(self, token, oid):
        st, _, body = self.hub.req("GET", "%scollections/%s/objects/%s/" % (
            API_ROOT, self.fx.c_all, oid), token=token)
        self.assertIn(st, (200, 404), body)
        return st == 200

    def test_huge_refs_refused_naming_the_cap_valid_beside_stored(self):
        attack = sighting(self.ind, self.cycling(200000))
        beside = indicator()
        ok, bad = self.post([attack, beside])
        self.assertIn(attack["id"], bad, "a sighting with 200,000 where_sighted_refs was stored")
        msg = bad[attack["id"]]
        self.assertIn("where_sighted_refs", msg)
        self.assertIn(str(REFS_MAX), msg)
        self.assertIn("200000", msg)
        self.assertIn(beside["id"], ok, "the valid object beside the attack was not stored")
        self.assertFalse(self.visible(self.fx.gas_reader, attack["id"]))
        self.assertTrue(self.visible(self.fx.gas_reader, beside["id"]))
        self.assertEqual(self.stored_versions(attack["id"]), [])

    def test_refs_at_the_cap_stored_with_each_join_once(self):
        s = sighting(self.ind, self.cycling(REFS_MAX))
        ok, bad = self.post([s])
        self.assertIn(s["id"], ok, bad)
        # Every member sees it (all joined objects are GREEN), and its body is intact.
        for tok in (self.fx.gas_reader, self.fx.rail_reader, self.fx.power_reader):
            self.assertTrue(self.visible(tok, s["id"]))
        st, _, body = self.hub.req("GET", "%scollections/%s/objects/%s/" % (
            API_ROOT, self.fx.c_all, s["id"]), token=self.fx.gas_reader)
        self.assertEqual(len(body["objects"][0]["where_sighted_refs"]), REFS_MAX)
        rows = self.stored_joins(s["id"])
        self.assertEqual(len(rows), 1)
        joins = rows[0].split(" ")
        # What a read checks: the indicator and 40 identities, each once, not 10,000 ids.
        self.assertEqual(joins, [self.ind["id"]] + [i["id"] for i in self.idents])

    def test_distinct_joins_capped(self):
        more = identities(JOINS_MAX)
        self.post(more)
        at_cap = sighting(self.ind, [i["id"] for i in more[:JOINS_MAX - 1]])
        over = sighting(self.ind, [i["id"] for i in more])
        ok, bad = self.post([at_cap, over])
        self.assertIn(at_cap["id"], ok, bad)
        self.assertIn(over["id"], bad, "a sighting joining %d distinct ids was stored"
                      % (JOINS_MAX + 1))
        self.assertIn("where_sighted_refs", bad[over["id"]])
        self.assertIn("at most %d" % JOINS_MAX, bad[over["id"]])
        self.assertTrue(self.visible(self.fx.rail_reader, at_cap["id"]))
        self.assertEqual(len(self.stored_joins(at_cap["id"])[0].split(" ")), JOINS_MAX)

    def test_manifest_with_the_worst_objects_lists_what_it_should(self):
        s = sighting(self.ind, self.cycling(REFS_MAX))
        hidden = sdo("identity", name="hidden", identity_class="organization",
                     object_marking_refs=[TLP2["red"]])
        h = sighting(self.ind, self.cycling(REFS_MAX - 1) + [hidden["id"]])
        ok, bad = self.post([hidden, s, h])
        self.assertEqual(set(ok), {hidden["id"], s["id"], h["id"]}, bad)
        st, _, body = self.hub.req("GET", "%scollections/%s/manifest/?match[type]=sighting"
                                   % (API_ROOT, self.fx.c_all), token=self.fx.gas_reader)
        self.assertEqual(st, 200, body)
        seen = {o["id"] for o in body.get("objects", [])}
        self.assertIn(s["id"], seen)
        self.assertNotIn(h["id"], seen, "a sighting joining a RED identity was listed")
        self.assertEqual(len(self.stored_joins(h["id"])[0].split(" ")), 42)


if __name__ == "__main__":
    unittest.main()
