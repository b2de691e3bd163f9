/* Reading libcurl's SMTP debug stream (smtp_trace.h): the lines below are
 * what libcurl 7.88 hands CURLOPT_DEBUGFUNCTION during a CONNECT_ONLY
 * connect — one reply line per CURLINFO_HEADER_IN call, each command as
 * CURLINFO_HEADER_OUT, remarks as CURLINFO_TEXT.
 * ctest-labels: unit native
 * ctest-links: mpengine
 */
#include "smtp_trace.h"
#include "test.h"

static mp_trace_event in(mp_smtp_trace *t, const char *line)
{
    return mp_smtp_trace_feed(t, CURLINFO_HEADER_IN, line, strlen(line));
}

static mp_trace_event out(mp_smtp_trace *t, const char *line)
{
    return mp_smtp_trace_feed(t, CURLINFO_HEADER_OUT, line, strlen(line));
}

static void greet_and_ehlo(mp_smtp_trace *t)
{
    mp_smtp_trace_init(t);
    in(t, "220 mx.example ESMTP Postfix\r\n");
    out(t, "EHLO probe.example\r\n");
    in(t, "250-mx.example\r\n");
    in(t, "250-PIPELINING\r\n");
    in(t, "250-SIZE 10240000\r\n");
    in(t, "250-STARTTLS\r\n");
    in(t, "250-ENHANCEDSTATUSCODES\r\n");
    in(t, "250-SMTPUTF8\r\n");
    in(t, "250 CHUNKING\r\n");
}

TEST(ehlo_reply_keywords_become_capabilities)
{
    mp_smtp_trace t;
    greet_and_ehlo(&t);
    CHECK(t.caps.esmtp);
    CHECK(t.caps.pipelining);
    CHECK(t.caps.size);
    CHECK(t.caps.starttls);
    CHECK(t.caps.smtputf8);
    CHECK(!t.caps.tls_active);
}

TEST(keywords_match_whole_words_in_any_case)
{
    mp_smtp_trace t;
    mp_smtp_trace_init(&t);
    out(&t, "EHLO probe.example\r\n");
    in(&t, "250-mx.example\r\n");
    in(&t, "250-PIPELININGX\r\n");     /* another keyword */
    in(&t, "250-smtputf8\r\n");        /* keywords are case-insensitive */
    in(&t, "250 SIZE=1000\r\n");       /* old servers write '=' */
    CHECK(!t.caps.pipelining);
    CHECK(t.caps.smtputf8);
    CHECK(t.caps.size);
}

TEST(greeting_lines_are_not_capabilities)
{
    mp_smtp_trace t;
    mp_smtp_trace_init(&t);
    in(&t, "220-PIPELINING is not announced here\r\n");
    in(&t, "220 SMTPUTF8\r\n");
    CHECK(!t.caps.pipelining);
    CHECK(!t.caps.smtputf8);
    CHECK(!t.caps.esmtp);
}

TEST(ehlo_after_starttls_replaces_the_capabilities_and_keeps_tls)
{
    mp_smtp_trace t;
    greet_and_ehlo(&t);
    out(&t, "STARTTLS\r\n");
    in(&t, "220 2.0.0 Ready to start TLS\r\n");
    CHECK(t.caps.tls_active);
    out(&t, "EHLO probe.example\r\n");
    in(&t, "250-mx.example\r\n");
    in(&t, "250 PIPELINING\r\n");
    CHECK(t.caps.tls_active);
    CHECK(t.caps.pipelining);
    CHECK(!t.caps.starttls); /* not offered again inside TLS */
    CHECK(!t.caps.smtputf8);
}

TEST(helo_fallback_is_not_esmtp)
{
    mp_smtp_trace t;
    mp_smtp_trace_init(&t);
    in(&t, "220 old.example SMTP\r\n");
    out(&t, "EHLO probe.example\r\n");
    in(&t, "502 5.5.2 Error: command not recognized\r\n");
    out(&t, "HELO probe.example\r\n");
    in(&t, "250 old.example\r\n");
    CHECK(!t.caps.esmtp);
    CHECK(!t.caps.pipelining);
}

