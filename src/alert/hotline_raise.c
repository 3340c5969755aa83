/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_raise.c: raising an urgent alert: the alert record with every recipient (each
 * member organisation but the coordinator's, in the affected-sectors or the everyone
 * audience) and one hotline event per recipient in the same write transaction, so that an
 * alert is either raised for everyone or for no one.
 */
#include "alert/hotline.h"
#include "alert/match_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/admin.h"

static int sub_id(void *ctx, const struct store_record *r)
{
    json_t *ids = ctx;
    json_t *doc = json_loads(r->json, 0, NULL);
    if (alert_filter_hotline(json_object_get(doc, "filter")))
        json_array_append_new(ids, json_string(r->id));
    json_decref(doc);
    return 0;
}

int hotline_subscriptions(struct store *s, const char *org_id, json_t **out, struct rk_err *err)
{
    *out = json_array();
    int rc = store_record_list(s, ALERT_REC_SUBSCRIPTION, org_id, sub_id, *out, err);
    if (rc < 0) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    return 0;
}

int hotline_coordinator_org(struct store *s, char out[RK_UUID_LEN], struct rk_err *err)
{
    char *v = NULL;
    out[0] = '\0';
    int rc = store_setting_get(s, "coordinator_org", &v, err);
    if (rc == RK_E_NOTFOUND)
        return 0; /* a hub without one: every organisation is a recipient */
    if (rc != 0)
        return rc;
    snprintf(out, RK_UUID_LEN, "%s", v);
    free(v);
    return 0;
}

