/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tokens.c: listing and revoking API tokens. A token is shown by its id, the first
 * POLICY_TOKEN_ID_LEN hexadecimal characters of its hash, never by its secret (which the
 * hub does not have). Revocation is the coordinator's, audited before it is done, and
 * reaches running servers through the entity cache's bump (cache.c).
 */
#include "policy/policy_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shortest id prefix a revocation accepts: 48 bits, so that a typo does not hit a token. */
#define TOKEN_ID_MIN 12

int policy_token_list(struct store *s, const char *org, struct store_token **out, size_t *n,
                      struct rk_err *err)
{
    struct store_org o = {0};
    struct store_token *all = NULL;
    size_t k = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (org != NULL) {
        rc = store_org_get(s, org, &o, err);
        if (rc == RK_E_NOTFOUND)
            return rk_err_set(err, RK_E_NOTFOUND, "unknown organisation '%s'", org);
        if (rc != 0)
            return rc;
    }
    rc = store_token_list(s, &all, n, err);
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

/* The one token ref names (the secret itself, or an id prefix) among list. */
static int token_find(const char *ref, const struct store_token *list, size_t n, size_t *at,
                      struct rk_err *err)
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
    json_t *d = NULL;
    int rc;

    memset(revoked, 0, sizeof(*revoked));
    if (!policy_is_coordinator(who))
        return rk_err_set(err, RK_E_FORBIDDEN, "only the coordinator may revoke tokens");
    if (ref == NULL || ref[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "which token? give the token or its id");
    rc = store_token_list(s, &list, &n, err);
    if (rc == 0)
        rc = token_find(ref, list, n, &at, err);
    if (rc != 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        coordinators += list[i].role == STORE_ROLE_COORDINATOR;
    if (list[at].role == STORE_ROLE_COORDINATOR && coordinators == 1) {
        rc = rk_err_set(err, RK_E_CONFLICT,
                        "that is the hub's last coordinator token: create another coordinator "
                        "token first");
        goto out;
    }
    /* Audited first: a revocation the log cannot record is not made. */
    d = json_pack("{s:s%, s:s, s:s, s:s}", "token", list[at].hash, (size_t)POLICY_TOKEN_ID_LEN,
                  "org_id", list[at].org_id, "role", policy_role_name(list[at].role), "label",
                  list[at].label != NULL ? list[at].label : "");
    detail = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
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
    json_decref(d);
    store_tokens_free(list, n);
    return rc;
}
