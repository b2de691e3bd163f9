/* webhook.c — signed job-completion POSTs through libcurl on the loop
 * (webhook.h; the multi-handle glue is shared/curl_event.h). The signature
 * is OpenSSL's HMAC-SHA256. */
#include "webhook.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "curl_event.h"
#include "log.h"

/* ---- HMAC-SHA256 (OpenSSL libcrypto) ------------------------------------------ */

bool mp_hmac_sha256_hex(const void *key, size_t key_len, const void *msg, size_t msg_len, char hex_out[65])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    static const unsigned char empty[1];
    hex_out[0] = '\0';
    /* HMAC() takes no NULL key even for length 0. */
    if (!HMAC(EVP_sha256(), key_len ? key : empty, (int)key_len, msg_len ? msg : empty, msg_len, mac, &mac_len) ||
        mac_len != 32)
        return false;
    for (unsigned i = 0; i < mac_len; i++)
        snprintf(hex_out + 2 * i, 3, "%02x", mac[i]);
    return true;
}

bool mp_webhook_signature(const char *secret, int64_t timestamp, const char *body, size_t body_len,
                          char hex_out[65])
{
    char prefix[32];
    int plen = snprintf(prefix, sizeof prefix, "%lld.", (long long)timestamp);
    char *msg = malloc((size_t)plen + body_len);
    hex_out[0] = '\0';
    if (!msg)
        return false;
    memcpy(msg, prefix, (size_t)plen);
    memcpy(msg + plen, body, body_len);
    bool ok = mp_hmac_sha256_hex(secret, strlen(secret), msg, (size_t)plen + body_len, hex_out);
    free(msg);
    return ok;
}

/* ---- requests on the loop ------------------------------------------------------ */

enum { WEBHOOK_IN_FLIGHT_MAX = 64, WEBHOOK_TIMEOUT_MS = 10000 };

typedef struct hook_req {
    LIST_ENTRY(hook_req) link; /* every request in flight, to free on exit */
    CURL *easy;
    struct curl_slist *headers;
    char *body;
} hook_req;

struct mp_webhook {
    mp_curl_event *curl;
    char url[1024];
    char secret[256];
    int in_flight;
    LIST_HEAD(hook_list, hook_req) requests;
};

static void req_free(mp_webhook *w, hook_req *r)
{
    LIST_REMOVE(r, link);
    curl_multi_remove_handle(mp_curl_event_multi(w->curl), r->easy);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    free(r);
    w->in_flight--;
}

/* A POST finished: log a failure (there are no retries), free it. */
static void on_done(CURL *easy, CURLcode result, void *arg)
{
    mp_webhook *w = arg;
    hook_req *r = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    if (result != CURLE_OK || code < 200 || code > 299) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "curl", curl_easy_strerror(result));
        cJSON_AddNumberToObject(f, "status", (double)code);
        mp_log("warn", "webhook failed", f);
    }
    if (r)
        req_free(w, r);
}

mp_webhook *mp_webhook_new(struct event_base *base, const char *url, const char *secret, char *err, size_t errlen)
{
    mp_webhook *w = calloc(1, sizeof *w);
    if (!w || strlen(url) >= sizeof w->url || strlen(secret) >= sizeof w->secret) {
        snprintf(err, errlen, "bad URL or secret");
        free(w);
        return NULL;
    }
    snprintf(w->url, sizeof w->url, "%s", url);
    snprintf(w->secret, sizeof w->secret, "%s", secret);
    w->curl = mp_curl_event_new(base, on_done, w);
    if (!w->curl) {
        snprintf(err, errlen, "libcurl multi init failed");
        mp_webhook_free(w);
        return NULL;
    }
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
        int64_t now = (int64_t)time(NULL);
        if (!mp_webhook_signature(w->secret, now, r->body, strlen(r->body), hex)) {
            /* Never send a payload the receiver cannot authenticate. */
            mp_log("error", "webhook not sent: HMAC failed", NULL);
            curl_slist_free_all(r->headers);
            curl_easy_cleanup(r->easy);
            free(r->body);
            free(r);
            return;
        }
        snprintf(line, sizeof line, "X-Mailprobe-Timestamp: %lld", (long long)now);
        r->headers = curl_slist_append(r->headers, line);
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
    if (curl_multi_add_handle(mp_curl_event_multi(w->curl), r->easy) != CURLM_OK) {
        curl_slist_free_all(r->headers);
        curl_easy_cleanup(r->easy);
        free(r->body);
        free(r);
        return;
    }
    LIST_INSERT_HEAD(&w->requests, r, link);
    w->in_flight++;
}

void mp_webhook_free(mp_webhook *w)
{
    if (!w)
        return;
    if (w->curl) {
        while (!LIST_EMPTY(&w->requests))
            req_free(w, LIST_FIRST(&w->requests));
        mp_curl_event_free(w->curl);
    }
    free(w);
}
