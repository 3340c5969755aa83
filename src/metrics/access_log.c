/* SPDX-License-Identifier: Apache-2.0 */
/*
 * access_log.c: the access log, one JSON line per request, written by the completion hook on
 * the worker thread that served it, with one write(2) to a descriptor opened for appending,
 * so lines from concurrent requests never mix. Reopening for log rotation replaces the file
 * behind the same descriptor number (dup2), so a writer never meets a closed descriptor.
 */
#include "metrics/metrics_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/auth.h"

/* A path longer than this is cut: every line, whatever the path holds, stays below PIPE_BUF
 * (4096 bytes, a control byte escaped as \u00XX takes six), so that even lines written to a
 * pipe are never interleaved. */
#define PATH_MAX_LOGGED   512
#define METHOD_MAX_LOGGED 16

static atomic_int log_fd = -1; /* -1: no access log */
static char *log_path;         /* the file, NULL for stderr; for reopening */
static uint32_t id_prefix;     /* random per process: request ids differ across restarts */
static _Atomic uint32_t id_next;

int metrics_access_log_open(const char *where, struct rk_err *err)
{
    int fd;
    rk_random_bytes(&id_prefix, sizeof(id_prefix));
    if (where == NULL)
        return 0;
    if (strcmp(where, "-") == 0) {
        atomic_store(&log_fd, STDERR_FILENO);
        return 0;
    }
    fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return rk_err_set(err, RK_E_IO, "cannot open the access log %s: %s", where,
                          strerror(errno));
    log_path = rk_strdup(where);
    atomic_store(&log_fd, fd);
    return 0;
}

void metrics_access_log_reopen(void)
{
    int fd = atomic_load(&log_fd);
    if (fd < 0 || log_path == NULL)
        return;
    int nfd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (nfd < 0) {
        rk_log(RK_LOG_WARN, "access log: cannot reopen %s (still writing to the old file): %s",
               log_path, strerror(errno));
        return;
    }
    /* dup3 replaces the file behind fd atomically: a concurrent write goes to one or the
     * other, never to a closed or reused descriptor. */
    if (dup3(nfd, fd, O_CLOEXEC) < 0)
        rk_log(RK_LOG_WARN, "access log: cannot reopen %s: %s", log_path, strerror(errno));
    close(nfd);
}

void metrics_access_log_close(void)
{
    int fd = atomic_exchange(&log_fd, -1);
    if (fd > STDERR_FILENO)
        close(fd);
    free(log_path);
    log_path = NULL;
}

/* Appends s, cut to its first max bytes, as a JSON string (invalid UTF-8 as U+FFFD); NULL as
 * null. */
static void json_capped(struct rk_buf *out, const char *s, size_t max)
{
    char cut[PATH_MAX_LOGGED + 1];
    if (s == NULL) {
        rk_buf_puts(out, "null");
        return;
    }
    size_t n = strnlen(s, max + 1);
    if (n <= max) {
        rk_buf_json_string(out, s);
        return;
    }
    if (max > PATH_MAX_LOGGED)
        max = PATH_MAX_LOGGED;
    memcpy(cut, s, max);
    cut[max] = '\0';
    rk_buf_json_string(out, cut);
}

/*
 * The line is written by hand rather than with printf and inet_ntop: formatting is most of
 * what the access log costs a request, and these fields need neither (callgrind: a line took
 * some 7,300 instructions with the library calls, 3,500 by hand; a page of 100 objects takes
 * 440,000).
 */

/* Appends v in decimal; at least min_digits digits (zero-padded). */
static void put_u64(struct rk_buf *out, uint64_t v, int min_digits)
{
    char d[24];
    size_t at = sizeof(d);
    do {
        d[--at] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 || sizeof(d) - at < (size_t)min_digits);
    rk_buf_append(out, d + at, sizeof(d) - at);
}

/* Appends s, which holds nothing JSON escapes (a time, an id, hex, an address), quoted. */
static void put_plain(struct rk_buf *out, const char *s)
{
    rk_buf_putc(out, '"');
    rk_buf_puts(out, s);
    rk_buf_putc(out, '"');
}

