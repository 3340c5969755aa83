/* SPDX-License-Identifier: Apache-2.0 */
/*
 * module.c: the alert capability as `renkei serve` runs it: the routes of each part
 * (subscriptions and watchlists, the event stream, dead letters, the hotline), and what it
 * starts and stops (the matcher, delivery, escalation). Each part lives in its own files;
 * this one only lists them.
 */
#include "alert/alert.h"
#include "alert/alert_int.h"

#include "module/module.h"
#include "policy/hub.h"

#include <stdlib.h>
#include <string.h>

static const alert_routes_fn parts[] = {
    alert_config_routes,
    alert_stream_routes,
    alert_deliver_routes,
    alert_hotline_routes,
};

static size_t alert_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        n += parts[i](hub, n < max ? out + n : NULL, n < max ? max - n : 0);
    return n;
}

static int alert_start(const struct module_ctx *ctx, struct rk_err *err)
{
    /* For benchmarks only (bench/alert_latency.py, ingest with alerting off): no worker runs;
     * what is stored meanwhile is matched from the durable cursor at the next start. */
    const char *off = getenv("RENKEI_NO_ALERTS");
    if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0)
        return 0;
    int rc = alert_deliver_start(ctx->hub, err);
    if (rc != 0)
        return rc;
    rc = alert_hotline_start(ctx->hub, err);
    if (rc != 0) {
        alert_deliver_stop();
        return rc;
    }
    rc = alert_match_start(ctx->hub, err);
    if (rc != 0) { /* stop is not called after a failed start */
        alert_hotline_stop();
        alert_deliver_stop();
    }
    return rc;
}

static void alert_stop(const struct module_ctx *ctx)
{
    (void)ctx;
    alert_match_stop();
    alert_hotline_stop();
    alert_deliver_stop();
}

/* Every successful write request may have stored something: the matcher looks at once (its
 * periodic round catches the writes of other processes). */
static void alert_request_done(const struct http_done *done)
{
    if (done->status >= 200 && done->status < 300 && done->req != NULL &&
        done->req->method != NULL && strcmp(done->req->method, "GET") != 0 &&
        strcmp(done->req->method, "HEAD") != 0)
        alert_match_wake();
}

const struct module alert_module = {
    .name = "alert",
    .routes = alert_routes,
    .start = alert_start,
    .stop = alert_stop,
    .request_done = alert_request_done,
};
