/* The verdict: local flags + DNS/SMTP evidence -> status, reason, action,
 * score; and the classification of SMTP replies. Every rule here is written
 * down in docs/result-schema.md ("Verdict rules", "SMTP reply
 * classification"); keep the two in step. The bar is zero false
 * "undeliverable": only proof that the mailbox or domain cannot receive mail
 * may say so — a refusal aimed at us (policy, reputation) never does. */
#include <string.h>
#include "mailprobe/core.h"

void mp_policy_default(mp_policy *policy)
{
    policy->role_is_risky = false;
    policy->free_is_risky = false;
    policy->disposable_is_risky = true;
    policy->catch_all_is_risky = true;
}

/* ---- Score ---------------------------------------------------------------
 * The score is a fixed number per reason, chosen inside a band per status so
 * that it is monotone with the status:
 *   undeliverable 0..9  <  unknown 20..50  <  risky 55..79  <  deliverable 90..100
 * (a risky address is one that probably receives mail but carries a concern;
 * an unknown one is one we know nothing decisive about). */
static const unsigned char reason_score[MP_REASON_COUNT] = {
    [MP_REASON_ACCEPTED] = 100,
    [MP_REASON_INVALID_SYNTAX] = 0,
    [MP_REASON_SPECIAL_USE_DOMAIN] = 0,
    [MP_REASON_DOMAIN_NOT_FOUND] = 0,
    [MP_REASON_NULL_MX] = 0,
    [MP_REASON_NO_MAIL_HOST] = 2,
    [MP_REASON_MAILBOX_NOT_FOUND] = 2,
    [MP_REASON_MAILBOX_DISABLED] = 5,
    [MP_REASON_MAILBOX_FULL] = 55,
    [MP_REASON_CATCH_ALL] = 70,
    [MP_REASON_ACCEPT_ALL_PROVIDER] = 65,
    [MP_REASON_DISPOSABLE] = 55,
    [MP_REASON_ROLE_ACCOUNT] = 65,
    [MP_REASON_FREE_PROVIDER] = 75,
    [MP_REASON_GREYLISTED] = 45,
    [MP_REASON_TEMPORARY_FAILURE] = 40,
    [MP_REASON_BLOCKED] = 40,
    [MP_REASON_BLOCKED_TARGET] = 20,
    [MP_REASON_TIMEOUT] = 35,
    [MP_REASON_CONNECTION_FAILED] = 30,
    [MP_REASON_PROTOCOL_ERROR] = 30,
    [MP_REASON_DNS_ERROR] = 30,
    [MP_REASON_SMTPUTF8_UNSUPPORTED] = 25,
    [MP_REASON_NOT_CHECKED] = 50,
    [MP_REASON_NO_ADDRESS] = 20,
    [MP_REASON_DNS_UNTRUSTED] = 30,
};

static void decide(mp_result *r, mp_status status, mp_reason reason, mp_action action)
{
    r->status = status;
    r->reason = reason;
    r->action = action;
    r->score = reason_score[reason];
}

/* The verdict an SMTP failure (anything but accepted and the two
 * "mailbox is gone" rejections) leads to: retry what may pass later,
 * segment what will not change by itself. */
static void decide_smtp_failure(mp_result *r, mp_reason reason)
{
    switch (reason) {
    case MP_REASON_MAILBOX_FULL:
        decide(r, MP_STATUS_RISKY, reason, MP_ACTION_SEGMENT);
        return;
    case MP_REASON_GREYLISTED:
    case MP_REASON_TEMPORARY_FAILURE:
    case MP_REASON_TIMEOUT:
    case MP_REASON_CONNECTION_FAILED:
        decide(r, MP_STATUS_UNKNOWN, reason, MP_ACTION_RETRY);
        return;
    case MP_REASON_BLOCKED:
    case MP_REASON_PROTOCOL_ERROR:
    case MP_REASON_SMTPUTF8_UNSUPPORTED:
        decide(r, MP_STATUS_UNKNOWN, reason, MP_ACTION_SEGMENT);
        return;
    default:
        /* A reason that does not describe an SMTP failure (the prober's
         * bug): say what we know, which is nothing trustworthy. */
        decide(r, MP_STATUS_UNKNOWN, MP_REASON_PROTOCOL_ERROR, MP_ACTION_SEGMENT);
        return;
    }
}

