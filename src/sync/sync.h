/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync.h: a TAXII 2.1 client on libcurl and jansson. It speaks to any TAXII 2.1 server
 * (renkei, medallion, OpenCTI...): it reads STIX input files, cuts them into envelopes that
 * fit the server's limits, posts them, follows status resources and pages through
 * collections. `renkei push` and `renkei pull` are thin front ends; federation between hubs
 * uses the same calls.
 *
 * Ownership rule for the whole API: json_t values handed back to the caller are new
 * references the caller releases with json_decref(), unless a contract says "borrowed".
 * Strings handed back are freed with free().
 */
#ifndef RK_SYNC_H
#define RK_SYNC_H

#include "core/core.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The TAXII 2.1 media type, sent as Accept and, on POST, as Content-Type. */
#define SYNC_MEDIA_TYPE "application/taxii+json;version=2.1"

/* Assumed max_content_length when the API root cannot be read. */
#define SYNC_DEFAULT_MAX_CONTENT (10u * 1024u * 1024u)

/* Cap on a response body the client will buffer (a page of 1000 large objects fits). */
#define SYNC_MAX_RESPONSE (512u * 1024u * 1024u)

/* ---- URLs ------------------------------------------------------------------------------ */

/* The URLs derived from a collection URL or its objects URL. Free with sync_urls_free(). */
struct sync_urls {
    char *api_root;      /* ".../<api-root>/", everything before "collections/" */
    char *collection_id; /* the segment after "collections/" */
    char *collection;    /* api_root + "collections/<id>/" */
    char *objects;       /* api_root + "collections/<id>/objects/" */
};

/*
 * Derives the API root, collection and objects URLs from url, which must be an http or
 * https URL naming a collection (".../collections/<id>/", trailing slash optional) or its
 * objects endpoint (".../collections/<id>/objects/"). A query string or fragment is
 * ignored. Returns 0 and fills out (which the caller frees with sync_urls_free), or
 * RK_E_INVALID with a sentence in err and out left empty.
 */
int sync_urls_parse(const char *url, struct sync_urls *out, struct rk_err *err);

/* Frees the strings of u and zeroes it. u may be NULL. */
void sync_urls_free(struct sync_urls *u);

/* Returns api_root + "status/<id>/" in a new string the caller frees. */
char *sync_status_url(const char *api_root, const char *status_id);

/* ---- input files ---------------------------------------------------------------------- */

/*
 * Extracts the STIX objects of a parsed document: a STIX bundle ({"type":"bundle",
 * "objects":[...]}), a TAXII envelope ({"objects":[...]}), a JSON array of objects, or a
 * single object. Every object must be STIX-shaped: a JSON object with string "type" and
 * "id" properties. name is used in error messages (a file name). Returns 0 and a new array
 * in *objects (a fresh reference, elements shared with doc), or RK_E_INVALID naming name and
 * the index of the offending object.
 */
int sync_objects_from_json(json_t *doc, const char *name, json_t **objects, struct rk_err *err);

/*
 * Reads path ("-" for stdin) as JSON and extracts its objects as sync_objects_from_json
 * does. Errors name the file and, for bad JSON, the line and column jansson reports
 * (RK_E_INVALID), or RK_E_IO if the file cannot be read.
 */
int sync_load_file(const char *path, json_t **objects, struct rk_err *err);

/* ---- batching -------------------------------------------------------------------------- */

/*
 * Serialises the next envelope {"objects":[...]} from objects[*pos...] into out (which is
 * reset first): at most max_count objects and at most max_bytes bytes in all. Advances *pos
 * past the objects taken and stores their number in *taken. Returns 0 (with *taken == 0
 * only when *pos was already at the end), or RK_E_TOOBIG if the object at *pos alone does
 * not fit in max_bytes (err names its id; *pos is left on it).
 */
int sync_batch_next(json_t *objects, size_t *pos, size_t max_count, size_t max_bytes,
                    struct rk_buf *out, size_t *taken, struct rk_err *err);

/* ---- status aggregation ----------------------------------------------------------------- */

/* One object the server refused (or left pending when we stopped waiting). */
struct sync_detail {
    char *id;         /* object id as the server reported it */
    char *version;    /* version as the server reported it, may be "" */
    char *message;    /* the server's message, may be "" */
    const char *file; /* borrowed: the input file the object came from, may be NULL */
};

/* A list of status details. */
struct sync_details {
    struct sync_detail *v; /* n entries used, cap allocated */
    size_t n, cap;
};

