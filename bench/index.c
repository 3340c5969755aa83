/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/index.c: the observable index at scale, in process (no HTTP). Ingests N synthetic
 * indicators through the ingest pipeline (policy_ingest, envelopes of 1000, each committed
 * and synced) into a fresh hub with analyze attached, then runs Q lookups of one key each
 * through policy_hub_query with the observable filter, as a member, and prints ingest
 * objects/s and the lookup latency p50/p99. With a second number M, it first ingests M
 * indicators into a hub without the index and M into one with it, in the same sitting, and
 * prints both rates and their ratio. Figures, not pass/fail.
 *
 * The values repeat as a feed's do: each indicator draws its value(s) from a pool of N/4
 * distinct ones, skewed (index = pool * u^3, u uniform), so that a few values are reported
 * hundreds of times and most a handful; 40% domains, 25% IPv4 addresses, 5% IPv4 /24s, 15%
 * SHA-256 hashes, 15% URLs; one indicator in ten has an IN of three values.
 *
 * Built with the unit tests: build/tests/unit/analyze/bench_index [N [Q [M]]] (defaults
 * 100000, 2000, 0; N 0: the comparison only). Needs a few GB of free disk in /tmp at 1M.
 * Under callgrind, run it twice, once with RENKEI_NO_OBSERVABLE_INDEX=1 (no hook is
 * installed then), and compare policy_ingest_then's inclusive instructions per object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/unit/store/test_store_helpers.h"
#include "analyze/analyze.h"
#include "policy/policy.h"

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* A small fast generator (xorshift64*), seeded for repeatable runs. */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static double unif(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* Value i of the pool as a pattern comparison (cmp) and as an index key (key). */
static void value_of(size_t i, char *cmp, size_t ccap, char *key, size_t kcap)
{
    unsigned kind = (unsigned)(i % 20);
    uint32_t h = (uint32_t)(i * 2654435761u);
    if (kind < 8) {
        snprintf(cmp, ccap, "domain-name:value = 'host%zu.example%u.jp'", i, (unsigned)(i % 97));
        snprintf(key, kcap, "domain:host%zu.example%u.jp", i, (unsigned)(i % 97));
    } else if (kind < 13) {
        snprintf(cmp, ccap, "ipv4-addr:value = '%u.%u.%u.%u'", 11 + h % 200, (h >> 8) & 255,
                 (h >> 16) & 255, 1 + (h >> 24) % 254);
        snprintf(key, kcap, "ipv4:%u.%u.%u.%u", 11 + h % 200, (h >> 8) & 255, (h >> 16) & 255,
                 1 + (h >> 24) % 254);
    } else if (kind < 14) {
        snprintf(cmp, ccap, "ipv4-addr:value = '%u.%u.%u.0/24'", 11 + h % 200, (h >> 8) & 255,
                 (h >> 16) & 255);
        snprintf(key, kcap, "cidr4:%u.%u.%u.0/24", 11 + h % 200, (h >> 8) & 255, (h >> 16) & 255);
    } else if (kind < 17) {
        char hex[65];
        uint64_t x = i * 0x9e3779b97f4a7c15ull;
        for (int k = 0; k < 64; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            hex[k] = "0123456789abcdef"[(x >> 60) & 15];
        }
        hex[64] = '\0';
        snprintf(cmp, ccap, "file:hashes.'SHA-256' = '%s'", hex);
        snprintf(key, kcap, "sha256:%s", hex);
    } else {
        snprintf(cmp, ccap, "url:value = 'http://cdn%zu.example.net/p/%zu'", i % 5000, i);
        snprintf(key, kcap, "url:http://cdn%zu.example.net/p/%zu", i % 5000, i);
    }
}

static size_t pool_pick(size_t pool)
{
    double u = unif();
    return (size_t)((double)pool * u * u * u);
}

struct hub {
    struct tstore t;
    struct rk_hub hub;
    struct store_collection coll;
    struct store_org org, reader;
};

static void hub_open(struct hub *h, bool index)
{
    char tok[POLICY_TOKEN_LEN + 1];
    struct rk_err err;
    memset(h, 0, sizeof(*h));
    tstore_open(&h->t);
    rk_err_clear(&err);
    if (policy_hub_init(h->t.s, "coord", tok, &err) != 0 ||
        policy_hub_load(h->t.s, &h->hub, &err) != 0 ||
        policy_org_add(h->t.s, "feed", "information-communication", STORE_ANON_NAMED, &h->org,
                       &err) != 0 ||
        policy_org_add(h->t.s, "reader", "finance", STORE_ANON_NAMED, &h->reader, &err) != 0 ||
        policy_collection_add(h->t.s, "Feeds", NULL, NULL, "all", "all", &h->coll, &err) != 0 ||
        (index && analyze_index_attach(&h->hub, &err) != 0)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        exit(1);
    }
    h->hub.store = h->t.s;
}

static void hub_close(struct hub *h)
{
    store_org_clear(&h->org);
    store_org_clear(&h->reader);
    store_collection_clear(&h->coll);
    tstore_remove(&h->t);
}

static struct policy_principal principal(const struct store_org *o, int role)
{
    struct policy_principal p;
    memset(&p, 0, sizeof(p));
    p.authenticated = true;
    snprintf(p.org_id, sizeof(p.org_id), "%s", o->id);
    snprintf(p.org_name, sizeof(p.org_name), "%s", o->name);
    snprintf(p.sector, sizeof(p.sector), "%s", o->sector);
    p.role = role;
    p.token_anonymity = -1;
    return p;
}

/* Ingests n indicators (values from a pool of pool) into h; returns the seconds taken. */
static double ingest(struct hub *h, size_t n, size_t pool, size_t *stored)
{
    struct policy_principal who = principal(&h->org, STORE_ROLE_CONTRIBUTOR);
    struct policy_ingest_item *items = calloc(1000, sizeof(*items));
    char cmp[3][256], key[512], pattern[1024], id[80];
    double secs = 0;
    *stored = 0;
    for (size_t done = 0; done < n;) {
        size_t k = n - done < 1000 ? n - done : 1000;
        json_t *env = json_array();
        for (size_t i = 0; i < k; i++) {
            size_t seq = done + i;
            int nv = rnd() % 10 == 0 ? 3 : 1;
            for (int v = 0; v < nv; v++)
                value_of(pool_pick(pool), cmp[v], sizeof(cmp[v]), key, sizeof(key));
            if (nv == 1)
                snprintf(pattern, sizeof(pattern), "[%s]", cmp[0]);
            else
                snprintf(pattern, sizeof(pattern), "[%s] OR [%s] OR [%s]", cmp[0], cmp[1], cmp[2]);
            snprintf(id, sizeof(id), "indicator--%08zx-%04zx-4000-8000-%012zx", seq >> 16,
                     seq & 0xffff, (size_t)(rnd() & 0xffffffffffffull));
            json_array_append_new(env, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type",
                                                 "indicator", "spec_version", "2.1", "id", id,
                                                 "created", "2024-01-01T00:00:00.000Z", "modified",
                                                 "2024-01-01T00:00:00.000Z", "pattern", pattern,
                                                 "pattern_type", "stix", "valid_from",
                                                 "2024-01-01T00:00:00Z"));
        }
        struct rk_err err;
        rk_err_clear(&err);
        uint64_t t0 = now_ns();
        if (policy_ingest(&h->hub, &who, &h->coll, -1, env, items, &err) != 0) {
            fprintf(stderr, "ingest: %s\n", err.msg);
            exit(1);
        }
        secs += (double)(now_ns() - t0) / 1e9;
        for (size_t i = 0; i < k; i++)
            *stored += items[i].ok;
        json_decref(env);
        done += k;
    }
    free(items);
    return secs;
}

