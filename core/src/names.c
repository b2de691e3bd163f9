/* The JSON vocabulary: stable names for every enum, and human messages for
 * syntax errors. Tables are indexed by enum value; out-of-range values get
 * "invalid" so a bad value never becomes a NULL dereference. */
#include "mailprobe/core.h"

#define NAME_OF(table, v) \
    (((unsigned)(v) < sizeof(table) / sizeof(table[0]) && table[(v)]) ? table[(v)] : "invalid")

static const char *const status_names[MP_STATUS_COUNT] = {
    [MP_STATUS_DELIVERABLE] = "deliverable",
    [MP_STATUS_UNDELIVERABLE] = "undeliverable",
    [MP_STATUS_RISKY] = "risky",
    [MP_STATUS_UNKNOWN] = "unknown",
};

static const char *const action_names[MP_ACTION_COUNT] = {
    [MP_ACTION_SEND] = "send",
    [MP_ACTION_REMOVE] = "remove",
    [MP_ACTION_RETRY] = "retry",
    [MP_ACTION_SEGMENT] = "segment",
};

static const char *const reason_names[MP_REASON_COUNT] = {
    [MP_REASON_ACCEPTED] = "accepted",
    [MP_REASON_INVALID_SYNTAX] = "invalid_syntax",
    [MP_REASON_SPECIAL_USE_DOMAIN] = "special_use_domain",
    [MP_REASON_DOMAIN_NOT_FOUND] = "domain_not_found",
    [MP_REASON_NULL_MX] = "null_mx",
    [MP_REASON_NO_MAIL_HOST] = "no_mail_host",
    [MP_REASON_MAILBOX_NOT_FOUND] = "mailbox_not_found",
    [MP_REASON_MAILBOX_DISABLED] = "mailbox_disabled",
    [MP_REASON_MAILBOX_FULL] = "mailbox_full",
    [MP_REASON_CATCH_ALL] = "catch_all",
    [MP_REASON_ACCEPT_ALL_PROVIDER] = "accept_all_provider",
    [MP_REASON_DISPOSABLE] = "disposable",
    [MP_REASON_ROLE_ACCOUNT] = "role_account",
    [MP_REASON_FREE_PROVIDER] = "free_provider",
    [MP_REASON_GREYLISTED] = "greylisted",
    [MP_REASON_TEMPORARY_FAILURE] = "temporary_failure",
    [MP_REASON_BLOCKED] = "blocked",
    [MP_REASON_BLOCKED_TARGET] = "blocked_target",
    [MP_REASON_TIMEOUT] = "timeout",
    [MP_REASON_CONNECTION_FAILED] = "connection_failed",
    [MP_REASON_PROTOCOL_ERROR] = "protocol_error",
    [MP_REASON_DNS_ERROR] = "dns_error",
    [MP_REASON_SMTPUTF8_UNSUPPORTED] = "smtputf8_unsupported",
    [MP_REASON_NOT_CHECKED] = "not_checked",
    [MP_REASON_NO_ADDRESS] = "no_address",
    [MP_REASON_DNS_UNTRUSTED] = "dns_untrusted",
};

static const char *const smtp_result_names[MP_SMTP_RESULT_COUNT] = {
    [MP_SMTP_NOT_CHECKED] = "not_checked",
    [MP_SMTP_ACCEPTED] = "accepted",
    [MP_SMTP_REJECTED] = "rejected",
    [MP_SMTP_UNAVAILABLE] = "unavailable",
};

static const char *const dns_result_names[MP_DNS_RESULT_COUNT] = {
    [MP_DNS_NOT_CHECKED] = "not_checked",
    [MP_DNS_OK] = "ok",
    [MP_DNS_NXDOMAIN] = "nxdomain",
    [MP_DNS_NULL_MX] = "null_mx",
    [MP_DNS_NO_MAIL_HOST] = "no_mail_host",
    [MP_DNS_ERROR] = "error",
    [MP_DNS_BLOCKED_TARGET] = "blocked_target",
};

