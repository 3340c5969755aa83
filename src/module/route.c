/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route.c: what the JSON routes of every capability start with (the admin API's, analyze's...):
 * the requester checks (an authenticated member; the coordinator) answered as JSON errors, and
 * query parameters. One copy, so that every capability refuses in the same words.
 */
#include "module/module.h"

#include <string.h>

#include "policy/auth.h"

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
