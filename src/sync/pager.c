/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pager.c: walks the pages of a TAXII GET objects request. It follows "next" when the
 * server gives one and falls back to added_after = X-TAXII-Date-Added-Last when the server
 * says "more" without a "next", as section 3.5 of TAXII 2.1 allows. "next" is opaque (a
 * server may hand out the same cursor id on every page), so whether the walk advances is
 * judged only from what the pages bring: objects not read before, or a later
 * X-TAXII-Date-Added-Last. A walk ends either because the server says there is no more, or
 * because the pager had to stop although the server said there was more, and then it says
 * why.
 */
#include "sync.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Slots of the first table of read objects; it doubles before it is half full. */
#define SEEN_MIN_SLOTS 1024

struct sync_pager {
    struct sync_client *client; /* borrowed; NULL when pages are fed by sync_pager_feed */
    char *objects_url;          /* the collection's objects endpoint */
    struct sync_query q;        /* filters; strings owned; limit always > 0 */
    char *next;                 /* "next" to send on the following request, or NULL */
    char *added_after;          /* added_after to send instead (3.5's fallback), or NULL */
    char *last_added;           /* latest X-TAXII-Date-Added-Last of a page with objects */
    rk_time_us latest;          /* latest X-TAXII-Date-Added-Last of any page, or -1 */
    enum sync_pager_end end;    /* SYNC_PAGER_RUNNING until the walk is over */
    struct rk_err why;          /* with SYNC_PAGER_STALLED or _FAILED: code and reason */
    unsigned stalls;            /* pages in a row that brought nothing new */
    size_t pages;               /* pages received */
    size_t objects;             /* objects handed out */
    uint64_t *seen;             /* keyed hashes of the (id, version) read; 0 is an empty slot */
    size_t seen_cap, seen_n;    /* slots (0 or a power of two) and hashes stored */
    unsigned char key[crypto_shorthash_KEYBYTES]; /* this walk's hash key */
    struct sync_response resp; /* the current page, owning the objects handed out */
};

static char *dup_or_null(const char *s)
{
    return s ? rk_strdup(s) : NULL;
}

struct sync_pager *sync_pager_new(struct sync_client *c, const char *objects_url,
                                  const struct sync_query *q)
{
    struct sync_pager *p = rk_calloc(1, sizeof(*p));
    p->client = c;
    p->objects_url = rk_strdup(objects_url);
    if (q != NULL) {
        p->q.added_after = dup_or_null(q->added_after);
        p->q.types = dup_or_null(q->types);
        p->q.ids = dup_or_null(q->ids);
        p->q.versions = dup_or_null(q->versions);
        p->q.limit = q->limit;
    }
    if (p->q.limit <= 0)
        p->q.limit = SYNC_PAGE_LIMIT;
    p->latest = -1;
    p->end = SYNC_PAGER_RUNNING;
    rk_random_bytes(p->key, sizeof(p->key));
    return p;
}

void sync_pager_free(struct sync_pager *p)
{
    if (p == NULL)
        return;
    free(p->objects_url);
    free((char *)p->q.added_after);
    free((char *)p->q.types);
    free((char *)p->q.ids);
    free((char *)p->q.versions);
    free(p->next);
    free(p->added_after);
    free(p->last_added);
    free(p->seen);
    sync_response_free(&p->resp);
    free(p);
}

const char *sync_pager_last_added(const struct sync_pager *p)
{
    return p->last_added;
}

size_t sync_pager_pages(const struct sync_pager *p)
{
    return p->pages;
}

size_t sync_pager_objects(const struct sync_pager *p)
{
    return p->objects;
}

enum sync_pager_end sync_pager_state(const struct sync_pager *p)
{
    return p->end;
}

char *sync_pager_url(const struct sync_pager *p)
{
    if (p->end != SYNC_PAGER_RUNNING)
        return NULL;
    return sync_page_url(p->objects_url, &p->q, p->next, p->added_after);
}

/* ---- what has been read ------------------------------------------------------------------ */

/* The keyed hash of an object's (id, version); never 0, which marks an empty slot. */
static uint64_t object_hash(const struct sync_pager *p, const json_t *o)
{
    const char *id = json_string_value(json_object_get(o, "id"));
    const char *ver = json_string_value(json_object_get(o, "modified"));
    if (ver == NULL)
        ver = json_string_value(json_object_get(o, "created"));
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_puts(&b, id ? id : "");
    rk_buf_putc(&b, '\0'); /* ids hold no NUL: "a" + "bc" and "ab" + "c" differ */
    rk_buf_puts(&b, ver ? ver : "");
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)b.data, b.len, p->key);
    rk_buf_free(&b);
    uint64_t h;
    memcpy(&h, out, sizeof(h));
    return h != 0 ? h : 1;
}

/* Inserts h into the open-addressing table slots (cap a power of two); true if it was new. */
static bool seen_insert(uint64_t *slots, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i] != 0) {
        if (slots[i] == h)
            return false;
        i = (i + 1) & (cap - 1);
    }
    slots[i] = h;
    return true;
}

/* Remembers o as read; true if it had not been read before on this walk. */
static bool seen_add(struct sync_pager *p, const json_t *o)
{
    if ((p->seen_n + 1) * 2 > p->seen_cap) {
        size_t cap = p->seen_cap ? 2 * p->seen_cap : SEEN_MIN_SLOTS;
        uint64_t *slots = rk_calloc(cap, sizeof(*slots));
        for (size_t i = 0; i < p->seen_cap; i++)
            if (p->seen[i] != 0)
                seen_insert(slots, cap, p->seen[i]);
        free(p->seen);
        p->seen = slots;
        p->seen_cap = cap;
    }
    if (!seen_insert(p->seen, p->seen_cap, object_hash(p, o)))
        return false;
    p->seen_n++;
    return true;
}

