/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_int.h: internals of the SQLite backend, shared by sqlite*.c only. One writer
 * connection behind a mutex, lazily opened per-thread reader connections, and a prepared
 * statement cache per connection.
 */
#ifndef RK_STORE_SQLITE_INT_H
#define RK_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store/backends.h"
#include "store/store.h"

struct store_sqlite;
struct store_sq_job;

/* One cached prepared statement of a connection. */
struct store_sq_stmt {
    char *sql;                  /* the SQL text, the cache key */
    sqlite3_stmt *stmt;         /* prepared statement */
    bool in_use;                /* handed out and not yet released */
    struct store_sq_stmt *next; /* next entry, most recently used first */
};

/* One SQLite connection and its statement cache; used by one thread at a time. */
struct store_sq_conn {
    sqlite3 *db;                 /* the connection */
    struct store_sqlite *owner;  /* the store it belongs to */
    struct store_sq_stmt *stmts; /* statement cache, most recently used first */
    size_t n_stmts;              /* entries in stmts */
    char coll_uuid[64];          /* last collection key looked up here ("" none) */
    int64_t coll_k;              /* its key: keys are never reused or changed */
    struct store_sq_conn *next;  /* next reader connection of the store */
    struct store_sq_conn *prev;  /* previous reader connection of the store */
};

/*
 * The writer's set of the hashes of every stored STIX id (sqlite_idset.c): lets a put know
 * an id is new to the hub without an index probe. Only used under write_mu.
 */
struct store_sq_idset {
    uint64_t *slots;      /* open addressing, 0 = empty; cap is a power of two */
    size_t cap;           /* slots */
    size_t n;             /* hashes held */
    bool valid;           /* built and current (else every put probes) */
    bool given_up;        /* past STORE_SQ_IDSET_MAX_SLOTS: not rebuilt again */
    int64_t data_version; /* the writer's PRAGMA data_version when it was checked last */
    unsigned builds;      /* how many times it was built (for tests) */
};

/*
 * The columns of objects that a put writes, in the order rk_rows (sqlite_rows.c) yields
 * them: put_objects stores the rows it decided on with one INSERT INTO objects(...) SELECT
 * ... FROM rk_rows(?1), ?1 bound with sqlite3_bind_pointer(..., STORE_SQ_ROWS_PTR, NULL).
 */
#define STORE_SQ_ROWS_COLUMNS                                                                      \
    "date_added, coll, id, version, type, spec_version, is_first, is_last, json, tlp, "            \
    "source_org, source_sector, scope, recipients, joins, rule, pos, idh, prov, prov_token, "      \
    "prov_anonymity, prov_actions, prov_cut_off, prov_cut_len, tkey, vform"
#define STORE_SQ_ROWS_PTR "rk_rows"

/*
 * objects.tkey (migration 10), the key of objects_last_type: coll << 32 | the low 32 bits of
 * store_sq_id_hash(type), from C (store_sq_tkey) or from SQL, where rk_idh is
 * store_sq_id_hash (every connection of the store registers it). coll and type are SQL
 * expressions.
 */
#define STORE_SQ_TKEY_SQL(coll, type) "((" coll ") << 32 | (rk_idh(" type ") & 4294967295))"
int64_t store_sq_tkey(int64_t coll, const char *type);
/* The same from the type's hash already taken: (uint32_t)store_sq_id_hash(type). */
static inline int64_t store_sq_tkey_of(int64_t coll, uint32_t type_h)
{
    return (int64_t)((uint64_t)coll << 32 | type_h);
}

/*
 * What a put's row needs that follows from the put alone, worked out before the write lock
 * (store_sq_puts_prep) so that the serial section does not: the id's hash, the type's for
 * tkey, the token as bytes, the cut's check and the lengths of the strings rk_rows yields.
 */
