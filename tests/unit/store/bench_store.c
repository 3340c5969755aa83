/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_store.c: a micro-benchmark of the SQLite store alone (not a test: it prints
 * figures). It fills a store with realistic rows (about 700 bytes of JSON, access columns,
 * provenance, a second collection interleaved and a fifth of the objects with a second
 * version), then times put_objects, pages of 100 objects and manifest pages of 100. Each
 * phase is its own function so that callgrind can count one of them:
 *
 *   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=bench_pages \
 *       build/tests/unit/store/bench_store 20000
 *
 * (or bench_manifest, bench_type: match[type] of three objects in four, bench_rare_type:
 * one in four, bench_put, bench_update: new last versions of stored objects)
 *
 * and divide the instructions by the pages (or objects) the run prints.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_store_helpers.h"

#define BATCH 500
#define PAGES 200

static char body_pad[600];
static double put_max; /* the slowest put_objects call of the timed phase, in seconds */

static double now_s(void);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Puts n objects numbered from first into coll, version ver, in batches of BATCH. */
static void put_range(struct store *s, const char *coll, int first, int n, rk_time_us ver)
{
    struct store_put *puts = calloc(BATCH, sizeof(*puts));
    char(*ids)[64] = calloc(BATCH, 64);
    char(*json)[800] = calloc(BATCH, 800);
    if (puts == NULL || ids == NULL || json == NULL)
        abort();
    for (int done = 0; done < n;) {
        int m = n - done < BATCH ? n - done : BATCH;
        for (int i = 0; i < m; i++) {
            int k = first + done + i;
            snprintf(ids[i], 64, "indicator--00000000-0000-4000-8000-%012d", k);
            int len = snprintf(json[i], 800,
                               "{\"id\":\"%s\",\"modified\":%" PRId64 ",\"pattern\":\"%s\"}",
                               ids[i], (int64_t)ver, body_pad);
            memset(&puts[i], 0, sizeof(puts[i]));
            puts[i].id = ids[i];
            puts[i].type = (k % 4) == 0 ? "malware" : "indicator";
            puts[i].spec_version = "2.1";
            puts[i].version = ver;
            puts[i].json = json[i];
            puts[i].json_len = (size_t)len;
            puts[i].access.tlp = 2;
            puts[i].access.source_org = "6f1b9a2e-4c1d-4a8e-9f3a-0b2c4d6e8f10";
            puts[i].access.source_sector = "electric-power";
            puts[i].access.rule = "marking";
            puts[i].original = json[i];
            puts[i].original_len = (size_t)len;
            puts[i].token_hash = "0123456789abcdef0123456789abcdef";
        }
        struct rk_err err;
        rk_err_clear(&err);
        double t0 = now_s();
        if (store_put_objects(s, coll, puts, (size_t)m, &err) != 0) {
            fprintf(stderr, "put: %s\n", err.msg);
            exit(1);
        }
        double dt = now_s() - t0;
        if (dt > put_max)
            put_max = dt;
        done += m;
    }
    free(puts);
    free(ids);
    free(json);
}

/* A filter that reads the access columns the way policy_may_read does. */
static bool filter(void *ctx, const struct store_row *row)
{
    (void)ctx;
    return row->access.tlp <= 3 && strcmp(row->access.source_org, "x") != 0 &&
           row->access.scope[0] == '\0' && row->access.recipients[0] == '\0' &&
           row->access.joins[0] == '\0';
}

static int sink(void *ctx, const struct store_row *row)
{
    *(size_t *)ctx += row->json_len + strlen(row->id);
    return 0;
}

/* Pages through coll 100 at a time, PAGES pages (restarting at the end); type NULL or one
 * match[type]. */
__attribute__((noinline)) static size_t run_pages(struct store *s, bool with_json, const char *type)
{
    size_t bytes = 0, rows = 0;
    rk_time_us after = -1;
    for (int p = 0; p < PAGES; p++) {
        struct store_query q = {
            .collection_id = "coll-a", .added_after = after, .limit = 100, .with_json = with_json};
        if (type != NULL) {
            q.types = &type;
            q.n_types = 1;
        }
        struct store_page page;
        struct rk_err err;
        rk_err_clear(&err);
        if (store_query(s, &q, filter, NULL, sink, &bytes, &page, &err) != 0) {
            fprintf(stderr, "query: %s\n", err.msg);
            exit(1);
        }
        rows += page.count;
        after = page.more ? page.last_added : -1;
    }
    return rows + (bytes & 1);
}

__attribute__((noinline)) static size_t bench_pages(struct store *s)
{
    return run_pages(s, true, NULL);
}

__attribute__((noinline)) static size_t bench_manifest(struct store *s)
{
    return run_pages(s, false, NULL);
}

/* match[type]=indicator: three objects in four. */
__attribute__((noinline)) static size_t bench_type(struct store *s)
{
    return run_pages(s, true, "indicator");
}

/* match[type]=malware: one object in four. */
__attribute__((noinline)) static size_t bench_rare_type(struct store *s)
{
    return run_pages(s, true, "malware");
}

__attribute__((noinline)) static void bench_put(struct store *s, int first, int n)
{
    put_range(s, "coll-a", first, n, 1000);
}

/* New last versions of n stored objects from first (each replaces the previous last one). */
__attribute__((noinline)) static void bench_update(struct store *s, int first, int n)
{
    put_range(s, "coll-a", first, n, 3000);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000; /* NOLINT: a benchmark argument */
    int n_put = n / 4;
    memset(body_pad, 'a', sizeof(body_pad) - 1);
    struct tstore t;
    memset(&t, 0, sizeof(t));
    tstore_open(&t);

    /* Fill: coll-a gets n objects, coll-b n/10 interleaved, a fifth of coll-a a 2nd version. */
    for (int i = 0; i < n; i += 1000) {
        put_range(t.s, "coll-a", i, 1000, 1000);
        put_range(t.s, "coll-b", i, 100, 1000);
    }
    put_range(t.s, "coll-a", 0, n / 5, 2000);

    put_max = 0;
    double t0 = now_s();
    bench_put(t.s, 10 * n, n_put);
    double t_put = now_s() - t0;
    t0 = now_s();
    bench_update(t.s, n / 5, n_put);
    double t_update = now_s() - t0;
    run_pages(t.s, true, NULL); /* warm the page cache: the server's reads are warm */
    run_pages(t.s, false, NULL);
    double t1 = now_s();
    size_t rows = bench_pages(t.s);
    double t2 = now_s();
    size_t mrows = bench_manifest(t.s);
    double t3 = now_s();
    size_t trows = bench_type(t.s);
    double t4 = now_s();
    size_t rrows = bench_rare_type(t.s);
    double t5 = now_s();
    printf("put: %d objects in batches of %d, %.0f objects/s, slowest call %.1f ms\n", n_put, BATCH,
           n_put / t_put, put_max * 1e3);
    printf("update: %d new last versions, %.0f objects/s\n", n_put, n_put / t_update);
    printf("pages: %d pages of 100 (%zu rows), %.0f pages/s\n", PAGES, rows, PAGES / (t2 - t1));
    printf("manifest: %d pages of 100 (%zu rows), %.0f pages/s\n", PAGES, mrows, PAGES / (t3 - t2));
    printf("type: %d pages of 100 (%zu rows), %.0f pages/s\n", PAGES, trows, PAGES / (t4 - t3));
    printf("rare type: %d pages of 100 (%zu rows), %.0f pages/s\n", PAGES, rrows,
           PAGES / (t5 - t4));
    tstore_remove(&t);
    return 0;
}
