/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_provenance.c: provenance originals derived from the object row (migration 4). A put
 * with original_from_json stores only the cut (an empty original column, read back through a
 * second connection), and provenance_list still returns the exact original: identical to
 * the json, the json minus a spliced run, or a full original stored as given. Deleting
 * object versions writes their derived originals out first: the vault keeps every byte.
 * A cut outside the json is refused and rolls the call back. Without an index of provenance
 * by id (migration 5), the rows of one id are still all listed, in date_added order, across
 * collections, versions and deletes: those of deleted versions through provenance_gone.
 *
 * Since migration 7 a derived original posted with a hex token hash rides in the object row
 * (prov = 1, no provenance row) and delete_object writes it out as a provenance row; any
 * other token hash keeps the provenance row of migration 4. The tests that put derived
 * originals run twice, once each way (g_in_row), and check where the provenance went.
 * Removing a collection with purge (collection_remove) keeps every original as a delete does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "sqlite_helpers.h"

#define IND  "indicator--44444444-4444-4444-8444-444444444444"
#define MAL  "malware--55555555-5555-4555-8555-555555555555"
#define TOOL "tool--66666666-6666-4666-8666-666666666666"
#define MARK "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

/* Posted texts and what the hub stores for them (the marking spliced in). */
#define IND_POSTED "{\"id\":\"" IND "\",\"pattern\":\"[x]\",\"type\":\"indicator\"}"
#define IND_RUN    "\"object_marking_refs\":[\"" MARK "\"],"
#define MAL_POSTED "{\"id\":\"" MAL "\",\"object_marking_refs\":[\"m1\"],\"type\":\"malware\"}"
#define MAL_RUN    ",\"" MARK "\""

/* The token hash of the puts: a hex one (the object row carries the provenance) or not. */
#define TOKEN_HEX "00ff0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
static bool g_in_row;

static const char *token(void)
{
    return g_in_row ? TOKEN_HEX : "h";
}

/* Every provenance row of one id, in order, copied. */
struct prov_seen {
    size_t n;
    char *original[8];
    rk_time_us added[8];
    char coll[8][16];
};

static int seen(void *ctx, const struct store_provenance *p)
{
    struct prov_seen *s = ctx;
    if (s->n < 8) {
        s->original[s->n] = strdup(p->original);
        s->added[s->n] = p->date_added;
        snprintf(s->coll[s->n], sizeof(s->coll[0]), "%s", p->collection_id);
    }
    s->n++;
    /* What prov_put gave every version, whichever way it was stored. */
    assert_string_equal(p->token_hash, token());
    assert_string_equal(p->org_id, "o1");
    assert_int_equal(p->anonymity, STORE_ANON_SECTOR);
    assert_string_equal(p->actions, "[\"sector\"]");
    assert_true(p->received == p->date_added);
    return 0;
}

static void seen_clear(struct prov_seen *s)
{
    for (size_t i = 0; i < s->n && i < 8; i++)
        free(s->original[i]);
    memset(s, 0, sizeof(*s));
}

static void list(struct store *s, const char *id, struct prov_seen *out)
{
    struct rk_err err;
    memset(out, 0, sizeof(*out));
    rk_err_clear(&err);
    if (store_provenance_list(s, id, seen, out, &err) != 0)
        fail_msg("provenance_list %s: %s", id, err.msg);
}

/*
 * (derived, length of the original column) of the provenance row added at added, read
 * through a connection of our own. A derived original in the object row (prov = 1, no
 * provenance row; only when g_in_row) reads as (1, 0): no copy of the bytes.
 */
