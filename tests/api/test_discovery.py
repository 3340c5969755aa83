# SPDX-License-Identifier: Apache-2.0
"""Discovery, API root, media types, error bodies and authentication of the TAXII interface."""
import unittest

from harness import API_ROOT, JSON, TAXII, TAXII_BARE, HubTestCase

UNKNOWN_TOKEN = "rk_" + "0123456789abcdef" * 4


class TestDiscovery(HubTestCase):
    def test_discovery_lists_the_hub_api_root(self):
        st, hdrs, body = self.hub.req("GET", "/taxii2/", token=self.fx.power_reader)
        self.assertEqual(st, 200, body)
        self.assertTrue(hdrs.get("Content-Type", "").startswith(TAXII_BARE))
        self.assertIsInstance(body.get("title"), str)
        self.assertTrue(body["title"])
        roots = body.get("api_roots")
        self.assertIsInstance(roots, list)
        self.assertTrue(any(r.rstrip("/").endswith("/hub") or r == API_ROOT for r in roots),
                        roots)

    def test_discovery_is_public(self):
        st, _, body = self.hub.req("GET", "/taxii2/")
        self.assertEqual(st, 200, body)
        self.assertIn("api_roots", body)

    def test_discovery_default_is_an_advertised_root(self):
        st, _, body = self.hub.req("GET", "/taxii2/", token=self.fx.power_reader)
        self.assertEqual(st, 200, body)
        if "default" in body:
            self.assertIn(body["default"], body["api_roots"])

    def test_api_root_information(self):
        st, hdrs, body = self.hub.req("GET", API_ROOT, token=self.fx.power_reader)
        self.assertEqual(st, 200, body)
        self.assertTrue(hdrs.get("Content-Type", "").startswith(TAXII_BARE))
        self.assertIsInstance(body.get("title"), str)
        self.assertIn(TAXII, [v.replace(" ", "") for v in body.get("versions", [])])
        self.assertEqual(body.get("max_content_length"), 100 * 1024 * 1024)

    def test_unknown_api_root_is_404_taxii_error(self):
        self.assertTaxiiError(self.hub.req("GET", "/nosuchroot/", token=self.fx.coord), 404)

    def test_healthz_is_public(self):
        st, hdrs, body = self.hub.req("GET", "/healthz", accept=JSON)
        self.assertEqual(st, 200)
        self.assertEqual(body, {"status": "ok"})


class TestMediaTypes(HubTestCase):
    def collections(self, accept):
        return self.hub.req("GET", API_ROOT + "collections/", token=self.fx.power_reader,
                            accept=accept)

    def test_accept_taxii_21(self):
        st, hdrs, body = self.collections(TAXII)
        self.assertEqual(st, 200, body)
        ctype = hdrs.get("Content-Type", "").replace(" ", "")
        self.assertEqual(ctype, TAXII)

    def test_accept_bare_taxii(self):
        st, _, body = self.collections(TAXII_BARE)
        self.assertEqual(st, 200, body)
        self.assertIn("collections", body)

    def test_accept_any_and_missing(self):
        for accept in ("*/*", None):
            with self.subTest(accept=accept):
                st, _, body = self.collections(accept)
                self.assertEqual(st, 200, body)

    def test_accept_application_json_is_406(self):
        self.assertTaxiiError(self.collections(JSON), 406)

    def test_accept_taxii_20_is_406(self):
        self.assertTaxiiError(self.collections("application/taxii+json;version=2.0"), 406)

    def test_post_with_application_json_is_415(self):
        resp = self.hub.post_objects(self.fx.c_all, [], self.fx.power_contrib, content_type=JSON)
        self.assertTaxiiError(resp, 415)

    def test_post_with_bare_taxii_content_type_accepted(self):
        st, _, body = self.hub.post_objects(self.fx.c_all, [], self.fx.power_contrib,
                                            content_type=TAXII_BARE)
        self.assertEqual(st, 202, body)


class TestErrors(HubTestCase):
    def test_error_object_shape(self):
        st, hdrs, body = self.hub.req(
            "GET", API_ROOT + "collections/00000000-0000-4000-8000-000000000000/",
            token=self.fx.coord)
        self.assertEqual(st, 404)
        self.assertTrue(hdrs.get("Content-Type", "").startswith(TAXII_BARE))
        self.assertIsInstance(body, dict)
        self.assertIsInstance(body.get("title"), str)
        # TAXII 2.1 section 3.6.1: http_status is a string equal to the HTTP status
        self.assertEqual(body.get("http_status"), "404")

    def test_unknown_path_under_root_is_json_not_html(self):
        for path in (API_ROOT + "nosuch/", API_ROOT + "collections/x/y/z/w/v/", "/taxii2/x/"):
            with self.subTest(path=path):
                st, hdrs, body = self.hub.req("GET", path, token=self.fx.coord)
                self.assertGreaterEqual(st, 400)
                self.assertLess(st, 500)
                self.assertNotIn(b"<html", body if isinstance(body, bytes) else b"")
                self.assertTaxiiError((st, hdrs, body), st)

    def test_wrong_method_is_json_error(self):
        st, hdrs, body = self.hub.req("PUT", API_ROOT + "collections/", token=self.fx.coord,
                                      body={})
        self.assertIn(st, (404, 405))
        self.assertTaxiiError((st, hdrs, body), st)

    def test_bad_collection_id_is_404(self):
        self.assertTaxiiError(
            self.hub.req("GET", API_ROOT + "collections/not-a-uuid/objects/",
                         token=self.fx.coord), 404)


