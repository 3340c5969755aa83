/* SPDX-License-Identifier: Apache-2.0 */
/*
 * url.c: derives the API root, collection and objects URLs a TAXII client needs from the
 * one URL a user gives, and builds page and status URLs from them.
 */
#include "sync.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sync_urls_free(struct sync_urls *u)
{
    if (u == NULL)
        return;
    free(u->api_root);
    free(u->collection_id);
    free(u->collection);
    free(u->objects);
    memset(u, 0, sizeof(*u));
}

static char *concat3(const char *a, const char *b, const char *c)
{
    struct rk_buf buf = RK_BUF_INIT;
    rk_buf_puts(&buf, a);
    rk_buf_puts(&buf, b);
    rk_buf_puts(&buf, c);
    return rk_buf_steal(&buf);
}

int sync_urls_parse(const char *url, struct sync_urls *out, struct rk_err *err)
{
    int rc = 0;
    char *copy = NULL;
    memset(out, 0, sizeof(*out));
    if (url == NULL || (!rk_starts_with(url, "http://") && !rk_starts_with(url, "https://")))
        return rk_err_set(err, RK_E_INVALID, "URL must start with http:// or https://: %s",
                          url ? url : "(none)");
    copy = rk_strdup(url);
    copy[strcspn(copy, "?#")] = '\0';

    /* The last "/collections/" after the host: an API root may itself contain the word. */
    const char *host = copy + (rk_starts_with(copy, "https://") ? 8 : 7);
    const char *slash = strchr(host, '/');
    char *coll = NULL;
    for (char *p = slash ? strstr(slash, "/collections/") : NULL; p != NULL;
         p = strstr(p + 1, "/collections/"))
        coll = p;
    if (coll == NULL) {
        rc = rk_err_set(err, RK_E_INVALID,
                        "URL does not name a collection (expected .../collections/<id>/): %s", url);
        goto out;
    }
    char *id = coll + strlen("/collections/");
    size_t idlen = strcspn(id, "/");
    const char *rest = id + idlen;
    if (*rest == '/')
        rest++;
    if (idlen == 0 ||
        !(*rest == '\0' || strcmp(rest, "objects") == 0 || strcmp(rest, "objects/") == 0)) {
        rc = rk_err_set(err, RK_E_INVALID,
                        "URL must be a collection URL (.../collections/<id>/) or its objects "
                        "URL (.../collections/<id>/objects/): %s",
                        url);
        goto out;
    }
    out->collection_id = rk_strndup(id, idlen);
    coll[1] = '\0'; /* keep the slash that ends the API root */
    out->api_root = rk_strdup(copy);
    out->collection = concat3(out->api_root, "collections/", out->collection_id);
    char *tmp = concat3(out->collection, "/", "");
    free(out->collection);
    out->collection = tmp;
    out->objects = concat3(out->collection, "objects/", "");
out:
    free(copy);
    return rc;
}

char *sync_status_url(const char *api_root, const char *status_id)
{
    struct rk_buf b = RK_BUF_INIT;
    rk_buf_puts(&b, api_root);
    if (b.len == 0 || b.data[b.len - 1] != '/')
        rk_buf_putc(&b, '/');
    rk_buf_puts(&b, "status/");
    char *esc = curl_escape(status_id, 0);
    rk_buf_puts(&b, esc ? esc : "");
    curl_free(esc);
    rk_buf_putc(&b, '/');
    return rk_buf_steal(&b);
}

/* Appends "&name=value" (or "?" first) with value percent-encoded. */
static void add_param(struct rk_buf *b, bool *first, const char *name, const char *value)
{
    char *esc = curl_escape(value, 0);
    rk_buf_putc(b, *first ? '?' : '&');
    rk_buf_puts(b, name);
    rk_buf_putc(b, '=');
    rk_buf_puts(b, esc ? esc : "");
    curl_free(esc);
    *first = false;
}

char *sync_page_url(const char *objects_url, const struct sync_query *q, const char *next,
                    const char *added_after)
{
    struct rk_buf b = RK_BUF_INIT;
    bool first = strchr(objects_url, '?') == NULL;
    rk_buf_puts(&b, objects_url);
    if (q != NULL) {
        if (q->types != NULL)
            add_param(&b, &first, "match%5Btype%5D", q->types);
        if (q->ids != NULL)
            add_param(&b, &first, "match%5Bid%5D", q->ids);
        if (q->versions != NULL)
            add_param(&b, &first, "match%5Bversion%5D", q->versions);
        if (q->limit > 0) {
            char num[32];
            snprintf(num, sizeof(num), "%ld", q->limit);
            add_param(&b, &first, "limit", num);
        }
    }
    if (next != NULL) {
        add_param(&b, &first, "next", next);
        /* Servers without "next" support still need the original lower bound. */
        if (q != NULL && q->added_after != NULL)
            add_param(&b, &first, "added_after", q->added_after);
    } else if (added_after != NULL) {
        add_param(&b, &first, "added_after", added_after);
    } else if (q != NULL && q->added_after != NULL) {
        add_param(&b, &first, "added_after", q->added_after);
    }
    return rk_buf_steal(&b);
}

char *sync_api_url(const char *hub_url, const char *path, const char *const *params, size_t n)
{
    struct rk_buf b = RK_BUF_INIT;
    bool first = true;
    size_t len = strlen(hub_url);

    while (len > 0 && hub_url[len - 1] == '/')
        len--;
    rk_buf_append(&b, hub_url, len);
    rk_buf_puts(&b, path);
    for (size_t i = 0; i + 1 < 2 * n; i += 2)
        if (params[i + 1] != NULL)
            add_param(&b, &first, params[i], params[i + 1]);
    return rk_buf_steal(&b);
}
