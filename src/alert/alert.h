/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.h: the alert capability of issue 17, "tell me at once when something concerns me":
 * watchlists and subscriptions (what members set up), the matcher that turns what the hub
 * stores into events for each organisation, their delivery (signed webhooks, e-mail, the
 * server-sent event stream GET /api/v1/stream) from a durable per-organisation event log,
 * and the hotline (urgent alerts from templates agreed in advance, acknowledgement,
 * escalation). Everything delivered goes through the one access check at delivery time.
 * docs/alerts.md is the user's guide; docs/internals/alert.md states the design.
 */
#ifndef RK_ALERT_H
#define RK_ALERT_H

#include "core/core.h"
#include "module/module.h"

/* The capability `renkei serve` runs (src/cli/modules.c). */
extern const struct module alert_module;

/* Adds the alert sections of the policy document (the hotline's templates and rules) to the
 * ones the hub validates; once, before a policy document is read. */
int alert_policy_sections_add(struct rk_err *err);

#endif /* RK_ALERT_H */
