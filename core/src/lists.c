/* STUB — replaced by the list lookups. */
#include "mailprobe/core.h"

bool mp_is_disposable_domain(const char *d, size_t len) { (void)d; (void)len; return false; }
bool mp_is_free_domain(const char *d, size_t len) { (void)d; (void)len; return false; }
bool mp_is_role_local(const char *l, size_t len) { (void)l; (void)len; return false; }
void mp_list_info_get(mp_list_info *out) { out->disposable_version = "none"; out->disposable_count = out->free_count = out->role_count = 0; }
