# SPDX-License-Identifier: Apache-2.0
"""Listing and revoking API tokens: GET /api/v1/tokens, DELETE /api/v1/tokens/{id},
`renkei token list|revoke`. A token is shown by its id (the start of its hash), never by its
secret; a revoked token is refused at once by the server that revoked it and within a
second by a server running beside the CLI that did; the last coordinator token stays; every
revocation is in the audit log; members reach their own organisation's tokens only (who
may create which token, and what the audit says of it: test_token_minting.py)."""
import hashlib
import time
import unittest

from harness import API_ROOT, JSON, HubTestCase


def token_id(token):
    return hashlib.blake2b(token.encode(), digest_size=32).hexdigest()[:16]


class TestTokens(HubTestCase):
    def api(self, method, path, token=None, body=None):
        return self.hub.req(method, "/api/v1/" + path, token=token, body=body, accept=JSON,
                            content_type=JSON if body is not None else None)

    def works(self, token):
        """The HTTP status of a member's read with token (200 while it is valid)."""
        st, _, _ = self.hub.req("GET", API_ROOT + "collections/", token=token)
        return st

    def new_token(self, role="reader", label="probe"):
        st, _, body = self.api("POST", "tokens", self.fx.coord,
                               {"org": self.fx.power, "role": role, "label": label})
        self.assertEqual(st, 201, body)
        return body["token"]

    def test_list_shows_ids_never_secrets(self):
        tok = self.new_token(label="listed")
        st, _, body = self.api("GET", "tokens", self.fx.coord)
        self.assertEqual(st, 200, body)
        rows = {t["id"]: t for t in body["tokens"]}
        self.assertIn(token_id(tok), rows)
        row = rows[token_id(tok)]
        self.assertEqual(row["org_id"], self.fx.org_ids[self.fx.power])
        self.assertEqual(row["org"], self.fx.power)  # as `renkei token list --json` shows it
        self.assertEqual((row["role"], row["label"]), ("reader", "listed"))
        self.assertEqual(len(row["id"]), 16)
        self.assertNotIn(tok, self.hub.last_raw.decode())
        self.assertNotIn(tok[3:], self.hub.last_raw.decode())
        # ?org= narrows the list to one organisation
        st, _, body = self.api("GET", "tokens?org=%s" % self.fx.gas, self.fx.coord)
        self.assertEqual(st, 200, body)
        self.assertTrue(body["tokens"])
        self.assertEqual({t["org_id"] for t in body["tokens"]}, {self.fx.org_ids[self.fx.gas]})
        self.assertEqual(self.api("GET", "tokens?org=no-such-org", self.fx.coord)[0], 404)

    def test_members_reach_only_their_own_organisation(self):
        """A member of any role lists its own organisation's tokens and nothing else; a
        reader revokes nothing; no organisation's tokens are anyone's without a token."""
        victim = self.new_token()
        gas_tok = self.hub.token_create(self.fx.gas, "reader")
        for token in (self.fx.power_reader, self.fx.power_contrib, self.fx.power_analyst):
            with self.subTest(token=token[:10]):
                st, _, body = self.api("GET", "tokens", token)
                self.assertEqual(st, 200, body)
                self.assertEqual({t["org_id"] for t in body["tokens"]},
                                 {self.fx.org_ids[self.fx.power]})
                self.assertIn(token_id(victim), {t["id"] for t in body["tokens"]})
                self.assertNotIn(token_id(gas_tok), self.hub.last_raw.decode())
                for org in (self.fx.gas, self.fx.org_ids[self.fx.gas], "no-such-org"):
                    self.assertEqual(self.api("GET", "tokens?org=" + org, token)[0], 403)
                self.assertEqual(self.api("GET", "tokens?org=" + self.fx.power, token)[0], 200)
                # another organisation's token does not exist for a member
                self.assertEqual(self.api("DELETE", "tokens/" + token_id(gas_tok), token)[0],
                                 403 if token == self.fx.power_reader else 404)
        self.assertEqual(self.api("DELETE", "tokens/" + token_id(victim),
                                  self.fx.power_reader)[0], 403)
        self.assertEqual(self.api("GET", "tokens")[0], 401)
        self.assertEqual(self.api("DELETE", "tokens/" + token_id(victim))[0], 401)
        self.assertEqual(self.works(victim), 200)
        self.assertEqual(self.works(gas_tok), 200)

    def test_revoke_by_id_refuses_at_once_and_is_audited(self):
        tok = self.new_token(role="contributor", label="leaked")
        self.assertEqual(self.works(tok), 200)
        st, _, body = self.api("DELETE", "tokens/" + token_id(tok)[:12], self.fx.coord)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["revoked"]["id"], token_id(tok))
        self.assertEqual(body["revoked"]["label"], "leaked")
        # the server that revoked it refuses it at once (its cache was emptied)
        self.assertEqual(self.works(tok), 401)
        st, _, body = self.api("GET", "tokens", self.fx.coord)
        self.assertNotIn(token_id(tok), {t["id"] for t in body["tokens"]})
        # a second revocation finds nothing
        self.assertEqual(self.api("DELETE", "tokens/" + token_id(tok), self.fx.coord)[0], 404)
        st, _, audit = self.api("GET", "audit?limit=10000", self.fx.coord)
        self.assertEqual(st, 200, audit)
        entries = [e for e in audit["entries"] if e["action"] == "token-revoke"
                   and e.get("detail", {}).get("token") == token_id(tok)]
        self.assertEqual(len(entries), 1, audit)
        self.assertEqual(entries[0]["detail"]["label"], "leaked")
        self.assertEqual(entries[0]["route"], "api-tokens-revoke")
        self.assertNotIn(tok[3:], self.hub.last_raw.decode())

    def test_bad_ids(self):
        tok = self.new_token()
        for ref, status in (("abc", 400),               # too short to be safe
                            ("zz" * 8, 400),            # not hexadecimal
                            (tok, 400),                 # the secret itself: never in a URL
                            ("0123456789ab", 404)):     # no such token (one in 2^48)
            with self.subTest(ref=ref[:12]):
                st, _, body = self.api("DELETE", "tokens/" + ref, self.fx.coord)
                self.assertEqual(st, status, body)
                self.assertIsInstance(body.get("error"), str)
        self.assertEqual(self.works(tok), 200)

    def test_last_coordinator_token_stays(self):
        st, _, body = self.api("DELETE", "tokens/" + token_id(self.fx.coord), self.fx.coord)
        self.assertEqual(st, 409, body)
        self.assertIn("last coordinator token", body["error"])
        self.assertEqual(self.api("GET", "orgs", self.fx.coord)[0], 200)
        # with a second coordinator token, either may go (and the first keeps working)
        second = self.new_token(role="coordinator", label="spare")
        st, _, body = self.api("DELETE", "tokens/" + token_id(second), self.fx.coord)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.api("GET", "orgs", second)[0], 401)
        self.assertEqual(self.api("GET", "orgs", self.fx.coord)[0], 200)

    def test_cli_list_and_revoke_reach_the_running_server(self):
        tok = self.hub.token_create(self.fx.rail, "reader")
        self.assertEqual(self.works(tok), 200)
        listed = self.hub.cli("token", "list", "--org", self.fx.rail)
        rows = {t["id"]: t for t in listed["tokens"]}
        self.assertIn(token_id(tok), rows)
        self.assertEqual(rows[token_id(tok)]["org"], self.fx.rail)
        self.assertNotIn(tok, str(listed))
        # the CLI takes the token itself too, and says what it revoked
        out = self.hub.cli("token", "revoke", tok)
        self.assertEqual(out["revoked"]["id"], token_id(tok))
        # another process revoked it: the server sees it within its cache's recheck
        deadline = time.monotonic() + 3.0
        while self.works(tok) != 401 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.works(tok), 401)
        p = self.hub.run_cli("token", "revoke", tok)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("no such token", p.stderr)
        p = self.hub.run_cli("token", "revoke", token_id(self.fx.coord))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("last coordinator token", p.stderr)

    def test_cli_revoke_all_of_an_organisation(self):
        org = self.hub.org_add("leaving-co", "finance")["name"]
        toks = [self.hub.token_create(org, role) for role in ("reader", "contributor")]
        for tok in toks:
            self.assertEqual(self.works(tok), 200)
        out = self.hub.cli("token", "revoke", "--org", org, "--all")
        self.assertEqual(sorted(t["id"] for t in out["revoked"]), sorted(map(token_id, toks)))
        self.assertEqual(out["refused"], [])
        self.assertEqual(self.hub.cli("token", "list", "--org", org)["tokens"], [])
        deadline = time.monotonic() + 3.0
        while any(self.works(t) != 401 for t in toks) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual([self.works(t) for t in toks], [401, 401])
        # the coordinator organisation's last coordinator token is kept, and said so
        rows = self.api("GET", "tokens", self.fx.coord)[2]["tokens"]
        coord_org = [t["org_id"] for t in rows if t["id"] == token_id(self.fx.coord)][0]
        p = self.hub.run_cli("token", "revoke", "--org", coord_org, "--all", "--json")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("last coordinator token", p.stdout)
        self.assertEqual(self.api("GET", "orgs", self.fx.coord)[0], 200)
        # --all wants --org, and no token beside it
        for args in (("--all",), ("--org", org), ("--org", org, "--all", token_id(toks[0]))):
            p = self.hub.run_cli("token", "revoke", *args)
            self.assertEqual(p.returncode, 2, (args, p.stdout, p.stderr))


if __name__ == "__main__":
    unittest.main()