/* Appends the client's address as a JSON string ("127.0.0.1", "::1"; "" when unknown). */
static void put_client(struct rk_buf *out, const struct sockaddr *sa)
{
    char text[INET6_ADDRSTRLEN];
    if (sa != NULL && sa->sa_family == AF_INET) {
        const unsigned char *b =
            (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        char *p = text;
        *p++ = '"';
        for (int i = 0; i < 4; i++) {
            if (i > 0)
                *p++ = '.';
            if (b[i] >= 100)
                *p++ = (char)('0' + b[i] / 100);
            if (b[i] >= 10)
                *p++ = (char)('0' + b[i] / 10 % 10);
            *p++ = (char)('0' + b[i] % 10);
        }
        *p++ = '"';
        rk_buf_append(out, text, (size_t)(p - text));
        return;
    }
    text[0] = '\0';
    if (sa != NULL && sa->sa_family == AF_INET6)
        (void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, text,
                        sizeof(text));
    put_plain(out, text);
}

void metrics_access_log_line(const struct http_done *done, const char *id, struct rk_buf *out)
{
    const struct policy_principal *who = done->req != NULL ? done->req->principal : NULL;
    char when[RK_TIME_LEN];
    int64_t us = done->duration_us > 0 ? done->duration_us : 0;

    rk_time_format(done->started, when);
    rk_buf_puts(out, "{\"time\":");
    put_plain(out, when);
    rk_buf_puts(out, ",\"client\":");
    put_client(out, done->peer);
    rk_buf_puts(out, ",\"request_id\":");
    put_plain(out, id);
    /* Who asked: the organisation and the token's public id (the start of its hash, as
     * `renkei token list` shows it); never the token, which the hub does not even keep. */
    if (who != NULL && who->authenticated) {
        rk_buf_puts(out, ",\"org_id\":");
        rk_buf_json_string(out, who->org_id);
        rk_buf_puts(out, ",\"token_id\":\"");
        rk_buf_append(out, who->token_hash, strnlen(who->token_hash, POLICY_TOKEN_ID_LEN));
        rk_buf_putc(out, '"');
    } else {
        rk_buf_puts(out, ",\"org_id\":null,\"token_id\":null");
    }
    rk_buf_puts(out, ",\"method\":");
    json_capped(out, done->req != NULL ? done->req->method : NULL, METHOD_MAX_LOGGED);
    rk_buf_puts(out, ",\"path\":");
    json_capped(out, done->req != NULL ? done->req->path : NULL, PATH_MAX_LOGGED);
    rk_buf_puts(out, ",\"status\":");
    put_u64(out, (uint64_t)(done->status > 0 ? done->status : 0), 1);
    rk_buf_puts(out, ",\"bytes\":");
    put_u64(out, done->bytes, 1);
    rk_buf_puts(out, ",\"duration_ms\":");
    put_u64(out, (uint64_t)us / 1000, 1);
    rk_buf_putc(out, '.');
    put_u64(out, (uint64_t)us % 1000, 3);
    rk_buf_puts(out, "}\n");
}

void metrics_access_log_write(const struct http_done *done)
{
    int fd = atomic_load_explicit(&log_fd, memory_order_relaxed);
    static const char hex[] = "0123456789abcdef";
    uint64_t n;
    char id[17];
    struct rk_buf line = RK_BUF_INIT;

    if (fd < 0)
        return;
    /* 8 hex digits of the process's prefix, then 8 of the counter. */
    n = (uint64_t)id_prefix << 32 | atomic_fetch_add_explicit(&id_next, 1, memory_order_relaxed);
    for (int i = 15; i >= 0; i--, n >>= 4)
        id[i] = hex[n & 15];
    id[16] = '\0';
    rk_buf_reserve(&line, 512);
    metrics_access_log_line(done, id, &line);
    for (size_t off = 0; off < line.len;) {
        ssize_t w = write(fd, line.data + off, line.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* a full disk loses log lines, never requests */
        off += (size_t)w;
    }
    rk_buf_free(&line);
}
