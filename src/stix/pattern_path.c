/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pattern_path.c: what the object path of a pattern's comparison refers to in the
 * specification's SCO tables (the ones object validation uses), and whether the constant it
 * is compared with can be about that property: an IPv4 address that parses, a hash of its
 * algorithm's length, a port in range, a timestamp where a timestamp is kept. pattern.c calls
 * it while it parses; see docs/internals/patterns.md, "Values of standard properties".
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "stix/stix_int.h"

static const char *const to_marking[] = {"marking-definition", NULL};

/* The common properties of every SCO (section 3.2), as a path may name them. extensions is
 * stepped into before this table is read. */
static const struct stix_prop sco_common[] = {
    STIX_STR("type", true),
    STIX_STR("id", true),
    STIX_STR("spec_version", false),
    STIX_REFS("object_marking_refs", false, 0, to_marking),
    STIX_OBJS("granular_markings", false),
    STIX_BOOL("defanged", false),
};

/* The row of rows called name (n bytes), or NULL. */
static const struct stix_prop *row_find(const struct stix_prop *rows, size_t nrows,
                                        const char *name, size_t n)
{
    if (n == 0) /* a quoted empty name, '' */
        return NULL;
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].name[0] == name[0] && strncmp(rows[i].name, name, n) == 0 &&
            rows[i].name[n] == '\0')
            return &rows[i];
    return NULL;
}

/* The standard SCO type called type (n bytes), or NULL: a binary search of stix_sco_types
 * alone (stix_type_find searches the SDOs first). */
