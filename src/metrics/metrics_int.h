/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics_int.h: the parts of the metrics module its own files share and its unit tests
 * reach: the request counters (counters.c), the exposition text (exposition.c) and the
 * access log (access_log.c). Not for other modules.
 */
#ifndef RK_METRICS_INT_H
#define RK_METRICS_INT_H

#include <stdint.h>

#include "metrics/metrics.h"

/* ---- request counters (counters.c) ------------------------------------------------------ */

/* Upper bounds of the latency histogram's buckets, in microseconds (+Inf comes after). */
#define METRICS_BUCKETS 14
extern const int64_t metrics_bucket_us[METRICS_BUCKETS];

/* Statuses are counted by their number, 0 (the connection ended before an answer) to 599. */
#define METRICS_STATUS_MAX 600

struct metrics_counters;

/*
 * Counters for the n routes of routes (borrowed, must outlive them) and one more slot for
 * requests no route matched. Never NULL; free with metrics_counters_free (NULL is a no-op).
 */
struct metrics_counters *metrics_counters_new(const struct http_route *routes, size_t n);
void metrics_counters_free(struct metrics_counters *c);

/*
 * Counts one finished request: its route (-1 or any index out of range: none) and status,
 * and its duration in the histogram. Three relaxed atomic additions; any thread.
 */
void metrics_counters_add(struct metrics_counters *c, int route, int status, int64_t duration_us);

/*
 * Appends the two request families of c (NULL: their HELP and TYPE lines only):
 * renkei_http_requests_total{route,code} for every route and status counted, and the
 * histogram renkei_http_request_duration_seconds{route} of every route that served a request.
 */
void metrics_counters_render(const struct metrics_counters *c, struct rk_buf *out);

/* ---- the exposition text (exposition.c) ------------------------------------------------- */

/* What a scrape reports besides the request counters. */
struct metrics_gauges {
    const char *version;     /* build version, for renkei_build_info */
    uint64_t ingested;       /* objects accepted since the start */
    uint64_t refused;        /* objects refused since the start */
    bool have_store;         /* the three below were read */
    int64_t store_bytes;     /* the store's data on disk */
    int64_t store_wal_bytes; /* its write-ahead log */
    int64_t audit_entries;   /* entries in the audit log */
};

/*
 * Appends the whole exposition (Prometheus text format 0.0.4) of c (may be NULL: no request
 * series) and g to out: a HELP and a TYPE line before each family, a request series for every
 * route and status seen, a histogram for every route that served a request.
 */
void metrics_render(const struct metrics_counters *c, const struct metrics_gauges *g,
                    struct rk_buf *out);

/* The content type of the exposition. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* ---- the access log (access_log.c) ------------------------------------------------------ */

/*
 * Opens the access log: NULL for none, "-" for stderr, else a file opened for appending
 * (created with mode 0640). 0, or RK_E_IO with err naming the file and the reason. Call
 * before the server starts.
 */
int metrics_access_log_open(const char *where, struct rk_err *err);

/* Opens the file again under its name (after logrotate moved it); on failure the old one is
 * kept and a warning logged. A no-op for stderr or none. Any thread, while requests run. */
void metrics_access_log_reopen(void);

/* Closes the access log; call after the server stopped. */
void metrics_access_log_close(void);

/*
 * Appends one JSON line for done with one write(2): time, client, request_id, org_id,
 * token_id (never the token), method, path (its first 512 bytes), status, bytes,
 * duration_ms. A no-op without an access log. Any thread.
 */
void metrics_access_log_write(const struct http_done *done);

/* The line metrics_access_log_write writes for done with request id id, into out. */
void metrics_access_log_line(const struct http_done *done, const char *id, struct rk_buf *out);

#endif /* RK_METRICS_INT_H */
