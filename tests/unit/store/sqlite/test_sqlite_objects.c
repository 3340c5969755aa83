/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sqlite_objects.c: object versions in the SQLite file: cursors find their place through
 * the marks (one row in 64, migration 9), the checkpointer copies a long WAL into the
 * database without being asked, one call's rows inserted together (rk_rows) make the same
 * table as one call per put, and a page of one type holds that type only even when two
 * types share the 32 bits of their key (objects_last_type, migration 10). What every backend
 * must do with objects is in the interface suite (test_objects.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <time.h>

#include "store/sqlite_int.h" /* STORE_SQ_CKPT_BYTES, store_sq_tkey */
#include "sqlite_helpers.h"
#include "../objects_check.h"

/*
 * Cursors find their place through the marks (migration 9): one row in 64 is in objects_marks,
 * the rest of the way is walked. The rows of put_cursor_rows hold eight marks at least; every
 * selection without ids reads the two ranges merged. The same again once rows that carry
 * marks are deleted, and a row put after that still comes last.
 */
static void cursors_every_selection_past_marks(void **state)
{
    struct tstore *t = *state;
    put_cursor_rows(t->s);
    assert_true(tstore_raw_int(t->path, "SELECT COUNT(*) FROM objects WHERE (pos & 63) = 0") >= 8);
    check_every_cursor(t->s);

    /* Delete the ids of three marked rows (a mark gone: the walk starts at the one before). */
    for (int k = 0; k < 3; k++) {
        int i = tstore_raw_int(t->path,
                               "SELECT CAST(substr(id, -12) AS INTEGER) FROM objects WHERE "
                               "(pos & 63) = 0 ORDER BY pos LIMIT 1 OFFSET %d",
                               2 * k + 1);
        assert_true(tstore_delete_all(t->s, COLL, cursor_ids[i]) >= 1);
    }
    check_every_cursor(t->s);
    check_put_after_deletes(t->s);
}

/* Commits no longer checkpoint (the writer's auto-checkpoint is replaced by a hook), yet a
 * long WAL is still copied into the database file: by the checkpointer thread, without
 * anyone asking. */
static void wal_checkpointed_in_background(void **state)
{
    struct tstore *t = *state;
    static char pad[2001];
    memset(pad, 'p', sizeof(pad) - 1);
    enum { N = 500 };
    static char ids[N][64];
    static char bodies[N][2200];
    struct store_put p[N];
    /* Objects of 2 KB: past STORE_SQ_CKPT_BYTES of WAL by a margin of 2 MB or more. */
    const int rounds = STORE_SQ_CKPT_BYTES / (N * 2000) + 2;
    for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < N; i++) {
            snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8000-%012d",
                     round * N + i);
            p[i] = tput(ids[i], 1, pad, bodies[i], sizeof(bodies[i]));
        }
        tstore_put_ok(t->s, COLL, p, N);
    }
    struct stat sb;
    memset(&sb, 0, sizeof(sb));
    for (int i = 0; i < 200; i++) { /* up to 10 s */
        assert_int_equal(stat(t->path, &sb), 0);
        if (sb.st_size > 2 * 1024 * 1024)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(sb.st_size > 2 * 1024 * 1024);
    struct store_query q = {.collection_id = COLL, .added_after = -1, .limit = 100000};
    struct store_page page;
    struct seen seen;
    run_query(t->s, &q, &seen, &page);
    assert_int_equal(page.count, rounds * N);
}

/*
 * objects_last_type's key holds 32 bits of a hash of the type (tkey, migration 10): two
 * types whose bits collide share key values, and a page of one type's latest versions must
 * still hold that type only. The colliding pair is searched for (a few hundred thousand
 * hashes at most), then one object of each type is put.
 */
