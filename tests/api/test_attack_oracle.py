# SPDX-License-Identifier: Apache-2.0
"""Attack: learning what one may not read from the answer to a post.

A writer re-posts an object whose id it knows (a deterministic SCO id, an SDO seen in a
report) with each TLP, hoping that "already stored" for one of them and "conflict" for the
others tells it the TLP, the body or the author of a version it may not see. Whatever the
invisible version holds, the answer must be the same; only versions the writer may read
give the usual "already stored" or "conflict".
"""
import uuid

from harness import API_ROOT, HubTestCase, indicator

TLP2 = {"clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}


def sco(value, iid, tlp=None):
    o = {"type": "ipv4-addr", "spec_version": "2.1", "id": iid, "value": value}
    if tlp:
        o["object_marking_refs"] = [TLP2[tlp]]
    return o


class TestAttackOracle(HubTestCase):
    def post(self, objects, token):
        return self.post_ok(self.fx.c_all, objects, token)

    def entry(self, status, oid):
        return self.status_entry(status, oid)

    def stored_versions(self, oid, token):
        st, _, body = self.hub.taxii("GET", "collections/%s/objects/%s/versions/" % (
            self.fx.c_all, oid), token=token)
        self.assertEqual(st, 200, body)
        return body["versions"]

    def probe(self, objects_by_tlp, token):
        """The answer to each probe: (ok, message, version)."""
        return {tlp: self.entry(self.post([o], token), o["id"])
                for tlp, o in objects_by_tlp.items()}

    def test_same_answer_whatever_the_invisible_sco_holds(self):
        iid = "ipv4-addr--%s" % uuid.uuid4()
        self.post([sco("203.0.113.50", iid, "red")], self.fx.power_contrib)
        hidden = self.stored_versions(iid, self.fx.power_reader)
        probes = {t: sco("203.0.113.50", iid, t) for t in TLP2}
        probes["none"] = sco("203.0.113.50", iid)
        answers = self.probe(probes, self.fx.gas_contrib)
        shapes = {(ok, msg) for ok, msg, _ in answers.values()}
        self.assertEqual(len(shapes), 1, answers)
        ok, msg = shapes.pop()
        self.assertFalse(ok)
        self.assertIn("conflict", msg)
        # The version reported is not the hidden one (a store-assigned SCO version would date
        # it).
        for _, _, version in answers.values():
            self.assertNotIn(version, hidden)
        # Nothing of the probes was stored, and the hidden version is still hidden.
        st, _, body = self.hub.get_objects(self.fx.c_all, self.fx.gas_reader,
                                           "match[id]=%s" % iid)
        self.assertEqual(body, {})

    def test_same_answer_for_an_invisible_sdo_identical_or_not(self):
        ind = indicator(1, object_marking_refs=[TLP2["amber+strict"]])
        self.post([ind], self.fx.power_contrib)
        other = dict(ind, name="something else")
        answers = self.probe({"identical": ind, "different": other}, self.fx.gas_contrib)
        self.assertEqual(answers["identical"], answers["different"])
        self.assertFalse(answers["identical"][0])

    def test_visible_versions_answer_as_before(self):
        iid = "ipv4-addr--%s" % uuid.uuid4()
        self.post([sco("198.51.100.60", iid, "green")], self.fx.power_contrib)
        ok, msg, _ = self.entry(self.post([sco("198.51.100.60", iid, "green")],
                                          self.fx.gas_contrib), iid)
        self.assertTrue(ok)
        self.assertEqual(msg, "already stored")
        ok, msg, version = self.entry(self.post([sco("198.51.100.60", iid, "amber")],
                                                self.fx.gas_contrib), iid)
        self.assertFalse(ok)
        self.assertIn("conflict", msg)
        self.assertEqual([version], self.stored_versions(iid, self.fx.gas_reader))
        # One's own invisible-to-others version is visible to oneself: a plain duplicate.
        red = indicator(2, object_marking_refs=[TLP2["red"]])
        self.post([red], self.fx.power_contrib)
        ok, msg, _ = self.entry(self.post([red], self.fx.power_contrib), red["id"])
        self.assertEqual((ok, msg), (True, "already stored"))


if __name__ == "__main__":
    import unittest
    unittest.main()
