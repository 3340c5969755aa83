# SPDX-License-Identifier: Apache-2.0
"""test_dos.py: denial-of-service attacks that must fail, against a live hub over loopback.

Connections: thousands of half-open connections from one address, a flood spread over many
addresses (127.0.x.y all reach the loopback interface on Linux), slowloris headers trickled
a byte at a time, anonymous keep-alive connections held open, bodies sent slowly without
credentials. Meanwhile a member's authenticated request, from an address of its own, must
still be answered promptly, and a member's connection opened before the flood must survive.

Request heads: hundreds or thousands of query parameters, long targets, long or many
headers, heads of any size up to a mebibyte, thousands of cookies, NUL bytes and fake versions
in the target must each get a TAXII error object at once (JSON, 400, 414 or 431), never HTML,
never a dropped connection, never a wait for the idle timeout.

Every flood is bounded (a few thousand sockets, a few seconds) and closed after its test.
"""
import http.client
import json
import resource
import socket
import threading
import time
import unittest

import harness
from test_robustness import read_response

TAXII = harness.TAXII
PROMPT_S = 2.0  # a member's answer during a flood; without the limits it never comes
MAX_CONNS = 400  # the hub of FloodTest; three quarters may be without credentials
PER_IP = 40  # its per-address limit


def raise_nofile(need):
    """Raises this process's open-file soft limit to need (the server inherits it); skips the
    test when the hard limit is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= need:
        return
    if hard != resource.RLIM_INFINITY and hard < need:
        raise unittest.SkipTest("open-file hard limit %d is below the %d this test needs"
                                % (hard, need))
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def loopback(i):
    """The i-th loopback source address used by the attackers: 127.0.1.1, 127.0.1.2, ..."""
    return "127.0.%d.%d" % (1 + i // 250, 1 + i % 250)


class Flood:
    """Many raw connections to the hub, each from one of a set of source addresses, each sent
    a first piece of request; trickle() keeps them busy from a thread by sending one more byte
    to each, so that an idle timeout alone never frees them."""

    def __init__(self, port):
        self.port = port
        self.socks = []
        self.failed = 0  # connects that did not complete within their timeout
        self._stop = threading.Event()
        self._thread = None
        self._lock = threading.Lock()

    def open(self, n, addrs, first=b"", trickle=b""):
        """n connections spread over addrs (round robin)."""
        for i in range(n):
            s = socket.socket()
            s.settimeout(2)
            try:
                s.bind((addrs[i % len(addrs)], 0))
                s.connect(("127.0.0.1", self.port))
                if first:
                    s.send(first)
            except (socket.timeout, ConnectionError, BrokenPipeError):
                self.failed += 1
                s.close()
                continue
            except OSError as e:
                s.close()
                raise unittest.SkipTest("cannot connect from %s: %s" % (addrs[i % len(addrs)], e))
            s.setblocking(False)
            with self._lock:
                self.socks.append([s, trickle, 0])
        return self

    def trickle(self, interval=0.25):
        """From a thread: every interval, one more byte of its trickle to each live socket."""
        def run():
            while not self._stop.wait(interval):
                with self._lock:
                    for entry in self.socks:
                        s, data, pos = entry
                        if s is None or not data:
                            continue
                        try:
                            s.send(data[pos % len(data):pos % len(data) + 1])
                            entry[2] = pos + 1
                        except BlockingIOError:
                            pass
                        except OSError:
                            entry[0] = None
                            s.close()
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def still_open(self):
        """How many connections the server has not closed (answered or not)."""
        n = 0
        with self._lock:
            for entry in self.socks:
                s = entry[0]
                if s is None:
                    continue
                try:
                    while s.recv(65536) != b"":
                        pass  # an answer on a connection kept alive: read past it
                    entry[0] = None
                    s.close()
                except BlockingIOError:
                    n += 1
                except OSError:
                    entry[0] = None
                    s.close()
        return n

    def wait_open_at_most(self, bound, within=3.0):
        """Polls still_open() until it is at most bound (the server may still be accepting
        and closing the last of the flood); returns the last count."""
        deadline = time.monotonic() + within
        n = self.still_open()
        while n > bound and time.monotonic() < deadline:
            time.sleep(0.1)
            n = self.still_open()
        return n

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        with self._lock:
            for entry in self.socks:
                if entry[0] is not None:
                    entry[0].close()
            self.socks = []


def member_request(port, src, token, path="/hub/collections/", timeout=10.0):
    """One authenticated GET on a fresh connection from address src. Returns (status or None,
    seconds), None when nothing came back within timeout."""
    t0 = time.monotonic()
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAccept: %s\r\nAuthorization: Bearer %s\r\n"
                   "Connection: close\r\n\r\n" % (path, TAXII, token)).encode())
        r = read_response(s, t0 + timeout)
    except (OSError, socket.timeout):
        r = None
    finally:
        s.close()
    return (r.status if r is not None else None), time.monotonic() - t0


class FloodTestBase(harness.HubTestCase):
    serve_args = ()

    @classmethod
    def setUpClass(cls):
        raise_nofile(10000)
        cls.hub = harness.Hub()
        try:
            cls.fx = harness.standard_fixture(cls.hub)
            cls.hub.start(*cls.serve_args)
        except BaseException:
            cls.hub.cleanup()
            raise
        cls.port = cls.hub.port
        cls.token = cls.fx.power_reader

    def setUp(self):
        self.flood = None

    def tearDown(self):
        if self.flood is not None:
            self.flood.close()
            time.sleep(0.3)  # let the server see the closes before the next test
        super().tearDown()

    def assert_member_served(self, src):
        """A member's request from src is answered 200 promptly, three times over."""
        for _ in range(3):
            status, took = member_request(self.port, src, self.token)
            self.assertEqual(status, 200, "member got no answer (%.1f s)" % took)
            self.assertLess(took, PROMPT_S, "member answered only after %.1f s" % took)