/*
 * Notes the page's X-TAXII-Date-Added-Last: returns true if it is later than any before (an
 * unreadable one never is), and keeps it as last_added when the page has objects.
 */
static bool note_added(struct sync_pager *p, const char *last, bool has_objects)
{
    rk_time_us t;
    if (last == NULL)
        return false;
    bool readable = rk_time_parse(last, &t) == 0;
    bool later = readable && t > p->latest;
    if (has_objects && (later || p->last_added == NULL)) {
        free(p->last_added);
        p->last_added = rk_strdup(last);
    }
    if (later)
        p->latest = t;
    return later;
}

/* Ends the walk after a request or page that failed: err and the pager keep its reason. */
static int fail(struct sync_pager *p, struct rk_err *err, int rc, const char *msg)
{
    p->end = SYNC_PAGER_FAILED;
    rk_err_set(&p->why, rc, "%s", msg);
    return rk_err_set(err, rc, "%s", msg);
}

/* ---- the walk ------------------------------------------------------------------------------ */

int sync_pager_feed(struct sync_pager *p, struct sync_response *resp, json_t **objects,
                    struct rk_err *err)
{
    char msg[160];
    *objects = NULL;
    if (p->end != SYNC_PAGER_RUNNING)
        return rk_err_set(err, RK_E_INTERNAL, "sync_pager_feed: the walk is over");
    sync_response_free(&p->resp);
    p->resp = *resp;
    memset(resp, 0, sizeof(*resp));
    p->pages++;
    free(p->next);
    free(p->added_after);
    p->next = NULL;
    p->added_after = NULL;

    json_t *body = p->resp.body;
    if (!json_is_object(body)) {
        snprintf(msg, sizeof(msg), "page %zu: the server's answer is not an envelope", p->pages);
        return fail(p, err, RK_E_INVALID, msg);
    }
    json_t *list = json_object_get(body, "objects");
    if (list == NULL) {
        /* An empty envelope may omit "objects"; hand out an empty array it owns. */
        json_object_set_new(body, "objects", json_array());
        list = json_object_get(body, "objects");
    }
    if (!json_is_array(list)) {
        snprintf(msg, sizeof(msg), "page %zu: \"objects\" is not a list", p->pages);
        return fail(p, err, RK_E_INVALID, msg);
    }

    size_t n = json_array_size(list), got = n, fresh = 0, i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        if (json_is_object(o) && seen_add(p, o))
            fresh++;
    }
    bool later = note_added(p, p->resp.date_added_last, n > 0);
    bool more = json_is_true(json_object_get(body, "more"));
    const char *next = json_string_value(json_object_get(body, "next"));

    if (fresh > 0 || later) {
        p->stalls = 0;
    } else {
        /* Every object of the page was read before (or there is none) and the server's
         * clock did not move: hand out nothing, so that a repeated page is not written
         * twice. */
        json_array_clear(list);
        n = 0;
        if (more)
            p->stalls++;
    }
    p->objects += n;
    *objects = list;

    if (!more) {
        /* The server's last word, even after an empty page that followed "more" (objects
         * deleted meanwhile, section 3.5). */
        p->end = SYNC_PAGER_COMPLETE;
        return 1;
    }
    /* The walk ends here although the server says there is more: the page's objects are
     * handed out all the same, and the next call reports why the walk stopped. */
    if (p->stalls >= SYNC_PAGER_MAX_STALLS) {
        p->end = SYNC_PAGER_STALLED;
        if (got == 0)
            rk_err_set(&p->why, RK_E_INVALID,
                       "the server says more objects are available but its last %d pages "
                       "brought none (stopped after %zu objects)",
                       SYNC_PAGER_MAX_STALLS, p->objects);
        else
            rk_err_set(&p->why, RK_E_INVALID,
                       "the server repeats itself: it says more objects are available but its "
                       "last %d pages brought only objects already read and no later "
                       "X-TAXII-Date-Added-Last (stopped after %zu objects)",
                       SYNC_PAGER_MAX_STALLS, p->objects);
    } else if (next != NULL && *next != '\0') {
        p->next = rk_strdup(next);
    } else if (p->resp.date_added_last != NULL) {
        p->added_after = rk_strdup(p->resp.date_added_last);
    } else {
        p->end = SYNC_PAGER_STALLED;
        rk_err_set(&p->why, RK_E_INVALID,
                   "page %zu says more objects are available but gives neither \"next\" nor "
                   "X-TAXII-Date-Added-Last to ask for them (stopped after %zu objects)",
                   p->pages, p->objects);
    }
    return 1;
}

int sync_pager_next(struct sync_pager *p, json_t **objects, struct rk_err *err)
{
    *objects = NULL;
    if (p->end == SYNC_PAGER_COMPLETE)
        return 0;
    if (p->end != SYNC_PAGER_RUNNING)
        return rk_err_set(err, p->why.code, "%s", p->why.msg);
    char *url = sync_pager_url(p);
    struct sync_response resp;
    struct rk_err e2;
    rk_err_clear(&e2);
    int rc = sync_get_json(p->client, url, &resp, &e2);
    free(url);
    if (rc != 0) {
        sync_response_free(&resp);
        return fail(p, err, rc, e2.msg);
    }
    return sync_pager_feed(p, &resp, objects, err);
}
