/* ringfetch's command line. See ringfetch_args.h. */
#include "cli/ringfetch_args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ringfetch/engine.h"
#include "ringfetch/limits.h"
#include "cli/cli_tunables.h"
#include "cli/version.h"

#define STR(x) #x
#define XSTR(x) STR(x)

/* A printf format: the numbers come from the tunables. */
static const char help_text[] =
    RINGFETCH_USAGE
    "\n"
    "Fetch http:// and https:// URLs in parallel over one io_uring, each into a file named\n"
    "after the last segment of its path.\n"
    "\n"
    "options:\n"
    "  -m N, --max N         at most N requests in flight, 1..%u (default=%u);\n"
    "                        fewer when the open-file limit (ulimit -n) cannot\n"
    "                        hold N, which a note says: see the README\n"
    "  -o DIR, --output DIR  save the files in DIR, created when missing (default=.);\n"
    "                        it must take new files, checked before any request\n"
    "  -i FILE, --input FILE read more URLs from FILE, '-' for stdin: one per line,\n"
    "                        blanks around it ignored, empty lines and lines\n"
    "                        starting with '#' skipped; read as the run goes, so\n"
    "                        lists of any length are fine. Give -i up to %u times\n"
    "                        to read several lists, one after the other; each\n"
    "                        must open and read before any request is made\n"
    "  -q, --quiet           print nothing but errors\n"
    "  -v, --verbose         one line per URL: 'OK URL -> PATH (N bytes)' on\n"
    "                        stdout, 'ERR URL: MESSAGE' on stderr\n"
    "  --timeout S           give up on a URL after S seconds (default: %s)\n"
    "  --read-timeout S      a server that sends nothing for S seconds fails the\n"
    "                        try, which --retry repeats (default: %u)\n"
    "  --stats               print one JSON object of counters on stdout at the end\n"
    TLSOPTS_HELP
    "  --discard             fetch and count every URL but save nothing (no -o,\n"
    "                        no output names): for load tests and soak runs\n"
    "  -c, --continue        resume: write each file as NAME.part and keep it when\n"
    "                        the run fails or is stopped; the next run asks for\n"
    "                        the rest (Range + If-Range with the ETag or\n"
    "                        Last-Modified the part was started with), and starts\n"
    "                        over when the server's answer does not fit\n"
    "  --rate R              start at most R requests a second to any one host\n"
    "                        (politeness; R may be fractional: 0.5 is one every 2 s)\n"
    "  --dns-servers LIST    ask these name servers (ADDR[:PORT],...; IPv6 as\n"
    "                        [ADDR]:PORT) instead of /etc/resolv.conf's\n"
    "  --resolve H:P:ADDR    connect to ADDR for host H, port P, without a\n"
    "                        lookup (curl's spelling; repeatable)\n"
    IOOPTS_HELP
    PROXYOPTS_HELP
    "  -h, --help            show this help and exit\n"
    "  --version             show the version, the libraries it was built with\n"
    "                        and the io_uring features of this kernel, and exit\n"
    "%s"
    "\n"
    "URLs: dot segments are removed from the path and bytes a request may not\n"
    "hold (spaces, non-ASCII) percent-encoded before sending; user:password@\n"
    "is sent as Basic authorization and the password is never printed.\n"
    "\n"
    "Output names: the last segment of the path requested, percent-decoded\n"
    "('index.html' for a path ending in '/'), also after redirects. A URL whose\n"
    "name would be unsafe ('/', '\\', control characters) or over 255 bytes,\n"
    "that is not http(s)://, or that cannot be parsed is an error for that line\n"
    "and is not fetched. The same URL again is fetched once: each repeat is a\n"
    "'DUP' line on stderr (not with -q) and changes nothing else. When two\n"
    "different URLs have the same output name, the first one is fetched and\n"
    "every later one is an error ('duplicate output name'), never a silent\n"
    "overwrite. A file appears under its name only once it is complete.\n"
    "In a list, a URL line may be followed by indented option lines for it,\n"
    "as aria2 reads them: '  out=NAME' (its file name) and '  dir=DIR' (a\n"
    "folder under -o); names from them are checked like any other.\n"
    "\n"
    "Progress: a bar on stderr when it is a terminal (not with -q or -v) with\n"
    "the URLs done (of the total, with an ETA, when it is known), the body\n"
    "bytes so far, their rate, the errors so far and the retries waiting;\n"
    "--progress=dot draws a character per URL instead; and a summary line on\n"
    "stderr at the end (not with -q). Ctrl-C, SIGTERM or SIGHUP stops: the\n"
    "transfers in flight are cancelled and leave no file, and the summary is\n"
    "printed.\n"
    "\n"
    "Exit status: 0 when every URL was fetched or skipped; 1 when any failed\n"
    "(404 included), or output on stdout or stderr or the --log-json file was\n"
    "lost; 2 for usage errors (a list that cannot be read, a destination that\n"
    "cannot take files, an open-file limit too low for one request included);\n"
    "128 + the signal when stopped (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).\n";

