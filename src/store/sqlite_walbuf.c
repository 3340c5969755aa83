/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_walbuf.c: a VFS shim that gathers SQLite's appends to a WAL file into one write
 * per commit. SQLite writes every WAL frame as two pwrites (its 24-byte header, then the
 * page), so a commit of 2,000 pages made 4,000 system calls under the write lock, each one
 * also reading and dirtying the kernel pages it straddles. Here contiguous appends collect in
 * a buffer that is written out:
 * - when the page of a commit frame has been appended (its header carries the database size
 *   after the commit), before xWrite returns: SQLite makes a commit visible to readers only
 *   after writing all its frames, so every reader finds them in the file;
 * - when it would pass WALBUF_CAP, when a write is not an append, and before any other
 *   operation on the file (read, sync, truncate, size, file control, close): SQLite never
 *   sees the file without its own writes.
 * A failed write-out fails the xWrite (or the operation) that triggered it, and SQLite treats
 * the commit as failed. Frames still in the buffer when the process dies belonged to no
 * finished commit, which SQLite would ignore in the file anyway.
 *
 * Every other file (the database, its -shm, temporary files) is the default VFS's own file,
 * opened in place: the shim only sees it at xOpen.
 */
#include "sqlite_int.h"

#include <stdlib.h>
#include <string.h>

/* Largest buffered run before a write-out (a commit larger than this takes several). */
#define WALBUF_CAP ((size_t)4 * 1024 * 1024)
/* Bytes per write-out call: the unix VFS writes at most 128 KiB - 1 per call, and fails one
 * of 128 KiB exactly (its seekAndWrite masks the length with 0x1ffff). */
#define WALBUF_CHUNK ((size_t)64 * 1024)
/* The header SQLite writes before each WAL frame's page. */
#define WAL_FRAME_HEADER 24

struct walbuf_file {
    sqlite3_file base;   /* methods: walbuf_io */
    sqlite3_file *real;  /* the default VFS's file, right after this struct */
    char *buf;           /* pending appends, at file offset off */
    size_t len;          /* bytes in buf */
    sqlite3_int64 off;   /* file offset of buf[0] */
    bool commit_pending; /* the last header appended was a commit frame's */
};

static sqlite3_vfs walbuf_vfs;
static sqlite3_vfs *walbuf_next; /* the default VFS underneath */

static struct walbuf_file *wf(sqlite3_file *f)
{
    return (struct walbuf_file *)f;
}

/* Writes out the buffer in WALBUF_CHUNK pieces; SQLITE_OK or the real xWrite's error (the
 * buffer is dropped either way). */
static int walbuf_flush(struct walbuf_file *w)
{
    int rc = SQLITE_OK;
    for (size_t done = 0; done < w->len && rc == SQLITE_OK; done += WALBUF_CHUNK) {
        size_t n = w->len - done < WALBUF_CHUNK ? w->len - done : WALBUF_CHUNK;
        rc =
            w->real->pMethods->xWrite(w->real, w->buf + done, (int)n, w->off + (sqlite3_int64)done);
    }
    w->len = 0;
    w->commit_pending = false;
    return rc;
}

static int walbuf_close(sqlite3_file *f)
{
    struct walbuf_file *w = wf(f);
    int rc = walbuf_flush(w);
    int rc2 = w->real->pMethods->xClose(w->real);
    free(w->buf);
    w->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int walbuf_read(sqlite3_file *f, void *p, int amt, sqlite3_int64 ofst)
{
    struct walbuf_file *w = wf(f);
    int rc = walbuf_flush(w);
    if (rc != SQLITE_OK)
        return rc;
    return w->real->pMethods->xRead(w->real, p, amt, ofst);
}

/* Big-endian 32-bit field of a frame header. */
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int walbuf_write(sqlite3_file *f, const void *p, int amt, sqlite3_int64 ofst)
{
    struct walbuf_file *w = wf(f);
    int rc;
    size_t n = (size_t)amt;

    if (amt <= 0)
        return w->real->pMethods->xWrite(w->real, p, amt, ofst);
    bool append = w->len > 0 && ofst == w->off + (sqlite3_int64)w->len;
    if ((!append && w->len > 0) || (append && w->len + n > WALBUF_CAP)) {
        rc = walbuf_flush(w);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (n > WALBUF_CHUNK || (w->buf == NULL && (w->buf = malloc(WALBUF_CAP)) == NULL)) {
        /* Larger than any SQLite page, or no memory for the buffer: written at once, after
         * what is buffered, so that nothing is left behind a commit. */
        rc = walbuf_flush(w);
        if (rc != SQLITE_OK)
            return rc;
        return w->real->pMethods->xWrite(w->real, p, amt, ofst);
    }
    if (w->len == 0)
        w->off = ofst;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    if (n == WAL_FRAME_HEADER) {
        /* A frame's header: bytes 4-7 are the database size in pages after a commit, 0 for
         * any other frame. */
        w->commit_pending = be32((const unsigned char *)p + 4) != 0;
        return SQLITE_OK;
    }
    return w->commit_pending ? walbuf_flush(w) : SQLITE_OK;
}

static int walbuf_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    struct walbuf_file *w = wf(f);
    int rc = walbuf_flush(w);
    if (rc != SQLITE_OK)
        return rc;
    return w->real->pMethods->xTruncate(w->real, size);
}

static int walbuf_sync(sqlite3_file *f, int flags)
{
    struct walbuf_file *w = wf(f);
    int rc = walbuf_flush(w);
    if (rc != SQLITE_OK)
        return rc;
    return w->real->pMethods->xSync(w->real, flags);
}

static int walbuf_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    struct walbuf_file *w = wf(f);
    int rc = walbuf_flush(w);
    if (rc != SQLITE_OK)
        return rc;
    return w->real->pMethods->xFileSize(w->real, size);
}

