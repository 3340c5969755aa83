/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smtp.c: e-mail through libcurl's SMTP (smtp:// with STARTTLS when offered, or smtps://) to
 * the server the hub is configured with: the message (RFC 5322 headers, UTF-8 text), its
 * transfer (for the delivery worker's multi handle) and alert_mail_send, the blocking form
 * the hotline uses. libcurl does the dot-stuffing.
 */
#include "alert/deliver_int.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/analyze.h"

static _Atomic(struct rk_hub *) smtp_hub;

void alert_smtp_attach(struct rk_hub *hub)
{
    atomic_store(&smtp_hub, hub);
}

/* The environment variable env if set and not empty, else the hub's setting key, else NULL. */
static char *configured(const char *env, const char *key)
{
    const char *v = getenv(env);
    struct rk_hub *hub = atomic_load(&smtp_hub);
    char *out = NULL;

    if (v != NULL && v[0] != '\0')
        return rk_strdup(v);
    if (hub != NULL && store_setting_get(hub->store, key, &out, NULL) == 0 && out != NULL &&
        out[0] != '\0')
        return out;
    free(out);
    return NULL;
}

char *alert_smtp_url(void)
{
    return configured("RENKEI_SMTP_URL", "alert.smtp_url");
}

char *alert_smtp_from(void)
{
    char *from = configured("RENKEI_SMTP_FROM", "alert.smtp_from");
    return from != NULL ? from : rk_strdup("renkei@localhost");
}

bool alert_email_address(const char *addr, char *norm, size_t cap)
{
    struct analyze_observable *obs = rk_malloc(sizeof(*obs));
    struct rk_err err = {0};
    bool ok = addr != NULL && strchr(addr, '[') == NULL &&
              analyze_observable_parse(addr, strlen(addr), ANALYZE_OBS_EMAIL, obs, &err) == 0 &&
              obs->type == ANALYZE_OBS_EMAIL;
    if (ok && norm != NULL)
        snprintf(norm, cap, "%s", obs->value);
    free(obs);
    return ok;
}

/* An address fit for a header and the envelope: no control character, no angle bracket. */
static bool address_ok(const char *a)
{
    if (a == NULL || a[0] == '\0' || strchr(a, '@') == NULL)
        return false;
    for (const unsigned char *p = (const unsigned char *)a; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == ',')
            return false;
    return true;
}

/* Appends the subject, CR and LF dropped, as RFC 2047 encoded words when it is not ASCII. */
static void put_subject(struct rk_buf *b, const char *subject)
{
    struct rk_buf clean = RK_BUF_INIT;
    bool ascii = true;

    for (const unsigned char *p = (const unsigned char *)subject; *p != '\0'; p++) {
        if (*p == '\r' || *p == '\n' || *p == '\t')
            rk_buf_putc(&clean, ' ');
        else if (*p >= 0x20 && *p != 0x7f)
            rk_buf_putc(&clean, (char)*p);
        if (*p >= 0x80)
            ascii = false;
    }
    rk_buf_puts(b, "Subject: ");
    if (ascii) {
        rk_buf_append(b, clean.data != NULL ? clean.data : "", clean.len);
    } else {
        /* encoded words of at most 39 bytes (52 base64 characters, lines under 78), split between
         * characters, one per folded line */
        size_t i = 0;
        while (i < clean.len) {
            size_t n = clean.len - i > 39 ? 39 : clean.len - i;
            while (n > 1 && i + n < clean.len && ((unsigned char)clean.data[i + n] & 0xc0) == 0x80)
                n--;
            char enc[sodium_base64_ENCODED_LEN(45, sodium_base64_VARIANT_ORIGINAL)];
            sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)clean.data + i, n,
                              sodium_base64_VARIANT_ORIGINAL);
            rk_buf_printf(b, "%s=?UTF-8?B?%s?=", i > 0 ? "\r\n " : "", enc);
            i += n;
        }
    }
    rk_buf_puts(b, "\r\n");
    rk_buf_free(&clean);
}

char *alert_mail_message(const char *from, const char *const *to, size_t n, const char *subject,
                         const char *body, rk_time_us now)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct rk_buf b = RK_BUF_INIT;
    time_t secs = (time_t)(now / 1000000);
    struct tm tm;
    unsigned char rnd[8];
    char id[17];
    const char *domain = strchr(from, '@');

    gmtime_r(&secs, &tm);
    rk_buf_printf(&b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
                  tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    rk_buf_printf(&b, "From: <%s>\r\n", from);
    rk_buf_puts(&b, "To: ");
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!address_ok(to[i]))
            continue;
        rk_buf_printf(&b, "%s<%s>", shown++ > 0 ? ",\r\n " : "", to[i]);
    }
    rk_buf_puts(&b, "\r\n");
    put_subject(&b, subject != NULL ? subject : "");
    rk_random_bytes(rnd, sizeof(rnd));
    rk_hex(rnd, sizeof(rnd), id);
    rk_buf_printf(&b, "Message-ID: <%lld.%s@%s>\r\n", (long long)now, id,
                  domain != NULL && address_ok(from) ? domain + 1 : "renkei.invalid");
    rk_buf_puts(&b, "MIME-Version: 1.0\r\n");
    rk_buf_puts(&b, "Content-Type: text/plain; charset=utf-8\r\n");
    rk_buf_puts(&b, "Content-Transfer-Encoding: 8bit\r\n\r\n");
    for (const char *p = body != NULL ? body : ""; *p != '\0'; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r'))
            rk_buf_putc(&b, '\r');
        rk_buf_putc(&b, *p);
    }
    if (b.len < 2 || b.data[b.len - 1] != '\n')
        rk_buf_puts(&b, "\r\n");
    return rk_buf_steal(&b);
}

