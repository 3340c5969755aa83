/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_objects.c: object versions in SQLite: what puts and queries share (collection
 * keys, the clustered position of a row), paged queries streamed straight from the
 * statement to the caller (every version of a collection as a merge of its two clustered
 * ranges), deletion and counting. Puts are sqlite_put.c's.
 */
#include "sqlite_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Rows fetched per statement run while a filter drops rows; the first run fetches limit+1. */
#define STORE_SQ_CHUNK_MAX 4096

/*
 * Looks up (or with create, adds) the integer key of a collection. *k = -1 if absent.
 * The connection remembers the last key it found: keys are never deleted or reused. A key
 * this call inserted is not remembered, since its transaction may still roll back. With
 * create (puts), the key of a collection that collection_remove removed is RK_E_NOTFOUND,
 * nothing written: nothing is stored into it again. For that the writer forgets the key it
 * remembers whenever another connection may have committed a removal
 * (store_sq_idset_ready) and when it removes one itself.
 */
int store_sq_coll_key(struct store_sq_conn *c, const char *uuid, bool create, int64_t *k,
                      struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    bool inserted = false;
    if (c->coll_uuid[0] != '\0' && strcmp(c->coll_uuid, uuid) == 0) {
        *k = c->coll_k;
        return 0;
    }
    *k = -1;
    if (create) {
        rc = store_sq_prepare(c, "INSERT OR IGNORE INTO coll_keys(uuid) VALUES(?1)", &st, err);
        if (rc != 0)
            return rc;
        sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
        int src = sqlite3_step(st);
        store_sq_release(c, st);
        if (src != SQLITE_DONE)
            return store_sq_err(err, c->db, src, "adding a collection key");
        inserted = sqlite3_changes(c->db) > 0;
    }
    rc = store_sq_prepare(c, "SELECT k, removed FROM coll_keys WHERE uuid = ?1", &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW && create && sqlite3_column_int(st, 1) != 0) {
        store_sq_release(c, st);
        return rk_err_set(err, RK_E_NOTFOUND, "collection %s was removed", uuid);
    }
    if (src == SQLITE_ROW) {
        *k = sqlite3_column_int64(st, 0);
        if (*k > POS_COLL_MAX) {
            store_sq_release(c, st);
            *k = -1;
            return rk_err_set(err, RK_E_DB, "too many collections for the object table");
        }
        size_t len = strlen(uuid);
        if (!inserted && len < sizeof(c->coll_uuid)) {
            memcpy(c->coll_uuid, uuid, len + 1);
            c->coll_k = *k;
        }
    } else if (src != SQLITE_DONE) {
        rc = store_sq_err(err, c->db, src, "looking up a collection");
    }
    store_sq_release(c, st);
    return rc;
}

/* Runs a statement that returns no rows and releases it. */
int store_sq_step_done(struct store_sq_conn *c, sqlite3_stmt *st, const char *what,
                       struct rk_err *err)
{
    int src = sqlite3_step(st);
    int rc = 0;
    if (src != SQLITE_DONE && src != SQLITE_ROW)
        rc = store_sq_err(err, c->db, src, what);
    store_sq_release(c, st);
    return rc;
}

/* The seq of the row with the largest pos in [lo, hi] (one seek of the table), 0 when the
 * range is empty. */
static int last_in_range(struct store_sq_conn *c, int64_t lo, int64_t hi, int64_t *seq,
                         struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    *seq = 0;
    int rc = store_sq_prepare(
        c, "SELECT pos FROM objects WHERE pos >= ?1 AND pos <= ?2 ORDER BY pos DESC LIMIT 1", &st,
        err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *seq = sqlite3_column_int64(st, 0) & POS_SEQ;
    else if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "reading a collection's sequence");
    store_sq_release(c, st);
    return rc;
}

/* The seq of the last mark of coll added at or before added (0 if none). */
static int mark_at(struct store_sq_conn *c, int64_t coll, rk_time_us added, int64_t *seq,
                   struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    *seq = 0;
    int rc = store_sq_prepare(c, STORE_SQ_MARK_AT_SQL, &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, coll);
    sqlite3_bind_int64(st, 2, added);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *seq = sqlite3_column_int64(st, 0) & POS_SEQ;
    else if (src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "reading a collection's marks");
    store_sq_release(c, st);
    return rc;
}

/* Raises *seq to the largest seq of the range [lo, hi] whose row was added at or before added,
 * walking up from lo: date_added grows with pos inside a range, so the walk stops at the
 * first row added later. */
static int walk_range(struct store_sq_conn *c, int64_t lo, int64_t hi, rk_time_us added,
                      int64_t *seq, struct rk_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_sq_prepare(
        c, "SELECT pos, date_added FROM objects WHERE pos >= ?1 AND pos <= ?2 ORDER BY pos", &st,
        err);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 1) <= added) {
        int64_t s = sqlite3_column_int64(st, 0) & POS_SEQ;
        if (s > *seq)
            *seq = s;
    }
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        rc = store_sq_err(err, c->db, src, "reading a collection's sequence");
    store_sq_release(c, st);
    return rc;
}

