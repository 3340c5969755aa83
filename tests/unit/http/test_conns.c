/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_conns.c: the connection table on socket pairs standing for connections: beyond the
 * limit the oldest connection without credentials is shut down (its peer reads the end of
 * the stream), a promoted one never is, and the file limit is raised, never lowered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_int.h"

#define N 8

static int server_end[N]; /* what the table holds */
static int client_end[N]; /* what a client would read */

static int pairs_up(void **state)
{
    (void)state;
    for (int i = 0; i < N; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
            return -1;
        server_end[i] = sv[0];
        client_end[i] = sv[1];
    }
    return 0;
}

static int pairs_down(void **state)
{
    (void)state;
    for (int i = 0; i < N; i++) {
        close(server_end[i]);
        close(client_end[i]);
    }
    return 0;
}

/* True if connection i was shut down: its client reads the end of the stream at once. */
static bool was_shed(int i)
{
    char c;
    ssize_t n = recv(client_end[i], &c, 1, MSG_DONTWAIT);
    if (n < 0)
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    return n == 0;
}

static void test_sheds_oldest(void **state)
{
    struct http_conn *e[N];
    (void)state;
    struct http_conns *c = http_conns_new(N, 3);
    for (int i = 0; i < 5; i++)
        e[i] = http_conns_open(c, server_end[i]);
    assert_int_equal(http_conns_count_unauth(c), 3);
    assert_true(was_shed(0));
    assert_true(was_shed(1));
    for (int i = 2; i < 5; i++)
        assert_false(was_shed(i));

    /* An authenticated connection leaves the list for good. */
    assert_true(http_conns_promote(c, e[2]));
    assert_false(http_conns_promote(c, e[2]));
    assert_int_equal(http_conns_count_unauth(c), 2);
    e[5] = http_conns_open(c, server_end[5]);
    e[6] = http_conns_open(c, server_end[6]);
    assert_false(was_shed(2));
    assert_true(was_shed(3));
    assert_false(was_shed(4));
    assert_int_equal(http_conns_count_unauth(c), 3);

    /* Closing frees a slot; a shed entry is closed like any other. */
    http_conns_close(c, e[4]);
    assert_int_equal(http_conns_count_unauth(c), 2);
    e[7] = http_conns_open(c, server_end[7]);
    assert_false(was_shed(5));
    assert_int_equal(http_conns_count_unauth(c), 3);
    for (int i = 0; i < N; i++)
        if (i != 4)
            http_conns_close(c, e[i]);
    http_conns_close(c, NULL);
    assert_int_equal(http_conns_count_unauth(c), 0);
    assert_false(http_conns_promote(c, NULL));
    http_conns_free(c);
    http_conns_free(NULL);
}

/* With every slot taken, a newcomer replaces the oldest connection without credentials; when
 * members hold every slot, it is refused. */
static void test_live_limit(void **state)
{
    struct http_conn *e[N];
    (void)state;
    struct http_conns *c = http_conns_new(3, 3);
    for (int i = 0; i < 3; i++)
        e[i] = http_conns_open(c, server_end[i]);
    assert_true(http_conns_promote(c, e[0]));
    e[3] = http_conns_open(c, server_end[3]);
    assert_non_null(e[3]);
    assert_false(was_shed(0));
    assert_true(was_shed(1));
    assert_true(http_conns_promote(c, e[2]));
    assert_true(http_conns_promote(c, e[3]));
    assert_null(http_conns_open(c, server_end[4])); /* members hold every live slot */
    http_conns_close(c, e[1]); /* the shed one closing frees nothing: it no longer counted */
    assert_null(http_conns_open(c, server_end[4]));
    http_conns_close(c, e[3]);
    e[4] = http_conns_open(c, server_end[4]);
    assert_non_null(e[4]);
    http_conns_close(c, e[0]);
    http_conns_close(c, e[2]);
    http_conns_close(c, e[4]);
    http_conns_free(c);
}

static void test_fd_limit_raise(void **state)
{
    struct rlimit before;
    struct rlimit after;
    (void)state;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &before), 0);
    assert_int_equal(http_fd_limit_raise(16), 16);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &after), 0);
    assert_true(after.rlim_cur == before.rlim_cur); /* never lowered */
    if (before.rlim_max != RLIM_INFINITY && before.rlim_max < (1u << 30)) {
        unsigned want = (unsigned)before.rlim_max + 100;
        assert_int_equal(http_fd_limit_raise(want), (unsigned)before.rlim_max);
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &after), 0);
        assert_true(after.rlim_cur == before.rlim_max); /* raised as far as allowed */
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &before), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sheds_oldest, pairs_up, pairs_down),
        cmocka_unit_test_setup_teardown(test_live_limit, pairs_up, pairs_down),
        cmocka_unit_test(test_fd_limit_raise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
