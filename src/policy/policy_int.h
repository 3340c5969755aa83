/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_int.h: helpers shared by the files of src/policy and by its unit tests; not part
 * of the module's faces (policy.h and the headers it includes).
 */
#ifndef RK_POLICY_INT_H
#define RK_POLICY_INT_H

#include "policy/policy.h"

/* Initialises libsodium once per process, thread-safely. 0 or RK_E_INTERNAL. */
int policy_sodium_ready(struct rk_err *err);

/* Writes the hex BLAKE2b-256 of the token string into out (64 hex digits and a NUL). */
void policy_token_hash(const char *token, char out[65]);

/* Writes a fresh random token "rk_" + 64 hex into out. */
void policy_token_generate(char out[POLICY_TOKEN_LEN + 1]);

/* True if the len bytes at token are exactly "rk_" and 64 lower-case hex digits. */
bool policy_token_well_formed(const char *token, size_t len);

/* Fills in the creator_org of the n tokens of list that have none recorded (made before
 * creators were) with the coordinator organisation, the only one that could create tokens
 * then (tokens.c). 0 or a store error (RK_E_INTERNAL if the hub has no coordinator). */
int policy_token_creators_fill(struct store *s, struct store_token *list, size_t n,
                               struct rk_err *err);

/* True if t (creator filled in) was created by a coordinator for another organisation than
 * its own: the coordinator may hold its secret. */
bool policy_token_minted_for_other(const struct store_token *t);

/* Copies src (NULL = "") into dst of cap > 0 bytes, truncating, always NUL-terminated;
 * snprintf(dst, cap, "%s", src) without the format machinery (runs per object and request). */
void policy_copy_str(char *dst, size_t cap, const char *src);

/* True if item (non-empty) is an element of the comma-separated list, blanks around elements
 * ignored; allocation-free (the access check runs it per row). False for a NULL list. */
bool policy_list_has(const char *list, const char *item);

/* Calls fn(ctx, item, len) on each item of the comma-separated list (blanks around items
 * trimmed, items not NUL-terminated); stops at and returns fn's first non-zero result, else
 * 0. A NULL list has no items. */
typedef int (*policy_item_fn)(void *ctx, const char *item, size_t len);
int policy_list_each(const char *list, policy_item_fn fn, void *ctx);

/* ---- the access check's verdicts (access.c), for the read doors and the policy layer's
 * own probes (ingest collisions, credit views) ------------------------------------------- */

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
 * Not part of the face: a verdict returns no data and writes no audit entry, so callers
 * outside src/policy read through policy_query or policy_hub_query, which apply it to every
 * row and audit what they return.
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

/* Whether a returned row of this tlp is audited as a read: AMBER and stricter, and a row
 * without a level (treated as RED). */
bool policy_audit_tlp(int tlp);

/* Appends {"id":..,"version":..,"tlp":..} for row to the items of a read entry's "objects"
 * array in b (a comma first when *n > 0) and counts it in *n. */
void policy_audit_item(struct rk_buf *b, size_t *n, const struct store_row *row);

/*
 * policy_query without its audit entry: runs q (q->collection_id must be ax->collection's
 * id) through the access check and version selection, passes the visible rows to fn and
 * fills page. For the read doors only (policy_query, policy_hub_query), which audit what
 * they return. 0, or the store's / fn's error, or the store error met in a check.
 */
int policy_query_checked(struct policy_access_ctx *ax, const struct store_query *q, store_row_fn fn,
                         void *fn_ctx, struct store_page *page, struct rk_err *err);

/* ---- the rules of organisations and collections, shared by adding and changing them
 * (hub.c), and what changing them needs of the other files ------------------------------ */

/* 0 if who is an authenticated coordinator; else RK_E_UNAUTH (anonymous) or RK_E_FORBIDDEN,
 * the message saying what only the coordinator may do ("change organisations"). orgs.c. */
int policy_need_coordinator(const struct policy_principal *who, const char *what,
                            struct rk_err *err);

/* 0 if name may be an organisation's: 1 to 127 bytes, no control character, no blank at
 * either end, no ',' (names appear in "org:a,b" lists), not a UUID; else RK_E_INVALID. */
int policy_org_name_check(const char *name, struct rk_err *err);

/* 0 if c's title, description, alias, audiences and default TLP are valid as collection add
 * checks them (RK_E_INVALID naming the bad one otherwise); c->id is not looked at. */
int policy_collection_check(struct store *s, const struct store_collection *c, struct rk_err *err);

/*
 * Replaces the item old by new in the comma-separated list of an "org:" audience spec
 * (blanks around items dropped in the result) into out; false, out untouched, when spec is
 * not an org: spec or does not name old.
 */
