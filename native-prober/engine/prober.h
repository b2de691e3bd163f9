/* prober.h — the verification engine: addresses in, verdicts out.
 *
 * One prober runs on one libevent loop, single-threaded, with thousands of
 * addresses in flight. For each submitted address it runs the core's local
 * checks (mp_check), resolves the domain's mail hosts (dns.h), and asks the
 * mail server with an SMTP dialogue (EHLO, MAIL FROM, RCPT TO, RSET, QUIT —
 * never DATA). Addresses at the same domain share sessions (one MAIL FROM,
 * many RCPT TO), a catch-all test runs once per domain, greylisted addresses
 * can be retried, and every MX host is treated politely (connection and rate
 * limits). The core's mp_verdict() makes the final call.
 *
 * Used by `mailprobe verify` (cli/verify.c) and `mailprobe serve`.
 * Design notes: docs/design.md; user-facing behaviour: docs/verification.md. */
#ifndef MP_PROBER_H
#define MP_PROBER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include "dns_trust.h"
#include "domain_list.h"
#include "mailprobe/core.h"
#include "politeness.h"
#include "smtp_session.h"
#include "target.h"

enum {
    MP_PROBE_MX_MAX = 16,      /* MX hosts reported (the prober may know more) */
    MP_ENHANCED_CODE_MAX = 15, /* "5.1.10" and up to 3+3 digits fit easily */
};

/* One mail host as DNS listed it. */
typedef struct mp_probe_mx {
    char host[MP_HOST_MAX + 1]; /* lower-case, no trailing dot */
    int preference;             /* MX preference; 0 for an implicit MX */
} mp_probe_mx;

/* What the prober adds to a local result (rendered by result_json.h as the
 * JSON contract of docs/result-schema.md). Plain data, caller-owned; call
 * mp_probe_details_init() first, then fill what is known. Strings are
 * NUL-terminated; "" (or NULL for the pointers) means "not known" and
 * becomes JSON null. Nothing here needs to be valid UTF-8: invalid bytes
 * are replaced by U+FFFD on output. */
typedef struct mp_probe_details {
    /* DNS: mx = null in the JSON while dns is MP_DNS_NOT_CHECKED. */
    mp_dns_result dns;
    const char *dns_message;     /* why a denial is not believed (mx.message); NULL = null; static */
    bool mx_implicit;            /* no MX record: the domain's A/AAAA is used (RFC 5321 §5.1) */
    size_t mx_count;             /* entries used in mx[], <= MP_PROBE_MX_MAX */
    mp_probe_mx mx[MP_PROBE_MX_MAX]; /* in the order tried (preference, then DNS order) */

    /* SMTP: the decisive reply (the one mp_smtp_classify() judged). */
    int smtp_code;                               /* 0 = no reply */
    char enhanced_code[MP_ENHANCED_CODE_MAX + 1]; /* "5.1.1" or "" */
    char message[MP_SMTP_TEXT_MAX + 1];          /* the server's own words, lines joined */
    char host[MP_HOST_MAX + 1];                  /* the MX host that gave it */

    /* Extras written after "smtp". */
    const char *provider;        /* e.g. "google", "microsoft"; NULL = null; static storage */
    int retry_after;             /* seconds until a retry is worthwhile; -1 = null */
    const char *const *transcript; /* NULL = no "transcript" key at all */
    size_t transcript_count;     /* lines in transcript[] */
} mp_probe_details;

/* Sets `d` to "nothing learnt": dns not checked, no MX, no reply,
 * retry_after -1, no provider, no transcript. */
void mp_probe_details_init(mp_probe_details *d);

/* Everything that tunes a prober. Fill with mp_prober_config_default(), then
 * change fields (prober_options.h parses them from the command line).
 * Strings are copied into the struct so a config outlives its source. */
