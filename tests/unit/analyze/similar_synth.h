/* SPDX-License-Identifier: Apache-2.0 */
/*
 * similar_synth.h: synthetic incidents for test_similar.c and bench/similar.c, and the recall
 * of the LSH query against brute force. Incidents come in campaigns (clusters): a campaign is
 * a template of techniques (popular ones more often), one malware family, tools, a CVE, a
 * sector, software and its own observables; each incident keeps each template feature with
 * probability 0.8 and adds 0-2 unrelated ones. With cluster_mean 1 every incident is its own
 * campaign (random incidents). Deterministic for a seed. Header-only (static functions).
 */
#ifndef RK_SIMILAR_SYNTH_H
#define RK_SIMILAR_SYNTH_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

struct synth {
    size_t n;          /* incidents */
    char ***features;  /* n arrays of keys */
    size_t *counts;    /* n counts */
    uint64_t rng;      /* the generator's state */
    size_t noise_next; /* counter for unrelated observables */
};

static uint64_t synth_next(struct synth *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t synth_below(struct synth *s, size_t n)
{
    return (size_t)(synth_next(s) % n);
}

/* A skewed pick in [0, n): the minimum of two uniform picks (low values more often). */
static size_t synth_skewed(struct synth *s, size_t n)
{
    size_t a = synth_below(s, n), b = synth_below(s, n);
    return a < b ? a : b;
}

static char *synth_key(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *synth_key(const char *fmt, ...)
{
    char buf[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return strdup(buf);
}

/* A random feature unrelated to any campaign. */
static char *synth_noise(struct synth *s)
{
    switch (synth_below(s, 4)) {
    case 0:
        return synth_key("ttp:T%04zu", 1000 + synth_skewed(s, 600));
    case 1:
        return synth_key("sector:s%zu", synth_below(s, 14));
    case 2:
        return synth_key("software:sw%zu", synth_skewed(s, 500));
    default:
        return synth_key("obs:domain:noise%zu.example",
                         s->noise_next++ * 7919 + synth_below(s, 7919));
    }
}

/* The template of campaign c into t (at most 24 keys); returns the count. */
static size_t synth_template(struct synth *s, size_t c, char **t)
{
    size_t n = 0;
    size_t nt = 3 + synth_below(s, 4);
    for (size_t i = 0; i < nt; i++)
        t[n++] = synth_key("ttp:T%04zu", 1000 + synth_skewed(s, 600));
    t[n++] = synth_key("malware:family%zu", synth_skewed(s, 2000));
    size_t ntool = synth_below(s, 3);
    for (size_t i = 0; i < ntool; i++)
        t[n++] = synth_key("tool:tool%zu", synth_skewed(s, 300));
    if (synth_below(s, 2))
        t[n++] = synth_key("cve:CVE-2024-%zu", 1000 + synth_below(s, 20000));
    t[n++] = synth_key("sector:s%zu", synth_below(s, 14));
    size_t nsw = 1 + synth_below(s, 3);
    for (size_t i = 0; i < nsw; i++)
        t[n++] = synth_key("software:sw%zu", synth_skewed(s, 500));
    size_t nobs = 3 + synth_below(s, 6);
    for (size_t i = 0; i < nobs; i++)
        t[n++] = i % 2 ? synth_key("obs:domain:c%zu.example", c * 16 + i)
                       : synth_key("obs:sha256:%zu", c * 16 + i);
    return n;
}

/* Makes n incidents, in campaigns of 1 to 2 * cluster_mean - 1 incidents. */
static void synth_init(struct synth *s, size_t n, uint64_t seed, size_t cluster_mean)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->rng = seed;
    s->features = calloc(n, sizeof *s->features);
    s->counts = calloc(n, sizeof *s->counts);
    size_t i = 0, c = 0;
    while (i < n) {
        char *t[24];
        size_t nt = synth_template(s, c, t);
        size_t size = 1 + (cluster_mean > 1 ? synth_below(s, 2 * cluster_mean - 1) : 0);
        for (size_t k = 0; k < size && i < n; k++, i++) {
            char **f = calloc(nt + 2, sizeof *f);
            size_t m = 0;
            for (size_t j = 0; j < nt; j++)
                if (cluster_mean == 1 || synth_below(s, 10) < 8)
                    f[m++] = strdup(t[j]);
            size_t noise = synth_below(s, 3);
            for (size_t j = 0; j < noise; j++)
                f[m++] = synth_noise(s);
            s->features[i] = f;
            s->counts[i] = m;
        }
        for (size_t j = 0; j < nt; j++)
            free(t[j]);
        c++;
    }
}

/* Adds every incident to the index as "incident-<i>". */
static void synth_fill(struct synth *s, struct analyze_similar *idx)
{
    for (size_t i = 0; i < s->n; i++) {
        char id[32];
        snprintf(id, sizeof id, "incident-%zu", i);
        struct rk_err err = {0};
        if (analyze_similar_add(idx, id, (const char *const *)s->features[i], s->counts[i], &err) !=
            0) {
            fprintf(stderr, "synth: %s\n", err.msg);
            abort();
        }
    }
}

/* A perturbed copy of incident i: a third of its features (rounded down) dropped, as many unrelated
 * ones added. Returns the count; free with synth_free_query. */
static size_t synth_perturb(struct synth *s, size_t i, const char ***out)
{
    size_t n = s->counts[i], m = 0, dropped = n / 3;
    char **q = calloc(2 * n + 1, sizeof *q);
    for (size_t j = 0; j < n; j++)
        q[m++] = strdup(s->features[i][j]);
    for (size_t j = 0; j < dropped; j++) { /* drop exactly n / 3, chosen at random */
        size_t x = synth_below(s, m);
        free(q[x]);
        q[x] = q[--m];
    }
    for (size_t j = 0; j < dropped; j++)
        q[m++] = synth_noise(s);
    *out = (const char **)q;
    return m;
}

static void synth_free_query(const char **q, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)q[i]);
    free(q);
}

