/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sync_pager.c: how a walk over the pages of GET objects goes on and ends, fed with
 * pages as servers write them (no server): a cursor id repeated on every page (medallion),
 * the X-TAXII-Date-Added-Last fallback, and servers that loop, send nothing or give no way
 * to ask for what they say is left. Every request must repeat the original query, limit
 * included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

#define OBJECTS_URL "http://h/api1/collections/c/objects/"

/* An indicator with a distinct id for each n, version v. */
static json_t *obj(int n, const char *v)
{
    char id[64];
    snprintf(id, sizeof(id), "indicator--00000000-0000-4000-8000-%012d", n);
    return json_pack("{s:s,s:s,s:s,s:s}", "type", "indicator", "id", id, "created", v, "modified",
                     v);
}

/* A page of objects first..last (inclusive; none if last < first), as a server sends it. */
static struct sync_response page(int first, int last, bool more, const char *next,
                                 const char *added_last)
{
    struct sync_response r = {.status = 200};
    json_t *list = json_array();
    for (int i = first; i <= last; i++)
        json_array_append_new(list, obj(i, "2024-01-01T00:00:00.000Z"));
    r.body = json_pack("{s:o,s:b}", "objects", list, "more", more);
    if (next != NULL)
        json_object_set_new(r.body, "next", json_string(next));
    r.date_added_last = added_last ? strdup(added_last) : NULL;
    return r;
}

/* Feeds one page; returns how many objects the pager handed out for it. */
static size_t feed(struct sync_pager *p, struct sync_response r)
{
    json_t *objects = NULL;
    struct rk_err err = {0};
    assert_int_equal(sync_pager_feed(p, &r, &objects, &err), 1);
    assert_null(r.body); /* taken over */
    assert_true(json_is_array(objects));
    return json_array_size(objects);
}

/* The URL of the next request holds every fragment given (NULL-terminated). */
static void url_has(struct sync_pager *p, ...)
{
    char *url = sync_pager_url(p);
    assert_non_null(url);
    va_list ap;
    va_start(ap, p);
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *))
        if (strstr(url, s) == NULL)
            fail_msg("%s lacks %s", url, s);
    va_end(ap);
    free(url);
}

/* medallion hands out one cursor id for a whole walk and wants limit on every request. */
static void repeated_cursor_is_followed_to_the_end(void **state)
{
    struct sync_query q = {.types = "indicator", .limit = 2};
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, &q);
    url_has(p, "match%5Btype%5D=indicator", "limit=2", NULL);
    char stamp[64];
    for (int i = 0; i < 5; i++) {
        snprintf(stamp, sizeof(stamp), "2024-01-01T00:00:0%d.000000Z", i);
        assert_int_equal(feed(p, page(2 * i, 2 * i + 1, true, "cursor-1", stamp)), 2);
        assert_int_equal(sync_pager_state(p), SYNC_PAGER_RUNNING);
        url_has(p, "next=cursor-1", "limit=2", "match%5Btype%5D=indicator", NULL);
    }
    assert_int_equal(feed(p, page(10, 10, false, NULL, "2024-01-01T00:00:05.000000Z")), 1);
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_COMPLETE);
    assert_null(sync_pager_url(p));
    assert_int_equal(sync_pager_objects(p), 11);
    assert_int_equal(sync_pager_pages(p), 6);
    assert_string_equal(sync_pager_last_added(p), "2024-01-01T00:00:05.000000Z");
    json_t *objects = NULL;
    assert_int_equal(sync_pager_next(p, &objects, NULL), 0);
    sync_pager_free(p);
}

/* Without a limit in the query, the walk asks for SYNC_PAGE_LIMIT on every request. */
static void every_request_carries_a_limit(void **state)
{
    struct sync_query q = {.added_after = "2024-01-01T00:00:00Z"};
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, &q);
    url_has(p, "limit=1000", "added_after=2024-01-01T00%3A00%3A00Z", NULL);
    assert_int_equal(feed(p, page(0, 1, true, "c", "2024-02-01T00:00:00.000000Z")), 2);
    /* The original added_after goes with next: the same original query. */
    url_has(p, "limit=1000", "next=c", "added_after=2024-01-01T00%3A00%3A00Z", NULL);
    sync_pager_free(p);

    p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    url_has(p, "?limit=1000", NULL);
    sync_pager_free(p);
}