void mp_verdict(mp_result *r, const mp_evidence *evidence, const mp_policy *policy)
{
    mp_policy defaults;
    if (!policy) {
        mp_policy_default(&defaults);
        policy = &defaults;
    }
    if (evidence) {
        r->evidence = *evidence;
    } else {
        r->evidence.dns = MP_DNS_NOT_CHECKED;
        r->evidence.smtp = MP_SMTP_NOT_CHECKED;
        r->evidence.smtp_reason = MP_REASON_NOT_CHECKED;
        r->evidence.catch_all = MP_UNKNOWN;
        r->evidence.accept_all_provider = false;
        r->evidence.dns_untrusted = false;
    }
    const mp_evidence *ev = &r->evidence;

    /* 1. Syntax: an address that cannot be written on an envelope. Nothing
     *    at all (a list row whose address cell is empty) is no address to
     *    remove: it is set apart, never called undeliverable. */
    if (!r->syntax.valid) {
        if (r->syntax.code == MP_SYNTAX_EMPTY)
            decide(r, MP_STATUS_UNKNOWN, MP_REASON_NO_ADDRESS, MP_ACTION_SEGMENT);
        else if (r->syntax.code == MP_SYNTAX_SPECIAL_USE_DOMAIN)
            decide(r, MP_STATUS_UNDELIVERABLE, MP_REASON_SPECIAL_USE_DOMAIN, MP_ACTION_REMOVE);
        else
            decide(r, MP_STATUS_UNDELIVERABLE, MP_REASON_INVALID_SYNTAX, MP_ACTION_REMOVE);
        return;
    }

    /* 2. Proof from DNS that the domain takes no mail (RFC 5321 §5.1,
     *    RFC 7505 null MX) -- but only from a resolver shown honest, and
     *    never against what we know: a free provider's domain receives
     *    mail, so a resolver denying it is wrong (rule 5 then). */
    bool dns_denies = ev->dns == MP_DNS_NXDOMAIN || ev->dns == MP_DNS_NULL_MX || ev->dns == MP_DNS_NO_MAIL_HOST;
    bool dns_believed = !ev->dns_untrusted && !r->free;
    switch (dns_believed ? ev->dns : MP_DNS_NOT_CHECKED) {
    case MP_DNS_NXDOMAIN:
        decide(r, MP_STATUS_UNDELIVERABLE, MP_REASON_DOMAIN_NOT_FOUND, MP_ACTION_REMOVE);
        return;
    case MP_DNS_NULL_MX:
        decide(r, MP_STATUS_UNDELIVERABLE, MP_REASON_NULL_MX, MP_ACTION_REMOVE);
        return;
    case MP_DNS_NO_MAIL_HOST:
        decide(r, MP_STATUS_UNDELIVERABLE, MP_REASON_NO_MAIL_HOST, MP_ACTION_REMOVE);
        return;
    default:
        break;
    }

    /* 3. Proof from the mailbox server that the mailbox is gone. */
    if (ev->smtp == MP_SMTP_REJECTED &&
        (ev->smtp_reason == MP_REASON_MAILBOX_NOT_FOUND ||
         ev->smtp_reason == MP_REASON_MAILBOX_DISABLED)) {
        decide(r, MP_STATUS_UNDELIVERABLE, ev->smtp_reason, MP_ACTION_REMOVE);
        return;
    }

    /* 4. Local risks the policy names: true whatever the server says, so
     *    they win over acceptance and over every inconclusive probe. */
    if (r->disposable && policy->disposable_is_risky) {
        decide(r, MP_STATUS_RISKY, MP_REASON_DISPOSABLE, MP_ACTION_SEGMENT);
        return;
    }
    if (r->role && policy->role_is_risky) {
        decide(r, MP_STATUS_RISKY, MP_REASON_ROLE_ACCOUNT, MP_ACTION_SEGMENT);
        return;
    }
    if (r->free && policy->free_is_risky) {
        decide(r, MP_STATUS_RISKY, MP_REASON_FREE_PROVIDER, MP_ACTION_SEGMENT);
        return;
    }

    /* 5. DNS could not tell: it failed, or it denied a domain but cannot
     *    be believed (rule 2). */
    if (dns_denies) {
        decide(r, MP_STATUS_UNKNOWN, MP_REASON_DNS_UNTRUSTED, MP_ACTION_RETRY);
        return;
    }
    if (ev->dns == MP_DNS_ERROR) {
        decide(r, MP_STATUS_UNKNOWN, MP_REASON_DNS_ERROR, MP_ACTION_RETRY);
        return;
    }
    if (ev->dns == MP_DNS_BLOCKED_TARGET) {
        /* The MX points at an address we refuse to connect to (private,
         * loopback...): retrying will not change that. */
        decide(r, MP_STATUS_UNKNOWN, MP_REASON_BLOCKED_TARGET, MP_ACTION_SEGMENT);
        return;
    }

    /* 6. What the SMTP dialogue said. */
    switch (ev->smtp) {
    case MP_SMTP_ACCEPTED:
        if (ev->accept_all_provider)
            decide(r, MP_STATUS_RISKY, MP_REASON_ACCEPT_ALL_PROVIDER, MP_ACTION_SEGMENT);
        else if (ev->catch_all == MP_YES && policy->catch_all_is_risky)
            decide(r, MP_STATUS_RISKY, MP_REASON_CATCH_ALL, MP_ACTION_SEGMENT);
        else
            decide(r, MP_STATUS_DELIVERABLE, MP_REASON_ACCEPTED, MP_ACTION_SEND);
        return;
    case MP_SMTP_REJECTED:
    case MP_SMTP_UNAVAILABLE:
        decide_smtp_failure(r, ev->smtp_reason);
        return;
    default:
        break;
    }

    /* 7. Nothing decisive was checked. */
    decide(r, MP_STATUS_UNKNOWN, MP_REASON_NOT_CHECKED, MP_ACTION_SEGMENT);
}

