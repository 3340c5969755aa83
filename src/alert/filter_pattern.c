/* SPDX-License-Identifier: Apache-2.0 */
/*
 * filter_pattern.c: the "pattern" member of a subscription filter: a STIX pattern (parsed by
 * the validator's own parser, stix_pattern_parse) evaluated over what an object mentions (the
 * observable index's normalised values, struct alert_obs_set). Supported: observations
 * joined by OR and AND; inside one, comparisons joined by AND and OR with =, !=, IN, LIKE,
 * MATCHES (POSIX extended regular expressions), ISSUBSET and ISSUPERSET (addresses), NOT
 * included, on ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value,
 * email-addr:value, autonomous-system:number and the MD5/SHA-1/SHA-256/SHA-512 hashes of
 * file, artifact and x509-certificate. Each comparison holds when some value the object
 * mentions of that property satisfies it (the comparisons of one observation need not hold
 * for the same SCO: the object's values are one set). Refused when the subscription is made:
 * FOLLOWEDBY, qualifiers (WITHIN, REPEATS, START/STOP), <, <=, >, >=, EXISTS, other
 * properties.
 */
#include "alert/match_int.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stix/stix.h"

/* What one comparison needs beyond its node. */
struct cmp_info {
    const struct stix_pat_comparison *cmp;
    enum analyze_obs_type types[2];  /* the observable types it reads (second may be ANY) */
    struct analyze_observable *vals; /* normalised constants (=, !=, IN, ISSUBSET/ISSUPERSET) */
    size_t n_vals;
    regex_t re; /* MATCHES */
    bool has_re;
};

struct alert_pattern {
    struct stix_pattern *tree;
    struct cmp_info *cmps;
    size_t n_cmps, cap;
};

/* The observable types of type:path, or false when it is not a property the matcher reads. */
static bool path_types(const char *type, const char *path, enum analyze_obs_type t[2])
{
    t[1] = ANALYZE_OBS_ANY;
    if (strcmp(path, "value") == 0) {
        if (strcmp(type, "ipv4-addr") == 0)
            return t[0] = ANALYZE_OBS_IPV4, t[1] = ANALYZE_OBS_CIDR4, true;
        if (strcmp(type, "ipv6-addr") == 0)
            return t[0] = ANALYZE_OBS_IPV6, t[1] = ANALYZE_OBS_CIDR6, true;
        if (strcmp(type, "domain-name") == 0)
            return t[0] = ANALYZE_OBS_DOMAIN, true;
        if (strcmp(type, "url") == 0)
            return t[0] = ANALYZE_OBS_URL, true;
        if (strcmp(type, "email-addr") == 0)
            return t[0] = ANALYZE_OBS_EMAIL, true;
        return false;
    }
    if (strcmp(type, "autonomous-system") == 0 && strcmp(path, "number") == 0)
        return t[0] = ANALYZE_OBS_ASN, true;
    if ((strcmp(type, "file") == 0 || strcmp(type, "artifact") == 0 ||
         strcmp(type, "x509-certificate") == 0) &&
        strncmp(path, "hashes.", 7) == 0) {
        const char *h = path + 7;
        if (strcasecmp(h, "MD5") == 0)
            return t[0] = ANALYZE_OBS_MD5, true;
        if (strcasecmp(h, "SHA-1") == 0 || strcasecmp(h, "SHA1") == 0)
            return t[0] = ANALYZE_OBS_SHA1, true;
        if (strcasecmp(h, "SHA-256") == 0 || strcasecmp(h, "SHA256") == 0)
            return t[0] = ANALYZE_OBS_SHA256, true;
        if (strcasecmp(h, "SHA-512") == 0 || strcasecmp(h, "SHA512") == 0)
            return t[0] = ANALYZE_OBS_SHA512, true;
    }
    return false;
}

