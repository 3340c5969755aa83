/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_markings.c: what the hub reads in markings that are not the standard TLP ids (the
 * built-in aliases, the policy's marking_aliases, the definitions an envelope carries), and
 * the scope decision that never lets an unreadable marking widen access.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "policy/policy.h"

#define MD       "marking-definition--"
#define V2_GREEN MD "bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define V2_RED   MD "e828b379-4e03-4974-9ac4-e53a884c97c1"
#define OCTI_AS  MD "826578e1-40ad-459f-bc73-ede076f81f37"
#define MITRE_C  MD "fa42a846-8d90-4e51-bc29-71d5b4802168"
#define CUSTOM   MD "11111111-2222-4333-8444-555555555555"
#define CUSTOM2  MD "22222222-2222-4333-8444-555555555555"
#define CUSTOM3  MD "33333333-2222-4333-8444-555555555555"
#define CUSTOM4  MD "44444444-2222-4333-8444-555555555555"
#define CUSTOM5  MD "55555555-2222-4333-8444-555555555555"
#define TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

static json_t *obj(const char *text)
{
    json_error_t e;
    json_t *o = json_loads(text, 0, &e);
    assert_non_null(o);
    return o;
}

static void add_def(struct policy_marks *m, const char *text)
{
    json_t *o = obj(text);
    policy_marks_add(m, o);
    json_decref(o);
}

static int read_id(const struct policy_marks *m, const char *id)
{
    bool standard;
    return policy_marking_read(m, id, &standard);
}

static void aliases_and_definitions(void **state)
{
    struct policy_doc d;
    struct policy_marks m;
    bool standard = true;

    (void)state;
    policy_doc_default(&d);
    policy_marks_init(&m, &d);
    /* Built in: OpenCTI's TLP:AMBER+STRICT; not a standard id. */
    assert_int_equal(policy_marking_read(NULL, OCTI_AS, &standard), POLICY_TLP_AMBER_STRICT);
    assert_false(standard);
    assert_int_equal(policy_marking_read(NULL, V2_RED, &standard), POLICY_TLP_RED);
    assert_true(standard);
    /* The default policy reads MITRE's copyright statement as restricting nothing. */
    assert_int_equal(read_id(&m, MITRE_C), POLICY_MARKING_NONE);
    assert_int_equal(read_id(NULL, MITRE_C), POLICY_MARK_UNREADABLE);
    /* Unknown ids are unreadable. */
    assert_int_equal(read_id(&m, CUSTOM), POLICY_MARK_UNREADABLE);
    /* Envelope definitions: a "tlp" definition, the TLP 2.0 extension, a name, a statement
     * that is a TLP label (MISP writes tlp:amber+strict so), any other statement. */
    add_def(&m, "{\"type\":\"marking-definition\",\"id\":\"" CUSTOM "\","
                "\"definition_type\":\"tlp\",\"definition\":{\"tlp\":\"amber\"}}");
    add_def(&m, "{\"type\":\"marking-definition\",\"id\":\"" CUSTOM2 "\","
                "\"extensions\":{\"" TLP2_EXT "\":{\"extension_type\":\"property-extension\","
                "\"tlp_2_0\":\"red\"}}}");
    add_def(&m, "{\"type\":\"marking-definition\",\"id\":\"" CUSTOM3 "\","
                "\"name\":\"TLP:AMBER+STRICT\",\"definition_type\":\"x-acme\"}");
    add_def(&m, "{\"type\":\"marking-definition\",\"id\":\"" CUSTOM4 "\","
                "\"definition_type\":\"statement\",\"definition\":{\"statement\":\"tlp:clear\"}}");
    add_def(&m, "{\"type\":\"marking-definition\",\"id\":\"" CUSTOM5 "\","
                "\"definition_type\":\"statement\",\"definition\":{\"statement\":\"Origin: x\"}}");
    assert_int_equal(read_id(&m, CUSTOM), POLICY_TLP_AMBER);
    assert_int_equal(read_id(&m, CUSTOM2), POLICY_TLP_RED);
    assert_int_equal(read_id(&m, CUSTOM3), POLICY_TLP_AMBER_STRICT);
    assert_int_equal(read_id(&m, CUSTOM4), POLICY_TLP_CLEAR);
    assert_int_equal(read_id(&m, CUSTOM5), POLICY_MARK_STATEMENT);
    /* A second definition of an id that cannot be read makes it unreadable. */
    add_def(&m, "{\"type\":\"marking-definition\",\"id\":\"" CUSTOM4 "\","
                "\"definition_type\":\"x-unknown\"}");
    assert_int_equal(read_id(&m, CUSTOM4), POLICY_MARK_UNREADABLE);
    policy_marks_clear(&m);
    policy_doc_clear(&d);
}

static struct store_collection coll(void)
{
    struct store_collection c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "0b9a6c3e-3b7e-4d1e-9f3a-1c2d3e4f5a6b");
    c.title = (char *)"Shared feed";
    c.read_spec = (char *)"all";
    c.default_tlp = POLICY_TLP_GREEN;
    return c;
}

