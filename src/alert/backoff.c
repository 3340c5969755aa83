/* SPDX-License-Identifier: Apache-2.0 */
/*
 * backoff.c: when a failing delivery is tried again (exponential backoff with full jitter, so
 * that many channels failing at once do not retry in step) and when it is given up as a dead
 * letter; both configurable through the environment for tests.
 */
#include "alert/deliver_int.h"

#include <stdlib.h>

int64_t alert_backoff_us(int attempt, int64_t base_us, int64_t cap_us, uint64_t rnd)
{
    if (base_us <= 0 || cap_us <= 0)
        return 0;
    if (attempt < 1)
        attempt = 1;
    int64_t ceiling = base_us;
    for (int i = 1; i < attempt && ceiling < cap_us; i++)
        ceiling = ceiling > cap_us / 2 ? cap_us : ceiling * 2;
    if (ceiling > cap_us)
        ceiling = cap_us;
    return (int64_t)(rnd % ((uint64_t)ceiling + 1));
}

int64_t alert_env_int(const char *name, int64_t min, int64_t max, int64_t dflt)
{
    const char *v = getenv(name);
    int64_t out;

    if (v == NULL || rk_parse_int64(v, min, max, &out) != 0)
        return dflt;
    return out;
}

int64_t alert_retry_base_us(void)
{
    return alert_env_int("RENKEI_ALERT_RETRY_BASE_MS", 1, 3600000,
                         ALERT_RETRY_BASE_US_DEFAULT / 1000) *
           1000;
}

int64_t alert_dead_after_us(void)
{
    return alert_env_int("RENKEI_ALERT_DEAD_AFTER_S", 0, 10LL * 365 * 86400,
                         ALERT_DEAD_AFTER_US_DEFAULT / 1000000) *
           1000000;
}

int64_t alert_interval_ms(void)
{
    return alert_env_int("RENKEI_ALERT_INTERVAL_MS", 10, 3600000, 1000);
}
