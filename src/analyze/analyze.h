/* SPDX-License-Identifier: Apache-2.0 */
/*
 * analyze.h: the analysis library of issue 16, in three sections:
 * - observable values (addresses, ranges, domain names, URLs, e-mail addresses, file hashes,
 *   AS numbers), their parsing and normalisation, so that the same thing correlates however
 *   it was written, and the text keys an observable index stores them under (observable.c);
 * - incident severity 0-4 from the NISC viewpoints against a criteria table that is data
 *   (severity.c);
 * - similar incidents: weighted set similarity over feature keys with a MinHash LSH index
 *   (similar.c, similar_reason.c).
 * - the capability `renkei serve` runs (module.c and the files it lists): the ingest hooks,
 *   the routes and the workers, over the policy layer's hub-wide read.
 * The first three sections are a pure library: no store, no HTTP. docs/internals/analyze.md
 * states the rules.
 */
#ifndef RK_ANALYZE_H
#define RK_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/core.h"

/* The kinds of observable. ANALYZE_OBS_ANY and ANALYZE_OBS_HASH are only hints to the parser
 * (detect the type; detect the hash algorithm by length), never the type of a result. */
enum analyze_obs_type {
    ANALYZE_OBS_ANY = 0, /* hint: detect the type */
    ANALYZE_OBS_IPV4,    /* 198.51.100.1 */
    ANALYZE_OBS_IPV6,    /* 2001:db8::1 (RFC 5952 form) */
    ANALYZE_OBS_CIDR4,   /* 198.51.100.0/24, prefix 0-31, host bits clear */
    ANALYZE_OBS_CIDR6,   /* 2001:db8::/32, prefix 0-127, host bits clear */
    ANALYZE_OBS_DOMAIN,  /* example.jp, lower case, A-labels, no trailing dot */
    ANALYZE_OBS_URL,     /* http://example.jp/path */
    ANALYZE_OBS_EMAIL,   /* Local.Part@example.jp */
    ANALYZE_OBS_MD5,     /* 32 lower-case hex digits */
    ANALYZE_OBS_SHA1,    /* 40 */
    ANALYZE_OBS_SHA256,  /* 64 */
    ANALYZE_OBS_SHA512,  /* 128 */
    ANALYZE_OBS_ASN,     /* AS64500 */
    ANALYZE_OBS_HASH,    /* hint: MD5, SHA-1, SHA-256 or SHA-512, by length */
};

/* The longest input the parser reads (defanged and padded forms included), and the longest
 * normalised value it produces; longer is refused with RK_E_TOOBIG. */
#define ANALYZE_INPUT_MAX 4096
#define ANALYZE_VALUE_MAX 2048

/* One normalised observable. Plain data: copy it freely, nothing to free. */
struct analyze_observable {
    enum analyze_obs_type type;        /* never ANALYZE_OBS_ANY or ANALYZE_OBS_HASH */
    size_t len;                        /* strlen(value) */
    char value[ANALYZE_VALUE_MAX + 1]; /* the normalised value, NUL-terminated */
    uint8_t addr[16];                  /* IPV4/CIDR4: 4 bytes, IPV6/CIDR6: 16 bytes, network
                                          order; zero for other types */
    unsigned prefix;                   /* CIDR prefix length; 32 or 128 for an address */
};

/*
 * Parses len bytes of text (need not be NUL-terminated) as an observable of type hint, or
 * detects the type when hint is ANALYZE_OBS_ANY, and writes the normalised observable to out.
 * Surrounding white space and defanged forms (example[.]jp, hxxp://) are undone first. A
 * CIDR of a single address is that address; hint CIDR4/CIDR6 accepts a bare address too (the
 * result is then IPV4/IPV6); hint HASH picks the algorithm by length.
 * Returns 0, or RK_E_INVALID (not a valid value of that type) or RK_E_TOOBIG with err saying
 * what is wrong in one line of printable ASCII that starts with the type's name ("ipv4: ...").
 * out is undefined on failure.
 */
int analyze_observable_parse(const char *text, size_t len, enum analyze_obs_type hint,
                             struct analyze_observable *out, struct rk_err *err);

/* The short name of a type as used in keys and messages: "ipv4", "cidr6", "domain", "url",
 * "email", "md5", "sha1", "sha256", "sha512", "asn"; "any" and "hash" for the hints. */
