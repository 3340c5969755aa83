/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest_record.c: what the ingest pipeline records once an envelope is durable: credit for
 * the contributor (and for the members whose objects it correlates with or sights), and one
 * audit entry for the objects stored at AMBER and above.
 */
#include "policy/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUTE_NAME "taxii-add-objects"

struct first_other {
    const char *org_id; /* the poster */
    char found[RK_UUID_LEN];
};

/* Finds the earliest stored version whose source is another member organisation. */
static int first_other_row(void *ctx, const struct store_row *row)
{
    struct first_other *f = ctx;
    const char *src = row->access.source_org;
    if (src == NULL || src[0] == '\0' || strcmp(src, f->org_id) == 0)
        return 0;
    snprintf(f->found, sizeof(f->found), "%s", src);
    return 1;
}

/* The organisation other than org_id that first stored object id ("" if none) into out. */
static int other_source(struct store *s, const char *id, const char *org_id, char *out,
                        struct rk_err *err)
{
    struct first_other f = {org_id, ""};
    int rc = store_find_object(s, id, first_other_row, &f, err);
    if (rc < 0)
        return rc;
    snprintf(out, RK_UUID_LEN, "%s", f.found);
    return 0;
}

void policy_ingest_credit(struct store *s, const struct store_org *org,
                          const struct policy_pending *p, const struct store_put *puts, size_t n,
                          const json_t *objects)
{
    struct store_credit *ev = rk_calloc(n * 3 + 1, sizeof(*ev));
    char(*who)[RK_UUID_LEN] = rk_calloc(n * 2 + 1, sizeof(*who));
    size_t k = 0, w = 0;
    struct rk_err e;

    for (size_t i = 0; i < n; i++) {
        if (puts[i].result != STORE_PUT_NEW)
            continue;
        ev[k++] = (struct store_credit){.org_id = (char *)org->id,
                                        .kind = "contribution",
                                        .object_id = (char *)p[i].meta.id,
                                        .points = POLICY_CREDIT_CONTRIBUTION,
                                        .by_org = (char *)org->id,
                                        .by_sector = org->sector};
        rk_err_clear(&e);
        if (other_source(s, p[i].meta.id, org->id, who[w], &e) == 0 && who[w][0] != '\0') {
            ev[k++] = (struct store_credit){.org_id = who[w++],
                                            .kind = "correlation",
                                            .object_id = (char *)p[i].meta.id,
                                            .points = POLICY_CREDIT_CORRELATION,
                                            .by_org = (char *)org->id,
                                            .by_sector = org->sector};
        }
        if (strcmp(p[i].meta.type, "sighting") == 0) {
            const json_t *o = json_array_get(objects, p[i].item);
            const char *of = json_string_value(json_object_get(o, "sighting_of_ref"));
            rk_err_clear(&e);
            if (of != NULL && other_source(s, of, org->id, who[w], &e) == 0 && who[w][0] != '\0') {
                ev[k++] = (struct store_credit){.org_id = who[w++],
                                                .kind = "sighting",
                                                .object_id = (char *)of,
                                                .points = POLICY_CREDIT_SIGHTING,
                                                .by_org = (char *)org->id,
                                                .by_sector = org->sector};
            }
        }
    }
    rk_err_clear(&e);
    if (k > 0 && policy_credit_record(s, ev, k, &e) != 0)
        rk_log(RK_LOG_ERROR, "ingest: credit events not recorded: %s", e.msg);
    free(who);
    free(ev);
}

int policy_ingest_audit(struct store *s, const struct policy_principal *who,
                        const struct store_collection *c, const struct policy_pending *p,
                        const struct store_put *puts, size_t n, struct rk_err *err)
{
    json_t *arr = json_array();
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        char v[RK_TIME_LEN];
        if (p[i].dec.tlp < POLICY_TLP_AMBER || puts[i].result == STORE_PUT_CONFLICT)
            continue;
        rk_time_format(puts[i].version_out, v);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id", p[i].meta.id, "version",
                                             v, "tlp", policy_tlp_name(p[i].dec.tlp), "result",
                                             puts[i].result == STORE_PUT_NEW ? "new" : "dup"));
    }
    if (json_array_size(arr) > 0) {
        json_t *detail = json_pack("{s:o}", "objects", arr);
        char *text = json_dumps(detail, JSON_COMPACT);
        rc = policy_audit_append(s, who, POLICY_AUDIT_WRITE, ROUTE_NAME, c->id, text, err);
        free(text);
        json_decref(detail);
    } else {
        json_decref(arr);
    }
    return rc;
}
