/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.c: the server's event loop. Worker threads accept connections, read request heads and
 * bodies (through TLS when configured), hand complete requests to server.c, and write the
 * answers back, with keep-alive, idle timeouts, and limits on connections in all and per
 * client address. Every byte a client sends is read here and parsed by head.c and chunked.c,
 * so every refusal is the server's own answer.
 */
#include "http/http_int.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS   64
#define ACCEPT_BATCH 16                 /* connections one worker accepts per wake-up */
#define IN_MIN       ((size_t)16384)    /* input buffer: at least, and beyond max_header */
#define LINGER_US    ((int64_t)2000000) /* reading what follows a refusal before closing */
#define LINGER_READS 16                 /* reads of input buffer size per event while lingering */
#define TLS_RECORD   ((size_t)16384)    /* plaintext bytes per TLS record written */
#define CONTINUE_100 "HTTP/1.1 100 Continue\r\n\r\n"

enum conn_state {
    ST_HANDSHAKE, /* TLS handshake */
    ST_HEAD,      /* reading a request head */
    ST_BODY,      /* reading a request body */
    ST_WRITE,     /* writing the response */
    ST_STREAM,    /* producing and writing a streamed response */
    ST_LINGER,    /* the response to a refusal is sent: reading and dropping until the end */
};

/* The worker's lists of connections: two by idle timeout, and the streams waiting for their
 * producer, which no idle timeout applies to. */
enum conn_list {
    LIST_ANON = 0,   /* no request authenticated on it: the short idle timeout */
    LIST_MEMBER = 1, /* a request authenticated: the configured idle timeout */
    LIST_PARKED = 2, /* a stream whose producer waits (for a wake-up or its wait_ms) */
    LIST_COUNT
};

/* Bytes a stream may send in one turn before the worker serves its other connections. */
#define STREAM_TURN ((size_t)256 * 1024)

struct worker;
struct conn;

struct http_stream {
    struct conn *conn;        /* the connection that sends it */
    struct http_stream *next; /* on the worker's list of woken streams (under its qlock) */
    atomic_bool pending;      /* woken since the producer was last called */
    atomic_bool queued;       /* on the worker's list of woken streams */
};

struct conn {
    struct worker *w;
    int fd;
    void *tls; /* TLS session, or NULL */
    enum conn_state state;
    struct sockaddr_storage peer; /* the client's address */
    bool counted;                 /* peer was admitted by the per-address table */
    bool member;                  /* a request authenticated: the long idle timeout */
    enum conn_list list;          /* the worker's list it is on */
    struct conn *prev, *next;     /* neighbours on that list, oldest first */
    int64_t last;                 /* monotonic microseconds of the last activity */
    int64_t linger_until;         /* ST_LINGER: close at this time at the latest */
    char *in;                     /* bytes received and not yet consumed */
    size_t in_len, in_cap;
    size_t scanned;         /* where the search for the end of the head resumes */
    size_t head_len;        /* bytes at the front of in that the current head lies in */
    bool in_request;        /* x holds a request (from a complete head to its end) */
    struct http_exchange x; /* the current request */
    uint64_t body_left;     /* Content-Length bytes still to come */
    struct http_chunked chunked;
    struct rk_buf out; /* bytes to send before the body: interim or response head */
    char *body;        /* the response body, stolen from x.resp (malloc'd) */
    size_t body_len;
    size_t sent;               /* bytes of out then body already sent */
    int status;                /* the response's status, for the log line */
    bool close_after;          /* close once the response is sent */
    bool linger;               /* and read what the client still sends for a while first */
    struct http_stream stream; /* ST_STREAM: what http_stream_wake() is given */
    bool chunked_out;          /* ST_STREAM: chunked framing (else until the close) */
    bool stream_ended;         /* ST_STREAM: the last piece is in out and body */
    bool stream_waiting;       /* ST_STREAM: the producer returned WAIT and was not woken */
    int64_t stream_due;        /* parked: call the producer at this time (0: only if woken) */
    size_t stream_bytes;       /* ST_STREAM: body bytes produced */
    struct conn *due_next;     /* expire(): streams due, collected before they run */
};

struct timeout_list {
    struct conn *oldest, *newest;
    int64_t timeout_us;
};

/* A connection accepted by one worker for another. */
struct handoff {
    struct handoff *next;
    int fd;
    struct sockaddr_storage peer;
    struct http_conn *acct;
};

