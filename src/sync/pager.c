/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pager.c: walks the pages of a TAXII GET objects request. It follows "next" when the
 * server gives one and falls back to added_after = X-TAXII-Date-Added-Last when the server
 * says "more" without a "next", as section 3.4 of TAXII 2.1 allows.
 */
#include "sync.h"

#include <stdlib.h>
#include <string.h>

struct sync_pager {
    struct sync_client *client; /* borrowed */
    char *objects_url;          /* the collection's objects endpoint */
    struct sync_query q;        /* filters; strings owned */
    char *next;                 /* "next" of the last page, or NULL */
    char *added_after;          /* fallback lower bound from the last page, or NULL */
    char *last_added;           /* X-TAXII-Date-Added-Last of the last page with objects */
    bool done;                  /* no more pages */
    size_t pages;               /* pages fetched */
    struct sync_response resp;  /* the current page, owning the objects handed out */
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

int sync_pager_next(struct sync_pager *p, json_t **objects, struct rk_err *err)
{
    *objects = NULL;
    if (p->done)
        return 0;
    sync_response_free(&p->resp);
    char *url = sync_page_url(p->objects_url, &p->q, p->next, p->added_after);
    int rc = sync_get_json(p->client, url, &p->resp, err);
    free(url);
    if (rc != 0) {
        p->done = true;
        return rc;
    }
    p->pages++;
    json_t *body = p->resp.body;
    if (!json_is_object(body)) {
        p->done = true;
        return rk_err_set(err, RK_E_INVALID, "page %zu: the server's answer is not an envelope",
                          p->pages);
    }
    json_t *list = json_object_get(body, "objects");
    if (list == NULL) {
        /* An empty envelope may omit "objects"; hand out an empty array it owns. */
        json_object_set_new(body, "objects", json_array());
        list = json_object_get(body, "objects");
    }
    if (!json_is_array(list)) {
        p->done = true;
        return rk_err_set(err, RK_E_INVALID, "page %zu: \"objects\" is not a list", p->pages);
    }
    if (json_array_size(list) > 0 && p->resp.date_added_last != NULL) {
        free(p->last_added);
        p->last_added = rk_strdup(p->resp.date_added_last);
    }

    bool more = json_is_true(json_object_get(body, "more"));
    const char *next = json_string_value(json_object_get(body, "next"));
    char *old_next = p->next;
    char *old_after = p->added_after;
    p->next = NULL;
    p->added_after = NULL;
    if (!more || json_array_size(list) == 0) {
        /* An empty page with "more" happens when objects were deleted meanwhile: stop, or a
         * server that keeps saying "more" would make us loop for ever. */
        p->done = true;
    } else if (next != NULL && *next != '\0') {
        if (old_next != NULL && strcmp(old_next, next) == 0)
            p->done = true; /* the server repeats itself: do not loop */
        else
            p->next = rk_strdup(next);
    } else if (p->resp.date_added_last != NULL) {
        if (old_after != NULL && strcmp(old_after, p->resp.date_added_last) == 0)
            p->done = true;
        else
            p->added_after = rk_strdup(p->resp.date_added_last);
    } else {
        p->done = true; /* "more" but no way to ask for it */
    }
    free(old_next);
    free(old_after);
    *objects = list;
    return 1;
}
