/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analyze_int.h: what the files of src/analyze/ share and the rest of renkei does not need:
 * one parser per family of observable, each writing a normalised value into an observable,
 * and the quoting of input in error messages.
 */
#ifndef RK_ANALYZE_INT_H
#define RK_ANALYZE_INT_H

#include "analyze/analyze.h"
#include "http/http.h"

/*
 * Each parser reads len bytes at s (trimmed, undefanged, no NUL inside, s[len] == '\0') and fills
 * out (type, value, len, and addr/prefix for addresses). They return 0, or RK_E_INVALID /
 * RK_E_TOOBIG with a message that starts with the type's name.
 */

/* An address or a CIDR of the family of hint (IPV4, IPV6, CIDR4 or CIDR6): with hint IPV4 or
 * IPV6 only an address (or a /32, /128) is accepted. */
int analyze_parse_ip(const char *s, size_t len, enum analyze_obs_type hint,
                     struct analyze_observable *out, struct rk_err *err);
/* Formats a 16-byte IPv6 address in RFC 5952 form into out (at least 46 bytes). */
void analyze_format_ipv6(const uint8_t a[16], char *out);
/* Formats a 4-byte IPv4 address in dotted decimal into out (at least 16 bytes). */
void analyze_format_ipv4(const uint8_t a[4], char *out);

/* A domain name: lower case, no trailing dot, Unicode labels as A-labels. With need_dot a
 * single label is refused (type detection does not take a bare word for a domain). */
int analyze_parse_domain(const char *s, size_t len, bool need_dot, struct analyze_observable *out,
                         struct rk_err *err);
int analyze_parse_url(const char *s, size_t len, struct analyze_observable *out,
                      struct rk_err *err);
int analyze_parse_email(const char *s, size_t len, struct analyze_observable *out,
                        struct rk_err *err);
/* A hash of type hint (MD5, SHA1, SHA256, SHA512, or HASH to choose by length). */
int analyze_parse_hash(const char *s, size_t len, enum analyze_obs_type hint,
                       struct analyze_observable *out, struct rk_err *err);
/* "AS64500", "as64500" or "64500". */
int analyze_parse_asn(const char *s, size_t len, struct analyze_observable *out,
                      struct rk_err *err);

/* Undoes defanged forms ([.], (.), [dot], [@], [:]//, hxxp://, hxxps://) of len bytes at s
 * into out (which holds at least len + 1 bytes) until none is left; returns the new length. */
size_t analyze_undefang(const char *s, size_t len, char *out);

/* Writes at most 40 bytes of s into out (at least 48 bytes) for an error message: printable
 * ASCII kept, any other byte as '?', "..." when cut. */
void analyze_quote(const char *s, size_t len, char *out);

/* Installs the severity hook of incident reports into hub and registers the policy section
 * of the criteria table (report_hub.c). Before the hub takes a post. */
int analyze_report_attach(struct rk_hub *hub, struct rk_err *err);
/* ---- the capability's route handlers (http_handler_fn; ctx is the struct rk_hub) -------- */

/* GET /api/v1/search (search.c). */
int analyze_search(void *ctx, struct http_request *req, struct http_response *resp,
                   struct rk_err *err);

/* ---- cross-sector correlation: the worker and the route (correlate_worker.c,
 * correlate_route.c; docs/internals/analyze.md, "Correlation worker") ---- */

struct rk_hub;
struct store;
struct store_collection;
struct http_request;
struct http_response;

/* The alias of the collection the hub writes its groupings into (audience all members,
 * written by the hub only). */
#define ANALYZE_CORR_ALIAS "correlations"
/* The hub setting that holds the worker's cursor: the seq of the last index row done. */
#define ANALYZE_CORR_CURSOR "analyze.correlation_cursor"
/* The environment variable that sets the worker's pass interval in milliseconds (tests), and
 * its default. */
#define ANALYZE_CORR_INTERVAL_ENV "RENKEI_CORRELATE_INTERVAL_MS"
#define ANALYZE_CORR_INTERVAL_MS  5000

/* The correlations collection, created (audience "all", writers the coordination sector)
 * when there is none. 0 with *out filled (caller clears), or the error. */
int analyze_correlations_collection(struct store *s, struct store_collection *out,
                                    struct rk_err *err);

/* Creates the correlations collection if missing and starts the worker ("correlate"). */
int analyze_correlate_start(struct rk_hub *hub, struct rk_err *err);
/* Stops the worker (the round in progress ends first). Safe when it never started. */
void analyze_correlate_stop(void);

/* GET /api/v1/correlations (ctx: the hub). */
int analyze_correlations_get(void *ctx, struct http_request *req, struct http_response *resp,
                             struct rk_err *err);

#endif /* RK_ANALYZE_INT_H */
