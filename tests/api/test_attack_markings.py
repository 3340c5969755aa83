# SPDX-License-Identifier: Apache-2.0
"""Attacks on TLP through markings the hub might not read; each must fail closed.

Members post what their platforms export: OpenCTI's own TLP:AMBER+STRICT id, a TLP 2.0
marking under a non-standard id, MISP's statement "tlp:red", a custom marking whose
definition the hub refuses, a statement with no TLP at all. None of them may read as
"unmarked" and become GREEN: each is read as the TLP it stands for, or counts as at least
AMBER (labelled so, and audited when read), or is refused when the policy says so. Named
recipients on an object every member may read are refused, not silently ignored.
"""
import json
import uuid

from harness import API_ROOT, JSON, HubTestCase, indicator, stix_id

TLP2 = {"clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}
OPENCTI_AMBER_STRICT = "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"
TLP2_EXT = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


def marking(mid=None, **props):
    o = {"type": "marking-definition", "spec_version": "2.1",
         "id": mid or "marking-definition--%s" % uuid.uuid4(),
         "created": "2024-01-01T00:00:00.000Z"}
    o.update(props)
    return o


class TestAttackMarkings(HubTestCase):
    @classmethod
    def extra_setup(cls):
        # A fifth writer of the "all" collection, so that a hidden post can hide (k = 5).
        cls.hub.org_add("fifth-member", "gas")

    # ---- helpers ----------------------------------------------------------------------------

    def post(self, objects, token=None):
        return self.post_ok(self.fx.c_all, objects, token or self.fx.power_contrib)

    def outcome(self, status, oid):
        """(ok, message) of oid in a status resource."""
        return self.status_entry(status, oid)[:2]

    def get(self, oid, token):
        st, _, body = self.hub.get_objects(self.fx.c_all, token, "match[id]=%s" % oid)
        self.assertEqual(st, 200, body)
        return body.get("objects", [])

    def audited_ids(self):
        st, _, body = self.hub.req("GET", "/api/v1/audit?after=0&limit=10000",
                                   token=self.fx.coord, accept=JSON)
        self.assertEqual(st, 200, body)
        return json.dumps([e for e in body["entries"] if e["action"] == "read"])

    def assert_at_least_amber(self, ind, status_word="unreadable-marking"):
        """ind is labelled AMBER (or stricter), and a member's read of it is audited."""
        got = self.get(ind["id"], self.fx.gas_reader)
        self.assertEqual(len(got), 1)
        self.assertIn(TLP2["amber"], got[0]["object_marking_refs"])
        self.assertIn(ind["id"], self.audited_ids())

    # ---- 6. markings the hub does not know --------------------------------------------------

    def test_opencti_amber_strict_is_amber_strict(self):
        ind = indicator(1, object_marking_refs=[OPENCTI_AMBER_STRICT])
        status = self.post([ind])
        self.assertIn("marking-alias", self.outcome(status, ind["id"])[1])
        self.assertEqual(self.get(ind["id"], self.fx.gas_reader), [])
        self.assertEqual(self.get(ind["id"], self.fx.rail_reader), [])
        mine = self.get(ind["id"], self.fx.power_reader)
        self.assertEqual(len(mine), 1)
        self.assertIn(TLP2["amber+strict"], mine[0]["object_marking_refs"])

    def test_definitions_in_the_envelope_are_read(self):
        red_ext = marking(name="Internal", extensions={TLP2_EXT: {
            "extension_type": "property-extension", "tlp_2_0": "red"}})
        misp_red = marking(definition_type="statement", definition={"statement": "tlp:red"})
        named = marking(name="TLP:AMBER+STRICT", extensions={
            "extension-definition--%s" % uuid.uuid4(): {"extension_type": "property-extension",
                                                       "acme_level": 4}})
        objs = [red_ext, misp_red, named]
        inds = [indicator(i, object_marking_refs=[m["id"]]) for i, m in enumerate(objs, 2)]
        status = self.post(objs + inds)
        for m in objs:
            self.assertTrue(self.outcome(status, m["id"])[0], status)
        for ind in inds:
            self.assertTrue(self.outcome(status, ind["id"])[0], status)
            for tok in (self.fx.gas_reader, self.fx.rail_reader):
                self.assertEqual(self.get(ind["id"], tok), [], ind["object_marking_refs"])
            self.assertEqual(len(self.get(ind["id"], self.fx.power_reader)), 1)
        # A later envelope refers to the same definitions without carrying them: read from
        # the collection, as the poster may see them.
        later = indicator(9, object_marking_refs=[red_ext["id"]])
        self.post([later])
        self.assertEqual(self.get(later["id"], self.fx.gas_reader), [])

    def test_unknown_marking_is_at_least_amber(self):
        unknown = "marking-definition--%s" % uuid.uuid4()
        ind = indicator(10, object_marking_refs=[unknown])
        status = self.post([ind])
        ok, msg = self.outcome(status, ind["id"])
        self.assertTrue(ok)
        self.assertIn("unreadable-marking", msg)
        self.assertIn(unknown, msg)
        self.assert_at_least_amber(ind)
        # Beside a GREEN marking too.
        ind2 = indicator(11, object_marking_refs=[TLP2["green"], unknown])
        self.post([ind2])
        self.assert_at_least_amber(ind2)
        # An outsider never sees it, even in a public collection.
        st, _, body = self.hub.post_objects(self.fx.c_public, [indicator(
            12, object_marking_refs=[unknown])], self.fx.power_contrib)
        self.hub.wait_status(body, self.fx.power_contrib)
        st, _, body = self.hub.get_objects(self.fx.c_public, None)
        self.assertNotIn(unknown, json.dumps(body))

    def test_statement_alone_and_refused_definition_are_at_least_amber(self):
        stmt = marking(definition_type="statement",
                       definition={"statement": "Do not share outside the board"})
        ind = indicator(13, object_marking_refs=[stmt["id"]])
        # A custom definition the hub refuses (not valid STIX: no definition_type).
        bad = marking()
        ind2 = indicator(14, object_marking_refs=[bad["id"]])
        status = self.post([stmt, bad, ind, ind2])
        self.assertFalse(self.outcome(status, bad["id"])[0])
        self.assert_at_least_amber(ind)
        self.assert_at_least_amber(ind2)
        # With a TLP beside it, a statement is a term of use and the TLP decides.
        ind3 = indicator(15, object_marking_refs=[TLP2["green"], stmt["id"]])
        self.post([stmt, ind3])
        got = self.get(ind3["id"], self.fx.gas_reader)
        self.assertEqual(got[0]["object_marking_refs"], [TLP2["green"], stmt["id"]])

    def test_policy_may_refuse_what_it_cannot_read(self):
        st, _, pol = self.hub.req("GET", "/api/v1/policy", token=self.fx.coord, accept=JSON)
        unknown = "marking-definition--%s" % uuid.uuid4()
        alias = "marking-definition--%s" % uuid.uuid4()
        new = dict(pol, unknown_markings="refuse",
                   marking_aliases=dict(pol["marking_aliases"], **{alias: "red"}))
        st, _, body = self.hub.req("PUT", "/api/v1/policy", token=self.fx.coord, accept=JSON,
                                   content_type=JSON, body=new)
        self.assertIn(st, (200, 204), body)
        try:
            ind = indicator(16, object_marking_refs=[unknown])
            ind2 = indicator(17, object_marking_refs=[alias])
            status = self.post([ind, ind2])
            ok, msg = self.outcome(status, ind["id"])
            self.assertFalse(ok)
            self.assertIn(unknown, msg)
            self.assertIn("unknown_markings", msg)
            self.assertTrue(self.outcome(status, ind2["id"])[0])
            self.assertEqual(self.get(ind2["id"], self.fx.gas_reader), [])
        finally:
            self.hub.req("PUT", "/api/v1/policy", token=self.fx.coord, accept=JSON,
                         content_type=JSON, body=pol)
        # The standard ids cannot be redefined by an alias.
        bad = dict(pol, marking_aliases={TLP2["red"]: "clear"})
        st, _, body = self.hub.req("PUT", "/api/v1/policy", token=self.fx.coord, accept=JSON,
                                   content_type=JSON, body=bad)
        self.assertEqual(st, 400, body)

    def test_recipients_are_never_silently_ignored(self):
        for marks in ([TLP2["green"]], [TLP2["clear"]], None):
            ind = indicator(18)
            if marks:
                ind["object_marking_refs"] = marks
            ind["x_renkei_recipients"] = [self.fx.gas]
            status = self.post([ind])
            ok, msg = self.outcome(status, ind["id"])
            self.assertFalse(ok, marks)
            self.assertIn("x_renkei_recipients names recipients", msg)
        ind = indicator(19, object_marking_refs=[TLP2["red"]], x_renkei_recipients=[self.fx.gas])
        status = self.post([ind])
        self.assertTrue(self.outcome(status, ind["id"])[0])
        self.assertEqual(len(self.get(ind["id"], self.fx.gas_reader)), 1)
        self.assertEqual(self.get(ind["id"], self.fx.rail_reader), [])

    # ---- marking definitions are stored as posted, or refused ------------------------------

    def test_marking_definitions_are_never_changed(self):
        third_party = "identity--%s" % uuid.uuid4()
        md = marking(definition_type="statement", definition={"statement": "Origin: feed X"},
                     created_by_ref=third_party)
        status = self.post([md])
        self.assertTrue(self.outcome(status, md["id"])[0], status)
        # Served exactly as posted: no TLP marking added, the author kept.
        got = self.get(md["id"], self.fx.gas_reader)
        self.assertEqual(got, [md])
        # Its TLP is the hub's metadata, enforced all the same: a RED one is the source's.
        red = marking(definition_type="statement", definition={"statement": "internal"},
                      object_marking_refs=[TLP2["red"]])
        self.post([red])
        self.assertEqual(self.get(red["id"], self.fx.gas_reader), [])
        self.assertEqual(self.get(red["id"], self.fx.power_reader), [red])

    def test_a_change_the_hub_would_make_refuses_a_marking_definition(self):
        st, _, orgs = self.hub.req("GET", "/api/v1/orgs", token=self.fx.coord, accept=JSON)
        gas_identity = next(o["identity_id"] for o in orgs["orgs"] if o["name"] == self.fx.gas)
        cases = {
            "another member as author": marking(
                definition_type="statement", definition={"statement": "x"},
                created_by_ref=gas_identity),
            "a listed property": marking(definition_type="statement",
                                         definition={"statement": "x"}, x_reporter="Zq"),
        }
        for what, md in cases.items():
            status = self.post([md])
            ok, msg = self.outcome(status, md["id"])
            self.assertFalse(ok, what)
            self.assertIn("refused", msg, what)
            self.assertEqual(self.get(md["id"], self.fx.coord), [], what)
        # A hidden post: an author that is not public would have to be rewritten: refused;
        # without one it is stored as posted (no stand-in added).
        hidden = {"X-Renkei-Anonymity": "anonymous"}
        authored = marking(definition_type="statement", definition={"statement": "y"},
                           created_by_ref="identity--%s" % uuid.uuid4())
        bare = marking(definition_type="statement", definition={"statement": "z"})
        status = self.post_ok(self.fx.c_all, [authored, bare], self.fx.power_contrib,
                              headers=hidden)
        ok, msg = self.outcome(status, authored["id"])
        self.assertFalse(ok)
        self.assertIn("cannot be changed", msg)
        self.assertTrue(self.outcome(status, bare["id"])[0], status)
        self.assertEqual(self.get(bare["id"], self.fx.gas_reader), [bare])


if __name__ == "__main__":
    import unittest
    unittest.main()
