/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h: the storage interface of renkei. Every backend (SQLite today, PostgreSQL later)
 * implements the same operations table; the layers above never see SQL or a driver header.
 *
 * The store keeps object versions per collection, organisations, tokens (hashed),
 * collections, status resources and hub settings. It guarantees:
 *  - a write returns only once it is durable (the transaction is committed and synced);
 *  - date_added is strictly increasing and unique across the hub, in microseconds, so that
 *    added_after paging never skips or repeats an object, even with concurrent writers;
 *  - a second, different body for an existing (collection, id, version) is a conflict:
 *    the first body is kept and the caller is told; an identical body is a duplicate.
 *
 * Thread safety: one struct store may be used from any number of threads at once. Reads
 * run in parallel on per-thread connections; writes are serialised inside the store.
 *
 * Ownership: strings in structs returned by the store are owned by the struct and freed by
 * its *_clear function (arrays by *_free); strings the caller passes in are only borrowed
 * for the call.
 */
#ifndef RK_STORE_H
#define RK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct store;

/*
 * Access metadata of one object version (issue 3, the sharing policy). Strings are borrowed
 * on put (NULL is stored as ""); on read they belong to the row and are valid only during
 * the row callback. tlp is an enum policy_tlp value: the store does not interpret it.
 */
struct store_access {
    int tlp;                   /* enum policy_tlp; 0 (none) is stored as given */
    const char *source_org;    /* org id of the contributor */
    const char *source_sector; /* sector key of the contributor */
    const char *scope;         /* audience spec for AMBER, "" = the collection's audience */
    const char *recipients;    /* comma-separated org ids named by the source, "" none */
    const char *joins;         /* space-separated ids this SRO joins, "" none */
    const char *rule;          /* the scope rule that decided, or "marking" */
};

/* ---- objects -------------------------------------------------------------------------- */

/* One object version to add. All strings borrowed for the duration of store_put_objects. */
struct store_put {
    const char *id;           /* STIX id, "type--uuid" */
    const char *type;         /* STIX type */
    const char *spec_version; /* "2.1" */
    rk_time_us version;       /* modified, else created; -1 if the object has neither */
    /* The text version was read from (the object's modified or created), so that readers
     * get the version back as the object writes it (store_row.version_form); NULL: as
     * rk_time_format writes it. Ignored when version < 0. */
    const char *version_text;
    const char *json;         /* canonical JSON of the object (stix_canonical) */
    size_t json_len;          /* bytes in json */
    /* Filled by the store: */
    int result;             /* STORE_PUT_NEW, _DUP or _CONFLICT */
    rk_time_us date_added;  /* when NEW: the new date_added; when DUP/CONFLICT: the first's */
    rk_time_us version_out; /* the version the store recorded (assigned when version < 0) */
    bool id_unseen;         /* NEW, and no collection of the hub held this id before (certain;
                               false when the store cannot tell) */
    char first_source[RK_UUID_LEN]; /* DUP/CONFLICT: source_org of the version already stored
                                       ("" if none); "" otherwise */
    /* Issue 3 (borrowed like the rest; a zero-initialised put stores tlp 0 and ""): */
    struct store_access access; /* written to the object row */
    /* Provenance, written in the same transaction for NEW rows only, and only when
     * original is not NULL (the store's own tests and benchmarks put without it). */
    const char *original;   /* the object exactly as posted, canonical JSON */
    size_t original_len;    /* bytes in original */
    const char *token_hash; /* hash of the token that posted, "" if none */
    int anonymity;          /* effective enum store_anonymity applied */
    const char *actions;    /* JSON array of strings: what the anonymiser did; NULL = "[]" */
    /* When original_derived, original must be json with the bytes [cut_off, cut_off +
     * cut_len) removed (cut_len 0: the same text): the store then writes only the cut, not
     * the bytes again, and rebuilds the original from the object row when it is read (and
     * before the object row is deleted). original must still be non-NULL. */
    bool original_derived; /* original = json minus the cut */
    size_t cut_off;        /* byte offset of the cut in json */
    size_t cut_len;        /* bytes cut; cut_off + cut_len <= json_len */
};

