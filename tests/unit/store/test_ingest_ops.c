/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ingest_ops.c: the batch ops of ingest, for any backend:
 * put_objects_then commits the puts and what its callback writes (credit, an audit entry)
 * together, or nothing of them; the audit chain stays intact across it and plain appends.
 * first_other_sources finds the earliest other source of each id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include "test_store_helpers.h"

#define COLL "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
#define ORG  "0b0c4c51-2f0a-4a57-9d0e-1f1c5b6b0a01"
#define ID1  "indicator--00000000-0000-4000-8000-000000000001"
#define ID2  "indicator--00000000-0000-4000-8000-000000000002"

/* A stand-in for the policy layer's hash: seq and prev_hash, enough to see the chain. */
static void test_hash(const struct store_audit *e, char out[65])
{
    snprintf(out, 65, "%060lld-%s", (long long)e->seq, e->prev_hash[0] ? "p" : "0");
}

/* What the callback does: credit one event per NEW put, then one audit entry; fail_at 1
 * makes it return an error after the credit rows. */
struct then_ctx {
    int fail_at;
    size_t calls;
    size_t new_seen;
};

static int then_record(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                       struct rk_err *err)
{
    struct then_ctx *c = ctx;
    c->calls++;
    for (size_t i = 0; i < n; i++) {
        if (puts[i].result != STORE_PUT_NEW)
            continue;
        c->new_seen++;
        struct store_credit ev = {.org_id = ORG,
                                  .kind = "contribution",
                                  .object_id = (char *)puts[i].id,
                                  .points = 1,
                                  .by_org = ORG,
                                  .by_sector = "x"};
        int rc = store_credit_add(s, &ev, 1, err);
        if (rc != 0)
            return rc;
    }
    if (c->fail_at == 1)
        return rk_err_set(err, RK_E_INTERNAL, "failing on purpose");
    struct store_audit e = {.org_id = ORG, .action = "write", .route = "r", .detail = "{}"};
    return store_audit_append(s, &e, test_hash, err);
}

static int count_cb(void *ctx, const void *row)
{
    (void)row;
    (*(size_t *)ctx)++;
    return 0;
}

static int credit_count_cb(void *ctx, const struct store_credit *c)
{
    return count_cb(ctx, c);
}

static int audit_count_cb(void *ctx, const struct store_audit *e)
{
    return count_cb(ctx, e);
}

static void counts(struct store *s, size_t *objects, size_t *credit, size_t *audit)
{
    struct rk_err err;
    int64_t n = 0;
    rk_err_clear(&err);
    assert_int_equal(store_count_objects(s, COLL, &n, &err), 0);
    *objects = (size_t)n;
    *credit = 0;
    *audit = 0;
    assert_int_equal(store_credit_list(s, NULL, credit_count_cb, credit, &err), 0);
    assert_int_equal(store_audit_list(s, 0, 0, NULL, audit_count_cb, audit, &err), 0);
}

static void commits_together(void **state)
{
    struct tstore *t = *state;
    char b1[256], b2[256];
    struct store_put puts[2] = {tput(ID1, 1000, "a", b1, sizeof(b1)),
                                tput(ID2, 1000, "b", b2, sizeof(b2))};
    struct then_ctx ctx = {0};
    struct rk_err err;
    size_t no, nc, na;

    rk_err_clear(&err);
    assert_int_equal(store_put_objects_then(t->s, COLL, puts, 2, then_record, &ctx, &err), 0);
    assert_int_equal(ctx.calls, 1);
    assert_int_equal(ctx.new_seen, 2);
    assert_int_equal(puts[0].result, STORE_PUT_NEW);
    counts(t->s, &no, &nc, &na);
    assert_int_equal(no, 2);
    assert_int_equal(nc, 2);
    assert_int_equal(na, 1);
    /* Again: duplicates, no credit, one more audit entry chained to the first. */
    assert_int_equal(store_put_objects_then(t->s, COLL, puts, 2, then_record, &ctx, &err), 0);
    assert_int_equal(puts[1].result, STORE_PUT_DUP);
    counts(t->s, &no, &nc, &na);
    assert_int_equal(no, 2);
    assert_int_equal(nc, 2);
    assert_int_equal(na, 2);
    /* Plain ops work as before afterwards (the writer lock is not left re-entrant). */
    struct store_audit e = {.org_id = ORG, .action = "read", .detail = "{}"};
    assert_int_equal(store_audit_append(t->s, &e, test_hash, &err), 0);
    assert_int_equal(e.seq, 3);
    /* No callback: just the puts. */
    char b3[256];
    struct store_put p3 = tput(ID1, 2000, "c", b3, sizeof(b3));
    assert_int_equal(store_put_objects_then(t->s, COLL, &p3, 1, NULL, NULL, &err), 0);
    assert_int_equal(p3.result, STORE_PUT_NEW);
}

