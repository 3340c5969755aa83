/* SPDX-License-Identifier: Apache-2.0 */
/*
 * payload.c: the body one event is delivered with, to a webhook, an e-mail or the stream, as
 * its recipient organisation may see it at that moment. The stored event names object
 * versions only; each is read here through policy_hub_query as the organisation (reader
 * role), so that an alert never shows more than a TAXII read would: a RED object reaches only
 * its recipients, an anonymised source stays anonymous, a former member gets nothing.
 */
#include "alert/alert_int.h"

#include <stdio.h>
#include <string.h>

#include "policy/access.h"

int alert_org_principal(struct rk_hub *hub, const char *org_id, struct policy_principal *out,
                        struct rk_err *err)
{
    struct store_org org;

    memset(out, 0, sizeof(*out));
    memset(&org, 0, sizeof(org));
    int rc = store_org_get(hub->store, org_id, &org, err);
    if (rc != 0)
        return rc;
    if (org.disabled || strcmp(org.id, org_id) != 0) {
        store_org_clear(&org);
        return rk_err_set(err, RK_E_FORBIDDEN, "organisation %s is not a member", org_id);
    }
    policy_org_principal(&org, STORE_ROLE_READER, out);
    store_org_clear(&org);
    return 0;
}

/* One object version to read: the row found, if visible. */
struct version_read {
    rk_time_us date_added;
    const char *collection;
    json_t *obj; /* the object, when the exact version was visible */
};

static int version_row(void *ctx, const struct store_row *row)
{
    struct version_read *vr = ctx;

    if (row->date_added == vr->date_added && row->json != NULL &&
        (vr->collection == NULL || strcmp(row->collection_id, vr->collection) == 0))
        vr->obj = json_loadb(row->json, row->json_len, 0, NULL);
    return 1; /* one row is all: date_added is unique across the hub */
}

/* Appends to objs the version ref names ({"id", "collection", "date_added"}) if who may read
 * it now. */
static int read_version(struct rk_hub *hub, const struct policy_principal *who, const json_t *ref,
                        json_t *objs, struct rk_err *err)
{
    const char *id = json_string_value(json_object_get(ref, "id"));
    const json_t *added = json_object_get(ref, "date_added");
    struct version_read vr = {0};
    struct policy_hub_query q;
    struct policy_hub_page page;

    if (id == NULL || !json_is_integer(added))
        return 0; /* not an object reference: nothing to show */
    vr.date_added = (rk_time_us)json_integer_value(added);
    vr.collection = json_string_value(json_object_get(ref, "collection"));
    memset(&q, 0, sizeof(q));
    q.added_after = vr.date_added - 1;
    q.after = -1;
    q.limit = 1;
    q.ids = &id;
    q.n_ids = 1;
    q.version_sel = STORE_VERSION_ALL;
    q.with_json = true;
    int rc = policy_hub_query(hub, who, "alert-delivery", &q, version_row, &vr, &page, err);
    if (rc != 0) {
        json_decref(vr.obj);
        return rc;
    }
    if (vr.obj != NULL)
        json_array_append_new(objs, vr.obj);
    return 0;
}

int alert_payload(struct rk_hub *hub, const struct store_event *e, const char *sub_id, json_t **out,
                  bool *withheld, struct rk_err *err)
{
    struct policy_principal who;
    char when[RK_TIME_LEN];
    char seq[24];

    *out = NULL;
    *withheld = false;
    int rc = alert_org_principal(hub, e->org_id, &who, err);
    if (rc == RK_E_NOTFOUND || rc == RK_E_FORBIDDEN) {
        *withheld = true; /* a former member gets nothing */
        return 0;
    }
    if (rc != 0)
        return rc;
    json_t *ev = json_loads(e->json, 0, NULL);
    if (!json_is_object(ev)) {
        json_decref(ev);
        return rk_err_set(err, RK_E_INTERNAL, "event %lld of %s is not a JSON object",
                          (long long)e->seq, e->org_id);
    }
    json_t *body = json_object();
    json_t *objs = json_array();
    snprintf(seq, sizeof(seq), "%lld", (long long)e->seq);
    rk_time_format(e->time, when);
    json_object_set_new(body, "event_id", json_string(seq));
    json_object_set_new(body, "kind", json_string(e->kind));
    json_object_set_new(body, "time", json_string(when));
    json_object_set_new(body, "subscription", sub_id != NULL ? json_string(sub_id) : json_null());
    json_t *wl = json_object_get(ev, "watchlist");
    if (json_array_size(wl) > 0)
        json_object_set(body, "watchlist", wl);
    size_t i;
    const json_t *ref;
    json_array_foreach(json_object_get(ev, "objects"), i, ref)
    {
        rc = read_version(hub, &who, ref, objs, err);
        if (rc != 0)
            break;
    }
    json_object_set_new(body, "objects", objs);
    bool hotline =
        strcmp(e->kind, ALERT_EV_HOTLINE) == 0 || strcmp(e->kind, ALERT_EV_ESCALATION) == 0;
    if (rc == 0 && hotline) {
        json_t *alert = alert_hotline_body(hub, &who, ev, err);
        if (alert != NULL)
            json_object_set_new(body, "alert", alert);
        else
            *withheld = true;
    } else if (rc == 0 && json_array_size(objs) == 0) {
        *withheld = true; /* nothing of it may be read any longer */
    }
    json_decref(ev);
    if (rc != 0 || *withheld) {
        json_decref(body);
        return rc;
    }
    *out = body;
    return 0;
}
