/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collections.c: the TAXII collections list and collection resources. A collection the
 * requester may neither read nor write is left out of the list and answered 404 alone.
 */
#include "taxii/taxii_int.h"
#include "policy/access.h"

/* Writes the TAXII collection resource of c as seen by a requester with these rights. */
static void collection_json(struct rk_buf *b, const struct store_collection *c, bool can_read,
                            bool can_write)
{
    rk_buf_puts(b, "{\"id\":");
    rk_buf_json_string(b, c->id);
    rk_buf_puts(b, ",\"title\":");
    rk_buf_json_string(b, c->title ? c->title : "");
    if (c->description && c->description[0]) {
        rk_buf_puts(b, ",\"description\":");
        rk_buf_json_string(b, c->description);
    }
    if (c->alias && c->alias[0]) {
        rk_buf_puts(b, ",\"alias\":");
        rk_buf_json_string(b, c->alias);
    }
    rk_buf_printf(b,
                  ",\"can_read\":%s,\"can_write\":%s,\"media_types\":[\"" TAXII_STIX_MEDIA "\"]}",
                  can_read ? "true" : "false", can_write ? "true" : "false");
}

int taxii_get_collections(void *ctx, struct http_request *req, struct http_response *resp,
                          struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = taxii_requester(req);
    struct store_collection *cs = NULL;
    size_t n = 0, shown = 0;
    struct rk_err e2;
    int rc = taxii_check_root(hub, req, err);
    if (rc < 0)
        return rc;
    rc = store_collection_list(hub->store, &cs, &n, &e2);
    if (rc < 0)
        return rk_err_set(err, rc, "%s", e2.msg);
    for (size_t i = 0; i < n; i++) {
        bool r = policy_may_read_collection(who, &cs[i]);
        bool w = policy_may_write_collection(who, &cs[i]);
        if (!r && !w)
            continue;
        rk_buf_puts(&resp->body, shown++ ? "," : "{\"collections\":[");
        collection_json(&resp->body, &cs[i], r, w);
    }
    rk_buf_puts(&resp->body, shown ? "]}" : "{}");
    store_collections_free(cs, n);
    return 0;
}

int taxii_get_collection(void *ctx, struct http_request *req, struct http_response *resp,
                         struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_collection c;
    bool r, w;
    int rc = taxii_check_root(hub, req, err);
    if (rc == 0)
        rc = taxii_load_collection(hub, taxii_requester(req), req->captures[1], &c, &r, &w, err);
    if (rc < 0)
        return rc;
    collection_json(&resp->body, &c, r, w);
    store_collection_clear(&c);
    return 0;
}
