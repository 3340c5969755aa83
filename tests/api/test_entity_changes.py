# SPDX-License-Identifier: Apache-2.0
"""Changing and retiring members and collections, as a demanding coordinator and as attackers
would try it: `renkei org set|disable|enable`, `renkei collection set|remove` and PATCH
/api/v1/orgs/{id}, POST /api/v1/orgs/{id}/disable|enable, PATCH and DELETE
/api/v1/collections/{id}.

A disabled member's tokens get 401 at once on TAXII and the admin API (within the entity
cache's bound when the command line disabled it); what it posted stays readable to others as
before; it leaves the anonymity sets, cannot be named a recipient, keeps its name so nobody
can take its audiences. A renamed member keeps its org: audiences (collections, scope rules
and the scopes of stored objects), and whoever registers the old name gets none of them. A
narrower read audience hides a collection's objects at once from those left out. A collection
holding objects is removed only with purge, the originals staying in the provenance vault.
Every change leaves one audit entry; members get 403, strangers 401.
"""
import hashlib
import json
import os
import time
import unittest
import uuid

from harness import API_ROOT, JSON, HubTestCase, indicator
from sharing_world import TLP2

# The entity cache re-reads its generation every 100 ms and drops an entry after 1 s
# (POLICY_CACHE_RECHECK_MS, POLICY_CACHE_TTL_MS): a change made by the command line, another
# process, must reach the server within that.
CACHE_BOUND_S = 1.0


def token_id(token):
    return hashlib.blake2b(token.encode(), digest_size=32).hexdigest()[:16]