/*
 * The seq of the row of coll added last (0 if none), or of the last one added at or before
 * added (if added >= 0). seq order is date_added order within a collection, across both of
 * its ranges: the newest row is the larger of the two ranges' last rows, and the row at a
 * cursor lies after the last mark added at or before it (objects_marks, migration 9) and
 * before the next one, so a walk of each range from that mark finds it in a few dozen rows
 * (more only where marked rows were deleted).
 */
int store_sq_seq_at(struct store_sq_conn *c, int64_t coll, rk_time_us added, int64_t *seq,
                    struct rk_err *err)
{
    int64_t base = coll << POS_COLL_SHIFT;
    int64_t s_older = 0, s_last = 0;
    int rc;

    *seq = 0;
    if (added < 0) {
        rc = last_in_range(c, base, base | POS_SEQ, &s_older, err);
        if (rc == 0)
            rc = last_in_range(c, base | POS_LAST, base | POS_MASK, &s_last, err);
        if (rc == 0)
            *seq = s_older > s_last ? s_older : s_last;
        return rc;
    }
    int64_t from = 0;
    rc = mark_at(c, coll, added, &from, err);
    if (rc != 0)
        return rc;
    *seq = from;
    rc = walk_range(c, base | from, base | POS_SEQ, added, seq, err);
    if (rc == 0)
        rc = walk_range(c, base | POS_LAST | from, base | POS_MASK, added, seq, err);
    return rc;
}

/* ---- queries ---------------------------------------------------------------------------- */

/* Appends " AND col IN (?a, ?b...)" (or "= ?a" for one value) numbering from *next. */
static void add_in(struct rk_buf *b, const char *col, size_t n, int *next)
{
    if (n == 1) {
        rk_buf_printf(b, " AND %s = ?%d", col, (*next)++);
        return;
    }
    rk_buf_printf(b, " AND %s IN (", col);
    for (size_t i = 0; i < n; i++)
        rk_buf_printf(b, "%s?%d", i > 0 ? ", " : "", (*next)++);
    rk_buf_putc(b, ')');
}

/* q's version selection bits (0 means LAST). */
static unsigned version_sel(const struct store_query *q)
{
    return q->version_sel != 0 ? q->version_sel : STORE_VERSION_LAST;
}

/* Whether q selects specific versions and lists at least one. */
static bool lists_versions(const struct store_query *q)
{
    return (version_sel(q) & STORE_VERSION_SPECIFIC) && q->versions != NULL && q->n_versions > 0;
}

/* Whether q filters by observables: its rows then come from the observable index. */
static bool by_observables(const struct store_query *q)
{
    return q->observables != NULL && q->n_observables > 0;
}

/*
 * True when q selects the latest versions only and names no ids: its rows are then one range
 * of the table (see POS_LAST), read in pos order without an index.
 */
static bool last_range(const struct store_query *q)
{
    unsigned sel = version_sel(q);
    return (sel & (STORE_VERSION_ALL | STORE_VERSION_FIRST)) == 0 &&
           (sel & STORE_VERSION_LAST) != 0 && !lists_versions(q) &&
           (q->ids == NULL || q->n_ids == 0);
}

/*
 * Appends the version terms of q's selection, numbering its versions from *next: any of
 * "is_last = 1", "is_first = 1" and "version IN (...)", joined by OR; " AND 0" when it
 * selects nothing (SPECIFIC with an empty list). A single term stays top-level so that the
 * partial indexes apply. Not for STORE_VERSION_ALL, which needs no term.
 */
static void version_terms(struct rk_buf *b, const struct store_query *q, int *next)
{
    unsigned sel = version_sel(q);
    const char *terms[3];
    int n_terms = 0;
    if (sel & STORE_VERSION_LAST)
        terms[n_terms++] = "is_last = 1";
    if (sel & STORE_VERSION_FIRST)
        terms[n_terms++] = "is_first = 1";
    bool specific = lists_versions(q);
    if (n_terms == 0 && !specific) {
        rk_buf_puts(b, " AND 0"); /* SPECIFIC with an empty list selects nothing */
        return;
    }
    if (n_terms == 1 && !specific) {
        rk_buf_printf(b, " AND %s", terms[0]);
        return;
    }
    rk_buf_puts(b, " AND (");
    for (int i = 0; i < n_terms; i++)
        rk_buf_printf(b, "%s%s", i > 0 ? " OR " : "", terms[i]);
    if (specific) {
        rk_buf_printf(b, "%sversion IN (", n_terms > 0 ? " OR " : "");
        for (size_t i = 0; i < q->n_versions; i++)
            rk_buf_printf(b, "%s?%d", i > 0 ? ", " : "", (*next)++);
        rk_buf_putc(b, ')');
    }
    rk_buf_putc(b, ')');
}

/*
 * Appends the WHERE terms of q after "coll = ?1" (parameters from ?first_param on): ids,
 * types, spec_versions and version selection (version_terms). A last_range query needs no
 * version term (its pos range holds latest versions only) except with one type, where
 * "is_last = 1" selects the partial index objects_last_type. Returns the number of the
 * next parameter after those of the ids, types and spec_versions (the versions' come from
 * there too, when q selects them).
 */
