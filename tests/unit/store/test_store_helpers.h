/* SPDX-License-Identifier: Apache-2.0 */
/* test_store_helpers.h: temp directories and small object builders for the store tests. */
#ifndef RK_TEST_STORE_HELPERS_H
#define RK_TEST_STORE_HELPERS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

/* A fresh store in its own temp directory. */
struct tstore {
    char dir[64];   /* mkdtemp directory */
    char path[128]; /* dir/renkei.db */
    struct store *s;
};

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
    if (store_open_sqlite(t->path, &t->s, &err) != 0) {
        fprintf(stderr, "open: %s\n", err.msg);
        abort();
    }
}

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

/* Opens path read-only through a connection of the test's own and steps sql to its first
 * row; the caller reads column 0, then finalizes *st and closes *db. */
static inline void tstore_raw_first_row(const char *path, const char *sql, sqlite3 **db,
                                        sqlite3_stmt **st)
{
    *db = NULL;
    *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(*db, sql, -1, st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(*st), SQLITE_ROW);
}

/* The integer in the first column of the first row of a query read through a read-only
 * connection of the test's own. fmt goes through sqlite3_vmprintf (%Q quotes a string). */
static inline int tstore_raw_int(const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    assert_non_null(sql);
    sqlite3 *db;
    sqlite3_stmt *st;
    tstore_raw_first_row(path, sql, &db, &st);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    sqlite3_free(sql);
    return v;
}

/* The text in the first column of the first row of sql, read likewise (NULL as ""); the
 * caller frees it. */
static inline char *tstore_raw_text(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    tstore_raw_first_row(path, sql, &db, &st);
    const unsigned char *v = sqlite3_column_text(st, 0);
    char *out = strdup(v != NULL ? (const char *)v : "");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
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
