/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix.h: the STIX 2.1 object model as renkei needs it: validation of every object on
 * ingest (common properties, required properties of each type, reference types, custom
 * object and property rules), the indicator pattern grammar, canonical JSON and the
 * metadata the store indexes (id, type, spec_version, version).
 *
 * Objects are jansson values (json_t). Functions here never take ownership of the json_t
 * they are given unless they say so.
 */
#ifndef RK_STIX_H
#define RK_STIX_H

#include <jansson.h>

#include "core/core.h"

/* Longest STIX id we accept: type (250) + "--" + UUID (36). */
#define STIX_ID_MAX   300
#define STIX_TYPE_MAX 250

/* Most entries validation accepts in one list of identifiers (any *_refs property, at the
 * top level or in an extension), so that the work the hub does per object stays bounded:
 * about nine times the longest list of the shared real data (a malware's sample_refs,
 * 1,075 entries). A longer list fails the object with a message naming the property. */
#define STIX_REFS_MAX 10000

/*
 * What validation accepted but has a word about: a comparison in an indicator's pattern of a
 * property the specification does not define for a standard SCO type (custom properties, x_...,
 * and custom types excepted), or a hash name outside hash-algorithm-ov. The object is valid;
 * the words are for the person who sent it.
 */
#define STIX_WARNING_MAX 256
struct stix_warning {
    char msg[STIX_WARNING_MAX]; /* the first warning, then " (N warnings in all)" when there
                                   were more; "" when none. One line of printable ASCII. */
    unsigned count;             /* warnings in all */
};

/* What the store indexes about one object version, and what validation warned about it.
 * Strings are copies owned by the struct. */
struct stix_meta {
    char id[STIX_ID_MAX + 1];     /* "type--uuid" */
    char type[STIX_TYPE_MAX + 1]; /* the part of id before "--" */
    char spec_version[16];        /* "2.1" (SCOs without it default to "2.1") */
    /*
     * The TAXII version of the object: modified, else created, in microseconds; -1 when the
     * object has neither (most SCOs), in which case the store assigns one.
     */
    rk_time_us version;
    /* version as the object writes it ("" when version is -1), for status details. */
    char version_text[RK_TIME_LEN + 8];
    /* stix_validate_meta's warnings about the object (none from stix_meta_get). */
    struct stix_warning warning;
};

/*
 * Validates one STIX 2.1 object against the specification: common properties (type
 * syntax, "type--UUID" id whose prefix is the type, spec_version "2.1", created/modified as
 * RFC 3339 UTC with at least millisecond precision where required, modified not before
 * created), the required properties and value rules of every SDO, SRO, SCO,
 * marking-definition, language-content and extension-definition, *_ref / *_refs pointing to
 * the right types, and indicator patterns (stix_pattern_validate). Custom objects and
 * properties follow the 2.1 rules (names, lengths, extensions).
 *
 * Returns 0 if valid. Otherwise RK_E_INVALID with err->msg naming the object id (or its
 * index when it has no usable id), the property and the rule, e.g.
 * "indicator--1f...: property 'pattern': unbalanced '[' at offset 17".
 */
int stix_validate(const json_t *obj, struct rk_err *err);

/*
 * Checks an indicator pattern of pattern_type "stix" against the full STIX patterning
 * grammar (comparison and observation expressions, AND/OR/FOLLOWEDBY, qualifiers WITHIN,
 * REPEATS, START/STOP, every operator, constants of every kind), and the constants that
 * comparisons of standard SCO properties hold against what section 6 allows for them (an
 * IPv4 address, a CIDR prefix, a hash's length by algorithm, a MAC-48 address, a port's range,
 * a timestamp where a timestamp is compared...). Returns 0 or RK_E_INVALID with err->msg
 * saying what is wrong and at which byte offset.
 *
 * warn may be NULL. Otherwise it is cleared, and on success it holds the warnings (a property
 * the specification does not define for a standard SCO type, a hash name outside
 * hash-algorithm-ov), each "pattern: <what> at offset <n>" like the errors.
 */
int stix_pattern_validate(const char *pattern, struct rk_err *err, struct stix_warning *warn);

/*
 * ---- the pattern tree (built by the validator's own parser, pattern.c; pattern_tree.c) ----
 *
 * stix_pattern_parse reads a pattern once into a tree that a matcher or an index can walk as
 * often as it likes. It is the same grammar and the same checks as stix_pattern_validate (one
 * parser does both), so it accepts exactly what the validator accepts and fails with the same
 * message. Every node, string and list of a tree lives in the tree's own arena: it needs no
 * other memory than the struct stix_pattern, and stix_pattern_free frees it all at once. A
 * tree is read-only once built, so threads may share it. Lists are singly linked (first
 * member in the parent, each member's next), in the order written. See
 * docs/internals/patterns.md, "The tree".
 */

