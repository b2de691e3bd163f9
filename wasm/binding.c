/*
 * The WebAssembly face of the core: the only C file that exists only in the
 * wasm build. JavaScript never sees a struct. A batch of addresses crosses
 * into WebAssembly once, as one UTF-8 buffer, and the results come back as
 * fixed-size records of int32 words plus one UTF-8 text of all their strings
 * (cf. tree-sitter's transfer buffer). mailcheck.mjs turns them into objects.
 *
 * Every exported function ends in _wasm and is listed in exports.txt.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mailprobe/core.h"

/* ---- The record layout (mirrored in mailcheck.mjs; checked at load) ---- */

enum {
    REC_FLAGS = 0,    /* REC_FLAG_* bits */
    REC_SYNTAX_CODE,  /* mp_syntax_code */
    REC_POSITION,     /* octet offset or -1 */
    REC_STATUS,
    REC_REASON,
    REC_ACTION,
    REC_SCORE,
    REC_SMTP_RESULT,
    REC_EMAIL,        /* 2 words: UTF-16 start and length in the *input* */
    REC_NORMALIZED = REC_EMAIL + 2, /* 2 words each from here on: UTF-16   */
    REC_LOCAL = REC_NORMALIZED + 2, /* start and length in the output text, */
    REC_DOMAIN = REC_LOCAL + 2,     /* or a REF_* start (see below)         */
    REC_ASCII_DOMAIN = REC_DOMAIN + 2,
    REC_UNICODE_DOMAIN = REC_ASCII_DOMAIN + 2,
    REC_SUGGESTION = REC_UNICODE_DOMAIN + 2,
    REC_WORDS = REC_SUGGESTION + 2
};

/* A string start below 0 is not an offset: null, or "the same string as"
 * an earlier field. Most addresses are lower-case ASCII, where normalized
 * is the input and the three domains are one string: JS then makes one
 * string instead of four (building objects is what a batch spends most on). */
enum {
    REF_NULL = -1,         /* empty: null in the JSON */
    REF_EMAIL = -2,        /* same as the input address */
    REF_DOMAIN = -3,       /* same as syntax.domain */
    REF_ASCII_DOMAIN = -4, /* same as syntax.ascii_domain */
};

enum {
    REC_FLAG_VALID = 1 << 0,
    REC_FLAG_SMTPUTF8 = 1 << 1,
    REC_FLAG_DISPOSABLE = 1 << 2,
    REC_FLAG_ROLE = 1 << 3,
    REC_FLAG_FREE = 1 << 4,
};

/* Bits of the `policy_bits` argument: the JS options riskyRole/riskyFree. */
enum { POLICY_RISKY_ROLE = 1 << 0, POLICY_RISKY_FREE = 1 << 1 };

/* How the input buffer is cut into addresses. */
enum {
    INPUT_ARRAY = 0, /* `count` UTF-16 lengths given, one separator octet between */
    INPUT_LINES = 1, /* lines as `mailprobe check -` reads them: one trailing
                        "\n" or "\r\n" removed, every line (empty too) checked */
};

/* Worst case octets one result adds to the text: every string at its
 * maximum size, every octet replaced by U+FFFD (3 octets). */
enum {
    RESULT_TEXT_MAX = 3 * (sizeof(((mp_result *)0)->normalized) +
                           sizeof(((mp_syntax *)0)->local) +
                           sizeof(((mp_syntax *)0)->domain) +
                           sizeof(((mp_syntax *)0)->ascii_domain) +
                           sizeof(((mp_syntax *)0)->unicode_domain) +
                           sizeof(((mp_result *)0)->suggestion)),
};

/* One batch context per JS instance: buffers grow as needed and are reused,
 * so a steady stream of check() calls allocates nothing. */
typedef struct mp_batch {
    unsigned char *input;
    size_t input_cap;
    uint32_t *lengths;
    size_t lengths_cap;
    int32_t *records;
    size_t records_cap; /* in records */
    size_t record_count;
    char *text;
    size_t text_cap, text_len;
    size_t text_utf16_len; /* UTF-16 length of text[0..text_len) */
} mp_batch;

/* Grows *buf to hold at least `need` elements of `size` octets (doubling,
 * so a batch costs O(log n) reallocs). Returns false when memory is out. */
