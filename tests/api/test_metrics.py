# SPDX-License-Identifier: Apache-2.0
"""GET /metrics, black box: the Prometheus text format 0.0.4 parsed strictly (every line a
HELP, a TYPE or a sample with valid labels; families typed before their samples, contiguous,
without duplicate series; histograms cumulative up to a +Inf bucket equal to their count);
the counters that move with requests and posts; who may read it (the coordinator and tokens
of the metrics role); and a metrics token refused on every other route the server lists,
even those open to anonymous clients."""
import hashlib
import math
import os
import re
import subprocess
import unittest

from harness import API_ROOT, JSON, ROOT, TAXII, HubTestCase, indicator, renkei_bin

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METRIC = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE_RE = re.compile(r'^"((?:[^"\\\n]|\\["\\n])*)"')
FLOAT_RE = re.compile(r"^(?:[+-]?Inf|NaN|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class ExpositionError(AssertionError):
    pass


def parse_labels(text, where):
    """'a="x",b="y"' (the part between the braces) -> dict; raises on anything else."""
    labels, rest = {}, text
    while rest:
        m = re.match(LABEL + "=", rest)
        if not m:
            raise ExpositionError("%s: bad label name at %r" % (where, rest))
        name = m.group(0)[:-1]
        rest = rest[m.end():]
        v = VALUE_RE.match(rest)
        if not v:
            raise ExpositionError("%s: bad label value at %r" % (where, rest))
        if name in labels:
            raise ExpositionError("%s: label %s twice" % (where, name))
        labels[name] = re.sub(r"\\(.)", lambda g: "\n" if g.group(1) == "n" else g.group(1),
                              v.group(1))
        rest = rest[v.end():]
        if rest.startswith(","):
            rest = rest[1:]
            if not rest:
                break  # a trailing comma is allowed
        elif rest:
            raise ExpositionError("%s: expected ',' at %r" % (where, rest))
    return labels


def family_of(name, families):
    """The family a sample name belongs to (a histogram's _bucket, _sum and _count)."""
    if name in families:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)] if name.endswith(suffix) else None
        if base and families.get(base, {}).get("type") in ("histogram", "summary"):
            return base
    return None


def parse(text):
    """The exposition text -> {family: {"type", "help", "samples": [(name, labels, value)]}}.
    Raises ExpositionError on anything the format (0.0.4) does not allow, or that renkei
    promises beyond it: every sample has a TYPE, a family's samples are contiguous."""
    if not text.endswith("\n"):
        raise ExpositionError("the text does not end with a newline")
    families, done, current, series = {}, set(), None, set()
    for i, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d %r" % (i, line)
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (" + METRIC + r") (.*)$", line)
            if not m:
                if re.match(r"^# (HELP|TYPE)\b", line):
                    raise ExpositionError("%s: malformed %s line" % (where, line.split()[1]))
                continue  # another comment
            kind, name, rest = m.groups()
            fam = families.setdefault(name, {"type": None, "help": None, "samples": []})
            if name in done:
                raise ExpositionError("%s: %s after the family's samples" % (where, kind))
            if kind == "TYPE":
                if fam["type"] is not None:
                    raise ExpositionError("%s: second TYPE" % where)
                if fam["samples"]:
                    raise ExpositionError("%s: TYPE after samples" % where)
                if rest not in TYPES:
                    raise ExpositionError("%s: unknown type" % where)
                fam["type"] = rest
            else:
                if fam["help"] is not None:
                    raise ExpositionError("%s: second HELP" % where)
                fam["help"] = rest
            continue
        if not line.strip():
            raise ExpositionError("%s: empty line" % where)
        m = re.match(r"^(" + METRIC + r")(\{([^\n]*)\})? (\S+)(?: (-?\d+))?$", line)
        if not m:
            raise ExpositionError("%s: not a sample" % where)
        name, labels_text, value = m.group(1), m.group(3), m.group(4)
        labels = parse_labels(labels_text or "", where)
        if not FLOAT_RE.match(value):
            raise ExpositionError("%s: bad value" % where)
        fam_name = family_of(name, families)
        if fam_name is None or families[fam_name]["type"] is None:
            raise ExpositionError("%s: a sample without a TYPE line before it" % where)
        if current is not None and fam_name != current:
            done.add(current)
        if fam_name in done:
            raise ExpositionError("%s: the samples of %s are not together" % (where, fam_name))
        current = fam_name
        key = (name, tuple(sorted(labels.items())))
        if key in series:
            raise ExpositionError("%s: the same series twice" % where)
        series.add(key)
        families[fam_name]["samples"].append((name, labels, float(value)))
    for name, fam in families.items():
        if fam["type"] == "counter" and any(v < 0 for _, _, v in fam["samples"]):
            raise ExpositionError("counter %s below zero" % name)
        if fam["type"] == "histogram":
            check_histogram(name, fam["samples"])
    return families


