/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_stats.c: the sizes and counts an operator watches (store_stats): the database file,
 * its write-ahead log and the number of audit entries, each cheap to read at any moment.
 */
#include "store/sqlite_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Bytes of file path: 0 when it does not exist (a WAL between checkpoints and restarts). */
static int file_bytes(const char *path, int64_t *out, struct rk_err *err)
{
    struct stat sb;
    *out = 0;
    if (stat(path, &sb) == 0) {
        *out = (int64_t)sb.st_size;
        return 0;
    }
    if (errno == ENOENT)
        return 0;
    return rk_err_set(err, RK_E_IO, "cannot stat %s: %s", path, strerror(errno));
}

int store_sq_stats(struct store *base, struct store_stats *out, struct rk_err *err)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct store_sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    char wal[4096];
    int rc;

    memset(out, 0, sizeof(*out));
    rc = file_bytes(s->path, &out->bytes, err);
    if (rc != 0)
        return rc;
    if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", s->path) >= sizeof(wal))
        return rk_err_set(err, RK_E_INVALID, "database path too long");
    rc = file_bytes(wal, &out->wal_bytes, err);
    if (rc != 0)
        return rc;
    rc = store_sq_reader(s, &c, err);
    if (rc != 0)
        return rc;
    /* Entries are numbered from 1 without gaps and never removed: the last number is the
     * count, read from the end of the rowid b-tree rather than by a scan. */
    rc = store_sq_prepare(c, "SELECT coalesce(max(seq), 0) FROM audit", &st, err);
    if (rc != 0)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        out->audit_entries = sqlite3_column_int64(st, 0);
    else
        rc = store_sq_err(err, c->db, src, "counting audit entries");
    store_sq_release(c, st);
    return rc;
}