static const char *op_name(enum stix_pat_op op)
{
    static const char *const names[] = {"=",       "!=",       "<",          "<=",
                                        ">",       ">=",       "IN",         "LIKE",
                                        "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS"};
    return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static int compile_cmp(struct alert_pattern *p, const struct stix_pat_comparison *c,
                       struct rk_err *err)
{
    struct cmp_info ci;

    memset(&ci, 0, sizeof(ci));
    ci.cmp = c;
    if (!path_types(c->type, c->path, ci.types))
        return rk_err_set(err, RK_E_INVALID,
                          "filter.pattern: %s:%s is not a property the matcher reads (it reads "
                          "ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value, "
                          "email-addr:value, autonomous-system:number and file hashes)",
                          c->type, c->path);
    switch (c->op) {
    case STIX_OP_EQ:
    case STIX_OP_NEQ:
    case STIX_OP_IN:
    case STIX_OP_ISSUBSET:
    case STIX_OP_ISSUPERSET:
        if ((c->op == STIX_OP_ISSUBSET || c->op == STIX_OP_ISSUPERSET) &&
            ci.types[1] == ANALYZE_OBS_ANY)
            return rk_err_set(err, RK_E_INVALID,
                              "filter.pattern: %s applies to ipv4-addr:value and "
                              "ipv6-addr:value only, not %s:%s",
                              op_name(c->op), c->type, c->path);
        ci.vals = rk_calloc(c->nvalues > 0 ? c->nvalues : 1, sizeof(*ci.vals));
        for (const struct stix_pat_value *v = c->values; v != NULL; v = v->next) {
            struct rk_err e2 = {0};
            int rc =
                analyze_observable_from_stix(c->type, c->path, v->text, &ci.vals[ci.n_vals], &e2);
            if (rc != 0) {
                free(ci.vals);
                return rk_err_set(err, RK_E_INVALID, "filter.pattern: %s:%s %s '%s': %s", c->type,
                                  c->path, op_name(c->op), v->text,
                                  rc > 0 ? "not a value the matcher reads" : e2.msg);
            }
            ci.n_vals++;
            if (ci.n_vals == c->nvalues)
                break;
        }
        break;
    case STIX_OP_LIKE:
        break;
    case STIX_OP_MATCHES:
        if (regcomp(&ci.re, c->values != NULL ? c->values->text : "", REG_EXTENDED | REG_NOSUB) !=
            0)
            return rk_err_set(err, RK_E_INVALID,
                              "filter.pattern: MATCHES '%s': not a POSIX extended regular "
                              "expression",
                              c->values != NULL ? c->values->text : "");
        ci.has_re = true;
        break;
    default:
        return rk_err_set(err, RK_E_INVALID,
                          "filter.pattern: the operator %s is not supported (supported: =, !=, "
                          "IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)",
                          op_name(c->op));
    }
    if (p->n_cmps == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4;
        p->cmps = rk_realloc(p->cmps, p->cap * sizeof(*p->cmps));
    }
    p->cmps[p->n_cmps++] = ci;
    return 0;
}

static bool has_qualifiers(const struct stix_pat_qualifiers *q)
{
    return q->has_within || q->has_repeats || q->has_start_stop;
}

static int compile_node(struct alert_pattern *p, const struct stix_pat_node *n, struct rk_err *err)
{
    int rc;

    switch (n->kind) {
    case STIX_PAT_FOLLOWEDBY:
        return rk_err_set(err, RK_E_INVALID,
                          "filter.pattern: FOLLOWEDBY is not supported (at offset %zu): a "
                          "subscription matches one object at a time",
                          n->off);
    case STIX_PAT_GROUP:
        return rk_err_set(err, RK_E_INVALID,
                          "filter.pattern: qualifiers (WITHIN, REPEATS, START/STOP) are not "
                          "supported (at offset %zu)",
                          n->off);
    case STIX_PAT_OBSERVATION:
        if (has_qualifiers(&n->q))
            return rk_err_set(err, RK_E_INVALID,
                              "filter.pattern: qualifiers (WITHIN, REPEATS, START/STOP) are not "
                              "supported (at offset %zu)",
                              n->off);
        break;
    case STIX_PAT_COMPARISON:
        return compile_cmp(p, &n->cmp, err);
    default:
        break;
    }
    for (const struct stix_pat_node *k = n->kids; k != NULL; k = k->next)
        if ((rc = compile_node(p, k, err)) != 0)
            return rc;
    return 0;
}

void alert_pattern_free(struct alert_pattern *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_cmps; i++) {
        free(p->cmps[i].vals);
        if (p->cmps[i].has_re)
            regfree(&p->cmps[i].re);
    }
    free(p->cmps);
    stix_pattern_free(p->tree);
    free(p);
}

