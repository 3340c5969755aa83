/* SPDX-License-Identifier: Apache-2.0 */
/*
 * similar_service.c: "similar past incidents" in the running hub. One index of every stored
 * incident and report (RED ones too, so that a RED recipient finds them), built by a
 * background worker from the hub-internal scan (policy_index_scan) and kept up to date by it,
 * and the two routes that query it: POST /api/v1/similar (an envelope or bundle, nothing
 * stored) and GET /api/v1/similar/{id} (a stored one the requester may see). Every match is
 * filtered through policy_hub_query for the requester before it is answered: the index knows
 * everything, an answer only what the requester may see. docs/analysis.md, "Similar past
 * incidents"; the answer's shape is in docs/api.md.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "module/module.h"
#include "policy/access.h"
#include "policy/auth.h"
#include "policy/hub.h"
#include "policy/scope.h"

#define LIMIT_DEFAULT 10
#define LIMIT_MAX     100
/* Candidates asked of the index per wanted match, at first; then four times more each round
 * while the access filter leaves too few, up to CANDIDATES_MAX. */
#define CANDIDATES_FACTOR 4
#define CANDIDATES_MAX    (16 * POLICY_HUB_QUERY_MAX)
/* The group of what every member may read (collection ids and source orgs are UUIDs: no
 * other group is this). */
#define COMMON_GROUP "*"
/* Rounds of the worker: how soon a stored incident can be found. */
#define WORKER_INTERVAL_US 300000

/* The types whose objects describe incidents and reports (features.c), scanned. */
static const char *const scan_types[] = {
    "incident",
    "report",
    "relationship",
    "sighting",
    "grouping",
    "observed-data",
    "attack-pattern",
    "malware",
    "tool",
    "vulnerability",
    "identity",
    "software",
    "indicator",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "email-addr",
    "file",
    "artifact",
    "x509-certificate",
    "autonomous-system",
};

/* The service: one per process (one process serves one hub). */
static struct {
    pthread_mutex_t mu;            /* guards index (queries write its weights and stamps) */
    struct analyze_similar *index; /* every incident and report, by STIX id */
    /* The worker's own (no lock): */
    struct analyze_fgraph *graph; /* every describing object, grouped by collection+source */
    json_t *root_group;           /* STIX id of a root -> the group of its latest version */
    json_t *open_colls;           /* ids of the collections every member reads (this round) */
    json_t *group_names;          /* "<collection>/<source org>" -> its short group name */
    rk_time_us cursor;            /* every row added up to it is in the graph */
    struct rk_hub *hub;
    struct module_worker *worker;
} svc = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* ---- keeping the index up to date (the worker) ------------------------------------------- */

/*
 * An object describes an incident only if whoever may see the incident may see the object:
 * the same collection and source (the group), a TLP no stricter, and no narrower audience:
 * its scope empty or the incident's, and its recipients the incident's, or empty when its
 * TLP is below AMBER+STRICT (from AMBER+STRICT up, recipients are the whole audience besides
 * the source, so none means fewer readers, not more). The access text is
 * "rank|scope|recipients".
 */
static int tlp_rank(int tlp)
{
    return tlp == POLICY_TLP_NONE ? POLICY_TLP_RED + 1 : tlp;
}

static bool may_describe(void *ctx, const char *root_access, const char *node_access)
{
    const char *rb = strchr(root_access, '|'), *nb = strchr(node_access, '|');

    (void)ctx;
    if (rb == NULL || nb == NULL || atoi(node_access) > atoi(root_access))
        return false;
    rb++, nb++;
    const char *rs = strchr(rb, '|'), *ns = strchr(nb, '|');
    if (rs == NULL || ns == NULL)
        return false;
    size_t rlen = (size_t)(rs - rb), nlen = (size_t)(ns - nb);
    if (nlen > 0 && (nlen != rlen || memcmp(nb, rb, nlen) != 0))
        return false; /* a scope of its own, not the incident's */
    if (strcmp(ns + 1, rs + 1) == 0)
        return true;
    return ns[1] == '\0' && atoi(node_access) < POLICY_TLP_AMBER_STRICT;
}

