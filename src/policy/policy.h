/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.h: who is asking and what they may do. Organisations, sectors, roles and tokens;
 * collection audiences; and the one access check (policy_may_read_object) that every read
 * path of the hub calls before it returns an object version. The command line and the
 * admin API both manage the hub through the functions here, so the rules live in one place.
 *
 * This scope is collection-level permissions; TLP, automatic scope and anonymity
 * extend policy_may_read_object and the ingest hooks, not the callers.
 */
#ifndef RK_POLICY_H
#define RK_POLICY_H

#include <stdbool.h>

#include "core/core.h"
#include "stix/stix.h"
#include "store/store.h"

/* The sector key of the coordinator's organisation, which is a member of no sector. */
#define POLICY_COORDINATION_SECTOR "coordination"

/* Tokens: "rk_" and 64 hex digits (32 random bytes). */
#define POLICY_TOKEN_LEN    68
#define POLICY_TOKEN_PREFIX "rk_"

/* The hub: the store and the settings every capability needs. */
struct rk_hub {
    struct store *store;
    char api_root[64];                 /* path segment of the single API root, e.g. "hub" */
    char title[128];                   /* API root and discovery title */
    size_t max_content_length;         /* bytes; advertised in the API root resource */
    char identity_id[STIX_ID_MAX + 1]; /* the hub's own STIX identity id */
};

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

/* Audience specs: "all", "public", "sector:a,b" or "org:n,m". 0 or RK_E_INVALID naming the
 * bad part (unknown sector, unknown organisation, empty list...). */
int policy_spec_check(struct store *s, const char *spec, struct rk_err *err);

/* True if who is in the audience spec (public admits anonymous requesters; the
 * coordinator is in every audience). */
bool policy_in_audience(const struct policy_principal *who, const char *spec);

/* Collection permissions, as TAXII can_read / can_write report them. */
bool policy_may_read_collection(const struct policy_principal *who,
                                const struct store_collection *c);
bool policy_may_write_collection(const struct policy_principal *who,
                                 const struct store_collection *c);

/*
 * The anonymity set of a post into c: *all gets the number of member organisations (the
 * coordinator's excluded) that may write to c, *in_sector those of them in sector. A post
 * hidden behind the sector (hub) identity names its source among *in_sector (*all)
 * organisations, not among the whole sector (hub). 0 or the store's error.
 */
int policy_writers_count(struct store *s, const struct store_collection *c, const char *sector,
                         int64_t *all, int64_t *in_sector, struct rk_err *err);

/* THE access check, policy_may_read_object, and the query that applies it to every row
 * (policy_query) are declared in the access section below. */

/* ---- managing the hub (used by the CLI and the admin API alike) ------------------------ */

/*
 * Creates a new hub in an empty store: settings, the coordinator organisation (sector
 * "coordination"), the hub identity, and one coordinator token written to token_out.
 * RK_E_EXISTS if the store was already initialised.
 */
int policy_hub_init(struct store *s, const char *coordinator_name,
                    char token_out[POLICY_TOKEN_LEN + 1], struct rk_err *err);

/*
 * As policy_hub_init, reading the sector table from sectors_file (key<TAB>name lines, '#'
 * comments). sectors_file NULL means the default: $RENKEI_DATADIR/sectors.tsv if that
 * variable is set, else the data/sectors.tsv of the source tree baked in at build time.
 * RK_E_IO if the file cannot be read, RK_E_INVALID naming the line if it is malformed.
 */
int policy_hub_init_sectors(struct store *s, const char *coordinator_name, const char *sectors_file,
                            char token_out[POLICY_TOKEN_LEN + 1], struct rk_err *err);

/* Loads hub settings into hub (store must be initialised). */
int policy_hub_load(struct store *s, struct rk_hub *hub, struct rk_err *err);

/* Adds an organisation; sector must be in the sector table. Fills out (caller clears). */
int policy_org_add(struct store *s, const char *name, const char *sector, int anonymity,
                   struct store_org *out, struct rk_err *err);

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

/* Adds a collection after checking both specs and the alias (policy_collection_alias_check,
 * and free: RK_E_EXISTS naming the collection that has it). Fills out (caller clears). */
int policy_collection_add(struct store *s, const char *title, const char *description,
                          const char *alias, const char *read_spec, const char *write_spec,
                          struct store_collection *out, struct rk_err *err);

/* Longest collection alias, in bytes. */
#define POLICY_ALIAS_MAX 128
/*
 * Whether alias may name a collection: NULL or "" (no alias), or 1 to POLICY_ALIAS_MAX
 * letters, digits, '-', '_', '.' and '~' (characters a URL path segment carries as they are)
 * starting with a letter or digit, and not shaped like a UUID (a collection id: an alias is
 * looked up where an id may be). 0, or RK_E_INVALID saying what is wrong. Whether it is free
 * is the store's to say.
 */
int policy_collection_alias_check(const char *alias, struct rk_err *err);

