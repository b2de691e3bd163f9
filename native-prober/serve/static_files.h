/* static_files.h — the web page under GET /: maps a URL path to a file
 * below one root directory, never outside it (no "..", no symlink escape),
 * with the MIME type browsers need (application/wasm for .wasm so
 * instantiateStreaming works, text/javascript for ES modules). */
#ifndef MP_STATIC_FILES_H
#define MP_STATIC_FILES_H
#include <stdbool.h>
#include <stddef.h>

/* The MIME type for a file name by extension; "application/octet-stream"
 * when unknown. Never NULL. */
const char *mp_static_mime(const char *name);

/* Resolves a decoded URL path ("/", "/app.js") below `root` into `out`
 * (capacity cap): "/" and directories map to index.html. Returns 0 with the
 * file's real path, 404 when missing or not a regular file, 403 when the
 * path tries to leave the root (".." segment, NUL, symlink pointing out). */
int mp_static_resolve(const char *root, const char *url_path, char *out, size_t cap);

/* Finds the default web directory when --web is not given: `build/web`
 * next to the binary's build tree (BIN/../web, where BIN is the directory
 * of /proc/self/exe), else ./build/web, else ./web. Writes "" when none
 * exists. */
void mp_static_default_root(char *out, size_t cap);

#endif
