/* SPDX-License-Identifier: Apache-2.0 */
/*
 * input.c: reads the STIX documents users hand to `renkei push` (bundles, envelopes, arrays,
 * single objects) and cuts their objects into envelopes that respect the server's limits.
 */
#include "sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks that o looks like a STIX object: a JSON object with string type and id. */
static int check_shape(const json_t *o, const char *name, size_t index, struct rk_err *err)
{
    if (!json_is_object(o))
        return rk_err_set(err, RK_E_INVALID, "%s: object %zu is not a JSON object", name, index);
    const json_t *type = json_object_get(o, "type");
    const json_t *id = json_object_get(o, "id");
    if (!json_is_string(type) || json_string_length(type) == 0)
        return rk_err_set(err, RK_E_INVALID,
                          "%s: object %zu has no \"type\" string; not a STIX object", name, index);
    if (!json_is_string(id) || json_string_length(id) == 0)
        return rk_err_set(err, RK_E_INVALID,
                          "%s: object %zu (type %s) has no \"id\" string; not a STIX object", name,
                          index, json_string_value(type));
    return 0;
}

/* Checks every element of arr and returns a new reference to it. */
static int take_array(json_t *arr, const char *name, json_t **objects, struct rk_err *err)
{
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        int rc = check_shape(o, name, i, err);
        if (rc != 0)
            return rc;
    }
    *objects = json_incref(arr);
    return 0;
}

int sync_objects_from_json(json_t *doc, const char *name, json_t **objects, struct rk_err *err)
{
    *objects = NULL;
    if (json_is_array(doc))
        return take_array(doc, name, objects, err);
    if (!json_is_object(doc))
        return rk_err_set(err, RK_E_INVALID,
                          "%s: expected a STIX bundle, a TAXII envelope, an array of STIX "
                          "objects or one STIX object, found a JSON %s",
                          name, json_is_string(doc) ? "string" : "scalar");
    const json_t *type = json_object_get(doc, "type");
    json_t *list = json_object_get(doc, "objects");
    if (json_is_string(type) && strcmp(json_string_value(type), "bundle") == 0) {
        if (list == NULL) {
            *objects = json_array(); /* an empty bundle is legal STIX */
            return 0;
        }
        if (!json_is_array(list))
            return rk_err_set(err, RK_E_INVALID, "%s: the bundle's \"objects\" is not an array",
                              name);
        return take_array(list, name, objects, err);
    }
    if (type == NULL && list != NULL) {
        if (!json_is_array(list))
            return rk_err_set(err, RK_E_INVALID, "%s: the envelope's \"objects\" is not an array",
                              name);
        return take_array(list, name, objects, err);
    }
    if (type == NULL)
        return rk_err_set(err, RK_E_INVALID,
                          "%s: JSON object without \"type\" or \"objects\": not a STIX bundle, "
                          "TAXII envelope or STIX object",
                          name);
    int rc = check_shape(doc, name, 0, err);
    if (rc != 0)
        return rc;
    *objects = json_array();
    json_array_append(*objects, doc);
    return 0;
}

int sync_load_file(const char *path, json_t **objects, struct rk_err *err)
{
    json_error_t jerr;
    json_t *doc = NULL;
    int rc = 0;
    const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;

    *objects = NULL;
    if (strcmp(path, "-") == 0) {
        doc = json_loadf(stdin, JSON_DECODE_ANY, &jerr);
    } else {
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            return rk_err_set(err, RK_E_IO, "%s: cannot open: %s", path, strerror(errno));
        doc = json_loadf(f, JSON_DECODE_ANY, &jerr);
        fclose(f);
    }
    if (doc == NULL) {
        rc = rk_err_set(err, RK_E_INVALID, "%s:%d:%d: not valid JSON: %s", name, jerr.line,
                        jerr.column, jerr.text);
        goto out;
    }
    rc = sync_objects_from_json(doc, name, objects, err);
out:
    json_decref(doc);
    return rc;
}

/* Envelope framing: {"objects":[ and ]}. */
#define ENV_HEAD "{\"objects\":["
#define ENV_TAIL "]}"

int sync_batch_next(json_t *objects, size_t *pos, size_t max_count, size_t max_bytes,
                    struct rk_buf *out, size_t *taken, struct rk_err *err)
{
    size_t n = json_array_size(objects);
    size_t frame = strlen(ENV_HEAD) + strlen(ENV_TAIL);
    int rc = 0;

    rk_buf_reset(out);
    *taken = 0;
    if (*pos >= n)
        return 0;
    if (max_count == 0)
        max_count = 1;
    rk_buf_puts(out, ENV_HEAD);
    while (*pos < n && *taken < max_count) {
        json_t *o = json_array_get(objects, *pos);
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s == NULL) {
            rc = rk_err_set(err, RK_E_INVALID, "object %zu cannot be serialised", *pos);
            goto out;
        }
        size_t len = strlen(s);
        size_t need = out->len + (*taken > 0 ? 1 : 0) + len + strlen(ENV_TAIL);
        if (need > max_bytes) {
            if (*taken == 0) {
                const char *id = json_string_value(json_object_get(o, "id"));
                rc = rk_err_set(err, RK_E_TOOBIG,
                                "object %s is %zu bytes: an envelope with it alone exceeds the "
                                "server's max_content_length of %zu bytes",
                                id ? id : "(no id)", len + frame, max_bytes);
            }
            free(s);
            goto out;
        }
        if (*taken > 0)
            rk_buf_putc(out, ',');
        rk_buf_append(out, s, len);
        free(s);
        (*pos)++;
        (*taken)++;
    }
out:
    if (rc != 0) {
        rk_buf_reset(out);
        *pos -= *taken;
        *taken = 0;
        return rc;
    }
    rk_buf_puts(out, ENV_TAIL);
    return 0;
}
