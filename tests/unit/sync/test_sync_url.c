/* SPDX-License-Identifier: Apache-2.0 */
/* test_sync_url.c: deriving API root, collection and objects URLs; page and status URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

#define CID "9cfa669c-ee94-4ece-afd2-f8edac37d8fd"

static void collection_url(void **state)
{
    struct sync_urls u;
    assert_int_equal(sync_urls_parse("http://127.0.0.1:8470/hub/collections/" CID "/", &u, NULL),
                     0);
    assert_string_equal(u.api_root, "http://127.0.0.1:8470/hub/");
    assert_string_equal(u.collection_id, CID);
    assert_string_equal(u.collection, "http://127.0.0.1:8470/hub/collections/" CID "/");
    assert_string_equal(u.objects, "http://127.0.0.1:8470/hub/collections/" CID "/objects/");
    sync_urls_free(&u);
    assert_null(u.api_root);
}

static void objects_url_and_variants(void **state)
{
    const char *inputs[] = {
        "https://x.example/api1/collections/" CID "/objects/",
        "https://x.example/api1/collections/" CID "/objects",
        "https://x.example/api1/collections/" CID,
        "https://x.example/api1/collections/" CID "/?match[type]=indicator",
    };
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct sync_urls u;
        assert_int_equal(sync_urls_parse(inputs[i], &u, NULL), 0);
        assert_string_equal(u.api_root, "https://x.example/api1/");
        assert_string_equal(u.objects, "https://x.example/api1/collections/" CID "/objects/");
        sync_urls_free(&u);
    }
}

static void api_root_containing_collections_word(void **state)
{
    struct sync_urls u;
    assert_int_equal(
        sync_urls_parse("https://x.example/collections/root/collections/abc/", &u, NULL), 0);
    assert_string_equal(u.api_root, "https://x.example/collections/root/");
    assert_string_equal(u.collection_id, "abc");
    sync_urls_free(&u);
}

static void bad_urls_are_refused(void **state)
{
    struct rk_err err = {0};
    struct sync_urls u;
    assert_int_equal(sync_urls_parse("ftp://x/api/collections/a/", &u, &err), RK_E_INVALID);
    assert_int_equal(sync_urls_parse("https://x.example/api1/", &u, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "collections"));
    assert_int_equal(sync_urls_parse("https://x.example/api1/collections//", &u, &err),
                     RK_E_INVALID);
    assert_int_equal(sync_urls_parse("https://x.example/api1/collections/a/manifest/", &u, &err),
                     RK_E_INVALID);
    assert_null(u.api_root);
}

static void page_urls(void **state)
{
    struct sync_query q = {.types = "indicator,malware", .limit = 50};
    char *s = sync_page_url("http://h/r/collections/c/objects/", &q, NULL, NULL);
    assert_string_equal(s, "http://h/r/collections/c/objects/?match%5Btype%5D=indicator%2Cmalware"
                           "&limit=50");
    free(s);
    q.added_after = "2024-01-01T00:00:00Z";
    s = sync_page_url("http://h/o/", &q, "1700000000000001", NULL);
    assert_non_null(strstr(s, "&next=1700000000000001"));
    assert_non_null(strstr(s, "&added_after=2024-01-01T00%3A00%3A00Z"));
    free(s);
    s = sync_page_url("http://h/o/", &q, NULL, "2024-02-02T00:00:00.123456Z");
    assert_non_null(strstr(s, "added_after=2024-02-02T00%3A00%3A00.123456Z"));
    assert_null(strstr(s, "2024-01-01"));
    free(s);
    s = sync_page_url("http://h/o/", NULL, NULL, NULL);
    assert_string_equal(s, "http://h/o/");
    free(s);
}

static void status_url(void **state)
{
    char *s = sync_status_url("http://h/hub/", CID);
    assert_string_equal(s, "http://h/hub/status/" CID "/");
    free(s);
    s = sync_status_url("http://h/hub", "a b");
    assert_string_equal(s, "http://h/hub/status/a%20b/");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(collection_url),
        cmocka_unit_test(objects_url_and_variants),
        cmocka_unit_test(api_root_containing_collections_word),
        cmocka_unit_test(bad_urls_are_refused),
        cmocka_unit_test(page_urls),
        cmocka_unit_test(status_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
