/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h: the storage interface of renkei. Every backend implements the same operations
 * table; the layers above never see SQL or a driver header. docs/internals/store.md states
 * the contract in full and names the tests a backend must pass.
 *
 * The store keeps object versions per collection, organisations, tokens (hashed),
 * collections, status resources, hub settings, an audit log, a credit ledger and the
 * originals of stored objects. It guarantees:
 *  - a write returns 0 only once it is durable: it survives a crash of the process or of
 *    the machine from then on;
 *  - date_added is strictly increasing and unique across the hub, in microseconds, and rows
 *    become visible in date_added order: once a reader has seen a row, no row with a smaller
 *    date_added appears later, so added_after paging never skips or repeats an object, even
 *    with concurrent writers (other processes sharing the store included);
 *  - a second, different body for an existing (collection, id, version) is a conflict:
 *    the first body is kept and the caller is told; an identical body is a duplicate.
 * It stores what it is given and interprets none of it beyond what an operation says: TLP
 * levels, roles, anonymity modes and audience texts are the caller's values.
 *
 * Thread safety: one struct store may be used from any number of threads at once; reads may
 * run in parallel with each other and with writes; writes are serialised.
 *
 * Ownership: strings in structs returned by the store are owned by the struct and freed by
 * its *_clear function (arrays by *_free); strings the caller passes in are only borrowed
 * for the call. Rows and entries given to callbacks are valid only during the callback.
 *
 * Hints: a few fields (store_query.lean and .skip_shadowed, store_put.original_from_json and
 * the id_unseen it gets back) let a backend do less work. A backend may ignore every one of
 * them; the caller's answers are the same either way.
 */
#ifndef RK_STORE_H
#define RK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct store;

/*
 * The caller's access metadata of one object version, stored with it as given. Strings are
 * borrowed on put (NULL is stored as ""); on read they belong to the row and are valid only
 * during the row callback. The store reads none of them but to compare them for equality
 * (store_query.skip_shadowed) and to rewrite scope when asked (scope_rewrite).
 */
struct store_access {
    int tlp;                   /* the caller's level (an integer; 0 is stored as given) */
    const char *source_org;    /* organisation id of the contributor */
    const char *source_sector; /* sector key of the contributor */
    const char *scope;         /* the caller's audience text, "" for none */
    const char *recipients;    /* comma-separated organisation ids, "" none */
    const char *joins;         /* space-separated STIX ids the object refers to, "" none */
    const char *rule;          /* the caller's reason for tlp, free text */
};

/* ---- objects -------------------------------------------------------------------------- */

/*
 * One row of the observable index, as a put gives it (store_put.observables) and a query or
 * an index read matches it. The store interprets none of key but to compare it for equality;
 * an address or a CIDR (ranged) is also a range of the 128-bit address space, IPv4 mapped
 * into ::ffff:0:0/96 (so a.b.c.d/p is addr ::ffff:a.b.c.d, prefix 96 + p), and two ranged
 * observables match when their ranges overlap: one holds the other (CIDRs never partly
 * overlap). docs/internals/analyze.md, "The observable index".
 */
struct store_observable {
    const char *key;  /* the caller's key, e.g. "domain:example.jp"; borrowed, non-empty */
    bool ranged;      /* an address or a CIDR: addr and prefix are its range */
    uint8_t prefix;   /* prefix length over 128 bits, 0-128 (an address: 128) */
    uint8_t addr[16]; /* the range's first address, network order (host bits are ignored) */
};

