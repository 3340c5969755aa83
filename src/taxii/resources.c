/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resources.c: the TAXII resources about the server rather than its content: discovery, the
 * API root, and the status of an earlier POST (shown only to its poster and the coordinator).
 */
#include "taxii/taxii_int.h"
#include "policy/access.h"

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
    struct store_status st;
    int rc = taxii_check_root(hub, req, err);
    if (rc < 0)
        return rc;
    /* Who may read it is policy's decision (the poster, or the coordinator, audited). */
    rc = policy_status_read(hub->store, taxii_requester(req), "taxii-status", req->captures[1], &st,
                            err);
    if (rc < 0)
        return rc;
    rk_buf_puts(&resp->body, st.json);
    store_status_clear(&st);
    return 0;
}
