/* The request-head reader in front of evhttp (http_head.h): one test per
 * rule of RFC 9112 it enforces, and the bound; then what http-parser (as
 * Debian builds it) lets through and the reader still refuses, and what it
 * reads differently from a hand-written reader.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdlib.h>
#include <string.h>

#include "http_head.h"
#include "test.h"

static mp_head_status parse(const char *text, mp_http_head *h)
{
    return mp_http_head_parse(text, strlen(text), h);
}

static int span_is(mp_span s, const char *text)
{
    return s.p && s.len == strlen(text) && !memcmp(s.p, text, s.len);
}

TEST(a_simple_request_head_is_read_with_its_fields)
{
    mp_http_head h;
    const char *req = "POST /v1/verify?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8025\r\nOrigin: https://shop.example\r\n"
                      "Authorization: Bearer k-123\r\ncontent-type:application/json \r\nContent-Length: 17\r\n\r\n"
                      "{\"email\":\"a@b\"}";
    CHECK_EQ_INT(parse(req, &h), MP_HEAD_OK);
    CHECK(span_is(h.method, "POST"));
    CHECK(span_is(h.target, "/v1/verify?x=1"));
    CHECK_EQ_INT(h.minor, 1);
    CHECK(span_is(h.host, "127.0.0.1:8025"));
    CHECK(span_is(h.origin, "https://shop.example"));
    CHECK(span_is(h.authorization, "Bearer k-123"));
    CHECK(span_is(h.content_type, "application/json"));
    CHECK(h.has_length);
    CHECK_EQ_INT(h.content_length, 17);
    CHECK_EQ_INT(h.size, strlen(req) - strlen("{\"email\":\"a@b\"}"));
    CHECK(!h.connection_close);
}

TEST(lines_may_end_in_lf_alone)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HTTP/1.0\nConnection: keep-alive, Close\n\n", &h), MP_HEAD_OK);
    CHECK_EQ_INT(h.minor, 0);
    CHECK(h.connection_close);
    CHECK(!h.host.p); /* HTTP/1.0 may leave Host out */
}

TEST(a_head_without_its_empty_line_is_incomplete_until_the_bound)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\n", &h), MP_HEAD_INCOMPLETE);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\n\r", &h), MP_HEAD_INCOMPLETE);
    char *big = malloc(MP_HEAD_MAX + 100);
    memcpy(big, "GET / HTTP/1.0\r\nX: ", 19);
    memset(big + 19, 'a', MP_HEAD_MAX + 100 - 19);
    CHECK_EQ_INT(mp_http_head_parse(big, MP_HEAD_MAX - 1, &h), MP_HEAD_INCOMPLETE);
    CHECK_EQ_INT(mp_http_head_parse(big, MP_HEAD_MAX, &h), MP_HEAD_TOO_LARGE);
    CHECK_EQ_INT(mp_http_head_parse(big, MP_HEAD_MAX + 100, &h), MP_HEAD_TOO_LARGE);
    /* An end just inside the bound is found; one just outside is not. */
    memcpy(big + MP_HEAD_MAX - 4, "\r\n\r\n", 4);
    CHECK_EQ_INT(mp_http_head_parse(big, MP_HEAD_MAX + 100, &h), MP_HEAD_OK);
    CHECK_EQ_INT(h.size, MP_HEAD_MAX);
    memset(big + MP_HEAD_MAX - 4, 'a', 4);
    memcpy(big + MP_HEAD_MAX - 3, "\r\n\r\n", 4);
    CHECK_EQ_INT(mp_http_head_parse(big, MP_HEAD_MAX + 100, &h), MP_HEAD_TOO_LARGE);
    free(big);
}

TEST(the_end_search_resumes_where_it_stopped)
{
    const char *req = "GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY";
    size_t n = strlen(req), from = 0, end = 0;
    for (size_t len = 1; len <= n && !end; len++) {
        end = mp_http_head_end(req, len, from);
        from = len;
    }
    CHECK_EQ_INT(end, n - 4);
}

TEST(request_line_is_method_sp_origin_form_sp_version)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET * HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / http/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/2.0\r\nHost: x\r\n\r\n", &h), MP_HEAD_BAD_VERSION);
    CHECK_EQ_INT(parse("GET / HTTP/1.2\r\nHost: x\r\n\r\n", &h), MP_HEAD_BAD_VERSION);
    CHECK_EQ_INT(parse("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_OK); /* methods: the server's call */
}

TEST(http_1_1_needs_exactly_one_host)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n", &h), MP_HEAD_OK); /* empty, but there */
}

