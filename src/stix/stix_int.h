/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stix_int.h: what the files of the STIX module share and nobody else sees: the
 * validation context, the declarative property tables every object type is described by,
 * and the small checkers (identifiers, timestamps, encodings) the tables are built on.
 */
#ifndef RK_STIX_INT_H
#define RK_STIX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "stix/stix.h"

/* Room for the name of a nested property in messages ("extensions.windows-pebinary-ext.
 * sections[3].hashes"). */
#define STIX_WHERE_MAX 200

/* The families of objects; they decide which common properties are required. */
enum stix_kind {
    STIX_SDO,     /* domain object: created, modified, spec_version required */
    STIX_SRO,     /* relationship object: as SDO */
    STIX_SCO,     /* cyber-observable: id required, spec_version optional */
    STIX_MARKING, /* marking-definition: created required, modified optional */
    STIX_LANG,    /* language-content */
    STIX_EXTDEF,  /* extension-definition */
};

/* Classes of targets a reference may point to (bit mask in struct stix_prop.classes). */
#define STIX_T_SDO    0x1u  /* any SDO of the specification */
#define STIX_T_SCO    0x2u  /* any SCO of the specification */
#define STIX_T_SRO    0x4u  /* relationship or sighting */
#define STIX_T_CUSTOM 0x8u  /* a type the specification does not define */
#define STIX_T_ANY    0xffu /* anything with an identifier */

/* How the value of one property is checked. */
enum stix_pk {
    STIX_PK_STR,      /* string */
    STIX_PK_TS,       /* RFC 3339 UTC timestamp */
    STIX_PK_INT,      /* integer in [min, max] */
    STIX_PK_BOOL,     /* boolean */
    STIX_PK_NUM,      /* number (integer or real) in [min, max] */
    STIX_PK_STRLIST,  /* non-empty list of strings */
    STIX_PK_DICT,     /* non-empty JSON object */
    STIX_PK_OBJLIST,  /* non-empty list of JSON objects */
    STIX_PK_REF,      /* identifier of one of the admitted targets */
    STIX_PK_REFS,     /* non-empty list of such identifiers */
    STIX_PK_ENUM,     /* string from the closed list in values */
    STIX_PK_ENUMLIST, /* non-empty list of strings from values */
    STIX_PK_HASHES,   /* hashes dictionary */
    STIX_PK_KCP,      /* list of kill-chain phases */
    STIX_PK_IPV4,     /* string: an IPv4 address or CIDR block (stix_addr_why) */
    STIX_PK_IPV6,     /* string: an IPv6 address or CIDR block */
    STIX_PK_MAC,      /* string: a colon-delimited lower-case MAC-48 address */
    STIX_PK_OBJ,      /* non-empty JSON object, with the rows of sub when set */
};

struct stix_sub;

/* One row of a type's property table. */
struct stix_prop {
    const char *name;  /* property name */
    enum stix_pk kind; /* how its value is checked */
    bool required;     /* must be present */
    unsigned classes;  /* STIX_PK_REF(S): admitted target classes */
    const char *const
        *values;     /* REF(S): admitted target types; ENUM: admitted values (NULL-ended) */
    double min, max; /* INT/NUM: inclusive range (ignored when min > max) */
    const struct stix_sub *sub; /* OBJ, OBJLIST: the nested objects' rows, or NULL */
};

/* A nested object type of section 6 (a predefined extension, the PE optional header, an
 * email MIME part...): its property table. */
struct stix_sub {
    const char *name;              /* as messages name it, e.g. "windows-pe-section-type" */
    const struct stix_prop *props; /* its properties */
    size_t nprops;                 /* rows in props */
};

/* Shorthands for table rows; req is true for required properties. */
#define STIX_P(n, k, req)                                                                          \
    {                                                                                              \
        (n), (k), (req), 0, NULL, 0, -1, NULL                                                      \
    }
