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
#include <inttypes.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"

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

/* The client's address as text ("127.0.0.1", "::1"), or "" when unknown. */
static void client_text(const struct sockaddr *sa, char *out, size_t cap)
{
    out[0] = '\0';
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET)
        (void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                        (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        (void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                        out, (socklen_t)cap);
}

void metrics_access_log_line(const struct http_done *done, const char *id, struct rk_buf *out)
{
    const struct policy_principal *who = done->req != NULL ? done->req->principal : NULL;
    char when[RK_TIME_LEN];
    char client[INET6_ADDRSTRLEN];
    char token_id[POLICY_TOKEN_ID_LEN + 1];

    rk_time_format(done->started, when);
    client_text(done->peer, client, sizeof(client));
    rk_buf_puts(out, "{\"time\":");
    rk_buf_json_string(out, when);
    rk_buf_puts(out, ",\"client\":");
    rk_buf_json_string(out, client);
    rk_buf_puts(out, ",\"request_id\":");
    rk_buf_json_string(out, id);
    /* Who asked: the organisation and the token's public id (the start of its hash, as
     * `renkei token list` shows it); never the token, which the hub does not even keep. */
    if (who != NULL && who->authenticated) {
        snprintf(token_id, sizeof(token_id), "%.*s", POLICY_TOKEN_ID_LEN, who->token_hash);
        rk_buf_puts(out, ",\"org_id\":");
        rk_buf_json_string(out, who->org_id);
        rk_buf_puts(out, ",\"token_id\":");
        rk_buf_json_string(out, token_id);
    } else {
        rk_buf_puts(out, ",\"org_id\":null,\"token_id\":null");
    }
    rk_buf_puts(out, ",\"method\":");
    json_capped(out, done->req != NULL ? done->req->method : NULL, METHOD_MAX_LOGGED);
    rk_buf_puts(out, ",\"path\":");
    json_capped(out, done->req != NULL ? done->req->path : NULL, PATH_MAX_LOGGED);
    rk_buf_printf(out, ",\"status\":%d,\"bytes\":%zu,\"duration_ms\":%" PRId64 ".%03" PRId64 "}\n",
                  done->status, done->bytes, done->duration_us / 1000, done->duration_us % 1000);
}

void metrics_access_log_write(const struct http_done *done)
{
    int fd = atomic_load_explicit(&log_fd, memory_order_relaxed);
    char id[20];
    struct rk_buf line = RK_BUF_INIT;

    if (fd < 0)
        return;
    snprintf(id, sizeof(id), "%08" PRIx32 "%08" PRIx32, id_prefix,
             atomic_fetch_add_explicit(&id_next, 1, memory_order_relaxed));
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