TEST(field_lines_are_strict)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost : x\r\n\r\n", &h), MP_HEAD_MALFORMED);      /* space before ':' */
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\n y\r\n\r\n", &h), MP_HEAD_MALFORMED);  /* obs-fold */
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", &h), MP_HEAD_MALFORMED);   /* lone CR */
    CHECK_EQ_INT(mp_http_head_parse("GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n", 30, &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nX-Y: a\tb \xff\r\n\r\n", &h), MP_HEAD_OK); /* HTAB, obs-text */
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nOrigin: a\r\nOrigin: b\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: a\r\nauthorization: b\r\n\r\n", &h),
                 MP_HEAD_MALFORMED);
}

TEST(content_length_is_digits_once_and_bounded)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &h), MP_HEAD_OK);
    CHECK(h.has_length);
    CHECK_EQ_INT(h.content_length, 0);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\t 999999999999999 \r\n\r\n", &h), MP_HEAD_OK);
    CHECK_EQ_INT(h.content_length, 999999999999999LL);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000000\r\n\r\n", &h), MP_HEAD_BAD_LENGTH);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", &h), MP_HEAD_BAD_LENGTH);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n", &h), MP_HEAD_BAD_LENGTH);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", &h), MP_HEAD_BAD_LENGTH);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", &h),
                 MP_HEAD_BAD_LENGTH);
}

TEST(a_transfer_encoding_asks_for_a_length)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", &h), MP_HEAD_CHUNKED);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\nContent-Length: 3\r\n\r\n", &h),
                 MP_HEAD_CHUNKED);
}

/* ---- on top of http-parser ---------------------------------------------------------- */

TEST(the_version_is_spelled_http_and_is_there)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HXXP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("SOURCE / ICE/1.0\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET /\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED); /* HTTP/0.9 to the library */
    CHECK_EQ_INT(parse("GET / HTTP/0.9\r\n\r\n", &h), MP_HEAD_BAD_VERSION);
}

TEST(the_target_is_one_sp_from_each_neighbour_and_visible_ascii)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET /  HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET /a\fb HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET /a#b?c HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_OK);
    CHECK(span_is(h.target, "/a#b?c"));
}

TEST(the_request_line_is_judged_before_the_field_lines)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HTTP/2.0\r\nNoColon\r\n\r\n", &h), MP_HEAD_BAD_VERSION);
    CHECK_EQ_INT(parse("GET / HTTP/1.2\r\nX:\x01\r\nY: a\r\n b\r\n\r\n", &h), MP_HEAD_BAD_VERSION);
}

TEST(methods_the_library_does_not_know_are_tokens_all_the_same)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("get / HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_OK);
    CHECK(span_is(h.method, "get"));
    CHECK_EQ_INT(parse("M-SEARCH /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab", &h), MP_HEAD_OK);
    CHECK(span_is(h.method, "M-SEARCH"));
    CHECK_EQ_INT(h.content_length, 2);
    CHECK_EQ_INT(parse("CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_OK); /* 501: the server's call */
    CHECK(span_is(h.target, "/x"));
    CHECK_EQ_INT(parse("CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
}

TEST(a_bare_cr_never_ends_a_line)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\n\rX: y\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nX:\rContent-Length: 5\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET /\rx HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
}

TEST(obs_fold_is_refused_after_an_empty_value_too)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost:\r\n x\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nX:\r\n \r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\n\tHost: x\r\n\r\n", &h), MP_HEAD_MALFORMED);
}

TEST(a_field_name_with_a_space_is_refused_even_when_the_library_reads_it_as_a_length)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nX Y: 5\r\n\r\n", &h), MP_HEAD_MALFORMED);
}

TEST(no_octet_of_a_value_is_a_control_the_first_included)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost:\x1bx\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nX:\x0b\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nX:\x7f\r\n\r\n", &h), MP_HEAD_MALFORMED);
    CHECK_EQ_INT(mp_http_head_parse("GET / HTTP/1.1\r\nHost: \0x\r\n\r\n", 28, &h), MP_HEAD_MALFORMED);
}

