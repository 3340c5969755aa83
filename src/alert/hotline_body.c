/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_body.c: a hotline alert as one organisation sees it: the fields its audience gets
 * (the template decides), and the STIX objects related to the alert's incident (the incident
 * itself, indicators, mitigations) read through policy_hub_query as that organisation, so that
 * an alert never shows more than a TAXII read would at that moment. The body of hotline and
 * escalation events (alert_hotline_body), and the member's view of GET /api/v1/alerts.
 */
#include "alert/hotline.h"

#include <stdlib.h>
#include <string.h>

#include "policy/access.h"

/* Pages of relationships read at most to find an incident's related objects. */
#define RELATED_PAGES_MAX 50
/* Related objects shown at most. */
#define RELATED_MAX 500
/* Ids asked for in one read. */
#define IDS_PER_QUERY 100

static bool has_field(const json_t *fields, const char *f)
{
    size_t i;
    const json_t *v;
    json_array_foreach(fields, i, v)
    {
        if (json_string_value(v) != NULL && strcmp(json_string_value(v), f) == 0)
            return true;
    }
    return false;
}

/* Collects objects by id (the latest version seen wins; an object in two collections once). */
static int collect_row(void *ctx, const struct store_row *row)
{
    json_t *byid = ctx;
    if (row->json == NULL)
        return 0;
    json_t *o = json_loadb(row->json, row->json_len, 0, NULL);
    if (o != NULL)
        json_object_set_new(byid, row->id, o);
    return 0;
}

/* The ends of relationships that who may read which name incident at their other end. */
static int other_end(void *ctx, const struct store_row *row)
{
    json_t **st = ctx; /* st[0]: incident id (string), st[1]: ids (object) */
    const char *inc = json_string_value(st[0]);
    json_t *o = row->json != NULL ? json_loadb(row->json, row->json_len, 0, NULL) : NULL;
    const char *src = json_string_value(json_object_get(o, "source_ref"));
    const char *dst = json_string_value(json_object_get(o, "target_ref"));
    if (src != NULL && dst != NULL && json_object_size(st[1]) < RELATED_MAX) {
        if (strcmp(src, inc) == 0)
            json_object_set_new(st[1], dst, json_true());
        else if (strcmp(dst, inc) == 0)
            json_object_set_new(st[1], src, json_true());
    }
    json_decref(o);
    return 0;
}

static int query_all(struct rk_hub *hub, const struct policy_principal *who,
                     struct policy_hub_query *q, store_row_fn fn, void *ctx, struct rk_err *err)
{
    struct policy_hub_page page;
    q->added_after = -1;
    q->after = -1;
    q->limit = POLICY_HUB_QUERY_MAX;
    q->version_sel = STORE_VERSION_LAST;
    q->with_json = true;
    for (int i = 0; i < RELATED_PAGES_MAX; i++) {
        int rc = policy_hub_query(hub, who, HOTLINE_ROUTE, q, fn, ctx, &page, err);
        if (rc != 0)
            return rc;
        if (!page.more)
            break;
        q->after = page.next;
    }
    return 0;
}

/* The objects with the ids (keys of ids) that who may read now, into byid. */
static int read_ids(struct rk_hub *hub, const struct policy_principal *who, const json_t *ids,
                    json_t *byid, struct rk_err *err)
{
    const char *batch[IDS_PER_QUERY];
    size_t n = 0, left = json_object_size(ids);
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)ids, key, v)
    {
        batch[n++] = key;
        left--;
        if (n == IDS_PER_QUERY || left == 0) {
            struct policy_hub_query q;
            memset(&q, 0, sizeof q);
            q.ids = batch;
            q.n_ids = n;
            int rc = query_all(hub, who, &q, collect_row, byid, err);
            if (rc != 0)
                return rc;
            n = 0;
        }
    }
    return 0;
}