/* Without next, added_after becomes the page's X-TAXII-Date-Added-Last (section 3.5). */
static void date_added_fallback(void **state)
{
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    assert_int_equal(feed(p, page(0, 1, true, NULL, "2024-01-01T00:00:01.000000Z")), 2);
    url_has(p, "added_after=2024-01-01T00%3A00%3A01.000000Z", "limit=1000", NULL);
    assert_int_equal(feed(p, page(2, 3, true, "", "2024-01-01T00:00:02.000000Z")), 2);
    url_has(p, "added_after=2024-01-01T00%3A00%3A02.000000Z", NULL);
    assert_int_equal(feed(p, page(4, 4, false, NULL, "2024-01-01T00:00:03.000000Z")), 1);
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_COMPLETE);
    sync_pager_free(p);
}

/* The same page for ever: stops after SYNC_PAGER_MAX_STALLS pages, each object read once. */
static void a_server_that_loops_is_stopped(void **state)
{
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    size_t handed = 0, pages = 0;
    while (sync_pager_state(p) == SYNC_PAGER_RUNNING && pages < 100) {
        handed += feed(p, page(0, 2, true, "same", "2024-01-01T00:00:01.000000Z"));
        pages++;
    }
    assert_int_equal(pages, 1 + SYNC_PAGER_MAX_STALLS);
    assert_int_equal(handed, 3);
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_STALLED);
    assert_null(sync_pager_url(p));
    json_t *objects = NULL;
    struct rk_err err = {0};
    assert_int_equal(sync_pager_next(p, &objects, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "repeats itself"));
    assert_non_null(strstr(err.msg, "stopped after 3 objects"));
    /* And again: a stopped walk stays stopped. */
    assert_int_equal(sync_pager_next(p, &objects, &err), RK_E_INVALID);
    sync_pager_free(p);
}

/* A loop over two pages is a loop too: no page brings anything new after the second. */
static void a_loop_of_two_pages_is_stopped(void **state)
{
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    assert_int_equal(feed(p, page(0, 1, true, "a", "2024-01-01T00:00:01.000000Z")), 2);
    assert_int_equal(feed(p, page(2, 3, true, "b", "2024-01-01T00:00:02.000000Z")), 2);
    for (int i = 0; i < SYNC_PAGER_MAX_STALLS; i++) {
        assert_int_equal(sync_pager_state(p), SYNC_PAGER_RUNNING);
        bool odd = i % 2 == 0;
        assert_int_equal(
            feed(p, page(odd ? 0 : 2, odd ? 1 : 3, true, odd ? "b" : "a",
                         odd ? "2024-01-01T00:00:01.000000Z" : "2024-01-01T00:00:02.000000Z")),
            0);
    }
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_STALLED);
    assert_int_equal(sync_pager_objects(p), 4);
    assert_string_equal(sync_pager_last_added(p), "2024-01-01T00:00:02.000000Z");
    sync_pager_free(p);
}

/* "more" and then empty pages that still say "more": fewer objects than promised. */
static void more_promised_but_nothing_sent(void **state)
{
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    assert_int_equal(feed(p, page(0, 1, true, "c1", "2024-01-01T00:00:01.000000Z")), 2);
    for (int i = 0; i < SYNC_PAGER_MAX_STALLS; i++) {
        assert_int_equal(sync_pager_state(p), SYNC_PAGER_RUNNING);
        url_has(p, "next=c", NULL);
        assert_int_equal(feed(p, page(0, -1, true, i % 2 ? "c2" : "c3", NULL)), 0);
    }
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_STALLED);
    json_t *objects = NULL;
    struct rk_err err = {0};
    assert_int_equal(sync_pager_next(p, &objects, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "brought none"));
    sync_pager_free(p);
}

/* "more" with neither next nor X-TAXII-Date-Added-Last: no way to ask for the rest. */
static void more_without_a_way_to_ask(void **state)
{
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    assert_int_equal(feed(p, page(0, 1, true, NULL, NULL)), 2); /* handed out all the same */
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_STALLED);
    json_t *objects = NULL;
    struct rk_err err = {0};
    assert_int_equal(sync_pager_next(p, &objects, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "neither \"next\" nor X-TAXII-Date-Added-Last"));
    sync_pager_free(p);
}

