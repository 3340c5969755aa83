/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_file.c: rk_read_file reads a whole file under its cap, and names the file in every
 * refusal: missing, one byte over the cap, a NUL inside a text file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

static char dir[] = "/tmp/rk-test-file-XXXXXX";

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void reads_and_refuses(void **state)
{
    char path[128], *out = (char *)1;
    size_t len = 0;
    struct rk_err err;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/ids.txt", dir);

    /* Exactly the cap: read whole, NUL-terminated. The cap spans several reads. */
    char *big = malloc(20000);
    memset(big, 'a', 20000);
    write_file(path, big, 20000);
    assert_int_equal(rk_read_file(path, 20000, true, &out, &len, &err), 0);
    assert_int_equal(len, 20000);
    assert_int_equal(out[19999], 'a');
    assert_int_equal(out[20000], '\0');
    free(out);

    /* One byte over: RK_E_TOOBIG naming the file, nothing handed out. */
    assert_int_equal(rk_read_file(path, 19999, true, &out, &len, &err), RK_E_TOOBIG);
    assert_null(out);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "larger than 19999 bytes"));

    /* A NUL inside: refused as text, read as bytes. */
    write_file(path, "ab\0cd", 5);
    assert_int_equal(rk_read_file(path, 100, true, &out, NULL, &err), RK_E_INVALID);
    assert_null(out);
    assert_non_null(strstr(err.msg, "NUL"));
    assert_int_equal(rk_read_file(path, 100, false, &out, &len, &err), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(out, "ab\0cd", 5);
    free(out);

    /* Empty: an empty string. */
    write_file(path, "", 0);
    assert_int_equal(rk_read_file(path, 100, true, &out, &len, &err), 0);
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
    free(out);

    /* Missing: RK_E_IO with the file and the system's reason. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rk_read_file(path, 100, true, &out, &len, &err), RK_E_IO);
    assert_null(out);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "No such file"));
    assert_int_equal(rmdir(dir), 0);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_and_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
