/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.c: the admin JSON API at /api/v1/ (organisations, tokens, collections; coordinator
 * only, except that members manage their own organisation's tokens) and /healthz (public),
 * and the one table of its routes (changing and retiring entities: entities.c).
 * Every answer is application/json; every error is the JSON error object ({"error": "...",
 * "title", "description", "http_status"}: http_json_error) with its status. The
 * work is done by the same policy_* functions as the command line.
 */
#include "api/api.h"
#include "api/api_int.h"
#include "policy/admin.h"
#include "policy/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *api_request_body(const struct http_request *req, struct http_response *resp,
                         bool coordinator_only)
{
    json_error_t jerr;
    json_t *v;
    char msg[300];

    if (coordinator_only && api_need_coordinator(req, resp, API_ADMIN_REFUSAL))
        return NULL;
    if (!coordinator_only && api_need_member(req, resp))
        return NULL;
    if (req->body == NULL || req->body_len == 0) {
        api_reply_error(resp, 400, "a JSON object body is required");
        return NULL;
    }
    v = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL) {
        snprintf(msg, sizeof(msg), "bad JSON at line %d column %d: %s", jerr.line, jerr.column,
                 jerr.text);
        api_reply_error(resp, 400, msg);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        api_reply_error(resp, 400, "the body must be a JSON object");
        return NULL;
    }
    return v;
}

int api_member(json_t *o, const char *key, bool required, const char **out,
               struct http_response *resp)
{
    json_t *v = json_object_get(o, key);
    char msg[160];

    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (!required)
            return 0;
        snprintf(msg, sizeof(msg), "missing required field '%s'", key);
        api_reply_error(resp, 400, msg);
        return 1;
    }
    if (!json_is_string(v)) {
        snprintf(msg, sizeof(msg), "field '%s' must be a string", key);
        api_reply_error(resp, 400, msg);
        return 1;
    }
    *out = json_string_value(v);
    return 0;
}

int api_flag(json_t *o, const char *key, bool *out, struct http_response *resp)
{
    json_t *v = json_object_get(o, key);
    char msg[160];

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        snprintf(msg, sizeof(msg), "field '%s' must be true or false", key);
        api_reply_error(resp, 400, msg);
        return 1;
    }
    *out = json_is_true(v);
    return 0;
}

static int h_healthz(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err)
{
    api_reply_json(resp, 200, json_pack("{s:s}", "status", "ok"));
    return 0;
}

static int h_orgs_list(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_org *orgs = NULL;
    size_t n = 0;
    json_t *arr;
    int rc;

    if (api_need_coordinator(req, resp, API_ADMIN_REFUSAL))
        return 0;
    rc = store_org_list(hub->store, &orgs, &n, err);
    if (rc != 0)
        return api_reply_rc(resp, rc, err);
    arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, api_org_json(&orgs[i]));
    store_orgs_free(orgs, n);
    api_reply_json(resp, 200, json_pack("{s:o}", "orgs", arr));
    return 0;
}

static int h_orgs_add(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_org org = {0};
    const char *name;
    const char *sector;
    const char *anon;
    const char *own_ids;
    int mode = STORE_ANON_NAMED;
    json_t *body;
    int rc;

    body = api_request_body(req, resp, true);
    if (body == NULL)
        return 0;
    /* own_identifiers: the text of an own-identifiers file (one entry per line). */
    if (api_member(body, "name", true, &name, resp) ||
        api_member(body, "sector", true, &sector, resp) ||
        api_member(body, "anonymity", false, &anon, resp) ||
        api_member(body, "own_identifiers", false, &own_ids, resp))
        goto out;
    if (anon != NULL) {
        mode = policy_anonymity_parse(anon);
        if (mode < 0) {
            api_reply_error(resp, 400, "anonymity must be named, sector or anonymous");
            goto out;
        }
    }
    rc = policy_org_add_ex(hub->store, name, sector, mode, own_ids, &org, err);
    if (rc != 0) {
        api_reply_rc(resp, rc, err);
        goto out;
    }
    api_reply_json(resp, 201, api_org_json(&org));
out:
    store_org_clear(&org);
    json_decref(body);
    return 0;
}

/* The coordinator creates tokens for any organisation; a member for its own (the policy
 * decides, policy_token_create). */
static int h_tokens_add(void *ctx, struct http_request *req, struct http_response *resp,
                        struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    char token[POLICY_TOKEN_LEN + 1];
    struct store_token made = {0};
    struct store_org org = {0};
    const char *org_ref;
    const char *role_name;
    const char *label;
    const char *anon;
    json_t *body;
    json_t *view;
    int mode = -1;
    int role;
    int rc;

    body = api_request_body(req, resp, false);
    if (body == NULL)
        return 0;
    if (api_member(body, "org", true, &org_ref, resp) ||
        api_member(body, "role", true, &role_name, resp) ||
        api_member(body, "label", false, &label, resp) ||
        api_member(body, "anonymity", false, &anon, resp))
        goto out;
    role = policy_role_parse(role_name);
    if (role < 0) {
        api_reply_error(resp, 400,
                        "role must be reader, contributor, analyst, coordinator or metrics");
        goto out;
    }
    if (anon != NULL) {
        mode = policy_anonymity_parse(anon);
        if (mode < 0) {
            api_reply_error(resp, 400, "anonymity must be named, sector or anonymous");
            goto out;
        }
    }
    rc = policy_token_create(hub->store, req->principal, "api-tokens-add", org_ref, role, label,
                             mode, token, &made, err);
    if (rc == 0)
        rc = store_org_get(hub->store, made.org_id, &org, err);
    if (rc != 0) {
        api_reply_rc(resp, rc, err);
        goto out;
    }
    view = api_token_json(&made, org.name);
    json_object_set_new(view, "token", json_string(token));
    api_reply_json(resp, 201, view);
out:
    memset(token, 0, sizeof(token));
    store_token_clear(&made);
    store_org_clear(&org);
    json_decref(body);
    return 0;
}

