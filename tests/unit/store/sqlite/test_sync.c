/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sync.c: a write op of the SQLite store returns only once its commit is synced
 * (sqlite_sync.c): the writer commits without fsync (synchronous=NORMAL) and syncs the WAL
 * after releasing the write lock. Every kind of write op is checked, alone and from
 * several threads; a failed fdatasync fails the op that waits for it and every later one,
 * while a WAL that cannot be opened fails only the op at hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "store/sqlite_int.h"
#include "sqlite_helpers.h"

#define COLL "c0000000-0000-4000-8000-000000000001"

static struct store_sqlite *sq(struct tstore *t)
{
    return (struct store_sqlite *)t->s;
}

/* Commits counted by the writer's WAL hook, and how far the WAL is synced. */
static uint64_t committed(struct tstore *t)
{
    return atomic_load(&sq(t)->commit_gen);
}

static uint64_t synced(struct tstore *t)
{
    pthread_mutex_lock(&sq(t)->sync_mu);
    uint64_t g = sq(t)->synced_gen;
    pthread_mutex_unlock(&sq(t)->sync_mu);
    return g;
}

/* Asserts that the op just run committed something and that it is synced. */
static void assert_synced_after(struct tstore *t, uint64_t before, const char *op)
{
    uint64_t c = committed(t);
    if (c <= before || synced(t) < c)
        fail_msg("%s: commits %llu -> %llu, synced %llu", op, (unsigned long long)before,
                 (unsigned long long)c, (unsigned long long)synced(t));
}

static void audit_hash(const struct store_audit *e, char out[65])
{
    snprintf(out, 65, "%064lld", (long long)e->seq);
}

static int then_credit(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                       struct rk_err *err)
{
    (void)ctx;
    (void)n;
    struct store_credit c = {0, 0, "o1", "contribution", (char *)puts[0].id, 1, "o2", "rail"};
    return store_credit_add(s, &c, 1, err);
}

