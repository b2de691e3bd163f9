/*
 * mailprobe core — the one verdict on an e-mail address.
 *
 * A pure C11 library: no I/O, no global mutable state, no allocation per
 * check. Every result lives in a caller-owned, fixed-size `mp_result`. The
 * native prober and the WebAssembly build both call it, so the browser and
 * the server can never disagree.
 *
 * Two steps make a verdict:
 *   1. mp_check()    — local checks: syntax (RFC 5321/5322/6531, IDNA2008 with
 *                      UTS #46 mapping), disposable, role, free provider and a
 *                      "did you mean" suggestion; then a first verdict.
 *   2. mp_verdict()  — the prober adds its DNS and SMTP evidence and the same
 *                      function decides again (status, reason, action, score).
 *
 * The JSON form of a result is specified in docs/result-schema.md; the names
 * used there come from the mp_*_name() functions below.
 */
#ifndef MAILPROBE_CORE_H
#define MAILPROBE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailprobe/version.h" /* generated: MP_VERSION */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Limits (octets) -------------------------------------------------- */

enum {
    MP_LOCAL_MAX = 64,    /* RFC 5321 §4.5.3.1.1 */
    MP_DOMAIN_MAX = 253,  /* RFC 1035 §2.3.4, ASCII form, no trailing dot */
    MP_LABEL_MAX = 63,    /* RFC 1035 §2.3.4 */
    MP_ADDRESS_MAX = 254, /* RFC 5321 path limit (256) minus the brackets */
    MP_INPUT_MAX = 1024,  /* longer input is rejected as too_long unparsed */
    MP_UNICODE_DOMAIN_MAX = 1023, /* U-labels take more octets than A-labels */
    MP_SMTP_TEXT_MAX = 511,
    MP_HOST_MAX = 255,
};

/* ---- Syntax ----------------------------------------------------------- */

/* Why an address is syntactically invalid. Stable: the names returned by
 * mp_syntax_code_name() are part of the public JSON schema. */
typedef enum mp_syntax_code {
    MP_SYNTAX_OK = 0,
    MP_SYNTAX_EMPTY,               /* nothing but (possibly) nothing */
    MP_SYNTAX_TOO_LONG,            /* address > 254 or input > MP_INPUT_MAX */
    MP_SYNTAX_INVALID_UTF8,        /* malformed or overlong UTF-8 */
    MP_SYNTAX_CONTROL_CHAR,        /* C0/C1 controls, DEL, CR, LF, NUL */
    MP_SYNTAX_WHITESPACE,          /* any space, incl. Unicode spaces */
    MP_SYNTAX_INVISIBLE_CHAR,      /* zero-width, soft hyphen, bidi controls */
    MP_SYNTAX_DISPLAY_NAME,        /* "Ann <ann@x.org>" or angle brackets */
    MP_SYNTAX_COMMENT,             /* RFC 5322 (comment) */
    MP_SYNTAX_NO_AT,               /* no '@' at all */
    MP_SYNTAX_MULTIPLE_AT,         /* '@' in an unquoted local part */
    MP_SYNTAX_LOCAL_EMPTY,         /* "@example.com" */
    MP_SYNTAX_LOCAL_TOO_LONG,      /* local part > 64 octets */
    MP_SYNTAX_LOCAL_DOT_START,     /* ".ann@x.org" */
    MP_SYNTAX_LOCAL_DOT_END,       /* "ann.@x.org" */
    MP_SYNTAX_LOCAL_DOUBLE_DOT,    /* "a..nn@x.org" */
    MP_SYNTAX_LOCAL_INVALID_CHAR,  /* not atext, not a UTF-8 letter */
    MP_SYNTAX_QUOTED_LOCAL,        /* "\"a b\"@x.org" without MP_ALLOW_QUOTED_LOCAL */
    MP_SYNTAX_QUOTED_INVALID,      /* unterminated quote, bad escape */
    MP_SYNTAX_DOMAIN_EMPTY,        /* "ann@" */
    MP_SYNTAX_DOMAIN_LITERAL,      /* "[192.0.2.1]" without MP_ALLOW_DOMAIN_LITERAL */
    MP_SYNTAX_DOMAIN_LITERAL_INVALID, /* "[300.1.1.1]", "[IPv6:zz]" */
    MP_SYNTAX_DOMAIN_TOO_LONG,     /* > 253 octets after IDNA */
    MP_SYNTAX_DOMAIN_ONE_LABEL,    /* "ann@localhost"-style: needs two labels */
    MP_SYNTAX_LABEL_EMPTY,         /* "x..org", ".x.org", "x.org." */
    MP_SYNTAX_LABEL_TOO_LONG,      /* > 63 octets after IDNA */
    MP_SYNTAX_LABEL_HYPHEN,        /* label starts or ends with '-' */
    MP_SYNTAX_LABEL_INVALID_CHAR,  /* not letter/digit/hyphen (after mapping) */
    MP_SYNTAX_NUMERIC_TLD,         /* top-level label all digits */
    MP_SYNTAX_IDNA_INVALID,        /* bad punycode, disallowed code point, ... */
    MP_SYNTAX_SPECIAL_USE_DOMAIN,  /* RFC 6761/6762/7686 names: test, local, onion... */
    MP_SYNTAX_LABEL_RESERVED_HYPHENS, /* "--" in a label's 3rd and 4th places, not xn-- */
    MP_SYNTAX_TLD_INVALID,         /* top-level label neither letters nor an A-label */
    MP_SYNTAX_CODE_COUNT
} mp_syntax_code;

