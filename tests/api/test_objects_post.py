# SPDX-License-Identifier: Apache-2.0
"""POST objects: status resources, re-posts, conflicts, invalid objects, envelope rules."""
import copy
import json
import unittest
import uuid

from harness import (API_ROOT, TAXII_BARE, HubTestCase, fresh, indicator, served, test_data,
                     ts_us)


def versions_equal(a, b):
    return ts_us(a) == ts_us(b)


class TestPost(HubTestCase):
    @classmethod
    def extra_setup(cls):
        cls.c_small = cls.hub.collection_add("small", "all", "all")
        cls.c_invalid = cls.hub.collection_add("invalid", "all", "all")

    def test_envelope_caps_are_413_before_the_work(self):
        """Far below max_content_length, a body of many tiny values would take gigabytes
        once parsed: more than 100,000 objects or 2,000,000 JSON values is a 413 TAXII error
        that says how to split, and the server goes on."""
        path = "%scollections/%s/objects/" % (API_ROOT, self.c_small)
        body = b'{"objects":[' + b",".join([b"{}"] * 100001) + b"]}"
        st, hdrs, got = self.hub.req("POST", path, token=self.fx.power_contrib, body=body)
        self.assertTaxiiError((st, hdrs, got), 413)
        self.assertIn("at most 100000", got["description"])
        body = b'{"objects":[{"type":"x","v":[' + b",".join([b"0"] * 2000000) + b"]}]}"
        st, hdrs, got = self.hub.req("POST", path, token=self.fx.power_contrib, body=body)
        self.assertTaxiiError((st, hdrs, got), 413)
        self.assertIn("2000000 JSON values", got["description"])
        # the same through jansson's path (a real number sends the body there)
        body = body.replace(b'"v":[0,', b'"v":[0.5,', 1)
        st, hdrs, got = self.hub.req("POST", path, token=self.fx.power_contrib, body=body)
        self.assertTaxiiError((st, hdrs, got), 413)
        # 100,000 objects are taken (each fails validation, as empty objects do)
        body = b'{"objects":[' + b",".join([b"{}"] * 100000) + b"]}"
        st, _, got = self.hub.req("POST", path, token=self.fx.power_contrib, body=body)
        self.assertEqual(st, 202, str(got)[:300])
        self.assertEqual(got["failure_count"], 100000)
        st, _, got = self.hub.post_objects(self.c_small, [indicator()],
                                           self.fx.power_contrib)
        self.assertEqual(st, 202, got)
        self.assertEqual(got["success_count"], 1)

    def test_post_small_envelope_complete_with_counts(self):
        objs = test_data("small-envelope.json")["objects"]
        st, hdrs, body = self.hub.post_objects(self.c_small, objs, self.fx.power_contrib)
        self.assertEqual(st, 202, body)
        self.assertTrue(hdrs.get("Content-Type", "").startswith(TAXII_BARE))
        uuid.UUID(body["id"])
        final = self.hub.wait_status(body, self.fx.power_contrib)
        self.assertEqual(final["status"], "complete")
        self.assertEqual(final["total_count"], 4)
        self.assertEqual(final["success_count"], 4)
        self.assertEqual(final["failure_count"], 0)
        self.assertEqual(final["pending_count"], 0)
        got = {s["id"]: s["version"] for s in final.get("successes", [])}
        self.assertEqual(set(got), {o["id"] for o in objs})
        for o in objs:
            self.assertTrue(versions_equal(got[o["id"]], o["modified"]), (got[o["id"]], o))

    def test_post_answer_is_complete_status(self):
        # the 202 itself: status resource; complete means durable
        st, _, body = self.hub.post_objects(self.c_small, [indicator(1)], self.fx.power_contrib)
        self.assertEqual(st, 202, body)
        for key in ("id", "status", "total_count", "success_count", "failure_count",
                    "pending_count"):
            self.assertIn(key, body)
        self.assertIn(body["status"], ("complete", "pending"))
        self.assertEqual(body["total_count"], 1)
        if body["status"] == "complete":
            self.assertEqual(body["success_count"] + body["failure_count"], 1)

    def test_repost_identical_is_success(self):
        ind = indicator(2)
        first = self.post_ok(self.c_small, [ind], self.fx.power_contrib)
        self.assertEqual(first["success_count"], 1, first)
        again = self.post_ok(self.c_small, [copy.deepcopy(ind)], self.fx.power_contrib)
        self.assertEqual(again["success_count"], 1, again)
        self.assertEqual(again["failure_count"], 0, again)
        st, _, body = self.hub.req("GET", API_ROOT + "collections/%s/objects/%s/versions/"
                                   % (self.c_small, ind["id"]), token=self.fx.power_contrib)
        self.assertEqual(st, 200, body)
        self.assertEqual(len(body["versions"]), 1)

    def test_conflict_keeps_first_body(self):
        ind = indicator(3, name="first body")
        self.assertEqual(self.post_ok(self.c_small, [ind], self.fx.power_contrib)
                         ["success_count"], 1)
        other = dict(ind, name="second body, same id and modified")
        res = self.post_ok(self.c_small, [other], self.fx.power_contrib)
        self.assertEqual(res["success_count"], 0, res)
        self.assertEqual(res["failure_count"], 1, res)
        fail = res["failures"][0]
        self.assertEqual(fail["id"], ind["id"])
        self.assertTrue(versions_equal(fail["version"], ind["modified"]))
        self.assertIn("conflict", fail.get("message", "").lower())
        st, _, body = self.hub.req("GET", API_ROOT + "collections/%s/objects/%s/"
                                   % (self.c_small, ind["id"]), token=self.fx.power_contrib)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["objects"], [served(ind)])

    def test_same_version_different_body_in_another_collection(self):
        # conflicts are per (collection, id, version): another collection has its own copy
        ind = indicator(12, name="in small")
        self.assertEqual(self.post_ok(self.c_small, [ind], self.fx.power_contrib)
                         ["success_count"], 1)
        other = dict(ind, name="in all")
        self.assertEqual(self.post_ok(self.fx.c_all, [other], self.fx.power_contrib)
                         ["success_count"], 1)
        for cid, want in ((self.c_small, ind), (self.fx.c_all, other)):
            st, _, body = self.hub.get_objects(cid, self.fx.power_contrib,
                                               "match[id]=" + ind["id"])
            self.assertEqual(body.get("objects"), [served(want)])

    def test_conflict_inside_one_envelope(self):
        ind = indicator(4, name="one")
        twin = dict(ind, name="two")
        res = self.post_ok(self.c_small, [ind, twin], self.fx.power_contrib)
        self.assertEqual(res["total_count"], 2)
        self.assertEqual(res["success_count"], 1, res)
        self.assertEqual(res["failure_count"], 1, res)
        self.assertIn("conflict", res["failures"][0].get("message", "").lower())
        st, _, body = self.hub.get_objects(self.c_small, self.fx.power_contrib,
                                           "match[id]=" + ind["id"])
        self.assertEqual(body["objects"], [served(ind)])

    def test_status_entries_of_every_outcome(self):
        # One envelope with a new object, an SCO whose version the hub assigns, a duplicate,
        # a conflict and an invalid object: each entry in its list, in envelope order, with
        # its own version and message (the entries are rendered before the write lock and
        # patched for what the store decided, taxii/add.c).
        dup, clash = indicator(20, name="dup"), indicator(21, name="first")
        self.post_ok(self.c_small, [dup, clash], self.fx.power_contrib)
        new = indicator(22, name='quote " and backslash \\ in a name')
        sco = {"type": "ipv4-addr", "spec_version": "2.1",
               "id": "ipv4-addr--%s" % uuid.uuid4(), "value": "198.51.100.77"}
        bad = indicator(23)
        bad["pattern"] = "[not a pattern"
        objs = [new, sco, copy.deepcopy(dup), dict(clash, name="second"), bad]
        res = self.post_ok(self.c_small, objs, self.fx.power_contrib)
        self.assertEqual((res["total_count"], res["success_count"], res["failure_count"]),
                         (5, 3, 2), res)
        ok, fails = res["successes"], res["failures"]
        self.assertEqual([e["id"] for e in ok], [new["id"], sco["id"], dup["id"]])
        self.assertEqual([e["id"] for e in fails], [clash["id"], bad["id"]])
        self.assertTrue(versions_equal(ok[0]["version"], new["modified"]))
        self.assertNotEqual(ok[0].get("message"), "already stored")
        self.assertEqual(ok[2]["message"], "already stored")
        self.assertTrue(versions_equal(ok[2]["version"], dup["modified"]))
        self.assertIn("conflict", fails[0]["message"])
        self.assertTrue(versions_equal(fails[0]["version"], clash["modified"]))
        self.assertIn("pattern", fails[1]["message"])
        # The SCO's version is the one the hub recorded: its date_added.
        st, _, man = self.hub.req("GET", API_ROOT + "collections/%s/manifest/?match[id]=%s"
                                  % (self.c_small, sco["id"]), token=self.fx.power_contrib)
        self.assertEqual(st, 200, man)
        self.assertTrue(versions_equal(ok[1]["version"], man["objects"][0]["version"]))
        self.assertTrue(versions_equal(ok[1]["version"], man["objects"][0]["date_added"]))
        # The status resource read back says the same as the answer to the POST.
        st, _, again = self.hub.req("GET", API_ROOT + "status/%s/" % res["id"],
                                    token=self.fx.power_contrib)
        self.assertEqual(st, 200, again)
        self.assertEqual(again, res)

    def test_invalid_objects_beside_valid_ones(self):
        objs = test_data("invalid-envelope.json")["objects"]
        res = self.post_ok(self.c_invalid, objs, self.fx.power_contrib)
        self.assertEqual(res["total_count"], 4)
        self.assertEqual(res["success_count"], 2, res)
        self.assertEqual(res["failure_count"], 2, res)
        fails = {f["id"]: f.get("message", "") for f in res["failures"]}
        self.assertEqual(set(fails), {objs[1]["id"], objs[2]["id"]})
        self.assertIn("pattern", fails[objs[1]["id"]])
        self.assertIn("is_family", fails[objs[2]["id"]])
        self.assertEqual({s["id"] for s in res["successes"]}, {objs[0]["id"], objs[3]["id"]})
        st, _, body = self.hub.get_objects(self.c_invalid, self.fx.power_contrib)
        self.assertEqual(st, 200, body)
        self.assertEqual({o["id"] for o in body["objects"]}, {objs[0]["id"], objs[3]["id"]})

    def test_pattern_values_refused_and_names_warned(self):
        # A pattern compares the standard properties of SCOs with values they can hold: an
        # impossible one refuses the indicator, naming the comparison; a property name the
        # specification does not define is stored with a warning in its status message.
        bad_ip = indicator(30, pattern="[ipv4-addr:value = '198.51.100.300']")
        bad_md5 = indicator(31, pattern="[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879']")
        bad_port = indicator(32, pattern="[network-traffic:dst_port = 70000]")
        bad_ts = indicator(33, pattern="[file:size = t'2020-01-01T00:00:00Z']")
        typo = indicator(34, pattern="[ipv4-addr:valeu = '198.51.100.1']")
        hash_name = indicator(35, pattern="[file:hashes.'SHA256' = '%s']" % ("ab" * 32))
        custom = indicator(36, pattern="[ipv4-addr:x_score = 5 AND x-acme:valeu = 1]")
        fine = indicator(37, pattern="[ipv4-addr:value = '198.51.100.0/24' AND "
                                     "network-traffic:dst_port = '447']")
        observed = {"type": "observed-data", "spec_version": "2.1",
                    "id": "observed-data--%s" % uuid.uuid4(),
                    "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                    "first_observed": "2024-01-01T00:00:00Z",
                    "last_observed": "2024-01-01T00:00:00Z", "number_observed": 1,
                    "objects": {"0": {"type": "ipv4-addr", "value": "198.51.100.300"}}}
        sco = {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--%s" % uuid.uuid4(),
               "value": "198.51.100.0/33"}
        objs = [bad_ip, bad_md5, bad_port, bad_ts, typo, hash_name, custom, fine, observed, sco]
        res = self.post_ok(self.c_small, objs, self.fx.power_contrib)
        fails = {f["id"]: f.get("message", "") for f in res.get("failures", [])}
        oks = {f["id"]: f.get("message", "") for f in res.get("successes", [])}
        self.assertEqual(set(fails), {bad_ip["id"], bad_md5["id"], bad_port["id"], bad_ts["id"],
                                      observed["id"], sco["id"]}, res)
        self.assertIn("pattern: ipv4-addr:value = '198.51.100.300': value must be an IPv4 "
                      "address or CIDR block at offset 19", fails[bad_ip["id"]])
        self.assertIn("hash 'MD5' must be 32 hexadecimal digits", fails[bad_md5["id"]])
        self.assertIn("network-traffic:dst_port = 70000: value must be between 0 and 65535",
                      fails[bad_port["id"]])
        self.assertIn("the property is an integer, not a timestamp", fails[bad_ts["id"]])
        self.assertIn("property 'objects.0.value': must be an IPv4 address",
                      fails[observed["id"]])
        self.assertIn("property 'value': has a CIDR prefix outside 0-32", fails[sco["id"]])
        self.assertIn("warning: pattern: property 'valeu' is not defined for ipv4-addr at "
                      "offset 11", oks[typo["id"]])
        self.assertIn("warning: pattern: hash name 'SHA256' is not in hash-algorithm-ov (did you "
                      "mean 'SHA-256'?)", oks[hash_name["id"]])
        self.assertNotIn("warning", oks[custom["id"]])
        self.assertNotIn("warning", oks[fine["id"]])
        # The warned indicator is stored as it was sent.
        st, _, body = self.hub.get_objects(self.c_small, self.fx.power_contrib,
                                           "match[id]=%s" % typo["id"])
        self.assertEqual(st, 200, body)
        self.assertEqual([o["pattern"] for o in body["objects"]], [typo["pattern"]])

    def test_invalid_id_reported(self):
        bad = indicator(5)
        bad["id"] = "indicator--not-a-uuid"
        res = self.post_ok(self.c_small, [bad, indicator(6)], self.fx.power_contrib)
        self.assertEqual(res["success_count"], 1, res)
        self.assertEqual(res["failure_count"], 1, res)
        self.assertIn("id", res["failures"][0].get("message", ""))

    def test_non_object_entry_is_a_failure_not_5xx(self):
        res = self.post_ok(self.c_small, ["just a string", 42, indicator(7)],
                           self.fx.power_contrib)
        self.assertEqual(res["total_count"], 3)
        self.assertEqual(res["success_count"], 1, res)
        self.assertEqual(res["failure_count"], 2, res)

    def test_status_readable_by_poster_org_and_coordinator_only(self):
        st, _, body = self.hub.post_objects(self.fx.c_all, [indicator(8)], self.fx.power_contrib)
        self.assertEqual(st, 202, body)
        sid = body["id"]
        path = API_ROOT + "status/%s/" % sid
        for token in (self.fx.power_contrib, self.fx.power_reader, self.fx.coord):
            with self.subTest(token=token[:8]):
                st, _, got = self.hub.req("GET", path, token=token)
                self.assertEqual(st, 200, got)
                self.assertEqual(got["id"], sid)
                self.assertEqual(got["total_count"], 1)
        for token in (self.fx.gas_contrib, self.fx.rail_reader, None):
            with self.subTest(token=token and token[:8]):
                st, hdrs, got = self.hub.req("GET", path, token=token)
                self.assertEqual(st, 404, got)
                self.assertTaxiiError((st, hdrs, got), 404)
        # The coordinator's read of another organisation's status is a provenance read,
        # and lands in the audit log.
        st, _, audit = self.hub.req("GET", "/api/v1/audit?limit=10000", token=self.fx.coord,
                                    accept="application/json")
        self.assertEqual(st, 200, audit)
        reads = [e for e in audit["entries"] if e["action"] == "provenance-read"
                 and sid in json.dumps(e.get("detail"))]
        self.assertEqual(len(reads), 1, audit)

    def test_unknown_status_is_404(self):
        self.assertTaxiiError(self.hub.req("GET", API_ROOT + "status/%s/" % uuid.uuid4(),
                                           token=self.fx.coord), 404)

    def test_bundle_is_422_with_hint(self):
        bundle = test_data("bundle.json")
        st, hdrs, body = self.hub.req("POST", API_ROOT + "collections/%s/objects/" % self.c_small,
                                      token=self.fx.power_contrib, body=bundle)
        self.assertTaxiiError((st, hdrs, body), 422)
        text = " ".join(str(body.get(k, "")) for k in ("title", "description"))
        self.assertIn('"objects"', text.replace("'", '"'))

    def test_envelope_without_objects_is_422(self):
        for payload in ({}, {"objects": "nope"}, {"object": []}):
            with self.subTest(payload=payload):
                resp = self.hub.req("POST", API_ROOT + "collections/%s/objects/" % self.c_small,
                                    token=self.fx.power_contrib, body=payload)
                self.assertTaxiiError(resp, 422)

    def test_non_object_body_refused(self):
        for payload in (b"[]", b"42", b'"objects"'):
            with self.subTest(payload=payload):
                st, hdrs, body = self.hub.req(
                    "POST", API_ROOT + "collections/%s/objects/" % self.c_small,
                    token=self.fx.power_contrib, body=payload)
                self.assertIn(st, (400, 422), body)
                self.assertTaxiiError((st, hdrs, body), st)

    def test_malformed_json_is_400(self):
        resp = self.hub.req("POST", API_ROOT + "collections/%s/objects/" % self.c_small,
                            token=self.fx.power_contrib, body=b'{"objects": [')
        self.assertTaxiiError(resp, 400)

    def test_posted_objects_readable_as_sent(self):
        objs = [fresh(o) for o in test_data("small-envelope.json")["objects"]]
        self.post_ok(self.fx.c_all, objs, self.fx.power_contrib)
        ids = ",".join(o["id"] for o in objs)
        st, _, body = self.hub.get_objects(self.fx.c_all, self.fx.gas_reader, "match[id]=" + ids)
        self.assertEqual(st, 200, body)
        self.assertEqual(sorted(body["objects"], key=lambda o: o["id"]),
                         sorted((served(o) for o in objs), key=lambda o: o["id"]))


if __name__ == "__main__":
    unittest.main()
