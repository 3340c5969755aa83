/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.c: the matcher worker (docs/internals/alert.md, "Matcher"). It follows every stored
 * version through the hub-internal scan (policy_index_scan) from a durable cursor (the setting
 * "alert.match_cursor"), and for each version and each member organisation that has
 * subscriptions, watchlist entries or own identifiers decides whether the version concerns it
 * (its watchlist is hit, or one of its subscriptions' filters matches) and whether it may read
 * the version (policy_version_readers); each such organisation gets one event. The events of
 * a round, the hotline's reaction to incidents and the new cursor are written in ONE
 * transaction, so that a crash at any point neither loses nor repeats an event. Subscriptions
 * and watchlists are held in memory (match_config.c) and reloaded when they change.
 * Woken after every write request (alert_match_wake) and every RENKEI_ALERT_INTERVAL_MS.
 * What a version mentions is its own observables and those of the SCOs it embeds
 * (observables.c); a sighting is not resolved to the indicator it sights (that one made its own
 * event when stored, and reading it here could tell an organisation of an object it may not
 * read), as docs/alerts.md says.
 */
#include "alert/alert_int.h"
#include "alert/match_config.h"
#include "alert/match_int.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "module/module.h"
#include "policy/access.h"
#include "policy/admin.h"

#define SETTING_CURSOR "alert.match_cursor"
/* The matcher thread's nice value: below ingest's threads (0). */
#define MATCH_NICE 10
/* Versions matched per round at most; the rest waits for the next round, which follows at
 * once. Their events and the cursor are one transaction. */
#define ROUND_MAX 5000

static int64_t round_max = ROUND_MAX; /* RENKEI_ALERT_ROUND_MAX, for tests of short rounds */

static struct module_worker *match_worker;
static struct rk_hub *match_hub;
static atomic_uint match_generation;
static struct alert_match_config match_cfg;
static rk_time_us match_cursor = -1;

/* ---- the versions of one round -------------------------------------------------------- */

/* A stored version copied out of the scan. */
struct version {
    struct store_row row; /* strings owned */
};

struct round {
    struct version *v;
    size_t n, cap;
    struct rk_strset seen; /* date_added of versions taken (a scan may pass one twice) */
    rk_time_us first_left; /* the smallest date_added left for a later round, or INT64_MAX */
    bool incidents_only;   /* no organisation has anything configured: only incidents (for
                              the hotline) are taken, so that a first start over a large
                              store passes it once */
};

static char *dup0(const char *s)
{
    return rk_strdup(s != NULL ? s : "");
}

static void version_free(struct version *v)
{
    struct store_row *r = &v->row;
    free((char *)r->id);
    free((char *)r->type);
    free((char *)r->spec_version);
    free((char *)r->json);
    free((char *)r->collection_id);
    free((char *)r->access.source_org);
    free((char *)r->access.source_sector);
    free((char *)r->access.scope);
    free((char *)r->access.recipients);
    free((char *)r->access.joins);
    free((char *)r->access.rule);
}

static int take_version(void *ctx, const struct store_row *row)
{
    struct round *rd = ctx;
    struct store_row *r;

    if (row->json == NULL ||
        !rk_strset_add(&rd->seen, (const char *)&row->date_added, sizeof(row->date_added)))
        return 0;
    if (rd->incidents_only && (row->type == NULL || strcmp(row->type, "incident") != 0))
        return 0;
    if ((int64_t)rd->n >= round_max) {
        if (row->date_added < rd->first_left)
            rd->first_left = row->date_added;
        return 0;
    }
    if (rd->n == rd->cap) {
        rd->cap = rd->cap ? rd->cap * 2 : 64;
        rd->v = rk_realloc(rd->v, rd->cap * sizeof(*rd->v));
    }
    r = &rd->v[rd->n++].row;
    *r = *row;
    r->id = dup0(row->id);
    r->type = dup0(row->type);
    r->spec_version = dup0(row->spec_version);
    r->json = rk_strndup(row->json, row->json_len);
    r->collection_id = dup0(row->collection_id);
    r->access.source_org = dup0(row->access.source_org);
    r->access.source_sector = dup0(row->access.source_sector);
    r->access.scope = dup0(row->access.scope);
    r->access.recipients = dup0(row->access.recipients);
    r->access.joins = dup0(row->access.joins);
    r->access.rule = dup0(row->access.rule);
    return 0;
}

static int by_date_added(const void *a, const void *b)
{
    rk_time_us x = ((const struct version *)a)->row.date_added;
    rk_time_us y = ((const struct version *)b)->row.date_added;
    return x < y ? -1 : x > y;
}

static void round_clear(struct round *rd)
{
    for (size_t i = 0; i < rd->n; i++)
        version_free(&rd->v[i]);
    free(rd->v);
    rk_strset_free(&rd->seen);
}

/* ---- the events of one round ---------------------------------------------------------- */

struct events {
    struct store_event *e; /* json and org_id owned (kind static) */
    size_t n, cap;
    size_t *incidents; /* indexes of the round's incident versions */
    size_t n_incidents;
    json_t **incident_objs;
};

static void events_clear(struct events *ev)
{
    for (size_t i = 0; i < ev->n; i++) {
        free((char *)ev->e[i].json);
        free((char *)ev->e[i].org_id);
    }
    for (size_t i = 0; i < ev->n_incidents; i++)
        json_decref(ev->incident_objs[i]);
    free(ev->e);
    free(ev->incidents);
    free(ev->incident_objs);
    memset(ev, 0, sizeof(*ev));
}

static void events_add(struct events *ev, const char *org_id, const char *kind, json_t *body)
{
    if (ev->n == ev->cap) {
        ev->cap = ev->cap ? ev->cap * 2 : 64;
        ev->e = rk_realloc(ev->e, ev->cap * sizeof(*ev->e));
    }
    ev->e[ev->n++] = (struct store_event){
        .org_id = rk_strdup(org_id), .kind = kind, .json = json_dumps(body, JSON_COMPACT)};
}

/* The events of one version, into ev. 0 or an error (the round is then abandoned). */
static int match_version(struct rk_hub *hub, struct alert_match_config *cfg,
                         const struct store_row *row, json_t *obj, struct events *ev,
                         struct rk_err *err)
{
    struct alert_obs_set obs = {0};
    struct alert_match_orgs mo;
    int rc;

    alert_obs_collect(row->type, obj, &obs);
    const struct store_collection *c = alert_match_collection(cfg, row->collection_id);
    struct alert_version v = {
        .type = row->type,
        .collection_id = row->collection_id,
        .collection_alias = c != NULL && c->alias != NULL ? c->alias : "",
        .tlp = row->access.tlp,
        .obj = obj,
        .obs = &obs,
        .correlation = cfg->correlations_id[0] != '\0' &&
                       strcmp(row->collection_id, cfg->correlations_id) == 0 &&
                       strcmp(row->type, "grouping") == 0,
        .named_sector = alert_match_named_sector(cfg, row, obj),
    };
    alert_match_orgs_eval(cfg, &v, &mo);
    alert_obs_clear(&obs);
    if (mo.n == 0) {
        alert_match_orgs_clear(&mo);
        return 0;
    }
    rc = policy_version_readers(hub, row->id, row->collection_id, row->date_added, mo.orgs, mo.n,
                                mo.may, err);
    for (size_t i = 0; rc == 0 && i < mo.n; i++) {
        if (!mo.may[i])
            continue;
        const char *kind = json_array_size(mo.watch[i]) > 0 ? ALERT_EV_WATCHLIST
                           : v.correlation                  ? ALERT_EV_CORRELATION
                                                            : ALERT_EV_OBJECT;
        json_t *body = json_pack("{s:s, s:O, s:[{s:s, s:s, s:I}]}", "kind", kind, "subscriptions",
                                 mo.subs[i], "objects", "id", row->id, "collection",
                                 row->collection_id, "date_added", (json_int_t)row->date_added);
        if (body == NULL) {
            rc = rk_err_set(err, RK_E_INTERNAL, "alert match: cannot build an event");
            break;
        }
        if (json_array_size(mo.watch[i]) > 0)
            json_object_set(body, "watchlist", mo.watch[i]);
        events_add(ev, mo.orgs[i].id, kind, body);
        json_decref(body);
    }
    alert_match_orgs_clear(&mo);
    return rc;
}

/* What the transaction of a round writes. */
struct commit {
    struct rk_hub *hub;
    struct round *rd;
    struct events *ev;
    rk_time_us cursor;
};

static int commit_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct commit *c = ctx;
    char text[32];
    int rc = 0;

    if (c->ev->n > 0)
        rc = store_event_append(s, c->ev->e, c->ev->n, err);
    for (size_t i = 0; rc == 0 && i < c->ev->n_incidents; i++)
        rc = alert_hotline_on_incident(c->hub, s, &c->rd->v[c->ev->incidents[i]].row,
                                       c->ev->incident_objs[i], err);
    snprintf(text, sizeof text, "%" PRId64, (int64_t)c->cursor);
    if (rc == 0)
        rc = store_setting_set(s, SETTING_CURSOR, text, err);
    return rc;
}

