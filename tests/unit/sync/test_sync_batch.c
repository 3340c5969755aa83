/* SPDX-License-Identifier: Apache-2.0 */
/* test_sync_batch.c: cutting objects into envelopes by count and by size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

/* n indicators, each with a name of pad characters. */
static json_t *make_objects(size_t n, size_t pad)
{
    json_t *a = json_array();
    char *name = malloc(pad + 1);
    memset(name, 'x', pad);
    name[pad] = '\0';
    for (size_t i = 0; i < n; i++) {
        char id[64];
        snprintf(id, sizeof(id), "indicator--%zu", i);
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:s}", "type", "indicator", "id", id, "name", name));
    }
    free(name);
    return a;
}

/* Every envelope parses back to {"objects":[...]} with the expected count. */
static size_t envelope_count(const struct rk_buf *b)
{
    json_t *e = json_loadb(b->data, b->len, 0, NULL);
    assert_non_null(e);
    assert_int_equal(json_object_size(e), 1);
    size_t n = json_array_size(json_object_get(e, "objects"));
    json_decref(e);
    return n;
}

static void batches_by_count(void **state)
{
    json_t *a = make_objects(25, 10);
    struct rk_buf b = RK_BUF_INIT;
    size_t pos = 0, taken = 0, sizes[8], nb = 0;
    for (;;) {
        assert_int_equal(sync_batch_next(a, &pos, 10, SIZE_MAX, &b, &taken, NULL), 0);
        if (taken == 0)
            break;
        assert_int_equal(envelope_count(&b), taken);
        sizes[nb++] = taken;
    }
    assert_int_equal(nb, 3);
    assert_int_equal(sizes[0], 10);
    assert_int_equal(sizes[1], 10);
    assert_int_equal(sizes[2], 5);
    assert_int_equal(pos, 25);
    json_decref(a);
    rk_buf_free(&b);
}

static void batches_by_size_and_never_exceeds(void **state)
{
    json_t *a = make_objects(40, 200);
    struct rk_buf b = RK_BUF_INIT;
    size_t pos = 0, taken = 0, total = 0, nb = 0;
    const size_t max = 1000;
    for (;;) {
        assert_int_equal(sync_batch_next(a, &pos, 1000, max, &b, &taken, NULL), 0);
        if (taken == 0)
            break;
        assert_true(b.len <= max);
        assert_true(taken >= 1);
        assert_int_equal(envelope_count(&b), taken);
        /* Full batches must have left no room for one more object (about 250 bytes). */
        if (pos < 40)
            assert_true(b.len + 250 > max);
        total += taken;
        nb++;
    }
    assert_int_equal(total, 40);
    assert_true(nb >= 10);
    json_decref(a);
    rk_buf_free(&b);
}

static void exact_fit_is_accepted(void **state)
{
    json_t *a = make_objects(1, 10);
    struct rk_buf b = RK_BUF_INIT;
    size_t pos = 0, taken = 0;
    assert_int_equal(sync_batch_next(a, &pos, 10, SIZE_MAX, &b, &taken, NULL), 0);
    size_t exact = b.len;
    pos = 0;
    assert_int_equal(sync_batch_next(a, &pos, 10, exact, &b, &taken, NULL), 0);
    assert_int_equal(taken, 1);
    assert_int_equal(b.len, exact);
    json_decref(a);
    rk_buf_free(&b);
}

static void oversized_object_is_refused_by_id(void **state)
{
    json_t *a = make_objects(3, 10);
    char big[300];
    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    json_array_append_new(
        a, json_pack("{s:s,s:s,s:s}", "type", "note", "id", "note--big", "content", big));
    struct rk_buf b = RK_BUF_INIT;
    struct rk_err err = {0};
    size_t pos = 0, taken = 0;
    assert_int_equal(sync_batch_next(a, &pos, 100, 200, &b, &taken, &err), 0);
    assert_int_equal(taken, 3);
    assert_int_equal(sync_batch_next(a, &pos, 100, 200, &b, &taken, &err), RK_E_TOOBIG);
    assert_int_equal(taken, 0);
    assert_int_equal(pos, 3);
    assert_non_null(strstr(err.msg, "note--big"));
    json_decref(a);
    rk_buf_free(&b);
}

static void empty_input_gives_nothing(void **state)
{
    json_t *a = json_array();
    struct rk_buf b = RK_BUF_INIT;
    size_t pos = 0, taken = 99;
    assert_int_equal(sync_batch_next(a, &pos, 10, 100, &b, &taken, NULL), 0);
    assert_int_equal(taken, 0);
    json_decref(a);
    rk_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batches_by_count),
        cmocka_unit_test(batches_by_size_and_never_exceeds),
        cmocka_unit_test(exact_fit_is_accepted),
        cmocka_unit_test(oversized_object_is_refused_by_id),
        cmocka_unit_test(empty_input_gives_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