#define STIX_STR(n, req)    STIX_P(n, STIX_PK_STR, req)
#define STIX_TS(n, req)     STIX_P(n, STIX_PK_TS, req)
#define STIX_BOOL(n, req)   STIX_P(n, STIX_PK_BOOL, req)
#define STIX_LIST(n, req)   STIX_P(n, STIX_PK_STRLIST, req)
#define STIX_DICT(n, req)   STIX_P(n, STIX_PK_DICT, req)
#define STIX_OBJS(n, req)   STIX_P(n, STIX_PK_OBJLIST, req)
#define STIX_KCP(n)         STIX_P(n, STIX_PK_KCP, false)
#define STIX_HASHES(n, req) STIX_P(n, STIX_PK_HASHES, req)
#define STIX_INT(n, req, lo, hi)                                                                   \
    {                                                                                              \
        (n), STIX_PK_INT, (req), 0, NULL, (lo), (hi), NULL                                         \
    }
#define STIX_NUM(n, req, lo, hi)                                                                   \
    {                                                                                              \
        (n), STIX_PK_NUM, (req), 0, NULL, (lo), (hi), NULL                                         \
    }
#define STIX_ENUM(n, req, vals)                                                                    \
    {                                                                                              \
        (n), STIX_PK_ENUM, (req), 0, (vals), 0, -1, NULL                                           \
    }
#define STIX_ENUMS(n, req, vals)                                                                   \
    {                                                                                              \
        (n), STIX_PK_ENUMLIST, (req), 0, (vals), 0, -1, NULL                                       \
    }
#define STIX_REF(n, req, cls, to)                                                                  \
    {                                                                                              \
        (n), STIX_PK_REF, (req), (cls), (to), 0, -1, NULL                                          \
    }
#define STIX_REFS(n, req, cls, to)                                                                 \
    {                                                                                              \
        (n), STIX_PK_REFS, (req), (cls), (to), 0, -1, NULL                                         \
    }
#define STIX_IPV4(n, req) STIX_P(n, STIX_PK_IPV4, req)
#define STIX_IPV6(n, req) STIX_P(n, STIX_PK_IPV6, req)
#define STIX_MAC(n, req)  STIX_P(n, STIX_PK_MAC, req)
/* A nested object (OBJ) or a list of them (OBJLIST) whose rows are those of sub. */
#define STIX_OBJ_OF(n, req, s)                                                                     \
    {                                                                                              \
        (n), STIX_PK_OBJ, (req), 0, NULL, 0, -1, (s)                                               \
    }
#define STIX_OBJS_OF(n, req, s)                                                                    \
    {                                                                                              \
        (n), STIX_PK_OBJLIST, (req), 0, NULL, 0, -1, (s)                                           \
    }
#define STIX_NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct stix_vctx;

/* One object type of the specification. */
struct stix_type {
    const char *name;                  /* the value of "type" */
    enum stix_kind kind;               /* family */
    const struct stix_prop *props;     /* type-specific properties */
    size_t nprops;                     /* rows in props */
    int (*check)(struct stix_vctx *v); /* rules across properties, or NULL */
};

/* Members of the object indexed at most; a larger object is read through jansson. */
#define STIX_MEMBERS_MAX 48
/* ref_ok and refs_ok of struct stix_vctx hold a bit per indexed member. */
_Static_assert(STIX_MEMBERS_MAX <= 64, "a bit per member in a uint64_t");
/* Slots of the index's hash table: a power of two, well over STIX_MEMBERS_MAX. */
#define STIX_MEMBER_SLOTS 128

/* One member of the object being validated, in jansson's iteration order. */
struct stix_member {
    const char *key;     /* its name (NUL-terminated by jansson) */
    size_t len;          /* its length, as jansson stores it */
    const json_t *value; /* its value */
};

/*
 * State of one stix_validate call; lives on the caller's stack, allocates nothing.
 * The object's members are indexed once (stix_vctx_index) so that the thirty-odd lookups
 * of a validation cost a probe of a small table each rather than a jansson hash lookup
 * (callgrind, real data: about 170 instructions each).
 */
