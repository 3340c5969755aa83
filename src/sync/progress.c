/* SPDX-License-Identifier: Apache-2.0 */
/*
 * progress.c: a one-line progress display on stderr for long pushes and pulls, shown only
 * on a terminal so that scripts and logs stay clean.
 */
#include "sync.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sync_progress_start(struct sync_progress *p, const char *what, bool want)
{
    p->enabled = want && isatty(STDERR_FILENO);
    p->start = mono_s();
    p->last_draw = 0;
    p->what = what;
}

void sync_progress_update(struct sync_progress *p, size_t done, size_t total, bool force)
{
    if (!p->enabled)
        return;
    double now = mono_s();
    if (!force && now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    double elapsed = now - p->start;
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    if (total > 0) {
        char bar[31];
        size_t fill = done >= total ? 30 : done * 30 / total;
        for (size_t i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        double eta = rate > 0 && done < total ? (double)(total - done) / rate : 0;
        fprintf(stderr, "\r[%s] %zu/%zu %s  %.0f/s  ETA %.0fs   ", bar, done, total, p->what, rate,
                eta);
    } else {
        fprintf(stderr, "\r%zu %s  %.0f/s  %.0fs   ", done, p->what, rate, elapsed);
    }
    fflush(stderr);
}

void sync_progress_end(struct sync_progress *p)
{
    if (!p->enabled)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
}
