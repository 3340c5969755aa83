/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pattern.c: validation of STIX 2.1 patterns (section 9 of the specification, and the OASIS
 * ANTLR grammar STIXPattern.g4 for the exact syntax). A hand-written lexer feeds a
 * recursive-descent parser in one pass, without allocating; recursion happens only at
 * brackets and parentheses and is bounded by PATTERN_MAX_DEPTH, so hostile input cannot
 * exhaust the stack. Each comparison's object path is followed in the SCO tables as it is read
 * (pattern_path.c), which says whether its constant can be right and warns about property
 * names the specification does not define. The same parser builds the pattern tree of
 * stix_pattern_parse when given an arena (one grammar for both): stix_pattern_validate passes
 * none and builds nothing. See docs/internals/patterns.md.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stix/stix_int.h"

/* Longest pattern we look at, in bytes, and deepest nesting of '[' and '(' together. */
#define PATTERN_MAX_LEN   (1024 * 1024)
#define PATTERN_MAX_DEPTH 64
/* STIX integers are IEEE 754 safe integers (section 2.7): |n| <= 2^53 - 1. */
#define PATTERN_INT_MAX 9007199254740991ULL
/* How much of a token an error message quotes. */
#define PATTERN_QUOTE_MAX 40

enum tok_kind {
    TK_EOF,
    /* punctuation */
    TK_LBRACK,
    TK_RBRACK,
    TK_LPAREN,
    TK_RPAREN,
    TK_COLON,
    TK_DOT,
    TK_COMMA,
    TK_STAR,
    TK_PLUS,   /* lexed as the grammar does, valid nowhere */
    TK_MINUS,  /* idem */
    TK_POWER,  /* idem */
    TK_DIVIDE, /* idem */
    /* comparison operators */
    TK_EQ,
    TK_NEQ,
    TK_LT,
    TK_LE,
    TK_GT,
    TK_GE,
    /* names and constants */
    TK_IDENT,        /* [A-Za-z_][A-Za-z0-9_]* that is not a keyword */
    TK_IDENT_HYPHEN, /* the same with at least one '-' */
    TK_STRING,
    TK_INT,
    TK_FLOAT,
    TK_BOOL,
    TK_BINARY,
    TK_HEX,
    TK_TIMESTAMP,
    /* keywords (upper case only, as in the grammar) */
    TK_AND,
    TK_OR,
    TK_NOT,
    TK_FOLLOWEDBY,
    TK_LIKE,
    TK_MATCHES,
    TK_ISSUPERSET,
    TK_ISSUBSET,
    TK_EXISTS,
    TK_LAST, /* reserved by the grammar, used by no rule */
    TK_IN,
    TK_START,
    TK_STOP,
    TK_SECONDS,
    TK_WITHIN,
    TK_REPEATS,
    TK_TIMES,
};

struct tok {
    enum tok_kind kind; /* what was read */
    size_t off;         /* byte offset of its first character */
    size_t len;         /* bytes it spans */
    bool neg;           /* TK_INT / TK_FLOAT: written with a leading '-' */
    bool nonzero;       /* TK_INT / TK_FLOAT: some digit is not 0 */
    uint64_t ival;      /* TK_INT: its absolute value */
    rk_time_us ts;      /* TK_TIMESTAMP: its value */
};

struct parser {
    const char *s;                /* the pattern, NUL-terminated at s[len] */
    size_t len;                   /* its length */
    size_t pos;                   /* where the lexer continues */
    struct tok t;                 /* the current (lookahead) token */
    int depth;                    /* open '[' and '(' around the current token */
    struct rk_err *err;           /* where the first error goes; may be NULL */
    struct stix_warning *warn;    /* where warnings go; may be NULL */
    struct stix_pat_arena *arena; /* where the tree is built; NULL when only validating */
};

/* One comparison being read: its object path as followed in the SCO tables, and the text a
 * message quotes of it. */
struct cmp {
    struct stix_path path;             /* what the path refers to */
    size_t path_off;                   /* the path's first byte */
    size_t path_end;                   /* one past its last byte */
    bool negated;                      /* NOT before the operator */
    enum tok_kind op;                  /* the operator */
    size_t op_off;                     /* its first byte */
    size_t op_len;                     /* its length */
    struct stix_pat_comparison *node;  /* the tree's comparison, or NULL (only validating) */
    struct stix_pat_step *last_step;   /* node's last step so far */
    struct stix_pat_value *last_value; /* node's last value so far */
};

static const struct {
    const char *word;
    size_t len;
    enum tok_kind kind;
} keywords[] = {
    {"AND", 3, TK_AND},
    {"OR", 2, TK_OR},
    {"NOT", 3, TK_NOT},
    {"FOLLOWEDBY", 10, TK_FOLLOWEDBY},
    {"LIKE", 4, TK_LIKE},
    {"MATCHES", 7, TK_MATCHES},
    {"ISSUPERSET", 10, TK_ISSUPERSET},
    {"ISSUBSET", 8, TK_ISSUBSET},
    {"EXISTS", 6, TK_EXISTS},
    {"LAST", 4, TK_LAST},
    {"IN", 2, TK_IN},
    {"START", 5, TK_START},
    {"STOP", 4, TK_STOP},
    {"SECONDS", 7, TK_SECONDS},
    {"WITHIN", 6, TK_WITHIN},
    {"REPEATS", 7, TK_REPEATS},
    {"TIMES", 5, TK_TIMES},
};

/* Records "pattern: <what> at offset <off>" and returns RK_E_INVALID. */
static int fail(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct parser *p, size_t off, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return rk_err_set(p->err, RK_E_INVALID, "pattern: %s at offset %zu", what, off);
}

