/* SPDX-License-Identifier: Apache-2.0 */
/*
 * access.c: THE access check. policy_may_read_object decides whether a requester may see one
 * stored object version (collection audience, TLP, scope, named recipients, green delay, and
 * for relationships and sightings the visibility of what they join); policy_query_checked is
 * the only caller of store_query outside the store, so no read path can skip the check, and
 * the read doors on top of it (policy_query here, policy_hub_query in hub_read.c) write the
 * audit entry for reads of AMBER data and above.
 */
#include "policy/policy_int.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_HOUR ((rk_time_us)3600 * 1000000)

static bool is_member(const struct policy_principal *who)
{
    return policy_is_member(who) && who->org_id[0] != '\0';
}

/* Remembers the first store failure met inside a check (the check itself then refuses, and
 * policy_query reports the failure once the query is over). */
static void store_failed(struct policy_access_ctx *ax, int rc)
{
    if (ax->store_rc == 0)
        ax->store_rc = rc;
}

/* Whether tlp_allows may depend on a row's date_added for this requester: a member held
 * back by the green delay. */
static bool green_delay_applies(const struct policy_access_ctx *ax)
{
    return ax->green_delay_hours > 0 && !ax->contributed && is_member(ax->who) &&
           !policy_is_coordinator(ax->who);
}

/* Whether who is a member and the row's source organisation. */
static bool is_source(const struct policy_principal *who, const struct store_access *a)
{
    return is_member(who) && a->source_org != NULL && strcmp(a->source_org, who->org_id) == 0;
}

/* Whether who is one of the row's named recipients (a list walk: asked only when needed). */
static bool is_recipient(const struct policy_principal *who, const struct store_access *a)
{
    return is_member(who) && policy_list_has(a->recipients, who->org_id);
}

/* The TLP part of the rule for one row (the collection audience is checked by the caller). */
static bool tlp_allows(const struct policy_access_ctx *ax, const struct store_row *row)
{
    const struct policy_principal *who = ax->who;
    const struct store_access *a = &row->access;

    switch (a->tlp) {
    case POLICY_TLP_CLEAR:
        return true;
    case POLICY_TLP_GREEN:
        if (!is_member(who))
            return false;
        if (green_delay_applies(ax) && !is_source(who, a))
            return row->date_added <= ax->now - (rk_time_us)ax->green_delay_hours * US_PER_HOUR;
        return true;
    case POLICY_TLP_AMBER:
        if (!is_member(who))
            return false;
        if (policy_is_coordinator(who) || is_source(who, a) || is_recipient(who, a))
            return true;
        if (a->scope == NULL || a->scope[0] == '\0')
            return true; /* the collection's audience, already checked */
        return policy_in_audience(who, a->scope);
    case POLICY_TLP_AMBER_STRICT:
        return is_source(who, a) || is_recipient(who, a) || policy_is_coordinator(who);
    default:
        /* RED, and NONE or anything unknown treated as RED: the coordinator reaches these
         * only through the audited provenance vault. */
        return is_source(who, a) || is_recipient(who, a);
    }
}

/* The collection of a row found by find_object, from the lazily loaded list. */
static const struct store_collection *collection_of(struct policy_access_ctx *ax, const char *id)
{
    struct rk_err e2 = {0};

    if (id == NULL)
        return NULL;
    if (ax->collection != NULL && strcmp(ax->collection->id, id) == 0)
        return ax->collection;
    if (!ax->colls_loaded) {
        int rc = store_collection_list(ax->hub->store, &ax->colls, &ax->n_colls, &e2);
        if (rc < 0) {
            store_failed(ax, rc);
            return NULL;
        }
        ax->colls_loaded = true;
    }
    for (size_t i = 0; i < ax->n_colls; i++)
        if (strcmp(ax->colls[i].id, id) == 0)
            return &ax->colls[i];
    return NULL;
}

struct join_probe {
    struct policy_access_ctx *ax;
    bool visible;
};

/* find_object callback: stops at the first version of the joined id the requester may see
 * (its own joins are not followed: one level only). */
static int join_row(void *ctx, const struct store_row *row)
{
    struct join_probe *jp = ctx;
    const struct store_collection *c = collection_of(jp->ax, row->collection_id);

    if (c != NULL && policy_may_read_collection(jp->ax->who, c) && tlp_allows(jp->ax, row)) {
        jp->visible = true;
        return 1;
    }
    return 0;
}

