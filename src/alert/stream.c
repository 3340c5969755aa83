/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stream.c: GET /api/v1/stream, server-sent events. (Placeholder.)
 */
#include "alert/alert_int.h"

size_t alert_stream_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    (void)hub, (void)out, (void)max;
    return 0;
}

void alert_stream_wake_all(void)
{
}