static const struct stix_type *sco_find(const char *type, size_t n)
{
    size_t lo = 0, hi = stix_sco_ntypes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *name = stix_sco_types[mid].name;
        int c = strncmp(type, name, n);
        if (c == 0)
            c = name[n] == '\0' ? 0 : -1;
        if (c == 0)
            return &stix_sco_types[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Steps into the object of SCO type t: its rows and the common ones. */
static void at_sco(struct stix_path *ps, const struct stix_type *t)
{
    ps->state = STIX_PATH_PROPS;
    ps->rows = t->props;
    ps->nrows = t->nprops;
    ps->what = t->name;
    ps->common = true;
    ps->type = t->name;
}

/* Steps into a nested object of type sub (an extension, a PE section...). */
static void at_sub(struct stix_path *ps, const struct stix_sub *sub)
{
    ps->state = STIX_PATH_PROPS;
    ps->rows = sub->props;
    ps->nrows = sub->nprops;
    ps->what = sub->name;
    ps->common = false;
}

void stix_path_start(struct stix_path *ps, const char *type, size_t n)
{
    const struct stix_type *t = sco_find(type, n);

    ps->state = STIX_PATH_NONE;
    if (t != NULL)
        at_sco(ps, t);
}

/* name (n bytes) as a quoted excerpt for a warning: printable ASCII, at most 40 bytes. */
static void quote(const char *name, size_t n, char *out, size_t cap)
{
    size_t o = 0, m = n < 40 ? n : 40;
    out[o++] = '\'';
    for (size_t i = 0; i < m && o + 6 < cap; i++) {
        unsigned char c = (unsigned char)name[i];
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (m < n && o + 6 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '\'';
    out[o] = '\0';
}

/* Custom names are not warned about: x_ properties (section 11.1), and x- / x_ extensions and
 * extension definitions for extensions. */
static bool is_custom(const char *name, size_t n)
{
    return n >= 2 && name[0] == 'x' && (name[1] == '_' || name[1] == '-');
}

/* Where a reference leads: the one standard SCO type it admits, or NULL. */
static const struct stix_type *ref_target(const struct stix_prop *r)
{
    if (r->classes != 0 || r->values == NULL || r->values[0] == NULL || r->values[1] != NULL)
        return NULL;
    return sco_find(r->values[0], strlen(r->values[0]));
}

bool stix_path_name(struct stix_path *ps, const char *name, size_t n, char *warn, size_t cap)
{
    char q[56];
    const struct stix_prop *r;
    const struct stix_sub *sub;
    const struct stix_type *t;
    size_t hexlen;

    assert(ps->state != STIX_PATH_PROPS || (ps->rows != NULL && ps->what != NULL));

    switch (ps->state) {
    case STIX_PATH_PROPS:
        if (ps->common && ps->type != NULL && n == 10 && memcmp(name, "extensions", 10) == 0) {
            ps->state = STIX_PATH_EXTS;
            return true;
        }
        r = row_find(ps->rows, ps->nrows, name, n);
        if (r == NULL && ps->common)
            r = row_find(sco_common, STIX_NELEM(sco_common), name, n);
        if (r == NULL) {
            ps->state = STIX_PATH_NONE;
            if (is_custom(name, n))
                return true;
            quote(name, n, q, sizeof q);
            snprintf(warn, cap, "property %s is not defined for %s", q, ps->what);
            return false;
        }
        if (r->kind == STIX_PK_HASHES) {
            ps->state = STIX_PATH_HASHES;
        } else if (r->kind == STIX_PK_OBJ && r->sub != NULL) {
            at_sub(ps, r->sub);
        } else {
            ps->state = STIX_PATH_LEAF;
            ps->leaf = r;
            ps->indexed = false;
        }
        return true;
    case STIX_PATH_EXTS:
        sub = stix_sco_extension(ps->type, strlen(ps->type), name, n);
        if (sub != NULL) {
            at_sub(ps, sub);
            return true;
        }
        ps->state = STIX_PATH_NONE;
        if (is_custom(name, n) || (n > 22 && memcmp(name, "extension-definition--", 22) == 0))
            return true;
        quote(name, n, q, sizeof q);
        snprintf(warn, cap, "%s is not a predefined extension of %s", q, ps->type);
        return false;
    case STIX_PATH_HASHES:
        ps->hash = stix_hash_known(name, n, &hexlen);
        if (ps->hash != NULL) {
            ps->state = STIX_PATH_HASH;
            ps->hexlen = hexlen;
            return true;
        }
        ps->state = STIX_PATH_NONE;
        if (is_custom(name, n))
            return true;
        quote(name, n, q, sizeof q);
        if (stix_hash_suggest(name, n) != NULL)
            snprintf(warn, cap, "hash name %s is not in hash-algorithm-ov (did you mean '%s'?)", q,
                     stix_hash_suggest(name, n));
        else
            snprintf(warn, cap, "hash name %s is not in hash-algorithm-ov", q);
        return false;
    case STIX_PATH_LEAF:
        /* Through a reference to the object it refers to (section 9.7.4), when only one
         * type can be there; through a list of nested objects to one of them. */
        r = ps->leaf;
        t = r->kind == STIX_PK_REF || r->kind == STIX_PK_REFS ? ref_target(r) : NULL;
        if (t != NULL) {
            at_sco(ps, t);
            return stix_path_name(ps, name, n, warn, cap);
        }
        if (r->kind == STIX_PK_OBJLIST && r->sub != NULL) {
            at_sub(ps, r->sub);
            return stix_path_name(ps, name, n, warn, cap);
        }
        ps->state = STIX_PATH_NONE;
        return true;
    default:
        ps->state = STIX_PATH_NONE;
        return true;
    }
}

void stix_path_index(struct stix_path *ps)
{
    if (ps->state == STIX_PATH_LEAF && !ps->indexed &&
        (ps->leaf->kind == STIX_PK_REFS || ps->leaf->kind == STIX_PK_STRLIST ||
         ps->leaf->kind == STIX_PK_ENUMLIST || ps->leaf->kind == STIX_PK_OBJLIST)) {
        ps->indexed = true;
        return;
    }
    ps->state = STIX_PATH_NONE;
}

/* The kinds of property values a constant is judged against. */
enum value_kind {
    VK_NONE, /* nothing is known (a dictionary, an object, a list of objects) */
    VK_STRING,
    VK_INT,
    VK_NUM,
    VK_BOOL,
    VK_TS,
};

/* What the values of the path's leaf are (a list's: its elements'), as a constant sees them. */
static enum value_kind leaf_kind(const struct stix_path *ps)
{
    if (ps->state == STIX_PATH_HASH)
        return VK_STRING;
    if (ps->state != STIX_PATH_LEAF)
        return VK_NONE;
    switch (ps->leaf->kind) {
    case STIX_PK_STR:
    case STIX_PK_STRLIST:
    case STIX_PK_ENUM:
    case STIX_PK_ENUMLIST:
    case STIX_PK_REF:
    case STIX_PK_REFS:
    case STIX_PK_IPV4:
    case STIX_PK_IPV6:
    case STIX_PK_MAC:
        return VK_STRING;
    case STIX_PK_TS:
        return VK_TS;
    case STIX_PK_INT:
        return VK_INT;
    case STIX_PK_NUM:
        return VK_NUM;
    case STIX_PK_BOOL:
        return VK_BOOL;
    default:
        return VK_NONE;
    }
}

static const char *const kind_names[] = {
    [VK_NONE] = "?",       [VK_STRING] = "a string", [VK_INT] = "an integer",
    [VK_NUM] = "a number", [VK_BOOL] = "a boolean",  [VK_TS] = "a timestamp",
};

static const char *const const_names[] = {
    [STIX_C_STRING] = "a string",       [STIX_C_INT] = "an integer",
    [STIX_C_FLOAT] = "a number",        [STIX_C_BOOL] = "a boolean",
    [STIX_C_BINARY] = "binary (b'')",   [STIX_C_HEX] = "hex (h'')",
    [STIX_C_TIMESTAMP] = "a timestamp",
};

/* Reads s[0..n) as a decimal integer, [-]digits (at most 18): true with *v, *neg. */
static bool read_int(const char *s, size_t n, uint64_t *v, bool *neg)
{
    size_t i = 0;
    *neg = n > 0 && s[0] == '-';
    i = *neg ? 1 : 0;
    if (i == n || n - i > 18)
        return false;
    *v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (uint64_t)(s[i] - '0');
    }
    return true;
}

/* True if s[0..n) reads as a decimal number, [-]digits[.digits]. */
static bool read_num(const char *s, size_t n)
{
    size_t i = n > 0 && s[0] == '-' ? 1 : 0, digits = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    }
    return digits > 0 && i == n;
}

/* True if s[0..n) is an RFC 3339 timestamp that rk_time_parse reads. */
static bool read_ts(const char *s, size_t n)
{
    char buf[48];
    rk_time_us t;
    if (n >= sizeof buf || memchr(s, '\0', n) != NULL)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return rk_time_parse(buf, &t) == 0;
}

/* The rule a string value of the leaf breaks (its format, its enumeration), or NULL. */
static const char *string_why(const struct stix_path *ps, const char *s, size_t n, char *buf,
                              size_t cap)
{
    const char *why = NULL;
    if (ps->state == STIX_PATH_HASH) {
        if (ps->hexlen > 0 && !stix_hex_len_ok(s, n, ps->hexlen)) {
            snprintf(buf, cap, "hash '%s' must be %zu hexadecimal digits", ps->hash, ps->hexlen);
            return buf;
        }
        return NULL;
    }
    switch (ps->leaf->kind) {
    case STIX_PK_IPV4:
        why = stix_addr_why(AF_INET, s, n);
        break;
    case STIX_PK_IPV6:
        why = stix_addr_why(AF_INET6, s, n);
        break;
    case STIX_PK_MAC:
        why = stix_mac_why(s, n);
        break;
    case STIX_PK_ENUM:
    case STIX_PK_ENUMLIST: {
        size_t o;
        for (size_t i = 0; ps->leaf->values[i] != NULL; i++)
            if (strlen(ps->leaf->values[i]) == n && memcmp(ps->leaf->values[i], s, n) == 0)
                return NULL;
        o = (size_t)snprintf(buf, cap, "value must be one of");
        for (size_t i = 0; ps->leaf->values[i] != NULL && o < cap; i++)
            o += (size_t)snprintf(buf + o, cap - o, "%s %s", i > 0 ? "," : "", ps->leaf->values[i]);
        return buf;
    }
    default:
        return NULL;
    }
    if (why == NULL)
        return NULL;
    snprintf(buf, cap, "value %s", why);
    return buf;
}

/* The range rule an integer v (negative when neg) of an INT leaf breaks, or NULL. */
static const char *range_why(const struct stix_prop *r, uint64_t v, bool neg, char *buf, size_t cap)
{
    double d = neg ? -(double)v : (double)v;
    if (r->min > r->max || (d >= r->min && d <= r->max))
        return NULL;
    snprintf(buf, cap, "value must be between %.0f and %.0f", r->min, r->max);
    return buf;
}

const char *stix_path_check(const struct stix_path *ps, enum stix_const k, const char *s, size_t n,
                            uint64_t ival, bool neg, bool values, char *buf, size_t cap)
{
    enum value_kind vk = leaf_kind(ps);

    switch (vk) {
    case VK_NONE:
        return NULL;
    case VK_STRING:
        /* A string property is compared with strings; binary and hex constants too, as
         * octets (section 9.2). */
        if (k == STIX_C_STRING)
            return values ? string_why(ps, s, n, buf, cap) : NULL;
        if (k == STIX_C_BINARY || k == STIX_C_HEX)
            return NULL;
        break;
    case VK_TS:
        if (k == STIX_C_TIMESTAMP)
            return NULL;
        if (k == STIX_C_STRING) {
            if (read_ts(s, n))
                return NULL;
            snprintf(buf, cap,
                     "the property is a timestamp and the string is not one (write "
                     "t'YYYY-MM-DDTHH:MM:SS[.s]Z')");
            return buf;
        }
        break;
    case VK_INT:
        /* Real feeds quote ports ('447'): a string that spells an integer stands for it. */
        if (k == STIX_C_INT)
            return values ? range_why(ps->leaf, ival, neg, buf, cap) : NULL;
        if (k == STIX_C_FLOAT)
            return NULL;
        if (k == STIX_C_STRING) {
            if (read_int(s, n, &ival, &neg))
                return values ? range_why(ps->leaf, ival, neg, buf, cap) : NULL;
            snprintf(buf, cap, "the property is an integer and the string is not one");
            return buf;
        }
        break;
    case VK_NUM:
        if (k == STIX_C_INT || k == STIX_C_FLOAT)
            return NULL;
        if (k == STIX_C_STRING) {
            if (read_num(s, n))
                return NULL;
            snprintf(buf, cap, "the property is a number and the string is not one");
            return buf;
        }
        break;
    case VK_BOOL:
        if (k == STIX_C_BOOL)
            return NULL;
        if (k == STIX_C_STRING) {
            if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0))
                return NULL;
            snprintf(buf, cap, "the property is a boolean and the string is not one");
            return buf;
        }
        break;
    }
    snprintf(buf, cap, "the property is %s, not %s", kind_names[vk], const_names[k]);
    return buf;
}

const char *stix_path_check_set(const struct stix_path *ps, const char *s, size_t n, char *buf,
                                size_t cap)
{
    if (ps->state == STIX_PATH_NONE)
        return NULL;
    if (ps->state == STIX_PATH_LEAF &&
        (ps->leaf->kind == STIX_PK_IPV4 || ps->leaf->kind == STIX_PK_IPV6))
        return string_why(ps, s, n, buf, cap);
    snprintf(buf, cap,
             "ISSUBSET and ISSUPERSET compare the value of an ipv4-addr or an "
             "ipv6-addr");
    return buf;
}