static void callback_error_rolls_back(void **state)
{
    struct tstore *t = *state;
    char b1[256];
    struct store_put p = tput(ID1, 1000, "a", b1, sizeof(b1));
    struct then_ctx ctx = {.fail_at = 1};
    struct rk_err err;
    size_t no, nc, na;

    rk_err_clear(&err);
    assert_int_equal(store_put_objects_then(t->s, COLL, &p, 1, then_record, &ctx, &err),
                     RK_E_INTERNAL);
    assert_string_equal(err.msg, "failing on purpose");
    counts(t->s, &no, &nc, &na);
    assert_int_equal(no, 0);
    assert_int_equal(nc, 0);
    assert_int_equal(na, 0);
    /* The same puts succeed afterwards: nothing was left half-written or locked. */
    ctx.fail_at = 0;
    rk_err_clear(&err);
    assert_int_equal(store_put_objects_then(t->s, COLL, &p, 1, then_record, &ctx, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
    counts(t->s, &no, &nc, &na);
    assert_int_equal(no, 1);
    assert_int_equal(nc, 1);
    assert_int_equal(na, 1);
}

/* An op inside that fails (credit_add refuses an event without an org) makes the callback
 * fail: nothing of the call is stored. */
static int then_bad_credit(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                           struct rk_err *err)
{
    (void)ctx;
    (void)puts;
    (void)n;
    struct store_credit bad = {.org_id = NULL, .kind = "contribution", .object_id = ID1};
    return store_credit_add(s, &bad, 1, err);
}

static void inner_op_error_rolls_back(void **state)
{
    struct tstore *t = *state;
    char b1[256];
    struct store_put p = tput(ID1, 1000, "a", b1, sizeof(b1));
    struct rk_err err;
    size_t no, nc, na;

    rk_err_clear(&err);
    assert_int_equal(store_put_objects_then(t->s, COLL, &p, 1, then_bad_credit, NULL, &err),
                     RK_E_INVALID);
    counts(t->s, &no, &nc, &na);
    assert_int_equal(no, 0);
    assert_int_equal(nc, 0);
}

/* Writers on other threads wait for the enclosing transaction and then go on. */
struct writer_arg {
    struct store *s;
    int rc;
};

static void *other_writer(void *arg)
{
    struct writer_arg *w = arg;
    struct rk_err err;
    rk_err_clear(&err);
    for (int i = 0; i < 20 && w->rc == 0; i++) {
        struct store_audit e = {.org_id = ORG, .action = "read", .detail = "{}"};
        w->rc = store_audit_append(w->s, &e, test_hash, &err);
    }
    return NULL;
}

static int audit_chain_cb(void *ctx, const struct store_audit *e)
{
    char *prev = ctx;
    if (strcmp(prev, e->prev_hash) != 0)
        return -1;
    snprintf(prev, 65, "%s", e->hash);
    return 0;
}

static void concurrent_writers_keep_the_chain(void **state)
{
    struct tstore *t = *state;
    struct writer_arg w = {t->s, 0};
    pthread_t th;
    struct rk_err err;
    char prev[65] = "";

    assert_int_equal(pthread_create(&th, NULL, other_writer, &w), 0);
    for (int i = 0; i < 20; i++) {
        char b[256], id[80];
        snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-%012d", i);
        struct store_put p = tput(id, 1000, "x", b, sizeof(b));
        struct then_ctx ctx = {0};
        rk_err_clear(&err);
        assert_int_equal(store_put_objects_then(t->s, COLL, &p, 1, then_record, &ctx, &err), 0);
    }
    pthread_join(th, NULL);
    assert_int_equal(w.rc, 0);
    rk_err_clear(&err);
    assert_int_equal(store_audit_list(t->s, 0, 0, NULL, audit_chain_cb, prev, &err), 0);
}

/* Group commit: callers on several threads at once, some of whose callbacks fail. Each
 * caller's puts, credit and audit entry are committed exactly when its call returns 0, a
 * failing caller's are rolled back alone (its savepoint), and the audit chain holds. The
 * callbacks sleep a little so that callers queue up behind each batch. */
enum { GC_THREADS = 5, GC_CALLS = 12 };

struct gc_arg {
    struct store *s;
    int thread;
    bool ok[GC_CALLS];
    int rc_other; /* a failure that was not the planned one */
};

static int then_slow(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                     struct rk_err *err)
{
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return then_record(ctx, s, puts, n, err);
}

static void gc_id(char *id, size_t cap, int thread, int call)
{
    snprintf(id, cap, "indicator--00000000-0000-4000-8%03d-%012d", thread, call);
}

static void *gc_caller(void *arg)
{
    struct gc_arg *g = arg;
    for (int i = 0; i < GC_CALLS; i++) {
        char b[256], id[80];
        struct rk_err err;
        gc_id(id, sizeof(id), g->thread, i);
        struct store_put p = tput(id, 1000, "x", b, sizeof(b));
        struct then_ctx ctx = {.fail_at = (g->thread + i) % 4 == 0 ? 1 : 0};
        rk_err_clear(&err);
        int rc = store_put_objects_then(g->s, COLL, &p, 1, then_slow, &ctx, &err);
        g->ok[i] = rc == 0;
        if (rc != 0 && ctx.fail_at != 1)
            g->rc_other = rc;
        if (rc == 0 && ctx.fail_at == 1)
            g->rc_other = -1; /* a failing callback must fail the call */
    }
    return NULL;
}

static int row_count_cb(void *ctx, const struct store_row *row)
{
    return count_cb(ctx, row);
}

static void group_commit_isolates_callers(void **state)
{
    struct tstore *t = *state;
    pthread_t th[GC_THREADS];
    struct gc_arg args[GC_THREADS];
    for (int k = 0; k < GC_THREADS; k++) {
        memset(&args[k], 0, sizeof(args[k]));
        args[k].s = t->s;
        args[k].thread = k;
        assert_int_equal(pthread_create(&th[k], NULL, gc_caller, &args[k]), 0);
    }
    size_t committed = 0;
    for (int k = 0; k < GC_THREADS; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(args[k].rc_other, 0);
    }
    /* Exactly the calls that returned 0 are stored, with their credit and audit entry. */
    for (int k = 0; k < GC_THREADS; k++) {
        for (int i = 0; i < GC_CALLS; i++) {
            char id[80];
            gc_id(id, sizeof(id), k, i);
            const char *ids[1] = {id};
            struct store_query q = {
                .collection_id = COLL, .added_after = -1, .limit = 10, .ids = ids, .n_ids = 1};
            struct store_page page;
            struct rk_err err;
            size_t rows = 0;
            assert_int_equal(store_query(t->s, &q, NULL, NULL, row_count_cb, &rows, &page, &err),
                             0);
            assert_int_equal(rows, args[k].ok[i] ? 1 : 0);
            assert_int_equal(args[k].ok[i], (k + i) % 4 != 0);
            committed += args[k].ok[i];
        }
    }
    size_t objects, credit, audit;
    counts(t->s, &objects, &credit, &audit);
    assert_int_equal(objects, committed);
    assert_int_equal(credit, committed);
    assert_int_equal(audit, committed);
    char prev[65] = "";
    struct rk_err err;
    rk_err_clear(&err);
    assert_int_equal(store_audit_list(t->s, 0, 0, NULL, audit_chain_cb, prev, &err), 0);
}

/* first_other_sources: the source of the earliest version of each id, in any collection,
 * stored by an organisation other than the asker and not by nobody (""). */
static void first_other_sources(void **state)
{
    struct tstore *t = *state;
    char b[4][256];
    struct store_put p[4] = {
        tput(ID1, 1000, "a", b[0], sizeof(b[0])), tput(ID1, 2000, "b", b[1], sizeof(b[1])),
        tput(ID2, 1000, "c", b[2], sizeof(b[2])), tput(ID2, 2000, "d", b[3], sizeof(b[3]))};
    struct rk_err err;
    rk_err_clear(&err);
    p[0].access.source_org = "org-a";
    p[1].access.source_org = "org-b";
    p[2].access.source_org = ""; /* nobody: never an answer */
    p[3].access.source_org = "org-a";
    assert_int_equal(store_put_objects(t->s, COLL, p, 1, &err), 0);
    assert_int_equal(store_put_objects(t->s, "other-collection", &p[1], 3, &err), 0);

    const char *ids[] = {ID1, ID2, NULL, "indicator--00000000-0000-4000-8000-000000000009"};
    char out[4][RK_UUID_LEN];
    memset(out, 'x', sizeof(out));
    assert_int_equal(store_first_other_sources(t->s, "org-a", ids, 4, out, &err), 0);
    assert_string_equal(out[0], "org-b"); /* org-a's own earlier version is skipped */
    assert_string_equal(out[1], "");      /* "" and the asker's own only */
    assert_string_equal(out[2], "");      /* NULL id */
    assert_string_equal(out[3], "");      /* unknown id */
    assert_int_equal(store_first_other_sources(t->s, "org-c", ids, 2, out, &err), 0);
    assert_string_equal(out[0], "org-a"); /* the earliest of org-a's and org-b's */
    assert_string_equal(out[1], "org-a");
    assert_int_equal(store_first_other_sources(t->s, "org-a", ids, 0, NULL, &err), 0);
    assert_int_equal(store_first_other_sources(t->s, NULL, ids, 1, out, &err), RK_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(commits_together, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(callback_error_rolls_back, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(inner_op_error_rolls_back, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(concurrent_writers_keep_the_chain, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(group_commit_isolates_callers, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(first_other_sources, tstore_setup, tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
