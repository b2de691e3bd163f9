/* admission.c — the decisions made from a request's head (admission.h). */
#include "admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/http.h>

#include "clock.h"
#include "ratelimit.h"
#include "server.h"

void mp_admission_refuse(mp_admission *out, int status, const char *message)
{
    out->admitted = false;
    out->status = status;
    out->code = NULL;
    snprintf(out->message, sizeof out->message, "%s", message);
}

static void refuse(mp_admission *out, int status, const char *code, const char *message, int retry_after)
{
    mp_admission_refuse(out, status, message);
    out->code = code;
    out->retry_after = retry_after;
}

enum evhttp_cmd_type mp_admission_method(mp_span m)
{
    static const struct { const char *name; enum evhttp_cmd_type type; } methods[] = {
        {"GET", EVHTTP_REQ_GET},       {"POST", EVHTTP_REQ_POST},       {"HEAD", EVHTTP_REQ_HEAD},
        {"PUT", EVHTTP_REQ_PUT},       {"DELETE", EVHTTP_REQ_DELETE},   {"OPTIONS", EVHTTP_REQ_OPTIONS},
        {"PATCH", EVHTTP_REQ_PATCH}};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (m.len == strlen(methods[i].name) && !memcmp(m.p, methods[i].name, m.len))
            return methods[i].type;
    return 0;
}

/* ---- Host ------------------------------------------------------------------------------ */

/* "name:port" / "[v6]:port" / "name" into its name and port ("" when none). */
static void split_host(const char *p, size_t len, mp_span *name, mp_span *port)
{
    size_t colon = len;
    size_t i = (len && p[0] == '[') ? 1 : 0;
    if (i) {
        while (i < len && p[i] != ']')
            i++;
        if (i < len)
            i++;
        if (i < len && p[i] == ':')
            colon = i;
    } else {
        const char *c = memchr(p, ':', len);
        colon = c ? (size_t)(c - p) : len;
    }
    *name = (mp_span){p, colon};
    *port = colon < len ? (mp_span){p + colon + 1, len - colon - 1} : (mp_span){p + len, 0};
}

static bool span_eq_ci(mp_span a, mp_span b)
{
    return a.len == b.len && (a.len == 0 || !strncasecmp(a.p, b.p, a.len));
}

/* Host `h` against an allowed "name[:port]": the names equal, and the ports
 * equal (a Host without a port means 80) unless the entry has none. */
static bool host_matches(mp_span h, const char *entry, bool entry_port_required)
{
    mp_span hn, hp, en, ep;
    split_host(h.p, h.len, &hn, &hp);
    split_host(entry, strlen(entry), &en, &ep);
    if (!span_eq_ci(hn, en))
        return false;
    if (!ep.len && !entry_port_required)
        return true;
    if (!hp.len)
        hp = (mp_span){"80", 2};
    return span_eq_ci(hp, ep);
}

static bool host_allowed(const mp_server *s, mp_span host, const mp_peer *peer)
{
    if (!host.p)
        return true; /* HTTP/1.0 without Host; 1.1 without it never gets here (http_head.h) */
    if (host_matches(host, s->listen_host, true))
        return true;
    char name[300];
    if (s->listen_loopback) {
        snprintf(name, sizeof name, "localhost:%s", s->listen_port);
        if (host_matches(host, name, true))
            return true;
    }
    if (s->listen_wildcard && peer->local[0] && host_matches(host, peer->local, true))
        return true;
    for (size_t i = 0; i < s->cfg->public_host_count; i++)
        if (host_matches(host, s->cfg->public_hosts[i], false))
            return true;
    return false;
}

/* ---- Origin ---------------------------------------------------------------------------- */

bool mp_admission_cors_origin(const mp_server *s, const char *origin)
{
    for (size_t i = 0; i < s->cfg->cors_origin_count; i++)
        if (!strcmp(origin, s->cfg->cors_origins[i]) || !strcmp(s->cfg->cors_origins[i], "*"))
            return true;
    return s->keys && mp_keyring_public_origin(s->keys, origin, strlen(origin));
}