enum store_sq_prep_str {
    STORE_SQ_STR_ID,
    STORE_SQ_STR_TYPE,
    STORE_SQ_STR_SPEC_VERSION,
    STORE_SQ_STR_SOURCE_ORG,
    STORE_SQ_STR_SOURCE_SECTOR,
    STORE_SQ_STR_SCOPE,
    STORE_SQ_STR_RECIPIENTS,
    STORE_SQ_STR_JOINS,
    STORE_SQ_STR_RULE,
    STORE_SQ_STR_ACTIONS,
    STORE_SQ_STR_COUNT
};
struct store_sq_prep {
    int64_t idh;                         /* store_sq_id_hash(id) */
    int vform;                           /* objects.vform of a NEW row with the put's version */
    uint32_t type_h;                     /* its low 32 bits for type (store_sq_tkey_of) */
    bool cut_ok;                         /* a derived original's cut lies inside json */
    int token_len;                       /* bytes of token; -1: provenance not in the row */
    unsigned char token[64];             /* the token hash as bytes (migration 7) */
    const char *str[STORE_SQ_STR_COUNT]; /* the put's strings, NULL as "" ("[]" for actions) */
    int str_len[STORE_SQ_STR_COUNT];     /* their lengths */
};

/* 0, or the error of puts that put_objects cannot take (no collection, a field missing). */
int store_sq_puts_check(const char *collection_id, const struct store_put *puts, size_t n,
                        struct rk_err *err);
/* Fills prep[i] for puts[i], i < n (checked); runs on the caller's thread, before the write
 * lock. */
void store_sq_puts_prep(const struct store_put *puts, struct store_sq_prep *prep, size_t n);

/* One object row decided on and not yet inserted. */
struct store_sq_row {
    const struct store_put *put;      /* json, tlp, provenance numbers */
    const struct store_sq_prep *prep; /* strings, hashes, token */
    int64_t added;                    /* date_added */
    int64_t coll;                     /* collection key */
    int64_t version;                  /* the version recorded */
    int64_t pos;                      /* rowid */
    bool is_first, is_last;           /* the row's flags */
};

/* Rows for rk_rows, in insertion order. */
struct store_sq_rows {
    struct store_sq_row *v;
    size_t n, cap;
};

/* A table-valued function that feeds a container of C rows into SQL (sqlite_feed.c): its
 * schema (the columns, then a last "src HIDDEN" at src_col), the pointer type ?1 is bound
 * with, its xColumn, which reads the cursor's rows (the container) at i, and the count of rows
 * in a container. */
struct store_sq_feed_cursor;
struct store_sq_feed {
    const char *schema;
    int src_col;
    const char *ptr_type;
    int (*column)(const struct store_sq_feed_cursor *c, sqlite3_context *ctx, int col);
    size_t (*count)(const void *rows); /* rows in the container */
};
struct store_sq_feed_cursor {
    sqlite3_vtab_cursor base;
    const struct store_sq_feed *spec;
    const void *rows; /* the container bound to ?1; NULL: nothing bound */
    size_t i;         /* the current row */
};
/* Registers spec (which must live as long as db) as the eponymous virtual table name on db.
 * SQLITE_OK or SQLite's error. */
int store_sq_register_feed(sqlite3 *db, const char *name, const struct store_sq_feed *spec);

/* Registers rk_rows on the writer connection db; SQLITE_OK or SQLite's error. */
int store_sq_register_rows(sqlite3 *db);

/*
 * The VFS every connection of the store opens with (sqlite_walbuf.c): the default one, except
 * that appends to a WAL file are gathered into one write per commit. Registered once per
 * process by store_sqlite_open; 0 or SQLite's error (the connections then use the default).
 */
#define STORE_SQ_WALBUF_VFS "renkei-walbuf"
int store_sq_walbuf_register(void);

/* 2^24 slots (128 MiB, about 11.7 million ids at load 0.7) at most. */
#define STORE_SQ_IDSET_MAX_SLOTS ((size_t)1 << 24)

/* Inside a write transaction on c (the writer): makes the set current, building it from
 * the objects table if it is not built yet or another connection committed since. */
int store_sq_idset_ready(struct store_sq_idset *set, struct store_sq_conn *c, struct rk_err *err);
/*
 * The 64-bit hash of a STIX id that objects rows carry in idh (migration 6) and that
 * objects_version is keyed by: (idh, coll, version) (migration 8). Every lookup by id matches both
 * idh = ? AND id = ? (two ids may share a hash). The set above uses the same hash.
 */
