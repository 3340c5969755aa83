/* SPDX-License-Identifier: Apache-2.0 */
/*
 * read.c: the TAXII endpoints that read a collection's objects (objects, object, versions,
 * manifest) and DELETE object, which may delete only what its requester can read. Every read
 * goes through policy_query, the access check (never the store directly), and envelopes are
 * assembled from the stored canonical JSON without parsing it again.
 */
#include "taxii/taxii_int.h"
#include "policy/access.h"

#include <stdlib.h>
#include <string.h>

/* rk_time_format_as through a memo of the last second and form formatted: the rows of a page
 * were mostly added within the same second, so only the fraction changes. */
struct time_memo {
    int64_t sec;            /* the second text holds, -1 for none */
    int form;               /* the form text is written in */
    size_t len;             /* bytes of text */
    char text[RK_TIME_LEN]; /* rk_time_format_as(a time within sec, form) */
};

/* Appends the RFC 3339 text of t in form (rk_time_format_as) to b, through m. */
static void put_time_memo(struct rk_buf *b, struct time_memo *m, rk_time_us t, int form)
{
    /* "YYYY-MM-DDTHH:MM:SS.fffZ": the fraction starts at text[20]; only its first six
     * digits depend on t (those past the sixth are the form's). */
    enum { FRACTION_AT = 20 };
    if (t < 0 || t / 1000000 != m->sec || form != m->form) {
        m->len = rk_time_format_as(t, form, m->text);
        m->sec = t < 0 ? -1 : t / 1000000;
        m->form = form;
    } else {
        int n = form & RK_TIME_FORM_DIGITS;
        unsigned v = (unsigned)(t % 1000000);
        for (int i = n < 6 ? n : 6; i < 6; i++)
            v /= 10;
        for (int i = FRACTION_AT + (n < 6 ? n : 6) - 1; i >= FRACTION_AT; i--) {
            m->text[i] = (char)('0' + v % 10);
            v /= 10;
        }
    }
    rk_buf_append(b, m->text, m->len);
}

/* Common state of every read: the collection, its query, and who reads it. */
struct read_ctx {
    struct store_collection c;
    struct taxii_query q;
    struct store_query sq;
    struct store_page page;
    struct policy_access_ctx ax; /* who reads c, for policy_query; cleared by read_end */
    bool ax_ready;               /* policy_access_init was called: read_end clears ax */
    struct rk_buf *out;
    struct delete_pick *pick;        /* DELETE only: the versions it may delete */
    struct time_memo added, version; /* manifest rows' date_added and version */
};

/* What differs between the read endpoints. */
struct read_endpoint {
    const char *route; /* route name the audit log records for reads of AMBER and above */
    unsigned fields;   /* enum taxii_query_fields honoured */
    store_row_fn row;  /* writes one visible row into the answer */
    bool with_json;    /* the rows need the object's JSON */
    bool one_object;   /* the path names one object (captures[2]) */
    bool all_versions; /* every version of that object, whatever the query says */
};

static void put_time_header(struct http_response *resp, const char *name, rk_time_us t)
{
    char ts[RK_TIME_LEN];
    rk_time_format(t, ts);
    http_set_header(resp, name, ts);
}

/* Adds the X-TAXII-Date-Added-* headers; omitted for an empty result (see taxii.md). */
static void date_headers(struct http_response *resp, const struct store_page *page)
{
    if (page->count == 0)
        return;
    put_time_header(resp, "X-TAXII-Date-Added-First", page->first_added);
    put_time_header(resp, "X-TAXII-Date-Added-Last", page->last_added);
}

/* Closes an envelope-style list: `],"more":..,"next":..}`, or `{}` when nothing came. */
static void close_list(struct rk_buf *b, const struct store_page *page)
{
    if (page->count == 0) {
        rk_buf_reset(b);
        rk_buf_puts(b, "{}");
        return;
    }
    rk_buf_puts(b, "],\"more\":");
    if (page->more)
        rk_buf_printf(b, "true,\"next\":\"%lld\"}", (long long)page->last_added);
    else
        rk_buf_puts(b, "false}");
}

