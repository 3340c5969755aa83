# SPDX-License-Identifier: Apache-2.0
"""test_severity.py: incident reports and the hub's computed severity (docs/analysis.md,
"Incident reports and severity").

- The worked examples of docs/analysis.md, read from the doc's severity-example blocks, posted
  through TAXII, get exactly the hub_severity the doc shows (level, each viewpoint, viewpoint,
  explanation, criteria id); the reporter's own severity is kept.
- A new version is scored again; a member-written hub_severity is replaced, never kept; bad
  values are refused naming the member, the other objects of the envelope stored.
- The criteria table: shown in the policy, changed by the coordinator only (validated, with
  the rule at fault named, audited), and a changed table changes later computations.
- Reports are seen by scope like any object: AMBER to the contributor's sector by default, a
  member of another sector sees neither the report nor its severity, the coordinator does.
- The renkei extension-definition object is served to members.
- `renkei report` against a running hub: builds, posts, prints the hub's severity.
"""
import json
import os
import re
import subprocess
import time

from harness import API_ROOT, JSON, ROOT, HubTestCase, renkei_bin, stix_id

EXT = "extension-definition--339bfdf3-09f0-4caa-8372-1c66d35747c1"
DOC = os.path.join(ROOT, "docs", "analysis.md")
DEFAULT_CRITERIA = "sha256:91bedafdf8475bb6"
EXAMPLE_RE = re.compile(r"<!-- severity-example -->\s*```json\n(.*?)```", re.S)


def doc_examples():
    """The worked examples of docs/analysis.md: [{"report": ..., "hub_severity": ...}]."""
    with open(DOC, encoding="utf-8") as f:
        return [json.loads(m.group(1)) for m in EXAMPLE_RE.finditer(f.read())]


def incident(report, oid=None, modified="2026-03-01T00:00:00.000Z", **extra):
    ext = {"extension_type": "property-extension"}
    ext.update(report)
    o = {"type": "incident", "spec_version": "2.1", "id": oid or stix_id("incident"),
         "created": "2026-03-01T00:00:00.000Z", "modified": modified, "name": "test incident",
         "extensions": {EXT: ext}}
    o.update(extra)
    return o


OUTAGE = {"event_type": "availability-loss", "status": "ongoing", "service": "stopped",
          "duration_hours": 30, "regions": 2}


