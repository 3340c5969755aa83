# SPDX-License-Identifier: Apache-2.0
"""Who may mint tokens, and what the hub remembers of it: attacks that must fail or be seen.

The coordinator can mint a token for any organisation and read with it what that
organisation may read, RED included: that cannot be prevented (it runs the hub), so it must
be visible: the creation is an audit entry naming the coordinator, the member's own token
list shows the token as created by the coordinator, and every audit entry made with it says
that the coordinator minted it. Members manage their own organisation's tokens (up to their
own role, never coordinator); readers, other organisations and former members cannot.

The fixture's tokens were made with `renkei token create`, so they count as the
coordinator's; each test first lets the member rotate: its onboarding analyst token creates
a token of its own.
"""
import hashlib
import time
import unittest

from harness import JSON, HubTestCase, sqlite_db
from sharing_world import TLP2, make


def token_id(token):
    return hashlib.blake2b(token.encode(), digest_size=32).hexdigest()[:16]


class TestTokenMinting(HubTestCase):
    def api(self, method, path, token=None, body=None):
        return self.hub.req(method, "/api/v1/" + path, token=token, body=body, accept=JSON,
                            content_type=JSON if body is not None else None)

    def create(self, by, org, role, label=None, status=201):
        body = {"org": org, "role": role}
        if label is not None:
            body["label"] = label
        st, _, out = self.api("POST", "tokens", by, body)
        self.assertEqual(st, status, out)
        return out

    def own_token(self, role="contributor", label="own"):
        """A token power created for itself with its onboarding (coordinator-made) token."""
        return self.create(self.fx.power_analyst, self.fx.power, role, label)["token"]

    def coord_org_id(self):
        st, _, body = self.api("GET", "tokens", self.fx.coord)
        self.assertEqual(st, 200, body)
        return [t["org_id"] for t in body["tokens"] if t["id"] == token_id(self.fx.coord)][0]

    def audit(self, action=None):
        st, _, body = self.api("GET", "audit?limit=10000", self.fx.coord)
        self.assertEqual(st, 200, body)
        return [e for e in body["entries"] if action is None or e["action"] == action]

    def works(self, token):
        return self.hub.req("GET", "/hub/collections/", token=token)[0]

    def red_object_of_power(self):
        """A RED indicator power posts with a token of its own: only power may read it."""
        own = self.own_token(label="poster")
        obj = make("indicator", name="red secret of power",
                   object_marking_refs=[TLP2["red"]])
        st, _, body = self.hub.post_objects(self.fx.c_all, [obj], own)
        self.assertEqual(st, 202, body)
        final = self.hub.wait_status(body, own)
        self.assertEqual(final.get("success_count"), 1, final)
        return obj, own

    def read(self, obj, token):
        return self.hub.req("GET", "/hub/collections/%s/objects/%s/" % (self.fx.c_all, obj["id"]),
                            token=token)

    # -- the attack of the review: the coordinator reads a member's RED data ----------------

    def test_coordinator_reading_red_through_a_minted_token_is_seen(self):
        obj, own = self.red_object_of_power()
        coord_org = self.coord_org_id()
        self.assertEqual(self.read(obj, self.fx.coord)[0], 404)  # RED: not the coordinator's

        minted = self.create(self.fx.coord, self.fx.power, "reader", "quiet")
        self.assertEqual(minted["created_by"], "coordinator")
        self.assertEqual(minted["created_by_org_id"], coord_org)
        st, _, body = self.read(obj, minted["token"])
        self.assertEqual(st, 200, body)  # it works: the coordinator runs the hub...
        self.assertEqual(self.read(obj, own)[0], 200)

        # ...but the read is the coordinator's in the audit log
        reads = [e for e in self.audit("read")
                 if obj["id"] in str(e["detail"].get("objects"))]
        marked = [e for e in reads if "minted_by_coordinator" in e["detail"]]
        self.assertEqual(len(marked), 1, reads)
        self.assertEqual(marked[0]["org_id"], self.fx.org_ids[self.fx.power])
        self.assertEqual(marked[0]["detail"]["minted_by_coordinator"],
                         {"token": token_id(minted["token"]), "org_id": coord_org})
        self.assertEqual(len(reads), 2, reads)  # and the member's own read is not marked

        # the creation is an audit entry of the coordinator's, naming org, role and token
        created = [e for e in self.audit("token-create")
                   if e["detail"].get("token") == token_id(minted["token"])]
        self.assertEqual(len(created), 1)
        e = created[0]
        self.assertEqual((e["org_id"], e["route"]), (coord_org, "api-tokens-add"))
        self.assertEqual(e["detail"]["org_id"], self.fx.org_ids[self.fx.power])
        self.assertEqual(e["detail"]["org"], self.fx.power)
        self.assertEqual(e["detail"]["role"], "reader")
        self.assertEqual(e["detail"]["created_by"], "coordinator")

        # the member sees the token in its own list, as created by the coordinator
        st, _, mine = self.api("GET", "tokens", own)
        self.assertEqual(st, 200, mine)
        rows = {t["id"]: t for t in mine["tokens"]}
        row = rows[token_id(minted["token"])]
        self.assertEqual((row["created_by"], row["created_by_org_id"], row["label"]),
                         ("coordinator", coord_org, "quiet"))
        self.assertTrue(row["created"])
        self.assertEqual(rows[token_id(own)]["created_by"], "self")
        self.assertEqual(rows[token_id(own)]["created_with"], token_id(self.fx.power_analyst))
        self.assertEqual(rows[token_id(self.fx.power_analyst)]["created_by"], "coordinator")
        # and so does the coordinator's command line
        listed = self.hub.cli("token", "list", "--org", self.fx.power)
        cli_rows = {t["id"]: t for t in listed["tokens"]}
        self.assertEqual(cli_rows[token_id(minted["token"])]["created_by"], "coordinator")
        self.assertEqual(cli_rows[token_id(own)]["created_by"], "self")

        # the member revokes it; the revocation is audited as the member's
        st, _, body = self.api("DELETE", "tokens/" + token_id(minted["token"]), own)
        self.assertEqual(st, 200, body)
        self.assertEqual(self.read(obj, minted["token"])[0], 401)
        gone = [e for e in self.audit("token-revoke")
                if e["detail"].get("token") == token_id(minted["token"])]
        self.assertEqual(len(gone), 1)
        self.assertEqual(gone[0]["org_id"], self.fx.org_ids[self.fx.power])
        self.assertEqual((gone[0]["detail"]["revoked_by"], gone[0]["detail"]["created_by"]),
                         ("self", "coordinator"))
        p = self.hub.run_cli("audit", "verify", "--json")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_posting_as_a_member_through_a_minted_token_is_seen(self):
        coord_org = self.coord_org_id()
        minted = self.create(self.fx.coord, self.fx.power, "contributor", "impostor")["token"]
        obj = make("indicator", name="posted in power's name",
                   object_marking_refs=[TLP2["amber"]])
        st, _, body = self.hub.post_objects(self.fx.c_all, [obj], minted)
        self.assertEqual(st, 202, body)
        self.assertEqual(self.hub.wait_status(body, minted).get("success_count"), 1)
        writes = [e for e in self.audit("write") if obj["id"] in str(e["detail"])]
        self.assertEqual(len(writes), 1, writes)
        self.assertEqual(writes[0]["org_id"], self.fx.org_ids[self.fx.power])
        self.assertEqual(writes[0]["detail"]["minted_by_coordinator"],
                         {"token": token_id(minted), "org_id": coord_org})

    def test_every_creation_and_revocation_is_audited(self):
        coord_org = self.coord_org_id()
        before = len(self.audit())
        by_api = self.create(self.fx.coord, self.fx.gas, "contributor", "api")
        by_cli = self.hub.cli("token", "create", "--org", self.fx.gas, "--role", "reader",
                              "--label", "cli")
        self.assertEqual(by_cli["created_by"], "coordinator")
        by_member = self.create(self.fx.gas_contrib, self.fx.gas, "reader", "self-made")
        self.assertEqual(by_member["created_by"], "self")
        self.assertEqual(by_member["created_with"], token_id(self.fx.gas_contrib))
        self.assertEqual(self.api("DELETE", "tokens/" + token_id(by_api["token"]),
                                  self.fx.coord)[0], 200)
        self.assertEqual(self.api("DELETE", "tokens/" + token_id(by_member["token"]),
                                  self.fx.gas_contrib)[0], 200)
        self.hub.cli("token", "revoke", token_id(by_cli["token"]))
        new = self.audit()[before:]
        raw = str(new)
        got = [(e["action"], e["route"], e["org_id"], e["detail"]["token"], e["detail"]["org_id"],
                e["detail"]["role"]) for e in new]
        gas = self.fx.org_ids[self.fx.gas]
        self.assertEqual(got, [
            ("token-create", "api-tokens-add", coord_org, token_id(by_api["token"]), gas,
             "contributor"),
            ("token-create", "cli:token create", coord_org, token_id(by_cli["token"]), gas,
             "reader"),
            ("token-create", "api-tokens-add", gas, token_id(by_member["token"]), gas, "reader"),
            ("token-revoke", "api-tokens-revoke", coord_org, token_id(by_api["token"]), gas,
             "contributor"),
            ("token-revoke", "api-tokens-revoke", gas, token_id(by_member["token"]), gas,
             "reader"),
            ("token-revoke", "cli:token revoke", coord_org, token_id(by_cli["token"]), gas,
             "reader"),
        ])
        self.assertEqual([e["detail"].get("revoked_by") for e in new[3:]],
                         ["coordinator", "self", "coordinator"])
        # gas_contrib was made by `renkei token create`: what it did may be the coordinator's
        for e in (new[2], new[4]):
            self.assertEqual(e["detail"]["minted_by_coordinator"]["token"],
                             token_id(self.fx.gas_contrib))
        for tok in (by_api, by_cli, by_member):
            self.assertNotIn(tok["token"][3:], raw)

    # -- members manage their own organisation's tokens, and cannot escalate -----------------

    def test_member_creates_for_itself_up_to_its_role(self):
        own = self.own_token("contributor")
        made = self.create(own, self.fx.power, "reader", "feed")
        for key in ("token", "org", "org_id", "role", "label", "anonymity"):  # the old shape
            self.assertIn(key, made)
        self.assertEqual((made["org"], made["role"], made["created_by"]),
                         (self.fx.power, "reader", "self"))
        self.assertEqual(made["created_with"], token_id(own))
        self.assertEqual(self.works(made["token"]), 200)
        self.create(own, self.fx.org_ids[self.fx.power], "contributor")  # by id, same role

    def test_member_cannot_escalate_or_reach_others(self):
        own = self.own_token("contributor")
        before = len(self.audit("token-create"))
        refused = [
            (own, self.fx.power, "analyst"),             # higher than its own role
            (own, self.fx.power, "coordinator"),
            (self.fx.power_analyst, self.fx.power, "coordinator"),
            (own, self.fx.gas, "reader"),                # another organisation
            (own, self.fx.org_ids[self.fx.gas], "reader"),
            (own, "no-such-org", "reader"),              # 403 too: existence is not told
            (self.fx.power_reader, self.fx.power, "reader"),  # a reader creates nothing
        ]
        for tok, org, role in refused:
            with self.subTest(org=org, role=role):
                st, _, body = self.api("POST", "tokens", tok, {"org": org, "role": role})
                self.assertEqual(st, 403, body)
                self.assertIsInstance(body.get("error"), str)
                self.assertNotIn("token", body)
        self.assertEqual(len(self.audit("token-create")), before)
        # and a reader cannot revoke its way up either
        st, _, body = self.api("DELETE", "tokens/" + token_id(own), self.fx.power_reader)
        self.assertEqual(st, 403, body)
        self.assertEqual(self.works(own), 200)
        # a contributor cannot revoke the analyst token above it
        st, _, body = self.api("DELETE", "tokens/" + token_id(self.fx.power_analyst), own)
        self.assertEqual(st, 403, body)
        self.assertEqual(self.works(self.fx.power_analyst), 200)

    def test_former_members_cannot_list_or_create(self):
        # a revoked token
        own = self.own_token("analyst", "leaving soon")
        self.assertEqual(self.api("DELETE", "tokens/" + token_id(own), own)[0], 200)
        for method, path, body in (("GET", "tokens", None),
                                   ("POST", "tokens", {"org": self.fx.power, "role": "reader"}),
                                   ("DELETE", "tokens/" + token_id(self.fx.power_reader), None)):
            with self.subTest(method=method):
                self.assertEqual(self.api(method, path, own, body)[0], 401)
        # an organisation removed from the hub (its row deleted, tokens left behind): no
        # command removes one (a member leaving is disabled, which revokes its tokens), so
        # only an edit of the database file makes this state. SQLite-only.
        org = self.hub.org_add("gone-co", "water")
        tok = self.hub.token_create("gone-co", "analyst")
        self.assertEqual(self.api("GET", "tokens", tok)[0], 200)
        db = sqlite_db(self.hub, "an organisation deleted by hand, its tokens left behind",
                       write=True)
        try:
            db.execute("DELETE FROM orgs WHERE id = ?", (org["id"],))
            db.commit()
        finally:
            db.close()
        deadline = time.monotonic() + 3.0  # the server's entity cache keeps it up to 1 s
        while self.api("GET", "tokens", tok)[0] != 401 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.api("GET", "tokens", tok)[0], 401)
        self.assertEqual(self.api("POST", "tokens", tok, {"org": org["id"], "role": "reader"})[0],
                         401)


if __name__ == "__main__":
    unittest.main()
