/* SPDX-License-Identifier: Apache-2.0 */
/*
 * push_report.c: the end of `renkei push`. A server can refuse or change thousands of
 * objects for a handful of reasons; printed one per line they would scroll the totals off a
 * terminal, so each reason is printed once with its count and first ids, and the totals
 * come last. --verbose still prints every object.
 */
#include "cli/args.h"
#include "cli/push_report.h"

#include <stdio.h>

static json_t *details_json(const struct sync_details *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++) {
        const struct sync_detail *f = &l->v[i];
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s?}", "id", f->id, "version", f->version,
                                           "message", f->message, "file", f->file));
    }
    return a;
}

static json_t *groups_json(const struct sync_details *l)
{
    struct sync_groups g;
    json_t *a = json_array();
    sync_groups_build(l, &g);
    for (size_t i = 0; i < g.n; i++) {
        json_t *ids = json_array();
        for (size_t k = 0; k < g.v[i].n_first; k++)
            json_array_append_new(ids, json_string(g.v[i].first[k]->id));
        json_array_append_new(a, json_pack("{s:s,s:I,s:o}", "reason", g.v[i].reason, "count",
                                           (json_int_t)g.v[i].count, "ids", ids));
    }
    sync_groups_free(&g);
    return a;
}

void push_report_json(const struct sync_tally *t, const struct push_sent *sent)
{
    json_t *o =
        json_pack("{s:I,s:I,s:I,s:I,s:o,s:o,s:{s:o,s:o}}", "total", (json_int_t)sent->objects,
                  "success", (json_int_t)t->success, "failure", (json_int_t)t->failure, "pending",
                  (json_int_t)t->pending, "failures", details_json(&t->refused), "changed",
                  details_json(&t->changed), "groups", "failures", groups_json(&t->refused),
                  "changed", groups_json(&t->changed));
    cli_json_print(o);
}

/* Every detail on its own line, as "  what: id version V from FILE: message". */
static void print_lines(const char *what, const struct sync_details *l, const char *none)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct sync_detail *f = &l->v[i];
        printf("  %s: %s%s%s%s%s: %s\n", what, f->id, *f->version ? " version " : "", f->version,
               f->file ? " from " : "", f->file ? f->file : "", *f->message ? f->message : none);
    }
}

/* The details of l by reason: a heading, then each reason with its count and first ids. */
static void print_groups(const char *heading, const struct sync_details *l, const char *none,
                         bool files, bool verbose)
{
    struct sync_groups g;
    if (l->n == 0)
        return;
    sync_groups_build(l, &g);
    printf("%s: %zu object%s, %zu reason%s%s\n", heading, l->n, l->n == 1 ? "" : "s", g.n,
           g.n == 1 ? "" : "s", verbose ? "" : " (--verbose lists every object)");
    for (size_t i = 0; i < g.n; i++) {
        const struct sync_group *grp = &g.v[i];
        printf("  %zu object%s: %s\n    ", grp->count, grp->count == 1 ? "" : "s",
               *grp->reason ? grp->reason : none);
        for (size_t k = 0; k < grp->n_first; k++) {
            const struct sync_detail *d = grp->first[k];
            printf("%s%s", k > 0 ? ", " : "", d->id);
            if (files && d->file != NULL)
                printf(" (%s)", d->file);
        }
        if (grp->count > grp->n_first)
            printf(" and %zu more", grp->count - grp->n_first);
        putchar('\n');
    }
    sync_groups_free(&g);
}

void push_report_text(const struct sync_tally *t, const struct push_sent *sent, bool verbose)
{
    bool files = sent->files > 1;
    if (verbose) {
        print_lines("refused", &t->refused, "(no reason given)");
        print_lines("changed", &t->changed, "");
    }
    print_groups("refused", &t->refused, "(no reason given)", files, verbose);
    /* What the hub did to objects it accepted: the poster must see that it changed or
     * dropped them (anonymised, an identity dropped, a TLP it assigned). */
    print_groups("changed by the hub", &t->changed, "(no message)", files, verbose);
    printf("pushed %zu object%s from %zu file%s to %s\n", sent->objects,
           sent->objects == 1 ? "" : "s", sent->files, sent->files == 1 ? "" : "s", sent->url);
    printf("  %zu stored, %zu refused, %zu pending\n", t->success, t->failure, t->pending);
    if (t->pending > 0)
        printf("  the server had not finished %zu object%s when we stopped waiting (--wait)\n",
               t->pending, t->pending == 1 ? "" : "s");
    fflush(stdout);
}