const char *analyze_obs_type_name(enum analyze_obs_type type);

/*
 * Appends the observable's index key to out: "<type name>:<normalised value>", e.g.
 * "domain:example.jp", "cidr4:198.51.100.0/24". Two observables correlate exactly when their
 * keys are equal.
 */
void analyze_observable_key(const struct analyze_observable *obs, struct rk_buf *out);

/* Returned by analyze_observable_from_stix for a property that is not an observable we index. */
#define ANALYZE_NOT_INDEXED 1

/*
 * Maps the STIX Cyber-observable property object_type:property_path holding value (as a
 * pattern or an SCO writes it) to an observable: ipv4-addr:value (an address or a CIDR),
 * ipv6-addr:value, domain-name:value, url:value, email-addr:value, autonomous-system:number,
 * and hashes.MD5 / 'SHA-1' / 'SHA-256' / 'SHA-512' of file, artifact and x509-certificate
 * (the hash name quoted or not, any case). Returns 0 with out filled, ANALYZE_NOT_INDEXED for
 * any other property (not an error; err untouched), or RK_E_INVALID / RK_E_TOOBIG when the
 * value is not valid for that property (err says why).
 */
int analyze_observable_from_stix(const char *object_type, const char *property_path,
                                 const char *value, struct analyze_observable *out,
                                 struct rk_err *err);

/* Receives one observable of analyze_observables_of; non-zero stops the walk. */
typedef int (*analyze_obs_fn)(void *ctx, const struct analyze_observable *obs);

/*
 * The observables obj, an object of STIX type type, holds itself: for an indicator with
 * pattern_type "stix", the values of its pattern's equality and IN comparisons; for an SCO of a
 * type that holds any (ipv4-addr, ipv6-addr, domain-name, url, email-addr, autonomous-system,
 * file, artifact, x509-certificate), its value, number and hashes. Each valid one is passed to
 * fn in order (invalid values are skipped), until fn returns non-zero. Other types hold none
 * (what an observed-data embeds is its callers' to walk). The one walk that the observable
 * index and the features of similar incidents both read.
 */
void analyze_observables_of(const char *type, const json_t *obj, analyze_obs_fn fn, void *ctx);

/* Whether type is an SCO type analyze_observables_of reads observables from. */
bool analyze_sco_indexed(const char *type);

/*
 * Whether the range cidr (CIDR4/CIDR6, or an address as a range of one) contains inner (an
 * address or a range of the same family). False for any other types or mixed families.
 */
bool analyze_cidr_contains(const struct analyze_observable *cidr,
                           const struct analyze_observable *inner);

/*
 * Writes to out the range of prefix length prefix that contains addr (an address or a CIDR of
 * prefix >= prefix): the key an index probes to find the ranges of that length holding addr
 * (docs/internals/analyze.md). With the full length (32 or 128) that is the address itself.
 * Returns 0, or RK_E_INVALID if addr is not an address/range or prefix is longer than it.
 */
int analyze_covering_cidr(const struct analyze_observable *addr, unsigned prefix,
                          struct analyze_observable *out);

/*
 * The range of an address or CIDR observable in the 128-bit space of the observable index
 * (struct store_observable): an IPv6 one as it is, an IPv4 one mapped into ::ffff:0:0/96 with
 * prefix 96 + its own. *ranged is false (addr zero) for every other type.
 */
void analyze_observable_range(const struct analyze_observable *obs, uint8_t addr[16],
                              unsigned *prefix, bool *ranged);

/* At most this many items in one comma-separated query. */
#define ANALYZE_QUERY_MAX 100

/* The observables of a comma-separated query, duplicates removed, in their first order. */
struct analyze_query {
    struct analyze_observable *items; /* n observables, owned; freed by analyze_query_free */
    size_t n;                         /* number of items */
};

/*
 * Parses len bytes of a comma-separated list of observables of any type ("198.51.100.1,
 * example[.]jp"), each as analyze_observable_parse with ANALYZE_OBS_ANY. Items that normalise
 * to the same key appear once. Returns 0 with out filled (free with analyze_query_free), or
 * RK_E_INVALID / RK_E_TOOBIG with err naming the bad item by 1-based position and text
 * ("item 2 (\"exa mple\"): domain: ..."); out is then empty.
 */
