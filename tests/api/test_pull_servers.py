# SPDX-License-Identifier: Apache-2.0
"""`renkei pull` against TAXII 2.1 servers that are not renkei, written here in Python.

- Medallion-like: modelled on the OASIS reference server's memory backend (medallion 3.x,
  `get_next`): one cursor id for a whole walk, repeated on every page; the page size clamped
  to its max_page_size; a `next` request without `limit` is a 500 (its code deletes
  `filter_args["limit"]` unconditionally); a `next` request whose other parameters differ
  from the first request's is a 400. The real server cannot be installed here (no PyPI).
- A server that loops (the same page and cursor for ever), one that says `more` and then
  sends empty pages, and one that says `more` with neither `next` nor a date header.

The pull must read everything such a server offers, or stop, say why and exit non-zero
(3); its last line on stderr says how many objects it read and whether that was everything.
"""
import json
import os
import pty
import subprocess
import tempfile
import threading
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from harness import ROOT, TAXII, renkei_bin, sanitizer_report

COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
OBJECTS_PATH = "/api1/collections/%s/objects/" % COLLECTION
MAX_STALLS = 3  # SYNC_PAGER_MAX_STALLS


def make_objects(n, types=("indicator", "malware")):
    """n STIX objects with their date_added (strictly increasing), as a server stores them."""
    out = []
    for i in range(n):
        t = types[i % len(types)]
        o = {"type": t, "spec_version": "2.1", "id": "%s--%s" % (t, uuid.UUID(int=i + 1)),
             "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
             "name": "object %d" % i}
        out.append(("2024-03-01T00:%02d:%02d.%06dZ" % (i // 3600, i // 60 % 60, i % 60), o))
    return out


class TaxiiError(Exception):
    def __init__(self, status, title):
        super().__init__(title)
        self.status = status
        self.title = title


class FakeTaxii:
    """A TAXII 2.1 objects endpoint on 127.0.0.1 with a behaviour (see the module's doc)."""

    def __init__(self, behaviour, n_objects=25, max_page_size=10):
        self.behaviour = behaviour
        self.objects = make_objects(n_objects)
        self.max_page_size = max_page_size
        self.sessions = {}
        self.requests = []  # parsed query of every GET, in order
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlsplit(self.path)
                args = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                with fake.lock:
                    fake.requests.append(args)
                    try:
                        if url.path != OBJECTS_PATH:
                            raise TaxiiError(404, "Collection not found")
                        accept = self.headers.get("Accept", "").replace(" ", "")
                        if accept != TAXII:
                            raise TaxiiError(406, "Media type in the Accept header is invalid")
                        status, headers, body = 200, *fake.answer(args)
                    except TaxiiError as e:
                        status, headers, body = e.status, {}, {"title": e.title}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", TAXII)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d/api1/collections/%s/" % (self.httpd.server_port,
                                                                 COLLECTION)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---- behaviours ----------------------------------------------------------------------

    def limit(self, args):
        try:
            limit = int(args.get("limit", self.max_page_size))
        except ValueError:
            raise TaxiiError(400, "The server did not understand the request")
        if limit <= 0:
            raise TaxiiError(400, "The limit parameter cannot be negative or zero")
        return min(limit, self.max_page_size)

    def matching(self, args):
        types = set(args["match[type]"].split(",")) if "match[type]" in args else None
        after = args.get("added_after")
        return [(d, o) for d, o in self.objects
                if (types is None or o["type"] in types) and (after is None or d > after)]

    @staticmethod
    def filter_args(args):
        return {k: sorted(v.split(",")) for k, v in args.items() if k not in ("next", "limit")}

    @staticmethod
    def envelope(page, more, nxt=None):
        body = {"more": more}
        if page:
            body["objects"] = [o for _, o in page]
        if nxt is not None:
            body["next"] = nxt
        headers = {}
        if page:
            headers = {"X-TAXII-Date-Added-First": page[0][0],
                       "X-TAXII-Date-Added-Last": page[-1][0]}
        return headers, body

    def answer(self, args):
        return getattr(self, "answer_" + self.behaviour)(args)

    def answer_medallion(self, args):
        limit = self.limit(args)
        if "next" in args:
            session = self.sessions.get(args["next"])
            if session is None:
                raise TaxiiError(400, "The server did not understand the request or filter "
                                      "parameters: 'next' not valid")
            if "limit" not in args:
                # medallion: `del filter_args["limit"]` raises KeyError: an internal error.
                raise TaxiiError(500, "Internal Server Error")
            if self.filter_args(args) != session["args"]:
                raise TaxiiError(400, "The server did not understand the request or filter "
                                      "parameters: params changed over subsequent transaction")
            rest = session["objects"]
            page, session["objects"] = rest[:limit], rest[limit:]
            if not session["objects"]:
                del self.sessions[args["next"]]
                return self.envelope(page, False)
            return self.envelope(page, True, args["next"])
        found = self.matching(args)
        page, rest = found[:limit], found[limit:]
        if not rest:
            return self.envelope(page, False)
        cursor = str(uuid.uuid4())
        self.sessions[cursor] = {"objects": rest, "args": self.filter_args(args)}
        return self.envelope(page, True, cursor)

    def answer_dates(self, args):
        """An older medallion: no next, more only; clients page with added_after."""
        found = self.matching(args)
        limit = self.limit(args)
        return self.envelope(found[:limit], len(found) > limit)

    def answer_loop(self, args):
        return self.envelope(self.objects[:self.limit(args)], True, "cursor")

    def answer_short(self, args):
        if "next" in args:
            return self.envelope([], True, "cursor")
        return self.envelope(self.objects[:self.limit(args)], True, "cursor")

    def answer_no_way(self, args):
        headers, body = self.envelope(self.objects[:self.limit(args)], True)
        return {}, body


class TestPullFromOtherServers(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="renkei-pull-")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.close()

    def server(self, behaviour, **kw):
        s = FakeTaxii(behaviour, **kw)
        self.servers.append(s)
        return s

    def pull(self, *args, stderr=subprocess.PIPE):
        p = subprocess.run([renkei_bin(), "pull"] + list(args), cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=stderr, text=True, timeout=120,
                           env=dict(os.environ, RENKEI_TOKEN=""))
        rep = sanitizer_report(p.stderr or "")
        if rep:
            raise AssertionError("sanitizer report: %s\n%s" % (rep, p.stderr[-4000:]))
        return p

    def last_line(self, p):
        return p.stderr.strip().splitlines()[-1]

    def assertComplete(self, p, server, expected):
        self.assertEqual(p.returncode, 0, p.stderr)
        got = json.loads(p.stdout)["objects"]
        self.assertEqual(got, [o for _, o in expected])
        self.assertIn("%d objects read" % len(expected), self.last_line(p))
        self.assertIn("everything the server offered", self.last_line(p))
        self.assertNotIn("NOT", self.last_line(p))
        for args in server.requests:
            self.assertIn("limit", args, server.requests)

    # ---- medallion ---------------------------------------------------------------------

    def test_medallion_repeated_cursor_without_limit(self):
        s = self.server("medallion", n_objects=25, max_page_size=10)
        p = self.pull(s.url)
        self.assertComplete(p, s, s.objects)
        self.assertEqual(len(s.requests), 3)
        cursors = {a["next"] for a in s.requests[1:]}
        self.assertEqual(len(cursors), 1)  # one cursor id for the whole walk

    def test_medallion_repeated_cursor_with_limit_and_filters(self):
        s = self.server("medallion", n_objects=40, max_page_size=100)
        after = s.objects[3][0]
        p = self.pull("--limit", "4", "--type", "indicator", "--added-after", after, s.url)
        expected = [(d, o) for d, o in s.objects[4:] if o["type"] == "indicator"]
        self.assertComplete(p, s, expected)
        self.assertEqual(len(s.requests), 5)  # 18 objects in pages of 4
        for a in s.requests:
            self.assertEqual((a["limit"], a["match[type]"], a["added_after"]),
                             ("4", "indicator", after))
        self.assertIn("written", self.last_line(self.pull("--limit", "4", "--out",
                                                          os.path.join(self.tmp, "o.json"),
                                                          s.url)))

    def test_server_without_next_pages_by_date_added(self):
        s = self.server("dates", n_objects=23, max_page_size=5)
        p = self.pull(s.url)
        self.assertComplete(p, s, s.objects)
        self.assertEqual(s.requests[1]["added_after"], s.objects[4][0])

    def test_json_summary_says_complete(self):
        s = self.server("medallion", n_objects=12, max_page_size=5)
        out = os.path.join(self.tmp, "all.json")
        p = self.pull("--json", "--out", out, s.url)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"objects": 12, "pages": 3, "complete": True,
                                                "last_added": s.objects[-1][0]})

    # ---- servers that do not deliver what they promise ---------------------------------------

    def assertStopped(self, p, reason, read):
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(reason, p.stderr)
        self.assertIn("%d object%s read" % (read, "" if read == 1 else "s"), self.last_line(p))
        self.assertIn("NOT everything the server offered", self.last_line(p))

    def test_server_that_loops_is_stopped(self):
        s = self.server("loop", n_objects=25, max_page_size=10)
        out = os.path.join(self.tmp, "loop.json")
        p = self.pull("--out", out, s.url)
        self.assertStopped(p, "repeats itself", 10)
        self.assertIn("nothing written to " + out, self.last_line(p))
        self.assertFalse(os.path.exists(out))
        self.assertEqual(os.listdir(self.tmp), [])  # no partial file left either
        self.assertEqual(len(s.requests), 1 + MAX_STALLS)

    def test_server_that_loops_on_stdout(self):
        s = self.server("loop", n_objects=25, max_page_size=10)
        p = self.pull(s.url)
        self.assertStopped(p, "repeats itself", 10)
        self.assertIn("cut short", self.last_line(p))
        with self.assertRaises(ValueError):
            json.loads(p.stdout)  # never a bundle that looks whole
        self.assertEqual(p.stdout.count('"type":"indicator"') + p.stdout.count(
            '"type":"malware"'), 10)  # the repeated page is not written again

    def test_server_that_sends_fewer_than_promised(self):
        s = self.server("short", n_objects=25, max_page_size=10)
        out = os.path.join(self.tmp, "short.json")
        p = self.pull("--json", "--out", out, s.url)
        self.assertEqual(p.returncode, 3, p.stdout)
        summary = json.loads(p.stdout)
        self.assertEqual((summary["objects"], summary["complete"]), (10, False))
        self.assertIn("brought none", summary["error"])
        self.assertFalse(os.path.exists(out))
        self.assertStopped(self.pull(s.url), "brought none", 10)

    def test_server_with_more_and_no_way_to_ask(self):
        s = self.server("no_way", n_objects=25, max_page_size=10)
        p = self.pull(s.url)
        self.assertStopped(p, 'neither "next" nor X-TAXII-Date-Added-Last', 10)
        self.assertEqual(len(s.requests), 1)

    # ---- the last line on a terminal ---------------------------------------------------------

    def test_last_line_on_a_terminal_follows_the_progress(self):
        s = self.server("medallion", n_objects=30, max_page_size=10)
        master, slave = pty.openpty()
        try:
            p = self.pull("--out", os.path.join(self.tmp, "t.json"), s.url, stderr=slave)
            os.close(slave)
            slave = None
            text = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                text += chunk
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertEqual(p.returncode, 0)
        text = text.decode()
        self.assertIn("objects", text.split("\r\x1b[K")[0])  # a progress line was drawn
        final = text.split("\r\x1b[K")[-1].strip()
        self.assertEqual(final.count("\n"), 0, text)
        self.assertRegex(final, r"^renkei pull: 30 objects read in 3 pages: everything the "
                                r"server offered, written to ")


if __name__ == "__main__":
    unittest.main()