static int scan_row(void *ctx, const struct store_row *row)
{
    struct rk_buf group = RK_BUF_INIT, access = RK_BUF_INIT;
    struct rk_err err = {0};
    json_t *obj;

    (void)ctx;
    obj = row->json != NULL ? json_loadb(row->json, row->json_len, 0, NULL) : NULL;
    if (obj == NULL)
        return 0; /* stored JSON is canonical: never happens */
    /* the group: collection and source, by a short name (the graph repeats it in every key) */
    rk_buf_printf(&group, "%s/%s", row->collection_id, row->access.source_org);
    json_t *name = json_object_get(svc.group_names, group.data);
    if (name == NULL) {
        char short_name[24];
        snprintf(short_name, sizeof short_name, "%zu", json_object_size(svc.group_names));
        json_object_set_new(svc.group_names, group.data, name = json_string(short_name));
    }
    rk_buf_reset(&group);
    rk_buf_puts(&group, json_string_value(name));
    rk_buf_printf(&access, "%d|%s|%s", tlp_rank(row->access.tlp), row->access.scope,
                  row->access.recipients);
    if (analyze_fgraph_put(svc.graph, obj, group.data, access.data, &err) == 0 &&
        analyze_fgraph_is_root_type(row->type))
        json_object_set_new(svc.root_group, row->id, json_string(group.data));
    /* what every member may read (CLEAR or GREEN, no narrower audience, in a collection all
     * members read) may describe anyone's incident: the common group */
    if (tlp_rank(row->access.tlp) <= POLICY_TLP_GREEN && row->access.scope[0] == '\0' &&
        row->access.recipients[0] == '\0' &&
        json_object_get(svc.open_colls, row->collection_id) != NULL &&
        !analyze_fgraph_is_root_type(row->type))
        (void)analyze_fgraph_put(svc.graph, obj, COMMON_GROUP, "0||", &err);
    json_decref(obj);
    rk_buf_free(&group);
    rk_buf_free(&access);
    return 0;
}

/* Re-indexes one root whose features may have changed (from its latest group only). */
static void reindex(void *ctx, const char *group, const char *id)
{
    const char *latest = json_string_value(json_object_get(svc.root_group, id));
    json_t *feats = json_array();
    struct rk_err err = {0};

    (void)ctx;
    if (latest == NULL || strcmp(latest, group) != 0 ||
        analyze_fgraph_features(svc.graph, group, id, may_describe, NULL, feats) < 0) {
        json_decref(feats);
        return;
    }
    size_t n = json_array_size(feats);
    const char **keys = rk_malloc((n ? n : 1) * sizeof *keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = json_string_value(json_array_get(feats, i));
    pthread_mutex_lock(&svc.mu);
    (void)analyze_similar_remove(svc.index, id, &err); /* not there yet: RK_E_NOTFOUND */
    if (analyze_similar_add(svc.index, id, keys, n, &err) != 0)
        rk_log(RK_LOG_WARN, "similar: %s not indexed: %s", id, err.msg);
    pthread_mutex_unlock(&svc.mu);
    free(keys);
    json_decref(feats);
}

static void worker_round(void *arg, struct module_worker *w)
{
    struct rk_err err = {0};
    rk_time_us next;

    (void)arg, (void)w;
    struct store_collection *colls = NULL;
    size_t nc = 0;
    if (store_collection_list(svc.hub->store, &colls, &nc, &err) < 0) {
        rk_log(RK_LOG_WARN, "similar: cannot list collections (next round retries): %s", err.msg);
        return;
    }
    json_object_clear(svc.open_colls);
    for (size_t i = 0; i < nc; i++)
        if (strcmp(colls[i].read_spec, "all") == 0 || strcmp(colls[i].read_spec, "public") == 0)
            json_object_set_new(svc.open_colls, colls[i].id, json_true());
    store_collections_free(colls, nc);
    if (policy_index_scan(svc.hub, scan_types, sizeof scan_types / sizeof scan_types[0], svc.cursor,
                          scan_row, NULL, &next, &err) < 0) {
        rk_log(RK_LOG_WARN, "similar: scan failed (next round retries): %s", err.msg);
        return;
    }
    svc.cursor = next;
    analyze_fgraph_take_dirty(svc.graph, reindex, NULL);
}

int analyze_similar_start(struct rk_hub *hub, struct rk_err *err)
{
    svc.hub = hub;
    svc.index = analyze_similar_new();
    svc.graph = analyze_fgraph_new();
    svc.root_group = json_object();
    svc.open_colls = json_object();
    svc.group_names = json_object();
    analyze_fgraph_set_common(svc.graph, COMMON_GROUP);
    svc.cursor = -1;
    return module_worker_start("similar", worker_round, NULL, WORKER_INTERVAL_US, &svc.worker, err);
}

void analyze_similar_stop(void)
{
    module_worker_stop(svc.worker);
    svc.worker = NULL;
    analyze_similar_free(svc.index);
    analyze_fgraph_free(svc.graph);
    json_decref(svc.root_group);
    json_decref(svc.open_colls);
    json_decref(svc.group_names);
    svc.group_names = NULL;
    svc.open_colls = NULL;
    svc.index = NULL;
    svc.graph = NULL;
    svc.root_group = NULL;
}

/* ---- answering ---------------------------------------------------------------------------- */

/* One candidate copied out of the index (its strings are the index's, hence the copies). */
struct candidate {
    char *id;
    double score;
    json_t *shared; /* array of keys */
    bool visible;
};

struct candidates {
    struct candidate *items;
    size_t n;
    bool exhausted; /* the index has no more than these */
};

static void candidates_free(struct candidates *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].id);
        json_decref(c->items[i].shared);
    }
    free(c->items);
    c->items = NULL;
    c->n = 0;
}