static int h_collections_list(void *ctx, struct http_request *req, struct http_response *resp,
                              struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_collection *cs = NULL;
    size_t n = 0;
    json_t *arr;
    int rc;

    if (api_need_coordinator(req, resp, API_ADMIN_REFUSAL))
        return 0;
    rc = store_collection_list(hub->store, &cs, &n, err);
    if (rc != 0)
        return api_reply_rc(resp, rc, err);
    arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, api_collection_json(&cs[i]));
    store_collections_free(cs, n);
    api_reply_json(resp, 200, json_pack("{s:o}", "collections", arr));
    return 0;
}

static int h_collections_add(void *ctx, struct http_request *req, struct http_response *resp,
                             struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct store_collection c = {0};
    const char *title;
    const char *desc;
    const char *alias;
    const char *rd;
    const char *wr;
    const char *tlp_name;
    int tlp = POLICY_TLP_GREEN;
    bool relay = false;
    json_t *body;
    int rc;

    body = api_request_body(req, resp, true);
    if (body == NULL)
        return 0;
    if (api_member(body, "title", true, &title, resp) ||
        api_member(body, "description", false, &desc, resp) ||
        api_member(body, "alias", false, &alias, resp) ||
        api_member(body, "read", true, &rd, resp) || api_member(body, "write", true, &wr, resp) ||
        api_member(body, "default_tlp", false, &tlp_name, resp) ||
        api_flag(body, "relay", &relay, resp))
        goto out;
    if (tlp_name != NULL) {
        tlp = policy_tlp_parse(tlp_name);
        if (tlp < POLICY_TLP_CLEAR) {
            api_reply_error(resp, 400,
                            "default_tlp must be clear, green, amber, amber+strict or red");
            goto out;
        }
    }
    rc = policy_collection_add_ex(hub->store, title, desc, alias, rd, wr, tlp, relay, &c, err);
    if (rc != 0) {
        api_reply_rc(resp, rc, err);
        goto out;
    }
    api_reply_json(resp, 201, api_collection_json(&c));
out:
    store_collection_clear(&c);
    json_decref(body);
    return 0;
}

size_t api_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    const struct http_route routes[] = {
        {"GET", "/healthz", h_healthz, hub, HTTP_ROUTE_JSON | HTTP_ROUTE_PUBLIC, "healthz"},
        {"GET", "/api/v1/orgs", h_orgs_list, hub, HTTP_ROUTE_JSON, "api-orgs-list"},
        {"POST", "/api/v1/orgs", h_orgs_add, hub, HTTP_ROUTE_JSON, "api-orgs-add"},
        {"PATCH", "/api/v1/orgs/{id}", api_orgs_change, hub, HTTP_ROUTE_JSON, "api-orgs-change"},
        {"POST", "/api/v1/orgs/{id}/disable", api_orgs_disable, hub, HTTP_ROUTE_JSON,
         "api-orgs-disable"},
        {"POST", "/api/v1/orgs/{id}/enable", api_orgs_enable, hub, HTTP_ROUTE_JSON,
         "api-orgs-enable"},
        {"POST", "/api/v1/tokens", h_tokens_add, hub, HTTP_ROUTE_JSON, "api-tokens-add"},
        {"GET", "/api/v1/tokens", api_tokens_list, hub, HTTP_ROUTE_JSON, "api-tokens-list"},
        {"DELETE", "/api/v1/tokens/{id}", api_tokens_revoke, hub, HTTP_ROUTE_JSON,
         "api-tokens-revoke"},
        {"GET", "/api/v1/collections", h_collections_list, hub, HTTP_ROUTE_JSON,
         "api-collections-list"},
        {"POST", "/api/v1/collections", h_collections_add, hub, HTTP_ROUTE_JSON,
         "api-collections-add"},
        {"PATCH", "/api/v1/collections/{id}", api_collections_change, hub, HTTP_ROUTE_JSON,
         "api-collections-change"},
        {"DELETE", "/api/v1/collections/{id}", api_collections_remove, hub, HTTP_ROUTE_JSON,
         "api-collections-remove"},
        {"GET", "/api/v1/policy", api_policy_get, hub, HTTP_ROUTE_JSON, "api-policy-get"},
        {"PUT", "/api/v1/policy", api_policy_put, hub, HTTP_ROUTE_JSON, "api-policy-put"},
        {"GET", "/api/v1/audit", api_audit_list, hub, HTTP_ROUTE_JSON, "api-audit-list"},
        {"GET", "/api/v1/provenance/{id}", api_provenance_get, hub, HTTP_ROUTE_JSON,
         "api-provenance-get"},
        {"GET", "/api/v1/credit", api_credit_get, hub, HTTP_ROUTE_JSON, "api-credit-get"},
        {"GET", "/api/v1/routes", api_route_list, hub, HTTP_ROUTE_JSON, "api-routes"},
    };
    const size_t n = sizeof(routes) / sizeof(routes[0]);

    for (size_t i = 0; i < n && i < max; i++)
        out[i] = routes[i];
    return n;
}