/* Parser options (bit flags for mp_options.flags). Default 0 = the
 * real-world profile documented in docs/syntax.md. */
enum {
    MP_ALLOW_QUOTED_LOCAL = 1u << 0,   /* accept "john doe"@example.com */
    MP_ALLOW_DOMAIN_LITERAL = 1u << 1, /* accept user@[192.0.2.1], user@[IPv6:...] */
    MP_ALLOW_SPECIAL_USE = 1u << 2,    /* accept user@example.com, user@foo.test */
};

typedef struct mp_options {
    unsigned flags; /* MP_ALLOW_* */
} mp_options;

/* The parsed address. Strings are NUL-terminated; empty when not known
 * (for example `domain` when there is no '@'). */
typedef struct mp_syntax {
    bool valid;
    mp_syntax_code code;   /* MP_SYNTAX_OK when valid */
    int position;          /* 0-based octet offset of the offending character
                              in the input, or -1 when no single one is at fault */
    bool smtputf8;         /* local part is non-ASCII: needs SMTPUTF8 (RFC 6531) */
    bool quoted_local;     /* local part is a quoted string (only with the option) */
    bool domain_literal;   /* domain is an address literal (only with the option) */
    char local[MP_LOCAL_MAX * 2 + 3];           /* as given (quotes kept), <= 64 octets when valid */
    char domain[MP_UNICODE_DOMAIN_MAX + 1];     /* as given */
    char ascii_domain[MP_DOMAIN_MAX + 1];       /* lower-case A-label form */
    char unicode_domain[MP_UNICODE_DOMAIN_MAX + 1]; /* lower-case U-label form */
} mp_syntax;

/* ---- Verdict ------------------------------------------------------------ */

typedef enum mp_status {
    MP_STATUS_DELIVERABLE = 0,
    MP_STATUS_UNDELIVERABLE,
    MP_STATUS_RISKY,
    MP_STATUS_UNKNOWN,
    MP_STATUS_COUNT
} mp_status;

typedef enum mp_action {
    MP_ACTION_SEND = 0,
    MP_ACTION_REMOVE,
    MP_ACTION_RETRY,
    MP_ACTION_SEGMENT,
    MP_ACTION_COUNT
} mp_action;