class SeverityTest(HubTestCase):

    def objects_url(self, cid=None):
        return "%scollections/%s/objects/" % (API_ROOT, cid or self.fx.c_all)

    def post(self, objs, token=None, cid=None):
        """Posts objs, returns {id: (ok, message)} from the completed status."""
        token = token or self.fx.power_contrib
        final = self.post_ok(cid or self.fx.c_all, objs, token)
        out = {}
        for key, ok in (("successes", True), ("failures", False)):
            for d in final.get(key, []) or []:
                out[d["id"]] = (ok, d.get("message", ""))
        return out

    def versions(self, oid, token=None, version="all"):
        st, _, body = self.hub.req("GET", "%s%s/?match[version]=%s"
                                   % (self.objects_url(), oid, version),
                                   token=token or self.fx.coord)
        if st == 404:
            return []
        self.assertEqual(st, 200, body)
        return sorted(body.get("objects", []), key=lambda o: o["modified"])

    def stored_ext(self, oid, token=None):
        objs = self.versions(oid, token, version="last")
        self.assertEqual(len(objs), 1, "%s not readable" % oid)
        return objs[0]["extensions"][EXT]

    def policy(self):
        st, _, body = self.hub.req("GET", "/api/v1/policy", token=self.fx.coord, accept=JSON)
        self.assertEqual(st, 200, body)
        return body

    def put_policy(self, doc, token=None):
        return self.hub.req("PUT", "/api/v1/policy", token=token or self.fx.coord, body=doc,
                            accept=JSON, content_type=JSON)

    # ---- the worked examples of the documentation --------------------------------------

    def test_doc_has_worked_examples_for_every_level(self):
        levels = sorted(e["hub_severity"]["level"] for e in doc_examples())
        self.assertEqual(levels, [0, 1, 2, 3, 4])

    def test_worked_examples_of_the_doc(self):
        examples = doc_examples()
        objs = [incident(e["report"]) for e in examples]
        results = self.post(objs)
        for e, o in zip(examples, objs):
            with self.subTest(example=e["hub_severity"]["explanation"]):
                self.assertEqual(results[o["id"]][0], True, results[o["id"]])
                ext = self.stored_ext(o["id"])
                self.assertEqual(ext["hub_severity"], e["hub_severity"])
                # the report as written is kept, the reporter's severity with it
                for k, v in e["report"].items():
                    self.assertEqual(ext[k], v, k)

    def test_provenance_says_the_hub_computed_it(self):
        o = incident(OUTAGE)
        ok, msg = self.post([o])[o["id"]]
        self.assertTrue(ok, msg)
        # the poster's status says it too, after the scope decision
        self.assertIn("tlp amber by rule 'incidents-amber-sector'; severity 3 computed by the "
                      "hub (criteria %s)" % DEFAULT_CRITERIA, msg)
        st, _, body = self.hub.req("GET", "/api/v1/provenance/" + o["id"], token=self.fx.coord,
                                   accept=JSON)
        self.assertEqual(st, 200, body)
        self.assertIn("severity 3 computed by the hub (criteria %s)" % DEFAULT_CRITERIA,
                      json.dumps(body))

    # ---- versions, forged values, refusals -------------------------------------------

    def test_new_version_is_scored_again(self):
        oid = stix_id("incident")
        v1 = incident({"event_type": "availability-loss", "status": "detected",
                       "service": "degraded"}, oid=oid, modified="2026-03-01T00:00:00.000Z")
        v2 = incident(dict(OUTAGE), oid=oid, modified="2026-03-02T00:00:00.000Z")
        v3 = incident(dict(OUTAGE, status="recovered", safety="death"), oid=oid,
                      modified="2026-03-03T00:00:00.000Z")
        self.post([v1])
        self.post([v2])
        self.post([v3])
        levels = [o["extensions"][EXT]["hub_severity"]["level"] for o in self.versions(oid)]
        self.assertEqual(levels, [1, 3, 4])

    def test_member_written_hub_severity_is_replaced(self):
        forged = {"level": 4, "continuity": 4, "safety": 4, "trust": 4, "viewpoint": "trust",
                  "explanation": "trust me", "criteria": "sha256:0000000000000000",
                  "x_extra": "kept?"}
        o = incident({"event_type": "near-miss", "status": "detected", "reporter_severity": 4,
                      "hub_severity": forged})
        self.post([o])
        ext = self.stored_ext(o["id"])
        self.assertEqual(ext["hub_severity"]["level"], 0)
        self.assertEqual(ext["hub_severity"]["explanation"], "level 0: no criteria rule fired")
        self.assertEqual(ext["hub_severity"]["criteria"], DEFAULT_CRITERIA)
        self.assertNotIn("x_extra", ext["hub_severity"])
        self.assertEqual(ext["reporter_severity"], 4)
        # not a string hub_severity either: any value is removed
        o2 = incident({"event_type": "near-miss", "status": "detected", "hub_severity": "4"})
        self.post([o2])
        self.assertEqual(self.stored_ext(o2["id"])["hub_severity"]["level"], 0)

    def test_bad_values_are_refused_naming_the_member(self):
        cases = [
            ({"event_type": "outage", "status": "ongoing"}, "event_type"),
            ({"event_type": "near-miss"}, "status: required"),
            ({"event_type": "near-miss", "status": "fixed"}, "status: must be one of"),
            ({"event_type": "near-miss", "status": "ongoing", "people_affected": -1},
             "people_affected"),
            ({"event_type": "near-miss", "status": "ongoing", "duration_hours": "long"},
             "duration_hours"),
            ({"event_type": "near-miss", "status": "ongoing", "safety": "bad"}, "safety"),
            ({"event_type": "near-miss", "status": "ongoing", "sector": "powr"},
             "sector: unknown sector 'powr'"),
            ({"event_type": "near-miss", "status": "ongoing", "sectors_hit": ["gas", "nope"]},
             "sectors_hit[1]"),
            ({"event_type": "near-miss", "status": "ongoing", "cause_type": "intentional",
              "cause": "disaster"}, "cause: must be one of suspicious-mail"),
            ({"event_type": "near-miss", "status": "ongoing", "reporter_severity": 5},
             "reporter_severity"),
            ({"event_type": "near-miss", "status": "ongoing", "impact": 3},
             'unknown member "impact"'),
        ]
        good = incident(OUTAGE)
        objs = [incident(r) for r, _ in cases] + [good]
        results = self.post(objs)
        for (r, want), o in zip(cases, objs):
            with self.subTest(want=want):
                ok, msg = results[o["id"]]
                self.assertFalse(ok, "%r was stored" % r)
                self.assertIn(want, msg)
                self.assertIn("renkei extension", msg)
        self.assertTrue(results[good["id"]][0], "the good report beside them was not stored")

    def test_incident_without_the_extension_is_stored_unscored(self):
        o = {"type": "incident", "spec_version": "2.1", "id": stix_id("incident"),
             "created": "2026-03-01T00:00:00.000Z", "modified": "2026-03-01T00:00:00.000Z",
             "name": "plain STIX incident"}
        self.post([o])
        got = self.versions(o["id"], version="last")
        self.assertEqual(len(got), 1)
        self.assertNotIn("extensions", got[0])

    # ---- who sees reports -------------------------------------------------------------

    def test_reports_are_seen_by_scope(self):
        o = incident(dict(OUTAGE, sector="electric-power"))
        self.post([o], token=self.fx.power_contrib)
        # AMBER to the contributor's sector: power reads it, with the hub's severity
        self.assertEqual(self.stored_ext(o["id"], self.fx.power_reader)["hub_severity"]["level"],
                         3)
        self.assertEqual(self.stored_ext(o["id"], self.fx.coord)["hub_severity"]["level"], 3)
        # another sector sees neither the report nor its severity, by id or in a listing
        for token in (self.fx.gas_reader, self.fx.rail_reader):
            self.assertEqual(self.versions(o["id"], token), [])
            st, _, body = self.hub.get_objects(self.fx.c_all, token,
                                               query="match[type]=incident&limit=1000")
            self.assertIn(st, (200, 404))
            self.assertNotIn(o["id"], json.dumps(body if isinstance(body, dict) else {}))
            self.assertNotIn(o["id"].encode(), self.hub.last_raw)

    def test_anonymous_report_is_scored_and_does_not_name_its_source(self):
        name = "anon-sev-%d" % os.getpid()
        org = self.hub.org_add(name, "gas", anonymity="anonymous")
        token = self.hub.token_create(name, "contributor")
        o = incident(dict(OUTAGE), created_by_ref=org["identity_id"])
        results = self.post([o], token=token)
        self.assertTrue(results[o["id"]][0], results)
        self.hub.req("GET", "%s%s/" % (self.objects_url(), o["id"]), token=self.fx.coord)
        raw = self.hub.last_raw
        self.assertIn(b"hub_severity", raw)
        self.assertNotIn(org["identity_id"].encode(), raw)
        self.assertNotIn(name.encode(), raw)
        self.assertNotIn(org["id"].encode(), raw)

    # ---- the extension's definition ---------------------------------------------------

    def test_extension_definition_is_served(self):
        path = "/api/v1/extension-definitions/" + EXT
        st, _, body = self.hub.req("GET", path, token=self.fx.rail_reader, accept=JSON)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["type"], "extension-definition")
        self.assertEqual(body["id"], EXT)
        self.assertEqual(body["extension_types"], ["property-extension"])
        st, _, _ = self.hub.req("GET", path, accept=JSON)
        self.assertEqual(st, 401)
        st, _, _ = self.hub.req("GET", "/api/v1/extension-definitions/extension-definition--"
                                "00000000-0000-4000-8000-000000000000", token=self.fx.coord,
                                accept=JSON)
        self.assertEqual(st, 404)