/* Records the id of a row the requester may see in the ring of recent rows. */
static void remember_row(struct policy_access_ctx *ax, const char *id, size_t len)
{
    struct policy_recent_row *r = &ax->recent[ax->next_recent];

    assert(len <= STIX_ID_MAX);
    memcpy(r->id, id, len); /* not snprintf: this runs for every row of every page */
    r->id[len] = '\0';
    ax->next_recent = (ax->next_recent + 1) % POLICY_RECENT_ROWS;
    if (ax->n_recent < POLICY_RECENT_ROWS)
        ax->n_recent++;
}

/* Records the verdict on joined id (len bytes); past POLICY_JOIN_VERDICTS_MAX verdicts the
 * request forgets them all first. */
static void remember_join(struct policy_access_ctx *ax, const char *id, size_t len, bool visible)
{
    if (rk_strset_count(&ax->joins_visible) + rk_strset_count(&ax->joins_hidden) >=
        POLICY_JOIN_VERDICTS_MAX) {
        rk_strset_clear(&ax->joins_visible);
        rk_strset_clear(&ax->joins_hidden);
    }
    rk_strset_add(visible ? &ax->joins_visible : &ax->joins_hidden, id, len);
}

/*
 * True if id is the identity of the organisation source_org, the poster of the row being
 * checked. That identity is never stored as an object, yet a named member's sighting
 * legitimately points at it (where_sighted_refs); the anonymiser has already rewritten every
 * reference to a hidden contributor, so it survives only in what the organisation posted
 * under its own name. Any other organisation's identity is not admitted: that would let a
 * member test guessed identity ids against the register (security review F7).
 */
static bool is_own_identity(struct policy_access_ctx *ax, const char *source_org, const char *id)
{
    struct rk_err e2 = {0};

    if (source_org == NULL || source_org[0] == '\0' || !rk_starts_with(id, "identity--"))
        return false;
    if (!ax->orgs_loaded) {
        int rc = store_org_list(ax->hub->store, &ax->orgs, &ax->n_orgs, &e2);
        if (rc < 0) {
            store_failed(ax, rc);
            return false;
        }
        ax->orgs_loaded = true;
    }
    for (size_t i = 0; i < ax->n_orgs; i++)
        if (strcmp(ax->orgs[i].id, source_org) == 0)
            return ax->orgs[i].identity_id != NULL && strcmp(ax->orgs[i].identity_id, id) == 0;
    return false;
}

/* Whether some stored version of id (len bytes) is visible; the hub identity always is.
 * Each distinct id is looked up in the store once per request (while the request has met
 * fewer than POLICY_JOIN_VERDICTS_MAX). */
static bool join_visible(struct policy_access_ctx *ax, const char *id, size_t len)
{
    struct join_probe jp = {ax, false};
    struct rk_err e2 = {0};
    int rc;

    if (ax->hub->identity_id[0] != '\0' && strcmp(id, ax->hub->identity_id) == 0)
        return true;
    if (rk_strset_has(&ax->joins_visible, id, len))
        return true;
    if (rk_strset_has(&ax->joins_hidden, id, len))
        return false;
    for (size_t i = 0; i < ax->n_recent; i++) {
        if (strcmp(ax->recent[i].id, id) == 0) {
            remember_join(ax, id, len, true);
            return true;
        }
    }
    ax->join_lookups++;
    rc = store_find_object(ax->hub->store, id, join_row, &jp, &e2);
    if (rc < 0) {
        store_failed(ax, rc);
        return false;
    }
    remember_join(ax, id, len, jp.visible);
    return jp.visible;
}

/* Every space-separated id of joins must be visible (or be the poster's own identity). */
static bool joins_visible(struct policy_access_ctx *ax, const char *joins, const char *source_org)
{
    const char *p = joins;
    char id[STIX_ID_MAX + 1];

    while (p != NULL && *p != '\0') {
        size_t len;
        while (*p == ' ')
            p++;
        len = strcspn(p, " ");
        if (len == 0)
            break;
        if (len > STIX_ID_MAX)
            return false; /* not an id we could have stored */
        memcpy(id, p, len);
        id[len] = '\0';
        if (!join_visible(ax, id, len) && !is_own_identity(ax, source_org, id))
            return false;
        p += len;
    }
    return true;
}

