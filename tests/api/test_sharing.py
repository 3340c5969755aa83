# SPDX-License-Identifier: Apache-2.0
"""Sharing policy, black box: try to break TLP, scope, anonymity, provenance, audit, credit.

One hub for the module (sharing_world.World): 12 organisations (6 electric-power so the
sector meets k=5, 2 finance below k, medical, ISP with own identifiers, gas, railways) plus
the coordinator post objects with every TLP (1.0 and 2.0 ids, granular markings, none ->
automatic scope) in every anonymity mode (org, token, X-Renkei-Anonymity header,
x_renkei_anonymity property), named recipients, relationships and sightings that join
visible and invisible objects. Then every org, the coordinator and an anonymous client read
through every route the server lists at GET /api/v1/routes: the raw bytes of each answer
must not contain anything the model (World.may_see_entry, the rules of the issue) forbids,
and what the model says is visible must be visible. A route the server lists that PROBES
does not know fails the module: add a probe, never an exemption.
"""
import hashlib
import http.client
import json
import re
import socket
import subprocess
import unittest
import urllib.parse

from harness import API_ROOT, JSON, HubTestCase, indicator
from sharing_world import (K, OWN_ID_RES, REMOVED, REMOVED_NAMES, SECTOR_NAMES, TLP2,
                           World, make)

# ---- probes: one per route the hub may list --------------------------------------------

ZERO_UUID = "00000000-0000-4000-8000-000000000000"


def norm(pattern):
    """'/{root}/collections/{id}/' -> '/{}/collections/{}' (placeholders and slash free)."""
    p = re.sub(r"\{[^}]*\}", "{}", pattern)
    return p.rstrip("/") or "/"


