/* SPDX-License-Identifier: Apache-2.0 */
/*
 * canonical.c: stix_canonical, the one serialisation renkei stores and compares: compact,
 * keys sorted, UTF-8 left unescaped, reals with 17 significant digits so that they
 * round-trip. Two bodies that parse to the same JSON give the same bytes.
 *
 * The bytes are exactly those of json_dumps(JSON_COMPACT | JSON_SORT_KEYS |
 * JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY), which stored bodies were written with and are
 * compared against; this writer produces them without jansson's per-character callbacks and
 * per-object key arrays (it was a fifth of ingest). tests/unit/stix/test_stix_canonical.c
 * compares the two on every object of the shared data.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix_int.h"

/* Objects nested deeper than this are handed to jansson whole (ingest refuses them earlier). */
#define CANON_DEPTH_MAX 64
/* Keys sorted on the stack per object; larger objects use the heap. */
#define CANON_KEYS_STACK 64

struct canon {
    char *data;
    size_t len;
    size_t cap;
    bool failed;                    /* fall back to jansson (a real, or nesting too deep) */
    struct stix_marking_slot *slot; /* filled while writing the top-level object, or NULL */
};

/* The property stix_canonical_add_marking splices into. */
#define MARKING_KEY     "object_marking_refs"
#define MARKING_KEY_LEN (sizeof(MARKING_KEY) - 1)

static void canon_grow(struct canon *w, size_t extra)
{
    size_t cap = w->cap != 0 ? w->cap : 256;
    while (cap - w->len < extra + 1)
        cap *= 2;
    w->data = rk_realloc(w->data, cap);
    w->cap = cap;
}

static inline void canon_put(struct canon *w, const char *s, size_t n)
{
    if (w->cap - w->len < n + 1)
        canon_grow(w, n);
    memcpy(w->data + w->len, s, n);
    w->len += n;
}

static inline void canon_putc(struct canon *w, char c)
{
    if (w->cap - w->len < 2)
        canon_grow(w, 1);
    w->data[w->len++] = c;
}

/* True for the bytes jansson escapes: '"', '\\' and every control character below 0x20
 * (UTF-8 above 0x7F is copied as is, DEL too). */
static inline bool canon_esc(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

static void canon_string(struct canon *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0, run = 0;

    canon_putc(w, '"');
    while (i < n) {
        i += stix_plain_len((const unsigned char *)s + i, n - i, false);
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i];
        assert(canon_esc(c));
        canon_put(w, s + run, i - run);
        switch (c) {
        case '"':
            canon_put(w, "\\\"", 2);
            break;
        case '\\':
            canon_put(w, "\\\\", 2);
            break;
        case '\b':
            canon_put(w, "\\b", 2);
            break;
        case '\f':
            canon_put(w, "\\f", 2);
            break;
        case '\n':
            canon_put(w, "\\n", 2);
            break;
        case '\r':
            canon_put(w, "\\r", 2);
            break;
        case '\t':
            canon_put(w, "\\t", 2);
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            canon_put(w, u, sizeof(u));
        }
        }
        run = ++i;
    }
    canon_put(w, s + run, n - run);
    canon_putc(w, '"');
}

