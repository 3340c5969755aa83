/* SPDX-License-Identifier: Apache-2.0 */
/*
 * search.c: GET /api/v1/search?q=VALUE[,VALUE...], "has anyone else seen this?". For each
 * observable of q (analyze_query_parse: any type, defanged or not, at most 100): its type and
 * normalised value, how many organisations and sectors reported it under the k rule
 * (policy_tally_json), when the hub first and last received a mention of it, and the objects
 * that mention it, most recent first, paged. Everything comes from policy_hub_query with the
 * observable filter, so the counts and the list hold only object versions the requester may
 * see, and the reads are audited as any other. Never a reporter's name or identity.
 */
#include "analyze/analyze.h"
#include "analyze/analyze_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module/module.h"
#include "policy/access.h"
#include "policy/ledger.h"
#include "policy/scope.h"
#include "stix/stix.h"

#define SEARCH_LIMIT_DEFAULT 50
#define SEARCH_LIMIT_MAX     1000
/* Object versions read per observable for its counts, oldest first; past it the answer says
 * "truncated" and the counts and dates are those of the versions read. */
#define SEARCH_WALK_MAX 200000
/* The newest versions kept for the list of objects: paging reaches that deep. */
#define SEARCH_KEEP_MAX 10000

/* One object version that mentions the observable. */
struct hit {
    char id[STIX_ID_MAX + 1];
    char type[STIX_TYPE_MAX + 1];
    char collection[RK_UUID_LEN];
    rk_time_us date_added;
};

/* What the walk over one observable's versions found. */
struct scan {
    struct hit *hits; /* a ring of the newest SEARCH_KEEP_MAX: hits[walked % SEARCH_KEEP_MAX] */
    size_t walked;    /* versions read */
    struct policy_tally tally;
    rk_time_us first, last; /* date_added of the first and last mention; -1: none */
};

static int scan_row(void *ctx, const struct store_row *row)
{
    struct scan *sc = ctx;
    struct hit *h;

    if (sc->hits == NULL)
        sc->hits = rk_malloc(SEARCH_KEEP_MAX * sizeof(*sc->hits));
    h = &sc->hits[sc->walked++ % SEARCH_KEEP_MAX];
    snprintf(h->id, sizeof(h->id), "%s", row->id);
    snprintf(h->type, sizeof(h->type), "%s", row->type);
    snprintf(h->collection, sizeof(h->collection), "%s", row->collection_id);
    h->date_added = row->date_added;
    policy_tally_add(&sc->tally, row->access.source_org, row->access.source_sector);
    if (sc->first < 0 || row->date_added < sc->first)
        sc->first = row->date_added;
    if (row->date_added > sc->last)
        sc->last = row->date_added;
    return 0;
}

static void scan_free(struct scan *sc)
{
    free(sc->hits);
    policy_tally_clear(&sc->tally);
}

/* Reads the versions who may see that mention key, oldest first, until SEARCH_WALK_MAX are
 * read (then *truncated: the newest ones are left out). */
static int scan_key(struct rk_hub *hub, const struct policy_principal *who, const char *key,
                    struct scan *sc, bool *truncated, struct rk_err *err)
{
    const char *keys[1] = {key};
    struct policy_hub_query q;
    struct policy_hub_page page;
    int rc;

    memset(&q, 0, sizeof(q));
    q.added_after = -1;
    q.after = -1;
    q.limit = POLICY_HUB_QUERY_MAX;
    q.version_sel = STORE_VERSION_ALL;
    q.with_json = false;
    q.observables = keys;
    q.n_observables = 1;
    *truncated = false;
    for (;;) {
        rc = policy_hub_query(hub, who, "analyze-search", &q, scan_row, sc, &page, err);
        if (rc != 0)
            return rc;
        if (!page.more || page.count == 0)
            return 0;
        if (sc->walked >= SEARCH_WALK_MAX) {
            *truncated = true;
            return 0;
        }
        q.after = page.next;
    }
}

static int hit_newest_first(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    return (x->date_added < y->date_added) - (x->date_added > y->date_added);
}

static json_t *time_or_null(rk_time_us t)
{
    char s[RK_TIME_LEN];
    if (t < 0)
        return json_null();
    rk_time_format(t, s);
    return json_string(s);
}

