/* smtp_session.h — one SMTP conversation with one mail host address.
 *
 * An explicit state machine (OpenSMTPD's mta_session is the model):
 *
 *   CONNECT ──► MAIL ──► RCPT ──► (RSET ──► MAIL ──► RCPT)* ──► QUIT ──► DONE
 *      │          │        │                                    ▲
 *      └──────────┴────────┴──── failure (timeout, EOF, garbage) ┘ → DONE
 *
 * CONNECT is libcurl's: TCP connect (through a SOCKS proxy if configured),
 * the greeting, EHLO (HELO fallback) and opportunistic STARTTLS, driven by a
 * curl multi handle on our libevent loop with CURLOPT_CONNECT_ONLY. From MAIL
 * on the session speaks itself with curl_easy_send/curl_easy_recv on the
 * connection's socket, which the loop watches. enter_state() sends a state's
 * command; on_reply() handles the reply for the current state. Never DATA.
 *
 * The session does not choose recipients: it asks its owner (the scheduler)
 * through mp_session_ops, and reports every reply. A session is never freed
 * inside one of its own callbacks: after ops->closed it waits for the owner
 * to call mp_smtp_session_free() later. */
#ifndef MP_SMTP_SESSION_H
#define MP_SMTP_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <event2/event.h>
#include "mailprobe/core.h"
#include "smtp_reply.h"
#include "smtp_trace.h"
#include "target.h"
#include "transcript.h"

/* STARTTLS policy after EHLO. */
typedef enum mp_starttls_mode {
    MP_STARTTLS_TRY = 0,   /* opportunistic (RFC 7435): use it when offered, no
                              certificate check; plain text otherwise (default) */
    MP_STARTTLS_NEVER,     /* never upgrade */
    MP_STARTTLS_REQUIRE,   /* upgrade or fail the host; certificates verified */
    MP_STARTTLS_COUNT
} mp_starttls_mode;

/* What a session needs of the prober's configuration (the scheduler fills
 * it from mp_prober_config). Borrowed by every session: it must outlive
 * them. */
typedef struct mp_session_config {
    int connect_timeout_ms;          /* TCP connect + greeting + EHLO (+ STARTTLS) */
    int command_timeout_ms;          /* reply to each MAIL/RCPT/RSET */
    int max_rcpt_per_session;        /* RCPT TO per session */
    int max_rejections_per_session;  /* refused RCPTs (4xx or 5xx) before the session ends */
    mp_starttls_mode starttls;
    const char *proxy;               /* "socks5://host:port", or "" for direct */
    const mp_target_policy *targets; /* where a connection may go (no proxy) */
    bool transcript;                 /* keep the conversation (mp_smtp_session_transcript) */
} mp_session_config;

typedef enum mp_session_state {
    MP_SESSION_CONNECT = 0, /* curl: TCP, greeting, EHLO/HELO, STARTTLS */
    MP_SESSION_MAIL,        /* MAIL FROM sent */
    MP_SESSION_RCPT,        /* RCPT TO sent (one, or a pipelined burst) */
    MP_SESSION_RSET,        /* RSET sent, a new transaction follows */
    MP_SESSION_QUIT,        /* QUIT sent */
    MP_SESSION_DONE,        /* closed; waiting to be freed by the owner */
    MP_SESSION_STATE_COUNT
} mp_session_state;

const char *mp_session_state_name(mp_session_state s);

/* How a session ended. */
typedef enum mp_session_end {
    MP_SESSION_END_OK = 0,      /* QUIT after the work was done */
    MP_SESSION_END_CONNECT,     /* could not connect (refused, unreachable, proxy) */
    MP_SESSION_END_TIMEOUT,     /* a phase took too long */
    MP_SESSION_END_REFUSED,     /* the server said no to us: greeting, EHLO or MAIL
                                   (see `reply`) */
    MP_SESSION_END_DROPPED,     /* EOF, reset or 421 in the middle */
    MP_SESSION_END_PROTOCOL,    /* the server did not speak SMTP */
    MP_SESSION_END_TLS,         /* STARTTLS required but impossible */
    MP_SESSION_END_CANCELLED,   /* the owner asked */
    MP_SESSION_END_COUNT
} mp_session_end;