static void decide(const struct policy_doc *d, const struct policy_marks *m, const char *text,
                   struct policy_scope_decision *dec)
{
    struct store_collection c = coll();
    struct rk_err err;
    json_t *o = obj(text);
    struct policy_tlp_reading r;
    policy_tlp_read(o, m, &r);
    assert_int_equal(policy_scope_decide(d, &r, o, "finance", &c, dec, &err), 0);
    json_decref(o);
}

static void unreadable_never_widens(void **state)
{
    struct policy_doc d;
    struct policy_marks m;
    struct policy_scope_decision dec;
    char msg[512];

    (void)state;
    policy_doc_default(&d);
    policy_marks_init(&m, &d);
    /* OpenCTI's AMBER+STRICT alone: read through the alias, and labelled by the hub. */
    decide(&d, &m, "{\"type\":\"indicator\",\"object_marking_refs\":[\"" OCTI_AS "\"]}", &dec);
    assert_int_equal(dec.tlp, POLICY_TLP_AMBER_STRICT);
    assert_string_equal(dec.rule, POLICY_RULE_ALIAS);
    assert_true(dec.assigned);
    policy_scope_message(&dec, msg, sizeof(msg));
    assert_non_null(strstr(msg, OCTI_AS));
    /* An unknown marking on an indicator (a GREEN type by the rules): AMBER to the
     * collection's audience, labelled. */
    decide(&d, &m, "{\"type\":\"indicator\",\"object_marking_refs\":[\"" CUSTOM "\"]}", &dec);
    assert_int_equal(dec.tlp, POLICY_TLP_AMBER);
    assert_string_equal(dec.rule, POLICY_RULE_UNREADABLE);
    assert_string_equal(dec.scope, "");
    assert_true(dec.assigned);
    assert_false(dec.refuse);
    policy_scope_message(&dec, msg, sizeof(msg));
    assert_non_null(strstr(msg, "cannot read " CUSTOM));
    /* Beside a GREEN marking too; beside RED it changes nothing. */
    decide(&d, &m,
           "{\"type\":\"indicator\",\"object_marking_refs\":[\"" V2_GREEN "\",\"" CUSTOM "\"]}",
           &dec);
    assert_int_equal(dec.tlp, POLICY_TLP_AMBER);
    decide(&d, &m,
           "{\"type\":\"indicator\",\"granular_markings\":[{\"marking_ref\":\"" CUSTOM
           "\",\"selectors\":[\"name\"]}],\"object_marking_refs\":[\"" V2_RED "\"]}",
           &dec);
    assert_int_equal(dec.tlp, POLICY_TLP_RED);
    assert_string_equal(dec.rule, "marking");
    /* A statement alone says nothing of who may see: AMBER. Beside a TLP, the TLP decides. */
    add_def(&m, "{\"type\":\"marking-definition\",\"id\":\"" CUSTOM5 "\","
                "\"definition_type\":\"statement\",\"definition\":{\"statement\":\"Origin: x\"}}");
    decide(&d, &m, "{\"type\":\"indicator\",\"object_marking_refs\":[\"" CUSTOM5 "\"]}", &dec);
    assert_int_equal(dec.tlp, POLICY_TLP_AMBER);
    decide(&d, &m,
           "{\"type\":\"indicator\",\"object_marking_refs\":[\"" V2_GREEN "\",\"" CUSTOM5 "\"]}",
           &dec);
    assert_int_equal(dec.tlp, POLICY_TLP_GREEN);
    /* MITRE's copyright alone: the rules decide, as for an unmarked object. */
    decide(&d, &m, "{\"type\":\"indicator\",\"object_marking_refs\":[\"" MITRE_C "\"]}", &dec);
    assert_int_equal(dec.tlp, POLICY_TLP_GREEN);
    assert_string_equal(dec.rule, "indicators-green");
    /* An incident's AMBER-to-its-sector rule stays narrower than the floor. */
    decide(&d, &m, "{\"type\":\"incident\",\"object_marking_refs\":[\"" CUSTOM "\"]}", &dec);
    assert_int_equal(dec.tlp, POLICY_TLP_AMBER);
    assert_string_equal(dec.scope, "sector:finance");
    /* The policy may refuse instead. */
    d.unknown_markings = POLICY_UNREADABLE_REFUSE;
    decide(&d, &m, "{\"type\":\"indicator\",\"object_marking_refs\":[\"" CUSTOM "\"]}", &dec);
    assert_true(dec.refuse);
    assert_string_equal(dec.marking, CUSTOM);
    decide(&d, &m, "{\"type\":\"indicator\",\"object_marking_refs\":[\"" V2_GREEN "\"]}", &dec);
    assert_false(dec.refuse);
    policy_marks_clear(&m);
    policy_doc_clear(&d);
}

