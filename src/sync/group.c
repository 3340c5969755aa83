/* SPDX-License-Identifier: Apache-2.0 */
/*
 * group.c: groups the per-object messages of a push's status resources by reason, so that
 * thousands of refusals read as a few lines. A server's messages embed the object's id and
 * the values at fault; the reason is the message without its leading id, with quoted values,
 * numbers and embedded STIX ids replaced by placeholders. Names (of properties, types,
 * rules) and the grammar's tokens stay: they are part of the reason.
 */
#include "sync.h"

#include <stdlib.h>
#include <string.h>

/* Longest quoted text taken for a name, and for a grammar token such as ']' or '('. */
#define NAME_MAX_LEN  250
#define TOKEN_MAX_LEN 3

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * A character that joins a number to what is around it, which makes the number part of a
 * word or of a larger value: "ipv4", "sha-256", "x_1", "10:30", "v.2".
 */
static bool joins_word(char c)
{
    return is_alnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
}

const char *sync_reason_strip_id(const char *message)
{
    /* "<type>--<id>:" then spaces, the type lower-case letters, digits and hyphens. */
    const char *p = message;
    while ((*p >= 'a' && *p <= 'z') || is_digit(*p) || (*p == '-' && p[1] != '-'))
        p++;
    if (p == message || p[0] != '-' || p[1] != '-')
        return message;
    p += 2;
    const char *body = p;
    while (*p != '\0' && *p != ':' && *p != ' ')
        p++;
    if (p == body || *p != ':')
        return message;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

/* A name (property, type, rule: [a-z_][a-z0-9_-]*, no "--") or a short grammar token. */
static bool quoted_is_kept(const char *s, size_t n)
{
    if (n == 0)
        return true;
    bool punct = n <= TOKEN_MAX_LEN;
    for (size_t i = 0; i < n && punct; i++)
        punct = !is_alnum(s[i]) && s[i] != ' ';
    if (punct)
        return true;
    if (n > NAME_MAX_LEN || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-'))
            return false;
        if (c == '-' && s[i - 1] == '-')
            return false;
    }
    return true;
}

/*
 * The end of a quoted text opened by the quote at s[0]: the next same quote that is followed
 * by the end, a space or punctuation (so "it's" inside 'O'Brien's' does not end it), or NULL.
 */
static const char *quote_end(const char *s)
{
    for (const char *q = strchr(s + 1, s[0]); q != NULL; q = strchr(q + 1, s[0]))
        if (!is_alnum(q[1]) && q[1] != '_')
            return q;
    return NULL;
}

/* The length of a STIX id's UUID after "--" at s, or 0 if s does not start one. */
static size_t uuid_after_dashes(const char *s)
{
    char u[RK_UUID_LEN];
    if (s[0] != '-' || s[1] != '-' || strnlen(s + 2, RK_UUID_LEN - 1) < RK_UUID_LEN - 1)
        return 0;
    memcpy(u, s + 2, RK_UUID_LEN - 1);
    u[RK_UUID_LEN - 1] = '\0';
    if (!rk_uuid_valid(u) || joins_word(s[2 + RK_UUID_LEN - 1]))
        return 0;
    return RK_UUID_LEN - 1;
}

void sync_reason_key(const char *message, struct rk_buf *out)
{
    const char *s = sync_reason_strip_id(message);
    const char *start = s;
    rk_buf_reset(out);
    while (*s != '\0') {
        char prev = ' '; /* what precedes s: a space at the start */
        size_t ulen;
        if (s != start)
            prev = s[-1];
        if ((*s == '\'' || *s == '"') && !is_alnum(prev) && prev != '_') {
            /* A quoted value (not a name or a token): its quotes and a placeholder. */
            const char *end = quote_end(s);
            if (end != NULL) {
                if (quoted_is_kept(s + 1, (size_t)(end - s - 1)))
                    rk_buf_append(out, s, (size_t)(end - s + 1));
                else {
                    rk_buf_putc(out, *s);
                    rk_buf_puts(out, "...");
                    rk_buf_putc(out, *s);
                }
                s = end + 1;
                continue;
            }
        } else if (is_digit(*s) && !joins_word(prev)) {
            /* A number standing alone ("at offset 28", "10,000", "2.1"): N. */
            const char *e = s;
            while (is_digit(*e) || ((*e == '.' || *e == ',') && is_digit(e[1])))
                e++;
            if (!joins_word(*e) || (*e == '.' && !is_alnum(e[1])))
                rk_buf_putc(out, 'N');
            else
                rk_buf_append(out, s, (size_t)(e - s));
            s = e;
            continue;
        } else if (is_alnum(prev) && (ulen = uuid_after_dashes(s)) > 0) {
            /* An embedded STIX id: its type stays, its UUID goes. */
            rk_buf_puts(out, "--...");
            s += 2 + ulen;
            continue;
        }
        rk_buf_putc(out, *s);
        s++;
    }
}

/* ---- groups --------------------------------------------------------------------------- */

/* A detail and its key while groups are built. */
struct keyed {
    char *key;  /* normalised reason, owned */
    size_t idx; /* the detail's position in the list */
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_groups(const void *a, const void *b)
{
    const struct sync_group *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->first_index < y->first_index ? -1 : x->first_index > y->first_index;
}

void sync_groups_build(const struct sync_details *l, struct sync_groups *g)
{
    struct rk_buf b = RK_BUF_INIT;
    memset(g, 0, sizeof(*g));
    if (l->n == 0)
        return;
    struct keyed *k = rk_calloc(l->n, sizeof(*k));
    for (size_t i = 0; i < l->n; i++) {
        sync_reason_key(l->v[i].message, &b);
        k[i].key = rk_strdup(b.len > 0 ? b.data : "");
        k[i].idx = i;
    }
    qsort(k, l->n, sizeof(*k), cmp_keyed);

    g->v = rk_calloc(l->n, sizeof(*g->v)); /* at most one group per detail */
    for (size_t i = 0; i < l->n;) {
        size_t j = i;
        struct sync_group *grp = &g->v[g->n++];
        const char *shown = sync_reason_strip_id(l->v[k[i].idx].message);
        bool varied = false;
        grp->first_index = k[i].idx;
        for (; j < l->n && strcmp(k[j].key, k[i].key) == 0; j++) {
            const struct sync_detail *d = &l->v[k[j].idx];
            if (grp->n_first < SYNC_GROUP_SAMPLES)
                grp->first[grp->n_first++] = d;
            if (!varied && strcmp(sync_reason_strip_id(d->message), shown) != 0)
                varied = true;
            grp->count++;
        }
        grp->key = k[i].key;
        k[i].key = NULL;
        /* Every member said the same: show it as said; else the reason with placeholders. */
        grp->reason = rk_strdup(varied ? grp->key : shown);
        for (size_t m = i + 1; m < j; m++)
            free(k[m].key);
        i = j;
    }
    free(k);
    rk_buf_free(&b);
    qsort(g->v, g->n, sizeof(*g->v), cmp_groups);
}

void sync_groups_free(struct sync_groups *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++) {
        free(g->v[i].key);
        free(g->v[i].reason);
    }
    free(g->v);
    memset(g, 0, sizeof(*g));
}
