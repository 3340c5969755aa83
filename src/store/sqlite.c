/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite.c: the SQLite backend's connections. One writer connection, serialised by a
 * mutex, does every write; each thread that reads gets its own reader connection (WAL lets
 * readers run beside the writer). Statements are prepared once per connection and cached.
 * A checkpointer thread keeps WAL checkpoints out of the writer's commits.
 *
 * Envelopes that arrive together are committed together (group commit, sqlite_ingest.c):
 * the caller that finds no batch running leads one for everybody queued, rather than a
 * dedicated writer thread; docs/internals/store.md says why.
 */
#include "sqlite_int.h"

#include <stdlib.h>
#include <string.h>

/* A number macro as an SQL literal. */
#define SQ_STR_(x) #x
#define SQ_STR(x)  SQ_STR_(x)

#define STORE_SQ_BUSY_TIMEOUT_MS 10000
#define STORE_SQ_CACHE_MAX       64 /* cached statements per connection */

static const struct store_ops store_sq_ops;

int store_sq_err(struct rk_err *err, sqlite3 *db, int rc, const char *what)
{
    int prim = rc & 0xff;
    int code = RK_E_DB;
    if (prim == SQLITE_IOERR || prim == SQLITE_FULL || prim == SQLITE_CANTOPEN)
        code = RK_E_IO;
    return rk_err_set(err, code, "%s: %s", what,
                      db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/*
 * The store whose writer this thread holds in an enclosing transaction
 * (store_sq_tx_enclose), or NULL. Only the holding thread reads or writes its own copy, so
 * no lock guards it. While it is set, the writer lock is re-entrant for this thread and
 * BEGIN/COMMIT on that writer are no-ops: the ops called inside join the one transaction.
 */
static _Thread_local struct store_sqlite *tl_enclosing;

/* Whether sql on c is the BEGIN or COMMIT of an op that joins an enclosing transaction. */
static bool joins_enclosing(const struct store_sq_conn *c, const char *sql)
{
    return tl_enclosing != NULL && c == tl_enclosing->writer &&
           (strcmp(sql, "BEGIN IMMEDIATE") == 0 || strcmp(sql, "BEGIN") == 0 ||
            strcmp(sql, "COMMIT") == 0);
}

int store_sq_exec(struct store_sq_conn *c, const char *sql, struct rk_err *err)
{
    if (joins_enclosing(c, sql)) {
        /* A failed op inside rolled the whole transaction back (its error path runs
         * ROLLBACK): the ops after it must not run in autocommit mode. */
        if (sqlite3_get_autocommit(c->db))
            return rk_err_set(err, RK_E_DB, "%s: the enclosing transaction was rolled back", sql);
        return 0;
    }
    if (strchr(sql, ';') != NULL) {
        /* Several statements (a migration): run once, not worth caching. */
        int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return store_sq_err(err, c->db, rc, sql);
        return 0;
    }
    /* One statement (BEGIN, COMMIT...): prepared once per connection and cached, since
     * parsing it again cost every request a few thousand instructions. */
    sqlite3_stmt *st = NULL;
    int rc = store_sq_prepare(c, sql, &st, err);
    if (rc != 0)
        return rc;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, sql);
    store_sq_release(c, st);
    return rc;
}

/* STORE_SQ_WALBUF_VFS once registered (sq_config), else NULL: the default VFS. */
static const char *sq_vfs;

int store_sq_conn_open(struct store_sqlite *s, bool reader, struct store_sq_conn **out,
                       struct rk_err *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (!reader)
        flags |= SQLITE_OPEN_CREATE;
    struct store_sq_conn *c = rk_calloc(1, sizeof(*c));
    c->owner = s;
    int rc = sqlite3_open_v2(s->path, &c->db, flags, sq_vfs);
    if (rc != SQLITE_OK) {
        rk_err_set(err, RK_E_IO, "cannot open store at %s: %s", s->path,
                   c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, STORE_SQ_BUSY_TIMEOUT_MS);
    /* journal_mode=WAL is persistent in the file; the writer sets it, readers inherit. The
     * writer's commits do not fsync (synchronous=NORMAL): store_sq_durable syncs the WAL
     * after the write lock is released (sqlite_sync.c). The writer does not enforce foreign
     * keys: the schema's two are objects.coll, which every put takes from store_sq_coll_key
     * in its own transaction, and tokens.org_id, which token_add checks in its INSERT; the
     * check cost every stored object a seek of coll_keys under the write lock (1,000
     * instructions, callgrind). */
    const char *pragmas =
        reader ? "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;"
                 "PRAGMA query_only=ON; PRAGMA cache_size=-16000;"
               : "PRAGMA page_size=" SQ_STR(
                     STORE_SQ_PAGE_SIZE) "; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                         "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-32000;"
                                         "PRAGMA temp_store=MEMORY;"
                                         "PRAGMA journal_size_limit=67108864;";
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rk_err_set(err, (rc & 0xff) == SQLITE_NOTADB ? RK_E_DB : RK_E_IO,
                   "cannot open store at %s: %s", s->path, sqlite3_errmsg(c->db));
        goto fail;
    }
    /* rk_idh() for migrations and queries (sqlite_idset.c); rk_rows for puts
     * (sqlite_rows.c); rk_joins_distinct for migration 11 (sqlite_joins.c). */
    if ((rc = store_sq_register_idh(c->db)) != SQLITE_OK ||
        (!reader && (rc = store_sq_register_rows(c->db)) != SQLITE_OK) ||
        (!reader && (rc = store_sq_register_obs(c->db)) != SQLITE_OK) ||
        (!reader && (rc = store_sq_register_joins(c->db)) != SQLITE_OK) ||
        (!reader && (rc = store_sq_register_time(c->db)) != SQLITE_OK)) {
        rk_err_set(err, RK_E_DB, "cannot open store at %s: %s", s->path, sqlite3_errstr(rc));
        goto fail;
    }
    *out = c;
    return 0;
fail:
    store_sq_conn_close(c);
    return err != NULL ? err->code : RK_E_DB;
}

void store_sq_conn_close(struct store_sq_conn *c)
{
    if (c == NULL)
        return;
    struct store_sq_stmt *e = c->stmts;
    while (e != NULL) {
        struct store_sq_stmt *next = e->next;
        sqlite3_finalize(e->stmt);
        free(e->sql);
        free(e);
        e = next;
    }
    sqlite3_close_v2(c->db);
    free(c);
}

int store_sq_prepare(struct store_sq_conn *c, const char *sql, sqlite3_stmt **out,
                     struct rk_err *err)
{
    struct store_sq_stmt **pp = &c->stmts;
    struct store_sq_stmt *lru_free = NULL;
    struct store_sq_stmt **lru_pp = NULL;
    for (; *pp != NULL; pp = &(*pp)->next) {
        struct store_sq_stmt *e = *pp;
        if (!e->in_use && strcmp(e->sql, sql) == 0) {
            /* Move to the front so that eviction takes the least recently used. */
            *pp = e->next;
            e->next = c->stmts;
            c->stmts = e;
            e->in_use = true;
            *out = e->stmt;
            return 0;
        }
        if (!e->in_use) {
            lru_free = e;
            lru_pp = pp;
        }
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK)
        return store_sq_err(err, c->db, rc, "prepare");
    if (c->n_stmts >= STORE_SQ_CACHE_MAX && lru_free != NULL) {
        *lru_pp = lru_free->next;
        sqlite3_finalize(lru_free->stmt);
        free(lru_free->sql);
        free(lru_free);
        c->n_stmts--;
    }
    struct store_sq_stmt *e = rk_calloc(1, sizeof(*e));
    e->sql = rk_strdup(sql);
    e->stmt = st;
    e->in_use = true;
    e->next = c->stmts;
    c->stmts = e;
    c->n_stmts++;
    *out = st;
    return 0;
}

void store_sq_release(struct store_sq_conn *c, sqlite3_stmt *st)
{
    if (st == NULL)
        return;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (struct store_sq_stmt *e = c->stmts; e != NULL; e = e->next) {
        if (e->stmt == st) {
            e->in_use = false;
            return;
        }
    }
    sqlite3_finalize(st); /* not cached (cannot happen today), so ours to free */
}

/* Thread exit: close the thread's reader connection. */
static void reader_destroy(void *p)
{
    struct store_sq_conn *c = p;
    struct store_sqlite *s = c->owner;
    pthread_mutex_lock(&s->readers_mu);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->readers = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&s->readers_mu);
    store_sq_conn_close(c);
}