/* What a node of the tree is. */
enum stix_pat_kind {
    /* observation expressions: kids are observation expressions (2 or more, in order) */
    STIX_PAT_FOLLOWEDBY, /* a FOLLOWEDBY b FOLLOWEDBY c */
    STIX_PAT_OBS_OR,     /* a OR b */
    STIX_PAT_OBS_AND,    /* a AND b */
    /* '[' comparison expression ']': one kid (CMP_OR, CMP_AND or COMPARISON); qualifiers */
    STIX_PAT_OBSERVATION,
    /* '(' observation expression ')' followed by qualifiers: one kid; qualifiers. Parentheses
     * without qualifiers make no node (the tree nests as they did). */
    STIX_PAT_GROUP,
    /* comparison expressions inside '[...]': kids are comparison expressions (2 or more);
     * parentheses make no node */
    STIX_PAT_CMP_OR,
    STIX_PAT_CMP_AND,
    /* one comparison: cmp */
    STIX_PAT_COMPARISON,
};

/* A comparison's operator. */
enum stix_pat_op {
    STIX_OP_EQ,  /* = (also written ==) */
    STIX_OP_NEQ, /* != (also written <>) */
    STIX_OP_LT,
    STIX_OP_LE,
    STIX_OP_GT,
    STIX_OP_GE,
    STIX_OP_IN,
    STIX_OP_LIKE,
    STIX_OP_MATCHES,
    STIX_OP_ISSUBSET,
    STIX_OP_ISSUPERSET,
    STIX_OP_EXISTS, /* EXISTS path: no value */
};

/* The kind of a constant. */
enum stix_pat_vkind {
    STIX_PV_STRING,
    STIX_PV_INT,
    STIX_PV_FLOAT,
    STIX_PV_BOOL,
    STIX_PV_BINARY,    /* b'base64' */
    STIX_PV_HEX,       /* h'hex' */
    STIX_PV_TIMESTAMP, /* t'...' */
};

/* One constant, typed. */
struct stix_pat_value {
    enum stix_pat_vkind kind;
    /*
     * The value as bytes, NUL-terminated (len excludes the NUL): STRING its text with \' and
     * \\ unescaped; BINARY and HEX the octets they decode to (may hold NULs); INT, FLOAT,
     * BOOL as written ("-12", "1.5", "true"); TIMESTAMP the text between t' and '.
     */
    const char *text;
    size_t len;
    int64_t i;                   /* INT */
    double f;                    /* FLOAT (and INT, converted) */
    bool b;                      /* BOOL */
    rk_time_us ts;               /* TIMESTAMP */
    size_t off;                  /* byte offset of the constant in the pattern */
    struct stix_pat_value *next; /* next member of an IN set */
};

/* One step of an object path after the object type. */
enum stix_pat_step_kind {
    STIX_STEP_NAME,  /* .name or .'quoted name' (name without quotes, unescaped) */
    STIX_STEP_INDEX, /* [n] */
    STIX_STEP_ANY,   /* [*] */
};
struct stix_pat_step {
    enum stix_pat_step_kind kind;
    const char *name; /* NAME: NUL-terminated */
    size_t len;       /* NAME: bytes of name */
    uint64_t index;   /* INDEX */
    struct stix_pat_step *next;
};

/* One comparison: type:path op value(s), or EXISTS type:path. */
struct stix_pat_comparison {
    const char *type; /* the object type, NUL-terminated ("ipv4-addr") */
    /* The steps as one string: names joined with '.', indexes as "[n]" and "[*]", quotes
     * removed: "value", "hashes.SHA-256", "extensions.windows-pebinary-ext.sections[*].name" */
    const char *path;
    struct stix_pat_step *steps; /* the first step (there is always one) */
    size_t nsteps;
    enum stix_pat_op op;
    bool negated;                  /* path NOT op value, or NOT EXISTS path */
    struct stix_pat_value *values; /* the constant; IN: the set's first member (NULL when the set
                                      is empty); EXISTS: NULL */
    size_t nvalues;
};

/* The qualifiers of an observation (each at most once). */
struct stix_pat_qualifiers {
    bool has_within;
    double within; /* WITHIN n SECONDS: n (> 0) */
    bool has_repeats;
    uint64_t repeats; /* REPEATS n TIMES: n (> 0) */
    bool has_start_stop;
    rk_time_us start, stop; /* START t STOP t: start < stop */
};

