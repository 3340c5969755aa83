/* SPDX-License-Identifier: Apache-2.0 */
/*
 * taxii_int.h: internals of the TAXII module shared by its files, its unit tests and the
 * query fuzz driver: the parsed form of a request's filter and paging parameters.
 */
#ifndef RK_TAXII_INT_H
#define RK_TAXII_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"
#include "store/store.h"

#define TAXII_PAGE_MAX  1000 /* server page limit: default and maximum */
#define TAXII_MATCH_MAX 100  /* values in one match[...] field; more is a 400 */

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

#endif /* RK_TAXII_INT_H */
