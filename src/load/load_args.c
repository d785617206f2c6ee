/* ringload's command line (see load_args.h). */
#include "load/load_args.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/version.h"
#include "ringfetch/limits.h"

#define STR(x) #x
#define XSTR(x) STR(x)

static const char help_text[] =
    LOAD_USAGE
    "\n"
    "Load an HTTP/1.1 server the way wrk does, on the ringfetch engine (io_uring,\n"
    "or epoll to compare), and report latency, throughput, status classes,\n"
    "errors and the system calls it took.\n"
    "\n"
    "options:\n"
    "  -c, --connections N   connections to keep open, in all (default " XSTR(LOAD_DEFAULT_CONNS) ")\n"
    "  -d, --duration T      how long to run: 10, 10s, 500ms, 2m, 1h (default 10s;\n"
    "                        with -n, no limit unless given)\n"
    "  -t, --threads N       threads, each with its own ring and engine; the\n"
    "                        connections are split between them (default " XSTR(LOAD_DEFAULT_THREADS) ")\n"
    "  -H, --header LINE     add 'Name: value' to every request (repeatable); a\n"
    "                        Host, User-Agent or Accept replaces ours\n"
    "      --timeout T       count a response not complete within T as a timeout\n"
    "                        (default 2s)\n"
    "      --latency         print the latency distribution\n"
    "  -n, --requests N      make N requests (after the warm-up), then stop\n"
    "  -R, --rate RATE       a constant RATE requests/s in all; latency is measured\n"
    "                        from when each request should have been sent\n"
    "                        (corrected for coordinated omission, as wrk2 does)\n"
    "  -U, --uncorrected     with -R: print the uncorrected latency too\n"
    "      --pipeline D      HTTP/1.1 pipelining: D requests in flight on each\n"
    "                        connection (1.." XSTR(RF_MAX_PIPELINE) "); requests a closed connection left\n"
    "                        unanswered are counted as read errors\n"
    "  -i, --input FILE      also take URLs from FILE (one a line; blank lines and\n"
    "                        '#' lines skipped); requests cycle through every URL\n"
    "      --warmup T        run T first without counting it\n"
    "      --batch-us N      with many requests in flight, one wait for completions\n"
    "                        holds out up to N microseconds for a batch of them:\n"
    "                        fewer system calls, each response reaped (and timed)\n"
    "                        up to N us late; 0 wakes at every completion\n"
    "                        (default " XSTR(LOAD_BATCH_WAIT_US) ")\n"
    "      --backend NAME    uring (io_uring, the default) or epoll\n"
    "      --trace FILE      record every I/O submission and completion into FILE\n"
    "                        (scripts/trace-view draws it)\n"
    "      --json            print one JSON object instead of the text report\n"
    "  -h, --help            show this help and exit\n"
    "  -v, --version         show the version, the libraries it was built with\n"
    "                        and the io_uring features of this kernel, and exit\n"
    "\n"
    "Output: wrk's layout (thread stats, the latency distribution with --latency,\n"
    "requests/sec, transfer/sec), then the responses per status class, the errors\n"
    "per kind (connect, read, write, timeout, protocol, other) and the system\n"
    "calls per request. Ctrl-C stops early and still reports.\n"
    "\n"
    "Exit status: 0 when the run completed (errors are counted, not fatal), 1 when\n"
    "it could not run, 2 for usage errors.\n";

enum { OPT_LATENCY = 256, OPT_TIMEOUT, OPT_PIPELINE, OPT_WARMUP, OPT_BACKEND, OPT_TRACE, OPT_JSON, OPT_BATCH };

static const struct option long_options[] = {
    {"connections", required_argument, NULL, 'c'},
    {"duration", required_argument, NULL, 'd'},
    {"threads", required_argument, NULL, 't'},
    {"header", required_argument, NULL, 'H'},
    {"requests", required_argument, NULL, 'n'},
    {"rate", required_argument, NULL, 'R'},
    {"uncorrected", no_argument, NULL, 'U'},
    {"input", required_argument, NULL, 'i'},
    {"latency", no_argument, NULL, OPT_LATENCY},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"pipeline", required_argument, NULL, OPT_PIPELINE},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"batch-us", required_argument, NULL, OPT_BATCH},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'v'},
    {NULL, 0, NULL, 0},
};