class Sweep:
    """Runs every probe as every reader and collects violations."""

    def __init__(self, tc, world):
        self.tc, self.w, self.hub = tc, world, world.hub
        self.violations = []
        self.requests = 0

    def fetch(self, method, path, token, accept=None, body=None):
        is_api = path.startswith("/api/") or path.startswith("/healthz")
        acc = accept or (JSON if is_api else None)
        kw = {"accept": acc} if acc else {}
        if body is not None:
            kw["body"] = body
            kw["content_type"] = JSON if is_api else None
        st, hdrs, val = self.hub.req(method, path, token=token, **kw)
        self.requests += 1
        raw = (self.hub.last_raw or b"") + b"\n" + str(hdrs).encode()
        return st, val, raw

    def check(self, rkey, reader, route, path, raw, data_route=True, skip_names=False,
              skip_ids=False, skip_values=False, extra=(), status=200, skip_own_ids=False):
        bad, regexes = self.w.forbidden(reader, data_route=data_route)
        low = raw.lower()
        for s, why in list(bad.items()) + list(extra):
            echoable = why == "invisible object" or s.startswith(b"identity--")
            if status >= 400 and echoable and s.decode() in path:
                continue  # an error may echo the id the request named: that reveals nothing
            if skip_own_ids and (why.startswith("dropped own identity") or
                                 why.startswith("identity id")):
                continue
            if why == "invisible object" and skip_ids:
                continue
            if why.startswith("name of") or why.startswith("identity id"):
                if skip_names:
                    continue
            if why.startswith("value of") and skip_values:
                continue
            if s.lower() in low:
                self.violations.append("%s %s %s: contains %r (%s)"
                                       % (rkey, route, path, s.decode(), why))
        if not skip_values:
            for rx in regexes:
                m = rx.search(raw)
                if m:
                    self.violations.append("%s %s %s: contains own identifier %r"
                                           % (rkey, route, path, m.group(0).decode()))

    def expect_status(self, rkey, route, path, st, allowed):
        if st not in allowed:
            self.violations.append("%s %s %s: HTTP %d, expected one of %s"
                                   % (rkey, route, path, st, sorted(allowed)))

    # -- the probes: (self, route, rkey, reader, token) ------------------------------------

    def p_simple(self, route, rkey, reader, token, path):
        st, _, raw = self.fetch("GET", path, token)
        self.check(rkey, reader, route, path, raw, status=st)

    def p_healthz(self, route, rkey, reader, token):
        self.p_simple(route, rkey, reader, token, "/healthz")

    def p_discovery(self, route, rkey, reader, token):
        self.p_simple(route, rkey, reader, token, "/taxii2/")

    def p_api_root(self, route, rkey, reader, token):
        self.p_simple(route, rkey, reader, token, API_ROOT)

    def p_collections(self, route, rkey, reader, token):
        self.p_simple(route, rkey, reader, token, API_ROOT + "collections/")

    def colls(self):
        return [(k, v[0]) for k, v in sorted(self.w.colls.items())]

    def p_collection(self, route, rkey, reader, token):
        for _, cid in self.colls():
            self.p_simple(route, rkey, reader, token, "%scollections/%s/" % (API_ROOT, cid))

    def p_manifest(self, route, rkey, reader, token):
        for _, cid in self.colls():
            self.p_simple(route, rkey, reader, token,
                          "%scollections/%s/manifest/?limit=1000" % (API_ROOT, cid))

    def p_objects(self, route, rkey, reader, token):
        ids = ",".join(sorted(self.w.all_ids()))
        for _, cid in self.colls():
            base = "%scollections/%s/objects/" % (API_ROOT, cid)
            for q in ("?limit=1000", "?limit=1000&match[version]=all",
                      "?limit=1000&match[id]=" + ids,
                      "?limit=1000&match[spec_version]=2.1&match[version]=all"):
                self.p_simple(route, rkey, reader, token, base + q)

    def p_object(self, route, rkey, reader, token, suffix=""):
        for e in self.w.entries:
            cid = self.w.colls[e.coll][0]
            path = "%scollections/%s/objects/%s/%s" % (API_ROOT, cid, e.id, suffix)
            st, _, raw = self.fetch("GET", path, token)
            self.check(rkey, reader, route, path, raw, status=st)
            if e.id not in self.w.visible_ids(reader) and st == 200:
                self.violations.append("%s %s %s: HTTP 200 for an invisible object (%s)"
                                       % (rkey, route, path, e.key))

    def p_versions(self, route, rkey, reader, token):
        self.p_object(route, rkey, reader, token, "versions/")

    def p_status(self, route, rkey, reader, token):
        for sid, poster, _ in self.w.statuses:
            path = "%sstatus/%s/" % (API_ROOT, sid)
            st, _, raw = self.fetch("GET", path, token)
            own = reader not in (None, "coord") and reader.key == poster
            if own or reader == "coord":
                self.expect_status(rkey, route, path, st, {200})
                # the poster sees its own ids (the status lists every object it posted, its
                # own dropped identity objects too, by id; the coordinator may know them from
                # the provenance vault); nobody may see removed values or own identifiers
                self.check(rkey, reader, route, path, raw, data_route=False, skip_ids=True,
                           skip_names=own, skip_own_ids=True)
            else:
                self.expect_status(rkey, route, path, st, {401, 404})
                self.check(rkey, reader, route, path, raw)

    def p_add(self, route, rkey, reader, token):
        # readers cannot write; the refusal must say nothing about what is stored
        path = "%scollections/%s/objects/" % (API_ROOT, self.w.colls["all"][0])
        st, _, raw = self.fetch("POST", path, token, body={"objects": [indicator(7)]},
                                accept="application/taxii+json;version=2.1")
        if reader != "coord":
            self.expect_status(rkey, route, path, st, {401, 403, 404})
        self.check(rkey, reader, route, path, raw)

    def p_delete(self, route, rkey, reader, token):
        # with the most powerful token of the reader: deleting what it cannot see is 404
        if reader is None:
            tok = None
        elif reader == "coord":
            tok = token
        else:
            tok = reader.contrib
        vis = self.w.visible_ids(reader)
        for e in self.w.entries:
            if e.id in vis or not e.ok:
                continue
            cid = self.w.colls[e.coll][0]
            path = "%scollections/%s/objects/%s/" % (API_ROOT, cid, e.id)
            st, _, raw = self.fetch("DELETE", path, tok)
            self.expect_status(rkey, route, path, st, {401, 403, 404})
            self.check(rkey, reader, route, path, raw, status=st)

    def p_correlations(self, route, rkey, reader, token):
        # the hub's groupings name no reporter: no organisation's name, id or identity, no
        # value of an object the reader may not see, and counts under k never as numbers
        path = "/api/v1/correlations?limit=1000"
        st, val, raw = self.fetch("GET", path, token)
        self.expect_status(rkey, route, path, st, {401} if reader is None else {200})
        extra = []
        for o in self.w.orgs.values():
            extra.append((o.name.encode(), "name of an organisation"))
            if o.id:
                extra.append((o.id.encode(), "id of an organisation"))
        self.check(rkey, reader, route, path, raw, extra=extra, status=st)
        for c in (val or {}).get("correlations", []) if isinstance(val, dict) else []:
            n = c.get("organisations")
            if isinstance(n, int) and n < K:
                self.violations.append("%s %s: organisations = %d identifies fewer than k"
                                       % (rkey, route, n))

    def p_admin_get(self, route, rkey, reader, token, path, coord_skip_names=True,
                    coord_skip_ids=False, coord_skip_values=False):
        st, _, raw = self.fetch("GET", path, token)
        if reader == "coord":
            self.expect_status(rkey, route, path, st, {200})
            self.check(rkey, reader, route, path, raw, data_route=False,
                       skip_names=coord_skip_names, skip_ids=coord_skip_ids,
                       skip_values=coord_skip_values)
        else:
            self.expect_status(rkey, route, path, st, {401, 403, 404})
            self.check(rkey, reader, route, path, raw, data_route=False)

    def p_orgs(self, route, rkey, reader, token):
        # the coordinator registered the own identifiers: it may read them back
        self.p_admin_get(route, rkey, reader, token, "/api/v1/orgs", coord_skip_values=True)

    def p_admin_colls(self, route, rkey, reader, token):
        self.p_admin_get(route, rkey, reader, token, "/api/v1/collections")

    def p_routes(self, route, rkey, reader, token):
        self.p_admin_get(route, rkey, reader, token, "/api/v1/routes")

    def p_metrics(self, route, rkey, reader, token):
        # counts by route and status for the coordinator (and metrics tokens): no name, id or
        # value of anything shared, whoever asks
        self.p_admin_get(route, rkey, reader, token, "/metrics", coord_skip_names=False)

    def p_policy_get(self, route, rkey, reader, token):
        self.p_admin_get(route, rkey, reader, token, "/api/v1/policy")

    def p_audit(self, route, rkey, reader, token):
        # the coordinator's audit view names readers and the ids they read: that is its job
        self.p_admin_get(route, rkey, reader, token, "/api/v1/audit?limit=1000",
                         coord_skip_ids=True)

    def p_provenance(self, route, rkey, reader, token):
        for e in self.w.entries:
            if not e.ok:
                continue
            path = "/api/v1/provenance/%s" % e.id
            if reader == "coord":
                continue  # the vault holds originals by design; test_provenance_* checks it
            st, _, raw = self.fetch("GET", path, token)
            self.expect_status(rkey, route, path, st, {401, 404})
            self.check(rkey, reader, route, path, raw, data_route=False, status=st)

    def p_extension_definition(self, route, rkey, reader, token):
        # the renkei extension's definition: one static object, the same for every member,
        # naming nobody; an unknown id is 404 for everyone
        ext = "extension-definition--339bfdf3-09f0-4caa-8372-1c66d35747c1"
        for oid, want in ((ext, 200), ("extension-definition--" + ZERO_UUID, 404)):
            path = "/api/v1/extension-definitions/" + oid
            st, _, raw = self.fetch("GET", path, token)
            self.expect_status(rkey, route, path, st, {401} if reader is None else {want})
            self.check(rkey, reader, route, path, raw, status=st)

    def p_credit(self, route, rkey, reader, token):
        path = "/api/v1/credit"
        st, val, raw = self.fetch("GET", path, token)
        if reader is None:
            self.expect_status(rkey, route, path, st, {401})
        elif reader != "coord":
            self.expect_status(rkey, route, path, st, {200})
        extra = []
        if reader not in (None, "coord"):
            # who used my data is never told: no other org's name, id or sector
            for o in self.w.orgs.values():
                if o.key != reader.key:
                    extra.append((o.name.encode(), "name of another organisation"))
                    extra.append((o.id.encode(), "id of another organisation"))
            for sec in SECTOR_NAMES:
                if sec != reader.sector:
                    extra.append((('"%s"' % sec).encode(), "sector key of a user"))
        self.check(rkey, reader, route, path, raw, data_route=False, extra=extra)
        if isinstance(val, dict):
            used = val.get("used_by") or {}
            for k, v in used.items():
                if isinstance(v, int) and 0 < v < K:
                    self.violations.append("%s %s: used_by.%s = %d identifies fewer than k"
                                           % (rkey, path, k, v))

    def search_values(self):
        """Every value the world's indicator patterns and SCOs compare or hold."""
        vals = set()
        for e in self.w.entries:
            vals.update(re.findall(r"'([^']+)'", e.obj.get("pattern", "")))
            if isinstance(e.obj.get("value"), str):
                vals.add(e.obj["value"])
        return sorted(vals)

    def p_search(self, route, rkey, reader, token):
        vals = self.search_values()
        visible = self.w.visible_ids(reader) if reader is not None else set()
        known = self.w.all_ids()
        listed = 0
        for i in range(0, len(vals), 20):
            q = ",".join(v.replace(",", "") for v in vals[i:i + 20])
            path = "/api/v1/search?limit=1000&q=" + urllib.parse.quote(q)
            st, val, raw = self.fetch("GET", path, token)
            if reader is None:
                self.expect_status(rkey, route, path, st, {401})
                continue
            if st == 400:  # a value the hub does not index (e.g. a redacted one): one by one
                continue
            self.expect_status(rkey, route, path, st, {200})
            # never who reported: no name or identity of anyone in the answer; the values
            # asked (own identifiers among them) are echoed normalised, which tells nothing
            self.check(rkey, reader, route, path, raw, skip_values=True)
            for r in (val or {}).get("results", []) if isinstance(val, dict) else []:
                listed += len(r.get("objects", []))
                for o in r.get("objects", []):
                    if o.get("id") in known and o.get("id") not in visible:
                        self.violations.append("%s %s %s: lists %s, which it may not see"
                                               % (rkey, route, path, o.get("id")))
                n = r.get("organisations")
                if isinstance(n, int) and 0 < n < K:
                    self.violations.append("%s %s: organisations = %d, fewer than k" %
                                           (rkey, path, n))
        if reader is not None and visible and listed == 0:  # the probe must see something
            self.violations.append("%s %s: no object listed for any value, though %d are "
                                   "visible" % (rkey, route, len(visible)))

    def p_admin_write(self, route, rkey, reader, token, method, path):
        if reader == "coord":
            return  # the coordinator's writes are tested by test_admin and the world build
        st, _, raw = self.fetch(method, path, token, body={})
        self.expect_status(rkey, route, path, st, {401, 403, 404})
        self.check(rkey, reader, route, path, raw, data_route=False)

    def p_orgs_add(self, route, rkey, reader, token):
        self.p_admin_write(route, rkey, reader, token, "POST", "/api/v1/orgs")

    def p_tokens_add(self, route, rkey, reader, token):
        # a member may create tokens for itself (test_token_minting); here a reader token
        # asks for one of another organisation, and one of its own
        if reader == "coord":
            return
        other = [o for o in self.w.orgs.values() if reader is None or o.key != reader.key][0]
        path = "/api/v1/tokens"
        for org in [other.name] + ([reader.name] if reader is not None else []):
            st, _, raw = self.fetch("POST", path, token, body={"org": org, "role": "reader"})
            self.expect_status(rkey, route, path, st, {401, 403})
            self.check(rkey, reader, route, path, raw, data_route=False)

    def p_tokens_list(self, route, rkey, reader, token):
        # a member sees its own organisation's tokens, and no other organisation's
        path = "/api/v1/tokens"
        if reader in (None, "coord"):
            self.p_admin_get(route, rkey, reader, token, path)
            return
        st, val, raw = self.fetch("GET", path, token)
        self.expect_status(rkey, route, path, st, {200})
        extra = [(o.id.encode(), "id of another organisation")
                 for o in self.w.orgs.values() if o.key != reader.key]
        self.check(rkey, reader, route, path, raw, data_route=False, extra=extra)
        rows = val.get("tokens", []) if isinstance(val, dict) else []
        if not rows or any(t.get("org_id") != reader.id for t in rows):
            self.violations.append("%s %s %s: not exactly its own organisation's tokens"
                                   % (rkey, route, path))
        for o in self.w.orgs.values():
            if o.key != reader.key:
                st, _, raw = self.fetch("GET", path + "?org=" + o.name, token)
                self.expect_status(rkey, route, path + "?org=...", st, {403})

    def p_tokens_revoke(self, route, rkey, reader, token):
        # a reader token cannot revoke a token, not even itself, and keeps working
        if reader == "coord" or token is None:
            if token is None:
                st, _, raw = self.fetch("DELETE", "/api/v1/tokens/%s" % ("0" * 16), None)
                self.expect_status(rkey, route, "/api/v1/tokens/...", st, {401})
            return  # the coordinator's revocations are tested by test_tokens
        tid = hashlib.blake2b(token.encode(), digest_size=32).hexdigest()[:16]
        path = "/api/v1/tokens/%s" % tid
        st, _, raw = self.fetch("DELETE", path, token)
        self.expect_status(rkey, route, path, st, {401, 403, 404})
        self.check(rkey, reader, route, path, raw, data_route=False)
        st, _, _ = self.fetch("GET", API_ROOT + "collections/", token)
        self.expect_status(rkey, route, "collections after " + path, st, {200})

    def p_colls_add(self, route, rkey, reader, token):
        self.p_admin_write(route, rkey, reader, token, "POST", "/api/v1/collections")

    def p_policy_put(self, route, rkey, reader, token):
        self.p_admin_write(route, rkey, reader, token, "PUT", "/api/v1/policy")

    def p_org_write(self, route, rkey, reader, token, method, suffix, body):
        # a member may change, disable or enable neither itself (a sector whose data it wants,
        # a weaker anonymity) nor another organisation; the coordinator's own changes are
        # tested by test_entity_changes
        if reader == "coord":
            return
        targets = [o for o in self.w.orgs.values() if o.id][:2]
        if reader is not None and reader.id:
            targets.append(reader)
        for o in targets:
            path = "/api/v1/orgs/%s%s" % (o.id, suffix)
            st, _, raw = self.fetch(method, path, token, body=body)
            self.expect_status(rkey, route, path, st, {401, 403})
            self.check(rkey, reader, route, path, raw, data_route=False)

    def p_orgs_change(self, route, rkey, reader, token):
        self.p_org_write(route, rkey, reader, token, "PATCH", "", {"sector": "electric-power"})

    def p_orgs_disable(self, route, rkey, reader, token):
        self.p_org_write(route, rkey, reader, token, "POST", "/disable", None)

    def p_orgs_enable(self, route, rkey, reader, token):
        self.p_org_write(route, rkey, reader, token, "POST", "/enable", None)

    def p_coll_write(self, route, rkey, reader, token, method, suffix, body):
        # a member may neither widen a collection's audience nor remove one
        if reader == "coord":
            return
        for ckey in sorted(self.w.colls)[:3]:
            path = "/api/v1/collections/%s%s" % (self.w.colls[ckey][0], suffix)
            st, _, raw = self.fetch(method, path, token, body=body)
            self.expect_status(rkey, route, path, st, {401, 403})
            self.check(rkey, reader, route, path, raw, data_route=False)

    def p_colls_change(self, route, rkey, reader, token):
        self.p_coll_write(route, rkey, reader, token, "PATCH", "", {"read": "public"})

    def p_colls_remove(self, route, rkey, reader, token):
        self.p_coll_write(route, rkey, reader, token, "DELETE", "?purge=true", None)

    # -- similar past incidents (docs/analysis.md): the index holds everything, an answer only
    # what the reader may see

    def p_similar_get(self, route, rkey, reader, token):
        missing_id = "incident--00000000-0000-4000-8000-000000000000"
        st, _, missing = self.fetch("GET", "/api/v1/similar/" + missing_id, token)
        self.expect_status(rkey, route, "/api/v1/similar/<missing>", st, {401, 404})
        vis = self.w.visible_ids(reader)
        for e in self.w.entries:
            if not e.ok:
                continue
            path = "/api/v1/similar/%s" % e.id
            st, val, raw = self.fetch("GET", path, token)
            if reader is None:
                self.expect_status(rkey, route, path, st, {401})
            elif e.id in vis and e.id.split("--")[0] in ("incident", "report"):
                self.expect_status(rkey, route, path, st, {200, 404})  # 404: not indexed yet
            else:
                self.expect_status(rkey, route, path, st, {404})
                # the same answer as for an id that does not exist: no oracle
                if st == 404 and raw.split(b"\n")[0] != missing.split(b"\n")[0]:
                    self.violations.append("%s %s %s: a hidden id answers otherwise than a "
                                           "missing one" % (rkey, route, path))
            self.check(rkey, reader, route, path, raw, status=st)

    def p_similar_post(self, route, rkey, reader, token):
        path = "/api/v1/similar?limit=100"
        objs = [e.obj for e in self.w.entries]
        for e in self.w.entries:
            if e.id.split("--")[0] != "incident":
                continue
            # the incident first (the one described), then everything the world posted
            st, val, raw = self.fetch("POST", path, token, body={"objects": [e.obj] + objs})
            self.expect_status(rkey, route, path, st, {401} if reader is None else {200})
            self.check(rkey, reader, route, path, raw, status=st)

    # -- the hotline (docs/alerts.md): no alert exists in the world; the routes refuse who
    # they must and an unknown alert answers 404 (the signed link: 403) to everyone

    def p_alerts_raise(self, route, rkey, reader, token):
        if reader == "coord":
            return  # the coordinator raises alerts in test_alert_hotline.py
        self.p_admin_write(route, rkey, reader, token, "POST", "/api/v1/alerts")

    def probe(self, route, rkey, reader, token, method, path, member, anonymous=(401,), **kw):
        """One request: the status anonymous (no token) or member (any token) expects, and
        nothing in the body reader may not see."""
        st, _, raw = self.fetch(method, path, token, **kw)
        self.expect_status(rkey, route, path, st, set(anonymous if reader is None else member))
        self.check(rkey, reader, route, path, raw, status=st)

    def p_alerts_list(self, route, rkey, reader, token):
        self.probe(route, rkey, reader, token, "GET", "/api/v1/alerts", {200})

    def p_alerts_get(self, route, rkey, reader, token):
        self.probe(route, rkey, reader, token, "GET", "/api/v1/alerts/" + ZERO_UUID, {404})

    def p_alerts_ack(self, route, rkey, reader, token):
        self.probe(route, rkey, reader, token, "POST", "/api/v1/alerts/%s/ack" % ZERO_UUID,
                   {404}, body={})

    def p_alerts_ack_link(self, route, rkey, reader, token):
        path = "/api/v1/alerts/%s/ack?org=x&sig=%s" % (ZERO_UUID, "0" * 64)
        self.probe(route, rkey, reader, token, "GET", path, {403}, (403,), accept="text/html")

    def p_alerts_ack_link_post(self, route, rkey, reader, token):
        path = "/api/v1/alerts/%s/ack-link?org=x&sig=%s" % (ZERO_UUID, "0" * 64)
        self.probe(route, rkey, reader, token, "POST", path, {403}, (403,), accept="text/html")

    def p_contacts_get(self, route, rkey, reader, token):
        self.probe(route, rkey, reader, token, "GET", "/api/v1/contacts", {200})

    def p_contacts_put(self, route, rkey, reader, token):
        self.probe(route, rkey, reader, token, "PUT", "/api/v1/contacts", {200}, body={})

    # -- alerts: dead letters (docs/api.md): only the caller's own organisation's; another
    # organisation's only for the coordinator with ?org=

    def p_dead_letters(self, route, rkey, reader, token):
        for path in ("/api/v1/dead-letters", "/api/v1/dead-letters?subscription=x"):
            self.probe(route, rkey, reader, token, "GET", path, {200})
        if reader in (None, "coord"):
            return
        for o in self.w.orgs.values():
            if o is reader or not o.id:
                continue
            self.probe(route, rkey, reader, token, "GET", "/api/v1/dead-letters?org=" + o.id,
                       {403})

    def p_dead_letter_retry(self, route, rkey, reader, token):
        # nothing to retry in this world: a dead letter that does not exist is 404 for anyone
        self.probe(route, rkey, reader, token, "POST",
                   "/api/v1/dead-letters/%s/1/retry" % ZERO_UUID, {404})

    # -- alerts (docs/alerts.md): each organisation manages its own subscriptions and
    # watchlist; another organisation's are 404 as if they did not exist, and its own
    # identifiers are shown to it alone

    def alert_setup(self):
        """One subscription and one watchlist entry per organisation, made by the coordinator
        with ?org= (once): {org key: (subscription id, watch id)}."""
        if getattr(self, "alert_ids", None) is None:
            self.alert_ids = {}
            for o in self.w.orgs.values():
                if not o.id:
                    continue
                q = "?org=" + o.id
                st, sub, _ = self.fetch("POST", "/api/v1/subscriptions" + q, self.w.fx.coord,
                                        body={"filter": {}, "label": "probe"})
                st2, wl, _ = self.fetch("POST", "/api/v1/watchlist" + q, self.w.fx.coord,
                                        body={"entries": ["probe-%s.example.jp" % o.key]})
                if st != 201 or st2 != 201:
                    self.violations.append("alert setup for %s: HTTP %d, %d" % (o.key, st, st2))
                    continue
                self.alert_ids[o.key] = (sub["id"], wl["entries"][0]["id"])
        return self.alert_ids

    def alert_others(self, reader):
        """Ids of the other organisations' alert records, which reader must never see."""
        mine = reader.key if reader not in (None, "coord") else None
        return [(i.encode(), "alert record of another organisation")
                for k, ids in self.alert_setup().items() if k != mine for i in ids]

    def p_alert_list(self, route, rkey, reader, token, path, kind):
        st, val, raw = self.fetch("GET", path, token)
        self.expect_status(rkey, route, path, st, {401} if reader is None else {200})
        own_isp = reader not in (None, "coord") and reader.key == "isp"
        # the ISP's own identifiers are its own: shown to it (GET /api/v1/watchlist)
        self.check(rkey, reader, route, path, raw, data_route=False, skip_values=own_isp,
                   extra=self.alert_others(reader), status=st)
        if reader not in (None, "coord") and reader.key in self.alert_setup():
            want = self.alert_setup()[reader.key][0 if kind == "subscriptions" else 1]
            got = [e.get("id") for e in (val or {}).get(kind if kind == "subscriptions"
                                                         else "entries", [])]
            if want not in got:
                self.violations.append("%s %s: its own record %s is not listed" %
                                       (rkey, route, want))

    def p_subs_list(self, route, rkey, reader, token):
        self.p_alert_list(route, rkey, reader, token, "/api/v1/subscriptions", "subscriptions")

    def p_watch_list(self, route, rkey, reader, token):
        self.p_alert_list(route, rkey, reader, token, "/api/v1/watchlist", "watchlist")

    def p_alert_delete(self, route, rkey, reader, token, base, which):
        mine = reader.key if reader not in (None, "coord") else None
        for k, ids in sorted(self.alert_setup().items()):
            if k == mine:
                continue
            path = "%s/%s" % (base, ids[which])
            st, _, raw = self.fetch("DELETE", path, token)
            self.expect_status(rkey, route, path, st, {401} if reader is None else {404})
            self.check(rkey, reader, route, path, raw, data_route=False, status=st)

    def p_subs_delete(self, route, rkey, reader, token):
        self.p_alert_delete(route, rkey, reader, token, "/api/v1/subscriptions", 0)

    def p_watch_delete(self, route, rkey, reader, token):
        self.p_alert_delete(route, rkey, reader, token, "/api/v1/watchlist", 1)

    def p_alert_add(self, route, rkey, reader, token, path, body, delete):
        st, val, raw = self.fetch("POST", path, token, body=body)
        self.expect_status(rkey, route, path, st, {401} if reader is None else {201})
        self.check(rkey, reader, route, path, raw, data_route=False,
                   extra=self.alert_others(reader), status=st)
        if st == 201:
            rid = delete(val)
            self.fetch("DELETE", "%s/%s" % (path, rid), token)
        # another organisation's, named with ?org=: refused alike whether or not it exists
        if reader not in (None, "coord"):
            for q in ("?org=" + [o for o in self.w.orgs.values() if o.key != reader.key][0].name,
                      "?org=no-such-organisation"):
                st, _, raw = self.fetch("POST", path + q, token, body=body)
                self.expect_status(rkey, route, path + q, st, {403})
                self.check(rkey, reader, route, path, raw, data_route=False)

    def p_subs_add(self, route, rkey, reader, token):
        self.p_alert_add(route, rkey, reader, token, "/api/v1/subscriptions",
                         {"filter": {}, "label": "probe"}, lambda v: v["id"])

    def p_watch_add(self, route, rkey, reader, token):
        self.p_alert_add(route, rkey, reader, token, "/api/v1/watchlist",
                         {"entries": ["probe-add.example.jp"]}, lambda v: v["entries"][0]["id"])

    def p_stream(self, route, rkey, reader, token):
        # the whole event log of the reader's organisation, read for a moment: its events
        # show objects as the reader may read them now, nothing else
        conn = http.client.HTTPConnection(self.hub.host, self.hub.port, timeout=10)
        hdrs = {"Accept": "text/event-stream"}
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        path = "/api/v1/stream?from=0"
        raw = b""
        try:
            conn.request("GET", path, headers=hdrs)
            resp = conn.getresponse()
            st = resp.status
            raw = str(resp.headers).encode()
            if st != 200:
                raw += resp.read()
            else:
                conn.sock.settimeout(0.3)
                try:
                    while True:
                        chunk = resp.fp.read1(65536)
                        if not chunk:
                            break
                        raw += chunk
                except (socket.timeout, TimeoutError, OSError):
                    pass
        finally:
            conn.close()
        self.requests += 1
        self.expect_status(rkey, route, path, st, {401} if reader is None else {200})
        self.check(rkey, reader, route, path, raw, extra=self.alert_others(reader), status=st)