struct worker {
    struct http_loop *loop;
    atomic_uint n_conns;   /* connections it holds or has been handed */
    pthread_mutex_t qlock; /* guards queue and woken */
    struct handoff *queue; /* connections handed to it, not yet opened */
    pthread_t thread;
    int ep;                                /* epoll instance */
    int wake;                              /* eventfd: stop, handed connections, woken streams */
    struct timeout_list lists[LIST_COUNT]; /* by enum conn_list */
    struct http_stream *woken;             /* streams woken from any thread (under qlock) */
    time_t date_s;                         /* second of date */
    char date[40];                         /* "Date: ...\r\n" for date_s */
};

struct http_loop {
    struct http_loop_config cfg;
    struct worker *workers;
    unsigned n_workers;
    atomic_uint n_open; /* connections open in all workers (the limit is in cfg.conns) */
    atomic_bool stop;
    size_t in_cap; /* input buffer of a connection */
};

static const char listen_tag, wake_tag; /* epoll data of the listening socket and the eventfd */

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- timeouts ----------------------------------------------------------------------------- */

static void list_unlink(struct timeout_list *l, struct conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        l->oldest = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        l->newest = c->prev;
    c->prev = c->next = NULL;
}

static void list_append(struct timeout_list *l, struct conn *c)
{
    c->prev = l->newest;
    c->next = NULL;
    if (l->newest != NULL)
        l->newest->next = c;
    else
        l->oldest = c;
    l->newest = c;
}

/* Activity on c: it moves to the end of its list, which stays sorted by last activity. */
static void touch(struct conn *c)
{
    struct timeout_list *l = &c->w->lists[c->list];
    c->last = mono_us();
    if (c->list == LIST_PARKED)
        return;
    if (l->newest != c) {
        list_unlink(l, c);
        list_append(l, c);
    }
}

/* ---- opening and closing ------------------------------------------------------------------- */

static void response_drop(struct conn *c)
{
    free(c->body);
    c->body = NULL;
    c->body_len = 0;
    rk_buf_reset(&c->out);
    c->sent = 0;
}

/*
 * Takes c's stream off the worker's list of woken streams. Called once its producer's end
 * callback returned: nothing can wake it any more, so it cannot come back.
 */
static void stream_forget(struct conn *c)
{
    struct worker *w = c->w;
    if (!atomic_load(&c->stream.queued))
        return;
    pthread_mutex_lock(&w->qlock);
    for (struct http_stream **p = &w->woken; *p != NULL; p = &(*p)->next) {
        if (*p == &c->stream) {
            *p = c->stream.next;
            break;
        }
    }
    c->stream.next = NULL;
    atomic_store(&c->stream.queued, false);
    pthread_mutex_unlock(&w->qlock);
}

static void conn_close(struct conn *c)
{
    struct http_loop *loop = c->w->loop;
    list_unlink(&c->w->lists[c->list], c);
    if (c->in_request) {
        if (c->state == ST_STREAM)
            c->x.bytes_sent = c->stream_bytes;
        else
            c->x.bytes_sent = c->sent > c->out.len ? c->sent - c->out.len : 0;
        http_server_end(loop->cfg.srv, &c->x, 0); /* a stream's end callback: not complete */
    }
    stream_forget(c);
    http_tls_session_free(c->tls, c->state != ST_HANDSHAKE);
    /* The entry goes before the descriptor, so that shedding never shuts a reused one down. */
    http_conns_close(loop->cfg.conns, c->x.acct);
    if (c->counted)
        http_peers_give(loop->cfg.peers, (struct sockaddr *)&c->peer);
    close(c->fd);
    atomic_fetch_sub(&c->w->n_conns, 1);
    response_drop(c);
    rk_buf_free(&c->out);
    rk_buf_free(&c->x.body);
    free(c->in);
    free(c);
    atomic_fetch_sub(&loop->n_open, 1);
}

static void conn_open(struct worker *w, int fd, const struct sockaddr_storage *peer,
                      struct http_conn *acct)
{
    struct http_loop *loop = w->loop;
    struct conn *c = rk_calloc(1, sizeof(*c));
    int one = 1;
    c->w = w;
    c->fd = fd;
    c->peer = *peer;
    c->counted = true;
    c->state = loop->cfg.tls != NULL ? ST_HANDSHAKE : ST_HEAD;
    c->in_cap = loop->in_cap;
    c->in = rk_malloc(c->in_cap);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->x.acct = acct;
    c->x.peer = &c->peer;
    c->last = mono_us();
    c->stream.conn = c;
    c->list = LIST_ANON;
    list_append(&w->lists[LIST_ANON], c);
    if (loop->cfg.tls != NULL) {
        c->tls = http_tls_session_new(loop->cfg.tls, fd);
        if (c->tls == NULL) {
            conn_close(c);
            return;
        }
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        conn_close(c);
        return;
    }
}