int64_t store_sq_id_hash(const char *id);
/* Registers rk_idh(id) (store_sq_id_hash) on a connection; SQLITE_OK or its error. */
int store_sq_register_idh(sqlite3 *db);
/* Registers rk_joins_distinct(joins) (sqlite_joins.c: each space-separated id once, in the
 * order met) on the writer connection, for migration 11; SQLITE_OK or its error. */
int store_sq_register_joins(sqlite3 *db);
/* Registers rk_time_form(text) and rk_time_us(text) (sqlite_time.c) on the writer connection,
 * for migration 15; SQLITE_OK or its error. */
int store_sq_register_time(sqlite3 *db);
/* Whether the id whose store_sq_id_hash is idh is certainly not stored anywhere in the hub
 * (false when the set is not valid). The caller hashes once for the set and the index. */
bool store_sq_idset_unseen(const struct store_sq_idset *set, int64_t idh);
/* Records the id whose hash is idh as stored (a no-op when the set is not valid). */
void store_sq_idset_add(struct store_sq_idset *set, int64_t idh);
void store_sq_idset_free(struct store_sq_idset *set);

/* The SQLite store handle. */
struct store_sqlite {
    struct store base;             /* ops table; must come first */
    char *path;                    /* database file */
    pthread_mutex_t write_mu;      /* serialises every write on writer */
    struct store_sq_conn *writer;  /* the one read-write connection */
    rk_time_us last_added;         /* largest date_added handed out; under write_mu. 0 at open:
                                      put_objects first raises it to the file's largest */
    pthread_key_t reader_key;      /* this thread's reader connection */
    pthread_mutex_t readers_mu;    /* guards readers */
    struct store_sq_conn *readers; /* every open reader connection */
    /* Background checkpointer: the writer never checkpoints inside a commit (its WAL hook
     * only signals), a thread with its own connection runs PASSIVE checkpoints. */
    pthread_t ckpt_thread;        /* the checkpointer */
    bool ckpt_started;            /* ckpt_thread runs and must be joined */
    pthread_mutex_t ckpt_mu;      /* guards the three fields below */
    pthread_cond_t ckpt_cv;       /* signalled when a checkpoint is due or at close */
    bool ckpt_due;                /* the WAL passed ckpt_frames */
    bool ckpt_stop;               /* store_close: the thread ends */
    struct store_sq_conn *ckpter; /* the checkpointer's connection */
    int ckpt_frames;              /* STORE_SQ_CKPT_BYTES in this store's pages */
    int ckpt_force_frames;        /* STORE_SQ_CKPT_FORCE_BYTES in this store's pages */
    int ckpt_mark;                /* WAL frames when the checkpointer was last woken; under
                                     write_mu (the WAL hook) */
    unsigned ckpt_forced;         /* RESTART checkpoints the writer forced (test_wal) */
    struct store_sq_idset idset;  /* every stored id, for puts; under write_mu */
    /* Durability (sqlite_sync.c): the writer commits with synchronous=NORMAL (no fsync in
     * the COMMIT, so none under write_mu); a write is acknowledged only after
     * store_sq_durable synced the WAL past its commit. */
    _Atomic uint64_t commit_gen; /* the writer's commits so far (counted by its WAL hook) */
    pthread_mutex_t sync_mu;     /* guards the four fields below */
    pthread_cond_t sync_cv;      /* broadcast when a sync ends */
    uint64_t synced_gen;         /* every commit up to this one is on disk */
    bool syncing;                /* a thread is in fdatasync for the others */
    int sync_errno;              /* a failed sync (sticky: nothing is acknowledged after) */
    int wal_fd;                  /* our own descriptor of the WAL file, -1 until needed */
    /* Group commit of put_objects_then (sqlite_ingest.c): callers queue their job; one of
     * them at a time leads, running every queued job in one transaction. */
    pthread_mutex_t group_mu;         /* guards the three fields below */
    pthread_cond_t group_cv;          /* broadcast when a batch is done */
    struct store_sq_job *group_queue; /* jobs waiting for a leader, oldest first */
    bool group_leading;               /* a caller is running a batch */
};

