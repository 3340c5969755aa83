/* SPDX-License-Identifier: Apache-2.0 */
/* test_sync_input.c: reading push input (bundle, envelope, array, single object, errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/sync.h"

#define IND1 "{\"type\":\"indicator\",\"id\":\"indicator--1\"}"
#define IND2 "{\"type\":\"malware\",\"id\":\"malware--2\"}"

/* Parses text and extracts its objects; returns the rc and leaves *out for the caller. */
static int from_text(const char *text, json_t **out, struct rk_err *err)
{
    json_t *doc = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(doc);
    int rc = sync_objects_from_json(doc, "t.json", out, err);
    json_decref(doc);
    return rc;
}

static void bundle_gives_its_objects(void **state)
{
    json_t *o = NULL;
    struct rk_err err = {0};
    assert_int_equal(from_text("{\"type\":\"bundle\",\"id\":\"bundle--x\",\"objects\":[" IND1
                               "," IND2 "]}",
                               &o, &err),
                     0);
    assert_int_equal(json_array_size(o), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(o, 1), "id")),
                        "malware--2");
    json_decref(o);
}

static void empty_bundle_is_empty(void **state)
{
    json_t *o = NULL;
    assert_int_equal(from_text("{\"type\":\"bundle\",\"id\":\"bundle--x\"}", &o, NULL), 0);
    assert_int_equal(json_array_size(o), 0);
    json_decref(o);
}

static void envelope_array_and_single(void **state)
{
    json_t *o = NULL;
    assert_int_equal(from_text("{\"objects\":[" IND1 "],\"more\":false}", &o, NULL), 0);
    assert_int_equal(json_array_size(o), 1);
    json_decref(o);
    assert_int_equal(from_text("[" IND1 "," IND2 "]", &o, NULL), 0);
    assert_int_equal(json_array_size(o), 2);
    json_decref(o);
    assert_int_equal(from_text(IND2, &o, NULL), 0);
    assert_int_equal(json_array_size(o), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(o, 0), "type")),
                        "malware");
    json_decref(o);
}

static void not_stix_shaped_is_refused_with_names(void **state)
{
    json_t *o = NULL;
    struct rk_err err = {0};
    assert_int_equal(from_text("[" IND1 ",{\"type\":\"malware\"}]", &o, &err), RK_E_INVALID);
    assert_null(o);
    assert_non_null(strstr(err.msg, "t.json"));
    assert_non_null(strstr(err.msg, "object 1"));
    assert_non_null(strstr(err.msg, "\"id\""));

    assert_int_equal(from_text("[" IND1 ",42]", &o, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "not a JSON object"));
    assert_int_equal(from_text("{\"name\":\"x\"}", &o, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "t.json"));
    assert_int_equal(from_text("\"just a string\"", &o, &err), RK_E_INVALID);
    assert_int_equal(from_text("{\"type\":\"bundle\",\"objects\":{}}", &o, &err), RK_E_INVALID);
    assert_int_equal(from_text("{\"objects\":7}", &o, &err), RK_E_INVALID);
    assert_null(o);
}

static void bad_json_file_names_line_and_column(void **state)
{
    char path[] = "/tmp/rk-sync-testXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "[\n  {\"type\": \"indicator\",\n   \"id\" \"x\"}\n]\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    json_t *o = NULL;
    struct rk_err err = {0};
    assert_int_equal(sync_load_file(path, &o, &err), RK_E_INVALID);
    assert_null(o);
    char expect[128];
    snprintf(expect, sizeof(expect), "%s:3:", path);
    assert_non_null(strstr(err.msg, expect));
    unlink(path);

    assert_int_equal(sync_load_file("/nonexistent/rk.json", &o, &err), RK_E_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/rk.json"));
}

static void real_files_load(void **state)
{
    json_t *o = NULL;
    struct rk_err err = {0};
    /* A JSON array of SCOs and an ATT&CK bundle, as published. */
    assert_int_equal(
        sync_load_file("../shared/data/oasis-python-stix2/sco-examples-bundle.json", &o, &err), 0);
    assert_int_equal(json_array_size(o), 82);
    json_decref(o);
    assert_int_equal(sync_load_file("../shared/data/attack-ics/ics-attack-8.0.json", &o, &err), 0);
    assert_int_equal(json_array_size(o), 683);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundle_gives_its_objects),
        cmocka_unit_test(empty_bundle_is_empty),
        cmocka_unit_test(envelope_array_and_single),
        cmocka_unit_test(not_stix_shaped_is_refused_with_names),
        cmocka_unit_test(bad_json_file_names_line_and_column),
        cmocka_unit_test(real_files_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