bool policy_spec_rename_org(const char *spec, const char *old, const char *new_name,
                            struct rk_buf *out);

/*
 * As doc_store behind policy_doc_replace: validates text as a whole document (its audiences
 * against the hub when check_entities, by their form alone otherwise), appends the
 * "policy-change" entry {how, changed, before, after} and stores the normal form, but does
 * not bump the entity cache: for callers inside a store_write_tx, which bump once it
 * committed. old (may be NULL) is the document before.
 */
int policy_doc_write(struct store *s, const struct policy_principal *who, const char *route,
                     const char *how, json_t *old, const char *text, bool check_entities,
                     struct rk_err *err);

/* The stored policy document as a JSON object (the defaults when none is stored); NULL with
 * err set. A new reference. */
json_t *policy_doc_current(struct store *s, struct rk_err *err);

/*
 * Revokes every token of organisation org_id for who, inside the caller's store_write_tx:
 * one "token-revoke" entry each (revoked_by "coordinator"), then the rows. Reads the tokens
 * first (the caller has written nothing yet). RK_E_CONFLICT, nothing written, when they
 * include coordinator tokens and no other organisation holds one. *out (n, may be empty)
 * lists them, freed with store_tokens_free. Does not bump the cache.
 */
int policy_tokens_revoke_org(struct store *s, const struct policy_principal *who, const char *route,
                             const char *org_id, struct store_token **out, size_t *n,
                             struct rk_err *err);

/* ---- own identifiers and the anonymiser (ownid.c, anonymise.c) --------- */

/* Kinds of registered own identifiers. */
enum policy_ownkind {
    POLICY_OWNKIND_DOMAIN = 1,   /* a domain: matches itself and its subdomains */
    POLICY_OWNKIND_CIDR = 2,     /* an IPv4/IPv6 address or CIDR range */
    POLICY_OWNKIND_NAME = 3,     /* a name: case-insensitive substring */
    POLICY_OWNKIND_IDENTITY = 4, /* another STIX identity id of the organisation */
};

/* A parsed set of own identifiers (opaque). */
struct policy_ownids;

/*
 * Parses own identifiers: one entry per line, '#' comments and blank lines ignored; an entry
 * is "identity--<uuid>", an IPv4/IPv6 address or CIDR, a domain, or a name (>= 3 bytes);
 * "domain:", "cidr:" and "name:" prefixes force the kind. RK_E_INVALID names the bad line
 * ("own identifiers line 3: ..."). On success *out is a new set the caller frees with
 * policy_ownids_free; text NULL is the empty set.
 */
int policy_ownids_parse(const char *text, struct policy_ownids **out, struct rk_err *err);
void policy_ownids_free(struct policy_ownids *ids); /* NULL-safe */
/* The normalised text (entries only, one per line; parses back to the same set). Owned by
 * ids. */
const char *policy_ownids_text(const struct policy_ownids *ids);
size_t policy_ownids_count(const struct policy_ownids *ids);
/* True if a and b name the same organisation as people write names: ignoring case, leading
 * and trailing blanks, trailing dots ("Inc." and "Inc") and the length of blank runs. */
bool policy_names_equal(const char *a, const char *b);
/* True if id is one of the registered identity ids / name equals (policy_names_equal) a
 * registered name. */
bool policy_ownids_has_identity(const struct policy_ownids *ids, const char *id);
bool policy_ownids_is_name(const struct policy_ownids *ids, const char *name);
/* The kind (enum policy_ownkind) of the first registered identifier that the string s
 * contains, or 0. */
int policy_ownids_match(const struct policy_ownids *ids, const char *s);
/* "domain", "address range", "name", "identity". */
const char *policy_ownid_kind_name(int kind);

/* What the anonymiser needs to know about one contribution. Everything borrowed. */
struct policy_anon {
    int mode;                           /* effective enum store_anonymity */
    const char *replacement_id;         /* sector or hub identity id (SECTOR/ANONYMOUS) */
    const char *replacement_what;       /* "sector identity" or "hub identity" */
    const char *own_identity;           /* the contributor's registered identity id, or NULL */
    const json_t *self_ids;             /* array of the contributor's identity ids */
    const struct policy_ownids *ownids; /* registered own identifiers, may be NULL */
    const struct policy_strings *remove_properties; /* may be NULL */
    const struct policy_strings *public_ids;        /* public identities; may be NULL */
    bool redact;                                    /* own identifiers: redact (true) or refuse */
    bool foreign_refuse; /* a foreign created_by_ref: refuse (true) or rewrite */
    bool keep_authors;   /* NAMED: created_by_ref is not checked (the caller checks what it
                            cannot rewrite, e.g. a marking definition's) */
    bool no_attribution; /* hidden: an object without created_by_ref is left without one */
    /* The object's type and id when the caller has them already (ingest: from its
     * validation); NULL: read from the object. */
    const char *type;
    const char *id;
};

