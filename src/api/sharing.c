/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sharing.c: the admin API of the sharing policy: the policy document (GET/PUT
 * /api/v1/policy), the audit log (GET /api/v1/audit), the provenance vault (GET
 * /api/v1/provenance/{id}) and the member's credit standing (GET /api/v1/credit). The
 * rules, the audit entries and the thresholds are the policy layer's; this file only maps
 * HTTP onto policy_* calls, as the command line does.
 */
#include "api/api_int.h"
#include "policy/admin.h"
#include "policy/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers what a policy_* call that writes a JSON text gave: the text with 200 when rc is 0,
 * else the error rc. Frees text either way; returns 0. */
static int reply_result(struct http_response *resp, int rc, struct rk_buf *text,
                        const struct rk_err *err)
{
    if (rc != 0)
        api_reply_rc(resp, rc, err);
    else
        api_reply_text(resp, 200, text);
    rk_buf_free(text);
    return 0;
}

/* Resolves an organisation name or id into id (RK_UUID_LEN). 0, or answers 404 and 1. */
static int resolve_org(struct rk_hub *hub, const char *ref, char id[RK_UUID_LEN],
                       struct http_response *resp)
{
    struct store_org org = {0};
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    rc = store_org_get(hub->store, ref, &org, &err);
    if (rc == RK_E_NOTFOUND) {
        api_reply_error(resp, 404, "unknown organisation");
        return 1;
    }
    if (rc != 0) {
        api_reply_rc(resp, rc, &err);
        return 1;
    }
    snprintf(id, RK_UUID_LEN, "%s", org.id);
    store_org_clear(&org);
    return 0;
}

int api_policy_get(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct rk_buf b = RK_BUF_INIT;
    int rc;

    if (api_need_coordinator(req, resp, API_ADMIN_REFUSAL))
        return 0;
    rc = policy_doc_show(hub->store, &b, err);
    return reply_result(resp, rc, &b, err);
}

/* PUT replaces the whole document; keys left out take their defaults, as in a policy file. */
int api_policy_put(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct rk_buf b = RK_BUF_INIT;
    int rc;

    if (api_need_coordinator(req, resp, API_ADMIN_REFUSAL))
        return 0;
    if (req->body == NULL || req->body_len == 0)
        return api_reply_error(resp, 400, "a JSON policy document is required");
    if (strlen(req->body) != req->body_len)
        return api_reply_error(resp, 400, "the policy document contains a NUL byte");
    rc = policy_doc_replace(hub->store, req->principal, "api-policy-put", req->body, err);
    if (rc == 0)
        rc = policy_doc_show(hub->store, &b, err);
    return reply_result(resp, rc, &b, err);
}

int api_audit_list(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct rk_buf b = RK_BUF_INIT;
    const char *after = api_param(req, "after");
    const char *limit = api_param(req, "limit");
    const char *org = api_param(req, "org");
    char org_id[RK_UUID_LEN] = "";
    int64_t after_v = 0;
    int64_t limit_v = 0;
    int rc;

    if (api_need_coordinator(req, resp, API_ADMIN_REFUSAL))
        return 0;
    if (after != NULL && rk_parse_int64(after, 0, INT64_MAX, &after_v) != 0)
        return api_reply_error(resp, 400, "after must be a sequence number (0 or more)");
    if (limit != NULL && rk_parse_int64(limit, 1, INT64_MAX, &limit_v) != 0)
        return api_reply_error(resp, 400, "limit must be a positive number");
    if (limit_v > 10000)
        limit_v = 10000; /* the cap of one page; "more" tells the client to go on */
    if (org != NULL && org[0] != '\0' && resolve_org(hub, org, org_id, resp))
        return 0;
    rc = policy_audit_list_json(hub->store, after_v, (size_t)limit_v, org_id, &b, err);
    return reply_result(resp, rc, &b, err);
}

/* Coordinator only; anyone else gets the same 404 as for an id without provenance, so the
 * route does not even reveal whether an object exists. */
int api_provenance_get(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct rk_buf b = RK_BUF_INIT;
    int rc;

    if (!policy_is_coordinator(req->principal))
        return api_reply_error(resp, 404, "no such resource");
    rc = policy_provenance_read(hub->store, req->principal, "api-provenance-get", req->captures[0],
                                &b, err);
    return reply_result(resp, rc, &b, err);
}

/* A member's own standing, as the member view counts it; the coordinator sees the exact
 * figures of any organisation (?org=, else its own). */
int api_credit_get(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const struct policy_principal *who = req->principal;
    struct rk_buf b = RK_BUF_INIT;
    const char *org = api_param(req, "org");
    char org_id[RK_UUID_LEN];
    int rc;

    if (who == NULL || !who->authenticated)
        return api_reply_error(resp, 401,
                               "authentication required (Bearer token or Basic password)");
    if (!policy_is_member(who))
        return api_reply_error(resp, 403, "credit is for member organisations");
    snprintf(org_id, sizeof(org_id), "%s", who->org_id);
    if (org != NULL && org[0] != '\0') {
        /* A member may name only itself, and is refused the same way whether or not the
         * other organisation exists: otherwise this would confirm membership by guessing. */
        if (!policy_is_coordinator(who) && strcmp(org, who->org_id) != 0 &&
            strcmp(org, who->org_name) != 0)
            return api_reply_error(resp, 403, "members see only their own credit");
        if (resolve_org(hub, org, org_id, resp))
            return 0;
    }
    rc = policy_credit_summary(
        hub, org_id, policy_is_coordinator(who) ? POLICY_CREDIT_COORDINATOR : POLICY_CREDIT_MEMBER,
        0, &b, err);
    return reply_result(resp, rc, &b, err);
}