/* True if sector is in the hub's sector table (data/sectors.tsv, loaded into the store). */
bool policy_sector_known(struct store *s, const char *sector);

/*
 * 0 if sector (NULL counts as unknown) is in the hub's sector table; otherwise RK_E_INVALID
 * with err saying "unknown sector 'X' (the sectors are: a, b, ...)", every key of the table
 * in its order, so that whoever typed it sees what to type instead.
 */
int policy_sector_check(struct store *s, const char *sector, struct rk_err *err);

/* ---- changing and retiring organisations and collections (orgs.c, collections.c) ------- */
/*
 * Only the coordinator may do any of this (RK_E_FORBIDDEN otherwise, RK_E_UNAUTH for an
 * anonymous who). Each change is one write transaction with its audit entry (route names
 * the caller), committed whole or not at all, and running servers see it within
 * POLICY_CACHE_RECHECK_MS (at once in the process that made it). What it means for the
 * objects already stored is in docs/sharing.md, "Changing and retiring members and
 * collections".
 */

/* What policy_org_set changes; NULL (or -1) leaves a field as it is. */
struct policy_org_change {
    const char *name;            /* new name */
    const char *sector;          /* new sector key (not the coordinator's "coordination") */
    int anonymity;               /* enum store_anonymity, or -1 */
    const char *own_identifiers; /* the whole new list as policy_ownids_parse reads it ("" none) */
};

/*
 * Changes organisation org (id or name). A new name must be free and valid as at add; every
 * audience that named the organisation ("org:OLD" in a collection's read or write spec, in a
 * scope rule's audience, in the scope of a stored object version) names it by its new name
 * in the same transaction, so that nothing that pointed at it points at another organisation
 * or at nothing. A sector, anonymity mode or own-identifier change applies to what the
 * organisation reads and posts from then on; stored versions keep their stand-ins and
 * scopes. The coordinator's own organisation keeps its sector. One "org-change" audit entry
 * {org_id, org, changed, before, after, rewritten}; a change that changes nothing is no
 * entry. *out is the organisation as it is now (caller clears). RK_E_NOTFOUND unknown
 * organisation, RK_E_INVALID a bad value, RK_E_EXISTS a taken name.
 */
int policy_org_set(struct store *s, const struct policy_principal *who, const char *route,
                   const char *org, const struct policy_org_change *chg, struct store_org *out,
                   struct rk_err *err);

/*
 * Disables organisation org (id or name), one that leaves the hub: every token of it is
 * revoked (a "token-revoke" entry each) and no token of it authenticates again; it counts
 * in no anonymity set, cannot be named as a recipient and gets no new token; it stays in
 * the audiences that name it (admitting no one while disabled) and everything it posted
 * stays as stored, as do its provenance, credit and audit entries. One "org-disable" entry
 * {org_id, org, tokens_revoked}. *out is the organisation now; *revoked (n_revoked, may be
 * NULL) the tokens revoked, freed with store_tokens_free. RK_E_CONFLICT for the
 * coordinator's own organisation, one already disabled, or one holding the hub's last
 * coordinator tokens; RK_E_NOTFOUND unknown organisation.
 */
int policy_org_disable(struct store *s, const struct policy_principal *who, const char *route,
                       const char *org, struct store_org *out, struct store_token **revoked,
                       size_t *n_revoked, struct rk_err *err);

/* Enables a disabled organisation again ("org-enable" entry {org_id, org}); none of its old
 * tokens comes back: the coordinator creates new ones. RK_E_CONFLICT if it is not
 * disabled, RK_E_NOTFOUND unknown organisation. *out as policy_org_disable's. */
int policy_org_enable(struct store *s, const struct policy_principal *who, const char *route,
                      const char *org, struct store_org *out, struct rk_err *err);

/*
 * The collection ref names: its id, else its alias (RK_E_CONFLICT when several collections
 * share that alias, RK_E_NOTFOUND when none has it). *out cleared by the caller.
 */
int policy_collection_find(struct store *s, const char *ref, struct store_collection *out,
                           struct rk_err *err);

/* What policy_collection_set changes; NULL (or 0 for default_tlp) leaves a field as it is. */
struct policy_collection_change {
    const char *title;
    const char *description; /* "" clears it */
    const char *alias;       /* "" clears it; else no other collection's alias or id */
    const char *read_spec;   /* audience specs, checked as at add */
    const char *write_spec;
    int default_tlp; /* POLICY_TLP_CLEAR..RED, or 0 */
    bool relay_set;  /* relay is to be applied (false: the collection stays as it is) */
    bool relay;      /* a relay collection (objects stored as posted) or not */
};

/*
 * Changes collection ref (id or alias), with the checks of add. Readers are decided when
 * they read, by the collection's audience then: a narrower read audience hides the stored
 * objects from those left out at once, a wider one shows them to those let in. A new write
 * audience changes the anonymity set of later posts only. A scope rule that matched the
 * collection by its old title or alias gets its id too, in the same transaction (a
 * "policy-change" entry), so the rules that applied to it still do. One
 * "collection-change" entry {changed, before, after, scope_rules}; a change that changes
 * nothing is no entry. RK_E_NOTFOUND unknown collection, RK_E_INVALID bad value,
 * RK_E_CONFLICT an alias in use.
 */