def uniq(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


class EntityCase(HubTestCase):
    def api(self, method, path, token=None, body=None):
        return self.hub.req(method, "/api/v1/" + path, token=token, body=body, accept=JSON,
                            content_type=JSON if body is not None else None)

    def taxii(self, token, path=""):
        return self.hub.req("GET", API_ROOT + "collections/" + path, token=token)

    def audit(self, after=0):
        st, _, body = self.api("GET", "audit?limit=10000&after=%d" % after, self.fx.coord)
        self.assertEqual(st, 200, body)
        return body["entries"]

    def last_seq(self):
        entries = self.audit()
        return entries[-1]["seq"] if entries else 0

    def member(self, sector="water", anonymity=None):
        """A fresh organisation with reader and contributor tokens: (name, id, reader, contrib)."""
        name = uniq("m")
        oid = self.hub.org_add(name, sector, anonymity)["id"]
        return name, oid, self.hub.token_create(name, "reader"), \
            self.hub.token_create(name, "contributor")

    def post(self, cid, objects, token):
        st, _, body = self.hub.post_objects(cid, objects, token)
        self.assertEqual(st, 202, body)
        return self.hub.wait_status(body, token)

    def objects_of(self, cid, token):
        st, _, body = self.hub.get_objects(cid, token, "match[version]=all&limit=1000")
        self.assertEqual(st, 200, body)
        return {o["id"]: o for o in (body.get("objects") or [])} if isinstance(body, dict) else {}

    def until(self, fn, want, bound=CACHE_BOUND_S):
        """Polls fn() until it returns want; returns the seconds it took (fails past bound)."""
        t0 = time.monotonic()
        got = fn()
        while got != want and time.monotonic() - t0 < bound + 2.0:
            time.sleep(0.02)
            got = fn()
        took = time.monotonic() - t0
        self.assertEqual(got, want, "still %r after %.2f s" % (got, took))
        self.assertLessEqual(took, bound + 0.25, "took %.2f s, the bound is %.1f s"
                             % (took, bound))
        return took


class TestDisable(EntityCase):
    def test_disabled_member_gets_401_at_once_everywhere(self):
        name, oid, reader, contrib = self.member()
        for tok in (reader, contrib):
            self.assertEqual(self.taxii(tok)[0], 200)
            self.assertEqual(self.api("GET", "tokens", tok)[0], 200)
        seq = self.last_seq()
        st, _, body = self.api("POST", "orgs/%s/disable" % oid, self.fx.coord)
        self.assertEqual(st, 200, body)
        self.assertIs(body["org"]["disabled"], True)
        self.assertEqual(body["org"]["id"], oid)
        self.assertEqual({t["id"] for t in body["revoked"]}, {token_id(reader), token_id(contrib)})
        # the server that disabled it refuses at once: TAXII (Bearer and Basic), the admin API
        for tok in (reader, contrib):
            self.assertEqual(self.taxii(tok)[0], 401)
            self.assertEqual(self.hub.req("GET", API_ROOT + "collections/",
                                          basic=("x", tok))[0], 401)
            self.assertEqual(self.hub.req("GET", "/taxii2/", token=tok)[0], 401)
            self.assertEqual(self.api("GET", "tokens", tok)[0], 401)
            self.assertEqual(self.api("GET", "credit", tok)[0], 401)
            st, _, _ = self.hub.post_objects(self.fx.c_all, [indicator(1)], tok)
            self.assertEqual(st, 401)
        # and it cannot let itself back in
        self.assertEqual(self.api("POST", "orgs/%s/enable" % oid, contrib)[0], 401)
        # audit: a token-revoke per token, then org-disable naming them
        entries = [e for e in self.audit(seq)]
        self.assertEqual([e["action"] for e in entries],
                         ["token-revoke", "token-revoke", "org-disable"])
        self.assertEqual(entries[-1]["route"], "api-orgs-disable")
        self.assertEqual(entries[-1]["detail"]["org_id"], oid)
        self.assertEqual(set(entries[-1]["detail"]["tokens_revoked"]),
                         {token_id(reader), token_id(contrib)})
        self.assertTrue(all(e["detail"].get("revoked_by") == "coordinator" for e in entries[:2]))
        # listed as disabled
        st, _, orgs = self.api("GET", "orgs", self.fx.coord)
        self.assertIs({o["id"]: o for o in orgs["orgs"]}[oid]["disabled"], True)

    def test_cli_disable_reaches_the_running_server_within_the_cache_bound(self):
        name, oid, reader, contrib = self.member()
        self.assertEqual(self.taxii(reader)[0], 200)  # cached now
        self.assertEqual(self.taxii(contrib)[0], 200)
        out = self.hub.cli("org", "disable", name)
        self.assertEqual(set(out), {"org", "revoked"})
        self.assertIs(out["org"]["disabled"], True)
        self.assertEqual(len(out["revoked"]), 2)
        self.until(lambda: self.taxii(reader)[0], 401)
        self.until(lambda: self.api("GET", "tokens", contrib)[0], 401)
        for _ in range(5):  # and stays refused
            self.assertEqual(self.taxii(reader)[0], 401)
        listed = {o["name"]: o for o in self.hub.cli("org", "list")["orgs"]}
        self.assertIs(listed[name]["disabled"], True)
        self.assertIn("org-disable",
                      [e["action"] for e in self.audit() if e["route"] == "cli:org disable"])

    def test_what_it_posted_stays_visible_as_before(self):
        name, oid, reader, contrib = self.member(sector="railways")
        named = indicator(11, labels=["from-leaver"])
        amber = indicator(12, object_marking_refs=[TLP2["amber"]])
        self.post(self.fx.c_all, [named, amber], contrib)
        before = self.objects_of(self.fx.c_all, self.fx.rail_reader)
        self.assertIn(named["id"], before)
        self.assertIn(amber["id"], before)
        raw_before = self.hub.req("GET", API_ROOT + "collections/%s/objects/%s/"
                                  % (self.fx.c_all, amber["id"]), token=self.fx.gas_reader)
        self.assertEqual(self.api("POST", "orgs/%s/disable" % oid, self.fx.coord)[0], 200)
        after = self.objects_of(self.fx.c_all, self.fx.rail_reader)
        for oid_ in (named["id"], amber["id"]):
            self.assertEqual(after[oid_], before[oid_])
        raw_after = self.hub.req("GET", API_ROOT + "collections/%s/objects/%s/"
                                 % (self.fx.c_all, amber["id"]), token=self.fx.gas_reader)
        self.assertEqual(raw_after[0], 200)
        self.assertEqual(raw_after[2], raw_before[2])
        # the vault still names it as the source; its audit entries stay
        st, _, prov = self.api("GET", "provenance/" + named["id"], self.fx.coord)
        self.assertEqual(st, 200, prov)
        self.assertEqual(prov["versions"][0]["org"], name)
        st, _, body = self.api("GET", "audit?org=%s" % oid, self.fx.coord)
        self.assertEqual(st, 200, body)
        self.assertIn("write", [e["action"] for e in body["entries"]])

    def test_cannot_be_named_recipient_or_get_a_token_or_lose_its_name(self):
        name, oid, reader, contrib = self.member(sector="railways")
        self.assertEqual(self.api("POST", "orgs/%s/disable" % oid, self.fx.coord)[0], 200)
        red = indicator(13, object_marking_refs=[TLP2["red"]], x_renkei_recipients=[name])
        final = self.post(self.fx.c_all, [red], self.fx.power_contrib)
        ok, msg, _ = self.status_entry(final, red["id"])
        self.assertFalse(ok)
        self.assertIn("recipient '%s' is disabled" % name, msg)
        st, _, body = self.api("POST", "tokens", self.fx.coord, {"org": name, "role": "reader"})
        self.assertEqual(st, 409, body)
        self.assertIn("disabled", body["error"])
        # the name stays its own: nobody registers it to inherit org:NAME audiences
        st, _, body = self.api("POST", "orgs", self.fx.coord, {"name": name, "sector": "gas"})
        self.assertEqual(st, 409, body)

    def test_enable_without_old_tokens(self):
        name, oid, reader, contrib = self.member()
        self.assertEqual(self.api("POST", "orgs/%s/disable" % oid, self.fx.coord)[0], 200)
        st, _, body = self.api("POST", "orgs/%s/enable" % name, self.fx.coord)
        self.assertEqual(st, 200, body)
        self.assertIs(body["disabled"], False)
        self.assertEqual(self.taxii(reader)[0], 401)  # revoked for good
        tok = self.hub.token_create(name, "reader")
        self.assertEqual(self.taxii(tok)[0], 200)
        self.assertEqual(self.audit()[-2]["action"], "org-enable")
        self.assertEqual(self.api("POST", "orgs/%s/enable" % oid, self.fx.coord)[0], 409)

    def test_refusals(self):
        st, _, orgs = self.api("GET", "orgs", self.fx.coord)
        coord = [o for o in orgs["orgs"] if o["sector"] == "coordination"][0]
        st, _, body = self.api("POST", "orgs/%s/disable" % coord["id"], self.fx.coord)
        self.assertEqual(st, 409, body)
        self.assertIn("coordinator", body["error"])
        self.assertEqual(self.taxii(self.fx.coord)[0], 200)
        self.assertEqual(self.api("POST", "orgs/no-such-org/disable", self.fx.coord)[0], 404)
        name, oid, _, _ = self.member()
        self.assertEqual(self.api("POST", "orgs/%s/disable" % oid, self.fx.coord)[0], 200)
        self.assertEqual(self.api("POST", "orgs/%s/disable" % oid, self.fx.coord)[0], 409)
        p = self.hub.run_cli("org", "disable", "no-such-org")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown organisation 'no-such-org'", p.stderr)


class TestOrgSet(EntityCase):
    def test_rename_keeps_org_audiences_and_gives_the_old_name_nothing(self):
        name, oid, reader, contrib = self.member(sector="railways")
        cid = self.hub.collection_add(uniq("Own"), "org:%s,%s" % (self.fx.gas, name),
                                      "org:" + name)
        obj = indicator(21)
        self.post(cid, [obj], contrib)
        new = uniq("renamed")
        seq = self.last_seq()
        st, _, body = self.api("PATCH", "orgs/%s" % oid, self.fx.coord, {"name": new})
        self.assertEqual(st, 200, body)
        self.assertEqual((body["id"], body["name"]), (oid, new))
        # the same tokens, the same collection, the same objects
        self.assertIn(obj["id"], self.objects_of(cid, reader))
        st, _, colls = self.api("GET", "collections", self.fx.coord)
        c = {x["id"]: x for x in colls["collections"]}[cid]
        self.assertEqual((c["read"], c["write"]), ("org:%s,%s" % (self.fx.gas, new), "org:" + new))
        self.post(cid, [indicator(22)], contrib)  # still a writer
        # a newcomer registered under the old name sees none of it
        self.hub.org_add(name, "railways")
        intruder = self.hub.token_create(name, "contributor")
        self.assertEqual(self.taxii(intruder, cid + "/")[0], 404)
        self.assertNotIn(cid, [x["id"] for x in self.taxii(intruder)[2]["collections"]])
        st, _, _ = self.hub.post_objects(cid, [indicator(23)], intruder)
        self.assertIn(st, (403, 404))
        # one org-change entry with before, after and what was rewritten
        entries = [e for e in self.audit(seq) if e["action"] == "org-change"]
        self.assertEqual(len(entries), 1)
        d = entries[0]["detail"]
        self.assertEqual((d["before"]["name"], d["after"]["name"]), (name, new))
        self.assertEqual(d["changed"], ["name"])
        self.assertIn(cid, d["rewritten"]["collections"])
        self.assertEqual(entries[0]["route"], "api-orgs-change")

    def test_new_sector_reads_its_new_sector_at_once(self):
        name, oid, reader, contrib = self.member(sector="water")
        self.assertEqual(self.taxii(reader, self.fx.c_energy + "/")[0], 404)
        amber = indicator(24, object_marking_refs=[TLP2["amber"]])
        self.post(self.fx.c_all, [amber], contrib)
        st, _, body = self.api("PATCH", "orgs/" + oid, self.fx.coord, {"sector": "gas"})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["sector"], "gas")
        self.assertEqual(self.taxii(reader, self.fx.c_energy + "/")[0], 200)
        # what it posted keeps its source sector: still its own, still the audience's
        self.assertIn(amber["id"], self.objects_of(self.fx.c_all, reader))
        self.assertIn(amber["id"], self.objects_of(self.fx.c_all, self.fx.rail_reader))
        st, _, prov = self.api("GET", "provenance/" + amber["id"], self.fx.coord)
        self.assertEqual(prov["versions"][0]["org_id"], oid)

    def test_cli_set_shapes_and_messages(self):
        name, oid, _, _ = self.member()
        added = self.hub.cli("org", "list")["orgs"]
        keys = set([o for o in added if o["id"] == oid][0])
        out = self.hub.cli("org", "set", oid, "--anonymity", "sector", "--sector", "gas")
        self.assertEqual(set(out), keys)  # the shape of org add and org list entries
        self.assertEqual((out["sector"], out["anonymity"]), ("gas", "sector"))
        p = self.hub.run_cli("org", "set", name, "--sector", "waterworks")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown sector 'waterworks'", p.stderr)
        for key in ("electric-power", "finance", "water", "railways"):
            self.assertIn(key, p.stderr)  # the valid keys are listed
        p = self.hub.run_cli("org", "set", "no-such-org", "--sector", "gas")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown organisation 'no-such-org'", p.stderr)
        p = self.hub.run_cli("org", "set", name)
        self.assertEqual(p.returncode, 2)
        self.assertIn("nothing to change", p.stderr)
        p = self.hub.run_cli("org", "set", name, "--name", self.fx.gas)
        self.assertEqual(p.returncode, 1)
        self.assertIn("already exists", p.stderr)
        p = self.hub.run_cli("org", "set", "--help", data=False)
        self.assertEqual(p.returncode, 0)
        for opt in ("--name", "--sector", "--anonymity", "--own-identifiers", "disable",
                    "enable"):
            self.assertIn(opt, p.stdout)
        self.assertEqual(self.audit()[-1]["route"], "cli:org set")

    def test_api_errors(self):
        name, oid, _, _ = self.member()
        for body, status in (({}, 400), ({"disabled": True}, 400), ({"name": 5}, 400),
                             ({"sector": "waterworks"}, 400), ({"anonymity": "invisible"}, 400),
                             ({"name": self.fx.gas}, 409), ({"name": "a,b"}, 400),
                             ({"own_identifiers": "ok.example\nx\n"}, 400)):
            with self.subTest(body=body):
                st, _, got = self.api("PATCH", "orgs/" + oid, self.fx.coord, body)
                self.assertEqual(st, status, got)
                self.assertIsInstance(got.get("error"), str)
        self.assertEqual(self.api("PATCH", "orgs/no-such-org", self.fx.coord, {"sector": "gas"})[0],
                         404)
        st, _, got = self.api("PATCH", "orgs/" + name, self.fx.coord,
                              {"own_identifiers": "# ours\nMine.example\n"})
        self.assertEqual(st, 200, got)
        self.assertEqual(got["own_identifiers"], "mine.example")

    def test_members_and_strangers_cannot_change_anything(self):
        name, oid, reader, contrib = self.member()
        cid = self.hub.collection_add(uniq("Guarded"), "org:" + name, "org:" + name)
        attempts = (("PATCH", "orgs/" + oid, {"sector": "electric-power"}),
                    ("PATCH", "orgs/" + oid, {"anonymity": "named"}),
                    ("POST", "orgs/%s/disable" % self.fx.org_ids[self.fx.gas], None),
                    ("POST", "orgs/%s/enable" % oid, None),
                    ("PATCH", "collections/" + cid, {"read": "all"}),
                    ("PATCH", "collections/" + self.fx.c_energy,
                     {"read": "sector:electric-power,gas,water"}),
                    ("DELETE", "collections/%s?purge=true" % cid, None))
        seq = self.last_seq()
        for tok in (reader, contrib, self.fx.power_analyst, self.fx.bank_contrib):
            for method, path, body in attempts:
                with self.subTest(token=tok[:8], method=method, path=path):
                    st, _, got = self.api(method, path, tok, body)
                    self.assertEqual(st, 403, got)
        for method, path, body in attempts:
            self.assertEqual(self.api(method, path, None, body)[0], 401)
            self.assertEqual(self.api(method, path, "rk_" + "ab" * 32, body)[0], 401)
        self.assertEqual([e for e in self.audit(seq) if e["action"] != "read"], [])
        st, _, orgs = self.api("GET", "orgs", self.fx.coord)
        me = {o["id"]: o for o in orgs["orgs"]}[oid]
        self.assertEqual((me["sector"], me["disabled"]), ("water", False))
        self.assertEqual(self.taxii(reader, cid + "/")[0], 200)


