/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hub.h: the hub context, struct rk_hub, which every capability receives: the store and the
 * settings of the hub (API root, title, identity). policy_hub_load fills it from the store;
 * a capability that needs nothing else of the policy layer includes only this header.
 */
#ifndef RK_POLICY_HUB_H
#define RK_POLICY_HUB_H

#include <stddef.h>

#include <jansson.h>

#include "stix/stix.h"
#include "store/store.h"

struct policy_doc;

/*
 * A capability's share of the ingest pipeline (policy_ingest), installed into the hub before
 * it takes its first post and never changed while it runs (policy_hub_add_hook). The
 * callbacks run on the posting thread, outside the store's lock, once per object the
 * pipeline is about to store, after the anonymiser. Every member but name may be NULL.
 */
struct rk_ingest_hook {
    const char *name; /* the capability ("analyze"): noted in the actions of what it changed */
    void *ctx;
    /*
     * May change obj, the object as it will be stored (type is its STIX type): returns 1 when
     * it changed it (the pipeline then validates and serialises it again, and notes msg, or
     * "changed by <name>" when msg is empty, in the provenance actions), 0 when not, or -1
     * to refuse the object with a message in msg (cap bytes). doc is the policy document the
     * pipeline read once for the whole envelope (the hook reads its own section there, never
     * the store again). Not called for what is stored exactly as posted (marking definitions,
     * relay collections). Used by the severity of incidents (analyze).
     */
    int (*rewrite)(void *ctx, const struct policy_doc *doc, const char *type, json_t *obj,
                   char *msg, size_t cap);
    /*
     * The observable index rows of obj as it will be stored (anonymised; type its STIX type),
     * for store_put.observables (the observable index, analyze). Returns how many rows it
     * wrote into *rows, one malloc'd block (the rows, then their keys) that the pipeline frees
     * with free(); 0 with *rows NULL for none. It never fails: a value it cannot read is not
     * indexed. A row keyed RK_OBSERVE_REF followed by a STIX id says that obj refers to that
     * object: when the same envelope stores it, the pipeline adds that object's rows (but its
     * own RK_OBSERVE_REF rows) to obj's, up to RK_OBSERVE_ROWS_MAX in all (a sighting is
     * indexed under what it sighted). At most one hook observes (policy_hub_add_hook).
     */
    size_t (*observe)(void *ctx, const char *type, const json_t *obj,
                      struct store_observable **rows);
};

/* The key prefix of an observe row that names a referenced object ("ref:indicator--..."). */
#define RK_OBSERVE_REF "ref:"
/* Rows one object is indexed under at most, the referenced objects' included. */
#define RK_OBSERVE_ROWS_MAX 1000

#define RK_HUB_HOOKS_MAX 8

/* The hub: the store and the settings every capability needs. */
struct rk_hub {
    struct store *store;
    char api_root[64];                 /* path segment of the single API root, e.g. "hub" */
    char title[128];                   /* API root and discovery title */
    size_t max_content_length;         /* bytes; advertised in the API root resource */
    char identity_id[STIX_ID_MAX + 1]; /* the hub's own STIX identity id */
    struct rk_ingest_hook hooks[RK_HUB_HOOKS_MAX]; /* in the order they were added */
    size_t n_hooks;
};

/* Adds a hook to hub (copied); the same callbacks with the same ctx again are a no-op, so that
 * attaching twice is harmless. RK_E_TOOBIG when RK_HUB_HOOKS_MAX are there, RK_E_EXISTS for a
 * second hook that observes. Not thread-safe: before the hub takes a post. */
int policy_hub_add_hook(struct rk_hub *hub, const struct rk_ingest_hook *hook, struct rk_err *err);

/* Loads hub settings into hub (store must be initialised). */
int policy_hub_load(struct store *s, struct rk_hub *hub, struct rk_err *err);

#endif /* RK_POLICY_HUB_H */