struct stix_vctx {
    const json_t *obj;         /* the object being validated */
    const char *id;            /* its id when usable for messages, else NULL */
    const char *type;          /* its type when it is a string, else NULL */
    enum stix_kind kind;       /* its family (custom objects: STIX_SDO or STIX_SCO) */
    struct rk_err *err;        /* where the first failure is written */
    struct stix_warning *warn; /* where warnings go (cleared by the caller), or NULL */
    bool keyrefs;              /* REF(S) rows take any string: observed-data's embedded objects
                                  refer to each other by dictionary key */
    bool indexed;              /* members and slots describe obj (else look up through jansson) */
    size_t nmembers;           /* members used */
    uint64_t ref_ok;           /* bit i: members[i] passed a table row of kind STIX_PK_REF */
    uint64_t refs_ok;          /* bit i: members[i] passed a table row of kind STIX_PK_REFS */
    struct stix_member members[STIX_MEMBERS_MAX]; /* obj's members, in iteration order */
    uint8_t slots[STIX_MEMBER_SLOTS]; /* open addressing: 1 + index into members, 0 free */
};

/* stix_meta_get from the members it reads (each NULL when absent): meta.c. */
int stix_meta_from(const json_t *id, const json_t *sv, const json_t *modified,
                   const json_t *created, struct stix_meta *meta, struct rk_err *err);

/* Fills v's member index from v->obj (a JSON object); leaves v->indexed false when the
 * object has more than STIX_MEMBERS_MAX members. */
void stix_vctx_index(struct stix_vctx *v);

/* The slot a key of n bytes starts probing at. Inline so that a literal name's hash is a
 * constant. */
static inline unsigned stix_member_hash(const char *name, size_t n)
{
    unsigned a = n > 0 ? (unsigned char)name[0] : 0, z = n > 0 ? (unsigned char)name[n - 1] : 0;
    return ((unsigned)n * 37u + a * 11u + z) & (STIX_MEMBER_SLOTS - 1);
}

/* The index of v->obj's member called name, or -1 (v->indexed must be true). */
static inline int stix_member_find(const struct stix_vctx *v, const char *name)
{
    size_t n = strlen(name);
    for (unsigned h = stix_member_hash(name, n);; h = (h + 1) & (STIX_MEMBER_SLOTS - 1)) {
        unsigned k = v->slots[h];
        if (k == 0)
            return -1;
        const struct stix_member *m = &v->members[k - 1];
        if (m->len == n && memcmp(m->key, name, n) == 0)
            return (int)k - 1;
    }
}

/* The member of v->obj called name, or NULL: json_object_get(v->obj, name), by the index. */
static inline const json_t *stix_get(const struct stix_vctx *v, const char *name)
{
    if (!v->indexed)
        return json_object_get(v->obj, name);
    int i = stix_member_find(v, name);
    return i >= 0 ? v->members[i].value : NULL;
}

/* The per-family tables, each sorted by name (types_sdo.c, types_sco.c, types_meta.c). */
extern const struct stix_type stix_sdo_types[];
extern const size_t stix_sdo_ntypes;
extern const struct stix_type stix_sco_types[];
extern const size_t stix_sco_ntypes;
extern const struct stix_type stix_meta_types[];
extern const size_t stix_meta_ntypes;

/* extension-type-enum (section 10.5), NULL-ended. */
extern const char *const stix_extension_types[];

/* The specification's type called name (n bytes, not NUL-terminated), or NULL. */
const struct stix_type *stix_type_find(const char *name, size_t n);

/*
 * Writes "<id>: property '<prop>': <rule>" (or "object <type>: ...") into v->err and
 * returns RK_E_INVALID. The message is capped well under 400 bytes.
 */
