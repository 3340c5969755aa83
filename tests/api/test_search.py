# SPDX-License-Identifier: Apache-2.0
"""test_search.py: GET /api/v1/search, "has anyone else seen this?", black box.

The same C&C domain is posted, written three different ways (plain, upper case with a
trailing dot, as an SCO), by organisations in three sectors; a fourth posts it at TLP:RED
for one named recipient, a fifth anonymously. Search must normalise the query (defanged,
any case), count organisations and sectors under the k rule, list only what the requester
may see (the RED one only for its recipient), find an address inside a posted range and a
range around posted addresses, page most recent first, refuse bad queries with a message
naming the item, and never show who reported anything.
"""
import json
import unittest
import urllib.parse

from harness import HubTestCase, indicator, stix_id
from sharing_world import TLP2

DOMAIN = "c2.bad-example.jp"


def sco_domain(value):
    return {"type": "domain-name", "spec_version": "2.1", "id": stix_id("domain-name"),
            "value": value}


class SearchTest(HubTestCase):
    @classmethod
    def extra_setup(cls):
        hub, fx = cls.hub, cls.fx
        fx.power2 = "kansai-power-test"
        fx.org_ids[fx.power2] = hub.org_add(fx.power2, "electric-power")["id"]
        fx.power2_contrib = hub.token_create(fx.power2, "contributor")
        fx.bank_reader = hub.token_create(fx.bank, "reader")

    @classmethod
    def after_start(cls):
        hub, fx = cls.hub, cls.fx
        cls.posted = {}
        green = {"object_marking_refs": [TLP2["green"]]}
        plain = indicator(1, pattern="[domain-name:value = '%s']" % DOMAIN, **green)
        upper = indicator(2, pattern="[domain-name:value = '%s.']" % DOMAIN.upper(), **green)
        sco = dict(sco_domain(DOMAIN), **green)
        red = indicator(3, pattern="[domain-name:value = '%s' OR ipv4-addr:value = '192.0.2.9']"
                        % DOMAIN, object_marking_refs=[TLP2["red"]],
                        x_renkei_recipients=[fx.power])
        anon = indicator(4, pattern="[domain-name:value = '%s']" % DOMAIN,
                         x_renkei_anonymity="anonymous", **green)
        rng = indicator(5, pattern="[ipv4-addr:value = '198.51.100.0/24']", **green)
        addr = indicator(6, pattern="[ipv4-addr:value = '203.0.113.77']", **green)
        for key, obj, token in (("power", plain, fx.power_contrib), ("gas", upper, fx.gas_contrib),
                                ("rail", sco, fx.rail_contrib), ("bank", red, fx.bank_contrib),
                                ("power2", anon, fx.power2_contrib),
                                ("range", rng, fx.power_contrib),
                                ("addr", addr, fx.gas_contrib)):
            hub.post_complete(fx.c_all, [obj], token)
            cls.posted[key] = obj["id"]

    def search(self, token, q, **params):
        query = urllib.parse.urlencode(dict(q=q, **params))
        st, _, body = self.hub.req("GET", "/api/v1/search?" + query, token=token,
                                   accept="application/json")
        return st, body

    def ok(self, token, q, **params):
        st, body = self.search(token, q, **params)
        self.assertEqual(st, 200, body)
        raw = self.hub.last_raw.decode()
        for name, oid in self.fx.org_ids.items():  # never who reported
            self.assertNotIn(name, raw)
            self.assertNotIn(oid, raw)
        return body["results"]

    def test_one_domain_written_four_ways_is_one_observable(self):
        (r,) = self.ok(self.fx.gas_reader, "C2.Bad-Example[.]JP.")
        self.assertEqual((r["type"], r["value"]), ("domain", DOMAIN))
        ids = [o["id"] for o in r["objects"]]
        want = {self.posted[k] for k in ("power", "gas", "rail", "power2")}
        self.assertEqual(set(ids), want)
        self.assertNotIn(self.posted["bank"], ids)  # RED, gas is no recipient
        for o in r["objects"]:
            self.assertEqual(set(o), {"id", "type", "collection", "date_added"})
            self.assertEqual(o["collection"], self.fx.c_all)
        added = [o["date_added"] for o in r["objects"]]
        self.assertEqual(added, sorted(added, reverse=True))  # most recent first
        self.assertEqual(r["first_seen"], added[-1])
        self.assertEqual(r["last_seen"], added[0])
        # 4 organisations (power, gas, rail, power2) are fewer than k = 5
        self.assertEqual(r["organisations"], "fewer than k")
        self.assertEqual(r["sectors"], "fewer than k")
        self.assertEqual(r["sector_names"], [])
        self.assertFalse(r["more"])

    def test_red_object_only_for_its_recipient(self):
        (r,) = self.ok(self.fx.power_reader, DOMAIN)
        self.assertIn(self.posted["bank"], [o["id"] for o in r["objects"]])
        (r,) = self.ok(self.fx.gas_reader, "192.0.2.9")
        self.assertEqual(r["objects"], [])
        self.assertEqual(r["organisations"], 0)
        self.assertIsNone(r["first_seen"])
        (r,) = self.ok(self.fx.power_reader, "192.0.2.9")
        self.assertEqual([o["id"] for o in r["objects"]], [self.posted["bank"]])

    def test_address_in_range_and_range_around_addresses(self):
        (r,) = self.ok(self.fx.rail_reader, "198.51.100.7")
        self.assertEqual([o["id"] for o in r["objects"]], [self.posted["range"]])
        (r,) = self.ok(self.fx.rail_reader, "203.0.0.0/16")
        self.assertEqual([o["id"] for o in r["objects"]], [self.posted["addr"]])
        self.assertEqual(r["type"], "cidr4")
        (r,) = self.ok(self.fx.rail_reader, "198.51.0.0/16")
        self.assertEqual([o["id"] for o in r["objects"]], [self.posted["range"]])

    def test_several_values_and_paging(self):
        res = self.ok(self.fx.gas_reader, "%s, 198.51.100.1, 2001:db8::1" % DOMAIN)
        self.assertEqual([r["type"] for r in res], ["domain", "ipv4", "ipv6"])
        self.assertEqual(res[2]["objects"], [])
        (full,) = self.ok(self.fx.gas_reader, DOMAIN)
        seen, before = [], None
        while True:
            params = {"limit": 1} if before is None else {"limit": 1, "before": before}
            (r,) = self.ok(self.fx.gas_reader, DOMAIN, **params)
            seen += [o["id"] for o in r["objects"]]
            if not r["more"]:
                break
            before = r["next"]
        self.assertEqual(seen, [o["id"] for o in full["objects"]])

    def test_bad_requests(self):
        st, body = self.search(self.fx.gas_reader, "example.jp,exa mple")
        self.assertEqual(st, 400)
        self.assertIn("item 2", body["error"])
        st, body = self.search(self.fx.gas_reader, "")
        self.assertEqual(st, 400)
        self.assertIn("q is required", body["error"])
        for bad in ("0", "1001", "x"):
            st, body = self.search(self.fx.gas_reader, DOMAIN, limit=bad)
            self.assertEqual(st, 400, bad)
        st, body = self.search(self.fx.gas_reader, DOMAIN, before="yesterday")
        self.assertEqual(st, 400)
        st, body = self.search(self.fx.gas_reader, ",".join("10.0.0.%d" % i for i in range(101)))
        self.assertEqual(st, 400)

    def test_cli_asks_the_hub_as_the_api(self):
        base = "%s://%s:%d" % (self.hub.scheme, self.hub.host, self.hub.port)
        tls = ["--insecure"] if self.hub.scheme == "https" else []
        got = self.hub.cli("search", *tls, "--token", self.fx.gas_reader, base,
                           "C2.Bad-Example[.]JP", "198.51.100.7", data=False)
        want = self.ok(self.fx.gas_reader, "C2.Bad-Example[.]JP,198.51.100.7")
        self.assertEqual(got["results"], want)
        p = self.hub.run_cli("search", *tls, "--token", self.fx.gas_reader, base, DOMAIN,
                             data=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("domain %s" % DOMAIN, p.stdout)
        self.assertIn("reported by %s organisation(s)" % want[0]["organisations"], p.stdout)
        for oid in {self.posted[k] for k in ("power", "gas", "rail", "power2")}:
            self.assertIn(oid, p.stdout)
        p = self.hub.run_cli("search", *tls, "--token", self.fx.gas_reader, base, "exa mple.jp",
                             data=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("item 1", p.stderr)
        p = self.hub.run_cli("search", base, data=False)
        self.assertEqual(p.returncode, 2)

    def test_members_only(self):
        st, _ = self.search(None, DOMAIN)
        self.assertEqual(st, 401)


class SearchCountsTest(SearchTest):
    """The same world with k = 2 (every other check holds as well): counts are shown, and a
    sector is named only from 2 members on."""

    @classmethod
    def extra_setup(cls):
        super().extra_setup()
        cls.hub.cli("policy", "set", "--sector-k", "2")

    def test_one_domain_written_four_ways_is_one_observable(self):
        (r,) = self.ok(self.fx.gas_reader, DOMAIN)
        self.assertEqual(r["organisations"], 4)
        self.assertEqual(r["sectors"], 3)
        # electric-power has 2 members (power, power2); gas and railways 1 each
        self.assertEqual(r["sector_names"], ["electric-power"])
        (r,) = self.ok(self.fx.power_reader, DOMAIN)  # the RED one counts for its recipient
        self.assertEqual((r["organisations"], r["sectors"]), (5, 4))


if __name__ == "__main__":
    unittest.main()
