/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c: the routes members set alerts up with: subscriptions and watchlists.
 * (Placeholder: built by the config part of issue 17.)
 */
#include "alert/alert_int.h"

size_t alert_config_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    (void)hub, (void)out, (void)max;
    return 0;
}
