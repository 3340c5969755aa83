/* SPDX-License-Identifier: Apache-2.0 */
/*
 * correlate_worker.c: the background job of cross-sector correlation. It follows the
 * observable index from a durable cursor (the setting ANALYZE_CORR_CURSOR: the seq of the
 * last index row it finished), re-evaluates each observable key the new rows touched over
 * every report of it in the window (correlate.c's rule, with the access rule of
 * docs/analysis.md deciding which reports count: a GREEN tier every member reads, an AMBER
 * tier RED to the organisations that may read every input), and writes the hub's groupings
 * and SCOs into the correlations collection through the policy layer (policy_hub_write),
 * crediting the reporters once per grouping. A new grouping version is the event the alerts
 * issue will deliver. docs/internals/analyze.md, "Correlation worker".
 */
#include "analyze/analyze_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module/module.h"
#include "policy/policy.h"

/* Index rows read per batch; the cursor moves after each batch. */
#define BATCH 1000
/* The tier whose groupings every member reads (docs/analysis.md). */
#define TIER_GREEN "green"
/* The tier of groupings to named recipients only (RED). */
#define TIER_AMBER "amber"
#define ROUTE      "analyze-correlate"
#define US_PER_DAY ((rk_time_us)86400 * 1000000)

/* Most reports in the window of the AMBER tier whose readers are asked for (each costs one
 * access check per organisation); past it the tier is not written (fail closed). */
#define AMBER_REPORTS_MAX 500

/* The running worker (one hub per process). */
static struct module_worker *corr_worker;

/* ---- the correlations collection ------------------------------------------------------- */

int analyze_correlations_collection(struct store *s, struct store_collection *out,
                                    struct rk_err *err)
{
    int rc = policy_collection_find(s, ANALYZE_CORR_ALIAS, out, err);

    if (rc != RK_E_NOTFOUND)
        return rc;
    rk_err_clear(err);
    store_collection_clear(out);
    /* Every member reads it; no member writes it (the coordinator is in every audience). */
    return policy_collection_add(
        s, "Correlations", "Cross-sector correlations written by the hub (docs/analysis.md)",
        ANALYZE_CORR_ALIAS, "all", "sector:" POLICY_COORDINATION_SECTOR, out, err);
}

/* ---- one round ------------------------------------------------------------------------- */

/* The keys a batch of index rows touched, each once, with the earliest date_added seen. */
struct touched {
    char *key;
    struct store_observable obs; /* obs.key points to key */
    rk_time_us first;
};

struct batch {
    struct touched *items;
    size_t n, cap;
    struct rk_strset seen;
    int64_t last_seq;
    size_t rows;
};

static int batch_row(void *ctx, const struct store_observable_row *row)
{
    struct batch *b = ctx;
    size_t len = strlen(row->obs.key);

    b->rows++;
    if (row->seq > b->last_seq)
        b->last_seq = row->seq;
    if (!rk_strset_add(&b->seen, row->obs.key, len)) {
        for (size_t i = 0; i < b->n; i++)
            if (strcmp(b->items[i].key, row->obs.key) == 0 && row->date_added < b->items[i].first)
                b->items[i].first = row->date_added;
        return 0;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->items = rk_realloc(b->items, b->cap * sizeof(*b->items));
    }
    struct touched *t = &b->items[b->n++];
    t->key = rk_strdup(row->obs.key);
    t->obs = row->obs;
    t->obs.key = t->key;
    t->first = row->date_added;
    return 0;
}

static void batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->items[i].key);
    free(b->items);
    rk_strset_free(&b->seen);
    memset(b, 0, sizeof(*b));
}

/* What one round knows: the policy's thresholds, k, the collections. */
struct round {
    struct rk_hub *hub;
    struct analyze_corr_params params;
    int k;
    struct store_collection *colls;
    size_t n_colls;
    const struct store_collection *target; /* the correlations collection */
};

/* What the worker keeps of one report beyond the rule's fields. */
struct report_meta {
    char *org, *sector, *id, *collection; /* owned */
    bool green;                           /* counts toward the GREEN tier */
    bool joined;                          /* a relationship or sighting: never counts */
};

/* The reports of one key, copied out of the store's rows. */
struct reports {
    const struct round *r;
    const struct store_observable *obs;
    struct analyze_corr_report *items; /* n, for the rule */
    struct report_meta *meta;          /* n, beside them */
    size_t n, cap;
};

