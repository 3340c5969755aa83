/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_tlp.c: TLP classification of objects: every TLP 2.0 and TLP 1.0 marking id, granular
 * markings (the strictest marking anywhere governs), names, and labelling an object with
 * the marking the hub assigned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "policy/policy.h"

#define MD        "marking-definition--"
#define V2_CLEAR  MD "94868c89-83c2-464b-929b-a1a8aa3c8487"
#define V2_GREEN  MD "bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define V2_AMBER  MD "55d920b0-5e8b-4f79-9ee9-91f868d9b421"
#define V2_STRICT MD "939a9414-2ddd-4d32-a0cd-375ea402b003"
#define V2_RED    MD "e828b379-4e03-4974-9ac4-e53a884c97c1"
#define V1_WHITE  MD "613f2e26-407d-48c7-9eca-b8e91df99dc9"
#define V1_GREEN  MD "34098fce-860f-48ae-8e50-ebd3cc5e41da"
#define V1_AMBER  MD "f88d31f6-486f-44da-b317-01333bde0b82"
#define V1_RED    MD "5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
#define OTHER     MD "11111111-2222-4333-8444-555555555555"

static int tlp_of_text(const char *text)
{
    json_error_t e;
    json_t *o = json_loads(text, 0, &e);
    struct policy_tlp_reading r;

    assert_non_null(o);
    policy_tlp_read(o, NULL, &r);
    json_decref(o);
    return r.tlp;
}

static void marking_ids(void **state)
{
    (void)state;
    assert_int_equal(policy_tlp_of_marking(V2_CLEAR), POLICY_TLP_CLEAR);
    assert_int_equal(policy_tlp_of_marking(V2_GREEN), POLICY_TLP_GREEN);
    assert_int_equal(policy_tlp_of_marking(V2_AMBER), POLICY_TLP_AMBER);
    assert_int_equal(policy_tlp_of_marking(V2_STRICT), POLICY_TLP_AMBER_STRICT);
    assert_int_equal(policy_tlp_of_marking(V2_RED), POLICY_TLP_RED);
    /* TLP 1.0: WHITE is CLEAR. */
    assert_int_equal(policy_tlp_of_marking(V1_WHITE), POLICY_TLP_CLEAR);
    assert_int_equal(policy_tlp_of_marking(V1_GREEN), POLICY_TLP_GREEN);
    assert_int_equal(policy_tlp_of_marking(V1_AMBER), POLICY_TLP_AMBER);
    assert_int_equal(policy_tlp_of_marking(V1_RED), POLICY_TLP_RED);
    /* Hex digits in upper case are the same UUID: RED must stay RED (security review F3). */
    assert_int_equal(
        policy_tlp_of_marking("marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1"),
        POLICY_TLP_RED);
    assert_int_equal(
        policy_tlp_of_marking("MARKING-DEFINITION--e828b379-4e03-4974-9ac4-e53a884c97c1"),
        POLICY_TLP_RED);
    assert_int_equal(policy_tlp_of_marking(OTHER), POLICY_TLP_NONE);
    assert_int_equal(policy_tlp_of_marking(NULL), POLICY_TLP_NONE);
    assert_int_equal(policy_tlp_of_marking(""), POLICY_TLP_NONE);
    /* The ids of TLP 2.0 come back from policy_tlp_marking_id. */
    assert_string_equal(policy_tlp_marking_id(POLICY_TLP_CLEAR), V2_CLEAR);
    assert_string_equal(policy_tlp_marking_id(POLICY_TLP_AMBER_STRICT), V2_STRICT);
    assert_string_equal(policy_tlp_marking_id(POLICY_TLP_RED), V2_RED);
    assert_null(policy_tlp_marking_id(POLICY_TLP_NONE));
    assert_null(policy_tlp_marking_id(6));
}