class TestCollections(EntityCase):
    def test_narrowing_hides_at_once_and_widening_shows(self):
        cid = self.hub.collection_add(uniq("Shared"), "all", "all", alias=uniq("shared"))
        obj = indicator(31)
        self.post(cid, [obj], self.fx.gas_contrib)
        self.assertIn(obj["id"], self.objects_of(cid, self.fx.rail_reader))
        seq = self.last_seq()
        st, _, body = self.api("PATCH", "collections/" + cid, self.fx.coord,
                               {"read": "sector:gas", "description": "gas only now"})
        self.assertEqual(st, 200, body)
        self.assertEqual((body["read"], body["write"]), ("sector:gas", "all"))
        # at once: the collection and every object in it are gone for railways
        self.assertEqual(self.taxii(self.fx.rail_reader, cid + "/")[0], 404)
        self.assertEqual(self.hub.get_objects(cid, self.fx.rail_reader)[0], 404)
        self.assertEqual(self.hub.req("GET", API_ROOT + "collections/%s/objects/%s/"
                                      % (cid, obj["id"]), token=self.fx.rail_reader)[0], 404)
        self.assertIn(obj["id"], self.objects_of(cid, self.fx.gas_reader))
        entry = [e for e in self.audit(seq) if e["action"] == "collection-change"][-1]
        self.assertEqual(entry["collection"], cid)
        self.assertEqual(entry["detail"]["before"]["read"], "all")
        self.assertEqual(entry["detail"]["after"]["read"], "sector:gas")
        # widened again from the command line: seen within the bound
        out = self.hub.cli("collection", "set", cid, "--read", "all")
        self.assertEqual(out["read"], "all")
        self.until(lambda: self.taxii(self.fx.rail_reader, cid + "/")[0], 200)
        self.assertIn(obj["id"], self.objects_of(cid, self.fx.rail_reader))

    def test_set_by_alias_with_the_checks_of_add(self):
        alias = uniq("feed")
        cid = self.hub.collection_add(uniq("Feed"), "all", "all", alias=alias)
        other = uniq("other")
        self.hub.collection_add(uniq("Other"), "all", "all", alias=other)
        for body, status in (({}, 400), ({"alias": other}, 409), ({"read": "sector:waterworks"},
                                                                  400),
                             ({"write": "org:no-such-org"}, 400), ({"title": ""}, 400),
                             ({"default_tlp": "purple"}, 400), ({"id": "x"}, 400)):
            with self.subTest(body=body):
                st, _, got = self.api("PATCH", "collections/" + alias, self.fx.coord, body)
                self.assertEqual(st, status, got)
        self.assertEqual(self.api("PATCH", "collections/no-such", self.fx.coord,
                                  {"title": "x"})[0], 404)
        out = self.hub.cli("collection", "set", alias, "--title", "Renamed feed", "--default-tlp",
                           "amber", "--alias", "")
        added = self.hub.cli("collection", "list")["collections"]
        self.assertEqual(set(out), set(added[0]))  # the shape of collection add and list
        self.assertEqual((out["id"], out["title"], out["alias"], out["default_tlp"]),
                         (cid, "Renamed feed", "", "amber"))
        p = self.hub.run_cli("collection", "set", cid)
        self.assertEqual(p.returncode, 2)
        p = self.hub.run_cli("collection", "set", cid, "--read", "sector:waterworks")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown sector 'waterworks'", p.stderr)

    def test_remove_refused_with_objects_unless_purge(self):
        cid = self.hub.collection_add(uniq("Doomed"), "all", "all")
        objs = [indicator(41), indicator(42, object_marking_refs=[TLP2["amber"]])]
        self.post(cid, objs, self.fx.gas_contrib)
        seq = self.last_seq()
        st, _, body = self.api("DELETE", "collections/" + cid, self.fx.coord)
        self.assertEqual(st, 409, body)
        self.assertIn("holds 2 object version", body["error"])
        p = self.hub.run_cli("collection", "remove", cid)
        self.assertEqual(p.returncode, 1)
        self.assertIn("holds 2 object version", p.stderr)
        self.assertIn("--purge", p.stderr)
        self.assertEqual(set(self.objects_of(cid, self.fx.rail_reader)), {o["id"] for o in objs})
        self.assertEqual([e for e in self.audit(seq) if e["action"] != "read"], [])
        self.assertEqual(self.api("DELETE", "collections/%s?purge=perhaps" % cid,
                                  self.fx.coord)[0], 400)

        st, _, body = self.api("DELETE", "collections/%s?purge=true" % cid, self.fx.coord)
        self.assertEqual(st, 200, body)
        self.assertEqual((body["removed"]["id"], body["purged"]), (cid, 2))
        for tok in (self.fx.coord, self.fx.rail_reader):
            self.assertEqual(self.taxii(tok, cid + "/")[0], 404)
            self.assertEqual(self.hub.get_objects(cid, tok)[0], 404)
        st, _, _ = self.hub.post_objects(cid, [indicator(43)], self.fx.gas_contrib)
        self.assertEqual(st, 404)
        # nothing acknowledged is lost: the vault keeps each original and its source
        for o in objs:
            st, _, prov = self.api("GET", "provenance/" + o["id"], self.fx.coord)
            self.assertEqual(st, 200, prov)
            self.assertEqual(prov["versions"][0]["org"], self.fx.gas)
            self.assertEqual(prov["versions"][0]["original"]["pattern"], o["pattern"])
        entry = [e for e in self.audit(seq) if e["action"] == "collection-remove"][-1]
        self.assertEqual((entry["collection"], entry["route"]), (cid, "api-collections-remove"))
        self.assertEqual(entry["detail"]["purged"], 2)
        self.assertEqual(self.api("DELETE", "collections/" + cid, self.fx.coord)[0], 404)

    def test_cli_remove(self):
        alias = uniq("tmp")
        cid = self.hub.collection_add(uniq("Tmp"), "all", "all", alias=alias)
        self.assertEqual(self.taxii(self.fx.gas_reader, cid + "/")[0], 200)
        out = self.hub.cli("collection", "remove", alias)
        self.assertEqual(set(out), {"removed", "purged"})
        self.assertEqual((out["removed"]["id"], out["purged"]), (cid, 0))
        self.until(lambda: self.taxii(self.fx.gas_reader, cid + "/")[0], 404)
        self.assertEqual(self.audit()[-1]["route"], "cli:collection remove")
        p = self.hub.run_cli("collection", "remove", "--help", data=False)
        self.assertEqual(p.returncode, 0)
        self.assertIn("--purge", p.stdout)