static bool cors_listed(const mp_server *s, mp_span origin)
{
    for (size_t i = 0; i < s->cfg->cors_origin_count; i++) {
        const char *o = s->cfg->cors_origins[i];
        if (!strcmp(o, "*") || (strlen(o) == origin.len && !memcmp(o, origin.p, origin.len)))
            return true;
    }
    return false;
}

/* The server's own origin: the page it served itself, "http(s)://" + Host
 * (RFC 6454; Host is already known to be this server's). */
static bool own_origin(mp_span origin, mp_span host)
{
    if (!host.p)
        return false;
    for (int tls = 0; tls < 2; tls++) {
        size_t n = tls ? 8 : 7;
        if (origin.len == n + host.len && !strncasecmp(origin.p, tls ? "https://" : "http://", n) &&
            !strncasecmp(origin.p + n, host.p, host.len))
            return true;
    }
    return false;
}

/* ---- the rules ------------------------------------------------------------------------------ */

/* The body a request may declare. */
static size_t body_limit(const mp_server *s, const mp_route_match *rm, enum evhttp_cmd_type m)
{
    if (m == EVHTTP_REQ_HEAD)
        return 0;
    if (m == EVHTTP_REQ_POST && rm->known && rm->route == MP_ROUTE_VERIFY)
        return s->cfg->max_body_verify;
    if (m == EVHTTP_REQ_POST && rm->known && rm->route == MP_ROUTE_JOBS_CREATE)
        return s->cfg->max_body_jobs;
    return MP_BODY_OTHER_MAX;
}

/* Step 6: the declared body. */
static bool body_fits(const mp_server *s, const mp_http_head *h, const mp_route_match *rm, enum evhttp_cmd_type m,
                      mp_admission *out)
{
    if (h->content_length <= body_limit(s, rm, m))
        return true;
    mp_admission_refuse(out, 413, m == EVHTTP_REQ_HEAD ? "a HEAD request has no body" : "request body too large");
    return false;
}

/* Step 4: the key. NULL key and true = no keys configured. */
static bool authenticate(mp_server *s, const mp_http_head *h, const mp_peer *peer, const mp_api_key **key,
                         mp_admission *out)
{
    *key = NULL;
    if (!s->keys || !mp_keyring_count(s->keys))
        return true;
    char bucket[MP_RATELIMIT_KEY_MAX + 1];
    snprintf(bucket, sizeof bucket, "authfail:%s", peer->client_key);
    double now = mp_now_monotonic();
    int wait = mp_ratelimit_wait(s->auth_failures, bucket, now);
    if (wait > 0) {
        s->metrics.rate_limited++;
        refuse(out, 429, NULL, "too many requests with a wrong API key; wait before trying again", wait);
        return false;
    }
    mp_span a = h->authorization;
    if (a.p && a.len > 7 && !strncasecmp(a.p, "Bearer ", 7))
        *key = mp_keyring_find(s->keys, a.p + 7, a.len - 7);
    if (*key)
        return true;
    wait = mp_ratelimit_take(s->auth_failures, bucket, now);
    if (wait > 0) {
        s->metrics.rate_limited++;
        refuse(out, 429, NULL, "too many requests with a wrong API key; wait before trying again", wait);
        return false;
    }
    refuse(out, 401, NULL, a.p ? "wrong API key" : "missing Authorization: Bearer KEY", 0);
    out->www_authenticate = true;
    return false;
}

/* Step 5: the rate limits and the daily quota. */
static bool within_limits(mp_server *s, const mp_api_key *key, const mp_peer *peer, mp_admission *out)
{
    char bucket[MP_RATELIMIT_KEY_MAX + 1];
    double now = mp_now_monotonic();
    int wait;
    if (key && key->kind == MP_KEY_SECRET) {
        snprintf(bucket, sizeof bucket, "key:%s", key->id);
        wait = mp_ratelimit_take(s->ratelimit, bucket, now);
    } else {
        snprintf(bucket, sizeof bucket, "ip:%s", peer->client_key);
        wait = mp_ratelimit_take(s->ratelimit, bucket, now);
        if (!wait && key) {
            snprintf(bucket, sizeof bucket, "public:%s", key->id);
            wait = mp_ratelimit_take_at(s->ratelimit, bucket, key->rate, key->burst, now);
        }
    }
    if (wait > 0) {
        s->metrics.rate_limited++;
        refuse(out, 429, NULL, "rate limit exceeded", wait);
        return false;
    }
    if (key && !mp_keyring_take_daily(s->keys, key, (int64_t)time(NULL), &wait)) {
        s->metrics.rate_limited++;
        refuse(out, 429, "quota_exceeded", "this key's daily quota is used up", wait);
        return false;
    }
    return true;
}