static bool grow(void **buf, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 256;
    while (n < need) {
        if (n > SIZE_MAX / 2 / size)
            return false;
        n *= 2;
    }
    void *p = realloc(*buf, n * size);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 §4), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) { n = 3; lo = 0xA0; }
    else if (c == 0xED) { n = 3; hi = 0x9F; }
    else if (c >= 0xE1 && c <= 0xEF) n = 3;
    else if (c == 0xF0) { n = 4; lo = 0x90; }
    else if (c == 0xF4) { n = 4; hi = 0x8F; }
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else return 0;
    if (len < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

static void put_ref(int32_t *rec, int32_t ref)
{
    rec[0] = ref;
    rec[1] = 0;
}

/* Appends the string s (NUL-terminated) to the batch text and stores its
 * UTF-16 start and length in rec[0..1]; an empty string is null (-1, 0).
 * Ill-formed octets become U+FFFD so that the offsets JS uses are exact
 * (the core only ever copies well-formed input, so this never fires for
 * strings from JS). Room was reserved by the caller. */
static void put_string(mp_batch *b, const char *s, int32_t *rec)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    if (len == 0) {
        put_ref(rec, REF_NULL);
        return;
    }
    size_t start16 = b->text_utf16_len;
    unsigned char *out = (unsigned char *)b->text + b->text_len;
    size_t o = 0, units = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence(p + i, len - i);
        if (n == 0) {
            out[o++] = 0xEF; out[o++] = 0xBF; out[o++] = 0xBD;
            units++;
            i++;
            continue;
        }
        memcpy(out + o, p + i, n);
        o += n;
        units += n == 4 ? 2 : 1;
        i += n;
    }
    b->text_len += o;
    b->text_utf16_len += units;
    rec[0] = (int32_t)start16;
    rec[1] = (int32_t)units;
}

/* UTF-16 code units of s[0..len), which JS's TextEncoder produced (so it is
 * well-formed: lone surrogates arrive as U+FFFD, one unit each). */
