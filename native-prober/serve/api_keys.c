/* api_keys.c — secret and public API keys, the key file, the keyring with
 * its daily quotas (api_keys.h). */
#include "api_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "text.h"

const char *mp_key_status_name(mp_key_status s)
{
    static const char *const names[MP_KEY_STATUS_COUNT] = {"ok",       "bad_key",  "bad_field",
                                                           "no_origin", "too_many", "file_error"};
    return (unsigned)s < MP_KEY_STATUS_COUNT ? names[s] : "?";
}

static mp_key_status fail(mp_key_status st, char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return st;
}

static bool key_text_valid(const char *p, size_t len)
{
    if (len < MP_KEY_LEN_MIN || len > MP_KEY_LEN_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
            return false;
    return true;
}

/* The key's public name: 8 hex digits of its SHA-256. */
static void key_id(const char *key, size_t len, char id[MP_KEY_ID_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) || mdlen < MP_KEY_ID_LEN / 2) {
        snprintf(id, MP_KEY_ID_LEN + 1, "????????");
        return;
    }
    for (int i = 0; i < MP_KEY_ID_LEN / 2; i++)
        snprintf(id + 2 * i, 3, "%02x", md[i]);
}

static void key_init(mp_api_key *k, mp_key_kind kind, const char *text, size_t len)
{
    memset(k, 0, sizeof *k);
    k->kind = kind;
    memcpy(k->key, text, len);
    k->key[len] = '\0';
    key_id(text, len, k->id);
    k->rate = MP_PUBLIC_KEY_RATE;
    k->burst = MP_PUBLIC_KEY_BURST;
    k->daily = MP_PUBLIC_KEY_DAILY;
}

mp_key_status mp_api_key_secret(const char *text, mp_api_key *out, char *err, size_t errlen)
{
    if (!key_text_valid(text, strlen(text)))
        return fail(MP_KEY_BAD_KEY, err, errlen, "a key must be 8 to 128 printable ASCII characters without spaces");
    key_init(out, MP_KEY_SECRET, text, strlen(text));
    return MP_KEY_OK;
}

/* RFC 6454 §6.1 serialisation as browsers send it: "http" or "https",
 * "://", a lower-case host name or [IPv6], an optional ":port"; nothing
 * after. */
static bool origin_valid(const char *p, size_t len)
{
    size_t i;
    if (len > 7 && !memcmp(p, "http://", 7))
        i = 7;
    else if (len > 8 && !memcmp(p, "https://", 8))
        i = 8;
    else
        return false;
    size_t host = i;
    if (p[i] == '[') {
        while (i < len && p[i] != ']')
            i++;
        if (i == len)
            return false;
        i++;
    } else {
        while (i < len && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '.'))
            i++;
    }
    if (i == host)
        return false;
    if (i < len && p[i] == ':') {
        size_t digits = ++i;
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == digits || i - digits > 5)
            return false;
    }
    return i == len;
}

static bool parse_double(const char *v, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= lo && d <= hi))
        return false;
    *out = d;
    return true;
}

