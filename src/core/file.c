/* SPDX-License-Identifier: Apache-2.0 */
/* file.c: reading a whole small file (a TLS certificate or key, a policy document, a list of
 * own identifiers) with a cap on its size. */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int rk_read_file(const char *path, size_t max, bool text, char **out, size_t *len,
                 struct rk_err *err)
{
    struct rk_buf b = RK_BUF_INIT;
    char chunk[8192];
    size_t n;
    int rc = 0;
    FILE *f = fopen(path, "rb");

    *out = NULL;
    if (f == NULL)
        return rk_err_set(err, RK_E_IO, "cannot open %s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > max) {
            rc = rk_err_set(err, RK_E_TOOBIG, "%s is larger than %zu bytes", path, max);
            goto out;
        }
        rk_buf_append(&b, chunk, n);
    }
    if (ferror(f)) {
        rc = rk_err_set(err, RK_E_IO, "cannot read %s", path);
        goto out;
    }
    if (text && memchr(b.data != NULL ? b.data : "", '\0', b.len) != NULL) {
        rc = rk_err_set(err, RK_E_INVALID, "%s contains a NUL byte: not a text file", path);
        goto out;
    }
    if (len != NULL)
        *len = b.len;
    *out = rk_buf_steal(&b);
out:
    fclose(f);
    rk_buf_free(&b);
    return rc;
}