static int build_where(struct rk_buf *b, const struct store_query *q, int first_param)
{
    int next = first_param;
    if (q->ids != NULL && q->n_ids > 0) {
        add_in(b, "idh", q->n_ids, &next); /* objects_version's key (migration 6) */
        add_in(b, "id", q->n_ids, &next);
    }
    int type_param = next;
    if (q->types != NULL && q->n_types > 0) {
        /* Several types: "+type" keeps the planner on a date_added-ordered index rather than
         * reading every row of those types and sorting them. */
        add_in(b, q->n_types == 1 ? "type" : "+type", q->n_types, &next);
    }
    if (q->spec_versions != NULL)
        add_in(b, "spec_version", q->n_spec_versions, &next);
    if (version_sel(q) & STORE_VERSION_ALL)
        return next;
    if (last_range(q)) {
        /* objects_last_type's key, from the collection (?1) and the type's parameter. */
        if (q->types != NULL && q->n_types == 1)
            rk_buf_printf(b, " AND is_last = 1 AND tkey = " STORE_SQ_TKEY_SQL("?1", "?%d"),
                          type_param);
        return next;
    }
    int after = next;
    version_terms(b, q, &next);
    return after;
}

/* Binds the parameters build_where numbered, in the same order. */
static void bind_where(sqlite3_stmt *st, const struct store_query *q, int first_param)
{
    int next = first_param;
    if (q->ids != NULL && q->n_ids > 0) {
        for (size_t i = 0; i < q->n_ids; i++)
            sqlite3_bind_int64(st, next++, store_sq_id_hash(q->ids[i]));
        for (size_t i = 0; i < q->n_ids; i++)
            sqlite3_bind_text(st, next++, q->ids[i], -1, SQLITE_STATIC);
    }
    if (q->types != NULL && q->n_types > 0)
        for (size_t i = 0; i < q->n_types; i++)
            sqlite3_bind_text(st, next++, q->types[i], -1, SQLITE_STATIC);
    if (q->spec_versions != NULL)
        for (size_t i = 0; i < q->n_spec_versions; i++)
            sqlite3_bind_text(st, next++, q->spec_versions[i], -1, SQLITE_STATIC);
    if (!(version_sel(q) & STORE_VERSION_ALL) && lists_versions(q))
        for (size_t i = 0; i < q->n_versions; i++)
            sqlite3_bind_int64(st, next++, q->versions[i]);
}

/* An empty spec_versions list (non-NULL, n == 0) matches nothing. */
static bool query_empty(const struct store_query *q)
{
    return q->spec_versions != NULL && q->n_spec_versions == 0;
}

bool store_sq_query_two_ranges(const struct store_query *q)
{
    return (q->ids == NULL || q->n_ids == 0) && !last_range(q) && !by_observables(q);
}

/* Whether q's rows carry the shadow column (store_query.skip_shadowed). */
static bool wants_shadow(const struct store_query *q)
{
    return q->skip_shadowed && (version_sel(q) & STORE_VERSION_ALL);
}

/*
 * Non-NULL when the row o has a newer version in its collection with the same tlp,
 * source_org, scope, recipients and joins (store_query.skip_shadowed). A column rather than
 * a WHERE term: the older versions' range must stop where the merge stops, not search on
 * for an unshadowed row. Stored values compare exactly (IS: NULL matches NULL only).
 */
#define SHADOW_COL                                                                                 \
    "(SELECT 1 FROM objects AS n INDEXED BY objects_version WHERE n.coll = o.coll AND "            \
    "n.idh = o.idh AND n.id = o.id AND n.version > o.version AND n.tlp IS o.tlp AND n.source_org " \
    "IS "                                                                                          \
    "o.source_org AND n.scope IS o.scope AND n.recipients IS o.recipients AND n.joins IS "         \
    "o.joins LIMIT 1)"

/* A lean query with JSON does not read the version's form (store_query.lean): the JSON
 * holds the version's text, and the objects pages need no other. */
static bool lean_json(const struct store_query *q)
{
    return q->lean && q->with_json;
}

/* The access columns of a lean query (store_query.lean): STORE_SQ_ACCESS_COLS with NULL for
 * source_sector and rule, so that every column keeps its index. */
#define LEAN_ACCESS_COLS "tlp, source_org, NULL, scope, recipients, joins, NULL"

/*
 * The column list every query shape selects, in the order row_read reads it; column 16 is
 * the shadow column (NULL unless wants_shadow(q); only older versions are probed), 17 the
 * version's form (vform, migration 15: one small integer beside version, so that a
 * manifest writes each version as its object does without reading the JSON; NULL for a
 * lean query with JSON). A lean
 * query selects NULL for spec_version, source_sector and rule: SQLite then never extracts
 * those values and row_read makes no column call for them. Each combination of with_json,
 * lean and the shadow column is one fixed text, so the statement cache holds at most one
 * statement per shape and combination.
 */
