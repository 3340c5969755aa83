/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cache.h: the entity cache of a long-running server (token hash -> principal, collection
 * id or alias -> collection, the policy document's green delay) and how changes reach it
 * (cache.c).
 */
#ifndef RK_POLICY_CACHE_H
#define RK_POLICY_CACHE_H

#include "core/core.h"
#include "store/store.h"

/*
 * A process-wide cache of token hash -> principal (policy_authenticate) and collection id ->
 * collection (policy_collection_get) for one store, so that a read request runs no SQLite
 * lookup besides its query. Off until policy_cache_enable: only the long-running server
 * turns it on; the CLI and the unit tests read the store directly.
 *
 * Invalidation, across processes:
 *  - every entity write of this module (policy_org_add*, policy_org_set, policy_org_disable,
 *    policy_org_enable, policy_token_create, policy_token_revoke, policy_collection_add*,
 *    policy_collection_set, policy_collection_remove) calls policy_cache_bump after it
 *    committed, which writes a fresh random value to the setting "entities_gen" and empties
 *    this process's cache at once;
 *  - an enabled cache re-reads "entities_gen" at most every POLICY_CACHE_RECHECK_MS and
 *    empties itself when it changed (another process, e.g. the CLI, wrote an entity);
 *  - every entry is dropped POLICY_CACHE_TTL_MS after it was read, so even a change that
 *    bypasses the bump (a direct store write) is seen within that bound.
 * Unknown tokens and collections are never cached. Any operation that changes or deletes
 * an organisation, token or collection must call policy_cache_bump after it commits.
 */
#define POLICY_CACHE_TTL_MS     1000
#define POLICY_CACHE_RECHECK_MS 100

/* Enables the cache for s (emptied; a previous store is forgotten). Thread-safe. */
void policy_cache_enable(struct store *s);

/* Disables the cache and frees its memory; call before closing the store. */
void policy_cache_disable(void);

/*
 * Marks organisations, tokens or collections of s as changed: writes a new "entities_gen"
 * and empties the cache of this process if it caches s. Call after the change committed.
 * 0, or the store error of the setting write (the local cache is emptied regardless;
 * other processes then see the change within POLICY_CACHE_TTL_MS).
 */
int policy_cache_bump(struct store *s, struct rk_err *err);

/*
 * As store_collection_get: the collection whose id, else whose alias, is key (same results
 * and errors; the caller clears *out with store_collection_clear), served from the cache when
 * it is enabled for s.
 */
int policy_collection_get(struct store *s, const char *key, struct store_collection *out,
                          struct rk_err *err);

/*
 * The green delay of the stored policy document (policy_doc_load), served from the cache
 * when it is enabled for s, so that a read does not parse the document each time. Policy
 * changes (admin.c) call policy_cache_bump. 0, or the error of policy_doc_load.
 */
int policy_cache_green_delay(struct store *s, int *hours, struct rk_err *err);

#endif /* RK_POLICY_CACHE_H */
