/*
 * The WebAssembly face of the core: the only C file that exists only in the
 * wasm build. JavaScript never sees a struct. A batch of addresses crosses
 * into WebAssembly once, as one UTF-8 buffer, and the results come back as
 * fixed-size records of int32 words, a table of the batch's distinct domains
 * and one UTF-8 text of the strings JS cannot take from the input (cf.
 * tree-sitter's transfer buffer). mailcheck.mjs turns them into objects or
 * into a ResultTable. The per-domain work is remembered across calls in the
 * batch's mp_domain_memo.
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
    REC_EMAIL,        /* 2 words: array mode, the element index and its UTF-16
                         length; lines mode, UTF-16 start and length in the input */
    REC_LOCAL = REC_EMAIL + 2,      /* 2 words each: a string (below) */
    REC_NORMALIZED = REC_LOCAL + 2,
    REC_SUGGESTION = REC_NORMALIZED + 2,
    REC_DOMAIN = REC_SUGGESTION + 2, /* 1 word: index in the domain table, or -1 */
    REC_WORDS
};

/* A string is two words: its UTF-16 start and length in the batch text, or
 * a start below 0 that says how JS builds it from strings it already has.
 * Real lists repeat a few domains and write addresses as given, so JS makes
 * one string per address (its local part) and one per distinct domain:
 * building strings and objects is what a batch spends most on. */
enum {
    REF_NULL = -1,          /* empty: null in the JSON */
    REF_EMAIL = -2,         /* the input address itself */
    REF_EMAIL_PREFIX = -3,  /* the first `length` UTF-16 units of the input */
    REF_JOIN_ASCII = -4,    /* local + "@" + the domain's ascii form */
    REF_JOIN_SUGGESTED = -5, /* local + "@" + the domain's suggested domain */
    REF_DOMAIN = -6,        /* (domain table) the domain as given */
    REF_ASCII = -7,         /* (domain table) the ascii form */
};

/* The domain table: one entry per distinct domain (as given) of a batch,
 * each four strings. The ascii and unicode forms are filled the first time
 * an address examines the domain, the suggestion the first time it is
 * suggested; an address whose parse stopped earlier has no ascii form
 * (REC_FLAG_ASCII clear), whatever its domain's entry says. */
enum {
    DOM_NAME = 0,         /* as given */
    DOM_ASCII = 2,        /* REF_DOMAIN when the same */
    DOM_UNICODE = 4,      /* REF_DOMAIN or REF_ASCII when the same */
    DOM_SUGGESTED = 6,    /* the suggested domain alone */
    DOM_WORDS = 8
};

enum {
    REC_FLAG_VALID = 1 << 0,
    REC_FLAG_SMTPUTF8 = 1 << 1,
    REC_FLAG_DISPOSABLE = 1 << 2,
    REC_FLAG_ROLE = 1 << 3,
    REC_FLAG_FREE = 1 << 4,
    REC_FLAG_ASCII = 1 << 5,   /* syntax.ascii_domain is the entry's ascii form */
    REC_FLAG_UNICODE = 1 << 6, /* syntax.unicode_domain is the entry's unicode form */
    REC_FLAG_NUL = 1 << 7,     /* the input holds NUL (JSON shows it as U+FFFD) */
    REC_FLAG_UNKNOWN_TLD = 1 << 8,
    REC_FLAG_SUGGESTED = 1 << 9, /* REC_SUGGESTION is REF_JOIN_SUGGESTED */
};

/* The columns of a ResultTable (mailcheck.mjs), one octet per record each,
 * written by mp_batch_columns_wasm: JS copies them out in one slice. The
 * first four are record words REC_STATUS..REC_SCORE, the others flag bits
 * (column_flag). */
