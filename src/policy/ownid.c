/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ownid.c: an organisation's registered own identifiers (its domains, address ranges, names
 * and other STIX identity ids), parsed from the text the coordinator registers, and the
 * matcher the anonymiser runs over every string an organisation posts, so that a member
 * cannot give itself away by accident (its mail domain in an indicator, its office range
 * in a sighting, its name in a description).
 */
#include "policy/policy_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OWNID_TEXT_MAX (64 * 1024) /* bytes of registered text */
#define OWNID_MAX      1024        /* entries */
#define OWNID_LINE_MAX 255         /* bytes in one entry */
#define NAME_MIN       3           /* shorter names would match nearly anything */

struct ownid {
    int kind;               /* enum policy_ownid_kind */
    char *text;             /* domain (lower case), name, or identity id */
    size_t len;             /* strlen(text) */
    int family;             /* CIDR: 4 or 6 */
    unsigned char addr[16]; /* CIDR: network bytes (4 used for IPv4) */
    unsigned prefix;        /* CIDR: prefix length in bits */
};

struct policy_ownids {
    struct ownid *v; /* entries in file order */
    size_t n;
    struct rk_buf normal; /* the normalised text: one entry per line, no comments */
};

static const char *const kind_names[] = {"", "domain", "address range", "name", "identity"};

const char *policy_ownid_kind_name(int kind)
{
    if (kind <= 0 || (size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
        return "identifier";
    return kind_names[kind];
}

static bool label_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* A DNS name of at least two labels, letters/digits/hyphens, last label not all digits. */
static bool domain_ok(const char *d)
{
    size_t n = strlen(d), lab = 0, labels = 1;
    bool alpha_last = false;
    if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        if (c == '.') {
            if (lab == 0 || d[i - 1] == '-')
                return false;
            labels++;
            lab = 0;
            alpha_last = false;
            continue;
        }
        if (!label_char(c) || lab >= 63 || (lab == 0 && c == '-'))
            return false;
        if (isalpha((unsigned char)c))
            alpha_last = true;
        lab++;
    }
    return labels >= 2 && alpha_last;
}

static bool looks_like_domain(const char *s)
{
    if (strchr(s, '.') == NULL)
        return false;
    for (const char *p = s; *p; p++)
        if (!label_char(*p) && *p != '.')
            return false;
    return true;
}

/* Parses "addr" or "addr/prefix" (IPv4 or IPv6) into e. */
static bool cidr_parse(const char *s, struct ownid *e)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    int64_t prefix = -1;

    if (alen == 0 || alen >= sizeof(buf))
        return false;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    if (inet_pton(AF_INET, buf, e->addr) == 1)
        e->family = 4;
    else if (inet_pton(AF_INET6, buf, e->addr) == 1)
        e->family = 6;
    else
        return false;
    if (slash != NULL && rk_parse_int64(slash + 1, 0, e->family == 4 ? 32 : 128, &prefix) != 0)
        return false;
    e->prefix = prefix < 0 ? (e->family == 4 ? 32u : 128u) : (unsigned)prefix;
    return true;
}

