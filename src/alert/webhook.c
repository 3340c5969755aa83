/* SPDX-License-Identifier: Apache-2.0 */
/*
 * webhook.c: one webhook POST as docs/alerts.md fixes it: the JSON body signed with the
 * subscription's secret (X-Renkei-Signature: sha256=<hex HMAC-SHA256>), the event id and the
 * subscription in headers; plain http/https only, no redirect followed, bounded in time.
 */
#include "alert/deliver_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void alert_webhook_signature(const char *secret, const void *body, size_t len,
                             char out[ALERT_SIGNATURE_LEN])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;

    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "sha256=", 7);
    rk_hex(mac, sizeof(mac), out + 7);
    out[ALERT_SIGNATURE_LEN - 1] = '\0';
}

/* The answer's body is not kept: only its status counts. */
static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p, (void)ctx;
    return size * n;
}

void alert_webhook_setup(CURL *easy, const char *url, const char *secret, const char *sub_id,
                         int64_t seq, const char *body, size_t len, struct curl_slist **headers)
{
    char sig[ALERT_SIGNATURE_LEN];
    char line[256];
    struct curl_slist *h = NULL;

    alert_webhook_signature(secret, body, len, sig);
    h = curl_slist_append(h, "Content-Type: application/json");
    snprintf(line, sizeof(line), "X-Renkei-Event-Id: %lld", (long long)seq);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "X-Renkei-Signature: %s", sig);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "X-Renkei-Subscription: %s", sub_id);
    h = curl_slist_append(h, line);
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    *headers = h;
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ALERT_DELIVERY_TIMEOUT_MS);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, ALERT_DELIVERY_TIMEOUT_MS);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "renkei");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
}
