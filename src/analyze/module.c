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
        {"GET", "/api/v1/extension-definitions/{id}", analyze_extension_get, NULL, HTTP_ROUTE_JSON,
         "extension-definition"},
        {"GET", "/api/v1/search", analyze_search, hub, HTTP_ROUTE_JSON, "analyze-search"},
        /* similar past incidents (similar_service.c) */
        {"POST", "/api/v1/similar", analyze_similar_post, hub, HTTP_ROUTE_JSON,
         "analyze-similar-post"},
        {"GET", "/api/v1/similar/{id}", analyze_similar_get, hub, HTTP_ROUTE_JSON,
         "analyze-similar-get"},
        {"GET", "/api/v1/correlations", analyze_correlations_get, hub, HTTP_ROUTE_JSON,
         "api-correlations"},
    };
    size_t n = 0;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (n < max)
            out[n] = table[i];
        n++;
    }
    return n;
}

int analyze_attach(struct rk_hub *hub, struct rk_err *err)
{
    int rc = analyze_report_attach(hub, err);
    if (rc == 0)
        rc = analyze_index_attach(hub, err);
    return rc;
}

static int analyze_start(const struct module_ctx *ctx, struct rk_err *err)
{
    int rc = analyze_attach(ctx->hub, err);
    if (rc == 0)
        rc = analyze_similar_start(ctx->hub, err);
    if (rc == 0) {
        rc = analyze_correlate_start(ctx->hub, err);
        if (rc != 0) /* stop is not called after a failed start */
            analyze_similar_stop();
    }
    return rc;
}

static void analyze_stop(const struct module_ctx *ctx)
{
    (void)ctx;
    analyze_similar_stop();
    analyze_correlate_stop();
}

const struct module analyze_module = {
    .name = "analyze",
    .routes = analyze_routes,
    .start = analyze_start,
    .stop = analyze_stop,
};
