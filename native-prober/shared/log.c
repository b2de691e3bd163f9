/* log.c — one JSON object per stderr line (log.h). */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void mp_log(const char *level, const char *msg, cJSON *fields)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(fields);
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    char ts[32];
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(o, "ts", ts);
    cJSON_AddStringToObject(o, "level", level);
    cJSON_AddStringToObject(o, "msg", msg);
    if (fields) {
        /* Move the members over rather than copy them. */
        while (fields->child) {
            cJSON *item = cJSON_DetachItemViaPointer(fields, fields->child);
            cJSON_AddItemToObject(o, item->string, item);
        }
        cJSON_Delete(fields);
    }
    char *text = cJSON_PrintUnformatted(o);
    if (text)
        fprintf(stderr, "%s\n", text);
    free(text);
    cJSON_Delete(o);
}

void mp_log_detail(const char *level, const char *msg, const char *detail)
{
    cJSON *f = NULL;
    if (detail) {
        f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "detail", detail);
    }
    mp_log(level, msg, f);
}
