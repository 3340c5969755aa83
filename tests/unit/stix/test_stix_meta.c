/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stix_meta.c: stix_meta_get (id, type, spec_version, version), stix_canonical (key
 * order independence, byte equality, UTF-8 kept) and the order of the type tables that
 * the binary search relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stix/stix_int.h"
#include "stix_test_util.h"

static void meta_sdo(void **state)
{
    json_t *j =
        tj("{'type':'tool','spec_version':'2.1','id':'tool" U "','created':"
           "'2024-01-02T03:04:05.000Z','modified':'2024-03-04T05:06:07.123456Z','name':'t'}");
    struct stix_meta m;
    struct rk_err err;
    rk_time_us want;

    assert_int_equal(stix_meta_get(j, &m, &err), 0);
    assert_string_equal(m.id, "tool" U);
    assert_string_equal(m.type, "tool");
    assert_string_equal(m.spec_version, "2.1");
    assert_int_equal(rk_time_parse("2024-03-04T05:06:07.123456Z", &want), 0);
    assert_int_equal(m.version, want);
    assert_string_equal(m.version_text, "2024-03-04T05:06:07.123456Z");
    json_decref(j);
}

static void meta_created_only_and_sco(void **state)
{
    json_t *j = tj("{'type':'marking-definition','spec_version':'2.1','id':'marking-definition" U
                   "','created':'2017-01-20T00:00:00.000Z'}");
    json_t *sco = tj("{'type':'url','id':'url" U "','value':'x'}");
    struct stix_meta m;
    struct rk_err err;
    rk_time_us want;

    assert_int_equal(stix_meta_get(j, &m, &err), 0);
    assert_int_equal(rk_time_parse("2017-01-20T00:00:00.000Z", &want), 0);
    assert_int_equal(m.version, want);
    assert_string_equal(m.version_text, "2017-01-20T00:00:00.000Z");
    assert_int_equal(stix_meta_get(sco, &m, &err), 0);
    assert_string_equal(m.type, "url");
    assert_string_equal(m.spec_version, "2.1");
    assert_int_equal(m.version, -1);
    assert_string_equal(m.version_text, "");
    json_decref(j);
    json_decref(sco);
}

/* An indicator of a standard type's unknown property: valid, with the pattern's warning in
 * meta; one without anything to say, and stix_meta_get, leave the warning empty. */
static void validate_meta_warning(void **state)
{
    json_t *j =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "indicator", "spec_version", "2.1",
                  "id", "indicator" U, "created", "2024-01-02T03:04:05.000Z", "modified",
                  "2024-01-02T03:04:05.000Z", "pattern", "[ipv4-addr:valeu = '198.51.100.1']",
                  "pattern_type", "stix", "valid_from", "2024-01-02T03:04:05Z");
    struct stix_meta m;
    struct rk_err err;

    assert_int_equal(stix_validate_meta(j, &m, &err), 0);
    assert_int_equal(m.warning.count, 1);
    assert_string_equal(m.warning.msg,
                        "pattern: property 'valeu' is not defined for ipv4-addr at offset 11");
    assert_int_equal(stix_meta_get(j, &m, &err), 0);
    assert_int_equal(m.warning.count, 0);
    assert_string_equal(m.warning.msg, "");
    json_object_set_new(j, "pattern", json_string("[ipv4-addr:value = '198.51.100.1']"));
    assert_int_equal(stix_validate_meta(j, &m, &err), 0);
    assert_int_equal(m.warning.count, 0);
    assert_string_equal(m.warning.msg, "");
    json_object_set_new(j, "pattern", json_string("[ipv4-addr:value = '198.51.100.300']"));
    assert_int_equal(stix_validate_meta(j, &m, &err), RK_E_INVALID);
    assert_string_equal(err.msg, "indicator" U ": property 'pattern': pattern: ipv4-addr:value = "
                                 "'198.51.100.300': value must be an IPv4 address or CIDR block "
                                 "at offset 19");
    json_decref(j);
}

static void meta_errors(void **state)
{
    json_t *noid = tj("{'type':'url','value':'x'}");
    json_t *badts = tj("{'type':'tool','id':'tool" U "','modified':'never'}");
    struct stix_meta m;
    struct rk_err err;

    assert_int_equal(stix_meta_get(noid, &m, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "property 'id'"));
    assert_int_equal(stix_meta_get(badts, &m, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "tool" U ": property 'modified'"));
    json_decref(noid);
    json_decref(badts);
}

static void canonical_order_independent(void **state)
{
    json_t *a = tj("{'type':'tool','name':'t\\u00e9','z':[3,2,1],'a':{'y':1.5,'b':null}}");
    json_t *b = tj("{'a':{'b':null,'y':1.5},'z':[3,2,1],'name':'t\\u00e9','type':'tool'}");
    size_t la, lb;
    char *ca = stix_canonical(a, &la);
    char *cb = stix_canonical(b, &lb);

    assert_non_null(ca);
    assert_non_null(cb);
    assert_int_equal(la, lb);
    assert_memory_equal(ca, cb, la);
    assert_string_equal(ca, "{\"a\":{\"b\":null,\"y\":1.5},\"name\":\"t\xc3\xa9\","
                            "\"type\":\"tool\",\"z\":[3,2,1]}");
    assert_int_equal(la, strlen(ca));
    free(ca);
    free(cb);
    json_decref(a);
    json_decref(b);
}

