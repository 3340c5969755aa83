/* SPDX-License-Identifier: Apache-2.0 */
/*
 * observables.c: what one stored object mentions, for the matcher's filters ("pattern") and
 * the watchlist index: the observable index's values of the object (analyze_observables_of,
 * the same normalisation) and of the SCOs an observed-data embeds, and the software (name,
 * CPE) of software SCOs. At most ALERT_OBS_MAX values per object, as the index caps its rows.
 */
#include "alert/match_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_OBS_MAX 256

static int add_obs(void *ctx, const struct analyze_observable *obs)
{
    struct alert_obs_set *out = ctx;

    if (out->n >= ALERT_OBS_MAX)
        return 1;
    for (size_t i = 0; i < out->n; i++)
        if (out->items[i].type == obs->type && out->items[i].len == obs->len &&
            memcmp(out->items[i].value, obs->value, obs->len) == 0)
            return 0;
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 4;
        out->items = rk_realloc(out->items, out->cap * sizeof(*out->items));
    }
    out->items[out->n++] = *obs;
    return 0;
}

static void add_product(struct alert_obs_set *out, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > ANALYZE_VALUE_MAX || out->n_products >= ALERT_OBS_MAX)
        return;
    char *low = rk_strndup(s, n);
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)low[i]);
    if (out->n_products == out->cap_products) {
        out->cap_products = out->cap_products ? out->cap_products * 2 : 2;
        out->products = rk_realloc(out->products, out->cap_products * sizeof(*out->products));
    }
    out->products[out->n_products++] = low;
}

/* One object, not walking into what it embeds. */
static void collect_one(const char *type, const json_t *obj, struct alert_obs_set *out)
{
    if (type == NULL)
        return;
    if (strcmp(type, "software") == 0) {
        add_product(out, json_string_value(json_object_get(obj, "name")));
        add_product(out, json_string_value(json_object_get(obj, "cpe")));
        return;
    }
    analyze_observables_of(type, obj, add_obs, out);
}

void alert_obs_collect(const char *type, const json_t *obj, struct alert_obs_set *out)
{
    collect_one(type, obj, out);
    if (type != NULL && strcmp(type, "observed-data") == 0) {
        const char *k;
        json_t *sco;
        json_object_foreach((json_t *)json_object_get(obj, "objects"), k, sco)
            collect_one(json_string_value(json_object_get(sco, "type")), sco, out);
    }
}

void alert_obs_clear(struct alert_obs_set *out)
{
    for (size_t i = 0; i < out->n_products; i++)
        free(out->products[i]);
    free(out->products);
    free(out->items);
    memset(out, 0, sizeof(*out));
}