enum policy_anon_outcome {
    POLICY_ANON_KEEP = 0,   /* store the (rewritten) object */
    POLICY_ANON_DROP = 1,   /* the contributor's own identity: success, nothing stored */
    POLICY_ANON_REFUSE = 2, /* fails: message says why (never the matching value) */
};

struct policy_anon_result {
    int outcome;           /* enum policy_anon_outcome */
    bool uses_replacement; /* the object now references replacement_id */
    size_t n_redacted;     /* values replaced by "[redacted]" */
    bool markings_changed; /* granular markings of removed properties were dropped */
    char message[512];     /* status message: refusal reason or summary ("" if nothing done) */
};

/*
 * The contributor's identity set for one envelope: org_identity, every identity id of
 * ownids, and the id of every identity object in objects whose name equals (ignoring case)
 * org_name or a registered name. Returns a new JSON array of id strings.
 */
json_t *policy_anon_self_ids(const json_t *objects, const char *org_identity, const char *org_name,
                             const struct policy_ownids *ownids);

/*
 * Anonymises obj in place for a. Every mode: removes a->remove_properties at any depth
 * (extensions included; the granular-marking selectors that pointed into them go too) and
 * refuses or redacts strings matching own identifiers. SECTOR and ANONYMOUS: drops every
 * identity object but the public ones, and rewrites every identity id anywhere in the
 * object that is not the replacement or public, and a sighting's where_sighted_refs, to
 * the replacement. NAMED: a created_by_ref (any depth) that is not in self_ids or public is
 * rewritten to own_identity. A foreign created_by_ref is refused instead when
 * foreign_refuse. Appends one string per action to actions (a JSON array). Fills *r; never
 * fails otherwise.
 */
void policy_anonymise(json_t *obj, const struct policy_anon *a, json_t *actions,
                      struct policy_anon_result *r);

/* ---- end of the anonymiser section -------------------------------------------------------- */

/* ---- entity cache internals (cache.c) ------------------------------ */

/*
 * For policy_authenticate. principal_get: true and *out filled if the cache is enabled for
 * s and holds a fresh principal for the token hash; *epoch is set either way and must be
 * passed to principal_put, which stores who (loaded: when the store read started) unless
 * the cache was flushed since (a concurrent change then wins). No-ops while disabled.
 */
bool policy_cache_principal_get(struct store *s, const char *hash, struct policy_principal *out,
                                uint64_t *epoch);
void policy_cache_principal_put(struct store *s, const char *hash,
                                const struct policy_principal *who, uint64_t epoch,
                                rk_time_us loaded);

/* ---- end of the entity cache internals ---------------------------------------------------- */

/* ---- ingest pipeline internals (ingest.c, ingest_identity.c, ingest_record.c) ----------- */

/* One object on its way to the store: filled by ingest.c, read by ingest_record.c. */
struct policy_pending {
    size_t item; /* index into the envelope's objects and items */
    struct stix_meta meta;
    char *json; /* canonical anonymised object */
    size_t len;
    char *original; /* canonical object as posted */
    size_t original_len;
    struct stix_marking_slot slot; /* where original takes the TLP marking */
    bool derived;                  /* original = json minus [cut_off, cut_off + cut_len) */
    size_t cut_off;                /* where the TLP marking was spliced into json */
    size_t cut_len;                /* its bytes; 0 when json is original */
    char *actions;                 /* JSON array text */
    char *recipients;              /* comma-separated org ids */
    char *joins;                   /* space-separated ids */
    char *sighting_of; /* a sighting's sighting_of_ref as posted (for credit), else NULL */
    struct policy_scope_decision dec;
    int mode;                     /* effective anonymity */
    struct store_observable *obs; /* its observable index rows, one block (ingest_observe.c) */
    size_t n_obs;
};

/* A hub or sector identity object that stands for a hidden contributor. */
struct policy_stand_in {
    char id[STIX_ID_MAX + 1];
    char modified[RK_TIME_LEN]; /* its modified as it writes it, its version ("" if unreadable) */
    char *json;                 /* canonical; freed by policy_stand_ins_clear */
    bool needed;                /* an object of this envelope references it: store it too */
};

/* The stand-ins one envelope has loaded so far (zero-initialise; clear when done). */
struct policy_stand_ins {
    struct policy_stand_in hub, sector;
    bool have_hub, have_sector;
};

