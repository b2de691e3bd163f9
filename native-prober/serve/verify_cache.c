/* verify_cache.c — the verify cache's key and answers (verify_cache.h). */
#include "verify_cache.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "result_json.h"

bool mp_verify_cache_key(const char *input, size_t len, const mp_options *opts,
                         char key[MP_VERIFY_CACHE_KEY_MAX])
{
    key[0] = '\0';
    if (len > MP_INPUT_MAX)
        return false;
    mp_result r;
    mp_check(input, len, opts, NULL, &r);
    if (!r.syntax.valid || !r.normalized[0])
        return false;
    snprintf(key, MP_VERIFY_CACHE_KEY_MAX, "%s", r.normalized);
    return true;
}

/* Replaces (or adds) `name` in `into` by a copy of the same item of `from`. */
static bool copy_item(cJSON *into, const cJSON *from, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(from, name);
    cJSON *copy = item ? cJSON_Duplicate(item, true) : NULL;
    if (!copy)
        return false;
    if (cJSON_HasObjectItem(into, name))
        return cJSON_ReplaceItemInObjectCaseSensitive(into, name, copy);
    return cJSON_AddItemToObject(into, name, copy);
}

char *mp_verify_cache_answer(const char *cached, const char *input, size_t len, const mp_options *opts)
{
    cJSON *answer = cJSON_Parse(cached), *fresh = NULL;
    char *text = NULL;
    if (!cJSON_IsObject(answer))
        goto done;
    mp_result r;
    mp_check(input, len, opts, NULL, &r);
    fresh = mp_result_to_json(&r, input, len, NULL);
    if (fresh && copy_item(answer, fresh, "email") && copy_item(answer, fresh, "syntax"))
        text = cJSON_PrintUnformatted(answer);
done:
    cJSON_Delete(answer);
    cJSON_Delete(fresh);
    return text;
}