static void raw_row(const char *path, rk_time_us added, int *derived, int *stored_len)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int in_row = tstore_raw_int(path,
                                "SELECT COUNT(*) FROM objects WHERE date_added = %lld "
                                "AND prov = 1",
                                (long long)added);
    int rows = tstore_raw_int(path, "SELECT COUNT(*) FROM provenance WHERE date_added = %lld",
                              (long long)added);
    assert_int_equal(in_row + rows, 1); /* one place or the other */
    if (in_row) {
        assert_true(g_in_row);
        *derived = 1;
        *stored_len = 0;
        return;
    }
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT derived, length(original), typeof(original) "
                                        "FROM provenance WHERE date_added = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, added);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    *derived = sqlite3_column_int(st, 0);
    *stored_len = sqlite3_column_int(st, 1);
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "blob");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A put of json whose original is json minus [off, off + len): derived, or given in full. */
static struct store_put prov_put(const char *id, rk_time_us version, const char *json,
                                 const char *original, bool derived, size_t off, size_t len)
{
    struct store_put p;
    memset(&p, 0, sizeof(p));
    p.id = id;
    p.type = "indicator";
    p.spec_version = "2.1";
    p.version = version;
    p.json = json;
    p.json_len = strlen(json);
    p.access.tlp = 2;
    p.access.source_org = "o1";
    p.original = original;
    p.original_len = strlen(original);
    p.original_from_json = derived;
    p.json_extra_off = off;
    p.json_extra_len = len;
    p.token_hash = token();
    p.anonymity = STORE_ANON_SECTOR;
    p.actions = "[\"sector\"]";
    return p;
}

/* Splices run into posted at off: the stored text. */
static char *splice(const char *posted, size_t off, const char *run)
{
    size_t n = strlen(posted), k = strlen(run);
    char *out = malloc(n + k + 1);
    memcpy(out, posted, off);
    memcpy(out + off, run, k);
    memcpy(out + off + k, posted + off, n - off + 1);
    return out;
}

static void derived_and_full_originals(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct prov_seen s;
    const char *tool = "{\"id\":\"" TOOL "\",\"name\":\"t\",\"type\":\"tool\"}";
    const char *tool_posted = "{\"id\":\"" TOOL "\",\"name\":\"t\",\"type\":\"tool\",\"x\":1}";
    size_t ind_off = 1, mal_off = strlen(MAL_POSTED) - strlen("],\"type\":\"malware\"}");
    char *ind = splice(IND_POSTED, ind_off, IND_RUN);
    char *mal = splice(MAL_POSTED, mal_off, MAL_RUN);
    struct store_put puts[4] = {
        /* identical: nothing rewritten, no marking added */
        prov_put(IND, 1, IND_POSTED, IND_POSTED, true, 0, 0),
        /* the whole object_marking_refs property spliced in */
        prov_put(IND, 2, ind, IND_POSTED, true, ind_off, strlen(IND_RUN)),
        /* one id appended to an existing list */
        prov_put(MAL, 1, mal, MAL_POSTED, true, mal_off, strlen(MAL_RUN)),
        /* rewritten by the anonymiser: the original given in full */
        prov_put(TOOL, 1, tool, tool_posted, false, 0, 0),
    };
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, "c1", puts, 4, &err), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(puts[i].result, STORE_PUT_NEW);

    list(t->s, IND, &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.original[0], IND_POSTED);
    assert_string_equal(s.original[1], IND_POSTED);
    assert_string_equal(s.coll[1], "c1");
    seen_clear(&s);
    list(t->s, MAL, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.original[0], MAL_POSTED);
    seen_clear(&s);
    list(t->s, TOOL, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.original[0], tool_posted);
    seen_clear(&s);

    /* Derived rows hold no copy of the bytes; the full one does. */
    int derived = -1, len = -1;
    for (int i = 0; i < 3; i++) {
        raw_row(t->path, puts[i].date_added, &derived, &len);
        assert_int_equal(derived, 1);
        assert_int_equal(len, 0);
    }
    raw_row(t->path, puts[3].date_added, &derived, &len);
    assert_int_equal(derived, 0);
    assert_int_equal(len, (int)strlen(tool_posted));

    /* The same version again is a DUP: no second provenance row. */
    struct store_put again = prov_put(MAL, 1, mal, MAL_POSTED, true, mal_off, strlen(MAL_RUN));
    assert_int_equal(store_put_objects(t->s, "c1", &again, 1, &err), 0);
    assert_int_equal(again.result, STORE_PUT_DUP);
    list(t->s, MAL, &s);
    assert_int_equal(s.n, 1);
    seen_clear(&s);
    free(ind);
    free(mal);
}

