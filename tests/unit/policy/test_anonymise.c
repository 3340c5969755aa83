/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_anonymise.c: the anonymiser on single objects: every identity reference but the
 * public ones rewritten at any depth in SECTOR/ANONYMOUS modes, foreign authors rewritten or
 * refused in NAMED, sightings' where_sighted_refs replaced, identity objects dropped, policy
 * properties removed at every depth in every mode (with the granular markings that selected
 * them), own identifiers refused (message names kind and property, never the value) or
 * redacted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

#define SELF   "identity--11111111-1111-4111-8111-111111111111"
#define ALT    "identity--22222222-2222-4222-8222-222222222222"
#define OTHER  "identity--33333333-3333-4333-8333-333333333333"
#define REP    "identity--44444444-4444-4444-8444-444444444444"
#define PUBLIC "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5"

struct fx {
    json_t *self;
    struct policy_ownids *ids;
    struct policy_strings remove;
    char *remove_v[2];
    struct policy_strings pub;
    char *pub_v[1];
    struct policy_anon a;
    json_t *actions;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct rk_err err;
    json_t *env =
        json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "type", "identity", "id", ALT, "name",
                  "ACME power", "type", "identity", "id", OTHER, "name", "Someone else");
    if (policy_ownids_parse("acme.example\n192.0.2.0/24\nAcme Power\n", &f->ids, &err) != 0)
        return -1;
    f->self = policy_anon_self_ids(env, SELF, "acme-power", f->ids);
    json_decref(env);
    f->remove_v[0] = "x_reporter";
    f->remove_v[1] = "x_opencti_created_by_ref";
    f->remove.v = f->remove_v;
    f->remove.n = 2;
    f->a.mode = STORE_ANON_SECTOR;
    f->a.replacement_id = REP;
    f->a.replacement_what = "sector identity";
    f->a.self_ids = f->self;
    f->a.ownids = f->ids;
    f->a.remove_properties = &f->remove;
    f->pub_v[0] = PUBLIC;
    f->pub.v = f->pub_v;
    f->pub.n = 1;
    f->a.public_ids = &f->pub;
    f->a.redact = false;
    f->actions = json_array();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    json_decref(f->self);
    json_decref(f->actions);
    policy_ownids_free(f->ids);
    free(f);
    return 0;
}

static json_t *indicator(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}]}", "type",
                     "indicator", "spec_version", "2.1", "id",
                     "indicator--55555555-5555-4555-8555-555555555555", "created",
                     "2024-01-01T00:00:00.000Z", "modified", "2024-01-01T00:00:00.000Z",
                     "created_by_ref", SELF, "pattern", "[ipv4-addr:value = '198.51.100.1']",
                     "pattern_type", "stix", "valid_from", "2024-01-01T00:00:00Z", "x_reporter",
                     "jane@soc", "external_references", "source_name", "mine", "x_owner_ref", ALT);
}

static void self_set(void **state)
{
    struct fx *f = *state;
    /* The org identity and the envelope identity named like a registered name (any case). */
    assert_int_equal(json_array_size(f->self), 2);
    assert_string_equal(json_string_value(json_array_get(f->self, 0)), SELF);
    assert_string_equal(json_string_value(json_array_get(f->self, 1)), ALT);
}

static void sector_mode_rewrites(void **state)
{
    struct fx *f = *state;
    struct policy_anon_result r;
    json_t *o = indicator();
    json_object_set_new(o, "x_opencti_created_by_ref", json_string(SELF));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_KEEP);
    assert_true(r.uses_replacement);
    /* A listed property is removed even when its name ends in _ref. */
    assert_null(json_object_get(o, "x_opencti_created_by_ref"));
    assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), REP);
    assert_null(json_object_get(o, "x_reporter"));
    /* Nested references too. */
    json_t *er = json_array_get(json_object_get(o, "external_references"), 0);
    assert_string_equal(json_string_value(json_object_get(er, "x_owner_ref")), REP);
    assert_non_null(strstr(r.message, "anonymised: "));
    assert_non_null(strstr(r.message, "created_by_ref -> sector identity"));
    assert_non_null(strstr(r.message, "removed x_reporter"));
    assert_non_null(strstr(r.message, "external_references[0].x_owner_ref -> sector identity"));
    assert_true(json_array_size(f->actions) >= 3);
    json_decref(o);
}

