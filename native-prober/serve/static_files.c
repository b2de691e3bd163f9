/* static_files.c — safe path mapping and MIME types (static_files.h). */
#include "static_files.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mp_static_mime(const char *name)
{
    static const struct { const char *ext, *type; } types[] = {
        {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"}, {".wasm", "application/wasm"},
        {".json", "application/json"}, {".map", "application/json"},
        {".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
        {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".gif", "image/gif"},
        {".webp", "image/webp"}, {".txt", "text/plain; charset=utf-8"}, {".csv", "text/csv; charset=utf-8"},
        {".webmanifest", "application/manifest+json"}, {".woff2", "font/woff2"}, {".yaml", "application/yaml"},
    };
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcasecmp(dot, types[i].ext))
                return types[i].type;
    return "application/octet-stream";
}

/* True when some '/'-separated segment of p is "..". */
static bool has_dotdot(const char *p)
{
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return true;
        if (!e)
            break;
        s = e + 1;
    }
    return false;
}

int mp_static_resolve(const char *root, const char *url_path, char *out, size_t cap)
{
    if (!root || !*root || !url_path || url_path[0] != '/' || has_dotdot(url_path) || strchr(url_path, '\\'))
        return has_dotdot(url_path ? url_path : "") ? 403 : 404;
    char real_root[PATH_MAX], joined[PATH_MAX], real_file[PATH_MAX];
    if (!realpath(root, real_root))
        return 404;
    int n = snprintf(joined, sizeof joined, "%s%s", real_root, url_path);
    if (n < 0 || (size_t)n >= sizeof joined)
        return 404;
    struct stat st;
    if (stat(joined, &st) == 0 && S_ISDIR(st.st_mode)) {
        size_t len = strlen(joined);
        if (snprintf(joined + len, sizeof joined - len, "%sindex.html", joined[len - 1] == '/' ? "" : "/") < 0)
            return 404;
    }
    if (!realpath(joined, real_file))
        return 404;
    size_t rl = strlen(real_root);
    /* Symlinks may point anywhere: the resolved file must still be inside. */
    if (strncmp(real_file, real_root, rl) || (real_file[rl] != '/' && real_file[rl] != 0))
        return 403;
    if (stat(real_file, &st) != 0 || !S_ISREG(st.st_mode))
        return 404;
    if (strlen(real_file) >= cap)
        return 404;
    memcpy(out, real_file, strlen(real_file) + 1);
    return 0;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void mp_static_default_root(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    out[0] = 0;
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/'); /* BUILD/native-prober/mailprobe */
        if (slash) {
            *slash = 0;
            slash = strrchr(exe, '/');
            if (slash) {
                *slash = 0;
                char cand[PATH_MAX + 8];
                snprintf(cand, sizeof cand, "%s/web", exe);
                if (is_dir(cand) && strlen(cand) < cap) {
                    memcpy(out, cand, strlen(cand) + 1);
                    return;
                }
            }
        }
    }
    if (is_dir("build/web"))
        snprintf(out, cap, "build/web");
    else if (is_dir("web"))
        snprintf(out, cap, "web");
}