/* Totals over every status resource of a push. Initialise with SYNC_TALLY_INIT. */
struct sync_tally {
    size_t total;                /* objects the server counted */
    size_t success;              /* objects stored */
    size_t failure;              /* objects refused */
    size_t pending;              /* objects still pending when we stopped waiting */
    struct sync_details refused; /* every failure: why an object was refused */
    struct sync_details changed; /* successes with a message: what the hub did to an object it
                                    kept or dropped (anonymised, dropped, a TLP assigned...) */
};
#define SYNC_TALLY_INIT                                                                            \
    {                                                                                              \
        0, 0, 0, 0, {NULL, 0, 0},                                                                  \
        {                                                                                          \
            NULL, 0, 0                                                                             \
        }                                                                                          \
    }

/*
 * Adds a TAXII status resource to t: its counts, one entry of refused per entry of its
 * "failures" list and one of changed per entry of its "successes" list that carries a
 * message, tagged with file (borrowed, must outlive t). Returns 0, or RK_E_INVALID if status
 * is not shaped like a status resource (t unchanged).
 */
int sync_tally_add(struct sync_tally *t, const json_t *status, const char *file,
                   struct rk_err *err);

/* Frees the lists of t and zeroes it. t may be NULL. */
void sync_tally_free(struct sync_tally *t);

/* ---- grouping status details by reason ---------------------------------------------------- */

/* How many members of a group are kept to show. */
#define SYNC_GROUP_SAMPLES 3

/* Status details that share a reason. */
struct sync_group {
    char *key;          /* the normalised reason the members share (sync_reason_key) */
    char *reason;       /* what to show: the members' message without its leading id when
                           they all said the same, else key */
    size_t count;       /* members */
    size_t first_index; /* position of the first member in the details list */
    const struct sync_detail *first[SYNC_GROUP_SAMPLES]; /* borrowed: the first members */
    size_t n_first;                                      /* entries of first used */
};

/* Groups of a details list. Free with sync_groups_free(). */
struct sync_groups {
    struct sync_group *v; /* n groups, most members first, ties in order of appearance */
    size_t n;
};

/*
 * Returns message without a leading object id and colon ("indicator--<id>: property ...":
 * "property ..."), or message itself when it does not start with one (a pointer into it).
 */
const char *sync_reason_strip_id(const char *message);

/*
 * Writes into out (reset first) the reason of a status message, what messages that differ
 * only in the values they quote must share: message without its leading object id, where
 * every quoted text that is not a name ([a-z_][a-z0-9_-]*, as property, type and rule names
 * are) nor a grammar token of up to 3 punctuation characters becomes '...', every number
 * standing alone (not part of a word such as "ipv4" or "sha-256") becomes N, and the UUID of
 * every other STIX id becomes "..." ("identity--..."). Two messages with the same reason
 * differ only in such values.
 */
void sync_reason_key(const char *message, struct rk_buf *out);

/*
 * Groups the details of l by reason (sync_reason_key of their message) into g, which the
 * caller frees with sync_groups_free(). The groups point into l, which must outlive them.
 */
void sync_groups_build(const struct sync_details *l, struct sync_groups *g);

/* Frees what g holds and zeroes it. g may be NULL. */
void sync_groups_free(struct sync_groups *g);

/* ---- the client ------------------------------------------------------------------------- */

/* How to reach the server. Strings are copied by sync_client_new. */
struct sync_opts {
    const char *token;      /* Bearer token, or NULL */
    const char *user;       /* HTTP Basic user, or NULL */
    const char *password;   /* HTTP Basic password, or NULL */
    const char *cacert;     /* CA bundle file for TLS verification, or NULL for the system's */
    bool insecure;          /* skip TLS verification */
    long timeout_s;         /* whole-request timeout in seconds; 0 means 300 */
    long connect_timeout_s; /* connection timeout in seconds; 0 means 10 */
};

/* A TAXII client: one curl easy handle reused for keep-alive. Not thread-safe. */
struct sync_client;

/*
 * Creates a client. Returns NULL and fills err if libcurl cannot be initialised. The caller
 * frees the client with sync_client_free().
 */
struct sync_client *sync_client_new(const struct sync_opts *opts, struct rk_err *err);

/* Frees c and its connection. c may be NULL. */
void sync_client_free(struct sync_client *c);

/* A response. Free with sync_response_free(). */
struct sync_response {
    long status;            /* HTTP status, 0 if no response arrived */
    json_t *body;           /* parsed body, or NULL if empty or not JSON */
    char *date_added_first; /* X-TAXII-Date-Added-First, or NULL */
    char *date_added_last;  /* X-TAXII-Date-Added-Last, or NULL */
};