def check_histogram(name, samples):
    groups = {}
    for sname, labels, value in samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        g = groups.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if sname == name + "_bucket":
            if "le" not in labels:
                raise ExpositionError("%s: a bucket without le" % name)
            g["buckets"].append((float(labels["le"]), value))
        elif sname == name + "_sum":
            g["sum"] = value
        elif sname == name + "_count":
            g["count"] = value
        else:
            raise ExpositionError("%s: sample %s in a histogram" % (name, sname))
    for rest, g in groups.items():
        les = [le for le, _ in g["buckets"]]
        if les != sorted(les) or not les or not math.isinf(les[-1]):
            raise ExpositionError("%s %r: buckets not ascending up to +Inf" % (name, rest))
        counts = [v for _, v in g["buckets"]]
        if counts != sorted(counts):
            raise ExpositionError("%s %r: buckets not cumulative" % (name, rest))
        if g["count"] is None or g["sum"] is None or g["count"] != counts[-1]:
            raise ExpositionError("%s %r: _count, _sum or +Inf missing or different" % (name,
                                                                                        rest))


def value(fams, family, sample=None, **labels):
    """The value of the one sample of family with these labels (0 when absent)."""
    sample = sample or family
    for name, lab, v in fams.get(family, {}).get("samples", []):
        if name == sample and all(lab.get(k) == str(x) for k, x in labels.items()):
            return v
    return 0


class TestExpositionParser(unittest.TestCase):
    """The parser the tests rely on refuses what the format refuses."""

    GOOD = ("# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\",y=\"q\\\"\"} 3\n"
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3.5\n"
            "h_count 2\n")

    def test_good_text_parses(self):
        fams = parse(self.GOOD)
        self.assertEqual(value(fams, "a_total", x=1), 3)
        self.assertEqual(fams["a_total"]["samples"][0][1]["y"], 'q"')

    def test_bad_texts_are_refused(self):
        bad = {
            "no newline at the end": self.GOOD[:-1],
            "untyped sample": "a 1\n",
            "bad label name": "# TYPE a gauge\na{1x=\"v\"} 1\n",
            "unquoted label": "# TYPE a gauge\na{x=v} 1\n",
            "bad escape": "# TYPE a gauge\na{x=\"\\t\"} 1\n",
            "bad value": "# TYPE a gauge\na 1,5\n",
            "second TYPE": "# TYPE a gauge\n# TYPE a gauge\na 1\n",
            "TYPE after samples": "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a x\n",
            "split family": "# TYPE a gauge\n# TYPE b gauge\na{x=\"1\"} 1\nb 1\na 2\n",
            "duplicate series": "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n",
            "empty line": "# TYPE a gauge\n\na 1\n",
            "negative counter": "# TYPE a_total counter\na_total -1\n",
            "histogram not cumulative": "# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                                        "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
            "histogram without +Inf": "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\n"
                                      "h_count 1\n",
            "histogram count differs": "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
                                       "h_count 2\n",
            "bad metric name": "# TYPE a-b gauge\na-b 1\n",
        }
        for why, text in bad.items():
            with self.subTest(why):
                with self.assertRaises(ExpositionError):
                    parse(text)