int policy_collection_set(struct store *s, const struct policy_principal *who, const char *route,
                          const char *ref, const struct policy_collection_change *chg,
                          struct store_collection *out, struct rk_err *err);

/*
 * Removes collection ref (id or alias). One holding object versions is refused with
 * RK_E_CONFLICT, the message saying how many, unless purge: they are then deleted with it,
 * each version's original and real source kept in the provenance vault as an object DELETE
 * keeps them. *removed gets the number of versions (also when refused). One
 * "collection-remove" entry {collection: as it was, purged: N}. *out is the collection as
 * it was (caller clears). Posts into it that were under way are refused, nothing of them
 * stored (the store refuses puts into a removed collection).
 */
int policy_collection_remove(struct store *s, const struct policy_principal *who, const char *route,
                             const char *ref, bool purge, struct store_collection *out,
                             int64_t *removed, struct rk_err *err);

/* ---- audit, credit, provenance, policy administration (audit.c,
 * credit.c) --------------------------------------------------------------------------- */

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
 * by their own organisations, used_by.organisations by all of them, used_by.sectors also
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

/*
 * The status resource status_id of an earlier POST, for who (status.c): its poster's own, or
 * any for the coordinator, whose read of another organisation's status is one
 * "provenance-read" audit entry (route names the caller) before *out is filled. Everyone
 * else, and an id that is not a UUID, gets RK_E_NOTFOUND, as for a status that does not
 * exist. On success the caller releases *out with store_status_clear.
 */
int policy_status_read(struct store *s, const struct policy_principal *who, const char *route,
                       const char *status_id, struct store_status *out, struct rk_err *err);

/*
 * Policy document administration (the document itself is parsed, validated and serialised
 * by scope.c). policy_doc_show appends the effective document (defaults when none is stored)
 * to json_out. policy_doc_replace validates json as a whole document and stores it;
 * policy_doc_update merges the top-level keys of the JSON object patch into the current
 * document, validates the result and stores it. Both append a "policy-change" audit entry
 * (detail: the keys changed) and return RK_E_INVALID with a message naming the bad part.
 */
int policy_doc_show(struct store *s, struct rk_buf *json_out, struct rk_err *err);
int policy_doc_replace(struct store *s, const struct policy_principal *who, const char *route,
                       const char *json, struct rk_err *err);
int policy_doc_update(struct store *s, const struct policy_principal *who, const char *route,
                      const char *patch_json, struct rk_err *err);

/* The principal the command line acts as: the hub's coordinator organisation (settings
 * "coordinator_org") with the coordinator role, for audit entries of CLI actions. */
int policy_coordinator_principal(struct store *s, struct policy_principal *out, struct rk_err *err);

/* ---- end of ledger section ----------------------------------------------------------- */

/* ---- TLP, automatic scope, visibility (tlp.c, scope.c, access.c) ------ */

/* TLP levels, ordered: a higher value is stricter. NONE only describes an object without any
 * TLP marking; every stored row carries CLEAR..RED (ingest assigns one). */
enum policy_tlp {
    POLICY_TLP_NONE = 0,
    POLICY_TLP_CLEAR = 1, /* TLP 2.0 CLEAR, TLP 1.0 WHITE */
    POLICY_TLP_GREEN = 2,
    POLICY_TLP_AMBER = 3,
    POLICY_TLP_AMBER_STRICT = 4, /* TLP 2.0 only */
    POLICY_TLP_RED = 5,
};

/* The TLP a marking-definition id stands for (TLP 1.0 and 2.0 ids); NONE for any other id or
 * NULL. */
int policy_tlp_of_marking(const char *marking_id);

/* What the hub reads in a marking that is not a TLP level (policy_marking_read). */
#define POLICY_MARK_UNREADABLE (-1) /* unknown id, or a definition the hub cannot read */
#define POLICY_MARK_STATEMENT  (-2) /* a statement (copyright, terms) that names no TLP */

/* The marking definitions of one envelope as the hub reads them, and the policy whose
 * marking_aliases apply (markings.c). Initialise with policy_marks_init, add each valid
 * marking-definition object of the envelope with policy_marks_add, release with
 * policy_marks_clear. */
struct policy_mark {
    char id[STIX_ID_MAX + 1];
    int reading; /* CLEAR..RED, POLICY_MARK_STATEMENT or POLICY_MARK_UNREADABLE */
};
struct policy_doc;
struct policy_marks {
    const struct policy_doc *doc; /* borrowed; NULL: no aliases */
    struct policy_mark *v;
    size_t n, cap;
};
void policy_marks_init(struct policy_marks *m, const struct policy_doc *doc);
void policy_marks_add(struct policy_marks *m, const json_t *marking_definition);
/* Records reading for id as if a definition said so (an id looked up and not found). */
void policy_marks_add_reading(struct policy_marks *m, const char *id, int reading);
/* Whether m holds an entry for id (a definition, or a recorded reading). */
bool policy_marks_has(const struct policy_marks *m, const char *id);
void policy_marks_clear(struct policy_marks *m);

