/* SPDX-License-Identifier: Apache-2.0 */
/*
 * push_report.h: how `renkei push` reports what the server did with the objects it sent:
 * per-object messages grouped by reason (or every line with --verbose), the totals last;
 * or one JSON object with --json.
 */
#ifndef RK_CLI_PUSH_REPORT_H
#define RK_CLI_PUSH_REPORT_H

#include "sync/sync.h"

#include <stdbool.h>
#include <stddef.h>

/* What a push sent, beside what the server answered (the tally). */
struct push_sent {
    size_t objects;  /* objects sent */
    size_t files;    /* input files */
    const char *url; /* the collection's URL */
};

/*
 * Prints t on stdout for a person: the refused objects and those the hub changed, grouped
 * by reason with a count and the first ids of each group (verbose: every object on its own
 * line first), then the totals, last, so that they stay on the screen.
 */
void push_report_text(const struct sync_tally *t, const struct push_sent *sent, bool verbose);

/*
 * Prints t on stdout as one JSON object: "total", "success", "failure", "pending",
 * "failures" and "changed" (every object), and "groups" ({"failures":[...],"changed":[...]},
 * each group {"reason","count","ids"}).
 */
void push_report_json(const struct sync_tally *t, const struct push_sent *sent);

#endif /* RK_CLI_PUSH_REPORT_H */
