/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sync_group.c: grouping the per-object messages of a push by reason. Messages that
 * differ only in the object's id, in quoted values, numbers or embedded ids share a group;
 * messages about different properties, rules or grammar tokens never do. The messages are
 * those a renkei hub writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

#define UUID1 "11111111-2222-4333-8444-555555555555"
#define UUID2 "0f6a0a3c-8e6b-4d7e-9a52-6c4a2b1d3e4f"

static void key_is(const char *message, const char *want)
{
    struct rk_buf b = RK_BUF_INIT;
    sync_reason_key(message, &b);
    if (strcmp(b.len > 0 ? b.data : "", want) != 0)
        fail_msg("key of\n  %s\nis\n  %s\nnot\n  %s", message, b.len > 0 ? b.data : "", want);
    rk_buf_free(&b);
}

static void leading_id_is_stripped(void **state)
{
    const char *m = "indicator--" UUID1 ": property 'pattern': bad";
    assert_string_equal(sync_reason_strip_id(m), "property 'pattern': bad");
    m = "x-mitre-data-component--" UUID2 ":property 'x': y";
    assert_string_equal(sync_reason_strip_id(m), "property 'x': y");
    m = "indicator--0620a60fa7f0c8edffa95cb881136f55: bad id";
    assert_string_equal(sync_reason_strip_id(m), "bad id");
    /* Not an id and a colon at the start: unchanged. */
    const char *keep[] = {"object indicator: property 'id': must be <type>--<UUID>",
                          "refused: fewer than 5 organisations may write",
                          "identity--" UUID1 " is reserved: only the hub writes it",
                          "--" UUID1 ": no type",
                          "indicator--: no id",
                          ""};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        assert_ptr_equal(sync_reason_strip_id(keep[i]), keep[i]);
}

static void values_and_numbers_become_placeholders(void **state)
{
    key_is("object indicator: property 'id': must be <type>--<UUID>, not "
           "'indicator--0620a60fa7f0c8edffa95cb881136f55'",
           "object indicator: property 'id': must be <type>--<UUID>, not '...'");
    key_is("indicator--" UUID1 ": property 'pattern': pattern: expected ']' at offset 28",
           "property 'pattern': pattern: expected ']' at offset N");
    key_is("refused: property 'where_sighted_refs': with it the sighting joins 101 distinct "
           "ids; the hub accepts at most 100 per object",
           "refused: property 'where_sighted_refs': with it the sighting joins N distinct ids; "
           "the hub accepts at most N per object");
    key_is("tlp amber by rule 'unreadable-marking' (the hub cannot read marking-definition--" UUID2
           ")",
           "tlp amber by rule 'unreadable-marking' (the hub cannot read marking-definition--...)");
    key_is("indicator--" UUID1 ": property 'spec_version': must be \"2.1\"",
           "property 'spec_version': must be \"...\"");
    key_is("property 'pattern': '198.51.100.300' is not an IPv4 address",
           "property 'pattern': '...' is not an IPv4 address");
    key_is("redacted: 3 value(s) matching own identifiers",
           "redacted: N value(s) matching own identifiers");
    key_is("at most 10,000 ids, and 2.5 more.", "at most N ids, and N more.");
    key_is("'Tokyo Power' and \"O'Brien's\" values", "'...' and \"...\" values");
    key_is("", "");
}

static void names_tokens_and_words_stay(void **state)
{
    const char *same[] = {
        "refused: contains the contributor's own identifier (domain) in property 'pattern'",
        "property 'x_mitre_data_source_ref': must be an identifier (<type>--<UUID>)",
        "tlp green by rule 'collection-default'",
        "pattern: expected '[' or '(' at offset",
        "ipv4-addr and ipv6-addr, sha256 and SHA-256, x509, v2 and x_1",
        "created 2024-04-01T00:00:00Z is later than modified",
        "anonymised: created_by_ref -> sector identity",
        "an unterminated 'quote",
        "type 'threat-actor', type 'x-acme-widget', property '_x'",
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        key_is(same[i], same[i]);
}

/* Appends a detail with id "<type>--<uuid n>" and message. */
static void detail(struct sync_details *l, int n, const char *message)
{
    char id[64];
    snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-%012d", n);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = (struct sync_detail){strdup(id), strdup(""), strdup(message), "a.json"};
}

static void details_free(struct sync_details *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].version);
        free(l->v[i].message);
    }
    free(l->v);
}