int analyze_query_parse(const char *text, size_t len, struct analyze_query *out,
                        struct rk_err *err);

/* Frees the items of q and empties it. q may be NULL or already empty. */
void analyze_query_free(struct analyze_query *q);

/* ---- similar incidents (similar.c, similar_reason.c) ----------------------------------- */

/*
 * An index of incidents, each a set of features: caller-made keys "<kind>:<value>", e.g.
 * "obs:domain:example.jp", "ttp:T1566.001", "malware:Emotet", "tool:Mimikatz",
 * "cve:CVE-2024-1234", "sector:energy", "software:...". Similarity is weighted Jaccard
 * with smoothed IDF weights w(f) = 1 + ln((1 + N) / (1 + df(f))) (N incidents, df(f) of them
 * having f), so rare features weigh more; candidates come from MinHash LSH (128 hashes in 64
 * bands of 2 rows) and are re-ranked exactly. docs/internals/analyze.md, "Similarity".
 * In memory only; not thread-safe (one index, one thread, or a lock around it); queries
 * write too (weights, stamps): a read lock is not enough for them.
 */
struct analyze_similar;

/* Caps: longer keys, more features in one incident, or longer ids are refused. */
#define ANALYZE_SIMILAR_KEY_MAX      1024
#define ANALYZE_SIMILAR_FEATURES_MAX 10000
#define ANALYZE_SIMILAR_ID_MAX       256

/* One match: an incident of the index, its score and the features it shares with the query. */
struct analyze_similar_match {
    const char *id;      /* the incident's id, owned by the index */
    double score;        /* weighted Jaccard in [0, 1]; 1 for the same feature set */
    const char **shared; /* n_shared keys owned by the index, heaviest first, then by key;
                            the array itself is freed by analyze_similar_result_free */
    size_t n_shared;     /* number of shared features */
};

/* The matches of a query, best first (score descending, then id ascending). */
struct analyze_similar_result {
    struct analyze_similar_match *items; /* n matches, owned */
    size_t n;                            /* number of matches */
};

/* A new, empty index. Never NULL (allocation failure aborts). Free with analyze_similar_free. */
struct analyze_similar *analyze_similar_new(void);

/* Frees the index and every string it owns (results still held point into it: free the
 * results first). s may be NULL. */
void analyze_similar_free(struct analyze_similar *s);

/* Number of incidents in the index. */
size_t analyze_similar_count(const struct analyze_similar *s);

/*
 * Adds incident id with the n feature keys (duplicates count once; an empty set is kept but
 * never matches). Returns 0, RK_E_EXISTS if id is already there, RK_E_INVALID for an empty
 * id or a key that is empty or has no ':' after a non-empty kind, RK_E_TOOBIG past the caps;
 * on error nothing is added and err says why.
 */
int analyze_similar_add(struct analyze_similar *s, const char *id, const char *const *features,
                        size_t n, struct rk_err *err);

/*
 * Removes incident id (its features no longer count in N and df); the id may be added again,
 * with other features (an update is a remove and an add). Returns 0, or RK_E_NOTFOUND with
 * err when id is not in the index. Results held are invalid afterwards.
 */
int analyze_similar_remove(struct analyze_similar *s, const char *id, struct rk_err *err);

/*
 * The feature keys of incident id: *keys gets an array of *n keys owned by the index (free the
 * array itself; the keys stay valid until the next add or remove). 0, or RK_E_NOTFOUND.
 */
int analyze_similar_features(const struct analyze_similar *s, const char *id, const char ***keys,
                             size_t *n);

/*
 * The at most k incidents most similar to the feature set (n keys), among the LSH candidates,
 * each scored exactly; incidents sharing nothing are never returned. Returns 0 with out
 * filled (free with analyze_similar_result_free), or RK_E_INVALID / RK_E_TOOBIG as for add
 * (out is then empty). The results stay valid until the next add or the index is freed.
 */
int analyze_similar_query(struct analyze_similar *s, const char *const *features, size_t n,
                          size_t k, struct analyze_similar_result *out, struct rk_err *err);

/* The same by brute force over every incident: the exact top k (tests and benchmarks). */
int analyze_similar_query_exact(struct analyze_similar *s, const char *const *features, size_t n,
                                size_t k, struct analyze_similar_result *out, struct rk_err *err);