static bool identity_id_ok(const char *s)
{
    return strncmp(s, "identity--", 10) == 0 && rk_uuid_valid(s + 10);
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* The kind of an entry written without a prefix. */
static int auto_kind(const char *line)
{
    if (strncmp(line, "identity--", 10) == 0)
        return POLICY_OWNKIND_IDENTITY;
    if (strchr(line, '/') != NULL || strchr(line, ':') != NULL ||
        strspn(line, "0123456789.") == strlen(line))
        return POLICY_OWNKIND_CIDR;
    if (looks_like_domain(line))
        return POLICY_OWNKIND_DOMAIN;
    return POLICY_OWNKIND_NAME;
}

/* Classifies and checks one entry; optional "domain:", "cidr:", "name:" prefixes force the
 * kind. Fills e (text owned) or returns RK_E_INVALID with a reason in err. */
static int entry_parse(char *line, struct ownid *e, struct rk_err *err)
{
    int forced = 0;
    memset(e, 0, sizeof(*e));
    if (strncmp(line, "domain:", 7) == 0) {
        forced = POLICY_OWNKIND_DOMAIN;
        line = trim(line + 7);
    } else if (strncmp(line, "cidr:", 5) == 0) {
        forced = POLICY_OWNKIND_CIDR;
        line = trim(line + 5);
    } else if (strncmp(line, "name:", 5) == 0) {
        forced = POLICY_OWNKIND_NAME;
        line = trim(line + 5);
    }
    if (line[0] == '\0')
        return rk_err_set(err, RK_E_INVALID, "empty entry");
    if (strlen(line) > OWNID_LINE_MAX)
        return rk_err_set(err, RK_E_INVALID, "longer than %d bytes", OWNID_LINE_MAX);
    for (const char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return rk_err_set(err, RK_E_INVALID, "contains a control character");
    if (forced == 0)
        forced = auto_kind(line);
    e->kind = forced;
    switch (forced) {
    case POLICY_OWNKIND_IDENTITY:
        if (!identity_id_ok(line))
            return rk_err_set(err, RK_E_INVALID, "'%s' is not an identity--UUID id", line);
        break;
    case POLICY_OWNKIND_CIDR:
        if (!cidr_parse(line, e))
            return rk_err_set(err, RK_E_INVALID,
                              "'%s' is not an IPv4 or IPv6 address or CIDR range", line);
        break;
    case POLICY_OWNKIND_DOMAIN:
        if (!domain_ok(line))
            return rk_err_set(err, RK_E_INVALID, "'%s' is not a domain name", line);
        for (char *p = line; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        break;
    default:
        if (strlen(line) < NAME_MIN)
            return rk_err_set(err, RK_E_INVALID,
                              "name '%s' is shorter than %d characters (it would match too much)",
                              line, NAME_MIN);
        break;
    }
    e->text = rk_strdup(line);
    e->len = strlen(line);
    return 0;
}

int policy_ownids_check(const char *own_identifiers, struct rk_err *err)
{
    struct policy_ownids *ids = NULL;
    int rc = policy_ownids_parse(own_identifiers, &ids, err);
    policy_ownids_free(ids);
    return rc;
}

int policy_ownids_parse(const char *text, struct policy_ownids **out, struct rk_err *err)
{
    struct policy_ownids *ids = rk_calloc(1, sizeof(*ids));
    size_t cap = 0;
    unsigned lineno = 0;
    const char *p = text != NULL ? text : "";
    int rc = 0;

    *out = NULL;
    if (strlen(p) > OWNID_TEXT_MAX) {
        rc = rk_err_set(err, RK_E_TOOBIG, "own identifiers: larger than %d bytes", OWNID_TEXT_MAX);
        goto out;
    }
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        char *line = rk_strndup(p, len);
        char *t = trim(line);
        struct rk_err sub;
        struct ownid e;

        lineno++;
        p += len + (nl != NULL ? 1 : 0);
        if (t[0] == '\0' || t[0] == '#') {
            free(line);
            continue;
        }
        rk_err_clear(&sub);
        rc = entry_parse(t, &e, &sub);
        free(line);
        if (rc == 0 && ids->n >= OWNID_MAX)
            rc = rk_err_set(&sub, RK_E_TOOBIG, "more than %d entries", OWNID_MAX);
        if (rc != 0) {
            free(e.text);
            rc = rk_err_set(err, rc, "own identifiers line %u: %s", lineno, sub.msg);
            goto out;
        }
        if (ids->n == cap) {
            cap = cap ? cap * 2 : 8;
            ids->v = rk_realloc(ids->v, cap * sizeof(*ids->v));
        }
        ids->v[ids->n++] = e;
        if (ids->normal.len > 0)
            rk_buf_putc(&ids->normal, '\n');
        /* Keep a forced kind across a re-parse of the normalised text, and keep an entry
         * that starts with '#' from reading back as a comment (found by fuzz_policy). */
        if (auto_kind(e.text) != e.kind || e.text[0] == '#')
            rk_buf_puts(&ids->normal, e.kind == POLICY_OWNKIND_NAME     ? "name:"
                                      : e.kind == POLICY_OWNKIND_DOMAIN ? "domain:"
                                                                        : "cidr:");
        rk_buf_puts(&ids->normal, e.text);
    }
out:
    if (rc != 0) {
        policy_ownids_free(ids);
        return rc;
    }
    *out = ids;
    return 0;
}

void policy_ownids_free(struct policy_ownids *ids)
{
    if (ids == NULL)
        return;
    for (size_t i = 0; i < ids->n; i++)
        free(ids->v[i].text);
    free(ids->v);
    rk_buf_free(&ids->normal);
    free(ids);
}

const char *policy_ownids_text(const struct policy_ownids *ids)
{
    return ids->normal.data != NULL ? ids->normal.data : "";
}

size_t policy_ownids_count(const struct policy_ownids *ids)
{
    return ids != NULL ? ids->n : 0;
}

bool policy_ownids_has_identity(const struct policy_ownids *ids, const char *id)
{
    for (size_t i = 0; ids != NULL && id != NULL && i < ids->n; i++)
        if (ids->v[i].kind == POLICY_OWNKIND_IDENTITY && strcasecmp(ids->v[i].text, id) == 0)
            return true;
    return false;
}

/* The next character of a name as names_equal compares it: runs of blanks are one space,
 * letters are folded to lower case; 0 at the end. *p is advanced. */
static int name_char(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    if (isspace(*s)) {
        while (isspace(*s))
            s++;
        *p = (const char *)s;
        return ' ';
    }
    if (*s == '\0')
        return 0;
    *p = (const char *)s + 1;
    return tolower(*s);
}

/* The length of name without its leading blanks and trailing blanks and dots. */
static const char *name_trim(const char *name, size_t *len)
{
    size_t n;
    while (isspace((unsigned char)*name))
        name++;
    n = strlen(name);
    while (n > 0 && (isspace((unsigned char)name[n - 1]) || name[n - 1] == '.'))
        n--;
    *len = n;
    return name;
}

bool policy_names_equal(const char *a, const char *b)
{
    size_t na, nb;
    const char *ea, *eb;

    if (a == NULL || b == NULL)
        return false;
    a = name_trim(a, &na);
    b = name_trim(b, &nb);
    ea = a + na;
    eb = b + nb;
    while (a < ea && b < eb) {
        int ca = name_char(&a), cb = name_char(&b);
        if (ca != cb)
            return false;
    }
    return a >= ea && b >= eb;
}

bool policy_ownids_is_name(const struct policy_ownids *ids, const char *name)
{
    for (size_t i = 0; ids != NULL && name != NULL && i < ids->n; i++)
        if (ids->v[i].kind == POLICY_OWNKIND_NAME && policy_names_equal(ids->v[i].text, name))
            return true;
    return false;
}

/* ---- matching ----------------------------------------------------------------------------- */

/* Case-insensitive (ASCII) search of needle in hay from offset from; returns the index or -1. */
static long find_ci(const char *hay, size_t hlen, const char *needle, size_t nlen, size_t from)
{
    if (nlen == 0 || hlen < nlen)
        return -1;
    for (size_t i = from; i + nlen <= hlen; i++)
        if (strncasecmp(hay + i, needle, nlen) == 0)
            return (long)i;
    return -1;
}

/* The domain d occurs in s as itself or as the end of a subdomain: the byte before is not a
 * label character (a '.' is fine: that is a subdomain), the byte after is not a label
 * character and not a '.' that starts another label (example.com.evil.net is not ours). */
static bool domain_in(const char *s, size_t slen, const struct ownid *e)
{
    long at = -1;
    while ((at = find_ci(s, slen, e->text, e->len, (size_t)(at + 1))) >= 0) {
        size_t a = (size_t)at, b = a + e->len;
        if (a > 0 && label_char(s[a - 1]))
            continue;
        if (b < slen && label_char(s[b]))
            continue;
        if (b + 1 < slen && s[b] == '.' && label_char(s[b + 1]))
            continue;
        return true;
    }
    return false;
}

static bool in_range(const struct ownid *e, const unsigned char *addr)
{
    unsigned full = e->prefix / 8, rest = e->prefix % 8;
    if (memcmp(addr, e->addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xffu << (8 - rest));
    return (addr[full] & mask) == (e->addr[full] & mask);
}

static bool hexdigit(char c)
{
    return isxdigit((unsigned char)c) != 0;
}

/* True as soon as an IPv4 / IPv6 address written in s lies in a registered range. */
static bool address_in(const char *s, size_t slen, const struct policy_ownids *ids)
{
    size_t i = 0;
    while (i < slen) {
        char buf[64];
        size_t j = i;
        bool colon = false;
        if (!hexdigit(s[i]) && s[i] != ':') {
            i++;
            continue;
        }
        while (j < slen && (hexdigit(s[j]) || s[j] == ':' || s[j] == '.')) {
            if (s[j] == ':')
                colon = true;
            j++;
        }
        /* Trim a trailing '.' or ':' (end of a sentence, "host:port" leftovers). */
        size_t k = j;
        while (k > i && (s[k - 1] == '.' || (s[k - 1] == ':' && !colon)))
            k--;
        if (k > i && k - i < sizeof(buf)) {
            unsigned char a[16];
            memcpy(buf, s + i, k - i);
            buf[k - i] = '\0';
            int fam = 0;
            if (!colon && inet_pton(AF_INET, buf, a) == 1)
                fam = 4;
            else if (colon && inet_pton(AF_INET6, buf, a) == 1)
                fam = 6;
            if (fam == 0 && colon) {
                /* "1.2.3.4:80" style: try the part before the last ':' as IPv4. */
                char *c = strrchr(buf, ':');
                *c = '\0';
                if (strchr(buf, ':') == NULL && inet_pton(AF_INET, buf, a) == 1)
                    fam = 4;
            }
            for (size_t n = 0; fam != 0 && n < ids->n; n++)
                if (ids->v[n].kind == POLICY_OWNKIND_CIDR && ids->v[n].family == fam &&
                    in_range(&ids->v[n], a))
                    return true;
        }
        i = j > i ? j : i + 1;
    }
    return false;
}

int policy_ownids_match(const struct policy_ownids *ids, const char *s)
{
    size_t slen;
    bool has_cidr = false;
    if (ids == NULL || s == NULL || ids->n == 0)
        return 0;
    slen = strlen(s);
    for (size_t i = 0; i < ids->n; i++) {
        const struct ownid *e = &ids->v[i];
        if (e->kind == POLICY_OWNKIND_DOMAIN && domain_in(s, slen, e))
            return POLICY_OWNKIND_DOMAIN;
        if (e->kind == POLICY_OWNKIND_NAME && find_ci(s, slen, e->text, e->len, 0) >= 0)
            return POLICY_OWNKIND_NAME;
        if (e->kind == POLICY_OWNKIND_CIDR)
            has_cidr = true;
    }
    if (has_cidr && address_in(s, slen, ids))
        return POLICY_OWNKIND_CIDR;
    return 0;
}
