/* SPDX-License-Identifier: Apache-2.0 */
/*
 * views.c: the JSON shapes of organisations, tokens and collections, in one place so that the
 * admin API and the command line's --json output always agree. Kept apart from the
 * handlers so that the CLI can use it without pulling in the HTTP server.
 */
#include "api/api.h"
#include "policy/auth.h"
#include "policy/scope.h"

#include <stdio.h>
#include <string.h>

json_t *api_org_json(const struct store_org *o)
{
    char created[RK_TIME_LEN];

    rk_time_format(o->created, created);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", o->id, "name",
                     o->name != NULL ? o->name : "", "sector", o->sector != NULL ? o->sector : "",
                     "anonymity", policy_anonymity_name(o->anonymity), "identity_id",
                     o->identity_id != NULL ? o->identity_id : "", "created", created,
                     "own_identifiers", o->own_identifiers != NULL ? o->own_identifiers : "",
                     "disabled", o->disabled);
}

static const char *nz(const char *s)
{
    return s != NULL ? s : "";
}

json_t *api_collection_json(const struct store_collection *c)
{
    char created[RK_TIME_LEN];

    rk_time_format(c->created, created);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", c->id, "title",
                     nz(c->title), "description", nz(c->description), "alias", nz(c->alias), "read",
                     nz(c->read_spec), "write", nz(c->write_spec), "created", created,
                     "default_tlp", policy_tlp_name(c->default_tlp), "relay", c->relay);
}

json_t *api_token_json(const struct store_token *t, const char *org_name)
{
    char created[RK_TIME_LEN];
    char with[POLICY_TOKEN_ID_LEN + 1];

    rk_time_format(t->created, created);
    snprintf(with, sizeof(with), "%.*s", POLICY_TOKEN_ID_LEN, t->creator_token);
    json_t *v = json_pack("{s:s%, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", t->hash,
                          (size_t)POLICY_TOKEN_ID_LEN, "org_id", t->org_id, "role",
                          policy_role_name(t->role), "label", nz(t->label), "anonymity",
                          t->anonymity < 0 ? "org" : policy_anonymity_name(t->anonymity), "created",
                          created, "created_by", policy_token_created_by(t), "created_by_org_id",
                          t->creator_org, "created_with", with);
    if (org_name != NULL)
        json_object_set_new(v, "org", json_string(org_name));
    return v;
}

json_t *api_tokens_json(const struct store_token *list, size_t n, const struct store_org *orgs,
                        size_t n_orgs)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *name = list[i].org_id; /* an organisation gone since: its id */
        for (size_t k = 0; k < n_orgs; k++)
            if (strcmp(orgs[k].id, list[i].org_id) == 0)
                name = orgs[k].name;
        json_array_append_new(arr, api_token_json(&list[i], name));
    }
    return json_pack("{s:o}", "tokens", arr);
}