static void canonical_distinguishes(void **state)
{
    json_t *a = tj("{'n':1}");
    json_t *b = tj("{'n':2}");
    json_t *r = tj("{'x':0.1}");
    char *ca = stix_canonical(a, NULL);
    char *cb = stix_canonical(b, NULL);
    char *cr = stix_canonical(r, NULL);
    json_t *back;

    assert_string_not_equal(ca, cb);
    /* Reals keep 17 significant digits, so they read back to the same double. */
    back = json_loads(cr, 0, NULL);
    assert_non_null(back);
    assert_true(json_real_value(json_object_get(back, "x")) == 0.1);
    free(ca);
    free(cb);
    free(cr);
    json_decref(back);
    json_decref(a);
    json_decref(b);
    json_decref(r);
}

/* Round trip through canonical form is stable on real data (idempotent). */
static void canonical_idempotent_real(void **state)
{
    json_error_t je;
    json_t *root = json_load_file("../shared/data/attack-ics/ics-attack-18.1.json", 0, &je);
    json_t *o;
    size_t i;

    assert_non_null(root);
    json_array_foreach(json_object_get(root, "objects"), i, o)
    {
        size_t l1, l2;
        char *c1 = stix_canonical(o, &l1);
        json_t *again = json_loadb(c1, l1, 0, &je);
        char *c2;
        assert_non_null(again);
        c2 = stix_canonical(again, &l2);
        assert_int_equal(l1, l2);
        assert_memory_equal(c1, c2, l1);
        free(c1);
        free(c2);
        json_decref(again);
        if (i > 300)
            break;
    }
    json_decref(root);
}

/* stix_validate_meta says exactly what stix_validate then stix_meta_get say, object by
 * object, on real data and on deliberately nonconformant STIX (valid or not). */
static void validate_meta_matches_separate_calls(void **state)
{
    static const char *const files[] = {
        "../shared/data/attack-ics/ics-attack-18.1.json",
        "../shared/data/nonconformant-swiftioc/stix2-1268bde.json",
        "../shared/data/feeds2stix/at-HEAD/processors/ipsum/examples/ipsum_level_8.json",
    };
    size_t seen = 0, valid = 0;
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        json_error_t je;
        json_t *root = json_load_file(files[f], 0, &je);
        json_t *o;
        size_t i;
        assert_non_null(root);
        json_array_foreach(json_object_get(root, "objects"), i, o)
        {
            struct stix_meta m1, m2;
            struct rk_err e1, e2;
            rk_err_clear(&e1);
            rk_err_clear(&e2);
            memset(&m1, 0, sizeof(m1));
            int r1 = stix_validate(o, &e1);
            if (r1 == 0)
                r1 = stix_meta_get(o, &m1, &e1);
            int r2 = stix_validate_meta(o, &m2, &e2);
            assert_int_equal(r1, r2);
            assert_string_equal(e1.msg, e2.msg);
            if (r1 == 0) {
                /* stix_meta_get has no warnings to give; validation's are checked apart. */
                assert_true(m2.warning.count == 0 || strncmp(m2.warning.msg, "pattern: ", 9) == 0);
                memset(&m2.warning, 0, sizeof(m2.warning));
                assert_memory_equal(&m1, &m2, sizeof(m1));
                valid++;
            }
            seen++;
        }
        json_decref(root);
    }
    /* Both outcomes were exercised. */
    assert_true(valid > 100);
    assert_true(seen - valid > 10);
}

static void tables_sorted_and_found(void **state)
{
    const struct {
        const struct stix_type *t;
        size_t n;
    } tables[] = {{stix_sdo_types, stix_sdo_ntypes},
                  {stix_sco_types, stix_sco_ntypes},
                  {stix_meta_types, stix_meta_ntypes}};

    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < tables[k].n; i++) {
            const char *name = tables[k].t[i].name;
            if (i > 0)
                assert_true(strcmp(tables[k].t[i - 1].name, name) < 0);
            assert_ptr_equal(stix_type_find(name, strlen(name)), &tables[k].t[i]);
        }
    }
    assert_int_equal(stix_sdo_ntypes, 21);
    assert_int_equal(stix_sco_ntypes, 18);
    assert_int_equal(stix_meta_ntypes, 3);
    assert_null(stix_type_find("x-acme", 6));
    assert_null(stix_type_find("toolx", 5));
    assert_ptr_equal(stix_type_find("toolx", 4), stix_type_find("tool", 4));
}

static void helpers(void **state)
{
    assert_true(stix_base64_ok(""));
    assert_true(stix_base64_ok("aGk="));
    assert_true(stix_base64_ok("aGVsbG8gd29ybGQ="));
    assert_false(stix_base64_ok("aGk"));
    assert_false(stix_base64_ok("a=Gk"));
    assert_false(stix_base64_ok("aG=k"));
    assert_true(stix_hex_ok("00ff"));
    assert_false(stix_hex_ok("0"));
    assert_false(stix_hex_ok(""));
    assert_true(stix_type_name_ok("x-a1", 4));
    assert_false(stix_type_name_ok("x-", 2));
    assert_true(stix_type_name_ok("a-1", 3));
    assert_false(stix_type_name_ok("x-a-", 4)); /* trailing hyphen */
    assert_false(stix_type_name_ok("x--a", 4)); /* double hyphen */
    assert_false(stix_type_name_ok("1ab", 3));  /* section 3.1: a letter first */
    assert_false(stix_type_name_ok("-ab", 3));
    assert_true(stix_prop_name_ok("id"));
    assert_false(stix_prop_name_ok("ab"));
    assert_false(stix_prop_name_ok("1abc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(meta_sdo),
        cmocka_unit_test(meta_created_only_and_sco),
        cmocka_unit_test(meta_errors),
        cmocka_unit_test(validate_meta_warning),
        cmocka_unit_test(canonical_order_independent),
        cmocka_unit_test(canonical_distinguishes),
        cmocka_unit_test(canonical_idempotent_real),
        cmocka_unit_test(validate_meta_matches_separate_calls),
        cmocka_unit_test(tables_sorted_and_found),
        cmocka_unit_test(helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
