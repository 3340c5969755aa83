/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_cache.c: the entity cache (src/policy/cache.c). Changes are made behind the cache's
 * back through SQLite directly and through a second store handle on the same file (what
 * the CLI does from another process while the server runs), and the test checks when the
 * cache notices: at once for a bump in this process, within POLICY_CACHE_RECHECK_MS for a
 * bump elsewhere, within POLICY_CACHE_TTL_MS for a change without a bump, never for a miss.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../store/test_store_helpers.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

struct fixture {
    struct tstore t;                    /* temporary directory and the "server" handle, cached */
    struct store *other;                /* a second handle: another process */
    char token[POLICY_TOKEN_LEN + 1];   /* coordinator token from init */
    char bearer[POLICY_TOKEN_LEN + 16]; /* "Bearer <token>" */
    char coll_id[RK_UUID_LEN];          /* a collection titled "One" */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Runs SQL on the database file behind every store handle's back. */
static void raw_sql(struct fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->t.path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "sql: %s\n", msg != NULL ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct store_collection c = {0};
    struct rk_err err;

    tstore_open(&f->t);
    if (policy_hub_init(f->t.s, "coord", f->token, &err) != 0)
        return -1;
    if (policy_collection_add(f->t.s, "One", "", "", "all", "all", &c, &err) != 0)
        return -1;
    memcpy(f->coll_id, c.id, sizeof(f->coll_id));
    store_collection_clear(&c);
    if (store_open(f->t.location, &f->other, &err) != 0)
        return -1;
    snprintf(f->bearer, sizeof(f->bearer), "Bearer %s", f->token);
    policy_cache_enable(f->t.s);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    policy_cache_disable();
    store_close(f->other);
    tstore_remove(&f->t);
    free(f);
    return 0;
}

static void title_is(struct fixture *f, const char *want)
{
    struct store_collection c;
    struct rk_err err;
    assert_int_equal(policy_collection_get(f->t.s, f->coll_id, &c, &err), 0);
    assert_string_equal(c.title, want);
    assert_string_equal(c.id, f->coll_id);
    assert_string_equal(c.read_spec, "all");
    store_collection_clear(&c);
}

static void org_name_is(struct fixture *f, const char *want)
{
    struct policy_principal p;
    struct rk_err err;
    assert_int_equal(policy_authenticate(f->t.s, f->bearer, &p, &err), 0);
    assert_true(p.authenticated);
    assert_string_equal(p.org_name, want);
    assert_int_equal(p.role, STORE_ROLE_COORDINATOR);
    assert_int_equal(strlen(p.token_hash), 64);
}

/* A cached entry survives a change without a bump, but no longer than the TTL. */
static void ttl_bounds_an_unannounced_change(void **state)
{
    struct fixture *f = *state;

    title_is(f, "One");
    org_name_is(f, "coord");
    raw_sql(f, "UPDATE collections SET title = 'Two'; UPDATE orgs SET name = 'renamed'");
    title_is(f, "One"); /* served from the cache: proof that it caches */
    org_name_is(f, "coord");
    sleep_ms(POLICY_CACHE_TTL_MS + 100);
    title_is(f, "Two");
    org_name_is(f, "renamed");
}

/* A bump written by another process is seen within the recheck interval. */
static void bump_elsewhere_is_seen_soon(void **state)
{
    struct fixture *f = *state;
    struct policy_principal p;
    struct rk_err err;

    title_is(f, "One");
    org_name_is(f, "coord");
    raw_sql(f, "UPDATE collections SET title = 'Three'; DELETE FROM tokens");
    assert_int_equal(policy_cache_bump(f->other, &err), 0); /* the other process's bump */
    sleep_ms(POLICY_CACHE_RECHECK_MS + 50);
    title_is(f, "Three");
    assert_int_equal(policy_authenticate(f->t.s, f->bearer, &p, &err), RK_E_UNAUTH);
    assert_false(p.authenticated);
}

/* An entity write through the policy layer in this process empties the cache at once. */
static void bump_here_is_immediate(void **state)
{
    struct fixture *f = *state;
    struct store_org o = {0};
    struct rk_err err;

    title_is(f, "One");
    raw_sql(f, "UPDATE collections SET title = 'Four'");
    title_is(f, "One");
    assert_int_equal(
        policy_org_add(f->t.s, "another", "information-communication", STORE_ANON_NAMED, &o, &err),
        0);
    store_org_clear(&o);
    title_is(f, "Four");
}

/* The green delay is cached; a policy change through the policy layer is seen at once. */
static void green_delay_follows_policy_changes(void **state)
{
    struct fixture *f = *state;
    struct policy_principal coord;
    struct rk_err err;
    int hours = -1;

    assert_int_equal(policy_cache_green_delay(f->t.s, &hours, &err), 0);
    assert_int_equal(hours, 0);
    raw_sql(f, "INSERT OR REPLACE INTO settings(key, value) "
               "VALUES('policy', '{\"green_delay_hours\": 7}')");
    assert_int_equal(policy_cache_green_delay(f->t.s, &hours, &err), 0);
    assert_int_equal(hours, 0); /* served from the cache: proof that it caches */
    assert_int_equal(policy_coordinator_principal(f->other, &coord, &err), 0);
    assert_int_equal(
        policy_doc_update(f->other, &coord, "test", "{\"green_delay_hours\": 9}", &err), 0);
    sleep_ms(POLICY_CACHE_RECHECK_MS + 50);
    assert_int_equal(policy_cache_green_delay(f->t.s, &hours, &err), 0);
    assert_int_equal(hours, 9);
}

/* Unknown tokens and collections are not remembered: once they exist, they work at once. */
static void misses_are_not_cached(void **state)
{
    struct fixture *f = *state;
    struct policy_principal p;
    struct store_collection c;
    struct store_token t = {0};
    struct rk_err err;
    char tok[POLICY_TOKEN_LEN + 1];
    char bearer[POLICY_TOKEN_LEN + 16];
    const char *missing = "0d9c8a1e-0000-4000-8000-000000000001";

    policy_token_generate(tok);
    snprintf(bearer, sizeof(bearer), "Bearer %s", tok);
    assert_int_equal(policy_authenticate(f->t.s, bearer, &p, &err), RK_E_UNAUTH);
    assert_int_equal(policy_collection_get(f->t.s, missing, &c, &err), RK_E_NOTFOUND);
    /* Added through the other handle's store, without any bump. */
    org_name_is(f, "coord");
    struct policy_principal me;
    assert_int_equal(policy_authenticate(f->t.s, f->bearer, &me, &err), 0);
    policy_token_hash(tok, t.hash);
    memcpy(t.org_id, me.org_id, sizeof(t.org_id));
    t.role = STORE_ROLE_READER;
    t.label = (char *)"late";
    t.created = rk_time_now();
    t.anonymity = -1;
    assert_int_equal(store_token_add(f->other, &t, &err), 0);
    assert_int_equal(policy_authenticate(f->t.s, bearer, &p, &err), 0);
    assert_int_equal(p.role, STORE_ROLE_READER);
    raw_sql(f, "INSERT INTO collections(id, title, description, alias, read_spec, write_spec, "
               "created) SELECT '0d9c8a1e-0000-4000-8000-000000000001', 'Late', '', '', "
               "read_spec, write_spec, created FROM collections LIMIT 1");
    assert_int_equal(policy_collection_get(f->t.s, missing, &c, &err), 0);
    assert_string_equal(c.title, "Late");
    store_collection_clear(&c);
}

/* A collection is found, and cached, by its alias as by its id, each lookup giving the whole
 * collection with its id; an alias that names nothing, or a key longer than any alias, is
 * not found (and not remembered). */
static void aliases_are_looked_up_and_cached(void **state)
{
    struct fixture *f = *state;
    struct store_collection c = {0};
    struct rk_err err;
    char big[POLICY_ALIAS_MAX + 2];

    assert_int_equal(policy_collection_add(f->t.s, "Feeds", "", "feeds", "all", "all", &c, &err),
                     0);
    char id[RK_UUID_LEN];
    memcpy(id, c.id, sizeof(id));
    store_collection_clear(&c);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(policy_collection_get(f->t.s, "feeds", &c, &err), 0);
        assert_string_equal(c.id, id);
        assert_string_equal(c.alias, "feeds");
        assert_string_equal(c.title, "Feeds");
        store_collection_clear(&c);
        raw_sql(f, "UPDATE collections SET title = 'Renamed' WHERE alias = 'feeds'");
    }
    /* Served from the cache: the title change without a bump is not seen yet. */
    assert_int_equal(policy_collection_get(f->t.s, "feeds", &c, &err), 0);
    assert_string_equal(c.title, "Feeds");
    store_collection_clear(&c);
    assert_int_equal(policy_collection_get(f->t.s, "Feeds", &c, &err), RK_E_NOTFOUND);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(policy_collection_get(f->t.s, big, &c, &err), RK_E_NOTFOUND);
    raw_sql(f, "UPDATE collections SET alias = 'Feeds' WHERE alias = 'feeds'");
    assert_int_equal(policy_collection_get(f->t.s, "Feeds", &c, &err), 0);
    assert_string_equal(c.id, id);
    store_collection_clear(&c);
}

