# SPDX-License-Identifier: Apache-2.0
"""Relay collections: third-party content stored exactly as posted, or refused.

A member relays a vendor's feed into a relay collection: every object comes back byte for
byte as posted (no TLP marking written in, the feed's author kept), while the TLP the hub
decides is enforced all the same. What sharing would have to change (an identity to hide in
an anonymous post, a listed property, another member named as author) is refused, never
silently altered; an ordinary collection keeps doing what it does.
"""
import uuid

from harness import JSON, HubTestCase, indicator

TLP2 = {"green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"}
OPENCTI_AMBER_STRICT = "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"
VENDOR = "identity--%s" % uuid.uuid4()


class TestRelay(HubTestCase):
    @classmethod
    def extra_setup(cls):
        cls.hub.org_add("fifth-member", "gas")  # five writers: a hidden post can hide (k = 5)

    @classmethod
    def after_start(cls):
        st, _, body = cls.hub.req("POST", "/api/v1/collections", token=cls.fx.coord,
                                  accept=JSON, content_type=JSON,
                                  body={"title": "Vendor feed", "alias": "vendor", "read": "all",
                                        "write": "all", "relay": True})
        assert st == 201, body
        cls.relay = body

    def post(self, objects, headers=None, cid=None):
        return self.post_ok(cid or self.relay["id"], objects, self.fx.power_contrib,
                            headers=headers)

    def outcome(self, status, oid):
        return self.status_entry(status, oid)[:2]

    def get(self, oid, token, cid=None):
        st, _, body = self.hub.get_objects(cid or self.relay["id"], token, "match[id]=%s" % oid)
        self.assertEqual(st, 200, body)
        return body.get("objects", [])

    def test_the_collection_says_it_relays(self):
        self.assertIs(self.relay["relay"], True)
        st, _, body = self.hub.req("GET", "/api/v1/collections", token=self.fx.coord,
                                   accept=JSON)
        relays = {c["id"]: c["relay"] for c in body["collections"]}
        self.assertIs(relays[self.relay["id"]], True)
        self.assertIs(relays[self.fx.c_all], False)

    def test_objects_come_back_as_posted_and_their_tlp_is_enforced(self):
        plain = indicator(1, created_by_ref=VENDOR)            # GREEN by the scope rules
        strict = indicator(2, object_marking_refs=[OPENCTI_AMBER_STRICT])
        unknown = indicator(3, object_marking_refs=["marking-definition--%s" % uuid.uuid4()])
        status = self.post([plain, strict, unknown])
        for o in (plain, strict, unknown):
            self.assertTrue(self.outcome(status, o["id"])[0], status)
        # Exactly as posted: no marking appended, the vendor still the author.
        self.assertEqual(self.get(plain["id"], self.fx.gas_reader), [plain])
        self.assertEqual(self.get(strict["id"], self.fx.power_reader), [strict])
        self.assertEqual(self.get(unknown["id"], self.fx.gas_reader), [unknown])
        # The TLP is enforced all the same: AMBER+STRICT is the source's.
        self.assertEqual(self.get(strict["id"], self.fx.gas_reader), [])
        # ... and an unreadable marking is at least AMBER: its read is audited.
        st, _, audit = self.hub.req("GET", "/api/v1/audit?after=0&limit=10000",
                                    token=self.fx.coord, accept=JSON)
        self.assertIn(unknown["id"], str([e for e in audit["entries"] if e["action"] == "read"]))
        # An ordinary collection keeps writing the marking in.
        other = indicator(4)
        self.post([other], cid=self.fx.c_all)
        self.assertIn(TLP2["green"], self.get(other["id"], self.fx.gas_reader,
                                              cid=self.fx.c_all)[0]["object_marking_refs"])

    def test_what_would_have_to_change_is_refused(self):
        st, _, orgs = self.hub.req("GET", "/api/v1/orgs", token=self.fx.coord, accept=JSON)
        gas = next(o["identity_id"] for o in orgs["orgs"] if o["name"] == self.fx.gas)
        cases = {
            "another member as author": indicator(5, created_by_ref=gas),
            "a listed property": indicator(6, x_reporter="Zq"),
        }
        for what, o in cases.items():
            ok, msg = self.outcome(self.post([o]), o["id"])
            self.assertFalse(ok, what)
            self.assertIn("refused", msg, what)
            self.assertEqual(self.get(o["id"], self.fx.coord), [], what)
        # A hidden post: an author to hide is refused; without one, nothing is added.
        hidden = {"X-Renkei-Anonymity": "anonymous"}
        authored = indicator(7, created_by_ref=VENDOR)
        bare = indicator(8)
        status = self.post([authored, bare], headers=hidden)
        ok, msg = self.outcome(status, authored["id"])
        self.assertFalse(ok)
        self.assertIn("relay collection", msg)
        self.assertTrue(self.outcome(status, bare["id"])[0], status)
        self.assertEqual(self.get(bare["id"], self.fx.gas_reader), [bare])

    def test_relaying_can_be_switched_off(self):
        st, _, body = self.hub.req("POST", "/api/v1/collections", token=self.fx.coord,
                                   accept=JSON, content_type=JSON,
                                   body={"title": "Switched", "read": "all", "write": "all",
                                         "relay": True})
        self.assertEqual(st, 201, body)
        cid = body["id"]
        st, _, body = self.hub.req("PATCH", "/api/v1/collections/%s" % cid, token=self.fx.coord,
                                   accept=JSON, content_type=JSON, body={"relay": False})
        self.assertEqual(st, 200, body)
        self.assertIs(body["relay"], False)
        o = indicator(9)
        self.post([o], cid=cid)
        self.assertIn(TLP2["green"], self.get(o["id"], self.fx.gas_reader, cid=cid)[0][
            "object_marking_refs"])
        st, _, body = self.hub.req("PATCH", "/api/v1/collections/%s" % cid, token=self.fx.coord,
                                   accept=JSON, content_type=JSON, body={"relay": "yes"})
        self.assertEqual(st, 400, body)

    def test_the_command_line_makes_and_unmakes_relay_collections(self):
        out = self.hub.cli("collection", "add", "--title", "CLI relay", "--read", "all",
                           "--write", "all", "--relay")
        self.assertIs(out["relay"], True)
        out = self.hub.cli("collection", "set", out["id"], "--relay", "off")
        self.assertIs(out["relay"], False)
        p = self.hub.run_cli("collection", "set", out["id"], "--relay", "maybe")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--relay must be on or off", p.stderr + p.stdout)


if __name__ == "__main__":
    import unittest
    unittest.main()