/* One object version to add. All strings borrowed for the duration of the put. */
struct store_put {
    const char *id;           /* STIX id, "type--uuid" */
    const char *type;         /* STIX type */
    const char *spec_version; /* "2.1" */
    rk_time_us version;       /* modified, else created; -1 if the object has neither */
    /* The text version was read from (the object's modified or created), so that readers
     * get the version back as the object writes it (store_row.version_form); NULL: as
     * rk_time_format writes it. Ignored when version < 0. */
    const char *version_text;
    const char *json; /* canonical JSON of the object (stix_canonical) */
    size_t json_len;  /* bytes in json */
    /* Filled by the store: */
    int result;             /* STORE_PUT_NEW, _DUP or _CONFLICT */
    rk_time_us date_added;  /* when NEW: the new date_added; when DUP/CONFLICT: the first's */
    rk_time_us version_out; /* the version the store recorded (assigned when version < 0) */
    bool id_unseen;         /* a hint: NEW, and no collection of the hub held this id before.
                               true only when certain; a backend may always give false */
    char first_source[RK_UUID_LEN]; /* DUP/CONFLICT: access.source_org of the version already
                                       stored ("" if none); "" otherwise */
    struct store_access access;     /* written to the object row (a zero put stores tlp 0, "") */
    /* The original, kept for provenance_list: written with NEW versions only (in the same
     * transaction), and only when original is not NULL. */
    const char *original;   /* the object exactly as posted, canonical JSON */
    size_t original_len;    /* bytes in original */
    const char *token_hash; /* hash of the token that posted, "" if none */
    int anonymity;          /* the caller's anonymity mode applied, stored as given */
    const char *actions;    /* JSON array of strings: what the caller changed; NULL = "[]" */
    /* A hint: with original_from_json, original is json without the json_extra_len bytes
     * at json_extra_off (0 bytes: original is json), and the caller vouches for it. A
     * backend may keep the original as that difference instead of a copy; provenance_list
     * returns original byte for byte either way. original must still be given. A span
     * outside json is RK_E_INVALID and nothing of the call is stored (checked at least for
     * the versions the call stores). */
    bool original_from_json;
    size_t json_extra_off; /* where the bytes json has and original has not begin */
    size_t json_extra_len; /* how many; json_extra_off + json_extra_len <= json_len */
    /* Rows of the observable index for this version, written with NEW versions only, in the
     * same transaction, each with the version's date_added, id, collection and access
     * source_org, source_sector and tlp (observable_since). Borrowed; NULL for none. */
    const struct store_observable *observables;
    size_t n_observables;
};

enum store_put_result {
    STORE_PUT_NEW = 1,      /* stored now */
    STORE_PUT_DUP = 2,      /* this exact body was already stored: success, nothing changed */
    STORE_PUT_CONFLICT = 3, /* a different body has this (collection, id, version): kept first */
};

/* One stored object version, as returned by queries. */
struct store_row {
    const char *id;             /* STIX id */
    const char *type;           /* STIX type */
    const char *spec_version;   /* "2.1" */
    rk_time_us version;         /* the version (modified, created or assigned) */
    int version_form;           /* rk_time_form of the version's text: rk_time_format_as(version,
                                   version_form) writes it as the object does (RK_TIME_FORM_US for
                                   a version the store assigned or was given without its text) */
    rk_time_us date_added;      /* unique, strictly increasing across the hub */
    const char *json;           /* canonical JSON; NULL when the query asked for manifest only */
    size_t json_len;            /* bytes in json */
    struct store_access access; /* access metadata, valid during the callback */
    const char *collection_id;  /* the row's collection (uuid), valid during the callback */
    /* Filled by query (false from find_object): the row is the latest / earliest stored
     * version of its id in its collection. */
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
    const char *const *spec_versions; /* match[spec_version]; NULL for any */
    size_t n_spec_versions;
    unsigned version_sel;       /* enum store_version_sel bits; 0 means LAST */
    const rk_time_us *versions; /* with STORE_VERSION_SPECIFIC */
    size_t n_versions;
    bool with_json; /* false for manifests: row.json is NULL */
    /* A hint, with STORE_VERSION_ALL: the caller does not need the versions that have a
     * newer version of the same id in the collection with equal access.tlp, source_org,
     * scope, recipients and joins. A backend may leave any of them out or return them all;
     * it leaves out no other row. */
    bool skip_shadowed;
    /* A hint: the caller reads neither row.spec_version, row.access.source_sector nor
     * row.access.rule, nor, with with_json, row.version_form. A backend may fill them or
     * leave them "" (RK_TIME_FORM_US), never NULL; spec_versions still filters, and every
     * other field is exactly that of a query without the hint. */
    bool lean;
    /* Only rows whose version has an index row (store_put.observables) matching one of
     * these: the same key, or, for a ranged one, an overlapping range. Applied to the rows
     * the version selection chose. NULL or n_observables 0: no such filter. */
    const struct store_observable *observables;
    size_t n_observables;
};