/* One round: reload what changed, scan from the cursor, match, commit. */
static void match_round(void *arg, struct module_worker *w)
{
    struct rk_hub *hub = arg;
    struct round rd = {.first_left = INT64_MAX};
    struct events ev = {0};
    struct rk_err err = {0};
    rk_time_us next = match_cursor;
    int rc;

    /* Alerting yields to ingest: on a busy hub the matcher takes the CPU the posts leave
     * (the events come a little later; nothing is lost, the cursor waits). */
    static _Thread_local bool yielded;
    if (!yielded) {
        yielded = true;
        if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), MATCH_NICE) != 0)
            rk_log(RK_LOG_DEBUG, "alert match: could not lower the thread's priority");
    }

    rc = alert_match_config_refresh(hub, &match_cfg, atomic_load(&match_generation), &err);
    if (rc != 0) {
        rk_log(RK_LOG_WARN, "alert match: cannot load subscriptions and watchlists: %s", err.msg);
        return;
    }
    rd.incidents_only = match_cfg.n_active == 0;
    rc = policy_index_scan(hub, NULL, 0, match_cursor, take_version, &rd, &next, &err);
    if (rc != 0) {
        rk_log(RK_LOG_WARN, "alert match: cannot read new versions: %s", err.msg);
        round_clear(&rd);
        return;
    }
    if (rd.n > 1)
        qsort(rd.v, rd.n, sizeof(*rd.v), by_date_added);
    /* Every version up to next was passed, and every one before first_left was taken. */
    rk_time_us cursor = rd.first_left <= next ? rd.first_left - 1 : next;
    for (size_t i = 0; rc == 0 && i < rd.n && !module_worker_stopping(w); i++) {
        const struct store_row *row = &rd.v[i].row;
        if (row->date_added > cursor)
            break;
        json_t *obj = json_loadb(row->json, strlen(row->json), 0, NULL);
        if (obj == NULL)
            continue;
        if (match_cfg.n_active > 0)
            rc = match_version(hub, &match_cfg, row, obj, &ev, &err);
        if (strcmp(row->type, "incident") == 0) {
            ev.incidents = rk_realloc(ev.incidents, (ev.n_incidents + 1) * sizeof(size_t));
            ev.incident_objs =
                rk_realloc(ev.incident_objs, (ev.n_incidents + 1) * sizeof(json_t *));
            ev.incidents[ev.n_incidents] = i;
            ev.incident_objs[ev.n_incidents++] = json_incref(obj);
        }
        json_decref(obj);
    }
    if (module_worker_stopping(w) && rc == 0)
        rc = 1; /* stopping: leave the whole round for the next start */
    if (rc == 0 && cursor != match_cursor) {
        struct commit c = {hub, &rd, &ev, cursor};
        rc = store_write_tx(hub->store, commit_tx, &c, &err);
        if (rc == 0) {
            match_cursor = cursor;
            if (ev.n > 0)
                alert_wake();
        }
    }
    if (rc < 0)
        rk_log(RK_LOG_WARN, "alert match: round abandoned (redone next round): %s", err.msg);
    else if (rd.first_left != INT64_MAX)
        module_worker_wake(w); /* more to do */
    events_clear(&ev);
    round_clear(&rd);
}