/* The result of one observable: counts, dates and one page of the objects before before. */
static int one_result(struct rk_hub *hub, const struct policy_principal *who,
                      const struct analyze_observable *obs, size_t limit, rk_time_us before,
                      int sector_k, json_t **out, struct rk_err *err)
{
    struct rk_buf key = RK_BUF_INIT;
    struct rk_strset seen;
    struct scan sc;
    bool truncated = false;
    json_t *counts = NULL, *objects, *r;
    rk_time_us next = -1;
    bool more = false;
    int rc;

    memset(&sc, 0, sizeof(sc));
    memset(&seen, 0, sizeof(seen));
    sc.first = sc.last = -1;
    analyze_observable_key(obs, &key);
    rc = scan_key(hub, who, key.data, &sc, &truncated, err);
    if (rc == 0)
        rc = policy_tally_json(hub, &sc.tally, sector_k, &counts, err);
    rk_buf_free(&key);
    if (rc != 0) {
        scan_free(&sc);
        return rc;
    }
    /* One entry per object and collection: its latest version that mentions the value. */
    size_t kept = sc.walked < SEARCH_KEEP_MAX ? sc.walked : SEARCH_KEEP_MAX;
    if (kept > 0)
        qsort(sc.hits, kept, sizeof(*sc.hits), hit_newest_first);
    objects = json_array();
    for (size_t i = 0; i < kept; i++) {
        const struct hit *h = &sc.hits[i];
        char pair[STIX_ID_MAX + RK_UUID_LEN + 2];
        int len = snprintf(pair, sizeof(pair), "%s %s", h->id, h->collection);
        if (!rk_strset_add(&seen, pair, (size_t)len))
            continue;
        if (before >= 0 && h->date_added >= before)
            continue;
        if (json_array_size(objects) == limit) {
            more = true;
            break;
        }
        json_array_append_new(objects, json_pack("{s:s, s:s, s:s, s:o}", "id", h->id, "type",
                                                 h->type, "collection", h->collection, "date_added",
                                                 time_or_null(h->date_added)));
        next = h->date_added;
    }
    rk_strset_free(&seen);
    r = json_pack("{s:s, s:s, s:O, s:O, s:O, s:o, s:o, s:o, s:b, s:o, s:b}", "type",
                  analyze_obs_type_name(obs->type), "value", obs->value, "organisations",
                  json_object_get(counts, "organisations"), "sectors",
                  json_object_get(counts, "sectors"), "sector_names",
                  json_object_get(counts, "sector_names"), "first_seen", time_or_null(sc.first),
                  "last_seen", time_or_null(sc.last), "objects", objects, "more", more, "next",
                  more ? time_or_null(next) : json_null(), "truncated", truncated);
    json_decref(counts);
    scan_free(&sc);
    *out = r;
    return 0;
}

/* Reads the optional limit and before parameters; answers 400 and returns 1 when bad. */
static int paging(const struct http_request *req, struct http_response *resp, size_t *limit,
                  rk_time_us *before)
{
    const char *l = module_param(req, "limit"), *b = module_param(req, "before");
    char msg[160];

    *limit = SEARCH_LIMIT_DEFAULT;
    *before = -1;
    if (l != NULL) {
        char *end = NULL;
        long v = strtol(l, &end, 10);
        if (end == l || *end != '\0' || v < 1 || v > SEARCH_LIMIT_MAX) {
            snprintf(msg, sizeof(msg), "limit must be an integer from 1 to %d", SEARCH_LIMIT_MAX);
            http_json_error(resp, 400, msg);
            return 1;
        }
        *limit = (size_t)v;
    }
    if (b != NULL && rk_time_parse(b, before) != 0) {
        http_json_error(resp, 400, "before must be an RFC 3339 timestamp (a previous next)");
        return 1;
    }
    return 0;
}

int analyze_search(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    const char *q = module_param(req, "q");
    struct analyze_query query;
    struct rk_err e2;
    json_t *results;
    size_t limit;
    rk_time_us before;
    char msg[600];

    (void)err;
    if (module_need_member(req, resp))
        return 0;
    if (q == NULL || q[0] == '\0') {
        http_json_error(resp, 400,
                        "q is required: one or more comma-separated values (IP, CIDR, domain, "
                        "URL, e-mail address, hash or AS number)");
        return 0;
    }
    if (paging(req, resp, &limit, &before))
        return 0;
    rk_err_clear(&e2);
    if (analyze_query_parse(q, strlen(q), &query, &e2) != 0) {
        snprintf(msg, sizeof(msg), "q: %s", e2.msg);
        http_json_error(resp, 400, msg);
        return 0;
    }
    /* k of the policy, read once for every value asked */
    struct policy_doc doc;
    int sector_k = 0, rc = policy_doc_load(hub->store, &doc, &e2);
    if (rc == 0) {
        sector_k = doc.sector_k > 0 ? doc.sector_k : 5;
        policy_doc_clear(&doc);
    }
    results = json_array();
    for (size_t i = 0; rc == 0 && i < query.n; i++) {
        json_t *r = NULL;
        rc = one_result(hub, req->principal, &query.items[i], limit, before, sector_k, &r, &e2);
        if (rc == 0)
            json_array_append_new(results, r);
    }
    analyze_query_free(&query);
    if (rc != 0) {
        int status = rk_http_status(rc);
        json_decref(results);
        if (status >= 500) /* the detail stays in the server log */
            rk_log(RK_LOG_ERROR, "search: %s", e2.msg);
        http_json_error(resp, status, status < 500 ? e2.msg : NULL);
        return 0;
    }
    http_reply_json(resp, 200, json_pack("{s:o}", "results", results));
    return 0;
}