/*
 * Decides whether a row may be returned; the store calls it on each candidate row in
 * order, and only rows for which it returns true count against limit. A filter sees every
 * row a query returns, before the row callback does.
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

/* One row of the observable index (observable_since, observable_reports). Strings belong to
 * the store, valid only during the callback. It holds no object data, but the real source
 * organisation and sector of an anonymised post: for counts, never to be shown. */
struct store_observable_row {
    int64_t seq;                 /* 1, 2, 3... in insert order (gaps where rows were deleted) */
    struct store_observable obs; /* key and range */
    rk_time_us date_added;       /* the object version's (unique across the hub) */
    const char *id;              /* the object's STIX id */
    const char *collection_id;   /* the version's collection (uuid) */
    const char *source_org;      /* the version's access.source_org */
    const char *source_sector;   /* its access.source_sector */
    int tlp;                     /* its access.tlp */
};
typedef int (*store_observable_fn)(void *ctx, const struct store_observable_row *row);

/* ---- hub entities ------------------------------------------------------------------------ */

/* Anonymity modes and token roles: the caller's values, stored as integers. */
enum store_anonymity { STORE_ANON_NAMED = 0, STORE_ANON_SECTOR = 1, STORE_ANON_ANONYMOUS = 2 };

struct store_org {
    char id[RK_UUID_LEN];  /* organisation id (UUID) */
    char *name;            /* unique display name */
    char *sector;          /* sector key, e.g. "electric-power" */
    char *identity_id;     /* STIX identity--UUID representing the organisation */
    int anonymity;         /* enum store_anonymity */
    rk_time_us created;    /* when it was added */
    char *own_identifiers; /* newline-separated domains/CIDRs/names; NULL stored as "" */
    bool disabled;         /* kept with everything it posted, but not counted by
                              org_count_sector */
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
    int anonymity;                 /* enum store_anonymity, or -1 for the org's mode */
    char creator_org[RK_UUID_LEN]; /* organisation that created it; "" if not recorded */
    char creator_token[65];        /* hash of the token it was created with; "" if none was
                                      used (a local command) or not recorded */
};

struct store_collection {
    char id[RK_UUID_LEN]; /* collection id (UUID) */
    char *title;
    char *description; /* may be "" */
    char *alias;       /* may be ""; a non-empty one is unique among the collections */
    char *read_spec;   /* the caller's audience text, e.g. "all" or "sector:a,b" */
    char *write_spec;  /* writers, same grammar */
    rk_time_us created;
    int default_tlp; /* the caller's level, stored as given */
    bool relay;      /* the caller's flag, stored as given */
};

/* A stored status resource: the TAXII status JSON, and who may read it. */
struct store_status {
    char id[RK_UUID_LEN];
    char org_id[RK_UUID_LEN]; /* organisation that posted */
    char *json;               /* the status resource, as served */
};

/* ---- audit log, credit ledger, originals -------------------------------------------------- */

/*
 * One audit log entry. To audit_append the caller passes time (<= 0: now), org_id, action,
 * route, collection and detail (borrowed; NULL stored as ""); the store fills seq and the
 * hashes. From audit_list every string belongs to the store and is valid during the callback.
 */
struct store_audit {
    int64_t seq;      /* 1, 2, 3... in append order, contiguous */
    rk_time_us time;  /* when */
    char *org_id;     /* who (org id), "" for none */
    char *action;     /* what was done: the caller's word, required */
    char *route;      /* where: the caller's name for it */
    char *collection; /* collection id, "" if none */
    char *detail;     /* JSON document */
    char *prev_hash;  /* hash of the previous entry, "" for the first */
    char *hash;       /* hex hash of this entry, as hash_fn computed it */
};

