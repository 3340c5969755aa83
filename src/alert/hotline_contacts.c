/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_contacts.c: who an organisation wants told of a hotline alert by e-mail: its
 * primary contacts (at once) and its backup contacts (when nobody acknowledged in time),
 * kept as one record per organisation (kind "alert-contacts", id: the organisation's id).
 */
#include "alert/hotline.h"

#include <string.h>

#define CONTACTS_MAX 20

static int contacts_json(void *ctx, const struct store_record *r)
{
    json_t **out = ctx;
    *out = json_loads(r->json, 0, NULL);
    return 1;
}

json_t *hotline_contacts_get(struct store *s, const char *org_id)
{
    json_t *c = NULL;
    struct rk_err err = {0};
    if (store_record_get(s, HOTLINE_REC_CONTACTS, org_id, contacts_json, &c, &err) < 0 ||
        !json_is_object(c)) {
        json_decref(c);
        c = json_object();
    }
    if (!json_is_array(json_object_get(c, "primary")))
        json_object_set_new(c, "primary", json_array());
    if (!json_is_array(json_object_get(c, "backup")))
        json_object_set_new(c, "backup", json_array());
    return c;
}

static int list_check(const json_t *l, const char *member, struct rk_err *err)
{
    size_t i;
    const json_t *v;
    if (l == NULL)
        return 0;
    if (!json_is_array(l))
        return rk_err_set(err, RK_E_INVALID, "%s: must be an array of e-mail addresses", member);
    if (json_array_size(l) > CONTACTS_MAX)
        return rk_err_set(err, RK_E_INVALID, "%s: at most %d addresses", member, CONTACTS_MAX);
    json_array_foreach(l, i, v)
    {
        if (!alert_email_address(json_string_value(v), NULL, 0))
            return rk_err_set(err, RK_E_INVALID, "%s[%zu]: not an e-mail address (name@domain)",
                              member, i);
    }
    return 0;
}

int hotline_contacts_check(const json_t *body, struct rk_err *err)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)body, key, v)
    {
        if (strcmp(key, "primary") != 0 && strcmp(key, "backup") != 0)
            return rk_err_set(err, RK_E_INVALID,
                              "%s: unknown member (the members are: primary, backup)", key);
    }
    int rc = list_check(json_object_get(body, "primary"), "primary", err);
    if (rc == 0)
        rc = list_check(json_object_get(body, "backup"), "backup", err);
    return rc;
}
