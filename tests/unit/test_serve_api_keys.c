/* Secret and public API keys, the key file and the keyring (api_keys.h):
 * what a key spec may say, the origins, the daily quota and its UTC day,
 * rotation keeping counts, the bound on keys.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_keys.h"
#include "test.h"

TEST(secret_keys_are_8_to_128_printable_characters)
{
    mp_api_key k;
    char err[256];
    CHECK_EQ_INT(mp_api_key_secret("k-0123456789", &k, err, sizeof err), MP_KEY_OK);
    CHECK_EQ_INT(k.kind, MP_KEY_SECRET);
    CHECK_EQ_INT(strlen(k.id), MP_KEY_ID_LEN);
    CHECK(strncmp(k.id, "k-012345", 8) != 0); /* a digest, never a prefix of the key */
    CHECK_EQ_INT(mp_api_key_secret("short", &k, err, sizeof err), MP_KEY_BAD_KEY);
    CHECK_EQ_INT(mp_api_key_secret("with space inside", &k, err, sizeof err), MP_KEY_BAD_KEY);
    char longkey[140];
    memset(longkey, 'k', 129);
    longkey[129] = 0;
    CHECK_EQ_INT(mp_api_key_secret(longkey, &k, err, sizeof err), MP_KEY_BAD_KEY);
    longkey[128] = 0;
    CHECK_EQ_INT(mp_api_key_secret(longkey, &k, err, sizeof err), MP_KEY_OK);
}

TEST(public_keys_need_an_origin_and_take_their_own_limits)
{
    mp_api_key k;
    char err[256];
    CHECK_EQ_INT(mp_api_key_public("pk-0123456789", &k, err, sizeof err), MP_KEY_NO_ORIGIN);
    CHECK(strstr(err, "origin=") != NULL);
    CHECK_EQ_INT(mp_api_key_public("pk-0123456789 origin=https://shop.example", &k, err, sizeof err), MP_KEY_OK);
    CHECK_EQ_INT(k.kind, MP_KEY_PUBLIC);
    CHECK_EQ_INT(k.origin_count, 1);
    CHECK(k.rate == MP_PUBLIC_KEY_RATE);
    CHECK_EQ_INT(k.burst, MP_PUBLIC_KEY_BURST);
    CHECK_EQ_INT(k.daily, MP_PUBLIC_KEY_DAILY);
    CHECK_EQ_INT(mp_api_key_public("pk-0123456789  origin=https://shop.example\torigin=http://127.0.0.1:8080 "
                                   "rate=0.5 burst=3 daily=10",
                                   &k, err, sizeof err),
                 MP_KEY_OK);
    CHECK_EQ_INT(k.origin_count, 2);
    CHECK(k.rate == 0.5);
    CHECK_EQ_INT(k.burst, 3);
    CHECK_EQ_INT(k.daily, 10);
    CHECK(mp_api_key_has_origin(&k, "http://127.0.0.1:8080", 21));
    CHECK(!mp_api_key_has_origin(&k, "http://127.0.0.1:8081", 21));
    CHECK(!mp_api_key_has_origin(&k, "https://shop.example.evil", 25));
}

TEST(an_origin_is_what_browsers_send_nothing_more)
{
    mp_api_key k;
    char err[256];
    const char *bad[] = {"origin=shop.example",       "origin=https://shop.example/", "origin=https://shop.example/x",
                         "origin=ftp://shop.example", "origin=https://",              "origin=https://Shop.example",
                         "origin=https://a:123456",   "origin=null",                  "origin=https://[::1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char spec[128];
        snprintf(spec, sizeof spec, "pk-0123456789 %s", bad[i]);
        CHECK_EQ_INT(mp_api_key_public(spec, &k, err, sizeof err), MP_KEY_BAD_FIELD);
    }
    CHECK_EQ_INT(mp_api_key_public("pk-0123456789 origin=http://[::1]:8025", &k, err, sizeof err), MP_KEY_OK);
    CHECK_EQ_INT(mp_api_key_public("pk-0123456789 origin=https://a.example rate=0", &k, err, sizeof err),
                 MP_KEY_BAD_FIELD);
    CHECK_EQ_INT(mp_api_key_public("pk-0123456789 origin=https://a.example colour=red", &k, err, sizeof err),
                 MP_KEY_BAD_FIELD);
    CHECK_EQ_INT(mp_api_key_public("pk-0123456789 origin=https://a origin=https://b origin=https://c "
                                   "origin=https://d origin=https://e",
                                   &k, err, sizeof err),
                 MP_KEY_TOO_MANY);
}