/* Computes the hex hash (64 chars + NUL) of e, whose seq, time and prev_hash are set. */
typedef void (*store_audit_hash_fn)(const struct store_audit *e, char out[65]);
typedef int (*store_audit_fn)(void *ctx, const struct store_audit *e);

/* One credit ledger event. Strings borrowed on add, store-owned during list callbacks. */
struct store_credit {
    int64_t seq;     /* assigned by the store on add */
    rk_time_us time; /* when (<= 0 on add: now) */
    char *org_id;    /* who earns; required */
    char *kind;      /* the caller's kind of event, a short word; required */
    char *object_id; /* the STIX id concerned; required */
    int points;      /* credit earned */
    char *by_org;    /* who caused it */
    char *by_sector; /* sector of by_org */
};
typedef int (*store_credit_fn)(void *ctx, const struct store_credit *c);

/* The original of a stored object version and its source (provenance_list). Strings are
 * store-owned, valid during the callback. */
struct store_provenance {
    rk_time_us date_added; /* = the object version's */
    char *collection_id;   /* collection uuid */
    char *id;              /* STIX id */
    rk_time_us version;    /* the version stored */
    char *org_id;          /* the put's access.source_org */
    char *token_hash;      /* the put's token_hash, "" if none */
    int anonymity;         /* the put's anonymity */
    rk_time_us received;   /* when it was received (= date_added) */
    char *original;        /* the put's original, byte for byte */
    char *actions;         /* the put's actions, "[]" if none */
};
typedef int (*store_provenance_fn)(void *ctx, const struct store_provenance *p);

/*
 * Runs inside put_objects_then's transaction once the puts are done, with every put's result
 * filled in; 0 to commit, else a negative RK_E_* code (with err set) to roll everything back.
 */
typedef int (*store_then_fn)(void *ctx, struct store *s, const struct store_put *puts, size_t n,
                             struct rk_err *err);
/* The body of a write_tx: 0 to commit, else a negative RK_E_* code (err set) to roll back. */
typedef int (*store_tx_fn)(void *ctx, struct store *s, struct rk_err *err);
/* For scope_rewrite: true, with the new value written into out (empty on entry), to replace
 * the access scope scope (borrowed); false to keep it. */
typedef bool (*store_scope_fn)(void *ctx, const char *scope, struct rk_buf *out);

/* What an operator watches of a store (stats). */
struct store_stats {
    int64_t bytes;         /* the stored data on disk */
    int64_t wal_bytes;     /* the write-ahead log not yet folded into it (0: none) */
    int64_t audit_entries; /* entries in the audit log */
};

/* ---- capability records and event logs (alerts, notices) ----------------------------------- */

/*
 * A small JSON document a capability keeps (an alert subscription, a watchlist entry, the
 * delivery state of a webhook, a hotline alert...), keyed by (kind, id). Strings are borrowed
 * on put; from get and list they belong to the store, valid only during the callback. The
 * store reads none of them but kind, id and org_id, to find them.
 */
struct store_record {
    const char *kind;   /* the caller's word ("alert-subscription"), required */
    const char *id;     /* unique within kind, required */
    const char *org_id; /* the owning organisation; "" (or NULL on put) for the hub's own */
    const char *json;   /* the document, required */
    rk_time_us created; /* set by the store when (kind, id) is first put, kept on replace */
    rk_time_us updated; /* set by the store on every put */
};
typedef int (*store_record_fn)(void *ctx, const struct store_record *r);

/*
 * One event addressed to one organisation (an alert, a watchlist hit): the log that webhooks,
 * e-mail and the event stream deliver from. seq numbers each organisation's own events 1, 2,
 * 3... with no gaps (so that a recipient learns nothing of other organisations' events from
 * it); events are never changed or deleted. Strings as for store_record.
 */
struct store_event {
    int64_t seq;        /* assigned by event_append: the organisation's previous seq + 1 */
    rk_time_us time;    /* when; <= 0 on append: now */
    const char *org_id; /* the recipient organisation, required */
    const char *kind;   /* the caller's word ("watchlist", "hotline"...), required */
    const char *json;   /* the event, required */
};
typedef int (*store_event_fn)(void *ctx, const struct store_event *e);