static int usage_error(FILE *err, const char *fmt, const char *arg)
{
    fputs("ringload: ", err);
    fprintf(err, fmt, arg);
    fputc('\n', err);
    fputs(LOAD_USAGE, err);
    fputs("Try 'ringload --help' for more information.\n", err);
    return -EINVAL;
}

static const char *option_name(int opt)
{
    switch (opt) {
    case 'c': return "-c";
    case 'd': return "-d";
    case 't': return "-t";
    case 'H': return "-H";
    case 'n': return "-n";
    case 'R': return "-R";
    case 'i': return "-i";
    case OPT_TIMEOUT: return "--timeout";
    case OPT_PIPELINE: return "--pipeline";
    case OPT_WARMUP: return "--warmup";
    case OPT_BATCH: return "--batch-us";
    case OPT_BACKEND: return "--backend";
    case OPT_TRACE: return "--trace";
    default: return "an option";
    }
}

static int unknown_option(FILE *err, char **argv, int optopt_seen)
{
    char shortopt[2] = {(char)optopt_seen, '\0'};
    if (optopt_seen == 0)
        return usage_error(err, "unknown option '%s'", argv[optind - 1]);
    for (const struct option *o = long_options; o->name; o++)
        if (o->val == optopt_seen && o->has_arg == no_argument)
            return usage_error(err, "option '--%s' takes no value", o->name);
    return usage_error(err, "unknown option '-%s'", shortopt);
}

static bool parse_count(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *v)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (end == s || *end || errno || x < lo || x > hi)
        return false;
    *v = x;
    return true;
}

int load_parse_duration(const char *s, double *seconds)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || !(v > 0))
        return -EINVAL;
    double mult;
    if (*end == '\0' || strcmp(end, "s") == 0)
        mult = 1;
    else if (strcmp(end, "ms") == 0)
        mult = 1e-3;
    else if (strcmp(end, "us") == 0)
        mult = 1e-6;
    else if (strcmp(end, "m") == 0)
        mult = 60;
    else if (strcmp(end, "h") == 0)
        mult = 3600;
    else
        return -EINVAL;
    v *= mult;
    /* A week is longer than any run; past it the nanosecond clock math of a
     * run would not care, but a typo like 10000h is better caught. */
    if (v > 7 * 24 * 3600.0 || v < 1e-6)
        return -EINVAL;
    *seconds = v;
    return 0;
}