/* Frees the matches of r and empties it. r may be NULL or empty. */
void analyze_similar_result_free(struct analyze_similar_result *r);

/*
 * Appends to out one line a person understands about n shared feature keys, e.g. "shares 2
 * domains and T1566.001, same malware family Emotet": observables counted by type,
 * techniques and CVEs named (at most 3 each, then "N more"), malware, tools, software and
 * sectors named as given, other kinds counted. "no shared features" when n is 0.
 */
void analyze_similar_reason(const char *const *shared, size_t n, struct rk_buf *out);

/* ---- features of incidents and reports (features.c) ----------------------------------- */

/*
 * Appends to out (a JSON array) the feature keys one STIX object (not consumed) gives by
 * itself: "ttp:<T id>" from ATT&CK external references (mitre-attack, mitre-ics-attack,
 * mitre-mobile-attack), "cve:<CVE id>" from a vulnerability's name or cve references,
 * "malware:<name>" and "tool:<name>" (name and aliases, lower-cased), "sector:<s>" from an
 * identity's sectors or an incident's renkei extension (member "sector"), "software:<cpe or
 * name>", "obs:<observable key>" from an SCO or the = and IN comparisons of an indicator's
 * pattern. Repeats are possible (analyze_fgraph_features removes them).
 */
void analyze_object_features(const json_t *obj, json_t *out);

/*
 * The objects that describe incidents and reports: each object is put into a group (a string
 * the caller chooses, "" for one request's envelope); an incident or report (a root) is
 * described by its own keys and those of the objects of its group that it references
 * (object_refs; a relationship among them stands for its ends), the other ends of the
 * relationships and sightings of its group that name it, and, one step further, what an
 * observed-data or grouping among those references. Not thread-safe.
 */
struct analyze_fgraph;
struct analyze_fgraph *analyze_fgraph_new(void);
void analyze_fgraph_free(struct analyze_fgraph *g); /* NULL is a no-op */
/* Objects held (nodes). */
size_t analyze_fgraph_size(const struct analyze_fgraph *g);
/* Names the common group (NULL: none): an object a root references that its own group lacks
 * (or the access test refuses) is looked up there, and any object found there counts; the
 * caller puts there only what every reader of every root may see. Relationships and sightings
 * that name a root count from its own group only. */
void analyze_fgraph_set_common(struct analyze_fgraph *g, const char *group);
/* Whether objects of type are roots: "incident" and "report". */
bool analyze_fgraph_is_root_type(const char *type);
/*
 * Puts obj (not consumed) into group (NULL: ""), replacing what the graph held for its id
 * there, with access (NULL: ""), a text the caller's access test reads (see below), and
 * marks dirty the roots whose features it may change. Objects that give no key and reference
 * nothing are not kept. 0, or RK_E_INVALID (no id or type).
 */
int analyze_fgraph_put(struct analyze_fgraph *g, const json_t *obj, const char *group,
                       const char *access, struct rk_err *err);
/* Whether an object put with access node_access may describe a root put with root_access
 * (whoever may see the root may see it). */
typedef bool (*analyze_fgraph_access_fn)(void *ctx, const char *root_access,
                                         const char *node_access);
/* Calls fn for each root marked dirty since the last call (any order) and forgets them. */
typedef void (*analyze_fgraph_root_fn)(void *ctx, const char *group, const char *id);
void analyze_fgraph_take_dirty(struct analyze_fgraph *g, analyze_fgraph_root_fn fn, void *ctx);
/*
 * Appends to out (a JSON array) the feature keys of root id in group, sorted, each once, at
 * most ANALYZE_SIMILAR_FEATURES_MAX, from the objects may admits (may NULL: all). Returns
 * how many, or RK_E_NOTFOUND if the group holds no incident or report of that id.
 */
int analyze_fgraph_features(const struct analyze_fgraph *g, const char *group, const char *id,
                            analyze_fgraph_access_fn may, void *may_ctx, json_t *out);

/* ---- Severity of incidents (NISC viewpoints; docs/internals/analyze.md, "Severity") ---- */

