/* flagserver: the book's LOCAL / DELAY / ERROR test servers and a fault
 * injector, on io_uring. See `flagserver --help` and src/server/server.h.
 *
 * Exit status: 0 after SIGINT/SIGTERM/SIGHUP, 1 when it cannot start or the ring
 * fails, 2 for usage errors. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/version.h"
#include "server/content.h"
#include "server/options.h"
#include "server/server.h"
#include "server/fs_tunables.h"

/* Every connection is a descriptor: lift the soft limit toward the hard one
 * so FS_MAX_CONNS connections fit. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    rlim_t want = FS_MAX_CONNS + 64;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
    setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
    struct fs_options opt;
    char err[256];
    if (fs_options_parse(argc, argv, &opt, err, sizeof(err)) < 0) {
        fprintf(stderr, "flagserver: %s\n%s", err, fs_options_usage);
        return 2;
    }
    if (opt.help) {
        fputs(fs_options_usage, stdout);
        return 0;
    }
    if (opt.version)
        return version_print(stdout, "flagserver") < 0 ? 1 : 0;
    raise_fd_limit();

    struct fs_content content;
    int rc = opt.root ? fs_content_open_root(&content, opt.root) : fs_content_open_memory(&content);
    if (rc < 0) {
        fprintf(stderr, "flagserver: %s: %s\n", opt.root ? opt.root : "synthetic corpus", strerror(-rc));
        return 1;
    }

    struct fs_server *srv;
    const char *what;
    rc = fs_server_start(&srv, &opt, &content, stderr, &what);
    if (rc < 0) {
        fprintf(stderr, "flagserver: %s: %s\n", what, strerror(-rc));
        fs_content_close(&content);
        return 1;
    }
    for (size_t i = 0; i < fs_server_nlisteners(srv); i++)
        printf("listening on %s\n", fs_server_listener_name(srv, i));
    fflush(stdout);
    if (opt.verbose) {
        for (unsigned i = 0; i < opt.nsites; i++)
            fprintf(stderr, "flagserver: %s %s, %s, %s\n", fs_server_listener_name(srv, i),
                    opt.sites[i].preset ? opt.sites[i].preset : "(no preset)",
                    opt.root ? opt.root : "synthetic corpus in memory", fs_server_features(srv));
    }

    rc = fs_server_run(srv);
    fs_server_free(srv);
    fs_content_close(&content);
    if (rc < 0) {
        fprintf(stderr, "flagserver: io_uring: %s\n", strerror(-rc));
        return 1;
    }
    return 0;
}