/*
 * The page size of a new store: SQLite's 4 KiB. Each insert into objects_version lands at a
 * random leaf, so a commit rewrites a whole page per new object once the index has more
 * leaves than an envelope has objects; with 16 KiB pages (2026-11-21 to 22) that was four
 * times the WAL bytes, checksums and checkpoint copies, and at a million objects it
 * dominated: 4 KiB ingests the last 300,000 of a million synthetic indicators at 30.4-30.5k
 * objects/s against 22.3-26.0k, and is even on the real data (bench/README.md). A store
 * created with another page size keeps it (changing it needs a VACUUM).
 */
#define STORE_SQ_PAGE_SIZE 4096
/* New WAL bytes after which a commit wakes the checkpointer: 16,384,000, four times
 * SQLite's default of 1000 4 KiB pages. A PASSIVE checkpoint writes each page changed since
 * the last one once, however many commits changed it, so fewer checkpoints write less
 * (the real-data ingest of bench/ingest.py wrote 108 MB to the database file with 4 MB,
 * 69 MB with 16 MB). */
#define STORE_SQ_CKPT_BYTES (4000 * 4096)
/*
 * WAL bytes past which the writer, right after its commit and still holding the write
 * mutex, runs a RESTART checkpoint itself: under a steady stream of commits the background
 * PASSIVE checkpoints never catch up with the end of the WAL, so it would never restart and
 * grow without bound (seen: 12.9 GB of WAL for 334 MB of objects).
 */
#define STORE_SQ_CKPT_FORCE_BYTES (4 * STORE_SQ_CKPT_BYTES)

/* Sets err from a SQLite result code: RK_E_IO for I/O, full disk and cannot-open errors,
 * RK_E_DB otherwise, with what (a short context) and sqlite3_errmsg. Returns the code. */
int store_sq_err(struct rk_err *err, sqlite3 *db, int rc, const char *what);

/* Opens a connection on path with the hub's pragmas. readonly readers set query_only. */
int store_sq_conn_open(struct store_sqlite *s, bool reader, struct store_sq_conn **out,
                       struct rk_err *err);
/* Finalises every cached statement and closes the connection; NULL is a no-op. */
void store_sq_conn_close(struct store_sq_conn *c);

/* This thread's reader connection, opened on first use. */
int store_sq_reader(struct store_sqlite *s, struct store_sq_conn **out, struct rk_err *err);

/* Locks the writer and returns its connection; pair with store_sq_writer_done. */
struct store_sq_conn *store_sq_writer_lock(struct store_sqlite *s);

/*
 * Durability (sqlite_sync.c). The writer's COMMIT writes the WAL but does not fsync it
 * (synchronous=NORMAL), so the write lock is not held across the fsync; the next writer
 * runs while the disk syncs. store_sq_commit_counted, from the writer's WAL hook, notes
 * each commit as this thread's; store_sq_durable then waits until the WAL is synced past
 * this thread's last commit (one fdatasync for every commit made before it started: group
 * sync), and fails if a sync failed. A write op acknowledges nothing before it returned 0.
 */
void store_sq_commit_counted(struct store_sqlite *s);
int store_sq_durable(struct store_sqlite *s, struct rk_err *err);
/* Ends a write op: unlocks the writer, then, if rc is 0, waits for its commit to be on
 * disk (store_sq_durable). Returns rc, or the sync's failure. Inside an enclosing
 * transaction only unlocks (nothing was committed yet). */
int store_sq_writer_done(struct store_sqlite *s, int rc, struct rk_err *err);
/* Sets up and tears down what store_sq_durable needs; store open and close. */
void store_sq_sync_init(struct store_sqlite *s);
void store_sq_sync_fini(struct store_sqlite *s);

/*
 * An enclosing write transaction (for store ops made of other
 * ops): locks the writer, runs BEGIN IMMEDIATE and returns the writer in *out. Until
 * store_sq_tx_end, on this thread only, the writer lock is re-entrant and the BEGIN/COMMIT
 * of the ops called inside (put_objects, credit_add, audit_append...) are no-ops, so all
 * of them share one commit and one fsync. An op that fails inside rolls everything back
 * (its error path runs ROLLBACK); later BEGINs and store_sq_tx_end(commit) then fail
 * instead of writing in autocommit mode. Does not nest. store_sq_tx_end commits (or, with
 * commit false or after a failure, rolls back) and unlocks; returns 0 once committed, but
 * the commit is not yet on disk: the caller acknowledges nothing before store_sq_durable.
 */
