/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index_read.c: policy_index_scan, the one hub-internal read of object data: every stored
 * version of some types added after a cursor, in every collection, for indexes the hub keeps
 * in memory (similar incidents) that must hold every object whatever its marking, so that a
 * RED recipient finds what was sent to it. No requester, no access check, no audit: nothing
 * it reads leaves the process. What is derived from its rows reaches a requester only
 * through policy_hub_query / policy_query for that requester (access.h says so too).
 */
#include "policy/policy_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Rows per store query; a collection is read in pages of this many. */
#define SCAN_PAGE 500

/* One collection's walk: rows after `after` up to `upto` reach fn. */
struct coll_scan {
    policy_index_fn fn;
    void *fn_ctx;
    rk_time_us upto; /* INT64_MAX: no bound */
    rk_time_us met;  /* the latest date_added met, or -1 */
    bool stopped;    /* a row past upto was met */
};

static int scan_row(void *ctx, const struct store_row *row)
{
    struct coll_scan *cs = ctx;

    if (row->date_added > cs->met)
        cs->met = row->date_added;
    if (row->date_added > cs->upto) {
        cs->stopped = true;
        return 1;
    }
    return cs->fn(cs->fn_ctx, row);
}

/* Passes collection c's rows with after < date_added <= upto to fn, page by page. *met gets
 * the latest date_added met (or -1). */
static int scan_collection(struct rk_hub *hub, const struct store_collection *c,
                           const char *const *types, size_t n_types, rk_time_us after,
                           rk_time_us upto, policy_index_fn fn, void *fn_ctx, rk_time_us *met,
                           struct rk_err *err)
{
    struct coll_scan cs = {fn, fn_ctx, upto, -1, false};
    struct store_query q;
    struct store_page page;
    int rc;

    memset(&q, 0, sizeof(q));
    q.collection_id = c->id;
    q.limit = SCAN_PAGE;
    q.types = types;
    q.n_types = n_types;
    q.version_sel = STORE_VERSION_ALL;
    q.with_json = true;
    for (q.added_after = after;;) {
        rc = store_query(hub->store, &q, NULL, NULL, scan_row, &cs, &page, err);
        if (rc < 0)
            return rc;
        if (rc > 0 || cs.stopped || !page.more || page.count == 0)
            break;
        q.added_after = page.last_added;
    }
    *met = cs.met;
    return rc < 0 ? rc : 0;
}

int policy_index_scan(struct rk_hub *hub, const char *const *types, size_t n_types,
                      rk_time_us after, policy_index_fn fn, void *fn_ctx, rk_time_us *next,
                      struct rk_err *err)
{
    struct store_collection *colls = NULL;
    rk_time_us *complete = NULL, met_any = after, met;
    size_t n = 0;
    int rc;

    *next = after;
    rc = store_collection_list(hub->store, &colls, &n, err);
    if (rc < 0)
        return rc;
    complete = rk_malloc((n > 0 ? n : 1) * sizeof(*complete));
    /*
     * Each collection is read in its own snapshot, so a row committed to a collection already
     * read, while a later one is read, could be missed; as in policy_hub_query (hub_read.c),
     * the second pass closes it: once a read met date M, every row up to M is committed, so
     * reading each collection again from where its first read was complete up to M leaves
     * nothing out up to M, which becomes the cursor.
     */
    for (size_t c = 0; c < n; c++) {
        rk_time_us horizon = met_any;
        rc = scan_collection(hub, &colls[c], types, n_types, after, INT64_MAX, fn, fn_ctx, &met,
                             err);
        if (rc < 0)
            goto out;
        complete[c] = horizon > met ? horizon : met;
        if (met > met_any)
            met_any = met;
    }
    for (size_t c = 0; c < n; c++) {
        if (complete[c] >= met_any)
            continue;
        rc = scan_collection(hub, &colls[c], types, n_types, complete[c], met_any, fn, fn_ctx, &met,
                             err);
        if (rc < 0)
            goto out;
    }
    *next = met_any;
out:
    free(complete);
    store_collections_free(colls, n);
    return rc;
}