static void objects(void **state)
{
    (void)state;
    assert_int_equal(tlp_of_text("{\"type\":\"indicator\"}"), POLICY_TLP_NONE);
    assert_int_equal(tlp_of_text("{\"object_marking_refs\":[\"" OTHER "\"]}"), POLICY_TLP_NONE);
    assert_int_equal(tlp_of_text("{\"object_marking_refs\":[\"" V2_GREEN "\"]}"), POLICY_TLP_GREEN);
    assert_int_equal(tlp_of_text("{\"object_marking_refs\":[\"" V1_AMBER "\"]}"), POLICY_TLP_AMBER);
    /* Strictest wins among object markings, in any order, mixing versions. */
    assert_int_equal(
        tlp_of_text("{\"object_marking_refs\":[\"" V2_RED "\",\"" V1_WHITE "\",\"" OTHER "\"]}"),
        POLICY_TLP_RED);
    /* A granular marking stricter than the object marking governs the whole object. */
    assert_int_equal(tlp_of_text("{\"object_marking_refs\":[\"" V2_GREEN "\"],"
                                 "\"granular_markings\":[{\"marking_ref\":\"" V2_STRICT
                                 "\",\"selectors\":[\"description\"]}]}"),
                     POLICY_TLP_AMBER_STRICT);
    /* And a weaker granular marking does not loosen it. */
    assert_int_equal(tlp_of_text("{\"object_marking_refs\":[\"" V2_AMBER "\"],"
                                 "\"granular_markings\":[{\"marking_ref\":\"" V2_CLEAR
                                 "\",\"selectors\":[\"name\"]}]}"),
                     POLICY_TLP_AMBER);
    /* Granular markings alone, and language-only granular entries are ignored. */
    assert_int_equal(tlp_of_text("{\"granular_markings\":[{\"lang\":\"en\",\"selectors\":[\"x\"]},"
                                 "{\"marking_ref\":\"" V1_RED "\",\"selectors\":[\"x\"]}]}"),
                     POLICY_TLP_RED);
    /* Malformed shapes are not TLP markings. */
    assert_int_equal(tlp_of_text("{\"object_marking_refs\":\"" V2_RED "\"}"), POLICY_TLP_NONE);
    assert_int_equal(tlp_of_text("{\"object_marking_refs\":[42]}"), POLICY_TLP_NONE);
}

/* The TLP an object's markings give, read with no envelope definitions or aliases. */
static int tlp_of(const json_t *o)
{
    struct policy_tlp_reading r;
    policy_tlp_read(o, NULL, &r);
    return r.tlp;
}

static void names(void **state)
{
    const char *n[] = {"clear", "green", "amber", "amber+strict", "red"};

    (void)state;
    for (int t = POLICY_TLP_CLEAR; t <= POLICY_TLP_RED; t++) {
        assert_string_equal(policy_tlp_name(t), n[t - 1]);
        assert_int_equal(policy_tlp_parse(n[t - 1]), t);
    }
    assert_int_equal(policy_tlp_parse("AMBER+STRICT"), POLICY_TLP_AMBER_STRICT);
    assert_int_equal(policy_tlp_parse("white"), -1);
    assert_int_equal(policy_tlp_parse("none"), -1);
    assert_int_equal(policy_tlp_parse(NULL), -1);
    assert_string_equal(policy_tlp_name(POLICY_TLP_NONE), "none");
    assert_string_equal(policy_tlp_name(9), "?");
}

static void mark(void **state)
{
    json_t *o = json_pack("{s:s}", "type", "incident");
    struct rk_err err;

    bool marked = true;

    (void)state;
    /* policy_tlp_marked tells, and changes nothing. */
    assert_int_equal(policy_tlp_marked(o, POLICY_TLP_AMBER, &marked, &err), 0);
    assert_false(marked);
    assert_null(json_object_get(o, "object_marking_refs"));
    assert_int_equal(policy_tlp_mark(o, POLICY_TLP_AMBER, &err), 0);
    assert_int_equal(tlp_of(o), POLICY_TLP_AMBER);
    assert_int_equal(policy_tlp_marked(o, POLICY_TLP_AMBER, &marked, &err), 0);
    assert_true(marked);
    assert_int_equal(policy_tlp_marked(o, POLICY_TLP_RED, &marked, &err), 0);
    assert_false(marked);
    /* Idempotent: the id is not appended twice. */
    assert_int_equal(policy_tlp_mark(o, POLICY_TLP_AMBER, &err), 0);
    assert_int_equal(json_array_size(json_object_get(o, "object_marking_refs")), 1);
    /* Appends after existing non-TLP markings. */
    json_object_set_new(o, "object_marking_refs", json_pack("[s]", OTHER));
    assert_int_equal(policy_tlp_mark(o, POLICY_TLP_GREEN, &err), 0);
    assert_int_equal(json_array_size(json_object_get(o, "object_marking_refs")), 2);
    assert_int_equal(tlp_of(o), POLICY_TLP_GREEN);
    assert_int_equal(policy_tlp_mark(o, POLICY_TLP_NONE, &err), RK_E_INVALID);
    json_object_set_new(o, "object_marking_refs", json_string("x"));
    assert_int_equal(policy_tlp_mark(o, POLICY_TLP_RED, &err), RK_E_INVALID);
    assert_int_equal(policy_tlp_marked(o, POLICY_TLP_RED, &marked, &err), RK_E_INVALID);
    assert_int_equal(policy_tlp_marked(o, POLICY_TLP_NONE, &marked, &err), RK_E_INVALID);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marking_ids),
        cmocka_unit_test(objects),
        cmocka_unit_test(names),
        cmocka_unit_test(mark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
