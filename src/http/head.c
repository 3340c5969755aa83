/* SPDX-License-Identifier: Apache-2.0 */
/*
 * head.c: the HTTP/1.1 request head parser (RFC 9112 sections 2 to 7). It finds the end of a
 * head in the bytes a client sent, refuses what is over the limits or malformed with the
 * status and description the server answers in JSON, and cuts a good head in place into its
 * method, decoded path, decoded query parameters, header fields and framing.
 */
#include "http/http_int.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* tchar of RFC 9110 section 5.6.2: the bytes of a method or a header field name. */
static bool is_tchar(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte allowed in a field value besides SP and HTAB: VCHAR or obs-text. */
static bool is_field_vchar(unsigned char c)
{
    return c > 0x20 && c != 0x7f;
}

__attribute__((format(printf, 3, 4))) static int refuse(struct http_head *h, int status,
                                                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->error, sizeof(h->error), fmt, ap);
    va_end(ap);
    h->status = status;
    return HTTP_HEAD_DONE;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/*
 * Decodes %XX escapes of s[0..len) in place (a '%' not followed by two hex digits stays as it
 * is), and with plus also '+' as a space; NUL-terminates the result and returns its length.
 * "%00" stays as its three characters: a NUL byte would cut the string short for every C
 * reader above (a collection id "X%00junk" would name collection X), while "%00" names
 * nothing, so an id or value holding it is simply one that does not exist.
 */
static size_t unescape(char *s, size_t len, bool plus)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
            (lo = hex_value((unsigned char)s[i + 2])) >= 0 && (hi | lo) != 0) {
            s[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            s[o++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    s[o] = '\0';
    return o;
}

/*
 * Cuts the query q[0..len) into parameters: pieces separated by '&', a last empty piece not
 * counted; a piece without '=' is a key with an empty value. Keeps the first HTTP_MAX_PARAMS,
 * counts them all.
 */
static void parse_query(struct http_head *h, char *q, size_t len)
{
    size_t start = 0;
    while (start < len) {
        char *piece = q + start;
        char *amp = memchr(piece, '&', len - start);
        size_t plen = amp != NULL ? (size_t)(amp - piece) : len - start;
        if (h->n_params < HTTP_MAX_PARAMS) {
            struct http_param *p = &h->params[h->n_params];
            char *eq = memchr(piece, '=', plen);
            p->key = piece;
            if (eq != NULL) {
                p->value = eq + 1;
                unescape(eq + 1, plen - (size_t)(eq + 1 - piece), true);
                unescape(piece, (size_t)(eq - piece), true);
            } else {
                unescape(piece, plen, true);
                p->value = piece + strlen(piece); /* "" inside the piece's own bytes */
            }
        }
        h->n_params++;
        start += plen + 1;
    }
}

/* Counts the parameters parse_query would find in q[0..len), without touching q. */
static size_t count_params(const char *q, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += q[i] == '&';
    return len == 0 ? 0 : n + (q[len - 1] != '&');
}

/* Comma-separated tokens of a Connection header: sets close or keep-alive. */
static void parse_connection(struct http_head *h, const char *v)
{
    while (*v != '\0') {
        while (*v == ',' || *v == ' ' || *v == '\t')
            v++;
        const char *end = v;
        while (*end != '\0' && *end != ',' && *end != ' ' && *end != '\t')
            end++;
        size_t n = (size_t)(end - v);
        if (n == 5 && strncasecmp(v, "close", 5) == 0)
            h->conn_close = true;
        else if (n == 10 && strncasecmp(v, "keep-alive", 10) == 0)
            h->conn_keep_alive = true;
        v = end;
    }
}

/* The header fields that frame the body or the connection. Returns HTTP_HEAD_DONE with
 * h->status set on a refusal, else 0. */
static int framing_field(struct http_head *h, const char *name, const char *value)
{
    if (strcasecmp(name, "Content-Length") == 0) {
        if (h->has_length)
            return refuse(h, 400, "more than one Content-Length");
        if (value[0] == '\0')
            return refuse(h, 400, "malformed Content-Length");
        uint64_t n = 0;
        for (const char *p = value; *p != '\0'; p++) {
            if (*p < '0' || *p > '9')
                return refuse(h, 400, "malformed Content-Length");
            unsigned d = (unsigned)(*p - '0');
            n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d; /* saturates: too big */
        }
        h->has_length = true;
        h->content_length = n;
    } else if (strcasecmp(name, "Transfer-Encoding") == 0) {
        if (h->chunked || strcasecmp(value, "chunked") != 0)
            return refuse(h, 501, "only the chunked transfer coding is supported, once");
        h->chunked = true;
    } else if (strcasecmp(name, "Connection") == 0) {
        parse_connection(h, value);
    } else if (strcasecmp(name, "Expect") == 0) {
        if (strcasecmp(value, "100-continue") != 0)
            return refuse(h, 417, "only Expect: 100-continue is supported");
        h->expect_continue = true;
    } else if (strcasecmp(name, "Host") == 0) {
        if (h->has_host)
            return refuse(h, 400, "more than one Host header");
        h->has_host = true;
    }
    return 0;
}

/*
 * Parses one header line line[0..len) (without its line ending) into a field, in place. Returns
 * HTTP_HEAD_DONE with h->status set on a refusal, else 0.
 */
static int parse_field(struct http_head *h, char *line, size_t len)
{
    size_t i = 0;
    if (line[0] == ' ' || line[0] == '\t')
        return refuse(h, 400, "folded header line (obs-fold)");
    while (i < len && is_tchar((unsigned char)line[i]))
        i++;
    if (i == 0 || i == len || line[i] != ':')
        return refuse(h, 400, "malformed header line");
    line[i] = '\0';
    size_t v = i + 1, end = len;
    while (v < end && (line[v] == ' ' || line[v] == '\t'))
        v++;
    while (end > v && (line[end - 1] == ' ' || line[end - 1] == '\t'))
        end--;
    for (size_t k = v; k < end; k++) {
        unsigned char c = (unsigned char)line[k];
        if (!is_field_vchar(c) && c != ' ' && c != '\t')
            return refuse(h, 400, "control character in a header value");
    }
    line[end] = '\0';
    if (h->n_fields == HTTP_MAX_HEADERS)
        return refuse(h, 431, "more than %d header fields", HTTP_MAX_HEADERS);
    h->fields[h->n_fields].name = line;
    h->fields[h->n_fields].value = line + v;
    h->n_fields++;
    return framing_field(h, line, line + v);
}

/* Parses "HTTP/d.d" of n bytes into h->minor. */
static int parse_version(struct http_head *h, const char *v, size_t n)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
        v[7] < '0' || v[7] > '9')
        return refuse(h, 400, "malformed request line (expected METHOD target HTTP/1.1)");
    if (v[5] != '1')
        return refuse(h, 505, "only HTTP/1.0 and HTTP/1.1 are served");
    h->minor = v[7] - '0';
    return 0;
}

