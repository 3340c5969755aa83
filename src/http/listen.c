/* SPDX-License-Identifier: Apache-2.0 */
/*
 * listen.c: the server's listening socket, non-blocking for the event loop (loop.c); a failure
 * to bind or listen is reported with its cause: the errno of the call that failed, in words an
 * operator can act on.
 */
#include "http/http_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *http_listen_reason(int errnum)
{
    switch (errnum) {
    case EADDRINUSE:
        return "address already in use (another process listens on that port)";
    case EACCES:
        return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
    case EADDRNOTAVAIL:
        return "address not available (no interface of this machine has it)";
    case EAFNOSUPPORT:
        return "address family not supported (is IPv6 disabled?)";
    default:
        return strerror(errnum);
    }
}

int http_listen_open(const struct sockaddr *addr, socklen_t addrlen, const char *name, int backlog,
                     int *fd_out, struct rk_err *err)
{
    const int on = 1;
    const char *call = "socket";
    int fd;
    int e;

    *fd_out = -1;
    fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    /* A restarted server binds at once, and an IPv6 address means IPv6 only. */
    call = "setsockopt";
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0)
        goto fail;
    if (addr->sa_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0)
        goto fail;
    call = "bind";
    if (bind(fd, addr, addrlen) != 0)
        goto fail;
    call = "listen";
    if (listen(fd, backlog) != 0)
        goto fail;
    *fd_out = fd;
    return 0;
fail:
    e = errno;
    if (fd >= 0)
        close(fd);
    return rk_err_set(err, RK_E_IO, "cannot listen on %s: %s: %s", name, call,
                      http_listen_reason(e));
}
