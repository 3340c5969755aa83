/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls.c: TLS for the server's connections with GnuTLS: the certificate, key and protocol
 * versions shared by every connection, and each connection's non-blocking session (handshake,
 * records in and out, the closing alert). The HTTP parser above sees only plaintext.
 */
#include "http/http_int.h"

#include <gnutls/gnutls.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct http_tls {
    gnutls_certificate_credentials_t cred; /* certificate chain and key */
    gnutls_priority_t prio;                /* protocol versions and cipher suites */
};

int http_tls_new(const char *cert_pem, const char *key_pem, const char *priorities,
                 struct http_tls **out, struct rk_err *err)
{
    struct http_tls *t = rk_calloc(1, sizeof(*t));
    int rc = 0;
    gnutls_datum_t cert = {(unsigned char *)(uintptr_t)cert_pem, (unsigned)strlen(cert_pem)};
    gnutls_datum_t key = {(unsigned char *)(uintptr_t)key_pem, (unsigned)strlen(key_pem)};

    *out = NULL;
    if (gnutls_certificate_allocate_credentials(&t->cred) < 0) {
        t->cred = NULL;
        rc = rk_err_set(err, RK_E_INTERNAL, "TLS: cannot allocate credentials");
        goto out;
    }
    int g =
        gnutls_certificate_set_x509_key_mem2(t->cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (g < 0) {
        rc = rk_err_set(err, RK_E_INVALID, "TLS certificate or key: %s", gnutls_strerror(g));
        goto out;
    }
    g = gnutls_priority_init2(&t->prio, priorities, NULL, 0);
    if (g < 0) {
        t->prio = NULL;
        rc = rk_err_set(err, RK_E_INVALID, "TLS priorities: %s", gnutls_strerror(g));
        goto out;
    }
    *out = t;
    return 0;
out:
    http_tls_free(t);
    return rc;
}

void http_tls_free(struct http_tls *t)
{
    if (t == NULL)
        return;
    if (t->prio != NULL)
        gnutls_priority_deinit(t->prio);
    if (t->cred != NULL)
        gnutls_certificate_free_credentials(t->cred);
    free(t);
}

/* GnuTLS's own writes, without SIGPIPE when the peer has gone. */
static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
    return send((int)(intptr_t)p, data, len, MSG_NOSIGNAL);
}

void *http_tls_session_new(struct http_tls *t, int fd)
{
    gnutls_session_t s;
    if (gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0)
        return NULL;
    if (gnutls_priority_set(s, t->prio) < 0 ||
        gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, t->cred) < 0) {
        gnutls_deinit(s);
        return NULL;
    }
    gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
    gnutls_transport_set_int(s, fd);
    gnutls_transport_set_push_function(s, push);
    return s;
}

/* Maps a GnuTLS result of a record call: data, end of stream, would block, or failure. */
static ssize_t io_result(ssize_t r)
{
    if (r >= 0)
        return r;
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
        return HTTP_IO_AGAIN;
    if (r == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
    return HTTP_IO_ERROR;
}

int http_tls_handshake(void *session)
{
    /* Warnings and the like are not fatal: the handshake goes on at once. */
    for (int tries = 0; tries < 8; tries++) {
        int r = gnutls_handshake(session);
        if (r == GNUTLS_E_SUCCESS)
            return 0;
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
            return HTTP_IO_AGAIN;
        if (gnutls_error_is_fatal(r) != 0)
            break;
    }
    return HTTP_IO_ERROR;
}

ssize_t http_tls_recv(void *session, void *buf, size_t n)
{
    return io_result(gnutls_record_recv(session, buf, n));
}

ssize_t http_tls_send(void *session, const void *buf, size_t n)
{
    return io_result(gnutls_record_send(session, buf, n));
}

void http_tls_session_free(void *session, bool graceful)
{
    if (session == NULL)
        return;
    if (graceful)
        (void)gnutls_bye(session, GNUTLS_SHUT_WR); /* one try: the socket is non-blocking */
    gnutls_deinit(session);
}
