# SPDX-License-Identifier: Apache-2.0
"""renkei's admin JSON API (/api/v1/...): coordinator only, shapes, errors, effects."""
import unittest
import uuid

from harness import API_ROOT, JSON, TOKEN_RE, HubTestCase

UNKNOWN_TOKEN = "rk_" + "ab" * 32


class TestAdmin(HubTestCase):
    def api(self, method, path, token=None, body=None):
        return self.hub.req(method, "/api/v1/" + path, token=token, body=body, accept=JSON,
                            content_type=JSON if body is not None else None)

    def assertApiError(self, resp, status):
        st, hdrs, body = resp
        self.assertEqual(st, status, body)
        self.assertTrue(hdrs.get("Content-Type", "").startswith(JSON))
        self.assertIsInstance(body, dict, body)
        self.assertIsInstance(body.get("error"), str)
        self.assertTrue(body["error"])
        return body

    def test_without_credentials_401(self):
        for method, path, body in (("GET", "orgs", None), ("GET", "collections", None),
                                   ("POST", "orgs", {"name": "x", "sector": "gas"}),
                                   ("POST", "tokens", {"org": self.fx.gas, "role": "reader"}),
                                   ("POST", "collections", {"title": "t", "read": "all",
                                                            "write": "all"})):
            with self.subTest(method=method, path=path):
                st, hdrs, got = self.api(method, path, body=body)
                self.assertApiError((st, hdrs, got), 401)
                self.assertIn("Bearer", " ".join(hdrs.get_all("WWW-Authenticate") or []))

    def test_unknown_token_401(self):
        self.assertApiError(self.api("GET", "orgs", token=UNKNOWN_TOKEN), 401)

    def test_non_coordinator_403(self):
        for token in (self.fx.power_reader, self.fx.power_contrib, self.fx.power_analyst):
            with self.subTest(token=token[:10]):
                self.assertApiError(self.api("GET", "orgs", token=token), 403)
                self.assertApiError(self.api("POST", "tokens", token=token,
                                             body={"org": self.fx.power, "role": "coordinator"}),
                                    403)

    def test_list_orgs(self):
        st, _, body = self.api("GET", "orgs", token=self.fx.coord)
        self.assertEqual(st, 200, body)
        names = {o["name"]: o for o in body["orgs"]}
        for name in (self.fx.power, self.fx.gas, self.fx.rail, self.fx.bank):
            self.assertIn(name, names)
        self.assertEqual(names[self.fx.power]["sector"], "electric-power")
        self.assertEqual(names[self.fx.power]["id"], self.fx.org_ids[self.fx.power])

    def test_add_org(self):
        st, _, body = self.api("POST", "orgs", token=self.fx.coord,
                               body={"name": "kansai-water", "sector": "water",
                                     "anonymity": "sector"})
        self.assertEqual(st, 201, body)
        self.assertEqual(body["name"], "kansai-water")
        self.assertEqual(body["sector"], "water")
        self.assertEqual(body["anonymity"], "sector")
        self.assertIn("id", body)
        self.assertTrue(str(body["identity_id"]).startswith("identity--"), body)
        st, _, listed = self.api("GET", "orgs", token=self.fx.coord)
        self.assertIn("kansai-water", [o["name"] for o in listed["orgs"]])

    def test_add_org_errors(self):
        for payload in ({"name": "no-sector"}, {"sector": "gas"},
                        {"name": "bad-sector", "sector": "no-such-sector"},
                        {"name": "bad-anon", "sector": "gas", "anonymity": "invisible"},
                        {"name": 5, "sector": "gas"}):
            with self.subTest(payload=payload):
                st, hdrs, body = self.api("POST", "orgs", token=self.fx.coord, body=payload)
                self.assertGreaterEqual(st, 400)
                self.assertLess(st, 500)
                self.assertApiError((st, hdrs, body), st)

    def test_add_duplicate_org_refused(self):
        st, hdrs, body = self.api("POST", "orgs", token=self.fx.coord,
                                  body={"name": self.fx.gas, "sector": "gas"})
        self.assertIn(st, (400, 409), body)
        self.assertApiError((st, hdrs, body), st)

    def test_malformed_body_400(self):
        st, hdrs, body = self.hub.req("POST", "/api/v1/orgs", token=self.fx.coord,
                                      body=b"{not json", accept=JSON, content_type=JSON)
        self.assertApiError((st, hdrs, body), 400)

    def test_created_token_works_for_taxii(self):
        st, _, body = self.api("POST", "tokens", token=self.fx.coord,
                               body={"org": self.fx.rail, "role": "contributor",
                                     "label": "ci"})
        self.assertEqual(st, 201, body)
        self.assertRegex(body["token"], TOKEN_RE)
        self.assertEqual(body["org"], self.fx.rail)
        self.assertEqual(body["role"], "contributor")
        st, _, colls = self.hub.req("GET", API_ROOT + "collections/", token=body["token"])
        self.assertEqual(st, 200, colls)
        flags = {c["id"]: c["can_write"] for c in colls["collections"]}
        self.assertIs(flags[self.fx.c_all], True)

    def test_token_errors(self):
        for payload in ({"org": "no-such-org", "role": "reader"},
                        {"org": self.fx.gas, "role": "emperor"}, {"role": "reader"}):
            with self.subTest(payload=payload):
                st, hdrs, body = self.api("POST", "tokens", token=self.fx.coord, body=payload)
                self.assertIn(st, (400, 404, 422), body)
                self.assertApiError((st, hdrs, body), st)

    def test_add_collection_visible_over_taxii(self):
        st, _, body = self.api("POST", "collections", token=self.fx.coord,
                               body={"title": "Railway news", "description": "d",
                                     "alias": "rail-news", "read": "sector:railways",
                                     "write": "org:" + self.fx.rail})
        self.assertEqual(st, 201, body)
        cid = body["id"]
        uuid.UUID(cid)
        self.assertEqual(body.get("title"), "Railway news")
        st, _, listed = self.api("GET", "collections", token=self.fx.coord)
        self.assertIn(cid, [c["id"] for c in listed["collections"]])
        st, _, got = self.hub.req("GET", API_ROOT + "collections/%s/" % cid,
                                  token=self.fx.rail_reader)
        self.assertEqual(st, 200, got)
        self.assertEqual(got["title"], "Railway news")
        self.assertEqual(got.get("alias"), "rail-news")
        self.assertIs(got["can_read"], True)
        self.assertIs(got["can_write"], False)
        self.assertTaxiiError(self.hub.req("GET", API_ROOT + "collections/%s/" % cid,
                                           token=self.fx.gas_reader), 404)

    def test_collection_errors(self):
        for payload in ({"read": "all", "write": "all"}, {"title": "t", "write": "all"},
                        {"title": "t", "read": "sector:no-such", "write": "all"},
                        {"title": "t", "read": "everyone!", "write": "all"}):
            with self.subTest(payload=payload):
                st, hdrs, body = self.api("POST", "collections", token=self.fx.coord,
                                          body=payload)
                self.assertGreaterEqual(st, 400)
                self.assertLess(st, 500)
                self.assertApiError((st, hdrs, body), st)

    def test_healthz(self):
        st, hdrs, body = self.hub.req("GET", "/healthz", accept=JSON)
        self.assertEqual(st, 200)
        self.assertTrue(hdrs.get("Content-Type", "").startswith(JSON))
        self.assertEqual(body, {"status": "ok"})


if __name__ == "__main__":
    unittest.main()
