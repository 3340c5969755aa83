/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h: what the alert routes share: the configuration routes' files (config.c,
 * subscriptions.c, watchlist.c: a DELETE's ownership check and audit entry, the handlers
 * config.c lists), and for every alert route (the hotline's too) the JSON body reader and the
 * error answer.
 */
#ifndef RK_ALERT_CONFIG_H
#define RK_ALERT_CONFIG_H

#include "alert/alert_int.h"

/* Limits per organisation and per request (docs/alerts.md). */
#define ALERT_MAX_SUBSCRIPTIONS 1000
#define ALERT_MAX_WATCH         10000
#define ALERT_MAX_WATCH_POST    1000

/* One DELETE .../{id} of a record the target organisation owns (alert_config_delete). */
struct alert_config_delete {
    const struct http_request *req;
    const char *org_id; /* the target organisation (module_target_org) */
    const char *id;     /* the record's id, from the path */
};

/*
 * A DELETE route's whole handling: the target organisation (module_target_org), then del
 * (ctx: a struct alert_config_delete) in one write transaction, which removes the record and
 * writes its audit entry or fails (RK_E_NOTFOUND for a record of another organisation, as if
 * it did not exist); then the matcher reloads and the answer is 204. Returns 0 (what a
 * handler returns) or the error of a failure to answer.
 */
int alert_config_delete_run(struct rk_hub *hub, struct http_request *req,
                            struct http_response *resp, store_tx_fn del, struct rk_err *err);

/* Inside a DELETE's transaction: 0 when the record (kind, t->id) exists and is t->org_id's;
 * otherwise RK_E_NOTFOUND with err "no such <what>" (another organisation's record as if it
 * did not exist), or the store's error. */
int alert_config_owned(struct store *s, const struct alert_config_delete *t, const char *kind,
                       const char *what, struct rk_err *err);

/* Inside a DELETE's transaction: the audit entry of removing t->id (route names the caller,
 * kind_word "subscription" or "watch"). */
int alert_config_audit_delete(struct store *s, const struct alert_config_delete *t,
                              const char *route, const char *kind_word, struct rk_err *err);

/* The owner of the record fn reads into ctx (a char[RK_UUID_LEN]): for store_record_get. */
int alert_config_grab_owner(void *ctx, const struct store_record *r);

/* Answers rc (a store or policy failure) as the JSON error of its status; a 5xx detail goes
 * to the server log only. Returns 0 (what a handler returns). */
int alert_config_fail(struct http_response *resp, int rc, const struct rk_err *err);

/* Answers 400 (or status) with a message made like printf. Returns 0. */
int alert_config_refuse(struct http_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The request's body, a JSON object (a new reference); otherwise answers 400 saying what is
 * wrong with it and returns NULL. */
json_t *alert_config_body(const struct http_request *req, struct http_response *resp);

/* Appends the audit entry of one change (inside the change's write transaction): action
 * "alert-config", detail {"org_id", "change", "kind", "ids"} (detail consumed). */
int alert_config_audit(struct store *s, const struct http_request *req, const char *route,
                       json_t *detail, struct rk_err *err);

/* Routes (ctx: the hub). */
int alert_subscription_create(void *ctx, struct http_request *req, struct http_response *resp,
                              struct rk_err *err);
int alert_subscription_list(void *ctx, struct http_request *req, struct http_response *resp,
                            struct rk_err *err);
int alert_subscription_delete(void *ctx, struct http_request *req, struct http_response *resp,
                              struct rk_err *err);
int alert_watch_create(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err);
int alert_watch_list(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err);
int alert_watch_delete(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err);

/*
 * Normalises one watchlist entry as the observable index does (analyze_observable_parse):
 * a domain, an IPv4/IPv6 address or CIDR, an AS number ("AS64500"), an e-mail domain
 * ("@example.jp"), a CPE 2.3 name ("cpe:2.3:a:vendor:product:...") or a product name
 * ("product:Name"). 0 with type (static) and key (appended to key), or RK_E_INVALID with err
 * saying what is wrong. (watchlist.c)
 */
int alert_watch_normalise(const char *entry, const char **type, struct rk_buf *key,
                          struct rk_err *err);

#endif /* RK_ALERT_CONFIG_H */