int store_sq_reader(struct store_sqlite *s, struct store_sq_conn **out, struct rk_err *err)
{
    struct store_sq_conn *c = pthread_getspecific(s->reader_key);
    if (c != NULL) {
        *out = c;
        return 0;
    }
    int rc = store_sq_conn_open(s, true, &c, err);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&s->readers_mu);
    c->next = s->readers;
    if (s->readers != NULL)
        s->readers->prev = c;
    s->readers = c;
    pthread_mutex_unlock(&s->readers_mu);
    pthread_setspecific(s->reader_key, c);
    *out = c;
    return 0;
}

struct store_sq_conn *store_sq_writer_lock(struct store_sqlite *s)
{
    if (tl_enclosing != s) /* else this thread holds it already (store_sq_tx_enclose) */
        pthread_mutex_lock(&s->write_mu);
    return s->writer;
}

/* Unlocks without waiting for anything to be on disk: only for this file's transaction
 * helpers, whose callers wait (store_sq_durable) themselves. */
static void store_sq_writer_unlock(struct store_sqlite *s)
{
    if (tl_enclosing != s)
        pthread_mutex_unlock(&s->write_mu);
}

int store_sq_writer_done(struct store_sqlite *s, int rc, struct rk_err *err)
{
    if (tl_enclosing == s)
        return rc; /* the enclosing transaction commits, and its owner waits for the sync */
    pthread_mutex_unlock(&s->write_mu);
    if (rc != 0)
        return rc;
    return store_sq_durable(s, err);
}