/* The worker holding the fewest connections, w itself on a tie: accepting is done by whichever
 * worker the kernel wakes, serving is spread evenly. */
static struct worker *least_loaded(struct worker *w)
{
    struct http_loop *loop = w->loop;
    struct worker *best = w;
    unsigned n = atomic_load(&w->n_conns);
    for (unsigned i = 0; i < loop->n_workers; i++) {
        unsigned k = atomic_load(&loop->workers[i].n_conns);
        if (k < n) {
            n = k;
            best = &loop->workers[i];
        }
    }
    return best;
}

/* Gives the accepted connection fd to worker t, which opens it in its own thread. */
static void hand_over(struct worker *t, int fd, const struct sockaddr_storage *peer,
                      struct http_conn *acct)
{
    struct handoff *h = rk_malloc(sizeof(*h));
    uint64_t one = 1;
    h->fd = fd;
    h->peer = *peer;
    h->acct = acct;
    pthread_mutex_lock(&t->qlock);
    h->next = t->queue;
    t->queue = h;
    pthread_mutex_unlock(&t->qlock);
    if (write(t->wake, &one, sizeof(one)) < 0)
        rk_log(RK_LOG_WARN, "http: cannot wake a worker: %s", strerror(errno));
}

/* Opens the connections handed to w. */
static void take_handoffs(struct worker *w)
{
    uint64_t n;
    if (read(w->wake, &n, sizeof(n)) < 0 && errno != EAGAIN)
        rk_log(RK_LOG_WARN, "http: worker wake-up: %s", strerror(errno));
    pthread_mutex_lock(&w->qlock);
    struct handoff *h = w->queue;
    w->queue = NULL;
    pthread_mutex_unlock(&w->qlock);
    while (h != NULL) {
        struct handoff *next = h->next;
        conn_open(w, h->fd, &h->peer, h->acct);
        free(h);
        h = next;
    }
}

static void accept_batch(struct worker *w)
{
    struct http_loop *loop = w->loop;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd =
            accept4(loop->cfg.listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                rk_log(RK_LOG_WARN, "http: cannot accept: %s", strerror(errno));
                struct timespec pause = {0, 10 * 1000 * 1000};
                nanosleep(&pause, NULL); /* the backlog waits rather than the loop spinning */
            }
            return;
        }
        if (!http_peers_take(loop->cfg.peers, (struct sockaddr *)&ss)) {
            close(fd);
            continue;
        }
        struct http_conn *acct = http_conns_open(loop->cfg.conns, fd);
        if (acct == NULL) {
            http_peers_give(loop->cfg.peers, (struct sockaddr *)&ss);
            close(fd);
            continue;
        }
        atomic_fetch_add(&loop->n_open, 1);
        struct worker *t = least_loaded(w);
        atomic_fetch_add(&t->n_conns, 1);
        if (t == w)
            conn_open(w, fd, &ss, acct);
        else
            hand_over(t, fd, &ss, acct);
    }
}

/* ---- input and output ----------------------------------------------------------------------- */

/* Reads up to n bytes: the count, 0 at the end of the stream, HTTP_IO_AGAIN or HTTP_IO_ERROR. */
static ssize_t conn_recv(struct conn *c, void *buf, size_t n)
{
    if (c->tls != NULL)
        return http_tls_recv(c->tls, buf, n);
    ssize_t r = recv(c->fd, buf, n, 0);
    if (r >= 0)
        return r;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return HTTP_IO_AGAIN;
    return HTTP_IO_ERROR;
}

/* Sends what is left of out and then of the body: 0 when all is sent, or HTTP_IO_*. */
static int conn_flush(struct conn *c)
{
    for (;;) {
        size_t total = c->out.len + c->body_len;
        if (c->sent == total)
            return 0;
        ssize_t r;
        if (c->tls != NULL) {
            const char *p =
                c->sent < c->out.len ? c->out.data + c->sent : c->body + (c->sent - c->out.len);
            size_t n = c->sent < c->out.len ? c->out.len - c->sent : total - c->sent;
            r = http_tls_send(c->tls, p, n < TLS_RECORD ? n : TLS_RECORD);
        } else {
            struct iovec iov[2];
            int n = 0;
            if (c->sent < c->out.len)
                iov[n++] = (struct iovec){c->out.data + c->sent, c->out.len - c->sent};
            if (c->body_len > 0) {
                size_t off = c->sent > c->out.len ? c->sent - c->out.len : 0;
                iov[n++] = (struct iovec){c->body + off, c->body_len - off};
            }
            struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
            r = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
            if (r < 0)
                r = errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? HTTP_IO_AGAIN
                                                                              : HTTP_IO_ERROR;
        }
        if (r < 0)
            return (int)r;
        c->sent += (size_t)r;
        touch(c);
    }
}

