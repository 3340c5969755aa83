/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_record.c: the stored hotline alert (the record described in hotline.h): reading and
 * writing it, and what every part reads of it: a recipient's entry, an audience's fields,
 * the deadlines of acknowledgement and escalation.
 */
#include "alert/hotline.h"

#include <stdlib.h>
#include <string.h>

static int record_json(void *ctx, const struct store_record *r)
{
    json_t **out = ctx;
    *out = json_loads(r->json, 0, NULL);
    return 1;
}

int hotline_alert_get(struct store *s, const char *id, json_t **out, struct rk_err *err)
{
    *out = NULL;
    int rc = store_record_get(s, HOTLINE_REC_ALERT, id, record_json, out, err);
    if (rc < 0)
        return rc;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return rk_err_set(err, RK_E_INTERNAL, "hotline alert %s: the record is not JSON", id);
    }
    return 0;
}

int hotline_alert_put(struct store *s, const json_t *rec, struct rk_err *err)
{
    char *text = json_dumps(rec, JSON_COMPACT);
    if (text == NULL)
        abort(); /* jansson fails only when out of memory */
    struct store_record r = {
        .kind = HOTLINE_REC_ALERT,
        .id = json_string_value(json_object_get(rec, "id")),
        .org_id = "",
        .json = text,
    };
    int rc = store_record_put(s, &r, err);
    free(text);
    return rc;
}

json_t *hotline_recipient(const json_t *rec, const char *org_id)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(rec, "recipients"), i, r)
    {
        const char *o = json_string_value(json_object_get(r, "org"));
        if (o != NULL && org_id != NULL && strcmp(o, org_id) == 0)
            return r;
    }
    return NULL;
}

const json_t *hotline_audience_fields(const json_t *rec, const char *to)
{
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(rec, "audiences"), i, a)
    {
        const char *t = json_string_value(json_object_get(a, "to"));
        if (t != NULL && strcmp(t, to) == 0)
            return json_object_get(a, "fields");
    }
    return NULL;
}

rk_time_us hotline_deadline(const json_t *rec, int stage)
{
    rk_time_us created = (rk_time_us)json_integer_value(json_object_get(rec, "created"));
    int64_t ack = json_integer_value(json_object_get(rec, "ack_seconds"));
    return created + (rk_time_us)(stage + 1) * ack * 1000000;
}

json_t *hotline_time_json(const json_t *v)
{
    char when[RK_TIME_LEN];
    if (!json_is_integer(v))
        return json_null();
    rk_time_format((rk_time_us)json_integer_value(v), when);
    return json_string(when);
}
