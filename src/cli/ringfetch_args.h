/* ringfetch's command line:
 *   ringfetch [-m N] [-o DIR] [-i FILE|-] [-q|-v] [--timeout S] [--stats] URL...
 * Usage errors are printed on stderr as "ringfetch: MESSAGE" followed by the
 * usage line and a hint to --help (exit status 2). */
#ifndef RF_CLI_RINGFETCH_ARGS_H
#define RF_CLI_RINGFETCH_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/ioopts.h"

#define RINGFETCH_DEFAULT_WINDOW 20

#define RINGFETCH_USAGE \
    "usage: ringfetch [-m N] [-o DIR] [-i FILE|-] [-q|-v] [--timeout S] [--stats] URL...\n"

enum ringfetch_verbosity { RINGFETCH_QUIET = -1, RINGFETCH_NORMAL = 0, RINGFETCH_VERBOSE = 1 };

struct ringfetch_args {
    unsigned window;            /* -m, 1..RF_MAX_WINDOW */
    const char *outdir;         /* -o, default "." */
    const char *list;           /* -i: a file, "-" for stdin, NULL for none */
    enum ringfetch_verbosity verbosity;
    double timeout_s;           /* --timeout; 0 = the engine's defaults */
    bool stats;
    bool discard;               /* --discard: fetch and count, save nothing */
    unsigned pipeline;          /* --pipeline D: requests in flight per connection (0: none) */
    struct ioopts io;           /* --backend, --trace */
    char **urls;                /* the URL arguments */
    size_t nurls;
};

enum {
    RINGFETCH_ARGS_RUN = 0,
    RINGFETCH_ARGS_EXIT = 1,    /* --help or --version printed: exit 0 */
};

/* Parse argv into *a. Returns RINGFETCH_ARGS_RUN, RINGFETCH_ARGS_EXIT, or
 * -EINVAL after printing a usage error on err. Help goes to out. */
int ringfetch_args_parse(int argc, char **argv, struct ringfetch_args *a, FILE *out, FILE *err);

#endif
