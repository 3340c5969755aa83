# SPDX-License-Identifier: Apache-2.0
"""Attacks on anonymity, written as members would try them; each must fail.

A hub of nine organisations in four sectors (six in electric power, so that the sector meets
k = 5). "tepco" posts in sector mode and "denki-anon" anonymously, as they would from their
own platforms: with their identity under the real company name, created_by_ref on every
object, reporters inside extensions. Every reader (the other members, the coordinator over
TAXII, an outsider) must never learn who posted: the real name, the platform's identity id
and the removed values appear in no answer of any collection. Then writers try to overwrite
the stand-in identities, to post in another member's name, and to post hidden into
collections so few may write to that the post names its source.
"""
import json
import re
import uuid

from harness import API_ROOT, JSON, HubTestCase, indicator, stix_id

REAL_NAME = "Tokyo Electric Power Company Holdings, Inc."
PLATFORM_IDENTITY = "identity--%s" % uuid.uuid4()   # tepco's own OpenCTI identity
EXT = "extension-definition--%s" % uuid.uuid4()
SECRET_REPORTER = "Hanako Whistle-Zq"
SECRET_EMAIL = "hanako.zq@tepco.example"
SECRET_IP = "192.0.2.77"
MITRE = "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5"
TLP_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def identity(name, iid=None, **extra):
    o = {"type": "identity", "spec_version": "2.1", "id": iid or stix_id("identity"),
         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
         "name": name, "identity_class": "organization"}
    o.update(extra)
    return o


def opencti_export():
    """What a member's platform exports: its own identity under the real company name and
    references to it everywhere (authorship, sighting, report, relationship), reporters in an
    extension and in external references."""
    me = identity(REAL_NAME, PLATFORM_IDENTITY, sectors=["energy"])
    ind = indicator(1, created_by_ref=PLATFORM_IDENTITY, object_marking_refs=[TLP_GREEN])
    ind["extensions"] = {EXT: {"extension_type": "property-extension",
                               "x_reporter": SECRET_REPORTER,
                               "x_reporter_email": SECRET_EMAIL,
                               "x_source_ip": SECRET_IP, "x_kept": "kept"}}
    ind["external_references"] = [{"source_name": "ticket", "external_id": "T-1",
                                   "x_reporter": SECRET_REPORTER}]
    ind["granular_markings"] = [{"marking_ref": TLP_GREEN, "selectors": [
        "extensions.%s.x_reporter" % EXT]}]
    sight = {"type": "sighting", "spec_version": "2.1", "id": stix_id("sighting"),
             "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
             "created_by_ref": PLATFORM_IDENTITY, "sighting_of_ref": ind["id"],
             "where_sighted_refs": [PLATFORM_IDENTITY], "object_marking_refs": [TLP_GREEN]}
    rel = {"type": "relationship", "spec_version": "2.1", "id": stix_id("relationship"),
           "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
           "created_by_ref": PLATFORM_IDENTITY, "relationship_type": "related-to",
           "source_ref": ind["id"], "target_ref": PLATFORM_IDENTITY,
           "object_marking_refs": [TLP_GREEN]}
    rep = {"type": "report", "spec_version": "2.1", "id": stix_id("report"),
           "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
           "created_by_ref": PLATFORM_IDENTITY, "name": "Weekly summary",
           "published": "2024-01-01T00:00:00Z", "report_types": ["threat-report"],
           "object_refs": [ind["id"], PLATFORM_IDENTITY, MITRE],
           "object_marking_refs": [TLP_GREEN]}
    mitre = identity("The MITRE Corporation", MITRE)
    return [me, mitre, ind, sight, rel, rep]