struct stix_pat_node {
    enum stix_pat_kind kind;
    size_t off;                 /* byte offset in the pattern where the node starts */
    struct stix_pat_node *kids; /* first kid (see enum stix_pat_kind), or NULL */
    size_t nkids;
    struct stix_pat_node *next;     /* next kid of the parent */
    struct stix_pat_qualifiers q;   /* OBSERVATION, GROUP */
    struct stix_pat_comparison cmp; /* COMPARISON */
};

struct stix_pat_arena; /* private */
struct stix_pattern {
    struct stix_pat_node *root; /* an observation expression */
    struct stix_pat_arena *arena;
};

/*
 * Parses pattern into *out (freed with stix_pattern_free). Returns 0, or RK_E_INVALID with
 * err->msg as stix_pattern_validate writes it (err may be NULL) and *out NULL. Warnings are
 * not collected (stix_pattern_validate says them).
 */
int stix_pattern_parse(const char *pattern, struct stix_pattern **out, struct rk_err *err);
void stix_pattern_free(struct stix_pattern *p);

/*
 * What a pattern states positively about observables: calls fn(ctx, type, path, value) for
 * every value of every comparison with = or IN that is not negated (an IN set gives one call
 * per member), in the order written, whether the comparison sits under AND, OR or any
 * observation operator. type and path are as in struct stix_pat_comparison:
 * [file:hashes.'SHA-256' = 'ab..'] gives ("file", "hashes.SHA-256", 'ab..'). Values are
 * given as parsed (no normalisation). fn returns 0 to go on; anything else stops the walk
 * and is returned. Returns 0 when the walk ended.
 */
typedef int (*stix_pat_observable_fn)(void *ctx, const char *type, const char *path,
                                      const struct stix_pat_value *value);
int stix_pattern_observables(const struct stix_pattern *p, stix_pat_observable_fn fn, void *ctx);

/*
 * Fills meta from an object that stix_validate accepted. Returns 0, or RK_E_INVALID if the
 * object lacks what the store needs (it then says which property in err).
 */
int stix_meta_get(const json_t *obj, struct stix_meta *meta, struct rk_err *err);
/* stix_validate then stix_meta_get, reading the members for meta through the index the
 * validation built; meta->warning gets what the validation warned about (stix_warning). */
int stix_validate_meta(const json_t *obj, struct stix_meta *meta, struct rk_err *err);

/*
 * Serialises obj canonically: compact, keys sorted, UTF-8 unescaped, so that two bodies
 * that mean the same JSON compare equal byte for byte. Returns a malloc'd string the caller
 * frees with free(), and its length in *len (if len is not NULL).
 */
char *stix_canonical(const json_t *obj, size_t *len);

/* ---- ingest speed (json.c) ---- */
/*
 * json_loadb(text, len, 0, error), faster on the documents TAXII POST receives: the same
 * tree (key order, duplicate keys, values), the same acceptance and the same errors, since
 * anything it is unsure of is parsed again by json_loadb. Returns a new reference the caller
 * json_decref()s, or NULL with error filled by jansson.
 */
json_t *stix_json_parse(const char *text, size_t len, json_error_t *error);

/*
 * stix_json_parse for a body that may nest at most max_depth arrays and objects: refuses a
 * deeper one (NULL, *too_deep true, error untouched) exactly as counting the brackets
 * outside strings before parsing would, valid JSON or not, but without that extra pass
 * over the text when the fast path reads it (the nesting is checked while parsing; the
 * scan runs only before handing the text to json_loadb, whose recursion is unbounded).
 * Otherwise as stix_json_parse, with *too_deep false.
 */
json_t *stix_json_parse_depth(const char *text, size_t len, int max_depth, bool *too_deep,
                              json_error_t *error);
/*
 * stix_json_parse_depth that also refuses (NULL, *too_many true, error untouched) a body of
 * more than max_values JSON values (objects, arrays, strings, numbers, true, false, null),
 * before building their tree: a parsed value takes a hundred times its bytes or more, so
 * the count bounds the memory a body can take. The fast path counts the values exactly; a
 * body it hands to jansson is counted first at every '[', '{' and ',' outside strings plus
 * one (never fewer than its values).
 */
json_t *stix_json_parse_capped(const char *text, size_t len, int max_depth, size_t max_values,
                               bool *too_deep, bool *too_many, json_error_t *error);

/* ---- ingest speed (canonical.c) ---- */
/*
 * The canonical text (stix_canonical) of an object after appending marking_id to its
 * object_marking_refs (the property created when absent), spliced into canon, the
 * canonical text of the object before, instead of serialising it again. Returns a malloc'd
 * string (its length in *out_len) the caller frees, or NULL when canon is not a canonical
 * object this can splice into (an escaped key, object_marking_refs not an array) or
 * marking_id would need escaping: then serialise with stix_canonical. Does not check
 * whether marking_id is present already.
 */
