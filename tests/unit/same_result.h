/* Whether two local results agree on every field a caller reads: the one
 * comparison behind "mp_check_memo answers exactly as mp_check" in
 * test_corpus.c, test_memo.c and the fuzz target fuzz_check.c. A field
 * added to mp_result or mp_syntax belongs here. */
#ifndef MP_TEST_SAME_RESULT_H
#define MP_TEST_SAME_RESULT_H
#include <stdbool.h>
#include <string.h>
#include "mailprobe/core.h"

static inline bool same_result(const mp_result *a, const mp_result *b)
{
    const mp_syntax *x = &a->syntax, *y = &b->syntax;
    return x->valid == y->valid && x->code == y->code && x->position == y->position &&
           x->smtputf8 == y->smtputf8 && x->quoted_local == y->quoted_local &&
           x->domain_literal == y->domain_literal && strcmp(x->local, y->local) == 0 &&
           strcmp(x->domain, y->domain) == 0 && strcmp(x->ascii_domain, y->ascii_domain) == 0 &&
           strcmp(x->unicode_domain, y->unicode_domain) == 0 &&
           a->disposable == b->disposable && a->role == b->role && a->free == b->free &&
           a->unknown_tld == b->unknown_tld &&
           a->has_suggestion == b->has_suggestion && strcmp(a->suggestion, b->suggestion) == 0 &&
           strcmp(a->normalized, b->normalized) == 0 && a->status == b->status &&
           a->reason == b->reason && a->action == b->action && a->score == b->score;
}
#endif