class TestAnonymitySet(EntityCase):
    """Own hub: the policy's k is lowered to 3 for a sector of three members."""

    @classmethod
    def extra_setup(cls):
        cls.hub.cli("policy", "set", "--sector-k", "3")
        cls.water = []
        for i in range(3):
            name = "water-%d" % i
            cls.hub.org_add(name, "water", "sector")
            cls.water.append((name, cls.hub.token_create(name, "contributor")))
        cls.c_water = cls.hub.collection_add("Water", "all", "sector:water")

    def test_disabled_member_leaves_the_anonymity_set(self):
        first = indicator(51)
        final = self.post(self.c_water, [first], self.water[0][1])
        ok, msg, _ = self.status_entry(final, first["id"])
        self.assertTrue(ok, msg)
        self.assertIn("sector identity", msg)
        stored = self.objects_of(self.c_water, self.fx.rail_reader)[first["id"]]
        self.hub.cli("org", "disable", self.water[2][0])
        # two writers left: below k, even the hub identity would point at them
        second = indicator(52)
        final = self.post(self.c_water, [second], self.water[0][1])
        ok, msg, _ = self.status_entry(final, second["id"])
        self.assertFalse(ok)
        self.assertIn("fewer than 3 organisations may write", msg)
        # what was stored keeps its stand-in
        self.assertEqual(self.objects_of(self.c_water, self.fx.rail_reader)[first["id"]], stored)


