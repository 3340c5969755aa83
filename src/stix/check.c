/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.c: the small checkers STIX validation is built from: names, identifiers,
 * encodings, hashes, and the engine that applies a type's property table to an object.
 * Nothing here allocates; messages go through stix_fail into the caller's struct rk_err.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "stix/stix_int.h"

/* Longest message we write; the contract promises under 400 characters. */
#define STIX_MSG_MAX 390

int stix_fail(struct stix_vctx *v, const char *prop, const char *fmt, ...)
{
    char rule[256], full[800];
    size_t n;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rule, sizeof rule, fmt, ap);
    va_end(ap);
    if (v->err == NULL)
        return RK_E_INVALID;
    if (v->id != NULL)
        snprintf(full, sizeof full, "%.300s: property '%.160s': %s", v->id, prop, rule);
    else
        snprintf(full, sizeof full, "object %.64s: property '%.160s': %s",
                 v->type != NULL ? v->type : "?", prop, rule);
    n = strlen(full);
    if (n > STIX_MSG_MAX) {
        /* Cut on a character boundary so that the message stays valid UTF-8. */
        n = STIX_MSG_MAX;
        while (n > 0 && ((unsigned char)full[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(v->err->msg, full, n);
    v->err->msg[n] = '\0';
    v->err->code = RK_E_INVALID;
    return RK_E_INVALID;
}

bool stix_type_name_ok(const char *s, size_t n)
{
    /* Section 3.1: type names begin with a letter. */
    if (n < 3 || n > STIX_TYPE_MAX || !(s[0] >= 'a' && s[0] <= 'z') || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-') {
            if (s[i + 1] == '-')
                return false;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    return true;
}

/*
 * Not 0 unless each of the eight bytes of x is a hexadecimal digit. Per byte b below 0x80,
 * b + (0x80 - lo) has bit 7 set iff b >= lo and carries into no other byte, so a range is
 * two additions; a byte at or above 0x80 fails before that matters.
 */
static inline uint64_t hex_word_bad(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t y = x | ones * 0x20; /* 'A'-'F' to 'a'-'f' (and nothing else into that range) */
    uint64_t digit = (x + ones * (0x80 - '0')) & ~(x + ones * (0x80 - '9' - 1));
    uint64_t alpha = (y + ones * (0x80 - 'a')) & ~(y + ones * (0x80 - 'f' - 1));
    return (x & high) | (~(digit | alpha) & high);
}

/* Four bytes at p as the low half of a word whose high half is "0000" (a valid filler). */
static inline uint64_t hex_half(const unsigned char *p)
{
    uint32_t h;
    memcpy(&h, p, 4);
    return (uint64_t)h | (0x30303030ULL << 32);
}

/* True if the 36 bytes at p are a UUID as rk_uuid_valid reads one (8-4-4-4-12 hexadecimal digits
 * of either case), a word at a time. */
static bool uuid36_ok(const unsigned char *p)
{
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + 24, 8);
    if (p[8] != '-' || p[13] != '-' || p[18] != '-' || p[23] != '-')
        return false;
    return (hex_word_bad(a) | hex_word_bad(b) | hex_word_bad(hex_half(p + 9)) |
            hex_word_bad(hex_half(p + 14)) | hex_word_bad(hex_half(p + 19)) |
            hex_word_bad(hex_half(p + 32))) == 0;
}

bool stix_id_ok(const char *s, size_t *type_len)
{
    const char *sep = strstr(s, "--");
    size_t tl;

    if (sep == NULL)
        return false;
    tl = (size_t)(sep - s);
    if (!stix_type_name_ok(s, tl) || !rk_uuid_valid(sep + 2))
        return false;
    if (type_len != NULL)
        *type_len = tl;
    return true;
}

bool stix_id_okn(const char *s, size_t n, size_t *type_len)
{
    /* "<type>--<UUID>" with the UUID the last 36 bytes. Every byte of such a string is a
     * type character, a hyphen or a hexadecimal digit, so it has no NUL inside and reads as
     * stix_id_ok reads it; the first "--" is at tl, as a type holds no "--" and does not end
     * with a hyphen. Anything else (invalid, or a NUL inside) is stix_id_ok's to judge. */
    if (n >= 3 + 2 + 36 && n <= STIX_TYPE_MAX + 2 + 36) {
        size_t tl = n - 2 - 36;
        if (s[tl] == '-' && s[tl + 1] == '-' && stix_type_name_ok(s, tl) &&
            uuid36_ok((const unsigned char *)s + tl + 2)) {
            if (type_len != NULL)
                *type_len = tl;
            return true;
        }
    }
    return stix_id_ok(s, type_len);
}

bool stix_prop_name_ok(const char *s)
{
    size_t n = 0;

    if (!(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
        if (n >= STIX_TYPE_MAX)
            return false;
    }
    return n >= 3 || strcmp(s, "id") == 0;
}

/* Not 0 unless each of the eight bytes of x is in [a-z0-9_] (as hex_word_bad). */
static inline uint64_t name_word_bad(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t lower = (x + ones * (0x80 - 'a')) & ~(x + ones * (0x80 - 'z' - 1));
    uint64_t digit = (x + ones * (0x80 - '0')) & ~(x + ones * (0x80 - '9' - 1));
    uint64_t under = (x + ones * (0x80 - '_')) & ~(x + ones * (0x80 - '_' - 1));
    return (x & high) | (~(lower | digit | under) & high);
}

bool stix_prop_name_okn(const char *s, size_t n)
{
    uint64_t x, bad = 0;
    size_t i = 0;

    if (n < 2 || n > STIX_TYPE_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    if (n == 2)
        return s[1] == 'd' && s[0] == 'i';
    if (n < 8) {
        for (; i < n; i++)
            if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                return false;
        return true;
    }
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        bad |= name_word_bad(x);
    }
    if (i < n) { /* the last word again, overlapping the one before */
        memcpy(&x, s + n - 8, 8);
        bad |= name_word_bad(x);
    }
    return bad == 0;
}

static bool is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

bool stix_base64_ok(const char *s)
{
    size_t n = strlen(s), pad = 0;

    if (n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=') {
            /* Padding only in the last two places, and nothing after it but padding. */
            if (i + 2 < n)
                return false;
            pad++;
        } else if (pad > 0 || !is_b64(s[i])) {
            return false;
        }
    }
    return true;
}

bool stix_hex_ok(const char *s)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return n > 0 && n % 2 == 0;
}

int stix_check_hashes(struct stix_vctx *v, const char *prop, const json_t *h)
{
    const char *key;
    const json_t *val;

    if (!json_is_object(h) || json_object_size(h) == 0)
        return stix_fail(v, prop, "must be a non-empty dictionary of hashes");
    json_object_foreach((json_t *)h, key, val)
    {
        size_t kl = strlen(key);
        if (kl < 3 || kl > 250 ||
            strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-_") != kl)
            return stix_fail(v, prop, "hash name '%.40s' must be 3-250 of [A-Za-z0-9_-]", key);
        if (!json_is_string(val) || json_string_length(val) == 0)
            return stix_fail(v, prop, "hash '%.40s' must be a non-empty string", key);
        size_t hexlen;
        if (stix_hash_known(key, kl, &hexlen) != NULL && hexlen > 0 &&
            !stix_hex_len_ok(json_string_value(val), json_string_length(val), hexlen))
            return stix_fail(v, prop, "hash '%s' must be %zu hexadecimal digits", key, hexlen);
    }
    return 0;
}

/* The class bit of a target type (STIX_T_*). */
static unsigned target_class(const char *type, size_t n)
{
    const struct stix_type *t = stix_type_find(type, n);

    if (t == NULL)
        return STIX_T_CUSTOM;
    switch (t->kind) {
    case STIX_SDO:
        return STIX_T_SDO;
    case STIX_SRO:
        return STIX_T_SRO;
    case STIX_SCO:
        return STIX_T_SCO;
    default:
        return 0;
    }
}

/* Describes the admitted targets of p for a message, e.g. "identity or location". */
static void describe_targets(const struct stix_prop *p, char *out, size_t cap)
{
    static const struct {
        unsigned bit;
        const char *what;
    } cls[] = {{STIX_T_SDO, "an SDO"}, {STIX_T_SCO, "an SCO"}, {STIX_T_SRO, "an SRO"}};
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; p->values != NULL && p->values[i] != NULL && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? " or " : "", p->values[i]);
    for (size_t i = 0; i < sizeof cls / sizeof cls[0] && len < cap; i++)
        if (p->classes & cls[i].bit)
            len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? " or " : "", cls[i].what);
}

/* 0 if s is an identifier whose type p admits, else the failure. */
static int check_ref(struct stix_vctx *v, const struct stix_prop *p, const json_t *s)
{
    char what[160];
    size_t tl;
    const char *id;

    if (!json_is_string(s) || !stix_id_okn(json_string_value(s), json_string_length(s), &tl))
        return stix_fail(v, p->name, "must be an identifier (<type>--<UUID>)");
    id = json_string_value(s);
    if (p->classes == STIX_T_ANY && p->values == NULL)
        return 0;
    for (size_t i = 0; p->values != NULL && p->values[i] != NULL; i++)
        if (strlen(p->values[i]) == tl && memcmp(p->values[i], id, tl) == 0)
            return 0;
    if (target_class(id, tl) & p->classes)
        return 0;
    describe_targets(p, what, sizeof what);
    return stix_fail(v, p->name, "must refer to %s, not %.*s", what, (int)(tl > 64 ? 64 : tl), id);
}

static bool in_values(const char *const *values, const char *s)
{
    for (size_t i = 0; values[i] != NULL; i++)
        if (strcmp(values[i], s) == 0)
            return true;
    return false;
}

static int check_kcp(struct stix_vctx *v, const char *prop, const json_t *list)
{
    size_t i;
    const json_t *k;

    if (!json_is_array(list) || json_array_size(list) == 0)
        return stix_fail(v, prop, "must be a non-empty list of kill-chain phases");
    json_array_foreach(list, i, k)
    {
        const json_t *kc = json_object_get(k, "kill_chain_name");
        const json_t *ph = json_object_get(k, "phase_name");
        if (!json_is_string(kc) || !json_is_string(ph))
            return stix_fail(v, prop,
                             "kill-chain phase %zu needs string kill_chain_name and phase_name", i);
    }
    return 0;
}

int stix_check_value(struct stix_vctx *v, const struct stix_prop *p, const json_t *value)
{
    size_t i;
    const json_t *e;
    bool ranged = p->min <= p->max;

    switch (p->kind) {
    case STIX_PK_STR:
        if (!json_is_string(value))
            return stix_fail(v, p->name, "must be a string");
        return 0;
    case STIX_PK_TS: {
        rk_time_us t;
        if (!json_is_string(value) || rk_time_parse(json_string_value(value), &t) != 0)
            return stix_fail(v, p->name, "must be an RFC 3339 UTC timestamp");
        return 0;
    }
    case STIX_PK_INT:
        if (!json_is_integer(value))
            return stix_fail(v, p->name, "must be an integer");
        if (ranged && ((double)json_integer_value(value) < p->min ||
                       (double)json_integer_value(value) > p->max))
            return stix_fail(v, p->name, "must be between %.0f and %.0f", p->min, p->max);
        return 0;
    case STIX_PK_NUM:
        if (!json_is_number(value))
            return stix_fail(v, p->name, "must be a number");
        if (ranged && (json_number_value(value) < p->min || json_number_value(value) > p->max))
            return stix_fail(v, p->name, "must be between %g and %g", p->min, p->max);
        return 0;
    case STIX_PK_BOOL:
        if (!json_is_boolean(value))
            return stix_fail(v, p->name, "must be a boolean");
        return 0;
    case STIX_PK_STRLIST:
        if (!json_is_array(value) || json_array_size(value) == 0)
            return stix_fail(v, p->name, "must be a non-empty list of strings");
        json_array_foreach(value, i, e)
        {
            if (!json_is_string(e))
                return stix_fail(v, p->name, "item %zu must be a string", i);
        }
        return 0;
    case STIX_PK_DICT:
        if (!json_is_object(value) || json_object_size(value) == 0)
            return stix_fail(v, p->name, "must be a non-empty dictionary");
        return 0;
    case STIX_PK_OBJLIST:
        if (!json_is_array(value) || json_array_size(value) == 0)
            return stix_fail(v, p->name, "must be a non-empty list of objects");
        json_array_foreach(value, i, e)
        {
            if (!json_is_object(e))
                return stix_fail(v, p->name, "item %zu must be an object", i);
            if (p->sub != NULL) {
                char where[STIX_WHERE_MAX];
                snprintf(where, sizeof where, "%s[%zu]", p->name, i);
                int rc = stix_check_sub(v, where, e, p->sub);
                if (rc != 0)
                    return rc;
            }
        }
        return 0;
    case STIX_PK_OBJ:
        if (!json_is_object(value) || json_object_size(value) == 0)
            return stix_fail(v, p->name, "must be a non-empty object");
        return p->sub != NULL ? stix_check_sub(v, p->name, value, p->sub) : 0;
    case STIX_PK_IPV4:
    case STIX_PK_IPV6:
    case STIX_PK_MAC: {
        const char *why;
        if (!json_is_string(value))
            return stix_fail(v, p->name, "must be a string");
        if (p->kind == STIX_PK_MAC)
            why = stix_mac_why(json_string_value(value), json_string_length(value));
        else
            why = stix_addr_why(p->kind == STIX_PK_IPV4 ? AF_INET : AF_INET6,
                                json_string_value(value), json_string_length(value));
        return why != NULL ? stix_fail(v, p->name, "%s", why) : 0;
    }
    case STIX_PK_REF:
        if (v->keyrefs)
            return json_is_string(value) ? 0 : stix_fail(v, p->name, "must be a string");
        return check_ref(v, p, value);
    case STIX_PK_REFS:
        if (v->keyrefs) {
            struct stix_prop keys = *p;
            keys.kind = STIX_PK_STRLIST;
            return stix_check_value(v, &keys, value);
        }
        if (!json_is_array(value) || json_array_size(value) == 0)
            return stix_fail(v, p->name, "must be a non-empty list of identifiers");
        if (json_array_size(value) > STIX_REFS_MAX)
            return stix_fail(v, p->name, "has %zu entries; the hub accepts at most %d in a list",
                             json_array_size(value), STIX_REFS_MAX);
        json_array_foreach(value, i, e)
        {
            int rc = check_ref(v, p, e);
            if (rc != 0)
                return rc;
        }
        return 0;
    case STIX_PK_ENUM:
        if (!json_is_string(value) || !in_values(p->values, json_string_value(value)))
            return stix_fail(v, p->name, "must be one of the values of its enumeration");
        return 0;
    case STIX_PK_ENUMLIST:
        if (!json_is_array(value) || json_array_size(value) == 0)
            return stix_fail(v, p->name, "must be a non-empty list");
        json_array_foreach(value, i, e)
        {
            if (!json_is_string(e) || !in_values(p->values, json_string_value(e)))
                return stix_fail(v, p->name,
                                 "item %zu must be one of the values of its enumeration", i);
        }
        return 0;
    case STIX_PK_HASHES:
        return stix_check_hashes(v, p->name, value);
    case STIX_PK_KCP:
        return check_kcp(v, p->name, value);
    }
    return stix_fail(v, p->name, "has no rule (internal error)");
}

int stix_check_props(struct stix_vctx *v, const json_t *obj, const struct stix_prop *props,
                     size_t n)
{
    bool indexed = obj == v->obj && v->indexed;

    for (size_t i = 0; i < n; i++) {
        const json_t *val;
        int m = -1, rc;
        if (indexed) {
            m = stix_member_find(v, props[i].name);
            val = m >= 0 ? v->members[m].value : NULL;
        } else {
            val = json_object_get(obj, props[i].name);
        }
        if (val == NULL) {
            if (props[i].required)
                return stix_fail(v, props[i].name, "is required");
            continue;
        }
        rc = stix_check_value(v, &props[i], val);
        if (rc != 0)
            return rc;
        /* Passed as a reference: the suffix rule of the names check would repeat it. */
        if (m >= 0 && props[i].kind == STIX_PK_REF)
            v->ref_ok |= (uint64_t)1 << m;
        else if (m >= 0 && props[i].kind == STIX_PK_REFS)
            v->refs_ok |= (uint64_t)1 << m;
    }
    return 0;
}

int stix_get_ts(struct stix_vctx *v, const char *prop, rk_time_us *out, bool *present)
{
    const json_t *val = stix_get(v, prop);

    *present = val != NULL;
    if (val == NULL)
        return 0;
    if (!json_is_string(val) || rk_time_parse(json_string_value(val), out) != 0)
        return stix_fail(v, prop, "must be an RFC 3339 UTC timestamp");
    return 0;
}

int stix_check_sub(struct stix_vctx *v, const char *where, const json_t *obj,
                   const struct stix_sub *sub)
{
    char name[STIX_WHERE_MAX];

    for (size_t i = 0; i < sub->nprops; i++) {
        struct stix_prop p = sub->props[i];
        const json_t *val = json_object_get(obj, p.name);
        int rc;
        snprintf(name, sizeof name, "%s.%s", where, p.name);
        p.name = name;
        if (val == NULL) {
            if (p.required)
                return stix_fail(v, name, "is required");
            continue;
        }
        rc = stix_check_value(v, &p, val);
        if (rc != 0)
            return rc;
    }
    return 0;
}