enum store_put_result {
    STORE_PUT_NEW = 1,      /* stored now */
    STORE_PUT_DUP = 2,      /* this exact body was already stored: success, nothing changed */
    STORE_PUT_CONFLICT = 3, /* a different body has this (collection, id, version): kept first */
};

/* One stored object version, as returned by queries. */
struct store_row {
    const char *id;           /* STIX id */
    const char *type;         /* STIX type */
    const char *spec_version; /* "2.1" */
    rk_time_us version;       /* the version (modified, created or assigned) */
    int version_form;         /* rk_time_form of the version's text: rk_time_format_as(version,
                                 version_form) writes it as the object does (RK_TIME_FORM_US for
                                 a version the store assigned or was given without its text) */
    rk_time_us date_added;    /* unique, strictly increasing across the hub */
    const char *json;         /* canonical JSON; NULL when the query asked for manifest only */
    size_t json_len;          /* bytes in json */
    /* Issue 3: */
    struct store_access access; /* access metadata, valid during the callback */
    const char *collection_id;  /* the row's collection (uuid), valid during the callback */
    /* Filled by query (false from find_object): the row is the latest / earliest stored
     * version of its id in its collection, whoever may see it. */
    bool is_last;
    bool is_first;
};

/* What version(s) of each object a query returns (TAXII match[version]). */
enum store_version_sel {
    STORE_VERSION_LAST = 1 << 0,     /* the latest version (default) */
    STORE_VERSION_FIRST = 1 << 1,    /* the earliest version */
    STORE_VERSION_ALL = 1 << 2,      /* every version; not combined with anything else */
    STORE_VERSION_SPECIFIC = 1 << 3, /* the versions listed in versions[] */
};

/*
 * A query over the objects of one collection, in ascending date_added order. All arrays
 * and strings are borrowed. Filters are ANDed; values inside one filter are ORed. Version
 * selection (last/first/specific) is decided among all versions of an object in the
 * collection that match ids/types/spec_versions; added_after and paging apply after it.
 */
struct store_query {
    const char *collection_id; /* required */
    rk_time_us added_after;    /* only rows with date_added > this; -1 for none */
    size_t limit;              /* at most this many rows reach the callback; > 0 */
    const char *const *ids;    /* match[id]; NULL or n_ids == 0 for any */
    size_t n_ids;
    const char *const *types; /* match[type]; NULL for any */
    size_t n_types;
    const char *const *spec_versions; /* match[spec_version]; NULL for the newest of each */
    size_t n_spec_versions;
    unsigned version_sel;       /* enum store_version_sel bits; 0 means LAST */
    const rk_time_us *versions; /* with STORE_VERSION_SPECIFIC */
    size_t n_versions;
    bool with_json; /* false for manifests: row.json is NULL */
    /* With STORE_VERSION_ALL: leave out every version of an id that has a newer version in
     * the collection with the same tlp, source_org, scope, recipients and joins. Such a
     * version is never the latest one a requester may see unless visibility depends on
     * date_added (the green delay), so the policy layer's "last" needs none of them. */
    bool skip_shadowed;
    /* The caller never reads row.spec_version, row.access.source_sector or row.access.rule:
     * the store does not read those columns, and they are "" in every row of this query
     * (spec_versions still filters, in SQL). With with_json it does not read the version's
     * form either (the JSON has the text): row.version_form is RK_TIME_FORM_US. The TAXII
     * read path sets it; other fields are exactly those of a full query. */
    bool lean;
};

/*
 * Decides whether a row may be returned; the store calls it on each candidate row in
 * order, and only rows for which it returns true count against limit. This is how the one
 * access check of the policy layer sees every row a TAXII read returns.
 */
typedef bool (*store_filter_fn)(void *ctx, const struct store_row *row);

/* Receives each returned row; the row is valid only during the call. Return 0 to go on. */
typedef int (*store_row_fn)(void *ctx, const struct store_row *row);

/* What a query found besides the rows. */
struct store_page {
    size_t count;           /* rows passed to the row callback */
    bool more;              /* another row passing the filter exists after the last one */
    rk_time_us first_added; /* date_added of the first row returned, or -1 */
    rk_time_us last_added;  /* date_added of the last row returned, or -1 */
};