static void canon_integer(struct canon *w, json_int_t v)
{
    char tmp[24];
    size_t k = sizeof(tmp);
    /* Through unsigned so that the most negative value does not overflow. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do {
        tmp[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[--k] = '-';
    canon_put(w, tmp + k, sizeof(tmp) - k);
}

/* One key of an object being sorted. */
struct canon_key {
    const char *key;
    size_t len;
    json_t *value;
};

/* jansson's order: bytes, then the shorter first (strcmp for keys without a NUL). */
static int canon_key_cmp(const void *a, const void *b)
{
    const struct canon_key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->key, y->key, n);
    if (r != 0)
        return r;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Insertion sort: STIX objects have a dozen keys or so, where it beats qsort's calls. */
static void canon_sort(struct canon_key *k, size_t n)
{
    if (n > 32) {
        qsort(k, n, sizeof(*k), canon_key_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct canon_key t = k[i];
        size_t j = i;
        while (j > 0 && canon_key_cmp(&k[j - 1], &t) > 0) {
            k[j] = k[j - 1];
            j--;
        }
        k[j] = t;
    }
}

static void canon_value(struct canon *w, const json_t *v, int depth);

/* Records the place in the top-level object's text where the marking goes (struct
 * stix_marking_slot says what is written there). */
static void slot_set(struct stix_marking_slot *slot, size_t at, bool with_key, bool comma_before,
                     bool comma_after)
{
    *slot = (struct stix_marking_slot){at, true, with_key, comma_before, comma_after};
}

static void canon_object(struct canon *w, const json_t *obj, int depth)
{
    static const struct canon_key marking = {MARKING_KEY, MARKING_KEY_LEN, NULL};
    struct canon_key stack[CANON_KEYS_STACK], *keys = stack;
    size_t n = json_object_size(obj), i = 0;
    /* Only the top-level object has a slot; it is decided at the first key not before
     * object_marking_refs, or at the end. */
    struct stix_marking_slot *slot = depth == 0 ? w->slot : NULL;
    const char *key;
    size_t key_len;
    json_t *value;

    if (n == 0) {
        canon_put(w, "{}", 2);
        if (slot != NULL)
            slot_set(slot, w->len - 1, true, false, false);
        return;
    }
    if (n > CANON_KEYS_STACK)
        keys = rk_calloc(n, sizeof(*keys));
    /* The macro's iterator is not const-correct; the object is only read. */
    json_object_keylen_foreach((json_t *)obj, key, key_len, value)
    {
        if (i == n)
            break;
        keys[i++] = (struct canon_key){key, key_len, value};
    }
    n = i;
    canon_sort(keys, n);
    canon_putc(w, '{');
    for (i = 0; i < n && !w->failed; i++) {
        if (i > 0)
            canon_putc(w, ',');
        /* Most keys differ from object_marking_refs in their first byte. */
        int c = slot == NULL                       ? -1
                : keys[i].len == 0                 ? -1
                : keys[i].key[0] != MARKING_KEY[0] ? (unsigned char)keys[i].key[0] - 'o'
                                                   : canon_key_cmp(&keys[i], &marking);
        if (c > 0) { /* the whole property goes before this key */
            slot_set(slot, w->len, true, false, true);
            slot = NULL;
        }
        canon_string(w, keys[i].key, keys[i].len);
        canon_putc(w, ':');
        canon_value(w, keys[i].value, depth + 1);
        if (c == 0) { /* appended to the list, before its ']'; not a list: no slot */
            if (json_is_array(keys[i].value))
                slot_set(slot, w->len - 1, false, json_array_size(keys[i].value) > 0, false);
            slot = NULL;
        }
    }
    if (slot != NULL) /* past every key: the property goes last */
        slot_set(slot, w->len, true, true, false);
    canon_putc(w, '}');
    if (keys != stack)
        free(keys);
}

static void canon_value(struct canon *w, const json_t *v, int depth)
{
    if (depth > CANON_DEPTH_MAX) {
        w->failed = true;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        canon_object(w, v, depth);
        break;
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        canon_putc(w, '[');
        for (size_t i = 0; i < n && !w->failed; i++) {
            if (i > 0)
                canon_putc(w, ',');
            canon_value(w, json_array_get(v, i), depth + 1);
        }
        canon_putc(w, ']');
        break;
    }
    case JSON_STRING:
        canon_string(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        canon_integer(w, json_integer_value(v));
        break;
    case JSON_TRUE:
        canon_put(w, "true", 4);
        break;
    case JSON_FALSE:
        canon_put(w, "false", 5);
        break;
    case JSON_NULL:
        canon_put(w, "null", 4);
        break;
    default:
        /* Reals are rare in STIX; jansson's %.17g plus its own clean-up rules is the
         * definition, so it writes them. */
        w->failed = true;
        break;
    }
}

/* The definition: what the stored bodies were written with. */
static char *canon_jansson(const json_t *obj, size_t *len)
{
    char *s =
        json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY);

    /* jansson only fails on allocation or invalid UTF-8 it was built from; treat as OOM-like. */
    if (len != NULL)
        *len = s != NULL ? strlen(s) : 0;
    return s;
}

char *stix_canonical_slot(const json_t *obj, size_t *len, struct stix_marking_slot *slot)
{
    struct canon w = {NULL, 0, 0, false, slot};

    if (slot != NULL)
        slot->ok = false; /* until the top-level object's writer says where */
    if (obj == NULL) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    canon_grow(&w, 1024);
    canon_value(&w, obj, 0);
    if (w.failed) {
        free(w.data);
        if (slot != NULL)
            slot->ok = false;
        /* Nested too deep for the writer's bound, or a real: jansson writes it whole. */
        return canon_jansson(obj, len);
    }
    w.data[w.len] = '\0';
    if (len != NULL)
        *len = w.len;
    return w.data;
}

char *stix_canonical(const json_t *obj, size_t *len)
{
    return stix_canonical_slot(obj, len, NULL);
}

/* ---- ingest speed: splicing a marking into canonical text ---- */

/* Skips the JSON value at p (compact, as canonical text is) and returns the byte after it,
 * or NULL if the text ends first. */
static const char *splice_skip_value(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char ch = *p;
        if (ch == '"') {
            /* The closing quote: the next '"' not escaped (an odd run of backslashes). */
            for (;;) {
                const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
                if (q == NULL)
                    return NULL;
                size_t bs = 0;
                while (q - bs > p + 1 && q[-1 - (ptrdiff_t)bs] == '\\')
                    bs++;
                p = q;
                if (bs % 2 == 0)
                    break;
            }
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (depth == 0)
                return p; /* the end of the enclosing object: a scalar ended */
            if (--depth == 0)
                return p + 1;
        } else if (ch == ',' && depth == 0) {
            return p;
        }
        p++;
    }
    return NULL;
}

