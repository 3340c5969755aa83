/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_hub_write.c: objects the hub authors itself (policy_hub_write) over a temporary
 * SQLite store: stored marked with their TLP and readable through the access check, an equal
 * body is not written again, a changed one is a new version keeping created, credit is
 * recorded once per organisation and object however many versions, every write is audited,
 * and an object that is not the hub's is refused with nothing stored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/test_store_helpers.h"
#include "policy/policy.h"

#define GROUPING "grouping--6f1c2d3e-4b5a-5c6d-8e7f-0a1b2c3d4e5f"
#define SCO      "domain-name--94c38a36-015a-5516-a17a-cea295301c55"

struct fixture {
    struct tstore t;
    struct rk_hub hub;
    struct store_org member;
    struct store_collection all;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char token[POLICY_TOKEN_LEN + 1];
    struct rk_err err;

    tstore_open(&f->t);
    if (policy_hub_init(f->t.s, "coord", token, &err) != 0 ||
        policy_hub_load(f->t.s, &f->hub, &err) != 0 ||
        policy_org_add(f->t.s, "bank", "finance", STORE_ANON_NAMED, &f->member, &err) != 0 ||
        policy_collection_add(f->t.s, "Correlations", "", "correlations", "all",
                              "sector:" POLICY_COORDINATION_SECTOR, &f->all, &err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_org_clear(&f->member);
    store_collection_clear(&f->all);
    tstore_remove(&f->t);
    free(f);
    return 0;
}

static json_t *objects(const struct fixture *f, const char *description)
{
    return json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}]", "type",
                     "domain-name", "spec_version", "2.1", "id", SCO, "value", "example.jp", "type",
                     "grouping", "spec_version", "2.1", "id", GROUPING, "created_by_ref",
                     f->hub.identity_id, "description", description, "context",
                     "suspicious-activity", "object_refs", SCO);
}

/* Every version a member of sector finance sees of the grouping. */
struct seen {
    size_t n;
    char created[RK_TIME_LEN * 2];
    bool green;
};

static int seen_row(void *ctx, const struct store_row *row)
{
    struct seen *s = ctx;
    json_t *o = json_loadb(row->json, row->json_len, 0, NULL);
    s->n++;
    snprintf(s->created, sizeof(s->created), "%s",
             json_string_value(json_object_get(o, "created")));
    s->green =
        strstr(row->json, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb") != NULL;
    json_decref(o);
    return 0;
}

static struct seen versions(struct fixture *f)
{
    struct policy_principal who = {0};
    static const char *const ids[] = {GROUPING};
    struct policy_hub_query q = {.added_after = -1,
                                 .after = -1,
                                 .ids = ids,
                                 .n_ids = 1,
                                 .version_sel = STORE_VERSION_ALL,
                                 .with_json = true};
    struct policy_hub_page page;
    struct seen s = {0};
    struct rk_err err;

    who.authenticated = true;
    who.role = STORE_ROLE_READER;
    snprintf(who.org_id, sizeof(who.org_id), "%s", f->member.id);
    snprintf(who.org_name, sizeof(who.org_name), "%s", f->member.name);
    snprintf(who.sector, sizeof(who.sector), "finance");
    assert_int_equal(policy_hub_query(&f->hub, &who, "test", &q, seen_row, &s, &page, &err), 0);
    return s;
}

static int count_credit(void *ctx, const struct store_credit *c)
{
    if (strcmp(c->kind, "correlation") == 0 && strcmp(c->object_id, GROUPING) == 0)
        (*(int *)ctx)++;
    return 0;
}

static int credits(struct fixture *f)
{
    int n = 0;
    struct rk_err err;
    assert_int_equal(store_credit_list(f->t.s, f->member.id, count_credit, &n, &err), 0);
    return n;
}

static size_t audit_writes(struct fixture *f)
{
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err;
    size_t n = 0;
    assert_int_equal(policy_audit_list_json(f->t.s, 0, 1000, NULL, &b, &err), 0);
    for (const char *p = b.data; (p = strstr(p, "\"hub_authored\"")) != NULL; p++)
        n++;
    rk_buf_free(&b);
    return n;
}

static void test_write_version_credit(void **state)
{
    struct fixture *f = *state;
    struct store_credit ev = {.org_id = f->member.id,
                              .kind = "correlation",
                              .object_id = GROUPING,
                              .points = POLICY_CREDIT_CORRELATION,
                              .by_org = "",
                              .by_sector = ""};
    struct rk_err err;
    size_t written;
    json_t *objs = objects(f, "reported in 2 sectors");

    if (policy_hub_write(&f->hub, &f->all, objs, POLICY_TLP_GREEN, NULL, "test", &ev, 1, &written,
                         &err) != 0)
        fail_msg("hub write: %s", err.msg);
    json_decref(objs);
    assert_int_equal(written, 2);
    struct seen s = versions(f);
    assert_int_equal(s.n, 1);
    assert_true(s.green);
    assert_int_equal(credits(f), 1);
    assert_int_equal(audit_writes(f), 1);
    char created[sizeof(s.created)];
    memcpy(created, s.created, sizeof(created));

    /* The same again: nothing written, no credit, no audit entry. */
    objs = objects(f, "reported in 2 sectors");
    assert_int_equal(policy_hub_write(&f->hub, &f->all, objs, POLICY_TLP_GREEN, NULL, "test", &ev,
                                      1, &written, &err),
                     0);
    json_decref(objs);
    assert_int_equal(written, 0);
    assert_int_equal(versions(f).n, 1);

    /* Changed: a new version of the grouping only (the SCO is held), created kept, credit
     * not again. */
    objs = objects(f, "reported in 3 sectors");
    assert_int_equal(policy_hub_write(&f->hub, &f->all, objs, POLICY_TLP_GREEN, NULL, "test", &ev,
                                      1, &written, &err),
                     0);
    json_decref(objs);
    assert_int_equal(written, 1);
    s = versions(f);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.created, created);
    assert_int_equal(credits(f), 1);
    assert_int_equal(audit_writes(f), 2);
}

static void test_not_the_hubs(void **state)
{
    struct fixture *f = *state;
    struct rk_err err;
    size_t written = 7;
    json_t *objs = objects(f, "x");

    json_object_set_new(json_array_get(objs, 1), "created_by_ref",
                        json_string("identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"));
    assert_int_equal(policy_hub_write(&f->hub, &f->all, objs, POLICY_TLP_GREEN, NULL, "test", NULL,
                                      0, &written, &err),
                     RK_E_INVALID);
    assert_int_equal(written, 0);
    assert_int_equal(versions(f).n, 0);
    json_decref(objs);
    objs = objects(f, "x");
    assert_int_equal(
        policy_hub_write(&f->hub, &f->all, objs, 99, NULL, "test", NULL, 0, &written, &err),
        RK_E_INVALID);
    json_decref(objs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_version_credit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_the_hubs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
