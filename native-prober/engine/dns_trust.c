/* dns_trust.c — canary rounds, TLD canaries and the jump detector behind
 * dns_trust.h. One explicit state (mp_resolver_state) decided at the end of
 * each round; TLD answers live in a small bounded table stamped with the
 * round they belong to; every change reaches the owner through one
 * deferred event, never from inside a c-ares callback. */
#include "dns_trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

enum {
    TLD_NAME_MAX = 63,        /* one label (RFC 1035 §2.3.4) */
    WINDOW = 32,              /* fresh answers the jump detector looks at */
    WINDOW_MIN = 16,          /* ... at least this many before it judges */
    JUMP_GAP_MS = 10000,      /* at most one jump-started round per 10 s */
};

/* The built-in canaries: the root, the biggest TLD, and a name below a TLD
 * that has existed since the root servers were named (1995). */
static const char *const builtin_canaries[] = {".", "com.", "root-servers.net."};

typedef enum tld_status {
    TLD_UNASKED = 0,
    TLD_ASKING,
    TLD_EXISTS,       /* NS records, or at least NOERROR: the name exists */
    TLD_DENIED,       /* NXDOMAIN */
    TLD_NO_ANSWER,
} tld_status;

typedef struct tld_entry {
    char name[TLD_NAME_MAX + 1];  /* "" = free slot */
    tld_status status;
    uint64_t round;               /* rounds finished when it was asked */
    uint64_t used;                /* for replacing the least recently used */
    bool known;                   /* the resolver answered for a name under it */
    mp_dns_ask *ask;
    struct mp_dns_trust *trust;
} tld_entry;

typedef struct canary_slot {
    struct mp_dns_trust *trust;
    mp_dns_ask *ask;
    mp_zone_answer answer;
} canary_slot;

struct mp_dns_trust {
    struct event_base *base;
    mp_dns *dns;
    char canaries[MP_DNS_CANARIES_MAX][MP_DOMAIN_MAX + 2];
    size_t ncanaries;
    canary_slot slots[MP_DNS_CANARIES_MAX];
    int recheck_ms;

    mp_resolver_state state;
    bool round_running;
    bool suspect;             /* the running round was started by a jump */
    size_t round_pending;     /* canary answers still awaited */
    uint64_t rounds;          /* finished */
    int64_t last_round_ms;
    char why[256];

    struct event *timer;      /* the next round */
    struct event *notify;     /* deferred `changed` */
    void (*changed)(void *arg);
    void *arg;

    tld_entry tlds[MP_DNS_TRUST_TLDS_MAX];
    uint64_t tld_clock;

    bool window[WINDOW];      /* true = a denial */
    size_t window_count, window_pos;
};

const char *mp_resolver_state_name(mp_resolver_state s)
{
    static const char *const names[MP_RESOLVER_STATE_COUNT] = {"unproven", "honest", "lying", "unanswered"};
    return (unsigned)s < MP_RESOLVER_STATE_COUNT ? names[s] : "invalid";
}

const char *mp_dns_doubt_message(mp_dns_doubt d)
{
    static const char *const messages[MP_DOUBT_COUNT] = {
        [MP_DOUBT_NONE] = NULL,
        [MP_DOUBT_UNPROVEN] = "The prober's DNS resolver has not been checked yet, so its answer that "
                              "this domain takes no mail is not trusted; try again later.",
        [MP_DOUBT_LYING] = "The prober's DNS resolver is not answering honestly (it denies names that "
                           "exist), so its answer that this domain takes no mail is not trusted.",
        [MP_DOUBT_UNANSWERED] = "The prober's DNS resolver does not answer its test questions, so its "
                                "answer that this domain takes no mail is not trusted.",
        [MP_DOUBT_TLD_UNCONFIRMED] = "The prober's DNS resolver did not confirm the domain's top-level "
                                     "domain, so its answer that this domain takes no mail is not trusted.",
        [MP_DOUBT_KNOWN_MAIL_DOMAIN] = "A mail server answered for this domain before, so a DNS answer "
                                       "saying it takes no mail is not trusted.",
        [MP_DOUBT_FREE_PROVIDER] = "This domain is a well-known mail provider, so a DNS answer saying "
                                   "it takes no mail is not trusted.",
        [MP_DOUBT_TLD_DENIED] = "The prober's DNS resolver says this domain's top-level domain does not "
                                "exist, but it is in the root zone: its answer is not trusted (a DNS filter?).",
    };
    return (unsigned)d < MP_DOUBT_COUNT ? messages[d] : NULL;
}

/* ---- notification and timing ------------------------------------------------ */

static void on_notify(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_dns_trust *t = arg;
    if (t->changed)
        t->changed(t->arg);
}