static void named_mode_keeps_created_by(void **state)
{
    struct fx *f = *state;
    struct policy_anon_result r;
    json_t *o = indicator();
    f->a.mode = STORE_ANON_NAMED;
    f->a.replacement_id = NULL;
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_KEEP);
    assert_false(r.uses_replacement);
    assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), SELF);
    /* Removed properties go in every mode. */
    assert_null(json_object_get(o, "x_reporter"));
    assert_string_equal(r.message, "anonymised: removed x_reporter");
    /* Own identity objects are kept in NAMED mode. */
    json_t *id = json_pack("{s:s, s:s, s:s}", "type", "identity", "id", SELF, "name", "x");
    policy_anonymise(id, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_KEEP);
    json_decref(id);
    json_decref(o);
}

static void own_identity_dropped(void **state)
{
    struct fx *f = *state;
    struct policy_anon_result r;
    json_t *id = json_pack("{s:s, s:s, s:s}", "type", "identity", "id", ALT, "name", "whatever");
    f->a.mode = STORE_ANON_ANONYMOUS;
    f->a.replacement_what = "hub identity";
    policy_anonymise(id, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_DROP);
    assert_string_equal(r.message, "dropped: the contributor's own identity");
    json_decref(id);
    /* Any other identity too: the hub cannot tell it is not the contributor's under another
     * name (its platform exports it under the real company name). */
    id = json_pack("{s:s, s:s, s:s}", "type", "identity", "id", OTHER, "name",
                   "Acme Power Holdings, Inc.");
    policy_anonymise(id, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_DROP);
    assert_non_null(strstr(r.message, "dropped: identities are not shared"));
    json_decref(id);
    /* A public identity (MITRE's) is kept. */
    id = json_pack("{s:s, s:s, s:s}", "type", "identity", "id", PUBLIC, "name", "MITRE");
    policy_anonymise(id, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_KEEP);
    json_decref(id);
}

/* Sector mode: every identity reference anywhere, whatever its property, becomes the
 * stand-in, but public ones; a list keeps one reference to the stand-in. */
static void hidden_identity_refs_everywhere(void **state)
{
    struct fx *f = *state;
    struct policy_anon_result r;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:[s, s, s, s], s:{s:{s:s, s:s, s:[s]}}, s:s}", "type",
        "report", "spec_version", "2.1", "id", "report--99999999-9999-4999-8999-999999999999",
        "created", "2024-01-01T00:00:00.000Z", "modified", "2024-01-01T00:00:00.000Z",
        "created_by_ref", OTHER, "object_refs", "indicator--55555555-5555-4555-8555-555555555555",
        OTHER, ALT, PUBLIC, "extensions",
        "extension-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "extension_type",
        "property-extension", "x_victim", OTHER, "x_victims_refs", SELF, "x_author_id",
        "IDENTITY--33333333-3333-4333-8333-333333333333");
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_KEEP);
    assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), REP);
    json_t *refs = json_object_get(o, "object_refs");
    assert_int_equal(json_array_size(refs), 3);
    assert_string_equal(json_string_value(json_array_get(refs, 1)), REP);
    assert_string_equal(json_string_value(json_array_get(refs, 2)), PUBLIC);
    json_t *ext = json_object_get(json_object_get(o, "extensions"),
                                  "extension-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa");
    assert_string_equal(json_string_value(json_object_get(ext, "x_victim")), REP);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(ext, "x_victims_refs"), 0)), REP);
    assert_string_equal(json_string_value(json_object_get(o, "x_author_id")), REP);
    char *text = json_dumps(o, 0);
    assert_null(strstr(text, "33333333"));
    assert_null(strstr(text, "22222222"));
    assert_null(strstr(text, "11111111"));
    free(text);
    assert_non_null(strstr(r.message, "object_refs -> sector identity"));
    json_decref(o);

    /* A foreign author is refused instead when the policy says so; the contributor's own is
     * still rewritten. */
    f->a.foreign_refuse = true;
    o = indicator();
    json_object_set_new(o, "created_by_ref", json_string(OTHER));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_REFUSE);
    assert_non_null(strstr(r.message, "created_by_ref names an identity that is not"));
    json_decref(o);
    o = indicator();
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_KEEP);
    assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), REP);
    json_decref(o);
}

