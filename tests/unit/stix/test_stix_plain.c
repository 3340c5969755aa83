/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_stix_plain.c: stix_plain_len, the word-at-a-time scan the JSON parser and the
 * canonical writer use to skip bytes a JSON string holds as they are. Checked against a
 * byte-by-byte reference for every byte value at every position of two 16-byte blocks and
 * in the tail past them, next to plain and non-plain neighbours (the bit tricks borrow across
 * bytes, and the first byte to stop at is read from the lowest flagged bit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "stix/stix_int.h"

static bool plain(unsigned char c, bool ascii)
{
    return c >= 0x20 && c != '"' && c != '\\' && (!ascii || c < 0x80);
}

/* Leading plain bytes. */
static size_t reference(const unsigned char *s, size_t n, bool ascii)
{
    size_t i = 0;
    while (i < n && plain(s[i], ascii))
        i++;
    return i;
}

static void every_byte_everywhere(void **state)
{
    (void)state;
    static const unsigned char fill[] = {'a', ' ', 0x7f, 0x80, 0xff, 0x21, 0x1f, 0x00};
    unsigned char buf[40];
    for (size_t f = 0; f < sizeof(fill); f++) {
        for (int c = 0; c < 256; c++) {
            for (size_t pos = 0; pos < 36; pos++) {
                memset(buf, fill[f], sizeof(buf));
                buf[pos] = (unsigned char)c;
                for (int ascii = 0; ascii < 2; ascii++) {
                    for (size_t n = 0; n <= sizeof(buf); n++) {
                        size_t got = stix_plain_len(buf, n, ascii);
                        size_t want = reference(buf, n, ascii);
                        if (got != want)
                            fail_msg("fill %02x, byte %02x at %zu, n %zu, ascii %d: %zu, want %zu",
                                     fill[f], c, pos, n, ascii, got, want);
                    }
                }
            }
        }
    }
}

/* Every pair of adjacent byte values at every place of one or two words, in strings of 8 to
 * 20 bytes (words only below 16 bytes with SSE2, and the last word overlapping): a borrow
 * out of the first may flag the second, which must not hide or move the first byte to stop
 * at. */
static void every_pair(void **state)
{
    (void)state;
    unsigned char buf[20];
    for (int c = 0; c < 256; c++) {
        for (int d = 0; d < 256; d++) {
            for (size_t pos = 0; pos + 1 < sizeof(buf); pos++) {
                memset(buf, 'a', sizeof(buf));
                buf[pos] = (unsigned char)c;
                buf[pos + 1] = (unsigned char)d;
                for (int ascii = 0; ascii < 2; ascii++) {
                    for (size_t n = pos + 2 > 8 ? pos + 2 : 8; n <= sizeof(buf); n++) {
                        size_t got = stix_plain_len(buf, n, ascii);
                        size_t want = reference(buf, n, ascii);
                        if (got != want)
                            fail_msg("bytes %02x %02x at %zu, n %zu, ascii %d: %zu, want %zu", c, d,
                                     pos, n, ascii, got, want);
                    }
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_byte_everywhere),
                                       cmocka_unit_test(every_pair)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