/* Records a warning "pattern: <what> at offset <off>" (the first one's text, and a count). */
static void warn_at(struct parser *p, size_t off, const char *what)
{
    if (p->warn == NULL)
        return;
    if (p->warn->count++ == 0)
        /* room left for the count */
        snprintf(p->warn->msg, sizeof(p->warn->msg), "pattern: %.200s at offset %zu", what, off);
}

/*
 * Copies the text of t into out as a quoted, printable ASCII excerpt ('...' when cut), so that
 * messages stay valid UTF-8 and one line whatever the input holds.
 */
static void tok_quote(const struct parser *p, const struct tok *t, char *out, size_t outsz)
{
    if (t->kind == TK_EOF) {
        snprintf(out, outsz, "end of pattern");
        return;
    }
    size_t n = t->len < PATTERN_QUOTE_MAX ? t->len : PATTERN_QUOTE_MAX;
    size_t o = 0;
    bool quoted = t->kind == TK_STRING; /* already between apostrophes */
    if (!quoted)
        out[o++] = '\'';
    for (size_t i = 0; i < n && o + 6 < outsz; i++) {
        unsigned char c = (unsigned char)p->s[t->off + i];
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (n < t->len && o + 6 < outsz) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    if (!quoted || n < t->len)
        out[o++] = '\'';
    out[o] = '\0';
}

/* ---- lexer ---------------------------------------------------------------------------- */

static bool is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_base64(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '+' || c == '/';
}

/*
 * Length of the whitespace character at s (the grammar's WS set, UTF-8 encoded), or 0.
 * s is NUL-terminated, so looking up to three bytes ahead stops at the terminator.
 */
static size_t ws_len(const unsigned char *s)
{
    switch (s[0]) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '\v':
    case '\f':
        return 1;
    case 0xC2: /* U+0085, U+00A0 */
        return (s[1] == 0x85 || s[1] == 0xA0) ? 2 : 0;
    case 0xE1: /* U+1680 */
        return (s[1] == 0x9A && s[2] == 0x80) ? 3 : 0;
    case 0xE2: /* U+2000..200A, U+2028, U+2029, U+202F, U+205F */
        if (s[1] == 0x80 &&
            ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
            return 3;
        return (s[1] == 0x81 && s[2] == 0x9F) ? 3 : 0;
    case 0xE3: /* U+3000 */
        return (s[1] == 0x80 && s[2] == 0x80) ? 3 : 0;
    default:
        return 0;
    }
}

/* Length of the well-formed UTF-8 sequence of a non-ASCII character at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

/* Skips whitespace and comments before the next token. */
static int skip_space(struct parser *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    for (;;) {
        size_t w = ws_len(s + p->pos);
        if (w > 0) {
            p->pos += w;
        } else if (s[p->pos] == '/' && s[p->pos + 1] == '*') {
            size_t start = p->pos;
            const char *end = strstr(p->s + p->pos + 2, "*/");
            if (end == NULL)
                return fail(p, start, "unterminated comment");
            p->pos = (size_t)(end - p->s) + 2;
        } else if (s[p->pos] == '/' && s[p->pos + 1] == '/') {
            while (s[p->pos] != '\0' && s[p->pos] != '\n' && s[p->pos] != '\r')
                p->pos++;
        } else {
            return 0;
        }
    }
}

/* 'text' with only \' and \\ as escapes; p->pos is on the opening quote. */
static int lex_string(struct parser *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    size_t open = p->pos;
    size_t i = open + 1;
    for (;;) {
        unsigned char c = s[i];
        if (c == '\0') {
            return fail(p, open, "unterminated string");
        } else if (c == '\'') {
            break;
        } else if (c == '\\') {
            if (s[i + 1] == '\0')
                return fail(p, open, "unterminated string");
            if (s[i + 1] != '\'' && s[i + 1] != '\\') {
                if (s[i + 1] >= 0x20 && s[i + 1] < 0x7f)
                    return fail(p, i, "invalid escape '\\%c' in string (only \\' and \\\\)",
                                s[i + 1]);
                return fail(p, i, "invalid escape in string (only \\' and \\\\)");
            }
            i += 2;
        } else if (c >= 0x80) {
            size_t n = utf8_len(s + i);
            if (n == 0)
                return fail(p, i, "invalid UTF-8 in string");
            i += n;
        } else {
            i++;
        }
    }
    p->t.kind = TK_STRING;
    p->pos = i + 1;
    return 0;
}

/* b'base64': at least one group of four, '=' padding only at the end; line feeds ignored. */
static int lex_binary(struct parser *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    size_t start = p->pos;
    size_t i = start + 2;
    size_t n = 0, pad = 0;
    for (;; i++) {
        unsigned char c = s[i];
        if (c == '\'')
            break;
        if (c == '\0')
            return fail(p, start, "unterminated binary constant");
        if (c == '\n' || c == '\r')
            continue;
        if (c == '=') {
            pad++;
        } else if (is_base64(c) && pad == 0) {
            n++;
        } else {
            return fail(p, i, "invalid base64 in binary constant");
        }
    }
    if (pad > 2 || (n + pad) % 4 != 0 || n + pad == 0)
        return fail(p, start, "invalid base64 length in binary constant");
    p->t.kind = TK_BINARY;
    p->pos = i + 1;
    return 0;
}

/* h'hex': an even number of hexadecimal digits (possibly none). */
static int lex_hex(struct parser *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    size_t start = p->pos;
    size_t i = start + 2;
    for (; s[i] != '\''; i++) {
        if (s[i] == '\0')
            return fail(p, start, "unterminated hex constant");
        if (!is_hex(s[i]))
            return fail(p, i, "invalid hex digit in hex constant");
    }
    if ((i - start - 2) % 2 != 0)
        return fail(p, start, "odd number of digits in hex constant");
    p->t.kind = TK_HEX;
    p->pos = i + 1;
    return 0;
}

/* t'YYYY-MM-DDTHH:MM:SS[.f]Z', checked by rk_time_parse. */
static int lex_timestamp(struct parser *p)
{
    char buf[48];
    size_t start = p->pos;
    size_t i = start + 2;
    size_t n = 0;
    while (p->s[i] != '\'' && p->s[i] != '\0' && n < sizeof(buf) - 1)
        buf[n++] = p->s[i++];
    if (p->s[i] == '\0')
        return fail(p, start, "unterminated timestamp");
    buf[n] = '\0';
    if (p->s[i] != '\'' || rk_time_parse(buf, &p->t.ts) != 0)
        return fail(p, start, "invalid timestamp (want t'YYYY-MM-DDTHH:MM:SS[.s]Z')");
    p->t.kind = TK_TIMESTAMP;
    p->pos = i + 1;
    return 0;
}

/* [+-]? digits, or [+-]? digits? '.' digits; p->pos is on the sign or first digit or dot. */
static int lex_number(struct parser *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    size_t start = p->pos;
    size_t i = start;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') {
        neg = s[i] == '-';
        i++;
    }
    size_t int_start = i;
    unsigned long long v = 0;
    bool big = false, nonzero = false;
    while (is_digit(s[i])) {
        unsigned d = s[i] - '0';
        if (d != 0)
            nonzero = true;
        if (v > (PATTERN_INT_MAX - d) / 10)
            big = true;
        else
            v = v * 10 + d;
        i++;
    }
    size_t int_digits = i - int_start;
    if (s[i] == '.' && is_digit(s[i + 1])) {
        i++;
        while (is_digit(s[i])) {
            if (s[i] != '0')
                nonzero = true;
            i++;
        }
        p->t.kind = TK_FLOAT;
    } else {
        if (int_digits > 1 && s[int_start] == '0')
            return fail(p, start, "integer with a leading zero");
        if (big)
            return fail(p, start, "integer out of range (|n| <= 2^53-1)");
        p->t.kind = TK_INT;
    }
    p->t.neg = neg;
    p->t.nonzero = nonzero;
    p->t.ival = v;
    p->pos = i;
    return 0;
}