/*
 * What marking id means to the hub, first match wins: a standard TLP 1.0 / 2.0 id (*standard
 * true), a built-in alias of another tool (OpenCTI's TLP:AMBER+STRICT), the policy's
 * marking_aliases (POLICY_MARKING_NONE: restricts nothing), a definition m holds; else
 * POLICY_MARK_UNREADABLE. m may be NULL (standard ids and built-in aliases only).
 */
int policy_marking_read(const struct policy_marks *m, const char *id, bool *standard);

/* What the hub reads of an object's markings (object_marking_refs and every
 * granular_markings[].marking_ref): the strictest marking anywhere governs the whole
 * object. */
struct policy_tlp_reading {
    int tlp;                           /* strictest TLP read; NONE if none */
    bool standard;                     /* a standard TLP id carries that level */
    char marking[STIX_ID_MAX + 1];     /* the marking that gave tlp ("" if NONE) */
    char unreadable[STIX_ID_MAX + 1];  /* the first marking the hub cannot read, or "" */
    char statement[STIX_ID_MAX + 1];   /* the first statement naming no TLP, or "" */
};
void policy_tlp_read(const json_t *obj, const struct policy_marks *m,
                     struct policy_tlp_reading *out);

/*
 * Before the scope decision of obj posted by who into c, when policy_tlp_read found a marking
 * it cannot read: every marking obj refers to that marks cannot read yet (neither standard,
 * nor an alias, nor defined in the envelope) is looked up among the marking definitions of c
 * who may see (policy_query), and what is found is added to marks (ingest_markings.c); read
 * obj again afterwards. 0, or the store's error.
 */
int policy_marks_resolve(struct rk_hub *hub, const struct policy_principal *who,
                         const struct store_collection *c, struct policy_marks *marks,
                         const json_t *obj, struct rk_err *err);

/* Names "clear", "green", "amber", "amber+strict", "red" (case-insensitive on parse; -1 if
 * unknown). policy_tlp_name gives "none" for NONE and "?" for anything out of range. */
int policy_tlp_parse(const char *name);
const char *policy_tlp_name(int tlp);

/* The TLP 2.0 marking-definition id of tlp (CLEAR..RED); NULL for NONE or out of range. */
const char *policy_tlp_marking_id(int tlp);

/* Labels obj with tlp: appends the TLP 2.0 marking id to object_marking_refs (creating the
 * array) unless it is already there. 0, or RK_E_INVALID if tlp is not CLEAR..RED or
 * object_marking_refs exists and is not an array. */
int policy_tlp_mark(json_t *obj, int tlp, struct rk_err *err);
/* Whether obj already carries tlp's marking id in object_marking_refs (*marked), without
 * changing it; the same errors as policy_tlp_mark. */
int policy_tlp_marked(const json_t *obj, int tlp, bool *marked, struct rk_err *err);

/* Settings key of the policy document. */
#define POLICY_SETTING_DOC "policy"
/* A scope rule's tlp "collection": the collection's default_tlp decides. */
#define POLICY_TLP_COLLECTION (-1)
/* What to do with values matching the contributor's own identifiers. */
#define POLICY_OWNID_REFUSE 0
#define POLICY_OWNID_REDACT 1
/* What to do with an object carrying a marking the hub cannot read (unknown_markings). */
#define POLICY_UNREADABLE_AMBER  0 /* at least AMBER to the collection's audience */
#define POLICY_UNREADABLE_REFUSE 1 /* the object fails */
/* What to do with a created_by_ref that is not the poster's own identity, its stand-in or a
 * public identity (foreign_authors). */
#define POLICY_FOREIGN_REWRITE 0 /* to the poster's identity (named) or its stand-in */
#define POLICY_FOREIGN_REFUSE  1 /* the object fails */
/* A marking alias to "none": the marking restricts nothing (a copyright statement). */
#define POLICY_MARKING_NONE 0
/* Names a decision records instead of a scope rule's (reserved in the document): the TLP
 * came from a marking the hub reads through an alias or the envelope's own definition, or
 * was raised to AMBER because of a marking the hub cannot read. */
#define POLICY_RULE_ALIAS      "marking-alias"
#define POLICY_RULE_UNREADABLE "unreadable-marking"
#define POLICY_NAME_MAX     64  /* rule name, including the NUL */
#define POLICY_SCOPE_MAX    256 /* audience spec of a rule or decision, including the NUL */
#define POLICY_RULES_MAX    256 /* scope rules in one document */

/* A list of malloc'd strings owned by the struct that holds it. */
struct policy_strings {
    char **v; /* n strings */
    size_t n;
};

/* One automatic scope rule. Match lists are ANDed with each other; values inside one list are
 * ORed; an empty list matches anything. */
