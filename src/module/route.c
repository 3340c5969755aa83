/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route.c: what the JSON routes of every capability start with (the admin API's, analyze's...):
 * the requester checks (an authenticated member; the coordinator) answered as JSON errors, and
 * query parameters, the organisation a route acts on (?org=). One copy, so that every
 * capability refuses in the same words.
 */
#include "module/module.h"

#include <stdio.h>
#include <string.h>

#include "policy/auth.h"
#include "store/store.h"

int module_need_member(const struct http_request *req, struct http_response *resp)
{
    const struct policy_principal *who = req->principal;

    if (who == NULL || !who->authenticated) {
        http_json_error(resp, 401, "authentication required (Bearer token or Basic password)");
        return 1;
    }
    if (!policy_is_member(who)) {
        http_json_error(resp, 403, "this route is for member organisations");
        return 1;
    }
    return 0;
}

int module_need_coordinator(const struct http_request *req, struct http_response *resp,
                            const char *refusal)
{
    if (module_need_member(req, resp))
        return 1;
    if (!policy_is_coordinator(req->principal)) {
        http_json_error(resp, 403, refusal);
        return 1;
    }
    return 0;
}

const char *module_param(const struct http_request *req, const char *key)
{
    const char *v = NULL;

    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].key, key) == 0)
            v = req->params[i].value;
    return v;
}

int module_target_org(struct store *s, const struct http_request *req, struct http_response *resp,
                      char org_id[RK_UUID_LEN])
{
    const struct policy_principal *who = req->principal;
    const char *org = module_param(req, "org");
    struct store_org o;
    struct rk_err err;

    if (module_need_member(req, resp))
        return 1;
    snprintf(org_id, RK_UUID_LEN, "%s", who->org_id);
    if (org == NULL || org[0] == '\0' || strcmp(org, who->org_id) == 0 ||
        strcmp(org, who->org_name) == 0)
        return 0;
    if (!policy_is_coordinator(who)) {
        /* the same refusal whether or not the other organisation exists */
        http_json_error(resp, 403, "org: only the coordinator acts for another organisation");
        return 1;
    }
    memset(&o, 0, sizeof(o));
    rk_err_clear(&err);
    int rc = store_org_get(s, org, &o, &err);
    if (rc == RK_E_NOTFOUND) {
        http_json_error(resp, 404, "org: no such organisation");
        return 1;
    }
    if (rc != 0) {
        rk_log(RK_LOG_ERROR, "reading organisation %s: %s", org, err.msg);
        http_json_error(resp, 500, "internal error");
        return 1;
    }
    snprintf(org_id, RK_UUID_LEN, "%s", o.id);
    store_org_clear(&o);
    return 0;
}
