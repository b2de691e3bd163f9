/* The verify cache's key and answers (verify_cache.h): one entry per
 * normalized address, junk never stored, a hit answers with the asking
 * input's own echo.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "test.h"
#include "verify_cache.h"

TEST(spellings_of_one_address_share_a_key)
{
    char a[MP_VERIFY_CACHE_KEY_MAX], b[MP_VERIFY_CACHE_KEY_MAX];
    CHECK(mp_verify_cache_key("Bob@Acme.DE", 11, NULL, a));
    CHECK(mp_verify_cache_key("Bob@acme.de", 11, NULL, b));
    CHECK_EQ_STR(a, "Bob@acme.de");
    CHECK_EQ_STR(a, b);
    /* the local part is case-sensitive (RFC 5321 §2.4): another mailbox */
    CHECK(mp_verify_cache_key("bob@acme.de", 11, NULL, b));
    CHECK(strcmp(a, b) != 0);
}

TEST(input_that_is_not_an_address_is_never_cached)
{
    char key[MP_VERIFY_CACHE_KEY_MAX] = "x";
    CHECK(!mp_verify_cache_key("not an address", 14, NULL, key));
    CHECK_EQ_STR(key, "");
    CHECK(!mp_verify_cache_key("a@b.org\0<script>", 16, NULL, key));
    size_t big = 1u << 20;
    char *junk = malloc(big);
    CHECK(junk != NULL);
    if (!junk)
        return;
    memset(junk, 'a', big);
    memcpy(junk + big - 8, "@acme.de", 8);
    CHECK(!mp_verify_cache_key(junk, big, NULL, key));
    CHECK(!mp_verify_cache_key(junk, MP_INPUT_MAX + 1, NULL, key));
    free(junk);
}

TEST(a_hit_echoes_the_asking_input)
{
    const char *cached = "{\"email\":\"Bob@acme.de\",\"normalized\":\"Bob@acme.de\",\"status\":\"deliverable\","
                         "\"syntax\":{\"valid\":true,\"domain\":\"acme.de\"},\"smtp\":{\"code\":250}}";
    char *text = mp_verify_cache_answer(cached, "Bob@ACME.de", 11, NULL);
    CHECK(text != NULL);
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    CHECK(o != NULL);
    if (o) {
        CHECK_EQ_STR(cJSON_GetObjectItem(o, "email")->valuestring, "Bob@ACME.de");
        CHECK_EQ_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "syntax"), "domain")->valuestring, "ACME.de");
        CHECK_EQ_STR(cJSON_GetObjectItem(o, "status")->valuestring, "deliverable");
        CHECK_EQ_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "smtp"), "code")->valueint, 250);
    }
    cJSON_Delete(o);
    free(text);
    CHECK(mp_verify_cache_answer("[1]", "a@b.org", 7, NULL) == NULL);
    CHECK(mp_verify_cache_answer("not json", "a@b.org", 7, NULL) == NULL);
}

int main(void)
{
    RUN(spellings_of_one_address_share_a_key);
    RUN(input_that_is_not_an_address_is_never_cached);
    RUN(a_hit_echoes_the_asking_input);
    return test_report();
}