void mp_admit(mp_server *s, const mp_http_head *h, const mp_peer *peer, mp_admission *out)
{
    memset(out, 0, sizeof *out);
    out->route = MP_ROUTE_OTHER;
    snprintf(out->method, sizeof out->method, "%.*s", (int)(h->method.len < 7 ? h->method.len : 7), h->method.p);
    size_t plen = h->target.len < MP_REQUEST_PATH_MAX - 1 ? h->target.len : MP_REQUEST_PATH_MAX - 1;
    memcpy(out->path, h->target.p, plen);
    out->path[plen] = '\0';

    /* 1. method and path (decoded as the dispatcher decodes it) */
    enum evhttp_cmd_type m = mp_admission_method(h->method);
    if (!m) {
        mp_admission_refuse(out, 501, "unknown method");
        return;
    }
    char *target = strndup(h->target.p, h->target.len);
    struct evhttp_uri *uri = target ? evhttp_uri_parse_with_flags(target, EVHTTP_URI_NONCONFORMANT) : NULL;
    const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
    size_t dlen = 0;
    char *path = raw ? evhttp_uridecode(*raw ? raw : "/", 0, &dlen) : NULL;
    bool path_ok = path && dlen == strlen(path); /* no encoded NUL */
    mp_route_match rm;
    if (path_ok)
        mp_request_match(path, m == EVHTTP_REQ_DELETE, &rm);
    free(path);
    if (uri)
        evhttp_uri_free(uri);
    free(target);
    if (!path_ok) {
        mp_admission_refuse(out, 400, "bad path");
        return;
    }
    out->route = m == EVHTTP_REQ_OPTIONS ? MP_ROUTE_PREFLIGHT : rm.route;

    /* 2. Host */
    if (!host_allowed(s, h->host, peer)) {
        mp_admission_refuse(out, 421, "this server does not answer to that Host (see --public-host)");
        return;
    }
    if (rm.v1) {
        /* 3. Origin: a preflight may come from any origin a CORS header
         * could name; a request from its own origin or a listed one, or
         * from its public key's (checked below). */
        bool origin_ok = !h->origin.p || own_origin(h->origin, h->host) || cors_listed(s, h->origin);
        if (!origin_ok && m == EVHTTP_REQ_OPTIONS)
            origin_ok = s->keys && mp_keyring_public_origin(s->keys, h->origin.p, h->origin.len);
        const mp_api_key *key = NULL;
        if (m != EVHTTP_REQ_OPTIONS) {
            /* 4. the key and its scope */
            if (!authenticate(s, h, peer, &key, out))
                return;
            if (key) {
                snprintf(out->key_id, sizeof out->key_id, "%s", key->id);
                if (key->kind == MP_KEY_PUBLIC) {
                    if (!(m == EVHTTP_REQ_POST && rm.known && rm.route == MP_ROUTE_VERIFY)) {
                        mp_admission_refuse(out, 403, "a public key may only POST /v1/verify");
                        return;
                    }
                    if (!h->origin.p || !mp_api_key_has_origin(key, h->origin.p, h->origin.len)) {
                        mp_admission_refuse(out, 403, "this public key is only valid from its own origin");
                        return;
                    }
                    origin_ok = true;
                }
            }
        }
        if (!origin_ok) {
            mp_admission_refuse(out, 403, "requests from this origin are not allowed (see --cors-origin)");
            return;
        }
        /* 6 before 5: a body refused for its size costs no quota */
        if (!body_fits(s, h, &rm, m, out))
            return;
        if (m != EVHTTP_REQ_OPTIONS && !within_limits(s, key, peer, out))
            return;
    } else if (!body_fits(s, h, &rm, m, out)) {
        return;
    }
    out->admitted = true;
}
