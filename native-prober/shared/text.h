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

/* True when the ASCII `needle` occurs in hay[0..n), ignoring ASCII case
 * (no locale). */
bool mp_contains_ci(const char *hay, size_t n, const char *needle);

#endif
