/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tokens.c: creating, listing and revoking API tokens, and who may do it. A token is shown
 * by its id, the first POLICY_TOKEN_ID_LEN hexadecimal characters of its hash, never by its
 * secret (which the hub does not have). Each token records who created it; creation and
 * revocation are audited before they are done and reach running servers through the entity
 * cache's bump (cache.c).
 */
#include "policy/policy_int.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shortest id prefix a revocation accepts: 48 bits, so that a typo does not hit a token. */
#define TOKEN_ID_MIN 12

/* What policy_token_created_by and the audit details call the two kinds of creator. */
#define BY_SELF        "self"
#define BY_COORDINATOR "coordinator"

/* ---- who made a token -------------------------------------------------------------------- */

int policy_token_creators_fill(struct store *s, struct store_token *list, size_t n,
                               struct rk_err *err)
{
    char *coordinator = NULL;
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        if (list[i].creator_org[0] != '\0')
            continue;
        /* Recorded before creators were: only the coordinator could create tokens then
         * (the command line acts as the coordinator; the admin API was the coordinator's). */
        if (coordinator == NULL) {
            rc = store_setting_get(s, "coordinator_org", &coordinator, err);
            if (rc != 0)
                break;
        }
        policy_copy_str(list[i].creator_org, sizeof(list[i].creator_org), coordinator);
    }
    free(coordinator);
    return rc == RK_E_NOTFOUND ? rk_err_set(err, RK_E_INTERNAL, "hub has no coordinator") : rc;
}

bool policy_token_minted_for_other(const struct store_token *t)
{
    /* Only a coordinator may create a token for another organisation than its own. */
    return t->creator_org[0] != '\0' && strcmp(t->creator_org, t->org_id) != 0;
}

const char *policy_token_created_by(const struct store_token *t)
{
    return policy_token_minted_for_other(t) ? BY_COORDINATOR : BY_SELF;
}

