/* SPDX-License-Identifier: Apache-2.0 */
/*
 * access.h: the one door for reads of object data. Audiences and collection permissions
 * (audience.c), the access context of one read, policy_query (one collection) and
 * policy_hub_query (every collection the requester may read), both access-checked and
 * audited (access.c, hub_read.c), status resources (status.c), and the one hub-internal
 * read that has no requester, for in-memory indexes (index_read.c, policy_index_scan). The per-row
 * verdict itself (policy_may_read_object) is internal (policy_int.h): no caller outside the policy
 * layer reads an object without the audit that goes with it.
 */
#ifndef RK_POLICY_ACCESS_H
#define RK_POLICY_ACCESS_H

#include <stdbool.h>

#include "core/core.h"
#include "policy/auth.h"
#include "policy/hub.h"
#include "store/store.h"

/* True if who is in the audience spec (public admits anonymous requesters; the
 * coordinator is in every audience). */
bool policy_in_audience(const struct policy_principal *who, const char *spec);

/*
 * Whether every member organisation may read any object version at tlp in collection c,
 * whoever posted it: tlp CLEAR or GREEN and c readable by "all" members (or "public"). The
 * hub-authored aggregates readable by every member (cross-sector correlation) count only
 * such inputs, so that they never tell a member of an object it could not read. (The green
 * delay holds back the aggregate, GREEN itself, the same way.)
 */
bool policy_readable_by_every_member(const struct store_collection *c, int tlp);

/*
 * Which of the n_orgs organisations may read the version of id stored in collection_id
 * with date_added, each as any of its tokens would (reader role), through
 * policy_may_read_object (collection audience, TLP, scope, recipients, joins, green delay):
 * may[i] is cleared for every organisation that may not, and for disabled ones and the
 * coordination sector's (never member readers); flags already false stay false, so that
 * calls over several versions leave the intersection of their readers. A version no longer
 * stored clears every flag. 0 or the store's error. Nothing is audited: no object data
 * leaves.
 */
struct store_org;
int policy_version_readers(struct rk_hub *hub, const char *id, const char *collection_id,
                           rk_time_us date_added, const struct store_org *orgs, size_t n_orgs,
                           bool *may, struct rk_err *err);

/* Collection permissions, as TAXII can_read / can_write report them. */
bool policy_may_read_collection(const struct policy_principal *who,
                                const struct store_collection *c);
bool policy_may_write_collection(const struct policy_principal *who,
                                 const struct store_collection *c);

/*
 * The anonymity set of a post into c: *all gets the number of member organisations (the
 * coordinator's excluded) that may write to c, *in_sector those of them in sector. A post
 * hidden behind the sector (hub) identity names its source among *in_sector (*all)
 * organisations, not among the whole sector (hub). 0 or the store's error.
 */
int policy_writers_count(struct store *s, const struct store_collection *c, const char *sector,
                         int64_t *all, int64_t *in_sector, struct rk_err *err);

/*
 * The status resource status_id of an earlier POST, for who (status.c): its poster's own, or
 * any for the coordinator, whose read of another organisation's status is one
 * "provenance-read" audit entry (route names the caller) before *out is filled. Everyone
 * else, and an id that is not a UUID, gets RK_E_NOTFOUND, as for a status that does not
 * exist. On success the caller releases *out with store_status_clear.
 */
int policy_status_read(struct store *s, const struct policy_principal *who, const char *route,
                       const char *status_id, struct store_status *out, struct rk_err *err);

/* Most join verdicts one request remembers; past it they are forgotten all at once (and
 * found again in the store when met again), which bounds the memory of a request. */
#define POLICY_JOIN_VERDICTS_MAX 65536
/* Ids of the latest rows a request found visible, kept as they stream (a copy, no hash):
 * feeds post the ends of a relationship just before it. */
#define POLICY_RECENT_ROWS 32
struct policy_recent_row {
    char id[STIX_ID_MAX + 1]; /* a STIX id the requester may see a version of */
};
/* The access context of one read request: who reads which collection, plus what the check
 * caches while it runs (green-delay facts, join verdicts, the collection list). Fill it with
 * policy_access_init and release it with policy_access_clear. Not shared between threads. */
