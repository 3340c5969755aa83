/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_taxii_query.c: libFuzzer driver for the TAXII query parser. The input is a query
 * string ("k=v&k=v", not URL-decoded) cut into parameters as the server would hand them
 * over; every endpoint's field set is tried. Every value that is a timestamp is also written
 * back from its instant and form (rk_time_form, rk_time_format_as), which must give the
 * value itself: the store writes versions back that way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "taxii/taxii_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_param params[HTTP_MAX_PARAMS];
    size_t n = 0;
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *p = copy;
    while (n < HTTP_MAX_PARAMS) {
        char *amp = strchr(p, '&');
        if (amp != NULL)
            *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq != NULL)
            *eq = '\0';
        params[n].key = p;
        params[n].value = eq != NULL ? eq + 1 : (char *)"";
        n++;
        if (amp == NULL)
            break;
        p = amp + 1;
    }
    for (size_t i = 0; i < n; i++) {
        rk_time_us t;
        char text[RK_TIME_LEN];
        int form = rk_time_form(params[i].value);
        if ((form >= 0) != (rk_time_parse(params[i].value, &t) == 0))
            abort();
        if (form >= 0 && (rk_time_format_as(t, form, text) != strlen(params[i].value) ||
                          strcmp(text, params[i].value) != 0))
            abort();
    }
    static const unsigned field_sets[] = {
        TAXII_Q_PAGING | TAXII_Q_ID | TAXII_Q_TYPE | TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION,
        TAXII_Q_PAGING | TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION,
        TAXII_Q_PAGING | TAXII_Q_SPEC_VERSION,
        TAXII_Q_VERSION | TAXII_Q_SPEC_VERSION,
    };
    for (size_t i = 0; i < sizeof(field_sets) / sizeof(field_sets[0]); i++) {
        struct taxii_query q;
        struct rk_err err;
        struct store_query sq;
        if (taxii_query_parse(params, n, field_sets[i], &q, &err) == 0) {
            taxii_query_to_store(&q, "c", &sq);
            if (sq.limit == 0 || sq.limit > TAXII_PAGE_MAX)
                abort();
        }
        taxii_query_free(&q);
    }
    free(copy);
    return 0;
}