class TestMetrics(HubTestCase):
    @classmethod
    def extra_setup(cls):
        cls.metrics = cls.hub.token_create(cls.fx.bank, "metrics")

    def scrape(self, token=None, **kw):
        st, hdrs, body = self.hub.req("GET", "/metrics", token=token or self.fx.coord,
                                      accept=None, **kw)
        self.assertEqual(st, 200, body)
        self.assertEqual(hdrs.get("Content-Type"), CONTENT_TYPE)
        self.assertIsInstance(body, bytes)
        return parse(body.decode("utf-8"))

    def test_every_family_typed_and_documented(self):
        fams = self.scrape()
        want = {
            "renkei_build_info": "gauge",
            "renkei_http_requests_total": "counter",
            "renkei_http_request_duration_seconds": "histogram",
            "renkei_objects_ingested_total": "counter",
            "renkei_objects_refused_total": "counter",
            "renkei_store_size_bytes": "gauge",
            "renkei_store_wal_size_bytes": "gauge",
            "renkei_audit_entries": "gauge",
        }
        for name, typ in want.items():
            self.assertIn(name, fams)
            self.assertEqual(fams[name]["type"], typ, name)
            self.assertTrue(fams[name]["help"], name)
        with open(os.path.join(ROOT, "docs", "operations.md"), encoding="utf-8") as f:
            doc = f.read()
        for name in fams:
            self.assertIn("`%s`" % name, doc, "docs/operations.md does not list %s" % name)
        version = subprocess.run([renkei_bin(), "--version"], capture_output=True,
                                 text=True).stdout.split()[-1]
        self.assertEqual(fams["renkei_build_info"]["samples"],
                         [("renkei_build_info", {"version": version}, 1.0)])
        self.assertGreater(value(fams, "renkei_store_size_bytes"), 0)
        self.assertGreaterEqual(value(fams, "renkei_store_wal_size_bytes"), 0)
        self.assertGreaterEqual(value(fams, "renkei_audit_entries"), 1)  # init is audited

    def test_counters_move_with_requests_and_posts(self):
        before = self.scrape()
        for _ in range(3):
            st, _, _ = self.hub.get_objects(self.fx.c_all, self.fx.power_reader)
            self.assertEqual(st, 200)
        bad = indicator(1)
        bad["pattern"] = "[ipv4-addr:value = '198.51.100.300']"
        st, _, status = self.hub.post_objects(self.fx.c_all, [indicator(2), indicator(3), bad],
                                              self.fx.power_contrib)
        self.assertEqual(st, 202, status)
        st, _, _ = self.hub.req("GET", "/no/such/thing", token=self.fx.power_reader)
        self.assertEqual(st, 404)
        st, _, made = self.hub.req("POST", "/api/v1/tokens", token=self.fx.coord, accept=JSON,
                                   body={"org": self.fx.rail, "role": "reader"},
                                   content_type=JSON)
        self.assertEqual(st, 201, made)  # audited
        after = self.scrape()

        def diff(family, sample=None, **labels):
            return value(after, family, sample, **labels) - value(before, family, sample,
                                                                  **labels)

        req = "renkei_http_requests_total"
        self.assertEqual(diff(req, route="taxii-objects", code=200), 3)
        self.assertEqual(diff(req, route="taxii-add-objects", code=202), 1)
        self.assertEqual(diff(req, route="none", code=404), 1)
        self.assertEqual(diff(req, route="api-tokens-add", code=201), 1)
        self.assertEqual(diff(req, route="metrics", code=200), 1)  # the first scrape
        lat = "renkei_http_request_duration_seconds"
        self.assertEqual(diff(lat, lat + "_count", route="taxii-objects"), 3)
        self.assertGreater(diff(lat, lat + "_sum", route="taxii-objects"), 0)
        self.assertEqual(diff("renkei_objects_ingested_total"), 2)
        self.assertEqual(diff("renkei_objects_refused_total"), 1)
        self.assertGreaterEqual(diff("renkei_audit_entries"), 1)

    def test_who_may_read(self):
        self.scrape(self.fx.coord)
        self.scrape(self.metrics)
        st, _, _ = self.hub.req("GET", "/metrics", basic=("prometheus", self.metrics),
                                accept=None)
        self.assertEqual(st, 200)
        for tok in (self.fx.power_reader, self.fx.power_contrib, self.fx.power_analyst):
            st, hdrs, body = self.hub.req("GET", "/metrics", token=tok, accept=None)
            self.assertEqual(st, 403, body)
            self.assertEqual(hdrs.get("Content-Type"), JSON)
            self.assertIn("error", body)
        st, hdrs, body = self.hub.req("GET", "/metrics", accept=None)
        self.assertEqual(st, 401, body)
        self.assertTrue(hdrs.get("WWW-Authenticate"))
        st, hdrs, _ = self.hub.req("POST", "/metrics", token=self.fx.coord, body={},
                                   content_type=JSON, accept=None)
        self.assertEqual(st, 405)
        self.assertEqual(hdrs.get("Allow"), "GET")

    def test_only_the_coordinator_makes_metrics_tokens(self):
        st, _, body = self.hub.req("POST", "/api/v1/tokens", token=self.fx.power_contrib,
                                   accept=JSON, body={"org": self.fx.power, "role": "metrics"},
                                   content_type=JSON)
        self.assertEqual(st, 403, body)
        st, _, body = self.hub.req("POST", "/api/v1/tokens", token=self.fx.coord, accept=JSON,
                                   body={"org": self.fx.power, "role": "metrics"},
                                   content_type=JSON)
        self.assertEqual(st, 201, body)
        self.assertEqual(body["role"], "metrics")
        self.scrape(body["token"])

    def test_metrics_token_refused_on_every_other_route(self):
        """Every route the server lists but /metrics answers a metrics token 403, before its
        handler runs: even the public ones an anonymous client may read."""
        st, _, body = self.hub.req("GET", "/api/v1/routes", token=self.fx.coord, accept=JSON)
        self.assertEqual(st, 200, body)
        routes = body["routes"]
        oid = indicator(9)
        self.post_ok(self.fx.c_public, [oid], self.fx.power_contrib)
        tid = hashlib.blake2b(self.fx.rail_reader.encode(), digest_size=32).hexdigest()[:16]
        fill = {"root": API_ROOT.strip("/"), "oid": oid["id"],
                "sub": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "seq": "1"}
        failures, probed = [], 0
        for r in routes:
            if r["name"] == "metrics":
                continue
            path = r["pattern"]
            for name, v in fill.items():
                path = path.replace("{%s}" % name, v)
            if "{id}" in path:
                if path.startswith("/api/v1/orgs/"):
                    ident = self.fx.org_ids[self.fx.power]
                elif path.startswith("/api/v1/tokens/"):
                    ident = tid
                elif path.startswith("/api/v1/provenance/"):
                    ident = oid["id"]
                elif "/status/" in path:
                    ident = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
                else:
                    ident = self.fx.c_public
                path = path.replace("{id}", ident)
            self.assertNotIn("{", path, r)
            taxii = "taxii" in r["flags"]
            body = None
            if r["method"] in ("POST", "PUT", "PATCH"):
                body = {"objects": [indicator(10)]} if taxii else {"org": self.fx.bank,
                                                                   "role": "reader"}
            for auth in ({"token": self.metrics}, {"basic": ("prometheus", self.metrics)}):
                # a route of its own media (the event stream) is asked in it, else the
                # server's 406 would answer before the gate
                media = r.get("media") if r.get("media") not in (None, "any") else None
                st, _, answer = self.hub.req(r["method"], path, body=body,
                                             accept=media or (TAXII if taxii else JSON),
                                             content_type=(TAXII if taxii else JSON)
                                             if body is not None else None, **auth)
                probed += 1
                if st != 403:
                    failures.append("%s %s (%s): %d %r" % (r["method"], path, r["name"], st,
                                                           answer))
        self.assertEqual(failures, [])
        self.assertGreater(probed, 40)
        # The public collection and the discovery are open to anyone else...
        st, _, _ = self.hub.get_objects(self.fx.c_public, None)
        self.assertEqual(st, 200)
        # ...and nothing the metrics token tried changed anything: the object it tried to
        # delete is there, the one it tried to post is not.
        st, _, got = self.hub.get_objects(self.fx.c_public, self.fx.power_reader)
        self.assertEqual(st, 200)
        self.assertEqual([o["id"] for o in got["objects"]], [oid["id"]])


if __name__ == "__main__":
    unittest.main()
