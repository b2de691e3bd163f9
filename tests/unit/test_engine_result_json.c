/* The result JSON writers: the cJSON tree (mp_result_to_json) has exactly
 * the schema's keys in order, echoed strings are always valid UTF-8, and the
 * direct writer (mp_result_write_json) prints byte-for-byte the same text.
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include <stdlib.h>
#include <string.h>
#include "mailprobe/core.h"
#include "result_json.h"
#include "test.h"

/* Both writers' text for the same result; the caller frees both. */
static void both_forms(const mp_result *r, const char *input, size_t len,
                       const mp_probe_details *d, char **tree, char **direct)
{
    cJSON *obj = mp_result_to_json(r, input, len, d);
    *tree = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    size_t size = 0;
    FILE *f = open_memstream(direct, &size);
    if (!f) {
        *direct = NULL;
        return;
    }
    CHECK(mp_result_write_json(f, r, input, len, d));
    fclose(f);
}

static void check_same(const mp_result *r, const char *input, size_t len, const mp_probe_details *d)
{
    char *tree, *direct;
    both_forms(r, input, len, d, &tree, &direct);
    CHECK(tree != NULL);
    CHECK(direct != NULL);
    if (tree && direct)
        CHECK_EQ_STR(direct, tree);
    free(tree);
    free(direct);
}

static mp_result checked(const char *input, size_t len)
{
    mp_result r;
    mp_check(input, len, NULL, NULL, &r);
    return r;
}

/* The names of obj's members, comma-separated. */
static void key_list(const cJSON *obj, char *out, size_t cap)
{
    out[0] = '\0';
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next) {
        if (out[0])
            strncat(out, ",", cap - strlen(out) - 1);
        strncat(out, c->string, cap - strlen(out) - 1);
    }
}

TEST(local_form_has_exactly_the_schema_keys_in_order)
{
    mp_result r = checked("ann@acme-corp.net", 17);
    cJSON *o = mp_result_to_json(&r, "ann@acme-corp.net", 17, NULL);
    char keys[512];
    key_list(o, keys, sizeof keys);
    CHECK_EQ_STR(keys, "email,normalized,status,reason,action,score,syntax,disposable,role,free,unknown_tld,suggestion,mx,smtp");
    key_list(cJSON_GetObjectItemCaseSensitive(o, "syntax"), keys, sizeof keys);
    CHECK_EQ_STR(keys, "valid,reason,message,position,local,domain,ascii_domain,unicode_domain,smtputf8");
    key_list(cJSON_GetObjectItemCaseSensitive(o, "smtp"), keys, sizeof keys);
    CHECK_EQ_STR(keys, "result,code,enhanced_code,message,host,catch_all");
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "mx")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "suggestion")));
    cJSON_Delete(o);
}

TEST(probe_form_adds_provider_retry_after_and_transcript_after_smtp)
{
    mp_result r = checked("ann@acme-corp.net", 17);
    mp_probe_details d;
    mp_probe_details_init(&d);
    d.dns = MP_DNS_OK;
    d.mx_count = 2;
    strcpy(d.mx[0].host, "mx1.acme-corp.net");
    d.mx[0].preference = 10;
    strcpy(d.mx[1].host, "mx2.acme-corp.net");
    d.mx[1].preference = 20;
    d.smtp_code = 550;
    strcpy(d.enhanced_code, "5.1.1");
    strcpy(d.message, "5.1.1 <ann@acme-corp.net>: Recipient \"ann\" rejected:\tUser unknown");
    strcpy(d.host, "mx1.acme-corp.net");
    d.provider = "google";
    d.retry_after = 300;
    const char *lines[] = {"S: 220 mx1 ESMTP", "C: EHLO probe.example", "S: 550\x01\xff"};
    d.transcript = lines;
    d.transcript_count = 3;
    mp_evidence e = {MP_DNS_OK, MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND, MP_NO, false, false};
    mp_verdict(&r, &e, NULL);

    cJSON *o = mp_result_to_json(&r, "ann@acme-corp.net", 17, &d);
    char keys[512];
    key_list(o, keys, sizeof keys);
    CHECK_EQ_STR(keys, "email,normalized,status,reason,action,score,syntax,disposable,role,free,unknown_tld,"
                       "suggestion,mx,smtp,provider,retry_after,transcript");
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "mx"));
    CHECK_EQ_STR(text, "{\"result\":\"ok\",\"implicit\":false,\"hosts\":[{\"host\":\"mx1.acme-corp.net\","
                       "\"preference\":10},{\"host\":\"mx2.acme-corp.net\",\"preference\":20}],\"message\":null}");
    free(text);
    cJSON *smtp = cJSON_GetObjectItemCaseSensitive(o, "smtp");
    CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(smtp, "result")->valuestring, "rejected");
    CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(smtp, "code")->valueint, 550);
    CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(smtp, "enhanced_code")->valuestring, "5.1.1");
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(smtp, "catch_all")));
    CHECK_EQ_INT(cJSON_GetObjectItemCaseSensitive(o, "retry_after")->valueint, 300);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "transcript");
    CHECK_EQ_INT(cJSON_GetArraySize(t), 3);
    CHECK_EQ_STR(cJSON_GetArrayItem(t, 2)->valuestring, "S: 550\x01\xEF\xBF\xBD");
    cJSON_Delete(o);

    check_same(&r, "ann@acme-corp.net", 17, &d);
    d.transcript = NULL;
    d.dns = MP_DNS_NULL_MX;
    d.mx_count = 0;
    d.mx_implicit = true;
    d.retry_after = -1;
    d.provider = NULL;
    check_same(&r, "ann@acme-corp.net", 17, &d);
    d.dns = MP_DNS_NXDOMAIN;
    d.dns_message = "The resolver \"lies\".";
    check_same(&r, "ann@acme-corp.net", 17, &d);
    cJSON *doubted = mp_result_to_json(&r, "ann@acme-corp.net", 17, &d);
    cJSON *mx = cJSON_GetObjectItemCaseSensitive(doubted, "mx");
    CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(mx, "message")->valuestring, "The resolver \"lies\".");
    cJSON_Delete(doubted);
}

