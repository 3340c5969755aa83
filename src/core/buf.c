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

void rk_buf_json_string(struct rk_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    /* 1 for the bytes JSON requires escaped: control characters, '"' and '\\'. */
    static const unsigned char must_escape[256] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1};
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