static void select_cols(const struct store_query *q, struct rk_buf *sql)
{
    rk_buf_printf(sql,
                  "SELECT date_added, id, type, %s, version, %s, %s, pos, is_first, is_last, "
                  "%s, %s FROM objects AS o",
                  q->lean ? "NULL" : "spec_version", q->with_json ? "json" : "NULL",
                  q->lean ? LEAN_ACCESS_COLS : STORE_SQ_ACCESS_COLS,
                  wants_shadow(q) ? "CASE WHEN is_last THEN NULL ELSE " SHADOW_COL " END" : "NULL",
                  lean_json(q) ? "NULL" : "vform");
}

void store_sq_query_older_sql(const struct store_query *q, struct rk_buf *sql)
{
    /* Only what the merge needs: a row taken is read in full (with its JSON, perhaps on
     * overflow pages) by its pos afterwards; one left out never is. */
    rk_buf_printf(
        sql, "SELECT pos, %s FROM objects AS o WHERE pos > ?2 AND pos <= (?1 << 40) + %" PRId64,
        wants_shadow(q) ? SHADOW_COL : "NULL", POS_SEQ);
    build_where(sql, q, 4);
    rk_buf_puts(sql, " ORDER BY pos LIMIT ?3");
}

/*
 * The statement of a collection's last range for q, a last_range query; with other (the query
 * it reads that range for, store_sq_query_two_ranges), other's version terms too. ?2 is a pos
 * cursor inside the range. With one type the partial index objects_last_type (coll, type)
 * gives the rows in pos order; otherwise the table range itself, testing any filter per row.
 */
static void last_range_sql(const struct store_query *q, const struct store_query *other,
                           struct rk_buf *sql)
{
    bool one_type = q->types != NULL && q->n_types == 1;
    select_cols(q, sql);
    rk_buf_printf(sql, "%s WHERE %spos > ?2 AND pos <= (?1 << 40) + %" PRId64,
                  one_type ? " INDEXED BY objects_last_type" : "", one_type ? "coll = ?1 AND " : "",
                  POS_MASK);
    int next = build_where(sql, q, 4);
    /* In this range every row is a latest version: other's terms only when it does not
     * take all of them (the same parameters, in the same order, as build_where's). */
    if (other != NULL && !(version_sel(other) & (STORE_VERSION_ALL | STORE_VERSION_LAST)))
        version_terms(sql, other, &next);
    rk_buf_puts(sql, " ORDER BY pos LIMIT ?3");
}

/*
 * A query with observables (by_observables) runs two statements. The candidates
 * (store_sq_query_obs_sql): the date_added and opos of the collection's index rows matching
 * q's observables after the cursor ?2, from observables_key and observables_range, in
 * date_added order, at most ?3 of them (index entries only: a key reported thousands of
 * times costs a sort of integers, not a read of thousands of objects). Then, candidate by
 * candidate until the page is full, its version (observables_sql): the row at opos or
 * opos | is_last bit (?3) with that date_added (?2), with every other filter of q.
 */
static void observables_sql(const struct store_query *q, struct rk_buf *sql)
{
    select_cols(q, sql);
    rk_buf_printf(sql, " WHERE pos IN (?3, ?3 | %" PRId64 ") AND date_added = ?2", POS_LAST);
    build_where(sql, q, 4);
    if (last_range(q)) /* build_where counts on the range for this one */
        rk_buf_puts(sql, " AND is_last = 1");
}

void store_sq_query_obs_sql(const struct store_query *q, struct rk_buf *sql)
{
    rk_buf_puts(sql, "SELECT DISTINCT date_added, opos FROM observables WHERE coll = ?1 AND "
                     "date_added > ?2 AND ");
    store_sq_obs_match_sql(q->observables, q->n_observables, sql, 4);
    rk_buf_puts(sql, " ORDER BY date_added LIMIT ?3");
}

void store_sq_query_sql(const struct store_query *q, struct rk_buf *sql)
{
    if (by_observables(q)) {
        observables_sql(q, sql);
        return;
    }
    if (store_sq_query_two_ranges(q)) {
        /* The latest versions' range: the statement of a "last" page with q's filters, and
         * q's version terms unless it takes every latest version. */
        struct store_query last = *q;
        last.version_sel = STORE_VERSION_LAST;
        last.versions = NULL;
        last.n_versions = 0;
        last_range_sql(&last, q, sql);
        return;
    }
    if (last_range(q)) {
        last_range_sql(q, NULL, sql);
        return;
    }
    /* With ids: their versions through objects_version, sorted (a few rows). Without
     * statistics the planner would rather walk the whole collection in date_added order;
     * tell it. */
    select_cols(q, sql);
    rk_buf_puts(sql, " INDEXED BY objects_version WHERE coll = ?1 AND date_added > ?2");
    build_where(sql, q, 4);
    rk_buf_puts(sql, " ORDER BY date_added LIMIT ?3");
}

/* Column i of st's current row as text, "" for NULL (as store_sq_access_fill reads it). */
static const char *text_or_empty(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t != NULL ? t : "";
}

/* Reads the current row of st, a statement with select_cols' columns; the strings are valid
 * until st steps or resets. A lean query's skipped fields are "" without a column call. */
