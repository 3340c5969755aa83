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
