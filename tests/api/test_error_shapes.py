# SPDX-License-Identifier: Apache-2.0
"""One error shape per family, whoever answers (the server or a handler), and never the
store's own words: TAXII error objects on TAXII routes, the JSON error object
{"error", "title", "description", "http_status"} on /api/v1 (docs/api.md), one shape per 401
with its WWW-Authenticate header, and a store failure (a database locked by another process)
answered with a generic message while the detail goes to the server log."""
from harness import API_ROOT, JSON, HubTestCase, indicator, sqlite_db

UNKNOWN_TOKEN = "rk_" + "cd" * 32
API_ERROR_KEYS = {"error", "title", "description", "http_status"}
STORE_WORDS = ("sqlite", "database", "locked", "busy", "renkei.db", "sql")


class TestErrorShapes(HubTestCase):
    def api(self, method, path, token=None, body=None):
        return self.hub.req(method, "/api/v1/" + path, token=token, body=body, accept=JSON,
                            content_type=JSON if body is not None else None)

    def assertApiErrorObject(self, resp, status):
        st, hdrs, body = resp
        self.assertEqual(st, status, body)
        self.assertEqual(hdrs.get("Content-Type"), JSON)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(set(body), API_ERROR_KEYS, body)
        self.assertTrue(body["error"])
        self.assertEqual(body["description"], body["error"])
        self.assertEqual(body["http_status"], str(status))
        self.assertEqual(body["title"], self.hub.last_reason)
        return body

    def assertOneChallenge(self, hdrs):
        www = hdrs.get_all("WWW-Authenticate") or []
        self.assertEqual(len(www), 1, www)
        self.assertIn('Bearer realm="renkei"', www[0])
        self.assertIn('Basic realm="renkei"', www[0])

    def test_api_errors_have_one_shape_whoever_answers(self):
        cases = [
            # the server answers these before any handler runs
            (401, ("GET", "orgs", None, None)),
            (401, ("GET", "orgs", UNKNOWN_TOKEN, None)),
            (405, ("PUT", "orgs", self.fx.coord, None)),
            (404, ("GET", "no-such-thing", self.fx.coord, None)),
            # the handlers answer these
            (403, ("GET", "orgs", self.fx.power_reader, None)),
            (400, ("POST", "orgs", self.fx.coord, {"sector": "gas"})),
            (404, ("PATCH", "orgs/no-such-org", self.fx.coord, {"sector": "gas"})),
            (409, ("POST", "orgs", self.fx.coord, {"name": self.fx.gas, "sector": "gas"})),
        ]
        for status, (method, path, token, body) in cases:
            with self.subTest(status=status, method=method, path=path):
                resp = self.api(method, path, token=token, body=body)
                self.assertApiErrorObject(resp, status)
                if status == 401:
                    self.assertOneChallenge(resp[1])

    def test_taxii_401_is_a_taxii_error_only(self):
        st, hdrs, body = self.hub.req("GET", API_ROOT + "collections/", token=UNKNOWN_TOKEN)
        self.assertTaxiiError((st, hdrs, body), 401)
        self.assertNotIn("error", body)
        self.assertEqual(hdrs.get("Content-Type"), "application/taxii+json;version=2.1")
        self.assertOneChallenge(hdrs)


class TestStoreErrorsStayInside(HubTestCase):
    """A store that fails (here: its database locked by another process for longer than the
    server waits) gives 500 with a generic message on both families; the detail is in the
    server log only."""

    def test_locked_store(self):
        db = sqlite_db(self.hub, "holding the SQLite write lock", write=True)
        db.isolation_level = None
        try:
            db.execute("BEGIN EXCLUSIVE")
            api = self.hub.req("POST", "/api/v1/orgs", token=self.fx.coord, accept=JSON,
                               body={"name": "locked-out", "sector": "gas"}, content_type=JSON)
            taxii = self.hub.post_objects(self.fx.c_all, [indicator(901)], self.fx.power_contrib)
        finally:
            db.execute("ROLLBACK")
            db.close()
        st, hdrs, body = api
        self.assertEqual(st, 500, body)
        self.assertEqual(set(body), API_ERROR_KEYS, body)
        self.assertEqual(body["error"], "internal error; see the server log")
        st, hdrs, body = taxii
        self.assertEqual(st, 500, body)
        self.assertTaxiiError(taxii, 500)
        self.assertEqual(body.get("description"), "internal error; see the server log")
        for resp in (api, taxii):
            text = str(resp[2]).lower()
            for word in STORE_WORDS:
                self.assertNotIn(word, text, resp[2])
        # The operator still learns what happened.
        self.assertIn("locked", self.hub.server_stderr().lower())
        # And the hub is fine once the lock is gone.
        st, _, body = self.hub.req("POST", "/api/v1/orgs", token=self.fx.coord, accept=JSON,
                                   body={"name": "after-lock", "sector": "gas"},
                                   content_type=JSON)
        self.assertEqual(st, 201, body)
