/* The verdict rules and the SMTP reply classification, one test per rule of
 * docs/result-schema.md. Results are built by hand (not through mp_parse) so
 * those tests depend on nothing but verdict.c; the mp_check tests at the end
 * run the whole local pipeline (parser, lists, typos).
 * ctest-labels: unit
 */
#include <string.h>
#include "mailprobe/core.h"
#include "test.h"

static mp_result result_valid(void)
{
    mp_result r;
    memset(&r, 0, sizeof r);
    r.syntax.valid = true;
    r.syntax.code = MP_SYNTAX_OK;
    r.syntax.position = -1;
    strcpy(r.syntax.local, "ann");
    strcpy(r.syntax.domain, "example.org");
    strcpy(r.syntax.ascii_domain, "example.org");
    strcpy(r.syntax.unicode_domain, "example.org");
    return r;
}

static mp_evidence evidence(mp_dns_result dns, mp_smtp_result smtp, mp_reason reason)
{
    mp_evidence e;
    memset(&e, 0, sizeof e);
    e.dns = dns;
    e.smtp = smtp;
    e.smtp_reason = reason;
    e.catch_all = MP_UNKNOWN;
    return e;
}

#define CHECK_VERDICT(r, st, rs, ac) do { \
        CHECK_EQ_STR(mp_status_name((r).status), mp_status_name(st)); \
        CHECK_EQ_STR(mp_reason_name((r).reason), mp_reason_name(rs)); \
        CHECK_EQ_STR(mp_action_name((r).action), mp_action_name(ac)); \
    } while (0)

/* Verdict after an SMTP reply of `code enhanced text` with DNS ok. */
static mp_result verdict_after_reply(int code, const char *enhanced, const char *text)
{
    mp_result r = result_valid();
    mp_smtp_result sr;
    mp_reason reason = mp_smtp_classify(code, enhanced, text, &sr);
    mp_evidence e = evidence(MP_DNS_OK, sr, reason);
    mp_verdict(&r, &e, NULL);
    return r;
}

#define CHECK_CLASSIFY(code, enh, text, want_result, want_reason) do { \
        mp_smtp_result got_ = (mp_smtp_result)-1; \
        mp_reason reason_ = mp_smtp_classify((code), (enh), (text), &got_); \
        CHECK_EQ_STR(mp_reason_name(reason_), mp_reason_name(want_reason)); \
        CHECK_EQ_STR(mp_smtp_result_name(got_), mp_smtp_result_name(want_result)); \
    } while (0)

/* ---- Policy ------------------------------------------------------------- */

TEST(policy_defaults_make_disposable_and_catch_all_risky_only)
{
    mp_policy p;
    memset(&p, 0xff, sizeof p);
    mp_policy_default(&p);
    CHECK(p.disposable_is_risky == true);
    CHECK(p.catch_all_is_risky == true);
    CHECK(p.role_is_risky == false);
    CHECK(p.free_is_risky == false);
}

/* ---- Verdict rules ------------------------------------------------------ */

TEST(invalid_syntax_is_undeliverable_remove)
{
    mp_result r = result_valid();
    r.syntax.valid = false;
    r.syntax.code = MP_SYNTAX_NO_AT;
    mp_verdict(&r, NULL, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_INVALID_SYNTAX, MP_ACTION_REMOVE);
    CHECK_EQ_INT(r.score, 0);
}

TEST(special_use_domain_is_undeliverable_special_use)
{
    mp_result r = result_valid();
    r.syntax.valid = false;
    r.syntax.code = MP_SYNTAX_SPECIAL_USE_DOMAIN;
    mp_verdict(&r, NULL, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_SPECIAL_USE_DOMAIN, MP_ACTION_REMOVE);
}

TEST(empty_input_is_no_address_never_undeliverable)
{
    mp_result r;
    mp_check("", 0, NULL, NULL, &r);
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_NO_ADDRESS, MP_ACTION_SEGMENT);
    CHECK_EQ_INT(r.score, 20);
    CHECK_EQ_STR(mp_reason_name(r.reason), "no_address");
    CHECK(!r.syntax.valid);
    CHECK_EQ_INT(r.syntax.code, MP_SYNTAX_EMPTY);
    /* A blank is not empty: it is written, and wrong. */
    mp_check(" ", 1, NULL, NULL, &r);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_INVALID_SYNTAX, MP_ACTION_REMOVE);
}

TEST(invalid_syntax_wins_over_any_evidence)
{
    mp_result r = result_valid();
    r.syntax.valid = false;
    r.syntax.code = MP_SYNTAX_LOCAL_DOUBLE_DOT;
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_INVALID_SYNTAX, MP_ACTION_REMOVE);
}

