/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admin.h: managing the hub, for the command line and the admin API alike: creating it,
 * adding, changing, disabling and enabling organisations, adding, changing and removing
 * collections, the sector table, audience specs and the policy document's administration
 * (hub.c, orgs.c, collections.c, audience.c, admin.c).
 */
#ifndef RK_POLICY_ADMIN_H
#define RK_POLICY_ADMIN_H

#include <stdbool.h>

#include "core/core.h"
#include "policy/auth.h"
#include "store/store.h"

/* The sector key of the coordinator's organisation, which is a member of no sector. */
#define POLICY_COORDINATION_SECTOR "coordination"

/* Audience specs: "all", "public", "sector:a,b" or "org:n,m". 0 or RK_E_INVALID naming the
 * bad part (unknown sector, unknown organisation, empty list...). */
int policy_spec_check(struct store *s, const char *spec, struct rk_err *err);

/*
 * Creates a new hub in an empty store: settings, the coordinator organisation (sector
 * "coordination"), the hub identity, and one coordinator token written to token_out.
 * RK_E_EXISTS if the store was already initialised.
 */
int policy_hub_init(struct store *s, const char *coordinator_name,
                    char token_out[POLICY_TOKEN_LEN + 1], struct rk_err *err);

/*
 * As policy_hub_init, reading the sector table from sectors_file (key<TAB>name lines, '#'
 * comments). sectors_file NULL means the default: $RENKEI_DATADIR/sectors.tsv if that
 * variable is set, else the data/sectors.tsv of the source tree baked in at build time.
 * RK_E_IO if the file cannot be read, RK_E_INVALID naming the line if it is malformed.
 */
int policy_hub_init_sectors(struct store *s, const char *coordinator_name, const char *sectors_file,
                            char token_out[POLICY_TOKEN_LEN + 1], struct rk_err *err);

/* Adds an organisation; sector must be in the sector table. Fills out (caller clears). */
int policy_org_add(struct store *s, const char *name, const char *sector, int anonymity,
                   struct store_org *out, struct rk_err *err);

/* Adds a collection after checking both specs and the alias (policy_collection_alias_check,
 * and free: RK_E_EXISTS naming the collection that has it). Fills out (caller clears). */
int policy_collection_add(struct store *s, const char *title, const char *description,
                          const char *alias, const char *read_spec, const char *write_spec,
                          struct store_collection *out, struct rk_err *err);

/* Longest collection alias, in bytes. */
#define POLICY_ALIAS_MAX 128
/*
 * Whether alias may name a collection: NULL or "" (no alias), or 1 to POLICY_ALIAS_MAX
 * letters, digits, '-', '_', '.' and '~' (characters a URL path segment carries as they are)
 * starting with a letter or digit, and not shaped like a UUID (a collection id: an alias is
 * looked up where an id may be). 0, or RK_E_INVALID saying what is wrong. Whether it is free
 * is the store's to say.
 */
int policy_collection_alias_check(const char *alias, struct rk_err *err);

/* True if sector is in the hub's sector table (data/sectors.tsv, loaded into the store). */
bool policy_sector_known(struct store *s, const char *sector);

/*
 * 0 if sector (NULL counts as unknown) is in the hub's sector table; otherwise RK_E_INVALID
 * with err saying "unknown sector 'X' (the sectors are: a, b, ...)", every key of the table
 * in its order, so that whoever typed it sees what to type instead.
 */
int policy_sector_check(struct store *s, const char *sector, struct rk_err *err);

/* ---- changing and retiring organisations and collections (orgs.c, collections.c) ------- */
/*
 * Only the coordinator may do any of this (RK_E_FORBIDDEN otherwise, RK_E_UNAUTH for an
 * anonymous who). Each change is one write transaction with its audit entry (route names
 * the caller), committed whole or not at all, and running servers see it within
 * POLICY_CACHE_RECHECK_MS (at once in the process that made it). What it means for the
 * objects already stored is in docs/sharing.md, "Changing and retiring members and
 * collections".
 */

/* What policy_org_set changes; NULL (or -1) leaves a field as it is. */
struct policy_org_change {
    const char *name;            /* new name */
    const char *sector;          /* new sector key (not the coordinator's "coordination") */
    int anonymity;               /* enum store_anonymity, or -1 */
    const char *own_identifiers; /* the whole new list as policy_ownids_parse reads it ("" none) */
};

/*
 * Changes organisation org (id or name). A new name must be free and valid as at add; every
 * audience that named the organisation ("org:OLD" in a collection's read or write spec, in a
 * scope rule's audience, in the scope of a stored object version) names it by its new name
 * in the same transaction, so that nothing that pointed at it points at another organisation
 * or at nothing. A sector, anonymity mode or own-identifier change applies to what the
 * organisation reads and posts from then on; stored versions keep their stand-ins and
 * scopes. The coordinator's own organisation keeps its sector. One "org-change" audit entry
 * {org_id, org, changed, before, after, rewritten}; a change that changes nothing is no
 * entry. *out is the organisation as it is now (caller clears). RK_E_NOTFOUND unknown
 * organisation, RK_E_INVALID a bad value, RK_E_EXISTS a taken name.
 */
int policy_org_set(struct store *s, const struct policy_principal *who, const char *route,
                   const char *org, const struct policy_org_change *chg, struct store_org *out,
                   struct rk_err *err);