TEST(details_init_means_nothing_learnt)
{
    mp_probe_details d;
    memset(&d, 0x5a, sizeof d);
    mp_probe_details_init(&d);
    CHECK_EQ_INT(d.dns, MP_DNS_NOT_CHECKED);
    CHECK(d.dns_message == NULL);
    CHECK_EQ_INT(d.mx_count, 0);
    CHECK_EQ_INT(d.smtp_code, 0);
    CHECK_EQ_INT(d.retry_after, -1);
    CHECK(d.provider == NULL);
    CHECK(d.transcript == NULL);
    CHECK_EQ_STR(d.message, "");
    mp_result r = checked("ann@acme-corp.net", 17);
    cJSON *o = mp_result_to_json(&r, "ann@acme-corp.net", 17, &d);
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "mx")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "retry_after")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "provider")));
    CHECK(cJSON_GetObjectItemCaseSensitive(o, "transcript") == NULL);
    cJSON_Delete(o);
}

TEST(sanitize_replaces_each_bad_octet_with_u_fffd)
{
    char out[64];
    CHECK_EQ_INT(mp_utf8_sanitize("a\xff" "b", 3, out), 5);
    CHECK_EQ_STR(out, "a\xEF\xBF\xBD" "b");
    mp_utf8_sanitize("\xC0\x80", 2, out); /* overlong NUL */
    CHECK_EQ_STR(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
    mp_utf8_sanitize("\xED\xA0\x80", 3, out); /* surrogate */
    CHECK_EQ_STR(out, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    mp_utf8_sanitize("\xF4\x90\x80\x80", 4, out); /* above U+10FFFF */
    CHECK_EQ_INT(strlen(out), 12);
    mp_utf8_sanitize("\xE2\x82", 2, out); /* truncated */
    CHECK_EQ_STR(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
    mp_utf8_sanitize("x\0y", 3, out); /* NUL */
    CHECK_EQ_STR(out, "x\xEF\xBF\xBDy");
    mp_utf8_sanitize("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9, out); /* é € 😀 kept */
    CHECK_EQ_STR(out, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(direct_writer_matches_the_tree_for_awkward_inputs)
{
#define IN(lit) {lit, sizeof(lit) - 1}
    static const struct { const char *s; size_t len; } inputs[] = {
        IN("ann@acme-corp.net"),
        IN("Ann.Lee@ACME-corp.NET"),
        IN(""),
        IN("no-at-sign"),
        IN("a\"b\\c@acme-corp.net"),
        IN("tab\there@x.org"),
        IN("ctl\x01\x1f\x7f@x.org"),
        IN("nul\0inside@x.org"),
        IN("bad\xff\xfe@x.org"),
        IN("j\xC3\xBCrgen@b\xC3\xBC" "cher.de"),
        IN("\"quoted \\\"x\\\"\"@x.org"),
        IN("line\nbreak@x.org"),
        IN("ann@[192.0.2.1]"),
        IN("user@gmial.com"),
        IN("\xE2\x80\x8B" "zw@x.org"),
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        mp_result r = checked(inputs[i].s, inputs[i].len);
        check_same(&r, inputs[i].s, inputs[i].len, NULL);
    }
#undef IN
    /* A long input (too_long) echoed in full by both. */
    size_t n = 5000;
    char *big = malloc(n);
    if (big) {
        memset(big, 'a', n);
        big[100] = '@';
        big[200] = '\n';
        big[300] = '\xff';
        mp_result r = checked(big, n);
        check_same(&r, big, n, NULL);
        char *tree, *direct;
        both_forms(&r, big, n, NULL, &tree, &direct);
        CHECK(tree && strlen(tree) > n);
        free(tree);
        free(direct);
        free(big);
    }
}

TEST(every_output_parses_and_echoes_valid_utf8)
{
    const char input[] = "x\xff\x00\x01\"@\xC3\x28.org";
    mp_result r = checked(input, sizeof input - 1);
    cJSON *o = mp_result_to_json(&r, input, sizeof input - 1, NULL);
    char *text = cJSON_PrintUnformatted(o);
    cJSON *back = cJSON_Parse(text);
    CHECK(back != NULL);
    CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(back, "email")->valuestring,
                 "x\xEF\xBF\xBD\xEF\xBF\xBD\x01\"@\xEF\xBF\xBD(.org");
    cJSON_Delete(back);
    free(text);
    cJSON_Delete(o);
}

int main(void)
{
    RUN(local_form_has_exactly_the_schema_keys_in_order);
    RUN(probe_form_adds_provider_retry_after_and_transcript_after_smtp);
    RUN(details_init_means_nothing_learnt);
    RUN(sanitize_replaces_each_bad_octet_with_u_fffd);
    RUN(direct_writer_matches_the_tree_for_awkward_inputs);
    RUN(every_output_parses_and_echoes_valid_utf8);
    return test_report();
}