/* strcmp order of the key bytes k[0..n) against t[0..tn). */
static int splice_keycmp(const char *k, size_t n, const char *t, size_t tn)
{
    int c = memcmp(k, t, n < tn ? n : tn);
    if (c != 0)
        return c;
    return n < tn ? -1 : n > tn ? 1 : 0;
}

char *stix_canonical_add_marking(const char *canon, size_t len, const char *marking_id,
                                 size_t *out_len)
{
    return stix_canonical_add_marking_at(canon, len, marking_id, out_len, NULL, NULL);
}

/* True when marking_id can go into JSON text as it is (no '"', '\\' or control byte). */
static bool marking_id_plain(const char *marking_id)
{
    if (marking_id == NULL)
        return false;
    /* Eight bytes at a time (stix_plain_len itself is left to canon_string to inline). */
    size_t n = strlen(marking_id), i = 0;
    uint64_t x, stops = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, marking_id + i, 8);
        stops |= stix_plain_stops(x, false);
    }
    for (; i < n; i++)
        if (marking_id[i] == '"' || marking_id[i] == '\\' || (unsigned char)marking_id[i] < 0x20)
            return false;
    return stops == 0;
}

/* canon with the marking written at slot: one allocation of the exact size, the pieces in
 * order. */
static char *splice_at(const char *canon, size_t len, const struct stix_marking_slot *slot,
                       const char *marking_id, size_t *out_len, size_t *ins_off, size_t *ins_len)
{
    static const char key_open[] = "\"" MARKING_KEY "\":[\"";
    size_t id_len = strlen(marking_id);
    size_t add = (slot->comma_before ? 1 : 0) + (slot->with_key ? sizeof(key_open) - 1 : 1) +
                 id_len + (slot->with_key ? 2 : 1) + (slot->comma_after ? 1 : 0);
    char *out = rk_malloc(len + add + 1), *w = out;

    memcpy(w, canon, slot->at);
    w += slot->at;
    if (slot->comma_before)
        *w++ = ',';
    if (slot->with_key) {
        memcpy(w, key_open, sizeof(key_open) - 1);
        w += sizeof(key_open) - 1;
    } else {
        *w++ = '"';
    }
    memcpy(w, marking_id, id_len);
    w += id_len;
    *w++ = '"';
    if (slot->with_key)
        *w++ = ']';
    if (slot->comma_after)
        *w++ = ',';
    memcpy(w, canon + slot->at, len - slot->at);
    w += len - slot->at;
    *w = '\0';
    if (out_len != NULL)
        *out_len = (size_t)(w - out);
    /* Everything written between the two copies of canon is one run at slot->at. */
    if (ins_off != NULL)
        *ins_off = slot->at;
    if (ins_len != NULL)
        *ins_len = add;
    return out;
}

char *stix_canonical_add_marking_slot(const char *canon, size_t len,
                                      const struct stix_marking_slot *slot, const char *marking_id,
                                      size_t *out_len, size_t *ins_off, size_t *ins_len)
{
    if (canon == NULL || slot == NULL || !slot->ok || slot->at >= len ||
        !marking_id_plain(marking_id))
        return NULL;
    return splice_at(canon, len, slot, marking_id, out_len, ins_off, ins_len);
}

char *stix_canonical_add_marking_at(const char *canon, size_t len, const char *marking_id,
                                    size_t *out_len, size_t *ins_off, size_t *ins_len)
{
    static const char key[] = MARKING_KEY;
    const char *end = canon + len, *p = canon;
    struct stix_marking_slot slot = {0, false, false, false, false};

    if (canon == NULL || len < 2 || canon[0] != '{' || canon[len - 1] != '}' ||
        !marking_id_plain(marking_id))
        return NULL;
    p++;
    while (p < end - 1 && !slot.ok) {
        if (*p != '"')
            return NULL;
        const char *k = ++p;
        while (p < end && *p != '"' && *p != '\\')
            p++;
        if (p >= end || *p != '"' || p + 1 >= end || p[1] != ':')
            return NULL; /* an escaped key: not worth splicing */
        int c = splice_keycmp(k, (size_t)(p - k), key, sizeof(key) - 1);
        const char *v = p + 2;
        if (c > 0) { /* insert the whole property before this key */
            slot = (struct stix_marking_slot){(size_t)(k - 1 - canon), true, true, false, true};
            break;
        }
        const char *vend = splice_skip_value(v, end);
        if (vend == NULL)
            return NULL;
        if (c == 0) {
            if (*v != '[' || vend - v < 2 || vend[-1] != ']')
                return NULL;
            /* append to the array */
            slot = (struct stix_marking_slot){(size_t)(vend - 1 - canon), true, false,
                                              vend - v != 2, false};
            break;
        }
        p = vend;
        if (p < end - 1) {
            if (*p != ',')
                return NULL;
            p++;
        }
    }
    if (!slot.ok) /* past every key: the property goes last */
        slot = (struct stix_marking_slot){len - 1, true, true, len != 2, false};
    return splice_at(canon, len, &slot, marking_id, out_len, ins_off, ins_len);
}