/* An identifier, keyword, boolean, or the b'', h'' and t'' constants. */
static int lex_word(struct parser *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    size_t start = p->pos;
    if (s[start + 1] == '\'') {
        if (s[start] == 'b')
            return lex_binary(p);
        if (s[start] == 'h')
            return lex_hex(p);
        if (s[start] == 't')
            return lex_timestamp(p);
    }
    size_t i = start;
    bool hyphen = false;
    while (is_ident_char(s[i])) {
        if (s[i] == '-')
            hyphen = true;
        i++;
    }
    size_t n = i - start;
    p->pos = i;
    p->t.kind = hyphen ? TK_IDENT_HYPHEN : TK_IDENT;
    if (hyphen)
        return 0;
    if ((n == 4 && memcmp(p->s + start, "true", 4) == 0) ||
        (n == 5 && memcmp(p->s + start, "false", 5) == 0)) {
        p->t.kind = TK_BOOL;
        return 0;
    }
    /* Keywords are upper case; the names of object paths seldom are. */
    for (size_t k = 0; s[start] >= 'A' && s[start] <= 'Z' && k < STIX_NELEM(keywords); k++) {
        if (keywords[k].len == n && memcmp(keywords[k].word, p->s + start, n) == 0) {
            p->t.kind = keywords[k].kind;
            break;
        }
    }
    return 0;
}

/* Reads the next token into p->t. Returns 0 or RK_E_INVALID (error recorded). */
static int next(struct parser *p)
{
    int rc = skip_space(p);
    if (rc != 0)
        return rc;
    const unsigned char *s = (const unsigned char *)p->s;
    unsigned char c = s[p->pos];
    memset(&p->t, 0, sizeof(p->t));
    p->t.off = p->pos;
    if (c == '\0') {
        if (p->pos != p->len)
            return fail(p, p->pos, "unexpected NUL character");
        p->t.kind = TK_EOF;
        return 0;
    }
    if (is_ident_start(c)) {
        rc = lex_word(p);
    } else if (is_digit(c) || ((c == '+' || c == '-' || c == '.') && is_digit(s[p->pos + 1])) ||
               ((c == '+' || c == '-') && s[p->pos + 1] == '.' && is_digit(s[p->pos + 2]))) {
        rc = lex_number(p);
    } else if (c == '\'') {
        rc = lex_string(p);
    } else {
        enum tok_kind k;
        size_t n = 1;
        switch (c) {
        case '[':
            k = TK_LBRACK;
            break;
        case ']':
            k = TK_RBRACK;
            break;
        case '(':
            k = TK_LPAREN;
            break;
        case ')':
            k = TK_RPAREN;
            break;
        case ':':
            k = TK_COLON;
            break;
        case '.':
            k = TK_DOT;
            break;
        case ',':
            k = TK_COMMA;
            break;
        case '*':
            k = TK_STAR;
            break;
        case '+':
            k = TK_PLUS;
            break;
        case '-':
            k = TK_MINUS;
            break;
        case '^':
            k = TK_POWER;
            break;
        case '/':
            k = TK_DIVIDE;
            break;
        case '=':
            k = TK_EQ;
            n = s[p->pos + 1] == '=' ? 2 : 1;
            break;
        case '!':
            if (s[p->pos + 1] != '=')
                return fail(p, p->pos, "unexpected character '!' (did you mean '!=')");
            k = TK_NEQ;
            n = 2;
            break;
        case '<':
            k = s[p->pos + 1] == '=' ? TK_LE : s[p->pos + 1] == '>' ? TK_NEQ : TK_LT;
            n = k == TK_LT ? 1 : 2;
            break;
        case '>':
            k = s[p->pos + 1] == '=' ? TK_GE : TK_GT;
            n = k == TK_GT ? 1 : 2;
            break;
        default:
            if (c >= 0x20 && c < 0x7f)
                return fail(p, p->pos, "unexpected character '%c'", c);
            return fail(p, p->pos, "unexpected character");
        }
        p->t.kind = k;
        p->pos += n;
    }
    if (rc != 0)
        return rc;
    p->t.len = p->pos - p->t.off;
    return 0;
}