typedef struct mp_prober_config {
    /* DNS */
    char dns_server[128];         /* "HOST[:PORT]"; "" = the system resolver */
    int dns_timeout_ms;           /* per query try; default 3000 */
    char dns_canaries[MP_DNS_CANARIES_MAX][MP_DOMAIN_MAX + 2]; /* zones that must exist;
                                     none = the built-in set (dns_trust.h) */
    size_t dns_canary_count;
    int dns_recheck_ms;           /* canary rounds while the resolver is honest;
                                     default 300000 (a tenth while it is not) */
    /* Where we may connect */
    int smtp_port;                /* default 25 */
    mp_target_policy targets;     /* refused ranges + --allow-net exceptions */
    char proxy[256];              /* "socks5://host:port" or "" for direct */
    mp_starttls_mode starttls;    /* default MP_STARTTLS_TRY */
    /* Our identity: never a borrowed one */
    char helo[MP_HOST_MAX + 1];   /* "" = this host's FQDN */
    char from[MP_ADDRESS_MAX + 1];/* MAIL FROM; "" = "probe@" + the HELO name */
    /* Time limits (milliseconds) */
    int timeout_ms;               /* whole answer for one address, from the
                                     moment it is admitted; default 60000 */
    int connect_timeout_ms;       /* TCP connect + greeting + EHLO (+ STARTTLS);
                                     default 15000 */
    int command_timeout_ms;       /* reply to each MAIL/RCPT/RSET; default 15000 */
    /* Scale and politeness */
    int concurrency;              /* addresses in flight at once; default 1000 */
    /* Memory bounds: everything the prober keeps is capped */
    int max_queued;               /* addresses accepted beyond `concurrency`, waiting for
                                     a slot; further ones are refused with
                                     MP_SUBMIT_QUEUE_FULL until a callback ran; default 10000 */
    int max_domains;              /* domains remembered (DNS answer, catch-all verdict,
                                     MX failover state), and DNS answers cached; at the
                                     cap the domain idle the longest is forgotten (one in
                                     use never is); default 10000 */
    int max_hosts;                /* MX addresses remembered (politeness: sessions open,
                                     token bucket); at the cap the one idle the longest
                                     is forgotten; default 10000 */
    int per_host_connections;     /* simultaneous sessions per MX address; default 2 */
    double per_host_rate;         /* new sessions per second per MX address; default 2 */
    int max_rcpt_per_session;     /* RCPT TO per session (1 = no batching); default 50 */
    int max_rejections_per_session; /* 5xx RCPT replies before we end a session,
                                       kept under Postfix's soft error limit
                                       (10) and hard limit (20); default 8 */
    int greylist_wait_s;          /* >0: retry greylisted addresses after this
                                     many seconds; 0: report retry_after (default) */
    bool catch_all;               /* test each domain once for catch-all (default true) */
    int domain_idle_ms;           /* an unused domain (its DNS answer, its catch-all
                                     verdict) is forgotten after this long; default
                                     600000. Not an option: tests shorten it with the
                                     environment variable MAILPROBE_TEST_DOMAIN_IDLE_MS,
                                     read by mp_prober_config_default() */
    bool transcript;              /* keep the SMTP conversation per result */
    /* Verdict */
    mp_options parse;             /* syntax profile for mp_check */
    mp_policy policy;             /* what counts as risky */
} mp_prober_config;

/* Fills `cfg` with the documented defaults above. */
void mp_prober_config_default(mp_prober_config *cfg);

typedef struct mp_prober mp_prober;

/* Called once per submitted address that was not cancelled, always from the
 * event loop (never inside mp_prober_submit). `result` and `details` (and
 * every string they point to) are valid only during the call: copy or
 * serialise them (result_json.h). */
typedef void (*mp_probe_done_cb)(const mp_result *result, const mp_probe_details *details,
                                 void *arg);

/* Creates a prober on `base` (borrowed: must outlive the prober). Copies
 * `cfg` (NULL = defaults), creates its DNS resolver and libcurl multi handle.
 * Returns NULL and writes a message into err (size errlen) when the
 * configuration is unusable (bad DNS server, libcurl init failure...). */
mp_prober *mp_prober_new(struct event_base *base, const mp_prober_config *cfg,
                         char *err, size_t errlen);

/* What mp_prober_submit did. */
typedef enum mp_submit_status {
    MP_SUBMIT_OK = 0,          /* accepted: the callback will run */
    MP_SUBMIT_QUEUE_FULL,      /* concurrency + max_queued addresses are unfinished:
                                  submit again after a callback (mp_prober_room) */
    MP_SUBMIT_SHUTTING_DOWN,   /* the prober is being freed */
    MP_SUBMIT_NO_MEMORY,
    MP_SUBMIT_STATUS_COUNT
} mp_submit_status;

/* "ok", "queue_full", "shutting_down", "no_memory". */
const char *mp_submit_status_name(mp_submit_status s);

/* Submits one address (`len` octets, not necessarily NUL-terminated, may be
 * anything: invalid input gets its invalid_syntax verdict). On MP_SUBMIT_OK
 * the probe's id (> 0) goes to *id_out (may be NULL) and the callback runs
 * exactly once, later, from the loop — unless the probe is cancelled.
 * Addresses beyond `concurrency` wait in a FIFO of at most `max_queued`;
 * beyond that the answer is MP_SUBMIT_QUEUE_FULL and nothing is kept
 * (callers apply backpressure: stop reading input, or answer 503). Any
 * status but OK leaves *id_out 0. */
mp_submit_status mp_prober_submit(mp_prober *prober, const char *email, size_t len,
                                  mp_probe_done_cb cb, void *arg, uint64_t *id_out);

/* How many more addresses mp_prober_submit would accept now (0 = full).
 * Grows by one before each callback runs, so a caller may submit from
 * inside its callback. */
size_t mp_prober_room(const mp_prober *prober);

/* Cancels one probe by id: its callback will not run. Returns false when
 * the id is unknown or already finished. */
bool mp_prober_cancel(mp_prober *prober, uint64_t id);

/* Cancels every unfinished probe submitted with this `arg` (a batch / job
 * token). Their callbacks will not run. Returns how many were cancelled.
 * Safe to call from inside a probe callback. */
size_t mp_prober_cancel_arg(mp_prober *prober, void *arg);