enum { OPT_TIMEOUT = 256, OPT_STATS, OPT_VERSION, OPT_DISCARD, OPT_DNS_SERVERS, OPT_RESOLVE, OPT_RATE,
       OPT_BACKEND, OPT_TRACE, OPT_READ_TIMEOUT };

static const struct option long_options[] = {
    {"max", required_argument, NULL, 'm'},
    {"output", required_argument, NULL, 'o'},
    {"input", required_argument, NULL, 'i'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"read-timeout", required_argument, NULL, OPT_READ_TIMEOUT},
    {"stats", no_argument, NULL, OPT_STATS},
    {"discard", no_argument, NULL, OPT_DISCARD},
    {"dns-servers", required_argument, NULL, OPT_DNS_SERVERS},
    {"rate", required_argument, NULL, OPT_RATE},
    {"continue", no_argument, NULL, 'c'},
    {"resolve", required_argument, NULL, OPT_RESOLVE},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    TLSOPTS_LONG,
    DLOPTS_LONG,
    PROXYOPTS_LONG,
    {NULL, 0, NULL, 0},
};

/* How --help describes the default of --timeout. */
static const char *timeout_default(void)
{
    static char text[160];
    if (RF_REQUEST_TIMEOUT_MS == 0)
        snprintf(text, sizeof text,
                 "none;\n                        a slow big file is never cut off, but %u s of\n"
                 "                        silence fails a try: --read-timeout",
                 (unsigned)(RF_IDLE_TIMEOUT_MS / 1000));
    else
        snprintf(text, sizeof text, "%u", (unsigned)(RF_REQUEST_TIMEOUT_MS / 1000));
    return text;
}

/* A finite number > 0 and at most max, the whole of text: 0, or -EINVAL. */
static int parse_positive(const char *text, double max, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !(v > 0) || !isfinite(v) || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int usage_error(FILE *err, const char *fmt, const char *arg)
{
    fputs("ringfetch: ", err);
    fprintf(err, fmt, arg);
    fputc('\n', err);
    fputs(RINGFETCH_USAGE, err);
    fputs("Try 'ringfetch --help' for more information.\n", err);
    return -EINVAL;
}

/* getopt said '?'. optopt 0: an unknown or ambiguous long option, the word
 * just stepped over. optopt of a flag: a value given to its long form
 * ("--quiet=x"). Else an unknown short option. */
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

/* One --dns-servers item: IPv4[:PORT], IPv6, or [IPv6][:PORT]. */
static bool dns_server_ok(const char *s, size_t n)
{
    char buf[INET6_ADDRSTRLEN + 8], host[INET6_ADDRSTRLEN];
    unsigned char a[sizeof(struct in6_addr)];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *port = NULL;
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (!close || (size_t)(close - buf - 1) >= sizeof host)
            return false;
        memcpy(host, buf + 1, (size_t)(close - buf - 1));
        host[close - buf - 1] = '\0';
        if (close[1] == ':')
            port = close + 2;
        else if (close[1])
            return false;
        if (inet_pton(AF_INET6, host, a) != 1)
            return false;
    } else if (inet_pton(AF_INET6, buf, a) == 1) {
        return true;
    } else {
        char *colon = strchr(buf, ':');
        if (colon) {
            *colon = '\0';
            port = colon + 1;
        }
        if (inet_pton(AF_INET, buf, a) != 1)
            return false;
    }
    if (port) {
        char *end;
        long p = strtol(port, &end, 10);
        if (end == port || *end || p < 1 || p > 65535)
            return false;
    }
    return true;
}

