/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_index_read.c: policy_index_scan, the hub-internal read for in-memory indexes, over a
 * real store: every version of every collection reaches it whatever its marking (RED for one
 * recipient, an organisation's own collection), each once; the cursor it returns gives
 * exactly the rows added since; types filter; a callback's error stops it and is returned
 * with the cursor unchanged; and it writes no audit entry (nothing leaves the process).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/ledger.h"
#include "policy/policy.h"
#include "policy_world.h"

struct fixture {
    struct policy_world w;        /* coord, fin1, fin2, rail, anon (policy_world.h) */
    struct store_collection c[2]; /* all, org:rail */
    int n_put;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct rk_err err;

    if (world_open(&f->w, "idxread") != 0 ||
        policy_collection_add(f->w.store, "All", "", NULL, "all", "all", &f->c[0], &err) != 0 ||
        policy_collection_add(f->w.store, "Rail", "", NULL, "org:rail", "all", &f->c[1], &err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    for (int i = 0; i < 2; i++)
        store_collection_clear(&f->c[i]);
    world_close(&f->w);
    free(f);
    return 0;
}

/* Stores a new version of a new object of type in c, with tlp and recipients; its id. */
static void put(struct fixture *f, int c, const char *type, int tlp, const char *recipients,
                char id[STIX_ID_MAX + 1])
{
    char json[512], modified[RK_TIME_LEN], uuid[RK_UUID_LEN];
    struct store_put p;
    struct rk_err err;

    rk_uuid_v4(uuid);
    snprintf(id, STIX_ID_MAX + 1, "%s--%s", type, uuid);
    rk_time_format(1704067200000000LL + (rk_time_us)(++f->n_put) * 1000, modified);
    snprintf(json, sizeof(json),
             "{\"created\":\"2024-01-01T00:00:00.000Z\",\"id\":\"%s\",\"modified\":\"%s\","
             "\"spec_version\":\"2.1\",\"type\":\"%s\"}",
             id, modified, type);
    memset(&p, 0, sizeof(p));
    p.id = id;
    p.type = type;
    p.spec_version = "2.1";
    assert_int_equal(rk_time_parse(modified, &p.version), 0);
    p.json = json;
    p.json_len = strlen(json);
    p.access.tlp = tlp;
    p.access.source_org = f->w.fin1.org_id;
    p.access.source_sector = f->w.fin1.sector;
    p.access.scope = "";
    p.access.recipients = recipients;
    p.access.joins = "";
    p.access.rule = "test";
    assert_int_equal(store_put_objects(f->w.store, f->c[c].id, &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
}

struct seen {
    char ids[64][STIX_ID_MAX + 1];
    size_t n;
    size_t fail_at; /* the callback fails on this row (1-based; 0 never) */
};

static int note(void *ctx, const struct store_row *row)
{
    struct seen *s = ctx;

    assert_non_null(row->json);
    assert_non_null(strstr(row->json, row->id));
    if (s->fail_at != 0 && s->n + 1 == s->fail_at)
        return RK_E_IO;
    assert_true(s->n < 64);
    snprintf(s->ids[s->n++], STIX_ID_MAX + 1, "%s", row->id);
    return 0;
}

static bool has(const struct seen *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0)
            return true;
    return false;
}

static size_t audit_entries(struct fixture *f)
{
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    size_t n = 0;

    assert_int_equal(policy_audit_list_json(f->w.store, 0, 10000, NULL, &b, &err), 0);
    for (const char *p = b.data; p != NULL && (p = strstr(p, "\"action\"")) != NULL; p++)
        n++;
    rk_buf_free(&b);
    return n;
}

static void test_everything_once_then_what_is_new(void **state)
{
    struct fixture *f = *state;
    char red[STIX_ID_MAX + 1], own[STIX_ID_MAX + 1], green[STIX_ID_MAX + 1], rel[STIX_ID_MAX + 1],
        later[STIX_ID_MAX + 1];
    struct rk_err err;
    rk_time_us next = 0, next2 = 0;

    put(f, 0, "incident", POLICY_TLP_RED, f->w.rail.org_id, red);
    put(f, 1, "incident", POLICY_TLP_AMBER, "", own);
    put(f, 0, "indicator", POLICY_TLP_GREEN, "", green);
    put(f, 0, "relationship", POLICY_TLP_GREEN, "", rel);
    size_t audits = audit_entries(f);

    struct seen all = {0};
    assert_int_equal(policy_index_scan(&f->w.hub, NULL, 0, -1, note, &all, &next, &err), 0);
    assert_int_equal(all.n, 4); /* each once, RED and another org's collection too */
    assert_true(has(&all, red) && has(&all, own) && has(&all, green) && has(&all, rel));
    assert_true(next > 0);
    assert_int_equal(audit_entries(f), audits); /* nothing audited: nothing left */

    const char *types[] = {"incident", "report"};
    struct seen roots = {0};
    assert_int_equal(policy_index_scan(&f->w.hub, types, 2, -1, note, &roots, &next2, &err), 0);
    assert_int_equal(roots.n, 2);
    assert_true(has(&roots, red) && has(&roots, own));

    struct seen none = {0};
    assert_int_equal(policy_index_scan(&f->w.hub, NULL, 0, next, note, &none, &next2, &err), 0);
    assert_int_equal(none.n, 0);
    assert_true(next2 == next); /* nothing new: the cursor stays */

    put(f, 1, "report", POLICY_TLP_RED, "", later);
    struct seen fresh = {0};
    assert_int_equal(policy_index_scan(&f->w.hub, NULL, 0, next, note, &fresh, &next2, &err), 0);
    assert_int_equal(fresh.n, 1);
    assert_string_equal(fresh.ids[0], later);
    assert_true(next2 > next);

    /* a callback's error stops the scan, is returned, and leaves the cursor where it was */
    struct seen failing = {.fail_at = 2};
    rk_err_clear(&err);
    next2 = 12345;
    assert_int_equal(policy_index_scan(&f->w.hub, NULL, 0, -1, note, &failing, &next2, &err),
                     RK_E_IO);
    assert_int_equal(failing.n, 1);
    assert_true(next2 == -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_everything_once_then_what_is_new, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