/* Named mode: created_by_ref must be the poster's own or public; anything else would write
 * in another member's name. */
static void named_foreign_author(void **state)
{
    struct fx *f = *state;
    struct policy_anon_result r;
    json_t *o = indicator();
    f->a.mode = STORE_ANON_NAMED;
    f->a.replacement_id = NULL;
    f->a.own_identity = SELF;
    json_object_set_new(o, "created_by_ref", json_string(OTHER));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_KEEP);
    assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), SELF);
    assert_non_null(strstr(r.message, "created_by_ref -> the poster's identity"));
    json_decref(o);
    /* Its envelope identity recognised as its own, and a public identity, stay. */
    o = indicator();
    json_object_set_new(o, "created_by_ref", json_string(ALT));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), ALT);
    json_object_set_new(o, "created_by_ref", json_string(PUBLIC));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), PUBLIC);
    json_decref(o);
    /* Nested authors too, and refusal when the policy says so. */
    f->a.foreign_refuse = true;
    o = indicator();
    json_object_set_new(o, "x_inner", json_pack("{s:s}", "created_by_ref", OTHER));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_REFUSE);
    assert_non_null(strstr(r.message, "x_inner.created_by_ref"));
    json_decref(o);
}

/* Listed properties go at every depth (extensions, lists of objects), and the granular
 * markings that selected them go with them. */
static void removed_at_every_depth(void **state)
{
    struct fx *f = *state;
    struct policy_anon_result r;
    json_t *o = indicator();
    f->a.mode = STORE_ANON_NAMED;
    f->a.replacement_id = NULL;
    json_object_set_new(o, "extensions",
                        json_pack("{s:{s:s, s:s, s:s}}",
                                  "extension-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
                                  "extension_type", "property-extension", "x_reporter", "jane@soc",
                                  "x_keep", "ok"));
    json_object_set_new(json_array_get(json_object_get(o, "external_references"), 0), "x_reporter",
                        json_string("jane again"));
    json_object_set_new(
        o, "granular_markings",
        json_pack(
            "[{s:s, s:[s]}, {s:s, s:[s, s]}]", "marking_ref",
            "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "selectors",
            "extensions.extension-definition--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa.x_reporter",
            "marking_ref", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "selectors",
            "x_reporter", "pattern"));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_KEEP);
    char *text = json_dumps(o, 0);
    assert_null(strstr(text, "jane"));
    assert_non_null(strstr(text, "x_keep"));
    free(text);
    assert_true(r.markings_changed);
    json_t *gm = json_object_get(o, "granular_markings");
    assert_int_equal(json_array_size(gm), 1);
    json_t *sels = json_object_get(json_array_get(gm, 0), "selectors");
    assert_int_equal(json_array_size(sels), 1);
    assert_string_equal(json_string_value(json_array_get(sels, 0)), "pattern");
    assert_string_equal(r.message, "anonymised: removed x_reporter");
    json_decref(o);
}

/* Names as people write them: case, trailing dots and blanks, runs of blanks. */
static void names_equal(void **state)
{
    (void)state;
    assert_true(policy_names_equal("Acme Power, Inc.", "acme power, inc"));
    assert_true(policy_names_equal("Acme Power ", "  ACME  power."));
    assert_true(policy_names_equal("Acme Power...", "Acme Power"));
    assert_false(policy_names_equal("Acme Power", "Acme Powers"));
    assert_false(policy_names_equal("Acme Power", "AcmePower"));
    assert_false(policy_names_equal("Acme", ""));
    assert_false(policy_names_equal(NULL, "x"));
}

