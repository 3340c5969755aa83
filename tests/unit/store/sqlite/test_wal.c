/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_wal.c: the write-ahead log stays bounded under a steady stream of commits with
 * readers active. PASSIVE checkpoints alone never catch up with a busy writer, and the WAL
 * then grows without end (seen: 12.9 GB of WAL for 334 MB of objects).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "store/sqlite_int.h"
#include "sqlite_helpers.h"

#define BODY_BYTES 12000 /* one object row per commit, plus its index pages */
#define COMMITS    14000 /* several hundred MB of WAL frames in all: many times the cap */

struct reader_arg {
    struct store *s;
    atomic_bool stop;
    long pages;
};

static int count_row(void *ctx, const struct store_row *row)
{
    (void)ctx;
    (void)row;
    return 0;
}

/* Keeps read snapshots open all the time, as a serving hub does. */
static void *reader_main(void *p)
{
    struct reader_arg *a = p;
    while (!atomic_load(&a->stop)) {
        struct store_query q = {.collection_id = "c", .added_after = -1, .limit = 50};
        struct store_page page;
        struct rk_err err;
        if (store_query(a->s, &q, NULL, NULL, count_row, NULL, &page, &err) == 0)
            a->pages++;
    }
    return NULL;
}

static void wal_stays_bounded(void **state)
{
    (void)state;
    struct tstore t = {0};
    struct reader_arg ra = {0};
    pthread_t reader;
    char *body = malloc(BODY_BYTES + 1);
    char *buf = malloc(BODY_BYTES + 256);
    char wal[160];
    struct stat st;
    off_t biggest = 0;

    memset(body, 'x', BODY_BYTES);
    body[BODY_BYTES] = '\0';
    tstore_open(&t);
    snprintf(wal, sizeof(wal), "%s-wal", t.path);
    ra.s = t.s;
    assert_int_equal(pthread_create(&reader, NULL, reader_main, &ra), 0);
    for (int i = 0; i < COMMITS; i++) {
        char id[64];
        struct rk_err err;
        snprintf(id, sizeof(id), "indicator--%08d-0000-4000-8000-000000000000", i);
        struct store_put p = tput(id, 1000 + i, body, buf, BODY_BYTES + 256);
        assert_int_equal(store_put_objects(t.s, "c", &p, 1, &err), 0);
        if (i % 500 == 0 && stat(wal, &st) == 0 && st.st_size > biggest)
            biggest = st.st_size;
    }
    atomic_store(&ra.stop, true);
    pthread_join(reader, NULL);
    if (stat(wal, &st) == 0 && st.st_size > biggest)
        biggest = st.st_size;
    /* The cap is STORE_SQ_CKPT_FORCE_BYTES (65,536,000 bytes); a RESTART checkpoint may lag
     * a few commits behind it. With the forced checkpoint disabled this run's WAL reached
     * 1.4 GB (measured with 16 KiB pages, the default then); the count of forced
     * checkpoints says the mechanism ran. */
    unsigned forced = ((struct store_sqlite *)t.s)->ckpt_forced;
    fprintf(stderr, "# biggest WAL %lld bytes, %ld reader pages, %u forced checkpoints\n",
            (long long)biggest, ra.pages, forced);
    assert_true(ra.pages > 0);
    assert_true(forced > 0);
    assert_true(biggest < (off_t)100 * 1024 * 1024);
    store_close(t.s);
    t.s = NULL;
    tstore_remove(&t);
    free(body);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wal_stays_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