/* "Date: <IMF-fixdate>\r\n" of this second. */
static const char *date_line(struct worker *w)
{
    time_t now = time(NULL);
    if (now != w->date_s) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(w->date, sizeof(w->date), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        w->date_s = now;
    }
    return w->date;
}

/* A member's request authenticated: its connection moves to the long timeout. */
static void promote(struct conn *c)
{
    if (!c->x.promoted || c->member)
        return;
    assert(c->list == LIST_ANON);
    list_unlink(&c->w->lists[LIST_ANON], c);
    c->member = true;
    c->list = LIST_MEMBER;
    list_append(&c->w->lists[LIST_MEMBER], c);
}

/* Takes x.resp as the response to send: its head into c->out, its body stolen. */
static void response_start(struct conn *c)
{
    struct http_response *resp = &c->x.resp;
    struct http_head *h = &c->x.head;
    promote(c);
    response_drop(c);
    if (!h->keep_alive || h->status != 0)
        c->close_after = true;
    c->status = resp->status;
    bool head_only = c->x.req.method != NULL && strcmp(c->x.req.method, "HEAD") == 0;
    rk_buf_printf(&c->out, "HTTP/1.1 %d %s\r\n", resp->status, http_reason(resp->status));
    rk_buf_puts(&c->out, date_line(c->w));
    rk_buf_printf(&c->out, "Content-Type: %s\r\n",
                  resp->content_type != NULL ? resp->content_type : HTTP_TAXII_MEDIA);
    if (resp->streamed) {
        /* HTTP/1.0 has no chunks: the body ends where the connection does. */
        c->chunked_out = !resp->producer.sized && h->minor >= 1;
        if (resp->producer.sized)
            rk_buf_printf(&c->out, "Content-Length: %llu\r\n",
                          (unsigned long long)resp->producer.length);
        else if (c->chunked_out)
            rk_buf_puts(&c->out, "Transfer-Encoding: chunked\r\n");
        else
            c->close_after = true;
        c->stream_ended = head_only;
        c->stream_waiting = false;
        c->stream_due = 0;
        c->stream_bytes = 0;
        atomic_store(&c->stream.pending, false);
    } else {
        c->body_len = resp->body.len;
        c->body = rk_buf_steal(&resp->body);
        if (resp->status != 304) /* it would be the length of the 200 (RFC 9110 8.6) */
            rk_buf_printf(&c->out, "Content-Length: %zu\r\n", c->body_len);
        if (head_only) { /* the length of what a GET would get, and no body */
            free(c->body);
            c->body = NULL;
            c->body_len = 0;
        }
    }
    for (size_t i = 0; i < resp->n_headers; i++)
        rk_buf_printf(&c->out, "%s: %s\r\n", resp->hdr_name[i], resp->hdr_value[i]);
    if (c->close_after)
        rk_buf_puts(&c->out, "Connection: close\r\n");
    else if (h->minor == 0)
        rk_buf_puts(&c->out, "Connection: keep-alive\r\n");
    rk_buf_puts(&c->out, "\r\n");
    c->state = resp->streamed ? ST_STREAM : ST_WRITE;
}

/* Drops n consumed bytes that follow the current head in the input buffer (the head stays
 * where it is until the request ends: the request's strings point into it). */
static void in_consume(struct conn *c, size_t n)
{
    assert(c->head_len + n <= c->in_len);
    memmove(c->in + c->head_len, c->in + c->head_len + n, c->in_len - c->head_len - n);
    c->in_len -= n;
}

/* The head is complete (or refused): start the request. */
static void on_head(struct conn *c)
{
    struct http_loop *loop = c->w->loop;
    struct http_head *h = &c->x.head;
    c->in_request = true;
    c->x.started = rk_time_now();
    enum http_next next = http_server_on_head(loop->cfg.srv, &c->x);
    promote(c);
    if (next == HTTP_NEXT_ANSWER) {
        c->linger = true; /* the rest of the request may be on its way */
        response_start(c);
        c->close_after = true;
        return;
    }
    c->head_len = h->len;
    c->scanned = 0;
    if (next == HTTP_NEXT_DISPATCH) {
        http_server_on_request(loop->cfg.srv, &c->x);
        response_start(c);
        return;
    }
    c->body_left = h->has_length ? h->content_length : 0;
    memset(&c->chunked, 0, sizeof(c->chunked));
    if (h->expect_continue && h->minor >= 1 && c->in_len == c->head_len)
        rk_buf_puts(&c->out, CONTINUE_100);
    c->state = ST_BODY;
}

