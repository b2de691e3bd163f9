/* smtp_session.c — the SMTP client state machine on top of libcurl.
 *
 * Layers, bottom up:
 *   - transport: libcurl connects, greets, EHLOs and upgrades on a private
 *     multi handle per session (shared/curl_event.h drives it on the loop).
 *     One multi per session, not one shared: libcurl parks a CONNECT_ONLY
 *     connection in the multi's connection cache, and a shared cache prunes
 *     "dead" idle connections — a connection with unread input counts as
 *     dead — whenever another transfer connects (docs/design.md). What
 *     libcurl saw of that phase comes from its debug stream (smtp_trace.h).
 *   - line I/O: curl_easy_send / curl_easy_recv on the connection's socket,
 *     watched by our own events once curl's CONNECT phase is over.
 *   - the state machine: enter_state() sends a command, on_reply() handles a
 *     complete reply (smtp_reply.h) for the current state.
 * RFC 5321 §4.1 (commands), §4.5.3.2 (timeouts), RFC 2920 (pipelining). */
#include "smtp_session.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "curl_event.h"
#include "target.h"
#include "text.h"

enum {
    IN_MAX = MP_REPLY_MAX + 4096,  /* receive buffer bound */
    OUT_MAX = 128 * 1024,          /* send buffer bound (a pipelined burst) */
    PIPELINE_WINDOW_MAX = 100,     /* RCPTs in one burst */
    QUIT_WAIT_MS = 2000,
    IO_START = 2048,               /* most replies and commands are tiny */
};

