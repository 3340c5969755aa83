/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_target.c: libFuzzer driver for http_target_scan, which reads a request target in
 * libmicrohttpd's buffer before libmicrohttpd parses it. The input is the target (any bytes,
 * NULs too), laid out as libmicrohttpd hands it over, "<target>\0HTTP/1.1\0", in a block of
 * exactly that size: ASan then reports any read past the request line's terminator. The
 * target up to its first NUL then goes through http_target_unescape, the decoder the server
 * gives libmicrohttpd: never longer, never a NUL inside, unchanged without a '%'.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char version[] = "\0HTTP/1.1"; /* and the array's own NUL: 10 bytes */
    char *line = malloc(size + sizeof(version));
    struct http_target t;

    if (line == NULL)
        return 0;
    memcpy(line, data, size);
    memcpy(line + size, version, sizeof(version));
    http_target_scan(line, &t);
    assert(t.len <= size);
    assert(t.qmark == NULL || (t.qmark >= line && t.qmark < line + t.len));
    assert(t.n_params <= t.len);
    assert(t.nul == (memchr(line, '\0', t.len) != NULL));

    char *copy = malloc(size + 1);
    if (copy != NULL) {
        memcpy(copy, data, size);
        copy[size] = '\0';
        size_t in = strlen(copy);
        bool pct = memchr(copy, '%', in) != NULL;
        size_t out = http_target_unescape(copy);
        assert(out <= in && strlen(copy) == out);
        assert(pct || memcmp(copy, data, in) == 0);
        free(copy);
    }
    free(line);
    return 0;
}
