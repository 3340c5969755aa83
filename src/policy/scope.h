/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scope.h: what level an object gets. TLP levels and names, what the hub reads in markings,
 * the policy document (scope rules, aliases, anonymiser settings) and the automatic scope
 * decision (tlp.c, markings.c, doc.c, scope.c, ingest_markings.c).
 */
#ifndef RK_POLICY_SCOPE_H
#define RK_POLICY_SCOPE_H

#include <stdbool.h>

#include "core/core.h"
#include "policy/auth.h"
#include "policy/hub.h"
#include "stix/stix.h"
#include "store/store.h"

/* TLP levels, ordered: a higher value is stricter. NONE only describes an object without any
 * TLP marking; every stored row carries CLEAR..RED (ingest assigns one). */
enum policy_tlp {
    POLICY_TLP_NONE = 0,
    POLICY_TLP_CLEAR = 1, /* TLP 2.0 CLEAR, TLP 1.0 WHITE */
    POLICY_TLP_GREEN = 2,
    POLICY_TLP_AMBER = 3,
    POLICY_TLP_AMBER_STRICT = 4, /* TLP 2.0 only */
    POLICY_TLP_RED = 5,
};

/* The TLP a marking-definition id stands for (TLP 1.0 and 2.0 ids); NONE for any other id or
 * NULL. */
int policy_tlp_of_marking(const char *marking_id);

/* What the hub reads in a marking that is not a TLP level (policy_marking_read). */
#define POLICY_MARK_UNREADABLE (-1) /* unknown id, or a definition the hub cannot read */
#define POLICY_MARK_STATEMENT  (-2) /* a statement (copyright, terms) that names no TLP */

/* The marking definitions of one envelope as the hub reads them, and the policy whose
 * marking_aliases apply (markings.c). Initialise with policy_marks_init, add each valid
 * marking-definition object of the envelope with policy_marks_add, release with
 * policy_marks_clear. */
struct policy_mark {
    char id[STIX_ID_MAX + 1];
    int reading; /* CLEAR..RED, POLICY_MARK_STATEMENT or POLICY_MARK_UNREADABLE */
};
struct policy_doc;
struct policy_marks {
    const struct policy_doc *doc; /* borrowed; NULL: no aliases */
    struct policy_mark *v;
    size_t n, cap;
};
void policy_marks_init(struct policy_marks *m, const struct policy_doc *doc);
void policy_marks_add(struct policy_marks *m, const json_t *marking_definition);
/* Records reading for id as if a definition said so (an id looked up and not found). */
void policy_marks_add_reading(struct policy_marks *m, const char *id, int reading);
/* Whether m holds an entry for id (a definition, or a recorded reading). */
bool policy_marks_has(const struct policy_marks *m, const char *id);
void policy_marks_clear(struct policy_marks *m);

/*
 * What marking id means to the hub, first match wins: a standard TLP 1.0 / 2.0 id (*standard
 * true), a built-in alias of another tool (OpenCTI's TLP:AMBER+STRICT), the policy's
 * marking_aliases (POLICY_MARKING_NONE: restricts nothing), a definition m holds; else
 * POLICY_MARK_UNREADABLE. m may be NULL (standard ids and built-in aliases only).
 */
int policy_marking_read(const struct policy_marks *m, const char *id, bool *standard);

/* What the hub reads of an object's markings (object_marking_refs and every
 * granular_markings[].marking_ref): the strictest marking anywhere governs the whole
 * object. */
struct policy_tlp_reading {
    int tlp;                          /* strictest TLP read; NONE if none */
    bool standard;                    /* a standard TLP id carries that level */
    char marking[STIX_ID_MAX + 1];    /* the marking that gave tlp ("" if NONE) */
    char unreadable[STIX_ID_MAX + 1]; /* the first marking the hub cannot read, or "" */
    char statement[STIX_ID_MAX + 1];  /* the first statement naming no TLP, or "" */
};
void policy_tlp_read(const json_t *obj, const struct policy_marks *m,
                     struct policy_tlp_reading *out);

/*
 * Before the scope decision of obj posted by who into c, when policy_tlp_read found a marking
 * it cannot read: every marking obj refers to that marks cannot read yet (neither standard,
 * nor an alias, nor defined in the envelope) is looked up among the marking definitions of c
 * who may see (policy_query), and what is found is added to marks (ingest_markings.c); read
 * obj again afterwards. 0, or the store's error.
 */
int policy_marks_resolve(struct rk_hub *hub, const struct policy_principal *who,
                         const struct store_collection *c, struct policy_marks *marks,
                         const json_t *obj, struct rk_err *err);

/* Names "clear", "green", "amber", "amber+strict", "red" (case-insensitive on parse; -1 if
 * unknown). policy_tlp_name gives "none" for NONE and "?" for anything out of range. */
int policy_tlp_parse(const char *name);
const char *policy_tlp_name(int tlp);

/* The TLP 2.0 marking-definition id of tlp (CLEAR..RED); NULL for NONE or out of range. */
const char *policy_tlp_marking_id(int tlp);

