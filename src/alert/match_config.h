/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match_config.h: what the matcher holds in memory (match_config.c): the organisations, each
 * one's compiled subscriptions and whether it has watchlist entries or own identifiers, the
 * watchlist index of them all, and the collections; reloaded when config.c says they changed
 * (a generation) or when the stored records or organisations differ from what was loaded.
 * And the per-version step that needs no store: which organisations a version concerns.
 */
#ifndef RK_ALERT_MATCH_CONFIG_H
#define RK_ALERT_MATCH_CONFIG_H

#include "alert/match_int.h"
#include "store/store.h"

struct rk_hub;

struct alert_match_sub {
    char *id;
    struct alert_filter *filter;
};

/* Per organisation (parallel to orgs). */
struct alert_match_org {
    struct alert_match_sub *subs;
    size_t n_subs, cap_subs;
    size_t n_watch; /* watchlist entries and own identifiers in the index */
    bool active;    /* a member (not disabled, not the coordination sector) with any of them */
};

struct alert_match_config {
    struct store_org *orgs;
    size_t n_orgs;
    struct alert_match_org *per;
    size_t n_active;
    struct alert_watch_index *ix;
    struct store_collection *colls;
    size_t n_colls;
    char correlations_id[RK_UUID_LEN]; /* "" until the collection exists */
    uint64_t fingerprint;
    unsigned generation;
    bool loaded;
    rk_time_us checked; /* when the records were last compared */
};

void alert_match_config_init(struct alert_match_config *cfg);
void alert_match_config_clear(struct alert_match_config *cfg);

/* Takes orgs (n of them, freed with the configuration) and starts an empty configuration
 * over them: no subscription, no entry (their own identifiers are added). */
void alert_match_config_set_orgs(struct alert_match_config *cfg, struct store_org *orgs, size_t n);
/* Adds subscription id of organisation number org with its stored JSON; RK_E_INVALID when its
 * filter does not compile (err says why). */
int alert_match_config_add_sub(struct alert_match_config *cfg, size_t org, const char *id,
                               const json_t *sub, struct rk_err *err);
/* Adds a watchlist entry (as registered) of organisation number org; RK_E_INVALID if bad. */
int alert_match_config_add_watch(struct alert_match_config *cfg, size_t org, const char *entry,
                                 struct rk_err *err);
/* Recounts the active organisations once everything was added. */
void alert_match_config_done(struct alert_match_config *cfg);

/* Reloads the collections, and the rest when generation differs from the loaded one or (at
 * most once a second) the stored records or organisations changed. 0 or the store's error. */
int alert_match_config_refresh(struct rk_hub *hub, struct alert_match_config *cfg,
                               unsigned generation, struct rk_err *err);

const struct store_collection *alert_match_collection(const struct alert_match_config *cfg,
                                                      const char *id);
/* The sector of the version's poster when the object names the poster (its created_by_ref is
 * the poster organisation's identity), else "" (an anonymised post stays anonymous). */
const char *alert_match_named_sector(const struct alert_match_config *cfg,
                                     const struct store_row *row, const json_t *obj);

/* The organisations one version concerns, before the access check: for each, may (set true,
 * for policy_version_readers), the ids of its subscriptions that match and its watchlist
 * entries the version hits. */
struct alert_match_orgs {
    struct store_org *orgs; /* shallow copies of cfg's */
    bool *may;
    json_t **subs;  /* arrays of ids */
    json_t **watch; /* arrays of entries */
    size_t n;
};
void alert_match_orgs_eval(struct alert_match_config *cfg, const struct alert_version *v,
                           struct alert_match_orgs *out);
void alert_match_orgs_clear(struct alert_match_orgs *mo);

#endif /* RK_ALERT_MATCH_CONFIG_H */
