# SPDX-License-Identifier: Apache-2.0
"""Sharing policy, black box, part 2: the sector threshold set from the CLI, the green delay
switch, the CLI faces of provenance, audit and credit, and tamper evidence of the audit log
(stop the server, change one row with sqlite3, `renkei audit verify` exits 1 naming it).

Its own hub: `renkei policy set --sector-k 2` before the server starts, so the two finance
organisations of this module form a sector that meets k and a third sector (medical, one
organisation) stays below it. test_zz_* stops the server and so runs last.
"""
import json
import unittest

from harness import JSON, HubTestCase, sqlite_db
from sharing_world import REMOVED, TLP2, make


class TestSharingAudit(HubTestCase):
    @classmethod
    def extra_setup(cls):
        hub = cls.hub
        cls.setup_errors = []
        cls.bank2 = "ginko-k2-zq"
        cls.med = "byoin-k2-zq"
        cls.lurker = "lurker-k2-zq"
        for name, sector, mode in ((cls.bank2, "finance", "sector"),
                                   (cls.med, "medical", "sector"),
                                   (cls.lurker, "other", "named")):
            hub.org_add(name, sector, anonymity=mode)
        cls.bank2_contrib = hub.token_create(cls.bank2, "contributor")
        cls.med_contrib = hub.token_create(cls.med, "contributor")
        cls.lurker_reader = hub.token_create(cls.lurker, "reader")
        p = hub.run_cli("policy", "set", "--sector-k", "2", "--json")
        if p.returncode != 0:
            cls.setup_errors.append("renkei policy set --sector-k 2: exit %d %s"
                                    % (p.returncode, (p.stdout + p.stderr)[-300:]))

    def api(self, method, path, token=None, body=None):
        return self.hub.req(method, "/api/v1/" + path, token=token, body=body, accept=JSON,
                            content_type=JSON if body is not None else None)

    def post(self, objs, token, headers=None):
        st, _, body = self.hub.post_objects(self.fx.c_all, objs, token, headers=headers)
        self.assertEqual(st, 202, body)
        return self.hub.wait_status(body, token)

    def read(self, oid, token):
        st, _, body = self.hub.get_objects(self.fx.c_all, token, "match[id]=%s" % oid)
        self.assertEqual(st, 200, body)
        objs = body.get("objects", [])
        return objs[0] if objs else None

    def identity_name(self, iid):
        o = self.read(iid, self.fx.coord)
        return o.get("name") if o else None

    def test_00_cli_setup(self):
        self.assertEqual(self.setup_errors, [])

    def test_sector_k_from_cli_decides_the_identity(self):
        fin = make("indicator", name="finance k2")
        med = make("indicator", name="medical below k2")
        self.post([fin], self.bank2_contrib)
        self.post([med], self.med_contrib)
        o = self.read(fin["id"], self.fx.gas_reader)
        self.assertIsNotNone(o, "another member cannot read a GREEN indicator")
        self.assertEqual(self.identity_name(o.get("created_by_ref")),
                         "An organisation in the Finance sector")
        o = self.read(med["id"], self.fx.gas_reader)
        self.assertIsNotNone(o)
        self.assertEqual(o.get("created_by_ref"), self.hub.init_result.get("identity_id"))
        st, _, body = self.hub.get_objects(self.fx.c_all, self.fx.gas_reader, "limit=1000")
        self.assertNotIn(b"in the Medical sector", self.hub.last_raw)

    def test_green_delay_hides_fresh_green_from_non_contributors(self):
        st, _, pol = self.api("GET", "policy", self.fx.coord)
        self.assertEqual(st, 200, pol)
        try:
            st, _, body = self.api("PUT", "policy", self.fx.coord, dict(pol, green_delay_hours=1))
            self.assertIn(st, (200, 204), body)
            green = make("indicator", name="fresh green", object_marking_refs=[TLP2["green"]])
            clear = make("indicator", name="fresh clear", object_marking_refs=[TLP2["clear"]])
            self.post([green, clear], self.fx.power_contrib)
            self.assertIsNone(self.read(green["id"], self.lurker_reader),
                              "an org that never contributed sees fresh GREEN data")
            self.assertIsNotNone(self.read(clear["id"], self.lurker_reader))
            self.assertIsNotNone(self.read(green["id"], self.fx.power_reader))  # the source
            self.post([make("indicator", name="gas gives")], self.fx.gas_contrib)
            self.assertIsNotNone(self.read(green["id"], self.fx.gas_reader),
                                 "a contributor is delayed too")
            self.assertIsNotNone(self.read(green["id"], self.fx.coord))
        finally:
            self.api("PUT", "policy", self.fx.coord, pol)
        self.assertIsNotNone(self.read(green["id"], self.lurker_reader))

    def test_cli_provenance_show_is_audited(self):
        o = make("indicator", name="prov cli", **REMOVED)
        self.post([o], self.bank2_contrib)
        p = self.hub.run_cli("provenance", "show", o["id"], "--json")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(self.bank2, p.stdout)
        self.assertIn(REMOVED["x_reporter"], p.stdout)
        p = self.hub.run_cli("audit", "list", "--limit", "100000", "--json")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("provenance-read", p.stdout)
        self.assertIn(o["id"], p.stdout)

    def test_cli_credit_show(self):
        o = make("indicator", name="credit cli")
        self.post([o], self.fx.rail_contrib)
        out = self.hub.cli("credit", "show", "--org", self.fx.rail)
        self.assertEqual(out.get("org"), self.fx.rail)
        self.assertGreaterEqual(out.get("contributions", 0), 1)
        self.assertGreaterEqual(out.get("points", 0), 1)

    def test_zz_audit_verify_detects_tampering(self):
        amber = make("incident", name="audited incident")
        self.post([amber], self.fx.power_contrib)
        self.read(amber["id"], self.fx.power_reader)
        self.hub.stop()
        p = self.hub.run_cli("audit", "verify", "--json")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # An intruder edits the database file: SQLite-only (another backend's suite tampers
        # through its own client).
        db = sqlite_db(self.hub, "an audit entry changed by hand in the database file",
                       write=True)
        try:
            rows = db.execute("SELECT seq FROM audit ORDER BY seq").fetchall()
            self.assertGreaterEqual(len(rows), 2, "too few audit entries to tamper with")
            seq = rows[len(rows) // 2][0]
            db.execute("UPDATE audit SET detail = ? WHERE seq = ?",
                       (json.dumps({"objects": []}), seq))
            db.commit()
        finally:
            db.close()
        p = self.hub.run_cli("audit", "verify", "--json")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(str(seq), p.stdout + p.stderr)
        p = self.hub.run_cli("audit", "verify")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn(str(seq), p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
