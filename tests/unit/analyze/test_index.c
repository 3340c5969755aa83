/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_index.c: the observable index end to end. The observe hook's rows for each kind of
 * object (patterns with = and IN, not != or NOT; SCOs; observed-data; sightings; the cap);
 * then envelopes posted through the ingest pipeline with analyze attached, read back with the
 * observable filter of policy_hub_query: a version found only by its key, an address finding
 * the CIDR holding it and a CIDR the address inside it, a sighting found under what it sighted
 * in the same envelope (and observed data's SCOs under a sighting of it), a RED object never
 * returned to a member it does not name, an anonymised post returned without its source, a
 * duplicate adding no row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/test_store_helpers.h"
#include "analyze/analyze.h"
#include "policy/policy.h"

struct fixture {
    struct tstore t;
    struct rk_hub hub;
    struct store_collection coll;
    struct store_org acme, bank, bank2, rail;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char tok[POLICY_TOKEN_LEN + 1];
    struct rk_err err;

    tstore_open(&f->t);
    rk_err_clear(&err);
    if (policy_hub_init(f->t.s, "coord", tok, &err) != 0 ||
        policy_hub_load(f->t.s, &f->hub, &err) != 0 ||
        policy_org_add(f->t.s, "acme", "electric-power", STORE_ANON_NAMED, &f->acme, &err) != 0 ||
        policy_org_add(f->t.s, "bank", "finance", STORE_ANON_SECTOR, &f->bank, &err) != 0 ||
        policy_org_add(f->t.s, "bank2", "finance", STORE_ANON_NAMED, &f->bank2, &err) != 0 ||
        policy_org_add(f->t.s, "rail", "railways", STORE_ANON_NAMED, &f->rail, &err) != 0 ||
        policy_collection_add(f->t.s, "Feeds", NULL, NULL, "all", "all", &f->coll, &err) != 0 ||
        policy_doc_update(f->t.s, NULL, "test", "{\"sector_k\": 2}", &err) != 0 ||
        analyze_attach(&f->hub, &err) != 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    f->hub.store = f->t.s;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tstore_remove(&f->t);
    store_org_clear(&f->acme);
    store_org_clear(&f->bank);
    store_org_clear(&f->bank2);
    store_org_clear(&f->rail);
    store_collection_clear(&f->coll);
    free(f);
    return 0;
}

static struct policy_principal as(const struct store_org *o, int role)
{
    struct policy_principal p;
    memset(&p, 0, sizeof(p));
    p.authenticated = true;
    snprintf(p.org_id, sizeof(p.org_id), "%s", o->id);
    snprintf(p.org_name, sizeof(p.org_name), "%s", o->name);
    snprintf(p.sector, sizeof(p.sector), "%s", o->sector);
    p.role = role;
    snprintf(p.token_hash, sizeof(p.token_hash), "%064d", 7);
    p.token_anonymity = -1;
    return p;
}

/* Posts the envelope's objects (JSON text of an array) as o; every object must be stored. */
static void post(struct fixture *f, const struct store_org *o, const char *objects)
{
    struct policy_principal who = as(o, STORE_ROLE_CONTRIBUTOR);
    json_error_t jerr;
    json_t *env = json_loads(objects, 0, &jerr);
    if (env == NULL)
        fail_msg("bad test JSON: %s", jerr.text);
    size_t n = json_array_size(env);
    struct policy_ingest_item *items = calloc(n + 1, sizeof(*items));
    struct rk_err err;
    rk_err_clear(&err);
    if (policy_ingest(&f->hub, &who, &f->coll, -1, env, items, &err) != 0)
        fail_msg("ingest: %s", err.msg);
    for (size_t i = 0; i < n; i++)
        if (!items[i].ok)
            fail_msg("object %zu refused: %s", i, items[i].message);
    free(items);
    json_decref(env);
}

/* What a hub-wide read returned. */
struct found {
    size_t n;
    char id[16][STIX_ID_MAX + 1];
    char json[16][2048];
};

static int found_row(void *ctx, const struct store_row *row)
{
    struct found *fd = ctx;
    assert_true(fd->n < 16);
    snprintf(fd->id[fd->n], sizeof(fd->id[0]), "%s", row->id);
    snprintf(fd->json[fd->n], sizeof(fd->json[0]), "%.*s", (int)row->json_len, row->json);
    fd->n++;
    return 0;
}

/* The versions who may see that have a row matching one of the n keys. */
static void search(struct fixture *f, const struct policy_principal *who, const char *const *keys,
                   size_t n, struct found *out)
{
    struct policy_hub_query q;
    struct policy_hub_page page;
    struct rk_err err;
    memset(&q, 0, sizeof(q));
    memset(out, 0, sizeof(*out));
    q.added_after = -1;
    q.after = -1;
    q.with_json = true;
    q.observables = keys;
    q.n_observables = n;
    rk_err_clear(&err);
    if (policy_hub_query(&f->hub, who, "search", &q, found_row, out, &page, &err) != 0)
        fail_msg("hub query: %s", err.msg);
    assert_int_equal(page.count, out->n);
}

static bool found_id(const struct found *fd, const char *id)
{
    for (size_t i = 0; i < fd->n; i++)
        if (strcmp(fd->id[i], id) == 0)
            return true;
    return false;
}

#define IND1  "indicator--11111111-1111-4111-8111-111111111111"
#define IND2  "indicator--22222222-2222-4222-8222-222222222222"
#define IND3  "indicator--33333333-3333-4333-8333-333333333333"
#define SIGHT "sighting--44444444-4444-4444-8444-444444444444"
#define TIMES                                                                                      \
    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","          \
    "\"spec_version\":\"2.1\""
#define INDICATOR(id, pattern)                                                                     \
    "{\"type\":\"indicator\",\"id\":\"" id "\"," TIMES ",\"pattern\":\"" pattern "\","             \
    "\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"}"

/* The rows the hook gives obj (JSON text), as "key" or "key/prefix" strings joined by ' '. */
static void rows_of(const char *type, const char *text, struct rk_buf *out)
{
    json_t *obj = json_loads(text, 0, NULL);
    struct store_observable *rows = NULL;
    assert_non_null(obj);
    size_t n = analyze_index_observe(NULL, type, obj, &rows);
    rk_buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            rk_buf_putc(out, ' ');
        rk_buf_puts(out, rows[i].key);
        if (rows[i].ranged)
            rk_buf_printf(out, "/%u", (unsigned)rows[i].prefix);
    }
    assert_true((n == 0) == (rows == NULL));
    free(rows);
    json_decref(obj);
}