static void delete_keeps_originals(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct prov_seen s;
    size_t deleted = 0;
    size_t ind_off = 1, mal_off = strlen(MAL_POSTED) - strlen("],\"type\":\"malware\"}");
    char *ind = splice(IND_POSTED, ind_off, IND_RUN);
    char *mal = splice(MAL_POSTED, mal_off, MAL_RUN);
    /* Three versions of IND (two in c1, one in c2, same date_added order) and MAL in c1. */
    struct store_put puts[3] = {
        prov_put(IND, 1, IND_POSTED, IND_POSTED, true, 0, 0),
        prov_put(IND, 2, ind, IND_POSTED, true, ind_off, strlen(IND_RUN)),
        prov_put(MAL, 1, mal, MAL_POSTED, true, mal_off, strlen(MAL_RUN)),
    };
    struct store_put other = prov_put(IND, 3, ind, IND_POSTED, true, ind_off, strlen(IND_RUN));
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, "c1", puts, 3, &err), 0);
    assert_int_equal(store_put_objects(t->s, "c2", &other, 1, &err), 0);

    /* Delete only version 2 of IND in c1: its original is written out, the others stay
     * derived. */
    const char *ids[] = {IND};
    rk_time_us v2 = 2;
    struct store_query q = {.collection_id = "c1",
                            .added_after = -1,
                            .limit = 1,
                            .ids = ids,
                            .n_ids = 1,
                            .version_sel = STORE_VERSION_SPECIFIC,
                            .versions = &v2,
                            .n_versions = 1};
    assert_int_equal(store_delete_object(t->s, &q, &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    int derived = -1, len = -1;
    raw_row(t->path, puts[1].date_added, &derived, &len);
    assert_int_equal(derived, 0);
    assert_int_equal(len, (int)strlen(IND_POSTED));
    raw_row(t->path, puts[0].date_added, &derived, &len);
    assert_int_equal(derived, 1);
    raw_row(t->path, other.date_added, &derived, &len);
    assert_int_equal(derived, 1); /* another collection's row of the same id */
    raw_row(t->path, puts[2].date_added, &derived, &len);
    assert_int_equal(derived, 1);

    /* Then every version of IND in c1, and MAL. */
    struct store_query all = {.collection_id = "c1",
                              .added_after = -1,
                              .limit = 1,
                              .ids = ids,
                              .n_ids = 1,
                              .version_sel = STORE_VERSION_ALL};
    assert_int_equal(store_delete_object(t->s, &all, &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    const char *mids[] = {MAL};
    all.ids = mids;
    assert_int_equal(store_delete_object(t->s, &all, &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    raw_row(t->path, puts[0].date_added, &derived, &len);
    assert_int_equal(derived, 0);
    raw_row(t->path, puts[2].date_added, &derived, &len);
    assert_int_equal(derived, 0);
    raw_row(t->path, other.date_added, &derived, &len);
    assert_int_equal(derived, 1);

    /* Every original, byte for byte, with no object row left in c1. */
    list(t->s, IND, &s);
    assert_int_equal(s.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(s.original[i], IND_POSTED);
    assert_string_equal(s.coll[2], "c2");
    seen_clear(&s);
    list(t->s, MAL, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.original[0], MAL_POSTED);
    seen_clear(&s);
    free(ind);
    free(mal);
}

/* A collection row for id, so that collection_remove has something to remove. */
static void coll_row(struct store *s, const char *id)
{
    struct store_collection c;
    struct rk_err err;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "%s", id);
    c.title = (char *)id;
    c.read_spec = (char *)"all";
    c.write_spec = (char *)"all";
    rk_err_clear(&err);
    assert_int_equal(store_collection_add(s, &c, &err), 0);
}

/*
 * Removing a collection with purge writes out the provenance of every version it held, as
 * delete_object does: derived originals, originals carried in the rows and full ones, also
 * next to a version deleted before (already listed as gone); another collection's version
 * of the same id stays as it was. Refused without purge, with nothing changed.
 */
static void purge_keeps_originals(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct prov_seen s;
    int64_t purged = -1;
    size_t ind_off = 1, mal_off = strlen(MAL_POSTED) - strlen("],\"type\":\"malware\"}");
    const char *tool = "{\"id\":\"" TOOL "\",\"name\":\"t\",\"type\":\"tool\"}";
    const char *tool_posted = "{\"id\":\"" TOOL "\",\"name\":\"t\",\"type\":\"tool\",\"x\":1}";
    char *ind = splice(IND_POSTED, ind_off, IND_RUN);
    char *mal = splice(MAL_POSTED, mal_off, MAL_RUN);
    struct store_put puts[4] = {
        prov_put(IND, 1, IND_POSTED, IND_POSTED, true, 0, 0),
        prov_put(IND, 2, ind, IND_POSTED, true, ind_off, strlen(IND_RUN)),
        prov_put(MAL, 1, mal, MAL_POSTED, true, mal_off, strlen(MAL_RUN)),
        prov_put(TOOL, 1, tool, tool_posted, false, 0, 0),
    };
    struct store_put other = prov_put(IND, 3, ind, IND_POSTED, true, ind_off, strlen(IND_RUN));
    coll_row(t->s, "c1");
    coll_row(t->s, "c2");
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, "c1", puts, 4, &err), 0);
    assert_int_equal(store_put_objects(t->s, "c2", &other, 1, &err), 0);
    /* Version 1 of IND deleted before: its row is listed as gone already. */
    const char *ids[] = {IND};
    rk_time_us v1 = 1;
    size_t deleted = 0;
    struct store_query q = {.collection_id = "c1",
                            .added_after = -1,
                            .limit = 1,
                            .ids = ids,
                            .n_ids = 1,
                            .version_sel = STORE_VERSION_SPECIFIC,
                            .versions = &v1,
                            .n_versions = 1};
    assert_int_equal(store_delete_object(t->s, &q, &deleted, &err), 0);
    assert_int_equal(deleted, 1);

    assert_int_equal(store_collection_remove(t->s, "c1", false, &purged, &err), RK_E_CONFLICT);
    assert_int_equal(purged, 3);
    int derived = -1, len = -1;
    raw_row(t->path, puts[2].date_added, &derived, &len);
    assert_int_equal(derived, 1); /* nothing was written out */
    int64_t n = 0;
    assert_int_equal(store_count_objects(t->s, "c1", &n, &err), 0);
    assert_int_equal(n, 3);

    assert_int_equal(store_collection_remove(t->s, "c1", true, &purged, &err), 0);
    assert_int_equal(purged, 3);
    assert_int_equal(store_count_objects(t->s, "c1", &n, &err), 0);
    assert_int_equal(n, 0);
    for (int i = 1; i < 4; i++) {
        raw_row(t->path, puts[i].date_added, &derived, &len);
        assert_int_equal(derived, 0);
    }
    raw_row(t->path, puts[3].date_added, &derived, &len);
    assert_int_equal(len, (int)strlen(tool_posted));
    raw_row(t->path, other.date_added, &derived, &len);
    assert_int_equal(derived, 1); /* c2's version is untouched */

    /* Every original, byte for byte, each once, in date_added order. */
    list(t->s, IND, &s);
    assert_int_equal(s.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(s.original[i], IND_POSTED);
    assert_true(s.added[0] == puts[0].date_added);
    assert_true(s.added[1] == puts[1].date_added);
    assert_string_equal(s.coll[2], "c2");
    seen_clear(&s);
    list(t->s, MAL, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.original[0], MAL_POSTED);
    seen_clear(&s);
    list(t->s, TOOL, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.original[0], tool_posted);
    seen_clear(&s);
    assert_int_equal(store_count_objects(t->s, "c2", &n, &err), 0);
    assert_int_equal(n, 1);
    free(ind);
    free(mal);
}

static void bad_cut_refused(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct prov_seen s;
    struct store_put ok = prov_put(MAL, 1, MAL_POSTED, MAL_POSTED, true, 0, 0);
    struct store_put bad = prov_put(IND, 1, IND_POSTED, IND_POSTED, true, 10, strlen(IND_POSTED));
    struct store_put puts[2] = {ok, bad};
    rk_err_clear(&err);
    assert_true(store_put_objects(t->s, "c1", puts, 2, &err) < 0);
    assert_non_null(strstr(err.msg, "provenance cut"));
    assert_non_null(strstr(err.msg, IND));
    /* All or nothing: MAL's object and provenance rows went too. */
    list(t->s, MAL, &s);
    assert_int_equal(s.n, 0);
    int64_t count = -1;
    assert_int_equal(store_count_objects(t->s, "c1", &count, &err), 0);
    assert_int_equal(count, 0);
}

/* A derived row listed as gone whose object row went some other way (here by hand, not
 * through delete_object, which writes the original out) is reported, not returned as an
 * empty original. Without its provenance_gone entry such a row cannot be found at all. */
static void missing_object_row_reported(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct prov_seen s;
    struct store_put p = prov_put(IND, 1, IND_POSTED, IND_POSTED, true, 0, 0);
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, "c1", &p, 1, &err), 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(t->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM objects", NULL, NULL, NULL), SQLITE_OK);
    list(t->s, IND, &s);
    assert_int_equal(s.n, 0);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO provenance_gone(id, date_added) "
                                  "SELECT id, date_added FROM provenance",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_provenance_list(t->s, IND, seen, &s, &err), RK_E_DB);
    assert_int_equal(s.n, 0);
    assert_non_null(strstr(err.msg, IND));
    assert_non_null(strstr(err.msg, "missing"));
}

/* The number of provenance_gone entries of id, read through a connection of our own. */
static int gone_count(const char *path, const char *id)
{
    return tstore_raw_int(path, "SELECT COUNT(*) FROM provenance_gone WHERE id = %Q", id);
}

/* One stored version of IND in a collection: its json (the posted text with a marking run
 * spliced in after the first brace) and posted text, which tell versions and collections
 * apart. */
struct ver {
    const char *coll;
    rk_time_us version;
    char posted[160];
    char *json;
    rk_time_us added;
};

static void ver_put(struct store *s, struct ver *v)
{
    struct rk_err err;
    snprintf(v->posted, sizeof(v->posted), "{\"c\":\"%s\",\"id\":\"" IND "\",\"v\":%lld}", v->coll,
             (long long)v->version);
    v->json = splice(v->posted, 1, IND_RUN);
    struct store_put p = prov_put(IND, v->version, v->json, v->posted, true, 1, strlen(IND_RUN));
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(s, v->coll, &p, 1, &err), 0);
    assert_int_equal(p.result, STORE_PUT_NEW);
    v->added = p.date_added;
}

/* IND's provenance list is exactly the n versions of vs, in that (date_added) order. */
static void expect_list(struct store *s, struct ver *const *vs, size_t n)
{
    struct prov_seen seen_rows;
    list(s, IND, &seen_rows);
    assert_int_equal(seen_rows.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(seen_rows.added[i], vs[i]->added);
        assert_string_equal(seen_rows.coll[i], vs[i]->coll);
        assert_string_equal(seen_rows.original[i], vs[i]->posted);
    }
    seen_clear(&seen_rows);
}

static void delete_versions(struct store *s, const char *coll, rk_time_us *version, size_t expect)
{
    struct rk_err err;
    const char *ids[] = {IND};
    size_t deleted = 0;
    struct store_query q = {.collection_id = coll,
                            .added_after = -1,
                            .limit = 1,
                            .ids = ids,
                            .n_ids = 1,
                            .version_sel =
                                version != NULL ? STORE_VERSION_SPECIFIC : STORE_VERSION_ALL,
                            .versions = version,
                            .n_versions = version != NULL ? 1 : 0};
    rk_err_clear(&err);
    assert_int_equal(store_delete_object(s, &q, &deleted, &err), 0);
    assert_int_equal(deleted, expect);
}

/* The same id in two collections, several versions interleaved in date_added order, deleted
 * a version at a time, then whole, then stored again: every provenance row is listed once,
 * in order, with its collection and original, whether its version exists or not; only the
 * deleted versions' rows are in provenance_gone, and other ids are untouched. */
static void list_across_collections_and_deletes(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct prov_seen s;
    struct ver a = {.coll = "c1", .version = 1}, b = {.coll = "c2", .version = 1},
               c = {.coll = "c1", .version = 2}, d = {.coll = "c2", .version = 2},
               e = {.coll = "c1", .version = 3}, f = {.coll = "c1", .version = 2};
    struct ver *order[] = {&a, &b, &c, &d, &e, &f};
    for (size_t i = 0; i < 5; i++)
        ver_put(t->s, order[i]);
    /* Another id with provenance, and one without, in the same collection. */
    struct store_put mal = prov_put(MAL, 1, MAL_POSTED, MAL_POSTED, true, 0, 0);
    char buf[128];
    struct store_put tool = tput(TOOL, 1, "t", buf, sizeof(buf));
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, "c1", &mal, 1, &err), 0);
    assert_int_equal(store_put_objects(t->s, "c1", &tool, 1, &err), 0);

    expect_list(t->s, order, 5);
    assert_int_equal(gone_count(t->path, IND), 0);

    /* One version in the middle: its row stays in its place. */
    rk_time_us v2 = 2;
    delete_versions(t->s, "c1", &v2, 1);
    assert_int_equal(gone_count(t->path, IND), 1);
    expect_list(t->s, order, 5);

    /* The other versions of c1: c2's rows still come through their objects. */
    delete_versions(t->s, "c1", NULL, 2);
    assert_int_equal(gone_count(t->path, IND), 3);
    expect_list(t->s, order, 5);

    /* Stored again: a new row after the gone ones. */
    ver_put(t->s, &f);
    expect_list(t->s, order, 6);
    assert_int_equal(gone_count(t->path, IND), 3);

    /* The whole object, in both collections. */
    delete_versions(t->s, "c2", NULL, 2);
    delete_versions(t->s, "c1", NULL, 1);
    assert_int_equal(gone_count(t->path, IND), 6);
    expect_list(t->s, order, 6);
    const char *ids[] = {IND};
    struct store_query none = {
        .collection_id = "c1", .added_after = -1, .limit = 10, .ids = ids, .n_ids = 1};
    struct store_page page;
    assert_int_equal(store_query(t->s, &none, NULL, NULL, NULL, NULL, &page, &err), 0);
    assert_int_equal(page.count, 0);

    /* The other ids: MAL's row is still found through its object; a version without
     * provenance leaves no entry when deleted. */
    assert_int_equal(gone_count(t->path, MAL), 0);
    list(t->s, MAL, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.original[0], MAL_POSTED);
    seen_clear(&s);
    assert_int_equal(tstore_delete_all(t->s, "c1", TOOL), 1);
    assert_int_equal(gone_count(t->path, TOOL), 0);
    list(t->s, TOOL, &s);
    assert_int_equal(s.n, 0);
    for (size_t i = 0; i < 6; i++)
        free(order[i]->json);
}