/*
 * Common start of every read: root, collection, access to it (can_read; for DELETE,
 * can_write or the coordinator), query parameters, access context. route is the route name
 * the audit log records for reads of AMBER data and above. Always call read_end(rx)
 * afterwards, also on error.
 */
static int read_begin(struct rk_hub *hub, struct http_request *req, unsigned fields,
                      const char *route, bool for_delete, struct read_ctx *rx, struct rk_err *err)
{
    const struct policy_principal *who = taxii_requester(req);
    bool r, w;
    /* Not one memset of rx: q and ax are large (about 13 KiB together), and
     * taxii_query_parse and policy_access_init fill them. Only what read_end frees must be
     * clear before they run. */
    memset(&rx->c, 0, sizeof(rx->c));
    memset(rx->q.owned, 0, sizeof(rx->q.owned));
    memset(&rx->sq, 0, sizeof(rx->sq));
    memset(&rx->page, 0, sizeof(rx->page));
    rx->ax_ready = false;
    rx->out = NULL;
    rx->pick = NULL;
    rx->added.sec = rx->version.sec = -1;
    int rc = taxii_check_root(hub, req, err);
    if (rc < 0)
        return rc;
    rc = taxii_load_collection(hub, who, req->captures[1], &rx->c, &r, &w, err);
    if (rc < 0)
        return rc;
    if (for_delete && !w && !policy_is_coordinator(who))
        return rk_err_set(err, RK_E_FORBIDDEN, "no write access to collection %s", rx->c.id);
    if (!for_delete && !r)
        return rk_err_set(err, RK_E_FORBIDDEN, "no read access to collection %s", rx->c.id);
    rc = taxii_query_parse(req->params, req->n_params, fields, &rx->q, err);
    if (rc < 0)
        return rc;
    taxii_query_to_store(&rx->q, rx->c.id, &rx->sq);
    rx->ax_ready = true;
    return policy_access_init(&rx->ax, hub, who, &rx->c, route, err);
}

static void read_end(struct read_ctx *rx)
{
    if (rx->ax_ready)
        policy_access_clear(&rx->ax);
    taxii_query_free(&rx->q);
    store_collection_clear(&rx->c);
}

/* Runs rx->sq through the access check; fn NULL counts visible rows without returning any. */
static int run_query(struct read_ctx *rx, store_row_fn fn, struct rk_err *err)
{
    struct rk_err e2;
    rk_err_clear(&e2);
    int rc = policy_query(&rx->ax, &rx->sq, fn, rx, &rx->page, &e2);
    if (rc < 0)
        return rk_err_set(err, rc, "%s", e2.msg);
    return 0;
}

/* Narrows the query to the one object oid (which must outlive rx). */
static void select_object(struct read_ctx *rx, const char *oid)
{
    rx->q.ids[0] = oid;
    rx->sq.ids = rx->q.ids;
    rx->sq.n_ids = 1;
}

static int row_object(void *ctx, const struct store_row *row)
{
    struct read_ctx *rx = ctx;
    rk_buf_puts(rx->out, rx->out->len ? "," : "{\"objects\":[");
    rk_buf_append(rx->out, row->json, row->json_len);
    return 0;
}

/* Appends a string literal (its length known at compile time, no strlen). */
#define PUT_LIT(b, lit) rk_buf_append((b), (lit), sizeof(lit) - 1)

static int row_manifest(void *ctx, const struct store_row *row)
{
    struct read_ctx *rx = ctx;
    /* Pieces, not printf: a manifest page writes a hundred of these. */
    if (rx->out->len)
        PUT_LIT(rx->out, ",{\"id\":");
    else
        PUT_LIT(rx->out, "{\"objects\":[{\"id\":");
    rk_buf_json_string(rx->out, row->id);
    PUT_LIT(rx->out, ",\"date_added\":\"");
    put_time_memo(rx->out, &rx->added, row->date_added, RK_TIME_FORM_US);
    PUT_LIT(rx->out, "\",\"version\":\""); /* as the object writes it */
    put_time_memo(rx->out, &rx->version, row->version, row->version_form);
    PUT_LIT(rx->out, "\",\"media_type\":\"" TAXII_STIX_MEDIA "\"}");
    return 0;
}

