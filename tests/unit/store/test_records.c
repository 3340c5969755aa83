/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_records.c: capability records and event logs, for any backend. A record is put,
 * replaced (created kept, updated moved), listed by kind and owner in creation order, read
 * back and deleted (a missing one is RK_E_NOTFOUND); events are numbered per organisation
 * from 1 without gaps whatever other organisations append, read back after a seq with a
 * limit, appended all or nothing, and inside a write_tx with the other ops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store_helpers.h"

struct got {
    size_t n;
    char id[8][32];
    char org[8][32];
    char json[8][64];
    rk_time_us created[8], updated[8];
    int64_t seq[8];
};

static int got_record(void *ctx, const struct store_record *r)
{
    struct got *g = ctx;
    if (g->n < 8) {
        snprintf(g->id[g->n], 32, "%s", r->id);
        snprintf(g->org[g->n], 32, "%s", r->org_id);
        snprintf(g->json[g->n], 64, "%s", r->json);
        g->created[g->n] = r->created;
        g->updated[g->n] = r->updated;
    }
    g->n++;
    return 0;
}

static int got_event(void *ctx, const struct store_event *e)
{
    struct got *g = ctx;
    if (g->n < 8) {
        g->seq[g->n] = e->seq;
        snprintf(g->org[g->n], 32, "%s", e->org_id);
        snprintf(g->json[g->n], 64, "%s", e->json);
        snprintf(g->id[g->n], 32, "%s", e->kind);
    }
    g->n++;
    return 0;
}

static void records_put_replace_list_delete(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct got g;

    struct store_record a = {.kind = "k", .id = "a", .org_id = "o1", .json = "{\"v\":1}"};
    struct store_record b = {.kind = "k", .id = "b", .org_id = "o2", .json = "{}"};
    struct store_record other = {.kind = "k2", .id = "a", .json = "[]"};
    assert_int_equal(store_record_put(t->s, &a, &err), 0);
    assert_int_equal(store_record_put(t->s, &b, &err), 0);
    assert_int_equal(store_record_put(t->s, &other, &err), 0);

    memset(&g, 0, sizeof(g));
    assert_int_equal(store_record_list(t->s, "k", NULL, got_record, &g, &err), 0);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.id[0], "a");
    assert_string_equal(g.id[1], "b");
    rk_time_us created = g.created[0];

    memset(&g, 0, sizeof(g));
    assert_int_equal(store_record_list(t->s, "k", "o2", got_record, &g, &err), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.id[0], "b");

    a.json = "{\"v\":2}";
    assert_int_equal(store_record_put(t->s, &a, &err), 0);
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_record_get(t->s, "k", "a", got_record, &g, &err), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.json[0], "{\"v\":2}");
    assert_string_equal(g.org[0], "o1");
    assert_int_equal(g.created[0], created);
    assert_true(g.updated[0] >= created);

    memset(&g, 0, sizeof(g));
    assert_int_equal(store_record_get(t->s, "k2", "a", got_record, &g, &err), 0);
    assert_string_equal(g.json[0], "[]");
    assert_string_equal(g.org[0], "");

    assert_int_equal(store_record_delete(t->s, "k", "a", &err), 0);
    assert_int_equal(store_record_delete(t->s, "k", "a", &err), RK_E_NOTFOUND);
    assert_int_equal(store_record_get(t->s, "k", "a", got_record, &g, &err), RK_E_NOTFOUND);
    struct store_record bad = {.kind = "k", .id = "", .json = "{}"};
    assert_int_equal(store_record_put(t->s, &bad, &err), RK_E_INVALID);
}

static void events_numbered_per_org(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct got g;

    struct store_event evs[] = {
        {.org_id = "o1", .kind = "watchlist", .json = "{\"n\":1}"},
        {.org_id = "o2", .kind = "object", .json = "{\"n\":2}"},
        {.org_id = "o1", .kind = "object", .json = "{\"n\":3}"},
    };
    assert_int_equal(store_event_append(t->s, evs, 3, &err), 0);
    assert_int_equal(evs[0].seq, 1);
    assert_int_equal(evs[1].seq, 1); /* o2's own numbering: nothing of o1 shows */
    assert_int_equal(evs[2].seq, 2);
    assert_true(evs[0].time > 0);
    struct store_event more = {.org_id = "o1", .kind = "hotline", .json = "{\"n\":4}"};
    assert_int_equal(store_event_append(t->s, &more, 1, &err), 0);
    assert_int_equal(more.seq, 3);

    memset(&g, 0, sizeof(g));
    assert_int_equal(store_event_since(t->s, "o1", 0, 0, got_event, &g, &err), 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.seq[0], 1);
    assert_int_equal(g.seq[2], 3);
    assert_string_equal(g.id[2], "hotline");
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_event_since(t->s, "o1", 1, 1, got_event, &g, &err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.seq[0], 2);
    assert_string_equal(g.json[0], "{\"n\":3}");

    /* all or nothing: one bad event stores none */
    struct store_event bad[] = {
        {.org_id = "o1", .kind = "object", .json = "{}"},
        {.org_id = "", .kind = "object", .json = "{}"},
    };
    assert_int_equal(store_event_append(t->s, bad, 2, &err), RK_E_INVALID);
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_event_since(t->s, "o1", 3, 0, got_event, &g, &err), 0);
    assert_int_equal(g.n, 0);
}

/* Events, a record and a setting written in one write_tx: all committed together. */
static int tx_body(void *ctx, struct store *s, struct rk_err *err)
{
    bool *fail = ctx;
    struct store_event e = {.org_id = "o9", .kind = "object", .json = "{}"};
    struct store_record r = {.kind = "k", .id = "tx", .json = "{}"};
    int rc = store_event_append(s, &e, 1, err);
    if (rc == 0)
        rc = store_record_put(s, &r, err);
    if (rc == 0)
        rc = store_setting_set(s, "test.cursor", "7", err);
    if (rc == 0 && *fail)
        rc = rk_err_set(err, RK_E_INTERNAL, "stop");
    return rc;
}

static void events_in_a_write_tx(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct got g;
    bool fail = true;

    assert_int_equal(store_write_tx(t->s, tx_body, &fail, &err), RK_E_INTERNAL);
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_event_since(t->s, "o9", 0, 0, got_event, &g, &err), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(store_record_get(t->s, "k", "tx", got_record, &g, &err), RK_E_NOTFOUND);

    fail = false;
    assert_int_equal(store_write_tx(t->s, tx_body, &fail, &err), 0);
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_event_since(t->s, "o9", 0, 0, got_event, &g, &err), 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.seq[0], 1);
    memset(&g, 0, sizeof(g));
    assert_int_equal(store_record_get(t->s, "k", "tx", got_record, &g, &err), 0);
    char *v = NULL;
    assert_int_equal(store_setting_get(t->s, "test.cursor", &v, &err), 0);
    assert_string_equal(v, "7");
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(records_put_replace_list_delete, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(events_numbered_per_org, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(events_in_a_write_tx, tstore_setup, tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
