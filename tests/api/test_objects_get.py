# SPDX-License-Identifier: Apache-2.0
"""GET objects, object, versions and manifest with their filters; DELETE."""
import unittest

from harness import (API_ROOT, TS6_RE, HubTestCase, indicator, served, stix_id, ts_us)

T1, T2, T3 = "2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"


def malware():
    return {"type": "malware", "spec_version": "2.1", "id": stix_id("malware"),
            "created": T1, "modified": T1, "name": "GetTestRAT", "is_family": False}


def ipv4(value):
    # an SCO: neither created nor modified, so its version is its first date_added
    return {"type": "ipv4-addr", "spec_version": "2.1", "id": stix_id("ipv4-addr"),
            "value": value}


class TestRead(HubTestCase):
    @classmethod
    def extra_setup(cls):
        cls.c_read = cls.hub.collection_add("read", "all", "all")
        cls.c_empty = cls.hub.collection_add("empty", "all", "all")
        cls.c_del = cls.hub.collection_add("delete", "all", "all")

    @classmethod
    def after_start(cls):
        tok = cls.fx.power_contrib
        cls.A = indicator(1, modified=T1)
        cls.M = malware()
        x = indicator(2, modified=T1)
        cls.X = [x, dict(x, modified=T2, name="v2"), dict(x, modified=T3, name="v3")]
        cls.S = ipv4("192.0.2.55")
        for obj in [cls.A, cls.M] + cls.X + [cls.S]:
            cls.hub.post_complete(cls.c_read, [obj], tok)
        # from here on, the objects as the hub serves them (with the TLP the scope gave)
        cls.A, cls.M, cls.S = served(cls.A), served(cls.M), served(cls.S)
        cls.X = [served(x) for x in cls.X]
        cls.latest = [cls.A, cls.M, cls.X[2], cls.S]

    # ---- helpers -------------------------------------------------------------------------

    def get(self, query="", cid=None, token=None, path="objects/"):
        q = ("?" + query) if query else ""
        return self.hub.req("GET", API_ROOT + "collections/%s/%s%s" % (cid or self.c_read,
                                                                         path, q),
                            token=token or self.fx.gas_reader)

    def get_ok(self, query="", **kw):
        st, hdrs, body = self.get(query, **kw)
        self.assertEqual(st, 200, body)
        self.assertIsInstance(body, dict)
        return hdrs, body

    def objs(self, query="", **kw):
        return self.get_ok(query, **kw)[1].get("objects", [])

    def manifest(self, query="", **kw):
        return self.get_ok(query, path="manifest/", **kw)[1].get("objects", [])

    def ids_versions(self, objs):
        return [(o["id"], o.get("modified")) for o in objs]

    # ---- objects -------------------------------------------------------------------------

    def test_default_is_latest_versions_ascending(self):
        self.assertEqual(self.objs(), self.latest)

    def test_date_added_ascending_and_unique(self):
        entries = self.manifest()
        added = [ts_us(e["date_added"]) for e in entries]
        self.assertEqual(len(added), 4)
        self.assertEqual(added, sorted(set(added)))
        self.assertEqual([e["id"] for e in entries], [o["id"] for o in self.latest])

    def test_date_added_headers(self):
        hdrs, body = self.get_ok()
        entries = self.manifest()
        first = hdrs.get("X-TAXII-Date-Added-First")
        last = hdrs.get("X-TAXII-Date-Added-Last")
        self.assertRegex(first or "", TS6_RE)
        self.assertRegex(last or "", TS6_RE)
        self.assertEqual(first, entries[0]["date_added"])
        self.assertEqual(last, entries[-1]["date_added"])

    def test_date_added_format_in_manifest(self):
        for e in self.manifest():
            self.assertRegex(e["date_added"], TS6_RE)

    def test_empty_collection_is_empty_envelope(self):
        hdrs, body = self.get_ok(cid=self.c_empty)
        self.assertEqual(body, {})

    def test_limit_and_next(self):
        hdrs, body = self.get_ok("limit=2")
        self.assertEqual(body["objects"], self.latest[:2])
        self.assertIs(body.get("more"), True)
        self.assertIsInstance(body.get("next"), str)
        self.assertEqual(hdrs.get("X-TAXII-Date-Added-Last"), self.manifest()[1]["date_added"])
        hdrs2, body2 = self.get_ok("limit=2&next=" + body["next"])
        self.assertEqual(body2["objects"], self.latest[2:])
        self.assertFalse(body2.get("more", False))

    def test_added_after(self):
        entries = self.manifest()
        self.assertEqual(self.objs("added_after=" + entries[1]["date_added"]), self.latest[2:])
        self.assertEqual(self.objs("added_after=" + entries[-1]["date_added"]), [])

    def test_match_id(self):
        q = "match[id]=%s,%s" % (self.A["id"], self.S["id"])
        self.assertEqual(self.objs(q), [self.A, self.S])

    def test_match_type_or(self):
        self.assertEqual(self.objs("match[type]=indicator,malware"), self.latest[:3])
        self.assertEqual(self.objs("match[type]=ipv4-addr"), [self.S])
        self.assertEqual(self.objs("match[type]=campaign"), [])

    def test_match_version(self):
        x = self.X
        cases = {
            None: [x[2]], "last": [x[2]], "first": [x[0]], "all": x, T2: [x[1]],
            "first,last": [x[0], x[2]], "%s,%s" % (T1, T3): [x[0], x[2]],
            "2024-02-01T00:00:00Z": [x[1]], "2020-01-01T00:00:00.000Z": [],
        }
        for version, want in cases.items():
            with self.subTest(version=version):
                q = "match[id]=" + x[0]["id"]
                if version:
                    q += "&match[version]=" + version
                self.assertEqual(self.objs(q), want)

    def test_match_version_all_counts_every_version(self):
        self.assertEqual(len(self.objs("match[version]=all")), 6)

    def test_match_spec_version(self):
        self.assertEqual(self.objs("match[spec_version]=2.0"), [])
        self.assertEqual(self.objs("match[spec_version]=2.1"), self.latest)
        self.assertEqual(self.objs("match[spec_version]=2.0,2.1"), self.latest)

    def test_match_filters_and_together(self):
        self.assertEqual(self.objs("match[type]=malware&match[id]=" + self.A["id"]), [])

    def test_bad_parameters_are_400(self):
        bad = ["limit=0", "limit=-1", "limit=abc", "limit=", "added_after=yesterday",
               "added_after=2024-01-01T00:00:00Z&added_after=2024-01-02T00:00:00Z",
               "match[version]=all,last", "match[version]=last,last",
               "match[type]=indicator&match[type]=malware", "next=garbage",
               "match[version]=notatime"]
        for q in bad:
            for path in ("objects/", "manifest/"):
                with self.subTest(query=q, path=path):
                    self.assertTaxiiError(self.get(q, path=path), 400)

    def test_limit_clamped(self):
        hdrs, body = self.get_ok("limit=5000")
        self.assertEqual(body["objects"], self.latest)

    # ---- one object and its versions -----------------------------------------------------

    def test_object_latest_by_default(self):
        hdrs, body = self.get_ok(path="objects/%s/" % self.X[0]["id"])
        self.assertEqual(body["objects"], [self.X[2]])
        self.assertRegex(hdrs.get("X-TAXII-Date-Added-First", ""), TS6_RE)
        self.assertRegex(hdrs.get("X-TAXII-Date-Added-Last", ""), TS6_RE)

    def test_object_versions_filter(self):
        path = "objects/%s/" % self.X[0]["id"]
        self.assertEqual(self.get_ok("match[version]=all", path=path)[1]["objects"], self.X)
        self.assertEqual(self.get_ok("match[version]=first", path=path)[1]["objects"],
                         [self.X[0]])
        self.assertEqual(self.get_ok("match[version]=" + T2, path=path)[1]["objects"],
                         [self.X[1]])

    def test_unknown_object_is_404(self):
        self.assertTaxiiError(self.get(path="objects/%s/" % stix_id("indicator")), 404)

    def test_versions_endpoint(self):
        hdrs, body = self.get_ok(path="objects/%s/versions/" % self.X[0]["id"])
        self.assertEqual([ts_us(v) for v in body["versions"]], [ts_us(t) for t in (T1, T2, T3)])
        self.assertFalse(body.get("more", False))
        self.assertRegex(hdrs.get("X-TAXII-Date-Added-First", ""), TS6_RE)

    def test_versions_paging(self):
        path = "objects/%s/versions/" % self.X[0]["id"]
        hdrs, body = self.get_ok("limit=2", path=path)
        self.assertEqual([ts_us(v) for v in body["versions"]], [ts_us(T1), ts_us(T2)])
        self.assertIs(body.get("more"), True)
        if body.get("next"):
            _, body2 = self.get_ok("limit=2&next=" + body["next"], path=path)
        else:
            _, body2 = self.get_ok("limit=2&added_after=" + hdrs["X-TAXII-Date-Added-Last"],
                                   path=path)
        self.assertEqual([ts_us(v) for v in body2["versions"]], [ts_us(T3)])

    def test_versions_of_unknown_object_404(self):
        self.assertTaxiiError(self.get(path="objects/%s/versions/" % stix_id("malware")), 404)

    # ---- manifest ------------------------------------------------------------------------

    def test_manifest_entries(self):
        st, _, coll = self.hub.req("GET", API_ROOT + "collections/%s/" % self.c_read,
                                   token=self.fx.gas_reader)
        entries = self.manifest()
        self.assertEqual([e["id"] for e in entries], [o["id"] for o in self.latest])
        for e, o in zip(entries, self.latest):
            with self.subTest(id=e["id"]):
                self.assertEqual(set(e) - {"media_type"}, {"id", "date_added", "version"})
                if "modified" in o:
                    self.assertEqual(ts_us(e["version"]), ts_us(o["modified"]))
                if "media_type" in e:
                    self.assertIn(e["media_type"], coll.get("media_types", [e["media_type"]]))

    def test_manifest_sco_version_is_first_date_added(self):
        entry = self.manifest("match[id]=" + self.S["id"])
        self.assertEqual(len(entry), 1)
        self.assertEqual(ts_us(entry[0]["version"]), ts_us(entry[0]["date_added"]))

    def test_manifest_filters(self):
        self.assertEqual([e["id"] for e in self.manifest("match[type]=malware")], [self.M["id"]])
        allv = self.manifest("match[version]=all&match[id]=" + self.X[0]["id"])
        self.assertEqual([ts_us(e["version"]) for e in allv], [ts_us(t) for t in (T1, T2, T3)])
        self.assertEqual(self.manifest("match[spec_version]=2.0"), [])

    def test_manifest_paging_headers(self):
        hdrs, body = self.get_ok("limit=1", path="manifest/")
        self.assertEqual(len(body["objects"]), 1)
        self.assertIs(body.get("more"), True)
        self.assertEqual(hdrs.get("X-TAXII-Date-Added-First"), body["objects"][0]["date_added"])
        self.assertEqual(hdrs.get("X-TAXII-Date-Added-Last"), body["objects"][0]["date_added"])

    # ---- delete --------------------------------------------------------------------------

    def delete(self, oid, query="", token=None):
        q = ("?" + query) if query else ""
        return self.hub.req("DELETE", API_ROOT + "collections/%s/objects/%s/%s"
                            % (self.c_del, oid, q), token=token or self.fx.power_contrib)

    def test_delete_one_version_then_all(self):
        y = indicator(9, modified=T1)
        y2 = dict(y, modified=T2, name="y2")
        self.hub.post_complete(self.c_del, [y], self.fx.power_contrib)
        self.hub.post_complete(self.c_del, [y2], self.fx.power_contrib)
        st, _, body = self.delete(y["id"], "match[version]=" + T1)
        self.assertEqual(st, 200, body)
        _, body = self.get_ok(cid=self.c_del, path="objects/%s/versions/" % y["id"])
        self.assertEqual([ts_us(v) for v in body["versions"]], [ts_us(T2)])
        st, _, body = self.delete(y["id"])
        self.assertEqual(st, 200, body)
        self.assertTaxiiError(self.get(cid=self.c_del, path="objects/%s/" % y["id"]), 404)
        self.assertNotIn(y["id"], [e["id"] for e in self.manifest(cid=self.c_del)])

    def test_delete_needs_write(self):
        z = indicator(10)
        self.hub.post_complete(self.c_del, [z], self.fx.power_contrib)
        self.assertTaxiiError(self.delete(z["id"], token=self.fx.power_reader), 403)
        self.assertEqual(self.objs("match[id]=" + z["id"], cid=self.c_del), [served(z)])

    def test_delete_unknown_is_404(self):
        self.assertTaxiiError(self.delete(stix_id("indicator")), 404)

    def test_coordinator_may_delete(self):
        z = indicator(11)
        self.hub.post_complete(self.c_del, [z], self.fx.power_contrib)
        st, _, body = self.delete(z["id"], token=self.fx.coord)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.objs("match[id]=" + z["id"], cid=self.c_del), [])


if __name__ == "__main__":
    unittest.main()
