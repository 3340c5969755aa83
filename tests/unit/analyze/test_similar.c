/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_similar.c: the similar-incidents index: exact weighted Jaccard scores on hand-made sets,
 * the shared features of a match, refusals, a perturbed copy finding its original first among
 * 1,000 random incidents, removal and re-adding (with compaction), LSH recall against brute force
 * on 10,000 synthetic incidents (printed, asserted above a floor), and the reason line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "similar_synth.h"

#define LN_3_2 0.4054651081081644 /* ln(3/2) */

static void add(struct analyze_similar *s, const char *id, const char *const *f, size_t n)
{
    struct rk_err err = {0};
    if (analyze_similar_add(s, id, f, n, &err) != 0)
        fail_msg("add %s: %s", id, err.msg);
}

/* A = {a, b}, B = {a, c}: N = 2, df(a) = 2, df(b) = df(c) = 1, so w(a) = 1 + ln(3/3) = 1 and
 * w(b) = w(c) = 1 + ln(3/2). Query {a, b}: A scores 1, B scores w(a) / (w(a) + w(b) + w(c)). */
static void test_exact_scores(void **state)
{
    (void)state;
    struct analyze_similar *s = analyze_similar_new();
    const char *a[] = {"ttp:T1566.001", "malware:Emotet", "ttp:T1566.001"}; /* repeat counts once */
    const char *b[] = {"ttp:T1566.001", "sector:energy"};
    add(s, "A", a, 3);
    add(s, "B", b, 2);
    assert_int_equal(analyze_similar_count(s), 2);
    struct analyze_similar_result r;
    struct rk_err err = {0};
    const char *q[] = {"malware:Emotet", "ttp:T1566.001"};
    assert_int_equal(analyze_similar_query_exact(s, q, 2, 10, &r, &err), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.items[0].id, "A");
    assert_true(r.items[0].score > 1 - 1e-12 && r.items[0].score <= 1);
    assert_int_equal(r.items[0].n_shared, 2);
    assert_string_equal(r.items[0].shared[0], "malware:Emotet"); /* heaviest first */
    assert_string_equal(r.items[0].shared[1], "ttp:T1566.001");
    assert_string_equal(r.items[1].id, "B");
    double want = 1 / (1 + 2 * (1 + LN_3_2));
    assert_true(r.items[1].score > want - 1e-9 && r.items[1].score < want + 1e-9);
    assert_int_equal(r.items[1].n_shared, 1);
    analyze_similar_result_free(&r);

    /* an unknown feature in the query weighs as df = 0: 1 + ln(3); k = 1 keeps the best */
    const char *q2[] = {"malware:Emotet", "ttp:T1566.001", "cve:CVE-2024-1234"};
    assert_int_equal(analyze_similar_query_exact(s, q2, 3, 1, &r, &err), 0);
    assert_int_equal(r.n, 1);
    double wa = 1, wb = 1 + LN_3_2, wu = 1 + 1.0986122886681098;
    want = (wa + wb) / (wa + wb + wu);
    assert_true(r.items[0].score > want - 1e-9 && r.items[0].score < want + 1e-9);
    analyze_similar_result_free(&r);

    /* an unknown key given twice counts once */
    const char *q2b[] = {"malware:Emotet", "cve:CVE-2024-1234", "ttp:T1566.001",
                         "cve:CVE-2024-1234"};
    assert_int_equal(analyze_similar_query_exact(s, q2b, 4, 1, &r, &err), 0);
    assert_true(r.items[0].score > want - 1e-9 && r.items[0].score < want + 1e-9);
    analyze_similar_result_free(&r);

    /* the LSH query finds the identical set too, with the same score */
    assert_int_equal(analyze_similar_query(s, q, 2, 10, &r, &err), 0);
    assert_true(r.n >= 1);
    assert_string_equal(r.items[0].id, "A");
    assert_true(r.items[0].score > 1 - 1e-12);
    analyze_similar_result_free(&r);

    /* nothing shared, nothing returned */
    const char *q3[] = {"tool:Mimikatz"};
    assert_int_equal(analyze_similar_query_exact(s, q3, 1, 10, &r, &err), 0);
    assert_int_equal(r.n, 0);
    analyze_similar_result_free(&r);
    analyze_similar_free(s);
}

/* Remove and re-add: a removed incident is never a match, N and df drop with it (the weights
 * are those of an index that never held it), its id may come back with other features, and
 * 3,000 removals (past the compaction threshold) leave the survivors findable. */