/* The closed set of reasons (docs/result-schema.md). */
typedef enum mp_reason {
    MP_REASON_ACCEPTED = 0,          /* the mailbox server accepted the recipient */
    MP_REASON_INVALID_SYNTAX,        /* see syntax.code */
    MP_REASON_SPECIAL_USE_DOMAIN,    /* RFC 6761 & co: never a public mail domain */
    MP_REASON_DOMAIN_NOT_FOUND,      /* NXDOMAIN */
    MP_REASON_NULL_MX,               /* RFC 7505: the domain accepts no mail */
    MP_REASON_NO_MAIL_HOST,          /* no MX and no A/AAAA */
    MP_REASON_MAILBOX_NOT_FOUND,     /* 5.1.1 & co */
    MP_REASON_MAILBOX_DISABLED,      /* 5.2.1 & co */
    MP_REASON_MAILBOX_FULL,          /* x.2.2, quota */
    MP_REASON_CATCH_ALL,             /* the domain accepts any local part */
    MP_REASON_ACCEPT_ALL_PROVIDER,   /* provider/gateway accepts all at the edge */
    MP_REASON_DISPOSABLE,            /* throw-away mailbox provider */
    MP_REASON_ROLE_ACCOUNT,          /* role address, when the policy makes it risky */
    MP_REASON_FREE_PROVIDER,         /* free provider, when the policy makes it risky */
    MP_REASON_GREYLISTED,            /* 4xx greylisting: retry later */
    MP_REASON_TEMPORARY_FAILURE,     /* other 4xx */
    MP_REASON_BLOCKED,               /* the server refused us (policy), not the mailbox */
    MP_REASON_BLOCKED_TARGET,        /* MX points to a private/loopback/... address */
    MP_REASON_TIMEOUT,
    MP_REASON_CONNECTION_FAILED,     /* no MX host reachable */
    MP_REASON_PROTOCOL_ERROR,        /* the server spoke garbage */
    MP_REASON_DNS_ERROR,             /* SERVFAIL, timeout */
    MP_REASON_SMTPUTF8_UNSUPPORTED,  /* UTF-8 local part, server lacks SMTPUTF8 */
    MP_REASON_NOT_CHECKED,           /* local checks only */
    MP_REASON_NO_ADDRESS,            /* the input is empty: a list row with no address */
    MP_REASON_DNS_UNTRUSTED,         /* DNS denied the domain, but the answer is not believed */
    MP_REASON_COUNT
} mp_reason;

/* What the SMTP dialogue said about the mailbox. */
typedef enum mp_smtp_result {
    MP_SMTP_NOT_CHECKED = 0,
    MP_SMTP_ACCEPTED,     /* 250/251 to RCPT TO */
    MP_SMTP_REJECTED,     /* a permanent answer about the mailbox */
    MP_SMTP_UNAVAILABLE,  /* no answer we can trust: temporary, blocked, timeout... */
    MP_SMTP_RESULT_COUNT
} mp_smtp_result;

/* What DNS said about the domain. */
typedef enum mp_dns_result {
    MP_DNS_NOT_CHECKED = 0,
    MP_DNS_OK,             /* at least one usable mail host */
    MP_DNS_NXDOMAIN,
    MP_DNS_NULL_MX,
    MP_DNS_NO_MAIL_HOST,
    MP_DNS_ERROR,          /* SERVFAIL, timeout, refused */
    MP_DNS_BLOCKED_TARGET, /* every mail host resolved to a refused address */
    MP_DNS_RESULT_COUNT
} mp_dns_result;

/* Tri-state for facts the prober may or may not have learnt. */
typedef enum mp_tristate { MP_UNKNOWN = -1, MP_NO = 0, MP_YES = 1 } mp_tristate;

/* Evidence gathered by the prober; zero-initialise, then fill what is known
 * -- and set `catch_all` to MP_UNKNOWN unless the domain was tested (zero is
 * MP_NO, a claim). `smtp_reason` is the classification of the decisive reply
 * (see mp_smtp_classify) or of the failure (timeout, connection_failed...).
 * `dns_untrusted` says a negative DNS answer (nxdomain, null_mx,
 * no_mail_host) proves nothing: the resolver has not been shown honest, or
 * the domain is known to receive mail (docs/dns-and-safety.md). */
