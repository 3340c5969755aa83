/* SPDX-License-Identifier: Apache-2.0 */
/*
 * static.c: serves the files of one folder (the web UI's) as a route handler: names checked
 * before anything is opened, every path component opened beneath the folder without following
 * symbolic links, content types by extension, ETag and Last-Modified with 304 answers, HEAD,
 * and files larger than one piece streamed from disk rather than read whole.
 */
#include "http/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATIC_NAME_MAX 1024 /* bytes of a file name below the root */
#define STATIC_INDEX    "index.html"

struct http_static {
    int root_fd; /* the folder, opened once */
};

int http_static_new(const char *root, struct http_static **out, struct rk_err *err)
{
    *out = NULL;
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rk_err_set(err, RK_E_IO, "cannot open the folder %s: %s", root, strerror(errno));
    struct http_static *st = rk_calloc(1, sizeof(*st));
    st->root_fd = fd;
    *out = st;
    return 0;
}

void http_static_free(struct http_static *st)
{
    if (st == NULL)
        return;
    close(st->root_fd);
    free(st);
}

/* ---- names -------------------------------------------------------------------------------- */

/*
 * Whether name (a path below the root, '/' between components) may name a file: no empty,
 * "." or ".." component, nothing hidden (a component starting with '.'), no backslash,
 * control byte or "%00" (the parser leaves an encoded NUL as those three characters).
 */
static bool name_ok(const char *name)
{
    if (strlen(name) > STATIC_NAME_MAX || strstr(name, "%00") != NULL)
        return false;
    const char *seg = name;
    for (;;) {
        size_t len = strcspn(seg, "/");
        if (len == 0 || seg[0] == '.')
            return false;
        for (size_t i = 0; i < len; i++) {
            unsigned char ch = (unsigned char)seg[i];
            if (ch < 0x20 || ch == 0x7f || ch == '\\')
                return false;
        }
        if (seg[len] == '\0')
            return true;
        seg += len + 1;
    }
}

/*
 * Opens name beneath dir one component at a time, never following a symbolic link (a link
 * fails with ELOOP, even one that stays inside), so nothing outside the root can be reached.
 * A folder at the end opens its index.html (*index set). Returns the descriptor of a regular file
 * with *st filled, or -1.
 */
static int open_beneath(int dir, const char *name, struct stat *st, bool *index)
{
    char part[STATIC_NAME_MAX + 1];
    int cur = dir;
    const char *seg = name;
    for (;;) {
        size_t len = strcspn(seg, "/");
        memcpy(part, seg, len);
        part[len] = '\0';
        bool last = seg[len] == '\0';
        /* O_NONBLOCK: a FIFO planted in the folder must not hold the worker. */
        int flags =
            O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (last ? O_NONBLOCK : O_DIRECTORY);
        int fd = openat(cur, part, flags);
        if (cur != dir)
            close(cur);
        if (fd < 0)
            return -1;
        if (last) {
            if (fstat(fd, st) != 0) {
                close(fd);
                return -1;
            }
            if (S_ISDIR(st->st_mode)) {
                int idx = openat(fd, STATIC_INDEX, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
                close(fd);
                if (idx < 0 || fstat(idx, st) != 0) {
                    if (idx >= 0)
                        close(idx);
                    return -1;
                }
                fd = idx;
                *index = true;
            }
            if (!S_ISREG(st->st_mode)) {
                close(fd);
                return -1;
            }
            return fd;
        }
        cur = fd;
        seg += len + 1;
    }
}

/* ---- content types ------------------------------------------------------------------------ */

static const struct {
    const char *ext;
    const char *type;
} media_by_ext[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"wasm", "application/wasm"},
    {"xml", "application/xml"},
    {"pdf", "application/pdf"},
};

const char *http_static_media(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash != NULL ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    if (dot != NULL)
        for (size_t i = 0; i < sizeof(media_by_ext) / sizeof(media_by_ext[0]); i++)
            if (strcasecmp(dot + 1, media_by_ext[i].ext) == 0)
                return media_by_ext[i].type;
    return "application/octet-stream";
}

/* ---- validators --------------------------------------------------------------------------- */

/* Whether an If-None-Match value names etag (weak comparison, as RFC 9110 13.1.2 asks). */
static bool etag_matches(const char *inm, const char *etag)
{
    size_t elen = strlen(etag);
    const char *s = inm;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        if (*s == '\0')
            return false;
        if (*s == '*')
            return true;
        if (strncmp(s, "W/", 2) == 0)
            s += 2;
        size_t len = strcspn(s, ",");
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len == elen && memcmp(s, etag, elen) == 0)
            return true;
        s += len;
        while (*s != '\0' && *s != ',')
            s++;
    }
}