/*
 * Whether joins lists more than POLICY_JOINS_MAX ids. Ingest stores each id once and at most
 * that many; only a row stored before that cap can list more. Reads at most the first
 * POLICY_JOINS_MAX + 1 ids, without a lookup.
 */
static bool joins_over_cap(const char *joins)
{
    const char *p = joins;
    size_t n = 0;

    while (*p != '\0') {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        if (++n > POLICY_JOINS_MAX)
            return true;
        p += strcspn(p, " ");
    }
    return false;
}

/* policy_may_read_object once the row's collection admits the requester. */
static bool row_allows(struct policy_access_ctx *ax, const struct store_row *row)
{
    size_t len;

    if (!tlp_allows(ax, row))
        return false;
    if (row->access.joins != NULL && row->access.joins[0] != '\0') {
        /* A row over the joins cap (stored before it) is its source's alone, so that the
         * source can still delete it: checking its joins would cost every reader. */
        if (joins_over_cap(row->access.joins)) {
            if (!is_source(ax->who, &row->access))
                return false;
        } else if (!joins_visible(ax, row->access.joins, row->access.source_org)) {
            return false;
        }
    }
    /*
     * A version the requester may see makes its id a visible join end. Rows stream in
     * date_added order and feeds post the ends of a relationship just before it, so this
     * spares most relationships of a page a store lookup per end. (An invisible version
     * proves nothing: another version may be visible, so only positive verdicts are kept.)
     */
    if (row->id != NULL && (len = strlen(row->id)) <= STIX_ID_MAX)
        remember_row(ax, row->id, len);
    return true;
}

bool policy_may_read_object(struct policy_access_ctx *ax, const struct store_row *row)
{
    const struct store_collection *c;

    if (ax == NULL || row == NULL)
        return false;
    c = row->collection_id != NULL ? collection_of(ax, row->collection_id) : ax->collection;
    if (c == NULL || !policy_may_read_collection(ax->who, c))
        return false;
    return row_allows(ax, row);
}

/* What id_probe looks for: a version ax->who may see, posted by source (any when NULL). */
struct id_probe {
    struct policy_access_ctx *ax;
    const char *source;
    bool found;
};

static int id_probe_row(void *ctx, const struct store_row *row)
{
    struct id_probe *ip = ctx;

    if (ip->source != NULL &&
        (row->access.source_org == NULL || strcmp(row->access.source_org, ip->source) != 0))
        return 0;
    if (!policy_may_read_object(ip->ax, row))
        return 0;
    ip->found = true;
    return 1;
}

bool policy_may_read_id(struct policy_access_ctx *ax, const char *id, const char *source_org)
{
    struct id_probe ip = {ax, source_org != NULL && source_org[0] != '\0' ? source_org : NULL,
                          false};
    struct rk_err e2 = {0};
    int rc;

    if (ax == NULL || id == NULL || id[0] == '\0')
        return false;
    rc = store_find_object(ax->hub->store, id, id_probe_row, &ip, &e2);
    if (rc < 0) {
        store_failed(ax, rc);
        return false;
    }
    return ip.found;
}

int policy_access_init(struct policy_access_ctx *ax, struct rk_hub *hub,
                       const struct policy_principal *who, const struct store_collection *c,
                       const char *route, struct rk_err *err)
{
    int64_t n = 0;
    int rc;

    /* Everything but the ring of recent rows (about 10 KiB, read only below n_recent). */
    memset(ax, 0, offsetof(struct policy_access_ctx, recent));
    memset((char *)ax + offsetof(struct policy_access_ctx, recent) + sizeof(ax->recent), 0,
           sizeof(*ax) - offsetof(struct policy_access_ctx, recent) - sizeof(ax->recent));
    ax->hub = hub;
    ax->who = who;
    ax->collection = c;
    ax->route = route != NULL ? route : "";
    ax->now = rk_time_now();
    rc = policy_cache_green_delay(hub->store, &ax->green_delay_hours, err);
    if (rc < 0)
        return rc;
    if (ax->green_delay_hours > 0 && is_member(who) && !policy_is_coordinator(who)) {
        rc = store_credit_sum(hub->store, who->org_id, "contribution", &n, err);
        if (rc < 0)
            return rc;
        ax->contributed = n > 0;
    }
    return 0;
}

