/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nohints.c: a store backend for the tests that ignores every hint of store.h, built over
 * another store it forwards each operation to. Queries go without lean and skip_shadowed
 * (every field filled, every version returned), puts without original_from_json (a full
 * original kept), and no put comes back with id_unseen. The interface suite and some policy
 * tests run against it as well as against the plain backend (the *_nohints tests): a result
 * that changed when a backend ignores a hint would fail them.
 */
#include <stdlib.h>
#include <string.h>

#include "test_store_helpers.h"

/* The wrapping handle: ops first, as every backend's. */
struct nohints {
    struct store base;
    struct store *inner;
};

static struct store *inner(struct store *s)
{
    return ((struct nohints *)s)->inner;
}

/* What the hint promised must hold all the same: a span inside json (store.h). */
static int puts_check(const struct store_put *puts, size_t n, struct rk_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const struct store_put *p = &puts[i];
        if (p->original != NULL && p->original_from_json &&
            (p->json_extra_off > p->json_len ||
             p->json_extra_len > p->json_len - p->json_extra_off))
            return rk_err_set(err, RK_E_INVALID, "%s: the span of the original is outside json",
                              p->id);
    }
    return 0;
}

/* Clears the hints of puts, saving original_from_json into saved (n entries). */
static void puts_unhint(struct store_put *puts, size_t n, bool *saved)
{
    for (size_t i = 0; i < n; i++) {
        saved[i] = puts[i].original_from_json;
        puts[i].original_from_json = false;
    }
}

/* Gives the caller its puts back as it wrote them, with no id_unseen. */
static void puts_restore(struct store_put *puts, size_t n, const bool *saved)
{
    for (size_t i = 0; i < n; i++) {
        puts[i].original_from_json = saved[i];
        puts[i].id_unseen = false;
    }
}

static int nh_put_objects(struct store *s, const char *coll, struct store_put *puts, size_t n,
                          struct rk_err *err)
{
    int rc = puts_check(puts, n, err);
    if (rc != 0)
        return rc;
    bool *saved = calloc(n + 1, sizeof(*saved));
    puts_unhint(puts, n, saved);
    rc = store_put_objects(inner(s), coll, puts, n, err);
    puts_restore(puts, n, saved);
    free(saved);
    return rc;
}

/* A then or write_tx body, called with the wrapper rather than the inner store. */
struct nh_call {
    struct store *outer;
    store_then_fn then;
    store_tx_fn tx;
    void *ctx;
};

static int nh_then(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                   struct rk_err *err)
{
    struct nh_call *c = ctx;
    (void)s;
    /* The caller's own array: what then sees has no id_unseen either. */
    for (size_t i = 0; i < n; i++)
        ((struct store_put *)puts)[i].id_unseen = false;
    return c->then(c->ctx, c->outer, puts, n, err);
}

static int nh_put_objects_then(struct store *s, const char *coll, struct store_put *puts, size_t n,
                               store_then_fn then, void *ctx, struct rk_err *err)
{
    struct nh_call call = {s, then, NULL, ctx};
    int rc = puts_check(puts, n, err);
    if (rc != 0)
        return rc;
    bool *saved = calloc(n + 1, sizeof(*saved));
    puts_unhint(puts, n, saved);
    rc = store_put_objects_then(inner(s), coll, puts, n, then != NULL ? nh_then : NULL, &call, err);
    puts_restore(puts, n, saved);
    free(saved);
    return rc;
}

static int nh_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct nh_call *c = ctx;
    (void)s;
    return c->tx(c->ctx, c->outer, err);
}

static int nh_write_tx(struct store *s, store_tx_fn fn, void *ctx, struct rk_err *err)
{
    struct nh_call call = {s, NULL, fn, ctx};
    return store_write_tx(inner(s), nh_tx, &call, err);
}

static int nh_query(struct store *s, const struct store_query *q, store_filter_fn filter,
                    void *filter_ctx, store_row_fn fn, void *fn_ctx, struct store_page *page,
                    struct rk_err *err)
{
    struct store_query full = *q;
    full.lean = false;
    full.skip_shadowed = false;
    return store_query(inner(s), &full, filter, filter_ctx, fn, fn_ctx, page, err);
}

