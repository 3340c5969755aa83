/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls_files.c: checks the TLS certificate and key files before the server starts, with the
 * library that will load them (GnuTLS), so that a bad file is named with what is wrong with
 * it: no certificate, an encrypted key, the two swapped, or a key of another certificate.
 */
#include "http/http_int.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

/* True if pem holds at least one certificate GnuTLS can read. */
static bool has_certificate(const gnutls_datum_t *pem, int *gnutls_rc)
{
    gnutls_x509_crt_t *crts = NULL;
    unsigned n = 0;
    int rc = gnutls_x509_crt_list_import2(&crts, &n, pem, GNUTLS_X509_FMT_PEM, 0);

    for (unsigned i = 0; rc >= 0 && i < n; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    if (gnutls_rc != NULL)
        *gnutls_rc = rc;
    return rc >= 0 && n > 0;
}

/* True if pem holds an unencrypted private key GnuTLS can read. */
static bool has_private_key(const gnutls_datum_t *pem, int *gnutls_rc)
{
    gnutls_x509_privkey_t key;
    int rc = gnutls_x509_privkey_init(&key);

    if (rc >= 0) {
        rc = gnutls_x509_privkey_import2(key, pem, GNUTLS_X509_FMT_PEM, NULL, 0);
        gnutls_x509_privkey_deinit(key);
    }
    if (gnutls_rc != NULL)
        *gnutls_rc = rc;
    return rc >= 0;
}

int http_tls_check(const char *cert_path, const char *cert_pem, const char *key_path,
                   const char *key_pem, struct rk_err *err)
{
    gnutls_datum_t cert = {(unsigned char *)cert_pem, (unsigned)strlen(cert_pem)};
    gnutls_datum_t key = {(unsigned char *)key_pem, (unsigned)strlen(key_pem)};
    gnutls_certificate_credentials_t cred = NULL;
    int grc;
    int rc = 0;

    if (!has_certificate(&cert, &grc)) {
        if (has_private_key(&cert, NULL))
            return rk_err_set(err, RK_E_INVALID,
                              "TLS certificate %s holds a private key, not a certificate "
                              "(--tls-cert and --tls-key swapped?)",
                              cert_path);
        return rk_err_set(err, RK_E_INVALID,
                          "TLS certificate %s: no PEM certificate GnuTLS can read (%s)", cert_path,
                          gnutls_strerror(grc));
    }
    if (!has_private_key(&key, &grc)) {
        if (has_certificate(&key, NULL))
            return rk_err_set(err, RK_E_INVALID,
                              "TLS key %s holds a certificate, not a private key "
                              "(--tls-cert and --tls-key swapped?)",
                              key_path);
        return rk_err_set(err, RK_E_INVALID,
                          "TLS key %s: no unencrypted PEM private key GnuTLS can read (%s)",
                          key_path, gnutls_strerror(grc));
    }
    /* What the server's credentials do with the pair (tls.c); it fails when the key is not the
     * certificate's. */
    grc = gnutls_certificate_allocate_credentials(&cred);
    if (grc >= 0)
        grc = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (grc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
        rc = rk_err_set(err, RK_E_INVALID, "TLS key %s is not the key of the certificate in %s",
                        key_path, cert_path);
    else if (grc < 0)
        rc = rk_err_set(err, RK_E_INVALID, "TLS certificate %s with key %s: %s", cert_path,
                        key_path, gnutls_strerror(grc));
    if (cred != NULL)
        gnutls_certificate_free_credentials(cred);
    return rc;
}
