/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_escalate.c: the hotline's worker. Every tick (1 s, RENKEI_ALERT_ESCALATION_TICK_MS)
 * it looks at the open alerts: a recipient that has not acknowledged within ack_seconds is
 * escalated to stage 1 (an escalation event to it, an e-mail to its backup contacts), after
 * as long again to stage 2 (an escalation event and an e-mail to the coordinator). Each
 * escalation is written with its events in one transaction; then the alert's pending
 * e-mails are sent (hotline_mail.c).
 */
#include "alert/hotline.h"

#include <stdlib.h>
#include <string.h>

#include "module/module.h"

#define TICK_ENV "RENKEI_ALERT_ESCALATION_TICK_MS"

static struct module_worker *worker;
static struct rk_hub *worker_hub;

void hotline_wake(void)
{
    struct module_worker *w = __atomic_load_n(&worker, __ATOMIC_ACQUIRE);
    if (w != NULL)
        module_worker_wake(w);
}

static void add_mail(json_t *rec, const char *org, int stage)
{
    json_t *m = json_object();
    json_object_set_new(m, "org", json_string(org));
    json_object_set_new(m, "stage", json_integer(stage));
    json_array_append_new(json_object_get(rec, "mail"), m);
}

/* Whether anything is left to do for rec: a recipient that may still escalate, or e-mail. */
static bool still_open(const json_t *rec)
{
    size_t i;
    const json_t *r;
    if (json_array_size(json_object_get(rec, "mail")) > 0)
        return true;
    json_array_foreach(json_object_get(rec, "recipients"), i, r)
    {
        if (!json_is_integer(json_object_get(r, "acknowledged_at")) &&
            json_integer_value(json_object_get(r, "escalation")) < 2)
            return true;
    }
    return false;
}

struct esc_tx {
    const char *id;
    size_t appended; /* events written */
};

static int escalate_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct esc_tx *t = ctx;
    json_t *rec = NULL;
    int rc = hotline_alert_get(s, t->id, &rec, err);
    if (rc != 0)
        return rc;
    const char *coord = json_string_value(json_object_get(rec, "coordinator_org"));
    rk_time_us now = rk_time_now();
    struct store_event ev;
    json_t *order = json_array(); /* the events, one by one, appended as they come */
    bool changed = false;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(rec, "recipients"), i, r)
    {
        int stage = (int)json_integer_value(json_object_get(r, "escalation"));
        const char *org = json_string_value(json_object_get(r, "org"));
        if (json_is_integer(json_object_get(r, "acknowledged_at")) || stage >= 2 ||
            now < hotline_deadline(rec, stage))
            continue;
        stage++;
        json_object_set_new(r, "escalation", json_integer(stage));
        json_array_append_new(json_object_get(r, "escalated_at"), json_integer(now));
        const char *to = stage == 1 ? org : coord;
        if (to != NULL && to[0] != '\0') {
            json_t *extra = json_object();
            json_object_set_new(extra, "stage", json_integer(stage));
            json_object_set_new(extra, "org", json_string(org));
            json_object_set(extra, "org_name", json_object_get(r, "name"));
            char *text = hotline_event_text(s, ALERT_EV_ESCALATION, t->id, to, extra, err);
            if (text == NULL) {
                rc = RK_E_DB;
                break;
            }
            json_t *e = json_array();
            json_array_append_new(e, json_string(to));
            json_array_append_new(e, json_string(text));
            json_array_append_new(order, e);
            free(text);
        }
        add_mail(rec, org, stage);
        changed = true;
    }
    /* Appended one at a time: two escalations of one alert may go to the same organisation
     * (the coordinator) and each call numbers its own. */
    json_array_foreach(order, i, r)
    {
        if (rc != 0)
            break;
        memset(&ev, 0, sizeof ev);
        ev.org_id = json_string_value(json_array_get(r, 0));
        ev.kind = ALERT_EV_ESCALATION;
        ev.json = json_string_value(json_array_get(r, 1));
        rc = store_event_append(s, &ev, 1, err);
        if (rc == 0)
            t->appended++;
    }
    bool open = still_open(rec);
    if (rc == 0 && (changed || open != json_is_true(json_object_get(rec, "open")))) {
        json_object_set_new(rec, "open", json_boolean(open));
        rc = hotline_alert_put(s, rec, err);
    }
    json_decref(order);
    json_decref(rec);
    return rc;
}

/* Whether rec needs a transaction now: an e-mail to send, a recipient past its deadline, or
 * an "open" flag to clear. Most rounds find none, and write nothing. */
static bool due(const json_t *rec, rk_time_us now)
{
    size_t i;
    const json_t *r;
    if (json_array_size(json_object_get(rec, "mail")) > 0 || !still_open(rec))
        return true;
    json_array_foreach(json_object_get(rec, "recipients"), i, r)
    {
        int stage = (int)json_integer_value(json_object_get(r, "escalation"));
        if (!json_is_integer(json_object_get(r, "acknowledged_at")) && stage < 2 &&
            now >= hotline_deadline(rec, stage))
            return true;
    }
    return false;
}

static int due_id(void *ctx, const struct store_record *r)
{
    json_t *ids = ctx;
    json_t *doc = json_loads(r->json, 0, NULL);
    if (json_is_true(json_object_get(doc, "open")) && due(doc, rk_time_now()))
        json_array_append_new(ids, json_string(r->id));
    json_decref(doc);
    return 0;
}

static void round_job(void *arg, struct module_worker *w)
{
    struct rk_hub *hub = arg;
    struct rk_err err = {0};
    json_t *ids = json_array();
    size_t i;
    json_t *v;

    if (store_record_list(hub->store, HOTLINE_REC_ALERT, NULL, due_id, ids, &err) < 0) {
        rk_log(RK_LOG_WARN, "hotline: cannot list the alerts: %s", err.msg);
        json_decref(ids);
        return;
    }
    json_array_foreach(ids, i, v)
    {
        struct esc_tx t = {json_string_value(v), 0};
        if (module_worker_stopping(w))
            break;
        if (store_write_tx(hub->store, escalate_tx, &t, &err) != 0)
            rk_log(RK_LOG_WARN, "hotline: alert %s: escalation not written: %s", t.id, err.msg);
        else if (t.appended > 0)
            alert_wake();
        if (hotline_mail_round(hub, t.id, &err) != 0)
            rk_log(RK_LOG_WARN, "hotline: alert %s: e-mail: %s", t.id, err.msg);
    }
    json_decref(ids);
}

int alert_hotline_start(struct rk_hub *hub, struct rk_err *err)
{
    int64_t ms = 1000;
    const char *env = getenv(TICK_ENV);
    struct module_worker *w = NULL;
    if (env != NULL && env[0] != '\0' && rk_parse_int64(env, 1, 3600000, &ms) != 0)
        return rk_err_set(err, RK_E_INVALID,
                          "%s: must be a number of milliseconds (1 to "
                          "3600000)",
                          TICK_ENV);
    worker_hub = hub;
    int rc = module_worker_start("alert-hotline", round_job, hub, ms * 1000, &w, err);
    if (rc != 0)
        return rc;
    __atomic_store_n(&worker, w, __ATOMIC_RELEASE);
    return 0;
}

void alert_hotline_stop(void)
{
    struct module_worker *w = __atomic_exchange_n(&worker, NULL, __ATOMIC_ACQ_REL);
    module_worker_stop(w);
    worker_hub = NULL;
}