static void notify(mp_dns_trust *t)
{
    event_active(t->notify, EV_TIMEOUT, 1);
}

/* Honest: the configured interval; otherwise a tenth of it, so a resolver
 * that comes back (a captive portal after log-in) is noticed soon. */
static void arm_next_round(mp_dns_trust *t)
{
    int ms = t->recheck_ms;
    if (t->state != MP_RESOLVER_HONEST) {
        ms /= 10;
        if (ms < MP_DNS_RECHECK_MIN_MS)
            ms = MP_DNS_RECHECK_MIN_MS;
    }
    struct timeval tv = mp_timeval_ms(ms);
    evtimer_add(t->timer, &tv);
}

/* ---- TLDs --------------------------------------------------------------------- */

/* The last label of `domain` ("org" of "example.org"), lower case, without
 * a trailing dot, into out. False when there is none or it is too long. */
static bool tld_of(const char *domain, char *out)
{
    size_t len = strlen(domain);
    if (len && domain[len - 1] == '.')
        len--;
    size_t start = len;
    while (start && domain[start - 1] != '.')
        start--;
    size_t n = len - start;
    if (n == 0 || n > TLD_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = domain[start + i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[n] = '\0';
    return true;
}

/* The entry for `tld`, created when missing by taking a free slot or the
 * least recently used one that is not being asked. NULL when every slot is
 * being asked (MP_DNS_TRUST_TLDS_MAX questions in flight). */
static tld_entry *tld_entry_get(mp_dns_trust *t, const char *tld)
{
    tld_entry *victim = NULL;
    for (size_t i = 0; i < MP_DNS_TRUST_TLDS_MAX; i++) {
        tld_entry *e = &t->tlds[i];
        if (e->name[0] && !strcmp(e->name, tld)) {
            e->used = ++t->tld_clock;
            return e;
        }
        if (e->status == TLD_ASKING)
            continue;
        if (!victim || !e->name[0] || (victim->name[0] && e->used < victim->used))
            victim = e;
    }
    if (!victim)
        return NULL;
    memset(victim, 0, sizeof *victim);
    snprintf(victim->name, sizeof victim->name, "%s", tld);
    victim->trust = t;
    victim->used = ++t->tld_clock;
    return victim;
}

static void become_lying(mp_dns_trust *t, const char *why)
{
    bool was = t->state == MP_RESOLVER_LYING;
    t->state = MP_RESOLVER_LYING;
    snprintf(t->why, sizeof t->why, "%s", why);
    if (!was && !t->round_running) {
        evtimer_del(t->timer);
        arm_next_round(t);
    }
    notify(t);
}

static void on_tld_answer(mp_zone_answer answer, void *arg)
{
    tld_entry *e = arg;
    e->ask = NULL;
    switch (answer) {
    case MP_ZONE_HAS_NS:
    case MP_ZONE_NO_NS:
        e->status = TLD_EXISTS;
        e->known = true;
        break;
    case MP_ZONE_DENIED:
        e->status = TLD_DENIED;
        break;
    default:
        e->status = TLD_NO_ANSWER;
        break;
    }
    notify(e->trust);
}

/* ---- rounds -------------------------------------------------------------------- */

void mp_dns_zone_display(const char *zone, char *out, size_t cap)
{
    size_t len = strlen(zone);
    snprintf(out, cap, "%s%s", zone, len && zone[len - 1] == '.' ? "" : ".");
}

size_t mp_dns_trust_builtin_canaries(const char *const **names)
{
    *names = builtin_canaries;
    return sizeof builtin_canaries / sizeof builtin_canaries[0];
}

mp_resolver_state mp_dns_trust_verdict(const char *const *canaries, const mp_zone_answer *answers, size_t n,
                                       char *why, size_t whylen)
{
    char ignored[1];
    if (!why) {
        why = ignored;
        whylen = sizeof ignored;
    }
    const char *denied = NULL, *empty = NULL, *silent = NULL;
    for (size_t i = 0; i < n; i++) {
        switch (answers[i]) {
        case MP_ZONE_DENIED: if (!denied) denied = canaries[i]; break;
        case MP_ZONE_NO_NS: if (!empty) empty = canaries[i]; break;
        case MP_ZONE_NO_ANSWER: if (!silent) silent = canaries[i]; break;
        default: break;
        }
    }
    if (denied) {
        snprintf(why, whylen, "it says %s does not exist (NXDOMAIN), which is false", denied);
        return MP_RESOLVER_LYING;
    }
    if (empty) {
        snprintf(why, whylen, "it says %s has no name servers, which is false", empty);
        return MP_RESOLVER_LYING;
    }
    if (silent) {
        snprintf(why, whylen, "it gave no answer for %s (timeout, SERVFAIL or refused)", silent);
        return MP_RESOLVER_UNANSWERED;
    }
    snprintf(why, whylen, "it answered every canary (%zu)", n);
    return MP_RESOLVER_HONEST;
}

static void round_finish(mp_dns_trust *t)
{
    const char *names[MP_DNS_CANARIES_MAX];
    mp_zone_answer answers[MP_DNS_CANARIES_MAX];
    for (size_t i = 0; i < t->ncanaries; i++) {
        names[i] = t->canaries[i];
        answers[i] = t->slots[i].answer;
    }
    t->state = mp_dns_trust_verdict(names, answers, t->ncanaries, t->why, sizeof t->why);
    if (t->state == MP_RESOLVER_HONEST) {
        /* A canary under a TLD shows the TLD exists. */
        for (size_t i = 0; i < t->ncanaries; i++) {
            char tld[TLD_NAME_MAX + 1];
            if (strcmp(t->canaries[i], ".") && tld_of(t->canaries[i], tld)) {
                tld_entry *e = tld_entry_get(t, tld);
                if (e)
                    e->known = true;
            }
        }
    }
    t->round_running = false;
    t->suspect = false;
    t->rounds++;
    t->last_round_ms = mp_now_monotonic_ms();
    t->window_count = t->window_pos = 0;
    arm_next_round(t);
    notify(t);
}

static void on_canary_answer(mp_zone_answer answer, void *arg)
{
    canary_slot *slot = arg;
    mp_dns_trust *t = slot->trust;
    slot->ask = NULL;
    slot->answer = answer;
    if (--t->round_pending == 0)
        round_finish(t);
}

static void round_start(mp_dns_trust *t)
{
    if (t->round_running)
        return;
    evtimer_del(t->timer);
    t->round_running = true;
    t->round_pending = t->ncanaries;
    for (size_t i = 0; i < t->ncanaries; i++) {
        canary_slot *slot = &t->slots[i];
        slot->trust = t;
        slot->answer = MP_ZONE_NO_ANSWER;
        slot->ask = mp_dns_ask_ns(t->dns, t->canaries[i], on_canary_answer, slot);
        if (!slot->ask)
            t->round_pending--;       /* out of memory: counts as no answer */
    }
    if (t->round_pending == 0)
        round_finish(t);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    round_start(arg);
}

/* ---- public ---------------------------------------------------------------------- */

mp_dns_trust *mp_dns_trust_new(struct event_base *base, mp_dns *dns, const mp_dns_trust_config *cfg,
                               void (*changed)(void *arg), void *arg, char *err, size_t errlen)
{
    mp_dns_trust *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->base = base;
    t->dns = dns;
    t->changed = changed;
    t->arg = arg;
    t->recheck_ms = cfg && cfg->recheck_ms > 0 ? cfg->recheck_ms : MP_DNS_RECHECK_DEFAULT_MS;
    const char *const *names = builtin_canaries;
    size_t n = sizeof builtin_canaries / sizeof builtin_canaries[0];
    if (cfg && cfg->canaries && cfg->ncanaries) {
        names = cfg->canaries;
        n = cfg->ncanaries < MP_DNS_CANARIES_MAX ? cfg->ncanaries : MP_DNS_CANARIES_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len == 0 || len > MP_DOMAIN_MAX + 1) {
            snprintf(err, errlen, "bad DNS canary '%s'", names[i]);
            free(t);
            return NULL;
        }
        mp_dns_zone_display(names[i], t->canaries[i], sizeof t->canaries[i]);
    }
    t->ncanaries = n;
    snprintf(t->why, sizeof t->why, "checking the resolver with canary questions");
    t->timer = evtimer_new(base, on_timer, t);
    t->notify = event_new(base, -1, 0, on_notify, t);
    if (!t->timer || !t->notify) {
        snprintf(err, errlen, "out of memory");
        mp_dns_trust_free(t);
        return NULL;
    }
    round_start(t);
    return t;
}

void mp_dns_trust_free(mp_dns_trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < MP_DNS_CANARIES_MAX; i++)
        mp_dns_ask_cancel(t->slots[i].ask);
    for (size_t i = 0; i < MP_DNS_TRUST_TLDS_MAX; i++)
        mp_dns_ask_cancel(t->tlds[i].ask);
    if (t->timer)
        event_free(t->timer);
    if (t->notify)
        event_free(t->notify);
    free(t);
}

