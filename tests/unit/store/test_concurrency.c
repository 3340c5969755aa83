/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_concurrency.c: concurrent writers get unique, increasing date_added values that a
 * concurrent added_after reader sees exactly once; and a writer killed with SIGKILL loses
 * nothing it had acknowledged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "test_store_helpers.h"

#define COLL      "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
#define WRITERS   4
#define BATCHES   25
#define PER_BATCH 40
#define TOTAL     (WRITERS * BATCHES * PER_BATCH)

struct shared {
    struct store *s;
    int writers_done; /* under mu */
    pthread_mutex_t mu;
    int errors;
};

struct writer_arg {
    struct shared *sh;
    int index;
};

static void *writer_main(void *p)
{
    struct writer_arg *a = p;
    static _Thread_local char bodies[PER_BATCH][160];
    static _Thread_local char ids[PER_BATCH][64];
    struct store_put puts[PER_BATCH];
    for (int b = 0; b < BATCHES; b++) {
        for (int i = 0; i < PER_BATCH; i++) {
            snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8%03d-%012d", a->index,
                     b * PER_BATCH + i);
            puts[i] = tput(ids[i], 7, "c", bodies[i], sizeof(bodies[i]));
        }
        struct rk_err err;
        int rc = store_put_objects(a->sh->s, COLL, puts, PER_BATCH, &err);
        pthread_mutex_lock(&a->sh->mu);
        if (rc != 0)
            a->sh->errors++;
        for (int i = 0; i < PER_BATCH; i++)
            if (puts[i].result != STORE_PUT_NEW)
                a->sh->errors++;
        pthread_mutex_unlock(&a->sh->mu);
    }
    pthread_mutex_lock(&a->sh->mu);
    a->sh->writers_done++;
    pthread_mutex_unlock(&a->sh->mu);
    return NULL;
}

/* What the paging reader saw. */
struct reader_state {
    rk_time_us *added; /* every date_added seen, in order */
    size_t n;
    bool out_of_order;
};

static int reader_row(void *ctx, const struct store_row *row)
{
    struct reader_state *r = ctx;
    if (r->n > 0 && row->date_added <= r->added[r->n - 1])
        r->out_of_order = true;
    if (r->n < TOTAL + 1)
        r->added[r->n] = row->date_added;
    r->n++;
    return 0;
}

static void concurrent_writers_and_reader(void **state)
{
    struct tstore t;
    memset(&t, 0, sizeof(t));
    tstore_open(&t);
    struct shared sh = {.s = t.s};
    pthread_mutex_init(&sh.mu, NULL);
    pthread_t th[WRITERS];
    struct writer_arg args[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        args[i] = (struct writer_arg){&sh, i};
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &args[i]), 0);
    }

    /* Page with added_after while the writers run, until they are done and a last pass
     * finds nothing new. */
    struct reader_state r = {.added = calloc(TOTAL + 1, sizeof(rk_time_us))};
    struct store_query q = {.collection_id = COLL, .added_after = -1, .limit = 37};
    bool finished = false;
    for (;;) {
        pthread_mutex_lock(&sh.mu);
        bool done = sh.writers_done == WRITERS;
        pthread_mutex_unlock(&sh.mu);
        struct store_page page;
        struct rk_err err;
        assert_int_equal(store_query(t.s, &q, NULL, NULL, reader_row, &r, &page, &err), 0);
        if (page.count > 0)
            q.added_after = page.last_added;
        if (!page.more && finished)
            break;
        if (!page.more && done)
            finished = true; /* one more pass after the writers are all done */
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(sh.errors, 0);
    assert_false(r.out_of_order); /* strictly increasing, hence unique */
    assert_int_equal(r.n, TOTAL);
    int64_t count = 0;
    struct rk_err err;
    assert_int_equal(store_count_objects(t.s, COLL, &count, &err), 0);
    assert_int_equal(count, TOTAL);
    free(r.added);
    pthread_mutex_destroy(&sh.mu);
    tstore_remove(&t);
}

/* The child: puts batches forever, writing the acknowledged total after each put returns. */
static void crash_child(const char *location, int fd)
{
    struct store *s = NULL;
    struct rk_err err;
    if (tstore_open_at(location, &s, &err) != 0)
        _exit(3);
    static char bodies[50][160];
    static char ids[50][64];
    struct store_put puts[50];
    uint32_t acked = 0;
    for (int b = 0;; b++) {
        for (int i = 0; i < 50; i++) {
            snprintf(ids[i], sizeof(ids[i]), "indicator--00000000-0000-4000-8000-%012d",
                     b * 50 + i);
            puts[i] = tput(ids[i], 1, "k", bodies[i], sizeof(bodies[i]));
        }
        if (store_put_objects(s, COLL, puts, 50, &err) != 0)
            _exit(4);
        acked += 50;
        if (write(fd, &acked, sizeof(acked)) != (ssize_t)sizeof(acked))
            _exit(5);
    }
}

static void sigkill_loses_nothing_acknowledged(void **state)
{
    struct tstore t;
    memset(&t, 0, sizeof(t));
    tstore_open(&t); /* creates the schema and the directory */
    store_close(t.s);
    t.s = NULL;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        crash_child(t.location, fds[1]);
        _exit(0);
    }
    close(fds[1]);
    /* Let it acknowledge a random number of batches (between 3 and 40), then kill it at a
     * random moment inside the next one. */
    srand((unsigned)time(NULL) ^ (unsigned)pid);
    uint32_t want = (uint32_t)(3 + rand() % 38) * 50;
    uint32_t acked = 0, v;
    while (acked < want && read(fds[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
        acked = v;
    struct timespec ts = {0, (long)(rand() % 3000) * 1000};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    /* Acknowledgements written before the kill still count. */
    while (read(fds[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
        acked = v;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_true(acked >= want);

    tstore_open(&t);
    int64_t count = 0;
    struct rk_err err;
    assert_int_equal(store_count_objects(t.s, COLL, &count, &err), 0);
    assert_true(count >= (int64_t)acked);
    assert_true(count <= (int64_t)acked + 50); /* at most the batch in flight */
    assert_int_equal(count % 50, 0);           /* a batch is all or nothing */
    tstore_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_writers_and_reader),
        cmocka_unit_test(sigkill_loses_nothing_acknowledged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