/* The three NISC viewpoints, each scored 0-4; the overall level is the highest. */
enum analyze_sev_viewpoint {
    ANALYZE_SEV_CONTINUITY = 0, /* time to restore, spread (people, regions, sectors) */
    ANALYZE_SEV_SAFETY,         /* harm to people, property and surroundings */
    ANALYZE_SEV_TRUST,          /* loss of confidence (records leaked) */
    ANALYZE_SEV_VIEWPOINTS      /* count */
};

/* The impact facts a criteria rule may test, by name in the table ("people_affected"...). */
enum analyze_sev_fact {
    ANALYZE_FACT_PEOPLE = 0, /* people_affected: people whose service was affected */
    ANALYZE_FACT_REGIONS,    /* regions: prefectures (or regions) affected */
    ANALYZE_FACT_DURATION,   /* duration_hours: hours until restoration (so far) */
    ANALYZE_FACT_SAFETY,     /* safety: 0 none, 1 evacuation/property, 2 injury, 3 death */
    ANALYZE_FACT_SECTORS,    /* sectors_hit: other sectors hit (knock-on) */
    ANALYZE_FACT_RECORDS,    /* records_leaked: data records leaked */
    ANALYZE_FACT_SERVICE,    /* service: 0 normal, 1 degraded, 2 stopped */
    ANALYZE_SEV_FACTS        /* count */
};

/* An incident's impact facts: plain data, all values finite and >= 0 (0 when unknown). */
struct analyze_sev_facts {
    double v[ANALYZE_SEV_FACTS]; /* indexed by enum analyze_sev_fact */
};

/* The hub's assessment. why[] is empty for a viewpoint at level 0. */
#define ANALYZE_SEV_WHY_MAX 1024
struct analyze_severity {
    int level[ANALYZE_SEV_VIEWPOINTS];            /* 0-4 per viewpoint */
    int overall;                                  /* the highest of level[] */
    enum analyze_sev_viewpoint overall_viewpoint; /* first viewpoint at the overall level */
    char why[ANALYZE_SEV_VIEWPOINTS][ANALYZE_SEV_WHY_MAX]; /* the rule that fired, with facts */
    char overall_why[ANALYZE_SEV_WHY_MAX]; /* why[overall_viewpoint], or "level 0: ..." */
};

/* A validated criteria table; opaque. */
struct analyze_sev_table;

/* The renkei impact extension of a STIX incident (extensions.<this>). */
#define ANALYZE_SEV_EXTENSION "extension-definition--339bfdf3-09f0-4caa-8372-1c66d35747c1"

/* The documented default criteria table, as JSON text (static; do not free). */
const char *analyze_severity_default_table(void);

/* "continuity", "safety", "trust"; the fact names as the table writes them. */
const char *analyze_sev_viewpoint_name(enum analyze_sev_viewpoint vp);
const char *analyze_sev_fact_name(enum analyze_sev_fact fact);

/*
 * Validates the criteria table doc (not consumed) and builds *out (free with
 * analyze_severity_table_free). Returns 0, or RK_E_INVALID with err naming the viewpoint and
 * the 1-based rule ("continuity rule 2: unknown fact \"region\""); *out is then NULL.
 */
int analyze_severity_table_new(json_t *doc, struct analyze_sev_table **out, struct rk_err *err);

/* The same from JSON text of len bytes (duplicate keys refused; at most 64 KiB). */
int analyze_severity_table_parse(const char *text, size_t len, struct analyze_sev_table **out,
                                 struct rk_err *err);

/* Frees a table; NULL is a no-op. */
void analyze_severity_table_free(struct analyze_sev_table *table);

/* Scores facts against table into out. Pure and total: never fails. */
void analyze_severity_compute(const struct analyze_sev_table *table,
                              const struct analyze_sev_facts *facts, struct analyze_severity *out);

/*
 * Reads the impact facts of a STIX incident (not consumed) from its renkei extension
 * ANALYZE_SEV_EXTENSION. Any severity written by the reporter is ignored. Returns 0 with out
 * filled, RK_E_NOTFOUND if the object has no such extension (out all zero), or RK_E_INVALID
 * with err naming the member ("people_affected: not a non-negative integer").
 */
int analyze_severity_facts_from_stix(json_t *incident, struct analyze_sev_facts *out,
                                     struct rk_err *err);

/* ---- Incident reports (report.c; docs/analysis.md, "Incident reports and severity") ---- */