/* libcurl reads the message from here. */
static size_t mail_read(char *out, size_t size, size_t nitems, void *ctx)
{
    struct alert_mail *m = ctx;
    size_t room = size * nitems, left = m->len - m->off;
    size_t n = left < room ? left : room;

    memcpy(out, m->text + m->off, n);
    m->off += n;
    return n;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p, (void)ctx;
    return size * n;
}

void alert_mail_setup(CURL *easy, const char *url, const char *from, struct alert_mail *mail)
{
    char envelope[512];

    snprintf(envelope, sizeof(envelope), "<%s>", from);
    mail->off = 0;
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(easy, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ALERT_DELIVERY_TIMEOUT_MS);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, ALERT_DELIVERY_TIMEOUT_MS);
    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, envelope); /* copied by libcurl */
    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, mail->rcpt);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, mail_read);
    curl_easy_setopt(easy, CURLOPT_READDATA, mail);
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
}

void alert_mail_clear(struct alert_mail *mail)
{
    free(mail->text);
    curl_slist_free_all(mail->rcpt);
    memset(mail, 0, sizeof(*mail));
}

bool alert_mail_prepare(struct alert_mail *m, const char *from, const char *const *to, size_t n,
                        const char *subject, const char *body)
{
    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < n; i++) {
        char rcpt[512];
        if (!address_ok(to[i]) || strlen(to[i]) > sizeof(rcpt) - 3)
            continue;
        snprintf(rcpt, sizeof(rcpt), "<%s>", to[i]);
        m->rcpt = curl_slist_append(m->rcpt, rcpt);
    }
    if (m->rcpt == NULL)
        return false;
    m->text = alert_mail_message(from, to, n, subject, body, rk_time_now());
    m->len = strlen(m->text);
    return true;
}

int alert_mail_send(const char *const *to, size_t n, const char *subject, const char *body,
                    struct rk_err *err)
{
    char *url = alert_smtp_url();
    char *from = alert_smtp_from();
    struct alert_mail m;
    char curl_err[CURL_ERROR_SIZE] = "";
    int rc = 0;

    if (url == NULL) {
        free(from);
        return rk_err_set(err, RK_E_UNSUPPORTED,
                          "no SMTP server: set RENKEI_SMTP_URL or the setting alert.smtp_url");
    }
    if (!address_ok(from)) {
        rc = rk_err_set(err, RK_E_INVALID, "the sender address %s is not usable", from);
    } else if (!alert_mail_prepare(&m, from, to, n, subject, body)) {
        rc = rk_err_set(err, RK_E_INVALID, "no usable recipient address among %zu", n);
    } else {
        CURL *easy = curl_easy_init();
        alert_mail_setup(easy, url, from, &m);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_err);
        CURLcode cc = curl_easy_perform(easy);
        if (cc != CURLE_OK) {
            long code = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
            rc = rk_err_set(err, RK_E_IO, "SMTP server %s: %s (reply %ld)", url,
                            curl_err[0] != '\0' ? curl_err : curl_easy_strerror(cc), code);
        }
        curl_easy_cleanup(easy);
        alert_mail_clear(&m);
    }
    free(url);
    free(from);
    return rc;
}

/* A short name of object o: its name, else its id. */
static const char *object_title(const json_t *o)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    return name != NULL && name[0] != '\0' ? name : json_string_value(json_object_get(o, "id"));
}

char *alert_mail_subject(const json_t *body)
{
    const char *kind = json_string_value(json_object_get(body, "kind"));
    const json_t *first = json_array_get(json_object_get(body, "objects"), 0);
    const char *what = first != NULL ? object_title(first) : NULL;
    struct rk_buf b = RK_BUF_INIT;

    if (what == NULL)
        what = json_string_value(json_object_get(json_object_get(body, "alert"), "summary"));
    if (what == NULL)
        what = json_string_value(json_object_get(body, "event_id"));
    rk_buf_printf(&b, "[renkei] %s: %s", kind != NULL ? kind : "event",
                  what != NULL ? what : "(no summary)");
    return rk_buf_steal(&b);
}

char *alert_mail_text(const json_t *body)
{
    struct rk_buf b = RK_BUF_INIT;
    size_t i;
    const json_t *v;

    rk_buf_printf(&b, "Event %s (%s) at %s\n", json_string_value(json_object_get(body, "event_id")),
                  json_string_value(json_object_get(body, "kind")),
                  json_string_value(json_object_get(body, "time")));
    const char *sub = json_string_value(json_object_get(body, "subscription"));
    if (sub != NULL)
        rk_buf_printf(&b, "Subscription: %s\n", sub);
    if (json_array_size(json_object_get(body, "watchlist")) > 0) {
        rk_buf_puts(&b, "Watchlist entries mentioned:");
        json_array_foreach(json_object_get(body, "watchlist"), i, v)
        {
            if (json_is_string(v))
                rk_buf_printf(&b, " %s", json_string_value(v));
        }
        rk_buf_puts(&b, "\n");
    }
    rk_buf_puts(&b, "\nObjects:\n");
    json_array_foreach(json_object_get(body, "objects"), i, v)
    {
        const char *type = json_string_value(json_object_get(v, "type"));
        const char *id = json_string_value(json_object_get(v, "id"));
        const char *title = object_title(v);
        rk_buf_printf(&b, "- %s: %s (%s)\n", type != NULL ? type : "object",
                      title != NULL ? title : "", id != NULL ? id : "");
    }
    char *json = json_dumps(body, JSON_INDENT(2) | JSON_SORT_KEYS);
    rk_buf_printf(&b, "\nThe event as delivered to webhooks (JSON):\n%s\n", json ? json : "{}");
    free(json);
    return rk_buf_steal(&b);
}