/* ---- parser --------------------------------------------------------------------------- */

static int parse_observations(struct parser *p, struct stix_pat_node **out);
static int parse_comparison_or(struct parser *p, struct stix_pat_node **out);

/* ---- building the tree (only when p->arena is set; pattern_tree.c holds its memory) ---- */

/* A new node of kind k starting at byte off, or NULL when only validating. */
static struct stix_pat_node *node_new(struct parser *p, enum stix_pat_kind k, size_t off)
{
    if (p->arena == NULL)
        return NULL;
    struct stix_pat_node *n = stix_pat_alloc(p->arena, sizeof(*n));
    n->kind = k;
    n->off = off;
    return n;
}

/*
 * Adds kid as the next operand of a chain "a op b op c": on the second operand, *out (the
 * first) moves under a new node of kind k that takes its place; *tail is the chain's last
 * operand (NULL before the second). Nothing when only validating.
 */
static void join(struct parser *p, enum stix_pat_kind k, struct stix_pat_node **out,
                 struct stix_pat_node **tail, struct stix_pat_node *kid)
{
    if (p->arena == NULL)
        return;
    if (*tail == NULL) {
        struct stix_pat_node *j = node_new(p, k, (*out)->off);
        j->kids = *out;
        j->nkids = 1;
        *tail = *out;
        *out = j;
    }
    (*tail)->next = kid;
    *tail = kid;
    (*out)->nkids++;
}

/* Appends a step of kind k (NAME: name[0..n), unescaped when quoted) to c's comparison. */
static void add_step(struct parser *p, struct cmp *c, enum stix_pat_step_kind k, const char *name,
                     size_t n, bool quoted, uint64_t index)
{
    if (c->node == NULL)
        return;
    struct stix_pat_step *st = stix_pat_alloc(p->arena, sizeof(*st));
    st->kind = k;
    st->index = index;
    if (k == STIX_STEP_NAME)
        st->name = stix_pat_text(p->arena, name, n, quoted, &st->len);
    if (c->last_step == NULL)
        c->node->steps = st;
    else
        c->last_step->next = st;
    c->last_step = st;
    c->node->nsteps++;
}

/* Appends the constant p->t (not consumed) to c's comparison, typed and decoded. */
static void add_value(struct parser *p, struct cmp *c)
{
    if (c->node == NULL)
        return;
    struct stix_pat_value *v = stix_pat_alloc(p->arena, sizeof(*v));
    const char *s = p->s + p->t.off;
    size_t n = p->t.len;
    v->off = p->t.off;
    switch (p->t.kind) {
    case TK_STRING:
        v->kind = STIX_PV_STRING;
        v->text = stix_pat_text(p->arena, s + 1, n - 2, true, &v->len);
        break;
    case TK_BINARY:
        v->kind = STIX_PV_BINARY;
        v->text = stix_pat_base64(p->arena, s + 2, n - 3, &v->len);
        break;
    case TK_HEX:
        v->kind = STIX_PV_HEX;
        v->text = stix_pat_hex(p->arena, s + 2, n - 3, &v->len);
        break;
    case TK_TIMESTAMP:
        v->kind = STIX_PV_TIMESTAMP;
        v->text = stix_pat_text(p->arena, s + 2, n - 3, false, &v->len);
        v->ts = p->t.ts;
        break;
    case TK_INT:
        v->kind = STIX_PV_INT;
        v->text = stix_pat_text(p->arena, s, n, false, &v->len);
        v->i = p->t.neg ? -(int64_t)p->t.ival : (int64_t)p->t.ival;
        v->f = (double)v->i;
        break;
    case TK_FLOAT:
        v->kind = STIX_PV_FLOAT;
        v->text = stix_pat_text(p->arena, s, n, false, &v->len);
        v->f = strtod(v->text, NULL);
        break;
    default:
        assert(p->t.kind == TK_BOOL);
        v->kind = STIX_PV_BOOL;
        v->text = stix_pat_text(p->arena, s, n, false, &v->len);
        v->b = n == 4;
        break;
    }
    if (c->last_value == NULL)
        c->node->values = v;
    else
        c->last_value->next = v;
    c->last_value = v;
    c->node->nvalues++;
}

/* The tree's operator for token kind k (a comparison operator). */
static enum stix_pat_op tree_op(enum tok_kind k)
{
    switch (k) {
    case TK_EQ:
        return STIX_OP_EQ;
    case TK_NEQ:
        return STIX_OP_NEQ;
    case TK_LT:
        return STIX_OP_LT;
    case TK_LE:
        return STIX_OP_LE;
    case TK_GT:
        return STIX_OP_GT;
    case TK_GE:
        return STIX_OP_GE;
    case TK_IN:
        return STIX_OP_IN;
    case TK_LIKE:
        return STIX_OP_LIKE;
    case TK_MATCHES:
        return STIX_OP_MATCHES;
    case TK_ISSUBSET:
        return STIX_OP_ISSUBSET;
    case TK_ISSUPERSET:
        return STIX_OP_ISSUPERSET;
    default:
        return STIX_OP_EXISTS;
    }
}