static void row_read(sqlite3_stmt *st, const struct store_query *q, struct store_row *row)
{
    row->date_added = sqlite3_column_int64(st, 0);
    row->id = (const char *)sqlite3_column_text(st, 1);
    row->type = (const char *)sqlite3_column_text(st, 2);
    row->version = sqlite3_column_int64(st, 4);
    row->json = q->with_json ? sqlite3_column_blob(st, 5) : NULL;
    row->json_len = q->with_json ? (size_t)sqlite3_column_bytes(st, 5) : 0;
    if (q->lean) {
        row->spec_version = "";
        row->access.tlp = sqlite3_column_int(st, 6);
        row->access.source_org = text_or_empty(st, 7);
        row->access.source_sector = "";
        row->access.scope = text_or_empty(st, 9);
        row->access.recipients = text_or_empty(st, 10);
        row->access.joins = text_or_empty(st, 11);
        row->access.rule = "";
    } else {
        row->spec_version = (const char *)sqlite3_column_text(st, 3);
        store_sq_access_fill(st, 6, &row->access);
    }
    row->collection_id = q->collection_id;
    row->is_first = sqlite3_column_int(st, 14) != 0;
    row->is_last = sqlite3_column_int(st, 15) != 0;
    row->version_form = lean_json(q) ? RK_TIME_FORM_US : sqlite3_column_int(st, 17);
}

/* One run of store_sq_query: its arguments and what it found so far. */
struct scan {
    const struct store_query *q;
    store_filter_fn filter;
    void *filter_ctx;
    store_row_fn fn;
    void *fn_ctx;
    struct store_page *page;
    struct rk_err *err;
    int rc; /* the row callback's error, or 0 */
};

/*
 * Offers one row to the filter and the row callback. Returns true when the scan is over: the
 * page is full and another row passed the filter (page->more), or the row callback stopped
 * it (sc->rc holds its error, if negative).
 */
static bool scan_take(struct scan *sc, const struct store_row *row)
{
    struct store_page *page = sc->page;

    if (sc->filter != NULL && !sc->filter(sc->filter_ctx, row))
        return false;
    if (page->count == sc->q->limit) {
        page->more = true;
        return true;
    }
    if (page->count == 0)
        page->first_added = row->date_added;
    page->last_added = row->date_added;
    page->count++;
    int frc = sc->fn != NULL ? sc->fn(sc->fn_ctx, row) : 0;
    if (frc == 0)
        return false;
    /* The caller stopped: a negative value is its error, passed on. */
    if (frc < 0) {
        sc->rc = frc;
        if (sc->err != NULL && sc->err->code == RK_OK)
            rk_err_set(sc->err, frc, "query stopped by the row callback");
    }
    return true;
}

/*
 * Any selection without ids but "last" (store_sq_query_two_ranges): the latest versions
 * and the older ones are two clustered ranges of the table, each in seq (= date_added)
 * order, so they are read side by side and merged by seq, without a date_added index
 * (migration 9) and without a seek of the table per row. st_last and st_older are
 * store_sq_query_sql's and store_sq_query_older_sql's statements, bound but for the cursor and
 * limit; seq is the cursor (rows with a larger seq are returned). An older version taken is read in
 * full by its pos (*row_at, prepared on first use); one left out by skip_shadowed never is.
 */
static int scan_two_ranges(struct store_sq_conn *c, struct scan *sc, int64_t coll, int64_t seq,
                           sqlite3_stmt *st_last, sqlite3_stmt *st_older, sqlite3_stmt **row_at)
{
    int64_t base = coll << POS_COLL_SHIFT;
    struct store_row row;
    int rc = 0;

    sqlite3_bind_int64(st_last, 2, base | POS_LAST | seq);
    sqlite3_bind_int64(st_older, 2, base | seq);
    sqlite3_bind_int64(st_last, 3, -1); /* no limit: a rowid range streams lazily */
    sqlite3_bind_int64(st_older, 3, -1);
    int src_last = sqlite3_step(st_last);
    int src_older = sqlite3_step(st_older);
    for (;;) {
        if (src_last != SQLITE_ROW && src_last != SQLITE_DONE)
            return store_sq_err(sc->err, c->db, src_last, "reading objects");
        if (src_older != SQLITE_ROW && src_older != SQLITE_DONE)
            return store_sq_err(sc->err, c->db, src_older, "reading objects");
        if (src_older == SQLITE_ROW &&
            (src_last != SQLITE_ROW || (sqlite3_column_int64(st_older, 0) & POS_SEQ) <
                                           (sqlite3_column_int64(st_last, 13) & POS_SEQ))) {
            /* An older version comes first (a seq is in one range only). */
            if (sqlite3_column_type(st_older, 1) == SQLITE_NULL) {
                if (*row_at == NULL) {
                    struct store_query plain = *sc->q;
                    struct rk_buf sql = RK_BUF_INIT;
                    plain.skip_shadowed = false; /* the row is taken: no second probe */
                    select_cols(&plain, &sql);
                    rk_buf_puts(&sql, " WHERE pos = ?1");
                    rc = store_sq_prepare(c, sql.data, row_at, sc->err);
                    rk_buf_free(&sql);
                    if (rc != 0)
                        return rc;
                }
                int64_t pos = sqlite3_column_int64(st_older, 0);
                sqlite3_bind_int64(*row_at, 1, pos);
                int src = sqlite3_step(*row_at);
                if (src == SQLITE_DONE)
                    return rk_err_set(sc->err, RK_E_DB,
                                      "reading objects: row %" PRId64 " vanished from the snapshot",
                                      pos);
                if (src != SQLITE_ROW)
                    return store_sq_err(sc->err, c->db, src, "reading an older version");
                row_read(*row_at, sc->q, &row);
                bool done = scan_take(sc, &row);
                sqlite3_reset(*row_at);
                if (done)
                    return sc->rc;
            }
            src_older = sqlite3_step(st_older);
            continue;
        }
        if (src_last != SQLITE_ROW)
            return 0; /* both ranges done */
        row_read(st_last, sc->q, &row);
        if (scan_take(sc, &row))
            return sc->rc;
        src_last = sqlite3_step(st_last);
    }
}

