# SPDX-License-Identifier: Apache-2.0
"""harness.py: drives a real renkei hub for the black-box tests of tests/api/.

Hub      a data directory made with `renkei init`, the CLI helpers (org, token, collection,
         with --json: the contract other tools script against, so its shape is asserted),
         a `renkei serve` process (start/stop/kill9, sanitizer reports are failures) and an
         HTTP helper req() over one keep-alive connection.
HubTestCase  one hub per test module (setUpClass) with a standard fixture: organisations in
         several sectors, tokens of every role, collections with different audiences.
sqlite_db  the hub's SQLite file, for the few checks no CLI command or API can make (how the
         SQLite backend keeps something, or a state only an edit of the file makes). Each
         caller says why; on a hub whose store is not that file the test is skipped.

The binary is $RENKEI_BIN (default build/src/cli/renkei). Paths of shared data are relative
to the repository root (../shared/data/...), which is the working directory of the suite.
"""
import base64
import http.client
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS_DATA = os.path.join(ROOT, "tests", "data")
SHARED_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
TAXII = "application/taxii+json;version=2.1"
TAXII_BARE = "application/taxii+json"
JSON = "application/json"
API_ROOT = "/hub/"
TLP_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
TOKEN_RE = re.compile(r"^rk_[0-9a-f]{64}$")
READY_RE = re.compile(r"listening on (https?)://([0-9.]+|\[[0-9a-f:]+\]):(\d+)/")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer",
                     "ERROR: ThreadSanitizer", "WARNING: ThreadSanitizer", "==ERROR:")


def renkei_bin():
    """The renkei executable under test."""
    return os.environ.get("RENKEI_BIN") or os.path.join(ROOT, "build", "src", "cli", "renkei")


def shared(*parts):
    """Path of a file of the shared real-data folder (../shared/data/...)."""
    return os.path.join(SHARED_DATA, *parts)


def load_json(path):
    with open(path, "rb") as f:
        return json.load(f)


def test_data(name):
    """A hand-written fixture of tests/data/ parsed."""
    return load_json(os.path.join(TESTS_DATA, name))


def sanitizer_report(text):
    """The first sanitizer report line in text, or None."""
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKERS):
            return line.strip()
    return None


def stix_id(typ):
    return "%s--%s" % (typ, uuid.uuid4())


def indicator(n=0, modified="2024-01-01T00:00:00.000Z", **extra):
    """A valid STIX 2.1 indicator with a fresh id."""
    o = {
        "type": "indicator", "spec_version": "2.1", "id": stix_id("indicator"),
        "created": "2024-01-01T00:00:00.000Z", "modified": modified,
        "name": "test indicator %d" % n, "pattern_type": "stix",
        "pattern": "[ipv4-addr:value = '198.51.100.%d']" % (n % 256),
        "valid_from": "2024-01-01T00:00:00Z",
    }
    o.update(extra)
    return o


class CliError(AssertionError):
    pass


def sqlite_db(hub, why, write=False):
    """A connection to hub's SQLite database file (read-only unless write), for a check only
    the SQLite backend can answer; why says what no CLI command or API shows. Raises
    unittest.SkipTest, naming why, when the hub keeps no SQLite file in its data folder (a
    store of another backend). The caller closes the connection."""
    path = os.path.join(hub.data, "renkei.db")
    if not os.path.exists(path):
        raise unittest.SkipTest("SQLite-only (%s): the hub has no %s" % (why, path))
    if write:
        return sqlite3.connect(path, timeout=10)
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)