/* True if the current token is an identifier spelling a keyword in the wrong case. */
static bool is_lower_keyword(const struct parser *p)
{
    if (p->t.kind != TK_IDENT)
        return false;
    for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
        if (keywords[k].len == p->t.len &&
            strncasecmp(keywords[k].word, p->s + p->t.off, p->t.len) == 0)
            return true;
    return false;
}

/* Reports that the current token is not what was expected (what, e.g. "']'"). */
static int unexpected(struct parser *p, const char *what)
{
    char q[PATTERN_QUOTE_MAX + 8];
    tok_quote(p, &p->t, q, sizeof(q));
    if (p->t.kind == TK_EOF)
        return fail(p, p->t.off, "expected %s", what);
    if (is_lower_keyword(p))
        return fail(p, p->t.off, "expected %s, found %s (keywords are upper case)", what, q);
    return fail(p, p->t.off, "expected %s, found %s", what, q);
}

static int expect(struct parser *p, enum tok_kind kind, const char *what)
{
    if (p->t.kind != kind)
        return unexpected(p, what);
    return next(p);
}

/* Enters one more level of '[' or '('; the caller leaves with p->depth--. */
static int enter(struct parser *p)
{
    if (p->depth >= PATTERN_MAX_DEPTH)
        return fail(p, p->t.off, "nesting deeper than %d", PATTERN_MAX_DEPTH);
    p->depth++;
    return next(p);
}

/* One path step name after ':' or '.': an identifier without '-', or a quoted string. It is
 * followed in c's path, which may warn about it. */
static int parse_path_name(struct parser *p, struct cmp *c)
{
    char q[PATTERN_QUOTE_MAX + 8];
    char w[STIX_WARNING_MAX];
    if (p->t.kind == TK_IDENT || p->t.kind == TK_STRING) {
        bool quoted = p->t.kind == TK_STRING;
        if (c->path.state != STIX_PATH_NONE &&
            !stix_path_name(&c->path, p->s + p->t.off + quoted, p->t.len - 2 * quoted, w, sizeof w))
            warn_at(p, p->t.off, w);
        c->path_end = p->t.off + p->t.len;
        if (c->node != NULL)
            add_step(p, c, STIX_STEP_NAME, p->s + p->t.off + quoted, p->t.len - 2 * quoted, quoted,
                     0);
        return next(p);
    }
    if (p->t.kind == TK_IDENT_HYPHEN) {
        tok_quote(p, &p->t, q, sizeof(q));
        return fail(p, p->t.off, "property name %s contains '-' and must be quoted", q);
    }
    return unexpected(p, "property name");
}

/* type:name(.name | .'key' | [n] | [*])*, followed in c's path from its type on. */
static int parse_object_path(struct parser *p, struct cmp *c)
{
    char q[PATTERN_QUOTE_MAX + 8];
    int rc;
    if (p->t.kind != TK_IDENT && p->t.kind != TK_IDENT_HYPHEN)
        return unexpected(p, "object path");
    if (!stix_type_name_ok(p->s + p->t.off, p->t.len)) {
        tok_quote(p, &p->t, q, sizeof(q));
        return fail(p, p->t.off,
                    "invalid object type %s (3 to 250 characters of a-z, 0-9 and single hyphens "
                    "inside, starting with a letter)",
                    q);
    }
    stix_path_start(&c->path, p->s + p->t.off, p->t.len);
    c->path_off = p->t.off;
    if (c->node != NULL) {
        size_t n;
        c->node->type = stix_pat_text(p->arena, p->s + p->t.off, p->t.len, false, &n);
    }
    rc = next(p);
    if (rc == 0)
        rc = expect(p, TK_COLON, "':' after object type");
    if (rc == 0)
        rc = parse_path_name(p, c);
    while (rc == 0) {
        if (p->t.kind == TK_DOT) {
            rc = next(p);
            if (rc == 0)
                rc = parse_path_name(p, c);
        } else if (p->t.kind == TK_LBRACK) {
            rc = next(p);
            if (rc != 0)
                break;
            if (p->t.kind != TK_INT && p->t.kind != TK_STAR)
                return unexpected(p, "list index (integer or '*')");
            stix_path_index(&c->path);
            if (c->node != NULL)
                add_step(p, c, p->t.kind == TK_STAR ? STIX_STEP_ANY : STIX_STEP_INDEX, NULL, 0,
                         false, p->t.ival);
            rc = next(p);
            c->path_end = p->t.off + p->t.len;
            if (rc == 0)
                rc = expect(p, TK_RBRACK, "']' after list index");
        } else {
            break;
        }
    }
    if (rc == 0 && c->node != NULL)
        stix_pat_path_text(p->arena, c->node);
    return rc;
}

static bool is_literal(enum tok_kind k)
{
    return k == TK_STRING || k == TK_INT || k == TK_FLOAT || k == TK_BOOL || k == TK_BINARY ||
           k == TK_HEX || k == TK_TIMESTAMP;
}

/* The class of constants that an IN set may hold together. */
static int literal_class(enum tok_kind k)
{
    switch (k) {
    case TK_INT:
    case TK_FLOAT:
        return 1;
    case TK_BINARY:
    case TK_HEX:
        return 2;
    default:
        return (int)k + 10;
    }
}

