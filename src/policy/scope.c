/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scope.c: deciding the TLP and audience of an object as it arrives: its own marking when
 * the hub can read it, else the first matching automatic scope rule of the policy document
 * (doc.c), and never less than AMBER when it carries a marking the hub cannot read.
 */
#include "policy/policy_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- deciding ----------------------------------------------------------------------------- */

static bool list_has(const struct policy_strings *l, const char *s, bool nocase)
{
    if (s == NULL || s[0] == '\0')
        return false;
    for (size_t i = 0; i < l->n; i++)
        if ((nocase ? strcasecmp(l->v[i], s) : strcmp(l->v[i], s)) == 0)
            return true;
    return false;
}

static bool rule_matches(const struct policy_scope_rule *r, const json_t *obj, const char *sector,
                         const struct store_collection *c)
{
    if (r->types.n > 0 &&
        !list_has(&r->types, json_string_value(json_object_get(obj, "type")), false))
        return false;
    if (r->sectors.n > 0 && !list_has(&r->sectors, sector, false))
        return false;
    if (r->collections.n > 0) {
        if (c == NULL)
            return false;
        if (!list_has(&r->collections, c->id, true) &&
            !list_has(&r->collections, c->alias, false) &&
            !list_has(&r->collections, c->title, false))
            return false;
    }
    if (r->labels.n > 0) {
        const json_t *labels = json_object_get(obj, "labels");
        const json_t *l;
        size_t i;
        bool any = false;
        if (json_is_array(labels))
            json_array_foreach(labels, i, l) if (list_has(&r->labels, json_string_value(l), true))
                any = true;
        if (!any)
            return false;
    }
    return true;
}

static int collection_tlp(const struct store_collection *c)
{
    if (c != NULL && c->default_tlp >= POLICY_TLP_CLEAR && c->default_tlp <= POLICY_TLP_RED)
        return c->default_tlp;
    return POLICY_TLP_GREEN;
}

int policy_scope_decide(const struct policy_doc *d, const json_t *obj,
                        const char *contributor_sector, const struct store_collection *c,
                        struct policy_scope_decision *out, struct rk_err *err)
{
    const struct policy_scope_rule *hit = NULL;
    int own = policy_tlp_of(obj);

    (void)err;
    memset(out, 0, sizeof(*out));
    if (own != POLICY_TLP_NONE) {
        out->tlp = own;
        policy_copy_str(out->rule, sizeof(out->rule), "marking");
        return 0;
    }
    out->assigned = true;
    for (size_t i = 0; d != NULL && i < d->n_rules && hit == NULL; i++)
        if (rule_matches(&d->rules[i], obj, contributor_sector, c))
            hit = &d->rules[i];
    if (hit == NULL) {
        out->tlp = collection_tlp(c);
        policy_copy_str(out->rule, sizeof(out->rule), "default");
        return 0;
    }
    policy_copy_str(out->rule, sizeof(out->rule), hit->name);
    out->tlp = hit->tlp == POLICY_TLP_COLLECTION ? collection_tlp(c) : hit->tlp;
    if (out->tlp != POLICY_TLP_AMBER)
        return 0;
    if (strcmp(hit->audience, "contributor-sector") == 0) {
        if (contributor_sector != NULL && contributor_sector[0] != '\0')
            snprintf(out->scope, sizeof(out->scope), "sector:%s", contributor_sector);
    } else if (hit->audience[0] != '\0' && strcmp(hit->audience, "collection") != 0) {
        snprintf(out->scope, sizeof(out->scope), "%s", hit->audience);
    }
    return 0;
}

/* Appends s to out (n bytes used of cap, always terminated), truncating. */
static size_t append(char *out, size_t n, size_t cap, const char *s)
{
    policy_copy_str(out + n, cap - n, s);
    return n + strlen(out + n);
}

/* Built without snprintf, which cost about 1,000 instructions per stored object. */
void policy_scope_message(const struct policy_scope_decision *dec, char *out, size_t cap)
{
    if (cap == 0)
        return;
    out[0] = '\0';
    if (dec == NULL || !dec->assigned)
        return;
    size_t n = append(out, 0, cap, "tlp ");
    n = append(out, n, cap, policy_tlp_name(dec->tlp));
    n = append(out, n, cap, " by rule '");
    n = append(out, n, cap, dec->rule);
    append(out, n, cap, "'");
}
