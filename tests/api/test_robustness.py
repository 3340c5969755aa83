# SPDX-License-Identifier: Apache-2.0
"""test_robustness.py: nasty requests against a live hub (raw sockets where http.client is
too polite): malformed and oversized bodies, bad headers, slow and many clients, wrong media
types, bad envelopes, odd methods and paths. After every case the server must still answer
GET /healthz, and every error it produces must be a JSON body.
"""
import json
import socket
import threading
import time
import unittest
import uuid

import harness

TAXII = "application/taxii+json;version=2.1"
MAX_BODY = 64 * 1024  # the hub under test runs with --max-content-length of this


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def indicator(pattern="[ipv4-addr:value = '198.51.100.7']"):
    """A valid STIX 2.1 indicator with a fresh id."""
    t = _now()
    return {"type": "indicator", "spec_version": "2.1",
            "id": "indicator--%s" % uuid.uuid4(), "created": t, "modified": t,
            "name": "robustness", "pattern": pattern, "pattern_type": "stix",
            "valid_from": t}


class Response:
    """A parsed HTTP response read from a raw socket."""

    def __init__(self, version, status, headers, body):
        self.version = version  # "HTTP/1.1"
        self.status = status    # int
        self.headers = headers  # {lowercase name: value}
        self.body = body        # bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def read_response(sock, deadline):
    """Reads one response from sock (Content-Length, chunked or until close); None if the
    server closed without answering. Raises socket.timeout past deadline."""
    buf = b""

    def more():
        nonlocal buf
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("no complete response in time")
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        buf += chunk
        return bool(chunk)

    while b"\r\n\r\n" not in buf:
        if not more():
            if not buf:
                return None
            raise AssertionError("connection closed inside the response head: %r" % buf[:200])
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    version, status = parts[0], int(parts[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    buf = rest
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(buf) < n and more():
            pass
        body = buf[:n]
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            while b"\r\n" not in buf:
                if not more():
                    raise AssertionError("connection closed inside a chunk size")
            size_line, _, buf = buf.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                if not more():
                    raise AssertionError("connection closed inside a chunk")
            body += buf[:size]
            buf = buf[size + 2:]
            if size == 0:
                break
    else:
        while more():
            pass
        body = buf
    return Response(version, status, headers, body)


class RobustnessTest(harness.HubTestCase):
    """One hub for the whole class (the standard fixture), started with a small body limit.
    The base class's tearDown fails a case after which the server died or printed a
    sanitizer report."""

    @classmethod
    def setUpClass(cls):
        cls.hub = harness.Hub()
        try:
            cls.fx = harness.standard_fixture(cls.hub)
            cls.hub.start("--max-content-length", str(MAX_BODY))
        except BaseException:
            cls.hub.cleanup()
            raise
        cls.port = cls.hub.port
        cls.token = cls.fx.power_contrib
        cls.objects_path = "/hub/collections/%s/objects/" % cls.fx.c_all

    # ----- helpers -------------------------------------------------------------------

    def connect(self, timeout=10):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def raw(self, data, timeout=10):
        """Sends data on a fresh connection, returns the first Response (or None)."""
        with self.connect(timeout) as s:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return read_response(s, time.monotonic() + timeout)

    def request(self, method, path, body=None, headers=None, auth=True, timeout=10):
        h = {"Host": "127.0.0.1:%d" % self.port, "Accept": TAXII, "Connection": "close"}
        if auth:
            h["Authorization"] = "Bearer " + self.token
        if body is not None:
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
            h["Content-Type"] = TAXII
            h["Content-Length"] = str(len(body))
        h.update(headers or {})
        head = "%s %s HTTP/1.1\r\n" % (method, path)
        head += "".join("%s: %s\r\n" % kv for kv in h.items() if kv[1] is not None)
        return self.raw(head.encode() + b"\r\n" + (body or b""), timeout)

    def post(self, body, headers=None):
        return self.request("POST", self.objects_path, body, headers)

    def assert_alive(self):
        r = self.request("GET", "/healthz", auth=False)
        self.assertIsNotNone(r, "server closed the connection on /healthz")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json().get("status"), "ok")

    def assert_error(self, r, statuses, json_required=True):
        """r is an error with one of statuses and (when json_required) a JSON error body."""
        self.assertIsNotNone(r, "no response at all (connection closed)")
        self.assertIn(r.status, statuses, r.body[:300])
        if json_required:
            try:
                doc = r.json()
            except ValueError:
                self.fail("error %d body is not JSON: %r" % (r.status, r.body[:200]))
            self.assertIsInstance(doc, dict)
            self.assertTrue("title" in doc or "error" in doc, doc)
        self.assert_alive()
        return r

    # ----- bodies --------------------------------------------------------------------

    def test_malformed_json(self):
        for body in (b'{"objects": [', b'{"objects": [}]}', b"{'objects': []}", b"nul",
                     b'{"objects": [1,]}'):
            with self.subTest(body=body):
                self.assert_error(self.post(body), (400, 422))

    def test_invalid_utf8(self):
        obj = json.dumps({"objects": [indicator()]}).encode()
        bad = obj.replace(b'"robustness"', b'"rob\xff\xfeness"')
        self.assertNotEqual(obj, bad)
        self.assert_error(self.post(bad), (400, 422))
        # a lone surrogate escape is valid JSON text but not a Unicode scalar value: either
        # the envelope is refused or the object is a failure in the status
        r = self.post(obj.replace(b'"robustness"', b'"\\ud800"'))
        self.assertIsNotNone(r)
        if r.status == 202:
            self.assertEqual(r.json().get("failure_count"), 1, r.body[:300])
        else:
            self.assert_error(r, (400, 422))

    def test_nesting_1000_deep(self):
        deep = b"[" * 1000 + b"]" * 1000
        self.assert_error(self.post(deep), (400, 422))
        inside = b'{"objects": [' + deep + b"]}"
        r = self.post(inside)
        self.assertIsNotNone(r)
        if r.status == 202:  # accepted as an envelope: the object itself must fail
            st = r.json()
            self.assertEqual(st.get("failure_count"), 1, st)
            self.assertEqual(st.get("success_count"), 0, st)
        else:
            self.assert_error(r, (400, 422))
        self.assert_alive()

    def test_empty_body(self):
        self.assert_error(self.post(b""), (400, 422))

    def test_bundle_is_not_an_envelope(self):
        bundle = {"type": "bundle", "id": "bundle--%s" % uuid.uuid4(), "objects": [indicator()]}
        r = self.assert_error(self.post(bundle), (422,))
        self.assertIn("objects", json.dumps(r.json()))

    def test_objects_not_an_array(self):
        for env in ({"objects": {"a": 1}}, {"objects": "x"}, {"objects": None}, {"more": False},
                    [indicator()]):
            with self.subTest(envelope=env):
                self.assert_error(self.post(env), (422,))

    def test_unparsable_pattern_is_an_object_failure(self):
        good = indicator()
        bad = indicator("[ipv4-addr:value = '10.0.0.1'")  # unbalanced bracket
        r = self.post({"objects": [good, bad]})
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 202, r.body[:300])
        st = r.json()
        self.assertEqual(st.get("total_count"), 2, st)
        self.assertEqual(st.get("success_count"), 1, st)
        self.assertEqual(st.get("failure_count"), 1, st)
        fail = st["failures"][0]
        self.assertEqual(fail["id"], bad["id"])
        self.assertIn("pattern", fail.get("message", ""))
        self.assertEqual(st["successes"][0]["id"], good["id"])
        self.assert_alive()

    # ----- sizes ---------------------------------------------------------------------

    def test_body_over_limit_is_413_without_reading_it(self):
        size = 64 * MAX_BODY  # 4 MiB announced, of which we send only the first 16 KiB
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nAccept: %s\r\n"
                "Content-Type: %s\r\nContent-Length: %d\r\n\r\n"
                % (self.objects_path, self.token, TAXII, TAXII, size)).encode()
        with self.connect() as s:
            s.sendall(head + b" " * 16384)
            t0 = time.monotonic()
            r = read_response(s, t0 + 5)
            # the answer came although most of the body was never sent
            self.assertLess(time.monotonic() - t0, 5)
        self.assert_error(r, (413,))

    def test_body_over_limit_fully_sent(self):
        body = json.dumps({"objects": [indicator()], "pad": "x" * (MAX_BODY + 10)}).encode()
        self.assert_error(self.post(body), (413,))

    def test_huge_content_length_without_body(self):
        for cl in ("99999999999999", "18446744073709551616000", "-1", "12abc"):
            with self.subTest(content_length=cl):
                head = ("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                        "Content-Type: %s\r\nAccept: %s\r\nContent-Length: %s\r\n\r\n"
                        % (self.objects_path, self.token, TAXII, TAXII, cl)).encode()
                with self.connect() as s:
                    s.sendall(head)
                    r = read_response(s, time.monotonic() + 5)
                # an unparsable Content-Length is 400, one beyond the body limit 413: JSON both
                self.assert_error(r, (400, 413))

    def test_headers_over_limit(self):
        big = "X-Filler: " + "a" * 200000 + "\r\n"
        data = ("GET /healthz HTTP/1.1\r\nHost: x\r\n" + big + "\r\n").encode()
        t0 = time.monotonic()
        r = self.raw(data, timeout=10)
        self.assertLess(time.monotonic() - t0, 10)
        # far beyond the limit: the server's own JSON 431 all the same (test_dos.py has more)
        self.assert_error(r, (431,))
        many = "".join("X-H%d: v\r\n" % i for i in range(5000))
        r = self.raw(("GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + "\r\n").encode())
        self.assert_error(r, (431,))

    # ----- protocol ------------------------------------------------------------------

    def test_garbage_request_line(self):
        for line, status in ((b"GARBAGE\r\n\r\n", 400),
                             (b"\x00\x01\x02\x03 / HTTP/1.1\r\n\r\n", 400),
                             (b"GET\r\n\r\n", 400), (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505),
                             (b"GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                             (b"GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),
                             (b"GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n", 400)):
            with self.subTest(line=line):
                t0 = time.monotonic()
                r = self.raw(line, timeout=10)
                self.assertLess(time.monotonic() - t0, 2)
                self.assert_error(r, (status,))

    def test_malformed_framing_is_json(self):
        """A missing Host, a doubled Content-Length, an unknown transfer coding, malformed
        chunked bodies, chunks over the limit: each is a TAXII error object, on TAXII routes
        in the TAXII media type, at once."""
        path = self.objects_path
        auth = "Authorization: Bearer %s\r\nAccept: %s\r\nContent-Type: %s\r\n" % (
            self.token, TAXII, TAXII)
        cases = (
            ("GET %s HTTP/1.1\r\n%s\r\n" % (path, auth), 400),  # no Host
            ("POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"
             % (path, auth), 400),
            ("POST %s HTTP/1.1\r\nHost: x\r\n%sTransfer-Encoding: gzip\r\n\r\n" % (path, auth),
             501),
            ("POST %s HTTP/1.1\r\nHost: x\r\n%sTransfer-Encoding: chunked\r\n\r\nzz\r\n"
             % (path, auth), 400),
            ("POST %s HTTP/1.1\r\nHost: x\r\n%sTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX"
             % (path, auth), 400),
            ("POST %s HTTP/1.1\r\nHost: x\r\n%sTransfer-Encoding: chunked\r\n\r\n%x\r\n"
             % (path, auth, MAX_BODY + 1), 413),
            ("POST %s HTTP/1.1\r\nHost: x\r\n%sTransfer-Encoding: chunked\r\n\r\n"
             "ffffffffffffffffffff\r\n" % (path, auth), 413),
        )
        for raw, status in cases:
            with self.subTest(request=raw[-40:]):
                t0 = time.monotonic()
                r = self.raw(raw.encode())
                self.assertLess(time.monotonic() - t0, 2)
                self.assert_error(r, (status,))
                self.assertEqual(r.headers.get("content-type"), TAXII)

    def test_http_1_0(self):
        r = self.raw(b"GET /healthz HTTP/1.0\r\n\r\n")
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json().get("status"), "ok")
        self.assertTrue(r.version.startswith("HTTP/1."))

    def test_unknown_methods_are_405_json(self):
        for method, path in (("FOO", "/hub/"), ("PUT", self.objects_path), ("PATCH", "/healthz"),
                             ("DELETE", "/hub/collections/")):
            with self.subTest(method=method, path=path):
                r = self.request(method, path)
                self.assert_error(r, (405,))

    def test_traversal_paths_are_404_json(self):
        for path in ("/hub/collections/../", "/hub/collections/../../etc/passwd",
                     "/hub/collections/%2e%2e/", "/../../../etc/passwd", "/hub/..%2f..%2f/",
                     "//hub//collections//x//"):
            with self.subTest(path=path):
                r = self.request("GET", path)
                self.assertIsNotNone(r)
                if r.status == 400:  # an undecodable path may be rejected outright
                    self.assert_error(r, (400,))
                else:
                    self.assert_error(r, (404,))

    def test_wrong_media_types(self):
        for accept in ("text/html", "application/json", "application/taxii+json;version=2.0",
                       "application/xml"):
            with self.subTest(accept=accept):
                r = self.request("GET", "/hub/collections/", headers={"Accept": accept})
                self.assert_error(r, (406,))
        body = json.dumps({"objects": [indicator()]}).encode()
        for ctype in ("text/plain", "application/xml", "application/x-www-form-urlencoded",
                      "application/taxii+json;version=2.0"):
            with self.subTest(content_type=ctype):
                r = self.post(body, headers={"Content-Type": ctype})
                self.assert_error(r, (415,))
        # the accepted forms do work
        for accept in ("application/taxii+json", "*/*", None):
            with self.subTest(accept=accept):
                r = self.request("GET", "/hub/collections/", headers={"Accept": accept})
                self.assertEqual(r.status, 200, r.body[:200])

    # ----- concurrency ---------------------------------------------------------------

    def test_slow_client_does_not_block_others(self):
        req = ("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").encode()
        slow = self.connect(timeout=30)
        done = threading.Event()
        got = []

        def dawdle():
            try:
                for i in range(len(req)):
                    if done.is_set():
                        return
                    slow.sendall(req[i:i + 1])
                    time.sleep(1.0 if i < 5 else 0)
                got.append(read_response(slow, time.monotonic() + 10))
            except OSError as e:
                got.append(e)

        t = threading.Thread(target=dawdle, daemon=True)
        t.start()
        try:
            time.sleep(1.5)  # the slow client is now mid-request-line
            for _ in range(10):  # spread over the time the slow client dawdles
                t0 = time.monotonic()
                self.assert_alive()
                self.assertLess(time.monotonic() - t0, 1.0, "answer delayed by a slow client")
                time.sleep(0.3)
        finally:
            t.join(30)
            done.set()
            slow.close()
        self.assertEqual(len(got), 1)
        # the slow client itself is answered (or cut off by the idle timeout: no crash)
        if isinstance(got[0], Response):
            self.assertEqual(got[0].status, 200)

    def test_fifty_parallel_connections(self):
        import http.client
        errors = []

        def worker(n):
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                for i in range(4):
                    if i % 2 == 0:
                        c.request("GET", "/healthz")
                    else:
                        c.request("GET", "/hub/collections/", headers={
                            "Accept": TAXII, "Authorization": "Bearer " + self.token})
                    r = c.getresponse()
                    body = r.read()
                    if r.status != 200:
                        errors.append((n, i, r.status, body[:100]))
                    json.loads(body)
                c.close()
            except Exception as e:  # noqa: BLE001 - collected and reported below
                errors.append((n, repr(e)))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assert_alive()

    def test_bad_credentials_are_401_json(self):
        for auth in ("Bearer rk_" + "0" * 64, "Bearer nonsense", "Basic !!!notbase64",
                     "Digest x", "Bearer " + "a" * 5000):
            with self.subTest(auth=auth[:30]):
                r = self.request("GET", "/hub/collections/",
                                 headers={"Authorization": auth}, auth=False)
                self.assert_error(r, (401,))
                self.assertIn("www-authenticate", r.headers)


if __name__ == "__main__":
    unittest.main()