/* The candidates of one chunk (a date_added and its objects row's opos). */
struct obs_cand {
    int64_t added, opos;
};

/*
 * Reads q's rows for a by_observables query: chunks of candidates from st_cand (bound but
 * for the cursor and limit), each looked up with st_row (bound but for ?2 and ?3), offered
 * in date_added order until the page is full or the candidates run out.
 */
static int scan_observables(struct store_sq_conn *c, struct scan *sc, sqlite3_stmt *st_cand,
                            sqlite3_stmt *st_row)
{
    int64_t cursor = sc->q->added_after < 0 ? -1 : sc->q->added_after;
    int64_t chunk =
        sc->q->limit >= STORE_SQ_CHUNK_MAX ? STORE_SQ_CHUNK_MAX : (int64_t)sc->q->limit + 1;
    struct obs_cand *cand = rk_malloc(STORE_SQ_CHUNK_MAX * sizeof(*cand));
    int rc = 0;

    for (;;) {
        int64_t got = 0;
        int src;
        sqlite3_bind_int64(st_cand, 2, cursor);
        sqlite3_bind_int64(st_cand, 3, chunk);
        while ((src = sqlite3_step(st_cand)) == SQLITE_ROW && got < chunk) {
            cand[got].added = sqlite3_column_int64(st_cand, 0);
            cand[got].opos = sqlite3_column_int64(st_cand, 1);
            got++;
        }
        sqlite3_reset(st_cand);
        if (src != SQLITE_ROW && src != SQLITE_DONE) {
            rc = store_sq_err(sc->err, c->db, src, "reading the observable index");
            goto out;
        }
        for (int64_t i = 0; i < got; i++) {
            struct store_row row;
            cursor = cand[i].added;
            sqlite3_bind_int64(st_row, 2, cand[i].added);
            sqlite3_bind_int64(st_row, 3, cand[i].opos);
            src = sqlite3_step(st_row);
            if (src == SQLITE_ROW && sqlite3_column_type(st_row, 16) == SQLITE_NULL) {
                row_read(st_row, sc->q, &row);
                if (scan_take(sc, &row)) {
                    sqlite3_reset(st_row);
                    rc = sc->rc;
                    goto out;
                }
            } else if (src != SQLITE_ROW && src != SQLITE_DONE) {
                rc = store_sq_err(sc->err, c->db, src, "reading objects");
                sqlite3_reset(st_row);
                goto out;
            }
            sqlite3_reset(st_row);
        }
        if (got < chunk)
            break;
        chunk = chunk * 2 > STORE_SQ_CHUNK_MAX ? STORE_SQ_CHUNK_MAX : chunk * 2;
    }
out:
    free(cand);
    return rc;
}

