# SPDX-License-Identifier: Apache-2.0
"""receivers.py: the real receivers the alert tests deliver to, on loopback.

WebhookReceiver  an HTTP server that records every POST (path, headers, body, parsed JSON),
                 checks X-Renkei-Signature against a secret when given one, can answer with a
                 chosen status or stall (a failing or slow receiver), and can be stopped and
                 started again on the same port (a receiver that is down, then up).
SmtpSink         a minimal SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET,
                 NOOP, QUIT) that records each message (envelope and text).
Both run in a thread of the test process and are started and stopped by the test.
"""
import hashlib
import hmac
import json
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def signature(secret, body):
    """The X-Renkei-Signature value of body (bytes) under secret (str)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookReceiver:
    """A webhook receiver on 127.0.0.1; .port stays the same across stop() and start()."""

    def __init__(self, secret=None, port=0):
        self.secret = secret
        self.status = 200          # answer given to each POST
        self.delay = 0.0           # seconds to stall before answering
        self.received = []         # dicts: path, headers, body, json, signature_ok, time
        self.cond = threading.Condition()
        self.port = port
        self.server = None
        self.start()

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                if receiver.delay:
                    time.sleep(receiver.delay)
                sig = self.headers.get("X-Renkei-Signature")
                ok = None
                if receiver.secret is not None:
                    ok = sig is not None and hmac.compare_digest(
                        sig, signature(receiver.secret, body))
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
                status = receiver.status
                if status < 300:
                    with receiver.cond:
                        receiver.received.append({
                            "path": self.path, "headers": dict(self.headers.items()),
                            "body": body, "json": parsed, "signature_ok": ok,
                            "time": time.time()})
                        receiver.cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the hub opens up to 64 connections at once

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        """Stops listening: deliveries fail with connection refused until start()."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    def wait(self, count, timeout=30.0):
        """Waits until count POSTs were accepted; returns the list (fails on timeout)."""
        deadline = time.time() + timeout
        with self.cond:
            while len(self.received) < count:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("webhook receiver: %d of %d deliveries after %.0f s"
                                         % (len(self.received), count, timeout))
                self.cond.wait(left)
            return list(self.received)

    def events(self):
        """The parsed bodies received so far."""
        with self.cond:
            return [r["json"] for r in self.received]


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message: dicts mail_from, rcpt, data."""

    def __init__(self):
        sink = self
        self.messages = []
        self.cond = threading.Condition()

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                self.reply("220 sink ESMTP")
                mail_from, rcpt = None, []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode("utf-8", "replace").rstrip("\r\n")
                    verb = cmd[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 sink")
                    elif verb == "MAIL":
                        mail_from, rcpt = cmd[10:].strip(), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        rcpt.append(cmd[8:].strip())
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with .")
                        data = []
                        while True:
                            l = self.rfile.readline()
                            if not l or l in (b".\r\n", b".\n"):
                                break
                            if l.startswith(b".."):
                                l = l[1:]
                            data.append(l)
                        with sink.cond:
                            sink.messages.append({"mail_from": mail_from, "rcpt": rcpt,
                                                  "data": b"".join(data).decode(
                                                      "utf-8", "replace")})
                            sink.cond.notify_all()
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP, anything else
                        self.reply("250 OK")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def wait(self, count, timeout=30.0):
        deadline = time.time() + timeout
        with self.cond:
            while len(self.messages) < count:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("smtp sink: %d of %d messages after %.0f s"
                                         % (len(self.messages), count, timeout))
                self.cond.wait(left)
            return list(self.messages)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