bool store_sq_in_enclosing(void)
{
    return tl_enclosing != NULL;
}

int store_sq_tx_enclose(struct store_sqlite *s, struct store_sq_conn **out, struct rk_err *err)
{
    if (tl_enclosing != NULL)
        return rk_err_set(err, RK_E_INTERNAL, "enclosing transactions do not nest");
    struct store_sq_conn *c = store_sq_writer_lock(s);
    int rc = store_sq_exec(c, "BEGIN IMMEDIATE", err);
    if (rc != 0) {
        store_sq_writer_unlock(s);
        return rc;
    }
    tl_enclosing = s;
    *out = c;
    return 0;
}

int store_sq_tx_end(struct store_sqlite *s, bool commit, struct rk_err *err)
{
    struct store_sq_conn *c = s->writer;
    int rc = 0;
    tl_enclosing = NULL;
    if (commit) {
        if (sqlite3_get_autocommit(c->db))
            rc = rk_err_set(err, RK_E_DB, "the enclosing transaction was rolled back");
        else
            rc = store_sq_exec(c, "COMMIT", err);
    }
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    store_sq_writer_unlock(s);
    return rc;
}

/*
 * The writer's WAL hook, called after each commit with the WAL's size in frames. It counts
 * the commit for store_sq_durable, and replaces SQLite's auto-checkpoint (which ran the checkpoint
 * inside the committing request): past ckpt_frames it only wakes the checkpointer thread.
 */
static int ckpt_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct store_sqlite *s = arg;
    store_sq_commit_counted(s);
    if (frames >= s->ckpt_force_frames) {
        /* The background PASSIVE checkpoints lost the race with a steady stream of commits.
         * Here the writer still holds the write mutex, so no other commit can slip in
         * between: checkpoint everything, wait for the readers (busy timeout), and the next
         * commit starts the WAL over. One request pays for it; the WAL stays bounded. */
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
        s->ckpt_forced++;
        return SQLITE_OK;
    }
    /* Wake the checkpointer once per ckpt_frames of new WAL, not after every commit past
     * the first ckpt_frames: each PASSIVE checkpoint writes every page changed since the
     * last one, so checkpointing after every commit wrote the pages that every commit
     * changes (the random inserts of objects_version) to the database file as often as to
     * the WAL. */
    if (frames < s->ckpt_mark)
        s->ckpt_mark = 0; /* the WAL started over */
    if (frames - s->ckpt_mark >= s->ckpt_frames) {
        s->ckpt_mark = frames;
        pthread_mutex_lock(&s->ckpt_mu);
        if (!s->ckpt_due) {
            s->ckpt_due = true;
            pthread_cond_signal(&s->ckpt_cv);
        }
        pthread_mutex_unlock(&s->ckpt_mu);
    }
    return SQLITE_OK;
}