TEST(the_key_file_has_one_key_per_line_and_names_a_bad_line)
{
    char path[128], err[512];
    snprintf(path, sizeof path, "/tmp/mp-test-keys-%d", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs("# keys\n\nsecret s-0123456789\n  public p-0123456789 origin=https://shop.example daily=5\n", f);
    fclose(f);
    mp_api_key keys[4];
    size_t n = 1; /* appends after what is there */
    CHECK_EQ_INT(mp_api_keys_read_file(path, keys, 4, &n, err, sizeof err), MP_KEY_OK);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(keys[1].kind, MP_KEY_SECRET);
    CHECK_EQ_STR(keys[2].key, "p-0123456789");
    CHECK_EQ_INT(keys[2].daily, 5);
    f = fopen(path, "a");
    fputs("private x-0123456789\n", f);
    fclose(f);
    n = 0;
    CHECK_EQ_INT(mp_api_keys_read_file(path, keys, 4, &n, err, sizeof err), MP_KEY_BAD_FIELD);
    CHECK(strstr(err, ":5:") != NULL);
    CHECK_EQ_INT(n, 0); /* nothing half-read */
    n = 0;
    CHECK_EQ_INT(mp_api_keys_read_file(path, keys, 1, &n, err, sizeof err), MP_KEY_TOO_MANY);
    unlink(path);
    CHECK_EQ_INT(mp_api_keys_read_file(path, keys, 4, &n, err, sizeof err), MP_KEY_FILE_ERROR);
}

TEST(the_keyring_finds_exactly_the_key_given)
{
    mp_keyring *ring = mp_keyring_new();
    mp_api_key keys[2];
    char err[256];
    mp_api_key_secret("s-0123456789", &keys[0], err, sizeof err);
    mp_api_key_public("p-0123456789 origin=https://shop.example", &keys[1], err, sizeof err);
    CHECK(mp_keyring_find(ring, "s-0123456789", 12) == NULL); /* empty */
    CHECK_EQ_INT(mp_keyring_set(ring, keys, 2), MP_KEY_OK);
    const mp_api_key *k = mp_keyring_find(ring, "s-0123456789", 12);
    CHECK(k && k->kind == MP_KEY_SECRET);
    k = mp_keyring_find(ring, "p-0123456789", 12);
    CHECK(k && k->kind == MP_KEY_PUBLIC);
    CHECK(mp_keyring_find(ring, "s-012345678", 11) == NULL);
    CHECK(mp_keyring_find(ring, "s-01234567890", 13) == NULL);
    CHECK(mp_keyring_public_origin(ring, "https://shop.example", 20));
    CHECK(!mp_keyring_public_origin(ring, "https://evil.example", 20));
    mp_keyring_free(ring);
}

TEST(the_daily_quota_counts_per_utc_day_and_survives_rotation)
{
    mp_keyring *ring = mp_keyring_new();
    mp_api_key keys[3];
    char err[256];
    mp_api_key_public("p-0123456789 origin=https://shop.example daily=2", &keys[0], err, sizeof err);
    mp_api_key_secret("s-0123456789", &keys[1], err, sizeof err);
    mp_keyring_set(ring, keys, 2);
    int64_t noon = 19000 * 86400LL + 43200;
    int wait = -1;
    const mp_api_key *p = mp_keyring_find(ring, "p-0123456789", 12);
    CHECK(mp_keyring_take_daily(ring, p, noon, &wait));
    CHECK(mp_keyring_take_daily(ring, p, noon + 1, &wait));
    CHECK(!mp_keyring_take_daily(ring, p, noon + 2, &wait));
    CHECK_EQ_INT(wait, 43198); /* until midnight UTC */
    const mp_api_key *s = mp_keyring_find(ring, "s-0123456789", 12);
    for (int i = 0; i < 10; i++)
        CHECK(mp_keyring_take_daily(ring, s, noon, &wait)); /* secret keys: no quota */
    /* A reload that keeps the key keeps its count; a new key starts at 0. */
    mp_api_key_public("q-0123456789 origin=https://shop.example daily=1", &keys[2], err, sizeof err);
    mp_keyring_set(ring, keys + 0, 1);
    mp_api_key rotated[2] = {keys[2], keys[0]};
    mp_keyring_set(ring, rotated, 2);
    p = mp_keyring_find(ring, "p-0123456789", 12);
    CHECK(!mp_keyring_take_daily(ring, p, noon + 3, &wait));
    const mp_api_key *q = mp_keyring_find(ring, "q-0123456789", 12);
    CHECK(mp_keyring_take_daily(ring, q, noon, &wait));
    /* The next UTC day starts again. */
    CHECK(mp_keyring_take_daily(ring, p, noon + 43200, &wait));
    mp_keyring_free(ring);
}

TEST(the_keyring_is_bounded)
{
    mp_keyring *ring = mp_keyring_new();
    mp_api_key *many = calloc(MP_KEYRING_MAX + 1, sizeof *many);
    char err[256], text[32];
    for (int i = 0; i <= MP_KEYRING_MAX; i++) {
        snprintf(text, sizeof text, "key-%08d", i);
        mp_api_key_secret(text, &many[i], err, sizeof err);
    }
    CHECK_EQ_INT(mp_keyring_set(ring, many, MP_KEYRING_MAX + 1), MP_KEY_TOO_MANY);
    CHECK_EQ_INT(mp_keyring_set(ring, many, MP_KEYRING_MAX), MP_KEY_OK);
    CHECK(mp_keyring_find(ring, "key-00000255", 12) != NULL);
    CHECK_EQ_INT(mp_keyring_count(ring), MP_KEYRING_MAX);
    free(many);
    mp_keyring_free(ring);
}

TEST(statuses_have_names)
{
    CHECK_EQ_STR(mp_key_status_name(MP_KEY_OK), "ok");
    CHECK_EQ_STR(mp_key_status_name(MP_KEY_NO_ORIGIN), "no_origin");
    CHECK_EQ_STR(mp_key_status_name(MP_KEY_STATUS_COUNT), "?");
}

int main(void)
{
    RUN(secret_keys_are_8_to_128_printable_characters);
    RUN(public_keys_need_an_origin_and_take_their_own_limits);
    RUN(an_origin_is_what_browsers_send_nothing_more);
    RUN(the_key_file_has_one_key_per_line_and_names_a_bad_line);
    RUN(the_keyring_finds_exactly_the_key_given);
    RUN(the_daily_quota_counts_per_utc_day_and_survives_rotation);
    RUN(the_keyring_is_bounded);
    RUN(statuses_have_names);
    return test_report();
}
