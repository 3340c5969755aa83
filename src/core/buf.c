/* SPDX-License-Identifier: Apache-2.0 */
/* buf.c: growable byte buffers, the one way renkei builds strings and response bodies. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rk_buf_init(struct rk_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void rk_buf_free(struct rk_buf *b)
{
    free(b->data);
    rk_buf_init(b);
}

void rk_buf_reset(struct rk_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

void rk_buf_reserve(struct rk_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = rk_realloc(b->data, cap);
    b->cap = cap;
}

void rk_buf_append(struct rk_buf *b, const void *data, size_t n)
{
    rk_buf_reserve(b, n);
    if (n > 0)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void rk_buf_puts(struct rk_buf *b, const char *s)
{
    rk_buf_append(b, s, strlen(s));
}

void rk_buf_putc(struct rk_buf *b, char c)
{
    rk_buf_append(b, &c, 1);
}

void rk_buf_printf(struct rk_buf *b, const char *fmt, ...)
{
    /* Format into the spare capacity first; only a long result needs a second pass. (Asking
     * vsnprintf(NULL, 0, ...) for the length trips a gcc -O2 -fsanitize false positive.) */
    va_list ap;
    rk_buf_reserve(b, 128);
    size_t room = b->cap - b->len;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        rk_buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/*
 * The length of the well-formed UTF-8 sequence (RFC 3629: no overlong form, no surrogate,
 * nothing past U+10FFFF) that starts with the byte p[0] >= 0x80, or 0 if there is none there.
 * p is NUL-terminated, so reading stops at a NUL, which is no continuation byte.
 */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

void rk_buf_json_string(struct rk_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    /* 1 for the bytes JSON requires escaped: control characters, '"' and '\\'; 2 for the
     * bytes that start or continue a multi-byte character, checked to be UTF-8. */
#define TWO16 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2
    static const unsigned char must_escape[256] = {
        1,     1,     1,     1,     1,         1,          1,
        1,     1,     1,     1,     1,         1,          1,
        1,     1,     1,     1,     1,         1,          1,
        1,     1,     1,     1,     1,         1,          1,
        1,     1,     1,     1,     ['"'] = 1, ['\\'] = 1, [0x80] = TWO16,
        TWO16, TWO16, TWO16, TWO16, TWO16,     TWO16,      TWO16};
#undef TWO16
    size_t n = strlen(s);
    size_t plain = 0;
    while (plain < n && !must_escape[(unsigned char)s[plain]])
        plain++;
    rk_buf_reserve(b, n + 2);
    if (plain == n) {
        /* The common case (ids, names): nothing to escape, one copy. */
        b->data[b->len++] = '"';
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len++] = '"';
        b->data[b->len] = '\0';
        return;
    }
    rk_buf_putc(b, '"');
    const char *run = s;
    for (const char *p = s + plain; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!must_escape[c])
            continue;
        if (must_escape[c] == 2) {
            /* Valid UTF-8 is copied as it is; any other byte (a request path may hold
             * anything) becomes U+FFFD, so that the text is JSON (RFC 8259 section 8.1). */
            size_t len = utf8_len((const unsigned char *)p);
            if (len > 0) {
                p += len - 1;
                continue;
            }
            rk_buf_append(b, run, (size_t)(p - run));
            run = p + 1;
            rk_buf_puts(b, "\\ufffd");
            continue;
        }
        rk_buf_append(b, run, (size_t)(p - run));
        run = p + 1;
        switch (c) {
        case '"':
            rk_buf_puts(b, "\\\"");
            break;
        case '\\':
            rk_buf_puts(b, "\\\\");
            break;
        case '\n':
            rk_buf_puts(b, "\\n");
            break;
        case '\r':
            rk_buf_puts(b, "\\r");
            break;
        case '\t':
            rk_buf_puts(b, "\\t");
            break;
        default: {
            char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            rk_buf_puts(b, esc);
        }
        }
    }
    rk_buf_puts(b, run);
    rk_buf_putc(b, '"');
}

char *rk_buf_steal(struct rk_buf *b)
{
    char *p = b->data ? b->data : rk_strdup("");
    rk_buf_init(b);
    return p;
}
