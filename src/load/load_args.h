/* ringload's command line: wrk's, plus the options wrk lacks.
 *
 *   ringload -c CONNS -d DURATION [-t THREADS] [--latency] [-H 'Name: value']
 *            [--timeout S] [-n N] [-R RATE [-U]] [--pipeline D] [-i FILE]
 *            [--warmup S] [--batch-us N] [--backend uring|epoll] [--trace FILE]
 *            [--json]
 *            URL [URL...]
 *
 * A bad value is a usage error naming the option, on stderr as
 * "ringload: MESSAGE", the usage line and a hint to --help (exit status 2). */
#ifndef RF_LOAD_ARGS_H
#define RF_LOAD_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "load/load_tunables.h"
#include "ringfetch/engine.h"

#define LOAD_USAGE                                                                      \
    "usage: ringload -c CONNS -d DURATION [-t THREADS] [--latency] [-H 'Name: value']\n" \
    "                [--timeout S] [-n N] [-R RATE [-U]] [--pipeline D] [-i FILE]\n"      \
    "                [--warmup S] [--batch-us N] [--backend uring|epoll] [--trace FILE]\n" \
    "                [--json] URL [URL...]\n"

struct load_args {
    unsigned conns;           /* -c: connections in all */
    unsigned threads;         /* -t */
    double duration_s;        /* -d; 0 with -n and no -d: no time limit */
    uint64_t requests;        /* -n: counted requests in all, 0 = none */
    double rate;              /* -R: requests per second in all, 0 = as fast as possible */
    bool uncorrected;         /* -U: the uncorrected latency too */
    unsigned pipeline;        /* --pipeline D, 1 = none */
    unsigned batch_wait_us;   /* --batch-us (rf_options.batch_wait_us) */
    const char *list;         /* -i FILE */
    double warmup_s;          /* --warmup */
    double timeout_s;         /* --timeout */
    bool latency;             /* --latency */
    bool json;                /* --json */
    enum rf_backend backend;  /* --backend */
    const char *trace;        /* --trace FILE */
    char headers[LOAD_HEADERS_MAX_BYTES]; /* -H lines, "Name: value" each, NUL after each */
    const char *header_lines[LOAD_HEADERS_MAX]; /* each of those, for rf_options.headers */
    unsigned nheaders;
    size_t headers_used;
    char **urls;              /* the URL arguments */
    size_t nurls;
};

enum {
    LOAD_ARGS_RUN = 0,
    LOAD_ARGS_EXIT = 1,       /* --help or --version printed: exit 0 */
};

/* Parse argv into *a. Returns LOAD_ARGS_RUN, LOAD_ARGS_EXIT, or -EINVAL
 * after printing a usage error on err. */
int load_args_parse(int argc, char **argv, struct load_args *a, FILE *out, FILE *err);

/* "10", "10s", "500ms", "2m", "1h" -> seconds; -EINVAL when it is none of these or <= 0. */
int load_parse_duration(const char *s, double *seconds);

#endif
