# SPDX-License-Identifier: Apache-2.0
"""test_demo.py: `make demo` as a new member meets it. Runs scripts/demo.sh as make does (the
real data of ../shared/data, with DEMO_BACKGROUND=1 so that it leaves the server running and
exits instead of serving until Ctrl-C), takes every command the demo prints after "Try" and
runs it as pasted into a shell: each must succeed and say something worth reading (JSON that
is no error and holds what it asked for, or the file it was asked to write).
"""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import ROOT, SHARED_DATA, renkei_bin, sanitizer_report

DEMO = os.path.join(ROOT, "scripts", "demo.sh")


def printed_commands(out):
    """The commands of the demo's "Try" block: every non-empty line up to the closing rule."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(" Try"))
    cmds = []
    for line in lines[start + 1:]:
        if line.startswith("====="):
            break
        if line.strip():
            cmds.append(line.strip())
    return cmds


def process_gone(pid):
    """True once pid has exited (gone, or a zombie nobody reaped yet)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def lists_in(value):
    """Every list in a JSON value, at any depth."""
    if isinstance(value, list):
        yield value
        for v in value:
            yield from lists_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from lists_in(v)


@unittest.skipUnless(os.path.isdir(os.path.join(SHARED_DATA, "attack-ics")),
                     "the real data of ../shared/data is not there")
@unittest.skipIf(shutil.which("curl") is None, "curl is not installed (the demo uses it)")
class DemoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="renkei-demo-")
        cls.data = os.path.join(cls.tmp, "demo-data")
        cls.pid = None
        env = dict(os.environ, RENKEI=os.path.abspath(renkei_bin()), DEMO_PORT="0",
                   DEMO_DATA=cls.data, DEMO_BACKGROUND="1")
        try:
            cls.demo = subprocess.run(["bash", DEMO], cwd=ROOT, env=env, capture_output=True,
                                     text=True, timeout=900)
            pid_file = os.path.join(cls.data, "serve.pid")
            if os.path.exists(pid_file):
                with open(pid_file) as f:
                    cls.pid = int(f.read())
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.pid is not None and not process_gone(cls.pid):
                os.kill(cls.pid, signal.SIGTERM)
                deadline = time.monotonic() + 30
                while not process_gone(cls.pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
                if not process_gone(cls.pid):
                    os.kill(cls.pid, signal.SIGKILL)
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.demo.returncode, 0, self.demo.stdout[-3000:] + self.demo.stderr)
        self.assertIsNotNone(self.pid, "the demo left no serve.pid")

    def tearDown(self):
        for log in ("serve.log", "push.log"):
            path = os.path.join(self.data, log)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text = f.read()
                rep = sanitizer_report(text)
                self.assertFalse(rep, "sanitizer report in %s: %s\n%s" % (log, rep, text[-4000:]))

    def check_output(self, argv, stdout, cwd):
        """What a command printed (or wrote with --out) says something worth reading."""
        out_file = argv[argv.index("--out") + 1] if "--out" in argv else None
        if out_file is not None:
            with open(os.path.join(cwd, out_file)) as f:
                value = json.load(f)
        else:
            self.assertTrue(stdout.strip(), "no output")
            value = json.loads(stdout)
        self.assertIsInstance(value, dict, value)
        # No error object (TAXII's http_status, the admin API's error), not an empty answer.
        self.assertNotIn("http_status", value, value)
        self.assertNotIn("error", value, value)
        self.assertTrue(any(lists_in(value)), "nothing listed: %r" % (value,))
        objs = value.get("objects")
        url = next((a for a in argv if a.startswith("http")), "")
        # A type filter (match[type]=T or --type T) returned objects of that type only.
        m = re.search(r"match\[type\]=([a-z0-9-]+)", url)
        want = m.group(1) if m else argv[argv.index("--type") + 1] if "--type" in argv else None
        if want is not None:
            self.assertTrue(objs, value)
            self.assertEqual({o["id"].split("--")[0] for o in objs}, {want}, objs)
        # One object asked for by its id: that object came back.
        m = re.search(r"/objects/([a-z0-9-]+--[0-9a-f-]{36})/$", url)
        if m:
            self.assertTrue(objs, value)
            self.assertEqual({o["id"] for o in objs}, {m.group(1)})

    def test_every_printed_command_works(self):
        cmds = printed_commands(self.demo.stdout)
        self.assertGreaterEqual(len(cmds), 7, self.demo.stdout[-3000:])
        for cmd in cmds:
            with self.subTest(cmd=cmd[:100]):
                cwd = tempfile.mkdtemp(dir=self.tmp)  # where --out files land
                p = subprocess.run(cmd, shell=True, cwd=cwd, capture_output=True, text=True,
                                   timeout=300, executable="/bin/bash")
                self.assertEqual(p.returncode, 0, p.stdout[-2000:] + p.stderr[-2000:])
                self.assertNotRegex(p.stderr, r"curl: \(\d+\)")
                self.check_output(shlex.split(cmd), p.stdout, cwd)

    def test_public_examples_need_no_token(self):
        # The demo calls its Public collection "Examples anyone may read": without a token
        # every example it stored is there (SDOs and observables alike), each TLP:CLEAR.
        cmds = [c for c in printed_commands(self.demo.stdout)
                if "Authorization" not in c and "/objects/" in c]
        self.assertTrue(cmds)
        collection_url = re.search(r"(http://\S+/collections/[0-9a-f-]{36}/)", cmds[0]).group(1)
        p = subprocess.run(["curl", "-sS", "-g", collection_url + "objects/?limit=1000"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        objs = json.loads(p.stdout).get("objects", [])
        types = {o["type"] for o in objs}
        self.assertGreaterEqual(len(objs), 90, types)
        for typ in ("identity", "malware", "attack-pattern", "ipv4-addr", "file", "url"):
            self.assertIn(typ, types)
        clear = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
        for o in objs:
            if o["type"] != "marking-definition":
                self.assertIn(clear, o.get("object_marking_refs", []), o)


if __name__ == "__main__":
    unittest.main()