/* Moves a deleted version's date_added an hour ahead in the raw file, as if it had been
 * added while the clock was an hour ahead of today's (provenance and provenance_gone). */
static void raw_shift_added(const char *path, rk_time_us from, rk_time_us to)
{
    sqlite3 *db = NULL;
    char sql[256];
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    snprintf(sql, sizeof(sql),
             "UPDATE provenance SET date_added = %lld WHERE date_added = %lld;"
             "UPDATE provenance_gone SET date_added = %lld WHERE date_added = %lld;",
             (long long)to, (long long)from, (long long)to, (long long)from);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_close(db);
}

/* date_added stays above every one the file records, the deleted versions' too: after a
 * restart with the clock behind the newest (deleted) object, a new version must not be
 * handed its date_added again (its provenance row would collide with the old one's key). */
static void date_added_above_deleted_versions(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    size_t deleted = 0;
    struct store_put p = prov_put(IND, 1, IND_POSTED, IND_POSTED, true, 0, 0);
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, "c1", &p, 1, &err), 0);
    const char *ids[] = {IND};
    struct store_query q = {.collection_id = "c1",
                            .added_after = -1,
                            .limit = 1,
                            .ids = ids,
                            .n_ids = 1,
                            .version_sel = STORE_VERSION_ALL};
    assert_int_equal(store_delete_object(t->s, &q, &deleted, &err), 0);
    assert_int_equal(deleted, 1);
    store_close(t->s);
    t->s = NULL;
    rk_time_us ahead = rk_time_now() + (rk_time_us)3600 * 1000000;
    raw_shift_added(t->path, p.date_added, ahead);
    tstore_open(t);
    struct store_put n = prov_put(MAL, 1, MAL_POSTED, MAL_POSTED, true, 0, 0);
    assert_int_equal(store_put_objects(t->s, "c1", &n, 1, &err), 0);
    assert_int_equal(n.result, STORE_PUT_NEW);
    assert_true(n.date_added > ahead);
}