/* Labels obj with tlp: appends the TLP 2.0 marking id to object_marking_refs (creating the
 * array) unless it is already there. 0, or RK_E_INVALID if tlp is not CLEAR..RED or
 * object_marking_refs exists and is not an array. */
int policy_tlp_mark(json_t *obj, int tlp, struct rk_err *err);
/* Whether obj already carries tlp's marking id in object_marking_refs (*marked), without
 * changing it; the same errors as policy_tlp_mark. */
int policy_tlp_marked(const json_t *obj, int tlp, bool *marked, struct rk_err *err);

/* Settings key of the policy document. */
#define POLICY_SETTING_DOC "policy"
/* A scope rule's tlp "collection": the collection's default_tlp decides. */
#define POLICY_TLP_COLLECTION (-1)
/* What to do with values matching the contributor's own identifiers. */
#define POLICY_OWNID_REFUSE 0
#define POLICY_OWNID_REDACT 1
/* What to do with an object carrying a marking the hub cannot read (unknown_markings). */
#define POLICY_UNREADABLE_AMBER  0 /* at least AMBER to the collection's audience */
#define POLICY_UNREADABLE_REFUSE 1 /* the object fails */
/* What to do with a created_by_ref that is not the poster's own identity, its stand-in or a
 * public identity (foreign_authors). */
#define POLICY_FOREIGN_REWRITE 0 /* to the poster's identity (named) or its stand-in */
#define POLICY_FOREIGN_REFUSE  1 /* the object fails */
/* A marking alias to "none": the marking restricts nothing (a copyright statement). */
#define POLICY_MARKING_NONE 0
/* Names a decision records instead of a scope rule's (reserved in the document): the TLP
 * came from a marking the hub reads through an alias or the envelope's own definition, or
 * was raised to AMBER because of a marking the hub cannot read. */
#define POLICY_RULE_ALIAS      "marking-alias"
#define POLICY_RULE_UNREADABLE "unreadable-marking"
#define POLICY_NAME_MAX        64  /* rule name, including the NUL */
#define POLICY_SCOPE_MAX       256 /* audience spec of a rule or decision, including the NUL */
#define POLICY_RULES_MAX       256 /* scope rules in one document */

/* A list of malloc'd strings owned by the struct that holds it. */
struct policy_strings {
    char **v; /* n strings */
    size_t n;
};

/* One automatic scope rule. Match lists are ANDed with each other; values inside one list are
 * ORed; an empty list matches anything. */
struct policy_scope_rule {
    char name[POLICY_NAME_MAX];        /* unique in the document, non-empty */
    struct policy_strings types;       /* STIX types */
    struct policy_strings sectors;     /* contributor sector keys */
    struct policy_strings collections; /* collection id, alias or title */
    struct policy_strings labels;      /* any label of the object */
    int tlp;                           /* CLEAR..RED or POLICY_TLP_COLLECTION */
    char audience[POLICY_SCOPE_MAX];   /* "contributor-sector", "collection" or an audience
                                          spec; "" = "collection". Only used for AMBER. */
};

/* One entry of the policy's marking aliases: a marking-definition id the hub reads as tlp. */
struct policy_marking_alias {
    char *id; /* "marking-definition--<uuid>", lower case */
    int tlp;  /* CLEAR..RED, or POLICY_MARKING_NONE (restricts nothing) */
};

/* The policy document (settings key "policy"), as parsed. Free with policy_doc_clear. */
struct policy_doc {
    int sector_k;          /* >= 1; default 5 */
    int green_delay_hours; /* >= 0; default 0 (off) */
    /* Cross-sector correlation (analyze): an observable correlates when reported by at least
     * corr_min_orgs organisations in at least corr_min_sectors sectors within
     * corr_window_days days. Defaults 2, 2, 30. */
    int corr_min_orgs;                            /* "correlation_min_organisations", 1..1000000 */
    int corr_min_sectors;                         /* "correlation_min_sectors", 1..1000 */
    int corr_window_days;                         /* "correlation_window_days", 1..3650 */
    int own_identifiers;                          /* POLICY_OWNID_*; default refuse */
    struct policy_strings remove_properties;      /* properties the anonymiser removes, any depth */
    struct policy_strings public_identities;      /* identity ids that survive anonymisation */
    struct policy_marking_alias *marking_aliases; /* the coordinator's reading of markings */
    size_t n_marking_aliases;
    int unknown_markings;            /* POLICY_UNREADABLE_*; default amber */
    int foreign_authors;             /* POLICY_FOREIGN_*; default rewrite */
    struct policy_scope_rule *rules; /* n_rules rules, first match wins */
    size_t n_rules;
    json_t *sections; /* the capabilities' sections (key -> value), each registered one; owned */
};

/*
 * A top-level section of the policy document that a capability owns (analyze's
 * "severity_criteria"): the policy layer parses, stores, audits and serialises it like the
 * rest of the document; the capability says what is valid and what the default is.
 * Registered before any document is parsed and never changed afterwards (not thread-safe).
 */