static bool parse_long(const char *v, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

/* One "name=value" field of a public key. */
static mp_key_status public_field(mp_api_key *k, const char *field, char *err, size_t errlen)
{
    const char *eq = strchr(field, '=');
    if (!eq)
        goto bad;
    const char *v = eq + 1;
    size_t nlen = (size_t)(eq - field);
    long n = 0;
    if (nlen == 6 && !memcmp(field, "origin", 6)) {
        if (!origin_valid(v, strlen(v)) || strlen(v) > MP_KEY_ORIGIN_MAX)
            return fail(MP_KEY_BAD_FIELD, err, errlen,
                        "origin= must be an origin as browsers send it, e.g. https://shop.example (no path)");
        if (k->origin_count >= MP_KEY_ORIGINS_MAX)
            return fail(MP_KEY_TOO_MANY, err, errlen, "at most 4 origins per key");
        snprintf(k->origins[k->origin_count++], MP_KEY_ORIGIN_MAX + 1, "%s", v);
        return MP_KEY_OK;
    }
    if (nlen == 4 && !memcmp(field, "rate", 4) && parse_double(v, 0.001, 100000, &k->rate))
        return MP_KEY_OK;
    if (nlen == 5 && !memcmp(field, "burst", 5) && parse_long(v, 1, 1000000, &n)) {
        k->burst = (int)n;
        return MP_KEY_OK;
    }
    if (nlen == 5 && !memcmp(field, "daily", 5) && parse_long(v, 1, 100000000, &n)) {
        k->daily = n;
        return MP_KEY_OK;
    }
bad:
    snprintf(err, errlen, "'%.40s': expected origin=URL, rate=R (0.001 to 100000), burst=N or daily=N", field);
    return MP_KEY_BAD_FIELD;
}

mp_key_status mp_api_key_public(const char *spec, mp_api_key *out, char *err, size_t errlen)
{
    char buf[2048];
    if (strlen(spec) >= sizeof buf)
        return fail(MP_KEY_BAD_FIELD, err, errlen, "too long");
    memcpy(buf, spec, strlen(spec) + 1);
    char *save = NULL;
    char *key = strtok_r(buf, " \t", &save);
    if (!key || !key_text_valid(key, strlen(key)))
        return fail(MP_KEY_BAD_KEY, err, errlen, "a key must be 8 to 128 printable ASCII characters without spaces");
    mp_api_key k;
    key_init(&k, MP_KEY_PUBLIC, key, strlen(key));
    for (char *f = strtok_r(NULL, " \t", &save); f; f = strtok_r(NULL, " \t", &save)) {
        mp_key_status st = public_field(&k, f, err, errlen);
        if (st != MP_KEY_OK)
            return st;
    }
    if (!k.origin_count)
        return fail(MP_KEY_NO_ORIGIN, err, errlen, "a public key needs origin=https://... (the page that uses it)");
    *out = k;
    return MP_KEY_OK;
}

/* One line of a key file. */
typedef struct key_reader {
    mp_api_key *out;
    size_t cap, *n;
    const char *path;
    mp_key_status st;
    char *err;
    size_t errlen;
} key_reader;

static bool read_key_line(int lineno, char *line, void *arg)
{
    key_reader *r = arg;
    char msg[256];
    if (*r->n >= r->cap) {
        r->st = MP_KEY_TOO_MANY;
        snprintf(msg, sizeof msg, "more than %zu keys", r->cap);
    } else if (!strncmp(line, "secret", 6) && (line[6] == ' ' || line[6] == '\t')) {
        r->st = mp_api_key_secret(mp_trim_blank(line + 6), &r->out[*r->n], msg, sizeof msg);
    } else if (!strncmp(line, "public", 6) && (line[6] == ' ' || line[6] == '\t')) {
        r->st = mp_api_key_public(mp_trim_blank(line + 6), &r->out[*r->n], msg, sizeof msg);
    } else {
        r->st = MP_KEY_BAD_FIELD;
        snprintf(msg, sizeof msg, "expected 'secret KEY' or 'public KEY origin=...'");
    }
    if (r->st != MP_KEY_OK) {
        snprintf(r->err, r->errlen, "%s:%d: %s", r->path, lineno, msg);
        return false;
    }
    (*r->n)++;
    return true;
}

mp_key_status mp_api_keys_read_file(const char *path, mp_api_key *out, size_t cap, size_t *n, char *err,
                                    size_t errlen)
{
    size_t first = *n;
    key_reader r = {out, cap, n, path, MP_KEY_OK, err, errlen};
    mp_lines_status ls = mp_text_read_lines(path, read_key_line, &r, err, errlen);
    if (ls == MP_LINES_OK)
        return MP_KEY_OK;
    *n = first;
    return ls == MP_LINES_STOPPED ? r.st : MP_KEY_FILE_ERROR;
}

/* ---- the keyring ---------------------------------------------------------------------------- */

typedef struct quota {
    int64_t day; /* days since the epoch (UTC) of `used` */
    long used;
} quota;

struct mp_keyring {
    size_t count;
    mp_api_key keys[MP_KEYRING_MAX];
    quota quotas[MP_KEYRING_MAX];
};

mp_keyring *mp_keyring_new(void) { return calloc(1, sizeof(mp_keyring)); }

void mp_keyring_free(mp_keyring *ring) { free(ring); }

size_t mp_keyring_count(const mp_keyring *ring) { return ring->count; }

mp_key_status mp_keyring_set(mp_keyring *ring, const mp_api_key *keys, size_t n)
{
    if (n > MP_KEYRING_MAX)
        return MP_KEY_TOO_MANY;
    quota kept[MP_KEYRING_MAX];
    for (size_t i = 0; i < n; i++) {
        kept[i] = (quota){0, 0};
        for (size_t j = 0; j < ring->count; j++)
            if (!strcmp(ring->keys[j].key, keys[i].key))
                kept[i] = ring->quotas[j];
    }
    memcpy(ring->keys, keys, n * sizeof *keys);
    memcpy(ring->quotas, kept, n * sizeof *kept);
    ring->count = n;
    return MP_KEY_OK;
}

/* Equality in time that depends only on max(alen, blen). */
static bool equal_constant_time(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen > blen ? alen : blen;
    unsigned char diff = (unsigned char)(alen != blen);
    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < alen ? (unsigned char)a[i] : 0;
        unsigned char y = i < blen ? (unsigned char)b[i] : 0;
        diff |= (unsigned char)(x ^ y);
    }
    return diff == 0;
}

const mp_api_key *mp_keyring_find(const mp_keyring *ring, const char *given, size_t len)
{
    const mp_api_key *found = NULL;
    for (size_t i = 0; i < ring->count; i++) /* every key, no early exit */
        if (equal_constant_time(ring->keys[i].key, strlen(ring->keys[i].key), given, len) && !found)
            found = &ring->keys[i];
    return found;
}

bool mp_api_key_has_origin(const mp_api_key *key, const char *origin, size_t len)
{
    for (size_t i = 0; i < key->origin_count; i++)
        if (strlen(key->origins[i]) == len && !memcmp(key->origins[i], origin, len))
            return true;
    return false;
}

bool mp_keyring_public_origin(const mp_keyring *ring, const char *origin, size_t len)
{
    for (size_t i = 0; i < ring->count; i++)
        if (ring->keys[i].kind == MP_KEY_PUBLIC && mp_api_key_has_origin(&ring->keys[i], origin, len))
            return true;
    return false;
}

bool mp_keyring_take_daily(mp_keyring *ring, const mp_api_key *key, int64_t now, int *retry_after)
{
    *retry_after = 0;
    if (key->kind != MP_KEY_PUBLIC)
        return true;
    size_t i = (size_t)(key - ring->keys);
    if (i >= ring->count)
        return false;
    int64_t day = now / 86400;
    quota *q = &ring->quotas[i];
    if (q->day != day) {
        q->day = day;
        q->used = 0;
    }
    if (q->used >= key->daily) {
        *retry_after = (int)(86400 - now % 86400);
        return false;
    }
    q->used++;
    return true;
}