int stix_fail(struct stix_vctx *v, const char *prop, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True if s[0..n) is a type name: 3-250 of [a-z0-9-] starting with a letter (section 3.1), no
 * trailing or double hyphen. */
bool stix_type_name_ok(const char *s, size_t n);

/* True if s is "<type>--<UUID>"; *type_len receives the length of the type part. */
bool stix_id_ok(const char *s, size_t *type_len);

/* stix_id_ok(s, type_len) for s of n bytes with s[n] == '\0' (a jansson string), faster on
 * valid identifiers (the UUID a word at a time). */
bool stix_id_okn(const char *s, size_t n, size_t *type_len);

/* True if s is a property name: 3-250 of [a-z0-9_] starting with a letter. */
bool stix_prop_name_ok(const char *s);

/* stix_prop_name_ok(s) for s of n bytes before its NUL, eight bytes at a time. */
bool stix_prop_name_okn(const char *s, size_t n);

/* True if s is standard base64 (RFC 4648, padding required). */
bool stix_base64_ok(const char *s);

/* True if s is a non-empty even-length string of hexadecimal digits. */
bool stix_hex_ok(const char *s);

/* Checks value against one property row; prop names the property in messages. */
int stix_check_value(struct stix_vctx *v, const struct stix_prop *p, const json_t *value);

/* Checks the rows of a table against the object (presence of required ones, values). */
int stix_check_props(struct stix_vctx *v, const json_t *obj, const struct stix_prop *props,
                     size_t n);

/* Checks a hashes dictionary (key syntax and, for known algorithms, value length). */
int stix_check_hashes(struct stix_vctx *v, const char *prop, const json_t *h);

/* Checks the common properties according to the family (common.c). */
int stix_check_common(struct stix_vctx *v, enum stix_kind kind, bool custom);

/* Checks every property name and the generic suffix rules (_ref, _refs, _bin, _hex). */
int stix_check_names(struct stix_vctx *v);

/* Checks the extensions dictionary (common.c). */
int stix_check_extensions(struct stix_vctx *v, const json_t *ext);

/* Parses a timestamp property that is present; 0 with *out, or the failure. */
int stix_get_ts(struct stix_vctx *v, const char *prop, rk_time_us *out, bool *present);

/*
 * Checks obj, a nested object of type sub (a predefined extension, a PE section...), against
 * sub's rows: required ones present, the value of each present one. where names obj in
 * messages ("extensions.ntfs-ext", "values[2]").
 */
int stix_check_sub(struct stix_vctx *v, const char *where, const json_t *obj,
                   const struct stix_sub *sub);

/* The predefined extension called name (n bytes) of the SCO type called type, or NULL
 * (types_sco_ext.c). */
const struct stix_sub *stix_sco_extension(const char *type, size_t type_len, const char *name,
                                          size_t n);

/* Checks the deprecated objects dictionary of observed-data: each entry an object with a type,
 * and the entries of a standard SCO type against its table and predefined extensions, with
 * references as dictionary keys (types_sco.c). */
int stix_check_embedded(struct stix_vctx *v, const json_t *objects);

/* ---- value formats of section 6 (values.c), shared by objects and patterns ---- */

/* NULL if s[0..n) is an address of family (AF_INET, AF_INET6) or a CIDR block of one, else
 * the rule it breaks, worded to follow a property's name ("must be an IPv4 address or CIDR
 * block", "has a CIDR prefix outside 0-32"). */
const char *stix_addr_why(int family, const char *s, size_t n);

/* NULL if s[0..n) is a colon-delimited lower-case MAC-48 address with leading zeros, else the
 * rule it breaks. */
const char *stix_mac_why(const char *s, size_t n);

/* name (n bytes) as hash-algorithm-ov spells it (a static string), or NULL when it is not
 * there; *hexlen gets the number of hexadecimal digits of its hashes, 0 for the free-form ones
 * (SSDEEP, TLSH) and for unknown names. */
const char *stix_hash_known(const char *name, size_t n, size_t *hexlen);

/* The hash-algorithm-ov name that name (n bytes) spells with another case or without its
 * hyphen ("sha256" -> "SHA-256"), or NULL. */
const char *stix_hash_suggest(const char *name, size_t n);

/* True if s[0..n) is exactly hexlen hexadecimal digits (either case). */
bool stix_hex_len_ok(const char *s, size_t n, size_t hexlen);

/* ---- the pattern tree's memory and constants (pattern_tree.c, for pattern.c) ---- */

/* A new, empty arena (never NULL: allocation failure aborts). */
struct stix_pat_arena *stix_pat_arena_new(void);
/* n zeroed bytes of a, aligned for any type; lives until a is freed. */
void *stix_pat_alloc(struct stix_pat_arena *a, size_t n);
void stix_pat_arena_free(struct stix_pat_arena *a);
/* s[0..n) copied into a, NUL-terminated; with unescape, \' and \\ become ' and \. *len gets
 * the bytes written (without the NUL). */
char *stix_pat_text(struct stix_pat_arena *a, const char *s, size_t n, bool unescape, size_t *len);
/* The octets of base64 s[0..n) (line feeds skipped) or of hex s[0..n), which the lexer
 * checked, NUL-terminated in a; *len their count. */
char *stix_pat_base64(struct stix_pat_arena *a, const char *s, size_t n, size_t *len);
char *stix_pat_hex(struct stix_pat_arena *a, const char *s, size_t n, size_t *len);
/* Sets cmp->path from cmp->steps. */
void stix_pat_path_text(struct stix_pat_arena *a, struct stix_pat_comparison *cmp);

/* ---- what a pattern's object path refers to (pattern_path.c) ---- */

/* The kinds of constants a pattern compares. */
enum stix_const {
    STIX_C_STRING,
    STIX_C_INT,
    STIX_C_FLOAT,
    STIX_C_BOOL,
    STIX_C_BINARY,
    STIX_C_HEX,
    STIX_C_TIMESTAMP,
};

/* What an object path is at in the specification's SCO tables. */
enum stix_path_state {
    STIX_PATH_NONE,   /* nothing known: a custom type or property, a dictionary's key... */
    STIX_PATH_PROPS,  /* an object described by rows: an SCO, an extension, a nested type */
    STIX_PATH_EXTS,   /* an SCO's extensions dictionary */
    STIX_PATH_HASHES, /* a hashes dictionary */
    STIX_PATH_HASH,   /* one hash of hash-algorithm-ov */
    STIX_PATH_LEAF,   /* the property leaf (an element of it when indexed) */
};

/* Where an object path has got to (stix_path_start, then a step per name or index). Lives on
 * the caller's stack; allocates nothing; points into the static tables and the pattern. */
struct stix_path {
    enum stix_path_state state;
    const struct stix_prop *rows; /* PROPS: the properties of the object the path is at */
    size_t nrows;                 /* PROPS: rows in rows */
    const char *what;             /* PROPS: that object's type or nested type, for warnings */
    bool common;                  /* PROPS: the SCO common properties apply there too */
    const struct stix_prop *leaf; /* LEAF: the property the path names */
    bool indexed;                 /* LEAF: an index was taken ([n] or [*]) */
    const char *type;             /* PROPS, EXTS: the SCO type whose extensions apply, or NULL */
    const char *hash;             /* HASH: the algorithm's name (static) */
    size_t hexlen;                /* HASH: digits of its hashes, 0 when free-form */
};

/* Starts a path at object type type (n bytes); only standard SCO types are followed. */
void stix_path_start(struct stix_path *ps, const char *type, size_t n);

/* Steps into property name (n bytes, as written: a quoted name without its quotes). Returns
 * false, with a warning in warn (cap bytes), when a standard type does not define it (the
 * path is then followed no further), else true. */
bool stix_path_name(struct stix_path *ps, const char *name, size_t n, char *warn, size_t cap);

/* Steps into a list index ([n] or [*]). */
void stix_path_index(struct stix_path *ps);

/* What a comparison with op of the constant of kind k, written s[0..n) (strings without their
 * quotes), cannot be about the property the path names: NULL when nothing is wrong or nothing
 * is known, else the reason, written in buf (cap bytes). values is true for =, !=, IN, where
 * the value itself must be one the property can hold; ival and neg are an integer's value. */
const char *stix_path_check(const struct stix_path *ps, enum stix_const k, const char *s, size_t n,
                            uint64_t ival, bool neg, bool values, char *buf, size_t cap);

/* What ISSUBSET / ISSUPERSET with the string s[0..n) cannot be about the property the path
 * names (an address block of the path's type), as stix_path_check. */
const char *stix_path_check_set(const struct stix_path *ps, const char *s, size_t n, char *buf,
                                size_t cap);

/* Bit 7 of each byte of the word x at which a run of plain bytes stops (stix_plain_len). */
static inline uint64_t stix_plain_stops(uint64_t x, bool ascii)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    /* Per byte, (c | 0x80) - 0x20 keeps bit 7 iff (c & 0x7f) >= 0x20, with no borrow
     * into the next byte; c < 0x20 also needs bit 7 of c clear. */
    uint64_t ctl = ~((x | high) - ones * 0x20) & ~x;
    return (((q - ones) & ~q) | ((b - ones) & ~b) | ctl | (ascii ? x : 0)) & high;
}