TEST(local_only_valid_is_unknown_not_checked)
{
    mp_result r = result_valid();
    mp_verdict(&r, NULL, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_NOT_CHECKED, MP_ACTION_SEGMENT);
    CHECK_EQ_INT(r.score, 50);
    CHECK_EQ_INT(r.evidence.smtp, MP_SMTP_NOT_CHECKED);
    CHECK_EQ_INT(r.evidence.dns, MP_DNS_NOT_CHECKED);
    CHECK_EQ_INT(r.evidence.catch_all, MP_UNKNOWN);
}

TEST(nxdomain_is_undeliverable_domain_not_found)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_NXDOMAIN, MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_DOMAIN_NOT_FOUND, MP_ACTION_REMOVE);
}

TEST(null_mx_is_undeliverable_null_mx)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_NULL_MX, MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_NULL_MX, MP_ACTION_REMOVE);
}

TEST(no_mail_host_is_undeliverable_no_mail_host)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_NO_MAIL_HOST, MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_NO_MAIL_HOST, MP_ACTION_REMOVE);
}

/* A negative answer from a resolver not shown honest proves nothing. */
TEST(untrusted_dns_denial_is_unknown_dns_untrusted_retry)
{
    const mp_dns_result denials[] = {MP_DNS_NXDOMAIN, MP_DNS_NULL_MX, MP_DNS_NO_MAIL_HOST};
    for (size_t i = 0; i < sizeof denials / sizeof denials[0]; i++) {
        mp_result r = result_valid();
        mp_evidence e = evidence(denials[i], MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
        e.dns_untrusted = true;
        mp_verdict(&r, &e, NULL);
        CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_DNS_UNTRUSTED, MP_ACTION_RETRY);
        CHECK_EQ_INT(r.score, 30);
        CHECK(r.evidence.dns_untrusted);
    }
}

/* Knowledge beats a lying answer: a free provider's domain receives mail. */
TEST(free_provider_domain_is_never_undeliverable_on_dns_grounds)
{
    const mp_dns_result denials[] = {MP_DNS_NXDOMAIN, MP_DNS_NULL_MX, MP_DNS_NO_MAIL_HOST};
    for (size_t i = 0; i < sizeof denials / sizeof denials[0]; i++) {
        mp_result r = result_valid();
        r.free = true;
        mp_evidence e = evidence(denials[i], MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
        mp_verdict(&r, &e, NULL);
        CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_DNS_UNTRUSTED, MP_ACTION_RETRY);
    }
}

/* An untrusted denial is "DNS could not tell": the local risks still show. */
TEST(untrusted_dns_denial_does_not_hide_local_risks)
{
    mp_result r = result_valid();
    r.disposable = true;
    mp_evidence e = evidence(MP_DNS_NXDOMAIN, MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
    e.dns_untrusted = true;
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_DISPOSABLE, MP_ACTION_SEGMENT);
}

/* The flag is about denials only: other DNS results keep their verdicts. */
TEST(untrusted_flag_changes_nothing_but_denials)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    e.dns_untrusted = true;
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_MAILBOX_NOT_FOUND, MP_ACTION_REMOVE);
    e = evidence(MP_DNS_ERROR, MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
    e.dns_untrusted = true;
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_DNS_ERROR, MP_ACTION_RETRY);
}

TEST(dns_error_is_unknown_retry)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_ERROR, MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_DNS_ERROR, MP_ACTION_RETRY);
}

TEST(blocked_target_is_unknown_segment)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_BLOCKED_TARGET, MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_BLOCKED_TARGET, MP_ACTION_SEGMENT);
}

TEST(smtp_accepted_is_deliverable_send)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
    e.catch_all = MP_NO;
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_DELIVERABLE, MP_REASON_ACCEPTED, MP_ACTION_SEND);
    CHECK_EQ_INT(r.score, 100);
    CHECK_EQ_INT(r.evidence.catch_all, MP_NO);
}

TEST(catch_all_accept_is_risky_when_policy_says_so)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
    e.catch_all = MP_YES;
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_CATCH_ALL, MP_ACTION_SEGMENT);
}

TEST(catch_all_accept_is_deliverable_when_policy_allows)
{
    mp_result r = result_valid();
    mp_policy p;
    mp_policy_default(&p);
    p.catch_all_is_risky = false;
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
    e.catch_all = MP_YES;
    mp_verdict(&r, &e, &p);
    CHECK_VERDICT(r, MP_STATUS_DELIVERABLE, MP_REASON_ACCEPTED, MP_ACTION_SEND);
}

TEST(accept_all_provider_is_risky)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
    e.accept_all_provider = true;
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_ACCEPT_ALL_PROVIDER, MP_ACTION_SEGMENT);
}

TEST(rejected_mailbox_not_found_is_undeliverable_remove)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_MAILBOX_NOT_FOUND, MP_ACTION_REMOVE);
    CHECK(r.score < 10);
}

TEST(rejected_mailbox_disabled_is_undeliverable_remove)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_REJECTED, MP_REASON_MAILBOX_DISABLED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_MAILBOX_DISABLED, MP_ACTION_REMOVE);
}