/*
 * For a refusal: the method and the decoded path from p[0..len), the start of a request line,
 * when those bytes hold them whole, so that the error takes the shape of the route that was
 * meant. Writes into p.
 */
static void guess_route(struct http_head *h, char *p, size_t len)
{
    size_t i = 0, k = 0;
    while (i < len && is_tchar((unsigned char)p[i]))
        i++;
    if (i == 0 || i >= len || p[i] != ' ')
        return;
    char *t = p + i + 1;
    size_t left = len - i - 1;
    while (k < left && t[k] != '?' && t[k] != ' ' && (unsigned char)t[k] > 0x20 && t[k] != 0x7f)
        k++;
    if (k == 0 || k == left || (t[k] != '?' && t[k] != ' '))
        return;
    p[i] = '\0';
    h->method = p;
    h->path = t;
    h->path_len = unescape(t, k, false);
}

/* Parses the request line line[0..len), in place. */
static int parse_request_line(struct http_head *h, char *line, size_t len, size_t max)
{
    size_t i = 0;
    while (i < len && is_tchar((unsigned char)line[i]))
        i++;
    if (i == 0 || i == len || line[i] != ' ')
        return refuse(h, 400, "malformed request line (expected METHOD target HTTP/1.1)");
    char *target = line + i + 1;
    char *sp = memchr(target, ' ', len - (size_t)(target - line));
    if (sp == NULL || sp == target)
        return refuse(h, 400, "malformed request line (expected METHOD target HTTP/1.1)");
    size_t tlen = (size_t)(sp - target);
    if (tlen > max) {
        guess_route(h, line, len);
        return refuse(h, 414, "request target longer than %zu bytes", max);
    }
    line[i] = '\0';
    h->method = line;
    if (parse_version(h, sp + 1, len - (size_t)(sp + 1 - line)) != 0)
        return HTTP_HEAD_DONE;
    if (memchr(target, '\0', tlen) != NULL)
        return refuse(h, 400, "NUL byte in the request target");
    for (size_t k = 0; k < tlen; k++) {
        unsigned char c = (unsigned char)target[k];
        if (c < 0x20 || c == 0x7f)
            return refuse(h, 400, "control character in the request target");
    }
    char *q = memchr(target, '?', tlen);
    size_t plen = q != NULL ? (size_t)(q - target) : tlen;
    *sp = '\0';
    if (q != NULL)
        *q = '\0';
    h->path = target;
    h->path_len = unescape(target, plen, false);
    if (q != NULL) {
        if (count_params(q + 1, tlen - plen - 1) > HTTP_MAX_PARAMS)
            return refuse(h, 400, "too many query parameters (more than %d)", HTTP_MAX_PARAMS);
        parse_query(h, q + 1, tlen - plen - 1);
    }
    return 0;
}

