/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest_reserved.c: the identity ids a post may not write. The hub's identity, the sector
 * stand-ins and every registered organisation's identity are written only by the hub: a
 * member that could post a newer version of one could rename the stand-in of every anonymous
 * object, or a member, at will. An identity id an organisation registered among its own
 * identifiers is written only by that organisation.
 */
#include "policy/policy_int.h"

#include <stdlib.h>
#include <string.h>

/* Adds id (lower-cased) to the set with its owner: "" for the hub, else an org id. */
static void reserve(json_t *set, const char *id, const char *owner)
{
    char key[STIX_ID_MAX + 1];
    size_t n = 0;

    if (id == NULL || id[0] == '\0' || strlen(id) > STIX_ID_MAX)
        return;
    for (; id[n] != '\0'; n++)
        key[n] = (char)(id[n] >= 'A' && id[n] <= 'Z' ? id[n] - 'A' + 'a' : id[n]);
    key[n] = '\0';
    if (json_object_get(set, key) == NULL)
        json_object_set_new(set, key, json_string(owner));
}

/* The sector stand-ins created so far (settings sector_identity:<key>), owned by the hub. */
static int reserve_sectors(struct store *s, json_t *set, struct rk_err *err)
{
    char *text = NULL;
    json_t *sectors;
    size_t i;
    json_t *e;
    int rc = store_setting_get(s, "sectors", &text, err);

    if (rc == RK_E_NOTFOUND) {
        rk_err_clear(err);
        return 0;
    }
    if (rc != 0)
        return rc;
    sectors = json_loads(text, 0, NULL);
    free(text);
    json_array_foreach(sectors, i, e)
    {
        char key[128];
        char *v = NULL;
        const char *sector = json_string_value(json_object_get(e, "key"));
        if (sector == NULL || strlen(sector) > 100)
            continue;
        snprintf(key, sizeof(key), "sector_identity:%s", sector);
        rc = store_setting_get(s, key, &v, err);
        if (rc == RK_E_NOTFOUND) {
            rk_err_clear(err);
            rc = 0;
            continue;
        }
        if (rc != 0)
            break;
        json_t *obj = json_loads(v, 0, NULL);
        reserve(set, json_string_value(json_object_get(obj, "id")), "");
        json_decref(obj);
        free(v);
    }
    json_decref(sectors);
    return rc;
}

/* Every organisation's registered identity (the hub's), and the identity ids among its own
 * identifiers (its own). */
static int reserve_orgs(struct store *s, json_t *set, struct rk_err *err)
{
    struct store_org *orgs = NULL;
    size_t n = 0;
    int rc = store_org_list(s, &orgs, &n, err);

    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        reserve(set, orgs[i].identity_id, "");
    for (size_t i = 0; i < n; i++) {
        /* The stored text is normalised: one entry per line. */
        const char *p = orgs[i].own_identifiers;
        while (p != NULL && *p != '\0') {
            size_t len = strcspn(p, "\n");
            char line[STIX_ID_MAX + 1];
            if (len <= STIX_ID_MAX && rk_starts_with(p, "identity--")) {
                memcpy(line, p, len);
                line[len] = '\0';
                reserve(set, line, orgs[i].id);
            }
            p += len;
            if (*p == '\n')
                p++;
        }
    }
    store_orgs_free(orgs, n);
    return 0;
}

int policy_reserved_check(struct rk_hub *hub, struct policy_reserved *r, const char *poster_org,
                          const char *id, char *why, size_t cap, struct rk_err *err)
{
    char key[STIX_ID_MAX + 1];
    size_t n = 0;
    int rc;

    why[0] = '\0';
    if (r->set == NULL) {
        r->set = json_object();
        reserve(r->set, hub->identity_id, "");
        rc = reserve_orgs(hub->store, r->set, err);
        if (rc == 0)
            rc = reserve_sectors(hub->store, r->set, err);
        if (rc != 0) {
            json_decref(r->set);
            r->set = NULL;
            return rc;
        }
    }
    if (id == NULL || strlen(id) > STIX_ID_MAX)
        return 0;
    for (; id[n] != '\0'; n++)
        key[n] = (char)(id[n] >= 'A' && id[n] <= 'Z' ? id[n] - 'A' + 'a' : id[n]);
    key[n] = '\0';
    const char *owner = json_string_value(json_object_get(r->set, key));
    if (owner == NULL)
        return 0;
    if (owner[0] == '\0')
        snprintf(why, cap,
                 "refused: %s is reserved: only the hub writes the identities of the hub, its "
                 "sectors and its member organisations",
                 id);
    else if (poster_org == NULL || strcmp(owner, poster_org) != 0)
        snprintf(why, cap,
                 "refused: %s is registered as another member organisation's identity: only "
                 "that organisation may post it",
                 id);
    return 0;
}

void policy_reserved_clear(struct policy_reserved *r)
{
    json_decref(r->set);
    r->set = NULL;
}
