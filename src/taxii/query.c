/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query.c: parses TAXII 2.1 filter and paging parameters (added_after, limit, next and
 * match[id|type|version|spec_version]) into a store query, rejecting with a 400 everything
 * the specification calls malformed. Kept apart from the handlers so it can be fuzzed.
 */
#include "taxii/taxii_int.h"

#include <stdlib.h>
#include <string.h>

enum { OWN_ID, OWN_TYPE, OWN_SPEC, OWN_VERSION };

/*
 * Copies a comma-separated list into q->owned[slot] and splits it into out[]. Empty
 * elements and more than TAXII_MATCH_MAX values are errors.
 */
static int split_list(struct taxii_query *q, int slot, const char *key, const char *value,
                      const char **out, size_t *n, struct rk_err *err)
{
    char *copy = rk_strdup(value);
    q->owned[slot] = copy;
    *n = 0;
    char *p = copy;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        if (*p == '\0')
            return rk_err_set(err, RK_E_INVALID, "%s: empty value in list", key);
        if (*n == TAXII_MATCH_MAX)
            return rk_err_set(err, RK_E_INVALID, "%s: more than %d values", key, TAXII_MATCH_MAX);
        out[(*n)++] = p;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return 0;
}

/* "2.1", "2.0": digits, a dot, digits. */
static bool spec_version_ok(const char *s)
{
    size_t a = strspn(s, "0123456789");
    if (a == 0 || a > 3 || s[a] != '.')
        return false;
    size_t b = strspn(s + a + 1, "0123456789");
    return b > 0 && b <= 3 && s[a + 1 + b] == '\0';
}

static int parse_versions(struct taxii_query *q, const char *value, struct rk_err *err)
{
    const char *vals[TAXII_MATCH_MAX];
    size_t n = 0;
    int rc = split_list(q, OWN_VERSION, "match[version]", value, vals, &n, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        unsigned bit;
        if (strcmp(vals[i], "first") == 0) {
            bit = STORE_VERSION_FIRST;
        } else if (strcmp(vals[i], "last") == 0) {
            bit = STORE_VERSION_LAST;
        } else if (strcmp(vals[i], "all") == 0) {
            bit = STORE_VERSION_ALL;
        } else {
            rk_time_us t;
            if (rk_time_parse(vals[i], &t) != 0)
                return rk_err_set(err, RK_E_INVALID,
                                  "match[version]: '%.64s' is not first, last, all or a "
                                  "timestamp",
                                  vals[i]);
            for (size_t j = 0; j < q->n_versions; j++)
                if (q->versions[j] == t)
                    return rk_err_set(err, RK_E_INVALID,
                                      "match[version]: %.64s given more than once", vals[i]);
            q->versions[q->n_versions++] = t;
            q->version_sel |= STORE_VERSION_SPECIFIC;
            continue;
        }
        if (q->version_sel & bit)
            return rk_err_set(err, RK_E_INVALID, "match[version]: %s given more than once",
                              vals[i]);
        q->version_sel |= bit;
    }
    if ((q->version_sel & STORE_VERSION_ALL) && q->version_sel != STORE_VERSION_ALL)
        return rk_err_set(err, RK_E_INVALID,
                          "match[version]: 'all' cannot be combined with other versions");
    return 0;
}

/* Parses a limit; values above the server limit (even past int64) are clamped. */
static int parse_limit(const char *v, size_t *out, struct rk_err *err)
{
    size_t digits = strspn(v, "0123456789");
    if (digits == 0 || v[digits] != '\0')
        return rk_err_set(err, RK_E_INVALID, "limit: '%.32s' is not a positive integer", v);
    const char *p = v;
    while (*p == '0')
        p++;
    if (*p == '\0')
        return rk_err_set(err, RK_E_INVALID, "limit: must be greater than zero");
    int64_t n;
    if (strlen(p) > 9 || rk_parse_int64(p, 1, INT64_MAX, &n) != 0 || n > TAXII_PAGE_MAX)
        n = TAXII_PAGE_MAX;
    *out = (size_t)n;
    return 0;
}

int taxii_query_parse(const struct http_param *params, size_t n, unsigned allowed,
                      struct taxii_query *q, struct rk_err *err)
{
    unsigned seen = 0;
    rk_time_us added_after = -1, next = -1;
    int rc = 0;