typedef struct mp_evidence {
    mp_dns_result dns;
    mp_smtp_result smtp;
    mp_reason smtp_reason;
    mp_tristate catch_all;
    bool accept_all_provider;
    bool dns_untrusted;
} mp_evidence;

/* The verdict policy: what counts as risky. mp_policy_default() gives the
 * documented defaults (catch-all and disposable risky; role and free not). */
typedef struct mp_policy {
    bool role_is_risky;
    bool free_is_risky;
    bool disposable_is_risky;
    bool catch_all_is_risky;
} mp_policy;

/* The whole answer for one address. Plain data, caller-owned, ~3 KiB. */
typedef struct mp_result {
    mp_syntax syntax;
    bool disposable;
    bool role;
    bool free;
    bool unknown_tld;                  /* valid name whose TLD is not in the root zone list */
    bool has_suggestion;
    char suggestion[MP_INPUT_MAX + 1]; /* full corrected address when has_suggestion */
    char normalized[MP_LOCAL_MAX * 2 + 3 + 1 + MP_DOMAIN_MAX + 1]; /* local@ascii-domain, "" if invalid */
    mp_status status;
    mp_reason reason;
    mp_action action;
    int score;                         /* 0 (surely bad) .. 100 (surely good) */
    mp_evidence evidence;              /* copy of what mp_verdict() was given */
} mp_result;

/* ---- Functions ---------------------------------------------------------- */

/* Fills `opts` with the default profile (flags 0). */
void mp_options_default(mp_options *opts);

/* Fills `policy` with the documented defaults. */
void mp_policy_default(mp_policy *policy);

/* Parses `input` (`len` octets, need not be NUL-terminated; may contain NUL,
 * which is rejected) into `out`. Never fails in any other way: every input
 * gets a defined answer. `opts` may be NULL for the defaults. */
void mp_parse(const char *input, size_t len, const mp_options *opts, mp_syntax *out);

/* The full local check: mp_parse, then the disposable/role/free flags, the
 * suggestion, and mp_verdict() with empty evidence. `opts` and `policy` may
 * be NULL. Allocation-free; about a microsecond. */
void mp_check(const char *input, size_t len, const mp_options *opts,
              const mp_policy *policy, mp_result *out);

/* ---- Checking many addresses -------------------------------------------- */

/* A memo of the work that depends only on the domain: IDNA, the hostname
 * rules, the list lookups and the typo suggestion, which are most of a
 * check. In real lists a few hundred to a few thousand domains hold most
 * addresses, so bulk checkers (`mailprobe check -`, the WebAssembly
 * checkMany) keep one and call mp_check_memo(). Caller-owned, fixed size
 * (about 1.1 MiB: allocate it, do not put it on the stack), never
 * allocates; not thread-safe: one per thread. The fields are private to
 * core/src/memo.c.
 *
 * The answers are exactly mp_check()'s (tests/unit/test_memo.c runs the
 * corpus both ways): a slot holds one domain, keyed by its octets as given
 * and the MP_ALLOW_* flags. A domain has MP_MEMO_WAYS candidate slots (a
 * set); a new one replaces the least recently used of them. */
enum { MP_MEMO_SLOTS = 4096, MP_MEMO_WAYS = 4, MP_MEMO_NAME = 64 };
typedef struct mp_memo_slot {
    uint32_t hash;              /* of key and flags; 0 = empty */
    uint8_t key_len, flags, ascii_len, unicode_len, suggestion_len;
    uint8_t code;               /* the domain's mp_syntax_code */
    uint8_t facts;              /* MEMO_* bits of memo.h */
    uint32_t used;              /* memo clock at its last use: the oldest of a set goes */
    int16_t position;           /* offending octet from the domain start, or -1 */
    char key[MP_MEMO_NAME], ascii[MP_MEMO_NAME], unicode[MP_MEMO_NAME],
        suggestion[MP_MEMO_NAME];
} mp_memo_slot;
typedef struct mp_domain_memo {
    mp_memo_slot slot[MP_MEMO_SLOTS];
    size_t hits, misses;        /* for benchmarks and tests */
    uint32_t clock;             /* counts lookups */
} mp_domain_memo;