static const struct store_collection *collection_of(const struct round *r, const char *id)
{
    for (size_t i = 0; id != NULL && i < r->n_colls; i++)
        if (strcmp(r->colls[i].id, id) == 0)
            return &r->colls[i];
    return NULL;
}

static int report_row(void *ctx, const struct store_observable_row *row)
{
    struct reports *rp = ctx;
    struct report_meta *m;

    /* The hub's own objects (the correlations collection) are no one's report. */
    if (row->source_org == NULL || row->source_org[0] == '\0' || row->collection_id == NULL ||
        strcmp(row->collection_id, rp->r->target->id) == 0)
        return 0;
    /* A range narrower than the key's (an address inside a CIDR key) is another observable:
     * a key correlates with itself and the ranges that hold it. */
    if (rp->obs->ranged && row->obs.ranged && row->obs.prefix > rp->obs->prefix)
        return 0;
    if (rp->n == rp->cap) {
        rp->cap = rp->cap ? rp->cap * 2 : 16;
        rp->items = rk_realloc(rp->items, rp->cap * sizeof(*rp->items));
        rp->meta = rk_realloc(rp->meta, rp->cap * sizeof(*rp->meta));
    }
    m = &rp->meta[rp->n];
    m->org = rk_strdup(row->source_org);
    m->sector = rk_strdup(row->source_sector != NULL ? row->source_sector : "");
    m->id = rk_strdup(row->id != NULL ? row->id : "");
    m->collection = rk_strdup(row->collection_id);
    /* Relationships and sightings are visible only with what they join: never counted. */
    m->joined = rk_starts_with(m->id, "relationship--") || rk_starts_with(m->id, "sighting--");
    /* The GREEN tier: readable by every member whoever posted it (docs/analysis.md). */
    m->green = !m->joined &&
               policy_readable_by_every_member(collection_of(rp->r, row->collection_id), row->tlp);
    rp->items[rp->n] = (struct analyze_corr_report){m->org, m->sector, row->date_added, m->green};
    rp->n++;
    return 0;
}

static void reports_clear(struct reports *rp)
{
    for (size_t i = 0; i < rp->n; i++) {
        free(rp->meta[i].org);
        free(rp->meta[i].sector);
        free(rp->meta[i].id);
        free(rp->meta[i].collection);
    }
    free(rp->meta);
    free(rp->items);
}

/* The writes of one batch's GREEN tier, made in one transaction (one sync) at its end. */
struct pending {
    json_t *objs;                /* SCOs and groupings */
    struct store_credit *credit; /* n_credit events, their org_id and object_id owned */
    size_t n_credit, cap;
};

static void pending_clear(struct pending *p)
{
    for (size_t i = 0; i < p->n_credit; i++) {
        free(p->credit[i].org_id);
        free(p->credit[i].object_id);
    }
    free(p->credit);
    json_decref(p->objs);
    memset(p, 0, sizeof(*p));
}

/*
 * The grouping of obs at tier for res and the SCO it refers to, with a credit event for each
 * organisation of the window (recorded once: policy_hub_write), into the pending batch p.
 */
static void pending_add(const struct round *r, struct pending *p,
                        const struct analyze_observable *obs, const char *tier,
                        const struct analyze_corr_result *res)
{
    json_t *grouping = analyze_corr_grouping(r->hub->identity_id, obs, tier, res, r->k);
    json_t *sco = analyze_observable_sco(obs);

    if (grouping == NULL || sco == NULL) {
        json_decref(grouping);
        json_decref(sco);
        return;
    }
    if (p->objs == NULL)
        p->objs = json_array();
    for (size_t i = 0; i < res->n_orgs; i++) {
        if (p->n_credit == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 64;
            p->credit = rk_realloc(p->credit, p->cap * sizeof(*p->credit));
        }
        p->credit[p->n_credit++] = (struct store_credit){
            .org_id = rk_strdup(res->orgs[i]),
            .kind = "correlation",
            .object_id = rk_strdup(json_string_value(json_object_get(grouping, "id"))),
            .points = POLICY_CREDIT_CORRELATION,
            .by_org = "",
            .by_sector = ""};
    }
    json_array_append_new(p->objs, sco);
    json_array_append_new(p->objs, grouping);
}

/* Writes what p holds at TLP tlp to recipients (NULL: none) and empties it. */
static int pending_write(const struct round *r, struct pending *p, int tlp, const char *recipients,
                         struct rk_err *err)
{
    size_t written = 0;
    int rc = 0;

