# SPDX-License-Identifier: Apache-2.0
"""Collections: who sees which collection, can_read/can_write, 404 for the invisible, 403s."""
import unittest

from harness import API_ROOT, TLP_WHITE, HubTestCase, indicator


class TestCollections(HubTestCase):
    @classmethod
    def extra_setup(cls):
        # writable by every member, readable only by the power company: a drop box
        cls.c_dropbox = cls.hub.collection_add("Drop box", "org:" + cls.fx.power, "all")

    def listing(self, token):
        st, _, body = self.hub.req("GET", API_ROOT + "collections/", token=token)
        self.assertEqual(st, 200, body)
        self.assertIsInstance(body, dict)
        return {c["id"]: c for c in body.get("collections", [])}

    def flags(self, token):
        return {cid: (c["can_read"], c["can_write"]) for cid, c in self.listing(token).items()}

    def correlations(self):
        """The hub's own correlations collection (docs/analysis.md): every hub has it,
        read by all members, written by the hub (and the coordinator) only."""
        ids = [cid for cid, c in self.listing(self.fx.coord).items()
               if c["title"] == "Correlations"]
        self.assertEqual(len(ids), 1)
        return ids[0]

    def test_coordinator_sees_every_collection(self):
        fx = self.fx
        seen = set(self.listing(fx.coord))
        self.assertEqual(seen, {fx.c_all, fx.c_energy, fx.c_power, fx.c_public, fx.c_readonly,
                                self.c_dropbox, self.correlations()})

    def test_coordinator_can_read_and_write_everything(self):
        for cid, (r, w) in self.flags(self.fx.coord).items():
            with self.subTest(collection=cid):
                self.assertTrue(r)
                self.assertTrue(w)

    def test_reader_flags(self):
        fx = self.fx
        self.assertEqual(self.flags(fx.power_reader), {
            fx.c_all: (True, False), fx.c_energy: (True, False), fx.c_power: (True, False),
            fx.c_public: (True, False), fx.c_readonly: (True, False),
            self.c_dropbox: (True, False), self.correlations(): (True, False)})

    def test_contributor_flags_same_org(self):
        fx = self.fx
        self.assertEqual(self.flags(fx.power_contrib), {
            fx.c_all: (True, True), fx.c_energy: (True, True), fx.c_power: (True, True),
            fx.c_public: (True, True), fx.c_readonly: (True, False),
            self.c_dropbox: (True, True), self.correlations(): (True, False)})

    def test_analyst_writes_like_contributor(self):
        self.assertEqual(self.flags(self.fx.power_analyst), self.flags(self.fx.power_contrib))

    def test_contributor_flags_other_sector(self):
        fx = self.fx
        # gas reads the energy collection but may not write it; power-only is invisible;
        # the drop box is write-only for gas
        self.assertEqual(self.flags(fx.gas_contrib), {
            fx.c_all: (True, True), fx.c_energy: (True, False), fx.c_public: (True, False),
            fx.c_readonly: (True, False), self.c_dropbox: (False, True),
            self.correlations(): (True, False)})

    def test_reader_outside_audience_does_not_see_sector_collection(self):
        fx = self.fx
        self.assertEqual(self.flags(fx.rail_reader), {
            fx.c_all: (True, False), fx.c_public: (True, False), fx.c_readonly: (True, False),
            self.correlations(): (True, False)})

    def test_named_writer(self):
        self.assertEqual(self.flags(self.fx.bank_contrib)[self.fx.c_readonly], (True, True))

    def test_anonymous_sees_only_public(self):
        self.assertEqual(self.flags(None), {self.fx.c_public: (True, False)})

    def test_invisible_collection_is_404(self):
        fx = self.fx
        for token, cid in ((fx.rail_reader, fx.c_energy), (fx.gas_contrib, fx.c_power),
                           (None, fx.c_all)):
            for suffix in ("", "objects/", "manifest/"):
                with self.subTest(cid=cid, suffix=suffix):
                    self.assertTaxiiError(self.hub.req(
                        "GET", API_ROOT + "collections/%s/%s" % (cid, suffix), token=token), 404)

    def test_invisible_collection_post_is_404(self):
        fx = self.fx
        self.assertTaxiiError(self.hub.post_objects(fx.c_power, [indicator()], fx.gas_contrib),
                              404)

    def test_collection_resource_fields(self):
        st, hdrs, body = self.hub.req("GET", API_ROOT + "collections/%s/" % self.fx.c_all,
                                      token=self.fx.power_contrib)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["id"], self.fx.c_all)
        self.assertEqual(body["title"], "All members")
        self.assertEqual(body.get("description"), "shared by all")
        self.assertIs(body["can_read"], True)
        self.assertIs(body["can_write"], True)
        # media_types lists the media types of the objects the collection holds
        self.assertIn("application/stix+json;version=2.1",
                      [m.replace(" ", "") for m in body.get("media_types", [])])

    def test_collection_resource_matches_listing(self):
        listed = self.listing(self.fx.gas_contrib)
        for cid, entry in listed.items():
            with self.subTest(collection=cid):
                st, _, body = self.hub.req("GET", API_ROOT + "collections/%s/" % cid,
                                           token=self.fx.gas_contrib)
                self.assertEqual(st, 200, body)
                self.assertEqual(body, entry)

    def test_listing_order_is_stable(self):
        a = self.hub.req("GET", API_ROOT + "collections/", token=self.fx.coord)[2]
        b = self.hub.req("GET", API_ROOT + "collections/", token=self.fx.coord)[2]
        self.assertEqual([c["id"] for c in a["collections"]],
                         [c["id"] for c in b["collections"]])

    def test_read_forbidden_is_403(self):
        # gas may write the drop box but not read it
        self.assertTaxiiError(self.hub.get_objects(self.c_dropbox, self.fx.gas_contrib), 403)
        self.assertTaxiiError(self.hub.req(
            "GET", API_ROOT + "collections/%s/manifest/" % self.c_dropbox,
            token=self.fx.gas_contrib), 403)

    def test_write_only_collection_accepts_post(self):
        st, _, body = self.hub.post_objects(self.c_dropbox, [indicator(1)], self.fx.gas_contrib)
        self.assertEqual(st, 202, body)
        final = self.hub.wait_status(body, self.fx.gas_contrib)
        self.assertEqual(final["success_count"], 1, final)

    def test_reader_post_is_403(self):
        self.assertTaxiiError(self.hub.post_objects(self.fx.c_all, [indicator(2)],
                                                    self.fx.power_reader), 403)

    def test_post_outside_write_spec_is_403(self):
        fx = self.fx
        for token, cid in ((fx.gas_contrib, fx.c_energy), (fx.power_contrib, fx.c_readonly)):
            with self.subTest(cid=cid):
                self.assertTaxiiError(self.hub.post_objects(cid, [indicator(3)], token), 403)

    def test_anonymous_post_to_public_refused(self):
        ind = indicator(4)
        st, hdrs, body = self.hub.post_objects(self.fx.c_public, [ind], None)
        self.assertIn(st, (401, 403), body)
        self.assertTaxiiError((st, hdrs, body), st)
        st, _, body = self.hub.get_objects(self.fx.c_public, self.fx.coord,
                                           "match[id]=" + ind["id"])
        self.assertEqual(st, 200)
        self.assertEqual(body.get("objects", []), [])

    def test_anonymous_reads_public_objects(self):
        # TLP:WHITE (CLEAR): unauthenticated readers of a public collection may see it
        ind = indicator(5, object_marking_refs=[TLP_WHITE])
        self.post_ok(self.fx.c_public, [ind], self.fx.power_contrib)
        st, _, body = self.hub.get_objects(self.fx.c_public, None, "match[id]=" + ind["id"])
        self.assertEqual(st, 200, body)
        self.assertEqual([o["id"] for o in body.get("objects", [])], [ind["id"]])


if __name__ == "__main__":
    unittest.main()