static const struct { const char *name, *message; } syntax_codes[MP_SYNTAX_CODE_COUNT] = {
    [MP_SYNTAX_OK] = {"ok", "The address is well-formed."},
    [MP_SYNTAX_EMPTY] = {"empty", "The address is empty."},
    [MP_SYNTAX_TOO_LONG] = {"too_long", "The address is longer than 254 characters."},
    [MP_SYNTAX_INVALID_UTF8] = {"invalid_utf8", "The address contains bytes that are not valid UTF-8."},
    [MP_SYNTAX_CONTROL_CHAR] = {"control_char", "The address contains a control character (such as a line break)."},
    [MP_SYNTAX_WHITESPACE] = {"whitespace", "The address contains a space."},
    [MP_SYNTAX_INVISIBLE_CHAR] = {"invisible_char", "The address contains an invisible character."},
    [MP_SYNTAX_DISPLAY_NAME] = {"display_name", "Enter only the address, without a name or angle brackets."},
    [MP_SYNTAX_COMMENT] = {"comment", "The address contains a comment in parentheses."},
    [MP_SYNTAX_NO_AT] = {"no_at", "The address is missing the @ sign."},
    [MP_SYNTAX_MULTIPLE_AT] = {"multiple_at", "The address has more than one @ sign."},
    [MP_SYNTAX_LOCAL_EMPTY] = {"local_empty", "There is nothing before the @ sign."},
    [MP_SYNTAX_LOCAL_TOO_LONG] = {"local_too_long", "The part before the @ sign is longer than 64 characters."},
    [MP_SYNTAX_LOCAL_DOT_START] = {"local_dot_start", "The part before the @ sign cannot start with a dot."},
    [MP_SYNTAX_LOCAL_DOT_END] = {"local_dot_end", "The part before the @ sign cannot end with a dot."},
    [MP_SYNTAX_LOCAL_DOUBLE_DOT] = {"local_double_dot", "The part before the @ sign cannot contain two dots in a row."},
    [MP_SYNTAX_LOCAL_INVALID_CHAR] = {"local_invalid_char", "The part before the @ sign contains a character that is not allowed."},
    [MP_SYNTAX_QUOTED_LOCAL] = {"quoted_local", "Quoted names before the @ sign are not accepted."},
    [MP_SYNTAX_QUOTED_INVALID] = {"quoted_invalid", "The quoted part before the @ sign is malformed."},
    [MP_SYNTAX_DOMAIN_EMPTY] = {"domain_empty", "There is nothing after the @ sign."},
    [MP_SYNTAX_DOMAIN_LITERAL] = {"domain_literal", "IP addresses in brackets are not accepted as a domain."},
    [MP_SYNTAX_DOMAIN_LITERAL_INVALID] = {"domain_literal_invalid", "The IP address in brackets is malformed."},
    [MP_SYNTAX_DOMAIN_TOO_LONG] = {"domain_too_long", "The domain is longer than 253 characters."},
    [MP_SYNTAX_DOMAIN_ONE_LABEL] = {"domain_one_label", "The domain needs a dot, as in example.com."},
    [MP_SYNTAX_LABEL_EMPTY] = {"label_empty", "The domain has an empty part (two dots in a row, or a dot at an end)."},
    [MP_SYNTAX_LABEL_TOO_LONG] = {"label_too_long", "A part of the domain is longer than 63 characters."},
    [MP_SYNTAX_LABEL_HYPHEN] = {"label_hyphen", "A part of the domain starts or ends with a hyphen."},
    [MP_SYNTAX_LABEL_INVALID_CHAR] = {"label_invalid_char", "The domain contains a character that is not allowed."},
    [MP_SYNTAX_NUMERIC_TLD] = {"numeric_tld", "The domain cannot end in a number."},
    [MP_SYNTAX_IDNA_INVALID] = {"idna_invalid", "The international domain name is not valid."},
    [MP_SYNTAX_SPECIAL_USE_DOMAIN] = {"special_use_domain", "This domain is reserved and cannot receive mail."},
    [MP_SYNTAX_LABEL_RESERVED_HYPHENS] = {"label_reserved_hyphens", "A part of the domain has two hyphens in its third and fourth places, which only international names (xn--) may have."},
    [MP_SYNTAX_TLD_INVALID] = {"tld_invalid", "The end of the domain (after the last dot) can only be letters."},
};

const char *mp_status_name(mp_status s) { return NAME_OF(status_names, s); }
const char *mp_action_name(mp_action a) { return NAME_OF(action_names, a); }
const char *mp_reason_name(mp_reason r) { return NAME_OF(reason_names, r); }
const char *mp_smtp_result_name(mp_smtp_result r) { return NAME_OF(smtp_result_names, r); }
const char *mp_dns_result_name(mp_dns_result r) { return NAME_OF(dns_result_names, r); }

const char *mp_syntax_code_name(mp_syntax_code c)
{
    return ((unsigned)c < MP_SYNTAX_CODE_COUNT) ? syntax_codes[c].name : "invalid";
}

const char *mp_syntax_code_message(mp_syntax_code c)
{
    return ((unsigned)c < MP_SYNTAX_CODE_COUNT) ? syntax_codes[c].message : "Unknown error.";
}