static void policy_document_keys(void **state)
{
    struct policy_doc d;
    struct rk_err err;
    const char *good = "{\"marking_aliases\":{\"" CUSTOM "\":\"amber+strict\",\"" MITRE_C
                       "\":\"none\"},\"public_identities\":"
                       "[\"identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5\"],"
                       "\"unknown_markings\":\"refuse\",\"foreign_authors\":\"refuse\"}";

    (void)state;
    assert_int_equal(policy_doc_parse(NULL, good, strlen(good), &d, &err), 0);
    assert_int_equal(policy_doc_marking_alias(&d, CUSTOM), POLICY_TLP_AMBER_STRICT);
    assert_int_equal(d.unknown_markings, POLICY_UNREADABLE_REFUSE);
    assert_int_equal(d.foreign_authors, POLICY_FOREIGN_REFUSE);
    assert_true(policy_doc_public_identity(&d, "IDENTITY--C78CB6E5-0C4B-4611-8297-D1B8B55E40B5"));
    /* Round trip. */
    char *text = policy_doc_to_json(&d);
    struct policy_doc d2;
    assert_int_equal(policy_doc_parse(NULL, text, strlen(text), &d2, &err), 0);
    assert_int_equal(policy_doc_marking_alias(&d2, CUSTOM), POLICY_TLP_AMBER_STRICT);
    assert_int_equal(d2.foreign_authors, POLICY_FOREIGN_REFUSE);
    free(text);
    policy_doc_clear(&d2);
    policy_doc_clear(&d);
    /* Standard ids cannot be aliased; bad values name what is wrong. */
    const char *bad[] = {
        "{\"marking_aliases\":{\"" V2_RED "\":\"green\"}}",
        "{\"marking_aliases\":{\"" CUSTOM "\":\"pink\"}}",
        "{\"marking_aliases\":{\"indicator--11111111-2222-4333-8444-555555555555\":\"red\"}}",
        "{\"public_identities\":[\"not-an-id\"]}",
        "{\"unknown_markings\":\"green\"}",
        "{\"foreign_authors\":\"ignore\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(policy_doc_parse(NULL, bad[i], strlen(bad[i]), &d, &err), RK_E_INVALID);
        assert_true(err.msg[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aliases_and_definitions),
        cmocka_unit_test(unreadable_never_widens),
        cmocka_unit_test(policy_document_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
