/* The result JSON (docs/result-schema.md): key names and order live here
 * and nowhere else. Every echoed string goes through mp_utf8_sanitize()
 * first, so whatever bytes a user or a server sends, the JSON is valid. */
#include <stdlib.h>
#include <string.h>
#include "result_json.h"

/* Length of the well-formed UTF-8 sequence at s[0..len) (RFC 3629 §4:
 * no overlongs, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* bounds for the second octet */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;      /* overlong */
        else if (c == 0xED) hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;      /* overlong */
        else if (c == 0xF4) hi = 0x8F; /* > U+10FFFF */
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

size_t mp_utf8_sanitize(const char *in, size_t len, char *out)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = s[i] ? utf8_sequence(s + i, len - i) : 0;
        if (n == 0) {
            /* U+FFFD REPLACEMENT CHARACTER, one per bad octet (and per NUL,
             * which a C string cannot carry). */
            out[o++] = (char)0xEF;
            out[o++] = (char)0xBF;
            out[o++] = (char)0xBD;
            i++;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        }
    }
    out[o] = '\0';
    return o;
}

/* A JSON string for len octets of s, made valid UTF-8. The common case
 * (short, printable ASCII... or any valid UTF-8) costs one scan and no
 * allocation beyond cJSON's own copy. */
static cJSON *json_string(const char *s, size_t len)
{
    char small[3 * 256 + 1];
    bool clean = true;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (u[i] == 0 || u[i] >= 0x80) {
            clean = false;
            break;
        }
    }
    if (clean) {
        if (len < sizeof small) {
            memcpy(small, s, len);
            small[len] = '\0';
            return cJSON_CreateString(small);
        }
    }
    char *buf = (len <= 256) ? small : malloc(3 * len + 1);
    if (!buf)
        return NULL;
    mp_utf8_sanitize(s, len, buf);
    cJSON *item = cJSON_CreateString(buf);
    if (buf != small)
        free(buf);
    return item;
}

/* A NUL-terminated field: "" is null. */
static cJSON *json_string_or_null(const char *s)
{
    if (!s || !s[0])
        return cJSON_CreateNull();
    return json_string(s, strlen(s));
}

typedef struct builder {
    bool ok;
} builder;

/* Adds item under a constant key; remembers any allocation failure so the
 * caller checks once at the end. */
static void put(builder *b, cJSON *obj, const char *key, cJSON *item)
{
    if (!item || !obj) {
        b->ok = false;
        cJSON_Delete(item);
        return;
    }
    cJSON_AddItemToObjectCS(obj, key, item);
}

static cJSON *syntax_json(builder *b, const mp_syntax *s)
{
    cJSON *o = cJSON_CreateObject();
    put(b, o, "valid", cJSON_CreateBool(s->valid));
    if (s->valid) {
        put(b, o, "reason", cJSON_CreateNull());
        put(b, o, "message", cJSON_CreateNull());
    } else {
        put(b, o, "reason", cJSON_CreateString(mp_syntax_code_name(s->code)));
        put(b, o, "message", cJSON_CreateString(mp_syntax_code_message(s->code)));
    }
    put(b, o, "position", (!s->valid && s->position >= 0) ? cJSON_CreateNumber(s->position)
                                                          : cJSON_CreateNull());
    put(b, o, "local", json_string_or_null(s->local));
    put(b, o, "domain", json_string_or_null(s->domain));
    put(b, o, "ascii_domain", json_string_or_null(s->ascii_domain));
    put(b, o, "unicode_domain", json_string_or_null(s->unicode_domain));
    put(b, o, "smtputf8", cJSON_CreateBool(s->smtputf8));
    return o;
}