static size_t utf16_units(const unsigned char *s, size_t len)
{
    size_t units = 0;
    for (size_t i = 0; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            units += s[i] >= 0xF0 ? 2 : 1;
    return units;
}

/* Octets of the first `units` UTF-16 code units of s[0..len). */
static size_t utf16_prefix_octets(const unsigned char *s, size_t len, size_t units)
{
    size_t i = 0;
    while (i < len && units > 0) {
        unsigned c = s[i];
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        units -= n == 4 ? (units >= 2 ? 2 : units) : 1;
        i += n;
    }
    return i < len ? i : len;
}

/* Checks one address and appends its record and strings. */
static bool check_one(mp_batch *b, const unsigned char *addr, size_t len,
                      size_t email_start16, size_t email_units,
                      const mp_options *opts, const mp_policy *policy)
{
    if (!grow((void **)&b->records, &b->records_cap, b->record_count + 1,
              REC_WORDS * sizeof(int32_t)))
        return false;
    if (!grow((void **)&b->text, &b->text_cap, b->text_len + RESULT_TEXT_MAX, 1))
        return false;

    mp_result r;
    mp_check((const char *)addr, len, opts, policy, &r);

    int32_t *rec = b->records + b->record_count * REC_WORDS;
    b->record_count++;
    rec[REC_FLAGS] = (r.syntax.valid ? REC_FLAG_VALID : 0) |
                     (r.syntax.smtputf8 ? REC_FLAG_SMTPUTF8 : 0) |
                     (r.disposable ? REC_FLAG_DISPOSABLE : 0) |
                     (r.role ? REC_FLAG_ROLE : 0) |
                     (r.free ? REC_FLAG_FREE : 0);
    rec[REC_SYNTAX_CODE] = (int32_t)r.syntax.code;
    rec[REC_POSITION] = r.syntax.position;
    rec[REC_STATUS] = (int32_t)r.status;
    rec[REC_REASON] = (int32_t)r.reason;
    rec[REC_ACTION] = (int32_t)r.action;
    rec[REC_SCORE] = r.score;
    rec[REC_SMTP_RESULT] = (int32_t)r.evidence.smtp;
    rec[REC_EMAIL] = (int32_t)email_start16;
    rec[REC_EMAIL + 1] = (int32_t)email_units;
    const mp_syntax *s = &r.syntax;
    if (s->valid && strlen(r.normalized) == len && memcmp(r.normalized, addr, len) == 0)
        put_ref(rec + REC_NORMALIZED, REF_EMAIL);
    else
        put_string(b, s->valid ? r.normalized : "", rec + REC_NORMALIZED);
    put_string(b, s->local, rec + REC_LOCAL);
    put_string(b, s->domain, rec + REC_DOMAIN);
    if (s->ascii_domain[0] && strcmp(s->ascii_domain, s->domain) == 0)
        put_ref(rec + REC_ASCII_DOMAIN, REF_DOMAIN);
    else
        put_string(b, s->ascii_domain, rec + REC_ASCII_DOMAIN);
    if (s->unicode_domain[0] && strcmp(s->unicode_domain, s->domain) == 0)
        put_ref(rec + REC_UNICODE_DOMAIN, REF_DOMAIN);
    else if (s->unicode_domain[0] && strcmp(s->unicode_domain, s->ascii_domain) == 0)
        put_ref(rec + REC_UNICODE_DOMAIN, REF_ASCII_DOMAIN);
    else
        put_string(b, s->unicode_domain, rec + REC_UNICODE_DOMAIN);
    put_string(b, r.has_suggestion ? r.suggestion : "", rec + REC_SUGGESTION);
    return true;
}

/* ---- Exports ------------------------------------------------------------ */

/* A new, empty batch context, or NULL when memory is out. */
mp_batch *mp_batch_new_wasm(void)
{
    return calloc(1, sizeof(mp_batch));
}

void mp_batch_free_wasm(mp_batch *b)
{
    if (!b)
        return;
    free(b->input);
    free(b->lengths);
    free(b->records);
    free(b->text);
    free(b);
}

/* The input buffer, with room for at least `size` octets (JS encodes the
 * addresses straight into it), or NULL when memory is out. */
unsigned char *mp_batch_input_wasm(mp_batch *b, size_t size)
{
    return grow((void **)&b->input, &b->input_cap, size + 1, 1) ? b->input : NULL;
}

/* The array of UTF-16 lengths for INPUT_ARRAY, room for `count`, or NULL. */
uint32_t *mp_batch_lengths_wasm(mp_batch *b, size_t count)
{
    return grow((void **)&b->lengths, &b->lengths_cap, count + 1, sizeof(uint32_t))
        ? b->lengths : NULL;
}

/* Checks every address in input[0..input_len) (cut as `mode` says; `count`
 * is the number of lengths for INPUT_ARRAY) with the MP_ALLOW_* `flags` and
 * the POLICY_* bits. Returns the number of records, or -1 when memory ran
 * out (the batch is then empty but still usable). */
int32_t mp_batch_check_wasm(mp_batch *b, size_t input_len, size_t count,
                            int32_t mode, uint32_t flags, uint32_t policy_bits)
{
    mp_options opts;
    mp_options_default(&opts);
    opts.flags = flags;
    mp_policy policy;
    mp_policy_default(&policy);
    policy.role_is_risky = (policy_bits & POLICY_RISKY_ROLE) != 0;
    policy.free_is_risky = (policy_bits & POLICY_RISKY_FREE) != 0;

    b->record_count = 0;
    b->text_len = 0;
    b->text_utf16_len = 0;
    const unsigned char *in = b->input;
    size_t pos = 0, pos16 = 0;

    if (mode == INPUT_ARRAY) {
        for (size_t i = 0; i < count; i++) {
            size_t n = utf16_prefix_octets(in + pos, input_len - pos, b->lengths[i]);
            if (!check_one(b, in + pos, n, i, b->lengths[i], &opts, &policy))
                goto out_of_memory;
            pos += n + 1; /* the separator */
            if (pos > input_len)
                pos = input_len;
        }
    } else {
        while (pos < input_len) {
            const unsigned char *nl = memchr(in + pos, '\n', input_len - pos);
            size_t end = nl ? (size_t)(nl - in) : input_len;
            size_t units = utf16_units(in + pos, end - pos);
            size_t n = end - pos;
            if (nl && n > 0 && in[pos + n - 1] == '\r')
                n--;
            if (!check_one(b, in + pos, n, pos16, units - (end - pos - n), &opts, &policy))
                goto out_of_memory;
            pos16 += units + 1;
            pos = end + 1;
        }
    }
    return (int32_t)b->record_count;

out_of_memory:
    b->record_count = 0;
    b->text_len = 0;
    b->text_utf16_len = 0;
    return -1;
}

int32_t *mp_batch_records_wasm(mp_batch *b) { return b->records; }
const char *mp_batch_text_wasm(mp_batch *b) { return b->text; }
size_t mp_batch_text_length_wasm(mp_batch *b) { return b->text_len; }

/* ---- Names: the vocabulary, passed to JS once as one JSON text ---------- */

static bool json_raw(mp_batch *b, const char *s)
{
    size_t n = strlen(s);
    if (!grow((void **)&b->text, &b->text_cap, b->text_len + n + 1, 1))
        return false;
    memcpy(b->text + b->text_len, s, n + 1);
    b->text_len += n;
    return true;
}

static bool json_string(mp_batch *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (!grow((void **)&b->text, &b->text_cap, b->text_len + 6 * strlen(s) + 3, 1))
        return false;
    char *o = b->text + b->text_len;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *o++ = '\\';
            *o++ = (char)*p;
        } else if (*p < 0x20) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[*p >> 4];
            o[5] = hex[*p & 15];
            o += 6;
        } else {
            *o++ = (char)*p;
        }
    }
    *o++ = '"';
    *o = '\0';
    b->text_len = (size_t)(o - b->text);
    return true;
}