#ifdef __SSE2__
/* Bit k set iff byte k of the 16 at s stops a run of plain bytes (stix_plain_len). */
static inline unsigned stix_plain_stops16(const unsigned char *s, bool ascii)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i low = _mm_set1_epi8(0x1f);
    /* max(c, 0x1f) == 0x1f iff c <= 0x1f, unsigned */
    __m128i stop = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
        _mm_cmpeq_epi8(_mm_max_epu8(x, low), low));
    if (ascii)
        stop = _mm_or_si128(stop, x); /* bit 7 of the byte is what movemask reads */
    return (unsigned)_mm_movemask_epi8(stop);
}
#endif

/*
 * The number of leading bytes of s[0..n) that a JSON string copies as they are (0 to n): no
 * byte below 0x20, no '"' and no '\\', and with ascii, none at or above 0x80. The parser and
 * the canonical writer skip such runs with it, sixteen bytes at a time with SSE2 (eight
 * without), then one word overlapping the run already checked rather than byte by byte: a
 * block that holds a byte to stop at says which one by its lowest flagged bit, so the
 * caller lands on that byte (callgrind, real data, parse and canonical: 21,742 -> 17,043
 * instructions per object when it stopped stepping a byte per call towards the end of every
 * string).
 *
 * The word bit tricks are those of "Bit Twiddling Hacks": a word has a zero byte iff
 * (v - 0x01..01) & ~v & 0x80..80 is not 0. A borrow can flag bytes above a zero byte, never
 * below the first one, so the lowest flagged byte is exact (and bytes known to be plain
 * cause no borrow, so an overlapping word is exact past them too).
 */