/* Moves buffered input into the body. Returns 1 when the body is complete, 0 when more is
 * needed, or the status of a refusal. */
static int body_take(struct conn *c)
{
    struct http_exchange *x = &c->x;
    if (x->head.chunked) {
        size_t used = 0;
        int rc = http_chunked_feed(&c->chunked, c->in + c->head_len, c->in_len - c->head_len, &used,
                                   &x->body, c->w->loop->cfg.max_body);
        in_consume(c, used);
        return rc == HTTP_CHUNKED_DONE ? 1 : rc;
    }
    size_t avail = c->in_len - c->head_len;
    size_t n = avail < c->body_left ? avail : (size_t)c->body_left;
    rk_buf_append(&x->body, c->in + c->head_len, n);
    in_consume(c, n);
    c->body_left -= n;
    return c->body_left == 0;
}

/* ---- streamed responses ---------------------------------------------------------------- */

/* c's producer waits: off the idle-timeout lists until it is woken or due. */
static void stream_park(struct conn *c)
{
    if (c->list == LIST_PARKED)
        return;
    unsigned wait_ms = c->x.resp.producer.wait_ms;
    list_unlink(&c->w->lists[c->list], c);
    c->list = LIST_PARKED;
    list_append(&c->w->lists[LIST_PARKED], c);
    c->stream_due = wait_ms > 0 ? mono_us() + (int64_t)wait_ms * 1000 : 0;
}

/* c's producer is to be called again: back on its idle-timeout list. */
static void stream_unpark(struct conn *c)
{
    assert(c->list == LIST_PARKED);
    list_unlink(&c->w->lists[LIST_PARKED], c);
    c->list = c->member ? LIST_MEMBER : LIST_ANON;
    list_append(&c->w->lists[c->list], c);
    c->stream_waiting = false;
    c->stream_due = 0;
    touch(c);
}

/*
 * Whether the client went away (end of stream or an error), reading what it sends meanwhile
 * (a pipelined request) while the input buffer has room. Only between writes: a TLS record
 * being written is never interleaved with a read.
 */
static bool stream_peer_gone(struct conn *c)
{
    while (c->in_len < c->in_cap) {
        ssize_t r = conn_recv(c, c->in + c->in_len, c->in_cap - c->in_len);
        if (r == HTTP_IO_AGAIN)
            return false;
        if (r <= 0)
            return true;
        c->in_len += (size_t)r;
    }
    return false;
}

/* Frames the piece a producer appended to data (consumed) as the next bytes to send. */
static void stream_frame(struct conn *c, struct rk_buf *data, bool last)
{
    assert(c->sent == 0 && c->out.len == 0 && c->body == NULL);
    c->stream_bytes += data->len;
    if (c->chunked_out) {
        if (data->len > 0) {
            rk_buf_printf(&c->out, "%zx\r\n", data->len);
            rk_buf_puts(data, "\r\n");
        }
        if (last)
            rk_buf_puts(data->len > 0 ? data : &c->out, "0\r\n\r\n");
    }
    c->body_len = data->len;
    c->body = c->body_len > 0 ? rk_buf_steal(data) : NULL;
    rk_buf_free(data);
}

enum stream_step {
    STREAM_WAIT,   /* waiting for the socket, a wake-up, its due time or its next turn */
    STREAM_DONE,   /* the last byte is sent */
    STREAM_CLOSED, /* the client went away or the producer failed: close the connection */
};

/*
 * Sends what was produced, and calls the producer for more once it is all sent, until the
 * socket would block, the producer waits, the body ends, or the stream used its turn (then
 * it is parked as due at once, so the worker's other connections are served first).
 */