static bool in_strings(const json_t *arr, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (s != NULL && json_string_value(v) != NULL && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* Where the links of e-mails point: RENKEI_PUBLIC_URL, else setting "alert.public_url",
 * else "" (the path only). */
static json_t *link_base(struct store *s)
{
    const char *env = getenv("RENKEI_PUBLIC_URL");
    char *v = NULL;
    struct rk_err err = {0};
    if (env != NULL && env[0] != '\0')
        return json_string(env);
    if (store_setting_get(s, "alert.public_url", &v, &err) == 0) {
        json_t *b = json_string(v);
        free(v);
        return b != NULL ? b : json_string("");
    }
    return json_string("");
}

static json_t *new_record(struct store *s, const struct hotline_spec *spec, const char *id,
                          const char *coord)
{
    json_t *rec = json_object();
    int64_t ack = spec->ack_seconds > 0
                      ? spec->ack_seconds
                      : json_integer_value(json_object_get(spec->template, "ack_seconds"));
    json_object_set_new(rec, "id", json_string(id));
    json_object_set(rec, "template", json_object_get(spec->template, "name"));
    json_object_set_new(rec, "audiences",
                        json_deep_copy(json_object_get(spec->template, "audiences")));
    json_object_set_new(rec, "summary", json_string(spec->summary));
    json_object_set_new(rec, "incident",
                        spec->incident != NULL ? json_string(spec->incident) : json_null());
    json_object_set_new(rec, "severity",
                        spec->severity >= 0 ? json_integer(spec->severity) : json_null());
    json_object_set_new(rec, "sectors",
                        spec->sectors != NULL ? json_deep_copy(spec->sectors) : json_array());
    json_object_set_new(rec, "ack_seconds", json_integer(ack));
    json_object_set_new(rec, "created", json_integer(rk_time_now()));
    json_object_set_new(rec, "raised_by", json_string(spec->raised_by));
    json_object_set_new(rec, "coordinator_org", json_string(coord));
    json_object_set_new(rec, "link_base", link_base(s));
    json_object_set_new(rec, "recipients", json_array());
    json_object_set_new(rec, "mail", json_array());
    json_object_set_new(rec, "open", json_true());
    return rec;
}

static json_t *new_recipient(const struct store_org *o, const json_t *sectors)
{
    json_t *r = json_object();
    json_object_set_new(r, "org", json_string(o->id));
    json_object_set_new(r, "name", json_string(o->name));
    json_object_set_new(r, "sector", json_string(o->sector));
    json_object_set_new(
        r, "audience",
        json_string(in_strings(sectors, o->sector) ? HOTLINE_TO_AFFECTED : HOTLINE_TO_EVERYONE));
    json_object_set_new(r, "acknowledged_at", json_null());
    json_object_set_new(r, "acknowledged_by", json_null());
    json_object_set_new(r, "escalation", json_integer(0));
    json_object_set_new(r, "escalated_at", json_array());
    return r;
}

char *hotline_event_text(struct store *s, const char *kind, const char *alert_id,
                         const char *org_id, json_t *extra, struct rk_err *err)
{
    json_t *subs = NULL;
    int rc = hotline_subscriptions(s, org_id, &subs, err);
    if (rc != 0) {
        json_decref(extra);
        return NULL;
    }
    json_t *ev = extra != NULL ? extra : json_object();
    json_object_set_new(ev, "kind", json_string(kind));
    json_object_set_new(ev, "subscriptions", subs);
    json_object_set_new(ev, "watchlist", json_array());
    json_object_set_new(ev, "objects", json_array());
    json_object_set_new(ev, "alert", json_string(alert_id));
    char *text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (text == NULL)
        abort();
    return text;
}

int hotline_raise_in_tx(struct store *s, const struct hotline_spec *spec, char id_out[RK_UUID_LEN],
                        struct rk_err *err)
{
    char coord[RK_UUID_LEN];
    struct store_org *orgs = NULL;
    size_t n = 0;
    int rc = hotline_coordinator_org(s, coord, err);
    if (rc == 0)
        rc = store_org_list(s, &orgs, &n, err);
    if (rc != 0)
        return rc;
    rk_uuid_v4(id_out);
    json_t *rec = new_record(s, spec, id_out, coord);
    json_t *recips = json_object_get(rec, "recipients");
    json_t *mail = json_object_get(rec, "mail");
    struct store_event *evs = rk_calloc(n > 0 ? n : 1, sizeof(*evs));
    char **texts = rk_calloc(n > 0 ? n : 1, sizeof(*texts));
    size_t m = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct store_org *o = &orgs[i];
        if (o->disabled || strcmp(o->id, coord) == 0 ||
            strcmp(o->sector, POLICY_COORDINATION_SECTOR) == 0)
            continue;
        texts[m] = hotline_event_text(s, ALERT_EV_HOTLINE, id_out, o->id, NULL, err);
        if (texts[m] == NULL) {
            rc = RK_E_DB;
            break;
        }
        json_array_append_new(recips, new_recipient(o, spec->sectors));
        json_t *ml = json_object();
        json_object_set_new(ml, "org", json_string(o->id));
        json_object_set_new(ml, "stage", json_integer(0));
        json_array_append_new(mail, ml);
        evs[m].org_id = o->id;
        evs[m].kind = ALERT_EV_HOTLINE;
        evs[m].json = texts[m];
        m++;
    }
    if (rc == 0)
        rc = hotline_alert_put(s, rec, err);
    if (rc == 0 && m > 0)
        rc = store_event_append(s, evs, m, err);
    for (size_t i = 0; i < m; i++)
        free(texts[i]);
    free(texts);
    free(evs);
    json_decref(rec);
    store_orgs_free(orgs, n);
    return rc;
}

struct raise_tx {
    const struct hotline_spec *spec;
    char *id;
};

static int raise_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct raise_tx *t = ctx;
    return hotline_raise_in_tx(s, t->spec, t->id, err);
}

int hotline_raise(struct rk_hub *hub, const struct hotline_spec *spec, char id_out[RK_UUID_LEN],
                  struct rk_err *err)
{
    struct raise_tx t = {spec, id_out};
    int rc = store_write_tx(hub->store, raise_tx, &t, err);
    if (rc != 0)
        return rc;
    rk_log(RK_LOG_INFO, "hotline: alert %s raised (%s, template %s)", id_out, spec->raised_by,
           json_string_value(json_object_get(spec->template, "name")));
    alert_wake();
    hotline_wake();
    return 0;
}
