# SPDX-License-Identifier: Apache-2.0
"""The renkei command line: the --json contract, exit codes, --help, push and pull end to end."""
import json
import os
import subprocess
import unittest
import uuid

from harness import (API_ROOT, TOKEN_RE, Hub, HubTestCase, indicator, renkei_bin, served,
                     test_data, TESTS_DATA)

COMMANDS = ("init", "serve", "org", "token", "collection", "push", "pull")


class TestCliContract(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub()  # runs `renkei init --json` and checks the token

    @classmethod
    def tearDownClass(cls):
        cls.hub.cleanup()

    def test_init_json(self):
        out = self.hub.init_result
        self.assertRegex(out["token"], TOKEN_RE)
        self.assertTrue(os.path.exists(os.path.join(self.hub.data, "renkei.db")))

    def test_init_twice_refused(self):
        p = self.hub.run_cli("init", "--json")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("error", json.loads(p.stdout))

    def test_org_add_json(self):
        out = self.hub.org_add("cli-org", "medical", anonymity="sector")
        self.assertIsInstance(out["id"], str)
        self.assertEqual(out.get("name"), "cli-org")
        self.assertEqual(out.get("sector"), "medical")
        self.assertEqual(out.get("anonymity"), "sector")

    def test_token_create_json(self):
        self.hub.org_add("cli-tok", "ports")
        for role in ("reader", "contributor", "analyst", "coordinator"):
            with self.subTest(role=role):
                self.assertRegex(self.hub.token_create("cli-tok", role), TOKEN_RE)

    def test_tokens_are_distinct(self):
        self.hub.org_add("cli-two", "logistics")
        self.assertNotEqual(self.hub.token_create("cli-two", "reader"),
                            self.hub.token_create("cli-two", "reader"))

    def test_collection_add_json(self):
        self.hub.org_add("cli-coll", "water")
        a = self.hub.collection_add("one", "sector:gas,water", "org:cli-coll")
        b = self.hub.collection_add("two", "public", "all")
        self.assertNotEqual(a, b)

    def json_failure(self, *args):
        p = self.hub.run_cli(*(list(args) + ["--json"]))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        out = json.loads(p.stdout)
        self.assertIsInstance(out.get("error"), str)
        return out

    def test_duplicate_org_fails_with_json_error(self):
        self.hub.org_add("cli-dup", "gas")
        self.json_failure("org", "add", "--name", "cli-dup", "--sector", "gas")

    def test_bad_own_identifiers_file_is_named(self):
        # The error names the file and the line, and no organisation is created.
        path = os.path.join(self.hub.tmp, "bad-own-ids.txt")
        with open(path, "w") as f:
            f.write("# our domains\nexample.org\n10.0.0.0/33\n")
        out = self.json_failure("org", "add", "--name", "cli-badids", "--sector", "energy",
                                "--own-identifiers", path)
        self.assertTrue(out["error"].startswith(path + ": own identifiers line 3: "), out)
        p = self.hub.run_cli("org", "list", "--json")
        self.assertNotIn("cli-badids", p.stdout)

    def test_unknown_sector_fails(self):
        self.json_failure("org", "add", "--name", "cli-nosector", "--sector", "astrology")

    def test_token_for_unknown_org_fails(self):
        self.json_failure("token", "create", "--org", "no-such-org", "--role", "reader")

    def test_uninitialised_data_dir_fails(self):
        p = subprocess.run([renkei_bin(), "org", "list", "--data",
                            os.path.join(self.hub.tmp, "nothing-here"), "--json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("error", json.loads(p.stdout))

    def test_bad_usage_exit_2(self):
        cases = [["org", "add", "--name", "x"],                      # missing --sector
                 ["org", "add", "--name", "x", "--sector", "gas", "--bogus"],
                 ["token", "create", "--org", "x"],                   # missing --role
                 ["collection", "add", "--title", "t", "--read", "all"],
                 ["no-such-command"], ["org", "frobnicate"]]
        for args in cases:
            with self.subTest(args=args):
                p = self.hub.run_cli(*args)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertTrue(p.stderr.strip(), "bad usage without a message on stderr")

    def test_help_exit_0(self):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                p = self.hub.run_cli(cmd, "--help", data=False)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn(cmd, p.stdout)
                self.assertIn("usage", p.stdout.lower())


class TestServe(unittest.TestCase):
    def setUp(self):
        self.hub = Hub()

    def tearDown(self):
        try:
            self.hub.stop()
        finally:
            self.hub.cleanup()

    def test_ready_line(self):
        port = self.hub.start()
        self.assertEqual(self.hub.ready_line,
                         "renkei: listening on http://127.0.0.1:%d/" % port)
        self.assertGreater(port, 0)

    def test_ready_line_json(self):
        port = self.hub.start("--json")
        ready = json.loads(self.hub.ready_line)
        self.assertEqual(ready, {"listen": "http://127.0.0.1:%d/" % port, "port": port})

    def test_restart_keeps_data(self):
        self.hub.start()
        cid = self.hub.collection_add("kept", "all", "all")
        self.hub.stop()
        self.hub.start()
        st, _, body = self.hub.req("GET", API_ROOT + "collections/%s/" % cid,
                                   token=self.hub.coordinator)
        self.assertEqual(st, 200, body)
        self.assertEqual(body["title"], "kept")

    def test_plain_http_on_public_address_refused(self):
        p = subprocess.run([renkei_bin(), "serve", "--data", self.hub.data, "--listen",
                            "0.0.0.0:0"], capture_output=True, text=True, timeout=30)
        self.assertIn(p.returncode, (1, 2), p.stdout + p.stderr)
        self.assertNotIn("listening", p.stdout)
        self.assertTrue(p.stderr.strip())


class TestPushPull(HubTestCase):
    @classmethod
    def extra_setup(cls):
        cls.c_push = cls.hub.collection_add("push", "all", "all")
        cls.c_page = cls.hub.collection_add("page", "all", "all")

    def url(self, cid):
        return self.hub.url(API_ROOT + "collections/%s/" % cid)

    def run_sync(self, *args):
        return self.hub.run_cli(*args, data=False, timeout=300)

    def test_push_bundle_then_pull_bundle(self):
        path = os.path.join(TESTS_DATA, "bundle.json")
        sent = test_data("bundle.json")["objects"]
        p = self.run_sync("push", "--token", self.fx.power_contrib, self.url(self.c_push), path)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = self.run_sync("pull", "--token", self.fx.gas_reader, self.url(self.c_push))
        self.assertEqual(p.returncode, 0, p.stderr)
        bundle = json.loads(p.stdout)
        self.assertEqual(bundle["type"], "bundle")
        self.assertTrue(bundle["id"].startswith("bundle--"))
        self.assertEqual(sorted(bundle["objects"], key=lambda o: o["id"]),
                         sorted((served(o) for o in sent), key=lambda o: o["id"]))

    def test_pull_follows_paging(self):
        objs = [indicator(i) for i in range(7)]
        self.hub.post_complete(self.c_page, objs, self.fx.power_contrib)
        out = os.path.join(self.hub.tmp, "pulled.json")
        p = self.run_sync("pull", "--token", self.fx.rail_reader, "--limit", "2", "--out", out,
                          "--json", self.url(self.c_page))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        summary = json.loads(p.stdout)
        self.assertEqual(summary["objects"], 7)
        self.assertGreaterEqual(summary["pages"], 4)
        with open(out) as f:
            bundle = json.load(f)
        self.assertEqual(sorted(bundle["objects"], key=lambda o: o["id"]),
                         sorted((served(o) for o in objs), key=lambda o: o["id"]))

    def test_push_with_refused_objects_exit_4(self):
        path = os.path.join(TESTS_DATA, "invalid-envelope.json")
        p = self.run_sync("push", "--token", self.fx.power_contrib, self.url(self.c_push), path)
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)

    def test_push_shows_pattern_warnings(self):
        # A pattern naming a property the specification does not define is stored, and
        # renkei push shows the hub's warning; an impossible value is a refusal.
        typo = indicator(40, pattern="[ipv4-addr:valeu = '198.51.100.40']")
        bad = indicator(41, pattern="[ipv4-addr:value = '198.51.100.300']")
        path = os.path.join(self.hub.tmp, "warned.json")
        with open(path, "w") as f:
            json.dump({"type": "bundle", "id": "bundle--%s" % uuid.uuid4(),
                       "objects": [typo, bad]}, f)
        p = self.run_sync("push", "--token", self.fx.power_contrib, self.url(self.c_push), path)
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        self.assertIn("warning: pattern: property 'valeu' is not defined for ipv4-addr",
                      p.stdout)
        self.assertIn(typo["id"], p.stdout)
        self.assertIn("ipv4-addr:value = '198.51.100.300': value must be an IPv4 address",
                      p.stdout)

    def test_push_with_bad_token_exit_1(self):
        path = os.path.join(TESTS_DATA, "bundle.json")
        p = self.run_sync("push", "--token", "rk_" + "cd" * 32, self.url(self.c_push), path)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)

    def test_pull_forbidden_collection_exit_1(self):
        p = self.run_sync("pull", "--token", self.fx.rail_reader, self.url(self.fx.c_energy))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
