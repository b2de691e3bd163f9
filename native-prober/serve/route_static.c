/* route_static.c — GET of any other path: a file of the web page under
 * --web DIR (static_files.h keeps the path inside it) (routes.h). */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "routes.h"
#include "server.h"
#include "static_files.h"

void mp_route_static(mp_request *ri, const char *decoded_path)
{
    mp_server *s = ri->server;
    if (!s->web_root[0]) {
        mp_reply_error(ri, 404, "no web directory configured (--web DIR)");
        return;
    }
    char file[PATH_MAX];
    int rc = mp_static_resolve(s->web_root, decoded_path, file, sizeof file);
    if (rc) {
        mp_reply_error(ri, rc, rc == 403 ? "path outside the web directory" : "no such file");
        return;
    }
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        mp_reply_error(ri, 404, "no such file");
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (!b || evbuffer_add_file(b, fd, 0, st.st_size) != 0) { /* takes the fd */
        if (b)
            evbuffer_free(b);
        mp_reply_error(ri, 500, "cannot read file");
        return;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(ri->req);
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    mp_reply_buffer(ri, 200, mp_static_mime(file), b);
    evbuffer_free(b);
}