struct policy_scope_rule {
    char name[POLICY_NAME_MAX];        /* unique in the document, non-empty */
    struct policy_strings types;       /* STIX types */
    struct policy_strings sectors;     /* contributor sector keys */
    struct policy_strings collections; /* collection id, alias or title */
    struct policy_strings labels;      /* any label of the object */
    int tlp;                           /* CLEAR..RED or POLICY_TLP_COLLECTION */
    char audience[POLICY_SCOPE_MAX];   /* "contributor-sector", "collection" or an audience
                                          spec; "" = "collection". Only used for AMBER. */
};

/* One entry of the policy's marking aliases: a marking-definition id the hub reads as tlp. */
struct policy_marking_alias {
    char *id; /* "marking-definition--<uuid>", lower case */
    int tlp;  /* CLEAR..RED, or POLICY_MARKING_NONE (restricts nothing) */
};

/* The policy document (settings key "policy"), as parsed. Free with policy_doc_clear. */
struct policy_doc {
    int sector_k;                            /* >= 1; default 5 */
    int green_delay_hours;                   /* >= 0; default 0 (off) */
    int own_identifiers;                     /* POLICY_OWNID_*; default refuse */
    struct policy_strings remove_properties; /* properties the anonymiser removes, any depth */
    struct policy_strings public_identities; /* identity ids that survive anonymisation */
    struct policy_marking_alias *marking_aliases; /* the coordinator's reading of markings */
    size_t n_marking_aliases;
    int unknown_markings;            /* POLICY_UNREADABLE_*; default amber */
    int foreign_authors;             /* POLICY_FOREIGN_*; default rewrite */
    struct policy_scope_rule *rules; /* n_rules rules, first match wins */
    size_t n_rules;
};

/* The TLP the policy's aliases give marking_id (case-insensitive): CLEAR..RED or
 * POLICY_MARKING_NONE; -1 if d has no alias for it. */
int policy_doc_marking_alias(const struct policy_doc *d, const char *marking_id);

/* True if id is one of d's public identities (case-insensitive). */
bool policy_doc_public_identity(const struct policy_doc *d, const char *id);

/* Fills d with the default document of DESIGN.md (incidents AMBER to the contributor's
 * sector, indicators/observed-data/SCOs GREEN, everything else the collection default).
 * d is overwritten, not freed: clear it first if it held a document. */
void policy_doc_default(struct policy_doc *d);

/* Releases what d owns and leaves it empty (n_rules 0); NULL-safe. */
void policy_doc_clear(struct policy_doc *d);

/*
 * Parses and validates a policy document (JSON text of len bytes). Missing keys take their
 * default values (a missing "scope_rules" gives the default rules); unknown keys, wrong
 * types, bad TLP names, duplicate or empty rule names, more than POLICY_RULES_MAX rules are
 * RK_E_INVALID with err naming the bad part. When s is not NULL, audience specs of rules are
 * checked against the hub (known sectors and organisations). On success *out is filled
 * (caller clears); on failure *out is left empty.
 */
int policy_doc_parse(struct store *s, const char *json, size_t len, struct policy_doc *out,
                     struct rk_err *err);

/* Serialises d as a complete JSON document (every key, rules in order) that policy_doc_parse
 * reads back to an equal document. Returns a malloc'd NUL-terminated string the caller frees. */
char *policy_doc_to_json(const struct policy_doc *d);

/* Loads the stored document (settings POLICY_SETTING_DOC), or the defaults when none is
 * stored. A stored document that does not parse is RK_E_INVALID. Caller clears *out. */
int policy_doc_load(struct store *s, struct policy_doc *out, struct rk_err *err);

/* The outcome of automatic scope for one object. */
struct policy_scope_decision {
    int tlp;                      /* CLEAR..RED */
    char scope[POLICY_SCOPE_MAX]; /* audience spec for AMBER ("sector:<key>", ...); "" = the
                                     collection's audience (always "" below AMBER) */
    char rule[POLICY_NAME_MAX];   /* deciding rule name, "marking" if the object carried its
                                     own TLP, "default" if no rule matched, POLICY_RULE_ALIAS
                                     or POLICY_RULE_UNREADABLE */
    bool assigned;                /* true: the hub labels the object with tlp's TLP 2.0 marking
                                     (it had none, or none the hub reads as tlp by its id) */
    bool refuse;                  /* the policy refuses objects with unreadable markings and
                                     this one has one (marking says which) */
    char marking[STIX_ID_MAX + 1]; /* the alias read (POLICY_RULE_ALIAS) or the marking that
                                      could not be read (POLICY_RULE_UNREADABLE, refuse) */
};

