/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core.h: the bottom layer of renkei. Error codes and error context, memory wrappers that
 * abort on exhaustion, growable byte buffers, RFC 3339 timestamps with microsecond
 * precision, UUIDs, random tokens and logging. Nothing here knows about STIX or HTTP.
 */
#ifndef RK_CORE_H
#define RK_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors ------------------------------------------------------------------------- */

/*
 * Every fallible function in renkei returns 0 on success or one of these negative codes.
 * Detail for a human goes into a struct rk_err owned by the caller. rk_http_status()
 * maps each code to one HTTP status, in one table (error.c).
 */
enum rk_code {
    RK_OK = 0,
    RK_E_NOMEM = -1,          /* allocation failed (normally we abort instead) */
    RK_E_INVALID = -2,        /* input is malformed or breaks a rule */
    RK_E_NOTFOUND = -3,       /* the thing asked for does not exist */
    RK_E_CONFLICT = -4,       /* a different thing already has that identity */
    RK_E_IO = -5,             /* the operating system refused a read or write */
    RK_E_DB = -6,             /* the store failed */
    RK_E_TOOBIG = -7,         /* input exceeds a size cap */
    RK_E_FORBIDDEN = -8,      /* authenticated, but not allowed */
    RK_E_UNAUTH = -9,         /* no or bad credentials */
    RK_E_EXISTS = -10,        /* creating something that already exists */
    RK_E_UNSUPPORTED = -11,   /* a media type, method or feature we do not serve */
    RK_E_NOTACCEPT = -12,     /* the client accepts no media type we can produce */
    RK_E_UNPROCESSABLE = -13, /* well-formed JSON of the wrong shape (TAXII 422) */
    RK_E_BADMETHOD = -14,     /* HTTP method not allowed on this resource */
    RK_E_INTERNAL = -15,      /* a bug or an impossible state */
};

/* Detail of the last error: a code and a sentence that names what and where. */
struct rk_err {
    int code;      /* one of enum rk_code */
    char msg[512]; /* NUL-terminated human-readable detail, may be empty */
};

/*
 * Records code and a printf-style message in err (which may be NULL) and returns code,
 * so that callers can write `return rk_err_set(err, RK_E_INVALID, "...", ...);`.
 */