static void sighting_where_replaced(void **state)
{
    struct fx *f = *state;
    struct policy_anon_result r;
    json_t *s = json_pack("{s:s, s:s, s:s, s:[s, s], s:[s]}", "type", "sighting", "id",
                          "sighting--66666666-6666-4666-8666-666666666666", "sighting_of_ref",
                          "indicator--55555555-5555-4555-8555-555555555555", "where_sighted_refs",
                          OTHER, SELF, "observed_data_refs",
                          "observed-data--77777777-7777-4777-8777-777777777777");
    policy_anonymise(s, &f->a, f->actions, &r);
    json_t *where = json_object_get(s, "where_sighted_refs");
    assert_int_equal(json_array_size(where), 1);
    assert_string_equal(json_string_value(json_array_get(where, 0)), REP);
    assert_non_null(strstr(r.message, "where_sighted_refs -> sector identity"));
    json_decref(s);
    /* An SDO without created_by_ref is attributed to the replacement. */
    json_t *o = indicator();
    json_object_del(o, "created_by_ref");
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")), REP);
    json_decref(o);
}

static void own_identifiers_refused(void **state)
{
    struct fx *f = *state;
    struct policy_anon_result r;
    json_t *o = indicator();
    json_object_set_new(o, "description", json_string("Seen at the VPN of vpn.acme.example"));
    f->a.mode = STORE_ANON_NAMED;
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_REFUSE);
    assert_string_equal(r.message, "refused: contains the contributor's own identifier (domain) "
                                   "in property 'description'");
    assert_null(strstr(r.message, "acme.example"));
    json_decref(o);

    o = indicator();
    json_object_set_new(o, "pattern", json_string("[ipv4-addr:value = '192.0.2.8']"));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_REFUSE);
    assert_non_null(strstr(r.message, "(address range) in property 'pattern'"));
    assert_null(strstr(r.message, "192.0.2"));
    json_decref(o);

    /* Nested paths are named; ids and references are never matched. */
    o = indicator();
    json_object_set_new(o, "labels", json_pack("[s, s]", "ok", "for acme power only"));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_REFUSE);
    assert_non_null(strstr(r.message, "(name) in property 'labels[1]'"));
    json_decref(o);
}

static void own_identifiers_redacted(void **state)
{
    struct fx *f = *state;
    struct policy_anon_result r;
    json_t *o = indicator();
    f->a.redact = true;
    json_object_set_new(o, "description", json_string("Acme Power's mail server"));
    json_object_set_new(o, "name", json_string("phish to ceo@acme.example"));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_KEEP);
    assert_int_equal(r.n_redacted, 2);
    assert_string_equal(json_string_value(json_object_get(o, "description")), "[redacted]");
    assert_string_equal(json_string_value(json_object_get(o, "name")), "[redacted]");
    assert_non_null(strstr(r.message, "redacted: 2 value(s) matching own identifiers"));
    json_decref(o);
    /* A pattern cannot be redacted into something valid: refused even in redact mode. */
    o = indicator();
    json_object_set_new(o, "pattern", json_string("[domain-name:value = 'acme.example']"));
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_REFUSE);
    json_decref(o);
    o = json_pack("{s:s, s:s, s:s}", "type", "domain-name", "id",
                  "domain-name--88888888-8888-4888-8888-888888888888", "value", "www.acme.example");
    policy_anonymise(o, &f->a, f->actions, &r);
    assert_int_equal(r.outcome, POLICY_ANON_REFUSE);
    assert_non_null(strstr(r.message, "in property 'value'"));
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(self_set, setup, teardown),
        cmocka_unit_test_setup_teardown(sector_mode_rewrites, setup, teardown),
        cmocka_unit_test_setup_teardown(named_mode_keeps_created_by, setup, teardown),
        cmocka_unit_test_setup_teardown(own_identity_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(sighting_where_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(own_identifiers_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(own_identifiers_redacted, setup, teardown),
        cmocka_unit_test_setup_teardown(hidden_identity_refs_everywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(named_foreign_author, setup, teardown),
        cmocka_unit_test_setup_teardown(removed_at_every_depth, setup, teardown),
        cmocka_unit_test(names_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
