/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.c: the metrics module's descriptor: GET /metrics, for the coordinator and tokens of
 * the metrics role; start and stop, which make the request counters for the server's route
 * table and open and close the access log; SIGHUP, which reopens it; and the completion hook
 * that feeds both.
 */
#include "metrics/metrics.h"
#include "metrics/metrics_int.h"

#include "policy/auth.h"
#include "policy/hub.h"
#include "policy/ingest.h"

/* Made by start before the server runs and freed by stop after it stopped; the hook and the
 * handler only read the pointer. */
static struct metrics_counters *counters;

static int h_metrics(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct metrics_gauges g = {.version = RENKEI_VERSION};
    struct store_stats st;
    struct rk_err e2;

    if (!policy_may_read_metrics(req->principal))
        return rk_err_set(err, RK_E_FORBIDDEN,
                          "/metrics is for the coordinator and tokens of the metrics role");
    policy_ingest_totals(&g.ingested, &g.refused);
    rk_err_clear(&e2);
    if (store_stats(hub->store, &st, &e2) == 0) {
        g.have_store = true;
        g.store_bytes = st.bytes;
        g.store_wal_bytes = st.wal_bytes;
        g.audit_entries = st.audit_entries;
    } else {
        /* The rest is still worth answering; the store's families are left out. */
        rk_log(RK_LOG_WARN, "metrics: cannot read the store's sizes: %s", e2.msg);
    }
    rk_buf_reset(&resp->body);
    metrics_render(counters, &g, &resp->body);
    resp->status = 200;
    resp->content_type = METRICS_CONTENT_TYPE;
    return 0;
}

static size_t metrics_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    /* JSON: its refusals are the admin API's {"error": ...}; the answer is text. */
    const struct http_route routes[] = {
        {"GET", "/metrics", h_metrics, hub, HTTP_ROUTE_JSON, "metrics"},
    };
    const size_t n = sizeof(routes) / sizeof(routes[0]);
    for (size_t i = 0; i < n && i < max; i++)
        out[i] = routes[i];
    return n;
}

static int metrics_start(const struct module_ctx *ctx, struct rk_err *err)
{
    int rc = metrics_access_log_open(ctx->access_log, err);
    if (rc != 0)
        return rc;
    counters = metrics_counters_new(ctx->routes, ctx->n_routes);
    return 0;
}

static void metrics_stop(const struct module_ctx *ctx)
{
    (void)ctx;
    metrics_access_log_close();
    metrics_counters_free(counters);
    counters = NULL;
}

static void metrics_reopen(const struct module_ctx *ctx)
{
    (void)ctx;
    metrics_access_log_reopen();
}

static void metrics_request_done(const struct http_done *done)
{
    metrics_counters_add(counters, done->route, done->status, done->duration_us);
    metrics_access_log_write(done);
}

const struct module metrics_module = {
    .name = "metrics",
    .routes = metrics_routes,
    .start = metrics_start,
    .stop = metrics_stop,
    .reopen = metrics_reopen,
    .request_done = metrics_request_done,
    .metrics_role = true,
};
