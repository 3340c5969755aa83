# SPDX-License-Identifier: Apache-2.0
"""common.py: the benchmarks' own harness: a fresh hub (through tests/api/harness.py's Hub,
which drives the real `renkei` CLI and server), concurrent posting of pre-serialised
envelopes over keep-alive connections, and the server's memory from /proc. Python standard
library only. Benchmarks print figures; they never pass or fail.
"""
import glob
import http.client
import json
import os
import queue
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
TAXII = "application/taxii+json;version=2.1"

import sys  # noqa: E402 - the harness lives with the API tests

sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import harness  # noqa: E402


# The authors of the feeds and ATT&CK releases the benchmarks post (every created_by_ref of
# real_objects()), declared public as the coordinator of a hub that relays them would: else
# the hub rewrites a named poster's foreign created_by_ref to the poster (docs/sharing.md).
FEED_AUTHORS = [
    "identity--0619d6fb-5e76-5b35-87b9-a637bc2a0d95", "identity--674a16c1-8b43-5c3e-8692-b3d8935e4903",
    "identity--9779a2db-f98c-5f4b-8d08-8ee04e02dbb5", "identity--9d7266e0-e0e7-529a-a840-7df15fb8fcf2",
    "identity--a1cb37d2-3bd3-5b23-8526-47a22694b7e0", "identity--aee958f7-4e54-55c5-aa62-ccb3a0bf11f3",
    "identity--c61334ee-05d8-5109-8c4e-14fa29bc4744", "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5",
    "identity--d78cb6e5-0c4b-4611-8297-d1b8b55e40b5", "identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a",
]


def new_hub(name="bench"):
    """A fresh initialised hub with one organisation, a contributor and a reader token and
    one collection readable and writable by all members; the feed authors are public.
    Returns (hub, info dict)."""
    hub = harness.Hub(name)
    if hub.run_cli("policy", "set", "--public-identities", ",".join(FEED_AUTHORS)).returncode:
        print("# this renkei has no --public-identities: feed authors stay as posted",
              file=sys.stderr)
    hub.org_add("bench-org", "information-communication")
    info = {
        "contrib": hub.token_create("bench-org", "contributor"),
        "reader": hub.token_create("bench-org", "reader"),
        "collection": hub.collection_add("Bench", "all", "all"),
    }
    return hub, info


def real_objects():
    """Every object of ../shared/data/feeds2stix/**/*.json and of every ATT&CK ICS release,
    in file order (duplicates across releases included, as a real feed would resend them)."""
    files = sorted(glob.glob(os.path.join(SHARED, "feeds2stix", "**", "*.json"), recursive=True))
    files += sorted(glob.glob(os.path.join(SHARED, "attack-ics", "*.json")))
    objs = []
    for f in files:
        with open(f, "rb") as fh:
            try:
                doc = json.load(fh)
            except ValueError:
                continue
        if isinstance(doc, dict) and isinstance(doc.get("objects"), list):
            objs += [o for o in doc["objects"] if isinstance(o, dict)]
        elif isinstance(doc, list):
            objs += [o for o in doc if isinstance(o, dict)]
        elif isinstance(doc, dict) and "type" in doc:
            objs.append(doc)
    return objs


def envelopes(objs, size=1000):
    """Pre-serialised envelope bodies of at most size objects each: [(bytes, count)]."""
    out = []
    for i in range(0, len(objs), size):
        chunk = objs[i:i + size]
        out.append((json.dumps({"objects": chunk}, separators=(",", ":")).encode(), len(chunk)))
    return out