void policy_access_clear(struct policy_access_ctx *ax)
{
    if (ax == NULL)
        return;
    store_collections_free(ax->colls, ax->n_colls);
    ax->colls = NULL;
    ax->n_colls = 0;
    ax->colls_loaded = false;
    store_orgs_free(ax->orgs, ax->n_orgs);
    ax->orgs = NULL;
    ax->n_orgs = 0;
    ax->orgs_loaded = false;
    rk_strset_free(&ax->joins_visible);
    rk_strset_free(&ax->joins_hidden);
}

/* What policy_query_checked threads through the store's filter. */
struct query_run {
    struct policy_access_ctx *ax;
    /* Version selection decided here rather than by the store (see policy_query_checked): */
    const struct store_query *q; /* the caller's query */
    unsigned sel;                /* its enum store_version_sel bits; 0 = the store decides */
    bool coll_ok;                /* ax->who may read ax->collection (asked once per query) */
};

/* What version_probe looks for: a visible version of row's id, in its collection, newer
 * (newer true) or older than row. */
struct version_probe {
    struct policy_access_ctx *ax;
    const struct store_row *row;
    bool newer;
    bool found;
};

static int version_probe_row(void *ctx, const struct store_row *r)
{
    struct version_probe *vp = ctx;
    const struct store_row *row = vp->row;

    if (r->collection_id == NULL || strcmp(r->collection_id, row->collection_id) != 0)
        return 0;
    if (vp->newer ? r->version <= row->version : r->version >= row->version)
        return 0;
    if (!policy_may_read_object(vp->ax, r))
        return 0;
    vp->found = true;
    return 1;
}

/*
 * True if the requester may see another version of row's id in row's collection that is
 * newer (newer true) or older than row. A store failure counts as found (the row is then
 * not returned) and is reported through ax->store_rc.
 */
static bool other_version_visible(struct policy_access_ctx *ax, const struct store_row *row,
                                  bool newer)
{
    struct version_probe vp = {ax, row, newer, false};
    struct rk_err e2 = {0};
    int rc = store_find_object(ax->hub->store, row->id, version_probe_row, &vp, &e2);

    if (rc < 0) {
        store_failed(ax, rc);
        return true;
    }
    return vp.found;
}

static bool in_versions(const struct store_query *q, rk_time_us v)
{
    for (size_t i = 0; q->versions != NULL && i < q->n_versions; i++)
        if (q->versions[i] == v)
            return true;
    return false;
}

/*
 * The access check of one row, and when policy_query decides the version selection (qr->sel
 * not 0), whether the row is selected: last = the latest version the requester may see,
 * first = the earliest, specific = a listed version. A visible row the store flags is_last
 * (is_first) is that version at no extra cost; any other visible row is, when no newer
 * (older) version of its id in the collection is visible, found by one find_object.
 */
static bool query_filter(void *ctx, const struct store_row *row)
{
    struct query_run *qr = ctx;
    struct policy_access_ctx *ax = qr->ax;
    unsigned sel = qr->sel;

    /* The store names the query's collection with the query's own pointer: ax->collection,
     * whose audience was checked once. Any other row takes the whole check. */
    if (row->collection_id == qr->q->collection_id ? !qr->coll_ok || !row_allows(ax, row)
                                                   : !policy_may_read_object(ax, row))
        return false;
    if (sel == 0)
        return true; /* the store selected the versions */
    if ((sel & STORE_VERSION_SPECIFIC) && in_versions(qr->q, row->version))
        return true;
    if ((sel & STORE_VERSION_LAST) && (row->is_last || !other_version_visible(ax, row, true)))
        return true;
    if ((sel & STORE_VERSION_FIRST) && (row->is_first || !other_version_visible(ax, row, false)))
        return true;
    return false;
}

bool policy_audit_tlp(int tlp)
{
    return tlp >= POLICY_TLP_AMBER || tlp == POLICY_TLP_NONE;
}