static void test_remove_and_update(void **state)
{
    (void)state;
    struct analyze_similar *s = analyze_similar_new();
    struct rk_err err = {0};
    const char *a[] = {"ttp:T1566.001", "malware:Emotet"};
    const char *b[] = {"ttp:T1566.001", "sector:energy"};
    const char *c[] = {"cve:CVE-2024-1234"};
    add(s, "A", a, 2);
    add(s, "B", b, 2);
    assert_int_equal(analyze_similar_remove(s, "A", &err), 0);
    assert_int_equal(analyze_similar_remove(s, "A", &err), RK_E_NOTFOUND);
    assert_int_equal(analyze_similar_remove(s, "nope", &err), RK_E_NOTFOUND);
    assert_int_equal(analyze_similar_count(s), 1);
    struct analyze_similar_result r;
    assert_int_equal(analyze_similar_query(s, a, 2, 10, &r, &err), 0);
    assert_int_equal(r.n, 1); /* B only: N = 1, df(ttp) = 1, w = 1; malware unknown: 1 + ln 2 */
    assert_string_equal(r.items[0].id, "B");
    double want = 1 / (1 + 1 + (1 + 0.6931471805599453));
    assert_true(r.items[0].score > want - 1e-9 && r.items[0].score < want + 1e-9);
    analyze_similar_result_free(&r);
    const char **keys;
    size_t nk;
    assert_int_equal(analyze_similar_features(s, "A", &keys, &nk), RK_E_NOTFOUND);
    add(s, "A", c, 1); /* back, with other features */
    assert_int_equal(analyze_similar_features(s, "A", &keys, &nk), 0);
    assert_int_equal(nk, 1);
    assert_string_equal(keys[0], "cve:CVE-2024-1234");
    free(keys);
    assert_int_equal(analyze_similar_add(s, "A", c, 1, &err), RK_E_EXISTS);
    assert_int_equal(analyze_similar_query(s, c, 1, 10, &r, &err), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].id, "A");
    assert_true(r.items[0].score > 1 - 1e-12);
    analyze_similar_result_free(&r);
    assert_int_equal(analyze_similar_query_exact(s, a, 2, 10, &r, &err), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].id, "B");
    analyze_similar_result_free(&r);

    char id[32], k1[32], k2[32];
    for (int i = 0; i < 4000; i++) {
        snprintf(id, sizeof id, "i%d", i);
        snprintf(k1, sizeof k1, "obs:domain:d%d.example", i);
        snprintf(k2, sizeof k2, "ttp:T%04d", i % 50);
        const char *f[] = {k1, k2};
        add(s, id, f, 2);
    }
    for (int i = 0; i < 4000; i++)
        if (i % 4 != 0) {
            snprintf(id, sizeof id, "i%d", i);
            assert_int_equal(analyze_similar_remove(s, id, &err), 0);
        }
    assert_int_equal(analyze_similar_count(s), 1002);
    for (int i = 0; i < 4000; i += 37) {
        snprintf(k1, sizeof k1, "obs:domain:d%d.example", i);
        snprintf(k2, sizeof k2, "ttp:T%04d", i % 50);
        const char *f[] = {k1, k2};
        assert_int_equal(analyze_similar_query(s, f, 2, 1, &r, &err), 0);
        snprintf(id, sizeof id, "i%d", i);
        if (i % 4 == 0) {
            assert_int_equal(r.n, 1);
            assert_string_equal(r.items[0].id, id);
        } else {
            assert_true(r.n == 0 || strcmp(r.items[0].id, id) != 0);
        }
        analyze_similar_result_free(&r);
    }
    analyze_similar_free(s);
}

static void test_refusals(void **state)
{
    (void)state;
    struct analyze_similar *s = analyze_similar_new();
    struct rk_err err = {0};
    const char *ok[] = {"ttp:T1059"};
    const char *nokind[] = {"ttp:T1059", ":x"};
    const char *nocolon[] = {"T1059"};
    assert_int_equal(analyze_similar_add(s, "X", ok, 1, &err), 0);
    assert_int_equal(analyze_similar_add(s, "X", ok, 1, &err), RK_E_EXISTS);
    assert_int_equal(analyze_similar_add(s, "", ok, 1, &err), RK_E_INVALID);
    assert_int_equal(analyze_similar_add(s, "Y", nokind, 2, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "feature 2"));
    assert_int_equal(analyze_similar_add(s, "Y", nocolon, 1, &err), RK_E_INVALID);
    assert_int_equal(analyze_similar_count(s), 1);
    struct analyze_similar_result r;
    assert_int_equal(analyze_similar_query(s, nocolon, 1, 5, &r, &err), RK_E_INVALID);
    assert_int_equal(r.n, 0);
    /* an empty incident is kept but never matches */
    assert_int_equal(analyze_similar_add(s, "E", NULL, 0, &err), 0);
    assert_int_equal(analyze_similar_query_exact(s, ok, 1, 5, &r, &err), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.items[0].id, "X");
    analyze_similar_result_free(&r);
    analyze_similar_free(s);
}

