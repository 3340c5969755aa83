/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.h: the one way objects enter the hub: the ingest pipeline (shape, validation,
 * TLP and scope, the anonymiser, own identifiers, the store transaction with provenance,
 * credit and audit) and its totals (ingest.c, anonymise.c, ownid.c).
 */
#ifndef RK_POLICY_INGEST_H
#define RK_POLICY_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "policy/auth.h"
#include "policy/hub.h"
#include "stix/stix.h"
#include "store/store.h"

/* A POST may ask for a stricter anonymity mode with this header, and per object with the
 * custom property POLICY_PROP_ANONYMITY (same values: named, sector, anonymous; a weaker
 * value than the organisation's or token's mode never loosens it). POLICY_PROP_RECIPIENTS
 * lists the organisations (names or ids) the source names as recipients. Both properties
 * are removed from the stored object; the original keeps them in the provenance vault. */
#define POLICY_ANONYMITY_HEADER "X-Renkei-Anonymity"
#define POLICY_PROP_ANONYMITY   "x_renkei_anonymity"
#define POLICY_PROP_RECIPIENTS  "x_renkei_recipients"
#define POLICY_RECIPIENTS_MAX   64 /* names in one x_renkei_recipients */
/* Most distinct ids one relationship or sighting may join (a sighting's sighting_of_ref,
 * observed_data_refs and where_sighted_refs together, each id counted once). The access
 * check looks up every joined id of a row it has not met in the same request, so this
 * bounds what one stored object costs each reader; a sighting over it fails at ingest with
 * a message naming the property and the cap. */
#define POLICY_JOINS_MAX 100

/* The outcome for one envelope entry, in envelope order; filled by policy_ingest. */
struct policy_ingest_item {
    char id[STIX_ID_MAX + 1];      /* the object's id, or "objects[N]" when it has none */
    char version[RK_TIME_LEN + 8]; /* the object's modified, else created, text (also for a
                                      refused object, when it is a timestamp), else the
                                      version the store assigned; "" when none is known */
    bool ok;                       /* success (stored, duplicate or dropped) or failure */
    char message[512];             /* status message ("" for a plain success) */
    unsigned changed;              /* POLICY_ITEM_*: what the store changed since ready */
};
/* Bits of policy_ingest_item.changed. */
#define POLICY_ITEM_VERSION 1u /* version, "" when ready saw it, assigned by the store */
#define POLICY_ITEM_OUTCOME 2u /* ok or message (a duplicate, a conflict) */

/*
 * The ingest pipeline for one TAXII envelope posted by who into collection c: per object,
 * shape and stix_validate, TLP (its own marking or automatic scope), the anonymiser and own
 * identifiers, the hub's TLP marking, stix_validate again, then every object that survived
 * is stored in ONE durable transaction with its access metadata and provenance (the
 * original as posted, the token, the effective anonymity, the actions). The hub or sector
 * identity is stored into c (CLEAR) alongside when a rewritten object references it. The
 * credit events and one "write" audit entry for objects at AMBER and above are written in
 * that same transaction (one commit).
 *
 * requested_anonymity: the X-Renkei-Anonymity mode asked for, or -1. objects: the
 * envelope's array, the caller's working copy: an object the pipeline changed (anonymised,
 * marked in its tree, a property removed) is replaced by JSON null once it has been read,
 * so that the objects left are exactly as parsed (what stix_json_arena_drop needs); read
 * the items afterwards, not the objects. An object shared with another reference is changed
 * there too. items: json_array_size(objects) entries, all
 * filled on success. Per-object problems are item failures, not errors. Returns 0, or
 * RK_E_FORBIDDEN (who is not an authenticated organisation), or a store error, after which
 * nothing of the envelope was stored.
 */
int policy_ingest(struct rk_hub *hub, const struct policy_principal *who,
                  const struct store_collection *c, int requested_anonymity, json_t *objects,
                  struct policy_ingest_item *items, struct rk_err *err);

/*
 * Called once every item of an envelope is final, inside the transaction that stores its
 * objects (store_put_objects_then), so that what it writes through s (the TAXII status
 * resource) commits with them, or not at all: 0 to go on, else the envelope fails and
 * nothing of it is stored. It runs under the store's write lock and possibly on another
 * request's thread: it must be short and must not depend on its thread. When no object
 * is left to store it runs outside any transaction.
 */
typedef int (*policy_items_fn)(void *ctx, struct store *s, const struct policy_ingest_item *items,
                               size_t n, struct rk_err *err);
/*
 * Called once every object of an envelope has been through the pipeline, before the store,
 * on the caller's thread, with the same ctx as done: each item then reads as it will if
 * its object is stored as new (failures and dropped objects as they will stay). done later
 * sees in changed what the store's outcome changed since (a version only the store
 * assigned, a duplicate, a conflict), so that what ready made of the rest (the status
 * entries, rendered outside the write lock) still holds.
 */
typedef void (*policy_ready_fn)(void *ctx, const struct policy_ingest_item *items, size_t n);
/*
 * The objects of the envelopes policy_ingest_then completed since the process started:
 * accepted (stored, or already held: items with ok) and refused (items without). An
 * envelope that failed as a whole (a store error) counts in neither. Any thread.
 */
void policy_ingest_totals(uint64_t *accepted, uint64_t *refused);

/* policy_ingest, calling ready and done (each if not NULL) as above. */
int policy_ingest_then(struct rk_hub *hub, const struct policy_principal *who,
                       const struct store_collection *c, int requested_anonymity, json_t *objects,
                       struct policy_ingest_item *items, policy_ready_fn ready,
                       policy_items_fn done, void *done_ctx, struct rk_err *err);

/*
 * Objects the hub authors itself (hub_write.c), e.g. the groupings of cross-sector
 * correlation: the hub writes as itself into collection c, never through the anonymiser.
 * objs is a JSON array of STIX objects (changed in place): each SDO must have
 * created_by_ref = the hub identity; each gets tlp's TLP 2.0 marking. An SDO whose id c
 * already holds keeps its first version's created and gets modified = now (strictly after
 * the latest version); a new SDO gets created = modified = now. An object equal to the
 * latest version c holds but for created and modified (and with the same recipients) is not
 * written again, nor an SCO that any version holds so (the access rule of a hub version is
 * "hub-authored <digest of the object without created and modified, and the recipients>",
 * compared without reading bodies). What is left is validated (stix_validate) and stored in
 * ONE durable transaction with its access metadata (source "", tlp, recipients: comma-separated
 * organisation ids, the only readers of AMBER+STRICT and RED, NULL for none; that rule), provenance
 * (token "", action "hub-authored"), one "write" audit entry (route; detail {"objects":
 * [{id, version, tlp, result}], "hub_authored": true}) and the n_credit credit events, each
 * recorded only if the ledger has no event of the same organisation, kind and object_id yet
 * (once per organisation per object, however many versions). *written gets the number of
 * NEW versions (0: nothing changed, nothing written, no audit entry, no credit). 0, or
 * RK_E_INVALID (an object not the hub's, invalid, a bad TLP) or the store's error, after
 * which nothing was written.
 */
int policy_hub_write(struct rk_hub *hub, const struct store_collection *c, json_t *objs, int tlp,
                     const char *recipients, const char *route, const struct store_credit *credit,
                     size_t n_credit, size_t *written, struct rk_err *err);

#endif /* RK_POLICY_INGEST_H */