void policy_audit_item(struct rk_buf *b, size_t *n, const struct store_row *row)
{
    char version[RK_TIME_LEN];

    rk_time_format(row->version, version);
    rk_buf_puts(b, (*n)++ ? ",{\"id\":" : "{\"id\":");
    rk_buf_json_string(b, row->id);
    rk_buf_printf(b, ",\"version\":\"%s\",\"tlp\":\"%s\"}", version,
                  policy_tlp_name(row->access.tlp));
}

int policy_query_checked(struct policy_access_ctx *ax, const struct store_query *q, store_row_fn fn,
                         void *fn_ctx, struct store_page *page, struct rk_err *err)
{
    struct query_run qr = {ax, q, 0, false};
    struct store_query all;
    unsigned sel;
    int rc;

    if (ax == NULL || ax->collection == NULL || q == NULL || q->collection_id == NULL ||
        strcmp(q->collection_id, ax->collection->id) != 0)
        return rk_err_set(err, RK_E_INTERNAL, "policy_query: query and access context disagree");
    ax->store_rc = 0;
    qr.coll_ok = policy_may_read_collection(ax->who, ax->collection);
    /*
     * last and first mean the latest / earliest version THIS requester may see. The store's
     * is_last / is_first flags pick the newest / oldest stored version whoever may see it:
     * selecting by them before the access check would make an object vanish when its newest
     * version is hidden, telling the reader that a newer version exists. So such queries
     * scan every version and query_filter decides the selection after the access check.
     *
     * For "last" alone the scan skips every version that has a newer version of the same
     * access metadata (store_query.skip_shadowed): the check gives both the same verdict
     * unless it depends on date_added (the green delay), so if the older one is visible the
     * newer one is too, and the older one is never the latest visible version. What remains
     * are the latest versions (no lookup) and the few older ones whose newer versions differ
     * in access (one lookup each, as before).
     */
    sel = q->version_sel != 0 ? q->version_sel : STORE_VERSION_LAST;
    if (!(sel & STORE_VERSION_ALL) && (sel & (STORE_VERSION_LAST | STORE_VERSION_FIRST))) {
        all = *q;
        all.version_sel = STORE_VERSION_ALL;
        all.versions = NULL;
        all.n_versions = 0;
        all.skip_shadowed = sel == STORE_VERSION_LAST && !green_delay_applies(ax);
        qr.sel = sel;
        q = &all;
    }
    /* The check and the audit read a row's id, version, date_added, flags, tlp, source_org,
     * scope, recipients and joins only, never spec_version, source_sector or rule: a lean
     * query (store_query.lean) goes to the store as the caller made it. Joins and version
     * probes read full rows through store_find_object. */
    rc = store_query(ax->hub->store, q, query_filter, &qr, fn, fn_ctx, page, err);
    if (rc == 0 && ax->store_rc < 0)
        rc = rk_err_set(err, ax->store_rc, "access check: the store failed during a join check");
    return rc;
}

/* What policy_query's row callback threads through: the caller's, and the audit items. */
struct audit_run {
    store_row_fn fn;
    void *fn_ctx;
    struct rk_buf items; /* {"id":..,"version":..,"tlp":..} items of returned AMBER+ rows */
    size_t n_items;
};

static int audit_row(void *ctx, const struct store_row *row)
{
    struct audit_run *ar = ctx;

    if (policy_audit_tlp(row->access.tlp))
        policy_audit_item(&ar->items, &ar->n_items, row);
    return ar->fn(ar->fn_ctx, row);
}

int policy_query(struct policy_access_ctx *ax, const struct store_query *q, store_row_fn fn,
                 void *fn_ctx, struct store_page *page, struct rk_err *err)
{
    struct audit_run ar = {fn, fn_ctx, RK_BUF_INIT, 0};
    struct rk_buf detail = RK_BUF_INIT;
    int rc = policy_query_checked(ax, q, fn != NULL ? audit_row : NULL, &ar, page, err);

    if (rc == 0 && ar.n_items > 0) {
        rk_buf_puts(&detail, "{\"objects\":[");
        rk_buf_append(&detail, ar.items.data, ar.items.len);
        rk_buf_puts(&detail, "]}");
        rc = policy_audit_append(ax->hub->store, ax->who, POLICY_AUDIT_READ, ax->route,
                                 ax->collection->id, detail.data, err);
    }
    rk_buf_free(&detail);
    rk_buf_free(&ar.items);
    return rc;
}
