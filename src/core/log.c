/* SPDX-License-Identifier: Apache-2.0 */
/* log.c: one-line log records on stderr, filtered by level. */
#include "core.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum rk_log_level min_level = RK_LOG_INFO;
static bool level_from_env_done;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void level_from_env(void)
{
    const char *e = getenv("RENKEI_LOG");
    level_from_env_done = true;
    if (e == NULL)
        return;
    if (strcmp(e, "debug") == 0)
        min_level = RK_LOG_DEBUG;
    else if (strcmp(e, "warn") == 0)
        min_level = RK_LOG_WARN;
    else if (strcmp(e, "error") == 0)
        min_level = RK_LOG_ERROR;
}

void rk_log(enum rk_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (!level_from_env_done)
        level_from_env();
    if (level < min_level)
        return;
    char ts[RK_TIME_LEN];
    rk_time_format(rk_time_now(), ts);
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s %s %s\n", ts, names[level], line);
    pthread_mutex_unlock(&log_lock);
}