/* Disabled (the CLI, the tests of other modules): every call reads the store. */
static void disabled_reads_through(void **state)
{
    struct fixture *f = *state;

    title_is(f, "One");
    policy_cache_disable();
    raw_sql(f, "UPDATE collections SET title = 'Five'");
    title_is(f, "Five");
    org_name_is(f, "coord");
    raw_sql(f, "UPDATE orgs SET name = 'gone'");
    org_name_is(f, "gone");
    policy_cache_enable(f->other); /* a cache of another store does not serve this one */
    raw_sql(f, "UPDATE collections SET title = 'Six'");
    title_is(f, "Six");
    title_is(f, "Six");
}

struct hammer {
    struct fixture *f;
    int failures;
};

static void *hammer_run(void *arg)
{
    struct hammer *h = arg;
    for (int i = 0; i < 3000; i++) {
        struct policy_principal p;
        struct store_collection c;
        struct rk_err err;
        if (policy_authenticate(h->f->t.s, h->f->bearer, &p, &err) != 0 || !p.authenticated)
            h->failures++;
        if (policy_collection_get(h->f->t.s, h->f->coll_id, &c, &err) != 0)
            h->failures++;
        else if (strcmp(c.title, "One") != 0)
            h->failures++;
        store_collection_clear(&c);
    }
    return NULL;
}

/* Readers on several threads while entity writes bump the cache: no failure, no race. */
static void concurrent_readers_and_bumps(void **state)
{
    struct fixture *f = *state;
    pthread_t th[4];
    struct hammer h[4];
    struct rk_err err;

    for (int i = 0; i < 4; i++) {
        h[i] = (struct hammer){.f = f};
        assert_int_equal(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
    }
    for (int i = 0; i < 10; i++) {
        assert_int_equal(policy_cache_bump(i % 2 ? f->t.s : f->other, &err), 0);
        sleep_ms(5);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(h[i].failures, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ttl_bounds_an_unannounced_change, setup, teardown),
        cmocka_unit_test_setup_teardown(bump_elsewhere_is_seen_soon, setup, teardown),
        cmocka_unit_test_setup_teardown(bump_here_is_immediate, setup, teardown),
        cmocka_unit_test_setup_teardown(misses_are_not_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(green_delay_follows_policy_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(disabled_reads_through, setup, teardown),
        cmocka_unit_test_setup_teardown(aliases_are_looked_up_and_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_readers_and_bumps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
