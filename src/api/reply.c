/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply.c: how every admin API handler answers: a JSON body with its status, the JSON error
 * object (http_json_error: {"error", "title", "description", "http_status"}) for a failure (an
 * rk_err code mapped to its HTTP status, 5xx details kept in the server log), and the checks the
 * admin routes start with (authenticated, coordinator).
 */
#include "api/api_int.h"

#include <stdlib.h>
#include <string.h>

void api_reply_json(struct http_response *resp, int status, json_t *v)
{
    http_reply_json(resp, status, v);
}

void api_reply_text(struct http_response *resp, int status, const struct rk_buf *text)
{
    resp->status = status;
    resp->content_type = HTTP_JSON_MEDIA;
    rk_buf_reset(&resp->body);
    rk_buf_append(&resp->body, text->data != NULL ? text->data : "{}",
                  text->data != NULL ? text->len : 2);
}

int api_reply_error(struct http_response *resp, int status, const char *msg)
{
    /* The server's writer, so that the admin API has one error shape whoever answers. */
    http_json_error(resp, status, msg);
    return 0;
}

int api_reply_rc(struct http_response *resp, int rc, const struct rk_err *err)
{
    int status = rk_http_status(rc);
    const char *msg = err->msg[0] != '\0' ? err->msg : rk_code_name(rc);

    if (status >= 500) {
        rk_log(RK_LOG_ERROR, "admin API: %s", msg);
        msg = HTTP_INTERNAL_MESSAGE;
    }
    return api_reply_error(resp, status, msg);
}

int api_need_member(const struct http_request *req, struct http_response *resp)
{
    return module_need_member(req, resp);
}

int api_need_coordinator(const struct http_request *req, struct http_response *resp,
                         const char *refusal)
{
    return module_need_coordinator(req, resp, refusal);
}

const char *api_param(const struct http_request *req, const char *key)
{
    return module_param(req, key);
}
