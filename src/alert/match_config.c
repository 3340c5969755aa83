/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match_config.c: the matcher's in-memory configuration (match_config.h): organisations,
 * compiled subscriptions, the watchlist index (entries and own identifiers), the
 * collections; its reload when something changed; and which organisations one version
 * concerns before the access check.
 */
#include "alert/match_config.h"
#include "alert/alert_int.h"

#include <stdlib.h>
#include <string.h>

#include "policy/admin.h"

/* Least time between two comparisons of the stored records with the loaded ones. */
#define CHECK_EVERY_US 1000000

void alert_match_config_init(struct alert_match_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
}

static void clear_orgs(struct alert_match_config *cfg)
{
    for (size_t i = 0; i < cfg->n_orgs; i++) {
        for (size_t j = 0; j < cfg->per[i].n_subs; j++) {
            free(cfg->per[i].subs[j].id);
            alert_filter_free(cfg->per[i].subs[j].filter);
        }
        free(cfg->per[i].subs);
    }
    free(cfg->per);
    store_orgs_free(cfg->orgs, cfg->n_orgs);
    alert_watch_index_free(cfg->ix);
    cfg->per = NULL;
    cfg->orgs = NULL;
    cfg->n_orgs = cfg->n_active = 0;
    cfg->ix = NULL;
}

void alert_match_config_clear(struct alert_match_config *cfg)
{
    clear_orgs(cfg);
    store_collections_free(cfg->colls, cfg->n_colls);
    memset(cfg, 0, sizeof(*cfg));
}

static bool is_member(const struct store_org *o)
{
    return !o->disabled &&
           (o->sector == NULL || strcmp(o->sector, POLICY_COORDINATION_SECTOR) != 0);
}

const char *alert_own_identifier_entry(char *line)
{
    char *p = line;
    size_t n;

    while (*p == ' ' || *p == '\t')
        p++;
    n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        p[--n] = '\0';
    if (n == 0 || p[0] == '#' || rk_starts_with(p, "name:") || rk_starts_with(p, "identity--"))
        return NULL;
    if (rk_starts_with(p, "domain:"))
        p += 7;
    else if (rk_starts_with(p, "cidr:"))
        p += 5;
    struct alert_watch *w = rk_malloc(sizeof(*w));
    struct rk_err err = {0};
    bool ok = alert_watch_parse(p, w, &err) == 0; /* a bare name is no observable */
    free(w);
    return ok ? p : NULL;
}

void alert_own_identifiers_each(const char *text, void (*fn)(void *ctx, const char *entry),
                                void *ctx)
{
    while (text != NULL && *text != '\0') {
        size_t len = strcspn(text, "\n");
        char *line = rk_strndup(text, len);
        const char *entry = alert_own_identifier_entry(line);
        if (entry != NULL)
            fn(ctx, entry);
        free(line);
        text += len + (text[len] == '\n');
    }
}

struct own_add {
    struct alert_match_config *cfg;
    size_t org;
};

static void add_own(void *ctx, const char *entry)
{
    struct own_add *a = ctx;
    struct rk_err err = {0};
    (void)alert_match_config_add_watch(a->cfg, a->org, entry, &err);
}

void alert_match_config_set_orgs(struct alert_match_config *cfg, struct store_org *orgs, size_t n)
{
    clear_orgs(cfg);
    cfg->orgs = orgs;
    cfg->n_orgs = n;
    cfg->per = rk_calloc(n > 0 ? n : 1, sizeof(*cfg->per));
    cfg->ix = alert_watch_index_new();
    for (size_t i = 0; i < n; i++) {
        struct own_add a = {cfg, i};
        if (is_member(&orgs[i]))
            alert_own_identifiers_each(orgs[i].own_identifiers, add_own, &a);
    }
}

int alert_match_config_add_sub(struct alert_match_config *cfg, size_t org, const char *id,
                               const json_t *sub, struct rk_err *err)
{
    struct alert_match_org *p = &cfg->per[org];
    struct alert_filter *f;
    int rc = alert_filter_compile(json_object_get(sub, "filter"), &f, err);

    if (rc != 0)
        return rc;
    if (p->n_subs == p->cap_subs) {
        p->cap_subs = p->cap_subs ? p->cap_subs * 2 : 4;
        p->subs = rk_realloc(p->subs, p->cap_subs * sizeof(*p->subs));
    }
    p->subs[p->n_subs++] = (struct alert_match_sub){rk_strdup(id), f};
    return 0;
}

int alert_match_config_add_watch(struct alert_match_config *cfg, size_t org, const char *entry,
                                 struct rk_err *err)
{
    struct alert_watch w;
    int rc = alert_watch_parse(entry, &w, err);