/* ---- the worker ----------------------------------------------------------------------- */

int alert_match_start(struct rk_hub *hub, struct rk_err *err)
{
    int64_t interval_ms = alert_interval_ms();
    char *text = NULL;
    int rc;

    rc = store_setting_get(hub->store, SETTING_CURSOR, &text, err);
    if (rc == RK_E_NOTFOUND) {
        /* The first start of alerting on this hub: what was stored before it is history, not
         * news (an upgraded hub must not alert on years of objects, nor its hotline rules
         * raise alerts on old incidents). Written now, so that everything acknowledged from
         * here on is matched even if the process dies before its first round. */
        char now[24];
        rk_err_clear(err);
        match_cursor = rk_time_now();
        snprintf(now, sizeof now, "%" PRId64, (int64_t)match_cursor);
        rc = store_setting_set(hub->store, SETTING_CURSOR, now, err);
        if (rc != 0)
            return rc;
    } else if (rc != 0) {
        return rc;
    } else {
        int64_t v;
        if (rk_parse_int64(text, -1, INT64_MAX, &v) != 0) {
            rc = rk_err_set(err, RK_E_INVALID, "setting %s: not a time in microseconds: \"%s\"",
                            SETTING_CURSOR, text);
            free(text);
            return rc;
        }
        match_cursor = v;
        free(text);
    }
    const char *rm = getenv("RENKEI_ALERT_ROUND_MAX");
    round_max = ROUND_MAX;
    if (rm != NULL && rm[0] != '\0' && rk_parse_int64(rm, 1, 1000000, &round_max) != 0)
        return rk_err_set(err, RK_E_INVALID,
                          "RENKEI_ALERT_ROUND_MAX: must be an integer from 1 to 1000000");
    match_hub = hub;
    alert_match_config_init(&match_cfg);
    rc = module_worker_start("alert-match", match_round, hub, interval_ms * 1000, &match_worker,
                             err);
    if (rc != 0)
        alert_match_config_clear(&match_cfg);
    return rc;
}

void alert_match_stop(void)
{
    module_worker_stop(match_worker);
    match_worker = NULL;
    match_hub = NULL;
    alert_match_config_clear(&match_cfg);
}

void alert_match_wake(void)
{
    if (match_worker != NULL)
        module_worker_wake(match_worker);
}

void alert_config_changed(void)
{
    atomic_fetch_add(&match_generation, 1);
    alert_match_wake();
}
