/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api_int.h: what the files of src/api share and nothing outside needs: the handlers of
 * the other files, which api_routes() (api.c) lists in its one table, and the answers.
 */
#ifndef RK_API_INT_H
#define RK_API_INT_H

#include "api/api.h"
#include "policy/auth.h"

/*
 * ---- handlers (http_handler_fn) of the other files, listed by api_routes() -------------
 * Each takes the hub as ctx, answers into resp (errors too, as the JSON error object of
 * api_reply_error) and returns 0.
 */
int api_policy_get(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err); /* sharing.c: GET /api/v1/policy */
int api_policy_put(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err); /* sharing.c: PUT /api/v1/policy */
int api_audit_list(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err); /* sharing.c: GET /api/v1/audit */
int api_provenance_get(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err); /* sharing.c: GET /api/v1/provenance/{id} */
int api_credit_get(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err); /* sharing.c: GET /api/v1/credit */
int api_route_list(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err); /* routes.c: GET /api/v1/routes */
int api_tokens_list(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err); /* tokens.c: GET /api/v1/tokens (members too) */
int api_tokens_revoke(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err); /* tokens.c: DELETE /api/v1/tokens/{id} (members too) */

int api_orgs_change(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err); /* entities.c: PATCH /api/v1/orgs/{id} */
int api_orgs_disable(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err); /* entities.c: POST /api/v1/orgs/{id}/disable */
int api_orgs_enable(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err); /* entities.c: POST /api/v1/orgs/{id}/enable */
int api_collections_change(void *ctx, struct http_request *req, struct http_response *resp,
                           struct rk_err *err); /* entities.c: PATCH /api/v1/collections/{id} */
int api_collections_remove(void *ctx, struct http_request *req, struct http_response *resp,
                           struct rk_err *err); /* entities.c: DELETE /api/v1/collections/{id} */

/* ---- request bodies (api.c) -------------------------------------------------------------- */

/*
 * The body of a request as a JSON object (a new reference the caller decrefs), from an
 * authenticated requester and, when coordinator_only, a coordinator. Otherwise answers (401
 * or 403 for anyone else, 400 for a missing body, bad JSON or not an object) and returns
 * NULL.
 */
json_t *api_request_body(const struct http_request *req, struct http_response *resp,
                         bool coordinator_only);

/*
 * Reads string member key of o into *out (borrowed from o). A missing (or null) optional
 * member leaves *out NULL. Answers 400 and returns 1 if it is missing but required, or not a
 * string.
 */
int api_member(json_t *o, const char *key, bool required, const char **out,
               struct http_response *resp);

/* Reads optional boolean member key of o into *out (left as it is when the member is missing
 * or null). Answers 400 and returns 1 if it is not a boolean. */
int api_flag(json_t *o, const char *key, bool *out, struct http_response *resp);

/* ---- answers (reply.c); each replaces whatever body resp held ---------------------------- */

/* Answers v (consumed) with status as application/json. */
void api_reply_json(struct http_response *resp, int status, json_t *v);

/* Answers text (borrowed; a JSON text the policy layer wrote, "{}" when empty) with status. */
void api_reply_text(struct http_response *resp, int status, const struct rk_buf *text);

/* Answers the JSON error object (http_json_error) of status with msg; the server adds
 * WWW-Authenticate to every 401.
 * Returns 0, so that a handler can `return api_reply_error(...)`. */
int api_reply_error(struct http_response *resp, int status, const char *msg);

/* Answers the error rc with the status rk_http_status() gives it and err's message (or the
 * code's name); a 5xx message goes to the server log and the client reads only that there
 * was an internal error. Returns 0. */
int api_reply_rc(struct http_response *resp, int rc, const struct rk_err *err);

/* The value of query parameter key (the last one if repeated), or NULL. */
const char *api_param(const struct http_request *req, const char *key);

/* What the admin routes tell a requester who is not the coordinator (403). */
#define API_ADMIN_REFUSAL "the admin API is for the coordinator role only"

/* 0 if the requester is authenticated (any role); otherwise answers 401 and returns 1. */
int api_need_member(const struct http_request *req, struct http_response *resp);

/* 0 if the requester is an authenticated coordinator; otherwise answers 401 (not
 * authenticated) or 403 with refusal (borrowed) and returns 1. */
int api_need_coordinator(const struct http_request *req, struct http_response *resp,
                         const char *refusal);

#endif /* RK_API_INT_H */
