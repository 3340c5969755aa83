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

/* The rules' decision for an object whose markings give no TLP. */
static void decide_by_rules(const struct policy_doc *d, const json_t *obj,
                            const char *contributor_sector, const struct store_collection *c,
                            struct policy_scope_decision *out)
{
    const struct policy_scope_rule *hit = NULL;

    out->assigned = true;
    for (size_t i = 0; d != NULL && i < d->n_rules && hit == NULL; i++)
        if (rule_matches(&d->rules[i], obj, contributor_sector, c))
            hit = &d->rules[i];
    if (hit == NULL) {
        out->tlp = collection_tlp(c);
        policy_copy_str(out->rule, sizeof(out->rule), "default");
        return;
    }
    policy_copy_str(out->rule, sizeof(out->rule), hit->name);
    out->tlp = hit->tlp == POLICY_TLP_COLLECTION ? collection_tlp(c) : hit->tlp;
    if (out->tlp != POLICY_TLP_AMBER)
        return;
    if (strcmp(hit->audience, "contributor-sector") == 0) {
        if (contributor_sector != NULL && contributor_sector[0] != '\0')
            snprintf(out->scope, sizeof(out->scope), "sector:%s", contributor_sector);
    } else if (hit->audience[0] != '\0' && strcmp(hit->audience, "collection") != 0) {
        snprintf(out->scope, sizeof(out->scope), "%s", hit->audience);
    }
}

int policy_scope_decide(const struct policy_doc *d, const struct policy_tlp_reading *reading,
                        const json_t *obj, const char *contributor_sector,
                        const struct store_collection *c, struct policy_scope_decision *out,
                        struct rk_err *err)
{
    struct policy_tlp_reading own;
    const struct policy_tlp_reading *rp = reading;

    (void)err;
    memset(out, 0, sizeof(*out));
    if (rp == NULL) {
        policy_tlp_read(obj, NULL, &own);
        rp = &own;
    }
    const struct policy_tlp_reading *r = rp;
    /* What the hub cannot read might be stricter than anything it reads; statements alone say
     * nothing of who may see the object. Either way it is never shared below AMBER. */
    const char *unread = r->unreadable[0] != '\0'                               ? r->unreadable
                         : r->tlp == POLICY_TLP_NONE && r->statement[0] != '\0' ? r->statement
                                                                                : NULL;
    if (unread != NULL && d != NULL && d->unknown_markings == POLICY_UNREADABLE_REFUSE) {
        out->refuse = true;
        policy_copy_str(out->marking, sizeof(out->marking), unread);
        policy_copy_str(out->rule, sizeof(out->rule), POLICY_RULE_UNREADABLE);
        out->tlp = POLICY_TLP_RED;
        return 0;
    }
    if (r->tlp != POLICY_TLP_NONE) {
        out->tlp = r->tlp;
        if (r->standard) {
            policy_copy_str(out->rule, sizeof(out->rule), "marking");
        } else {
            out->assigned = true;
            policy_copy_str(out->rule, sizeof(out->rule), POLICY_RULE_ALIAS);
            policy_copy_str(out->marking, sizeof(out->marking), r->marking);
        }
    } else {
        decide_by_rules(d, obj, contributor_sector, c, out);
    }
    if (unread != NULL && out->tlp < POLICY_TLP_AMBER) {
        out->tlp = POLICY_TLP_AMBER;
        out->scope[0] = '\0'; /* the collection's audience */
        out->assigned = true;
        policy_copy_str(out->rule, sizeof(out->rule), POLICY_RULE_UNREADABLE);
        policy_copy_str(out->marking, sizeof(out->marking), unread);
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
    n = append(out, n, cap, "'");
    if (strcmp(dec->rule, POLICY_RULE_ALIAS) == 0) {
        n = append(out, n, cap, " (read from ");
        n = append(out, n, cap, dec->marking);
        append(out, n, cap, ")");
    } else if (strcmp(dec->rule, POLICY_RULE_UNREADABLE) == 0) {
        n = append(out, n, cap, " (the hub cannot read ");
        n = append(out, n, cap, dec->marking);
        append(out, n, cap, ")");
    }
}
