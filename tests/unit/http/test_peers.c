/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_peers.c: connections counted per client address: the limit per address, addresses
 * independent of each other, IPv4 and IPv6, a count given back, no limit at 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "http/http_int.h"

static struct sockaddr_in v4(const char *a)
{
    struct sockaddr_in s = {.sin_family = AF_INET};
    inet_pton(AF_INET, a, &s.sin_addr);
    return s;
}

static void test_limit(void **state)
{
    (void)state;
    struct http_peers *p = http_peers_new(2);
    struct sockaddr_in a = v4("127.0.0.2"), b = v4("127.0.0.3");
    struct sockaddr_in6 c = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::1", &c.sin6_addr);
    const struct sockaddr *sa = (struct sockaddr *)&a, *sb = (struct sockaddr *)&b;
    assert_true(http_peers_take(p, sa));
    assert_true(http_peers_take(p, sa));
    assert_false(http_peers_take(p, sa));
    assert_true(http_peers_take(p, sb));
    assert_true(http_peers_take(p, (struct sockaddr *)&c));
    assert_true(http_peers_take(p, (struct sockaddr *)&c));
    assert_false(http_peers_take(p, (struct sockaddr *)&c));
    http_peers_give(p, sa);
    assert_true(http_peers_take(p, sa));
    assert_false(http_peers_take(p, sa));
    http_peers_give(p, sa);
    http_peers_give(p, sa);
    http_peers_give(p, sb);
    http_peers_free(p);

    p = http_peers_new(0);
    for (int i = 0; i < 1000; i++)
        assert_true(http_peers_take(p, sa));
    http_peers_free(p);
    http_peers_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
