/* transcript.h — the bounded record of one SMTP conversation that
 * `verify --transcript` shows: "C: " lines we sent, "S: " lines the server
 * sent, "-- " remarks. At most MP_TRANSCRIPT_LINES_MAX lines and
 * MP_TRANSCRIPT_BYTES_MAX octets; each line is cut at
 * MP_TRANSCRIPT_LINE_MAX octets (marked "...") and control octets become
 * '?', so a hostile server can neither flood memory nor the terminal. */
#ifndef MP_TRANSCRIPT_H
#define MP_TRANSCRIPT_H
#include <stdbool.h>
#include <stddef.h>

enum {
    MP_TRANSCRIPT_LINES_MAX = 400,
    MP_TRANSCRIPT_BYTES_MAX = 32 * 1024,
    MP_TRANSCRIPT_LINE_MAX = 300,
};

typedef struct mp_transcript {
    char **lines;   /* allocated on the first line */
    size_t count;   /* lines kept */
    size_t bytes;   /* octets kept */
    bool truncated; /* a line was dropped at a bound */
} mp_transcript;

/* Appends prefix + data[0..len) as one line (trailing CR/LF dropped).
 * Past a bound, or out of memory, the line is dropped and `truncated` set. */
void mp_transcript_add(mp_transcript *t, const char *prefix, const char *data, size_t len);

/* The lines so far (valid until the next add or free); returns the count. */
size_t mp_transcript_lines(const mp_transcript *t, const char *const **lines);

/* Frees every line; `t` is empty again. */
void mp_transcript_free(mp_transcript *t);

#endif
