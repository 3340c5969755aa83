# SPDX-License-Identifier: Apache-2.0
"""The access log, black box: one JSON line per request with its fields (time, client,
request_id, org_id, token_id, method, path, status, bytes, duration_ms) and never a token; on
stderr by default, appended to a file with --access-log FILE and moved to a new one on SIGHUP
without losing or repeating a line, none with --access-log off; a file serve cannot open stops
it before it listens, naming the file."""
import datetime
import hashlib
import json
import os
import signal
import subprocess
import time
import unittest
import uuid

from harness import API_ROOT, JSON, Hub, HubTestCase, indicator, renkei_bin

FIELDS = {"time", "client", "request_id", "org_id", "token_id", "method", "path", "status",
          "bytes", "duration_ms"}


def token_id(token):
    return hashlib.blake2b(token.encode(), digest_size=32).hexdigest()[:16]


def json_lines(text):
    """The access log lines among text's lines (those that start with '{'), parsed."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


class AccessLogCase(HubTestCase):
    """Requests whose lines the tests check, and how to read them back."""

    def requests(self):
        """Makes six requests; returns what their lines must say, in order."""
        fx, want = self.fx, []
        st, _, _ = self.hub.req("GET", "/healthz", accept=JSON)
        want.append(("GET", "/healthz", st, None, None, self.hub.last_raw))
        st, _, _ = self.hub.get_objects(fx.c_all, fx.power_reader)
        want.append(("GET", "%scollections/%s/objects/" % (API_ROOT, fx.c_all), st, fx.power,
                     fx.power_reader, self.hub.last_raw))
        st, _, _ = self.hub.post_objects(fx.c_all, [indicator(1)], fx.gas_contrib)
        want.append(("POST", "%scollections/%s/objects/" % (API_ROOT, fx.c_all), st, fx.gas,
                     fx.gas_contrib, self.hub.last_raw))
        st, _, _ = self.hub.req("GET", API_ROOT + "collections/", basic=("me", fx.rail_reader))
        want.append(("GET", API_ROOT + "collections/", st, fx.rail, fx.rail_reader,
                     self.hub.last_raw))
        # No route: answered before any authentication, so nobody is named.
        st, _, _ = self.hub.req("GET", "/no/such/page", token=fx.power_reader)
        want.append(("GET", "/no/such/page", st, None, None, self.hub.last_raw))
        st, _, _ = self.hub.req("GET", API_ROOT, token="rk_" + "0" * 64)  # an unknown token
        want.append(("GET", API_ROOT, st, None, None, self.hub.last_raw))
        self.assertEqual([w[2] for w in want], [200, 200, 202, 200, 404, 401])
        return want

    def check_lines(self, lines, want, text):
        """lines are exactly want's, with every field right and no token in text."""
        self.assertEqual(len(lines), len(want), text[-3000:])
        for line, (method, path, status, org, tok, raw) in zip(lines, want):
            self.assertEqual(set(line), FIELDS, line)
            self.assertEqual((line["method"], line["path"], line["status"]),
                             (method, path, status))
            self.assertEqual(line["bytes"], len(raw), line)
            self.assertEqual(line["client"], "127.0.0.1")
            self.assertRegex(line["request_id"], r"^[0-9a-f]{16}$")
            self.assertIsInstance(line["duration_ms"], (int, float))
            self.assertGreaterEqual(line["duration_ms"], 0)
            when = datetime.datetime.strptime(line["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
            when = when.replace(tzinfo=datetime.timezone.utc)
            age = datetime.datetime.now(datetime.timezone.utc) - when
            self.assertLess(abs(age.total_seconds()), 120, line)
            if org is None:
                self.assertIsNone(line["org_id"])
                self.assertIsNone(line["token_id"])
            else:
                self.assertEqual(line["org_id"], self.fx.org_ids[org])
                self.assertEqual(line["token_id"], token_id(tok))
        ids = [line["request_id"] for line in lines]
        self.assertEqual(len(set(ids)), len(ids), "request ids repeat")
        for tok in (self.fx.power_reader, self.fx.gas_contrib, self.fx.rail_reader,
                    self.fx.coord, "rk_" + "0" * 64):
            self.assertNotIn(tok, text)
            self.assertNotIn(tok[3:], text)
            self.assertNotIn(hashlib.blake2b(tok.encode(), digest_size=32).hexdigest(), text)

    def mark(self, read):
        """Consumes what read() gives up to and including the line of a request made now to a
        path of its own: the lines of earlier requests, some written a moment after their
        answer, are then behind."""
        path = "/mark/%s" % uuid.uuid4()
        st, _, _ = self.hub.req("GET", path, accept=JSON)
        self.assertEqual(st, 404)
        deadline = time.monotonic() + 10
        text = ""
        while time.monotonic() < deadline:
            text += read()
            lines = text.splitlines(keepends=True)
            for i, line in enumerate(lines):
                if line.startswith("{") and json.loads(line)["path"] == path:
                    return "".join(lines[i + 1:])
            time.sleep(0.02)
        self.fail("the line of %s never came" % path)

    def wait_lines(self, read, n, timeout=10.0, text=""):
        """read() until it holds n access log lines (a line is written once the answer is
        sent, so the last one may come a moment after its answer)."""
        deadline = time.monotonic() + timeout
        text += read()
        while len(json_lines(text)) < n and time.monotonic() < deadline:
            time.sleep(0.02)
            text += read()
        return text


class TestAccessLogOnStderr(AccessLogCase):
    def test_one_line_per_request_on_stderr(self):
        rest = self.mark(self.hub.new_server_stderr)
        want = self.requests()
        text = self.wait_lines(self.hub.new_server_stderr, len(want), text=rest)
        time.sleep(0.2)
        text += self.hub.new_server_stderr()
        self.check_lines(json_lines(text), want, text)


class TestAccessLogFile(AccessLogCase):
    @classmethod
    def extra_setup(cls):
        cls.path = os.path.join(cls.hub.tmp, "access.log")
        cls.server_args = ("--access-log", cls.path)

    def tail(self, path):
        """A read() of what was appended to path since the last call; its path may change
        (tail.path = ...) when the file is moved, the position stays."""
        def read():
            if not os.path.exists(read.path):
                return ""
            with open(read.path, "rb") as f:
                f.seek(read.at)
                data = f.read()
            read.at += len(data)
            return data.decode("utf-8")
        read.path, read.at = path, 0
        return read

    def test_file_then_rotation_on_sighup(self):
        read = self.tail(self.path)
        rest = self.mark(read)
        want = self.requests()
        text = self.wait_lines(read, len(want), text=rest)
        self.check_lines(json_lines(text), want, text)
        self.assertEqual(json_lines(self.hub.new_server_stderr()), [])  # not on stderr

        # logrotate: move the file, then SIGHUP; the server writes to a new file of the name.
        moved = self.path + ".1"
        os.rename(self.path, moved)
        read.path = moved
        st, _, _ = self.hub.req("GET", "/healthz", accept=JSON)  # still into the moved file
        self.assertEqual(st, 200)
        line = json_lines(self.wait_lines(read, 1))
        self.assertEqual([x["path"] for x in line], ["/healthz"])
        self.hub.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.path) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertTrue(os.path.exists(self.path), "no new access log after SIGHUP")
        want = self.requests()
        read_new = self.tail(self.path)
        text = self.wait_lines(read_new, len(want))
        time.sleep(0.2)
        text += read_new()
        self.check_lines(json_lines(text), want, text)
        self.assertIsNone(self.hub.proc.poll(), "SIGHUP stopped the server")

        # Nothing lost nor repeated: the moved file got nothing after the signal, every line
        # of it is whole, and no request id is in both files.
        self.assertEqual(read(), "")
        with open(moved, encoding="utf-8") as f:
            old = f.read()
        self.assertTrue(old.endswith("\n"))
        old_lines = [json.loads(x) for x in old.splitlines()]
        self.assertEqual(old_lines[-1]["path"], "/healthz")
        new_ids = {x["request_id"] for x in json_lines(text)}
        self.assertFalse(new_ids & {x["request_id"] for x in old_lines})
        self.assertIn("SIGHUP", self.hub.new_server_stderr())


class TestAccessLogOff(AccessLogCase):
    server_args = ("--access-log", "off")

    def test_no_line_anywhere(self):
        self.hub.new_server_stderr()
        self.requests()
        time.sleep(0.3)
        self.assertEqual(json_lines(self.hub.new_server_stderr()), [])
        self.assertFalse([n for n in os.listdir(self.hub.tmp) if "access" in n])


class TestAccessLogCannotOpen(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub()

    @classmethod
    def tearDownClass(cls):
        cls.hub.cleanup()

    def serve(self, *extra):
        return subprocess.run([renkei_bin(), "serve", "--data", self.hub.data, "--listen",
                               "127.0.0.1:0"] + list(extra), capture_output=True, text=True,
                              timeout=30)

    def test_serve_names_the_file_and_exits(self):
        path = os.path.join(self.hub.tmp, "no-such-dir", "access.log")
        p = self.serve("--access-log", path)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertNotIn("listening", p.stdout)
        self.assertIn("renkei: metrics: cannot open the access log %s: No such file or directory"
                      % path, p.stderr)
        p = self.serve("--access-log", path, "--json")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertEqual(json.loads(p.stdout),
                         {"error": "metrics: cannot open the access log %s: No such file or "
                                   "directory" % path})
        # The hub is fine: it serves with a file it can write.
        self.hub.start("--access-log", os.path.join(self.hub.tmp, "ok.log"))
        self.hub.stop()

    def test_empty_value_is_a_usage_error(self):
        p = self.serve("--access-log", "")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("--access-log needs a file, - or off", p.stderr)


if __name__ == "__main__":
    unittest.main()
