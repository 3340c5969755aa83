/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pattern_tree.c: the memory of a parsed STIX pattern (an arena: one tree, freed at once),
 * the decoding of its constants (string escapes, base64, hex), the text of an object path,
 * and the walk that lists the observables a pattern states (stix_pattern_observables). The
 * parser that builds the tree is the validator's (pattern.c); see docs/internals/patterns.md,
 * "The tree".
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix_int.h"

/* Bytes of an arena block; a larger request gets a block of its own size. */
#define ARENA_BLOCK 4096

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

struct stix_pat_arena {
    struct arena_block *head; /* the block being filled, then the older ones */
};

struct stix_pat_arena *stix_pat_arena_new(void)
{
    return rk_calloc(1, sizeof(struct stix_pat_arena));
}

void *stix_pat_alloc(struct stix_pat_arena *a, size_t n)
{
    const size_t al = alignof(max_align_t);
    n = (n + al - 1) / al * al;
    struct arena_block *b = a->head;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = rk_malloc(sizeof(*b) + cap);
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *r = b->data + b->used;
    b->used += n;
    memset(r, 0, n);
    return r;
}

void stix_pat_arena_free(struct stix_pat_arena *a)
{
    if (a == NULL)
        return;
    for (struct arena_block *b = a->head, *nb; b != NULL; b = nb) {
        nb = b->next;
        free(b);
    }
    free(a);
}

char *stix_pat_text(struct stix_pat_arena *a, const char *s, size_t n, bool unescape, size_t *len)
{
    char *out = stix_pat_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (unescape && s[i] == '\\' && i + 1 < n)
            i++;
        out[o++] = s[i];
    }
    out[o] = '\0';
    *len = o;
    return out;
}

static int b64_digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1; /* '=', line feeds */
}

char *stix_pat_base64(struct stix_pat_arena *a, const char *s, size_t n, size_t *len)
{
    char *out = stix_pat_alloc(a, n / 4 * 3 + 4);
    size_t o = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < n; i++) {
        int d = b64_digit((unsigned char)s[i]);
        if (d < 0)
            continue;
        acc = (acc << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

static unsigned hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

char *stix_pat_hex(struct stix_pat_arena *a, const char *s, size_t n, size_t *len)
{
    char *out = stix_pat_alloc(a, n / 2 + 1);
    for (size_t i = 0; i + 1 < n; i += 2)
        out[i / 2] =
            (char)(hex_digit((unsigned char)s[i]) << 4 | hex_digit((unsigned char)s[i + 1]));
    out[n / 2] = '\0';
    *len = n / 2;
    return out;
}

void stix_pat_path_text(struct stix_pat_arena *a, struct stix_pat_comparison *cmp)
{
    size_t n = 1;
    for (const struct stix_pat_step *st = cmp->steps; st != NULL; st = st->next)
        n += st->kind == STIX_STEP_NAME ? st->len + 1 : 24;
    char *out = stix_pat_alloc(a, n);
    size_t o = 0;
    for (const struct stix_pat_step *st = cmp->steps; st != NULL; st = st->next) {
        if (st->kind == STIX_STEP_NAME) {
            if (o > 0)
                out[o++] = '.';
            memcpy(out + o, st->name, st->len);
            o += st->len;
        } else if (st->kind == STIX_STEP_ANY) {
            memcpy(out + o, "[*]", 3);
            o += 3;
        } else {
            o += (size_t)snprintf(out + o, n - o, "[%llu]", (unsigned long long)st->index);
        }
    }
    out[o] = '\0';
    cmp->path = out;
}

void stix_pattern_free(struct stix_pattern *p)
{
    if (p == NULL)
        return;
    stix_pat_arena_free(p->arena); /* p itself lives in its arena */
}

/* The observables under node n, depth first in the order written. The depth of the tree is
 * bounded by the parser's nesting limit (PATTERN_MAX_DEPTH levels of brackets, each adding a
 * few nodes), so recursion is safe. */
static int walk(const struct stix_pat_node *n, stix_pat_observable_fn fn, void *ctx)
{
    if (n->kind == STIX_PAT_COMPARISON) {
        const struct stix_pat_comparison *c = &n->cmp;
        if (c->negated || (c->op != STIX_OP_EQ && c->op != STIX_OP_IN))
            return 0;
        for (const struct stix_pat_value *v = c->values; v != NULL; v = v->next) {
            int rc = fn(ctx, c->type, c->path, v);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    for (const struct stix_pat_node *k = n->kids; k != NULL; k = k->next) {
        int rc = walk(k, fn, ctx);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int stix_pattern_observables(const struct stix_pattern *p, stix_pat_observable_fn fn, void *ctx)
{
    if (p == NULL || p->root == NULL)
        return 0;
    return walk(p->root, fn, ctx);
}
