/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger.h: what the hub records: the tamper-evident audit log, the credit ledger and the
 * provenance vault's coordinator read (audit.c, credit.c, admin.c).
 */
#ifndef RK_POLICY_LEDGER_H
#define RK_POLICY_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/core.h"
#include "policy/auth.h"
#include "policy/hub.h"
#include "store/store.h"

struct store_credit;

/* Audit actions. Reads and writes of AMBER and above, every provenance read, every policy
 * change, every token created or revoked, every organisation or collection changed,
 * disabled, enabled or removed. */
#define POLICY_AUDIT_READ            "read"
#define POLICY_AUDIT_WRITE           "write"
#define POLICY_AUDIT_PROVENANCE_READ "provenance-read"
#define POLICY_AUDIT_POLICY_CHANGE   "policy-change"
#define POLICY_AUDIT_TOKEN_CREATE    "token-create"
#define POLICY_AUDIT_TOKEN_REVOKE    "token-revoke"
/* Changes to organisations and collections (orgs.c, collections.c). */
#define POLICY_AUDIT_ORG_CHANGE        "org-change"
#define POLICY_AUDIT_ORG_DISABLE       "org-disable"
#define POLICY_AUDIT_ORG_ENABLE        "org-enable"
#define POLICY_AUDIT_COLLECTION_CHANGE "collection-change"
#define POLICY_AUDIT_COLLECTION_REMOVE "collection-remove"

/*
 * Appends one entry to the tamper-evident audit log: who (NULL or anonymous: org ""),
 * action (one of POLICY_AUDIT_*), route name, collection id ("" or NULL if none) and
 * detail_json (a JSON object as text; NULL means "{}"). When who's token was minted by a
 * coordinator for who's organisation (who->minted_by), the detail gains
 * POLICY_AUDIT_MINTED: {"token": its id, "org_id": the coordinator's organisation}, so that
 * the entry shows the coordinator may be behind it. The store chains the entry to the
 * previous one under its writer lock; the hash is policy_audit_hash. 0 or RK_E_DB /
 * RK_E_INVALID (detail_json not a JSON object).
 */
#define POLICY_AUDIT_MINTED "minted_by_coordinator"
int policy_audit_append(struct store *s, const struct policy_principal *who, const char *action,
                        const char *route, const char *collection_id, const char *detail_json,
                        struct rk_err *err);

/* The chain hash of e: hex BLAKE2b-256 over prev_hash "\n" seq "\n" time "\n" org_id "\n"
 * action "\n" route "\n" collection "\n" detail. out gets 64 hex digits and a NUL. */
struct store_audit;
void policy_audit_hash(const struct store_audit *e, char out[65]);

/*
 * Recomputes the whole chain. *checked gets the number of entries read; *first_bad the seq of
 * the first entry whose prev_hash or hash does not match (0 if the chain is intact). Returns
 * 0 whether or not the chain is intact (look at *first_bad); negative only if the store fails.
 */
int policy_audit_verify(struct store *s, int64_t *checked, int64_t *first_bad, struct rk_err *err);

/*
 * Appends the audit entries with seq > after_seq (at most limit, 0 = 1000; capped at 10000),
 * of org_id only when it is not NULL/"", to json_out as {"entries":[{seq, time, org, org_id,
 * action, route, collection, detail, prev_hash, hash}...], "more": bool}.
 */
int policy_audit_list_json(struct store *s, int64_t after_seq, size_t limit, const char *org_id,
                           struct rk_buf *json_out, struct rk_err *err);

/* Credit points per event kind ("contribution", "correlation", "sighting"). */
#define POLICY_CREDIT_CONTRIBUTION 1
#define POLICY_CREDIT_CORRELATION  2
#define POLICY_CREDIT_SIGHTING     5

/* Records n credit events (fields borrowed; seq and a zero time are filled by the store /
 * now). 0 or RK_E_DB. n == 0 is a no-op. */
