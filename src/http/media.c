/* SPDX-License-Identifier: Apache-2.0 */
/*
 * media.c: content negotiation: the TAXII media type of TAXII routes, and the types other
 * routes declare (enum http_media). Accept and Content-Type values are parsed
 * as RFC 7231 media ranges (case-insensitive names, optional whitespace, quoted parameter
 * values, q weights) rather than compared as strings, since clients format them freely.
 */
#include "http/http_int.h"

#include <string.h>
#include <strings.h>

#define TAXII_TYPE "application/taxii+json"

/* One parsed media range; strings point into the header value and are not terminated. */
struct range {
    const char *type; /* "application/taxii+json", "*" "/" "*", ... */
    size_t type_len;
    bool has_version; /* a version parameter was present */
    bool version_ok;  /* ... and it was 2.1 */
    bool q_zero;      /* q=0: the client refuses this range */
};

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static bool eq_ci(const char *a, size_t alen, const char *b)
{
    return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

/* True if a q value means zero ("0", "0.", "0.000"). */
static bool q_is_zero(const char *v, size_t len)
{
    if (len == 0 || v[0] != '0')
        return false;
    for (size_t i = 1; i < len; i++)
        if (v[i] != '.' && v[i] != '0')
            return false;
    return true;
}

/* Parses one media range from s[0..len). */
static void range_parse(const char *s, size_t len, struct range *r)
{
    const char *end = s + len;
    memset(r, 0, sizeof(*r));
    while (s < end && is_ows(*s))
        s++;
    const char *t = s;
    while (s < end && *s != ';')
        s++;
    const char *te = s;
    while (te > t && is_ows(te[-1]))
        te--;
    r->type = t;
    r->type_len = (size_t)(te - t);
    while (s < end && *s == ';') {
        s++;
        while (s < end && is_ows(*s))
            s++;
        const char *name = s;
        while (s < end && *s != '=' && *s != ';')
            s++;
        const char *ne = s;
        while (ne > name && is_ows(ne[-1]))
            ne--;
        const char *val = s;
        const char *ve = s;
        if (s < end && *s == '=') {
            s++;
            while (s < end && is_ows(*s))
                s++;
            if (s < end && *s == '"') {
                val = ++s;
                while (s < end && *s != '"') {
                    if (*s == '\\' && s + 1 < end)
                        s++;
                    s++;
                }
                ve = s;
                if (s < end)
                    s++;
                while (s < end && *s != ';')
                    s++;
            } else {
                val = s;
                while (s < end && *s != ';')
                    s++;
                ve = s;
                while (ve > val && is_ows(ve[-1]))
                    ve--;
            }
        }
        size_t nlen = (size_t)(ne - name);
        size_t vlen = (size_t)(ve - val);
        if (eq_ci(name, nlen, "version")) {
            r->has_version = true;
            r->version_ok = vlen == 3 && memcmp(val, "2.1", 3) == 0;
        } else if (eq_ci(name, nlen, "q")) {
            r->q_zero = q_is_zero(val, vlen);
        }
    }
}

/*
 * Whether accept admits the media type (mlen bytes at media, no parameters): through any
 * type, through its own type with any subtype, or itself; with taxii_version, itself only
 * without a version parameter or with version=2.1. An Accept header with no media range at
 * all is treated as absent.
 */
static bool accepts(const char *accept, const char *media, size_t mlen, bool taxii_version)
{
    if (accept == NULL)
        return true;
    const char *slash = memchr(media, '/', mlen);
    size_t tlen = slash != NULL ? (size_t)(slash - media) : mlen;
    const char *s = accept;
    bool any = false;
    for (;;) {
        size_t len = strcspn(s, ",");
        struct range r;
        range_parse(s, len, &r);
        if (r.type_len > 0) {
            any = true;
            if (!r.q_zero) {
                if (eq_ci(r.type, r.type_len, "*/*"))
                    return true;
                if (r.type_len == tlen + 2 && strncasecmp(r.type, media, tlen) == 0 &&
                    r.type[tlen] == '/' && r.type[tlen + 1] == '*')
                    return true;
                if (r.type_len == mlen && strncasecmp(r.type, media, mlen) == 0 &&
                    (!taxii_version || !r.has_version || r.version_ok))
                    return true;
            }
        }
        if (s[len] == '\0')
            break;
        s += len + 1;
    }
    return !any;
}

bool http_accept_taxii(const char *accept)
{
    return accepts(accept, TAXII_TYPE, strlen(TAXII_TYPE), true);
}

bool http_content_type_taxii(const char *content_type)
{
    if (content_type == NULL)
        return false;
    struct range r;
    range_parse(content_type, strlen(content_type), &r);
    return eq_ci(r.type, r.type_len, TAXII_TYPE) && (!r.has_version || r.version_ok);
}

const char *http_media_type(enum http_media m)
{
    switch (m) {
    case HTTP_MEDIA_TEXT:
        return "text/plain; charset=utf-8";
    case HTTP_MEDIA_CSV:
        return "text/csv; charset=utf-8";
    case HTTP_MEDIA_ZONE:
        return "text/dns";
    case HTTP_MEDIA_HTML:
        return "text/html; charset=utf-8";
    case HTTP_MEDIA_CSS:
        return "text/css; charset=utf-8";
    case HTTP_MEDIA_JS:
        return "text/javascript; charset=utf-8";
    case HTTP_MEDIA_EVENTS:
        return "text/event-stream";
    default:
        return NULL;
    }
}

bool http_accepts(const char *accept, const char *media)
{
    size_t mlen = strcspn(media, ";");
    while (mlen > 0 && is_ows(media[mlen - 1]))
        mlen--;
    return accepts(accept, media, mlen, false);
}