    if (p->objs != NULL && json_array_size(p->objs) > 0) {
        rc = policy_hub_write(r->hub, r->target, p->objs, tlp, recipients, ROUTE, p->credit,
                              p->n_credit, &written, err);
        if (rc == 0 && written > 0)
            rk_log(RK_LOG_INFO, "correlate: %zu grouping and SCO versions written (%s)", written,
                   policy_tlp_name(tlp));
    }
    pending_clear(p);
    return rc;
}

/* Whether two results describe the same window with the same counts. */
static bool same_result(const struct analyze_corr_result *a, const struct analyze_corr_result *b)
{
    return a->correlates == b->correlates && a->n_orgs == b->n_orgs &&
           a->n_sectors == b->n_sectors && a->first_seen == b->first_seen &&
           a->last_seen == b->last_seen;
}

/*
 * The AMBER tier of obs: every report but relationships and sightings counts; when they
 * correlate and tell more than the GREEN tier does, the grouping goes, marked RED, to the
 * organisations that may read EVERY report of the window (the intersection of their
 * readers, each asked through the access check; disabled organisations and the coordinator
 * never among them). No such organisation: no grouping.
 */
static int amber_tier(const struct round *r, struct reports *rp,
                      const struct analyze_observable *obs, const struct analyze_corr_result *green,
                      struct rk_err *err)
{
    struct analyze_corr_result res = {0};
    struct store_org *orgs = NULL;
    struct rk_buf recipients = RK_BUF_INIT;
    size_t n_orgs = 0;
    bool *may = NULL, any = false;
    int rc;

    for (size_t i = 0; i < rp->n; i++)
        any = any || (!rp->meta[i].green && !rp->meta[i].joined);
    if (!any)
        return 0; /* nothing beyond the GREEN tier */
    for (size_t i = 0; i < rp->n; i++)
        rp->items[i].counted = !rp->meta[i].joined;
    rc = analyze_correlate(&r->params, rp->items, rp->n, &res, err);
    if (rc != 0 || !res.correlates || same_result(&res, green))
        goto out;
    size_t in_window = 0;
    for (size_t i = 0; i < rp->n; i++)
        in_window += rp->items[i].counted && rp->items[i].date_added >= res.first_seen &&
                     rp->items[i].date_added <= res.last_seen;
    if (in_window > AMBER_REPORTS_MAX) {
        rk_log(RK_LOG_WARN, "correlate: %s: %zu reports in the window, AMBER tier not written",
               obs->value, in_window);
        goto out;
    }
    rc = store_org_list(r->hub->store, &orgs, &n_orgs, err);
    if (rc != 0)
        goto out;
    may = rk_calloc(n_orgs + 1, sizeof(*may));
    for (size_t i = 0; i < n_orgs; i++)
        may[i] = true;
    for (size_t i = 0; i < rp->n && rc == 0; i++) {
        const struct analyze_corr_report *it = &rp->items[i];
        if (!it->counted || it->date_added < res.first_seen || it->date_added > res.last_seen)
            continue;
        rc = policy_version_readers(r->hub, rp->meta[i].id, rp->meta[i].collection, it->date_added,
                                    orgs, n_orgs, may, err);
    }
    if (rc != 0)
        goto out;
    for (size_t i = 0; i < n_orgs; i++) {
        if (!may[i])
            continue;
        if (recipients.len > 0)
            rk_buf_putc(&recipients, ',');
        rk_buf_puts(&recipients, orgs[i].id);
    }
    if (recipients.len > 0) {
        /* Its own write: recipients differ from key to key. */
        struct pending one = {0};
        pending_add(r, &one, obs, TIER_AMBER, &res);
        rc = pending_write(r, &one, POLICY_TLP_RED, recipients.data, err);
    }
out:
    free(may);
    store_orgs_free(orgs, n_orgs);
    rk_buf_free(&recipients);
    analyze_corr_result_free(&res);
    return rc;
}

/* Writes (or updates) the groupings of key when its reports correlate: the GREEN tier's into
 * green (written at the end of the batch), the AMBER tier's at once. */
static int evaluate(const struct round *r, const struct touched *t, struct pending *green_out,
                    struct rk_err *err)
{
    struct reports rp = {.r = r, .obs = &t->obs};
    struct analyze_corr_result green = {0};
    struct analyze_observable obs;
    rk_time_us window = (rk_time_us)r->params.window_days * US_PER_DAY;
    struct rk_err e2 = {0};
    int rc;