/* Offset just past the end of the line starting at p (its LF), or 0 if there is none in
 * p[0..len). */
static size_t line_end(const char *p, size_t len)
{
    const char *lf = memchr(p, '\n', len);
    return lf != NULL ? (size_t)(lf - p) + 1 : 0;
}

int http_head_parse(char *buf, size_t len, size_t max, size_t *scanned, struct http_head *h)
{
    size_t start = 0, end = 0;

    /* Empty lines before a request line are ignored (RFC 9112 section 2.2). */
    while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
        start++;
    /* The head ends with an empty line: "\n\r\n" or "\n\n". */
    for (size_t i = *scanned > start ? *scanned : start; i < len && end == 0; i++) {
        if (buf[i] != '\n' || i == start)
            continue;
        if (buf[i - 1] == '\n')
            end = i + 1;
        else if (buf[i - 1] == '\r' && i >= start + 2 && buf[i - 2] == '\n')
            end = i + 1;
    }
    if (end == 0) {
        *scanned = len;
        if (len <= max)
            return HTTP_HEAD_MORE;
        /* Over the limit: the request line, when it is complete, still says which route (and
         * so which shape of error) was meant, and a refusal of its own comes first. */
        memset(h, 0, sizeof(*h));
        h->len = len;
        size_t n = line_end(buf + start, len - start);
        if (n == 0 || n - 1 > max) {
            guess_route(h, buf + start, len - start);
            return refuse(h, 414, "request line longer than %zu bytes", max);
        }
        size_t ll = n - 1 - (n >= 2 && buf[start + n - 2] == '\r');
        if (memchr(buf + start, '\r', ll) != NULL)
            return refuse(h, 400, "bare CR in the request line");
        if (parse_request_line(h, buf + start, ll, max) != 0)
            return HTTP_HEAD_DONE;
        return refuse(h, 431, "request line and headers longer than %zu bytes", max);
    }

    memset(h, 0, sizeof(*h));
    h->len = end;
    char *p = buf + start;
    size_t left = end - start;
    size_t n = line_end(p, left);
    assert(n > 0);
    size_t ll = n - 1 - (n >= 2 && p[n - 2] == '\r');
    if (memchr(p, '\r', ll) != NULL)
        return refuse(h, 400, "bare CR in the request line");
    if (ll > max) {
        guess_route(h, p, ll);
        return refuse(h, 414, "request line longer than %zu bytes", max);
    }
    if (parse_request_line(h, p, ll, max) != 0)
        return HTTP_HEAD_DONE;
    if (end > max)
        return refuse(h, 431, "request line and headers longer than %zu bytes", max);
    for (p += n, left -= n;; p += n, left -= n) {
        n = line_end(p, left);
        assert(n > 0);
        ll = n - 1 - (n >= 2 && p[n - 2] == '\r');
        if (ll == 0)
            break;
        if (memchr(p, '\r', ll) != NULL)
            return refuse(h, 400, "bare CR in a header line");
        if (memchr(p, '\0', ll) != NULL)
            return refuse(h, 400, "NUL byte in a header line");
        if (parse_field(h, p, ll) != 0)
            return HTTP_HEAD_DONE;
    }
    if (h->minor >= 1 && !h->has_host)
        return refuse(h, 400, "HTTP/1.1 request without a Host header");
    if (h->chunked && h->has_length)
        return refuse(h, 400, "both Content-Length and Transfer-Encoding");
    if (h->chunked && h->minor == 0)
        return refuse(h, 400, "Transfer-Encoding in an HTTP/1.0 request");
    h->keep_alive = h->minor >= 1 ? !h->conn_close : h->conn_keep_alive && !h->conn_close;
    return HTTP_HEAD_DONE;
}

const char *http_head_field(const struct http_head *h, const char *name)
{
    for (size_t i = 0; i < h->n_fields; i++)
        if (strcasecmp(h->fields[i].name, name) == 0)
            return h->fields[i].value;
    return NULL;
}