TEST(last_reply_is_the_whole_last_reply_parsed)
{
    mp_smtp_trace t;
    mp_smtp_trace_init(&t);
    mp_smtp_reply r;
    CHECK(!mp_smtp_trace_last_reply(&t, &r));
    in(&t, "554-5.7.1 mx.example rejects you\r\n");
    in(&t, "554 5.7.1 blocked by policy\r\n");
    CHECK(mp_smtp_trace_last_reply(&t, &r));
    CHECK_EQ_INT(r.code, 554);
    CHECK_EQ_STR(r.enhanced, "5.7.1");
    CHECK_EQ_INT(r.nlines, 2);
    /* The next reply starts afresh. */
    in(&t, "421 4.3.2 shutting down\r\n");
    CHECK(mp_smtp_trace_last_reply(&t, &r));
    CHECK_EQ_INT(r.code, 421);
    CHECK_EQ_INT(r.nlines, 1);
}

TEST(an_unfinished_reply_is_not_a_reply)
{
    mp_smtp_trace t;
    mp_smtp_trace_init(&t);
    mp_smtp_reply r;
    in(&t, "220-still greeting\r\n");
    CHECK(!mp_smtp_trace_last_reply(&t, &r));
}

TEST(a_long_reply_is_kept_within_its_bound)
{
    mp_smtp_trace t;
    mp_smtp_trace_init(&t);
    char line[200];
    memset(line, 'x', sizeof line);
    memcpy(line, "220-", 4);
    memcpy(line + sizeof line - 3, "\r\n", 3);
    for (int i = 0; i < 10; i++) /* 10 × 199 octets > MP_TRACE_REPLY_MAX */
        in(&t, line);
    in(&t, "220 end\r\n");
    mp_smtp_reply r;
    CHECK(t.last_reply_len <= MP_TRACE_REPLY_MAX);
    /* Lines past the bound are dropped; the reply still ends and has its code. */
    CHECK(mp_smtp_trace_last_reply(&t, &r));
    CHECK_EQ_INT(r.code, 220);
}

TEST(clipped_line_is_reported_once)
{
    mp_smtp_trace t;
    mp_smtp_trace_init(&t);
    const char *text = "Excessive server response line length received, 1024 bytes. Stripping\n";
    CHECK_EQ_INT(mp_smtp_trace_feed(&t, CURLINFO_TEXT, "  Trying 127.0.0.1:25...\n", 25), MP_TRACE_NOTHING);
    CHECK_EQ_INT(mp_smtp_trace_feed(&t, CURLINFO_TEXT, text, strlen(text)), MP_TRACE_LINE_TOO_LONG);
    CHECK(t.line_too_long);
    CHECK_EQ_INT(mp_smtp_trace_feed(&t, CURLINFO_TEXT, text, strlen(text)), MP_TRACE_NOTHING);
}

TEST(other_stream_types_are_ignored)
{
    mp_smtp_trace t;
    mp_smtp_trace_init(&t);
    const char *data = "250 PIPELINING\r\n";
    CHECK_EQ_INT(mp_smtp_trace_feed(&t, CURLINFO_DATA_IN, data, strlen(data)), MP_TRACE_NOTHING);
    CHECK_EQ_INT(mp_smtp_trace_feed(&t, CURLINFO_SSL_DATA_IN, data, strlen(data)), MP_TRACE_NOTHING);
    CHECK_EQ_INT(t.last_reply_len, 0);
}

int main(void)
{
    RUN(ehlo_reply_keywords_become_capabilities);
    RUN(keywords_match_whole_words_in_any_case);
    RUN(greeting_lines_are_not_capabilities);
    RUN(ehlo_after_starttls_replaces_the_capabilities_and_keeps_tls);
    RUN(helo_fallback_is_not_esmtp);
    RUN(last_reply_is_the_whole_last_reply_parsed);
    RUN(an_unfinished_reply_is_not_a_reply);
    RUN(a_long_reply_is_kept_within_its_bound);
    RUN(clipped_line_is_reported_once);
    RUN(other_stream_types_are_ignored);
    return test_report();
}
