/* SPDX-License-Identifier: Apache-2.0 */
/*
 * filter.c: subscription filters, checked when a subscription is made and evaluated by the
 * matcher. (Placeholder: built by the matcher part of issue 17.)
 */
#include "alert/alert_int.h"

int alert_filter_check(const json_t *filter, struct rk_err *err)
{
    if (filter != NULL && !json_is_object(filter))
        return rk_err_set(err, RK_E_INVALID, "filter: must be a JSON object");
    return 0;
}
