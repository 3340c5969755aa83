/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c: the routes members set alerts up with (subscriptions and watchlists: their
 * handlers live in subscriptions.c and watchlist.c), and what those handlers share: whose
 * alerts a request manages (its own organisation's; the coordinator's ?org=), how failures are
 * answered, and the audit entry every change writes.
 */
#include "alert/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module/module.h"
#include "policy/ledger.h"

#define AUDIT_ACTION "alert-config"

size_t alert_config_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route routes[] = {
        {"POST", "/api/v1/subscriptions", alert_subscription_create, hub, HTTP_ROUTE_JSON,
         "alert-subscription-create"},
        {"GET", "/api/v1/subscriptions", alert_subscription_list, hub, HTTP_ROUTE_JSON,
         "alert-subscription-list"},
        {"DELETE", "/api/v1/subscriptions/{id}", alert_subscription_delete, hub, HTTP_ROUTE_JSON,
         "alert-subscription-delete"},
        {"POST", "/api/v1/watchlist", alert_watch_create, hub, HTTP_ROUTE_JSON,
         "alert-watch-create"},
        {"GET", "/api/v1/watchlist", alert_watch_list, hub, HTTP_ROUTE_JSON, "alert-watch-list"},
        {"DELETE", "/api/v1/watchlist/{id}", alert_watch_delete, hub, HTTP_ROUTE_JSON,
         "alert-watch-delete"},
    };
    size_t n = sizeof(routes) / sizeof(routes[0]);

    for (size_t i = 0; i < n && i < max; i++)
        out[i] = routes[i];
    return n;
}

int alert_config_fail(struct http_response *resp, int rc, const struct rk_err *err)
{
    int status = rk_http_status(rc);
    const char *msg = err->msg[0] != '\0' ? err->msg : rk_code_name(rc);

    if (status >= 500) {
        rk_log(RK_LOG_ERROR, "alert routes: %s", msg);
        msg = HTTP_INTERNAL_MESSAGE;
    }
    http_json_error(resp, status, msg);
    return 0;
}

int alert_config_refuse(struct http_response *resp, int status, const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    http_json_error(resp, status, msg);
    return 0;
}

int alert_config_audit(struct store *s, const struct http_request *req, const char *route,
                       json_t *detail, struct rk_err *err)
{
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    if (text == NULL)
        return rk_err_set(err, RK_E_NOMEM, "cannot describe the alert configuration change");
    int rc = policy_audit_append(s, req->principal, AUDIT_ACTION, route, "", text, err);
    free(text);
    return rc;
}

/* The body of a JSON route as an object, or answers 400 and returns NULL. */
json_t *alert_config_body(const struct http_request *req, struct http_response *resp)
{
    json_error_t jerr;

    if (req->body == NULL || req->body_len == 0) {
        alert_config_refuse(resp, 400, "body: a JSON object is required");
        return NULL;
    }
    json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (body == NULL) {
        alert_config_refuse(resp, 400, "body: not JSON: %s (line %d, column %d)", jerr.text,
                            jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        alert_config_refuse(resp, 400, "body: must be a JSON object");
        return NULL;
    }
    return body;
}

int alert_config_grab_owner(void *ctx, const struct store_record *r)
{
    snprintf(ctx, RK_UUID_LEN, "%s", r->org_id != NULL ? r->org_id : "");
    return 0;
}

int alert_config_delete_run(struct rk_hub *hub, struct http_request *req,
                            struct http_response *resp, store_tx_fn del, struct rk_err *err)
{
    char org_id[RK_UUID_LEN];

    if (module_target_org(hub->store, req, resp, org_id))
        return 0;
    struct alert_config_delete t = {.req = req, .org_id = org_id, .id = req->captures[0]};
    int rc = store_write_tx(hub->store, del, &t, err);
    if (rc != 0)
        return alert_config_fail(resp, rc, err);
    alert_config_changed();
    resp->status = 204;
    resp->content_type = HTTP_JSON_MEDIA;
    rk_buf_reset(&resp->body);
    return 0;
}

int alert_config_owned(struct store *s, const struct alert_config_delete *t, const char *kind,
                       const char *what, struct rk_err *err)
{
    char owner[RK_UUID_LEN] = "";
    int rc = store_record_get(s, kind, t->id, alert_config_grab_owner, owner, err);
    if (rc == 0 && strcmp(owner, t->org_id) != 0)
        rc = RK_E_NOTFOUND; /* another organisation's: as if it did not exist */
    if (rc == RK_E_NOTFOUND)
        return rk_err_set(err, RK_E_NOTFOUND, "no such %s", what);
    return rc;
}

int alert_config_audit_delete(struct store *s, const struct alert_config_delete *t,
                              const char *route, const char *kind_word, struct rk_err *err)
{
    return alert_config_audit(s, t->req, route,
                              json_pack("{s:s, s:s, s:s, s:[s]}", "org_id", t->org_id, "change",
                                        "delete", "kind", kind_word, "ids", t->id),
                              err);
}