static bool json_uint(mp_batch *b, size_t v)
{
    char buf[24], *p = buf + sizeof buf;
    *--p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return json_raw(b, p);
}

static bool json_names(mp_batch *b, const char *key, int count, const char *(*name)(int))
{
    bool ok = json_raw(b, ",") && json_string(b, key) && json_raw(b, ":[");
    for (int i = 0; ok && i < count; i++)
        ok = (i == 0 || json_raw(b, ",")) && json_string(b, name(i));
    return ok && json_raw(b, "]");
}

/* Adapters so one loop serves every enum. */
static const char *status_name(int i) { return mp_status_name((mp_status)i); }
static const char *action_name(int i) { return mp_action_name((mp_action)i); }
static const char *reason_name(int i) { return mp_reason_name((mp_reason)i); }
static const char *smtp_result_name(int i) { return mp_smtp_result_name((mp_smtp_result)i); }
static const char *syntax_name(int i) { return mp_syntax_code_name((mp_syntax_code)i); }
static const char *syntax_message(int i) { return mp_syntax_code_message((mp_syntax_code)i); }

/* Writes the names JSON into the batch text (read it with
 * mp_batch_text_wasm / mp_batch_text_length_wasm). Returns its length, or
 * -1 when memory is out. Also carries the record layout, so a mismatched
 * mailcheck.mjs and .wasm fail loudly at load instead of answering wrong. */
int32_t mp_names_json_wasm(mp_batch *b)
{
    mp_list_info lists;
    mp_list_info_get(&lists);
    b->text_len = 0;
    bool ok = json_raw(b, "{\"version\":") && json_string(b, MP_CORE_VERSION) &&
              json_raw(b, ",\"record_words\":") && json_uint(b, REC_WORDS) &&
              json_raw(b, ",\"lists\":{\"disposable_version\":") &&
              json_string(b, lists.disposable_version ? lists.disposable_version : "") &&
              json_raw(b, ",\"disposable_count\":") && json_uint(b, lists.disposable_count) &&
              json_raw(b, ",\"free_count\":") && json_uint(b, lists.free_count) &&
              json_raw(b, ",\"role_count\":") && json_uint(b, lists.role_count) &&
              json_raw(b, "}") &&
              json_names(b, "status", MP_STATUS_COUNT, status_name) &&
              json_names(b, "action", MP_ACTION_COUNT, action_name) &&
              json_names(b, "reason", MP_REASON_COUNT, reason_name) &&
              json_names(b, "smtp_result", MP_SMTP_RESULT_COUNT, smtp_result_name) &&
              json_names(b, "syntax_code", MP_SYNTAX_CODE_COUNT, syntax_name) &&
              json_names(b, "syntax_message", MP_SYNTAX_CODE_COUNT, syntax_message) &&
              json_raw(b, "}");
    if (!ok) {
        b->text_len = 0;
        return -1;
    }
    return (int32_t)b->text_len;
}