    if (rc != 0)
        return rc;
    alert_watch_index_add(cfg->ix, org, entry, &w);
    cfg->per[org].n_watch++;
    return 0;
}

void alert_match_config_done(struct alert_match_config *cfg)
{
    cfg->n_active = 0;
    for (size_t i = 0; i < cfg->n_orgs; i++) {
        cfg->per[i].active =
            is_member(&cfg->orgs[i]) && (cfg->per[i].n_subs > 0 || cfg->per[i].n_watch > 0);
        cfg->n_active += cfg->per[i].active;
    }
}

/* ---- loading from the store ----------------------------------------------------------- */

struct rec {
    char *id, *org_id, *json;
};

struct recs {
    struct rec *r;
    size_t n, cap;
    struct rk_buf print; /* what the fingerprint hashes */
};

static int take_rec(void *ctx, const struct store_record *r)
{
    struct recs *rs = ctx;

    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->r = rk_realloc(rs->r, rs->cap * sizeof(*rs->r));
    }
    rs->r[rs->n++] =
        (struct rec){rk_strdup(r->id), rk_strdup(r->org_id ? r->org_id : ""), rk_strdup(r->json)};
    rk_buf_printf(&rs->print, "%s|%s|%s|%lld\n", r->kind, r->id, r->org_id ? r->org_id : "",
                  (long long)r->updated);
    return 0;
}

static void recs_clear(struct recs *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->r[i].id);
        free(rs->r[i].org_id);
        free(rs->r[i].json);
    }
    free(rs->r);
    rk_buf_free(&rs->print);
}

static size_t org_index(const struct alert_match_config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->n_orgs; i++)
        if (strcmp(cfg->orgs[i].id, id) == 0)
            return i;
    return SIZE_MAX;
}

int alert_match_config_refresh(struct rk_hub *hub, struct alert_match_config *cfg,
                               unsigned generation, struct rk_err *err)
{
    struct store_collection *colls = NULL;
    struct store_org *orgs = NULL;
    size_t n_colls = 0, n_orgs = 0;
    struct recs subs = {0}, watch = {0};
    rk_time_us now = rk_time_now();
    int rc;

    rc = store_collection_list(hub->store, &colls, &n_colls, err);
    if (rc != 0)
        return rc;
    store_collections_free(cfg->colls, cfg->n_colls);
    cfg->colls = colls;
    cfg->n_colls = n_colls;
    cfg->correlations_id[0] = '\0';
    for (size_t i = 0; i < n_colls; i++)
        if (colls[i].alias != NULL && strcmp(colls[i].alias, "correlations") == 0)
            memcpy(cfg->correlations_id, colls[i].id, RK_UUID_LEN);

    if (cfg->loaded && generation == cfg->generation && now - cfg->checked < CHECK_EVERY_US)
        return 0;
    cfg->checked = now;
    rc = store_org_list(hub->store, &orgs, &n_orgs, err);
    if (rc == 0)
        rc = store_record_list(hub->store, ALERT_REC_SUBSCRIPTION, NULL, take_rec, &subs, err);
    if (rc == 0)
        rc = store_record_list(hub->store, ALERT_REC_WATCH, NULL, take_rec, &watch, err);
    if (rc != 0)
        goto out;
    for (size_t i = 0; i < n_orgs; i++)
        rk_buf_printf(&subs.print, "%s|%s|%d|%s|%s\n", orgs[i].id, orgs[i].sector, orgs[i].disabled,
                      orgs[i].identity_id, orgs[i].own_identifiers);
    rk_buf_append(&subs.print, watch.print.data, watch.print.len);
    uint64_t print = rk_strset_hash(subs.print.data ? subs.print.data : "", subs.print.len);
    if (cfg->loaded && generation == cfg->generation && print == cfg->fingerprint)
        goto out;

    alert_match_config_set_orgs(cfg, orgs, n_orgs);
    orgs = NULL;
    n_orgs = 0;
    for (size_t i = 0; i < subs.n; i++) {
        size_t o = org_index(cfg, subs.r[i].org_id);
        json_t *doc = json_loads(subs.r[i].json, 0, NULL);
        struct rk_err e2 = {0};
        if (o != SIZE_MAX && alert_match_config_add_sub(cfg, o, subs.r[i].id, doc, &e2) != 0)
            rk_log(RK_LOG_WARN, "alert match: subscription %s not matched: %s", subs.r[i].id,
                   e2.msg);
        json_decref(doc);
    }
    for (size_t i = 0; i < watch.n; i++) {
        size_t o = org_index(cfg, watch.r[i].org_id);
        json_t *doc = json_loads(watch.r[i].json, 0, NULL);
        const char *entry = json_string_value(json_object_get(doc, "entry"));
        struct rk_err e2 = {0};
        if (o != SIZE_MAX && entry != NULL && alert_match_config_add_watch(cfg, o, entry, &e2) != 0)
            rk_log(RK_LOG_WARN, "alert match: watchlist entry %s not matched: %s", watch.r[i].id,
                   e2.msg);
        json_decref(doc);
    }
    alert_match_config_done(cfg);
    cfg->fingerprint = print;
    cfg->generation = generation;
    cfg->loaded = true;
    rk_log(RK_LOG_DEBUG,
           "alert match: %zu subscriptions, %zu watchlist entries and own identifiers, %zu "
           "organisations with alerts",
           subs.n, alert_watch_index_count(cfg->ix), cfg->n_active);
out:
    store_orgs_free(orgs, n_orgs);
    recs_clear(&subs);
    recs_clear(&watch);
    return rc;
}