TEST(mailbox_full_is_risky)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_UNAVAILABLE, MP_REASON_MAILBOX_FULL);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_MAILBOX_FULL, MP_ACTION_SEGMENT);
}

TEST(temporary_outcomes_are_unknown_retry)
{
    const mp_reason reasons[] = {MP_REASON_GREYLISTED, MP_REASON_TEMPORARY_FAILURE,
                                 MP_REASON_TIMEOUT, MP_REASON_CONNECTION_FAILED};
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        mp_result r = result_valid();
        mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_UNAVAILABLE, reasons[i]);
        mp_verdict(&r, &e, NULL);
        CHECK_VERDICT(r, MP_STATUS_UNKNOWN, reasons[i], MP_ACTION_RETRY);
    }
}

TEST(blocked_and_protocol_error_are_unknown_segment)
{
    const mp_reason reasons[] = {MP_REASON_BLOCKED, MP_REASON_PROTOCOL_ERROR};
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        mp_result r = result_valid();
        mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_UNAVAILABLE, reasons[i]);
        mp_verdict(&r, &e, NULL);
        CHECK_VERDICT(r, MP_STATUS_UNKNOWN, reasons[i], MP_ACTION_SEGMENT);
    }
}

TEST(rejected_with_a_non_mailbox_reason_is_never_undeliverable)
{
    mp_result r = result_valid();
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_REJECTED, MP_REASON_BLOCKED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_BLOCKED, MP_ACTION_SEGMENT);
}

TEST(disposable_local_only_is_risky_segment)
{
    mp_result r = result_valid();
    r.disposable = true;
    mp_verdict(&r, NULL, NULL);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_DISPOSABLE, MP_ACTION_SEGMENT);
}

TEST(disposable_not_risky_when_policy_says_so)
{
    mp_result r = result_valid();
    r.disposable = true;
    mp_policy p;
    mp_policy_default(&p);
    p.disposable_is_risky = false;
    mp_verdict(&r, NULL, &p);
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_NOT_CHECKED, MP_ACTION_SEGMENT);
}

TEST(disposable_with_smtp_accept_stays_risky_disposable)
{
    mp_result r = result_valid();
    r.disposable = true;
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_DISPOSABLE, MP_ACTION_SEGMENT);
}

TEST(disposable_with_mailbox_not_found_is_undeliverable)
{
    mp_result r = result_valid();
    r.disposable = true;
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_MAILBOX_NOT_FOUND, MP_ACTION_REMOVE);
}

TEST(role_is_risky_only_with_policy)
{
    mp_result r = result_valid();
    r.role = true;
    mp_verdict(&r, NULL, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_NOT_CHECKED, MP_ACTION_SEGMENT);
    mp_policy p;
    mp_policy_default(&p);
    p.role_is_risky = true;
    mp_verdict(&r, NULL, &p);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_ROLE_ACCOUNT, MP_ACTION_SEGMENT);
}

TEST(free_is_risky_only_with_policy)
{
    mp_result r = result_valid();
    r.free = true;
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_DELIVERABLE, MP_REASON_ACCEPTED, MP_ACTION_SEND);
    mp_policy p;
    mp_policy_default(&p);
    p.free_is_risky = true;
    mp_verdict(&r, &e, &p);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_FREE_PROVIDER, MP_ACTION_SEGMENT);
}

TEST(local_risk_precedence_is_disposable_then_role_then_free)
{
    mp_result r = result_valid();
    mp_policy p = {true, true, true, true};
    r.disposable = r.role = r.free = true;
    mp_verdict(&r, NULL, &p);
    CHECK_EQ_STR(mp_reason_name(r.reason), "disposable");
    r.disposable = false;
    mp_verdict(&r, NULL, &p);
    CHECK_EQ_STR(mp_reason_name(r.reason), "role_account");
    r.role = false;
    mp_verdict(&r, NULL, &p);
    CHECK_EQ_STR(mp_reason_name(r.reason), "free_provider");
}

TEST(dns_proof_wins_over_local_risk)
{
    mp_result r = result_valid();
    r.disposable = true;
    mp_evidence e = evidence(MP_DNS_NXDOMAIN, MP_SMTP_NOT_CHECKED, MP_REASON_NOT_CHECKED);
    mp_verdict(&r, &e, NULL);
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_DOMAIN_NOT_FOUND, MP_ACTION_REMOVE);
}