/* The member of the renkei extension that only the hub writes: {"level", "continuity",
 * "safety", "trust" (0-4 each), "viewpoint" (of level, or "none"), "explanation",
 * "criteria" (the criteria table's id)}. A member's own "severity" is kept beside it. */
#define ANALYZE_SEV_HUB_MEMBER "hub_severity"

/* The author of the renkei extension-definition object (the renkei project, not a hub). */
#define ANALYZE_REPORT_AUTHOR "identity--a0c6f63f-89ed-4c95-9aca-f47856c7be57"

/*
 * Validates the renkei extension ext of an incident as a member wrote it, apart from its
 * impact facts (analyze_severity_facts_from_stix) and sector names (the hub's table): the
 * members known, extension_type "property-extension", event_type and status required and from
 * their vocabulary, cause_type and cause consistent, text lengths, the reporter's severity
 * 0-4. Returns 0, or RK_E_INVALID with err naming the member ("status: must be one of
 * detected, ongoing, recovered").
 */
int analyze_report_check(json_t *ext, struct rk_err *err);

/*
 * Writes the hub's severity into incident (in place) when it carries the renkei extension:
 * removes whatever ANALYZE_SEV_HUB_MEMBER held, validates the report (analyze_report_check,
 * the facts), scores it against table and stores the result, criteria as its "criteria".
 * Returns 1 when it wrote it, 0 for an incident without the extension (untouched), or
 * RK_E_INVALID naming the member (the object may have lost its hub_severity).
 */
int analyze_severity_stamp(json_t *incident, const struct analyze_sev_table *table,
                           const char *criteria, struct rk_err *err);

/* The STIX extension-definition object of ANALYZE_SEV_EXTENSION (a new reference). */
json_t *analyze_report_extension_definition(void);

/* ---- cross-sector correlation (correlate.c; docs/analysis.md) ---------------------------- */

/* The thresholds, from the policy document: at least min_orgs organisations in at least
 * min_sectors sectors within window_days days. Each at least 1. */
struct analyze_corr_params {
    int min_orgs;
    int min_sectors;
    int window_days;
};

/* One report of an observable (an index row), fields borrowed. */
struct analyze_corr_report {
    const char *org_id;    /* the reporting organisation */
    const char *sector;    /* its sector */
    rk_time_us date_added; /* when the object was stored */
    bool counted;          /* false: the caller's access rule keeps it out (docs/analysis.md) */
};

/* Whether the reports correlate, and the window that shows it. */
struct analyze_corr_result {
    bool correlates;
    size_t n_orgs;                    /* distinct organisations in the window */
    size_t n_sectors;                 /* distinct sectors in the window */
    const char **orgs;                /* n_orgs ids (borrowed from the reports), sorted */
    const char **sectors;             /* n_sectors keys (borrowed), sorted */
    rk_time_us first_seen, last_seen; /* first and last report of the window */
};

/*
 * The rule: among the counted reports (an organisation and a sector each), the latest window
 * of at most window_days days (from one report's date_added to another's) holding reports of
 * at least min_orgs distinct organisations in at least min_sectors distinct sectors. Reports
 * may come in any order. out gets correlates false when there is none. O(n log n). 0, or
 * RK_E_INVALID for thresholds below 1. Free out with analyze_corr_result_free.
 */
int analyze_correlate(const struct analyze_corr_params *params,
                      const struct analyze_corr_report *reports, size_t n,
                      struct analyze_corr_result *out, struct rk_err *err);
void analyze_corr_result_free(struct analyze_corr_result *r);

/* The observable of an index key (analyze_observable_key's text, "domain:example.jp").
 * 0, or RK_E_INVALID with err saying why. */
int analyze_observable_from_key(const char *key, struct analyze_observable *out,
                                struct rk_err *err);

/* A UUID version 5 (RFC 4122, SHA-1) of name (len bytes) in namespace ns (UUID text) into out
 * (lower-case text). 0, or RK_E_INVALID when ns is not a UUID. */
int analyze_uuid_v5(const char *ns, const char *name, size_t len, char out[RK_UUID_LEN]);

