/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lean_check.h: a lean query (store_query.lean) against a full one, shared by the interface
 * suite (test_hints.c: every field a caller may read is the same, the others empty or the
 * same) and the SQLite-only test_lean.c (lean_strict: the others are empty). Rows of
 * N_IDS ids with up to four versions each, compared in every query shape, filtered or not,
 * page by page.
 */
#ifndef RK_TEST_LEAN_CHECK_H
#define RK_TEST_LEAN_CHECK_H

#include "test_store_helpers.h"

/* Whether the backend under test takes the lean hint (the lean row's fields are empty). */
static bool lean_strict;

#define COLL     "0d7c3f3e-2a8e-4bb4-9d0e-6f1d8f3a5c01"
#define OTHER    "0d7c3f3e-2a8e-4bb4-9d0e-6f1d8f3a5c02"
#define N_IDS    12
#define MAX_ROWS 256

/* One row as a callback saw it, copied. */
struct rec {
    char id[80], type[32], spec_version[8];
    rk_time_us version, date_added;
    int version_form;
    char json[160];
    size_t json_len;
    bool has_json;
    int tlp;
    char source_org[40], source_sector[40], scope[40], recipients[80], joins[200], rule[40];
    bool is_first, is_last;
    bool coll_ok; /* collection_id is the query's own collection */
};

struct recs {
    const struct store_query *q;
    size_t n, n_filtered;
    struct rec rows[MAX_ROWS];
    struct rec filtered[MAX_ROWS]; /* every row the filter saw, in order */
};

static inline void copy_str(char *dst, size_t cap, const char *s)
{
    assert_non_null(s); /* lean rows hold "", never NULL */
    assert_true(strlen(s) < cap);
    memcpy(dst, s, strlen(s) + 1);
}

static inline void rec_of(const struct store_query *q, const struct store_row *row, struct rec *r)
{
    memset(r, 0, sizeof(*r));
    copy_str(r->id, sizeof(r->id), row->id);
    copy_str(r->type, sizeof(r->type), row->type);
    copy_str(r->spec_version, sizeof(r->spec_version), row->spec_version);
    r->version = row->version;
    r->version_form = row->version_form;
    r->date_added = row->date_added;
    r->has_json = row->json != NULL;
    if (row->json != NULL) {
        assert_true(row->json_len < sizeof(r->json));
        memcpy(r->json, row->json, row->json_len);
    }
    r->json_len = row->json_len;
    r->tlp = row->access.tlp;
    copy_str(r->source_org, sizeof(r->source_org), row->access.source_org);
    copy_str(r->source_sector, sizeof(r->source_sector), row->access.source_sector);
    copy_str(r->scope, sizeof(r->scope), row->access.scope);
    copy_str(r->recipients, sizeof(r->recipients), row->access.recipients);
    copy_str(r->joins, sizeof(r->joins), row->access.joins);
    copy_str(r->rule, sizeof(r->rule), row->access.rule);
    r->is_first = row->is_first;
    r->is_last = row->is_last;
    r->coll_ok = row->collection_id == q->collection_id;
}

static inline int collect(void *ctx, const struct store_row *row)
{
    struct recs *rs = ctx;
    assert_true(rs->n < MAX_ROWS);
    rec_of(rs->q, row, &rs->rows[rs->n++]);
    return 0;
}

/* Drops every TLP 3 row (as an access check would), recording what it saw. */
static inline bool drop_tlp3(void *ctx, const struct store_row *row)
{
    struct recs *rs = ctx;
    assert_true(rs->n_filtered < MAX_ROWS);
    rec_of(rs->q, row, &rs->filtered[rs->n_filtered++]);
    return row->access.tlp != 3;
}

