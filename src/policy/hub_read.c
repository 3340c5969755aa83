/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hub_read.c: the hub-wide read, policy_hub_query. One page of the object versions a
 * requester may see across every collection it may read, merged in date_added order, each
 * collection read through the same access check and version selection as policy_query, and
 * audited as policy_query audits before any row is handed over. The observable filter's keys
 * are read by hub_observables.c.
 */
#include "policy/policy_int.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One row kept for the page: a copy of a store_row whose strings live in one block. */
struct kept {
    struct store_row row;
    char *block; /* every string of row, freed at once */
};

/* The page being built: at most limit rows, ascending date_added. */
struct page_build {
    struct kept *rows;
    size_t n;
    size_t limit;
};

/* What the row callback of one collection's query fills. */
struct coll_run {
    struct kept *rows; /* this collection's rows, ascending date_added */
    size_t n, cap;
    rk_time_us cutoff; /* rows added later cannot enter the page (INT64_MAX: any may) */
    bool stopped;      /* a visible row after cutoff was met: the walk stopped there */
    rk_time_us met;    /* the latest date_added the walk met (kept or not), or -1 */
};

/* What the first pass knows of one collection it read, for the second. */
struct coll_read {
    size_t c;            /* index in ax->colls */
    bool exhausted;      /* its walk ended with its rows: no row left after the last met */
    rk_time_us complete; /* every row it will ever hold up to here has been read */
};

/* One page being read: the query as the store takes it, and what is known so far. */
struct hub_run {
    struct policy_access_ctx *ax;
    const struct policy_hub_query *q;
    struct store_observable *obs; /* q's observables as the store matches them, or NULL */
    rk_time_us from;              /* max(added_after, after) */
    struct page_build pb;
    struct coll_run cr;
    bool more;
};

static void kept_free(struct kept *k)
{
    free(k->block);
    k->block = NULL;
}

/* Appends s (NULL as "") to the block at *at and returns where it went. */
static const char *put_str(char **at, const char *s, size_t len)
{
    char *p = *at;

    if (len > 0)
        memcpy(p, s, len);
    p[len] = '\0';
    *at = p + len + 1;
    return p;
}

#define SLEN(s) ((s) != NULL ? strlen(s) : 0)

/* Copies row into k, every string into one allocation. */
static void kept_copy(struct kept *k, const struct store_row *row)
{
    const struct store_access *a = &row->access;
    size_t l_id = SLEN(row->id), l_type = SLEN(row->type), l_spec = SLEN(row->spec_version),
           l_json = row->json != NULL ? row->json_len : 0, l_coll = SLEN(row->collection_id),
           l_src = SLEN(a->source_org), l_sec = SLEN(a->source_sector), l_scope = SLEN(a->scope),
           l_rec = SLEN(a->recipients), l_joins = SLEN(a->joins), l_rule = SLEN(a->rule);
    size_t total = l_id + l_type + l_spec + l_json + l_coll + l_src + l_sec + l_scope + l_rec +
                   l_joins + l_rule + 11;
    char *at;

    k->row = *row;
    k->block = rk_malloc(total);
    at = k->block;
    k->row.id = put_str(&at, row->id, l_id);
    k->row.type = put_str(&at, row->type, l_type);
    k->row.spec_version = put_str(&at, row->spec_version, l_spec);
    k->row.json = put_str(&at, row->json, l_json);
    if (row->json == NULL)
        k->row.json = NULL; /* a manifest row stays one */
    k->row.collection_id = put_str(&at, row->collection_id, l_coll);
    k->row.access.source_org = put_str(&at, a->source_org, l_src);
    k->row.access.source_sector = put_str(&at, a->source_sector, l_sec);
    k->row.access.scope = put_str(&at, a->scope, l_scope);
    k->row.access.recipients = put_str(&at, a->recipients, l_rec);
    k->row.access.joins = put_str(&at, a->joins, l_joins);
    k->row.access.rule = put_str(&at, a->rule, l_rule);
    assert((size_t)(at - k->block) == total);
}