int store_sq_query(struct store *base, const struct store_query *q, store_filter_fn filter,
                   void *filter_ctx, store_row_fn fn, void *fn_ctx, struct store_page *page,
                   struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct store_sq_conn *c = NULL;
    struct rk_buf sql = RK_BUF_INIT;
    sqlite3_stmt *st = NULL, *st_older = NULL, *row_at = NULL;
    bool began = false;
    int64_t coll = -1;
    struct store_page ignored;
    int rc;

    if (page == NULL)
        page = &ignored;
    page->count = 0;
    page->more = false;
    page->first_added = -1;
    page->last_added = -1;
    if (q == NULL || q->collection_id == NULL || q->limit == 0)
        return rk_err_set(err, RK_E_INVALID, "query: no collection or a zero limit");
    rc = store_sq_obs_check(q->observables, q->n_observables, err);
    if (rc != 0)
        return rc;
    struct scan sc = {q, filter, filter_ctx, fn, fn_ctx, page, err, 0};
    rc = store_sq_reader(s, &c, err);
    if (rc != 0)
        return rc;
    /* One read transaction gives every chunk the same snapshot. A nested query (from a
     * callback) runs inside the outer one. */
    if (sqlite3_get_autocommit(c->db)) {
        rc = store_sq_exec(c, "BEGIN", err);
        if (rc != 0)
            return rc;
        began = true;
    }
    rc = store_sq_coll_key(c, q->collection_id, false, &coll, err);
    if (rc != 0 || coll < 0 || query_empty(q))
        goto out;

    store_sq_query_sql(q, &sql);
    rc = store_sq_prepare(c, sql.data, &st, err);
    if (rc != 0)
        goto out;
    bind_where(st, q, 4);
    sqlite3_bind_int64(st, 1, coll);
    if (by_observables(q)) {
        rk_buf_reset(&sql);
        store_sq_query_obs_sql(q, &sql);
        rc = store_sq_prepare(c, sql.data, &st_older, err); /* the candidates */
        if (rc != 0)
            goto out;
        store_sq_obs_match_bind(st_older, q->observables, q->n_observables, 4);
        sqlite3_bind_int64(st_older, 1, coll);
        rc = scan_observables(c, &sc, st_older, st);
        goto out;
    }

    /* The cursor: date_added, or pos inside the last range (after the seq of the last row
     * added at or before added_after). */
    bool two_ranges = store_sq_query_two_ranges(q);
    bool by_pos = two_ranges || last_range(q);
    int64_t cursor = q->added_after < 0 ? -1 : q->added_after;
    if (by_pos) {
        int64_t seq = 0;
        if (q->added_after >= 0) {
            rc = store_sq_seq_at(c, coll, q->added_after, &seq, err);
            if (rc != 0)
                goto out;
        }
        cursor = coll << POS_COLL_SHIFT | POS_LAST | seq;
        if (two_ranges) {
            rk_buf_reset(&sql);
            store_sq_query_older_sql(q, &sql);
            rc = store_sq_prepare(c, sql.data, &st_older, err);
            if (rc != 0)
                goto out;
            bind_where(st_older, q, 4);
            sqlite3_bind_int64(st_older, 1, coll);
            rc = scan_two_ranges(c, &sc, coll, seq, st, st_older, &row_at);
            goto out;
        }
    }
    int64_t chunk = q->limit >= STORE_SQ_CHUNK_MAX ? STORE_SQ_CHUNK_MAX : (int64_t)q->limit + 1;
    bool done = false;
    while (!done) {
        int64_t got = 0;
        int src;
        sqlite3_bind_int64(st, 2, cursor);
        sqlite3_bind_int64(st, 3, chunk);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            struct store_row row;
            got++;
            cursor = by_pos ? sqlite3_column_int64(st, 13) : sqlite3_column_int64(st, 0);
            if (sqlite3_column_type(st, 16) != SQLITE_NULL)
                continue; /* shadowed (skip_shadowed) */
            row_read(st, q, &row);
            if (scan_take(&sc, &row)) {
                rc = sc.rc;
                done = true;
                break;
            }
        }
        if (!done && src != SQLITE_DONE) {
            rc = store_sq_err(err, c->db, src, "reading objects");
            goto out;
        }
        if (got < chunk)
            done = true;
        sqlite3_reset(st);
        if (chunk < STORE_SQ_CHUNK_MAX)
            chunk = chunk * 2 > STORE_SQ_CHUNK_MAX ? STORE_SQ_CHUNK_MAX : chunk * 2;
    }
out:
    store_sq_release(c, row_at);
    store_sq_release(c, st_older);
    store_sq_release(c, st);
    rk_buf_free(&sql);
    if (began)
        store_sq_exec(c, "COMMIT", NULL);
    return rc;
}

/* Runs prefix, q's WHERE terms (build_where, parameters from ?2), suffix on c with ?1 the
 * collection key coll: a statement that returns no rows, for DELETE and its bookkeeping. */
static int run_with_where(struct store_sq_conn *c, const struct store_query *q, int64_t coll,
                          const char *prefix, const char *suffix, const char *what,
                          struct rk_err *err)
{
    struct rk_buf sql = RK_BUF_INIT;
    sqlite3_stmt *st = NULL;
    rk_buf_puts(&sql, prefix);
    build_where(&sql, q, 2);
    rk_buf_puts(&sql, suffix);
    int rc = store_sq_prepare(c, sql.data, &st, err);
    rk_buf_free(&sql);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, coll);
    bind_where(st, q, 2);
    return store_sq_step_done(c, st, what, err);
}

