/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_policy.c: what the store keeps for the sharing policy: access metadata and originals
 * on put, find_object across collections, the entities' policy fields, the audit hash chain
 * (also under concurrent appenders), the credit ledger and the counts. (That a failure
 * writing an original rolls its object back is fault injection: sqlite/test_sqlite_faults.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>

#include "test_store_helpers.h"

/* ---- objects: access metadata and provenance ----------------------------------------------- */

/* What a row callback saw, copied out of the row. */
struct seen {
    size_t n;
    char id[8][96];
    char coll[8][64];
    char source_org[8][64];
    char scope[8][64];
    char recipients[8][64];
    char joins[8][160];
    char rule[8][64];
    char sector[8][64];
    int tlp[8];
    rk_time_us added[8];
    bool had_json[8];
};

static int seen_row(void *ctx, const struct store_row *r)
{
    struct seen *s = ctx;
    assert_true(s->n < 8);
    size_t i = s->n++;
    snprintf(s->id[i], sizeof(s->id[i]), "%s", r->id);
    snprintf(s->coll[i], sizeof(s->coll[i]), "%s", r->collection_id);
    snprintf(s->source_org[i], sizeof(s->source_org[i]), "%s", r->access.source_org);
    snprintf(s->sector[i], sizeof(s->sector[i]), "%s", r->access.source_sector);
    snprintf(s->scope[i], sizeof(s->scope[i]), "%s", r->access.scope);
    snprintf(s->recipients[i], sizeof(s->recipients[i]), "%s", r->access.recipients);
    snprintf(s->joins[i], sizeof(s->joins[i]), "%s", r->access.joins);
    snprintf(s->rule[i], sizeof(s->rule[i]), "%s", r->access.rule);
    s->tlp[i] = r->access.tlp;
    s->added[i] = r->date_added;
    s->had_json[i] = r->json != NULL;
    return 0;
}

#define IND "indicator--11111111-1111-4111-8111-111111111111"
#define REL "relationship--22222222-2222-4222-8222-222222222222"

static struct store_put access_put(const char *id, rk_time_us v, const char *body, char *buf,
                                   size_t cap, int tlp, const char *org, const char *original)
{
    struct store_put p = tput(id, v, body, buf, cap);
    p.access.tlp = tlp;
    p.access.source_org = org;
    p.access.source_sector = "finance";
    p.access.scope = tlp == 3 ? "sector:finance" : "";
    p.access.recipients = tlp >= 4 ? "org-b,org-c" : NULL; /* NULL is stored as "" */
    p.access.joins = strncmp(id, "relationship", 12) == 0 ? IND " identity--x" : "";
    p.access.rule = "incidents-amber-sector";
    p.original = original;
    p.original_len = original != NULL ? strlen(original) : 0;
    p.token_hash = "abcd";
    p.anonymity = STORE_ANON_SECTOR;
    p.actions = original != NULL ? "[\"removed x_reporter\"]" : NULL;
    return p;
}

struct prov_seen {
    size_t n;
    char coll[4][64];
    char org[4][64];
    char original[4][128];
    char actions[4][64];
    char token[4][16];
    int anonymity[4];
    rk_time_us added[4], version[4], received[4];
};

static int seen_prov(void *ctx, const struct store_provenance *p)
{
    struct prov_seen *s = ctx;
    assert_true(s->n < 4);
    size_t i = s->n++;
    snprintf(s->coll[i], sizeof(s->coll[i]), "%s", p->collection_id);
    snprintf(s->org[i], sizeof(s->org[i]), "%s", p->org_id);
    snprintf(s->original[i], sizeof(s->original[i]), "%s", p->original);
    snprintf(s->actions[i], sizeof(s->actions[i]), "%s", p->actions);
    snprintf(s->token[i], sizeof(s->token[i]), "%s", p->token_hash);
    s->anonymity[i] = p->anonymity;
    s->added[i] = p->date_added;
    s->version[i] = p->version;
    s->received[i] = p->received;
    return 0;
}

static void put_writes_access_and_provenance(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    char b1[256], b2[256], b3[256];
    struct store_put p[2] = {
        access_put(IND, 1000, "x", b1, sizeof(b1), 3, "org-a", "{\"as\":\"posted\"}"),
        access_put(REL, 1000, "y", b2, sizeof(b2), 4, "org-a", "{\"rel\":1}"),
    };
    assert_int_equal(store_put_objects(t->s, "c1", p, 2, &err), 0);
    assert_int_equal(p[0].result, STORE_PUT_NEW);

    struct seen seen;
    memset(&seen, 0, sizeof(seen));
    struct store_query q = {.collection_id = "c1", .added_after = -1, .limit = 10};
    assert_int_equal(store_query(t->s, &q, NULL, NULL, seen_row, &seen, NULL, &err), 0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.tlp[0], 3);
    assert_string_equal(seen.source_org[0], "org-a");
    assert_string_equal(seen.sector[0], "finance");
    assert_string_equal(seen.scope[0], "sector:finance");
    assert_string_equal(seen.recipients[0], "");
    assert_string_equal(seen.rule[0], "incidents-amber-sector");
    assert_string_equal(seen.coll[0], "c1");
    assert_int_equal(seen.tlp[1], 4);
    assert_string_equal(seen.recipients[1], "org-b,org-c");
    assert_string_equal(seen.joins[1], IND " identity--x");

    struct prov_seen pv;
    memset(&pv, 0, sizeof(pv));
    assert_int_equal(store_provenance_list(t->s, IND, seen_prov, &pv, &err), 0);
    assert_int_equal(pv.n, 1);
    assert_string_equal(pv.coll[0], "c1");
    assert_string_equal(pv.org[0], "org-a");
    assert_string_equal(pv.original[0], "{\"as\":\"posted\"}");
    assert_string_equal(pv.actions[0], "[\"removed x_reporter\"]");
    assert_string_equal(pv.token[0], "abcd");
    assert_int_equal(pv.anonymity[0], STORE_ANON_SECTOR);
    assert_int_equal(pv.added[0], p[0].date_added);
    assert_int_equal(pv.received[0], p[0].date_added);
    assert_int_equal(pv.version[0], 1000);

    /* A duplicate and a conflict are not NEW rows: no second provenance row. */
    struct store_put again[2] = {
        access_put(IND, 1000, "x", b1, sizeof(b1), 3, "org-a", "{\"as\":\"posted\"}"),
        access_put(IND, 1000, "other", b3, sizeof(b3), 3, "org-b", "{\"other\":1}"),
    };
    assert_int_equal(store_put_objects(t->s, "c1", again, 2, &err), 0);
    assert_int_equal(again[0].result, STORE_PUT_DUP);
    assert_int_equal(again[1].result, STORE_PUT_CONFLICT);
    memset(&pv, 0, sizeof(pv));
    assert_int_equal(store_provenance_list(t->s, IND, seen_prov, &pv, &err), 0);
    assert_int_equal(pv.n, 1);

    /* A put without original (zero access and provenance fields): tlp 0, "" strings and no
     * original. */
    struct store_put plain =
        tput("tool--33333333-3333-4333-8333-333333333333", 5, "z", b3, sizeof(b3));
    assert_int_equal(store_put_objects(t->s, "c1", &plain, 1, &err), 0);
    memset(&seen, 0, sizeof(seen));
    const char *ids[] = {plain.id};
    q.ids = ids;
    q.n_ids = 1;
    q.with_json = true;
    assert_int_equal(store_query(t->s, &q, NULL, NULL, seen_row, &seen, NULL, &err), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.tlp[0], 0);
    assert_string_equal(seen.source_org[0], "");
    assert_string_equal(seen.rule[0], "");
    assert_true(seen.had_json[0]);
    memset(&pv, 0, sizeof(pv));
    assert_int_equal(store_provenance_list(t->s, plain.id, seen_prov, &pv, &err), 0);
    assert_int_equal(pv.n, 0);
}

static void find_object_across_collections(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    char b1[256], b2[256], b3[256], b4[256];
    struct store_put a[2] = {
        access_put(IND, 1000, "x", b1, sizeof(b1), 2, "org-a", "{}"),
        access_put(IND, 2000, "x2", b2, sizeof(b2), 3, "org-a", "{}"),
    };
    assert_int_equal(store_put_objects(t->s, "c1", a, 2, &err), 0);
    struct store_put b = access_put(IND, 1000, "x", b3, sizeof(b3), 5, "org-b", NULL);
    assert_int_equal(store_put_objects(t->s, "c2", &b, 1, &err), 0);
    struct store_put other = access_put(REL, 1000, "r", b4, sizeof(b4), 1, "org-b", NULL);
    assert_int_equal(store_put_objects(t->s, "c2", &other, 1, &err), 0);

    struct seen seen;
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(store_find_object(t->s, IND, seen_row, &seen, &err), 0);
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.coll[0], "c1");
    assert_string_equal(seen.coll[1], "c1");
    assert_string_equal(seen.coll[2], "c2");
    assert_true(seen.added[0] < seen.added[1] && seen.added[1] < seen.added[2]);
    assert_int_equal(seen.tlp[0], 2);
    assert_int_equal(seen.tlp[1], 3);
    assert_int_equal(seen.tlp[2], 5);
    assert_string_equal(seen.source_org[2], "org-b");
    for (size_t i = 0; i < seen.n; i++) {
        assert_string_equal(seen.id[i], IND);
        assert_false(seen.had_json[i]);
    }
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(store_find_object(t->s, "malware--00000000-0000-4000-8000-000000000000",
                                       seen_row, &seen, &err),
                     0);
    assert_int_equal(seen.n, 0);
}