static int row_version(void *ctx, const struct store_row *row)
{
    struct read_ctx *rx = ctx;
    char version[RK_TIME_LEN];
    size_t n = rk_time_format_as(row->version, row->version_form, version);
    rk_buf_puts(rx->out, rx->out->len ? ",\"" : "{\"versions\":[\"");
    rk_buf_append(rx->out, version, n); /* as the object writes it */
    rk_buf_putc(rx->out, '"');
    return 0;
}

/*
 * True if object oid has any version in the collection that the requester may see; used to
 * tell "unknown or invisible" (404) from "filtered to nothing" (empty 200).
 */
static int object_visible(struct read_ctx *rx, const char *oid, bool *visible, struct rk_err *err)
{
    const char *ids[1] = {oid};
    struct store_query saved = rx->sq;
    struct store_page page = rx->page;
    memset(&rx->sq, 0, sizeof(rx->sq));
    rx->sq.collection_id = rx->c.id;
    rx->sq.added_after = -1;
    rx->sq.limit = 1;
    rx->sq.ids = ids;
    rx->sq.n_ids = 1;
    rx->sq.version_sel = STORE_VERSION_ALL;
    rx->sq.lean = true; /* only the access check reads the row */
    int rc = run_query(rx, NULL, err);
    *visible = rc == 0 && rx->page.count > 0;
    rx->sq = saved;
    rx->page = page;
    return rc;
}

/* Answers one read endpoint: the visible rows as a paged list with its date headers. */
static int read_answer(struct rk_hub *hub, struct http_request *req, struct http_response *resp,
                       const struct read_endpoint *ep, struct rk_err *err)
{
    struct read_ctx rx;
    const char *oid = ep->one_object ? req->captures[2] : NULL;
    int rc = read_begin(hub, req, ep->fields, ep->route, false, &rx, err);
    if (rc < 0)
        goto out;
    rx.out = &resp->body;
    rx.sq.with_json = ep->with_json;
    /* Room for a typical page at once rather than a dozen doublings (each a copy): about
     * 500 bytes per object, 150 per manifest entry. */
    if (ep->with_json || ep->row == row_manifest)
        rk_buf_reserve(rx.out,
                       (rx.sq.limit < 128 ? rx.sq.limit : 128) * (ep->with_json ? 512 : 160));
    if (oid != NULL)
        select_object(&rx, oid);
    if (ep->all_versions)
        rx.sq.version_sel = STORE_VERSION_ALL;
    rc = run_query(&rx, ep->row, err);
    if (rc < 0)
        goto out;
    if (oid != NULL && rx.page.count == 0) {
        bool visible = false;
        rc = object_visible(&rx, oid, &visible, err);
        if (rc == 0 && !visible)
            rc = rk_err_set(err, RK_E_NOTFOUND, "no object '%.300s' in this collection", oid);
        if (rc < 0)
            goto out;
    }
    close_list(&resp->body, &rx.page);
    date_headers(resp, &rx.page);
out:
    read_end(&rx);
    return rc;
}

#define LIST_FIELDS                                                                                \
    (TAXII_Q_PAGING | TAXII_Q_ID | TAXII_Q_TYPE | TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION)

int taxii_get_objects(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err)
{
    static const struct read_endpoint ep = {
        .route = "taxii-objects", .fields = LIST_FIELDS, .row = row_object, .with_json = true};
    return read_answer(ctx, req, resp, &ep, err);
}

int taxii_get_manifest(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err)
{
    static const struct read_endpoint ep = {
        .route = "taxii-manifest", .fields = LIST_FIELDS, .row = row_manifest};
    return read_answer(ctx, req, resp, &ep, err);
}

