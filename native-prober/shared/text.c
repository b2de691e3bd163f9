/* text.c — line helpers (text.h). */
#include "text.h"

#include <string.h>

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char *mp_trim_blank(char *s)
{
    while (blank(*s))
        s++;
    size_t n = strlen(s);
    while (n && blank(s[n - 1]))
        s[--n] = '\0';
    return s;
}