static inline void run(struct store *s, const struct store_query *q, bool filter, struct recs *out,
                       struct store_page *page)
{
    struct rk_err err;
    rk_err_clear(&err);
    memset(out, 0, sizeof(*out));
    out->q = q;
    int rc = store_query(s, q, filter ? drop_tlp3 : NULL, out, collect, out, page, &err);
    if (rc != 0)
        fprintf(stderr, "query: %s\n", err.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(page->count, out->n);
}

/*
 * a (full) and b (lean) are the same row but for the fields a lean query may leave empty:
 * with lean_strict (a backend that takes the hint, as SQLite does) they are empty, else each
 * is empty or the full row's.
 */
static inline void same_but_lean(const struct rec *a, const struct rec *b)
{
    assert_string_equal(a->id, b->id);
    assert_string_equal(a->type, b->type);
    assert_int_equal(a->version, b->version);
    /* Half the versions were put with nine fraction digits (see fill); a lean query with
     * JSON does not read the form. */
    if (lean_strict)
        assert_int_equal(b->version_form, b->has_json ? RK_TIME_FORM_US : a->version_form);
    else
        assert_true(b->version_form == a->version_form ||
                    (b->has_json && b->version_form == RK_TIME_FORM_US));
    assert_int_equal(a->version_form, a->version % 20 == 10 ? 9 : RK_TIME_FORM_US);
    assert_int_equal(a->date_added, b->date_added);
    assert_int_equal(a->has_json, b->has_json);
    assert_int_equal(a->json_len, b->json_len);
    assert_memory_equal(a->json, b->json, a->json_len);
    assert_int_equal(a->tlp, b->tlp);
    assert_string_equal(a->source_org, b->source_org);
    assert_string_equal(a->scope, b->scope);
    assert_string_equal(a->recipients, b->recipients);
    assert_string_equal(a->joins, b->joins);
    assert_int_equal(a->is_first, b->is_first);
    assert_int_equal(a->is_last, b->is_last);
    assert_true(a->coll_ok && b->coll_ok);
    /* Every stored row has them (see fill): the full query reads them... */
    assert_true(a->spec_version[0] != '\0');
    assert_true(a->source_sector[0] != '\0');
    assert_true(a->rule[0] != '\0');
    /* ...the lean one does not, or need not. */
    if (lean_strict) {
        assert_string_equal(b->spec_version, "");
        assert_string_equal(b->source_sector, "");
        assert_string_equal(b->rule, "");
    } else {
        assert_true(b->spec_version[0] == '\0' || strcmp(b->spec_version, a->spec_version) == 0);
        assert_true(b->source_sector[0] == '\0' || strcmp(b->source_sector, a->source_sector) == 0);
        assert_true(b->rule[0] == '\0' || strcmp(b->rule, a->rule) == 0);
    }
}

/* Runs q full and lean, with and without the filter, paging through every row by
 * added_after; both must see the same rows and pages. Returns the rows of the first page. */
static inline size_t compare(struct store *s, struct store_query q)
{
    static struct recs full, lean;
    size_t first_page = 0;
    for (int filter = 0; filter < 2; filter++) {
        rk_time_us after = q.added_after;
        for (int pages = 0;; pages++) {
            struct store_page pf, pl;
            struct store_query qf = q, ql = q;
            qf.lean = false;
            ql.lean = true;
            qf.added_after = ql.added_after = after;
            run(s, &qf, filter, &full, &pf);
            run(s, &ql, filter, &lean, &pl);
            if (pages == 0 && filter == 0)
                first_page = full.n;
            assert_int_equal(pf.count, pl.count);
            assert_int_equal(pf.more, pl.more);
            assert_int_equal(pf.first_added, pl.first_added);
            assert_int_equal(pf.last_added, pl.last_added);
            for (size_t i = 0; i < full.n; i++)
                same_but_lean(&full.rows[i], &lean.rows[i]);
            assert_int_equal(full.n_filtered, lean.n_filtered);
            for (size_t i = 0; i < full.n_filtered; i++)
                same_but_lean(&full.filtered[i], &lean.filtered[i]);
            if (!pf.more)
                break;
            assert_true(pages < 100);
            after = pf.last_added;
        }
    }
    return first_page;
}

/*
 * N_IDS ids of two types, each with 1 to 4 versions; some versions keep the access of the
 * version before (shadowed), some change it; every row has a spec_version, source_sector
 * and rule. One id is also in OTHER. Versions are put newest first for some ids, so that
 * is_first/is_last and the clustered positions move.
 */
static inline void fill(struct store *s)
{
    static char bufs[N_IDS * 4][160];
    static char texts[N_IDS * 4][RK_TIME_LEN];
    static char ids[N_IDS][80];
    static char joins[N_IDS][200];
    static const char *orgs[] = {"org-a", "org-b", "org-c"};
    static const char *sectors[] = {"finance", "electric-power", "rail"};
    static const char *rules[] = {"marking", "default", "ics-amber"};
    struct rk_err err;
    for (int i = 0; i < N_IDS; i++) {
        struct store_put p[4];
        int nv = 1 + i % 4;
        bool rel = i % 3 == 2;
        snprintf(ids[i], sizeof(ids[i]), "%s--00000000-0000-4000-8000-0000000000%02d",
                 rel ? "relationship" : "indicator", i);
        if (rel) /* joins the two ids before it */
            snprintf(joins[i], sizeof(joins[i]), "%s %s", ids[i - 2], ids[i - 1]);
        for (int v = 0; v < nv; v++) {
            int k = i * 4 + v;
            /* Newest first for odd ids. */
            rk_time_us version = 1000 + (i % 2 ? nv - 1 - v : v) * 10;
            p[v] = tput(ids[i], version, i % 2 ? "odd" : "even", bufs[k], sizeof(bufs[k]));
            p[v].type = rel ? "relationship" : "indicator";
            p[v].spec_version = i % 5 == 4 ? "2.0" : "2.1";
            rk_time_format_as(version, 9, texts[k]); /* 0.001010000: the same instant */
            p[v].version_text = version % 20 == 10 ? texts[k] : NULL;
            /* Access changes at the second version of ids divisible by 3. */
            int a = v >= 1 && i % 3 == 0 ? 1 : 0;
            p[v].access.tlp = 1 + (i + a) % 4;
            p[v].access.source_org = orgs[(i + a) % 3];
            p[v].access.source_sector = sectors[(i + v) % 3];
            p[v].access.scope = a ? "sector:finance" : "";
            p[v].access.recipients = i % 4 == 1 ? "org-b,org-c" : "";
            p[v].access.joins = joins[i];
            p[v].access.rule = rules[(i + v) % 3];
        }
        rk_err_clear(&err);
        assert_int_equal(store_put_objects(s, COLL, p, (size_t)nv, &err), 0);
        if (i == 5) {
            rk_err_clear(&err);
            assert_int_equal(store_put_objects(s, OTHER, p, 1, &err), 0);
        }
    }
}

/* Fills s and compares lean and full queries of every shape. */
static inline void check_lean_every_shape(struct store *s)
{
    fill(s);

    const char *one_type[] = {"relationship"};
    const char *two_types[] = {"relationship", "indicator"};
    const char *ids[] = {"indicator--00000000-0000-4000-8000-000000000003",
                         "relationship--00000000-0000-4000-8000-000000000005"};
    const char *v21[] = {"2.1"};
    const char *v20[] = {"2.0"};
    rk_time_us versions[] = {1000, 1020};
    struct store_query base = {
        .collection_id = COLL, .added_after = -1, .limit = 3, .with_json = true};
    struct store_query q;
    size_t n;

    /* The default page: the last range of the table. */
    q = base;
    assert_int_equal(compare(s, q), 3);
    q.limit = 100;
    assert_int_equal(compare(s, q), N_IDS);
    /* Manifests (no JSON), one type (objects_last_type), several types. */
    q = base;
    q.with_json = false;
    compare(s, q);
    q = base;
    q.types = one_type;
    q.n_types = 1;
    compare(s, q);
    q.types = two_types;
    q.n_types = 2;
    compare(s, q);
    /* Every version (two ranges merged), with and without skip_shadowed. */
    q = base;
    q.version_sel = STORE_VERSION_ALL;
    q.limit = 100;
    n = compare(s, q);
    assert_true(n > N_IDS);
    q.skip_shadowed = true;
    if (lean_strict)
        assert_true(compare(s, q) < n); /* the hint taken: shadowed versions left out */
    else
        assert_true(compare(s, q) <= n);
    q.limit = 2;
    compare(s, q);
    /* first, first|last, specific versions: the date_added-ordered shape. */
    q = base;
    q.version_sel = STORE_VERSION_FIRST;
    compare(s, q);
    q.version_sel = STORE_VERSION_FIRST | STORE_VERSION_LAST;
    compare(s, q);
    q.version_sel = STORE_VERSION_SPECIFIC;
    q.versions = versions;
    q.n_versions = 2;
    compare(s, q);
    /* ids (the object and versions endpoints), every version of them. */
    q = base;
    q.ids = ids;
    q.n_ids = 2;
    compare(s, q);
    q.version_sel = STORE_VERSION_ALL;
    compare(s, q);
    /* match[spec_version] still filters in SQL when lean. */
    q = base;
    q.limit = 100;
    q.spec_versions = v20;
    q.n_spec_versions = 1;
    n = compare(s, q);
    assert_true(n > 0 && n < N_IDS);
    q.spec_versions = v21;
    assert_int_equal(compare(s, q) + n, N_IDS);
    q.version_sel = STORE_VERSION_ALL;
    compare(s, q);
    /* added_after inside the collection. */
    q = base;
    q.added_after = 1;
    compare(s, q);
    /* The other collection. */
    q = base;
    q.collection_id = OTHER;
    assert_int_equal(compare(s, q), 1);
}

#endif
