/* SPDX-License-Identifier: Apache-2.0 */
/* test_sync_tally.c: adding up TAXII status resources over the envelopes of a push. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

static void add(struct sync_tally *t, const char *text, const char *file, int expect)
{
    json_t *s = json_loads(text, 0, NULL);
    assert_non_null(s);
    assert_int_equal(sync_tally_add(t, s, file, NULL), expect);
    json_decref(s);
}

static void sums_counts_and_keeps_failures(void **state)
{
    struct sync_tally t = SYNC_TALLY_INIT;
    add(&t,
        "{\"id\":\"s1\",\"status\":\"complete\",\"total_count\":3,\"success_count\":2,"
        "\"failure_count\":1,\"pending_count\":0,\"failures\":[{\"id\":\"indicator--1\","
        "\"version\":\"2024-01-01T00:00:00.000Z\",\"message\":\"invalid: pattern\"}]}",
        "a.json", 0);
    add(&t,
        "{\"id\":\"s2\",\"status\":\"pending\",\"total_count\":4,\"success_count\":1,"
        "\"failure_count\":1,\"pending_count\":2,\"failures\":[{\"id\":\"malware--2\","
        "\"version\":\"v\"}]}",
        "b.json", 0);
    assert_int_equal(t.total, 7);
    assert_int_equal(t.success, 3);
    assert_int_equal(t.failure, 2);
    assert_int_equal(t.pending, 2);
    assert_int_equal(t.refused.n, 2);
    assert_string_equal(t.refused.v[0].id, "indicator--1");
    assert_string_equal(t.refused.v[0].message, "invalid: pattern");
    assert_string_equal(t.refused.v[0].file, "a.json");
    assert_string_equal(t.refused.v[1].message, "");
    assert_string_equal(t.refused.v[1].file, "b.json");
    sync_tally_free(&t);
    assert_int_equal(t.refused.n, 0);
    assert_null(t.refused.v);
}

/* Successes that carry a message are what the hub changed or dropped: kept for the user. */
static void keeps_changed_successes(void **state)
{
    struct sync_tally t = SYNC_TALLY_INIT;
    add(&t,
        "{\"id\":\"s1\",\"status\":\"complete\",\"total_count\":3,\"success_count\":3,"
        "\"failure_count\":0,\"pending_count\":0,\"successes\":["
        "{\"id\":\"identity--1\",\"version\":\"v\",\"message\":\"dropped: an identity\"},"
        "{\"id\":\"indicator--2\",\"version\":\"v\"},"
        "{\"id\":\"indicator--3\",\"version\":\"v\",\"message\":\"\"}]}",
        "a.json", 0);
    assert_int_equal(t.changed.n, 1);
    assert_string_equal(t.changed.v[0].id, "identity--1");
    assert_string_equal(t.changed.v[0].message, "dropped: an identity");
    assert_string_equal(t.changed.v[0].file, "a.json");
    add(&t, "{\"status\":\"complete\",\"successes\":{}}", NULL, RK_E_INVALID);
    assert_int_equal(t.changed.n, 1);
    sync_tally_free(&t);
    assert_int_equal(t.changed.n, 0);
}

static void many_failures_grow(void **state)
{
    struct sync_tally t = SYNC_TALLY_INIT;
    for (int i = 0; i < 100; i++)
        add(&t,
            "{\"id\":\"s\",\"status\":\"complete\",\"total_count\":1,\"success_count\":0,"
            "\"failure_count\":1,\"pending_count\":0,\"failures\":[{\"id\":\"x--1\","
            "\"version\":\"v\",\"message\":\"m\"}]}",
            NULL, 0);
    assert_int_equal(t.failure, 100);
    assert_int_equal(t.refused.n, 100);
    assert_null(t.refused.v[99].file);
    sync_tally_free(&t);
}

static void malformed_status_leaves_tally_unchanged(void **state)
{
    struct sync_tally t = SYNC_TALLY_INIT;
    add(&t, "{\"objects\":[]}", NULL, RK_E_INVALID);
    add(&t, "{\"status\":\"complete\",\"total_count\":-1}", NULL, RK_E_INVALID);
    add(&t, "{\"status\":\"complete\",\"total_count\":2,\"failures\":{}}", NULL, RK_E_INVALID);
    add(&t, "{\"status\":\"complete\",\"success_count\":\"2\"}", NULL, RK_E_INVALID);
    assert_int_equal(t.total, 0);
    assert_int_equal(t.success, 0);
    assert_int_equal(t.refused.n, 0);
    sync_tally_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sums_counts_and_keeps_failures),
        cmocka_unit_test(keeps_changed_successes),
        cmocka_unit_test(many_failures_grow),
        cmocka_unit_test(malformed_status_leaves_tally_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