/*
 * Decides the TLP and scope of obj posted by an organisation of contributor_sector into
 * collection c; reading is what policy_tlp_read made of obj's markings (NULL: read here with
 * the standard ids and built-in aliases only). An object whose markings the hub reads keeps
 * their TLP (rule "marking", scope ""; POLICY_RULE_ALIAS and assigned when no standard id
 * gives the level); otherwise the first matching rule of d decides; if none matches, c's
 * default_tlp (rule "default"). "collection" resolves to c->default_tlp (GREEN if that is
 * not CLEAR..RED). An unreadable marking, or statements alone, never give less than AMBER
 * to the collection's audience (POLICY_RULE_UNREADABLE), or set refuse when d says so.
 * Always returns 0 with *out filled (err unused today; kept for rules that may fail later).
 */
int policy_scope_decide(const struct policy_doc *d, const struct policy_tlp_reading *reading,
                        const json_t *obj, const char *contributor_sector,
                        const struct store_collection *c, struct policy_scope_decision *out,
                        struct rk_err *err);

/* The status message for an assigned decision ("tlp amber by rule 'incidents-amber-sector'")
 * into out (cap bytes, truncated); "" when the object carried its own TLP. */
void policy_scope_message(const struct policy_scope_decision *dec, char *out, size_t cap);

/* Most join verdicts one request remembers; past it they are forgotten all at once (and
 * found again in the store when met again), which bounds the memory of a request. */
#define POLICY_JOIN_VERDICTS_MAX 65536
/* Ids of the latest rows a request found visible, kept as they stream (a copy, no hash):
 * feeds post the ends of a relationship just before it. */
#define POLICY_RECENT_ROWS 32
struct policy_recent_row {
    char id[STIX_ID_MAX + 1]; /* a STIX id the requester may see a version of */
};
/* The access context of one read request: who reads which collection, plus what the check
 * caches while it runs (green-delay facts, join verdicts, the collection list). Fill it with
 * policy_access_init and release it with policy_access_clear. Not shared between threads. */
struct policy_access_ctx {
    struct rk_hub *hub;                        /* store and hub identity (borrowed) */
    const struct policy_principal *who;        /* the requester (borrowed) */
    const struct store_collection *collection; /* the collection read (borrowed) */
    const char *route;                         /* route name for the audit log (borrowed) */
    int green_delay_hours;                     /* from the policy document */
    bool contributed;                          /* who has contributed at least one object */
    rk_time_us now;                            /* time the request started */
    /* Join verdicts of this request, so that each distinct joined id is looked up once: */
    struct rk_strset joins_visible; /* joined ids with a version who may see */
    struct rk_strset joins_hidden;  /* joined ids without one */
    size_t join_lookups;            /* store lookups the join checks made (for tests) */
    struct policy_recent_row recent[POLICY_RECENT_ROWS]; /* ring of visible rows' ids */
    size_t n_recent;                                     /* ids filled (<= POLICY_RECENT_ROWS) */
    size_t next_recent;                                  /* ring position of the next id */
    struct store_collection *colls; /* every collection, loaded on first join */
    size_t n_colls;
    bool colls_loaded;
    struct store_org *orgs; /* every organisation, loaded on the first unstored identity join */
    size_t n_orgs;
    bool orgs_loaded;
    int store_rc; /* first store error met inside a check */
};

/*
 * Prepares ax for reads of collection c by who; route names the caller for the audit log
 * (e.g. "objects"). Reads the policy document (green delay) and, if the delay is on, whether
 * who ever contributed. 0 or a store error. Always clear ax afterwards, even on failure.
 */
int policy_access_init(struct policy_access_ctx *ax, struct rk_hub *hub,
                       const struct policy_principal *who, const struct store_collection *c,
                       const char *route, struct rk_err *err);
void policy_access_clear(struct policy_access_ctx *ax);

/*
 * THE access check: may ax->who see this stored object version? True iff who may read the
 * row's collection (its audience) AND the row's TLP allows it: CLEAR anyone the collection
 * admits; GREEN members (with the green delay: only old enough rows for members that never
 * contributed); AMBER members in the row's scope (or the collection audience when scope is
 * ""), the source, named recipients and the coordinator; AMBER+STRICT the source, named
 * recipients and the coordinator; RED (and anything else) only the source and named
 * recipients. A row with joins (relationship, sighting) is visible only if every joined id
 * has a visible stored version in some collection (the hub identity always counts as
 * visible); each distinct id is looked up once per request, and a row that joins more than
 * POLICY_JOINS_MAX ids (stored before that cap) is visible only to its source, without a
 * lookup. Store errors met during join checks deny and are remembered in ax->store_rc.
 * Every endpoint that returns object data reaches it through policy_query.
 */
bool policy_may_read_object(struct policy_access_ctx *ax, const struct store_row *row);

/*
 * Whether ax->who may see some stored version of id, in any collection, posted by
 * source_org (by anyone when NULL or ""), as policy_may_read_object decides for each. For
 * views that count what others did with the requester's data (credit) and return no object
 * data, so nothing is audited. A store failure answers false and is remembered in
 * ax->store_rc. ax may have been prepared for any collection (or none: c NULL).
 */
bool policy_may_read_id(struct policy_access_ctx *ax, const char *id, const char *source_org);

