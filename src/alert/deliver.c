/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deliver.c: the delivery worker (webhooks, e-mail) and the dead-letter route. (Placeholder.)
 */
#include "alert/alert_int.h"

size_t alert_deliver_routes(struct rk_hub *hub, struct http_route *out, size_t max)
{
    (void)hub, (void)out, (void)max;
    return 0;
}

int alert_deliver_start(struct rk_hub *hub, struct rk_err *err)
{
    (void)hub, (void)err;
    return 0;
}

void alert_deliver_stop(void)
{
}

void alert_deliver_wake(void)
{
}

int alert_mail_send(const char *const *to, size_t n, const char *subject, const char *body,
                    struct rk_err *err)
{
    (void)to, (void)n, (void)subject, (void)body;
    return rk_err_set(err, RK_E_UNSUPPORTED, "e-mail is not built yet");
}