/* An empty page with "more" is legal (objects deleted meanwhile, section 3.5): the walk goes
 * on, and a page saying there is no more ends it as complete. */
static void one_empty_page_then_the_end(void **state)
{
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    assert_int_equal(feed(p, page(0, 1, true, "c", "2024-01-01T00:00:01.000000Z")), 2);
    assert_int_equal(feed(p, page(0, -1, true, "c", NULL)), 0);
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_RUNNING);
    assert_int_equal(feed(p, page(2, 2, true, "c", "2024-01-01T00:00:02.000000Z")), 1);
    assert_int_equal(feed(p, page(0, -1, false, NULL, NULL)), 0);
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_COMPLETE);
    assert_int_equal(sync_pager_objects(p), 3);
    sync_pager_free(p);
}

/* Objects already read but a later X-TAXII-Date-Added-Last: the server says they were added
 * again, which is progress; other versions of a read object are new objects. */
static void later_date_or_new_version_is_progress(void **state)
{
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    assert_int_equal(feed(p, page(0, 1, true, "c", "2024-01-01T00:00:01.000000Z")), 2);
    for (int i = 2; i < 2 + 2 * SYNC_PAGER_MAX_STALLS; i++) {
        char stamp[64];
        snprintf(stamp, sizeof(stamp), "2024-01-01T00:00:%02d.000000Z", i);
        assert_int_equal(feed(p, page(0, 1, true, "c", stamp)), 2);
    }
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_RUNNING);

    struct sync_response r = {.status = 200};
    r.body = json_pack("{s:[o],s:b,s:s}", "objects", obj(0, "2024-06-01T00:00:00.000Z"), "more",
                       true, "next", "c");
    r.date_added_last = strdup("2024-01-01T00:00:01.000000Z"); /* not later: the version is new */
    assert_int_equal(feed(p, r), 1);
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_RUNNING);
    sync_pager_free(p);
}

/* Thousands of objects are remembered (the table grows), and a page of old ones is known. */
static void many_objects_are_remembered(void **state)
{
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    for (int i = 0; i < 6; i++)
        assert_int_equal(
            feed(p, page(1000 * i, 1000 * i + 999, true, "c", "2024-01-01T00:00:09.000000Z")),
            1000);
    for (int i = 0; i < SYNC_PAGER_MAX_STALLS; i++)
        assert_int_equal(feed(p, page(2000, 2999, true, "c", "2024-01-01T00:00:09.000000Z")), 0);
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_STALLED);
    assert_int_equal(sync_pager_objects(p), 6000);
    sync_pager_free(p);
}

static void not_an_envelope_fails(void **state)
{
    struct sync_pager *p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    struct sync_response r = {.status = 200, .body = json_pack("[]")};
    json_t *objects = NULL;
    struct rk_err err = {0};
    assert_int_equal(sync_pager_feed(p, &r, &objects, &err), RK_E_INVALID);
    assert_non_null(strstr(err.msg, "not an envelope"));
    assert_int_equal(sync_pager_state(p), SYNC_PAGER_FAILED);
    assert_null(sync_pager_url(p));
    assert_int_equal(sync_pager_next(p, &objects, &err), RK_E_INVALID);
    sync_pager_free(p);

    p = sync_pager_new(NULL, OBJECTS_URL, NULL);
    r.body = json_pack("{s:s}", "objects", "x");
    assert_int_equal(sync_pager_feed(p, &r, &objects, &err), RK_E_INVALID);
    sync_pager_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(repeated_cursor_is_followed_to_the_end),
        cmocka_unit_test(every_request_carries_a_limit),
        cmocka_unit_test(date_added_fallback),
        cmocka_unit_test(a_server_that_loops_is_stopped),
        cmocka_unit_test(a_loop_of_two_pages_is_stopped),
        cmocka_unit_test(more_promised_but_nothing_sent),
        cmocka_unit_test(more_without_a_way_to_ask),
        cmocka_unit_test(one_empty_page_then_the_end),
        cmocka_unit_test(later_date_or_new_version_is_progress),
        cmocka_unit_test(many_objects_are_remembered),
        cmocka_unit_test(not_an_envelope_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