static enum stream_step stream_run(struct conn *c)
{
    struct http_producer *p = &c->x.resp.producer;
    size_t turn = 0;
    for (;;) {
        if (c->sent < c->out.len + c->body_len) {
            int r = conn_flush(c);
            if (r == HTTP_IO_AGAIN)
                return STREAM_WAIT;
            if (r < 0)
                return STREAM_CLOSED;
        }
        turn += c->body_len;
        response_drop(c);
        if (c->stream_ended)
            return STREAM_DONE;
        if (stream_peer_gone(c))
            return STREAM_CLOSED;
        if (c->list == LIST_PARKED)
            return STREAM_WAIT; /* an event of the socket while the producer waits */
        if (c->stream_waiting && !atomic_load(&c->stream.pending)) {
            stream_park(c);
            return STREAM_WAIT;
        }
        if (turn >= STREAM_TURN) {
            stream_park(c);
            c->stream_due = mono_us();
            return STREAM_WAIT;
        }
        c->stream_waiting = false;
        atomic_store(&c->stream.pending, false);
        struct rk_buf data = RK_BUF_INIT;
        int rc = p->produce(p->state, &c->stream, &data);
        if (rc < 0 || rc > HTTP_PRODUCE_END) {
            rk_buf_free(&data);
            rk_log(RK_LOG_WARN, "http: %s %s: the producer failed (%d), connection closed",
                   c->x.req.method, c->x.req.path, rc);
            return STREAM_CLOSED;
        }
        if (p->sized && (c->stream_bytes + data.len > p->length ||
                         (rc == HTTP_PRODUCE_END && c->stream_bytes + data.len != p->length))) {
            rk_buf_free(&data);
            rk_log(RK_LOG_WARN, "http: %s %s: the body is not the %llu bytes announced",
                   c->x.req.method, c->x.req.path, (unsigned long long)p->length);
            return STREAM_CLOSED; /* the client sees a body shorter than announced */
        }
        if (rc == HTTP_PRODUCE_WAIT || (rc == HTTP_PRODUCE_MORE && data.len == 0))
            c->stream_waiting = true;
        c->stream_ended = rc == HTTP_PRODUCE_END;
        stream_frame(c, &data, c->stream_ended);
    }
}

/* Drops c's request once its response is sent; false when c is to be closed. */
static bool response_end(struct conn *c)
{
    struct http_loop *loop = c->w->loop;
    bool streamed = c->state == ST_STREAM;
    c->x.bytes_sent = streamed ? c->stream_bytes : c->body_len;
    c->x.resp.stream_complete = streamed;
    http_server_end(loop->cfg.srv, &c->x, c->status);
    if (streamed)
        stream_forget(c);
    c->in_request = false;
    response_drop(c);
    if (c->head_len > 0) { /* what follows is the next request */
        memmove(c->in, c->in + c->head_len, c->in_len - c->head_len);
        c->in_len -= c->head_len;
        c->head_len = 0;
    }
    if (c->close_after) {
        if (!c->linger)
            return false;
        /* Closing with unread bytes would reset the connection, and the client could
         * lose the answer: stop sending, read what still comes, then close. */
        if (c->tls != NULL)
            http_tls_session_free(c->tls, true);
        c->tls = NULL;
        (void)shutdown(c->fd, SHUT_WR);
        c->state = ST_LINGER;
        c->linger_until = mono_us() + LINGER_US;
        c->in_len = 0;
        return true;
    }
    c->state = ST_HEAD;
    return true;
}

