/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resources.c: the TAXII resources about the server rather than its content: discovery, the
 * API root, and the status of an earlier POST (shown only to its poster and the coordinator).
 */
#include "taxii/taxii_int.h"

#include <stdio.h>
#include <string.h>

int taxii_get_discovery(void *ctx, struct http_request *req, struct http_response *resp,
                        struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    (void)req, (void)err;
    struct rk_buf *b = &resp->body;
    rk_buf_puts(b, "{\"title\":");
    rk_buf_json_string(b, hub->title[0] ? hub->title : "renkei");
    rk_buf_puts(b, ",\"description\":\"renkei threat-information sharing hub\",\"default\":");
    rk_buf_printf(b, "\"/%s/\",\"api_roots\":[\"/%s/\"]}", hub->api_root, hub->api_root);
    return 0;
}

int taxii_get_api_root(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    int rc = taxii_check_root(hub, req, err);
    if (rc < 0)
        return rc;
    struct rk_buf *b = &resp->body;
    rk_buf_puts(b, "{\"title\":");
    rk_buf_json_string(b, hub->title[0] ? hub->title : "renkei");
    rk_buf_printf(b, ",\"versions\":[\"" HTTP_TAXII_MEDIA "\"],\"max_content_length\":%zu}",
                  hub->max_content_length);
    return 0;
}

int taxii_get_status(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = taxii_requester(req);
    struct store_status st;
    struct rk_err e2;
    int rc = taxii_check_root(hub, req, err);
    if (rc < 0)
        return rc;
    memset(&st, 0, sizeof(st));
    if (!rk_uuid_valid(req->captures[1]) || !who->authenticated)
        return rk_err_set(err, RK_E_NOTFOUND, "no status '%.64s'", req->captures[1]);
    rc = store_status_get(hub->store, req->captures[1], &st, &e2);
    if (rc == RK_E_NOTFOUND ||
        (rc == 0 && !policy_is_coordinator(who) && strcmp(st.org_id, who->org_id) != 0)) {
        rc = rk_err_set(err, RK_E_NOTFOUND, "no status '%s'", req->captures[1]);
        goto out;
    }
    if (rc < 0) {
        rk_err_set(err, rc, "%s", e2.msg);
        goto out;
    }
    if (strcmp(st.org_id, who->org_id) != 0) {
        /* The coordinator reading another organisation's status learns which objects that
         * organisation sent together, however anonymously: a provenance read, audited. */
        char detail[96];
        snprintf(detail, sizeof(detail), "{\"status\":\"%s\"}", st.id);
        rc = policy_audit_append(hub->store, who, POLICY_AUDIT_PROVENANCE_READ, "taxii-status",
                                 NULL, detail, err);
        if (rc < 0)
            goto out;
    }
    rk_buf_puts(&resp->body, st.json);
out:
    store_status_clear(&st);
    return rc;
}