static cJSON *mx_json(builder *b, const mp_probe_details *d)
{
    cJSON *o = cJSON_CreateObject();
    put(b, o, "result", cJSON_CreateString(mp_dns_result_name(d->dns)));
    put(b, o, "implicit", cJSON_CreateBool(d->mx_implicit));
    cJSON *hosts = cJSON_CreateArray();
    size_t n = d->mx_count < MP_PROBE_MX_MAX ? d->mx_count : MP_PROBE_MX_MAX;
    for (size_t i = 0; hosts && i < n; i++) {
        cJSON *h = cJSON_CreateObject();
        put(b, h, "host", json_string(d->mx[i].host, strnlen(d->mx[i].host, sizeof d->mx[i].host)));
        put(b, h, "preference", cJSON_CreateNumber(d->mx[i].preference));
        if (h)
            cJSON_AddItemToArray(hosts, h);
    }
    put(b, o, "hosts", hosts);
    put(b, o, "message", json_string_or_null(d->dns_message));
    return o;
}

static cJSON *smtp_json(builder *b, const mp_result *r, const mp_probe_details *d)
{
    cJSON *o = cJSON_CreateObject();
    put(b, o, "result", cJSON_CreateString(mp_smtp_result_name(r->evidence.smtp)));
    bool reply = d && d->smtp_code != 0;
    put(b, o, "code", reply ? cJSON_CreateNumber(d->smtp_code) : cJSON_CreateNull());
    put(b, o, "enhanced_code", d ? json_string_or_null(d->enhanced_code) : cJSON_CreateNull());
    put(b, o, "message", d ? json_string_or_null(d->message) : cJSON_CreateNull());
    put(b, o, "host", d ? json_string_or_null(d->host) : cJSON_CreateNull());
    /* Catch-all is only meaningful once a server was asked. */
    cJSON *catch_all;
    if (r->evidence.smtp == MP_SMTP_NOT_CHECKED || r->evidence.catch_all == MP_UNKNOWN)
        catch_all = cJSON_CreateNull();
    else
        catch_all = cJSON_CreateBool(r->evidence.catch_all == MP_YES);
    put(b, o, "catch_all", catch_all);
    return o;
}