/*
 * THE choke point: the only function besides the store itself that calls store_query. Runs q
 * (q->collection_id must be ax->collection's id) with policy_may_read_object applied to every
 * row, passes the visible rows to fn (fn may be NULL) and fills page; then appends ONE audit
 * entry (action "read", ax->route, the collection, detail {"objects":[{id, version, tlp}...]})
 * if any returned row was AMBER or stricter. 0 or the store's / fn's / audit's error.
 */
int policy_query(struct policy_access_ctx *ax, const struct store_query *q, store_row_fn fn,
                 void *fn_ctx, struct store_page *page, struct rk_err *err);

/* ---- end of access section ----------------------------------------------------------- */

/* ---- ingest and anonymity (ingest.c, anonymise.c, ownid.c) ------------- */

/* A POST may ask for a stricter anonymity mode with this header, and per object with the
 * custom property POLICY_PROP_ANONYMITY (same values: named, sector, anonymous; a weaker
 * value than the organisation's or token's mode never loosens it). POLICY_PROP_RECIPIENTS
 * lists the organisations (names or ids) the source names as recipients. Both properties
 * are removed from the stored object; the original keeps them in the provenance vault. */
#define POLICY_ANONYMITY_HEADER "X-Renkei-Anonymity"
#define POLICY_PROP_ANONYMITY   "x_renkei_anonymity"
#define POLICY_PROP_RECIPIENTS  "x_renkei_recipients"
#define POLICY_RECIPIENTS_MAX   64 /* names in one x_renkei_recipients */
/* Most distinct ids one relationship or sighting may join (a sighting's sighting_of_ref,
 * observed_data_refs and where_sighted_refs together, each id counted once). The access
 * check looks up every joined id of a row it has not met in the same request, so this
 * bounds what one stored object costs each reader; a sighting over it fails at ingest with
 * a message naming the property and the cap. */
#define POLICY_JOINS_MAX 100

/* The outcome for one envelope entry, in envelope order; filled by policy_ingest. */
struct policy_ingest_item {
    char id[STIX_ID_MAX + 1];      /* the object's id, or "objects[N]" when it has none */
    char version[RK_TIME_LEN + 8]; /* the object's modified, else created, text (also for a
                                      refused object, when it is a timestamp), else the
                                      version the store assigned; "" when none is known */
    bool ok;                       /* success (stored, duplicate or dropped) or failure */
    char message[512];             /* status message ("" for a plain success) */
    unsigned changed;              /* POLICY_ITEM_*: what the store changed since ready */
};
/* Bits of policy_ingest_item.changed. */
#define POLICY_ITEM_VERSION 1u /* version, "" when ready saw it, assigned by the store */
#define POLICY_ITEM_OUTCOME 2u /* ok or message (a duplicate, a conflict) */

/*
 * The ingest pipeline for one TAXII envelope posted by who into collection c: per object,
 * shape and stix_validate, TLP (its own marking or automatic scope), the anonymiser and own
 * identifiers, the hub's TLP marking, stix_validate again, then every object that survived
 * is stored in ONE durable transaction with its access metadata and provenance (the
 * original as posted, the token, the effective anonymity, the actions). The hub or sector
 * identity is stored into c (CLEAR) alongside when a rewritten object references it. The
 * credit events and one "write" audit entry for objects at AMBER and above are written in
 * that same transaction (one commit).
 *
 * requested_anonymity: the X-Renkei-Anonymity mode asked for, or -1. objects: the
 * envelope's array, the caller's working copy: an object the pipeline changed (anonymised,
 * marked in its tree, a property removed) is replaced by JSON null once it has been read,
 * so that the objects left are exactly as parsed (what stix_json_arena_drop needs); read
 * the items afterwards, not the objects. An object shared with another reference is changed
 * there too. items: json_array_size(objects) entries, all
 * filled on success. Per-object problems are item failures, not errors. Returns 0, or
 * RK_E_FORBIDDEN (who is not an authenticated organisation), or a store error, after which
 * nothing of the envelope was stored.
 */
int policy_ingest(struct rk_hub *hub, const struct policy_principal *who,
                  const struct store_collection *c, int requested_anonymity, json_t *objects,
                  struct policy_ingest_item *items, struct rk_err *err);

/*
 * Called once every item of an envelope is final, inside the transaction that stores its
 * objects (store_put_objects_then), so that what it writes through s (the TAXII status
 * resource) commits with them, or not at all: 0 to go on, else the envelope fails and
 * nothing of it is stored. It runs under the store's write lock and possibly on another
 * request's thread: it must be short and must not depend on its thread. When no object
 * is left to store it runs outside any transaction.
 */
typedef int (*policy_items_fn)(void *ctx, struct store *s, const struct policy_ingest_item *items,
                               size_t n, struct rk_err *err);
