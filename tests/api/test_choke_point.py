# SPDX-License-Identifier: Apache-2.0
"""The access check cannot be bypassed: store_query is called only by the store, by
the read doors in src/policy/access.c and by the hub-internal index scan (index_read.c), no store operation that reads object data (READ_OPS,
every op of store.h classified below) is called outside src/store and src/policy, a status
is only read by policy_status_read, and GET /api/v1/routes lists every route of the server
for the coordinator, so the black-box sharing test can probe them all."""
import os
import re
import tempfile
import unittest

from harness import JSON, ROOT, HubTestCase

# The read doors (access.c: policy_query, under policy_hub_query too) and the one read without
# a requester (index_read.c: policy_index_scan, hub-internal, for in-memory indexes such as
# similar incidents; unaudited because nothing it reads leaves the process, and what is
# derived from it reaches a requester only through policy_hub_query: access.h).
ALLOWED = {os.path.join("src", "policy", "access.c"), os.path.join("src", "policy", "index_read.c")}
# Files that may call store_query WITHOUT any requester's access check: the hub-internal scan.
# A new one must be added here, and to access.h's warning, on purpose.
UNCHECKED_READERS = {os.path.join("src", "policy", "index_read.c")}
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


# The store operations that read object data: the versions, their bodies, their access
# metadata (who posted, scope, recipients), their originals or how many there are. Only the
# store itself and the policy layer, which applies the access check and audits, call them.
READ_OPS = {
    "query": "object versions of a collection (policy_query, policy_hub_query)",
    "find_object": "every version of an id, with access metadata",
    "first_other_sources": "who first posted each of a list of ids",
    "provenance_list": "the originals and real sources of an id",
    "count_objects": "how many versions a collection holds",
    "scope_rewrite": "every distinct access scope of the stored versions",
    "status_get": "a status resource: the ids and versions of an envelope",
}
# Every other op of struct store_ops, and why it is not a read of object data. A new op in
# store.h fails test_every_store_op_is_classified until it is put in one of the two lists.
NOT_READS = {
    "name": "the backend's name, not an op",
    "put_objects": "a write",
    "put_objects_then": "a write",
    "delete_object": "a write; what it may delete is read through policy_query first",
    "org_add": "entities", "org_get": "entities", "org_list": "entities",
    "org_update": "entities", "org_count_sector": "entities",
    "token_add": "entities", "token_get": "entities", "token_list": "entities",
    "token_remove": "entities",
    "collection_add": "entities", "collection_get": "entities", "collection_list": "entities",
    "collection_update": "entities", "collection_remove": "entities",
    "status_put": "a write",
    "setting_set": "settings", "setting_get": "settings",
    "audit_append": "the audit log, written by policy_audit_append",
    "audit_list": "the audit log, read by the coordinator's views in src/policy",
    "credit_add": "the credit ledger", "credit_list": "the credit ledger",
    "credit_sum": "the credit ledger",
    "write_tx": "a transaction around other ops",
    "close": "closing", "stats": "sizes and counts of the whole store, for /metrics",
    "record_put": "capability records (alert subscriptions, watchlists): no object data",
    "record_get": "capability records", "record_list": "capability records",
    "record_delete": "capability records",
    "event_append": "alert events: they name object versions (id, collection, date_added), "
                    "whose content is read through policy_hub_query at delivery",
    "event_since": "alert events of one organisation: references only, as event_append",
}
# Reads of the observable index: no object data (no body, scope or recipients), but each
# row's key, id, collection, date_added, TLP and the real source organisation and sector of
# the version (an anonymised post's too). For counts in analyze (correlation, search: k rule),
# never shown as such.
INDEX_READS = {
    "observable_since": "index rows after a seq: keys, ids, orgs, sectors, tlp, date_added",
    "observable_reports": "index rows of one key: keys, ids, orgs, sectors, tlp, date_added",
}
# Where READ_OPS may be called: the store itself and the policy layer.
READ_OPS_ALLOWED = (os.path.join("src", "store") + os.sep, os.path.join("src", "policy") + os.sep)


def op_call(op):
    """A call of op through its wrapper macro, or any use of it through the ops table."""
    return re.compile(r"\bstore_%s\s*\(|->\s*ops\s*->\s*%s\b" % (op, op))


def store_ops(root):
    """The field names of struct store_ops in root's src/store/store.h."""
    with open(os.path.join(root, "src", "store", "store.h"), encoding="utf-8") as f:
        code = strip_comments(f.read())
    body = re.search(r"struct\s+store_ops\s*\{(.*?)\n\};", code, re.S)
    assert body, "struct store_ops not found in store.h"
    names = re.findall(r"\(\s*\*\s*(\w+)\s*\)\s*\(", body.group(1))
    names += re.findall(r"^\s*const\s+char\s*\*\s*(\w+)\s*;", body.group(1), re.M)
    return set(names)


def read_offenders(root):
    """(file, op) for every use of a READ_OPS op in root's src/ outside the allowed folders."""
    found = []
    for base, _, files in os.walk(os.path.join(root, "src")):
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(base, name), root)
            if rel.startswith(READ_OPS_ALLOWED):
                continue
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                code = strip_comments(f.read())
            for op in sorted(READ_OPS):
                if op_call(op).search(code):
                    found.append((rel, op))
    return found