class SeverityCriteriaTest(HubTestCase):
    """The coordinator's criteria table (its own hub: these tests change the policy)."""

    def policy(self):
        st, _, body = self.hub.req("GET", "/api/v1/policy", token=self.fx.coord, accept=JSON)
        self.assertEqual(st, 200, body)
        return body

    def put_policy(self, doc, token=None):
        return self.hub.req("PUT", "/api/v1/policy", token=token or self.fx.coord, body=doc,
                            accept=JSON, content_type=JSON)

    def level_of(self, report):
        o = incident(report)
        final = self.post_ok(self.fx.c_all, [o], self.fx.power_contrib)
        self.assertEqual(final.get("success_count"), 1, final)
        st, _, body = self.hub.req("GET", "%scollections/%s/objects/%s/"
                                   % (API_ROOT, self.fx.c_all, o["id"]), token=self.fx.coord)
        self.assertEqual(st, 200, body)
        return body["objects"][0]["extensions"][EXT]["hub_severity"]

    def test_default_table_is_in_the_policy(self):
        table = self.policy()["severity_criteria"]
        self.assertEqual([r["level"] for r in table["safety"]], [4, 3, 2])
        self.assertEqual(table["continuity"][3], {"level": 3, "when": {"duration_hours": 24,
                                                                        "regions": 2}})

    def test_changed_table_changes_later_computations(self):
        before = self.level_of(OUTAGE)
        self.assertEqual((before["level"], before["criteria"]), (3, DEFAULT_CRITERIA))
        doc = self.policy()
        old_table = json.loads(json.dumps(doc["severity_criteria"]))
        # the coordinator decides that a day-long outage anywhere is a crisis
        doc["severity_criteria"]["continuity"].insert(
            0, {"level": 4, "when": {"duration_hours": 24}, "comment": "a day is a crisis"})
        st, _, body = self.put_policy(doc)
        self.assertEqual(st, 200, body)
        try:
            after = self.level_of(OUTAGE)
            self.assertEqual(after["level"], 4)
            self.assertEqual(after["explanation"],
                             "level 4 (continuity): outage of 30 h [continuity rule 1: "
                             "duration_hours >= 24]")
            self.assertRegex(after["criteria"], r"^sha256:[0-9a-f]{16}$")
            self.assertNotEqual(after["criteria"], DEFAULT_CRITERIA)
            # audited like the rest of the policy, naming the key
            st, _, audit = self.hub.req("GET", "/api/v1/audit?limit=1000", token=self.fx.coord,
                                        accept=JSON)
            self.assertEqual(st, 200, audit)
            self.assertIn("severity_criteria", json.dumps(audit))
        finally:
            doc["severity_criteria"] = old_table
            st, _, body = self.put_policy(doc)
            self.assertEqual(st, 200, body)
        self.assertEqual(self.level_of(OUTAGE)["criteria"], DEFAULT_CRITERIA)

    def test_bad_table_is_refused_naming_the_rule(self):
        cases = [
            (lambda t: t["continuity"][1]["when"].update(region=2),
             'severity_criteria: continuity rule 2: unknown fact "region"'),
            (lambda t: t["safety"][0].update(level=5),
             "severity_criteria: safety rule 1: level must be an integer 1-4"),
            (lambda t: t.pop("trust"), "severity_criteria: severity table: trust must be an "
             "array of rules"),
        ]
        for change, want in cases:
            with self.subTest(want=want):
                doc = self.policy()
                change(doc["severity_criteria"])
                st, _, body = self.put_policy(doc)
                self.assertEqual(st, 400, body)
                self.assertIn(want, body["error"])
        self.assertEqual(self.level_of(OUTAGE)["criteria"], DEFAULT_CRITERIA)

    def test_members_cannot_change_the_table(self):
        doc = self.policy()
        doc["severity_criteria"]["continuity"].insert(0, {"level": 4, "when": {"regions": 1}})
        for token in (self.fx.power_contrib, self.fx.power_analyst, self.fx.gas_reader):
            st, _, body = self.put_policy(doc, token=token)
            self.assertEqual(st, 403, body)
        self.assertEqual(self.level_of(OUTAGE)["criteria"], DEFAULT_CRITERIA)