PROBES = {
    ("GET", "/healthz"): Sweep.p_healthz,
    ("GET", "/taxii2"): Sweep.p_discovery,
    ("GET", "/{}"): Sweep.p_api_root,
    ("GET", "/{}/status/{}"): Sweep.p_status,
    ("GET", "/{}/collections"): Sweep.p_collections,
    ("GET", "/{}/collections/{}"): Sweep.p_collection,
    ("GET", "/{}/collections/{}/manifest"): Sweep.p_manifest,
    ("GET", "/{}/collections/{}/objects"): Sweep.p_objects,
    ("POST", "/{}/collections/{}/objects"): Sweep.p_add,
    ("GET", "/{}/collections/{}/objects/{}"): Sweep.p_object,
    ("DELETE", "/{}/collections/{}/objects/{}"): Sweep.p_delete,
    ("GET", "/{}/collections/{}/objects/{}/versions"): Sweep.p_versions,
    ("GET", "/api/v1/orgs"): Sweep.p_orgs,
    ("POST", "/api/v1/orgs"): Sweep.p_orgs_add,
    ("PATCH", "/api/v1/orgs/{}"): Sweep.p_orgs_change,
    ("POST", "/api/v1/orgs/{}/disable"): Sweep.p_orgs_disable,
    ("POST", "/api/v1/orgs/{}/enable"): Sweep.p_orgs_enable,
    ("POST", "/api/v1/tokens"): Sweep.p_tokens_add,
    ("GET", "/api/v1/tokens"): Sweep.p_tokens_list,
    ("DELETE", "/api/v1/tokens/{}"): Sweep.p_tokens_revoke,
    ("GET", "/api/v1/collections"): Sweep.p_admin_colls,
    ("POST", "/api/v1/collections"): Sweep.p_colls_add,
    ("PATCH", "/api/v1/collections/{}"): Sweep.p_colls_change,
    ("DELETE", "/api/v1/collections/{}"): Sweep.p_colls_remove,
    ("GET", "/api/v1/routes"): Sweep.p_routes,
    ("GET", "/metrics"): Sweep.p_metrics,
    ("GET", "/api/v1/policy"): Sweep.p_policy_get,
    ("PUT", "/api/v1/policy"): Sweep.p_policy_put,
    ("GET", "/api/v1/provenance/{}"): Sweep.p_provenance,
    ("GET", "/api/v1/audit"): Sweep.p_audit,
    ("GET", "/api/v1/credit"): Sweep.p_credit,
    ("GET", "/api/v1/extension-definitions/{}"): Sweep.p_extension_definition,
    ("GET", "/api/v1/search"): Sweep.p_search,
    ("POST", "/api/v1/similar"): Sweep.p_similar_post,
    ("GET", "/api/v1/similar/{}"): Sweep.p_similar_get,
    ("GET", "/api/v1/correlations"): Sweep.p_correlations,
    ("POST", "/api/v1/alerts"): Sweep.p_alerts_raise,
    ("GET", "/api/v1/alerts"): Sweep.p_alerts_list,
    ("GET", "/api/v1/alerts/{}"): Sweep.p_alerts_get,
    ("POST", "/api/v1/alerts/{}/ack"): Sweep.p_alerts_ack,
    ("GET", "/api/v1/alerts/{}/ack"): Sweep.p_alerts_ack_link,
    ("POST", "/api/v1/alerts/{}/ack-link"): Sweep.p_alerts_ack_link_post,
    ("GET", "/api/v1/contacts"): Sweep.p_contacts_get,
    ("PUT", "/api/v1/contacts"): Sweep.p_contacts_put,
    ("GET", "/api/v1/dead-letters"): Sweep.p_dead_letters,
    ("POST", "/api/v1/dead-letters/{}/{}/retry"): Sweep.p_dead_letter_retry,
    ("POST", "/api/v1/subscriptions"): Sweep.p_subs_add,
    ("GET", "/api/v1/subscriptions"): Sweep.p_subs_list,
    ("DELETE", "/api/v1/subscriptions/{}"): Sweep.p_subs_delete,
    ("POST", "/api/v1/watchlist"): Sweep.p_watch_add,
    ("GET", "/api/v1/watchlist"): Sweep.p_watch_list,
    ("DELETE", "/api/v1/watchlist/{}"): Sweep.p_watch_delete,
    ("GET", "/api/v1/stream"): Sweep.p_stream,
}


