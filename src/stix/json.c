/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.c: stix_json_parse, a fast path for json_loadb on the bodies TAXII POST receives.
 * jansson's reader goes through a per-character stream callback and a growing string
 * buffer; this one scans the bytes in place and builds the same json_t tree with the same
 * calls jansson's parser makes (so key order, duplicate keys and values come out alike).
 * Whatever it is not sure of (reals, escapes of NUL, lone surrogates, invalid UTF-8, big
 * integers, any syntax error) it leaves to json_loadb, which decides and words the error.
 */
#include <limits.h>
#include <string.h>

#include "stix/stix_int.h"

/* jansson's integers are long long on every platform renkei builds for. */
_Static_assert(sizeof(json_int_t) == sizeof(long long), "json_int_t is long long");

/* Deeper documents go to jansson (TAXII refuses them before parsing anyway). */
#define JP_DEPTH_MAX 64

struct jp {
    const unsigned char *p;   /* next byte */
    const unsigned char *end; /* one past the last byte */
    struct rk_buf tmp;        /* unescaped strings */
    int max_depth;            /* arrays and objects open at once, at most */
    bool too_deep;            /* a container past max_depth was met */
    size_t values;            /* values read so far (containers, strings, numbers, words) */
    size_t max_values;        /* at most */
    bool too_many;            /* the value past max_values was met */
};

static inline void jp_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 if it is not one
 * (the Unicode Standard's table 3-7: no overlongs, no surrogates, nothing past U+10FFFF,
 * which is what jansson's utf8_check accepts). */
static size_t jp_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

static int jp_hex4(const unsigned char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void jp_put_utf8(struct rk_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    rk_buf_append(b, u, n);
}

/*
 * Reads the string whose opening quote is at j->p. Sets *s and *n to its bytes: in the
 * input when it has no escapes, else in j->tmp (valid until the next string). Returns -1
 * for anything jansson should judge.
 */
static int jp_string(struct jp *j, const char **s, size_t *n)
{
    const unsigned char *p = ++j->p, *start = p;
    bool escaped = false;

    for (;;) {
        p += stix_plain_len(p, (size_t)(j->end - p), true);
        if (p >= j->end)
            return -1;
        /* A quote, a backslash, a control character or the lead byte of UTF-8. */
        unsigned char c = *p;
        if (c == '"')
            break;
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            if (!escaped) {
                rk_buf_reset(&j->tmp);
                escaped = true;
            }
            rk_buf_append(&j->tmp, start, (size_t)(p - start));
            if (p + 1 >= j->end)
                return -1;
            c = p[1];
            p += 2;
            switch (c) {
            case '"':
            case '\\':
            case '/':
                rk_buf_putc(&j->tmp, (char)c);
                break;
            case 'b':
                rk_buf_putc(&j->tmp, '\b');
                break;
            case 'f':
                rk_buf_putc(&j->tmp, '\f');
                break;
            case 'n':
                rk_buf_putc(&j->tmp, '\n');
                break;
            case 'r':
                rk_buf_putc(&j->tmp, '\r');
                break;
            case 't':
                rk_buf_putc(&j->tmp, '\t');
                break;
            case 'u': {
                unsigned cp, lo;
                if (j->end - p < 4 || jp_hex4(p, &cp) != 0)
                    return -1;
                p += 4;
                if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                    return -1;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (j->end - p < 6 || p[0] != '\\' || p[1] != 'u' || jp_hex4(p + 2, &lo) != 0 ||
                        lo < 0xDC00 || lo > 0xDFFF)
                        return -1;
                    p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                jp_put_utf8(&j->tmp, cp);
                break;
            }
            default:
                return -1;
            }
            start = p;
            continue;
        }
        size_t l = jp_utf8_len(p, (size_t)(j->end - p));
        if (l == 0)
            return -1;
        p += l;
    }
    if (escaped) {
        rk_buf_append(&j->tmp, start, (size_t)(p - start));
        *s = j->tmp.data != NULL ? j->tmp.data : "";
        *n = j->tmp.len;
    } else {
        *s = (const char *)start;
        *n = (size_t)(p - start);
    }
    j->p = p + 1;
    return 0;
}

/* An integer (reals and overflows are jansson's). */
static json_t *jp_number(struct jp *j)
{
    const unsigned char *p = j->p;
    bool neg = false;
    unsigned long long v = 0, lim;

    if (*p == '-') {
        neg = true;
        p++;
    }
    if (p >= j->end || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0' && p + 1 < j->end && p[1] >= '0' && p[1] <= '9')
        return NULL;
    lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
    while (p < j->end && *p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (lim - d) / 10)
            return NULL;
        v = v * 10 + d;
        p++;
    }
    if (p < j->end && (*p == '.' || *p == 'e' || *p == 'E'))
        return NULL;
    j->p = p;
    if (neg)
        return json_integer(v == (unsigned long long)LLONG_MAX + 1 ? -LLONG_MAX - 1
                                                                   : -(json_int_t)v);
    return json_integer((json_int_t)v);
}

static json_t *jp_value(struct jp *j, int depth);

static json_t *jp_object(struct jp *j, int depth)
{
    json_t *obj = json_object();

    j->p++;
    jp_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return obj;
    }
    for (;;) {
        const char *k;
        size_t kn;
        char stack[256], *copy = NULL;
        json_t *v;
        int rc;

        if (j->p >= j->end || *j->p != '"' || jp_string(j, &k, &kn) != 0)
            goto bad;
        /* An unescaped key stays in the input; one unescaped into tmp is copied, as the
         * value may reuse tmp. */
        if (j->tmp.data != NULL && k == j->tmp.data) {
            copy = kn < sizeof(stack) ? stack : rk_malloc(kn + 1);
            memcpy(copy, k, kn);
            k = copy;
        }
        jp_ws(j);
        v = NULL;
        if (j->p < j->end && *j->p == ':') {
            j->p++;
            v = jp_value(j, depth + 1);
        }
        rc = v != NULL ? json_object_setn_new_nocheck(obj, k, kn, v) : -1;
        if (copy != NULL && copy != stack)
            free(copy);
        if (rc != 0)
            goto bad;
        jp_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            jp_ws(j);
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return obj;
        }
        goto bad;
    }