/*
 * The checkpointer thread: a PASSIVE checkpoint whenever the hook says the WAL is long.
 * PASSIVE never waits for readers or the writer (it copies what it can), so no request
 * waits for it; the WAL restarts from its beginning at the next commit once everything
 * was copied. Under a steady stream of commits that may never happen; the hook then
 * forces a RESTART checkpoint itself (ckpt_force_frames). Durability does not
 * depend on any of it: commits are synced in the WAL.
 */
static void *ckpt_main(void *arg)
{
    struct store_sqlite *s = arg;
    pthread_mutex_lock(&s->ckpt_mu);
    for (;;) {
        while (!s->ckpt_due && !s->ckpt_stop)
            pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
        if (s->ckpt_stop)
            break;
        s->ckpt_due = false;
        pthread_mutex_unlock(&s->ckpt_mu);
        sqlite3_wal_checkpoint_v2(s->ckpter->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&s->ckpt_mu);
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    return NULL;
}

/* The checkpoint thresholds in frames of this store's page size (an older store may have
 * another page size than STORE_SQ_PAGE_SIZE). */
static int ckpt_thresholds(struct store_sqlite *s, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int page = 4096;
    int rc = store_sq_prepare(s->writer, "PRAGMA page_size", &st, err);
    if (rc != 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0)
        page = sqlite3_column_int(st, 0);
    store_sq_release(s->writer, st);
    s->ckpt_frames = STORE_SQ_CKPT_BYTES / page;
    s->ckpt_force_frames = STORE_SQ_CKPT_FORCE_BYTES / page;
    return 0;
}

/* Opens the checkpointer's connection, starts its thread and hooks the writer's commits. */
static int ckpt_start(struct store_sqlite *s, struct rk_err *err)
{
    int rc = ckpt_thresholds(s, err);
    if (rc != 0)
        return rc;
    rc = store_sq_conn_open(s, false, &s->ckpter, err);
    if (rc != 0)
        return rc;
    int prc = pthread_create(&s->ckpt_thread, NULL, ckpt_main, s);
    if (prc != 0)
        return rk_err_set(err, RK_E_INTERNAL, "cannot start the store checkpointer: %s",
                          strerror(prc));
    s->ckpt_started = true;
    sqlite3_wal_hook(s->writer->db, ckpt_hook, s);
    return 0;
}

/* Stops and joins the checkpointer; called before the writer closes. */
static void ckpt_stop(struct store_sqlite *s)
{
    if (s->ckpt_started) {
        pthread_mutex_lock(&s->ckpt_mu);
        s->ckpt_stop = true;
        pthread_cond_signal(&s->ckpt_cv);
        pthread_mutex_unlock(&s->ckpt_mu);
        pthread_join(s->ckpt_thread, NULL);
        s->ckpt_started = false;
    }
    store_sq_conn_close(s->ckpter);
    s->ckpter = NULL;
}

static void store_sq_close(struct store *base)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    ckpt_stop(s);
    pthread_mutex_lock(&s->readers_mu);
    /* Deleting the key first means no thread-exit destructor runs for these any more. */
    pthread_key_delete(s->reader_key);
    struct store_sq_conn *c = s->readers;
    while (c != NULL) {
        struct store_sq_conn *next = c->next;
        store_sq_conn_close(c);
        c = next;
    }
    s->readers = NULL;
    pthread_mutex_unlock(&s->readers_mu);
    if (s->writer != NULL) {
        /* Fold the WAL back into the main file so that a closed store is one file. */
        sqlite3_wal_checkpoint_v2(s->writer->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        store_sq_conn_close(s->writer);
    }
    pthread_cond_destroy(&s->ckpt_cv);
    pthread_mutex_destroy(&s->ckpt_mu);
    pthread_mutex_destroy(&s->readers_mu);
    pthread_mutex_destroy(&s->write_mu);
    pthread_cond_destroy(&s->group_cv);
    pthread_mutex_destroy(&s->group_mu);
    store_sq_idset_free(&s->idset);
    store_sq_sync_fini(s);
    free(s->path);
    free(s);
}

/*
 * Once per process, before SQLite's first use: no memory statistics. With them on (SQLite's
 * default) every sqlite3_malloc and free takes one process-wide mutex, which all the
 * threads' connections share; renkei never reads the statistics. If something initialised
 * SQLite earlier, the setting is refused and the default stays: slower, not wrong.
 */
static pthread_once_t sq_config_once = PTHREAD_ONCE_INIT;

static void sq_config(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)sqlite3_initialize();
    if (store_sq_walbuf_register() == SQLITE_OK)
        sq_vfs = STORE_SQ_WALBUF_VFS;
}

