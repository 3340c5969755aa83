# SPDX-License-Identifier: Apache-2.0
"""The default version ("last") is the latest version the requester may see, black box, with
the versions posted out of version order so that older versions are added after newer ones:
versions whose newer version has the same access metadata are skipped by the store (the fast
path of policy_query), and a hidden newer version is still never shown and never hides the
visible older one. Each reader's paged "last" manifest equals the newest version per id of
its own match[version]=all manifest, in date_added order.

Standard fixture: tepco (power) posts; jr (rail) and bank (finance) are named recipients of
RED versions; tokyo-gas (gas) is a member that sees GREEN only.
"""
import unittest

from harness import API_ROOT, HubTestCase, indicator, stix_id
from sharing_world import TLP2


def month(m):
    return "2024-%02d-01T00:00:00.000Z" % m


class TestVisibleLast(HubTestCase):
    def green(self, obj):
        return dict(obj, object_marking_refs=[TLP2["green"]])

    def red_for(self, obj, org):
        return dict(obj, object_marking_refs=[TLP2["red"]], x_renkei_recipients=[org])

    def post(self, *objs):
        """Posts each object in its own envelope, in the order given (so date_added order)."""
        for o in objs:
            self.hub.post_complete(self.fx.c_all, [o], self.fx.power_contrib)

    def pages(self, token, route, query):
        """Every entry of a paged list (objects or manifest), following next."""
        out, nxt = [], None
        for _ in range(10000):
            q = query + ("&next=%s" % nxt if nxt else "")
            st, _, body = self.hub.req("GET", "%scollections/%s/%s/?%s" % (
                API_ROOT, self.fx.c_all, route, q), token=token)
            self.assertEqual(st, 200, body)
            out += body.get("objects", [])
            if not body.get("more"):
                return out
            nxt = body["next"]
        self.fail("paging did not end")

    def last_of(self, token, oid):
        """The modified of oid that token gets by default, the same in lists paged by 1 and by
        100, in the manifest and from GET object; None if it gets none (and GET is 404)."""
        seen = set()
        for query in ("limit=1", "limit=100"):
            got = [o["modified"] for o in self.pages(token, "objects", query) if o["id"] == oid]
            self.assertLessEqual(len(got), 1, "%s listed twice" % oid)
            seen.add(got[0] if got else None)
        man = [o["version"] for o in self.pages(token, "manifest", "limit=100") if o["id"] == oid]
        self.assertLessEqual(len(man), 1)
        seen.add(man[0][:19] + ".000Z" if man else None)
        st, _, body = self.hub.req("GET", "%scollections/%s/objects/%s/" % (
            API_ROOT, self.fx.c_all, oid), token=token)
        self.assertIn(st, (200, 404), body)
        objs = body.get("objects", []) if st == 200 else []
        self.assertLessEqual(len(objs), 1)
        seen.add(objs[0]["modified"] if objs else None)
        self.assertEqual(len(seen), 1, "%s: reads disagree: %r" % (oid, seen))
        return seen.pop()

    def test_same_metadata_gives_the_newest(self):
        base = indicator(1)
        self.post(*(self.green(dict(base, modified=month(m))) for m in (2, 3, 1)))
        for tok in (self.fx.bank_contrib, self.fx.gas_reader, self.fx.rail_reader,
                    self.fx.power_reader, self.fx.coord):
            self.assertEqual(self.last_of(tok, base["id"]), month(3))

    def test_hidden_newer_red_neither_shows_nor_hides(self):
        base = indicator(2)
        self.post(self.red_for(dict(base, modified=month(3), name="red v3"), self.fx.rail),
                  self.green(dict(base, modified=month(1))),
                  self.green(dict(base, modified=month(2))))
        for tok in (self.fx.bank_contrib, self.fx.gas_reader):
            self.assertEqual(self.last_of(tok, base["id"]), month(2))
            self.assertNotIn(b"red v3", self.hub.last_raw)  # GET object's answer
        self.assertEqual(self.last_of(self.fx.rail_reader, base["id"]), month(3))
        self.assertIn(b"red v3", self.hub.last_raw)

    def test_newer_version_for_other_recipients(self):
        base = indicator(3)
        self.post(self.red_for(dict(base, modified=month(2)), self.fx.bank),
                  self.red_for(dict(base, modified=month(1)), self.fx.rail))
        self.assertEqual(self.last_of(self.fx.rail_reader, base["id"]), month(1))
        self.assertEqual(self.last_of(self.fx.bank_contrib, base["id"]), month(2))
        self.assertIsNone(self.last_of(self.fx.gas_reader, base["id"]))

    def test_newer_relationship_to_a_hidden_end(self):
        a, b = self.green(indicator(4)), self.green(indicator(5))
        hidden = self.red_for(indicator(6), self.fx.rail)
        rel = {"type": "relationship", "spec_version": "2.1", "id": stix_id("relationship"),
               "created": month(1), "relationship_type": "related-to",
               "object_marking_refs": [TLP2["green"]]}
        self.post(a, b, hidden,
                  dict(rel, modified=month(2), source_ref=a["id"], target_ref=hidden["id"]),
                  dict(rel, modified=month(1), source_ref=a["id"], target_ref=b["id"]))
        self.assertEqual(self.last_of(self.fx.bank_contrib, rel["id"]), month(1))
        self.assertEqual(self.last_of(self.fx.rail_reader, rel["id"]), month(2))

    def test_last_is_the_newest_of_all_visible(self):
        # A history per id, posted newest first, then the rest: every older version is added
        # after the newer ones, and neighbours often share their metadata.
        hist = [("g", "g", "g"), ("g", "r", "g"), ("r", "g", "g"), ("g", "g", "b"),
                ("b", "r", "g"), ("r", "r", "g"), ("g", "b", "b")]
        for n, h in enumerate(hist):
            base = indicator(10 + n)
            vers = []
            for m, kind in enumerate(h, start=1):
                o = dict(base, modified=month(m))
                vers.append(self.green(o) if kind == "g" else
                            self.red_for(o, self.fx.rail if kind == "r" else self.fx.bank))
            self.post(vers[-1], *vers[:-1])
        for tok in (self.fx.bank_contrib, self.fx.gas_reader, self.fx.rail_reader,
                    self.fx.power_reader, self.fx.coord):
            every = self.pages(tok, "manifest", "limit=1000&match[version]=all")
            newest = {}
            for e in every:
                if e["id"] not in newest or e["version"] > newest[e["id"]]["version"]:
                    newest[e["id"]] = e
            want = sorted(newest.values(), key=lambda e: e["date_added"])
            for query in ("limit=1", "limit=3", "limit=1000"):
                got = self.pages(tok, "manifest", query)
                self.assertEqual([(e["id"], e["version"], e["date_added"]) for e in got],
                                 [(e["id"], e["version"], e["date_added"]) for e in want],
                                 query)


if __name__ == "__main__":
    unittest.main()
