/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest_identity.c: the hub and sector identity objects that stand for a hidden contributor
 * in what the ingest pipeline stores. Each is created once per hub (kept in the settings) and
 * stored next to the first objects that reference it, so that readers can resolve it.
 */
#include "policy/policy_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Serialises the lazy creation of hub and sector identity objects within the process. */
static pthread_mutex_t identity_lock = PTHREAD_MUTEX_INITIALIZER;

/* The display name of a sector key, from the sector table (the key itself if unknown). */
static void sector_display(struct store *s, const char *key, char *out, size_t cap)
{
    char *v = NULL;
    json_t *arr = NULL;
    size_t i;
    json_t *e;

    policy_copy_str(out, cap, key);
    if (store_setting_get(s, "sectors", &v, NULL) != 0)
        return;
    arr = json_loads(v, 0, NULL);
    json_array_foreach(arr, i, e)
    {
        const char *k = json_string_value(json_object_get(e, "key"));
        if (k != NULL && strcmp(k, key) == 0) {
            policy_copy_str(out, cap, json_string_value(json_object_get(e, "name")));
            break;
        }
    }
    json_decref(arr);
    free(v);
}

/*
 * The identity object stored under settings key, created once (under identity_lock) with
 * the given id (NULL: a new random one), name and class. out->json is canonical.
 */
static int identity_get(struct store *s, const char *key, const char *id, const char *name,
                        const char *cls, struct policy_stand_in *out, struct rk_err *err)
{
    char *v = NULL;
    json_t *obj = NULL;
    int rc;

    pthread_mutex_lock(&identity_lock);
    rc = store_setting_get(s, key, &v, err);
    if (rc == 0) {
        obj = json_loads(v, 0, NULL);
        if (obj == NULL) {
            rc = rk_err_set(err, RK_E_INTERNAL, "setting %s is not JSON", key);
            goto out;
        }
    } else if (rc == RK_E_NOTFOUND) {
        char uuid[RK_UUID_LEN], now[RK_TIME_LEN], nid[64];
        /* Millisecond precision, as STIX writers usually give. */
        (void)rk_time_format_as(rk_time_now(), 3, now);
        if (id == NULL) {
            rk_uuid_v4(uuid);
            snprintf(nid, sizeof(nid), "identity--%s", uuid);
            id = nid;
        }
        obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "identity", "spec_version",
                        "2.1", "id", id, "created", now, "modified", now, "name", name,
                        "identity_class", cls);
        char *text = stix_canonical(obj, NULL);
        rc = store_setting_set(s, key, text, err);
        free(text);
        if (rc != 0)
            goto out;
    } else {
        goto out;
    }
    policy_copy_str(out->id, sizeof(out->id), json_string_value(json_object_get(obj, "id")));
    policy_copy_str(out->modified, sizeof(out->modified),
                    json_string_value(json_object_get(obj, "modified")));
    out->json = stix_canonical(obj, NULL);
out:
    pthread_mutex_unlock(&identity_lock);
    json_decref(obj);
    free(v);
    return rc;
}

int policy_stand_in_get(struct rk_hub *hub, struct policy_stand_ins *si, const char *sector,
                        bool sector_ok, int mode, struct policy_stand_in **out, const char **what,
                        struct rk_err *err)
{
    int rc = 0;
    if (mode == STORE_ANON_SECTOR && sector_ok) {
        if (!si->have_sector) {
            char key[128], disp[160], name[256];
            snprintf(key, sizeof(key), "sector_identity:%s", sector);
            sector_display(hub->store, sector, disp, sizeof(disp));
            snprintf(name, sizeof(name), "An organisation in the %s sector", disp);
            rc = identity_get(hub->store, key, NULL, name, "class", &si->sector, err);
            if (rc != 0)
                return rc;
            si->have_sector = true;
        }
        *out = &si->sector;
        *what = "sector identity";
        return 0;
    }
    if (!si->have_hub) {
        char key[STIX_ID_MAX + 32];
        const char *title = hub->title[0] != '\0' ? hub->title : "renkei hub";
        if (hub->identity_id[0] == '\0')
            return rk_err_set(err, RK_E_INTERNAL,
                              "the hub has no identity (settings hub_identity)");
        snprintf(key, sizeof(key), "identity_object:%s", hub->identity_id);
        rc = identity_get(hub->store, key, hub->identity_id, title, "organization", &si->hub, err);
        if (rc != 0)
            return rc;
        si->have_hub = true;
    }
    *out = &si->hub;
    *what = "hub identity";
    return 0;
}

void policy_stand_in_put(struct store_put *put, const struct policy_stand_in *id)
{
    memset(put, 0, sizeof(*put));
    put->id = id->id;
    put->type = "identity";
    put->spec_version = "2.1";
    /* Its version is its modified (STIX 2.1, 5.3.1 and 5.8.1), not a date the store picks. */
    if (rk_time_parse(id->modified, &put->version) != 0)
        put->version = -1;
    put->version_text = id->modified;
    put->json = id->json;
    put->json_len = strlen(id->json);
    put->access.tlp = POLICY_TLP_CLEAR;
    put->access.rule = "hub-identity";
    put->anonymity = STORE_ANON_NAMED;
}

void policy_stand_ins_clear(struct policy_stand_ins *si)
{
    free(si->hub.json);
    free(si->sector.json);
    memset(si, 0, sizeof(*si));
}