struct policy_access_ctx {
    struct rk_hub *hub;                        /* store and hub identity (borrowed) */
    const struct policy_principal *who;        /* the requester (borrowed) */
    const struct store_collection *collection; /* the collection read (borrowed) */
    const char *route;                         /* route name for the audit log (borrowed) */
    int green_delay_hours;                     /* from the policy document */
    bool contributed;                          /* who has contributed at least one object */
    rk_time_us now;                            /* time the request started */
    /* Join verdicts of this request, so that each distinct joined id is looked up once: */
    struct rk_strset joins_visible; /* joined ids with a version who may see */
    struct rk_strset joins_hidden;  /* joined ids without one */
    size_t join_lookups;            /* store lookups the join checks made (for tests) */
    struct policy_recent_row recent[POLICY_RECENT_ROWS]; /* ring of visible rows' ids */
    size_t n_recent;                                     /* ids filled (<= POLICY_RECENT_ROWS) */
    size_t next_recent;                                  /* ring position of the next id */
    struct store_collection *colls; /* every collection, loaded on first join */
    size_t n_colls;
    bool colls_loaded;
    struct store_org *orgs; /* every organisation, loaded on the first unstored identity join */
    size_t n_orgs;
    bool orgs_loaded;
    int store_rc; /* first store error met inside a check */
};

/*
 * Prepares ax for reads of collection c by who; route names the caller for the audit log
 * (e.g. "objects"). Reads the policy document (green delay) and, if the delay is on, whether
 * who ever contributed. 0 or a store error. Always clear ax afterwards, even on failure.
 */
int policy_access_init(struct policy_access_ctx *ax, struct rk_hub *hub,
                       const struct policy_principal *who, const struct store_collection *c,
                       const char *route, struct rk_err *err);
void policy_access_clear(struct policy_access_ctx *ax);

/*
 * The read door for one collection (with policy_hub_query below, the only reads of object
 * data outside the store: tests/api/test_choke_point.py). Runs q (q->collection_id must be
 * ax->collection's id) with policy_may_read_object applied to every row, passes the visible rows to
 * fn (fn may be NULL) and fills page; then appends ONE audit entry (action "read", ax->route, the
 * collection, detail {"objects":[{id, version, tlp}...]}) if any returned row was AMBER or
 * stricter. 0 or the store's / fn's / audit's error.
 */
int policy_query(struct policy_access_ctx *ax, const struct store_query *q, store_row_fn fn,
                 void *fn_ctx, struct store_page *page, struct rk_err *err);

/* ---- the hub-wide read (hub_read.c) ------------------------------------------------------ */

/* Rows one page of policy_hub_query returns at most, and when the caller says 0. */
#define POLICY_HUB_QUERY_MAX     1000
#define POLICY_HUB_QUERY_DEFAULT 100

/*
 * What a hub-wide read asks for. Arrays and strings are borrowed for the call. Filters are
 * ANDed; the values inside one filter are ORed.
 */
struct policy_hub_query {
    rk_time_us added_after;   /* only rows added after this (TAXII added_after); -1 for none */
    rk_time_us after;         /* the continuation: the previous page's next; -1 for page one */
    size_t limit;             /* rows per page, 1..POLICY_HUB_QUERY_MAX; 0 the default */
    const char *const *types; /* STIX types; NULL or n_types 0 for any */
    size_t n_types;
    const char *const *ids; /* STIX ids; NULL or n_ids 0 for any */
    size_t n_ids;
    unsigned version_sel; /* STORE_VERSION_LAST (0 too), _FIRST, both, or _ALL, per
                             collection; not _SPECIFIC */
    bool with_json;       /* false: rows without json (a manifest) */
    /*
     * Observable index keys as analyze writes them (analyze_observable_key:
     * "domain:example.jp", "ipv4:192.0.2.1", "cidr4:198.51.100.0/24", "sha256:..."): only the
     * versions the observable index holds a matching row of. A key matches a row of the same
     * key; an address or CIDR key ("ipv4:", "ipv6:", "cidr4:", "cidr6:") also every row of an
     * overlapping range: an address the CIDRs holding it, a CIDR the addresses and CIDRs
     * inside it and the CIDRs holding it (docs/internals/analyze.md, "The observable index").
     * Applied after the version selection, with every other filter and the same access check.
     * At most POLICY_HUB_OBSERVABLES_MAX; NULL or n_observables 0 for no such filter.
     */
    const char *const *observables;
    size_t n_observables;
};