/* ---- hub entities ------------------------------------------------------------------------ */

enum store_anonymity { STORE_ANON_NAMED = 0, STORE_ANON_SECTOR = 1, STORE_ANON_ANONYMOUS = 2 };

struct store_org {
    char id[RK_UUID_LEN];  /* organisation id (UUID) */
    char *name;            /* unique display name */
    char *sector;          /* sector key from the sector table, e.g. "electric-power" */
    char *identity_id;     /* STIX identity--UUID representing the organisation */
    int anonymity;         /* enum store_anonymity */
    rk_time_us created;    /* when it was added */
    char *own_identifiers; /* issue 3: newline-separated domains/CIDRs/names; NULL stored "" */
    bool disabled;         /* the organisation left: kept with everything it posted, but out of
                              every count of organisations (org_count_sector) */
};

/* Token roles, weakest first. */
enum store_role {
    STORE_ROLE_READER = 0,
    STORE_ROLE_CONTRIBUTOR = 1,
    STORE_ROLE_ANALYST = 2,
    STORE_ROLE_COORDINATOR = 3,
    STORE_ROLE_METRICS = 4, /* not a member: reads the server's metrics and nothing else */
};

struct store_token {
    char hash[65];            /* hex BLAKE2b-256 of the secret; the secret itself is never kept */
    char org_id[RK_UUID_LEN]; /* owning organisation */
    int role;                 /* enum store_role */
    char *label;              /* free text, may be "" */
    rk_time_us created;
    int anonymity;                 /* issue 3: enum store_anonymity, or -1 for the org's mode */
    char creator_org[RK_UUID_LEN]; /* organisation that created it; "" if not recorded
                                      (rows older than schema version 11) */
    char creator_token[65];        /* hash of the token it was created with; "" if none was
                                      used (a local command) or not recorded */
};

struct store_collection {
    char id[RK_UUID_LEN]; /* collection id (UUID) */
    char *title;
    char *description; /* may be "" */
    char *alias;       /* may be ""; a non-empty one is unique among the collections */
    char *read_spec;   /* audience: "all", "public", "sector:a,b" or "org:n,m" */
    char *write_spec;  /* writers, same grammar */
    rk_time_us created;
    int default_tlp; /* issue 3: enum policy_tlp for scope rule "collection"; 0 is stored as
                        GREEN (2) */
    bool relay;      /* objects are stored exactly as posted (the policy layer's reading) */
};

/* A stored status resource: the TAXII status JSON, and who may read it. */
struct store_status {
    char id[RK_UUID_LEN];
    char org_id[RK_UUID_LEN]; /* organisation that posted */
    char *json;               /* the status resource, as served */
};

/* ---- issue 3: audit log, credit ledger, provenance vault ------------------------------- */

/*
 * One audit log entry. To audit_append the caller passes time (<= 0: now), org_id, action,
 * route, collection and detail (borrowed; NULL stored as ""); the store fills seq and the
 * hashes. From audit_list every string belongs to the store and is valid during the callback.
 */
struct store_audit {
    int64_t seq;      /* 1, 2, 3... in append order, contiguous */
    rk_time_us time;  /* when */
    char *org_id;     /* who (org id), "" for an unauthenticated reader */
    char *action;     /* "read", "write", "provenance-read", "policy-change" */
    char *route;      /* route name or CLI command */
    char *collection; /* collection id, "" if none */
    char *detail;     /* JSON document */
    char *prev_hash;  /* hash of the previous entry, "" for the first */
    char *hash;       /* hex hash of this entry (computed by the policy layer's hash_fn) */
};

/* Computes the hex hash (64 chars + NUL) of e, whose seq, time and prev_hash are set. */
typedef void (*store_audit_hash_fn)(const struct store_audit *e, char out[65]);
typedef int (*store_audit_fn)(void *ctx, const struct store_audit *e);

