/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chunked.c: the decoder of chunked request bodies (RFC 9112 section 7.1). It takes the bytes
 * as they arrive, in pieces of any size, appends the chunks' data to the body, and stops at the
 * end of the trailers, at a malformed byte or at the size limit, whichever comes first.
 */
#include "http/http_int.h"

#include <assert.h>

#define LINE_MAX_BYTES    4096u /* a chunk-size line with its extensions */
#define TRAILER_MAX_BYTES 8192u /* all the trailer lines together */

enum {
    CH_SIZE = 0,   /* hex digits of a chunk size */
    CH_EXT,        /* the rest of the size line: extensions, ignored */
    CH_SIZE_LF,    /* the LF after a CR ending a size line */
    CH_DATA,       /* c->left bytes of data */
    CH_DATA_END,   /* CR LF (or LF) after the data */
    CH_DATA_LF,    /* the LF of that CR LF */
    CH_TRAILER,    /* a trailer line, or the empty line ending the body */
    CH_TRAILER_LF, /* the LF after a CR in a trailer line */
    CH_DONE,       /* the body is complete */
};

static int hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The size line is complete: a last chunk starts the trailers, others their data. */
static void size_line_done(struct http_chunked *c)
{
    c->line = 0;
    c->state = c->left == 0 ? CH_TRAILER : CH_DATA;
}

int http_chunked_feed(struct http_chunked *c, const char *in, size_t len, size_t *used,
                      struct rk_buf *out, size_t max)
{
    size_t i = 0;
    int rc = HTTP_CHUNKED_MORE;

    while (i < len && c->state != CH_DONE) {
        unsigned char b = (unsigned char)in[i];
        switch (c->state) {
        case CH_SIZE: {
            int d = hex_digit(b);
            if (d >= 0) {
                if (c->left > (UINT64_MAX >> 4)) {
                    rc = 413;
                    goto out;
                }
                c->left = (c->left << 4) | (uint64_t)d;
                c->digits = true;
            } else if (!c->digits) {
                rc = 400;
                goto out;
            } else if (b == ';' || b == ' ' || b == '\t') {
                c->state = CH_EXT;
            } else if (b == '\r') {
                c->state = CH_SIZE_LF;
            } else if (b == '\n') {
                size_line_done(c);
            } else {
                rc = 400;
                goto out;
            }
            if (c->state != CH_SIZE && c->left > max - out->len) {
                rc = 413;
                goto out;
            }
            i++;
            break;
        }
        case CH_EXT:
            if (b == '\r')
                c->state = CH_SIZE_LF;
            else if (b == '\n')
                size_line_done(c);
            else if (b < 0x20 && b != '\t') {
                rc = 400;
                goto out;
            }
            i++;
            break;
        case CH_SIZE_LF:
        case CH_DATA_LF:
        case CH_TRAILER_LF:
            if (b != '\n') {
                rc = 400;
                goto out;
            }
            i++;
            if (c->state == CH_SIZE_LF) {
                size_line_done(c);
            } else if (c->state == CH_DATA_LF) {
                c->state = CH_SIZE;
                c->digits = false;
            } else {
                c->state = c->line == 0 ? CH_DONE : CH_TRAILER;
                c->line = 0;
            }
            break;
        case CH_DATA: {
            size_t n = len - i;
            if ((uint64_t)n > c->left)
                n = (size_t)c->left;
            rk_buf_append(out, in + i, n);
            c->left -= n;
            i += n;
            if (c->left == 0)
                c->state = CH_DATA_END;
            break;
        }
        case CH_DATA_END:
            if (b == '\r') {
                c->state = CH_DATA_LF;
            } else if (b == '\n') {
                c->state = CH_SIZE;
                c->digits = false;
            } else {
                rc = 400;
                goto out;
            }
            i++;
            break;
        case CH_TRAILER:
            if (b == '\r') {
                c->state = CH_TRAILER_LF;
            } else if (b == '\n') {
                c->state = c->line == 0 ? CH_DONE : CH_TRAILER;
                c->line = 0;
            } else {
                c->line++;
            }
            i++;
            if (++c->trailer > TRAILER_MAX_BYTES) {
                rc = 400;
                goto out;
            }
            break;
        default:
            assert(0);
        }
        if ((c->state == CH_SIZE || c->state == CH_EXT) && ++c->line > LINE_MAX_BYTES) {
            rc = 400;
            goto out;
        }
    }
    if (c->state == CH_DONE)
        rc = HTTP_CHUNKED_DONE;
out:
    *used = i;
    return rc;
}