/* A header name is an RFC 9110 token. */
static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* "Name: value" -> appended as "Name: value\r\n". */
static int add_header(struct load_args *a, const char *line, FILE *err)
{
    const char *colon = strchr(line, ':');
    if (!colon || colon == line)
        return usage_error(err, "-H must be 'Name: value', not '%s'", line);
    for (const char *p = line; p < colon; p++)
        if (!is_tchar((unsigned char)*p))
            return usage_error(err, "-H: the header name in '%s' is not a token", line);
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    for (const char *p = v; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
            return usage_error(err, "-H: '%s' holds a control character", line);
    size_t have = a->headers_used;
    size_t need = (size_t)(colon - line) + 2 + strlen(v) + 1;
    if (have + need > sizeof a->headers || a->nheaders == LOAD_HEADERS_MAX)
        return usage_error(err, "-H: the headers are longer than " XSTR(LOAD_HEADERS_MAX_BYTES)
                                " bytes (or " XSTR(LOAD_HEADERS_MAX) " lines) in all (at '%s')", line);
    snprintf(a->headers + have, sizeof a->headers - have, "%.*s: %s", (int)(colon - line), line, v);
    a->header_lines[a->nheaders++] = a->headers + have;
    a->headers_used += need;
    return 0;
}

int load_args_parse(int argc, char **argv, struct load_args *a, FILE *out, FILE *err)
{
    unsigned long long v;
    bool duration_given = false;
    const char *threads_arg = NULL;
    int opt, ret;

    memset(a, 0, sizeof *a);
    a->conns = LOAD_DEFAULT_CONNS;
    a->threads = LOAD_DEFAULT_THREADS;
    a->duration_s = LOAD_DEFAULT_DURATION_S;
    a->timeout_s = LOAD_DEFAULT_TIMEOUT_S;
    a->pipeline = 1;
    a->batch_wait_us = LOAD_BATCH_WAIT_US;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:d:t:H:n:R:Ui:hv", long_options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (!parse_count(optarg, 1, LOAD_MAX_CONNS, &v))
                return usage_error(err, "-c CONNS must be a whole number from 1 to "
                                        XSTR(LOAD_MAX_CONNS) ", not '%s'", optarg);
            a->conns = (unsigned)v;
            break;
        case 't':
            if (!parse_count(optarg, 1, LOAD_MAX_THREADS, &v))
                return usage_error(err, "-t THREADS must be a whole number from 1 to "
                                        XSTR(LOAD_MAX_THREADS) ", not '%s'", optarg);
            a->threads = (unsigned)v;
            threads_arg = optarg;
            break;
        case 'n':
            if (!parse_count(optarg, 1, UINT64_MAX / 2, &v))
                return usage_error(err, "-n N must be a whole number >= 1, not '%s'", optarg);
            a->requests = v;
            break;
        case 'd':
            if (load_parse_duration(optarg, &a->duration_s) < 0)
                return usage_error(err, "-d DURATION must be a time > 0 such as 10, 10s, 500ms, "
                                        "2m or 1h, not '%s'", optarg);
            duration_given = true;
            break;
        case OPT_TIMEOUT:
            if (load_parse_duration(optarg, &a->timeout_s) < 0)
                return usage_error(err, "--timeout T must be a time > 0 such as 2, 2s or 500ms, "
                                        "not '%s'", optarg);
            break;
        case OPT_WARMUP:
            if (strcmp(optarg, "0") == 0)
                a->warmup_s = 0;
            else if (load_parse_duration(optarg, &a->warmup_s) < 0)
                return usage_error(err, "--warmup T must be a time >= 0 such as 1, 1s or 500ms, "
                                        "not '%s'", optarg);
            break;
        case 'R': {
            char *end;
            double r = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(r) || !(r > 0) || r > 1e9)
                return usage_error(err, "-R RATE must be a number of requests per second > 0, "
                                        "not '%s'", optarg);
            a->rate = r;
            break;
        }
        case 'U': a->uncorrected = true; break;
        case OPT_PIPELINE:
            if (!parse_count(optarg, 1, RF_MAX_PIPELINE, &v))
                return usage_error(err, "--pipeline D must be a whole number from 1 to "
                                        XSTR(RF_MAX_PIPELINE) ", not '%s'", optarg);
            a->pipeline = (unsigned)v;
            break;
        case OPT_BATCH:
            if (!parse_count(optarg, 0, LOAD_BATCH_WAIT_MAX_US, &v))
                return usage_error(err, "--batch-us N must be a whole number of microseconds from 0 to "
                                        XSTR(LOAD_BATCH_WAIT_MAX_US) ", not '%s'", optarg);
            a->batch_wait_us = (unsigned)v;
            break;
        case 'H':
            if ((ret = add_header(a, optarg, err)) < 0)
                return ret;
            break;
        case 'i':
            if (optarg[0] == '\0')
                return usage_error(err, "-i FILE must not be empty%s", "");
            a->list = optarg;
            break;
        case OPT_BACKEND: {
            int b = rf_backend_from_name(optarg);
            if (b < 0)
                return usage_error(err, "--backend must be uring or epoll, not '%s'", optarg);
            a->backend = (enum rf_backend)b;
            break;
        }
        case OPT_TRACE:
            if (optarg[0] == '\0')
                return usage_error(err, "--trace FILE must not be empty%s", "");
            a->trace = optarg;
            break;
        case OPT_LATENCY: a->latency = true; break;
        case OPT_JSON: a->json = true; break;
        case 'h':
            fputs(help_text, out);
            return LOAD_ARGS_EXIT;
        case 'v':
            version_print(out, "ringload");
            return LOAD_ARGS_EXIT;
        case ':':
            return usage_error(err, "%s needs a value", option_name(optopt));
        default:
            return unknown_option(err, argv, optopt);
        }
    }
    if (a->requests && !duration_given)
        a->duration_s = 0;
    if (a->uncorrected && a->rate == 0)
        return usage_error(err, "-U goes with -R RATE: without a rate there is nothing to "
                                "correct%s", "");
    if (a->threads > a->conns) {
        if (threads_arg)
            return usage_error(err, "-t THREADS must not exceed -c CONNS: each thread needs a "
                                    "connection of its own, not '%s'", threads_arg);
        a->threads = a->conns; /* wrk's default of 2 threads with -c 1 */
    }
    a->urls = argv + optind;
    a->nurls = (size_t)(argc - optind);
    if (a->nurls == 0 && !a->list)
        return usage_error(err, "no URL given (as arguments or with -i FILE)%s", "");
    return LOAD_ARGS_RUN;
}
