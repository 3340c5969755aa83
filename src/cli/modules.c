/* SPDX-License-Identifier: Apache-2.0 */
/*
 * modules.c: the one list of the capabilities `renkei serve` runs. A new capability is its
 * own folder under src/ with a struct module, and one line here (docs/internals/modules.md).
 * Order matters only for start (top to bottom) and stop (bottom to top): a module that needs
 * another one running comes after it.
 */
#include "cli/modules.h"

#include "alert/alert.h"
#include "analyze/analyze.h"
#include "api/api.h"
#include "metrics/metrics.h"
#include "taxii/taxii.h"

const struct module *const cli_modules[] = {
    &taxii_module,   /* TAXII 2.1: discovery, API root, collections, objects, status */
    &api_module,     /* the admin JSON API at /api/v1/ and /healthz */
    &analyze_module, /* search, correlations, similar incidents, severity of incidents */
    &alert_module,   /* watchlists, subscriptions, webhooks, the event stream, the hotline */
    &metrics_module, /* GET /metrics and the access log */
};

const size_t cli_n_modules = sizeof(cli_modules) / sizeof(cli_modules[0]);

int cli_policy_sections_add(struct rk_err *err)
{
    int rc = analyze_policy_sections_add(err); /* the severity criteria table */
    if (rc == 0)
        rc = alert_policy_sections_add(err); /* the hotline's templates and rules */
    return rc;
}
