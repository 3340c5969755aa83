/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.c: the matcher worker. (Placeholder.)
 */
#include "alert/alert_int.h"

int alert_match_start(struct rk_hub *hub, struct rk_err *err)
{
    (void)hub, (void)err;
    return 0;
}

void alert_match_stop(void)
{
}

void alert_match_wake(void)
{
}

void alert_config_changed(void)
{
}
