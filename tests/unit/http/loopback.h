/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loopback.h: the client side of the http unit tests that talk to a real server on
 * 127.0.0.1 (test_http, test_done, test_stream, test_static): one connect, written once.
 */
#ifndef RK_TEST_HTTP_LOOPBACK_H
#define RK_TEST_HTTP_LOOPBACK_H

#include <stdint.h>

/*
 * A TCP connection to 127.0.0.1:port with a 5 s receive timeout (a test that waits for an
 * answer that never comes fails instead of hanging); rcvbuf > 0 also shrinks the socket's
 * receive buffer (a slow reader). Fails the running test if the connect fails.
 */
int loopback_connect(uint16_t port, int rcvbuf);

#endif