class FloodFromOneAddressTest(FloodTestBase):
    """The attack of the review, on a hub with the default limits: 4,200 connections that
    never finish their request, all from one address."""

    def test_half_open_flood_from_one_address(self):
        self.flood = Flood(self.port).open(4200, ["127.0.0.2"], first=b"GET /hub/ HTTP/1.1\r\n",
                                           trickle=b"X-Slow: " + b"a" * 200)
        self.flood.trickle()
        self.assert_member_served("127.0.0.3")
        # The default per-address limit (128) held: the rest were refused at once.
        self.assertLessEqual(self.flood.wait_open_at_most(128), 128)


class FloodTest(FloodTestBase):
    """A hub with --max-connections 400 and --max-connections-per-ip 40, so that a flood
    from many addresses passes the per-address limit and meets the share kept for members
    (three quarters, 300 connections, may be without credentials)."""

    serve_args = ("--max-connections", str(MAX_CONNS), "--max-connections-per-ip", str(PER_IP))
    unauth_max = MAX_CONNS - MAX_CONNS // 4

    def test_per_address_limit(self):
        self.flood = Flood(self.port).open(200, ["127.0.0.9"], first=b"GET / HTTP/1.1\r\n")
        self.assertLessEqual(self.flood.wait_open_at_most(PER_IP), PER_IP)
        self.assert_member_served("127.0.0.10")

    def test_flood_from_many_addresses_sheds_the_oldest(self):
        # A member's keep-alive connection, authenticated before the flood.
        member = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10,
                                            source_address=("127.0.2.1", 0))
        headers = {"Accept": TAXII, "Authorization": "Bearer " + self.token}

        def get_collections():
            member.request("GET", "/hub/collections/", headers=headers)
            r = member.getresponse()
            r.read()
            return r.status

        self.assertEqual(get_collections(), 200)
        addrs = [loopback(i) for i in range(30)]  # 30 x 40 = 1200 connections
        self.flood = Flood(self.port).open(1200, addrs, first=b"GET /hub/ HTTP/1.1\r\n",
                                           trickle=b"X-Slow: " + b"a" * 200)
        self.flood.trickle()
        self.assert_member_served("127.0.3.1")
        self.assertLessEqual(self.flood.wait_open_at_most(self.unauth_max), self.unauth_max)
        # The member's connection from before the flood was not shed to make room.
        self.assertEqual(get_collections(), 200)
        member.close()

    def test_slowloris_headers(self):
        """Request lines sent whole, then headers trickled one byte at a time."""
        addrs = [loopback(30 + i) for i in range(15)]
        self.flood = Flood(self.port).open(600, addrs, first=b"GET /hub/ HTTP/1.1\r\nHost: x\r\n",
                                           trickle=b"X-A: b\r\n")
        self.flood.trickle(0.1)
        time.sleep(0.5)
        self.assert_member_served("127.0.3.2")
        self.assertLessEqual(self.flood.wait_open_at_most(self.unauth_max), self.unauth_max)

    def test_anonymous_keepalive_flood(self):
        """Connections that each finish one request without credentials, then stay open."""
        addrs = [loopback(50 + i) for i in range(15)]
        req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        self.flood = Flood(self.port).open(600, addrs, first=req)
        self.assert_member_served("127.0.3.3")
        self.assertLessEqual(self.flood.wait_open_at_most(self.unauth_max), self.unauth_max)

    def test_slow_bodies_without_credentials(self):
        """A body announced without credentials is refused before it is read, at once."""
        path = "/hub/collections/%s/objects/" % self.fx.c_all
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nAccept: %s\r\nContent-Type: %s\r\n"
                "Content-Length: 1000000\r\n\r\n{\"objects\": [" % (path, TAXII, TAXII)).encode()
        addrs = [loopback(70 + i) for i in range(10)]
        self.flood = Flood(self.port).open(300, addrs, first=head)  # and nothing more
        answered = 0
        deadline = time.monotonic() + 5
        for entry in list(self.flood.socks):
            s = entry[0]
            if s is None:
                continue
            s.setblocking(True)
            try:
                r = read_response(s, deadline)
            except (OSError, socket.timeout):
                r = None
            s.setblocking(False)
            if r is not None:
                self.assertEqual(r.status, 401, r.body[:200])
                self.assertEqual(json.loads(r.body)["http_status"], "401")
                answered += 1
        self.assertEqual(answered, len(self.flood.socks))
        self.assertEqual(self.flood.wait_open_at_most(0), 0)  # and closed, not kept reading
        self.assert_member_served("127.0.3.4")

    def test_bad_limits_are_usage_errors(self):
        for args in (("--max-connections", "8"), ("--max-connections", "x"),
                     ("--max-connections-per-ip", "-1")):
            with self.subTest(args=args):
                p = self.hub.run_cli("serve", "--listen", "127.0.0.1:0", *args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(args[0], p.stderr)


class RequestHeadLimitsTest(harness.HubTestCase):
    """Request heads over the limits, on a hub with the defaults (8 KiB of head)."""

    @classmethod
    def after_start(cls):
        cls.objects = "/hub/collections/%s/objects/" % cls.fx.c_all

    def raw(self, data, timeout=10):
        """data on a fresh connection; (Response or None, seconds)."""
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.hub.port), timeout=timeout) as s:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                r = read_response(s, t0 + timeout)
            except ConnectionResetError:
                r = None
        return r, time.monotonic() - t0

    def head(self, target, headers="", token=True):
        """The bytes of a GET of target with extra header lines."""
        auth = "Authorization: Bearer %s\r\n" % self.fx.power_reader if token else ""
        return ("GET %s HTTP/1.1\r\nHost: x\r\nAccept: %s\r\n%s%s\r\n"
                % (target, TAXII, auth, headers)).encode()

    def get(self, target, headers="", token=True):
        return self.raw(self.head(target, headers, token))

    def assert_json_error(self, resp, statuses, media=TAXII):
        r, took = resp
        self.assertIsNotNone(r, "no answer: the connection was dropped after %.1f s" % took)
        self.assertLess(took, 2.0, "answered only after %.1f s" % took)
        self.assertIn(r.status, statuses, r.body[:200])
        self.assertEqual(r.headers.get("content-type"), media)
        doc = r.json()
        self.assertEqual(doc.get("http_status"), str(r.status), doc)
        self.assertIn("title", doc)
        return doc

    def test_many_query_parameters(self):
        for n in (65, 240, 500, 2000):
            with self.subTest(params=n):
                q = "&".join("match[type]=indicator" if i == 0 else "p%d=1" % i for i in range(n))
                for token in (True, False):
                    self.assert_json_error(self.get(self.objects + "?" + q, token=token),
                                           (400, 414))
                # the admin API answers in its own shape
                doc = self.assert_json_error(self.get("/api/v1/orgs?" + q), (400, 414),
                                             media="application/json")
                self.assertIn("error", doc)
        # empty pieces count as parameters
        self.assert_json_error(self.get(self.objects + "?" + "&" * 3000), (400,))
        # at the limit, the request is served
        q = "&".join("p%d=1" % i for i in range(64))
        r, _ = self.get("/taxii2/?" + q)
        self.assertEqual(r.status, 200, r.body[:200])

    def test_long_targets(self):
        for n in (9000, 16000, 20000):
            with self.subTest(length=n):
                doc = self.assert_json_error(self.get("/hub/" + "a" * n), (414,))
                self.assertIn("8192", doc.get("description", ""))
                self.assert_json_error(self.get(self.objects + "?match[id]=" + "a" * n), (414,))

    def test_nul_in_target(self):
        for target in (b"/taxii2/\x00/x", b"/taxii2/\x00?" + b"&" * 500):
            with self.subTest(target=target[:20]):
                self.assert_json_error(self.raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
                                       (400,))

    def test_head_over_limits(self):
        for n in (9000, 16000):
            with self.subTest(header_bytes=n):
                self.assert_json_error(self.get("/taxii2/", "X-Big: %s\r\n" % ("a" * n)), (431,))
        for n in (101, 150, 250):
            with self.subTest(fields=n):
                many = "".join("X-H%d: v\r\n" % i for i in range(n))
                self.assert_json_error(self.get("/taxii2/", many), (431,))

    def test_heads_of_any_size(self):
        """Heads far beyond the limit (up to a mebibyte, or thousands of fields) get the same
        JSON answer at once as those just over it."""
        for n in (20 * 1024, 100 * 1024, 1024 * 1024):
            with self.subTest(header_bytes=n):
                self.assert_json_error(self.get(self.objects, "X-Big: %s\r\n" % ("a" * n)),
                                       (431,))
            with self.subTest(target_bytes=n):
                self.assert_json_error(self.get(self.objects + "?match[id]=" + "a" * n), (414,))
        for n in (1000, 5000):
            with self.subTest(fields=n):
                many = "".join("X-H%d: v\r\n" % i for i in range(n))
                self.assert_json_error(self.get(self.objects, many), (431,))
        st, _, _ = self.hub.req("GET", "/healthz", accept=harness.JSON)
        self.assertEqual(st, 200)

    def test_heads_just_under_the_old_pool(self):
        """Every size of head around 20 KiB (where a fixed per-connection pool of 20,736
        bytes would end) gets the JSON 431, none is closed without an answer."""
        base = len(self.head(self.objects, "X-Pad: \r\n"))
        for total in range(20400, 20800, 16):
            with self.subTest(head_bytes=total):
                pad = "a" * (total - base)
                self.assert_json_error(self.get(self.objects, "X-Pad: %s\r\n" % pad), (431,))

    def test_cookies(self):
        """A Cookie header is one field like any other: hundreds of cookies within the limits
        are served, thousands over them get the JSON 431."""
        for n in (300, 700):
            with self.subTest(cookies=n):
                cookie = "; ".join("c%d=v" % i for i in range(n))
                r, took = self.get(self.objects, "Cookie: %s\r\n" % cookie)
                self.assertIsNotNone(r, "no answer after %.1f s" % took)
                self.assertEqual(r.status, 200, r.body[:200])
                self.assertEqual(r.headers.get("content-type"), TAXII)
                self.assertIsInstance(r.json(), dict)
        cookie = "; ".join("c%d=v" % i for i in range(2000))
        self.assert_json_error(self.get(self.objects, "Cookie: %s\r\n" % cookie), (431,))

    def test_fake_version_in_the_target(self):
        """A target holding "\\0HTTP/1.1\\0" (what looks like the end of a request line
        cut in place) and then a long query is a NUL byte in the target: 400 at once."""
        path = self.objects.encode()
        for target in (path + b"\x00HTTP/1.1\x00?" + b"&" * 3000,
                       path + b"\x00HTTP/1.1\x00?" + b"a=1&" * 1000,
                       b"/x\x00HTTP/1.1\x00" + b"?match[id]=" + b"a" * 5000):
            with self.subTest(target=target[-30:]):
                doc = self.assert_json_error(
                    self.raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n"), (400,))
                self.assertIn("NUL", doc.get("description", ""))


if __name__ == "__main__":
    unittest.main()