int store_sq_tx_enclose(struct store_sqlite *s, struct store_sq_conn **out, struct rk_err *err);
int store_sq_tx_end(struct store_sqlite *s, bool commit, struct rk_err *err);
/* Whether this thread is inside an enclosing transaction (of any store). */
bool store_sq_in_enclosing(void);

/*
 * Returns a prepared statement for sql from c's cache (preparing it if needed). The
 * statement belongs to the cache: hand it back with store_sq_release, which resets it and
 * clears its bindings. A statement in use is never handed out twice, so nested queries on
 * one connection (a filter callback that reads the store) get their own copy.
 */
int store_sq_prepare(struct store_sq_conn *c, const char *sql, sqlite3_stmt **out,
                     struct rk_err *err);
void store_sq_release(struct store_sq_conn *c, sqlite3_stmt *st);

/* Runs a statement without results (BEGIN, COMMIT...) on c. */
int store_sq_exec(struct store_sq_conn *c, const char *sql, struct rk_err *err);

/* The SQL of migration version (1-based), or NULL past the last one. For the migration
 * tests, which build a database as an older renkei left it. */
const char *store_sq_migration_sql(int version);

/* Creates or migrates the schema up to the current user_version, on the writer. */
int store_sq_schema_migrate(struct store_sq_conn *c, struct rk_err *err);

/* Appends to sql the SELECT that store_sq_query runs for q (?1 collection key, ?2 the
 * cursor: date_added, or pos for latest versions without ids, ?3 the chunk size, filters
 * from ?4). Exposed for query-plan tests. When store_sq_query_two_ranges(q) (every version,
 * no ids), that is the statement of the latest versions' range, and
 * store_sq_query_older_sql the one of the older versions' range; the query merges both. */
void store_sq_query_sql(const struct store_query *q, struct rk_buf *sql);
/* With observables, store_sq_query_sql is the statement of one candidate's version (?2 its
 * date_added, ?3 its opos) and this the candidates' (?1 the collection key, ?2 the date_added
 * cursor, ?3 the chunk size, the observables' terms from ?4). */
void store_sq_query_obs_sql(const struct store_query *q, struct rk_buf *sql);
void store_sq_query_older_sql(const struct store_query *q, struct rk_buf *sql);
bool store_sq_query_two_ranges(const struct store_query *q);

/*
 * The largest date_added handed out that the file still records (0 if none): of the objects
 * (the row of each collection with the largest seq, seq order being date_added order: one
 * rowid seek per range of each collection, migration 9) and of provenance (its key), which
 * keeps the date_added of deleted versions. Without the latter, a restart after deleting the
 * newest object with the clock behind it could hand that date_added out again, and the
 * provenance row of the new version would collide with the old one's key.
 */
#define STORE_SQ_MAX_ADDED_SQL                                                                     \
    "SELECT MAX(IFNULL((SELECT MAX(max(IFNULL((SELECT date_added FROM objects WHERE pos >= "       \
    "k.k << 40 AND pos < (k.k << 40) + (1 << 39) ORDER BY pos DESC LIMIT 1), 0), "                 \
    "IFNULL((SELECT date_added FROM objects WHERE pos >= (k.k << 40) + (1 << 39) AND pos < "       \
    "(k.k + 1) << 40 ORDER BY pos DESC LIMIT 1), 0))) FROM coll_keys AS k), 0), "                  \
    "IFNULL((SELECT MAX(date_added) FROM provenance), 0))"

/*
 * Marks (migration 9): the partial index objects_marks (coll, date_added) holds the rows whose
 * seq is a multiple of 64, the only entry point from a date_added to a seq (store_sq_seq_at).
 * This is the seek of the last mark of collection ?1 added at or before ?2: its WHERE repeats
 * the index's, "(pos & 63) = 0", which the text of migration 9 fixes. Exposed for query-plan
 * tests.
 */
#define STORE_SQ_MARK_AT_SQL                                                                       \
    "SELECT pos FROM objects INDEXED BY objects_marks WHERE coll = ?1 AND date_added <= ?2 AND "   \
    "(pos & 63) = 0 ORDER BY date_added DESC LIMIT 1"

