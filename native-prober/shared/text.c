/* text.c — line helpers (text.h). */
#include "text.h"

#include <errno.h>
#include <stdio.h>
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

mp_lines_status mp_text_read_lines(const char *path, bool (*each)(int lineno, char *line, void *arg), void *arg,
                                   char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return MP_LINES_CANNOT_OPEN;
    }
    char line[MP_TEXT_LINE_MAX + 2];
    int lineno = 0;
    mp_lines_status st = MP_LINES_OK;
    while (st == MP_LINES_OK && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line too long", path, lineno);
            st = MP_LINES_TOO_LONG;
            break;
        }
        char *s = mp_trim_blank(line);
        if (*s && *s != '#' && !each(lineno, s, arg))
            st = MP_LINES_STOPPED;
    }
    fclose(f);
    return st;
}
