# SPDX-License-Identifier: Apache-2.0
"""The access check cannot be bypassed: store_query is called only by the store and by
policy_query (src/policy/access.c), a status only read by policy_status_read, and GET /api/v1/routes lists every route of the server
for the coordinator, so the black-box sharing test can probe them all."""
import os
import re
import unittest

from harness import JSON, ROOT, HubTestCase

ALLOWED = {os.path.join("src", "policy", "access.c")}
# A call of the store's query op, through the wrapper macro or the ops table.
CALL = re.compile(r"\bstore_query\s*\(|->\s*ops\s*->\s*query\s*\(")


def strip_comments(text):
    """C source without /* */ and // comments (string literals are left alone)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


class TestChokePoint(unittest.TestCase):
    def test_store_query_only_in_the_store_and_access_c(self):
        offenders, seen_access = [], False
        for base, _, files in os.walk(os.path.join(ROOT, "src")):
            for name in files:
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(base, name)
                rel = os.path.relpath(path, ROOT)
                if rel.startswith(os.path.join("src", "store") + os.sep):
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    code = strip_comments(f.read())
                hits = CALL.findall(code)
                if rel in ALLOWED:
                    seen_access = seen_access or bool(hits)
                elif hits:
                    offenders.append(rel)
        self.assertEqual(offenders, [], "store_query called outside src/store and access.c")
        self.assertTrue(seen_access, "policy_query in access.c no longer calls store_query?")

    def test_status_reads_only_through_policy(self):
        """A status resource is read only by policy_status_read (src/policy/status.c), which
        decides who may see it; no capability reads the store's statuses itself."""
        read = re.compile(r"\bstore_status_get\s*\(|->\s*ops\s*->\s*status_get\s*\(")
        offenders, seen = [], False
        for base, _, files in os.walk(os.path.join(ROOT, "src")):
            for name in files:
                if not name.endswith((".c", ".h")):
                    continue
                rel = os.path.relpath(os.path.join(base, name), ROOT)
                if rel.startswith(os.path.join("src", "store") + os.sep):
                    continue
                with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
                    hits = read.findall(strip_comments(f.read()))
                if rel == os.path.join("src", "policy", "status.c"):
                    seen = bool(hits)
                elif hits:
                    offenders.append(rel)
        self.assertEqual(offenders, [], "store_status_get called outside src/store and status.c")
        self.assertTrue(seen, "policy_status_read no longer reads the status?")

    def test_the_scanner_sees_calls_not_comments(self):
        self.assertTrue(CALL.search(strip_comments("rc = store_query(s, &q, f, c);")))
        self.assertTrue(CALL.search(strip_comments("s->ops->query(s, &q);")))
        self.assertFalse(CALL.search(strip_comments("/* never store_query(x) */ int a;")))
        self.assertFalse(CALL.search(strip_comments("// store_query(x)\nint a;")))


class TestRouteList(HubTestCase):
    def routes(self):
        st, _, body = self.hub.req("GET", "/api/v1/routes", token=self.fx.coord, accept=JSON)
        self.assertEqual(st, 200, body)
        return body["routes"]

    def test_coordinator_gets_every_route(self):
        routes = self.routes()
        names = {r["name"] for r in routes}
        for want in ("taxii-discovery", "taxii-objects", "taxii-object", "taxii-versions",
                     "taxii-manifest", "taxii-add-objects", "taxii-delete-object",
                     "taxii-status", "api-orgs-list", "api-routes", "healthz"):
            self.assertIn(want, names)
        for r in routes:
            self.assertIn(r["method"], ("GET", "POST", "PUT", "DELETE", "PATCH"), r)
            self.assertTrue(r["pattern"].startswith("/"), r)
            self.assertTrue(r["name"], r)
            self.assertTrue(set(r["flags"]) <= {"taxii", "json", "public"}, r)
        self.assertEqual(len(names), len(routes), "route names must be unique")
        objects = [r for r in routes if r["name"] == "taxii-objects"][0]
        self.assertEqual(objects["pattern"], "/{root}/collections/{id}/objects/")
        self.assertIn("taxii", objects["flags"])

    def test_others_may_not_list_routes(self):
        st, _, _ = self.hub.req("GET", "/api/v1/routes", accept=JSON)
        self.assertEqual(st, 401)
        st, _, _ = self.hub.req("GET", "/api/v1/routes", token=self.fx.power_reader, accept=JSON)
        self.assertEqual(st, 403)


if __name__ == "__main__":
    unittest.main()
