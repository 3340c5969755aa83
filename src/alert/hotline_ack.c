/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline_ack.c: acknowledging a hotline alert, through the API or the link of its e-mail.
 * The link carries the HMAC-SHA256 of "<alert id>/<org id>" under a key only the hub holds
 * (setting "alert.link_key", 32 random bytes made at first use), so that whoever holds the
 * e-mail may acknowledge for that organisation and that alert, and nothing else.
 */
#include "alert/hotline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define LINK_KEY_SETTING "alert.link_key"
#define LINK_KEY_BYTES   32

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char link_key[LINK_KEY_BYTES];
static bool have_key;

static int key_from_hex(const char *hex, unsigned char out[LINK_KEY_BYTES])
{
    size_t n = 0;
    if (hex == NULL || strlen(hex) != 2 * LINK_KEY_BYTES ||
        sodium_hex2bin(out, LINK_KEY_BYTES, hex, strlen(hex), NULL, &n, NULL) != 0 ||
        n != LINK_KEY_BYTES)
        return -1;
    return 0;
}

/* Reads the key, or stores a new one, in one write transaction (two servers of the same
 * store agree on one key). */
static int key_tx(void *ctx, struct store *s, struct rk_err *err)
{
    unsigned char *key = ctx;
    char *v = NULL;
    char hex[2 * LINK_KEY_BYTES + 1];
    int rc = store_setting_get(s, LINK_KEY_SETTING, &v, err);
    if (rc == 0) {
        rc = key_from_hex(v, key) == 0
                 ? 0
                 : rk_err_set(err, RK_E_INTERNAL, "setting %s is not %d hex bytes",
                              LINK_KEY_SETTING, LINK_KEY_BYTES);
        free(v);
        return rc;
    }
    if (rc != RK_E_NOTFOUND)
        return rc;
    rk_random_bytes(key, LINK_KEY_BYTES);
    rk_hex(key, LINK_KEY_BYTES, hex);
    return store_setting_set(s, LINK_KEY_SETTING, hex, err);
}

static int key_get(struct store *s, unsigned char out[LINK_KEY_BYTES], struct rk_err *err)
{
    int rc = 0;
    pthread_mutex_lock(&key_lock);
    if (!have_key) {
        rc = store_write_tx(s, key_tx, link_key, err);
        have_key = rc == 0;
    }
    if (rc == 0)
        memcpy(out, link_key, LINK_KEY_BYTES);
    pthread_mutex_unlock(&key_lock);
    return rc;
}

static void mac(const unsigned char key[LINK_KEY_BYTES], const char *alert_id, const char *org_id,
                unsigned char out[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, LINK_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)alert_id, strlen(alert_id));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"/", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)org_id, strlen(org_id));
    crypto_auth_hmacsha256_final(&st, out);
}

int hotline_link_sig(struct store *s, const char *alert_id, const char *org_id, char out[65],
                     struct rk_err *err)
{
    unsigned char key[LINK_KEY_BYTES];
    unsigned char m[crypto_auth_hmacsha256_BYTES];
    int rc = key_get(s, key, err);
    if (rc != 0)
        return rc;
    mac(key, alert_id, org_id, m);
    rk_hex(m, sizeof m, out);
    sodium_memzero(key, sizeof key);
    return 0;
}

bool hotline_link_ok(struct store *s, const char *alert_id, const char *org_id, const char *sig)
{
    unsigned char key[LINK_KEY_BYTES];
    unsigned char want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
    struct rk_err err = {0};
    size_t n = 0;
    if (alert_id == NULL || org_id == NULL || sig == NULL || strlen(sig) != 2 * sizeof got ||
        sodium_hex2bin(got, sizeof got, sig, strlen(sig), NULL, &n, NULL) != 0 || n != sizeof got ||
        key_get(s, key, &err) != 0)
        return false;
    mac(key, alert_id, org_id, want);
    sodium_memzero(key, sizeof key);
    return sodium_memcmp(want, got, sizeof got) == 0;
}

char *hotline_ack_url(struct store *s, const json_t *rec, const char *org_id, struct rk_err *err)
{
    char sig[65];
    struct rk_buf b = RK_BUF_INIT;
    const char *id = json_string_value(json_object_get(rec, "id"));
    const char *base = json_string_value(json_object_get(rec, "link_base"));
    if (hotline_link_sig(s, id, org_id, sig, err) != 0)
        return NULL;
    rk_buf_printf(&b, "%s/api/v1/alerts/%s/ack?org=%s&sig=%s", base != NULL ? base : "", id, org_id,
                  sig);
    return rk_buf_steal(&b);
}

struct ack_tx {
    const char *id, *org_id, *by;
    rk_time_us at;
};

static int ack_tx(void *ctx, struct store *s, struct rk_err *err)
{
    struct ack_tx *t = ctx;
    json_t *rec = NULL;
    int rc = hotline_alert_get(s, t->id, &rec, err);
    if (rc != 0)
        return rc;
    json_t *r = hotline_recipient(rec, t->org_id);
    if (r == NULL) {
        json_decref(rec);
        return rk_err_set(err, RK_E_NOTFOUND, "no such alert");
    }
    const json_t *at = json_object_get(r, "acknowledged_at");
    if (json_is_integer(at)) { /* acknowledged already: the first one stands */
        t->at = (rk_time_us)json_integer_value(at);
        json_decref(rec);
        return 0;
    }
    t->at = rk_time_now();
    json_object_set_new(r, "acknowledged_at", json_integer(t->at));
    json_object_set_new(r, "acknowledged_by", json_string(t->by));
    rc = hotline_alert_put(s, rec, err);
    json_decref(rec);
    return rc;
}

int hotline_ack(struct store *s, const char *id, const char *org_id, const char *by, rk_time_us *at,
                struct rk_err *err)
{
    struct ack_tx t = {id, org_id, by, 0};
    int rc = store_write_tx(s, ack_tx, &t, err);
    if (rc == 0)
        *at = t.at;
    return rc;
}
