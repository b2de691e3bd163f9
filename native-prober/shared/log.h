/* log.h — structured log lines: every line mailprobe writes to stderr as a
 * service (`serve`'s access log, warnings, errors) is one JSON object, so a
 * log collector can parse each line whatever the strings in it hold. */
#ifndef MP_LOG_H
#define MP_LOG_H
#include <cjson/cJSON.h>

/* Writes one log line to stderr: a JSON object {"ts","level","msg",...}
 * followed by the members of `fields` (an object, may be NULL), which this
 * function takes and frees. `ts` is UTC wall-clock time to the second.
 * Out of memory: the line is dropped (and `fields` still freed). */
void mp_log(const char *level, const char *msg, cJSON *fields);

/* mp_log() with one string member "detail" (omitted when NULL). */
void mp_log_detail(const char *level, const char *msg, const char *detail);

#endif
