# SPDX-License-Identifier: Apache-2.0
"""TAXII 2.1 conformance of what the hub writes, checked the way a conformance checker would.

- No empty list anywhere (section 2.1: "Empty lists are prohibited in TAXII and MUST NOT be used
  as a substitute for omitting optional properties"): a walk over every TAXII route the server
  lists (GET /api/v1/routes), for every role and an anonymous reader, on collections with and
  without objects, with filters that leave nothing, every status shape and every error a client
  can provoke; it fails on any `[]` at any depth of any JSON answer, and on a TAXII route it did
  not probe.
- Every status-details entry has an id and a version (section 4.3.1), failures included: the
  object's modified, else its created, else the status's request_timestamp.
- A collection that does not exist is a 404 TAXII error, whatever bytes its id holds (a
  percent-encoded NUL used to cut the path short), on every collection route and method.
- A collection's alias works wherever its id does in a URL (the specification's example:
  /{api-root}/collections/critical-high-value-indicators/), the answers still give its id,
  and an alias is unique within the API root and never looks like an id.
- A version is written as the object writes its modified (else created), byte for byte, in
  the manifest, the versions list and the status; match[version] compares instants, however
  many fraction digits the client writes; the hub's own identity objects (the stand-ins of a
  hidden poster) are versioned by their modified, like every STIX object (STIX 5.3.1, 5.8.1).
"""
import json
import unittest
import uuid

from harness import (API_ROOT, JSON, TAXII, CliError, HubTestCase, indicator, stix_id,
                     ts_us)


def empty_lists(value, path="$"):
    """The JSON paths of every empty list in value."""
    out = []
    if isinstance(value, list):
        if not value:
            out.append(path)
        for i, v in enumerate(value):
            out.extend(empty_lists(v, "%s[%d]" % (path, i)))
    elif isinstance(value, dict):
        for k, v in value.items():
            out.extend(empty_lists(v, "%s.%s" % (path, k)))
    return out


# The route name of a TAXII request, from its method and path (API root /hub/).
def route_name(method, path):
    path = path.split("?", 1)[0]
    if path == "/taxii2/":
        return "taxii-discovery"
    parts = [p for p in path[len(API_ROOT):].split("/") if p]
    if not parts:
        return "taxii-api-root"
    if parts[0] == "status":
        return "taxii-status"
    if len(parts) == 1:
        return "taxii-collections"
    if len(parts) == 2:
        return "taxii-collection"
    if parts[2] == "manifest":
        return "taxii-manifest"
    if len(parts) == 3:
        return "taxii-add-objects" if method == "POST" else "taxii-objects"
    if len(parts) == 4:
        return "taxii-delete-object" if method == "DELETE" else "taxii-object"
    return "taxii-versions"


