/* flags2's command line (flags2-spec.md, "Command line"), parsed the way the
 * book's argparse parser does it, plus our long-only options.
 *
 * Messages follow the Python original: the spec's "*** Usage error: ..."
 * lines go to stdout followed by the usage line; what argparse itself would
 * reject (unknown option, missing or non-numeric value) goes to stderr as
 * "usage: ..." then "flags2: error: ...". Both mean exit status 2. */
#ifndef RF_CLI_FLAGS2_ARGS_H
#define RF_CLI_FLAGS2_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/codes.h"
#include "cli/tlsopts.h"
#include "cli/ioopts.h"
#include "ringfetch/limits.h"

#define FLAGS2_DEFAULT_CONCUR_REQ 5
#define FLAGS2_MAX_CONCUR_REQ 1000      /* MAX_CONCUR_REQ of the book */
#define FLAGS2_DEFAULT_SERVER "LOCAL"
#define FLAGS2_DEFAULT_DEST "downloads"

#define FLAGS2_USAGE \
    "usage: flags2 [-h] [-a] [-e] [-l N] [-m CONCURRENT] [-s LABEL] [-v] [CC ...]\n"

struct flags2_args {
    bool all, every, verbose, stats;
    bool flags3;            /* --flags3: the metadata-then-flag chain (cli/flags3.h) */
    long long limit;        /* CODES_NO_LIMIT when -l is not given */
    long long max_req;      /* -m */
    const char *label;      /* canonical upper-case server label (static) */
    const char *base_url;   /* the label's URL, or --url without trailing '/' */
    const char *dest;       /* --dest, default "downloads" */
    double timeout_s;       /* --timeout; 0 = the engine's defaults */
    struct tlsopts tls;     /* --cacert, --capath, -k (for an https --url) */
    struct codes_set codes; /* the codes to fetch, never empty after a successful parse */
    struct ioopts io;       /* --backend, --trace */
    char url_buf[RF_URL_MAX_BYTES]; /* --url's value without trailing '/' (base_url
                                       points here: do not copy the struct) */
};

enum {
    FLAGS2_ARGS_RUN = 0,    /* go on and fetch */
    FLAGS2_ARGS_HELP = 1,   /* -h printed the help: exit 0 */
    FLAGS2_ARGS_VERSION = 2, /* --version printed the version: exit 0 */
};

/* Parse argv into *a. Returns FLAGS2_ARGS_RUN, FLAGS2_ARGS_HELP, FLAGS2_ARGS_VERSION, or
 * -EINVAL after printing a usage error (exit status 2). out is stdout and
 * err is stderr in the program; tests pass memory streams. argv's pointer
 * array may be permuted (getopt). */
int flags2_args_parse(int argc, char **argv, struct flags2_args *a, FILE *out, FILE *err);

/* The base URL for a server label, case-insensitive; NULL when unknown.
 * *canonical (if not NULL) receives the upper-case label. */
const char *flags2_server_url(const char *label, const char **canonical);

/* How --help describes the default of --timeout (from the tunables). */
const char *flags2_timeout_default(void);

/* Connections used: min(max_req, FLAGS2_MAX_CONCUR_REQ, ncodes). */
unsigned flags2_connections(long long max_req, size_t ncodes);

#endif
