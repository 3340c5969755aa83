# SPDX-License-Identifier: Apache-2.0
"""The provenance vault returns exactly what was posted (its canonical form) while TAXII
serves the object as stored: for an object the hub marked (its TLP marking added as a new
object_marking_refs, or appended to an existing list), one it stored unchanged, and one the
anonymiser rewrote; deleting the objects must not lose any original. SQLite-only, read in the
database file (harness.sqlite_db): the first three keep no second copy of the bytes, their
provenance rides in the object row (migration 7), and deleting writes it out as provenance
rows.
"""
import json
import unittest
import uuid

from harness import API_ROOT, JSON, HubTestCase, indicator, served, sqlite_db, TLP2_IDS

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
        db = sqlite_db(self.hub, "where the SQLite backend keeps an original")
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

    def post_four(self, n):
        """Posts an object the hub marks (a new object_marking_refs), one whose list it
        appends to, one it keeps unchanged and one the anonymiser rewrites; returns them."""
        green = TLP2_IDS["green"]
        marked_new = indicator(n)  # no marking: the hub adds object_marking_refs
        marked_list = indicator(n + 1, object_marking_refs=[OTHER_MARKING])  # the hub appends
        unchanged = indicator(n + 2, object_marking_refs=[green], description="caf\u00e9 \u2713")
        rewritten = indicator(n + 3, created_by_ref=self.identity,
                              x_renkei_anonymity="anonymous")
        posted = [marked_new, marked_list, unchanged, rewritten]
        self.hub.post_complete(self.fx.c_all, posted, self.contrib)
        return posted

    def delete(self, posted):
        for obj in posted:
            st, _, body = self.hub.req("DELETE", "%scollections/%s/objects/%s/" %
                                       (API_ROOT, self.fx.c_all, obj["id"]), token=self.contrib)
            self.assertEqual(st, 200, body)
            self.assertEqual(self.taxii_get(obj["id"])[0], 404)

    def test_originals_exact_before_and_after_delete(self):
        green = TLP2_IDS["green"]
        posted = self.post_four(1)
        marked_new, marked_list, unchanged, rewritten = posted

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
        for obj in posted:
            self.assertOriginal(obj["id"], obj)

        # DELETE removes the objects, never their originals.
        self.delete(posted)
        for obj in posted:
            self.assertOriginal(obj["id"], obj)

    def test_sqlite_keeps_one_copy_of_each_original(self):
        posted = self.post_four(11)
        # Only the rewritten object's original is stored in full.
        flags = self.derived_flags()
        self.assertEqual({o["id"]: flags.get(o["id"]) for o in posted},
                         {posted[0]["id"]: "in row", posted[1]["id"]: "in row",
                          posted[2]["id"]: "in row", posted[3]["id"]: 0})
        # DELETE writes the originals out, each once.
        self.delete(posted)
        flags = self.derived_flags()
        self.assertEqual([flags.get(o["id"]) for o in posted], [0, 0, 0, 0])
        for obj in posted:
            self.assertOriginal(obj["id"], obj)

if __name__ == "__main__":
    unittest.main()