/*
 * Called once every object of an envelope has been through the pipeline, before the store,
 * on the caller's thread, with the same ctx as done: each item then reads as it will if
 * its object is stored as new (failures and dropped objects as they will stay). done later
 * sees in changed what the store's outcome changed since (a version only the store
 * assigned, a duplicate, a conflict), so that what ready made of the rest (the status
 * entries, rendered outside the write lock) still holds.
 */
typedef void (*policy_ready_fn)(void *ctx, const struct policy_ingest_item *items, size_t n);
/*
 * The objects of the envelopes policy_ingest_then completed since the process started:
 * accepted (stored, or already held: items with ok) and refused (items without). An
 * envelope that failed as a whole (a store error) counts in neither. Any thread.
 */
void policy_ingest_totals(uint64_t *accepted, uint64_t *refused);

/* policy_ingest, calling ready and done (each if not NULL) as above. */
int policy_ingest_then(struct rk_hub *hub, const struct policy_principal *who,
                       const struct store_collection *c, int requested_anonymity, json_t *objects,
                       struct policy_ingest_item *items, policy_ready_fn ready,
                       policy_items_fn done, void *done_ctx, struct rk_err *err);

/*
 * As policy_org_add and policy_collection_add, with the issue 3 fields. own_identifiers:
 * text as policy_ownids_parse reads it (NULL or "" none); a bad entry is RK_E_INVALID naming
 * the line; the normalised text is stored. default_tlp: POLICY_TLP_CLEAR..RED (the TLP the
 * scope rule "collection" gives). relay: a relay collection, whose objects ingest stores
 * exactly as posted or refuses (docs/sharing.md, "Relay collections"). The original functions
 * call these with own identifiers NULL, default_tlp GREEN and relay false.
 */
int policy_org_add_ex(struct store *s, const char *name, const char *sector, int anonymity,
                      const char *own_identifiers, struct store_org *out, struct rk_err *err);
/* Checks an own-identifiers text as policy_org_add_ex would: 0, or its error (RK_E_INVALID
 * naming the line, RK_E_TOOBIG), so that a caller can say which file it came from. */
int policy_ownids_check(const char *own_identifiers, struct rk_err *err);
int policy_collection_add_ex(struct store *s, const char *title, const char *description,
                             const char *alias, const char *read_spec, const char *write_spec,
                             int default_tlp, bool relay, struct store_collection *out,
                             struct rk_err *err);

/* ---- end of ingest section ------------------------------------------------------------ */

/* ---- entity cache (cache.c) ------------------------------------ */

/*
 * A process-wide cache of token hash -> principal (policy_authenticate) and collection id ->
 * collection (policy_collection_get) for one store, so that a read request runs no SQLite
 * lookup besides its query. Off until policy_cache_enable: only the long-running server
 * turns it on; the CLI and the unit tests read the store directly.
 *
 * Invalidation, across processes:
 *  - every entity write of this module (policy_org_add*, policy_org_set, policy_org_disable,
 *    policy_org_enable, policy_token_create, policy_token_revoke, policy_collection_add*,
 *    policy_collection_set, policy_collection_remove) calls policy_cache_bump after it
 *    committed, which writes a fresh random value to the setting "entities_gen" and empties
 *    this process's cache at once;
 *  - an enabled cache re-reads "entities_gen" at most every POLICY_CACHE_RECHECK_MS and
 *    empties itself when it changed (another process, e.g. the CLI, wrote an entity);
 *  - every entry is dropped POLICY_CACHE_TTL_MS after it was read, so even a change that
 *    bypasses the bump (a direct store write) is seen within that bound.
 * Unknown tokens and collections are never cached. Any operation that changes or deletes
 * an organisation, token or collection must call policy_cache_bump after it commits.
 */
#define POLICY_CACHE_TTL_MS     1000
#define POLICY_CACHE_RECHECK_MS 100

/* Enables the cache for s (emptied; a previous store is forgotten). Thread-safe. */
void policy_cache_enable(struct store *s);

/* Disables the cache and frees its memory; call before closing the store. */
void policy_cache_disable(void);

/*
 * Marks organisations, tokens or collections of s as changed: writes a new "entities_gen"
 * and empties the cache of this process if it caches s. Call after the change committed.
 * 0, or the store error of the setting write (the local cache is emptied regardless;
 * other processes then see the change within POLICY_CACHE_TTL_MS).
 */
int policy_cache_bump(struct store *s, struct rk_err *err);

/*
 * As store_collection_get: the collection whose id, else whose alias, is key (same results
 * and errors; the caller clears *out with store_collection_clear), served from the cache when
 * it is enabled for s.
 */
int policy_collection_get(struct store *s, const char *key, struct store_collection *out,
                          struct rk_err *err);

/*
 * The green delay of the stored policy document (policy_doc_load), served from the cache
 * when it is enabled for s, so that a read does not parse the document each time. Policy
 * changes (admin.c) call policy_cache_bump. 0, or the error of policy_doc_load.
 */
int policy_cache_green_delay(struct store *s, int *hours, struct rk_err *err);

/* ---- end of the entity cache section -------------------------------------------------- */

#endif /* RK_POLICY_H */