TEST(an_empty_value_is_a_span_just_past_its_colon)
{
    const char *req = "GET / HTTP/1.1\r\nHost: \t\r\nOrigin:\r\n\r\n";
    mp_http_head h;
    CHECK_EQ_INT(parse(req, &h), MP_HEAD_OK);
    CHECK(h.host.p == strstr(req, "Host:") + 5 && h.host.len == 0);
    CHECK(h.origin.p == strstr(req, "Origin:") + 7 && h.origin.len == 0);
}

TEST(content_length_is_the_librarys_reading)
{
    mp_http_head h;
    /* leading zeros: evhttp reads the same number (strtoll) */
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0000000000000000005\r\n\r\n", &h), MP_HEAD_OK);
    CHECK_EQ_INT(h.content_length, 5);
    CHECK(h.has_length);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5  \r\n\r\n", &h), MP_HEAD_OK);
    CHECK_EQ_INT(h.content_length, 5);
    /* http-parser takes SP after the digits, not HTAB: refused, never misread */
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\t\r\n\r\n", &h), MP_HEAD_BAD_LENGTH);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5 5\r\n\r\n", &h), MP_HEAD_BAD_LENGTH);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &h), MP_HEAD_OK);
    CHECK(!h.has_length);
    CHECK_EQ_INT(h.content_length, 0);
}

TEST(a_transfer_encoding_asks_for_a_length_in_either_order)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: identity\r\n\r\n", &h),
                 MP_HEAD_CHUNKED);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", &h),
                 MP_HEAD_CHUNKED);
    CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", &h), MP_HEAD_CHUNKED);
}

TEST(an_upgrade_request_is_framed_by_its_content_length)
{
    /* http-parser flags an upgrade here; evhttp ignores Upgrade and reads
     * the body: the reader stops at the head all the same. */
    const char *req = "POST /v1/verify HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Content-Length: 2\r\n\r\n{}";
    mp_http_head h;
    CHECK_EQ_INT(parse(req, &h), MP_HEAD_OK);
    CHECK_EQ_INT(h.size, strlen(req) - 2);
    CHECK_EQ_INT(h.content_length, 2);
}

TEST(connection_close_is_the_librarys_reading)
{
    mp_http_head h;
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &h), MP_HEAD_OK);
    CHECK(h.connection_close);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n", &h), MP_HEAD_OK);
    CHECK(!h.connection_close);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: x\r\nProxy-Connection: close\r\n\r\n", &h), MP_HEAD_OK);
    CHECK(h.connection_close);
}

TEST(statuses_have_names)
{
    CHECK_EQ_STR(mp_head_status_name(MP_HEAD_OK), "ok");
    CHECK_EQ_STR(mp_head_status_name(MP_HEAD_CHUNKED), "chunked");
    CHECK_EQ_STR(mp_head_status_name(MP_HEAD_BAD_VERSION), "bad_version");
    CHECK_EQ_STR(mp_head_status_name(MP_HEAD_STATUS_COUNT), "?");
}

int main(void)
{
    RUN(a_simple_request_head_is_read_with_its_fields);
    RUN(lines_may_end_in_lf_alone);
    RUN(a_head_without_its_empty_line_is_incomplete_until_the_bound);
    RUN(the_end_search_resumes_where_it_stopped);
    RUN(request_line_is_method_sp_origin_form_sp_version);
    RUN(http_1_1_needs_exactly_one_host);
    RUN(field_lines_are_strict);
    RUN(content_length_is_digits_once_and_bounded);
    RUN(a_transfer_encoding_asks_for_a_length);
    RUN(the_version_is_spelled_http_and_is_there);
    RUN(the_target_is_one_sp_from_each_neighbour_and_visible_ascii);
    RUN(the_request_line_is_judged_before_the_field_lines);
    RUN(methods_the_library_does_not_know_are_tokens_all_the_same);
    RUN(a_bare_cr_never_ends_a_line);
    RUN(obs_fold_is_refused_after_an_empty_value_too);
    RUN(a_field_name_with_a_space_is_refused_even_when_the_library_reads_it_as_a_length);
    RUN(no_octet_of_a_value_is_a_control_the_first_included);
    RUN(an_empty_value_is_a_span_just_past_its_colon);
    RUN(content_length_is_the_librarys_reading);
    RUN(a_transfer_encoding_asks_for_a_length_in_either_order);
    RUN(an_upgrade_request_is_framed_by_its_content_length);
    RUN(connection_close_is_the_librarys_reading);
    RUN(statuses_have_names);
    return test_report();
}