/* Empties `memo`. Call once before first use. */
void mp_domain_memo_init(mp_domain_memo *memo);

/* mp_check() that remembers per-domain work in `memo` (NULL: plain mp_check). */
void mp_check_memo(const char *input, size_t len, const mp_options *opts,
                   const mp_policy *policy, mp_domain_memo *memo, mp_result *out);

/* Decides status, reason, action and score from the local flags already in
 * `r` plus `evidence` (NULL = nothing checked). Copies `evidence` into
 * r->evidence. Calling it again with more evidence refines the verdict. */
void mp_verdict(mp_result *r, const mp_evidence *evidence, const mp_policy *policy);

/* Classifies an SMTP reply to RCPT TO (or to MAIL FROM / the greeting) from
 * its enhanced status code (RFC 3463, may be NULL or "" when the text starts
 * with it), then its basic code, then its text (may be NULL; addresses in it
 * are ignored, at most 1,023 octets are read). Returns MP_REASON_ACCEPTED,
 * MAILBOX_NOT_FOUND, MAILBOX_DISABLED, MAILBOX_FULL, GREYLISTED,
 * TEMPORARY_FAILURE (any other 4xx, and a rate limit sent as 5xx), BLOCKED
 * or PROTOCOL_ERROR; stores in *result the matching mp_smtp_result. Only a
 * 5xx is ever REJECTED. A policy block (5.7.x, "spamhaus", our sender
 * refused, ...) is BLOCKED/UNAVAILABLE, never MAILBOX_NOT_FOUND. The rules:
 * docs/result-schema.md; the real replies they are tested on:
 * tests/data/smtp-replies.tsv. No allocation; thread-safe. */
mp_reason mp_smtp_classify(int code, const char *enhanced, const char *text,
                           mp_smtp_result *result);

/* Lookups on a lower-case ASCII domain / a local part. Exposed for tests
 * and for the prober's provider logic. */
bool mp_is_disposable_domain(const char *ascii_domain, size_t len);
bool mp_is_free_domain(const char *ascii_domain, size_t len);
bool mp_is_role_local(const char *local, size_t len);

/* True when `tld` (`len` octets: lower-case letters, or an "xn--" A-label)
 * is a top-level domain of the compiled-in copy of IANA's root zone list
 * (core/data/tlds.txt). Exact for two and three letters; longer names are
 * matched by hash value, so an unlisted one is taken for listed with
 * probability 2^-8 (lists.h). mp_check() sets `unknown_tld` from it. */
bool mp_is_listed_tld(const char *tld, size_t len);

/* Writes into `out` (size `cap`) the suggested domain for a mistyped lower-case
 * ASCII domain and returns true, or returns false (out untouched) when the
 * domain looks right. */
bool mp_suggest_domain(const char *ascii_domain, size_t len, char *out, size_t cap);

/* Stable names (the JSON vocabulary) and human messages. Never NULL. */
const char *mp_status_name(mp_status s);
const char *mp_action_name(mp_action a);
const char *mp_reason_name(mp_reason r);
const char *mp_smtp_result_name(mp_smtp_result r);
const char *mp_dns_result_name(mp_dns_result r);
const char *mp_syntax_code_name(mp_syntax_code c);
const char *mp_syntax_code_message(mp_syntax_code c);

/* Provenance of the compiled-in lists, for --version and /healthz. */
typedef struct mp_list_info {
    const char *disposable_version;
    size_t disposable_count;
    size_t free_count;
    size_t role_count;
    const char *tld_version;  /* where and when core/data/tlds.txt was taken */
    size_t tld_count;
} mp_list_info;
void mp_list_info_get(mp_list_info *out);

/* The release (mailprobe --version, /healthz, the module's `version`): the
 * top-level project(VERSION), through the generated mailprobe/version.h. */
#define MP_CORE_VERSION MP_VERSION

#ifdef __cplusplus
}
#endif
#endif