static int nh_delete_object(struct store *s, const struct store_query *q, size_t *deleted,
                            struct rk_err *err)
{
    struct store_query full = *q;
    full.lean = false;
    full.skip_shadowed = false;
    return store_delete_object(inner(s), &full, deleted, err);
}

static void nh_close(struct store *s)
{
    store_close(inner(s));
    free(s);
}

/* The rest is forwarded as it is. */
#define FORWARD(op, params, args)                                                                  \
    static int nh_##op params                                                                      \
    {                                                                                              \
        return inner(s)->ops->op args;                                                             \
    }
FORWARD(stats, (struct store * s, struct store_stats *out, struct rk_err *err),
        (inner(s), out, err))
FORWARD(count_objects, (struct store * s, const char *c, int64_t *n, struct rk_err *err),
        (inner(s), c, n, err))
FORWARD(find_object,
        (struct store * s, const char *id, store_row_fn fn, void *ctx, struct rk_err *err),
        (inner(s), id, fn, ctx, err))
FORWARD(first_other_sources,
        (struct store * s, const char *org, const char *const *ids, size_t n,
         char (*out)[RK_UUID_LEN], struct rk_err *err),
        (inner(s), org, ids, n, out, err))
FORWARD(org_add, (struct store * s, const struct store_org *o, struct rk_err *err),
        (inner(s), o, err))
FORWARD(org_get, (struct store * s, const char *k, struct store_org *o, struct rk_err *err),
        (inner(s), k, o, err))
FORWARD(org_list, (struct store * s, struct store_org **o, size_t *n, struct rk_err *err),
        (inner(s), o, n, err))
FORWARD(org_update, (struct store * s, const struct store_org *o, struct rk_err *err),
        (inner(s), o, err))
FORWARD(org_count_sector, (struct store * s, const char *k, int64_t *n, struct rk_err *err),
        (inner(s), k, n, err))
FORWARD(token_add, (struct store * s, const struct store_token *t, struct rk_err *err),
        (inner(s), t, err))
FORWARD(token_get, (struct store * s, const char *h, struct store_token *t, struct rk_err *err),
        (inner(s), h, t, err))
FORWARD(token_list, (struct store * s, struct store_token **t, size_t *n, struct rk_err *err),
        (inner(s), t, n, err))
FORWARD(token_remove, (struct store * s, const char *h, struct rk_err *err), (inner(s), h, err))
FORWARD(collection_add, (struct store * s, const struct store_collection *c, struct rk_err *err),
        (inner(s), c, err))
FORWARD(collection_get,
        (struct store * s, const char *k, struct store_collection *c, struct rk_err *err),
        (inner(s), k, c, err))
FORWARD(collection_list,
        (struct store * s, struct store_collection **c, size_t *n, struct rk_err *err),
        (inner(s), c, n, err))
FORWARD(collection_update, (struct store * s, const struct store_collection *c, struct rk_err *err),
        (inner(s), c, err))
FORWARD(collection_remove,
        (struct store * s, const char *id, bool purge, int64_t *purged, struct rk_err *err),
        (inner(s), id, purge, purged, err))
FORWARD(status_put, (struct store * s, const struct store_status *st, struct rk_err *err),
        (inner(s), st, err))
FORWARD(status_get, (struct store * s, const char *id, struct store_status *st, struct rk_err *err),
        (inner(s), id, st, err))
FORWARD(setting_set, (struct store * s, const char *k, const char *v, struct rk_err *err),
        (inner(s), k, v, err))
FORWARD(setting_get, (struct store * s, const char *k, char **v, struct rk_err *err),
        (inner(s), k, v, err))
FORWARD(audit_append,
        (struct store * s, struct store_audit *e, store_audit_hash_fn h, struct rk_err *err),
        (inner(s), e, h, err))
FORWARD(audit_list,
        (struct store * s, int64_t after, size_t limit, const char *org, store_audit_fn fn,
         void *ctx, struct rk_err *err),
        (inner(s), after, limit, org, fn, ctx, err))
FORWARD(credit_add, (struct store * s, const struct store_credit *c, size_t n, struct rk_err *err),
        (inner(s), c, n, err))
