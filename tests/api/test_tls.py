# SPDX-License-Identifier: Apache-2.0
"""test_tls.py: `renkei serve --tls-cert/--tls-key` speaks TLS 1.2 and 1.3 only, and refuses
bad requests inside TLS as it does in the clear: a TAXII error object at once, never HTML. The
self-signed certificate is generated at test time with openssl into a temporary directory,
so nothing key-like is committed; the test is skipped when openssl is missing.
"""
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
import warnings

import harness
from test_robustness import read_response


def make_cert(directory):
    """Writes cert.pem and key.pem (CN localhost, SAN localhost and 127.0.0.1)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                    "-subj", "/CN=localhost", "-keyout", key, "-out", cert,
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def old_tls_client(version):
    """A client context that offers only version (TLS 1.0 or 1.1), at the lowest security
    level so that the local OpenSSL policy is not what refuses it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():  # deprecated versions on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = version
        ctx.maximum_version = version
    return ctx


def client_can_speak(version, cert, key):
    """True if this Python/OpenSSL can complete a handshake at version at all (against a
    local server that allows it), so that a refusal by renkei means something."""
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        sctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            sctx.minimum_version = version
            sctx.maximum_version = version
        sctx.load_cert_chain(cert, key)
    except (ssl.SSLError, ValueError):
        return False
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]

    def serve():
        try:
            c, _ = lsock.accept()
            c.settimeout(5)
            with sctx.wrap_socket(c, server_side=True):
                pass
        except (OSError, ssl.SSLError):
            pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with old_tls_client(version).wrap_socket(s) as tls:
                return tls.version() is not None
    except (OSError, ssl.SSLError):
        return False
    finally:
        t.join(5)
        lsock.close()


@unittest.skipIf(shutil.which("openssl") is None,
                 "openssl is not installed (Debian package openssl, see scripts/install-deps.sh)")
class TlsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="renkei-tls-")
        cls.cert, cls.key = make_cert(cls.tmp)
        cls.hub = harness.Hub()
        try:
            cls.hub.start("--tls-cert", cls.cert, "--tls-key", cls.key)
        except BaseException:
            cls.hub.cleanup()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.hub.stop()
        finally:
            cls.hub.cleanup()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def tls_get(self, version, path="/healthz"):
        """GET path over TLS pinned to version, verifying the certificate; returns
        (negotiated version, status line, body)."""
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.minimum_version = version
        ctx.maximum_version = version
        with socket.create_connection(("127.0.0.1", self.hub.port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as tls:
                tls.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                             % path).encode())
                data = b""
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                return tls.version(), head.split(b"\r\n")[0].decode(), body

    def assert_alive(self):
        v, line, body = self.tls_get(ssl.TLSVersion.TLSv1_3)
        self.assertIn(" 200", line)

    def test_ready_line_says_https(self):
        self.assertEqual(self.hub.scheme, "https")

    def test_tls12_works(self):
        v, line, body = self.tls_get(ssl.TLSVersion.TLSv1_2)
        self.assertEqual(v, "TLSv1.2")
        self.assertIn(" 200", line)
        self.assertEqual(json.loads(body)["status"], "ok")

    def test_tls13_works(self):
        v, line, body = self.tls_get(ssl.TLSVersion.TLSv1_3)
        self.assertEqual(v, "TLSv1.3")
        self.assertIn(" 200", line)
        self.assertEqual(json.loads(body)["status"], "ok")

    def test_taxii_over_tls(self):
        v, line, body = self.tls_get(ssl.TLSVersion.TLSv1_3, "/taxii2/")
        self.assertIn(" 200", line)
        self.assertIn("api_roots", json.loads(body))

    def test_old_tls_refused(self):
        for name, version in (("TLS 1.1", ssl.TLSVersion.TLSv1_1),
                              ("TLS 1.0", ssl.TLSVersion.TLSv1)):
            with self.subTest(version=name):
                if not client_can_speak(version, self.cert, self.key):
                    self.skipTest("this OpenSSL cannot speak %s even at SECLEVEL=0" % name)
                with socket.create_connection(("127.0.0.1", self.hub.port), timeout=10) as s:
                    with self.assertRaises((ssl.SSLError, ConnectionResetError, OSError)):
                        with old_tls_client(version).wrap_socket(s) as tls:
                            self.fail("%s handshake succeeded (%s)" % (name, tls.version()))
                self.assert_alive()

    def tls_raw(self, data, timeout=10):
        """data over a fresh TLS 1.3 connection; (Response or None, seconds)."""
        ctx = ssl.create_default_context(cafile=self.cert)
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.hub.port), timeout=timeout) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as tls:
                try:
                    tls.sendall(data)
                except (OSError, ssl.SSLError):
                    pass  # the server answered and stopped reading: the answer is there
                try:
                    r = read_response(tls, t0 + timeout)
                except ssl.SSLError:
                    r = None
        return r, time.monotonic() - t0

    def test_refusals_over_tls_are_json(self):
        """Oversized heads (1 MiB, just over 20 KiB, a 100 KB target, 1000 fields), a NUL and
        a fake version in the target, a missing Host: JSON inside TLS as in the clear."""
        def get(target, headers=""):
            return ("GET %s HTTP/1.1\r\nHost: localhost\r\nAccept: %s\r\n%s\r\n"
                    % (target, harness.TAXII, headers)).encode()
        pad = "X-Pad: %s\r\n" % ("a" * (20600 - len(get("/taxii2/", "X-Pad: \r\n"))))
        cases = (
            (get("/taxii2/", "X-Big: %s\r\n" % ("a" * (1024 * 1024))), 431),
            (get("/taxii2/", pad), 431),
            (get("/taxii2/?x=" + "a" * 100000), 414),
            (get("/taxii2/", "".join("X-H%d: v\r\n" % i for i in range(1000))), 431),
            (b"GET /taxii2/\x00HTTP/1.1\x00?" + b"&" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            (b"GET /taxii2/ HTTP/1.1\r\n\r\n", 400),
        )
        for data, status in cases:
            with self.subTest(request=data[:40], size=len(data)):
                r, took = self.tls_raw(data)
                self.assertIsNotNone(r, "no answer after %.1f s" % took)
                self.assertLess(took, 2.0)
                self.assertEqual(r.status, status, r.body[:200])
                self.assertEqual(r.headers.get("content-type"), harness.TAXII)
                self.assertEqual(r.json().get("http_status"), str(status))
        cookie = "; ".join("c%d=v" % i for i in range(300))
        r, _ = self.tls_raw(get("/taxii2/", "Cookie: %s\r\n" % cookie))
        self.assertEqual(r.status, 200, r.body[:200])
        self.assert_alive()

    def test_plain_http_to_tls_port_fails_cleanly(self):
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.hub.port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = b""
            try:
                while len(data) < 65536:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        self.assertLess(time.monotonic() - t0, 10, "plain HTTP on the TLS port hung")
        self.assertFalse(data.startswith(b"HTTP/1.1 200"), data[:100])
        self.assert_alive()


@unittest.skipIf(shutil.which("openssl") is None,
                 "openssl is not installed (Debian package openssl, see scripts/install-deps.sh)")
class TlsFilesTest(unittest.TestCase):
    """serve names the TLS file at fault and what is wrong with it, and listens on nothing."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="renkei-tls-files-")
        cls.cert, cls.key = make_cert(cls.tmp)
        other = os.path.join(cls.tmp, "other")
        os.mkdir(other)
        cls.other_cert, cls.other_key = make_cert(other)
        cls.garbage = os.path.join(cls.tmp, "garbage.pem")
        with open(cls.garbage, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
        cls.hub = harness.Hub()

    @classmethod
    def tearDownClass(cls):
        cls.hub.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def serve(self, cert, key):
        p = self.hub.run_cli("serve", "--listen", "127.0.0.1:0", "--tls-cert", cert,
                             "--tls-key", key, timeout=30)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertNotIn("listening", p.stdout)
        return p.stderr.strip()

    def test_swapped_files(self):
        self.assertEqual(self.serve(self.key, self.cert),
                         "renkei: TLS certificate %s holds a private key, not a certificate "
                         "(--tls-cert and --tls-key swapped?)" % self.key)

    def test_unreadable_certificate(self):
        err = self.serve(self.garbage, self.key)
        self.assertTrue(err.startswith("renkei: TLS certificate %s: no PEM certificate"
                                       % self.garbage), err)

    def test_unreadable_key(self):
        err = self.serve(self.cert, self.garbage)
        self.assertTrue(err.startswith("renkei: TLS key %s: no unencrypted PEM private key"
                                       % self.garbage), err)

    def test_key_of_another_certificate(self):
        self.assertEqual(self.serve(self.cert, self.other_key),
                         "renkei: TLS key %s is not the key of the certificate in %s"
                         % (self.other_key, self.cert))

    def test_missing_file(self):
        missing = os.path.join(self.tmp, "missing.pem")
        self.assertIn(missing, self.serve(self.cert, missing))


if __name__ == "__main__":
    unittest.main()