class TestChokePoint(unittest.TestCase):
    def test_every_store_op_is_classified(self):
        ops = store_ops(ROOT)
        self.assertGreater(len(ops), 30, "the parse of struct store_ops found too few ops")
        unknown = ops - set(READ_OPS) - set(NOT_READS) - set(INDEX_READS)
        self.assertEqual(unknown, set(),
                         "classify these store ops in READ_OPS, NOT_READS or INDEX_READS")
        self.assertEqual(set(READ_OPS) - ops, set(), "READ_OPS names ops store.h lacks")
        self.assertEqual(set(INDEX_READS) - ops, set(), "INDEX_READS names ops store.h lacks")
        self.assertEqual(set(READ_OPS) & set(NOT_READS), set())
        self.assertEqual((set(READ_OPS) | set(NOT_READS)) & set(INDEX_READS), set())

    def test_object_reads_only_in_the_store_and_the_policy_layer(self):
        self.assertEqual(read_offenders(ROOT), [],
                         "a store read of object data outside src/store and src/policy: read "
                         "through policy_query or policy_hub_query instead")

    def test_the_read_scanner_can_fail(self):
        """A fake tree: every read op called from a capability is found, in any form; the
        same calls in src/policy and src/store, in comments or of other ops are not."""
        with tempfile.TemporaryDirectory() as root:
            for d in ("store", "policy", "taxii", "export"):
                os.makedirs(os.path.join(root, "src", d))
            with open(os.path.join(ROOT, "src", "store", "store.h"), encoding="utf-8") as f:
                store_h = f.read()
            with open(os.path.join(root, "src", "store", "store.h"), "w") as f:
                f.write(store_h)
            calls = "".join("static void f_%s(struct store *s) { store_%s (s, 1); }\n" % (op, op)
                            for op in READ_OPS)
            with open(os.path.join(root, "src", "export", "feed.c"), "w") as f:
                f.write(calls)
            with open(os.path.join(root, "src", "taxii", "sneaky.c"), "w") as f:
                f.write("int g(struct store *s) { return s->ops->find_object(s, 0, 0, 0, 0); }\n"
                        "void *h(struct store *s) { return (void *)s->ops -> provenance_list; }\n"
                        "/* store_query(s) in a comment */ // store_count_objects(s)\n"
                        "int k(struct store *s) { return store_put_objects(s, 0, 0, 0, 0); }\n"
                        "struct store_query q; int store_query_count;\n")
            with open(os.path.join(root, "src", "policy", "door.c"), "w") as f:
                f.write(calls)
            found = read_offenders(root)
            self.assertEqual(sorted(op for rel, op in found if rel.endswith("feed.c")),
                             sorted(READ_OPS))
            self.assertEqual(sorted(op for rel, op in found if rel.endswith("sneaky.c")),
                             ["find_object", "provenance_list"])
            self.assertFalse([rel for rel, _ in found if "policy" in rel or "store" in rel])
            self.assertEqual(store_ops(root), store_ops(ROOT))

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
                    if rel == os.path.join("src", "policy", "access.c"):
                        seen_access = bool(hits)
                elif hits:
                    offenders.append(rel)
        self.assertEqual(offenders, [], "store_query called outside src/store and access.c")
        self.assertTrue(seen_access, "policy_query in access.c no longer calls store_query?")

    def test_the_unchecked_scan_is_hub_internal(self):
        """policy_index_scan reads without a requester: it is called only from the similar
        incidents service, which filters every id it answers with through policy_hub_query
        for the requester, and from the alert matcher, whose events name versions only and
        whose every delivery reads them through policy_hub_query as the recipient
        (src/alert/payload.c); from nowhere that builds a response by itself."""
        scan = re.compile(r"\bpolicy_index_scan\s*\(")
        callers = set()
        for base, _, files in os.walk(os.path.join(ROOT, "src")):
            for name in files:
                if not name.endswith(".c"):
                    continue
                rel = os.path.relpath(os.path.join(base, name), ROOT)
                with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
                    code = strip_comments(f.read())
                if scan.search(code) and rel not in UNCHECKED_READERS:
                    callers.add(rel)
        self.assertEqual(callers, {os.path.join("src", "analyze", "similar_service.c"),
                                   os.path.join("src", "alert", "match.c")},
                         "policy_index_scan is hub-internal: a new caller must filter what it "
                         "derives through policy_hub_query before any of it leaves, and be "
                         "listed here on purpose")
        for rel, why in ((("analyze", "similar_service.c"),
                          "the similar service no longer filters its matches per requester?"),
                         (("alert", "payload.c"),
                          "alert delivery no longer reads what it sends through the check?")):
            with open(os.path.join(ROOT, "src", *rel), encoding="utf-8") as f:
                code = strip_comments(f.read())
            self.assertRegex(code, r"\bpolicy_hub_query\s*\(", why)
        with open(os.path.join(ROOT, "src", "alert", "match.c"), encoding="utf-8") as f:
            code = strip_comments(f.read())
        self.assertNotRegex(code, r"\bhttp_", "the matcher builds no response")

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