int policy_credit_record(struct store *s, const struct store_credit *events, size_t n,
                         struct rk_err *err);

/* Views of an organisation's credit (policy_credit_summary). */
enum policy_credit_view {
    POLICY_CREDIT_MEMBER = 1,      /* what the organisation itself is shown */
    POLICY_CREDIT_COORDINATOR = 2, /* every event, exact */
};

/*
 * An organisation's standing (org_id: id or name), appended to json_out: {"org", "view",
 * "points", "contributions", "sightings_by_others", "correlations_by_others", "used_by":
 * {"organisations", "sectors"}}. Never the names or ids of who used the contributions.
 *
 * POLICY_CREDIT_MEMBER ("view": "member") counts a sighting or correlation by another
 * organisation only if the organisation may see it through the access check (the sighting,
 * or the other organisation's version of the object it repeated; policy_may_read_id), and
 * shows each count as a number only when the organisations behind it are none or at least
 * k, else the literal "fewer than k": sightings_by_others and correlations_by_others each
 * by their own organisations (a "correlation" event without by_org is the hub's cross-sector
 * correlation, counted when the organisation may read the grouping it names, with no
 * organisation behind it), used_by.organisations by all of them, used_by.sectors also
 * only when the organisation count is shown. points are those of the contributions and of
 * the counts shown, so that they tell nothing the counts do not. POLICY_CREDIT_COORDINATOR
 * ("view": "coordinator") counts every event of the ledger and shows every figure exactly
 * (points: all of them). sector_k <= 0 means the policy's sector_k. RK_E_NOTFOUND if org_id
 * is not an organisation; a store error during an access check fails the whole summary.
 */
int policy_credit_summary(struct rk_hub *hub, const char *org_id, int view, int sector_k,
                          struct rk_buf *json_out, struct rk_err *err);

/*
 * Coordinator read of the provenance vault: every provenance row of the STIX id as JSON
 * {"id", "versions":[{collection, version, org, org_id, sector, token_hash, anonymity,
 * received, original, actions}...]} into json_out, and one "provenance-read" audit entry
 * (route names the caller: an API route name or "cli"). RK_E_FORBIDDEN unless who is the
 * coordinator; RK_E_NOTFOUND if no row has that id (the read attempt is audited too).
 */
int policy_provenance_read(struct store *s, const struct policy_principal *who, const char *route,
                           const char *id, struct rk_buf *json_out, struct rk_err *err);

/* ---- the k rule for aggregates (tally.c) ------------------------------------------------ */

/*
 * Who reported something, to be shown to members under the k rule of the sharing model. Zero
 * it to start; policy_tally_clear releases it.
 */
struct policy_tally {
    struct rk_strset orgs;    /* organisation ids */
    struct rk_strset sectors; /* sector keys */
    char **names;             /* the sector keys in the order first met */
    size_t n_names, cap_names;
};

/* Counts org_id and sector (either may be NULL or ""; each counted once). */
void policy_tally_add(struct policy_tally *t, const char *org_id, const char *sector);

/* How many distinct organisations t holds. */
size_t policy_tally_orgs(const struct policy_tally *t);

void policy_tally_clear(struct policy_tally *t);

/* A count as members may see it: n when show and n is 0 or at least k, else the literal
 * "fewer than k" (the wording of the contract; k itself is in the policy). */
json_t *policy_tally_count(size_t n, int k, bool show);

/*
 * t as members may see it, into *out: {"organisations": n | "fewer than k", "sectors": n |
 * "fewer than k", "sector_names": [...]}. The sectors are counted (exactly) and named only
 * when the organisations are shown (none, or at least k of them), and a sector is named only when
 * it has at least k members that are not disabled, in key order. Never an organisation's name or
 * id. sector_k <= 0: the policy's. 0, or the store's error (then *out is NULL).
 */
int policy_tally_json(struct rk_hub *hub, const struct policy_tally *t, int sector_k, json_t **out,
                      struct rk_err *err);

#endif /* RK_POLICY_LEDGER_H */
