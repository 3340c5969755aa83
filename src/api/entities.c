/* SPDX-License-Identifier: Apache-2.0 */
/*
 * entities.c: the admin API's changes to organisations and collections, coordinator only:
 * PATCH /api/v1/orgs/{id}, POST /api/v1/orgs/{id}/disable and /enable, PATCH
 * /api/v1/collections/{id} and DELETE /api/v1/collections/{id}[?purge=true]. {id} is an
 * organisation's id or name, a collection's id or alias. The rules and the audit entries
 * are the policy layer's (orgs.c, collections.c), as for the command line.
 */
#include "api/api_int.h"
#include "policy/admin.h"
#include "policy/scope.h"

#include <stdio.h>
#include <string.h>

/* Answers 400 and returns 1 if body has a key outside known (NULL-terminated) or none of
 * them; what names the thing changed. */
static int keys_check(json_t *body, const char *const *known, const char *what,
                      struct http_response *resp)
{
    const char *key;
    json_t *v;
    char msg[256];
    size_t n = 0;

    json_object_foreach(body, key, v)
    {
        size_t i = 0;
        while (known[i] != NULL && strcmp(known[i], key) != 0)
            i++;
        if (known[i] == NULL) {
            snprintf(msg, sizeof(msg), "unknown field '%.60s' of %s", key, what);
            api_reply_error(resp, 400, msg);
            return 1;
        }
        n++;
    }
    if (n == 0) {
        snprintf(msg, sizeof(msg), "nothing to change: give at least one field of %s", what);
        api_reply_error(resp, 400, msg);
        return 1;
    }
    return 0;
}

int api_orgs_change(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err)
{
    static const char *const known[] = {"name", "sector", "anonymity", "own_identifiers", NULL};
    struct rk_hub *hub = ctx;
    struct policy_org_change chg = {.anonymity = -1};
    struct store_org org = {0};
    const char *anon = NULL;
    json_t *body = api_request_body(req, resp, true);
    int rc;

    if (body == NULL)
        return 0;
    if (keys_check(body, known, "an organisation (name, sector, anonymity, own_identifiers)",
                   resp) ||
        api_member(body, "name", false, &chg.name, resp) ||
        api_member(body, "sector", false, &chg.sector, resp) ||
        api_member(body, "anonymity", false, &anon, resp) ||
        api_member(body, "own_identifiers", false, &chg.own_identifiers, resp))
        goto out;
    if (anon != NULL && (chg.anonymity = policy_anonymity_parse(anon)) < 0) {
        api_reply_error(resp, 400, "anonymity must be named, sector or anonymous");
        goto out;
    }
    rc = policy_org_set(hub->store, req->principal, "api-orgs-change", req->captures[0], &chg, &org,
                        err);
    if (rc != 0)
        api_reply_rc(resp, rc, err);
    else
        api_reply_json(resp, 200, api_org_json(&org));
out:
    store_org_clear(&org);
    json_decref(body);
    return 0;
}

int api_orgs_disable(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_org org = {0};
    struct store_token *revoked = NULL;
    size_t n = 0;
    int rc;

    if (api_need_coordinator(req, resp, API_ADMIN_REFUSAL))
        return 0;
    rc = policy_org_disable(hub->store, req->principal, "api-orgs-disable", req->captures[0], &org,
                            &revoked, &n, err);
    if (rc != 0)
        return api_reply_rc(resp, rc, err);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, api_token_json(&revoked[i], NULL));
    api_reply_json(resp, 200, json_pack("{s:o, s:o}", "org", api_org_json(&org), "revoked", list));
    store_tokens_free(revoked, n);
    store_org_clear(&org);
    return 0;
}

int api_orgs_enable(void *ctx, struct http_request *req, struct http_response *resp,
                    struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_org org = {0};
    int rc;

    if (api_need_coordinator(req, resp, API_ADMIN_REFUSAL))
        return 0;
    rc = policy_org_enable(hub->store, req->principal, "api-orgs-enable", req->captures[0], &org,
                           err);
    if (rc != 0)
        return api_reply_rc(resp, rc, err);
    api_reply_json(resp, 200, api_org_json(&org));
    store_org_clear(&org);
    return 0;
}

int api_collections_change(void *ctx, struct http_request *req, struct http_response *resp,
                           struct rk_err *err)
{
    static const char *const known[] = {"title", "description", "alias", "read",
                                        "write", "default_tlp", "relay", NULL};
    struct rk_hub *hub = ctx;
    struct policy_collection_change chg = {0};
    struct store_collection c = {0};
    const char *tlp = NULL;
    json_t *body = api_request_body(req, resp, true);
    int rc;

    if (body == NULL)
        return 0;
    if (keys_check(body, known,
                   "a collection (title, description, alias, read, write, default_tlp, relay)",
                   resp) ||
        api_member(body, "title", false, &chg.title, resp) ||
        api_member(body, "description", false, &chg.description, resp) ||
        api_member(body, "alias", false, &chg.alias, resp) ||
        api_member(body, "read", false, &chg.read_spec, resp) ||
        api_member(body, "write", false, &chg.write_spec, resp) ||
        api_member(body, "default_tlp", false, &tlp, resp) ||
        api_flag(body, "relay", &chg.relay, resp))
        goto out;
    chg.relay_set = json_object_get(body, "relay") != NULL;
    if (tlp != NULL && (chg.default_tlp = policy_tlp_parse(tlp)) < POLICY_TLP_CLEAR) {
        api_reply_error(resp, 400, "default_tlp must be clear, green, amber, amber+strict or red");
        goto out;
    }
    rc = policy_collection_set(hub->store, req->principal, "api-collections-change",
                               req->captures[0], &chg, &c, err);
    if (rc != 0)
        api_reply_rc(resp, rc, err);
    else
        api_reply_json(resp, 200, api_collection_json(&c));
out:
    store_collection_clear(&c);
    json_decref(body);
    return 0;
}

int api_collections_remove(void *ctx, struct http_request *req, struct http_response *resp,
                           struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_collection c = {0};
    const char *purge = api_param(req, "purge");
    int64_t removed = 0;
    int rc;

    if (api_need_coordinator(req, resp, API_ADMIN_REFUSAL))
        return 0;
    if (purge != NULL && strcmp(purge, "true") != 0 && strcmp(purge, "false") != 0)
        return api_reply_error(resp, 400, "purge must be true or false");
    rc = policy_collection_remove(hub->store, req->principal, "api-collections-remove",
                                  req->captures[0], purge != NULL && strcmp(purge, "true") == 0, &c,
                                  &removed, err);
    if (rc == RK_E_CONFLICT && removed > 0) {
        char msg[sizeof(err->msg)];
        snprintf(msg, sizeof(msg), "%s", err->msg);
        rk_err_set(err, rc, "%.400s (?purge=true)", msg);
        return api_reply_rc(resp, rc, err);
    }
    if (rc != 0)
        return api_reply_rc(resp, rc, err);
    api_reply_json(
        resp, 200,
        json_pack("{s:o, s:I}", "removed", api_collection_json(&c), "purged", (json_int_t)removed));
    store_collection_clear(&c);
    return 0;
}
