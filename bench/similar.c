/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/similar.c: the similar-incidents index at scale. Builds an index of N synthetic
 * incidents (tests/unit/analyze/similar_synth.h: campaigns of about 10), then runs Q top-10
 * queries (perturbed copies of incidents) and prints the LSH query's latency p50/p99, the
 * brute-force query's mean latency, and the recall of the LSH top-10 against the exact top-10.
 * Figures, not pass/fail. Built with the unit tests: build/tests/unit/analyze/bench_similar
 * [N [Q]] (defaults 100000 and 1000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "similar_synth.h"

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
    uint64_t t0 = now_ns();
    synth_fill(&sy, idx);
    double build_s = (double)(now_ns() - t0) / 1e9;

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
    free(lsh);
    analyze_similar_free(idx);
    synth_free(&sy);
    return 0;
}