static void synth_free(struct synth *s)
{
    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = 0; j < s->counts[i]; j++)
            free(s->features[i][j]);
        free(s->features[i]);
    }
    free(s->features);
    free(s->counts);
}

/* The mean recall of the LSH top k against the exact top k over nq queries (perturbed copies
 * of evenly spread incidents). If lsh_ns is not NULL, each LSH query's time is written there
 * (nq entries, nanoseconds, from clock_ns). */
static double synth_recall(struct synth *s, struct analyze_similar *idx, size_t nq, size_t k,
                           uint64_t (*clock_ns)(void), uint64_t *lsh_ns)
{
    double sum = 0;
    for (size_t t = 0; t < nq; t++) {
        size_t i = (t * 7919 + 1) % s->n;
        const char **q;
        size_t n = synth_perturb(s, i, &q);
        struct analyze_similar_result a, b;
        struct rk_err err = {0};
        uint64_t t0 = clock_ns ? clock_ns() : 0;
        if (analyze_similar_query(idx, q, n, k, &a, &err) != 0)
            abort();
        if (lsh_ns)
            lsh_ns[t] = clock_ns() - t0;
        if (analyze_similar_query_exact(idx, q, n, k, &b, &err) != 0)
            abort();
        size_t hit = 0;
        for (size_t x = 0; x < b.n; x++)
            for (size_t y = 0; y < a.n; y++)
                if (strcmp(b.items[x].id, a.items[y].id) == 0) {
                    hit++;
                    break;
                }
        sum += b.n ? (double)hit / (double)b.n : 1.0;
        analyze_similar_result_free(&a);
        analyze_similar_result_free(&b);
        synth_free_query(q, n);
    }
    return sum / (double)nq;
}

#endif /* RK_SIMILAR_SYNTH_H */