/* s[off..off+len) as a printable ASCII excerpt of at most max bytes ("..." when cut). */
static void span_text(const struct parser *p, size_t off, size_t len, size_t max, char *out,
                      size_t outsz)
{
    size_t n = len < max ? len : max, o = 0;
    for (size_t i = 0; i < n && o + 4 < outsz; i++) {
        unsigned char c = (unsigned char)p->s[off + i];
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (n < len && o + 4 < outsz) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/*
 * Checks the constant p->t (not consumed) against comparison c: whether it can be a value of
 * the property c's path names (pattern_path.c). LIKE and MATCHES take patterns, not values,
 * and are not checked. The message names the comparison and the rule, at the constant.
 */
static int check_constant(struct parser *p, const struct cmp *c)
{
    static const enum stix_const kinds[] = {
        [TK_STRING] = STIX_C_STRING,       [TK_INT] = STIX_C_INT,       [TK_FLOAT] = STIX_C_FLOAT,
        [TK_BOOL] = STIX_C_BOOL,           [TK_BINARY] = STIX_C_BINARY, [TK_HEX] = STIX_C_HEX,
        [TK_TIMESTAMP] = STIX_C_TIMESTAMP,
    };
    char why[256], path[80], op[16], lit[PATTERN_QUOTE_MAX + 8];
    const char *r;
    bool str = p->t.kind == TK_STRING;
    const char *text = p->s + p->t.off + str;
    size_t n = p->t.len - 2 * str;

    assert(is_literal(p->t.kind) && c->path_end > c->path_off);
    if (c->path.state == STIX_PATH_NONE || c->op == TK_LIKE || c->op == TK_MATCHES)
        return 0;
    if (c->op == TK_ISSUBSET || c->op == TK_ISSUPERSET)
        r = stix_path_check_set(&c->path, text, n, why, sizeof why);
    else
        r = stix_path_check(&c->path, kinds[p->t.kind], text, n, p->t.ival, p->t.neg,
                            c->op == TK_EQ || c->op == TK_NEQ || c->op == TK_IN, why, sizeof why);
    if (r == NULL)
        return 0;
    span_text(p, c->path_off, c->path_end - c->path_off, 60, path, sizeof path);
    span_text(p, c->op_off, c->op_len, 12, op, sizeof op);
    if (str) /* as written: a string with its apostrophes, anything else bare */
        tok_quote(p, &p->t, lit, sizeof lit);
    else
        span_text(p, p->t.off, p->t.len, PATTERN_QUOTE_MAX, lit, sizeof lit);
    if (c->op == TK_IN)
        return fail(p, p->t.off, "%s %sIN (... %s ...): %s", path, c->negated ? "NOT " : "", lit,
                    r);
    return fail(p, p->t.off, "%s %s%s %s: %s", path, c->negated ? "NOT " : "", op, lit, r);
}

/* '(' [literal (',' literal)*] ')', every literal of one kind (numbers count as one kind), each
 * checked against comparison c. */
static int parse_set(struct parser *p, struct cmp *c)
{
    int rc = expect(p, TK_LPAREN, "'(' after IN");
    int cls = 0;
    if (rc != 0 || p->t.kind == TK_RPAREN)
        return rc != 0 ? rc : next(p);
    for (;;) {
        if (!is_literal(p->t.kind))
            return unexpected(p, "constant in set");
        if (cls != 0 && literal_class(p->t.kind) != cls)
            return fail(p, p->t.off, "set mixes constants of different types");
        cls = literal_class(p->t.kind);
        rc = check_constant(p, c);
        if (rc == 0) {
            if (c->node != NULL)
                add_value(p, c);
            rc = next(p);
        }
        if (rc != 0)
            return rc;
        if (p->t.kind == TK_RPAREN)
            return next(p);
        rc = expect(p, TK_COMMA, "',' or ')' in set");
        if (rc != 0)
            return rc;
    }
}

/* objectPath NOT? op constant | NOT? EXISTS objectPath | '(' comparison ')' */
static int parse_prop_test(struct parser *p, struct stix_pat_node **out)
{
    char q[PATTERN_QUOTE_MAX + 8];
    struct cmp c; /* filled as it is read; not zeroed, validation is on every ingest */
    int rc;
    c.node = NULL;
    c.last_step = NULL;
    c.last_value = NULL;
    if (p->t.kind == TK_LPAREN) {
        rc = enter(p);
        if (rc == 0)
            rc = parse_comparison_or(p, out);
        if (rc == 0)
            rc = expect(p, TK_RPAREN, "')'");
        p->depth--;
        return rc;
    }
    struct stix_pat_node *n = node_new(p, STIX_PAT_COMPARISON, p->t.off);
    *out = n;
    if (n != NULL)
        c.node = &n->cmp;
    if (p->t.kind == TK_NOT) {
        if (n != NULL)
            n->cmp.negated = true;
        rc = next(p);
        if (rc != 0)
            return rc;
        if (p->t.kind != TK_EXISTS)
            return unexpected(p, "EXISTS after NOT (NOT goes after the object path)");
    }
    if (p->t.kind == TK_EXISTS) {
        if (n != NULL)
            n->cmp.op = STIX_OP_EXISTS;
        rc = next(p);
        return rc != 0 ? rc : parse_object_path(p, &c);
    }
    rc = parse_object_path(p, &c);
    if (rc != 0)
        return rc;
    c.negated = p->t.kind == TK_NOT;
    if (c.negated) {
        rc = next(p);
        if (rc != 0)
            return rc;
    }
    enum tok_kind op = p->t.kind;
    size_t op_off = p->t.off;
    c.op = op;
    c.op_off = op_off;
    c.op_len = p->t.len;
    if (n != NULL) {
        n->cmp.negated = c.negated;
        n->cmp.op = tree_op(op);
    }
    const struct tok optok = p->t; /* quoted only in messages */
    switch (op) {
    case TK_EQ:
    case TK_NEQ:
    case TK_LT:
    case TK_LE:
    case TK_GT:
    case TK_GE:
        rc = next(p);
        if (rc != 0)
            return rc;
        if (!is_literal(p->t.kind))
            return unexpected(p, "constant");
        if (p->t.kind == TK_BOOL && op != TK_EQ && op != TK_NEQ) {
            tok_quote(p, &optok, q, sizeof(q));
            return fail(p, p->t.off, "operator %s cannot compare a boolean", q);
        }
        rc = check_constant(p, &c);
        if (rc != 0)
            return rc;
        if (c.node != NULL)
            add_value(p, &c);
        return next(p);
    case TK_IN:
        rc = next(p);
        return rc != 0 ? rc : parse_set(p, &c);
    case TK_LIKE:
    case TK_MATCHES:
    case TK_ISSUBSET:
    case TK_ISSUPERSET:
        rc = next(p);
        if (rc != 0)
            return rc;
        if (p->t.kind != TK_STRING) {
            tok_quote(p, &optok, q, sizeof(q));
            return fail(p, p->t.off, "%s needs a string constant", q);
        }
        rc = check_constant(p, &c);
        if (rc != 0)
            return rc;
        if (c.node != NULL)
            add_value(p, &c);
        return next(p);
    case TK_EXISTS:
        return fail(p, op_off, "EXISTS goes before the object path");
    case TK_EOF:
    case TK_RBRACK:
    case TK_RPAREN:
    case TK_LBRACK:
    case TK_LPAREN:
    case TK_COMMA:
    case TK_COLON:
    case TK_DOT:
        return unexpected(p, "comparison operator");
    default:
        if (is_literal(op))
            return unexpected(p, "comparison operator");
        tok_quote(p, &optok, q, sizeof(q));
        if (is_lower_keyword(p))
            return fail(p, op_off, "unknown operator %s (keywords are upper case)", q);
        return fail(p, op_off, "unknown operator %s", q);
    }
}

/* propTest (AND propTest)* */
static int parse_comparison_and(struct parser *p, struct stix_pat_node **out)
{
    struct stix_pat_node *kid = NULL, *tail = NULL;
    int rc = parse_prop_test(p, out);
    while (rc == 0 && p->t.kind == TK_AND) {
        rc = next(p);
        if (rc == 0)
            rc = parse_prop_test(p, &kid);
        if (rc == 0)
            join(p, STIX_PAT_CMP_AND, out, &tail, kid);
    }
    return rc;
}

/* comparisonAnd (OR comparisonAnd)* */
static int parse_comparison_or(struct parser *p, struct stix_pat_node **out)
{
    struct stix_pat_node *kid = NULL, *tail = NULL;
    int rc = parse_comparison_and(p, out);
    while (rc == 0 && p->t.kind == TK_OR) {
        rc = next(p);
        if (rc == 0)
            rc = parse_comparison_and(p, &kid);
        if (rc == 0)
            join(p, STIX_PAT_CMP_OR, out, &tail, kid);
    }
    return rc;
}

/* Qualifiers after one observation expression, each kind at most once (section 9.5.1). */
static int parse_qualifiers(struct parser *p, struct stix_pat_qualifiers *q)
{
    bool within = false, repeats = false, startstop = false;
    int rc = 0;
    for (;;) {
        size_t at = p->t.off;
        if (p->t.kind == TK_WITHIN) {
            if (within)
                return fail(p, at, "duplicate WITHIN qualifier");
            within = true;
            rc = next(p);
            if (rc != 0)
                return rc;
            if ((p->t.kind != TK_INT && p->t.kind != TK_FLOAT) || p->t.neg || !p->t.nonzero)
                return fail(p, p->t.off, "WITHIN needs a positive number of seconds");
            q->has_within = true;
            if (p->arena != NULL) {
                size_t n;
                q->within =
                    strtod(stix_pat_text(p->arena, p->s + p->t.off, p->t.len, false, &n), NULL);
            }
            rc = next(p);
            if (rc == 0)
                rc = expect(p, TK_SECONDS, "SECONDS after WITHIN <number>");
        } else if (p->t.kind == TK_REPEATS) {
            if (repeats)
                return fail(p, at, "duplicate REPEATS qualifier");
            repeats = true;
            rc = next(p);
            if (rc != 0)
                return rc;
            if (p->t.kind != TK_INT || p->t.neg || !p->t.nonzero)
                return fail(p, p->t.off, "REPEATS needs a positive integer count");
            q->has_repeats = true;
            q->repeats = p->t.ival;
            rc = next(p);
            if (rc == 0)
                rc = expect(p, TK_TIMES, "TIMES after REPEATS <count>");
        } else if (p->t.kind == TK_START) {
            if (startstop)
                return fail(p, at, "duplicate START/STOP qualifier");
            startstop = true;
            rc = next(p);
            if (rc != 0)
                return rc;
            if (p->t.kind != TK_TIMESTAMP)
                return unexpected(p, "timestamp t'...' after START");
            rk_time_us start = p->t.ts;
            size_t start_off = p->t.off;
            rc = next(p);
            if (rc == 0)
                rc = expect(p, TK_STOP, "STOP after START <timestamp>");
            if (rc != 0)
                return rc;
            if (p->t.kind != TK_TIMESTAMP)
                return unexpected(p, "timestamp t'...' after STOP");
            if (start >= p->t.ts)
                return fail(p, start_off, "START must be earlier than STOP");
            q->has_start_stop = true;
            q->start = start;
            q->stop = p->t.ts;
            rc = next(p);
        } else {
            return 0;
        }
        if (rc != 0)
            return rc;
    }
}

/* ('[' comparison ']' | '(' observations ')') qualifier* */
static int parse_observation(struct parser *p, struct stix_pat_node **out)
{
    struct stix_pat_qualifiers q = {.has_within = false};
    struct stix_pat_node *n = NULL, *inner = NULL;
    size_t off = p->t.off;
    int rc;
    if (p->t.kind == TK_LBRACK) {
        n = node_new(p, STIX_PAT_OBSERVATION, off);
        rc = enter(p);
        if (rc == 0)
            rc = parse_comparison_or(p, &inner);
        if (rc == 0)
            rc = expect(p, TK_RBRACK, "']'");
    } else if (p->t.kind == TK_LPAREN) {
        rc = enter(p);
        if (rc == 0)
            rc = parse_observations(p, &inner);
        if (rc == 0)
            rc = expect(p, TK_RPAREN, "')'");
    } else {
        return unexpected(p, "'[' or '('");
    }
    p->depth--;
    if (rc == 0)
        rc = parse_qualifiers(p, &q);
    if (rc != 0 || p->arena == NULL)
        return rc;
    /* '(' ... ')' makes a node only when qualified */
    if (n == NULL && (q.has_within || q.has_repeats || q.has_start_stop))
        n = node_new(p, STIX_PAT_GROUP, off);
    if (n == NULL) {
        *out = inner;
        return 0;
    }
    n->kids = inner;
    n->nkids = 1;
    n->q = q;
    *out = n;
    return 0;
}

/* observation (AND observation)* */
static int parse_observation_and(struct parser *p, struct stix_pat_node **out)
{
    struct stix_pat_node *kid = NULL, *tail = NULL;
    int rc = parse_observation(p, out);
    while (rc == 0 && p->t.kind == TK_AND) {
        rc = next(p);
        if (rc == 0)
            rc = parse_observation(p, &kid);
        if (rc == 0)
            join(p, STIX_PAT_OBS_AND, out, &tail, kid);
    }
    return rc;
}

/* observationAnd (OR observationAnd)* */
static int parse_observation_or(struct parser *p, struct stix_pat_node **out)
{
    struct stix_pat_node *kid = NULL, *tail = NULL;
    int rc = parse_observation_and(p, out);
    while (rc == 0 && p->t.kind == TK_OR) {
        rc = next(p);
        if (rc == 0)
            rc = parse_observation_and(p, &kid);
        if (rc == 0)
            join(p, STIX_PAT_OBS_OR, out, &tail, kid);
    }
    return rc;
}

/* observationOr (FOLLOWEDBY observationOr)*: FOLLOWEDBY binds loosest. */
static int parse_observations(struct parser *p, struct stix_pat_node **out)
{
    struct stix_pat_node *kid = NULL, *tail = NULL;
    int rc = parse_observation_or(p, out);
    while (rc == 0 && p->t.kind == TK_FOLLOWEDBY) {
        rc = next(p);
        if (rc == 0)
            rc = parse_observation_or(p, &kid);
        if (rc == 0)
            join(p, STIX_PAT_FOLLOWEDBY, out, &tail, kid);
    }
    return rc;
}

/*
 * The one parse behind stix_pattern_validate and stix_pattern_parse: the whole pattern, with
 * p->s, p->err, p->warn and p->arena set. On success *root is the tree's root when p->arena
 * is set. err is written only on failure; every message has the form
 * "pattern: <what> at offset <n>" (n a byte offset into pattern), except the two limits.
 */
static int parse_pattern(struct parser *p, const char *pattern, struct stix_pat_node **root)
{
    int rc;
    if (pattern == NULL)
        return rk_err_set(p->err, RK_E_INVALID, "pattern: missing pattern at offset 0");
    p->len = strnlen(pattern, PATTERN_MAX_LEN + 1);
    if (p->len > PATTERN_MAX_LEN)
        return rk_err_set(p->err, RK_E_INVALID, "pattern: longer than %d bytes at offset %d",
                          PATTERN_MAX_LEN, PATTERN_MAX_LEN);
    rc = next(p);
    if (rc == 0 && p->t.kind == TK_EOF)
        rc = fail(p, p->t.off, "empty pattern");
    if (rc == 0)
        rc = parse_observations(p, root);
    if (rc == 0 && (p->t.kind == TK_RBRACK || p->t.kind == TK_RPAREN))
        rc = fail(p, p->t.off, "unbalanced '%c'", p->s[p->t.off]);
    if (rc == 0 && p->t.kind != TK_EOF)
        rc = unexpected(p, "AND, OR, FOLLOWEDBY or end of pattern");
    return rc;
}

/* Contract in stix.h. */
int stix_pattern_validate(const char *pattern, struct rk_err *err, struct stix_warning *warn)
{
    struct parser p = {.s = pattern, .err = err, .warn = warn};
    struct stix_pat_node *root = NULL;
    if (warn != NULL) {
        warn->msg[0] = '\0';
        warn->count = 0;
    }
    int rc = parse_pattern(&p, pattern, &root);
    if (warn != NULL && rc != 0) {
        warn->msg[0] = '\0';
        warn->count = 0;
    } else if (warn != NULL && warn->count > 1) {
        size_t n = strnlen(warn->msg, sizeof(warn->msg));
        snprintf(warn->msg + n, sizeof(warn->msg) - n, " (%u warnings in all)", warn->count);
    }
    return rc;
}

/* Contract in stix.h. */
int stix_pattern_parse(const char *pattern, struct stix_pattern **out, struct rk_err *err)
{
    struct parser p = {.s = pattern, .err = err, .arena = stix_pat_arena_new()};
    struct stix_pat_node *root = NULL;
    *out = NULL;
    int rc = parse_pattern(&p, pattern, &root);
    if (rc != 0) {
        stix_pat_arena_free(p.arena);
        return rc;
    }
    struct stix_pattern *pat = stix_pat_alloc(p.arena, sizeof(*pat));
    pat->root = root;
    pat->arena = p.arena;
    *out = pat;
    return 0;
}