/* ---- the operations table --------------------------------------------------------------- */

/*
 * Every op returns 0 or a negative RK_E_* code with err set; an op that fails changes
 * nothing. RK_E_INVALID: a required argument is missing; RK_E_IO / RK_E_DB: the backend
 * failed (the message says how, for the log: never for a client). Every callback below:
 * return 0 to go on, non-zero to stop; a negative value is passed on as the op's result.
 */
struct store_ops {
    const char *name; /* the backend's name, as in a location: "sqlite" */

    /* Objects. */
    /*
     * Adds n versions to a collection in one durable transaction; fills result, date_added,
     * version_out, id_unseen and first_source of each. Puts earlier in the array are seen by
     * later ones (a repeat in one call is a DUP or CONFLICT). A put with version < 0 takes
     * the smallest stored version of its id in the collection, else its new date_added.
     * Returns 0 once everything is durable, or an error after which nothing of the call
     * was stored.
     */
    int (*put_objects)(struct store *s, const char *collection_id, struct store_put *puts, size_t n,
                       struct rk_err *err);
    /* Runs q in one consistent snapshot; filter may be NULL (everything passes), fn too
     * (rows are counted only). Fills page. */
    int (*query)(struct store *s, const struct store_query *q, store_filter_fn filter,
                 void *filter_ctx, store_row_fn fn, void *fn_ctx, struct store_page *page,
                 struct rk_err *err);
    /*
     * Deletes the versions of the one object q->ids[0] (RK_E_INVALID unless n_ids is 1) in a
     * collection selected by version_sel/versions and spec_versions (as in store_query;
     * added_after and limit are ignored), in one durable transaction; the remaining versions'
     * is_first / is_last follow. Their originals stay in provenance_list. *deleted gets the
     * number of versions removed.
     */
    int (*delete_object)(struct store *s, const struct store_query *q, size_t *deleted,
                         struct rk_err *err);
    /* Number of object versions in a collection (all versions). */
    int (*count_objects)(struct store *s, const char *collection_id, int64_t *count,
                         struct rk_err *err);
    /* Every stored version of id in any collection, ascending date_added: rows with access
     * metadata and collection_id, json NULL, is_last and is_first false. */
    int (*find_object)(struct store *s, const char *id, store_row_fn fn, void *ctx,
                       struct rk_err *err);
    /*
     * For each of the n STIX ids, writes into out[i] the access.source_org of the earliest
     * stored version of ids[i] (by date_added, in any collection) whose source_org is neither
     * "" nor org_id, or "" if there is none (a NULL ids[i] gives ""): what find_object would
     * find, for a batch of ids in one snapshot.
     */
    int (*first_other_sources)(struct store *s, const char *org_id, const char *const *ids,
                               size_t n, char (*out)[RK_UUID_LEN], struct rk_err *err);

    /* The observable index (store_put.observables). */
    /*
     * Index rows with seq > after_seq in ascending seq, at most limit of them (0: no limit),
     * in one snapshot: for a reader that follows the index as it grows. A row whose version
     * was deleted is gone with it.
     */
    int (*observable_since)(struct store *s, int64_t after_seq, size_t limit,
                            store_observable_fn fn, void *ctx, struct rk_err *err);
    /*
     * Every index row matching obs (the same key; for a ranged obs also every ranged row whose
     * range overlaps it) with date_added >= since, ascending date_added, in one snapshot.
     */
    int (*observable_reports)(struct store *s, const struct store_observable *obs, rk_time_us since,
                              store_observable_fn fn, void *ctx, struct rk_err *err);

    /* Capability records (struct store_record). */
    /* Adds r, or replaces the record with its (kind, id) (created is kept). Durable on return
     * (or with the enclosing write_tx). */
    int (*record_put)(struct store *s, const struct store_record *r, struct rk_err *err);
    /* Calls fn once with the record (kind, id), or RK_E_NOTFOUND. */
    int (*record_get)(struct store *s, const char *kind, const char *id, store_record_fn fn,
                      void *ctx, struct rk_err *err);
    /* Every record of kind owned by org_id (NULL: by anyone), ascending created, then id. */
    int (*record_list)(struct store *s, const char *kind, const char *org_id, store_record_fn fn,
                       void *ctx, struct rk_err *err);
    /* Removes the record (kind, id); RK_E_NOTFOUND if there is none. */
    int (*record_delete)(struct store *s, const char *kind, const char *id, struct rk_err *err);

