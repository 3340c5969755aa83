/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tokens.c: the admin API's token list and revocation: GET /api/v1/tokens[?org=ORG] and
 * DELETE /api/v1/tokens/{id}, where id is a token's id as the list shows it (or a longer
 * prefix of its hash). The coordinator reaches every organisation's tokens, a member its
 * own organisation's (policy_token_list, policy_token_revoke decide). Creation is POST
 * /api/v1/tokens (api.c).
 */
#include "api/api_int.h"

#include <string.h>

int api_tokens_list(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_token *list = NULL;
    struct store_org *orgs = NULL;
    size_t n = 0, n_orgs = 0;
    int rc;

    if (api_need_member(req, resp))
        return 0;
    rc = policy_token_list(hub->store, req->principal, api_param(req, "org"), &list, &n, err);
    if (rc == 0)
        rc = store_org_list(hub->store, &orgs, &n_orgs, err);
    if (rc == 0)
        api_reply_json(resp, 200, api_tokens_json(list, n, orgs, n_orgs));
    else
        api_reply_rc(resp, rc, err);
    store_tokens_free(list, n);
    store_orgs_free(orgs, n_orgs);
    return 0;
}

int api_tokens_revoke(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_token gone = {0};
    int rc;

    if (api_need_member(req, resp))
        return 0;
    /* Only an id: a secret in a URL would end up in logs. */
    if (strncmp(req->captures[0], POLICY_TOKEN_PREFIX, strlen(POLICY_TOKEN_PREFIX)) == 0)
        return api_reply_error(resp, 400,
                               "give the token's id (GET /api/v1/tokens), not the token itself");
    rc = policy_token_revoke(hub->store, req->principal, "api-tokens-revoke", req->captures[0],
                             &gone, err);
    if (rc != 0)
        return api_reply_rc(resp, rc, err);
    api_reply_json(resp, 200, json_pack("{s:o}", "revoked", api_token_json(&gone, NULL)));
    store_token_clear(&gone);
    return 0;
}