static void one_type_despite_colliding_keys(void **state)
{
    struct tstore *t = *state;
    enum { TRIES = 1 << 20, SLOTS = 1 << 22 };
    uint32_t *slot = calloc(SLOTS, sizeof(*slot)); /* low 32 bits of tkey -> candidate + 1 */
    char types[2][32] = {"", ""};
    assert_non_null(slot);
    for (uint32_t i = 0; i < TRIES && types[0][0] == '\0'; i++) {
        char name[32];
        snprintf(name, sizeof(name), "x-t%u", (unsigned)i);
        uint32_t k = (uint32_t)store_sq_tkey(0, name);
        uint32_t at = (k * 2654435761u) >> 10; /* SLOTS = 2^22 */
        while (slot[at] != 0) {
            char other[32];
            snprintf(other, sizeof(other), "x-t%u", (unsigned)(slot[at] - 1));
            if ((uint32_t)store_sq_tkey(0, other) == k) {
                snprintf(types[0], sizeof(types[0]), "%s", other);
                snprintf(types[1], sizeof(types[1]), "%s", name);
                break;
            }
            at = (at + 1) & (SLOTS - 1);
        }
        slot[at] = i + 1;
    }
    free(slot);
    assert_true(types[0][0] != '\0');
    assert_int_equal(store_sq_tkey(1, types[0]), store_sq_tkey(1, types[1]));

    char b[2][256], ids[2][80];
    struct store_put p[2];
    for (int i = 0; i < 2; i++) {
        snprintf(ids[i], sizeof(ids[i]), "%s--00000000-0000-4000-8000-00000000000%d", types[i], i);
        p[i] = tput(ids[i], 1, "a", b[i], sizeof(b[i]));
        p[i].type = types[i];
    }
    tstore_put_ok(t->s, COLL, p, 2);
    for (int i = 0; i < 2; i++) {
        const char *one[] = {types[i]};
        struct store_query q = {
            .collection_id = COLL, .added_after = -1, .limit = 100, .types = one, .n_types = 1};
        struct seen seen;
        struct store_page page;
        run_query(t->s, &q, &seen, &page);
        assert_int_equal(seen.n, 1);
        assert_string_equal(seen.ids[0], ids[i]);
    }
}

/*
 * put_objects decides on every put in order but inserts the new rows together (rk_rows,
 * sqlite_rows.c), flushing them before it probes an id that may be among them. The same 600
 * puts (150 ids, versions older and newer than those held, duplicates, conflicts, new ids
 * and ids seen earlier in the call) in one call and one call per put must give the same
 * results and the same table: every row's pos, id, version, flags and body.
 */
static void one_call_matches_one_by_one(void **state)
{
    struct tstore *a = *state, b = {0};
    enum { N = 600 };
    static struct store_put pa[N], pb[N];
    static char ids[N][80], bodies[N][128];
    uint32_t x = 12345;

    tstore_open(&b);
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        int id = (int)((x >> 8) % 150), version = 1000 + (int)((x >> 16) % 5),
            body = (int)((x >> 20) % 3);
        snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8000-%012d", id);
        char word[16];
        snprintf(word, sizeof(word), "b%d", body);
        pa[i] = tput(ids[i], version, word, bodies[i], sizeof(bodies[i]));
        pb[i] = pa[i];
    }
    tstore_put_ok(a->s, COLL, pa, N);
    for (int i = 0; i < N; i++)
        tstore_put_ok(b.s, COLL, &pb[i], 1);
    int results[4] = {0};
    for (int i = 0; i < N; i++) {
        assert_int_equal(pa[i].result, pb[i].result);
        assert_int_equal(pa[i].version_out, pb[i].version_out);
        results[pa[i].result]++;
    }
    /* The sequence exercises every outcome. */
    assert_true(results[STORE_PUT_NEW] > 100);
    assert_true(results[STORE_PUT_DUP] > 50);
    assert_true(results[STORE_PUT_CONFLICT] > 50);
    const char *sql = "SELECT group_concat(pos || ':' || id || ':' || version || ':' || "
                      "is_first || is_last || ':' || hex(json), '|') FROM "
                      "(SELECT * FROM objects ORDER BY pos)";
    char *ta = tstore_raw_text(a->path, sql), *tb = tstore_raw_text(b.path, sql);
    assert_true(strlen(ta) > 1000);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    tstore_remove(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(cursors_every_selection_past_marks, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(wal_checkpointed_in_background, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(one_call_matches_one_by_one, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(one_type_despite_colliding_keys, tstore_setup,
                                        tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
