/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sqlite_sync.c: when a write is on disk. The writer commits with synchronous=NORMAL, which
 * writes the WAL without syncing it, and the thread that committed then syncs the WAL
 * itself once it no longer holds the write lock. So the fsync of one commit overlaps the
 * next writer's work instead of holding everybody up, and threads that committed meanwhile
 * share one fdatasync (group sync). A write is acknowledged only after its sync.
 *
 * Why this is as safe as synchronous=FULL for what is acknowledged: a WAL commit is durable
 * once the WAL file's bytes up to its commit frame are on disk, whoever syncs them; the
 * frames are written (pwrite) before the WAL hook counts the commit, so a sync that starts
 * after the count covers them. SQLite itself syncs the WAL before every checkpoint copies
 * frames into the database (and the database after), also with NORMAL, so a checkpoint
 * never carries an unsynced commit into the database file. What differs: another reader
 * may see a commit during its sync (about a millisecond) before it is acknowledged; if the
 * machine then lost power, that commit would be gone, and its writer was never told it
 * succeeded (docs/internals/store.md).
 */
#include "sqlite_int.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* This thread's last commit not yet waited for: (store, its commit_gen). */
static _Thread_local struct {
    struct store_sqlite *store;
    uint64_t gen;
} tl_commit;

void store_sq_sync_init(struct store_sqlite *s)
{
    pthread_mutex_init(&s->sync_mu, NULL);
    pthread_cond_init(&s->sync_cv, NULL);
    atomic_init(&s->commit_gen, 0);
    s->synced_gen = 0;
    s->syncing = false;
    s->sync_errno = 0;
    s->wal_fd = -1;
}

void store_sq_sync_fini(struct store_sqlite *s)
{
    if (tl_commit.store == s) { /* the closing thread's own note, if any */
        tl_commit.store = NULL;
        tl_commit.gen = 0;
    }
    if (s->wal_fd >= 0)
        close(s->wal_fd);
    s->wal_fd = -1;
    pthread_cond_destroy(&s->sync_cv);
    pthread_mutex_destroy(&s->sync_mu);
}

void store_sq_commit_counted(struct store_sqlite *s)
{
    /* Called under write_mu, so the counts follow the order of the commits in the WAL. */
    tl_commit.store = s;
    tl_commit.gen = atomic_fetch_add(&s->commit_gen, 1) + 1;
}

/* fsyncs the folder holding path (a new file's name must reach the disk too); errno or 0. */
static int sync_folder(const char *path)
{
    char copy[4096];
    if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
        return ENAMETOOLONG;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int rc = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

/*
 * Syncs the WAL; errno or 0. The descriptor is opened on first use (the WAL exists once
 * something was committed) and kept: SQLite removes the WAL only when its last connection
 * closes, and the writer stays open as long as the store. SQLite keeps no POSIX lock on
 * the WAL file itself (its locks are on the -shm file), so our descriptor cannot release
 * one. *sticky tells a failed fdatasync (nothing written since can be trusted) from a
 * failure to open the file or sync its folder (too many open files...), after which the
 * next sync tries again. Only the thread that set syncing calls it.
 */
static int wal_sync(struct store_sqlite *s, bool *sticky)
{
    *sticky = false;
    if (s->wal_fd < 0) {
        char wal[4096];
        if (snprintf(wal, sizeof(wal), "%s-wal", s->path) >= (int)sizeof(wal))
            return ENAMETOOLONG;
        int fd = open(wal, O_RDWR | O_CLOEXEC);
        if (fd < 0)
            return errno;
        int rc = sync_folder(wal);
        if (rc != 0) {
            close(fd);
            return rc;
        }
        s->wal_fd = fd;
    }
    if (fdatasync(s->wal_fd) == 0)
        return 0;
    *sticky = true;
    return errno;
}

int store_sq_durable(struct store_sqlite *s, struct rk_err *err)
{
    if (tl_commit.store != s || tl_commit.gen == 0)
        return 0; /* this thread committed nothing since it last waited */
    uint64_t want = tl_commit.gen;
    tl_commit.store = NULL;
    tl_commit.gen = 0;
    /* A count this store never reached is another store's that lived at the same address
     * (its op failed after its commit and never waited): waiting for it would never end. */
    uint64_t counted = atomic_load(&s->commit_gen);
    if (want > counted)
        want = counted;

    pthread_mutex_lock(&s->sync_mu);
    while (s->synced_gen < want && s->sync_errno == 0) {
        if (s->syncing) {
            pthread_cond_wait(&s->sync_cv, &s->sync_mu);
            continue;
        }
        /* Lead a sync for every commit counted so far (their frames are written). */
        s->syncing = true;
        uint64_t upto = atomic_load(&s->commit_gen);
        pthread_mutex_unlock(&s->sync_mu);
        bool sticky = false;
        int e = wal_sync(s, &sticky);
        pthread_mutex_lock(&s->sync_mu);
        s->syncing = false;
        if (e == 0 && upto > s->synced_gen)
            s->synced_gen = upto;
        else if (e != 0 && sticky)
            s->sync_errno = e;
        pthread_cond_broadcast(&s->sync_cv);
        if (e != 0 && !sticky) {
            /* This write is not acknowledged; a waiter woken above tries again. */
            pthread_mutex_unlock(&s->sync_mu);
            return rk_err_set(err, RK_E_IO,
                              "store: cannot open the write-ahead log %s-wal to sync it: %s",
                              s->path, strerror(e));
        }
    }
    int e = s->synced_gen >= want ? 0 : s->sync_errno;
    pthread_mutex_unlock(&s->sync_mu);
    if (e != 0)
        return rk_err_set(err, RK_E_IO,
                          "store: cannot sync the write-ahead log %s-wal: %s; no write is "
                          "acknowledged any more, restart the hub",
                          s->path, strerror(e));
    return 0;
}
