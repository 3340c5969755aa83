# SPDX-License-Identifier: Apache-2.0
"""Sharing policy and object versions, black box: DELETE removes only versions the requester
can see AND may delete (its organisation is their source, or it is the coordinator), and
match[version] last/first mean the latest/earliest version the requester may see, so a hidden
newer (older) version neither hides an older (newer) visible one nor reveals itself.

Standard fixture: tepco (power) and tokyo-gas (gas) contribute, jr (rail) is named as the
recipient of RED versions, bank (finance) is a member who sees GREEN and deletes nothing of
others.
"""
import unittest

from harness import API_ROOT, HubTestCase, indicator
from sharing_world import TLP2

V1 = "2024-01-01T00:00:00.000Z"
V2 = "2024-02-01T00:00:00.000Z"


class TestSharingVersions(HubTestCase):
    def green(self, obj):
        obj["object_marking_refs"] = [TLP2["green"]]
        return obj

    def red_for(self, obj, org):
        obj["object_marking_refs"] = [TLP2["red"]]
        obj["x_renkei_recipients"] = [org]
        return obj

    def path(self, oid, tail=""):
        return "%scollections/%s/objects/%s/%s" % (API_ROOT, self.fx.c_all, oid, tail)

    def get(self, oid, token, tail="", query=""):
        st, _, body = self.hub.req("GET", self.path(oid, tail) + ("?" + query if query else ""),
                                   token=token)
        return st, body

    def delete(self, oid, token, query=""):
        st, _, _ = self.hub.req("DELETE", self.path(oid) + ("?" + query if query else ""),
                                token=token)
        return st

    def versions_seen(self, oid, token):
        """The modified values of the versions of oid token can read (all versions)."""
        st, body = self.get(oid, token, query="match[version]=all")
        if st != 200:
            return []
        return sorted(o["modified"] for o in body.get("objects", []))

    def two_versions(self):
        """tepco posts v1 GREEN, tokyo-gas posts v2 RED for jr; returns the id."""
        v1 = self.green(indicator(1, modified=V1))
        v2 = self.red_for(dict(v1, modified=V2, name="red v2"), self.fx.rail)
        self.hub.post_complete(self.fx.c_all, [v1], self.fx.power_contrib)
        self.hub.post_complete(self.fx.c_all, [v2], self.fx.gas_contrib)
        self.assertEqual(self.versions_seen(v1["id"], self.fx.rail_reader), [V1, V2])
        self.assertEqual(self.versions_seen(v1["id"], self.fx.bank_contrib), [V1])
        return v1["id"]

    # ---- DELETE ---------------------------------------------------------------------------

    def test_member_cannot_delete_another_orgs_visible_object(self):
        o = self.green(indicator(2))
        self.hub.post_complete(self.fx.c_all, [o], self.fx.power_contrib)
        self.assertEqual(self.delete(o["id"], self.fx.bank_contrib), 404)
        self.assertEqual(self.delete(o["id"], self.fx.bank_contrib, "match[version]=all"), 404)
        for tok in (self.fx.gas_reader, self.fx.power_reader, self.fx.coord):
            self.assertEqual(self.versions_seen(o["id"], tok), [V1])

    def test_hidden_red_version_survives_a_delete_of_all(self):
        oid = self.two_versions()
        # bank sees v1 only and is the source of nothing: 404, nothing deleted.
        self.assertEqual(self.delete(oid, self.fx.bank_contrib, "match[version]=all"), 404)
        self.assertEqual(self.versions_seen(oid, self.fx.rail_reader), [V1, V2])
        # tepco, source of v1, deletes "all": only v1 goes, the RED v2 stays for jr.
        self.assertEqual(self.delete(oid, self.fx.power_contrib, "match[version]=all"), 200)
        self.assertEqual(self.versions_seen(oid, self.fx.rail_reader), [V2])
        self.assertEqual(self.versions_seen(oid, self.fx.bank_contrib), [])
        self.assertEqual(self.versions_seen(oid, self.fx.gas_contrib), [V2])

    def test_source_deletes_its_own(self):
        o = self.green(indicator(3))
        self.hub.post_complete(self.fx.c_all, [o], self.fx.gas_contrib)
        self.assertEqual(self.delete(o["id"], self.fx.gas_contrib), 200)
        self.assertEqual(self.versions_seen(o["id"], self.fx.coord), [])
        self.assertEqual(self.delete(o["id"], self.fx.gas_contrib), 404)

    def test_coordinator_deletes_what_it_sees(self):
        o = self.green(indicator(4))
        self.hub.post_complete(self.fx.c_all, [o], self.fx.gas_contrib)
        self.assertEqual(self.delete(o["id"], self.fx.coord), 200)
        for tok in (self.fx.gas_contrib, self.fx.bank_contrib):
            self.assertEqual(self.versions_seen(o["id"], tok), [])

    # ---- last / first among the visible versions -------------------------------------------

    def listed(self, token, route, query):
        """{id: entry} of one page of the objects or manifest list."""
        st, _, body = self.hub.req("GET", "%scollections/%s/%s/?%s" % (
            API_ROOT, self.fx.c_all, route, query), token=token)
        self.assertEqual(st, 200, body)
        return {o["id"]: o for o in body.get("objects", [])}

    def test_hidden_newer_version_neither_hides_nor_shows(self):
        oid = self.two_versions()
        # bank: the object is there, as v1, everywhere.
        st, body = self.get(oid, self.fx.bank_contrib)
        self.assertEqual(st, 200, body)
        self.assertEqual([o["modified"] for o in body.get("objects", [])], [V1])
        st, body = self.get(oid, self.fx.bank_contrib, query="match[version]=last")
        self.assertEqual([o["modified"] for o in body.get("objects", [])], [V1])
        st, body = self.get(oid, self.fx.bank_contrib, query="match[version]=first")
        self.assertEqual([o["modified"] for o in body.get("objects", [])], [V1])
        for query in ("limit=1000", "limit=1000&match[id]=%s" % oid,
                      "limit=1000&match[type]=indicator", "limit=1000&match[version]=last"):
            objs = self.listed(self.fx.bank_contrib, "objects", query)
            self.assertIn(oid, objs, query)
            self.assertEqual(objs[oid]["modified"], V1, query)
            self.assertNotIn(b"red v2", self.hub.last_raw)
            man = self.listed(self.fx.bank_contrib, "manifest", query)
            self.assertIn(oid, man, query)
            self.assertTrue(man[oid]["version"].startswith("2024-01-01T00:00:00"), man[oid])
        st, body = self.get(oid, self.fx.bank_contrib, tail="versions/")
        self.assertEqual(st, 200, body)
        self.assertEqual(len(body.get("versions", [])), 1, body)
        self.assertTrue(body["versions"][0].startswith("2024-01-01T00:00:00"), body)
        # jr, the recipient, sees v2 as last and v1 as first.
        st, body = self.get(oid, self.fx.rail_reader)
        self.assertEqual([o["modified"] for o in body.get("objects", [])], [V2])
        objs = self.listed(self.fx.rail_reader, "objects", "limit=1000")
        self.assertEqual(objs[oid]["modified"], V2)
        st, body = self.get(oid, self.fx.rail_reader, query="match[version]=first")
        self.assertEqual([o["modified"] for o in body.get("objects", [])], [V1])

    def test_paging_visits_each_visible_object_once(self):
        oid = self.two_versions()
        seen, nxt = [], None
        for _ in range(1000):
            q = "limit=1" + ("&next=%s" % nxt if nxt else "")
            st, _, body = self.hub.get_objects(self.fx.c_all, self.fx.bank_contrib, q)
            self.assertEqual(st, 200, body)
            seen += [(o["id"], o["modified"]) for o in body.get("objects", [])]
            if not body.get("more"):
                break
            nxt = body["next"]
        ids = [i for i, _ in seen]
        self.assertEqual(len(ids), len(set(ids)), "an object came twice")
        self.assertIn((oid, V1), seen)


if __name__ == "__main__":
    unittest.main()