/* Grows *buf to hold `need` octets, doubling, never past `max`. */
static bool grow(char **buf, size_t *cap, size_t need, size_t max)
{
    if (need <= *cap)
        return true;
    if (need > max)
        return false;
    size_t n = *cap ? *cap : IO_START;
    while (n < need)
        n *= 2;
    if (n > max)
        n = max;
    char *p = realloc(*buf, n);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

struct mp_smtp_session {
    struct event_base *base;
    const mp_session_config *cfg;
    const mp_session_ops *ops;
    void *owner;
    mp_session_counters *counters;
    char host[MP_HOST_MAX + 1];
    char helo[MP_HOST_MAX + 1];
    char from[MP_HOST_MAX + 16];
    struct sockaddr_storage addr;
    int port;

    mp_session_state state;

    /* curl: the CONNECT phase, and the easy handle whose socket we use */
    mp_curl_event *curl;
    CURL *easy;
    struct curl_slist *resolve_list;
    mp_smtp_trace trace;        /* capabilities, last reply, clipped lines */

    /* our I/O after CONNECT */
    curl_socket_t fd;
    struct event *read_ev, *write_ev, *phase_timer, *deferred;
    char *in;                   /* grows from IO_START up to IN_MAX */
    size_t in_len, in_cap;
    char *out;                  /* grows from IO_START up to OUT_MAX */
    size_t out_len, out_cap;

    /* recipients: one taken before MAIL, then the sent ones awaiting replies */
    mp_rcpt *pending;
    mp_rcpt *sent_head, *sent_tail;
    size_t awaiting;
    int rcpts, rejections;
    int tx_replies;             /* RCPT replies in the current transaction */
    bool final_taken, new_transaction;

    /* how it ends */
    mp_session_end end;
    mp_smtp_reply end_reply;
    bool has_end_reply;
    mp_session_end deferred_end;

    mp_transcript transcript;
};

static const char *const state_names[MP_SESSION_STATE_COUNT] = {
    "CONNECT", "MAIL", "RCPT", "RSET", "QUIT", "DONE",
};
static const char *const end_names[MP_SESSION_END_COUNT] = {
    "ok", "connect_failed", "timeout", "refused", "dropped", "protocol_error", "tls_failed", "cancelled",
};

const char *mp_session_state_name(mp_session_state s)
{
    return (unsigned)s < MP_SESSION_STATE_COUNT ? state_names[s] : "?";
}

const char *mp_session_end_name(mp_session_end e)
{
    return (unsigned)e < MP_SESSION_END_COUNT ? end_names[e] : "?";
}

static void enter_state(mp_smtp_session *s, mp_session_state next);

static void fail(mp_smtp_session *s, mp_session_end end, const mp_smtp_reply *reply);

/* ---- transcript -------------------------------------------------------- */

static void log_line(mp_smtp_session *s, const char *prefix, const char *data, size_t len)
{
    if (s->cfg->transcript)
        mp_transcript_add(&s->transcript, prefix, data, len);
}

static void log_text(mp_smtp_session *s, const char *text) { log_line(s, "-- ", text, strlen(text)); }

size_t mp_smtp_session_transcript(const mp_smtp_session *s, const char *const **lines)
{
    return mp_transcript_lines(&s->transcript, lines);
}

/* ---- recipients bookkeeping ------------------------------------------- */

static void sent_push(mp_smtp_session *s, mp_rcpt *r)
{
    r->next_in_session = NULL;
    if (s->sent_tail)
        s->sent_tail->next_in_session = r;
    else
        s->sent_head = r;
    s->sent_tail = r;
}

static mp_rcpt *sent_pop(mp_smtp_session *s)
{
    mp_rcpt *r = s->sent_head;
    if (r) {
        s->sent_head = r->next_in_session;
        if (!s->sent_head)
            s->sent_tail = NULL;
        r->next_in_session = NULL;
    }
    return r;
}

static void give_back_all(mp_smtp_session *s, mp_session_end end, const mp_smtp_reply *reply)
{
    mp_rcpt *r;
    while ((r = sent_pop(s)))
        s->ops->give_back(s->owner, s, r, true, end, reply);
    if (s->pending) {
        r = s->pending;
        s->pending = NULL;
        s->ops->give_back(s->owner, s, r, false, end, reply);
    }
    s->awaiting = 0;
}

/* ---- events ------------------------------------------------------------ */

static void arm_phase_timer(mp_smtp_session *s, int ms)
{
    struct timeval tv = mp_timeval_ms(ms);
    evtimer_add(s->phase_timer, &tv);
}

static void stop_io(mp_smtp_session *s)
{
    if (s->read_ev)
        event_del(s->read_ev);
    if (s->write_ev)
        event_del(s->write_ev);
    if (s->phase_timer)
        evtimer_del(s->phase_timer);
}

/* Closes the transport: curl_multi_remove_handle closes a CONNECT_ONLY
 * connection (libcurl ≥ 7.86 does so explicitly). */
static void close_transport(mp_smtp_session *s)
{
    stop_io(s);
    if (s->read_ev) {
        event_free(s->read_ev);
        s->read_ev = NULL;
    }
    if (s->write_ev) {
        event_free(s->write_ev);
        s->write_ev = NULL;
    }
    if (s->easy) {
        curl_multi_remove_handle(mp_curl_event_multi(s->curl), s->easy);
        curl_easy_cleanup(s->easy);
        s->easy = NULL;
    }
    s->fd = CURL_SOCKET_BAD;
}

static void finish(mp_smtp_session *s, mp_session_end end, const mp_smtp_reply *reply)
{
    if (s->state == MP_SESSION_DONE)
        return;
    give_back_all(s, end, reply);
    close_transport(s);
    s->state = MP_SESSION_DONE;
    s->end = end;
    if (reply) {
        s->end_reply = *reply;
        s->has_end_reply = true;
    }
    if (end != MP_SESSION_END_OK && end != MP_SESSION_END_CANCELLED)
        s->counters->sessions_failed++;
    s->counters->sessions_active--;
    {
        char msg[96];
        snprintf(msg, sizeof msg, "session ended: %s", mp_session_end_name(end));
        log_text(s, msg);
    }
    s->ops->closed(s->owner, s, end, s->has_end_reply ? &s->end_reply : NULL);
}

static void fail(mp_smtp_session *s, mp_session_end end, const mp_smtp_reply *reply)
{
    finish(s, end, reply);
}

/* ---- sending ----------------------------------------------------------- */

static void flush_out(mp_smtp_session *s)
{
    while (s->out_len) {
        size_t n = 0;
        CURLcode rc = curl_easy_send(s->easy, s->out, s->out_len, &n);
        if (rc == CURLE_AGAIN) {
            event_add(s->write_ev, NULL);
            return;
        }
        if (rc != CURLE_OK) {
            log_text(s, curl_easy_strerror(rc));
            fail(s, MP_SESSION_END_DROPPED, NULL);
            return;
        }
        memmove(s->out, s->out + n, s->out_len - n);
        s->out_len -= n;
    }
    event_del(s->write_ev);
}

/* Queues one command line. Refuses CR, LF and NUL anywhere in it: no input
 * may smuggle a second command (the core validated addresses; this is the
 * last line of defence). */
static bool queue_command(mp_smtp_session *s, const char *line)
{
    size_t n = strlen(line);
    if (strpbrk(line, "\r\n") || !grow(&s->out, &s->out_cap, s->out_len + n + 2, OUT_MAX))
        return false;
    memcpy(s->out + s->out_len, line, n);
    memcpy(s->out + s->out_len + n, "\r\n", 2);
    s->out_len += n + 2;
    log_line(s, "C: ", line, n);
    return true;
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    flush_out(arg);
}

/* ---- the state machine ------------------------------------------------- */

static bool send_rcpt(mp_smtp_session *s, mp_rcpt *r)
{
    char line[sizeof r->address + 16];
    if (memchr(r->address, '\r', strlen(r->address)) || strchr(r->address, '\n')) {
        s->ops->give_back(s->owner, s, r, false, MP_SESSION_END_PROTOCOL, NULL);
        return false;
    }
    snprintf(line, sizeof line, "RCPT TO:<%s>", r->address);
    if (!queue_command(s, line)) {
        s->ops->give_back(s->owner, s, r, false, MP_SESSION_END_PROTOCOL, NULL);
        return false;
    }
    sent_push(s, r);
    s->awaiting++;
    s->rcpts++;
    s->counters->rcpt_sent++;
    return true;
}

static bool has_room(const mp_smtp_session *s)
{
    return s->rcpts < s->cfg->max_rcpt_per_session && s->rejections < s->cfg->max_rejections_per_session;
}

/* Sends the next burst of RCPTs (first = one already taken, may be NULL).
 * Returns false when there was nothing to send. With PIPELINING the burst
 * is as large as the remaining budgets allow (RFC 2920 §3.1: RCPTs may be
 * pipelined); the rejection budget bounds it too, so a burst can never push
 * the server past its error limit. */
static bool send_burst(mp_smtp_session *s, mp_rcpt *first)
{
    int window = 1;
    if (s->trace.caps.pipelining) {
        int by_rcpt = s->cfg->max_rcpt_per_session - s->rcpts;
        int by_rej = s->cfg->max_rejections_per_session - s->rejections;
        window = by_rcpt < by_rej ? by_rcpt : by_rej;
        if (window > PIPELINE_WINDOW_MAX)
            window = PIPELINE_WINDOW_MAX;
        if (window < 1)
            window = 1;
    }
    int n = 0;
    if (first && send_rcpt(s, first))
        n++;
    while (n < window && has_room(s) && s->state != MP_SESSION_DONE) {
        mp_rcpt *r = s->ops->take(s->owner, s, MP_TAKE_REAL);
        if (!r)
            break;
        if (send_rcpt(s, r))
            n++;
    }
    if (!n && !s->final_taken && s->state != MP_SESSION_DONE) {
        s->final_taken = true;
        mp_rcpt *r = s->ops->take(s->owner, s, MP_TAKE_FINAL);
        if (r && send_rcpt(s, r))
            n++;
    }
    if (!n)
        return false;
    s->counters->round_trips++;
    arm_phase_timer(s, s->cfg->command_timeout_ms);
    flush_out(s);
    return true;
}

static void enter_state(mp_smtp_session *s, mp_session_state next)
{
    if (s->state == MP_SESSION_DONE)
        return;
    s->state = next;
    char line[512];
    switch (next) {
    case MP_SESSION_MAIL:
        s->tx_replies = 0;
        /* Take the first recipient before opening a transaction: no work, no MAIL. */
        s->pending = has_room(s) ? s->ops->take(s->owner, s, MP_TAKE_REAL) : NULL;
        if (!s->pending && !s->final_taken) {
            s->final_taken = true;
            s->pending = s->ops->take(s->owner, s, MP_TAKE_FINAL);
        }
        if (s->state == MP_SESSION_DONE)
            return;
        if (!s->pending) {
            enter_state(s, MP_SESSION_QUIT);
            return;
        }
        snprintf(line, sizeof line, "MAIL FROM:<%s>%s", s->from, s->trace.caps.smtputf8 ? " SMTPUTF8" : "");
        if (!queue_command(s, line)) {
            fail(s, MP_SESSION_END_PROTOCOL, NULL);
            return;
        }
        s->counters->mail_sent++;
        s->counters->round_trips++;
        arm_phase_timer(s, s->cfg->command_timeout_ms);
        flush_out(s);
        return;
    case MP_SESSION_RCPT: {
        mp_rcpt *first = s->pending;
        s->pending = NULL;
        if (!send_burst(s, first) && s->state != MP_SESSION_DONE)
            enter_state(s, MP_SESSION_QUIT);
        return;
    }
    case MP_SESSION_RSET:
        s->new_transaction = false;
        queue_command(s, "RSET");
        s->counters->rset_sent++;
        s->counters->round_trips++;
        arm_phase_timer(s, s->cfg->command_timeout_ms);
        flush_out(s);
        return;
    case MP_SESSION_QUIT:
        queue_command(s, "QUIT");
        arm_phase_timer(s, s->cfg->command_timeout_ms < QUIT_WAIT_MS ? s->cfg->command_timeout_ms : QUIT_WAIT_MS);
        flush_out(s);
        return;
    case MP_SESSION_CONNECT:
    case MP_SESSION_DONE:
    case MP_SESSION_STATE_COUNT:
        return;
    }
}

/* RFC 5321 §4.5.3.1.10 and RFC 3463 x.5.3: "too many recipients" — the
 * rest goes into a new transaction, it says nothing about the mailbox. */
static bool too_many_recipients(const mp_smtp_reply *r)
{
    return r->code == 452 && (!strcmp(r->enhanced, "4.5.3") || mp_contains_ci(r->text, strlen(r->text), "too many recipients"));
}

static void on_reply(mp_smtp_session *s, const mp_smtp_reply *reply)
{
    evtimer_del(s->phase_timer);
    switch (s->state) {
    case MP_SESSION_MAIL:
        if (reply->code / 100 == 2)
            enter_state(s, MP_SESSION_RCPT);
        else
            fail(s, reply->code == 421 ? MP_SESSION_END_DROPPED : MP_SESSION_END_REFUSED, reply);
        return;
    case MP_SESSION_RCPT: {
        mp_rcpt *r = sent_pop(s);
        if (!r) { /* a reply nobody asked for */
            fail(s, MP_SESSION_END_PROTOCOL, reply);
            return;
        }
        s->awaiting--;
        if (reply->code == 421) {
            /* The server is closing (RFC 5321 §3.8): not an answer for r. */
            s->ops->give_back(s->owner, s, r, true, MP_SESSION_END_DROPPED, reply);
            fail(s, MP_SESSION_END_DROPPED, reply);
            return;
        }
        /* "Too many recipients" for the first recipient of a transaction
         * cannot be cured by a new one (Gmail's "452 4.5.3 Domain policy
         * size per transaction exceeded"): it is this recipient's answer. */
        bool first_of_transaction = s->tx_replies++ == 0;
        if (too_many_recipients(reply) && !first_of_transaction) {
            s->ops->give_back(s->owner, s, r, false, MP_SESSION_END_OK, reply);
            s->new_transaction = true;
        } else {
            /* Postfix counts a 4xx refusal (greylisting, "try later")
             * against its error limits as it counts a 5xx. */
            if (reply->code / 100 == 4 || reply->code / 100 == 5)
                s->rejections++;
            s->ops->rcpt_reply(s->owner, s, r, reply);
        }
        if (s->state == MP_SESSION_DONE)
            return;
        if (s->awaiting) {
            /* More replies of the burst to come: each one gets a whole
             * --command-timeout (the timer was stopped above), so a server
             * that falls silent mid-burst cannot hold the session. */
            arm_phase_timer(s, s->cfg->command_timeout_ms);
            return;
        }
        if (s->new_transaction) {
            s->final_taken = false;
            enter_state(s, MP_SESSION_RSET);
        } else if (!send_burst(s, NULL) && s->state != MP_SESSION_DONE) {
            enter_state(s, MP_SESSION_QUIT);
        }
        return;
    }
    case MP_SESSION_RSET:
        if (reply->code / 100 == 2)
            enter_state(s, MP_SESSION_MAIL);
        else
            enter_state(s, MP_SESSION_QUIT);
        return;
    case MP_SESSION_QUIT:
        finish(s, MP_SESSION_END_OK, NULL);
        return;
    case MP_SESSION_CONNECT:
    case MP_SESSION_DONE:
    case MP_SESSION_STATE_COUNT:
        return;
    }
}

/* ---- receiving --------------------------------------------------------- */

static void process_input(mp_smtp_session *s)
{
    while (s->in_len && s->state != MP_SESSION_DONE) {
        mp_smtp_reply reply;
        mp_reply_status st = parse_smtp_reply(s->in, s->in_len, &reply);
        if (st == MP_REPLY_NEED_MORE)
            return;
        if (st != MP_REPLY_COMPLETE) {
            log_line(s, "S: ", s->in, s->in_len);
            log_text(s, mp_reply_status_name(st));
            fail(s, MP_SESSION_END_PROTOCOL, NULL);
            return;
        }
        /* Log each raw line of the reply. */
        for (size_t i = 0, start = 0; i < reply.consumed; i++)
            if (s->in[i] == '\n') {
                log_line(s, "S: ", s->in + start, i - start);
                start = i + 1;
            }
        /* Leftover data is a protocol error unless we pipelined (RFC 2920:
         * the replies of a burst arrive together). */
        if (reply.leftover && !(s->state == MP_SESSION_RCPT && s->awaiting > 1)) {
            log_text(s, "unexpected data after the reply");
            fail(s, MP_SESSION_END_PROTOCOL, &reply);
            return;
        }
        memmove(s->in, s->in + reply.consumed, reply.leftover);
        s->in_len = reply.leftover;
        on_reply(s, &reply);
    }
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_smtp_session *s = arg;
    bool eof = false;
    while (s->state != MP_SESSION_DONE) {
        if (s->in_len >= IN_MAX || !grow(&s->in, &s->in_cap, s->in_len + 1024 < IN_MAX ? s->in_len + 1024 : IN_MAX, IN_MAX)) {
            fail(s, MP_SESSION_END_PROTOCOL, NULL);
            return;
        }
        size_t n = 0;
        CURLcode rc = curl_easy_recv(s->easy, s->in + s->in_len, s->in_cap - s->in_len, &n);
        if (rc == CURLE_AGAIN)
            break;
        if (rc != CURLE_OK) {
            log_text(s, curl_easy_strerror(rc));
            eof = true;
            break;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        s->in_len += n;
        process_input(s);
    }
    if (s->state == MP_SESSION_DONE)
        return;
    process_input(s);
    if (eof && s->state != MP_SESSION_DONE) {
        log_text(s, "connection closed by the server");
        fail(s, s->state == MP_SESSION_QUIT ? MP_SESSION_END_OK : MP_SESSION_END_DROPPED, NULL);
    }
}

static void on_phase_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_smtp_session *s = arg;
    if (s->state == MP_SESSION_QUIT) {
        finish(s, MP_SESSION_END_OK, NULL);
        return;
    }
    char msg[64];
    snprintf(msg, sizeof msg, "timeout in state %s", mp_session_state_name(s->state));
    log_text(s, msg);
    fail(s, MP_SESSION_END_TIMEOUT, NULL);
}

static void on_deferred(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_smtp_session *s = arg;
    fail(s, s->deferred_end, NULL);
}

/* ---- CONNECT: libcurl ---------------------------------------------------- */

/* libcurl's debug stream: the transcript, and what smtp_trace.h reads from
 * it. A clipped line ends the session from the loop, never from inside
 * libcurl's callback. */
static int on_curl_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)easy;
    mp_smtp_session *s = arg;
    if (type == CURLINFO_HEADER_IN)
        log_line(s, "S: ", data, size);
    else if (type == CURLINFO_HEADER_OUT)
        log_line(s, "C: ", data, size);
    if (mp_smtp_trace_feed(&s->trace, type, data, size) == MP_TRACE_LINE_TOO_LONG) {
        log_line(s, "-- ", data, size);
        s->deferred_end = MP_SESSION_END_PROTOCOL;
        event_active(s->deferred, EV_TIMEOUT, 0);
    }
    return 0;
}