/* Judges a denial from an honest resolver by the domain's TLD. */
static mp_denial_judgement judge_by_tld(mp_dns_trust *t, const char *domain, mp_dns_doubt *doubt)
{
    char tld[TLD_NAME_MAX + 1];
    if (!tld_of(domain, tld)) {
        *doubt = MP_DOUBT_TLD_UNCONFIRMED;
        return MP_DENIAL_DOUBTED;
    }
    tld_entry *e = tld_entry_get(t, tld);
    if (!e) {
        *doubt = MP_DOUBT_TLD_UNCONFIRMED;
        return MP_DENIAL_DOUBTED;
    }
    if (e->status == TLD_ASKING)
        return MP_DENIAL_PENDING;
    if (e->status == TLD_UNASKED || e->round != t->rounds) {
        /* Asked again once per round: the answer ages with the resolver's. */
        e->round = t->rounds;
        e->ask = mp_dns_ask_ns(t->dns, e->name, on_tld_answer, e);
        e->status = e->ask ? TLD_ASKING : TLD_NO_ANSWER;
        if (e->ask)
            return MP_DENIAL_PENDING;
    }
    switch (e->status) {
    case TLD_EXISTS:
        return MP_DENIAL_BELIEVED;
    case TLD_DENIED:
        if (!e->known) {
            if (mp_is_listed_tld(e->name, strlen(e->name))) {
                *doubt = MP_DOUBT_TLD_DENIED;
                return MP_DENIAL_DOUBTED;
            }
            return MP_DENIAL_BELIEVED;    /* a TLD that does not exist (RFC 8020) */
        }
        {
            char why[160];
            snprintf(why, sizeof why, "it says the TLD %s. does not exist, although it answered for names "
                     "under it", e->name);
            become_lying(t, why);
        }
        *doubt = MP_DOUBT_LYING;
        return MP_DENIAL_DOUBTED;
    default:
        *doubt = MP_DOUBT_TLD_UNCONFIRMED;
        return MP_DENIAL_DOUBTED;
    }
}