class TestStricterMode(EntityCase):
    """Own hub, k = 3: a stricter anonymity mode applies to later posts only."""

    @classmethod
    def extra_setup(cls):
        cls.hub.cli("policy", "set", "--sector-k", "3")

    def test_stricter_mode_applies_to_later_posts_only(self):
        st, _, orgs = self.api("GET", "orgs", self.fx.coord)
        gas = {o["name"]: o for o in orgs["orgs"]}[self.fx.gas]
        named = indicator(71, created_by_ref=gas["identity_id"])
        self.post(self.fx.c_all, [named], self.fx.gas_contrib)
        st, _, body = self.api("PATCH", "orgs/" + gas["id"], self.fx.coord,
                               {"anonymity": "anonymous"})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["anonymity"], "anonymous")
        hidden = indicator(72, created_by_ref=gas["identity_id"])
        final = self.post(self.fx.c_all, [hidden], self.fx.gas_contrib)
        ok, msg, _ = self.status_entry(final, hidden["id"])
        self.assertTrue(ok, msg)
        self.assertIn("hub identity", msg)
        seen = self.objects_of(self.fx.c_all, self.fx.rail_reader)
        self.assertEqual(seen[named["id"]]["created_by_ref"], gas["identity_id"])  # stays named
        self.assertNotEqual(seen[hidden["id"]]["created_by_ref"], gas["identity_id"])
        entry = [e for e in self.audit() if e["action"] == "org-change"][-1]
        self.assertEqual((entry["detail"]["before"]["anonymity"],
                          entry["detail"]["after"]["anonymity"]), ("named", "anonymous"))


