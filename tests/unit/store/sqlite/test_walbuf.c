/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_walbuf.c: the WAL write buffer (sqlite_walbuf.c). Every commit is in the file when it
 * returns (another connection, with its own descriptor, reads it at once), pages SQLite
 * spills into the WAL inside a transaction read back as written, and a write-out that fails
 * fails its commit without harming the next one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "store/sqlite_int.h"
#include "sqlite_helpers.h"

#define BODY_BYTES 3000

/* n objects of BODY_BYTES each, ids from first on, in one put_objects; returns its rc. */
static int put_many(struct store *s, int first, int n)
{
    struct store_put *p = calloc((size_t)n, sizeof(*p));
    char(*ids)[64] = calloc((size_t)n, 64);
    char *body = malloc(BODY_BYTES + 1);
    size_t cap = BODY_BYTES + 256;
    char *bufs = malloc((size_t)n * cap);
    struct rk_err err;

    memset(body, 'x', BODY_BYTES);
    body[BODY_BYTES] = '\0';
    for (int i = 0; i < n; i++) {
        snprintf(ids[i], 64, "indicator--%08d-0000-4000-8000-000000000000", first + i);
        p[i] = tput(ids[i], 1000, body, bufs + (size_t)i * cap, cap);
    }
    rk_err_clear(&err);
    int rc = store_put_objects(s, "c", p, (size_t)n, &err);
    free(bufs);
    free(body);
    free(ids);
    free(p);
    return rc;
}

/* A commit far larger than the buffer, then one much smaller: another connection sees each
 * whole as soon as put_objects returns, and the file is sound. */
static void commits_are_in_the_file(void **state)
{
    struct tstore *t = *state;

    assert_int_equal(put_many(t->s, 0, 3000), 0); /* about 10 MB of WAL frames */
    assert_int_equal(tstore_raw_int(t->path, "SELECT count(*) FROM objects"), 3000);
    assert_int_equal(put_many(t->s, 3000, 1), 0);
    assert_int_equal(tstore_raw_int(t->path, "SELECT count(*) FROM objects"), 3001);
    assert_int_equal(tstore_raw_int(t->path,
                                    "SELECT length(json) > %d FROM objects WHERE id = "
                                    "'indicator--00003000-0000-4000-8000-000000000000'",
                                    BODY_BYTES),
                     1);
    assert_int_equal(tstore_raw_int(t->path, "SELECT \"ok\" = integrity_check FROM "
                                             "pragma_integrity_check"),
                     1);
}

/* With a cache of a few pages the writer spills pages into the WAL in the middle of its
 * transaction and reads them back later in it: they must come back as written. */
static void spilled_pages_read_back(void **state)
{
    struct tstore *t = *state;
    struct store_sqlite *s = (struct store_sqlite *)t->s;

    assert_int_equal(sqlite3_exec(s->writer->db, "PRAGMA cache_size=8", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(put_many(t->s, 0, 2000), 0);
    assert_int_equal(put_many(t->s, 2000, 2000), 0);
    assert_int_equal(tstore_raw_int(t->path, "SELECT count(*) FROM objects"), 4000);
    assert_int_equal(tstore_raw_int(t->path, "SELECT count(DISTINCT id) FROM objects"), 4000);
    assert_int_equal(tstore_raw_int(t->path, "SELECT \"ok\" = integrity_check FROM "
                                             "pragma_integrity_check"),
                     1);
}

/* A file size limit makes the write-out of a big commit fail (EFBIG): that put fails, none
 * of its objects is stored, and once the limit is lifted the next put is stored. */
static void failed_write_out_fails_the_commit(void **state)
{
    struct tstore *t = *state;
    char wal[160];
    struct stat st;
    struct rlimit old, lim;

    assert_int_equal(put_many(t->s, 0, 10), 0);
    snprintf(wal, sizeof(wal), "%s-wal", t->path);
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = (rlim_t)st.st_size + 1024 * 1024;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = put_many(t->s, 10, 3000); /* about 10 MB: past the limit */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_not_equal(rc, 0);
    assert_int_equal(tstore_raw_int(t->path, "SELECT count(*) FROM objects"), 10);
    assert_int_equal(put_many(t->s, 5000, 5), 0);
    assert_int_equal(tstore_raw_int(t->path, "SELECT count(*) FROM objects"), 15);
    assert_int_equal(tstore_raw_int(t->path, "SELECT \"ok\" = integrity_check FROM "
                                             "pragma_integrity_check"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(commits_are_in_the_file, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(spilled_pages_read_back, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(failed_write_out_fails_the_commit, tstore_setup,
                                        tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
