/* text.h — small text helpers shared by the readers of line-based files
 * (the serve config file, domain lists). ASCII only, no locale. */
#ifndef MP_TEXT_H
#define MP_TEXT_H

/* Strips spaces, tabs, CR and LF from both ends of the NUL-terminated `s`
 * in place; returns the first kept character (inside `s`). */
char *mp_trim_blank(char *s);

#endif