/* The best k candidates for keys, without self (NULL: none), copied out under the lock. */
static int ask_index(const char *const *keys, size_t n, size_t k, const char *self,
                     struct candidates *out, struct rk_err *err)
{
    struct analyze_similar_result r;
    int rc;

    pthread_mutex_lock(&svc.mu);
    rc = analyze_similar_query(svc.index, keys, n, k + (self != NULL), &r, err);
    if (rc == 0) {
        out->items = rk_calloc(r.n ? r.n : 1, sizeof *out->items);
        out->exhausted = r.n < k + (self != NULL);
        for (size_t i = 0; i < r.n; i++) {
            if (self != NULL && strcmp(r.items[i].id, self) == 0)
                continue;
            struct candidate *c = &out->items[out->n++];
            c->id = rk_strdup(r.items[i].id);
            c->score = r.items[i].score;
            c->shared = json_array();
            for (size_t j = 0; j < r.items[i].n_shared; j++)
                json_array_append_new(c->shared, json_string(r.items[i].shared[j]));
        }
        analyze_similar_result_free(&r);
    }
    pthread_mutex_unlock(&svc.mu);
    return rc;
}

/* Row callback of the access filter: marks the candidate (or, with a single id, notes it). */
struct visible_run {
    struct candidates *c;
    json_t *where; /* candidate id -> its index in c (NULL without candidates) */
    bool seen;     /* any row */
};

static int mark_visible(void *ctx, const struct store_row *row)
{
    struct visible_run *vr = ctx;
    json_t *at = vr->where != NULL ? json_object_get(vr->where, row->id) : NULL;

    vr->seen = true;
    if (at != NULL)
        vr->c->items[json_integer_value(at)].visible = true;
    return 0;
}

/* Which of ids (n) who may see: the same check as a TAXII GET, audited as one. */
static int filter_ids(const struct policy_principal *who, const char *const *ids, size_t n,
                      struct visible_run *vr, struct rk_err *err)
{
    for (size_t off = 0; off < n; off += POLICY_HUB_QUERY_MAX) {
        struct policy_hub_query q = {.added_after = -1, .after = -1};
        struct policy_hub_page page;
        q.ids = ids + off;
        q.n_ids = n - off < POLICY_HUB_QUERY_MAX ? n - off : POLICY_HUB_QUERY_MAX;
        q.limit = POLICY_HUB_QUERY_MAX;
        q.version_sel = STORE_VERSION_LAST;
        q.with_json = false;
        do {
            int rc = policy_hub_query(svc.hub, who, "similar", &q, mark_visible, vr, &page, err);
            if (rc < 0)
                return rc;
            q.after = page.next;
        } while (page.more);
    }
    return 0;
}

