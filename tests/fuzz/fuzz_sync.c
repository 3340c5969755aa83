/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_sync.c: libFuzzer driver for what the TAXII client reads from a server it does not
 * control. The input's first line is an X-TAXII-Date-Added-Last header, the rest a page:
 * it is fed to a pager three times (a walk that repeats it), and each line of it is a
 * status message to group by reason (sync_reason_key, sync_groups_build).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *body = strchr(text, '\n');
    if (body != NULL)
        *body++ = '\0';

    struct sync_pager *p = sync_pager_new(NULL, "http://h/r/collections/c/objects/", NULL);
    for (int i = 0; i < 3 && body != NULL && sync_pager_state(p) == SYNC_PAGER_RUNNING; i++) {
        struct sync_response r = {.status = 200};
        r.body = json_loads(body, 0, NULL);
        r.date_added_last = strdup(text);
        json_t *objects = NULL;
        char *url = sync_pager_url(p);
        free(url);
        sync_pager_feed(p, &r, &objects, NULL);
        sync_response_free(&r);
    }
    sync_pager_free(p);

    struct sync_details l = {0};
    for (char *line = body, *nl; line != NULL; line = nl) {
        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        if (l.n == l.cap) {
            l.cap = l.cap ? 2 * l.cap : 8;
            l.v = realloc(l.v, l.cap * sizeof(*l.v));
            if (l.v == NULL)
                abort();
        }
        l.v[l.n++] = (struct sync_detail){line, (char *)"", line, NULL};
    }
    struct sync_groups g;
    sync_groups_build(&l, &g);
    for (size_t i = 0; i < g.n; i++)
        if (g.v[i].count == 0 || g.v[i].n_first == 0 || g.v[i].reason == NULL)
            abort();
    sync_groups_free(&g);
    free(l.v);
    free(text);
    return 0;
}
