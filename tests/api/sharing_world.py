# SPDX-License-Identifier: Apache-2.0
"""sharing_world.py: the scenario of the black-box sharing tests (test_sharing*.py).

A World is a hub with many organisations in several sectors (6 electric-power orgs so the
sector meets k=5, 2 finance orgs below k, one medical, one ISP with own identifiers, gas,
railways and the coordinator), a ledger of every object posted (who posted it, where, with
which TLP and anonymity, who may see it according to the issue's rules) and a Python model
of the visibility rules (may_see). The tests compare what the server returns, byte for
byte, with that model. Steps that fail while the world is built are recorded in
world.setup_errors (one test reports them) instead of aborting the whole module, so that a
partly implemented hub still gets every other check.
"""
import copy
import json
import os
import re
import time
import uuid

from harness import API_ROOT, JSON, TAXII, TESTS_DATA

K = 5
TLP1 = {
    "white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
RANK = {"clear": 1, "green": 2, "amber": 3, "amber+strict": 4, "red": 5}

SECTOR_NAMES = {
    "electric-power": "Electric power", "finance": "Finance", "medical": "Medical",
    "information-communication": "Information and communication", "gas": "Gas",
    "railways": "Railways",
}

# Values the anonymiser removes (policy remove_properties); they must never reach a reader.
REMOVED = {"x_reporter": "Taro Whistleblower-Zq", "x_reporter_email": "taro.zq@reporter.example",
           "x_source_ip": "192.0.2.199"}
REMOVED_NAMES = ["x_reporter", "x_reporter_email", "x_source_ip", "x_opencti_created_by_ref",
                 "x_renkei_recipients", "x_renkei_anonymity"]
# The ISP's own identifiers (tests/data/sharing/isp-own-identifiers.txt) as regexes that
# match a leaked value but not the look-alikes the tests post on purpose.
OWN_ID_RES = [re.compile(rb"(?<![A-Za-z0-9-])isp-example\.jp", re.I),
              re.compile(rb"203\.0\.113\.\d"), re.compile(rb"2001:db8:77:", re.I),
              re.compile(rb"ISP Example KK", re.I)]


def templates():
    with open(os.path.join(TESTS_DATA, "sharing", "templates.json"), "rb") as f:
        return json.load(f)


TEMPLATES = templates()


def make(typ, **props):
    """A fresh copy of the template of typ with a new id and props applied."""
    o = copy.deepcopy(TEMPLATES[typ])
    o["id"] = "%s--%s" % (typ, uuid.uuid4())
    for k, v in props.items():
        if v is None:
            o.pop(k, None)
        else:
            o[k] = v
    return o


class Org:
    def __init__(self, key, name, sector, mode):
        self.key, self.name, self.sector, self.mode = key, name, sector, mode
        self.id = self.identity_id = None
        self.reader = self.contrib = None
        self.posts_named = False  # set when the org ever posts in NAMED mode


class Entry:
    """One posted object and what the model expects of it."""

    def __init__(self, key, obj, poster, coll, tlp, scope=None, recipients=(), joins=(),
                 expect_ok=True, mode="named"):
        self.key, self.obj, self.poster, self.coll = key, obj, poster, coll
        self.id = obj["id"]
        self.tlp = tlp              # expected TLP name
        self.scope = scope          # None = collection audience, else ("sector", s) or callable
        self.recipients = set(recipients)
        self.joins = list(joins)
        self.expect_ok = expect_ok
        self.mode = mode            # effective anonymity expected
        self.ok = None              # what the status said
        self.message = ""
        self.status_id = None


class World:
    """Builds the scenario on hub (server running) and keeps the model."""

    def __init__(self, hub, fx):
        self.hub, self.fx = hub, fx
        self.setup_errors = []
        self.orgs = {}
        self.entries = []
        self.statuses = []          # (status id, poster key)
        self.colls = {}             # key -> (id, read audience predicate, public?)
        self.hub_identity = hub.init_result.get("identity_id")
        self.credit_before = None   # p1's credit as p1 sees it, and as the coordinator does
        self.credit_after = None
        self.credit_before_coord = None
        self.credit_after_coord = None
        self.policy_original = None

    # ---- small helpers ------------------------------------------------------------------

    def error(self, what, detail):
        self.setup_errors.append("%s: %s" % (what, detail))

    def api(self, method, path, token=None, body=None):
        return self.hub.req(method, "/api/v1/" + path.lstrip("/"), token=token, body=body,
                            accept=JSON, content_type=JSON if body is not None else None)

    def org(self, key):
        return self.orgs[key]

    def in_audience(self, reader, coll_key):
        """reader: Org, "coord" or None (anonymous)."""
        _, pred, public = self.colls[coll_key]
        if reader is None:
            return public
        if reader == "coord":
            return True
        return public or pred(reader)

    # ---- the model ------------------------------------------------------------------------

    def may_see_entry(self, reader, e, depth=0):
        if not e.ok:
            return False
        if not self.in_audience(reader, e.coll):
            return False
        coord = reader == "coord"
        src = (not coord) and reader is not None and reader.key == e.poster
        rcpt = (not coord) and reader is not None and reader.key in e.recipients
        if e.tlp == "clear":
            ok = True
        elif reader is None:
            ok = False
        elif e.tlp == "green":
            ok = True
        elif e.tlp == "amber":
            if e.scope is None:
                ok = True
            else:
                ok = coord or src or rcpt or (reader.sector in e.scope)
        elif e.tlp == "amber+strict":
            ok = coord or src or rcpt
        else:
            ok = src or rcpt
        if not ok:
            return False
        if depth == 0:
            for j in e.joins:
                if not self.id_visible(reader, j, depth + 1):
                    return False
        return True

    def id_visible(self, reader, oid, depth=1):
        if oid == self.hub_identity or oid in self.sector_identity_ids():
            return True
        return any(self.may_see_entry(reader, e, depth) for e in self.entries if e.id == oid)

    def visible_ids(self, reader):
        return {e.id for e in self.entries if self.may_see_entry(reader, e)}

    def all_ids(self):
        return {e.id for e in self.entries}

    def sector_identity_ids(self):
        return getattr(self, "_sector_ids", set())

    def readers(self):
        """Every reader: each org (reader token), the coordinator, anonymous."""
        out = [(o.key, o, o.reader) for o in self.orgs.values()]
        out.append(("coord", "coord", self.fx.coord))
        out.append(("anonymous", None, None))
        return out

    def secret_orgs(self):
        """Orgs that never post named: their name and identity id must never be seen."""
        return [o for o in self.orgs.values() if not o.posts_named]

    def forbidden(self, reader, data_route=True):
        """(bytes list, regex list, why dict) that must not appear in reader's responses."""
        me = reader if reader not in (None, "coord") else None
        bad = {}
        for oid in self.all_ids() - self.visible_ids(reader):
            bad[oid] = "invisible object"
        for extra in getattr(self, "dropped_ids", []):
            bad[extra] = "dropped own identity of the contributor"
        for o in self.secret_orgs():
            if me is not None and o.key == me.key:
                continue
            bad[o.name] = "name of an anonymised contributor"
            if o.identity_id:
                bad[o.identity_id] = "identity id of an anonymised contributor"
        for v in REMOVED.values():
            bad[v] = "value of a removed property"
        if data_route:
            for n in REMOVED_NAMES:
                bad['"%s"' % n] = "removed property name"
        for sec, disp in SECTOR_NAMES.items():
            if self.sector_size(sec) < K:
                bad["in the %s sector" % disp] = "sector identity of a sector below k"
        return {k.encode(): v for k, v in bad.items()}, OWN_ID_RES

    def sector_size(self, sector):
        return sum(1 for o in self.orgs.values() if o.sector == sector)

    # ---- building -------------------------------------------------------------------------

    def post(self, poster_key, coll_key, entries, token=None, headers=None, expect_status=202):
        """POSTs the objects of entries as poster; fills ok/message/status of each entry."""
        o = self.orgs[poster_key]
        tok = token or o.contrib
        cid = self.colls[coll_key][0]
        objs = [e.obj for e in entries]
        for e in entries:
            e.coll = coll_key
        try:
            st, _, body = self.hub.post_objects(cid, objs, tok, headers=headers)
        except Exception as ex:  # noqa: BLE001 (recorded, reported by a test)
            self.error("POST %s" % [e.key for e in entries], repr(ex))
            for e in entries:
                e.ok = False
            return None
        if st != expect_status:
            if expect_status == 202:
                self.error("POST %s" % [e.key for e in entries], "HTTP %d %r" % (st, body))
            for e in entries:
                e.ok = False
            return (st, body)
        if st != 202:
            return (st, body)
        final = self.hub.wait_status(body, tok)
        self.statuses.append((final.get("id"), poster_key, final))
        succ = {s["id"]: s for s in final.get("successes", []) or []}
        fail = {s["id"]: s for s in final.get("failures", []) or []}
        for e in entries:
            e.status_id = final.get("id")
            if e.id in succ:
                e.ok = True
                e.message = succ[e.id].get("message", "")
            elif e.id in fail:
                e.ok = False
                e.message = fail[e.id].get("message", "")
            else:
                e.ok = False
                e.message = "(not in status)"
            if e.ok != e.expect_ok:
                self.error("POST %s" % e.key, "ok=%s, expected %s: %r" % (e.ok, e.expect_ok,
                                                                           e.message))
        if o.mode == "named" and any(e.mode == "named" and e.ok for e in entries):
            o.posts_named = True
        self.entries.extend(entries)
        return final

    def build(self):
        hub, fx = self.hub, self.fx
        specs = [
            ("p1", fx.power, "electric-power", "named"),
            ("p2", "denki-p2-zq", "electric-power", "sector"),
            ("p3", "denki-p3-zq", "electric-power", "named"),
            ("p4", "denki-p4-zq", "electric-power", "named"),
            ("p5", "denki-p5-zq", "electric-power", "anonymous"),
            ("p6", "denki-p6-zq", "electric-power", "named"),
            ("g", fx.gas, "gas", "named"),
            ("r", fx.rail, "railways", "named"),
            ("b1", fx.bank, "finance", "named"),
            ("b2", "ginko-b2-zq", "finance", "sector"),
            ("m1", "byoin-m1-zq", "medical", "anonymous"),
            ("isp", "isp-i1-zq", "information-communication", "named"),
        ]
        own_file = os.path.join(TESTS_DATA, "sharing", "isp-own-identifiers.txt")
        for key, name, sector, mode in specs:
            o = Org(key, name, sector, mode)
            self.orgs[key] = o
            if name in fx.org_ids:
                o.id = fx.org_ids[name]
            else:
                args = ["org", "add", "--name", name, "--sector", sector, "--anonymity", mode]
                if key == "isp":
                    args += ["--own-identifiers", own_file]
                try:
                    out = hub.cli(*args)
                except AssertionError as ex:
                    self.error("org add %s" % name, str(ex)[:300])
                    out = hub.cli("org", "add", "--name", name, "--sector", sector,
                                  "--anonymity", mode)
                o.id = out["id"]
                o.identity_id = out.get("identity_id")
            o.reader = hub.token_create(name, "reader")
            if key == "p6":
                try:
                    o.contrib = hub.cli("token", "create", "--org", name, "--role",
                                        "contributor", "--anonymity", "anonymous")["token"]
                except AssertionError as ex:
                    self.error("token create --anonymity", str(ex)[:300])
                    o.contrib = hub.token_create(name, "contributor")
            else:
                o.contrib = hub.token_create(name, "contributor")
        listed = hub.cli("org", "list")
        for row in listed.get("orgs", listed.get("organisations", [])):
            for o in self.orgs.values():
                if row.get("name") == o.name and not o.identity_id:
                    o.identity_id = row.get("identity_id")
        # collections
        energy = {"electric-power", "gas"}
        self.colls["all"] = (fx.c_all, lambda r: True, False)
        self.colls["energy"] = (fx.c_energy, lambda r: r.sector in energy, False)
        self.colls["public"] = (fx.c_public, lambda r: True, True)
        self.colls["corr"] = (hub.collection_add("Correlation copies", "all", "all"),
                              lambda r: True, False)
        try:
            out = hub.cli("collection", "add", "--title", "Red by default", "--read", "all",
                          "--write", "all", "--default-tlp", "red")
            self.colls["reddef"] = (out["id"], lambda r: True, False)
        except AssertionError as ex:
            self.error("collection add --default-tlp red", str(ex)[:300])
            self.colls["reddef"] = (hub.collection_add("Red by default", "all", "all"),
                                    lambda r: True, False)

    def populate(self):
        """Posts the whole scenario (server running)."""
        O = self.orgs
        p1 = O["p1"]
        cb = {"created_by_ref": p1.identity_id} if p1.identity_id else {}

        def ind(key, poster, tlp, marks=None, **kw):
            o = make("indicator", name="breakit %s" % key, **kw)
            if marks:
                o["object_marking_refs"] = marks
            return Entry(key, o, poster, None, tlp)

        # -- TLP 1.0 / 2.0 markings, P1 named -------------------------------------------------
        pub = [ind("pub_clear2", "p1", "clear", [TLP2["clear"]], **cb),
               ind("pub_white1", "p1", "clear", [TLP1["white"]], **cb),
               ind("pub_green2", "p1", "green", [TLP2["green"]], **cb),
               ind("pub_mixed", "p1", "amber", [TLP1["white"], TLP2["amber"]], **cb)]
        self.post("p1", "public", pub)
        e_all = [ind("green2", "p1", "green", [TLP2["green"]], **cb),
                 ind("green1", "p1", "green", [TLP1["green"]], **cb),
                 ind("amber2", "p1", "amber", [TLP2["amber"]], **cb),
                 ind("amber1", "p1", "amber", [TLP1["amber"]], **cb),
                 ind("strict", "p1", "amber+strict", [TLP2["amber+strict"]], **cb),
                 ind("red2", "p1", "red", [TLP2["red"]], **cb),
                 ind("red1", "p1", "red", [TLP1["red"]], **cb)]
        gr = ind("gran_red", "p1", "red", [TLP2["green"]], **cb)
        gr.obj["description"] = "granular red part"
        gr.obj["granular_markings"] = [{"marking_ref": TLP2["red"], "selectors": ["description"]}]
        gs = ind("gran_strict", "p1", "amber+strict", [TLP2["clear"]], **cb)
        gs.obj["granular_markings"] = [{"marking_ref": TLP2["amber+strict"],
                                        "selectors": ["name"]}]
        sr = ind("strict_rcpt", "p1", "amber+strict", [TLP2["amber+strict"]], **cb)
        sr.obj["x_renkei_recipients"] = [O["r"].name]
        sr.recipients = {"r"}
        rr = ind("red_rcpt", "p1", "red", [TLP2["red"]], **cb)
        rr.obj["x_renkei_recipients"] = [O["g"].name]
        rr.recipients = {"g"}
        bad = ind("bad_rcpt", "p1", "red", [TLP2["red"]], **cb)
        bad.obj["x_renkei_recipients"] = ["no-such-org-zq"]
        bad.expect_ok = False
        self.post("p1", "all", e_all + [gr, gs, sr, rr, bad])
        self.post("p1", "energy", [ind("energy_amber", "p1", "amber", [TLP2["amber"]], **cb)])
        self.post("p1", "all", [ind("p1_named", "p1", "green", [TLP2["green"]], **cb)])

        # -- automatic scope, default rules ---------------------------------------------------
        inc = Entry("inc_p1", make("incident", **cb), "p1", None, "amber")
        inc.scope = {"electric-power"}
        self.post("p1", "all", [inc])
        incb = Entry("inc_b1", make("incident", name="Wire fraud campaign"), "b1", None, "amber")
        incb.scope = {"finance"}
        self.post("b1", "all", [incb])
        self.post("g", "all", [Entry("ind_auto", make("indicator", name="auto green"), "g", None,
                                     "green"),
                               Entry("sco_auto", make("ipv4-addr", value="198.51.100.77"), "g",
                                     None, "green"),
                               Entry("mal_auto", make("malware"), "g", None, "green")])
        self.post("g", "reddef", [Entry("mal_reddef", make("malware", name="RedDefault"), "g",
                                        None, "red")])

        # -- rule changes through PUT /api/v1/policy -----------------------------------------
        st, _, pol = self.api("GET", "policy", self.fx.coord)
        if st != 200 or not isinstance(pol, dict):
            self.error("GET /api/v1/policy", "HTTP %d %r" % (st, pol))
            pol = None
        else:
            self.policy_original = copy.deepcopy(pol)
            new = copy.deepcopy(pol)
            new["scope_rules"] = [
                {"name": "breakit-labels-red", "match": {"labels": ["breakit-sensitive"]},
                 "tlp": "red"},
                {"name": "breakit-gas-malware", "match": {"types": ["malware"],
                                                          "sectors": ["gas"]},
                 "tlp": "amber+strict"},
                {"name": "breakit-energy-coll", "match": {"collections": ["Energy"]},
                 "tlp": "amber", "audience": "collection"},
                {"name": "breakit-tool-finance", "match": {"types": ["tool"]}, "tlp": "amber",
                 "audience": "sector:finance"},
            ] + list(pol.get("scope_rules", []))
            st, _, body = self.api("PUT", "policy", self.fx.coord, new)
            if st not in (200, 204):
                self.error("PUT /api/v1/policy (rules)", "HTTP %d %r" % (st, body))
        lab = Entry("lab_red", make("indicator", name="labelled", labels=["breakit-sensitive"]),
                    "g", None, "red")
        mal2 = Entry("mal_gas2", make("malware", name="GasMalware"), "g", None, "amber+strict")
        self.post("g", "all", [lab, mal2])
        self.post("p1", "energy", [Entry("tool_energy", make("tool", **cb), "p1", None, "amber")])
        tf = Entry("tool_fin", make("tool", name="FinTool", **cb), "p1", None, "amber")
        tf.scope = {"finance"}
        self.post("p1", "all", [tf])

        # -- anonymity ------------------------------------------------------------------------
        p2 = O["p2"]
        own_ident = make("identity", name=p2.name, id=p2.identity_id) if p2.identity_id else None
        alias_ident = make("identity", name=p2.name.upper())
        self.dropped_ids = [alias_ident["id"]]
        a = make("indicator", name="p2 sector mode", created_by_ref=p2.identity_id, **REMOVED)
        a["x_opencti_created_by_ref"] = p2.identity_id
        a2 = make("indicator", name="p2 alias ref", created_by_ref=alias_ident["id"])
        ents = [Entry("an_p2", a, "p2", None, "green", mode="sector"),
                Entry("an_p2_alias", a2, "p2", None, "green", mode="sector")]
        drop = []
        if own_ident:
            drop.append(Entry("drop_p2_own", own_ident, "p2", None, "clear", mode="sector"))
        drop.append(Entry("drop_p2_alias", alias_ident, "p2", None, "clear", mode="sector"))
        self.post("p2", "all", drop + ents)
        # dropped identities: success in the status, but nothing stored
        for e in drop:
            e.dropped_ok = e.ok
            e.ok = False
        green_id = self.by_key("green2").id
        s = make("sighting", sighting_of_ref=green_id, where_sighted_refs=[p2.identity_id],
                 object_marking_refs=[TLP2["green"]])
        sp2 = Entry("sight_p2", s, "p2", None, "green", joins=[green_id], mode="sector")
        self.credit_before = self.credit("p1")
        self.credit_before_coord = self.credit("p1", coord=True)
        self.post("p2", "all", [sp2])
        b2 = O["b2"]
        self.post("b2", "all", [
            Entry("an_b2", make("indicator", name="b2 below k", created_by_ref=b2.identity_id,
                                object_marking_refs=[TLP2["green"]]), "b2", None, "green",
                  mode="anonymous"),
            Entry("sight_b2", make("sighting", sighting_of_ref=green_id,
                                   where_sighted_refs=[b2.identity_id],
                                   object_marking_refs=[TLP2["green"]]), "b2", None, "green",
                  joins=[green_id], mode="anonymous")])
        self.post("m1", "all", [Entry("an_m1", make("indicator", name="m1 anon",
                                                    created_by_ref=O["m1"].identity_id),
                                      "m1", None, "green", mode="anonymous")],
                  headers={"X-Renkei-Anonymity": "named"})
        self.post("p5", "all", [Entry("an_p5", make("indicator", name="p5 anon",
                                                    created_by_ref=O["p5"].identity_id),
                                      "p5", None, "green", mode="anonymous")],
                  headers={"X-Renkei-Anonymity": "sector"})
        self.post("p6", "all", [Entry("an_p6", make("indicator", name="p6 token anon",
                                                    created_by_ref=O["p6"].identity_id),
                                      "p6", None, "green", mode="anonymous")])
        self.post("p3", "all", [Entry("an_p3", make("indicator", name="p3 header sector",
                                                    created_by_ref=O["p3"].identity_id),
                                      "p3", None, "green", mode="sector")],
                  headers={"X-Renkei-Anonymity": "sector"})
        p4o = make("indicator", name="p4 property anon", created_by_ref=O["p4"].identity_id)
        p4o["x_renkei_anonymity"] = "anonymous"
        self.post("p4", "all", [Entry("an_p4", p4o, "p4", None, "green", mode="anonymous")])
        self.header_bad = self.post("p1", "all", [Entry("hdr_bad", make("indicator"), "p1",
                                                        None, "green", expect_ok=False)],
                                    headers={"X-Renkei-Anonymity": "secret"},
                                    expect_status=400)

        # -- own identifiers of the ISP (policy "refuse", then "redact") -----------------------
        isp = O["isp"]
        refuse = [
            Entry("own_dom", make("indicator", pattern="[domain-name:value = 'mail.isp-example.jp']"),
                  "isp", None, "green", expect_ok=False),
            Entry("own_ip", make("ipv4-addr", value="203.0.113.7"), "isp", None, "green",
                  expect_ok=False),
            Entry("own_ip6", make("indicator", pattern="[ipv6-addr:value = '2001:db8:77::5']"),
                  "isp", None, "green", expect_ok=False),
            Entry("own_name", make("malware", description="Seen on the mail relay of ISP "
                                   "Example KK"), "isp", None, "green", expect_ok=False),
            Entry("own_lookalike", make("domain-name", value="notisp-example.jp"), "isp", None,
                  "green"),
            Entry("own_outside", make("ipv4-addr", value="203.0.114.9"), "isp", None, "green"),
        ]
        self.post("isp", "all", refuse)
        isp.posts_named = True
        if pol is not None:
            st, _, cur = self.api("GET", "policy", self.fx.coord)
            cur = dict(cur) if isinstance(cur, dict) else {}
            cur["own_identifiers"] = "redact"
            st, _, body = self.api("PUT", "policy", self.fx.coord, cur)
            if st not in (200, 204):
                self.error("PUT /api/v1/policy (redact)", "HTTP %d %r" % (st, body))
        red = [Entry("own_redact", make("malware", name="EdgeWorm",
                                        description="Seen on the mail relay of ISP Example KK"),
                     "isp", None, "green"),
               Entry("own_redact_pat",
                     make("indicator", pattern="[domain-name:value = 'mail.isp-example.jp']"),
                     "isp", None, "green", expect_ok=False)]
        self.post("isp", "all", red)
        if pol is not None:
            cur["own_identifiers"] = "refuse"
            self.api("PUT", "policy", self.fx.coord, cur)

        # -- joins ----------------------------------------------------------------------------
        amber_id, red_id = self.by_key("amber2").id, self.by_key("red2").id
        inc_id = self.by_key("inc_p1").id
        ghost = "indicator--%s" % uuid.uuid4()

        def rel(key, src, dst):
            o = make("relationship", source_ref=src, target_ref=dst,
                     object_marking_refs=[TLP2["green"]], **cb)
            return Entry(key, o, "p1", None, "green", joins=[src, dst])

        self.post("p1", "all", [rel("rel_vis", green_id, amber_id),
                                rel("rel_red", green_id, red_id),
                                rel("rel_inc", green_id, inc_id),
                                rel("rel_ghost", green_id, ghost)])
        self.post("g", "all", [Entry("sight_g_inc", make("sighting", sighting_of_ref=inc_id,
                                                         object_marking_refs=[TLP2["green"]]),
                                     "g", None, "green", joins=[inc_id])])
        self.post("r", "all", [Entry("sight_r_red", make("sighting", sighting_of_ref=red_id,
                                                         object_marking_refs=[TLP2["green"]]),
                                     "r", None, "green", joins=[red_id])])
        # correlation: another org posts the very same object into another collection
        copy_obj = copy.deepcopy(self.by_key("green2").obj)
        self.post("r", "corr", [Entry("corr_r", copy_obj, "r", None, "green")])
        time.sleep(0.2)
        self.credit_after = self.credit("p1")
        self.credit_after_coord = self.credit("p1", coord=True)
        self.find_sector_identities()

    def by_key(self, key):
        for e in self.entries:
            if e.key == key:
                return e
        raise KeyError(key)

    def credit(self, org_key, coord=False):
        """GET /api/v1/credit as the organisation's reader, or (coord) the coordinator's view
        of that organisation."""
        if coord:
            st, _, body = self.api("GET", "credit?org=%s" % self.orgs[org_key].name,
                                   self.fx.coord)
        else:
            st, _, body = self.api("GET", "credit", self.orgs[org_key].reader)
        return body if st == 200 and isinstance(body, dict) else None

    def find_sector_identities(self):
        """Sector identity ids the hub created (identity objects named 'An organisation...')."""
        ids = set()
        st, _, body = self.hub.get_objects(self.fx.c_all, self.fx.coord,
                                           "match[type]=identity&limit=1000")
        if st == 200 and isinstance(body, dict):
            for o in body.get("objects", []):
                if str(o.get("name", "")).startswith("An organisation in the"):
                    ids.add(o["id"])
        self._sector_ids = ids


def taxii_path(*parts):
    return API_ROOT + "".join(p.strip("/") + "/" for p in parts)


__all__ = ["World", "Entry", "Org", "make", "K", "TLP1", "TLP2", "RANK", "REMOVED",
           "REMOVED_NAMES", "OWN_ID_RES", "SECTOR_NAMES", "taxii_path", "TAXII", "JSON"]
