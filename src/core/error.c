/* SPDX-License-Identifier: Apache-2.0 */
/* error.c: error contexts and the one table that maps renkei error codes to HTTP statuses. */
#include "core.h"

#include <stdio.h>
#include <string.h>

static const struct {
    int code;
    const char *name;
    int http;
} code_table[] = {
    {RK_OK, "ok", 200},
    {RK_E_NOMEM, "out-of-memory", 503},
    {RK_E_INVALID, "invalid", 400},
    {RK_E_NOTFOUND, "not-found", 404},
    {RK_E_CONFLICT, "conflict", 409},
    {RK_E_IO, "io", 500},
    {RK_E_DB, "store", 500},
    {RK_E_TOOBIG, "too-large", 413},
    {RK_E_FORBIDDEN, "forbidden", 403},
    {RK_E_UNAUTH, "unauthorized", 401},
    {RK_E_EXISTS, "exists", 409},
    {RK_E_UNSUPPORTED, "unsupported-media-type", 415},
    {RK_E_NOTACCEPT, "not-acceptable", 406},
    {RK_E_UNPROCESSABLE, "unprocessable", 422},
    {RK_E_BADMETHOD, "method-not-allowed", 405},
    {RK_E_INTERNAL, "internal", 500},
};

int rk_err_set(struct rk_err *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

void rk_err_clear(struct rk_err *err)
{
    if (err != NULL) {
        err->code = RK_OK;
        err->msg[0] = '\0';
    }
}

const char *rk_code_name(int code)
{
    for (size_t i = 0; i < sizeof(code_table) / sizeof(code_table[0]); i++)
        if (code_table[i].code == code)
            return code_table[i].name;
    return "unknown";
}

int rk_http_status(int code)
{
    for (size_t i = 0; i < sizeof(code_table) / sizeof(code_table[0]); i++)
        if (code_table[i].code == code)
            return code_table[i].http;
    return 500;
}