/* Writes the matches: the best `limit` candidates who may see, asking the index for more while
 * the filter leaves too few. */
static int find_matches(const struct policy_principal *who, const char *const *keys, size_t n,
                        const char *self, size_t limit, json_t *matches, struct rk_err *err)
{
    size_t ask = limit * CANDIDATES_FACTOR;
    struct candidates c = {0};
    int rc;

    for (;;) {
        rc = ask_index(keys, n, ask, self, &c, err);
        if (rc < 0)
            return rc;
        const char **ids = rk_malloc((c.n ? c.n : 1) * sizeof *ids);
        struct visible_run vr = {&c, json_object(), false};
        for (size_t i = 0; i < c.n; i++) {
            ids[i] = c.items[i].id;
            json_object_set_new(vr.where, ids[i], json_integer((json_int_t)i));
        }
        rc = c.n > 0 ? filter_ids(who, ids, c.n, &vr, err) : 0;
        json_decref(vr.where);
        free(ids);
        if (rc < 0)
            break;
        size_t visible = 0;
        for (size_t i = 0; i < c.n; i++)
            visible += c.items[i].visible;
        if (visible >= limit || c.exhausted || ask >= CANDIDATES_MAX)
            break;
        candidates_free(&c);
        ask = ask * CANDIDATES_FACTOR < CANDIDATES_MAX ? ask * CANDIDATES_FACTOR : CANDIDATES_MAX;
    }
    for (size_t i = 0; rc == 0 && i < c.n && json_array_size(matches) < limit; i++) {
        struct candidate *m = &c.items[i];
        if (!m->visible)
            continue;
        size_t ns = json_array_size(m->shared);
        const char **shared = rk_malloc((ns ? ns : 1) * sizeof *shared);
        json_t *by_kind = json_object(), *v;
        for (size_t j = 0; j < ns; j++) {
            shared[j] = json_string_value(json_array_get(m->shared, j));
            const char *colon = strchr(shared[j], ':');
            char kind[32];
            snprintf(kind, sizeof kind, "%.*s", (int)(colon - shared[j]), shared[j]);
            v = json_object_get(by_kind, kind);
            if (v == NULL)
                json_object_set_new(by_kind, kind, v = json_array());
            json_array_append_new(v, json_string(colon + 1));
        }
        struct rk_buf why = RK_BUF_INIT;
        analyze_similar_reason(shared, ns, &why);
        const char *dash = strstr(m->id, "--");
        json_array_append_new(
            matches, json_pack("{s:s,s:s%,s:f,s:[s],s:o}", "id", m->id, "type", m->id,
                               dash != NULL ? (size_t)(dash - m->id) : strlen(m->id), "score",
                               (double)(long long)(m->score * 10000 + 0.5) / 10000, "reasons",
                               why.data, "shared", by_kind));
        rk_buf_free(&why);
        free(shared);
    }
    candidates_free(&c);
    return rc;
}

/* ---- the routes ----------------------------------------------------------------------------- */

/* Members only: 0, or the refusal answered and 1. */
static int need_member(const struct http_request *req, struct http_response *resp)
{
    const struct policy_principal *who = req->principal;

    if (who == NULL || !who->authenticated) {
        http_json_error(resp, 401, "authentication required (Bearer token or Basic password)");
        return 1;
    }
    if (!policy_is_member(who)) {
        http_json_error(resp, 403, "this route is for member organisations");
        return 1;
    }
    return 0;
}

/* ?limit=: 1..LIMIT_MAX, LIMIT_DEFAULT when absent. 0, or 400 answered and 1. */
static int limit_param(const struct http_request *req, struct http_response *resp, size_t *limit)
{
    *limit = LIMIT_DEFAULT;
    for (size_t i = 0; i < req->n_params; i++) {
        if (strcmp(req->params[i].key, "limit") != 0)
            continue;
        char *end;
        long v = strtol(req->params[i].value, &end, 10);
        if (*req->params[i].value == '\0' || *end != '\0' || v < 1 || v > LIMIT_MAX) {
            http_json_error(resp, 400, "limit must be an integer from 1 to 100");
            return 1;
        }
        *limit = (size_t)v;
    }
    return 0;
}