/* Every token, with its creator filled in; *out freed with store_tokens_free. */
static int tokens_load(struct store *s, struct store_token **out, size_t *n, struct rk_err *err)
{
    int rc = store_token_list(s, out, n, err);
    if (rc == 0)
        rc = policy_token_creators_fill(s, *out, *n, err);
    if (rc != 0) {
        store_tokens_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- who may manage whose tokens --------------------------------------------------------- */

/* True if ref (an organisation id or name) is who's own organisation. */
static bool is_own_org(const struct policy_principal *who, const char *ref)
{
    return ref != NULL && (strcmp(ref, who->org_id) == 0 || strcmp(ref, who->org_name) == 0);
}

/*
 * 0 if who may create or revoke a token of role for its own organisation: the coordinator
 * always; a member when its own role is contributor or above and role is no higher than
 * its own (metrics counts as higher than every member role: only the coordinator makes or
 * revokes metrics tokens). A metrics token manages none. Otherwise RK_E_UNAUTH (anonymous)
 * or RK_E_FORBIDDEN saying why; what names "create" or "revoke".
 */
static int may_manage(const struct policy_principal *who, int role, const char *what,
                      struct rk_err *err)
{
    if (who == NULL || !who->authenticated)
        return rk_err_set(err, RK_E_UNAUTH, "authentication required to %s tokens", what);
    if (!policy_is_member(who))
        return rk_err_set(err, RK_E_FORBIDDEN, "a %s token cannot %s tokens",
                          policy_role_name(who->role), what);
    if (policy_is_coordinator(who))
        return 0;
    if (who->role < STORE_ROLE_CONTRIBUTOR)
        return rk_err_set(err, RK_E_FORBIDDEN,
                          "a reader token cannot %s tokens (a contributor or analyst token of "
                          "the organisation can)",
                          what);
    if (role > who->role)
        return rk_err_set(err, RK_E_FORBIDDEN,
                          "a %s token cannot %s a token with a higher role (%s)",
                          policy_role_name(who->role), what, policy_role_name(role));
    return 0;
}

/* ---- create -------------------------------------------------------------------------- */

/* The id of a token hash (its first POLICY_TOKEN_ID_LEN characters; "" for ""). */
static void token_id(const char *hash, char out[POLICY_TOKEN_ID_LEN + 1])
{
    policy_copy_str(out, POLICY_TOKEN_ID_LEN + 1, hash);
}

/*
 * The audit detail of a token-create or token-revoke entry about t: its id (never the
 * secret), organisation, role, label, who created it ("self" or "coordinator") and with
 * which token (an id, "" for none), plus extra_key: extra_value. Returns malloc'd JSON text
 * or NULL (out of memory).
 */
static char *token_detail(const struct store_token *t, const char *extra_key,
                          const char *extra_value)
{
    char id[POLICY_TOKEN_ID_LEN + 1], with[POLICY_TOKEN_ID_LEN + 1];
    char *text = NULL;

    token_id(t->hash, id);
    token_id(t->creator_token, with);
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "token", id, "org_id", t->org_id,
                          "role", policy_role_name(t->role), "label",
                          t->label != NULL ? t->label : "", "created_by",
                          policy_token_created_by(t), "created_with", with, extra_key, extra_value);
    if (d != NULL)
        text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return text;
}

int policy_token_create(struct store *s, const struct policy_principal *who, const char *route,
                        const char *org, int role, const char *label, int anonymity,
                        char token_out[POLICY_TOKEN_LEN + 1], struct store_token *made,
                        struct rk_err *err)
{
    struct store_org o = {0};
    struct store_token t = {0};
    char *detail = NULL;
    int rc;

    token_out[0] = '\0';
    if (made != NULL)
        memset(made, 0, sizeof(*made));
    if (role < STORE_ROLE_READER || role > STORE_ROLE_METRICS)
        return rk_err_set(err, RK_E_INVALID,
                          "unknown role (use reader, contributor, analyst, coordinator or "
                          "metrics)");
    if (anonymity < -1 || anonymity > STORE_ANON_ANONYMOUS)
        return rk_err_set(err, RK_E_INVALID, "unknown anonymity mode %d", anonymity);
    if (label != NULL && strlen(label) > 256)
        return rk_err_set(err, RK_E_INVALID, "label longer than 256 bytes");
    if (org == NULL || org[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "organisation must not be empty");
    rc = may_manage(who, role, "create", err);
    if (rc != 0)
        return rc;
    /* A member learns nothing about other organisations, not even whether one exists. */
    if (!policy_is_coordinator(who) && !is_own_org(who, org))
        return rk_err_set(err, RK_E_FORBIDDEN,
                          "a member may create tokens for its own organisation only");
    rc = store_org_get(s, org, &o, err);
    if (rc == RK_E_NOTFOUND)
        return rk_err_set(err, RK_E_NOTFOUND, "unknown organisation '%s'", org);
    if (rc != 0)
        return rc;
    if (o.disabled) {
        rc = rk_err_set(err, RK_E_CONFLICT,
                        "organisation '%s' is disabled: enable it first (renkei org enable)",
                        o.name);
        store_org_clear(&o);
        return rc;
    }
    policy_token_generate(token_out);
    policy_token_hash(token_out, t.hash);
    memcpy(t.org_id, o.id, sizeof(t.org_id));
    t.role = role;
    t.label = (char *)(label != NULL ? label : "");
    t.created = rk_time_now();
    t.anonymity = anonymity;
    policy_copy_str(t.creator_org, sizeof(t.creator_org), who->org_id);
    policy_copy_str(t.creator_token, sizeof(t.creator_token), who->token_hash);
    /* Only a coordinator makes a token for another organisation, or a coordinator token. */
    assert(policy_is_coordinator(who) || !policy_token_minted_for_other(&t));
    assert(policy_is_coordinator(who) || t.role <= who->role);
    /* Audited first: a creation the log cannot record is not made. */
    detail = token_detail(&t, "org", o.name);
    if (detail == NULL) {
        rc = rk_err_set(err, RK_E_NOMEM, "cannot describe the token");
        goto out;
    }
    rc = policy_audit_append(s, who, POLICY_AUDIT_TOKEN_CREATE, route, NULL, detail, err);
    if (rc == 0)
        rc = store_token_add(s, &t, err);
    if (rc != 0)
        goto out;
    (void)policy_cache_bump(s, NULL); /* running servers drop cached entities (cache.c) */
    if (made != NULL) {
        *made = t;
        made->label = rk_strdup(t.label);
    }
out:
    if (rc != 0)
        token_out[0] = '\0';
    free(detail);
    store_org_clear(&o);
    return rc;
}

/* ---- list ---------------------------------------------------------------------------- */

int policy_token_list(struct store *s, const struct policy_principal *who, const char *org,
                      struct store_token **out, size_t *n, struct rk_err *err)
{
    struct store_org o = {0};
    struct store_token *all = NULL;
    size_t k = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (who == NULL || !who->authenticated)
        return rk_err_set(err, RK_E_UNAUTH, "authentication required to list tokens");
    if (!policy_is_member(who))
        return rk_err_set(err, RK_E_FORBIDDEN, "a %s token cannot list tokens",
                          policy_role_name(who->role));
    if (!policy_is_coordinator(who)) {
        /* Refused the same way whether or not the other organisation exists. */
        if (org != NULL && !is_own_org(who, org))
            return rk_err_set(err, RK_E_FORBIDDEN,
                              "a member sees the tokens of its own organisation only");
        org = who->org_id;
    }
    if (org != NULL) {
        rc = store_org_get(s, org, &o, err);
        if (rc == RK_E_NOTFOUND)
            return rk_err_set(err, RK_E_NOTFOUND, "unknown organisation '%s'", org);
        if (rc != 0)
            return rc;
    }
    rc = tokens_load(s, &all, n, err);
    if (rc == 0 && org != NULL) { /* keep the organisation's, in place */
        for (size_t i = 0; i < *n; i++) {
            if (strcmp(all[i].org_id, o.id) == 0)
                all[k++] = all[i];
            else
                store_token_clear(&all[i]);
        }
        *n = k;
    }
    store_org_clear(&o);
    *out = all;
    return rc;
}

/* ---- revoke -------------------------------------------------------------------------- */

int policy_tokens_revoke_org(struct store *s, const struct policy_principal *who, const char *route,
                             const char *org_id, struct store_token **out, size_t *n,
                             struct rk_err *err)
{
    struct store_token *list = NULL;
    size_t all = 0, k = 0, coordinators_elsewhere = 0;
    bool holds_coordinator = false;
    int rc;

    *out = NULL;
    *n = 0;
    rc = tokens_load(s, &list, &all, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < all; i++) {
        bool mine = strcmp(list[i].org_id, org_id) == 0;
        if (list[i].role == STORE_ROLE_COORDINATOR) {
            holds_coordinator |= mine;
            coordinators_elsewhere += !mine;
        }
    }
    if (holds_coordinator && coordinators_elsewhere == 0) {
        rc = rk_err_set(err, RK_E_CONFLICT,
                        "the organisation holds the hub's last coordinator tokens: create a "
                        "coordinator token of another organisation first");
        goto out;
    }
    for (size_t i = 0; i < all; i++) { /* keep the organisation's, in place */
        if (strcmp(list[i].org_id, org_id) == 0)
            list[k++] = list[i];
        else
            store_token_clear(&list[i]);
    }
    all = k;
    /* Audited first, each as a revocation of its own, then deleted. */
    for (size_t i = 0; i < all && rc == 0; i++) {
        char *detail = token_detail(&list[i], "revoked_by", BY_COORDINATOR);
        if (detail == NULL)
            rc = rk_err_set(err, RK_E_NOMEM, "cannot describe the token");
        if (rc == 0)
            rc = policy_audit_append(s, who, POLICY_AUDIT_TOKEN_REVOKE, route, NULL, detail, err);
        if (rc == 0)
            rc = store_token_remove(s, list[i].hash, err);
        free(detail);
    }
out:
    if (rc != 0) {
        store_tokens_free(list, all);
        return rc;
    }
    *out = list;
    *n = all;
    return 0;
}

/* True if s is lower-case hexadecimal, TOKEN_ID_MIN to 64 characters. */
static bool token_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < TOKEN_ID_MIN || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* The one token ref names (the secret itself, or an id prefix) among the tokens of list
 * that belong to org_id (NULL: all of them). */
static int token_find(const char *ref, const struct store_token *list, size_t n, const char *org_id,
                      size_t *at, struct rk_err *err)
{
    char hash[65];
    const char *want = ref;
    size_t hits = 0;

    if (strncmp(ref, POLICY_TOKEN_PREFIX, strlen(POLICY_TOKEN_PREFIX)) == 0) {
        policy_token_hash(ref, hash);
        want = hash;
    } else if (!token_id_ok(ref)) {
        return rk_err_set(err, RK_E_INVALID,
                          "give the token itself (rk_...) or its id, %d to 64 hexadecimal "
                          "characters as `renkei token list` shows it",
                          TOKEN_ID_MIN);
    }
    for (size_t i = 0; i < n; i++) {
        if (org_id != NULL && strcmp(list[i].org_id, org_id) != 0)
            continue;
        if (strncmp(list[i].hash, want, strlen(want)) == 0) {
            *at = i;
            hits++;
        }
    }
    if (hits == 0)
        return rk_err_set(err, RK_E_NOTFOUND, "no such token");
    if (hits > 1)
        return rk_err_set(err, RK_E_CONFLICT,
                          "%zu tokens have an id starting with '%s': give more of it", hits, ref);
    return 0;
}

int policy_token_revoke(struct store *s, const struct policy_principal *who, const char *route,
                        const char *ref, struct store_token *revoked, struct rk_err *err)
{
    struct store_token *list = NULL;
    size_t n = 0, at = 0, coordinators = 0;
    char *detail = NULL;
    int rc;

    memset(revoked, 0, sizeof(*revoked));
    /* Any role passes here; the role of the token found is checked below. */
    rc = may_manage(who, STORE_ROLE_READER, "revoke", err);
    if (rc != 0)
        return rc;
    if (ref == NULL || ref[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "which token? give the token or its id");
    rc = tokens_load(s, &list, &n, err);
    if (rc == 0) /* a member finds only its own organisation's tokens: others are "no such" */
        rc = token_find(ref, list, n, policy_is_coordinator(who) ? NULL : who->org_id, &at, err);
    if (rc == 0)
        rc = may_manage(who, list[at].role, "revoke", err);
    if (rc != 0)
        goto out;
    assert(policy_is_coordinator(who) || strcmp(list[at].org_id, who->org_id) == 0);
    for (size_t i = 0; i < n; i++)
        coordinators += list[i].role == STORE_ROLE_COORDINATOR;
    if (list[at].role == STORE_ROLE_COORDINATOR && coordinators == 1) {
        rc = rk_err_set(err, RK_E_CONFLICT,
                        "that is the hub's last coordinator token: create another coordinator "
                        "token first");
        goto out;
    }
    /* Audited first: a revocation the log cannot record is not made. */
    detail = token_detail(&list[at], "revoked_by",
                          strcmp(who->org_id, list[at].org_id) != 0 ? BY_COORDINATOR : BY_SELF);
    if (detail == NULL) {
        rc = rk_err_set(err, RK_E_NOMEM, "cannot describe the token");
        goto out;
    }
    rc = policy_audit_append(s, who, POLICY_AUDIT_TOKEN_REVOKE, route, NULL, detail, err);
    if (rc == 0)
        rc = store_token_remove(s, list[at].hash, err);
    if (rc != 0)
        goto out;
    (void)policy_cache_bump(s, NULL); /* running servers forget the principal (cache.c) */
    *revoked = list[at];
    list[at].label = NULL; /* moved to *revoked */
out:
    free(detail);
    store_tokens_free(list, n);
    return rc;
}