/* Releases what r holds and zeroes it. r may be NULL. */
void sync_response_free(struct sync_response *r);

/*
 * GETs url with the TAXII Accept header. On a 2xx answer with a JSON body returns 0 and
 * fills resp. Otherwise returns a negative code and a sentence in err: RK_E_IO for
 * transport and TLS failures, and for HTTP errors the code of the status (401 RK_E_UNAUTH,
 * 403 RK_E_FORBIDDEN, 404 RK_E_NOTFOUND, 413 RK_E_TOOBIG, 406 RK_E_NOTACCEPT, 415
 * RK_E_UNSUPPORTED, 422 RK_E_UNPROCESSABLE, other 4xx RK_E_INVALID, 5xx and anything else
 * RK_E_INTERNAL; so RK_E_IO always means no HTTP answer) with the TAXII error's title and
 * description, the HTTP status and a hint; RK_E_INVALID if a 2xx body is not JSON. resp is
 * filled as far as the exchange went in every case; the caller frees it.
 */
int sync_get_json(struct sync_client *c, const char *url, struct sync_response *resp,
                  struct rk_err *err);

/*
 * The URL of a route of renkei's own API on the hub at hub_url (scheme, host, port, and a
 * path prefix if any; trailing slashes ignored): hub_url + path (e.g. "/api/v1/search") +
 * the n query parameters params[2i] = params[2i+1], values percent-encoded, NULL values left
 * out. Returns a malloc'd string.
 */
char *sync_api_url(const char *hub_url, const char *path, const char *const *params, size_t n);

/* sync_get_json with Accept: application/json, for renkei's own JSON API (/api/v1/...),
 * whose error objects ({"error": ...}) end up in err the same way. */
int sync_get_api_json(struct sync_client *c, const char *url, struct sync_response *resp,
                      struct rk_err *err);

/*
 * Sends method (POST, PUT, PATCH, DELETE) to url of renkei's own JSON API, with body (len
 * bytes of JSON; NULL for none) as application/json. Errors as sync_get_api_json; on success
 * resp->body is the answer, NULL for a 204 (No Content).
 */
int sync_api_send(struct sync_client *c, const char *method, const char *url, const char *body,
                  size_t len, struct sync_response *resp, struct rk_err *err);

/*
 * POSTs body (len bytes, a TAXII envelope) to objects_url with the TAXII Content-Type and
 * Accept headers. Errors as sync_get_json; on success resp->body is the status resource.
 */
int sync_post_envelope(struct sync_client *c, const char *objects_url, const char *body, size_t len,
                       struct sync_response *resp, struct rk_err *err);

/*
 * Reads the API root and returns its max_content_length in *out, or RK_E_* if the API root
 * cannot be read or has no positive max_content_length (*out is then untouched).
 */
int sync_max_content_length(struct sync_client *c, const char *api_root, size_t *out,
                            struct rk_err *err);

/* True if status is a status resource whose "status" is "pending". */
bool sync_status_pending(const json_t *status);

/*
 * Follows n status resources together: while any is "pending", sleeps (0.2 s doubling up to
 * 5 s) and then GETs each pending one once, until none is pending or wait_s seconds have
 * passed. Each statuses[i] is replaced by the latest resource seen (the array keeps owning
 * its references). Returns 0, or the first error of sync_get_json (the array stays valid).
 */
int sync_wait_statuses(struct sync_client *c, const char *api_root, json_t **statuses, size_t n,
                       double wait_s, struct rk_err *err);

/* ---- paging ------------------------------------------------------------------------------ */

/*
 * Objects per page a pager asks for when its query gives no limit. Every request of a walk
 * carries a limit, because a "next" request must repeat the original query's parameters
 * (section 3.5) and medallion, the OASIS reference server, answers 500 to one without it;
 * a server with a lower maximum sends fewer (section 3.4).
 */
#define SYNC_PAGE_LIMIT 1000

/* Pages in a row that may bring nothing new while the server says "more" before a walk
 * stops (an empty page with "more" is legal, section 3.5; a server that loops is not). */
#define SYNC_PAGER_MAX_STALLS 3

/* Filters of a GET objects request. Every field may be NULL/0. Strings are copied. */
struct sync_query {
    const char *added_after; /* added_after=, a timestamp */
    const char *types;       /* match[type]=, comma-separated */
    const char *ids;         /* match[id]=, comma-separated */
    const char *versions;    /* match[version]=, e.g. "last", "all", a timestamp */
    long limit;              /* limit= per page; 0 asks for SYNC_PAGE_LIMIT */
};