bad:
    json_decref(obj);
    return NULL;
}

static json_t *jp_array(struct jp *j, int depth)
{
    json_t *arr = json_array();

    j->p++;
    jp_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return arr;
    }
    for (;;) {
        json_t *v = jp_value(j, depth + 1);
        if (v == NULL || json_array_append_new(arr, v) != 0)
            goto bad;
        jp_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return arr;
        }
        goto bad;
    }
bad:
    json_decref(arr);
    return NULL;
}

/* Matches the literal word at j->p; jansson then wants a delimiter, which the caller's
 * structure check enforces. */
static bool jp_word(struct jp *j, const char *w, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return false;
    j->p += n;
    return true;
}

static json_t *jp_value(struct jp *j, int depth)
{
    const char *s;
    size_t n;

    jp_ws(j);
    if (j->p >= j->end)
        return NULL;
    /* depth containers are open around this one; at the same byte, the depth is told
     * before the count (as the scan does) */
    if ((*j->p == '{' || *j->p == '[') && depth >= j->max_depth) {
        j->too_deep = true;
        return NULL;
    }
    if (++j->values > j->max_values) {
        j->too_many = true;
        return NULL;
    }
    switch (*j->p) {
    case '{':
    case '[':
        return *j->p == '{' ? jp_object(j, depth) : jp_array(j, depth);
    case '"':
        if (jp_string(j, &s, &n) != 0)
            return NULL;
        return json_stringn_nocheck(s, n);
    case 't':
        return jp_word(j, "true", 4) ? json_true() : NULL;
    case 'f':
        return jp_word(j, "false", 5) ? json_false() : NULL;
    case 'n':
        return jp_word(j, "null", 4) ? json_null() : NULL;
    default:
        return jp_number(j);
    }
}

