/* SPDX-License-Identifier: Apache-2.0 */
/*
 * taxii_int.h: internals of the TAXII module shared by its files, its unit tests and the
 * query fuzz driver: the parsed form of a request's filter and paging parameters, what every
 * handler checks first (API root, requester, collection), and the handlers routes.c lists.
 */
#ifndef RK_TAXII_INT_H
#define RK_TAXII_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"
#include "policy/auth.h"
#include "policy/hub.h"
#include "store/store.h"

#define TAXII_PAGE_MAX   1000 /* server page limit: default and maximum */
#define TAXII_MATCH_MAX  100  /* values in one match[...] field; more is a 400 */
#define TAXII_STIX_MEDIA "application/stix+json;version=2.1" /* media_type of the content */

/* Which parameters an endpoint honours; the others are ignored, as the spec allows. */
enum taxii_query_fields {
    TAXII_Q_ADDED_AFTER = 1 << 0,
    TAXII_Q_LIMIT = 1 << 1,
    TAXII_Q_NEXT = 1 << 2,
    TAXII_Q_ID = 1 << 3,
    TAXII_Q_TYPE = 1 << 4,
    TAXII_Q_VERSION = 1 << 5,
    TAXII_Q_SPEC_VERSION = 1 << 6,
    TAXII_Q_PAGING = TAXII_Q_ADDED_AFTER | TAXII_Q_LIMIT | TAXII_Q_NEXT,
};

/* A parsed query. Strings point into owned[], which taxii_query_free releases. */
struct taxii_query {
    rk_time_us added_after; /* max(added_after, next); -1 when neither was given */
    bool has_added_after;   /* added_after or next was given */
    size_t limit;           /* 1..TAXII_PAGE_MAX */
    const char *ids[TAXII_MATCH_MAX];
    size_t n_ids;
    const char *types[TAXII_MATCH_MAX];
    size_t n_types;
    const char *spec_versions[TAXII_MATCH_MAX];
    size_t n_spec_versions;
    unsigned version_sel; /* enum store_version_sel; 0 = last */
    rk_time_us versions[TAXII_MATCH_MAX];
    size_t n_versions;
    char *owned[4]; /* copies of the comma lists, split in place */
};

/*
 * Parses params (in request order) into q, honouring only the fields in allowed. Returns 0,
 * or RK_E_INVALID with err naming the parameter and what is wrong (the caller answers
 * 400). Always call taxii_query_free(q) afterwards, also on error.
 */
int taxii_query_parse(const struct http_param *params, size_t n, unsigned allowed,
                      struct taxii_query *q, struct rk_err *err);

/* Releases what q owns; q may then be parsed into again. */
void taxii_query_free(struct taxii_query *q);

/* Fills a store query for collection_id from q (q must outlive sq). */
void taxii_query_to_store(const struct taxii_query *q, const char *collection_id,
                          struct store_query *sq);

/* ---- request.c: what every handler checks first ------------------------------------ */

/* The requester of req: its principal, or a static unauthenticated reader. Never NULL. */
const struct policy_principal *taxii_requester(const struct http_request *req);

/* 0 if the request's first capture names hub's API root, else RK_E_NOTFOUND (err set). */
int taxii_check_root(const struct rk_hub *hub, const struct http_request *req, struct rk_err *err);

/*
 * Loads the collection whose id, else whose alias, is id (as the path names it) for who into
 * *c and says whether who may read and write it. Returns 0, RK_E_NOTFOUND if it does not exist
 * or who may neither read nor write it (its existence is not revealed), or a store error; err
 * says which. On success the caller clears *c with store_collection_clear (c->id is the
 * collection's id whatever the path named it by); on failure *c holds nothing.
 */
int taxii_load_collection(const struct rk_hub *hub, const struct policy_principal *who,
                          const char *id, struct store_collection *c, bool *can_read,
                          bool *can_write, struct rk_err *err);

/*
 * ---- the handlers (http_handler_fn), listed by routes.c ---------------------------------
 * Each takes the hub as ctx, writes its answer into resp and returns 0, or a negative RK_E_*
 * code with err saying what is wrong (the server turns it into the TAXII error body).
 */
int taxii_get_discovery(void *ctx, struct http_request *req, struct http_response *resp,
                        struct rk_err *err); /* resources.c */
int taxii_get_api_root(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err); /* resources.c */
int taxii_get_status(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err); /* resources.c */
int taxii_get_collections(void *ctx, struct http_request *req, struct http_response *resp,
                          struct rk_err *err); /* collections.c */
int taxii_get_collection(void *ctx, struct http_request *req, struct http_response *resp,
                         struct rk_err *err); /* collections.c */
int taxii_get_objects(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err); /* read.c */
int taxii_get_manifest(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err); /* read.c */
int taxii_get_object(void *ctx, struct http_request *req, struct http_response *resp,
                     struct rk_err *err); /* read.c */
int taxii_get_versions(void *ctx, struct http_request *req, struct http_response *resp,
                       struct rk_err *err); /* read.c */
int taxii_delete_object(void *ctx, struct http_request *req, struct http_response *resp,
                        struct rk_err *err); /* read.c */
int taxii_add_objects(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err); /* add.c */

#endif /* RK_TAXII_INT_H */