static int count_row(void *ctx, const struct store_row *row)
{
    (void)row;
    (*(size_t *)ctx)++;
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    size_t nq = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
    size_t m = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
    struct hub h;
    size_t stored = 0;

    if (nq == 0) {
        fprintf(stderr, "usage: bench_index [indicators [lookups [compare]]]\n");
        return 2;
    }
    if (m > 0) {
        double off, on;
        size_t s_off, s_on;
        hub_open(&h, false);
        off = ingest(&h, m, m / 4 + 1, &s_off);
        hub_close(&h);
        hub_open(&h, true);
        on = ingest(&h, m, m / 4 + 1, &s_on);
        hub_close(&h);
        printf("ingest without index %zu indicators, %.0f objects/s\n", s_off, (double)s_off / off);
        printf("ingest with index    %zu indicators, %.0f objects/s\n", s_on, (double)s_on / on);
        printf("ratio with/without   %.3f\n", ((double)s_on / on) / ((double)s_off / off));
    }
    if (n == 0)
        return 0;
    hub_open(&h, true);
    double secs = ingest(&h, n, n / 4 + 1, &stored);
    printf("indexed              %zu indicators in %.1f s (%.0f objects/s)\n", stored, secs,
           (double)stored / secs);

    struct policy_principal reader = principal(&h.reader, STORE_ROLE_READER);
    uint64_t *lat = calloc(nq, sizeof(*lat));
    size_t rows = 0;
    char cmp[256], key[512];
    for (size_t i = 0; i < nq; i++) {
        value_of(pool_pick(n / 4 + 1), cmp, sizeof(cmp), key, sizeof(key));
        const char *keys[] = {key};
        struct policy_hub_query q;
        struct policy_hub_page page;
        struct rk_err err;
        memset(&q, 0, sizeof(q));
        q.added_after = -1;
        q.after = -1;
        q.limit = 100;
        q.with_json = true;
        q.observables = keys;
        q.n_observables = 1;
        rk_err_clear(&err);
        uint64_t t0 = now_ns();
        if (policy_hub_query(&h.hub, &reader, "bench", &q, count_row, &rows, &page, &err) != 0) {
            fprintf(stderr, "lookup %s: %s\n", key, err.msg);
            return 1;
        }
        lat[i] = now_ns() - t0;
    }
    qsort(lat, nq, sizeof(*lat), cmp_u64);
    printf("lookups              %zu (one key each, first page of up to 100 rows), %.1f rows "
           "each on average\n",
           nq, (double)rows / (double)nq);
    printf("lookup p50           %.3f ms\n", (double)lat[nq / 2] / 1e6);
    printf("lookup p99           %.3f ms\n", (double)lat[nq * 99 / 100] / 1e6);
    free(lat);
    hub_close(&h);
    return 0;
}
