/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_alert.c: libFuzzer driver for what a member sends to set alerts up: a subscription's
 * filter (alert_filter_check, then alert_filter_compile and one evaluation against a version
 * that mentions a few values; the "pattern" member goes through the STIX pattern compiler)
 * and watchlist entries (alert_watch_parse). The first byte picks which. Besides crashes and
 * sanitizer reports it checks the promises: check and compile agree, a refusal names what is
 * wrong in one line of printable text, a parsed entry has a type and a non-empty key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alert/alert_int.h"
#include "alert/match_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const struct rk_err *err)
{
    if (err->msg[0] == '\0')
        abort();
    for (const char *c = err->msg; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            abort();
}

static void fuzz_filter(const char *text, size_t len)
{
    json_t *filter = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    struct rk_err err = {0}, err2 = {0};
    struct alert_filter *f = NULL;

    if (filter == NULL)
        return;
    int rc = alert_filter_check(filter, &err);
    int rc2 = json_is_object(filter) ? alert_filter_compile(filter, &f, &err2) : rc;
    if ((rc == 0) != (rc2 == 0))
        abort();
    if (rc != 0)
        check_message(&err);
    if (f != NULL) {
        json_t *obj =
            json_pack("{s:s, s:s, s:s, s:[s]}", "type", "indicator", "pattern",
                      "[domain-name:value = 'c2.example.jp']", "name", "x", "labels", "apt");
        struct alert_obs_set obs = {0};
        alert_obs_collect("indicator", obj, &obs);
        struct alert_version v = {.type = "indicator",
                                  .collection_id = "c",
                                  .collection_alias = "",
                                  .tlp = 2,
                                  .obj = obj,
                                  .obs = &obs,
                                  .named_sector = ""};
        (void)alert_filter_match(f, &v, true);
        (void)alert_filter_match(f, &v, false);
        (void)alert_filter_hotline(filter);
        alert_obs_clear(&obs);
        json_decref(obj);
        alert_filter_free(f);
    }
    json_decref(filter);
}

static void fuzz_watch(const char *text, size_t len)
{
    char *entry = malloc(len + 1);
    struct alert_watch *w = malloc(sizeof *w);
    struct rk_err err = {0};

    if (entry == NULL || w == NULL)
        goto out;
    memcpy(entry, text, len);
    entry[len] = '\0';
    if (alert_watch_parse(entry, w, &err) != 0) {
        check_message(&err);
        goto out;
    }
    if (w->key[0] == '\0' || w->type[0] == '\0')
        abort();
out:
    free(entry);
    free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_filter((const char *)data + 1, size - 1);
    else
        fuzz_watch((const char *)data + 1, size - 1);
    return 0;
}