cJSON *mp_result_to_json(const mp_result *r, const char *input, size_t input_len,
                         const mp_probe_details *details)
{
    builder b = {true};
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    put(&b, root, "email", json_string(input ? input : "", input ? input_len : 0));
    put(&b, root, "normalized", json_string_or_null(r->syntax.valid ? r->normalized : ""));
    put(&b, root, "status", cJSON_CreateString(mp_status_name(r->status)));
    put(&b, root, "reason", cJSON_CreateString(mp_reason_name(r->reason)));
    put(&b, root, "action", cJSON_CreateString(mp_action_name(r->action)));
    put(&b, root, "score", cJSON_CreateNumber(r->score));
    put(&b, root, "syntax", syntax_json(&b, &r->syntax));
    put(&b, root, "disposable", cJSON_CreateBool(r->disposable));
    put(&b, root, "role", cJSON_CreateBool(r->role));
    put(&b, root, "free", cJSON_CreateBool(r->free));
    put(&b, root, "unknown_tld", cJSON_CreateBool(r->unknown_tld));
    put(&b, root, "suggestion", json_string_or_null(r->has_suggestion ? r->suggestion : ""));
    put(&b, root, "mx", (details && details->dns != MP_DNS_NOT_CHECKED) ? mx_json(&b, details)
                                                                        : cJSON_CreateNull());
    put(&b, root, "smtp", smtp_json(&b, r, details));
    if (details) {
        put(&b, root, "provider", json_string_or_null(details->provider));
        put(&b, root, "retry_after", details->retry_after >= 0 ? cJSON_CreateNumber(details->retry_after)
                                                               : cJSON_CreateNull());
        if (details->transcript) {
            cJSON *lines = cJSON_CreateArray();
            for (size_t i = 0; lines && i < details->transcript_count; i++) {
                const char *line = details->transcript[i] ? details->transcript[i] : "";
                cJSON *item = json_string(line, strlen(line));
                if (!item) {
                    b.ok = false;
                    break;
                }
                cJSON_AddItemToArray(lines, item);
            }
            put(&b, root, "transcript", lines);
        }
    }
    if (!b.ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* ---- Direct writer ---------------------------------------------------------
 * The same text as the cJSON tree printed unformatted: cJSON 1.7 escapes
 * '"', '\\', \b \f \n \r \t by letter and other octets below 0x20 as \u00xx,
 * and writes everything else (UTF-8 included) as it is. Keep the key order
 * here in step with mp_result_to_json() above. Output is gathered in a
 * small buffer and handed to stdio in a few large writes: per-piece stdio
 * calls (each taking the FILE lock) cost more than the check itself. */

typedef struct json_out {
    FILE *f;
    size_t n;
    char buf[4096];
} json_out;

static void out_flush(json_out *o)
{
    if (o->n) {
        fwrite(o->buf, 1, o->n, o->f);
        o->n = 0;
    }
}

static void out_bytes(json_out *o, const void *s, size_t len)
{
    if (len > sizeof o->buf - o->n) {
        out_flush(o);
        if (len > sizeof o->buf) {
            fwrite(s, 1, len, o->f);
            return;
        }
    }
    memcpy(o->buf + o->n, s, len);
    o->n += len;
}

static void out_str(json_out *o, const char *s) { out_bytes(o, s, strlen(s)); }

static void out_char(json_out *o, char c)
{
    if (o->n == sizeof o->buf)
        out_flush(o);
    o->buf[o->n++] = c;
}

static void out_int(json_out *o, int v)
{
    char digits[16];
    size_t i = sizeof digits;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--i] = '-';
    out_bytes(o, digits + i, sizeof digits - i);
}

static void out_bool(json_out *o, bool b) { out_str(o, b ? "true" : "false"); }

static void out_json_string(json_out *o, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0; /* start of the pending run of octets copied as they are */
    out_char(o, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        size_t n = (c >= 0x80) ? utf8_sequence(u + i, len - i) : 1;
        if (c >= 0x80 && n > 0) {
            i += n;
            continue;
        }
        out_bytes(o, u + run, i - run);
        if (c >= 0x80 || c == 0) {
            out_bytes(o, "\xEF\xBF\xBD", 3); /* U+FFFD, as mp_utf8_sanitize() */
        } else {
            char esc[6] = {'\\', 0, '0', '0', hex[c >> 4], hex[c & 15]};
            size_t elen = 2;
            switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            default: esc[1] = 'u'; elen = 6; break;
            }
            out_bytes(o, esc, elen);
        }
        i++;
        run = i;
    }
    out_bytes(o, u + run, len - run);
    out_char(o, '"');
}

static void out_string_or_null(json_out *o, const char *s)
{
    if (!s || !s[0])
        out_str(o, "null");
    else
        out_json_string(o, s, strlen(s));
}

/* A name from the mp_*_name() vocabulary: plain ASCII, no escaping. */
static void out_name(json_out *o, const char *name)
{
    out_char(o, '"');
    out_str(o, name);
    out_char(o, '"');
}

