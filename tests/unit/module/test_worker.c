/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_worker.c: the background workers of modules (src/module/worker.c): a first round at
 * once, a round per wake-up, a periodic job at its rate, rounds that never overlap, and a
 * stop that lets the round in progress finish, joins, and never runs a round after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <time.h>

#include "module/module.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Waits up to ms for *v to reach at least want; returns its value. */
static int wait_for(atomic_int *v, int want, int ms)
{
    int64_t end = now_ms() + ms;
    while (atomic_load(v) < want && now_ms() < end)
        sleep_ms(1);
    return atomic_load(v);
}

/* ---- a job that counts, and can be made slow -------------------------------------------- */

struct job {
    atomic_int rounds;   /* rounds begun */
    atomic_int finished; /* rounds finished */
    atomic_int inside;   /* rounds running now (never more than one) */
    atomic_int overlap;  /* times two ran at once */
    atomic_int saw_stop; /* a round that saw module_worker_stopping */
    int sleep_ms;        /* each round takes this long */
    bool until_stop;     /* a round runs until asked to stop */
};

static void job_round(void *arg, struct module_worker *w)
{
    struct job *j = arg;
    if (atomic_fetch_add(&j->inside, 1) != 0)
        atomic_fetch_add(&j->overlap, 1);
    atomic_fetch_add(&j->rounds, 1);
    if (j->sleep_ms > 0)
        sleep_ms(j->sleep_ms);
    while (j->until_stop && !module_worker_stopping(w))
        sleep_ms(1);
    if (module_worker_stopping(w))
        atomic_store(&j->saw_stop, 1);
    atomic_fetch_sub(&j->inside, 1);
    atomic_fetch_add(&j->finished, 1);
}

static void first_round_at_once_then_one_per_wake(void **state)
{
    (void)state;
    struct job j = {0};
    struct module_worker *w = NULL;
    struct rk_err err;

    assert_int_equal(module_worker_start("test-wake", job_round, &j, 0, &w, &err), 0);
    assert_non_null(w);
    /* Work left by the previous run is picked up at once. */
    assert_int_equal(wait_for(&j.finished, 1, 5000), 1);
    sleep_ms(50);
    assert_int_equal(atomic_load(&j.rounds), 1); /* no interval: nothing more until woken */
    module_worker_wake(w);
    assert_int_equal(wait_for(&j.finished, 2, 5000), 2);
    module_worker_wake(w);
    assert_int_equal(wait_for(&j.finished, 3, 5000), 3);
    assert_int_equal(module_worker_rounds(w), 3);
    module_worker_stop(w);
    assert_int_equal(atomic_load(&j.rounds), 3);
    assert_int_equal(atomic_load(&j.overlap), 0);
}

static void wakes_during_a_round_give_one_more_round_and_never_overlap(void **state)
{
    (void)state;
    struct job j = {.sleep_ms = 30};
    struct module_worker *w = NULL;
    struct rk_err err;

    assert_int_equal(module_worker_start("test-overlap", job_round, &j, 0, &w, &err), 0);
    assert_int_equal(wait_for(&j.rounds, 1, 5000), 1);
    for (int i = 0; i < 20; i++)
        module_worker_wake(w); /* during the first round: they fold into one more */
    assert_int_equal(wait_for(&j.finished, 2, 5000), 2);
    sleep_ms(100);
    assert_int_equal(atomic_load(&j.finished), 2);
    assert_int_equal(atomic_load(&j.overlap), 0);
    module_worker_stop(w);
}

static void periodic_job_runs_at_its_rate(void **state)
{
    (void)state;
    struct job j = {0};
    struct module_worker *w = NULL;
    struct rk_err err;
    const int64_t interval_ms = 20;

    int64_t t0 = now_ms();
    assert_int_equal(module_worker_start("test-timer", job_round, &j, interval_ms * 1000, &w, &err),
                     0);
    sleep_ms(300);
    module_worker_stop(w);
    int64_t took = now_ms() - t0;
    int rounds = atomic_load(&j.finished);
    /* One at the start, then one every 20 ms: about 15 in 300 ms. A loaded machine may run
     * fewer, never more than the elapsed time allows. */
    assert_true(rounds >= 5);
    assert_true(rounds <= took / interval_ms + 1);
    assert_int_equal(atomic_load(&j.overlap), 0);
}

static void stop_waits_for_the_round_in_progress(void **state)
{
    (void)state;
    struct job j = {.sleep_ms = 200};
    struct module_worker *w = NULL;
    struct rk_err err;

    assert_int_equal(module_worker_start("test-slow", job_round, &j, 0, &w, &err), 0);
    assert_int_equal(wait_for(&j.rounds, 1, 5000), 1);
    int64_t t0 = now_ms();
    module_worker_stop(w); /* mid-round: the round finishes, nothing is cut */
    assert_int_equal(atomic_load(&j.finished), 1);
    assert_int_equal(atomic_load(&j.inside), 0);
    assert_true(now_ms() - t0 >= 100);
    assert_int_equal(atomic_load(&j.saw_stop), 1); /* it could have stopped early */
}

static void a_long_round_sees_the_stop(void **state)
{
    (void)state;
    struct job j = {.until_stop = true};
    struct module_worker *w = NULL;
    struct rk_err err;

    assert_int_equal(module_worker_start("test-long", job_round, &j, 0, &w, &err), 0);
    assert_int_equal(wait_for(&j.rounds, 1, 5000), 1);
    module_worker_stop(w); /* returns only because the round checks module_worker_stopping */
    assert_int_equal(atomic_load(&j.finished), 1);
    assert_int_equal(atomic_load(&j.saw_stop), 1);
}

static void stop_while_idle_is_prompt_and_runs_nothing_more(void **state)
{
    (void)state;
    struct job j = {0};
    struct module_worker *w = NULL;
    struct rk_err err;

    /* A daily job: stopping must not wait for its next round. */
    assert_int_equal(
        module_worker_start("test-daily", job_round, &j, INT64_C(86400) * 1000000, &w, &err), 0);
    assert_int_equal(wait_for(&j.finished, 1, 5000), 1);
    int64_t t0 = now_ms();
    module_worker_stop(w);
    assert_true(now_ms() - t0 < 1000);
    sleep_ms(30);
    assert_int_equal(atomic_load(&j.rounds), 1);
    module_worker_stop(NULL); /* a no-op */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_round_at_once_then_one_per_wake),
        cmocka_unit_test(wakes_during_a_round_give_one_more_round_and_never_overlap),
        cmocka_unit_test(periodic_job_runs_at_its_rate),
        cmocka_unit_test(stop_waits_for_the_round_in_progress),
        cmocka_unit_test(a_long_round_sees_the_stop),
        cmocka_unit_test(stop_while_idle_is_prompt_and_runs_nothing_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