/* One credit ledger event. Strings borrowed on add, store-owned during list callbacks. */
struct store_credit {
    int64_t seq;     /* assigned by the store on add */
    rk_time_us time; /* when (<= 0 on add: now) */
    char *org_id;    /* who earns */
    char *kind;      /* "contribution", "sighting" or "correlation" */
    char *object_id; /* the STIX id concerned: a contribution's first object, the object a
                        correlation repeats, or the sighting (not what it sights) */
    int points;      /* credit earned */
    char *by_org;    /* who caused it; never shown to members */
    char *by_sector; /* sector of by_org */
};
typedef int (*store_credit_fn)(void *ctx, const struct store_credit *c);

/* One provenance vault row: the original of a stored object version and its real source.
 * Strings are store-owned, valid during the callback. */
struct store_provenance {
    rk_time_us date_added; /* = the objects row */
    char *collection_id;   /* collection uuid */
    char *id;              /* STIX id */
    rk_time_us version;    /* the version stored */
    char *org_id;          /* the real source */
    char *token_hash;      /* the token that posted, "" if none */
    int anonymity;         /* enum store_anonymity applied */
    rk_time_us received;   /* when it was received (= date_added) */
    char *original;        /* the object as posted, canonical JSON */
    char *actions;         /* JSON array of strings */
};
typedef int (*store_provenance_fn)(void *ctx, const struct store_provenance *p);

/* Runs inside put_objects_then's transaction once the puts are done; 0 to commit, else a
 * negative RK_E_* code (with err set) to roll everything back. */
/* The body of a write_tx: 0 to commit, else a negative RK_E_* code (err set) to roll back. */
typedef int (*store_tx_fn)(void *ctx, struct store *s, struct rk_err *err);
/* For scope_rewrite: true, with the new value written into out (empty on entry), to replace
 * the access scope scope (borrowed); false to keep it. */
typedef bool (*store_scope_fn)(void *ctx, const char *scope, struct rk_buf *out);
typedef int (*store_then_fn)(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                             struct rk_err *err);

/* What an operator watches of a store (stats). */
struct store_stats {
    int64_t bytes;         /* the stored data on disk */
    int64_t wal_bytes;     /* the write-ahead log not yet folded into it (0: none) */
    int64_t audit_entries; /* entries in the audit log */
};

/* ---- the operations table --------------------------------------------------------------- */

struct store_ops {
    const char *name; /* "sqlite" */

    /* Objects. */
    /*
     * Adds n versions to a collection in one durable transaction; fills result, date_added
     * and version_out of each. Returns 0 once everything is on disk, or an error after
     * which nothing of the call was stored.
     */
    int (*put_objects)(struct store *s, const char *collection_id, struct store_put *puts, size_t n,
                       struct rk_err *err);
    /* Runs q; filter may be NULL (everything passes). Fills page. */
    int (*query)(struct store *s, const struct store_query *q, store_filter_fn filter,
                 void *filter_ctx, store_row_fn fn, void *fn_ctx, struct store_page *page,
                 struct rk_err *err);
    /*
     * Deletes the versions of object id in a collection selected by version_sel/versions
     * and spec_versions (as in store_query). *deleted gets the number of versions removed.
     */
    int (*delete_object)(struct store *s, const struct store_query *q, size_t *deleted,
                         struct rk_err *err);
    /* Number of object versions in a collection (all versions). */
    int (*count_objects)(struct store *s, const char *collection_id, int64_t *count,
                         struct rk_err *err);

    /* Organisations: name is unique. RK_E_EXISTS if taken, RK_E_NOTFOUND if absent. */
    int (*org_add)(struct store *s, const struct store_org *org, struct rk_err *err);
    int (*org_get)(struct store *s, const char *id_or_name, struct store_org *out,
                   struct rk_err *err);
    /* Lists every organisation, by name. *out is an array the caller frees with
     * store_orgs_free(). */
    int (*org_list)(struct store *s, struct store_org **out, size_t *n, struct rk_err *err);

    /* Tokens, looked up by hash. */
    int (*token_add)(struct store *s, const struct store_token *t, struct rk_err *err);
    int (*token_get)(struct store *s, const char *hash, struct store_token *out,
                     struct rk_err *err);
    /* Lists every token, by organisation id then creation; free with store_tokens_free(). */
    int (*token_list)(struct store *s, struct store_token **out, size_t *n, struct rk_err *err);
    /* Deletes the token with this hash (revocation). RK_E_NOTFOUND if there is none. */
    int (*token_remove)(struct store *s, const char *hash, struct rk_err *err);

