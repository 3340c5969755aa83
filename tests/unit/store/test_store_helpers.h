/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store_helpers.h: fresh stores, and small object builders, for the store's interface
 * suite (tests/unit/store/test_*.c, which run against any backend), its SQLite-only tests
 * (tests/unit/store/sqlite/) and the policy tests. Only store.h is used here.
 *
 * The backend under test: a store opened at a location by store_open, which is SQLite in a
 * temporary folder today. Built with RK_TEST_STORE_NOHINTS (the *_nohints tests), every
 * store is wrapped by tests/unit/store/nohints.c, a backend that ignores every hint of
 * store.h: the suite passes against it too, so no caller depends on a hint.
 */
#ifndef RK_TEST_STORE_HELPERS_H
#define RK_TEST_STORE_HELPERS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

#ifdef RK_TEST_STORE_NOHINTS
/* nohints.c: wraps inner (taking it over) in a backend that ignores every hint. */
struct store *tstore_nohints_wrap(struct store *inner);
#endif

/* A fresh store in its own temp directory. */
struct tstore {
    char dir[64];       /* mkdtemp directory */
    char path[128];     /* dir/renkei.db: the SQLite file, for SQLite-only checks */
    char location[160]; /* where the store is, as store_open takes it */
    struct store *s;
};

/* store_open(location), wrapped when the tests are built to ignore hints. */
static inline int tstore_open_at(const char *location, struct store **out, struct rk_err *err)
{
    int rc = store_open(location, out, err);
#ifdef RK_TEST_STORE_NOHINTS
    if (rc == 0)
        *out = tstore_nohints_wrap(*out);
#endif
    return rc;
}

/* Opens t's store, creating its directory on the first call (a test that made its own
 * directory and file sets dir and path first). */
static inline void tstore_open(struct tstore *t)
{
    struct rk_err err;
    rk_err_clear(&err);
    if (t->dir[0] == '\0') {
        snprintf(t->dir, sizeof(t->dir), "/tmp/rk-store-XXXXXX");
        if (mkdtemp(t->dir) == NULL)
            abort();
        snprintf(t->path, sizeof(t->path), "%s/renkei.db", t->dir);
    }
    if (t->location[0] == '\0')
        snprintf(t->location, sizeof(t->location), "sqlite:%s", t->path);
    if (tstore_open_at(t->location, &t->s, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", t->location, err.msg);
        abort();
    }
}

/* Closes t's store and removes it with its directory. */
static inline void tstore_remove(struct tstore *t)
{
    char p[160];
    store_close(t->s);
    t->s = NULL;
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", t->path, suffix[i]);
        unlink(p);
    }
    rmdir(t->dir);
}

/* cmocka fixture: a fresh store in *state, closed and removed by tstore_teardown. */
static inline int tstore_setup(void **state)
{
    struct tstore *t = calloc(1, sizeof(*t));
    tstore_open(t);
    *state = t;
    return 0;
}

static inline int tstore_teardown(void **state)
{
    struct tstore *t = *state;
    tstore_remove(t);
    free(t);
    return 0;
}

#ifdef CMOCKA_H_
/* store_put_objects that must succeed (the error message is printed if it does not). */
static inline void tstore_put_ok(struct store *s, const char *coll, struct store_put *p, size_t n)
{
    struct rk_err err;
    rk_err_clear(&err);
    int rc = store_put_objects(s, coll, p, n, &err);
    if (rc != 0)
        fprintf(stderr, "put: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* Deletes every version of id in collection coll (delete_object, which must succeed);
 * returns how many versions went. */
static inline size_t tstore_delete_all(struct store *s, const char *coll, const char *id)
{
    const char *ids[] = {id};
    struct store_query q = {.collection_id = coll,
                            .added_after = -1,
                            .limit = 1,
                            .ids = ids,
                            .n_ids = 1,
                            .version_sel = STORE_VERSION_ALL};
    struct rk_err err;
    size_t deleted = 0;
    rk_err_clear(&err);
    int rc = store_delete_object(s, &q, &deleted, &err);
    if (rc != 0)
        fprintf(stderr, "delete %s: %s\n", id, err.msg);
    assert_int_equal(rc, 0);
    return deleted;
}
#endif

/* An object version whose JSON is built into buf. */
static inline struct store_put tput(const char *id, rk_time_us version, const char *body, char *buf,
                                    size_t cap)
{
    int n =
        snprintf(buf, cap, "{\"id\":\"%s\",\"v\":%lld,\"b\":\"%s\"}", id, (long long)version, body);
    if (n < 0 || (size_t)n >= cap)
        abort();
    struct store_put p;
    memset(&p, 0, sizeof(p));
    p.id = id;
    p.type = "indicator";
    p.spec_version = "2.1";
    p.version = version;
    p.json = buf;
    p.json_len = strlen(buf);
    return p;
}

#endif
