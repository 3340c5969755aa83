/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sqlite_faults.c: fault injection in the SQLite file. A trigger makes the write of an
 * original fail after the call's object rows went into the transaction: nothing of the call
 * may stay, neither the objects nor the other originals; without the fault the same call
 * stores everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sqlite_helpers.h"

#define IND "indicator--11111111-1111-4111-8111-111111111111"
#define REL "relationship--22222222-2222-4222-8222-222222222222"

/* A put with access metadata and its original given in full (a provenance row). */
static struct store_put access_put(const char *id, rk_time_us v, const char *body, char *buf,
                                   size_t cap, int tlp, const char *org, const char *original)
{
    struct store_put p = tput(id, v, body, buf, cap);
    p.access.tlp = tlp;
    p.access.source_org = org;
    p.access.source_sector = "finance";
    p.access.rule = "incidents-amber-sector";
    p.original = original;
    p.original_len = strlen(original);
    p.token_hash = "abcd";
    p.anonymity = STORE_ANON_SECTOR;
    return p;
}

/* Counts the rows or originals a callback sees. */
struct seen {
    size_t n;
};

static int seen_row(void *ctx, const struct store_row *r)
{
    (void)r;
    ((struct seen *)ctx)->n++;
    return 0;
}

struct prov_seen {
    size_t n;
};

static int seen_prov(void *ctx, const struct store_provenance *p)
{
    (void)p;
    ((struct prov_seen *)ctx)->n++;
    return 0;
}

static void provenance_rolls_back_with_the_object(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    char b1[256], b2[256];
    /* Fault injection: a trigger makes the provenance insert of REL fail, after the object
     * rows of the call (and IND's provenance) were written in the transaction. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TRIGGER fail_prov BEFORE INSERT ON provenance "
                                  "WHEN NEW.id = '" REL "' BEGIN SELECT RAISE(ABORT, 'injected'); "
                                  "END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    struct store_put p[2] = {
        access_put(IND, 1, "x", b1, sizeof(b1), 2, "org-a", "{}"),
        access_put(REL, 1, "y", b2, sizeof(b2), 2, "org-a", "{}"),
    };
    assert_int_not_equal(store_put_objects(t->s, "c1", p, 2, &err), 0);
    assert_non_null(strstr(err.msg, "provenance"));
    struct prov_seen pv;
    memset(&pv, 0, sizeof(pv));
    assert_int_equal(store_provenance_list(t->s, IND, seen_prov, &pv, &err), 0);
    assert_int_equal(pv.n, 0);
    struct seen seen;
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(store_find_object(t->s, IND, seen_row, &seen, &err), 0);
    assert_int_equal(seen.n, 0);

    /* Without the fault the same call stores both, with their provenance. */
    assert_int_equal(sqlite3_exec(db, "DROP TRIGGER fail_prov", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_put_objects(t->s, "c1", p, 2, &err), 0);
    assert_int_equal(p[1].result, STORE_PUT_NEW);
    assert_int_equal(store_provenance_list(t->s, REL, seen_prov, &pv, &err), 0);
    assert_int_equal(pv.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(provenance_rolls_back_with_the_object, tstore_setup,
                                        tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
