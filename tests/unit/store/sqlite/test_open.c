/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_open.c: store_open by location: "sqlite:PATH" and a plain path open the same SQLite
 * file, a PostgreSQL location is refused as not built in without repeating it (it may hold a
 * password), any other scheme is refused, and a file name with a colon is still a path. The
 * SQLite backend's own errors: a missing folder, a file that is not a database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sqlite_helpers.h"

static void open_errors(void **state)
{
    struct store *s = NULL;
    struct rk_err err;
    rk_err_clear(&err);
    int rc = store_open("/nonexistent-dir-rk/sub/renkei.db", &s, &err);
    assert_int_equal(rc, RK_E_IO);
    assert_non_null(strstr(err.msg, "cannot open store at /nonexistent-dir-rk/sub/renkei.db"));
    assert_null(s);

    /* A file that is not a database. */
    char dir[] = "/tmp/rk-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/renkei.db", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not sqlite at all ", f);
    fclose(f);
    rc = store_open(path, &s, &err);
    assert_int_equal(rc, RK_E_DB);
    assert_non_null(strstr(err.msg, path));
    unlink(path);
    rmdir(dir);
}

/* Both forms of a SQLite location name one file: what one wrote, the other reads. */
static void sqlite_locations(void **state)
{
    struct tstore *t = *state;
    struct store *s = NULL;
    struct rk_err err;
    char *v = NULL;
    assert_int_equal(store_setting_set(t->s, "k", "written", &err), 0);
    store_close(t->s);
    t->s = NULL;
    rk_err_clear(&err);
    assert_int_equal(store_open(t->path, &s, &err), 0); /* the plain path */
    assert_string_equal(s->ops->name, "sqlite");
    assert_int_equal(store_setting_get(s, "k", &v, &err), 0);
    assert_string_equal(v, "written");
    free(v);
    assert_int_equal(store_setting_set(s, "k", "again", &err), 0);
    store_close(s);
    tstore_open(t); /* "sqlite:" + the path */
    assert_int_equal(strncmp(t->location, "sqlite:/", 8), 0);
    assert_int_equal(store_setting_get(t->s, "k", &v, &err), 0);
    assert_string_equal(v, "again");
    free(v);
}

/* A file whose name has a colon but no "scheme://" is a path (and a new store). */
static void colon_in_a_path(void **state)
{
    struct tstore *t = *state;
    struct store *s = NULL;
    struct rk_err err;
    char path[160];
    snprintf(path, sizeof(path), "%s/a:b.db", t->dir);
    rk_err_clear(&err);
    assert_int_equal(store_open(path, &s, &err), 0);
    store_close(s);
    assert_int_equal(access(path, F_OK), 0);
    unlink(path);
    /* "://" after a slash is no scheme: a path, whose folder "x:" does not exist. */
    snprintf(path, sizeof(path), "%s/x://y.db", t->dir);
    assert_int_equal(store_open(path, &s, &err), RK_E_IO);
    assert_non_null(strstr(err.msg, "cannot open store at"));
    assert_null(s);
}

static void other_locations_refused(void **state)
{
    (void)state;
    struct store *s = (struct store *)1;
    struct rk_err err;
    const char *pg[] = {"postgresql://renkei:s3cret@db.example/renkei", "postgres://db/renkei",
                        "PostgreSQL://db/renkei"};
    for (size_t i = 0; i < sizeof(pg) / sizeof(pg[0]); i++) {
        rk_err_clear(&err);
        s = (struct store *)1;
        assert_int_equal(store_open(pg[i], &s, &err), RK_E_UNSUPPORTED);
        assert_null(s);
        assert_non_null(strstr(err.msg, "PostgreSQL"));
        assert_non_null(strstr(err.msg, "not built in"));
        assert_null(strstr(err.msg, "s3cret"));
        assert_null(strstr(err.msg, "://"));
    }
    rk_err_clear(&err);
    assert_int_equal(store_open("mysql://db/renkei", &s, &err), RK_E_INVALID);
    assert_null(s);
    assert_non_null(strstr(err.msg, "mysql://"));
    assert_int_equal(store_open("", &s, &err), RK_E_INVALID);
    assert_int_equal(store_open(NULL, &s, &err), RK_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_errors),
        cmocka_unit_test_setup_teardown(sqlite_locations, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(colon_in_a_path, tstore_setup, tstore_teardown),
        cmocka_unit_test(other_locations_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