/* The access columns of objects, in the order store_sq_access_fill reads them. */
#define STORE_SQ_ACCESS_COLS "tlp, source_org, source_sector, scope, recipients, joins, rule"

/* Fills a from the STORE_SQ_ACCESS_COLS of st's current row, starting at column first; the
 * strings are valid until the statement steps or resets. */
void store_sq_access_fill(sqlite3_stmt *st, int first, struct store_access *a);

/* find_object's SELECT (?1 the STIX id). There is no index on objects(id) (it would slow
 * ingest): the few collections drive one probe of objects_version (idh, coll, version) each;
 * CROSS JOIN keeps that loop order. ?1 the id, ?2 its store_sq_id_hash. Exposed for
 * query-plan tests. */
#define STORE_SQ_FIND_OBJECT_SQL                                                                   \
    "SELECT o.date_added, o.id, o.type, o.spec_version, o.version, k.uuid, o.tlp, "                \
    "o.source_org, o.source_sector, o.scope, o.recipients, o.joins, o.rule, o.vform "              \
    "FROM coll_keys AS k CROSS JOIN objects AS o INDEXED BY objects_version "                      \
    "ON o.coll = k.k AND o.idh = ?2 AND o.id = ?1 ORDER BY o.date_added"

/* provenance_list's SELECT (?1 the STIX id, ?2 its store_sq_id_hash; migration 5). Provenance has
 * no index on id: the rows of versions that exist come from them (one probe of objects_version per
 * collection, then provenance by its key, date_added; the object's json rebuilds a derived
 * original), those of deleted versions from provenance_gone, and since migration 7 the versions
 * that carry their provenance in their row (prov = 1) give it themselves (the third SELECT,
 * same columns: a derived original). Exposed for query-plan tests. */
#define STORE_SQ_PROVENANCE_LIST_SQL                                                               \
    "SELECT p.date_added, p.coll_uuid, p.id, p.version, p.org_id, p.token_hash, p.anonymity, "     \
    "p.received, p.original, p.actions, p.derived, p.cut_off, p.cut_len, "                         \
    "CASE WHEN p.derived THEN o.json END "                                                         \
    "FROM coll_keys AS k CROSS JOIN objects AS o INDEXED BY objects_version "                      \
    "CROSS JOIN provenance AS p ON o.coll = k.k AND o.idh = ?2 AND o.id = ?1 AND "                 \
    "p.date_added = o.date_added "                                                                 \
    "AND p.id = o.id AND p.coll_uuid = k.uuid "                                                    \
    "UNION ALL "                                                                                   \
    "SELECT p.date_added, p.coll_uuid, p.id, p.version, p.org_id, p.token_hash, p.anonymity, "     \
    "p.received, p.original, p.actions, p.derived, p.cut_off, p.cut_len, NULL "                    \
    "FROM provenance_gone AS g CROSS JOIN provenance AS p ON g.id = ?1 "                           \
    "AND p.date_added = g.date_added AND p.id = g.id "                                             \
    "UNION ALL "                                                                                   \
    "SELECT o.date_added, k.uuid, o.id, o.version, o.source_org, lower(hex(o.prov_token)), "       \
    "o.prov_anonymity, o.date_added, X'', o.prov_actions, 1, o.prov_cut_off, o.prov_cut_len, "     \
    "o.json FROM coll_keys AS k CROSS JOIN objects AS o INDEXED BY objects_version "               \
    "ON o.coll = k.k AND o.idh = ?2 AND o.id = ?1 AND o.prov = 1 ORDER BY 1"

/* Operations implemented in sqlite_objects.c and sqlite_entities.c. */
int store_sq_put_objects(struct store *s, const char *collection_id, struct store_put *puts,
                         size_t n, struct rk_err *err);
/* put_objects with prep already filled (store_sq_puts_prep) for puts; store_sq_put_objects
 * is this after working out prep itself. */
int store_sq_put_prepped(struct store_sqlite *s, const char *collection_id, struct store_put *puts,
                         const struct store_sq_prep *prep, size_t n, struct rk_err *err);
int store_sq_query(struct store *s, const struct store_query *q, store_filter_fn filter,
                   void *filter_ctx, store_row_fn fn, void *fn_ctx, struct store_page *page,
                   struct rk_err *err);