/* Observable keys one hub-wide read takes at most, and the longest key. */
#define POLICY_HUB_OBSERVABLES_MAX 100
#define POLICY_HUB_KEY_MAX         2100

/* What one page of policy_hub_query found. */
struct policy_hub_page {
    size_t count;    /* rows passed to fn */
    bool more;       /* another visible row exists after the last one returned */
    rk_time_us next; /* the continuation (the last row's date_added): give it as the next
                        query's after; -1 when count is 0 */
};

/*
 * THE hub-wide read: every object version who may see in every collection who may read,
 * ascending date_added across the hub, each row with its collection_id, through the same
 * access check and version selection as policy_query on each collection (so exactly what a
 * TAXII GET of each collection with the same filters would return, merged). Paging: the
 * rows with date_added after max(added_after, after), at most limit of them; date_added is
 * unique across the hub, so next continues exactly where a page stopped, in whatever
 * collections, and no row committed while a page is read is skipped (hub_read.c). An
 * object held in two collections is two rows.
 *
 * Audit: before any row reaches fn, one "read" entry (route, detail {"objects":[{id,
 * version, tlp}...]}) per collection whose returned rows include AMBER or stricter ones, all
 * in one transaction, as policy_query writes them; if they cannot be written, no row is
 * returned. fn NULL: the page is counted only, no object data leaves and nothing is
 * audited, as with policy_query's probes. Otherwise fn gets each row, valid during the
 * call; its non-zero result stops the walk (negative: returned).
 *
 * who NULL is an anonymous requester. 0, RK_E_INVALID (a bad limit, version selection or
 * observable key), RK_E_TOOBIG (too many observables), or the store's / audit's / fn's error. For
 * every endpoint that returns data from more than one collection (search, exports, alerts, the
 * dashboard).
 */
int policy_hub_query(struct rk_hub *hub, const struct policy_principal *who, const char *route,
                     const struct policy_hub_query *q, store_row_fn fn, void *fn_ctx,
                     struct policy_hub_page *page, struct rk_err *err);

/* ---- the hub-internal read for in-memory indexes (index_read.c) --------------------------- */

/* Receives one stored object version (valid during the call; json set). 0 goes on; a
 * negative RK_E code stops the scan and is returned. */
typedef int (*policy_index_fn)(void *ctx, const struct store_row *row);

/*
 * HUB-INTERNAL, NEVER FOR A REQUESTER. Every stored version of the given types (n_types 0:
 * any) added after `after` (-1: from the first), in every collection, with its JSON and
 * access metadata, passed to fn in date_added order per collection: no requester, no access
 * check, no audit entry (nothing leaves the process). It exists for indexes the hub keeps in
 * memory (similar incidents, src/analyze) that must hold every object whatever its marking,
 * so that a RED recipient can find what was sent to it. Its rows, and anything derived from
 * them (ids, scores, reasons), MUST NOT reach a requester unless each is first filtered
 * through policy_hub_query or policy_query for that requester (the per-request check and
 * its audit). *next gets the cursor for the next call: every row added up to it has been
 * passed, whatever was committed during the scan (a row may be passed twice: fn must
 * tolerate repeats). 0, or the store's / fn's error (*next is then after).
 */
int policy_index_scan(struct rk_hub *hub, const char *const *types, size_t n_types,
                      rk_time_us after, policy_index_fn fn, void *fn_ctx, rk_time_us *next,
                      struct rk_err *err);

#endif /* RK_POLICY_ACCESS_H */