static inline size_t stix_plain_len(const unsigned char *s, size_t n, bool ascii)
{
    size_t i = 0;
#ifdef __SSE2__
    for (; i + 16 <= n; i += 16) {
        unsigned m = stix_plain_stops16(s + i, ascii);
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
    }
    if (i < n && n >= 16) {
        /* The last 16 bytes; the n - i not checked yet are the high bits. */
        unsigned m = stix_plain_stops16(s + n - 16, ascii) >> (16 - (n - i));
        return m != 0 ? i + (size_t)__builtin_ctz(m) : n;
    }
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t stop = stix_plain_stops(x, ascii);
        if (stop != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + (size_t)__builtin_ctzll(stop) / 8;
#else
            break; /* the bytes below find it */
#endif
        }
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (i < n && n >= 8) {
        /* The last word; the n - i bytes not checked yet are its high bytes. */
        uint64_t x;
        memcpy(&x, s + n - 8, 8);
        uint64_t stop = stix_plain_stops(x, ascii) >> (8 * (8 - (n - i)));
        return stop != 0 ? i + (size_t)__builtin_ctzll(stop) / 8 : n;
    }
#endif
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x20 || c == '"' || c == '\\' || (ascii && c >= 0x80))
            break;
        i++;
    }
    return i;
}

/* json_arena.c: begin makes the calling thread's jansson allocations come from arena (false,
 * and nothing changes, for a NULL arena, without the arena installed, or inside another
 * parse); end stops that and notes root as the arena's latest parse (stix_json_arena_drop). */
bool stix_json_arena_begin(struct stix_json_arena *arena);
void stix_json_arena_end(struct stix_json_arena *arena, const json_t *root);
/* json_arena.c: free chunks waiting in the cache shared by every arena (for tests). */
size_t stix_json_arena_cached_chunks(void);

#endif /* RK_STIX_INT_H */
