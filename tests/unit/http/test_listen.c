/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_listen.c: http_listen_open binds and listens, and when it cannot it says which call
 * failed and why in words an operator can act on, leaving no descriptor open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http_int.h"

static struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

/* The lowest descriptor number free now: what a leaked descriptor would take. */
static int next_fd(void)
{
    int fd = dup(0);
    assert_true(fd >= 0);
    close(fd);
    return fd;
}

static void opens_a_listening_socket(void **state)
{
    struct sockaddr_in a = loopback(0), got;
    socklen_t len = sizeof(got);
    struct rk_err err;
    int fd, type = 0;
    socklen_t tlen = sizeof(type);
    (void)state;

    assert_int_equal(
        http_listen_open((struct sockaddr *)&a, sizeof(a), "127.0.0.1:0", 16, &fd, &err), 0);
    assert_true(fd >= 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&got, &len), 0);
    assert_int_not_equal(ntohs(got.sin_port), 0);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &type, &tlen), 0);
    assert_int_equal(type, 1);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC); /* not inherited by child processes */
    close(fd);
}

static void port_in_use_is_named(void **state)
{
    struct sockaddr_in a = loopback(0), got;
    socklen_t len = sizeof(got);
    struct rk_err err;
    int busy, fd, free_fd;
    (void)state;

    busy = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(bind(busy, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(busy, 1), 0);
    assert_int_equal(getsockname(busy, (struct sockaddr *)&got, &len), 0);
    free_fd = next_fd();
    assert_int_equal(http_listen_open((struct sockaddr *)&got, len, "here:1", 16, &fd, &err),
                     RK_E_IO);
    assert_int_equal(fd, -1);
    assert_string_equal(err.msg, "cannot listen on here:1: bind: address already in use "
                                 "(another process listens on that port)");
    assert_int_equal(next_fd(), free_fd); /* the socket it made was closed */
    close(busy);
}

static void address_not_here_is_named(void **state)
{
    struct sockaddr_in a = loopback(0);
    struct rk_err err;
    int fd;
    (void)state;

    assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &a.sin_addr), 1); /* TEST-NET-1 */
    assert_int_equal(
        http_listen_open((struct sockaddr *)&a, sizeof(a), "192.0.2.1:0", 16, &fd, &err), RK_E_IO);
    assert_string_equal(err.msg, "cannot listen on 192.0.2.1:0: bind: address not available "
                                 "(no interface of this machine has it)");
}

static void reasons(void **state)
{
    (void)state;
    /* Privileged ports: the tests run as root, so this one is only checked by its words. */
    assert_non_null(strstr(http_listen_reason(EACCES), "permission denied"));
    assert_non_null(strstr(http_listen_reason(EACCES), "below 1024"));
    assert_non_null(strstr(http_listen_reason(EAFNOSUPPORT), "IPv6"));
    assert_string_equal(http_listen_reason(EMFILE), strerror(EMFILE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(opens_a_listening_socket),
        cmocka_unit_test(port_in_use_is_named),
        cmocka_unit_test(address_not_here_is_named),
        cmocka_unit_test(reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