struct policy_doc_section {
    const char *key;                                       /* top-level key, static */
    int (*check)(const json_t *value, struct rk_err *err); /* 0, or RK_E_INVALID naming the
                                                              bad part (key prefixed by us) */
    const char *default_json; /* the value when the document leaves it out (static JSON) */
};

#define POLICY_DOC_SECTIONS_MAX 8

/* Registers section (copied; its strings and function must stay valid). Registering the same
 * key again is a no-op. RK_E_TOOBIG past POLICY_DOC_SECTIONS_MAX; RK_E_INVALID if the
 * default does not parse or fails its own check. */
int policy_doc_add_section(const struct policy_doc_section *section, struct rk_err *err);

/* The value of section key in d (its default when d leaves it out), borrowed from d; NULL
 * when no such section is registered. */
const json_t *policy_doc_section(const struct policy_doc *d, const char *key);

/* The TLP the policy's aliases give marking_id (case-insensitive): CLEAR..RED or
 * POLICY_MARKING_NONE; -1 if d has no alias for it. */
int policy_doc_marking_alias(const struct policy_doc *d, const char *marking_id);

/* True if id is one of d's public identities (case-insensitive). */
bool policy_doc_public_identity(const struct policy_doc *d, const char *id);

/* Fills d with the default document of DESIGN.md (incidents AMBER to the contributor's
 * sector, indicators/observed-data/SCOs GREEN, everything else the collection default).
 * d is overwritten, not freed: clear it first if it held a document. */
void policy_doc_default(struct policy_doc *d);

/* Releases what d owns and leaves it empty (n_rules 0); NULL-safe. */
void policy_doc_clear(struct policy_doc *d);

/*
 * Parses and validates a policy document (JSON text of len bytes). Missing keys take their
 * default values (a missing "scope_rules" gives the default rules); unknown keys, wrong
 * types, bad TLP names, duplicate or empty rule names, more than POLICY_RULES_MAX rules are
 * RK_E_INVALID with err naming the bad part. When s is not NULL, audience specs of rules are
 * checked against the hub (known sectors and organisations). On success *out is filled
 * (caller clears); on failure *out is left empty.
 */
int policy_doc_parse(struct store *s, const char *json, size_t len, struct policy_doc *out,
                     struct rk_err *err);

/* Serialises d as a complete JSON document (every key, rules in order) that policy_doc_parse
 * reads back to an equal document. Returns a malloc'd NUL-terminated string the caller frees. */
char *policy_doc_to_json(const struct policy_doc *d);

/* Loads the stored document (settings POLICY_SETTING_DOC), or the defaults when none is
 * stored. A stored document that does not parse is RK_E_INVALID. Caller clears *out. */
int policy_doc_load(struct store *s, struct policy_doc *out, struct rk_err *err);

/* The outcome of automatic scope for one object. */
struct policy_scope_decision {
    int tlp;                       /* CLEAR..RED */
    char scope[POLICY_SCOPE_MAX];  /* audience spec for AMBER ("sector:<key>", ...); "" = the
                                      collection's audience (always "" below AMBER) */
    char rule[POLICY_NAME_MAX];    /* deciding rule name, "marking" if the object carried its
                                      own TLP, "default" if no rule matched, POLICY_RULE_ALIAS
                                      or POLICY_RULE_UNREADABLE */
    bool assigned;                 /* true: the hub labels the object with tlp's TLP 2.0 marking
                                      (it had none, or none the hub reads as tlp by its id) */
    bool refuse;                   /* the policy refuses objects with unreadable markings and
                                      this one has one (marking says which) */
    char marking[STIX_ID_MAX + 1]; /* the alias read (POLICY_RULE_ALIAS) or the marking that
                                      could not be read (POLICY_RULE_UNREADABLE, refuse) */
};

/*
 * Decides the TLP and scope of obj posted by an organisation of contributor_sector into
 * collection c; reading is what policy_tlp_read made of obj's markings (NULL: read here with
 * the standard ids and built-in aliases only). An object whose markings the hub reads keeps
 * their TLP (rule "marking", scope ""; POLICY_RULE_ALIAS and assigned when no standard id
 * gives the level); otherwise the first matching rule of d decides; if none matches, c's
 * default_tlp (rule "default"). "collection" resolves to c->default_tlp (GREEN if that is
 * not CLEAR..RED). An unreadable marking, or statements alone, never give less than AMBER
 * to the collection's audience (POLICY_RULE_UNREADABLE), or set refuse when d says so.
 * Always returns 0 with *out filled (err unused today; kept for rules that may fail later).
 */
int policy_scope_decide(const struct policy_doc *d, const struct policy_tlp_reading *reading,
                        const json_t *obj, const char *contributor_sector,
                        const struct store_collection *c, struct policy_scope_decision *out,
                        struct rk_err *err);

/* The status message for an assigned decision ("tlp amber by rule 'incidents-amber-sector'")
 * into out (cap bytes, truncated); "" when the object carried its own TLP. */
void policy_scope_message(const struct policy_scope_decision *dec, char *out, size_t cap);

#endif /* RK_POLICY_SCOPE_H */
