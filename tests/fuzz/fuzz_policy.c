/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_policy.c: libFuzzer driver for the policy inputs: the policy document (admin API and
 * `renkei policy load`), own-identifier files (`renkei org add --own-identifiers`), the
 * matcher that scans every posted string against them, and a posted envelope as the
 * anonymiser and the marking reader see it. The first byte picks the parser; for the matcher
 * the rest is "identifiers\0value". For an envelope the driver checks what the anonymiser
 * promises: a hidden post keeps no identity id but the stand-in and public ones and no
 * removed property, a named post no foreign author, and anonymising again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/policy_int.h"

#define REP  "identity--44444444-4444-4444-8444-444444444444"
#define SELF "identity--11111111-1111-4111-8111-111111111111"

/* Whether s is an identity id as the anonymiser reads one. */
static bool identity_id(const char *s)
{
    return s != NULL && strncasecmp(s, "identity--", 10) == 0 && rk_uuid_valid(s + 10);
}

/* Whether s is in l: ids ignoring case (nocase), property names exactly (STIX writes them in
 * lower case; validation refuses any other). */
static bool listed(const struct policy_strings *l, const char *s, bool nocase)
{
    for (size_t i = 0; i < l->n; i++)
        if ((nocase ? strcasecmp(l->v[i], s) : strcmp(l->v[i], s)) == 0)
            return true;
    return false;
}

/* Aborts if v (below the top level when top) holds an identity id that is not the stand-in
 * or public, or a removed property. */
static void check_hidden(const json_t *v, const struct policy_doc *d, bool top)
{
    const char *key;
    json_t *child;
    size_t i;

    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (identity_id(s) && strcasecmp(s, REP) != 0 && !listed(&d->public_identities, s, true))
            abort();
        return;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, child) check_hidden(child, d, false);
        return;
    }
    json_object_foreach((json_t *)v, key, child)
    {
        bool core = top && (strcmp(key, "id") == 0 || strcmp(key, "type") == 0 ||
                            strcmp(key, "created") == 0 || strcmp(key, "modified") == 0 ||
                            strcmp(key, "spec_version") == 0);
        if (core && json_is_string(child))
            continue; /* identifies the version: never rewritten */
        if (!core && listed(&d->remove_properties, key, false))
            abort();
        check_hidden(child, d, false);
    }
}

/* Aborts if a created_by_ref below v is not SELF or public. */
static void check_named(const json_t *v, const struct policy_doc *d)
{
    const char *key;
    json_t *child;
    size_t i;

    if (json_is_array(v)) {
        json_array_foreach(v, i, child) check_named(child, d);
        return;
    }
    json_object_foreach((json_t *)v, key, child)
    {
        const char *s = json_string_value(child);
        if (strcmp(key, "created_by_ref") == 0 && s != NULL && strcasecmp(s, SELF) != 0 &&
            !(identity_id(s) && listed(&d->public_identities, s, true)))
            abort();
        check_named(child, d);
    }
}

/* The anonymiser and the marking reader over each object of a posted envelope. */
static void envelope(const char *text)
{
    struct policy_doc d;
    struct policy_marks m;
    json_t *env = json_loads(text, 0, NULL);
    json_t *self = json_pack("[s]", SELF);
    json_t *actions = json_array();
    size_t i;
    json_t *o;

    if (!json_is_array(env)) {
        json_t *one = json_array();
        if (env != NULL)
            json_array_append_new(one, env);
        env = one;
    }
    policy_doc_default(&d);
    policy_marks_init(&m, &d);
    json_array_foreach(env, i, o) if (json_is_object(o)) policy_marks_add(&m, o);
    json_array_foreach(env, i, o)
    {
        struct policy_tlp_reading r;
        struct policy_anon a;
        struct policy_anon_result res, res2;
        if (!json_is_object(o))
            continue;
        policy_tlp_read(o, &m, &r);
        if (r.tlp < POLICY_TLP_NONE || r.tlp > POLICY_TLP_RED)
            abort();
        memset(&a, 0, sizeof(a));
        a.self_ids = self;
        a.remove_properties = &d.remove_properties;
        a.public_ids = &d.public_identities;
        /* Hidden. */
        json_t *hidden = json_deep_copy(o);
        a.mode = STORE_ANON_ANONYMOUS;
        a.replacement_id = REP;
        a.replacement_what = "hub identity";
        policy_anonymise(hidden, &a, actions, &res);
        if (res.outcome == POLICY_ANON_KEEP)
            check_hidden(hidden, &d, true);
        json_decref(hidden);
        /* Named: no foreign author is left, and a second pass changes nothing. */
        json_t *named = json_deep_copy(o);
        a.mode = STORE_ANON_NAMED;
        a.replacement_id = NULL;
        a.own_identity = SELF;
        policy_anonymise(named, &a, actions, &res);
        if (res.outcome == POLICY_ANON_KEEP) {
            json_t *again = json_deep_copy(named);
            check_named(named, &d);
            json_array_clear(actions);
            policy_anonymise(again, &a, actions, &res2);
            if (res2.outcome != POLICY_ANON_KEEP || !json_equal(again, named) ||
                json_array_size(actions) != 0)
                abort();
            json_decref(again);
        }
        json_decref(named);
        json_array_clear(actions);
    }
    policy_marks_clear(&m);
    policy_doc_clear(&d);
    json_decref(actions);
    json_decref(self);
    json_decref(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_err err;
    if (size < 1)
        return 0;
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';

    switch (data[0] % 4) {
    case 0: {
        struct policy_doc doc;
        if (policy_doc_parse(NULL, text, size - 1, &doc, &err) == 0) {
            /* What serialises must parse back. */
            char *again = policy_doc_to_json(&doc);
            struct policy_doc back;
            if (policy_doc_parse(NULL, again, strlen(again), &back, &err) != 0)
                abort();
            policy_doc_clear(&back);
            free(again);
            policy_doc_clear(&doc);
        }
        break;
    }
    case 1: {
        struct policy_ownids *ids = NULL;
        if (policy_ownids_parse(text, &ids, &err) == 0) {
            struct policy_ownids *back = NULL;
            if (policy_ownids_parse(policy_ownids_text(ids), &back, &err) != 0 ||
                policy_ownids_count(back) != policy_ownids_count(ids))
                abort();
            policy_ownids_free(back);
        }
        policy_ownids_free(ids);
        break;
    }
    case 3:
        envelope(text);
        break;
    default: {
        struct policy_ownids *ids = NULL;
        const char *value = text + strlen(text);
        value = value < text + size - 1 ? value + 1 : value;
        if (policy_ownids_parse(text, &ids, &err) == 0)
            (void)policy_ownids_match(ids, value);
        policy_ownids_free(ids);
    }
    }
    free(text);
    return 0;
}