/*
 * Disables organisation org (id or name), one that leaves the hub: every token of it is
 * revoked (a "token-revoke" entry each) and no token of it authenticates again; it counts
 * in no anonymity set, cannot be named as a recipient and gets no new token; it stays in
 * the audiences that name it (admitting no one while disabled) and everything it posted
 * stays as stored, as do its provenance, credit and audit entries. One "org-disable" entry
 * {org_id, org, tokens_revoked}. *out is the organisation now; *revoked (n_revoked, may be
 * NULL) the tokens revoked, freed with store_tokens_free. RK_E_CONFLICT for the
 * coordinator's own organisation, one already disabled, or one holding the hub's last
 * coordinator tokens; RK_E_NOTFOUND unknown organisation.
 */
int policy_org_disable(struct store *s, const struct policy_principal *who, const char *route,
                       const char *org, struct store_org *out, struct store_token **revoked,
                       size_t *n_revoked, struct rk_err *err);

/* Enables a disabled organisation again ("org-enable" entry {org_id, org}); none of its old
 * tokens comes back: the coordinator creates new ones. RK_E_CONFLICT if it is not
 * disabled, RK_E_NOTFOUND unknown organisation. *out as policy_org_disable's. */
int policy_org_enable(struct store *s, const struct policy_principal *who, const char *route,
                      const char *org, struct store_org *out, struct rk_err *err);

/*
 * The collection ref names: its id, else its alias (RK_E_CONFLICT when several collections
 * share that alias, RK_E_NOTFOUND when none has it). *out cleared by the caller.
 */
int policy_collection_find(struct store *s, const char *ref, struct store_collection *out,
                           struct rk_err *err);

/* What policy_collection_set changes; NULL (or 0 for default_tlp) leaves a field as it is. */
struct policy_collection_change {
    const char *title;
    const char *description; /* "" clears it */
    const char *alias;       /* "" clears it; else no other collection's alias or id */
    const char *read_spec;   /* audience specs, checked as at add */
    const char *write_spec;
    int default_tlp; /* POLICY_TLP_CLEAR..RED, or 0 */
    bool relay_set;  /* relay is to be applied (false: the collection stays as it is) */
    bool relay;      /* a relay collection (objects stored as posted) or not */
};

/*
 * Changes collection ref (id or alias), with the checks of add. Readers are decided when
 * they read, by the collection's audience then: a narrower read audience hides the stored
 * objects from those left out at once, a wider one shows them to those let in. A new write
 * audience changes the anonymity set of later posts only. A scope rule that matched the
 * collection by its old title or alias gets its id too, in the same transaction (a
 * "policy-change" entry), so the rules that applied to it still do. One
 * "collection-change" entry {changed, before, after, scope_rules}; a change that changes
 * nothing is no entry. RK_E_NOTFOUND unknown collection, RK_E_INVALID bad value,
 * RK_E_CONFLICT an alias in use.
 */
int policy_collection_set(struct store *s, const struct policy_principal *who, const char *route,
                          const char *ref, const struct policy_collection_change *chg,
                          struct store_collection *out, struct rk_err *err);

/*
 * Removes collection ref (id or alias). One holding object versions is refused with
 * RK_E_CONFLICT, the message saying how many, unless purge: they are then deleted with it,
 * each version's original and real source kept in the provenance vault as an object DELETE
 * keeps them. *removed gets the number of versions (also when refused). One
 * "collection-remove" entry {collection: as it was, purged: N}. *out is the collection as
 * it was (caller clears). Posts into it that were under way are refused, nothing of them
 * stored (the store refuses puts into a removed collection).
 */
int policy_collection_remove(struct store *s, const struct policy_principal *who, const char *route,
                             const char *ref, bool purge, struct store_collection *out,
                             int64_t *removed, struct rk_err *err);

/*
 * As policy_org_add and policy_collection_add, with every field. own_identifiers:
 * text as policy_ownids_parse reads it (NULL or "" none); a bad entry is RK_E_INVALID naming
 * the line; the normalised text is stored. default_tlp: POLICY_TLP_CLEAR..RED (the TLP the
 * scope rule "collection" gives). relay: a relay collection, whose objects ingest stores
 * exactly as posted or refuses (docs/sharing.md, "Relay collections"). policy_org_add and
 * policy_collection_add call these with own identifiers NULL, default_tlp GREEN and relay
 * false.
 */
int policy_org_add_ex(struct store *s, const char *name, const char *sector, int anonymity,
                      const char *own_identifiers, struct store_org *out, struct rk_err *err);
/* Checks an own-identifiers text as policy_org_add_ex would: 0, or its error (RK_E_INVALID
 * naming the line, RK_E_TOOBIG), so that a caller can say which file it came from. */
int policy_ownids_check(const char *own_identifiers, struct rk_err *err);
int policy_collection_add_ex(struct store *s, const char *title, const char *description,
                             const char *alias, const char *read_spec, const char *write_spec,
                             int default_tlp, bool relay, struct store_collection *out,
                             struct rk_err *err);

/*
 * Policy document administration (the document itself is parsed, validated and serialised
 * by scope.c). policy_doc_show appends the effective document (defaults when none is stored)
 * to json_out. policy_doc_replace validates json as a whole document and stores it;
 * policy_doc_update merges the top-level keys of the JSON object patch into the current
 * document, validates the result and stores it. Both append a "policy-change" audit entry
 * (detail: the keys changed) and return RK_E_INVALID with a message naming the bad part.
 */
int policy_doc_show(struct store *s, struct rk_buf *json_out, struct rk_err *err);
int policy_doc_replace(struct store *s, const struct policy_principal *who, const char *route,
                       const char *json, struct rk_err *err);
int policy_doc_update(struct store *s, const struct policy_principal *who, const char *route,
                      const char *patch_json, struct rk_err *err);

#endif /* RK_POLICY_ADMIN_H */