static void groups_by_reason_most_first(void **state)
{
    struct sync_details l = {0};
    char msg[256];
    detail(&l, 0, "tlp green by rule 'indicators'");
    for (int i = 1; i <= 5; i++) {
        snprintf(msg, sizeof(msg),
                 "indicator--00000000-0000-4000-8000-%012d: property 'pattern': pattern: "
                 "expected ']' at offset %d",
                 i, 20 + i);
        detail(&l, i, msg);
    }
    detail(&l, 6, "property 'name': is required");
    detail(&l, 7, "property 'is_family': must be a boolean");
    detail(&l, 8, "property 'name': is required");
    detail(&l, 9, "");
    detail(&l, 10, "");
    detail(&l, 11, "");

    struct sync_groups g;
    sync_groups_build(&l, &g);
    assert_int_equal(g.n, 5);
    /* 5 pattern errors at different offsets: one group, shown with its placeholders. */
    assert_int_equal(g.v[0].count, 5);
    assert_string_equal(g.v[0].reason, "property 'pattern': pattern: expected ']' at offset N");
    assert_int_equal(g.v[0].n_first, SYNC_GROUP_SAMPLES);
    assert_string_equal(g.v[0].first[0]->id, l.v[1].id);
    assert_string_equal(g.v[0].first[2]->id, l.v[3].id);
    assert_string_equal(g.v[0].first[0]->file, "a.json");
    /* Three empty messages, then two identical ones shown as said; ties by appearance. */
    assert_int_equal(g.v[1].count, 3);
    assert_string_equal(g.v[1].reason, "");
    assert_int_equal(g.v[2].count, 2);
    assert_string_equal(g.v[2].reason, "property 'name': is required");
    assert_int_equal(g.v[2].n_first, 2);
    assert_string_equal(g.v[2].first[1]->id, l.v[8].id);
    /* Different properties or rules are different reasons. */
    assert_int_equal(g.v[3].count, 1);
    assert_string_equal(g.v[3].reason, "tlp green by rule 'indicators'");
    assert_int_equal(g.v[4].count, 1);
    assert_string_equal(g.v[4].reason, "property 'is_family': must be a boolean");
    sync_groups_free(&g);
    assert_int_equal(g.n, 0);
    sync_groups_free(NULL);

    /* One message said by every member is shown as said, numbers and all. */
    struct sync_details one = {0};
    detail(&one, 1, "indicator--00000000-0000-4000-8000-000000000001: joins 101 ids");
    detail(&one, 2, "indicator--00000000-0000-4000-8000-000000000002: joins 101 ids");
    sync_groups_build(&one, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.v[0].reason, "joins 101 ids");
    assert_string_equal(g.v[0].key, "joins N ids");
    sync_groups_free(&g);
    details_free(&one);

    struct sync_details none = {0};
    sync_groups_build(&none, &g);
    assert_int_equal(g.n, 0);
    details_free(&l);
}

/* Thousands of refusals of a non-conformant feed make one group, in one pass. */
static void thousands_make_one_group(void **state)
{
    struct sync_details l = {0};
    char msg[256];
    for (int i = 0; i < 20000; i++) {
        snprintf(msg, sizeof(msg),
                 "object indicator: property 'id': must be <type>--<UUID>, not "
                 "'indicator--%032x'",
                 i);
        detail(&l, i, msg);
    }
    struct sync_groups g;
    sync_groups_build(&l, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].count, 20000);
    assert_string_equal(g.v[0].reason,
                        "object indicator: property 'id': must be <type>--<UUID>, not '...'");
    assert_string_equal(g.v[0].first[0]->id, l.v[0].id);
    sync_groups_free(&g);
    details_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leading_id_is_stripped),
        cmocka_unit_test(values_and_numbers_become_placeholders),
        cmocka_unit_test(names_tokens_and_words_stay),
        cmocka_unit_test(groups_by_reason_most_first),
        cmocka_unit_test(thousands_make_one_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
