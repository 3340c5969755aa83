/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.h: renkei's own JSON API at /api/v1/ for the coordinator (organisations, tokens,
 * collections; members manage their own organisation's tokens), and /healthz. The
 * operations are the same policy_* functions the command line calls, so both fronts obey
 * the same rules.
 */
#ifndef RK_API_H
#define RK_API_H

#include <jansson.h>
#include <stddef.h>

#include "http/http.h"
#include "module/module.h"
#include "policy/hub.h"

/*
 * The admin API as serve runs it: its routes, and a start that hands GET /api/v1/routes the
 * full route table of the server (struct module_ctx routes).
 */
extern const struct module api_module;

/* As taxii_routes(): writes up to max routes into out, returns how many there are. */
size_t api_routes(struct rk_hub *hub, struct http_route *out, size_t max);

/*
 * The JSON views of hub entities that the admin API answers with, shared with the command
 * line's --json output so both show the same fields. New references; the caller decrefs.
 * Organisation: {id, name, sector, anonymity, identity_id, created, own_identifiers,
 * disabled}. Collection: {id, title, description, alias, read, write, created,
 * default_tlp}.
 */
json_t *api_org_json(const struct store_org *o);
json_t *api_collection_json(const struct store_collection *c);
/* A token: {id (the start of its hash, never a secret), org_id, role, label, anonymity,
 * created, created_by ("self" or "coordinator"), created_by_org_id, created_with (the id
 * of the token it was made with, "" if none)}, with "org" when org_name is not NULL. t's
 * creator must be filled in (policy_token_list, policy_token_create). */
json_t *api_token_json(const struct store_token *t, const char *org_name);
/* {"tokens": [...]}: list, each with the name of its organisation among orgs. */
json_t *api_tokens_json(const struct store_token *list, size_t n, const struct store_org *orgs,
                        size_t n_orgs);

#endif /* RK_API_H */