char *stix_canonical_add_marking(const char *canon, size_t len, const char *marking_id,
                                 size_t *out_len);
/*
 * stix_canonical_add_marking that also says where the bytes went: the inserted bytes are
 * the one contiguous run [*ins_off, *ins_off + *ins_len) of the result, so canon is the
 * result with that run removed (the provenance vault stores an original that differs from
 * the stored object only by the hub's marking as that cut). ins_off and ins_len may be
 * NULL; they are set only when the result is not NULL.
 */
char *stix_canonical_add_marking_at(const char *canon, size_t len, const char *marking_id,
                                    size_t *out_len, size_t *ins_off, size_t *ins_len);

/*
 * Where the canonical text of an object takes a marking in object_marking_refs, as
 * stix_canonical_slot's writer saw it: at the byte offset at, write a ',' if comma_before,
 * then the quoted marking id (inside "object_marking_refs":[...] if with_key), then a ','
 * if comma_after. ok is false when there is no such place (object_marking_refs is not a
 * list, or the text came from jansson's writer: a real, or nesting past the writer's bound).
 */
struct stix_marking_slot {
    size_t at;
    bool ok;
    bool with_key;
    bool comma_before;
    bool comma_after;
};
/* stix_canonical that also fills *slot (if not NULL) for the object it writes. */
char *stix_canonical_slot(const json_t *obj, size_t *len, struct stix_marking_slot *slot);
/*
 * stix_canonical_add_marking_at for canon, the text stix_canonical_slot returned with slot:
 * the same result without reading canon for the place (2,430 -> 910 instructions per
 * object the hub marks, real data). NULL when !slot->ok, when slot->at is not inside canon,
 * or when marking_id would need escaping.
 */
char *stix_canonical_add_marking_slot(const char *canon, size_t len,
                                      const struct stix_marking_slot *slot, const char *marking_id,
                                      size_t *out_len, size_t *ins_off, size_t *ins_len);

/*
 * Arenas for parsed trees (json_arena.c). stix_json_arena_install(), once, before any thread
 * starts, makes jansson allocate through it; without it every parse uses malloc as before.
 *
 * An arena is owned by a request or a job, not by a thread: stix_json_arena_new() gives the
 * owner its reference (NULL when out of memory: parses then use malloc),
 * stix_json_parse_capped_in() parses into it, stix_json_arena_release() ends the owner's
 * use. A tree parsed into an arena may be freed (json_decref) on any thread, at any time;
 * the arena's memory goes back once its owner released it and its last block is freed, so a
 * value kept (json_incref) by a worker past the request stays valid. Parses into one arena
 * must not run at the same time. Every function takes NULL as "no arena".
 */
struct stix_json_arena;
void stix_json_arena_install(void);
struct stix_json_arena *stix_json_arena_new(void);
void stix_json_arena_release(struct stix_json_arena *arena);
/* stix_json_parse_capped with the tree allocated in arena (NULL: malloc). */
json_t *stix_json_parse_capped_in(struct stix_json_arena *arena, const char *text, size_t len,
                                  int max_depth, size_t max_values, bool *too_deep, bool *too_many,
                                  json_error_t *error);
/* Blocks of arena not freed yet, while its owner holds it (for tests). */
size_t stix_json_arena_live(const struct stix_json_arena *arena);
/*
 * Frees root, a tree stix_json_parse_capped_in returned, by forgetting the arena's blocks at
 * once instead of walking the tree (tens of thousands of nodes per envelope), when that is
 * safe: root is the arena's latest parse, that parse started with nothing else live in the
 * arena and took no block from malloc (a string over 64 KiB, or the table of an array or
 * object of more than some 8,000 members, is too large for the arena), and root's reference
 * is the only one. Otherwise, and without an arena, json_decref(root). Called by the arena's
 * owner, before stix_json_arena_release. The caller promises what cannot be checked
 * cheaply: nothing else, on any thread, refers into the tree, and the tree holds nothing
 * allocated after the parse (ingest takes every object it changed out of the envelope, as
 * json_null, before). Builds with AddressSanitizer check the second promise on every drop
 * (each value, key and string of the tree in the arena) and poison forgotten arena memory,
 * so that a reference kept past a drop is reported where it is used.
 */
void stix_json_arena_drop(struct stix_json_arena *arena, json_t *root);
/* How many trees stix_json_arena_drop forgot wholesale in arena (for tests). */
size_t stix_json_arena_drops(const struct stix_json_arena *arena);

#endif /* RK_STIX_H */
