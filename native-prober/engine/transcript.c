/* transcript.c — a bounded list of conversation lines (transcript.h). */
#include "transcript.h"

#include <stdlib.h>
#include <string.h>

void mp_transcript_add(mp_transcript *t, const char *prefix, const char *data, size_t len)
{
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (t->count >= MP_TRANSCRIPT_LINES_MAX || t->bytes >= MP_TRANSCRIPT_BYTES_MAX) {
        t->truncated = true;
        return;
    }
    if (!t->lines && !(t->lines = calloc(MP_TRANSCRIPT_LINES_MAX, sizeof *t->lines))) {
        t->truncated = true;
        return;
    }
    size_t plen = strlen(prefix), n = len > MP_TRANSCRIPT_LINE_MAX ? MP_TRANSCRIPT_LINE_MAX : len;
    char *line = malloc(plen + n + 4);
    if (!line) {
        t->truncated = true;
        return;
    }
    memcpy(line, prefix, plen);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)data[i];
        line[plen + i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    size_t end = plen + n;
    if (n < len)
        memcpy(line + end, "...", 3), end += 3;
    line[end] = '\0';
    t->lines[t->count++] = line;
    t->bytes += end;
}

size_t mp_transcript_lines(const mp_transcript *t, const char *const **lines)
{
    *lines = (const char *const *)t->lines;
    return t->lines ? t->count : 0;
}

void mp_transcript_free(mp_transcript *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->lines[i]);
    free(t->lines);
    memset(t, 0, sizeof *t);
}