/* Each test that puts derived originals, with the provenance in the object row and not. */
#define BOTH_WAYS(name)                                                                            \
    static void name##_in_row(void **state)                                                        \
    {                                                                                              \
        g_in_row = true;                                                                           \
        name(state);                                                                               \
    }                                                                                              \
    static void name##_own_row(void **state)                                                       \
    {                                                                                              \
        g_in_row = false;                                                                          \
        name(state);                                                                               \
    }
BOTH_WAYS(derived_and_full_originals)
BOTH_WAYS(delete_keeps_originals)
BOTH_WAYS(bad_cut_refused)
BOTH_WAYS(list_across_collections_and_deletes)
BOTH_WAYS(date_added_above_deleted_versions)
BOTH_WAYS(purge_keeps_originals)

/* A row removed by hand takes the provenance it carried (migration 7) with it; only the
 * rows of migration 4 can be reported (missing_object_row_reported). */
static void missing_object_row_own_row(void **state)
{
    g_in_row = false;
    missing_object_row_reported(state);
}

/* The token hash of each listed row, copied. */
static int token_seen(void *ctx, const struct store_provenance *p)
{
    snprintf(ctx, 80, "%s", p->token_hash);
    return 0;
}

/*
 * The tokens of one call: the store decodes a token once for consecutive puts that share
 * the same string and again when the next put brings another one (store_sq_puts_prep);
 * each row must still carry its own put's token, in the row or in a provenance row.
 */