TEST(verdict_is_refined_by_a_second_call)
{
    mp_result r = result_valid();
    mp_verdict(&r, NULL, NULL);
    CHECK_EQ_STR(mp_reason_name(r.reason), "not_checked");
    mp_evidence e = evidence(MP_DNS_OK, MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
    mp_verdict(&r, &e, NULL);
    CHECK_EQ_STR(mp_reason_name(r.reason), "accepted");
    CHECK_EQ_INT(r.evidence.smtp, MP_SMTP_ACCEPTED);
}

/* The score bands: undeliverable 0..9 < unknown 20..50 < risky 55..79 <
 * deliverable 90..100, for every reason a verdict can carry. */
TEST(score_is_monotone_with_status)
{
    int lo[MP_STATUS_COUNT], hi[MP_STATUS_COUNT];
    for (int s = 0; s < MP_STATUS_COUNT; s++) {
        lo[s] = 101;
        hi[s] = -1;
    }
    const mp_dns_result dns[] = {MP_DNS_NOT_CHECKED, MP_DNS_OK, MP_DNS_NXDOMAIN, MP_DNS_NULL_MX,
                                 MP_DNS_NO_MAIL_HOST, MP_DNS_ERROR, MP_DNS_BLOCKED_TARGET};
    const mp_syntax_code codes[] = {MP_SYNTAX_OK, MP_SYNTAX_NO_AT, MP_SYNTAX_EMPTY};
    for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++)
    for (size_t d = 0; d < sizeof dns / sizeof dns[0]; d++)
    for (int sm = 0; sm < MP_SMTP_RESULT_COUNT; sm++)
    for (int rs = 0; rs < MP_REASON_COUNT; rs++)
    for (int flags = 0; flags < 32; flags++) {
        mp_result r = result_valid();
        r.syntax.valid = codes[c] == MP_SYNTAX_OK;
        r.syntax.code = codes[c];
        r.disposable = flags & 1;
        r.role = flags & 2;
        r.free = flags & 4;
        mp_evidence e = evidence(dns[d], (mp_smtp_result)sm, (mp_reason)rs);
        e.catch_all = (flags & 8) ? MP_YES : MP_NO;
        e.dns_untrusted = flags & 16;
        mp_policy p = {true, true, true, true};
        mp_verdict(&r, &e, &p);
        CHECK(r.score >= 0 && r.score <= 100);
        if (r.score < lo[r.status]) lo[r.status] = r.score;
        if (r.score > hi[r.status]) hi[r.status] = r.score;
    }
    CHECK(hi[MP_STATUS_UNDELIVERABLE] < lo[MP_STATUS_UNKNOWN]);
    CHECK(hi[MP_STATUS_UNKNOWN] < lo[MP_STATUS_RISKY]);
    CHECK(hi[MP_STATUS_RISKY] < lo[MP_STATUS_DELIVERABLE]);
    CHECK(hi[MP_STATUS_UNDELIVERABLE] <= 9);
    CHECK_EQ_INT(lo[MP_STATUS_DELIVERABLE], 100);
}

/* ---- SMTP classification ------------------------------------------------ */