static int walbuf_lock(sqlite3_file *f, int lock)
{
    return wf(f)->real->pMethods->xLock(wf(f)->real, lock);
}

static int walbuf_unlock(sqlite3_file *f, int lock)
{
    return wf(f)->real->pMethods->xUnlock(wf(f)->real, lock);
}

static int walbuf_check_lock(sqlite3_file *f, int *out)
{
    return wf(f)->real->pMethods->xCheckReservedLock(wf(f)->real, out);
}

static int walbuf_file_control(sqlite3_file *f, int op, void *arg)
{
    struct walbuf_file *w = wf(f);
    int rc = walbuf_flush(w);
    if (rc != SQLITE_OK)
        return rc;
    return w->real->pMethods->xFileControl(w->real, op, arg);
}

static int walbuf_sector_size(sqlite3_file *f)
{
    return wf(f)->real->pMethods->xSectorSize(wf(f)->real);
}

static int walbuf_device_chars(sqlite3_file *f)
{
    return wf(f)->real->pMethods->xDeviceCharacteristics(wf(f)->real);
}

/* Version 1: SQLite never maps a WAL file into memory or keeps shared memory on it. */
static const sqlite3_io_methods walbuf_io = {
    1,
    walbuf_close,
    walbuf_read,
    walbuf_write,
    walbuf_truncate,
    walbuf_sync,
    walbuf_file_size,
    walbuf_lock,
    walbuf_unlock,
    walbuf_check_lock,
    walbuf_file_control,
    walbuf_sector_size,
    walbuf_device_chars,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
};

static int walbuf_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags,
                       int *out_flags)
{
    (void)vfs;
    if (!(flags & SQLITE_OPEN_WAL))
        return walbuf_next->xOpen(walbuf_next, name, f, flags, out_flags);
    struct walbuf_file *w = wf(f);
    memset(w, 0, sizeof(*w));
    w->real = (sqlite3_file *)(w + 1);
    int rc = walbuf_next->xOpen(walbuf_next, name, w->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (w->real->pMethods != NULL)
            w->real->pMethods->xClose(w->real);
        w->base.pMethods = NULL;
        return rc;
    }
    w->base.pMethods = &walbuf_io;
    return SQLITE_OK;
}

#define PASS(name, ...) walbuf_next->name(walbuf_next, __VA_ARGS__)

static int walbuf_delete(sqlite3_vfs *v, const char *name, int sync)
{
    (void)v;
    return PASS(xDelete, name, sync);
}
static int walbuf_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return PASS(xAccess, name, flags, out);
}
static int walbuf_full_path(sqlite3_vfs *v, const char *name, int n, char *out)
{
    (void)v;
    return PASS(xFullPathname, name, n, out);
}
static void *walbuf_dl_open(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return PASS(xDlOpen, name);
}
static void walbuf_dl_error(sqlite3_vfs *v, int n, char *msg)
{
    (void)v;
    PASS(xDlError, n, msg);
}
static void (*walbuf_dl_sym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    (void)v;
    return PASS(xDlSym, h, sym);
}
static void walbuf_dl_close(sqlite3_vfs *v, void *h)
{
    (void)v;
    PASS(xDlClose, h);
}
static int walbuf_randomness(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return PASS(xRandomness, n, out);
}
static int walbuf_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return PASS(xSleep, us);
}
static int walbuf_current_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return PASS(xCurrentTime, out);
}
static int walbuf_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return PASS(xGetLastError, n, out);
}
static int walbuf_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    return PASS(xCurrentTimeInt64, out);
}

int store_sq_walbuf_register(void)
{
    walbuf_next = sqlite3_vfs_find(NULL);
    if (walbuf_next == NULL)
        return SQLITE_ERROR;
    walbuf_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct walbuf_file) + walbuf_next->szOsFile,
        .mxPathname = walbuf_next->mxPathname,
        .zName = STORE_SQ_WALBUF_VFS,
        .xOpen = walbuf_open,
        .xDelete = walbuf_delete,
        .xAccess = walbuf_access,
        .xFullPathname = walbuf_full_path,
        .xDlOpen = walbuf_dl_open,
        .xDlError = walbuf_dl_error,
        .xDlSym = walbuf_dl_sym,
        .xDlClose = walbuf_dl_close,
        .xRandomness = walbuf_randomness,
        .xSleep = walbuf_sleep,
        .xCurrentTime = walbuf_current_time,
        .xGetLastError = walbuf_last_error,
        .xCurrentTimeInt64 = walbuf_current_time64,
    };
    return sqlite3_vfs_register(&walbuf_vfs, 0);
}