/* Runs c's state machine until it waits for the socket. Returns false when c was closed. */
static bool conn_run(struct conn *c)
{
    struct http_loop *loop = c->w->loop;
    for (;;) {
        ssize_t r;
        switch (c->state) {
        case ST_HANDSHAKE:
            r = http_tls_handshake(c->tls);
            if (r == HTTP_IO_AGAIN)
                return true;
            if (r < 0)
                goto closed;
            touch(c);
            c->state = ST_HEAD;
            break;
        case ST_HEAD:
            if (c->in_len > 0 && http_head_parse(c->in, c->in_len, loop->cfg.max_header,
                                                 &c->scanned, &c->x.head) == HTTP_HEAD_DONE) {
                on_head(c);
                break;
            }
            if (c->in_len == c->in_cap)
                goto closed; /* cannot happen: in_cap > max_header */
            r = conn_recv(c, c->in + c->in_len, c->in_cap - c->in_len);
            if (r == HTTP_IO_AGAIN)
                return true;
            if (r <= 0)
                goto closed;
            c->in_len += (size_t)r;
            touch(c);
            break;
        case ST_BODY: {
            if (c->sent < c->out.len) { /* 100 Continue */
                r = conn_flush(c);
                if (r == HTTP_IO_AGAIN)
                    return true;
                if (r < 0)
                    goto closed;
                rk_buf_reset(&c->out);
                c->sent = 0;
            }
            int done = body_take(c);
            if (done == 1) {
                http_server_on_request(loop->cfg.srv, &c->x);
                response_start(c);
                break;
            }
            if (done > 1) {
                http_server_refuse_body(loop->cfg.srv, &c->x, done);
                c->linger = true;
                response_start(c);
                c->close_after = true;
                break;
            }
            /* A Content-Length body goes straight into its buffer, without a copy. */
            struct rk_buf *b = &c->x.body;
            if (!c->x.head.chunked && c->body_left > IN_MIN) {
                size_t want = c->body_left < (1u << 20) ? (size_t)c->body_left : (1u << 20);
                rk_buf_reserve(b, want);
                r = conn_recv(c, b->data + b->len, want);
                if (r > 0) {
                    b->len += (size_t)r;
                    b->data[b->len] = '\0';
                    c->body_left -= (uint64_t)r;
                }
            } else {
                r = conn_recv(c, c->in + c->in_len, c->in_cap - c->in_len);
                if (r > 0)
                    c->in_len += (size_t)r;
            }
            if (r == HTTP_IO_AGAIN)
                return true;
            if (r <= 0)
                goto closed;
            touch(c);
            if (c->body_left == 0 && !c->x.head.chunked) {
                http_server_on_request(loop->cfg.srv, &c->x);
                response_start(c);
            }
            break;
        }
        case ST_WRITE:
            r = conn_flush(c);
            if (r == HTTP_IO_AGAIN)
                return true;
            if (r < 0)
                goto closed;
            if (!response_end(c))
                goto closed;
            break;
        case ST_STREAM:
            switch (stream_run(c)) {
            case STREAM_WAIT:
                return true;
            case STREAM_CLOSED:
                goto closed;
            case STREAM_DONE:
                if (!response_end(c))
                    goto closed;
                break;
            }
            break;
        case ST_LINGER:
            /* A bounded read per event: a fast sender must not hold the worker. The next bytes
             * it sends wake the connection again, and the timeouts end it if none come. */
            for (int i = 0; i < LINGER_READS; i++) {
                r = recv(c->fd, c->in, c->in_cap, 0);
                if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                    return true;
                if (r <= 0 || mono_us() > c->linger_until)
                    goto closed;
            }
            return true;
        }
    }
closed:
    conn_close(c);
    return false;
}

/* Calls the producers of the parked streams whose time came. */
static void streams_due(struct worker *w)
{
    int64_t now = mono_us();
    struct conn *due = NULL, **tail = &due;
    /* Collected first: running one moves it off the list, or back onto it. */
    for (struct conn *c = w->lists[LIST_PARKED].oldest; c != NULL; c = c->next) {
        if (c->stream_due != 0 && c->stream_due <= now) {
            c->due_next = NULL;
            *tail = c;
            tail = &c->due_next;
        }
    }
    while (due != NULL) {
        struct conn *c = due;
        due = c->due_next;
        stream_unpark(c);
        (void)conn_run(c);
    }
}

/* Runs the streams woken by http_stream_wake(). */
static void streams_woken(struct worker *w)
{
    pthread_mutex_lock(&w->qlock);
    struct http_stream *s = w->woken;
    w->woken = NULL;
    pthread_mutex_unlock(&w->qlock);
    while (s != NULL) {
        struct http_stream *next = s->next;
        struct conn *c = s->conn;
        s->next = NULL;
        atomic_store(&s->queued, false);
        if (c->list == LIST_PARKED) {
            stream_unpark(c);
            (void)conn_run(c);
        }
        s = next;
    }
}

void http_stream_wake(struct http_stream *s)
{
    struct worker *w = s->conn->w;
    uint64_t one = 1;
    atomic_store(&s->pending, true);
    if (atomic_exchange(&s->queued, true))
        return;
    pthread_mutex_lock(&w->qlock);
    s->next = w->woken;
    w->woken = s;
    pthread_mutex_unlock(&w->qlock);
    if (write(w->wake, &one, sizeof(one)) < 0)
        rk_log(RK_LOG_WARN, "http: cannot wake a worker: %s", strerror(errno));
}

/* Runs the streams due, closes the connections idle for longer than their timeout; returns
 * the milliseconds until the next of either (at most one second). */