int alert_pattern_compile(const char *pattern, struct alert_pattern **out, struct rk_err *err)
{
    struct alert_pattern *p = rk_calloc(1, sizeof(*p));
    struct rk_err e2 = {0};
    int rc;

    *out = NULL;
    if (stix_pattern_parse(pattern, &p->tree, &e2) != 0) {
        free(p);
        const char *msg = rk_starts_with(e2.msg, "pattern: ") ? e2.msg + 9 : e2.msg;
        return rk_err_set(err, RK_E_INVALID, "filter.pattern: %s", msg);
    }
    rc = compile_node(p, p->tree->root, err);
    if (rc != 0) {
        alert_pattern_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* ---- evaluation ----------------------------------------------------------------------- */

/* SQL LIKE: % any run of bytes, _ any one byte; everything else literally. */
static bool like(const char *s, const char *pat)
{
    const char *star_p = NULL, *star_s = NULL;

    while (*s != '\0') {
        if (*pat == '%') {
            star_p = ++pat;
            star_s = s;
        } else if (*pat != '\0' && (*pat == '_' || *pat == *s)) {
            pat++;
            s++;
        } else if (star_p != NULL) {
            pat = star_p;
            s = ++star_s;
        } else
            return false;
    }
    while (*pat == '%')
        pat++;
    return *pat == '\0';
}

static bool same(const struct analyze_observable *a, const struct analyze_observable *b)
{
    return a->type == b->type && a->len == b->len && memcmp(a->value, b->value, a->len) == 0;
}

static bool holds(const struct cmp_info *ci, const struct analyze_observable *o)
{
    const struct stix_pat_comparison *c = ci->cmp;

    switch (c->op) {
    case STIX_OP_EQ:
    case STIX_OP_IN:
        for (size_t i = 0; i < ci->n_vals; i++)
            if (same(&ci->vals[i], o))
                return true;
        return false;
    case STIX_OP_NEQ:
        return ci->n_vals > 0 && !same(&ci->vals[0], o);
    case STIX_OP_LIKE:
        return c->values != NULL && like(o->value, c->values->text);
    case STIX_OP_MATCHES:
        return regexec(&ci->re, o->value, 0, NULL, 0) == 0;
    case STIX_OP_ISSUBSET:
        return ci->n_vals > 0 && analyze_cidr_contains(&ci->vals[0], o);
    case STIX_OP_ISSUPERSET:
        return ci->n_vals > 0 && analyze_cidr_contains(o, &ci->vals[0]);
    default:
        return false;
    }
}

static bool eval_cmp(const struct alert_pattern *p, const struct stix_pat_comparison *c,
                     const struct alert_obs_set *obs)
{
    const struct cmp_info *ci = NULL;

    for (size_t i = 0; i < p->n_cmps && ci == NULL; i++)
        if (p->cmps[i].cmp == c)
            ci = &p->cmps[i];
    if (ci == NULL || obs == NULL)
        return false;
    for (size_t i = 0; i < obs->n; i++) {
        const struct analyze_observable *o = &obs->items[i];
        if (o->type != ci->types[0] && (ci->types[1] == ANALYZE_OBS_ANY || o->type != ci->types[1]))
            continue;
        if (holds(ci, o) != c->negated)
            return true;
    }
    return false;
}

static bool eval(const struct alert_pattern *p, const struct stix_pat_node *n,
                 const struct alert_obs_set *obs)
{
    const struct stix_pat_node *k;

    switch (n->kind) {
    case STIX_PAT_OBS_OR:
    case STIX_PAT_CMP_OR:
        for (k = n->kids; k != NULL; k = k->next)
            if (eval(p, k, obs))
                return true;
        return false;
    case STIX_PAT_OBS_AND:
    case STIX_PAT_CMP_AND:
        for (k = n->kids; k != NULL; k = k->next)
            if (!eval(p, k, obs))
                return false;
        return true;
    case STIX_PAT_OBSERVATION:
        return n->kids != NULL && eval(p, n->kids, obs);
    case STIX_PAT_COMPARISON:
        return eval_cmp(p, &n->cmp, obs);
    default:
        return false;
    }
}

bool alert_pattern_match(const struct alert_pattern *p, const struct alert_obs_set *obs)
{
    return p != NULL && obs != NULL && obs->n > 0 && eval(p, p->tree->root, obs);
}
