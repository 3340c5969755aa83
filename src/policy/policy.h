/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.h: who is asking and what they may do. Organisations, sectors, roles and tokens;
 * collection audiences; and the one access check (policy_may_read_object) that every read
 * path of the hub calls before it returns an object version. The command line and the
 * admin API both manage the hub through the functions here, so the rules live in one place.
 *
 * This scope is collection-level permissions; TLP, automatic scope and anonymity
 * extend policy_may_read_object and the ingest hooks, not the callers.
 */
#ifndef RK_POLICY_H
#define RK_POLICY_H

#include <stdbool.h>

#include "core/core.h"
#include "stix/stix.h"
#include "store/store.h"

/* Tokens: "rk_" and 64 hex digits (32 random bytes). */
#define POLICY_TOKEN_LEN    68
#define POLICY_TOKEN_PREFIX "rk_"

/* The hub: the store and the settings every capability needs. */
struct rk_hub {
    struct store *store;
    char api_root[64];                 /* path segment of the single API root, e.g. "hub" */
    char title[128];                   /* API root and discovery title */
    size_t max_content_length;         /* bytes; advertised in the API root resource */
    char identity_id[STIX_ID_MAX + 1]; /* the hub's own STIX identity id */
};

/* The requester of one request, as authentication established it. */
struct policy_principal {
    bool authenticated;       /* false: anonymous (public collections only) */
    char org_id[RK_UUID_LEN]; /* requester's organisation, "" when anonymous */
    char org_name[128];
    char sector[64];
    int role; /* enum store_role; READER when anonymous */
};

/*
 * Authenticates an Authorization header value: "Bearer <token>" or "Basic <b64(user:token)>"
 * (the user part is ignored; the password is the token). NULL authorization gives an
 * anonymous principal and returns 0. A malformed header, unknown token or token of a
 * deleted organisation returns RK_E_UNAUTH with err saying which.
 */
int policy_authenticate(struct store *s, const char *authorization, struct policy_principal *out,
                        struct rk_err *err);

/* Audience specs: "all", "public", "sector:a,b" or "org:n,m". 0 or RK_E_INVALID naming the
 * bad part (unknown sector, unknown organisation, empty list...). */
int policy_spec_check(struct store *s, const char *spec, struct rk_err *err);

/* True if who is in the audience spec (public admits anonymous requesters; the
 * coordinator is in every audience). */
bool policy_in_audience(const struct policy_principal *who, const char *spec);

/* Collection permissions, as TAXII can_read / can_write report them. */
bool policy_may_read_collection(const struct policy_principal *who,
                                const struct store_collection *c);
bool policy_may_write_collection(const struct policy_principal *who,
                                 const struct store_collection *c);

/*
 * THE access check: may who see this object version of collection c? Every endpoint that
 * returns object data (objects, object, versions, manifest, status details, and everything
 * later issues add) calls this, usually as the store_filter_fn of a query through
 * policy_row_filter. Today it admits exactly the readers of the collection.
 */
bool policy_may_read_object(const struct policy_principal *who, const struct store_collection *c,
                            const struct store_row *row);

/* Adapter so that a store query applies the access check to every row. */
struct policy_filter_ctx {
    const struct policy_principal *who;
    const struct store_collection *collection;
};
bool policy_row_filter(void *ctx, const struct store_row *row); /* ctx: policy_filter_ctx */

/* ---- managing the hub (used by the CLI and the admin API alike) ------------------------ */

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

/* Loads hub settings into hub (store must be initialised). */
int policy_hub_load(struct store *s, struct rk_hub *hub, struct rk_err *err);

/* Adds an organisation; sector must be in the sector table. Fills out (caller clears). */
int policy_org_add(struct store *s, const char *name, const char *sector, int anonymity,
                   struct store_org *out, struct rk_err *err);

/* Role names: "reader", "contributor", "analyst", "coordinator". -1 if unknown. */
int policy_role_parse(const char *name);
const char *policy_role_name(int role);

/* Anonymity names: "named", "sector", "anonymous". -1 if unknown. */
int policy_anonymity_parse(const char *name);
const char *policy_anonymity_name(int mode);

/* Creates a token for org (id or name) with role; the secret goes to token_out and is
 * never stored. */
int policy_token_create(struct store *s, const char *org, int role, const char *label,
                        char token_out[POLICY_TOKEN_LEN + 1], struct rk_err *err);

/* Adds a collection after checking both specs. Fills out (caller clears). */
int policy_collection_add(struct store *s, const char *title, const char *description,
                          const char *alias, const char *read_spec, const char *write_spec,
                          struct store_collection *out, struct rk_err *err);

/* True if sector is in the hub's sector table (data/sectors.tsv, loaded into the store). */
bool policy_sector_known(struct store *s, const char *sector);

#endif /* RK_POLICY_H */