bool mp_result_write_json(FILE *f, const mp_result *r, const char *input, size_t input_len,
                          const mp_probe_details *d)
{
    json_out out;
    json_out *o = &out;
    o->f = f;
    o->n = 0;
    const mp_syntax *s = &r->syntax;

    out_str(o, "{\"email\":");
    out_json_string(o, input ? input : "", input ? input_len : 0);
    out_str(o, ",\"normalized\":");
    out_string_or_null(o, s->valid ? r->normalized : "");
    out_str(o, ",\"status\":");
    out_name(o, mp_status_name(r->status));
    out_str(o, ",\"reason\":");
    out_name(o, mp_reason_name(r->reason));
    out_str(o, ",\"action\":");
    out_name(o, mp_action_name(r->action));
    out_str(o, ",\"score\":");
    out_int(o, r->score);

    out_str(o, ",\"syntax\":{\"valid\":");
    out_bool(o, s->valid);
    if (s->valid) {
        out_str(o, ",\"reason\":null,\"message\":null");
    } else {
        const char *message = mp_syntax_code_message(s->code);
        out_str(o, ",\"reason\":");
        out_name(o, mp_syntax_code_name(s->code));
        out_str(o, ",\"message\":");
        out_json_string(o, message, strlen(message));
    }
    out_str(o, ",\"position\":");
    if (!s->valid && s->position >= 0)
        out_int(o, s->position);
    else
        out_str(o, "null");
    out_str(o, ",\"local\":");
    out_string_or_null(o, s->local);
    out_str(o, ",\"domain\":");
    out_string_or_null(o, s->domain);
    out_str(o, ",\"ascii_domain\":");
    out_string_or_null(o, s->ascii_domain);
    out_str(o, ",\"unicode_domain\":");
    out_string_or_null(o, s->unicode_domain);
    out_str(o, ",\"smtputf8\":");
    out_bool(o, s->smtputf8);

    out_str(o, "},\"disposable\":");
    out_bool(o, r->disposable);
    out_str(o, ",\"role\":");
    out_bool(o, r->role);
    out_str(o, ",\"free\":");
    out_bool(o, r->free);
    out_str(o, ",\"unknown_tld\":");
    out_bool(o, r->unknown_tld);
    out_str(o, ",\"suggestion\":");
    out_string_or_null(o, r->has_suggestion ? r->suggestion : "");

    out_str(o, ",\"mx\":");
    if (d && d->dns != MP_DNS_NOT_CHECKED) {
        out_str(o, "{\"result\":");
        out_name(o, mp_dns_result_name(d->dns));
        out_str(o, ",\"implicit\":");
        out_bool(o, d->mx_implicit);
        out_str(o, ",\"hosts\":[");
        size_t n = d->mx_count < MP_PROBE_MX_MAX ? d->mx_count : MP_PROBE_MX_MAX;
        for (size_t i = 0; i < n; i++) {
            out_str(o, i ? ",{\"host\":" : "{\"host\":");
            out_json_string(o, d->mx[i].host, strnlen(d->mx[i].host, sizeof d->mx[i].host));
            out_str(o, ",\"preference\":");
            out_int(o, d->mx[i].preference);
            out_char(o, '}');
        }
        out_str(o, "],\"message\":");
        out_string_or_null(o, d->dns_message);
        out_char(o, '}');
    } else {
        out_str(o, "null");
    }

    out_str(o, ",\"smtp\":{\"result\":");
    out_name(o, mp_smtp_result_name(r->evidence.smtp));
    out_str(o, ",\"code\":");
    if (d && d->smtp_code != 0)
        out_int(o, d->smtp_code);
    else
        out_str(o, "null");
    out_str(o, ",\"enhanced_code\":");
    out_string_or_null(o, d ? d->enhanced_code : NULL);
    out_str(o, ",\"message\":");
    out_string_or_null(o, d ? d->message : NULL);
    out_str(o, ",\"host\":");
    out_string_or_null(o, d ? d->host : NULL);
    out_str(o, ",\"catch_all\":");
    if (r->evidence.smtp == MP_SMTP_NOT_CHECKED || r->evidence.catch_all == MP_UNKNOWN)
        out_str(o, "null");
    else
        out_bool(o, r->evidence.catch_all == MP_YES);
    out_char(o, '}');

    if (d) {
        out_str(o, ",\"provider\":");
        out_string_or_null(o, d->provider);
        out_str(o, ",\"retry_after\":");
        if (d->retry_after >= 0)
            out_int(o, d->retry_after);
        else
            out_str(o, "null");
        if (d->transcript) {
            out_str(o, ",\"transcript\":[");
            for (size_t i = 0; i < d->transcript_count; i++) {
                const char *line = d->transcript[i] ? d->transcript[i] : "";
                if (i)
                    out_char(o, ',');
                out_json_string(o, line, strlen(line));
            }
            out_char(o, ']');
        }
    }
    out_char(o, '}');
    out_flush(o);
    return !ferror(f);
}

char *mp_result_to_json_text(const mp_result *r, const char *input, size_t input_len,
                             const mp_probe_details *details)
{
    cJSON *obj = mp_result_to_json(r, input, input_len, details);
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    return text;
}
