/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_provenance.c: the originals of stored objects, for any backend. provenance_list
 * returns each original byte for byte, with its source, token, anonymity and actions:
 * given in full or as json minus a span (the original_from_json hint), after a duplicate,
 * after deleting some versions or all, across collections and versions in date_added order,
 * after a purge; a span outside json is refused and nothing of its call is stored. Where the
 * SQLite backend keeps them is checked in sqlite/test_sqlite_provenance.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store_helpers.h"

#define IND  "indicator--44444444-4444-4444-8444-444444444444"
#define MAL  "malware--55555555-5555-4555-8555-555555555555"
#define TOOL "tool--66666666-6666-4666-8666-666666666666"
#define MARK "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

/* Posted texts and what the hub stores for them (the marking spliced in). */
#define IND_POSTED "{\"id\":\"" IND "\",\"pattern\":\"[x]\",\"type\":\"indicator\"}"
#define IND_RUN    "\"object_marking_refs\":[\"" MARK "\"],"
#define MAL_POSTED "{\"id\":\"" MAL "\",\"object_marking_refs\":[\"m1\"],\"type\":\"malware\"}"
#define MAL_RUN    ",\"" MARK "\""

/* The token hash of the puts: a hex one, as the hub's are, or any other text (a backend may
 * keep the two differently: SQLite does). */
#define TOKEN_HEX "00ff0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
static bool g_hex_token;

static const char *token(void)
{
    return g_hex_token ? TOKEN_HEX : "h";
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
    /* What prov_put gave every version. */
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

/* A put of json whose original is json minus [off, off + len), told to the store as a hint
 * (derived) or not. */
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

    /* Delete only version 2 of IND in c1: every original is still listed. */
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
    list(t->s, IND, &s);
    assert_int_equal(s.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(s.original[i], IND_POSTED);
    seen_clear(&s);

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
 * Removing a collection with purge keeps the original of every version it held, as
 * delete_object does, given as a span or in full, also next to a version deleted before;
 * another collection's version of the same id stays as it was. Refused without purge, with
 * nothing changed.
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
    /* Version 1 of IND deleted before. */
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
    int64_t n = 0;
    assert_int_equal(store_count_objects(t->s, "c1", &n, &err), 0);
    assert_int_equal(n, 3);

    assert_int_equal(store_collection_remove(t->s, "c1", true, &purged, &err), 0);
    assert_int_equal(purged, 3);
    assert_int_equal(store_count_objects(t->s, "c1", &n, &err), 0);
    assert_int_equal(n, 0);

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

/* A span outside json: refused, naming the object, and nothing of the call is stored. */
static void bad_cut_refused(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct prov_seen s;
    struct store_put ok = prov_put(MAL, 1, MAL_POSTED, MAL_POSTED, true, 0, 0);
    struct store_put bad = prov_put(IND, 1, IND_POSTED, IND_POSTED, true, 10, strlen(IND_POSTED));
    struct store_put puts[2] = {ok, bad};
    rk_err_clear(&err);
    assert_int_equal(store_put_objects(t->s, "c1", puts, 2, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, IND));
    /* All or nothing: MAL's object and original went too. */
    list(t->s, MAL, &s);
    assert_int_equal(s.n, 0);
    int64_t count = -1;
    assert_int_equal(store_count_objects(t->s, "c1", &count, &err), 0);
    assert_int_equal(count, 0);
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
 * a version at a time, then whole, then stored again: every original is listed once, in
 * order, with its collection, whether its version exists or not, and other ids are
 * untouched. */
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

    /* One version in the middle: its original stays in its place. */
    rk_time_us v2 = 2;
    delete_versions(t->s, "c1", &v2, 1);
    expect_list(t->s, order, 5);

    /* The other versions of c1. */
    delete_versions(t->s, "c1", NULL, 2);
    expect_list(t->s, order, 5);

    /* Stored again: a new original after the others. */
    ver_put(t->s, &f);
    expect_list(t->s, order, 6);

    /* The whole object, in both collections. */
    delete_versions(t->s, "c2", NULL, 2);
    delete_versions(t->s, "c1", NULL, 1);
    expect_list(t->s, order, 6);
    const char *ids[] = {IND};
    struct store_query none = {
        .collection_id = "c1", .added_after = -1, .limit = 10, .ids = ids, .n_ids = 1};
    struct store_page page;
    assert_int_equal(store_query(t->s, &none, NULL, NULL, NULL, NULL, &page, &err), 0);
    assert_int_equal(page.count, 0);

    /* The other ids: MAL's original is still there; a version stored without one has none,
     * also once deleted. */
    list(t->s, MAL, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.original[0], MAL_POSTED);
    seen_clear(&s);
    assert_int_equal(tstore_delete_all(t->s, "c1", TOOL), 1);
    list(t->s, TOOL, &s);
    assert_int_equal(s.n, 0);
    for (size_t i = 0; i < 6; i++)
        free(order[i]->json);
}

/* Each test that puts originals, with a hex token hash (as the hub's) and with another. */
#define BOTH_WAYS(name)                                                                            \
    static void name##_hex_token(void **state)                                                     \
    {                                                                                              \
        g_hex_token = true;                                                                        \
        name(state);                                                                               \
    }                                                                                              \
    static void name##_other_token(void **state)                                                   \
    {                                                                                              \
        g_hex_token = false;                                                                       \
        name(state);                                                                               \
    }
BOTH_WAYS(derived_and_full_originals)
BOTH_WAYS(delete_keeps_originals)
BOTH_WAYS(bad_cut_refused)
BOTH_WAYS(list_across_collections_and_deletes)
BOTH_WAYS(purge_keeps_originals)

/* The token hash of each listed row, copied. */
static int token_seen(void *ctx, const struct store_provenance *p)
{
    snprintf(ctx, 80, "%s", p->token_hash);
    return 0;
}

/* The tokens of one call: puts in a row that share a token and the next ones that do not
 * each keep their own put's token. */
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
}

#define T(name) cmocka_unit_test_setup_teardown(name, tstore_setup, tstore_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(derived_and_full_originals_hex_token),
        T(derived_and_full_originals_other_token),
        T(delete_keeps_originals_hex_token),
        T(delete_keeps_originals_other_token),
        T(bad_cut_refused_hex_token),
        T(bad_cut_refused_other_token),
        T(list_across_collections_and_deletes_hex_token),
        T(list_across_collections_and_deletes_other_token),
        T(tokens_of_one_call),
        T(purge_keeps_originals_hex_token),
        T(purge_keeps_originals_other_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
