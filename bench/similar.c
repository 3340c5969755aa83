/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/similar.c: the similar-incidents index at scale. Builds an index of N synthetic
 * incidents (tests/unit/analyze/similar_synth.h: campaigns of about 10), then runs Q top-10
 * queries (perturbed copies of incidents) and prints the LSH query's latency p50/p99, the
 * brute-force query's mean latency, and the recall of the LSH top-10 against the exact top-10.
 * Also the memory the hub's service holds for them: the index's resident growth, and that of
 * the feature graph (features.c) holding each incident with one relationship per feature to a
 * shared object that carries it (what a member posts: incident, relationships, ATT&CK objects).
 * Figures, not pass/fail. Built with the unit tests: build/tests/unit/analyze/bench_similar
 * [N [Q]] (defaults 100000 and 1000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "similar_synth.h"

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Resident memory of the process in MiB (/proc/self/statm), 0 if unknown. */
static double rss_mib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return (double)resident * 4096.0 / (1024.0 * 1024.0);
}

/* The feature graph of the synthetic incidents: each an incident, one relationship per
 * feature, and one malware object per distinct feature (its name the key). */
static void graph_fill(const struct synth *sy, struct analyze_fgraph *g)
{
    struct rk_err err = {0};
    char id[64], rid[96], oid[64];
    for (size_t i = 0; i < sy->n; i++) {
        snprintf(id, sizeof id, "incident--%zu", i);
        json_t *inc = json_pack("{s:s,s:s}", "type", "incident", "id", id);
        analyze_fgraph_put(g, inc, "0", "1||", &err);
        json_decref(inc);
        for (size_t j = 0; j < sy->counts[i]; j++) {
            const char *key = sy->features[i][j];
            snprintf(oid, sizeof oid, "malware--%016llx",
                     (unsigned long long)rk_strset_hash(key, strlen(key)));
            snprintf(rid, sizeof rid, "relationship--%zu-%zu", i, j);
            json_t *rel = json_pack("{s:s,s:s,s:s,s:s}", "type", "relationship", "id", rid,
                                    "source_ref", id, "target_ref", oid);
            analyze_fgraph_put(g, rel, "0", "1||", &err);
            json_decref(rel);
            json_t *obj = json_pack("{s:s,s:s,s:s}", "type", "malware", "id", oid, "name", key);
            analyze_fgraph_put(g, obj, "*", "1||", &err);
            json_decref(obj);
        }
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    size_t nq = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    if (n == 0 || nq == 0) {
        fprintf(stderr, "usage: bench_similar [incidents [queries]]\n");
        return 2;
    }
    struct synth sy;
    synth_init(&sy, n, 7, 10);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        nf += sy.counts[i];
    struct analyze_similar *idx = analyze_similar_new();
    double rss0 = rss_mib();
    uint64_t t0 = now_ns();
    synth_fill(&sy, idx);
    double build_s = (double)(now_ns() - t0) / 1e9;
    double rss_index = rss_mib() - rss0;

    uint64_t *lsh = calloc(nq, sizeof *lsh);
    t0 = now_ns();
    double recall = synth_recall(&sy, idx, nq, 10, now_ns, lsh);
    double total_s = (double)(now_ns() - t0) / 1e9;
    uint64_t lsh_sum = 0;
    for (size_t i = 0; i < nq; i++)
        lsh_sum += lsh[i];
    qsort(lsh, nq, sizeof *lsh, cmp_u64);
    double exact_ms = (total_s * 1e9 - (double)lsh_sum) / (double)nq / 1e6;

    printf("incidents            %zu (%.1f features each)\n", n, (double)nf / (double)n);
    printf("index build          %.2f s (%.0f incidents/s)\n", build_s, (double)n / build_s);
    printf("queries              %zu top-10 (perturbed copies)\n", nq);
    printf("LSH top-10 p50       %.3f ms\n", (double)lsh[nq / 2] / 1e6);
    printf("LSH top-10 p99       %.3f ms\n", (double)lsh[(nq * 99) / 100] / 1e6);
    printf("brute force mean     %.3f ms (with recall bookkeeping)\n", exact_ms);
    printf("recall@10 vs exact   %.3f\n", recall);
    printf("index memory         %.0f MiB resident growth\n", rss_index);
    struct analyze_fgraph *g = analyze_fgraph_new();
    double rss1 = rss_mib();
    t0 = now_ns();
    graph_fill(&sy, g);
    double graph_s = (double)(now_ns() - t0) / 1e9;
    printf("feature graph        %zu objects, %.2f s, %.0f MiB resident growth\n",
           analyze_fgraph_size(g), graph_s, rss_mib() - rss1);
    analyze_fgraph_free(g);
    free(lsh);
    analyze_similar_free(idx);
    synth_free(&sy);
    return 0;
}