/* ---- SMTP reply classification -------------------------------------------
 * The rules and their sources are in docs/result-schema.md ("SMTP reply
 * classification") and docs/verification.md ("Real providers' replies");
 * tests/data/smtp-replies.tsv holds the real replies they are tested on.
 * Locale-free ASCII helpers: server text is bytes, not the C locale's idea
 * of characters. */

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int is_alnum(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Does `text` contain `word` (lower-case) case-insensitively, starting at a
 * word boundary? With `whole`, it must end at one too ("full" must not match
 * "fully"); without, it may continue ("blacklist" matches "blacklisted"). */
static bool has_word(const char *text, const char *word, bool whole)
{
    size_t wlen = strlen(word);
    for (size_t i = 0; text[i]; i++) {
        if (i > 0 && is_alnum((unsigned char)text[i - 1]))
            continue;
        size_t j = 0;
        while (j < wlen && text[i + j] && ascii_lower((unsigned char)text[i + j]) == word[j])
            j++;
        if (j < wlen)
            continue;
        if (!whole || !is_alnum((unsigned char)text[i + wlen]))
            return true;
    }
    return false;
}

typedef struct keyword {
    const char *word;
    bool whole;
} keyword;

static bool has_any(const char *text, const keyword *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (has_word(text, list[i].word, list[i].whole))
            return true;
    return false;
}

#define HAS_ANY(text, list) has_any((text), (list), sizeof(list) / sizeof((list)[0]))

/* About our sender, our client, relaying or a whole domain: the recipient
 * is not the topic (Exim's "550-Verification failed for <sender> 550-No Such
 * User Here" is about OUR address; "Sender domain does not exist" about
 * ours). "relay" alone is not enough: Postfix says "User unknown in relay
 * recipient table" of a dead mailbox. */
static const keyword about_us_words[] = {
    {"sender verify", false},         {"verification failed for", false}, {"sender address", false},
    {"sender domain", false},         {"envelope sender", false},         {"mail from", false},
    {"mailfrom", false},              {"helo", true},                     {"ehlo", true},
    {"client host", false},           {"relay access denied", false},     {"relaying denied", false},
    {"unable to relay", false},       {"relay not permitted", false},     {"not configured to relay", false},
    {"allowed rcpthosts", false},     {"open relay", false},              {"domain does not exist", false},
    {"domain not found", false},      {"no such domain", false},          {"host not found", false},
    {"unknown domain", false},
};

/* Rate limits and other passing conditions, which some servers send with a
 * 5xx (Gmail's "550 5.2.1 ... receiving mail at a rate that prevents ...",
 * QQ's "550 Ip frequency limited", GoDaddy's "550 5.1.1 ... has sent to too
 * many recipients this hour"): the mailbox may well exist. */
static const keyword throttle_words[] = {
    {"rate limit", false},      {"rate that prevents", false}, {"too quickly", false},
    {"too fast", false},        {"too many", false},           {"frequency limit", false},
    {"try again later", false}, {"try later", false},          {"temporar", false},
    {"sending quota", false},   {"sending limit", false},
};

/* The server refuses us, not the mailbox: checked before any "user unknown"
 * wording, so a mixed message is never a false undeliverable. */
static const keyword block_words[] = {
    {"blocked", false},   {"block list", false}, {"blocklist", false}, {"blacklist", false},
    {"spamhaus", false},  {"spamcop", false},    {"barracuda", false}, {"policy", false},
    {"policies", false},  {"reputation", false}, {"reverse dns", false}, {"rdns", true},
    {"ptr", true},        {"denied", false},     {"banned", false},    {"spam", true},
    {"rbl", true},        {"dnsbl", false},
};

static const keyword not_found_words[] = {
    {"user unknown", false},      {"unknown user", false},       {"does not exist", false},
    {"doesn't exist", false},     {"no such user", false},       {"no such mailbox", false},
    {"no such recipient", false}, {"unknown recipient", false},  {"invalid recipient", false},
    {"invalid mailbox", false},   {"unknown mailbox", false},    {"no mailbox", false},
    {"user not found", false},    {"recipient not found", false}, {"mailbox not found", false},
    {"account not found", false}, {"recipientnotfound", false},  {"recipnotfound", false},
    {"unrouteable address", false}, {"unroutable address", false},
    /* Yahoo: "554 delivery error: dd This user doesn't have a yahoo.com account" */
    {"doesn't have a", false},    {"does not have a", false},    {"no such account", false},
    /* RFC 5321 §4.2.3's 550 text, sent alone for unknown recipients by GMX,
     * web.de and Outlook.com; with block or limit wording (QQ's "Mailbox
     * unavailable or access denied") the earlier rules decide. */
    {"mailbox unavailable", false},
};

static const keyword disabled_words[] = {
    {"disabled", false}, {"inactive", false}, {"suspended", false}, {"deactivated", false},
    {"frozen", true},    {"no longer valid", false},
};

static const keyword full_words[] = {
    {"full", true}, {"quota", false}, {"insufficient storage", false}, {"storage allocation", false},
};

/* Greylisting says so (postgrey, sqlgrey, greyfix, Zoho), or is known by its
 * text: greylistd's Exim ACL, Mimecast's documented greylisting reply. A bare
 * "try again later" is a throttle as often as greylisting. */
static const keyword greylist_words[] = {
    {"greylist", false}, {"graylist", false}, {"grey list", false}, {"gray list", false},
    {"postgrey", false}, {"not yet authorized to deliver", false},
    {"internal resources are temporarily unavailable", false},
};

/* An RFC 3463 enhanced status code: class "." subject "." detail, with
 * class 2, 4 or 5 and up to three digits for subject and detail. */
typedef struct enhanced_code {
    bool present;
    int klass, subject, detail;
} enhanced_code;

/* Parses a code at the start of `s`; *used gets the octets consumed. */
static enhanced_code parse_enhanced(const char *s, size_t *used)
{
    enhanced_code e = {false, 0, 0, 0};
    size_t i = 0;
    if (!s || !(s[0] == '2' || s[0] == '4' || s[0] == '5') || s[1] != '.')
        return e;
    int parts[2];
    i = 2;
    for (int p = 0; p < 2; p++) {
        int v = 0;
        size_t digits = 0;
        while (s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10 + (s[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3)
            return e;
        parts[p] = v;
        if (p == 0) {
            if (s[i] != '.')
                return e;
            i++;
        }
    }
    if (is_alnum((unsigned char)s[i]) || s[i] == '.')
        return e;
    e.present = true;
    e.klass = s[0] - '0';
    e.subject = parts[0];
    e.detail = parts[1];
    if (used)
        *used = i;
    return e;
}

static bool is_code(enhanced_code e, int subject, int detail)
{
    return e.present && e.subject == subject && e.detail == detail;
}

/* ---- Replies known by their exact text -------------------------------------
 * A few providers answer an unknown recipient in a way no keyword rule may
 * safely generalise. Each entry is matched against the whole reply text
 * (case-insensitively, trailing spaces ignored) and carries its source. */
typedef struct known_reply {
    int code;
    enhanced_code enhanced;     /* present = false: no enhanced code */
    const char *text;
    mp_reason reason;
} known_reply;

static const known_reply known_replies[] = {
    /* Yandex sends a policy status for unknown users (yandex/NwSMTP
     * smtp_connection.cpp; yandex.com/support/mail/bounces/yandex.html).
     * Other 5.7 texts mentioning users stay blocked. */
    {550, {true, 5, 7, 1}, "No such user!", MP_REASON_MAILBOX_NOT_FOUND},
    /* Cisco Secure Email's conversational LDAP-accept refusal, seen for
     * departed employees at *.iphmx.com (lore.kernel.org, 2025-07-01). */
    {550, {false, 0, 0, 0}, "#5.1.0 Address rejected.", MP_REASON_MAILBOX_NOT_FOUND},
};

static bool same_text(const char *text, const char *want)
{
    size_t n = strlen(want), i = 0;
    for (; i < n; i++)
        if (ascii_lower((unsigned char)text[i]) != ascii_lower((unsigned char)want[i]))
            return false;
    while (text[i] == ' ')
        i++;
    return text[i] == '\0';
}

static const known_reply *find_known_reply(int code, enhanced_code e, const char *text)
{
    for (size_t i = 0; i < sizeof known_replies / sizeof known_replies[0]; i++) {
        const known_reply *k = &known_replies[i];
        if (k->code != code || k->enhanced.present != e.present)
            continue;
        if (e.present && (k->enhanced.klass != e.klass || k->enhanced.subject != e.subject ||
                          k->enhanced.detail != e.detail))
            continue;
        if (same_text(text, k->text))
            return k;
    }
    return NULL;
}

/* ---- Masking addresses -------------------------------------------------------
 * Replies often echo the recipient ("550 5.1.1 <spam-blocked@x>: user
 * unknown"): a local part must never decide a verdict. The copy in `out`
 * (at most cap - 1 octets of `in`) has every <...> span and every token
 * holding an '@' replaced by spaces. */
enum { CLASSIFY_TEXT_MAX = 1024 };

static bool is_token_break(char c)
{
    return c == ' ' || c == '\t' || c == '(' || c == ')' || c == '[' || c == ']' || c == '<' ||
           c == '>' || c == ',' || c == ';' || c == '"' || c == '\'';
}

static void blank_addresses(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    while (in[n] && n + 1 < cap) {
        out[n] = in[n];
        n++;
    }
    out[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (out[i] != '<')
            continue;
        size_t j = i;
        while (j < n && out[j] != '>')
            out[j++] = ' ';
        if (j < n)
            out[j] = ' ';
        i = j;
    }
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !is_token_break(out[i]))
            continue;
        if (memchr(out + start, '@', i - start))
            memset(out + start, ' ', i - start);
        start = i + 1;
    }
}

static mp_reason classified(mp_smtp_result *out, mp_smtp_result result, mp_reason reason)
{
    *out = result;
    return reason;
}

/* A 5yz reply, in the order of docs/result-schema.md: whatever points at us
 * or at a passing condition wins over mailbox wording. */
static mp_reason classify_permanent(int code, enhanced_code e, const char *text, mp_smtp_result *result)
{
    const mp_smtp_result unavailable = MP_SMTP_UNAVAILABLE, rejected = MP_SMTP_REJECTED;
    if (e.present && e.subject == 7) /* security or policy status: about us */
        return classified(result, unavailable, MP_REASON_BLOCKED);
    /* x.1.2-x.1.5 are about the domain or the address's form, x.1.7/x.1.8
     * about our sender: none proves the mailbox is gone. */
    if ((e.present && e.subject == 1 && e.detail >= 2 && e.detail <= 8 && e.detail != 6) ||
        HAS_ANY(text, about_us_words))
        return classified(result, unavailable, MP_REASON_BLOCKED);
    if (HAS_ANY(text, throttle_words))
        return classified(result, unavailable, MP_REASON_TEMPORARY_FAILURE);
    /* Microsoft 365 directory-based edge blocking: "550 5.4.1 Recipient
     * address rejected: Access denied" means the recipient is not in the
     * tenant's directory (learn.microsoft.com, "Use Directory-Based Edge
     * Blocking"). Zoho's "541 5.4.1 Mail rejected by destination domain" and
     * Microsoft's "5.4.1 Relay Access Denied" are not. */
    if (is_code(e, 4, 1) && has_word(text, "recipient address rejected", false) &&
        has_word(text, "access denied", false))
        return classified(result, rejected, MP_REASON_MAILBOX_NOT_FOUND);
    if (HAS_ANY(text, block_words))
        return classified(result, unavailable, MP_REASON_BLOCKED);
    if (is_code(e, 2, 2) || HAS_ANY(text, full_words))
        return classified(result, unavailable, MP_REASON_MAILBOX_FULL);
    /* x.1.1, x.1.10 (Microsoft), x.1.6 "moved, no forwarding": this address
     * takes no mail. */
    if (is_code(e, 1, 1) || is_code(e, 1, 10) || is_code(e, 1, 6))
        return classified(result, rejected, MP_REASON_MAILBOX_NOT_FOUND);
    /* x.2.1 and x.1.0 need words: Interia sends "550 5.2.1 Mailbox not
     * available" for typos, full inboxes and suspended accounts alike. */
    if (HAS_ANY(text, disabled_words))
        return classified(result, rejected, MP_REASON_MAILBOX_DISABLED);
    if (HAS_ANY(text, not_found_words))
        return classified(result, rejected, MP_REASON_MAILBOX_NOT_FOUND);
    if (code == 552)
        return classified(result, unavailable, MP_REASON_MAILBOX_FULL);
    /* A bare refusal says nothing about the mailbox. */
    return classified(result, unavailable, MP_REASON_BLOCKED);
}

mp_reason mp_smtp_classify(int code, const char *enhanced, const char *text,
                           mp_smtp_result *result)
{
    mp_smtp_result ignored;
    if (!result)
        result = &ignored;
    if (!text)
        text = "";

    /* RFC 5321 §4.2: a reply code is three digits, 2yz..5yz for a RCPT
     * answer; anything else (0 = no reply parsed, 1yz, 3yz, >599) is a
     * server we cannot understand. */
    if (code < 200 || code > 599 || (code >= 300 && code < 400))
        return classified(result, MP_SMTP_UNAVAILABLE, MP_REASON_PROTOCOL_ERROR);
    if (code < 300)
        return classified(result, MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);

    /* The enhanced code: given separately, or leading the text as most
     * servers write it ("550 5.1.1 <x@y>: user unknown"). One whose class
     * contradicts the basic code is ignored (RFC 3463 §2). */
    enhanced_code e = {false, 0, 0, 0};
    if (enhanced && enhanced[0]) {
        e = parse_enhanced(enhanced, NULL);
    } else {
        size_t used = 0;
        e = parse_enhanced(text, &used);
        if (e.present)
            text += used;
    }
    while (*text == ' ')
        text++;
    if (e.present && e.klass != code / 100)
        e.present = false;

    const known_reply *known = find_known_reply(code, e, text);
    if (known)
        return classified(result, MP_SMTP_REJECTED, known->reason);

    char masked[CLASSIFY_TEXT_MAX];
    blank_addresses(text, masked, sizeof masked);
    if (code >= 500)
        return classify_permanent(code, e, masked, result);

    /* 4yz: nothing permanent can be concluded. */
    if (is_code(e, 2, 2) || HAS_ANY(masked, full_words))
        return classified(result, MP_SMTP_UNAVAILABLE, MP_REASON_MAILBOX_FULL);
    if ((code == 450 || code == 451 || is_code(e, 7, 1)) && HAS_ANY(masked, greylist_words))
        return classified(result, MP_SMTP_UNAVAILABLE, MP_REASON_GREYLISTED);
    return classified(result, MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
}