class ReportCliTest(HubTestCase):
    """`renkei report` against a running hub."""

    def report(self, *args, token=None, expect=0):
        url = self.hub.url("%scollections/%s/" % (API_ROOT, self.fx.c_all))
        p = subprocess.run([renkei_bin(), "report", "--token", token or self.fx.power_contrib]
                           + list(args) + [url], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, expect, p.stdout + p.stderr)
        return p

    def test_report_prints_the_hubs_severity(self):
        p = self.report("--event-type", "availability-loss", "--status", "ongoing",
                        "--service", "stopped", "--duration-hours", "30", "--regions", "2",
                        "--sector", "electric-power")
        self.assertIn("severity: 3 (continuity 3, safety 0, trust 0)", p.stdout)
        self.assertIn("level 3 (continuity): outage of 30 h, 2 prefectures/regions affected",
                      p.stdout)
        self.assertIn("criteria: " + DEFAULT_CRITERIA, p.stdout)

    def test_report_json_then_update(self):
        path = os.path.join(self.hub.data, "report.json")
        with open(path, "w") as f:
            json.dump({"name": "leak at the portal", "event_type": "confidentiality-loss",
                       "status": "detected", "records_leaked": 5000,
                       "reporter_severity": 1}, f)
        out = json.loads(self.report("--file", path, "--json").stdout)
        self.assertRegex(out["id"], r"^incident--")
        self.assertEqual(out["collection"], self.fx.c_all)
        self.assertEqual(out["hub_severity"]["level"], 2)
        self.assertEqual(out["hub_severity"]["viewpoint"], "trust")
        time.sleep(0.01)
        # an update: a new version, what was said before kept, scored again
        upd = json.loads(self.report("--id", out["id"], "--records-leaked", "150000",
                                     "--json").stdout)
        self.assertEqual(upd["id"], out["id"])
        self.assertGreater(upd["version"], out["version"])
        self.assertEqual(upd["hub_severity"]["level"], 3)
        st, _, body = self.hub.req("GET", "%scollections/%s/objects/%s/?match[version]=all"
                                   % (API_ROOT, self.fx.c_all, out["id"]), token=self.fx.coord)
        self.assertEqual(st, 200, body)
        vs = sorted(body["objects"], key=lambda o: o["modified"])
        self.assertEqual([v["extensions"][EXT]["hub_severity"]["level"] for v in vs], [2, 3])
        self.assertEqual(vs[1]["name"], "leak at the portal")
        self.assertEqual(vs[1]["extensions"][EXT]["reporter_severity"], 1)
        self.assertEqual(vs[1]["created"], vs[0]["created"])

    def test_refused_report_exits_4_with_the_hubs_message(self):
        p = self.report("--event-type", "availability-loss", "--status", "broken", expect=4)
        self.assertIn("status: must be one of detected, ongoing, recovered", p.stderr)
        p = self.report("--event-type", "near-miss", "--status", "detected", "--json",
                        "--sector", "nowhere", expect=4)
        self.assertIn("unknown sector", json.loads(p.stdout)["error"])

    def test_report_usage_errors(self):
        p = self.report("--people-affected", "many", expect=2)
        self.assertIn("--people-affected wants a whole number", p.stderr)
        p = subprocess.run([renkei_bin(), "report", "--help"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertIn("Usage: renkei report", p.stdout)

    def test_other_sector_cannot_read_back_what_it_cannot_see(self):
        # gas reports to the all-members collection; the rail reader updating it by id finds
        # nothing (the report is AMBER to gas): no severity, no object, exit 1
        out = json.loads(self.report("--event-type", "near-miss", "--status", "detected",
                                     "--json", token=self.fx.gas_contrib).stdout)
        p = self.report("--id", out["id"], "--status", "recovered", token=self.fx.rail_contrib,
                        expect=1)
        self.assertIn("HTTP 404", p.stderr)
        self.assertNotIn("hub_severity", p.stdout + p.stderr)