class TestNoEmptyLists(HubTestCase):
    """Walks every TAXII answer and fails on any empty list at any depth."""

    @classmethod
    def extra_setup(cls):
        h = cls.hub
        cls.c_empty = h.collection_add("Nothing here", "all", "all")
        cls.c_feeds = h.collection_add("Feeds", "all", "all", alias="feeds-walk")
        # A hidden post needs an anonymity set of k writers; the fixture has four members.
        h.cli("policy", "set", "--sector-k", "2")

    @classmethod
    def after_start(cls):
        h, fx = cls.hub, cls.fx
        cls.ind = indicator(modified="2024-01-01T00:00:00.000Z")
        ind2 = dict(cls.ind, modified="2024-02-01T00:00:00.000Z")
        ip = {"type": "ipv4-addr", "spec_version": "2.1", "id": stix_id("ipv4-addr"),
              "value": "198.51.100.7"}
        # Posted anonymously: the hub's own identity object is stored beside it.
        hidden = indicator(created_by_ref=stix_id("identity"))
        cls.statuses = []
        for cid, objs, tok, hdrs in (
                (fx.c_all, [cls.ind, ind2, ip], fx.power_contrib, None),
                (fx.c_all, [hidden], fx.power_contrib, {"X-Renkei-Anonymity": "anonymous"}),
                (cls.c_feeds, [indicator()], fx.gas_contrib, None),
                (fx.c_public, [indicator(object_marking_refs=[
                    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"])],
                 fx.power_contrib, None)):
            st, _, body = h.post_objects(cid, objs, tok, headers=hdrs)
            assert st == 202, body
            cls.statuses.append((body["id"], tok))

    def setUp(self):
        self.problems = []
        self.probed = set()

    def check(self, method, path, token=None, expect=None, **kw):
        """One request; notes any empty list in its JSON answer. Returns req()'s triple."""
        st, hdrs, body = self.hub.req(method, path, token=token, **kw)
        self.probed.add(route_name(method, path))
        if expect is not None and st != expect:
            self.problems.append("%s %s: status %d, wanted %d: %r" % (method, path, st, expect,
                                                                     body))
        if isinstance(body, bytes):
            if body:
                self.problems.append("%s %s: %d answer is not JSON: %r" % (method, path, st,
                                                                          body[:200]))
            return st, hdrs, body
        for p in empty_lists(body):
            self.problems.append("%s %s (%d): empty list at %s" % (method, path, st, p))
        return st, hdrs, body

    def walk_collection(self, cid, token):
        base = "%scollections/%s/" % (API_ROOT, cid)
        self.check("GET", base, token)
        for q in ("", "?limit=1", "?match[type]=no-such-type", "?added_after=2999-01-01T00:00:00Z",
                  "?match[version]=all", "?match[version]=first",
                  "?match[version]=2000-01-01T00:00:00Z", "?match[spec_version]=2.0",
                  "?match[id]=%s" % self.ind["id"]):
            st, _, body = self.check("GET", base + "objects/" + q, token)
            self.check("GET", base + "manifest/" + q, token)
            if st != 200 or "objects" not in body:
                continue
            for o in body["objects"][:3]:
                one = base + "objects/%s/" % o["id"]
                self.check("GET", one, token)
                self.check("GET", one + "?match[version]=all", token)
                self.check("GET", one + "?added_after=2999-01-01T00:00:00Z", token)
                self.check("GET", one + "versions/", token)
                self.check("GET", one + "versions/?limit=1", token)
                self.check("GET", one + "versions/?added_after=2999-01-01T00:00:00Z", token)
        missing = base + "objects/%s/" % stix_id("indicator")
        self.check("GET", missing, token)
        self.check("GET", missing + "versions/", token)
        self.check("DELETE", missing, token)
        self.check("POST", base + "objects/", token, body={"objects": [indicator()]})

    def test_no_answer_holds_an_empty_list(self):
        h, fx = self.hub, self.fx
        tokens = {"anonymous": None, "reader": fx.power_reader, "contributor": fx.power_contrib,
                  "analyst": fx.power_analyst, "coordinator": fx.coord,
                  "other sector": fx.rail_reader}
        collections = [fx.c_all, fx.c_public, fx.c_power, fx.c_readonly, self.c_empty,
                       self.c_feeds, "feeds-walk", str(uuid.uuid4())]
        for who, tok in tokens.items():
            self.check("GET", "/taxii2/", tok)
            self.check("GET", API_ROOT, tok)
            self.check("GET", API_ROOT + "collections/", tok)
            for cid in collections:
                self.walk_collection(cid, tok)
            for sid, _ in self.statuses:
                self.check("GET", "%sstatus/%s/" % (API_ROOT, sid), tok)
            self.check("GET", "%sstatus/%s/" % (API_ROOT, uuid.uuid4()), tok)

        # Status resources of every shape: all stored, all refused, both, none at all.
        shapes = {"stored": [indicator()], "refused": [{"type": "indicator"}, 5],
                  "both": [indicator(), {"id": "x"}], "nothing": []}
        for name, objs in shapes.items():
            st, _, body = self.check("POST", "%scollections/%s/objects/" % (API_ROOT, fx.c_all),
                                     fx.power_contrib, expect=202, body={"objects": objs})
            if st == 202:
                self.check("GET", "%sstatus/%s/" % (API_ROOT, body["id"]), fx.power_contrib,
                           expect=200)
                self.check("GET", "%sstatus/%s/" % (API_ROOT, body["id"]), fx.coord,
                           expect=200)

        # Errors a client can provoke: each a TAXII error object, without empty lists.
        objects = "%scollections/%s/objects/" % (API_ROOT, fx.c_all)
        self.check("GET", objects, fx.power_reader, expect=406, accept="text/html")
        self.check("POST", objects, fx.power_contrib, expect=415, body="{}",
                   content_type="text/plain")
        self.check("GET", objects + "?limit=0", fx.power_reader, expect=400)
        self.check("GET", objects, "rk_" + "0" * 64, expect=401)
        self.check("POST", "%scollections/%s/objects/" % (API_ROOT, fx.c_readonly),
                   fx.power_contrib, expect=403, body={"objects": [indicator()]})
        self.check("PUT", objects, fx.power_contrib, expect=405, body={"objects": []})
        self.check("POST", objects, fx.power_contrib, expect=422,
                   body={"type": "bundle", "id": stix_id("bundle"), "objects": []})
        self.check("POST", objects, fx.power_contrib, expect=400, body="{not json")
        self.check("GET", "/nowhere/", fx.power_reader, expect=404)

        # One object deleted by its poster: the answer is {} (and the walk saw DELETE).
        ind = indicator()
        h.post_complete(fx.c_all, [ind], fx.power_contrib)
        self.check("DELETE", "%scollections/%s/objects/%s/" % (API_ROOT, fx.c_all, ind["id"]),
                   fx.power_contrib, expect=200)

        st, _, body = h.req("GET", "/api/v1/routes", token=fx.coord, accept=JSON)
        self.assertEqual(st, 200, body)
        taxii_routes = {r["name"] for r in body["routes"] if "taxii" in r["flags"]}
        self.assertEqual(taxii_routes - self.probed, set(), "TAXII routes the walk missed")
        self.assertEqual(self.problems, [], "\n".join(self.problems))


class TestStatusDetails(HubTestCase):
    """Every status-details entry has an id and a version, failures included."""

    def test_every_entry_has_an_id_and_a_version(self):
        fx = self.fx
        no_pattern = indicator(modified="2024-03-04T05:06:07.8Z")
        del no_pattern["pattern"]
        created_only = indicator()
        del created_only["modified"]
        created_only["spec_version"] = "2.0"
        bad_modified = indicator(modified="yesterday")
        bad_modified["created"] = "2024-05-06T07:08:09.123456Z"
        neither = {"type": "indicator", "id": stix_id("indicator")}
        bad_sco = {"type": "ipv4-addr", "spec_version": "2.1", "id": stix_id("ipv4-addr"),
                   "value": "not an address"}
        no_id = {"type": "indicator", "modified": "2024-07-08T09:10:11Z"}
        good = indicator(modified="2024-09-10T11:12:13.4500Z")
        objs = [no_pattern, created_only, bad_modified, neither, bad_sco, no_id, 5, good]
        st, _, status = self.hub.post_objects(fx.c_all, objs, fx.power_contrib)
        self.assertEqual(st, 202, status)
        final = self.hub.wait_status(status, fx.power_contrib)
        for body in (status, final):
            entries = body.get("successes", []) + body.get("failures", [])
            self.assertEqual(len(entries), len(objs), body)
            for e in entries:
                self.assertIsInstance(e.get("id"), str, e)
                self.assertIsInstance(e.get("version"), str, e)
            got = {e["id"]: e["version"] for e in entries}
            posted = body["request_timestamp"]
            self.assertEqual(got[no_pattern["id"]], "2024-03-04T05:06:07.8Z")
            self.assertEqual(got[created_only["id"]], created_only["created"])
            self.assertEqual(got[bad_modified["id"]], "2024-05-06T07:08:09.123456Z")
            self.assertEqual(got[neither["id"]], posted)
            self.assertEqual(got[bad_sco["id"]], posted)
            self.assertEqual(got["objects[5]"], "2024-07-08T09:10:11Z")
            self.assertEqual(got["objects[6]"], posted)
            self.assertEqual(got[good["id"]], "2024-09-10T11:12:13.4500Z")
            self.assertEqual([e["id"] for e in body.get("successes", [])], [good["id"]], body)


class TestUnknownCollections(HubTestCase):
    """A collection that does not exist is a 404 TAXII error whatever bytes its id holds."""

    def odd_ids(self):
        real = self.fx.c_all
        return ["%00%ff", "%00", "%00" + real, real + "%00", real + "%00junk", "%ff", "%c3%28",
                "%2500", "%20", "%0a", "..%2F..", real.upper().replace("-", ""),
                str(uuid.uuid4()), "x" * 2000, "%e2%80%ae" + real, "feeds%00"]

    def test_every_collection_route_and_method_is_404(self):
        fx = self.fx
        oid = stix_id("indicator")
        for cid in self.odd_ids():
            base = "%scollections/%s/" % (API_ROOT, cid)
            for tok in (None, fx.power_reader, fx.power_contrib, fx.coord):
                for method, path, body in (
                        ("GET", base, None), ("GET", base + "manifest/", None),
                        ("GET", base + "objects/", None), ("GET", base + "objects/?limit=1", None),
                        ("POST", base + "objects/", {"objects": [indicator()]}),
                        ("GET", base + "objects/%s/" % oid, None),
                        ("DELETE", base + "objects/%s/" % oid, None),
                        ("GET", base + "objects/%s/versions/" % oid, None)):
                    resp = self.hub.req(method, path, token=tok, body=body)
                    # A body from an anonymous client is refused before any lookup, as it
                    # is for a collection that exists; a decoded '/' makes a path that is no
                    # route at all.
                    want = 401 if tok is None and method == "POST" and "%2F" not in cid \
                        else 404
                    with self.subTest(method=method, path=path, token=tok is not None):
                        self.assertTaxiiError(resp, want)

    def test_other_methods_do_not_tell_existing_from_missing(self):
        """A method no collection route has gets the same answer for a collection that
        exists and one that does not."""
        fx = self.fx
        for method in ("PUT", "PATCH"):
            real = self.hub.req(method, "%scollections/%s/objects/" % (API_ROOT, fx.c_all),
                                token=fx.coord, body={"objects": []})
            for cid in [c for c in self.odd_ids() if "%2F" not in c]:
                odd = self.hub.req(method, "%scollections/%s/objects/" % (API_ROOT, cid),
                                   token=fx.coord, body={"objects": []})
                self.assertEqual(odd[0], real[0], (method, cid, odd))
                self.assertTaxiiError(odd, real[0])

    def test_query_values_keep_an_encoded_nul(self):
        """A value with %00 is not cut short: match[id]=<id>%00x matches nothing, and an
        added_after with %00 after it is not a timestamp."""
        fx = self.fx
        ind = indicator()
        self.hub.post_complete(fx.c_all, [ind], fx.power_contrib)
        st, _, body = self.hub.get_objects(fx.c_all, fx.power_reader, "match[id]=%s" % ind["id"])
        self.assertEqual(len(body["objects"]), 1, body)
        st, _, body = self.hub.get_objects(fx.c_all, fx.power_reader,
                                           "match[id]=%s%%00x" % ind["id"])
        self.assertEqual((st, body), (200, {}))
        resp = self.hub.get_objects(fx.c_all, fx.power_reader,
                                    "added_after=2024-01-01T00:00:00Z%00x")
        self.assertTaxiiError(resp, 400)


class TestAliases(HubTestCase):
    """Collection aliases in URLs, unique within the API root."""

    @classmethod
    def extra_setup(cls):
        h, fx = cls.hub, cls.fx
        cls.c_feeds = h.collection_add("Feeds", "all", "all", alias="feeds")
        cls.c_secret = h.collection_add("Power alone", "org:" + fx.power, "org:" + fx.power,
                                        alias="power.only")

    def test_every_route_takes_the_alias_and_answers_the_id(self):
        h, fx = self.hub, self.fx
        tok = fx.power_contrib
        st, _, coll = h.taxii("GET", "collections/feeds/", token=tok)
        self.assertEqual(st, 200, coll)
        self.assertEqual((coll["id"], coll["alias"]), (self.c_feeds, "feeds"))
        st, _, listed = h.taxii("GET", "collections/", token=tok)
        self.assertIn({"id": self.c_feeds, "alias": "feeds"},
                      [{"id": c["id"], "alias": c.get("alias")} for c in listed["collections"]])

        v1 = indicator(modified="2024-01-01T00:00:00.000Z")
        v2 = dict(v1, modified="2024-02-01T00:00:00.000Z")
        st, _, status = h.taxii("POST", "collections/feeds/objects/", token=tok,
                                body={"objects": [v1, v2]})
        self.assertEqual(st, 202, status)
        self.assertEqual(h.wait_status(status, tok)["success_count"], 2)
        for path in ("objects/", "manifest/", "objects/%s/" % v1["id"]):
            by_alias = h.taxii("GET", "collections/feeds/" + path + "?match[version]=all",
                               token=tok)
            by_id = h.taxii("GET", "collections/%s/%s?match[version]=all" % (self.c_feeds, path),
                            token=tok)
            self.assertEqual(by_alias[0], 200, by_alias[2])
            self.assertEqual(by_alias[2], by_id[2])
            self.assertEqual(by_alias[1].get("X-TAXII-Date-Added-First"),
                             by_id[1].get("X-TAXII-Date-Added-First"))
        st, _, vers = h.taxii("GET", "collections/feeds/objects/%s/versions/" % v1["id"],
                              token=tok)
        self.assertEqual([ts_us(v) for v in vers["versions"]],
                         [ts_us(v1["modified"]), ts_us(v2["modified"])])
        st, _, _ = h.taxii("DELETE", "collections/feeds/objects/%s/?match[version]=%s"
                           % (v1["id"], v1["modified"]), token=tok)
        self.assertEqual(st, 200)
        st, _, vers = h.taxii("GET", "collections/%s/objects/%s/versions/"
                              % (self.c_feeds, v1["id"]), token=tok)
        self.assertEqual([ts_us(v) for v in vers["versions"]], [ts_us(v2["modified"])])
        # Errors name the collection's id too.
        resp = h.taxii("POST", "collections/feeds/objects/", token=fx.power_reader,
                       body={"objects": [indicator()]})
        self.assertIn(self.c_feeds, self.assertTaxiiError(resp, 403)["description"])

    def test_an_alias_shows_no_more_than_the_id(self):
        h, fx = self.hub, self.fx
        for tok in (None, fx.rail_reader, fx.gas_contrib):
            for key in ("power.only", self.c_secret):
                self.assertTaxiiError(h.taxii("GET", "collections/%s/objects/" % key,
                                              token=tok), 404)
        st, _, coll = h.taxii("GET", "collections/power.only/", token=fx.power_reader)
        self.assertEqual((st, coll["id"]), (200, self.c_secret))

    def test_aliases_are_unique_and_never_look_like_ids(self):
        h, fx = self.hub, self.fx
        with self.assertRaises(CliError) as cm:
            h.collection_add("Feeds again", "all", "all", alias="feeds")
        self.assertIn("alias 'feeds' is taken by collection %s" % self.c_feeds, str(cm.exception))
        p = h.run_cli("collection", "add", "--title", "x", "--read", "all", "--write", "all",
                      "--alias", "feeds")
        self.assertEqual(p.returncode, 1)
        self.assertIn("alias 'feeds' is taken", p.stderr)
        for alias, status, words in (
                ("feeds", 409, "is taken by collection " + self.c_feeds),
                (self.c_secret, 400, "looks like a collection id"),
                (str(uuid.uuid4()).upper(), 400, "looks like a collection id"),
                ("two words", 400, "letters, digits"), ("a/b", 400, "letters, digits"),
                ("..", 400, "starting with a letter or digit"), ("x" * 129, 400, "longer than")):
            with self.subTest(alias=alias):
                st, _, body = h.req("POST", "/api/v1/collections", token=fx.coord, accept=JSON,
                                    body={"title": "t", "read": "all", "write": "all",
                                          "alias": alias})
                self.assertEqual(st, status, body)
                self.assertIn(words, body["error"])
        # The same rules from the command line.
        p = h.run_cli("collection", "add", "--title", "x", "--read", "all", "--write", "all",
                      "--alias", str(uuid.uuid4()))
        self.assertEqual(p.returncode, 1)
        self.assertIn("looks like a collection id", p.stderr)
        st, _, listed = h.taxii("GET", "collections/", token=fx.coord)
        aliases = [c.get("alias") for c in listed["collections"] if c.get("alias")]
        self.assertEqual(sorted(aliases), sorted(set(aliases)))
        self.assertEqual(aliases.count("feeds"), 1)


class TestVersionText(HubTestCase):
    """Versions as the objects write them."""

    @classmethod
    def extra_setup(cls):
        h = cls.hub
        cls.c_text = h.collection_add("Versions", "all", "all")
        cls.c_match = h.collection_add("Matches", "all", "all")
        cls.c_hidden = h.collection_add("Hidden posters", "all", "all")
        # A hidden post needs an anonymity set of k writers; a second power company makes
        # the sector identity usable with k = 2.
        h.org_add("power-two", "electric-power")
        h.cli("policy", "set", "--sector-k", "2")

    def manifest(self, cid, query=""):
        st, _, body = self.hub.taxii("GET", "collections/%s/manifest/?limit=1000%s" % (cid, query),
                                     token=self.fx.power_reader)
        self.assertEqual(st, 200, body)
        return body.get("objects", [])

    def test_versions_are_written_as_the_objects_write_them(self):
        h, fx = self.hub, self.fx
        cid = self.c_text
        texts = ["2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.1000Z",
                 "2024-01-01T00:00:00.12000Z", "2024-01-01T00:00:00.123456Z",
                 "2024-01-01T00:00:00.1234567Z", "2024-01-01T00:00:00.123456789Z",
                 "2016-12-31T23:59:60.500Z"]
        objs = [indicator(modified=t) for t in texts]
        for o in objs:
            o["created"] = "2015-01-01T00:00:00.000Z"
        # One object in two versions written with different precision.
        multi = indicator(modified="2024-03-01T00:00:00.100Z")
        multi2 = dict(multi, modified="2024-03-02T00:00:00.200000Z")
        statement = {"type": "marking-definition", "spec_version": "2.1",
                     "id": stix_id("marking-definition"), "created": "2024-05-05T05:05:05.5000Z",
                     "definition_type": "statement", "definition": {"statement": "Example"}}
        ip = {"type": "ipv4-addr", "spec_version": "2.1", "id": stix_id("ipv4-addr"),
              "value": "198.51.100.9"}
        status = h.post_complete(cid, objs + [multi, multi2, statement, ip], fx.power_contrib)
        by_status = {(d["id"], d["version"]) for d in status["successes"]}
        want = {o["id"]: o["modified"] for o in objs}
        want[statement["id"]] = statement["created"]

        man = self.manifest(cid, "&match[version]=all")
        versions = {}
        for e in man:
            versions.setdefault(e["id"], []).append(e["version"])
            self.assertIn((e["id"], e["version"]), by_status)
        for oid, text in want.items():
            self.assertEqual(versions[oid], [text])
            st, _, got = h.taxii("GET", "collections/%s/objects/%s/versions/" % (cid, oid),
                                 token=fx.power_reader)
            self.assertEqual(got["versions"], [text])
        self.assertEqual(versions[multi["id"]], [multi["modified"], multi2["modified"]])
        st, _, got = h.taxii("GET", "collections/%s/objects/%s/versions/" % (cid, multi["id"]),
                             token=fx.power_reader)
        self.assertEqual(got["versions"], [multi["modified"], multi2["modified"]])
        # An observable without created or modified: the version the hub gave it, in the
        # status and the manifest alike.
        self.assertEqual(versions[ip["id"]], [d["version"] for d in status["successes"]
                                              if d["id"] == ip["id"]])
        # Pages of one entry write the same texts.
        paged, q = [], "limit=1&match[version]=all"
        while True:
            st, _, page = h.taxii("GET", "collections/%s/manifest/?%s" % (cid, q),
                                  token=fx.power_reader)
            paged += [(e["id"], e["version"]) for e in page["objects"]]
            if not page["more"]:
                break
            q = "limit=1&match[version]=all&next=" + page["next"]
        self.assertEqual(paged, [(e["id"], e["version"]) for e in man])

    def test_match_version_compares_instants(self):
        h, fx = self.hub, self.fx
        cid = self.c_match
        o = indicator(modified="2024-06-01T12:00:00.500Z")
        h.post_complete(cid, [o], fx.power_contrib)
        for asked in ("2024-06-01T12:00:00.500Z", "2024-06-01T12:00:00.5Z",
                      "2024-06-01T12:00:00.500000Z", "2024-06-01T12:00:00.500000000Z"):
            with self.subTest(asked=asked):
                got = [e for e in self.manifest(cid, "&match[id]=%s&match[version]=%s"
                                                % (o["id"], asked))]
                self.assertEqual([e["version"] for e in got], [o["modified"]])
                st, _, objs = h.taxii("GET", "collections/%s/objects/%s/?match[version]=%s"
                                      % (cid, o["id"], asked), token=fx.power_reader)
                self.assertEqual(objs["objects"][0]["modified"], o["modified"])
        self.assertEqual(self.manifest(cid, "&match[id]=%s&match[version]=2024-06-01T12:00:00.501Z"
                                       % o["id"]), [])

    def test_stand_ins_are_versioned_by_their_modified(self):
        h, fx = self.hub, self.fx
        cid = self.c_hidden
        for mode in ("anonymous", "sector"):
            for _ in range(2):  # a second post finds the stand-in already stored
                ind = indicator(created_by_ref=stix_id("identity"))
                status = self.post_ok(cid, [ind], fx.power_contrib,
                                      headers={"X-Renkei-Anonymity": mode})
                self.assertEqual(status["success_count"], 1, status)
        st, _, body = h.taxii("GET", "collections/%s/objects/?match[type]=identity" % cid,
                              token=fx.power_reader)
        ids = [o for o in body["objects"] if o["name"] != "power-two"]
        self.assertEqual(len(ids), 2, body)
        for ident in ids:
            oid, modified = ident["id"], ident["modified"]
            man = self.manifest(cid, "&match[id]=%s&match[version]=all" % oid)
            self.assertEqual([e["version"] for e in man], [modified], ident)
            st, _, got = h.taxii("GET", "collections/%s/objects/%s/versions/" % (cid, oid),
                                 token=fx.power_reader)
            self.assertEqual(got["versions"], [modified])
            st, _, got = h.taxii("GET", "collections/%s/objects/%s/?match[version]=%s"
                                 % (cid, oid, modified), token=fx.power_reader)
            self.assertEqual(st, 200, got)
            self.assertEqual([o["id"] for o in got.get("objects", [])], [oid])


if __name__ == "__main__":
    unittest.main()
