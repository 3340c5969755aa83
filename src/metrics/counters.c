/* SPDX-License-Identifier: Apache-2.0 */
/*
 * counters.c: the request counters behind /metrics: per route, a counter for each status and
 * a latency histogram. Sized once for the server's route table, so that counting a request is
 * three relaxed atomic additions into fixed slots, without a lock or an allocation; the
 * scrape reads them one by one.
 */
#include "metrics/metrics_int.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int64_t metrics_bucket_us[METRICS_BUCKETS] = {
    500,    1000,   2500,   5000,    10000,   25000,   50000,
    100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

/* One route's counters. */
struct route_stats {
    _Atomic uint64_t by_status[METRICS_STATUS_MAX]; /* requests by status */
    _Atomic uint64_t bucket[METRICS_BUCKETS + 1];   /* by duration: bucket[i] holds those above
                                                       bound i-1 and up to bound i (not
                                                       cumulative); the last, above them all */
    _Atomic uint64_t sum_us;                        /* total duration */
};

struct metrics_counters {
    const struct http_route *routes; /* the server's table, borrowed */
    size_t n;                        /* its routes; stats[n] counts requests of no route */
    struct route_stats *stats;       /* n + 1 entries */
};

struct metrics_counters *metrics_counters_new(const struct http_route *routes, size_t n)
{
    struct metrics_counters *c = rk_calloc(1, sizeof(*c));
    c->routes = routes;
    c->n = n;
    c->stats = rk_calloc(n + 1, sizeof(*c->stats));
    return c;
}

void metrics_counters_free(struct metrics_counters *c)
{
    if (c == NULL)
        return;
    free(c->stats);
    free(c);
}

void metrics_counters_add(struct metrics_counters *c, int route, int status, int64_t duration_us)
{
    struct route_stats *rs = &c->stats[route >= 0 && (size_t)route < c->n ? (size_t)route : c->n];
    size_t b = 0;
    if (status < 0 || status >= METRICS_STATUS_MAX)
        status = 0;
    if (duration_us < 0)
        duration_us = 0;
    while (b < METRICS_BUCKETS && duration_us > metrics_bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&rs->by_status[status], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rs->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rs->sum_us, (uint64_t)duration_us, memory_order_relaxed);
}

/* The route label of slot i: the route's name, "none" for requests of no route. */
static const char *route_label(const struct metrics_counters *c, size_t i)
{
    if (i == c->n)
        return "none";
    return c->routes[i].name != NULL ? c->routes[i].name : "";
}

/* Appends v as the value of a label: backslash, double quote and newline escaped. */
static void label_value(struct rk_buf *out, const char *v)
{
    rk_buf_putc(out, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '\\' || *p == '"')
            rk_buf_putc(out, '\\'), rk_buf_putc(out, *p);
        else if (*p == '\n')
            rk_buf_puts(out, "\\n");
        else
            rk_buf_putc(out, *p);
    }
    rk_buf_putc(out, '"');
}

/* A bucket bound in seconds as Prometheus writes it: "0.0005", "1", "2.5". */
static void bound_text(struct rk_buf *out, int64_t us)
{
    if (us % 1000000 == 0) {
        rk_buf_printf(out, "%" PRId64, us / 1000000);
        return;
    }
    char num[32];
    snprintf(num, sizeof(num), "%.6f", (double)us / 1e6);
    size_t len = strlen(num);
    while (len > 0 && num[len - 1] == '0')
        len--;
    rk_buf_append(out, num, len);
}

void metrics_counters_render(const struct metrics_counters *c, struct rk_buf *out)
{
    rk_buf_puts(out, "# HELP renkei_http_requests_total HTTP requests answered, by route and "
                     "status (0: the connection ended before the answer was sent).\n"
                     "# TYPE renkei_http_requests_total counter\n");
    for (size_t i = 0; c != NULL && i <= c->n; i++) {
        for (int s = 0; s < METRICS_STATUS_MAX; s++) {
            uint64_t v = atomic_load_explicit(&c->stats[i].by_status[s], memory_order_relaxed);
            if (v == 0)
                continue;
            rk_buf_puts(out, "renkei_http_requests_total{route=");
            label_value(out, route_label(c, i));
            rk_buf_printf(out, ",code=\"%d\"} %" PRIu64 "\n", s, v);
        }
    }
    rk_buf_puts(out, "# HELP renkei_http_request_duration_seconds Time from a complete request "
                     "head to the last byte of its answer, by route.\n"
                     "# TYPE renkei_http_request_duration_seconds histogram\n");
    for (size_t i = 0; c != NULL && i <= c->n; i++) {
        const struct route_stats *rs = &c->stats[i];
        uint64_t counts[METRICS_BUCKETS + 1], total = 0;
        for (size_t b = 0; b <= METRICS_BUCKETS; b++) {
            counts[b] = atomic_load_explicit(&rs->bucket[b], memory_order_relaxed);
            total += counts[b];
        }
        if (total == 0)
            continue;
        uint64_t sum_us = atomic_load_explicit(&rs->sum_us, memory_order_relaxed);
        uint64_t cumulative = 0;
        for (size_t b = 0; b <= METRICS_BUCKETS; b++) {
            cumulative += counts[b];
            rk_buf_puts(out, "renkei_http_request_duration_seconds_bucket{route=");
            label_value(out, route_label(c, i));
            rk_buf_puts(out, ",le=\"");
            if (b < METRICS_BUCKETS)
                bound_text(out, metrics_bucket_us[b]);
            else
                rk_buf_puts(out, "+Inf");
            rk_buf_printf(out, "\"} %" PRIu64 "\n", cumulative);
        }
        rk_buf_puts(out, "renkei_http_request_duration_seconds_sum{route=");
        label_value(out, route_label(c, i));
        rk_buf_printf(out, "} %" PRIu64 ".%06" PRIu64 "\n", sum_us / 1000000, sum_us % 1000000);
        rk_buf_puts(out, "renkei_http_request_duration_seconds_count{route=");
        label_value(out, route_label(c, i));
        rk_buf_printf(out, "} %" PRIu64 "\n", total);
    }
}