const char *mp_session_end_name(mp_session_end e);

/* A recipient the owner hands to a session. Owned by the owner; the session
 * only links it into its in-flight list until it reports it back. */
typedef struct mp_rcpt {
    char address[MP_LOCAL_MAX * 2 + 3 + 1 + MP_DOMAIN_MAX + 1]; /* local@ascii-domain */
    bool smtputf8;              /* local part is UTF-8 */
    bool catch_all_test;        /* the random local part of the catch-all test */
    void *owner_data;
    struct mp_rcpt *next_in_session;
} mp_rcpt;

typedef struct mp_smtp_session mp_smtp_session;

/* Counters the session increments (the prober's stats). */
typedef struct mp_session_counters {
    uint64_t sessions_opened, sessions_failed, sessions_active;
    uint64_t mail_sent, rcpt_sent, rset_sent, round_trips;
} mp_session_counters;

typedef enum mp_take_phase {
    MP_TAKE_REAL = 0,  /* a real recipient, while the session has room */
    MP_TAKE_FINAL,     /* nothing real left: a last recipient (the catch-all test)? */
} mp_take_phase;

typedef struct mp_session_ops {
    /* Next recipient for this session, or NULL. The owner may finish
     * recipients it cannot send here (e.g. SMTPUTF8 not offered). */
    mp_rcpt *(*take)(void *owner, mp_smtp_session *s, mp_take_phase phase);
    /* The server's reply to RCPT TO for `r` (any code but 421). */
    void (*rcpt_reply)(void *owner, mp_smtp_session *s, mp_rcpt *r, const mp_smtp_reply *reply);
    /* `r` was taken but got no usable reply; `sent` says whether its RCPT
     * went out (so the owner can count attempts), `end` why. */
    void (*give_back)(void *owner, mp_smtp_session *s, mp_rcpt *r, bool sent, mp_session_end end,
                      const mp_smtp_reply *reply);
    /* The session is over (state DONE). Every taken recipient was reported
     * before this call. The owner frees the session later, outside. */
    void (*closed)(void *owner, mp_smtp_session *s, mp_session_end end, const mp_smtp_reply *reply);
} mp_session_ops;

typedef struct mp_session_params {
    const mp_session_config *cfg;          /* borrowed */
    const char *helo;                      /* resolved EHLO name */
    const char *from;                      /* MAIL FROM address, "" = null path */
    const char *host;                      /* MX host name (for logs, TLS, results) */
    struct sockaddr_storage addr;          /* the permitted address to connect to */
    int port;
    mp_session_counters *counters;         /* borrowed */
} mp_session_params;

/* Starts a session (state CONNECT). Returns NULL only when out of memory or
 * libcurl refuses; then nothing was reported. */
mp_smtp_session *mp_smtp_session_start(struct event_base *base, const mp_session_params *params,
                                       const mp_session_ops *ops, void *owner);

/* Ends the session now: taken recipients are given back (END_CANCELLED),
 * ops->closed is called. Safe to call more than once. */
void mp_smtp_session_abort(mp_smtp_session *s);

/* Frees a session in state DONE (aborts it first otherwise, without
 * callbacks). Never call from inside one of the session's callbacks. */
void mp_smtp_session_free(mp_smtp_session *s);

mp_session_state mp_smtp_session_state(const mp_smtp_session *s);
const mp_session_caps *mp_smtp_session_caps(const mp_smtp_session *s);
const char *mp_smtp_session_host(const mp_smtp_session *s);

/* The conversation so far ("C: ...", "S: ...", "-- ..."), when the config
 * asked for transcripts (else 0 lines). Lines stay valid until the session is
 * freed. */
size_t mp_smtp_session_transcript(const mp_smtp_session *s, const char *const **lines);

#endif
