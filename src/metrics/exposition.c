/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exposition.c: the text GET /metrics answers, in the Prometheus text format 0.0.4: for each
 * metric family a HELP line, a TYPE line and its samples. The names, types and meanings
 * listed here are what docs/operations.md documents.
 */
#include "metrics/metrics_int.h"

#include <inttypes.h>
#include <stdio.h>

/* Appends one family of a single sample without labels. */
static void single(struct rk_buf *out, const char *name, const char *type, const char *help,
                   const char *value)
{
    rk_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, type, name, value);
}

static void single_u64(struct rk_buf *out, const char *name, const char *type, const char *help,
                       uint64_t v)
{
    char num[24];
    snprintf(num, sizeof(num), "%" PRIu64, v);
    single(out, name, type, help, num);
}

void metrics_render(const struct metrics_counters *c, const struct metrics_gauges *g,
                    struct rk_buf *out)
{
    rk_buf_puts(out, "# HELP renkei_build_info The version of renkei serving, as a label.\n"
                     "# TYPE renkei_build_info gauge\n"
                     "renkei_build_info{version=\"");
    for (const char *p = g->version; *p; p++) /* a version holds no quote, but never trust */
        if (*p != '"' && *p != '\\' && *p != '\n')
            rk_buf_putc(out, *p);
    rk_buf_puts(out, "\"} 1\n");
    metrics_counters_render(c, out);
    single_u64(out, "renkei_objects_ingested_total", "counter",
               "STIX objects accepted by POST (stored, or already held) since the start.",
               g->ingested);
    single_u64(out, "renkei_objects_refused_total", "counter",
               "STIX objects refused by POST (invalid, or against the policy) since the start.",
               g->refused);
    if (!g->have_store)
        return;
    single_u64(out, "renkei_store_size_bytes", "gauge", "Bytes of the store's data on disk.",
               (uint64_t)(g->store_bytes > 0 ? g->store_bytes : 0));
    single_u64(out, "renkei_store_wal_size_bytes", "gauge",
               "Bytes of the store's write-ahead log not yet folded into its data.",
               (uint64_t)(g->store_wal_bytes > 0 ? g->store_wal_bytes : 0));
    single_u64(out, "renkei_audit_entries", "gauge", "Entries in the hash-chained audit log.",
               (uint64_t)(g->audit_entries > 0 ? g->audit_entries : 0));
}