/* The tree, or NULL when the fast path gives up (*too_deep if for the nesting, *too_many if
 * for the number of values). */
static json_t *jp_parse(const char *text, size_t len, int max_depth, size_t max_values,
                        bool *too_deep, bool *too_many)
{
    struct jp j = {(const unsigned char *)text,
                   (const unsigned char *)text + len,
                   RK_BUF_INIT,
                   max_depth,
                   false,
                   0,
                   max_values,
                   false};
    json_t *root = NULL;

    if (text != NULL) {
        jp_ws(&j);
        if (j.p < j.end && (*j.p == '{' || *j.p == '['))
            root = jp_value(&j, 0);
        if (root != NULL) {
            jp_ws(&j);
            if (j.p != j.end) {
                json_decref(root);
                root = NULL;
            }
        }
    }
    rk_buf_free(&j.tmp);
    *too_deep = root == NULL && j.too_deep;
    *too_many = root == NULL && !j.too_deep && j.too_many;
    return root;
}

json_t *stix_json_parse(const char *text, size_t len, json_error_t *error)
{
    bool deep, many;
    json_t *root = jp_parse(text, len, JP_DEPTH_MAX + 1, SIZE_MAX, &deep, &many);
    if (root != NULL)
        return root;
    /* Not sure, or not JSON: jansson decides and says where. */
    return json_loadb(text, len, 0, error);
}

/*
 * What the fast path would refuse, found by counting outside strings (a backslash in a string
 * skips the next byte), whether or not the text is JSON: more than max_depth arrays and
 * objects open at once (*too_deep), or more than max_values values (*too_many), where a
 * value is counted at each '[', '{' and ',' and once more for the document (at least every
 * value, so jansson is never handed more).
 */
static void limits_scan(const char *s, size_t len, int max_depth, size_t max_values, bool *too_deep,
                        bool *too_many)
{
    int depth = 0;
    size_t values = 1;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            values++;
            if (++depth > max_depth) {
                *too_deep = true;
                return;
            }
        } else if (c == ']' || c == '}') {
            depth--;
        } else if (c == ',') {
            values++;
        }
        if (values > max_values) {
            *too_many = true;
            return;
        }
    }
}

json_t *stix_json_parse_capped_in(struct stix_json_arena *arena, const char *text, size_t len,
                                  int max_depth, size_t max_values, bool *too_deep, bool *too_many,
                                  json_error_t *error)
{
    json_t *root;

    *too_deep = *too_many = false;
    if (text == NULL)
        return json_loadb(text, len, 0, error);
    /* The tree comes from arena, if given and installed (json_arena.c). */
    bool in_arena = stix_json_arena_begin(arena);
    /* A document the fast path reads is JSON, so its nesting and values are what the scan
     * would count: the scan runs only for what jansson reads, before jansson's unbounded
     * recursion and its tree. */
    root = jp_parse(text, len, max_depth, max_values, too_deep, too_many);
    if (root == NULL && !*too_deep && !*too_many) {
        limits_scan(text, len, max_depth, max_values, too_deep, too_many);
        if (!*too_deep && !*too_many)
            root = json_loadb(text, len, 0, error);
    }
    if (in_arena)
        stix_json_arena_end(arena, root);
    return root;
}

json_t *stix_json_parse_capped(const char *text, size_t len, int max_depth, size_t max_values,
                               bool *too_deep, bool *too_many, json_error_t *error)
{
    return stix_json_parse_capped_in(NULL, text, len, max_depth, max_values, too_deep, too_many,
                                     error);
}

json_t *stix_json_parse_depth(const char *text, size_t len, int max_depth, bool *too_deep,
                              json_error_t *error)
{
    bool many;
    return stix_json_parse_capped(text, len, max_depth, SIZE_MAX, too_deep, &many, error);
}