static void hook_rows(void **state)
{
    (void)state;
    struct rk_buf b = RK_BUF_INIT;
    /* = and IN, normalised and each key once; not != or NOT, not LIKE. */
    rows_of("indicator",
            INDICATOR(IND1,
                      "[domain-name:value = 'EXAMPLE[.]jp'] OR [ipv4-addr:value IN "
                      "('198.51.100.0/24', '203.0.113.5', '198.51.100.0/24')] AND "
                      "[file:hashes.'SHA-256' = "
                      "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] OR "
                      "[url:value != 'http://x.example/'] OR [domain-name:value NOT = "
                      "'not.example'] OR [domain-name:value LIKE '%.like.example'] OR "
                      "[domain-name:value = 'example.jp.']"),
            &b);
    assert_string_equal(b.data,
                        "domain:example.jp cidr4:198.51.100.0/24/120 "
                        "ipv4:203.0.113.5/128 "
                        "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    /* SCOs: value, number, hashes; IPv6 as its own range. */
    rows_of("ipv6-addr",
            "{\"type\":\"ipv6-addr\",\"id\":\"ipv6-addr--1\",\"value\":\"2001:DB8::1\"}", &b);
    assert_string_equal(b.data, "ipv6:2001:db8::1/128");
    rows_of("autonomous-system",
            "{\"type\":\"autonomous-system\",\"id\":\"autonomous-system--1\",\"number\":64500}",
            &b);
    assert_string_equal(b.data, "asn:AS64500");
    rows_of("file",
            "{\"type\":\"file\",\"id\":\"file--1\",\"hashes\":{\"MD5\":"
            "\"D41D8CD98F00B204E9800998ECF8427E\",\"x-custom\":\"zz\"}}",
            &b);
    assert_string_equal(b.data, "md5:d41d8cd98f00b204e9800998ecf8427e");
    /* observed-data: embedded objects, and references; a sighting: references. */
    rows_of("observed-data",
            "{\"type\":\"observed-data\",\"objects\":{\"0\":{\"type\":\"domain-name\",\"value\":"
            "\"od.example\"}},\"object_refs\":[\"ipv4-addr--9\"]}",
            &b);
    assert_string_equal(b.data, "domain:od.example ref:ipv4-addr--9");
    rows_of("sighting",
            "{\"type\":\"sighting\",\"sighting_of_ref\":\"" IND1 "\",\"observed_data_refs\":["
            "\"observed-data--1\"],\"where_sighted_refs\":[\"identity--1\"]}",
            &b);
    assert_string_equal(b.data, "ref:" IND1 " ref:observed-data--1");
    /* Objects that state no observable; a value that is not valid is left out. */
    rows_of("malware", "{\"type\":\"malware\",\"name\":\"x\"}", &b);
    assert_string_equal(b.data, "");
    rows_of("indicator", INDICATOR(IND2, "[ipv4-addr:value = '300.1.1.1']"), &b);
    assert_string_equal(b.data, "");
    rk_buf_free(&b);
}

static void hook_caps_rows(void **state)
{
    (void)state;
    struct rk_buf pat = RK_BUF_INIT;
    rk_buf_puts(&pat,
                "{\"type\":\"indicator\",\"pattern_type\":\"stix\",\"pattern\":\"[domain-name:"
                "value IN (");
    for (int i = 0; i < RK_OBSERVE_ROWS_MAX + 500; i++)
        rk_buf_printf(&pat, "%s'd%d.example'", i > 0 ? ", " : "", i);
    rk_buf_puts(&pat, ")]\"}");
    json_t *obj = json_loads(pat.data, 0, NULL);
    assert_non_null(obj);
    struct store_observable *rows = NULL;
    size_t n = analyze_index_observe(NULL, "indicator", obj, &rows);
    assert_int_equal(n, RK_OBSERVE_ROWS_MAX);
    assert_string_equal(rows[0].key, "domain:d0.example");
    assert_string_equal(rows[n - 1].key, "domain:d999.example");
    free(rows);
    json_decref(obj);
    rk_buf_free(&pat);
}

static void found_by_key_only(void **state)
{
    struct fixture *f = *state;
    struct policy_principal rail = as(&f->rail, STORE_ROLE_READER);
    struct found fd;
    post(f, &f->acme,
         "[" INDICATOR(IND1, "[domain-name:value = 'evil[.]example']") "," INDICATOR(
             IND2, "[domain-name:value = 'other.example']") "]");
    const char *k1[] = {"domain:evil.example"};
    search(f, &rail, k1, 1, &fd);
    assert_int_equal(fd.n, 1);
    assert_string_equal(fd.id[0], IND1);
    const char *k2[] = {"domain:evil.example", "domain:other.example"};
    search(f, &rail, k2, 2, &fd);
    assert_int_equal(fd.n, 2);
    const char *k3[] = {"domain:nothing.example"};
    search(f, &rail, k3, 1, &fd);
    assert_int_equal(fd.n, 0);
    /* Posting it again stores nothing and indexes nothing more. */
    post(f, &f->acme, "[" INDICATOR(IND1, "[domain-name:value = 'evil[.]example']") "]");
    search(f, &rail, k1, 1, &fd);
    assert_int_equal(fd.n, 1);
}

static void containment_both_ways(void **state)
{
    struct fixture *f = *state;
    struct policy_principal rail = as(&f->rail, STORE_ROLE_READER);
    struct found fd;
    post(f, &f->acme,
         "[" INDICATOR(IND1, "[ipv4-addr:value = '198.51.100.0/24']") "," INDICATOR(
             IND2, "[ipv4-addr:value = '203.0.113.5']") "," INDICATOR(IND3,
                                                                      "[ipv6-addr:value = "
                                                                      "'2001:db8:1::/48']") "]");
    const char *addr[] = {"ipv4:198.51.100.77"};
    search(f, &rail, addr, 1, &fd);
    assert_int_equal(fd.n, 1);
    assert_string_equal(fd.id[0], IND1);
    const char *net[] = {"cidr4:203.0.113.0/24"};
    search(f, &rail, net, 1, &fd);
    assert_int_equal(fd.n, 1);
    assert_string_equal(fd.id[0], IND2);
    const char *wider[] = {"cidr4:198.51.0.0/16"};
    search(f, &rail, wider, 1, &fd);
    assert_int_equal(fd.n, 1);
    assert_string_equal(fd.id[0], IND1);
    const char *v6[] = {"ipv6:2001:db8:1:2::9"};
    search(f, &rail, v6, 1, &fd);
    assert_int_equal(fd.n, 1);
    assert_string_equal(fd.id[0], IND3);
    const char *miss[] = {"ipv4:198.51.101.1", "cidr4:203.0.114.0/24", "ipv6:2001:db8:2::1"};
    search(f, &rail, miss, 3, &fd);
    assert_int_equal(fd.n, 0);
}

static void sighting_found_under_what_it_sighted(void **state)
{
    struct fixture *f = *state;
    struct policy_principal rail = as(&f->rail, STORE_ROLE_READER);
    struct found fd;
    post(f, &f->acme,
         "[" INDICATOR(
             IND1,
             "[url:value = 'HXXP://Sighted.Example:80/a']") ","
                                                            "{\"type\":\"sighting\",\"id\":\"" SIGHT
                                                            "\"," TIMES
                                                            ",\"sighting_of_ref\":\"" IND1 "\"}]");
    const char *k[] = {"url:http://sighted.example/a"};
    search(f, &rail, k, 1, &fd);
    assert_int_equal(fd.n, 2);
    assert_true(found_id(&fd, IND1) && found_id(&fd, SIGHT));
    const char *ref[] = {"ref:" IND1};
    search(f, &rail, ref, 1, &fd);
    assert_int_equal(fd.n, 1);
    assert_string_equal(fd.id[0], SIGHT);
}

/* A sighting of an indicator and of observed data that refers to an SCO, all in one envelope:
 * the sighting and the observed data are found under the SCO's value (references followed two
 * deep), the sighting under the indicator's too. (A sighting whose indicator is not stored is
 * not visible at all: the access check hides what joins an invisible object.) */
static void references_followed_in_the_envelope(void **state)
{
    struct fixture *f = *state;
    struct policy_principal rail = as(&f->rail, STORE_ROLE_READER);
    struct found fd;
#define OD   "observed-data--55555555-5555-4555-8555-555555555555"
#define ADDR "ipv4-addr--66666666-6666-4666-8666-666666666666"
#define ADDR_OBJ                                                                                   \
    "{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\",\"id\":\"" ADDR "\",\"value\":\"192.0.2."    \
    "44\"}"
#define OD_OBJ                                                                                     \
    "{\"type\":\"observed-data\",\"id\":\"" OD "\"," TIMES                                         \
    ",\"first_observed\":\"2024-01-01T00:00:00Z\",\"last_observed\":\"2024-01-01T00:00:00Z\","     \
    "\"number_observed\":1,\"object_refs\":[\"" ADDR "\"]}"
#define SIGHT_OBJ                                                                                  \
    "{\"type\":\"sighting\",\"id\":\"" SIGHT "\"," TIMES ",\"sighting_of_ref\":\"" IND1            \
    "\",\"observed_data_refs\":[\"" OD "\"]}"
    /* The sighting comes before the observed data it refers to: the second round of the
     * envelope's references gives it what the observed data got from the address. */
    post(f, &f->acme,
         "[" INDICATOR(IND1, "[domain-name:value = 'unrelated.example']") "," SIGHT_OBJ "," ADDR_OBJ
                                                                          "," OD_OBJ "]");
    const char *k[] = {"ipv4:192.0.2.44"};
    search(f, &rail, k, 1, &fd);
    assert_int_equal(fd.n, 3);
    assert_true(found_id(&fd, ADDR) && found_id(&fd, OD) && found_id(&fd, SIGHT));
    /* The sighting is found under its indicator's values too, and by reference. */
    const char *dom[] = {"domain:unrelated.example"};
    search(f, &rail, dom, 1, &fd);
    assert_int_equal(fd.n, 2);
    assert_true(found_id(&fd, IND1) && found_id(&fd, SIGHT));
    const char *ref[] = {"ref:" IND1};
    search(f, &rail, ref, 1, &fd);
    assert_int_equal(fd.n, 1);
    assert_string_equal(fd.id[0], SIGHT);
}

static void red_only_for_its_recipients(void **state)
{
    struct fixture *f = *state;
    struct policy_principal rail = as(&f->rail, STORE_ROLE_READER);
    struct policy_principal bank2 = as(&f->bank2, STORE_ROLE_READER);
    struct found fd;
    post(f, &f->acme,
         "[{\"type\":\"indicator\",\"id\":\"" IND1 "\"," TIMES
         ",\"pattern\":\"[domain-name:value = 'red.example']\",\"pattern_type\":\"stix\","
         "\"valid_from\":\"2024-01-01T00:00:00Z\",\"object_marking_refs\":[\"marking-definition--"
         "e828b379-4e03-4974-9ac4-e53a884c97c1\"],\"x_renkei_recipients\":[\"bank2\"]}]");
    const char *k[] = {"domain:red.example"};
    search(f, &rail, k, 1, &fd);
    assert_int_equal(fd.n, 0);
    search(f, NULL, k, 1, &fd);
    assert_int_equal(fd.n, 0);
    search(f, &bank2, k, 1, &fd);
    assert_int_equal(fd.n, 1);
    assert_string_equal(fd.id[0], IND1);
}

static void anonymised_post_without_its_source(void **state)
{
    struct fixture *f = *state;
    struct policy_principal rail = as(&f->rail, STORE_ROLE_READER);
    struct found fd;
    char env[1024];
    /* bank posts in sector mode, naming itself as the author. */
    snprintf(env, sizeof(env),
             "[{\"type\":\"indicator\",\"id\":\"" IND1 "\"," TIMES
             ",\"pattern\":\"[email-addr:value = 'Phish@Bad.Example']\",\"pattern_type\":"
             "\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\",\"created_by_ref\":\"%s\"}]",
             f->bank.identity_id);
    post(f, &f->bank, env);
    const char *k[] = {"email:Phish@bad.example"};
    search(f, &rail, k, 1, &fd);
    assert_int_equal(fd.n, 1);
    assert_null(strstr(fd.json[0], f->bank.identity_id));
    assert_null(strstr(fd.json[0], "bank"));
    assert_non_null(strstr(fd.json[0], "created_by_ref"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hook_rows),
        cmocka_unit_test(hook_caps_rows),
        T(found_by_key_only),
        T(containment_both_ways),
        T(sighting_found_under_what_it_sighted),
        T(references_followed_in_the_envelope),
        T(red_only_for_its_recipients),
        T(anonymised_post_without_its_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