class TestRenameScopes(EntityCase):
    """Own hub: a scope rule gives AMBER to one organisation by name."""

    @classmethod
    def extra_setup(cls):
        path = os.path.join(cls.hub.tmp, "policy.json")
        with open(path, "w") as f:
            json.dump({"scope_rules": [{"name": "gas-only", "match": {"labels": ["for-gas"]},
                                        "tlp": "amber", "audience": "org:" + cls.fx.gas}]}, f)
        cls.hub.cli("policy", "load", path)
        cls.cid = cls.hub.collection_add("Scoped", "all", "all")

    def test_rename_keeps_the_scope_of_stored_objects(self):
        obj = indicator(61, labels=["for-gas"])
        final = self.post(self.cid, [obj], self.fx.power_contrib)
        ok, msg, _ = self.status_entry(final, obj["id"])
        self.assertTrue(ok, msg)
        self.assertIn("tlp amber by rule 'gas-only'", msg)
        self.assertIn(obj["id"], self.objects_of(self.cid, self.fx.gas_reader))
        self.assertNotIn(obj["id"], self.objects_of(self.cid, self.fx.rail_reader))
        new = uniq("gas-renamed")
        out = self.hub.cli("org", "set", self.fx.gas, "--name", new)
        self.assertEqual(out["name"], new)
        st, _, doc = self.api("GET", "policy", self.fx.coord)
        rule = [r for r in doc["scope_rules"] if r["name"] == "gas-only"][0]
        self.assertEqual(rule["audience"], "org:" + new)
        self.until(lambda: obj["id"] in self.objects_of(self.cid, self.fx.gas_reader), True)
        # the old name, taken by a newcomer, reads none of it
        self.hub.org_add(self.fx.gas, "gas")
        intruder = self.hub.token_create(self.fx.gas, "reader")
        self.assertNotIn(obj["id"], self.objects_of(self.cid, intruder))
        change = [e for e in self.audit() if e["action"] == "org-change"][-1]
        self.assertEqual(change["detail"]["rewritten"]["object_scopes"], 1)
        self.assertEqual(change["detail"]["rewritten"]["scope_rules"], ["gas-only"])


if __name__ == "__main__":
    unittest.main()