    /* Field by field, not one memset: the four value arrays (about 3 KiB) are only read
     * below their counts. */
    q->n_ids = q->n_types = q->n_spec_versions = q->n_versions = 0;
    q->version_sel = 0;
    q->has_added_after = false;
    memset(q->owned, 0, sizeof(q->owned));
    q->added_after = -1;
    q->limit = TAXII_PAGE_MAX;
    for (size_t i = 0; i < n; i++) {
        const char *k = params[i].key;
        const char *v = params[i].value != NULL ? params[i].value : "";
        unsigned field;
        if (k == NULL)
            continue;
        if (strcmp(k, "added_after") == 0)
            field = TAXII_Q_ADDED_AFTER;
        else if (strcmp(k, "limit") == 0)
            field = TAXII_Q_LIMIT;
        else if (strcmp(k, "next") == 0)
            field = TAXII_Q_NEXT;
        else if (strcmp(k, "match[id]") == 0)
            field = TAXII_Q_ID;
        else if (strcmp(k, "match[type]") == 0)
            field = TAXII_Q_TYPE;
        else if (strcmp(k, "match[version]") == 0)
            field = TAXII_Q_VERSION;
        else if (strcmp(k, "match[spec_version]") == 0)
            field = TAXII_Q_SPEC_VERSION;
        else
            continue; /* unknown parameters and match fields are ignored */
        if (!(allowed & field))
            continue;
        if (seen & field)
            return rk_err_set(err, RK_E_INVALID, "%s: given more than once", k);
        seen |= field;
        switch (field) {
        case TAXII_Q_ADDED_AFTER:
            if (rk_time_parse(v, &added_after) != 0)
                return rk_err_set(err, RK_E_INVALID,
                                  "added_after: '%.64s' is not an RFC 3339 UTC timestamp", v);
            break;
        case TAXII_Q_LIMIT:
            rc = parse_limit(v, &q->limit, err);
            break;
        case TAXII_Q_NEXT:
            if (strspn(v, "0123456789") != strlen(v) || rk_parse_int64(v, 0, INT64_MAX, &next) != 0)
                return rk_err_set(err, RK_E_INVALID,
                                  "next: '%.64s' is not a value this server issued", v);
            break;
        case TAXII_Q_ID:
            rc = split_list(q, OWN_ID, k, v, q->ids, &q->n_ids, err);
            break;
        case TAXII_Q_TYPE:
            rc = split_list(q, OWN_TYPE, k, v, q->types, &q->n_types, err);
            break;
        case TAXII_Q_SPEC_VERSION:
            rc = split_list(q, OWN_SPEC, k, v, q->spec_versions, &q->n_spec_versions, err);
            for (size_t j = 0; rc == 0 && j < q->n_spec_versions; j++)
                if (!spec_version_ok(q->spec_versions[j]))
                    rc = rk_err_set(err, RK_E_INVALID,
                                    "match[spec_version]: '%.32s' is not a version like 2.1",
                                    q->spec_versions[j]);
            break;
        case TAXII_Q_VERSION:
            rc = parse_versions(q, v, err);
            break;
        default:
            break;
        }
        if (rc < 0)
            return rc;
    }
    q->added_after = added_after > next ? added_after : next;
    q->has_added_after = q->added_after >= 0 || (seen & (TAXII_Q_ADDED_AFTER | TAXII_Q_NEXT));
    return 0;
}

void taxii_query_free(struct taxii_query *q)
{
    for (size_t i = 0; i < sizeof(q->owned) / sizeof(q->owned[0]); i++) {
        free(q->owned[i]);
        q->owned[i] = NULL;
    }
}

void taxii_query_to_store(const struct taxii_query *q, const char *collection_id,
                          struct store_query *sq)
{
    memset(sq, 0, sizeof(*sq));
    sq->collection_id = collection_id;
    sq->added_after = q->added_after;
    sq->limit = q->limit;
    sq->ids = q->n_ids ? q->ids : NULL;
    sq->n_ids = q->n_ids;
    sq->types = q->n_types ? q->types : NULL;
    sq->n_types = q->n_types;
    sq->spec_versions = q->n_spec_versions ? q->spec_versions : NULL;
    sq->n_spec_versions = q->n_spec_versions;
    sq->version_sel = q->version_sel;
    sq->versions = q->n_versions ? q->versions : NULL;
    sq->n_versions = q->n_versions;
    sq->with_json = true;
    /* No TAXII answer and not the access check reads spec_version, source_sector or rule
     * (match[spec_version] filters in the store's SQL): skip reading them per row. */
    sq->lean = true;
}