int rk_err_set(struct rk_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to RK_OK with an empty message. err may be NULL. */
void rk_err_clear(struct rk_err *err);

/* Short constant name of a code, e.g. "invalid". Never NULL. */
const char *rk_code_name(int code);

/* HTTP status for a code: RK_E_INVALID 400, RK_E_UNAUTH 401, RK_E_FORBIDDEN 403, ... */
int rk_http_status(int code);

/* ---- memory --------------------------------------------------------------------------- */

/* Allocation wrappers: on exhaustion they log and abort, so they never return NULL. */
void *rk_malloc(size_t n);
void *rk_calloc(size_t count, size_t n);
void *rk_realloc(void *p, size_t n);
char *rk_strdup(const char *s);
char *rk_strndup(const char *s, size_t n);

/* ---- buffers -------------------------------------------------------------------------- */

/*
 * A growable byte buffer, always NUL-terminated after data[len] once anything was appended.
 * Initialise with RK_BUF_INIT or rk_buf_init(); release with rk_buf_free(). The buffer owns
 * data; rk_buf_steal() hands it to the caller, who frees it with free().
 */
struct rk_buf {
    char *data; /* bytes, NUL-terminated, or NULL while empty */
    size_t len; /* bytes used, excluding the terminating NUL */
    size_t cap; /* bytes allocated */
};
#define RK_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void rk_buf_init(struct rk_buf *b);
void rk_buf_free(struct rk_buf *b);
void rk_buf_reset(struct rk_buf *b); /* len = 0, keeps the allocation */
void rk_buf_reserve(struct rk_buf *b, size_t extra);
void rk_buf_append(struct rk_buf *b, const void *data, size_t n);
void rk_buf_puts(struct rk_buf *b, const char *s);
void rk_buf_putc(struct rk_buf *b, char c);
void rk_buf_printf(struct rk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included, escaping as RFC 8259 requires. The
 * text is always UTF-8: a byte of s that is not part of a well-formed UTF-8 character is
 * written as U+FFFD. */
void rk_buf_json_string(struct rk_buf *b, const char *s);
char *rk_buf_steal(struct rk_buf *b); /* returns data ("" if empty), leaves b empty */

/* ---- string sets ---------------------------------------------------------------------- */

/*
 * A set of distinct byte strings (strset.c): open addressing over a keyed hash (SipHash-2-4,
 * random key per process), so that strings chosen by a poster cannot pile up in one probe
 * sequence. The set keeps its own copy of every string. Initialise with RK_STRSET_INIT;
 * release with rk_strset_free() (NULL-safe); rk_strset_clear() empties it and keeps its
 * memory. Not thread-safe: one set, one thread.
 */
struct rk_strset_slot;
struct rk_strset {
    struct rk_strset_slot *slots; /* cap slots, NULL until the first add */
    size_t cap;                   /* slots: 0 or a power of two, at least twice n */
    size_t n;                     /* strings in the set */
    struct rk_buf pool;           /* the strings' bytes, back to back */
};
#define RK_STRSET_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0, RK_BUF_INIT                                                                    \
    }

/* Adds the n bytes at s (a copy); true if they were not in the set yet, false if they were
 * (nothing changes then). Aborts only when memory runs out. */
bool rk_strset_add(struct rk_strset *set, const char *s, size_t n);
/* Whether the n bytes at s are in the set. */
bool rk_strset_has(const struct rk_strset *set, const char *s, size_t n);
size_t rk_strset_count(const struct rk_strset *set);
void rk_strset_clear(struct rk_strset *set);
void rk_strset_free(struct rk_strset *set);

/* The keyed hash the sets use (SipHash-2-4 under the random per-process key), for other
 * tables of strings that posters choose (the similar-incidents index). Any thread. */
uint64_t rk_strset_hash(const char *s, size_t n);

/* ---- time ----------------------------------------------------------------------------- */

/* Timestamps are microseconds since the Unix epoch, UTC. */
typedef int64_t rk_time_us;

/* The current time. */
rk_time_us rk_time_now(void);

/*
 * Parses an RFC 3339 timestamp as STIX and TAXII write it: YYYY-MM-DDTHH:MM:SS[.fraction]Z,
 * upper-case T and Z, UTC only, 1 to 9 fraction digits (digits past the sixth are
 * truncated). Returns 0 and sets *out, or RK_E_INVALID.
 */
int rk_time_parse(const char *s, rk_time_us *out);

/* Number of fraction digits in a timestamp string that rk_time_parse accepts, or -1. */
int rk_time_precision(const char *s);

/*
 * The text form of a timestamp: what it takes, besides its instant, to write the timestamp
 * back exactly as it was written (two texts of one instant differ in their fraction digits,
 * and rk_time_parse drops digits past the sixth and reads a leap second as :59). Bits 0-3:
 * the number of fraction digits (0-9); bits 4-13: the digits past the sixth as a number
 * (0-999, 0 with six digits or fewer); bit 14: the seconds were written 60. Small enough
 * for any integer column; RK_TIME_FORM_US is rk_time_format's form, six fraction digits.
 */
#define RK_TIME_FORM_US     6
#define RK_TIME_FORM_DIGITS 0xf /* the fraction digits of a form */
#define RK_TIME_FORM_LEAP   (1 << 14)
/* The form of a timestamp string that rk_time_parse accepts, or -1. */
int rk_time_form(const char *s);

/* Formats t as YYYY-MM-DDTHH:MM:SS.ffffffZ (always six fraction digits) into out. */
#define RK_TIME_LEN 32
void rk_time_format(rk_time_us t, char out[RK_TIME_LEN]);
/*
 * Formats t in form (rk_time_form): given the instant and the form of a text rk_time_parse
 * accepted, it writes that text again, byte for byte. Fraction digits the instant has beyond
 * those of the form are not written (t is then not exactly the instant written). Returns the
 * length written, less than RK_TIME_LEN. rk_time_format is this with RK_TIME_FORM_US.
 */
size_t rk_time_format_as(rk_time_us t, int form, char out[RK_TIME_LEN]);

/* ---- identifiers and randomness --------------------------------------------------------- */

/* True if s is exactly a UUID in 8-4-4-4-12 form (hex digits, either case). */
bool rk_uuid_valid(const char *s);

/* Writes a random (version 4) UUID in lower case, 36 characters and a NUL. */
#define RK_UUID_LEN 37
void rk_uuid_v4(char out[RK_UUID_LEN]);

/* Fills buf with n cryptographically secure random bytes (getrandom). Aborts on failure. */
void rk_random_bytes(void *buf, size_t n);

/* Writes n bytes as lower-case hex into out, which must hold 2n+1 bytes. */
void rk_hex(const void *bytes, size_t n, char *out);

/* ---- logging -------------------------------------------------------------------------- */

enum rk_log_level { RK_LOG_DEBUG, RK_LOG_INFO, RK_LOG_WARN, RK_LOG_ERROR };

/* Writes one line to stderr: time, level and message. Thread-safe. Messages below the level
 * named by RENKEI_LOG (default info) are dropped. */
void rk_log(enum rk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- files ---------------------------------------------------------------------------- */

/*
 * Reads the whole file at path, at most max bytes, into *out (NUL-terminated, freed with
 * free(); its length in *len if len is not NULL). With text, a NUL byte inside is refused.
 * Returns 0, or RK_E_IO (cannot open or read), RK_E_TOOBIG or RK_E_INVALID with err naming
 * the file; *out is then NULL.
 */
int rk_read_file(const char *path, size_t max, bool text, char **out, size_t *len,
                 struct rk_err *err);

/* ---- small string helpers ----------------------------------------------------------------- */

/* Parses a decimal integer in [min, max] that fills the whole string. 0 or RK_E_INVALID. */
int rk_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* True if s starts with prefix. */
bool rk_starts_with(const char *s, const char *prefix);

#endif /* RK_CORE_H */
