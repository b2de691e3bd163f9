/* domain_list.h — an extra set of disposable domains loaded from a text
 * file (`serve --disposable-list`, written by `mailprobe update-lists`): one
 * lower-case A-label domain per line, '#' comments and blank lines
 * ignored. It adds to the core's compiled-in list; the prober consults it
 * before deciding a verdict. */
#ifndef MP_DOMAIN_LIST_H
#define MP_DOMAIN_LIST_H
#include <stdbool.h>
#include <stddef.h>
#include "mailprobe/core.h"

/* A sorted set of lower-case ASCII domains loaded from a text file (one per
 * line, '#' comments), used in addition to the compiled-in list. */
typedef struct mp_domain_list mp_domain_list;

enum { MP_DOMAIN_LIST_MAX = 2000000 }; /* lines accepted from one file */

/* True when `text` (len octets) is a syntactically valid domain already in
 * lower-case A-label form, e.g. "mailinator.com". */
bool mp_domain_text_valid(const char *text, size_t len);

/* Loads a list file. NULL + "PATH:LINE: why" in err when the file is
 * missing, unreadable, too big, or has an invalid line. */
mp_domain_list *mp_domain_list_load(const char *path, char *err, size_t errlen);
bool mp_domain_list_contains(const mp_domain_list *l, const char *domain);
size_t mp_domain_list_count(const mp_domain_list *l);
void mp_domain_list_free(mp_domain_list *l);

#endif
