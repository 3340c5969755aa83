/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_head.c: libFuzzer driver for the bytes a client sends before and as a request body: the
 * request head parser (given the input in growing prefixes, as the bytes arrive, in a buffer of
 * exactly their size so that ASan reports any read past them) and, after a good head, the
 * chunked decoder on the rest, in pieces. The first input byte picks the head limit.
 * Checks what the server relies on: a refusal has a status and a description, a good head's
 * pointers lie inside the buffer, its lengths add up, and the decoder consumes what it says.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const char *p, const char *buf, size_t len)
{
    return p >= buf && p <= buf + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t max = 16 + (size_t)data[0] * 8;
    data++, size--;

    struct http_head h;
    size_t scanned = 0, len = 0;
    int rc = HTTP_HEAD_MORE;
    char *buf = NULL;
    /* Growing prefixes: 1, 2, 4... bytes more each time, as a client would trickle them. */
    for (size_t step = 1; rc == HTTP_HEAD_MORE && len < size; step *= 2) {
        len = len + step < size ? len + step : size;
        free(buf);
        buf = malloc(len ? len : 1);
        memcpy(buf, data, len);
        rc = http_head_parse(buf, len, max, &scanned, &h);
        assert(scanned <= len);
    }
    if (rc == HTTP_HEAD_MORE) {
        assert(len <= max);
        free(buf);
        return 0;
    }
    assert(rc == HTTP_HEAD_DONE);
    assert(h.len <= len);
    if (h.status != 0) {
        assert(h.status >= 400 && h.status <= 599);
        assert(h.error[0] != '\0');
        free(buf);
        return 0;
    }
    assert(h.len <= max);
    assert(inside(h.method, buf, len) && inside(h.path, buf, len));
    assert(strlen(h.path) <= h.path_len);
    assert(h.n_params <= HTTP_MAX_PARAMS && h.n_fields <= HTTP_MAX_HEADERS);
    for (size_t i = 0; i < h.n_params; i++)
        assert(inside(h.params[i].key, buf, len) && inside(h.params[i].value, buf, len));
    for (size_t i = 0; i < h.n_fields; i++)
        assert(inside(h.fields[i].name, buf, len) && inside(h.fields[i].value, buf, len));
    if (h.chunked) {
        struct http_chunked c = {0};
        struct rk_buf out = RK_BUF_INIT;
        const char *p = (const char *)data + h.len;
        size_t left = size - h.len, piece = 1;
        int r = HTTP_CHUNKED_MORE;
        while (r == HTTP_CHUNKED_MORE && left > 0) {
            size_t n = piece < left ? piece : left, used = 0;
            char *copy = malloc(n);
            memcpy(copy, p, n);
            r = http_chunked_feed(&c, copy, n, &used, &out, max);
            free(copy);
            assert(used <= n && out.len <= max);
            assert(r != HTTP_CHUNKED_MORE || used == n);
            p += used, left -= used;
            piece = piece * 3 % 17 + 1;
        }
        rk_buf_free(&out);
    }
    free(buf);
    return 0;
}