    /* Collections. */
    /* Adds c. A non-empty alias is unique among the collections: RK_E_EXISTS when the id or
     * the alias is taken. */
    int (*collection_add)(struct store *s, const struct store_collection *c, struct rk_err *err);
    /* The collection whose id is key, else the one whose (non-empty) alias is key; an id
     * wins over another collection's alias. RK_E_NOTFOUND if neither. */
    int (*collection_get)(struct store *s, const char *key, struct store_collection *out,
                          struct rk_err *err);
    /* Lists every collection in creation order; free with store_collections_free(). */
    int (*collection_list)(struct store *s, struct store_collection **out, size_t *n,
                           struct rk_err *err);

    /* Status resources. */
    int (*status_put)(struct store *s, const struct store_status *st, struct rk_err *err);
    int (*status_get)(struct store *s, const char *id, struct store_status *out,
                      struct rk_err *err);

    /* Hub settings: small key/value strings (hub identity, api root title, ...). */
    int (*setting_set)(struct store *s, const char *key, const char *value, struct rk_err *err);
    /* *value is malloc'd; RK_E_NOTFOUND if unset. */
    int (*setting_get)(struct store *s, const char *key, char **value, struct rk_err *err);

    void (*close)(struct store *s);

    /* ---- issue 3: sharing policy. Every callback below: return 0 to go on, non-zero to
     * stop; a negative value is passed on as the op's result. ---- */
    /*
     * Appends one audit entry, durable on return. Under the writer lock (and the database
     * write lock, so other processes too) the store reads the last entry and calls
     * hash_fn(copy, out) for this entry's hash, on a copy of e as it will be stored: seq
     * the last seq + 1, prev_hash the last hash ("" for the first), time now if e->time
     * <= 0, NULL strings as "". The chain has no forks even with concurrent writers. On
     * success e->seq and e->time hold the stored values; e->prev_hash and e->hash are not
     * touched. The store offers no way to update or delete an entry.
     */
    int (*audit_append)(struct store *s, struct store_audit *e, store_audit_hash_fn hash_fn,
                        struct rk_err *err);
    /* Entries with seq > after_seq, ascending, at most limit (0 = no limit), of org_id only
     * unless it is NULL. */
    int (*audit_list)(struct store *s, int64_t after_seq, size_t limit, const char *org_id,
                      store_audit_fn fn, void *ctx, struct rk_err *err);
    /* Adds n credit events in one durable transaction (all or nothing). */
    int (*credit_add)(struct store *s, const struct store_credit *c, size_t n, struct rk_err *err);
    /* Credit events earned by org_id (NULL: everyone's), ascending seq. */
    int (*credit_list)(struct store *s, const char *org_id, store_credit_fn fn, void *ctx,
                       struct rk_err *err);
    /* Every provenance row of STIX id, in any collection, ascending date_added. */
    int (*provenance_list)(struct store *s, const char *id, store_provenance_fn fn, void *ctx,
                           struct rk_err *err);
    /* Every stored version of id in any collection (for join checks and correlation
     * credit), ascending date_added: rows with access metadata and collection_id, json NULL. */
    int (*find_object)(struct store *s, const char *id, store_row_fn fn, void *ctx,
                       struct rk_err *err);
    /* Number of organisations in sector that are not disabled; 0 for "coordination" (the
     * coordinator is not a member of any sector). */
    int (*org_count_sector)(struct store *s, const char *sector, int64_t *count,
                            struct rk_err *err);
    /* Number of contributions of the organisation: the points of its credit events of kind
     * "contribution" (the policy layer adds one event per envelope, a point per NEW object
     * version it stored). */
    int (*contribution_count)(struct store *s, const char *org_id, int64_t *count,
                              struct rk_err *err);

    /* ---- ingest speed (sqlite_ingest.c) ---- */
    /*
     * Correlation credit for a whole envelope: for each of the n STIX ids writes into
     * out[i] the source organisation of the earliest stored version of ids[i] (in any
     * collection) whose source_org is neither "" nor org_id, or "" if there is none (a
     * NULL ids[i] gives ""). What find_object's callers would find, in one read snapshot.
     */
    int (*first_other_sources)(struct store *s, const char *org_id, const char *const *ids,
                               size_t n, char (*out)[RK_UUID_LEN], struct rk_err *err);