enum {
    COL_STATUS = 0,
    COL_REASON,
    COL_ACTION,
    COL_SCORE,
    COL_VALID,
    COL_DISPOSABLE,
    COL_ROLE,
    COL_FREE,
    COL_UNKNOWN_TLD,
    COL_SUGGESTED,
    COL_COUNT,
    COL_WORDS = COL_VALID
};
static const uint16_t column_flag[COL_COUNT - COL_WORDS] = {
    REC_FLAG_VALID, REC_FLAG_DISPOSABLE, REC_FLAG_ROLE, REC_FLAG_FREE, REC_FLAG_UNKNOWN_TLD,
    REC_FLAG_SUGGESTED,
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

/* Where a domain table entry's name is, for finding it again. */
typedef struct domain_key {
    uint32_t batch; /* the batch that filled it: others are empty buckets */
    uint32_t hash;
    uint32_t entry; /* index in the domain table */
    uint32_t at, len; /* octets of the name in `names` */
} domain_key;

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
    int32_t *domains;      /* DOM_WORDS per entry */
    size_t domains_cap, domain_count;
    domain_key *buckets;   /* open addressing, a power of two */
    size_t bucket_count;
    uint32_t batch;        /* counts batches, so emptying the buckets is free */
    char *names;           /* the domain names, back to back */
    size_t names_cap, names_len;
    uint8_t *columns;      /* COL_COUNT columns of record_count octets */
    size_t columns_cap;
    mp_domain_memo memo;   /* kept across calls: the flags are in its key */
    mp_result result;
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

static void put_ref(int32_t *rec, int32_t ref, size_t length)
{
    rec[0] = ref;
    rec[1] = (int32_t)length;
}

/* Appends the string s (NUL-terminated) to the batch text and stores its
 * UTF-16 start and length in rec[0..1]; an empty string is null (-1, 0).
 * Ill-formed octets become U+FFFD so that the offsets JS uses are exact
 * (the core only ever copies well-formed input, so this never fires for
 * strings from JS). The caller made room (RESULT_TEXT_MAX). */
static void put_string(mp_batch *b, const char *s, int32_t *rec)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    if (len == 0) {
        put_ref(rec, REF_NULL, 0);
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

/* ---- The domain table ------------------------------------------------- */

static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Puts a key into a bucket array of `count` (a power of two). */
static void bucket_put(domain_key *buckets, size_t count, domain_key key)
{
    size_t i = key.hash & (count - 1);
    while (buckets[i].batch == key.batch)
        i = (i + 1) & (count - 1);
    buckets[i] = key;
}

/* Keeps the buckets at most half full. */
static bool buckets_room(mp_batch *b)
{
    if ((b->domain_count + 1) * 2 <= b->bucket_count)
        return true;
    size_t count = b->bucket_count ? b->bucket_count * 2 : 1024;
    domain_key *fresh = calloc(count, sizeof *fresh);
    if (!fresh)
        return false;
    for (size_t i = 0; i < b->bucket_count; i++)
        if (b->buckets[i].batch == b->batch)
            bucket_put(fresh, count, b->buckets[i]);
    free(b->buckets);
    b->buckets = fresh;
    b->bucket_count = count;
    return true;
}

/* The entry of domain name s[0..n) (n > 0), added when new; -1 when memory
 * is out. The caller reserved text room for the name. */
static int32_t domain_entry(mp_batch *b, const char *s, size_t n)
{
    uint32_t h = name_hash(s, n);
    if (b->bucket_count) {
        for (size_t i = h & (b->bucket_count - 1); b->buckets[i].batch == b->batch;
             i = (i + 1) & (b->bucket_count - 1)) {
            const domain_key *k = &b->buckets[i];
            if (k->hash == h && k->len == n && memcmp(b->names + k->at, s, n) == 0)
                return (int32_t)k->entry;
        }
    }
    if (!buckets_room(b) ||
        !grow((void **)&b->domains, &b->domains_cap, b->domain_count + 1,
              DOM_WORDS * sizeof(int32_t)) ||
        !grow((void **)&b->names, &b->names_cap, b->names_len + n, 1))
        return -1;
    domain_key key = {b->batch, h, (uint32_t)b->domain_count, (uint32_t)b->names_len, (uint32_t)n};
    memcpy(b->names + b->names_len, s, n);
    b->names_len += n;
    bucket_put(b->buckets, b->bucket_count, key);
    int32_t *e = b->domains + b->domain_count * DOM_WORDS;
    put_string(b, s, e + DOM_NAME);
    put_ref(e + DOM_ASCII, REF_NULL, 0);
    put_ref(e + DOM_UNICODE, REF_NULL, 0);
    put_ref(e + DOM_SUGGESTED, REF_NULL, 0);
    return (int32_t)b->domain_count++;
}

/* Fills the entry's ascii and unicode forms from the first address that has
 * them (they depend only on the name and the batch's flags). */
static void domain_forms(mp_batch *b, int32_t *e, const mp_syntax *s)
{
    if (e[DOM_ASCII] != REF_NULL)
        return;
    if (strcmp(s->ascii_domain, s->domain) == 0)
        put_ref(e + DOM_ASCII, REF_DOMAIN, 0);
    else
        put_string(b, s->ascii_domain, e + DOM_ASCII);
    if (!s->unicode_domain[0])
        put_ref(e + DOM_UNICODE, REF_NULL, 0);
    else if (strcmp(s->unicode_domain, s->domain) == 0)
        put_ref(e + DOM_UNICODE, REF_DOMAIN, 0);
    else if (strcmp(s->unicode_domain, s->ascii_domain) == 0)
        put_ref(e + DOM_UNICODE, REF_ASCII, 0);
    else
        put_string(b, s->unicode_domain, e + DOM_UNICODE);
}

/* ---- One address -------------------------------------------------------- */

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

    mp_result *r = &b->result;
    mp_check_memo((const char *)addr, len, opts, policy, &b->memo, r);
    const mp_syntax *s = &r->syntax;
    /* A valid address holds no NUL, its local part is the input up to the
     * '@' (ASCII unless smtputf8) and its domain the rest: what is known
     * is not searched or compared again. */
    bool valid = s->valid;

    int32_t *rec = b->records + b->record_count * REC_WORDS;
    int32_t flags = (valid ? REC_FLAG_VALID : 0) |
                    (s->smtputf8 ? REC_FLAG_SMTPUTF8 : 0) |
                    (r->disposable ? REC_FLAG_DISPOSABLE : 0) |
                    (r->role ? REC_FLAG_ROLE : 0) |
                    (r->free ? REC_FLAG_FREE : 0) |
                    (r->unknown_tld ? REC_FLAG_UNKNOWN_TLD : 0) |
                    (!valid && memchr(addr, '\0', len) ? REC_FLAG_NUL : 0);
    rec[REC_SYNTAX_CODE] = (int32_t)s->code;
    rec[REC_POSITION] = s->position;
    rec[REC_STATUS] = (int32_t)r->status;
    rec[REC_REASON] = (int32_t)r->reason;
    rec[REC_ACTION] = (int32_t)r->action;
    rec[REC_SCORE] = r->score;
    rec[REC_SMTP_RESULT] = (int32_t)r->evidence.smtp;
    rec[REC_EMAIL] = (int32_t)email_start16;
    rec[REC_EMAIL + 1] = (int32_t)email_units;

    /* The local part is a prefix of the input (cut short only when too
     * long to be valid); the domain, as given, is interned. */
    size_t llen = strlen(s->local);
    if (llen == 0)
        put_ref(rec + REC_LOCAL, REF_NULL, 0);
    else if (valid || (llen <= len && memcmp(s->local, addr, llen) == 0))
        put_ref(rec + REC_LOCAL, REF_EMAIL_PREFIX, s->smtputf8 || !valid ? utf16_units(addr, llen) : llen);
    else
        put_string(b, s->local, rec + REC_LOCAL);

    int32_t *entry = NULL;
    rec[REC_DOMAIN] = -1;
    if (s->domain[0]) {
        rec[REC_DOMAIN] = domain_entry(b, s->domain, valid ? len - llen - 1 : strlen(s->domain));
        if (rec[REC_DOMAIN] < 0)
            return false;
        entry = b->domains + (size_t)rec[REC_DOMAIN] * DOM_WORDS;
        if (s->ascii_domain[0]) {
            domain_forms(b, entry, s);
            flags |= REC_FLAG_ASCII | (s->unicode_domain[0] ? REC_FLAG_UNICODE : 0);
        }
    }
    rec[REC_FLAGS] = flags;

    /* Valid: local@ascii, the input itself when the domain was given in its
     * ascii form (the entry says so). */
    if (!valid)
        put_ref(rec + REC_NORMALIZED, REF_NULL, 0);
    else if (entry[DOM_ASCII] == REF_DOMAIN)
        put_ref(rec + REC_NORMALIZED, REF_EMAIL, 0);
    else
        put_ref(rec + REC_NORMALIZED, REF_JOIN_ASCII, 0);

    put_ref(rec + REC_SUGGESTION, REF_NULL, 0);
    if (r->has_suggestion) {
        const char *suggested = r->suggestion + llen + 1; /* local + "@" + domain */
        if (entry && entry[DOM_SUGGESTED] == REF_NULL)
            put_string(b, suggested, entry + DOM_SUGGESTED);
        put_ref(rec + REC_SUGGESTION, REF_JOIN_SUGGESTED, 0);
        rec[REC_FLAGS] |= REC_FLAG_SUGGESTED;
    }
    b->record_count++;
    return true;
}

/* ---- Exports ------------------------------------------------------------ */

/* A new, empty batch context, or NULL when memory is out. */
mp_batch *mp_batch_new_wasm(void)
{
    mp_batch *b = calloc(1, sizeof(mp_batch));
    if (b)
        mp_domain_memo_init(&b->memo);
    return b;
}

void mp_batch_free_wasm(mp_batch *b)
{
    if (!b)
        return;
    free(b->input);
    free(b->lengths);
    free(b->records);
    free(b->text);
    free(b->domains);
    free(b->buckets);
    free(b->names);
    free(b->columns);
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

static void batch_reset(mp_batch *b)
{
    b->record_count = 0;
    b->text_len = 0;
    b->text_utf16_len = 0;
    b->domain_count = 0;
    b->names_len = 0;
    /* calloc'ed buckets belong to batch 0, which never runs; on the
     * (theoretical) wrap they are emptied for real. */
    if (++b->batch == 0) {
        if (b->bucket_count)
            memset(b->buckets, 0, b->bucket_count * sizeof *b->buckets);
        b->batch = 1;
    }
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

    batch_reset(b);
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
    batch_reset(b);
    return -1;
}

/* The records of the last check as COL_COUNT columns of one octet per
 * record (column k at k * record count), or NULL when memory is out. */
uint8_t *mp_batch_columns_wasm(mp_batch *b)
{
    size_t n = b->record_count;
    if (!grow((void **)&b->columns, &b->columns_cap, n * COL_COUNT + 1, 1))
        return NULL;
    uint8_t *c = b->columns;
    const int32_t *rec = b->records;
    for (size_t i = 0; i < n; i++, rec += REC_WORDS) {
        for (size_t k = 0; k < COL_WORDS; k++)
            c[k * n + i] = (uint8_t)rec[REC_STATUS + k];
        for (size_t k = COL_WORDS; k < COL_COUNT; k++)
            c[k * n + i] = (rec[REC_FLAGS] & column_flag[k - COL_WORDS]) != 0;
    }
    return c;
}

int32_t *mp_batch_records_wasm(mp_batch *b) { return b->records; }
const char *mp_batch_text_wasm(mp_batch *b) { return b->text; }
size_t mp_batch_text_length_wasm(mp_batch *b) { return b->text_len; }
int32_t *mp_batch_domains_wasm(mp_batch *b) { return b->domains; }
size_t mp_batch_domain_count_wasm(mp_batch *b) { return b->domain_count; }

/* ---- Names: the vocabulary, read by JS once at load ----------------- */

/* Which list mp_vocabulary_wasm reads. */
enum {
    VOCAB_STATUS = 0,
    VOCAB_ACTION,
    VOCAB_REASON,
    VOCAB_SMTP_RESULT,
    VOCAB_SYNTAX_CODE,
    VOCAB_SYNTAX_MESSAGE,
    VOCAB_ABOUT, /* the core version, then the disposable list's version */
};

/* Name `index` of vocabulary `kind` (VOCAB_*), NUL-terminated, or NULL past
 * its end: JS reads each list until NULL. */
const char *mp_vocabulary_wasm(int32_t kind, int32_t index)
{
    static const int32_t counts[] = {MP_STATUS_COUNT, MP_ACTION_COUNT, MP_REASON_COUNT,
                                     MP_SMTP_RESULT_COUNT, MP_SYNTAX_CODE_COUNT,
                                     MP_SYNTAX_CODE_COUNT, 2};
    if (kind < 0 || kind > VOCAB_ABOUT || index < 0 || index >= counts[kind])
        return NULL;
    mp_list_info lists;
    switch (kind) {
    case VOCAB_STATUS: return mp_status_name((mp_status)index);
    case VOCAB_ACTION: return mp_action_name((mp_action)index);
    case VOCAB_REASON: return mp_reason_name((mp_reason)index);
    case VOCAB_SMTP_RESULT: return mp_smtp_result_name((mp_smtp_result)index);
    case VOCAB_SYNTAX_CODE: return mp_syntax_code_name((mp_syntax_code)index);
    case VOCAB_SYNTAX_MESSAGE: return mp_syntax_code_message((mp_syntax_code)index);
    default:
        mp_list_info_get(&lists);
        return index == 0 ? MP_CORE_VERSION
             : lists.disposable_version ? lists.disposable_version : "";
    }
}

/* Numbers JS checks or shows (LAYOUT_*; mailcheck.mjs calls them by
 * number): the record and domain entry sizes, so a mismatched
 * mailcheck.mjs and .wasm fail loudly at load instead of answering wrong,
 * then the list sizes. -1 past the end. */
enum {
    LAYOUT_RECORD_WORDS = 0,
    LAYOUT_DOMAIN_WORDS,
    LAYOUT_DISPOSABLE_COUNT,
    LAYOUT_FREE_COUNT,
    LAYOUT_ROLE_COUNT,
    LAYOUT_COLUMNS,
};

int32_t mp_layout_wasm(int32_t what)
{
    mp_list_info lists;
    mp_list_info_get(&lists);
    switch (what) {
    case LAYOUT_RECORD_WORDS: return REC_WORDS;
    case LAYOUT_DOMAIN_WORDS: return DOM_WORDS;
    case LAYOUT_DISPOSABLE_COUNT: return (int32_t)lists.disposable_count;
    case LAYOUT_FREE_COUNT: return (int32_t)lists.free_count;
    case LAYOUT_ROLE_COUNT: return (int32_t)lists.role_count;
    case LAYOUT_COLUMNS: return COL_COUNT;
    default: return -1;
    }
}
