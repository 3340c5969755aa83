/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match_int.h: what the matcher's files share (filter.c, watchindex.c, observables.c,
 * match.c) and what their unit tests and benchmark drive: the observables of one stored
 * version, compiled subscription filters, and the in-memory watchlist index. Plain library
 * code: no store, no threads; match.c is the worker over them.
 */
#ifndef RK_ALERT_MATCH_INT_H
#define RK_ALERT_MATCH_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "analyze/analyze.h"
#include "core/core.h"

/* ---- the observables of one version (observables.c) -------------------------------------- */

/* What one object mentions: the observable index's values (analyze_observables_of) of the
 * object and of the objects an observed-data embeds, and the software it names (lower-cased
 * names and CPEs of software SCOs, its own or embedded). */
struct alert_obs_set {
    struct analyze_observable *items;
    size_t n, cap;
    char **products; /* "name" or "cpe:2.3:..." lower-cased, owned */
    size_t n_products, cap_products;
};

/* Fills out (empty on entry) with what obj, of STIX type type, mentions. */
void alert_obs_collect(const char *type, const json_t *obj, struct alert_obs_set *out);
/* Frees what out holds and empties it. */
void alert_obs_clear(struct alert_obs_set *out);

/* ---- subscription filters (filter.c) ----------------------------------------------------- */

/* One stored version as filters see it. */
struct alert_version {
    const char *type;
    const char *collection_id;
    const char *collection_alias; /* "" if none */
    int tlp;                      /* enum policy_tlp */
    const json_t *obj;
    const struct alert_obs_set *obs;
    bool correlation;         /* a grouping of the correlations collection */
    const char *named_sector; /* the poster's sector when the poster is named, else "" */
};

struct alert_filter;

/* Compiles a filter (alert_filter_check's rules) into *out (free with alert_filter_free).
 * NULL filter: matches everything. 0 or RK_E_INVALID naming the member. */
int alert_filter_compile(const json_t *filter, struct alert_filter **out, struct rk_err *err);
void alert_filter_free(struct alert_filter *f);
/* Whether v passes f; watch_hit: v hits the organisation's watchlist. */
bool alert_filter_match(const struct alert_filter *f, const struct alert_version *v,
                        bool watch_hit);
/* Whether a subscription with this filter (its stored JSON; NULL: none) gets hotline alerts:
 * its "hotline" is not false. The hotline asks when it raises an alert; the matcher never. */
bool alert_filter_hotline(const json_t *filter);

/* ---- the "pattern" member (filter_pattern.c) -------------------------------------------- */

/* A STIX pattern compiled for matching over an alert_obs_set: observations joined by OR and
 * AND, comparisons with =, !=, IN, LIKE, MATCHES (POSIX extended regex), ISSUBSET and
 * ISSUPERSET (addresses) on the properties the observable index reads; anything else
 * (FOLLOWEDBY, qualifiers, <, >, EXISTS, other properties) is refused with err naming it. */
struct alert_pattern;
int alert_pattern_compile(const char *pattern, struct alert_pattern **out, struct rk_err *err);
bool alert_pattern_match(const struct alert_pattern *p, const struct alert_obs_set *obs);
void alert_pattern_free(struct alert_pattern *p);

/* ---- watchlist entries and the index (watchindex.c) -------------------------------------- */

enum alert_watch_kind {
    ALERT_WATCH_DOMAIN,       /* a domain and its subdomains */
    ALERT_WATCH_EMAIL_DOMAIN, /* "@example.jp": e-mail addresses at it or a subdomain */
    ALERT_WATCH_RANGE,        /* an IPv4/IPv6 address or CIDR */
    ALERT_WATCH_PRODUCT,      /* "product:Name" or "cpe:2.3:...": software */
    ALERT_WATCH_EXACT,        /* any other observable (AS, URL, e-mail, hash): its key */
};

/* One parsed watchlist entry. */
struct alert_watch {
    enum alert_watch_kind kind;
    struct analyze_observable obs;    /* DOMAIN, EMAIL_DOMAIN (the domain), RANGE, EXACT */
    char type[24];                    /* "domain", "email-domain", "ipv4", "cidr6", "asn",
                                         "product"... as GET /api/v1/watchlist says */
    char key[ANALYZE_VALUE_MAX + 32]; /* "domain:example.jp", "email-domain:example.jp",
                                         "product:examplescada", "cpe:2.3:a:..." */
};

/* Parses one entry as registered ("example.jp", "192.0.2.0/24", "AS64500", "@example.jp",
 * "product:Name", "cpe:2.3:..."), normalised as the observable index does. 0 or RK_E_INVALID
 * / RK_E_TOOBIG with err saying why. */
int alert_watch_parse(const char *entry, struct alert_watch *out, struct rk_err *err);

/* The watchlist entry one line of an organisation's own identifiers stands for
 * (policy_ownids_parse's grammar: domains and addresses or CIDRs, with or without their
 * "domain:" / "cidr:" prefix), trimmed in place in line; NULL for a line no observable is
 * (names, identities, comments, blank lines). */
const char *alert_own_identifier_entry(char *line);
/* Calls fn(ctx, entry) for each own identifier of text (NULL: none) that is matched. */
void alert_own_identifiers_each(const char *text, void (*fn)(void *ctx, const char *entry),
                                void *ctx);

struct alert_watch_index;

struct alert_watch_index *alert_watch_index_new(void);
void alert_watch_index_free(struct alert_watch_index *ix);
/* Adds entry (as registered; copied) of organisation number org. */
void alert_watch_index_add(struct alert_watch_index *ix, size_t org, const char *entry,
                           const struct alert_watch *w);
/* Entries added so far. */
size_t alert_watch_index_count(const struct alert_watch_index *ix);

/* Receives one hit: org's entry (as registered, owned by the index). May repeat. */
typedef void (*alert_watch_hit_fn)(void *ctx, size_t org, const char *entry);
/* Calls fn for every entry an observable or product of obs hits. */
void alert_watch_index_match(struct alert_watch_index *ix, const struct alert_obs_set *obs,
                             alert_watch_hit_fn fn, void *ctx);

#endif /* RK_ALERT_MATCH_INT_H */