/* Row callback of one collection's query: keeps the rows that can still enter the page.
 * Rows come in ascending date_added, so the first one past the cutoff ends the walk. */
static int keep_row(void *ctx, const struct store_row *row)
{
    struct coll_run *cr = ctx;

    if (row->date_added > cr->met)
        cr->met = row->date_added;
    if (row->date_added > cr->cutoff) {
        cr->stopped = true;
        return 1;
    }
    if (cr->n == cr->cap) {
        cr->cap = cr->cap > 0 ? 2 * cr->cap : 16;
        cr->rows = rk_realloc(cr->rows, cr->cap * sizeof(*cr->rows));
    }
    kept_copy(&cr->rows[cr->n++], row);
    return 0;
}

/*
 * Merges the rows of one collection into the page (both ascending date_added, which is
 * unique across the hub), keeping the first limit; the rows left out are freed. Returns
 * whether any row was left out.
 */
static bool page_merge(struct page_build *pb, struct coll_run *cr)
{
    size_t total = pb->n + cr->n, keep = total < pb->limit ? total : pb->limit;
    struct kept *out;
    size_t i = 0, j = 0, k = 0;

    if (cr->n == 0)
        return false; /* the page is as it was (at most limit rows) */
    out = rk_malloc(total * sizeof(*out));
    while (i < pb->n || j < cr->n) {
        bool from_page =
            j == cr->n || (i < pb->n && pb->rows[i].row.date_added < cr->rows[j].row.date_added);
        out[k++] = from_page ? pb->rows[i++] : cr->rows[j++];
    }
    for (k = keep; k < total; k++)
        kept_free(&out[k]);
    free(pb->rows);
    free(cr->rows);
    cr->rows = NULL;
    cr->n = cr->cap = 0;
    pb->rows = out;
    pb->n = keep;
    return keep < total;
}

/* What the audit transaction writes: one read entry per collection with AMBER+ rows. */
struct audit_tx {
    const struct policy_access_ctx *ax;
    const struct page_build *pb;
};

static int audit_in_tx(void *ctx, struct store *s, struct rk_err *err)
{
    const struct audit_tx *at = ctx;
    const struct policy_access_ctx *ax = at->ax;
    const struct page_build *pb = at->pb;
    int rc = 0;

    /* Collection by collection, in the hub's order, so that each entry is the one a TAXII
     * GET of that collection returning these rows would have written. */
    for (size_t c = 0; rc == 0 && c < ax->n_colls; c++) {
        struct rk_buf detail = RK_BUF_INIT;
        size_t n = 0;

        for (size_t i = 0; i < pb->n; i++) {
            const struct store_row *row = &pb->rows[i].row;
            if (!policy_audit_tlp(row->access.tlp) ||
                strcmp(row->collection_id, ax->colls[c].id) != 0)
                continue;
            if (n == 0)
                rk_buf_puts(&detail, "{\"objects\":[");
            policy_audit_item(&detail, &n, row);
        }
        if (n > 0) {
            rk_buf_puts(&detail, "]}");
            rc = policy_audit_append(s, ax->who, POLICY_AUDIT_READ, ax->route, ax->colls[c].id,
                                     detail.data, err);
        }
        rk_buf_free(&detail);
    }
    return rc;
}

/* Whether any row of the page is audited. */
static bool page_audited(const struct page_build *pb)
{
    for (size_t i = 0; i < pb->n; i++)
        if (policy_audit_tlp(pb->rows[i].row.access.tlp))
            return true;
    return false;
}

static int check_query(const struct policy_hub_query *q, size_t *limit, struct rk_err *err)
{
    unsigned sel = q->version_sel;

    if (q->limit > POLICY_HUB_QUERY_MAX)
        return rk_err_set(err, RK_E_INVALID, "limit %zu is over %d", q->limit,
                          POLICY_HUB_QUERY_MAX);
    if ((sel & ~(unsigned)(STORE_VERSION_LAST | STORE_VERSION_FIRST | STORE_VERSION_ALL)) != 0 ||
        ((sel & STORE_VERSION_ALL) && sel != STORE_VERSION_ALL))
        return rk_err_set(err, RK_E_INVALID,
                          "a hub-wide read selects the last, the first or "
                          "every version");
    if ((q->n_types > 0 && q->types == NULL) || (q->n_ids > 0 && q->ids == NULL))
        return rk_err_set(err, RK_E_INVALID, "a filter list is missing");
    *limit = q->limit > 0 ? q->limit : POLICY_HUB_QUERY_DEFAULT;
    return 0;
}

