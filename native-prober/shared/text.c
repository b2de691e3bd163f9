/* text.c — line helpers (text.h). */
#include "text.h"

#include <string.h>
#include <strings.h>

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

bool mp_contains_ci(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (!strncasecmp(hay + i, needle, m))
            return true;
    return false;
}