/* Last line of defence against SSRF: the address libcurl is about to
 * connect to must be permitted (dns.c already filtered; a proxy is the
 * operator's own choice and is not checked). */
static curl_socket_t on_curl_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    mp_smtp_session *s = arg;
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    if (!s->cfg->proxy[0] && !mp_target_permitted(s->cfg->targets, &a->addr, NULL)) {
        log_text(s, "connection refused by the target policy");
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* How a failed CONNECT ends the session: libcurl's error, and the last
 * reply it read (`reply` NULL when none). */
static mp_session_end connect_failure(CURLcode rc, const mp_smtp_reply *reply)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return MP_SESSION_END_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return MP_SESSION_END_TIMEOUT;
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
        return MP_SESSION_END_TLS;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        return MP_SESSION_END_DROPPED;
    default:
        /* A reply that is a well-formed refusal (554 greeting, EHLO and
         * HELO refused) is the server saying no; 421 is it closing (RFC
         * 5321 §3.8); anything else is not SMTP. */
        if (!reply || reply->code < 400)
            return MP_SESSION_END_PROTOCOL;
        return reply->code == 421 ? MP_SESSION_END_DROPPED : MP_SESSION_END_REFUSED;
    }
}

/* CONNECT is over: fail with the reason, or watch the socket ourselves and
 * open the first transaction. */
