# SPDX-License-Identifier: Apache-2.0
"""Similar past incidents (docs/analysis.md, "Similar past incidents"; docs/api.md).

MITRE ATT&CK for ICS (../shared/data/attack-ics) gives realistic incidents: each intrusion set
and campaign becomes an incident that "uses" its techniques and software, posted through TAXII
by members of different sectors, the ATT&CK objects themselves once, GREEN, in a collection
every member reads. A perturbed copy (some relationships dropped, unrelated ones added) posted
to POST /api/v1/similar finds its original first, with reasons naming shared techniques; GET
/api/v1/similar/{id} answers for a stored one. Then the attacks: a RED incident of one member
for a named recipient, an AMBER incident in a sector collection, an anonymised post, ids a
requester may not see (404 exactly as for a missing id), anonymous requests. And the worked
example of docs/analysis.md, sent as written, gets the answer written there.
"""
import copy
import json
import os
import time
import unittest
import uuid

from harness import JSON, ROOT, HubTestCase, shared

ICS = shared("attack-ics", "ics-attack-18.1.json")  # ../shared/data/attack-ics
TLP = {
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
T0 = "2024-05-01T00:00:00.000Z"
MISSING = "incident--00000000-0000-4000-8000-000000000000"


def new_id(typ):
    return "%s--%s" % (typ, uuid.uuid4())


def attack_library():
    """The actors of ATT&CK for ICS with what they use, and minimal copies of those objects."""
    with open(ICS, encoding="utf-8") as f:
        objs = json.load(f)["objects"]
    by_id = {o["id"]: o for o in objs}
    actors = {o["id"]: {"name": o["name"], "uses": []} for o in objs
              if o["type"] in ("intrusion-set", "campaign") and not o.get("revoked")}
    for r in objs:
        if r["type"] == "relationship" and r["relationship_type"] == "uses" and \
                r["source_ref"] in actors:
            actors[r["source_ref"]]["uses"].append(r["target_ref"])
    library = {}
    for a in actors.values():
        for ref in a["uses"]:
            o = by_id[ref]
            c = {"type": o["type"], "spec_version": "2.1", "id": o["id"], "created": T0,
                 "modified": T0, "name": o["name"],
                 "external_references": [e for e in o.get("external_references", [])
                                         if e.get("source_name", "").startswith("mitre")],
                 "object_marking_refs": [TLP["green"]]}
            if o["type"] == "malware":
                c["is_family"] = True
            library[o["id"]] = c
    def techniques(a):
        return sum(1 for t in a["uses"] if t.startswith("attack-pattern--"))
    # the actors with at least 5 techniques, those with the most first
    return sorted((a for a in actors.values() if techniques(a) >= 5),
                  key=lambda a: (-techniques(a), a["name"])), library


def incident(name, targets, tlp="green", recipients=None, extra=()):
    """An incident that uses targets: the incident and its relationships (and extra objects),
    all marked tlp, all naming recipients."""
    inc = {"type": "incident", "spec_version": "2.1", "id": new_id("incident"), "created": T0,
           "modified": T0, "name": name, "object_marking_refs": [TLP[tlp]]}
    out = [inc]
    for t in targets:
        out.append({"type": "relationship", "spec_version": "2.1", "id": new_id("relationship"),
                    "created": T0, "modified": T0, "relationship_type": "uses",
                    "source_ref": inc["id"], "target_ref": t,
                    "object_marking_refs": [TLP[tlp]]})
    out += [dict(o, object_marking_refs=[TLP[tlp]]) for o in extra]
    if recipients:
        for o in out:
            o["x_renkei_recipients"] = list(recipients)
    return out


def enterprise_phishing():
    """An unrelated technique (enterprise ATT&CK) for perturbed copies."""
    return {"type": "attack-pattern", "spec_version": "2.1", "id": new_id("attack-pattern"),
            "created": T0, "modified": T0, "name": "Spearphishing Attachment",
            "external_references": [{"source_name": "mitre-attack",
                                     "external_id": "T1566.001"}]}


def wait_indexed(hub, token, ids, timeout=30.0):
    """Until GET /api/v1/similar/{id} answers 200 for each id (the worker indexed it)."""
    deadline = time.monotonic() + timeout
    for oid in ids:
        while True:
            st, _, body = hub.req("GET", "/api/v1/similar/" + oid, token=token, accept=JSON)
            if st == 200:
                break
            if time.monotonic() > deadline:
                raise AssertionError("%s not indexed: %d %r" % (oid, st, body))
            time.sleep(0.1)


class TestSimilar(HubTestCase):
    @classmethod
    def extra_setup(cls):
        # an anonymous post needs at least k = 5 organisations that may write the collection
        for name, sector in (("similar-extra-1", "medical"), ("similar-extra-2", "gas")):
            cls.hub.org_add(name, sector)

    @classmethod
    def after_start(cls):
        fx, hub = cls.fx, cls.hub
        cls.actors, cls.library = attack_library()
        # the ATT&CK objects, once, GREEN, where every member reads
        hub.post_complete(fx.c_all, list(cls.library.values()), fx.gas_contrib)
        # one incident per actor, posted by members of three sectors
        posters = [(fx.power_contrib, fx.c_all), (fx.gas_contrib, fx.c_all),
                   (fx.rail_contrib, fx.c_all), (fx.bank_contrib, fx.c_readonly)]
        cls.stored = {}
        for i, a in enumerate(cls.actors):
            token, cid = posters[i % len(posters)]
            objs = incident(a["name"] + " (member report)", a["uses"])
            hub.post_complete(cid, objs, token)
            cls.stored[a["name"]] = objs[0]["id"]
        cls.wait_indexed(fx.power_reader, list(cls.stored.values()))

    @classmethod
    def wait_indexed(cls, token, ids):
        wait_indexed(cls.hub, token, ids)

    def similar(self, objects, token, limit=None):
        path = "/api/v1/similar" + ("?limit=%d" % limit if limit else "")
        return self.hub.req("POST", path, token=token, body={"objects": objects}, accept=JSON,
                            content_type=JSON)

    def perturbed(self, actor):
        """A copy of actor's incident: one in four techniques dropped, two unrelated added,
        the ATT&CK objects carried along (POST reads only its envelope)."""
        kept = [t for i, t in enumerate(actor["uses"]) if i % 4 != 1]
        phish = enterprise_phishing()
        domain = {"type": "domain-name", "spec_version": "2.1",
                  "id": new_id("domain-name"), "value": "unrelated-zq.example"}
        objs = incident("what we saw", kept + [phish["id"], domain["id"]])
        return objs + [self.library[t] for t in kept] + [phish, domain]

    # -- what it finds ----------------------------------------------------------------------

    def test_perturbed_copy_finds_its_original_first(self):
        tried = 0
        for actor in self.actors[:4]:
            st, _, body = self.similar(self.perturbed(actor), self.fx.rail_reader)
            self.assertEqual(st, 200, body)
            matches = body["matches"]
            self.assertTrue(matches, actor["name"])
            top = matches[0]
            self.assertEqual(top["id"], self.stored[actor["name"]], actor["name"])
            self.assertEqual(top["type"], "incident")
            self.assertGreater(top["score"], 0.3)
            self.assertLessEqual(top["score"], 1.0)
            self.assertIsInstance(top["reasons"], list)
            self.assertRegex(top["reasons"][0], r"^shares .*T0\d{3}")
            self.assertTrue(top["shared"]["ttp"])
            self.assertNotIn("T1566.001", top["shared"]["ttp"])  # not in the original
            scores = [m["score"] for m in matches]
            self.assertEqual(scores, sorted(scores, reverse=True))
            tried += 1
        self.assertEqual(tried, 4)

    def test_get_by_id_and_limit(self):
        actor = self.actors[0]
        oid = self.stored[actor["name"]]
        st, _, body = self.hub.req("GET", "/api/v1/similar/%s?limit=3" % oid,
                                   token=self.fx.gas_reader, accept=JSON)
        self.assertEqual(st, 200, body)
        ids = [m["id"] for m in body["matches"]]
        self.assertNotIn(oid, ids)  # never itself
        self.assertLessEqual(len(ids), 3)
        self.assertTrue(ids, "the ICS actors share techniques: something is similar")
        self.assertTrue(all(i.startswith("incident--") for i in ids), ids)
        for bad in ("0", "101", "x", ""):
            st, _, body = self.hub.req("GET", "/api/v1/similar/%s?limit=%s" % (oid, bad),
                                       token=self.fx.gas_reader, accept=JSON)
            self.assertEqual(st, 400, (bad, body))

    def test_members_only_and_bad_bodies(self):
        actor = self.actors[0]
        st, _, _ = self.similar(self.perturbed(actor), None)
        self.assertEqual(st, 401)
        st, _, _ = self.hub.req("GET", "/api/v1/similar/" + self.stored[actor["name"]],
                                accept=JSON)
        self.assertEqual(st, 401)
        for body in ('{"objects": 3}', "[]", "not json",
                     json.dumps({"objects": [self.library[actor["uses"][0]]]})):
            st, _, val = self.hub.req("POST", "/api/v1/similar", token=self.fx.rail_reader,
                                      body=body, accept=JSON, content_type=JSON)
            self.assertEqual(st, 400, (body, val))
            self.assertIn("error", val)

    # -- what it must not tell ----------------------------------------------------------------

    def assert_same_404(self, token, oid):
        """GET of oid answers exactly what GET of an id that does not exist answers."""
        st1, _, b1 = self.hub.req("GET", "/api/v1/similar/" + oid, token=token, accept=JSON)
        raw1 = self.hub.last_raw
        st2, _, b2 = self.hub.req("GET", "/api/v1/similar/" + MISSING, token=token, accept=JSON)
        raw2 = self.hub.last_raw
        self.assertEqual((st1, st2), (404, 404), (b1, b2))
        self.assertEqual(raw1, raw2)

    def test_red_incident_only_for_its_recipient(self):
        fx = self.fx
        # actors 4-6 here: test_perturbed_copy... asks about 0-3, whose exact copies would tie
        actor = self.actors[4]
        secret = {"type": "malware", "spec_version": "2.1", "id": new_id("malware"),
                  "created": T0, "modified": T0, "name": "Zq-Red-Family", "is_family": True}
        # RED for the source alone (no recipients): gas may see the incident, never this
        source_only = {"type": "malware", "spec_version": "2.1", "id": new_id("malware"),
                       "created": T0, "modified": T0, "name": "Zq-Source-Only",
                       "is_family": True, "object_marking_refs": [TLP["red"]]}
        objs = incident("red one", actor["uses"] + [secret["id"], source_only["id"]],
                        tlp="red", recipients=[fx.gas], extra=[secret])
        self.hub.post_complete(fx.c_all, objs + [source_only], fx.power_contrib)
        red = objs[0]["id"]
        self.wait_indexed(fx.gas_reader, [red])
        # the recipient finds it (the same features as the probe below)
        probe = self.perturbed(actor)
        probe[0]["object_refs"] = [secret["id"], source_only["id"]]
        probe += [secret, source_only]
        st, _, body = self.similar(probe, fx.gas_reader, limit=100)
        self.assertEqual(st, 200)
        self.assertIn(red, [m["id"] for m in body["matches"]])
        found = [m for m in body["matches"] if m["id"] == red][0]
        self.assertIn("zq-red-family", found["shared"].get("malware", []))
        # what the recipient may not see never describes the incident it may see
        self.assertNotIn(b"zq-source-only", self.hub.last_raw.lower())
        # nobody else does, however asked
        for token in (fx.rail_reader, fx.bank_contrib):
            st, _, body = self.similar(probe, token, limit=100)
            self.assertEqual(st, 200)
            self.assertNotIn(red.encode(), self.hub.last_raw)
            self.assert_same_404(token, red)
            st, _, body = self.hub.req("GET", "/api/v1/similar/%s?limit=100" %
                                       self.stored[actor["name"]], token=token, accept=JSON)
            self.assertEqual(st, 200)
            self.assertNotIn(red.encode(), self.hub.last_raw)
        st, _, body = self.hub.req("GET", "/api/v1/similar/%s?limit=100" %
                                   self.stored[actor["name"]], token=fx.gas_reader, accept=JSON)
        self.assertIn(red, [m["id"] for m in body["matches"]])

    def test_amber_in_a_sector_collection_stays_there(self):
        fx = self.fx
        actor = self.actors[5]
        objs = incident("energy only", actor["uses"], tlp="amber")
        self.hub.post_complete(fx.c_energy, objs, fx.power_contrib)
        amber = objs[0]["id"]
        self.wait_indexed(fx.power_reader, [amber])
        probe = self.perturbed(actor)
        st, _, body = self.similar(probe, fx.gas_reader, limit=100)  # gas reads c_energy
        self.assertIn(amber, [m["id"] for m in body["matches"]])
        for token in (fx.rail_reader, fx.bank_contrib):
            st, _, body = self.similar(probe, token, limit=100)
            self.assertEqual(st, 200)
            self.assertNotIn(amber.encode(), self.hub.last_raw)
            self.assert_same_404(token, amber)

    def test_hidden_candidates_make_it_ask_for_more(self):
        """Five AMBER copies in the energy collection match a probe better than the stored
        original (they share a domain with it too): a railway member asking for one match
        gets the original, found after the first candidates (4 per wanted match) were all
        filtered out; an energy member gets a copy."""
        fx = self.fx
        actor = self.actors[5]
        domain = {"type": "domain-name", "spec_version": "2.1", "id": new_id("domain-name"),
                  "value": "zq-refill.example"}
        copies = []
        for i in range(5):
            objs = incident("energy copy %d" % i, actor["uses"] + [domain["id"]], tlp="amber",
                            extra=[domain])
            self.hub.post_complete(fx.c_energy, objs, fx.power_contrib)
            copies.append(objs[0]["id"])
        wait_indexed(self.hub, fx.power_reader, copies)
        probe = self.perturbed(actor)
        probe[0]["object_refs"] = [domain["id"]]
        probe.append(domain)
        st, _, body = self.similar(probe, fx.gas_reader, limit=1)
        self.assertEqual(st, 200)
        self.assertIn(body["matches"][0]["id"], copies)
        st, _, body = self.similar(probe, fx.rail_reader, limit=1)
        self.assertEqual(st, 200)
        self.assertEqual([m["id"] for m in body["matches"]], [self.stored[actor["name"]]])

    def test_anonymised_post_does_not_reveal_its_source(self):
        fx, hub = self.fx, self.hub
        actor = self.actors[6]
        listed = hub.cli("org", "list")
        rail = [o for o in listed.get("orgs", listed.get("organisations", []))
                if o.get("name") == fx.rail][0]
        self.assertTrue(rail.get("identity_id"), rail)
        objs = incident("anonymous one", actor["uses"])
        objs[0]["created_by_ref"] = rail["identity_id"]
        st, _, status = hub.post_objects(fx.c_all, objs, fx.rail_contrib,
                                         headers={"X-Renkei-Anonymity": "anonymous"})
        self.assertEqual(st, 202, status)
        final = hub.wait_status(status, fx.rail_contrib)
        self.assertEqual(final.get("failure_count"), 0, final)
        anon = objs[0]["id"]
        self.wait_indexed(fx.gas_reader, [anon])
        st, _, body = self.similar(self.perturbed(actor), fx.gas_reader, limit=100)
        self.assertIn(anon, [m["id"] for m in body["matches"]])
        raw = hub.last_raw
        for secret in (rail["id"], rail["identity_id"], fx.rail, "railways", "created_by_ref",
                       "identity--"):
            self.assertNotIn(secret.encode(), raw, secret)
        st, _, body = hub.req("GET", "/api/v1/similar/%s?limit=100" % anon, token=fx.gas_reader,
                              accept=JSON)
        self.assertEqual(st, 200)
        for secret in (rail["id"], rail["identity_id"], fx.rail, "railways", "identity--"):
            self.assertNotIn(secret.encode(), hub.last_raw, secret)


if __name__ == "__main__":
    unittest.main()


class TestSimilarWorkedExample(HubTestCase):
    """The worked example of docs/analysis.md, "Similar past incidents": its request, sent as
    written, gets the answer written there (ids of the stored incidents aside)."""

    def doc_blocks(self):
        with open(os.path.join(ROOT, "docs", "analysis.md"), encoding="utf-8") as f:
            text = f.read()
        section = text[text.index("### Worked example"):]
        request = section[section.index("<<'EOF'\n") + 8:section.index("\nEOF\n")]
        answer = section[section.index("```json\n") + 8:]
        answer = answer[:answer.index("```")]
        return json.loads(request), json.loads(answer.replace("<A>", "A").replace("<B>", "B"))

    def stored(self, name, targets, token, cid):
        """Posts an incident using (relationship, target) pairs and the targets; its id."""
        inc = {"type": "incident", "spec_version": "2.1", "id": new_id("incident"),
               "created": T0, "modified": T0, "name": name,
               "object_marking_refs": [TLP["green"]]}
        objs = [inc]
        for rtype, target in targets:
            objs.append({"type": "relationship", "spec_version": "2.1",
                         "id": new_id("relationship"), "created": T0, "modified": T0,
                         "relationship_type": rtype, "source_ref": inc["id"],
                         "target_ref": target["id"], "object_marking_refs": [TLP["green"]]})
            objs.append(dict(target, object_marking_refs=[TLP["green"]]))
        self.hub.post_complete(cid, objs, token)
        return inc["id"]

    def test_worked_example(self):
        request, answer = self.doc_blocks()
        by_type = {o["type"]: o for o in request["objects"]}
        energy = {"type": "identity", "spec_version": "2.1", "id": new_id("identity"),
                  "created": T0, "modified": T0, "name": "A power grid operator",
                  "identity_class": "organization", "sectors": ["energy"]}
        a = self.stored("A", [("uses", by_type["attack-pattern"]), ("uses", by_type["malware"])],
                        self.fx.power_contrib, self.fx.c_all)
        b = self.stored("B", [("uses", by_type["attack-pattern"]), ("targets", energy)],
                        self.fx.bank_contrib, self.fx.c_readonly)
        wait_indexed(self.hub, self.fx.gas_reader, [a, b])
        st, _, body = self.hub.req("POST", "/api/v1/similar?limit=5", token=self.fx.gas_reader,
                                   body=request, accept=JSON, content_type=JSON)
        self.assertEqual(st, 200, body)
        for m in body["matches"]:
            m["id"] = {a: "incident--A", b: "incident--B"}[m["id"]]
        self.assertEqual(body, answer)
