/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics.h: what an operator watches of a running hub, as one module. GET /metrics answers
 * the Prometheus text format (version 0.0.4) to the coordinator and to tokens of the metrics
 * role: requests by route and status, their latency, objects ingested and refused, the
 * store's sizes, the audit log's length and the build. The module also writes the access log
 * (one JSON line per request; serve --access-log). Both are fed by the HTTP server's
 * completion hook, with relaxed atomic counters and no lock per request.
 */
#ifndef RK_METRICS_H
#define RK_METRICS_H

#include "module/module.h"

/* The module: its route (GET /metrics), start and stop (the counters, the access log),
 * reopen (SIGHUP: the access log file) and the per-request hook. */
extern const struct module metrics_module;

#endif /* RK_METRICS_H */