    /* Event logs (struct store_event). */
    /*
     * Appends n events in one durable transaction (or the enclosing write_tx), in array order;
     * fills each one's seq and time. All or nothing.
     */
    int (*event_append)(struct store *s, struct store_event *evs, size_t n, struct rk_err *err);
    /* The events of org_id (required) with seq > after_seq, ascending, at most limit (0: no
     * limit), in one snapshot. */
    int (*event_since)(struct store *s, const char *org_id, int64_t after_seq, size_t limit,
                       store_event_fn fn, void *ctx, struct rk_err *err);

    /* Organisations: name is unique. RK_E_EXISTS if taken, RK_E_NOTFOUND if absent. */
    int (*org_add)(struct store *s, const struct store_org *org, struct rk_err *err);
    /* The organisation whose id is id_or_name, else the one with that name. */
    int (*org_get)(struct store *s, const char *id_or_name, struct store_org *out,
                   struct rk_err *err);
    /* Lists every organisation, by name. *out is an array the caller frees with
     * store_orgs_free(). */
    int (*org_list)(struct store *s, struct store_org **out, size_t *n, struct rk_err *err);
    /*
     * Rewrites the organisation whose id is org->id: its name, sector, anonymity,
     * own_identifiers and disabled (id, identity_id and created stay as they are).
     * RK_E_NOTFOUND if there is none, RK_E_EXISTS if another organisation has the name.
     */
    int (*org_update)(struct store *s, const struct store_org *org, struct rk_err *err);
    /* Number of organisations whose sector is sector and that are not disabled. */
    int (*org_count_sector)(struct store *s, const char *sector, int64_t *count,
                            struct rk_err *err);

    /* Tokens, looked up by hash. token_add: RK_E_NOTFOUND if the organisation does not
     * exist, RK_E_EXISTS if the hash does. */
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
    /*
     * Rewrites the collection whose id is c->id: its title, description, alias, read_spec,
     * write_spec, default_tlp and relay (id and created stay). RK_E_NOTFOUND if there is
     * none, RK_E_EXISTS if another collection has the alias.
     */
    int (*collection_update)(struct store *s, const struct store_collection *c, struct rk_err *err);
    /*
     * Removes the collection id, in one durable transaction. When it holds object versions:
     * with purge they go first, their originals staying in provenance_list as delete_object
     * keeps them, and *purged gets their number; without purge it is RK_E_CONFLICT and
     * nothing changes (*purged gets the number all the same). RK_E_NOTFOUND if there is no
     * such collection. A put into the id afterwards (also one that was waiting to write
     * meanwhile, in this process or another) fails with RK_E_NOTFOUND and stores nothing;
     * in put_objects_then only that caller's call fails.
     */
    int (*collection_remove)(struct store *s, const char *id, bool purge, int64_t *purged,
                             struct rk_err *err);

    /* Status resources: status_put adds or replaces the status with st->id. */
    int (*status_put)(struct store *s, const struct store_status *st, struct rk_err *err);
    int (*status_get)(struct store *s, const char *id, struct store_status *out,
                      struct rk_err *err);

    /* Hub settings: small key/value strings (hub identity, api root title, ...); setting_set
     * adds or replaces. */
    int (*setting_set)(struct store *s, const char *key, const char *value, struct rk_err *err);
    /* *value is malloc'd; RK_E_NOTFOUND if unset. */
    int (*setting_get)(struct store *s, const char *key, char **value, struct rk_err *err);