/*
 * Reads collection c's rows added after `after` through the access check into the page:
 * rows added after cutoff stop the walk (they cannot enter the page). Sets hr->more when the
 * collection holds visible rows past what the page took. *exhausted: the walk ended with the
 * collection's rows (no limit, no cutoff reached); *met the latest date_added it met.
 */
static int read_collection(struct hub_run *hr, size_t c, rk_time_us after, rk_time_us cutoff,
                           bool *exhausted, rk_time_us *met, struct rk_err *err)
{
    struct policy_access_ctx *ax = hr->ax;
    const struct policy_hub_query *q = hr->q;
    struct store_query sq;
    struct store_page sp = {0};
    int rc;

    memset(&sq, 0, sizeof(sq));
    sq.collection_id = ax->colls[c].id;
    sq.added_after = after;
    sq.limit = hr->pb.limit;
    sq.ids = q->ids;
    sq.n_ids = q->n_ids;
    sq.types = q->types;
    sq.n_types = q->n_types;
    sq.version_sel = q->version_sel;
    sq.with_json = q->with_json;
    sq.observables = hr->obs;
    sq.n_observables = hr->obs != NULL ? q->n_observables : 0;
    hr->cr.cutoff = cutoff;
    hr->cr.stopped = false;
    hr->cr.met = -1;
    ax->collection = &ax->colls[c];
    rc = policy_query_checked(ax, &sq, keep_row, &hr->cr, &sp, err);
    ax->collection = NULL;
    if (rc < 0)
        return rc;
    *exhausted = !sp.more && !hr->cr.stopped;
    *met = hr->cr.met;
    hr->more = hr->more || sp.more || hr->cr.stopped;
    if (page_merge(&hr->pb, &hr->cr))
        hr->more = true;
    return 0;
}

/* The date_added of the page's last row, or -1 when it is empty. */
static rk_time_us page_last(const struct page_build *pb)
{
    return pb->n > 0 ? pb->rows[pb->n - 1].row.date_added : -1;
}

/*
 * Both passes over the collections who may read. Each collection is read in its own
 * snapshot, one after the other, so the first pass alone could skip a row: collection A
 * read empty, then rows committed to A (date 120) and B (date 150), then B read: the page
 * would end at 150 and the next one start after it. The store's rule closes this: once a
 * reader has met a row, no row added before it appears later. So a collection read after
 * some read met date M holds, from then on, every row it ever will up to M; one that was
 * read to its end holds none after its last row up to that bound either. The second pass
 * reads again, from where it was complete up to the page's last row, each collection read
 * to its end whose bound is below that row; all those reads come after a read met the last
 * row, so the page is then complete up to it, whatever was committed meanwhile.
 */
static int read_collections(struct hub_run *hr, struct rk_err *err)
{
    struct policy_access_ctx *ax = hr->ax;
    struct coll_read *reads = rk_malloc((ax->n_colls > 0 ? ax->n_colls : 1) * sizeof(*reads));
    size_t n_reads = 0;
    rk_time_us met_any = -1; /* the latest date_added any read of this page met */
    int rc = 0;

    for (size_t c = 0; c < ax->n_colls; c++) {
        struct coll_read *r = &reads[n_reads];
        rk_time_us horizon = met_any, met = -1, cutoff;

        if (!policy_may_read_collection(ax->who, &ax->colls[c]))
            continue;
        /* Once the page is full, a row enters it only if added before its last row. */
        cutoff = hr->pb.n == hr->pb.limit ? page_last(&hr->pb) : INT64_MAX;
        rc = read_collection(hr, c, hr->from, cutoff, &r->exhausted, &met, err);
        if (rc < 0)
            goto out;
        r->c = c;
        r->complete = horizon > hr->from ? horizon : hr->from;
        if (met > r->complete)
            r->complete = met;
        if (met > met_any)
            met_any = met;
        n_reads++;
    }
    for (size_t i = 0; i < n_reads && hr->pb.n > 0; i++) {
        struct coll_read *r = &reads[i];
        rk_time_us last = page_last(&hr->pb), met = -1;
        bool exhausted;

        if (!r->exhausted || r->complete >= last)
            continue;
        rc = read_collection(hr, r->c, r->complete, last, &exhausted, &met, err);
        if (rc < 0)
            goto out;
    }
out:
    free(reads);
    return rc;
}