int store_sq_delete_object(struct store *base, const struct store_query *q, size_t *deleted,
                           struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite3_stmt *st = NULL;
    int64_t coll = -1;
    bool in_tx = false;
    int rc;

    *deleted = 0;
    if (q == NULL || q->collection_id == NULL || q->ids == NULL || q->n_ids != 1)
        return rk_err_set(err, RK_E_INVALID, "delete_object: exactly one id is required");
    struct store_sq_conn *c = store_sq_writer_lock(s);
    rc = store_sq_exec(c, "BEGIN IMMEDIATE", err);
    if (rc != 0)
        goto out;
    in_tx = true;
    rc = store_sq_coll_key(c, q->collection_id, false, &coll, err);
    if (rc != 0 || coll < 0 || query_empty(q))
        goto commit;
    /* The provenance vault never loses an original: those derived from the rows about to go
     * (their json minus the cut) are written out first, in the same transaction. Each finds
     * its row through objects_version: ?2 and ?3 are the one id's hash and text, as
     * build_where numbers them. */
    rc = run_with_where(c, q, coll,
                        "UPDATE provenance SET original = (SELECT CAST(substr(o.json, 1, "
                        "provenance.cut_off) || substr(o.json, provenance.cut_off + "
                        "provenance.cut_len + 1) AS BLOB) FROM objects o WHERE o.idh = ?2 AND "
                        "o.coll = ?1 AND o.id = ?3 AND o.date_added = provenance.date_added), "
                        "derived = 0, cut_off = 0, "
                        "cut_len = 0 WHERE derived = 1 AND coll_uuid = (SELECT uuid FROM "
                        "coll_keys WHERE k = ?1) AND date_added IN (SELECT date_added FROM "
                        "objects INDEXED BY objects_version WHERE coll = ?1",
                        ")", "keeping the provenance originals", err);
    if (rc != 0)
        goto out;
    /* Rows that carry their own provenance (migration 7) get a provenance row now, with the
     * original written out, so that the next statement lists it as deleted. */
    rc = run_with_where(c, q, coll,
                        "INSERT INTO provenance(date_added, coll_uuid, id, version, org_id, "
                        "token_hash, anonymity, received, original, actions, derived, cut_off, "
                        "cut_len) SELECT date_added, (SELECT uuid FROM coll_keys WHERE k = ?1), "
                        "id, version, source_org, lower(hex(prov_token)), prov_anonymity, "
                        "date_added, CAST(substr(json, 1, prov_cut_off) || substr(json, "
                        "prov_cut_off + prov_cut_len + 1) AS BLOB), prov_actions, 0, 0, 0 "
                        "FROM objects INDEXED BY objects_version WHERE prov = 1 AND coll = ?1",
                        "", "keeping the provenance of the deleted versions", err);
    if (rc != 0)
        goto out;
    /* provenance_list finds a row through its object version, which is about to go: list
     * the row in provenance_gone instead (migration 5). The same match as that read. */
    rc = run_with_where(c, q, coll,
                        "INSERT OR IGNORE INTO provenance_gone(id, date_added) SELECT p.id, "
                        "p.date_added FROM (SELECT id AS o_id, date_added AS o_added FROM "
                        "objects INDEXED BY objects_version WHERE coll = ?1",
                        ") CROSS JOIN provenance AS p ON p.date_added = o_added AND p.id = o_id "
                        "AND p.coll_uuid = (SELECT uuid FROM coll_keys WHERE k = ?1)",
                        "listing the deleted versions' provenance", err);
    if (rc != 0)
        goto out;
    /* The versions' observable index rows go with them (migration 18). No index leads from
     * a version to its rows: a scan of the index, for a rare administrative change. */
    rc = run_with_where(c, q, coll,
                        "DELETE FROM observables WHERE coll = ?1 AND date_added IN (SELECT "
                        "date_added FROM objects INDEXED BY objects_version WHERE coll = ?1",
                        ")", "deleting the observable index rows", err);
    if (rc != 0)
        goto out;
    rc =
        run_with_where(c, q, coll, "DELETE FROM objects INDEXED BY objects_version WHERE coll = ?1",
                       "", "deleting an object", err);
    if (rc != 0)
        goto out;
    *deleted = (size_t)sqlite3_changes64(c->db);
    if (*deleted > 0) {
        rc = store_sq_prepare(c,
                              "UPDATE objects SET "
                              "is_first = (version = (SELECT MIN(version) FROM objects "
                              "WHERE coll = ?1 AND idh = ?3 AND id = ?2)), "
                              "is_last = (version = (SELECT MAX(version) FROM objects "
                              "WHERE coll = ?1 AND idh = ?3 AND id = ?2)), "
                              "pos = (pos & ~(1 << 39)) | ((version = (SELECT MAX(version) "
                              "FROM objects WHERE coll = ?1 AND idh = ?3 AND id = ?2)) << 39) "
                              "WHERE coll = ?1 AND idh = ?3 AND id = ?2",
                              &st, err);
        if (rc != 0)
            goto out;
        sqlite3_bind_int64(st, 1, coll);
        sqlite3_bind_text(st, 2, q->ids[0], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, store_sq_id_hash(q->ids[0]));
        rc = store_sq_step_done(c, st, "updating version flags", err);
        st = NULL;
        if (rc != 0)
            goto out;
    }
commit:
    if (rc == 0) {
        rc = store_sq_exec(c, "COMMIT", err);
        if (rc == 0)
            in_tx = false;
    }
out:
    if (rc != 0)
        *deleted = 0;
    store_sq_release(c, st);
    if (in_tx)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return store_sq_writer_done(s, rc, err);
}

int store_sq_count_objects(struct store *base, const char *collection_id, int64_t *count,
                           struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    *count = 0;
    if (collection_id == NULL)
        return rk_err_set(err, RK_E_INVALID, "count_objects: no collection");
    int rc = store_sq_reader(s, &c, err);
    if (rc != 0)
        return rc;
    rc = store_sq_prepare(c,
                          "SELECT COUNT(*) FROM objects WHERE coll = "
                          "(SELECT k FROM coll_keys WHERE uuid = ?1)",
                          &st, err);
    if (rc != 0)
        return rc;
    sqlite3_bind_text(st, 1, collection_id, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0);
    else
        rc = store_sq_err(err, c->db, src, "counting objects");
    store_sq_release(c, st);
    return rc;
}