static int expire(struct worker *w)
{
    streams_due(w);
    int64_t now = mono_us();
    int64_t wait = 1000000;
    for (struct conn *c = w->lists[LIST_PARKED].oldest; c != NULL; c = c->next) {
        if (c->stream_due != 0 && c->stream_due - now < wait)
            wait = c->stream_due - now;
    }
    for (int i = LIST_ANON; i <= LIST_MEMBER; i++) {
        struct timeout_list *l = &w->lists[i];
        while (l->oldest != NULL) {
            struct conn *c = l->oldest;
            int64_t limit = c->state == ST_LINGER ? c->linger_until : c->last + l->timeout_us;
            if (limit > now) {
                if (limit - now < wait)
                    wait = limit - now;
                break;
            }
            conn_close(c);
        }
    }
    if (wait <= 0)
        return 0; /* a stream whose turn ended: serve the other connections, then it */
    return (int)(wait / 1000) + 1;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct http_loop *loop = w->loop;
    struct epoll_event evs[MAX_EVENTS];
    int timeout = 1000;
    while (!atomic_load(&loop->stop)) {
        int n = epoll_wait(w->ep, evs, MAX_EVENTS, timeout);
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &listen_tag)
                accept_batch(w);
            else if (p == &wake_tag) {
                take_handoffs(w);
                streams_woken(w);
            } else
                (void)conn_run(p);
        }
        timeout = expire(w);
    }
    take_handoffs(w); /* opened only to be closed like the others */
    for (int i = 0; i < LIST_COUNT; i++)
        while (w->lists[i].oldest != NULL)
            conn_close(w->lists[i].oldest);
    return NULL;
}

/* ---- starting and stopping ------------------------------------------------------------------- */

static void workers_stop(struct http_loop *l, unsigned started)
{
    uint64_t one = 1;
    atomic_store(&l->stop, true);
    for (unsigned i = 0; i < started; i++)
        if (write(l->workers[i].wake, &one, sizeof(one)) < 0)
            rk_log(RK_LOG_WARN, "http: cannot wake worker %u", i);
    for (unsigned i = 0; i < started; i++)
        pthread_join(l->workers[i].thread, NULL);
    /* Connections handed to a worker after it drained its queue: closed here. */
    for (unsigned i = 0; i < l->n_workers; i++) {
        struct handoff *h = l->workers[i].queue;
        l->workers[i].queue = NULL;
        while (h != NULL) {
            struct handoff *next = h->next;
            http_conns_close(l->cfg.conns, h->acct);
            http_peers_give(l->cfg.peers, (struct sockaddr *)&h->peer);
            close(h->fd);
            atomic_fetch_sub(&l->n_open, 1);
            free(h);
            h = next;
        }
    }
    for (unsigned i = 0; i < l->n_workers; i++) {
        if (l->workers[i].ep >= 0)
            close(l->workers[i].ep);
        if (l->workers[i].wake >= 0)
            close(l->workers[i].wake);
        pthread_mutex_destroy(&l->workers[i].qlock);
    }
}

int http_loop_start(const struct http_loop_config *cfg, struct http_loop **out, struct rk_err *err)
{
    struct http_loop *l = rk_calloc(1, sizeof(*l));
    unsigned started = 0;
    int rc = 0;
    l->cfg = *cfg;
    l->in_cap = cfg->max_header + 4096 > IN_MIN ? cfg->max_header + 4096 : IN_MIN;
    l->n_workers = cfg->threads;
    l->workers = rk_calloc(l->n_workers, sizeof(*l->workers));
    for (unsigned i = 0; i < l->n_workers; i++) {
        l->workers[i].ep = l->workers[i].wake = -1;
        pthread_mutex_init(&l->workers[i].qlock, NULL);
    }
    for (unsigned i = 0; i < l->n_workers; i++) {
        struct worker *w = &l->workers[i];
        w->loop = l;
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        w->lists[LIST_ANON].timeout_us = (int64_t)cfg->head_timeout_s * 1000000;
        w->lists[LIST_MEMBER].timeout_us = (int64_t)cfg->timeout_s * 1000000;
        struct epoll_event lev = {.events = EPOLLIN | EPOLLEXCLUSIVE,
                                  .data.ptr = (void *)(uintptr_t)&listen_tag};
        struct epoll_event wev = {.events = EPOLLIN, .data.ptr = (void *)(uintptr_t)&wake_tag};
        if (w->ep < 0 || w->wake < 0 ||
            epoll_ctl(w->ep, EPOLL_CTL_ADD, cfg->listen_fd, &lev) != 0 ||
            epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake, &wev) != 0) {
            rc = rk_err_set(err, RK_E_IO, "http: cannot set up worker %u: %s", i, strerror(errno));
            goto out;
        }
    }
    for (; started < l->n_workers; started++) {
        if (pthread_create(&l->workers[started].thread, NULL, worker_main, &l->workers[started]) !=
            0) {
            rc = rk_err_set(err, RK_E_IO, "http: cannot start worker %u", started);
            goto out;
        }
    }
    *out = l;
    return 0;
out:
    workers_stop(l, started);
    free(l->workers);
    free(l);
    return rc;
}

void http_loop_stop(struct http_loop *l)
{
    if (l == NULL)
        return;
    workers_stop(l, l->n_workers);
    assert(atomic_load(&l->n_open) == 0);
    free(l->workers);
    free(l);
}
