/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_readers.c: policy_version_readers, the organisations that may read one stored
 * version as the access check decides it: GREEN in a collection all members read (every
 * member, never the coordinator), RED (source and named recipients), AMBER to a sector
 * (source and that sector), a collection some read, the intersection over several versions,
 * a disabled organisation (never a reader) and a version that is gone (nobody).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "policy_world.h"

struct fixture {
    struct policy_world w;
    struct store_collection all, fin_only;
    struct store_org *orgs;
    size_t n_orgs;
    char fin2_id[RK_UUID_LEN];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct rk_err err;

    if (world_open(&f->w, "readers") != 0 ||
        policy_collection_add(f->w.store, "All", "", "all", "all", "all", &f->all, &err) != 0 ||
        policy_collection_add(f->w.store, "Finance", "", "fin", "sector:finance", "all",
                              &f->fin_only, &err) != 0)
        return -1;
    snprintf(f->fin2_id, sizeof(f->fin2_id), "%s", f->w.fin2.org_id);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_orgs_free(f->orgs, f->n_orgs);
    store_collection_clear(&f->all);
    store_collection_clear(&f->fin_only);
    world_close(&f->w);
    free(f);
    return 0;
}

/* Stores an indicator in c posted by fin1 with tlp, scope and recipients; its date_added. */
static rk_time_us put(struct fixture *f, const struct store_collection *c, const char *id, int tlp,
                      const char *scope, const char *recipients)
{
    char json[256];
    struct rk_err err;
    int n = snprintf(json, sizeof(json),
                     "{\"id\":\"%s\",\"modified\":\"2026-01-01T00:00:00.000Z\",\"type\":"
                     "\"indicator\"}",
                     id);
    struct store_put p = {.id = id,
                          .type = "indicator",
                          .spec_version = "2.1",
                          .version = 1767225600000000,
                          .json = json,
                          .json_len = (size_t)n,
                          .access = {.tlp = tlp,
                                     .source_org = f->w.fin1.org_id,
                                     .source_sector = "finance",
                                     .scope = scope,
                                     .recipients = recipients}};
    assert_int_equal(store_put_objects(f->w.store, c->id, &p, 1, &err), 0);
    return p.date_added;
}

/* The names of the organisations flagged in may, comma-separated, in org list order. */
static void names(struct fixture *f, const bool *may, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < f->n_orgs; i++)
        if (may[i])
            snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? "," : "",
                     f->orgs[i].name);
}

static void readers(struct fixture *f, bool *may, const char *id, const struct store_collection *c,
                    rk_time_us added)
{
    struct rk_err err;
    assert_int_equal(
        policy_version_readers(&f->w.hub, id, c->id, added, f->orgs, f->n_orgs, may, &err), 0);
}

static void load_orgs(struct fixture *f, bool *may)
{
    struct rk_err err;
    store_orgs_free(f->orgs, f->n_orgs);
    f->orgs = NULL;
    assert_int_equal(store_org_list(f->w.store, &f->orgs, &f->n_orgs, &err), 0);
    assert_true(f->n_orgs <= 8);
    for (size_t i = 0; i < 8; i++)
        may[i] = true;
}

static void test_readers(void **state)
{
    struct fixture *f = *state;
    const char *green = "indicator--0d0a0a0a-0000-4000-8000-000000000001";
    const char *red = "indicator--0d0a0a0a-0000-4000-8000-000000000002";
    const char *amber = "indicator--0d0a0a0a-0000-4000-8000-000000000003";
    const char *fin = "indicator--0d0a0a0a-0000-4000-8000-000000000004";
    rk_time_us t_green = put(f, &f->all, green, POLICY_TLP_GREEN, "", "");
    rk_time_us t_red = put(f, &f->all, red, POLICY_TLP_RED, "", f->fin2_id);
    rk_time_us t_amber = put(f, &f->all, amber, POLICY_TLP_AMBER, "sector:railways", "");
    rk_time_us t_fin = put(f, &f->fin_only, fin, POLICY_TLP_GREEN, "", "");
    bool may[8];
    char got[256];

    load_orgs(f, may);
    readers(f, may, green, &f->all, t_green);
    names(f, may, got, sizeof(got));
    assert_string_equal(got, "fin1,fin2,rail"); /* never the coordinator */
    load_orgs(f, may);
    readers(f, may, red, &f->all, t_red);
    names(f, may, got, sizeof(got));
    assert_string_equal(got, "fin1,fin2");
    load_orgs(f, may);
    readers(f, may, amber, &f->all, t_amber);
    names(f, may, got, sizeof(got));
    assert_string_equal(got, "fin1,rail");
    load_orgs(f, may);
    readers(f, may, fin, &f->fin_only, t_fin);
    names(f, may, got, sizeof(got));
    assert_string_equal(got, "fin1,fin2");
    /* The intersection: RED to fin2 and AMBER to railways leave the source alone. */
    load_orgs(f, may);
    readers(f, may, red, &f->all, t_red);
    readers(f, may, amber, &f->all, t_amber);
    names(f, may, got, sizeof(got));
    assert_string_equal(got, "fin1");
    /* A version that is not there (another date_added): nobody. */
    load_orgs(f, may);
    readers(f, may, green, &f->all, t_green + 1);
    names(f, may, got, sizeof(got));
    assert_string_equal(got, "");
    /* A disabled organisation reads nothing. */
    struct store_org out = {0};
    struct rk_err err;
    assert_int_equal(
        policy_org_disable(f->w.store, &f->w.coord, "test", "rail", &out, NULL, NULL, &err), 0);
    store_org_clear(&out);
    load_orgs(f, may);
    readers(f, may, green, &f->all, t_green);
    names(f, may, got, sizeof(got));
    assert_string_equal(got, "fin1,fin2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_readers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
