/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_pattern.c: libFuzzer driver for stix_pattern_validate. Besides crashes and sanitizer
 * reports it checks the validator's own promises: a failure is RK_E_INVALID with a message
 * "pattern: ... at offset N" where N lies within the input; warnings (a property the
 * specification does not define, a hash name outside hash-algorithm-ov) come only with
 * success and have the same form; every message is one line of printable ASCII; and the
 * answer, warnings included, is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stix/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless msg is "pattern: ... at offset N", N <= len, in printable ASCII. */
static void check_message(const char *msg, size_t len)
{
    if (strncmp(msg, "pattern: ", 9) != 0)
        abort();
    for (const char *c = msg; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            abort();
    /* The message may quote input, so the offset is the last " at offset ". */
    const char *at = NULL;
    for (const char *q = strstr(msg, " at offset "); q != NULL; q = strstr(q + 1, " at offset "))
        at = q;
    if (at == NULL)
        abort();
    char *end;
    size_t off = strtoul(at + 11, &end, 10);
    /* The offset ends the message (a warning may add how many there were in all) and is
     * never past the end of the input. */
    if ((*end != '\0' && strncmp(end, " (", 2) != 0) || off > len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    struct rk_err err = {0};
    struct stix_warning warn;
    int rc = stix_pattern_validate(s, &err, &warn);
    if (rc != 0) {
        if (rc != RK_E_INVALID || err.code != RK_E_INVALID)
            abort();
        check_message(err.msg, strlen(s));
        if (warn.count != 0 || warn.msg[0] != '\0')
            abort();
    } else if (warn.count > 0) {
        check_message(warn.msg, strlen(s));
    } else if (warn.msg[0] != '\0') {
        abort();
    }
    struct rk_err again = {0};
    struct stix_warning warn2;
    if (stix_pattern_validate(s, &again, &warn2) != rc || strcmp(err.msg, again.msg) != 0 ||
        warn2.count != warn.count || strcmp(warn.msg, warn2.msg) != 0)
        abort();
    /* Without a warning buffer the verdict is the same. */
    if (stix_pattern_validate(s, NULL, NULL) != rc)
        abort();
    free(s);
    return 0;
}
