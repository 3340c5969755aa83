-- SPDX-License-Identifier: Apache-2.0
-- latency.lua: wrk script that prints one machine-readable line at the end of a run:
-- RESULT <requests/s> <p50 ms> <p90 ms> <p99 ms> <p99.9 ms> <errors> <non-2xx>
done = function(summary, latency, requests)
    local secs = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format("RESULT %.0f %.3f %.3f %.3f %.3f %d %d\n",
        summary.requests / secs,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
        e.connect + e.read + e.write + e.timeout, e.status))
end