TEST(classify_250_and_251_are_accepted)
{
    CHECK_CLASSIFY(250, "2.1.5", "OK", MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
    CHECK_CLASSIFY(251, NULL, "User not local; will forward", MP_SMTP_ACCEPTED, MP_REASON_ACCEPTED);
}

TEST(classify_code_0_and_out_of_range_are_protocol_error)
{
    CHECK_CLASSIFY(0, NULL, NULL, MP_SMTP_UNAVAILABLE, MP_REASON_PROTOCOL_ERROR);
    CHECK_CLASSIFY(199, NULL, "hello", MP_SMTP_UNAVAILABLE, MP_REASON_PROTOCOL_ERROR);
    CHECK_CLASSIFY(354, NULL, "go ahead", MP_SMTP_UNAVAILABLE, MP_REASON_PROTOCOL_ERROR);
    CHECK_CLASSIFY(600, NULL, "user unknown", MP_SMTP_UNAVAILABLE, MP_REASON_PROTOCOL_ERROR);
    CHECK_CLASSIFY(-1, NULL, NULL, MP_SMTP_UNAVAILABLE, MP_REASON_PROTOCOL_ERROR);
}

TEST(classify_5_1_1_is_mailbox_not_found)
{
    CHECK_CLASSIFY(550, "5.1.1", "The email account that you tried to reach does not exist.",
                   MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(554, "5.1.1", "", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classify_5_1_10_is_mailbox_not_found)
{
    CHECK_CLASSIFY(550, "5.1.10", "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
                   MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classify_m365_5_4_1_recipient_rejected_is_mailbox_not_found)
{
    CHECK_CLASSIFY(550, "5.4.1", "Recipient address rejected: Access denied. AS(201806281) [DM6NAM12FT034.eop-nam12.prod.protection.outlook.com]",
                   MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    /* The same words with the code inside the text. */
    CHECK_CLASSIFY(550, NULL, "5.4.1 Recipient address rejected: Access denied",
                   MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classify_other_5_4_1_is_not_mailbox_not_found)
{
    CHECK_CLASSIFY(550, "5.4.1", "Relay access denied", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_5_1_6_moved_is_mailbox_not_found)
{
    CHECK_CLASSIFY(550, "5.1.6", "Mailbox has moved", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(551, "5.1.6", "User has moved; please try <new@example.org>", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(551, NULL, "5.1.6 User not local; please try <b@example.org>", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    /* 5.1.0 says nothing certain without words. */
    CHECK_CLASSIFY(554, "5.1.0", "Rejected", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(550, "5.1.0", "Recipient address rejected: RESOLVER.ADR.RecipientNotFound",
                   MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classify_5_1_2_to_5_1_5_are_not_proof_about_the_mailbox)
{
    /* Google's "553 5.1.2 We weren't able to find the recipient domain" is
     * about the domain; x.1.3 about a form our syntax check accepted. */
    CHECK_CLASSIFY(553, "5.1.2", "We weren't able to find the recipient domain.", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(553, "5.1.3", "Bad recipient address syntax", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(550, "5.1.2", "Domain does not exist", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_sender_rejections_5_1_7_and_5_1_8_are_blocked)
{
    CHECK_CLASSIFY(550, "5.1.8", "Sender address rejected: Domain not found", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(553, "5.1.7", "Bad sender address", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_550_without_enhanced_code_uses_the_text)
{
    const char *texts[] = {"User unknown", "mailbox does not exist", "No such user here",
                           "Unknown recipient", "Invalid Recipient", "Recipient NOT FOUND"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        CHECK_CLASSIFY(550, NULL, texts[i], MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classify_yahoo_no_account_wording_is_mailbox_not_found)
{
    CHECK_CLASSIFY(554, NULL, "delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1003.mail.ir2.yahoo.com",
                   MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classify_5_7_1_user_unknown_stays_blocked)
{
    CHECK_CLASSIFY(550, "5.7.1", "user unknown", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(550, NULL, "5.7.1 <a@b.c>: user unknown", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(554, "5.7.606", "Access denied, banned sending IP", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_block_words_are_blocked_even_with_user_unknown)
{
    const char *texts[] = {"Blocked - see https://www.spamhaus.org/query/ip/192.0.2.1",
                           "Service unavailable; client host blocked using zen.spamhaus.org",
                           "Your IP is on our blacklist", "listed on blocklist: user unknown",
                           "Rejected by policy", "Poor reputation", "No reverse DNS for your IP",
                           "rDNS lookup failed", "missing PTR record", "Access denied",
                           "You are banned", "Message looks like SPAM, user unknown"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        CHECK_CLASSIFY(550, NULL, texts[i], MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_5_2_1_or_disabled_wording_is_mailbox_disabled)
{
    CHECK_CLASSIFY(550, "5.2.1", "The email account that you tried to reach is disabled.",
                   MP_SMTP_REJECTED, MP_REASON_MAILBOX_DISABLED);
    CHECK_CLASSIFY(550, NULL, "Account inactive", MP_SMTP_REJECTED, MP_REASON_MAILBOX_DISABLED);
    CHECK_CLASSIFY(554, NULL, "This account has been suspended", MP_SMTP_REJECTED, MP_REASON_MAILBOX_DISABLED);
}

TEST(classify_x_2_2_or_quota_wording_is_mailbox_full)
{
    CHECK_CLASSIFY(552, "5.2.2", "The email account that you tried to reach is over quota.",
                   MP_SMTP_UNAVAILABLE, MP_REASON_MAILBOX_FULL);
    CHECK_CLASSIFY(452, "4.2.2", "Mailbox full", MP_SMTP_UNAVAILABLE, MP_REASON_MAILBOX_FULL);
    CHECK_CLASSIFY(550, NULL, "Mailbox is FULL", MP_SMTP_UNAVAILABLE, MP_REASON_MAILBOX_FULL);
    CHECK_CLASSIFY(452, NULL, "Insufficient storage for user", MP_SMTP_UNAVAILABLE, MP_REASON_MAILBOX_FULL);
    /* A word merely starting with "full" is not a full mailbox. */
    CHECK_CLASSIFY(451, NULL, "Need fully-qualified hostname", MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
}

TEST(classify_greylisting)
{
    CHECK_CLASSIFY(450, "4.2.0", "Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/",
                   MP_SMTP_UNAVAILABLE, MP_REASON_GREYLISTED);
    CHECK_CLASSIFY(421, "4.7.1", "greylisting in action", MP_SMTP_UNAVAILABLE, MP_REASON_GREYLISTED);
    /* greylistd's Exim ACL and Mimecast name no greylisting but are it. */
    CHECK_CLASSIFY(451, NULL, "192.0.2.1 is not yet authorized to deliver mail from <a@b.c> to <d@e.f>. Please try later.",
                   MP_SMTP_UNAVAILABLE, MP_REASON_GREYLISTED);
    CHECK_CLASSIFY(451, NULL, "Internal resources are temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451",
                   MP_SMTP_UNAVAILABLE, MP_REASON_GREYLISTED);
    /* A bare "try again later" is a throttle as often as greylisting. */
    CHECK_CLASSIFY(451, NULL, "Please try again later", MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
    /* 4.7.1 without greylist wording is an ordinary temporary failure. */
    CHECK_CLASSIFY(421, "4.7.1", "Too many connections", MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
}

TEST(classify_other_4xx_is_temporary_failure)
{
    CHECK_CLASSIFY(421, NULL, "Service not available", MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
    CHECK_CLASSIFY(450, "4.2.1", "The user you are trying to contact is receiving mail too quickly",
                   MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
    /* Even "user unknown": a 4xx is never permanent. */
    CHECK_CLASSIFY(450, NULL, "user unknown", MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
}

TEST(classify_enhanced_code_contradicting_the_basic_code_is_ignored)
{
    CHECK_CLASSIFY(450, "5.1.1", "", MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
}

TEST(classify_rate_limits_sent_with_5xx_are_temporary_failure)
{
    /* Gmail's per-recipient rate limit carries 5.2.1, GoDaddy's 5.1.1. */
    CHECK_CLASSIFY(550, "5.2.1", "The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.",
                   MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
    CHECK_CLASSIFY(550, NULL, "5.1.1 <a@b.c>  - 192.0.2.1 has sent to too many recipients this hour. IB607",
                   MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
    CHECK_CLASSIFY(550, NULL, "Ip frequency limited", MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
    CHECK_CLASSIFY(550, NULL, "Requested action not taken: mailbox unavailable Failure sending mail. Try again later",
                   MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
}

TEST(classify_sender_client_and_relay_wording_is_blocked)
{
    /* Exim's sender callout: "No Such User Here" is about OUR sender. */
    CHECK_CLASSIFY(550, NULL, "Verification failed for <probe@example.org> No Such User Here Sender verify failed",
                   MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(553, NULL, "5.1.8 <a@b.c>... Domain of sender address a@b.c does not exist", MP_SMTP_UNAVAILABLE,
                   MP_REASON_BLOCKED);
    CHECK_CLASSIFY(554, NULL, "5.7.1 <a@b.c>: Relay access denied", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(550, NULL, "relay not permitted", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    /* "does not exist" of a domain, ours or the recipient's, is no mailbox. */
    CHECK_CLASSIFY(550, NULL, "Sender domain does not exist", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(550, NULL, "Domain does not exist", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(550, NULL, "HELO name does not exist", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    /* "relay" alone is no refusal: Postfix's relay_recipient_maps answer. */
    CHECK_CLASSIFY(550, "5.1.1", "<a@b.c>: Recipient address rejected: User unknown in relay recipient table",
                   MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classify_echoed_addresses_never_decide)
{
    /* A local part full of block, limit or quota words changes nothing. */
    CHECK_CLASSIFY(550, "5.1.1", "<spam-blocked-policy@b.c>: Recipient address rejected: User unknown",
                   MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(550, NULL, "Unknown user too-many.quota-full@b.c", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(550, NULL, "No such user (denied.temporarily@b.c)", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    /* Nor does a mailbox word inside an address make a refusal a dead mailbox. */
    CHECK_CLASSIFY(550, NULL, "Rejected <user-unknown@b.c>", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_known_replies_match_their_whole_text_only)
{
    /* Yandex's unknown-user reply carries a policy status. */
    CHECK_CLASSIFY(550, NULL, "5.7.1 No such user!", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(550, "5.7.1", "no such user!  ", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(550, "5.7.1", "No such user! Client host blocked", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(554, "5.7.1", "No such user!", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(450, "4.7.1", "No such user!", MP_SMTP_UNAVAILABLE, MP_REASON_TEMPORARY_FAILURE);
    /* Cisco Secure Email's LDAP-accept refusal. */
    CHECK_CLASSIFY(550, NULL, "#5.1.0 Address rejected.", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(550, NULL, "#5.1.0 Address rejected. Blocked by policy", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_5_2_1_needs_disabled_or_unknown_wording)
{
    /* Interia sends it for typos, full inboxes and suspended accounts alike. */
    CHECK_CLASSIFY(550, "5.2.1", "Mailbox not available", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(552, "5.2.1", "<a@b.c>: Recipient address rejected: User disabled", MP_SMTP_REJECTED,
                   MP_REASON_MAILBOX_DISABLED);
    CHECK_CLASSIFY(550, "5.2.1", "<a@b.c>... User Unknown", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classify_mailbox_unavailable_alone_is_mailbox_not_found)
{
    /* RFC 5321's own 550 text, GMX's and Outlook.com's unknown-user reply. */
    CHECK_CLASSIFY(550, NULL, "Requested action not taken: mailbox unavailable", MP_SMTP_REJECTED,
                   MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(550, "5.5.0", "Requested action not taken: mailbox unavailable (S2017062302).", MP_SMTP_REJECTED,
                   MP_REASON_MAILBOX_NOT_FOUND);
    /* With block wording it is a block (QQ's per-recipient limit). */
    CHECK_CLASSIFY(550, NULL, "Mailbox unavailable or access denied", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_reads_at_most_1023_octets_of_text)
{
    /* The bound of the masked working copy: words past it are not seen. */
    static char text[2048];
    memset(text, 'x', sizeof text - 1);
    memcpy(text, "user unknown ", 13);
    CHECK_CLASSIFY(550, NULL, text, MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    memset(text, 'x', sizeof text - 1);
    memcpy(text + 1019, " user unknown", 13);
    CHECK_CLASSIFY(550, NULL, text, MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    memcpy(text + 1000, " user unknown", 13);
    CHECK_CLASSIFY(550, NULL, text, MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classify_bare_5xx_is_blocked_not_undeliverable)
{
    CHECK_CLASSIFY(550, NULL, NULL, MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
    CHECK_CLASSIFY(550, "", "Requested action not taken", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_text_matching_is_case_insensitive)
{
    CHECK_CLASSIFY(550, NULL, "USER UNKNOWN", MP_SMTP_REJECTED, MP_REASON_MAILBOX_NOT_FOUND);
    CHECK_CLASSIFY(550, NULL, "BlAcKlIsTeD", MP_SMTP_UNAVAILABLE, MP_REASON_BLOCKED);
}

TEST(classify_accepts_a_null_result_pointer)
{
    CHECK_EQ_INT(mp_smtp_classify(550, "5.1.1", NULL, NULL), MP_REASON_MAILBOX_NOT_FOUND);
}

TEST(classified_rejection_gives_the_documented_verdict)
{
    mp_result r = verdict_after_reply(550, "5.1.1", "user unknown");
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_MAILBOX_NOT_FOUND, MP_ACTION_REMOVE);
    r = verdict_after_reply(550, "5.7.1", "user unknown");
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_BLOCKED, MP_ACTION_SEGMENT);
    r = verdict_after_reply(250, "2.1.5", "OK");
    CHECK_VERDICT(r, MP_STATUS_DELIVERABLE, MP_REASON_ACCEPTED, MP_ACTION_SEND);
}

/* ---- mp_check: the local pipeline ---------------------------------------- */

#define CHECK_ADDRESS(r, s) mp_check((s), strlen(s), NULL, NULL, (r))

TEST(check_normalizes_to_local_as_given_and_lower_case_ascii_domain)
{
    static mp_result r;
    CHECK_ADDRESS(&r, "Ann.Lee@B\xC3\xBC" "cher.DE");
    CHECK(r.syntax.valid);
    CHECK_EQ_STR(r.normalized, "Ann.Lee@xn--bcher-kva.de");
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_NOT_CHECKED, MP_ACTION_SEGMENT);
}

TEST(check_suggestion_is_the_full_corrected_address)
{
    static mp_result r;
    CHECK_ADDRESS(&r, "Someone@Gmai.com");
    CHECK(r.has_suggestion);
    CHECK_EQ_STR(r.suggestion, "Someone@gmail.com");
}

TEST(check_sets_local_flags_and_the_verdict_follows)
{
    static mp_result r;
    CHECK_ADDRESS(&r, "info@gmail.com");
    CHECK(r.role);
    CHECK(r.free);
    CHECK(!r.disposable);
    CHECK_EQ_STR(mp_reason_name(r.reason), "not_checked");
    CHECK_ADDRESS(&r, "ann@mailinator.com");
    CHECK(r.disposable);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_DISPOSABLE, MP_ACTION_SEGMENT);
}

TEST(check_reused_result_keeps_nothing_from_the_previous_address)
{
    static mp_result r;
    CHECK_ADDRESS(&r, "info@gmai.com");
    CHECK(r.has_suggestion);
    CHECK(r.role);
    CHECK_ADDRESS(&r, "info.gmai.com");
    CHECK(!r.syntax.valid);
    CHECK(!r.has_suggestion);
    CHECK(!r.role);
    CHECK(!r.free);
    CHECK(!r.disposable);
    CHECK_EQ_STR(r.suggestion, "");
    CHECK_EQ_STR(r.normalized, "");
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_INVALID_SYNTAX, MP_ACTION_REMOVE);
}

TEST(check_special_use_domain_is_undeliverable_unless_allowed)
{
    static mp_result r;
    CHECK_ADDRESS(&r, "ann@foo.test");
    CHECK_VERDICT(r, MP_STATUS_UNDELIVERABLE, MP_REASON_SPECIAL_USE_DOMAIN, MP_ACTION_REMOVE);
    mp_options o = {MP_ALLOW_SPECIAL_USE};
    mp_check("ann@foo.test", 12, &o, NULL, &r);
    CHECK_VERDICT(r, MP_STATUS_UNKNOWN, MP_REASON_NOT_CHECKED, MP_ACTION_SEGMENT);
}

TEST(check_applies_the_policy)
{
    static mp_result r;
    mp_policy p;
    mp_policy_default(&p);
    p.role_is_risky = true;
    mp_check("info@acme-corp.net", 18, NULL, &p, &r);
    CHECK_VERDICT(r, MP_STATUS_RISKY, MP_REASON_ROLE_ACCOUNT, MP_ACTION_SEGMENT);
}

int main(void)
{
    RUN(policy_defaults_make_disposable_and_catch_all_risky_only);
    RUN(invalid_syntax_is_undeliverable_remove);
    RUN(special_use_domain_is_undeliverable_special_use);
    RUN(empty_input_is_no_address_never_undeliverable);
    RUN(invalid_syntax_wins_over_any_evidence);
    RUN(local_only_valid_is_unknown_not_checked);
    RUN(nxdomain_is_undeliverable_domain_not_found);
    RUN(null_mx_is_undeliverable_null_mx);
    RUN(no_mail_host_is_undeliverable_no_mail_host);
    RUN(untrusted_dns_denial_is_unknown_dns_untrusted_retry);
    RUN(free_provider_domain_is_never_undeliverable_on_dns_grounds);
    RUN(untrusted_dns_denial_does_not_hide_local_risks);
    RUN(untrusted_flag_changes_nothing_but_denials);
    RUN(dns_error_is_unknown_retry);
    RUN(blocked_target_is_unknown_segment);
    RUN(smtp_accepted_is_deliverable_send);
    RUN(catch_all_accept_is_risky_when_policy_says_so);
    RUN(catch_all_accept_is_deliverable_when_policy_allows);
    RUN(accept_all_provider_is_risky);
    RUN(rejected_mailbox_not_found_is_undeliverable_remove);
    RUN(rejected_mailbox_disabled_is_undeliverable_remove);
    RUN(mailbox_full_is_risky);
    RUN(temporary_outcomes_are_unknown_retry);
    RUN(blocked_and_protocol_error_are_unknown_segment);
    RUN(rejected_with_a_non_mailbox_reason_is_never_undeliverable);
    RUN(disposable_local_only_is_risky_segment);
    RUN(disposable_not_risky_when_policy_says_so);
    RUN(disposable_with_smtp_accept_stays_risky_disposable);
    RUN(disposable_with_mailbox_not_found_is_undeliverable);
    RUN(role_is_risky_only_with_policy);
    RUN(free_is_risky_only_with_policy);
    RUN(local_risk_precedence_is_disposable_then_role_then_free);
    RUN(dns_proof_wins_over_local_risk);
    RUN(verdict_is_refined_by_a_second_call);
    RUN(score_is_monotone_with_status);
    RUN(classify_250_and_251_are_accepted);
    RUN(classify_code_0_and_out_of_range_are_protocol_error);
    RUN(classify_5_1_1_is_mailbox_not_found);
    RUN(classify_5_1_10_is_mailbox_not_found);
    RUN(classify_m365_5_4_1_recipient_rejected_is_mailbox_not_found);
    RUN(classify_other_5_4_1_is_not_mailbox_not_found);
    RUN(classify_5_1_6_moved_is_mailbox_not_found);
    RUN(classify_5_1_2_to_5_1_5_are_not_proof_about_the_mailbox);
    RUN(classify_sender_rejections_5_1_7_and_5_1_8_are_blocked);
    RUN(classify_550_without_enhanced_code_uses_the_text);
    RUN(classify_yahoo_no_account_wording_is_mailbox_not_found);
    RUN(classify_5_7_1_user_unknown_stays_blocked);
    RUN(classify_block_words_are_blocked_even_with_user_unknown);
    RUN(classify_5_2_1_or_disabled_wording_is_mailbox_disabled);
    RUN(classify_x_2_2_or_quota_wording_is_mailbox_full);
    RUN(classify_greylisting);
    RUN(classify_other_4xx_is_temporary_failure);
    RUN(classify_enhanced_code_contradicting_the_basic_code_is_ignored);
    RUN(classify_rate_limits_sent_with_5xx_are_temporary_failure);
    RUN(classify_sender_client_and_relay_wording_is_blocked);
    RUN(classify_echoed_addresses_never_decide);
    RUN(classify_known_replies_match_their_whole_text_only);
    RUN(classify_5_2_1_needs_disabled_or_unknown_wording);
    RUN(classify_mailbox_unavailable_alone_is_mailbox_not_found);
    RUN(classify_reads_at_most_1023_octets_of_text);
    RUN(classify_bare_5xx_is_blocked_not_undeliverable);
    RUN(classify_text_matching_is_case_insensitive);
    RUN(classify_accepts_a_null_result_pointer);
    RUN(classified_rejection_gives_the_documented_verdict);
    RUN(check_normalizes_to_local_as_given_and_lower_case_ascii_domain);
    RUN(check_suggestion_is_the_full_corrected_address);
    RUN(check_sets_local_flags_and_the_verdict_follows);
    RUN(check_reused_result_keeps_nothing_from_the_previous_address);
    RUN(check_special_use_domain_is_undeliverable_unless_allowed);
    RUN(check_applies_the_policy);
    return test_report();
}