const struct store_collection *alert_match_collection(const struct alert_match_config *cfg,
                                                      const char *id)
{
    for (size_t i = 0; id != NULL && i < cfg->n_colls; i++)
        if (strcmp(cfg->colls[i].id, id) == 0)
            return &cfg->colls[i];
    return NULL;
}

const char *alert_match_named_sector(const struct alert_match_config *cfg,
                                     const struct store_row *row, const json_t *obj)
{
    const char *by = json_string_value(json_object_get(obj, "created_by_ref"));
    size_t o = row->access.source_org != NULL ? org_index(cfg, row->access.source_org) : SIZE_MAX;

    if (by == NULL || o == SIZE_MAX || cfg->orgs[o].identity_id == NULL ||
        strcmp(cfg->orgs[o].identity_id, by) != 0)
        return "";
    return row->access.source_sector != NULL ? row->access.source_sector : "";
}

/* ---- one version ---------------------------------------------------------------------- */

struct hits {
    json_t **watch; /* per organisation, NULL until hit */
    const struct alert_match_config *cfg;
};

static void on_hit(void *ctx, size_t org, const char *entry)
{
    struct hits *h = ctx;
    size_t i;
    json_t *e;

    if (org >= h->cfg->n_orgs || !h->cfg->per[org].active)
        return;
    if (h->watch[org] == NULL)
        h->watch[org] = json_array();
    json_array_foreach(h->watch[org], i, e) if (strcmp(json_string_value(e), entry) == 0) return;
    json_array_append_new(h->watch[org], json_string(entry));
}

void alert_match_orgs_eval(struct alert_match_config *cfg, const struct alert_version *v,
                           struct alert_match_orgs *out)
{
    struct hits h = {rk_calloc(cfg->n_orgs > 0 ? cfg->n_orgs : 1, sizeof(json_t *)), cfg};

    memset(out, 0, sizeof(*out));
    if (cfg->ix != NULL && v->obs != NULL && (v->obs->n > 0 || v->obs->n_products > 0))
        alert_watch_index_match(cfg->ix, v->obs, on_hit, &h);
    for (size_t o = 0; o < cfg->n_orgs; o++) {
        const struct alert_match_org *p = &cfg->per[o];
        json_t *subs = NULL;
        if (!p->active)
            continue;
        for (size_t s = 0; s < p->n_subs; s++) {
            if (!alert_filter_match(p->subs[s].filter, v, h.watch[o] != NULL))
                continue;
            if (subs == NULL)
                subs = json_array();
            json_array_append_new(subs, json_string(p->subs[s].id));
        }
        if (subs == NULL && h.watch[o] == NULL)
            continue;
        if (out->n == 0) {
            out->orgs = rk_calloc(cfg->n_orgs, sizeof(*out->orgs));
            out->may = rk_calloc(cfg->n_orgs, sizeof(*out->may));
            out->subs = rk_calloc(cfg->n_orgs, sizeof(*out->subs));
            out->watch = rk_calloc(cfg->n_orgs, sizeof(*out->watch));
        }
        out->orgs[out->n] = cfg->orgs[o];
        out->may[out->n] = true;
        out->subs[out->n] = subs != NULL ? subs : json_array();
        out->watch[out->n] = h.watch[o];
        h.watch[o] = NULL;
        out->n++;
    }
    for (size_t o = 0; o < cfg->n_orgs; o++)
        json_decref(h.watch[o]);
    free(h.watch);
}

void alert_match_orgs_clear(struct alert_match_orgs *mo)
{
    for (size_t i = 0; i < mo->n; i++) {
        json_decref(mo->subs[i]);
        json_decref(mo->watch[i]);
    }
    free(mo->orgs);
    free(mo->may);
    free(mo->subs);
    free(mo->watch);
    memset(mo, 0, sizeof(*mo));
}