/*
 * Walks the pages of GET objects, following "next" or X-TAXII-Date-Added-Last.
 *
 * "next" is opaque (sections 3.5 and 3.7): a server may send the same cursor id on every
 * page, so the pager never judges progress by it. A page makes progress when it brings an
 * object (id and modified, else created) not read before on this walk, or an
 * X-TAXII-Date-Added-Last later than any before. A page without progress hands out no
 * objects (a repeated page is not read twice); after SYNC_PAGER_MAX_STALLS such pages in a
 * row while the server still says "more", the walk stops as SYNC_PAGER_STALLED, as it does
 * when a page says "more" with neither "next" nor X-TAXII-Date-Added-Last.
 */
struct sync_pager;

/* How a walk stands. */
enum sync_pager_end {
    SYNC_PAGER_RUNNING,  /* more pages to fetch */
    SYNC_PAGER_COMPLETE, /* the server said there is no more: everything it offered was read */
    SYNC_PAGER_STALLED,  /* stopped although the server said there was more (it repeated
                            itself, sent nothing, or gave no way to ask for the rest) */
    SYNC_PAGER_FAILED,   /* a request failed or a page was not an envelope */
};

/*
 * Creates a pager over objects_url. c may be NULL when the pages are handed to
 * sync_pager_feed() rather than fetched with sync_pager_next(). The caller frees the pager
 * with sync_pager_free().
 */
struct sync_pager *sync_pager_new(struct sync_client *c, const char *objects_url,
                                  const struct sync_query *q);

/* Frees p. p may be NULL. */
void sync_pager_free(struct sync_pager *p);

/*
 * Builds the URL of a page: objects_url with the query's filters and limit, and next (if
 * not NULL, with the query's own added_after) or else added_after (if not NULL, it
 * overrides q->added_after). The caller frees it.
 */
char *sync_page_url(const char *objects_url, const struct sync_query *q, const char *next,
                    const char *added_after);

/* The URL of the walk's next request (the caller frees it), or NULL when the walk is over. */
char *sync_pager_url(const struct sync_pager *p);

/*
 * Fetches the next page. Returns 1 and sets *objects to the page's objects (borrowed, valid
 * until the next call; an empty array if the page had none or only objects already read),
 * 0 when the server has said there is no more, or a negative code with err filled: the
 * error of sync_get_json, RK_E_INVALID for a page that is not an envelope, or RK_E_INVALID
 * with the reason when the walk stalled (sync_pager_state() then tells which). Once the walk
 * has stopped, every call returns the same.
 */
int sync_pager_next(struct sync_pager *p, json_t **objects, struct rk_err *err);

/*
 * Hands the pager the answer to the request of sync_pager_url(), as sync_pager_next() does
 * after fetching it; the pager takes over what resp holds and zeroes it. Returns 1 with
 * *objects as sync_pager_next(), or RK_E_INVALID when the body is not an envelope. A page
 * after which the walk stalls is still handed out (1); the next sync_pager_next() reports
 * the stall.
 */
int sync_pager_feed(struct sync_pager *p, struct sync_response *resp, json_t **objects,
                    struct rk_err *err);

/* How the walk stands. */
enum sync_pager_end sync_pager_state(const struct sync_pager *p);

/* The latest X-TAXII-Date-Added-Last of a page with objects, or NULL. Borrowed. */
const char *sync_pager_last_added(const struct sync_pager *p);

/* Number of pages received so far. */
size_t sync_pager_pages(const struct sync_pager *p);

/* Number of objects handed out so far. */
size_t sync_pager_objects(const struct sync_pager *p);

/* ---- progress ------------------------------------------------------------------------------ */

/* A progress line on a terminal. Initialise with sync_progress_start(). */
struct sync_progress {
    bool enabled;     /* stderr is a terminal and the caller wants progress */
    double start;     /* monotonic seconds when started */
    double last_draw; /* monotonic seconds of the last redraw */
    const char *what; /* the unit, e.g. "objects" (borrowed) */
};

/*
 * Prepares p: enabled only if want is true and stderr is a terminal, so that progress never
 * reaches a log file or a pipe.
 */
void sync_progress_start(struct sync_progress *p, const char *what, bool want);

/*
 * Redraws the line on stderr (at most ten times a second unless force): done of total (total
 * 0 when unknown), rate per second and, with a total, the time left. No-op when disabled.
 */
void sync_progress_update(struct sync_progress *p, size_t done, size_t total, bool force);

/* Clears the progress line so that later output starts on a clean line. */
void sync_progress_end(struct sync_progress *p);

#endif /* RK_SYNC_H */
