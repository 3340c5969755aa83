/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.h: who is asking. The principal of a request as authentication establishes it, the
 * role tests every layer uses (member, coordinator, metrics), role and anonymity names, and
 * tokens: creating, listing and revoking them (auth.c, tokens.c).
 */
#ifndef RK_POLICY_AUTH_H
#define RK_POLICY_AUTH_H

#include <stdbool.h>

#include "core/core.h"
#include "store/store.h"

/* Tokens: "rk_" and 64 hex digits (32 random bytes). */
#define POLICY_TOKEN_LEN    68
#define POLICY_TOKEN_PREFIX "rk_"
/* The requester of one request, as authentication established it. */
struct policy_principal {
    bool authenticated;       /* false: anonymous (public collections only) */
    char org_id[RK_UUID_LEN]; /* requester's organisation, "" when anonymous */
    char org_name[128];
    char sector[64];
    int role; /* enum store_role; READER when anonymous */
    /* Recorded in provenance by the ingest: */
    char token_hash[65]; /* hex hash of the token used, "" when anonymous */
    int token_anonymity; /* the token's enum store_anonymity, -1 (or NAMED) = the org's mode */
    /* The organisation of the coordinator that created the token used for org_id, another
     * organisation than its own, so that the coordinator may hold it too; "" when org_id
     * created it. Every audit entry of such a principal says so (policy_audit_append). */
    char minted_by[RK_UUID_LEN];
};

/*
 * Authenticates an Authorization header value: "Bearer <token>" or "Basic <b64(user:token)>"
 * (the user part is ignored; the password is the token). NULL authorization gives an
 * anonymous principal and returns 0. A malformed header, unknown token or token of a
 * deleted or disabled organisation returns RK_E_UNAUTH with err saying which.
 */
int policy_authenticate(struct store *s, const char *authorization, struct policy_principal *out,
                        struct rk_err *err);

/* The principal organisation org is as any of its tokens of role would make it (no token:
 * token_hash "", the organisation's anonymity): for reads the hub makes on an organisation's
 * behalf through the one access check (alert deliveries, credit views, reader checks). */
void policy_org_principal(const struct store_org *org, int role, struct policy_principal *out);

/* Whether who is an authenticated principal with the coordinator role: the one test of it
 * that every layer uses (NULL is not). */
bool policy_is_coordinator(const struct policy_principal *who);

/*
 * Whether who is an authenticated member: a token of role reader, contributor, analyst or
 * coordinator. A metrics token is authenticated but no member: every check that admits
 * members refuses it (it reads no collection, not even a public one, posts nothing, manages
 * no token). NULL is not.
 */
bool policy_is_member(const struct policy_principal *who);

/* Whether who holds a token of the metrics role, which may read the server's metrics and
 * nothing else (the route gate of src/module refuses it everywhere else). */
bool policy_is_metrics_only(const struct policy_principal *who);

/* Whether who may read the server's metrics: the coordinator or a metrics token. */
bool policy_may_read_metrics(const struct policy_principal *who);

/* Role names: "reader", "contributor", "analyst", "coordinator", "metrics". -1 if unknown. */
int policy_role_parse(const char *name);
const char *policy_role_name(int role);

/* Anonymity names: "named", "sector", "anonymous". -1 if unknown. */
int policy_anonymity_parse(const char *name);
const char *policy_anonymity_name(int mode);

/*
 * Creates a token for org (id or name) with role, label (NULL: "") and anonymity (-1: the
 * organisation's mode, else an enum store_anonymity) on behalf of who, and records who made
 * it (who's organisation and token). The coordinator may create any role for any
 * organisation. A member whose role is contributor or analyst may create tokens for its own
 * organisation with a role no higher than its own; a reader may create none. Refusals are
 * RK_E_FORBIDDEN (a member naming another organisation is refused whether or not it exists),
 * RK_E_UNAUTH for an anonymous who. RK_E_INVALID for a bad role, anonymity or label;
 * RK_E_NOTFOUND for an unknown organisation. One "token-create" audit entry (route names
 * the caller) is appended before the token is stored: a creation the log cannot record is
 * not made. The secret goes to token_out and is never stored; *made (made may be NULL)
 * describes the new token, its creator filled in (caller clears).
 */
int policy_token_create(struct store *s, const struct policy_principal *who, const char *route,
                        const char *org, int role, const char *label, int anonymity,
                        char token_out[POLICY_TOKEN_LEN + 1], struct store_token *made,
                        struct rk_err *err);

/*
 * Tokens who may see, by organisation then creation (tokens.c): the coordinator sees org's
 * (id or name; NULL: every organisation's), a member of any role its own organisation's
 * only (org NULL or its own; another is RK_E_FORBIDDEN whether or not it exists). Each has
 * its creator filled in (creator_org; tokens made before creators were recorded count as
 * made by the coordinator organisation, the only one that could create tokens then).
 * *out is freed with store_tokens_free. A token is shown by its id: the first
 * POLICY_TOKEN_ID_LEN characters of its hash. RK_E_NOTFOUND for an unknown organisation.
 */
#define POLICY_TOKEN_ID_LEN 16
int policy_token_list(struct store *s, const struct policy_principal *who, const char *org,
                      struct store_token **out, size_t *n, struct rk_err *err);

/* Who created t, as the lists and the audit say it: "coordinator" when a coordinator made it
 * for another organisation than its own, else "self". t's creator must be filled in, as
 * policy_token_list and policy_token_create give it. */
const char *policy_token_created_by(const struct store_token *t);

/*
 * Revokes the token ref names: the token itself (rk_...), or its id or a longer prefix of its
 * hash (at least 12 hexadecimal characters, matching one token). The coordinator may revoke
 * any token; a member whose role is contributor or analyst a token of its own organisation
 * with a role no higher than its own (another organisation's tokens are RK_E_NOTFOUND to it,
 * as if they did not exist); anyone else gets RK_E_FORBIDDEN (RK_E_UNAUTH if anonymous).
 * RK_E_NOTFOUND if no token matches, RK_E_CONFLICT if several do or if it is the hub's last
 * coordinator token. One "token-revoke" audit entry (route names the caller) is appended
 * before the token is deleted; running servers stop accepting it within
 * POLICY_CACHE_RECHECK_MS. *revoked describes it (caller clears).
 */
int policy_token_revoke(struct store *s, const struct policy_principal *who, const char *route,
                        const char *ref, struct store_token *revoked, struct rk_err *err);

/* The principal the command line acts as: the hub's coordinator organisation (settings
 * "coordinator_org") with the coordinator role, for audit entries of CLI actions. */
int policy_coordinator_principal(struct store *s, struct policy_principal *out, struct rk_err *err);

#endif /* RK_POLICY_AUTH_H */
