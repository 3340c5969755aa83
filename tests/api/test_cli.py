# SPDX-License-Identifier: Apache-2.0
"""The renkei command line: the --json contract, exit codes, --help, push and pull end to end."""
import json
import os
import socket
import subprocess
import unittest
import uuid

from harness import (API_ROOT, TOKEN_RE, Hub, HubTestCase, indicator, renkei_bin, served,
                     stix_id, test_data, TESTS_DATA)

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
        out = self.json_failure("org", "add", "--name", "cli-nosector", "--sector", "astrology")
        # The error lists the keys to choose from, the hub's sector table...
        self.assertTrue(out["error"].startswith("unknown sector 'astrology' (the sectors are: "),
                        out)
        with open(os.path.join(os.path.dirname(TESTS_DATA), "..", "data", "sectors.tsv")) as f:
            keys = [line.split("\t")[0] for line in f if line.strip() and line[0] != "#"]
        # ... but the coordinator's own sector, which no member may be in.
        keys = [k for k in keys if k != "coordination"]
        self.assertEqual(out["error"].split("(the sectors are: ")[1].rstrip(")").split(", "),
                         keys)

    def test_token_for_unknown_org_fails(self):
        self.json_failure("token", "create", "--org", "no-such-org", "--role", "reader")

    def test_uninitialised_data_dir_fails(self):
        p = subprocess.run([renkei_bin(), "org", "list", "--data",
                            os.path.join(self.hub.tmp, "nothing-here"), "--json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("error", json.loads(p.stdout))

    def test_bad_usage_exit_2(self):
        # (arguments, the command named in the message, a word the message must hold)
        cases = [(["org", "add", "--name", "x"], "org add", "--sector"),  # missing --sector
                 (["org", "add", "--name", "x", "--sector", "gas", "--bogus"], "org add",
                  "--bogus"),
                 (["org", "add", "--name", "x", "--sector", "gas", "--anonymity", "shy"],
                  "org add", "--anonymity"),
                 (["token", "create", "--org", "x"], "token create", "--role"),
                 (["token", "create", "--org", "x", "--role", "king"], "token create", "--role"),
                 (["token", "revoke"], "token revoke", "token"),
                 (["collection", "add", "--title", "t", "--read", "all"], "collection add",
                  "--write"),
                 (["collection", "add", "--title", "t", "--read", "all", "--write", "all",
                   "--default-tlp", "pink"], "collection add", "--default-tlp"),
                 (["init", "--bogus"], "init", "--bogus"),
                 (["serve", "--threads", "0"], "serve", "--threads"),
                 (["serve", "--tls-cert", "c.pem"], "serve", "--tls-key"),
                 (["push", "--bogus", "http://127.0.0.1:1/hub/collections/x/", "f"], "push",
                  "--bogus"),
                 (["push", "--batch"], "push", "--batch"),
                 (["push", "http://127.0.0.1:1/hub/collections/x/"], "push", "FILE"),
                 (["pull", "--limit", "none", "http://127.0.0.1:1/hub/collections/x/"], "pull",
                  "--limit"),
                 (["pull"], "pull", "URL"),
                 (["policy", "set"], "policy set", "--sector-k"),
                 (["policy", "set", "--sector-k", "five"], "policy set", "five"),
                 (["policy", "load"], "policy load", "FILE"),
                 (["audit", "list", "--limit", "0"], "audit list", "--limit"),
                 (["credit", "show"], "credit show", "--org"),
                 (["provenance", "show"], "provenance show", "id"),
                 (["org"], "org", "add, list, set, disable or enable"), (["org", "frobnicate"], "org", "frobnicate"),
                 (["token", "frobnicate"], "token", "create, list or revoke")]
        for args, cmd, word in cases:
            with self.subTest(args=args):
                # push and pull take no --data; "org" alone must not read it as a subcommand
                plain = args[0] in ("push", "pull") or len(args) == 1 or args[1] == "frobnicate"
                p = self.hub.run_cli(*args, data=not plain)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                # The problem in one line and where the help is; never the whole usage,
                # which would push the problem off a terminal.
                lines = p.stderr.splitlines()
                self.assertEqual(len(lines), 2, p.stderr)
                self.assertTrue(lines[0].startswith("renkei %s: " % cmd), p.stderr)
                self.assertIn(word, lines[0])
                self.assertEqual(lines[1], "Try 'renkei %s --help'." % cmd)
                self.assertNotIn("Usage", p.stderr)
        for args in (["no-such-command"], ["help", "no-such-command"]):
            with self.subTest(args=args):
                p = self.hub.run_cli(*args, data=False)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertEqual(p.stderr, "renkei: unknown command 'no-such-command'\n"
                                           "Try 'renkei --help'.\n")

    def test_bad_usage_with_json_is_a_json_error(self):
        # A script that asked for --json reads the problem from stdout, as for other failures.
        p = self.hub.run_cli("token", "create", "--org", "x", "--role", "king", "--json")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("--role", json.loads(p.stdout)["error"])

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

    def serve_fails(self, listen):
        p = self.hub.run_cli("serve", "--listen", listen, "--allow-plain-http", timeout=30)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertNotIn("listening", p.stdout)
        return p.stderr.strip()

    def test_port_in_use_is_named(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            listen = "127.0.0.1:%d" % s.getsockname()[1]
            self.assertEqual(self.serve_fails(listen),
                             "renkei: cannot listen on %s: bind: address already in use "
                             "(another process listens on that port)" % listen)

    def test_address_not_here_is_named(self):
        # 192.0.2.1 is TEST-NET-1 (RFC 5737): no interface of a test machine has it.
        self.assertEqual(self.serve_fails("192.0.2.1:0"),
                         "renkei: cannot listen on 192.0.2.1:0: bind: address not available "
                         "(no interface of this machine has it)")

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

    # ---- what push says at the end: grouped by reason, totals last -------------------------

    def refusals_file(self, name, n_pattern=40, n_family=5, n_good=7):
        """A bundle with n_pattern bad patterns (each at a different offset), n_family bad
        is_family values (each a different value) and n_good valid indicators."""
        objs = []
        for i in range(n_pattern):
            objs.append(indicator(i, pattern="[ipv4-addr:value = '198.51.100.%d'%s" %
                                  (i, " " * i)))  # the missing ']' at offset 30 + i or so
        for i in range(n_family):
            objs.append({"type": "malware", "spec_version": "2.1", "id": stix_id("malware"),
                         "created": "2024-01-01T00:00:00.000Z",
                         "modified": "2024-01-01T00:00:00.000Z", "name": "m%d" % i,
                         "is_family": "yes" * (i + 1)})
        objs += [indicator(100 + i) for i in range(n_good)]
        path = os.path.join(self.hub.tmp, name)
        with open(path, "w") as f:
            json.dump({"type": "bundle", "id": stix_id("bundle"), "objects": objs}, f)
        return path, objs

    def test_push_groups_refusals_and_prints_totals_last(self):
        path, objs = self.refusals_file("refusals.json")
        p = self.run_sync("push", "--token", self.fx.power_contrib, self.url(self.c_push), path)
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertLess(len(lines), 15, p.stdout)  # not one line per object
        self.assertTrue(lines[-2].startswith("pushed 52 objects from 1 file to "), p.stdout)
        self.assertEqual(lines[-1], "  7 stored, 45 refused, 0 pending")
        self.assertIn("refused: 45 objects, 2 reasons (--verbose lists every object)", lines)
        # The biggest group first, its reason with placeholders for what differed, its first
        # three ids in the order they were sent, and how many more.
        first = lines.index("refused: 45 objects, 2 reasons (--verbose lists every object)")
        self.assertRegex(lines[first + 1],
                         r"^  40 objects: property 'pattern': .*offset N$")
        self.assertEqual(lines[first + 2], "    %s, %s, %s and 37 more" %
                         (objs[0]["id"], objs[1]["id"], objs[2]["id"]))
        self.assertEqual(lines[first + 3],
                         "  5 objects: property 'is_family': must be a boolean")
        # What the hub changed in the accepted ones (the TLP it assigned), in the same form.
        changed = [i for i, line in enumerate(lines) if line.startswith("changed by the hub: ")]
        self.assertEqual(len(changed), 1, p.stdout)
        self.assertRegex(lines[changed[0] + 1], r"^  7 objects: tlp \w+ by rule '[a-z-]+'$")
        self.assertLess(changed[0], len(lines) - 2)

    def test_push_verbose_lists_every_object(self):
        path, objs = self.refusals_file("verbose.json")
        p = self.run_sync("push", "--verbose", "--token", self.fx.power_contrib,
                          self.url(self.c_push), path)
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        for o in objs[:45]:
            # Every status entry has a version, a refused object's too (its modified).
            self.assertIn("  refused: %s version %s from %s: " % (o["id"], o["modified"], path),
                          p.stdout)
        for o in objs[45:]:
            self.assertIn("  changed: %s version %s from %s: tlp " % (o["id"], o["modified"],
                                                                       path), p.stdout)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[-1], "  7 stored, 45 refused, 0 pending")
        self.assertIn("refused: 45 objects, 2 reasons", p.stdout)

    def test_push_json_keeps_its_keys_and_adds_groups(self):
        a, objs_a = self.refusals_file("a.json", n_pattern=4, n_family=1, n_good=2)
        b, objs_b = self.refusals_file("b.json", n_pattern=2, n_family=0, n_good=1)
        out = self.hub.cli("push", "--token", self.fx.power_contrib, self.url(self.c_push), a, b,
                           data=False, expect=4)
        self.assertEqual(set(out), {"total", "success", "failure", "pending", "failures",
                                    "changed", "groups"})
        self.assertEqual((out["total"], out["success"], out["failure"], out["pending"]),
                         (10, 3, 7, 0))
        self.assertEqual(len(out["failures"]), 7)
        for f in out["failures"]:
            self.assertEqual(set(f), {"id", "version", "message", "file"})
        self.assertEqual([f["id"] for f in out["failures"]],
                         [o["id"] for o in objs_a[:5] + objs_b[:2]])
        self.assertEqual(len(out["changed"]), 3)
        groups = out["groups"]["failures"]
        self.assertEqual([(g["count"], len(g["ids"])) for g in groups], [(6, 3), (1, 1)])
        self.assertEqual(groups[0]["ids"], [o["id"] for o in objs_a[:3]])
        self.assertTrue(groups[0]["reason"].endswith("offset N"), groups)
        self.assertEqual(groups[1]["reason"], "property 'is_family': must be a boolean")
        self.assertEqual(sum(g["count"] for g in out["groups"]["changed"]), 3)
        # With several files, the ids shown on a terminal say which file they came from.
        p = self.run_sync("push", "--token", self.fx.power_contrib, self.url(self.c_push), a, b)
        self.assertIn("    %s (%s), " % (objs_a[0]["id"], a), p.stdout)

    def test_pull_forbidden_collection_exit_1(self):
        p = self.run_sync("pull", "--token", self.fx.rail_reader, self.url(self.fx.c_energy))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