/* A perturbed copy of each of 20 incidents among 1,000 (a third of its features dropped, as
 * many unrelated ones added) finds the original first, by LSH as by brute force. */
static void test_perturbed_copy_first(void **state)
{
    (void)state;
    struct synth sy;
    synth_init(&sy, 1000, 42, 1);
    struct analyze_similar *s = analyze_similar_new();
    synth_fill(&sy, s);
    for (size_t t = 0; t < 20; t++) {
        size_t orig = (t * 97 + 13) % 1000;
        const char **q;
        size_t nq = synth_perturb(&sy, orig, &q);
        struct analyze_similar_result r;
        struct rk_err err = {0};
        assert_int_equal(analyze_similar_query(s, q, nq, 10, &r, &err), 0);
        assert_true(r.n >= 1);
        char want[32];
        snprintf(want, sizeof want, "incident-%zu", orig);
        if (strcmp(r.items[0].id, want) != 0)
            fail_msg("perturbed %s: first is %s (%.3f)", want, r.items[0].id, r.items[0].score);
        /* the LSH matches are scored exactly: the same scores as brute force gives */
        struct analyze_similar_result ex;
        assert_int_equal(analyze_similar_query_exact(s, q, nq, 1000, &ex, &err), 0);
        for (size_t i = 0; i < r.n; i++) {
            assert_true(r.items[i].score > 0 && r.items[i].score <= 1);
            if (i > 0)
                assert_true(r.items[i].score <= r.items[i - 1].score);
            size_t j = 0;
            while (j < ex.n && strcmp(ex.items[j].id, r.items[i].id) != 0)
                j++;
            assert_true(j < ex.n);
            assert_true(ex.items[j].score == r.items[i].score);
            assert_int_equal(ex.items[j].n_shared, r.items[i].n_shared);
        }
        assert_string_equal(ex.items[0].id, want);
        analyze_similar_result_free(&ex);
        analyze_similar_result_free(&r);
        synth_free_query(q, nq);
    }
    analyze_similar_free(s);
    synth_free(&sy);
}

/* Recall of the LSH top-10 against the brute-force top-10 on 10,000 synthetic incidents. */
static void test_recall(void **state)
{
    (void)state;
    struct synth sy;
    synth_init(&sy, 10000, 7, 10);
    struct analyze_similar *s = analyze_similar_new();
    synth_fill(&sy, s);
    double recall = synth_recall(&sy, s, 100, 10, NULL, NULL);
    printf("# similar: recall@10 of LSH vs brute force, 10,000 incidents, 100 queries: %.3f\n",
           recall);
    assert_true(recall >= 0.80);
    analyze_similar_free(s);
    synth_free(&sy);
}

static void expect_reason(const char *const *shared, size_t n, const char *want)
{
    struct rk_buf b = RK_BUF_INIT;
    analyze_similar_reason(shared, n, &b);
    if (strcmp(b.data, want) != 0)
        fail_msg("reason: got \"%s\", want \"%s\"", b.data, want);
    rk_buf_free(&b);
}

static void test_reason(void **state)
{
    (void)state;
    const char *a[] = {"obs:domain:example.jp", "ttp:T1566.001", "obs:domain:evil.example",
                       "malware:Emotet"};
    expect_reason(a, 4, "shares 2 domains and T1566.001, same malware family Emotet");
    const char *b[] = {"ttp:T1",           "ttp:T2", "ttp:T3",
                       "ttp:T4",           "ttp:T5", "obs:ipv4:192.0.2.1",
                       "cve:CVE-2024-1234"};
    expect_reason(b, 7, "shares 1 IPv4 address, T1, T2, T3, 2 more techniques and CVE-2024-1234");
    const char *c[] = {"sector:energy", "tool:Mimikatz", "tool:PsExec", "odd:thing", "obs:weird:x"};
    expect_reason(c, 5,
                  "same tools Mimikatz and PsExec, same sector energy, 2 other shared features");
    const char *d[] = {"software:Windows"};
    expect_reason(d, 1, "same software Windows");
    expect_reason(NULL, 0, "no shared features");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_scores), cmocka_unit_test(test_remove_and_update),
        cmocka_unit_test(test_refusals),     cmocka_unit_test(test_perturbed_copy_first),
        cmocka_unit_test(test_recall),       cmocka_unit_test(test_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