/*
 * Points *out at the identity that stands for a contributor of sector in mode (SECTOR while
 * the sector has at least k members, else ANONYMOUS: the hub identity), loading or creating
 * it in the settings on first use, and *what at "sector identity" or "hub identity". Returns
 * 0, RK_E_INTERNAL if the hub has no identity, or a store error; err says which. *out is
 * owned by si.
 */
int policy_stand_in_get(struct rk_hub *hub, struct policy_stand_ins *si, const char *sector,
                        bool sector_ok, int mode, struct policy_stand_in **out, const char **what,
                        struct rk_err *err);

/* Fills put to store stand-in id (TLP:CLEAR, rule "hub-identity"), versioned by its modified
 * as every STIX object is; put borrows from id. */
void policy_stand_in_put(struct store_put *put, const struct policy_stand_in *id);

/* Frees what si holds and zeroes it. */
void policy_stand_ins_clear(struct policy_stand_ins *si);

/* The identity ids no post may write, loaded on first use for one envelope
 * (ingest_reserved.c). Zero-initialise; release with policy_reserved_clear. */
struct policy_reserved {
    json_t *set; /* lower-case id -> owner: "" for the hub, else the owning org id */
};

/*
 * Whether poster_org may post an identity object with this id: why gets "" if it may, else
 * the refusal message (the hub's identity, a sector stand-in or a registered organisation's
 * identity, which only the hub writes; an identity another organisation registered among
 * its own identifiers). 0, or the store's error while loading the set.
 */
int policy_reserved_check(struct rk_hub *hub, struct policy_reserved *r, const char *poster_org,
                          const char *id, char *why, size_t cap, struct rk_err *err);
void policy_reserved_clear(struct policy_reserved *r);

/*
 * Records the credit events for the n rows of an envelope that are NEW (puts[i] stored
 * p[i]), inside the transaction of store_put_objects_then: one "contribution" event for
 * all of them (points: POLICY_CREDIT_CONTRIBUTION each; object_id: the first), and per
 * object the correlation (object_id: the object) and sighting (object_id: the sighting,
 * earned by the source of what it sights) events it causes. A failed correlation lookup
 * credits the contributions alone; the store's own failures (RK_E_DB, RK_E_IO: the
 * transaction is lost) are returned with err set, so that nothing of the envelope is
 * stored; anything else is logged and 0 returned.
 */
int policy_ingest_credit(struct store *s, const struct store_org *org,
                         const struct policy_pending *p, const struct store_put *puts, size_t n,
                         struct rk_err *err);

/*
 * Whether the scopes an envelope was given still name who they named, inside the
 * transaction of store_put_objects_then (no other write commits meanwhile): every
 * organisation an "org:" scope of the n rows names still has that name. An envelope decided
 * while the coordinator renamed such an organisation fails whole with RK_E_CONFLICT (post it
 * again), or the store's error. (A collection removed meanwhile is the store's to refuse:
 * its put fails with RK_E_NOTFOUND.)
 */
int policy_ingest_still_current(struct store *s, const struct store_put *puts, size_t n,
                                struct rk_err *err);

/*
 * Appends one "write" audit entry listing the stored rows at AMBER and above (conflicts
 * left out). Returns 0 (also when there is nothing to record) or the audit's error.
 */
int policy_ingest_audit(struct store *s, const struct policy_principal *who,
                        const struct store_collection *c, const struct policy_pending *p,
                        const struct store_put *puts, size_t n, struct rk_err *err);

/* The observable index rows of obj, p's object as it will be stored, from the hook that
 * observes (if any) into p->obs (ingest_observe.c). */
void policy_ingest_observe(struct rk_hub *hub, const json_t *obj, struct policy_pending *p);
/* Adds to each of the n objects p the rows of the objects of the same array it refers to
 * (RK_OBSERVE_REF rows), within RK_OBSERVE_ROWS_MAX. */
void policy_ingest_observe_refs(struct policy_pending *p, size_t n);

/*
 * The store's form of n index keys for the observable filter of policy_hub_query
 * (hub_observables.c): out[i] borrows keys[i]; the address and CIDR keys ("ipv4:", "ipv6:",
 * "cidr4:", "cidr6:") get their range. 0, RK_E_INVALID (not "type:value", or a bad address)
 * or RK_E_TOOBIG (more than POLICY_HUB_OBSERVABLES_MAX) with err saying which.
 */
int policy_hub_observables(const char *const *keys, size_t n, struct store_observable *out,
                           struct rk_err *err);

/* ---- end of the ingest pipeline internals ------------------------------------------------- */

#endif /* RK_POLICY_INT_H */
