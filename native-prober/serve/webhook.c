/* webhook.c — signed job-completion POSTs through curl multi on libevent
 * (webhook.h). SHA-256 is the plain FIPS 180-4 algorithm, small enough to
 * carry rather than link a crypto library for one MAC. */
#include "webhook.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* ---- SHA-256 and HMAC ------------------------------------------------------- */

typedef struct sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t nbuf;
} sha256;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(sha256 *s, const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, h;
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_init(sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
    s->nbuf = 0;
}

static void sha256_update(sha256 *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    s->len += n;
    while (n) {
        size_t take = 64 - s->nbuf < n ? 64 - s->nbuf : n;
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += take, p += take, n -= take;
        if (s->nbuf == 64) {
            sha256_block(s, s->buf);
            s->nbuf = 0;
        }
    }
}

static void sha256_final(sha256 *s, unsigned char out[32])
{
    uint64_t bits = s->len * 8;
    unsigned char pad = 0x80, zero = 0, lenbuf[8];
    sha256_update(s, &pad, 1);
    while (s->nbuf != 56)
        sha256_update(s, &zero, 1);
    for (int i = 0; i < 8; i++)
        lenbuf[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, lenbuf, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->h[i];
    }
}

void mp_hmac_sha256_hex(const void *key, size_t key_len, const void *msg, size_t msg_len, char hex_out[65])
{
    unsigned char k[64] = {0}, ipad[64], opad[64], inner[32], mac[32];
    sha256 s;
    if (key_len > 64) {
        sha256_init(&s);
        sha256_update(&s, key, key_len);
        sha256_final(&s, k);
    } else if (key_len) {
        memcpy(k, key, key_len);
    }
    for (int i = 0; i < 64; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    sha256_init(&s);
    sha256_update(&s, ipad, 64);
    sha256_update(&s, msg, msg_len);
    sha256_final(&s, inner);
    sha256_init(&s);
    sha256_update(&s, opad, 64);
    sha256_update(&s, inner, 32);
    sha256_final(&s, mac);
    for (int i = 0; i < 32; i++)
        snprintf(hex_out + 2 * i, 3, "%02x", mac[i]);
}

/* ---- curl multi on libevent ------------------------------------------------- */

enum { WEBHOOK_IN_FLIGHT_MAX = 64, WEBHOOK_TIMEOUT_MS = 10000 };

typedef struct hook_req {
    struct hook_req *prev, *next; /* every request in flight, to free on exit */
    CURL *easy;
    struct curl_slist *headers;
    char *body;
} hook_req;

typedef struct sock_ctx {
    struct event *ev;
} sock_ctx;

struct mp_webhook {
    struct event_base *base;
    CURLM *multi;
    struct event *timer;
    char url[1024];
    char secret[256];
    int in_flight;
    hook_req *head;
};

static void req_free(mp_webhook *w, hook_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        w->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    curl_multi_remove_handle(w->multi, r->easy);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    free(r);
    w->in_flight--;
}

static void check_done(mp_webhook *w)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(w->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        hook_req *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        long code = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        if (m->data.result != CURLE_OK || code < 200 || code > 299) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "curl", curl_easy_strerror(m->data.result));
            cJSON_AddNumberToObject(f, "status", (double)code);
            mp_log("warn", "webhook failed", f);
        }
        if (r)
            req_free(w, r);
    }
}

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
    mp_webhook *w = arg;
    int flags = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running = 0;
    curl_multi_socket_action(w->multi, fd, flags, &running);
    check_done(w);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    mp_webhook *w = arg;
    int running = 0;
    curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(w);
}

static int socket_cb(CURL *easy, curl_socket_t s, int action, void *userp, void *socketp)
{
    (void)easy;
    mp_webhook *w = userp;
    sock_ctx *sc = socketp;
    if (action == CURL_POLL_REMOVE) {
        if (sc) {
            event_free(sc->ev);
            free(sc);
            curl_multi_assign(w->multi, s, NULL);
        }
        return 0;
    }
    short kind = (short)((action & CURL_POLL_IN ? EV_READ : 0) | (action & CURL_POLL_OUT ? EV_WRITE : 0) | EV_PERSIST);
    if (!sc) {
        sc = calloc(1, sizeof *sc);
        if (!sc)
            return -1;
        curl_multi_assign(w->multi, s, sc);
    } else {
        event_free(sc->ev);
    }
    sc->ev = event_new(w->base, s, kind, on_socket_event, w);
    if (sc->ev)
        event_add(sc->ev, NULL);
    return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    mp_webhook *w = userp;
    if (timeout_ms < 0) {
        evtimer_del(w->timer);
        return 0;
    }
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    evtimer_add(w->timer, &tv);
    return 0;
}

mp_webhook *mp_webhook_new(struct event_base *base, const char *url, const char *secret, char *err, size_t errlen)
{
    mp_webhook *w = calloc(1, sizeof *w);
    if (!w || strlen(url) >= sizeof w->url || strlen(secret) >= sizeof w->secret) {
        snprintf(err, errlen, "bad URL or secret");
        free(w);
        return NULL;
    }
    w->base = base;
    snprintf(w->url, sizeof w->url, "%s", url);
    snprintf(w->secret, sizeof w->secret, "%s", secret);
    w->multi = curl_multi_init();
    w->timer = evtimer_new(base, on_timer, w);
    if (!w->multi || !w->timer) {
        snprintf(err, errlen, "libcurl multi init failed");
        mp_webhook_free(w);
        return NULL;
    }
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
    return w;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

void mp_webhook_post(mp_webhook *w, const cJSON *body)
{
    if (!w || w->in_flight >= WEBHOOK_IN_FLIGHT_MAX)
        return;
    hook_req *r = calloc(1, sizeof *r);
    if (!r)
        return;
    r->body = cJSON_PrintUnformatted(body);
    r->easy = curl_easy_init();
    if (!r->body || !r->easy) {
        free(r->body);
        if (r->easy)
            curl_easy_cleanup(r->easy);
        free(r);
        return;
    }
    r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
    if (w->secret[0]) {
        char hex[65], line[128];
        mp_hmac_sha256_hex(w->secret, strlen(w->secret), r->body, strlen(r->body), hex);
        snprintf(line, sizeof line, "X-Mailprobe-Signature: sha256=%s", hex);
        r->headers = curl_slist_append(r->headers, line);
    }
    curl_easy_setopt(r->easy, CURLOPT_URL, w->url);
    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
    curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
    curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "mailprobe-webhook");
    if (curl_multi_add_handle(w->multi, r->easy) != CURLM_OK) {
        curl_slist_free_all(r->headers);
        curl_easy_cleanup(r->easy);
        free(r->body);
        free(r);
        return;
    }
    r->next = w->head;
    if (w->head)
        w->head->prev = r;
    w->head = r;
    w->in_flight++;
}

void mp_webhook_free(mp_webhook *w)
{
    if (!w)
        return;
    if (w->multi) {
        while (w->head)
            req_free(w, w->head);
        curl_multi_cleanup(w->multi);
    }
    if (w->timer)
        event_free(w->timer);
    free(w);
}