def report(lines, cap=40):
    """A summary (count per route and kind of violation) and the first cap details."""
    out = sorted(set(lines))
    kinds = {}
    for line in out:
        m = re.match(r"^(\S+) (\S+ \S+) .*?: (?:contains .*\((.*)\)|(HTTP \d+).*|(.*))$", line)
        k = (m.group(2), m.group(3) or m.group(4) or m.group(5)) if m else ("", line[:80])
        kinds[k] = kinds.get(k, 0) + 1
    summary = "\n".join("  %5d  %s: %s" % (n, r, w) for (r, w), n in sorted(kinds.items()))
    short = [line if len(line) < 260 else line[:200] + " ... " + line[-50:] for line in out]
    more = "" if len(out) <= cap else "\n... and %d more" % (len(out) - cap)
    return "%d violation(s) by route and kind:\n%s\nfirst ones:\n%s%s" % (
        len(out), summary, "\n".join(short[:cap]), more)


class TestSharing(HubTestCase):
    world = None

    @classmethod
    def after_start(cls):
        cls.world = World(cls.hub, cls.fx)
        cls.world.build()
        cls.world.populate()

    # -- helpers ----------------------------------------------------------------------------

    def api(self, method, path, token=None, body=None):
        return self.world.api(method, path, token, body)

    def e(self, key):
        return self.world.by_key(key)

    def read_as(self, key, token):
        """The stored object of entry key as token sees it (None if 404)."""
        e = self.e(key)
        cid = self.world.colls[e.coll][0]
        st, _, body = self.hub.req("GET", "%scollections/%s/objects/%s/" % (API_ROOT, cid, e.id),
                                   token=token)
        if st != 200:
            return None
        objs = body.get("objects", [])
        return objs[-1] if objs else None

    def listed_routes(self):
        st, _, body = self.api("GET", "routes", self.fx.coord)
        self.assertEqual(st, 200, "GET /api/v1/routes as coordinator: %r" % (body,))
        rows = body.get("routes") if isinstance(body, dict) else body
        self.assertIsInstance(rows, list, body)
        out = []
        for r in rows:
            self.assertIn("method", r)
            self.assertIn("pattern", r)
            out.append((r["method"].upper(), norm(r["pattern"]), r.get("name")))
        return out

    # -- the world was built as the issue says --------------------------------------------

    def test_00_world_built_without_errors(self):
        """CLI options, admin routes and postings the scenario needs all worked."""
        if self.world.setup_errors:
            self.fail(report(self.world.setup_errors))

    # -- routes -------------------------------------------------------------------------

    def test_routes_are_all_probed(self):
        unknown = ["%s %s (%s)" % r for r in self.listed_routes()
                   if (r[0], r[1]) not in PROBES]
        self.assertEqual(unknown, [], "routes listed by the server that test_sharing.py does "
                         "not know how to probe: add a probe to PROBES")

    def test_routes_list_is_coordinator_only(self):
        for key, org in self.world.orgs.items():
            st, _, _ = self.api("GET", "routes", org.reader)
            self.assertIn(st, (401, 403, 404), key)
        st, _, _ = self.api("GET", "routes")
        self.assertIn(st, (401, 403, 404))

    def test_sweep_every_route_as_every_reader(self):
        """Nothing forbidden in the raw bytes of any answer of any route to any reader."""
        try:
            routes = {(m, p) for m, p, _ in self.listed_routes()}
        except AssertionError:
            routes = set(PROBES)  # no route list yet: probe what the test knows
        sw = Sweep(self, self.world)
        for method, pattern in sorted(routes):
            probe = PROBES.get((method, pattern))
            if probe is None:
                continue  # test_routes_are_all_probed fails for it
            for rkey, reader, token in self.world.readers():
                probe(sw, "%s %s" % (method, pattern), rkey, reader, token)
        if sw.violations:
            self.fail(report(sw.violations))

    def test_every_reader_sees_exactly_what_the_model_allows(self):
        """Positive and negative: the objects list of each collection matches the model."""
        w = self.world
        problems = []
        ledger = w.all_ids()
        for rkey, reader, token in w.readers():
            for ckey, (cid, _, _) in sorted(w.colls.items()):
                expect = {e.id for e in w.entries if e.coll == ckey and
                          w.may_see_entry(reader, e)}
                if not w.in_audience(reader, ckey):
                    st, _, _ = w.hub.get_objects(cid, token, "limit=1000")
                    if st not in (401, 403, 404):
                        problems.append("%s %s: HTTP %d outside the audience" % (rkey, ckey, st))
                    continue
                st, _, body = w.hub.get_objects(cid, token, "limit=1000&match[version]=all")
                if st != 200:
                    problems.append("%s %s: HTTP %d" % (rkey, ckey, st))
                    continue
                got = {o["id"] for o in body.get("objects", [])} & ledger
                if expect - got or got - expect:
                    problems.append("%s %s: %d missing, %d leaked" % (
                        rkey, ckey, len(expect - got), len(got - expect)))
                for oid in sorted(expect - got):
                    problems.append("%s %s: MISSING %s" % (rkey, ckey, self.key_of(oid, ckey)))
                for oid in sorted(got - expect):
                    problems.append("%s %s: LEAK %s" % (rkey, ckey, self.key_of(oid, ckey)))
        if problems:
            self.fail(report(problems))

    def key_of(self, oid, ckey):
        keys = [e.key for e in self.world.entries if e.id == oid and e.coll == ckey]
        return "/".join(keys) or oid

    # -- TLP and scope --------------------------------------------------------------------

    def test_scope_rule_named_in_status_message(self):
        want = {
            "inc_p1": "tlp amber by rule 'incidents-amber-sector'",
            "inc_b1": "tlp amber by rule 'incidents-amber-sector'",
            "ind_auto": "tlp green by rule 'indicators-green'",
            "sco_auto": "tlp green by rule 'indicators-green'",
            "mal_auto": "tlp green by rule 'collection-default'",
            "mal_reddef": "tlp red by rule 'collection-default'",
            "lab_red": "tlp red by rule 'breakit-labels-red'",
            "mal_gas2": "tlp amber+strict by rule 'breakit-gas-malware'",
            "tool_energy": "tlp amber by rule 'breakit-energy-coll'",
            "tool_fin": "tlp amber by rule 'breakit-tool-finance'",
        }
        bad = []
        for key, text in want.items():
            e = self.e(key)
            if not e.ok or text not in e.message:
                bad.append("%s: ok=%s message %r, want %r" % (key, e.ok, e.message, text))
        self.assertEqual(bad, [])

    def test_assigned_tlp_marking_is_added_to_the_object(self):
        bad = []
        for key in ("inc_p1", "ind_auto", "sco_auto", "mal_auto", "mal_gas2", "tool_energy"):
            e = self.e(key)
            tok = self.world.orgs[e.poster].reader
            o = self.read_as(key, tok)
            if o is None:
                bad.append("%s: source cannot read it" % key)
                continue
            if TLP2[e.tlp] not in o.get("object_marking_refs", []):
                bad.append("%s: object_marking_refs %r lacks TLP 2.0 %s"
                           % (key, o.get("object_marking_refs"), e.tlp))
        self.assertEqual(bad, [])

    def test_policy_document_shape_and_defaults(self):
        st, _, pol = self.api("GET", "policy", self.fx.coord)
        self.assertEqual(st, 200, pol)
        self.assertEqual(pol.get("sector_k"), K)
        self.assertEqual(pol.get("green_delay_hours"), 0)
        names = [r.get("name") for r in pol.get("scope_rules", [])]
        for n in ("incidents-amber-sector", "indicators-green", "collection-default"):
            self.assertIn(n, names)
        for n in ("x_reporter", "x_reporter_email", "x_source_ip"):
            self.assertIn(n, pol.get("remove_properties", []))

    def test_policy_put_refuses_bad_documents(self):
        st, _, pol = self.api("GET", "policy", self.fx.coord)
        self.assertEqual(st, 200, pol)
        for bad in ({"scope_rules": [{"name": "x", "match": {}, "tlp": "purple"}]},
                    {"sector_k": -1}, {"own_identifiers": "shout"}, "not an object"):
            doc = dict(pol, **bad) if isinstance(bad, dict) else bad
            st, _, body = self.api("PUT", "policy", self.fx.coord, doc)
            self.assertEqual(st, 400, (bad, body))
        st, _, after = self.api("GET", "policy", self.fx.coord)
        self.assertEqual(after, pol)
        st, _, _ = self.api("PUT", "policy", self.world.orgs["p1"].contrib, pol)
        self.assertIn(st, (401, 403, 404))

    # -- anonymity ------------------------------------------------------------------------

    def identity_name(self, iid):
        st, _, body = self.hub.get_objects(self.fx.c_all, self.fx.coord,
                                           "match[id]=%s&limit=10" % iid)
        objs = body.get("objects", []) if st == 200 else []
        return objs[0].get("name") if objs else None

    def test_created_by_ref_rewritten_per_mode(self):
        w = self.world
        hub_id = w.hub_identity
        bad = []
        for key, expect in (("an_p2", "sector"), ("an_p2_alias", "sector"), ("an_p3", "sector"),
                            ("an_b2", "hub"), ("an_m1", "hub"), ("an_p5", "hub"),
                            ("an_p6", "hub"), ("an_p4", "hub"), ("p1_named", "named")):
            e = self.e(key)
            o = self.read_as(key, w.orgs["g"].reader)
            if o is None:
                bad.append("%s: not readable by another member (ok=%s %r)" % (key, e.ok,
                                                                              e.message))
                continue
            ref = o.get("created_by_ref")
            if expect == "hub":
                if ref != hub_id:
                    bad.append("%s: created_by_ref %r, want the hub identity %s"
                               % (key, ref, hub_id))
            elif expect == "sector":
                name = self.identity_name(ref) if ref else None
                if name != "An organisation in the Electric power sector":
                    bad.append("%s: created_by_ref %r names %r, want the electric-power sector "
                               "identity" % (key, ref, name))
            elif ref != w.orgs[e.poster].identity_id:
                bad.append("%s: named mode changed created_by_ref to %r" % (key, ref))
        self.assertEqual(bad, [])

    def test_where_sighted_refs_rewritten(self):
        w = self.world
        s = self.read_as("sight_p2", w.orgs["g"].reader)
        self.assertIsNotNone(s, self.e("sight_p2").message)
        self.assertEqual(len(s.get("where_sighted_refs", [])), 1, s)
        self.assertEqual(self.identity_name(s["where_sighted_refs"][0]),
                         "An organisation in the Electric power sector")
        s = self.read_as("sight_b2", w.orgs["g"].reader)
        self.assertIsNotNone(s, self.e("sight_b2").message)
        self.assertEqual(s.get("where_sighted_refs"), [w.hub_identity])

    def test_anonymisation_reported_in_status(self):
        e = self.e("an_p2")
        self.assertTrue(e.ok, e.message)
        self.assertIn("anonymised", e.message)
        self.assertIn("created_by_ref", e.message)
        self.assertIn("removed", e.message)
        self.assertIn("x_reporter", e.message)
        for key in ("drop_p2_own", "drop_p2_alias"):
            d = self.e(key)
            self.assertTrue(getattr(d, "dropped_ok", False), (key, d.message))
            self.assertIn("dropped: the contributor's own identity", d.message)

    def test_removed_properties_gone_even_for_the_source(self):
        o = self.read_as("an_p2", self.world.orgs["p2"].reader)
        self.assertIsNotNone(o)
        for n in REMOVED_NAMES:
            self.assertNotIn(n, o)
        o = self.read_as("strict_rcpt", self.world.orgs["r"].reader)
        self.assertIsNotNone(o, "named recipient cannot read an AMBER+STRICT object")
        self.assertNotIn("x_renkei_recipients", o)

    def test_unknown_anonymity_header_400(self):
        st, body = self.world.header_bad or (None, None)
        self.assertEqual(st, 400, body)

    def test_weaker_header_never_loosens(self):
        o = self.read_as("an_m1", self.world.orgs["g"].reader)
        self.assertIsNotNone(o)
        self.assertEqual(o.get("created_by_ref"), self.world.hub_identity)

    def test_unknown_recipient_fails_the_object(self):
        e = self.e("bad_rcpt")
        self.assertFalse(e.ok)
        self.assertIn("unknown recipient 'no-such-org-zq'", e.message)

    # -- own identifiers ------------------------------------------------------------------

    def test_own_identifiers_refused_without_echo(self):
        bad = []
        for key, prop in (("own_dom", "pattern"), ("own_ip", "value"), ("own_ip6", "pattern"),
                          ("own_name", "description"), ("own_redact_pat", "pattern")):
            e = self.e(key)
            m = e.message
            if e.ok or not m.startswith("refused: contains the contributor's own identifier ("):
                bad.append("%s: ok=%s %r" % (key, e.ok, m))
            elif "in property '%s'" % prop not in m:
                bad.append("%s: %r does not name property %s" % (key, m, prop))
            if any(rx.search(m.encode()) for rx in OWN_ID_RES):
                bad.append("%s: message echoes the value: %r" % (key, m))
        for key in ("own_lookalike", "own_outside"):
            if not self.e(key).ok:
                bad.append("%s (not an own identifier) refused: %r" % (key, self.e(key).message))
        self.assertEqual(bad, [])

    def test_own_identifiers_redacted(self):
        e = self.e("own_redact")
        self.assertTrue(e.ok, e.message)
        self.assertIn("redacted: 1 value(s) matching own identifiers", e.message)
        o = self.read_as("own_redact", self.world.orgs["g"].reader)
        self.assertEqual(o.get("description"), "[redacted]")
        self.assertEqual(o.get("name"), "EdgeWorm")

    # -- statuses -------------------------------------------------------------------------

    def test_statuses_of_others_are_404(self):
        bad = []
        for sid, poster, _ in self.world.statuses:
            for key, org in self.world.orgs.items():
                if key == poster:
                    continue
                st, _, _ = self.hub.req("GET", "%sstatus/%s/" % (API_ROOT, sid), token=org.contrib)
                if st != 404:
                    bad.append("status of %s read by %s: HTTP %d" % (poster, key, st))
        self.assertEqual(bad, [])

    # -- provenance and audit -------------------------------------------------------------

    def test_provenance_coordinator_only_with_original_and_source(self):
        w = self.world
        e = self.e("an_p2")
        for key, org in w.orgs.items():
            for tok in (org.reader, org.contrib):
                st, _, _ = self.api("GET", "provenance/" + e.id, tok)
                self.assertEqual(st, 404, "provenance read by %s" % key)
        st, _, _ = self.api("GET", "provenance/" + e.id)
        self.assertIn(st, (401, 404))
        st, _, body = self.api("GET", "provenance/" + e.id, self.fx.coord)
        self.assertEqual(st, 200, body)
        raw = self.hub.last_raw.decode()
        self.assertIn(w.orgs["p2"].name, raw)
        self.assertIn(REMOVED["x_reporter"], raw)
        self.assertIn(w.orgs["p2"].identity_id, raw)  # original created_by_ref
        st, _, audit = self.api("GET", "audit?limit=100000", self.fx.coord)
        self.assertEqual(st, 200, audit)
        rows = audit.get("entries", audit.get("audit")) if isinstance(audit, dict) else audit
        hits = [r for r in rows or [] if r.get("action") == "provenance-read" and
                e.id in json.dumps(r)]
        self.assertTrue(hits, "no provenance-read audit entry naming %s" % e.id)

    def audit_rows(self):
        st, _, audit = self.api("GET", "audit?limit=100000", self.fx.coord)
        self.assertEqual(st, 200, audit)
        rows = audit.get("entries", audit.get("audit")) if isinstance(audit, dict) else audit
        self.assertIsInstance(rows, list, audit)
        return rows

    def test_amber_read_and_write_are_audited_in_a_chain(self):
        w = self.world
        p3 = w.orgs["p3"]
        e = self.e("amber2")
        self.assertIsNotNone(self.read_as("amber2", p3.reader))
        rows = self.audit_rows()
        reads = [r for r in rows if r.get("action") == "read" and e.id in json.dumps(r) and
                 r.get("org_id") in (p3.id, p3.name)]
        self.assertTrue(reads, "no audit entry for %s reading %s" % (p3.name, e.key))
        inc = self.e("inc_p1")
        writes = [r for r in rows if r.get("action") == "write" and inc.id in json.dumps(r)]
        self.assertTrue(writes, "no audit write entry for the AMBER incident")
        green = self.e("ind_auto").id
        self.assertFalse([r for r in rows if r.get("action") in ("read", "write") and
                          green in json.dumps(r)], "GREEN objects need no audit")
        for prev, cur in zip(rows, rows[1:]):
            if cur.get("seq") == prev.get("seq", -1) + 1:
                self.assertEqual(cur.get("prev_hash"), prev.get("hash"), cur)
        for key, org in w.orgs.items():
            st, _, _ = self.api("GET", "audit", org.reader)
            self.assertIn(st, (401, 403, 404), key)

    def test_audit_verify_passes_on_a_live_hub(self):
        p = self.hub.run_cli("audit", "verify", "--json")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    # -- credit ---------------------------------------------------------------------------

    def test_credit_grows_when_others_sight_and_correlate(self):
        w = self.world
        before, after = w.credit_before_coord, w.credit_after_coord
        self.assertIsInstance(before, dict, "GET /api/v1/credit?org= as the coordinator failed")
        self.assertIsInstance(after, dict)
        self.assertEqual(after.get("org"), w.orgs["p1"].name)
        self.assertEqual(after.get("view"), "coordinator")
        self.assertGreater(after["points"], before["points"])
        self.assertGreaterEqual(after["sightings_by_others"] - before["sightings_by_others"], 3)
        self.assertGreaterEqual(after["correlations_by_others"]
                                - before["correlations_by_others"], 1)
        self.assertGreaterEqual(after["contributions"], 10)

    def test_credit_member_view_follows_k(self):
        """p1's data was sighted by 4 organisations and copied by one, all of it visible to
        p1: fewer than k each, so p1 sees neither count nor the points they earned."""
        w = self.world
        before, after = w.credit_before, w.credit_after
        self.assertIsInstance(before, dict, "GET /api/v1/credit as a member failed")
        self.assertIsInstance(after, dict)
        self.assertEqual(after.get("org"), w.orgs["p1"].name)
        self.assertEqual(after.get("view"), "member")
        self.assertEqual(after["contributions"], w.credit_after_coord["contributions"])
        for k in ("sightings_by_others", "correlations_by_others"):
            self.assertEqual(after[k], "fewer than k", k)
        self.assertEqual(after["points"], after["contributions"])
        used = after.get("used_by", {})
        for k in ("organisations", "sectors"):
            v = used.get(k)
            self.assertTrue(v == "fewer than k" or (isinstance(v, int) and v >= K),
                            "used_by.%s = %r" % (k, v))

    def test_credit_other_org_only_for_coordinator(self):
        st, _, body = self.api("GET", "credit?org=%s" % self.world.orgs["p1"].name,
                               self.world.orgs["g"].reader)
        if st == 200:
            self.assertNotEqual(body.get("org"), self.world.orgs["p1"].name)
        st, _, body = self.api("GET", "credit?org=%s" % self.world.orgs["p1"].name, self.fx.coord)
        self.assertEqual(st, 200, body)
        self.assertEqual(body.get("org"), self.world.orgs["p1"].name)
        # A member asking about another organisation gets the same answer whether or not
        # it exists: no membership oracle.
        known = self.api("GET", "credit?org=%s" % self.world.orgs["p1"].name,
                         self.world.orgs["g"].reader)
        unknown = self.api("GET", "credit?org=no-such-org-anywhere", self.world.orgs["g"].reader)
        self.assertEqual((known[0], known[2]), (unknown[0], unknown[2]))

    # -- probes that try to learn through writes ----------------------------------------

    def test_conflict_does_not_reveal_the_hidden_body(self):
        red = self.e("red2")
        g = self.world.orgs["g"]
        fake = dict(red.obj, name="guess", object_marking_refs=[TLP2["green"]])
        st, _, body = self.hub.post_objects(self.world.colls["all"][0], [fake], g.contrib)
        self.assertEqual(st, 202, body)
        final = self.hub.wait_status(body, g.contrib)
        raw = json.dumps(final)
        self.assertNotIn("breakit red2", raw)
        self.assertNotIn(self.world.orgs["p1"].name, raw)
        o = self.read_as("red2", self.world.orgs["p1"].reader)
        self.assertIsNotNone(o, "the source cannot read its RED object")
        self.assertEqual(o.get("name"), "breakit red2")
        self.assertIsNone(self.read_as("red2", g.reader))

    def test_delete_of_invisible_object_is_404_and_keeps_it(self):
        red = self.e("red2")
        cid = self.world.colls["all"][0]
        for tok in (self.world.orgs["g"].contrib, self.fx.coord):
            st, _, _ = self.hub.req("DELETE", "%scollections/%s/objects/%s/" % (API_ROOT, cid,
                                                                                red.id), token=tok)
            self.assertEqual(st, 404)
        self.assertIsNotNone(self.read_as("red2", self.world.orgs["p1"].reader))

    def test_coordinator_does_not_read_red(self):
        self.assertIsNone(self.read_as("red2", self.fx.coord))
        self.assertIsNotNone(self.read_as("strict", self.fx.coord))


if __name__ == "__main__":
    unittest.main()