/* ---- entities -------------------------------------------------------------------------------- */

static void entity_fields(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct store_org o;
    memset(&o, 0, sizeof(o));
    rk_uuid_v4(o.id);
    o.name = (char *)"Bank A";
    o.sector = (char *)"finance";
    o.identity_id = (char *)"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    o.own_identifiers = (char *)"bank-a.example\n192.0.2.0/24\nBank A";
    assert_int_equal(store_org_add(t->s, &o, &err), 0);
    struct store_org o2;
    memset(&o2, 0, sizeof(o2));
    rk_uuid_v4(o2.id);
    o2.name = (char *)"Bank B";
    o2.sector = (char *)"finance";
    o2.identity_id = (char *)"identity--x";
    assert_int_equal(store_org_add(t->s, &o2, &err), 0); /* own_identifiers NULL */

    struct store_org got;
    assert_int_equal(store_org_get(t->s, "Bank A", &got, &err), 0);
    assert_string_equal(got.own_identifiers, "bank-a.example\n192.0.2.0/24\nBank A");
    store_org_clear(&got);
    assert_null(got.own_identifiers);
    assert_int_equal(store_org_get(t->s, "Bank B", &got, &err), 0);
    assert_string_equal(got.own_identifiers, "");
    store_org_clear(&got);
    struct store_org *list = NULL;
    size_t n = 0;
    assert_int_equal(store_org_list(t->s, &list, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].own_identifiers, "bank-a.example\n192.0.2.0/24\nBank A");
    store_orgs_free(list, n);

    struct store_token tk;
    memset(&tk, 0, sizeof(tk));
    snprintf(tk.hash, sizeof(tk.hash), "%064d", 1);
    memcpy(tk.org_id, o.id, RK_UUID_LEN);
    tk.label = (char *)"ci";
    tk.anonymity = -1;
    assert_int_equal(store_token_add(t->s, &tk, &err), 0);
    snprintf(tk.hash, sizeof(tk.hash), "%064d", 2);
    tk.anonymity = STORE_ANON_ANONYMOUS;
    assert_int_equal(store_token_add(t->s, &tk, &err), 0);
    struct store_token gt;
    assert_int_equal(store_token_get(t->s, tk.hash, &gt, &err), 0);
    assert_int_equal(gt.anonymity, STORE_ANON_ANONYMOUS);
    store_token_clear(&gt);
    snprintf(tk.hash, sizeof(tk.hash), "%064d", 1);
    assert_int_equal(store_token_get(t->s, tk.hash, &gt, &err), 0);
    assert_int_equal(gt.anonymity, -1);
    store_token_clear(&gt);

    struct store_collection c;
    memset(&c, 0, sizeof(c));
    rk_uuid_v4(c.id);
    c.title = (char *)"zero";
    c.read_spec = c.write_spec = (char *)"all";
    assert_int_equal(store_collection_add(t->s, &c, &err), 0); /* default_tlp 0 */
    struct store_collection c2 = c;
    rk_uuid_v4(c2.id);
    c2.title = (char *)"strict";
    c2.default_tlp = 4;
    assert_int_equal(store_collection_add(t->s, &c2, &err), 0);
    struct store_collection gc;
    assert_int_equal(store_collection_get(t->s, c.id, &gc, &err), 0);
    assert_int_equal(gc.default_tlp, 0); /* stored as given: GREEN for 0 is the policy's */
    store_collection_clear(&gc);
    struct store_collection *cl = NULL;
    assert_int_equal(store_collection_list(t->s, &cl, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(cl[1].default_tlp, 4);
    store_collections_free(cl, n);
}

static void add_org_in(struct store *s, const char *name, const char *sector)
{
    struct store_org o;
    struct rk_err err;
    memset(&o, 0, sizeof(o));
    rk_uuid_v4(o.id);
    o.name = (char *)name;
    o.sector = (char *)sector;
    o.identity_id = (char *)"identity--x";
    assert_int_equal(store_org_add(s, &o, &err), 0);
}

static void count_sector(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    int64_t n = -1;
    assert_int_equal(store_org_count_sector(t->s, "finance", &n, &err), 0);
    assert_int_equal(n, 0);
    add_org_in(t->s, "coordinator", "coordination");
    add_org_in(t->s, "A", "finance");
    add_org_in(t->s, "B", "finance");
    add_org_in(t->s, "C", "electric-power");
    assert_int_equal(store_org_count_sector(t->s, "finance", &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_org_count_sector(t->s, "electric-power", &n, &err), 0);
    assert_int_equal(n, 1);
    /* The store counts rows: that the coordinator is no sector's member is the policy
     * layer's rule (policy_writers_count). */
    assert_int_equal(store_org_count_sector(t->s, "coordination", &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_org_count_sector(t->s, NULL, &n, &err), RK_E_INVALID);
}

/* ---- audit log --------------------------------------------------------------------------------
 */

/* A stand-in for the policy layer's BLAKE2b: FNV-1a of every field, spread over 64 hex
 * chars. Deterministic, and it covers prev_hash, so the chain can be recomputed. */
static void test_hash(const struct store_audit *e, char out[65])
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s\n%" PRId64 "\n%" PRId64 "\n%s\n%s\n%s\n%s\n%s", e->prev_hash,
             e->seq, (int64_t)e->time, e->org_id, e->action, e->route, e->collection, e->detail);
    uint64_t h = 1469598103934665603ULL;
    for (int part = 0; part < 4; part++) {
        for (const char *p = buf; *p != '\0'; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        snprintf(out + part * 16, 17, "%016" PRIx64, h);
    }
}

struct chain {
    size_t n;
    int64_t seq[512];
    char org[512][8];
    char action[512][16];
    char detail[512][32];
    bool ok; /* every prev_hash = the previous hash and every hash recomputes */
    char last_hash[65];
};

static int chain_entry(void *ctx, const struct store_audit *e)
{
    struct chain *ch = ctx;
    assert_true(ch->n < 512);
    size_t i = ch->n++;
    ch->seq[i] = e->seq;
    snprintf(ch->org[i], sizeof(ch->org[i]), "%s", e->org_id);
    snprintf(ch->action[i], sizeof(ch->action[i]), "%s", e->action);
    snprintf(ch->detail[i], sizeof(ch->detail[i]), "%s", e->detail);
    if (strcmp(e->prev_hash, ch->last_hash) != 0)
        ch->ok = false;
    char h[65];
    test_hash(e, h);
    if (strcmp(h, e->hash) != 0)
        ch->ok = false;
    snprintf(ch->last_hash, sizeof(ch->last_hash), "%s", e->hash);
    return 0;
}

static void audit_chain(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    struct store_audit e = {.org_id = (char *)"org-a",
                            .action = (char *)"read",
                            .route = (char *)"taxii.objects",
                            .collection = (char *)"c1",
                            .detail = (char *)"{\"objects\":[]}"};
    assert_int_equal(store_audit_append(t->s, &e, test_hash, &err), 0);
    assert_int_equal(e.seq, 1);
    assert_true(e.time > 0);
    assert_null(e.prev_hash); /* the caller's values are given back */
    assert_null(e.hash);
    struct store_audit e2 = {.time = 77, .org_id = (char *)"org-b", .action = (char *)"write"};
    assert_int_equal(store_audit_append(t->s, &e2, test_hash, &err), 0);
    assert_int_equal(e2.seq, 2);
    assert_int_equal(e2.time, 77);
    e.time = 0;
    assert_int_equal(store_audit_append(t->s, &e, test_hash, &err), 0);
    assert_int_equal(e.seq, 3);

    struct chain *ch = calloc(1, sizeof(*ch));
    ch->ok = true;
    assert_int_equal(store_audit_list(t->s, 0, 0, NULL, chain_entry, ch, &err), 0);
    assert_int_equal(ch->n, 3);
    assert_true(ch->ok);
    assert_string_equal(ch->detail[1], ""); /* NULL stored as "", and hashed as "" */
    /* after, limit, org */
    memset(ch, 0, sizeof(*ch));
    assert_int_equal(store_audit_list(t->s, 1, 1, NULL, chain_entry, ch, &err), 0);
    assert_int_equal(ch->n, 1);
    assert_int_equal(ch->seq[0], 2);
    memset(ch, 0, sizeof(*ch));
    assert_int_equal(store_audit_list(t->s, 0, 0, "org-a", chain_entry, ch, &err), 0);
    assert_int_equal(ch->n, 2);
    assert_int_equal(ch->seq[0], 1);
    assert_int_equal(ch->seq[1], 3);
    free(ch);

    /* Missing action or hash function. */
    struct store_audit bad = {.org_id = (char *)"x"};
    assert_int_equal(store_audit_append(t->s, &bad, test_hash, &err), RK_E_INVALID);
    assert_int_equal(store_audit_append(t->s, &e, NULL, &err), RK_E_INVALID);
}

#define APPENDERS  4
#define PER_THREAD 40

struct appender {
    struct store *s;
    char org[8];
    int failures;
};

static void *appender_main(void *p)
{
    struct appender *a = p;
    for (int i = 0; i < PER_THREAD; i++) {
        char detail[32];
        snprintf(detail, sizeof(detail), "{\"i\":%d}", i);
        struct store_audit e = {
            .org_id = a->org, .action = (char *)"read", .route = (char *)"r", .detail = detail};
        struct rk_err err;
        rk_err_clear(&err);
        if (store_audit_append(a->s, &e, test_hash, &err) != 0)
            a->failures++;
    }
    return NULL;
}

static void audit_chain_concurrent(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    pthread_t th[APPENDERS];
    struct appender args[APPENDERS];
    for (int i = 0; i < APPENDERS; i++) {
        args[i].s = t->s;
        snprintf(args[i].org, sizeof(args[i].org), "org-%d", i);
        args[i].failures = 0;
        assert_int_equal(pthread_create(&th[i], NULL, appender_main, &args[i]), 0);
    }
    for (int i = 0; i < APPENDERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    struct chain *ch = calloc(1, sizeof(*ch));
    ch->ok = true;
    assert_int_equal(store_audit_list(t->s, 0, 0, NULL, chain_entry, ch, &err), 0);
    assert_int_equal(ch->n, APPENDERS * PER_THREAD);
    for (size_t i = 0; i < ch->n; i++)
        assert_int_equal(ch->seq[i], (int64_t)i + 1); /* contiguous */
    assert_true(ch->ok); /* each prev_hash is the previous entry's hash: no fork */
    /* Every appender's entries are all there. */
    for (int a = 0; a < APPENDERS; a++) {
        size_t mine = 0;
        for (size_t i = 0; i < ch->n; i++)
            mine += strcmp(ch->org[i], args[a].org) == 0;
        assert_int_equal(mine, PER_THREAD);
    }
    free(ch);
}

/* ---- credit ledger ----------------------------------------------------------------------------
 */

struct credits {
    size_t n;
    int points;
    char kind[8][16];
    char by_org[8][16];
    int64_t seq[8];
};

static int seen_credit(void *ctx, const struct store_credit *c)
{
    struct credits *cs = ctx;
    assert_true(cs->n < 8);
    size_t i = cs->n++;
    cs->points += c->points;
    snprintf(cs->kind[i], sizeof(cs->kind[i]), "%s", c->kind);
    snprintf(cs->by_org[i], sizeof(cs->by_org[i]), "%s", c->by_org);
    cs->seq[i] = c->seq;
    assert_true(c->time > 0);
    return 0;
}

static int stop_with_error(void *ctx, const struct store_credit *c)
{
    (void)ctx;
    (void)c;
    return RK_E_INTERNAL;
}

static void credit_ledger(void **state)
{
    struct tstore *t = *state;
    struct rk_err err;
    int64_t n = -1;
    assert_int_equal(store_credit_sum(t->s, "org-a", "contribution", &n, &err), 0);
    assert_int_equal(n, 0);
    const struct store_credit batch[] = {
        {.org_id = (char *)"org-a",
         .kind = (char *)"contribution",
         .object_id = (char *)IND,
         .points = 1,
         .by_org = (char *)"org-a",
         .by_sector = (char *)"finance"},
        {.org_id = (char *)"org-a",
         .kind = (char *)"contribution",
         .object_id = (char *)REL,
         .points = 1,
         .by_org = (char *)"org-a"},
        {.org_id = (char *)"org-a",
         .kind = (char *)"sighting",
         .object_id = (char *)IND,
         .points = 5,
         .by_org = (char *)"org-b",
         .by_sector = (char *)"energy"},
        {.org_id = (char *)"org-b",
         .kind = (char *)"contribution",
         .object_id = (char *)REL,
         .points = 1},
    };
    assert_int_equal(store_credit_add(t->s, batch, 4, &err), 0);

    struct credits cs;
    memset(&cs, 0, sizeof(cs));
    assert_int_equal(store_credit_list(t->s, "org-a", seen_credit, &cs, &err), 0);
    assert_int_equal(cs.n, 3);
    assert_int_equal(cs.points, 7);
    assert_string_equal(cs.kind[2], "sighting");
    assert_string_equal(cs.by_org[2], "org-b");
    assert_true(cs.seq[0] < cs.seq[1] && cs.seq[1] < cs.seq[2]);
    memset(&cs, 0, sizeof(cs));
    assert_int_equal(store_credit_list(t->s, NULL, seen_credit, &cs, &err), 0);
    assert_int_equal(cs.n, 4);
    assert_string_equal(cs.by_org[3], ""); /* NULL stored as "" */

    assert_int_equal(store_credit_sum(t->s, "org-a", "contribution", &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_credit_sum(t->s, "org-b", "contribution", &n, &err), 0);
    assert_int_equal(n, 1);
    /* Any kind the caller names: the store knows no kind of its own. */
    assert_int_equal(store_credit_sum(t->s, "org-a", "sighting", &n, &err), 0);
    assert_int_equal(n, 5);
    assert_int_equal(store_credit_sum(t->s, "org-a", "correlation", &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_credit_sum(t->s, "org-a", NULL, &n, &err), RK_E_INVALID);

    /* A batch with one bad event stores nothing. */
    struct store_credit bad[2] = {batch[0], batch[1]};
    bad[1].kind = NULL;
    assert_int_equal(store_credit_add(t->s, bad, 2, &err), RK_E_INVALID);
    assert_int_equal(store_credit_sum(t->s, "org-a", "contribution", &n, &err), 0);
    assert_int_equal(n, 2);

    /* A callback's error is passed on. */
    rk_err_clear(&err);
    assert_int_equal(store_credit_list(t->s, NULL, stop_with_error, NULL, &err), RK_E_INTERNAL);
    assert_int_equal(err.code, RK_E_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(put_writes_access_and_provenance, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(find_object_across_collections, tstore_setup,
                                        tstore_teardown),
        cmocka_unit_test_setup_teardown(entity_fields, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(count_sector, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(audit_chain, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(audit_chain_concurrent, tstore_setup, tstore_teardown),
        cmocka_unit_test_setup_teardown(credit_ledger, tstore_setup, tstore_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