    /* Audit log, credit ledger, originals. */
    /*
     * Appends one audit entry, durable on return. Serialised with every other append (of
     * any process sharing the store), the store calls hash_fn(copy, out) for this entry's
     * hash on a copy of e as it will be stored: seq the last seq + 1, prev_hash the last
     * hash ("" for the first), time now if e->time <= 0, NULL strings as "". The chain has
     * no forks even with concurrent writers. On success e->seq and e->time hold the stored
     * values; e->prev_hash and e->hash are not touched. There is no way to update or delete
     * an entry.
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
    /* The sum of the points of org_id's credit events of this kind (0 if none). */
    int (*credit_sum)(struct store *s, const char *org_id, const char *kind, int64_t *points,
                      struct rk_err *err);
    /* The original of every version of STIX id ever stored with one, in any collection,
     * ascending date_added: deleting a version or purging its collection does not remove it. */
    int (*provenance_list)(struct store *s, const char *id, store_provenance_fn fn, void *ctx,
                           struct rk_err *err);

    /* Transactions. */
    /*
     * put_objects, then then(ctx, s, puts, n, err) in the same write transaction, before its
     * one commit: what then writes through the s it is given (credit_add, audit_append...)
     * is committed and made durable with the objects, all or nothing. then may run on
     * another thread than the caller's while the caller waits (callers writing at the same
     * time may share one transaction, each in its own part): it must not depend on its
     * thread, nor call put_objects_then or write_tx. Whether a read inside then sees the
     * transaction's writes depends on the backend. If then returns non-zero, or an op inside
     * it fails, nothing of this call is stored and the error is returned. Returns 0 once
     * everything is durable. then may be NULL.
     */
    int (*put_objects_then)(struct store *s, const char *collection_id, struct store_put *puts,
                            size_t n, store_then_fn then, void *ctx, struct rk_err *err);
    /*
     * Runs fn(ctx, s, err) in one write transaction, on the calling thread: what fn writes
     * through s is committed together and durable when write_tx returns 0, or, if fn
     * returns non-zero or one of those ops fails, not at all (fn's error is returned). No
     * other writer commits while fn runs, so what fn reads before it writes is what its
     * writes apply to; whether a read inside fn sees fn's own earlier writes depends on the
     * backend: read first, then write. fn must not call put_objects_then or write_tx
     * (RK_E_INTERNAL).
     */
    int (*write_tx)(struct store *s, store_tx_fn fn, void *ctx, struct rk_err *err);
    /*
     * Calls fn(ctx, scope, out) once for each distinct non-empty access scope of the stored
     * object versions; every version whose scope fn replaced gets the new value (once: a
     * new value that is another version's old one is not rewritten again). *changed gets the
     * number of versions rewritten. One durable transaction that may read every object
     * version: for rare administrative changes.
     */
    int (*scope_rewrite)(struct store *s, store_scope_fn fn, void *ctx, int64_t *changed,
                         struct rk_err *err);