static void on_connected(mp_smtp_session *s, CURLcode rc)
{
    evtimer_del(s->phase_timer);
    if (s->state != MP_SESSION_CONNECT)
        return;
    if (rc != CURLE_OK) {
        log_text(s, curl_easy_strerror(rc));
        mp_smtp_reply reply;
        bool have_reply = mp_smtp_trace_last_reply(&s->trace, &reply);
        mp_session_end end = s->trace.line_too_long ? MP_SESSION_END_PROTOCOL
                                                    : connect_failure(rc, have_reply ? &reply : NULL);
        /* Only a refusal is worth reporting as the decisive reply (a 220
         * greeting before an early close is not). */
        fail(s, end, have_reply && reply.code >= 400 && end != MP_SESSION_END_PROTOCOL ? &reply : NULL);
        return;
    }
    curl_socket_t fd = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(s->easy, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK || fd == CURL_SOCKET_BAD) {
        fail(s, MP_SESSION_END_DROPPED, NULL);
        return;
    }
    s->fd = fd;
    s->read_ev = event_new(s->base, fd, EV_READ | EV_PERSIST, on_readable, s);
    s->write_ev = event_new(s->base, fd, EV_WRITE | EV_PERSIST, on_writable, s);
    if (!s->read_ev || !s->write_ev) {
        fail(s, MP_SESSION_END_DROPPED, NULL);
        return;
    }
    event_add(s->read_ev, NULL);
    enter_state(s, MP_SESSION_MAIL);
}