    /* ---- ingest speed (sqlite_ingest.c) ---- */
    /*
     * put_objects, then then(ctx, puts, n, err) in the same write transaction, before its
     * one commit: what then writes through this store's ops on the calling thread (credit
     * rows, an audit entry...) is committed and synced with the objects, all or nothing.
     * then sees every put's result filled in; it must not call put_objects_then itself.
     * If then returns non-zero, or an op inside it fails, nothing of the call is stored
     * and the error is returned. Returns 0 once everything is durable. then may be NULL.
     */
    int (*put_objects_then)(struct store *s, const char *collection_id, struct store_put *puts,
                            size_t n, store_then_fn then, void *ctx, struct rk_err *err);

    /* ---- changing and removing entities (sqlite_entities.c, sqlite_change.c) ---- */
    /*
     * Rewrites the organisation whose id is org->id: its name, sector, anonymity,
     * own_identifiers and disabled (id, identity_id and created stay as they are).
     * RK_E_NOTFOUND if there is none, RK_E_EXISTS if another organisation has the name.
     */
    int (*org_update)(struct store *s, const struct store_org *org, struct rk_err *err);
    /*
     * Rewrites the collection whose id is c->id: its title, description, alias, read_spec,
     * write_spec and default_tlp (0 stored as GREEN, as by collection_add; id and created stay).
     * RK_E_NOTFOUND if there is none.
     */
    int (*collection_update)(struct store *s, const struct store_collection *c, struct rk_err *err);
    /*
     * Removes the collection id, in one durable transaction. When it holds object versions:
     * with purge they go first, each one's provenance written out as delete_object writes it
     * (provenance_list still lists every one of them), and *purged gets their number; without
     * purge it is RK_E_CONFLICT and nothing changes (*purged gets the number all the same).
     * RK_E_NOTFOUND if there is no such collection. A put into the id afterwards (also one
     * that was waiting for the write lock meanwhile) fails with RK_E_NOTFOUND and stores
     * nothing; in put_objects_then only its own job fails.
     */
    int (*collection_remove)(struct store *s, const char *id, bool purge, int64_t *purged,
                             struct rk_err *err);
    /*
     * Calls fn(ctx, scope, out) once for each distinct non-empty access scope of the stored
     * object versions; every version whose scope fn replaced gets the new value. *changed
     * gets the number of versions rewritten. One durable transaction that reads every
     * object row (there is no index on scope): for rare administrative changes.
     */
    int (*scope_rewrite)(struct store *s, store_scope_fn fn, void *ctx, int64_t *changed,
                         struct rk_err *err);
    /*
     * Runs fn(ctx, s, err) in one write transaction: what fn writes through s's ops on the
     * calling thread is committed together and durable when write_tx returns 0, or, if fn
     * returns non-zero or one of those ops fails, not at all (fn's error is returned). No
     * other writer commits while fn runs, so what fn reads before it writes is what its
     * writes apply to; whether a read inside fn sees fn's own earlier writes depends on the
     * backend: read first, then write. fn must not call put_objects_then or write_tx.
     */
    int (*write_tx)(struct store *s, store_tx_fn fn, void *ctx, struct rk_err *err);

    /* ---- monitoring ---- */
    /* Fills out with the store's sizes and counts, as they are now; cheap enough for every
     * scrape of the server's metrics, from any thread. */
    int (*stats)(struct store *s, struct store_stats *out, struct rk_err *err);
};

/* Every backend's handle starts with this, so that the store_* wrappers can dispatch. */
struct store {
    const struct store_ops *ops;
};

/*
 * Opens (creating and migrating if needed) the SQLite store in file path. Returns 0 and
 * *out, or an error with err set. Close with store_close().
 */
int store_open_sqlite(const char *path, struct store **out, struct rk_err *err);

/* Closes s and frees everything; NULL is a no-op. */
void store_close(struct store *s);