/* Whether an If-Modified-Since value (an IMF-fixdate) is at or after mtime. */
static bool not_modified_since(const char *ims, time_t mtime)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL || *end != '\0')
        return false;
    return mtime <= timegm(&tm);
}

/* ---- streaming a file ----------------------------------------------------------------------- */

struct file_stream {
    int fd;
    uint64_t off, size;
};

static int file_produce(void *state, struct http_stream *stream, struct rk_buf *out)
{
    struct file_stream *f = state;
    (void)stream;
    size_t want =
        f->size - f->off < HTTP_STREAM_CHUNK ? (size_t)(f->size - f->off) : HTTP_STREAM_CHUNK;
    rk_buf_reserve(out, want);
    ssize_t r;
    do
        r = pread(f->fd, out->data, want, (off_t)f->off);
    while (r < 0 && errno == EINTR);
    if (r <= 0) /* an error, or the file shrank under us */
        return RK_E_IO;
    out->len = (size_t)r;
    out->data[out->len] = '\0';
    f->off += (uint64_t)r;
    return f->off < f->size ? HTTP_PRODUCE_MORE : HTTP_PRODUCE_END;
}

static void file_end(void *state, bool complete)
{
    struct file_stream *f = state;
    (void)complete;
    close(f->fd);
    free(f);
}

/* Reads the whole of a small file into body; 0 or RK_E_IO. */
static int read_small(int fd, size_t size, struct rk_buf *body)
{
    rk_buf_reserve(body, size);
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, body->data + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return RK_E_IO;
        got += (size_t)r;
    }
    body->len = size;
    body->data[size] = '\0';
    return 0;
}

/* ---- the handler ---------------------------------------------------------------------------- */

int http_static_serve(void *ctx, struct http_request *req, struct http_response *resp,
                      struct rk_err *err)
{
    struct http_static *st = ctx;
    char name[STATIC_NAME_MAX + sizeof(STATIC_INDEX) + 1];
    const char *rel = req->captures[0];
    int rc = 0;

    if (rel == NULL || rel[0] == '\0')
        rel = STATIC_INDEX;
    size_t rlen = strlen(rel);
    if (rlen > STATIC_NAME_MAX)
        return rk_err_set(err, RK_E_NOTFOUND, "no such file");
    /* "docs/" names the folder's index. */
    snprintf(name, sizeof(name), "%s%s", rel, rel[rlen - 1] == '/' ? STATIC_INDEX : "");
    if (!name_ok(name))
        return rk_err_set(err, RK_E_NOTFOUND, "no such file");
    struct stat sb;
    bool index = false;
    int fd = open_beneath(st->root_fd, name, &sb, &index);
    if (fd < 0)
        return rk_err_set(err, RK_E_NOTFOUND, "no such file");

    char etag[64], modified[40];
    struct tm tm;
    snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)sb.st_size,
             (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)sb.st_mtim.tv_nsec);
    gmtime_r(&sb.st_mtim.tv_sec, &tm);
    strftime(modified, sizeof(modified), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    http_set_header(resp, "ETag", etag);
    http_set_header(resp, "Last-Modified", modified);
    http_set_header(resp, "Cache-Control", "no-cache");
    http_set_header(resp, "X-Content-Type-Options", "nosniff");
    resp->content_type = http_static_media(index ? STATIC_INDEX : name);

    const char *inm = http_header(req, "If-None-Match");
    const char *ims = http_header(req, "If-Modified-Since");
    if (inm != NULL ? etag_matches(inm, etag)
                    : ims != NULL && not_modified_since(ims, sb.st_mtim.tv_sec)) {
        resp->status = 304;
        close(fd);
        return 0;
    }
    resp->status = 200;
    bool head = strcmp(req->method, "HEAD") == 0;
    if (!head && (uint64_t)sb.st_size <= HTTP_STREAM_CHUNK) {
        rc = read_small(fd, (size_t)sb.st_size, &resp->body);
        close(fd);
        if (rc < 0)
            return rk_err_set(err, RK_E_IO, "cannot read %s: %s", name, strerror(errno));
        return 0;
    }
    /* Larger files go out a piece at a time; to HEAD, the length without a read. */
    struct file_stream *f = rk_calloc(1, sizeof(*f));
    f->fd = fd;
    f->size = (uint64_t)sb.st_size;
    struct http_producer p = {
        .produce = file_produce, .end = file_end, .state = f, .sized = true, .length = f->size};
    http_response_stream(resp, &p);
    return 0;
}