static void tokens_of_one_call(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    static const char other[] = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    const char *ids[4] = {IND, MAL, TOOL, "tool--77777777-7777-4777-8777-777777777777"};
    const char *tokens[4] = {TOKEN_HEX, TOKEN_HEX, other, "not hex"};
    const char *jsons[4] = {"{\"a\":1}", "{\"a\":2}", "{\"a\":3}", "{\"a\":4}"};
    struct store_put puts[4];
    for (int i = 0; i < 4; i++) {
        puts[i] = prov_put(ids[i], 1, jsons[i], jsons[i], true, 0, 0);
        puts[i].token_hash = tokens[i];
    }
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, "c1", puts, 4, &err), 0);
    for (int i = 0; i < 4; i++) {
        char got[80] = "";
        assert_int_equal(store_provenance_list(t->s, ids[i], token_seen, got, &err), 0);
        assert_string_equal(got, tokens[i]);
    }
    /* The hex ones rode in their rows; "not hex" needed a provenance row of its own. */
    assert_int_equal(tstore_raw_int(t->path, "SELECT COUNT(*) FROM objects WHERE prov = 1"), 3);
    assert_int_equal(tstore_raw_int(t->path, "SELECT COUNT(*) FROM provenance"), 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tstore_setup, tstore_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(derived_and_full_originals_in_row),
        T(derived_and_full_originals_own_row),
        T(delete_keeps_originals_in_row),
        T(delete_keeps_originals_own_row),
        T(bad_cut_refused_in_row),
        T(bad_cut_refused_own_row),
        T(missing_object_row_own_row),
        T(list_across_collections_and_deletes_in_row),
        T(list_across_collections_and_deletes_own_row),
        T(date_added_above_deleted_versions_in_row),
        T(date_added_above_deleted_versions_own_row),
        T(tokens_of_one_call),
        T(purge_keeps_originals_in_row),
        T(purge_keeps_originals_own_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