/* Each write op, one after the other on one thread: each returns with its commit synced. */
static void every_write_op_waits_for_its_sync(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    char b[256];
    uint64_t before;

    rk_err_clear(&err);
    before = committed(t);
    struct store_put p =
        tput("indicator--00000000-0000-4000-8000-000000000001", 1, "a", b, sizeof(b));
    tstore_put_ok(t->s, COLL, &p, 1);
    assert_synced_after(t, before, "put_objects");

    before = committed(t);
    struct store_put p2 =
        tput("indicator--00000000-0000-4000-8000-000000000002", 1, "b", b, sizeof(b));
    assert_int_equal(store_put_objects_then(t->s, COLL, &p2, 1, then_credit, NULL, &err), 0);
    assert_synced_after(t, before, "put_objects_then");

    before = committed(t);
    struct store_status st = {"s0000000-0000-4000-8000-000000000001", "o1", "{}"};
    assert_int_equal(store_status_put(t->s, &st, &err), 0);
    assert_synced_after(t, before, "status_put");

    before = committed(t);
    assert_int_equal(store_setting_set(t->s, "k", "v", &err), 0);
    assert_synced_after(t, before, "setting_set");

    before = committed(t);
    struct store_audit a = {0};
    a.org_id = "o1";
    a.action = "read";
    a.route = "r";
    a.collection = "";
    a.detail = "{}";
    assert_int_equal(store_audit_append(t->s, &a, audit_hash, &err), 0);
    free(a.prev_hash);
    free(a.hash);
    assert_synced_after(t, before, "audit_append");

    before = committed(t);
    struct store_credit c = {0, 0, "o1", "sighting", "indicator--x", 1, "o2", "rail"};
    assert_int_equal(store_credit_add(t->s, &c, 1, &err), 0);
    assert_synced_after(t, before, "credit_add");

    before = committed(t);
    const char *ids[] = {p.id};
    struct store_query q = {.collection_id = COLL, .added_after = -1, .ids = ids, .n_ids = 1};
    size_t deleted = 0;
    assert_int_equal(store_delete_object(t->s, &q, &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    assert_synced_after(t, before, "delete_object");
}

struct putter {
    struct store *s;
    int k;
    int failures;
};

static void *putter_main(void *arg)
{
    struct putter *w = arg;
    char ids[20][64], bodies[20][256];
    struct store_put p[20];
    for (int round = 0; round < 25; round++) {
        for (int i = 0; i < 20; i++) {
            snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8%03d-%012d", w->k,
                     round * 20 + i);
            p[i] = tput(ids[i], 1, "x", bodies[i], sizeof(bodies[i]));
        }
        struct rk_err err;
        rk_err_clear(&err);
        if (store_put_objects_then(w->s, COLL, p, 20, NULL, NULL, &err) != 0)
            w->failures++;
    }
    return NULL;
}

/* Group commit and group sync from several threads: everything succeeds, every object is
 * stored, and at the end every commit is synced. */
static void concurrent_puts_all_synced(void **state)
{
    struct tstore *t = *state;
    enum { THREADS = 4 };
    pthread_t th[THREADS];
    struct putter w[THREADS];
    for (int k = 0; k < THREADS; k++) {
        w[k] = (struct putter){t->s, k, 0};
        assert_int_equal(pthread_create(&th[k], NULL, putter_main, &w[k]), 0);
    }
    for (int k = 0; k < THREADS; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(w[k].failures, 0);
    }
    assert_true(committed(t) > 0);
    assert_int_equal(synced(t), committed(t));
    assert_int_equal(tstore_raw_int(t->path, "SELECT count(*) FROM objects"), THREADS * 25 * 20);
}

/* A sync that fails fails the write that waits for it, names the WAL, and every later write
 * fails too: after a failed fsync nothing can be trusted to be on disk. */
static void failed_sync_is_reported_and_sticky(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    char b[256];
    int pipefd[2];

    /* One write opens the store's own WAL descriptor; then swap in a pipe, on which
     * fdatasync fails (EINVAL), as a dying disk would. */
    struct store_put p =
        tput("indicator--00000000-0000-4000-8000-000000000001", 1, "a", b, sizeof(b));
    tstore_put_ok(t->s, COLL, &p, 1);
    assert_true(sq(t)->wal_fd >= 0);
    assert_int_equal(pipe(pipefd), 0);
    close(sq(t)->wal_fd);
    sq(t)->wal_fd = pipefd[0];

    rk_err_clear(&err);
    struct store_put p2 =
        tput("indicator--00000000-0000-4000-8000-000000000002", 1, "b", b, sizeof(b));
    assert_int_equal(store_put_objects_then(t->s, COLL, &p2, 1, NULL, NULL, &err), RK_E_IO);
    assert_non_null(strstr(err.msg, "cannot sync the write-ahead log"));
    assert_non_null(strstr(err.msg, "renkei.db-wal"));

    rk_err_clear(&err);
    struct store_status st = {"s0000000-0000-4000-8000-000000000001", "o1", "{}"};
    assert_int_equal(store_status_put(t->s, &st, &err), RK_E_IO);
    rk_err_clear(&err);
    struct store_put p3 =
        tput("indicator--00000000-0000-4000-8000-000000000003", 1, "c", b, sizeof(b));
    assert_int_equal(store_put_objects(t->s, COLL, &p3, 1, &err), RK_E_IO);
    close(pipefd[1]);
}

/* The WAL cannot be opened for syncing (here: its name moved away; in life, too many open
 * files): that write fails, and the next one, once it can, succeeds: nothing sticky. */
static void wal_open_failure_is_not_sticky(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    char b[256], wal[160], moved[170];
    assert_true(sq(t)->wal_fd < 0); /* no write has waited yet */
    snprintf(wal, sizeof(wal), "%s-wal", t->path);
    snprintf(moved, sizeof(moved), "%s-wal.moved", t->path);
    assert_int_equal(rename(wal, moved), 0);
    struct store_put p =
        tput("indicator--00000000-0000-4000-8000-000000000011", 1, "a", b, sizeof(b));
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, COLL, &p, 1, &err), RK_E_IO);
    assert_non_null(strstr(err.msg, "cannot open the write-ahead log"));
    assert_int_equal(rename(moved, wal), 0);
    uint64_t before = committed(t);
    struct store_put p2 =
        tput("indicator--00000000-0000-4000-8000-000000000012", 1, "b", b, sizeof(b));
    tstore_put_ok(t->s, COLL, &p2, 1);
    assert_synced_after(t, before, "put_objects once the WAL opens again");
}

/* A note of this thread's last commit that this store never counted (a store freed at the
 * same address, whose op failed after committing) is not waited for: it would be forever. */
static void stale_commit_note_not_waited_for(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    store_sq_commit_counted(sq(t)); /* as a commit of the freed store would have left it */
    atomic_store(&sq(t)->commit_gen, 0);
    rk_err_clear(&err);
    assert_int_equal(store_sq_durable(sq(t), &err), 0);
    /* And the store goes on: a write afterwards is synced as usual. */
    char b[256];
    uint64_t before = committed(t);
    struct store_put p =
        tput("indicator--00000000-0000-4000-8000-000000000009", 1, "z", b, sizeof(b));
    tstore_put_ok(t->s, COLL, &p, 1);
    assert_synced_after(t, before, "put_objects after a stale note");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_write_op_waits_for_its_sync, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(concurrent_puts_all_synced, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(failed_sync_is_reported_and_sticky, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(stale_commit_note_not_waited_for, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(wal_open_failure_is_not_sticky, tstore_setup,
                                        tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
