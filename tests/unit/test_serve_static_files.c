/* The web page's files (static_files.h): MIME types, and paths that stay
 * inside the web root whatever the request says.
 * ctest-labels: unit native
 * ctest-links: mpserve */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "static_files.h"
#include "test.h"

TEST(mime_types_by_extension)
{
    CHECK_EQ_STR(mp_static_mime("x/mailcheck.wasm"), "application/wasm");
    CHECK(!strncmp(mp_static_mime("a.mjs"), "text/javascript", 15));
    CHECK(!strncmp(mp_static_mime("a.JS"), "text/javascript", 15));
    CHECK(!strncmp(mp_static_mime("index.html"), "text/html", 9));
    CHECK_EQ_STR(mp_static_mime("dir.d/noext"), "application/octet-stream");
}

static char web_root[256];

static void make_web(void)
{
    snprintf(web_root, sizeof web_root, "/tmp/mp-test-web-%d", (int)getpid());
    char p[512];
    mkdir(web_root, 0700);
    snprintf(p, sizeof p, "%s/sub", web_root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/index.html", web_root);
    FILE *f = fopen(p, "w");
    if (f)
        fclose(f);
    snprintf(p, sizeof p, "%s/sub/index.html", web_root);
    f = fopen(p, "w");
    if (f)
        fclose(f);
    snprintf(p, sizeof p, "%s/out", web_root);
    if (symlink("/etc", p) != 0)
        perror("symlink");
}

static void remove_web(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", web_root);
    if (system(cmd) != 0)
        perror("rm");
}

TEST(static_paths_map_inside_the_root_only)
{
    char out[4096], want[512];
    CHECK_EQ_INT(mp_static_resolve(web_root, "/", out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/index.html", web_root);
    CHECK_EQ_STR(out, want);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/sub", out, sizeof out), 0);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/sub/", out, sizeof out), 0);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/missing", out, sizeof out), 404);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/../etc/passwd", out, sizeof out), 403);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/sub/../../x", out, sizeof out), 403);
    CHECK_EQ_INT(mp_static_resolve(web_root, "/out/passwd", out, sizeof out), 403); /* symlink out */
    CHECK_EQ_INT(mp_static_resolve(web_root, "/sub/..", out, sizeof out), 403);
    CHECK_EQ_INT(mp_static_resolve(web_root, "relative", out, sizeof out), 404);
}

int main(void)
{
    make_web();
    RUN(mime_types_by_extension);
    RUN(static_paths_map_inside_the_root_only);
    remove_web();
    return test_report();
}