mp_denial_judgement mp_dns_trust_judge(mp_dns_trust *t, const char *ascii_domain, mp_dns_doubt *doubt)
{
    mp_dns_doubt ignored;
    if (!doubt)
        doubt = &ignored;
    *doubt = MP_DOUBT_NONE;
    if (t->round_running && (t->state == MP_RESOLVER_UNPROVEN || t->suspect))
        return MP_DENIAL_PENDING;
    switch (t->state) {
    case MP_RESOLVER_HONEST:
        return judge_by_tld(t, ascii_domain, doubt);
    case MP_RESOLVER_LYING:
        *doubt = MP_DOUBT_LYING;
        return MP_DENIAL_DOUBTED;
    case MP_RESOLVER_UNANSWERED:
        *doubt = MP_DOUBT_UNANSWERED;
        return MP_DENIAL_DOUBTED;
    default:
        *doubt = MP_DOUBT_UNPROVEN;
        return MP_DENIAL_DOUBTED;
    }
}

void mp_dns_trust_observe(mp_dns_trust *t, const char *ascii_domain, mp_dns_result result)
{
    bool denial = result == MP_DNS_NXDOMAIN || result == MP_DNS_NO_MAIL_HOST;
    if (result == MP_DNS_OK || result == MP_DNS_BLOCKED_TARGET) {
        char tld[TLD_NAME_MAX + 1];
        tld_entry *e = tld_of(ascii_domain, tld) ? tld_entry_get(t, tld) : NULL;
        if (e)
            e->known = true;
    } else if (!denial) {
        return;                           /* errors and null MX say nothing here */
    }
    t->window[t->window_pos] = denial;
    t->window_pos = (t->window_pos + 1) % WINDOW;
    if (t->window_count < WINDOW)
        t->window_count++;
    if (t->state != MP_RESOLVER_HONEST || t->round_running || t->window_count < WINDOW_MIN ||
        mp_now_monotonic_ms() - t->last_round_ms < JUMP_GAP_MS)
        return;
    size_t denials = 0;
    for (size_t i = 0; i < t->window_count; i++)
        denials += t->window[i];
    if (denials * 2 >= t->window_count) {
        t->suspect = true;                /* hold denials until the round has spoken */
        round_start(t);
    }
}

void mp_dns_trust_get(const mp_dns_trust *t, mp_resolver_trust *out)
{
    memset(out, 0, sizeof *out);
    out->state = t->state;
    out->checking = t->round_running;
    out->rounds = t->rounds;
    out->last_round_ms = t->last_round_ms;
    snprintf(out->why, sizeof out->why, "%s", t->why);
    size_t n = 0;
    for (size_t i = 0; i < t->ncanaries && n < sizeof out->canaries; i++) {
        int w = snprintf(out->canaries + n, sizeof out->canaries - n, "%s%s", i ? " " : "", t->canaries[i]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}