int store_sq_delete_object(struct store *s, const struct store_query *q, size_t *deleted,
                           struct rk_err *err);
int store_sq_count_objects(struct store *s, const char *collection_id, int64_t *count,
                           struct rk_err *err);
int store_sq_org_add(struct store *s, const struct store_org *org, struct rk_err *err);
int store_sq_org_get(struct store *s, const char *id_or_name, struct store_org *out,
                     struct rk_err *err);
int store_sq_org_list(struct store *s, struct store_org **out, size_t *n, struct rk_err *err);
int store_sq_token_add(struct store *s, const struct store_token *t, struct rk_err *err);
int store_sq_token_list(struct store *s, struct store_token **out, size_t *n, struct rk_err *err);
int store_sq_token_remove(struct store *s, const char *hash, struct rk_err *err);
int store_sq_token_get(struct store *s, const char *hash, struct store_token *out,
                       struct rk_err *err);
int store_sq_collection_add(struct store *s, const struct store_collection *c, struct rk_err *err);
int store_sq_collection_get(struct store *s, const char *id, struct store_collection *out,
                            struct rk_err *err);
int store_sq_collection_list(struct store *s, struct store_collection **out, size_t *n,
                             struct rk_err *err);
int store_sq_status_put(struct store *s, const struct store_status *st, struct rk_err *err);
int store_sq_status_get(struct store *s, const char *id, struct store_status *out,
                        struct rk_err *err);
int store_sq_setting_set(struct store *s, const char *key, const char *value, struct rk_err *err);
int store_sq_setting_get(struct store *s, const char *key, char **value, struct rk_err *err);

/* Audit log, credit ledger, provenance and lookups across collections, in sqlite_policy.c. */
int store_sq_audit_append(struct store *s, struct store_audit *e, store_audit_hash_fn hash_fn,
                          struct rk_err *err);
int store_sq_audit_list(struct store *s, int64_t after_seq, size_t limit, const char *org_id,
                        store_audit_fn fn, void *ctx, struct rk_err *err);
int store_sq_credit_add(struct store *s, const struct store_credit *c, size_t n,
                        struct rk_err *err);
int store_sq_credit_list(struct store *s, const char *org_id, store_credit_fn fn, void *ctx,
                         struct rk_err *err);
int store_sq_provenance_list(struct store *s, const char *id, store_provenance_fn fn, void *ctx,
                             struct rk_err *err);
int store_sq_find_object(struct store *s, const char *id, store_row_fn fn, void *ctx,
                         struct rk_err *err);
int store_sq_org_count_sector(struct store *s, const char *sector, int64_t *count,
                              struct rk_err *err);
int store_sq_credit_sum(struct store *s, const char *org_id, const char *kind, int64_t *points,
                        struct rk_err *err);

/* The observable index (migration 18), in sqlite_observables.c. */
/* 0, or RK_E_INVALID when one of the n observables has no key or a prefix over 128. */
int store_sq_obs_check(const struct store_observable *obs, size_t n, struct rk_err *err);
/* One index row decided on by a put, not inserted yet. */
struct store_sq_obs_row {
    const struct store_put *put;        /* id and access metadata */
    const struct store_observable *obs; /* key and range */
    int64_t coll, opos;                 /* collection key, objects pos without its is_last bit */
    int64_t added;                      /* the version's date_added */
};
struct store_sq_obs_rows {
    struct store_sq_obs_row *v;
    size_t n, cap;
};
/* Adds the index rows of p, a NEW version stored at added in collection key coll at opos, to
 * rows; store_sq_obs_flush inserts them with one statement (rk_obs) and empties rows. Inside
 * the put's transaction; the puts must outlive the flush. */
void store_sq_obs_add(struct store_sq_obs_rows *rows, const struct store_put *p, int64_t coll,
                      int64_t opos, rk_time_us added);
int store_sq_obs_flush(struct store_sq_conn *c, struct store_sq_obs_rows *rows, struct rk_err *err);
/* Registers rk_obs on the writer connection db; SQLITE_OK or SQLite's error. */
int store_sq_register_obs(sqlite3 *db);
/* Appends "(...)", the terms an observables row matches one of the n observables by (its
 * key; a ranged one's overlapping ranges), numbering parameters from first_param; the text
 * depends only on n, which are ranged and their prefixes. store_sq_obs_match_bind binds
 * them in the same order. */