class TestReasonPhrases(HubTestCase):
    """The status line's reason phrase and the error body's title name a status alike, for
    every error status a client can make the hub send on TAXII routes (and the admin API's
    errors, whose JSON error object carries the title too)."""

    server_args = ("--max-content-length", "4096")

    def test_reason_phrase_is_the_title(self):
        objects = API_ROOT + "collections/%s/objects/" % self.fx.c_all
        bad_envelope = {"objects": "not a list"}
        cases = [
            (400, "GET", objects + "?limit=many", {"token": self.fx.coord}),
            (401, "GET", API_ROOT + "collections/", {"token": UNKNOWN_TOKEN}),
            (403, "POST", API_ROOT + "collections/%s/objects/" % self.fx.c_readonly,
             {"token": self.fx.power_contrib, "body": {"objects": []}}),
            (404, "GET", API_ROOT + "collections/00000000-0000-4000-8000-000000000000/",
             {"token": self.fx.coord}),
            (405, "DELETE", "/taxii2/", {"token": self.fx.coord}),
            (406, "GET", "/taxii2/", {"token": self.fx.coord, "accept": JSON}),
            # the admin API's errors from the server itself carry the title beside "error"
            (401, "GET", "/api/v1/orgs", {"token": UNKNOWN_TOKEN, "accept": JSON}),
            (413, "POST", objects, {"token": self.fx.coord, "body": "x" * 5000}),
            (414, "GET", objects + "?match[id]=" + "a" * 9000, {"token": self.fx.coord}),
            (415, "POST", objects, {"token": self.fx.coord, "body": bad_envelope,
                                    "content_type": JSON}),
            (422, "POST", objects, {"token": self.fx.coord, "body": bad_envelope}),
            (431, "GET", "/taxii2/", {"token": self.fx.coord,
                                      "headers": {"X-Many-%d" % i: "1" for i in range(120)}}),
        ]
        for status, method, path, kw in cases:
            with self.subTest(status=status, path=path[:60]):
                st, _, body = self.hub.req(method, path, **kw)
                self.assertEqual(st, status, body)
                self.assertIsInstance(body, dict, body)
                self.assertEqual(self.hub.last_reason, body["title"],
                                 "status line and body name %d differently" % status)


class TestAuth(HubTestCase):
    def assert401(self, resp):
        body = self.assertTaxiiError(resp, 401)
        www = resp[1].get_all("WWW-Authenticate") or []
        joined = ", ".join(www)
        self.assertIn('Bearer realm="renkei"', joined)
        self.assertIn('Basic realm="renkei"', joined)
        return body

    def test_unknown_bearer_token_is_401(self):
        self.assert401(self.hub.req("GET", API_ROOT + "collections/", token=UNKNOWN_TOKEN))

    def test_malformed_bearer_token_is_401(self):
        for tok in ("garbage", "rk_xyz", "rk_" + "g" * 64):
            with self.subTest(token=tok):
                self.assert401(self.hub.req("GET", API_ROOT + "collections/", token=tok))

    def test_unknown_basic_password_is_401(self):
        self.assert401(self.hub.req("GET", API_ROOT + "collections/",
                                    basic=("someone", UNKNOWN_TOKEN)))

    def test_malformed_basic_header_is_401(self):
        self.assert401(self.hub.req("GET", API_ROOT + "collections/",
                                    headers={"Authorization": "Basic !!!notbase64"}))

    def test_basic_with_token_as_password_works(self):
        st, _, body = self.hub.req("GET", API_ROOT + "collections/",
                                   basic=("ignored-user", self.fx.power_reader))
        self.assertEqual(st, 200, body)
        ids = {c["id"] for c in body.get("collections", [])}
        self.assertIn(self.fx.c_power, ids)

    def test_basic_and_bearer_see_the_same(self):
        _, _, a = self.hub.req("GET", API_ROOT + "collections/",
                               basic=("u", self.fx.gas_reader))
        _, _, b = self.hub.req("GET", API_ROOT + "collections/", token=self.fx.gas_reader)
        self.assertEqual(a, b)

    def test_bad_token_on_discovery_is_401_not_anonymous(self):
        self.assert401(self.hub.req("GET", API_ROOT + "collections/%s/objects/"
                                    % self.fx.c_public, token=UNKNOWN_TOKEN))


if __name__ == "__main__":
    unittest.main()