/*
 * The STIX 2.1 SCO of obs (a new JSON object): ipv4-addr / ipv6-addr (addresses and CIDRs),
 * domain-name, url, email-addr, file with one hash, autonomous-system; its id the UUIDv5 of
 * its id-contributing properties as STIX 2.1 section 2.9 says, so that every producer
 * names the same observable with the same id. NULL for a type without an SCO.
 */
json_t *analyze_observable_sco(const struct analyze_observable *obs);

/* The grouping id of the correlation of key ("domain:example.jp") at tier ("green") on the
 * hub whose identity is hub_identity: a UUIDv5 in the namespace of the identity's UUID, the
 * same on every pass, so that a later report makes a new version, written to out (at least
 * STIX_ID_MAX + 1 bytes: "grouping--" and the UUID). 0 or RK_E_INVALID. */
int analyze_corr_grouping_id(const char *hub_identity, const char *key, const char *tier,
                             char out[]);

/*
 * The hub's grouping (a new JSON object, without created, modified and markings, which the
 * hub write sets) of the correlation r of obs at tier: context suspicious-activity,
 * created_by_ref hub_identity, object_refs [the SCO of obs], a description "reported by 3
 * organisations in 2 sectors between 2026-12-01 and 2026-12-07" and
 * x_renkei_correlation {observable {type, value}, key, organisations, sectors, first_seen,
 * last_seen, tier}. The organisation count is a number only from k on, else "fewer than k";
 * sectors are counted, never named; no reporter and no input is named. NULL when r does not
 * correlate or obs has no SCO.
 */
json_t *analyze_corr_grouping(const char *hub_identity, const struct analyze_observable *obs,
                              const char *tier, const struct analyze_corr_result *r, int k);

/* ---- the capability (module.c) --------------------------------------------------------- */

struct module;
struct rk_hub;

/* The analyze module's descriptor, listed in src/cli/modules.c. */
extern const struct module analyze_module;

/*
 * Installs analyze's ingest hooks into hub (policy_hub_add_hook). The module's start calls
 * it before serve accepts a connection; anything else that ingests into hub must call it
 * once before the first post, so that what is stored is indexed and scored the same way
 * whoever stored it.
 */
int analyze_attach(struct rk_hub *hub, struct rk_err *err);

/* The policy document's section holding the severity criteria table (default:
 * analyze_severity_default_table()). */
#define ANALYZE_SEV_POLICY_KEY "severity_criteria"

/*
 * Registers analyze's sections of the policy document (the severity criteria table) with the
 * policy layer, so that they are validated, stored and shown like the rest of the document.
 * Every process that reads or changes the policy calls it once before (renkei's main does;
 * analyze_attach does too). Not thread-safe; calling it again is a no-op.
 */
int analyze_policy_sections_add(struct rk_err *err);

/* The route that serves the renkei extension-definition object (report_hub.c):
 * GET /api/v1/extension-definitions/{id}, any member. */
struct http_request;
struct http_response;
int analyze_extension_get(void *ctx, struct http_request *req, struct http_response *resp,
                          struct rk_err *err);
/*
 * The observable index (index_hook.c). analyze_index_observe is the observe member of the
 * ingest hook (policy/hub.h): the rows of obj, an object of STIX type type, as one block
 * freed with free(); see docs/internals/analyze.md, "The observable index".
 * analyze_index_attach installs it (called by analyze_attach), unless the environment has
 * RENKEI_NO_OBSERVABLE_INDEX set: for benchmarks of ingest without the index, never for a hub
 * (what is stored meanwhile is never indexed).
 */
struct store_observable;
size_t analyze_index_observe(void *ctx, const char *type, const json_t *obj,
                             struct store_observable **rows);
int analyze_index_attach(struct rk_hub *hub, struct rk_err *err);
/* Similar past incidents (similar_service.c): start builds the index of hub's incidents and
 * reports in a worker that keeps it up to date; stop stops it and frees the index. The two
 * routes (ctx unused): POST /api/v1/similar and GET /api/v1/similar/{id}. */
int analyze_similar_start(struct rk_hub *hub, struct rk_err *err);
void analyze_similar_stop(void);
struct http_request;
struct http_response;
int analyze_similar_post(void *ctx, struct http_request *req, struct http_response *resp,
                         struct rk_err *err);
int analyze_similar_get(void *ctx, struct http_request *req, struct http_response *resp,
                        struct rk_err *err);

#endif /* RK_ANALYZE_H */