/* mp_curl_event: libcurl's part of CONNECT is over (either way). */
static void on_connect_done(CURL *easy, CURLcode rc, void *arg)
{
    mp_smtp_session *s = arg;
    if (easy == s->easy)
        on_connected(s, rc);
}

/* "smtp://HOST:PORT/HELO" with CURLOPT_RESOLVE pinning HOST to the address
 * dns.c resolved and the target policy permitted: libcurl never resolves the
 * name itself, and TLS still sees the MX host name. */
static bool configure_easy(mp_smtp_session *s)
{
    char ip[INET6_ADDRSTRLEN];
    bool v6 = s->addr.ss_family == AF_INET6;
    if (!mp_address_text(&s->addr, ip, sizeof ip))
        return false;
    /* The host name goes into a URL: only letters, digits, '-', '.'. */
    bool name_ok = s->host[0] != '\0';
    for (const char *p = s->host; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '.'))
            name_ok = false;
    char url[MP_HOST_MAX * 2 + 64], pin[MP_HOST_MAX + INET6_ADDRSTRLEN + 16];
    struct curl_slist *resolve = NULL;
    if (name_ok) {
        snprintf(url, sizeof url, "smtp://%s:%d/%s", s->host, s->port, s->helo);
        snprintf(pin, sizeof pin, v6 ? "%s:%d:[%s]" : "%s:%d:%s", s->host, s->port, ip);
        resolve = curl_slist_append(NULL, pin);
        if (!resolve)
            return false;
    } else {
        snprintf(url, sizeof url, v6 ? "smtp://[%s]:%d/%s" : "smtp://%s:%d/%s", ip, s->port, s->helo);
    }
    CURL *e = s->easy;
    bool ok = curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK;
    if (resolve)
        ok = ok && curl_easy_setopt(e, CURLOPT_RESOLVE, resolve) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_PRIVATE, s) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)s->cfg->connect_timeout_ms) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT,
                                (long)(s->cfg->connect_timeout_ms + 999) / 1000) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 2048L) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_VERBOSE, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, on_curl_debug) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_DEBUGDATA, s) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_curl_opensocket) == CURLE_OK;
    ok = ok && curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, s) == CURLE_OK;
    switch (s->cfg->starttls) {
    case MP_STARTTLS_TRY:
        /* Opportunistic TLS (RFC 7435): encrypt when offered, but an MX
         * certificate is rarely valid for its name, so do not verify. */
        ok = ok && curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY) == CURLE_OK;
        ok = ok && curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK;
        ok = ok && curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK;
        break;
    case MP_STARTTLS_REQUIRE:
        ok = ok && curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL) == CURLE_OK;
        break;
    default:
        ok = ok && curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE) == CURLE_OK;
        break;
    }
    /* Always set: with no proxy, "" also stops libcurl from taking one from
     * ALL_PROXY / smtp_proxy in the environment, which would get the MX name
     * and connect past the target policy. */
    ok = ok && curl_easy_setopt(e, CURLOPT_PROXY, s->cfg->proxy) == CURLE_OK;
    /* libcurl does not copy the RESOLVE list: it lives as long as the session. */
    s->resolve_list = resolve;
    return ok;
}