class TestAttackAnonymity(HubTestCase):
    @classmethod
    def extra_setup(cls):
        h, fx = cls.hub, cls.fx
        cls.orgs = {}
        for name, sector, mode in (("tepco", "electric-power", "sector"),
                                   ("denki-anon", "electric-power", "anonymous"),
                                   ("denki-3", "electric-power", None),
                                   ("denki-4", "electric-power", None),
                                   ("denki-5", "electric-power", None)):
            cls.orgs[name] = h.org_add(name, sector, mode)
        cls.tepco = h.token_create("tepco", "contributor")
        cls.anon = h.token_create("denki-anon", "contributor")
        cls.d3 = h.token_create("denki-3", "contributor")
        cls.d3_reader = h.token_create("denki-3", "reader")
        # Who may write decides the anonymity set of a post.
        cls.c_two = h.collection_add("Two writers", "all", "org:tepco,%s" % fx.gas)
        cls.c_power5 = h.collection_add(
            "Five power writers", "all", "org:tepco,denki-anon,denki-3,denki-4,%s" % fx.power)
        cls.c_mixed = h.collection_add(
            "Three power of six", "all",
            "org:tepco,denki-3,denki-4,%s,%s,%s" % (fx.gas, fx.rail, fx.bank))

    # ---- helpers --------------------------------------------------------------------------

    def post(self, cid, objects, token, headers=None):
        return self.post_ok(cid, objects, token, headers=headers)

    def outcome(self, status, oid):
        """(ok, message) of oid in a status resource."""
        return self.status_entry(status, oid)[:2]

    def everything(self, token):
        """Every answer a reader gets from every collection it can list: all versions of all
        objects, each object by id, and the manifests, as one text."""
        out = []
        st, _, colls = self.hub.taxii("GET", "collections/", token=token)
        for c in (colls or {}).get("collections", []) if st == 200 else []:
            for q in ("match[version]=all&limit=1000", ""):
                st, _, body = self.hub.get_objects(c["id"], token, q)
                self.assertIn(st, (200, 401, 403, 404))
                out.append(json.dumps(body))
                for o in (body or {}).get("objects", []) if st == 200 else []:
                    st2, _, b2 = self.hub.taxii("GET", "collections/%s/objects/%s/" % (
                        c["id"], o["id"]), token=token)
                    out.append(json.dumps(b2))
            st, _, body = self.hub.taxii("GET", "collections/%s/manifest/" % c["id"],
                                         token=token)
            out.append(json.dumps(body))
        return "\n".join(out)

    def readers(self):
        fx = self.fx
        return {"gas": fx.gas_reader, "rail": fx.rail_reader, "power": fx.power_reader,
                "denki-3": self.d3_reader, "coordinator": fx.coord, "outsider": None}

    def assert_nobody_learns(self, secrets):
        for who, tok in self.readers().items():
            text = self.everything(tok)
            for s in secrets:
                self.assertNotIn(s, text, "%s learns %r" % (who, s))

    def served(self, cid, oid, token):
        st, _, body = self.hub.get_objects(cid, token, "match[id]=%s" % oid)
        self.assertEqual(st, 200, body)
        objs = body.get("objects", [])
        self.assertEqual(len(objs), 1, body)
        return objs[0]

    # ---- 1. a member's own identity under its real name --------------------------------------

    def test_platform_export_in_sector_mode_names_nobody(self):
        objs = opencti_export()
        status = self.post(self.fx.c_all, objs, self.tepco)
        me, mitre, ind, sight, rel, rep = objs
        ok, msg = self.outcome(status, me["id"])
        self.assertTrue(ok)
        self.assertIn("dropped", msg)
        for o in (ind, sight, rel, rep):
            ok, msg = self.outcome(status, o["id"])
            self.assertTrue(ok, msg)
            self.assertIn("anonymised", msg)
        self.assertIn("created_by_ref -> sector identity", self.outcome(status, ind["id"])[1])
        self.assert_nobody_learns([REAL_NAME, PLATFORM_IDENTITY, SECRET_REPORTER, SECRET_EMAIL,
                                   SECRET_IP, self.orgs["tepco"]["identity_id"]])
        # The public identity (MITRE's) survives, as object and reference.
        got = self.served(self.fx.c_all, rep["id"], self.fx.gas_reader)
        self.assertIn(MITRE, got["object_refs"])
        self.assertEqual(self.served(self.fx.c_all, MITRE, self.fx.gas_reader)["name"],
                         "The MITRE Corporation")
        # Readers see "an organisation in the electric power sector", resolvable.
        author = got["created_by_ref"]
        self.assertEqual(self.served(self.fx.c_all, author, self.fx.gas_reader)["name"],
                         "An organisation in the Electric power sector")
        self.assertEqual(self.served(self.fx.c_all, sight["id"],
                                     self.fx.gas_reader)["where_sighted_refs"], [author])
        rel_got = self.served(self.fx.c_all, rel["id"], self.fx.gas_reader)
        self.assertEqual(rel_got["target_ref"], author)
        # The extension keeps what is not removed; the selector of a removed property goes.
        ind_got = self.served(self.fx.c_all, ind["id"], self.fx.gas_reader)
        self.assertEqual(ind_got["extensions"][EXT], {"extension_type": "property-extension",
                                                      "x_kept": "kept"})
        self.assertNotIn("granular_markings", ind_got)

    def test_names_that_differ_by_a_dot_or_case_are_dropped_too(self):
        for name in ("tepco.", "TEPCO ", " Tepco", "tepco, inc.", "Totally Unrelated KK"):
            o = identity(name)
            ind = indicator(2, created_by_ref=o["id"])
            status = self.post(self.fx.c_all, [o, ind], self.anon)
            self.assertTrue(self.outcome(status, o["id"])[0])
            self.assertIn("dropped", self.outcome(status, o["id"])[1])
            got = self.served(self.fx.c_all, ind["id"], self.fx.gas_reader)
            self.assertNotEqual(got["created_by_ref"], o["id"])
            st, _, body = self.hub.get_objects(self.fx.c_all, self.fx.coord,
                                               "match[id]=%s" % o["id"])
            self.assertEqual((st, body), (200, {}), name)

    def test_push_shows_what_was_dropped_and_rewritten(self):
        path = self.hub.data + "/export.json"
        with open(path, "w") as f:
            json.dump({"type": "bundle", "id": stix_id("bundle"), "objects": opencti_export()}, f)
        url = self.hub.url(API_ROOT + "collections/%s/" % self.fx.c_all)
        out = self.hub.cli("push", "--token", self.tepco, url, path, data=False)
        changed = {c["id"]: c["message"] for c in out["changed"]}
        self.assertTrue(any(m.startswith("dropped") for m in changed.values()), out)
        self.assertTrue(any("-> sector identity" in m for m in changed.values()), out)
        # On a terminal: grouped by reason, each with its count and first ids, totals last.
        p = self.hub.run_cli("push", "--token", self.tepco, url, path, data=False)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[-1].strip().endswith("pending"), p.stdout)
        self.assertIn("changed by the hub: ", p.stdout)
        dropped = [i for i, line in enumerate(lines) if re.match(r"  \d+ objects?: dropped", line)]
        self.assertTrue(dropped, p.stdout)
        self.assertIn("identity--", lines[dropped[0] + 1])
        p = self.hub.run_cli("push", "--verbose", "--token", self.tepco, url, path, data=False)
        self.assertIn("changed: identity--", p.stdout)

    # ---- 2. properties inside extensions -------------------------------------------------

    def test_removed_properties_inside_extensions_even_for_named_posters(self):
        ind = indicator(3)
        ind["extensions"] = {EXT: {"extension_type": "property-extension",
                                   "x_source_ip": SECRET_IP, "nested": [{"x_reporter": "Zq-9"}]}}
        self.post(self.fx.c_all, [ind], self.d3)
        for tok in (self.fx.gas_reader, self.d3_reader, self.fx.coord):
            got = json.dumps(self.served(self.fx.c_all, ind["id"], tok))
            self.assertNotIn(SECRET_IP, got)
            self.assertNotIn("Zq-9", got)
            self.assertNotIn("x_source_ip", got)

    # ---- 3. the stand-in identities cannot be overwritten -------------------------------------

    def test_stand_ins_and_member_identities_are_reserved(self):
        # First make the sector stand-in and the hub identity exist.
        self.post(self.fx.c_all, [indicator(4)], self.tepco)
        self.post(self.fx.c_all, [indicator(5)], self.anon)
        st, _, body = self.hub.get_objects(self.fx.c_all, self.fx.coord, "match[type]=identity")
        stand_ins = {o["id"]: o["name"] for o in body["objects"]}
        hub_id = self.hub.init_result["identity_id"]
        self.assertIn(hub_id, stand_ins)
        sector_id = next(i for i, n in stand_ins.items() if n.startswith("An organisation"))
        victims = [hub_id, sector_id, self.orgs["denki-4"]["identity_id"]]
        for tok in (self.d3, self.fx.gas_contrib):
            for vid in victims:
                forged = identity("Tokyo Gas (framed)", vid,
                                  modified="9999-12-31T23:59:59.999Z")
                status = self.post(self.fx.c_all, [forged], tok)
                ok, msg = self.outcome(status, vid)
                self.assertFalse(ok, msg)
                self.assertIn("reserved", msg)
        # Readers still resolve the stand-ins to their own names.
        st, _, body = self.hub.get_objects(self.fx.c_all, self.fx.gas_reader,
                                           "match[type]=identity&match[version]=all")
        names = {o["id"]: o["name"] for o in body["objects"]}
        self.assertNotIn("Tokyo Gas (framed)", json.dumps(body))
        self.assertEqual(names[sector_id], stand_ins[sector_id])
        # In a hidden post the forgery is dropped as every identity is.
        forged = identity("framed", hub_id, modified="9999-12-31T23:59:59.999Z")
        status = self.post(self.fx.c_all, [forged], self.anon)
        self.assertIn("dropped", self.outcome(status, hub_id)[1])

    def test_registered_platform_identity_is_writable_by_its_owner_only(self):
        pid = "identity--%s" % uuid.uuid4()
        path = self.hub.data + "/ownids.txt"
        with open(path, "w") as f:
            f.write(pid + "\nrail-own.example\n")
        self.hub.cli("org", "add", "--name", "rail-ids", "--sector", "railways",
                     "--own-identifiers", path)
        tok = self.hub.token_create("rail-ids", "contributor")
        status = self.post(self.fx.c_all, [identity("Someone else", pid)], self.d3)
        ok, msg = self.outcome(status, pid)
        self.assertFalse(ok)
        self.assertIn("another member organisation's identity", msg)
        status = self.post(self.fx.c_all, [identity("Rail IDs KK", pid)], tok)
        self.assertTrue(self.outcome(status, pid)[0], status)

    # ---- 4. forged authorship ---------------------------------------------------------------

    def test_named_member_cannot_write_in_another_members_name(self):
        victim = self.orgs["denki-4"]["identity_id"]
        mine = self.orgs["denki-3"]["identity_id"]
        ind = indicator(6, created_by_ref=victim)
        ind["extensions"] = {EXT: {"extension_type": "property-extension",
                                   "x_inner": {"created_by_ref": victim}}}
        status = self.post(self.fx.c_all, [ind], self.d3)
        ok, msg = self.outcome(status, ind["id"])
        self.assertTrue(ok, msg)
        self.assertIn("created_by_ref -> the poster's identity", msg)
        got = self.served(self.fx.c_all, ind["id"], self.fx.gas_reader)
        self.assertEqual(got["created_by_ref"], mine)
        self.assertNotIn(victim, json.dumps(got))
        # A public identity and one's own stay.
        ok_ind = indicator(7, created_by_ref=MITRE)
        self.post(self.fx.c_all, [ok_ind], self.d3)
        self.assertEqual(self.served(self.fx.c_all, ok_ind["id"],
                                     self.fx.gas_reader)["created_by_ref"], MITRE)
        # The coordinator may make it a refusal.
        self.hub.req("PUT", "/api/v1/policy", token=self.fx.coord, accept=JSON,
                     content_type=JSON, body=dict(self.policy(), foreign_authors="refuse"))
        try:
            ind2 = indicator(8, created_by_ref=victim)
            status = self.post(self.fx.c_all, [ind2], self.d3)
            ok, msg = self.outcome(status, ind2["id"])
            self.assertFalse(ok)
            self.assertIn("foreign_authors", msg)
        finally:
            self.hub.req("PUT", "/api/v1/policy", token=self.fx.coord, accept=JSON,
                         content_type=JSON, body=dict(self.policy(), foreign_authors="rewrite"))

    def policy(self):
        st, _, pol = self.hub.req("GET", "/api/v1/policy", token=self.fx.coord, accept=JSON)
        self.assertEqual(st, 200, pol)
        return pol

    # ---- 5. the k rule counts who could have written there -------------------------------------

    def test_anonymity_set_is_the_collections_writers(self):
        hub_id = self.hub.init_result["identity_id"]
        # Five power writers: the sector identity.
        ind = indicator(9)
        status = self.post(self.c_power5, [ind], self.tepco)
        self.assertIn("sector identity", self.outcome(status, ind["id"])[1])
        # Three power writers among six: the sector would name one of three; the hub instead.
        ind = indicator(10)
        status = self.post(self.c_mixed, [ind], self.tepco)
        self.assertIn("-> hub identity", self.outcome(status, ind["id"])[1])
        self.assertEqual(self.served(self.c_mixed, ind["id"],
                                     self.fx.gas_reader)["created_by_ref"], hub_id)
        # Two writers: even the hub identity names the poster to the other one: refused.
        ind = indicator(11)
        status = self.post(self.c_two, [ind], self.tepco)
        ok, msg = self.outcome(status, ind["id"])
        self.assertFalse(ok)
        self.assertIn("fewer than 5 organisations may write", msg)
        st, _, body = self.hub.get_objects(self.c_two, self.fx.gas_reader,
                                           "match[id]=%s" % ind["id"])
        self.assertEqual(body, {})
        # A named post there is fine, and so is asking for anonymity per object: refused.
        ind = indicator(12)
        ind["x_renkei_anonymity"] = "anonymous"
        status = self.post(self.c_two, [ind], self.fx.gas_contrib)
        self.assertFalse(self.outcome(status, ind["id"])[0])
        named = indicator(13)
        status = self.post(self.c_two, [named], self.fx.gas_contrib)
        self.assertTrue(self.outcome(status, named["id"])[0])


if __name__ == "__main__":
    import unittest
    unittest.main()