/* Adds the incident and its related objects that fields ask for to view. */
static int add_objects(struct rk_hub *hub, const struct policy_principal *who, const json_t *rec,
                       const json_t *fields, json_t *view, struct rk_err *err)
{
    const char *inc = json_string_value(json_object_get(rec, "incident"));
    bool want_inc = has_field(fields, "incident"), want_ind = has_field(fields, "indicators"),
         want_mit = has_field(fields, "mitigations"), want_rel = has_field(fields, "related");
    json_t *ids = json_object(), *byid = json_object();
    int rc = 0;

    if (inc != NULL && (want_ind || want_mit || want_rel)) {
        const char *types[] = {"relationship"};
        struct policy_hub_query q;
        json_t *st[2] = {json_string(inc), ids};
        memset(&q, 0, sizeof q);
        q.types = types;
        q.n_types = 1;
        rc = query_all(hub, who, &q, other_end, st, err);
        json_decref(st[0]);
    }
    if (rc == 0 && inc != NULL && want_inc)
        json_object_set_new(ids, inc, json_true());
    if (rc == 0)
        rc = read_ids(hub, who, ids, byid, err);
    if (rc == 0) {
        json_t *ind = json_array(), *mit = json_array(), *rel = json_array();
        const char *key;
        json_t *o;
        json_object_foreach(byid, key, o)
        {
            const char *type = json_string_value(json_object_get(o, "type"));
            if (inc != NULL && strcmp(key, inc) == 0)
                continue;
            if (type != NULL && strcmp(type, "indicator") == 0)
                json_array_append(ind, o);
            else if (type != NULL && strcmp(type, "course-of-action") == 0)
                json_array_append(mit, o);
            json_array_append(rel, o);
        }
        if (want_inc) {
            json_t *io = inc != NULL ? json_object_get(byid, inc) : NULL;
            json_object_set(view, "incident", io != NULL ? io : json_null());
        }
        if (want_ind)
            json_object_set(view, "indicators", ind);
        if (want_mit)
            json_object_set(view, "mitigations", mit);
        if (want_rel)
            json_object_set(view, "related", rel);
        json_decref(ind);
        json_decref(mit);
        json_decref(rel);
    }
    json_decref(ids);
    json_decref(byid);
    return rc;
}

json_t *hotline_view(struct rk_hub *hub, const struct policy_principal *who, const json_t *rec,
                     bool objects, struct rk_err *err)
{
    const char *coord = json_string_value(json_object_get(rec, "coordinator_org"));
    const json_t *r = hotline_recipient(rec, who->org_id);
    const char *to;
    const json_t *fields;

    if (r != NULL) {
        to = json_string_value(json_object_get(r, "audience"));
        fields = hotline_audience_fields(rec, to);
    } else if (coord != NULL && coord[0] != '\0' && strcmp(coord, who->org_id) == 0) {
        to = HOTLINE_TO_COORDINATOR;
        fields = hotline_audience_fields(rec, to);
        if (fields == NULL)
            fields = hotline_audience_fields(rec, HOTLINE_TO_AFFECTED);
    } else {
        return NULL;
    }
    if (fields == NULL)
        return NULL; /* the template gives this audience nothing */
    json_t *v = json_object();
    char when[RK_TIME_LEN];
    json_object_set(v, "id", json_object_get(rec, "id"));
    json_object_set(v, "template", json_object_get(rec, "template"));
    json_object_set_new(v, "audience", json_string(to));
    json_object_set_new(v, "created", hotline_time_json(json_object_get(rec, "created")));
    rk_time_format(hotline_deadline(rec, 0), when);
    json_object_set_new(v, "ack_by", json_string(when));
    if (has_field(fields, "summary"))
        json_object_set(v, "summary", json_object_get(rec, "summary"));
    if (has_field(fields, "severity"))
        json_object_set(v, "severity", json_object_get(rec, "severity"));
    if (has_field(fields, "sectors"))
        json_object_set(v, "sectors", json_object_get(rec, "sectors"));
    if (r != NULL) {
        char *url = hotline_ack_url(hub->store, rec, who->org_id, err);
        if (url == NULL) {
            json_decref(v);
            return NULL;
        }
        json_object_set_new(v, "ack_url", json_string(url));
        free(url);
        json_object_set_new(v, "acknowledged_at",
                            hotline_time_json(json_object_get(r, "acknowledged_at")));
        json_object_set(v, "escalation", json_object_get(r, "escalation"));
    }
    if (objects && add_objects(hub, who, rec, fields, v, err) != 0) {
        json_decref(v);
        return NULL;
    }
    return v;
}

json_t *alert_hotline_body(struct rk_hub *hub, const struct policy_principal *who, const json_t *ev,
                           struct rk_err *err)
{
    const char *id = json_string_value(json_object_get(ev, "alert"));
    json_t *rec = NULL;
    if (id == NULL || hotline_alert_get(hub->store, id, &rec, err) != 0)
        return NULL;
    json_t *v = hotline_view(hub, who, rec, true, err);
    const char *kind = json_string_value(json_object_get(ev, "kind"));
    if (v != NULL && kind != NULL && strcmp(kind, ALERT_EV_ESCALATION) == 0) {
        json_t *esc = json_object();
        json_object_set(esc, "stage", json_object_get(ev, "stage"));
        json_object_set(esc, "org", json_object_get(ev, "org"));
        json_object_set(esc, "org_name", json_object_get(ev, "org_name"));
        json_object_set_new(v, "escalated", esc);
    }
    json_decref(rec);
    return v;
}
