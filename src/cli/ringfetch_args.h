/* ringfetch's command line:
 *   ringfetch [-m N] [-o DIR] [-i FILE|-] [-q|-v] [--timeout S] [--stats]
 *             [--cacert FILE] [--capath DIR] [-k] [OPTION...] URL...
 *             (OPTION: the downloader options of dlopts.h)
 * Usage errors are printed on stderr as "ringfetch: MESSAGE" followed by the
 * usage line and a hint to --help (exit status 2). */
#ifndef RF_CLI_RINGFETCH_ARGS_H
#define RF_CLI_RINGFETCH_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cli_tunables.h"
#include "cli/tlsopts.h"
#include "cli/ioopts.h"
#include "cli/dlopts.h"
#include "cli/proxyopts.h"

#define RINGFETCH_DEFAULT_WINDOW 20

#define RINGFETCH_USAGE \
    "usage: ringfetch [-m N] [-o DIR] [-i FILE|-] [-q|-v] [--timeout S] [--stats]\n" \
    "                 [--cacert FILE] [--capath DIR] [-k] [OPTION...] URL...\n"

enum ringfetch_verbosity { RINGFETCH_QUIET = -1, RINGFETCH_NORMAL = 0, RINGFETCH_VERBOSE = 1 };

struct ringfetch_args {
    unsigned window;            /* -m, 1..RF_MAX_WINDOW */
    const char *outdir;         /* -o, default "." */
    const char *lists[RF_RINGFETCH_MAX_LISTS];   /* each -i in order: a file, "-" for stdin */
    size_t nlists;
    enum ringfetch_verbosity verbosity;
    double timeout_s;           /* --timeout; 0 = the engine's defaults */
    double read_timeout_s;      /* --read-timeout; 0 = the engine's default */
    bool stats;
    bool discard;               /* --discard: fetch and count, save nothing */
    struct tlsopts tls;         /* --cacert, --capath, -k */
    struct ioopts io;           /* --backend, --trace */
    struct dlopts dl;           /* the downloader options (dlopts.h) */
    char **urls;                /* the URL arguments */
    size_t nurls;
    double rate;                /* --rate R: requests per second per host, 0 = no limit */
    bool resume;                /* -c, --continue: NAME.part kept and continued */
    /* Name resolution (the engine's, c-ares) */
    const char *dns_servers;    /* --dns-servers ADDR[:PORT],... */
    const char *resolve[RF_RINGFETCH_MAX_RESOLVE]; /* each --resolve HOST:PORT:ADDR */
    size_t nresolve;
    struct proxyopts proxy;     /* --proxy, --noproxy */
};

enum {
    RINGFETCH_ARGS_RUN = 0,
    RINGFETCH_ARGS_EXIT = 1,    /* --help or --version printed: exit 0 */
};

/* Parse argv into *a. Returns RINGFETCH_ARGS_RUN, RINGFETCH_ARGS_EXIT, or
 * -EINVAL after printing a usage error on err. Help goes to out. */
int ringfetch_args_parse(int argc, char **argv, struct ringfetch_args *a, FILE *out, FILE *err);

#endif