int store_sqlite_open(const char *path, struct store **out, struct rk_err *err)
{
    pthread_once(&sq_config_once, sq_config);
    if (path == NULL || path[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "cannot open store: empty path");
    if (!sqlite3_threadsafe())
        return rk_err_set(err, RK_E_DB, "cannot open store at %s: SQLite built without threads",
                          path);
    struct store_sqlite *s = rk_calloc(1, sizeof(*s));
    s->base.ops = &store_sq_ops;
    s->path = rk_strdup(path);
    pthread_mutex_init(&s->write_mu, NULL);
    pthread_mutex_init(&s->readers_mu, NULL);
    pthread_mutex_init(&s->ckpt_mu, NULL);
    pthread_cond_init(&s->ckpt_cv, NULL);
    pthread_mutex_init(&s->group_mu, NULL);
    pthread_cond_init(&s->group_cv, NULL);
    store_sq_sync_init(s);
    int krc = pthread_key_create(&s->reader_key, reader_destroy);
    if (krc != 0) {
        pthread_cond_destroy(&s->ckpt_cv);
        pthread_mutex_destroy(&s->ckpt_mu);
        pthread_mutex_destroy(&s->readers_mu);
        pthread_mutex_destroy(&s->write_mu);
        pthread_cond_destroy(&s->group_cv);
        pthread_mutex_destroy(&s->group_mu);
        store_sq_sync_fini(s);
        free(s->path);
        free(s);
        return rk_err_set(err, RK_E_INTERNAL, "cannot open store at %s: %s", path, strerror(krc));
    }
    int rc = store_sq_conn_open(s, false, &s->writer, err);
    if (rc != 0)
        goto fail;
    rc = store_sq_schema_migrate(s->writer, err);
    if (rc != 0)
        goto fail;
    rc = ckpt_start(s, err);
    if (rc != 0)
        goto fail;
    *out = &s->base;
    return 0;
fail:
    store_sq_close(&s->base);
    return rc;
}

static const struct store_ops store_sq_ops = {
    .name = "sqlite",
    .put_objects = store_sq_put_objects,
    .query = store_sq_query,
    .delete_object = store_sq_delete_object,
    .count_objects = store_sq_count_objects,
    .org_add = store_sq_org_add,
    .org_get = store_sq_org_get,
    .org_list = store_sq_org_list,
    .token_add = store_sq_token_add,
    .token_get = store_sq_token_get,
    .token_list = store_sq_token_list,
    .token_remove = store_sq_token_remove,
    .collection_add = store_sq_collection_add,
    .collection_get = store_sq_collection_get,
    .collection_list = store_sq_collection_list,
    .status_put = store_sq_status_put,
    .status_get = store_sq_status_get,
    .setting_set = store_sq_setting_set,
    .setting_get = store_sq_setting_get,
    .close = store_sq_close,
    .audit_append = store_sq_audit_append,
    .audit_list = store_sq_audit_list,
    .credit_add = store_sq_credit_add,
    .credit_list = store_sq_credit_list,
    .provenance_list = store_sq_provenance_list,
    .find_object = store_sq_find_object,
    .org_count_sector = store_sq_org_count_sector,
    .credit_sum = store_sq_credit_sum,
    .first_other_sources = store_sq_first_other_sources,
    .put_objects_then = store_sq_put_objects_then,
    .org_update = store_sq_org_update,
    .collection_update = store_sq_collection_update,
    .collection_remove = store_sq_collection_remove,
    .scope_rewrite = store_sq_scope_rewrite,
    .write_tx = store_sq_write_tx,
    .stats = store_sq_stats,
    .observable_since = store_sq_observable_since,
    .observable_reports = store_sq_observable_reports,
    .record_put = store_sq_record_put,
    .record_get = store_sq_record_get,
    .record_list = store_sq_record_list,
    .record_delete = store_sq_record_delete,
    .event_append = store_sq_event_append,
    .event_since = store_sq_event_since,
};
