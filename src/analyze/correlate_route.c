/* SPDX-License-Identifier: Apache-2.0 */
/*
 * correlate_route.c: GET /api/v1/correlations, the cross-sector correlations the requester
 * may see: the latest version of each grouping of the correlations collection, read through
 * policy_hub_query (the one access check), oldest first, paged by date_added. The shape is
 * in docs/api.md.
 */
#include "analyze/analyze_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "policy/policy.h"

/* The value of query parameter key, or NULL. */
static const char *param(const struct http_request *req, const char *key)
{
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].key, key) == 0)
            return req->params[i].value;
    return NULL;
}

/* A JSON error answer: the handler then returns 0. */
static int reply_error(struct http_response *resp, int status, const char *message)
{
    http_json_error(resp, status, message);
    return 0;
}

struct listing {
    const char *collection_id; /* the correlations collection */
    json_t *items;
};

/* One grouping of the correlations collection as the listing shows it. */
static int listing_row(void *ctx, const struct store_row *row)
{
    struct listing *l = ctx;
    json_t *obj, *x;
    char modified[RK_TIME_LEN];

    if (row->collection_id == NULL || strcmp(row->collection_id, l->collection_id) != 0 ||
        row->json == NULL)
        return 0;
    obj = json_loadb(row->json, row->json_len, 0, NULL);
    x = json_object_get(obj, "x_renkei_correlation");
    if (json_is_object(x)) {
        rk_time_format_as(row->version, row->version_form, modified);
        json_array_append_new(
            l->items,
            json_pack("{s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:O}", "id", row->id,
                      "modified", modified, "observable", json_object_get(x, "observable"), "key",
                      json_object_get(x, "key"), "organisations",
                      json_object_get(x, "organisations"), "sectors", json_object_get(x, "sectors"),
                      "first_seen", json_object_get(x, "first_seen"), "last_seen",
                      json_object_get(x, "last_seen"), "tlp", policy_tlp_name(row->access.tlp),
                      "description", json_object_get(obj, "description")));
    }
    json_decref(obj);
    return 0;
}

int analyze_correlations_get(void *ctx, struct http_request *req, struct http_response *resp,
                             struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = req->principal;
    static const char *const types[] = {"grouping"};
    struct policy_hub_query q = {
        .added_after = -1, .after = -1, .types = types, .n_types = 1, .with_json = true};
    struct policy_hub_page page = {0};
    struct store_collection c = {0};
    struct listing l;
    const char *limit = param(req, "limit"), *next = param(req, "next");
    char text[RK_TIME_LEN];
    int rc;

    if (who == NULL || !who->authenticated)
        return reply_error(resp, 401, "authentication required (Bearer token or Basic password)");
    if (limit != NULL) {
        char *end;
        long long v = strtoll(limit, &end, 10);
        if (limit[0] == '\0' || *end != '\0' || v < 1 || v > POLICY_HUB_QUERY_MAX)
            return reply_error(resp, 400, "limit: expected a whole number from 1 to 1000");
        q.limit = (size_t)v;
    }
    if (next != NULL && rk_time_parse(next, &q.after) != 0)
        return reply_error(resp, 400, "next: expected the timestamp a previous page gave");
    rc = policy_collection_find(hub->store, ANALYZE_CORR_ALIAS, &c, err);
    if (rc == RK_E_NOTFOUND) {
        store_collection_clear(&c);
        http_reply_json(resp, 200,
                        json_pack("{s:[], s:b, s:n}", "correlations", "more", 0, "next"));
        return 0;
    }
    if (rc != 0) {
        store_collection_clear(&c);
        return rc;
    }
    l.collection_id = c.id;
    l.items = json_array();
    rc = policy_hub_query(hub, who, "api-correlations", &q, listing_row, &l, &page, err);
    store_collection_clear(&c);
    if (rc != 0) {
        json_decref(l.items);
        return rc;
    }
    if (page.count > 0)
        rk_time_format(page.next, text);
    http_reply_json(resp, 200,
                    json_pack("{s:o, s:b, s:o}", "correlations", l.items, "more", page.more, "next",
                              page.count > 0 && page.more ? json_string(text) : json_null()));
    return 0;
}