static bool dns_servers_ok(const char *list)
{
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (!dns_server_ok(p, n))
            return false;
        if (!comma)
            return true;
        p = comma + 1;
    }
}

static const char *option_name(int opt)
{
    switch (opt) {
    case 'm': return "-m";
    case 'o': return "-o";
    case 'i': return "-i";
    case OPT_TIMEOUT: return "--timeout";
    case OPT_READ_TIMEOUT: return "--read-timeout";
    case OPT_DNS_SERVERS: return "--dns-servers";
    case OPT_RATE: return "--rate";
    case OPT_RESOLVE: return "--resolve";
    case TLSOPT_CACERT: return "--cacert";
    case TLSOPT_CAPATH: return "--capath";
    case OPT_BACKEND: return "--backend";
    case OPT_TRACE: return "--trace";
    default:
        return dlopts_name(opt) ? dlopts_name(opt) : proxyopts_name(opt) ? proxyopts_name(opt) : "an option";
    }
}

int ringfetch_args_parse(int argc, char **argv, struct ringfetch_args *a, FILE *out, FILE *err)
{
    bool quiet = false, verbose = false;
    int opt;
    bool outdir_given = false;

    memset(a, 0, sizeof *a);
    a->window = RINGFETCH_DEFAULT_WINDOW;
    a->outdir = ".";
    dlopts_init(&a->dl);

    optind = 0;   /* glibc: start afresh (tests parse several times) */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":m:o:i:qvhkc" DLOPTS_SHORT, long_options, NULL)) != -1) {
        switch (opt) {
        case 'm': {
            char *end;
            errno = 0;
            long long v = strtoll(optarg, &end, 10);
            if (end == optarg || *end || errno || v < 1 || v > RF_MAX_WINDOW)
                return usage_error(err, "-m N must be a whole number from 1 to "
                                        XSTR(RF_MAX_WINDOW) ", not '%s'", optarg);
            a->window = (unsigned)v;
            break;
        }
        case 'o': a->outdir = optarg; outdir_given = true; break;
        case 'i':
            if (a->nlists == RF_RINGFETCH_MAX_LISTS)
                return usage_error(err, "-i can be given at most " XSTR(RF_RINGFETCH_MAX_LISTS)
                                        " times (join the lists with cat), not for '%s'",
                                   optarg);
            if (optarg[0] == '\0')
                return usage_error(err, "-i FILE must not be empty%s", "");
            for (size_t i = 0; i < a->nlists; i++)
                if (strcmp(optarg, "-") == 0 && strcmp(a->lists[i], "-") == 0)
                    return usage_error(err, "-i - given twice: standard input can be read "
                                            "only once%s", "");
            a->lists[a->nlists++] = optarg;
            break;
        case 'q': quiet = true; break;
        case 'v': verbose = true; break;
        case OPT_STATS: a->stats = true; break;
        case OPT_DISCARD: a->discard = true; break;
        case OPT_BACKEND:
            if (ioopts_backend(&a->io, optarg) < 0)
                return usage_error(err, "--backend must be uring or epoll, not '%s'", optarg);
            break;
        case OPT_TRACE:
            if (optarg[0] == '\0')
                return usage_error(err, "--trace FILE must not be empty%s", "");
            a->io.trace = optarg;
            break;
        case OPT_TIMEOUT:
            if (parse_positive(optarg, HUGE_VAL, &a->timeout_s) < 0)
                return usage_error(err, "--timeout S must be a number of seconds > 0, not '%s'",
                                   optarg);
            break;
        case OPT_READ_TIMEOUT:
            if (parse_positive(optarg, HUGE_VAL, &a->read_timeout_s) < 0)
                return usage_error(err, "--read-timeout S must be a number of seconds > 0, not '%s'",
                                   optarg);
            break;
        case 'c': a->resume = true; break;
        case OPT_RATE:
            if (parse_positive(optarg, 1e6, &a->rate) < 0)
                return usage_error(err, "--rate R must be a number of requests per second > 0, "
                                        "not '%s'", optarg);
            break;
        case OPT_DNS_SERVERS:
            if (!dns_servers_ok(optarg))
                return usage_error(err, "--dns-servers wants ADDR[:PORT],... (IPv4, IPv6, "
                                        "[IPv6]:PORT), not '%s'", optarg);
            a->dns_servers = optarg;
            break;
        case OPT_RESOLVE:
            if (!rf_resolve_entry_ok(optarg))
                return usage_error(err, "--resolve wants HOST:PORT:ADDR (PORT 1..65535, ADDR an "
                                        "IPv4 or [IPv6] address), not '%s'", optarg);
            if (a->nresolve == RF_RINGFETCH_MAX_RESOLVE)
                return usage_error(err, "--resolve can be given at most "
                                        XSTR(RF_RINGFETCH_MAX_RESOLVE) " times, not for '%s'", optarg);
            a->resolve[a->nresolve++] = optarg;
            break;
        case 'h':
            fprintf(out, help_text, (unsigned)RF_MAX_WINDOW, (unsigned)RINGFETCH_DEFAULT_WINDOW,
                    (unsigned)RF_RINGFETCH_MAX_LISTS, timeout_default(),
                    (unsigned)(RF_IDLE_TIMEOUT_MS / 1000), dlopts_help);
            return RINGFETCH_ARGS_EXIT;
        case OPT_VERSION:
            version_print(out, "ringfetch");
            return RINGFETCH_ARGS_EXIT;
        case ':':
            return usage_error(err, "%s needs a value", option_name(optopt));
        default: {
            char why[RF_URL_MAX_BYTES + 200];
            int taken = proxyopts_take(&a->proxy, opt, optarg, why, sizeof why);
            if (taken < 0)
                return usage_error(err, "%s", why);
            if (taken == PROXYOPTS_TAKEN || tlsopts_take(&a->tls, opt, optarg))
                break;
            /* The downloader options (dlopts.h), one group. */
            taken = dlopts_take(&a->dl, opt, optarg, why, sizeof why);
            if (taken == DLOPTS_TAKEN)
                break;
            if (taken < 0)
                return usage_error(err, "%s", why);
            return unknown_option(err, argv, optopt);
        }
        }
    }
    if (quiet && verbose)
        return usage_error(err, "-q and -v cannot be used together%s", "");
    if (a->discard && a->resume)
        return usage_error(err, "--discard saves nothing: -c (resume) cannot go with it%s", "");
    if (a->discard && outdir_given)
        return usage_error(err, "--discard saves nothing: -o DIR cannot go with it%s", "");
    char why[512];
    if (dlopts_finish(&a->dl, a->discard, why, sizeof why) < 0)
        return usage_error(err, "%s", why);
    a->verbosity = quiet ? RINGFETCH_QUIET : verbose ? RINGFETCH_VERBOSE : RINGFETCH_NORMAL;
    if (a->outdir[0] == '\0')
        return usage_error(err, "-o DIR must not be empty%s", "");
    a->urls = argv + optind;
    a->nurls = (size_t)(argc - optind);
    if (a->nurls == 0 && a->nlists == 0)
        return usage_error(err, "no URL given (as arguments or with -i FILE)%s", "");
    return RINGFETCH_ARGS_RUN;
}