/* Optional memory of catch-all verdicts across runs (`mailprobe serve` keeps
 * them in SQLite). Both run on the loop. `recall` is asked when the prober
 * meets a domain (first, or again after forgetting it when idle): MP_YES or
 * MP_NO, a verdict learned earlier and still fresh, skips the domain's
 * random-recipient test; MP_UNKNOWN tests as usual. `learn` is told each
 * verdict a test (or an unknown-user rejection) actually established --
 * never a recalled one, so a stored verdict ages and is tested again. */
typedef struct mp_catch_all_memory {
    mp_tristate (*recall)(const char *ascii_domain, void *arg);
    void (*learn)(const char *ascii_domain, bool catch_all, void *arg);
    void *arg;
} mp_catch_all_memory;

/* Installs (copies) `memory`; NULL removes it. */
void mp_prober_set_catch_all_memory(mp_prober *prober, const mp_catch_all_memory *memory);

/* Who decides how many sessions each MX address may have and how fast new
 * ones may start (politeness.h): by default the local politeness (the
 * configured --per-host-connections / --per-host-rate for every address);
 * `mailprobe serve` with PostgreSQL installs the cluster's. Installs
 * (copies) `politeness`; NULL restores the local one. Sessions already
 * open are not closed; a smaller budget only holds new ones back. */
void mp_prober_set_politeness(mp_prober *prober, const mp_politeness *politeness);

/* The operator's extra disposable domains (`serve --disposable-list`),
 * counted like the core's compiled-in list: an address at one of them is
 * disposable before the verdict is decided, so the callback's result, the
 * stats and /metrics all see the same final status. `list` is borrowed and
 * must stay alive until it is replaced (this function may be called again
 * at any time between two loop callbacks, e.g. on SIGHUP) or the prober is
 * freed; NULL removes it. */
void mp_prober_set_extra_disposable(mp_prober *prober, const mp_domain_list *list);

/* Counters for /metrics, --stats and benchmarks. Monotonic except the
 * "now" gauges (in_flight, queued, probes, sessions_active, domains, hosts). */
typedef struct mp_prober_stats {
    uint64_t submitted;          /* addresses given to mp_prober_submit */
    uint64_t completed;          /* callbacks run */
    uint64_t cancelled;
    uint64_t in_flight;          /* gauge: admitted, not finished */
    uint64_t queued;             /* gauge: waiting for a concurrency slot */
    uint64_t probes;             /* gauge: probes in memory (submitted, not freed yet: a
                                    finished one lives on only while a session holds it) */
    uint64_t smtp_probed;        /* completed addresses that reached SMTP */
    uint64_t sessions_opened;    /* SMTP connections attempted */
    uint64_t sessions_failed;    /* ... that ended in a connection/protocol failure */
    uint64_t sessions_active;    /* gauge */
    uint64_t mail_sent;          /* MAIL FROM commands */
    uint64_t rcpt_sent;          /* RCPT TO commands (incl. catch-all tests) */
    uint64_t rset_sent;
    uint64_t round_trips;        /* command→reply waits (a pipelined burst is one) */
    uint64_t catch_all_tests;    /* RCPTs to random local parts */
    uint64_t greylist_retries;
    uint64_t dns_queries;        /* DNS queries sent (MX, A, AAAA; cache hits excluded) */
    uint64_t dns_cache_hits;     /* lookups answered from the resolver's cache */
    uint64_t dns_errors;         /* queries that failed (timeout, SERVFAIL...) */
    uint64_t domains;            /* gauge: domains remembered (<= max_domains + those in use) */
    uint64_t domains_evicted;    /* idle domains forgotten to stay within max_domains */
    uint64_t hosts;              /* gauge: MX addresses remembered */
    uint64_t hosts_evicted;      /* idle MX addresses forgotten to stay within max_hosts */
    uint64_t refused_full;       /* submissions refused with MP_SUBMIT_QUEUE_FULL */
    mp_resolver_state resolver_state; /* gauge: what the last canary round showed */
    uint64_t by_status[MP_STATUS_COUNT];
    uint64_t by_reason[MP_REASON_COUNT];
} mp_prober_stats;

void mp_prober_stats_get(const mp_prober *prober, mp_prober_stats *out);

/* Whether the resolver is shown honest (dns_trust.h; docs/dns-and-safety.md):
 * while it is not, no DNS denial makes an address undeliverable (reason
 * dns_untrusted). Copies the state into *out. */
void mp_prober_resolver_trust(const mp_prober *prober, mp_resolver_trust *out);

/* Called from the loop whenever the resolver's state changes (the first
 * round's outcome included); `trust` is valid during the call only. One
 * listener; NULL removes it. */
typedef void (*mp_resolver_listener)(const mp_resolver_trust *trust, void *arg);
void mp_prober_set_resolver_listener(mp_prober *prober, mp_resolver_listener cb, void *arg);

/* Stops everything: open sessions are closed (QUIT is not awaited), pending
 * probes are dropped without callbacks, DNS queries cancelled. Must not be
 * called from inside a probe callback. NULL is fine. */
void mp_prober_free(mp_prober *prober);

#endif