int policy_hub_query(struct rk_hub *hub, const struct policy_principal *who, const char *route,
                     const struct policy_hub_query *q, store_row_fn fn, void *fn_ctx,
                     struct policy_hub_page *page, struct rk_err *err)
{
    static const struct policy_principal anonymous = {.role = STORE_ROLE_READER};
    struct hub_run hr;
    struct page_build *pb = &hr.pb;
    size_t limit = 0;
    int rc;

    page->count = 0;
    page->more = false;
    page->next = -1;
    if (hub == NULL || q == NULL)
        return rk_err_set(err, RK_E_INVALID, "hub-wide read without a hub or a query");
    rc = check_query(q, &limit, err);
    if (rc < 0)
        return rc;
    memset(&hr, 0, sizeof(hr));
    hr.q = q;
    if (q->n_observables > 0) {
        hr.obs = rk_malloc(q->n_observables * sizeof(*hr.obs));
        rc = policy_hub_observables(q->observables, q->n_observables, hr.obs, err);
        if (rc < 0)
            goto out;
    }
    hr.from = q->added_after > q->after ? q->added_after : q->after;
    pb->limit = limit;
    /* About 10 KiB (the ring of recent rows): on the heap, not on a worker's stack. */
    hr.ax = rk_malloc(sizeof(*hr.ax));
    rc = policy_access_init(hr.ax, hub, who != NULL ? who : &anonymous, NULL,
                            route != NULL ? route : "", err);
    if (rc < 0)
        goto out;
    /* The list the join checks use too (collection_of): read once per page. */
    rc = store_collection_list(hub->store, &hr.ax->colls, &hr.ax->n_colls, err);
    if (rc < 0)
        goto out;
    hr.ax->colls_loaded = true;
    rc = read_collections(&hr, err);
    if (rc < 0)
        goto out;
    assert(pb->n <= limit);
    for (size_t i = 1; i < pb->n; i++)
        assert(pb->rows[i - 1].row.date_added < pb->rows[i].row.date_added);
    if (fn != NULL && page_audited(pb)) { /* a count returns no object data */
        struct audit_tx at = {hr.ax, pb};
        rc = store_write_tx(hub->store, audit_in_tx, &at, err);
        if (rc < 0)
            goto out;
    }
    page->more = hr.more;
    page->next = page_last(pb);
    for (size_t i = 0; fn != NULL && i < pb->n; i++) {
        page->count++;
        rc = fn(fn_ctx, &pb->rows[i].row);
        if (rc != 0) {
            page->next = pb->rows[i].row.date_added;
            page->more = page->more || i + 1 < pb->n;
            if (rc < 0 && err->code == RK_OK)
                rk_err_set(err, rc, "hub-wide read stopped by the row callback");
            rc = rc < 0 ? rc : 0;
            break;
        }
    }
    if (fn == NULL)
        page->count = pb->n;
out:
    for (size_t i = 0; i < pb->n; i++)
        kept_free(&pb->rows[i]);
    free(pb->rows);
    for (size_t i = 0; i < hr.cr.n; i++)
        kept_free(&hr.cr.rows[i]);
    free(hr.cr.rows);
    if (hr.ax != NULL) {
        policy_access_clear(hr.ax);
        free(hr.ax);
    }
    free(hr.obs);
    return rc;
}
