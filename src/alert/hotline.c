/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hotline.c: urgent alerts from templates, acknowledgement and escalation. (Placeholder.)
 */
#include "alert/alert.h"
#include "alert/alert_int.h"

size_t alert_hotline_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    (void)hub, (void)out, (void)max;
    return 0;
}

int alert_hotline_start(struct rk_hub *hub, struct rk_err *err)
{
    (void)hub, (void)err;
    return 0;
}

void alert_hotline_stop(void)
{
}

json_t *alert_hotline_body(struct rk_hub *hub, const struct policy_principal *who, const json_t *ev,
                           struct rk_err *err)
{
    (void)hub, (void)who, (void)ev, (void)err;
    return NULL;
}

int alert_hotline_on_incident(struct rk_hub *hub, struct store *s, const struct store_row *row,
                              const json_t *obj, struct rk_err *err)
{
    (void)hub, (void)s, (void)row, (void)obj, (void)err;
    return 0;
}

int alert_policy_sections_add(struct rk_err *err)
{
    (void)err;
    return 0;
}
