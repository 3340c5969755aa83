/* SPDX-License-Identifier: Apache-2.0 */
/*
 * module.c: the analyze capability as `renkei serve` runs it: its routes (search,
 * correlations, similar incidents), what it starts (the ingest hooks that index observables
 * and compute the severity of incidents; the background workers) and stops. Each part lives
 * in its own file; this one only lists them.
 */
#include "analyze/analyze.h"
#include "analyze/analyze_int.h"

#include "module/module.h"
#include "policy/hub.h"

static size_t analyze_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route table[] = {
        {NULL, NULL, NULL, NULL, 0, NULL}, /* placeholder: the first route replaces it */
        {"GET", "/api/v1/correlations", analyze_correlations_get, hub, HTTP_ROUTE_JSON,
         "api-correlations"},
    };
    size_t n = 0;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].method == NULL)
            continue;
        if (n < max)
            out[n] = table[i];
        n++;
    }
    return n;
}

int analyze_attach(struct rk_hub *hub, struct rk_err *err)
{
    int rc = analyze_index_attach(hub, err);
    if (rc != 0)
        return rc;
    return 0;
}

static int analyze_start(const struct module_ctx *ctx, struct rk_err *err)
{
    int rc = analyze_attach(ctx->hub, err);
    if (rc == 0)
        rc = analyze_correlate_start(ctx->hub, err);
    return rc;
}

static void analyze_stop(const struct module_ctx *ctx)
{
    (void)ctx;
    analyze_correlate_stop();
}

const struct module analyze_module = {
    .name = "analyze",
    .routes = analyze_routes,
    .start = analyze_start,
    .stop = analyze_stop,
};
