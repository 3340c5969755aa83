/* SPDX-License-Identifier: Apache-2.0 */
/*
 * worker.c: background work for modules. A worker is one thread that runs a job in rounds:
 * once when it starts, then whenever it is woken (work arrived) and, for a periodic job, at a
 * fixed rate. Stopping waits for the round in progress and joins the thread, so a module's
 * stop returns only when none of its code runs any more.
 */
#include "module/module.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct module_worker {
    pthread_t thread;        /* runs worker_main */
    pthread_mutex_t mu;      /* guards stop and woken */
    pthread_cond_t cv;       /* signalled by wake and stop; waits on CLOCK_MONOTONIC */
    bool stop;               /* module_worker_stop was called */
    bool woken;              /* a round was asked for since the last one began */
    atomic_bool stopping;    /* stop, readable without the lock from the job */
    module_job_fn job;       /* one round */
    void *arg;               /* job's argument */
    int64_t interval_us;     /* > 0: a periodic job */
    _Atomic uint64_t rounds; /* rounds finished */
    char name[16];           /* thread name (the kernel keeps 15 bytes) */
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct timespec mono_at(int64_t us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000};
    return ts;
}

static void *worker_main(void *arg)
{
    struct module_worker *w = arg;
    /* The first timed round is one interval after the start (the round at the start itself is
     * the wake-up module_worker_start leaves). */
    int64_t next = mono_us() + w->interval_us;
    (void)pthread_setname_np(pthread_self(), w->name);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && !w->woken) {
            if (w->interval_us <= 0) {
                pthread_cond_wait(&w->cv, &w->mu);
                continue;
            }
            if (mono_us() >= next)
                break;
            struct timespec at = mono_at(next);
            (void)pthread_cond_timedwait(&w->cv, &w->mu, &at);
        }
        if (w->stop)
            break;
        w->woken = false;
        pthread_mutex_unlock(&w->mu);
        w->job(w->arg, w);
        atomic_fetch_add(&w->rounds, 1);
        if (w->interval_us > 0) {
            int64_t now = mono_us();
            if (now >= next) { /* this was the timed round: schedule the next at a fixed rate */
                next += w->interval_us;
                if (next < now)
                    next = now; /* overran: at once, without repeating the missed ones */
            }
        }
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int module_worker_start(const char *name, module_job_fn job, void *arg, int64_t interval_us,
                        struct module_worker **out, struct rk_err *err)
{
    struct module_worker *w = rk_calloc(1, sizeof(*w));
    pthread_condattr_t ca;
    int prc;

    assert(job != NULL);
    *out = NULL;
    snprintf(w->name, sizeof(w->name), "%s", name != NULL ? name : "worker");
    w->job = job;
    w->arg = arg;
    w->interval_us = interval_us > 0 ? interval_us : 0;
    w->woken = true; /* the first round runs at once: work left by the previous run */
    atomic_init(&w->stopping, false);
    atomic_init(&w->rounds, 0);
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    prc = pthread_create(&w->thread, NULL, worker_main, w);
    if (prc != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return rk_err_set(err, RK_E_IO, "cannot start worker %s: %s", name != NULL ? name : "",
                          strerror(prc));
    }
    *out = w;
    return 0;
}

void module_worker_wake(struct module_worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->woken = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

bool module_worker_stopping(struct module_worker *w)
{
    return atomic_load(&w->stopping);
}

uint64_t module_worker_rounds(struct module_worker *w)
{
    return atomic_load(&w->rounds);
}

void module_worker_stop(struct module_worker *w)
{
    if (w == NULL)
        return;
    assert(!pthread_equal(pthread_self(), w->thread));
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    atomic_store(&w->stopping, true);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