/* Answers {"matches": [...]} for keys. */
static int answer(struct http_request *req, struct http_response *resp, const char *const *keys,
                  size_t n, const char *self, size_t limit, struct rk_err *err)
{
    json_t *matches = json_array();
    int rc = find_matches(req->principal, keys, n, self, limit, matches, err);

    if (rc < 0) {
        json_decref(matches);
        return rc;
    }
    http_reply_json(resp, 200, json_pack("{s:o}", "matches", matches));
    return 0;
}

int analyze_similar_post(void *ctx, struct http_request *req, struct http_response *resp,
                         struct rk_err *err)
{
    size_t limit, i;
    json_error_t je;
    json_t *body, *objs, *o, *feats;
    const char *root = NULL;
    int rc;

    (void)ctx;
    if (need_member(req, resp) || limit_param(req, resp, &limit))
        return 0;
    body = req->body != NULL ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je)
                             : NULL;
    objs = json_object_get(body, "objects");
    if (!json_is_array(objs)) {
        json_decref(body);
        http_json_error(resp, 400,
                        "the body must be a TAXII envelope or a STIX bundle: {\"objects\":[...]}");
        return 0;
    }
    struct analyze_fgraph *g = analyze_fgraph_new();
    json_array_foreach(objs, i, o)
    {
        const char *type = json_string_value(json_object_get(o, "type"));
        if (!json_is_object(o) || analyze_fgraph_put(g, o, "", NULL, err) != 0)
            continue; /* what cannot describe anything is ignored */
        if (root == NULL && analyze_fgraph_is_root_type(type))
            root = json_string_value(json_object_get(o, "id"));
    }
    if (root == NULL) {
        analyze_fgraph_free(g);
        json_decref(body);
        http_json_error(resp, 400, "no incident or report among the objects");
        return 0;
    }
    feats = json_array();
    analyze_fgraph_features(g, "", root, NULL, NULL, feats);
    size_t n = json_array_size(feats);
    const char **keys = rk_malloc((n ? n : 1) * sizeof *keys);
    for (i = 0; i < n; i++)
        keys[i] = json_string_value(json_array_get(feats, i));
    rc = answer(req, resp, keys, n, NULL, limit, err);
    free(keys);
    json_decref(feats);
    analyze_fgraph_free(g);
    json_decref(body);
    return rc;
}

int analyze_similar_get(void *ctx, struct http_request *req, struct http_response *resp,
                        struct rk_err *err)
{
    const char *id = req->captures[0];
    size_t limit, n = 0;
    const char **keys = NULL;
    int rc;

    (void)ctx;
    if (need_member(req, resp) || limit_param(req, resp, &limit))
        return 0;
    /* The same 404 for an id that does not exist, is no incident or report, is not indexed
     * yet, or that the requester may not see: no oracle. */
    bool root =
        id != NULL && (strncmp(id, "incident--", 10) == 0 || strncmp(id, "report--", 8) == 0);
    struct visible_run vr = {NULL, NULL, false};
    if (root) {
        const char *ids[] = {id};
        rc = filter_ids(req->principal, ids, 1, &vr, err);
        if (rc < 0)
            return rc;
    }
    if (vr.seen) {
        pthread_mutex_lock(&svc.mu);
        const char **idx_keys;
        if (analyze_similar_features(svc.index, id, &idx_keys, &n) == 0) {
            keys = rk_malloc((n ? n : 1) * sizeof *keys);
            for (size_t i = 0; i < n; i++)
                keys[i] = rk_strdup(idx_keys[i]);
            free(idx_keys);
        }
        pthread_mutex_unlock(&svc.mu);
    }
    if (keys == NULL) {
        http_json_error(resp, 404, "no such incident or report");
        return 0;
    }
    rc = answer(req, resp, keys, n, id, limit, err);
    for (size_t i = 0; i < n; i++)
        free((char *)keys[i]);
    free(keys);
    return rc;
}
