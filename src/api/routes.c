/* SPDX-License-Identifier: Apache-2.0 */
/*
 * routes.c: the admin API's module descriptor, and GET /api/v1/routes, the coordinator's list
 * of every route of the running server (method, pattern, name, flags). The black-box sharing
 * test reads it to make sure it probes every data route, so a route added later cannot
 * silently bypass the access check.
 */
#include "api/api.h"
#include "api/api_int.h"

/* The table the HTTP server routes with (every module's); set when the module starts,
 * before the server does, and read-only afterwards, so handler threads read it without a
 * lock. */
static const struct http_route *published;
static size_t n_published;

static int api_start(const struct module_ctx *ctx, struct rk_err *err)
{
    (void)err;
    published = ctx->routes;
    n_published = ctx->n_routes;
    return 0;
}

static void api_stop(const struct module_ctx *ctx)
{
    (void)ctx;
    published = NULL;
    n_published = 0;
}

const struct module api_module = {
    .name = "api",
    .routes = api_routes,
    .start = api_start,
    .stop = api_stop,
};

int api_route_list(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    json_t *list;

    (void)ctx, (void)err;
    if (api_need_coordinator(req, resp, "the route list is for the coordinator"))
        return 0;
    list = json_array();
    for (size_t i = 0; i < n_published; i++) {
        const struct http_route *r = &published[i];
        json_t *flags = json_array();
        if (r->flags & HTTP_ROUTE_TAXII)
            json_array_append_new(flags, json_string("taxii"));
        if (r->flags & HTTP_ROUTE_JSON)
            json_array_append_new(flags, json_string("json"));
        if (r->flags & HTTP_ROUTE_PUBLIC)
            json_array_append_new(flags, json_string("public"));
        json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "method", r->method, "pattern", r->pattern,
                              "name", r->name != NULL ? r->name : "", "flags", flags);
        enum http_media m = HTTP_ROUTE_MEDIA(r->flags);
        if (m != HTTP_MEDIA_DEFAULT) /* only routes that declare one: the others' stay as were */
            json_object_set_new(o, "media",
                                json_string(m == HTTP_MEDIA_ANY ? "any" : http_media_type(m)));
        json_array_append_new(list, o);
    }
    api_reply_json(resp, 200, json_pack("{s:o}", "routes", list));
    return 0;
}
