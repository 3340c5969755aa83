/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.c: what every part of the alert capability needs of the event log: waking delivery
 * and the open streams once events are committed, and which channels an event goes to.
 */
#include "alert/alert_int.h"

#include <string.h>

void alert_wake(void)
{
    alert_deliver_wake();
    alert_stream_wake_all();
}

bool alert_event_for(const json_t *ev, const char *sub_id)
{
    const json_t *subs = json_object_get(ev, "subscriptions");
    size_t i;
    const json_t *v;

    if (sub_id == NULL)
        return false;
    json_array_foreach(subs, i, v)
    {
        const char *s = json_string_value(v);
        if (s != NULL && strcmp(s, sub_id) == 0)
            return true;
    }
    return false;
}