/* ---- lifetime ------------------------------------------------------------ */

mp_smtp_session *mp_smtp_session_start(struct event_base *base, const mp_session_params *p,
                                       const mp_session_ops *ops, void *owner)
{
    mp_smtp_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base = base;
    s->cfg = p->cfg;
    s->ops = ops;
    s->owner = owner;
    s->counters = p->counters;
    snprintf(s->host, sizeof s->host, "%s", p->host ? p->host : "");
    snprintf(s->helo, sizeof s->helo, "%s", p->helo);
    snprintf(s->from, sizeof s->from, "%s", p->from);
    s->addr = p->addr;
    s->port = p->port;
    s->fd = CURL_SOCKET_BAD;
    s->state = MP_SESSION_CONNECT;
    mp_smtp_trace_init(&s->trace);
    s->curl = mp_curl_event_new(base, on_connect_done, s);
    s->easy = curl_easy_init();
    s->phase_timer = evtimer_new(base, on_phase_timeout, s);
    s->deferred = event_new(base, -1, 0, on_deferred, s);
    if (!s->curl || !s->easy || !s->phase_timer || !s->deferred || !configure_easy(s))
        goto fail;
    if (curl_multi_add_handle(mp_curl_event_multi(s->curl), s->easy) != CURLM_OK)
        goto fail;
    /* Our own backstop over libcurl's connect timeout. */
    arm_phase_timer(s, s->cfg->connect_timeout_ms + 1000);
    s->counters->sessions_opened++;
    s->counters->sessions_active++;
    {
        char ip[INET6_ADDRSTRLEN], msg[MP_HOST_MAX + INET6_ADDRSTRLEN + 32];
        mp_address_text(&s->addr, ip, sizeof ip);
        snprintf(msg, sizeof msg, "connecting to %s [%s]:%d", s->host, ip, s->port);
        log_text(s, msg);
    }
    return s;
fail:
    s->state = MP_SESSION_DONE;
    mp_smtp_session_free(s);
    return NULL;
}

void mp_smtp_session_abort(mp_smtp_session *s)
{
    if (s && s->state != MP_SESSION_DONE)
        finish(s, MP_SESSION_END_CANCELLED, NULL);
}

void mp_smtp_session_free(mp_smtp_session *s)
{
    if (!s)
        return;
    if (s->state != MP_SESSION_DONE) {
        /* Without callbacks: the owner is tearing down. */
        s->pending = NULL;
        s->sent_head = s->sent_tail = NULL;
        s->counters->sessions_active--;
        s->state = MP_SESSION_DONE;
    }
    close_transport(s);
    mp_curl_event_free(s->curl);
    curl_slist_free_all(s->resolve_list);
    if (s->phase_timer)
        event_free(s->phase_timer);
    if (s->deferred)
        event_free(s->deferred);
    mp_transcript_free(&s->transcript);
    free(s->in);
    free(s->out);
    free(s);
}

mp_session_state mp_smtp_session_state(const mp_smtp_session *s) { return s->state; }
const mp_session_caps *mp_smtp_session_caps(const mp_smtp_session *s) { return &s->trace.caps; }
const char *mp_smtp_session_host(const mp_smtp_session *s) { return s->host; }