/* Release the strings inside one entity (not the struct itself); NULL-safe. */
void store_org_clear(struct store_org *o);
void store_token_clear(struct store_token *t);
void store_collection_clear(struct store_collection *c);
void store_status_clear(struct store_status *st);
/* Release arrays from org_list / collection_list. */
void store_orgs_free(struct store_org *orgs, size_t n);
void store_tokens_free(struct store_token *tokens, size_t n);
void store_collections_free(struct store_collection *cs, size_t n);

/* Convenience wrappers: s->ops->X(s, ...). */
#define store_put_objects(s, ...)     ((s)->ops->put_objects((s), __VA_ARGS__))
#define store_query(s, ...)           ((s)->ops->query((s), __VA_ARGS__))
#define store_delete_object(s, ...)   ((s)->ops->delete_object((s), __VA_ARGS__))
#define store_count_objects(s, ...)   ((s)->ops->count_objects((s), __VA_ARGS__))
#define store_org_add(s, ...)         ((s)->ops->org_add((s), __VA_ARGS__))
#define store_org_get(s, ...)         ((s)->ops->org_get((s), __VA_ARGS__))
#define store_org_list(s, ...)        ((s)->ops->org_list((s), __VA_ARGS__))
#define store_token_add(s, ...)       ((s)->ops->token_add((s), __VA_ARGS__))
#define store_token_get(s, ...)       ((s)->ops->token_get((s), __VA_ARGS__))
#define store_token_list(s, ...)      ((s)->ops->token_list((s), __VA_ARGS__))
#define store_token_remove(s, ...)    ((s)->ops->token_remove((s), __VA_ARGS__))
#define store_collection_add(s, ...)  ((s)->ops->collection_add((s), __VA_ARGS__))
#define store_collection_get(s, ...)  ((s)->ops->collection_get((s), __VA_ARGS__))
#define store_collection_list(s, ...) ((s)->ops->collection_list((s), __VA_ARGS__))
#define store_status_put(s, ...)      ((s)->ops->status_put((s), __VA_ARGS__))
#define store_status_get(s, ...)      ((s)->ops->status_get((s), __VA_ARGS__))
#define store_setting_set(s, ...)     ((s)->ops->setting_set((s), __VA_ARGS__))
#define store_setting_get(s, ...)     ((s)->ops->setting_get((s), __VA_ARGS__))
/* Issue 3. */
#define store_audit_append(s, ...)       ((s)->ops->audit_append((s), __VA_ARGS__))
#define store_audit_list(s, ...)         ((s)->ops->audit_list((s), __VA_ARGS__))
#define store_credit_add(s, ...)         ((s)->ops->credit_add((s), __VA_ARGS__))
#define store_credit_list(s, ...)        ((s)->ops->credit_list((s), __VA_ARGS__))
#define store_provenance_list(s, ...)    ((s)->ops->provenance_list((s), __VA_ARGS__))
#define store_find_object(s, ...)        ((s)->ops->find_object((s), __VA_ARGS__))
#define store_org_count_sector(s, ...)   ((s)->ops->org_count_sector((s), __VA_ARGS__))
#define store_contribution_count(s, ...) ((s)->ops->contribution_count((s), __VA_ARGS__))
/* Ingest speed. */
#define store_first_other_sources(s, ...) ((s)->ops->first_other_sources((s), __VA_ARGS__))
#define store_put_objects_then(s, ...)    ((s)->ops->put_objects_then((s), __VA_ARGS__))
/* Changing and removing entities. */
#define store_org_update(s, ...)        ((s)->ops->org_update((s), __VA_ARGS__))
#define store_collection_update(s, ...) ((s)->ops->collection_update((s), __VA_ARGS__))
#define store_collection_remove(s, ...) ((s)->ops->collection_remove((s), __VA_ARGS__))
#define store_scope_rewrite(s, ...)     ((s)->ops->scope_rewrite((s), __VA_ARGS__))
#define store_write_tx(s, ...)          ((s)->ops->write_tx((s), __VA_ARGS__))
/* Monitoring. */
#define store_stats(s, ...) ((s)->ops->stats((s), __VA_ARGS__))

#endif /* RK_STORE_H */
