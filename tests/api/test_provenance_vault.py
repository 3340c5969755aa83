# SPDX-License-Identifier: Apache-2.0
"""The provenance vault returns exactly what was posted (its canonical form) while TAXII
serves the object as stored: for an object the hub marked (its TLP marking added as a new
object_marking_refs, or appended to an existing list), one it stored unchanged, and one the
anonymiser rewrote. The first three keep no second copy of the bytes: since migration 7
their provenance rides in the object row (checked in the database file); deleting the
objects writes it out as provenance rows and must not lose any original.
"""
import json
import os
import sqlite3
import unittest
import uuid

from harness import API_ROOT, JSON, HubTestCase, indicator, served, TLP2_IDS

OTHER_MARKING = "marking-definition--" + str(uuid.uuid4())  # not a TLP marking


def canonical(obj):
    """The canonical text renkei stores: compact, keys sorted, UTF-8 unescaped."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class TestProvenanceVault(HubTestCase):
    @classmethod
    def extra_setup(cls):
        out = cls.hub.org_add("vault-test", "water")
        cls.identity = out["identity_id"]
        cls.contrib = cls.hub.token_create("vault-test", "contributor")

    def provenance(self, oid):
        st, _, body = self.hub.req("GET", "/api/v1/provenance/" + oid, token=self.fx.coord,
                                   accept=JSON)
        self.assertEqual(st, 200, "provenance of %s: %r" % (oid, body))
        return body["versions"], self.hub.last_raw.decode()

    def taxii_get(self, oid):
        st, _, body = self.hub.req("GET", "%scollections/%s/objects/%s/" %
                                   (API_ROOT, self.fx.c_all, oid), token=self.contrib)
        return st, (body or {}).get("objects", []) if isinstance(body, dict) else []

    def derived_flags(self):
        """{id: derived} of every provenance row, and {id: "in row"} for the object rows that
        carry their provenance (prov = 1), read from the database file."""
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(self.hub.data, "renkei.db"),
                             uri=True)
        try:
            flags = {i: d for i, d in db.execute("SELECT id, derived FROM provenance")}
            for (i,) in db.execute("SELECT id FROM objects WHERE prov = 1"):
                self.assertNotIn(i, flags, "%s has its provenance twice" % i)
                flags[i] = "in row"
            return flags
        finally:
            db.close()

    def assertOriginal(self, oid, posted):
        versions, raw = self.provenance(oid)
        self.assertEqual(len(versions), 1, versions)
        self.assertEqual(versions[0]["original"], posted,
                         "provenance of %s is not the object as posted" % oid)
        self.assertIn(canonical(posted), raw,
                      "provenance of %s does not hold the canonical text as posted" % oid)

    def test_originals_exact_before_and_after_delete(self):
        green = TLP2_IDS["green"]
        marked_new = indicator(1)  # no marking: the hub adds object_marking_refs
        marked_list = indicator(2, object_marking_refs=[OTHER_MARKING])  # the hub appends
        unchanged = indicator(3, object_marking_refs=[green], description="caf\u00e9 \u2713")
        rewritten = indicator(4, created_by_ref=self.identity, x_renkei_anonymity="anonymous")
        posted = [marked_new, marked_list, unchanged, rewritten]
        self.hub.post_complete(self.fx.c_all, posted, self.contrib)

        # TAXII serves what was stored: the marking added, the rewrite applied.
        for obj in (marked_new, marked_list, unchanged):
            st, objs = self.taxii_get(obj["id"])
            self.assertEqual(st, 200)
            self.assertEqual(objs, [served(obj)])
        # A marking the hub cannot read gives at least AMBER, labelled beside it.
        self.assertEqual(served(marked_list)["object_marking_refs"],
                         [OTHER_MARKING, TLP2_IDS["amber"]])
        st, objs = self.taxii_get(rewritten["id"])
        self.assertEqual(st, 200)
        self.assertEqual(len(objs), 1)
        self.assertNotIn("x_renkei_anonymity", objs[0])
        self.assertNotEqual(objs[0].get("created_by_ref"), self.identity)
        self.assertEqual(objs[0]["object_marking_refs"], [green])

        # Only the rewritten object's original is stored in full.
        flags = self.derived_flags()
        self.assertEqual({o["id"]: flags.get(o["id"]) for o in posted},
                         {marked_new["id"]: "in row", marked_list["id"]: "in row",
                          unchanged["id"]: "in row", rewritten["id"]: 0})
        for obj in posted:
            self.assertOriginal(obj["id"], obj)

        # DELETE removes the objects, never their originals.
        for obj in posted:
            st, _, body = self.hub.req("DELETE", "%scollections/%s/objects/%s/" %
                                       (API_ROOT, self.fx.c_all, obj["id"]), token=self.contrib)
            self.assertEqual(st, 200, body)
            self.assertEqual(self.taxii_get(obj["id"])[0], 404)
        flags = self.derived_flags()
        self.assertEqual([flags.get(o["id"]) for o in posted], [0, 0, 0, 0])
        for obj in posted:
            self.assertOriginal(obj["id"], obj)


if __name__ == "__main__":
    unittest.main()
