/* SPDX-License-Identifier: Apache-2.0 */
/* log.c: one-line log records on stderr, filtered by level. */
#include "core.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum rk_log_level min_level = RK_LOG_INFO;
/* RENKEI_LOG is read once, by the first record of any thread; pthread_once makes the others
 * wait for min_level rather than read it while it is being set. */
static pthread_once_t level_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void level_from_env(void)
{
    const char *e = getenv("RENKEI_LOG");
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
    pthread_once(&level_once, level_from_env);
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