def post_all(hub, info, bodies, conns):
    """Posts every (body, count) of bodies over conns keep-alive connections, each waiting
    for its status to be complete (durable) before sending the next. Returns a dict with
    seconds, objects, bytes, successes, failures, errors."""
    q = queue.Queue()
    for b in bodies:
        q.put(b)
    lock = threading.Lock()
    tot = {"successes": 0, "failures": 0, "errors": [], "fail_sample": []}
    hdrs = {"Accept": TAXII, "Content-Type": TAXII, "Authorization": "Bearer " + info["contrib"]}
    path = "/hub/collections/%s/objects/" % info["collection"]

    def worker():
        c = http.client.HTTPConnection(hub.host, hub.port, timeout=600)
        while True:
            try:
                body, _ = q.get_nowait()
            except queue.Empty:
                break
            try:
                c.request("POST", path, body=body, headers=hdrs)
                r = c.getresponse()
                data = r.read()
                if r.status != 202:
                    with lock:
                        tot["errors"].append((r.status, data[:200]))
                    continue
                st = json.loads(data)
                while st.get("status") != "complete":
                    time.sleep(0.005)
                    c.request("GET", "/hub/status/%s/" % st["id"], headers=hdrs)
                    r = c.getresponse()
                    st = json.loads(r.read())
                with lock:
                    tot["successes"] += st.get("success_count", 0)
                    tot["failures"] += st.get("failure_count", 0)
                    if st.get("failures") and len(tot["fail_sample"]) < 5:
                        tot["fail_sample"].append(st["failures"][0])
            except (OSError, http.client.HTTPException, ValueError) as e:
                with lock:
                    tot["errors"].append(repr(e))
                c.close()
                c = http.client.HTTPConnection(hub.host, hub.port, timeout=600)
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tot["seconds"] = time.monotonic() - t0
    tot["objects"] = sum(n for _, n in bodies)
    tot["bytes"] = sum(len(b) for b, _ in bodies)
    return tot


def proc_mem(pid):
    """(VmRSS, VmHWM) of pid in MiB, from /proc/PID/status."""
    rss = hwm = 0.0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024.0
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024.0
    return rss, hwm


def proc_cpu(pid):
    """CPU seconds (user + system) pid has used so far, from /proc/PID/stat: steadier than
    wall time on a shared machine, and it leaves the client's own work out."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_wchar(pid):
    """Bytes pid has written so far (write and pwrite calls), from /proc/PID/io; 0 if it cannot
    be read."""
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def db_size(hub):
    """Bytes of the hub's SQLite files (database plus WAL and shared memory)."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        p = os.path.join(hub.data, "renkei.db" + suffix)
        if os.path.exists(p):
            total += os.path.getsize(p)
    return total


def timed_get(hub, path, token, n=20):
    """Latencies (ms, sorted) of n sequential GETs of path on one keep-alive connection,
    after one warm-up request; also (status, number of objects) of the last answer, so that
    a fast but empty page is not mistaken for a fast page."""
    c = http.client.HTTPConnection(hub.host, hub.port, timeout=60)
    hdrs = {"Accept": TAXII, "Authorization": "Bearer " + token}
    lat, status = [], None
    for i in range(n + 1):
        t0 = time.perf_counter()
        c.request("GET", path, headers=hdrs)
        r = c.getresponse()
        body = r.read()
        status = r.status
        if i:
            lat.append((time.perf_counter() - t0) * 1000.0)
    c.close()
    try:
        count = len(json.loads(body).get("objects", []))
    except (ValueError, AttributeError):
        count = 0
    return sorted(lat), (status, count)


def rfc3339_now():
    """The current UTC time as RFC 3339 with microseconds (the server shares our clock)."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


def load_with_marker(hub, info, bodies, conns=4):
    """Posts all envelopes but the last with conns connections, then the last one alone.
    Returns (post_all totals, marker) where marker is a timestamp taken just before the last
    envelope: added_after=marker selects the end of the collection."""
    tot = post_all(hub, info, bodies[:-1], conns)
    time.sleep(0.01)
    marker = rfc3339_now()
    last = post_all(hub, info, bodies[-1:], 1)
    for k in ("successes", "failures", "objects", "bytes", "seconds"):
        tot[k] += last[k]
    tot["errors"] += last["errors"]
    return tot, marker


def callgrind_serve(binary, out):
    """Makes the harness run `renkei serve` (only serve: it runs $RENKEI_BIN for the CLI too)
    under `valgrind --tool=callgrind`, its dumps in out as cg.<pid>[.<n>]; for the
    callgrind_*.py benchmarks, which count instructions (repeatable on a noisy machine)."""
    os.makedirs(out, exist_ok=True)
    wrapper = os.path.join(out, "renkei-cg.sh")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nif [ "$1" = serve ]; then exec valgrind --tool=callgrind '
                '--callgrind-out-file=%s/cg.%%p "%s" "$@"; fi\nexec "%s" "$@"\n'
                % (out, binary, binary))
    os.chmod(wrapper, 0o755)
    os.environ["RENKEI_BIN"] = wrapper


def row(*cells):
    """One row of the results table (markdown), printed and flushed."""
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)