int taxii_get_object(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err)
{
    static const struct read_endpoint ep = {.route = "taxii-object",
                                            .fields = TAXII_Q_PAGING | TAXII_Q_VERSION |
                                                      TAXII_Q_SPEC_VERSION,
                                            .row = row_object,
                                            .with_json = true,
                                            .one_object = true};
    return read_answer(ctx, req, resp, &ep, err);
}

int taxii_get_versions(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err)
{
    static const struct read_endpoint ep = {.route = "taxii-versions",
                                            .fields = TAXII_Q_PAGING | TAXII_Q_SPEC_VERSION,
                                            .row = row_version,
                                            .one_object = true,
                                            .all_versions = true};
    return read_answer(ctx, req, resp, &ep, err);
}

/* What DELETE collects: the versions the requester may see and may delete. */
struct delete_pick {
    const struct policy_principal *who;
    rk_time_us *versions;
    size_t n, cap;
};

/*
 * policy_query row callback of DELETE: the row is visible (the access check passed it); only
 * its source organisation or the coordinator may delete it. Others' visible versions are
 * left alone, exactly as if they were absent.
 */
static int delete_row(void *ctx, const struct store_row *row)
{
    struct read_ctx *rx = ctx;
    struct delete_pick *dp = rx->pick;
    const struct policy_principal *who = dp->who;
    bool source = policy_is_member(who) && who->org_id[0] != '\0' &&
                  row->access.source_org != NULL &&
                  strcmp(row->access.source_org, who->org_id) == 0;

    if (!source && !policy_is_coordinator(who))
        return 0;
    if (dp->n == dp->cap) {
        size_t cap = dp->cap ? dp->cap * 2 : 8;
        dp->versions = rk_realloc(dp->versions, cap * sizeof(*dp->versions));
        dp->cap = cap;
    }
    dp->versions[dp->n++] = row->version;
    return 0;
}

int taxii_delete_object(void *ctx, struct http_request *req, struct http_response *resp,
                        struct rk_err *err)
{
    struct rk_hub *hub = ctx;
    struct read_ctx rx;
    const char *oid = req->captures[2];
    struct delete_pick dp = {.who = taxii_requester(req)};
    size_t deleted = 0;
    struct rk_err e2;
    int rc;

    rc = read_begin(hub, req, TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION, "taxii-delete-object", true,
                    &rx, err);
    if (rc < 0)
        goto out;
    select_object(&rx, oid);
    rx.sq.limit = TAXII_PAGE_MAX;
    rx.sq.with_json = false;
    /*
     * Only what the requester can see (policy_query, the one access check) and may delete
     * (its organisation is the version's source, or it is the coordinator) is deleted: the
     * exact versions are collected, then deleted by version.
     */
    rx.pick = &dp;
    for (;;) {
        rc = run_query(&rx, delete_row, err);
        if (rc < 0)
            goto out;
        if (!rx.page.more)
            break;
        rx.sq.added_after = rx.page.last_added;
    }
    if (dp.n == 0) {
        rc = rk_err_set(err, RK_E_NOTFOUND, "no object '%.300s' in this collection", oid);
        goto out;
    }
    rx.sq.added_after = -1;
    rx.sq.version_sel = STORE_VERSION_SPECIFIC;
    rx.sq.versions = dp.versions;
    rx.sq.n_versions = dp.n;
    rc = store_delete_object(hub->store, &rx.sq, &deleted, &e2);
    if (rc < 0) {
        rk_err_set(err, rc, "%s", e2.msg);
        goto out;
    }
    if (deleted == 0) {
        rc = rk_err_set(err, RK_E_NOTFOUND, "no object '%.300s' in this collection", oid);
        goto out;
    }
    resp->status = 200;
    rk_buf_puts(&resp->body, "{}");
out:
    free(dp.versions);
    read_end(&rx);
    return rc;
}
