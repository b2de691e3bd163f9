/* domain_list.c — a sorted, de-duplicated set of domains read from a text
 * file, looked up by binary search (domain_list.h). */
#include "domain_list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

struct mp_domain_list {
    char **domains; /* sorted, unique */
    size_t count;
};

bool mp_domain_text_valid(const char *text, size_t len)
{
    if (len == 0 || len > MP_DOMAIN_MAX)
        return false;
    char addr[MP_DOMAIN_MAX + 3];
    addr[0] = 'x';
    addr[1] = '@';
    memcpy(addr + 2, text, len);
    mp_options o = {MP_ALLOW_SPECIAL_USE};
    mp_syntax syn;
    mp_parse(addr, len + 2, &o, &syn);
    return syn.valid && strlen(syn.ascii_domain) == len && !memcmp(syn.ascii_domain, text, len);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

mp_domain_list *mp_domain_list_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    mp_domain_list *l = calloc(1, sizeof *l);
    size_t cap = 0;
    char line[512];
    int lineno = 0;
    if (!l)
        goto oom;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = mp_trim_blank(line);
        if (!*s || *s == '#')
            continue;
        if (!mp_domain_text_valid(s, strlen(s))) {
            snprintf(err, errlen, "%s:%d: not a lower-case domain: '%.80s'", path, lineno, s);
            goto fail;
        }
        if (l->count >= MP_DOMAIN_LIST_MAX) {
            snprintf(err, errlen, "%s: more than %d domains", path, MP_DOMAIN_LIST_MAX);
            goto fail;
        }
        if (l->count == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            char **n = realloc(l->domains, ncap * sizeof *n);
            if (!n)
                goto oom;
            l->domains = n;
            cap = ncap;
        }
        if (!(l->domains[l->count] = strdup(s)))
            goto oom;
        l->count++;
    }
    fclose(f);
    if (l->count)
        qsort(l->domains, l->count, sizeof *l->domains, cmp_str);
    size_t w = 0; /* drop duplicates */
    for (size_t i = 0; i < l->count; i++) {
        if (w && !strcmp(l->domains[w - 1], l->domains[i]))
            free(l->domains[i]);
        else
            l->domains[w++] = l->domains[i];
    }
    l->count = w;
    return l;
oom:
    snprintf(err, errlen, "%s: out of memory", path);
fail:
    fclose(f);
    mp_domain_list_free(l);
    return NULL;
}

bool mp_domain_list_contains(const mp_domain_list *l, const char *domain)
{
    if (!l || !l->count)
        return false;
    return bsearch(&domain, l->domains, l->count, sizeof *l->domains, cmp_str) != NULL;
}

size_t mp_domain_list_count(const mp_domain_list *l) { return l ? l->count : 0; }

void mp_domain_list_free(mp_domain_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        free(l->domains[i]);
    free(l->domains);
    free(l);
}