FORWARD(credit_list,
        (struct store * s, const char *org, store_credit_fn fn, void *ctx, struct rk_err *err),
        (inner(s), org, fn, ctx, err))
FORWARD(credit_sum,
        (struct store * s, const char *org, const char *kind, int64_t *n, struct rk_err *err),
        (inner(s), org, kind, n, err))
FORWARD(provenance_list,
        (struct store * s, const char *id, store_provenance_fn fn, void *ctx, struct rk_err *err),
        (inner(s), id, fn, ctx, err))
FORWARD(scope_rewrite,
        (struct store * s, store_scope_fn fn, void *ctx, int64_t *changed, struct rk_err *err),
        (inner(s), fn, ctx, changed, err))
FORWARD(observable_since,
        (struct store * s, int64_t after, size_t limit, store_observable_fn fn, void *ctx,
         struct rk_err *err),
        (inner(s), after, limit, fn, ctx, err))
FORWARD(observable_reports,
        (struct store * s, const struct store_observable *obs, rk_time_us since,
         store_observable_fn fn, void *ctx, struct rk_err *err),
        (inner(s), obs, since, fn, ctx, err))

FORWARD(record_put, (struct store * s, const struct store_record *r, struct rk_err *err),
        (inner(s), r, err))
FORWARD(record_get,
        (struct store * s, const char *kind, const char *id, store_record_fn fn, void *ctx,
         struct rk_err *err),
        (inner(s), kind, id, fn, ctx, err))
FORWARD(record_list,
        (struct store * s, const char *kind, const char *org, store_record_fn fn, void *ctx,
         struct rk_err *err),
        (inner(s), kind, org, fn, ctx, err))
FORWARD(record_delete, (struct store * s, const char *kind, const char *id, struct rk_err *err),
        (inner(s), kind, id, err))
FORWARD(event_append, (struct store * s, struct store_event *evs, size_t n, struct rk_err *err),
        (inner(s), evs, n, err))
FORWARD(event_since,
        (struct store * s, const char *org, int64_t after, size_t limit, store_event_fn fn,
         void *ctx, struct rk_err *err),
        (inner(s), org, after, limit, fn, ctx, err))

static const struct store_ops nohints_ops = {
    .name = "nohints",
    .put_objects = nh_put_objects,
    .query = nh_query,
    .delete_object = nh_delete_object,
    .count_objects = nh_count_objects,
    .find_object = nh_find_object,
    .first_other_sources = nh_first_other_sources,
    .org_add = nh_org_add,
    .org_get = nh_org_get,
    .org_list = nh_org_list,
    .org_update = nh_org_update,
    .org_count_sector = nh_org_count_sector,
    .token_add = nh_token_add,
    .token_get = nh_token_get,
    .token_list = nh_token_list,
    .token_remove = nh_token_remove,
    .collection_add = nh_collection_add,
    .collection_get = nh_collection_get,
    .collection_list = nh_collection_list,
    .collection_update = nh_collection_update,
    .collection_remove = nh_collection_remove,
    .status_put = nh_status_put,
    .status_get = nh_status_get,
    .setting_set = nh_setting_set,
    .setting_get = nh_setting_get,
    .audit_append = nh_audit_append,
    .audit_list = nh_audit_list,
    .credit_add = nh_credit_add,
    .credit_list = nh_credit_list,
    .credit_sum = nh_credit_sum,
    .provenance_list = nh_provenance_list,
    .put_objects_then = nh_put_objects_then,
    .write_tx = nh_write_tx,
    .scope_rewrite = nh_scope_rewrite,
    .stats = nh_stats,
    .observable_since = nh_observable_since,
    .observable_reports = nh_observable_reports,
    .record_put = nh_record_put,
    .record_get = nh_record_get,
    .record_list = nh_record_list,
    .record_delete = nh_record_delete,
    .event_append = nh_event_append,
    .event_since = nh_event_since,
    .close = nh_close,
};

struct store *tstore_nohints_wrap(struct store *wrapped)
{
    struct nohints *h = calloc(1, sizeof(*h));
    if (h == NULL)
        abort();
    h->base.ops = &nohints_ops;
    h->inner = wrapped;
    return &h->base;
}
