/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c: tokens and authentication. A token is "rk_" and 64 hex digits; the store keeps
 * only the hex BLAKE2b-256 of the whole token string, so a stolen database reveals no
 * credential. Requests carry the token as a Bearer token or as the Basic password.
 */
#include "policy/policy_int.h"

#include <pthread.h>
#include <stdint.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

/* Characters in a token: the prefix and 64 hex digits (POLICY_TOKEN_LEN is the buffer bound). */
#define TOKEN_CHARS (sizeof(POLICY_TOKEN_PREFIX) - 1 + 64)
_Static_assert(TOKEN_CHARS <= POLICY_TOKEN_LEN, "token buffer too small");

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_rc;

static void sodium_start(void)
{
    sodium_rc = sodium_init();
}

int policy_sodium_ready(struct rk_err *err)
{
    pthread_once(&sodium_once, sodium_start);
    if (sodium_rc < 0)
        return rk_err_set(err, RK_E_INTERNAL, "libsodium failed to initialise");
    return 0;
}

void policy_token_hash(const char *token, char out[65])
{
    unsigned char h[32];

    (void)policy_sodium_ready(NULL);
    crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
    rk_hex(h, sizeof(h), out);
}

void policy_token_generate(char out[POLICY_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    const size_t plen = strlen(POLICY_TOKEN_PREFIX);

    rk_random_bytes(raw, sizeof(raw));
    memcpy(out, POLICY_TOKEN_PREFIX, plen);
    rk_hex(raw, sizeof(raw), out + plen);
    out[TOKEN_CHARS] = '\0';
}

bool policy_token_well_formed(const char *token, size_t len)
{
    const size_t plen = strlen(POLICY_TOKEN_PREFIX);

    if (len != TOKEN_CHARS || strncmp(token, POLICY_TOKEN_PREFIX, plen) != 0)
        return false;
    for (size_t i = plen; i < len; i++) {
        char c = token[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

/* Copies the token out of a Basic credential: base64(user ":" token), user ignored. */
static int basic_token(const char *b64, char tok[POLICY_TOKEN_LEN + 1], struct rk_err *err)
{
    unsigned char dec[512];
    size_t dlen = 0;
    const char *colon;
    size_t tlen;
    size_t b64len = strlen(b64);

    if (b64len == 0 || b64len > 600)
        return rk_err_set(err, RK_E_UNAUTH, "malformed Basic credentials");
    if (sodium_base642bin(dec, sizeof(dec) - 1, b64, b64len, NULL, &dlen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return rk_err_set(err, RK_E_UNAUTH, "Basic credentials are not valid base64");
    dec[dlen] = '\0';
    colon = memchr(dec, ':', dlen);
    if (colon == NULL)
        return rk_err_set(err, RK_E_UNAUTH, "Basic credentials lack the ':' before the token");
    tlen = dlen - (size_t)(colon + 1 - (const char *)dec);
    if (!policy_token_well_formed(colon + 1, tlen))
        return rk_err_set(err, RK_E_UNAUTH, "the Basic password is not a renkei token");
    memcpy(tok, colon + 1, tlen);
    tok[tlen] = '\0';
    return 0;
}

static void principal_anonymous(struct policy_principal *out)
{
    memset(out, 0, sizeof(*out));
    out->authenticated = false;
    out->role = STORE_ROLE_READER;
    out->token_anonymity = -1;
}

void policy_copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = src != NULL ? strnlen(src, cap - 1) : 0;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

void policy_org_principal(const struct store_org *org, int role, struct policy_principal *out)
{
    memset(out, 0, sizeof(*out));
    out->authenticated = true;
    out->role = role;
    out->token_anonymity = -1;
    policy_copy_str(out->org_id, sizeof(out->org_id), org->id);
    policy_copy_str(out->org_name, sizeof(out->org_name), org->name);
    policy_copy_str(out->sector, sizeof(out->sector), org->sector);
}

bool policy_is_coordinator(const struct policy_principal *who)
{
    return who != NULL && who->authenticated && who->role == STORE_ROLE_COORDINATOR;
}

bool policy_is_member(const struct policy_principal *who)
{
    return who != NULL && who->authenticated && who->role >= STORE_ROLE_READER &&
           who->role <= STORE_ROLE_COORDINATOR;
}

bool policy_is_metrics_only(const struct policy_principal *who)
{
    return who != NULL && who->authenticated && who->role == STORE_ROLE_METRICS;
}

bool policy_may_read_metrics(const struct policy_principal *who)
{
    return policy_is_coordinator(who) || policy_is_metrics_only(who);
}

int policy_authenticate(struct store *s, const char *authorization, struct policy_principal *out,
                        struct rk_err *err)
{
    char tok[POLICY_TOKEN_LEN + 1];
    char hash[65];
    struct store_token t = {0};
    struct store_org org = {0};
    const char *p = authorization;
    uint64_t epoch;
    rk_time_us loaded;
    int rc;

    principal_anonymous(out);
    if (authorization == NULL)
        return 0;
    rc = policy_sodium_ready(err);
    if (rc != 0)
        return rc;
    if (strncasecmp(p, "Bearer ", 7) == 0) {
        p += 7;
        while (*p == ' ')
            p++;
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (!policy_token_well_formed(p, n))
            return rk_err_set(err, RK_E_UNAUTH, "the Bearer token is not a renkei token");
        memcpy(tok, p, n);
        tok[n] = '\0';
    } else if (strncasecmp(p, "Basic ", 6) == 0) {
        p += 6;
        while (*p == ' ')
            p++;
        rc = basic_token(p, tok, err);
        if (rc != 0)
            return rc;
    } else {
        return rk_err_set(err, RK_E_UNAUTH,
                          "unsupported Authorization scheme (use Bearer or Basic)");
    }
    policy_token_hash(tok, hash);
    sodium_memzero(tok, sizeof(tok));
    /* A long-running server keeps known tokens in the entity cache (cache.c); unknown
     * tokens are never cached, so a token created a moment ago works at once. */
    if (policy_cache_principal_get(s, hash, out, &epoch))
        return 0;
    loaded = rk_time_now();
    rc = store_token_get(s, hash, &t, err);
    if (rc == RK_E_NOTFOUND) {
        rc = rk_err_set(err, RK_E_UNAUTH, "unknown token");
        goto out;
    }
    if (rc != 0)
        goto out;
    rc = policy_token_creators_fill(s, &t, 1, err);
    if (rc != 0)
        goto out;
    rc = store_org_get(s, t.org_id, &org, err);
    if (rc == RK_E_NOTFOUND) {
        rc = rk_err_set(err, RK_E_UNAUTH, "the token's organisation no longer exists");
        goto out;
    }
    if (rc != 0)
        goto out;
    if (org.disabled) { /* its tokens were revoked when it was; none may work again */
        rc = rk_err_set(err, RK_E_UNAUTH, "the token's organisation is disabled");
        goto out;
    }
    out->authenticated = true;
    policy_copy_str(out->org_id, sizeof(out->org_id), org.id);
    policy_copy_str(out->org_name, sizeof(out->org_name), org.name);
    policy_copy_str(out->sector, sizeof(out->sector), org.sector);
    out->role = t.role;
    /* For provenance: which token posted, and its own anonymity mode. */
    policy_copy_str(out->token_hash, sizeof(out->token_hash), hash);
    out->token_anonymity = t.anonymity;
    if (policy_token_minted_for_other(&t))
        policy_copy_str(out->minted_by, sizeof(out->minted_by), t.creator_org);
    /* Every field of *out is filled above this line: the cache keeps the whole principal. */
    policy_cache_principal_put(s, hash, out, epoch, loaded);
out:
    store_token_clear(&t);
    store_org_clear(&org);
    if (rc != 0)
        principal_anonymous(out);
    return rc;
}

static const char *const role_names[] = {"reader", "contributor", "analyst", "coordinator",
                                         "metrics"};
static const char *const anonymity_names[] = {"named", "sector", "anonymous"};

int policy_role_parse(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (strcmp(name, role_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *policy_role_name(int role)
{
    if (role < 0 || (size_t)role >= sizeof(role_names) / sizeof(role_names[0]))
        return "unknown";
    return role_names[role];
}

int policy_anonymity_parse(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(anonymity_names) / sizeof(anonymity_names[0]);
         i++)
        if (strcmp(name, anonymity_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *policy_anonymity_name(int mode)
{
    if (mode < 0 || (size_t)mode >= sizeof(anonymity_names) / sizeof(anonymity_names[0]))
        return "unknown";
    return anonymity_names[mode];
}