class Hub:
    """One hub: data dir, CLI helpers, server process and HTTP client."""

    def __init__(self, name="renkei-test"):
        self.bin = renkei_bin()
        if not os.access(self.bin, os.X_OK):
            raise AssertionError("no renkei binary at %s" % self.bin)
        self.tmp = tempfile.mkdtemp(prefix="renkei-api-")
        self.data = os.path.join(self.tmp, "data")
        self.proc = None
        self.port = None
        self.ready_line = None
        self.scheme = "http"
        self.conn = None
        self.stderr_path = os.path.join(self.tmp, "serve.stderr")
        self._stderr_seen = 0
        self._stdout_lines = []
        out = self.cli("init", "--name", name)
        self.init_result = out
        tok = out.get("token")
        if not isinstance(tok, str) or not TOKEN_RE.match(tok):
            raise CliError("renkei init --json gave no rk_<64 hex> token: %r" % (out,))
        self.coordinator = tok

    # ---- command line ------------------------------------------------------------------

    def run_cli(self, *args, data=True, timeout=120, input=None):
        """Runs renkei with args (plus --data); returns CompletedProcess (text)."""
        cmd = [self.bin] + list(args)
        if data:
            cmd += ["--data", self.data]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                           input=input)
        rep = sanitizer_report(p.stderr)
        if rep:
            raise AssertionError("sanitizer report from %s: %s\n%s" % (args, rep, p.stderr[-4000:]))
        return p

    def cli(self, *args, expect=0, data=True, timeout=120):
        """Runs renkei ARGS --json, asserts exit status expect and returns stdout's JSON."""
        p = self.run_cli(*(list(args) + ["--json"]), data=data, timeout=timeout)
        if p.returncode != expect:
            raise CliError("renkei %s: exit %d (wanted %d)\nstdout: %s\nstderr: %s"
                           % (" ".join(args), p.returncode, expect, p.stdout[-2000:],
                              p.stderr[-2000:]))
        lines = [line for line in p.stdout.splitlines() if line.strip()]
        if len(lines) != 1:
            raise CliError("renkei %s --json: want one JSON line on stdout, got %r"
                           % (" ".join(args), p.stdout[-2000:]))
        try:
            obj = json.loads(lines[0])
        except ValueError as e:
            raise CliError("renkei %s --json: stdout not JSON (%s): %r" % (" ".join(args), e,
                                                                          lines[0]))
        if not isinstance(obj, dict):
            raise CliError("renkei %s --json: not an object: %r" % (" ".join(args), obj))
        if expect == 0 and "error" in obj:
            raise CliError("renkei %s --json: exit 0 with error %r" % (" ".join(args), obj))
        return obj

    def org_add(self, name, sector, anonymity=None):
        """`renkei org add`; returns its JSON (has "id")."""
        args = ["org", "add", "--name", name, "--sector", sector]
        if anonymity:
            args += ["--anonymity", anonymity]
        out = self.cli(*args)
        if "id" not in out:
            raise CliError("org add --json without id: %r" % (out,))
        return out

    def token_create(self, org, role):
        """`renkei token create`; returns the token string."""
        out = self.cli("token", "create", "--org", org, "--role", role)
        tok = out.get("token")
        if not isinstance(tok, str) or not TOKEN_RE.match(tok):
            raise CliError("token create --json: no rk_<64 hex> token: %r" % (out,))
        return tok

    def collection_add(self, title, read, write, description=None, alias=None):
        """`renkei collection add`; returns the collection id (a UUID)."""
        args = ["collection", "add", "--title", title, "--read", read, "--write", write]
        if description:
            args += ["--description", description]
        if alias:
            args += ["--alias", alias]
        out = self.cli(*args)
        cid = out.get("id")
        try:
            uuid.UUID(str(cid))
        except ValueError:
            raise CliError("collection add --json: id is not a UUID: %r" % (out,))
        return cid

    # ---- server ------------------------------------------------------------------------

    def start(self, *extra, listen="127.0.0.1:0", timeout=20.0):
        """Starts `renkei serve`, learns the port from its ready line, waits for /healthz."""
        assert self.proc is None, "server already running"
        cmd = [self.bin, "serve", "--data", self.data, "--listen", listen] + list(extra)
        self._stderr_file = open(self.stderr_path, "ab")
        self._stderr_seen = os.path.getsize(self.stderr_path)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=self._stderr_file, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        line = b""
        buf = b""
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                if b"\n" in buf:
                    line, _, buf = buf.partition(b"\n")
                    break
            elif self.proc.poll() is not None:
                break
        text = line.decode("utf-8", "replace").strip()
        self.ready_line = text
        m = READY_RE.search(text)
        if not m and text.startswith("{"):
            try:
                m2 = READY_RE.search("listening on " + json.loads(text)["listen"])
                m = m2
            except (ValueError, KeyError, TypeError):
                m = None
        if not m:
            err = self.server_stderr()
            self._abort()
            raise AssertionError("renkei serve gave no ready line (got %r)\nstderr: %s"
                                 % (text, err[-3000:]))
        self.scheme, self.host, self.port = m.group(1), m.group(2), int(m.group(3))
        # keep draining stdout so the server never blocks on a full pipe
        self._drain = threading.Thread(target=self._drain_stdout, args=(self.proc,), daemon=True)
        self._drain.start()
        while time.monotonic() < deadline:
            try:
                st, _, _ = self.req("GET", "/healthz", accept=JSON, retry=False)
                if st == 200:
                    return self.port
            except (OSError, http.client.HTTPException):
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        err = self.server_stderr()
        self._abort()
        raise AssertionError("renkei serve: /healthz not 200 within %.0f s\nstderr: %s"
                             % (timeout, err[-3000:]))

    def _drain_stdout(self, proc):
        try:
            for line in proc.stdout:
                self._stdout_lines.append(line)
        except (OSError, ValueError):
            pass

    def _close_stdout(self, proc):
        drain = getattr(self, "_drain", None)
        if drain is not None:
            drain.join(timeout=5)
        try:
            proc.stdout.close()
        except (OSError, ValueError):
            pass

    def _abort(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self._close_stdout(self.proc)
            self._stderr_file.close()
            self.proc = None
        self.close_conn()

    def server_stderr(self):
        """Everything the server(s) of this hub printed on stderr so far."""
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def new_server_stderr(self):
        """What the server printed on stderr since the previous call."""
        try:
            with open(self.stderr_path, "rb") as f:
                f.seek(self._stderr_seen)
                data = f.read()
        except OSError:
            return ""
        self._stderr_seen += len(data)
        return data.decode("utf-8", "replace")

    def check_sanitizer(self):
        """Raises AssertionError if the server printed a sanitizer report."""
        rep = sanitizer_report(self.server_stderr())
        if rep:
            raise AssertionError("sanitizer report from renkei serve: %s\n%s"
                                 % (rep, self.server_stderr()[-6000:]))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20.0):
        """SIGTERM, wait, assert a clean exit and no sanitizer report."""
        if self.proc is None:
            return
        self.close_conn()
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("renkei serve did not stop within %.0f s of SIGTERM" % timeout)
        finally:
            self._stderr_file.close()
            self._close_stdout(proc)
        self.check_sanitizer()
        if rc != 0:
            raise AssertionError("renkei serve exited %d after SIGTERM\nstderr: %s"
                                 % (rc, self.server_stderr()[-3000:]))

    def kill9(self):
        """SIGKILL the server (no clean shutdown); earlier sanitizer reports still fail."""
        if self.proc is None:
            return
        self.close_conn()
        proc, self.proc = self.proc, None
        proc.kill()
        proc.wait()
        self._stderr_file.close()
        self._close_stdout(proc)
        self.check_sanitizer()

    def cleanup(self):
        """Kills a server left running and removes the temp dir."""
        self._abort()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- HTTP --------------------------------------------------------------------------

    def connect(self):
        if self.scheme == "https":
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.host, self.port, timeout=60, context=ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def close_conn(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def url(self, path=""):
        return "%s://%s:%d%s" % (self.scheme, self.host, self.port, path)

    def req(self, method, path, token=None, body=None, headers=None, accept=TAXII,
            basic=None, content_type=None, retry=True):
        """One request over the keep-alive connection.

        token: Bearer token; basic: (user, password) for HTTP Basic; body: dict/list (sent as
        JSON), str or bytes; content_type defaults to TAXII when there is a body; accept None
        sends no Accept. Returns (status, headers, JSON value if the answer is JSON, else raw
        bytes). Headers is an http.client.HTTPMessage (case-insensitive get/get_all).
        """
        hdrs = {}
        if accept is not None:
            hdrs["Accept"] = accept
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        if basic is not None:
            cred = base64.b64encode(("%s:%s" % basic).encode()).decode()
            hdrs["Authorization"] = "Basic " + cred
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
            elif isinstance(body, str):
                data = body.encode()
            else:
                data = body
            hdrs["Content-Type"] = content_type or TAXII
        elif content_type is not None:
            hdrs["Content-Type"] = content_type
        if headers:
            hdrs.update(headers)
        for attempt in (0, 1):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = self.connect()
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                raw = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                self.close_conn()
                if attempt == 0 and reused and retry:
                    continue  # the server closed an idle keep-alive connection
                raise
            if resp.will_close:
                self.close_conn()
            break
        # the exact bytes of the last answer, for tests that search them (test_sharing*.py),
        # and its status line's reason phrase (test_discovery.py)
        self.last_raw = raw
        self.last_reason = resp.reason
        ctype = resp.headers.get("Content-Type", "")
        value = raw
        if raw and "json" in ctype:
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        return resp.status, resp.headers, value

    def taxii(self, method, path, token=None, **kw):
        """req() with path relative to the API root /hub/."""
        return self.req(method, API_ROOT + path.lstrip("/"), token=token, **kw)

    def post_objects(self, cid, objects, token, **kw):
        """POST an envelope {"objects": [...]} to a collection; returns req()'s triple."""
        return self.req("POST", "%scollections/%s/objects/" % (API_ROOT, cid), token=token,
                        body={"objects": objects}, **kw)

    def get_objects(self, cid, token, query="", **kw):
        q = ("?" + query) if query else ""
        return self.req("GET", "%scollections/%s/objects/%s" % (API_ROOT, cid, q), token=token,
                        **kw)

    def post_complete(self, cid, objects, token, failures=0):
        """POSTs objects, waits for completion, asserts the failure count; returns status."""
        st, _, body = self.post_objects(cid, objects, token)
        if st != 202 or not isinstance(body, dict):
            raise AssertionError("POST objects: %d %r" % (st, body))
        final = self.wait_status(body, token)
        if final.get("status") != "complete" or final.get("failure_count") != failures or \
                final.get("total_count") != len(objects):
            raise AssertionError("POST objects: unexpected status %r" % (final,))
        return final

    def wait_status(self, status, token, timeout=60.0):
        """Polls a status resource until it is complete; returns its last body."""
        deadline = time.monotonic() + timeout
        body = status
        while body.get("status") != "complete" and time.monotonic() < deadline:
            time.sleep(0.1)
            st, _, body = self.req("GET", "%sstatus/%s/" % (API_ROOT, status["id"]), token=token)
            if st != 200:
                raise AssertionError("GET status %s: %d %r" % (status["id"], st, body))
        return body


class Fixture:
    """Names, ids and tokens of the standard fixture (attributes set by standard_fixture)."""


def standard_fixture(hub):
    """Organisations in several sectors, tokens of every role, collections per audience.

    orgs: power (electric-power), gas (gas), rail (railways), bank (finance)
    tokens: coord, power_reader, power_contrib, power_analyst, gas_reader, gas_contrib,
            rail_reader, rail_contrib, bank_contrib
    collections (ids): c_all (read all, write all), c_energy (read sector:electric-power,gas,
            write sector:electric-power), c_power (read/write org:power), c_public (read public,
            write org:power), c_readonly (read all, write org:bank)
    """
    fx = Fixture()
    fx.coord = hub.coordinator
    fx.power, fx.gas, fx.rail, fx.bank = "tepco-test", "tokyo-gas-test", "jr-test", "bank-test"
    fx.org_ids = {}
    for name, sector in ((fx.power, "electric-power"), (fx.gas, "gas"), (fx.rail, "railways"),
                         (fx.bank, "finance")):
        fx.org_ids[name] = hub.org_add(name, sector)["id"]
    fx.power_reader = hub.token_create(fx.power, "reader")
    fx.power_contrib = hub.token_create(fx.power, "contributor")
    fx.power_analyst = hub.token_create(fx.power, "analyst")
    fx.gas_reader = hub.token_create(fx.gas, "reader")
    fx.gas_contrib = hub.token_create(fx.gas, "contributor")
    fx.rail_reader = hub.token_create(fx.rail, "reader")
    fx.rail_contrib = hub.token_create(fx.rail, "contributor")
    fx.bank_contrib = hub.token_create(fx.bank, "contributor")
    fx.c_all = hub.collection_add("All members", "all", "all", description="shared by all")
    fx.c_energy = hub.collection_add("Energy", "sector:electric-power,gas",
                                     "sector:electric-power")
    fx.c_power = hub.collection_add("Power only", "org:" + fx.power, "org:" + fx.power)
    fx.c_public = hub.collection_add("Public", "public", "org:" + fx.power)
    fx.c_readonly = hub.collection_add("Bank writes", "all", "org:" + fx.bank)
    return fx


class HubTestCase(unittest.TestCase):
    """One hub and one server per test class; the standard fixture in cls.fx.

    Subclasses may define classmethod extra_setup(cls) (runs before the server starts, e.g.
    to add collections with cls.hub.collection_add). Each test fails if the server printed a
    sanitizer report or died during it.
    """

    hub = None
    fx = None
    server_args = ()  # extra arguments of renkei serve, e.g. ("--max-content-length", "4096")

    @classmethod
    def extra_setup(cls):
        pass

    @classmethod
    def after_start(cls):
        """Hook run once the server is up (e.g. to post the objects the tests read)."""

    @classmethod
    def setUpClass(cls):
        cls.hub = Hub()
        try:
            cls.fx = standard_fixture(cls.hub)
            cls.extra_setup()
            cls.hub.start(*cls.server_args)
            cls.after_start()
        except BaseException:
            cls.hub.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.hub.stop()
        finally:
            cls.hub.cleanup()

    def tearDown(self):
        new = self.hub.new_server_stderr()
        rep = sanitizer_report(new)
        if rep:
            self.fail("sanitizer report from renkei serve during this test: %s\n%s"
                      % (rep, new[-6000:]))
        if self.hub.proc is not None and self.hub.proc.poll() is not None:
            code = self.hub.proc.returncode
            self.hub._abort()
            self.fail("renkei serve died during this test (exit %s)\n%s"
                      % (code, self.hub.server_stderr()[-3000:]))

    # ---- assertions shared by the tests ----------------------------------------------

    def assertTaxiiError(self, resp, status):
        """resp is a (status, headers, body) whose body is a TAXII error object of status."""
        st, hdrs, body = resp
        self.assertEqual(st, status, "want %d, got %d: %r" % (status, st, body))
        self.assertIsInstance(body, dict, "error body is not JSON: %r" % (body,))
        self.assertIn("title", body)
        self.assertIsInstance(body["title"], str)
        if "http_status" in body:
            self.assertEqual(str(body["http_status"]), str(status))
        else:
            self.fail("TAXII error without http_status: %r" % (body,))
        ctype = hdrs.get("Content-Type", "")
        self.assertNotIn("html", ctype.lower())
        return body

    def post_ok(self, cid, objects, token, headers=None):
        """POSTs objects, asserts 202 and returns the completed status resource."""
        st, hdrs, body = self.hub.post_objects(cid, objects, token, headers=headers)
        self.assertEqual(st, 202, body)
        self.assertIsInstance(body, dict)
        return self.hub.wait_status(body, token)

    @staticmethod
    def status_entry(status, oid):
        """(ok, message, version) of object oid in a status resource."""
        for key, ok in (("successes", True), ("failures", False)):
            for d in status.get(key, []) or []:
                if d["id"] == oid:
                    return ok, d.get("message", ""), d.get("version")
        raise AssertionError("%s not in status %r" % (oid, status))


# ---- helpers shared by the tests ----------------------------------------------------------

TS6_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def ts_us(text):
    """RFC 3339 UTC timestamp -> integer microseconds since the epoch (any fraction digits)."""
    import calendar
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$", text)
    if not m:
        raise ValueError("not a timestamp: %r" % (text,))
    secs = calendar.timegm(tuple(int(m.group(i)) for i in range(1, 7)))
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    return secs * 1000000 + int(frac)


def fmt_us(us):
    """Integer microseconds -> timestamp with 6 fraction digits."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(us // 1000000)) + \
        ".%06dZ" % (us % 1000000)


def fresh(obj):
    """A copy of obj with a new random id of the same type."""
    o = dict(obj)
    o["id"] = stix_id(o["type"])
    return o


# TLP marking-definition ids (TLP 1.0 predefined in STIX 2.1, TLP 2.0 by extension).
TLP1_IDS = {"marking-definition--" + u for u in (
    "613f2e26-407d-48c7-9eca-b8e91df99dc9", "34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "f88d31f6-486f-44da-b317-01333bde0b82", "5e57c739-391a-4eb3-b6be-7d15ca92d5ed")}
TLP2_IDS = {"clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}


TLP1_LEVELS = {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
               "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
               "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
               "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red"}
TLP_RANK = {"clear": 1, "green": 2, "amber": 3, "amber+strict": 4, "red": 5}
# Markings of other tools the hub reads (docs/sharing.md) and those the default policy reads
# as restricting nothing (MITRE's copyright statement).
ALIAS_LEVELS = {"marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": "amber+strict"}
NONE_MARKINGS = {"marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"}
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


def tlp_label(text, prefix_optional=False):
    """The TLP level a label names ("TLP:AMBER+STRICT", "tlp:clear", "amber"), or None."""
    if not isinstance(text, str):
        return None
    t = text.strip().lower()
    if t.startswith("tlp:") or t.startswith("tlp "):
        t = t[4:].strip()
    elif not prefix_optional:
        return None
    t = {"white": "clear", "amber-strict": "amber+strict"}.get(t, t)
    return t if t in TLP_RANK else None


def definition_reading(md):
    """What the hub reads in a marking definition: a level, "statement", or None."""
    levels = []
    ext = (md.get("extensions") or {}).get(TLP2_EXTENSION)
    if isinstance(ext, dict):
        levels.append(tlp_label(ext.get("tlp_2_0"), True))
    dtype = str(md.get("definition_type", "")).lower()
    definition = md.get("definition") if isinstance(md.get("definition"), dict) else {}
    statement = False
    if dtype == "tlp":
        levels += [tlp_label(v, True) for k, v in definition.items() if k.lower() == "tlp"]
    if dtype == "statement":
        lv = tlp_label(definition.get("statement"))
        levels.append(lv)
        statement = lv is None
    levels.append(tlp_label(md.get("name")))
    levels.append(tlp_label(md.get("x_opencti_definition")))
    levels = [lv for lv in levels if lv]
    if levels:
        return max(levels, key=TLP_RANK.get)
    return "statement" if statement else None


def served(obj, tlp=None, definitions=None):
    """obj as the hub serves it back to a named poster's readers. The hub reads the standard
    TLP ids, the aliases above and the marking definitions it was given (definitions: id ->
    object, as the envelope or the collection holds them); an object whose markings give no
    level gets one from the scope rules (tlp, else incidents AMBER and everything else GREEN
    in a collection of default TLP GREEN); a marking the hub cannot read, or statements
    alone, give at least AMBER. When the hub's level is not carried by a standard id, its
    TLP 2.0 marking is appended to object_marking_refs, except to a marking definition, which
    is stored as posted (STIX 2.1 7.2.1: it cannot be versioned)."""
    if obj.get("type") == "marking-definition":
        return obj
    definitions = definitions or {}
    refs = list(obj.get("object_marking_refs", []))
    gran = [g.get("marking_ref") for g in obj.get("granular_markings", []) if "marking_ref" in g]
    level, standard, unreadable, statement = None, False, False, False
    for r in refs + gran:
        std = TLP1_LEVELS.get(r) or {v: k for k, v in TLP2_IDS.items()}.get(r)
        if std:
            reading = std
        elif r in ALIAS_LEVELS:
            reading = ALIAS_LEVELS[r]
        elif r in NONE_MARKINGS:
            continue
        elif r in definitions:
            reading = definition_reading(definitions[r])
        else:
            reading = None
        if reading is None:
            unreadable = True
        elif reading == "statement":
            statement = True
        elif level is None or TLP_RANK[reading] > TLP_RANK[level]:
            level, standard = reading, bool(std)
        elif reading == level and std:
            standard = True
    unread = unreadable or (level is None and statement)
    if level is not None:
        assigned = not standard
    else:
        level = tlp or ("amber" if obj.get("type") == "incident" else "green")
        assigned = True
    if unread and TLP_RANK[level] < TLP_RANK["amber"]:
        level, assigned = "amber", True
    if not assigned or TLP2_IDS[level] in refs:
        return obj
    o = dict(obj)
    o["object_marking_refs"] = refs + [TLP2_IDS[level]]
    return o


def objects_by_id(objs):
    return {o["id"]: o for o in objs}
