#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# serve.sh: read throughput and latency of a loaded hub with wrk (keep-alive, 2 threads,
# 64 connections, DURATION seconds each, default 10) on: a page of 100 objects, the manifest
# page of 100, one object by id, and a deep page (added_after near the end). Prints table rows
# with requests/s and p50/p90/p99/p99.9 latency (latency.lua). Figures, never pass/fail.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
duration=${DURATION:-10}
conns=${CONNS:-64}
command -v wrk >/dev/null || { echo "serve.sh: wrk is not installed (Debian package wrk)" >&2; exit 1; }

coproc LOADER { python3 "$here/serve_load.py"; }
loader_pid=$LOADER_PID
IFS= read -r info <&"${LOADER[0]}" || { echo "serve.sh: loading the hub failed" >&2; exit 1; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$info" "$1"; }
url=$(field url); tok=$(field reader); cid=$(field collection); oid=$(field oid)
marker=$(field marker); pid=$(field pid)
echo "# serve: hub at $url with $(field objects) objects; wrk -t2 -c$conns -d${duration}s"

base="${url}/hub/collections/$cid"
count() { # url: how many objects one answer carries (an empty page is fast but says nothing)
    curl -s -H "Accept: application/taxii+json;version=2.1" -H "Authorization: Bearer $tok" "$1" |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("objects", [])))' \
            2>/dev/null || echo "?"
}
bench() { # label path
    local out n
    n=$(count "$1")
    out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency -s "$here/latency.lua" \
        -H "Accept: application/taxii+json;version=2.1" -H "Authorization: Bearer $tok" \
        "$1" 2>&1 | grep '^RESULT' || true)
    if [ -z "$out" ]; then
        echo "| serve: $2 | wrk failed |"
        return
    fi
    read -r _ rps p50 p90 p99 p999 errs non2xx <<<"$out"
    echo "| serve: $2 ($n objects per answer) | $rps req/s |" \
        "p50 $p50 ms, p90 $p90 ms, p99 $p99 ms, p99.9 $p999 ms | errors $errs, non-2xx $non2xx |"
}
bench "$base/objects/?limit=100" "page of 100 objects"
bench "$base/manifest/?limit=100" "manifest page of 100"
bench "$base/objects/$oid/" "one object by id"
bench "$base/objects/?limit=100&added_after=$marker" "deep page (added_after near the end)"
rss=$(awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status" 2>/dev/null || echo "?")
hwm=$(awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$pid/status" 2>/dev/null || echo "?")
echo "| serve: server memory after the runs | VmRSS $rss MiB | VmHWM $hwm MiB |"

exec {LOADER[1]}>&-
wait "$loader_pid" || true
