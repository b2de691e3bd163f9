/* text.h — small text helpers shared by the readers of line-based files
 * (the serve config file, domain lists) and of protocol text (SMTP
 * replies, libcurl's remarks). ASCII only, no locale. */
#ifndef MP_TEXT_H
#define MP_TEXT_H
#include <stdbool.h>
#include <stddef.h>

/* Strips spaces, tabs, CR and LF from both ends of the NUL-terminated `s`
 * in place; returns the first kept character (inside `s`). */
char *mp_trim_blank(char *s);

enum { MP_TEXT_LINE_MAX = 4095 }; /* octets of one line of a settings file */

/* What reading a line-based settings file came to. */
typedef enum mp_lines_status {
    MP_LINES_OK = 0,        /* every line was handed over */
    MP_LINES_STOPPED,       /* the handler refused a line (its message is in err) */
    MP_LINES_CANNOT_OPEN,   /* "PATH: reason" in err */
    MP_LINES_TOO_LONG,      /* "PATH:LINE: line too long" in err */
    MP_LINES_STATUS_COUNT
} mp_lines_status;

/* Reads the text file `path` line by line and hands each line that is
 * neither blank nor a '#' comment, trimmed (mp_trim_blank), to
 * `each(lineno, line, arg)` — the line may be modified. Stops at the first
 * line `each` returns false for: MP_LINES_STOPPED (the handler writes its
 * own message). Lines longer than MP_TEXT_LINE_MAX are an error. Used by
 * the serve config file and the API key file. */
mp_lines_status mp_text_read_lines(const char *path, bool (*each)(int lineno, char *line, void *arg), void *arg,
                                   char *err, size_t errlen);

/* True when the ASCII `needle` occurs in hay[0..n), ignoring ASCII case
 * (no locale). */
bool mp_contains_ci(const char *hay, size_t n, const char *needle);

#endif