    rc = store_observable_reports(r->hub->store, &t->obs, t->first - window, report_row, &rp, err);
    if (rc != 0 || rp.n == 0)
        goto out;
    if (analyze_observable_from_key(t->key, &obs, &e2) != 0) {
        rk_log(RK_LOG_WARN, "correlate: key '%.80s' not understood: %s", t->key, e2.msg);
        goto out;
    }
    rc = analyze_correlate(&r->params, rp.items, rp.n, &green, err);
    if (rc == 0 && green.correlates)
        pending_add(r, green_out, &obs, TIER_GREEN, &green);
    if (rc == 0)
        rc = amber_tier(r, &rp, &obs, &green, err);
out:
    analyze_corr_result_free(&green);
    reports_clear(&rp);
    return rc;
}

/* The cursor: the seq of the last index row done (0: none). */
static int64_t cursor_load(struct store *s)
{
    char *v = NULL;
    struct rk_err e2 = {0};
    int64_t seq = 0;

    if (store_setting_get(s, ANALYZE_CORR_CURSOR, &v, &e2) == 0 && v != NULL)
        seq = strtoll(v, NULL, 10);
    free(v);
    return seq > 0 ? seq : 0;
}

static void correlate_round(void *arg, struct module_worker *w)
{
    struct round r = {.hub = arg};
    struct store_collection target = {0};
    struct policy_doc doc;
    struct rk_err err = {0};
    int64_t cursor;
    bool doc_loaded = false;

    if (policy_doc_load(r.hub->store, &doc, &err) != 0)
        goto fail;
    doc_loaded = true;
    r.params =
        (struct analyze_corr_params){doc.corr_min_orgs, doc.corr_min_sectors, doc.corr_window_days};
    r.k = doc.sector_k > 0 ? doc.sector_k : 5;
    if (analyze_correlations_collection(r.hub->store, &target, &err) != 0 ||
        store_collection_list(r.hub->store, &r.colls, &r.n_colls, &err) != 0)
        goto fail;
    r.target = &target;
    cursor = cursor_load(r.hub->store);
    while (!module_worker_stopping(w)) {
        struct batch b = {.last_seq = cursor};
        struct pending green = {0};
        char text[32];
        int rc = store_observable_since(r.hub->store, cursor, BATCH, batch_row, &b, &err);
        for (size_t i = 0; rc == 0 && i < b.n && !module_worker_stopping(w); i++)
            rc = evaluate(&r, &b.items[i], &green, &err);
        if (rc == 0 && !module_worker_stopping(w))
            rc = pending_write(&r, &green, POLICY_TLP_GREEN, NULL, &err);
        pending_clear(&green);
        /* The cursor moves only past a batch done in full: a failed or stopped one is done
         * again next round (writing an unchanged grouping again writes nothing). */
        bool done = rc == 0 && !module_worker_stopping(w) && b.last_seq > cursor;
        size_t rows = b.rows;
        if (done) {
            snprintf(text, sizeof(text), "%lld", (long long)b.last_seq);
            rc = store_setting_set(r.hub->store, ANALYZE_CORR_CURSOR, text, &err);
            if (rc == 0)
                cursor = b.last_seq;
        }
        batch_clear(&b);
        if (rc != 0)
            goto fail;
        if (!done || rows < BATCH)
            break;
    }
    goto out;
fail:
    rk_log(RK_LOG_ERROR, "correlate: %s", err.msg);
out:
    if (doc_loaded)
        policy_doc_clear(&doc);
    store_collections_free(r.colls, r.n_colls);
    store_collection_clear(&target);
}

/* ---- start and stop -------------------------------------------------------------------- */

int analyze_correlate_start(struct rk_hub *hub, struct rk_err *err)
{
    struct store_collection c = {0};
    const char *ms = getenv(ANALYZE_CORR_INTERVAL_ENV);
    int64_t interval_ms = ANALYZE_CORR_INTERVAL_MS;
    int rc;

    /* Created before the first request, so that members see it at once. */
    rc = analyze_correlations_collection(hub->store, &c, err);
    if (rc != 0)
        return rc;
    store_collection_clear(&c);
    if (ms != NULL && ms[0] != '\0') {
        char *end;
        long long v = strtoll(ms, &end, 10);
        if (*end != '\0' || v < 1 || v > 86400000)
            return rk_err_set(err, RK_E_INVALID, "%s: expected milliseconds from 1 to 86400000",
                              ANALYZE_CORR_INTERVAL_ENV);
        interval_ms = v;
    }
    return module_worker_start("correlate", correlate_round, hub, interval_ms * 1000, &corr_worker,
                               err);
}

void analyze_correlate_stop(void)
{
    module_worker_stop(corr_worker);
    corr_worker = NULL;
}
