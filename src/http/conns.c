/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conns.c: the connections a server holds open. Those on which no request has authenticated
 * yet are kept in the order they opened; when there are more of them than the server allows,
 * or when a new one comes while every slot is taken, the oldest are shut down, so that
 * half-open or anonymous connections can never take the slots kept for members. Also fits the
 * process's file descriptor limit to the server.
 */
#include "http/http_int.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* After this long without shedding, the next shed starts a new episode (one warning each). */
#define SHED_EPISODE_US ((rk_time_us)10 * 1000 * 1000)

struct http_conn {
    struct http_conn *prev; /* older neighbour on the list of unauthenticated connections */
    struct http_conn *next; /* newer neighbour */
    int fd;                 /* the connection's socket, open until http_conns_close */
    bool listed;            /* on the list: not authenticated and not shed */
    bool shed;              /* shut down by the table: closing, no longer counted as live */
    bool member;            /* a request authenticated; read and written by its thread only */
};

struct http_conns {
    pthread_mutex_t lock;     /* guards everything below and every entry's prev, next, listed */
    struct http_conn *oldest; /* head of the list of unauthenticated connections */
    struct http_conn *newest; /* its tail */
    unsigned n_open;          /* entries opened and not yet closed */
    unsigned n_live;          /* of those, the ones not shed */
    unsigned max_live;        /* a new connection beyond this many live ones is refused */
    unsigned n_unauth;        /* entries on the list */
    unsigned max_unauth;      /* more on the list than this: the oldest are shed */
    unsigned long long shed;  /* connections shed in the current episode */
    rk_time_us last_shed;     /* when the last one was shed, or 0 */
};

struct http_conns *http_conns_new(unsigned max_live, unsigned max_unauth)
{
    assert(max_unauth > 0 && max_unauth <= max_live);
    struct http_conns *c = rk_calloc(1, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->max_live = max_live;
    c->max_unauth = max_unauth;
    return c;
}

void http_conns_free(struct http_conns *c)
{
    if (c == NULL)
        return;
    assert(c->n_open == 0 && c->oldest == NULL);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Takes e off the list. The caller holds c->lock. */
static void unlink_locked(struct http_conns *c, struct http_conn *e)
{
    assert(e->listed && c->n_unauth > 0);
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        c->oldest = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        c->newest = e->prev;
    e->prev = e->next = NULL;
    e->listed = false;
    c->n_unauth--;
}

/*
 * Shuts the oldest unauthenticated connection down. The caller holds c->lock, and its entry is
 * not yet closed, so its socket is still open and still its own: the event loop reports a
 * close (http_conns_close, which needs the lock) before it closes the socket. shutdown() is
 * safe from any thread and wakes the connection's worker, which reads the end of the stream
 * and closes the connection in its own thread; nothing is freed here.
 */
static void shed_oldest_locked(struct http_conns *c)
{
    struct http_conn *v = c->oldest;
    rk_time_us now = rk_time_now();
    unlink_locked(c, v);
    v->shed = true;
    c->n_live--;
    (void)shutdown(v->fd, SHUT_RDWR);
    if (c->last_shed == 0 || now - c->last_shed > SHED_EPISODE_US) {
        rk_log(RK_LOG_WARN,
               "http: more than %u connections without credentials, or all %u slots taken; "
               "shutting the oldest without credentials down",
               c->max_unauth, c->max_live);
        c->shed = 0;
    }
    c->shed++;
    c->last_shed = now;
}

struct http_conn *http_conns_open(struct http_conns *c, int fd)
{
    pthread_mutex_lock(&c->lock);
    /* Every slot taken: the oldest connection without credentials makes room, as it would for
     * any newcomer beyond max_unauth; if members hold them all, the newcomer is refused. */
    if (c->n_live >= c->max_live) {
        if (c->oldest == NULL) {
            pthread_mutex_unlock(&c->lock);
            return NULL;
        }
        shed_oldest_locked(c);
    }
    struct http_conn *e = rk_calloc(1, sizeof(*e));
    e->fd = fd;
    e->listed = true;
    e->prev = c->newest;
    if (c->newest != NULL)
        c->newest->next = e;
    else
        c->oldest = e;
    c->newest = e;
    c->n_unauth++;
    c->n_open++;
    c->n_live++;
    while (c->n_unauth > c->max_unauth)
        shed_oldest_locked(c);
    pthread_mutex_unlock(&c->lock);
    return e;
}

bool http_conns_promote(struct http_conns *c, struct http_conn *e)
{
    if (e == NULL || e->member)
        return false;
    e->member = true;
    pthread_mutex_lock(&c->lock);
    if (e->listed)
        unlink_locked(c, e);
    pthread_mutex_unlock(&c->lock);
    return true;
}

void http_conns_close(struct http_conns *c, struct http_conn *e)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    if (e->listed)
        unlink_locked(c, e);
    assert(c->n_open > 0);
    c->n_open--;
    if (!e->shed)
        c->n_live--;
    pthread_mutex_unlock(&c->lock);
    free(e);
}

unsigned http_conns_count_unauth(struct http_conns *c)
{
    pthread_mutex_lock(&c->lock);
    unsigned n = c->n_unauth;
    pthread_mutex_unlock(&c->lock);
    return n;
}

unsigned http_fd_limit_raise(unsigned want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rlim_t to = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        struct rlimit raised = {.rlim_cur = to, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl.rlim_cur = to;
    }
    return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want ? want : (unsigned)rl.rlim_cur;
}