    /* Closes s and frees everything; in-flight calls must have returned. */
    void (*close)(struct store *s);

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
 * Opens the store at location, creating it (and bringing its layout up to date) if needed,
 * and returns 0 and *out, or an error with err set. Locations:
 *  - "sqlite:PATH": the SQLite database file PATH (its folder must exist);
 *  - a plain path, with no "scheme://" prefix: the same as "sqlite:PATH";
 *  - "postgresql://..." and "postgres://...": RK_E_UNSUPPORTED, "not built in" (the message
 *    does not repeat the location, which may hold a password);
 *  - any other "scheme://...": RK_E_INVALID.
 * Close with store_close().
 */
int store_open(const char *location, struct store **out, struct rk_err *err);

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

/*
 * Copies n observables (keys borrowed) into one malloc'd block, the rows then their keys, that
 * free() releases at once: the form an ingest hook hands rows over in (policy/hub.h). NULL
 * when n is 0.
 */
struct store_observable *store_observables_pack(const struct store_observable *rows, size_t n);

/* Convenience wrappers: s->ops->X(s, ...). */
#define store_put_objects(s, ...)         ((s)->ops->put_objects((s), __VA_ARGS__))
#define store_query(s, ...)               ((s)->ops->query((s), __VA_ARGS__))
#define store_delete_object(s, ...)       ((s)->ops->delete_object((s), __VA_ARGS__))
#define store_count_objects(s, ...)       ((s)->ops->count_objects((s), __VA_ARGS__))
#define store_find_object(s, ...)         ((s)->ops->find_object((s), __VA_ARGS__))
#define store_first_other_sources(s, ...) ((s)->ops->first_other_sources((s), __VA_ARGS__))
#define store_org_add(s, ...)             ((s)->ops->org_add((s), __VA_ARGS__))
#define store_org_get(s, ...)             ((s)->ops->org_get((s), __VA_ARGS__))
#define store_org_list(s, ...)            ((s)->ops->org_list((s), __VA_ARGS__))
#define store_org_update(s, ...)          ((s)->ops->org_update((s), __VA_ARGS__))
#define store_org_count_sector(s, ...)    ((s)->ops->org_count_sector((s), __VA_ARGS__))
#define store_token_add(s, ...)           ((s)->ops->token_add((s), __VA_ARGS__))
#define store_token_get(s, ...)           ((s)->ops->token_get((s), __VA_ARGS__))
#define store_token_list(s, ...)          ((s)->ops->token_list((s), __VA_ARGS__))
#define store_token_remove(s, ...)        ((s)->ops->token_remove((s), __VA_ARGS__))
#define store_collection_add(s, ...)      ((s)->ops->collection_add((s), __VA_ARGS__))
#define store_collection_get(s, ...)      ((s)->ops->collection_get((s), __VA_ARGS__))
#define store_collection_list(s, ...)     ((s)->ops->collection_list((s), __VA_ARGS__))
#define store_collection_update(s, ...)   ((s)->ops->collection_update((s), __VA_ARGS__))
#define store_collection_remove(s, ...)   ((s)->ops->collection_remove((s), __VA_ARGS__))
#define store_status_put(s, ...)          ((s)->ops->status_put((s), __VA_ARGS__))
#define store_status_get(s, ...)          ((s)->ops->status_get((s), __VA_ARGS__))
#define store_setting_set(s, ...)         ((s)->ops->setting_set((s), __VA_ARGS__))
#define store_setting_get(s, ...)         ((s)->ops->setting_get((s), __VA_ARGS__))
#define store_audit_append(s, ...)        ((s)->ops->audit_append((s), __VA_ARGS__))
#define store_audit_list(s, ...)          ((s)->ops->audit_list((s), __VA_ARGS__))
#define store_credit_add(s, ...)          ((s)->ops->credit_add((s), __VA_ARGS__))
#define store_credit_list(s, ...)         ((s)->ops->credit_list((s), __VA_ARGS__))
#define store_credit_sum(s, ...)          ((s)->ops->credit_sum((s), __VA_ARGS__))
#define store_provenance_list(s, ...)     ((s)->ops->provenance_list((s), __VA_ARGS__))
#define store_put_objects_then(s, ...)    ((s)->ops->put_objects_then((s), __VA_ARGS__))
#define store_write_tx(s, ...)            ((s)->ops->write_tx((s), __VA_ARGS__))
#define store_scope_rewrite(s, ...)       ((s)->ops->scope_rewrite((s), __VA_ARGS__))
#define store_observable_since(s, ...)    ((s)->ops->observable_since((s), __VA_ARGS__))
#define store_observable_reports(s, ...)  ((s)->ops->observable_reports((s), __VA_ARGS__))
#define store_record_put(s, ...)          ((s)->ops->record_put((s), __VA_ARGS__))
#define store_record_get(s, ...)          ((s)->ops->record_get((s), __VA_ARGS__))
#define store_record_list(s, ...)         ((s)->ops->record_list((s), __VA_ARGS__))
#define store_record_delete(s, ...)       ((s)->ops->record_delete((s), __VA_ARGS__))
#define store_event_append(s, ...)        ((s)->ops->event_append((s), __VA_ARGS__))
#define store_event_since(s, ...)         ((s)->ops->event_since((s), __VA_ARGS__))
/* Monitoring. */
#define store_stats(s, ...) ((s)->ops->stats((s), __VA_ARGS__))

#endif /* RK_STORE_H */