void store_sq_obs_match_sql(const struct store_observable *obs, size_t n, struct rk_buf *sql,
                            int first_param);
void store_sq_obs_match_bind(sqlite3_stmt *st, const struct store_observable *obs, size_t n,
                             int first_param);
int store_sq_record_put(struct store *s, const struct store_record *r, struct rk_err *err);
int store_sq_record_get(struct store *s, const char *kind, const char *id, store_record_fn fn,
                        void *ctx, struct rk_err *err);
int store_sq_record_list(struct store *s, const char *kind, const char *org_id, store_record_fn fn,
                         void *ctx, struct rk_err *err);
int store_sq_record_delete(struct store *s, const char *kind, const char *id, struct rk_err *err);
int store_sq_event_append(struct store *s, struct store_event *evs, size_t n, struct rk_err *err);
int store_sq_event_since(struct store *s, const char *org_id, int64_t after_seq, size_t limit,
                         store_event_fn fn, void *ctx, struct rk_err *err);
int store_sq_observable_since(struct store *s, int64_t after_seq, size_t limit,
                              store_observable_fn fn, void *ctx, struct rk_err *err);
int store_sq_observable_reports(struct store *s, const struct store_observable *obs,
                                rk_time_us since, store_observable_fn fn, void *ctx,
                                struct rk_err *err);

/* Batch operations of ingest, in sqlite_ingest.c. */
int store_sq_first_other_sources(struct store *s, const char *org_id, const char *const *ids,
                                 size_t n, char (*out)[RK_UUID_LEN], struct rk_err *err);
int store_sq_put_objects_then(struct store *s, const char *collection_id, struct store_put *puts,
                              size_t n, store_then_fn then, void *ctx, struct rk_err *err);

/* Changing entities: org_update and collection_update in sqlite_entities.c, the rest in
 * sqlite_change.c. */
int store_sq_org_update(struct store *s, const struct store_org *org, struct rk_err *err);
int store_sq_collection_update(struct store *s, const struct store_collection *c,
                               struct rk_err *err);
int store_sq_collection_remove(struct store *s, const char *id, bool purge, int64_t *purged,
                               struct rk_err *err);
int store_sq_scope_rewrite(struct store *s, store_scope_fn fn, void *ctx, int64_t *changed,
                           struct rk_err *err);
int store_sq_write_tx(struct store *s, store_tx_fn fn, void *ctx, struct rk_err *err);
int store_sq_stats(struct store *s, struct store_stats *out, struct rk_err *err); /* stats.c */

/* Objects shared by puts (sqlite_put.c) and queries (sqlite_objects.c). */
/*
 * The rowid of objects (migration 3): pos = coll << POS_COLL_SHIFT | is_last bit | seq, seq
 * numbering a collection's rows in date_added order. The latest versions of a collection are
 * the range (coll << 40 | POS_LAST, coll << 40 | POS_MASK], in date_added order.
 */
#define POS_COLL_SHIFT 40
#define POS_LAST       ((int64_t)1 << 39)
#define POS_SEQ        (POS_LAST - 1)
#define POS_MASK       (((int64_t)1 << POS_COLL_SHIFT) - 1)
/* Collection keys must fit in the 23 bits above the seq. */
#define POS_COLL_MAX (((int64_t)1 << (63 - POS_COLL_SHIFT)) - 1)

/* Looks up (or with create, adds) the integer key of a collection; *k = -1 if absent. */
int store_sq_coll_key(struct store_sq_conn *c, const char *uuid, bool create, int64_t *k,
                      struct rk_err *err);
/* Runs a statement that returns no rows and releases it. */
int store_sq_step_done(struct store_sq_conn *c, sqlite3_stmt *st, const char *what,
                       struct rk_err *err);
/* The seq of coll's last row (0 if none), or of its last row added at or before added. */
int store_sq_seq_at(struct store_sq_conn *c, int64_t coll, rk_time_us added, int64_t *seq,
                    struct rk_err *err);

#endif /* RK_STORE_SQLITE_INT_H */
